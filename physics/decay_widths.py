"""Two-body decay widths of N4..N6, Z' and h' (scalar, numba-callable formulas, GeV).

Every width here is written once as a ``@jitable`` function of masses (GeV) and complex vertex
coefficients, so the event generator can call the same code from kernels. The three-body widths
(N -> nu l+ l-, N -> N' l+ l-, N -> nu nu nu) live in ``physics.three_body``; the full table built
from a ``DarkSectorModel`` is ``physics.decay_table``.

Vertex conventions (all derived in ``validation/notes_decay_widths.md``)
-----------------------------------------------------------------------
A fermion transition f_i -> f_f + boson is written ``ubar_f Gamma (A P_L + B P_R) u_i`` with
complex A, B; the same coefficients describe boson -> f1 f2 with ``ubar_1 Gamma (A P_L + B P_R) v_2``.

* Vector (Gamma = gamma^mu): a Dirac fermion with the chiral coupling V nubar gamma^mu P_L N has
  (A, B) = (V, 0); a Majorana pair has (A, B) = (V, -V^*) because
  nubar_i gamma^mu P_L nu_j = -nubar_j gamma^mu P_R nu_i for Majorana fields.
* Scalar (Gamma = 1): the Weyl Yukawa -(1/2) Y_ij phi nu_i nu_j + h.c. gives (A, B) = (Y, Y^*) for
  Majorana fermions. For ``hnl_type = "dirac"`` we keep only the A = Y chirality (B = 0): a Dirac
  N has no N nu_D^c Yukawa of its own, and this choice makes N -> nu h' exactly half the Majorana
  rate, as for every other channel (a documented convention, not a derivation).

Dirac versus Majorana. For a massless daughter (light nu) the two chiralities do not interfere and
a Majorana N decays to nu and to nubar with equal rates: every Majorana width into a light neutrino
is twice the Dirac one (seed 004, text below eq. 13). Between two heavy Majorana states the term
proportional to m_i m_f Re(A B^*) keeps the relative CP parity of the two states (real mixing, as
model_from_phenomenological builds, gives the form of seed 004 eq. 11).

References
----------
arXiv:1903.07589 (seed 004) eq. 8-16; arXiv:1807.09877 (seed 003) eq. 3-5; arXiv:0901.3589 and
arXiv:1805.08567 (meson channels); G. J. Gounaris and J. J. Sakurai, PRL 21 (1968) 244 (pion form
factor); h' -> hadrons, photons: M. B. Voloshin, Sov. J. Nucl. Phys. 44 (1986) 478, arXiv:0912.0390,
arXiv:1809.01876 (LO chiral, its uncertainty), arXiv:hep-ph/0503172 (loops, partonic widths).
"""

import math

from physics import constants as const
from physics._jit import jitable
from physics.kinematics import kallen, two_body_momentum
from physics.units import hbarc

__all__ = [
    "width_F_to_F_vector",
    "width_F_to_F_scalar",
    "width_F_to_F_pseudoscalar_meson",
    "asymmetry_F_to_F_vector",
    "asymmetry_F_to_F_scalar",
    "asymmetry_F_to_F_pseudoscalar_meson",
    "width_V_to_FF",
    "width_S_to_FF",
    "width_N_to_nu_Zprime",
    "width_N_to_nu_hprime",
    "width_N_to_nu_pi0",
    "width_N_to_lminus_piplus",
    "width_N_to_lminus_Pplus",
    "width_N_to_lminus_Vplus",
    "width_hprime_to_gammagamma",
    "width_hprime_to_PP_chiral",
    "hprime_hadronic_blend",
    "HPRIME_CHIRAL_MAX_GEV",
    "HPRIME_PQCD_MIN_GEV",
    "HPRIME_UNCERTAIN_GEV",
    "width_hprime_to_qq",
    "width_hprime_to_gg",
    "alpha_s_one_loop",
    "width_Zprime_to_ll",
    "width_Zprime_to_nunu",
    "width_Zprime_to_pipi",
    "pion_form_factor_gs",
    "width_hprime_to_ll",
    "width_hprime_to_ZpZp",
    "F_seed004",
    "width_seed004_eq8",
    "width_seed004_eq9",
    "width_seed004_eq10",
    "width_seed004_eq13",
    "width_seed004_eq15",
    "width_bertuzzo_N_to_nu_Zprime",
    "width_bertuzzo_Zprime_to_ee",
    "width_bertuzzo_Zprime_to_nunu",
    "ctau0_cm",
]


