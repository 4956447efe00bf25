"""Straight-line geometry in spherical detectors: vertices, chords and exact decay probabilities.

A particle produced at ``x`` (cm) moving along the unit vector ``n`` with lab decay length
``L = beta*gamma*c*tau0`` (cm) decays at a distance ``s`` distributed as ``exp(-s/L)/L``. The
probability that it decays inside a sphere of radius ``R`` centred at the origin is exactly

    P = exp(-d1/L) - exp(-d2/L),

where ``d1 <= d2`` are the distances, along the ray, at which it enters and leaves the sphere
(``d1 = 0`` when ``x`` is inside). The chord follows from ``|x + s n|^2 = R^2``:
``s = -b -+ sqrt(b^2 - c)`` with ``b = x.n`` and ``c = |x|^2 - R^2``. Nothing is rejected: the
probability is carried by the event weight, and the decay point, when needed, is drawn from the
exponential truncated to the chord (inverse CDF of a uniform), so that the weight times the point
is an unbiased estimate of every decay-position distribution.

For a cascade N -> nu Z', Z' -> e+e- with both particles long-lived (:func:`two_step_decay_in_sphere`),
the N decay point is drawn on its chord through an outer sphere (the tank) with weight
``P_N = 1 - exp(-D/L_N)``; the Z' then decays inside the inner (fiducial) sphere with the exact
chord probability ``P_Z'`` from that point. The product ``P_N * P_Z'`` is the event weight: its
expectation over the N decay point is the exact double integral
``int_0^D ds/L_N exp(-s/L_N) P_Z'(x + s n_N)``, so the two-step weight is exact in the second step
given the first and unbiased overall. N decays beyond the outer sphere are not counted (the N then
moves away from the detector; the error is the rare Z' that turns back into the fiducial volume).

Scalar functions are ``@jitable`` so that generator kernels can call them; they live with the array
loops in ``detectors.common.kernels`` (which may then not import this module: no import cycle) and are
re-exported here.
"""

from __future__ import annotations

import numpy as np

from detectors.common import kernels as _kernels
from detectors.common.kernels import (
    chord_distances_scalar,
    prob_decay_in_sphere_scalar,
    truncated_exponential_distance_scalar,
)

__all__ = [
    "sample_uniform_ball",
    "ray_sphere_distances",
    "prob_decay_in_sphere",
    "sample_decay_in_sphere",
    "two_step_decay_in_sphere",
    "decay_length_lab",
    "chord_distances_scalar",
    "prob_decay_in_sphere_scalar",
    "truncated_exponential_distance_scalar",
]


