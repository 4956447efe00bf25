"""``hnlgen cards [NAME ...] [--copy DIR]``: list the bundled run cards, or copy them out for editing.

Any command that takes a card also takes a bundled card's name (``hnlgen run miniboone_light_zprime``);
see ``gen.bundled``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("cards", help="list the bundled run cards, or copy them (--copy DIR) to edit them")
    p.add_argument("names", nargs="*", metavar="NAME", help="cards to show or copy (default: all)")
    p.add_argument("--copy", metavar="DIR", default=None,
                   help="copy the cards into DIR (an existing directory; existing files are not overwritten)")
    p.set_defaults(func=run)


def run(args) -> int:
    from gen.bundled import bundled_cards, bundled_cards_dir, card_description
    from gen.errors import HnlgenError

    cards = bundled_cards()
    if not cards:
        raise HnlgenError("no bundled cards found in this installation (expected cards/ beside the package or gen/_bundled/cards)")
    names = [n.removesuffix(".toml") for n in args.names] or list(cards)
    unknown = [n for n in names if n not in cards]
    if unknown:
        raise HnlgenError(f"unknown card {unknown[0]!r}; bundled cards: {', '.join(cards)}")
    if args.copy is None:
        width = max(len(n) for n in names)
        for n in names:
            print(f"{n:<{width}}  {card_description(cards[n])}")
        print(f"(in {bundled_cards_dir()}; run one by name: hnlgen run {names[0]}; copy: hnlgen cards {names[0]} --copy .)",
              file=sys.stderr)
        return 0
    dest = Path(args.copy)
    if not dest.is_dir():
        raise HnlgenError(f"--copy {args.copy!r}: not an existing directory")
    clash = [n for n in names if (dest / cards[n].name).exists()]
    if clash:
        raise HnlgenError(f"--copy {args.copy!r}: {dest / cards[clash[0]].name} exists (not overwritten); remove it or copy elsewhere")
    for n in names:
        shutil.copyfile(cards[n], dest / cards[n].name)
        print(dest / cards[n].name)
    return 0