# ------------------------------------------------------------------------------ generic 2-body
@jitable
def width_F_to_F_vector(m_i, m_f, m_V, A, B):
    """Width of f_i -> f_f V for the vertex ubar_f gamma^mu (A P_L + B P_R) u_i, massive vector V.

    Spin-summed |M|^2 (summed over all spins, polarisation sum -g + k k / m_V^2):

        (|A|^2 + |B|^2) [m_i^2 + m_f^2 - 2 m_V^2 + (m_i^2 - m_f^2)^2 / m_V^2] - 12 m_i m_f Re(A B^*)

    Parameters
    ----------
    m_i, m_f, m_V : float
        Parent, fermion daughter and vector masses (GeV).
    A, B : complex
        Chiral coefficients of the vertex (see module docstring for Dirac / Majorana).

    Returns
    -------
    float
        Width in GeV (0 below threshold). Spin-averaged over the parent.
    """
    if m_i <= m_f + m_V:
        return 0.0
    p = two_body_momentum(m_i, m_f, m_V)
    aa = abs(A) ** 2 + abs(B) ** 2
    re = (A * B.conjugate()).real
    msq = aa * (m_i**2 + m_f**2 - 2.0 * m_V**2 + (m_i**2 - m_f**2) ** 2 / m_V**2) - 12.0 * m_i * m_f * re
    return max(p / (8.0 * math.pi * m_i**2) * 0.5 * msq, 0.0)


@jitable
def width_F_to_F_scalar(m_i, m_f, m_S, A, B):
    """Width of f_i -> f_f S for the vertex ubar_f (A P_L + B P_R) u_i (GeV).

    Spin-summed |M|^2 = (|A|^2 + |B|^2)(m_i^2 + m_f^2 - m_S^2) + 4 m_i m_f Re(A B^*).
    """
    if m_i <= m_f + m_S:
        return 0.0
    p = two_body_momentum(m_i, m_f, m_S)
    aa = abs(A) ** 2 + abs(B) ** 2
    re = (A * B.conjugate()).real
    msq = aa * (m_i**2 + m_f**2 - m_S**2) + 4.0 * m_i * m_f * re
    return max(p / (8.0 * math.pi * m_i**2) * 0.5 * msq, 0.0)


@jitable
def width_F_to_F_pseudoscalar_meson(m_i, m_f, m_P, A, B, G):
    """Width of f_i -> f_f P through an axial current, amplitude G ubar_f pslash_P (A P_L + B P_R) u_i.

    With pslash_P = pslash_i - pslash_f the amplitude is a scalar vertex with
    A' = G (m_i B - m_f A) and B' = G (m_i A - m_f B) (``width_F_to_F_scalar``).
    """
    return width_F_to_F_scalar(m_i, m_f, m_P, G * (m_i * B - m_f * A), G * (m_i * A - m_f * B))


@jitable
def asymmetry_F_to_F_vector(m_i, m_f, m_V, A, B):
    """Asymmetry a of dGamma/dcos = Gamma (1 + a P cos)/2 of the fermion daughter about the parent spin.

    From the polarised |M|^2 (u ubar = (p + m)(1 + g5 s)/2): the |A|^2 (|B|^2) term sees
    K = P - m s (P + m s); a = (|A|^2 - |B|^2) 2 m p (1 - 2 k.p_f/m_V^2) / [spin-summed |M|^2].
    Left-handed massless daughter (B = 0): a = -(1 - 2r)/(1 + 2r), r = m_V^2/m_i^2.
    """
    if m_i <= m_f + m_V:
        return 0.0
    p = two_body_momentum(m_i, m_f, m_V)
    Ef = (m_i**2 + m_f**2 - m_V**2) / (2.0 * m_i)
    Ek = m_i - Ef
    kpf = 0.5 * (m_i**2 - m_f**2 - m_V**2)
    aa = abs(A) ** 2 + abs(B) ** 2
    re = (A * B.conjugate()).real
    den = aa * (2.0 * m_i * Ef + 4.0 * kpf * m_i * Ek / m_V**2) - 12.0 * m_i * m_f * re
    if den <= 0.0:
        return 0.0
    return (abs(A) ** 2 - abs(B) ** 2) * 2.0 * m_i * p * (1.0 - 2.0 * kpf / m_V**2) / den


@jitable
def asymmetry_F_to_F_scalar(m_i, m_f, m_S, A, B):
    """Asymmetry of the fermion daughter for ubar_f (A P_L + B P_R) u_i:
    a = (|A|^2 - |B|^2) p / [(|A|^2 + |B|^2) E_f + 2 m_f Re(A B^*)]. The A term emits a right-handed f."""
    if m_i <= m_f + m_S:
        return 0.0
    p = two_body_momentum(m_i, m_f, m_S)
    Ef = (m_i**2 + m_f**2 - m_S**2) / (2.0 * m_i)
    den = (abs(A) ** 2 + abs(B) ** 2) * Ef + 2.0 * m_f * (A * B.conjugate()).real
    if den <= 0.0:
        return 0.0
    return (abs(A) ** 2 - abs(B) ** 2) * p / den