def _as_points(a, name):
    arr = np.ascontiguousarray(a, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise ValueError(f"{name} must have shape (n, 3), got {arr.shape}")
    return arr


def _unit(directions, name):
    d = _as_points(directions, name)
    norm = np.linalg.norm(d, axis=1)
    if np.any(norm <= 0.0) or not np.all(np.isfinite(norm)):
        raise ValueError(f"{name} has a zero or non-finite row; directions need |n| > 0")
    return np.ascontiguousarray(d / norm[:, None])


def _as_lengths(decay_length, n):
    L = np.broadcast_to(np.asarray(decay_length, dtype=np.float64), (n,))
    if np.any(L < 0.0) or np.any(np.isnan(L)):
        raise ValueError("decay_length must be >= 0 (0 means prompt, inf means stable)")
    return np.ascontiguousarray(L)


def _as_uniforms(u, n, name="u"):
    arr = np.ascontiguousarray(np.broadcast_to(np.asarray(u, dtype=np.float64), (n,)))
    if np.any(arr < 0.0) or np.any(arr >= 1.0):
        raise ValueError(f"{name} must lie in [0, 1)")
    return arr


def sample_uniform_ball(u, radius):
    """Points distributed uniformly in a centred ball, from uniforms.

    Parameters
    ----------
    u : array (n, 3)
        Uniforms in [0, 1): ``r = R u0^(1/3)``, ``cos(theta) = 2 u1 - 1``, ``phi = 2 pi u2``.
    radius : float
        Ball radius, cm.

    Returns
    -------
    array (n, 3)
        Points, cm.

    Notes
    -----
    For MiniBooNE the upscattering vertices are uniform over the oil sphere (radius 610.6 cm): the
    target density is uniform and the official flux release (arXiv:0806.1449) is averaged over
    that sphere ("rgen610.6"), so the flux is taken as uniform over it too.
    """
    u = np.asarray(u, dtype=np.float64)
    if u.ndim != 2 or u.shape[1] != 3:
        raise ValueError(f"u must have shape (n, 3), got {u.shape}")
    if radius <= 0.0:
        raise ValueError(f"radius = {radius} but require radius > 0")
    r = radius * np.cbrt(u[:, 0])
    cos_t = 2.0 * u[:, 1] - 1.0
    sin_t = np.sqrt(np.clip(1.0 - cos_t * cos_t, 0.0, None))
    phi = 2.0 * np.pi * u[:, 2]
    return np.column_stack((r * sin_t * np.cos(phi), r * sin_t * np.sin(phi), r * cos_t))


def ray_sphere_distances(origins, directions, radius):
    """Entry and exit distances (cm) of rays through a centred sphere of ``radius`` (cm).

    Parameters
    ----------
    origins : array (n, 3), cm
    directions : array (n, 3)
        Need not be normalised.
    radius : float, cm

    Returns
    -------
    d1, d2 : arrays (n,)
        ``0 <= d1 <= d2``; both 0 if the ray does not cross the sphere.
    """
    x = _as_points(origins, "origins")
    n = _unit(directions, "directions")
    if x.shape[0] != n.shape[0]:
        raise ValueError("origins and directions must have the same length")
    return _kernels.chord_distances(x, n, float(radius))


def prob_decay_in_sphere(origins, directions, decay_length, radius):
    """Exact probability that a particle decays inside a centred sphere.

    Parameters
    ----------
    origins : array (n, 3)
        Production points, cm.
    directions : array (n, 3)
        Flight directions (e.g. the three-momenta).
    decay_length : float or array (n,)
        Lab decay length ``beta gamma c tau0``, cm; 0 = prompt, inf = stable.
    radius : float
        Sphere radius, cm.

    Returns
    -------
    array (n,)
        ``exp(-d1/L) - exp(-d2/L)``.
    """
    d1, d2 = ray_sphere_distances(origins, directions, radius)
    return _kernels.prob_from_chords(d1, d2, _as_lengths(decay_length, d1.shape[0]))


def sample_decay_in_sphere(origins, directions, decay_length, radius, u):
    """Decay point conditioned on decaying inside the sphere, and the probability of doing so.

    Parameters
    ----------
    origins, directions, decay_length, radius
        As in :func:`prob_decay_in_sphere`.
    u : array (n,)
        Uniforms in [0, 1) for the inverse CDF of the exponential truncated to the chord.

    Returns
    -------
    points : array (n, 3)
        Decay points, cm (the entry point of the chord where the probability is 0).
    prob : array (n,)
        Probability of decaying inside the sphere; multiply the event weight by it.
    """
    x = _as_points(origins, "origins")
    n = _unit(directions, "directions")
    L = _as_lengths(decay_length, x.shape[0])
    uu = _as_uniforms(u, x.shape[0])
    return _kernels.sample_decay_in_sphere(x, n, L, float(radius), uu)


def two_step_decay_in_sphere(origins, dir_first, length_first, dir_second, length_second, radius, u, *, radius_first):
    """Cascade A -> B, B -> visible with both decay lengths finite: B decays inside ``radius``.

    Parameters
    ----------
    origins : array (n, 3)
        Production points of A, cm (normally inside ``radius_first``).
    dir_first, length_first
        Direction and lab decay length (cm) of A (e.g. the heavy neutrino).
    dir_second, length_second
        Direction and lab decay length (cm) of B (e.g. the Z'), fixed by the A decay kinematics,
        which do not depend on where A decays.
    radius : float
        Sphere in which B must decay (fiducial radius), cm.
    u : array (n, 2)
        Uniforms: column 0 places the A decay, column 1 the B decay.
    radius_first : float
        A decays are sampled on the chord of this sphere (the tank), cm.

    Returns
    -------
    points : array (n, 3)
        B decay points, cm.
    weight : array (n,)
        ``P_A(chord) * P_B(chord from the sampled A decay point)``; its mean over ``u`` is the
        exact probability that B decays inside ``radius`` (A decays outside ``radius_first`` excluded).
    """
    x = _as_points(origins, "origins")
    n1 = _unit(dir_first, "dir_first")
    n2 = _unit(dir_second, "dir_second")
    nev = x.shape[0]
    L1 = _as_lengths(length_first, nev)
    L2 = _as_lengths(length_second, nev)
    uu = np.asarray(u, dtype=np.float64)
    if uu.shape != (nev, 2):
        raise ValueError(f"u must have shape ({nev}, 2), got {uu.shape}")
    u1 = _as_uniforms(uu[:, 0], nev, "u[:, 0]")
    u2 = _as_uniforms(uu[:, 1], nev, "u[:, 1]")
    y, p1 = _kernels.sample_decay_in_sphere(x, n1, L1, float(radius_first), u1)
    z, p2 = _kernels.sample_decay_in_sphere(y, n2, L2, float(radius), u2)
    return z, p1 * p2


def decay_length_lab(p4, ctau0):
    """Lab decay length ``|p|/m * c tau0`` (cm) from four-momenta ``(n, 4)`` = (px, py, pz, E) in GeV.

    ``ctau0`` is the proper decay length in cm (``hbarc / Gamma`` with ``physics.units.hbarc``).
    """
    p4 = np.asarray(p4, dtype=np.float64)
    if p4.ndim != 2 or p4.shape[1] != 4:
        raise ValueError(f"p4 must have shape (n, 4), got {p4.shape}")
    p = np.linalg.norm(p4[:, :3], axis=1)
    m2 = p4[:, 3] ** 2 - p**2
    if np.any(m2 <= 0.0):
        raise ValueError("decay_length_lab needs massive (time-like) four-momenta")
    return p / np.sqrt(m2) * np.asarray(ctau0, dtype=np.float64)
