"""Correctness of the fast set-up paths of ``gen.core.decays.tabulate_three_body`` (not their timing).

The fast path evaluates |M|^2 = A + s.B of a three-body channel in one pass (``me2.AB``, the
all-Majorana channels of ``physics.decay_table``) and builds the Dalitz grid in one compiled loop. Both
must reproduce the reference evaluation -- the grid point by point in Python and three calls of the
|M|^2 callable at s = 0, e_x, e_z -- to floating-point rounding.
"""

import dataclasses
import pathlib

import numpy as np
import pytest

from gen.card import build_model, load_card
from gen.core import kernels as K
from gen.core.decay_adapter import decay_spec_from_physics
from gen.core.decays import tabulate_three_body
from physics import decay_table as dt

CARDS = pathlib.Path(__file__).resolve().parents[2] / "cards"
NG = 48
NG_FAST = 12  # grid of the fast-suite checks: the fast path's equality to the reference does not depend on
# the grid size, the time does (ng^2 points through the slow reference path: 137 s at 48; issue 16)
RTOL = 1e-12


def _reference(M, m1, m2, m3, me2, ng=NG):
    """(A, Bx, Bz) as tabulate_three_body computed them before the fast paths."""
    x = np.linspace(0.0, 1.0, ng + 1)
    X, Y = np.meshgrid(x, x, indexing="ij")
    X, Y = X.ravel(), Y.ravel()
    n = X.size
    q1, q2, q3 = np.empty((n, 4)), np.empty((n, 4)), np.empty((n, 4))
    for k in range(n):
        m12, m23, _ = K.dalitz_from_unit(M, m1, m2, m3, X[k], Y[k])
        K.three_body_standard_frame(M, m1, m2, m3, m12, m23, q1[k], q2[k], q3[k])
    zero = np.zeros((n, 3))
    ex = np.zeros((n, 3))
    ex[:, 0] = 1.0
    ez = np.zeros((n, 3))
    ez[:, 2] = 1.0
    A = np.asarray(me2(q1, q2, q3, zero), dtype=float)
    Bx = np.asarray(me2(q1, q2, q3, ex), dtype=float) - A
    Bz = np.asarray(me2(q1, q2, q3, ez), dtype=float) - A
    A = np.maximum(A, 0.0)
    return [T.reshape(ng + 1, ng + 1) for T in (A, Bx, Bz)], (q1, q2, q3)


def _channels(card_name, parent=None):
    card = load_card(CARDS / card_name)
    _, channels, _ = decay_spec_from_physics(card, build_model(card))
    return [c for c in channels if len(c.daughters) == 3 and c.me2 is not None and (parent is None or c.parent == parent)]


@pytest.fixture(scope="module")
def heavy_channels():
    return _channels("three_portal_heavy_zprime.toml")


def _masses(card_name, ch):
    card = load_card(CARDS / card_name)
    species, _, _ = decay_spec_from_physics(card, build_model(card))
    mass = {s.name: s.mass for s in species}
    return mass[ch.parent], [mass[d] for d in ch.daughters]


def _check_tables(card_name, ch, ng=NG_FAST):
    M, m = _masses(card_name, ch)
    new = tabulate_three_body(M, *m, ch.me2, ng=ng)
    ref, _ = _reference(M, *m, ch.me2, ng=ng)
    scale = np.abs(ref[0]).max()
    assert scale > 0
    for a, b in zip(new[:3], ref):
        np.testing.assert_allclose(a, b, rtol=0, atol=RTOL * scale)
    # the envelope and its cumulative distribution follow the tables
    plain = tabulate_three_body(M, *m, lambda q1, q2, q3, s: ch.me2(q1, q2, q3, s), ng=ng)
    np.testing.assert_allclose(new[4], plain[4], rtol=1e-10, atol=0)
    np.testing.assert_allclose(new[3], plain[3], rtol=0, atol=1e-12)


WRAPPERS = ("_me2_majorana", "_summed")


def _by_wrapper(channels, wrapper):
    return [c for c in channels if getattr(c.me2, "AB", None) is not None and c.me2.__qualname__.startswith(wrapper + ".")]


def test_heavy_card_has_fast_path_channels(heavy_channels):
    # channels from a single term and from a sum of terms (nu and nubar rows, some with swapped daughters)
    for w in WRAPPERS:
        assert _by_wrapper(heavy_channels, w), w


@pytest.mark.parametrize("wrapper, pick", [(w, 0) for w in WRAPPERS] + [("_summed", -1)])
def test_majorana_fast_path_matches_reference(heavy_channels, wrapper, pick):
    _check_tables("three_portal_heavy_zprime.toml", _by_wrapper(heavy_channels, wrapper)[pick])


@pytest.mark.slow
@pytest.mark.parametrize("wrapper, pick", [(w, 0) for w in WRAPPERS] + [("_summed", -1)])
def test_majorana_fast_path_matches_reference_production_grid(heavy_channels, wrapper, pick):
    """The same at the production grid size (NG = 48), 4 minutes."""
    _check_tables("three_portal_heavy_zprime.toml", _by_wrapper(heavy_channels, wrapper)[pick], ng=NG)


def test_swapped_daughters_fast_path(heavy_channels):
    ch = _by_wrapper(heavy_channels, "_me2_majorana")[0]
    swapped = dataclasses.replace(ch, daughters=(ch.daughters[0], ch.daughters[2], ch.daughters[1]),
                                  me2=dt._swap23(ch.me2))
    assert getattr(swapped.me2, "AB", None) is not None
    _check_tables("three_portal_heavy_zprime.toml", swapped)


def test_me2_AB_is_the_affine_decomposition(heavy_channels):
    """A + s.B equals me2(s) for arbitrary polarisation vectors, including s_y (not tabulated)."""
    rng = np.random.default_rng(7)
    fast = [c for c in heavy_channels if getattr(c.me2, "AB", None) is not None]
    for ch in (fast[0], fast[-1]):
        M, m = _masses("three_portal_heavy_zprime.toml", ch)
        _, (q1, q2, q3) = _reference(M, *m, ch.me2, ng=8)
        A, B = ch.me2.AB(q1, q2, q3)
        s = rng.normal(size=(q1.shape[0], 3))
        s *= (rng.random(q1.shape[0]) / np.linalg.norm(s, axis=1))[:, None]
        want = ch.me2(q1, q2, q3, s)
        scale = np.abs(ch.me2(q1, q2, q3, np.zeros_like(s))).max()
        np.testing.assert_allclose(A + np.einsum("ij,ij->i", s, B), want, rtol=0, atol=RTOL * scale)


def test_light_zprime_N4_channels_match_reference():
    chans = _channels("miniboone_light_zprime.toml", parent="N4")
    assert chans
    for ch in chans:
        _check_tables("miniboone_light_zprime.toml", ch)
