"""Time the two NA62 decay paths in one process, on the same card and seed (issue 12 item 3).

The *general* path is hnlgen's one NA62 generator (``gen.sources.meson_decay_run``: P+ -> l_a+ N, then every
decay-table route of N through the cascade kernel). The *dedicated* kernel (K+ -> l N, N -> nu Z',
Z' -> l+ l- only) was the default on cards like ``cards/na62_light_zprime.toml`` until it became a test
oracle (``tests/oracles/na62_dedicated.py``); this script runs both on the same card, seed and event
count, interleaving ``--reps`` repetitions (a shared machine slows single passes at random) and reports
medians of

* events/s of generation alone (truth records, no detector),
* events/s of generation + the NA62 detector response (``reconstruct=True``, what ``hnlgen run`` does
  before writing),
* effective sample size per second, ESS = (sum w)^2 / sum w^2 of the final-state weights over the
  generation + detector time;
* the same rates per CPU second of this process (``time.process_time``): on a shared machine the wall
  time of a pass depends on the other jobs, its CPU time much less.

Usage::

    PYTHONPATH=. python validation/na62/bench_paths.py [CARD] [-n EVENTS] [--reps R] [--json FILE]

Both paths are warmed up first (numba compilation or cache load is not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import awkward as ak
import numpy as np

_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(_ROOT / "tests" / "oracles"))  # the oracle is a test module, not installed with the package

from na62_dedicated import iter_generate_dedicated  # noqa: E402

from gen.card import load_card  # noqa: E402
from gen.sources.meson_decay_run import NA62Setup, iter_generate_na62  # noqa: E402


def _pass(run, n: int) -> tuple[float, float, np.ndarray]:
    t0, c0 = time.perf_counter(), time.process_time()
    ws = [ak.to_numpy(chunk.weight).astype(np.float64) for chunk in run(n)]
    return time.perf_counter() - t0, time.process_time() - c0, np.concatenate(ws)


def bench_paths(card_path: str, n: int, reps: int, log=print) -> dict:
    """Medians of ``reps`` interleaved passes of both paths (module docstring); JSON-ready."""
    card = load_card(card_path)
    seed = card.run.seed
    t0 = time.perf_counter()
    setup = NA62Setup(card)
    t_setup = time.perf_counter() - t0
    runners = {
        "general": lambda reco: (lambda m: iter_generate_na62(card, m, seed, setup=setup, reconstruct=reco)),
        "dedicated (oracle)": lambda reco: (lambda m: iter_generate_dedicated(card, m, seed, reconstruct=reco)),
    }
    for mk in runners.values():  # warm-up: numba compilation / cache load
        _pass(mk(True), min(n, 20_000))
    times = {name: {"g": [], "d": [], "g_cpu": [], "d_cpu": []} for name in runners}
    weights = {}
    for r in range(reps):
        log(f"repetition {r + 1}/{reps}")
        for name, mk in runners.items():
            dt, cpu, _ = _pass(mk(False), n)
            times[name]["g"].append(dt)
            times[name]["g_cpu"].append(cpu)
            dt, cpu, w = _pass(mk(True), n)
            times[name]["d"].append(dt)
            times[name]["d_cpu"].append(cpu)
            weights[name] = w
    out = {"card": card_path, "events": n, "seed": seed, "repetitions": reps, "setup_s": t_setup,
           "load_average_1min": os.getloadavg()[0], "paths": {}}
    for name in runners:
        w = weights[name]
        tg, td = float(np.median(times[name]["g"])), float(np.median(times[name]["d"]))
        ess = float(w.sum() ** 2 / (w * w).sum())
        cg, cd = float(np.median(times[name]["g_cpu"])), float(np.median(times[name]["d_cpu"]))
        out["paths"][name] = {"generation_ev_per_s": n / tg, "generation_detector_ev_per_s": n / td,
                              "ess_per_s": ess / td, "effective_sample_size": ess, "final_state": float(w.sum()),
                              "generation_ev_per_cpu_s": n / cg, "generation_detector_ev_per_cpu_s": n / cd,
                              "times_generation_s": times[name]["g"], "times_generation_detector_s": times[name]["d"],
                              "cpu_generation_s": times[name]["g_cpu"], "cpu_generation_detector_s": times[name]["d_cpu"]}
    return out


def format_result(res: dict) -> str:
    lines = [f"{res['card']}: {res['events']} events, seed {res['seed']}, median of {res['repetitions']} interleaved "
             f"repetitions (load average {res['load_average_1min']:.2f})",
             "| path | gen ev/s | +detector ev/s | ESS/s | gen ev/CPU s | +detector ev/CPU s | ESS/N | final state (sum w) |",
             "|---|---|---|---|---|---|---|---|"]
    for name, p in res["paths"].items():
        lines.append(f"| {name} | {p['generation_ev_per_s']:,.0f} | {p['generation_detector_ev_per_s']:,.0f} | "
                     f"{p['ess_per_s']:,.0f} | {p['generation_ev_per_cpu_s']:,.0f} | {p['generation_detector_ev_per_cpu_s']:,.0f} | "
                     f"{p['effective_sample_size'] / res['events']:.4f} | {p['final_state']:.5g} |")
    g, d = res["paths"]["general"], res["paths"]["dedicated (oracle)"]
    lines.append(f"general / dedicated (wall): generation x{g['generation_ev_per_s'] / d['generation_ev_per_s']:.2f}, "
                 f"+detector x{g['generation_detector_ev_per_s'] / d['generation_detector_ev_per_s']:.2f}, "
                 f"ESS/s x{g['ess_per_s'] / d['ess_per_s']:.2f}; (CPU) generation "
                 f"x{g['generation_ev_per_cpu_s'] / d['generation_ev_per_cpu_s']:.2f}, +detector "
                 f"x{g['generation_detector_ev_per_cpu_s'] / d['generation_detector_ev_per_cpu_s']:.2f}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("card", nargs="?", default=str(_ROOT / "cards/na62_light_zprime.toml"))
    ap.add_argument("-n", "--events", type=int, default=200_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    res = bench_paths(a.card, a.events, a.reps, log=lambda s: print(s, file=sys.stderr))
    print(format_result(res))
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
