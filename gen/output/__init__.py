"""What a run writes besides the detector-layer formats (``detectors.output``): ``docs`` (branch titles
with units, the run-summary schema), ``nuhepmc`` (NuHepMC attributes of HepMC3 files) and ``jsonout``
(strict JSON: non-finite numbers become null).
"""
