"""Ctrl-C for the command line: remembered even when a library swallows it.

numba and llvmlite ignore exceptions raised inside their ctypes callbacks while they compile, so a
``KeyboardInterrupt`` that lands during a compile can vanish and the run would go on to write a complete
file. ``install`` records every SIGINT in ``RECEIVED`` before raising ``KeyboardInterrupt`` as Python's
default handler does; ``check`` (called by the run loops between chunks) raises it again if it was swallowed.
Python reports such a swallowed exception through ``sys.unraisablehook`` ("Exception ignored on calling
ctypes callback function", with a traceback, seen in CI); while installed, that hook stays silent for a
``KeyboardInterrupt`` (the run reports it in one line) and passes anything else to the previous hook.
"""

from __future__ import annotations

import signal
import sys
import threading

#: set by the SIGINT handler of ``install``; cleared at the start of each ``hnlgen`` command
RECEIVED = threading.Event()


def _on_sigint(signum, frame):
    RECEIVED.set()
    signal.default_int_handler(signum, frame)  # raises KeyboardInterrupt, as without this handler


def _quiet_keyboard_interrupt(previous_hook):
    def hook(unraisable):
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            RECEIVED.set()  # swallowed by a library: check() raises it at the next chunk
            return
        previous_hook(unraisable)

    return hook


def install():
    """Clear ``RECEIVED``, install the handler and the unraisable hook (main thread only); returns what
    ``restore`` needs, or None."""
    RECEIVED.clear()
    if threading.current_thread() is not threading.main_thread():
        return None
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _quiet_keyboard_interrupt(previous_hook)
    return signal.signal(signal.SIGINT, _on_sigint), previous_hook


def restore(previous) -> None:
    """Put back the handler and the hook ``install`` replaced."""
    if previous is not None and threading.current_thread() is threading.main_thread():
        handler, hook = previous
        signal.signal(signal.SIGINT, handler if handler is not None else signal.SIG_DFL)
        sys.unraisablehook = hook


def check() -> None:
    """Raise ``KeyboardInterrupt`` if a Ctrl-C arrived and was swallowed on its way (between chunks of a run)."""
    if RECEIVED.is_set():
        raise KeyboardInterrupt