@jitable
def asymmetry_F_to_F_pseudoscalar_meson(m_i, m_f, m_P, A, B):
    """Asymmetry of the fermion daughter in f_i -> f_f P through the axial current (A, B as in the width)."""
    return asymmetry_F_to_F_scalar(m_i, m_f, m_P, m_i * B - m_f * A, m_i * A - m_f * B)


@jitable
def width_V_to_FF(m_V, m_1, m_2, A, B, identical):
    """Width of V -> f_1 f_2 for ubar_1 gamma^mu (A P_L + B P_R) v_2 (GeV).

    Spin-summed |M|^2 = (|A|^2 + |B|^2)[2 m_V^2 - m_1^2 - m_2^2 - (m_1^2 - m_2^2)^2/m_V^2]
    + 12 m_1 m_2 Re(A B^*), averaged over the 3 vector polarisations; ``identical`` adds 1/2.
    """
    if m_V <= m_1 + m_2:
        return 0.0
    p = two_body_momentum(m_V, m_1, m_2)
    aa = abs(A) ** 2 + abs(B) ** 2
    re = (A * B.conjugate()).real
    msq = aa * (2.0 * m_V**2 - m_1**2 - m_2**2 - (m_1**2 - m_2**2) ** 2 / m_V**2) + 12.0 * m_1 * m_2 * re
    w = p / (8.0 * math.pi * m_V**2) * msq / 3.0
    if identical:
        w *= 0.5
    return max(w, 0.0)


@jitable
def width_S_to_FF(m_S, m_1, m_2, A, B, identical):
    """Width of S -> f_1 f_2 for ubar_1 (A P_L + B P_R) v_2 (GeV).

    Spin-summed |M|^2 = (|A|^2 + |B|^2)(m_S^2 - m_1^2 - m_2^2) - 4 m_1 m_2 Re(A B^*).
    """
    if m_S <= m_1 + m_2:
        return 0.0
    p = two_body_momentum(m_S, m_1, m_2)
    aa = abs(A) ** 2 + abs(B) ** 2
    re = (A * B.conjugate()).real
    msq = aa * (m_S**2 - m_1**2 - m_2**2) - 4.0 * m_1 * m_2 * re
    w = p / (8.0 * math.pi * m_S**2) * msq
    if identical:
        w *= 0.5
    return max(w, 0.0)


# ------------------------------------------------------------------------------ N decays
@jitable
def width_N_to_nu_Zprime(m_N, m_Zp, S_light, majorana):
    """Gamma(N_i -> nu Z') summed over light states (GeV).

    Dirac: S m^3/(32 pi m_Z'^2) (1 - r)^2 (1 + 2r), r = m_Z'^2/m^2, with
    S = sum_k |V_ki|^2 = ``physics.couplings.light_sum(model, "Zprime", "Zprime", i)``.
    Majorana (nu and nubar): twice that, which is seed 004 eq. (13) with
    S = g'^2 |U_Dh|^2 (1 - |U_D4|^2 - |U_D5|^2). arXiv:1807.09877 eq. (3) (seed 003) is
    alpha_D/2 |U_D4|^2 (1 - |U_D4|^2) m^3/m_Z'^2 (1 - r)^2 (1 + 2r): the same shape and twice eq. (13),
    i.e. four times our Dirac width, for every m_Z'/m (see ``width_bertuzzo_N_to_nu_Zprime``).
    """
    A = math.sqrt(max(S_light, 0.0)) + 0j
    B = -A.conjugate() if majorana else 0j
    return width_F_to_F_vector(m_N, 0.0, m_Zp, A, B)


@jitable
def width_N_to_nu_hprime(m_N, m_h, S_light, majorana):
    """Gamma(N_i -> nu h') summed over light states (GeV), from the Yukawa y_N N nu_D^c Phi.

    With Y_ki = cos(theta) y_N/sqrt2 (U_Nk U_Di + U_Dk U_Ni) and S = sum_k |Y_ki|^2:
    Majorana  Gamma = S m (1 - r)^2 / (16 pi),  r = m_h'^2/m^2;  Dirac: half.
    For seed 004 (U_Nk = 0 for light k) S = cos^2(theta) y_N^2/2 |U_Nh|^2 (1 - |U_D4|^2 - |U_D5|^2),
    so Gamma_Maj = |U_Nh|^2 (1 - ...) y_N^2 cos^2(theta) m (1 - r)^2/(32 pi). Seed 004 eq. (14) prints
    y_N^2/(16 pi) m^3/m_phi^2 (1 - r)^2 (1/2 + r) with r = m_Z'^2/m^2: the m^3/m^2 (1/2 + r) shape is
    that of the longitudinal vector of eq. (13) and does not arise for a scalar; the same y_N/sqrt2
    normalisation reproduces eq. (12) exactly, so we take eq. (14) as a copy-over typo.
    """
    A = math.sqrt(max(S_light, 0.0)) + 0j
    B = A.conjugate() if majorana else 0j
    return width_F_to_F_scalar(m_N, 0.0, m_h, A, B)


