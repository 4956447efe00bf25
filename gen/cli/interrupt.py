"""Ctrl-C for the command line: remembered even when a library swallows it.

numba and llvmlite ignore exceptions raised inside their ctypes callbacks while they compile, so a
``KeyboardInterrupt`` that lands during a compile can vanish and the run would go on to write a complete
file. ``install`` records every SIGINT in ``RECEIVED`` before raising ``KeyboardInterrupt`` as Python's
default handler does; ``check`` (called by the run loops between chunks) raises it again if it was swallowed.
"""

from __future__ import annotations

import signal
import threading

#: set by the SIGINT handler of ``install``; cleared at the start of each ``hnlgen`` command
RECEIVED = threading.Event()


def _on_sigint(signum, frame):
    RECEIVED.set()
    signal.default_int_handler(signum, frame)  # raises KeyboardInterrupt, as without this handler


def install():
    """Clear ``RECEIVED`` and install the handler (main thread only); returns the previous handler or None."""
    RECEIVED.clear()
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, _on_sigint)


def restore(previous) -> None:
    """Put back the handler ``install`` replaced."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


def check() -> None:
    """Raise ``KeyboardInterrupt`` if a Ctrl-C arrived and was swallowed on its way (between chunks of a run)."""
    if RECEIVED.is_set():
        raise KeyboardInterrupt
