"""Kinematics of K+ -> mu+ (N -> nu (Z' -> b+ b-)) at NA62: seed 004 (arXiv:1903.07589) Fig. 4 and Appendix A.

Makes, next to this script:
* ``fig4_kinematics.png``: the four panels of Fig. 4 for each channel (columns e+e-, mu+mu-): top, the
  b-pair opening angle Delta theta_bb and the Z' angle to the kaon beam theta_Z'; bottom, m_{mu bb}
  and m_{mu nu}; all versus E_b+ + E_b-. 10^4 events, kaon momentum fixed at 75 GeV/c (as in the
  paper's toy), truth variables. The Appendix A ranges (eq. (A3)-(A4)) are drawn.
* ``fig4_mass_peaks.png``: truth and NA62-reconstructed m_ll, sqrt((p_K - p_mu)^2) and m2_miss
  (eq. (18)-(20)) for accepted events, with the 1 % beam spread, showing the resonance peaks.
* ``fig4_summary.txt``: ranges, acceptances and fitted mass resolutions.

Masses: Fig. 4 does not state them; we take m_N = 300 MeV with m_Z' = 50 MeV (e+e-) and
m_Z' = 250 MeV (mu+mu-), a pseudo-Dirac N (documented choice). Events come from hnlgen's NA62 generator
(``gen.sources.meson_decay``, every N decay route of the decay table) for the model of ``fig4_setup``:
|U_mu4|^2 = 1e-8, |U_D4|^2 = 1, g' = 0.375, chi = 1e-4 (the reference couplings of seed 004 eq. (22)-(24));
the N and Z' decay within centimetres, and the kinematics shown do not depend on the couplings.

Run: ``python validation/na62/plot_fig4.py`` (a few seconds).
"""

from __future__ import annotations

import pathlib

import numpy as np

from detectors.na62 import response as na62
from gen.sources.meson_decay import NA62Beam
from gen.sources.meson_decay_run import NA62Setup, detector_input, na62_card
from physics import constants as const
from physics.meson_decays import cascade_mass_ranges

HERE = pathlib.Path(__file__).resolve().parent
MK, MMU, ME = const.m_K_charged, const.m_mu, const.m_e
N_EVENTS = 10_000
CASES = (("e", 0.300, 0.050), ("mu", 0.300, 0.250))


def fig4_setup(flavour_b: str, m_N: float, m_Zp: float) -> NA62Setup:
    """The NA62 setup of one Fig. 4 case (module docstring): K+ -> mu+ N, N -> ... -> nu b+ b-."""
    model = dict(hnl_type="dirac", m4=m_N, mzprime=m_Zp, Umu4=1e-4, UD4=1.0, gD=0.375, chi=1e-4)
    return NA62Setup(na62_card(model, "e+e-" if flavour_b == "e" else "mu+mu-"))


