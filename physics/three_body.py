"""Three-body decays N_i -> f l1^- l2^+ and N_i -> nu nu nubar: |M|^2 and widths (numba).

Matrix element (derived in ``validation/notes_decay_widths.md``; checked against a numerical Dirac
trace in tests/physics/test_decay_widths.py). After a Fierz rearrangement of the W exchange every
contribution has the form

    M = sum_{alpha, beta in L, R} C_{alpha beta}(s, t) [ubar_f gamma^mu P_alpha u_N] [ubar_1 gamma_mu P_beta v_2]

    C_{alpha beta} = sum_X n^X_alpha c^X_beta D_X(s)  +  delta_{alpha L} delta_{beta L} sum_Y w_Y D_Y(t),

with s = (p1 + p2)^2, t = (p_f + p2)^2, D_X(q^2) = 1/(q^2 - M_X^2 + i M_X Gamma_X); n^X the neutral
vertex of the heavy line (n_R = -n_L^* for a Majorana f, 0 otherwise), c^X the charged-lepton
couplings (Z': c_L = c_R = -e eps; Z: (g/c_W)(-1/2 + s_W^2), (g/c_W) s_W^2) and w_W = (g^2/2) U_li P_bl
the Fierzed W coefficient (its sign fixed by the SM nu_e e effective coupling g_L + 1); the same LL
t-channel term carries the exchange diagram of a Dirac N_i -> N_j nu nubar (w_X = kappa_r(i) kappa_s(j)^*). The
q^mu q^nu / M^2 parts of the Z, W propagators are dropped (O(m_l m_N / M_W^2) ~ 1e-5 for GeV N; the
Z' couples to a conserved vector current). For a parent with spin four-vector s (s.P = 0, s^2 = -1;
s = 0 gives the spin average), with K_L = P - m0 s, K_R = P + m0 s, p1 = l^-, p2 = l^+:

    |M|^2 = 8 sum_alpha [|C_a,a|^2 (p_f.p1)(K_a.p2) + |C_a,abar|^2 (p_f.p2)(K_a.p1)
                         + m1 m2 Re(C_aL C_aR^*) (p_f.K_a)]
          + 2 sum_beta [Re(C_Lb C_Rb^*) R_b - Im(C_Lb C_Rb^*) I_b]
          - 16 m_f m0 m1 m2 Re(C_LL C_RR^* + C_LR C_RL^*)

    R_b = -4 m_f [m0 (p1.p2) + eta_b ((s.p2)(P.p1) - (s.p1)(P.p2))],  I_b = 4 eta_b m_f eps(p2, s, p1, P)

(eta_L = -1, eta_R = +1, eps_{0123} = +1). The Z' pole is never inside the integration region: when
the Z' can be on shell the table drops it from the three-body channel (that rate is N -> nu Z' times
BR(Z' -> l l)); otherwise its exact Breit-Wigner propagator (with width) is kept and the
integration nodes are graded towards the pole.

Final states with several Majorana neutrinos (N -> N4 nu nu, N4 N4 nu, N4 N4 N4, ...) use
``msq_majorana_three``: numerical helicity amplitudes with the Denner fermion-flow rules (see there).

Four-vectors are (px, py, pz, E) arrays or tuples, the one component order of the package
(``physics.kinematics``); Lorentz indices of the Dirac algebra (gamma^mu, eps_{mu nu rho sigma}) keep
mu = 0 for time, and the code maps them onto that order (``_eps4``, ``_GS``).

Numerics: Gauss-Legendre in phi with s = s_lo + (s_hi - s_lo)(1 - cos phi)/2, which removes the
square-root endpoints of the Dalitz region, on panels graded geometrically towards an end when a
pole or the lepton threshold scale lies close to it; Gauss-Legendre in t (the integrand is a
polynomial in t times the smooth W propagator). Relative precision < 1e-6 with the defaults
(test: doubling the nodes).
"""

import math

import numpy as np

from physics._jit import jit, jitable

__all__ = [
    "GL_X",
    "GL_W",
    "spin_vector",
    "msq_N_to_f_ll",
    "msq_N_to_nu_ll",
    "msq_N_to_nu_nu_nu",
    "width_N_to_f_ll",
    "msq_f_ll_batch",
    "msq_nu_nu_nu_batch",
    "msq_majorana_three",
    "msq_majorana_three_batch",
    "width_majorana_three",
    "width_N_to_nu_nu_nu",
]

# Gauss-Legendre nodes on [-1, 1]: per outer panel (12) and for the inner variable (10).
GL_X, GL_W = np.polynomial.legendre.leggauss(12)
GL_XI, GL_WI = np.polynomial.legendre.leggauss(10)

_PS3 = 1.0 / ((2.0 * math.pi) ** 3 * 32.0)  # dGamma = _PS3 / m0^3 |M|^2 ds dt


@jitable
def _dot(a, b):
    """Minkowski product of (px, py, pz, E) four-vectors (``physics.kinematics``), metric (+, -, -, -)."""
    return a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2]


