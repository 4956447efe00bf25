"""``hnlgen run`` on an NA62 card: K+ (or pi+) -> l_a+ N, N -> ... -> l_b+ l_b- (+ invisible) in NA62.

Card (``gen.card``): ``[experiment] name = "na62"`` with ``n_kaon_decays`` (N_K^Fid; default seed 004
Table I: 2.14e11 for ``final_state = "e+e-"``, 7.94e11 for ``"mu+mu-"``), ``parent`` (K+ or pi+),
``production_lepton`` (l_a: e or mu), ``beam_momentum`` (GeV, 75), ``beam_momentum_spread``
(relative rms, 0.01), ``fiducial_z`` ([10500, 18000] cm); ``[process] final_state`` picks l_b and
``hnl`` the heavy neutrino (default the lightest, N4).

The N decay: every route of the decay table that ends in the final state (N -> nu Z' -> nu l_b l_b on
shell, three-body N -> nu l_b l_b through off-shell Z'/Z/W, N5 -> N4 l_b l_b, N -> nu h', ...), through the
generator's decay graph and cascade kernel (``gen.sources.meson_decay``, whose docstring has the
sampling, the exact N spin, the vertices and the weight). This is the one NA62 path: files record
``na62_path = "general"`` in their metadata (files of the dedicated N -> nu Z' kernel of hnlgen before
issue 12 say ``"dedicated"``; ``hnlgen reweight`` refuses them, ``gen.reweight.meson_decay``).

The NA62 observables come from ``detectors.na62.response.reconstruct``.

Reproducibility as in the upscattering generator (``gen.core.rng``): events in fixed blocks of
``BLOCK_SIZE``; block b draws its production uniforms from ``block_rng(seed, b, PURPOSE_PRODUCTION)``, its
cascade seeds and flight uniforms from ``PURPOSE_DECAY`` and its detector smearing from ``block_rng(seed, b, PURPOSE_DETECTOR)``, so the output
does not depend on the chunk size. A chunk runs the kernels on ``BLOCKS_PER_BATCH`` blocks at a time
(``gen.sources.meson_decay.generate_na62_into``: the records of ``generate_na62_general`` written straight into
the chunk's columns, scratch arrays in one reused ``NA62Workspace``) with the exposure N_K^Fid/n per event, so
every weight is N_K^Fid/n * (...) and the weights of the whole run sum to the expected number of decays with
the visible vertex before the end of the fiducial volume.

Event records (truth): ``event``, ``weight``, the Momentum4D records ``K``, ``a`` (l_a+), ``N``,
``nu``, ``Zp``, ``bm`` (l_b-), ``bp`` (l_b+) (GeV, beam frame: kaon along +z from the target),
decay points ``vtx_K``, ``vtx_N``, ``vtx_Zp`` (x, y, z in cm, t in ns: the production vertex of the particle-list
entries produced there, bit for bit), and ``P_fv``, ``P_dec_N``,
``P_dec_Zp``, ``pol_N_lab``, ``vtx_pair`` (x, y, z, t: production vertex of the l_b pair, what the reconstruction uses), ``P_dec`` (probability
that every visible vertex precedes z_end), ``channel`` (N decay channel, index into ``decays.channels``
of the ``model`` JSON) and the HepMC-like ``particles`` list (``gen.sources.meson_decay``); ``nu`` and
``Zp`` are the first light neutrino and Z' of the cascade (zeros if none) and ``vtx_Zp`` the first Z'
decay point (zeros if none). Reconstructed (``reconstruct=True``): the flat fields of
``NA62_RECO_DOCS``.
"""

from __future__ import annotations

import contextlib
import math
import sys
import threading
import time
from collections.abc import Iterator

import awkward as ak
import numba
import numpy as np

from detectors.miniboone.response import fill_histogram, write_histograms
from detectors.na62 import response as na62
from detectors.output.root import EventWriter
from detectors.output.storage import COMPACT_FIELD
from detectors.output.writer_thread import BackgroundWriter
from gen import __version__
from gen.card import (
    NA62_FINAL_STATES,
    CardError,
    build_model,
    card_to_toml,
    na62_settings,
    parse_card,
    resolve_run,
    resolved_card_dict,
)
from gen.core import rng as R
from gen.core.event_kernel import thread_pool
from gen.core.events import COMPACT_FALLBACK
from gen.core.exact_sum import ExactSum
from gen.experiments import experiment_info, experiment_names
from gen.output import jsonout
from gen.output.docs import NA62_RECO_DOCS, NA62_TRUTH_DOCS, event_branch_titles, summary_json
from gen.sources.meson_decay import (
    NA62_LIST_P4,
    NA62_LIST_VERTICES,
    EventColumns,
    NA62Beam,
    NA62Uniforms,
    NA62Workspace,
    build_general_decays,
    generate_na62_general,
    generate_na62_into,
    nu_zprime_route_brs,
)
from gen.stages.base import HistogramSum
from physics.decay_table import decay_table
from physics.meson_decays import MESONS, br_P_to_l_N, lepton_mass, polarisation_N_from_P_to_lN

