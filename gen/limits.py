"""Signal upper limits from published counts, and exclusions over a scan (issue 13 item 4).

The published numbers (observed count, background and its uncertainty, per selection) are data, in
``gen/data/limits/published_counts.toml`` with their sources and flags; nothing here is a literal count.
Layering: pure statistics on top of numpy/scipy; it lives in ``gen`` (not ``detectors``) because its
errors are ``gen.errors.HnlgenError`` and it reads ``hnlgen scan`` tables.

Statistics (all rate-only, one bin; S = expected BSM events after the selection):

* ``poisson_gauss`` (used for MicroBooNE, arXiv:2502.10900: 95 observed, 69.7 +- 17.3 background; the
  paper's own method was not found, notes section 5.3), with methods

  - ``"cls"`` (default): CLs = CL_{s+b}/CL_b with CL_x = P(N <= n_obs) marginalised over a Gaussian
    background truncated at 0 (Cousins-Highland); S excluded when CLs < 1 - CL. 95 %: S < 60.1.
  - ``"splusb"``: CL_{s+b} < 1 - CL alone (marginalised as above). 95 %: S < 59.1.
  - ``"profile"``: profile likelihood ratio q(S) = -2 ln[L(S, b^^)/L(S^, b^)] of Poisson(n|S+b) x
    Gauss(b|B, sigma_B), b^^ in closed form (root of a quadratic); one-sided asymptotic threshold
    chi2_1^{-1}(2 CL - 1) (2.71 at 95 %: S < 58.2), two-sided ``two_sided=True`` chi2_1^{-1}(CL)
    (3.84: S < 64.5).
  - ``"gauss"``: Gaussian with variance n_obs + sigma_B^2, one-sided: S < n - B + z_CL sqrt(n + sigma_B^2)
    (95 %: S < 58.0).

* ``chi2_1812`` (MINERvA, as arXiv:1812.08768 did: M. Hostert's thesis miniboone.tex l.168-169 and
  Zprime_scattering.tex l.377 for the form; the exact formula of the paper is UNCONFIRMED):
  chi2(S) = min_{a,b} [(D - (1+a)(S + N_nue) - (1+a+b) B)^2 / D + (a/sigma_flux)^2 + (b/sigma_B)^2].
  The residual is linear in (a, b), so the minimum is the closed-form solution of 2 x 2 normal
  equations. The limit is chi2(S) = chi2_2dof^{-1}(CL) (absolute chi2, as the authors' plotting code
  draws the contour at 4.61): 1812.08768's curves are 90 % CL, 2 dof (4.61); hnlgen's default is 95 %
  (5.99) and every curve states which it uses.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import optimize, stats

from gen.errors import HnlgenError

__all__ = [
    "ALLOWED_CL",
    "METHODS",
    "LimitError",
    "PublishedCount",
    "check_cl",
    "chi2_1812",
    "chi2_1812_scale_limit",
    "chi2_1812_upper_limit",
    "exclusion",
    "poisson_gauss_upper_limit",
    "published_count",
    "published_counts",
    "scan_limits",
    "selection_for_experiment",
    "signal_upper_limit",
]

ALLOWED_CL = (0.90, 0.95)
METHODS = ("cls", "splusb", "profile", "gauss")
KINDS = ("published", "sensitivity")
_DATA = Path(__file__).parent / "data" / "limits" / "published_counts.toml"


class LimitError(HnlgenError, ValueError):
    """A limit that cannot be computed from the input (no published count, bad confidence level, ...)."""


@dataclass(frozen=True)
class PublishedCount:
    """One published selection: counts, background and uncertainties (see the data file for sources)."""

    name: str
    description: str
    source: str
    flag: str
    statistic: str  # "poisson_gauss" or "chi2_1812"
    n_observed: float
    background: float
    background_sigma: float = 0.0  # absolute (poisson_gauss)
    nu_e: float = 0.0  # chi2_1812: SM nu-e events scaling with the flux nuisance
    flux_sigma_rel: float = 0.0  # chi2_1812
    background_sigma_rel: float = 0.0  # chi2_1812 nominal
    background_sigma_rel_variant: float | None = None  # chi2_1812 variant (e.g. 100 %)
    default_method: str = "cls"
    experiments: tuple[str, ...] = ()  # experiments (registry names) whose ``selected`` total is this selection
    kind: str = "published"  # "published" (an observed count) or "sensitivity" (a projected search, e.g. zero background)


def published_counts() -> dict[str, PublishedCount]:
    """All selections of ``gen/data/limits/published_counts.toml`` by name."""
    with _DATA.open("rb") as fh:
        data = tomllib.load(fh)
    out = {}
    for name, t in data.items():
        if not isinstance(t, dict):
            continue
        t = dict(t)
        t["experiments"] = tuple(t.get("experiments", ()))
        if t.get("kind", "published") not in KINDS:
            raise LimitError(f"{_DATA.name} [{name}] kind = {t['kind']!r}: allowed {', '.join(KINDS)}")
        out[name] = PublishedCount(name=name, **t)
    return out


def published_count(name: str) -> PublishedCount:
    """The published selection ``name``; ``LimitError`` (one line, names the key) when there is none."""
    counts = published_counts()
    if name not in counts:
        raise LimitError(f"limit experiment = {name!r}: no published count in hnlgen "
                         f"(gen/data/limits/published_counts.toml); available: {', '.join(sorted(counts))}")
    return counts[name]


def check_cl(cl: float) -> float:
    if not any(abs(float(cl) - c) < 1e-12 for c in ALLOWED_CL):
        raise LimitError(f"confidence level = {cl!r}: allowed 0.90 or 0.95")
    return float(cl)


# ---------------------------------------------------------------------------------------------------------
# Poisson x Gaussian background


def _marginal_cdf(n_obs: int, s: float, b0: float, sb: float, nodes: int = 2001) -> float:
    """P(N <= n_obs | s + b) averaged over b ~ Gauss(b0, sb) truncated at b >= 0 (trapezoid on +-8 sigma)."""
    if sb <= 0:
        return float(stats.poisson.cdf(n_obs, s + b0))
    lo = max(0.0, b0 - 8 * sb)
    b = np.linspace(lo, b0 + 8 * sb, nodes)
    w = np.exp(-0.5 * ((b - b0) / sb) ** 2)
    return float(np.trapezoid(stats.poisson.cdf(n_obs, s + b) * w, b) / np.trapezoid(w, b))


def _profile_b(n: float, s: float, b0: float, sb: float) -> float:
    """b maximising Poisson(n|s+b) Gauss(b|b0,sb) at fixed s (root of u^2 + (sb^2 - s - b0) u - n sb^2 = 0, u = s+b)."""
    if sb <= 0:
        return b0
    c = sb * sb - s - b0
    u = 0.5 * (-c + math.sqrt(c * c + 4.0 * n * sb * sb))
    return max(u - s, 0.0)


def _loglik(n: float, s: float, b: float, b0: float, sb: float) -> float:
    mu = s + b
    ll = -mu + (n * math.log(mu) if n > 0 else 0.0)
    if sb > 0:
        ll -= 0.5 * ((b - b0) / sb) ** 2
    return ll


def poisson_gauss_upper_limit(n_obs: int, background: float, background_sigma: float, cl: float = 0.95,
                              method: str = "cls", two_sided: bool = False) -> float:
    """Upper limit on the signal S (events) for ``n_obs`` observed over ``background`` +- ``background_sigma``.

    Methods in the module docstring; reference values for 95 observed over 69.7 +- 17.3 at 95 % CL
    (notes section 5.3, computed independently): cls 60.1, splusb 59.1, profile 58.2 (one-sided) /
    64.5 (two-sided), gauss 58.0.
    """
    cl = check_cl(cl)
    if method not in METHODS:
        raise LimitError(f"method = {method!r}: allowed {', '.join(METHODS)}")
    n, b0, sb = int(n_obs), float(background), float(background_sigma)
    if n < 0 or not (math.isfinite(b0) and b0 >= 0) or not (math.isfinite(sb) and sb >= 0):
        raise LimitError(f"counts n_obs = {n_obs!r}, background = {background!r} +- {background_sigma!r}: "
                         "need n_obs >= 0, background >= 0 and sigma >= 0, finite")
    alpha = 1.0 - cl
    hi = max(10.0, n + 10 * math.sqrt(n + 1) + 10 * sb)
    if method == "gauss":
        return float(n - b0 + stats.norm.ppf(cl) * math.sqrt(n + sb * sb))
    if method in ("cls", "splusb"):
        clb = _marginal_cdf(n, 0.0, b0, sb)

        def f(s):
            p = _marginal_cdf(n, s, b0, sb)
            return (p / clb if method == "cls" else p) - alpha
        if f(0.0) <= 0:
            return 0.0
        return float(optimize.brentq(f, 0.0, hi, xtol=1e-6))
    # profile likelihood
    s_hat = max(n - b0, 0.0)
    l_max = _loglik(n, s_hat, b0 if s_hat > 0 else _profile_b(n, 0.0, b0, sb), b0, sb)
    crit = stats.chi2.ppf(cl if two_sided else 2 * cl - 1, 1)

    def q(s):
        return -2.0 * (_loglik(n, s, _profile_b(n, s, b0, sb), b0, sb) - l_max) - crit
    return float(optimize.brentq(q, s_hat, hi, xtol=1e-6))


# ---------------------------------------------------------------------------------------------------------
# rate-only chi2 of arXiv:1812.08768


def chi2_1812(signal, n_observed: float, nu_e: float, background: float, flux_sigma_rel: float,
              background_sigma_rel: float):
    """chi2(S) minimised over the flux (a) and background (b) nuisances in closed form (module docstring)."""
    s = np.asarray(signal, dtype=float)
    d, sa, sb = float(n_observed), float(flux_sigma_rel), float(background_sigma_rel)
    r0 = d - s - nu_e - background  # residual at a = b = 0
    t = s + nu_e + background  # d residual / d a = -t ; d residual / d b = -background
    # normal equations of  (r0 - a t - b B)^2 / d + a^2/sa^2 + b^2/sb^2
    a11 = t * t / d + 1.0 / sa**2
    a12 = t * background / d
    a22 = background**2 / d + 1.0 / sb**2
    y1 = t * r0 / d
    y2 = background * r0 / d
    det = a11 * a22 - a12 * a12
    a = (a22 * y1 - a12 * y2) / det
    b = (a11 * y2 - a12 * y1) / det
    r = r0 - a * t - b * background
    return r * r / d + (a / sa) ** 2 + (b / sb) ** 2


def chi2_1812_upper_limit(pc: PublishedCount, cl: float = 0.95, variant: bool = False) -> float:
    """S where chi2_1812(S) reaches chi2_2dof^{-1}(CL) (4.61 at 90 %, 5.99 at 95 %); ``variant`` uses the
    alternative background uncertainty (MINERvA: 100 %)."""
    cl = check_cl(cl)
    sbr = pc.background_sigma_rel_variant if variant else pc.background_sigma_rel
    if sbr is None:
        raise LimitError(f"limit experiment = {pc.name!r}: has no background-uncertainty variant")
    crit = stats.chi2.ppf(cl, 2)
    args = (pc.n_observed, pc.nu_e, pc.background, pc.flux_sigma_rel, sbr)
    if float(chi2_1812(0.0, *args)) >= crit:
        raise LimitError(f"limit experiment = {pc.name!r}: the background-only chi2 already exceeds {crit:.2f}; "
                         "no signal limit can be set")
    hi = 1.0
    while float(chi2_1812(hi, *args)) < crit:
        hi *= 2.0
        if hi > 1e12:
            raise LimitError(f"limit experiment = {pc.name!r}: chi2 saturates below {crit:.2f} at {cl:.0%} CL; "
                             "no signal limit can be set")
    return float(optimize.brentq(lambda s: float(chi2_1812(s, *args)) - crit, 0.0, hi, xtol=1e-6))


def chi2_1812_scale_limit(selections, signals, cl: float = 0.95, variant: bool = False) -> float:
    """Scale k of the signals where sum_i chi2_1812_i(k S_i) reaches chi2_2dof^{-1}(CL) (events scale as k).

    The chi2 of several selections summed, each with its own nuisances, as arXiv:1812.08768 combined
    CHARM-II's nu and nubar beams (the authors' plotting code adds the two chi2; notes section 5.1). With one
    selection k = chi2_1812_upper_limit / S. ``selections`` are names, ``signals`` the selected BSM events of
    each at the reference point (> 0). Returns inf if every signal is 0.
    """
    cl = check_cl(cl)
    pcs = [published_count(n) for n in selections]
    s = np.asarray(signals, dtype=float)
    if len(pcs) != len(s) or not len(pcs):
        raise LimitError(f"selections {list(selections)!r} and signals {s.tolist()!r}: need one signal per selection")
    if not np.all(np.isfinite(s) & (s >= 0)):
        raise LimitError(f"signals = {s.tolist()!r}: must be finite and >= 0")
    for pc in pcs:
        if pc.statistic != "chi2_1812":
            raise LimitError(f"limit experiment = {pc.name!r}: statistic {pc.statistic!r} cannot be summed as a chi2")
        if variant and pc.background_sigma_rel_variant is None:
            raise LimitError(f"limit experiment = {pc.name!r}: has no background-uncertainty variant")
    if not np.any(s > 0):
        return math.inf
    crit = stats.chi2.ppf(cl, 2)

    def total(k):
        return sum(float(chi2_1812(k * si, pc.n_observed, pc.nu_e, pc.background, pc.flux_sigma_rel,
                                   pc.background_sigma_rel_variant if variant else pc.background_sigma_rel))
                   for pc, si in zip(pcs, s))
    if total(0.0) >= crit:
        raise LimitError(f"limit experiments {[pc.name for pc in pcs]!r}: the background-only chi2 already exceeds "
                         f"{crit:.2f}; no signal limit can be set")
    hi = 1.0 / float(s.max())
    while total(hi) < crit:
        hi *= 2.0
        if hi * float(s.max()) > 1e12:
            raise LimitError(f"limit experiments {[pc.name for pc in pcs]!r}: chi2 saturates below {crit:.2f}; "
                             "no signal limit can be set")
    return float(optimize.brentq(lambda k: total(k) - crit, 0.0, hi, xtol=1e-12 * hi, rtol=1e-10))


def signal_upper_limit(name: str, cl: float = 0.95, method: str | None = None, variant: bool = False) -> float:
    """Upper limit on the selected BSM events of the published selection ``name`` (events)."""
    pc = published_count(name)
    if pc.statistic == "poisson_gauss":
        return poisson_gauss_upper_limit(round(pc.n_observed), pc.background, pc.background_sigma, cl,
                                         method or pc.default_method)
    if method is not None:
        raise LimitError(f"method = {method!r}: limit experiment {name!r} uses the chi2 of arXiv:1812.08768 only")
    return chi2_1812_upper_limit(pc, cl, variant)


def exclusion(signal_totals, name: str, cl: float = 0.95, method: str | None = None, variant: bool = False):
    """(excluded mask, threshold): points whose expected selected events exceed the upper limit.

    ``signal_totals`` are the selected BSM events of ``name``'s selection per scan point, at the
    published exposure. Non-finite or negative totals are refused (a scan that could not compute a
    point must not silently count as allowed).
    """
    s = np.asarray(signal_totals, dtype=float)
    bad = ~np.isfinite(s) | (s < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise LimitError(f"signal total of point {i} = {s.flat[i]!r}: must be finite and >= 0")
    thr = signal_upper_limit(name, cl, method, variant)
    return s > thr, thr


def selection_for_experiment(experiment: str) -> PublishedCount:
    """The published selection whose count the ``selected`` total of ``experiment`` is compared with."""
    counts = published_counts()
    for pc in counts.values():
        if experiment in pc.experiments:
            return pc
    have = sorted(e for pc in counts.values() for e in pc.experiments)
    raise LimitError(f"experiment.name = {experiment!r}: no published count to set a limit with "
                     f"(gen/data/limits/published_counts.toml); experiments with one: {', '.join(have)}")


def scan_limits(rows: dict, experiment: str, umu4: float | None, cl: float = 0.95, method: str | None = None,
                variant: bool = False) -> dict:
    """Exclusion of every point of an ``hnlgen scan`` table (columns as numpy arrays in ``rows``).

    Returns the input columns plus ``S_limit`` (events), ``excluded`` (bool) and, with the card's
    ``umu4`` (|U_mu4| of the points where ``Umu4`` is not a scanned column), ``Umu4_sq_limit``: the
    |U_mu4|^2 at which the point's selected total reaches the limit, by linear scaling,
    |U_mu4|^2_lim = |U_mu4|^2 S_lim / S. It holds when the selected total is proportional to
    |U_mu4|^2 (production through the mixing; N decay prompt and its branching ratios set by
    alpha_D |U_D4|^2, as for the light-Z' benchmark: tests/gen/test_limits.py checks it against a
    regenerated point), as 1812.08768 used it (notes sec. 5.1).
    """
    pc = selection_for_experiment(experiment)
    if "selected" not in rows:
        raise LimitError("scan table: no 'selected' column (not an hnlgen scan table)")
    sel = np.asarray(rows["selected"], dtype=float)
    if np.all(np.isnan(sel)):
        raise LimitError(f"experiment.name = {experiment!r}: the scan has no selected totals (run without a detector stage)")
    excluded, thr = exclusion(sel, pc.name, cl, method, variant)
    out = dict(rows)
    out["S_limit"] = np.full(len(sel), thr)
    out["excluded"] = excluded
    u = np.asarray(rows["Umu4"], dtype=float) if "Umu4" in rows else (None if umu4 is None else np.full(len(sel), float(umu4)))
    if u is not None:
        with np.errstate(divide="ignore"):
            out["Umu4_sq_limit"] = np.where(sel > 0, u * u * thr / np.where(sel > 0, sel, 1.0), np.inf)
    return out
