"""Exactly rounded running sums of event weights, so that printed and stored totals do not depend on how the
events were chunked or on the numba thread count.

``ExactSum`` keeps the sum of every number added as a list of non-overlapping floating-point partials
(J. R. Shewchuk, "Adaptive precision floating-point arithmetic and fast robust geometric predicates",
Discrete Comput. Geom. 18 (1997) 305, Theorem 10 "Grow-Expansion"; the algorithm of Python's ``math.fsum``).
The partials represent the exact sum, so ``value`` (``math.fsum`` of the partials, correctly rounded) is the
same for any grouping and order of the additions. The per-number loop is a numba kernel.
"""

from __future__ import annotations

import math

import numpy as np

from physics._jit import jit

__all__ = ["ExactSum"]

# Non-overlapping partials of finite doubles span at most (1023 + 1074) / 53 + 1 = 41 of them.
_MAX_PARTIALS = 64


@jit
def _grow(partials, n, x):  # pragma: no cover - jitted
    """Add the array ``x`` exactly to the expansion ``partials[:n]``; returns the new length."""
    for k in range(x.shape[0]):
        v = x[k]
        i = 0
        for j in range(n):
            y = partials[j]
            if abs(v) < abs(y):
                v, y = y, v
            hi = v + y
            lo = y - (hi - v)  # exact error of hi = v + y (|v| >= |y|: Dekker's Fast-Two-Sum)
            if lo != 0.0:
                partials[i] = lo
                i += 1
            v = hi
        partials[i] = v
        n = i + 1
    return n


class ExactSum:
    """The exact sum of all numbers added (arrays or floats); ``value`` is it correctly rounded to a double."""

    def __init__(self) -> None:
        self._partials = np.zeros(_MAX_PARTIALS)
        self._n = 0
        self.count = 0

    def add(self, values) -> None:
        """Add every element of ``values`` (finite floats; a non-finite one is a ``ValueError``)."""
        x = np.ascontiguousarray(values, dtype=np.float64).ravel()
        if x.size == 0:
            return
        if not np.all(np.isfinite(x)):
            raise ValueError("ExactSum: non-finite value added (a weight is inf or NaN)")
        self._n = _grow(self._partials, self._n, x)
        self.count += x.size

    @property
    def value(self) -> float:
        return math.fsum(self._partials[: self._n])
