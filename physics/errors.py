"""Expected failures of hnlgen: errors caused by the user's input (a card, an option, an input file).

They live here, in the bottom layer, because every package raises them: ``detectors`` (output and input
files) may not import ``gen`` and ``physics`` imports nothing of ours (import contracts in pyproject.toml).
``gen.errors`` re-exports them under the name the rest of ``gen`` uses.

The command line (``gen.cli.app.main``) prints the message of any ``HnlgenError`` and exits with status 2;
every other exception is a bug. Modules raise the most specific subclass they own (``gen.card.CardError``,
``gen.reweight.upscattering.ReweightError``, ``gen.scan.ScanError``, ``InputFileError``).
"""

from __future__ import annotations

__all__ = ["HnlgenError", "InputFileError", "OutputFileError"]


class HnlgenError(Exception):
    """An expected failure caused by the input; the message names the input, its value and what is allowed."""


class InputFileError(HnlgenError, ValueError):
    """An input file is missing, unreadable, not written by hnlgen, or incomplete."""


class OutputFileError(HnlgenError, OSError):
    """The output cannot be written (missing or read-only directory, disk full, ...)."""
