"""Band of arXiv:1903.07590 (seed 001) Fig. 2: heavy-neutrino mixing that gives m3 = sqrt(dm2_atm).

Single-generation Lagrangian model (seed 001 eq. 2) mixing with nu_mu; for each heavy mass and
each 1% < m4/m5 < 99% the active mixing is solved so that the one-loop mass of eq. (4) (Z, h, Z',
phi' loops; physics.neutrino_masses) equals sqrt(delta_m2_atm) (physics.constants), with
m_Z' = 1 GeV, m_phi' = 2 GeV, g' = 1 as in the figure. Left: |U_mu5|^2 vs m5, right: |U_mu4|^2
vs m4. The band is the envelope over m4/m5; lines mark the ESS-like (1%) and ISS-like (99%) edges.
The dashed line is the tree-level type-I seesaw relation |U|^2 = sqrt(dm2_atm)/m (the figure's
"equivalent Type-I seesaw" line, which we take to be this). Markers: the benchmark points of the
figure caption (triangle m5 = 800 MeV, 99%; circle 150 MeV, 50%; star 150 MeV, 12%) as computed
here.

Run:  python validation/plot_seed001_fig2.py   (about a minute; writes seed001_fig2_band.png)
"""

from __future__ import annotations

import math
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from physics import constants as const  # noqa: E402
from physics.neutrino_masses import heavy_mixings_for_light_mass  # noqa: E402
from physics.units import GeV, MeV, eV  # noqa: E402

G_PRIME = 1.0
M_ZPRIME = 1.0 * GeV
M_HPRIME = 2.0 * GeV
M_LIGHT = math.sqrt(const.delta_m2_atm) * eV  # delta_m2_atm is in eV^2
RATIOS = np.concatenate([np.geomspace(0.01, 0.3, 12), np.linspace(0.35, 0.99, 10)])
MASSES = np.geomspace(10 * MeV, 5 * GeV, 36)
BENCHMARKS = {"triangle (800 MeV, 99%)": (0.800, 0.99, "^"),
              "circle (150 MeV, 50%)": (0.150, 0.50, "o"),
              "star (150 MeV, 12%)": (0.150, 0.12, "*")}
OUT = pathlib.Path(__file__).with_name("seed001_fig2_band.png")


def mixings(m4: float, m5: float) -> tuple[float, float]:
    """(|U_mu4|^2, |U_mu5|^2) giving m3 = sqrt(dm2_atm) for heavy masses m4 < m5 (GeV)."""
    return heavy_mixings_for_light_mass(m4, m5, M_LIGHT, g_D=G_PRIME, m_zprime=M_ZPRIME, m_hprime=M_HPRIME)


def main() -> None:
    u5 = np.array([[mixings(r * m5, m5)[1] for r in RATIOS] for m5 in MASSES])  # [mass, ratio]
    u4 = np.array([[mixings(m4, m4 / r)[0] for r in RATIOS] for m4 in MASSES])

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), sharey=True)
    for ax, U, label in ((axes[0], u5, r"$|U_{\mu 5}|^2$"), (axes[1], u4, r"$|U_{\mu 4}|^2$")):
        ax.fill_between(MASSES / MeV, U.min(axis=1), U.max(axis=1), color="tab:orange", alpha=0.35,
                        label=r"$m_3=\sqrt{\Delta m^2_{\rm atm}}$, $1\% < m_4/m_5 < 99\%$")
        ax.plot(MASSES / MeV, U[:, 0], color="tab:orange", lw=1.2, label=r"$m_4/m_5 = 1\%$ (ESS-like)")
        ax.plot(MASSES / MeV, U[:, -1], color="tab:red", lw=1.2, label=r"$m_4/m_5 = 99\%$ (ISS-like)")
        ax.plot(MASSES / MeV, M_LIGHT / MASSES, "k--", lw=1, label=r"type-I seesaw $|U|^2 = m_3/m$")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3, which="both", lw=0.4)
    axes[0].set_xlabel(r"$m_5$ [MeV]")
    axes[1].set_xlabel(r"$m_4$ [MeV]")
    for name, (m5, r, marker) in BENCHMARKS.items():
        U4, U5 = mixings(r * m5, m5)
        axes[0].plot(m5 / MeV, U5, marker, color="k", ms=9, mfc="none", label=name)
        axes[1].plot(r * m5 / MeV, U4, marker, color="k", ms=9, mfc="none", label=name)
        print(f"{name:26s} |U_mu4|^2 = {U4:.3e}  |U_mu5|^2 = {U5:.3e}")
    axes[0].set_ylim(1e-12, 1e-1)
    axes[0].legend(fontsize=7.5, loc="upper right")
    fig.suptitle(r"arXiv:1903.07590 Fig. 2 band (hnlgen): $m_{Z'}=1$ GeV, $m_{\varphi'}=2$ GeV, $g'=1$, "
                 r"one-loop eq. (4)", fontsize=10)
    fig.tight_layout()
    fig.savefig(OUT, dpi=130)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
