"""``hnlgen run CARD``: generate events and write them to a ROOT file, then print the run summary.

Weighted events by default (``weight`` sums to the expected number of events for the card's
exposure). On a MiniBooNE card the detector stage (``gen.stages.base``) runs on every chunk: the
tree gains the upscattering ``vertex``, the exact ``w_fiducial`` and the reconstructed branches of
``detectors.miniboone.response.RECO_BRANCHES``, the file gains TH1D histograms ``h_E_QE``, ``h_E_vis`` and
``h_cos_theta`` of the selected events, and the summary gains ``selected`` (``--no-detector``: truth
only). An NA62 card runs ``gen.sources.meson_decay_run`` (kaon decays, NA62 reconstruction, invariant-mass TH1Ds).
``--unweighted N`` makes a second, identical pass over the same events (the generator is
deterministic) and keeps each with probability w / w_max (its own random stream,
``gen.core.rng.PURPOSE_UNWEIGHT``), up to N events, each with weight (expected events) / N.

``--format`` (default ``[run] format``, itself ``ttree``) chooses the file layout: ``ttree`` and
``rntuple`` (``detectors.output.root.EventWriter``) hold the same records, histograms and metadata;
``hepmc3`` (``detectors.output.hepmc.HepMC3Writer``, NuHepMC conventions, optional dependency pyhepmc) holds
the particle records, the weights and the run description known before the first event
(``gen.output.nuhepmc``), not the reconstructed fields, the histograms or the final totals (sum the CV
weights). NA62 cards write ``ttree`` or ``rntuple``.

``--precision`` (default ``mixed``: float32 four-vectors, vertices and reconstructed observables) and
``--record`` (``compact``, the default of cards whose named records hold >= 50% of the events' particle lists: the
list only of the other events, rebuilt on reading, lossless; ``full``; ``slim``: no particle list) choose
what the ROOT layouts store (``detectors.output.storage``, ``detectors.output.particle_list``); the file is written by
a thread (``detectors.output.writer_thread``) while the next chunk is generated. On a terminal, numba compilation (first run after an install or an edit) is
announced (``physics._jit.CompileMonitor``).
"""

from __future__ import annotations

import errno
import json
import sys
import time

import numpy as np

from gen.cli import interrupt
from gen.output import jsonout

_SUMMARY_FIELDS = ("upscattered", "final_state", "in_fiducial_volume")
FORMATS = ("ttree", "rntuple", "hepmc3")
_ROOT_SUFFIX = ".root"