@jitable
def width_N_to_nu_pi0(m_N, U2_eff, majorana):
    """Gamma(N -> nu pi0) through the Z (GeV); the Z' (a vector) does not couple to the pi0.

    Dirac: G_F^2 f_pi^2 m^3 |U|^2 (1 - x^2)^2 / (32 pi), x = m_pi0/m (arXiv:1805.08567, neutral
    pseudoscalar width; re-derived here), with |U|^2 = sum_k |V^Z_ki|^2/(g/2c_W)^2. Majorana: twice.
    The Z propagator is taken at zero momentum (corrections m_pi^2/m_Z^2 ~ 2e-6).
    """
    A = math.sqrt(max(U2_eff, 0.0)) + 0j
    B = -A.conjugate() if majorana else 0j
    return width_F_to_F_pseudoscalar_meson(m_N, 0.0, const.m_pi0, A, B, const.G_F * const.f_pi)


@jitable
def width_N_to_lminus_Pplus(m_N, m_l, m_P, f_P, V_ckm, U2):
    """Gamma(N -> l^- P^+) through the W for a charged pseudoscalar P = pi+, K+ (GeV), one charge state.

    G_F^2 f_P^2 |V|^2 |U_li|^2 m^3/(16 pi) [(1 - x_l^2)^2 - x_P^2 (1 + x_l^2)] lambda^{1/2}(1, x_l^2, x_P^2)
    (arXiv:1805.08567 eq. 3.6, arXiv:0901.3589 eq. C.5), re-derived with m_l kept: the axial-current
    vertex G = sqrt2 G_F f_P V, A = U_li of ``width_F_to_F_pseudoscalar_meson``. A Majorana N also has l^+ P^-.
    """
    if m_N <= m_l + m_P:
        return 0.0
    xl2 = (m_l / m_N) ** 2
    xp2 = (m_P / m_N) ** 2
    lam = kallen(1.0, xl2, xp2)
    f = (1.0 - xl2) ** 2 - xp2 * (1.0 + xl2)
    return const.G_F**2 * f_P**2 * V_ckm**2 * U2 * m_N**3 / (16.0 * math.pi) * f * math.sqrt(max(lam, 0.0))


@jitable
def width_N_to_lminus_piplus(m_N, m_l, U2):
    """Gamma(N -> l^- pi^+) through the W (GeV): ``width_N_to_lminus_Pplus`` with f_pi, |V_ud|."""
    return width_N_to_lminus_Pplus(m_N, m_l, const.m_pi_charged, const.f_pi, const.V_ud, U2)


@jitable
def width_N_to_lminus_Vplus(m_N, m_l, m_V, f_V, V_ckm, U2):
    """Gamma(N -> l^- V^+) through the W for a charged vector V = rho+, K*+ (GeV), one charge state.

    The W current <V^+| ubar gamma^mu q |0> = f_V m_V eps^mu* makes a vector vertex with
    A = sqrt2 G_F V f_V m_V U_li, B = 0 (``width_F_to_F_vector``); in closed form
    G_F^2 f_V^2 |V|^2 |U|^2 m^3/(16 pi) [(1 - x_l^2)^2 + x_V^2 (1 + x_l^2) - 2 x_V^4] lambda^{1/2}(1, x_l^2, x_V^2),
    arXiv:1805.08567 (charged vector meson width, with g_V = f_V m_V). A Majorana N also has l^+ V^-.
    """
    A = complex(math.sqrt(2.0) * const.G_F * V_ckm * f_V * m_V * math.sqrt(max(U2, 0.0)), 0.0)
    return width_F_to_F_vector(m_N, m_l, m_V, A, 0j)


# ------------------------------------------------------------------------------ Z' decays
@jitable
def width_Zprime_to_ll(m_Zp, m_l, e_eps):
    """Gamma(Z' -> l+ l-) = (e eps)^2 m_Z'/(12 pi) (1 + 2 r_l) sqrt(1 - 4 r_l) (seed 004 eq. 15, eps = c_W chi)."""
    if m_Zp <= 2.0 * m_l:
        return 0.0
    r = (m_l / m_Zp) ** 2
    return e_eps**2 * m_Zp / (12.0 * math.pi) * (1.0 + 2.0 * r) * math.sqrt(1.0 - 4.0 * r)


@jitable
def width_Zprime_to_nunu(m_Zp, T):
    """Gamma(Z' -> light nu light nu) = T m_Z'/(24 pi), T = sum_{k,l} |V_kl|^2 = g_D^2 P_DD^2 (GeV).

    Same for Dirac and Majorana light states (the identical-particle 1/2 compensates the doubled
    Majorana vertex). arXiv:1807.09877 eq. (5) has alpha_D/3 (1 - |U_D4|^2)^2 m_Z', twice this.
    """
    return T * m_Zp / (24.0 * math.pi)


