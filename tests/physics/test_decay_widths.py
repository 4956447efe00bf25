"""Decay-width formulas and three-body kernels (physics/decay_widths.py, physics/three_body.py).

Reference values: arXiv:1903.07589 (seed 004) eq. 8-16; arXiv:1807.09877 (seed 003) eq. 3-5;
the SM closed forms of arXiv:1805.08567 (sec. 3) and arXiv:0705.1729 (app. C) for N -> nu l l,
N -> nu pi0, N -> l pi, N -> 3 nu; an independent numerical Dirac trace for the three-body |M|^2.
"""

import math

import numba
import numpy as np
import pytest

from physics import constants as const
from physics import decay_widths as dw
from physics import three_body as tb
from physics.couplings import g_weak, gZ_over_cW

GL = (tb.GL_X, tb.GL_W, tb.GL_XI, tb.GL_WI)
GW_HALF = 0.5 * g_weak**2
NO_T = (np.zeros(0, complex), np.zeros(0), np.zeros(0))  # no t-channel term


def _z_lepton():
    s2 = const.sin2_thetaW
    return np.array([gZ_over_cW * (-0.5 + s2) + 0j]), np.array([gZ_over_cW * s2 + 0j])


def _width_ll(m0, mf, ml, nL, nR, cL, cR, mmed, gmed, w=0j, gl=GL):
    wt, mt, gt = (np.array([complex(w)]), np.array([const.m_W]), np.array([0.0])) if w != 0 else (np.zeros(0, complex), np.zeros(0), np.zeros(0))
    return tb.width_N_to_f_ll(m0, mf, ml, ml, nL, nR, cL, cR, np.asarray(mmed, float), np.asarray(gmed, float),
                              wt, mt, gt, *gl)


# ------------------------------------------------------------------ |M|^2 vs a numerical trace
_I2, _Z2 = np.eye(2), np.zeros((2, 2))
_SIG = (np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]]))
_G = [np.block([[_I2, _Z2], [_Z2, -_I2]]).astype(complex)] + [np.block([[_Z2, s], [-s, _Z2]]).astype(complex) for s in _SIG]
_G5 = 1j * _G[0] @ _G[1] @ _G[2] @ _G[3]
_ETA = np.diag([1.0, -1.0, -1.0, -1.0])
_PROJ = ((np.eye(4) - _G5) / 2, (np.eye(4) + _G5) / 2)


def _slash(p):
    return sum(_ETA[m, m] * p[m] * _G[m] for m in range(4))


def _pE(v):
    """(E, px, py, pz) of the trace references here -> (px, py, pz, E), the order of physics.kinematics."""
    return np.r_[v[1:], v[0]]


def _Ep(v):
    """(px, py, pz, E) -> (E, px, py, pz)."""
    return np.r_[v[3], v[:3]]


def _msq_trace(P, pf, p1, p2, spin, m0, mf, m1, m2, C):
    """sum_{a b a' b'} C_ab C*_a'b' Tr[(pf+mf) g^mu P_a rho g^nu P_a'] Tr[(p1+m1) g_mu P_b (p2-m2) g_nu P_b'],
    rho = (P + m0)(1 + g5 sslash)/2: the polarised |M|^2 with no algebra done by hand."""
    one = np.eye(4)
    rho = (_slash(P) + m0 * one) @ (one + _G5 @ _slash(spin)) / 2
    tot = 0j
    for a in range(2):
        for b in range(2):
            for a2 in range(2):
                for b2 in range(2):
                    H1 = np.array([[np.trace((_slash(pf) + mf * one) @ _G[mu] @ _PROJ[a] @ rho @ _G[nu] @ _PROJ[a2])
                                    for nu in range(4)] for mu in range(4)])
                    H2 = np.array([[np.trace((_slash(p1) + m1 * one) @ _G[mu] @ _PROJ[b] @ (_slash(p2) - m2 * one) @ _G[nu] @ _PROJ[b2])
                                    for nu in range(4)] for mu in range(4)])
                    tot += C[a][b] * np.conj(C[a2][b2]) * np.sum(H1 * (_ETA @ H2 @ _ETA))
    return tot