def register(subparsers) -> None:
    from gen.cli._argtypes import bounded_int, card_int
    from gen.core.rng import MAX_CHUNK_SIZE

    p = subparsers.add_parser("run", help="generate events for a run card and write them to a ROOT file")
    p.add_argument("card", help="TOML run card, or the name of a bundled card (hnlgen cards)")
    p.add_argument("-n", "--events", type=card_int("run.events"), default=None,
                   help="number of (weighted) events; default [run] events")
    p.add_argument("--seed", type=card_int("run.seed"), default=None, help="random seed; default [run] seed")
    p.add_argument("-o", "--output", default=None, help="output file: FILE.root (TTree or RNTuple) or FILE.hepmc3 (NuHepMC); "
                                                        "default [run] output")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="file layout; default from the -o suffix (.hepmc3/.hepmc: hepmc3; .root: [run] format, ttree unless it "
                        "says rntuple): ttree (every ROOT 6 and JSROOT), rntuple (ROOT >= 6.34, uproot >= 5.7) "
                        "or hepmc3 (HepMC3 ASCII following NuHepMC; needs pip install \"hnlgen[hepmc]\")")
    p.add_argument("--unweighted", type=card_int("run.events"), default=None, metavar="N",
                   help="write N unweighted events (accept-reject on the weighted sample)")
    p.add_argument("--chunk-size", type=bounded_int(1, MAX_CHUNK_SIZE, "a chunk is held in memory, ~1 kB per event"),
                   default=None, help="events per chunk in memory (default 131072)")
    p.add_argument("--compression", choices=("lz4", "zlib", "zstd", "none"), default=None,
                   help="compression of ttree/rntuple (default lz4; zlib for the oldest readers); not for hepmc3 (plain text)")
    p.add_argument("--precision", choices=("mixed", "double"), default=None,
                   help="stored precision (ttree/rntuple): mixed (default: float32 four-vectors, vertices, reconstructed "
                        "observables; weights, E_nu, Q2 in double; README 'Branch precision') or double (every float64)")
    p.add_argument("--record", choices=("compact", "full", "slim"), default=None,
                   help="ttree/rntuple: compact (default where the named records hold >= 50%% of the lists): the particle "
                        "list only of the events whose named records do not hold it, rebuilt by read_events (lossless); "
                        "full: every event's list; slim: no list")
    p.add_argument("--no-detector", action="store_true",
                   help="truth only: skip the detector stage (MiniBooNE reconstruction / NA62 reconstruction)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


class _Progress:
    """Events, rate and ETA on one stderr line (tqdm), only on a terminal (logs stay quiet)."""

    def __init__(self, total: int, label: str):
        from tqdm import tqdm

        self.done = 0
        self.bar = tqdm(total=total, desc=label, unit=" events", unit_scale=True, file=sys.stderr, leave=True,
                        disable=not sys.stderr.isatty(), dynamic_ncols=True)

    def update(self, done: int) -> None:
        interrupt.check()  # a Ctrl-C swallowed during a compile stops the run here, before the file is complete
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        interrupt.check()
        self.bar.close()


def _unweight_uniforms(seed: int, start: int, n: int) -> np.ndarray:
    """One uniform per event [start, start + n) from the blocks' unweighting streams (chunk-independent)."""
    from gen.core import rng as R

    return np.concatenate([R.block_rng(seed, b, R.PURPOSE_UNWEIGHT).random(e - s) for b, s, e in R.block_ranges(start, n)])


def _resolve_format(explicit: str | None, out: str, card) -> str:
    """The output layout: ``--format`` if given, else from the suffix of ``out`` (``.hepmc3``/``.hepmc``:
    hepmc3; ``.root``: the card's ROOT layout, ``[run] format`` ttree or rntuple), else ``[run] format``."""
    from pathlib import Path

    from detectors.output.hepmc import HEPMC_SUFFIXES

    if explicit is not None:
        return explicit
    suffix = Path(out).suffix
    if suffix in HEPMC_SUFFIXES:
        return "hepmc3"
    if suffix == _ROOT_SUFFIX and card.run.format == "hepmc3":
        return "ttree"  # the -o name asks for ROOT; [run] format = "hepmc3" is about the card's own output name
    return card.run.format


def _format_error(fmt: str, out: str, card) -> str | None:
    """Why ``out`` cannot hold format ``fmt`` (None if it can)."""
    from pathlib import Path

    from detectors.output.hepmc import HEPMC_SUFFIXES
    from gen.experiments import experiment_info

    suffix = Path(out).suffix
    if fmt == "hepmc3" and experiment_info(card.experiment.name).meson_decay:
        return (f"--format hepmc3 is not available for {card.experiment.name} cards (meson-decay source): NuHepMC describes a beam neutrino scattering on a target, "
                "an NA62 event has neither (use ttree or rntuple)")
    if fmt == "hepmc3" and suffix not in HEPMC_SUFFIXES:
        return f"--format hepmc3 writes HepMC3 ASCII: the output {out!r} must end in {' or '.join(HEPMC_SUFFIXES)} (-o FILE.hepmc3)"
    if fmt != "hepmc3" and suffix in HEPMC_SUFFIXES:
        return f"--format {fmt} writes a ROOT file: the output {out!r} must not end in {suffix} (use --format hepmc3 or -o FILE.root)"
    return None


def output_path_error(out: str) -> str | None:
    """Why the output ``out`` cannot be written (None if it can): an existing directory, a missing or
    read-only directory. Checked before any event is generated; directories are never created."""
    import os
    from pathlib import Path

    p = Path(out)
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        return f"-o {out}: is a directory (give a file name, e.g. {p / 'events.root'})"
    if not parent.exists():
        return f"-o {out}: the directory {str(parent)!r} does not exist (create it first)"
    if not parent.is_dir():
        return f"-o {out}: {str(parent)!r} is not a directory"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"-o {out}: the directory {str(parent)!r} is not writable"
    if p.exists() and not os.access(p, os.W_OK):
        return f"-o {out}: the existing file is not writable"
    return None


def _open_writer(fmt: str, out: str, compression: str, setup, seed: int, unweighted: int | None, n: int,
                 precision: str = "mixed", record: str = "full", recipe=None):
    if fmt == "hepmc3":
        from detectors.output.hepmc import HepMC3Writer
        from gen.output.nuhepmc import nuhepmc_run_info

        extra = {} if unweighted is None else {"unweighted": json.dumps({"events": unweighted, "from_weighted": n})}
        return HepMC3Writer(out, nuhepmc_run_info(setup, seed, extra))
    from detectors.output.root import EventWriter
    from detectors.output.writer_thread import BackgroundWriter
    from gen.output.docs import event_branch_titles

    writer = EventWriter(out, compression=compression, format=fmt, precision=precision, record=record, particles_recipe=recipe)
    writer.branch_titles = event_branch_titles()
    # compression and writing overlap with the generation of the next chunk (same file as a plain writer)
    return BackgroundWriter(writer)


#: errno values of a failed write of the output (disk full, quota, permissions, read-only filesystem, ...):
#: the environment's fault, reported as one line with exit 2 rather than as a bug.
_OUTPUT_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.ENOENT,
                  errno.ENOTDIR, errno.EISDIR}


