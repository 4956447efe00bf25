"""The validation engine: comparison records, their registry, statuses, and the run behind ``hnlgen validate``.

A *comparison* is a function registered with :func:`comparison`; it receives a :class:`ValidationContext`
and returns one or more :class:`Comparison` records (our number, theirs, tolerance and why, and a status).
:func:`run_validation` imports the comparison modules (:data:`COMPARISON_MODULES`), runs the registry (or
its ``quick`` subset) and writes ``report.md`` (:mod:`gen.validation.markdown`) and ``report.html``
(:mod:`gen.validation.html`) with the PNG figures beside them. The physics lives in the topic modules
(``miniboone``, ``widths``, ``cross_sections``, ``na62``, ``nue``, ``limits``); the published numbers they
compare with, their sources, tolerances and explanations in ``gen/validation/data/*.toml``
(:mod:`gen.validation.references`).

Statuses
--------
* ``PASS``: ours agrees with theirs within the stated tolerance.
* ``INFO``: an informational record without a reference number (made with :func:`info`; theirs = "-"): reported
  so that a reader sees our number, never counted as a PASS because nothing was compared.
* ``FAIL``: disagrees and is not understood. ``hnlgen validate`` exits 1 if there is any.
* ``FAIL (explained)`` (:data:`EXPLAINED`): disagrees with the published number, and the report itself computes the
  published number under a stated assumption that is consistent with the source's other equations (issue 14: an
  assumption that contradicts them, or a cause the report does not compute, leaves a plain FAIL). Made only by
  :func:`explained`, which turns a FAIL into this status, stores the full cause in ``Comparison.explanation`` and
  appends the one-line ``short`` to ``reason``; a PASS stays a PASS (the cause becomes a note), so an explanation
  cannot hide a change. Counted separately; does not make the command fail. The computation that reproduces the
  published number is shown, as a separate PASS record or in the cause, so the explanation is itself tested.
* ``SKIP``: the code or a module it needs is not there yet (never a crash, never a PASS).

Adding a comparison
-------------------
1. Put the published number, its source (``cite``, ``where``), tolerance and argument, and the texts in the topic's
   data file, ``[<name>.<record>]`` (format: :mod:`gen.validation.references`).
2. In the topic module, compute ours and build the record from the data::

       R = references("widths")

       @comparison("seed004_lifetimes", quick=True, requires=("physics.decay_table",))
       def _seed004_lifetimes(ctx: ValidationContext) -> list[Comparison]:
           # docstring: one line, what is compared with which paper's equation
           tau = ...
           return [R["seed004_lifetimes.tau_nu_h"].check(tau)]

   ``requires`` lists the modules the comparison needs; while one is missing the record is SKIP with the reason.
   A ``ModuleNotFoundError`` of a project module raised inside the function is treated the same way; any other
   exception gives FAIL with the error in the report. ``raise ComparisonNotImplemented(...)`` is a SKIP.
3. A new topic module goes into :data:`COMPARISON_MODULES` (a missing module is reported as one SKIP record).
4. Figures: ``path = ctx.figure_path("name")``, save a PNG there (``ctx.pyplot()`` gives matplotlib with the Agg
   backend) and pass ``figure=path.name`` to the record.
5. ``quick=True`` comparisons run in CI (``hnlgen validate --quick``, budget two minutes); anything that generates
   events is ``quick=False``.
6. A known disagreement: ``R[...].explain(R[...].check(ours))`` (``cause`` and ``short`` in the data file).
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import logging
import math
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from gen.validation import html as validation_html
from gen.validation.markdown import write_report
from gen.validation.report_format import EXPLAINED, STATUSES

__all__ = [
    "Comparison",
    "ComparisonNotImplemented",
    "ValidationContext",
    "RegisteredComparison",
    "COMPARISON_MODULES",
    "STATUSES",
    "EXPLAINED",
    "explained",
    "info",
    "log_ratio_check",
    "comparison",
    "registry",
    "check_number",
    "repo_file",
    "load_script",
    "records_json",
    "run_validation",
    "write_report",
]

log = logging.getLogger(__name__)

#: Modules imported by :func:`run_validation` to collect registered comparisons, in report order.
COMPARISON_MODULES: list[str] = ["gen.validation.miniboone", "gen.validation.widths", "gen.validation.cross_sections",
                                 "gen.validation.na62", "gen.validation.nue", "gen.validation.limits"]
_PROJECT_PACKAGES = ("physics", "gen", "detectors")


class ComparisonNotImplemented(Exception):
    """Raised by a comparison whose code is not written yet: reported as SKIP with the message."""


@dataclasses.dataclass
class Comparison:
    """One compared number (or curve) and its verdict.

    ``ours`` / ``theirs`` are numbers or short strings; ``figure`` is a file name relative to the report.
    """

    name: str
    compared: str
    source: str
    ours: float | str | None
    theirs: float | str | None
    tolerance: str
    status: str
    reason: str = ""
    figure: str | None = None
    details: str = ""
    group: str = ""
    seconds: float = 0.0
    explanation: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status = {self.status!r}; allowed: {', '.join(STATUSES)}")
        if self.status == EXPLAINED and not self.explanation.strip():
            raise ValueError(f"{self.name!r}: status {EXPLAINED!r} needs the cause in `explanation`")


@dataclasses.dataclass(frozen=True)
class RegisteredComparison:
    name: str
    func: Callable[[ValidationContext], Comparison | Iterable[Comparison]]
    quick: bool
    requires: tuple[str, ...]
    description: str


@dataclasses.dataclass
class ValidationContext:
    """What a comparison gets: the output directory (for figures) and whether this is the quick run."""

    outdir: Path
    quick: bool

    def figure_path(self, name: str) -> Path:
        return self.outdir / f"{name}.png"

    @staticmethod
    def pyplot():
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        return plt


_REGISTRY: dict[str, RegisteredComparison] = {}


def comparison(name: str, *, quick: bool = True, requires: Iterable[str] = ()):
    """Register a comparison function under ``name`` (unique); see the module docstring."""

    def deco(func):
        old = _REGISTRY.get(name)
        if old is not None and old.func.__qualname__ != func.__qualname__:
            raise ValueError(f"comparison {name!r} registered twice ({old.func.__qualname__}, {func.__qualname__})")
        doc = (func.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = RegisteredComparison(name, func, quick, tuple(requires), doc[0] if doc else "")
        return func

    return deco


def registry() -> dict[str, RegisteredComparison]:
    """The registered comparisons, in registration order (a copy)."""
    return dict(_REGISTRY)


def check_number(
    name: str,
    *,
    compared: str,
    source: str,
    ours: float,
    theirs: float,
    tolerance_reason: str,
    abs_tol: float = 0.0,
    rel_tol: float = 0.0,
    figure: str | None = None,
    details: str = "",
) -> Comparison:
    """PASS if |ours - theirs| <= abs_tol + rel_tol * |theirs|, else FAIL."""
    allowed = abs_tol + rel_tol * abs(theirs)
    diff = abs(ours - theirs)
    ok = math.isfinite(ours) and diff <= allowed
    parts = ([f"abs {abs_tol:g}"] if abs_tol else []) + ([f"rel {rel_tol:g}"] if rel_tol else [])
    tol = " + ".join(parts) or "exact"
    return Comparison(
        name=name,
        compared=compared,
        source=source,
        ours=ours,
        theirs=theirs,
        tolerance=f"{tol} ({tolerance_reason})",
        status="PASS" if ok else "FAIL",
        reason=f"|ours - theirs| = {diff:.3g} {'<=' if ok else '>'} {allowed:.3g}",
        figure=figure,
        details=details,
    )


def _missing_module(mod: str) -> bool:
    try:
        return importlib.util.find_spec(mod) is None
    except ModuleNotFoundError:
        return True


def _skip(name: str, compared: str, reason: str) -> Comparison:
    return Comparison(name, compared, "-", None, None, "-", "SKIP", reason)


def _run_one(reg: RegisteredComparison, ctx: ValidationContext) -> list[Comparison]:
    missing = [m for m in reg.requires if _missing_module(m)]
    t0 = time.perf_counter()
    if missing:
        out = [_skip(reg.name, reg.description, f"requires {', '.join(missing)}, which does not exist yet")]
    else:
        try:
            res = reg.func(ctx)
            out = [res] if isinstance(res, Comparison) else list(res)
        except ComparisonNotImplemented as err:
            out = [_skip(reg.name, reg.description, f"not implemented yet: {err}")]
        except ModuleNotFoundError as err:
            if err.name and err.name.split(".")[0] in _PROJECT_PACKAGES:
                out = [_skip(reg.name, reg.description, f"requires {err.name}, which does not exist yet")]
            else:
                out = [_error(reg, err)]
        except Exception as err:  # a broken comparison is a FAIL in the report, not a crash
            out = [_error(reg, err)]
    dt = time.perf_counter() - t0
    for c in out:
        c.group = reg.name
        c.seconds = dt / max(len(out), 1)
    return out


def _error(reg: RegisteredComparison, err: Exception) -> Comparison:
    log.debug("comparison %s raised", reg.name, exc_info=err)
    tb = "".join(traceback.format_exception(err)[-6:])
    return Comparison(
        reg.name, reg.description, "-", None, None, "-", "FAIL",
        f"error: {type(err).__name__}: {err}", details=f"```\n{tb}```",
    )


def run_validation(quick: bool, outdir, names: Iterable[str] | None = None, *, html_embed: bool = False) -> list[Comparison]:
    """Run the registered comparisons (only ``quick`` ones if ``quick``); write ``outdir/report.md`` and ``report.html``.

    ``names`` restricts the run to those registered names. ``html_embed`` puts the figures into
    ``report.html`` as base64 data URIs (:mod:`gen.validation.html`). Returns every record, in registry order.
    """
    t_start = time.perf_counter()
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    ctx = ValidationContext(outdir, quick)
    results: list[Comparison] = []
    for mod in COMPARISON_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as err:
            if err.name and mod.startswith(err.name):
                results.append(_skip(f"module {mod}", f"comparisons in {mod}", f"module {err.name} does not exist yet"))
            else:
                raise
    wanted = set(names) if names is not None else None
    if wanted is not None and (unknown := wanted - set(_REGISTRY)):
        raise ValueError(f"unknown comparison(s) {sorted(unknown)}; registered: {sorted(_REGISTRY)}")
    for reg in list(_REGISTRY.values()):
        if (wanted is not None and reg.name not in wanted) or (quick and not reg.quick):
            continue
        results.extend(_run_one(reg, ctx))
    wall = time.perf_counter() - t_start
    write_report(results, outdir, quick)
    cmd = " ".join(["hnlgen validate", *(["--quick"] if quick else []), *(["--only", *sorted(wanted)] if wanted else []),
                    *(["--html-embed"] if html_embed else [])])
    validation_html.write_html_report(results, outdir, validation_html.collect_run_info(quick, wall, cmd), embed=html_embed)
    return results


def explained(c: Comparison, cause: str, short: str) -> Comparison:
    """Mark a FAIL record as understood: status ``FAIL (explained)`` with ``cause`` in the report.

    A PASS stays a PASS (the explanation is then kept as a note in ``details``), so an explanation can never hide
    a regression that makes the number agree; SKIP is unchanged."""
    if c.status == "FAIL":
        c.status = EXPLAINED
        c.explanation = cause
        c.reason = f"{c.reason}; cause: {short}" if short else c.reason
    elif cause:
        c.details = (c.details + "\n\n" if c.details else "") + "Note: " + cause
    return c


def info(name: str, compared: str, source: str, ours, details: str = "", figure: str | None = None) -> Comparison:
    """An informational record (no reference to fail against): status INFO with theirs = '-'."""
    return Comparison(name, compared, source, ours, "-", "none (informational)", "INFO", "informational: no published number to compare with", figure, details)


def log_ratio_check(name: str, *, compared: str, source: str, ours: float, theirs: float, factor: float, why: str,
                    **kw) -> Comparison:
    """PASS if ours/theirs is within a factor ``factor`` either way (checked as |log10(ours/theirs)| <= log10(factor))."""
    c = check_number(name, compared=compared, source=source, ours=ours, theirs=theirs, abs_tol=0.0, rel_tol=0.0,
                     tolerance_reason=why, **kw)
    lr = abs(math.log10(ours / theirs)) if ours > 0 and theirs > 0 else math.inf
    ok = lr <= math.log10(factor)
    c.tolerance = f"factor {factor:g} either way ({why})"
    c.status = "PASS" if ok else "FAIL"
    c.reason = f"ours/theirs = {ours / theirs:.3g}, |log10| = {lr:.3g} {'<=' if ok else '>'} log10({factor:g}) = {math.log10(factor):.3g}"
    return c


def repo_file(*parts: str) -> Path:
    """A file of the repository (cards/, validation/na62/): in the checkout beside the package (source
    tree or editable install), else the copy a wheel install carries in ``gen/_bundled`` (pyproject.toml,
    ``force-include``), else in the working directory; so the full report also runs from a fresh install."""
    here = Path(__file__).resolve().parents[1]  # gen/
    for root in (here.parent, here / "_bundled", Path.cwd()):
        p = root.joinpath(*parts)
        if p.is_file():
            return p
    raise ComparisonNotImplemented(f"needs {'/'.join(parts)}: not in the checkout, the installed package or the working directory")


def load_script(*parts: str):
    """Import a validation script of the checkout as a module (its functions, without running main)."""
    path = repo_file(*parts)
    spec = importlib.util.spec_from_file_location("_hnlgen_validation_" + path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def records_json(results: Iterable[Comparison]) -> list[dict]:
    """The records as JSON-ready dicts (every field but the timing), for ``hnlgen validate --json``."""
    out = []
    for c in results:
        d = dataclasses.asdict(c)
        d.pop("seconds")
        d = {k: (v.item() if hasattr(v, "item") else v) for k, v in d.items()}  # numpy scalars as Python numbers
        out.append({k: (v if isinstance(v, (str, int, float, type(None))) else str(v)) for k, v in d.items()})
    return out
