"""Exactly rounded running sums of event weights, so that printed and stored totals do not depend on how the
events were chunked or on the numba thread count.

``ExactSum`` keeps the exact sum of every number added as a fixed-point "superaccumulator" (one int64
bin per binary exponent; U. W. Kulisch and W. L. Miranker, "The arithmetic of the digital computer",
SIAM Review 28 (1986) 1, the long accumulator; R. M. Neal, arXiv:1505.05571, sec. 2): a finite double is
m 2^(e - 1075) with an integer m < 2^53 and its biased exponent e (1 for subnormals), so the exact sum is
sum_e acc[e] 2^(e - 1075) with integers acc[e]. Each number is split into m = hi 2^26 + lo (hi < 2^27,
lo < 2^26) added to bins e + 26 and e, so a bin gains < 2^27 per number and 2^35 numbers fit in an int64
before a carry; after every ``add`` the bins are normalised (carries of 2^26 to the bin 26 above). The
state is the exact sum as an integer, so ``value`` (that integer divided by 2^1075 in Python's
arbitrary-precision arithmetic, whose int / int division is correctly rounded) is the same for any
grouping and order of the additions, and equal to ``math.fsum`` of all the numbers. The per-number loop is
a numba kernel (about 3 ns per number, against ~60 ns for the Shewchuk-expansion loop it replaces: 0.63 s
for the ~1e7 numbers of a 1e6-event run).
"""

from __future__ import annotations

import numpy as np

from physics._jit import jit

__all__ = ["ExactSum", "group_index"]

_SPLIT = 26  # bits of the low half of a 53-bit significand
_N_BINS = 2048 + 2 * 64  # biased exponents 0..2047, + the high halves (+26) and carries of large sums
_MAX_ADD = 1 << 35  # numbers per add() call before an int64 bin could overflow (2^35 * 2^27 = 2^62)


@jit(nogil=True)  # per chunk in the main thread: the writer thread's Python runs meanwhile
def _accumulate(acc, x):  # pragma: no cover - jitted
    """Add the doubles ``x`` exactly to the bins ``acc`` (module docstring); False if one is inf or NaN."""
    bits = x.view(np.int64)
    low_mask = (1 << _SPLIT) - 1
    for k in range(bits.shape[0]):
        b = bits[k]
        e = (b >> 52) & 0x7FF
        if e == 0x7FF:
            return False
        m = b & 0xFFFFFFFFFFFFF
        if e == 0:
            e = 1  # subnormal: m 2^(1 - 1075), no hidden bit
        else:
            m |= 1 << 52
        if b < 0:
            acc[e] -= m & low_mask
            acc[e + _SPLIT] -= m >> _SPLIT
        else:
            acc[e] += m & low_mask
            acc[e + _SPLIT] += m >> _SPLIT
    # carries: every bin back to |acc[i]| < 2^26 (arithmetic shift: floor, so acc[i] ends in [0, 2^26))
    for i in range(acc.shape[0] - _SPLIT):
        c = acc[i] >> _SPLIT
        if c != 0:
            acc[i] -= c << _SPLIT
            acc[i + _SPLIT] += c
    return True


@jit(nogil=True)  # per chunk in the main thread: the writer thread's Python runs meanwhile
def _group_ids(a, b, c, table, ids):  # pragma: no cover - jitted
    """Index of each row's (a, b, c) in ``table`` (filled in order of first appearance); the number of
    distinct rows, or -1 if there are more than ``table`` holds."""
    nk = 0
    last = -1
    for i in range(a.shape[0]):
        if last >= 0 and a[i] == table[last, 0] and b[i] == table[last, 1] and c[i] == table[last, 2]:
            ids[i] = last
            continue
        found = -1
        for k in range(nk):
            if a[i] == table[k, 0] and b[i] == table[k, 1] and c[i] == table[k, 2]:
                found = k
                break
        if found < 0:
            if nk == table.shape[0]:
                return -1
            table[nk, 0] = a[i]
            table[nk, 1] = b[i]
            table[nk, 2] = c[i]
            found = nk
            nk += 1
        ids[i] = found
        last = found
    return nk


def group_index(a, b, c, max_groups: int = 256):
    """Distinct rows of three integer columns and each row's index into them: ``(keys, ids)`` with ``keys``
    a list of int tuples (order of first appearance) and ``ids`` an int64 array, as ``np.unique(...,
    axis=0, return_inverse=True)`` gives up to the order of the keys, without its sort (a few ns per row)."""
    cols = [np.ascontiguousarray(x, dtype=np.int64) for x in (a, b, c)]
    ids = np.empty(len(cols[0]), np.int64)
    table = np.empty((max_groups, 3), np.int64)
    nk = _group_ids(cols[0], cols[1], cols[2], table, ids)
    if nk < 0:  # many distinct rows: sort
        uniq, inv = np.unique(np.stack(cols, axis=1), axis=0, return_inverse=True)
        return [tuple(int(v) for v in row) for row in uniq], inv.ravel().astype(np.int64)
    return [tuple(int(v) for v in row) for row in table[:nk]], ids


class ExactSum:
    """The exact sum of all numbers added (arrays or floats); ``value`` is it correctly rounded to a double."""

    def __init__(self) -> None:
        self._acc = np.zeros(_N_BINS, np.int64)
        self.count = 0

    def add(self, values) -> None:
        """Add every element of ``values`` (finite floats; a non-finite one is a ``ValueError``)."""
        x = np.ascontiguousarray(values, dtype=np.float64).ravel()
        for start in range(0, x.size, _MAX_ADD):
            part = x[start:start + _MAX_ADD]
            saved = self._acc.copy() if start == 0 else None
            if not _accumulate(self._acc, part):
                if saved is not None:
                    self._acc[:] = saved  # a refused array leaves the sum as it was
                raise ValueError("ExactSum: non-finite value added (a weight is inf or NaN)")
        self.count += x.size

    @property
    def value(self) -> float:
        nz = np.flatnonzero(self._acc)
        total = sum(int(self._acc[i]) << int(i) for i in nz)
        return total / (1 << 1075)
