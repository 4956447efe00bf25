"""Reproducible random streams: one card seed, independent streams per block of events.

Design (STYLE.md section 5). Events are numbered 0, 1, 2, ... and grouped in fixed *blocks* of
``BLOCK_SIZE`` events. Block ``b`` draws all its random numbers from its own generator,

    Generator(PCG64(SeedSequence(seed, spawn_key=(b, purpose)))),

which is exactly the ``b``-th child that ``SeedSequence(seed).spawn`` would return (NumPy derives
spawned children by appending the child index to ``spawn_key``), further split by ``purpose``
(``PURPOSE_PRODUCTION``, ``PURPOSE_DECAY``, ``PURPOSE_UNWEIGHT``, ``PURPOSE_DETECTOR``). Building the child directly costs O(1) instead of
spawning ``b`` children. A chunk of any size is a run of whole blocks (the last block of a run may
be short; ``Generator.random`` fills row-major, so a short block gets a prefix of the numbers of a
full one), and kernels are deterministic maps from those numbers to events, so the events do not
depend on the chunk size or the number of numba threads.

Pilot runs (adaptive importance-sampling maps) use their own spawn keys, outside the block range.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "BLOCK_SIZE",
    "PURPOSE_PRODUCTION",
    "PURPOSE_DECAY",
    "PURPOSE_UNWEIGHT",
    "PURPOSE_DETECTOR",
    "PILOT_KEY",
    "get_rng",
    "block_rng",
    "pilot_rng",
    "block_ranges",
    "block_chunks",
    "MAX_CHUNK_SIZE",
]

BLOCK_SIZE = 1 << 14  # 16384 events: ~1 MB of uniforms per block, fits the L2 cache
#: Largest chunk of a run (events held in memory at once, ~1 kB each): 4194304 events = 256 blocks, a few GB.
MAX_CHUNK_SIZE = 1 << 22

PURPOSE_PRODUCTION = 0  # process choice, E_nu, Q2, azimuth
PURPOSE_DECAY = 1  # one 64-bit seed per event for the decay cascade (accept-reject inside)
PURPOSE_UNWEIGHT = 2  # accept-reject unweighting
PURPOSE_DETECTOR = 3  # detector stage: vertex placement, fiducial decay point, smearing (gen.stages.base)
PILOT_KEY = 2**32 - 1  # spawn key of the importance-sampling pilot run (never a block index)


def get_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from an int seed, a Generator (returned as is) or None (fresh entropy).

    The same API shape as ``phasespace``'s ``get_rng``; used for auxiliary randomness. Event
    generation itself uses ``block_rng`` so that it is chunk-size independent.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed = {seed!r}: must be an integer >= 0")
    return int(seed)


def block_rng(seed: int, block: int, purpose: int = PURPOSE_PRODUCTION) -> np.random.Generator:
    """The generator of block ``block`` for ``purpose``: child ``(block, purpose)`` of ``SeedSequence(seed)``.

    Parameters
    ----------
    seed : int
        The run seed (card ``[run] seed``), >= 0.
    block : int
        Block index, ``0 <= block < 2**32 - 1``.
    purpose : int
        One of the ``PURPOSE_*`` constants.
    """
    seed = _check_seed(seed)
    if not 0 <= block < PILOT_KEY:
        raise ValueError(f"block = {block}: require 0 <= block < {PILOT_KEY}")
    ss = np.random.SeedSequence(seed, spawn_key=(int(block), int(purpose)))
    return np.random.Generator(np.random.PCG64(ss))


def pilot_rng(seed: int, index: int = 0) -> np.random.Generator:
    """Generator of the importance-sampling pilot run number ``index`` (independent of all blocks)."""
    seed = _check_seed(seed)
    ss = np.random.SeedSequence(seed, spawn_key=(PILOT_KEY, int(index)))
    return np.random.Generator(np.random.PCG64(ss))


def block_ranges(first_event: int, n_events: int, block_size: int = BLOCK_SIZE):
    """Yield ``(block, start, stop)`` for the events ``[first_event, first_event + n_events)``.

    ``first_event`` must be a multiple of ``block_size`` (chunks are made of whole blocks);
    ``start, stop`` are global event numbers.
    """
    if first_event % block_size:
        raise ValueError(f"first_event = {first_event}: must be a multiple of the block size {block_size}")
    stop_all = first_event + n_events
    b = first_event // block_size
    start = first_event
    while start < stop_all:
        stop = min(start + block_size, stop_all, (b + 1) * block_size)
        yield b, start, stop
        start = stop
        b += 1


def block_chunks(n_events: int, blocks_per_chunk: int, block_size: int = BLOCK_SIZE):
    """Yield the blocks of events ``[0, n_events)`` in lists of ``blocks_per_chunk`` (the last may be shorter).

    Lazy: memory does not grow with ``n_events`` (a run never lists all its blocks).
    """
    if blocks_per_chunk < 1:
        raise ValueError(f"blocks_per_chunk = {blocks_per_chunk}: must be >= 1")
    chunk = []
    for blk in block_ranges(0, n_events, block_size):
        chunk.append(blk)
        if len(chunk) == blocks_per_chunk:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
