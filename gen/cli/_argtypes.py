"""argparse types for numeric options: each refuses a bad value with one line naming the allowed range.

The ranges come from ``gen.card.CARD_BOUNDS`` where an option overrides a card key (``-n``: ``run.events``,
``--seed``: ``run.seed``), so the command line and the card accept the same values.
"""

from __future__ import annotations

import argparse

__all__ = ["bounded_float", "bounded_int", "card_int"]


def bounded_int(lo: int, hi: int, reason: str = ""):
    """An argparse ``type``: an integer ``lo <= n <= hi`` (decimal digits, no float or suffix)."""

    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not lo <= value <= hi:
            why = f" ({reason})" if reason else ""
            raise argparse.ArgumentTypeError(f"{value} is out of range: must satisfy {lo} <= N <= {hi}{why}")
        return value

    parse.__name__ = "integer"
    return parse


def card_int(key: str):
    """An argparse ``type`` for an option that overrides the integer card key ``key`` (same bounds)."""
    from gen.card import CARD_BOUNDS

    b = CARD_BOUNDS[key]
    return bounded_int(int(b.lo), int(b.hi), f"as {key}: {b.reason}")


def bounded_float(lo: float, hi: float, reason: str = "", lo_open: bool = False):
    """An argparse ``type``: a finite float ``lo <= x <= hi`` (``lo < x`` if ``lo_open``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        inside = (value > lo if lo_open else value >= lo) and value <= hi  # False for NaN
        if not inside:
            why = f" ({reason})" if reason else ""
            raise argparse.ArgumentTypeError(f"{text} is out of range: must satisfy {lo:g} {'<' if lo_open else '<='} "
                                             f"x <= {hi:g}{why}")
        return value

    parse.__name__ = "number"
    return parse
