"""Hadronic channels of N (l P, l V, nu P0, nu V0) and h' (gamma gamma, pi pi, K K, q qbar, g g).

Closed forms are written out here with literal numbers and their source, independently of the
vertex machinery of physics.decay_widths (which builds every width from chiral couplings A, B).
"""

import math

import pytest

from physics import constants as const
from physics import decay_widths as dw
from physics.decay_table import decay_table, hprime_hadronic_warning
from physics.kinematics import kallen
from physics.model import model_from_phenomenological

GF = 1.1663788e-5  # GeV^-2, PDG 2024
S2 = 1.0 - (80.3692 / 91.1880) ** 2  # on-shell s_W^2 (physics.constants)
HADRONS = ("pi+", "pi-", "pi0", "K+", "K-", "rho+", "rho-", "K*+", "K*-", "eta", "etaprime", "rho0", "omega", "phi")


def _mu_model(m4, hnl_type="dirac", U2=1e-6, **kw):
    """N4 mixing with nu_mu only; the Z' decoupled (heavy, tiny couplings) unless overridden."""
    p = dict(hnl_type=hnl_type, m4=m4, mzprime=50.0, Umu4=math.sqrt(U2), UD4=0.0, gD=1e-6, chi=1e-9)
    p.update(kw)
    return model_from_phenomenological(p)


def _w(particle, final_state):
    return sum(c.width_GeV for c in particle.channels if c.final_state == final_state)


def _w_any(particle, meson):
    """Width summed over channels containing ``meson`` (all light flavours, nu and nubar)."""
    return sum(c.width_GeV for c in particle.channels if meson in c.daughters)


# ------------------------------------------------------------------ charged current: l P, l V
def _bondarenko_lP(m, ml, mP, f, V, U2):
    """arXiv:1805.08567 eq. (3.6): G_F^2 f^2 |V|^2 |U|^2 m^3/(16 pi) [(1-xl^2)^2 - xP^2 (1+xl^2)] lambda^1/2."""
    xl2, xp2 = (ml / m) ** 2, (mP / m) ** 2
    return GF**2 * f**2 * V**2 * U2 * m**3 / (16 * math.pi) * ((1 - xl2) ** 2 - xp2 * (1 + xl2)) * math.sqrt(kallen(1, xl2, xp2))


def _bondarenko_lV(m, ml, mV, f, V, U2):
    """arXiv:1805.08567 (charged vector meson, g_V = f_V m_V):
    G_F^2 f^2 |V|^2 |U|^2 m^3/(16 pi) [(1-xl^2)^2 + xV^2 (1+xl^2) - 2 xV^4] lambda^1/2."""
    xl2, xv2 = (ml / m) ** 2, (mV / m) ** 2
    return GF**2 * f**2 * V**2 * U2 * m**3 / (16 * math.pi) * ((1 - xl2) ** 2 + xv2 * (1 + xl2) - 2 * xv2**2) * math.sqrt(kallen(1, xl2, xv2))


def test_N_to_l_K_and_l_Kstar_and_l_rho_closed_forms():
    """Decay-table widths of N -> mu- K+, mu- K*+, mu- rho+, e- rho+ against 1805.08567's closed forms with
    the literal inputs f_K = 155.7 MeV (PDG 2024 leptonic-decay review), f_K* = 205.7 MeV (from tau -> K* nu,
    see below), f_rho+ = 210 MeV, |V_us| = 0.22431, |V_ud| = 0.97367, masses PDG 2024. Tolerance 1e-9:
    the only difference is the route (chiral vertices vs closed form), i.e. rounding."""
    m, U2 = 1.4, 1e-6
    N = decay_table(_mu_model(m, U2=U2))["N4"]
    assert _w(N, "mu- K+") == pytest.approx(_bondarenko_lP(m, 0.1056583755, 0.493677, 0.1557, 0.22431, U2), rel=1e-9)
    assert _w(N, "mu- pi+") == pytest.approx(_bondarenko_lP(m, 0.1056583755, 0.13957039, 0.1302, 0.97367, U2), rel=1e-9)
    assert _w(N, "mu- K*+") == pytest.approx(_bondarenko_lV(m, 0.1056583755, 0.89167, 0.2057, 0.22431, U2), rel=1e-9)
    assert _w(N, "mu- rho+") == pytest.approx(_bondarenko_lV(m, 0.1056583755, 0.77511, 0.210, 0.97367, U2), rel=1e-9)
    # a numerical anchor: Gamma(N -> mu- rho+)/|U|^2 at 1.4 GeV = 2.3507e-13 GeV (the closed form
    # evaluated once, pinned against accidental edits of the constants)
    assert _w(N, "mu- rho+") / U2 == pytest.approx(2.3507e-13, rel=1e-4)
    e_model = model_from_phenomenological(dict(hnl_type="dirac", m4=m, mzprime=50.0, Ue4=1e-3, UD4=0.0, gD=1e-6, chi=1e-9))
    Ne = decay_table(e_model)["N4"]
    assert _w(Ne, "e- rho+") == pytest.approx(_bondarenko_lV(m, 0.51099895e-3, 0.77511, 0.210, 0.97367, 1e-6), rel=1e-9)


