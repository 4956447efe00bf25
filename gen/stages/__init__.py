"""Detector stages: a detector response of ``detectors`` applied to generated chunks, block by block
with its own random streams (``gen.core.rng``), so reconstructed events do not depend on chunking.

* ``base``: MiniBooNE and nu-e elastic (MINERvA, CHARM-II) stages, ``make_stage`` (the experiment's
  ``detector_response`` -> its stage) and the histogram sums.
* ``microboone``: the MicroBooNE forward coherent e+e- stage.
"""
