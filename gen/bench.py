"""Benchmarks of the generator on the bundled cards: throughput, statistical efficiency, memory, scaling.

``run_benchmarks(cards, n_events)`` (``hnlgen bench [--cards ...] [--events N] [--json FILE]``) measures,
in one process, per card, after a warm-up (numba compilation / cache load; the card setup
``prepare`` and the construction of the detector stage are timed separately as ``setup_s``):

* events/s for generation alone (truth), generation + detector stage (``reconstruct=True``:
  MiniBooNE ``gen.stages.base``, NA62 ``gen.sources.meson_decay_run``), and generation + detector + ROOT writing
  (``detectors.output.root.EventWriter`` to a temporary directory, as ``hnlgen run`` writes by default:
  float32 branches of ``detectors.output.storage``, LZ4, writer thread ``detectors.output.writer_thread``), each the
  median of ``reps`` interleaved repetitions (a shared machine slows single passes at random); beside
  it the same pass with each writer configuration of ``LEVERS`` (before/after the levers of issue 16,
  added one at a time, the last two the compact record, made by the writer's check and then by the event kernel) and ``OPTIONS`` (slim record, other compressions, RNTuple), with their file
  size per event, all in the same interleaved repetitions, so their ratios are measured in one run;
* the marginal end-to-end rate (issue 16's measure, ``marginal_rate``): the default writer, and the RNTuple option,
  on ``MARGINAL_FACTOR`` x ``n_events`` events less their ``n_events`` pass of the same repetition;
* effective sample size per second, ESS = (sum w)^2 / sum w^2 of the final-state weights, over the
  generation + detector wall time;
* the wall time to reach 1% MC uncertainty on the expected number of selected events (MiniBooNE
  ``weight_selected``, NA62 ``weight_accepted``; the final state when the card has no detector):
  with S = sum w_sel over N events and sigma_S^2 = sum w_sel^2 - S^2/N, the relative variance per
  event is v = N (sigma_S / S)^2, so N_1% = v / 0.01^2 events, at the measured rate R of
  generation + detector: T_1% = t_setup + N_1% / R;
* peak memory: the process's maximum resident set size (``resource.getrusage``) after the passes,
  and the peak of Python/NumPy allocations traced by ``tracemalloc`` during one generation +
  detector + writing pass of ``n_events`` (bounded by the chunk size, not by ``n_events``);
* scaling: generation events/s with 1 ... all numba threads (``numba.set_num_threads``), medians as above;
* a cProfile of one generation + detector + writing pass: the functions with the largest own time
  (``profile_top``), i.e. what dominates the hot path;
* on meson-decay (NA62) cards, when run from a checkout: the dedicated N -> nu Z' kernel that the general
  cascade replaced (issue 12; the test oracle ``tests/oracles/na62_dedicated.py``) on the same card, seed
  and events, interleaved with the generator's passes: generation and generation + detector events/s,
  ESS/s, and the generator's ratios to it (``na62_dedicated_oracle``).

Cards whose experiment is not supported by the installed generator, or whose setup fails, are
skipped with the reason (``skipped``).
"""

from __future__ import annotations

import cProfile
import importlib.util
import io
import math
import os
import platform
import pstats
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import awkward as ak
import numba
import numpy as np

from gen.errors import HnlgenError
from gen.experiments import experiment_info

__all__ = ["DEFAULT_CARDS", "BaselineError", "compare_baseline", "format_baseline", "run_benchmarks", "format_table", "machine_info",
           "time_to_precision"]

_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CARDS = ("cards/miniboone_light_zprime.toml", "cards/three_portal_heavy_zprime.toml", "cards/na62_light_zprime.toml")


