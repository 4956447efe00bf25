"""Neutrino fluxes: reading the experiment's flux table, integrals, and E_nu samplers.

The MiniBooNE release (arXiv:0806.1449; ``gen/data/flux/PROVENANCE.md``) gives, in 50-MeV bins,
the flux in nu / cm^2 / POT / 50 MeV for the columns ``Elo Ehi numu numubar nue nuebar`` (GeV).
Here a flux is a histogram: ``bin_flux[f, b]`` is the number of neutrinos of flavour f per cm^2 and
per POT with energy in bin b, and the density is constant inside each bin (the release's own
meaning of a binned flux). Sampling maps uniforms to energies with the inverse of the piecewise
linear CDF (exact for the histogram).

For importance sampling of the interaction energy, ``energy_sampling_table`` builds the density
proportional to flux x sigma(E) on sub-bins of the flux bins; the sampler's weight divides by the
density actually used (``sampling_density``), so the result is unbiased whatever the table's
accuracy.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np

from physics._jit import jit, jitable

__all__ = [
    "Flux",
    "load_flux",
    "load_points_flux",
    "flux_for_experiment",
    "sample_histogram",
    "sample_histogram_array",
    "histogram_density",
    "energy_sampling_table",
    "FLUX_UNIT_BIN_GeV",
]

# The release quotes the flux per 50 MeV; per-bin numbers are value * (bin width / 50 MeV).
FLUX_UNIT_BIN_GeV = 0.050


@dataclasses.dataclass(frozen=True)
class Flux:
    """A binned flux.

    Attributes
    ----------
    edges : ndarray (n_bins + 1,)
        Bin edges in GeV, increasing.
    flavours : tuple of str
        Flavour names of the rows of ``bin_flux``.
    bin_flux : ndarray (n_flavours, n_bins)
        Neutrinos per cm^2 per POT in each bin.
    source : str
        Where the table came from.
    """

    edges: np.ndarray
    flavours: tuple[str, ...]
    bin_flux: np.ndarray
    source: str = ""

    def index(self, flavour: str) -> int:
        try:
            return self.flavours.index(flavour)
        except ValueError:
            raise ValueError(f"flavour {flavour!r} is not in the flux ({', '.join(self.flavours)})") from None

    def integrated(self, flavour: str) -> float:
        """Energy-integrated flux of ``flavour`` in nu / cm^2 / POT."""
        return float(self.bin_flux[self.index(flavour)].sum())

    def density(self, flavour: str) -> np.ndarray:
        """Flux density per bin in nu / cm^2 / POT / GeV."""
        return self.bin_flux[self.index(flavour)] / np.diff(self.edges)

    def cdf(self, flavour: str) -> np.ndarray:
        """CDF of the energy distribution at the bin edges (0 ... 1)."""
        c = np.concatenate([[0.0], np.cumsum(self.bin_flux[self.index(flavour)])])
        if c[-1] <= 0:
            raise ValueError(f"flux of {flavour!r} is zero everywhere")
        c /= c[-1]
        c[-1] = 1.0
        return c

    def mean_energy(self, flavour: str) -> float:
        """Mean energy (GeV) of the histogram."""
        w = self.bin_flux[self.index(flavour)]
        return float((w * 0.5 * (self.edges[1:] + self.edges[:-1])).sum() / w.sum())


def load_flux(path, columns: dict[str, int], source: str | None = None, unit_bin_GeV: float = FLUX_UNIT_BIN_GeV) -> Flux:
    """Read a flux table with columns ``Elo Ehi`` (GeV) and flux columns in nu/cm^2/POT/50 MeV.

    Parameters
    ----------
    path : str, Path or importlib.resources Traversable
    columns : dict
        Flavour name -> column index.
    unit_bin_GeV : float
        Energy interval the flux values are quoted per (0.05 GeV in the MiniBooNE release).
    """
    with (path.open("r") if hasattr(path, "open") and not isinstance(path, (str, Path)) else open(path)) as fh:
        data = np.loadtxt(fh, comments="#")
    if data.ndim != 2 or data.shape[1] < 2 + len(columns):
        raise ValueError(f"flux file {path}: expected columns Elo Ehi and {len(columns)} flux columns")
    elo, ehi = data[:, 0], data[:, 1]
    if np.any(ehi <= elo) or np.any(np.abs(elo[1:] - ehi[:-1]) > 1e-9):
        raise ValueError(f"flux file {path}: bins must be contiguous with Ehi > Elo")
    edges = np.concatenate([elo, ehi[-1:]])
    names = tuple(columns)
    vals = np.array([data[:, columns[f]] for f in names]) * (np.diff(edges) / unit_bin_GeV)[None, :]
    if np.any(vals < 0) or not np.all(np.isfinite(vals)):
        raise ValueError(f"flux file {path}: negative or non-finite flux values")
    return Flux(edges=edges, flavours=names, bin_flux=vals, source=source or str(path))


# Sub-bins per interval between two points of a "points_linear" table (see load_points_flux).
POINTS_SUB_BINS = 4
_POINT_FLAVOURS = ("nue", "numu", "nutau", "nuebar", "numubar", "nutaubar")


def load_points_flux(path, norm: float, energy_range, source: str | None = None, n_sub: int = POINTS_SUB_BINS) -> Flux:
    """Read a DarkNews-layout flux table as a histogram.

    The file has columns ``Enu nue numu nutau nuebar numubar nutaubar`` (``#`` comments): the flux
    density at the energies ``Enu`` (GeV), in the file's unit; ``value * norm`` is in
    nu / cm^2 / GeV per unit of exposure. Between two points the density is linear, outside the first
    and last point it is zero, and only ``energy_range = (E_min, E_max)`` is kept: the meaning DarkNews
    gives these files (``detector.py``: ``interp1d(..., fill_value=0)`` on ``erange``). Each interval
    between knots (the points inside the range and the range ends) is split into ``n_sub`` equal
    sub-bins whose content is the exact integral of the linear density over the sub-bin, so every
    integral over a knot interval, and the total, equals the trapezoid integral of the points.
    """
    from gen.errors import InputFileError

    with (path.open("r") if hasattr(path, "open") and not isinstance(path, (str, Path)) else open(path)) as fh:
        data = np.loadtxt(fh, comments="#", ndmin=2)
    if data.shape[1] != 1 + len(_POINT_FLAVOURS):
        raise InputFileError(f"flux file {source or path}: {data.shape[1]} columns, expected 7 (Enu nue numu nutau nuebar numubar nutaubar)")
    x = data[:, 0]
    y = data[:, 1:] * float(norm)
    if not (np.all(np.isfinite(data)) and np.all(np.diff(x) > 0)):
        raise InputFileError(f"flux file {source or path}: energies must increase and all values be finite")
    if np.any(y < 0):
        raise InputFileError(f"flux file {source or path}: negative flux values")
    lo, hi = max(float(energy_range[0]), x[0]), min(float(energy_range[1]), x[-1])
    if not lo < hi:
        raise InputFileError(f"flux file {source or path}: energy range {list(energy_range)} GeV does not overlap the "
                             f"table ({x[0]:g}-{x[-1]:g} GeV)")
    knots = np.concatenate([[lo], x[(x > lo) & (x < hi)], [hi]])
    t = np.arange(n_sub + 1) / n_sub
    edges = np.concatenate([a + (b - a) * t[:-1] for a, b in itertools.pairwise(knots)] + [knots[-1:]])
    mids = 0.5 * (edges[1:] + edges[:-1])
    # linear density at the sub-bin midpoint times the width: the exact integral of a linear function
    bin_flux = np.array([np.interp(mids, x, y[:, j]) for j in range(y.shape[1])]) * np.diff(edges)[None, :]
    return Flux(edges=edges, flavours=_POINT_FLAVOURS, bin_flux=bin_flux, source=source or str(path))


def flux_for_experiment(experiment) -> Flux:
    """The flux of a ``gen.experiments.Experiment`` (package data read with importlib.resources)."""
    p = experiment.flux_path()
    if p is None:
        raise ValueError(f"experiment {experiment.name!r} has no flux file")
    src = experiment.flux_file
    if getattr(experiment, "flux_layout", "bins") == "points_linear":
        return load_points_flux(p, experiment.flux_norm, experiment.energy_range_GeV,
                                source=f"gen/data/experiments/fluxes/{src}")
    if not isinstance(p, (str, Path)):
        return load_flux(p, experiment.flux_columns, source=f"gen/data/flux/{src}")
    unit = getattr(experiment, "flux_unit_bin_GeV", FLUX_UNIT_BIN_GeV)
    return load_flux(Path(p), experiment.flux_columns, source=str(p), unit_bin_GeV=unit)


@jitable
def sample_histogram(u, edges, cdf):
    """Inverse of the piecewise-linear CDF of a histogram: E in [edges[0], edges[-1]] for u in [0, 1).

    ``cdf[i]`` is the CDF at ``edges[i]``. Bins of zero content are never returned.
    """
    lo = 0
    hi = cdf.shape[0] - 1
    # largest i with cdf[i] <= u  (bin i = [edges[i], edges[i+1]))
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if cdf[mid] <= u:
            lo = mid
        else:
            hi = mid
    c0 = cdf[lo]
    c1 = cdf[lo + 1]
    f = (u - c0) / (c1 - c0) if c1 > c0 else 0.5
    return edges[lo] + f * (edges[lo + 1] - edges[lo])


@jitable
def histogram_density(E, edges, cdf):
    """Density (per GeV) of the histogram sampled by ``sample_histogram`` at energy E (0 outside)."""
    n = edges.shape[0]
    if E < edges[0] or E >= edges[n - 1]:
        return 0.0
    lo = 0
    hi = n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if edges[mid] <= E:
            lo = mid
        else:
            hi = mid
    return (cdf[lo + 1] - cdf[lo]) / (edges[lo + 1] - edges[lo])


@jit
def sample_histogram_array(u, edges, cdf):
    """Vectorised ``sample_histogram``."""
    out = np.empty(u.shape[0])
    for i in range(u.shape[0]):
        out[i] = sample_histogram(u[i], edges, cdf)
    return out


def energy_sampling_table(flux: Flux, flavour: str, sigma_fn, n_sub: int = 2, threshold: float | None = None):
    """Edges and CDF of the importance density proportional to flux(E) * sigma(E).

    Each flux bin is split into ``n_sub`` sub-bins and ``threshold`` (GeV), if given and inside the
    flux range, is inserted as an extra edge, so that the density is exactly zero below it. On each
    sub-bin sigma is averaged with Simpson's rule from its values at the edges and the midpoint (a
    sub-bin starting at the threshold keeps a non-zero density). ``sigma_fn(E_array) -> sigma`` in any
    unit. The output always has ``n_bins * n_sub + 2`` edges (when no threshold is inserted the last
    edge is repeated: a zero-width bin that is never sampled), so tables of several channels stack.

    Returns
    -------
    edges : ndarray (n_bins * n_sub + 2,)
    cdf : ndarray, same length (all zero if sigma vanishes on the whole flux range)
    integral : float
        sum over sub-bins of flux * Simpson sigma, an estimate of int dE phi(E) sigma(E)
        (unit of sigma times nu/cm^2/POT).
    """
    e = flux.edges
    nb = len(e) - 1
    base = np.concatenate([np.linspace(e[i], e[i + 1], n_sub + 1)[:-1] for i in range(nb)] + [e[-1:]])
    if threshold is not None and e[0] < threshold < e[-1]:
        base = np.unique(np.concatenate([base, [threshold]]))
    edges = np.concatenate([base, np.full(nb * n_sub + 2 - len(base), base[-1])])
    mids = 0.5 * (edges[1:] + edges[:-1])
    s_edge = np.asarray(sigma_fn(edges), dtype=float)
    s_mid = np.asarray(sigma_fn(mids), dtype=float)
    s_avg = (s_edge[:-1] + 4.0 * s_mid + s_edge[1:]) / 6.0
    idx = np.clip(np.searchsorted(e, mids, side="right") - 1, 0, nb - 1)
    w = flux.density(flavour)[idx] * s_avg * np.diff(edges)
    total = float(w.sum())
    cdf = np.concatenate([[0.0], np.cumsum(w)])
    if total > 0:
        cdf /= total
        cdf[-1] = 1.0
    return edges, cdf, total
