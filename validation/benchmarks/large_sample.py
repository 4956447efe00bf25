"""Large samples with bounded memory: stream N events (default 1e8) of a card into one ROOT file.

What ``hnlgen run`` does, written out so the memory can be watched: ``gen.sources.upscattering.iter_generate``
yields chunks of ``--chunk-size`` events (whole ``gen.core.rng`` blocks; default 131072), the detector
stage runs per chunk (``--truth-only`` skips it), ``detectors.output.root.EventWriter`` (float32 branches
of ``detectors.output.storage`` unless ``--precision double``) writes one basket per branch per chunk in a
writer thread (``detectors.output.writer_thread``, queue of 1 chunk; ``--no-writer-thread``) and keeps
nothing, and the summary sums are running sums. Memory is
therefore O(chunk size), independent of N: the script prints the resident set size (VmRSS from
/proc/self/status) after every ``--report`` events and the peak (VmHWM) at the end, and checks that
the RSS growth after the first report (``--report`` events, once the chunk-buffer pool is full) stays below
``--max-growth-mb``.

Disk: about 0.9 kB per MiniBooNE event with the detector fields (LZ4), i.e. ~90 GB for 1e8 events;
``--discard`` writes to a file that is removed at the end (the writer still serialises and compresses
every basket), ``--events 1e7`` and extrapolating is a 10-minute test on 2 cores.

Usage::

    python validation/benchmarks/large_sample.py [--card cards/miniboone_light_zprime.toml] [--events 1e8]
        [--output large.root] [--chunk-size 131072] [--truth-only] [--discard] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _status_mb(key: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--card", default=str(ROOT / "cards" / "miniboone_light_zprime.toml"))
    ap.add_argument("--events", type=float, default=1e8)
    ap.add_argument("--output", default="large_sample.root")
    ap.add_argument("--chunk-size", type=int, default=None)
    ap.add_argument("--compression", choices=("lz4", "zlib", "zstd", "none"), default="lz4",
                    help="basket compression (zstd: ~15%% smaller files than lz4 for the light-Z' card)")
    ap.add_argument("--precision", choices=("mixed", "double"), default="mixed", help="stored precision (hnlgen run's default: mixed)")
    ap.add_argument("--no-writer-thread", action="store_true", help="write in the generating thread (before issue 16)")
    ap.add_argument("--truth-only", action="store_true", help="skip the detector stage")
    ap.add_argument("--discard", action="store_true", help="remove the file at the end (disk-limited machines)")
    ap.add_argument("--report", type=float, default=1e6, help="print the RSS every this many events")
    ap.add_argument("--max-growth-mb", type=float, default=200.0, help="fail if RSS grows more than this after the first report")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)

    from detectors.output.root import EventWriter
    from detectors.output.writer_thread import BackgroundWriter
    from gen.card import load_card
    from gen.sources.upscattering import Accumulator, iter_generate, prepare, run_metadata

    n = int(args.events)
    card = load_card(args.card)
    seed = card.run.seed
    t0 = time.perf_counter()
    setup = prepare(card, seed=seed)
    acc = Accumulator(setup)
    rss_after_first = None
    trace = []
    next_report = args.report
    done = 0
    writer = EventWriter(args.output, compression=args.compression, precision=args.precision)
    # as hnlgen run: a writer thread with a queue of 1 chunk (detectors.output.writer_thread)
    with (writer if args.no_writer_thread else BackgroundWriter(writer)) as w:
        for chunk in iter_generate(card, n, seed, args.chunk_size, setup=setup, reconstruct=not args.truth_only):
            acc.add(chunk)
            w.write(chunk)
            done += len(chunk)
            if rss_after_first is None and done >= args.report:
                # after the first report: the chunk-buffer pool (up to 4 buffers with the writer thread) is full
                rss_after_first = _status_mb("VmRSS")
            if done >= next_report or done == n:
                rss = _status_mb("VmRSS")
                dt = time.perf_counter() - t0
                trace.append({"events": done, "rss_MB": rss, "seconds": dt})
                print(f"{done:>12,d} events  RSS {rss:8.1f} MB  {done / dt:10,.0f} ev/s  {dt:8.1f} s", flush=True)
                next_report += args.report
        summary = acc.summary(time.perf_counter() - t0)
        w.metadata.update(run_metadata(setup, summary, seed))
    wall = time.perf_counter() - t0
    size = os.path.getsize(args.output) / 1e9
    peak = _status_mb("VmHWM")
    final = _status_mb("VmRSS")
    if rss_after_first is None:  # fewer events than --report
        rss_after_first = trace[0]["rss_MB"]
    growth = max(r["rss_MB"] for r in trace) - rss_after_first
    res = {"card": args.card, "events": done, "wall_s": wall, "events_per_s": done / wall, "file_GB": size,
           "peak_rss_MB": peak, "rss_after_first_report_MB": rss_after_first, "final_rss_MB": final,
           "rss_growth_after_first_report_MB": growth, "detector": not args.truth_only,
           "expected_final_state": summary.final_state, "mc_rel_error": summary.mc_rel_error, "trace": trace}
    print(f"{done:,d} events in {wall:.1f} s ({done / wall:,.0f} ev/s), file {size:.2f} GB; peak RSS {peak:.0f} MB "
          f"(after the first report {rss_after_first:.0f} MB, growth {growth:+.0f} MB)")
    if args.discard:
        os.remove(args.output)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))
    if growth > args.max_growth_mb:
        print(f"large_sample: RSS grew by {growth:.0f} MB > {args.max_growth_mb} MB: memory is not bounded", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