__all__ = ["NA62_PATH", "ZPRIME_ONLY_SHARE", "NA62_LIST_P4", "NA62_LIST_VERTICES", "na62_particles_recipe", "NA62Setup", "na62_card", "detector_input", "prepare_na62", "iter_generate_na62", "generate_na62", "na62_histograms", "run_na62",
           "NA62_RECO_DOCS", "NA62_TRUTH_DOCS", "NA62_HISTOGRAMS"]

# Histograms (TH1D) of accepted events (reconstructed, weight_accepted) and of all events (truth,
# weight). Ranges from the kinematics: m_ll in [0, 2 m_Z'], m2_N in [0, (m_P - m_a)^2],
# m2_lnu and m2_lll in [0, m_P^2] (seed 004 eq. (18)-(21), (A3)-(A4)), m2_miss in +-0.01 GeV^2
# around 0 (massless nu; NA62's resolution is O(1e-3) GeV^2, validation/na62/README.md).
NA62_HISTOGRAMS = ("m_ll", "m2_N", "m2_miss", "m2_lnu", "m2_lll")
N_BINS = 100

#: ``na62_path`` metadata of the files written here (the general cascade); hnlgen before issue 12 also wrote
#: ``"dedicated"`` (its N -> nu Z' -> nu l l kernel, now tests/oracles/na62_dedicated.py).
NA62_PATH = "general"
#: Largest share of BR(N -> final state) outside N -> nu Z' (on shell) -> nu l_b l_b for which the m_ll
#: histogram spans [0, 2 m_Z'] (the on-shell peak) rather than [0, m_N] (``NA62Setup.histogram_edges``).
ZPRIME_ONLY_SHARE = 1e-6


