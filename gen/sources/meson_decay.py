"""NA62 source: P+ (K+ or pi+) decays in flight to l_a+ N in the NA62 beam, then every decay route of N
in the decay table that ends in the card's visible final state, through the general decay cascade.

Process (arXiv:1903.07589 = seed 004, eq. (17), with every N decay of ``physics.decay_table``)::

    P+ -> l_a+ N  (P = K+ or pi+, l_a = e or mu),   N -> ... -> (invisible) + l_b+ l_b-

The final state is the card's ``process.final_state`` (``"e+e-"`` or ``"mu+mu-"``; the l_a+ of
production is always there as well). The routes include N -> nu Z' (on shell) -> nu l_b+ l_b-, the
three-body N -> nu l_b+ l_b- through off-shell Z'/Z/W, N5 -> N4 l_b+ l_b-, N -> nu h' -> nu l_b+ l_b-,
N5 -> N4 Z', ... with the invisible rest decaying invisibly: whatever ``physics.decay_table`` lists.
This is hnlgen's one NA62 generator; the dedicated N -> nu Z' -> nu l+ l- kernel it replaced is kept as a
test oracle (tests/oracles/na62_dedicated.py, compared with this module in tests/gen/test_na62_general.py).

Beam (NA62 facts, ../shared/data/PROVENANCE.md "Facts: NA62 kaon beam", from NA62 arXiv:2312.17188
sec. 1 and arXiv:2409.12981 sec. 1; ``NA62Beam``): unseparated positive beam, central momentum 75 GeV/c
along +z with a 1 % rms spread, decay positions exponential along the beam from the target at z = 0,
fiducial decay volume 105 m < z < 180 m. The beam's transverse size and divergence (O(0.1 mrad)) are
neglected: the parent moves along +z from (0, 0).

Sampling, per event (``generate_na62_general``):

1. Production (``na62_production_kernel``, 5 uniforms per event): |p_P| = p0 (1 + sigma g), g standard
   normal (Box-Muller); z_P from the exponential law with decay length lambda = c tau_P |p_P|/m_P truncated
   to the fiducial volume [z1, z2], whose probability P_FV(p) = exp(-z1/lambda) - exp(-z2/lambda) is
   computed exactly and kept in the weight (no rejection); P+ -> l_a+ N isotropic in the parent rest frame.
2. The N cascade: ``gen.core.decays.build_decay_graph`` restricted to the final state (each decay picks
   channel and split of the visible content with its conditional probability; the weight gets
   D_N(final state), the branching ratio of the final state summed over all routes), walked by
   ``gen.core.kernels.cascade_kernel`` (polarised two-body decays, tabulated polarised three-body |M|^2,
   exact spin correlations of F -> f (Z' -> f1 f2), including the interference of the Z' helicities,
   validation/notes_zprime_polarisation.md). The cascade runs in the *parent rest frame*: the kernel
   quantises the spin of a decaying particle along its momentum in the frame its four-momentum is given
   in, and reaches its rest frame from there by a pure boost. In P+ -> l_a+ N (spin-0 parent) the N spin
   points along the N momentum in the P rest frame, with polarisation
   ``physics.meson_decays.polarisation_N_from_P_to_lN``; giving the kernel the parent-frame N momentum and
   that polarisation is the exact spin state, not its longitudinal projection on the lab momentum
   (``pol_N_lab``, which misses the transverse part). For K+ -> mu+ N at m_N = 300 MeV (P_N = 0.546) the
   lab projection keeps on average 28 % of the polarisation; fed to the kernel, it would lower the
   light-Z' card's NA62 acceptance by 1.9 +- 0.7 % (4e5 events each way). Every particle of the cascade
   is then boosted to the lab by the pure boost of P along +z (a Lorentz transformation: four-momentum
   conservation, invariant masses and the spin correlations are unchanged).
3. Displaced vertices (lab, ``na62_general_flights``): every decaying particle flies
   d = c tau0 |p|/m * Exp(1) along its lab momentum from its production point. The visible vertex must
   lie before z_end (``NA62Beam.z_decay_end``, the end of the decay volume, 180 m): every particle whose
   decay products include a visible final particle (the N, an on-shell Z' -> l_b l_b, h' -> l_b l_b, ...)
   decays before the plane z = z_end. Each such flight is drawn from the exponential truncated at the
   flight length to that plane, l = (z_end - z_0) |p|/p_z (0 if p_z <= 0; ``truncated_flight``), and the
   event carries the exact probability 1 - exp(-l/L) of the truncation (no rejection). Along a chain the
   flights are drawn in order, each from the end point of its parent, so the product of the probabilities
   is the probability, given the momenta, that every visible vertex precedes z_end (an unbiased per-event
   estimator of it). Particles whose products are all invisible (N4 from N5 -> N4 l l, ...) fly their
   untruncated exponential. Every vertex has a time t (ns): 0 where the parent leaves the target (the
   origin), then each flight's distance over its speed (d E/|p| / c). The named vertex records ``vtx_K``
   (the parent's decay: production vertex of l_a+ and N), ``vtx_N`` (N's decay: of N's daughters),
   ``vtx_Zp`` (the first Z''s decay: of its daughters; zeros without a Z') and ``vtx_pair`` (of the l_b- of
   the pair) hold x, y, z (cm) and t (ns), the same doubles as the particle list's vertex at that point, so
   the list's vertices can be rebuilt from them exactly.

Weight: ``weight = N_fid/n * P_FV/<P_FV> * BR(P+ -> l_a+ N) * BR(N -> final state) * P_dec`` with
``P_dec`` the product of step 3. The factor P_FV(p)/<P_FV> turns the beam momentum spectrum into that of
the parents that decay in the volume; the sum of the weights is the expected number of N decays into the
final state with every visible vertex before z_end, for N_fid parent decays in the fiducial volume (seed
004 Table I: 2.14e11 di-electron, 7.94e11 di-muon trigger stream).

Randomness: per block the production uniforms come from ``gen.core.rng.block_rng(seed, b,
PURPOSE_PRODUCTION)`` (``generate_na62_production``), the cascade seeds (one uint64 per event) and then
the flight uniforms (events x slots) from ``block_rng(seed, b, PURPOSE_DECAY)``: the events do not
depend on the chunk size. ``hnlgen reweight`` maps these files to new couplings
(``gen.reweight.meson_decay``).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import NamedTuple

import awkward as ak
import numpy as np
from awkward.contents import Content, ListOffsetArray, NumpyArray, RecordArray
from awkward.index import Index64

from gen.core import kernels as K
from gen.core.decay_adapter import decay_spec_from_physics
from gen.core.decays import build_decay_graph
from gen.core.events import ReusableColumns
from physics import units as u
from physics._jit import jit, jitable
from physics.kinematics import two_body_momentum
from physics.meson_decays import MESONS, br_P_to_l_N, lepton_mass, polarisation_N_from_P_to_lN
from physics.pdg import NU_E, NU_MU, NU_S, NU_TAU, PDG, ZPRIME, is_invisible

__all__ = [
    "NA62Beam",
    "fv_decay_probability",
    "mean_fv_decay_probability",
    "truncated_flight",
    "truncated_flight_uniform",
    "na62_production_kernel",
    "generate_na62_production",
    "NA62Uniforms",
    "draw_na62_uniforms",
    "NA62Workspace",
    "NA62GeneralDecays",
    "build_general_decays",
    "nu_zprime_route_brs",
    "na62_general_flights",
    "generate_na62_general",
    "generate_na62_into",
    "general_events_to_awkward",
    "EventColumns",
    "NA62_LIST_P4",
    "NA62_LIST_VERTICES",
    "compact_templates",
]

_PARENT_PDG = {"K+": PDG["K+"], "pi+": PDG["pi+"]}
_LEPTON_PLUS_PDG = {"e": PDG["e+"], "mu": PDG["mu+"]}  # l_a+
_LEPTON_MINUS_PDG = {"e": PDG["e-"], "mu": PDG["mu-"]}  # l_b-
_LIGHT_NU = ("nue", "numu", "nutau", "nus")
_FINAL_PAIR = {"e": ("e+", "e-"), "mu": ("mu+", "mu-")}

# fixed slots of the particle list
SLOT_PARENT, SLOT_A, SLOT_N = 0, 1, 2


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


# ----------------------------------------------------------------------------- closed forms
def fv_decay_probability(p, m, ctau0, z1, z2):
    """Probability that a particle of momentum p (GeV), mass m, c tau0 (cm) produced at z = 0 and
    moving along +z decays in [z1, z2] (cm): exp(-z1/lambda) - exp(-z2/lambda), lambda = ctau0 p/m.

    For the K+ at 75 GeV/c in 105-180 m this is 0.103 (PROVENANCE.md, NA62 facts)."""
    lam = ctau0 * np.asarray(p, dtype=float) / m
    return np.exp(-z1 / lam) * -np.expm1(-(z2 - z1) / lam)


def mean_fv_decay_probability(beam: NA62Beam, m: float, ctau0: float, n_nodes: int = 64) -> float:
    """<P_FV> over the Gaussian beam momentum spectrum, by Gauss-Hermite quadrature (exact to
    double precision for the smooth integrand). Cached: every block of a run asks for the same number."""
    return _mean_fv_decay_probability(beam, float(m), float(ctau0), int(n_nodes))


@functools.lru_cache(maxsize=64)
def _mean_fv_decay_probability(beam: NA62Beam, m: float, ctau0: float, n_nodes: int) -> float:
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
def truncated_flight(lam, lmax, uu):
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
def truncated_flight_uniform(lam, lmax, d):
    """Inverse of ``truncated_flight``: the uniform that gives the distance d (cm) for decay length lam and
    truncation lmax (cm), u = (1 - e^{-d/lam}) / (1 - e^{-lmax/lam}) (the truncated-exponential CDF).

    Defined for 0 < lam < inf and lmax > 0 (elsewhere ``truncated_flight`` ignores u; returns 0). The result
    is kept below 1: a stored vertex can put d above lmax only by rounding (relative 1e-15), and
    u = 1 would map to the end plane for every new decay length.
    """
    if lmax <= 0.0 or lam <= 0.0 or math.isinf(lam):
        return 0.0
    uu = math.expm1(-d / lam) / math.expm1(-lmax / lam)
    return min(max(uu, 0.0), 1.0 - 2.0**-53)


@jitable
def _produce(u0, u1, u2, u3, u4, mP, ctauP, p0, sig, z1, z2, m_a, m_N, axis_z, PK, pNK, paK):
    """Step 1 of the module docstring: parent momentum PK (lab, along +z), decay point, and the
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


