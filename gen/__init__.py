"""hnlgen event generation: run cards, experiments, the sampling core and the command line."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hnlgen")
except PackageNotFoundError:  # pragma: no cover - running from a checkout without install
    __version__ = "0+unknown"
