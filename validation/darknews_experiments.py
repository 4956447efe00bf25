"""Reference upscattering totals from DarkNews 0.4.8 for four library experiments (issue 12, item 5).

Runs where DarkNews 0.4.8 is installed (not a dependency of hnlgen), e.g.::

    /work/dnvenv/bin/python validation/darknews_experiments.py -o tests/gen/data/darknews_experiments_reference.json

Benchmark (light Z', seed 002; arXiv:1807.09877 / 1812.08768): m_N = 420 MeV, m_Z' = 30 MeV,
|U_mu4|^2 = 9e-7, alpha_D = 0.25, alpha eps^2 = 2e-10, Dirac, numu only, coherent + p-el (DarkNews'
p-el is on free protons: no Pauli blocking), both helicity structures (HC + HF), decay N -> nu e+e-.

For every library experiment it records DarkNews' flux integrals (all flavours) and target counts
(``detector_facts``: no generation). For each of the four experiments the script also records DarkNews' total ``sum(w_event_rate)`` (upscattered N, the
decay normalised to one: ``MC.py`` divides ``diff_event_rate`` by the integrated decay rate), its
MC error ``sqrt(sum w^2)``, the split by target and regime, DarkNews' own number of targets
(``Detector.NUMBER_OF_TARGETS``), POT and the numu flux integral over its ``erange`` (the
``interp1d`` DarkNews builds, integrated with scipy quad on the file's sample points).
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import math
import platform

import numpy as np
from scipy import integrate

EXPERIMENTS = ("microboone", "minerva_le_fhc", "nd280_fhc", "sbnd")
BENCHMARK = {
    "HNLtype": "dirac", "m4": 0.420, "mzprime": 0.030, "Umu4": math.sqrt(9e-7), "UD4": 1.0, "alphaD": 0.25,
    "alpha_epsilon2": 2e-10, "nu_flavors": ["nu_mu"], "decay_product": "e+e-", "nopelastic": False,
    "include_nelastic": False, "nocoh": False,
}


def flux_integral(det, flavour_index: int) -> float:
    """DarkNews' flux function integrated over its erange (nu / cm^2 / POT)."""
    f = det.FLUX_FUNCTIONS[flavour_index]
    x = np.asarray(f.x)
    lo, hi = det.ERANGE
    pts = np.concatenate([[lo], x[(x > lo) & (x < hi)], [hi]])
    return float(sum(integrate.quad(f, a, b)[0] for a, b in itertools.pairwise(pts)))


def coupling_ratios() -> dict:
    """DarkNews' Z' vector couplings to the electron and the proton divided by e eps (e = sqrt(4 pi alpha(0)))."""
    from DarkNews import const
    from DarkNews.model import ThreePortalModel

    keys = ("HNLtype", "m4", "mzprime", "Umu4", "UD4", "alphaD", "alpha_epsilon2")
    m = ThreePortalModel(**{k: BENCHMARK[k] for k in keys})
    e_eps = const.eQED * m.epsilon
    return {"electron": float(m.deV / e_eps), "proton": float(m.dprotonV / e_eps), "epsilon": float(m.epsilon),
            "alpha_QED_0": float(const.alphaQED)}


LIBRARY = ("dune_nd_fhc", "dune_nd_rhc", "fasernu", "icarus", "microboone", "microboone_tpc", "minerva_le_fhc",
           "minerva_me_fhc", "minerva_me_rhc", "minos_le_fhc", "nd280_fhc", "nova_le_fhc", "nutev_fhc", "sbnd")
_FLAVOURS = ("nue", "numu", "nutau", "nuebar", "numubar", "nutaubar")  # DarkNews FLUX_FUNCTIONS order


def detector_facts(name: str) -> dict:
    """DarkNews' own flux integrals (all flavours, over erange) and target counts for one detector file.

    The file is passed by path (DarkNews 0.4.8's keyword ``minerva_me_rhc`` maps to the FHC file)."""
    from importlib.resources import files

    import DarkNews as dn

    det = dn.detector.Detector(str(files("DarkNews.include.detectors").joinpath(f"{name}.txt")))
    return {
        "pot": float(det.POTS),
        "erange_GeV": [float(x) for x in det.ERANGE],
        "flux_integral_per_cm2_per_exposure": {f: flux_integral(det, i) for i, f in enumerate(_FLAVOURS)},
        "number_of_targets": {k: float(v) for k, v in det.NUMBER_OF_TARGETS.items()},
        "nuclear_mass_GeV": {t.name: float(t.mass) for t in det.NUCLEAR_TARGETS},
    }


def run_one(name: str, neval: int, nint: int, seed: int) -> dict:
    import DarkNews as dn

    gen = dn.GenLauncher(experiment=name, neval=neval, nint=nint, neval_warmup=neval // 10, nint_warmup=10, seed=seed,
                         loglevel="WARNING", pandas=False, path=f"/tmp/exp_dn_{name}", **BENCHMARK)
    df = gen.run()
    w = np.asarray(df["w_event_rate"], dtype=float)
    det = gen.experiment
    split = {}
    tgt = df["target"].to_numpy() if "target" in df else None
    reg = df["scattering_regime"].to_numpy() if "scattering_regime" in df else None
    hel = df["helicity"].to_numpy() if "helicity" in df else None
    if tgt is not None and reg is not None:
        keys = [f"{t} {r}" + (f" {h}" if hel is not None else "") for t, r, h in zip(tgt, reg, hel if hel is not None else tgt)]
        for k in sorted(set(keys)):
            m = np.array([kk == k for kk in keys])
            split[k] = {"events": float(w[m].sum()), "mc_error": float(np.sqrt((w[m] ** 2).sum()))}
    return {
        "events": float(w.sum()),
        "mc_error": float(np.sqrt((w**2).sum())),
        "n_samples": len(w),
        "split": split,
        "pot": float(det.POTS),
        "erange_GeV": [float(x) for x in det.ERANGE],
        "fluxfile": det.FLUXFILE,
        "flux_norm": float(det.FLUX_NORM),
        "numu_flux_integral_per_cm2_per_pot": flux_integral(det, 1),
        "number_of_targets": {k: float(v) for k, v in det.NUMBER_OF_TARGETS.items()},
        "nuclear_mass_GeV": {t.name: float(t.mass) for t in det.NUCLEAR_TARGETS},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--neval", type=int, default=100_000)
    ap.add_argument("--nint", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--experiments", nargs="*", default=list(EXPERIMENTS))
    args = ap.parse_args()
    import DarkNews as dn

    out = {
        "provenance": {
            "generator": f"DarkNews {dn.__version__}",
            "python": platform.python_version(),
            "date_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": f"python validation/darknews_experiments.py -o {args.output} --neval {args.neval} --nint {args.nint} --seed {args.seed}",
            "parameters": {k: v for k, v in BENCHMARK.items()},
            "notes": "events = sum(w_event_rate): upscattered N per exposure (decay normalised to 1); "
                     "mc_error = sqrt(sum w^2). DarkNews' Z' coupling to charge is 1.0191 e eps and its "
                     "Z-Z' interference sign is opposite to hnlgen's (README).",
        },
        "zprime_coupling_over_e_eps": coupling_ratios(),
        "detector_facts": {n: detector_facts(n) for n in LIBRARY},
        "experiments": {},
    }
    with open(args.output, "w") as fh:
        json.dump(out, fh, indent=1)
    for name in args.experiments:
        out["experiments"][name] = run_one(name, args.neval, args.nint, args.seed)
        r = out["experiments"][name]
        print(f"{name}: {r['events']:.5g} +- {r['mc_error']:.2g} events", flush=True)
        with open(args.output, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
