"""Private numba loops over events for ``detectors.geometry`` (STYLE.md sec. 4).

Deterministic: every random choice comes in as a uniform. The scalar formulas live in
``detectors.geometry`` as ``@jitable`` functions.
"""

import numpy as np

from detectors.geometry import (
    chord_distances_scalar,
    prob_decay_in_sphere_scalar,
    truncated_exponential_distance_scalar,
)
from physics._jit import jit


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


@jit
def sample_decay_in_sphere(x, n, decay_length, radius, u):
    nev = x.shape[0]
    points = np.empty((nev, 3))
    prob = np.empty(nev)
    for i in range(nev):
        d1, d2 = chord_distances_scalar(x[i, 0], x[i, 1], x[i, 2], n[i, 0], n[i, 1], n[i, 2], radius)
        prob[i] = prob_decay_in_sphere_scalar(d1, d2, decay_length[i])
        s = truncated_exponential_distance_scalar(d1, d2, decay_length[i], u[i])
        for k in range(3):
            points[i, k] = x[i, k] + s * n[i, k]
    return points, prob
