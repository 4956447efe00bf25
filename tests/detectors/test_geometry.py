"""Sphere geometry: chords and decay probabilities vs closed forms, numerical integrals and brute-force MC."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from detectors.common import geometry
from detectors.common import kernels as _kernels

R_FID = 500.0
R_TANK = 610.6


def _unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_public_api_is_pinned():
    assert set(geometry.__all__) == {
        "sample_uniform_ball",
        "ray_sphere_distances",
        "prob_decay_in_sphere",
        "sample_decay_in_sphere",
        "two_step_decay_in_sphere",
        "decay_length_lab",
        "chord_distances_scalar",
        "prob_decay_in_sphere_scalar",
        "truncated_exponential_distance_scalar",
    }


def test_from_centre_closed_form():
    rng = np.random.default_rng(1)
    n = _unit(rng.normal(size=(50, 3)))
    x = np.zeros((50, 3))
    d1, d2 = geometry.ray_sphere_distances(x, n, R_FID)
    np.testing.assert_allclose(d1, 0.0)
    np.testing.assert_allclose(d2, R_FID, rtol=1e-14)
    for L in (1.0, 300.0, 1e4, 1e9):
        p = geometry.prob_decay_in_sphere(x, n, L, R_FID)
        np.testing.assert_allclose(p, -math.expm1(-R_FID / L), rtol=1e-13)


@pytest.mark.parametrize("b", [0.0, 120.0, 499.0, 501.0])
@pytest.mark.parametrize("z0", [-2000.0, 2000.0])
def test_straight_line_with_impact_parameter(b, z0):
    """Ray along +z at impact parameter b from z0: chord half-length sqrt(R^2 - b^2) about z = 0."""
    x = np.array([[b, 0.0, z0]])
    n = np.array([[0.0, 0.0, 1.0]])
    d1, d2 = geometry.ray_sphere_distances(x, n, R_FID)
    L = 800.0
    p = geometry.prob_decay_in_sphere(x, n, L, R_FID)
    if b >= R_FID or z0 > 0:  # misses, or the sphere is behind
        assert d1[0] == d2[0] == 0.0
        assert p[0] == 0.0
        return
    half = math.sqrt(R_FID**2 - b**2)
    assert d1[0] == pytest.approx(-z0 - half, rel=1e-13)
    assert d2[0] == pytest.approx(-z0 + half, rel=1e-13)
    assert p[0] == pytest.approx(math.exp(-(-z0 - half) / L) - math.exp(-(-z0 + half) / L), rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(-1500, 1500), min_size=3, max_size=3),
    st.lists(st.floats(-1, 1), min_size=3, max_size=3).filter(lambda v: sum(c * c for c in v) > 1e-3),
)
def test_chord_endpoints_on_sphere(x, n):
    x = np.array([x])
    n = _unit(np.array([n]))
    d1, d2 = geometry.ray_sphere_distances(x, n, R_FID)
    assert 0.0 <= d1[0] <= d2[0]
    if d2[0] > d1[0]:
        exit_point = x[0] + d2[0] * n[0]
        assert np.linalg.norm(exit_point) == pytest.approx(R_FID, rel=1e-9)
        if d1[0] > 0:
            assert np.linalg.norm(x[0] + d1[0] * n[0]) == pytest.approx(R_FID, rel=1e-9)
        else:
            assert np.linalg.norm(x[0]) <= R_FID * (1 + 1e-12)
        mid = x[0] + 0.5 * (d1[0] + d2[0]) * n[0]
        assert np.linalg.norm(mid) < R_FID


@pytest.mark.parametrize(
    "x, n, L",
    [
        ([0.0, 0.0, 0.0], [0.0, 0.0, 1.0], 400.0),
        ([300.0, -200.0, 100.0], [1.0, 1.0, 0.2], 150.0),
        ([0.0, 200.0, -900.0], [0.0, 0.0, 1.0], 700.0),
        ([450.0, 0.0, -450.0], [-0.3, 0.1, 1.0], 2500.0),
    ],
)
def test_probability_vs_bruteforce_mc(x, n, L):
    rng = np.random.default_rng(20261121)
    N = 200_000
    x = np.array([x])
    n = _unit(np.array([n]))
    p = geometry.prob_decay_in_sphere(x, n, L, R_FID)[0]
    s = rng.exponential(L, N)
    inside = np.linalg.norm(x[0] + s[:, None] * n[0], axis=1) < R_FID
    frac = inside.mean()
    sigma = math.sqrt(max(p * (1 - p), 1e-12) / N)
    assert abs(frac - p) < 5 * sigma


def test_prompt_and_stable_limits():
    x = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 550.0]])
    n = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]])
    np.testing.assert_array_equal(geometry.prob_decay_in_sphere(x, n, 0.0, R_FID), [1.0, 0.0])
    np.testing.assert_array_equal(geometry.prob_decay_in_sphere(x, n, np.inf, R_FID), [0.0, 0.0])
    # very long decay length: P -> chord / L, kept precise by expm1
    p = geometry.prob_decay_in_sphere(x, n, 1e12, R_FID)
    np.testing.assert_allclose(p, [R_FID / 1e12, 2 * R_FID / 1e12 * math.exp(-50.0 / 1e12)], rtol=1e-9)


def test_sampled_decay_points_follow_truncated_exponential():
    rng = np.random.default_rng(7)
    N = 50_000
    x = np.tile([[100.0, 0.0, -800.0]], (N, 1))
    n = np.tile([[0.0, 0.0, 1.0]], (N, 1))
    L = 600.0
    pts, prob = geometry.sample_decay_in_sphere(x, n, L, R_FID, rng.random(N))
    assert np.all(np.linalg.norm(pts, axis=1) <= R_FID * (1 + 1e-12))
    d1, d2 = geometry.ray_sphere_distances(x[:1], n[:1], R_FID)
    s = pts[:, 2] - x[0, 2]

    def cdf(t):
        return np.clip((1 - np.exp(-(t - d1[0]) / L)) / (1 - np.exp(-(d2[0] - d1[0]) / L)), 0, 1)

    assert stats.kstest(s, cdf).pvalue > 0.01
    np.testing.assert_allclose(prob, geometry.prob_decay_in_sphere(x[:1], n[:1], L, R_FID)[0])


def _two_step_exact(x, n1, L1, n2, L2):
    """int_0^D ds/L1 exp(-s/L1) P2(x + s n1), D = exit distance of the tank sphere (quadrature)."""
    _, D = geometry.ray_sphere_distances(x[None], n1[None], R_TANK)

    def f(s):
        y = x + s * n1
        return math.exp(-s / L1) / L1 * geometry.prob_decay_in_sphere(y[None], n2[None], L2, R_FID)[0]

    val, _ = integrate.quad(f, 0.0, D[0], limit=200, epsabs=1e-12)
    return val


@pytest.mark.parametrize(
    "x, n1, L1, n2, L2",
    [
        ([0.0, 0.0, -300.0], [0.0, 0.1, 1.0], 200.0, [0.05, 0.0, 1.0], 300.0),
        ([550.0, 0.0, 0.0], [-1.0, 0.0, 0.3], 80.0, [-1.0, 0.2, 0.0], 1000.0),
        ([0.0, 0.0, 560.0], [0.0, 0.0, 1.0], 100.0, [0.0, 0.0, 1.0], 100.0),
    ],
)
def test_two_step_weight_is_unbiased(x, n1, L1, n2, L2):
    x, n1, n2 = np.array(x), _unit(n1), _unit(n2)
    exact = _two_step_exact(x, n1, L1, n2, L2)
    N = 100_000
    rng = np.random.default_rng(11)
    X = np.tile(x, (N, 1))
    pts, w = geometry.two_step_decay_in_sphere(
        X, np.tile(n1, (N, 1)), L1, np.tile(n2, (N, 1)), L2, R_FID, rng.random((N, 2)), radius_first=R_TANK
    )
    err = w.std() / math.sqrt(N) + 1e-15
    assert abs(w.mean() - exact) < 5 * err
    assert np.all(np.linalg.norm(pts[w > 0], axis=1) <= R_FID * (1 + 1e-12))
    # brute force: both decays from full exponentials, the first one inside the tank
    s1 = rng.exponential(L1, N)
    y = x + s1[:, None] * n1
    s2 = rng.exponential(L2, N)
    z = y + s2[:, None] * n2
    ok = (np.linalg.norm(y, axis=1) < R_TANK) & (np.linalg.norm(z, axis=1) < R_FID)
    # the first decay must also be before the exit (a ray leaves the sphere only once)
    brute = ok.mean()
    assert abs(brute - exact) < 5 * math.sqrt(max(exact * (1 - exact), 1e-12) / N)


def test_uniform_ball():
    rng = np.random.default_rng(3)
    pts = geometry.sample_uniform_ball(rng.random((40_000, 3)), R_TANK)
    r = np.linalg.norm(pts, axis=1)
    assert r.max() <= R_TANK
    assert stats.kstest((r / R_TANK) ** 3, "uniform").pvalue > 0.01
    assert stats.kstest((pts[:, 2] / r + 1) / 2, "uniform").pvalue > 0.01
    assert stats.kstest((np.arctan2(pts[:, 1], pts[:, 0]) + np.pi) / (2 * np.pi), "uniform").pvalue > 0.01


def test_decay_length_lab():
    m, p, ctau = 0.42, 1.3, 25.0
    p4 = np.array([[0.0, 0.0, p, math.hypot(m, p)]])
    assert geometry.decay_length_lab(p4, ctau)[0] == pytest.approx(p / m * ctau)
    with pytest.raises(ValueError, match="massive"):
        geometry.decay_length_lab(np.array([[0.0, 0.0, 1.0, 1.0]]), 1.0)


def test_input_validation():
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        geometry.ray_sphere_distances(np.zeros((2, 2)), np.ones((2, 3)), 1.0)
    with pytest.raises(ValueError, match="zero or non-finite"):
        geometry.prob_decay_in_sphere(np.zeros((1, 3)), np.zeros((1, 3)), 1.0, 1.0)
    with pytest.raises(ValueError, match="decay_length"):
        geometry.prob_decay_in_sphere(np.zeros((1, 3)), np.ones((1, 3)), -1.0, 1.0)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        geometry.sample_decay_in_sphere(np.zeros((1, 3)), np.ones((1, 3)), 1.0, 1.0, [1.0])


def test_kernels_match_python():
    rng = np.random.default_rng(5)
    x = rng.uniform(-800, 800, (200, 3))
    n = _unit(rng.normal(size=(200, 3)))
    L = rng.uniform(0, 1000, 200)
    u = rng.random(200)
    py = {f: getattr(getattr(_kernels, f), "py_func", getattr(_kernels, f)) for f in ("chord_distances", "sample_decay_in_sphere")}
    for a, b in zip(_kernels.chord_distances(x, n, R_FID), py["chord_distances"](x, n, R_FID)):
        np.testing.assert_allclose(a, b, rtol=1e-14)
    for a, b in zip(
        _kernels.sample_decay_in_sphere(x, n, L, R_FID, u), py["sample_decay_in_sphere"](x, n, L, R_FID, u)
    ):
        np.testing.assert_allclose(a, b, rtol=1e-12)