def machine_info() -> dict:
    """CPU model, core count, numba threads, versions (the context of the figures)."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import uproot

    return {"cpu": model, "cores": os.cpu_count(), "numba_threads": numba.config.NUMBA_NUM_THREADS,
            "python": platform.python_version(), "numba": numba.__version__, "numpy": np.__version__,
            "awkward": ak.__version__, "uproot": uproot.__version__, "platform": platform.platform()}


def time_to_precision(weights: np.ndarray, rate: float, target: float = 0.01, setup_s: float = 0.0) -> dict:
    """Events and wall time for a relative MC error ``target`` on sum(weights) (module docstring)."""
    w = np.asarray(weights, dtype=float)
    n = w.size
    s = float(w.sum())
    if n == 0 or s <= 0:
        return {"rel_error": math.inf, "events": math.inf, "seconds": math.inf}
    var = max(float((w * w).sum()) - s * s / n, 0.0)
    rel = math.sqrt(var) / s
    v = n * rel * rel
    n_target = v / target**2
    return {"rel_error": rel, "rel_variance_per_event": v, "events": n_target,
            "seconds": setup_s + (n_target / rate if rate > 0 else math.inf)}


#: the long pass of the marginal rate has MARGINAL_FACTOR times the events of the short one
MARGINAL_FACTOR = 10


def marginal_rate(extra_events: int, t_short, t_long) -> float:
    """Marginal events/s from paired passes (same repetition) of n and n + ``extra_events`` events: the median
    over the pairs of extra_events / (t_long - t_short), in which the per-pass fixed costs (opening, closing,
    renaming the file; the writer thread's last chunk, written after generation ends) cancel. This is issue 16's
    measure (1e5 events in 6.0 s and 1e6 in 14.6 s: 9e5 / 8.6 s = 105k events/s). NaN for a pair whose longer
    pass was not slower (nothing measurable)."""
    rates = [extra_events / (b - a) if b > a else math.nan for a, b in zip(t_short, t_long, strict=True)]
    return float(np.median(rates)) if rates else math.nan


def marginal_cpu(extra_events: int, cpu_short, cpu_long, t_short, t_long) -> tuple[float, float]:
    """CPU per event (us) and cores used of the marginal part of paired passes (``marginal_rate``'s pairs, with the
    process CPU time of each pass, every thread included): the medians over the pairs of
    (cpu_long - cpu_short) / extra_events and (cpu_long - cpu_short) / (t_long - t_short). The rate is their ratio:
    events/s = cores / CPU per event, so an end-to-end rate below generation's splits into more CPU per event and
    fewer cores used (issue 16). NaN for a pair whose longer pass was not slower."""
    us, cores = [], []
    for c0, c1, a, b in zip(cpu_short, cpu_long, t_short, t_long, strict=True):
        us.append((c1 - c0) / extra_events * 1e6 if b > a else math.nan)
        cores.append((c1 - c0) / (b - a) if b > a else math.nan)
    return (float(np.median(us)), float(np.median(cores))) if us else (math.nan, math.nan)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def _selected_weights(ev) -> tuple[str, np.ndarray]:
    for name in ("weight_selected", "weight_accepted"):
        if name in ev.fields:
            return name, ak.to_numpy(ev[name]).astype(np.float64)
    return "weight", ak.to_numpy(ev.weight).astype(np.float64)


def _stage(card, setup, seed):
    """The MiniBooNE detector stage, built once per card (its construction recomputes the decay table)."""
    if setup is None or experiment_info(card.experiment.name).detector_response != "miniboone":
        return None
    from gen.stages.base import MiniBooNEStage

    return MiniBooNEStage(setup, seed)


#: Writer configurations measured in one run (issue 16's levers), in the order they were added; the last
#: one is what ``hnlgen run`` does by default. (label, EventWriter keywords, writer thread)
LEVERS = (
    ("before: double, full, LZ4, no writer thread", {"precision": "double"}, False),
    ("+ float32 branches", {"precision": "mixed"}, False),
    ("+ writer thread", {"precision": "mixed"}, True),
    ("+ compact record (the writer's check)", {"precision": "mixed", "record": "compact", "in_kernel": False}, True),
    ("+ compact record made in the event kernel (hnlgen run default)", {"precision": "mixed", "record": "compact"}, True),
)
#: Options measured beside the default (not default: what they give up is in README).
OPTIONS = (
    ("full record (every event's particle list)", {"precision": "mixed"}, True),
    ("slim record (no particle list)", {"precision": "mixed", "record": "slim"}, True),
    ("no compression", {"precision": "mixed", "record": "compact", "compression": "none"}, True),
    ("ZSTD(1)", {"precision": "mixed", "record": "compact", "compression": "zstd"}, True),
    ("RNTuple", {"precision": "mixed", "record": "compact", "format": "rntuple"}, True),
    ("baskets of 2^15 events (default 2^17)", {"precision": "mixed", "record": "compact", "basket_events": 1 << 15}, True),
    ("baskets of 2^19 events (default 2^17)", {"precision": "mixed", "record": "compact", "basket_events": 1 << 19}, True),
)
DEFAULT_WRITER = LEVERS[-1]
#: the RNTuple option, whose marginal rate is measured too (issue 16: "the same for RNTuple")
RNTUPLE_WRITER = next(c for c in OPTIONS if c[1].get("format") == "rntuple")


def _compact_plan(card, setup):
    """The card's ``gen.core.events.CompactPlan``, as ``hnlgen run`` builds it (upscattering: from ``setup``'s decay
    graph; meson decays: ``gen.sources.meson_decay_run.na62_particles_recipe``), once per card outside the timed
    passes."""
    if setup is not None:
        from gen.core.events import particles_recipe

        return particles_recipe(setup.graph, setup.ch_codes, setup.ch_root, setup.ch_prob)
    from gen.sources.meson_decay_run import NA62Setup, na62_particles_recipe

    return na62_particles_recipe(NA62Setup(card))


def _pass(card, n, seed, setup, reconstruct, out_path=None, stage=None, writer_cfg=DEFAULT_WRITER, plan=None):
    """One generation pass; returns (seconds, events, final-state weights, selected weights, selected name).
    ``plan``: the card's ``CompactPlan`` (``_compact_plan``), for the writers of the compact record."""
    from gen.sources.upscattering import iter_generate

    writer = None
    compact = None
    if out_path is not None:
        from detectors.output.root import EventWriter
        from detectors.output.writer_thread import BackgroundWriter

        _label, kw, threaded = writer_cfg
        kw = dict(kw)
        in_kernel = kw.pop("in_kernel", True)
        if kw.get("record") == "compact":  # as hnlgen run's default: compact where the card's recipe covers enough events
            record, recipe = plan.choose() if plan is not None else ("full", None)
            kw = dict(kw, record=record, particles_recipe=recipe)
            # the event kernel leaves out the rows the named records hold (hnlgen run), unless the lever before it is
            # measured (the writer's check on the full list)
            if recipe is not None and in_kernel:
                compact = recipe
        writer = EventWriter(out_path, **kw)
        if threaded:
            writer = BackgroundWriter(writer)
    ws, wsel, name = [], [], "weight"
    t0 = time.perf_counter()
    try:
        kw = {"stage": stage} if (reconstruct and stage is not None) else {}
        if compact is not None:
            kw["compact"] = compact
        for chunk in iter_generate(card, n, seed, setup=setup, reconstruct=reconstruct, **kw):
            ws.append(ak.to_numpy(chunk.weight).astype(np.float64))
            name, s = _selected_weights(chunk)
            wsel.append(s)
            if writer is not None:
                writer.write(chunk)
        if writer is not None:
            writer.metadata["bench"] = "hnlgen bench"
            writer.close()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    dt = time.perf_counter() - t0
    return dt, sum(len(x) for x in ws), np.concatenate(ws), np.concatenate(wsel), name


