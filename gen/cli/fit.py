"""``hnlgen fit SIGNAL``: MiniBooNE chi2 of a predicted nu_e-like signal (detectors.miniboone.fit)."""

from __future__ import annotations

import sys

from gen.output import jsonout


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "fit",
        help="MiniBooNE chi2 of a predicted signal with the official covariance (2018/2020 releases)",
        description="chi2 of background + signal against MiniBooNE's nu_e-like data with the released fractional "
        "covariance matrices. SIGNAL is 11 numbers (events per E_QE bin, edges 0.2 0.3 0.375 0.475 0.55 0.675 0.8 "
        "0.95 1.1 1.25 1.5 3.0 GeV, for the release's neutrino-mode POT) given inline ('1,2,...') or as a text/.npy "
        "file, or a generated event file (.root: a complete MiniBooNE output of hnlgen run; or .parquet) with "
        "branches E_QE [GeV], weight and optionally passes_selection.",
    )
    p.add_argument("signal", metavar="SIGNAL", help="neutrino-mode signal: file or 11 comma-separated numbers")
    p.add_argument("--nubar", metavar="SIGNAL", help="antineutrino-mode signal (11.27e20 POT), for --mode combined; default zero")
    p.add_argument("--release", type=int, choices=(2018, 2020), default=2018, help="data release (default 2018: 12.84e20 POT; 2020: 18.75e20 POT)")
    p.add_argument("--mode", choices=("nu", "combined"), default="nu", help="nu: 19 bins; combined: nu + nubar, 38 bins (default nu)")
    p.add_argument("--free-norm", action="store_true", help="fit the signal normalisation (>= 0)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply the signal(s) by this factor first, e.g. a POT ratio (default 1)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from pathlib import Path

    from detectors.miniboone import fit as mbf
    from gen.inputs import check_root_input

    for spec in (args.signal, args.nubar):
        if spec is not None and (Path(spec).suffix.lower() == ".root" or ".root.partial" in Path(spec).name):
            check_root_input(spec, "fit", detector_responses=("miniboone",))
    try:
        sig = mbf.read_signal(args.signal) * args.scale
        sig_bar = mbf.read_signal(args.nubar) * args.scale if args.nubar is not None else None
        if sig_bar is not None and args.mode != "combined":
            raise ValueError("--nubar needs --mode combined")
        res = mbf.fit(sig, sig_bar, release=args.release, mode=args.mode, free_norm=args.free_norm)
    except (ValueError, FileNotFoundError) as err:
        print(f"hnlgen fit: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(jsonout.dumps(res.as_dict(), indent=2))
        return 0
    rel = mbf.load_release(args.release)
    pot = ", ".join(f"{s.beam} {s.pot:.4g} POT" for s in rel.samples(args.mode))
    print(f"MiniBooNE {args.release} release, mode {args.mode} ({pot}): {res.n_bins} bins")
    print(f"signal events: {', '.join(f'{x:.4g}' for x in res.signal_events)}  (nu{', nubar' if args.mode == 'combined' else ''})")
    print(f"background only : chi2 = {res.chi2_background_only:8.3f} / {res.dof_background_only} dof  (p = {res.p_value_background_only:.3g})")
    print(f"signal x 1      : chi2 = {res.chi2_nominal:8.3f} / {res.n_bins} dof")
    if res.free_norm:
        print(f"best fit        : chi2 = {res.chi2_best:8.3f} / {res.dof_best} dof at norm = {res.norm_best:.4g}")
    print(f"delta chi2 (background only - best) = {res.delta_chi2:.3f}")
    for note in res.notes:
        print(f"note: {note}")
    return 0