@jitable
def _eps4(a, b, c, d):
    """eps_{mu nu rho sigma} a^mu b^nu c^rho d^sigma with eps_{0123} = +1 (Lorentz index 0 = time): the
    determinant of the rows (a^0, a^1, a^2, a^3), ..., read from (px, py, pz, E) four-vectors."""
    m00, m01, m02, m03 = a[3], a[0], a[1], a[2]
    m10, m11, m12, m13 = b[3], b[0], b[1], b[2]
    m20, m21, m22, m23 = c[3], c[0], c[1], c[2]
    m30, m31, m32, m33 = d[3], d[0], d[1], d[2]
    return (m00 * (m11 * (m22 * m33 - m23 * m32) - m12 * (m21 * m33 - m23 * m31) + m13 * (m21 * m32 - m22 * m31))
            - m01 * (m10 * (m22 * m33 - m23 * m32) - m12 * (m20 * m33 - m23 * m30) + m13 * (m20 * m32 - m22 * m30))
            + m02 * (m10 * (m21 * m33 - m23 * m31) - m11 * (m20 * m33 - m23 * m30) + m13 * (m20 * m31 - m21 * m30))
            - m03 * (m10 * (m21 * m32 - m22 * m31) - m11 * (m20 * m32 - m22 * m30) + m12 * (m20 * m31 - m21 * m30)))


@jitable
def spin_vector(P, m, n):
    """Spin four-vector (sx, sy, sz, s0) of a particle of four-momentum P (px, py, pz, E), mass m, rest-frame
    spin axis n (3,)."""
    s = np.zeros(4)
    pn = P[0] * n[0] + P[1] * n[1] + P[2] * n[2]
    s[3] = pn / m
    f = pn / (m * (P[3] + m))
    s[0] = n[0] + f * P[0]
    s[1] = n[1] + f * P[1]
    s[2] = n[2] + f * P[2]
    return s


@jitable
def _couplings_ll(s, t, nL, nR, cL, cR, mmed, gmed, wt, mt, gt):
    CLL = 0j
    CLR = 0j
    CRL = 0j
    CRR = 0j
    for x in range(mmed.shape[0]):
        D = 1.0 / complex(s - mmed[x] ** 2, mmed[x] * gmed[x])
        CLL += nL[x] * cL[x] * D
        CLR += nL[x] * cR[x] * D
        CRL += nR[x] * cL[x] * D
        CRR += nR[x] * cR[x] * D
    for x in range(mt.shape[0]):
        CLL += wt[x] / complex(t - mt[x] ** 2, mt[x] * gt[x])
    return CLL, CLR, CRL, CRR


@jitable
def _msq_dots(Pp1, Pp2, pfp1, pfp2, p1p2, sp1, sp2, eps2s1P, m0, mf, m1, m2, CLL, CLR, CRL, CRR):
    """|M|^2 of the module docstring from scalar products (s = 0 gives the spin average)."""
    return _msq_dots_c(Pp1, Pp2, pfp1, pfp2, p1p2, sp1, sp2, eps2s1P, m0, mf, m1, m2, CLL, CLR, CRL, CRR,
                       coupling_terms(CLL, CLR, CRL, CRR))


@jitable
def coupling_terms(CLL, CLR, CRL, CRR):
    """The coupling factors of ``_msq_dots``' helicity-conserving part: (|C_LL|^2, |C_LR|^2, |C_RR|^2, |C_RL|^2,
    Re(C_LL C_LR*), Re(C_RR C_RL*)). Computed once where the couplings are fixed over many |M|^2 evaluations
    (``gen.core.kernels._vector_decay_correlated``: each ``abs`` is a libm ``hypot`` that LLVM does not hoist; issue
    16: 0.903 -> 0.880 us of CPU per light-Z' event generated, ~80 ns per decay in a micro-benchmark with complex
    couplings). The same operations in the same order either way, so |M|^2 has the same bits."""
    return (abs(CLL) ** 2, abs(CLR) ** 2, abs(CRR) ** 2, abs(CRL) ** 2, (CLL * CLR.conjugate()).real,
            (CRR * CRL.conjugate()).real)


@jitable
def _msq_dots_c(Pp1, Pp2, pfp1, pfp2, p1p2, sp1, sp2, eps2s1P, m0, mf, m1, m2, CLL, CLR, CRL, CRR, cc):
    """``_msq_dots`` with ``cc = coupling_terms(CLL, CLR, CRL, CRR)`` given."""
    spf = -(sp1 + sp2)
    KLp1 = Pp1 - m0 * sp1
    KLp2 = Pp2 - m0 * sp2
    KRp1 = Pp1 + m0 * sp1
    KRp2 = Pp2 + m0 * sp2
    Ppf = (m0 * m0 + mf * mf - (m1 * m1 + m2 * m2 + 2.0 * p1p2)) * 0.5  # (P - pf)^2 = s
    KLpf = Ppf - m0 * spf
    KRpf = Ppf + m0 * spf
    a = 8.0 * (cc[0] * pfp1 * KLp2 + cc[1] * pfp2 * KLp1
               + cc[2] * pfp1 * KRp2 + cc[3] * pfp2 * KRp1
               + m1 * m2 * (cc[4] * KLpf + cc[5] * KRpf))
    if mf == 0.0:
        return a
    c = 0.0
    for b in range(2):
        eta = -1.0 if b == 0 else 1.0
        if b == 0:
            x = CLL * CRL.conjugate()
        else:
            x = CLR * CRR.conjugate()
        Rb = -4.0 * mf * (m0 * p1p2 + eta * (sp2 * Pp1 - sp1 * Pp2))
        Ib = 4.0 * eta * mf * eps2s1P
        c += 2.0 * (x.real * Rb - x.imag * Ib)
    d = -16.0 * mf * m0 * m1 * m2 * (CLL * CRR.conjugate() + CLR * CRL.conjugate()).real
    return a + c + d