@jitable
def pion_form_factor_gs(s):
    """Pion electromagnetic form factor F_pi(s), rho(770) Gounaris-Sakurai form (complex).

    F(s) = (m_rho^2 + d m_rho Gamma_rho) / (m_rho^2 - s + f(s) - i m_rho Gamma(s)), F(0) = 1.
    G. J. Gounaris, J. J. Sakurai, PRL 21 (1968) 244. The rho-omega interference and the rho', rho''
    are left out: good to ~10% up to ~1 GeV, a rough estimate above.
    """
    mpi = const.m_pi_charged
    mr = const.m_rho0
    gr = const.Gamma_rho0
    kr = 0.5 * math.sqrt(mr * mr - 4.0 * mpi * mpi)
    hr = 2.0 / math.pi * kr / mr * math.log((mr + 2.0 * kr) / (2.0 * mpi))
    dhr = hr * (1.0 / (8.0 * kr * kr) - 1.0 / (2.0 * mr * mr)) + 1.0 / (2.0 * math.pi * mr * mr)
    d = 3.0 / math.pi * mpi**2 / kr**2 * math.log((mr + 2.0 * kr) / (2.0 * mpi)) + mr / (2.0 * math.pi * kr) - mpi**2 * mr / (math.pi * kr**3)
    if s <= 4.0 * mpi * mpi:
        # below the two-pion threshold (only s -> 0 checks use this): real monopole with F(0) = 1
        return complex((mr * mr + d * mr * gr) / (mr * mr + d * mr * gr - s), 0.0)
    rs = math.sqrt(s)
    k = 0.5 * math.sqrt(s - 4.0 * mpi * mpi)
    h = 2.0 / math.pi * k / rs * math.log((rs + 2.0 * k) / (2.0 * mpi))
    f = gr * mr * mr / kr**3 * (k * k * (h - hr) + (mr * mr - s) * kr * kr * dhr)
    gs = gr * (mr / rs) * (k / kr) ** 3
    den = complex(mr * mr - s + f, -mr * gs)
    return (mr * mr + d * mr * gr) / den


@jitable
def width_Zprime_to_pipi(m_Zp, e_eps):
    """Gamma(Z' -> pi+ pi-) = (e eps)^2 m_Z'/(48 pi) beta^3 |F_pi(m_Z'^2)|^2 (GeV), F_pi Gounaris-Sakurai."""
    if m_Zp <= 2.0 * const.m_pi_charged:
        return 0.0
    beta2 = 1.0 - 4.0 * const.m_pi_charged**2 / m_Zp**2
    F = pion_form_factor_gs(m_Zp * m_Zp)
    return e_eps**2 * m_Zp / (48.0 * math.pi) * beta2**1.5 * abs(F) ** 2


# ------------------------------------------------------------------------------ h' decays
@jitable
def width_hprime_to_ll(m_h, m_l, theta):
    """Gamma(h' -> l+ l-) = sin^2(theta) G_F m_l^2 m_h'/(4 sqrt2 pi) beta^3 (GeV).

    The standard Higgs-like width times sin^2(theta); identical to seed 004 eq. (16).
    """
    if m_h <= 2.0 * m_l:
        return 0.0
    b2 = 1.0 - 4.0 * (m_l / m_h) ** 2
    return math.sin(theta) ** 2 * const.G_F * m_l**2 * m_h / (4.0 * math.sqrt(2.0) * math.pi) * b2**1.5


@jitable
def width_hprime_to_ZpZp(m_h, m_Zp, g_D, theta):
    """Gamma(h' -> Z' Z') for a charge-1 dark Higgs (m_Z' = g_D v_phi), times cos^2(theta) (GeV).

    g_D^2 m_h^3/(32 pi m_Z'^2) (1 - 4x + 12x^2) sqrt(1 - 4x), x = m_Z'^2/m_h^2 (the h -> ZZ formula
    with 2 m_Z^2/v -> 2 g_D m_Z', identical-particle 1/2 included).
    """
    if m_h <= 2.0 * m_Zp:
        return 0.0
    x = (m_Zp / m_h) ** 2
    return math.cos(theta) ** 2 * g_D**2 * m_h**3 / (32.0 * math.pi * m_Zp**2) * (1.0 - 4.0 * x + 12.0 * x * x) * math.sqrt(1.0 - 4.0 * x)


