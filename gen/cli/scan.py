"""``hnlgen scan CARD --param m4=0.1:0.5:9 --param mzprime=0.03,0.1,1.25 [--events N] [--workers N | --scheduler ADDRESS] [-o scan.parquet]``.

Evaluates every grid point on Dask distributed (``gen.scan``): expected upscattered, final-state,
in-fiducial and selected events with MC errors, one parquet part file per finished point in the
output directory (a rerun skips finished points; a killed scan loses none). Needs the optional
extra ``hnlgen[scan]`` (dask[distributed], pyarrow).
"""

from __future__ import annotations

import sys


def register(subparsers) -> None:
    from gen.cli._argtypes import bounded_float, bounded_int, card_int

    p = subparsers.add_parser("scan", help="scan masses/couplings on a grid (Dask distributed), one parquet row per point")
    p.add_argument("card", help="TOML run card (the point's keys override its [model] table)")
    p.add_argument("--param", action="append", required=True, metavar="KEY=SPEC",
                   help="KEY=START:STOP:N (N values, ends included) or KEY=V1,V2,...; repeat for each scanned key")
    p.add_argument("-n", "--events", type=card_int("run.events"), default=None, help="events per point (default [run] events)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--workers", type=bounded_int(1, 1024, "worker processes of a local cluster"), default=None, help="worker processes of the embedded local cluster (default: all cores)")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS", help="existing Dask scheduler, e.g. tcp://10.0.0.1:8786")
    p.add_argument("-o", "--output", default="scan.parquet", help="output directory of parquet parts (default scan.parquet)")
    p.add_argument("--root-dir", default=None, help="keep the ROOT file of every point in this directory")
    p.add_argument("--limit", type=bounded_int(1, 10**9, "points to evaluate in this call"), default=None, help="evaluate at most N missing points (rerun to continue)")
    p.add_argument("--worker-timeout", type=bounded_float(0.0, 86400.0, "seconds; at most a day", lo_open=True), default=None,
                   metavar="SECONDS",
                   help="fail when no Dask worker is alive for this long with points unfinished (default 60 s)")
    p.add_argument("--regenerate", action="store_true", help="coupling-only grids: regenerate every point instead of reweighting")
    p.set_defaults(func=run)


def run(args) -> int:
    from gen.scan import ScanError, check_scheduler_address, parse_param, scan

    try:
        if args.scheduler is not None:
            check_scheduler_address(args.scheduler)
        from gen.reweight.upscattering import check_conflicts

        pairs = [parse_param(s) for s in args.param]
        check_conflicts([k for k, _ in pairs], "--param", ScanError)
        params = dict(pairs)
        from gen.scan import WORKER_TIMEOUT_S

        table = scan(args.card, params, args.output, n_events=args.events, workers=args.workers, scheduler=args.scheduler,
                     root_dir=args.root_dir, limit=args.limit, reweight_couplings=not args.regenerate,
                     worker_timeout=WORKER_TIMEOUT_S if args.worker_timeout is None else args.worker_timeout)
    except ImportError as err:
        print(f"hnlgen scan: {err}", file=sys.stderr)
        return 2
    except ScanError as err:
        print(f"hnlgen scan: {err}", file=sys.stderr)
        return 1 if "failed" in str(err) else 2
    cols = table.to_pydict()
    keys = list(params)
    print(f"hnlgen scan: {table.num_rows} points -> {args.output}")
    head = "  " + " ".join(f"{k:>11s}" for k in keys) + f" {'final_state':>12s} {'selected':>12s}  method"
    print(head)
    for i in range(table.num_rows):
        vals = " ".join(f"{cols[k][i]:11.4g}" for k in keys)
        print(f"  {vals} {cols['final_state'][i]:12.4g} {cols['selected'][i]:12.4g}  {cols['method'][i]}")
    return 0
