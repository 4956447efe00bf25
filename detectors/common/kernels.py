"""Private numba loops over events for ``detectors.common.geometry`` (STYLE.md sec. 4), and the scalar formulas
they loop over (``@jitable``; re-exported by ``detectors.common.geometry``, whose docstring derives them).

Deterministic: every random choice comes in as a uniform.
"""

import math

import numpy as np

from physics._jit import jit, jitable


@jitable
def chord_distances_scalar(x0, x1, x2, n0, n1, n2, radius):
    """Entry and exit distances (cm) of the ray ``x + s n``, ``s >= 0``, through a centred sphere.

    ``n`` must be a unit vector. Returns ``(d1, d2)`` with ``0 <= d1 <= d2``; ``(0, 0)`` when the
    ray misses the sphere, only touches it, or the sphere lies behind the origin of the ray.
    The roots use the cancellation-free form ``q = -(b + sign(b) sqrt(b^2 - c))``, roots ``q`` and ``c/q``.
    """
    b = x0 * n0 + x1 * n1 + x2 * n2
    c = x0 * x0 + x1 * x1 + x2 * x2 - radius * radius
    disc = b * b - c
    if disc <= 0.0:
        return 0.0, 0.0
    sq = math.sqrt(disc)
    if b >= 0.0:
        q = -b - sq  # < 0
        t_lo = q
        t_hi = c / q
    else:
        q = -b + sq  # > 0
        t_hi = q
        t_lo = c / q
    if t_hi <= 0.0:
        return 0.0, 0.0
    return max(t_lo, 0.0), t_hi


@jitable
def prob_decay_in_sphere_scalar(d1, d2, decay_length):
    """exp(-d1/L) - exp(-d2/L), with L = 0 meaning a decay at the production point.

    Written as ``exp(-d1/L) * (-expm1(-(d2 - d1)/L))`` so that short chords and long decay lengths
    keep full relative precision.
    """
    if d2 <= d1:
        return 0.0
    if decay_length <= 0.0:
        return 1.0 if d1 == 0.0 else 0.0
    if math.isinf(decay_length):
        return 0.0
    return math.exp(-d1 / decay_length) * (-math.expm1(-(d2 - d1) / decay_length))


@jitable
def truncated_exponential_distance_scalar(d1, d2, decay_length, u):
    """Distance in [d1, d2] distributed as exp(-s/L), from a uniform ``u`` in [0, 1) (inverse CDF)."""
    if d2 <= d1 or decay_length <= 0.0:
        return d1
    if math.isinf(decay_length):
        return d1 + u * (d2 - d1)
    return d1 - decay_length * math.log1p(u * math.expm1(-(d2 - d1) / decay_length))


@jitable
def decay_on_chord_scalar(d1, d2, decay_length, u):
    """``(truncated_exponential_distance_scalar(d1, d2, L, u), prob_decay_in_sphere_scalar(d1, d2, L))`` with their
    common ``expm1(-(d2 - d1)/L)`` evaluated once (the same numbers; issue 16: libm's exp, expm1 and log1p are most
    of the MiniBooNE placement's time)."""
    if d2 <= d1:
        return d1, 0.0
    if decay_length <= 0.0:
        return d1, (1.0 if d1 == 0.0 else 0.0)
    if math.isinf(decay_length):
        return d1 + u * (d2 - d1), 0.0
    em = math.expm1(-(d2 - d1) / decay_length)
    return d1 - decay_length * math.log1p(u * em), math.exp(-d1 / decay_length) * (-em)


@jit
def chord_distances(x, n, radius):
    nev = x.shape[0]
    d1 = np.empty(nev)
    d2 = np.empty(nev)
    for i in range(nev):
        d1[i], d2[i] = chord_distances_scalar(x[i, 0], x[i, 1], x[i, 2], n[i, 0], n[i, 1], n[i, 2], radius)
    return d1, d2


@jit
def prob_from_chords(d1, d2, decay_length):
    nev = d1.shape[0]
    out = np.empty(nev)
    for i in range(nev):
        out[i] = prob_decay_in_sphere_scalar(d1[i], d2[i], decay_length[i])
    return out


@jit(nogil=True)  # called from parallel threads by the MiniBooNE stage
def sample_decay_in_sphere(x, n, decay_length, radius, u):
    nev = x.shape[0]
    points = np.empty((nev, 3))
    prob = np.empty(nev)
    for i in range(nev):
        d1, d2 = chord_distances_scalar(x[i, 0], x[i, 1], x[i, 2], n[i, 0], n[i, 1], n[i, 2], radius)
        s, prob[i] = decay_on_chord_scalar(d1, d2, decay_length[i], u[i])
        for k in range(3):
            points[i, k] = x[i, k] + s * n[i, k]
    return points, prob
