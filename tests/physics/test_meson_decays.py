"""P+ -> l+ N: Shrock's factor, the N helicity, Appendix-A mass ranges (physics/meson_decays.py)."""

import math

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from physics import constants as const
from physics import meson_decays as md
from physics import units as u
from physics.kinematics import kallen

MK, MPI, ME, MMU = const.m_K_charged, const.m_pi_charged, const.m_e, const.m_mu

CASES = [(MK, ME), (MK, MMU), (MPI, ME), (MPI, MMU)]


def test_public_api_is_pinned():
    assert md.__all__ == ["MESONS", "shrock_rho", "polarisation_N_from_P_to_lN", "width_P_to_l_N",
                          "br_P_to_l_N", "lepton_mass", "cascade_mass_ranges"]


@pytest.mark.parametrize("mP, ml", CASES)
def test_shrock_rho_is_one_for_massless_N(mP, ml):
    assert md.shrock_rho(mP, ml, 0.0) == pytest.approx(1.0, abs=1e-12)
    # and approaches 1 continuously: rho - 1 = O(x_N / x_l)
    assert md.shrock_rho(mP, ml, 1e-6 * ml) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("mP, ml", CASES)
def test_shrock_rho_vanishes_at_threshold(mP, ml):
    thr = mP - ml
    assert md.shrock_rho(mP, ml, thr) == 0.0
    assert md.shrock_rho(mP, ml, thr + 1e-3) == 0.0
    # lambda^{1/2} -> 0 like sqrt(threshold - m_N)
    r1 = md.shrock_rho(mP, ml, thr * (1 - 1e-8))
    r2 = md.shrock_rho(mP, ml, thr * (1 - 4e-8))
    assert 0.0 < r1 < 1e-2 * md.shrock_rho(mP, ml, 0.5 * thr)
    assert r2 / r1 == pytest.approx(2.0, rel=1e-3)


def test_shrock_rho_reference_values():
    """Helicity lift-off: rho_e(K, 300 MeV) ~ 1.4e5 and rho_mu(K, 300 MeV) ~ 3.9 (direct evaluation
    of the closed form written out here independently of the module)."""
    for ml, mN in ((ME, 0.3), (MMU, 0.3), (MMU, 0.2)):
        xl, xN = (ml / MK) ** 2, (mN / MK) ** 2
        expected = (xl + xN - (xl - xN) ** 2) * math.sqrt(kallen(1, xl, xN)) / (xl * (1 - xl) ** 2)
        assert md.shrock_rho(MK, ml, mN) == pytest.approx(expected, rel=1e-12)
    assert md.shrock_rho(MK, ME, 0.3) == pytest.approx(1.371e5, rel=1e-3)
    assert md.shrock_rho(MK, MMU, 0.3) == pytest.approx(3.900, rel=1e-3)


def test_width_normalisation_reproduces_measured_K_mu2_and_pi_mu2():
    """The tree-level SM width G_F^2 f^2 |V|^2 m_P m_l^2 (1 - x_l)^2/(8 pi) times the lifetime gives
    BR(K -> mu nu) and BR(pi -> mu nu) within the few-% radiative corrections (PDG 2024 review
    "Leptonic decays of charged pseudoscalar mesons")."""
    for parent, tau, br in (("K+", const.tau_K_charged, const.BR_K_to_mu_nu),
                            ("pi+", const.tau_pi_charged, const.BR_pi_to_mu_nu)):
        width = md.width_P_to_l_N(parent, "mu", 0.0, 1.0)
        assert width * tau / u.hbar == pytest.approx(br, rel=0.04)


def test_br_is_U2_rho_times_br_l_nu():
    br = md.br_P_to_l_N("K+", "mu", 0.3, 1e-8)
    assert br == pytest.approx(1e-8 * md.shrock_rho(MK, MMU, 0.3) * const.BR_K_to_mu_nu, rel=1e-14)
    # width ratio is the same rho
    ratio = md.width_P_to_l_N("K+", "e", 0.25, 1.0) / md.width_P_to_l_N("K+", "e", 0.0, 1.0)
    assert ratio == pytest.approx(md.shrock_rho(MK, ME, 0.25), rel=1e-12)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="allowed 'e', 'mu'"):
        md.br_P_to_l_N("K+", "tau", 0.1, 1e-6)
    with pytest.raises(ValueError, match="meson 'D\\+'"):
        md.br_P_to_l_N("D+", "mu", 0.1, 1e-6)
    with pytest.raises(ValueError, match="U2 >= 0"):
        md.width_P_to_l_N("K+", "mu", 0.1, -1.0)


# ------------------------------------------------------------------------------------ helicity
@pytest.mark.parametrize("mP, ml", CASES)
def test_polarisation_limits(mP, ml):
    assert md.polarisation_N_from_P_to_lN(mP, ml, 0.0) == pytest.approx(-1.0, abs=1e-12)
    assert md.polarisation_N_from_P_to_lN(mP, ml, mP - ml) == 0.0
    assert abs(md.polarisation_N_from_P_to_lN(mP, ml, mP - ml - 1e-10)) < 1e-3
    # massless charged lepton: N fully right-handed for any m_N
    assert md.polarisation_N_from_P_to_lN(mP, 1e-9, 0.5 * mP) == pytest.approx(1.0, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 1.0), st.sampled_from(CASES))