# ------------------------------------------------------------------------------ h' -> hadrons, photons
# Scheme for h' -> hadrons (a scalar with the Higgs couplings times sin(theta), seed 004 eq. 5):
# below HPRIME_CHIRAL_MAX_GEV the leading-order chiral result (pi pi, K K); above HPRIME_PQCD_MIN_GEV the
# perturbative partonic widths (s sbar, c cbar, b bbar, g g); in between a linear blend in m_h' of the two
# (``hprime_hadronic_blend``). No simple calculation is reliable between ~0.5 and ~2.5 GeV: "the chiral
# expansion breaks down and perturbative QCD does not apply", and earlier estimates there disagree by
# orders of magnitude (arXiv:1809.01876, abstract); the LO chiral width misses the f0(500)/f0(980)
# pi pi / K K rescattering that the dispersive analyses (arXiv:1809.01876, arXiv:1806.07759,
# arXiv:2407.13587) include. ``hnlgen model`` warns in HPRIME_UNCERTAIN_GEV. The blend is our choice
# (continuous, and each limit exact where it applies); a dispersive form factor is the next step.
HPRIME_CHIRAL_MAX_GEV = 1.0
HPRIME_PQCD_MIN_GEV = 2.0
HPRIME_UNCERTAIN_GEV = (0.5, 2.5)


@jitable
def hprime_hadronic_blend(m_h):
    """(w_chiral, w_pQCD) multiplying the chiral and partonic h' widths: (1, 0) below
    ``HPRIME_CHIRAL_MAX_GEV``, (0, 1) above ``HPRIME_PQCD_MIN_GEV``, linear in m_h' (GeV) between."""
    if m_h <= HPRIME_CHIRAL_MAX_GEV:
        return 1.0, 0.0
    if m_h >= HPRIME_PQCD_MIN_GEV:
        return 0.0, 1.0
    w = (m_h - HPRIME_CHIRAL_MAX_GEV) / (HPRIME_PQCD_MIN_GEV - HPRIME_CHIRAL_MAX_GEV)
    return 1.0 - w, w


@jitable
def width_hprime_to_PP_chiral(m_h, m_P, theta, identical):
    """Gamma(h' -> P P) for one pion or kaon charge state at leading order in chiral perturbation theory (GeV).

    The heavy quarks integrated out give L = -(h'/v) sin(theta) [(2/9) theta^mu_mu + (7/9) sum_{u,d,s} m_q qbar q],
    and at LO <P P|theta^mu_mu|0> = s + 2 m_P^2, <P P|sum m_q qbar q|0> = m_P^2, so
    M = sin(theta) (2/9 m_h'^2 + 11/9 m_P^2)/v and Gamma = |M|^2 beta/(16 pi m_h') (x 1/2 for pi0 pi0).
    Summed over pi+pi- and pi0pi0 this is 3 sin^2(theta)/(32 pi v^2) m^3 beta (2/9 + 11/9 m_pi^2/m^2)^2
    (M. B. Voloshin, Sov. J. Nucl. Phys. 44 (1986) 478; arXiv:0912.0390 sec. 3); K+K- and K0 K0bar each
    have twice the pi0pi0 width. Valid only near threshold (see the scheme note above).
    """
    if m_h <= 2.0 * m_P:
        return 0.0
    beta = math.sqrt(1.0 - 4.0 * m_P * m_P / (m_h * m_h))
    amp = math.sin(theta) * (2.0 / 9.0 * m_h * m_h + 11.0 / 9.0 * m_P * m_P) / const.v_higgs
    w = amp * amp * beta / (16.0 * math.pi * m_h)
    if identical:
        w *= 0.5
    return w


@jitable
def alpha_s_one_loop(mu):
    """alpha_s(mu) at one loop from alpha_s(m_Z) (PDG 2024), n_f = 5, 4, 3 matched at m_b and m_c (mu in GeV).

    One loop is enough for the O(30 %) accuracy of the partonic h' widths near 2 GeV (alpha_s(2 GeV) = 0.27;
    the four-loop value is 0.30)."""
    a = const.alpha_s_mZ
    thresholds = (const.m_b_quark, const.m_c_quark)
    mu_prev = const.m_Z
    nf = 5
    for mth in thresholds:
        if mu >= mth:
            break
        b0 = (33.0 - 2.0 * nf) / (12.0 * math.pi)
        a = a / (1.0 + b0 * a * math.log(mth * mth / (mu_prev * mu_prev)))
        mu_prev = mth
        nf -= 1
    b0 = (33.0 - 2.0 * nf) / (12.0 * math.pi)
    return a / (1.0 + b0 * a * math.log(mu * mu / (mu_prev * mu_prev)))


@jitable
def _loop_f(tau):
    """f(tau) of the h -> gamma gamma, g g loops (arXiv:hep-ph/0503172 sec. 2.3), tau = m_h^2/(4 m^2)."""
    if tau <= 1.0:
        return complex(math.asin(math.sqrt(tau)) ** 2, 0.0)
    r = math.sqrt(1.0 - 1.0 / tau)
    L = complex(math.log((1.0 + r) / (1.0 - r)), -math.pi)
    return -0.25 * L * L


