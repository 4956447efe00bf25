"""Upscattering cross sections nu_alpha / nubar_alpha + target -> N_i + target.

Regimes: ``coherent`` on a spin-0 nucleus, ``p-el`` / ``n-el`` on bound (or free) nucleons.
Mediators: Z', Z and the dark scalar h', with every interference term; the heavy-neutrino mass and
the target recoil are kept exactly. Each final N helicity is computed separately.

Derivation (the full algebra is in ``validation/xsec_derivation.md``; the result is checked against
an explicit Dirac-matrix/spinor computation in ``tests/physics/test_cross_sections.py``)
------------------------------------------------------------------------------------------------
Amplitude for a neutrino (left-handed, P_L) projectile, q = k - k' = p' - p, Q2 = -q^2:

    M = sum_V c_V  ubar_N(k') g^mu P_L u_nu(k) J^V_mu  +  c_S  ubar_N(k') P_L u_nu(k) J^S,
    c_V = -A_V / (Q2 + m_V^2),   c_S = +A_S / (Q2 + m_S^2),

for Lagrangian vertices  +A_V Nbar g^mu P_L nu V_mu  (``couplings.production_amplitude``),
+x_f fbar g^mu (...) f V_mu  on the target side, and  -A_S h' Nbar P_L nu,  -g_hNN h' nbar n.
For an antineutrino (right-handed) the h.c. vertices act on v spinors; charge conjugation,
vbar(k) G v(k') = ubar(k') C G^T C^-1 u(k), turns g^mu P_L into -g^mu P_R and P_R into +P_R:

    M(nubar) = sum_V (+A_V^*)/(Q2 + m_V^2) ubar g^mu P_R u J^V + (+A_S^*)/(Q2 + m_S^2) ubar P_R u J^S,

i.e. the projectile chirality flips AND the vector-scalar interference changes sign. A Majorana N
has the same amplitudes (the Majorana vertex -i(G P_L + G^* P_R), i g^mu (V P_L - V^* P_R) acting
on a massless left- or right-handed projectile keeps only one chirality): only one N is produced
and its spin state is the same; Dirac and Majorana differ only in the decays.

N helicity. The spin projector (k'slash + m)(1 + g5 sslash_lambda)/2 uses the helicity vector in the
*lab frame* (target at rest, the frame in which the generator decays N):
s = [(k'.p) k' - m^2 p] / (m sqrt((k'.p)^2 - m^2 M^2)). With P_chi = (1 + eta g5)/2 (eta = -1 for
nu, +1 for nubar) the projected lepton tensors reduce to massless-like ones:

    L^{mu nu}_lambda = K^mu k^nu + K^nu k^mu - g^{mu nu} K.k - i eta eps^{a mu b nu} K_a k_b,
    K = k' + sigma m s,   L_SS = k.(k' - sigma m s),
    L_SV^mu = m k^mu - sigma [(s.k) k'^mu - (k.k') s^mu],

with sigma = eta * (2 lambda) = +1 for the "conserving" helicity (N helicity = projectile helicity:
-1/2 for nu, +1/2 for nubar) and -1 for "flipping". As m -> 0, K -> 2k' (conserving) or 0 (flipping).
Nucleon current (Gordon form) J = ubar'[G g^mu + B P^mu + C g^mu g5 + D q^mu g5] u, P = p + p',
scalar J_S = E ubar' u; the spin-averaged hadron tensor is

    H = P P (|G|^2 + |C|^2 + |B|^2 (4M^2+Q2) + 4M Re GB*) + q q (Q2 |D|^2 - |G|^2 - |C|^2 - 4M Re CD*)
        + g (-Q2 |G|^2 - (4M^2+Q2) |C|^2) + 2i Re(GC*) eps^{a mu b nu} P_a q_b,

H_SS = |E|^2 (4M^2 + Q2), H_SV^mu = E (2M G^* + (4M^2+Q2) B^*) P^mu; a spin-0 nucleus has
J = Q_c P^mu and J_S = E_c. Then dsigma/dQ2 = |M|^2 / (16 pi lambda(s, 0, M^2)) = |M|^2/(64 pi M^2 E^2).
The Z propagator's q^mu q^nu / m_Z^2 term is kept: it shifts the pseudoscalar coefficient D.

Couplings on the target side: Z' = e*epsilon*(EM current) (arXiv:1903.07589 eq. 7 convention of
``physics.couplings``); Z = (g/c_W) [sum_q g_V^q qbar g q - g_A^q qbar g g5 q] -> nucleon F1,F2^Z =
tau3 (F^p - F^n)/4 - s_W^2 F^N, axial tau3 G_A/4 (strangeness neglected); coherent weak charge
(g/c_W)(Z (1/4 - s_W^2) - N/4) = -(g/c_W) Q_W/4; h' -> nucleon sin(theta) f_N m_N / v with
f_N = 0.30 (J. M. Cline, K. Kainulainen, P. Scott, C. Weniger, PRD 88 (2013) 055025,
arXiv:1306.4710, direct-detection section), coherently
sum over nucleons with the nuclear form factor, no nucleon scalar form factor (an approximation:
the h' term is suppressed by sin(theta) m_N/v and matters only for sizeable scalar mixing).

Units: GeV, GeV^2 for Q2, cross sections in GeV^-2 inside kernels and cm^2 in the Python API.
"""

from __future__ import annotations

