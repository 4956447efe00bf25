"""hnlgen detector layer: detector responses, their data and fits, geometry, and the output formats.

The middle layer: imports ``physics`` (and numpy, scipy, numba, awkward, uproot, hist, pyhepmc), never
``gen`` (``[tool.importlinter]`` in pyproject.toml). A detector response is a module here, named by the
``detector_response`` of its experiments in ``gen.experiments``; its data live in ``data/<detector>/``.
Map of the modules:

* ``miniboone`` (Cherenkov response, selection, histograms), ``miniboone_fit`` (the nu_e-like chi2 with the
  collaboration's data releases, ``data/miniboone/release``), ``na62`` (acceptance, resolutions, vertices).
* ``geometry`` and ``_kernels``: straight-line decay probabilities and vertices in spheres (numba).
* Output: ``output`` (ROOT TTree / RNTuple, atomic files), ``hepmc`` (HepMC3 / NuHepMC), ``storage``
  (branch precision, slim or full record), ``writer_thread``.
"""