class NA62Setup:
    """Everything built once per NA62 card: model, decay graph, beam, exposure.

    ``general`` is the ``gen.sources.meson_decay.NA62GeneralDecays`` of the card's N restricted to the final
    state (BR(N -> final state) summed over all routes); ``br_route`` the part of it through N -> nu Z'
    (on shell) -> nu l_b l_b and ``other_routes_share`` the relative rest (information, and the m_ll range).
    """

    def __init__(self, card):
        self.card = card
        self.model = build_model(card)
        self.settings = na62_settings(card)
        st = self.settings
        self.flavour_a = st["production_lepton"]
        self.flavour_b = NA62_FINAL_STATES[card.process.final_state]
        self.hnl = card.process.hnl[0] if card.process.hnl else self.model.heavy_names[0]
        if self.hnl not in self.model.heavy_names:
            raise CardError(f"process.hnl = {card.process.hnl!r}: the model has only "
                            f"{', '.join(self.model.heavy_names)}")
        self.table = decay_table(self.model)
        self.parent = st["parent"]
        self.n_parent_decays = float(st["n_kaon_decays"])
        self.m_P = MESONS[self.parent]["mass"]
        self.m_a = lepton_mass(self.flavour_a)
        self.m_b = lepton_mass(self.flavour_b)
        i = list(self.model.heavy_names).index(self.hnl)
        self.m_N = float(self.model.m_N[i])
        self.m_Zp = float(self.model.m_zprime)
        self.U2_aN = float(self.model.Usq(self.flavour_a, i))
        self.br_production = br_P_to_l_N(self.parent, self.flavour_a, self.m_N, self.U2_aN)
        self.polarisation_N = polarisation_N_from_P_to_lN(self.m_P, self.m_a, self.m_N)
        fs = card.process.final_state
        try:
            self.general = build_general_decays(card, self.model, self.hnl, fs)
        except ValueError as err:
            raise CardError(f"process.final_state = {fs!r}: {self.hnl} (m = {self.m_N:.6g} GeV) "
                            f"cannot decay to it in the decay table ({err})") from None
        self.br_N_to_nu_Zp, self.br_Zp_to_bb = nu_zprime_route_brs(self.table, self.hnl, self.flavour_b)
        self.br_route = self.br_N_to_nu_Zp * self.br_Zp_to_bb
        brf = self.general.br_final_state
        self.other_routes_share = max(brf - self.br_route, 0.0) / brf if brf > 0 else 1.0
        self.path = NA62_PATH
        z1, z2 = st["fiducial_z"]
        try:
            self.beam = NA62Beam(p0=float(st["beam_momentum"]), sigma_rel=float(st["beam_momentum_spread"]),
                                 z_fv_begin=float(z1), z_fv_end=float(z2), z_decay_end=float(z2))
        except ValueError as err:
            raise CardError(f"na62 beam (experiment.beam_momentum, beam_momentum_spread, fiducial_z): {err}") from None

    @property
    def zprime_only(self) -> bool:
        """True when N -> nu Z' (on shell) -> nu l_b l_b carries all of BR(N -> final state) but a relative
        ``ZPRIME_ONLY_SHARE`` (the m_ll histogram then resolves the on-shell peak)."""
        return self.br_route > 0 and 2.0 * self.m_b < self.m_Zp < self.m_N and self.other_routes_share <= ZPRIME_ONLY_SHARE

    def generate(self, n: int, rng_production, rng_decay, *, n_parent_decays_fid: float | None = None,
                 exposure_per_event: float | None = None, beam: NA62Beam | None = None,
                 uniforms: NA62Uniforms | None = None, workspace: NA62Workspace | None = None) -> dict:
        """``gen.sources.meson_decay.generate_na62_general`` of ``n`` events with this card's N, mixing, parent,
        decay graph and beam (``beam`` replaces the card's, e.g. a fixed momentum). The exposure these ``n``
        events stand for: ``n_parent_decays_fid`` or ``exposure_per_event`` (default: the card's N_K^Fid for
        the ``n`` events); ``uniforms``: random numbers drawn by the caller (the rngs are then not used);
        ``workspace``: reused scratch arrays (``gen.sources.meson_decay.NA62Workspace``)."""
        if n_parent_decays_fid is None and exposure_per_event is None:
            n_parent_decays_fid = self.n_parent_decays
        return generate_na62_general(n, rng_production, rng_decay, self.general, m_N=self.m_N, U2_aN=self.U2_aN,
                                     flavour_a=self.flavour_a, flavour_b=self.flavour_b, parent=self.parent,
                                     beam=self.beam if beam is None else beam, n_parent_decays_fid=n_parent_decays_fid,
                                     exposure_per_event=exposure_per_event, uniforms=uniforms, workspace=workspace)

    def info(self) -> dict:
        """JSON-ready description (the ``na62_cascade`` entry of the file's ``model`` metadata)."""
        common = {"path": self.path, "parent": self.parent, "flavour_a": self.flavour_a, "flavour_b": self.flavour_b,
                  "hnl": self.hnl, "m_N": self.m_N, "m_Zp": self.m_Zp, "U2_aN": self.U2_aN,
                  "br_production": self.br_production, "br_final_state": self.general.br_final_state,
                  "br_N_to_nu_Zp_to_bb": self.br_route, "other_routes_share": self.other_routes_share,
                  "majorana": bool(self.model.is_majorana), "polarisation_N": self.polarisation_N,
                  "n_parent_decays_fid": self.n_parent_decays,
                  "beam": {"p0_GeV": self.beam.p0, "sigma_rel": self.beam.sigma_rel,
                           "z_fv_cm": [self.beam.z_fv_begin, self.beam.z_fv_end], "z_decay_end_cm": self.beam.z_decay_end}}
        N, Z = self.table[self.hnl], self.table.get("Zprime")
        common["ctau0_N_cm"] = float(N.ctau0_cm)
        common["ctau0_Zp_cm"] = float(Z.ctau0_cm) if Z is not None else None
        common["br_N_to_nu_Zp"], common["br_Zp_to_bb"] = self.br_N_to_nu_Zp, self.br_Zp_to_bb
        return common

    def model_json(self) -> str:
        """The ``model`` metadata: model summary, ``na62_cascade`` (``info``), the decay table and
        ``decays.channels`` that the event field ``channel`` indexes."""
        d = {"model": self.model.summary(), "na62_cascade": self.info(), "decays": self.general.decay_info}
        return jsonout.dumps(d, default=float)

    def histogram_edges(self) -> dict:
        # m_ll <= 2 m_Z' ... on shell: [0, 2 m_Z'] resolves the peak; otherwise m_ll < m_N
        m_ll_max = 2.0 * self.m_Zp if self.zprime_only else self.m_N
        return {
            "m_ll": np.linspace(0.0, m_ll_max, N_BINS + 1),
            "m2_N": np.linspace(0.0, (self.m_P - self.m_a) ** 2, N_BINS + 1),
            "m2_miss": np.linspace(-0.01, 0.01, N_BINS + 1),
            "m2_lnu": np.linspace(0.0, self.m_P**2, N_BINS + 1),
            "m2_lll": np.linspace(0.0, self.m_P**2, N_BINS + 1),
        }


