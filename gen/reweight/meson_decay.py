"""Coupling reweighting of NA62 events (``[experiment] name = "na62"``, source ``meson_decay``).

``gen.reweight.upscattering.reweight`` / ``reweight_file`` (``hnlgen reweight FILE.root --set Umu4=... chi=...``)
use ``na62_reweighter`` when the file's card is an NA62 card. The events are those of ``gen.sources.meson_decay``:
P+ -> l_a+ N in the beam, then every N decay route of the decay table that ends in the final state, drawn by
the decay graph and the cascade kernel in the parent rest frame. Files written by the dedicated
N -> nu Z' -> nu l l kernel of hnlgen before issue 12 (metadata ``na62_path = "dedicated"``, no ``particles``
list) are refused with a one-line ``ReweightError``: they carry neither the route nor the vertices this
reweighter maps; regenerate them.

The generator's weight is ``N_fid/n * P_FV/<P_FV> * BR(P+ -> l_a+ N) * BR(N -> final state) * P_dec``, and
per event (``ReweightResult.factors``: ``production``, ``decay``):

1. Production. BR(P+ -> l_a+ N) = |U_aN|^2 rho_a(m_N) BR(P+ -> l_a+ nu) (Shrock's factor rho_a depends
   on the masses only; arXiv:1903.07589 below eq. (17), ``physics.meson_decays.br_P_to_l_N``), so the
   factor is BR'/BR = |U'_aN|^2 / |U_aN|^2, computed exactly as ``gen.sources.meson_decay_run.NA62Setup``
   does. The parent P and the lepton l_a are those of the file's run card (``experiment.parent``,
   ``experiment.production_lepton``); every event is checked against them through the invariant masses of
   its stored four-vectors ``K``, ``a``, ``N``, ``bm``, ``bp`` and the PDG codes of its particle list, so
   events that do not belong to the card are refused. The N spin in the parent rest frame
   (``physics.meson_decays.polarisation_N_from_P_to_lN``, J.-M. Levy arXiv:1805.06419) depends on the
   masses only.
2. The cascade: ``gen.reweight.upscattering.br_me_factors``, the product over the event's decays of
   BR_c(g')/BR_c(g) and, for three-body decays, the normalised |M|^2 ratio [|M(g')|^2/Z(g')]/[|M(g)|^2/Z(g)].
   The route was drawn with probability prod BR_c |M|^2/Z / BR(N -> final state) and the weight carries
   BR(N -> final state), so this ratio is the likelihood ratio of the route and its kinematics. The |M|^2
   is evaluated where the generator drew it: every particle is boosted from the lab to the parent-meson
   rest frame (``gen.reweight.upscattering.boost_to_rest``, the inverse of the generator's pure boost along
   +z), where N has the longitudinal polarisation ``polarisation_N`` along its momentum; daughters of later
   generations are unpolarised there, as in the cascade kernel. The spin-correlated two-body chains
   (N -> nu Z', Z' -> l l) have coupling-independent angular laws as long as the chiral structure of their
   vertices is unchanged (a warning says when it is not). The event field ``channel`` is mapped to the
   channel list at the new couplings.
3. Flights (``na62_flight_remap``): the generator draws, in list order, every decaying particle's flight
   from its production point (``gen.sources.meson_decay`` step 3): truncated at the flight length l to
   the plane z_end when its products include a visible particle, drawn as d = F^{-1}(u) with
   F(d) = (1 - e^{-d/L}) / (1 - e^{-l/L}) (``gen.sources.meson_decay.truncated_flight``; P_dec is the
   product of those truncations' 1 - e^{-l/L}), untruncated otherwise. Two options (``lifetime``), both
   exact in expectation:

   * ``"rescale"`` (default): each flight's uniform is recovered from the stored vertices
     (u = F(d; L, l), ``gen.sources.meson_decay.truncated_flight_uniform``; d' = d L'/L for a free one)
     and the flights are redrawn in list order at the new decay lengths, each from the moved end point of
     its parent, so every vertex of the particle list, ``vtx_N``, ``vtx_Zp``, ``vtx_pair``, ``P_dec``,
     ``P_dec_N``, ``P_dec_Zp`` are those a run at the new couplings draws from the same random numbers,
     and the factor is P'_dec / P_dec. It adds no variance for any lifetime ratio.
   * ``"weight"``: the vertices stay; per flight the factor (L/L') exp(-d/L' + d/L), the ratio of the
     exponential densities, and ``P_dec_*`` hold the new in-volume probabilities at the stored vertices.
     Its variance is infinite once L' > 2 L; use it only when the vertices must stay.

4. Detector. The l_b tracks start at the pair vertex, so acceptance and reconstructed vertex depend on
   it. With ``"rescale"`` the NA62 reconstruction (``detectors.na62.response.reconstruct``) is redone block
   by block with the run's detector streams ``gen.core.rng.block_rng(seed, block, PURPOSE_DETECTOR)``
   (``gen.sources.meson_decay_run._reconstruct_block``, the generator's own call), so the reconstructed
   fields, ``accepted`` and ``weight_accepted`` are those of a run at the new couplings for these events.
   This needs whole blocks of consecutive events as ``hnlgen run`` wrote them (a chunk whose ``event``
   numbers do not start at a block boundary or are not consecutive is refused). With ``"weight"`` only
   ``weight_accepted = weight * accepted`` changes.

Totals (printed by ``hnlgen reweight``, written to the new file's ``expected_events`` metadata):
``produced`` = N_K^Fid BR'(P+ -> l_a+ N) (exact), ``final_state`` = sum of weights (decays with the
visible vertex before z_end), ``accepted`` = sum of ``weight_accepted``, each with its MC error, and
the exposure ``n_kaon_decays`` = N_K^Fid (unchanged). The TH1Ds ``h_*`` are refilled.

A same-seed run at the new couplings draws the same route and kinematics as the file when the
couplings leave the conditional route probabilities and the |M|^2 shapes unchanged (e.g. |U_mu4|^2
scaled, which scales every N width); it then agrees with the reweighted events to rounding except in
the weight, which carries BR(N -> final state)' instead of the file route's BR ratio (the same in
expectation). tests/gen/test_na62_reweight_general.py and tests/gen/test_na62_reweight.py compare both ways.

Not reweightable (``ReweightError``): masses (``gen.reweight.upscattering.card_with_couplings``); a route
to the final state that is closed at the old couplings (a BR along it is 0) and open at the new (the file
has no events of that route and reweighting cannot create them; the message names its channels; a route
that closes is fine, its events get weight 0, as long as the routes that remain have events in the file:
routes open at the old couplings but without a single event in the file whose shares at the new couplings
sum to more than 0.1/sqrt(N) are refused too, ``gen.reweight.upscattering.RouteCheck``); a production BR
that is zero at the old couplings and not at the new (every event had weight 0: regenerate); an old c tau0
that is 0 or infinite while the new one differs (the flight cannot be mapped); with ``"weight"``, a new
c tau0 of 0; files of the dedicated path of hnlgen before issue 12.
"""

