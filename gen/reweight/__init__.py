"""Coupling reweighting of stored events (``hnlgen reweight``, scans at fixed masses).

* ``upscattering``: the route factors (production x decay chain) of upscattering files, the route check
  that refuses a reweighting whose answer would be wrong (``RouteCheck``), ``reweight`` / ``reweight_file``.
* ``meson_decay``: the same for meson-decay (NA62) files.
"""
