"""NA62 events through the general decay cascade: P+ -> l_a+ N, then N decays through every channel of
the decay table that ends in the card's visible final state.

Process (arXiv:1903.07589 = seed 004, eq. (17), with every N decay of ``physics.decay_table``)::

    P+ -> l_a+ N  (P = K+ or pi+, l_a = e or mu),   N -> ... -> (invisible) + l_b+ l_b-

The final state is the card's ``process.final_state`` (``"e+e-"`` or ``"mu+mu-"``; the l_a+ of
production is always there as well). The routes include N -> nu Z' (on shell) -> nu l_b+ l_b-, the
three-body N -> nu l_b+ l_b- through off-shell Z'/Z/W, N5 -> N4 l_b+ l_b-, N -> nu h' -> nu l_b+ l_b-,
N5 -> N4 Z', ... with the invisible rest decaying invisibly: whatever ``physics.decay_table`` lists.

Sampling, per event (``generate_na62_general``):

1. P+ -> l_a+ N in the beam: ``gen.sources.meson_decay_dedicated.generate_na62_production`` (its random mapping and
   weight N_fid/n * P_FV(p)/<P_FV> * BR(P+ -> l_a+ N); steps 1-3 of ``gen.sources.meson_decay_dedicated``).
2. The N cascade: ``gen.core.decays.build_decay_graph`` restricted to the final state (each decay picks
   channel and split of the visible content with its conditional probability; the weight gets
   D_N(final state), the branching ratio of the final state summed over all routes), walked by
   ``gen.core.kernels.cascade_kernel`` (polarised two-body decays, tabulated polarised three-body |M|^2,
   exact spin correlations of F -> f (Z' -> f1 f2)). The cascade runs in the *parent rest frame*: the
   kernel quantises the spin of a decaying particle along its momentum in the frame its four-momentum
   is given in, and reaches its rest frame from there by a pure boost. In P+ -> l_a+ N (spin-0 parent)
   the N spin points along the N momentum in the P rest frame, with polarisation
   ``physics.meson_decays.polarisation_N_from_P_to_lN``; giving the kernel the parent-frame N momentum
   and that polarisation is therefore the exact spin state, not its longitudinal projection on the lab
   momentum (``pol_N_lab``, which misses the transverse part; the dedicated kernel of
   ``gen.sources.meson_decay_dedicated`` uses the same pure-boost construction). For K+ -> mu+ N at m_N = 300 MeV
   (P_N = 0.546) the lab projection keeps on average 28 % of the polarisation; fed to the kernel, it
   would lower the light-Z' card's NA62 acceptance by 1.9 +- 0.7 % (4e5 events each way). Every particle of the cascade is then
   boosted to the lab by the pure boost of P along +z (a Lorentz transformation: four-momentum
   conservation, invariant masses and the spin correlations are unchanged).
3. Displaced vertices (lab, ``na62_general_flights``): every decaying particle flies
   d = c tau0 |p|/m * Exp(1) along its lab momentum from its production point (the kaon decays at z_K
   from ``generate_na62_production``, the kaon itself comes from the target at the origin). The
   visible vertex must lie before z_end (``NA62Beam.z_decay_end``, the end of the decay volume,
   180 m): every particle whose decay products include a visible final particle (the N, an on-shell
   Z' -> l_b l_b, h' -> l_b l_b, ...) decays before the plane z = z_end. Each such flight is drawn from
   the exponential truncated at the flight length to that plane, l = (z_end - z_0) |p|/p_z (0 if
   p_z <= 0), and the event carries the exact probability 1 - exp(-l/L) of the truncation (the
   method of ``gen.sources.meson_decay_dedicated``; no rejection). Along a chain the flights are drawn in order, each
   from the end point of its parent, so the product of the probabilities is the probability, given
   the momenta, that every visible vertex precedes z_end (an unbiased per-event estimator of it,
   exactly as the dedicated kernel's P_dec_N P_dec_Z'). Particles whose products are all invisible
   (N4 from N5 -> N4 l l, ...) fly their untruncated exponential. The cascade kernel's own vertices
   are replaced by these.

Weight: ``weight = N_fid/n * P_FV/<P_FV> * BR(P+ -> l_a+ N) * BR(N -> final state) * P_dec`` with
``P_dec`` the product of step 3. The sum of the weights is the expected number of N decays into the
final state with every visible vertex before z_end, for N_fid parent decays in the fiducial volume.

Which path (``choose_na62_path``). ``gen.sources.meson_decay_run`` uses the dedicated kernel
(``gen.sources.meson_decay_dedicated.generate_na62_cascade``: N -> nu Z', Z' -> l_b l_b only) when that route carries
all of the final state's branching ratio but a share below ``GENERAL_PATH_SHARE`` = 1e-6, and this
module otherwise (``gen.sources.meson_decay_run.generate_na62(card, path="general")`` forces this module, e.g. to keep
routes below that share). Both give the same events in distribution on the light-Z' card
(tests/gen/test_na62_general.py; the comparison found the dedicated kernel's Z' decay without the
helicity interference, since corrected, ``gen.sources.meson_decay_dedicated`` step 5); the dedicated path stays the
default there because it is faster. ``hnlgen reweight`` supports the files of both paths
(``gen.reweight.meson_decay``: on this path the BR and normalised three-body |M|^2 ratios along the cascade, the
flights redrawn from their recovered uniforms; a route to the final state that opens at the new
couplings is refused).

Randomness: per block the production uniforms come from ``gen.core.rng.block_rng(seed, b,
PURPOSE_PRODUCTION)`` (``generate_na62_production``), the cascade seeds (one uint64 per event) and then
the flight uniforms (events x slots) from ``block_rng(seed, b, PURPOSE_DECAY)``: the events do not
depend on the chunk size.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from gen.core import kernels as K
from gen.sources.meson_decay_dedicated import NA62Beam, _flight, generate_na62_production
from physics._jit import jit
from physics.pdg import NU_E, NU_MU, NU_S, NU_TAU, PDG, ZPRIME, is_invisible

__all__ = [
    "GENERAL_PATH_SHARE",
    "PATH_DEDICATED",
    "PATH_GENERAL",
    "NA62GeneralDecays",
    "build_general_decays",
    "dedicated_route_br",
    "choose_na62_path",
    "na62_general_flights",
    "generate_na62_general",
    "general_events_to_awkward",
]

PATH_DEDICATED = "dedicated"  # gen.sources.meson_decay_dedicated.generate_na62_cascade: N -> nu Z', Z' -> l_b l_b
PATH_GENERAL = "general"  # this module: every route of the decay table

#: Largest share of the final state's branching ratio that routes other than N -> nu Z' (on shell),
#: Z' -> l_b l_b may carry for the dedicated kernel to be used (relative; it neglects them).
GENERAL_PATH_SHARE = 1e-6

_PARENT_PDG = {"K+": PDG["K+"], "pi+": PDG["pi+"]}
_LEPTON_PLUS_PDG = {"e": PDG["e+"], "mu": PDG["mu+"]}  # l_a+
_LEPTON_MINUS_PDG = {"e": PDG["e-"], "mu": PDG["mu-"]}  # l_b-
_LIGHT_NU = ("nue", "numu", "nutau", "nus")
_FINAL_PAIR = {"e": ("e+", "e-"), "mu": ("mu+", "mu-")}

# fixed slots of the particle list
SLOT_PARENT, SLOT_A, SLOT_N = 0, 1, 2


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
    from gen.core.decay_adapter import decay_spec_from_physics
    from gen.core.decays import build_decay_graph

    species, channels, info = decay_spec_from_physics(card, model)
    graph = build_decay_graph(species, channels, [hnl], final_state)
    pdg = {s.name: s.pdg for s in species}
    return NA62GeneralDecays(graph=graph, root=hnl, br_final_state=float(graph.root_factor[hnl]),
                             slots=3 + graph.max_particles(), pdg_N=int(pdg[hnl]), decay_info=info)


def dedicated_route_br(table, hnl: str, flavour_b: str) -> float:
    """BR(N -> nu Z') * BR(Z' -> l_b+ l_b-) from ``physics.decay_table`` output: the share of the final
    state that the dedicated kernel generates (light neutrinos of every flavour and nu-bar; N -> N' Z' is
    not this route)."""
    light = set(_LIGHT_NU) | {f + "bar" for f in _LIGHT_NU}
    br_nu_zp = sum(ch.br for ch in table[hnl].channels
                   if len(ch.daughters) == 2 and "Zprime" in ch.daughters
                   and next(d for d in ch.daughters if d != "Zprime") in light)
    if "Zprime" not in table:
        return 0.0
    pair = sorted(_FINAL_PAIR[flavour_b])
    br_bb = sum(ch.br for ch in table["Zprime"].channels if sorted(ch.daughters) == pair)
    return float(br_nu_zp * br_bb)


def choose_na62_path(br_final_state: float, br_route: float, *, m_N: float, m_Zp: float, m_b: float,
                     share: float = GENERAL_PATH_SHARE) -> tuple[str, float]:
    """(path, share of the final state outside the dedicated route).

    The dedicated kernel needs 2 m_b < m_Z' < m_N (GeV) and a route N -> nu Z' -> nu l_b l_b that
    carries all of BR(N -> final state) but a relative ``share``; otherwise the general path.
    """
    other = max(br_final_state - br_route, 0.0) / br_final_state if br_final_state > 0 else 1.0
    if br_route > 0 and 2.0 * m_b < m_Zp < m_N and other <= share:
        return PATH_DEDICATED, other
    return PATH_GENERAL, other


# ----------------------------------------------------------------------------- kernels
@jit
def na62_general_flights(lab3, zK, p4, pdg, status, parent, st_of, npart, st_mass, st_ctau0, u_fl, z_end, pdg_bm):
    """Lab momenta, displaced vertices and in-volume probabilities of the general NA62 cascade (module
    docstring, steps 2-3), in place on the cascade kernel's arrays.

    Parameters
    ----------
    lab3 : (n, 3, 4) array
        Lab four-momenta (px, py, pz, E; GeV) of P, l_a+, N (slots 0-2).
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
    need = np.zeros(S, dtype=np.bool_)
    end = np.zeros((S, 4))
    tmp = np.empty(4)
    for ev in range(n):
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
                d, pd = _flight(lam, lmax, u_fl[ev, j])
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
    return vtx, idx, dec, prob


