"""Cold start: compile the event kernel in a second process while the first prepares the card.

On an empty kernel cache (``physics._jit``) the first ``hnlgen run`` of an upscattering card compiles
the serial kernel of ``gen.core.event_kernel.event_kernel``, ``_event_part`` (with everything it inlines:
~11 s of CPU), the set-up kernels (decay widths, three-body tables, cross-section tabulation) and the
detector stage. numba compiles under one lock per process, so ``start()`` launches
``python -m gen.core.precompile``, which compiles ``_event_part`` for ``EVENT_KERNEL_SIGNATURE`` into the
same on-disk cache, while the parent runs ``prepare``; ``wait()`` (before the first event) waits for
it, and the parent then loads the kernel from the cache instead of compiling it.

The work is shared further. ``start()`` is the first thing ``hnlgen run`` does, so the helper's imports
overlap the parent's. Once the card is known to need it, ``share()`` compiles ``_compact_task`` (a cached
kernel of its own, ``COMPACT_TASK_SIGNATURE``), which the helper reaches only after typing production and
cascade and then loads from the cache; ``_production_task`` and the cross-section tree are cached kernels
too, which the helper compiles first and the parent's pilot and tabulation then load. ``wait()`` compiles the
small kernels the run needs after the first block and the detector stage's kernels while the helper still
runs (``_compile_while_waiting``, ``gen.stages.base.stage_warmup``). The helper ends with ``os._exit``: its
interpreter's teardown of the compiled LLVM modules took ~1.3 s that the parent would wait for.

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

__all__ = ["COMPACT_TASK_SIGNATURE", "EVENT_KERNEL_SIGNATURE", "event_kernel_cached", "event_kernel_types", "kernel_cached",
           "share", "start", "stop", "wait"]

# the 15 arguments of gen.core.event_kernel._event_part (the compiled kernel of event_kernel), in order: dtype code
# and dimension (0: scalar), or the name of a NamedTuple of gen.core.tables (its fields' types are
# gen.core.tables.FIELD_SPECS; "rec" = physics.cross_sections.CHANNEL_DTYPE)
EVENT_KERNEL_SIGNATURE = ("i8", "i8", "f8:2", "u8:1", "i8", "i8", "i8", "FluxTables", "ChannelTables", "DecayTables",
                          "EventColumns", "i4:2", "f8:2", "i8", "i8")


# the 16 arguments of gen.core.event_kernel._compact_task as _event_part calls it (same codes; "lit:N" = the
# integer constant N of the call, which numba types as Literal[int](N))
COMPACT_TASK_SIGNATURE = ("lit:0", "i8", "i8:2", "i8:2", "i8:2", "f8:3", "f8:3", "i8:1", "lit:3", "f8:3", "f8:3", "f8:3",
                          "i4:2", "f8:2", "i8", "i8")


def _array_type(spec: str):
    import numba
    import numpy as np

    from physics.cross_sections import CHANNEL_DTYPE

    code, _, ndim = spec.partition(":")
    if code == "lit":
        return numba.types.literal(int(ndim))
    dt = numba.from_dtype(CHANNEL_DTYPE if code == "rec" else np.dtype(code))
    return numba.types.Array(dt, int(ndim), "C") if ndim else dt


def event_kernel_types(signature: tuple = EVENT_KERNEL_SIGNATURE) -> tuple:
    """The numba types of ``signature`` (default ``EVENT_KERNEL_SIGNATURE``; C-contiguous arrays; NamedTuples of them)."""
    import numba

    from gen.core import tables

    out = []
    for spec in signature:
        cls = getattr(tables, spec, None)
        if cls is not None:
            fields = [_array_type(f) for f in tables.FIELD_SPECS[cls]]
            uniform = all(f == fields[0] for f in fields)  # numba types such a tuple as a NamedUniTuple
            out.append(numba.types.NamedUniTuple(fields[0], len(fields), cls) if uniform else numba.types.NamedTuple(fields, cls))
        else:
            out.append(_array_type(spec))
    return tuple(out)


def kernel_cached(qualified: str) -> bool:
    """True if the kernel cache directory holds an index of the kernel ``module.function`` (e.g.
    ``"kernels.cascade_kernel"``; the module's file name without ``.py``)."""
    from physics._jit import KERNEL_CACHE_DIR

    return any(KERNEL_CACHE_DIR.glob(f"*/{qualified}-*.nbi"))


def event_kernel_cached() -> bool:
    """True if the kernel cache directory already holds an index of ``event_kernel``'s compiled ``_event_part``."""
    return kernel_cached("event_kernel._event_part")


def start(job: str | None = None, marker: str | None = None):
    """Launch the helper process if the cache does not hold its kernels yet; returns it (or None).

    ``job``: None for the upscattering event kernel (``_event_part``), else the ``"module:function"`` the helper
    runs for another source (``gen.experiments.SourceInfo.precompile_helper``); ``marker``: the kernel
    (``"module.function"``) whose cache entry says that job is done. ``hnlgen run`` starts the upscattering
    helper first thing (before the card is read: the helper's imports then overlap the parent's) and, for a
    meson-decay card, stops it and starts that source's helper instead; ``stop`` ends a helper the run does
    not need (a bad input)."""
    cached = event_kernel_cached() if job is None else kernel_cached(marker)
    if os.environ.get("HNLGEN_NO_PRECOMPILE") or cached:
        return None
    try:
        return subprocess.Popen([sys.executable, "-m", "gen.core.precompile", *([job] if job else [])],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return None


def share(proc) -> None:
    """Do part of the helper's work here, once the card is known to need it: compile the compaction task
    (~1.6 s of CPU) into the cache before the helper reaches it (it types production and cascade first,
    ~7 s), so that the helper loads it from there."""
    if proc is None:
        return
    from gen.core import event_kernel as EK

    EK._compact_task.compile(event_kernel_types(COMPACT_TASK_SIGNATURE))


def stop(proc) -> None:
    """End the helper if it still runs (the run does not need it, or failed before waiting for it)."""
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()


def _compile_while_waiting() -> None:
    """Compile the small kernels a run needs only after the first event block (exact sums of the totals,
    grouping of the channels, the ``*_pdg`` columns), by calling them on one-element inputs of the types
    the run passes (their Python wrappers fix the dtypes): ~0.9 s of CPU that would otherwise follow the
    helper instead of overlapping it. Nothing is kept."""
    import numpy as np

    from gen.core.events import _named_pdg
    from gen.core.exact_sum import ExactSum, group_index

    ExactSum().add(np.zeros(1))
    group_index(np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1, np.int64))
    _named_pdg(np.zeros(1, np.int32), np.zeros(1, np.int32), np.zeros(2, np.int64))


def wait(proc, also: tuple = (), upscattering: bool = True) -> None:
    """Wait for the helper (if any); its failure only means the parent compiles the kernel itself.

    While the helper still runs, the parent compiles the kernels of ``_compile_while_waiting`` (upscattering
    runs only) and calls the functions ``also`` (the detector stage's kernels, ``gen.stages.base.stage_warmup``;
    another source's share, ``gen.experiments.SourceInfo.precompile_parent``): on a cold start the parent is
    otherwise idle here, and the run then loads them instead of compiling them after the first chunk."""
    if proc is not None:
        if proc.poll() is None:
            if upscattering:
                _compile_while_waiting()
            for f in also:
                f()
        proc.wait()


def _main(job: str | None = None) -> int:
    import importlib

    if job is None:
        from gen.core import event_kernel as EK

        EK._event_part.compile(event_kernel_types())
    else:  # another source's kernels (gen.experiments.SourceInfo.precompile_helper), named as a plug-in
        module, _, func = job.partition(":")
        getattr(importlib.import_module(module), func)()
    return 0


if __name__ == "__main__":
    # os._exit: the kernels are in the cache (numba writes each file when it compiles, by rename), and the
    # interpreter's teardown of the compiled LLVM modules took ~1.3 s that the parent spent waiting
    os._exit(_main(*sys.argv[1:2]))