from __future__ import annotations

import logging
import math

import awkward as ak
import numpy as np

from detectors.miniboone.response import write_histograms
from gen.core import kernels as K
from gen.core import rng as R
from gen.core.decay_adapter import decay_spec_from_physics
from gen.reweight.upscattering import (
    ReweightError,
    RouteCheck,
    boost_to_rest,
    br_me_factors,
    card_with_couplings,
    cascade_decays,
    decay_physics,
    format_couplings,
)
from gen.sources.meson_decay import (
    _LEPTON_MINUS_PDG,
    _LEPTON_PLUS_PDG,
    _PARENT_PDG,
    SLOT_A,
    SLOT_N,
    SLOT_PARENT,
    truncated_flight,
    truncated_flight_uniform,
)
from gen.sources.meson_decay_run import NA62_PATH, NA62Setup, _reconstruct_block, na62_histograms
from gen.stages.base import HistogramSum
from physics._jit import jit, jitable
from physics.pdg import ZPRIME, is_invisible

__all__ = ["na62_flight_remap", "na62_reweighter"]

_P4 = ("px", "py", "pz", "E")
log = logging.getLogger(__name__)
_XYZ = ("x", "y", "z")


@jitable
def _density_ratio(d, L0, L1, lmax):
    """(L0/L1) exp(-d/L1 + d/L0): exponential flight density at decay length L1 over that at L0 (cm);
    0 where the flight had no room (lmax <= 0, weight already 0) or the particle is stable at L1."""
    if lmax <= 0.0 or math.isinf(L1) or math.isinf(L0):
        return 0.0
    return (L0 / L1) * math.exp(-d / L1 + d / L0)


