"""NA62 records of ``hnlgen validate``: seed 004 (arXiv:1903.07589) Fig. 4 and Fig. 3, full run only.

* ``na62_fig4_kinematics``: truth kinematics of K+ -> mu+ N, N -> nu Z', Z' -> b+b- at 75 GeV/c; the identity eq. (21)
  and the invariant-mass ranges of Appendix A eq. (A3)-(A4).
* ``na62_fig3_ses``: the single-event sensitivity of eq. (25) as printed, with the Shrock factor, and from the MC
  (``validation/na62/plot_fig3.py``); informational (the published figure is not in our text extraction).

Texts, tolerances and sources: ``gen/validation/data/na62.toml``; the reasoning in ``validation/na62/README.md``.
"""

from __future__ import annotations

import math

import numpy as np

from gen.validation.comparisons import Comparison, ValidationContext, comparison, load_script, repo_file
from gen.validation.references import references

R = references("na62")


@comparison("na62_fig4_kinematics", quick=False, requires=("gen.sources.meson_decay_run", "detectors.na62.response", "physics.meson_decays"))
def _na62_fig4(ctx: ValidationContext) -> list[Comparison]:
    """Seed 004 Fig. 4: truth kinematics of K+ -> mu+ N, N -> nu Z', Z' -> b+b- (1e4 events at 75 GeV/c), eq. (21), eq. (A3)-(A4)."""
    from detectors.na62 import response as na62
    from gen.sources.meson_decay import NA62Beam
    from gen.sources.meson_decay_run import detector_input
    from physics import constants as const
    from physics.meson_decays import cascade_mass_ranges

    MK, MMU, ME = const.m_K_charged, const.m_mu, const.m_e
    f4 = load_script("validation", "na62", "plot_fig4.py")
    n = 10_000
    # the cases of validation/na62/plot_fig4.py (Fig. 4 states no masses; documented choice in its docstring)
    cases = (("e", 0.300, 0.050), ("mu", 0.300, 0.250))
    plt = ctx.pyplot()
    fig, axes = plt.subplots(4, 2, figsize=(10, 12.5), constrained_layout=True)
    out: list[Comparison] = []
    for col, (fb, mN, mZ) in enumerate(cases):
        mb = ME if fb == "e" else MMU
        setup = f4.fig4_setup(fb, mN, mZ)
        ev = setup.generate(n, np.random.default_rng(2019 + col), np.random.default_rng(3019 + col),
                            beam=NA62Beam(sigma_rel=0.0))  # model and seeds of plot_fig4.py
        reco = na62.reconstruct(detector_input(ev), np.random.default_rng(7 + col), m_a=MMU, m_b=mb, flavour_a="mu",
                                flavour_b=fb)
        truth = {k[6:]: v for k, v in reco.items() if k.startswith("truth_")}
        E = reco["truth_E_Zp"]
        (a_lo, a_hi), (b_lo, b_hi) = cascade_mass_ranges(MK, MMU, mN, mZ)
        label = f"mu {fb}{fb}, m_N = {mN * 1e3:.0f} MeV, m_Z' = {mZ * 1e3:.0f} MeV"
        ch = "$K^+\\to\\mu^+\\nu e^+e^-$" if fb == "e" else "$K^+\\to\\mu^+\\nu\\mu^+\\mu^-$"
        panels = ((reco["truth_dtheta_bb"] * 1e3, "$\\Delta\\theta_{\\beta\\beta}$ [mrad]", None),
                  (reco["truth_theta_Zp"] * 1e3, "$\\theta_{Z'}$ [mrad]", None),
                  (np.sqrt(reco["truth_m2_lll"]) * 1e3, "$m_{\\mu\\beta\\beta}$ [MeV]", (b_lo, b_hi)),
                  (np.sqrt(reco["truth_m2_lnu"]) * 1e3, "$m_{\\mu\\nu}$ [MeV]", (a_lo, a_hi)))
        for row, (y, lab, rng) in enumerate(panels):
            ax = axes[row, col]
            ax.scatter(E, y, s=1, alpha=0.3, color="tab:blue", rasterized=True, label="hnlgen truth")
            if rng is not None:
                for i, val in enumerate(rng):
                    ax.axhline(math.sqrt(val) * 1e3, color="k", ls=":", lw=1, label="eq. (A3)-(A4) range" if i == 0 else None)
            ax.set(ylabel=lab, xlabel="$E_{\\beta^+}+E_{\\beta^-}$ [GeV]")
            if row == 0:
                ax.set_yscale("log")
                ax.set_title(f"{ch}: $m_N$ = {mN * 1e3:.0f} MeV, $m_{{Z'}}$ = {mZ * 1e3:.0f} MeV", fontsize=10)
            if row >= 2:
                ax.legend(fontsize=7, loc="lower right", markerscale=5)
        res = float(np.max(np.abs(na62.eq21_residual(truth, MK**2, MMU**2))))
        eq21 = R["na62_fig4_kinematics.eq21"]
        out.append(eq21.check(res, label=label, n=n,
                              figure=path_name if (path_name := ctx.figure_path("na62_fig4_kinematics").name) and col == 0 else None,
                              details=None if col == 0 else ""))
        for what, vals, (lo, hi), eq in (("m2_mu_nu", truth["m2_lnu"], (a_lo, a_hi), "(A3)"),
                                         ("m2_mu_bb", truth["m2_lll"], (b_lo, b_hi), "(A4)")):
            vmin, vmax = float(vals.min()), float(vals.max())
            eps = 1e-9 * hi
            ok = vmin >= lo - eps and vmax <= hi + eps
            fill = (vmax - vmin) / (hi - lo)
            rr, v = R["na62_fig4_kinematics.range"], dict(label=label, what=what, eq=eq, fill=fill)
            out.append(Comparison(rr.text("name", **v), rr.text("compared", **v), rr.text("source"), f"[{vmin:.6f}, {vmax:.6f}]",
                                  f"[{lo:.6f}, {hi:.6f}]", rr.text("tolerance"), "PASS" if ok else "FAIL", rr.text("reason", **v),
                                  details=rr.text("details")))
    fig.suptitle("arXiv:1903.07589 Fig. 4 reproduction (hnlgen truth, $p_K$ = 75 GeV/c, $10^4$ events); dotted: eq. (A3)-(A4)", fontsize=10)
    fig.savefig(ctx.figure_path("na62_fig4_kinematics"), dpi=70)
    plt.close(fig)
    return out


