"""Throughput of the generator (not a timed test): events/s for the light-Z' MiniBooNE card.

Measures, in one process and after a warm-up (numba compilation and the setup are timed
separately):

* generation alone (``gen.sampler.iter_generate``: production, full decay cascade, awkward
  records), with 1 numba thread and with all threads;
* generation plus ROOT writing (``detectors.output.EventWriter``), all threads.

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

from detectors.output import EventWriter
from gen.card import load_card
from gen.sampler import iter_generate, prepare

ROOT = Path(__file__).resolve().parents[2]


def _time_generation(card, setup, n, seed, threads, writer=None):
    numba.set_num_threads(threads)
    t0 = time.perf_counter()
    count = 0
    for chunk in iter_generate(card, n, seed, setup=setup):
        count += len(chunk)
        if writer is not None:
            writer.write(chunk)
    return time.perf_counter() - t0, count


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--card", default=str(ROOT / "cards" / "miniboone_light_zprime.toml"))
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
           "threads_max": max_threads, "load_average_1min": os.getloadavg()[0]}
    t1, n1 = _time_generation(card, setup, args.events, seed, 1)
    res["gen_1thread_s"] = t1
    tN, nN = _time_generation(card, setup, args.events, seed, max_threads)
    res["gen_nthreads_s"] = tN
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.root"
        t0 = time.perf_counter()
        with EventWriter(path) as w:
            tw, _ = _time_generation(card, setup, args.events, seed, max_threads, writer=w)
            w.metadata["bench"] = "1"
        res["gen_write_nthreads_s"] = time.perf_counter() - t0
        res["file_size_MB"] = path.stat().st_size / 1e6
    numba.set_num_threads(max_threads)
    for k in ("gen_1thread", "gen_nthreads", "gen_write_nthreads"):
        res[k.replace("_s", "") + "_events_per_s"] = args.events / res[k + "_s"]
    res["thread_scaling"] = res["gen_1thread_s"] / res["gen_nthreads_s"]
    res["write_over_gen_time"] = res["gen_write_nthreads_s"] / res["gen_nthreads_s"]
    if args.json:
        print(json.dumps(res))
        return 0
    print(f"card {res['card']}, {args.events} events, setup {t_setup:.2f} s (load average {res['load_average_1min']:.2f})")
    print(f"  generation, 1 thread        {res['gen_1thread_events_per_s']:12,.0f} events/s")
    print(f"  generation, {max_threads} threads       {res['gen_nthreads_events_per_s']:12,.0f} events/s  (x{res['thread_scaling']:.2f})")
    print(f"  generation + ROOT, {max_threads} thr.   {res['gen_write_nthreads_events_per_s']:12,.0f} events/s  "
          f"(time x{res['write_over_gen_time']:.2f} of generation; {res['file_size_MB']:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
