"""Relativistic kinematics helpers (scalar, numba-callable) and the package's four-vector convention.

Four-vectors are stored in the component order (px, py, pz, E) for momenta and (x, y, z, t) for
positions, everywhere: the event generator (``gen.core.kernels``, the event columns and output
files), the matrix elements (``physics.three_body``) and the detectors. The metric is (+, -, -, -):
p.q = E_p E_q - p_vec.q_vec. Formulas written with a Lorentz index (gamma^mu, eps_{mu nu rho sigma},
eps_{0123} = +1) keep mu = 0 for time and read the time component from index 3. Units: GeV, cm, ns.
"""

import math

from physics._jit import jitable


@jitable
def kallen(a, b, c):
    """Kaellen triangle function lambda(a, b, c) = a^2 + b^2 + c^2 - 2ab - 2ac - 2bc."""
    return a * a + b * b + c * c - 2.0 * a * b - 2.0 * a * c - 2.0 * b * c


@jitable
def two_body_momentum(M, m1, m2):
    """Momentum (GeV) of either daughter in the rest frame of a parent of mass M -> m1 m2.

    Returns 0 below threshold (callers check thresholds explicitly with ``is_open``).
    """
    if M <= m1 + m2:
        return 0.0
    lam = kallen(M * M, m1 * m1, m2 * m2)
    if lam <= 0.0:
        return 0.0
    return math.sqrt(lam) / (2.0 * M)


@jitable
def sqrt_kallen_ratio(M, m1, m2):
    """lambda^{1/2}(1, m1^2/M^2, m2^2/M^2), the dimensionless two-body phase-space factor."""
    if M <= m1 + m2:
        return 0.0
    lam = kallen(1.0, (m1 / M) ** 2, (m2 / M) ** 2)
    return math.sqrt(max(lam, 0.0))
