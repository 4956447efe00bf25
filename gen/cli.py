"""The ``hnlgen`` command line. Each subcommand lives in ``gen/commands/<name>.py`` and exposes
``register(subparsers)`` (which sets ``func``) and ``run(args) -> int``."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from gen import __version__

# Subcommands in the order ``hnlgen --help`` lists them; a module that is absent is skipped.
_COMMANDS = ("check", "model", "xsec", "run", "experiments", "fit", "validate", "plot", "reweight", "scan", "bench", "cards")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hnlgen",
        description="Monte Carlo event generator for dark neutrinos: nu A -> N A upscattering and N decay cascades.",
    )
    parser.add_argument("--version", action="version", version=f"hnlgen {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        try:
            mod = importlib.import_module(f"gen.commands.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"gen.commands.{name}":
                continue
            raise
        mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from gen.bundled import find_card
    from gen.errors import HnlgenError

    if isinstance(getattr(args, "card", None), str):
        args.card = find_card(args.card)  # a bundled card by name, from any directory
    try:
        return int(args.func(args) or 0)
    except HnlgenError as err:
        print(f"hnlgen {args.command}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