def test_vector_decay_constants_from_pdg_data():
    """f_omega, f_phi from Gamma(V -> e+e-) = 4 pi alpha^2 c_V^2 f_V^2/(3 m_V) (c^2 = 1/18, 1/9) and f_K* from
    Gamma(tau -> K* nu) = G_F^2 |V_us|^2 f^2 m_tau^3 (1-x)^2 (1+2x)/(16 pi), PDG 2024 inputs; the constants
    are rounded to 4 digits (tolerance 5e-4)."""
    a = 1 / 137.035999084
    f_om = math.sqrt(3 * 0.78266 * 7.38e-5 * 8.68e-3 / (4 * math.pi * a * a / 18))
    f_ph = math.sqrt(3 * 1.019461 * 2.979e-4 * 4.249e-3 / (4 * math.pi * a * a / 9))
    assert const.f_omega == pytest.approx(f_om, rel=5e-4)
    assert const.f_phi == pytest.approx(f_ph, rel=5e-4)
    G_tau = 6.582119569e-25 / 290.3e-15
    x = (0.89167 / 1.77693) ** 2
    f_ks = math.sqrt(0.0120 * G_tau / (GF**2 * 0.22431**2 * 1.77693**3 / (16 * math.pi) * (1 - x) ** 2 * (1 + 2 * x)))
    assert const.f_Kstar == pytest.approx(f_ks, rel=5e-4)
    # the values we recall from 1805.08567 (0.195, 0.229 GeV) are within 3.5 % of ours
    assert const.f_omega == pytest.approx(0.195, rel=0.035) and const.f_phi == pytest.approx(0.229, rel=0.01)


def test_eta_decay_constants_match_fks_mixing():
    """1805.08567's f_eta = 81.7 MeV, f_eta' = -94.7 MeV are the Z axial-current constants of the
    Feldmann-Kroll-Stech scheme (hep-ph/9802409: f_s = 1.34 f_pi, phi = 39.3 deg): only the s sbar component
    couples (the u, d singlet cancels in T3), f_eta = f_s sin(phi)/sqrt2, f_eta' = -f_s cos(phi)/sqrt2 =
    78.1 and -95.5 MeV; agreement within 5 % (the FKS parameters' own errors are ~3-5 %)."""
    fs, phi = 1.34 * 0.1302, math.radians(39.3)
    assert const.f_eta == pytest.approx(fs * math.sin(phi) / math.sqrt(2), rel=0.05)
    assert const.f_etaprime == pytest.approx(-fs * math.cos(phi) / math.sqrt(2), rel=0.05)


# ------------------------------------------------------------------ neutral current: nu P0, nu V0
def test_N_to_nu_eta_etaprime_closed_form():
    """Gamma(N -> nu eta) = G_F^2 f_eta^2 m^3 |U|^2 (1 - x^2)^2/(32 pi) (1805.08567, neutral pseudoscalar; Dirac),
    summed over light flavours, which carries the factor P_mumu = 1 - |U_mu4|^2. Majorana: twice (nu + nubar)."""
    m, U2 = 1.6, 1e-6
    for meson, mP, f in (("eta", 0.547862, 0.0817), ("etaprime", 0.95778, -0.0947)):
        closed = GF**2 * f**2 * m**3 * U2 * (1 - U2) * (1 - (mP / m) ** 2) ** 2 / (32 * math.pi)
        D = decay_table(_mu_model(m, U2=U2))["N4"]
        M = decay_table(_mu_model(m, "majorana", U2=U2))["N4"]
        assert _w_any(D, meson) == pytest.approx(closed, rel=1e-9)
        assert _w_any(M, meson) == pytest.approx(2 * closed, rel=1e-9)
        assert _w(M, "numu " + meson) == pytest.approx(_w(M, "numubar " + meson), rel=1e-12)


