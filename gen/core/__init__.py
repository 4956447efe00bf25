"""The sampling core: numba kernels, the decay cascade, the event layout, random streams and fluxes.

Source-independent machinery that every heavy-neutrino source builds on:

* ``kernels`` (numba): flux sampling, upscattering kinematics and cross-section weights; ``event_kernel``:
  one fully decayed upscattering event per call, in bulk; ``tables``: their named inputs (NamedTuples of
  arrays: flux, channels, decay graph, output columns).
* ``decays`` (the decay cascade built from ``physics.decay_table``) and ``decay_adapter`` (its kernel tables).
* ``events``: the event record layout (scalar fields, particle list, awkward form).
* ``rng``: counter-based block streams, so events do not depend on chunking or threads.
* ``flux``: neutrino fluxes of experiments (binned spectra, normalisation).
* ``exact_sum``: chunking-independent totals; ``precompile``: compiling the kernels ahead of the first run;
  ``table_cache``: set-up tables (cross sections) cached on disk between runs.
"""
