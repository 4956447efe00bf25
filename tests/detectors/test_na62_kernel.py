"""The numba NA62 reconstruction (``response._reco_kernel``) against its NumPy oracle (tests/oracles/na62_numpy.py).

Issue 16 (session 8) moved the per-event arithmetic of ``detectors.na62.response.reconstruct`` into one numba
kernel (``reconstruct`` 2.2-2.4 -> 0.71 us per event, normals included). Both draw the same normals from the same stream in the same order, so they
agree event by event up to what the order of floating-point operations changes. Measured on 200,000 events of
each card below (and of na62_heavy_zprime):

* the acceptance flags ``acc_straw`` and ``accepted``: identical (the kernel compares squared radii where NumPy
  calls hypot: only a track on a circle to the last bit could differ);
* invariant masses, ``E_Zp`` and the truth vertices: identical to the bit (the same multiplications and
  additions in the same order);
* angles: NumPy's ``einsum`` dot products use fused multiply-adds, the kernel does not, so the cosine differs in
  its last bits, and ``acos`` near 1 turns that into |delta theta| ~ 1e-16 / theta: at most 7e-11 rad
  (theta = 1.6 us); bound 1e-9 rad, 1e4 below the 16 urad GTK angular resolution;
* closest approaches: ``den = a c - b^2`` of two nearly parallel lines cancels to ~theta^2, so those last bits
  grow as 1/theta^2: inside the detector (|z| < 200 m) at most 2.7e-3 cm in z (relative 2e-7) and 5e-5 cm in
  the distance, over ~600,000 events; bounds relative 1e-6 in z and 1e-4 cm in the distance, both far below
  the vertex resolution (cm). Beyond the detector (lines so parallel that the vertex is hundreds of metres
  away) the difference grows further and is not compared.
"""

import numpy as np
import pytest
from na62_numpy import reconstruct_numpy

from detectors.na62 import response as na62
from gen.card import load_card
from gen.sources import meson_decay_run as M

EXACT = ("truth_m_ll", "truth_m2_N", "truth_m2_miss", "truth_m2_lnu", "truth_m2_lll", "truth_E_Zp", "m_ll", "m2_N",
         "m2_miss", "m2_lnu", "m2_lll", "E_Zp", "truth_vtx_bb_z", "truth_vtx_Ka_z")
ANGLES = ("truth_dtheta_bb", "truth_theta_Zp", "dtheta_bb", "theta_Zp")


@pytest.fixture(scope="module", params=["na62_light_zprime", "na62_appendixA_mumu"])
def both(request):
    card = load_card(f"cards/{request.param}.toml")
    setup = M.NA62Setup(card)
    ev = setup.generate(100_000, np.random.default_rng(1), np.random.default_rng(2), exposure_per_event=1.0)
    din = M.detector_input(ev)
    kw = dict(m_a=setup.m_a, m_b=setup.m_b, flavour_a=setup.flavour_a, flavour_b=setup.flavour_b)
    return na62.reconstruct(din, np.random.default_rng(5), **kw), reconstruct_numpy(din, np.random.default_rng(5), **kw)


def test_kernel_equals_the_numpy_reconstruction(both):
    got, want = both
    assert list(got) == list(want)  # the same branches in the same order
    for k in want:
        a, b = np.asarray(got[k]), np.asarray(want[k])
        assert a.shape == b.shape and a.dtype == b.dtype, k
        assert np.array_equal(np.isnan(a), np.isnan(b)) if a.dtype.kind == "f" else True, k
    for k in ("acc_straw", "accepted"):
        assert np.array_equal(got[k], want[k]), f"{k}: {np.count_nonzero(got[k] != want[k])} events differ"
    assert 0.05 < np.mean(want["accepted"]) < 0.5
    for k in EXACT:
        assert np.array_equal(got[k], want[k], equal_nan=True), k
    for k in ANGLES:
        assert np.nanmax(np.abs(got[k] - want[k])) <= 1e-9, k
    for z, cda in (("vtx_bb_z", "vtx_bb_cda"), ("vtx_Ka_z", "vtx_Ka_cda")):
        inside = np.abs(want[z]) < 2e4
        assert inside.mean() > 0.98, z
        assert np.all(np.abs(got[z] - want[z])[inside] <= 1e-6 * np.abs(want[z])[inside]), z
        assert np.all(np.abs(got[cda] - want[cda])[inside] <= 1e-4), cda


def test_closest_approach_of_known_lines():
    """The kernel's vertex of two lines with a known closest approach: line 1 through (0, 0, 1000) with slopes
    (1e-3, 0), line 2 through (0, 0.5, 1000) with slopes (-1e-3, 0) -- the closest points are (0, 0, 1000) and
    (0, 0.5, 1000): vertex z 1000 cm, distance 0.5 cm (to rounding)."""
    z, cda = na62._closest_1(np.array([0.0, 0.0, 1000.0]), np.array([1e-3, 0.0]), np.array([0.0, 0.5, 1000.0]),
                             np.array([-1e-3, 0.0]))
    assert z == pytest.approx(1000.0, abs=1e-9) and cda == pytest.approx(0.5, abs=1e-12)
    vtx, d = na62.closest_approach(np.array([[0.0, 0.0, 1000.0]]), np.array([[1e-3, 0.0]]),
                                   np.array([[0.0, 0.5, 1000.0]]), np.array([[-1e-3, 0.0]]))
    assert vtx[0, 2] == pytest.approx(z, abs=1e-9) and d[0] == pytest.approx(cda, abs=1e-12)


def test_unknown_flavour_is_refused():
    ev = {k: np.zeros((1, 4)) for k in ("p4_K", "p4_a", "p4_bm", "p4_bp")} | {k: np.zeros((1, 3)) for k in ("vtx_K", "vtx_Zp")}
    with pytest.raises(ValueError, match="flavour_b = 'tau': allowed 'e', 'mu'"):
        na62.reconstruct(ev, np.random.default_rng(1), m_a=0.1, m_b=1.7, flavour_a="mu", flavour_b="tau")
