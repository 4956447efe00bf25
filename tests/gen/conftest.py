"""Fixtures shared by the tests of ``gen``."""

import math

import numpy as np
import pytest


@pytest.fixture
def na62_handmade():
    """Three hand-made general-path NA62 cascades in the layout of ``gen.sources.meson_decay.na62_general_flights``:
    K+ -> mu+ N with N -> nu Z', Z' -> e- e+; N -> nu e- e+; N -> nu Z', Z' -> nu nubar (nothing visible).
    Momenta in GeV (px, py, pz, E), kaon decay points zK in cm; ``u_fl`` are flight uniforms drawn next
    from the same stream. Used by test_na62_general.py and test_na62_reweight_general.py."""
    rng = np.random.default_rng(4)
    n, S = 3, 7
    mK, mN, mZ = 0.493677, 0.3, 0.1
    PK = np.array([0.0, 0.0, 75.0, math.hypot(75.0, mK)])
    lab3 = np.zeros((n, 3, 4))
    lab3[:, 0] = PK
    lab3[:, 2] = [0.01, -0.02, 40.0, math.sqrt(40.0**2 + 0.0005 + mN**2)]
    lab3[:, 1] = PK - lab3[:, 2]
    p4 = np.zeros((n, S, 4))
    v = rng.normal(size=(n, S, 3)) * 0.05
    p4[:, 3:, :3] = v[:, 3:]
    p4[:, 3:, 3] = np.sqrt((v[:, 3:] ** 2).sum(-1) + 0.01)
    return {
        "n": n, "S": S, "mN": mN, "lab3": lab3, "p4": p4,
        "pdg": np.array([[321, -13, 9900012, 14, 32, 11, -11], [321, -13, 9900012, 14, 11, -11, 0],
                         [321, -13, 9900012, 14, 32, 14, -14]]),
        "status": np.array([[2, 1, 2, 1, 2, 1, 1], [2, 1, 2, 1, 1, 1, 0], [2, 1, 2, 1, 2, 1, 1]]),
        "parent": np.array([[-1, 0, 0, 2, 2, 4, 4], [-1, 0, 0, 2, 2, 2, -1], [-1, 0, 0, 2, 2, 4, 4]]),
        "npart": np.array([7, 6, 7]),
        "st_of": np.array([[-1, -1, 0, -1, 1, -1, -1], [-1, -1, 0, -1, -1, -1, -1], [-1, -1, 0, -1, 1, -1, -1]]),
        "st_mass": np.array([mN, mZ]),
        "zK": np.array([12000.0, 17000.0, 15000.0]),
        "u_fl": rng.random((n, S)),
    }
