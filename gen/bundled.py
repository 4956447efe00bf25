"""The run cards that ship with hnlgen (``cards/`` of the repository; in a wheel, ``gen/_bundled/cards``).

``hnlgen run miniboone_light_zprime`` (or any command taking a card) finds a bundled card by its name,
with or without ``.toml``, from any working directory; a path that exists always wins, so a local file
of the same name is used instead. ``hnlgen cards`` lists them and copies them out for editing.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["bundled_cards", "bundled_cards_dir", "card_description", "find_card"]

_CARD_SUFFIX = ".toml"


def bundled_cards_dir() -> Path | None:
    """The directory of the bundled cards: the checkout's ``cards/`` (source tree or editable install),
    else the copy a wheel carries in ``gen/_bundled/cards`` (pyproject.toml ``force-include``)."""
    here = Path(__file__).resolve().parent
    for d in (here.parent / "cards", here / "_bundled" / "cards"):
        if d.is_dir() and any(d.glob(f"*{_CARD_SUFFIX}")):
            return d
    return None


def bundled_cards() -> dict[str, Path]:
    """Card name (file name without ``.toml``) -> path, sorted by name; empty if none is installed."""
    d = bundled_cards_dir()
    if d is None:
        return {}
    return {p.stem: p for p in sorted(d.glob(f"*{_CARD_SUFFIX}"))}


def find_card(arg: str | os.PathLike) -> str:
    """``arg`` itself if it exists (or names a directory part); else the bundled card of that name
    (``miniboone_light_zprime`` or ``miniboone_light_zprime.toml``); else ``arg`` unchanged, so that
    loading it reports the missing file."""
    p = Path(arg)
    if p.exists() or p.parent != Path("."):
        return str(arg)
    name = p.name.removesuffix(_CARD_SUFFIX)
    found = bundled_cards().get(name)
    return str(found) if found is not None else str(arg)


def card_description(path: Path) -> str:
    """The first line of the card's leading comment block (its physics case), without the ``#``."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line.startswith("#"):
                return line.lstrip("#").strip()
            if line:
                break
    return ""
