"""``hnlgen experiments [--json]``: the experiments a card can name, with targets, exposure, flux and detector."""

from __future__ import annotations

import json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "experiments",
        help="list the experiments ([experiment] name): targets, mass, exposure, flux range, flavours, detector response",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def describe(name: str) -> dict:
    """What ``hnlgen experiments`` says about one experiment name (JSON-serialisable)."""
    import numpy as np

    from gen.core.flux import flux_for_experiment
    from gen.experiments import EXPERIMENTS, experiment_info, library_experiment
    from physics import units as u

    info = experiment_info(name)
    d = {"name": name, "source": info.source, "detector_response": info.detector_response, "kind": info.kind}
    if info.card_flux:
        d["note"] = "flux file, targets and POT from the card (README: custom experiment)"
        return d
    if info.source == "meson_decay":
        d["note"] = "K+ (or pi+) decays in flight; exposure = parent decays in the fiducial volume (README: NA62)"
        return d
    exp = library_experiment(name) if info.kind == "library" else EXPERIMENTS[name]
    flux = flux_for_experiment(exp)
    flav = [f for f in flux.flavours if flux.integrated(f) > 0]
    nz = np.nonzero(flux.bin_flux.sum(axis=0) > 0)[0]
    d.update({
        "targets": [{"name": t.name, "mass_t": t.mass_g / u.tonne, "n_nuclei": t.n_nuclei} for t in exp.targets],
        "mass_t": sum(t.mass_g for t in exp.targets) / u.tonne,
        "exposure": exp.pot,
        "exposure_unit": exp.exposure_unit,
        "flux_file": exp.flux_file,
        "flux_range_GeV": [float(flux.edges[nz[0]]), float(flux.edges[nz[-1] + 1])],
        "flavours": flav,
        "flux_integral_per_cm2_per_exposure": {f: flux.integrated(f) for f in flav},
        "reference": exp.reference,
    })
    if exp.caveat:
        d["caveat"] = exp.caveat
    if info.kind == "library":
        d["data_file"] = exp.data_file
    return d


def run(args) -> int:
    from gen.experiments import UNSUPPORTED, experiment_names

    rows = [describe(n) for n in experiment_names()]
    if args.json:
        print(json.dumps({"experiments": rows, "not_supported": UNSUPPORTED}, indent=1))
        return 0
    print(f"{'name':16s} {'source':12s} {'detector':9s} {'targets (t)':50s} {'exposure':>9s} {'unit':9s} "
          f"{'flux range (GeV)':17s} flavours")
    for d in rows:
        if "targets" not in d:
            print(f"{d['name']:16s} {d['source']:12s} {d['detector_response']:9s} {d['note']}")
            continue
        tg = ", ".join(f"{t['name']} {t['mass_t']:.4g}" for t in d["targets"])
        lo, hi = d["flux_range_GeV"]
        print(f"{d['name']:16s} {d['source']:12s} {d['detector_response']:9s} {tg:50s} {d['exposure']:9.3g} "
              f"{d['exposure_unit']:9s} {lo:7.3g} - {hi:<7.4g} {' '.join(d['flavours'])}")
    cav = [d for d in rows if d.get("caveat")]
    if cav:
        print("\ncaveats:")
        for d in cav:
            print(f"  {d['name']}: {d['caveat']}")
    print("\nnot supported: " + ", ".join(UNSUPPORTED) + " (upscattering in the dirt before the detector)")
    return 0