#: (m_N, m_Z', channel b) points of the SES records, and MC events per |U|^2 grid point (plot_fig3.py --quick uses 1500)
NA62_SES_POINTS = ((0.300, 0.150, "e"), (0.300, 0.250, "mu"))
NA62_SES_EVENTS = 1500


@comparison("na62_fig3_ses", quick=False, requires=("gen.sources.meson_decay_run", "detectors.na62.response", "physics.meson_decays"))
def _na62_fig3(ctx: ValidationContext) -> list[Comparison]:
    """Seed 004 Fig. 3: NA62 single-event sensitivity, eq. (25) as printed / with rho vs hnlgen MC (validation/na62/plot_fig3.py)."""
    import shutil

    f3 = load_script("validation", "na62", "plot_fig3.py")
    tau_N, tau_Z = f3.check_lifetimes()
    worst = f3.check_against_decay_table()
    out = [R["na62_fig3_ses.widths"].check(worst)]
    for mN, mZ, fb in NA62_SES_POINTS:
        crude = f3.ses_crude(mN, mZ, fb, False)
        crude_rho = f3.ses_crude(mN, mZ, fb, True)
        mc = f3.ses_mc(mN, mZ, fb, NA62_SES_EVENTS)
        out.append(R["na62_fig3_ses.ses"].info(f"{crude:.3g} / {crude_rho:.3g} / {mc:.3g}", fb=fb, mN_MeV=mN * 1e3, mZ_MeV=mZ * 1e3,
                                               events=NA62_SES_EVENTS))
    png = repo_file("validation", "na62", "fig3_ses.png")
    dest = ctx.outdir / "na62_fig3_ses.png"
    shutil.copyfile(png, dest)
    out.append(R["na62_fig3_ses.curves"].info("figure", figure=dest.name))
    return out
