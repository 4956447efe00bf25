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
too, which the helper compiles first and the parent's pilot and tabulation then load.

The late kernels are shared dynamically. ``share()`` also sends the helper, one per line on its stdin, the run's
*late units* (``late_units``: functions that compile or load the cross-section tabulation, the pilot's
production kernel, the small kernels after the first block, the detector stage's kernels; ``send_units`` adds
the compact record's writer kernels once the run knows it writes that record). After ``_event_part`` the helper
works through them, and so does the parent when it reaches ``wait()`` while the helper still runs: each unit
is claimed by creating a file in the run's claims directory (``O_EXCL``, ``run_units``), so it is compiled
once, by whichever process is free first, and the other loads it from the cache. Where the parent's set-up
compiles longer than the helper's event kernel (three-body widths of several Majorana N: the three-portal card
~4 s sooner; timelines in README, Development) the idle helper takes them all; on the default card the two
split them. The helper ends with ``os._exit``: its interpreter's teardown of the compiled LLVM modules took
~1.3 s that the parent would wait for.

``EVENT_KERNEL_SIGNATURE`` is the argument types of ``_event_part`` as ``gen.sources.upscattering._generate_blocks``
calls it, the same for every upscattering card (checked by ``tests/gen/test_precompile.py``). If a call ever has
other types numba compiles that specialisation in the parent as usual: the helper only saves time, the
kernel's result never depends on it. The helper is started only when the cache has no entry for
``_event_part`` yet, and a failed helper is ignored (the parent compiles).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading

__all__ = ["CLAIMS_ENV", "COMPACT_TASK_SIGNATURE", "EVENT_KERNEL_SIGNATURE", "PRODUCTION_KERNEL_SIGNATURE", "SETUP_UNITS",
           "event_kernel_cached", "event_kernel_types", "kernel_cached", "late_units", "pending_helper", "run_units",
           "send_units", "share", "start", "stop", "unit_names", "wait", "wait_pending", "warm_cross_sections",
           "warm_production", "warm_sums"]

#: environment variable that gives the upscattering helper its run's claims directory (``run_units``)
CLAIMS_ENV = "HNLGEN_PRECOMPILE_CLAIMS"
_HELPER_STDERR = subprocess.DEVNULL  # the timeline tool sets None (the helper prints its compile events)

# the 16 arguments of gen.core.event_kernel._event_part (the compiled kernel of event_kernel), in order: dtype code
# and dimension (0: scalar), or the name of a NamedTuple of gen.core.tables (its fields' types are
# gen.core.tables.FIELD_SPECS; "rec" = physics.cross_sections.CHANNEL_DTYPE)
EVENT_KERNEL_SIGNATURE = ("i8", "i8", "f8:2", "u8:1", "i8", "i8", "i8", "FluxTables", "ChannelTables", "DecayTables",
                          "CompactTables", "EventColumns", "i4:2", "f8:2", "i8", "i8")


# the 21 arguments of gen.core.event_kernel._compact_task as _event_part calls it (same codes; "lit:N" = the
# integer constant N of the call, which numba types as Literal[int](N))
COMPACT_TASK_SIGNATURE = ("lit:0", "i8", "i8:2", "i8:2", "i8:2", "f8:3", "f8:3", "i8:1", "lit:3", "i8:1", "i8:1",
                          "CompactTables", "f8:3", "f8:3", "f8:3", "i4:2", "i8:1", "i4:2", "f8:2", "i8", "i8")


# the 9 arguments of gen.core.kernels.production_kernel as the pilot runs call it (gen.sources.upscattering._production)
PRODUCTION_KERNEL_SIGNATURE = ("f8:2", "FluxTables", "ChannelTables", "i8:1", "f8:1", "f8:1", "f8:1", "i8:1", "f8:3")


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


def warm_cross_sections() -> None:
    """Compile (or load) ``physics.cross_sections.sigma_upscattering_array`` for the types the cross-section
    tabulation passes (``build_xsec_table``: float64 energies, a slice of a ``CHANNEL_DTYPE`` array)."""
    import numba
    import numpy as np

    from physics import cross_sections as xs

    xs.sigma_upscattering_array.compile((numba.typeof(np.empty(2)), numba.typeof(np.empty(2, xs.CHANNEL_DTYPE)[:1])))