import math

import numpy as np

from physics import constants as const
from physics import form_factors as ff
from physics._jit import jit, jitable
from physics.couplings import gZ_over_cW
from physics.units import hbarc2

__all__ = [
    "REGIMES",
    "HELICITIES",
    "PROJECTILES",
    "f_N_higgs",
    "upscattering_threshold",
    "upscattering_Q2_limits",
    "msq_upscattering",
    "dsigma_dQ2_upscattering",
    "sigma_upscattering",
    "sigma_upscattering_array",
    "interpolate_sigma",
    "DIAGRAMS",
    "scalar_production_amplitude",
    "CHANNEL_DTYPE",
    "channel_params",
    "channel_array",
    "upscattering_channels",
    "sigma_upscattering_cm2",
    "xsec_arrays",
    "xsec_records",
    "build_xsec_table",
    "dsigma_dQ2_llewellyn_smith_nc",
]

REGIMES = {"coherent": 0, "p-el": 1, "n-el": 2}
HELICITIES = {"conserving": 1.0, "flipping": -1.0, "both": 0.0}
PROJECTILES = {"nue": ("e", -1.0), "numu": ("mu", -1.0), "nutau": ("tau", -1.0),
               "nuebar": ("e", 1.0), "numubar": ("mu", 1.0), "nutaubar": ("tau", 1.0)}

f_N_higgs = 0.30  # Higgs-nucleon coupling fraction f_N = 0.30 +- 0.03, arXiv:1306.4710 (direct-detection section)

# --- the named parameters of one channel (a numpy record; STYLE.md sec. 4) --------------------------------
#: Record of one upscattering channel (``channel_params``); kernels read its fields by name
#: (``par["m_N"]``), so no position can be confused. Units: GeV, signed couplings dimensionless.
CHANNEL_DTYPE = np.dtype([
    ("m_N", np.float64),  # heavy-neutrino mass (GeV)
    ("M", np.float64),  # mass of the struck target: nucleus (coherent) or nucleon (GeV)
    ("regime", np.int64),  # REGIMES: 0 coherent, 1 p-el, 2 n-el
    ("eta", np.float64),  # projectile chirality: -1 nu, +1 nubar
    ("sigma", np.float64),  # HELICITIES: +1 conserving, -1 flipping, 0 both (sum)
    ("A_Zprime", np.complex128),  # projectile-side vertex +A_V Nbar g^mu P_L nu V_mu of the Z' (couplings.production_amplitude)
    ("A_Z", np.complex128),  # the same for the Z
    ("A_S", np.complex128),  # scalar vertex -A_S h' Nbar P_L nu (scalar_production_amplitude)
    ("m_Zprime", np.float64),  # GeV
    ("m_S", np.float64),  # h' mass (GeV); inf = decoupled
    ("e_eps", np.float64),  # signed e epsilon of the Z' coupling to the target's EM current
    ("g_S", np.float64),  # h'-nucleon coupling over the nucleon mass: sin(theta) f_N / v (GeV^-1)
    ("Z", np.float64),  # protons of the nucleus
    ("N", np.float64),  # neutrons of the nucleus
    ("ff_model", np.int64),  # nuclear form-factor model (physics.form_factors)
    ("ff", np.float64, (ff.N_FF_PARAMS,)),  # its parameters
    ("bound", np.int64),  # bound-nucleon treatment (form_factors.BOUND_*)
    ("k_F", np.float64),  # Fermi momentum (GeV) for Pauli blocking
    ("multiplicity", np.float64),  # nucleons per nucleus in p-el / n-el (Z or A - Z), 1 for coherent
])


def channel_array(records) -> np.ndarray:
    """1-d array of ``CHANNEL_DTYPE`` (one row per channel) from records of ``channel_params``."""
    return np.array(list(records), dtype=CHANNEL_DTYPE).reshape(-1)


_GL_ORDER = 8
_GL_X, _GL_W = np.polynomial.legendre.leggauss(_GL_ORDER)
_PANEL_WIDTH = 1.5  # maximal width of one Gauss-Legendre panel in ln(Q2)
_REFINE_TOL = 1e-6  # bisect a panel while |I(halves) - I(panel)| > _REFINE_TOL * total


@jitable
def upscattering_threshold(mN, M):
    """Threshold neutrino energy (GeV) for nu + T(M) -> N(mN) + T(M), target at rest: mN + mN^2/(2M)."""
    return mN + mN * mN / (2.0 * M)


@jitable
def upscattering_Q2_limits(Enu, mN, M):
    """Exact (Q2_min, Q2_max) in GeV^2 for a massless projectile of energy Enu on a target M at rest.

    With CM momenta p_i = (s - M^2)/(2 sqrt s), p_f = lambda^1/2(s, mN^2, M^2)/(2 sqrt s) and
    E_N* = (s + mN^2 - M^2)/(2 sqrt s): Q2 = 2 p_i (E_N* -/+ p_f) - mN^2. Q2_min is written without
    cancellation as mN^4 M^2 / [s (A + p_f)(E_N* + p_f)], A = (s - M^2 - mN^2)/(2 sqrt s)
    (from (s - M^2 - mN^2)^2 - lambda = 4 mN^2 M^2), and lambda(s, mN^2, M^2) from the factorised
    form with s - (M + mN)^2 = 2 M (E - E_th). Returns (0, 0) at and below threshold.
    """
    s = M * M + 2.0 * M * Enu
    m2 = mN * mN
    dE = Enu - upscattering_threshold(mN, M)
    if dE <= 0.0:
        return 0.0, 0.0
    # lambda(s, m^2, M^2) = (s - (M+m)^2)(s - (M-m)^2) with s - (M+m)^2 = 2 M (E - E_th): no cancellation
    lam = 2.0 * M * dE * (2.0 * M * (Enu + mN) - m2)
    rs = math.sqrt(s)
    pi = (s - M * M) / (2.0 * rs)
    pf = math.sqrt(lam) / (2.0 * rs)
    EN = (s + m2 - M * M) / (2.0 * rs)
    A = (s - M * M - m2) / (2.0 * rs)
    Q2max = 2.0 * pi * (EN + pf) - m2
    Q2min = m2 * m2 * M * M / (s * (A + pf) * (EN + pf))
    return Q2min, Q2max