@jitable
def _A_half(tau):
    """Spin-1/2 loop amplitude A_1/2 = 2 [tau + (tau - 1) f(tau)]/tau^2 (-> 4/3 for a heavy fermion)."""
    return 2.0 * (tau + (tau - 1.0) * _loop_f(tau)) / (tau * tau)


@jitable
def _A_one(tau):
    """W loop amplitude A_1 = -[2 tau^2 + 3 tau + 3 (2 tau - 1) f(tau)]/tau^2 (-> -7 for a heavy W)."""
    return -(2.0 * tau * tau + 3.0 * tau + 3.0 * (2.0 * tau - 1.0) * _loop_f(tau)) / (tau * tau)


@jitable
def width_hprime_to_gammagamma(m_h, theta):
    """Gamma(h' -> gamma gamma) = sin^2(theta) G_F alpha^2 m^3/(128 sqrt2 pi^3) |sum_f N_c Q_f^2 A_1/2 + A_1|^2 (GeV).

    One loop (A. Djouadi, arXiv:hep-ph/0503172 sec. 2.3): W, t, b, c, s (MSbar masses, PDG 2024) and the
    three charged leptons. Below ~2 GeV the light-quark loops are not meaningful (hadronic loops instead), but
    they are O(m_q^2/m_h'^2 log^2) and the width there is the lepton and W loops to about 10 %.
    """
    amp = _A_one(m_h * m_h / (4.0 * const.m_W**2))
    for mq, q, nc in ((const.m_t_quark, 2.0 / 3.0, 3.0), (const.m_b_quark, -1.0 / 3.0, 3.0), (const.m_c_quark, 2.0 / 3.0, 3.0),
                      (const.m_s_quark, -1.0 / 3.0, 3.0), (const.m_tau, -1.0, 1.0), (const.m_mu, -1.0, 1.0), (const.m_e, -1.0, 1.0)):
        amp += nc * q * q * _A_half(m_h * m_h / (4.0 * mq * mq))
    return math.sin(theta) ** 2 * const.G_F * const.alpha_em**2 * m_h**3 / (128.0 * math.sqrt(2.0) * math.pi**3) * abs(amp) ** 2


@jitable
def width_hprime_to_gg(m_h, theta):
    """Gamma(h' -> g g), perturbative (GeV): sin^2(theta) G_F alpha_s^2 m^3/(36 sqrt2 pi^3) |3/4 sum_q A_1/2(tau_q)|^2
    times the NLO factor 1 + (95/4 - 7/6 N_f) alpha_s/pi (arXiv:hep-ph/0503172 sec. 2.3, heavy-quark limit of the NLO factor),
    quarks s, c, b, t, N_f = 3 light flavours below the c cbar threshold (4 above 2 m_c), alpha_s(m_h') one loop."""
    amp = 0j
    for mq in (const.m_t_quark, const.m_b_quark, const.m_c_quark, const.m_s_quark):
        amp += 0.75 * _A_half(m_h * m_h / (4.0 * mq * mq))
    a_s = alpha_s_one_loop(m_h)
    nf = 4.0 if m_h > 2.0 * const.m_c_quark else 3.0
    K = 1.0 + (95.0 / 4.0 - 7.0 / 6.0 * nf) * a_s / math.pi
    return math.sin(theta) ** 2 * const.G_F * a_s**2 * m_h**3 / (36.0 * math.sqrt(2.0) * math.pi**3) * abs(amp) ** 2 * K


@jitable
def width_hprime_to_qq(m_h, m_q, m_threshold, theta):
    """Gamma(h' -> q qbar), perturbative (GeV): sin^2(theta) 3 G_F m_q^2 m_h'/(4 sqrt2 pi) beta^3 (1 + 17/3 alpha_s/pi).


    m_q is the MSbar mass (PDG 2024, not run to m_h': a 20-30 % effect below 5 GeV, inside the stated
    uncertainty). The channel opens at the hadron threshold ``m_threshold`` (2 m_K for s sbar, 2 m_D0 for
    c cbar, 2 m_B for b bbar) and beta is taken there, beta^2 = 1 - m_threshold^2/m_h'^2, so that it opens
    continuously (with the quark mass in beta, c cbar would jump on at 2 m_D0). QCD factor:
    arXiv:hep-ph/0503172 sec. 2.1 (first order in alpha_s, massless limit)."""
    if m_h <= m_threshold or m_h <= 2.0 * m_q:
        return 0.0
    b2 = 1.0 - m_threshold * m_threshold / (m_h * m_h)
    a_s = alpha_s_one_loop(m_h)
    return math.sin(theta) ** 2 * 3.0 * const.G_F * m_q**2 * m_h / (4.0 * math.sqrt(2.0) * math.pi) * b2**1.5 * (1.0 + 17.0 / 3.0 * a_s / math.pi)