@jitable
def msq_N_to_f_ll(P, pf, p1, p2, spin, m0, mf, m1, m2, nL, nR, cL, cR, mmed, gmed, wt, mt, gt):
    """|M|^2 of N(P, spin) -> f(pf) l^-(p1) l^+(p2), summed over final spins.

    Parameters
    ----------
    P, pf, p1, p2 : ndarray (4,)
        Four-momenta (px, py, pz, E) in GeV, any frame.
    spin : ndarray (4,)
        Parent spin four-vector (``spin_vector``, (sx, sy, sz, s0)); zeros give the spin average.
    m0, mf, m1, m2 : float
        Masses of N, f, l^-, l^+ (GeV).
    nL, nR, cL, cR : complex ndarray (n_med,)
        Neutral-vertex and lepton couplings of each s-channel mediator (module docstring).
    mmed, gmed : ndarray (n_med,)
        Mediator masses and widths (GeV).
    wt, mt, gt : complex ndarray, ndarray, ndarray (n_t,)
        Fierzed t-channel coefficients (LL only), masses and widths: the W of the charged current,
        or Z', Z in the exchange diagram N_i -> nu (X* -> N_j nubar) of a Dirac N (empty: none).
    """
    q1 = p1 + p2
    q2 = pf + p2
    s = _dot(q1, q1)
    t = _dot(q2, q2)
    CLL, CLR, CRL, CRR = _couplings_ll(s, t, nL, nR, cL, cR, mmed, gmed, wt, mt, gt)
    return _msq_dots(_dot(P, p1), _dot(P, p2), _dot(pf, p1), _dot(pf, p2), _dot(p1, p2),
                     _dot(spin, p1), _dot(spin, p2), _eps4(p2, spin, p1, P), m0, mf, m1, m2, CLL, CLR, CRL, CRR)


@jitable
def msq_N_to_nu_ll(P, pnu, pm, pp, spin, m0, ml_minus, ml_plus, nL, cL, cR, mmed, gmed, wt, mt, gt, antineutrino):
    """|M|^2 of N -> nu l^- l^+ (``antineutrino`` False) or N -> nubar l^- l^+ (True), polarised N.

    The nubar channel of a Majorana N is the CP image of the nu channel: same formula with the
    roles of l^- and l^+ exchanged, the spin reversed and the couplings conjugated
    (nL, cL, cR, wt are those of the nu channel; for nubar pass the lepton masses as they are).
    """
    nR = np.zeros_like(nL)
    if not antineutrino:
        return msq_N_to_f_ll(P, pnu, pm, pp, spin, m0, 0.0, ml_minus, ml_plus, nL, nR, cL, cR, mmed, gmed, wt, mt, gt)
    return msq_N_to_f_ll(P, pnu, pp, pm, -spin, m0, 0.0, ml_plus, ml_minus, nL.conj(), nR, cL.conj(), cR.conj(),
                         mmed, gmed, wt.conj(), mt, gt)


@jitable
def _depth(dist, span):
    """Number of geometric panel levels needed to resolve a feature at distance ``dist`` beyond an end."""
    if not (dist < span) or dist <= 0.0:
        return 0
    k = int(math.ceil(math.log2(2.0 * math.pi * math.sqrt(span / dist)))) + 1
    return min(k, 60)


@jitable
def _phi_nodes(lo, hi, d_lo, d_hi, xg, wg):
    """Nodes and weights on [lo, hi] for the map x = lo + (hi - lo)(1 - cos phi)/2, panels graded
    towards an end when a feature (pole, threshold scale) lies within d_lo / d_hi of it."""
    span = hi - lo
    k_lo = _depth(d_lo, span)
    k_hi = _depth(d_hi, span)
    nb = 2 + k_lo + k_hi
    br = np.empty(nb)
    n = 0
    br[n] = 0.0
    n += 1
    for j in range(k_lo, 0, -1):
        br[n] = math.pi * 0.5**j
        n += 1
    for j in range(1, k_hi + 1):
        v = math.pi - math.pi * 0.5**j
        if v > br[n - 1] + 1e-15:
            br[n] = v
            n += 1
    br[n] = math.pi
    n += 1
    ng = xg.shape[0]
    x = np.empty((n - 1) * ng)
    w = np.empty((n - 1) * ng)
    m = 0
    for p in range(n - 1):
        a = br[p]
        b = br[p + 1]
        h = 0.5 * (b - a)
        c = 0.5 * (a + b)
        for i in range(ng):
            phi = c + h * xg[i]
            x[m] = lo + 0.5 * span * (1.0 - math.cos(phi))
            w[m] = wg[i] * h * 0.5 * span * math.sin(phi)
            m += 1
    return x, w


