"""Sources: how heavy neutrinos arise (``gen.experiments.SOURCES`` names them).

* ``upscattering``: nu/nubar + target -> N + target on an experiment's targets and flux (coherent,
  incoherent, via Z', Z, h'), then the decay cascade: ``generate`` / ``iter_generate``.
* ``meson_decay``: K+/pi+ -> l+ N in flight in the NA62 beam, then every N decay route through the
  general decay cascade; ``meson_decay_run``: runs and the NA62 detector stage of that source (the one
  NA62 path; the dedicated N -> nu Z' kernel it replaced is the test oracle tests/oracles/na62_dedicated.py).
"""