@jit
def na62_flight_remap(counts, pdg, status, parent, p4, vtx, mass, ctau_old, ctau_new, z_end, pdg_bm, slot_N,
                              rescale):
    """Flights of NA62 events at new proper decay lengths (module docstring, item 3).

    Parameters
    ----------
    counts : (n,) int array
        Particles per event; the other per-particle arrays are flat, events in order (the generator's
        list: parent meson in slot 0, l_a+ and N (slot ``slot_N``) from it, then the cascade, every
        particle after its parent).
    pdg, status, parent : flat int arrays
        PDG code, status (1 final, 2 decayed) and parent slot within the event (-1 for slot 0).
    p4 : (particles, 4) array
        Lab four-momenta (px, py, pz, E; GeV).
    vtx : (particles, 4) array
        Production vertices as generated at the old decay lengths (x, y, z in cm; t in ns).
    mass, ctau_old, ctau_new : flat arrays
        Nominal mass (GeV) and c tau0 (cm) at the old and the new couplings of every decayed particle
        (ignored for the others); ``ctau_old`` in (0, inf) wherever it differs from ``ctau_new``.
    z_end : float
        The plane (cm) every visible vertex must precede. ``pdg_bm``: PDG code of l_b-.
    rescale : bool
        True: redraw each flight with its recovered uniform; False: keep the vertices, density ratios.

    Returns
    -------
    (vtx_new (particles, 4), prob (n, 4), named (n, 3, 4))
        New production vertices; per event the new P_dec, P_dec_N, P_dec_Zp (first decaying Z'; 1 without
        one) and the weight factor of the flights (rescale: P'_dec / P_dec, 0 where P_dec is 0; weight: the
        product of the density ratios); the new ``vtx_N``, ``vtx_Zp`` (zeros without a Z') and ``vtx_pair``
        (production vertex of the first final l_b-) as x, y, z in cm and t in ns, the same doubles as the new
        production vertices of N's daughters, the first Z''s daughters and that l_b- in ``vtx_new``.
    """
    n = counts.shape[0]
    S = 1
    for ev in range(n):
        S = max(S, counts[ev])
    vtx1 = vtx.copy()
    prob = np.ones((n, 4))
    named = np.zeros((n, 3, 4))
    need = np.zeros(S, dtype=np.bool_)
    first = np.full(S, -1, dtype=np.int64)
    end = np.zeros((S, 4))
    k0 = 0
    for ev in range(n):
        m = counts[ev]
        for j in range(m):
            need[j] = False
            first[j] = -1
        for j in range(1, m):
            p = parent[k0 + j]
            if p >= 0 and first[p] < 0:
                first[p] = j
        # particles with a visible final descendant, as gen.sources.meson_decay.na62_general_flights marks them
        for j in range(m - 1, slot_N, -1):
            if (status[k0 + j] == K.STATUS_FINAL and not is_invisible(pdg[k0 + j])) or need[j]:
                need[parent[k0 + j]] = True
        # the parent meson's decay point (not reweighted): where its daughters start
        for c in range(4):
            end[0, c] = vtx[k0 + first[0], c] if first[0] >= 0 else 0.0
        p_old = 1.0
        p_new = 1.0
        f = 1.0
        zp_seen = False
        for j in range(1, m):
            k = k0 + j
            if rescale:
                for c in range(4):
                    vtx1[k, c] = end[parent[k], c]
            if status[k] != K.STATUS_DECAYED or first[j] < 0:
                continue
            kd = k0 + first[j]
            P = p4[k]
            pl = math.sqrt(P[0] ** 2 + P[1] ** 2 + P[2] ** 2)
            d0 = math.sqrt((vtx[kd, 0] - vtx[k, 0]) ** 2 + (vtx[kd, 1] - vtx[k, 1]) ** 2 + (vtx[kd, 2] - vtx[k, 2]) ** 2)
            L0 = ctau_old[k] * pl / mass[k]
            L1 = ctau_new[k] * pl / mass[k]
            lmax0 = (z_end - vtx[k, 2]) * pl / P[2] if P[2] > 0.0 else 0.0
            pd1 = 1.0
            if rescale:
                if need[j]:
                    lmax1 = (z_end - vtx1[k, 2]) * pl / P[2] if P[2] > 0.0 else 0.0
                    p_old *= truncated_flight(L0, lmax0, 0.0)[1]
                    d1, pd1 = truncated_flight(L1, lmax1, truncated_flight_uniform(L0, lmax0, d0))
                    p_new *= pd1
                else:
                    # the untruncated exponential: the same Exp(1) number at the new decay length
                    d1 = d0 * (L1 / L0) if L0 > 0.0 else 0.0
                for c in range(3):
                    end[j, c] = vtx1[k, c] + d1 * P[c] / pl
                end[j, 3] = vtx1[k, 3] + d1 * P[3] / pl / K.C_CM_PER_NS
            else:
                if need[j]:
                    pd1 = truncated_flight(L1, lmax0, 0.0)[1]
                    p_new *= pd1
                    f *= _density_ratio(d0, L0, L1, lmax0)
                elif L0 != L1:
                    f *= _density_ratio(d0, L0, L1, 1.0)
                for c in range(4):
                    end[j, c] = vtx[kd, c]
            if j == slot_N:
                prob[ev, 1] = pd1
                for c in range(4):
                    named[ev, 0, c] = end[j, c]
            elif pdg[k] == ZPRIME and not zp_seen:
                zp_seen = True
                prob[ev, 2] = pd1
                for c in range(4):
                    named[ev, 1, c] = end[j, c]
        prob[ev, 0] = p_new
        if rescale:
            prob[ev, 3] = p_new / p_old if p_old > 0.0 else 0.0
        else:
            prob[ev, 3] = f
        for j in range(slot_N + 1, m):
            if status[k0 + j] == K.STATUS_FINAL and pdg[k0 + j] == pdg_bm:
                for c in range(4):
                    named[ev, 2, c] = vtx1[k0 + j, c]
                break
        k0 += m
    return vtx1, prob, named