@jit
def width_N_to_f_ll(m0, mf, m1, m2, nL, nR, cL, cR, mmed, gmed, wt, mt, gt, xg, wg, xgi, wgi):
    """Spin-averaged width of N -> f l1^- l2^+ (GeV) for the couplings of ``msq_N_to_f_ll``.

    One final state (no nu/nubar doubling: the caller adds the CP-image channel of a Majorana N).
    ``xg, wg`` / ``xgi, wgi``: Gauss-Legendre rules for the outer panels / the inner variable.
    """
    s_lo = (m1 + m2) ** 2
    s_hi = (m0 - mf) ** 2
    if s_hi <= s_lo:
        return 0.0
    d_lo = s_lo if s_lo > 0.0 else math.inf  # the 1/sqrt(s) of the lepton velocity
    d_hi = math.inf
    for x in range(mmed.shape[0]):
        M2 = mmed[x] ** 2
        dd = math.hypot(M2 - s_hi, mmed[x] * gmed[x]) if M2 >= s_hi else math.inf
        d_hi = min(d_hi, dd)
        if M2 <= s_lo:
            d_lo = min(d_lo, math.hypot(s_lo - M2, mmed[x] * gmed[x]))
    xs, ws = _phi_nodes(s_lo, s_hi, d_lo, d_hi, xg, wg)
    tot = 0.0
    m02, mf2, m12, m22 = m0 * m0, mf * mf, m1 * m1, m2 * m2
    for i in range(xs.shape[0]):
        s = xs[i]
        rs = math.sqrt(s)
        E2 = (s - m12 + m22) / (2.0 * rs)
        Ef = (m02 - s - mf2) / (2.0 * rs)
        q2 = math.sqrt(max(E2 * E2 - m22, 0.0))
        qf = math.sqrt(max(Ef * Ef - mf2, 0.0))
        t_lo = (E2 + Ef) ** 2 - (q2 + qf) ** 2
        t_hi = (E2 + Ef) ** 2 - (q2 - qf) ** 2
        h = 0.5 * (t_hi - t_lo)
        c = 0.5 * (t_hi + t_lo)
        inner = 0.0
        for j in range(xgi.shape[0]):
            t = c + h * xgi[j]
            u = m02 + mf2 + m12 + m22 - s - t
            CLL, CLR, CRL, CRR = _couplings_ll(s, t, nL, nR, cL, cR, mmed, gmed, wt, mt, gt)
            msq = _msq_dots(0.5 * (m02 + m12 - t), 0.5 * (m02 + m22 - u), 0.5 * (u - mf2 - m12),
                            0.5 * (t - mf2 - m22), 0.5 * (s - m12 - m22), 0.0, 0.0, 0.0,
                            m0, mf, m1, m2, CLL, CLR, CRL, CRR)
            inner += wgi[j] * msq
        tot += ws[i] * inner * h
    return tot * _PS3 / m0**3


# ------------------------------------------------------------------------------ nu nu nubar
@jitable
def _amp_nnn(s23, s13, alpha, beta, mmed, gmed):
    a = 0j
    for x in range(mmed.shape[0]):
        a += alpha[x] / complex(s23 - mmed[x] ** 2, mmed[x] * gmed[x])
        a += beta[x] / complex(s13 - mmed[x] ** 2, mmed[x] * gmed[x])
    return a


@jitable
def msq_N_to_nu_nu_nu(P, p1, p2, p3, spin, m0, alpha, beta, mmed, gmed):
    """|M|^2 of N(P, spin) -> nu_b(p1) nu_c(p2) nubar_d(p3) (massless), one flavour assignment.

    M = [sum_X alpha^X D_X(s23) + beta^X D_X(s13)] [ubar_1 gamma^mu P_L u_N][ubar_2 gamma_mu P_L v_3],
    the beta term being the exchange diagram after Fierz (alpha^X = kappa^X_b tau^X_cd,
    beta^X = kappa^X_c tau^X_bd; ``physics.decay_table``). |M|^2 = 8 |a + b|^2 (p1.p2)(K_L.p3).
    """
    q23 = p2 + p3
    q13 = p1 + p3
    amp = _amp_nnn(_dot(q23, q23), _dot(q13, q13), alpha, beta, mmed, gmed)
    return 8.0 * abs(amp) ** 2 * _dot(p1, p2) * (_dot(P, p3) - m0 * _dot(spin, p3))


