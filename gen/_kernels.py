"""Numba kernels of the sampling core: uniforms in, four-momenta, vertices and weights out.

Private module (STYLE.md section 4): scalar ``@jitable`` helpers plus array kernels compiled with
``physics._jit.jit``. Nothing here knows about cards, awkward arrays or files.

Contents
--------
* ``upscattering_kinematics``: nu(E along +z) + A(at rest) -> N + A' at given Q2 and azimuth; the
  Q2 range is ``physics.cross_sections.upscattering_Q2_limits`` (one formula, one place).
* ``sample_cos_linear``: inverse CDF of (1 + k cos)/2 on [-1, 1].
* ``boost_from_rest`` / ``boost_from_rest_m``: Lorentz boost of a rest-frame four-vector to the frame
  where the parent has momentum P (J. D. Jackson, Classical Electrodynamics, 3rd ed., eq. (11.19));
  the cascade passes the parent's nominal mass.
* ``two_body_decay``: parent -> 1 + 2 with daughter 1 distributed as (1 + a P cos theta)/2 about the
  parent's spin axis (its lab momentum direction, helicity frame).
* ``three_body_standard_frame`` and the tabulated-|M|^2 accept-reject in ``decay_one``: Dalitz
  variables (PDG 2024 "Kinematics" eq. (49.22)-(49.23)) with the polarisation-dependent matrix element
  |M|^2 = A + P (Bx s_x + Bz s_z) tabulated on the unit square (see ``gen.decays``) times the exact
  Dalitz jacobian.
* ``vector_decay_correlated``: V -> f1 f2 for a vector V emitted in a two-body decay F -> f V, with
  the f1 direction in the V rest frame drawn from the exact on-shell |M|^2 of F -> f (V -> f1 f2)
  (``physics.three_body`` docstring, s = m_V^2): the V polarisation and all spin correlations with
  the polarised parent F (``validation/notes_zprime_polarisation.md``).
* ``cascade_kernel``: the full decay cascade of every event with displaced vertices,
  c tau0 * beta*gamma * Exp(1), and times gamma * tau0 * Exp(1).
* ``production_kernel``: channel, E_nu, Q2 (propagator map + VEGAS grid) and azimuth from uniforms,
  the event weight (formula in ``gen.sampler``) and the hard-process four-momenta.
* ``compact_kernel``: fixed particle slots -> the column layout of ``gen.events``.

Caching caveat: numba's cache (``cache=True``) is keyed on this file only; after editing a physics
function that a kernel here inlines (``physics.cross_sections.dsigma_dQ2_upscattering``, ...),
delete ``gen/__pycache__/_kernels.*.nb[ic]`` (or touch this file) so the kernels recompile.

Randomness: kernels receive uniforms drawn by numpy (``gen.rng``). The decay cascade needs a
variable number of uniforms (accept-reject), so each event receives one 64-bit seed from the numpy
block stream and draws its uniforms from SplitMix64 (G. L. Steele, D. Lea, C. H. Flood, "Fast
splittable pseudorandom number generators", OOPSLA 2014), a counter-style generator that is
deterministic per event and therefore independent of chunking and threading.
"""

import math

import numba
import numpy as np

from gen.flux import histogram_density, sample_histogram
from physics._jit import jit, jitable
from physics.cross_sections import dsigma_dQ2_upscattering, upscattering_Q2_limits, upscattering_threshold
from physics.kinematics import kallen
from physics.three_body import _eps4, _msq_dots

# Speed of light in cm/ns (units.c_light * units.ns); decay times are stored in ns.
C_CM_PER_NS = 29.9792458

# Status codes (HepMC3 / NuHepMC conventions: 1 final, 2 decayed, 4 beam/incoming, 11 target).
STATUS_FINAL = 1
STATUS_DECAYED = 2
STATUS_BEAM = 4
STATUS_TARGET = 11

_TASK = 512  # events per parallel task (scratch arrays are allocated once per task)

MAX_PARTICLES = 16  # per event: 4 from the hard process + the cascade (N5 -> N4 l l -> ... fits)

_U64_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


# ----------------------------------------------------------------------------------- randomness
@jitable
def splitmix64_next(state):
    """Advance a SplitMix64 state; return (new_state, uniform in [0, 1)) with 53 random bits.

    Steele, Lea, Flood (OOPSLA 2014), constants of the reference implementation
    (prng.di.unimi.it/splitmix64.c).
    """
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return state, float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@jit
def splitmix64_uniforms(seed, n):
    """``n`` uniforms from SplitMix64 started at ``seed`` (uint64); used by the tests."""
    out = np.empty(n)
    st = np.uint64(seed)
    for i in range(n):
        st, out[i] = splitmix64_next(st)
    return out


