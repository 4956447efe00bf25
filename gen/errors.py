"""Expected failures of hnlgen, as ``gen`` names them: re-exports of :mod:`physics.errors`.

The classes live in ``physics.errors``, the bottom layer, so that ``detectors`` (which may not import ``gen``,
``[tool.importlinter]`` in pyproject.toml) raise the same ``InputFileError`` / ``OutputFileError`` that the
command line catches. ``gen.errors.HnlgenError is physics.errors.HnlgenError``.
"""

from __future__ import annotations

from physics.errors import HnlgenError, InputFileError, OutputFileError

__all__ = ["HnlgenError", "InputFileError", "OutputFileError"]