@jit
def width_N_to_nu_nu_nu(m0, alpha, beta, mmed, gmed, xg, wg, xgi, wgi):
    """Spin-averaged width of N -> nu_b nu_c nubar_d for one ordered flavour assignment (GeV).

    Summing over ordered (b, c) double counts: the physical total is 1/2 the sum over b, c, d.
    """
    m02 = m0 * m0
    d_hi = math.inf
    for x in range(mmed.shape[0]):
        M2 = mmed[x] ** 2
        if M2 >= m02:
            d_hi = min(d_hi, math.hypot(M2 - m02, mmed[x] * gmed[x]))
    xs, ws = _phi_nodes(0.0, m02, math.inf, d_hi, xg, wg)
    tot = 0.0
    for i in range(xs.shape[0]):
        s23 = xs[i]
        top = m02 - s23
        d_in = math.inf
        for x in range(mmed.shape[0]):
            M2 = mmed[x] ** 2
            if M2 >= top:
                d_in = min(d_in, math.hypot(M2 - top, mmed[x] * gmed[x]))
        ys, vs = _phi_nodes(0.0, top, math.inf, d_in, xgi, wgi)
        inner = 0.0
        for j in range(ys.shape[0]):
            s13 = ys[j]
            s12 = m02 - s13 - s23
            amp = _amp_nnn(s23, s13, alpha, beta, mmed, gmed)
            inner += vs[j] * 8.0 * abs(amp) ** 2 * (0.5 * s12) * (0.5 * (s13 + s23))
        tot += ws[i] * inner
    return tot * _PS3 / m0**3


# ------------------------------------------------------------------------------ batch |M|^2
@jit
def msq_f_ll_batch(qf, qm, qp, sv, m0, mf, m1, m2, nL, nR, cL, cR, mmed, gmed, wt, mt, gt):
    """``msq_N_to_f_ll`` on arrays: rest-frame momenta (n, 4) as (px, py, pz, E) of f, l^-, l^+ and the
    parent polarisation vectors sv (n, 3)."""
    n = qf.shape[0]
    out = np.empty(n)
    P = np.zeros(4)
    P[3] = m0
    spin = np.zeros(4)
    for k in range(n):
        spin[0] = sv[k, 0]
        spin[1] = sv[k, 1]
        spin[2] = sv[k, 2]
        out[k] = msq_N_to_f_ll(P, qf[k], qm[k], qp[k], spin, m0, mf, m1, m2, nL, nR, cL, cR, mmed, gmed, wt, mt, gt)
    return out


@jit
def msq_nu_nu_nu_batch(q1, q2, q3, sv, m0, alpha, beta, mmed, gmed):
    """``msq_N_to_nu_nu_nu`` on arrays, momenta (n, 4) as (px, py, pz, E), polarisation sv (n, 3)."""
    n = q1.shape[0]
    out = np.empty(n)
    P = np.zeros(4)
    P[3] = m0
    spin = np.zeros(4)
    for k in range(n):
        spin[0] = sv[k, 0]
        spin[1] = sv[k, 1]
        spin[2] = sv[k, 2]
        out[k] = msq_N_to_nu_nu_nu(P, q1[k], q2[k], q3[k], spin, m0, alpha, beta, mmed, gmed)
    return out


# ------------------------------------------------------------------------------ all-Majorana N -> x y z
# Explicit Dirac-representation spinors and the fermion-flow rules of Denner, Eck, Hahn, Kueblbeck,
# Nucl. Phys. B387 (1992) 467: every neutral fermion is Majorana, the vertex along a fermion flow from
# j to i is gamma^mu (V_ij P_L - V_ji P_R) whatever the orientation, and diagrams carry the parity of the
# permutation of their external spinors. Used for final states with two or three heavy neutrinos
# (e.g. N5 -> N4 N4 nu, seed 004 footnote 2), where identical massive Majorana fermions interfere.
_G = np.zeros((4, 4, 4), dtype=np.complex128)
_G[0] = np.diag(np.array([1.0, 1.0, -1.0, -1.0])).astype(np.complex128)
_PAULI = (np.array([[0, 1], [1, 0]], dtype=np.complex128), np.array([[0, -1j], [1j, 0]], dtype=np.complex128),
          np.array([[1, 0], [0, -1]], dtype=np.complex128))
for _k in range(3):
    _G[_k + 1, :2, 2:] = _PAULI[_k]
    _G[_k + 1, 2:, :2] = -_PAULI[_k]
_G5 = 1j * _G[0] @ _G[1] @ _G[2] @ _G[3]
_PL = 0.5 * (np.eye(4) - _G5)
_PR = 0.5 * (np.eye(4) + _G5)
_METRIC = np.array([1.0, -1.0, -1.0, -1.0])  # g_mu mu, Lorentz index mu (0 = time) of _G
# _G[mu] is indexed by the Lorentz index (gamma^0 = _G[0]); currents J and four-vectors are stored in the component
# order (x, y, z, t) of physics.kinematics: _GS[i] is gamma^mu for the stored component i, _METRIC_S its g_mu mu
_GS = np.ascontiguousarray(_G[np.array([1, 2, 3, 0])])
_METRIC_S = np.array([-1.0, -1.0, -1.0, 1.0])
_T_FIRST = np.array([3, 0, 1, 2])  # stored components in Lorentz order t, x, y, z (the summation order of _contract)


