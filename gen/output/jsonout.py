"""Valid JSON for every ``--json`` output (run, reweight, fit, model, xsec, bench) and every JSON metadata record.

JSON has no literal for infinity or NaN (RFC 8259 sec. 6); Python's ``json`` writes ``Infinity``/``NaN``
by default, which strict parsers (``jq``, JavaScript, ``json.loads(..., parse_constant=...)``) reject.
The rule, applied everywhere through ``dumps``:

* a non-finite float (``inf``, ``-inf``, ``nan``; Python or NumPy) is written as ``null`` ("no value":
  e.g. the relative MC error of a total that is 0, or an uncomputed error);
* NumPy scalars and arrays become numbers and lists; tuples become lists; other objects go through
  ``default`` if given, else raise ``TypeError`` as ``json.dumps`` does;
* the final ``json.dumps`` runs with ``allow_nan=False``, so a non-finite number that slipped through
  is an error, never invalid output.

Totals that must be finite to be meaningful (expected events, weights) are refused where they are
computed (e.g. ``gen.reweight.upscattering``), not mapped here.
"""

from __future__ import annotations

import json
import math

import numpy as np

__all__ = ["dumps", "jsonable"]


def jsonable(obj, default=None):
    """``obj`` with non-finite floats replaced by None and NumPy values converted (module docstring)."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, (str, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k if isinstance(k, str) else str(k): jsonable(v, default) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v, default) for v in obj]
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return jsonable(float(obj))
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist(), default)
    if default is not None:
        return jsonable(default(obj), None)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def dumps(obj, *, default=None, **kwargs) -> str:
    """``json.dumps`` of ``jsonable(obj)`` with ``allow_nan=False`` (always valid JSON)."""
    kwargs.pop("allow_nan", None)
    return json.dumps(jsonable(obj, default), allow_nan=False, **kwargs)