def _nu_vector_closed(m, mV, f, kappa, U2):
    """Gamma(N -> nu V) via the Z, Dirac: G_F^2 kappa^2 f^2 |U|^2 m^3 (1-y)^2 (1+2y)/(32 pi), y = m_V^2/m^2
    (1805.08567's neutral vector formula with g_V = f_V m_V)."""
    y = (mV / m) ** 2
    return GF**2 * kappa**2 * f**2 * U2 * m**3 * (1 - y) ** 2 * (1 + 2 * y) / (32 * math.pi)


def test_N_to_nu_rho_omega_phi_through_the_Z():
    """Z only (Z' decoupled): kappa from the quark content of each meson with the Z vector couplings
    g_V^q = T3/2 - Q s_W^2 (validation/notes_decay_widths.md): rho0 1 - 2 s_W^2 (as 1805.08567),
    omega -(2/3) s_W^2, phi -(1 - 4/3 s_W^2)/sqrt2. 1805.08567 prints kappa_omega = 4/3 s_W^2 and
    kappa_phi = 4/3 s_W^2 - 1: with decay constants normalised by V -> e+e- (c_V^2 = 1/18, 1/9, the standard
    9:1:2) our omega width is 1/4 and our phi width 1/2 of theirs; the quark-content derivation is the one
    that reproduces the e+e- ratios, so we keep it. The Z propagator at m_V^2 instead of 0 adds
    (m_V/m_Z)^2 ~ 1e-4: tolerance 3e-4."""
    m, U2 = 1.8, 1e-6
    N = decay_table(_mu_model(m, U2=U2))["N4"]
    for meson, mV, f, kappa in (("rho0", 0.77526, 0.210, 1 - 2 * S2), ("omega", 0.78266, 0.2011, -2 / 3 * S2),
                                ("phi", 1.019461, 0.2282, -(1 - 4 / 3 * S2) / math.sqrt(2))):
        assert _w_any(N, meson) == pytest.approx(_nu_vector_closed(m, mV, f, kappa, U2 * (1 - U2)), rel=3e-4), meson


def test_N_to_nu_omega_phi_through_the_zprime():
    """Z' only (no active mixing, U_D4 = 0.6): the Z' couples to the quark e.m. current e eps Q_q, so
    <omega|J_em|0> = f m/(3 sqrt2) and <phi|J_em|0> = -f m/3: these channels are seed 004 eq. (10)'s rho0
    width with f_rho^2 -> f_V^2/9 (omega) and 2 f_V^2/9 (phi), the contact 1/m_Z'^4 replaced by the propagator
    1/(m_Z'^2 - m_V^2)^2 (written out here; the Z' width is ~1e-7 m_Z', negligible). Majorana:
    Gamma = |U_D4|^2 P_DD (e eps g_D)^2 c^2 f^2 m^3 (1-y)^2 (1/2 + y)/(8 pi (M^2 - m_V^2)^2) with c^2 = 1/2 for
    rho0, and the rho0 check ties the formula to eq. (10) itself at M >> m_V."""
    m, M, gD, chi, UD2 = 1.5, 3.0, 0.3, 1e-3, 0.36
    model = model_from_phenomenological(dict(hnl_type="majorana", m4=m, mzprime=M, UD4=math.sqrt(UD2), gD=gD, chi=chi))
    N = decay_table(model)["N4"]
    e_eps = const.e_charge * model.epsilon
    for meson, mV, f, c2 in (("rho0", const.m_rho0, const.f_rho, 0.5), ("omega", const.m_omega, const.f_omega, 1 / 18),
                             ("phi", const.m_phi, const.f_phi, 1 / 9)):
        y = (mV / m) ** 2
        closed = UD2 * (1 - UD2) * (e_eps * gD) ** 2 * c2 * f**2 * m**3 * (1 - y) ** 2 * (0.5 + y) / (8 * math.pi * (M * M - mV * mV) ** 2)
        assert _w_any(N, meson) == pytest.approx(closed, rel=1e-5), meson
    # seed 004 eq. (10) (contact Z', Majorana, f_rho = 210 MeV) at a heavy Z' (m_V^2/M^2 = 6e-4 -> 1.2e-3 in the rate)
    heavy = model_from_phenomenological(dict(hnl_type="majorana", m4=m, mzprime=30.0, UD4=math.sqrt(UD2), gD=gD, chi=chi))
    eq10 = dw.width_seed004_eq10(m, 30.0, UD2 * (1 - UD2), chi, gD)
    assert _w_any(decay_table(heavy)["N4"], "rho0") == pytest.approx(eq10, rel=2e-3)


