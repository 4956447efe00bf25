"""Random scan: ``sigma_upscattering`` (deterministic Gauss-Legendre + bisection in ln Q2) vs scipy quad.

Run: ``python validation/xsec_quadrature_scan.py [SEED]``. Draws ~400 channels (m_N 1 MeV - 3 GeV,
m_Z' 3 MeV - 3 GeV, m_h' 10 MeV - 3 GeV, all regimes and targets, both helicities, nu/nubar, every
bound-nucleon option, E from 1e-4 above threshold to 30 x threshold) and prints each new worst relative
difference and the maximum. Measured 2026-11-21: worst 1.5e-5 over 5 seeds, typically < 1e-6.
"""

import math
import sys

import numpy as np
from scipy.integrate import quad

from physics import cross_sections as xs
from physics import form_factors as ff
from physics.model import model_from_phenomenological


def main(seed: int) -> float:
    rng = np.random.default_rng(seed)
    worst = 0.0
    n = 0
    cases = [("C12", "coherent"), ("C12", "p-el"), ("C12", "n-el"), ("H1", "p-el"), ("Ar40", "coherent"), ("O16", "coherent")]
    for _ in range(400):
        m = 10 ** rng.uniform(-3, 0.5)
        mZp = 10 ** rng.uniform(-2.5, 0.5)
        tgt, reg = cases[rng.integers(len(cases))]
        hel = ["conserving", "flipping"][rng.integers(2)]
        bound = ["pauli", "bertuzzo", "free"][rng.integers(3)]
        proj = ["numu", "numubar"][rng.integers(2)]
        model = model_from_phenomenological(dict(hnl_type="dirac", m4=m, mzprime=mZp, mhprime=10 ** rng.uniform(-2, 0.5), theta=0.3,
                                                 yN=1.0, UN4=0.3, Umu4=1e-2, UD4=0.9, alphaD=0.25, alpha_epsilon2=1e-8))
        par = xs.channel_params(model, proj, 0, ff.get_target(tgt), reg, hel, bound=bound)
        M = par["M"]
        E = xs.upscattering_threshold(m, M) * (1 + 10 ** rng.uniform(-4, 1.5))
        if E > 50:
            continue
        lo, hi = xs.upscattering_Q2_limits(E, m, M)
        pts = sorted(math.log(x) for x in (mZp**2, par["m_S"] ** 2, m * m, 0.01, 0.1, 0.5, 2 * M * (E - m)) if lo < x < hi)
        ref = quad(lambda x: math.exp(x) * xs.dsigma_dQ2_upscattering(E, math.exp(x), par), math.log(lo), math.log(hi),
                   points=pts, limit=1000, epsabs=0, epsrel=1e-12)[0]
        got = xs.sigma_upscattering(E, par)
        d = abs(got / ref - 1) if ref > 0 else abs(got)
        n += 1
        if d > worst:
            worst = d
            print(f"{d:.2e} {tgt} {reg} {hel} {bound} {proj} m={m:.4g} mZp={mZp:.4g} E={E:.4g}")
    print(f"{n} channels, worst relative difference {worst:.2e}")
    return worst


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
