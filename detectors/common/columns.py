"""NumPy columns of awkward event arrays, read from the layout (issue 16).

A field access through awkward's high-level API (``events["N"]["px"]``) costs tens of microseconds of Python
per call; the detector responses and the writer read ~50 columns per chunk, so they take them from the
layout instead when it is the plain one the generator makes (records of 1-D NumPy arrays), and go through
awkward for any other layout (a selection's indexed contents, say).
"""

from __future__ import annotations

import awkward as ak
import numpy as np

__all__ = ["column"]


def column(array: ak.Array, *path: str) -> np.ndarray:
    """``array[path[0]][path[1]]...`` as a NumPy array of ``len(array)`` values (a view when the layout is a plain
    record of NumPy arrays: a record's contents may be longer than the record, so they are cut to its length)."""
    c = array.layout
    for name in path:
        if not isinstance(c, ak.contents.RecordArray):
            break
        c = c.content(name)
    else:
        if isinstance(c, ak.contents.NumpyArray) and c.data.ndim == 1:
            return np.asarray(c.data)[:len(array)]
    out = array
    for name in path:
        out = out[name]
    return ak.to_numpy(out)
