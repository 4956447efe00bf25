"""NA62 source: K+ (or pi+) decays in flight to l_a+ N, and the dark cascade N -> nu Z' -> nu l_b+ l_b-.

Process (arXiv:1903.07589 = seed 004, eq. (17))::

    K+ -> l_a+ N,   N -> nu Z',   Z' -> l_b+ l_b-

Beam (NA62 facts, ../shared/data/PROVENANCE.md "Facts: NA62 kaon beam", from NA62 arXiv:2312.17188
sec. 1 and arXiv:2409.12981 sec. 1): unseparated positive beam, central momentum 75 GeV/c along +z
with a 1 % rms spread, decay positions exponential along the beam from the target at z = 0, fiducial
decay volume 105 m < z < 180 m. The beam's transverse size and divergence (O(0.1 mrad)) are neglected:
the kaon moves along +z from (0, 0).

Sampling (deterministic map from uniforms, STYLE.md sec. 4), per event:

1. |p_K| = p0 (1 + sigma g), g standard normal (Box-Muller).
2. z_K from the exponential law with decay length lambda_K = c tau_K |p_K|/m_K, truncated to the
   fiducial volume [z1, z2]; the probability of that, P_FV(p) = exp(-z1/lambda) - exp(-z2/lambda), is
   computed exactly and returned, not applied by rejection.
3. K+ -> l_a+ N isotropic in the kaon rest frame. N's longitudinal polarisation along its flight
   direction in that frame is ``physics.meson_decays.polarisation_N_from_P_to_lN``.
4. N -> nu Z' in the N rest frame reached from the kaon frame by a pure boost, so that the spin axis
   is N's direction in the kaon frame. With a left-handed dark current the Z' direction follows
   (1 + alpha P_N cos theta)/2 with alpha = (1 - 2r)/(1 + 2r), r = m_Z'^2/m_N^2 (helicity amplitudes:
   |H_0|^2 : |H_-1|^2 = 1 : 2r, the pattern of t -> b W, e.g. PDG 2024 review "Top quark", and the
   width factor (1 - r)^2 (1/2 + r) of seed 004 eq. (13)). A Majorana N decays half of the time to
   nu-bar Z' with the opposite asymmetry, so its Z' distribution is isotropic on average.
5. Z' -> l_b- l_b+ with the l_b- direction in the Z' rest frame drawn from the exact |M|^2 of the chain
   N -> nu (Z' -> l_b- l_b+) at the sampled N, nu and Z' momenta, N spin P_N along its kaon-frame
   direction (``gen.core.kernels.vector_decay_correlated``, the generator's general cascade;
   validation/notes_zprime_polarisation.md): the Z' helicity fractions 1 : 2r and the interference of
   helicities 0 and -1 (+1 for nu-bar), proportional to P_N sqrt(r) sin(theta) sin(2 theta*) cos(phi*).
   The interference leaves the invariant masses alone but not the lab energy sharing of the pair: a
   kernel without it (this module before the general-path comparison, tests/gen/test_na62_general.py)
   had 4 % too many pairs at E_l-/E_Z' near 0 and 1 and a 2.5 % lower NA62 acceptance on the light-Z'
   card. Couplings of the vector Z' -> l l (seed 004 eq. (7)) and of the left-handed N -> nu Z' (right-
   handed for the Majorana nu-bar) fix the shape; their sizes drop out.
6. Everything is boosted kaon frame -> lab. N and Z' fly c tau0 beta gamma Exp(1), truncated at the
   plane z = z_end (the end of the decay volume); the probability to decay before it is computed
   exactly and returned.

Uniforms per event (``N_UNIFORMS`` = 12): 0-4 steps 1-3, 5 nu or nu-bar (Majorana), 6-7 the Z' direction,
8-9 the 64-bit SplitMix64 seed of the accept-reject in step 5, 10-11 the N and Z' flights.

Weights: ``weight = N_fid / n * P_FV(p)/<P_FV> * BR(K -> l_a N) * BR(N -> nu Z') * BR(Z' -> l_b l_b)
* P_N(decay before z_end) * P_Z'(decay before z_end)`` so that the sum of weights is the expected
number of such decays with their visible vertex upstream of z_end, for N_fid kaon decays in the
fiducial volume (seed 004 Table I: 2.14e11 di-electron, 7.94e11 di-muon trigger stream). The factor
P_FV(p)/<P_FV> turns the beam momentum spectrum into that of the kaons that decay in the volume.

Two-body kinematics reuse ``gen.core.kernels`` (``boost_from_rest``, ``helicity_basis``,
``sample_cos_linear``, ``vector_decay_correlated``) of the generator core.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from gen.core import kernels as K
from physics import units as u
from physics._jit import jit, jitable
from physics.kinematics import two_body_momentum
from physics.meson_decays import MESONS, br_P_to_l_N, lepton_mass, polarisation_N_from_P_to_lN

__all__ = [
    "NA62Beam",
    "KaonCascade",
    "N_UNIFORMS",
    "fv_decay_probability",
    "mean_fv_decay_probability",
    "generate_na62_cascade",
    "generate_na62_production",
    "cascade_from_decay_table",
    "events_to_awkward",
    "SEED004_N_K_FID",
]

# seed 004 (arXiv:1903.07589) Table I: kaon decays in the fiducial volume per trigger stream.
SEED004_N_K_FID = {"e": 2.14e11, "mu": 7.94e11}

N_UNIFORMS = 12  # uniforms per event consumed by the cascade kernel (the first 5 by the production)


@dataclasses.dataclass(frozen=True)
class NA62Beam:
    """NA62 beam and decay-volume parameters (PROVENANCE.md "Facts: NA62 kaon beam").

    Attributes
    ----------
    p0 : float
        Central beam momentum, GeV (75 GeV/c; arXiv:2312.17188 sec. 1).
    sigma_rel : float
        Relative rms momentum spread (1 %; same source).
    z_fv_begin, z_fv_end : float
        Fiducial decay volume along the beam from the target, cm (105 m, 180 m; same source).
    z_decay_end : float
        Plane (cm) before which the N and Z' must decay for their vertex to be reconstructible;
        defaults to the end of the fiducial volume (the first STRAW chamber is at 183.5 m).
    """

    p0: float = 75.0 * u.GeV
    sigma_rel: float = 0.01
    z_fv_begin: float = 105.0 * u.m
    z_fv_end: float = 180.0 * u.m
    z_decay_end: float = 180.0 * u.m

    def __post_init__(self):
        if not (self.p0 > 0 and 0 <= self.sigma_rel < 0.2):
            raise ValueError(f"need p0 > 0 and 0 <= sigma_rel < 0.2, got {self.p0}, {self.sigma_rel}")
        if not (0 <= self.z_fv_begin < self.z_fv_end <= self.z_decay_end):
            raise ValueError("need 0 <= z_fv_begin < z_fv_end <= z_decay_end, got "
                             f"{self.z_fv_begin}, {self.z_fv_end}, {self.z_decay_end}")


@dataclasses.dataclass(frozen=True)
class KaonCascade:
    """Parameters of P+ -> l_a+ N, N -> nu Z', Z' -> l_b+ l_b- (masses GeV, lengths cm).

    ``ctau0_N``/``ctau0_Zp`` are proper decay lengths (0 = prompt, ``math.inf`` = stable);
    ``br_N_to_nu_Zp``, ``br_Zp_to_bb`` the branching ratios of the cascade steps, taken from the
    decay table (``cascade_from_decay_table``) or given by hand.
    """

    m_N: float
    m_Zp: float
    flavour_a: str = "mu"
    flavour_b: str = "e"
    U2_aN: float = 1e-8
    ctau0_N: float = 0.0
    ctau0_Zp: float = 0.0
    br_N_to_nu_Zp: float = 1.0
    br_Zp_to_bb: float = 1.0
    majorana: bool = False
    parent: str = "K+"

    def __post_init__(self):
        P = MESONS.get(self.parent)
        if P is None:
            raise ValueError(f"parent {self.parent!r}: allowed {sorted(MESONS)}")
        ma, mb = lepton_mass(self.flavour_a), lepton_mass(self.flavour_b)
        if not (0 < self.m_N < P["mass"] - ma):
            raise ValueError(f"m_N = {self.m_N} GeV: need 0 < m_N < m_{self.parent} - m_{self.flavour_a}"
                             f" = {P['mass'] - ma:.6f} GeV")
        if not (2 * mb < self.m_Zp < self.m_N):
            raise ValueError(f"m_Zp = {self.m_Zp} GeV: need 2 m_{self.flavour_b} < m_Zp < m_N = {self.m_N}")
        for name in ("br_N_to_nu_Zp", "br_Zp_to_bb"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} = {getattr(self, name)}: need 0 <= BR <= 1")
        if self.ctau0_N < 0 or self.ctau0_Zp < 0 or self.U2_aN < 0:
            raise ValueError("ctau0_N, ctau0_Zp and U2_aN must be >= 0")

    @property
    def br_production(self) -> float:
        """BR(P+ -> l_a+ N) = |U|^2 rho BR(P+ -> l_a+ nu) (``physics.meson_decays``)."""
        return br_P_to_l_N(self.parent, self.flavour_a, self.m_N, self.U2_aN)

    @property
    def polarisation_N(self) -> float:
        """Longitudinal polarisation of N in the parent rest frame."""
        P = MESONS[self.parent]
        return polarisation_N_from_P_to_lN(P["mass"], lepton_mass(self.flavour_a), self.m_N)


# ----------------------------------------------------------------------------- closed forms
def fv_decay_probability(p, m, ctau0, z1, z2):
    """Probability that a particle of momentum p (GeV), mass m, c tau0 (cm) produced at z = 0 and
    moving along +z decays in [z1, z2] (cm): exp(-z1/lambda) - exp(-z2/lambda), lambda = ctau0 p/m.

    For the K+ at 75 GeV/c in 105-180 m this is 0.103 (PROVENANCE.md, NA62 facts)."""
    lam = ctau0 * np.asarray(p, dtype=float) / m
    return np.exp(-z1 / lam) * -np.expm1(-(z2 - z1) / lam)


def mean_fv_decay_probability(beam: NA62Beam, m: float, ctau0: float, n_nodes: int = 64) -> float:
    """<P_FV> over the Gaussian beam momentum spectrum, by Gauss-Hermite quadrature (exact to
    double precision for the smooth integrand)."""
    x, w = np.polynomial.hermite_e.hermegauss(n_nodes)
    p = beam.p0 * (1.0 + beam.sigma_rel * x)
    return float(np.sum(w * fv_decay_probability(p, m, ctau0, beam.z_fv_begin, beam.z_fv_end)) / np.sum(w))


# ----------------------------------------------------------------------------- kernels
@jitable
def _rest_two_body(M, m1, m2, cos_t, phi, ax, out1, out2):
    """Rest-frame decay M -> m1 m2 with daughter 1 at (cos_t, phi) about the axis of 4-vector ``ax``.

    Returns the unit direction of daughter 1 (dx, dy, dz)."""
    e1x, e1y, e1z, e2x, e2y, e2z, nx, ny, nz = K.helicity_basis(ax)
    q = two_body_momentum(M, m1, m2)
    st = math.sqrt(max(0.0, 1.0 - cos_t * cos_t))
    a = st * math.cos(phi)
    b = st * math.sin(phi)
    dx = a * e1x + b * e2x + cos_t * nx
    dy = a * e1y + b * e2y + cos_t * ny
    dz = a * e1z + b * e2z + cos_t * nz
    E1 = (M * M + m1 * m1 - m2 * m2) / (2.0 * M)
    out1[0] = q * dx
    out1[1] = q * dy
    out1[2] = q * dz
    out1[3] = E1
    out2[0] = -q * dx
    out2[1] = -q * dy
    out2[2] = -q * dz
    out2[3] = M - E1
    return dx, dy, dz


@jitable
def _flight(lam, lmax, uu):
    """(distance, P(decay within lmax)) for decay length lam (cm) truncated at lmax (cm)."""
    if lmax <= 0.0:
        return 0.0, 0.0
    if lam <= 0.0:
        return 0.0, 1.0
    if math.isinf(lam):
        return lmax, 0.0
    em = math.expm1(-lmax / lam)
    return -lam * math.log1p(uu * em), -em


@jitable
def _flight_uniform(lam, lmax, d):
    """Inverse of ``_flight``: the uniform that gives the distance d (cm) for decay length lam and
    truncation lmax (cm), u = (1 - e^{-d/lam}) / (1 - e^{-lmax/lam}) (the truncated-exponential CDF).

    Defined for 0 < lam < inf and lmax > 0 (elsewhere ``_flight`` ignores u; returns 0). The result
    is kept below 1: a stored vertex can put d above lmax only by rounding (relative 1e-15), and
    u = 1 would map to the end plane for every new decay length.
    """
    if lmax <= 0.0 or lam <= 0.0 or math.isinf(lam):
        return 0.0
    uu = math.expm1(-d / lam) / math.expm1(-lmax / lam)
    return min(max(uu, 0.0), 1.0 - 2.0**-53)


@jitable
def _produce(u0, u1, u2, u3, u4, mP, ctauP, p0, sig, z1, z2, m_a, m_N, axis_z, PK, pNK, paK):
    """Steps 1-3 of the module docstring: parent momentum PK (lab, along +z), decay point, and the
    parent-frame momenta pNK, paK of P+ -> a+ N. Returns (z_decay, P_FV)."""
    g = math.sqrt(-2.0 * math.log1p(-u0)) * math.cos(2.0 * math.pi * u1)  # Box-Muller
    pk = p0 * (1.0 + sig * g)
    PK[0] = 0.0
    PK[1] = 0.0
    PK[2] = pk
    PK[3] = math.sqrt(pk * pk + mP * mP)
    lamK = ctauP * pk / mP
    em = math.expm1(-(z2 - z1) / lamK)
    zK = z1 - lamK * math.log1p(u2 * em)
    _rest_two_body(mP, m_N, m_a, 2.0 * u3 - 1.0, 2.0 * math.pi * u4, axis_z, pNK, paK)
    return zK, math.exp(-z1 / lamK) * (-em)


@jitable
def _pol_lab(pNK, PK, pN_lab, m_N, pol_N, S, tmp):
    """Longitudinal polarisation of N along its lab momentum: P_N (-S.L), with S the parent-frame
    helicity spin four-vector boosted to the lab and L the lab helicity spin four-vector."""
    qn = math.sqrt(pNK[0] ** 2 + pNK[1] ** 2 + pNK[2] ** 2)
    S[3] = qn / m_N
    for k in range(3):
        S[k] = pNK[3] / m_N * pNK[k] / qn
    K.boost_from_rest(S, PK, tmp)
    pl = math.sqrt(pN_lab[0] ** 2 + pN_lab[1] ** 2 + pN_lab[2] ** 2)
    dot = tmp[3] * pl / m_N
    for k in range(3):
        dot -= tmp[k] * pN_lab[3] / m_N * pN_lab[k] / pl
    return pol_N * (-dot)


@jit
def na62_production_kernel(uni, mP, ctauP, p0, sig, z1, z2, m_a, m_N, pol_N):
    """Map uniforms ``uni`` (n, 5) to P+ -> a+ N in the beam (steps 1-3 of the module docstring).

    Returns (p4 (n, 5, 4): rows P, a+, N in the lab, then a+, N in the parent rest frame (axes parallel
    to the lab's; the lab is reached by the pure boost of P along +z); z (n,) decay points in cm;
    info (n, 2): P_FV(p) and the lab longitudinal polarisation of N).
    """
    n = uni.shape[0]
    p4 = np.zeros((n, 5, 4))
    z = np.zeros(n)
    info = np.zeros((n, 2))
    PK = np.empty(4)
    pNK = np.empty(4)
    paK = np.empty(4)
    tmp = np.empty(4)
    S = np.empty(4)
    axis_z = np.zeros(4)
    axis_z[2] = 1.0
    for i in range(n):
        z[i], info[i, 0] = _produce(uni[i, 0], uni[i, 1], uni[i, 2], uni[i, 3], uni[i, 4], mP, ctauP, p0, sig,
                                    z1, z2, m_a, m_N, axis_z, PK, pNK, paK)
        p4[i, 0, :] = PK
        K.boost_from_rest(paK, PK, p4[i, 1])
        K.boost_from_rest(pNK, PK, p4[i, 2])
        p4[i, 3, :] = paK
        p4[i, 4, :] = pNK
        info[i, 1] = _pol_lab(pNK, PK, p4[i, 2], m_N, pol_N, S, tmp)
    return p4, z, info


@jit
def na62_cascade_kernel(uni, mP, ctauP, p0, sig, z1, z2, z_end,
                        m_a, m_N, m_Z, m_b, ctau_N, ctau_Z, pol_N, majorana):
    """Map uniforms ``uni`` (n, 12) to events of P+ -> a+ N, N -> nu Z', Z' -> b+ b-.

    Returns (p4, vtx, info): p4 (n, 7, 4) with rows K, a+, N, nu, Z', b-, b+ as (px, py, pz, E) in GeV in
    the lab; vtx (n, 3, 3) the K, N and Z' decay points (x, y, z) in cm; info (n, 5): P_FV(p_K),
    P(N decays before z_end), P(Z' decays before z_end), lab longitudinal polarisation of N, nu-bar flag
    (Majorana).
    """
    n = uni.shape[0]
    p4 = np.zeros((n, 7, 4))
    vtx = np.zeros((n, 3, 3))
    info = np.zeros((n, 5))
    r = (m_Z / m_N) ** 2
    alpha = (1.0 - 2.0 * r) / (1.0 + 2.0 * r)
    PK = np.empty(4)
    pNK = np.empty(4)
    paK = np.empty(4)
    pZN = np.empty(4)
    pnuN = np.empty(4)
    pZK = np.empty(4)
    pnuK = np.empty(4)
    bmK = np.empty(4)
    bpK = np.empty(4)
    scratch = np.empty((8, 4))
    tmp = np.empty(4)
    S = np.empty(4)
    PK0 = np.zeros(4)
    PK0[2] = 1.0  # axis +z for the isotropic angles of the parent decay
    for i in range(n):
        # 1-2. parent momentum, decay point in the fiducial volume, P -> a N in the parent frame
        zK, info[i, 0] = _produce(uni[i, 0], uni[i, 1], uni[i, 2], uni[i, 3], uni[i, 4], mP, ctauP, p0, sig,
                                  z1, z2, m_a, m_N, PK0, PK, pNK, paK)
        # 3. N -> nu Z' in the N rest frame about N's flight direction in the kaon frame
        s_nu = -1.0
        if majorana and uni[i, 5] < 0.5:
            s_nu = 1.0
        info[i, 4] = 1.0 if s_nu > 0 else 0.0
        cz = K.sample_cos_linear(uni[i, 6], -s_nu * alpha * pol_N)
        _rest_two_body(m_N, m_Z, 0.0, cz, 2.0 * math.pi * uni[i, 7], pNK, pZN, pnuN)
        K.boost_from_rest(pZN, pNK, pZK)
        K.boost_from_rest(pnuN, pNK, pnuK)
        # 4. Z' -> b- b+ from the exact |M|^2 of N -> nu (Z' -> b- b+) at fixed N, nu, Z' momenta (kaon
        # frame, N spin pol_N along pNK): Z' helicity fractions and their interference
        # (gen.core.kernels.vector_decay_correlated). Chiral couplings: nu (A, B) = (1, 0), the Majorana nu-bar
        # (0, -1) (validation/notes_zprime_polarisation.md sec. 1); Z' -> b b vector (1, 1).
        if s_nu < 0.0:
            nL, nR = 1.0 + 0.0j, 0.0j
        else:
            nL, nR = 0.0j, -1.0 + 0.0j
        seed = np.uint64(uni[i, 8] * 9007199254740992.0) ^ (np.uint64(uni[i, 9] * 2048.0) << np.uint64(53))
        K.vector_decay_correlated(pZK, m_Z, m_b, m_b, pNK, m_N, pol_N, pnuK, 0.0, nL, nR, 1.0 + 0.0j, 1.0 + 0.0j,
                                  False, seed, bmK, bpK, scratch)
        # 5. boosts to the lab
        p4[i, 0, :] = PK
        K.boost_from_rest(paK, PK, p4[i, 1])
        K.boost_from_rest(pNK, PK, p4[i, 2])
        K.boost_from_rest(pnuK, PK, p4[i, 3])
        K.boost_from_rest(pZK, PK, p4[i, 4])
        K.boost_from_rest(bmK, PK, p4[i, 5])
        K.boost_from_rest(bpK, PK, p4[i, 6])
        info[i, 3] = _pol_lab(pNK, PK, p4[i, 2], m_N, pol_N, S, tmp)
        pl = math.sqrt(p4[i, 2, 0] ** 2 + p4[i, 2, 1] ** 2 + p4[i, 2, 2] ** 2)
        # 6. vertices: kaon decay point, N and Z' flights truncated at z_end
        vtx[i, 0, 2] = zK
        pN = p4[i, 2]
        lmaxN = (z_end - zK) * pl / pN[2] if pN[2] > 0.0 else 0.0
        dN, PdN = _flight(ctau_N * pl / m_N, lmaxN, uni[i, 10])
        info[i, 1] = PdN
        for k in range(3):
            vtx[i, 1, k] = vtx[i, 0, k] + dN * pN[k] / pl
        pZ = p4[i, 4]
        pzl = math.sqrt(pZ[0] ** 2 + pZ[1] ** 2 + pZ[2] ** 2)
        lmaxZ = (z_end - vtx[i, 1, 2]) * pzl / pZ[2] if pZ[2] > 0.0 else 0.0
        dZ, PdZ = _flight(ctau_Z * pzl / m_Z, lmaxZ, uni[i, 11])
        info[i, 2] = PdZ
        for k in range(3):
            vtx[i, 2, k] = vtx[i, 1, k] + dZ * pZ[k] / pzl
    return p4, vtx, info


# ----------------------------------------------------------------------------- public API
_ROWS = ("K", "a", "N", "nu", "Zp", "bm", "bp")


def generate_na62_cascade(n: int, rng: np.random.Generator | int | None, cascade: KaonCascade,
                          beam: NA62Beam = NA62Beam(), n_parent_decays_fid: float | None = None) -> dict:
    """Generate ``n`` weighted events of P+ -> l_a+ N -> l_a+ nu Z' -> l_a+ nu l_b+ l_b- in the NA62 beam.

    Parameters
    ----------
    n : int
        Number of events.
    rng : numpy.random.Generator, int or None
        Random stream (an int is a seed).
    cascade : KaonCascade
        Masses, mixing, lifetimes and branching ratios.
    beam : NA62Beam
        Beam momentum and decay volume.
    n_parent_decays_fid : float, optional
        Exposure: number of parent decays in the fiducial volume. Defaults to seed 004 Table I for
        the l_b flavour's trigger stream (2.14e11 for e+e-, 7.94e11 for mu+mu-).

    Returns
    -------
    dict of numpy arrays
        ``p4_<row>`` (n, 4) lab four-momenta (px, py, pz, E; GeV) for rows K, a, N, nu, Zp, bm, bp;
        ``vtx_K``, ``vtx_N``, ``vtx_Zp`` (n, 3) decay points (cm); ``P_fv``, ``P_dec_N``,
        ``P_dec_Zp``; ``pol_N_lab`` (N polarisation projected on its lab momentum, information: the
        decay uses the exact spin axis, step 4); ``nubar``; and ``weight`` (sum = expected events for
        the exposure).
    """
    if n <= 0:
        raise ValueError(f"n = {n}: need n >= 1")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    P = MESONS[cascade.parent]
    mP = P["mass"]
    ctauP = P["tau"] * u.c_light
    if n_parent_decays_fid is None:
        n_parent_decays_fid = SEED004_N_K_FID[cascade.flavour_b]
    uni = rng.random((n, N_UNIFORMS))
    p4, vtx, info = na62_cascade_kernel(
        uni, mP, ctauP, beam.p0, beam.sigma_rel, beam.z_fv_begin, beam.z_fv_end, beam.z_decay_end,
        lepton_mass(cascade.flavour_a), cascade.m_N, cascade.m_Zp, lepton_mass(cascade.flavour_b),
        float(cascade.ctau0_N), float(cascade.ctau0_Zp), cascade.polarisation_N, bool(cascade.majorana))
    out = {f"p4_{name}": p4[:, k, :].copy() for k, name in enumerate(_ROWS)}
    out.update(vtx_K=vtx[:, 0], vtx_N=vtx[:, 1], vtx_Zp=vtx[:, 2], P_fv=info[:, 0],
               P_dec_N=info[:, 1], P_dec_Zp=info[:, 2], pol_N_lab=info[:, 3], nubar=info[:, 4])
    mean_pfv = mean_fv_decay_probability(beam, mP, ctauP)
    br = cascade.br_production * cascade.br_N_to_nu_Zp * cascade.br_Zp_to_bb
    out["weight"] = (n_parent_decays_fid / n) * (info[:, 0] / mean_pfv) * br * info[:, 1] * info[:, 2]
    return out


def generate_na62_production(n: int, rng: np.random.Generator | int | None, *, m_N: float, U2_aN: float,
                             flavour_a: str = "mu", parent: str = "K+", beam: NA62Beam = NA62Beam(),
                             n_parent_decays_fid: float = SEED004_N_K_FID["e"]) -> dict:
    """P+ -> l_a+ N in the NA62 beam, without the N decay (for the generator's general cascade).

    Same sampling as steps 1-3 of ``generate_na62_cascade`` (the same first five uniforms give the
    same P, l_a and N). Returns ``p4_K``, ``p4_a``, ``p4_N`` (n, 4; lab), ``p4_a_rest``, ``p4_N_rest``
    (n, 4; the same in the parent rest frame, axes parallel to the lab's: the lab is reached by the pure
    boost of ``p4_K`` along +z), ``vtx_K`` (n, 3), ``P_fv``, ``pol_N`` (helicity polarisation of N in
    the parent rest frame, one number: its spin points along ``p4_N_rest``), ``pol_N_lab`` (its
    projection on the lab momentum direction; the transverse part, of size
    |pol_N| sqrt(1 - (pol_N_lab/pol_N)^2), is not in it), and ``weight`` =
    N_fid/n * P_FV/<P_FV> * BR(P -> l_a N). The caller multiplies by the N decay chain's BR and by the
    probability that the N (and its daughters) decay before ``beam.z_decay_end``; ``gen.sources.meson_decay``
    does, decaying N in the parent rest frame so that its spin axis is exact.
    """
    if n <= 0:
        raise ValueError(f"n = {n}: need n >= 1")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    P = MESONS.get(parent)
    if P is None:
        raise ValueError(f"parent {parent!r}: allowed {sorted(MESONS)}")
    mP, ma = P["mass"], lepton_mass(flavour_a)
    if not 0 < m_N < mP - ma:
        raise ValueError(f"m_N = {m_N} GeV: need 0 < m_N < {mP - ma:.6f} GeV")
    ctauP = P["tau"] * u.c_light
    pol = polarisation_N_from_P_to_lN(mP, ma, m_N)
    p4, z, info = na62_production_kernel(rng.random((n, 5)), mP, ctauP, beam.p0, beam.sigma_rel,
                                         beam.z_fv_begin, beam.z_fv_end, ma, m_N, pol)
    vtx = np.zeros((n, 3))
    vtx[:, 2] = z
    w = (n_parent_decays_fid / n) * info[:, 0] / mean_fv_decay_probability(beam, mP, ctauP) \
        * br_P_to_l_N(parent, flavour_a, m_N, U2_aN)
    return {"p4_K": p4[:, 0].copy(), "p4_a": p4[:, 1].copy(), "p4_N": p4[:, 2].copy(), "p4_a_rest": p4[:, 3].copy(),
            "p4_N_rest": p4[:, 4].copy(), "vtx_K": vtx, "P_fv": info[:, 0], "pol_N": pol, "pol_N_lab": info[:, 1],
            "weight": w}


def cascade_from_decay_table(table, *, m_N: float | None = None, m_Zp: float | None = None, N_name: str = "N4",
                             flavour_a: str = "mu", flavour_b: str = "e", U2_aN: float | None = None,
                             majorana: bool | None = None, model=None, parent: str = "K+") -> KaonCascade:
    """Build a ``KaonCascade`` from ``physics.decay_table.decay_table(model)``.

    Expects ``table[N_name]`` and ``table["Zprime"]`` with ``.ctau0_cm``, ``.mass_GeV`` and
    ``.channels`` whose items have ``.br`` and ``.pdg`` (daughter PDG codes). BR(N -> nu Z') sums the
    two-body channels with a Z' (32); BR(Z' -> b+ b-) is the channel with the pair (+-11 or +-13).
    Masses default to the table's; ``U2_aN`` and ``majorana`` default to ``model.Usq(flavour_a, i)``
    and ``model.is_majorana`` when a ``physics.model.DarkSectorModel`` is passed.
    """
    pdg_b = {"e": 11, "mu": 13}[flavour_b]
    N, Z = table[N_name], table["Zprime"]
    if m_N is None:
        m_N = float(N.mass_GeV)
    if m_Zp is None:
        m_Zp = float(Z.mass_GeV)
    if model is not None:
        i = list(model.heavy_names).index(N_name)
        if U2_aN is None:
            U2_aN = float(model.Usq(flavour_a, i))
        if majorana is None:
            majorana = bool(model.is_majorana)
    if U2_aN is None:
        raise ValueError("U2_aN is required when no model is given")

    def pdgs(ch):
        return sorted(abs(int(p)) for p in ch.pdg)

    br_N = sum(ch.br for ch in N.channels if 32 in pdgs(ch) and len(ch.pdg) == 2)
    br_Z = sum(ch.br for ch in Z.channels if pdgs(ch) == [pdg_b, pdg_b])
    return KaonCascade(m_N=m_N, m_Zp=m_Zp, flavour_a=flavour_a, flavour_b=flavour_b, U2_aN=U2_aN,
                       ctau0_N=float(N.ctau0_cm), ctau0_Zp=float(Z.ctau0_cm), br_N_to_nu_Zp=float(min(br_N, 1.0)),
                       br_Zp_to_bb=float(min(br_Z, 1.0)), majorana=bool(majorana), parent=parent)


def events_to_awkward(ev: dict):
    """Wrap the dict of ``generate_na62_cascade`` as an awkward record array.

    Particles become ``Momentum4D`` records (px, py, pz, E; GeV) so that ``vector.register_awkward()``
    gives ``.mass`` etc. (STYLE.md sec. 6); vertices are ``x, y, z`` (cm) records.
    """
    import awkward as ak

    rec = {}
    for name in _ROWS:
        p = ev[f"p4_{name}"]
        rec[name] = ak.zip({"px": p[:, 0], "py": p[:, 1], "pz": p[:, 2], "E": p[:, 3]}, with_name="Momentum4D")
    for name in ("K", "N", "Zp"):
        v = ev[f"vtx_{name}"]
        rec[f"vtx_{name}"] = ak.zip({"x": v[:, 0], "y": v[:, 1], "z": v[:, 2]})
    for key in ("P_fv", "P_dec_N", "P_dec_Zp", "pol_N_lab", "nubar", "weight"):
        rec[key] = ev[key]
    return ak.zip(rec, depth_limit=1)

