"""``hnlgen validate [--quick] [-o DIR] [--html-embed] [--json]``: run the comparisons, write ``DIR/report.md`` and ``report.html``."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "validate",
        help="compare with published numbers and data; writes DIR/report.md and DIR/report.html (exit 1 if any unexplained FAIL)",
        description="Run the registered comparisons (gen.validation.comparisons) and write DIR/report.md and DIR/report.html (same "
        "records, self-contained HTML with inline CSS) with PNG figures beside them. "
        "Exit status 1 if any comparison FAILs without an explanation; 'FAIL (explained)' (published number not reproduced, "
        "cause identified and stated in the report) and SKIP (module or code not there yet) do not fail.",
    )
    p.add_argument("--quick", action="store_true", help="only the fast subset that CI runs")
    p.add_argument("-o", "--outdir", default="validation/report", help="output directory (default: validation/report)")
    p.add_argument("--html-embed", action="store_true",
                   help="embed the figures in report.html as base64 data URIs (one file that can be mailed alone); "
                   "default: <img> links to the PNGs beside it")
    p.add_argument("--only", nargs="+", metavar="NAME", help="run only these registered comparisons")
    p.add_argument("--list", action="store_true", help="list the registered comparisons and exit")
    p.add_argument("--json", action="store_true",
                   help="print the records as a JSON array on stdout (every field but the timing; for diffing two runs); "
                   "the summary lines go to stderr")
    p.set_defaults(func=run)


def run(args) -> int:
    from gen.validation import comparisons as validation

    if args.list:
        for mod in validation.COMPARISON_MODULES:
            __import__(mod)
        for name, reg in validation.registry().items():
            needs = f"  [requires {', '.join(reg.requires)}]" if reg.requires else ""
            print(f"{name:40s} {'quick' if reg.quick else 'full '}  {reg.description}{needs}")
        return 0
    try:
        results = validation.run_validation(args.quick, args.outdir, names=args.only, html_embed=args.html_embed)
    except ValueError as err:
        print(f"hnlgen validate: {err}", file=sys.stderr)
        return 2
    counts = {s: sum(c.status == s for c in results) for s in validation.STATUSES}
    summary = sys.stderr if args.json else sys.stdout
    if args.json:
        json.dump(validation.records_json(results), sys.stdout, indent=1)
        print()
    for c in results:
        if c.status == "FAIL":
            print(f"FAIL  {c.name}: {c.reason}", file=summary)
    print(f"{len(results)} comparisons: {counts['PASS']} PASS, {counts['FAIL']} FAIL, {counts['SKIP']} SKIP, {counts['INFO']} INFO, "
          f"{counts[validation.EXPLAINED]} FAIL (explained); report: {Path(args.outdir) / 'report.md'}, {Path(args.outdir) / 'report.html'}", file=summary)
    return 1 if counts["FAIL"] else 0