def na62_particles_recipe(setup: NA62Setup):
    """The compact record's recipe of an NA62 card (``gen.core.events.CompactPlan`` of a
    ``detectors.output.particle_list.NamedListRecipe``, key ``channel``) and its coverage.

    Every cascade of N the restricted decay graph can draw (``gen.core.events.graph_cascades``) is laid out as the
    event's list is: the parent (status 2, at the origin), l_a+ and N at ``vtx_K``, then N's cascade (particles decay
    in list order and append their daughters). A particle after N is named by the rule of
    ``gen.sources.meson_decay._flights_task`` (first Z', first final l_b-, first final l_b+, first final light
    neutrino) and born at ``vtx_N`` (N's daughters), ``vtx_Zp`` (the first Z''s) or ``vtx_pair`` (the l_b-'s
    mother's). A cascade with any other particle, or one whose channel another cascade with a different list
    shares, gets no template: its events keep their list. The writer checks every event against the rebuild
    (``detectors.output.particle_list.rebuildable``), so a wrong template makes a file bigger, never different."""
    from detectors.output.particle_list import NamedListRecipe
    from gen.core.events import CompactPlan, graph_cascades
    from physics.pdg import LIGHT_NEUTRINOS, PDG, ZPRIME

    dec = setup.general
    g = dec.graph
    pdg_bm = PDG[f"{setup.flavour_b}-"]
    head = [(PDG[setup.parent], 2, -1, "K", "origin"), (PDG[f"{setup.flavour_a}+"], 1, 0, "a", "vtx_K")]
    lists: dict[int, list | None] = {}
    covered: list[tuple[float, int]] = []
    total = 0.0
    for parts, p in graph_cascades(g, int(g.root_state[dec.root])):
        total += p
        pdgs = [int(g.st_pdg[s]) for s, _m, _c in parts]
        final = [c < 0 for _s, _m, c in parts]
        named = {}
        for k in range(1, len(parts)):  # as _flights_task's elif chain
            code = pdgs[k]
            if code == ZPRIME and "Zp" not in named.values():
                named[k] = "Zp"
            elif final[k] and code == pdg_bm and "bm" not in named.values():
                named[k] = "bm"
            elif final[k] and code == -pdg_bm and "bp" not in named.values():
                named[k] = "bp"
            elif final[k] and abs(code) in LIGHT_NEUTRINOS and "nu" not in named.values():
                named[k] = "nu"
        by_name = {v: k for k, v in named.items()}
        rows = [*head, (dec.pdg_N, 2 if parts[0][2] >= 0 else 1, 0, "N", "vtx_K")]
        for k in range(1, len(parts)):
            mother = parts[k][1]
            if k not in named:
                rows = None
                break
            if mother == 0:
                vtx = "vtx_N"
            elif mother == by_name.get("Zp"):
                vtx = "vtx_Zp"
            elif "bm" in by_name and mother == parts[by_name["bm"]][1]:
                vtx = "vtx_pair"
            else:
                rows = None
                break
            rows.append((pdgs[k], 1 if final[k] else 2, 2 + mother, named[k], vtx))
        if rows is None:
            continue
        chosen = parts[0][2]
        channel = int(g.ch_origin[chosen]) if chosen >= 0 else -1
        covered.append((p, channel))
        if lists.setdefault(channel, rows) != rows:
            lists[channel] = None  # two lists under one channel: these events keep theirs
    templates = [((ch,), rows) for ch, rows in lists.items() if rows is not None]
    if not templates:
        return CompactPlan(None, 0.0)
    coverage = sum(p for p, ch in covered if lists[ch] is not None) / total if total > 0 else 0.0
    return CompactPlan(NamedListRecipe.from_templates(NA62_LIST_P4, NA62_LIST_VERTICES, ("channel",), templates), coverage)


