"""The markdown validation report, ``report.md``: header, summary table, explained FAILs, one section per record.

Written by :func:`gen.validation.comparisons.run_validation` from the records (the HTML page, ``gen.validation.html``,
renders the same records); the status meanings are the shared text ``data/templates/status_meanings.txt``.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from gen.validation.report_format import EXPLAINED, STATUSES, template
from gen.validation.report_format import fmt as _fmt

__all__ = ["write_report"]


def _cell(x) -> str:
    return _fmt(x).replace("|", "\\|").replace("\n", " ")


def _anchor(i: int, c) -> str:
    return f"c{i}"  # stable, collision-free anchors (names may repeat or hold markdown)


def write_report(results: list, outdir, quick: bool) -> Path:
    """Write ``report.md``: header, summary table, then one section per record."""
    from gen import __version__

    outdir = Path(outdir)
    counts = {s: sum(c.status == s for c in results) for s in STATUSES}
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# hnlgen validation report",
        "",
        f"hnlgen {__version__}, {now}, `hnlgen validate{' --quick' if quick else ''}`. "
        f"{len(results)} comparisons: **{counts['PASS']} PASS, {counts['FAIL']} FAIL, {counts[EXPLAINED]} FAIL (explained), "
        f"{counts['SKIP']} SKIP, {counts['INFO']} INFO**. Reference numbers: `gen/validation/data/*.toml`; their provenance: `validation/REFERENCES.md`.",
        "",
        "Status meanings: " + template("status_meanings.txt").strip(),
        "",
        "## Summary",
        "",
        "| # | comparison | status | ours | theirs | tolerance | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, c in enumerate(results, 1):
        tol = c.tolerance.split(" (")[0]
        note = c.reason if c.status != "PASS" else ""
        lines.append(f"| {i} | [{_cell(c.name)}](#{_anchor(i, c)}) | {c.status} | {_cell(c.ours)} | {_cell(c.theirs)} | {_cell(tol)} | {_cell(note)} |")
    lines.append("")
    expl = [(i, c) for i, c in enumerate(results, 1) if c.status == EXPLAINED]
    if expl:
        lines += ["## Explained FAILs", ""]
        lines += [f"- [{_cell(c.name)}](#{_anchor(i, c)}): {c.reason.partition('; cause: ')[2] or 'see the record'}" for i, c in expl]
        lines.append("")
    for i, c in enumerate(results, 1):
        lines += [
            f'<a id="{_anchor(i, c)}"></a>',
            f"## {i}. {c.name}: {c.status}",
            "",
            f"- **Compared:** {c.compared}",
            f"- **Source:** {c.source}",
            f"- **Ours:** {_fmt(c.ours)}",
            f"- **Theirs:** {_fmt(c.theirs)}",
            f"- **Tolerance:** {c.tolerance}",
            f"- **Status:** {c.status}" + (f": {c.reason}" if c.reason else ""),
            *([f"- **Cause of the disagreement:** {c.explanation}"] if c.explanation else []),
            f"- **Registered as:** `{c.group}` ({c.seconds:.2f} s)",
            "",
        ]
        if c.figure:
            lines += [f"![{c.name}]({c.figure})", ""]
        if c.details:
            lines += [c.details, ""]
    path = outdir / "report.md"
    path.write_text("\n".join(lines))
    return path