def _p4(rec) -> np.ndarray:
    return np.column_stack([ak.to_numpy(rec[c]).astype(np.float64) for c in _P4])


def _xyz(rec) -> np.ndarray:
    return np.column_stack([ak.to_numpy(rec[c]).astype(np.float64) for c in _XYZ])


def _ratio(new: float, old: float) -> float:
    """new/old; 1 when both are 0 (the weights are 0 and stay 0; old 0 and new > 0 is refused before)."""
    return new / old if old > 0 else 1.0


class _NA62Common:
    """Options, the per-event card check, the detector, totals and metadata of the NA62 reweighter (the
    interface of ``gen.reweight.upscattering._Reweighter``)."""

    total_keys = ("produced", "final_state", "accepted")

    def _options(self, old_card, lifetime: str, seed: int | None, new: dict) -> None:
        if lifetime not in ("rescale", "weight"):
            raise ValueError(f"lifetime = {lifetime!r}: allowed 'rescale', 'weight'")
        if not new:
            raise ReweightError("no coupling to set (give e.g. Umu4=..., gD=..., chi=...)")
        self.lifetime = lifetime
        self.seed = old_card.run.seed if seed is None else int(seed)
        self.new_values = dict(new)
        self.hists = HistogramSum()

    @property
    def new_card(self):
        return self.new.card

    def _check_rows(self, ev, p4: dict, expect) -> None:
        """Every event's stored four-vectors have the masses of the card's particles (module docstring, item 1):
        ``expect`` lists (row, mass in GeV, description)."""
        for name, m, what in expect:
            p = p4[name]
            E2 = p[:, 3] ** 2
            m2 = E2 - np.sum(p[:, :3] ** 2, axis=1)
            # rounding of E^2 - |p|^2 is ~1e-15 E^2; e/mu and K/pi differ by far more than 1e-9 E^2
            bad = np.nonzero(~(np.abs(m2 - m * m) <= 1e-9 * E2 + 1e-12))[0]
            if bad.size:
                i = int(bad[0])
                e = int(ak.to_numpy(ev.event)[i]) if "event" in ev.fields else i
                raise ReweightError(f"event {e}: {name} has mass {math.sqrt(max(m2[i], 0.0)):.6g} GeV but {what} of the run card "
                                    f"has {m:.6g} GeV: the events do not belong to this card")

    def _reconstruct(self, ev, p4: dict, vK: np.ndarray, v_pair: np.ndarray) -> dict:
        """NA62 reconstruction of the chunk with the l_b pair from ``v_pair`` (cm), block by block (module
        docstring, item 4)."""
        n = len(ev)
        event = ak.to_numpy(ev.event).astype(np.int64)
        first = int(event[0])
        if first % R.BLOCK_SIZE or np.any(event != first + np.arange(n)):
            raise ReweightError("the NA62 detector stage is redone block by block with the run's random streams: give whole "
                                f"blocks of consecutive events as hnlgen run wrote them (event numbers from a multiple of "
                                f"{R.BLOCK_SIZE}); got events {first}..{int(event[-1])}")
        parts = []
        for b, s, e in R.block_ranges(first, n):
            sl = slice(s - first, e - first)
            blk = {"p4_K": p4["K"][sl], "p4_a": p4["a"][sl], "p4_bm": p4["bm"][sl], "p4_bp": p4["bp"][sl],
                   "vtx_K": vK[sl], "vtx_Zp": v_pair[sl]}
            parts.append(_reconstruct_block(self.new, blk, self.seed, b))
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    # -- totals and metadata (interface of gen.reweight.upscattering._Reweighter)
    def total_arrays(self, new_ev) -> dict:
        out = {"final_state": ak.to_numpy(new_ev.weight).astype(np.float64)}
        if "weight_accepted" in new_ev.fields:
            out["accepted"] = ak.to_numpy(new_ev.weight_accepted).astype(np.float64)
        return out

    def totals(self, sums) -> dict:
        routes = getattr(self, "routes", None)
        if routes is not None:
            routes.check_observed()
        t = sums.totals()
        t["produced"] = self.new.n_parent_decays * self.new.br_production
        t["produced_error"] = 0.0
        t["n_kaon_decays"] = self.new.n_parent_decays
        return t

    def model_metadata(self) -> str:
        return self.new.model_json()

    def write_histograms(self, root_file) -> None:
        if self.hists.hists:

            write_histograms(root_file, self.hists.hists)