@jitable
def sample_discrete(cum, u):
    """Index i with cum[i-1] <= u < cum[i] (cum ascending, cum[-1] = 1): binary search."""
    lo = 0
    hi = cum.shape[0] - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if u < cum[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


# ------------------------------------------------------------------------ upscattering kinematics
@jitable
def upscattering_kinematics(E, M, mN, Mrec, Q2, phi, pN, pA):
    """Fill pN, pA (px, py, pz, E in GeV) for nu(E along +z) + A(M at rest) -> N(mN) + A'(Mrec).

    From t_A = (P_A - P_A')^2 = -Q2 at the target vertex (elastic: same Q2 as the lepton side)
    E_A' = (M^2 + Mrec^2 + Q2) / (2M); energy conservation gives E_N = E + M - E_A'. From
    -Q2 = (p_nu - p_N)^2 = mN^2 - 2 E (E_N - p_Nz): p_Nz = (2 E E_N - mN^2 - Q2) / (2E).
    The N transverse momentum follows from its mass shell; the recoil takes p_nu - p_N, so
    momentum and energy are conserved exactly by construction and both particles are on shell
    up to rounding. ``phi`` is the azimuth of N about the beam (rad).
    """
    EA = (M * M + Mrec * Mrec + Q2) / (2.0 * M)
    EN = E + M - EA
    pz = (2.0 * E * EN - mN * mN - Q2) / (2.0 * E)
    pT2 = EN * EN - mN * mN - pz * pz
    pT = math.sqrt(pT2) if pT2 > 0.0 else 0.0
    pN[0] = pT * math.cos(phi)
    pN[1] = pT * math.sin(phi)
    pN[2] = pz
    pN[3] = EN
    pA[0] = -pN[0]
    pA[1] = -pN[1]
    pA[2] = E - pz
    pA[3] = EA


# ------------------------------------------------------------------------------ decay helpers
@jitable
def sample_cos_linear(u, k):
    """cos theta in [-1, 1] with density (1 + k cos theta)/2, |k| <= 1, by inverse CDF.

    CDF F(c) = (c + 1)/2 + k (c^2 - 1)/4 = u gives k c^2 + 2c + (2 - k - 4u) = 0; the root in
    [-1, 1] is written without cancellation as c = (k + 4u - 2) / (1 + sqrt((1 - k)^2 + 4 k u)).
    """
    return (k + 4.0 * u - 2.0) / (1.0 + math.sqrt((1.0 - k) * (1.0 - k) + 4.0 * k * u))


@jitable
def boost_from_rest(q, P, out):
    """Boost the rest-frame four-vector q to the frame where the parent has four-momentum P.

    The parent mass is sqrt(P^2); see ``boost_from_rest_m``.
    """
    m2 = P[3] * P[3] - P[0] * P[0] - P[1] * P[1] - P[2] * P[2]
    boost_from_rest_m(q, P, math.sqrt(m2) if m2 > 0.0 else 0.0, out)


@jitable
def boost_from_rest_m(q, P, m, out):
    """Boost the rest-frame four-vector q to the frame where the parent (mass m) has four-momentum P.

    Jackson, Classical Electrodynamics 3rd ed., eq. (11.19) with beta = P_vec/P_E, gamma = P_E/m:
    E = (P_E q_E + P.q)/m, q_vec' = q_vec + P_vec (q_E + E)/(P_E + m). The cascade passes the
    nominal mass rather than sqrt(P^2), which loses precision for a light, fast parent.
    """
    pq = P[0] * q[0] + P[1] * q[1] + P[2] * q[2]
    E = (P[3] * q[3] + pq) / m
    f = (q[3] + E) / (P[3] + m)
    out[0] = q[0] + f * P[0]
    out[1] = q[1] + f * P[1]
    out[2] = q[2] + f * P[2]
    out[3] = E


@jitable
def helicity_basis(P):
    """Orthonormal (e1, e2, n) with n along the 3-momentum of P (or +z for a parent at rest)."""
    # scale by the largest component first: for |p| below ~1e-154 GeV the squares underflow to
    # subnormals and n would come out non-unit (found by hypothesis with p_z = 5e-162 GeV)
    s = max(abs(P[0]), abs(P[1]), abs(P[2]))
    if s > 0.0:
        px, py, pz = P[0] / s, P[1] / s, P[2] / s
        p = math.sqrt(px * px + py * py + pz * pz)
        nx, ny, nz = px / p, py / p, pz / p
    else:
        nx, ny, nz = 0.0, 0.0, 1.0
    # e1 = normalised (a x n) with a the axis least aligned with n
    if abs(nx) < 0.9:
        ax, ay, az = 1.0, 0.0, 0.0
    else:
        ax, ay, az = 0.0, 1.0, 0.0
    e1x = ay * nz - az * ny
    e1y = az * nx - ax * nz
    e1z = ax * ny - ay * nx
    norm = math.sqrt(e1x * e1x + e1y * e1y + e1z * e1z)
    e1x /= norm
    e1y /= norm
    e1z /= norm
    e2x = ny * e1z - nz * e1y
    e2y = nz * e1x - nx * e1z
    e2z = nx * e1y - ny * e1x
    return e1x, e1y, e1z, e2x, e2y, e2z, nx, ny, nz


@jitable
def two_body_decay(P, M, m1, m2, cos_theta, phi, p1, p2):
    """Parent P (mass M) -> daughters p1 (m1), p2 (m2) in the lab.

    ``cos_theta``, ``phi`` are the polar and azimuthal angles of daughter 1 in the parent rest
    frame about the parent's lab momentum direction (helicity frame). Daughter 2 is P - p1, so
    four-momentum is conserved exactly.
    """
    lam = kallen(M * M, m1 * m1, m2 * m2)
    q = math.sqrt(max(lam, 0.0)) / (2.0 * M)
    E1 = (M * M + m1 * m1 - m2 * m2) / (2.0 * M)
    st = math.sqrt(max(0.0, 1.0 - cos_theta * cos_theta))
    a = q * st * math.cos(phi)
    b = q * st * math.sin(phi)
    c = q * cos_theta
    e1x, e1y, e1z, e2x, e2y, e2z, nx, ny, nz = helicity_basis(P)
    # p2 holds the rest-frame vector of daughter 1 until it is overwritten (no allocation)
    p2[0] = a * e1x + b * e2x + c * nx
    p2[1] = a * e1y + b * e2y + c * ny
    p2[2] = a * e1z + b * e2z + c * nz
    p2[3] = E1
    boost_from_rest_m(p2, P, M, p1)
    for k in range(4):
        p2[k] = P[k] - p1[k]


@jitable
def dalitz_m23_limits(M, m1, m2, m3, m12sq):
    """(m23^2_min, m23^2_max) at fixed m12^2 (PDG 2024 "Kinematics" eq. (49.23)).

    E2* = (m12^2 - m1^2 + m2^2)/(2 m12), E3* = (M^2 - m12^2 - m3^2)/(2 m12) in the (12) rest frame.
    """
    if m12sq <= 0.0:
        # only reachable for m1 = m2 = 0: collinear massless pair, m23^2 = M^2 - 2 M E1 spans [m3^2, M^2]
        return m3 * m3, M * M
    m12 = math.sqrt(m12sq)
    E2 = (m12sq - m1 * m1 + m2 * m2) / (2.0 * m12)
    E3 = (M * M - m12sq - m3 * m3) / (2.0 * m12)
    p2 = math.sqrt(max(E2 * E2 - m2 * m2, 0.0))
    p3 = math.sqrt(max(E3 * E3 - m3 * m3, 0.0))
    return (E2 + E3) ** 2 - (p2 + p3) ** 2, (E2 + E3) ** 2 - (p2 - p3) ** 2


@jitable
def dalitz_from_unit(M, m1, m2, m3, x, y):
    """Map (x, y) in the unit square to (m12^2, m23^2, jacobian d(m12^2) d(m23^2) / dx dy in GeV^4).

    m12^2 = lo + (hi - lo)(1 - cos(pi x))/2 and, between its limits at that m12^2,
    m23^2 = lo23 + (hi23 - lo23)(1 - cos(pi y))/2. The cosine maps turn the square-root edges of the
    Dalitz region (momenta vanish like sqrt of the distance to the boundary) into smooth functions
    of x and y, so that tables on the square interpolate well up to the boundary.
    """
    lo12 = (m1 + m2) ** 2
    hi12 = (M - m3) ** 2
    cx = math.cos(math.pi * x)
    cy = math.cos(math.pi * y)
    m12sq = lo12 + 0.5 * (1.0 - cx) * (hi12 - lo12)
    lo23, hi23 = dalitz_m23_limits(M, m1, m2, m3, m12sq)
    m23sq = lo23 + 0.5 * (1.0 - cy) * (hi23 - lo23)
    jac = (hi12 - lo12) * (hi23 - lo23) * (0.5 * math.pi) ** 2 * math.sin(math.pi * x) * math.sin(math.pi * y)
    return m12sq, m23sq, jac


@jitable
def three_body_standard_frame(M, m1, m2, m3, m12sq, m23sq, q1, q2, q3):
    """Rest-frame momenta of M -> 1 2 3 in the standard frame: q1 along +z, q2 in the xz plane
    (x >= 0), q3 = -q1 - q2 with E3 = M - E1 - E2 (exact conservation).

    E1 = (M^2 + m1^2 - m23^2)/(2M), E2 = (M^2 + m2^2 - m13^2)/(2M) with
    m13^2 = M^2 + m1^2 + m2^2 + m3^2 - m12^2 - m23^2 (PDG 2024 "Kinematics" eq. (49.22)), and
    q1.q2 = E1 E2 - (m12^2 - m1^2 - m2^2)/2.
    """
    m13sq = M * M + m1 * m1 + m2 * m2 + m3 * m3 - m12sq - m23sq
    E1 = (M * M + m1 * m1 - m23sq) / (2.0 * M)
    E2 = (M * M + m2 * m2 - m13sq) / (2.0 * M)
    k1 = math.sqrt(max(E1 * E1 - m1 * m1, 0.0))
    k2 = math.sqrt(max(E2 * E2 - m2 * m2, 0.0))
    dot = E1 * E2 - 0.5 * (m12sq - m1 * m1 - m2 * m2)
    c12 = dot / (k1 * k2) if k1 * k2 > 0.0 else 1.0
    c12 = min(1.0, max(-1.0, c12))
    s12 = math.sqrt(1.0 - c12 * c12)
    q1[0] = 0.0
    q1[1] = 0.0
    q1[2] = k1
    q1[3] = E1
    q2[0] = k2 * s12
    q2[1] = 0.0
    q2[2] = k2 * c12
    q2[3] = E2
    q3[0] = -q2[0]
    q3[1] = 0.0
    q3[2] = -k1 - q2[2]
    q3[3] = M - E1 - E2


# ------------------------------------------------------------------------------------ cascade
@jitable
def _bilinear(T, i, j, fx, fy):
    return ((1.0 - fx) * (1.0 - fy) * T[i, j] + fx * (1.0 - fy) * T[i + 1, j]
            + (1.0 - fx) * fy * T[i, j + 1] + fx * fy * T[i + 1, j + 1])


@jitable
def _rotate_to_helicity(q, sx, sy, sz, psi, out):
    """Rotate a standard-frame vector into helicity coordinates where the spin axis s_std -> +z'.

    Rows of the rotation: a', b', s with (a, b, s) right-handed and (a', b') = (a, b) rotated by psi.
    """
    # basis (a, b) orthogonal to s
    if abs(sx) < 0.9:
        ax, ay, az = 0.0, sz, -sy  # (1,0,0) x s
    else:
        ax, ay, az = -sz, 0.0, sx  # (0,1,0) x s
    n = math.sqrt(ax * ax + ay * ay + az * az)
    ax /= n
    ay /= n
    az /= n
    bx = sy * az - sz * ay
    by = sz * ax - sx * az
    bz = sx * ay - sy * ax
    c = math.cos(psi)
    s = math.sin(psi)
    apx, apy, apz = c * ax + s * bx, c * ay + s * by, c * az + s * bz
    bpx, bpy, bpz = -s * ax + c * bx, -s * ay + c * by, -s * az + c * bz
    out[0] = apx * q[0] + apy * q[1] + apz * q[2]
    out[1] = bpx * q[0] + bpy * q[1] + bpz * q[2]
    out[2] = sx * q[0] + sy * q[1] + sz * q[2]
    out[3] = q[3]


@jitable
def _helicity_to_lab_rest(v, P, out):
    """Helicity coordinates (e1, e2, n of P) -> lab-oriented rest-frame components."""
    e1x, e1y, e1z, e2x, e2y, e2z, nx, ny, nz = helicity_basis(P)
    out[0] = v[0] * e1x + v[1] * e2x + v[2] * nx
    out[1] = v[0] * e1y + v[1] * e2y + v[2] * ny
    out[2] = v[0] * e1z + v[1] * e2z + v[2] * nz
    out[3] = v[3]


@jitable
def decay_one(P, M, pol, ch, st_mass, ch_ndau, ch_dau, ch_asym, ch_me,
              me_A, me_Bx, me_Bz, me_cellcum, me_cellenv, state, out, scratch):
    """Decay a parent of four-momentum P, mass M and longitudinal polarisation ``pol`` through ``ch``.

    Fills out[k, :] for k < ch_ndau[ch]; returns the updated SplitMix64 state. ``scratch`` is a
    (5, 4) work array (kernels allocate it once per task, not per decay).
    """
    nd = ch_ndau[ch]
    if nd == 2:
        m1 = st_mass[ch_dau[ch, 0]]
        m2 = st_mass[ch_dau[ch, 1]]
        state, u1 = splitmix64_next(state)
        state, u2 = splitmix64_next(state)
        k = ch_asym[ch] * pol
        c = sample_cos_linear(u1, k)
        two_body_decay(P, M, m1, m2, c, 2.0 * math.pi * u2, out[0], out[1])
        return state
    # three-body: accept-reject on the tabulated |M|^2 = A + pol * (Bx s_x + Bz s_z)
    m1 = st_mass[ch_dau[ch, 0]]
    m2 = st_mass[ch_dau[ch, 1]]
    m3 = st_mass[ch_dau[ch, 2]]
    k_me = ch_me[ch]
    ng = me_A.shape[1] - 1
    cum = me_cellcum[k_me]
    q1 = scratch[0]
    q2 = scratch[1]
    q3 = scratch[2]
    h = scratch[3]
    r = scratch[4]
    for _trial in range(100000):
        state, uc = splitmix64_next(state)
        state, ux = splitmix64_next(state)
        state, uy = splitmix64_next(state)
        state, ucs = splitmix64_next(state)
        state, uphi = splitmix64_next(state)
        state, upsi = splitmix64_next(state)
        state, uacc = splitmix64_next(state)
        cell = sample_discrete(cum, uc)
        i = cell // ng
        j = cell % ng
        x = (i + ux) / ng
        y = (j + uy) / ng
        # exact jacobian (it has square-root edges that interpolation would bias) times tabulated |M|^2
        m12sq, m23sq, jac = dalitz_from_unit(M, m1, m2, m3, x, y)
        A = _bilinear(me_A[k_me], i, j, ux, uy)
        cs = 2.0 * ucs - 1.0
        sn = math.sqrt(max(0.0, 1.0 - cs * cs))
        sx = sn * math.cos(2.0 * math.pi * uphi)
        sy = sn * math.sin(2.0 * math.pi * uphi)
        sz = cs
        f = A
        if pol != 0.0:
            f += pol * (_bilinear(me_Bx[k_me], i, j, ux, uy) * sx + _bilinear(me_Bz[k_me], i, j, ux, uy) * sz)
        if uacc * me_cellenv[k_me, cell] <= f * jac:
            break
    three_body_standard_frame(M, m1, m2, m3, m12sq, m23sq, q1, q2, q3)
    psi = 2.0 * math.pi * upsi
    _rotate_to_helicity(q1, sx, sy, sz, psi, h)
    _helicity_to_lab_rest(h, P, r)
    boost_from_rest_m(r, P, M, q1)
    _rotate_to_helicity(q2, sx, sy, sz, psi, h)
    _helicity_to_lab_rest(h, P, r)
    boost_from_rest_m(r, P, M, q2)
    for j in range(4):
        out[0, j] = q1[j]
        out[1, j] = q2[j]
        out[2, j] = P[j] - q1[j] - q2[j]
    return state


@jitable
def _mdot(a, b):
    """Minkowski product of (px, py, pz, E) four-vectors."""
    return a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2]