_TASK = 512  # events per task of the kernels below (scratch arrays allocated per task)


@jitable
def _production_task(lo, hi, uni, mP, ctauP, p0, sig, z1, z2, m_a, m_N, pol_N, p4, z, info):
    PK = np.empty(4)
    pNK = np.empty(4)
    paK = np.empty(4)
    tmp = np.empty(4)
    S = np.empty(4)
    axis_z = np.zeros(4)
    axis_z[2] = 1.0
    for i in range(lo, hi):
        z[i], info[i, 0] = _produce(uni[i, 0], uni[i, 1], uni[i, 2], uni[i, 3], uni[i, 4], mP, ctauP, p0, sig,
                                    z1, z2, m_a, m_N, axis_z, PK, pNK, paK)
        p4[i, 0, :] = PK
        K.boost_from_rest(paK, PK, p4[i, 1])
        K.boost_from_rest(pNK, PK, p4[i, 2])
        p4[i, 3, :] = paK
        p4[i, 4, :] = pNK
        info[i, 1] = _pol_lab(pNK, PK, p4[i, 2], m_N, pol_N, S, tmp)


@jit
def na62_production_kernel(uni, mP, ctauP, p0, sig, z1, z2, m_a, m_N, pol_N):
    """Map uniforms ``uni`` (n, 5) to P+ -> a+ N in the beam (step 1 of the module docstring).

    Returns (p4 (n, 5, 4): rows P, a+, N in the lab, then a+, N in the parent rest frame (axes parallel
    to the lab's; the lab is reached by the pure boost of P along +z); z (n,) decay points in cm;
    info (n, 2): P_FV(p) and the lab longitudinal polarisation of N). Events in tasks of ``_TASK`` (each event
    depends on its own uniforms only).
    """
    n = uni.shape[0]
    p4 = np.zeros((n, 5, 4))
    z = np.zeros(n)
    info = np.zeros((n, 2))
    _production_into(uni, mP, ctauP, p0, sig, z1, z2, m_a, m_N, pol_N, p4, z, info)
    return p4, z, info


