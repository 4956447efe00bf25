"""Throughput of the generator (not a timed test): events/s for the light-Z' MiniBooNE card.

Measures, in one process and after a warm-up (numba compilation and the setup are timed
separately):

* generation alone (``gen.sources.upscattering.iter_generate``: production, full decay cascade, awkward
  records), with 1 numba thread and with all threads;
* generation plus ROOT writing (``detectors.output.root.EventWriter``), 1 thread and all threads;

each as the median of ``--reps`` interleaved passes, in events per wall second and per process CPU
second (the latter does not count time the process waited for a core on a shared machine).
``validation/benchmarks/profile_generate.py`` splits the generation time by stage.

Usage::

    python validation/benchmarks/bench_generate.py [--events 1000000] [--card cards/miniboone_light_zprime.toml]

Prints a table and the ratios; ``--json`` prints the numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

from detectors.output.root import EventWriter
from gen.card import load_card
from gen.sources.upscattering import iter_generate, prepare

ROOT = Path(__file__).resolve().parents[2]


def _time_generation(card, setup, n, seed, threads, writer=None):
    """(wall s, process CPU s, events) of one pass; chunks are dropped as they come (the writer's pattern)."""
    numba.set_num_threads(threads)
    t0, c0 = time.perf_counter(), time.process_time()
    count = 0
    for chunk in iter_generate(card, n, seed, setup=setup):
        count += len(chunk)
        if writer is not None:
            writer.write(chunk)
    return time.perf_counter() - t0, time.process_time() - c0, count


def _time_root(card, setup, n, seed, threads):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.root"
        t0, c0 = time.perf_counter(), time.process_time()
        with EventWriter(path) as w:
            _time_generation(card, setup, n, seed, threads, writer=w)
            w.metadata["bench"] = "1"
        return time.perf_counter() - t0, time.process_time() - c0, path.stat().st_size / 1e6


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--card", default=str(ROOT / "cards" / "miniboone_light_zprime.toml"))
    ap.add_argument("--reps", type=int, default=3, help="interleaved repetitions; the median is reported")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    card = load_card(args.card)
    seed = card.run.seed
    max_threads = numba.config.NUMBA_NUM_THREADS
    t0 = time.perf_counter()
    setup = prepare(card)
    t_setup = time.perf_counter() - t0
    _time_generation(card, setup, 20_000, seed, max_threads)  # warm-up (JIT / cache load)

    res = {"card": os.path.relpath(args.card, ROOT), "events": args.events, "setup_s": t_setup,
           "threads_max": max_threads, "reps": args.reps, "load_average_1min": os.getloadavg()[0]}
    runs: dict[str, list] = {}
    for _ in range(args.reps):
        for threads in sorted({1, max_threads}):
            w, c, _n = _time_generation(card, setup, args.events, seed, threads)
            runs.setdefault(f"gen_{threads}thread", []).append((w, c))
            w, c, size = _time_root(card, setup, args.events, seed, threads)
            runs.setdefault(f"gen_root_{threads}thread", []).append((w, c))
            res["file_size_MB"] = size
    numba.set_num_threads(max_threads)
    for k, v in runs.items():
        wall, cpu = np.median(np.array(v), axis=0)
        res[k + "_s"] = float(wall)
        res[k + "_events_per_s"] = args.events / wall
        res[k + "_events_per_cpu_s"] = args.events / cpu
    t1, tN = res["gen_1thread_s"], res[f"gen_{max_threads}thread_s"]
    res["thread_scaling"] = t1 / tN
    res["root_over_gen_time_1thread"] = res["gen_root_1thread_s"] / t1
    if args.json:
        print(json.dumps(res))
        return 0
    print(f"card {res['card']}, {args.events} events, setup {t_setup:.2f} s, median of {args.reps} interleaved passes "
          f"(load average {res['load_average_1min']:.2f})")
    for threads in sorted({1, max_threads}):
        g, r = f"gen_{threads}thread", f"gen_root_{threads}thread"
        print(f"  generation, {threads} thread(s)        {res[g + '_events_per_s']:12,.0f} events/s "
              f"({res[g + '_events_per_cpu_s']:,.0f} per process CPU second)")
        print(f"  generation + ROOT, {threads} thread(s) {res[r + '_events_per_s']:12,.0f} events/s "
              f"({res[r + '_events_per_cpu_s']:,.0f} per process CPU second)")
    print(f"  {max_threads}/1 threads x{res['thread_scaling']:.2f}; ROOT writing makes a 1-thread pass "
          f"x{res['root_over_gen_time_1thread']:.2f} longer; {res['file_size_MB']:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