@jitable
def msq_upscattering(Enu, Q2, par):
    """Spin-summed (target-averaged) |M|^2 for one channel, dimensionless couplings, GeV^0.

    ``par`` is the channel record built by ``channel_params`` (fields of ``CHANNEL_DTYPE``).
    Formula: module docstring (derived in validation/xsec_derivation.md). Units: the projectile-side
    couplings are dimensionless, so |M|^2 is dimensionless; dsigma/dQ2 = |M|^2/(64 pi M^2 E^2).
    """
    m = par["m_N"]
    M = par["M"]
    regime = par["regime"]
    eta = par["eta"]
    sig = par["sigma"]
    E = Enu
    m2 = m * m
    # --- invariants (k^2 = 0, k'^2 = m^2, p^2 = p'^2 = M^2, q = k - k', P = 2p + q) ---
    kp = M * E
    kkp = 0.5 * (m2 + Q2)
    kpp = M * E - 0.5 * Q2
    kq = -kkp
    kpq = kkp - m2
    kP = 2.0 * kp + kq
    kpP = 2.0 * kpp + kpq
    P2 = 4.0 * M * M + Q2
    pP = 2.0 * M * M + 0.5 * Q2
    # --- m * s (lab-frame helicity vector) dotted into k, p, P ---
    Ep = kpp / M
    pabs = math.sqrt(max(Ep * Ep - m2, 0.0))
    if pabs > 1e-300:
        ms_k = (Ep * kkp - m2 * E) / pabs
        # k.k' - m s.k without cancellation: with Ep - |p| = m^2/(Ep + |p|) it is
        # m^2 (E - k.k'/(Ep + |p|))/|p|. Computed as the difference of two nearly equal numbers it keeps
        # only ~1e-16 (E/m)^2 relative precision, and for m_N <~ 10 MeV the helicity-flipping integrand
        # became noise that sigma_upscattering's panel refinement chased (issue 16: 80-150 s cards).
        kk_minus = m2 * (E - kkp / (Ep + pabs)) / pabs
        Ep_minus = m2 / (Ep + pabs)  # Ep - |p|
        # (s.k)(k'.P) - (k.k')(s.P), rewritten without the 1/m of s (validation/xsec_derivation.md sec. 3)
        sv_spin = m / (M * pabs) * (kkp * pP - kp * kpP)
    else:  # N at rest in the lab: helicity undefined, split evenly
        ms_k = 0.0
        kk_minus = kkp
        Ep_minus = Ep
        sv_spin = 0.0
    if sig == 0.0:
        b, asv = 0.0, 2.0
    else:
        b, asv = sig, 1.0
    # K = a k' + b m s: K.k, K.q = K.k - a m^2 and K.P = 2 M (a Ep + b |p|) + K.q (kpP = 2 M Ep + kpq,
    # s.P = 2 M |p| + s.k), the b = -1 combinations in the cancellation-free forms above
    if sig == 0.0:
        Kk = 2.0 * kkp
        KP = 2.0 * kpP
        Kq = 2.0 * kpq
        L_SS = 2.0 * kkp
    elif sig > 0.0:
        Kk = kkp + ms_k
        Kq = Kk - m2
        KP = 2.0 * M * (Ep + pabs) + Kq
        L_SS = kk_minus
    else:
        Kk = kk_minus
        Kq = Kk - m2
        KP = 2.0 * M * Ep_minus + Kq
        L_SS = kkp + ms_k
    XP = 2.0 * KP * kP - P2 * Kk
    Xq = 2.0 * Kq * kq + Q2 * Kk
    Xg = -2.0 * Kk
    Xe = -2.0 * eta * (KP * kq - Kq * kP)
    L_SV = asv * m * kP - b * sv_spin
    # --- propagators and projectile-side couplings ---
    AZp = par["A_Zprime"]
    AZ = par["A_Z"]
    AS = par["A_S"]
    mZp = par["m_Zprime"]
    mS = par["m_S"]
    if eta < 0.0:
        cZp = -AZp / (Q2 + mZp * mZp)
        cZ = -AZ / (Q2 + const.m_Z * const.m_Z)
    else:
        cZp = AZp.conjugate() / (Q2 + mZp * mZp)
        cZ = AZ.conjugate() / (Q2 + const.m_Z * const.m_Z)
    if mS < 1e300:
        cS = (AS if eta < 0.0 else AS.conjugate()) / (Q2 + mS * mS)
    else:
        cS = 0.0j
    eeps = par["e_eps"]
    gS = par["g_S"]
    if regime == 0:
        Zp = par["Z"]
        Nn = par["N"]
        F = ff.nuclear_form_factor(Q2, par["ff_model"], par["ff"])
        Qc = (cZp * eeps * Zp + cZ * gZ_over_cW * (Zp * (0.25 - const.sin2_thetaW) - 0.25 * Nn)) * F
        Ec = cS * gS * (Zp * const.m_proton + Nn * const.m_neutron) * 2.0 * M * F
        AP = abs(Qc) ** 2
        return AP * XP + abs(Ec) ** 2 * L_SS + 2.0 * (Ec * Qc.conjugate()).real * L_SV
    is_p = regime == 1
    tau3 = 1.0 if is_p else -1.0
    F1p, F2p = ff.nucleon_em_form_factors(Q2, True)
    F1n, F2n = ff.nucleon_em_form_factors(Q2, False)
    if is_p:
        F1g, F2g = F1p, F2p
    else:
        F1g, F2g = F1n, F2n
    F1Z = 0.25 * tau3 * (F1p - F1n) - const.sin2_thetaW * F1g
    F2Z = 0.25 * tau3 * (F2p - F2n) - const.sin2_thetaW * F2g
    GA = ff.nucleon_axial_form_factor(Q2)
    FAZ = 0.25 * tau3 * GA
    FPZ = 0.25 * tau3 * 2.0 * M * M * GA / (const.m_pi0 * const.m_pi0 + Q2)
    cZg = cZ * gZ_over_cW
    cZpe = cZp * eeps
    G = cZpe * (F1g + F2g) + cZg * (F1Z + F2Z)
    B = -(cZpe * F2g + cZg * F2Z) / (2.0 * M)
    C = -cZg * FAZ
    D = cZg * (-FPZ / M + (2.0 * M * FAZ - FPZ * Q2 / M) / (const.m_Z * const.m_Z))
    Es = cS * gS * M
    aG, aB, aC, aD = abs(G) ** 2, abs(B) ** 2, abs(C) ** 2, abs(D) ** 2
    AP = aG + aC + aB * P2 + 4.0 * M * (G * B.conjugate()).real
    Aq = -aG - aC + Q2 * aD - 4.0 * M * (C * D.conjugate()).real
    Ag = -Q2 * aG - P2 * aC
    Ae = 2.0 * (G * C.conjugate()).real
    msq = AP * XP + Aq * Xq + Ag * Xg + Ae * Xe
    msq += abs(Es) ** 2 * P2 * L_SS
    msq += 2.0 * (Es * (2.0 * M * G.conjugate() + P2 * B.conjugate())).real * L_SV
    return msq


