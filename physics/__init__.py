"""hnlgen physics layer: units, constants, the dark-sector model, couplings, widths, cross sections.

The bottom layer: imports only numpy, scipy and numba (STYLE.md section 1), never ``gen`` or ``detectors``
(``[tool.importlinter]`` in pyproject.toml). Every formula names its source. Map of the modules:

* ``units``, ``constants``: GeV / cm / s and the physical constants.
* ``model`` (``DarkSectorModel``: masses, mixings, dark bosons), ``couplings`` (mass-basis vertices),
  ``neutrino_masses``.
* ``decay_widths``, ``three_body``, ``decay_table`` (every open channel), ``meson_decays`` (P+ -> l+ N).
* ``cross_sections`` (upscattering), ``form_factors`` (nuclear and nucleon form factors and ``TARGETS``,
  the one target table), ``kinematics`` (and the one four-vector order, (px, py, pz, E)).
* ``pdg``: every PDG particle code, and the one invisible-particle test.
* ``errors``: the base classes of expected failures (``HnlgenError``), here because every layer raises them.
* ``_jit``: the numba options and the kernel cache.
"""
