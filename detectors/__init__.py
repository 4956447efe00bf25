"""hnlgen detector layer: one sub-package per detector (response, data, fit), shared geometry, and the
output formats.

The middle layer: imports ``physics`` (and numpy, scipy, numba, awkward, uproot, hist, pyhepmc), never
``gen`` (``[tool.importlinter]`` in pyproject.toml). A detector is a sub-package here, named by the
``detector_response`` of its experiments in ``gen.experiments``, with its data in its own ``data/``:

* ``miniboone`` (Cherenkov response, selection, histograms; ``fit``: the nu_e-like chi2 with the
  collaboration's data releases), ``na62`` (acceptance, resolutions, vertices), ``microboone`` (LArTPC
  forward coherent e+e-), ``nue_elastic`` (MINERvA and CHARM-II nu-e samples).
* ``common``: straight-line decay probabilities and vertices in volumes (numba).
* ``output``: ROOT TTree / RNTuple (``root``), HepMC3 / NuHepMC (``hepmc``), branch precision and record
  size (``storage``), background writing (``writer_thread``).
"""
