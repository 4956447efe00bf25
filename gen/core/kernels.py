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
* ``three_body_standard_frame`` and the tabulated-|M|^2 accept-reject in ``three_body_decay``: Dalitz
  variables (PDG 2024 "Kinematics" eq. (49.22)-(49.23)) with the polarisation-dependent matrix element
  |M|^2 = A + P (Bx s_x + Bz s_z) tabulated on the unit square (see ``gen.core.decays``) times the exact
  Dalitz jacobian.
* ``vector_decay_correlated``: V -> f1 f2 for a vector V emitted in a two-body decay F -> f V, with
  the f1 direction in the V rest frame drawn from the exact on-shell |M|^2 of F -> f (V -> f1 f2)
  (``physics.three_body`` docstring, s = m_V^2): the V polarisation and all spin correlations with
  the polarised parent F (``validation/notes_zprime_polarisation.md``).
* ``cascade_kernel``: the full decay cascade of every event with displaced vertices,
  c tau0 * beta*gamma * Exp(1), and times gamma * tau0 * Exp(1).
* ``production_kernel``: channel, E_nu, Q2 (propagator map + VEGAS grid) and azimuth from uniforms,
  the event weight (formula in ``gen.sources.upscattering``) and the hard-process four-momenta.

``gen.core.event_kernel`` fuses production, cascade and the compaction into the event columns of
``gen.core.events`` per task of events (``event_kernel``, what ``gen.sources.upscattering`` runs).

Speed (``validation/benchmarks``): a call from one numba function to another that is not inlined
costs two atomic reference-count updates per array argument (~5 ns each), so the kernels call one
``_*_task`` function per task of events with the event loop inside, and the decay helpers exchange
four-vectors as tuples (passed in registers) rather than arrays.

Caching: numba's own cache index is keyed on this file only, not on the physics functions a kernel
here inlines; ``physics._jit`` therefore keeps the cache in a directory keyed on the hash of every
source file of the package, so any edit recompiles (no manual deletion).

