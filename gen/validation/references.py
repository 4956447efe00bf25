"""The published numbers of ``hnlgen validate``, read from the TOML files in ``gen/validation/data/``.

A comparison module does not hold the numbers it compares with, their sources or the paragraphs that
explain a disagreement: it computes *ours* and takes everything else from its data file, so a reader
edits a number or a sentence without touching code. One file per topic (``miniboone.toml``,
``widths.toml``, ``cross_sections.toml``, ``na62.toml``, ``nue.toml``, ``limits.toml``) plus ``sources.toml``, the
citations they share. Published counts that ``gen.limits`` uses (``gen/data/limits/published_counts.toml``) stay there
only: ``limits.toml``'s texts name them as placeholders that ``gen/validation/limits.py`` fills from that file.

File format
-----------
One table per record, ``[<comparison>.<record>]`` (the comparison's registered name, or a group several share, e.g.
``miniboone_spectra``; then a key). Tables without ``name`` hold parameter points (``[benchmark.*]``) or shared texts:

* ``name``, ``compared``: the record's title and what is compared (printed).
* ``source``: the citation as printed; ``cite`` (arXiv number, journal reference, data-release file, or
  ``this code`` for a regression value) and ``where`` (equation, table, figure, line of the seed text or
  section of a provenance file): machine-checked provenance (``tests/validation/test_references.py``).
* ``value``: the published number ("theirs"); ``abs_tol`` / ``rel_tol`` (``|ours - theirs| <= abs_tol +
  rel_tol |theirs|``) or ``factor`` (``ours/theirs`` within a factor either way) with ``tolerance_reason``,
  the argument for it.
* ``details``; for a disagreement the record reproduces (issue 14: ``FAIL (explained)``) ``cause`` and
  ``short`` (one line for the summary).
* any other key is a number or text the comparison reads (e.g. a benchmark point).

Text fields are :meth:`str.format` templates: ``{S004}`` is a citation of ``sources.toml`` and a name like
``{tau_full:.4g}`` is a number the comparison computes and passes (a brace meant literally is ``{{``).
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from importlib import resources
from typing import Any

from gen.validation.comparisons import Comparison, check_number, explained, info, log_ratio_check

__all__ = ["Reference", "TOPICS", "references", "sources"]

#: The topic files of gen/validation/data/ (without ``.toml``).
TOPICS = ("miniboone", "widths", "cross_sections", "na62", "nue", "limits")


class _Values(dict):
    def __missing__(self, key):
        raise KeyError(f"text field needs {{{key}}}: pass {key}=... or add it to sources.toml")


@functools.cache
def _load(name: str) -> dict:
    with resources.files("gen.validation").joinpath("data", f"{name}.toml").open("rb") as fh:
        return tomllib.load(fh)


@functools.cache
def sources() -> dict[str, str]:
    """The shared citations of ``sources.toml`` (key -> printed citation)."""
    return dict(_load("sources"))


@dataclasses.dataclass(frozen=True)
class Reference:
    """One record's published number, tolerance, source and texts (a table of a data file)."""

    key: str
    fields: dict[str, Any]

    def __getitem__(self, item: str):
        return self.fields[item]

    def get(self, item: str, default=None):
        return self.fields.get(item, default)

    @property
    def value(self):
        """The published number ("theirs")."""
        return self.fields["value"]

    def text(self, field: str, **values) -> str:
        """Text ``field`` with its ``{...}`` filled from ``sources.toml`` and ``values`` ('' if absent)."""
        raw = self.fields.get(field, "")
        if not raw:
            return ""
        try:
            return raw.format_map(_Values(sources(), **values))
        except (KeyError, ValueError, IndexError) as err:
            raise ValueError(f"gen/validation/data: [{self.key}] {field}: {err}") from None

    def check(self, ours, *, figure: str | None = None, details: str | None = None, **values) -> Comparison:
        """``check_number`` of ``ours`` against this reference (``factor``: the log-ratio check)."""
        kw = dict(compared=self.text("compared", **values), source=self.text("source", **values), ours=ours, theirs=self.value,
                  figure=figure, details=self.text("details", **values) if details is None else details)
        if "factor" in self.fields:
            return log_ratio_check(self.text("name", **values), factor=self["factor"], why=self.text("tolerance_reason", **values), **kw)
        return check_number(self.text("name", **values), abs_tol=self.get("abs_tol", 0.0), rel_tol=self.get("rel_tol", 0.0),
                            tolerance_reason=self.text("tolerance_reason", **values), **kw)

    def explain(self, c: Comparison, **values) -> Comparison:
        """``explained(c, cause, short)`` with this reference's texts."""
        return explained(c, self.text("cause", **values), self.text("short", **values))

    def info(self, ours, *, figure: str | None = None, details: str | None = None, **values) -> Comparison:
        """An INFO record (no published number) with this table's name, compared, source and details."""
        return info(self.text("name", **values), self.text("compared", **values), self.text("source", **values), ours,
                    details=self.text("details", **values) if details is None else details, figure=figure)


@functools.cache
def references(topic: str) -> dict[str, Reference]:
    """The records of ``data/<topic>.toml`` as ``{"<comparison>.<record>": Reference}``."""
    if topic not in TOPICS:
        raise ValueError(f"topic = {topic!r}; allowed: {', '.join(TOPICS)}")
    out = {}
    for comp, table in _load(topic).items():
        for key, fields in table.items():
            if not isinstance(fields, dict):
                raise ValueError(f"gen/validation/data/{topic}.toml: [{comp}] {key} is not a table")
            out[f"{comp}.{key}"] = Reference(f"{topic}:{comp}.{key}", fields)
    return out