def prepare_na62(card) -> NA62Setup:
    """The ``NA62Setup`` of an NA62 run card."""
    return NA62Setup(card)


#: Blocks per call of the generation kernels inside a chunk (``_chunk_events``): one batch is the default chunk
#: (8 blocks, 2^17 events). Fewer blocks per call cost CPU (one parallel region of the cascade kernel and one
#: call of each kernel per batch; per 2^17-event chunk of cards/na62_light_zprime.toml on the shared 2-core
#: machine: 1 block 234 ms, 2 blocks 206 ms, 4 blocks 195 ms, 8 blocks 187 ms of CPU); the cap bounds the
#: scratch arrays (``gen.sources.meson_decay.NA62Workspace``, ~1.3 kB per event: 170 MB) whatever the chunk size.
BLOCKS_PER_BATCH = 8


def _chunk_events(setup: NA62Setup, seed: int, blocks, n_total: int, reconstruct: bool,
                  workspace: NA62Workspace | None = None, cols: EventColumns | None = None, compact=None) -> ak.Array:
    """The events of whole blocks ``(block, start, stop)``, ``BLOCKS_PER_BATCH`` blocks at a time: each block's
    random numbers from its own streams (``draw_na62_uniforms``, drawn into ``workspace``), the kernels on the
    batch, its truth records appended to the chunk's columns (``gen.sources.meson_decay.EventColumns``), the
    detector block by block with the block's stream; one awkward array. Every event depends only on its own
    random numbers, so the batching leaves the events unchanged (bit for bit). ``workspace``: the run's scratch
    arrays (at least one batch of events; default: allocated here); ``cols``: empty columns of exactly the
    chunk's events (default: allocated here); ``compact``: the compact record's recipe (``iter_generate_na62``)."""
    first, last = blocks[0][1], blocks[-1][2]
    S = setup.general.slots
    if workspace is None:
        workspace = NA62Workspace(min(last - first, BLOCKS_PER_BATCH * R.BLOCK_SIZE), S)
    if cols is None:
        cols = EventColumns(last - first, S)
    elif cols.n != last - first or cols.slots != S or cols.filled:
        raise ValueError(f"cols: need {last - first} empty events of {S} slots")
    recos = []
    for i in range(0, len(blocks), BLOCKS_PER_BATCH):
        batch = blocks[i:i + BLOCKS_PER_BATCH]
        b0 = batch[0][1]
        for b, start, stop in batch:  # the numbers of draw_na62_uniforms, drawn in place
            workspace.draw(start - b0, stop - b0, R.block_rng(seed, b, R.PURPOSE_PRODUCTION),
                           R.block_rng(seed, b, R.PURPOSE_DECAY))
        m = batch[-1][2] - b0
        ev = generate_na62_into(cols, m, setup.general, m_N=setup.m_N, U2_aN=setup.U2_aN, flavour_a=setup.flavour_a,
                                flavour_b=setup.flavour_b, parent=setup.parent, beam=setup.beam,
                                exposure_per_event=setup.n_parent_decays / n_total, uniforms=workspace.uniforms(m),
                                workspace=workspace, compact=compact)
        if reconstruct:
            din = ev["detector_input"]

            def block(task, din=din, b0=b0):
                b, start, stop = task
                return _reconstruct_block(setup, {k: v[start - b0:stop - b0] for k, v in din.items()}, seed, b)

            # blocks are independent (each its own detector stream) and the reconstruction kernel releases the GIL:
            # reconstructed on numba's number of threads, joined in block order (the same events whatever the threads)
            workers = min(numba.get_num_threads(), len(batch))
            recos += list(thread_pool(workers).map(block, batch)) if workers > 1 else [block(t) for t in batch]
    after = None
    if reconstruct:
        after = recos[0] if len(recos) == 1 else {k: np.concatenate([r[k] for r in recos]) for k in recos[0]}
        after["weight_accepted"] = cols.scalars["weight"] * np.asarray(after["accepted"], dtype=np.float64)
    return cols.to_awkward({"event": np.arange(first, last, dtype=np.int64)}, after,
                           "particles" if compact is None else COMPACT_FIELD)


def detector_input(ev: dict) -> dict:
    """What ``detectors.na62.response.reconstruct`` takes from ``generate_na62_general`` output: ``p4_K``,
    ``p4_a``, ``p4_bm``, ``p4_bp`` (GeV), ``vtx_K`` and, as ``vtx_Zp``, the production vertex of the l_b pair
    (``vtx_bb``; cm), where the tracks start whatever the route."""
    out = {k: ev[k] for k in ("p4_K", "p4_a", "p4_bm", "p4_bp", "vtx_K")}
    out["vtx_Zp"] = ev["vtx_bb"]
    return out