@jitable
def dsigma_dQ2_upscattering(Enu, Q2, par):
    """dsigma/dQ2 (GeV^-4 = GeV^-2 per GeV^2) per target nucleus for one channel.

    |M|^2/(64 pi M^2 E^2) (massless projectile, target at rest), times the nucleon multiplicity
    (Z or A - Z) and the bound-nucleon factor (``form_factors.BOUND_*``) for p-el / n-el.
    Zero outside [Q2_min, Q2_max].
    """
    M = par["M"]
    Q2min, Q2max = upscattering_Q2_limits(Enu, par["m_N"], M)
    if Q2 < Q2min or Q2 > Q2max or Q2max <= 0.0:
        return 0.0
    return _dsigma_dQ2_in_range(Enu, Q2, par)


@jit  # a cached kernel of its own, not inlined: every caller (the cross-section tabulation, the pilot's production
# kernel, the event kernel) used to compile this tree again (~1.7 s each on a cold start); now a process compiles it
# once, and the helper process and the parent share it through the cache (issue 16). Its arguments are two
# floats and a record (no arrays: no reference counts on the call).
def _dsigma_dQ2_in_range(Enu, Q2, par):
    M = par["M"]
    val = msq_upscattering(Enu, Q2, par) / (64.0 * math.pi * M * M * Enu * Enu)
    if par["regime"] != 0:
        bound = par["bound"]
        if bound == ff.BOUND_PAULI:
            val *= ff.pauli_blocking_factor(Q2, par["k_F"], M)
        elif bound == ff.BOUND_BERTUZZO:
            F = ff.nuclear_form_factor(Q2, par["ff_model"], par["ff"])
            val *= 1.0 - F * F
        val *= par["multiplicity"]
    return max(val, 0.0)


@jitable
def _sorted_small(a, n):
    """a[:n] sorted ascending, in place (insertion sort of the <= 8 breakpoints; the same values np.sort gives,
    without numba's np.sort, which took 0.9 s of a cold start's compilation)."""
    for i in range(1, n):
        v = a[i]
        j = i - 1
        while j >= 0 and a[j] > v:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v
    return a[:n]


@jitable
def _insert_break(bk, n, x, lo, hi):
    if x > lo and x < hi:
        bk[n] = x
        return n + 1
    return n


@jitable
def _gl_panel(Enu, par, a, b):
    half = 0.5 * (b - a)
    mid = a + half
    s = 0.0
    for ig in range(_GL_ORDER):
        Q2 = math.exp(mid + half * _GL_X[ig])
        s += _GL_W[ig] * Q2 * _dsigma_dQ2_in_range(Enu, Q2, par)
    return half * s