Randomness: kernels receive uniforms drawn by numpy (``gen.core.rng``). The decay cascade needs a
variable number of uniforms (accept-reject), so each event receives one 64-bit seed from the numpy
block stream and draws its uniforms from SplitMix64 (G. L. Steele, D. Lea, C. H. Flood, "Fast
splittable pseudorandom number generators", OOPSLA 2014), a counter-style generator that is
deterministic per event and therefore independent of chunking and threading.
"""

import math

import numba
import numpy as np

from gen.core.flux import histogram_density, sample_histogram
from physics._jit import jit, jitable
from physics.cross_sections import _dsigma_dQ2_in_range, upscattering_Q2_limits, upscattering_threshold
from physics.kinematics import kallen
from physics.three_body import _eps4, _msq_dots_c, coupling_terms

# Speed of light in cm/ns (units.c_light * units.ns); decay times are stored in ns.
C_CM_PER_NS = 29.9792458

# Status codes (HepMC3 / NuHepMC conventions: 1 final, 2 decayed, 4 beam/incoming, 11 target).
STATUS_FINAL = 1
STATUS_DECAYED = 2
STATUS_BEAM = 4
STATUS_TARGET = 11

_TASK = 512  # events per parallel task of the component kernels

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
def _boost(qx, qy, qz, qE, P, m):
    """Boost of the rest-frame four-vector (qx, qy, qz, qE) by a parent P of mass m; returns a 4-tuple.

    Jackson, Classical Electrodynamics 3rd ed., eq. (11.19) with beta = P_vec/P_E, gamma = P_E/m:
    E = (P_E q_E + P.q)/m, q_vec' = q_vec + P_vec (q_E + E)/(P_E + m). ``P`` is an array or a tuple
    (px, py, pz, E); the cascade works on tuples, which numba passes in registers (an array argument
    costs two reference-count updates per call).
    """
    pq = P[0] * qx + P[1] * qy + P[2] * qz
    E = (P[3] * qE + pq) / m
    f = (qE + E) / (P[3] + m)
    return (qx + f * P[0], qy + f * P[1], qz + f * P[2], E)


@jitable
def _to_rest(X, P, m):
    """The four-vector X (px, py, pz, E) in the rest frame of a parent P of mass m, axes parallel to the lab's: the
    inverse of ``_boost`` (Jackson eq. (11.19) with beta -> -beta): E* = (P_E X_E - P.X)/m,
    X*_vec = X_vec - P_vec (X_E + E*)/(P_E + m). Returns a 4-tuple."""
    E = (P[3] * X[3] - (P[0] * X[0] + P[1] * X[1] + P[2] * X[2])) / m
    f = (X[3] + E) / (P[3] + m)
    return (X[0] - f * P[0], X[1] - f * P[1], X[2] - f * P[2], E)


@jitable
def boost_from_rest_m(q, P, m, out):
    """Boost the rest-frame four-vector q to the frame where the parent (mass m) has four-momentum P.

    ``_boost`` written into ``out``. The cascade passes the nominal mass rather than sqrt(P^2),
    which loses precision for a light, fast parent.
    """
    out[0], out[1], out[2], out[3] = _boost(q[0], q[1], q[2], q[3], P, m)


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
def _two_body(P, M, m1, m2, cos_theta, phi):
    """Parent P (mass M) -> daughters (p1, p2) in the lab, as two 4-tuples; see ``two_body_decay``."""
    lam = kallen(M * M, m1 * m1, m2 * m2)
    q = math.sqrt(max(lam, 0.0)) / (2.0 * M)
    E1 = (M * M + m1 * m1 - m2 * m2) / (2.0 * M)
    st = math.sqrt(max(0.0, 1.0 - cos_theta * cos_theta))
    a = q * st * math.cos(phi)
    b = q * st * math.sin(phi)
    c = q * cos_theta
    e1x, e1y, e1z, e2x, e2y, e2z, nx, ny, nz = helicity_basis(P)
    p1 = _boost(a * e1x + b * e2x + c * nx, a * e1y + b * e2y + c * ny, a * e1z + b * e2z + c * nz, E1, P, M)
    return p1, (P[0] - p1[0], P[1] - p1[1], P[2] - p1[2], P[3] - p1[3])


@jitable
def two_body_decay(P, M, m1, m2, cos_theta, phi, p1, p2):
    """Parent P (mass M) -> daughters p1 (m1), p2 (m2) in the lab.

    ``cos_theta``, ``phi`` are the polar and azimuthal angles of daughter 1 in the parent rest
    frame about the parent's lab momentum direction (helicity frame). Daughter 2 is P - p1, so
    four-momentum is conserved exactly.
    """
    d1, d2 = _two_body(P, M, m1, m2, cos_theta, phi)
    for k in range(4):
        p1[k] = d1[k]
        p2[k] = d2[k]


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
def _three_body_frame(M, m1, m2, m3, m12sq, m23sq):
    """Rest-frame (q1, q2, q3) of M -> 1 2 3 as 4-tuples; see ``three_body_standard_frame``."""
    m13sq = M * M + m1 * m1 + m2 * m2 + m3 * m3 - m12sq - m23sq
    E1 = (M * M + m1 * m1 - m23sq) / (2.0 * M)
    E2 = (M * M + m2 * m2 - m13sq) / (2.0 * M)
    k1 = math.sqrt(max(E1 * E1 - m1 * m1, 0.0))
    k2 = math.sqrt(max(E2 * E2 - m2 * m2, 0.0))
    dot = E1 * E2 - 0.5 * (m12sq - m1 * m1 - m2 * m2)
    c12 = dot / (k1 * k2) if k1 * k2 > 0.0 else 1.0
    c12 = min(1.0, max(-1.0, c12))
    s12 = math.sqrt(1.0 - c12 * c12)
    q2x = k2 * s12
    q2z = k2 * c12
    return (0.0, 0.0, k1, E1), (q2x, 0.0, q2z, E2), (-q2x, 0.0, -k1 - q2z, M - E1 - E2)


@jitable
def three_body_standard_frame(M, m1, m2, m3, m12sq, m23sq, q1, q2, q3):
    """Rest-frame momenta of M -> 1 2 3 in the standard frame: q1 along +z, q2 in the xz plane
    (x >= 0), q3 = -q1 - q2 with E3 = M - E1 - E2 (exact conservation).

    E1 = (M^2 + m1^2 - m23^2)/(2M), E2 = (M^2 + m2^2 - m13^2)/(2M) with
    m13^2 = M^2 + m1^2 + m2^2 + m3^2 - m12^2 - m23^2 (PDG 2024 "Kinematics" eq. (49.22)), and
    q1.q2 = E1 E2 - (m12^2 - m1^2 - m2^2)/2.
    """
    a, b, c = _three_body_frame(M, m1, m2, m3, m12sq, m23sq)
    for k in range(4):
        q1[k] = a[k]
        q2[k] = b[k]
        q3[k] = c[k]


# ------------------------------------------------------------------------------------ cascade
@jitable
def _bilinear(T, t, i, j, fx, fy):
    return ((1.0 - fx) * (1.0 - fy) * T[t, i, j] + fx * (1.0 - fy) * T[t, i + 1, j]
            + (1.0 - fx) * fy * T[t, i, j + 1] + fx * fy * T[t, i + 1, j + 1])


@jitable
def _rotate_to_helicity(q, sx, sy, sz, psi):
    """Rotate a standard-frame vector into helicity coordinates where the spin axis s_std -> +z'.

    Rows of the rotation: a', b', s with (a, b, s) right-handed and (a', b') = (a, b) rotated by psi.
    Returns a 4-tuple.
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
    return (apx * q[0] + apy * q[1] + apz * q[2], bpx * q[0] + bpy * q[1] + bpz * q[2],
            sx * q[0] + sy * q[1] + sz * q[2], q[3])


@jitable
def _helicity_to_lab_rest(v, P):
    """Helicity coordinates (e1, e2, n of P) -> lab-oriented rest-frame components (4-tuple)."""
    e1x, e1y, e1z, e2x, e2y, e2z, nx, ny, nz = helicity_basis(P)
    return (v[0] * e1x + v[1] * e2x + v[2] * nx, v[0] * e1y + v[1] * e2y + v[2] * ny,
            v[0] * e1z + v[1] * e2z + v[2] * nz, v[3])


@jitable
def three_body_decay(P, M, pol, ch, st_mass, ch_dau, ch_me, me_A, me_Bx, me_Bz, me_cellcum, me_cellenv, state):
    """Three-body decay of a parent P (4-tuple), mass M, longitudinal polarisation ``pol`` through ``ch``.

    Accept-reject on the tabulated |M|^2 = A + pol * (Bx s_x + Bz s_z) (``gen.core.decays``) times the
    exact Dalitz jacobian. Returns (SplitMix64 state, q1, q2, q3) with the lab daughters as 4-tuples.
    """
    m1 = st_mass[ch_dau[ch, 0]]
    m2 = st_mass[ch_dau[ch, 1]]
    m3 = st_mass[ch_dau[ch, 2]]
    k_me = ch_me[ch]
    ng = me_A.shape[1] - 1
    cum = me_cellcum[k_me]
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
        A = _bilinear(me_A, k_me, i, j, ux, uy)
        cs = 2.0 * ucs - 1.0
        sn = math.sqrt(max(0.0, 1.0 - cs * cs))
        sx = sn * math.cos(2.0 * math.pi * uphi)
        sy = sn * math.sin(2.0 * math.pi * uphi)
        sz = cs
        f = A
        if pol != 0.0:
            f += pol * (_bilinear(me_Bx, k_me, i, j, ux, uy) * sx + _bilinear(me_Bz, k_me, i, j, ux, uy) * sz)
        if uacc * me_cellenv[k_me, cell] <= f * jac:
            break
    q1, q2, _q3 = _three_body_frame(M, m1, m2, m3, m12sq, m23sq)
    psi = 2.0 * math.pi * upsi
    h = _helicity_to_lab_rest(_rotate_to_helicity(q1, sx, sy, sz, psi), P)
    d1 = _boost(h[0], h[1], h[2], h[3], P, M)
    h = _helicity_to_lab_rest(_rotate_to_helicity(q2, sx, sy, sz, psi), P)
    d2 = _boost(h[0], h[1], h[2], h[3], P, M)
    d3 = (P[0] - d1[0] - d2[0], P[1] - d1[1] - d2[1], P[2] - d1[2] - d2[2], P[3] - d1[3] - d2[3])
    return state, d1, d2, d3


@jitable
def _mdot(a, b):
    """Minkowski product of (px, py, pz, E) four-vectors."""
    return a[3] * b[3] - a[0] * b[0] - a[1] * b[1] - a[2] * b[2]


@jitable
def _chain_inputs(rx, ry, rz, rE, PV, MV, PN, sN, pf, cp):
    """The f1-dependent scalar products of the chain |M|^2 (``_chain_msq``) for f1 at rest-frame
    momentum r (V rest frame, lab-oriented axes): (P.a1, P.a2, pf.a1, pf.a2, s.a1, s.a2,
    eps(a2, s, a1, P)) with a1 = f1, a2 = f2 = PV - f1 (for ``cp`` a1 = f2, a2 = f1 and the spin
    reversed), the arguments of ``physics.three_body._msq_dots``. Each is affine in r: f1 is a
    boost of (r, E1), f2 = PV - f1, and eps(PV - a1, s, a1, P) = eps(PV, s, a1, P). The definition, in the lab:
    the kernel takes them from ``_chain_affine``, which tests/gen/test_event_kernel.py checks against this."""
    p1 = _boost(rx, ry, rz, rE, PV, MV)
    p2 = (PV[0] - p1[0], PV[1] - p1[1], PV[2] - p1[2], PV[3] - p1[3])
    if cp:
        a1, a2, sg = p2, p1, -1.0
    else:
        a1, a2, sg = p1, p2, 1.0
    eps = _eps4(a2, (sN[0] * sg, sN[1] * sg, sN[2] * sg, sN[3] * sg), a1, PN)
    return (_mdot(PN, a1), _mdot(PN, a2), _mdot(pf, a1), _mdot(pf, a2), sg * _mdot(sN, a1), sg * _mdot(sN, a2), eps)


@jitable
def _chain_msq(x, p12, m0, mf, ma, mb, CLL, CLR, CRL, CRR, cc):
    """|M|^2 of F(P, spin s) -> f(pf) (V -> f1 f2) from the products ``x`` of ``_chain_inputs`` (in the kernel, their
    values from ``_chain_affine``):
    ``physics.three_body._msq_dots`` with constant C_ab = n_a c_b (on-shell V, a conserved f1 f2
    current: the q q / M^2 part of the propagator drops), masses (ma, mb) of (a1, a2); ``cc`` =
    ``physics.three_body.coupling_terms`` of the C_ab, computed once per decay."""
    return _msq_dots_c(x[0], x[1], x[2], x[3], p12, x[4], x[5], x[6], m0, mf, ma, mb, CLL, CLR, CRL, CRR, cc)


@jitable
def _chain_affine(E1, PV, MV, PN, sN, pf, cp):
    """The seven products of ``_chain_inputs`` as affine functions of the f1 rest-frame momentum r: 4-tuples
    (c, bx, by, bz) with value c + b.r (``_at``), computed in the V rest frame (lab-oriented axes).

    f1 is the boost of (r, E1) (``_boost``), so for a lab four-vector X, X.f1 = X*.(r, E1) = X*_E E1 - X*_vec.r with
    X* = ``_to_rest(X, PV, MV)``, and X.(PV - f1) = X*_E (MV - E1) + X*_vec.r. The epsilon product is
    eps(a2, s', a1, P) = eps(PV, s, f1, P) in both orderings (multilinear and antisymmetric: the f1 f1 term vanishes;
    for ``cp`` the swap of a1, a2 and the reversed spin cancel) and, with PV* = (0, 0, 0, MV),
    = MV r.(P*_vec x s*_vec). Three boosts and a cross product, where evaluating ``_chain_inputs`` at the four
    tetrahedron vertices took four boosts, four 4x4 determinants and 28 products (issue 16: ~80 ns of the ~0.33 us
    correlated decay). The values agree with ``_chain_inputs`` to ~1e-12 of the largest product
    (tests/gen/test_event_kernel.py); the accepted f1 itself is the boost of r, not of these."""
    P = _to_rest(PN, PV, MV)
    F = _to_rest(pf, PV, MV)
    S = _to_rest(sN, PV, MV)
    e2 = MV - E1
    P1, P2 = (P[3] * E1, -P[0], -P[1], -P[2]), (P[3] * e2, P[0], P[1], P[2])
    F1, F2 = (F[3] * E1, -F[0], -F[1], -F[2]), (F[3] * e2, F[0], F[1], F[2])
    S1, S2 = (S[3] * E1, -S[0], -S[1], -S[2]), (S[3] * e2, S[0], S[1], S[2])
    eps = (0.0, MV * (P[1] * S[2] - P[2] * S[1]), MV * (P[2] * S[0] - P[0] * S[2]), MV * (P[0] * S[1] - P[1] * S[0]))
    if cp:  # a1 = f2 = PV - f1, a2 = f1, the spin reversed (``_chain_inputs``)
        return P2, P1, F2, F1, (-S2[0], -S2[1], -S2[2], -S2[3]), (-S1[0], -S1[1], -S1[2], -S1[3]), eps
    return P1, P2, F1, F2, S1, S2, eps


@jitable
def _at(a, rx, ry, rz):
    return a[0] + a[1] * rx + a[2] * ry + a[3] * rz


@jitable
def _vector_decay_correlated(PV, MV, m1, m2, PN, m0, hel, pf, mf, nL, nR, cL, cR, cp, state):
    """V(PV, MV) -> f1(m1) f2(m2) with the spin correlations of F(PN, m0, helicity hel) -> f(pf, mf) V.

    The f1 direction in the V rest frame is drawn by accept-reject from W(n) = |M|^2 of the chain at
    fixed PN, pf, PV. W is a polynomial of degree <= 2 in n (p1, p2 enter |M|^2 bilinearly), so its
    sphere average is exactly the average over the four vertices of a regular tetrahedron (a spherical
    2-design; P. Delsarte, J. M. Goethals, J. J. Seidel, Geom. Dedicata 6 (1977) 363);
    W = sum_{l l'} rho_{l l'} T_{l l'}(n) with rho (V spin density matrix) and T (decay tensor) positive
    semi-definite and <T> = tr T / 3, hence W <= lambda_max(T) tr(rho) = k <W>, k = 3 lambda_max(T) / tr T:
    k = 3 E1^2 / (3 E1^2 - q^2) (1.5 for massless f) for a vector coupling to an equal-mass pair, k = 3 in
    general; the envelope k <W> is exact and the acceptance is 1/k (notes_zprime_polarisation.md, sec. 4).
    The arguments of |M|^2 that depend on n are affine in n (``_chain_inputs``); ``_chain_affine`` gives them in
    the V rest frame, so a trial costs one ``_msq_dots`` and the accepted f1 one boost.

    The F spin four-vector is hel * (|p|/m0, E/m0 p_hat) (helicity frame). ``cp``: the chain is the CP
    image of the couplings given. Four-vectors are (px, py, pz, E) tuples or arrays. Returns
    (SplitMix64 state, o1, o2): f1 and f2 = PV - f1 in the lab as 4-tuples.
    """
    p = math.sqrt(PN[0] * PN[0] + PN[1] * PN[1] + PN[2] * PN[2])
    if p > 0.0:
        f = hel * PN[3] / (m0 * p)
        sN = (f * PN[0], f * PN[1], f * PN[2], hel * p / m0)
    else:
        sN = (0.0, 0.0, hel, 0.0)
    if cp:
        nL, nR, cL, cR = nL.conjugate(), nR.conjugate(), cL.conjugate(), cR.conjugate()
        ma, mb = m2, m1
    else:
        ma, mb = m1, m2
    CLL = nL * cL
    CLR = nL * cR
    CRL = nR * cL
    CRR = nR * cR
    cc = coupling_terms(CLL, CLR, CRL, CRR)  # fixed over the five or more |M|^2 below
    q = math.sqrt(max(kallen(MV * MV, m1 * m1, m2 * m2), 0.0)) / (2.0 * MV)
    E1 = (MV * MV + m1 * m1 - m2 * m2) / (2.0 * MV)
    p12 = 0.5 * (MV * MV - m1 * m1 - m2 * m2)
    A0, A1, A2, A3, A4, A5, A6 = _chain_affine(E1, PV, MV, PN, sN, pf, cp)
    # <W> (times 4): |M|^2 at the vertices h (1, 1, 1), h (1, -1, -1), h (-1, 1, -1), h (-1, -1, 1) of a tetrahedron
    h = q / math.sqrt(3.0)
    tot = 0.0
    for i in range(4):
        tx = h if i < 2 else -h
        ty = h if i == 0 or i == 2 else -h
        tz = h if i == 0 or i == 3 else -h
        x = (_at(A0, tx, ty, tz), _at(A1, tx, ty, tz), _at(A2, tx, ty, tz), _at(A3, tx, ty, tz),
             _at(A4, tx, ty, tz), _at(A5, tx, ty, tz), _at(A6, tx, ty, tz))
        tot += _chain_msq(x, p12, m0, mf, ma, mb, CLL, CLR, CRL, CRR, cc)
    # envelope k <W> (docstring): for a vector coupling to an equal-mass pair the decay tensor in the V
    # rest frame is T ~ E1^2 1 - q^2 n n^T (lambda_max = E1^2, tr T = 3 E1^2 - q^2)
    k = 3.0
    if m1 == m2 and cL == cR:
        k = 3.0 * E1 * E1 / (3.0 * E1 * E1 - q * q)
    bound = 0.25 * k * tot * (1.0 + 1e-9)
    rx, ry, rz = 0.0, 0.0, 0.0
    for _trial in range(100000):
        state, u1 = splitmix64_next(state)
        state, u2 = splitmix64_next(state)
        state, u3 = splitmix64_next(state)
        c = 2.0 * u1 - 1.0
        st = math.sqrt(max(0.0, 1.0 - c * c))
        ph = 2.0 * math.pi * u2
        rx = q * st * math.cos(ph)
        ry = q * st * math.sin(ph)
        rz = q * c
        x = (_at(A0, rx, ry, rz), _at(A1, rx, ry, rz), _at(A2, rx, ry, rz), _at(A3, rx, ry, rz),
             _at(A4, rx, ry, rz), _at(A5, rx, ry, rz), _at(A6, rx, ry, rz))
        w = _chain_msq(x, p12, m0, mf, ma, mb, CLL, CLR, CRL, CRR, cc)
        if u3 * bound <= w or not bound > 0.0:
            break
    p1 = _boost(rx, ry, rz, E1, PV, MV)
    return state, p1, (PV[0] - p1[0], PV[1] - p1[1], PV[2] - p1[2], PV[3] - p1[3])


@jitable
def vector_decay_correlated(PV, MV, m1, m2, PN, m0, hel, pf, mf, nL, nR, cL, cR, cp, state, o1, o2, tmp):
    """``_vector_decay_correlated`` with f1, f2 written into the arrays ``o1``, ``o2``; returns the state.

    Four-vectors (px, py, pz, E) in GeV, any frame. ``tmp`` is not used (kept for the callers'
    signature: the kernel no longer needs scratch space).
    """
    state, d1, d2 = _vector_decay_correlated(PV, MV, m1, m2, PN, m0, hel, pf, mf, nL, nR, cL, cR, cp, state)
    for k in range(4):
        o1[k] = d1[k]
        o2[k] = d2[k]
    return state


@jitable
def _cascade_task(e0, e1, seeds, n0, pdg, status, parent, p4, vtx, pol, state_of, npart, chosen, decay):
    """The cascade of events ``[e0, e1)`` (``cascade_kernel``); ``decay`` is a ``gen.core.tables.DecayTables``.

    One call per task, the event loop inside: a numba call costs two reference-count updates per
    array argument, ~0.4 us for these 30 arrays, more than the decays of an event. For the same reason
    the decays exchange four-vectors as tuples.
    """
    st_pdg, st_mass, st_ctau0 = decay.st_pdg, decay.st_mass, decay.st_ctau0
    st_ch_start, st_ch_n, ch_cum, ch_ndau, ch_dau = decay.st_ch_start, decay.st_ch_n, decay.ch_cum, decay.ch_ndau, decay.ch_dau
    ch_asym, ch_me, me_A, me_Bx, me_Bz = decay.ch_asym, decay.ch_me, decay.me_A, decay.me_Bx, decay.me_Bz
    me_cellcum, me_cellenv = decay.me_cellcum, decay.me_cellenv
    ch_vec, ch_fer, ch_cpl, ch_cp = decay.ch_vec, decay.ch_fer, decay.ch_cpl, decay.ch_cp
    for ev in range(e0, e1):
        state = np.uint64(seeds[ev])
        n = n0
        i = 0
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
            P = (p4[ev, i, 0], p4[ev, i, 1], p4[ev, i, 2], p4[ev, i, 3])
            mass = st_mass[s]
            # decay vertex: flight c tau0 * beta gamma * l with l ~ Exp(1); beta gamma = |p| / m
            state, ul = splitmix64_next(state)
            ell = -math.log1p(-ul)
            ctau = st_ctau0[s]
            dx = P[0] / mass * ctau * ell
            dy = P[1] / mass * ctau * ell
            dz = P[2] / mass * ctau * ell
            dt = P[3] / mass * ctau * ell / C_CM_PER_NS
            nd = ch_ndau[ch]
            d3 = (0.0, 0.0, 0.0, 0.0)
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
                        PN = (p4[ev, par, 0], p4[ev, par, 1], p4[ev, par, 2], p4[ev, par, 3])
                        pf = (p4[ev, sib, 0], p4[ev, sib, 1], p4[ev, sib, 2], p4[ev, sib, 3])
                        state, o1, o2 = _vector_decay_correlated(
                            P, mass, st_mass[ch_dau[ch, i1]], st_mass[ch_dau[ch, 1 - i1]], PN, st_mass[state_of[ev, par]],
                            pol[ev, par], pf, st_mass[state_of[ev, sib]], nL, nR, cL, cR, ch_cp[chp] != 0, state)
                        d1, d2 = (o1, o2) if i1 == 0 else (o2, o1)
                        corr = True
            if not corr:
                if nd == 2:
                    state, u1 = splitmix64_next(state)
                    state, u2 = splitmix64_next(state)
                    c = sample_cos_linear(u1, ch_asym[ch] * pol[ev, i])
                    d1, d2 = _two_body(P, mass, st_mass[ch_dau[ch, 0]], st_mass[ch_dau[ch, 1]], c, 2.0 * math.pi * u2)
                else:
                    state, d1, d2, d3 = three_body_decay(P, mass, pol[ev, i], ch, st_mass, ch_dau, ch_me, me_A, me_Bx,
                                                         me_Bz, me_cellcum, me_cellenv, state)
            status[ev, i] = STATUS_DECAYED
            chosen[ev, i] = ch
            if n + nd > p4.shape[1]:
                # cascade deeper than MAX_PARTICLES: flag by a negative count (sampler raises)
                n = -1
                break
            for d in range(nd):
                ds = ch_dau[ch, d]
                state_of[ev, n] = ds
                pdg[ev, n] = st_pdg[ds]
                status[ev, n] = STATUS_FINAL
                parent[ev, n] = i
                pol[ev, n] = 0.0
                q = d1 if d == 0 else (d2 if d == 1 else d3)
                for k in range(4):
                    p4[ev, n, k] = q[k]
                vtx[ev, n, 0] = vtx[ev, i, 0] + dx
                vtx[ev, n, 1] = vtx[ev, i, 1] + dy
                vtx[ev, n, 2] = vtx[ev, i, 2] + dz
                vtx[ev, n, 3] = vtx[ev, i, 3] + dt
                n += 1
            i += 1
        npart[ev] = n


@jit(parallel=True)
def cascade_kernel(seeds, n0, pdg, status, parent, p4, vtx, pol, state_of, npart, chosen, decay):
    """Decay every unstable particle of every event, in place.

    Arrays are per event ``ev`` and particle slot ``i`` (``MAX_PARTICLES`` slots): ``pdg``,
    ``status``, ``parent``, ``p4`` (px, py, pz, E; GeV), ``vtx`` (x, y, z in cm; t in ns), ``pol``
    (longitudinal polarisation along the lab momentum), ``state_of`` (index into the decay graph
    ``st_*``; -1 = not decayed by the cascade). Slots ``[0, n0)`` hold the hard process. Decay
    products get the parent's decay vertex. ``npart[ev]`` is set to the number of particles
    (-1 if the cascade overflowed); ``chosen[ev, i]`` to the graph channel particle i decayed through
    (-1 if it did not decay). One uint64 seed per event drives SplitMix64. ``decay``
    (``gen.core.tables.DecayTables``, from ``gen.core.decays.DecayGraph.tables``) is the decay graph:
    its ``ch_vec``, ``ch_fer``, ``ch_cpl``, ``ch_cp`` switch on the spin correlations of
    F -> f (V -> f1 f2) (``vector_decay_correlated``).
    """
    n = seeds.shape[0]
    n_tasks = (n + _TASK - 1) // _TASK
    for t in numba.prange(n_tasks):
        _cascade_task(t * _TASK, min(n, (t + 1) * _TASK), seeds, n0, pdg, status, parent, p4, vtx, pol, state_of, npart,
                      chosen, decay)


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


@jit(nogil=True)  # a cached kernel of its own (issue 16, cold start): the pilot's production_kernel and the event
# kernel call it with the same argument types, so a process compiles it once and the parent loads what the helper
# compiled; it is called once per task of events, so the call's reference counts cost nothing measurable
def _production_task(e0, e1, o, u, flux, chans, chan, E_out, Q2_out, w_out, ybin_out, p4):
    """``production_kernel`` for the uniforms ``u[e0:e1]``, written to the outputs at index ``i - o``."""
    flux_edges, flux_dens = flux.edges, flux.density
    ch_cum, E_edges, E_cdf, ch_flav, params = chans.cum, chans.E_edges, chans.E_cdf, chans.flavour, chans.params
    ch_norm, ch_mN, ch_M, ch_m2map, grid = chans.norm, chans.m_N, chans.M, chans.m2map, chans.grid
    ng = grid.shape[1] - 1
    for i in range(e0, e1):
        j = i - o
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
            # = physics.cross_sections.dsigma_dQ2_upscattering: Q2 is inside [Q2min, Q2max] by construction
            ds = _dsigma_dQ2_in_range(E, Q2, params[c])
            f = flux_dens[ch_flav[c], sample_discrete_edges(flux_edges, E)]
            w = ch_norm[c] * f * ds * dQ2dv * jv / (pc * qE)
        phi = 2.0 * math.pi * u[i, 3]
        chan[j] = c
        E_out[j] = E
        Q2_out[j] = Q2
        w_out[j] = w
        ybin_out[j] = k
        p4[j, 0, 0] = 0.0
        p4[j, 0, 1] = 0.0
        p4[j, 0, 2] = E
        p4[j, 0, 3] = E
        p4[j, 1, 0] = 0.0
        p4[j, 1, 1] = 0.0
        p4[j, 1, 2] = 0.0
        p4[j, 1, 3] = M
        upscattering_kinematics(E, M, mN, M, Q2, phi, p4[j, 3], p4[j, 2])


@jit(nogil=True)
def production_kernel(u, flux, chans, chan, E_out, Q2_out, w_out, ybin_out, p4):
    """Uniforms u (n, 4) -> channel, E_nu, Q2, azimuth, weight and the four hard-process momenta.

    Serial and without the GIL: callers run parts of the events in threads (``gen.sources.upscattering``'s
    pilot runs); ``parallel=True`` tripled its compile time (issue 16: 2.95 s -> 0.9 s of CPU).

    ``flux``, ``chans``: ``gen.core.tables.FluxTables`` and ``ChannelTables``.
    Weight: norm[c] phi(E) dsigma/dQ2 / (P_c q_c(E) g(Q2)) with norm = POT N_T hbarc^2 / N_events
    (``gen.sources.upscattering`` docstring). Slots of p4: 0 projectile (along +z), 1 scattering target at rest,
    2 recoil, 3 N. ``ybin_out`` is the VEGAS interval of the Q2 map (grid training).
    """
    n = u.shape[0]
    zero = n - n  # an int64 variable, not the literal 0: the specialisation the event kernel uses (e0, e1, o: int64)
    _production_task(zero, n, zero, u, flux, chans, chan, E_out, Q2_out, w_out, ybin_out, p4)


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
