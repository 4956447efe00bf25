"""A disk cache of set-up tables that are pure functions of their input arrays (warm start, issue 16).

``cached_array(name, fn, *inputs)`` returns ``fn(*inputs)`` (a float64 array) and stores it as
``<kernel cache dir>/tables/<name>-<key>.npy``, where the kernel cache directory is
``physics._jit.KERNEL_CACHE_DIR`` (keyed on a SHA-256 of every source file and the numba version, so an
edit of the physics code starts a fresh table cache too) and ``key`` is a SHA-256 of the inputs' dtypes,
shapes and bytes. The next call with the same inputs reads the stored array instead: NumPy's ``.npy``
round trip of float64 is exact, so the result is bit-identical to a recomputation. Files are written
under a temporary name and renamed (atomic on POSIX), so concurrent runs never read half a file; any
read or write error falls back to computing (the cache only saves time). ``HNLGEN_NO_TABLE_CACHE=1``
turns it off.

Used for the cross-section tabulation of ``gen.sources.upscattering.prepare`` (sigma(E_nu) per channel:
0.4 s of a 2.1 s warm start of the default card).
"""

from __future__ import annotations

import hashlib
import os

import numpy as np

__all__ = ["cached_array", "table_cache_dir"]


def table_cache_dir():
    """The directory of the stored tables (module docstring)."""
    from physics._jit import KERNEL_CACHE_DIR

    return KERNEL_CACHE_DIR / "tables"


def _key(inputs) -> str:
    h = hashlib.sha256()
    for a in inputs:
        a = np.ascontiguousarray(a)
        dt = a.dtype.descr if a.dtype.names else a.dtype.str  # a record's field names, types and offsets
        h.update(f"{dt}{a.shape};".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:32]


def cached_array(name: str, fn, *inputs) -> np.ndarray:
    """``fn(*inputs)`` as a float64 array, from the disk cache when these exact inputs were seen (module docstring)."""
    if os.environ.get("HNLGEN_NO_TABLE_CACHE"):
        return np.asarray(fn(*inputs), dtype=np.float64)
    path = table_cache_dir() / f"{name}-{_key(inputs)}.npy"
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):  # absent, or unreadable: recompute (and rewrite)
        pass
    out = np.asarray(fn(*inputs), dtype=np.float64)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.tmp-{os.getpid()}.npy")
        np.save(tmp, out, allow_pickle=False)
        os.replace(tmp, path)
    except OSError:
        pass
    return out