def test_N_j_meson_channels():
    """N5 -> N4 eta and N5 -> N4 omega open when m5 > m4 + m_meson and vanish below (width 0, not listed)."""
    p = dict(hnl_type="majorana", m4=0.3, m5=1.2, mzprime=2.0, Umu4=1e-3, Umu5=1e-3, UD4=0.5, UD5=0.6, gD=0.5, chi=1e-3)
    t = decay_table(model_from_phenomenological(p))
    fs = {c.final_state for c in t["N5"].channels}
    assert {"N4 eta", "N4 omega", "N4 rho0", "N4 pi0"} <= fs
    assert "N4 phi" not in fs and "N4 etaprime" not in fs  # 0.3 + 0.958 and 0.3 + 1.019 > 1.2


# ------------------------------------------------------------------ thresholds, Dirac/Majorana, BR sums
def test_thresholds_open_continuously():
    """Below threshold the width is 0; just above it goes to 0 continuously (p-wave-like lambda^1/2 factor):
    at 1e-6 GeV above threshold the width is < 1e-2 of its value 0.1 GeV above."""
    ml, mK, mKs = const.m_mu, const.m_K_charged, const.m_Kstar_charged
    for f, thr in ((lambda m: dw.width_N_to_lminus_Pplus(m, ml, mK, const.f_K, const.V_us, 1.0), ml + mK),
                   (lambda m: dw.width_N_to_lminus_Vplus(m, ml, mKs, const.f_Kstar, const.V_us, 1.0), ml + mKs),
                   (lambda m: dw.width_hprime_to_PP_chiral(m, mK, 0.1, False), 2 * mK),
                   (lambda m: dw.width_hprime_to_qq(m, const.m_c_quark, 2 * const.m_D0, 0.1), 2 * const.m_D0)):
        assert f(thr - 1e-9) == 0.0 and f(thr) == 0.0
        assert 0.0 < f(thr + 1e-6) < 1e-2 * f(thr + 0.1)
    # decay table: nu phi absent below m_phi, present above
    below = decay_table(_mu_model(1.01))["N4"]
    above = decay_table(_mu_model(1.03))["N4"]
    assert _w_any(below, "phi") == 0.0 and _w_any(above, "phi") > 0.0


def test_majorana_charge_conjugate_modes_and_asymmetries():
    """A Majorana N has l+ P- and l+ V- with the l- P+ widths and opposite asymmetry; its total into each
    neutral meson is twice the Dirac one (nu and nubar halves with opposite asymmetries)."""
    m = 1.5
    D = decay_table(_mu_model(m))["N4"]
    M = decay_table(_mu_model(m, "majorana"))["N4"]
    for lm, lp in (("mu- K+", "mu+ K-"), ("mu- rho+", "mu+ rho-"), ("mu- K*+", "mu+ K*-")):
        cm_, cp = next(c for c in M.channels if c.final_state == lm), next(c for c in M.channels if c.final_state == lp)
        assert cm_.width_GeV == pytest.approx(cp.width_GeV, rel=1e-12) and cm_.asymmetry == pytest.approx(-cp.asymmetry, abs=1e-12)
        assert _w(D, lm) == pytest.approx(cm_.width_GeV, rel=1e-12) and _w(D, lp) == 0.0
    for meson in ("eta", "etaprime", "omega", "phi", "rho0"):
        assert _w_any(M, meson) == pytest.approx(2 * _w_any(D, meson), rel=1e-9), meson
        a = next(c for c in M.channels if c.final_state == "numu " + meson).asymmetry
        abar = next(c for c in M.channels if c.final_state == "numubar " + meson).asymmetry
        assert a == pytest.approx(-abar, abs=1e-12) and abs(a) > 0
    # l- V+ asymmetry: left-handed lepton current, massless-lepton limit -(1 - 2r)/(1 + 2r), r = m_V^2/m^2
    a_e = dw.asymmetry_F_to_F_vector(m, 0.0, const.m_rho_charged, 1.0 + 0j, 0j)
    r = (const.m_rho_charged / m) ** 2
    assert a_e == pytest.approx(-(1 - 2 * r) / (1 + 2 * r), rel=1e-12)


