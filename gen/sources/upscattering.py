"""The Python API of the generator: ``generate(card) -> ak.Array`` and ``iter_generate`` (chunks).

What is sampled (per event, all in numba kernels, ``gen.core.kernels``):

1. the upscattering channel c = (projectile flavour, N_i, target, regime, N helicity), with
   probability P_c proportional to its expected rate R_c = POT * N_targets * int dE phi(E) sigma_c(E)
   (flux from ``gen.core.flux``, sigma from ``physics.cross_sections.sigma_upscattering_array``);
2. E_nu from q_c(E) proportional to phi(E) sigma_c(E) (``gen.core.flux.energy_sampling_table``), starting
   at the channel's threshold;
3. Q2 through the analytic map of the propagator shape, v -> Q2 with density proportional to
   1/(Q2 + m^2)^2 on [Q2_min(E), Q2_max(E)] (m^2 the smaller of the mediator mass squared and the
   form-factor scale), composed with a VEGAS-style adaptive piecewise-linear map y -> v per channel
   (G. P. Lepage, J. Comput. Phys. 27 (1978) 192, sec. 3; grid trained on a pilot run with its own
   random stream), and the azimuth uniformly;
4. the full decay cascade (``gen.core.decays``), restricted to the card's final state if one is given.

Weight of an event (sum of weights = expected events for the card's exposure):

    w = POT N_T phi(E) dsigma_c/dQ2(E, Q2) / (N_events P_c q_c(E) g_c(Q2 | E)) * BR_c(final state)

with phi in nu/cm^2/POT/GeV, dsigma/dQ2 per target nucleus (``physics.cross_sections``; nucleon
multiplicities and bound-nucleon factors included there) and g the density of the Q2 map. The
estimator is unbiased whatever the accuracy of the sampling tables; they only set the spread of
the weights, reported as the effective sample size (sum w)^2 / sum w^2.

Reproducibility: ``gen.core.rng`` (fixed blocks of events, one spawned stream per block).

Detector: ``generate(card, reconstruct=True)`` (and ``iter_generate``) also applies the detector of
the card's experiment (``gen.stages.base`` for MiniBooNE: upscattering ``vertex`` in the tank,
exact ``w_fiducial``, and the reconstructed fields of ``detectors.miniboone.response.RECO_BRANCHES``); this is
exactly what ``hnlgen run`` writes, so ``read_events`` of its file equals that array. The default
``reconstruct=False`` gives the truth only (vertex at the origin, ``w_fiducial`` = 1). An NA62 card
(``[experiment] name = "na62"``) is dispatched to ``gen.sources.meson_decay_run`` (kaon-decay source; there
``reconstruct`` adds the NA62 reconstruction).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterator

import awkward as ak
import numba
import numpy as np

from detectors.output.storage import COMPACT_FIELD
from gen import __version__
from gen.card import BOUND_NUCLEONS, CardError, RunCard, build_model, card_to_toml, load_card, resolve_run, resolved_card_dict
from gen.core import event_kernel as EK
from gen.core import kernels as K
from gen.core import precompile
from gen.core import rng as R
from gen.core.decay_adapter import decay_spec_from_physics
from gen.core.decays import build_decay_graph
from gen.core.events import HELICITY_CODES, REGIME_CODES, ColumnBuffer, build_events, compact_tables
from gen.core.exact_sum import ExactSum, group_index
from gen.core.flux import Flux, energy_sampling_table, flux_for_experiment
from gen.core.table_cache import cached_array
from gen.core.tables import ChannelTables, CompactTables, DecayTables, FluxTables
from gen.experiments import experiment_info, get_experiment, source_entry
from gen.output import jsonout
from gen.stages.base import make_stage
from physics import cross_sections as xs
from physics import form_factors as _ff
from physics import pdg
from physics import units as u

__all__ = ["generate", "iter_generate", "GeneratorSetup", "prepare", "RunSummary", "Accumulator", "summarize", "run_metadata"]

log = logging.getLogger(__name__)

N_GRID = 64  # VEGAS intervals per channel
PILOT_EVENTS = 50_000
PILOT_ITERATIONS = 4
VEGAS_ALPHA = 0.7  # damping of the grid refinement (Lepage 1978 uses 0.2 ... 2)
_BLOCKS_PER_CALL = 2  # blocks per event_kernel call (32768 events): its inputs stay in the L2 cache, its staging small

_PROJ_PDG = pdg.PROJECTILE
# PDG nuclear codes (physics.pdg.nucleus_code) of every target of the one target table, physics.form_factors.TARGETS
_NUCLEUS_PDG = {n: pdg.nucleus_code(t.Z, t.A) for n, t in _ff.TARGETS.items()}
_HNL_PDG = pdg.HNL


@dataclasses.dataclass
class GeneratorSetup:
    """Everything built once per card: channels, sampling tables, adapted grids and the decay graph."""

    card: object
    model: object
    experiment: object
    flux: Flux
    labels: list
    params: np.ndarray  # (n_ch,) records of physics.cross_sections.CHANNEL_DTYPE
    ch_prob: np.ndarray
    ch_cum: np.ndarray
    ch_flav: np.ndarray
    ch_norm: np.ndarray  # POT * N_targets * hbarc^2 (cm^2 GeV^2 * targets * POT)
    ch_mN: np.ndarray
    ch_M: np.ndarray
    ch_m2map: np.ndarray
    ch_pol: np.ndarray
    ch_rate_table: np.ndarray  # expected events per channel from the tables (cross-check of the MC)
    E_edges: np.ndarray  # (n_ch, nE + 1)
    E_cdf: np.ndarray  # (n_ch, nE + 1)
    flux_edges: np.ndarray
    flux_dens: np.ndarray  # (n_flav, n_bins) nu / cm^2 / POT / GeV
    grid: np.ndarray  # (n_ch, N_GRID + 1)
    graph: object  # gen.core.decays.DecayGraph
    ch_root: np.ndarray  # root state of the cascade per channel (-1: final state unreachable)
    ch_br: np.ndarray  # BR of the selected final state per channel
    ch_codes: dict  # per-channel integer codes for the event scalars
    decay_info: dict  # JSON-ready description of the decays (spectrum, widths, BRs)
    slots: int = K.MAX_PARTICLES  # particle slots per event: 4 + the longest cascade

    @property
    def n_channels(self) -> int:
        return len(self.labels)


def _decay_spec(card, model):
    """Species and channels of the cascade from ``physics.decay_table`` (see ``gen.core.decay_adapter``)."""
    return decay_spec_from_physics(card, model)


def _target_params(names):
    return {n: _ff.get_target(n) for n in names}


def prepare(card, *, decays=None, seed: int | None = None, adapt: bool = True) -> GeneratorSetup:
    """Build the channels, sampling tables and decay graph for a run card; adapt the Q2 grids.

    Every check of a card that needs its physics (flux file readable, a channel above threshold, the
    final state reachable) happens here and raises ``gen.card.CardError``; ``hnlgen check`` calls it with
    ``adapt=False`` (no pilot runs), so a card that passes ``check`` runs.

    Parameters
    ----------
    card : gen.card.RunCard
    decays : tuple (species, channels, info) or None
        Override of the decay table (tests); ``None`` uses ``physics.decay_table``.
    seed : int or None
        Seed of the pilot run (default: the card's ``[run] seed``).
    adapt : bool
        Train the Q2 maps on pilot runs (False: validation only, the maps stay uniform).
    """
    model = build_model(card)
    exp = get_experiment(card)
    try:
        flux = flux_for_experiment(exp)
    except (OSError, ValueError) as err:  # missing, unreadable or malformed flux table
        card_flux = experiment_info(card.experiment.name).card_flux
        key = "experiment.flux_file" if card_flux else "experiment.name"
        what = exp.flux_file if card_flux else exp.name
        raise CardError(f"{key} = {what!r}: the flux table cannot be read: {' '.join(str(err).split())} (expected columns "
                        "Elo Ehi numu numubar nue nuebar, GeV and nu/cm^2/POT per flux_unit_bin_GeV)") from None
    proc = card.process
    hnl_names = list(proc.hnl) if proc.hnl is not None else list(model.heavy_names)
    for h in hnl_names:
        if h not in model.heavy_names:
            raise CardError(f"process.hnl = {hnl_names!r}: the model has only {', '.join(model.heavy_names)}")
    flavours = [f for f in exp.flavours if f in flux.flavours]
    targets = [t.name for t in exp.targets]
    n_targets = {t.name: t.n_nuclei for t in exp.targets}
    chans = xs.upscattering_channels(model, flavours, targets, list(proc.regimes), list(proc.helicities),
                                     bound=BOUND_NUCLEONS[proc.bound_nucleons])
    chans = [c for c in chans if c["hnl"] in hnl_names]
    if not chans:
        raise CardError("process: no upscattering channel is selected (check regimes, hnl, flavours)")
    params = xs.channel_array(c["params"] for c in chans)
    n_ch = len(chans)

    # decays
    species, channels, decay_info = decays if decays is not None else _decay_spec(card, model)
    # a Dirac N produced by an antineutrino is the antiparticle (N4bar): it decays through the CP image
    names_sp = {sp.name for sp in species}
    root_of = [ch["hnl"] + "bar" if (not model.is_majorana and ch["projectile"].endswith("bar") and ch["hnl"] + "bar" in names_sp)
               else ch["hnl"] for ch in chans]
    try:
        graph = build_decay_graph(species, channels, list(dict.fromkeys(hnl_names + root_of)), proc.final_state)
    except ValueError as err:
        why = str(err).removeprefix(f"final_state = {proc.final_state!r}: ")
        raise CardError(f"process.final_state = {proc.final_state!r}: {why} (see hnlgen model CARD for the decay table)") from None

    # energy tables and rates
    n_sub = 2  # 25-MeV sub-bins of the 50-MeV flux bins
    nE = (len(flux.edges) - 1) * n_sub + 2
    E_edges = np.empty((n_ch, nE))
    E_cdf = np.empty((n_ch, nE))
    rate = np.empty(n_ch)
    hbarc2 = u.hbarc2
    for c, ch in enumerate(chans):
        par = params[c:c + 1]
        thr = xs.upscattering_threshold(par[0]["m_N"], par[0]["M"])

        def sig(E, par=par, thr=thr):
            E = np.asarray(E, dtype=float)
            out = np.zeros(E.shape)
            ok = E > thr
            if ok.any():
                # sigma depends only on (E, par): disk-cached between runs (gen.core.table_cache; bit-identical)
                out[ok] = cached_array("sigma_upscattering", xs.sigma_upscattering_array, E[ok], par)[0] * hbarc2
            return out

        E_edges[c], E_cdf[c], tot = energy_sampling_table(flux, ch["projectile"], sig, n_sub=n_sub, threshold=thr)
        rate[c] = exp.pot * n_targets[ch["target"]] * tot
    if not np.any(rate > 0):
        masses = ", ".join(f"m{h[1:]} = {model.m_N[list(model.heavy_names).index(h)]:g}" for h in hnl_names)
        raise CardError(f"model: {masses} GeV: every selected upscattering channel is below threshold for the flux "
                        f"(E_nu <= {flux.edges[-1]:g} GeV on H1, C12, ...); lower the heavy-neutrino masses")
    br = np.array([graph.root_factor.get(r, 0.0) for r in root_of])
    ch_root = np.array([graph.root_state.get(r, -1) for r in root_of], dtype=np.int64)
    # select channels in proportion to rate (events with a zero final-state BR are not generated)
    eff = rate * (br > 0)
    if not np.any(eff > 0):
        raise CardError(f"process.final_state = {proc.final_state!r}: not reachable from the heavy neutrinos produced above "
                        "threshold (see hnlgen model CARD for the decay table)")
    prob = eff / eff.sum()
    cum = np.cumsum(prob)
    cum[-1] = 1.0

    # Q2 map scale: smaller of the Z' mass^2 and the form-factor scale (coherent: ~ 6/<r^2>). It only
    # shapes the sampling density (the weights divide by it), so a rough radius is enough.
    tgt = _target_params(targets)
    m2map = np.empty(n_ch)
    for c, ch in enumerate(chans):
        mz2 = model.m_zprime**2
        if ch["regime"] == "coherent":
            A = tgt[ch["target"]].A
            r_fm = 0.94 * A ** (1.0 / 3.0) + 0.4  # rms charge radius, rough (C12: 2.6 fm vs 2.47)
            ff2 = 6.0 * (u.hbarc / u.fm) ** 2 / r_fm**2
        else:
            ff2 = 0.71  # dipole scale M_V^2 (GeV^2)
        m2map[c] = min(mz2, ff2)

    flav_index = {f: i for i, f in enumerate(flux.flavours)}
    codes = {
        "projectile_pdg": np.array([_PROJ_PDG[ch["projectile"]] for ch in chans], dtype=np.int32),
        "target_pdg": np.array([_NUCLEUS_PDG[ch["target"]] for ch in chans], dtype=np.int32),
        "regime": np.array([REGIME_CODES[ch["regime"]] for ch in chans], dtype=np.int32),
        "helicity_flip": np.array([HELICITY_CODES[ch["helicity"]] for ch in chans], dtype=np.int32),
        "hnl_pdg": np.array([_HNL_PDG[ch["hnl"]] for ch in chans], dtype=np.int32),
        "scatter_pdg": np.array([_NUCLEUS_PDG[ch["target"]] if ch["regime"] == "coherent" else (pdg.PROTON if ch["regime"] == "p-el" else pdg.NEUTRON)
                                 for ch in chans], dtype=np.int64),
    }
    # N helicity = eta * sigma (physics.cross_sections docstring): -1 conserving for nu, +1 for nubar
    pol = params["eta"] * params["sigma"]
    # PDG code of the N in the particle list: negative for a Dirac antiparticle (root N4bar)
    codes["n_pdg"] = np.array([-_HNL_PDG[ch["hnl"]] if r.endswith("bar") else _HNL_PDG[ch["hnl"]]
                               for ch, r in zip(chans, root_of)], dtype=np.int64)
    codes["helicity"] = np.where(pol > 0, 1, -1).astype(np.int32)

    setup = GeneratorSetup(
        card=card, model=model, experiment=exp, flux=flux, labels=[{k: v for k, v in ch.items() if k != "params"} for ch in chans],
        params=params, ch_prob=prob, ch_cum=cum, ch_flav=np.array([flav_index[ch["projectile"]] for ch in chans], dtype=np.int64),
        ch_norm=np.array([exp.pot * n_targets[ch["target"]] * hbarc2 for ch in chans]),
        ch_mN=params["m_N"].copy(), ch_M=params["M"].copy(), ch_m2map=m2map, ch_pol=pol,
        ch_rate_table=rate, E_edges=E_edges, E_cdf=E_cdf, flux_edges=flux.edges.copy(),
        flux_dens=np.array([flux.density(f) for f in flux.flavours]),
        grid=np.tile(np.linspace(0.0, 1.0, N_GRID + 1), (n_ch, 1)),
        graph=graph, ch_root=ch_root, ch_br=br, ch_codes=codes, decay_info=decay_info,
    )
    setup.slots = 4 + graph.max_particles()
    if adapt:
        _adapt_grid(setup, card.run.seed if seed is None else seed)
    return setup


class _Workspace:
    """Per-event slot arrays of n events for the component kernels (``production_kernel``, ``cascade_kernel``)."""

    def __init__(self, n: int, slots: int):
        self.n = n
        self.chan = np.empty(n, np.int64)
        self.E = np.empty(n)
        self.Q2 = np.empty(n)
        self.w = np.empty(n)
        self.ybin = np.empty(n, np.int64)
        self.p4 = np.zeros((n, slots, 4))
        self.vtx = np.zeros((n, slots, 4))
        self.pdg = np.zeros((n, slots), np.int64)
        self.status = np.zeros((n, slots), np.int64)
        self.parent = np.full((n, slots), -1, np.int64)
        self.pol = np.zeros((n, slots))
        self.st_of = np.full((n, slots), -1, np.int64)
        self.chosen = np.full((n, slots), -1, np.int64)
        self.npart = np.zeros(n, np.int64)


def _production(setup: GeneratorSetup, u4: np.ndarray, n_total: int):
    """Channel, E_nu, Q2, weight, VEGAS interval and hard-process momenta (slots 0-3) from uniforms (pilot runs)."""
    n = u4.shape[0]
    chan, ybin = np.empty(n, np.int64), np.empty(n, np.int64)
    E, Q2, w = np.empty(n), np.empty(n), np.empty(n)
    p4 = np.empty((n, 4, 4))
    flux, chans = _event_tables(setup, n_total)[:2]
    # contiguous parts in threads (production_kernel is serial and releases the GIL; per-event results, so the
    # outputs do not depend on the parts)
    n_parts = max(1, min(numba.get_num_threads(), n // EK.EVENT_TASK))
    step = max(1, -(-n // n_parts))

    def part(a):
        b = min(n, a + step)
        K.production_kernel(u4[a:b], flux, chans, chan[a:b], E[a:b], Q2[a:b], w[a:b], ybin[a:b], p4[a:b])

    for f in [EK.thread_pool(n_parts).submit(part, a) for a in range(0, n, step)]:
        f.result()
    return chan, E, Q2, w, ybin, p4


def _adapt_grid(setup: GeneratorSetup, seed: int) -> None:
    """VEGAS refinement of the per-channel maps y -> v on pilot runs (Lepage 1978, sec. 3)."""
    n_ch = setup.n_channels
    for it in range(PILOT_ITERATIONS):
        u4 = R.pilot_rng(seed, it).random((PILOT_EVENTS, 4))
        chan, E, Q2, w, ybin, _ = _production(setup, u4, PILOT_EVENTS)
        for c in range(n_ch):
            sel = chan == c
            if sel.sum() < 20 * N_GRID:
                continue
            d = np.bincount(ybin[sel], weights=w[sel], minlength=N_GRID)
            if d.sum() <= 0:
                continue
            # smooth with neighbours, normalise, damp (Lepage 1978 eq. (15)-(16))
            ds = np.empty_like(d)
            ds[1:-1] = (d[:-2] + d[1:-1] + d[2:]) / 3.0
            ds[0] = (d[0] + d[1]) / 2.0
            ds[-1] = (d[-2] + d[-1]) / 2.0
            r = ds / ds.sum()
            r = np.where(r > 0, r, 1e-12)
            m = ((r - 1.0) / np.log(r)) ** VEGAS_ALPHA
            m = np.where(np.isfinite(m), m, 0.0) + 1e-6
            # new edges: equal share of m per new interval (linear within old intervals)
            old = setup.grid[c]
            cm = np.concatenate([[0.0], np.cumsum(m)])
            targets = np.linspace(0.0, cm[-1], N_GRID + 1)
            new = np.interp(targets, cm, old)
            new[0], new[-1] = 0.0, 1.0
            setup.grid[c] = new


class _EventWork:
    """Inputs and staging of ``gen.core.event_kernel.event_kernel`` for one run, allocated once and reused."""

    def __init__(self, n: int):
        self.u = np.empty((n, 4))
        self.seeds = np.empty(n, np.uint64)
        self.s_int = np.empty((3, 0), np.int32)
        self.s_kin = np.empty((8, 0))

    def staging(self, rows: int):
        if self.s_int.shape[1] < rows:
            self.s_int = np.empty((3, rows), np.int32)
            self.s_kin = np.empty((8, rows))
        return self.s_int, self.s_kin


def _event_tables(setup: GeneratorSetup, n_total: int, recipe=None) -> tuple[FluxTables, ChannelTables, DecayTables,
                                                                             CompactTables]:
    """The named per-run inputs of ``gen.core.event_kernel.event_kernel`` (``gen.core.tables``) for a run of
    ``n_total`` events, with the compact record of ``recipe`` (``gen.core.events.compact_tables``; None: none)."""
    codes = setup.ch_codes
    icode = np.stack([codes[k].astype(np.int64) for k in ("projectile_pdg", "target_pdg", "regime", "helicity",
                                                           "helicity_flip", "hnl_pdg", "scatter_pdg", "n_pdg")], axis=1)
    flux = FluxTables(edges=setup.flux_edges, density=setup.flux_dens)
    chans = ChannelTables(cum=setup.ch_cum, flavour=setup.ch_flav, params=setup.params, norm=setup.ch_norm / n_total,
                          m_N=setup.ch_mN, M=setup.ch_M, m2map=setup.ch_m2map, E_edges=setup.E_edges, E_cdf=setup.E_cdf,
                          grid=setup.grid, codes=icode, pol=setup.ch_pol, root=setup.ch_root, br=setup.ch_br)
    return flux, chans, setup.graph.tables(), compact_tables(recipe, codes)


def _generate_blocks(setup: GeneratorSetup, seed: int, blocks: list, tables: tuple, work: _EventWork,
                     buf: ColumnBuffer) -> None:
    """Generate the events of consecutive blocks ``[(block, start, stop), ...]`` and append them to ``buf``.

    Per block, the production uniforms and the cascade seeds come from the block's streams
    (``gen.core.rng``); one ``event_kernel`` call turns them into finished event columns.
    """
    first = blocks[0][1]
    m = blocks[-1][2] - first
    for b, start, stop in blocks:
        R.block_rng(seed, b, R.PURPOSE_PRODUCTION).random(out=work.u[start - first:stop - first])
        work.seeds[start - first:stop - first] = R.block_rng(seed, b, R.PURPOSE_DECAY).integers(
            0, 2**63, stop - start, dtype=np.uint64)
    # one contiguous part per thread (numba schedules prange statically); the parts after the first cost one
    # copy of their particle rows
    n_parts = max(1, min(numba.get_num_threads(), m // EK.EVENT_TASK))
    s_int, s_kin = work.staging((m - -(-m // n_parts)) * setup.slots)
    e0 = buf.n_events
    if e0 + m > buf.n or buf.n_particles + m * setup.slots > buf.f_int.shape[1]:
        raise ValueError("ColumnBuffer too small for the blocks")
    out = buf.outputs()
    precompile.wait_pending()  # a cold start of a library-driven command: the helper compiles the event kernel
    rows = EK.event_kernel(work.u[:m], work.seeds[:m], first, n_parts, e0, buf.n_particles, *tables, out,
                           s_int, s_kin, setup.slots, EK.EVENT_TASK)
    if buf.counts[e0:e0 + m].min() < 0:
        raise RuntimeError(f"decay cascade longer than {setup.slots} particle slots")
    buf.n_events += m
    buf.n_particles += rows


_BUFFER_POOL = 4


def iter_generate(card, n_events: int | None = None, seed: int | None = None, chunk_size: int | None = None, *,
                  setup: GeneratorSetup | None = None, decays=None, reconstruct: bool = False,
                  stage=None, compact=None) -> Iterator[ak.Array]:
    """Yield the events of a run in chunks (each a whole number of ``gen.core.rng.BLOCK_SIZE`` blocks).

    The concatenation of the chunks does not depend on ``chunk_size`` or on the numba thread count.
    ``chunk_size`` is rounded up to a multiple of the block size (default 8 blocks = 131072 events).
    The memory of a chunk is reused for a later chunk only once nothing refers to it any more (NumPy
    reference counts; ``gen.core.events.ColumnBuffer.in_use``), so chunks or arrays taken from them may be kept.
    ``reconstruct=True`` applies the experiment's detector (module docstring); ``stage`` is an
    existing detector stage (``gen.stages.base.make_stage``) to use (it accumulates histograms and sums).

    ``compact``: the card's recipe of the compact record (upscattering: the ``ParticleRecipe`` of ``setup``,
    ``gen.core.events.particles_recipe``; meson decays: ``gen.sources.meson_decay_run.na62_particles_recipe``'s):
    the chunks hold the compact record's list, named ``detectors.output.storage.COMPACT_FIELD`` instead of
    ``particles``: empty for the events whose named records hold their list (the kernel leaves their rows out,
    ``gen.core.event_kernel._compact_task``), what ``EventWriter(record="compact")`` writes as it is;
    ``detectors.output.particle_list.rebuild_particles(chunk, compact, stored=chunk[COMPACT_FIELD])`` gives the full
    list. Give the writer this same recipe (``particles_recipe``): a file stores the writer's recipe and is rebuilt
    from it (``hnlgen run`` and ``hnlgen bench`` hand both the one ``CompactPlan.choose`` gives).
    """
    card = _as_card(card)
    info = experiment_info(card.experiment.name)
    source_iter = source_entry(info.source, "iter_generate")
    if source_iter is not None:  # a source with a generator of its own (meson decays: gen.sources.meson_decay_run)
        yield from source_iter(card, n_events, seed, chunk_size, reconstruct=reconstruct,
                               **({} if compact is None else {"compact": compact}))
        return
    n, s, bpc = resolve_run(card, n_events, seed, chunk_size)
    if setup is None:
        setup = prepare(card, decays=decays, seed=s)
    if stage is None and reconstruct:
        stage = make_stage(setup, s)
    per_call = min(bpc, _BLOCKS_PER_CALL)
    work = _EventWork(min(n, per_call * R.BLOCK_SIZE))
    tables = _event_tables(setup, n, compact)
    list_field = "particles" if compact is None else COMPACT_FIELD
    # Chunk buffers are reused once the caller has released their chunk: memory written before is
    # several times faster to write than fresh pages. A plain ``for chunk in iter_generate(...)`` still
    # holds the previous chunk while the next one is generated, hence two buffers in turn; a writer
    # thread (detectors.output.writer_thread, queue depth 1) holds one more, hence a pool of up to four.
    pool: list[ColumnBuffer] = []
    for blocks in R.block_chunks(n, bpc):  # lazy: memory bounded whatever n
        m = blocks[-1][2] - blocks[0][1]
        buf = next((b for b in pool if b.n >= m and not b.in_use()), None)
        if buf is None:
            buf = ColumnBuffer(m, m * setup.slots)
        else:
            pool.remove(buf)
            buf.reset()
        for j in range(0, len(blocks), per_call):
            _generate_blocks(setup, s, blocks[j:j + per_call], tables, work, buf)
        chunk = build_events(buf.columns(), list_field)
        if stage is not None:
            chunk = stage.apply(chunk)
        pool = [*pool[-(_BUFFER_POOL - 1):], buf]
        yield chunk
        del chunk


def generate(card, n_events: int | None = None, seed: int | None = None, chunk_size: int | None = None, *,
             setup: GeneratorSetup | None = None, decays=None, reconstruct: bool = False) -> ak.Array:
    """Generate weighted events for a run card; returns the event record array (``gen.core.events``).

    Parameters
    ----------
    card : gen.card.RunCard or path
        The run card (a path is loaded with ``gen.card.load_card``).
    n_events, seed : int, optional
        Override the card's ``[run] events`` and ``seed``.
    chunk_size : int, optional
        Events per internal chunk; the result does not depend on it. Default: one chunk, so the
        events are written once, straight into the arrays returned (no concatenation).
    reconstruct : bool
        Apply the experiment's detector (MiniBooNE: ``gen.stages.base``; NA62: ``gen.sources.meson_decay_run``):
        the array ``hnlgen run`` writes. Default False: truth only.
    """
    card = _as_card(card)
    if chunk_size is None and not experiment_info(card.experiment.name).meson_decay:
        # one chunk (up to gen.core.rng.MAX_CHUNK_SIZE): the events are written once into the arrays returned
        chunk_size = min(card.run.events if n_events is None else int(n_events), R.MAX_CHUNK_SIZE)
    chunks = list(iter_generate(card, n_events, seed, chunk_size, setup=setup, decays=decays, reconstruct=reconstruct))
    return chunks[0] if len(chunks) == 1 else ak.concatenate(chunks)


def _as_card(card):
    return card if isinstance(card, RunCard) else load_card(card)


@dataclasses.dataclass
class RunSummary:
    """Totals of a run. Expected events are for the card's exposure; errors are MC (1 sigma).

    ``upscattered``: N produced (sum of weight / BR of the selected final state; channels whose N
    cannot reach the final state are added from the rate tables). ``final_state``: sum of weights.
    ``in_fiducial_volume``: sum of weight * w_fiducial (w_fiducial is 1 until the detector module
    computes it). MC error of a sum S of weights over N events: sqrt(sum w^2 - S^2/N).
    """

    events_generated: int
    upscattered: float
    upscattered_error: float
    final_state: float
    final_state_error: float
    in_fiducial_volume: float
    in_fiducial_volume_error: float
    effective_sample_size: float
    wall_time_s: float
    per_channel: dict
    selected: float | None = None  # MiniBooNE selection (sum of weight_selected), when the detector ran
    selected_error: float | None = None

    @property
    def mc_rel_error(self) -> float:
        return self.final_state_error / self.final_state if self.final_state > 0 else math.inf

    @property
    def events_per_second(self) -> float:
        return self.events_generated / self.wall_time_s if self.wall_time_s > 0 else math.inf

    def to_json_dict(self) -> dict:
        expected = {"upscattered": self.upscattered, "final_state": self.final_state,
                    "in_fiducial_volume": self.in_fiducial_volume}
        if self.selected is not None:
            expected["selected"] = self.selected
        return {
            "expected_events": expected,
            "mc_rel_error": self.mc_rel_error,
            "events_generated": self.events_generated,
            "effective_sample_size": self.effective_sample_size,
            "wall_time_s": self.wall_time_s,
        }


class Accumulator:
    """Running sums for the summary (weights per event, per channel label).

    Sums are exact (``gen.core.exact_sum.ExactSum``), so the totals are bit-identical for any chunk size and
    numba thread count (the events themselves are, ``gen.core.rng``).
    """

    _SUMS = ("sw", "sw2", "su", "su2", "sf", "sf2", "ss", "ss2")

    def __init__(self, setup: GeneratorSetup):
        self.setup = setup
        self.n = 0
        # sw: weight; su: upscattered = weight / BR; sf: fiducial; ss: selected; *2: sums of squares
        self._sums = {name: ExactSum() for name in self._SUMS}
        self.has_selected = False  # the events carry weight_selected (detector stage)
        self._per = {}

    @property
    def per(self) -> dict:
        return {k: (s.value, s2.value) for k, (s, s2) in self._per.items()}

    def add(self, ev: ak.Array) -> None:
        w = ak.to_numpy(ev.weight)
        wf = w * ak.to_numpy(ev.w_fiducial)
        hnl = ak.to_numpy(ev.hnl_pdg)
        # upscattered rate: undo the final-state branching ratio (it depends on the N_i only)
        br = np.ones(len(w))
        for name, code in _HNL_PDG.items():
            if name in self.setup.graph.root_factor:
                br[hnl == code] = self.setup.graph.root_factor[name]
        wu = np.where(br > 0, w / np.where(br > 0, br, 1.0), 0.0)
        parts = [("sw", w), ("sf", wf), ("su", wu)]
        if "weight_selected" in ev.fields:
            self.has_selected = True
            parts.append(("ss", ak.to_numpy(ev.weight_selected)))
        self.n += len(w)
        for attr, x in parts:
            self._sums[attr].add(x)
            self._sums[attr + "2"].add(x * x)
        rev_reg = {v: k for k, v in REGIME_CODES.items()}
        key = (ak.to_numpy(ev.projectile_pdg), ak.to_numpy(ev.target_pdg), ak.to_numpy(ev.regime))
        for (pp, tp, rg), grp in _group(key, w):
            name = f"{pp}/{tp}/{rev_reg[rg]}"
            s, s2 = self._per.setdefault(name, (ExactSum(), ExactSum()))
            s.add(grp)
            s2.add(grp * grp)

    def summary(self, wall: float) -> RunSummary:
        def err(s, s2):
            # MC error of a sum of weights over N events: sqrt(sum w^2 - (sum w)^2 / N)
            return math.sqrt(max(s2 - s * s / self.n, 0.0)) if self.n else math.nan

        sw, sw2, su, su2, sf, sf2, ss, ss2 = (self._sums[k].value for k in self._SUMS)
        # channels whose N cannot reach the selected final state are not sampled: their upscattering
        # rate comes from the tables (no MC error)
        excluded = math.fsum(self.setup.ch_rate_table[self.setup.ch_br <= 0])
        return RunSummary(
            events_generated=self.n,
            upscattered=su + excluded, upscattered_error=err(su, su2),
            final_state=sw, final_state_error=err(sw, sw2),
            in_fiducial_volume=sf, in_fiducial_volume_error=err(sf, sf2),
            effective_sample_size=float(sw**2 / sw2) if sw2 > 0 else 0.0,
            wall_time_s=wall,
            per_channel={k: {"expected": float(s), "error": err(s, s2)} for k, (s, s2) in sorted(self.per.items())},
            selected=ss if self.has_selected else None,
            selected_error=err(ss, ss2) if self.has_selected else None,
        )


def _group(keys, w):
    uniq, inv = group_index(*keys)
    for i, row in enumerate(uniq):
        yield row, w[inv == i]


def summarize(events: ak.Array, setup: GeneratorSetup, wall_time_s: float = 0.0) -> RunSummary:
    """Summary (expected events with MC errors, effective sample size) of generated events."""
    acc = Accumulator(setup)
    acc.add(events)
    return acc.summary(wall_time_s)


def run_metadata(setup: GeneratorSetup, summary: RunSummary, seed: int) -> dict[str, str]:
    """Strings stored next to the events tree (``detectors.output.root``)."""
    return {
        "run_card": card_to_toml(resolved_card_dict(setup.card)),
        "model": jsonout.dumps({"model": setup.model.summary(), "decays": setup.decay_info}, default=float),
        "expected_events": jsonout.dumps({**summary.to_json_dict(), "errors": {
            "upscattered": summary.upscattered_error, "final_state": summary.final_state_error,
            "in_fiducial_volume": summary.in_fiducial_volume_error,
            **({"selected": summary.selected_error} if summary.selected is not None else {})},
            "per_channel": summary.per_channel}),
        "pot": repr(float(setup.experiment.pot)),
        "seed": str(int(seed)),
        "hnlgen_version": __version__,
    }