@jitable
def _u_spinor(p, m, lam):
    """Helicity spinor u(p, lam), lam = +-1, Dirac representation, p = (px, py, pz, E); at rest, spin along +-z."""
    E = p[3]
    k = math.sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2])
    if k > 0.0:
        ct = min(1.0, max(-1.0, p[2] / k))
        phi = math.atan2(p[1], p[0])
    else:
        ct = 1.0
        phi = 0.0
    c = math.sqrt(0.5 * (1.0 + ct))
    s = math.sqrt(0.5 * (1.0 - ct))
    e = complex(math.cos(phi), math.sin(phi))
    if lam > 0:
        x0, x1 = c + 0j, e * s
    else:
        x0, x1 = -e.conjugate() * s, c + 0j
    a = math.sqrt(max(E + m, 0.0))
    b = lam * math.sqrt(max(E - m, 0.0))
    u = np.empty(4, dtype=np.complex128)
    u[0] = a * x0
    u[1] = a * x1
    u[2] = b * x0
    u[3] = b * x1
    return u


@jitable
def _v_spinor(p, m, lam):
    """v(p, lam) = C ubar^T = i gamma^2 u^* (so that sum v vbar = pslash - m)."""
    return 1j * (_G[2] @ _u_spinor(p, m, lam).conj())


@jitable
def _current(xbar, A, B, w):
    """J^mu = xbar gamma^mu (A P_L + B P_R) w, with xbar = x^dagger gamma^0 passed as the row vector; J stored
    (x, y, z, t) like a four-vector."""
    Mw = A * (_PL @ w) + B * (_PR @ w)
    J = np.empty(4, dtype=np.complex128)
    for i in range(4):
        J[i] = xbar @ (_GS[i] @ Mw)
    return J


@jitable
def _contract(J1, J2, q, M):
    """J1.J2 - (q.J1)(q.J2)/M^2 (unitary-gauge numerator); all stored (x, y, z, t)."""
    d = 0j
    qa = 0j
    qb = 0j
    for j in range(4):
        i = _T_FIRST[j]
        d += _METRIC_S[i] * J1[i] * J2[i]
        qa += _METRIC_S[i] * q[i] * J1[i]
        qb += _METRIC_S[i] * q[i] * J2[i]
    return d - qa * qb / (M * M)


@jitable
def msq_majorana_three(P, p1, p2, p3, spin_sign, masses, V, mmed, gmed):
    """|M|^2 of a Majorana state 0 -> 1 2 3 (all Majorana), summed over final helicities, parent at
    rest with spin +-z (``spin_sign``; 0 averages). Four-momenta (px, py, pz, E).

    ``V[x, i, j]`` is the vertex V^X_ij (outgoing i, incoming j) of mediator x among the four states
    (0 = parent, 1, 2, 3); ``masses`` (4,). Three diagrams: state 0 -> k emits the mediator, which
    makes the other two; signs from the permutation of the external spinors.
    """
    ps = (P, p1, p2, p3)
    tot = 0.0
    for sp in (1, -1):
        if spin_sign != 0 and sp != spin_sign:
            continue
        ua = _u_spinor(P, masses[0], sp)
        for l1 in (1, -1):
            for l2 in (1, -1):
                for l3 in (1, -1):
                    lams = (0, l1, l2, l3)
                    amp = 0j
                    # (k, x, y, sign): line 0 -> k, pair ubar_x ... v_y, permutation sign of (k, x, y)
                    for d in range(3):
                        if d == 0:
                            k, x, y, sg = 1, 2, 3, 1.0
                        elif d == 1:
                            k, x, y, sg = 2, 1, 3, -1.0
                        else:
                            k, x, y, sg = 3, 1, 2, 1.0
                        uk = _u_spinor(ps[k], masses[k], lams[k]).conj() @ _G[0]
                        ux = _u_spinor(ps[x], masses[x], lams[x]).conj() @ _G[0]
                        vy = _v_spinor(ps[y], masses[y], lams[y])
                        q = ps[x] + ps[y]
                        q2 = q[3] * q[3] - q[0] * q[0] - q[1] * q[1] - q[2] * q[2]
                        for xm in range(mmed.shape[0]):
                            J1 = _current(uk, V[xm, k, 0], -V[xm, 0, k], ua)
                            J2 = _current(ux, V[xm, x, y], -V[xm, y, x], vy)
                            D = 1.0 / complex(q2 - mmed[xm] ** 2, mmed[xm] * gmed[xm])
                            amp += sg * D * _contract(J1, J2, q, mmed[xm])
                    tot += abs(amp) ** 2
    if spin_sign == 0:
        tot *= 0.5
    return tot