#: The dedicated NA62 kernel the general cascade replaced, kept as a test oracle in the checkout (not installed).
_NA62_ORACLE = _ROOT / "tests" / "oracles" / "na62_dedicated.py"


def _na62_oracle():
    """The oracle module of ``_NA62_ORACLE``, or None outside a checkout."""
    if not _NA62_ORACLE.is_file():
        return None
    # the module name the tests import it under (pytest pythonpath tests/oracles): numba's on-disk cache of its
    # kernels is per file and records the module name, so a second name would poison the cache for the other
    name = "na62_dedicated"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _NA62_ORACLE)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod  # its dataclasses resolve their annotations through sys.modules
        spec.loader.exec_module(mod)
    return sys.modules[name]


def _oracle_pass(oracle, card, n: int, seed: int, reconstruct: bool) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    ws = [ak.to_numpy(c.weight).astype(np.float64) for c in oracle.iter_generate_dedicated(card, n, seed, reconstruct=reconstruct)]
    return time.perf_counter() - t0, np.concatenate(ws)


def _bench_card(path: str, n: int, threads_list, profile: bool, tmp: Path, log, reps: int = 1) -> dict:
    from gen.card import load_card
    from gen.sources.upscattering import prepare

    card = load_card(path)
    seed = card.run.seed
    na62 = experiment_info(card.experiment.name).meson_decay
    t0 = time.perf_counter()
    setup = None if na62 else prepare(card)
    stage = _stage(card, setup, seed)
    t_setup = time.perf_counter() - t0
    plan = _compact_plan(card, setup)
    max_threads = numba.config.NUMBA_NUM_THREADS
    numba.set_num_threads(max_threads)
    _pass(card, min(n, 20_000), seed, setup, True, stage=stage)  # warm-up: JIT / cache load of every kernel
    from detectors.output.particle_list import warm_kernels

    warm_kernels(named_list=setup is None)  # the writer's check of the "writer's check" lever (hnlgen run's kernels make theirs)
    res = {"card": path, "experiment": card.experiment.name, "events": n, "setup_s": t_setup}
    oracle = _na62_oracle() if na62 else None
    if oracle is not None:
        _oracle_pass(oracle, card, min(n, 20_000), seed, True)
    out = tmp / (Path(path).stem + ".root")
    configs = (*LEVERS, *OPTIONS)
    # w2, r2: the long passes of the marginal rates (default writer, RNTuple)
    times: dict[str, list] = {"g": [], "d": [], "og": [], "od": [], "w2": [], "r2": [], **{c[0]: [] for c in configs},
                              **{str(k): [] for k in threads_list}}
    cpu: dict[str, list] = {"g": [], "w2": [], DEFAULT_WRITER[0]: []}  # process CPU seconds of those passes
    file_bytes: dict[str, float] = {}
    for r in range(reps):
        # interleaved repetitions, medians below: a shared machine slows single passes at random
        log(f"  {path}: generation, + detector, + ROOT, thread scaling (repetition {r + 1}/{reps})")
        numba.set_num_threads(max_threads)
        c0 = time.process_time()
        dt, cnt, w, _ws, _ = _pass(card, n, seed, setup, False)
        cpu["g"].append(time.process_time() - c0)
        times["g"].append(dt)
        dt, _, w_d, w_sel, sel_name = _pass(card, n, seed, setup, True, stage=stage)
        times["d"].append(dt)
        if oracle is not None:
            times["og"].append(_oracle_pass(oracle, card, n, seed, False)[0])
            dt, w_o = _oracle_pass(oracle, card, n, seed, True)
            times["od"].append(dt)
        for cfg in configs:
            c0 = time.process_time()
            dt, _, _, _, _ = _pass(card, n, seed, setup, True, out, stage=stage, writer_cfg=cfg, plan=plan)
            if cfg[0] in cpu:
                cpu[cfg[0]].append(time.process_time() - c0)
            times[cfg[0]].append(dt)
            file_bytes[cfg[0]] = out.stat().st_size
            out.unlink()
        # the marginal end-to-end rate (issue 16's measure): the default writer on MARGINAL_FACTOR x n events, less
        # the n-event pass of this repetition, so that opening, closing and renaming the file (fixed costs) cancel
        c0 = time.process_time()
        times["w2"].append(_pass(card, MARGINAL_FACTOR * n, seed, setup, True, out, stage=stage, plan=plan)[0])
        cpu["w2"].append(time.process_time() - c0)
        out.unlink()
        times["r2"].append(_pass(card, MARGINAL_FACTOR * n, seed, setup, True, out, stage=stage, writer_cfg=RNTUPLE_WRITER,
                                 plan=plan)[0])
        out.unlink()
        for k in threads_list:
            numba.set_num_threads(k)
            times[str(k)].append(_pass(card, n, seed, setup, False)[0])
    numba.set_num_threads(max_threads)
    dt_g, dt_d, dt_w = (float(np.median(times[k])) for k in ("g", "d", DEFAULT_WRITER[0]))
    res["file_MB"] = file_bytes[DEFAULT_WRITER[0]] / 1e6
    res["writers"] = [{"writer": c[0], "lever": c in LEVERS, "ev_per_s": cnt / float(np.median(times[c[0]])),
                       "bytes_per_event": file_bytes[c[0]] / cnt} for c in configs if times[c[0]]]
    ess = float(w_d.sum() ** 2 / (w_d * w_d).sum()) if np.any(w_d) else 0.0
    res["e2e_marginal_ev_per_s"] = marginal_rate((MARGINAL_FACTOR - 1) * cnt, times[DEFAULT_WRITER[0]], times["w2"])
    res["marginal_events"] = [cnt, MARGINAL_FACTOR * cnt]
    res["e2e_marginal_rntuple_ev_per_s"] = marginal_rate((MARGINAL_FACTOR - 1) * cnt, times[RNTUPLE_WRITER[0]], times["r2"])
    res["e2e_marginal_cpu_us_per_event"], res["e2e_marginal_cores"] = marginal_cpu(
        (MARGINAL_FACTOR - 1) * cnt, cpu[DEFAULT_WRITER[0]], cpu["w2"], times[DEFAULT_WRITER[0]], times["w2"])
    res["generation_cpu_us_per_event"] = float(np.median(cpu["g"])) / cnt * 1e6
    res["generation_cores"] = float(np.median([c / t for c, t in zip(cpu["g"], times["g"], strict=True)]))
    res["e2e_marginal_effective_ev_per_s"] = res["e2e_marginal_ev_per_s"] * ess / cnt  # x ESS/N
    res.update({
        "generation_ev_per_s": cnt / dt_g,
        "generation_detector_ev_per_s": cnt / dt_d,
        "generation_detector_root_ev_per_s": cnt / dt_w,
        "effective_sample_size": ess,
        "ess_per_s": ess / dt_d,
        "selected_quantity": sel_name,
        "selected_expected": float(w_sel.sum()),
        "time_to_1pct": time_to_precision(w_sel, cnt / dt_d, 0.01, t_setup),
    })
    if oracle is not None:
        og, od = float(np.median(times["og"])), float(np.median(times["od"]))
        ess_o = float(w_o.sum() ** 2 / (w_o * w_o).sum()) if np.any(w_o) else 0.0
        res["na62_dedicated_oracle"] = {
            "generation_ev_per_s": n / og, "generation_detector_ev_per_s": n / od, "ess_per_s": ess_o / od,
            "general_over_dedicated": {"generation": og / dt_g, "generation_detector": od / dt_d,
                                       "ess_per_s": (ess / dt_d) / (ess_o / od) if ess_o > 0 else math.nan}}
    # scaling of generation with numba threads
    res["scaling_generation_ev_per_s"] = {str(k): cnt / float(np.median(times[str(k)])) for k in threads_list}
    res["repetitions"] = reps
    # memory: traced Python/NumPy peak during a full pass (chunk-bounded), process max RSS
    tracemalloc.start()
    _pass(card, n, seed, setup, True, out, stage=stage, plan=plan)
    res["tracemalloc_peak_MB"] = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    out.unlink()
    res["maxrss_MB"] = _maxrss_mb()
    if profile:
        pr = cProfile.Profile()
        pr.enable()
        _pass(card, n, seed, setup, True, out, stage=stage, plan=plan)
        pr.disable()
        out.unlink()
        st = pstats.Stats(pr)
        rows = []
        total = sum(v[2] for v in st.stats.values())
        for (fn, line, name), (_cc, _nc, tt, ct, _callers) in sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:10]:
            rows.append({"function": f"{_short(fn)}:{line}({name})", "own_s": tt, "cumulative_s": ct,
                         "own_fraction": tt / total if total > 0 else math.nan})
        res["profile_top"] = rows
        s = io.StringIO()
        pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(25)
        res["_profile_text"] = s.getvalue()
    return res


