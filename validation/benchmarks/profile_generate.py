"""Where the time of event generation goes (not a timed test): light-Z' MiniBooNE card, one numba thread.

Splits the wall time of ``gen.sources.upscattering.iter_generate`` into

* RNG: the block streams of ``gen.core.rng`` (production uniforms and cascade seeds, numpy PCG64);
* event kernel: ``gen.core.event_kernel.event_kernel`` (production, decay cascade, compaction into the
  event columns), itself split by running the component kernels on one block of events:
  ``production_kernel``, ``cascade_kernel``, ``compact_kernel`` (per event; their ratios apply to
  the fused kernel, whose memory traffic is lower);
* awkward: ``gen.core.events.build_events`` (record arrays on the columns, no copies);
* Python: the rest of the chunk loop (total - the above);

and compares, in the same process with interleaved repetitions (median over ``--reps``; the machine
may be shared, so ratios are more reliable than absolute rates):

* reused chunk buffers (a ``for chunk in iter_generate(...)`` loop) against fresh ones (memory first
  touch, as when the caller keeps every chunk);
* ``generate`` (one chunk, fresh memory, the array kept) against the iterator;
* process CPU time against wall time (CPU time excludes time the process waited for a core).

Usage::

    NUMBA_NUM_THREADS=1 python validation/benchmarks/profile_generate.py [--events 1000000] [--reps 5] [--json]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import time
from pathlib import Path

import numba
import numpy as np

from gen.card import load_card
from gen.core import event_kernel as EK
from gen.core import kernels as K
from gen.core import rng as R
from gen.core.events import ColumnBuffer, build_events
from gen.sources.upscattering import _event_tables, _EventWork, _Workspace, generate, iter_generate, prepare

ROOT = Path(__file__).resolve().parents[2]


def _manual_pass(card, setup, n, seed, reuse: bool) -> dict:
    """``iter_generate``'s chunk loop with a timer around each stage (same calls, same events)."""
    t = {"rng": 0.0, "event_kernel": 0.0, "awkward": 0.0}
    t_all = time.perf_counter()
    blocks_all = list(R.block_ranges(0, n))
    bpc = 8
    work = _EventWork(min(n, bpc * R.BLOCK_SIZE))
    tables = _event_tables(setup, n)
    pool = []
    for i in range(0, len(blocks_all), bpc):
        blocks = blocks_all[i:i + bpc]
        first = blocks[0][1]
        m = blocks[-1][2] - first
        buf = next((b for b in pool if reuse and b.n >= m and not b.in_use()), None)
        if buf is None:
            buf = ColumnBuffer(m, m * setup.slots)
        else:
            pool.remove(buf)
            buf.reset()
        t0 = time.perf_counter()
        for b, start, stop in blocks:
            R.block_rng(seed, b, R.PURPOSE_PRODUCTION).random(out=work.u[start - first:stop - first])
            work.seeds[start - first:stop - first] = R.block_rng(seed, b, R.PURPOSE_DECAY).integers(
                0, 2**63, stop - start, dtype=np.uint64)
        t1 = time.perf_counter()
        n_parts = max(1, min(numba.get_num_threads(), m // EK.EVENT_TASK))
        s_int, s_kin = work.staging((m - -(-m // n_parts)) * setup.slots)
        out = buf.outputs()
        rows = EK.event_kernel(work.u[:m], work.seeds[:m], first, n_parts, 0, 0, *tables, out, s_int, s_kin,
                               setup.slots, EK.EVENT_TASK)
        buf.n_events, buf.n_particles = m, rows
        t2 = time.perf_counter()
        chunk = build_events(buf.columns())
        t3 = time.perf_counter()
        t["rng"] += t1 - t0
        t["event_kernel"] += t2 - t1
        t["awkward"] += t3 - t2
        pool = [*pool[-1:], buf]
        del chunk
    t["total"] = time.perf_counter() - t_all
    t["python"] = t["total"] - t["rng"] - t["event_kernel"] - t["awkward"]
    return t


def _components(setup, seed) -> dict:
    """ns per event of the component kernels on one block (production, cascade, compaction)."""
    n = R.BLOCK_SIZE
    ws = _Workspace(n, setup.slots)
    u4 = R.block_rng(seed, 0).random((n, 4))
    seeds = R.block_rng(seed, 0, R.PURPOSE_DECAY).integers(0, 2**63, n, dtype=np.uint64)
    t0 = time.perf_counter()
    K.production_kernel(u4, *_event_tables(setup, n)[:2], ws.chan, ws.E, ws.Q2, ws.w, ws.ybin, ws.p4)
    t1 = time.perf_counter()
    c = ws.chan
    ws.pdg[:, 3] = setup.ch_codes["n_pdg"][c]
    ws.status[:, :4] = [K.STATUS_BEAM, K.STATUS_TARGET, K.STATUS_FINAL, K.STATUS_FINAL]
    ws.parent[:, 2:4] = 0
    ws.pol[:, 3] = setup.ch_pol[c]
    ws.st_of[:, 3] = setup.ch_root[c]
    t2 = time.perf_counter()
    K.cascade_kernel(seeds, 4, ws.pdg, ws.status, ws.parent, ws.p4, ws.vtx, ws.pol, ws.st_of, ws.npart, ws.chosen,
                     setup.graph.tables())
    t3 = time.perf_counter()
    buf = _components.buf if hasattr(_components, "buf") else ColumnBuffer(n, n * setup.slots)
    _components.buf = buf
    t4 = time.perf_counter()
    EK.compact_kernel(ws.pdg, ws.status, ws.parent, ws.p4, ws.vtx, ws.npart, 3, buf.hard, buf.named, buf.named_vtx,
                      buf.f_int, buf.f_kin)
    t5 = time.perf_counter()
    return {"production": (t1 - t0) / n * 1e9, "cascade": (t3 - t2) / n * 1e9, "compaction": (t5 - t4) / n * 1e9}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=float, default=1e6)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--card", default=str(ROOT / "cards" / "miniboone_light_zprime.toml"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    n = int(args.events)
    card = load_card(args.card)
    seed = card.run.seed
    setup = prepare(card)
    for _ in iter_generate(card, 50_000, seed, setup=setup):  # warm-up: numba cache load
        pass
    _components(setup, seed)
    rows: dict[str, list] = {}

    def add(key, val):
        rows.setdefault(key, []).append(val)

    for _ in range(args.reps):
        w, c = time.perf_counter(), time.process_time()
        for _chunk in iter_generate(card, n, seed, setup=setup):
            pass
        add("iter_generate wall", time.perf_counter() - w)
        add("iter_generate cpu", time.process_time() - c)
        for reuse in (True, False):
            for k, v in _manual_pass(card, setup, n, seed, reuse).items():
                add(f"{'reused' if reuse else 'fresh'} {k}", v)
        w = time.perf_counter()
        ev = generate(card, n, seed, setup=setup)
        add("generate (kept) wall", time.perf_counter() - w)
        del ev
        for k, v in _components(setup, seed).items():
            add(f"component {k} ns/event", v)
    med = {k: float(np.median(v)) for k, v in rows.items()}
    pr = cProfile.Profile()
    pr.enable()
    for _chunk in iter_generate(card, n, seed, setup=setup):
        pass
    pr.disable()
    st = pstats.Stats(pr)
    total = sum(v[2] for v in st.stats.values())
    top = [{"function": f"{Path(fn).name}:{line}({name})", "own_fraction": tt / total}
           for (fn, line, name), (_cc, _nc, tt, _ct, _cl) in sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:8]]
    res = {"card": os.path.relpath(args.card, ROOT), "events": n, "reps": args.reps, "numba_threads": numba.get_num_threads(),
           "load_average_1min": os.getloadavg()[0], "median_s": med, "cprofile_top": top}
    if args.json:
        print(json.dumps(res, indent=1))
        return 0
    tot = med["reused total"]
    print(f"{res['card']}: {n} events, {res['numba_threads']} numba thread(s), median of {args.reps} interleaved repetitions "
          f"(load average {res['load_average_1min']:.2f})")
    print(f"  iter_generate: {n / med['iter_generate wall']:,.0f} events/s wall, {n / med['iter_generate cpu']:,.0f} per CPU second")
    print(f"  generate (one chunk, fresh memory, kept): {n / med['generate (kept) wall']:,.0f} events/s")
    print(f"  chunk loop with reused buffers: {n / tot:,.0f} events/s; with fresh buffers {n / med['fresh total']:,.0f} events/s "
          f"(first touch x{med['fresh total'] / tot:.2f})")
    for k in ("rng", "event_kernel", "awkward", "python"):
        print(f"    {k:13s} {med['reused ' + k]:7.3f} s  {med['reused ' + k] / tot * 100:5.1f}%")
    comp = {k: med[f"component {k} ns/event"] for k in ("production", "cascade", "compaction")}
    s = sum(comp.values())
    print("  event kernel split (component kernels, one block): " + ", ".join(
        f"{k} {v:.0f} ns ({v / s * 100:.0f}%)" for k, v in comp.items()))
    out = io.StringIO()
    for r in top:
        out.write(f"    {r['own_fraction'] * 100:5.1f}%  {r['function']}\n")
    print("  cProfile (own time):\n" + out.getvalue().rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