def warm_production() -> None:
    """Compile (or load) ``gen.core.kernels.production_kernel`` for the pilot runs' types
    (``PRODUCTION_KERNEL_SIGNATURE``)."""
    from gen.core import kernels as K

    K.production_kernel.compile(event_kernel_types(PRODUCTION_KERNEL_SIGNATURE))


#: the late units of the parent's set-up (``late_units``): useful to the helper only while the parent has not reached
#: them; when the parent reaches ``wait`` its tabulation and pilot are done
SETUP_UNITS = ("gen.core.precompile:warm_cross_sections", "gen.core.precompile:warm_production")


def late_units(also: tuple = ()) -> tuple[str, ...]:
    """The units (``"module:function"``) of an upscattering run's late kernels, in the order the run needs them:
    the cross-section tabulation, the pilot's production kernel, the small kernels after the first block
    (``warm_sums``), then ``also`` (functions: the detector stage's warm-ups, ``gen.stages.base.stage_warmup``).
    The compact record's writer kernels follow later, through ``send_units``, once the run knows its record."""
    return (*SETUP_UNITS, "gen.core.precompile:warm_sums", *unit_names(also))


def unit_names(functions) -> tuple[str, ...]:
    """The units (``"module:function"``) of module-level warm-up functions."""
    return tuple(f"{f.__module__}:{f.__qualname__}" for f in functions)


def _claim(claims: str, unit: str) -> bool:
    """True for the one process that creates the claim file of ``unit`` in ``claims`` (O_EXCL: atomic)."""
    try:
        fd = os.open(os.path.join(claims, unit.replace(":", "--")), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def run_units(claims: str, units, skip: tuple[str, ...] = ()) -> list[str]:
    """Run, in order, each unit (``"module:function"``, a function that compiles or loads kernels) that no other
    process has claimed in the directory ``claims``; returns the units run here. The helper and the parent both
    call it on the same list, so each unit is compiled once, by whichever process is free first. Units in
    ``skip`` are claimed but not run (the parent's set-up units once its set-up is done: nobody needs them)."""
    done = []
    for unit in units:
        if _claim(claims, unit) and unit not in skip:
            module, _, func = unit.partition(":")
            getattr(importlib.import_module(module), func)()
            done.append(unit)
    return done


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
    if job is not None:
        return _spawn_plain(job)
    # the upscattering helper: after the event kernel it reads the run's late units on stdin (share) and works
    # through them with the parent (run_units, claims in a directory of this run)
    try:
        claims = tempfile.mkdtemp(prefix="hnlgen-precompile-")
    except OSError:  # no writable temporary directory: a helper of the event kernel alone (no late units)
        return _spawn_plain(None)
    try:
        proc = subprocess.Popen(_helper_command(None), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=_HELPER_STDERR, env={**os.environ, CLAIMS_ENV: claims})
    except OSError:
        shutil.rmtree(claims, ignore_errors=True)
        return None
    proc.hnlgen_claims, proc.hnlgen_units = claims, ()
    return proc


def _spawn_plain(job: str | None):
    """A helper without late units (another source's job, or no claims directory), or None if it cannot start."""
    try:
        return subprocess.Popen(_helper_command(job), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=_HELPER_STDERR)
    except OSError:
        return None


def _helper_command(job: str | None) -> list[str]:
    """The helper's command line (``validation/benchmarks/cold_start_timeline.py`` replaces it with an instrumented one)."""
    return [sys.executable, "-m", "gen.core.precompile", *([job] if job else [])]


def _close_stdin(proc) -> None:
    if proc.stdin is not None and not proc.stdin.closed:
        try:
            proc.stdin.close()
        except OSError:  # the helper has died: nothing to tell it
            pass


def _end(proc) -> None:
    """After the helper has exited: remove its claims directory."""
    claims = getattr(proc, "hnlgen_claims", None)
    if claims:
        shutil.rmtree(claims, ignore_errors=True)


def share(proc, units: tuple[str, ...] = ()) -> None:
    """Once the card is known to need the helper: send it the run's late ``units`` (``late_units``; more may
    follow, ``send_units``), which it works through with the parent after the event kernel (``run_units``), and
    do part of its work here: compile the compaction task (~1.3-1.6 s of CPU) into the cache before the helper
    reaches it (it types production and cascade first, ~7 s), so that the helper loads it from there."""
    if proc is None:
        return
    from gen.core import event_kernel as EK

    send_units(proc, units)

    EK._compact_task.compile(event_kernel_types(COMPACT_TASK_SIGNATURE))


def send_units(proc, units) -> None:
    """Append late units (``"module:function"``) to the upscattering helper's list (it reads them as they come, one
    line each, until ``wait`` closes its stdin); nothing for another helper or None."""
    if proc is None or not getattr(proc, "hnlgen_claims", None) or not units:
        return
    proc.hnlgen_units += tuple(units)
    try:
        proc.stdin.write("".join(f"{u}\n" for u in units).encode())
        proc.stdin.flush()
    except OSError:  # the helper has died: the parent compiles what it needs
        pass


def stop(proc) -> None:
    """End the helper if it still runs (the run does not need it, or failed before waiting for it)."""
    if proc is not None:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        _close_stdin(proc)
        _end(proc)


_PENDING: list = []  # helpers of pending_helper, waited for before the first event block (wait_pending)
_PENDING_LOCK = threading.Lock()


@contextlib.contextmanager
def pending_helper():
    """For a command that generates upscattering events through the library (``gen.generate``; ``hnlgen plot
    --constraints``): start the helper now (if the cache lacks the event kernel), let the first event block wait
    for it (``wait_pending``, called by ``gen.sources.upscattering``), and stop it at the end. Without it such a
    command compiles the event kernel itself, after its first card's set-up, one after the other."""
    proc = start()
    if proc is not None:
        with _PENDING_LOCK:
            _PENDING.append(proc)
    try:
        yield proc
    finally:
        with _PENDING_LOCK:
            if proc in _PENDING:
                _PENDING.remove(proc)
        stop(proc)


def wait_pending() -> None:
    """Before an event block: wait for a helper of ``pending_helper`` that still compiles the event kernel (then the
    block loads it from the cache instead of compiling it again). A no-op when none is pending (every block after
    the first, ``hnlgen run``, library use). Other threads' blocks wait too (the lock is held while waiting)."""
    if not _PENDING:
        return
    with _PENDING_LOCK:
        while _PENDING:
            wait(_PENDING.pop())


def warm_sums() -> None:
    """A late unit (``late_units``): compile (or load) the small kernels a run needs only after the first event
    block (exact sums of the totals, grouping of the channels), by calling them on
    one-element inputs of the types the run passes (their Python wrappers fix the dtypes): ~0.9 s of CPU that
    would otherwise follow the wait for the helper instead of overlapping it. Nothing is kept."""
    import numpy as np

    from gen.core.exact_sum import ExactSum, group_index

    ExactSum().add(np.zeros(1))
    group_index(np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1, np.int64))