def _short(fn: str) -> str:
    for marker in ("site-packages/", "/work/main/", str(_ROOT) + "/"):
        if marker in fn:
            return fn.split(marker, 1)[1]
    return fn


def run_benchmarks(cards=DEFAULT_CARDS, n_events: int = 200_000, *, threads=None, profile: bool = True, reps: int = 3,
                   log=print) -> dict:
    """Benchmark each card (module docstring); returns a JSON-ready dict with ``machine``, ``cards``, ``skipped``."""
    if reps < 1:
        raise ValueError(f"reps = {reps}: must be >= 1")
    max_threads = numba.config.NUMBA_NUM_THREADS
    threads = sorted(set(threads or [1, max_threads]))
    out = {"machine": machine_info(), "events": n_events, "threads": threads, "repetitions": reps,
           "load_average_1min_start": os.getloadavg()[0], "cards": [], "skipped": []}
    with tempfile.TemporaryDirectory(prefix="hnlgen-bench-") as tmp:
        for path in cards:
            p = Path(path)
            if not p.exists() and (_ROOT / p).exists():
                p = _ROOT / p
            try:
                from gen.card import load_card

                load_card(p)
            except Exception as err:  # an experiment the installed generator does not support yet
                reason = f"{type(err).__name__}: {str(err).splitlines()[-1].strip()}"
                log(f"bench: skipping {path}: {reason}")
                out["skipped"].append({"card": str(path), "reason": reason})
                continue
            try:
                out["cards"].append(_bench_card(str(p), n_events, threads, profile, Path(tmp), log, reps))
            except Exception as err:
                reason = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
                log(f"bench: skipping {path}: {reason}")
                out["skipped"].append({"card": str(path), "reason": reason})
    out["maxrss_MB"] = _maxrss_mb()
    out["load_average_1min_end"] = os.getloadavg()[0]
    return out


