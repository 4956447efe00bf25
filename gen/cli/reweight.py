"""``hnlgen reweight FILE.root --set epsilon=... gD=... Umu4=... [-o OUT.root]``: new couplings, same masses.

Writes a complete new file (``OUT.partial`` renamed when complete; default ``<stem>_reweighted.root``)
with the new ``weight`` (the generation weight kept as ``weight_original``), decay vertices moved
to the new lifetimes (``--lifetime rescale``, default) or weighted (``--lifetime weight``), the
detector stage redone when the file has one, and the new run card, decay table and expected
events in its metadata (``gen.reweight.upscattering``; NA62 files: ``gen.reweight.meson_decay``). Prints the new
expected totals (NA62: with the exposure, the number of kaon decays in the fiducial volume).
"""

from __future__ import annotations

import sys

from gen.output import jsonout


def register(subparsers) -> None:
    p = subparsers.add_parser("reweight", help="reweight a ROOT file to new couplings (same masses) without regenerating")
    p.add_argument("file", help="ROOT file written by hnlgen run")
    p.add_argument("--set", nargs="+", required=True, metavar="KEY=VALUE", dest="assignments",
                   help="new couplings, card keys of [model]: epsilon=1e-3 gD=0.5 Umu4=3e-3 ...")
    p.add_argument("-o", "--output", default=None, help="output ROOT file (default <stem>_reweighted.root)")
    p.add_argument("--lifetime", choices=("rescale", "weight"), default="rescale",
                   help="move decay vertices to the new lifetimes (exact, default) or weight them (keeps vertices)")
    p.add_argument("--json", action="store_true", help="print the new totals as JSON")
    p.set_defaults(func=run)


def parse_assignments(items) -> dict[str, float]:
    """``["epsilon=1e-3", "gD=0.5"]`` -> {"epsilon": 0.001, "gD": 0.5} (errors name the item)."""
    from gen.reweight.upscattering import ReweightError, _parse_value, check_conflicts

    out = {}
    keys = []
    for item in items:
        if "=" not in item:
            raise ReweightError(f"--set {item!r}: expected KEY=VALUE")
        k, v = item.split("=", 1)
        keys.append(k.strip())
        check_conflicts(keys)
        try:
            out[k.strip()] = _parse_value(v.strip())
        except ReweightError as err:
            raise ReweightError(f"--set {k.strip()}={v.strip()}: {err}") from None
    return out


def run(args) -> int:
    from gen.inputs import check_output_suffix, check_root_input
    from gen.reweight.upscattering import ReweightError, reweight_file

    check_root_input(args.file, "reweight")
    if args.output is not None:
        check_output_suffix(args.output, "reweight", error=ReweightError)
    try:
        new = parse_assignments(args.assignments)
        out, totals = reweight_file(args.file, args.output, lifetime=args.lifetime, **new)
    except (ReweightError, FileNotFoundError) as err:
        print(f"hnlgen reweight: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(jsonout.dumps({"output": str(out), **totals}))
        return 0
    print(f"hnlgen reweight: {totals['events']} events -> {out}")
    if "n_kaon_decays" in totals:
        print(f"  exposure: N_K^Fid = {totals['n_kaon_decays']:.4g} parent decays in the fiducial volume")
    print("  expected events:")
    for k in ("produced", "upscattered", "final_state", "in_fiducial_volume", "accepted", "selected"):
        if k in totals:
            print(f"    {k:20s} {totals[k]:12.5g} +- {totals[k + '_error']:.2g}")
    print(f"  effective sample size {totals['effective_sample_size']:.4g}")
    return 0
