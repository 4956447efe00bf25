"""detectors.common.smearing.smear_direction against closed forms (exact rotation by alpha = sigma |s|)."""

import math

import numpy as np
import pytest

from detectors.common.smearing import smear_direction


def _angle(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    c = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    s = np.linalg.norm(np.cross(a, b)) / (np.linalg.norm(a) * np.linalg.norm(b))
    return math.atan2(s, c)  # accurate at small angles too


def test_along_z_closed_form():
    # d = z^, a = x^ (|d_z| >= 0.9): e1 = z^ x x^ = y^, e2 = z^ x y^ = -x^; alpha = sigma sqrt(s1^2 + s2^2)
    sig = math.radians(2.0)
    r = smear_direction(0.0, 0.0, 5.0, 1.0, 0.0, sig)
    assert r == pytest.approx((0.0, math.sin(sig), math.cos(sig)), abs=1e-15)
    r = smear_direction(0.0, 0.0, 5.0, 0.0, 2.0, sig)
    assert r == pytest.approx((-math.sin(2 * sig), 0.0, math.cos(2 * sig)), abs=1e-15)
    # theta to the beam of a forward shower: exactly alpha (what E theta^2 is built from)
    assert math.acos(smear_direction(0.0, 0.0, 1.0, 3.0, 4.0, 0.01)[2]) == pytest.approx(0.05, rel=1e-12)
    assert smear_direction(0.0, 0.0, 2.0, 0.0, 0.0, sig) == (0.0, 0.0, 1.0)


def test_unit_length_angle_and_frame_for_any_direction():
    rng = np.random.default_rng(1)
    for _ in range(200):
        p = rng.normal(size=3) * rng.uniform(0.01, 10.0)
        s1, s2 = rng.normal(size=2)
        sig = rng.uniform(1e-4, 0.3)
        r = np.array(smear_direction(*p, s1, s2, sig))
        assert np.linalg.norm(r) == pytest.approx(1.0, abs=1e-14)
        assert _angle(p, r) == pytest.approx(sig * math.hypot(s1, s2), rel=1e-9)
        # the kick lies in the plane of s1 e1 + s2 e2 with the documented right-handed frame
        d = p / np.linalg.norm(p)
        a = np.array([0.0, 0.0, 1.0]) if abs(d[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
        e1 = np.cross(d, a) / np.linalg.norm(np.cross(d, a))
        e2 = np.cross(d, e1)
        t = r - np.dot(r, d) * d
        assert math.atan2(np.dot(t, e2), np.dot(t, e1)) == pytest.approx(math.atan2(s2, s1), abs=1e-9)


def test_angle_distribution_is_rayleigh():
    # alpha = sigma |s| with s ~ N(0, 1_2): Rayleigh(sigma), mean sigma sqrt(pi/2); MC error 0.52 sigma / sqrt(n)
    rng = np.random.default_rng(2)
    n, sig = 20000, 0.05
    s = rng.normal(size=(n, 2))
    d = np.array([0.3, -0.2, 4.0]) / np.linalg.norm([0.3, -0.2, 4.0])
    ang = np.array([math.acos(min(1.0, float(np.dot(smear_direction(*d, a, b, sig), d)))) for a, b in s])
    err = sig * math.sqrt(2 - math.pi / 2) / math.sqrt(n)
    assert ang.mean() == pytest.approx(sig * math.sqrt(math.pi / 2), abs=4 * err)


def test_kernel_parity():
    from numba import njit

    @njit
    def call(p, s1, s2, sig):
        return smear_direction(p[0], p[1], p[2], s1, s2, sig)

    p = np.array([0.1, 0.7, -0.2])
    assert call(p, 0.4, -1.2, 0.03) == pytest.approx(smear_direction(*p, 0.4, -1.2, 0.03), abs=1e-15)