@jitable
def sigma_upscattering(Enu, par):
    """Total cross section (GeV^-2) per target nucleus for one channel at neutrino energy Enu (GeV).

    Integral of dsigma/dQ2 over ln Q2 from Q2_min to Q2_max. Deterministic rule: 8-point
    Gauss-Legendre panels of width <= 1.5 in ln Q2, split at the mediator masses, m_N^2, the
    form-factor scales and the point where N is at rest in the lab (kink of the per-helicity
    integrand); each panel is then bisected until its two halves agree with it to 1e-6 of the
    total (this resolves the diffraction minima of nuclear form factors when Q2_min is large, and the
    steep per-helicity integrands just above threshold); panels below 1e-7 of the total are kept as
    they are.
    Relative precision better than 1e-4 (tests/physics/test_cross_sections.py vs scipy quad).
    """
    mN = par["m_N"]
    M = par["M"]
    Q2min, Q2max = upscattering_Q2_limits(Enu, mN, M)
    if Q2max <= Q2min:
        return 0.0
    lo = math.log(Q2min)
    hi = math.log(Q2max)
    bk = np.empty(12)
    n = 0
    bk[n] = lo
    n += 1
    if par["A_Zprime"] != 0.0:
        n = _insert_break(bk, n, 2.0 * math.log(par["m_Zprime"]), lo, hi)
    if par["m_S"] < 1e300 and par["A_S"] != 0.0:
        n = _insert_break(bk, n, 2.0 * math.log(par["m_S"]), lo, hi)
    if mN > 0.0:
        n = _insert_break(bk, n, 2.0 * math.log(mN), lo, hi)
        Q2rest = 2.0 * M * (Enu - mN)  # E_N = mN in the lab
        if Q2rest > 0.0:
            n = _insert_break(bk, n, math.log(Q2rest), lo, hi)
    if par["regime"] == 0 or par["bound"] == ff.BOUND_BERTUZZO:
        n = _insert_break(bk, n, math.log(0.01), lo, hi)
        n = _insert_break(bk, n, math.log(0.1), lo, hi)
    else:
        n = _insert_break(bk, n, math.log(0.5), lo, hi)
    bk[n] = hi
    n += 1
    edges = _sorted_small(bk, n)
    # first pass: fixed panels
    npan_tot = 0
    for j in range(n - 1):
        if edges[j + 1] > edges[j]:
            npan_tot += int(math.ceil((edges[j + 1] - edges[j]) / _PANEL_WIDTH))
    pa = np.empty(npan_tot)
    pb = np.empty(npan_tot)
    pv = np.empty(npan_tot)
    k = 0
    total = 0.0
    for j in range(n - 1):
        a = edges[j]
        b = edges[j + 1]
        if b <= a:
            continue
        npan = int(math.ceil((b - a) / _PANEL_WIDTH))
        h = (b - a) / npan
        for ip in range(npan):
            pa[k] = a + ip * h
            pb[k] = a + (ip + 1) * h
            pv[k] = _gl_panel(Enu, par, pa[k], pb[k])
            total += pv[k]
            k += 1
    if total <= 0.0:
        return 0.0
    # second pass: bisect panels whose halves disagree (stack-based, depth-limited)
    tol = _REFINE_TOL * total
    stack_a = np.empty(64)
    stack_b = np.empty(64)
    stack_v = np.empty(64)
    result = 0.0
    for k in range(npan_tot):
        top = 0
        stack_a[0], stack_b[0], stack_v[0] = pa[k], pb[k], pv[k]
        top = 1
        while top > 0:
            top -= 1
            a, b, whole = stack_a[top], stack_b[top], stack_v[top]
            if abs(whole) <= 0.1 * tol:  # a negligible panel (tails): its error is far below tol
                result += whole
                continue
            mid = 0.5 * (a + b)
            left = _gl_panel(Enu, par, a, mid)
            right = _gl_panel(Enu, par, mid, b)
            if abs(left + right - whole) <= tol or b - a < 1e-3 or top > 60:
                result += left + right
            else:
                stack_a[top], stack_b[top], stack_v[top] = a, mid, left
                stack_a[top + 1], stack_b[top + 1], stack_v[top + 1] = mid, b, right
                top += 2
    return result


@jit
def sigma_upscattering_array(Enu, params):
    """sigma (GeV^-2) for every channel (records of ``params``, ``CHANNEL_DTYPE``) and energy: shape (n_channels, n_E)."""
    out = np.empty((params.shape[0], Enu.shape[0]))
    for c in range(params.shape[0]):
        for i in range(Enu.shape[0]):
            out[c, i] = sigma_upscattering(Enu[i], params[c])
    return out


@jitable
def _table_u(d, d_split):
    """Table coordinate: ln d below d_split, continued linearly (C1) above: u = ln d_s + (d - d_s)/d_s."""
    if d < d_split:
        return math.log(d)
    return math.log(d_split) + (d - d_split) / d_split


@jitable
def _table_d(u, d_split):
    """Inverse of ``_table_u``."""
    ls = math.log(d_split)
    if u < ls:
        return math.exp(u)
    return d_split * (1.0 + u - ls)