def _random_three_body(rng, m0, mf, m1, m2):
    s12 = rng.uniform((m1 + mf) ** 2, (m0 - m2) ** 2)
    q3 = math.sqrt((m0**2 - s12 - m2**2) ** 2 - 4 * s12 * m2**2) / (2 * m0)
    n = rng.normal(size=3)
    n /= np.linalg.norm(n)
    p2 = np.r_[math.hypot(q3, m2), q3 * n]
    Q = np.r_[m0 - p2[0], -p2[1:]]
    q = math.sqrt((s12 - (mf + m1) ** 2) * (s12 - (mf - m1) ** 2)) / (2 * math.sqrt(s12))
    n2 = rng.normal(size=3)
    n2 /= np.linalg.norm(n2)
    a, b = np.r_[math.hypot(q, mf), q * n2], np.r_[math.hypot(q, m1), -q * n2]
    bv, gam = Q[1:] / Q[0], Q[0] / math.sqrt(s12)

    def boost(p):
        bp = bv @ p[1:]
        return np.r_[gam * (p[0] + bp), p[1:] + ((gam - 1) * bp / (bv @ bv) + gam * p[0]) * bv]

    return boost(a), boost(b), p2


def test_msq_matches_numerical_dirac_trace():
    """The hand-derived polarised |M|^2 (three_body docstring) equals the brute-force trace for
    random complex couplings, two mediators with widths, a W term, all masses and spin directions
    (double precision: agreement to 1e-10)."""
    rng = np.random.default_rng(20261121)
    m0, mf, m1, m2 = 1.0, 0.3, 0.1, 0.05
    mmed, gmed, mW, gW = np.array([2.0, 3.0]), np.array([0.1, 0.5]), 2.5, 0.2
    for _ in range(3):
        pf, p1, p2 = _random_three_body(rng, m0, mf, m1, m2)
        P = np.r_[m0, 0.0, 0.0, 0.0]
        n = rng.normal(size=3)
        spin = _Ep(tb.spin_vector(_pE(P), m0, n / np.linalg.norm(n)))
        nL, nR, cL, cR = (rng.normal(size=2) + 1j * rng.normal(size=2) for _ in range(4))
        w = complex(rng.normal(), rng.normal())
        mine = tb.msq_N_to_f_ll(_pE(P), _pE(pf), _pE(p1), _pE(p2), _pE(spin), m0, mf, m1, m2, nL, nR, cL, cR, mmed, gmed,
                                np.array([w]), np.array([mW]), np.array([gW]))
        s, t = tb._dot(_pE(p1 + p2), _pE(p1 + p2)), tb._dot(_pE(pf + p2), _pE(pf + p2))
        D = 1 / (s - mmed**2 + 1j * mmed * gmed)
        DW = 1 / (t - mW**2 + 1j * mW * gW)
        C = [[np.sum(nL * cL * D) + w * DW, np.sum(nL * cR * D)], [np.sum(nR * cL * D), np.sum(nR * cR * D)]]
        ref = _msq_trace(P, pf, p1, p2, spin, m0, mf, m1, m2, C)
        assert abs(ref.imag) < 1e-12
        assert mine == pytest.approx(ref.real, rel=1e-10)


def test_spin_average_is_half_sum_of_opposite_spins():
    """|M|^2 is linear in the spin vector: (|M|^2(s) + |M|^2(-s))/2 = |M|^2(0)."""
    rng = np.random.default_rng(3)
    pf, p1, p2 = _random_three_body(rng, 0.5, 0.0, const.m_e, const.m_e)
    P = np.r_[0.5, 0, 0, 0]
    s = np.r_[0.0, 0.0, 0.0, 1.0]
    cL, cR = _z_lepton()
    args = (0.5, 0.0, const.m_e, const.m_e, np.array([1 + 0j]), np.array([0j]), cL, cR, np.array([const.m_Z]), np.array([0.0]), *NO_T)
    P, pf, p1, p2, s = (_pE(v) for v in (P, pf, p1, p2, s))
    up = tb.msq_N_to_f_ll(P, pf, p1, p2, s, *args)
    dn = tb.msq_N_to_f_ll(P, pf, p1, p2, -s, *args)
    avg = tb.msq_N_to_f_ll(P, pf, p1, p2, 0 * s, *args)
    assert 0.5 * (up + dn) == pytest.approx(avg, rel=1e-13)


