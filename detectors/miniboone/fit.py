"""MiniBooNE nu_e-like chi2 of a predicted signal with the collaboration's fractional covariance matrices.

Data: MiniBooNE's low-energy-excess data releases, packaged byte-identically in
``detectors/miniboone/data/release/{2018,2020}`` (see the PROVENANCE.md there):

* 2018: arXiv:1805.12028, PRL 121, 221801 (2018); 12.84e20 POT in neutrino mode.
* 2020: arXiv:2006.16883, PRD 103, 052002 (2021); 18.75e20 POT in neutrino mode.
* Antineutrino mode (both releases, combined matrices): 11.27e20 POT.

Recipe (the data release's, as implemented by the public fitters that cite it, e.g. the GLoBES-based
MiniBooNE chi2 of J. Kopp and P. Machado, and ``fastbnb`` of arXiv:2308.02543):

1. Prediction vector per beam mode P = [signal (11 E_QE bins), nu_e background (11), nu_mu CCQE (8)];
   for the combined fit the nu and nubar vectors are stacked (60 entries).
2. Cov_ij = M_ij P_i P_j with M the released fractional covariance matrix.
3. Add the Poisson variance of the **signal** on the signal diagonal. The released matrices already
   contain the Poisson variance of the background and nu_mu predictions: the header of the 2018 nu-mode
   matrix says so, and the 2018 and 2020 matrices differ on those diagonals by exactly
   1/B_2018 - 1/B_2020 (validation comparison ``miniboone_release_consistency``). Adding them again
   would double count. The statistical variance is that of the prediction (Neyman/Pearson-like: the
   covariance is built from P, not from the data), as in the release recipe.
4. Collapse: sum the signal and background rows and columns into one nu_e block, giving
   [nu_e (11), nu_mu (8)] = 19 bins per mode (38 for nu + nubar).
5. chi2 = r^T Cov^-1 r with r = [data_nue - (background + signal), data_numu - pred_numu] per mode.

The nu_mu bins enter the chi2 as a constraint (their residuals are correlated with the nu_e ones);
a signal in the nu_mu sample is not modelled (nu_mu disappearance is zero here).

Checks: the background-only chi2 of the 2018 combined fit, 63.78 for 38 bins, reproduces
Bertuzzo et al.'s chi2_bg/dof = 63.8/38 (arXiv:1807.09877, which uses this 2018 release with the
nu_mu and nubar_mu samples). The MiniBooNE papers quote probabilities, not a background-only chi2
for this recipe, so the other three values are regression numbers (validation/REFERENCES.md).

Two-neutrino fit (:func:`fit_two_neutrino`): what MiniBooNE does publish is the probability of the
background-only hypothesis *relative to the best nu_mu -> nu_e oscillation fit* (arXiv:1805.12028
abstract; PoS(NOW2018)010 abstract for neutrino mode alone). The signal of a point (Delta m^2,
sin^2 2theta) is P(E_true, L) = sin^2 2theta sin^2(Delta m^2 L / 4E) (the 2-flavour formula of the
MiniBooNE papers, e.g. arXiv:1207.4809 "P = sin^2 2theta sin^2(1.27 Delta m^2 L/E)"; here the 1.27 is
1/(4 hbar c) in eV^2, m, MeV) applied event by event to the release's fully-oscillated nu-mode ntuple
``miniboone_numunuefullosc_ntuple.txt`` (2020 release, packaged gzipped; 2018 = same events with the
weights scaled by 12.84/18.75, see :func:`load_fullosc_ntuple`): signal_i = sum over events in E_QE
bin i of P w / N_rows. The chi2 is the one above with that signal; background-only vs best point gives
Delta chi2, turned into a probability with 2 degrees of freedom (Wilks). Neutrino mode only: the
releases have no antineutrino-mode fully-oscillated ntuple, so the combined nu + nubar oscillation fit
of the papers cannot be rebuilt from them.

Units: signal and background in events per bin for the release's exposure; energies in GeV at the
API (E_QE edges 0.2 ... 3.0 GeV), MeV in the release files.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import logging
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize, stats

from physics import units as u

__all__ = [
    "RELEASES",
    "MODES",
    "N_NUE_BINS",
    "N_NUMU_BINS",
    "E_QE_EDGES_GEV",
    "NUMU_E_QE_EDGES_GEV",
    "POT",
    "BeamSample",
    "Release",
    "FitResult",
    "load_release",
    "full_covariance",
    "collapse_covariance",
    "covariance",
    "chi2",
    "fit",
    "histogram_signal",
    "signal_from_events",
    "read_signal",
    "window_sums",
    "FullOscNtuple",
    "load_fullosc_ntuple",
    "appearance_probability_2nu",
    "oscillation_signal",
    "TwoNeutrinoFit",
    "fit_two_neutrino",
]

log = logging.getLogger(__name__)

RELEASES = (2018, 2020)
MODES = ("nu", "combined")
N_NUE_BINS = 11
N_NUMU_BINS = 8
#: E_QE bin edges of the nu_e-like sample, GeV (release file miniboone_binboundaries_nue_lowe.txt, MeV).
E_QE_EDGES_GEV = np.array([0.2, 0.3, 0.375, 0.475, 0.55, 0.675, 0.8, 0.95, 1.1, 1.25, 1.5, 3.0])
#: nu_mu CCQE E_QE edges, GeV. Not in the release files; stated in kjkellyphys/muB_oscillation
#: MicroTools/__init__.py (shared PROVENANCE.md section 2, note 1).
NUMU_E_QE_EDGES_GEV = np.array([0.0, 0.5, 0.7, 0.9, 1.1, 1.3, 1.5, 1.7, 1.9])
#: Protons on target of each release and beam mode (arXiv:1805.12028, arXiv:2006.16883).
POT = {2018: {"nu": 12.84e20, "nubar": 11.27e20}, 2020: {"nu": 18.75e20, "nubar": 11.27e20}}

_PER_MODE = 2 * N_NUE_BINS + N_NUMU_BINS  # 30 entries of the uncollapsed prediction vector
_PER_MODE_COLLAPSED = N_NUE_BINS + N_NUMU_BINS  # 19


@dataclasses.dataclass(frozen=True)
class BeamSample:
    """Released vectors of one beam mode (``"nu"`` or ``"nubar"``); all in events per bin."""

    beam: str
    pot: float
    nue_data: np.ndarray
    nue_background: np.ndarray
    numu_data: np.ndarray
    numu_prediction: np.ndarray


@dataclasses.dataclass(frozen=True)
class Release:
    """One MiniBooNE data release: the nu and nubar samples and the fractional covariance matrices.

    ``frac_nu`` is 30x30 and ``frac_combined`` 60x60 ([nu block, nubar block]), each block ordered
    [11 signal, 11 background, 8 nu_mu].
    """

    year: int
    edges_GeV: np.ndarray
    nu: BeamSample
    nubar: BeamSample
    frac_nu: np.ndarray
    frac_combined: np.ndarray
    notes: tuple[str, ...] = ()

    def samples(self, mode: str) -> tuple[BeamSample, ...]:
        """The beam samples entering a fit in ``mode`` ("nu" or "combined")."""
        _check_mode(mode)
        return (self.nu,) if mode == "nu" else (self.nu, self.nubar)

    def fractional_matrix(self, mode: str) -> np.ndarray:
        _check_mode(mode)
        return self.frac_nu if mode == "nu" else self.frac_combined


@dataclasses.dataclass(frozen=True)
class FitResult:
    """Result of :func:`fit`. chi2 values are for ``n_bins`` bins; dof = n_bins - fitted parameters."""

    release: int
    mode: str
    n_bins: int
    chi2_background_only: float
    chi2_nominal: float
    norm_best: float
    chi2_best: float
    free_norm: bool
    signal_events: tuple[float, ...]
    notes: tuple[str, ...] = ()

    @property
    def dof_background_only(self) -> int:
        return self.n_bins

    @property
    def dof_best(self) -> int:
        return self.n_bins - (1 if self.free_norm else 0)

    @property
    def delta_chi2(self) -> float:
        """chi2(background only) - chi2(best): the preference for the signal."""
        return self.chi2_background_only - self.chi2_best

    @property
    def p_value_background_only(self) -> float:
        return float(stats.chi2.sf(self.chi2_background_only, self.dof_background_only))

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d.update(
            dof_background_only=self.dof_background_only,
            dof_best=self.dof_best,
            delta_chi2=self.delta_chi2,
            p_value_background_only=self.p_value_background_only,
        )
        return d


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode = {mode!r}; allowed: {', '.join(MODES)}")


def _check_release(year: int) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValueError(f"release = {year!r}; allowed: {', '.join(map(str, RELEASES))}") from None
    if year not in RELEASES:
        raise ValueError(f"release = {year}; allowed: {', '.join(map(str, RELEASES))}")
    return year


def _as_release(release) -> Release:
    return release if isinstance(release, Release) else load_release(release)


def _release_file(year: int, name: str):
    return resources.files("detectors.miniboone").joinpath("data", "release", str(year), name)


def _load(year: int, name: str) -> np.ndarray:
    with _release_file(year, name).open("r") as fh:
        return np.loadtxt(fh, comments="#")


@functools.lru_cache(maxsize=None)
def load_release(year: int) -> Release:
    """Read a packaged MiniBooNE data release (2018 or 2020).

    The 2018 release ships no antineutrino vectors; they are taken from the 2020 release, whose nubar
    data and predictions did not change (shared PROVENANCE.md section 2; the nubar block of the 2018
    combined matrix equals the 2020 nubar matrix).
    """
    year = _check_release(year)
    edges = _load(year, "miniboone_binboundaries_nue_lowe.txt") * 1e-3
    nu = BeamSample(
        "nu",
        POT[year]["nu"],
        _load(year, "miniboone_nuedata_lowe.txt"),
        _load(year, "miniboone_nuebgr_lowe.txt"),
        _load(year, "miniboone_numudata.txt"),
        _load(year, "miniboone_numu.txt"),
    )
    nubar = BeamSample(
        "nubar",
        POT[year]["nubar"],
        _load(2020, "miniboone_nuebardata_lowe.txt"),
        _load(2020, "miniboone_nuebarbgr_lowe.txt"),
        _load(2020, "miniboone_numubardata.txt"),
        _load(2020, "miniboone_numubar.txt"),
    )
    notes = () if year == 2020 else ("nubar vectors taken from the 2020 release (unchanged since 2018)",)
    rel = Release(
        year,
        edges,
        nu,
        nubar,
        _load(year, "miniboone_full_fractcovmatrix_nu_lowe.txt"),
        _load(year, "miniboone_full_fractcovmatrix_combined_lowe.txt"),
        notes,
    )
    for arr in (rel.frac_nu, rel.frac_combined, edges, *dataclasses.astuple(nu)[2:], *dataclasses.astuple(nubar)[2:]):
        arr.setflags(write=False)
    return rel


def full_covariance(fractional: np.ndarray, prediction: np.ndarray) -> np.ndarray:
    """Absolute covariance Cov_ij = M_ij P_i P_j from a fractional matrix M and prediction vector P."""
    fractional = np.asarray(fractional, dtype=float)
    prediction = np.asarray(prediction, dtype=float)
    if fractional.shape != (prediction.size, prediction.size):
        raise ValueError(f"fractional matrix shape {fractional.shape} does not match prediction length {prediction.size}")
    return fractional * np.outer(prediction, prediction)


def _collapse_operator(n_nue: int, n_numu: int, n_modes: int) -> np.ndarray:
    per, per_c = 2 * n_nue + n_numu, n_nue + n_numu
    T = np.zeros((n_modes * per_c, n_modes * per))
    for k in range(n_modes):
        for i in range(n_nue):
            T[k * per_c + i, k * per + i] = 1.0  # signal
            T[k * per_c + i, k * per + n_nue + i] = 1.0  # background
        for i in range(n_numu):
            T[k * per_c + n_nue + i, k * per + 2 * n_nue + i] = 1.0
    return T


def collapse_covariance(cov: np.ndarray, n_nue: int = N_NUE_BINS, n_numu: int = N_NUMU_BINS, n_modes: int = 1) -> np.ndarray:
    """Sum the signal and background rows/columns of each mode: [s, b, mu] -> [s+b, mu].

    ``cov`` has shape (n_modes*(2*n_nue+n_numu),)*2; the result (n_modes*(n_nue+n_numu),)*2. This is
    T Cov T^T with T the 0/1 matrix adding the signal and background entries of each E_QE bin, which is
    the covariance of the sum (signal + background) per bin.
    """
    cov = np.asarray(cov, dtype=float)
    n = n_modes * (2 * n_nue + n_numu)
    if cov.shape != (n, n):
        raise ValueError(f"covariance shape {cov.shape}; expected ({n}, {n}) for n_nue={n_nue}, n_numu={n_numu}, n_modes={n_modes}")
    T = _collapse_operator(n_nue, n_numu, n_modes)
    return T @ cov @ T.T


def _signal_blocks(signal, signal_nubar, mode: str) -> tuple[np.ndarray, ...]:
    blocks = [np.asarray(signal, dtype=float).reshape(-1)]
    if mode == "combined":
        blocks.append(np.zeros(N_NUE_BINS) if signal_nubar is None else np.asarray(signal_nubar, dtype=float).reshape(-1))
    elif signal_nubar is not None:
        raise ValueError("signal_nubar given but mode = 'nu'; use mode='combined'")
    for b in blocks:
        if b.shape != (N_NUE_BINS,):
            raise ValueError(f"signal must have {N_NUE_BINS} E_QE bins (edges {E_QE_EDGES_GEV.tolist()} GeV); got shape {b.shape}")
        if not np.all(np.isfinite(b)) or np.any(b < 0):
            raise ValueError(f"signal must be finite and >= 0 (events per bin); got {b.tolist()}")
    return tuple(blocks)


def covariance(release: Release, mode: str, signal_blocks: tuple[np.ndarray, ...]) -> np.ndarray:
    """Collapsed covariance (19 or 38 bins) for the given signal per mode (recipe in the module docstring)."""
    samples = release.samples(mode)
    P = np.concatenate([np.concatenate([s, smp.nue_background, smp.numu_prediction]) for s, smp in zip(signal_blocks, samples)])
    cov = full_covariance(release.fractional_matrix(mode), P)
    for k, s in enumerate(signal_blocks):
        idx = k * _PER_MODE + np.arange(N_NUE_BINS)
        cov[idx, idx] += s  # Poisson variance of the signal prediction
    return collapse_covariance(cov, n_modes=len(samples))


def _residual(release: Release, mode: str, signal_blocks: tuple[np.ndarray, ...]) -> np.ndarray:
    parts = []
    for s, smp in zip(signal_blocks, release.samples(mode)):
        parts += [smp.nue_data - smp.nue_background - s, smp.numu_data - smp.numu_prediction]
    return np.concatenate(parts)


def _chi2_blocks(release: Release, mode: str, blocks: tuple[np.ndarray, ...]) -> float:
    r = _residual(release, mode, blocks)
    C = covariance(release, mode, blocks)
    L = np.linalg.cholesky(C)
    z = np.linalg.solve(L, r)
    return float(z @ z)


def chi2(signal, signal_nubar=None, *, release: int | Release = 2018, mode: str = "nu", norm: float = 1.0) -> float:
    """chi2 of background + norm * signal against a MiniBooNE release.

    Parameters
    ----------
    signal : array_like, shape (11,)
        Predicted nu_e-like signal in neutrino mode, events per E_QE bin for the release's exposure
        (12.84e20 POT for 2018, 18.75e20 POT for 2020). Zeros give the background-only chi2.
    signal_nubar : array_like, shape (11,), optional
        Antineutrino-mode signal (11.27e20 POT); only with ``mode="combined"``; default zero.
    release : {2018, 2020} or Release
        A packaged release, or a :class:`Release` built by hand (e.g. a modified background).
    mode : {"nu", "combined"}
        "nu": 19 bins (11 nu_e + 8 nu_mu); "combined": 38 bins (nu and nubar modes).
    norm : float
        Scale factor (>= 0) applied to the signal in both modes.
    """
    if not np.isfinite(norm) or norm < 0:
        raise ValueError(f"norm = {norm}; require a finite norm >= 0")
    rel = _as_release(release)
    _check_mode(mode)
    blocks = tuple(norm * b for b in _signal_blocks(signal, signal_nubar, mode))
    return _chi2_blocks(rel, mode, blocks)


def fit(
    signal, signal_nubar=None, *, release: int | Release = 2018, mode: str = "nu", free_norm: bool = True, norm_max: float | None = None
) -> FitResult:
    """Background-only, nominal (norm = 1) and best-fit chi2 of a signal shape.

    With ``free_norm`` the signal normalisation mu >= 0 is fitted: the covariance depends on mu (signal
    systematics and Poisson variance), so the minimum is found numerically: a grid scan over
    [0, norm_max] followed by a bounded Brent refinement around the best grid point. ``norm_max``
    defaults to max(10, 10 x (data - background) / signal), summed over the nu_e bins of the fitted modes.
    Without ``free_norm`` the best fit is the nominal signal (norm 1). Arguments as in :func:`chi2`.
    """
    rel = _as_release(release)
    _check_mode(mode)
    blocks = _signal_blocks(signal, signal_nubar, mode)
    n_bins = _PER_MODE_COLLAPSED * len(blocks)
    zero = tuple(np.zeros(N_NUE_BINS) for _ in blocks)
    chi2_bkg = _chi2_blocks(rel, mode, zero)
    chi2_nom = _chi2_blocks(rel, mode, blocks)
    total = float(sum(b.sum() for b in blocks))
    notes = list(rel.notes) if mode == "combined" else []
    if mode == "combined" and signal_nubar is None:
        notes.append("no antineutrino-mode signal given: set to zero")
    if not free_norm:
        norm_best, chi2_best = 1.0, chi2_nom
    elif total == 0.0:
        norm_best, chi2_best = 0.0, chi2_bkg
        notes.append("signal is zero in every bin: normalisation undefined, reported as 0")
    else:
        if norm_max is None:
            excess = sum(float(np.sum(s.nue_data - s.nue_background)) for s in rel.samples(mode))
            norm_max = max(10.0, 10.0 * excess / total)
        f = lambda mu: _chi2_blocks(rel, mode, tuple(mu * b for b in blocks))  # noqa: E731
        grid = np.linspace(0.0, norm_max, 401)
        vals = np.array([f(mu) for mu in grid])
        i = int(np.argmin(vals))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
        res = optimize.minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-7 * norm_max})
        norm_best, chi2_best = (float(res.x), float(res.fun)) if res.fun <= vals[i] else (float(grid[i]), float(vals[i]))
        if i == grid.size - 1:
            notes.append(f"best normalisation at the scan limit norm_max = {norm_max:g}")
    return FitResult(
        release=rel.year,
        mode=mode,
        n_bins=n_bins,
        chi2_background_only=chi2_bkg,
        chi2_nominal=chi2_nom,
        norm_best=norm_best,
        chi2_best=chi2_best,
        free_norm=free_norm,
        signal_events=tuple(float(b.sum()) for b in blocks),
        notes=tuple(notes),
    )


def window_sums(release: int, beam: str = "nu", emin_GeV: float = 0.2, emax_GeV: float = 1.25) -> tuple[float, float]:
    """(data, background) summed over the release E_QE bins inside [emin_GeV, emax_GeV] (bin edges)."""
    rel = load_release(release)
    smp = {"nu": rel.nu, "nubar": rel.nubar}[beam]
    lo, hi = rel.edges_GeV[:-1], rel.edges_GeV[1:]
    sel = (lo >= emin_GeV - 1e-9) & (hi <= emax_GeV + 1e-9)
    return float(smp.nue_data[sel].sum()), float(smp.nue_background[sel].sum())


# ---------------------------------------------------------------------------------------------
# Two-neutrino nu_mu -> nu_e oscillation fit (neutrino mode), for the published relative probabilities

#: Packaged fully-oscillated nu-mode ntuple of the 2020 release (gzip of the byte-identical release file).
_FULLOSC_FILE = ("2020", "miniboone_numunuefullosc_ntuple.txt.gz")


@dataclasses.dataclass(frozen=True)
class FullOscNtuple:
    """The release's nu-mode full-transmutation (100 % nu_mu -> nu_e) MC events passing the nu_e selection.

    ``e_qe_GeV`` reconstructed E_QE, ``e_true_GeV`` true neutrino energy, ``L_cm`` distance from the
    production point, ``weight`` per-event weight for the release's exposure ``pot``; the expected
    selected events in a set S of rows is sum_S weight / ``n_rows`` (shared PROVENANCE section 2).
    """

    pot: float
    n_rows: int
    e_qe_GeV: np.ndarray
    e_true_GeV: np.ndarray
    L_cm: np.ndarray
    weight: np.ndarray


@functools.lru_cache(maxsize=None)
def load_fullosc_ntuple(year: int = 2018) -> FullOscNtuple:
    """The fully-oscillated nu-mode ntuple for the exposure of release ``year``.

    Only the 2020 release file is packaged (columns E_QE_reco [MeV], E_true [MeV], L [cm], weight;
    17204 rows). The 2018 release ships the same events with every weight multiplied by
    12.84/18.75 (its exposure over the 2020 one): checked on the first ~350 rows of the 2018 copy in
    Harvard-Neutrino/MicroBooNE-analysis-2021 (``MicroTools/MB_data/data_release_2018``): identical
    energies and distances, weights e.g. 212915.185635 there for 310915.87 here, ratio 12.84/18.75 to the
    2020 file's printing precision (two decimals, 1.6e-8 relative; validation/REFERENCES.md section 2).
    """
    year = _check_release(year)
    with _release_file(int(_FULLOSC_FILE[0]), _FULLOSC_FILE[1]).open("rb") as fh, gzip.open(fh, "rt") as text:
        table = np.loadtxt(text)
    scale = POT[year]["nu"] / POT[2020]["nu"]
    cols = (table[:, 0] * u.MeV, table[:, 1] * u.MeV, table[:, 2] * u.cm, table[:, 3] * scale)
    for c in cols:
        c.setflags(write=False)
    return FullOscNtuple(POT[year]["nu"], int(table.shape[0]), *cols)


def appearance_probability_2nu(dm2_eV2, sin2_2theta, L_cm, E_GeV):
    """Two-flavour appearance probability sin^2 2theta sin^2(Delta m^2 L / (4 E)) (natural units).

    ``dm2_eV2`` in eV^2, ``L_cm`` in cm, ``E_GeV`` in GeV; the phase is Delta m^2 L / (4 E hbar c),
    which is the familiar 1.267 Delta m^2[eV^2] L[m] / E[MeV]. Broadcasts.
    """
    phase = (np.asarray(dm2_eV2, dtype=float) * u.eV**2) * np.asarray(L_cm, dtype=float) / (4.0 * np.asarray(E_GeV, dtype=float) * u.hbarc)
    return np.asarray(sin2_2theta, dtype=float) * np.sin(phase) ** 2


def oscillation_signal(dm2_eV2: float, sin2_2theta: float, release: int = 2018) -> np.ndarray:
    """Expected nu-mode nu_e-like signal (11 E_QE bins, events) of nu_mu -> nu_e oscillations at one point."""
    if not (np.isfinite(dm2_eV2) and dm2_eV2 >= 0):
        raise ValueError(f"dm2_eV2 = {dm2_eV2}; require a finite Delta m^2 >= 0 (eV^2)")
    if not 0.0 <= sin2_2theta <= 1.0:
        raise ValueError(f"sin2_2theta = {sin2_2theta}; require 0 <= sin^2 2theta <= 1")
    nt = load_fullosc_ntuple(release)
    return _osc_shapes(nt, np.array([float(dm2_eV2)]))[0] * sin2_2theta


def _osc_shapes(nt: FullOscNtuple, dm2_eV2: np.ndarray) -> np.ndarray:
    """Signal per E_QE bin for sin^2 2theta = 1 at each Delta m^2: shape (len(dm2_eV2), 11)."""
    idx = np.searchsorted(E_QE_EDGES_GEV, nt.e_qe_GeV, side="right") - 1
    inside = (idx >= 0) & (idx < N_NUE_BINS)
    idx, L, E, w = idx[inside], nt.L_cm[inside], nt.e_true_GeV[inside], nt.weight[inside] / nt.n_rows
    out = np.empty((dm2_eV2.size, N_NUE_BINS))
    for k, d in enumerate(dm2_eV2):
        out[k] = np.bincount(idx, weights=w * appearance_probability_2nu(d, 1.0, L, E), minlength=N_NUE_BINS)
    return out


def _chi2_many(release: Release, signals: np.ndarray) -> np.ndarray:
    """Neutrino-mode chi2 (19 bins) for many signals at once, shape (K, 11) -> (K,); same recipe as :func:`chi2`."""
    smp = release.nu
    K = signals.shape[0]
    P = np.concatenate([signals, np.broadcast_to(smp.nue_background, (K, N_NUE_BINS)),
                        np.broadcast_to(smp.numu_prediction, (K, N_NUMU_BINS))], axis=1)
    cov = release.frac_nu[None, :, :] * P[:, :, None] * P[:, None, :]
    diag = np.arange(N_NUE_BINS)
    cov[:, diag, diag] += signals  # Poisson variance of the signal prediction
    T = _collapse_operator(N_NUE_BINS, N_NUMU_BINS, 1)
    C = T @ cov @ T.T
    r = np.concatenate([smp.nue_data - smp.nue_background - signals,
                        np.broadcast_to(smp.numu_data - smp.numu_prediction, (K, N_NUMU_BINS))], axis=1)
    L = np.linalg.cholesky(C)
    z = np.linalg.solve(L, r[:, :, None])[:, :, 0]
    return np.einsum("ki,ki->k", z, z)


@dataclasses.dataclass(frozen=True)
class TwoNeutrinoFit:
    """Result of :func:`fit_two_neutrino` (neutrino mode, ``n_bins`` = 19)."""

    release: int
    n_bins: int
    chi2_background_only: float
    chi2_best: float
    sin2_2theta: float
    dm2_eV2: float

    @property
    def delta_chi2(self) -> float:
        """chi2(background only) - chi2(best oscillation point), >= 0."""
        return self.chi2_background_only - self.chi2_best

    @property
    def p_background_only_relative(self) -> float:
        """Probability of Delta chi2 for 2 fitted parameters (Wilks): the 'probability relative to the best fit'."""
        return float(stats.chi2.sf(self.delta_chi2, 2))

    @property
    def p_best(self) -> float:
        """chi2 probability of the best point with n_bins - 2 degrees of freedom."""
        return float(stats.chi2.sf(self.chi2_best, self.n_bins - 2))


def fit_two_neutrino(release: int | Release = 2018, mode: str = "nu", *, dm2_range_eV2: tuple[float, float] = (1e-2, 1e2),
                     n_dm2: int = 201, n_sin2: int = 201) -> TwoNeutrinoFit:
    """Best nu_mu -> nu_e two-neutrino fit to a release's neutrino-mode data (19 bins, 200-3000 MeV + nu_mu).

    A grid of ``n_dm2`` log-spaced Delta m^2 in ``dm2_range_eV2`` times ``n_sin2`` values of sin^2 2theta
    (0 and log-spaced 1e-4 ... 1) is evaluated, then the best grid point is refined with a bounded
    Nelder-Mead in (log10 Delta m^2, sin^2 2theta) inside the physical region 0 <= sin^2 2theta <= 1.
    Only ``mode="nu"``: the releases have no antineutrino-mode fully-oscillated ntuple.
    """
    if mode != "nu":
        raise ValueError(f"mode = {mode!r}; fit_two_neutrino supports only 'nu' (the releases ship no antineutrino-mode "
                         "fully-oscillated ntuple, so the nubar oscillation signal cannot be built)")
    rel = _as_release(release)
    lo, hi = dm2_range_eV2
    if not 0 < lo < hi:
        raise ValueError(f"dm2_range_eV2 = {dm2_range_eV2}; require 0 < low < high (eV^2)")
    if n_dm2 < 3 or n_sin2 < 3:
        raise ValueError(f"n_dm2 = {n_dm2}, n_sin2 = {n_sin2}; require at least 3 grid points each")
    nt = load_fullosc_ntuple(rel.year)
    dm2 = np.geomspace(lo, hi, n_dm2)
    s22 = np.concatenate([[0.0], np.geomspace(1e-4, 1.0, n_sin2 - 1)])
    shapes = _osc_shapes(nt, dm2)
    grid = np.empty((n_dm2, n_sin2))
    for k in range(n_dm2):
        grid[k] = _chi2_many(rel, s22[:, None] * shapes[k][None, :])
    chi2_bkg = float(_chi2_many(rel, np.zeros((1, N_NUE_BINS)))[0])
    k, j = np.unravel_index(int(np.argmin(grid)), grid.shape)

    def f(x):
        s = min(max(x[1], 0.0), 1.0)
        d = 10.0 ** min(max(x[0], np.log10(lo)), np.log10(hi))
        return float(_chi2_many(rel, s * _osc_shapes(nt, np.array([d])))[0])

    x0 = np.array([np.log10(dm2[k]), s22[j]])
    step = -0.01 if x0[1] >= 0.01 else 0.01  # keep the starting simplex inside 0 <= sin^2 2theta <= 1
    simplex = np.array([x0, x0 + [0.02, 0.0], x0 + [0.0, step]])
    res = optimize.minimize(f, x0, method="Nelder-Mead", bounds=[(np.log10(lo), np.log10(hi)), (0.0, 1.0)],
                            options={"xatol": 1e-6, "fatol": 1e-9, "initial_simplex": simplex})
    if res.fun <= grid[k, j]:
        best, s_best, d_best = float(res.fun), float(min(max(res.x[1], 0.0), 1.0)), float(10.0 ** res.x[0])
    else:
        best, s_best, d_best = float(grid[k, j]), float(s22[j]), float(dm2[k])
    return TwoNeutrinoFit(rel.year, _PER_MODE_COLLAPSED, chi2_bkg, best, s_best, d_best)


# ---------------------------------------------------------------------------------------------
# Signal input: arrays, text files, generated ROOT / awkward event files


def histogram_signal(E_QE_GeV, weight, passes_selection=None) -> np.ndarray:
    """Sum of weights per release E_QE bin (GeV); events outside 0.2-3.0 GeV or failing selection dropped."""
    E = np.asarray(E_QE_GeV, dtype=float).reshape(-1)
    w = np.asarray(weight, dtype=float).reshape(-1)
    if E.shape != w.shape:
        raise ValueError(f"E_QE ({E.size} entries) and weight ({w.size}) differ in length")
    if passes_selection is not None:
        sel = np.asarray(passes_selection).reshape(-1).astype(bool)
        if sel.shape != E.shape:
            raise ValueError(f"passes_selection ({sel.size} entries) and E_QE ({E.size}) differ in length")
        E, w = E[sel], w[sel]
    if np.nanmax(E, initial=0.0) > 100.0:
        log.warning("E_QE values up to %g: expected GeV; are they in MeV?", np.nanmax(E))
    counts, _ = np.histogram(E, bins=E_QE_EDGES_GEV, weights=w)
    return counts


_E_NAMES = ("e_qe", "eqe", "enu_qe", "e_nu_qe", "reco_enu_qe")
# ``weight_selected`` (hnlgen run on a MiniBooNE card: weight x fiducial decay probability x e/gamma
# efficiency x selection) is preferred; a plain ``weight`` is for files that carry no detector stage.
_W_NAMES = ("weight_selected", "weight", "weights", "w")
_SEL_NAMES = ("passes_selection", "pass_selection", "selected")


def _pick(names: list[str], wanted: tuple[str, ...]) -> str | None:
    norm = {n: n.replace("/", ".").split(".")[-1].lower() for n in names}
    for w in wanted:
        for n in names:
            if n == w:
                return n
        for n in names:
            if norm[n] == w:
                return n
    return None


def _record_fields(arr, prefix: str = "") -> dict[str, Any]:
    out = {}
    for f in arr.fields:
        sub = arr[f]
        if sub.fields:
            out.update(_record_fields(sub, f"{prefix}{f}."))
        else:
            out[f"{prefix}{f}"] = sub
    return out


def signal_from_events(events) -> np.ndarray:
    """11-bin signal from an awkward record array with fields ``E_QE`` (GeV), ``weight_selected`` (or
    ``weight``) and optionally ``passes_selection`` (names matched case-insensitively, also inside
    nested records)."""
    import awkward as ak

    fields = _record_fields(ak.Array(events))
    return _signal_from_columns(fields, "awkward array")


def _signal_from_columns(columns: dict[str, Any], what: str) -> np.ndarray:
    names = list(columns)
    e_name, w_name, s_name = _pick(names, _E_NAMES), _pick(names, _W_NAMES), _pick(names, _SEL_NAMES)
    if e_name is None or w_name is None:
        raise ValueError(f"{what}: need an 'E_QE' (GeV) and a 'weight' column; found {sorted(names)}")

    def flat(x):
        import awkward as ak

        a = ak.to_numpy(ak.Array(x)) if not isinstance(x, np.ndarray) else x
        if a.ndim != 1:
            raise ValueError(f"{what}: column must hold one value per event; got shape {a.shape}")
        return a

    sel = flat(columns[s_name]) if s_name is not None else None
    return histogram_signal(flat(columns[e_name]), flat(columns[w_name]), sel)


def _read_root(path: Path) -> np.ndarray:
    import uproot

    with uproot.open(path) as f:
        # uproot >= 5.7 writes RNTuples by default; files written with mktree hold TTrees: read both
        trees = {k.split(";")[0] for k, c in f.classnames().items() if c.startswith(("TTree", "TNtuple", "ROOT::RNTuple"))}
        if not trees:
            raise ValueError(f"{path}: no TTree or RNTuple found; keys {list(f.keys())}")
        name = "events" if "events" in trees else sorted(trees)[0]
        tree = f[name]
        try:
            keys = list(tree.keys(recursive=True))
        except TypeError:  # RNTuple.keys has no 'recursive'
            keys = list(tree.keys())
        picked = [k for k in (_pick(keys, _E_NAMES), _pick(keys, _W_NAMES), _pick(keys, _SEL_NAMES)) if k]
        if len(picked) < 2 or _pick(keys, _E_NAMES) is None or _pick(keys, _W_NAMES) is None:
            raise ValueError(f"{path}:{name}: need 'E_QE' (GeV) and 'weight' branches; found {sorted(keys)}")
        arrays = tree.arrays(picked, library="np")
    return _signal_from_columns(dict(arrays), f"{path}:{name}")


def read_signal(spec) -> np.ndarray:
    """An 11-bin nu_e-like signal (events per E_QE bin) from an array, a string or a file.

    Accepted: an array of 11 numbers; a string of 11 comma/space-separated numbers; a text file
    (``.txt``, ``.dat``, ``.csv``) with 11 numbers (or 11 rows, last column taken); ``.npy``; a ROOT file
    with a TTree or RNTuple (``events`` if present, else the first) holding ``E_QE`` (GeV), ``weight`` and optionally
    ``passes_selection``; a Parquet file of awkward records with the same fields.
    """
    if not isinstance(spec, (str, Path)):
        arr = np.asarray(spec, dtype=float).reshape(-1)
        if arr.shape != (N_NUE_BINS,):
            raise ValueError(f"signal array must have {N_NUE_BINS} entries; got {arr.size}")
        return arr
    path = Path(spec)
    if not path.exists():
        try:
            arr = np.array([float(x) for x in str(spec).replace(",", " ").split()])
        except ValueError:
            raise FileNotFoundError(f"{spec!r} is neither an existing file nor a list of {N_NUE_BINS} numbers") from None
        return read_signal(arr)
    suffix = path.suffix.lower()
    if suffix == ".root":
        return _read_root(path)
    if suffix == ".parquet":
        import awkward as ak

        return signal_from_events(ak.from_parquet(path))
    if suffix == ".npy":
        return read_signal(np.load(path))
    if suffix in (".txt", ".dat", ".csv", ""):
        arr = np.loadtxt(path, delimiter="," if suffix == ".csv" else None, comments="#", ndmin=1)
        if arr.ndim == 2 and arr.shape[0] == N_NUE_BINS:
            arr = arr[:, -1]
        return read_signal(arr)
    raise ValueError(f"{path}: unsupported file type {suffix!r}; use .root, .parquet, .npy, .txt, .dat or .csv")
