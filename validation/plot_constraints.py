"""Regenerates validation/constraints.png and .json: the combined constraint figure of issue 13 item 4.

    PYTHONPATH=. python validation/plot_constraints.py [--n-mass 20] [--n-u 20] [--events 3000] [-o validation/constraints.png]

A thin caller of ``hnlgen plot --constraints`` (``gen.constraints``, where the curves and how each is made are
described; the figure's content is ``gen/data/limits/constraint_figure.toml``): MiniBooNE's preferred region
(hnlgen's fit and Bertuzzo et al.'s digitized one), the MicroBooNE, MINERvA and CHARM-II (nu, nubar, summed)
exclusions and NA62's zero-background sensitivity (seed 004), in (m_N, |U_mu4|^2) at m_Z' = 30 MeV, alpha_D = 0.25,
alpha eps^2 = 2e-10, Dirac N. The command prints the time of each curve; they go into the JSON as ``times_s``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    from gen.cli.app import main as hnlgen

    argv = list(sys.argv[1:] if argv is None else argv)
    if "-o" not in argv and "--output" not in argv:
        argv += ["-o", str(ROOT / "validation" / "constraints.png")]
    return hnlgen(["plot", "--constraints", *argv])


if __name__ == "__main__":
    raise SystemExit(main())