@jit
def width_majorana_three(masses, V, mmed, gmed, symmetry, xg, wg, xgi, wgi):
    """Spin-averaged width of the all-Majorana decay 0 -> 1 2 3 (``msq_majorana_three``, evaluated
    through ``_majorana_three_spin_amps``: same amplitudes, equal to rounding), GeV.

    ``symmetry``: 1, 1/2 (two identical daughters) or 1/6 (three).
    Dalitz variables s = (p2 + p3)^2 (outer, cos-mapped Gauss-Legendre) and t = (p1 + p3)^2 (inner).
    """
    m0, m1, m2, m3 = masses[0], masses[1], masses[2], masses[3]
    s_lo = (m2 + m3) ** 2
    s_hi = (m0 - m1) ** 2
    if s_hi <= s_lo:
        return 0.0
    xs, ws = _phi_nodes(s_lo, s_hi, math.inf, math.inf, xg, wg)
    P = np.zeros(4)
    P[3] = m0
    amp = np.empty((2, 8), dtype=np.complex128)
    tot = 0.0
    for i in range(xs.shape[0]):
        s = xs[i]
        rs = math.sqrt(s)
        E3 = (s - m2 * m2 + m3 * m3) / (2.0 * rs)
        E1 = (m0 * m0 - s - m1 * m1) / (2.0 * rs)
        q3 = math.sqrt(max(E3 * E3 - m3 * m3, 0.0))
        q1 = math.sqrt(max(E1 * E1 - m1 * m1, 0.0))
        t_lo = (E3 + E1) ** 2 - (q3 + q1) ** 2
        t_hi = (E3 + E1) ** 2 - (q3 - q1) ** 2
        h = 0.5 * (t_hi - t_lo)
        c = 0.5 * (t_hi + t_lo)
        inner = 0.0
        for j in range(xgi.shape[0]):
            t = c + h * xgi[j]
            # rest-frame momenta: p1 along z; p3 from t = (p1 + p3)^2
            Ea = (m0 * m0 + m1 * m1 - s) / (2.0 * m0)
            Ec = (m0 * m0 + m3 * m3 - (m0 * m0 + m1 * m1 + m2 * m2 + m3 * m3 - s - t)) / (2.0 * m0)
            ka = math.sqrt(max(Ea * Ea - m1 * m1, 0.0))
            kc = math.sqrt(max(Ec * Ec - m3 * m3, 0.0))
            cth = 1.0
            if ka * kc > 0.0:
                cth = (m1 * m1 + m3 * m3 + 2.0 * Ea * Ec - t) / (2.0 * ka * kc)
                cth = min(1.0, max(-1.0, cth))
            sth = math.sqrt(1.0 - cth * cth)
            p1 = np.array([0.0, 0.0, ka, Ea])
            p3 = np.array([kc * sth, 0.0, kc * cth, Ec])
            p2 = P - p1 - p3
            inner += wgi[j] * _msq_majorana_three_avg(P, p1, p2, p3, masses, V, mmed, gmed, amp)
        tot += ws[i] * inner * h
    return symmetry * tot * _PS3 / m0**3


@jit
def msq_majorana_three_batch(q1, q2, q3, sv, masses, V, mmed, gmed):
    """``msq_majorana_three`` on arrays: rest-frame momenta (n, 4) as (px, py, pz, E) and parent
    polarisation vectors sv (n, 3), |sv| <= 1: |M|^2 = A + |sv| B along the axis of sv (the momenta are
    rotated so that the axis is +z, where the kernel's spin states live)."""
    n = q1.shape[0]
    out = np.empty(n)
    P = np.zeros(4)
    P[3] = masses[0]
    ps = np.empty((3, 4))
    for k in range(n):
        sx, sy, sz = sv[k, 0], sv[k, 1], sv[k, 2]
        pol = math.sqrt(sx * sx + sy * sy + sz * sz)
        # rotation taking the unit axis e to +z (Rodrigues; identity for pol = 0 or e = +z)
        if pol > 0.0:
            ex, ey, ez = sx / pol, sy / pol, sz / pol
        else:
            ex, ey, ez = 0.0, 0.0, 1.0
        for a in range(3):
            q = q1 if a == 0 else (q2 if a == 1 else q3)
            x, y, z = q[k, 0], q[k, 1], q[k, 2]
            if ez < -1.0 + 1e-15:
                rx, ry, rz = x, -y, -z
            else:
                # axis u = e x z = (ey, -ex, 0), cos = ez; v' = v c + (u x v) + u (u.v)/(1 + c)
                ux, uy = ey, -ex
                c = ez
                cx = uy * z
                cy = -ux * z
                cz = ux * y - uy * x
                dot = ux * x + uy * y
                f = dot / (1.0 + c)
                rx = x * c + cx + ux * f
                ry = y * c + cy + uy * f
                rz = z * c + cz
            ps[a, 0] = rx
            ps[a, 1] = ry
            ps[a, 2] = rz
            ps[a, 3] = q[k, 3]
        up = msq_majorana_three(P, ps[0], ps[1], ps[2], 1, masses, V, mmed, gmed)
        dn = msq_majorana_three(P, ps[0], ps[1], ps[2], -1, masses, V, mmed, gmed)
        out[k] = 0.5 * (up + dn) + pol * 0.5 * (up - dn)
    return out


@jitable
def _bar_into(u, out):
    """out = u^dagger gamma^0 (loop form of ``u.conj() @ _G[0]``)."""
    for j in range(4):
        acc = 0j
        for i in range(4):
            acc += u[i].conjugate() * _G[0, i, j]
        out[j] = acc


@jitable
def _current_into(xbar, A, B, w, J):
    """``_current`` written as loops over the constant matrices (no temporaries, no BLAS calls)."""
    m0 = 0j
    m1 = 0j
    m2 = 0j
    m3 = 0j
    for i in range(4):
        pl = 0j
        pr = 0j
        for j in range(4):
            pl += _PL[i, j] * w[j]
            pr += _PR[i, j] * w[j]
        v = A * pl + B * pr
        if i == 0:
            m0 = v
        elif i == 1:
            m1 = v
        elif i == 2:
            m2 = v
        else:
            m3 = v
    for c in range(4):  # stored component c of J (x, y, z, t)
        acc = 0j
        for i in range(4):
            g = _GS[c, i, 0] * m0 + _GS[c, i, 1] * m1 + _GS[c, i, 2] * m2 + _GS[c, i, 3] * m3
            acc += xbar[i] * g
        J[c] = acc


