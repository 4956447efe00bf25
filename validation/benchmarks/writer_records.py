"""Writer CPU per event of the three records on the same chunks (issue 16): compact, slim, full.

Generates 6 chunks of 131,072 events of a card (default the light-Z' card; ``CARD=path`` to change) with the
detector stage, keeps them in memory, and times ``EventWriter.write`` of chunks 2-6 (the first opens the tree)
in process CPU per event, twice, alternating the records. ``python validation/benchmarks/writer_records.py``.
Measured (development machine, 2 cores): light Z' compact 0.79-0.84, slim 0.49-0.51, full 2.0-2.4 us/event;
three-portal card compact 1.75-1.78, slim 0.50-0.57, full 1.56-1.88 (its lists of N5/N6 cascades stay).
"""

import os
import time

from detectors.output.root import EventWriter
from gen.card import load_card
from gen.core.events import particles_recipe
from gen.output.docs import event_branch_titles
from gen.preflight import validate_for_run
from gen.sources.upscattering import iter_generate
from gen.stages.base import make_stage


def main() -> None:
    card = load_card(os.environ.get("CARD", "cards/miniboone_light_zprime.toml"))
    setup = validate_for_run(card, seed=1, adapt=True)
    stage = make_stage(setup, 1)
    plan = particles_recipe(setup.graph, setup.ch_codes, setup.ch_root, setup.ch_prob)
    chunks = [stage.apply(c) for c in iter_generate(card, 6 * 131072, 1, 131072, setup=setup)]
    print(f"recipe coverage {plan.coverage:.4f} (default record {plan.record})")
    for _rep in range(2):
        for record in ("compact", "slim", "full"):
            w = EventWriter("/tmp/writer_records.root", compression="lz4", format="ttree", precision="mixed", record=record,
                            particles_recipe=plan.recipe if record == "compact" else None)
            w.branch_titles = event_branch_titles()
            with w:
                w.write(chunks[0])
                c0 = time.process_time()
                for c in chunks[1:]:
                    w.write(c)
                dt = time.process_time() - c0
            print(f"{record:8s} {dt / (5 * 131072) * 1e6:.3f} us/event, {os.path.getsize('/tmp/writer_records.root') / (6 * 131072):.0f} B/event")
    os.unlink("/tmp/writer_records.root")


if __name__ == "__main__":
    main()
