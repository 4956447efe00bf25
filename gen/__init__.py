"""hnlgen event generation: run cards, experiments, the sampling core and the command line.

The top layer: imports ``physics`` and ``detectors``, never the other way (``[tool.importlinter]`` in
pyproject.toml; README "Architecture"). Map of the modules:

* Cards and experiments: ``card`` (run cards, bounds), ``experiments`` (the one registry of experiment
  names and its fields; ``SOURCES``), ``flux``, ``bundled`` (the shipped cards), ``preflight``, ``inputs``
  (input-file checks), ``errors`` (re-exports ``physics.errors``).
* Upscattering source: ``sampler`` (``generate`` / ``iter_generate``), ``_kernels`` and ``_event_kernel``
  (numba), ``decays`` and ``decay_adapter`` (the decay cascade), ``events`` (the event layout), ``rng``,
  ``exact_sum``, ``_precompile``.
* Meson-decay source (NA62): ``na62_source`` (dedicated kernel), ``na62_general`` (general cascade),
  ``na62_run`` (runs and NA62 detector stage), ``na62_reweight``.
* After generation: ``detector_stage`` (MiniBooNE response on chunks), ``reweight``, ``scan``, ``bench``,
  ``output_docs`` (branch titles, run-summary schema), ``nuhepmc``, ``jsonout``.
* Validation: ``validation`` (comparisons with published numbers), ``validation_html``, ``report_format``.
* Command line: ``cli`` and one module per subcommand in ``commands``.

Function-level imports that remain keep start-up fast (``cli``, ``commands``: a command's modules load when
it runs; ``validation``: a comparison's modules load when it runs) or load an optional dependency on use
(pyhepmc, dask, matplotlib). None hides a cycle: ``lint-imports`` counts them and the graph is acyclic.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hnlgen")
except PackageNotFoundError:  # pragma: no cover - running from a checkout without install
    __version__ = "0+unknown"


def __getattr__(name):
    # ``gen.generate`` / ``gen.iter_generate`` without importing numba kernels at ``import gen``
    if name in ("generate", "iter_generate"):
        from gen import sampler

        return getattr(sampler, name)
    raise AttributeError(f"module 'gen' has no attribute {name!r}")