@jitable
def interpolate_sigma(Enu, channel, E_th, u0, du, d_split, table):
    """Interpolated sigma (same unit as ``table``) for ``channel`` at energy Enu (GeV).

    Row ``table[channel]`` holds sigma at E = E_th + d_i with the nodes uniform in
    u = ln d (d < d_split) continued as ln d_s + (d - d_s)/d_s (d >= d_split): geometric spacing near
    threshold, linear spacing at high energy (``build_xsec_table``). Between nodes: cubic Hermite in
    ln(sigma) with central-difference slopes (log-linear in the first and last interval, linear in
    sigma where a neighbouring node is 0); between the threshold and the first node:
    ~ (E - E_th)^(1/2) (two-body phase space); 0 below threshold; constant above the last node.
    """
    d = Enu - E_th[channel]
    if d <= 0.0:
        return 0.0
    n = table.shape[1]
    d0 = math.exp(u0[channel])
    if d < d0:  # two-body phase space: sigma ~ p_f ~ (E - E_th)^(1/2) at threshold
        return table[channel, 0] * math.sqrt(d / d0)
    t = (_table_u(d, d_split[channel]) - u0[channel]) / du[channel]
    i = int(t)
    if i >= n - 1:
        return table[channel, n - 1]
    f = t - i
    a = table[channel, i]
    b = table[channel, i + 1]
    if not (a > 0.0 and b > 0.0):
        return (1.0 - f) * a + f * b
    la, lb = math.log(a), math.log(b)
    if i == 0 or i >= n - 2 or not (table[channel, i - 1] > 0.0 and table[channel, i + 2] > 0.0):
        return math.exp((1.0 - f) * la + f * lb)  # log-linear: exact for power laws and exponentials
    # cubic Hermite in ln(sigma) with Catmull-Rom (central-difference) slopes: third order in the node
    # spacing, exact for ln(sigma) quadratic in u; reduces the table error from ~1e-3 (log-linear) to
    # below 1e-4 with the default 800 nodes (tests/physics/test_cross_sections.py)
    ma = 0.5 * (lb - math.log(table[channel, i - 1]))
    mb = 0.5 * (math.log(table[channel, i + 2]) - la)
    f2 = f * f
    f3 = f2 * f
    return math.exp((2.0 * f3 - 3.0 * f2 + 1.0) * la + (f3 - 2.0 * f2 + f) * ma + (-2.0 * f3 + 3.0 * f2) * lb + (f3 - f2) * mb)


# ================================================================================ Python API
def scalar_production_amplitude(model, alpha: str, j: int) -> complex:
    """A^S_{alpha j}: coupling of a flavour-alpha beam to N_j through h' (vertex -A^S h' Nbar P_L nu).

    From -y_N Nbar nu_D^c Phi (arXiv:1903.07589 eq. 1) with Phi = (v_phi + phi)/sqrt2 and
    h' = h sin(theta) + phi cos(theta): the mass-basis P_L coupling is cos(theta) y_N/sqrt2
    (U_Ni U_Dj + U_Di U_Nj), and the beam state |nu_alpha> = sum_k U_alpha k^* |nu_k> gives
    A^S = cos(theta) y_N/sqrt2 (U_Nj P_{D alpha} + U_Dj P_{N alpha}), P the light projector.
    """
    from physics.model import IDX

    if model.m_hprime is None or model.y_N == 0.0:
        return 0j
    U, P = model.U, model.light_projector()
    a = IDX[alpha]
    return complex(math.cos(model.theta) * model.y_N / math.sqrt(2.0)
                   * (U[IDX["N"], j] * P[IDX["D"], a] + U[IDX["D"], j] * P[IDX["N"], a]))


DIAGRAMS = ("Zprime", "Z", "hprime")


def channel_params(model, projectile: str, hnl: int, target, regime: str, helicity: str, *,
                   bound: str = "pauli", diagrams=DIAGRAMS) -> np.void:
    """The record (``CHANNEL_DTYPE``) of one channel for the kernels; ``channel_array`` stacks records.

    Parameters
    ----------
    model : physics.model.DarkSectorModel
    projectile : str
        ``"numu"``, ``"nuebar"``, ... (``PROJECTILES``).
    hnl : int
        Heavy state index, 0 for N4.
    target : physics.form_factors.TargetInfo
    regime : str
        ``"coherent"``, ``"p-el"`` or ``"n-el"`` (must be in ``target.regimes``).
    helicity : str
        ``"conserving"``, ``"flipping"`` or ``"both"`` (sum).
    bound : str
        Bound-nucleon treatment for p-el/n-el on nuclei: ``"pauli"`` (default), ``"bertuzzo"``, ``"free"``.
    diagrams : iterable of str
        Mediators kept (subset of ``DIAGRAMS``).
    """
    from physics.couplings import production_amplitude

    if projectile not in PROJECTILES:
        raise ValueError(f"projectile {projectile!r}: allowed {list(PROJECTILES)}")
    if regime not in target.regimes:
        raise ValueError(f"regime {regime!r} not available for target {target.name}: allowed {list(target.regimes)}")
    if helicity not in HELICITIES:
        raise ValueError(f"helicity {helicity!r}: allowed {list(HELICITIES)}")
    if bound not in ff.BOUND_NAMES:
        raise ValueError(f"bound {bound!r}: allowed {list(ff.BOUND_NAMES)}")
    if not 0 <= hnl < model.n_heavy:
        raise ValueError(f"hnl index {hnl}: the model has {model.n_heavy} heavy states")
    alpha, eta = PROJECTILES[projectile]
    p = np.zeros((), CHANNEL_DTYPE)[()]  # a record (np.void) with every field 0
    p["m_N"] = model.m_N[hnl]
    p["regime"] = REGIMES[regime]
    p["M"] = target.mass if regime == "coherent" else (const.m_proton if regime == "p-el" else const.m_neutron)
    p["eta"] = eta
    p["sigma"] = HELICITIES[helicity]
    for name, field in (("Zprime", "A_Zprime"), ("Z", "A_Z")):
        if name in diagrams:
            p[field] = production_amplitude(model, name, alpha, hnl)
    if "hprime" in diagrams:
        p["A_S"] = scalar_production_amplitude(model, alpha, hnl)
    p["m_Zprime"] = model.m_zprime
    p["m_S"] = model.m_hprime if model.m_hprime is not None else math.inf
    p["e_eps"] = model.e_epsilon_scattering  # signed e epsilon (DarkNews: its factor and sign, physics.model)
    p["g_S"] = math.sin(model.theta) * f_N_higgs / const.v_higgs
    p["Z"] = target.Z
    p["N"] = target.A - target.Z
    p["ff_model"] = target.ff_model
    p["ff"] = target.ff_params
    p["bound"] = ff.BOUND_FREE if target.name == "H1" else ff.BOUND_NAMES[bound]
    p["k_F"] = target.k_fermi
    p["multiplicity"] = 1.0 if regime == "coherent" else (target.Z if regime == "p-el" else target.A - target.Z)
    return p