def test_branching_ratios_sum_to_one_heavy_states():
    """BR sums to 1 and every daughter has a PDG code and an SM mass (generator adapter) for a heavy
    Majorana N with a Z' and h' where all new channels are open."""
    from gen.core.decay_adapter import SM_MASSES
    from physics.pdg import pdg_code

    p = dict(hnl_type="majorana", m4=0.4, m5=1.9, mzprime=1.25, mhprime=4.0, Umu4=1e-3, Umu5=1e-3, Ue5=1e-3, UD4=0.5, UD5=0.6,
             gD=0.5, chi=1e-3, yN=0.1, theta=0.05)  # m_h' = 4 GeV > 2 m_D0
    t = decay_table(model_from_phenomenological(p))
    for part in t.values():
        assert sum(c.br for c in part.channels) == pytest.approx(1.0, rel=1e-12)
        for c in part.channels:
            for d in c.daughters:
                pdg_code(d)
                assert d in SM_MASSES or d.removesuffix("bar") in t, d
    fs = {c.final_state for c in t["N5"].channels}
    assert {"mu- K+", "e- K*+", "mu+ rho-", "numu eta", "numu etaprime", "numu omega", "numu phi", "N4 eta", "N4 omega"} <= fs
    assert {"s sbar", "c cbar", "g g", "gamma gamma"} <= {c.final_state for c in t["hprime"].channels}


def test_exclusive_hadronic_vs_inclusive_quark_level():
    """Sum of the exclusive hadronic N widths vs the tree-level inclusive quark width (1805.08567 sec. 3.3
    compares them): CC N -> mu u dbar, u sbar = 3 (|V_ud|^2 + |V_us|^2) G_F^2 m^5 |U|^2/(192 pi^3), NC
    N -> nu q qbar = 3 sum_q (g_L^2 + g_R^2) G_F^2 m^5 |U|^2 (1 - |U|^2)/(192 pi^3), massless u, d, s, Dirac N.
    Measured ratios exclusive/inclusive: 1.06 (1.0 GeV), 0.85 (1.5 GeV), 0.54 (2.0 GeV): the exclusive sum
    falls behind as multi-meson and charm channels open (1805.08567 sec. 3.3 makes the same point). Required: within a factor 2."""
    expected = {1.0: 1.06, 1.5: 0.85, 2.0: 0.54}
    for m, r_exp in expected.items():
        U2 = 1e-6
        N = decay_table(_mu_model(m, U2=U2))["N4"]
        exc = sum(c.width_GeV for c in N.channels if any(x in c.daughters for x in HADRONS))
        base = GF**2 * m**5 * U2 / (192 * math.pi**3)

        def gl2(T3, Q):
            return (T3 - Q * S2) ** 2 + (Q * S2) ** 2

        inc = 3 * (0.97367**2 + 0.22431**2) * base + 3 * (gl2(0.5, 2 / 3) + 2 * gl2(-0.5, -1 / 3)) * base * (1 - U2)
        assert 0.5 < exc / inc < 2.0
        assert exc / inc == pytest.approx(r_exp, abs=0.01)


# ------------------------------------------------------------------ h' -> hadrons, photons
def test_hprime_chiral_pipi_closed_form():
    """pi+pi- + pi0pi0 at LO chiral = 3 sin^2(theta) m^3 beta (2/9 + 11/9 m_pi^2/m^2)^2/(32 pi v^2)
    (arXiv:0912.0390 sec. 3, Voloshin 1986), equal pion masses; K+K- is 2x the pi0pi0 form with m_K."""
    th, v = 0.01, 246.21965
    for m in (0.3, 0.6, 0.9):
        mp = 0.13957039
        beta = math.sqrt(1 - 4 * mp * mp / m / m)
        closed = 3 * math.sin(th) ** 2 * m**3 * beta * (2 / 9 + 11 / 9 * mp * mp / m / m) ** 2 / (32 * math.pi * v * v)
        ours = dw.width_hprime_to_PP_chiral(m, mp, th, False) + dw.width_hprime_to_PP_chiral(m, mp, th, True)
        assert ours == pytest.approx(closed, rel=1e-5)  # v = (sqrt2 G_F)^-1/2 = 246.2197 GeV