# ------------------------------------------------------------------ seed 004 eq. 8, 9 and F(x)
def test_F_properties():
    """Seed 004 below eq. 8: F(0) = 1, F(1) = 0, maximum F(0.09) ~ 1.09, F(1 - eps) ~ eps^5."""
    assert dw.F_seed004(0.0) == 1.0
    assert dw.F_seed004(1.0) == 0.0
    assert dw.F_seed004(1e-12) == pytest.approx(1.0, abs=1e-10)
    assert dw.F_seed004(1.0 - 1e-9) == pytest.approx(0.0, abs=1e-12)
    xs = np.linspace(0.001, 0.999, 9981)
    F = np.array([dw.F_seed004(x) for x in xs])
    assert xs[F.argmax()] == pytest.approx(0.09, abs=0.005)  # "F(0.09)": stated to 2 decimals
    assert F.max() == pytest.approx(1.09, abs=0.005)
    # eps^5: F(1-2e)/F(1-e) -> 32 up to O(e) corrections (e = 0.01: cancellations in F stay < 1e-9)
    assert dw.F_seed004(0.98) / dw.F_seed004(0.99) == pytest.approx(32.0, rel=0.05)


@pytest.mark.parametrize("m4", [0.0, 0.02, 0.08, 0.12])
def test_three_body_reproduces_eq8_with_F_of_mass_ratio(m4):
    """Majorana nu5 -> nu4 e+e-, massless e, Z' only, contact limit (m_Z' = 1 TeV): our integral equals
    eq. 8 with F(m4/m5) (= F(sqrt(x4)) as printed) for real (same-CP) mixing. The contact limit
    differs by O(m5^2/m_Z'^2) = 2e-8 and the quadrature is exact to ~1e-9, so 1e-6 is safe.
    F(x4) instead of F(sqrt x4) would be off by up to a factor 5 (checked below)."""
    m5, mzp, gD, chi = 0.14, 1000.0, 2.0, math.sqrt(1e-5)
    V = gD * 1.0 * 1.0  # U_D4 = U_D5 = 1 here; eq. 8 is linear in |U_D4 U_D5|^2
    ee = -const.e_charge * const.cos_thetaW * chi
    w = _width_ll(m5, m4, 0.0, np.array([V + 0j]), np.array([-V + 0j]), np.array([ee + 0j]), np.array([ee + 0j]), [mzp], [0.0])
    ref = dw.width_seed004_eq8(m5, m4, mzp, 1.0, 1.0, chi, gD)
    assert w == pytest.approx(ref, rel=1e-6)
    if m4 >= 0.08:  # at small m4 F(x) and F(x^2) are both ~1
        x = m4 / m5
        assert abs(dw.F_seed004(x * x) / dw.F_seed004(x) - 1.0) > 0.3


def test_three_body_reproduces_eq9_majorana():
    """Seed 004 eq. 9: Majorana nu_h -> nu e+e- (nu + nubar = 2 x the single-chirality kernel), contact Z'."""
    m, mzp, gD, chi, coupling = 0.1, 1000.0, 0.5, 1e-3, 3e-7
    ee = -const.e_charge * const.cos_thetaW * chi
    nL = np.array([gD * math.sqrt(coupling) + 0j])
    w = 2.0 * _width_ll(m, 0.0, 0.0, nL, 0 * nL, np.array([ee + 0j]), np.array([ee + 0j]), [mzp], [0.0])
    assert w == pytest.approx(dw.width_seed004_eq9(m, mzp, coupling, chi, gD), rel=1e-6)


# ------------------------------------------------------------------ SM limits
def _sm_closed(m, U2, cc):
    s2 = const.sin2_thetaW
    return const.G_F**2 * m**5 / (192 * math.pi**3) * U2 * ((0.25 + s2 + 2 * s2**2) if cc else (0.25 - s2 + 2 * s2**2))


def test_Z_only_width_nu_ee():
    """Dirac N mixing with nu_mu only: Gamma(N -> nu e+e-) = G_F^2 m^5/(192 pi^3)|U|^2 (1/4 - s_W^2 + 2 s_W^4)
    (arXiv:1805.08567 eq. 3.4, arXiv:0705.1729) = 2.89e-26 GeV at m = 0.1 GeV, |U|^2 = 1e-6 with the
    on-shell s_W^2. Massless e: agreement to the Z-propagator correction m^2/m_Z^2 ~ 1e-6 (assert 1e-5).
    m_e kept: lower by O(m_e^2/m^2) terms (~5e-4)."""
    m, U2 = 0.1, 1e-6
    cL, cR = _z_lepton()
    nL = np.array([0.5 * gZ_over_cW * math.sqrt(U2) + 0j])
    w0 = _width_ll(m, 0.0, 0.0, nL, 0 * nL, cL, cR, [const.m_Z], [0.0])
    ref = _sm_closed(m, U2, cc=False)
    assert ref == pytest.approx(2.89e-26, abs=0.005e-26)
    assert w0 == pytest.approx(ref, rel=1e-5)
    we = _width_ll(m, 0.0, const.m_e, nL, 0 * nL, cL, cR, [const.m_Z], [0.0])
    assert -1e-3 < we / w0 - 1.0 < 0.0