# ----------------------------------------------------------------------------- public API
def generate_na62_general(n: int, rng_production: np.random.Generator, rng_decay: np.random.Generator,
                          decays: NA62GeneralDecays, *, m_N: float, U2_aN: float, flavour_a: str, flavour_b: str,
                          parent: str = "K+", beam: NA62Beam = NA62Beam(), n_parent_decays_fid: float) -> dict:
    """Generate ``n`` weighted NA62 events P+ -> l_a+ N, N -> (final state) through the general cascade.

    Parameters
    ----------
    n : int
        Number of events.
    rng_production, rng_decay : numpy.random.Generator
        Streams of the production uniforms (``generate_na62_production``) and of the cascade seeds
        followed by the flight uniforms.
    decays : NA62GeneralDecays
        The restricted decay graph of N.
    m_N : float
        N mass (GeV). ``U2_aN``: |U_aN|^2. ``flavour_a``, ``flavour_b``: "e" or "mu" (production lepton,
        final-state pair). ``parent``: "K+" or "pi+".
    beam : NA62Beam
        Beam momentum and decay volume (``z_decay_end``: the plane the visible vertices must precede).
    n_parent_decays_fid : float
        Exposure N_fid (parent decays in the fiducial volume) for these ``n`` events.

    Returns
    -------
    dict of numpy arrays
        ``p4_<row>`` (n, 4; GeV, lab) for K, a, N, nu, Zp, bm, bp (zeros where the event has no such
        particle); ``vtx_K``, ``vtx_N``, ``vtx_Zp``, ``vtx_bb`` (n, 3; cm): parent decay, N decay, first Z'
        decay (zeros if none) and l_b pair production vertex; ``P_fv``, ``P_dec``, ``P_dec_N``,
        ``P_dec_Zp``, ``pol_N_lab``, ``channel`` (index into ``decays.decay_info["channels"]``),
        ``weight``; and the particle list ``npart`` (n,), ``pdg``, ``status``, ``parent`` (n, slots),
        ``p4``, ``vtx`` (n, slots, 4; GeV and cm/ns).
    """
    if n <= 0:
        raise ValueError(f"n = {n}: need n >= 1")
    g = decays.graph
    prod = generate_na62_production(n, rng_production, m_N=m_N, U2_aN=U2_aN, flavour_a=flavour_a, parent=parent,
                                    beam=beam, n_parent_decays_fid=n_parent_decays_fid)
    seeds = rng_decay.integers(0, 2**63, n, dtype=np.uint64)
    S = decays.slots
    u_fl = rng_decay.random((n, S))
    p4 = np.zeros((n, S, 4))
    vtx = np.zeros((n, S, 4))
    pdg = np.zeros((n, S), np.int64)
    status = np.zeros((n, S), np.int64)
    par = np.full((n, S), -1, np.int64)
    pol = np.zeros((n, S))
    st_of = np.full((n, S), -1, np.int64)
    chosen = np.full((n, S), -1, np.int64)
    npart = np.zeros(n, np.int64)
    from physics.meson_decays import MESONS

    p4[:, SLOT_PARENT, 3] = MESONS[parent]["mass"]  # at rest: the cascade runs in the parent rest frame
    p4[:, SLOT_A] = prod["p4_a_rest"]
    p4[:, SLOT_N] = prod["p4_N_rest"]
    pdg[:, SLOT_PARENT] = _PARENT_PDG[parent]
    pdg[:, SLOT_A] = _LEPTON_PLUS_PDG[flavour_a]
    pdg[:, SLOT_N] = decays.pdg_N
    status[:, SLOT_PARENT] = K.STATUS_DECAYED
    status[:, SLOT_A] = K.STATUS_FINAL
    status[:, SLOT_N] = K.STATUS_FINAL
    par[:, SLOT_A] = SLOT_PARENT
    par[:, SLOT_N] = SLOT_PARENT
    pol[:, SLOT_N] = prod["pol_N"]
    st_of[:, SLOT_N] = g.root_state[decays.root]
    K.cascade_kernel(seeds, 3, pdg, status, par, p4, vtx, pol, st_of, npart, chosen, g.tables())
    if np.any(npart < 0):
        raise RuntimeError(f"decay cascade longer than {S} particle slots")
    lab3 = np.stack([prod["p4_K"], prod["p4_a"], prod["p4_N"]], axis=1)
    vtx, idx, dec, prob = na62_general_flights(lab3, prod["vtx_K"][:, 2].copy(), p4, pdg, status, par, st_of, npart,
                                               g.st_mass, g.st_ctau0, u_fl, float(beam.z_decay_end),
                                               _LEPTON_MINUS_PDG[flavour_b])
    if np.any(idx[:, 1] < 0) or np.any(idx[:, 2] < 0):
        raise RuntimeError("an event of the restricted cascade has no l_b+ l_b- pair (decay graph inconsistent)")
    rows = np.arange(n)

    def pick(k):
        out = np.zeros((n, 4))
        ok = idx[:, k] >= 0
        out[ok] = p4[rows[ok], idx[ok, k]]
        return out

    ch_n = chosen[:, SLOT_N]
    out = {"p4_K": prod["p4_K"], "p4_a": prod["p4_a"], "p4_N": prod["p4_N"], "p4_nu": pick(3), "p4_Zp": pick(0),
           "p4_bm": pick(1), "p4_bp": pick(2),
           "vtx_K": prod["vtx_K"], "vtx_N": dec[:, 0, :3].copy(), "vtx_Zp": dec[:, 1, :3].copy(),
           "vtx_bb": vtx[rows, idx[:, 1], :3].copy(),
           "P_fv": prod["P_fv"], "P_dec": prob[:, 0].copy(), "P_dec_N": prob[:, 1].copy(), "P_dec_Zp": prob[:, 2].copy(),
           "pol_N_lab": prod["pol_N_lab"],
           "channel": np.where(ch_n >= 0, g.ch_origin[np.maximum(ch_n, 0)], -1).astype(np.int32),
           "npart": npart, "pdg": pdg, "status": status, "parent": par, "p4": p4, "vtx": vtx}
    out["weight"] = prod["weight"] * decays.br_final_state * prob[:, 0]
    return out


