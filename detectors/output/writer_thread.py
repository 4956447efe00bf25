"""A writer thread: file writing (storage conversion, compression, I/O) overlaps with generation.

``BackgroundWriter(writer)`` wraps an ``EventWriter`` (or any object with ``write``, ``close``,
``abort``): ``write(chunk)`` puts the chunk on a bounded queue and returns; one thread takes the chunks
in order and calls ``writer.write``. The file is therefore byte for byte the file the plain writer
would write (same chunks, same order); only the wall time changes. NumPy's dtype conversions, LZ4 /
ZLIB / ZSTD compression (cramjam) and file writes release the GIL, so the writer runs on the second core
while numba generates the next chunk; uproot's per-branch Python work does not, and then the two
threads share the interpreter.

``depth`` chunks may wait in the queue (default 1: with the chunk being written and the one being
generated, 3 chunk buffers of ``gen.sources.upscattering.iter_generate`` are in use, ~0.12 GB each at the default
131072 events; depth 2 took a fifth buffer and the RSS from 710 to 835 MB at 6e6 events, for no speed). An
exception in the thread is raised again by the next ``write`` or by ``close`` (which then aborts the
file: no complete-looking file), and ``abort`` stops the thread before deleting the partial file.

Memory: glibc gives each thread its own malloc arena, and the writer's multi-MB temporaries (float32
copies, big-endian baskets, compression buffers) fragmented the second arena: 1e7 light-Z' events with
the detector stage grew from 908 to 1071 MB RSS (``validation/benchmarks/large_sample.py``). With one
arena (``MALLOC_ARENA_MAX=1``) the RSS stayed at 694-742 MB from 2e6 to 1e7 events, so
``BackgroundWriter`` sets glibc's M_ARENA_MAX to 1 for the process (``mallopt``; nothing elsewhere).

Page faults (session 8): glibc's dynamic thresholds gave the writer's 0.5-1 MB temporaries fresh ``mmap`` pages
(or gave trimmed heap back to the kernel) chunk after chunk, and a fresh page costs ~9 us to fault in on this
machine (first touch of new memory copies at 0.9 GB/s, reused memory at 24 GB/s). ``BackgroundWriter`` therefore
also fixes M_MMAP_THRESHOLD at 32 MB (glibc's maximum; the chunk buffers, ~0.12 GB, stay ``mmap``-ed and are
reused by ``iter_generate``) and M_TRIM_THRESHOLD at 256 MB, so that the temporaries reuse heap pages already
touched. Either one alone is slower than glibc's defaults (fixing one ends the dynamic adjustment of both).
Measured on the same light-Z' chunks (``validation/benchmarks/writer_records.py``'s set-up, compact record):
``EventWriter.write`` 0.78-0.80 -> 0.62-0.69 us of CPU per event, all of it in uproot's big-endian copies; ``hnlgen
run``, marginal rate, 3 ABBA pairs with the variables set in the environment: 641k/650k/627k -> 651k/685k/679k
events/s; minor page faults of a 2e6-event run 134k -> 79k.
"""

from __future__ import annotations

import ctypes
import platform
import queue
import sys
import threading

from detectors.output.root import CloseOrAbort

__all__ = ["BackgroundWriter", "streaming_malloc"]

_STOP = object()
# glibc malloc.h: parameter -> value (module docstring)
_MALLOPT = {-8: 1,  # M_ARENA_MAX: one arena for all threads
            -3: 32 << 20,  # M_MMAP_THRESHOLD (bytes): glibc's maximum on 64 bits
            -1: 256 << 20}  # M_TRIM_THRESHOLD (bytes)


def streaming_malloc() -> bool:
    """Set glibc's malloc for streaming chunks (module docstring): one arena, fixed mmap and trim thresholds.
    False where the C library is not glibc or refuses a value (nothing else changes then)."""
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return all(libc.mallopt(param, value) == 1 for param, value in _MALLOPT.items())
    except (OSError, AttributeError):
        return False


class BackgroundWriter(CloseOrAbort):
    """Write chunks through ``writer`` in a background thread (module docstring)."""

    def __init__(self, writer, depth: int = 1):
        if depth < 1:
            raise ValueError(f"depth = {depth}: must be >= 1")
        streaming_malloc()  # before the thread's first allocation
        self.writer = writer
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._done = False
        self._thread = threading.Thread(target=self._loop, name="hnlgen-writer", daemon=True)
        self._thread.start()

    #: attributes the caller sets on the wrapped writer: branch titles (before the first chunk), run values (before close)
    _FORWARDED = frozenset({"branch_titles", "run_values"})

    def __getattr__(self, name):  # metadata, path, n_written, ... of the wrapped writer
        return getattr(self.writer, name)

    def __setattr__(self, name, value):
        if name in self._FORWARDED:
            setattr(self.writer, name, value)
        else:
            object.__setattr__(self, name, value)

    @property
    def root_file(self):
        """The wrapped writer's open file, after every queued chunk is written (histograms go beside the tree)."""
        self.drain()
        return self.writer.root_file

    def _loop(self) -> None:
        while True:
            item = self._q.get()
            if item is _STOP:
                return
            if self._error is None:
                try:
                    self.writer.write(item)
                except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
                    self._error = err
            del item

    def _raise(self) -> None:
        if self._error is not None:
            err, self._error = self._error, None
            raise err

    def write(self, events) -> None:
        self._raise()
        self._q.put(events)

    def drain(self) -> None:
        """Wait until every queued chunk is written (the writer may then be used directly)."""
        if not self._done:
            self._q.put(_STOP)
            self._thread.join()
            self._done = True
        self._raise()

    def close(self):
        try:
            self.drain()
        except BaseException:
            self.writer.abort()
            raise
        return self.writer.close()

    def abort(self) -> None:
        if not self._done:
            self._error = self._error or RuntimeError("aborted")
            self._q.put(_STOP)
            self._thread.join()
            self._done = True
        self.writer.abort()