def test_hprime_loop_functions_and_partonic_widths():
    """Loop amplitudes: heavy fermion A_1/2 -> 4/3, heavy W A_1 -> -7 (hep-ph/0503172); the SM Higgs
    (theta = pi/2, 125.2 GeV) LO gamma gamma width 9.36e-6 GeV (|A|^2 = 43.1; the NNLO SM value is
    9.4e-6 [LHCHXSWG], so 1 %); q qbar is the mu mu width times 3 m_q^2/m_mu^2 (beta_2mK/beta_mu)^3 (1 + 17/3 alpha_s/pi)."""
    assert dw._A_half(1e-6).real == pytest.approx(4 / 3, rel=1e-5)
    assert dw._A_one(1e-6).real == pytest.approx(-7.0, rel=1e-5)
    assert dw.width_hprime_to_gammagamma(125.2, math.pi / 2) == pytest.approx(9.4e-6, rel=0.02)
    m, th = 3.0, 0.02
    a_s = dw.alpha_s_one_loop(m)
    bq = math.sqrt(1 - 4 * const.m_K_charged**2 / m**2) ** 3  # beta at the hadron threshold 2 m_K
    bmu = math.sqrt(1 - 4 * const.m_mu**2 / m**2) ** 3
    ratio = dw.width_hprime_to_qq(m, const.m_s_quark, 2 * const.m_K_charged, th) / dw.width_hprime_to_ll(m, const.m_mu, th)
    assert ratio == pytest.approx(3 * const.m_s_quark**2 / const.m_mu**2 * bq / bmu * (1 + 17 / 3 * a_s / math.pi), rel=1e-12)
    # alpha_s: one loop from 0.118 at m_Z is 0.27 at 2 GeV (four-loop 0.30, PDG): within 15 %
    assert dw.alpha_s_one_loop(const.m_Z) == pytest.approx(0.118, rel=1e-12)
    assert dw.alpha_s_one_loop(2.0) == pytest.approx(0.30, rel=0.15)


def test_hprime_blend_scheme_and_warning():
    """Chiral below 1 GeV, partonic above 2 GeV, linear blend between (weights sum to 1, continuous at the
    edges); the warning is raised for 0.5 < m_h' < 2.5 GeV only and lands in ParticleDecays.notes."""
    assert dw.hprime_hadronic_blend(0.9) == (1.0, 0.0) and dw.hprime_hadronic_blend(2.1) == (0.0, 1.0)
    w1, w2 = dw.hprime_hadronic_blend(1.25)
    assert w1 == pytest.approx(0.75) and w1 + w2 == pytest.approx(1.0)
    assert hprime_hadronic_warning(0.3) is None and hprime_hadronic_warning(3.0) is None
    assert "uncertain" in hprime_hadronic_warning(1.2)

    def table(mh):
        p = dict(hnl_type="majorana", m4=0.3, mzprime=0.1, mhprime=mh, Umu4=1e-3, UD4=0.8, gD=0.1, chi=1e-4, theta=1e-3)
        return decay_table(model_from_phenomenological(p))["hprime"]

    for edge in (1.0, 2.0):
        assert table(edge - 1e-7).width_GeV == pytest.approx(table(edge + 1e-7).width_GeV, rel=1e-5)
    assert any("uncertain" in n for n in table(1.2).notes) and not table(3.0).notes



def test_jit_parity():
    """The new widths are numba-callable (STYLE.md sec. 4): compiled and pure-Python results agree exactly."""
    import numba

    @numba.njit
    def widths(m):
        return (dw.width_hprime_to_gammagamma(m, 0.1), dw.width_hprime_to_gg(m, 0.1), dw.width_hprime_to_qq(m, 0.0935, 0.99, 0.1),
                dw.width_hprime_to_PP_chiral(m, 0.1396, 0.1, True), dw.width_N_to_lminus_Vplus(m, 0.1057, 0.775, 0.21, 0.97, 1e-6),
                dw.width_N_to_lminus_Pplus(m, 0.1057, 0.4937, 0.1557, 0.224, 1e-6), dw.hprime_hadronic_blend(m)[1], dw.alpha_s_one_loop(m))

    for m in (0.8, 1.5, 3.0, 12.0):
        assert widths(m) == pytest.approx(widths.py_func(m), rel=1e-13, abs=0.0)