def format_table(res: dict) -> str:
    """Plain-text (markdown) table of the figures, with ratios to generation alone."""
    m = res["machine"]
    lines = [f"Machine: {m['cpu']}, {m['cores']} cores, numba {m['numba']} ({m['numba_threads']} threads), "
             f"Python {m['python']}; {res['events']} events per pass, median of {res.get('repetitions', 1)} repetitions", "",
             "| card | setup s | gen ev/s | +detector ev/s | +ROOT ev/s | +ROOT marginal ev/s | ESS/s | N for 1% | T(1%) s | "
             "traced peak MB | " + " | ".join(f"gen ev/s {t} thr" for t in res["threads"]) + " |",
             "|---" * (10 + len(res["threads"])) + "|"]
    for c in res["cards"]:
        t1 = c["time_to_1pct"]
        sc = " | ".join(f"{c['scaling_generation_ev_per_s'][str(t)]:,.0f}" for t in res["threads"])
        lines.append(f"| {Path(c['card']).stem} | {c['setup_s']:.2f} | {c['generation_ev_per_s']:,.0f} | "
                     f"{c['generation_detector_ev_per_s']:,.0f} | {c['generation_detector_root_ev_per_s']:,.0f} | "
                     f"{c.get('e2e_marginal_ev_per_s', math.nan):,.0f} | {c['ess_per_s']:,.0f} | {t1['events']:.3g} | {t1['seconds']:.3g} | {c['tracemalloc_peak_MB']:.0f} | {sc} |")
    lines.append("")
    for c in res["cards"]:
        g = c["generation_ev_per_s"]
        sc = c["scaling_generation_ev_per_s"]
        ts = res["threads"]
        lines.append(f"{Path(c['card']).stem}: detector costs x{g / c['generation_detector_ev_per_s']:.2f}, detector + ROOT "
                     f"x{g / c['generation_detector_root_ev_per_s']:.2f} of generation time; ESS/N = {c['effective_sample_size'] / c['events']:.3f}; "
                     f"1% on {c['selected_quantity']} (expected {c['selected_expected']:.4g}, per-event rel. variance "
                     f"{c['time_to_1pct'].get('rel_variance_per_event', math.nan):.3g}); {ts[-1]}/{ts[0]} threads speed-up "
                     f"x{sc[str(ts[-1])] / sc[str(ts[0])]:.2f}")
        g_w = c["generation_detector_root_ev_per_s"]
        lines.append(f"    end to end (generation + detector + ROOT, hnlgen run's writer) {g_w:,.0f} ev/s = "
                     f"{g_w / g:.2f} of generation alone ({g:,.0f} ev/s), {g_w / c['generation_detector_ev_per_s']:.2f} of "
                     f"generation + detector")
        if "e2e_marginal_ev_per_s" in c:
            mg = c["e2e_marginal_ev_per_s"]
            short, long = c.get("marginal_events", (c["events"], 2 * c["events"]))
            lines.append(f"    marginal end to end ({long} minus {short} events, file open/close cancel): {mg:,.0f} ev/s "
                         f"= {mg / g:.2f} of generation alone; effective (x ESS/N) {c['e2e_marginal_effective_ev_per_s']:,.0f} ev/s")
            if "e2e_marginal_rntuple_ev_per_s" in c:
                mr = c["e2e_marginal_rntuple_ev_per_s"]
                lines.append(f"    marginal end to end, RNTuple (the same passes with --format rntuple): {mr:,.0f} ev/s "
                             f"= {mr / g:.2f} of generation alone")
            if "e2e_marginal_cpu_us_per_event" in c:
                lines.append(f"    marginal CPU {c['e2e_marginal_cpu_us_per_event']:.2f} us/event on {c['e2e_marginal_cores']:.2f} "
                             f"cores; generation alone {c['generation_cpu_us_per_event']:.2f} us/event on "
                             f"{c['generation_cores']:.2f} cores (rate = cores / CPU per event)")
        ws = c.get("writers", [])
        if ws:
            base = ws[0]["ev_per_s"]
            for w in ws:
                lines.append(f"    {'lever' if w['lever'] else 'option'}: {w['writer']:46s} {w['ev_per_s']:>12,.0f} ev/s "
                             f"x{w['ev_per_s'] / base:5.2f}  {w['bytes_per_event']:6.0f} B/event")
        o = c.get("na62_dedicated_oracle")
        if o:
            r = o["general_over_dedicated"]
            lines.append(f"    dedicated NA62 kernel (test oracle, same card and seed): {o['generation_ev_per_s']:,.0f} ev/s, + detector "
                         f"{o['generation_detector_ev_per_s']:,.0f} ev/s, ESS/s {o['ess_per_s']:,.0f}; hnlgen / oracle: generation "
                         f"x{r['generation']:.2f}, + detector x{r['generation_detector']:.2f}, ESS/s x{r['ess_per_s']:.2f}")
        for r in c.get("profile_top", [])[:6]:
            lines.append(f"    {r['own_fraction'] * 100:5.1f}%  {r['own_s']:.3f} s  {r['function']}")
    for s in res["skipped"]:
        lines.append(f"skipped {s['card']}: {s['reason']}")
    lines.append(f"process max RSS {res['maxrss_MB']:.0f} MB")
    return "\n".join(lines)


