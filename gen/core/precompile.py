"""Cold start: compile the event kernel in a second process while the first prepares the card.

On an empty kernel cache (``physics._jit``) the first ``hnlgen run`` of an upscattering card compiles
the serial kernel of ``gen.core.event_kernel.event_kernel``, ``_event_part`` (with everything it inlines:
~11 s of CPU), the set-up kernels (decay widths, three-body tables, cross-section tabulation) and the
detector stage. numba compiles under one lock per process, so ``start()`` launches
``python -m gen.core.precompile``, which compiles ``_event_part`` for ``EVENT_KERNEL_SIGNATURE`` into the
same on-disk cache, while the parent runs ``prepare``; ``wait()`` (before the first event) waits for
it, and the parent then loads the kernel from the cache instead of compiling it.

``EVENT_KERNEL_SIGNATURE`` is the argument types of ``_event_part`` as ``gen.sources.upscattering._generate_blocks``
calls it, the same for every upscattering card (checked by ``tests/gen/test_precompile.py``). If a call ever has
other types numba compiles that specialisation in the parent as usual: the helper only saves time, the
kernel's result never depends on it. The helper is started only when the cache has no entry for
``_event_part`` yet, and a failed helper is ignored (the parent compiles).
"""

from __future__ import annotations

import os
import subprocess
import sys

__all__ = ["EVENT_KERNEL_SIGNATURE", "event_kernel_cached", "event_kernel_types", "start", "wait"]

# the 15 arguments of gen.core.event_kernel._event_part (the compiled kernel of event_kernel), in order: dtype code
# and dimension (0: scalar), or the name of a NamedTuple of gen.core.tables (its fields' types are
# gen.core.tables.FIELD_SPECS; "rec" = physics.cross_sections.CHANNEL_DTYPE)
EVENT_KERNEL_SIGNATURE = ("i8", "i8", "f8:2", "u8:1", "i8", "i8", "i8", "FluxTables", "ChannelTables", "DecayTables",
                          "EventColumns", "i4:2", "f8:2", "i8", "i8")


def _array_type(spec: str):
    import numba
    import numpy as np

    from physics.cross_sections import CHANNEL_DTYPE

    code, _, ndim = spec.partition(":")
    dt = numba.from_dtype(CHANNEL_DTYPE if code == "rec" else np.dtype(code))
    return numba.types.Array(dt, int(ndim), "C") if ndim else dt


def event_kernel_types() -> tuple:
    """The numba types of ``EVENT_KERNEL_SIGNATURE`` (C-contiguous arrays; NamedTuples of them)."""
    import numba

    from gen.core import tables

    out = []
    for spec in EVENT_KERNEL_SIGNATURE:
        cls = getattr(tables, spec, None)
        if cls is not None:
            fields = [_array_type(f) for f in tables.FIELD_SPECS[cls]]
            uniform = all(f == fields[0] for f in fields)  # numba types such a tuple as a NamedUniTuple
            out.append(numba.types.NamedUniTuple(fields[0], len(fields), cls) if uniform else numba.types.NamedTuple(fields, cls))
        else:
            out.append(_array_type(spec))
    return tuple(out)


def event_kernel_cached() -> bool:
    """True if the kernel cache directory already holds an index of ``event_kernel``'s compiled ``_event_part``."""
    from physics._jit import KERNEL_CACHE_DIR

    return any(KERNEL_CACHE_DIR.glob("core_*/event_kernel._event_part-*.nbi"))


def start():
    """Launch the helper process if the cache has no ``event_kernel`` yet; returns it (or None)."""
    if os.environ.get("HNLGEN_NO_PRECOMPILE") or event_kernel_cached():
        return None
    try:
        return subprocess.Popen([sys.executable, "-m", "gen.core.precompile"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return None


def wait(proc) -> None:
    """Wait for the helper (if any); its failure only means the parent compiles the kernel itself."""
    if proc is not None:
        proc.wait()


def _main() -> int:
    from gen.core import event_kernel as EK

    EK._event_part.compile(event_kernel_types())
    return 0


if __name__ == "__main__":
    sys.exit(_main())