def test_nu_e_mixing_charged_current_interference():
    """nu_e mixing: the W (Fierzed, coefficient g^2/2 U_ei) interferes constructively,
    (1/4 - s^2 + 2 s^4) -> (1/4 + s^2 + 2 s^4) (arXiv:1805.08567 eq. 3.4; arXiv:0705.1729)."""
    m, U2 = 0.1, 1e-6
    cL, cR = _z_lepton()
    nL = np.array([0.5 * gZ_over_cW * math.sqrt(U2) + 0j])
    w = _width_ll(m, 0.0, 0.0, nL, 0 * nL, cL, cR, [const.m_Z], [0.0], w=GW_HALF * math.sqrt(U2) + 0j)
    assert w == pytest.approx(_sm_closed(m, U2, cc=True), rel=1e-5)


def test_three_nu_width_sm():
    """Dirac N, nu_mu mixing, Z only: sum over flavours of N -> nu nu nubar = G_F^2 m^5 |U|^2/(192 pi^3)
    (arXiv:1805.08567 eq. 3.5: (1 + delta_ab)/768 summed over b = e, mu, tau)."""
    m, U = 0.2, 1e-3
    x = 0.5 * gZ_over_cW
    kappa = np.array([0, x * U, 0], complex)  # N -> nu_b, b = e, mu, tau
    tot = 0.0
    for b in range(3):
        for c in range(3):
            for d in range(3):
                alpha = np.array([kappa[b] * (x if c == d else 0)])
                beta = np.array([kappa[c] * (x if b == d else 0)])
                if abs(alpha[0]) + abs(beta[0]) == 0:
                    continue
                tot += 0.5 * tb.width_N_to_nu_nu_nu(m, alpha, beta, np.array([const.m_Z]), np.array([0.0]), *GL)
    assert tot == pytest.approx(const.G_F**2 * m**5 * U**2 / (192 * math.pi**3), rel=1e-5)


def test_meson_widths_closed_forms():
    """N -> nu pi0 = G_F^2 f_pi^2 m^3|U|^2 (1-x^2)^2/(32 pi) (Dirac) and the generic pseudoscalar formula
    with m_l kept equals the closed N -> l pi width (arXiv:1805.08567 eq. 3.6/3.7; 0901.3589 app. C)."""
    m, U2 = 0.5, 1e-6
    x = const.m_pi0 / m
    ref = const.G_F**2 * const.f_pi**2 * m**3 * U2 * (1 - x * x) ** 2 / (32 * math.pi)
    assert dw.width_N_to_nu_pi0(m, U2, False) == pytest.approx(ref, rel=1e-12)
    assert dw.width_N_to_nu_pi0(m, U2, True) == pytest.approx(2 * ref, rel=1e-12)
    G = math.sqrt(2) * const.G_F * const.f_pi * const.V_ud
    gen = dw.width_F_to_F_pseudoscalar_meson(m, const.m_mu, const.m_pi_charged, math.sqrt(U2) + 0j, 0j, G)
    assert gen == pytest.approx(dw.width_N_to_lminus_piplus(m, const.m_mu, U2), rel=1e-12)


# ------------------------------------------------------------------ two-body: seed 004 / seed 003
def test_N_to_nu_Zprime_majorana_is_eq13_and_twice_dirac():
    """Seed 004 eq. 13 is the Majorana rate; a Dirac N has half of it."""
    m, mz, gD, c = 0.3, 0.1, 0.375, 1e-10
    S = gD**2 * c
    assert dw.width_N_to_nu_Zprime(m, mz, S, True) == pytest.approx(dw.width_seed004_eq13(m, mz, c, gD), rel=1e-12)
    assert dw.width_N_to_nu_Zprime(m, mz, S, True) == pytest.approx(2 * dw.width_N_to_nu_Zprime(m, mz, S, False), rel=1e-12)