def test_polarisation_is_bounded(f, case):
    mP, ml = case
    P = md.polarisation_N_from_P_to_lN(mP, ml, f * (mP - ml))
    assert -1.0 - 1e-12 <= P <= 1.0 + 1e-12


def _helicity_amplitudes(M, ml, mN):
    """|A(h_N)|^2 summed over the l+ helicity, from explicit chiral-representation spinors of
    A = ubar_N(p_N, h_N) pslash_P (1 - g5) v_l(p_l, h_l) in the P rest frame (pslash_P = M g0)."""
    I2, Z2 = np.eye(2), np.zeros((2, 2))
    g0 = np.block([[Z2, I2], [I2, Z2]])
    g5 = np.block([[-I2, Z2], [Z2, I2]])
    p = math.sqrt(kallen(M * M, ml * ml, mN * mN)) / (2 * M)
    EN, El = math.hypot(p, mN), math.hypot(p, ml)

    def xi(h, theta):  # helicity eigenstate along (theta, phi = 0)
        return (np.array([math.cos(theta / 2), math.sin(theta / 2)]) if h > 0
                else np.array([-math.sin(theta / 2), math.cos(theta / 2)]))

    def u_sp(E, h, theta):
        x = xi(h, theta)
        return np.concatenate([math.sqrt(max(E - 2 * h * p, 0)) * x, math.sqrt(E + 2 * h * p) * x])

    def v_sp(E, h, theta):
        eta = xi(-h, theta)
        return np.concatenate([math.sqrt(E + 2 * h * p) * eta, -math.sqrt(max(E - 2 * h * p, 0)) * eta])

    out = {}
    for hN in (+0.5, -0.5):
        s = 0.0
        for hl in (+0.5, -0.5):
            uN = u_sp(EN, hN, 0.0)        # N along +z
            vl = v_sp(El, hl, math.pi)   # l+ along -z
            A = uN.conj() @ g0 @ (M * g0) @ (np.eye(4) - g5) @ vl
            s += abs(A) ** 2
        out[hN] = s
    return out


@pytest.mark.parametrize("mP, ml, mN", [(MK, MMU, 0.01), (MK, MMU, 0.2), (MK, MMU, 0.38), (MK, ME, 0.3),
                                        (MPI, ME, 0.1), (MPI, MMU, 0.02)])
def test_polarisation_and_shrock_factor_match_explicit_spinors(mP, ml, mN):
    amp = _helicity_amplitudes(mP, ml, mN)
    P_spinor = (amp[0.5] - amp[-0.5]) / (amp[0.5] + amp[-0.5])
    assert md.polarisation_N_from_P_to_lN(mP, ml, mN) == pytest.approx(P_spinor, abs=1e-10)
    # spin sum = 8 [2 (p_N.P)(p_l.P) - M^2 p_N.p_l] = 4 m_P^4 [x_l + x_N - (x_l - x_N)^2] (trace)
    xl, xN = (ml / mP) ** 2, (mN / mP) ** 2
    total = (amp[0.5] + amp[-0.5]) / (mP**4 * (xl + xN - (xl - xN) ** 2))
    assert total == pytest.approx(4.0, rel=1e-10)


def test_jit_parity():
    @numba.njit
    def both(mP, ml, mN):
        return md.shrock_rho(mP, ml, mN), md.polarisation_N_from_P_to_lN(mP, ml, mN)

    for mN in (0.0, 0.1, 0.3, 0.387):
        assert both(MK, MMU, mN) == pytest.approx((md.shrock_rho(MK, MMU, mN),
                                                   md.polarisation_N_from_P_to_lN(MK, MMU, mN)), rel=1e-14)


# ------------------------------------------------------------------------------------ ranges
def test_cascade_mass_ranges_against_brute_force_scan():
    """Eq. (A3)-(A4) equal the extremes of (p_K - p_Z')^2 and (p_K - p_nu)^2 over the N-frame angle."""
    mN, mZ = 0.3, 0.05
    (a_lo, a_hi), (b_lo, b_hi) = md.cascade_mass_ranges(MK, MMU, mN, mZ)
    pN = math.sqrt(kallen(MK**2, MMU**2, mN**2)) / (2 * MK)
    EN = math.hypot(pN, mN)
    gam, bg = EN / mN, pN / mN
    q = (mN**2 - mZ**2) / (2 * mN)
    c = np.linspace(-1, 1, 20001)
    EZ = gam * math.hypot(q, mZ) + bg * q * c  # Z' energy in the kaon frame
    Enu = gam * q - bg * q * c
    m2_anu = MK**2 + mZ**2 - 2 * MK * EZ
    m2_abb = MK**2 - 2 * MK * Enu
    assert (a_lo, a_hi) == pytest.approx((m2_anu.min(), m2_anu.max()), rel=1e-10)
    assert (b_lo, b_hi) == pytest.approx((m2_abb.min(), m2_abb.max()), rel=1e-10)
    with pytest.raises(ValueError):
        md.cascade_mass_ranges(MK, MMU, 0.05, 0.3)