@jitable
def _to_txyz(a, out):
    out[0] = a[3]
    out[1] = a[0]
    out[2] = a[1]
    out[3] = a[2]


@jitable
def _chain_msq(r, PV, MV, PN, sN, pf, m0, mf, m1, m2, p12, CLL, CLR, CRL, CRR, cp, p1, p2, tmp):
    """|M|^2 of F(PN, spin sN) -> f(pf) (V -> f1 f2) with f1 at rest-frame momentum r (V rest frame,
    lab-oriented axes). ``physics.three_body._msq_dots`` with constant C_ab = n_a c_b (on-shell V, a
    conserved f1 f2 current: the q q / M^2 part of the propagator drops). ``cp``: CP image (spin
    reversed, f1 <-> f2, couplings conjugated by the caller). Fills p1, p2 (lab)."""
    boost_from_rest_m(r, PV, MV, p1)
    for k in range(4):
        p2[k] = PV[k] - p1[k]
    if cp:
        a1, a2, ma, mb, sg = p2, p1, m2, m1, -1.0
    else:
        a1, a2, ma, mb, sg = p1, p2, m1, m2, 1.0
    _to_txyz(a2, tmp[0])
    _to_txyz(sN, tmp[1])
    for k in range(4):
        tmp[1, k] *= sg
    _to_txyz(a1, tmp[2])
    _to_txyz(PN, tmp[3])
    eps = _eps4(tmp[0], tmp[1], tmp[2], tmp[3])
    return _msq_dots(_mdot(PN, a1), _mdot(PN, a2), _mdot(pf, a1), _mdot(pf, a2), p12,
                     sg * _mdot(sN, a1), sg * _mdot(sN, a2), eps, m0, mf, ma, mb, CLL, CLR, CRL, CRR)


