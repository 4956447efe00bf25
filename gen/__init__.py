"""hnlgen event generation: run cards, experiments, the sampling core and the command line."""

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
