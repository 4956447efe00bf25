"""``hnlgen bench [--cards ...] [--events N] [--reps R] [--json FILE]``: throughput, ESS/s, time to 1%, memory, scaling.
``hnlgen bench --baseline DIR``: the same ``hnlgen run`` here and in another checkout, interleaved, with ratios.

See ``gen.bench`` for what is measured and the formula of the time to 1% MC uncertainty.
"""

from __future__ import annotations

import sys

from gen.output import jsonout


def register(subparsers) -> None:
    p = subparsers.add_parser("bench", help="benchmark generation, detector and ROOT writing on the bundled cards")
    p.add_argument("--cards", nargs="+", default=None, help="run cards (default: the bundled light-Z', heavy-Z' and NA62 cards)")
    import os

    from gen.cli._argtypes import bounded_int, card_int

    p.add_argument("-n", "--events", type=card_int("run.events"), default=200_000, help="events per timed pass (default 200000)")
    p.add_argument("--threads", type=bounded_int(1, os.cpu_count() or 1, "the machine's CPUs"), nargs="+", default=None, help="numba thread counts of the scaling test (default 1 and all)")
    p.add_argument("--no-profile", action="store_true", help="skip the cProfile pass")
    p.add_argument("--reps", type=bounded_int(1, 1000), default=3, help="interleaved repetitions of the timed passes; medians reported (default 3)")
    p.add_argument("--json", default=None, metavar="FILE", help="write the figures as JSON")
    p.add_argument("--baseline", default=None, metavar="DIR",
                   help="instead: time `hnlgen run` of each card in this checkout and in the checkout DIR (e.g. a git "
                        "worktree of an older commit), interleaved, and report the ratios and whether the totals agree")
    p.set_defaults(func=run)


def run(args) -> int:
    from gen.bench import DEFAULT_CARDS, format_table, run_benchmarks

    if args.events < 1:
        print(f"hnlgen bench: --events {args.events}: must be >= 1", file=sys.stderr)
        return 2
    if args.reps < 1:
        print(f"hnlgen bench: --reps {args.reps}: must be >= 1", file=sys.stderr)
        return 2
    if args.baseline is not None:
        from gen.bench import compare_baseline, format_baseline

        res = compare_baseline(args.baseline, args.cards or DEFAULT_CARDS, args.events, reps=args.reps,
                               log=lambda s: print(s, file=sys.stderr))
        print(format_baseline(res))
        if args.json:
            with open(args.json, "w") as fh:
                fh.write(jsonout.dumps(res, indent=1, default=float))
        return 0 if res["cards"] else 1
    res = run_benchmarks(args.cards or DEFAULT_CARDS, args.events, threads=args.threads, profile=not args.no_profile,
                         reps=args.reps, log=lambda s: print(s, file=sys.stderr))
    print(format_table(res))
    if args.json:
        clean = {**res, "cards": [{k: v for k, v in c.items() if not k.startswith("_")} for c in res["cards"]]}
        with open(args.json, "w") as fh:
            fh.write(jsonout.dumps(clean, indent=1, default=float))
    return 0 if res["cards"] else 1
