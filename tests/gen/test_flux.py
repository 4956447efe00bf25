"""gen.core.flux: reading the packaged MiniBooNE flux, integrals, and the E_nu samplers."""

from importlib import resources

import numpy as np
import pytest
from scipy import stats

from gen.card import parse_card
from gen.core.flux import (
    energy_sampling_table,
    flux_for_experiment,
    histogram_density,
    load_flux,
    sample_histogram_array,
)
from gen.experiments import get_experiment


def _flux(name="miniboone_fhc"):
    card = parse_card({"schema_version": 1, "model": {"m4": 0.42, "mzprime": 0.03, "Umu4": 1e-3, "UD4": 1.0, "alphaD": 0.25, "epsilon": 1e-4},
                       "experiment": {"name": name}})
    return flux_for_experiment(get_experiment(card))


def test_packaged_flux_reads_and_integrates():
    f = _flux()
    assert f.edges[0] == 0.0 and f.edges[-1] == pytest.approx(10.0) and len(f.edges) == 201
    # integral = sum of the numu column (bins are 50 MeV wide, the file's unit is per 50 MeV)
    res = resources.files("gen").joinpath("data", "flux", "MiniBooNE_nu_mode_flux.dat")
    raw = np.loadtxt(str(res))
    assert f.integrated("numu") == pytest.approx(raw[:, 2].sum(), rel=1e-12)
    assert f.integrated("nuebar") == pytest.approx(raw[:, 5].sum(), rel=1e-12)
    # MiniBooNE neutrino mode: 5.19e-10 numu / cm^2 / POT, <E> about 0.8 GeV (arXiv:0806.1449 table)
    assert f.integrated("numu") == pytest.approx(5.19e-10, rel=0.01)
    assert 0.75 < f.mean_energy("numu") < 0.85
    rhc = _flux("miniboone_rhc")
    assert rhc.integrated("numubar") > rhc.integrated("numu")
    with pytest.raises(ValueError, match="not in the flux"):
        f.integrated("nutau")


def test_energy_sampling_matches_flux_chi2():
    f = _flux()
    cdf = f.cdf("numu")
    u = np.random.default_rng(20181).random(200_000)
    E = sample_histogram_array(u, f.edges, cdf)
    obs, _ = np.histogram(E, f.edges)
    exp = len(E) * np.diff(cdf)
    keep = exp > 20  # chi2 approximation valid; the tail bins are merged below
    chi2 = ((obs[keep] - exp[keep]) ** 2 / exp[keep]).sum()
    tail_o, tail_e = obs[~keep].sum(), exp[~keep].sum()
    chi2 += (tail_o - tail_e) ** 2 / tail_e
    ndf = keep.sum()  # (keep.sum() + 1 cells) - 1
    assert stats.chi2.sf(chi2, ndf) > 1e-3
    # within one bin the density is flat: inverse CDF is linear
    assert np.all(np.diff(sample_histogram_array(np.linspace(cdf[30], cdf[31], 5)[:-1], f.edges, cdf)) > 0)
    np.testing.assert_array_equal(E[:50], sample_histogram_array.py_func(u[:50], f.edges, cdf))


def test_histogram_density_normalised():
    f = _flux()
    cdf = f.cdf("nue")
    x = np.linspace(0, 10, 200_001)[:-1] + 2.5e-5
    d = np.array([histogram_density(v, f.edges, cdf) for v in x])
    assert d.sum() * 5e-5 == pytest.approx(1.0, rel=1e-6)
    assert histogram_density(-1.0, f.edges, cdf) == 0.0 and histogram_density(10.0, f.edges, cdf) == 0.0


def test_energy_sampling_table_importance():
    f = _flux()
    edges, cdf, tot = energy_sampling_table(f, "numu", lambda E: np.ones_like(E), n_sub=4)
    assert tot == pytest.approx(f.integrated("numu"), rel=1e-12)
    np.testing.assert_allclose(cdf[:-1:4], f.cdf("numu"), atol=1e-12)
    assert len(edges) == 200 * 4 + 2 and edges[-1] == edges[-2]  # padded, zero-width last bin
    # a threshold is inserted as an edge: zero density below, non-zero just above
    thr = 0.5123
    edges, cdf, tot = energy_sampling_table(f, "numu", lambda E: np.where(E > thr, E - thr, 0.0), n_sub=4, threshold=thr)
    i = int(np.flatnonzero(edges == thr)[0])
    assert cdf[i] == 0.0 and cdf[i + 1] > 0.0
    E = sample_histogram_array(np.random.default_rng(1).random(10_000), edges, cdf)
    assert E.min() >= thr


def test_custom_flux_file(tmp_path):
    p = tmp_path / "flux.dat"
    p.write_text("# Elo Ehi numu\n0.0 0.1 1e-12\n0.1 0.2 3e-12\n")
    f = load_flux(p, {"numu": 2})
    assert f.integrated("numu") == pytest.approx(2 * 4e-12)  # 100-MeV bins: 2 x (per 50 MeV)
    p.write_text("0.0 0.1 1e-12\n0.2 0.3 3e-12\n")
    with pytest.raises(ValueError, match="contiguous"):
        load_flux(p, {"numu": 2})