# --- before/after in one run: this checkout against another (``hnlgen bench --baseline DIR``) ---------------


class BaselineError(HnlgenError):
    """``--baseline DIR`` is not a checkout of hnlgen, or a run in it failed (one line, exit 2)."""


def _check_tree(tree: Path) -> Path:
    tree = Path(tree).resolve()
    if not (tree / "gen" / "__main__.py").is_file() or not (tree / "physics").is_dir():
        raise BaselineError(f"--baseline {str(tree)!r}: not a checkout of hnlgen (no gen/__main__.py and physics/); "
                            "give the top directory of another checkout, e.g. `git worktree add /tmp/base a8954d7`")
    return tree


def _timed_run(tree: Path, card: str, n: int, out: Path, python: str) -> dict:
    """``python -m gen run CARD -n N -o OUT --json`` with ``tree`` first on PYTHONPATH: wall seconds of the
    whole process (start-up included), the run's own ``wall_time_s`` and its expected-event totals."""
    import json
    import subprocess

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tree), *filter(None, [os.environ.get("PYTHONPATH")])]))
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([python, "-m", "gen", "run", card, "-n", str(n), "-o", str(out), "--json"], cwd=tree, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the run is the only child waited for in between
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    out.unlink(missing_ok=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise BaselineError(f"hnlgen run {card} in {tree} failed (exit {proc.returncode}): {last}")
    js = json.loads(proc.stdout)
    return {"process_s": wall, "run_s": float(js.get("wall_time_s", math.nan)), "cpu_s": cpu,
            "totals": {"expected_events": js.get("expected_events"), "errors": js.get("errors")}}


def compare_baseline(baseline, cards=DEFAULT_CARDS, n_events: int = 200_000, *, reps: int = 3, log=print,
                     python: str | None = None) -> dict:
    """The same ``hnlgen run`` (CLI, ROOT TTree output, default options) in this checkout and in ``baseline``,
    interleaved (ABBA order per repetition, so a drift of the machine's load cancels to first order), per card:
    medians of the whole-process wall time, of the run's own wall time (after start-up) and of the process's
    CPU time (user + system; on a shared machine less sensitive to the other jobs than wall time); the
    ratios this / baseline (> 1: slower) are medians of the ratios within each repetition (two adjacent
    runs); and whether the expected-event totals and errors are identical. One warm-up run per checkout and
    card first (kernel compilation, cache load). Returns a JSON-ready dict."""
    import sys

    if reps < 1:
        raise ValueError(f"reps = {reps}: must be >= 1")
    python = python or sys.executable
    trees = {"baseline": _check_tree(Path(baseline)), "this": _ROOT}
    res = {"machine": machine_info(), "events": n_events, "repetitions": reps, "baseline": str(trees["baseline"]),
           "this": str(_ROOT), "load_average_1min_start": os.getloadavg()[0], "cards": [], "skipped": []}
    with tempfile.TemporaryDirectory(prefix="hnlgen-bench-") as tmp:
        for path in cards:
            p = Path(path)
            card = str(p.resolve() if p.exists() else (_ROOT / p).resolve())
            times = {k: {"process_s": [], "run_s": [], "cpu_s": []} for k in trees}
            totals = {}
            try:
                for k, tree in trees.items():
                    log(f"  {path}: warm-up in {k} ({tree})")
                    totals[k] = _timed_run(tree, card, min(n_events, 20_000), Path(tmp) / f"{k}.root", python)["totals"]
                for r in range(reps):
                    order = ("baseline", "this") if r % 2 == 0 else ("this", "baseline")
                    log(f"  {path}: repetition {r + 1}/{reps} ({' then '.join(order)})")
                    for k in order:
                        t = _timed_run(trees[k], card, n_events, Path(tmp) / f"{k}.root", python)
                        for q in ("process_s", "run_s", "cpu_s"):
                            times[k][q].append(t[q])
                        totals[k] = t["totals"]
            except BaselineError as err:
                log(f"bench: skipping {path}: {err}")
                res["skipped"].append({"card": str(path), "reason": str(err)})
                continue
            med = {k: {q: float(np.median(v)) for q, v in times[k].items()} for k in trees}

            def paired(q):  # median over repetitions of this/baseline within the repetition (adjacent runs)
                return float(np.median(np.array(times["this"][q]) / np.array(times["baseline"][q])))

            res["cards"].append({
                "card": str(path), "events": n_events, "median": med, "samples": times,
                "ratio_process": paired("process_s"), "ratio_run": paired("run_s"), "ratio_cpu": paired("cpu_s"),
                "totals_identical": totals["this"] == totals["baseline"],
                "totals": totals,
            })
    res["load_average_1min_end"] = os.getloadavg()[0]
    return res


def format_baseline(res: dict) -> str:
    """Markdown table of ``compare_baseline``: seconds per ``hnlgen run`` and the ratio this / baseline."""
    lines = [f"hnlgen run, {res['events']} events, median of {res['repetitions']} interleaved repetitions; "
             f"baseline {res['baseline']}, this {res['this']}", "",
             "| card | baseline s (process / run / CPU) | this s (process / run / CPU) | this/baseline process "
             "| this/baseline run | this/baseline CPU | e2e events/s this | totals identical |",
             "|---|---|---|---|---|---|---|---|"]
    for c in res["cards"]:
        b, t = c["median"]["baseline"], c["median"]["this"]
        lines.append(f"| {Path(c['card']).stem} | {b['process_s']:.2f} / {b['run_s']:.2f} / {b.get('cpu_s', math.nan):.2f} | "
                     f"{t['process_s']:.2f} / {t['run_s']:.2f} / {t.get('cpu_s', math.nan):.2f} | {c['ratio_process']:.3f} | "
                     f"{c['ratio_run']:.3f} | {c.get('ratio_cpu', math.nan):.3f} | "
                     f"{c['events'] / t['run_s']:,.0f} | {'yes' if c['totals_identical'] else 'NO'} |")
    for s in res["skipped"]:
        lines.append(f"skipped {s['card']}: {s['reason']}")
    slow = [Path(c["card"]).stem for c in res["cards"] if c["ratio_process"] > 1.05]
    lines.append("no card slower than the baseline by more than 5%" if not slow and res["cards"]
                 else f"slower than the baseline by more than 5%: {', '.join(slow) or '(no card measured)'}")
    return "\n".join(lines)