@pytest.mark.parametrize("ratio", [0.05, 0.3, 0.6, 0.9, 0.99])
def test_bertuzzo_widths_relative_to_ours(ratio):
    """arXiv:1807.09877 eq. 3-5 vs ours, as a function of m_Z'/m_N: eq. 3 has the same shape
    (1-r)(1+r-2r^2) = (1-r)^2(1+2r) and is 2 x our Majorana (4 x our Dirac) width at every ratio;
    eq. 5 is 2 x our Z' -> nu nu (their vector-like normalisation); eq. 4 equals our Z' -> e+e- for m_e -> 0."""
    m, aD, UD2 = 0.3, 0.25, 0.7
    mz = ratio * m
    gD2 = 4 * math.pi * aD
    S = gD2 * UD2 * (1 - UD2)
    b = dw.width_bertuzzo_N_to_nu_Zprime(m, mz, aD, UD2)
    assert b / dw.width_N_to_nu_Zprime(m, mz, S, True) == pytest.approx(2.0, rel=1e-12)
    assert b / dw.width_N_to_nu_Zprime(m, mz, S, False) == pytest.approx(4.0, rel=1e-12)
    assert dw.width_bertuzzo_Zprime_to_nunu(mz, aD, UD2) / dw.width_Zprime_to_nunu(mz, gD2 * (1 - UD2) ** 2) == pytest.approx(2.0, rel=1e-12)
    eps = 1e-3
    assert dw.width_bertuzzo_Zprime_to_ee(mz, const.alpha_em * eps**2) == pytest.approx(dw.width_Zprime_to_ll(mz, 0.0, const.e_charge * eps), rel=1e-12)


def test_Zprime_to_ll_is_eq15():
    """Seed 004 eq. 15 with epsilon = c_W chi, m_l kept."""
    chi = 1e-4
    for ml in (const.m_e, const.m_mu):
        assert dw.width_Zprime_to_ll(0.5, ml, const.e_charge * const.cos_thetaW * chi) == pytest.approx(dw.width_seed004_eq15(0.5, ml, chi), rel=1e-13)


def test_Zprime_to_N4N5_is_eq11_and_hprime_to_N4N5_is_eq12():
    """Majorana pair with real mixing: width_V_to_FF with (V, -V) is seed 004 eq. 11 and width_S_to_FF
    with (Y, Y), Y = y_N/sqrt2 (U_D5 U_N4 + U_D4 U_N5), is eq. 12 (which fixes the y_N/sqrt2 normalisation)."""
    M, m4, m5, gD, yN = 1.0, 0.1, 0.3, 0.8, 0.6
    UD4, UD5, UN4, UN5 = 0.6, 0.7, 0.5, -0.3
    R, dr = ((m4 + m5) / M) ** 2, ((m5 - m4) / M) ** 2
    V = gD * UD4 * UD5
    eq11 = UD4**2 * UD5**2 * gD**2 * M / (12 * math.pi) * (1 + dr / 2) * (1 - R) ** 1.5 * math.sqrt(1 - dr)
    assert dw.width_V_to_FF(M, m4, m5, V + 0j, -V + 0j, False) == pytest.approx(eq11, rel=1e-12)
    Y = yN / math.sqrt(2) * (UD5 * UN4 + UD4 * UN5)
    eq12 = (UD5 * UN4 + UD4 * UN5) ** 2 * yN**2 * M / (16 * math.pi) * (1 - R) ** 1.5 * math.sqrt(1 - dr)
    assert dw.width_S_to_FF(M, m4, m5, Y + 0j, Y + 0j, False) == pytest.approx(eq12, rel=1e-12)


def test_hprime_to_ll_is_eq16_and_higgs_formula():
    """Seed 004 eq. 16 = sin^2(theta) G_F m_l^2 m/(4 sqrt2 pi) beta^3: the same normalisation."""
    th, M = 0.01, 0.3
    for ml in (const.m_e, const.m_mu):
        eq16 = math.sin(th) ** 2 / math.sqrt(2) * const.G_F / (4 * math.pi) * M * ml**2 * (1 - 4 * ml**2 / M**2) ** 1.5
        assert dw.width_hprime_to_ll(M, ml, th) == pytest.approx(eq16, rel=1e-13)