def na62_card(model: dict, final_state: str, experiment: str | None = None, **settings):
    """A validated meson-decay run card (``gen.card.parse_card``) from ``[model]`` keys, ``process.final_state``
    and optional ``[experiment]`` settings (defaults of ``gen.card.NA62_DEFAULTS``): for scripts that scan a
    model (validation/na62/plot_fig3.py, plot_fig4.py) without writing TOML. ``experiment``: a registry name
    with the ``meson_decay`` source (default: the registry's only one)."""
    if experiment is None:
        names = [n for n in experiment_names() if experiment_info(n).meson_decay]
        if len(names) != 1:
            raise ValueError(f"experiment: give one of the meson-decay experiments {names}")
        experiment = names[0]
    return parse_card({"schema_version": 1, "model": dict(model), "experiment": {"name": experiment, **settings},
                       "process": {"final_state": final_state}})


def _reconstruct_block(setup: NA62Setup, ev: dict, seed: int, block: int) -> dict:
    """``detectors.na62.response.reconstruct`` of the events of one whole block with the block's detector stream.

    ``ev`` holds ``p4_K``, ``p4_a``, ``p4_bm``, ``p4_bp`` (n, 4; GeV) and ``vtx_K``, ``vtx_Zp`` (n, 3; cm)
    of all events of block ``block`` in order; the smearing depends only on (seed, block, n), so
    ``gen.reweight.meson_decay`` gets the same smearing for moved vertices.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        reco = na62.reconstruct(ev, R.block_rng(seed, block, R.PURPOSE_DETECTOR), m_a=setup.m_a, m_b=setup.m_b,
                                flavour_a=setup.flavour_a, flavour_b=setup.flavour_b)
    return {k: np.asarray(v) for k, v in reco.items()}


def iter_generate_na62(card, n_events: int | None = None, seed: int | None = None, chunk_size: int | None = None, *,
                       setup: NA62Setup | None = None, reconstruct: bool = False, compact=None) -> Iterator[ak.Array]:
    """Yield the events of an NA62 run in chunks of whole blocks (independent of ``chunk_size``).

    ``compact``: the card's ``NamedListRecipe`` (``na62_particles_recipe``): the chunks hold the compact record's
    list, named ``detectors.output.storage.COMPACT_FIELD``, empty for the events whose named records hold it (the
    kernel leaves their particles out, ``gen.sources.meson_decay._finish_into``), as
    ``gen.sources.upscattering.iter_generate(compact=)``."""
    n, s, bpc = resolve_run(card, n_events, seed, chunk_size)
    if setup is None:
        setup = NA62Setup(card)
    size = min(n, BLOCKS_PER_BATCH * R.BLOCK_SIZE)
    # Columns are reused once the caller has released their chunk (EventColumns.in_use): fresh ones cost page
    # faults. A plain loop holds the previous chunk while the next is made, a writer thread one more: up to
    # _COLUMN_POOL sets (as gen.sources.upscattering's chunk buffers).
    pool: list[EventColumns] = []
    for blocks in R.block_chunks(n, bpc):  # lazy: memory bounded whatever n
        blocks = list(blocks)
        m = blocks[-1][2] - blocks[0][1]
        cols = next((c for c in pool if c.n == m and not c.in_use()), None)
        if cols is None:
            cols = EventColumns(m, setup.general.slots)
        else:
            pool.remove(cols)
            cols.reset()
        with _borrow_workspace(size, setup.general.slots) as workspace:
            chunk = _chunk_events(setup, s, blocks, n, reconstruct, workspace, cols, compact)
        pool = [*pool[-(_COLUMN_POOL - 1):], cols]
        yield chunk
        del chunk


_COLUMN_POOL = 4  # EventColumns kept for reuse by iter_generate_na62 (a chunk being made, one held, two in the writer)
_WORKSPACE_LOCK = threading.Lock()
_WORKSPACE: list = []  # at most one NA62Workspace, reused by every chunk of every run of the process


@contextlib.contextmanager
def _borrow_workspace(n: int, slots: int):
    """The process's ``NA62Workspace`` (scratch arrays of at least ``n`` events of ``slots`` slots) for one chunk.

    Allocated once and kept: fresh arrays of one batch (~170 MB) cost page faults, ~10 % of the generation of a
    200k-event run, on every run (``hnlgen bench`` and validation scripts generate many). While a chunk of another
    thread holds it, a private one is allocated. Nothing of a chunk refers to it once ``_chunk_events`` returns."""
    if not _WORKSPACE_LOCK.acquire(blocking=False):
        yield NA62Workspace(n, slots)
        return
    try:
        ws = _WORKSPACE[0] if _WORKSPACE else None
        if ws is None or ws.slots != slots or ws.n < n:
            _WORKSPACE.clear()  # free the old one before allocating
            ws = NA62Workspace(n, slots)
            _WORKSPACE.append(ws)
        yield ws
    finally:
        _WORKSPACE_LOCK.release()


def generate_na62(card, n_events: int | None = None, seed: int | None = None, chunk_size: int | None = None, *,
                  reconstruct: bool = False) -> ak.Array:
    """All events of an NA62 run as one array (``reconstruct=True``: what ``hnlgen run`` writes)."""
    chunks = list(iter_generate_na62(card, n_events, seed, chunk_size, reconstruct=reconstruct))
    return chunks[0] if len(chunks) == 1 else ak.concatenate(chunks)


def na62_histograms(events: ak.Array, setup: NA62Setup, mapper=map) -> dict:
    """TH1-ready histograms (``detectors.miniboone.response.Histogram``): reconstructed ``h_<obs>`` of accepted
    events (weight_accepted) and ``h_truth_<obs>`` of all events (weight). ``mapper``: how the fills are run, ``map``
    or an executor's ``map`` (``run_na62`` fills them on threads: ``hist`` releases the GIL while it fills, and each
    histogram is the same whichever runs it)."""
    edges = setup.histogram_edges()
    fills = {}
    unit = {"m_ll": "[GeV]"}
    for name in NA62_HISTOGRAMS:
        label = f"{name} {unit.get(name, '[GeV^{2}]')}"
        for prefix, wkey, title in (("", "weight_accepted", "accepted events, reconstructed"),
                                    ("truth_", "weight", "all events, truth")):
            if prefix + name not in events.fields or wkey not in events.fields:
                continue
            x = ak.to_numpy(events[prefix + name]).astype(np.float64, copy=False)  # NaN (not reconstructed): not filled
            w = ak.to_numpy(events[wkey]).astype(np.float64, copy=False)
            key = f"h_{prefix}{name}"
            fills[key] = (f"{title};{label};events", edges[name], x, w)
    return dict(zip(fills, mapper(lambda item: fill_histogram(item[0], *item[1]), fills.items())))


def run_na62(card, n: int, seed: int, out: str, *, chunk_size=None, compression="lz4", reconstruct=True,
             as_json=False, progress=None, format="ttree", precision="double", record=None, before_events=None) -> int:
    """``hnlgen run`` for an NA62 card: events TTree (or RNTuple, ``format``), TH1Ds, metadata and the summary.

    ``record``: ``"full"``, ``"compact"`` (the particle list only of the events whose named records do not hold it,
    ``na62_particles_recipe``; lossless), ``"slim"``, or None: compact where its recipe covers at least
    ``gen.core.events.COMPACT_MIN_COVERAGE`` of the events, else full. ``before_events``: called once the decay table
    is built and before the first event (``hnlgen run`` waits there for its precompile helper on a cold start,
    ``gen.core.precompile``)."""
    t0 = time.perf_counter()
    setup = NA62Setup(card)
    plan = na62_particles_recipe(setup)
    if record == "compact" and plan.recipe is None:
        print(f"hnlgen run: {COMPACT_FALLBACK}", file=sys.stderr)
    record, recipe = plan.choose(record)
    if before_events is not None:
        before_events()
    hsum = HistogramSum()
    # exact sums (gen.core.exact_sum): totals bit-identical for any chunk size and thread count
    sums = {k: ExactSum() for k in ("sw", "sw2", "sa", "sa2")}
    done = 0
    plain = EventWriter(out, compression=compression, format=format, precision=precision, record=record,
                        particles_recipe=recipe)
    plain.branch_titles = event_branch_titles()
    # compression and writing overlap with the next chunk's generation (detectors.output.writer_thread)
    with BackgroundWriter(plain) as writer:
        prog = progress(n, "generating") if progress is not None else None
        # the compact record is made by the kernel (gen.sources.meson_decay._finish_into): the writer takes it as it is
        for chunk in iter_generate_na62(card, n, seed, chunk_size, setup=setup, reconstruct=reconstruct, compact=recipe):
            writer.write(chunk)
            w = ak.to_numpy(chunk.weight)
            sums["sw"].add(w)
            sums["sw2"].add(w * w)
            if reconstruct:
                wa = ak.to_numpy(chunk.weight_accepted)
                sums["sa"].add(wa)
                sums["sa2"].add(wa * wa)
            workers = numba.get_num_threads()
            hsum.add(na62_histograms(chunk, setup, thread_pool(workers).map if workers > 1 else map))
            done += len(chunk)
            if prog is not None:
                prog.update(done)
        if prog is not None:
            prog.close()

        sw, sw2, sa, sa2 = (sums[k].value for k in ("sw", "sw2", "sa", "sa2"))

        def err(s, s2):  # MC error of a sum of weights over n events: sqrt(sum w^2 - S^2/n)
            return math.sqrt(max(s2 - s * s / done, 0.0))

        produced = setup.n_parent_decays * setup.br_production
        expected = {"produced": produced, "final_state": sw}
        errors = {"produced": 0.0, "final_state": err(sw, sw2)}
        if reconstruct:
            expected["accepted"] = sa
            errors["accepted"] = err(sa, sa2)
        wall = time.perf_counter() - t0

        summary = {"expected_events": expected, "mc_rel_error": errors["final_state"] / sw if sw > 0 else math.inf,
                   "events_generated": done, "effective_sample_size": sw * sw / sw2 if sw2 > 0 else 0.0,
                   "wall_time_s": wall}
        # one schema for every experiment (gen.output.docs); NA62's "accepted" is the analysis count "selected"
        public = summary_json(card.experiment.name, (setup.n_parent_decays, f"{setup.parent} decays in the fiducial volume (N_K^Fid)"),
                              {**{k: v for k, v in expected.items() if k != "accepted"},
                               **({"selected": expected["accepted"]} if reconstruct else {})},
                              {**{k: v for k, v in errors.items() if k != "accepted"},
                               **({"selected": errors["accepted"]} if reconstruct else {})},
                              done, summary["effective_sample_size"], wall)
        writer.run_values = {
            "n_kaon_decays": (float(setup.n_parent_decays),
                              f"n_kaon_decays: {setup.parent} decays in the fiducial volume, N_K^Fid (the exposure)"),
            "seed": (int(seed), "seed: random seed of the run"),
            "events_generated": (int(done), "events_generated: entries of the events tree"),
            **{f"expected_{k}": (float(v), f"expected_{k} [events]: expected events, {k} (sum of the weights)")
               for k, v in public["expected_events"].items() if v is not None},
            **{f"expected_{k}_error": (float(v), f"expected_{k}_error [events]: Monte Carlo error, sqrt(sum w^2 - S^2/N)")
               for k, v in public["errors"].items() if v is not None},
        }
        write_histograms(writer.root_file, hsum.hists)
        writer.metadata.update({
            "run_card": card_to_toml(resolved_card_dict(card)),
            "model": setup.model_json(),
            "na62_path": setup.path,
            "expected_events": jsonout.dumps({**summary, "errors": errors}),
            "n_kaon_decays": repr(setup.n_parent_decays),
            "seed": str(int(seed)),
            "hnlgen_version": __version__,
        })
    if as_json:
        print(jsonout.dumps(public))
    else:
        fs = card.process.final_state
        print(f"hnlgen run: {done} events -> {out}")
        chain = f"{setup.hnl} -> {fs} + invisible through every decay-table route, BR {setup.general.br_final_state:.4g}"
        print(f"  NA62: {setup.parent} -> {setup.flavour_a}+ {setup.hnl}, {chain}; "
              f"m_N = {setup.m_N:.4g} GeV, m_Z' = {setup.m_Zp:.4g} GeV; N_fid = {setup.n_parent_decays:.4g} {setup.parent} decays")
        print(f"  expected events: produced (N_fid BR({setup.parent} -> {setup.flavour_a} N)) {produced:12.5g}")
        print(f"                   final state, visible vertex before z = {setup.beam.z_decay_end / 100:.0f} m "
              f"{sw:12.5g} +- {errors['final_state']:.2g}")
        if reconstruct:
            print(f"                   accepted (NA62 acceptance + PID) {sa:12.5g} +- {errors['accepted']:.2g}")
        print(f"  effective sample size {summary['effective_sample_size']:.4g} of {done}; wall {wall:.2f} s", file=sys.stdout)
    return 0
