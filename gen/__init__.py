"""hnlgen event generation: run cards, experiments, the sampling core, sources and the command line.

The top layer: imports ``physics`` and ``detectors``, never the other way (``[tool.importlinter]`` in
pyproject.toml; README "Architecture"). Map (each sub-package's docstring maps its modules):

* Cards and experiments: ``card`` (run cards, bounds), ``experiments`` (the one registry of experiment
  names and its fields; ``SOURCES``), ``bundled`` (the shipped cards), ``preflight``, ``inputs`` (input-file
  checks), ``errors`` (re-exports ``physics.errors``); ``data/`` (experiment library, fluxes, published counts).
* ``core``: numba kernels, the decay cascade, the event layout, random streams, fluxes, exact sums.
* ``sources``: how N arise: ``upscattering`` (``generate`` / ``iter_generate``) and ``meson_decay``.
* ``stages``: detector responses applied to generated chunks.
* After generation: ``reweight``, ``scan``, ``limits`` (test statistics from published counts),
  ``constraints`` (the combined constraint figure of ``hnlgen plot --constraints``), ``bench``, ``output`` (branch titles, run summary,
  NuHepMC, JSON).
* ``validation``: ``hnlgen validate``. ``cli``: the command line, one module per subcommand.

Function-level imports that remain keep start-up fast (``cli``: a command's modules load when it runs;
``validation``: a comparison's modules load when it runs) or load an optional dependency on use
(pyhepmc, dask, matplotlib). None hides a cycle: ``lint-imports`` checks that the graph is acyclic.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hnlgen")
except PackageNotFoundError:  # pragma: no cover - running from a checkout without install
    __version__ = "0+unknown"


def __getattr__(name):
    # ``gen.generate`` / ``gen.iter_generate`` without importing numba kernels at ``import gen``
    if name in ("generate", "iter_generate"):
        from gen.sources import upscattering

        return getattr(upscattering, name)
    raise AttributeError(f"module 'gen' has no attribute {name!r}")