# ------------------------------------------------------------------------------ seed formulas
@jitable
def F_seed004(x):
    """F(x) of arXiv:1903.07589 eq. (8): F(0) = 1, F(1) = 0, maximum ~1.09 near x = 0.09.

    x is the mass ratio m4/m5 (= sqrt(x4) as printed in eq. 8): F has odd powers of x from the
    m4 m5 Majorana interference, and our full calculation reproduces eq. (8) with this argument
    (tests/physics/test_decay_widths.py).
    """
    if x <= 0.0:
        return 1.0
    if x >= 1.0:
        return 0.0
    return (1.0 + 2.0 * x - 8.0 * x**2 + 18.0 * x**3 - 18.0 * x**5 + 8.0 * x**6 - 2.0 * x**7 - x**8
            + 24.0 * x**3 * (1.0 - x + x * x) * math.log(x))


@jitable
def width_seed004_eq8(m5, m4, m_Zp, UD4sq, UD5sq, chi, g_D):
    """Seed 004 eq. (8): Gamma(nu5 -> nu4 e+ e-), Majorana, massless e, contact Z' (GeV)."""
    return UD5sq * UD4sq * F_seed004(m4 / m5) * (const.e_charge * const.cos_thetaW * chi * g_D) ** 2 / (384.0 * math.pi**3) * m5**5 / m_Zp**4


@jitable
def width_seed004_eq9(m_h, m_Zp, coupling, chi, g_D):
    """Seed 004 eq. (9): Gamma(nu_h -> nu e+ e-) with coupling = |U_Dh|^2 (1 - |U_D4|^2 - |U_D5|^2)."""
    return coupling * (const.e_charge * const.cos_thetaW * chi * g_D) ** 2 / (384.0 * math.pi**3) * m_h**5 / m_Zp**4


@jitable
def width_seed004_eq10(m_h, m_Zp, coupling, chi, g_D):
    """Seed 004 eq. (10): Gamma(nu_h -> nu rho0), contact Z', f_rho = 210 MeV (Majorana)."""
    if m_h <= const.m_rho0:
        return 0.0
    r = (const.m_rho0 / m_h) ** 2
    return coupling * (const.e_charge * const.cos_thetaW * chi * g_D) ** 2 / (16.0 * math.pi) * m_h**3 * const.f_rho**2 / m_Zp**4 * (1.0 - r) ** 2 * (0.5 + r)


@jitable
def width_seed004_eq13(m_h, m_Zp, coupling, g_D):
    """Seed 004 eq. (13): Gamma(nu_h -> nu Z') for a Majorana nu_h, coupling = |U_Dh|^2 (1 - ...)."""
    if m_h <= m_Zp:
        return 0.0
    r = (m_Zp / m_h) ** 2
    return coupling * g_D**2 / (8.0 * math.pi) * m_h**3 / m_Zp**2 * (1.0 - r) ** 2 * (0.5 + r)


@jitable
def width_seed004_eq15(m_Zp, m_l, chi):
    """Seed 004 eq. (15): Gamma(Z' -> l+ l-) with the coupling e c_W chi."""
    if m_Zp <= 2.0 * m_l:
        return 0.0
    r = (m_l / m_Zp) ** 2
    return (const.e_charge * const.cos_thetaW * chi) ** 2 / (12.0 * math.pi) * m_Zp * (1.0 + 2.0 * r) * math.sqrt(1.0 - 4.0 * r)


@jitable
def width_bertuzzo_N_to_nu_Zprime(m_N, m_Zp, alpha_D, UD4sq):
    """arXiv:1807.09877 eq. (3) (seed 003): alpha_D/2 |U_D4|^2 (1-|U_D4|^2) m^3/m_Z'^2 (1-r)(1+r-2r^2)."""
    if m_N <= m_Zp:
        return 0.0
    r = (m_Zp / m_N) ** 2
    return alpha_D / 2.0 * UD4sq * (1.0 - UD4sq) * m_N**3 / m_Zp**2 * (1.0 - r) * (1.0 + r - 2.0 * r * r)


@jitable
def width_bertuzzo_Zprime_to_ee(m_Zp, alpha_eps2):
    """arXiv:1807.09877 eq. (4): Gamma(Z_D -> e+e-) ~ alpha eps^2 m_ZD / 3 (massless e)."""
    return alpha_eps2 * m_Zp / 3.0


@jitable
def width_bertuzzo_Zprime_to_nunu(m_Zp, alpha_D, UD4sq):
    """arXiv:1807.09877 eq. (5): Gamma(Z_D -> nu nu) = alpha_D/3 (1 - |U_D4|^2)^2 m_ZD."""
    return alpha_D / 3.0 * (1.0 - UD4sq) ** 2 * m_Zp


@jitable
def ctau0_cm(width):
    """Proper decay length c tau0 = hbar c / Gamma in cm (inf for a zero width)."""
    if width <= 0.0:
        return math.inf
    return hbarc / width