class _NA62Reweighter(_NA62Common):
    """NA62 events at new couplings (module docstring)."""

    def __init__(self, old_card, lifetime: str = "rescale", seed: int | None = None, n_events: int | None = None, **new):
        self._options(old_card, lifetime, seed, new)
        self.old = NA62Setup(old_card)
        self.new = NA62Setup(card_with_couplings(old_card, **new))
        fs = old_card.process.final_state
        # routes: the channels of the decay graph restricted to the final state (each with probability > 0)
        r0, r1 = _routes(self.old), _routes(self.new)
        opened = [k for k in r1 if k not in r0]
        if opened:
            names = "; ".join(f"{p} -> {' '.join(d)} (share {r1[(p, d)]:.3g} of the events at the new couplings)"
                              for p, d in opened)
            raise ReweightError(f"at the new couplings {len(opened)} decay channel(s) lie on routes of {self.new.hnl} to "
                                f"final_state = {fs!r} that are closed at the file's couplings (a BR along them is 0 there): "
                                f"{names}. The file holds no events of those routes and reweighting cannot create them; "
                                "regenerate")
        a, b = self.old.br_production, self.new.br_production
        if a <= 0 < b:
            raise ReweightError(f"BR({self.old.parent} -> {self.old.flavour_a}+ {self.old.hnl}) is 0 at the old couplings and "
                                f"{b:.3g} at the new: every event of the file has weight 0; regenerate")
        self.f_production = _ratio(b, a)
        self.dec_old = decay_physics(*decay_spec_from_physics(self.old.card, self.old.model),
                                      {self.old.hnl: self.old.general.br_final_state})
        self.dec_new = decay_physics(*decay_spec_from_physics(self.new.card, self.new.model),
                                      {self.new.hnl: self.new.general.br_final_state})
        # routes present at the old couplings but without events in the file (gen.reweight.upscattering.RouteCheck)
        sp = {**self.dec_old.species, **self.dec_new.species}

        def by_pdg(r):
            return {(sp[p].pdg, tuple(sp[d].pdg for d in ds)): v for (p, ds), v in r.items()}

        self.routes = RouteCheck(by_pdg(r0), by_pdg(r1), n_events, {x.pdg: x.name for x in sp.values()},
                                 f"reweight to {format_couplings(new)}")
        # decaying species of the file's routes: nominal mass and c tau0 at both couplings (cm)
        g0, g1 = self.old.general.graph, self.new.general.graph
        decays0 = {int(g0.st_pdg[s]) for s in range(g0.st_pdg.size) if g0.st_ch_n[s] > 0}
        decays1 = {int(g1.st_pdg[s]) for s in range(g1.st_pdg.size) if g1.st_ch_n[s] > 0}
        self.mass_by_pdg = {int(c): float(m) for c, m in zip(g0.st_pdg, g0.st_mass)}
        self.ctau = {}
        for code in sorted(decays0):
            c_old = float(self.dec_old.ctau_by_pdg[code])
            # a species whose routes all close keeps its flights (its events get weight 0)
            c_new = float(self.dec_new.ctau_by_pdg[code]) if code in decays1 else c_old
            if not 0 < c_old < math.inf and c_new != c_old:
                raise ReweightError(f"c tau0 of PDG {code} is {c_old} cm at the old couplings: its flights carry no "
                                    "decay-length information to map to the new couplings; regenerate")
            if lifetime == "weight" and c_new <= 0 < c_old:
                raise ReweightError(f"c tau0 of PDG {code} is {c_new} cm at the new couplings: lifetime='weight' cannot "
                                    "reweight into a prompt decay; use lifetime='rescale'")
            if lifetime == "weight" and c_new > 2.0 * c_old:
                log.warning("lifetime='weight': c tau0 of PDG %d grows by %.3g > 2, the flight-density weights have infinite "
                            "variance (the old sample does not reach the new flights); lifetime='rescale' is exact", code,
                            c_new / c_old)
            self.ctau[code] = (c_old, c_new)
        for key, p0 in r0.items():
            p1 = r1.get(key, 0.0)
            if p1 > 1e-3 and p1 > 100.0 * p0:
                log.warning("channel %s -> %s is on the route of %.3g of the events to %s at the file's couplings and of %.3g "
                            "at the new: the file represents it by few events (see effective_sample_size)", key[0],
                            " ".join(key[1]), p0, fs, p1)
        # the event field ``channel`` indexes decay_info["channels"]: old codes -> new codes
        new_idx = {(c["parent"], tuple(c["daughters"])): j for j, c in enumerate(self.new.general.decay_info["channels"])}
        self.channel_map = np.array([new_idx.get((c["parent"], tuple(c["daughters"])), -1)
                                     for c in self.old.general.decay_info["channels"]] or [-1], dtype=np.int64)
        self._warned: set = set()

    # -- per chunk
    def _check_events(self, ev, p4: dict, cd) -> None:
        """Rows and particle list against the card: P+ -> l_a+ N in slots 0-2, l_b pair (module docstring, item 1)."""
        s = self.old
        self._check_rows(ev, p4, (("K", s.m_P, f"the parent {s.parent}"), ("a", s.m_a, f"the production lepton {s.flavour_a}"),
                                  ("N", s.m_N, s.hnl), ("bm", s.m_b, f"the {s.flavour_b}-"), ("bp", s.m_b, f"the {s.flavour_b}+")))
        want = ((SLOT_PARENT, _PARENT_PDG[s.parent], s.parent), (SLOT_A, _LEPTON_PLUS_PDG[s.flavour_a], f"{s.flavour_a}+"),
                (SLOT_N, s.general.pdg_N, s.hnl))
        if np.any(cd.counts <= SLOT_N):
            raise ReweightError("NA62 events need the particle list P, l_a+, N, ... (gen.sources.meson_decay)")
        for slot, code, what in want:
            bad = np.nonzero(cd.pdg[cd.offsets + slot] != code)[0]
            if bad.size:
                i = int(bad[0])
                raise ReweightError(f"event {int(ak.to_numpy(ev.event)[i]) if 'event' in ev.fields else i}: particle {slot} has "
                                    f"PDG {int(cd.pdg[cd.offsets[i] + slot])} but {what} of the run card is {code}: the events "
                                    "do not belong to this card")

    def apply(self, ev) -> tuple[ak.Array, np.ndarray, np.ndarray, np.ndarray]:
        """(new events, new weights, production factor, decay factor) of one chunk."""
        n = len(ev)
        p4 = {k: _p4(ev[k]) for k in ("K", "a", "N", "bm", "bp")}
        cd = cascade_decays(ev.particles, first_slot=SLOT_N)
        self._check_events(ev, p4, cd)
        # BR and |M|^2 factors in the parent rest frame, where the cascade was drawn (N spin along its momentum)
        p4_rest = boost_to_rest(cd.p4, p4["K"][cd.ev_of])
        f_dec, groups = br_me_factors(self.dec_old, self.dec_new, cd, p4_rest, SLOT_N,
                                       np.full(n, self.old.polarisation_N), self._warned)
        self.routes.observe([key for key, _ in groups], n)
        f_casc = np.ones(n)
        np.multiply.at(f_casc, cd.ev_of[cd.dec], f_dec)
        # flights
        odd = sorted({int(c) for c in np.unique(cd.pdg[cd.dec])} - set(self.ctau))
        if odd:
            raise ReweightError(f"particles with PDG {odd} decay in the events but not in the decay graph of the run card "
                                "(file and card disagree)")
        uniq, inv = np.unique(cd.pdg, return_inverse=True)
        ctau0 = np.array([self.ctau.get(int(c), (0.0, 0.0))[0] for c in uniq])[inv.ravel()]
        ctau1 = np.array([self.ctau.get(int(c), (0.0, 0.0))[1] for c in uniq])[inv.ravel()]
        mass = np.array([self.mass_by_pdg.get(int(c), 1.0) for c in uniq])[inv.ravel()]
        rescale = self.lifetime == "rescale"
        vtx1, prob, named = na62_flight_remap(cd.counts, cd.pdg, cd.status, cd.parent, cd.p4, cd.vtx, mass, ctau0,
                                                      ctau1, float(self.old.beam.z_decay_end),
                                                      _LEPTON_MINUS_PDG[self.old.flavour_b], SLOT_N, rescale)
        w_old = ak.to_numpy(ev.weight).astype(np.float64)
        fp = np.full(n, self.f_production)
        fd = f_casc * prob[:, 3]
        w_new = w_old * fp * fd
        fields = {k: ev[k] for k in ev.fields}
        fields["weight"] = w_new
        if "weight_original" not in fields:
            fields["weight_original"] = w_old
        for j, key in enumerate(("P_dec", "P_dec_N", "P_dec_Zp")):
            fields[key] = prob[:, j]
        ch = ak.to_numpy(ev.channel).astype(np.int64)
        fields["channel"] = np.where(ch >= 0, self.channel_map[np.clip(ch, 0, None)], -1).astype(np.int32)
        vK = _xyz(ev.vtx_K)
        v_pair = _xyz(ev.vtx_pair)
        if rescale:
            for j, key in enumerate(("vtx_N", "vtx_Zp", "vtx_pair")):
                # x, y, z and, if the file's record has it (hnlgen since the vertex records got their time), t
                comps = _XYZ + ("t",) if "t" in ev[key].fields else _XYZ
                fields[key] = ak.zip({c: named[:, j, i] for i, c in enumerate(comps)})
            v_pair = named[:, 2, :3].copy()
            flat = dict(cd.flat)
            for i, c in enumerate(("x", "y", "z", "t")):
                flat[c] = vtx1[:, i].astype(cd.flat[c].dtype)
            fields["particles"] = ak.unflatten(ak.zip({k: flat[k] for k in ev.particles.fields}), cd.counts)
        if "accepted" in ev.fields:
            if rescale and n > 0:
                fields.update(self._reconstruct(ev, p4, vK, v_pair))
            fields["weight_accepted"] = w_new * np.asarray(fields["accepted"], dtype=np.float64)
        out = ak.zip(fields, depth_limit=1)
        self.hists.add(na62_histograms(out, self.new))
        return out, w_new, fp, fd


