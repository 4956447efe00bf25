"""HTML version of the validation report: ``report.html`` beside ``report.md``.

Rendered from the same :class:`gen.validation.comparisons.Comparison` records as the markdown (never by parsing
it), with the standard library only. The page is one self-contained file: the CSS (``data/templates/report.css``)
is inline and there is no JavaScript. Figures are ``<img>`` elements whose ``src`` is the PNG's path relative to
the report (the files :func:`gen.validation.comparisons.run_validation` writes beside it), or, with
``embed=True`` (``hnlgen validate --html-embed``), a base64 ``data:`` URI, so the file can be mailed
alone. Every piece of record text goes through :func:`html.escape`; the only markup recognised in
it is the markdown the records use: ```` ``` ```` fenced blocks (error tracebacks), `` `code` `` spans
and blank-line paragraph breaks.

Layout: run metadata (hnlgen version, git commit, date, machine, wall time, quick/full), status
counts, the summary table (one row per record, linked to the record, colour-coded by status), the
explained FAILs, then one section per record with its fields and figure(s) with captions.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import html
import mimetypes
import re
import subprocess
import urllib.parse
from collections.abc import Iterable, Sequence
from pathlib import Path

from gen.validation.report_format import EXPLAINED, STATUSES, template
from gen.validation.report_format import fmt as _fmt

__all__ = ["RunInfo", "collect_run_info", "git_commit", "status_class", "write_html_report", "STATUS_CLASSES"]

#: CSS class of each status (gen.validation.comparisons.STATUSES), used on summary rows, badges and record sections.
STATUS_CLASSES = {"PASS": "status-pass", "FAIL": "status-fail", "FAIL (explained)": "status-explained", "SKIP": "status-skip", "INFO": "status-info"}


def status_class(status: str) -> str:
    """The CSS class of a record status; an unknown status is an error (statuses are checked by Comparison)."""
    try:
        return STATUS_CLASSES[status]
    except KeyError:
        raise ValueError(f"status = {status!r}; allowed: {', '.join(STATUS_CLASSES)}") from None


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """Metadata of one ``hnlgen validate`` run, shown at the top of the HTML report.

    ``wall_time_s`` is the wall-clock time of the comparisons in seconds; ``date_utc`` an ISO-like UTC
    time stamp; ``git`` the commit description from :func:`git_commit`; ``machine`` label -> value.
    """

    version: str
    git: str
    date_utc: str
    machine: dict[str, str]
    wall_time_s: float
    quick: bool
    command: str


def git_commit(dirs: Iterable[Path] | None = None) -> str:
    """``<commit> (<checkout>[, modified])`` of the first hnlgen git checkout among ``dirs``, or why there is none.

    The default ``dirs`` are the directory the package was imported from (a checkout when run from
    source) and then the working directory (the checkout whose ``cards/`` and ``validation/`` files
    the comparisons read when the package is installed). A checkout counts only if its top level holds
    the hnlgen ``pyproject.toml`` (an installed package may sit inside some other git repository, e.g.
    a pyenv tree). "modified" means tracked files differ from the commit.
    """
    if dirs is None:
        dirs = (Path(__file__).resolve().parents[2], Path.cwd())
    for d in dirs:
        try:
            top = subprocess.run(["git", "-C", str(d), "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=10)
        except FileNotFoundError:
            return "not available (no git executable)"
        except (OSError, subprocess.TimeoutExpired):
            continue
        root = Path(top.stdout.strip())
        if top.returncode != 0 or not _is_hnlgen_checkout(root):
            continue
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if head.returncode != 0:  # a checkout without commits
            continue
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=30)
        mod = ", modified" if dirty.returncode == 0 and dirty.stdout.strip() else ""
        return f"{head.stdout.strip()} ({root}{mod})"
    return "not available (neither the package directory nor the working directory is in an hnlgen git checkout)"


def _is_hnlgen_checkout(root: Path) -> bool:
    try:
        return re.search(r'^name\s*=\s*"hnlgen"', (root / "pyproject.toml").read_text(), re.M) is not None
    except OSError:
        return False


def collect_run_info(quick: bool, wall_time_s: float, command: str | None = None) -> RunInfo:
    """The :class:`RunInfo` of a run that just took ``wall_time_s`` seconds."""
    from gen import __version__
    from gen.bench import machine_info

    mi = machine_info()
    machine = {
        "CPU": f"{mi['cpu']} ({mi['cores']} cores, numba threads {mi['numba_threads']})",
        "platform": str(mi["platform"]),
        "versions": f"Python {mi['python']}, numba {mi['numba']}, numpy {mi['numpy']}",
    }
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    cmd = command or f"hnlgen validate{' --quick' if quick else ''}"
    return RunInfo(__version__, git_commit(), now, machine, float(wall_time_s), bool(quick), cmd)


_FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")


def _inline(text) -> str:
    """Escaped text with `code` spans as <code> (escape first: backticks survive html.escape)."""
    return _CODE.sub(r"<code>\1</code>", html.escape(str(text)))


def _block(text: str) -> str:
    """Escaped record details: fenced blocks as <pre>, blank-line separated paragraphs as <p>."""
    out, pos = [], 0
    for m in _FENCE.finditer(text):
        out += _paragraphs(text[pos:m.start()])
        out.append(f"<pre>{html.escape(m.group(1))}</pre>")
        pos = m.end()
    out += _paragraphs(text[pos:])
    return "\n".join(out)


def _paragraphs(text: str) -> list[str]:
    return [f"<p>{_inline(p.strip())}</p>" for p in re.split(r"\n\s*\n", text) if p.strip()]


def _figures(c) -> list[str]:
    fig = c.figure
    if not fig:
        return []
    return [fig] if isinstance(fig, str) else [str(f) for f in fig]


def _img_src(outdir: Path, name: str, embed: bool) -> str | None:
    """The ``src`` of a figure, or None if its file is missing (reported in the page, never a broken image)."""
    path = outdir / name
    if not path.is_file():
        return None
    if embed:
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
    return urllib.parse.quote(Path(name).as_posix())




def write_html_report(results: Sequence, outdir, info: RunInfo, *, embed: bool = False) -> Path:
    """Write ``outdir/report.html`` for ``results`` (gen.validation.comparisons.Comparison records) and return its path.

    ``embed=True`` puts the figures in the file as base64 data URIs; otherwise they are referenced by
    their paths relative to ``outdir``. A record naming a figure file that is missing gets a visible
    "figure file missing" note instead of an image.
    """
    outdir = Path(outdir)
    esc = html.escape
    counts = {s: sum(c.status == s for c in results) for s in STATUSES}
    h = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>hnlgen validation report ({'quick' if info.quick else 'full'}, {esc(info.date_utc)})</title>",
        f"<style>\n{template('report.css')}</style>",
        "</head>",
        "<body>",
        '<h1 id="top">hnlgen validation report</h1>',
        '<table class="meta">',
        f"<tr><th>hnlgen</th><td>{esc(info.version)}</td></tr>",
        f"<tr><th>git commit</th><td><code>{esc(info.git)}</code></td></tr>",
        f"<tr><th>date</th><td>{esc(info.date_utc)}</td></tr>",
        *(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in info.machine.items()),
        f"<tr><th>wall time</th><td>{info.wall_time_s:.1f} s</td></tr>",
        f"<tr><th>run</th><td>{'quick' if info.quick else 'full'} (<code>{esc(info.command)}</code>)</td></tr>",
        "</table>",
        f'<p class="counts">{len(results)} comparisons: '
        + ", ".join(f'<span class="badge {status_class(s)}">{counts[s]} {esc(s)}</span>' for s in STATUSES)
        + ". Reference numbers: <code>gen/validation/data/*.toml</code>; their provenance: <code>validation/REFERENCES.md</code>.</p>",
        f"<p>Status meanings: {esc(template('status_meanings.txt').strip())}</p>",
        "<h2>Summary</h2>",
        '<table class="summary">',
        "<thead><tr><th>#</th><th>comparison</th><th>status</th><th>ours</th><th>theirs</th><th>tolerance</th>"
        "<th>note</th></tr></thead>",
        "<tbody>",
    ]
    for i, c in enumerate(results, 1):
        cls = status_class(c.status)
        note = c.reason if c.status != "PASS" else ""
        h.append(
            f'<tr class="record-row {cls}"><td class="num">{i}</td><td><a href="#c{i}">{_inline(c.name)}</a></td>'
            f'<td><span class="badge">{esc(c.status)}</span></td><td>{esc(_fmt(c.ours))}</td><td>{esc(_fmt(c.theirs))}</td>'
            f"<td>{_inline(c.tolerance.split(' (')[0])}</td><td>{_inline(note)}</td></tr>"
        )
    h += ["</tbody>", "</table>"]
    expl = [(i, c) for i, c in enumerate(results, 1) if c.status == EXPLAINED]
    if expl:
        h += ["<h2>Explained FAILs</h2>", "<ul>"]
        h += [f'<li><a href="#c{i}">{_inline(c.name)}</a>: {_inline(c.reason.partition("; cause: ")[2] or "see the record")}</li>'
              for i, c in expl]
        h.append("</ul>")
    for i, c in enumerate(results, 1):
        cls = status_class(c.status)
        h += [
            f'<section class="record {cls}" id="c{i}">',
            f'<h2>{i}. {_inline(c.name)} <span class="badge">{esc(c.status)}</span></h2>',
            '<dl class="fields">',
            f"<dt>Compared</dt><dd>{_inline(c.compared)}</dd>",
            f"<dt>Source</dt><dd>{_inline(c.source)}</dd>",
            f"<dt>Ours</dt><dd>{esc(_fmt(c.ours))}</dd>",
            f"<dt>Theirs</dt><dd>{esc(_fmt(c.theirs))}</dd>",
            f"<dt>Tolerance</dt><dd>{_inline(c.tolerance)}</dd>",
            f"<dt>Status</dt><dd>{esc(c.status)}{': ' + _inline(c.reason) if c.reason else ''}</dd>",
            *([f"<dt>Cause of the disagreement</dt><dd>{_inline(c.explanation)}</dd>"] if c.explanation else []),
            f"<dt>Registered as</dt><dd><code>{esc(c.group)}</code> ({c.seconds:.2f} s)</dd>",
            "</dl>",
        ]
        figs = _figures(c)
        for k, fig in enumerate(figs, 1):
            label = f"Figure {i}" + (f".{k}" if len(figs) > 1 else "")
            caption = f"{label}: {_inline(c.name)} ({_inline(c.compared)}). File <code>{esc(fig)}</code>."
            src = _img_src(outdir, fig, embed)
            if src is None:
                h.append(f'<p class="missing">{label}: figure file <code>{esc(fig)}</code> missing from {esc(str(outdir))}.</p>')
            else:
                h.append(f'<figure><img src="{esc(src)}" alt="{esc(c.name)}"><figcaption>{caption}</figcaption></figure>')
        if c.details:
            h.append(f'<div class="details">{_block(c.details)}</div>')
        h += ['<p class="top"><a href="#top">back to the summary</a></p>', "</section>"]
    h += ["</body>", "</html>", ""]
    path = outdir / "report.html"
    path.write_text("\n".join(h), encoding="utf-8")
    return path