def main():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(4, 2, figsize=(10, 13))
    fig2, axes2 = plt.subplots(2, 3, figsize=(14, 7.5))
    lines = []
    for col, (fb, mN, mZ) in enumerate(CASES):
        mb = ME if fb == "e" else MMU
        setup = fig4_setup(fb, mN, mZ)
        # Fig. 4 toy: fixed 75 GeV/c kaons
        ev = setup.generate(N_EVENTS, np.random.default_rng(2019 + col), np.random.default_rng(3019 + col),
                            beam=NA62Beam(sigma_rel=0.0))
        reco = na62.reconstruct(detector_input(ev), np.random.default_rng(7 + col), m_a=MMU, m_b=mb, flavour_a="mu",
                                flavour_b=fb)
        E = reco["truth_E_Zp"]
        (a_lo, a_hi), (b_lo, b_hi) = cascade_mass_ranges(MK, MMU, mN, mZ)
        ch = f"$K^+\\to\\mu^+\\nu {fb}^+{fb}^-$" if fb == "e" else "$K^+\\to\\mu^+\\nu\\mu^+\\mu^-$"
        panels = (
            (reco["truth_dtheta_bb"] * 1e3, "$\\Delta\\theta_{\\beta\\beta}$ [mrad]", None),
            (reco["truth_theta_Zp"] * 1e3, "$\\theta_{Z'}$ [mrad]", None),
            (np.sqrt(reco["truth_m2_lll"]) * 1e3, "$m_{\\mu\\beta\\beta}$ [MeV]", (b_lo, b_hi)),
            (np.sqrt(reco["truth_m2_lnu"]) * 1e3, "$m_{\\mu\\nu}$ [MeV]", (a_lo, a_hi)),
        )
        for row, (y, lab, rng) in enumerate(panels):
            ax = axes[row, col]
            ax.scatter(E, y, s=1, alpha=0.3, color="tab:blue", rasterized=True)
            if rng is not None:
                for v in rng:
                    ax.axhline(np.sqrt(v) * 1e3, color="k", ls=":", lw=1)
            ax.set_ylabel(lab)
            if row == 0:
                ax.set_yscale("log")
            ax.set_xlabel("$E_{\\beta^+}+E_{\\beta^-}$ [GeV]")
            if row == 0:
                ax.set_title(f"{ch}: $m_N$ = {mN * 1e3:.0f} MeV, $m_{{Z'}}$ = {mZ * 1e3:.0f} MeV")
        lines.append(f"{fb}{fb}: m_N = {mN} GeV, m_Z' = {mZ} GeV, {N_EVENTS} events at 75 GeV/c")
        lines.append(f"  m2_mu_nu  in [{reco['truth_m2_lnu'].min():.6f}, {reco['truth_m2_lnu'].max():.6f}]"
                     f"  eq. (A3): [{a_lo:.6f}, {a_hi:.6f}] GeV^2")
        lines.append(f"  m2_mu_bb  in [{reco['truth_m2_lll'].min():.6f}, {reco['truth_m2_lll'].max():.6f}]"
                     f"  eq. (A4): [{b_lo:.6f}, {b_hi:.6f}] GeV^2")
        lines.append(f"  max |eq. (21) residual| = {np.abs(na62.eq21_residual({k[6:]: v for k, v in reco.items() if k.startswith('truth_')}, MK**2, MMU**2)).max():.2e} GeV^2")
        lines.append(f"  median opening angle {np.median(reco['truth_dtheta_bb']) * 1e3:.2f} mrad, "
                     f"median theta_Z' {np.median(reco['truth_theta_Zp']) * 1e3:.2f} mrad, "
                     f"mean E_Z' {E.mean():.1f} GeV")

        # reconstructed peaks with the real beam spread
        ev = setup.generate(N_EVENTS * 4, np.random.default_rng(99 + col), np.random.default_rng(199 + col))
        reco = na62.reconstruct(detector_input(ev), np.random.default_rng(5 + col), m_a=MMU, m_b=mb, flavour_a="mu",
                                flavour_b=fb)
        a = reco["accepted"]
        w = ev["weight"]
        mll, mNr, mmiss = reco["m_ll"][a], np.sqrt(np.abs(reco["m2_N"][a])), reco["m2_miss"][a]
        for k, (x, xt, lab, unit) in enumerate(((mll, mZ, "$m_{\\beta\\beta}$", 1e3),
                                                (mNr, mN, "$\\sqrt{(p_K-p_\\mu)^2}$", 1e3),
                                                (mmiss, 0.0, "$m^2_{miss}$", 1e3))):
            ax = axes2[col, k]
            ax.hist(x * unit, bins=80, weights=w[a], histtype="step", color="tab:red", label="reconstructed")
            ax.axvline(xt * unit, color="k", ls=":", label="truth")
            ax.set_xlabel(lab + (" [MeV]" if k < 2 else " [1e-3 GeV$^2$]"))
            ax.set_ylabel("events / bin (Table I exposure, $|U_{\\mu h}|^2=10^{-8}$)")
            ax.set_title(ch, fontsize=9)
            ax.legend(fontsize=7)
        res_mll = np.std(mll - reco["truth_m_ll"][a])
        res_mN = np.std(mNr - mN)
        lines.append(f"  reconstructed (1 % beam spread): acceptance {a.mean():.3f} (STRAW only {reco['acc_straw'].mean():.3f}), "
                     f"sigma(m_ll) = {res_mll * 1e3:.2f} MeV, sigma(m_N) = {res_mN * 1e3:.2f} MeV, "
                     f"sigma(m2_miss) = {np.std(mmiss) * 1e3:.2f}e-3 GeV^2, "
                     f"median |dz| K-mu vertex = {np.median(np.abs(reco['vtx_Ka_z'][a] - reco['truth_vtx_Ka_z'][a])):.1f} cm, "
                     f"b-pair vertex = {np.median(np.abs(reco['vtx_bb_z'][a] - reco['truth_vtx_bb_z'][a])):.1f} cm")
    fig.suptitle("arXiv:1903.07589 Fig. 4 reproduction (truth, $p_K$ = 75 GeV/c, $10^4$ events); dotted: eq. (A3)-(A4)")
    fig.tight_layout()
    fig.savefig(HERE / "fig4_kinematics.png", dpi=80)
    fig2.tight_layout()
    fig2.savefig(HERE / "fig4_mass_peaks.png", dpi=120)
    (HERE / "fig4_summary.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
