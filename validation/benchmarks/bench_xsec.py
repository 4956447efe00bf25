"""Benchmark: cost of one sigma(E_nu) evaluation (physics.cross_sections.sigma_upscattering).

Run: ``python validation/benchmarks/bench_xsec.py``. Prints the mean wall time per sigma evaluation
(after JIT compilation; best of 5 repeats over 4000 energies in 0.6-5 GeV) for representative channels of the two MiniBooNE benchmark cards, and the
number of dsigma/dQ2 evaluations the quadrature used. Not a timed test.
"""

from __future__ import annotations

import math
import time

import numpy as np

from physics import cross_sections as xs
from physics import form_factors as ff
from physics.model import model_from_phenomenological

LIGHT = dict(hnl_type="dirac", m4=0.42, mzprime=0.03, Umu4=math.sqrt(9e-7), UD4=1.0, alphaD=0.25, alpha_epsilon2=2e-10)
HEAVY = dict(hnl_type="dirac", m4=0.14, mzprime=1.25, Umu4=math.sqrt(1.5e-6), Utau4=math.sqrt(7.8e-4), UD4=1.0, gD=1.0, chi=math.sqrt(5e-6))


def main() -> None:
    rows = []
    for label, card in (("light Z'", LIGHT), ("heavy Z'", HEAVY)):
        model = model_from_phenomenological(card)
        for tgt, reg in (("C12", "coherent"), ("C12", "p-el"), ("H1", "p-el"), ("Ar40", "coherent")):
            for hel in ("conserving", "flipping"):
                par = xs.channel_params(model, "numu", 0, ff.get_target(tgt), reg, hel)
                E = np.full(1, 1.0)
                xs.sigma_upscattering_array(E, xs.channel_array([par]))  # compile
                n = 4000
                Es = np.linspace(0.6, 5.0, n)
                best = math.inf
                for _ in range(5):  # best of 5 (timeit practice): the machine may be shared
                    t0 = time.perf_counter()
                    xs.sigma_upscattering_array(Es, xs.channel_array([par]))
                    best = min(best, time.perf_counter() - t0)
                dt = best / n
                rows.append((label, tgt, reg, hel, dt))
    print(f"{'model':9s} {'target':6s} {'regime':9s} {'helicity':10s} {'us/sigma':>9s}")
    for label, tgt, reg, hel, dt in rows:
        print(f"{label:9s} {tgt:6s} {reg:9s} {hel:10s} {dt * 1e6:9.2f}")
    print(f"median {np.median([r[-1] for r in rows]) * 1e6:.2f} us per sigma(E_nu) evaluation")


if __name__ == "__main__":
    main()
