"""Combined constraint figure in (m_N, |U_mu4|^2) at m_Z' = 30 MeV, alpha_D = 0.25, alpha eps^2 = 2e-10, Dirac N
(issue 13 item 4; seed 002 "Constraints on light boson case" = arXiv:1812.08768's final figure).

    PYTHONPATH=. python validation/plot_constraints.py [--n-mass 20] [--n-u 20] [--events 3000] [-o validation/constraints.png]

What is drawn, and how each curve is made:

* **MiniBooNE preferred region (hnlgen)**: for every m_N of the grid, ``cards/miniboone_light_zprime.toml`` at that
  m_N is generated with the MiniBooNE detector stage (``gen.sources.upscattering.generate(..., reconstruct=True)``); its
  selected E_QE spectrum S(m_N) at the card's |U_mu4|^2 scales as |U_mu4|^2 (production through the mixing, prompt
  N decay) and ``detectors.miniboone.fit.chi2`` (2020 release, nu mode, published covariance) is evaluated on the
  |U_mu4|^2 grid; the region is Delta chi2 = chi2 - min over the plane < 2.30 (1 sigma) and < 11.83 (3 sigma), 2 dof.
* **MiniBooNE region of Bertuzzo et al.** (arXiv:1807.09877, digitized, 1 and 3 sigma) as a published reference.
* **MicroBooNE 95 % CL** (hnlgen): ``cards/microboone_light_zprime.toml`` at each m_N through the MicroBooNE e+e-
  response (``detectors/microboone/response.py``); excluded where the selected total exceeds the 95 % CL CLs limit of
  95 observed over 69.7 +- 17.3 (``gen.limits``, 60.1 events), i.e. |U_mu4|^2 > |U_mu4|^2_card x 60.1 / S(m_N).
* **MINERvA LE sideband** and **CHARM-II nu beam** (hnlgen): ``cards/minerva_light_zprime.toml`` and
  ``cards/charm2_light_zprime.toml`` at each m_N through ``detectors.nue_elastic.response``; the selected total S(m_N) at the
  card's |U_mu4|^2 scales linearly, and the limit is where it reaches the chi2 of arXiv:1812.08768
  (``gen.limits.chi2_1812_upper_limit``, 95 % CL, 2 dof: 5.99) of ``minerva_le_sideband`` (solid: 30 % background
  uncertainty, dashed: 100 %) and ``charm2_nue_nu`` (solid: 3 %, dashed: 10 %). CHARM-II uses the nu beam only (the
  authors summed the nu and nubar beams; there is no nubar background in hnlgen's published counts).
  The authors' own scan thresholds (notes section 5.1, 90 % CL, 2 dof, at five masses) are drawn as markers.
* NA62 is not drawn: there is no published count for the K+ -> mu+ N -> mu+ nu e+e- channel (notes section 4;
  not in 1812.08768's figure), so ``gen.limits`` has no selection for it.
* The benchmark (420 MeV, 9e-7) as a dotted circle. CLs are stated in the legend: MicroBooNE 95 % CL (1 dof, one
  number of events); 1812.08768's MINERvA/CHARM-II curves were 90 % CL, 2 dof.

The |U_mu4|^2 axis costs nothing (linear scaling, checked against a regenerated sample in tests/gen/test_limits.py),
so an n-mass x n-u grid needs n-mass samples each of MiniBooNE, MicroBooNE, MINERvA and CHARM-II. The script
prints the times.
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
# arXiv:1812.08768's scan files (notes section 5.1, computed there): |U_mu4|^2 limit at 90 % CL, 2 dof
AUTHORS_M = (0.05, 0.1, 0.2, 0.42, 0.59)
AUTHORS_U2 = {"MINERvA LE 30 %": (8.9e-9, 1.14e-8, 3.06e-8, 2.15e-7, 8.3e-7),
              "CHARM-II 3 %": (1.5e-8, 1.9e-8, 2.0e-8, 2.0e-8, 2.4e-8)}
# (label, card, published selection, colour)
NUE = (("MINERvA LE sideband", "minerva_light_zprime", "minerva_le_sideband", "tab:blue", "30 %", "100 %"),
       ("CHARM-II nu beam", "charm2_light_zprime", "charm2_nue_nu", "tab:red", "3 %", "10 %"))


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

    from detectors.miniboone import fit as mbf
    from gen import limits as L
    from gen.card import load_card, resolved_card_dict
    from gen.sources.upscattering import generate

    masses = np.geomspace(*args.m_range, args.n_mass)
    u2 = np.geomspace(*args.u_range, args.n_u)
    mb_card = load_card(ROOT / "cards" / "miniboone_light_zprime.toml")
    ub_card = load_card(ROOT / "cards" / "microboone_light_zprime.toml")
    u2_card = mb_card.model.Umu4**2
    mb_pot = float(resolved_card_dict(mb_card)["experiment"]["pot"])
    scale_2020 = mbf.POT[2020]["nu"] / mb_pot
    s_lim = L.signal_upper_limit("microboone_epem", 0.95)
    times = {"miniboone_s": 0.0, "microboone_s": 0.0, "minerva_le_sideband_s": 0.0, "charm2_nue_nu_s": 0.0}
    nue_cards = {sel: load_card(ROOT / "cards" / f"{c}.toml") for _, c, sel, *_ in NUE}
    nue_sel = {sel: np.empty(len(masses)) for sel in nue_cards}
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
        for sel, c in nue_cards.items():
            t3 = time.perf_counter()
            ev = generate(_card_at(c, m), n_events=args.events, seed=c.run.seed, reconstruct=True)
            nue_sel[sel][i] = float(np.sum(ak.to_numpy(ev.weight_selected)))
            times[sel + "_s"] += time.perf_counter() - t3
        print(f"m_N = {m:.4f} GeV: MiniBooNE min chi2 {chi2[i].min():.1f}; MicroBooNE selected {ub_sel[i]:.4g} "
              f"at |U|^2 = {u2_card:.3g} ({t2 - t0:.1f} s)", flush=True)
    dchi2 = chi2 - chi2.min()
    u2_lim_ub = np.where(ub_sel > 0, u2_card * s_lim / np.where(ub_sel > 0, ub_sel, 1.0), np.inf)
    nue_lim = {}  # selection -> (S_limit nominal, variant; |U|^2 limits nominal, variant)
    for _, _, sel, *_ in NUE:
        pc = L.published_count(sel)
        u2c = nue_cards[sel].model.Umu4**2
        thr = (L.chi2_1812_upper_limit(pc, 0.95), L.chi2_1812_upper_limit(pc, 0.95, variant=True))
        s = nue_sel[sel]
        nue_lim[sel] = (thr, [np.where(s > 0, u2c * t / np.where(s > 0, s, 1.0), np.inf) for t in thr])

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11.5, 6))
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
    for label, _, sel, col, nom, var in NUE:
        (_, _), (lim, lim_var) = nue_lim[sel]
        ax.plot(masses, lim, color=col, lw=2, label=f"{label} (hnlgen), 95 % CL, chi2 2 dof, bkg {nom}")
        ax.plot(masses, lim_var, color=col, lw=1.5, ls="--", label=f"{label} (hnlgen), 95 % CL, bkg {var}")
    for (key, u2a), col in zip(AUTHORS_U2.items(), ("tab:blue", "tab:red"), strict=True):
        ax.plot(AUTHORS_M, u2a, "x", color=col, ms=7, ls="none", label=f"1812.08768 scan, {key}, 90 % CL")
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
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    fig.tight_layout()
    fig.savefig(args.output, dpi=130)
    summary = {"masses_GeV": masses.tolist(), "microboone_selected_at_card": ub_sel.tolist(),
               "microboone_Umu4_sq_limit_95": u2_lim_ub.tolist(), "S_limit_events": s_lim,
               "miniboone_chi2_min": float(chi2.min()),
               "nue_selected_at_card": {k: v.tolist() for k, v in nue_sel.items()},
               "nue_S_limit_events_95": {k: list(v[0]) for k, v in nue_lim.items()},
               "nue_Umu4_sq_limit_95": {k: [x.tolist() for x in v[1]] for k, v in nue_lim.items()},
               "nue_variants": {sel: [nom, var] for _, _, sel, _, nom, var in NUE}, "events_per_point": args.events, "grid": [args.n_mass, args.n_u],
               "times_s": times}
    Path(args.output).with_suffix(".json").write_text(json.dumps(summary, indent=1))
    print(f"wrote {args.output}; times: " + ", ".join(f"{k} {v:.0f}" for k, v in times.items()) + " "
          f"for {args.n_mass} masses x {args.n_u} |U|^2 values")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