def wait(proc, also: tuple = ()) -> None:
    """Wait for the helper (if any); its failure only means the parent compiles the kernel itself.

    The upscattering helper (``start()``): while it still runs, the parent works through the late units sent by
    ``share`` with it (``run_units``: each unit once, by whichever process claims it first; on a cold start the
    parent is otherwise idle here, and the run then loads those kernels instead of compiling them after the first
    chunk). Another source's helper: while it runs, the parent calls the functions ``also`` (its share,
    ``gen.experiments.SourceInfo.precompile_parent``)."""
    if proc is None:
        return
    claims = getattr(proc, "hnlgen_claims", None)
    if claims:
        _close_stdin(proc)
        if proc.poll() is None:
            run_units(claims, proc.hnlgen_units, skip=SETUP_UNITS)
    elif proc.poll() is None:
        for f in also:
            f()
    proc.wait()
    _end(proc)


def _main(job: str | None = None) -> int:
    import importlib

    if job is None:
        from gen.core import event_kernel as EK

        EK._event_part.compile(event_kernel_types())
        claims = os.environ.get(CLAIMS_ENV)
        if claims:  # then the run's late units as the parent sends them (share, send_units), until it closes stdin
            for line in sys.stdin:
                if line.strip():
                    run_units(claims, [line.strip()])
    else:  # another source's kernels (gen.experiments.SourceInfo.precompile_helper), named as a plug-in
        module, _, func = job.partition(":")
        getattr(importlib.import_module(module), func)()
    return 0


if __name__ == "__main__":
    # os._exit: the kernels are in the cache (numba writes each file when it compiles, by rename), and the
    # interpreter's teardown of the compiled LLVM modules took ~1.3 s that the parent spent waiting
    os._exit(_main(*sys.argv[1:2]))