def _routes(setup) -> dict:
    """{(parent, daughters): expected uses per event} of the channels of ``setup``'s decay graph restricted to
    the final state: the share of the events of N -> final state whose cascade goes through the channel
    (a channel is in the graph when that share is > 0)."""
    g = setup.general.graph
    chans = setup.general.decay_info["channels"]
    reach = np.zeros(g.st_pdg.size)
    root = g.root_state[setup.hnl]
    if root < 0:
        return {}
    reach[root] = 1.0
    out: dict = {}
    # build_decay_graph numbers a state before the states of its daughters: one pass in index order
    for s in range(g.st_pdg.size):
        if reach[s] == 0.0:
            continue
        lo = int(g.st_ch_start[s])
        prev = 0.0
        for ch in range(lo, lo + int(g.st_ch_n[s])):
            p = reach[s] * (g.ch_cum[ch] - prev)
            prev = g.ch_cum[ch]
            c = chans[int(g.ch_origin[ch])]
            key = (c["parent"], tuple(c["daughters"]))
            out[key] = out.get(key, 0.0) + p
            for k in range(int(g.ch_ndau[ch])):
                reach[int(g.ch_dau[ch, k])] += p
    return out


def na62_reweighter(card, lifetime: str = "rescale", seed: int | None = None, path: str | None = None,
                    n_events: int | None = None, **new):
    """The reweighter of the NA62 events of ``card`` (module docstring). ``path``: the file's ``na62_path``
    metadata (None: a file of this generator); ``"dedicated"`` (hnlgen before issue 12) is refused."""
    if path == "dedicated":
        raise ReweightError("na62_path = 'dedicated': this file was written by the dedicated N -> nu Z' kernel of hnlgen "
                            "before issue 12 (no particle list, no route information) and cannot be reweighted; regenerate "
                            f"it with this hnlgen (na62_path = {NA62_PATH!r})")
    if path not in (None, NA62_PATH):
        raise ReweightError(f"na62_path = {path!r}: allowed {NA62_PATH!r} (files of this hnlgen)")
    return _NA62Reweighter(card, lifetime=lifetime, seed=seed, n_events=n_events, **new)
