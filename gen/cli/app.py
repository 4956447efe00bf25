"""The ``hnlgen`` command line. Each subcommand lives in ``gen/cli/<name>.py`` and exposes
``register(subparsers)`` (which sets ``func``) and ``run(args) -> int``.

Every subcommand module is imported to build the parser, so their imports of the generator (numba, awkward,
uproot, ...) are function-level, inside ``run``: ``hnlgen --help`` and a card error stay fast. They are the
function-level imports that remain on purpose; none hides an import cycle (``lint-imports`` sees them and
finds no cycle)."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback

from gen import __version__
from gen.bundled import find_card
from gen.cli import interrupt

# Subcommands in the order ``hnlgen --help`` lists them; a module that is absent is skipped.
_COMMANDS = ("check", "model", "xsec", "run", "experiments", "fit", "validate", "plot", "reweight", "scan", "limits", "bench", "cards")


#: Where to report a bug (README section).
BUG_REPORT = "README.md, section 'Reporting bugs'"

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``hnlgen run: argument --seed: ...``) and exit status 2."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hnlgen",
        description="Monte Carlo event generator for dark neutrinos: nu A -> N A upscattering and N decay cascades.",
    )
    parser.add_argument("--version", action="version", version=f"hnlgen {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging; tracebacks of unexpected errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        try:
            mod = importlib.import_module(f"gen.cli.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"gen.cli.{name}":
                continue
            raise
        mod.register(sub)
    return parser


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _input_name(args) -> str | None:
    """The main input of a subcommand (its card or file), to name in messages that do not name it yet."""
    for attr in ("card", "file", "signal", "input"):
        v = getattr(args, attr, None)
        if isinstance(v, str):
            return v
    return None


def report_error(command: str, err: BaseException, args=None, verbose: bool = False) -> int:
    """The CLI's one error boundary: print one line for ``err`` and return the exit status.

    ``gen.errors.HnlgenError`` (and ``physics.model.ModelError``): the input's fault, its message (prefixed
    by the input's name if it does not start with it), exit 2. ``KeyboardInterrupt``: one line, exit 130.
    Anything else is a bug in hnlgen: one line with the exception type and message and where to report it
    (the traceback with ``-v``), exit 1.
    """
    from gen.errors import HnlgenError
    from physics.model import ModelError

    prog = f"hnlgen {command}" if command else "hnlgen"
    if isinstance(err, KeyboardInterrupt) or interrupt.RECEIVED.is_set():
        # a Ctrl-C that a library swallowed on its way (numba/llvmlite ignore exceptions raised in their
        # ctypes callbacks while compiling, then fail with an error of their own) is still an interruption
        print(f"{prog}: interrupted (Ctrl-C); no complete output was written by the interrupted step", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(err, (HnlgenError, ModelError)):
        msg = _one_line(err)
        if isinstance(err, ModelError):
            msg = f"model.{msg}"
        name = _input_name(args) if args is not None else None
        if name and not msg.startswith(name) and _names_card(err):
            msg = f"{name}: {msg}"
        print(f"{prog}: {msg}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if verbose:
        traceback.print_exception(err, file=sys.stderr)
    where = _origin(err)
    print(f"{prog}: internal error (a bug in hnlgen): {type(err).__name__}: {_one_line(err)}{where}; please report it "
          f"with the command line and the card ({BUG_REPORT}){'' if verbose else '; -v shows the traceback'}", file=sys.stderr)
    return 1


def _names_card(err: BaseException) -> bool:
    from gen.card import CardError
    from physics.model import ModelError

    return isinstance(err, (CardError, ModelError))


def _origin(err: BaseException) -> str:
    tb = traceback.extract_tb(err.__traceback__)
    if not tb:
        return ""
    frame = tb[-1]
    return f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"


#: Commands whose process ends with ``os._exit`` when run from the command line (``entry``): after a cold
#: start the interpreter's teardown of numba's compiled LLVM modules took ~0.7 s (0.2 s warm) with nothing
#: left to do; ``run`` has closed and renamed its output and joined its threads when ``main`` returns.
#: Not for commands that leave cleanup to ``atexit`` (``scan`` closes its Dask cluster there).
FAST_EXIT_COMMANDS = frozenset({"run"})


def entry() -> None:
    """The ``hnlgen`` console script and ``python -m gen``: ``main`` on ``sys.argv``, then exit with its status.

    Kernels compile at the command line's LLVM level (``physics._jit.use_command_line_opt_level``). OpenBLAS (NumPy's
    and SciPy's) runs one thread unless ``OPENBLAS_NUM_THREADS`` says otherwise: its worker threads spin for ~0.1 s
    after start-up, on the cores the start-up itself needs, while hnlgen's linear algebra is a few small matrices and
    its parallel work numba's threads (warm start ~0.25 s of CPU and ~0.1 s of wall time less; issue 16). Set here,
    before NumPy is first imported, so library users keep their own setting."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from physics._jit import use_command_line_opt_level

    use_command_line_opt_level()
    argv = sys.argv[1:]
    rc = main(argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in FAST_EXIT_COMMANDS:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc)
    sys.exit(rc)


def main(argv: list[str] | None = None) -> int:
    previous = interrupt.install()
    try:
        return _main(argv)
    finally:
        interrupt.restore(previous)


def _main(argv: list[str] | None) -> int:
    command = ""
    verbose = "-v" in (argv if argv is not None else sys.argv[1:]) or "--verbose" in (argv if argv is not None else sys.argv[1:])
    args = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        verbose = args.verbose
        logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_BAD_INPUT
        command = args.command
        if isinstance(getattr(args, "card", None), str):
            args.card = find_card(args.card)  # a bundled card by name, from any directory
        return int(args.func(args) or 0)
    except SystemExit:
        raise
    except BaseException as err:  # noqa: BLE001 - the one error boundary of the command line
        return report_error(command, err, args, verbose)


if __name__ == "__main__":  # pragma: no cover
    entry()