@jitable
def _majorana_three_spin_amps(P, p1, p2, p3, masses, V, mmed, gmed, amp):
    """Helicity amplitudes of ``msq_majorana_three`` for both parent spin states at once:
    ``amp[s, h]`` for parent spin +z (s = 0) / -z (s = 1) and final helicities h = 4 i1 + 2 i2 + i3
    (i = 0 for +1, 1 for -1). The amplitude is linear in the parent spinor, so the two spin states share
    every daughter spinor and pair current (computed once per point, not once per helicity
    configuration); the small matrix products are written as loops."""
    ps = (P, p1, p2, p3)
    ua = np.empty((2, 4), dtype=np.complex128)
    ua[0] = _u_spinor(P, masses[0], 1)
    ua[1] = _u_spinor(P, masses[0], -1)
    ubar = np.empty((4, 2, 4), dtype=np.complex128)
    vsp = np.empty((4, 2, 4), dtype=np.complex128)
    for a in range(1, 4):
        for li in range(2):
            lam = 1 if li == 0 else -1
            _bar_into(_u_spinor(ps[a], masses[a], lam), ubar[a, li])
            vsp[a, li] = _v_spinor(ps[a], masses[a], lam)
    J1 = np.empty((2, 2, 4), dtype=np.complex128)
    J2 = np.empty((2, 2, 4), dtype=np.complex128)
    ctr = np.empty((2, 2, 2, 2), dtype=np.complex128)
    amp[:, :] = 0j
    for d in range(3):
        if d == 0:
            k, x, y, sg = 1, 2, 3, 1.0
        elif d == 1:
            k, x, y, sg = 2, 1, 3, -1.0
        else:
            k, x, y, sg = 3, 1, 2, 1.0
        q = ps[x] + ps[y]
        q2 = q[3] * q[3] - q[0] * q[0] - q[1] * q[1] - q[2] * q[2]
        for xm in range(mmed.shape[0]):
            for lk in range(2):
                for s in range(2):
                    _current_into(ubar[k, lk], V[xm, k, 0], -V[xm, 0, k], ua[s], J1[s, lk])
            for lx in range(2):
                for ly in range(2):
                    _current_into(ubar[x, lx], V[xm, x, y], -V[xm, y, x], vsp[y, ly], J2[lx, ly])
            D = 1.0 / complex(q2 - mmed[xm] ** 2, mmed[xm] * gmed[xm])
            for s in range(2):
                for lk in range(2):
                    for lx in range(2):
                        for ly in range(2):
                            ctr[s, lk, lx, ly] = sg * D * _contract(J1[s, lk], J2[lx, ly], q, mmed[xm])
            for h in range(8):
                i1, i2, i3 = h >> 2, (h >> 1) & 1, h & 1
                li = (0, i1, i2, i3)
                for s in range(2):
                    amp[s, h] += ctr[s, li[k], li[x], li[y]]


@jitable
def _msq_majorana_three_avg(P, p1, p2, p3, masses, V, mmed, gmed, amp):
    """``msq_majorana_three(..., spin_sign=0, ...)`` (spin average) from ``_majorana_three_spin_amps``."""
    _majorana_three_spin_amps(P, p1, p2, p3, masses, V, mmed, gmed, amp)
    tot = 0.0
    for s in range(2):
        for h in range(8):
            tot += abs(amp[s, h]) ** 2
    return 0.5 * tot


@jit
def msq_majorana_three_AB(q1, q2, q3, masses, V, mmed, gmed):
    """Spin decomposition of ``msq_majorana_three_batch``: |M|^2 = A + sv . B for a parent polarisation
    vector sv, from one pass over the helicity amplitudes of both parent spin states (parent spin
    density matrix (1 + sv . sigma) / 2). Momenta (n, 4) as (px, py, pz, E); returns A (n,), B (n, 3).

    Agrees with the batch kernel (A = its value at sv = 0, B_i = its value at sv = e_i minus A, where
    B_x, B_y come from rotated momenta) to rounding."""
    n = q1.shape[0]
    A = np.empty(n)
    B = np.empty((n, 3))
    P = np.zeros(4)
    P[3] = masses[0]
    amp = np.empty((2, 8), dtype=np.complex128)
    for k in range(n):
        _majorana_three_spin_amps(P, q1[k], q2[k], q3[k], masses, V, mmed, gmed, amp)
        up = 0.0
        dn = 0.0
        cross = 0j
        for h in range(8):
            up += abs(amp[0, h]) ** 2
            dn += abs(amp[1, h]) ** 2
            cross += amp[0, h] * amp[1, h].conjugate()
        A[k] = 0.5 * (up + dn)
        B[k, 0] = cross.real
        B[k, 1] = cross.imag
        B[k, 2] = 0.5 * (up - dn)
    return A, B