_ROWS = ("K", "a", "N", "nu", "Zp", "bm", "bp")


def general_events_to_awkward(ev: dict):
    """Awkward record array of ``generate_na62_general`` output: the layout of
    ``gen.sources.meson_decay_dedicated.events_to_awkward`` where the fields make sense (module docstring of
    ``gen.sources.meson_decay_run``), plus ``vtx_pair`` (the ``vtx_bb`` of ``generate_na62_general``: a record named
    ``vtx_bb`` would be written as the ROOT branches ``vtx_bb_x``, ``vtx_bb_y``, ``vtx_bb_z`` and collide with
    the reconstructed ``vtx_bb_z``), ``P_dec``, ``channel`` and the HepMC-like ``particles`` list
    (``pdg``, ``status``, ``parent``, ``px, py, pz, E`` in GeV, production vertex ``x, y, z`` in cm and
    ``t`` in ns)."""
    import awkward as ak

    rec = {}
    for name in _ROWS:
        p = ev[f"p4_{name}"]
        rec[name] = ak.zip({"px": p[:, 0], "py": p[:, 1], "pz": p[:, 2], "E": p[:, 3]}, with_name="Momentum4D")
    for name, field in (("K", "vtx_K"), ("N", "vtx_N"), ("Zp", "vtx_Zp"), ("bb", "vtx_pair")):
        v = ev[f"vtx_{name}"]
        rec[field] = ak.zip({"x": v[:, 0], "y": v[:, 1], "z": v[:, 2]})
    for key in ("P_fv", "P_dec", "P_dec_N", "P_dec_Zp", "pol_N_lab", "channel", "weight"):
        rec[key] = ev[key]
    npart = ev["npart"]
    mask = np.arange(ev["pdg"].shape[1])[None, :] < npart[:, None]
    flat = {"pdg": ev["pdg"][mask].astype(np.int32), "status": ev["status"][mask].astype(np.int32),
            "parent": ev["parent"][mask].astype(np.int32)}
    for c, name in enumerate(("px", "py", "pz", "E")):
        flat[name] = ev["p4"][..., c][mask]
    for c, name in enumerate(("x", "y", "z", "t")):
        flat[name] = ev["vtx"][..., c][mask]
    rec["particles"] = ak.unflatten(ak.zip(flat), npart)
    return ak.zip(rec, depth_limit=1)