def test_N_to_nu_hprime_scalar_width():
    """Derived scalar width (not seed 004 eq. 14 as printed, see docstring): Majorana S m (1-r)^2/(16 pi)."""
    m, mh, S = 0.3, 0.1, 2e-9
    r = (mh / m) ** 2
    assert dw.width_N_to_nu_hprime(m, mh, S, True) == pytest.approx(S * m * (1 - r) ** 2 / (16 * math.pi), rel=1e-12)
    assert dw.width_N_to_nu_hprime(m, mh, S, False) == pytest.approx(0.5 * S * m * (1 - r) ** 2 / (16 * math.pi), rel=1e-12)


def test_rho0_contact_limit_is_eq10():
    """Seed 004 eq. 10: N -> nu rho0 via a heavy Z', Majorana, f_rho = 210 MeV."""
    m, mz, gD, chi, c = 0.9, 100.0, 1.0, 1e-3, 1e-6
    G = const.f_rho * const.m_rho0 / math.sqrt(2) * gD * math.sqrt(c) * const.e_charge * const.cos_thetaW * chi / mz**2
    w = dw.width_F_to_F_vector(m, 0.0, const.m_rho0, G + 0j, -G + 0j)
    assert w == pytest.approx(dw.width_seed004_eq10(m, mz, c, chi, gD), rel=1e-3)  # contact: (m_rho/m_Z')^2 = 6e-5


# ------------------------------------------------------------------ thresholds, numerics, parity
def test_widths_vanish_at_threshold():
    assert dw.width_F_to_F_vector(0.3, 0.1, 0.2, 1 + 0j, 0j) == 0.0
    far = dw.width_F_to_F_vector(0.3, 0.1, 0.1, 1 + 0j, 0j)
    # s-wave opening: Gamma ~ p ~ sqrt(distance to threshold)
    assert dw.width_F_to_F_vector(0.3, 0.1, 0.2 - 1e-9, 1 + 0j, 0j) < 1e-3 * far
    r = dw.width_F_to_F_vector(0.3, 0.1, 0.2 - 1e-9, 1 + 0j, 0j) / dw.width_F_to_F_vector(0.3, 0.1, 0.2 - 1e-7, 1 + 0j, 0j)
    assert r == pytest.approx(0.1, rel=1e-3)
    assert dw.width_Zprime_to_ll(2 * const.m_mu, const.m_mu, 1e-3) == 0.0
    assert dw.width_Zprime_to_pipi(2 * const.m_pi_charged, 1e-3) == 0.0
    cL, cR = _z_lepton()
    nL = np.array([1 + 0j])
    m5 = 0.14
    far = _width_ll(m5, 0.08, const.m_e, nL, -nL, cL, cR, [const.m_Z], [0.0])
    near = _width_ll(m5, m5 - 2 * const.m_e - 1e-5, const.m_e, nL, -nL, cL, cR, [const.m_Z], [0.0])
    assert _width_ll(m5, m5 - 2 * const.m_e, const.m_e, nL, -nL, cL, cR, [const.m_Z], [0.0]) == 0.0
    assert 0.0 <= near < 1e-12 * far


def test_quadrature_converged_near_pole():
    """Doubling all Gauss-Legendre orders changes the width by < 1e-6, also with the Z' pole just above
    the Dalitz region (m_Z' = m_N + 1e-4 GeV, narrow width) where the panels are graded."""
    cL, cR = np.array([-0.01 + 0j]), np.array([-0.01 + 0j])
    nL = np.array([1e-3 + 0j])
    fine = tuple(np.polynomial.legendre.leggauss(n)[k] for n in (24, 20) for k in (0, 1))
    for mz, gz in ((1.25, 1e-3), (0.1001, 1e-9), (0.2, 0.0)):
        a = _width_ll(0.1, 0.0, const.m_e, nL, 0 * nL, cL, cR, [mz], [gz])
        b = _width_ll(0.1, 0.0, const.m_e, nL, 0 * nL, cL, cR, [mz], [gz], gl=fine)
        assert a == pytest.approx(b, rel=1e-6)