@jitable
def vector_decay_correlated(PV, MV, m1, m2, PN, m0, hel, pf, mf, nL, nR, cL, cR, cp, state, o1, o2, tmp):
    """V(PV, MV) -> f1(m1) f2(m2) with the spin correlations of F(PN, m0, helicity hel) -> f(pf, mf) V.

    The f1 direction in the V rest frame is drawn by accept-reject from W(n) = |M|^2 of the chain at
    fixed PN, pf, PV. W is a polynomial of degree <= 2 in n (p1, p2 enter |M|^2 bilinearly), so its
    sphere average is exactly the average over the six octahedron directions (a spherical 3-design);
    W = sum_{l l'} rho_{l l'} T_{l l'}(n) with rho (V spin density matrix) and T (decay tensor) positive
    semi-definite and tr T(n) constant, hence W <= tr(rho) tr(T) = 3 <W>: the envelope 3 <W> is exact and
    the acceptance is 1/3 (notes_zprime_polarisation.md, sec. 4). The F spin four-vector is
    hel * (|p|/m0, E/m0 p_hat) (helicity frame). ``cp``: the chain is the CP image of the couplings
    given. Fills o1 (f1) and o2 = PV - o1 (lab); returns the SplitMix64 state. ``tmp``: (8, 4) scratch.
    """
    sN = tmp[4]
    p = math.sqrt(PN[0] * PN[0] + PN[1] * PN[1] + PN[2] * PN[2])
    if p > 0.0:
        f = hel * PN[3] / (m0 * p)
        sN[0] = f * PN[0]
        sN[1] = f * PN[1]
        sN[2] = f * PN[2]
        sN[3] = hel * p / m0
    else:
        sN[0] = 0.0
        sN[1] = 0.0
        sN[2] = hel
        sN[3] = 0.0
    if cp:
        nL, nR, cL, cR = nL.conjugate(), nR.conjugate(), cL.conjugate(), cR.conjugate()
    CLL = nL * cL
    CLR = nL * cR
    CRL = nR * cL
    CRR = nR * cR
    q = math.sqrt(max(kallen(MV * MV, m1 * m1, m2 * m2), 0.0)) / (2.0 * MV)
    E1 = (MV * MV + m1 * m1 - m2 * m2) / (2.0 * MV)
    p12 = 0.5 * (MV * MV - m1 * m1 - m2 * m2)
    r = tmp[5]
    r[3] = E1
    tot = 0.0
    for k in range(6):
        r[0] = 0.0
        r[1] = 0.0
        r[2] = 0.0
        r[k // 2] = q if k % 2 == 0 else -q
        tot += _chain_msq(r, PV, MV, PN, sN, pf, m0, mf, m1, m2, p12, CLL, CLR, CRL, CRR, cp, o1, o2, tmp)
    bound = 0.5 * tot * (1.0 + 1e-9)
    for _trial in range(100000):
        state, u1 = splitmix64_next(state)
        state, u2 = splitmix64_next(state)
        state, u3 = splitmix64_next(state)
        c = 2.0 * u1 - 1.0
        st = math.sqrt(max(0.0, 1.0 - c * c))
        ph = 2.0 * math.pi * u2
        r[0] = q * st * math.cos(ph)
        r[1] = q * st * math.sin(ph)
        r[2] = q * c
        w = _chain_msq(r, PV, MV, PN, sN, pf, m0, mf, m1, m2, p12, CLL, CLR, CRL, CRR, cp, o1, o2, tmp)
        if u3 * bound <= w or not bound > 0.0:
            break
    return state


@jitable
def _cascade_event(ev, seed, n0, pdg, status, parent, p4, vtx, pol, state_of, npart, chosen,
                   st_pdg, st_mass, st_ctau0, st_ch_start, st_ch_n, ch_cum, ch_ndau, ch_dau,
                   ch_asym, ch_me, me_A, me_Bx, me_Bz, me_cellcum, me_cellenv, ch_vec, ch_fer, ch_cpl, ch_cp, work):
    state = np.uint64(seed)
    n = n0
    i = 0
    out = work[0:3]
    P = work[3]
    scratch = work[4:9]
    tmp = work[9:17]
    while i < n:
        s = state_of[ev, i]
        if s < 0 or st_ch_n[s] == 0:
            i += 1
            continue
        # choose the channel
        state, u = splitmix64_next(state)
        start = st_ch_start[s]
        nch = st_ch_n[s]
        ch = start + sample_discrete(ch_cum[start:start + nch], u)
        for k in range(4):
            P[k] = p4[ev, i, k]
        mass = st_mass[s]
        # decay vertex: flight c tau0 * beta gamma * l with l ~ Exp(1); beta gamma = |p| / m
        state, ul = splitmix64_next(state)
        ell = -math.log1p(-ul)
        ctau = st_ctau0[s]
        dx = P[0] / mass * ctau * ell
        dy = P[1] / mass * ctau * ell
        dz = P[2] / mass * ctau * ell
        dt = P[3] / mass * ctau * ell / C_CM_PER_NS
        # a vector from F -> f V with known couplings, decaying through a vertex with known couplings:
        # exact chain |M|^2 (spin correlations); otherwise the channel's own angular distribution
        corr = False
        if ch_fer[ch] >= 0:
            par = parent[ev, i]
            if par >= 0 and chosen[ev, par] >= 0 and ch_vec[chosen[ev, par]] >= 0:
                chp = chosen[ev, par]
                first = -1
                for k in range(n):
                    if parent[ev, k] == par:
                        first = k
                        break
                if first >= 0 and first + ch_vec[chp] == i:
                    sib = first + 1 - ch_vec[chp]
                    i1 = ch_fer[ch]
                    nL = complex(ch_cpl[chp, 0], ch_cpl[chp, 1])
                    nR = complex(ch_cpl[chp, 2], ch_cpl[chp, 3])
                    cL = complex(ch_cpl[ch, 0], ch_cpl[ch, 1])
                    cR = complex(ch_cpl[ch, 2], ch_cpl[ch, 3])
                    m1 = st_mass[ch_dau[ch, i1]]
                    m2 = st_mass[ch_dau[ch, 1 - i1]]
                    state = vector_decay_correlated(P, mass, m1, m2, p4[ev, par], st_mass[state_of[ev, par]], pol[ev, par],
                                                    p4[ev, sib], st_mass[state_of[ev, sib]], nL, nR, cL, cR,
                                                    ch_cp[chp] != 0, state, out[i1], out[1 - i1], tmp)
                    corr = True
        if not corr:
            state = decay_one(P, mass, pol[ev, i], ch, st_mass, ch_ndau, ch_dau, ch_asym, ch_me,
                              me_A, me_Bx, me_Bz, me_cellcum, me_cellenv, state, out, scratch)
        status[ev, i] = STATUS_DECAYED
        chosen[ev, i] = ch
        nd = ch_ndau[ch]
        if n + nd > p4.shape[1]:
            # cascade deeper than MAX_PARTICLES: flag by a negative count (sampler raises)
            npart[ev] = -1
            return
        for d in range(nd):
            ds = ch_dau[ch, d]
            state_of[ev, n] = ds
            pdg[ev, n] = st_pdg[ds]
            status[ev, n] = STATUS_FINAL
            parent[ev, n] = i
            pol[ev, n] = 0.0
            for k in range(4):
                p4[ev, n, k] = out[d, k]
            vtx[ev, n, 0] = vtx[ev, i, 0] + dx
            vtx[ev, n, 1] = vtx[ev, i, 1] + dy
            vtx[ev, n, 2] = vtx[ev, i, 2] + dz
            vtx[ev, n, 3] = vtx[ev, i, 3] + dt
            n += 1
        i += 1
    npart[ev] = n


@jit(parallel=True)
def cascade_kernel(seeds, n0, pdg, status, parent, p4, vtx, pol, state_of, npart, chosen,
                   st_pdg, st_mass, st_ctau0, st_ch_start, st_ch_n, ch_cum, ch_ndau, ch_dau,
                   ch_asym, ch_me, me_A, me_Bx, me_Bz, me_cellcum, me_cellenv, ch_vec, ch_fer, ch_cpl, ch_cp):
    """Decay every unstable particle of every event, in place.

    Arrays are per event ``ev`` and particle slot ``i`` (``MAX_PARTICLES`` slots): ``pdg``,
    ``status``, ``parent``, ``p4`` (px, py, pz, E; GeV), ``vtx`` (x, y, z in cm; t in ns), ``pol``
    (longitudinal polarisation along the lab momentum), ``state_of`` (index into the decay graph
    ``st_*``; -1 = not decayed by the cascade). Slots ``[0, n0)`` hold the hard process. Decay
    products get the parent's decay vertex. ``npart[ev]`` is set to the number of particles
    (-1 if the cascade overflowed); ``chosen[ev, i]`` to the graph channel particle i decayed through
    (-1 if it did not decay). One uint64 seed per event drives SplitMix64. ``ch_vec``, ``ch_fer``,
    ``ch_cpl``, ``ch_cp`` (``gen.decays.DecayGraph``) switch on the spin correlations of
    F -> f (V -> f1 f2) (``vector_decay_correlated``).
    """
    n = seeds.shape[0]
    n_tasks = (n + _TASK - 1) // _TASK
    for t in numba.prange(n_tasks):
        work = np.empty((17, 4))  # one allocation per task of _TASK events
        for ev in range(t * _TASK, min(n, (t + 1) * _TASK)):
            _cascade_event(ev, seeds[ev], n0, pdg, status, parent, p4, vtx, pol, state_of, npart, chosen,
                           st_pdg, st_mass, st_ctau0, st_ch_start, st_ch_n, ch_cum, ch_ndau, ch_dau,
                           ch_asym, ch_me, me_A, me_Bx, me_Bz, me_cellcum, me_cellenv, ch_vec, ch_fer, ch_cpl, ch_cp, work)


# ------------------------------------------------------------------------------- production
@jitable
def _propagator_map(v, Q2min, Q2max, m2):
    """Q2 with density g(Q2) = (Q2 + m2)^-2 / (z_hi - z_lo) on [Q2min, Q2max] at v in [0, 1].

    z = 1/(Q2 + m2) is uniform between z_hi = 1/(Q2min + m2) and z_lo = 1/(Q2max + m2), so
    dQ2/dv = (z_hi - z_lo) (Q2 + m2)^2. Returns (Q2, dQ2/dv).
    """
    z_hi = 1.0 / (Q2min + m2)
    z_lo = 1.0 / (Q2max + m2)
    z = z_hi + v * (z_lo - z_hi)
    Q2 = 1.0 / z - m2
    if Q2 < Q2min:
        Q2 = Q2min
    if Q2 > Q2max:
        Q2 = Q2max
    return Q2, (z_hi - z_lo) / (z * z)


@jit(parallel=True)
def production_kernel(u, ch_cum, E_edges, E_cdf, flux_edges, flux_dens, ch_flav, params, ch_norm, ch_mN, ch_M,
                      ch_m2map, grid, chan, E_out, Q2_out, w_out, ybin_out, p4):
    """Uniforms u (n, 4) -> channel, E_nu, Q2, azimuth, weight and the four hard-process momenta.

    Weight: ch_norm[c] phi(E) dsigma/dQ2 / (P_c q_c(E) g(Q2)) with ch_norm = POT N_T hbarc^2 / N_events
    (``gen.sampler`` docstring). Slots of p4: 0 projectile (along +z), 1 scattering target at rest,
    2 recoil, 3 N. ``ybin_out`` is the VEGAS interval of the Q2 map (grid training).
    """
    n = u.shape[0]
    ng = grid.shape[1] - 1
    for i in numba.prange(n):
        c = sample_discrete(ch_cum, u[i, 0])
        pc = ch_cum[c] - (ch_cum[c - 1] if c > 0 else 0.0)
        edges = E_edges[c]
        cdf = E_cdf[c]
        E = sample_histogram(u[i, 1], edges, cdf)
        qE = histogram_density(E, edges, cdf)
        mN = ch_mN[c]
        M = ch_M[c]
        Q2min, Q2max = upscattering_Q2_limits(E, mN, M)
        w = 1.0
        if not (Q2max > Q2min) or qE <= 0.0:
            # only at the threshold edge itself (measure zero): push E just above it, zero weight
            w = 0.0
            E = upscattering_threshold(mN, M) * (1.0 + 1e-9) + 1e-12
            Q2min, Q2max = upscattering_Q2_limits(E, mN, M)
        # VEGAS map y -> v, then the propagator map v -> Q2
        y = u[i, 2] * ng
        k = int(y)
        if k >= ng:
            k = ng - 1
        g0 = grid[c, k]
        g1 = grid[c, k + 1]
        v = g0 + (y - k) * (g1 - g0)
        jv = ng * (g1 - g0)
        Q2, dQ2dv = _propagator_map(v, Q2min, Q2max, ch_m2map[c])
        if w != 0.0:
            ds = dsigma_dQ2_upscattering(E, Q2, params[c])
            f = flux_dens[ch_flav[c], sample_discrete_edges(flux_edges, E)]
            w = ch_norm[c] * f * ds * dQ2dv * jv / (pc * qE)
        phi = 2.0 * math.pi * u[i, 3]
        chan[i] = c
        E_out[i] = E
        Q2_out[i] = Q2
        w_out[i] = w
        ybin_out[i] = k
        p4[i, 0, 0] = 0.0
        p4[i, 0, 1] = 0.0
        p4[i, 0, 2] = E
        p4[i, 0, 3] = E
        p4[i, 1, 0] = 0.0
        p4[i, 1, 1] = 0.0
        p4[i, 1, 2] = 0.0
        p4[i, 1, 3] = M
        upscattering_kinematics(E, M, mN, M, Q2, phi, p4[i, 3], p4[i, 2])


@jitable
def sample_discrete_edges(edges, x):
    """Bin index b with edges[b] <= x < edges[b+1] (clipped to the valid range)."""
    n = edges.shape[0]
    if x < edges[0]:
        return 0
    if x >= edges[n - 1]:
        return n - 2
    lo = 0
    hi = n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if edges[mid] <= x:
            lo = mid
        else:
            hi = mid
    return lo


# ------------------------------------------------------------------------------- compaction
@jit(parallel=True)
def compact_kernel(pdg, status, parent, p4, vtx, npart, slot_n, hard, named, named_vtx, f_int, f_kin):
    """Fixed particle slots -> the column layout of ``gen.events`` (struct of arrays).

    Outputs, for the n events of the block (last axis = event or particle, so each row is a
    contiguous column):

    * ``hard`` (4, 4, n): slots 0..3 (projectile, target, recoil, N) as (px, py, pz, E);
    * ``named`` (4, 4, n): first Z' (pdg 32), first final l- (11, 13, 15), first final l+, first
      final light neutrino after slot ``slot_n`` (|pdg| 12, 14, 16, 18); zeros when absent;
    * ``named_vtx`` (2, 4, n): decay vertex of the particle in ``slot_n`` (production vertex of its
      first daughter) and production vertex of the first final l-; zeros when absent;
    * ``f_int`` (3, >= sum npart): pdg, status, parent; ``f_kin`` (8, >= sum npart): px, py, pz, E,
      x, y, z, t of every particle, events in order.
    """
    n = pdg.shape[0]
    offsets = np.empty(n + 1, dtype=np.int64)
    offsets[0] = 0
    for ev in range(n):
        offsets[ev + 1] = offsets[ev] + npart[ev]
    for ev in numba.prange(n):
        for j in range(4):
            for c in range(4):
                hard[j, c, ev] = p4[ev, j, c]
                named[j, c, ev] = 0.0
        for j in range(2):
            for c in range(4):
                named_vtx[j, c, ev] = 0.0
        f0 = False
        f1 = False
        f2 = False
        f3 = False
        f4 = False
        k = offsets[ev]
        for i in range(npart[ev]):
            p = pdg[ev, i]
            fin = status[ev, i] == 1
            slot = -1
            if p == 32 and not f0:
                slot = 0
                f0 = True
            elif fin and (p == 11 or p == 13 or p == 15) and not f1:
                slot = 1
                f1 = True
                for c in range(4):
                    named_vtx[1, c, ev] = vtx[ev, i, c]
            elif fin and (p == -11 or p == -13 or p == -15) and not f2:
                slot = 2
                f2 = True
            elif fin and i > slot_n and not f3:
                ap = abs(p)
                if ap == 12 or ap == 14 or ap == 16 or ap == 18:
                    slot = 3
                    f3 = True
            if slot >= 0:
                for c in range(4):
                    named[slot, c, ev] = p4[ev, i, c]
            if i > slot_n and parent[ev, i] == slot_n and not f4:
                f4 = True
                for c in range(4):
                    named_vtx[0, c, ev] = vtx[ev, i, c]
            f_int[0, k] = p
            f_int[1, k] = status[ev, i]
            f_int[2, k] = parent[ev, i]
            for c in range(4):
                f_kin[c, k] = p4[ev, i, c]
                f_kin[4 + c, k] = vtx[ev, i, c]
            k += 1


# --------------------------------------------------------------------- kernel entry points for tests
@jit
def upscattering_kinematics_array(E, M, mN, Mrec, Q2, phi):
    """Vectorised ``upscattering_kinematics``: returns (pN, pA), each (n, 4)."""
    n = E.shape[0]
    pN = np.empty((n, 4))
    pA = np.empty((n, 4))
    for i in range(n):
        upscattering_kinematics(E[i], M[i], mN[i], Mrec[i], Q2[i], phi[i], pN[i], pA[i])
    return pN, pA


@jit
def upscattering_Q2_limits_array(E, M, mN):
    """Vectorised ``physics.cross_sections.upscattering_Q2_limits`` (elastic): returns (Q2min, Q2max)."""
    n = E.shape[0]
    lo = np.empty(n)
    hi = np.empty(n)
    for i in range(n):
        lo[i], hi[i] = upscattering_Q2_limits(E[i], mN[i], M[i])
    return lo, hi


@jit
def two_body_decay_array(P, M, m1, m2, cos_theta, phi):
    """Vectorised ``two_body_decay``: returns (p1, p2), each (n, 4)."""
    n = P.shape[0]
    p1 = np.empty((n, 4))
    p2 = np.empty((n, 4))
    for i in range(n):
        two_body_decay(P[i], M[i], m1[i], m2[i], cos_theta[i], phi[i], p1[i], p2[i])
    return p1, p2


@jit
def sample_cos_linear_array(u, k):
    """Vectorised ``sample_cos_linear``."""
    out = np.empty(u.shape[0])
    for i in range(u.shape[0]):
        out[i] = sample_cos_linear(u[i], k)
    return out
