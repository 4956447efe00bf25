"""Where the wall time of ``hnlgen run`` goes, per chunk phase of the main thread, and how busy the writer thread is
meanwhile (issue 16). Not a timed test.

Wraps ``gen.core.event_kernel.event_kernel`` ("kernel"), ``MiniBooNEStage.apply`` ("stage"),
``Accumulator.add`` ("sums") and ``EventWriter.write`` (the writer thread) with timers, runs ``hnlgen run`` with
the given arguments, and prints, after the first three chunks, each main-thread phase's share of the wall time
and the fraction of it during which the writer thread was writing; "other" is the rest of the main thread's time
(awkward glue, the queue hand-off).

Usage::

    python validation/benchmarks/run_timeline.py run cards/miniboone_light_zprime.toml -n 4000000 -o /tmp/t.root

Measured (session 9's final code, light-Z' card, 4e6 events; the timers slow the run a little): kernel 67.5% of the
wall time (the writer busy during 85% of it), stage 24% (3%), sums 3% (0%), other 5% (58%); the writer busy 61% of
the time. So the writer is off the critical path: it finishes each chunk while the next one's events are made,
its CPU taking about a core from the kernel's two threads, and then idles through the stage. A cheaper writer
gives the kernel more of the cores; a cheaper kernel, stage or glue shortens the chunk directly.
"""

from __future__ import annotations

import collections
import os
import sys
import threading
import time

_T: list[tuple[str, float, float]] = []  # (phase, start, end)


def _wrap(obj, name: str, phase: str) -> None:
    f = getattr(obj, name)

    def timed(*a, **k):
        t0 = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            _T.append((phase, t0, time.perf_counter()))

    setattr(obj, name, timed)


def main(argv: list[str]) -> int:
    import gen.core.event_kernel as EK
    import gen.sources.upscattering as U
    from detectors.output import root as RO
    from gen.cli.app import main as cli
    from gen.stages import base as SB

    _wrap(EK, "event_kernel", "kernel")
    _wrap(SB.MiniBooNEStage, "apply", "stage")
    _wrap(U.Accumulator, "add", "sums")
    _wrap(RO.EventWriter, "write", "write")
    rc = cli(argv)
    writes = sorted((a, b) for p, a, b in _T if p == "write")
    mains = sorted((a, b, p) for p, a, b in _T if p != "write")
    kernels = [a for a, _b, p in mains if p == "kernel"]
    if len(kernels) < 5 or not writes:
        print("run_timeline: too few chunks (use -n of at least 1e6 events)", file=sys.stderr)
        return 2
    k0, t_end = kernels[3], max(b for _a, b in writes)
    span = t_end - k0

    def writer_busy(a: float, b: float) -> float:
        return sum(max(0.0, min(b, y) - max(a, x)) for x, y in writes)

    tot, ov = collections.Counter(), collections.Counter()
    for a, b, p in mains:
        if a >= k0:
            tot[p] += b - a
            ov[p] += writer_busy(a, b)
    w_busy = writer_busy(k0, t_end)
    print(f"after chunk 3: {span:.2f} s; writer busy {w_busy:.2f} s ({w_busy / span:.1%}); threads {threading.active_count()}")
    for p, t in tot.items():
        print(f"  main {p:7s} {t:7.3f} s ({t / span:5.1%}), writer busy during it {ov[p] / max(t, 1e-9):5.1%}")
    other = span - sum(tot.values())
    print(f"  main other   {other:7.3f} s ({other / span:5.1%}), writer busy during it "
          f"{(w_busy - sum(ov.values())) / max(other, 1e-9):5.1%}")
    return rc


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # as hnlgen run's entry point: no interpreter teardown
