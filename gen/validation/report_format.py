"""The vocabulary shared by the two validation reports: comparison statuses, how numbers are printed, the texts.

Used by ``gen.validation.comparisons`` (the markdown report and the comparisons) and ``gen.validation.html`` (the HTML
report), which imports it rather than ``gen.validation.comparisons`` so that ``gen.validation.comparisons`` can import the HTML
writer without an import cycle (``[tool.importlinter]`` in pyproject.toml).
"""

from __future__ import annotations

from importlib import resources

import numpy as np

__all__ = ["EXPLAINED", "STATUSES", "fmt", "template"]

EXPLAINED = "FAIL (explained)"
STATUSES = ("PASS", "FAIL", EXPLAINED, "SKIP", "INFO")


def fmt(x) -> str:
    """A value as the reports print it: ``-`` for None, integers as such, floats to 6 significant digits."""
    if x is None:
        return "-"
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.6g}"
    return str(x)


def template(name: str) -> str:
    """A text of ``gen/validation/data/templates/`` (the status meanings, the report's CSS), shared by both reports."""
    return resources.files("gen.validation").joinpath("data", "templates", name).read_text(encoding="utf-8")
