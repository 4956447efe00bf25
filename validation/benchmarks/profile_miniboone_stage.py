"""CPU time of the MiniBooNE detector stage alone (``gen.stages.base.MiniBooNEStage.apply``), issue 16.

Usage (from a checkout, its tree first on the path)::

    PYTHONPATH=$PWD python validation/benchmarks/profile_miniboone_stage.py CARD N [time|prof]

Generates N truth events of CARD (seed 1, no detector) into memory, applies the stage once to one block
(kernel compile / cache load), then times ``apply`` over all chunks: wall and process CPU seconds (CPU is
the robust figure on a shared machine). ``prof`` adds a cProfile of a second pass (cumulative time).
Run it alternately in two checkouts (e.g. ``git worktree add /tmp/base COMMIT``) for before/after;
``stage_cpu_stageport.txt`` is such a run (3 interleaved repetitions per card, 1e6 events).
"""

import cProfile
import pstats
import sys
import time

from gen.card import load_card
from gen.sources.upscattering import iter_generate, prepare
from gen.stages.base import MiniBooNEStage


def main(card_path: str, n: int, mode: str = "time") -> None:
    card = load_card(card_path)
    setup = prepare(card)
    chunks = list(iter_generate(card, n, 1, setup=setup, reconstruct=False))
    stage = MiniBooNEStage(setup, 1)
    stage.apply(chunks[0][:16384])
    c0, t0 = time.process_time(), time.perf_counter()
    for c in chunks:
        stage.apply(c)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"stage: {dt:.3f} s wall, {cpu:.3f} s CPU for {n} events = {n / cpu:,.0f} ev/CPU-s")
    if mode == "prof":
        pr = cProfile.Profile()
        pr.enable()
        for c in chunks:
            stage.apply(c)
        pr.disable()
        pstats.Stats(pr).sort_stats("cumtime").print_stats(30)


if __name__ == "__main__":
    main(sys.argv[1], int(float(sys.argv[2])), *(sys.argv[3:4]))
