"""sigma(E_nu) for the light-Z' and heavy-Z' MiniBooNE benchmark cards: coherent vs p-el on C12 and H1.

Run: ``python validation/plot_xsec.py`` (writes ``validation/xsec_benchmarks.png`` and prints a table).

Cards: ``cards/miniboone_light_zprime.toml`` (m_N = 420 MeV, m_Z' = 30 MeV; arXiv:1807.09877 regime,
coherent dominated) and ``cards/three_portal_heavy_zprime.toml`` (arXiv:1903.07589 eq. 30, m_Z' = 1.25
GeV, N4 = 80 MeV and N5 = 140 MeV; incoherent dominated). Both N helicities are summed.
Bound protons in C12 are shown with the default Pauli blocking (k_F = 221 MeV) and with the
Bertuzzo et al. (arXiv:1807.09877 eq. 6) weight 1 - F^2. The right-most panel compares, per CH2
proton, the eq. (6) recipe  (1/8) sigma_coh,C + (1 - (6/8) F^2) sigma_p  (done differentially in Q2)
with the default treatment  (1/8)[sigma_coh,C + 6 sigma_p,C(Pauli) + 2 sigma_p,H].
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from gen.card import build_model, load_card  # noqa: E402
from physics import cross_sections as xs  # noqa: E402

HERE = Path(__file__).resolve().parent
CARDS = HERE.parent / "cards"
E = np.geomspace(0.05, 10.0, 160)


def curves(model, hnl):
    def s(target, regime, bound="pauli"):
        return xs.sigma_upscattering_cm2(model, E, "numu", hnl, target, regime, "both", bound=bound)

    return {
        "C12 coherent": s("C12", "coherent"),
        "C12 p-el (Pauli)": s("C12", "p-el"),
        "C12 p-el (1-F^2, eq. 6)": s("C12", "p-el", "bertuzzo"),
        "C12 n-el (Pauli)": s("C12", "n-el"),
        "H1 p-el": s("H1", "p-el"),
    }


def main() -> None:
    cases = [("light Z' (m_Z' = 30 MeV)", "miniboone_light_zprime.toml"), ("heavy Z' (m_Z' = 1.25 GeV)", "three_portal_heavy_zprime.toml")]
    fig, axes = plt.subplots(1, 3, figsize=(17, 5))
    styles = {"C12 coherent": "C0-", "C12 p-el (Pauli)": "C1-", "C12 p-el (1-F^2, eq. 6)": "C1:", "C12 n-el (Pauli)": "C2-", "H1 p-el": "C3-"}
    for ax, (title, card_name), ch2_color in zip(axes[:2], cases, ("C4", "C5")):
        model = build_model(load_card(CARDS / card_name))
        for hnl, lw in zip(model.heavy_names, (1.8, 1.0)):
            c = curves(model, hnl)
            for k, y in c.items():
                ax.loglog(E, np.where(y > 0, y, np.nan), styles[k], lw=lw, label=f"{hnl} {k}")
            ours = (c["C12 coherent"] + c["C12 p-el (Pauli)"] + 2 * c["H1 p-el"]) / 8
            eq6 = (c["C12 coherent"] + c["C12 p-el (1-F^2, eq. 6)"] + 2 * c["H1 p-el"]) / 8
            axes[2].loglog(E, np.where(ours > 0, ours, np.nan), ch2_color + "-", lw=lw, label=f"{title.split(' (')[0]} {hnl}: default (Pauli)")
            axes[2].loglog(E, np.where(eq6 > 0, eq6, np.nan), ch2_color + ":", lw=lw, label=f"{title.split(' (')[0]} {hnl}: eq. (6) 1-F^2")
            print(f"{card_name} {hnl}")
            for e in (0.5, 1.0, 2.0, 5.0):
                i = int(np.argmin(abs(E - e)))
                row = "  ".join(f"{k}={v[i]:.3e}" for k, v in c.items())
                print(f"  E={E[i]:.3f} GeV  {row}  per-CH2-proton default={ours[i]:.3e} eq6={eq6[i]:.3e}")
        ax.set_title(f"numu -> N, {title}", fontsize=10)
        ax.set_xlabel(r"$E_\nu$ [GeV]")
        ax.set_ylabel(r"$\sigma$ [cm$^2$ per nucleus]")
        ax.legend(fontsize=6.5, ncol=1)
    axes[2].set_title("per CH2 proton (x8 protons): default vs Bertuzzo et al. eq. (6)", fontsize=10)
    axes[2].set_xlabel(r"$E_\nu$ [GeV]")
    axes[2].set_ylabel(r"$\sigma$ [cm$^2$ per proton of CH$_2$]")
    axes[2].legend(fontsize=6.5)
    fig.tight_layout()
    out = HERE / "xsec_benchmarks.png"
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