def upscattering_channels(model, projectiles, targets, regimes=None, helicities=("conserving", "flipping"), *,
                          bound: str = "pauli", form_factor: str = "default", diagrams=DIAGRAMS) -> list[dict]:
    """Every (projectile, N_i, target, regime, helicity) channel: list of dicts with labels and ``params``.

    ``regimes=None`` takes all regimes of each target (H1 has only ``p-el``); a requested regime that a
    target does not have is skipped. Labels: projectile, hnl, target, regime, helicity, form_factor,
    bound, multiplicity (nucleons per nucleus in p-el/n-el, 1 for coherent).
    """
    out = []
    for proj in projectiles:
        for j, hname in enumerate(model.heavy_names):
            for tname in targets:
                tgt = ff.get_target(tname, form_factor)
                for reg in tgt.regimes:
                    if regimes is not None and reg not in regimes:
                        continue
                    for hel in helicities:
                        par = channel_params(model, proj, j, tgt, reg, hel, bound=bound, diagrams=diagrams)
                        out.append({
                            "projectile": proj, "hnl": hname, "target": tname, "regime": reg, "helicity": hel,
                            "form_factor": tgt.ff_name if reg == "coherent" or bound == "bertuzzo" else "nucleon-dipole",
                            "bound": "n/a" if reg == "coherent" else ("free" if tname == "H1" else bound),
                            "multiplicity": int(par["multiplicity"]), "params": par,
                        })
    return out


def sigma_upscattering_cm2(model, Enu, projectile: str = "numu", hnl: str = "N4", target: str = "C12",
                           regime: str = "coherent", helicity: str = "both", *, bound: str = "pauli",
                           form_factor: str = "default", diagrams=DIAGRAMS) -> np.ndarray:
    """sigma(E_nu) in cm^2 per target nucleus for one channel; ``Enu`` (GeV) scalar or array."""
    j = model.heavy_names.index(hnl)
    par = channel_params(model, projectile, j, ff.get_target(target, form_factor), regime, helicity,
                         bound=bound, diagrams=diagrams)
    E = np.atleast_1d(np.asarray(Enu, dtype=float))
    return sigma_upscattering_array(E, channel_array([par]))[0] * hbarc2


def xsec_arrays(model, Enu, projectiles, targets, regimes=None, helicities=("conserving", "flipping"), *,
                bound: str = "pauli", form_factor: str = "default", split_diagrams: bool = False) -> dict:
    """sigma in cm^2 per target nucleus for every channel, as arrays.

    Returns a dict: ``labels`` (list of channel dicts: projectile, hnl, target, regime, helicity,
    form_factor, bound, multiplicity), ``enu_GeV`` (n_E,), ``sigma_cm2`` (n_channels, n_E); with
    ``split_diagrams`` also ``sigma_Zprime_cm2``, ``sigma_Z_cm2``, ``sigma_hprime_cm2`` (one mediator
    at a time) and ``sigma_interference_cm2`` (total minus their sum).
    """
    E = np.atleast_1d(np.asarray(Enu, dtype=float))
    chans = upscattering_channels(model, projectiles, targets, regimes, helicities, bound=bound, form_factor=form_factor)
    out = {"labels": [{k: v for k, v in c.items() if k != "params"} for c in chans], "enu_GeV": E}
    out["sigma_cm2"] = sigma_upscattering_array(E, channel_array(c["params"] for c in chans)) * hbarc2
    if split_diagrams:
        rest = out["sigma_cm2"].copy()
        for d in DIAGRAMS:
            ch = upscattering_channels(model, projectiles, targets, regimes, helicities, bound=bound,
                                       form_factor=form_factor, diagrams=(d,))
            part = sigma_upscattering_array(E, channel_array(c["params"] for c in ch)) * hbarc2
            out[f"sigma_{d}_cm2"] = part
            rest -= part
        out["sigma_interference_cm2"] = rest
    return out


