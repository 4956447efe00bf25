"""The one place numba options are set (STYLE.md section 4).

Compiled kernels are cached on disk (``cache=True``) in a directory keyed on the package sources:
``<base>/<hash>``, where the hash (SHA-256, 16 hex digits) covers every ``.py`` file of ``physics``,
``gen`` and ``detectors`` and the numba version, and ``<base>`` is ``$HNLGEN_CACHE_DIR``, else
``$NUMBA_CACHE_DIR``, else ``$XDG_CACHE_HOME/hnlgen/numba`` (``~/.cache/hnlgen/numba``). Why:

* numba's own cache index is keyed on the timestamp and size of the file that defines a kernel, not
  on the functions it inlines from other files (an edit of ``physics/cross_sections.py`` did not
  invalidate ``gen/core/event_kernel.py``'s cached kernel: README told users to delete ``__pycache__``).
  With the directory keyed on every source file, any edit or upgrade starts a fresh cache and a stale
  kernel cannot be loaded;
* the default location is user-writable even when the package sits in a read-only site-packages
  (numba's default, ``__pycache__`` beside the sources, then falls back to no caching at all).

Old ``<hash>`` directories are not removed automatically (several checkouts may share the base);
``rm -r ~/.cache/hnlgen/numba`` is always safe. ``numba.config.CACHE_DIR`` is set here, before any
kernel of the package is defined (every kernel module imports this one first).
"""

import functools
import hashlib
import os
from pathlib import Path

import numba
import numba.extending


def _source_hash() -> str:
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(numba.__version__.encode())
    for pkg in ("physics", "gen", "detectors"):
        for f in sorted((root / pkg).rglob("*.py")):
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def kernel_cache_dir() -> Path:
    """The directory of this installation's compiled-kernel cache (module docstring)."""
    base = os.environ.get("HNLGEN_CACHE_DIR") or os.environ.get("NUMBA_CACHE_DIR")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(xdg, "hnlgen", "numba")
    return Path(base) / _source_hash()


KERNEL_CACHE_DIR = kernel_cache_dir()
numba.config.CACHE_DIR = str(KERNEL_CACHE_DIR)

jit = functools.partial(numba.njit, cache=True, error_model="numpy")
jit_parallel = functools.partial(numba.njit, cache=True, error_model="numpy", parallel=True)
jitable = numba.extending.register_jitable


#: LLVM optimisation level of the command line's compilations (``use_command_line_opt_level``)
COMMAND_LINE_OPT_LEVEL = 1


def use_command_line_opt_level() -> None:
    """Compile at LLVM -O1 (``COMMAND_LINE_OPT_LEVEL``) instead of numba's default -O3, in this process and the
    processes it starts (the precompile helper, scan workers), unless ``NUMBA_OPT`` is set (the user's choice wins).

    Called first by the ``hnlgen`` command line (``gen.cli.app.entry``) and by the test suite; library users
    keep numba's default (this is not called on import). Why (issue 16, cold start; README, Development):
    a cold ``hnlgen run`` spends ~25 s of CPU in numba, most of it in LLVM's optimisation passes over the
    inlined production, cascade and cross-section trees. At -O1 the default card's cold start took 21.1 s of
    user CPU against 24.7 s (4 ABBA pairs, fresh caches: wall 12.8 s against 14.5 s), and the kernels ran as
    fast (generation 1.06 against 1.07 us/event of CPU, the MiniBooNE stage 0.67 against 0.70; minimum of 4
    passes, 6 processes each, alternating): their loops are scalar and branchy, where -O3's unrolling and
    vectorisation find nothing. The events are the same bits at any level (numba never sets fast-math or FP contraction here, so
    LLVM may not reassociate or fuse floating-point operations; a 300,000-event file at -O1 and -O3 compared
    equal, tested by ``tests/physics/test_jit.py``). Cached kernels do not record the level: a kernel compiled
    by a library user at -O3 is loaded by the command line and the other way round, with the same results.

    Sets ``NUMBA_OPT`` in ``os.environ`` (inherited by child processes) and makes numba re-read its
    environment now (``numba.config.reload_config``), then restores this module's ``CACHE_DIR``: numba
    re-reads the whole environment whenever a ``NUMBA_*`` variable changed, which would otherwise reset the
    cache directory at the next compilation.
    """
    if "NUMBA_OPT" in os.environ:
        return
    os.environ["NUMBA_OPT"] = str(COMMAND_LINE_OPT_LEVEL)
    numba.config.reload_config()
    numba.config.CACHE_DIR = str(KERNEL_CACHE_DIR)


def skip_numba_extensions() -> None:
    """Do not load numba's ``numba_extensions`` entry points in this process (for ``hnlgen run`` only).

    numba imports every installed extension before it compiles or loads its first kernel: here vector's
    numba backend and awkward's numba types, ~0.4-0.5 s of a 2-3 s warm start. The package's kernels take
    only NumPy arrays and scalars (STYLE.md section 4), so the command line does not need them; library
    users who compile their own kernels on awkward arrays or vectors keep numba's default (this is not
    called on import). Uses numba's flag ``numba.core.entrypoints._already_initialized`` (the one
    ``init_all`` sets after loading them); a numba without it keeps its default.
    """
    import numba.core.entrypoints as ep

    if hasattr(ep, "_already_initialized"):
        ep._already_initialized = True


class CompileMonitor:
    """Announces numba compilation on ``stream`` (a first run compiles for ~40 s CPU; nothing else prints).

    ``CompileMonitor(stream).install()`` registers a listener of numba's ``numba:compile`` event (fired
    only for a real compilation, not for a cache load): the first one prints one line naming the
    cache directory; ``seconds`` and ``kernels`` count the wall time spent in outermost compilations
    and their number (``report()`` gives one line for the end of the run, or None if nothing compiled).
    """

    def __init__(self, stream):
        import numba.core.event as ev

        self.stream = stream
        self.kernels = 0
        self.seconds = 0.0
        self._depth = 0
        self._t0 = 0.0
        monitor = self

        class _Listener(ev.Listener):
            def on_start(self, event):
                if monitor._depth == 0:
                    import time

                    if monitor.kernels == 0:
                        monitor.stream.write(f"hnlgen: compiling numba kernels (first run after an install or a source "
                                             f"change; cached in {KERNEL_CACHE_DIR}) ...\n")
                        monitor.stream.flush()
                    monitor._t0 = time.perf_counter()
                    monitor.kernels += 1
                monitor._depth += 1

            def on_end(self, event):
                monitor._depth -= 1
                if monitor._depth == 0:
                    import time

                    monitor.seconds += time.perf_counter() - monitor._t0

        self._listener = _Listener()
        self._ev = ev

    def install(self) -> "CompileMonitor":
        self._ev.register("numba:compile", self._listener)
        return self

    def uninstall(self) -> None:
        self._ev.unregister("numba:compile", self._listener)

    def report(self) -> str | None:
        if self.kernels == 0:
            return None
        return (f"hnlgen: compiled {self.kernels} numba kernels in {self.seconds:.1f} s in this process (not counting a "
                f"gen.core.precompile helper); cached for the next runs")