def run(args) -> int:
    """``hnlgen run``; a message while kernels compile (on a terminal)."""
    from physics._jit import CompileMonitor, skip_numba_extensions

    skip_numba_extensions()  # the run's kernels use no numba extension (vector, awkward): ~0.4 s of start-up

    if not sys.stderr.isatty():  # like the progress bar: logs stay quiet
        return _run_checked(args)
    monitor = CompileMonitor(sys.stderr).install()
    try:
        return _run_checked(args)
    finally:
        monitor.uninstall()
        line = monitor.report()
        if line is not None:
            print(line, file=sys.stderr)


def _run_checked(args) -> int:
    """A failed write of the output is a ``gen.errors.OutputFileError`` naming the file; a value outside the
    stored precision's range is refused (``detectors.output.storage``, the partial file already removed)."""
    from detectors.output.storage import StorageRangeError
    from gen.errors import OutputFileError

    try:
        return _run(args)
    except StorageRangeError as err:
        print(f"hnlgen run: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        if err.errno not in _OUTPUT_ERRNOS:
            raise
        where = err.filename or args.output or "the output file"
        raise OutputFileError(f"cannot write {where}: {err.strerror}") from err


def _run(args) -> int:
    from gen.core import precompile as _precompile

    # empty kernel cache: the event kernel compiles in a helper process while this one reads and prepares the
    # card; started before anything else so that its imports overlap ours (stopped if the run does not need it)
    helper = _precompile.start()
    try:
        return _run_with(args, helper)
    finally:
        _precompile.stop(helper)


def _run_with(args, helper) -> int:
    import awkward as ak

    from gen.card import load_card
    from gen.core import precompile as _precompile
    from gen.preflight import validate_for_run
    from gen.sources.upscattering import Accumulator, iter_generate, run_metadata

    card = load_card(args.card)
    n = card.run.events if args.events is None else args.events
    seed = card.run.seed if args.seed is None else args.seed
    out = args.output or card.run.output
    fmt = _resolve_format(args.format, out, card)
    problem = _format_error(fmt, out, card)
    if problem is not None:
        print(f"hnlgen run: {problem}", file=sys.stderr)
        return 2
    if fmt == "hepmc3" and args.compression is not None:
        print(f"hnlgen run: --compression {args.compression} applies to ttree and rntuple; a HepMC3 file is plain text "
              "(compress it afterwards, pyhepmc.open reads .gz/.xz/.bz2)", file=sys.stderr)
        return 2
    compression = args.compression or "lz4"
    problem = output_path_error(out)
    if problem is not None:
        print(f"hnlgen run: {problem}", file=sys.stderr)
        return 2
    for flag, value in (("--precision", args.precision), ("--record", args.record)):
        if fmt == "hepmc3" and value is not None:
            print(f"hnlgen run: {flag} {value} applies to ttree and rntuple; a HepMC3 file stores every particle "
                  "with HepMC3's double precision", file=sys.stderr)
            return 2
    precision = args.precision or "mixed"
    record = args.record
    if fmt == "hepmc3":
        from detectors.output.hepmc import _pyhepmc

        try:
            _pyhepmc()
        except ImportError as err:
            print(f"hnlgen run: {err}", file=sys.stderr)
            return 2
    if n < 1:
        print(f"hnlgen run: -n = {n}: must be >= 1", file=sys.stderr)
        return 2
    if args.unweighted is not None and args.unweighted < 1:
        print(f"hnlgen run: --unweighted = {args.unweighted}: must be >= 1", file=sys.stderr)
        return 2
    detector = not args.no_detector
    from gen.experiments import SOURCES, experiment_info, source_entry

    info = experiment_info(card.experiment.name)
    source_run = source_entry(info.source, "run")
    if source_run is not None:  # a source with a run loop of its own (meson decays: gen.sources.meson_decay_run.run_na62)
        _precompile.stop(helper)  # it compiles the upscattering kernel
        if args.unweighted is not None:
            print(f"hnlgen run: --unweighted is not available for {card.experiment.name} cards", file=sys.stderr)
            return 2
        src = SOURCES[info.source]
        # this source's kernels, compiled by a helper of their own while the parent builds the decay table
        own = _precompile.start(src.precompile_helper, src.precompile_marker) if src.precompile_helper else None
        parent_share = source_entry(info.source, "precompile_parent")
        try:
            return source_run(card, n, seed, out, chunk_size=args.chunk_size, compression=compression, format=fmt,
                              reconstruct=detector, as_json=args.json, progress=_Progress, precision=precision,
                              record=record,
                              before_events=lambda: _precompile.wait(own, (parent_share,) if parent_share else ()))
        finally:
            _precompile.stop(own)
    from gen.core.events import COMPACT_FALLBACK, particles_recipe
    from gen.stages.base import make_stage, stage_warmup

    t0 = time.perf_counter()
    _precompile.share(helper, _precompile.late_units(stage_warmup(info.detector_response) if detector else ()))
    setup = validate_for_run(card, seed=seed, adapt=True)
    acc = Accumulator(setup)
    stage = None
    if detector:
        stage = make_stage(setup, seed)
    recipe = None
    if fmt != "hepmc3" and (record or "compact") == "compact":
        plan = particles_recipe(setup.graph, setup.ch_codes, setup.ch_root, setup.ch_prob)
        # the default: compact where it saves (gen.core.events.COMPACT_MIN_COVERAGE); --record compact: whenever it can
        if record == "compact" and plan.recipe is None:
            print(f"hnlgen run: {COMPACT_FALLBACK}", file=sys.stderr)
        record, recipe = plan.choose(record)
    _precompile.wait(helper)
    w_max = 0.0
    with _open_writer(fmt, out, compression, setup, seed, args.unweighted, n, precision, record or "full", recipe) as writer:
        prog = _Progress(n, "generating")
        done = 0
        # the compact record is made by the event kernel (gen.core.event_kernel._compact_task): the writer takes it as it is
        for chunk in iter_generate(card, n, seed, args.chunk_size, setup=setup, stage=stage, compact=recipe):
            acc.add(chunk)
            if args.unweighted is None:
                writer.write(chunk)
            else:
                w_max = max(w_max, float(ak.max(chunk.weight)))
            done += len(chunk)
            prog.update(done)
        prog.close()
        summary = acc.summary(time.perf_counter() - t0)
        if args.unweighted is not None:
            kept = 0
            total = summary.final_state
            prog = _Progress(n, "unweighting")
            done = 0
            stage2 = None
            if stage is not None:
                from gen.stages.base import make_stage

                stage2 = make_stage(setup, seed)  # same events again; its histograms are not used
            for chunk in iter_generate(card, n, seed, args.chunk_size, setup=setup, stage=stage2, compact=recipe):
                u = _unweight_uniforms(seed, done, len(chunk))
                keep = u * w_max < ak.to_numpy(chunk.weight)
                sel = chunk[keep][: args.unweighted - kept]
                if len(sel):
                    w_new = np.full(len(sel), total / args.unweighted)
                    sel = ak.with_field(sel, w_new, "weight")
                    if "weight_selected" in sel.fields:
                        sel = ak.with_field(sel, w_new * ak.to_numpy(sel.w_fiducial) * ak.to_numpy(sel.w_efficiency)
                                            * ak.to_numpy(sel.passes_selection), "weight_selected")
                    writer.write(sel)
                kept += len(sel)
                done += len(chunk)
                prog.update(done)
                if kept >= args.unweighted:
                    break
            prog.close()
            if kept < args.unweighted:
                writer.abort()
                print(f"hnlgen run: only {kept} of {args.unweighted} unweighted events from {n} weighted events "
                      f"(efficiency {summary.final_state / (n * w_max):.3g}); increase -n", file=sys.stderr)
                return 1
        summary.wall_time_s = time.perf_counter() - t0
        if fmt != "hepmc3":  # the HepMC3 run information was written with the first event
            if stage is not None and stage.hists.hists is not None:
                from detectors.miniboone.response import write_histograms

                write_histograms(writer.root_file, stage.hists.hists)
            writer.metadata.update(run_metadata(setup, summary, seed))
            writer.run_values = _run_values(setup, summary, seed)
            if args.unweighted is not None:
                writer.metadata["unweighted"] = json.dumps({"events": args.unweighted, "w_max": w_max, "from_weighted": n})
    if args.json:
        print(jsonout.dumps(summary_dict(setup, summary)))
    else:
        _print_summary(summary, out, setup, histograms=fmt != "hepmc3")
    return 0


def summary_dict(setup, s) -> dict:
    """The run summary in the one schema of every experiment (``gen.output.docs.summary_json``)."""
    from gen.output.docs import summary_json

    expected = s.to_json_dict()["expected_events"]
    errors = {"upscattered": s.upscattered_error, "final_state": s.final_state_error,
              "in_fiducial_volume": s.in_fiducial_volume_error, "selected": s.selected_error}
    return summary_json(setup.experiment.name, (setup.experiment.pot, "POT"), expected, errors, s.events_generated,
                        s.effective_sample_size, s.wall_time_s)


def _run_values(setup, s, seed: int) -> dict:
    """The numbers of the ``run`` tree (``detectors.output.root.EventWriter.run_values``)."""
    d = summary_dict(setup, s)
    vals = {
        "pot": (float(setup.experiment.pot), "pot [POT]: protons on target of the card's exposure"),
        "target_atoms": (float(sum(t.n_nuclei for t in setup.experiment.targets)),
                         "target_atoms: target nuclei of all species in the detector"),
        "seed": (int(seed), "seed: random seed of the run"),
        "events_generated": (int(s.events_generated), "events_generated: entries of the events tree"),
    }
    for k, v in d["expected_events"].items():
        if v is not None:
            vals[f"expected_{k}"] = (float(v), f"expected_{k} [events]: expected events, {k} (sum of the weights)")
    for k, v in d["errors"].items():
        if v is not None:
            vals[f"expected_{k}_error"] = (float(v), f"expected_{k}_error [events]: Monte Carlo error, sqrt(sum w^2 - S^2/N)")
    return vals


def _print_summary(s, out, setup, histograms: bool = True) -> None:
    print(f"hnlgen run: {s.events_generated} events -> {out}")
    print(f"  expected events (exposure {setup.experiment.pot:.4g} {setup.experiment.exposure_unit}, {setup.experiment.name}):")
    print(f"    upscattered        {s.upscattered:12.5g} +- {s.upscattered_error:.2g}")
    print(f"    final state ({setup.card.process.final_state}) {s.final_state:12.5g} +- {s.final_state_error:.2g}")
    if s.selected is None:
        print(f"    in fiducial volume {s.in_fiducial_volume:12.5g} +- {s.in_fiducial_volume_error:.2g}  (no detector stage: fiducial weight 1)")
    else:
        eff = s.selected / s.final_state if s.final_state > 0 else float("nan")
        from gen.experiments import experiment_info

        resp = experiment_info(setup.card.experiment.name).detector_response
        fiducial = {"microboone_epem": "TPC active argon, 10 cm border; detectors/microboone/response.py",
                    "minerva_nue": "MINERvA: whole fiducial mass, prompt decays",
                    "charm2_nue": "CHARM-II: whole fiducial mass, prompt decays"}.get(resp, "exact decay probability")
        print(f"    in fiducial volume {s.in_fiducial_volume:12.5g} +- {s.in_fiducial_volume_error:.2g}  ({fiducial})")
        hnames, what = {"minerva_nue": ("histograms h_dEdx, h_E_shower", "MINERvA high-dE/dx sideband"),
                        "charm2_nue": ("histograms h_E_theta2, h_E_shower", "CHARM-II nu-e signal region"),
                        "microboone_epem": ("limits: hnlgen limits", "MicroBooNE forward coherent e+e- selection")}.get(
            resp, ("histograms h_E_QE, h_E_vis, h_cos_theta", "MiniBooNE nu_e-like selection"))
        where = hnames if histograms else "HepMC3 weight 'selected'"
        print(f"    selected           {s.selected:12.5g} +- {s.selected_error:.2g}  ({what}; "
              f"efficiency {eff:.3g} of the final state; {where})")
    print("  per channel (projectile pdg / target pdg / regime):")
    for k, v in s.per_channel.items():
        print(f"    {k:32s} {v['expected']:12.5g} +- {v['error']:.2g}")
    print(f"  MC relative error {s.mc_rel_error:.3g} (sqrt(sum w^2 - S^2/N) / S); effective sample size {s.effective_sample_size:.4g} "
          f"of {s.events_generated}; {s.events_per_second:,.0f} events/s (wall {s.wall_time_s:.2f} s incl. setup)")