@jit(nogil=True)  # per chunk in the main thread: the writer thread's Python runs meanwhile
def _production_into(uni, mP, ctauP, p0, sig, z1, z2, m_a, m_N, pol_N, p4, z, info):
    """``na62_production_kernel`` into the caller's arrays (every element of rows [0, n) is written): a run
    reuses one ``NA62Workspace`` for all its chunks instead of allocating (and page-faulting) ~20 MB per chunk."""
    n = uni.shape[0]
    for t in range((n + _TASK - 1) // _TASK):
        _production_task(t * _TASK, min(n, (t + 1) * _TASK), uni, mP, ctauP, p0, sig, z1, z2, m_a, m_N, pol_N, p4, z, info)


def generate_na62_production(n: int, rng: np.random.Generator | int | None, *, m_N: float, U2_aN: float,
                             flavour_a: str = "mu", parent: str = "K+", beam: NA62Beam = NA62Beam(),
                             n_parent_decays_fid: float | None = None, exposure_per_event: float | None = None,
                             uniforms: np.ndarray | None = None, out: tuple | None = None) -> dict:
    """P+ -> l_a+ N in the NA62 beam, without the N decay (step 1 of the module docstring).

    ``n_parent_decays_fid``: the exposure N_fid (parent decays in the fiducial volume) of these ``n``
    events, or ``exposure_per_event`` = N_fid/n (one of the two); each row of ``rng.random((n, 5))`` (or of
    ``uniforms``, (n, 5), drawn by the caller; ``rng`` is then not used) maps to one event. Returns ``p4_K``, ``p4_a``, ``p4_N`` (n, 4; lab), ``p4_a_rest``, ``p4_N_rest``
    (n, 4; the same in the parent rest frame, axes parallel to the lab's: the lab is reached by the pure
    boost of ``p4_K`` along +z), ``vtx_K`` (n, 3), ``P_fv``, ``pol_N`` (helicity polarisation of N in
    the parent rest frame, one number: its spin points along ``p4_N_rest``), ``p4_rows`` ((n, 5, 4): the
    kernel's array of which the five four-momenta are views), ``pol_N_lab`` (its
    projection on the lab momentum direction; the transverse part, of size
    |pol_N| sqrt(1 - (pol_N_lab/pol_N)^2), is not in it), and ``weight`` =
    N_fid/n * P_FV/<P_FV> * BR(P -> l_a N). ``out``: the kernel's arrays (``p4_rows`` (n, 5, 4), z (n,), info
    (n, 2)) supplied by the caller (``NA62Workspace``), overwritten. The caller multiplies by the N decay chain's BR and by the
    probability that the N (and its daughters) decay before ``beam.z_decay_end``; ``generate_na62_general``
    does, decaying N in the parent rest frame so that its spin axis is exact.
    """
    if n <= 0:
        raise ValueError(f"n = {n}: need n >= 1")
    if (n_parent_decays_fid is None) == (exposure_per_event is None):
        raise ValueError("give one of n_parent_decays_fid, exposure_per_event")
    if uniforms is None:
        if not isinstance(rng, np.random.Generator):
            rng = np.random.default_rng(rng)
        uniforms = rng.random((n, 5))
    elif uniforms.shape != (n, 5):
        raise ValueError(f"uniforms: shape {uniforms.shape}, need ({n}, 5)")
    scale = exposure_per_event if exposure_per_event is not None else n_parent_decays_fid / n
    P = MESONS.get(parent)
    if P is None:
        raise ValueError(f"parent {parent!r}: allowed {sorted(MESONS)}")
    mP, ma = P["mass"], lepton_mass(flavour_a)
    if not 0 < m_N < mP - ma:
        raise ValueError(f"m_N = {m_N} GeV: need 0 < m_N < {mP - ma:.6f} GeV")
    ctauP = P["tau"] * u.c_light
    pol = polarisation_N_from_P_to_lN(mP, ma, m_N)
    if out is None:
        p4, z, info = na62_production_kernel(uniforms, mP, ctauP, beam.p0, beam.sigma_rel,
                                             beam.z_fv_begin, beam.z_fv_end, ma, m_N, pol)
    else:
        p4, z, info = out
        if p4.shape != (n, 5, 4) or z.shape != (n,) or info.shape != (n, 2):
            raise ValueError(f"out: need shapes ({n}, 5, 4), ({n},), ({n}, 2)")
        _production_into(uniforms, mP, ctauP, beam.p0, beam.sigma_rel, beam.z_fv_begin, beam.z_fv_end, ma, m_N, pol,
                         p4, z, info)
    vtx = np.zeros((n, 3))
    vtx[:, 2] = z
    w = scale * info[:, 0] / mean_fv_decay_probability(beam, mP, ctauP) \
        * br_P_to_l_N(parent, flavour_a, m_N, U2_aN)
    # the rows are views into the kernel's (n, 5, 4) output (no copies; p4_rows is that array)
    return {"p4_K": p4[:, 0], "p4_a": p4[:, 1], "p4_N": p4[:, 2], "p4_a_rest": p4[:, 3], "p4_N_rest": p4[:, 4],
            "p4_rows": p4, "vtx_K": vtx, "z_K": z, "P_fv": info[:, 0], "pol_N": pol, "pol_N_lab": info[:, 1], "weight": w}
class NA62Uniforms(NamedTuple):
    """The random numbers of ``n`` events of ``generate_na62_general``: ``production`` (n, 5) uniforms of the
    production kernel, ``seeds`` (n,) uint64 seeds of the cascade kernel's accept-reject, ``flights``
    (n, slots) one uniform per particle slot for its flight."""

    production: np.ndarray
    seeds: np.ndarray
    flights: np.ndarray


def draw_na62_uniforms(n: int, rng_production: np.random.Generator, rng_decay: np.random.Generator,
                       slots: int) -> NA62Uniforms:
    """``NA62Uniforms`` of ``n`` events: production from ``rng_production``, then the cascade seeds and the
    flight uniforms from ``rng_decay`` (in that order). Blocks of a run draw theirs from their own streams
    (``gen.core.rng.block_rng``) and a chunk concatenates them, so the events do not depend on the chunking."""
    production = rng_production.random((n, 5))
    seeds = rng_decay.integers(0, 2**63, n, dtype=np.uint64)
    return NA62Uniforms(production, seeds, rng_decay.random((n, slots)))


@dataclasses.dataclass
class NA62GeneralDecays:
    """The decay graph of one NA62 card's N restricted to the final state (built once per card).

    Attributes
    ----------
    graph : gen.core.decays.DecayGraph
    root : str
        The decaying heavy neutrino (``"N4"``, ...).
    br_final_state : float
        BR(N -> final state), summed over all routes (D_N of ``gen.core.decays``).
    slots : int
        Particle slots per event: P, l_a, N and the longest cascade.
    pdg_N : int
        PDG code of N.
    decay_info : dict
        JSON-ready: the decay table and ``channels`` (the event field ``channel`` indexes it).
    """

    graph: object
    root: str
    br_final_state: float
    slots: int
    pdg_N: int
    decay_info: dict


def build_general_decays(card, model, hnl: str, final_state: str) -> NA62GeneralDecays:
    """The ``NA62GeneralDecays`` of ``hnl`` restricted to ``final_state`` (``gen.core.decay_adapter`` +
    ``gen.core.decays.build_decay_graph``). Raises ValueError when no decay chain of ``hnl`` ends in it."""
    species, channels, info = decay_spec_from_physics(card, model)
    graph = build_decay_graph(species, channels, [hnl], final_state)
    pdg = {s.name: s.pdg for s in species}
    return NA62GeneralDecays(graph=graph, root=hnl, br_final_state=float(graph.root_factor[hnl]),
                             slots=3 + graph.max_particles(), pdg_N=int(pdg[hnl]), decay_info=info)


def nu_zprime_route_brs(table, hnl: str, flavour_b: str) -> tuple[float, float]:
    """(BR(N -> nu Z'), BR(Z' -> l_b+ l_b-)) from ``physics.decay_table`` output; their product is the share
    of the final state through an on-shell Z' and a light neutrino (of every flavour, and nu-bar; N -> N' Z'
    is not this route). Information for the file metadata and the histogram range
    (``gen.sources.meson_decay_run``); (BR, 0) without a Z' in the table."""
    light = set(_LIGHT_NU) | {f + "bar" for f in _LIGHT_NU}
    br_nu_zp = sum(ch.br for ch in table[hnl].channels
                   if len(ch.daughters) == 2 and "Zprime" in ch.daughters
                   and next(d for d in ch.daughters if d != "Zprime") in light)
    if "Zprime" not in table:
        return float(br_nu_zp), 0.0
    pair = sorted(_FINAL_PAIR[flavour_b])
    br_bb = sum(ch.br for ch in table["Zprime"].channels if sorted(ch.daughters) == pair)
    return float(br_nu_zp), float(br_bb)


# ----------------------------------------------------------------------------- kernels
@jitable
def _flights_task(lo, hi, lab3, zK, p4, pdg, status, parent, st_of, npart, st_mass, st_ctau0, u_fl, z_end, pdg_bm,
                  vtx, idx, dec, prob):
    S = p4.shape[1]
    need = np.zeros(S, dtype=np.bool_)
    end = np.zeros((S, 4))
    tmp = np.empty(4)
    for ev in range(lo, hi):
        m = npart[ev]
        PK = lab3[ev, 0]
        # lab momenta: P, l_a, N from production; the cascade boosted from the parent rest frame
        for j in range(3):
            for c in range(4):
                p4[ev, j, c] = lab3[ev, j, c]
        for j in range(3, m):
            K.boost_from_rest(p4[ev, j], PK, tmp)
            for c in range(4):
                p4[ev, j, c] = tmp[c]
        # particles with a visible final descendant (children follow their parents in the list)
        for j in range(S):
            need[j] = False
        for j in range(m - 1, SLOT_N, -1):
            if (status[ev, j] == K.STATUS_FINAL and not is_invisible(pdg[ev, j])) or need[j]:
                need[parent[ev, j]] = True
        # vertices: P from the origin, decays at z_K; then every decay in list order
        pK = math.sqrt(PK[0] ** 2 + PK[1] ** 2 + PK[2] ** 2)
        tK = zK[ev] * PK[3] / pK / K.C_CM_PER_NS
        for c in range(4):
            end[0, c] = 0.0
        end[0, 2] = zK[ev]
        end[0, 3] = tK
        p_vis = 1.0
        zp_seen = False
        for j in range(m):
            if j > 0:
                for c in range(4):
                    vtx[ev, j, c] = end[parent[ev, j], c]
            if j == 0 or status[ev, j] != K.STATUS_DECAYED:
                continue
            s = st_of[ev, j]
            P = p4[ev, j]
            pl = math.sqrt(P[0] ** 2 + P[1] ** 2 + P[2] ** 2)
            lam = st_ctau0[s] * pl / st_mass[s]
            if need[j]:
                lmax = (z_end - vtx[ev, j, 2]) * pl / P[2] if P[2] > 0.0 else 0.0
                d, pd = truncated_flight(lam, lmax, u_fl[ev, j])
                p_vis *= pd
            else:
                d = -lam * math.log1p(-u_fl[ev, j]) if lam > 0.0 else 0.0
                pd = 1.0
            for c in range(3):
                end[j, c] = vtx[ev, j, c] + d * P[c] / pl
            end[j, 3] = vtx[ev, j, 3] + d * P[3] / pl / K.C_CM_PER_NS
            if j == SLOT_N:
                prob[ev, 1] = pd
                for c in range(4):
                    dec[ev, 0, c] = end[j, c]
            elif pdg[ev, j] == ZPRIME and not zp_seen:
                zp_seen = True
                prob[ev, 2] = pd
                for c in range(4):
                    dec[ev, 1, c] = end[j, c]
        prob[ev, 0] = p_vis
        # named particles of the cascade
        for j in range(SLOT_N + 1, m):
            code = pdg[ev, j]
            fin = status[ev, j] == K.STATUS_FINAL
            if code == ZPRIME and idx[ev, 0] < 0:
                idx[ev, 0] = j
            elif fin and code == pdg_bm and idx[ev, 1] < 0:
                idx[ev, 1] = j
            elif fin and code == -pdg_bm and idx[ev, 2] < 0:
                idx[ev, 2] = j
            elif fin and idx[ev, 3] < 0:
                a = abs(code)
                if a == NU_E or a == NU_MU or a == NU_TAU or a == NU_S:
                    idx[ev, 3] = j


@jit
def na62_general_flights(lab3, zK, p4, pdg, status, parent, st_of, npart, st_mass, st_ctau0, u_fl, z_end, pdg_bm):
    """Lab momenta, displaced vertices and in-volume probabilities of the general NA62 cascade (module
    docstring, steps 2-3), in place on the cascade kernel's arrays.

    Parameters
    ----------
    lab3 : (n, >= 3, 4) array
        Lab four-momenta (px, py, pz, E; GeV) of P, l_a+, N in rows 0-2 (later rows are not read).
    zK : (n,) array
        Parent decay points z (cm; x = y = 0).
    p4 : (n, slots, 4) array
        Cascade four-momenta in the parent rest frame (slots >= 3, from ``gen.core.kernels.cascade_kernel``);
        overwritten with lab four-momenta for every slot.
    pdg, status, parent, st_of, npart : arrays of ``cascade_kernel``.
    st_mass, st_ctau0 : arrays
        Graph state masses (GeV) and c tau0 (cm).
    u_fl : (n, slots) array
        One uniform per slot for the flight of that particle.
    z_end : float
        The plane (cm) every visible vertex must precede.
    pdg_bm : int
        PDG code of l_b- (11 or 13).

    Returns
    -------
    vtx : (n, slots, 4)
        Production vertex of every particle (x, y, z in cm; t in ns; the parent P from the target at
        the origin, t = 0).
    idx : (n, 4) int64
        Slots of the first Z' (PDG 32), the first final l_b-, l_b+ and light neutrino of the cascade
        (-1 if none).
    dec : (n, 2, 4)
        Decay vertex of N and of the first Z' (zeros if none).
    prob : (n, 3)
        P_dec (product over the truncated flights), the N's own factor, the first Z''s factor (1 if the
        Z' is not truncated or absent).
    """
    n = p4.shape[0]
    S = p4.shape[1]
    vtx = np.zeros((n, S, 4))
    idx = np.full((n, 4), -1, dtype=np.int64)
    dec = np.zeros((n, 2, 4))
    prob = np.ones((n, 3))
    for t in range((n + _TASK - 1) // _TASK):
        _flights_task(t * _TASK, min(n, (t + 1) * _TASK), lab3, zK, p4, pdg, status, parent, st_of, npart, st_mass,
                      st_ctau0, u_fl, z_end, pdg_bm, vtx, idx, dec, prob)
    return vtx, idx, dec, prob


@jit
def _flights_into(lab3, zK, p4, pdg, status, parent, st_of, npart, st_mass, st_ctau0, u_fl, z_end, pdg_bm, vtx, idx,
                  dec, prob):
    """``na62_general_flights`` into the caller's arrays (``NA62Workspace``): ``idx``, ``dec``, ``prob`` and slot 0
    of ``vtx`` are reset as that function allocates them; ``vtx`` may be the cascade kernel's array (each slot's
    vertex is written before it is read)."""
    n = p4.shape[0]
    for ev in range(n):
        for c in range(4):
            vtx[ev, 0, c] = 0.0
            dec[ev, 0, c] = 0.0
            dec[ev, 1, c] = 0.0
            idx[ev, c] = -1
        for c in range(3):
            prob[ev, c] = 1.0
    for t in range((n + _TASK - 1) // _TASK):
        _flights_task(t * _TASK, min(n, (t + 1) * _TASK), lab3, zK, p4, pdg, status, parent, st_of, npart, st_mass,
                      st_ctau0, u_fl, z_end, pdg_bm, vtx, idx, dec, prob)


@jit
def _init_slots(rows, m_P, pdg_P, pdg_a, pdg_N, pol_N, root_state, S):
    """The cascade kernel's particle arrays (n, S) with slots 0-2 filled in one pass: the parent at rest in its
    own frame (the cascade runs there), l_a+ and N from ``rows[:, 3]``, ``rows[:, 4]`` (parent-frame
    four-momenta of ``na62_production_kernel``), N with polarisation ``pol_N`` and graph state ``root_state``."""
    n = rows.shape[0]
    p4 = np.zeros((n, S, 4))
    vtx = np.zeros((n, S, 4))
    pdg = np.zeros((n, S), np.int64)
    status = np.zeros((n, S), np.int64)
    par = np.full((n, S), -1, np.int64)
    pol = np.zeros((n, S))
    st_of = np.full((n, S), -1, np.int64)
    chosen = np.full((n, S), -1, np.int64)
    npart = np.zeros(n, np.int64)
    _init_slots_into(rows, m_P, pdg_P, pdg_a, pdg_N, pol_N, root_state, p4, vtx, pdg, status, par, pol, st_of, chosen,
                     npart)
    return p4, vtx, pdg, status, par, pol, st_of, chosen, npart


@jit
def _init_slots_into(rows, m_P, pdg_P, pdg_a, pdg_N, pol_N, root_state, p4, vtx, pdg, status, par, pol, st_of, chosen,
                     npart):
    """Slots 0-2 of the cascade kernel's particle arrays, every field (``_init_slots``), and ``npart`` = 0; slots
    from 3 on are left as they are: the cascade kernel writes every field of each slot it fills (``chosen`` only
    for the particles it decays, and reads it only for those), and nothing reads a slot beyond ``npart``. So a
    run reuses these arrays from chunk to chunk (``NA62Workspace``) without clearing them."""
    n = rows.shape[0]
    for ev in range(n):
        for j in range(SLOT_N + 1):
            for c in range(4):
                p4[ev, j, c] = 0.0
                vtx[ev, j, c] = 0.0
            pdg[ev, j] = 0
            status[ev, j] = 0
            par[ev, j] = -1
            pol[ev, j] = 0.0
            st_of[ev, j] = -1
            chosen[ev, j] = -1
        npart[ev] = 0
        p4[ev, SLOT_PARENT, 3] = m_P
        for c in range(4):
            p4[ev, SLOT_A, c] = rows[ev, 3, c]
            p4[ev, SLOT_N, c] = rows[ev, 4, c]
        pdg[ev, SLOT_PARENT] = pdg_P
        pdg[ev, SLOT_A] = pdg_a
        pdg[ev, SLOT_N] = pdg_N
        status[ev, SLOT_PARENT] = K.STATUS_DECAYED
        status[ev, SLOT_A] = K.STATUS_FINAL
        status[ev, SLOT_N] = K.STATUS_FINAL
        par[ev, SLOT_A] = SLOT_PARENT
        par[ev, SLOT_N] = SLOT_PARENT
        pol[ev, SLOT_N] = pol_N
        st_of[ev, SLOT_N] = root_state


class NA62Workspace:
    """Scratch arrays of ``generate_na62_general`` for up to ``n`` events of ``slots`` particle slots, allocated
    once and reused (``gen.sources.meson_decay_run`` keeps one per run): the uniforms, the production kernel's
    rows, the cascade kernel's particle arrays and the flights' outputs, ~0.6 kB per event and slot. Fresh
    arrays of that size cost page faults on every chunk, about as much as the kernels that fill them
    (validation/na62/bench_paths.py). ``take(m)`` gives the leading ``m`` rows of each (C-contiguous views).
    Nothing returned by ``generate_na62_general(..., workspace=ws)`` may be kept past the next call with ``ws``
    (``EventColumns.add`` copies it)."""

    _FIELDS = ("production", "seeds", "flights", "rows", "z", "info", "p4", "vtx", "pdg", "status", "par", "pol",
               "st_of", "chosen", "npart", "idx", "dec", "prob", "named")

    def __init__(self, n: int, slots: int):
        n, S = int(n), int(slots)
        self.n, self.slots = n, S
        self.production, self.seeds, self.flights = np.zeros((n, 5)), np.zeros(n, np.uint64), np.zeros((n, S))
        self.rows, self.z, self.info = np.zeros((n, 5, 4)), np.zeros(n), np.zeros((n, 2))
        self.p4, self.vtx, self.pol = np.zeros((n, S, 4)), np.zeros((n, S, 4)), np.zeros((n, S))
        self.pdg, self.status = np.zeros((n, S), np.int64), np.zeros((n, S), np.int64)
        self.par, self.st_of, self.chosen = (np.full((n, S), -1, np.int64) for _ in range(3))
        self.npart = np.zeros(n, np.int64)
        self.idx, self.dec, self.prob = np.full((n, 4), -1, np.int64), np.zeros((n, 2, 4)), np.ones((n, 3))
        self.named = np.zeros((5, n, 4))

    def take(self, m: int) -> dict:
        """Views of the first ``m`` events of every array (``named``: of its second axis)."""
        if not 0 < m <= self.n:
            raise ValueError(f"NA62Workspace: {m} events, allocated for {self.n}")
        out = {k: getattr(self, k)[:m] for k in self._FIELDS}
        out["named"] = self.named[:, :m]
        return out

    def draw(self, a: int, b: int, rng_production: np.random.Generator, rng_decay: np.random.Generator) -> None:
        """``draw_na62_uniforms`` of events [a, b) into the workspace (the same numbers: ``Generator.random`` with
        ``out`` fills as it returns)."""
        rng_production.random(out=self.production[a:b])
        self.seeds[a:b] = rng_decay.integers(0, 2**63, b - a, dtype=np.uint64)
        rng_decay.random(out=self.flights[a:b])

    def uniforms(self, m: int) -> NA62Uniforms:
        """The ``NA62Uniforms`` drawn into events [0, m) (views)."""
        return NA62Uniforms(self.production[:m], self.seeds[:m], self.flights[:m])


# ----------------------------------------------------------------------------- public API
def generate_na62_general(n: int, rng_production: np.random.Generator, rng_decay: np.random.Generator,
                          decays: NA62GeneralDecays, *, m_N: float, U2_aN: float, flavour_a: str, flavour_b: str,
                          parent: str = "K+", beam: NA62Beam = NA62Beam(), n_parent_decays_fid: float | None = None,
                          exposure_per_event: float | None = None, uniforms: NA62Uniforms | None = None,
                          workspace: NA62Workspace | None = None) -> dict:
    """Generate ``n`` weighted NA62 events P+ -> l_a+ N, N -> (final state) through the general cascade.

    Parameters
    ----------
    n : int
        Number of events.
    rng_production, rng_decay : numpy.random.Generator
        Streams of the production uniforms (``generate_na62_production``) and of the cascade seeds
        followed by the flight uniforms (``draw_na62_uniforms``); not used when ``uniforms`` is given.
    decays : NA62GeneralDecays
        The restricted decay graph of N.
    m_N : float
        N mass (GeV). ``U2_aN``: |U_aN|^2. ``flavour_a``, ``flavour_b``: "e" or "mu" (production lepton,
        final-state pair). ``parent``: "K+" or "pi+".
    beam : NA62Beam
        Beam momentum and decay volume (``z_decay_end``: the plane the visible vertices must precede).
    n_parent_decays_fid : float
        Exposure N_fid (parent decays in the fiducial volume) for these ``n`` events; or
        ``exposure_per_event`` = N_fid/n (one of the two: a run passes N_fid/n_run, the same number for
        every chunk, so that the weights do not depend on the chunking even in the last bit).
    uniforms : NA62Uniforms, optional
        The events' random numbers, drawn by the caller (a chunk of blocks: ``gen.sources.meson_decay_run``).
    workspace : NA62Workspace, optional
        Scratch arrays reused from call to call (same events; the arrays of the returned dict are then views
        into it, valid until the next call with it).

    Returns
    -------
    dict of numpy arrays
        ``p4_<row>`` (n, 4; GeV, lab) for K, a, N, nu, Zp, bm, bp (zeros where the event has no such
        particle); ``vtx_K``, ``vtx_N``, ``vtx_Zp``, ``vtx_bb`` (n, 3; x, y, z in cm): parent decay, N decay,
        first Z' decay (zeros if none) and l_b pair production vertex, and their times ``t_K``, ``t_N``,
        ``t_Zp``, ``t_bb`` (n; ns): each point is the production vertex (x, y, z, t) of particle-list entries
        (l_a+ and N; N's daughters; the first Z''s daughters; the l_b-), bit for bit; ``P_fv``, ``P_dec``, ``P_dec_N``,
        ``P_dec_Zp``, ``pol_N_lab``, ``channel`` (index into ``decays.decay_info["channels"]``),
        ``weight``; and the particle list ``npart`` (n,), ``pdg``, ``status``, ``parent`` (n, slots),
        ``p4``, ``vtx`` (n, slots, 4; GeV and cm/ns).
    """
    if n <= 0:
        raise ValueError(f"n = {n}: need n >= 1")
    g = decays.graph
    S = decays.slots
    if uniforms is None:
        uniforms = draw_na62_uniforms(n, rng_production, rng_decay, S)
    elif uniforms.production.shape != (n, 5) or uniforms.seeds.shape != (n,) or uniforms.flights.shape != (n, S):
        raise ValueError(f"uniforms: need shapes ({n}, 5), ({n},), ({n}, {S})")
    ws = None
    if workspace is not None:
        if workspace.slots != S:
            raise ValueError(f"workspace: {workspace.slots} particle slots, the decay graph needs {S}")
        ws = workspace.take(n)
    prod, p4, vtx, pdg, status, par, pol, st_of, chosen, npart = _production_and_cascade(
        n, decays, m_N=m_N, U2_aN=U2_aN, flavour_a=flavour_a, parent=parent, beam=beam,
        n_parent_decays_fid=n_parent_decays_fid, exposure_per_event=exposure_per_event, uniforms=uniforms, ws=ws)
    flight_args = (prod["p4_rows"], prod["z_K"], p4, pdg, status, par, st_of, npart, g.st_mass, g.st_ctau0,
                   uniforms.flights, float(beam.z_decay_end), _LEPTON_MINUS_PDG[flavour_b])
    if ws is None:
        vtx, idx, dec, prob = na62_general_flights(*flight_args)
        named = _pick_rows(p4, vtx, idx)  # (5, n, 4): nu, Z', l_b-, l_b+ four-momenta; l_b- production vertex
    else:  # the flights' vertices overwrite the cascade kernel's (not used: the flights replace them)
        idx, dec, prob, named = ws["idx"], ws["dec"], ws["prob"], ws["named"]
        _flights_into(*flight_args, vtx, idx, dec, prob)
        _pick_rows_into(p4, vtx, idx, named)
    _check_pairs(idx)
    ch_n = chosen[:, SLOT_N]
    out = {"p4_K": prod["p4_K"], "p4_a": prod["p4_a"], "p4_N": prod["p4_N"], "p4_nu": named[0], "p4_Zp": named[1],
           "p4_bm": named[2], "p4_bp": named[3],
           "vtx_K": prod["vtx_K"], "vtx_N": dec[:, 0, :3].copy(), "vtx_Zp": dec[:, 1, :3].copy(),
           "vtx_bb": named[4, :, :3].copy(),
           # the times of those points: the t of the particle-list entries produced there (l_a+ for the parent's
           # decay; the flights' dec and the l_b- row of named), the same doubles as the list's
           "t_K": vtx[:, SLOT_A, 3].copy(), "t_N": dec[:, 0, 3].copy(), "t_Zp": dec[:, 1, 3].copy(),
           "t_bb": named[4, :, 3].copy(),
           "P_fv": prod["P_fv"], "P_dec": prob[:, 0].copy(), "P_dec_N": prob[:, 1].copy(), "P_dec_Zp": prob[:, 2].copy(),
           "pol_N_lab": prod["pol_N_lab"],
           "channel": _channels(g, ch_n),
           "npart": npart, "pdg": pdg, "status": status, "parent": par, "p4": p4, "vtx": vtx}
    out["weight"] = prod["weight"] * decays.br_final_state * prob[:, 0]
    return out


def _check_pairs(idx):
    if np.any(idx[:, 1] < 0) or np.any(idx[:, 2] < 0):
        raise RuntimeError("an event of the restricted cascade has no l_b+ l_b- pair (decay graph inconsistent)")


def _channels(g, ch_n):
    """``channel``: the decay-table channel of N's decay (``g.ch_origin`` of the graph channel ``ch_n``; -1 if none)."""
    return np.where(ch_n >= 0, g.ch_origin[np.maximum(ch_n, 0)], -1).astype(np.int32)


def _production_and_cascade(n, decays, *, m_N, U2_aN, flavour_a, parent, beam, n_parent_decays_fid, exposure_per_event,
                            uniforms, ws):
    """Steps 1-2 of the module docstring (``generate_na62_general``): the production and the cascade kernel in the
    parent rest frame, in ``ws`` (``NA62Workspace.take``) or fresh arrays."""
    g = decays.graph
    S = decays.slots
    prod = generate_na62_production(n, None, m_N=m_N, U2_aN=U2_aN, flavour_a=flavour_a, parent=parent, beam=beam,
                                    n_parent_decays_fid=n_parent_decays_fid, exposure_per_event=exposure_per_event,
                                    uniforms=uniforms.production,
                                    out=None if ws is None else (ws["rows"], ws["z"], ws["info"]))
    seeds = uniforms.seeds
    slot_args = (prod["p4_rows"], MESONS[parent]["mass"], _PARENT_PDG[parent], _LEPTON_PLUS_PDG[flavour_a], decays.pdg_N,
                 prod["pol_N"], g.root_state[decays.root])
    if ws is None:
        p4, vtx, pdg, status, par, pol, st_of, chosen, npart = _init_slots(*slot_args, S)
    else:
        p4, vtx, pdg, status, par, pol, st_of, chosen, npart = (ws[k] for k in ("p4", "vtx", "pdg", "status", "par", "pol",
                                                                                 "st_of", "chosen", "npart"))
        _init_slots_into(*slot_args, p4, vtx, pdg, status, par, pol, st_of, chosen, npart)
    K.cascade_kernel(seeds, 3, pdg, status, par, p4, vtx, pol, st_of, npart, chosen, g.tables())
    if np.any(npart < 0):
        raise RuntimeError(f"decay cascade longer than {S} particle slots")
    return prod, p4, vtx, pdg, status, par, pol, st_of, chosen, npart


def generate_na62_into(cols: EventColumns, n: int, decays: NA62GeneralDecays, *, m_N: float, U2_aN: float,
                       flavour_a: str, flavour_b: str, parent: str, beam: NA62Beam, exposure_per_event: float,
                       uniforms: NA62Uniforms, workspace: NA62Workspace, compact=None) -> dict:
    """``generate_na62_general`` of ``n`` events appended straight to ``cols`` (the same records, bit for bit, as
    ``cols.add(generate_na62_general(...))``): the flights, the named rows and the particle list in one compiled
    pass per task of events (``_finish_into``), with no intermediate (n, slots) vertex array or copies.
    ``compact``: the run's ``NamedListRecipe`` (``compact_templates``): the events whose named records hold their
    list get none (the compact record, made in the kernel).

    Returns the detector input of ``gen.sources.meson_decay_run.detector_input`` for these events (views, valid
    until the next call with ``workspace`` or ``cols`` is wrapped) and ``weight``."""
    g = decays.graph
    if workspace.slots != decays.slots:
        raise ValueError(f"workspace: {workspace.slots} particle slots, the decay graph needs {decays.slots}")
    ws = workspace.take(n)
    prod, p4, vtx, pdg, status, par, pol, st_of, chosen, npart = _production_and_cascade(
        n, decays, m_N=m_N, U2_aN=U2_aN, flavour_a=flavour_a, parent=parent, beam=beam, n_parent_decays_fid=None,
        exposure_per_event=exposure_per_event, uniforms=uniforms, ws=ws)
    a, b = cols.filled, cols.filled + n
    if b > cols.n or p4.shape[1] * n > cols.ints.shape[1] - cols.k:
        raise ValueError(f"EventColumns: {b} events or their particles exceed the {cols.n} allocated")
    idx, dec, prob = ws["idx"], ws["dec"], ws["prob"]
    k = _finish_into(prod["p4_rows"], prod["z_K"], p4, pdg, status, par, st_of, npart, g.st_mass, g.st_ctau0,
                     uniforms.flights, float(beam.z_decay_end), _LEPTON_MINUS_PDG[flavour_b], vtx, idx, dec, prob,
                     chosen, g.ch_origin, *compact_templates(compact), cols.rows_array, cols.vtx_array, cols.ints,
                     cols.floats, cols.scalars["channel"], cols.counts, a, cols.k)
    if k < 0:
        raise RuntimeError("an event of the restricted cascade has no l_b+ l_b- pair (decay graph inconsistent)")
    cols.k = k
    weight = prod["weight"] * decays.br_final_state * prob[:, 0]
    scalars = {"P_fv": prod["P_fv"], "P_dec": prob[:, 0], "P_dec_N": prob[:, 1], "P_dec_Zp": prob[:, 2],
               "pol_N_lab": prod["pol_N_lab"], "weight": weight}
    for key, v in scalars.items():
        cols.scalars[key][a:b] = v
    cols.filled = b
    det = {"p4_K": prod["p4_K"], "p4_a": prod["p4_a"], "p4_bm": cols.rows["bm"][:, a:b].T,
           "p4_bp": cols.rows["bp"][:, a:b].T, "vtx_K": prod["vtx_K"], "vtx_Zp": cols.vtx["vtx_pair"][:3, a:b].T}
    return {"detector_input": det, "weight": weight}


_NO_TEMPLATES = (np.zeros(0, np.int64), np.zeros((0, 1, 5), np.int64), np.zeros(0, np.int64))


def compact_templates(recipe) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_finish_into``'s templates of the compact record from ``recipe``, the ``NamedListRecipe`` of
    ``gen.sources.meson_decay_run.na62_particles_recipe`` (None: no compact record): the ``channel`` of each
    template, its rows and lengths. ValueError for a recipe of other names or keys (the kernel reads the records
    ``NA62_LIST_P4`` and ``NA62_LIST_VERTICES`` in their order, keyed by ``channel``)."""
    if recipe is None:
        return _NO_TEMPLATES
    if (tuple(recipe.four_vectors), tuple(recipe.vertices), tuple(recipe.key_fields)) != (
            NA62_LIST_P4, NA62_LIST_VERTICES, ("channel",)):
        raise ValueError(f"compact: a recipe of {recipe.four_vectors}, {recipe.vertices} keyed by {recipe.key_fields}: "
                         f"the NA62 kernel takes {NA62_LIST_P4}, {NA62_LIST_VERTICES} keyed by ('channel',)")
    if len(recipe.keys) == 0:
        return _NO_TEMPLATES
    return (np.ascontiguousarray(recipe.keys[:, 0], dtype=np.int64), np.ascontiguousarray(recipe.rows, dtype=np.int64),
            np.ascontiguousarray(recipe.length, dtype=np.int64))


@jit(nogil=True)  # per chunk in the main thread: the writer thread's Python runs meanwhile
def _finish_into(lab3, zK, p4, pdg, status, parent, st_of, npart, st_mass, st_ctau0, u_fl, z_end, pdg_bm, vtx, idx, dec,
                 prob, chosen, ch_origin, t_key, t_rows, t_len, rows, vtxc, ints, floats, channel, counts, a, k):
    """Step 3 and the records of ``generate_na62_general`` written to the columns of ``EventColumns``
    (``generate_na62_into``): per task of ``_TASK`` events, the flights (``_flights_task``, on the first rows of
    ``vtx`` as scratch), then, one output row at a time over the task's events, the rows (``rows`` (7, 4, .): K, a, N, nu, Z', l_b-, l_b+ as in
    ``_pick_rows``), the vertices (``vtxc`` (4, 4, .): K, N, first Z', l_b pair as x, y, z in cm, t in ns, the
    production vertex of l_a+, of N's daughters, of the first Z''s daughters and of the l_b- in the particle
    list, bit for bit) and ``channel`` (``_channels``)
    from column ``a``, and the particle list from column ``k`` (``_flatten_particles_into``) with its ``counts``.
    Returns the next free particle column, or -1 if an event has no l_b pair.

    The compact record (issue 16; ``t_key`` empty: none): the templates of ``NamedListRecipe`` (``channel`` of each
    in ``t_key``, its rows ``t_rows``, ``t_len``; four-vectors in the order of ``rows``, vertices the origin then
    those of ``vtxc``). An event whose list equals, number for number, the rebuild from its records just written
    (``detectors.output.particle_list._check``'s test, made here while they are in the cache) gets no particle
    columns and count 0."""
    n = p4.shape[0]
    nk = t_key.shape[0]
    t_last = 0
    cnt = np.empty(_TASK, np.int64)
    for ev in range(n):
        ch = chosen[ev, SLOT_N]
        channel[a + ev] = ch_origin[ch] if ch >= 0 else -1
    for t in range((n + _TASK - 1) // _TASK):
        lo, hi = t * _TASK, min(n, (t + 1) * _TASK)
        m = hi - lo
        vs = vtx[:m]  # scratch: task-local vertices, warm in cache from the flights to the particle list
        for e in range(m):
            for c in range(4):
                vs[e, 0, c] = 0.0
                dec[lo + e, 0, c] = 0.0
                dec[lo + e, 1, c] = 0.0
                idx[lo + e, c] = -1
            for c in range(3):
                prob[lo + e, c] = 1.0
        _flights_task(0, m, lab3[lo:hi], zK[lo:hi], p4[lo:hi], pdg[lo:hi], status[lo:hi], parent[lo:hi], st_of[lo:hi],
                      npart[lo:hi], st_mass, st_ctau0, u_fl[lo:hi], z_end, pdg_bm, vs, idx[lo:hi], dec[lo:hi],
                      prob[lo:hi])
        # written one output row at a time over the task's events (as gen.core.event_kernel._compact_task): each
        # row one sequential stream instead of ~55 interleaved ones per event
        for e in range(m):
            if idx[lo + e, 1] < 0 or idx[lo + e, 2] < 0:
                return -1
        c0 = a + lo
        for r in range(3):
            for c in range(4):
                for e in range(m):
                    rows[r, c, c0 + e] = lab3[lo + e, r, c]
        for r in range(3, 7):
            q = 3 if r == 3 else r - 4
            for c in range(4):
                for e in range(m):
                    j = idx[lo + e, q]
                    rows[r, c, c0 + e] = p4[lo + e, j, c] if j >= 0 else 0.0
        for e in range(m):
            vtxc[0, 0, c0 + e] = 0.0
        for e in range(m):
            vtxc[0, 1, c0 + e] = 0.0
        for e in range(m):
            vtxc[0, 2, c0 + e] = zK[lo + e]
        for e in range(m):
            vtxc[0, 3, c0 + e] = vs[e, SLOT_A, 3]  # the parent's decay time: the production time of l_a+ (and N)
        for v in range(1, 3):
            for c in range(4):
                for e in range(m):
                    vtxc[v, c, c0 + e] = dec[lo + e, v - 1, c]
        for c in range(4):
            for e in range(m):
                vtxc[3, c, c0 + e] = vs[e, idx[lo + e, 1], c]  # idx >= 0: checked above
        for e in range(m):
            ev, col = lo + e, c0 + e
            np_ = npart[ev]
            held = False
            if nk > 0:
                t = -1
                ch = channel[col]
                for q in range(nk):
                    r = t_last + q
                    if r >= nk:
                        r -= nk
                    if t_key[r] == ch:
                        t = r
                        break
                if t >= 0 and t_len[t] == np_:
                    t_last = t
                    held = True
                    # row by row, leaving at the first difference (written out: no call with array arguments per row)
                    for jj in range(np_):
                        ip, iv = t_rows[t, jj, 3], t_rows[t, jj, 4]
                        same = (pdg[ev, jj] == t_rows[t, jj, 0] and status[ev, jj] == t_rows[t, jj, 1]
                                and parent[ev, jj] == t_rows[t, jj, 2])
                        same &= (p4[ev, jj, 0] == rows[ip, 0, col] and p4[ev, jj, 1] == rows[ip, 1, col]
                                 and p4[ev, jj, 2] == rows[ip, 2, col] and p4[ev, jj, 3] == rows[ip, 3, col])
                        if iv == 0:
                            same &= vs[e, jj, 0] == 0.0 and vs[e, jj, 1] == 0.0 and vs[e, jj, 2] == 0.0 and vs[e, jj, 3] == 0.0
                        else:
                            same &= (vs[e, jj, 0] == vtxc[iv - 1, 0, col] and vs[e, jj, 1] == vtxc[iv - 1, 1, col]
                                     and vs[e, jj, 2] == vtxc[iv - 1, 2, col] and vs[e, jj, 3] == vtxc[iv - 1, 3, col])
                        if not same:
                            held = False
                            break
            cnt[e] = 0 if held else np_
            counts[col] = cnt[e]
        for r in range(3):
            kk = k
            for e in range(m):
                for jj in range(cnt[e]):
                    ints[r, kk] = pdg[lo + e, jj] if r == 0 else (status[lo + e, jj] if r == 1 else parent[lo + e, jj])
                    kk += 1
        for c in range(8):
            kk = k
            for e in range(m):
                for jj in range(cnt[e]):
                    floats[c, kk] = p4[lo + e, jj, c] if c < 4 else vs[e, jj, c - 4]
                    kk += 1
        k = kk
    return k


_ROWS = ("K", "a", "N", "nu", "Zp", "bm", "bp")


@jit
def _pick_rows(p4, vtx, idx):
    """Four-momenta of the slots ``idx[:, k]`` (k = light nu, Z', l_b-, l_b+; zeros where -1) and the production
    vertex of the l_b- (x, y, z, t), as (5, n, 4)."""
    out = np.zeros((5, p4.shape[0], 4))
    _pick_rows_into(p4, vtx, idx, out)
    return out


@jit
def _pick_rows_into(p4, vtx, idx, out):
    """``_pick_rows`` into ``out`` (5, n, 4); rows of absent particles are set to zero."""
    n = p4.shape[0]
    for ev in range(n):
        for r, k in ((0, 3), (1, 0), (2, 1), (3, 2)):
            j = idx[ev, k]
            for c in range(4):
                out[r, ev, c] = p4[ev, j, c] if j >= 0 else 0.0
        j = idx[ev, 1]
        for c in range(4):
            out[4, ev, c] = vtx[ev, j, c] if j >= 0 else 0.0


_VTX_FIELDS = (("K", "vtx_K"), ("N", "vtx_N"), ("Zp", "vtx_Zp"), ("bb", "vtx_pair"))
#: the named records an NA62 event's particle list is rebuilt from (the compact record,
#: ``gen.sources.meson_decay_run.na62_particles_recipe``): the four-vector rows and, after the origin, the vertices
NA62_LIST_P4 = _ROWS
NA62_LIST_VERTICES = ("origin", *(field for _, field in _VTX_FIELDS))
_XYZT = ("x", "y", "z", "t")
_SCALARS = ("P_fv", "P_dec", "P_dec_N", "P_dec_Zp", "pol_N_lab", "channel", "weight")
_PARTICLE_FIELDS = ("pdg", "status", "parent", "px", "py", "pz", "E", "x", "y", "z", "t")


class EventColumns(ReusableColumns):
    """The truth records of ``n`` events as contiguous columns, filled by one or more ``add`` calls (events in
    order) and wrapped as an awkward array (``to_awkward``; the layout of ``general_events_to_awkward``).
    ``vtx_array`` (4, 4, n): the vertex records ``vtx_K``, ``vtx_N``, ``vtx_Zp``, ``vtx_pair`` (``vtx[field]``,
    (4, n) views), each as x, y, z (cm), t (ns).

    The columns are preallocated, so parts are copied once and never concatenated. Particle columns are
    allocated for ``n * slots`` particles and cut to the number filled (the untouched tail costs no memory).

    Reusable (``in_use``, ``reset``: ``gen.core.events.ReusableColumns``): ``gen.sources.meson_decay_run`` keeps a
    few for its chunks, because fresh columns (~0.12 GB per 131072 events; the particle floats alone are above
    glibc's largest mmap threshold, so every fresh set is new pages) cost page faults on first touch: 1.0 of the
    1.7 us per event of ``generate_na62_into``'s last pass on the development machine (issue 16).
    """

    def __init__(self, n: int, slots: int):
        self.n, self.slots, self.filled, self.k = int(n), int(slots), 0, 0
        self.rows_array = np.empty((len(_ROWS), 4, n))  # one allocation; rows[name] are (4, n) views
        self.vtx_array = np.empty((len(_VTX_FIELDS), 4, n))  # x, y, z (cm), t (ns) of each vertex record
        self.rows = {name: self.rows_array[i] for i, name in enumerate(_ROWS)}
        self.vtx = {field: self.vtx_array[i] for i, (_, field) in enumerate(_VTX_FIELDS)}
        self.scalars: dict = {key: np.empty(n, np.int32 if key == "channel" else np.float64) for key in _SCALARS}
        self.counts = np.empty(n, np.int64)
        self.ints = np.empty((3, n * slots), np.int32)
        self.floats = np.empty((8, n * slots))
        self._owned = (self.rows_array, self.vtx_array, self.counts, self.ints, self.floats, *self.scalars.values())
        self._track()

    def _empty(self) -> None:
        self.filled, self.k = 0, 0

    def add(self, ev: dict) -> None:
        """Append the events of one ``generate_na62_general`` output."""
        m = int(ev["weight"].shape[0])
        a, b = self.filled, self.filled + m
        if b > self.n or ev["pdg"].shape[1] * m > self.ints.shape[1] - self.k:
            raise ValueError(f"EventColumns: {b} events or their particles exceed the {self.n} allocated")
        for name in _ROWS:
            self.rows[name][:, a:b] = ev[f"p4_{name}"].T
        for name, field in _VTX_FIELDS:
            self.vtx[field][:3, a:b] = ev[f"vtx_{name}"].T
            self.vtx[field][3, a:b] = ev[f"t_{name}"]
        for key in _SCALARS:
            self.scalars[key][a:b] = ev[key]
        self.counts[a:b] = ev["npart"]
        self.k = _flatten_particles_into(ev["npart"], ev["pdg"], ev["status"], ev["parent"], ev["p4"], ev["vtx"],
                                         self.ints, self.floats, self.k)
        self.filled = b

    def to_awkward(self, before: dict | None = None, after: dict | None = None, list_field: str = "particles"):
        """The awkward record array (``before`` / ``after``: flat per-event arrays placed before / after;
        ``list_field``: the particle list's name, ``detectors.output.storage.COMPACT_FIELD`` for columns of the
        compact record, ``generate_na62_into(..., compact=)``)."""
        n = self.filled
        if n != self.n:
            raise ValueError(f"EventColumns: {n} of {self.n} events filled")

        def rec(cols, names, length: int, name: str | None = None):
            return RecordArray([NumpyArray(c) for c in cols], list(names), length=length,
                               parameters={"__record__": name} if name else None)

        out: dict = {}
        out.update(before or {})
        for name in _ROWS:
            out[name] = rec(self.rows[name], ("px", "py", "pz", "E"), n, "Momentum4D")
        for _, field in _VTX_FIELDS:
            out[field] = rec(self.vtx[field], _XYZT, n)
        out.update(self.scalars)
        offsets = np.zeros(n + 1, np.int64)
        np.cumsum(self.counts, out=offsets[1:])
        cols = [c[:self.k] for c in self.ints] + [c[:self.k] for c in self.floats]  # contiguous row slices
        out[list_field] = ListOffsetArray(Index64(offsets), rec(cols, _PARTICLE_FIELDS, self.k))
        out.update(after or {})
        contents = [v if isinstance(v, Content) else NumpyArray(np.ascontiguousarray(v)) for v in out.values()]
        return ak.Array(RecordArray(contents, list(out), length=n))


def general_events_to_awkward(ev: dict, before: dict | None = None, after: dict | None = None):
    """Awkward record array of ``generate_na62_general`` output: the truth records (module docstring of
    ``gen.sources.meson_decay_run``), plus ``vtx_pair`` (the ``vtx_bb`` of ``generate_na62_general``: a record
    named ``vtx_bb`` would be written as the ROOT branches ``vtx_bb_x``, ``vtx_bb_y``, ``vtx_bb_z`` and collide
    with the reconstructed ``vtx_bb_z``), ``P_dec``, ``channel`` and the HepMC-like ``particles`` list
    (``pdg``, ``status``, ``parent``, ``px, py, pz, E`` in GeV, production vertex ``x, y, z`` in cm and
    ``t`` in ns). The vertex records ``vtx_K``, ``vtx_N``, ``vtx_Zp``, ``vtx_pair`` have the fields ``x, y, z``
    (cm) and ``t`` (ns): ``vtx_<name>`` and ``t_<name>`` of ``generate_na62_general``, the production vertex of
    particle-list entries bit for bit (module docstring, step 3). ``before`` / ``after``: further flat per-event
    arrays (name -> (n,) array) placed before / after those fields (``gen.sources.meson_decay_run``: the event
    number; the reconstructed fields).

    Assembled from its layout (``awkward.contents``, ``EventColumns``): no broadcasting of ``ak.zip``, which
    took a third of the generation time (``validation/na62/bench_paths.py``)."""
    cols = EventColumns(ev["weight"].shape[0], ev["pdg"].shape[1])
    cols.add(ev)
    return cols.to_awkward(before, after)


@jit(nogil=True)  # per chunk in the main thread: the writer thread's Python runs meanwhile
def _flatten_particles_into(npart, pdg, status, parent, p4, vtx, ints, floats, k):
    """Append the filled slots of the (n, slots) particle arrays, events in order, to the columns ``ints``
    (3, .) int32 (pdg, status, parent) and ``floats`` (8, .) (px, py, pz, E in GeV; x, y, z in cm, t in ns)
    from column ``k``; returns the next free column."""
    n = npart.shape[0]
    start = np.empty(n + 1, np.int64)
    start[0] = k
    for ev in range(n):
        start[ev + 1] = start[ev] + npart[ev]
    for ev in range(n):
        for j in range(npart[ev]):
            c0 = start[ev] + j
            ints[0, c0] = pdg[ev, j]
            ints[1, c0] = status[ev, j]
            ints[2, c0] = parent[ev, j]
            for c in range(4):
                floats[c, c0] = p4[ev, j, c]
                floats[4 + c, c0] = vtx[ev, j, c]
    return start[n]


# --- cold start (issue 16): the kernels of an NA62 run, compiled by two processes ---------------------------
# Argument types as generate_na62_into calls them, in the codes of gen.core.precompile.event_kernel_types
# (dtype code and dimension, 0-d for a scalar; "DecayTables" the NamedTuple of gen.core.tables); the same for
# every meson-decay card (tests/gen/test_precompile.py compares them with the specialisations a run makes).
NA62_CASCADE_SIGNATURE = ("u8:1", "i8", "i8:2", "i8:2", "i8:2", "f8:3", "f8:3", "f8:2", "i8:2", "i8:1", "i8:2",
                          "DecayTables")
NA62_FINISH_SIGNATURE = ("f8:3", "f8:1", "f8:3", "i8:2", "i8:2", "i8:2", "i8:2", "i8:1", "f8:1", "f8:1", "f8:2", "f8", "i8",
                         "f8:3", "i8:2", "f8:3", "f8:2", "i8:2", "i8:1", "i8:1", "i8:3", "i8:1", "f8:3", "f8:3", "i4:2",
                         "f8:2", "i4:1", "i8:1", "i8", "i8")
NA62_PRODUCTION_SIGNATURE = ("f8:2", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8:3", "f8:1", "f8:2")
NA62_INIT_SIGNATURE = ("f8:3", "f8", "i8", "i8", "i8", "f8", "i8", "f8:3", "f8:3", "i8:2", "i8:2", "i8:2", "f8:2", "i8:2",
                       "i8:2", "i8:1")


def precompile_in_helper() -> None:
    """The precompile helper's job for a meson-decay card (``gen.core.precompile.JOBS``): the general cascade
    (~5.8 s of compilation), into the kernel cache, while the parent builds the decay table (the three-body widths,
    ~3.9 s) and compiles the other kernels (``precompile_in_parent``). A cold NA62 run compiled all of it in one
    process, one after the other (~17.5 s)."""
    from gen.core.precompile import event_kernel_types

    K.cascade_kernel.compile(event_kernel_types(NA62_CASCADE_SIGNATURE))


def precompile_in_parent() -> None:
    """The parent's share while it waits for the helper: the production and slot-initialisation kernels, the
    record writer ``_finish_into`` (with the compact record's check since session 12; in the helper before, after
    the cascade: 4 ABBA cold starts of the NA62 card 13.4-14.2 s there, 13.0-13.9 s here), the exact sums of the
    totals and the detector's reconstruction kernel (what the first chunk would otherwise compile)."""
    from detectors.na62.response import warm_kernel
    from gen.core.exact_sum import ExactSum
    from gen.core.precompile import event_kernel_types

    _production_into.compile(event_kernel_types(NA62_PRODUCTION_SIGNATURE))
    _init_slots_into.compile(event_kernel_types(NA62_INIT_SIGNATURE))
    _finish_into.compile(event_kernel_types(NA62_FINISH_SIGNATURE))
    ExactSum().add(np.zeros(1))
    warm_kernel()  # the detector's reconstruction kernel