def xsec_records(model, Enu, projectiles, targets, regimes=None, helicities=("conserving", "flipping"), *,
                 bound: str = "pauli", form_factor: str = "default", split_diagrams: bool = False) -> list[dict]:
    """The content of ``xsec_arrays`` as JSON-ready records, one per (channel, energy).

    Each record: projectile, hnl, target, regime, helicity, enu_GeV, sigma_cm2 [, sigma_Zprime_cm2,
    sigma_Z_cm2, sigma_hprime_cm2, sigma_interference_cm2], form_factor, bound, multiplicity.
    """
    arr = xsec_arrays(model, Enu, projectiles, targets, regimes, helicities, bound=bound, form_factor=form_factor,
                      split_diagrams=split_diagrams)
    keys = ["sigma_cm2"] + ([f"sigma_{d}_cm2" for d in DIAGRAMS] + ["sigma_interference_cm2"] if split_diagrams else [])
    recs = []
    for ic, lab in enumerate(arr["labels"]):
        for ie, e in enumerate(arr["enu_GeV"]):
            r = {k: lab[k] for k in ("projectile", "hnl", "target", "regime", "helicity")}
            r["enu_GeV"] = float(e)
            for k in keys:
                r[k] = float(arr[k][ic, ie])
            r.update({k: lab[k] for k in ("form_factor", "bound", "multiplicity")})
            recs.append(r)
    return recs


def build_xsec_table(model, projectiles, targets, E_max: float, regimes=None, helicities=("conserving", "flipping"), *,
                     n_nodes: int = 800, d_min: float = 1e-6, d_split: float = 1.0, bound: str = "pauli",
                     form_factor: str = "default") -> dict:
    """Tabulate sigma (cm^2 per nucleus) once per run for ``interpolate_sigma``.

    Nodes E = E_th + d are uniform in u(d) = ln d for d < d_split (GeV) and ln d_s + (d - d_s)/d_s above,
    from ``d_min`` to E_max - E_th. Returns a dict: ``labels`` (channel dicts without params),
    ``params`` (n_ch,) of ``CHANNEL_DTYPE``, ``E_th``, ``u0``, ``du``, ``d_split`` (n_ch,), ``sigma_cm2`` (n_ch, n_nodes);
    call ``interpolate_sigma(E, c, t["E_th"], t["u0"], t["du"], t["d_split"], t["sigma_cm2"])``.
    """
    chans = upscattering_channels(model, projectiles, targets, regimes, helicities, bound=bound, form_factor=form_factor)
    n = len(chans)
    params = channel_array(c["params"] for c in chans)
    E_th = np.array([upscattering_threshold(p["m_N"], p["M"]) for p in params])
    d_top = np.maximum(E_max - E_th, 2.0 * d_min)
    ds = np.minimum(d_split, 0.5 * d_top)
    u0 = np.full(n, math.log(d_min))
    du = np.array([(_table_u(d_top[c], ds[c]) - u0[c]) / (n_nodes - 1) for c in range(n)])
    table = np.zeros((n, n_nodes))
    for c in range(n):
        E = E_th[c] + np.array([_table_d(u0[c] + du[c] * i, ds[c]) for i in range(n_nodes)])
        table[c] = sigma_upscattering_array(E, params[c:c + 1])[0] * hbarc2
    labels = [{k: v for k, v in c.items() if k != "params"} for c in chans]
    return {"labels": labels, "params": params, "E_th": E_th, "u0": u0, "du": du, "d_split": ds, "sigma_cm2": table}


def dsigma_dQ2_llewellyn_smith_nc(E, Q2, eta, with_propagator=True):
    """Closed-form NC elastic nu p (eta = -1) / nubar p (eta = +1) dsigma/dQ2 in GeV^-4, a reference
    independent of ``msq_upscattering`` for tests and validation.

    C. H. Llewellyn Smith, Phys. Rept. 3 (1972) 261, eq. (3.18) with m_l = 0 and the NC form factors of
    L. A. Ahrens et al., PRD 35 (1987) 785: F1,2 = 2 F1,2^Z, F_A = G_A/2 (upper sign +B for nu, lower for
    nubar); the same nucleon form factors as ``physics.form_factors``. ``with_propagator`` multiplies by
    the Z propagator (1 + Q2/m_Z^2)^-2 that the contact formula drops.
    """
    M = const.m_proton
    F1p, F2p = ff.nucleon_em_form_factors(Q2, True)
    F1n, F2n = ff.nucleon_em_form_factors(Q2, False)
    F1 = 2 * ((F1p - F1n) / 4 - const.sin2_thetaW * F1p)
    F2 = 2 * ((F2p - F2n) / 4 - const.sin2_thetaW * F2p)
    FA = ff.nucleon_axial_form_factor(Q2) / 2
    tau = Q2 / (4 * M * M)
    A = Q2 / M**2 * ((1 + tau) * FA**2 - (1 - tau) * F1**2 + tau * (1 - tau) * F2**2 + 4 * tau * F1 * F2)
    B = Q2 / M**2 * FA * (F1 + F2)
    C = 0.25 * (FA**2 + F1**2 + tau * F2**2)
    su = 4 * M * E - Q2
    out = const.G_F**2 * M**2 / (8 * math.pi * E**2) * (A - eta * B * su / M**2 + C * su**2 / M**4)
    return out / (1 + Q2 / const.m_Z**2) ** 2 if with_propagator else out