def test_jit_parity():
    """Jitted kernels vs their pure-Python versions (numba-stats test_njit idiom)."""
    cL, cR = _z_lepton()
    nL = np.array([0.3 + 0.1j])
    args = (0.2, 0.05, const.m_mu * 0.5, const.m_e, nL, -np.conj(nL), cL, cR, np.array([const.m_Z]), np.array([0.0]),
            np.array([0.01 + 0j]), np.array([const.m_W]), np.array([0.0]), *GL)
    py = getattr(tb.width_N_to_f_ll, "py_func", tb.width_N_to_f_ll)  # NUMBA_DISABLE_JIT=1 runs have no py_func
    assert tb.width_N_to_f_ll(*args) == pytest.approx(py(*args), rel=1e-12)
    f = numba.njit(lambda a, b, c, d, e: dw.width_F_to_F_vector(a, b, c, d, e))
    assert f(0.3, 0.1, 0.12, 0.2 + 0.1j, -0.2 + 0.1j) == pytest.approx(dw.width_F_to_F_vector(0.3, 0.1, 0.12, 0.2 + 0.1j, -0.2 + 0.1j), rel=1e-14)
    g = numba.njit(lambda s: dw.pion_form_factor_gs(s))
    assert g(0.6) == pytest.approx(dw.pion_form_factor_gs(0.6), rel=1e-14)


def test_pion_form_factor():
    """Gounaris-Sakurai: F(0) = 1 and |F(m_rho^2)|^2 ~ 30-45 (rho-only, no omega; PDG/CMD-2 peak ~ 40)."""
    assert dw.pion_form_factor_gs(0.0) == pytest.approx(1.0)
    assert 30 < abs(dw.pion_form_factor_gs(const.m_rho0**2)) ** 2 < 45


def test_ctau():
    assert dw.ctau0_cm(0.0) == math.inf
    assert dw.ctau0_cm(1.973269804e-14) == pytest.approx(1.0)


# ------------------------------------------------------------------ all-Majorana kernel
def test_majorana_spinor_spin_sums():
    """sum u ubar = pslash + m and sum v vbar = pslash - m for the helicity spinors of the kernel."""
    p = np.array([1.3, 0.3, -0.4, 0.5])
    m = math.sqrt(p[0] ** 2 - p[1:] @ p[1:])
    sl = sum(tb._METRIC[k] * p[k] * tb._G[k] for k in range(4))
    q = _pE(p)  # the spinors take (px, py, pz, E)
    Su = sum(np.outer(tb._u_spinor(q, m, lam), tb._u_spinor(q, m, lam).conj() @ tb._G[0]) for lam in (1, -1))
    Sv = sum(np.outer(tb._v_spinor(q, m, lam), tb._v_spinor(q, m, lam).conj() @ tb._G[0]) for lam in (1, -1))
    assert np.abs(Su - (sl + m * np.eye(4))).max() < 1e-14
    assert np.abs(Sv - (sl - m * np.eye(4))).max() < 1e-14


def test_majorana_kernel_three_identical_light_neutrinos():
    """N -> nu nu nu with one light Majorana state: the three-diagram Majorana amplitude with symmetry
    1/6 equals 2 x (Dirac-kernel nu nu nubar with the identical-particle 1/2): nu nu nubar + CP image.
    Checks the Denner fermion-flow signs (+, -, +) to machine precision."""
    m0, kap, tau = 0.2, 0.013 + 0.004j, 0.37
    V = np.zeros((1, 4, 4), complex)
    for k in (1, 2, 3):
        V[0, k, 0], V[0, 0, k] = kap, np.conj(kap)
        for n in (1, 2, 3):
            V[0, k, n] = tau
    mm, gm = np.array([const.m_Z]), np.array([0.0])
    wM = tb.width_majorana_three(np.array([m0, 0, 0, 0.0]), V, mm, gm, 1 / 6, *GL)
    wD = tb.width_N_to_nu_nu_nu(m0, np.array([kap * tau]), np.array([kap * tau]), mm, gm, *GL)
    assert wM == pytest.approx(2 * 0.5 * wD, rel=1e-9)


