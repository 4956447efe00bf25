"""Where the time of ``hnlgen run`` goes, per phase, without the writer thread (issue 16).

Generates 15 chunks of 131,072 light-Z' events and times, per event, the event kernel (``iter_generate``),
the MiniBooNE stage, the summary sums and the ROOT writer (``EventWriter.write``, in this thread), in wall
and process-CPU microseconds. ``python validation/benchmarks/profile_run_phases.py [compact|full|slim]``
(default compact, ``hnlgen run``'s record on this card).
Measured (quiet machine, full record, before the stage ran on threads): generation 0.58 us wall / 1.02 us
CPU, stage 0.58 / 0.58, sums 0.04, writer 2.33 / 2.19; slim record: writer 0.54 / 0.48. After (a slower hour of
the same machine): generation 0.90 / 1.43, stage 0.56 / 0.75, sums 0.05, writer 3.00 / 2.85.
"""

import sys
import time

from detectors.output.root import EventWriter
from gen.card import load_card
from gen.core.events import particles_recipe
from gen.output.docs import event_branch_titles
from gen.preflight import validate_for_run
from gen.sources import upscattering as U
from gen.stages.base import make_stage


def main(record: str = "compact") -> None:
    card = load_card("cards/miniboone_light_zprime.toml")
    setup = validate_for_run(card, seed=1, adapt=True)
    stage = make_stage(setup, 1)
    acc = U.Accumulator(setup)
    n = 15 * 131072
    wall = dict(gen=0.0, stage=0.0, sums=0.0, write=0.0)
    cpu = dict(wall)
    for _ in U.iter_generate(card, 20000, 1, setup=setup):  # warm-up
        pass
    recipe = particles_recipe(setup.graph, setup.ch_codes, setup.ch_root, setup.ch_prob).recipe if record == "compact" else None
    w = EventWriter("/tmp/profile_run_phases.root", compression="lz4", format="ttree", precision="mixed", record=record,
                    particles_recipe=recipe)
    w.branch_titles = event_branch_titles()
    it = U.iter_generate(card, n, 1, setup=setup)

    def tick(k, t0, c0):
        wall[k] += time.perf_counter() - t0
        cpu[k] += time.process_time() - c0
        return time.perf_counter(), time.process_time()

    with w:
        while True:
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                ch = next(it)
            except StopIteration:
                break
            t0, c0 = tick("gen", t0, c0)
            ch = stage.apply(ch)
            t0, c0 = tick("stage", t0, c0)
            acc.add(ch)
            t0, c0 = tick("sums", t0, c0)
            w.write(ch)
            tick("write", t0, c0)
        t0, c0 = time.perf_counter(), time.process_time()
    tick("write", t0, c0)
    for k in wall:
        print(f"{k:6s} wall {wall[k] / n * 1e6:.3f} us/event  cpu {cpu[k] / n * 1e6:.3f} us/event")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "compact")
