"""Coupling reweighting: new weights and expected totals at new couplings, same masses, no regeneration.

At fixed masses the event kinematics are sampled from densities that the couplings enter only
through normalisations and through ratios of matrix elements, so an event generated at couplings
g can be carried to couplings g' by a likelihood ratio (or, for decay distances, by an exact
change of variables). ``reweight(events_or_file, card, **new_couplings)`` returns the new weights
and totals; ``reweight_file`` (``hnlgen reweight FILE.root --set epsilon=... -o OUT.root``) streams a
file chunk by chunk into a complete new file (written as ``OUT.partial``, renamed when complete).

Factors per event (``ReweightResult.factors``)
----------------------------------------------
1. Production. The generator's weight is ``N phi(E) dsigma_c/dQ2(E, Q2; g) / (P_c q_c(E) g_c(Q2))``
   (``gen.sources.upscattering``): the sampling densities P_c, q_c, g_c were fixed at generation and do not
   change; only dsigma does. The channel c (projectile, target, regime, N state, helicity) and
   (E_nu, Q2) are stored per event, and dsigma_c/dQ2 at that point is a quadratic form in the
   couplings, |M|^2 = sum_ij A_i A_j^* X_ij(E, Q2), whose coefficients X_ij depend on the stored
   kinematics only (``physics.cross_sections`` docstring). Storing the X_ij per event and
   re-contracting them with new couplings or evaluating ``dsigma_dQ2_upscattering`` again with
   the new channel parameters at the same (E, Q2) is the same number: recomputation is exact (up
   to rounding), and the factor is dsigma(g')/dsigma(g). The azimuth and the recoil follow from
   (E, Q2) by kinematics and carry no coupling dependence.
2. Branching ratios. Every decay of the cascade was chosen with probability BR_c(g) (or, for a
   restricted final state, BR_c prod D_d / D_parent, whose product along the cascade telescopes
   to prod BR / BR(final state); the file weight carries BR(final state)), so the factor is the
   product over the event's decays of BR_c(g') / BR_c(g). Decays are identified from the particle
   list (parent PDG and ordered daughter PDGs; the generator writes daughters in channel order)
   and the BRs come from ``physics.decay_table`` at both couplings (via ``gen.core.decay_adapter``).
3. Three-body matrix elements. Within a three-body channel the Dalitz density is
   |M(g)|^2 / Z(g) with Z the phase-space integral of the unpolarised |M|^2; when the relative size
   of the Z'/Z/W diagrams changes the shape changes: the factor is
   [|M(g')|^2 / Z(g')] / [|M(g)|^2 / Z(g)], |M|^2 from the stored daughter momenta boosted to the
   parent rest frame and the parent's polarisation (the produced N: helicity along its lab
   momentum; later generations are unpolarised, as in the cascade kernel). Z is integrated here
   on a Gauss-Legendre grid of the unit Dalitz square (``me2`` has an arbitrary normalisation per
   channel, so Z replaces Gamma_c: Z'/Z = Gamma_c(g')/Gamma_c(g) when me2 is absolutely normalised).
   The generator samples a bilinear table of |M|^2 (``gen.core.decays``); the factor uses the exact
   |M|^2, so it also removes the (small) tabulation error of the old sample, not of the new one.
4. Decay distances. The cascade draws the flight of each unstable particle as
   d = c tau0 beta gamma * l with l ~ Exp(1) independent of everything else. Two exact options:
   ``lifetime="rescale"`` (default) moves every decay vertex to d' = d tau0(g')/tau0(g) (the same
   l, i.e. the sample the generator gives at g' with the same random stream), shifting every
   descendant's vertex, with no weight change; ``lifetime="weight"`` keeps the vertices and
   multiplies the weight by (L/L') exp(-d/L' + d/L) per decaying particle, L = c tau0 |p|/m.
   The weight option has infinite variance as soon as L' > 2 L (the new distribution reaches
   distances the old sample never populated), so "rescale" is the default; use "weight" only when
   vertices must stay fixed (e.g. an external detector simulation already ran on them).
5. Detector. When the events carry the MiniBooNE detector stage (``weight_selected``,
   ``gen.stages.base``), its fields are recomputed: the stage computes the exact fiducial decay
   probability ``w_fiducial`` from c tau0 and the momenta and draws vertex, decay point and
   smearing from ``gen.core.rng`` streams of (run seed, block), so running it again on the reweighted
   truth with the new c tau0 gives exactly the reconstructed events (and ``selected`` total) that
   a run at the new couplings would give for these events. Totals: ``in_fiducial_volume`` =
   sum weight * w_fiducial, ``selected`` = sum weight_selected.

Two-body spin correlations (``gen.core.decays.Channel.vertex``) depend on the couplings only through the
chiral ratio A : B of each vertex, which the supported couplings leave unchanged (a warning is
logged if not).

NA62 files (``[experiment] name = "na62"``, kaon-decay source) go through ``gen.reweight.meson_decay``
with the same interface (production BR ratio, cascade BR ratios, exact decay-in-volume
probabilities and vertices at the new lifetimes, the NA62 reconstruction redone); ``reweight`` and
``reweight_file`` pick the reweighter from the card's experiment and, for NA62, the file's decay path
(``_reweighter``). Files of the general NA62 path reuse items 2-3 here (``cascade_decays``,
``br_me_factors``) with the momenta in the parent-meson rest frame, where their cascade was drawn.

Masses cannot change (``ReweightError`` naming the key): they move thresholds, phase space and
Q2 limits, i.e. the kinematics themselves. Channels that were closed at the old couplings
(zero cross section or zero BR to the selected final state) were never sampled and cannot be
reweighted into (error naming the channel). Decay routes the sample cannot represent (closed at the
old couplings, or open but without a single event in the sample) whose shares at the new couplings
sum to more than 0.1/sqrt(N) are refused, naming them (``RouteCheck``, also used by
``gen.reweight.meson_decay``); ``upscattered`` carries the production factor only.
Conflicting keys (``gD`` with ``alphaD``; two of ``epsilon``, ``chi``, ``alpha_epsilon2``), values
outside the card's bounds, overflowing rates and non-finite weights are refused (``ReweightError``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
from pathlib import Path

import awkward as ak
import numba
import numpy as np
from numpy.lib.recfunctions import structured_to_unstructured

from detectors.microboone import response as ub
from detectors.miniboone import response as mb
from detectors.miniboone.response import write_histograms
from detectors.nue_elastic import response as ne
from detectors.output.particle_list import RECIPE_KEY, recipe_from_json
from detectors.output.root import EventWriter, read_events, read_metadata
from gen.card import (
    BOUND_NUCLEONS,
    CardError,
    LagrangianTable,
    ModelTable,
    RunCard,
    build_model,
    card_to_toml,
    check_bound,
    load_card,
    parse_card,
    resolved_card_dict,
)
from gen.core import kernels as _K
from gen.core.decay_adapter import decay_spec_from_physics
from gen.core.decays import _VIS_NAME, _visible_content, build_decay_graph, parse_final_state
from gen.core.flux import flux_for_experiment
from gen.errors import HnlgenError
from gen.experiments import experiment_info, get_experiment, source_entry
from gen.inputs import check_output_suffix, check_root_input
from gen.output import jsonout
from gen.sources.upscattering import _NUCLEUS_PDG, prepare
from gen.stages.base import make_stage
from physics import cross_sections as xs
from physics import pdg as pdg_codes
from physics.cross_sections import dsigma_dQ2_upscattering

__all__ = ["ReweightError", "ReweightResult", "MASS_KEYS", "card_with_couplings", "reweight", "reweight_file",
           # the cascade factors, shared with gen.reweight.meson_decay (whose cascades are the same kernel's)
           "DecayPhysics", "decay_physics", "CascadeDecays", "cascade_decays", "boost_to_rest", "br_me_factors",
           "RouteCheck", "format_couplings"]

MASS_KEYS = ("m4", "m5", "m6", "mzprime", "mhprime", "mD", "mu_prime", "Lambda")
_EITHER_OR = (("gD", "alphaD"), ("epsilon", "chi", "alpha_epsilon2"))
_NOT_COUPLINGS = ("hnl_type", "lagrangian", "flavour", "convention")
_PROJ_PDG = pdg_codes.PROJECTILE
_HNL_PDG = pdg_codes.HNL
_REGIME = {"coherent": 0, "p-el": 1, "n-el": 2}
_FLIP = {"conserving": 0, "flipping": 1}
_SLOT_N = 3
_GL_POINTS = 40
log = logging.getLogger(__name__)


class ReweightError(HnlgenError, ValueError):
    """The requested reweighting is not possible (mass change, channel closed at the old couplings)."""


# ------------------------------------------------------------------------------------------ cards
def check_conflicts(keys, option: str = "--set", error=None) -> None:
    """Refuse two keys of one either-or group (``gD``/``alphaD``; ``epsilon``/``chi``/``alpha_epsilon2``: one coupling
    written two ways, so giving both is ambiguous) and a key given twice (one line naming both)."""
    error = error or ReweightError
    keys = list(keys)
    seen = set()
    for k in keys:
        if k in seen:
            raise error(f"{option} {k} is given twice; give each key once")
        seen.add(k)
    for group in _EITHER_OR:
        both = [k for k in keys if k in group]
        if len(both) > 1:
            raise error(f"{option} {' and '.join(both)} conflict: they set the same coupling ({' / '.join(group)} are one "
                        "coupling written in different ways); give only one of them")


def check_coupling_value(key: str, value: float, option: str = "--set", error=None, lagrangian: bool = False) -> None:
    """A new coupling must be finite and inside the card's bound for that key (``gen.card.check_bound`` /
    ``CARD_BOUNDS``, the same range and physical reason ``hnlgen check`` applies to a card)."""
    error = error or ReweightError
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise error(f"{option} {key}={value!r}: must be a finite number")
    try:
        check_bound(("model.lagrangian." if lagrangian else "model.") + key, value)
    except HnlgenError as err:
        raise error(f"{option} {err}") from None


def card_with_couplings(card, **new):
    """The run card with the given couplings replaced (either-or partners cleared); masses refused."""
    d = card.model_dump(mode="json", exclude_unset=True)
    lag = card.model.lagrangian is not None
    table = d["model"]["lagrangian"] if lag else d["model"]
    allowed = set(LagrangianTable.model_fields if lag else ModelTable.model_fields) - set(_NOT_COUPLINGS)
    prefix = "model.lagrangian." if lag else "model."
    check_conflicts(new)
    for k, v in new.items():
        if k in MASS_KEYS:
            raise ReweightError(f"{prefix}{k}: masses cannot be reweighted (they change the kinematics); regenerate instead")
        if k not in allowed:
            raise ReweightError(f"{prefix}{k}: not a coupling of this card; allowed: {', '.join(sorted(allowed - set(MASS_KEYS)))}")
        for group in _EITHER_OR:
            if k in group:
                for other in group:
                    table[other] = None
        check_coupling_value(k, v, lagrangian=lag)
        table[k] = float(v)

    try:
        out = parse_card(_drop_none(d))
        m0, m1 = build_model(card), build_model(out)
    except CardError as err:  # one line: the card's list of problems joined
        lines = [ln.strip() for ln in str(err).splitlines() if ln.strip() and not ln.startswith("invalid run card")]
        raise ReweightError(f"--set {format_couplings(new)}: {'; '.join(lines) or err}") from None
    except (OverflowError, FloatingPointError, ZeroDivisionError) as err:
        raise ReweightError(f"{prefix}{format_couplings(new)}: the model cannot be built at these couplings ({err}); allowed: "
                            "finite couplings within the card's bounds (hnlgen check)") from None
    pairs = [("m_N", "m4/m5/m6"), ("m_zprime", "mzprime"), ("m_hprime", "mhprime")]
    for attr, key in pairs:
        a, b = getattr(m0, attr), getattr(m1, attr)
        if (a is None) != (b is None) or (a is not None and not np.allclose(a, b, rtol=1e-12, atol=0.0)):
            raise ReweightError(f"{prefix}{'/'.join(new)} changes the masses ({key}): masses cannot be reweighted; regenerate instead")
    return out


def _drop_none(d):
    """The card dict without unset (None) keys, as a user would have written it."""
    if isinstance(d, dict):
        return {k: _drop_none(v) for k, v in d.items() if v is not None}
    return d


def _parse_value(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ReweightError(f"value {text!r} is not a number") from None
    if not math.isfinite(v):
        raise ReweightError(f"value {text!r} is not finite (allowed: a finite number)")
    return v


# ------------------------------------------------------------------------------------ physics side
@dataclasses.dataclass
class _Physics:
    """What the factors need at one set of couplings."""

    card: object
    model: object
    chan_keys: dict  # (proj_pdg, target_pdg, regime, flip, hnl_pdg) -> row of params
    params: np.ndarray
    rate_probe: np.ndarray  # sigma at a probe energy per channel (open / closed check)
    labels: list
    species: dict  # name -> gen.core.decays.Species
    by_key: dict  # (parent pdg, daughter pdgs) -> list of (normalised BR, me2, Z)
    channels: list  # adapter channels (the file's ``channel`` code indexes them)
    decay_info: dict
    root_factor: dict  # hnl name -> BR of the selected final state
    ctau_by_pdg: dict
    shares: dict  # (parent pdg, daughter pdgs) -> share of the events through it (``route_shares``)
    names: dict  # pdg -> species name


def _physics(card) -> _Physics:
    model = build_model(card)
    exp = get_experiment(card)
    flux = flux_for_experiment(exp)
    proc = card.process
    hnl = list(proc.hnl) if proc.hnl is not None else list(model.heavy_names)
    flavours = [f for f in exp.flavours if f in flux.flavours]
    chans = xs.upscattering_channels(model, flavours, [t.name for t in exp.targets], list(proc.regimes),
                                     list(proc.helicities), bound=BOUND_NUCLEONS[proc.bound_nucleons])
    chans = [c for c in chans if c["hnl"] in hnl]
    params = xs.channel_array(c["params"] for c in chans)

    keys = {}
    for i, c in enumerate(chans):
        keys[(_PROJ_PDG[c["projectile"]], _NUCLEUS_PDG[c["target"]], _REGIME[c["regime"]], _FLIP[c["helicity"]],
              _HNL_PDG[c["hnl"]])] = i
    e_probe = float(flux.edges[-1])
    probe = np.array([xs.sigma_upscattering_array(np.array([e_probe]), params[i:i + 1])[0]
                      if e_probe > xs.upscattering_threshold(params[i]["m_N"], params[i]["M"]) else 0.0
                      for i in range(len(chans))])
    species, channels, info = decay_spec_from_physics(card, model)
    sp = {s.name: s for s in species}
    # a Dirac N produced by an antineutrino decays as the antiparticle (gen.sources.upscattering.prepare)
    roots = hnl + [h + "bar" for h in hnl if not model.is_majorana and h + "bar" in sp]
    if proc.final_state == "all":
        root_factor = {r: 1.0 for r in roots}  # the graph (and its |M|^2 tables) is only needed for a restriction
    else:
        root_factor = dict(build_decay_graph(species, channels, roots, proc.final_state).root_factor)
    d = decay_physics(species, channels, info, root_factor)
    # the roots the upscattering channels produce (gen.sources.upscattering.prepare's root_of): their routes are the sample's
    produced = {c["hnl"] + "bar" if (not model.is_majorana and c["projectile"].endswith("bar") and c["hnl"] + "bar" in sp)
                else c["hnl"] for c in chans}
    shares = route_shares(sp, channels, [r for r in roots if r in produced and root_factor.get(r, 0.0) > 0],
                          proc.final_state)
    return _Physics(card=card, model=model, chan_keys=keys, params=params, rate_probe=probe,
                    labels=[{k: v for k, v in c.items() if k != "params"} for c in chans], species=d.species,
                    by_key=d.by_key, channels=channels, decay_info=info, root_factor=root_factor,
                    ctau_by_pdg=d.ctau_by_pdg, shares=shares, names={x.pdg: x.name for x in species})


@dataclasses.dataclass
class DecayPhysics:
    """The decay side of ``_Physics``: what ``br_me_factors`` needs at one set of couplings (public: shared with
    ``gen.reweight.meson_decay``)."""

    species: dict  # name -> gen.core.decays.Species
    by_key: dict  # (parent pdg, daughter pdgs) -> list of (normalised BR, Channel, Z or None)
    channels: list
    decay_info: dict
    root_factor: dict
    ctau_by_pdg: dict  # pdg -> c tau0 (cm; gen.core.decay_adapter's, 0 for a species without a finite one)


def decay_physics(species, channels, info, root_factor) -> DecayPhysics:
    """``DecayPhysics`` from ``gen.core.decay_adapter.decay_spec_from_physics`` output: BR of every open channel
    normalised per parent, with the lazily integrated Z of the three-body ones (module docstring, items 2-3)."""
    sp = {s.name: s for s in species}
    by_parent: dict[str, float] = {}
    for c in channels:
        if c.br > 0:
            by_parent[c.parent] = by_parent.get(c.parent, 0.0) + c.br
    by_key: dict = {}
    for c in channels:
        if c.br <= 0:
            continue
        key = (sp[c.parent].pdg, tuple(sp[d].pdg for d in c.daughters))
        Z = None
        if len(c.daughters) == 3 and c.me2 is not None:
            Z = _LazyIntegral(sp[c.parent].mass, *[sp[d].mass for d in c.daughters], c.me2)
        by_key.setdefault(key, []).append((c.br / by_parent[c.parent], c, Z))
    return DecayPhysics(species=sp, by_key=by_key, channels=list(channels), decay_info=info,
                         root_factor=dict(root_factor), ctau_by_pdg={s.pdg: s.ctau0 for s in species})


@numba.njit(cache=True)
def _dalitz_points(M, m1, m2, m3, X, Y, q, jac):
    for k in range(X.shape[0]):
        m12, m23, jac[k] = _K.dalitz_from_unit(M, m1, m2, m3, X[k], Y[k])
        _K.three_body_standard_frame(M, m1, m2, m3, m12, m23, q[0, k], q[1, k], q[2, k])


def _dalitz_integral(M, m1, m2, m3, me2) -> float:
    """Phase-space integral of the unpolarised |M|^2 over the unit Dalitz square (Gauss-Legendre)."""
    x, w = np.polynomial.legendre.leggauss(_GL_POINTS)
    x, w = 0.5 * (x + 1.0), 0.5 * w
    X, Y = np.meshgrid(x, x, indexing="ij")
    W = np.outer(w, w).ravel()
    X, Y = X.ravel(), Y.ravel()
    n = X.size
    q = np.empty((3, n, 4))
    jac = np.empty(n)
    _dalitz_points(float(M), float(m1), float(m2), float(m3), X, Y, q, jac)
    A = np.asarray(me2(q[0], q[1], q[2], np.zeros((n, 3))), dtype=float)
    return float(np.sum(W * jac * np.maximum(A, 0.0)))


class _LazyIntegral:
    """Z of one three-body channel, integrated on first use (most listed channels never occur)."""

    def __init__(self, M, m1, m2, m3, me2):
        self.args = (M, m1, m2, m3, me2)
        self._value = None

    @property
    def value(self) -> float:
        if self._value is None:
            self._value = _dalitz_integral(*self.args)
        return self._value


def route_shares(species, channels, roots, final_state: str = "all") -> dict:
    """{(parent pdg, daughter pdgs): share} of the decay routes to ``final_state``: the expected number of uses
    of the channel per event whose cascade starts at a root and ends in the final state (the largest over the
    roots; each root's events are a separate population). A channel has a share > 0 exactly when the
    generator can draw it: for "all" the product of the BRs along the route, for a restricted final state
    BR_c prod D_d / D_parent along it (``gen.core.decays.build_decay_graph``, whose conditioned states this walks
    without tabulating |M|^2). ``species``: list or dict of ``gen.core.decays.Species``; ``channels``: ``Channel``s."""
    import itertools


    sp = species if isinstance(species, dict) else {x.name: x for x in species}
    by_parent: dict = {}
    for c in channels:
        if c.br > 0:
            by_parent.setdefault(c.parent, []).append(c)
    target = parse_final_state(final_state)
    memo: dict = {}

    def dist(name):
        if name not in memo:
            chs = by_parent.get(name)
            if not chs:
                memo[name] = {tuple(sorted(_visible_content(sp[name], _VIS_NAME))): 1.0}
            else:
                tot = sum(c.br for c in chs)
                out: dict = {}
                for c in chs:
                    for combo in itertools.product(*[dist(d).items() for d in c.daughters]):
                        k = tuple(sorted(sum((k for k, _ in combo), ())))
                        out[k] = out.get(k, 0.0) + c.br / tot * math.prod(q for _, q in combo)
                memo[name] = out
        return memo[name]

    def walk(name, content, p, acc, depth=0):
        if depth > 20 or p <= 0:
            return
        chs = by_parent.get(name, [])
        tot = sum(c.br for c in chs)
        for c in chs:
            key = (sp[c.parent].pdg, tuple(sp[d].pdg for d in c.daughters))
            if content is None:
                q = p * c.br / tot
                acc[key] = acc.get(key, 0.0) + q
                for d in c.daughters:
                    walk(d, None, q, acc, depth + 1)
                continue
            for combo in itertools.product(*[dist(d).items() for d in c.daughters]):
                if tuple(sorted(sum((k for k, _ in combo), ()))) != content:
                    continue
                q = p * c.br / tot * math.prod(x for _, x in combo) / dist(name)[content]
                if q > 0:
                    acc[key] = acc.get(key, 0.0) + q
                    for d, (k, _) in zip(c.daughters, combo):
                        walk(d, k, q, acc, depth + 1)

    shares: dict = {}
    for r in roots:
        if r not in sp or (target is not None and dist(r).get(target, 0.0) <= 0):
            continue
        acc: dict = {}
        walk(r, target, 1.0, acc)
        for k, v in acc.items():
            shares[k] = max(shares.get(k, 0.0), v)
    return shares


class RouteCheck:
    """Refuses a reweighting that needs decay routes the sample does not contain (the class of issue 11, item 1).

    Reweighting multiplies each event by BR'/BR along its own route; a route with no event in the sample
    contributes nothing, however large its share at the new couplings. So channels with shares s' > 0 at
    the new couplings (``route_shares``) that have no event in the sample bias the decay totals by about
    -S = -sum s' (relative; nested routes are counted twice, which only makes the check stricter). The
    reweighting is refused when S > TOLERANCE / sqrt(N) (N events in the sample, TOLERANCE = 0.1): the
    MC relative error of an N-event sample is >= 1/sqrt(N) (equal for unit weights, larger otherwise), so
    an accepted bias is below a tenth of the statistical error. Two cases, one rule:

    * the route is closed or absent at the file's couplings (share 0): refused when the reweighter is
      built (``check_closed``), before any event is read;
    * the route is open but has no event in the sample (share too small for N): refused when the totals
      are formed (``observe`` per chunk, ``check_observed`` at the end; ``reweight_file`` then leaves no output).

    ``names``: pdg -> species name, for the message.
    """

    def __init__(self, old_shares: dict, new_shares: dict, n_events: int | None, names: dict, context: str):
        self.old, self.new, self.names, self.context = old_shares, new_shares, names, context
        self.n = n_events
        self.seen: set = set()
        self.n_seen = 0

    def _label(self, key) -> str:
        def nm(code):
            return self.names.get(code, str(code))
        return f"{nm(key[0])} -> {' '.join(nm(d) for d in key[1])}"

    TOLERANCE = 0.1

    def _refuse(self, bad, n) -> bool:
        return sum(s for _, s in bad) > self.TOLERANCE / math.sqrt(max(int(n), 1))

    def check_closed(self) -> None:
        n = self.n if self.n else 1
        bad = [(k, s) for k, s in self.new.items() if self.old.get(k, 0.0) <= 0 and s > 0]
        if self._refuse(bad, n):
            raise ReweightError(self._message(bad, "closed or absent at the file's couplings", n))

    def observe(self, keys, n_events: int) -> None:
        self.seen.update(keys)
        self.n_seen += int(n_events)

    def check_observed(self) -> None:
        n = self.n_seen
        bad = [(k, s) for k, s in self.new.items() if k not in self.seen and s > 0]
        if n > 0 and self._refuse(bad, n):
            raise ReweightError(self._message(bad, f"without a single event among the file's {n} events", n))

    def _message(self, bad, why, n) -> str:
        bad = sorted(bad, key=lambda x: -x[1])
        limit = self.TOLERANCE / math.sqrt(max(n, 1))
        # name the routes that matter (share above 1% of the limit, at most 4); count the rest
        shown = [x for x in bad if x[1] > 0.01 * limit][:4] or bad[:1]
        rest = bad[len(shown):]
        routes = "; ".join(f"{self._label(k)} (share {s:.3g} of the events at the new couplings, "
                           f"{self.old.get(k, 0.0):.3g} at the file's)" for k, s in shown)
        more = f" and {len(rest)} smaller one(s) with shares summing to {sum(s for _, s in rest):.2g}" if rest else ""
        return (f"{self.context}: decay route(s) {routes}{more} {why}: the sample cannot represent them (reweighting "
                f"only rescales routes it contains; refused when the missing shares sum to more than "
                f"{self.TOLERANCE:g}/sqrt(N) = {self.TOLERANCE / math.sqrt(max(n, 1)):.2g}, a tenth of the MC error); "
                "regenerate at the new couplings")


_PHYSICS_CACHE: dict = {}


def _physics_cached(card) -> _Physics:
    """``_physics`` of the card a file was generated with, kept per process (scans reweight one sample many times)."""
    key = card.model_dump_json()
    if key not in _PHYSICS_CACHE:
        if len(_PHYSICS_CACHE) > 4:
            _PHYSICS_CACHE.clear()
        _PHYSICS_CACHE[key] = _physics(card)
    return _PHYSICS_CACHE[key]


@numba.njit(parallel=True, cache=True)
def _dsigma_ratio(E, Q2, ch, p_old, p_new, out_ratio):
    for i in numba.prange(E.shape[0]):
        a = dsigma_dQ2_upscattering(E[i], Q2[i], p_old[ch[i]])
        b = dsigma_dQ2_upscattering(E[i], Q2[i], p_new[ch[i]])
        out_ratio[i] = b / a if a > 0.0 else 0.0


@numba.njit(cache=True)
def _rescale_vertices(counts, parent, status, vtx, ratio_of_particle, new_vtx):
    """new_vtx[k] = new_vtx[parent] + (vtx[k] - vtx[parent]) * ratio[parent] below decayed parents."""
    k0 = 0
    for ev in range(counts.shape[0]):
        for i in range(counts[ev]):
            k = k0 + i
            p = parent[k]
            if p >= 0 and status[k0 + p] == 2:
                r = ratio_of_particle[k0 + p]
                for c in range(4):
                    new_vtx[k, c] = new_vtx[k0 + p, c] + (vtx[k, c] - vtx[k0 + p, c]) * r
            else:
                for c in range(4):
                    new_vtx[k, c] = vtx[k, c]
        k0 += counts[ev]


@numba.njit(cache=True)
def _named_vertex_offsets(counts, pdg, parent, status, shift, out_ndecay, out_ell):
    """Shifts of ``N_decay_vertex`` (first daughter of slot 3) and ``ell_vertex`` (first final l-)."""
    k0 = 0
    for ev in range(counts.shape[0]):
        fn = False
        fl = False
        for i in range(counts[ev]):
            k = k0 + i
            if not fn and i > 3 and parent[k] == 3:
                fn = True
                for c in range(4):
                    out_ndecay[ev, c] = shift[k, c]
            p = pdg[k]
            if not fl and status[k] == 1 and (p == pdg_codes.ELECTRON or p == pdg_codes.MUON or p == pdg_codes.TAU):
                fl = True
                for c in range(4):
                    out_ell[ev, c] = shift[k, c]
        k0 += counts[ev]


def boost_to_rest(q, P):
    """Boost four-vectors q (n, 4) into the rest frame of P (n, 4) (pure boost, -beta)."""
    b = -P[:, :3] / P[:, 3:4]
    b2 = np.sum(b * b, axis=1)
    g = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(b * q[:, :3], axis=1)
    g2 = np.where(b2 > 0, (g - 1.0) / np.where(b2 > 0, b2, 1.0), 0.0)
    out = np.empty_like(q)
    out[:, :3] = q[:, :3] + (g2 * bp + g * q[:, 3])[:, None] * b
    out[:, 3] = g * (q[:, 3] + bp)
    return out


@dataclasses.dataclass
class CascadeDecays:
    """The decays of a chunk's particle lists, flattened (events in order)."""

    counts: np.ndarray  # particles per event
    offsets: np.ndarray  # index of each event's first particle
    ev_of: np.ndarray  # event of each particle
    flat: dict  # the particle fields, flattened
    pdg: np.ndarray
    status: np.ndarray
    parent: np.ndarray  # within the event (-1: none)
    p4: np.ndarray  # (particles, 4): px, py, pz, E (GeV)
    vtx: np.ndarray  # (particles, 4): x, y, z (cm), t (ns)
    dec: np.ndarray  # flat indices of the decays
    dau_idx: np.ndarray  # (decays, 3): flat indices of the daughters (-1 beyond their number)
    uk: np.ndarray  # distinct (parent pdg, number of daughters, daughter pdgs) rows
    inv: np.ndarray  # row of uk of each decay


def cascade_decays(particles, first_slot: int = 0) -> CascadeDecays:
    """Decays (particles with status 2 and their daughters) of the particle lists, from slot ``first_slot`` on
    (``gen.reweight.meson_decay`` leaves out the parent-meson decay of the production step)."""
    counts = ak.to_numpy(ak.num(particles)).astype(np.int64)
    flat = {k: ak.to_numpy(ak.flatten(particles[k])) for k in particles.fields}
    pdg = flat["pdg"].astype(np.int64)
    status = flat["status"].astype(np.int64)
    parent = flat["parent"].astype(np.int64)
    n = counts.size
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    ev_of = np.repeat(np.arange(n), counts)
    gpar = np.where(parent >= 0, offsets[ev_of] + parent, -1)
    is_child = (gpar >= 0) & (status[np.maximum(gpar, 0)] == 2) & (parent >= first_slot)
    child_idx = np.nonzero(is_child)[0]
    par_of_child = gpar[child_idx]
    dec, first, ndau = np.unique(par_of_child, return_index=True, return_counts=True)
    p4 = np.stack([flat[c] for c in ("px", "py", "pz", "E")], axis=1).astype(np.float64)
    vtx = np.stack([flat[c] for c in ("x", "y", "z", "t")], axis=1).astype(np.float64)
    dau = np.zeros((dec.size, 3), np.int64)
    dau_idx = np.full((dec.size, 3), -1, np.int64)
    for j in range(3):
        has = ndau > j
        dau_idx[has, j] = child_idx[first[has] + j]
        dau[has, j] = pdg[dau_idx[has, j]]
    keys = np.column_stack([pdg[dec], ndau, dau])
    uk, inv = np.unique(keys, axis=0, return_inverse=True)
    return CascadeDecays(counts=counts, offsets=offsets, ev_of=ev_of, flat=flat, pdg=pdg, status=status, parent=parent,
                          p4=p4, vtx=vtx, dec=dec, dau_idx=dau_idx, uk=uk, inv=inv.ravel())


def br_me_factors(old, new, cd: CascadeDecays, p4: np.ndarray, slot_N: int, pol_N: np.ndarray, warned: set):
    """Per decay of ``cd``: BR(new)/BR(old) and, for three-body decays, the normalised |M|^2 ratio (module
    docstring, items 2-3). Returns (factor per decay, [(channel key, indices into cd.dec)]).

    ``old``/``new``: ``DecayPhysics`` (or ``_Physics``) at the two couplings. ``p4`` (particles, 4; GeV):
    the momenta in the frame where the particle in slot ``slot_N`` has the longitudinal polarisation
    ``pol_N`` (per event) along its momentum and every later generation is unpolarised (the frame the
    cascade kernel was given: the lab for upscattering, the parent-meson rest frame for NA62).
    """
    factor_dec = np.ones(cd.dec.size)
    groups = []
    for g, row in enumerate(cd.uk):
        sel = np.nonzero(cd.inv == g)[0]
        key = (int(row[0]), tuple(int(x) for x in row[2:2 + int(row[1])]))
        if key not in old.by_key and (-key[0], key[1]) in old.by_key:
            # a Dirac N made by an antineutrino keeps the N code in slot 3 but decays as N-bar
            key = (-key[0], key[1])
        olds = old.by_key.get(key)
        news = new.by_key.get(key, [])
        if not olds:
            raise ReweightError(f"decay {key} found in the events is not in the decay table at the old couplings")
        pidx = cd.dec[sel]
        if any(Z is not None for _, _, Z in olds + news) and int(row[1]) == 3:
            P = p4[pidx]
            q = [boost_to_rest(p4[cd.dau_idx[sel, j]], P) for j in range(3)]
            local = pidx - cd.offsets[cd.ev_of[pidx]]
            pol = np.where(local == slot_N, pol_N[cd.ev_of[pidx]], 0.0)
            pabs = np.linalg.norm(P[:, :3], axis=1)
            s = P[:, :3] / np.where(pabs > 0, pabs, 1.0)[:, None] * pol[:, None]

            num, den = _three_body_density(news, q, s), _three_body_density(olds, q, s)
        else:
            num = np.full(sel.size, sum(br for br, _, _ in news))
            den = np.full(sel.size, sum(br for br, _, _ in olds))
            _check_vertex_shape(key, olds, news, warned)
        factor_dec[sel] = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
        groups.append((key, sel))
    return factor_dec, groups


def _three_body_density(entries, q, s) -> np.ndarray:
    """sum over the channels of one decay key of BR_c |M_c|^2 / Z_c at daughter momenta q (3 x (n, 4), parent rest
    frame) and parent polarisation vectors s (n, 3); BR_c alone for a channel without |M|^2."""
    tot = np.zeros(q[0].shape[0])
    for br, c, Z in entries:
        if Z is None or Z.value <= 0:
            tot += br
        else:
            tot += br * np.maximum(np.asarray(c.me2(q[0], q[1], q[2], s), dtype=float), 0.0) / Z.value
    return tot


def _check_vertex_shape(key, olds, news, warned: set) -> None:
    """Warn once per decay key when the chiral structure (A : B) of a spin-correlated two-body vertex changes.

    The chain |M|^2 of ``gen.core.decays`` (``Channel.vertex``) depends on the couplings only through
    the ratio A : B of each vertex; when it is unchanged (a kinetic-mixing Z' is vector-like, N -> nu Z'
    is purely left-handed) the angular shapes are unchanged and the BR ratio is the whole factor.
    """
    def ratio(entries):
        out = []
        for _, c, _ in entries:
            v = getattr(c, "vertex", None)
            if v is not None:
                A, B = complex(v.A), complex(v.B)
                n = math.hypot(abs(A), abs(B))
                out.append((A / n, B / n) if n > 0 else (0j, 0j))
        return out

    ro, rn = ratio(olds), ratio(news)
    if ro and rn and any(abs(a[0] - b[0]) + abs(a[1] - b[1]) > 1e-9 for a, b in zip(ro, rn)) and key not in warned:
        warned.add(key)
        log.warning("decay %s: the chiral structure of its vertex changes with the couplings; its spin-correlated angular "
                    "shape is not reweighted (BR ratio only)", key)


# ------------------------------------------------------------------------------------------ result
@dataclasses.dataclass
class ReweightResult:
    """New weights (per event), the factors they are made of, and the new expected totals.

    ``totals``: ``{"upscattered", "final_state", "in_fiducial_volume"}`` (and ``"selected"`` with the
    MiniBooNE detector stage) with ``*_error`` (MC, 1 sigma: sqrt(sum w^2 - (sum w)^2 / N)), plus
    ``effective_sample_size``; for NA62 files ``{"produced", "final_state", "accepted"}`` and
    ``n_kaon_decays`` (``gen.reweight.meson_decay``).
    """

    weights: np.ndarray
    factors: dict
    totals: dict
    card: object
    events: ak.Array | None = None  # the events with new weights (and rescaled vertices)


class _Reweighter:
    def __init__(self, old_card, lifetime: str = "rescale", seed: int | None = None, n_events: int | None = None, **new):
        if lifetime not in ("rescale", "weight"):
            raise ValueError(f"lifetime = {lifetime!r}: allowed 'rescale', 'weight'")
        if not new:
            raise ReweightError("no coupling to set (give e.g. epsilon=..., gD=..., Umu4=...)")
        if source_entry(experiment_info(old_card.experiment.name).source, "reweighter") is not None:
            raise ReweightError("meson-decay (NA62) events are reweighted by their source's reweighter, gen.reweight.meson_decay "
                                "(use _reweighter)")
        self.lifetime = lifetime
        self.seed = old_card.run.seed if seed is None else int(seed)
        self._stage = None
        self._warned: set = set()
        self.new_values = dict(new)
        self.old = _physics_cached(old_card)
        try:
            with np.errstate(all="ignore"):  # overflow is detected below (_check_finite_physics), not printed
                self.new = _physics(card_with_couplings(old_card, **new))
        except (OverflowError, FloatingPointError, ZeroDivisionError) as err:
            raise ReweightError(f"reweight to {format_couplings(new)}: the rates or widths overflow at these couplings ({err}); "
                                "allowed: couplings within the card's bounds (hnlgen check)") from None
        _check_finite_physics(self.new, new, self.old)
        for key, i in self.old.chan_keys.items():
            if self.old.rate_probe[i] <= 0 and self.new.rate_probe[self.new.chan_keys[key]] > 0:
                raise ReweightError(f"upscattering channel {self.old.labels[i]} is closed at the old couplings and open at the new: "
                                    "it was never sampled; regenerate")
        for h, f in self.old.root_factor.items():
            if f <= 0 and self.new.root_factor.get(h, 0.0) > 0:
                raise ReweightError(f"{h} cannot reach final_state = {old_card.process.final_state!r} at the old couplings but can at "
                                    "the new: those events were never generated; regenerate")
        self.routes = RouteCheck(self.old.shares, self.new.shares, n_events, {**self.old.names, **self.new.names},
                                 f"reweight to {format_couplings(new)}")
        self.routes.check_closed()
        order = sorted(self.old.chan_keys, key=self.old.chan_keys.get)
        self.p_old = self.old.params[[self.old.chan_keys[k] for k in order]]
        self.p_new = self.new.params[[self.new.chan_keys[k] for k in order]]
        self.key_index = {k: i for i, k in enumerate(order)}
        # the file's channel code indexes the adapter channel list; map old codes to new ones
        new_idx = {(c.parent, c.daughters): j for j, c in enumerate(self.new.channels)}
        self.channel_map = np.array([new_idx.get((c.parent, c.daughters), -1) for c in self.old.channels] or [-1], dtype=np.int64)

    # -- interface shared with gen.reweight.meson_decay._NA62Reweighter (used by reweight / reweight_file)
    total_keys = ("upscattered", "final_state", "in_fiducial_volume", "selected")

    @property
    def new_card(self):
        return self.new.card

    def total_arrays(self, new_ev) -> dict:
        """Per-event contributions to each total (``_Sums.add``)."""
        return _total_arrays(self, new_ev)

    def totals(self, sums) -> dict:
        """The new expected totals with MC errors from the accumulated sums; refuses (``RouteCheck``) when a decay route
        with a share above 1/N at the new couplings has no event in the sample."""
        self.routes.check_observed()
        return sums.totals(self.excluded_rate())

    def model_metadata(self) -> str:
        """The ``model`` metadata of the new file (model summary and decay table at the new couplings)."""
        return jsonout.dumps({"model": self.new.model.summary(), "decays": self.new.decay_info}, default=float)

    def write_histograms(self, root_file) -> None:
        """The detector stage's TH1Ds at the new couplings (when the stage was redone)."""
        if self._stage is not None and self._stage.hists.hists is not None:

            write_histograms(root_file, self._stage.hists.hists)

    # -- per chunk
    def production_factor(self, ev) -> np.ndarray:
        cols = [ak.to_numpy(ev[f]).astype(np.int64) for f in ("projectile_pdg", "target_pdg", "regime", "helicity_flip", "hnl_pdg")]
        keys = np.stack(cols, axis=1)
        uniq, inv = np.unique(keys, axis=0, return_inverse=True)
        ch = np.empty(len(ev), np.int64)
        inv = inv.ravel()
        for j, row in enumerate(uniq):
            k = tuple(int(x) for x in row)
            if k not in self.key_index:
                raise ReweightError(f"events of channel {k} are not among the card's channels (file and card disagree)")
            ch[inv == j] = self.key_index[k]
        out = np.empty(len(ev))
        _dsigma_ratio(ak.to_numpy(ev.E_nu).astype(np.float64), ak.to_numpy(ev.Q2).astype(np.float64), ch,
                      self.p_old, self.p_new, out)
        return out

    def decay_factor(self, ev):
        """(factor per event, per-particle decay-length ratio, flat particle arrays)."""
        n = len(ev)
        cd = cascade_decays(ev.particles)
        helicity = ak.to_numpy(ev.helicity).astype(np.float64)
        factor_dec, groups = br_me_factors(self.old, self.new, cd, cd.p4, _SLOT_N, helicity, self._warned)
        self.routes.observe([key for key, _ in groups], n)
        ratio_len = np.ones(cd.pdg.size)
        for key, sel in groups:
            # decay length
            pidx = cd.dec[sel]
            c_old = self.old.ctau_by_pdg.get(key[0], 0.0)
            c_new = self.new.ctau_by_pdg.get(key[0], 0.0)
            if c_old > 0:
                r = c_new / c_old
                if self.lifetime == "rescale":
                    ratio_len[pidx] = r
                else:
                    d = np.linalg.norm(cd.vtx[cd.dau_idx[sel, 0], :3] - cd.vtx[pidx, :3], axis=1)
                    P = cd.p4[pidx]
                    pabs = np.linalg.norm(P[:, :3], axis=1)
                    m = np.sqrt(np.maximum(P[:, 3] ** 2 - pabs**2, 0.0))
                    L_old = c_old * pabs / np.where(m > 0, m, 1.0)
                    if r > 0:
                        L_new = L_old * r
                        with np.errstate(divide="ignore", invalid="ignore"):
                            f = np.where(L_old > 0, (L_old / L_new) * np.exp(-d / L_new + d / L_old), 1.0)
                    else:
                        f = np.zeros(sel.size)
                    factor_dec[sel] *= f
        per_event = np.ones(n)
        np.multiply.at(per_event, cd.ev_of[cd.dec], factor_dec)
        return per_event, ratio_len, (cd.counts, cd.parent, cd.status, cd.pdg, cd.vtx, cd.flat)

    def apply(self, ev) -> tuple[ak.Array, np.ndarray, np.ndarray, np.ndarray]:
        """(new events, new weights, production factor, decay factor) of one chunk."""
        fp = self.production_factor(ev)
        fd, ratio_len, (counts, parent, status, pdg, vtx, flat) = self.decay_factor(ev)
        w_old = ak.to_numpy(ev.weight).astype(np.float64)
        w_new = w_old * fp * fd
        # the upscattering rate per event at the new couplings: production factor only (no decay factor)
        self._upscattered = w_old * fp / self._br_final_state(ev, self.old.root_factor)
        out = ak.with_field(ev, w_new, "weight")
        if "weight_original" not in ev.fields:
            out = ak.with_field(out, w_old, "weight_original")
        ch = ak.to_numpy(ev.channel).astype(np.int64)
        out = ak.with_field(out, np.where(ch >= 0, self.channel_map[np.clip(ch, 0, None)], -1).astype(np.int32), "channel")
        if self.lifetime == "rescale" and np.any(ratio_len != 1.0):
            new_vtx = np.empty_like(vtx)
            _rescale_vertices(counts, parent, status, vtx, ratio_len, new_vtx)
            shift = new_vtx - vtx
            o_n = np.zeros((len(ev), 4))
            o_l = np.zeros((len(ev), 4))
            _named_vertex_offsets(counts, pdg, parent, status, shift, o_n, o_l)
            fields = {k: flat[k] for k in ev.particles.fields}
            for c, name in enumerate(("x", "y", "z", "t")):
                fields[name] = new_vtx[:, c].astype(flat[name].dtype)
            out = ak.with_field(out, ak.unflatten(ak.zip(fields), counts), "particles")
            for vname, off in (("N_decay_vertex", o_n), ("ell_vertex", o_l)):
                if vname in ev.fields:
                    rec = {c: ak.to_numpy(ev[vname][c]) + off[:, j] for j, c in enumerate(("x", "y", "z", "t"))}
                    out = ak.with_field(out, ak.zip(rec), vname)
        if _has_detector(ev):
            out = self._redo_detector(out)
        return out, w_new, fp, fd

    def _redo_detector(self, ev):
        """Strip the detector fields and apply the experiment's stage (MiniBooNE, MINERvA, CHARM-II) again at the new lifetimes.

        ``gen.stages.base`` draws the vertex, the fiducial decay point and the smearing from
        ``gen.core.rng`` streams of (seed, block): rerunning it on the reweighted truth gives exactly the
        reconstructed file a run at the new couplings would give for these events (the exact
        fiducial decay probability follows the new c tau0).
        """
        import types

        response = experiment_info(self.old.card.experiment.name).detector_response
        if response == "miniboone":
            drop = set(mb.RECO_BRANCHES) | {"vertex"}
        elif response in ne.NUE_RESPONSES:
            # MINERvA / CHARM-II: the smearing normals come from the same (seed, block) streams, so the
            # reconstructed events are those of a run at the new couplings (issue 13)
            drop = set(ne.NUE_RECO_BRANCHES)
        elif response == "microboone_epem":  # same block streams (gen.stages.microboone)
            drop = set(ub.RECO_BRANCHES) | {"vertex"}
        else:
            raise ReweightError(f"detector fields of experiment {self.old.card.experiment.name!r} cannot be recomputed")
        fields = {k: ev[k] for k in ev.fields if k not in drop}
        fields["w_fiducial"] = np.ones(len(ev))
        truth = ak.zip(fields, depth_limit=1)
        if self._stage is None:
            self._stage = make_stage(types.SimpleNamespace(card=self.new.card, model=self.new.model), self.seed)
        return self._stage.apply(truth)

    @staticmethod
    def _br_final_state(ev, rf) -> np.ndarray:
        """BR(N -> final state) per event (``rf``: root species -> BR), 1 where the file's N has none (never sampled)."""
        hnl = ak.to_numpy(ev.hnl_pdg)
        anti = ak.to_numpy(ev.projectile_pdg) < 0
        br = np.ones(len(ev))
        for name, code in _HNL_PDG.items():
            if name in rf:
                br[hnl == code] = rf[name]
            if name + "bar" in rf:
                br[(hnl == code) & anti] = rf[name + "bar"]
        return np.where(br > 0, br, 1.0)

    def upscattered_weights(self, ev, w_new) -> np.ndarray:
        """The upscattering rate per event at the new couplings: weight_old * production factor / BR_old(final state).

        Production does not depend on decays, so no decay factor enters: the old weight divided by the old
        BR(final state) is sigma(g)/q per event, and the production factor carries it to sigma(g')/q (issue 11,
        item 1: dividing the fully reweighted weight by the new BR picked up every missing decay route)."""
        up = getattr(self, "_upscattered", None)
        if up is None or len(up) != len(ev):
            raise RuntimeError("upscattered_weights: call apply() on the same chunk first")
        return up

    def excluded_rate(self) -> float:
        """Upscattering rate at the new couplings of the channels whose N cannot reach the final state at the file's
        couplings (never sampled; from the tables). Channels excluded only at the new couplings are in the sample."""
        if all(f > 0 for f in self.old.root_factor.values()):
            return 0.0

        old, new = prepare(self.old.card), prepare(self.new.card)
        return float(new.ch_rate_table[old.ch_br <= 0].sum())


def _reweighter(card, lifetime: str = "rescale", seed: int | None = None, na62_path: str | None = None,
                n_events: int | None = None, **new):
    """The reweighter of the card's experiment: upscattering (``_Reweighter``) or NA62 (``gen.reweight.meson_decay``;
    ``na62_path``: the file's ``na62_path``, ``"general"`` (this hnlgen) or ``"dedicated"`` (hnlgen before issue 12,
    refused by ``gen.reweight.meson_decay``), None: unknown)."""
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            # a source with a reweighter of its own (meson decays: gen.reweight.meson_decay.na62_reweighter, which builds
            # on this module's cascade factors, hence found through the registry and not imported here)
            source_rw = source_entry(experiment_info(card.experiment.name).source, "reweighter")
            if source_rw is not None:
                return source_rw(card, lifetime=lifetime, seed=seed, path=na62_path, n_events=n_events, **new)
            return _Reweighter(card, lifetime=lifetime, seed=seed, n_events=n_events, **new)
    except (OverflowError, FloatingPointError, ZeroDivisionError) as err:
        # e.g. chi = 1e300: the widths overflow (issue 11, item 7); never a traceback
        raise ReweightError(f"reweight to {format_couplings(new)}: the rates or widths overflow at these couplings ({err}); "
                            "allowed: couplings within the card's bounds (hnlgen check)") from None


def _na62_path_of(events=None, meta=None) -> str | None:
    """The NA62 decay path of a file (its ``na62_path`` metadata) or of an event array (hnlgen writes the particle
    list ``particles``; the dedicated path of hnlgen before issue 12 did not); None when unknown."""
    if meta is not None and meta.get("na62_path"):
        return str(meta["na62_path"])
    if events is not None:
        return "general" if "particles" in events.fields else "dedicated"
    return None


def _check_finite_physics(ph, new: dict, old=None) -> None:
    """The new couplings' cross-section parameters, BRs and lifetimes must be finite where the file's are (else the
    weights are inf/NaN; some parameters are infinite by design, e.g. an absent cut-off)."""
    bad = []
    # every number of the channel records (physics.cross_sections.CHANNEL_DTYPE) as one complex array
    new_p = structured_to_unstructured(ph.params, dtype=np.complex128)
    old_p = structured_to_unstructured(old.params, dtype=np.complex128) if old is not None else None
    ok = np.isfinite(old_p) if old_p is not None and old_p.shape == new_p.shape else np.ones(new_p.shape, bool)
    if np.any(np.isnan(new_p)) or not np.all(np.isfinite(new_p[ok])):
        bad.append("cross-section parameters")
    if not all(math.isfinite(c.br) for c in ph.channels):
        bad.append("branching ratios")
    if not all(math.isfinite(v) or v == math.inf for v in ph.ctau_by_pdg.values()):
        bad.append("lifetimes")
    if bad:
        raise ReweightError(f"reweight to {format_couplings(new)}: {', '.join(bad)} are not finite at these couplings; allowed: "
                            "couplings within the card's bounds (hnlgen check)")


def _check_finite_weights(rw, w) -> None:
    """Last guard: a new weight that is inf or NaN is refused (never written, never summed)."""
    if not np.all(np.isfinite(w)):
        raise ReweightError(f"reweight to {format_couplings(rw.new_values)}: {int(np.count_nonzero(~np.isfinite(w)))} new weights are "
                            "not finite (the couplings are outside the range where the rates can be computed); allowed: "
                            "couplings within the card's bounds (hnlgen check)")


def _check_finite_totals(rw, totals: dict) -> dict:
    """Last guard on the totals: sums of finite weights can still overflow (sum w^2 for w ~ 1e154)."""
    bad = [k for k, v in totals.items() if isinstance(v, float) and not math.isfinite(v)]
    if bad:
        raise ReweightError(f"reweight to {format_couplings(rw.new_values)}: the totals {', '.join(bad)} are not finite (the couplings "
                            "are outside the range where the rates can be computed); allowed: couplings within the card's "
                            "bounds (hnlgen check)")
    return totals


def format_couplings(new: dict) -> str:
    """``{"Umu4": 1e-3, "gD": 0.5}`` -> ``"Umu4=0.001 gD=0.5"`` (the couplings of a reweighting, for messages)."""
    return " ".join(f"{k}={v:g}" for k, v in new.items())


def _has_detector(ev) -> bool:
    return "weight_selected" in ev.fields


def _total_arrays(rw, new_ev) -> dict:
    w = ak.to_numpy(new_ev.weight).astype(np.float64)
    out = {"upscattered": rw.upscattered_weights(new_ev, w), "final_state": w,
           "in_fiducial_volume": w * ak.to_numpy(new_ev.w_fiducial).astype(np.float64)}
    if _has_detector(new_ev):
        out["selected"] = ak.to_numpy(new_ev.weight_selected).astype(np.float64)
    return out


class _Sums:
    def __init__(self):
        self.n = 0
        self.s = {}

    def add(self, **arrays):
        for k, x in arrays.items():
            s, s2 = self.s.get(k, (0.0, 0.0))
            self.s[k] = (s + float(np.sum(x)), s2 + float(np.sum(x * x)))
        self.n += len(next(iter(arrays.values())))

    def totals(self, extra_upscattered: float = 0.0) -> dict:
        out = {}
        for k, (s, s2) in self.s.items():
            out[k] = s + (extra_upscattered if k == "upscattered" else 0.0)
            out[k + "_error"] = math.sqrt(max(s2 - s * s / self.n, 0.0)) if self.n else math.nan
        s, s2 = self.s.get("final_state", (0.0, 0.0))
        out["effective_sample_size"] = s * s / s2 if s2 > 0 else 0.0
        out["events"] = self.n
        return out


def reweight(events_or_file, card=None, *, lifetime: str = "rescale", seed: int | None = None, **new_couplings) -> ReweightResult:
    """New weights and expected totals at new couplings (masses fixed): see the module docstring.

    Parameters
    ----------
    events_or_file : awkward Array or path
        Events in the ``gen.core.events`` layout (NA62 cards: the ``gen.sources.meson_decay_run`` layout), or a ROOT file
        written by ``hnlgen run`` (its stored run card is used when ``card`` is None).
    card : RunCard or path, optional
        The card the events were generated with (required for an array).
    lifetime : "rescale" or "weight"
        How decay distances follow the new lifetimes (module docstring, item 4; NA62:
        ``gen.reweight.meson_decay``).
    seed : int, optional
        Run seed of the events (a file's ``seed`` metadata, else the card's): the detector stage,
        when the events carry one, is redone with its streams.
    **new_couplings
        Card keys of ``[model]`` (or ``[model.lagrangian]``): ``epsilon=1e-3``, ``gD=0.5``, ``Umu4=...``.
    """
    if isinstance(events_or_file, (str, os.PathLike)):

        path = events_or_file
        check_root_input(path, "reweight")
        events = read_events(path)
        if card is None:
            card = _card_from_file(path)
        if seed is None:
            seed = _seed_from_file(path)
    else:
        events = events_or_file
    if card is None:
        raise ValueError("reweight: give the run card the events were generated with")
    if not isinstance(card, RunCard):
        card = load_card(card)
    rw = _reweighter(card, lifetime=lifetime, seed=seed, na62_path=_na62_path_of(events), n_events=len(events),
                     **new_couplings)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below, not printed
        out, w, fp, fd = rw.apply(events)
    _check_finite_weights(rw, w)
    sums = _Sums()
    sums.add(**rw.total_arrays(out))
    return ReweightResult(weights=w, factors={"production": fp, "decay": fd}, totals=_check_finite_totals(rw, rw.totals(sums)),
                          card=rw.new_card, events=out)


def _seed_from_file(path):
    meta = read_metadata(path)
    return int(meta["seed"]) if "seed" in meta else None


def _card_from_file(path):
    import tomllib


    meta = read_metadata(path)
    if "run_card" not in meta:
        raise ReweightError(f"{path}: no run_card metadata (not written by hnlgen run)")
    return parse_card(tomllib.loads(meta["run_card"]))


def reweight_file(path, out=None, *, lifetime: str = "rescale", chunk_size: int = 1 << 17, **new_couplings) -> tuple[Path, dict]:
    """Stream ``path`` into a new ROOT file at new couplings; returns (output path, new totals).

    The output (default ``<stem>_reweighted.root``) is written as ``<out>.partial`` and renamed when
    complete (``detectors.output.root.EventWriter``), so it may even replace ``path``. Its metadata is
    the input's with the new run card, the new model/decay table, the new expected events and a
    ``reweight`` record (old and new couplings, source file).
    """
    import uproot


    path = Path(path)
    check_root_input(path, "reweight")
    out = Path(out) if out is not None else path.with_name(path.stem + "_reweighted.root")
    check_output_suffix(out, "reweight", error=ReweightError)
    card = _card_from_file(path)
    meta = read_metadata(path)
    with uproot.open(path) as f:
        n_total = f["events"].num_entries
    na62_path = _na62_path_of(meta=meta)
    if na62_path is None and experiment_info(card.experiment.name).meson_decay and n_total:
        na62_path = _na62_path_of(read_events(path, entry_start=0, entry_stop=1))
    rw = _reweighter(card, lifetime=lifetime, seed=int(meta["seed"]) if "seed" in meta else None, na62_path=na62_path,
                     n_events=n_total, **new_couplings)
    sums = _Sums()
    # a compact input stays compact (its recipe describes the same cascades at any couplings); the writer checks
    # every event against the rebuild again, so a list the new vertices no longer match is simply stored
    recipe = recipe_from_json(meta[RECIPE_KEY]) if RECIPE_KEY in meta else None
    with EventWriter(out, record="compact" if recipe is not None else "full", particles_recipe=recipe) as writer:
        for start in range(0, n_total, chunk_size):
            ev = read_events(path, entry_start=start, entry_stop=min(n_total, start + chunk_size))
            with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below, not printed
                new_ev, _w, _fp, _fd = rw.apply(ev)
            _check_finite_weights(rw, _w)
            sums.add(**rw.total_arrays(new_ev))
            writer.write(new_ev)
        totals = _check_finite_totals(rw, rw.totals(sums))
        new_meta = dict(meta)
        new_meta.pop("awkward_form", None)
        new_meta.pop(RECIPE_KEY, None)  # the writer stores its own
        new_meta["run_card"] = card_to_toml(resolved_card_dict(rw.new_card))
        new_meta["model"] = rw.model_metadata()
        old_exp = json.loads(meta.get("expected_events", "{}") or "{}")
        new_meta["expected_events"] = jsonout.dumps({
            "expected_events": {k: totals[k] for k in rw.total_keys if k in totals},
            "errors": {k: totals[k + "_error"] for k in rw.total_keys if k in totals},
            "mc_rel_error": totals["final_state_error"] / totals["final_state"] if totals["final_state"] > 0 else None,
            "events_generated": old_exp.get("events_generated", totals["events"]),
            "effective_sample_size": totals["effective_sample_size"],
        })
        new_meta["reweight"] = jsonout.dumps({"source": str(path), "set": rw.new_values, "lifetime": lifetime,
                                           "previous_expected_events": old_exp.get("expected_events")})
        writer.metadata.update(new_meta)
        rw.write_histograms(writer.root_file)
    return out, totals