def test_majorana_kernel_single_diagram_vs_f_ll():
    """N_i -> N_j (X* -> pair) alone: the Majorana kernel equals width_N_to_f_ll with (V, -V^*) on the
    heavy line, summed over the two orderings of a massless pair; with a massive Majorana pair and a heavy
    mediator it equals f_ll with c_R = -c_L^* up to the q q/M^2 term the f_ll kernel drops (m^2/M^2 ~ 1e-6)."""
    m0, m1, Vb, t23 = 0.2, 0.05, 0.3 - 0.2j, 0.4 + 0.1j
    mm, gm = np.array([const.m_Z]), np.array([0.0])
    V = np.zeros((1, 4, 4), complex)
    V[0, 1, 0], V[0, 0, 1], V[0, 2, 3], V[0, 3, 2] = Vb, np.conj(Vb), t23, np.conj(t23)
    wM = tb.width_majorana_three(np.array([m0, m1, 0, 0.0]), V, mm, gm, 1.0, *GL)
    nL, nR = np.array([Vb]), np.array([-np.conj(Vb)])
    ref = sum(_width_ll(m0, m1, 0.0, nL, nR, np.array([c]), np.array([0j]), mm, gm) for c in (t23, np.conj(t23)))
    assert wM == pytest.approx(ref, rel=1e-10)
    m2, m3 = 0.03, 0.06
    wM = tb.width_majorana_three(np.array([m0, m1, m2, m3]), V, mm, gm, 1.0, *GL)
    ref = tb.width_N_to_f_ll(m0, m1, m2, m3, nL, nR, np.array([t23]), np.array([-np.conj(t23)]), mm, gm, *NO_T, *GL)
    assert wM == pytest.approx(ref, rel=1e-5)


def test_majorana_polarised_batch_matches_f_ll_and_is_rotation_invariant():
    """Polarised |M|^2 of the Majorana kernel (spin axis handled by rotating the event) equals the
    analytic polarised f_ll |M|^2 in the single-diagram configuration (both orderings of the massless
    pair), and is invariant under a common rotation of momenta and polarisation."""
    rng = np.random.default_rng(7)
    m0, m1 = 0.2, 0.05
    Vb, t23 = 0.3 - 0.2j, 0.4 + 0.1j
    mm, gm = np.array([const.m_Z]), np.array([0.0])
    V = np.zeros((1, 4, 4), complex)
    V[0, 1, 0], V[0, 0, 1], V[0, 2, 3], V[0, 3, 2] = Vb, np.conj(Vb), t23, np.conj(t23)
    masses = np.array([m0, m1, 0.0, 0.0])

    def gen_order(p):  # (E, px, py, pz) -> (px, py, pz, E), shape (1, 4)
        return np.array([[p[1], p[2], p[3], p[0]]])

    for _ in range(3):
        pf, p1, p2 = _random_three_body(rng, m0, m1, 0.0, 0.0)
        q1, q2, q3 = gen_order(pf), gen_order(p1), gen_order(p2)
        n = rng.normal(size=3)
        s = (0.7 * n / np.linalg.norm(n))[None, :]
        maj = tb.msq_majorana_three_batch(q1, q2, q3, s, masses, V, mm, gm)[0]
        nL, nR, z = np.array([Vb]), np.array([-np.conj(Vb)]), np.array([0j])
        fll = (tb.msq_f_ll_batch(q1, q2, q3, s, m0, m1, 0.0, 0.0, nL, nR, np.array([t23]), z, mm, gm, *NO_T)[0]
               + tb.msq_f_ll_batch(q1, q3, q2, s, m0, m1, 0.0, 0.0, nL, nR, np.array([np.conj(t23)]), z, mm, gm, *NO_T)[0])
        assert maj == pytest.approx(fll, rel=1e-9)
        # common rotation
        A = np.linalg.qr(rng.normal(size=(3, 3)))[0]
        if np.linalg.det(A) < 0:
            A[:, 0] *= -1

        def rot(q):
            return np.c_[q[:, :3] @ A.T, q[:, 3:]]

        maj_r = tb.msq_majorana_three_batch(rot(q1), rot(q2), rot(q3), s @ A.T, masses, V, mm, gm)[0]
        assert maj_r == pytest.approx(maj, rel=1e-9)


def test_t_channel_term_is_the_exchange_diagram():
    """The LL t-channel term of the f l l kernel with Z'/Z masses reproduces the exchange diagram of the
    nu nu nubar kernel (massless f): C_LL = alpha D(s23) + beta D(s13) in both (validates its use for the
    Dirac N_i -> N_j nu nubar exchange diagram)."""
    m0 = 0.3
    mm, gm = np.array([0.5, const.m_Z]), np.array([0.01, 0.0])
    alpha, beta = np.array([0.2 + 0.1j, 0.01]), np.array([-0.05 + 0.3j, 0.02j])
    ref = tb.width_N_to_nu_nu_nu(m0, alpha, beta, mm, gm, *GL)
    one = np.ones(2, complex)
    w = tb.width_N_to_f_ll(m0, 0.0, 0.0, 0.0, alpha, 0 * alpha, one, 0 * one, mm, gm, beta, mm, gm, *GL)
    assert w == pytest.approx(ref, rel=1e-6)
