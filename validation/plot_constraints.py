"""Combined constraint figure in (m_N, |U_mu4|^2) at m_Z' = 30 MeV, alpha_D = 0.25, alpha eps^2 = 2e-10, Dirac N
(issue 13 item 4; seed 002 "Constraints on light boson case" = arXiv:1812.08768's final figure).

    PYTHONPATH=. python validation/plot_constraints.py [--n-mass 20] [--n-u 20] [--events 3000] [-o validation/constraints.png]

What is drawn, and how each curve is made:

* **MiniBooNE preferred region (hnlgen)**: for every m_N of the grid, ``cards/miniboone_light_zprime.toml`` at that
  m_N is generated with the MiniBooNE detector stage (``gen.sampler.generate(..., reconstruct=True)``); its
  selected E_QE spectrum S(m_N) at the card's |U_mu4|^2 scales as |U_mu4|^2 (production through the mixing, prompt
  N decay) and ``gen.miniboone_fit.chi2`` (2020 release, nu mode, published covariance) is evaluated on the
  |U_mu4|^2 grid; the region is Delta chi2 = chi2 - min over the plane < 2.30 (1 sigma) and < 11.83 (3 sigma), 2 dof.
* **MiniBooNE region of Bertuzzo et al.** (arXiv:1807.09877, digitized, 1 and 3 sigma) as a published reference.
* **MicroBooNE 95 % CL** (hnlgen): ``cards/microboone_light_zprime.toml`` at each m_N through the MicroBooNE e+e-
  response (``detectors/microboone.py``); excluded where the selected total exceeds the 95 % CL CLs limit of
  95 observed over 69.7 +- 17.3 (``gen.limits``, 60.1 events), i.e. |U_mu4|^2 > |U_mu4|^2_card x 60.1 / S(m_N).
* MINERvA and CHARM-II: drawn when their responses exist (``gen.limits.selection_for_experiment`` knows an
  experiment for them); in this tree they do not (issue 13 items 1-2, branch c13a), so they are absent. NA62 is not
  drawn (not in 1812.08768's figure; hnlgen's NA62 cascade is K+ -> mu+ N, a different production mode).
* The benchmark (420 MeV, 9e-7) as a dotted circle. CLs are stated in the legend: MicroBooNE 95 % CL (1 dof, one
  number of events); 1812.08768's MINERvA/CHARM-II curves were 90 % CL, 2 dof.

The |U_mu4|^2 axis costs nothing (linear scaling, checked against a regenerated sample in tests/gen/test_limits.py),
so an n-mass x n-u grid needs n-mass MiniBooNE and n-mass MicroBooNE samples. The script prints the times.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH = (0.420, 9e-7)


def _card_at(card, m4):
    return card.model_copy(update={"model": card.model.model_copy(update={"m4": float(m4)})})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-mass", type=int, default=20)
    ap.add_argument("--n-u", type=int, default=20)
    ap.add_argument("--events", type=int, default=3000)
    ap.add_argument("--m-range", type=float, nargs=2, default=(0.05, 0.8), help="GeV")
    ap.add_argument("--u-range", type=float, nargs=2, default=(1e-10, 1e-5), help="|U_mu4|^2")
    ap.add_argument("-o", "--output", default=str(ROOT / "validation" / "constraints.png"))
    args = ap.parse_args(argv)

    import awkward as ak

    from gen import limits as L
    from gen import miniboone_fit as mbf
    from gen.card import load_card, resolved_card_dict
    from gen.sampler import generate

    masses = np.geomspace(*args.m_range, args.n_mass)
    u2 = np.geomspace(*args.u_range, args.n_u)
    mb_card = load_card(ROOT / "cards" / "miniboone_light_zprime.toml")
    ub_card = load_card(ROOT / "cards" / "microboone_light_zprime.toml")
    u2_card = mb_card.model.Umu4**2
    mb_pot = float(resolved_card_dict(mb_card)["experiment"]["pot"])
    scale_2020 = mbf.POT[2020]["nu"] / mb_pot
    s_lim = L.signal_upper_limit("microboone_epem", 0.95)
    times = {"miniboone_s": 0.0, "microboone_s": 0.0}
    chi2 = np.empty((len(masses), len(u2)))
    ub_sel = np.empty(len(masses))
    for i, m in enumerate(masses):
        t0 = time.perf_counter()
        ev = generate(_card_at(mb_card, m), n_events=args.events, seed=mb_card.run.seed, reconstruct=True)
        sig = mbf.signal_from_events(ev) * scale_2020
        for j, u in enumerate(u2):
            chi2[i, j] = mbf.chi2(sig * (u / u2_card), release=2020, mode="nu")
        t1 = time.perf_counter()
        ev = generate(_card_at(ub_card, m), n_events=args.events, seed=ub_card.run.seed, reconstruct=True)
        ub_sel[i] = float(np.sum(ak.to_numpy(ev.weight_selected)))
        t2 = time.perf_counter()
        times["miniboone_s"] += t1 - t0
        times["microboone_s"] += t2 - t1
        print(f"m_N = {m:.4f} GeV: MiniBooNE min chi2 {chi2[i].min():.1f}; MicroBooNE selected {ub_sel[i]:.4g} "
              f"at |U|^2 = {u2_card:.3g} ({t2 - t0:.1f} s)", flush=True)
    dchi2 = chi2 - chi2.min()
    u2_lim_ub = np.where(ub_sel > 0, u2_card * s_lim / np.where(ub_sel > 0, ub_sel, 1.0), np.inf)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5.5))
    M, U = np.meshgrid(masses, u2, indexing="ij")
    ax.contourf(M, U, dchi2, levels=[0, 2.30], colors=["gold"], alpha=0.8)
    ax.contourf(M, U, dchi2, levels=[2.30, 11.83], colors=["orange"], alpha=0.5)
    ax.contour(M, U, dchi2, levels=[2.30, 11.83], colors=["goldenrod", "darkorange"], linewidths=1)
    bdir = ROOT / "validation" / "data" / "bertuzzo2018_miniboone_fit"
    for lev, st in (("1", "-"), ("3", "--")):
        lo = np.loadtxt(bdir / f"low_{lev}_sigma.dat")
        hi = np.loadtxt(bdir / f"upper_{lev}_sigma.dat")
        pts = np.vstack([lo, hi[::-1], lo[:1]])
        ax.plot(pts[:, 0], pts[:, 1], "k" + st, lw=0.8, label=f"Bertuzzo et al. MiniBooNE {lev} sigma (digitized)")
    ax.fill_between(masses, u2_lim_ub, args.u_range[1], color="tab:green", alpha=0.25)
    ax.plot(masses, u2_lim_ub, color="tab:green", lw=2, label="MicroBooNE e+e- (hnlgen), 95 % CL, CLs")
    ax.plot(*BENCH, "o", mfc="none", mec="k", ms=10, ls="none", label="benchmark (420 MeV, 9e-7)")
    ax.plot([], [], color="gold", lw=6, label="MiniBooNE (hnlgen fit, 2020 nu) 1 sigma")
    ax.plot([], [], color="orange", lw=6, alpha=0.5, label="MiniBooNE (hnlgen fit) 3 sigma")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*args.m_range)
    ax.set_ylim(*args.u_range)
    ax.set_xlabel("m_N [GeV]")
    ax.set_ylabel("|U_mu4|^2")
    ax.set_title("m_Z' = 30 MeV, alpha_D = 0.25, alpha eps^2 = 2e-10, Dirac N", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(args.output, dpi=130)
    summary = {"masses_GeV": masses.tolist(), "microboone_selected_at_card": ub_sel.tolist(),
               "microboone_Umu4_sq_limit_95": u2_lim_ub.tolist(), "S_limit_events": s_lim,
               "miniboone_chi2_min": float(chi2.min()), "events_per_point": args.events, "grid": [args.n_mass, args.n_u],
               "times_s": times}
    Path(args.output).with_suffix(".json").write_text(json.dumps(summary, indent=1))
    print(f"wrote {args.output}; times: MiniBooNE {times['miniboone_s']:.0f} s, MicroBooNE {times['microboone_s']:.0f} s "
          f"for {args.n_mass} masses x {args.n_u} |U|^2 values")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
