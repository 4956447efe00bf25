"""MINERvA and CHARM-II single-shower responses (detectors.nue_elastic.response) against closed forms and numpy."""

import math

import numpy as np
import pytest

from detectors.nue_elastic import response as ne
from physics import constants as const

M_E = const.m_e


def _no_smearing(cfg):
    return cfg._replace(sigma_E_stochastic=0.0, sigma_E_constant=0.0, sigma_theta_rad=0.0, dEdx_sigma=0.0)


def _pair_from_zprime(E_Z, theta_Z, m_Z, cos_star, phi_star=0.3):
    """e+ e- of a Z' (energy E_Z, polar angle theta_Z, azimuth 0) decaying at rest-frame angle cos_star."""
    n = len(E_Z)
    pz = np.sqrt(E_Z**2 - m_Z**2)
    d = np.column_stack([np.sin(theta_Z), np.zeros(n), np.cos(theta_Z)])
    # rest frame
    pstar = np.sqrt(m_Z**2 / 4 - M_E**2)
    sin_star = np.sqrt(1 - cos_star**2)
    e1 = np.column_stack([np.cos(theta_Z), np.zeros(n), -np.sin(theta_Z)])
    e2 = np.cross(d, e1)
    k = pstar * (cos_star[:, None] * d + sin_star[:, None] * (math.cos(phi_star) * e1 + math.sin(phi_star) * e2))
    gamma, bg = E_Z / m_Z, pz / m_Z
    k_par = (k * d).sum(1)
    out = []
    for sign in (1, -1):
        kp = sign * k
        kpar = sign * k_par
        Ep = m_Z / 2
        E_lab = gamma * Ep + bg * kpar
        p_lab = kp + ((gamma - 1) * kpar + bg * Ep)[:, None] * d
        out.append(np.column_stack([p_lab, E_lab]))
    return out[0], out[1]


def test_E_theta2_of_a_collimated_pair_is_that_of_the_zprime():
    """Momentum conservation: without smearing the shower direction is the Z' direction, E the Z' energy."""
    rng = np.random.default_rng(1)
    n = 200
    E_Z = rng.uniform(1.0, 10.0, n)
    theta_Z = rng.uniform(0.0, 0.05, n)
    pm, pp = _pair_from_zprime(E_Z, theta_Z, 0.030, rng.uniform(-1, 1, n))
    reco = ne.reconstruct_nue(pm, pp, np.ones(n), np.zeros(n, int), _no_smearing(ne.MINERVA), np.zeros((n, 4)))
    np.testing.assert_allclose(reco["E_shower"], E_Z, rtol=1e-12)
    np.testing.assert_allclose(reco["theta_shower"], theta_Z, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(reco["E_theta2"], E_Z * theta_Z**2, rtol=1e-5, atol=1e-12)
    # opening angle of a decay transverse in the rest frame (cos* = 0): each lepton has p_T = p* and
    # p_par = p_Z / 2, so tan(theta_ee / 2) = 2 p* / p_Z (= m_Z / p_Z for massless leptons)
    pm, pp = _pair_from_zprime(E_Z, theta_Z, 0.030, np.zeros(n))
    reco = ne.reconstruct_nue(pm, pp, np.ones(n), np.zeros(n, int), _no_smearing(ne.MINERVA), np.zeros((n, 4)))
    expect = 2 * np.degrees(np.arctan(2 * np.sqrt(0.030**2 / 4 - M_E**2) / np.sqrt(E_Z**2 - 0.030**2)))
    np.testing.assert_allclose(reco["theta_ee"], expect, rtol=1e-9)


def _two_electrons(opening_deg, E1=2.0, E2=2.0, theta0=0.0):
    """Two massless-ish electrons in the x-z plane, symmetric about polar angle theta0, opening angle given."""
    a = np.radians(np.atleast_1d(opening_deg)) / 2
    n = a.size
    out = []
    for s, E in ((1, E1), (-1, E2)):
        t = theta0 + s * a
        p = np.sqrt(E**2 - M_E**2)
        out.append(np.column_stack([p * np.sin(t), np.zeros(n), p * np.cos(t), np.full(n, E)]))
    return out


@pytest.mark.parametrize(("cfg", "merge"), [(ne.MINERVA, 8.0), (ne.CHARM2, 4.0)])
def test_shower_count_and_dEdx_classification_at_given_opening_angles(cfg, merge):
    angles = np.array([1.0, merge - 0.1, merge + 0.1, 20.0])
    pm, pp = _two_electrons(angles)
    n = len(angles)
    reco = ne.reconstruct_nue(pm, pp, np.ones(n), np.zeros(n, int), _no_smearing(cfg), np.zeros((n, 4)))
    np.testing.assert_array_equal(reco["n_showers"], [1, 1, 2, 2])
    if cfg.dEdx_cut > 0:  # MINERvA: 2 MIP while the two tracks share the first planes, else 1 MIP
        np.testing.assert_allclose(reco["dEdx_start"], [6.0, 6.0, 3.0, 3.0])
    else:
        assert np.all(np.isnan(reco["dEdx_start"]))
    # an asymmetric pair (softer lepton below 30 MeV) is one shower whatever the angle
    pm, pp = _two_electrons([20.0], E1=2.0, E2=0.020)
    reco = ne.reconstruct_nue(pm, pp, np.ones(1), np.zeros(1, int), _no_smearing(cfg), np.zeros((1, 4)))
    assert reco["n_showers"][0] == 1


def test_dEdx_smearing_gives_the_90_percent_of_both_sources():
    """1 MIP below and 2 MIP above 4.5 MeV/1.7cm with probability Phi(1.5/sigma) = 0.90 (module docstring)."""
    from scipy.stats import norm

    p = norm.cdf((ne.MINERVA.dEdx_cut - ne.MINERVA.dEdx_mip) / ne.MINERVA.dEdx_sigma)
    assert p == pytest.approx(0.90, abs=1e-4)
    n = 200_000
    rng = np.random.default_rng(5)
    pm, pp = _two_electrons(np.full(n, 2.0), theta0=0.0)  # overlapping, forward: region 1 or 2 by dE/dx only
    cfg = ne.MINERVA._replace(sigma_E_stochastic=0.0, sigma_E_constant=0.0, sigma_theta_rad=0.0)
    reco = ne.reconstruct_nue(pm, pp, np.ones(n), np.zeros(n, int), cfg, rng.standard_normal((n, 4)))
    frac = np.mean(reco["region"] == 2)
    assert frac == pytest.approx(0.90, abs=5 * math.sqrt(0.09 / n))  # 5 sigma of the binomial error


def test_efficiency_factors_and_selected_weight():
    n = 3
    pm, pp = _two_electrons(np.full(n, 1.0))
    for cfg, eff in ((ne.MINERVA, 0.73), (ne.CHARM2, 0.76)):
        w = np.array([1.0, 2.0, 3.0])
        reco = ne.reconstruct_nue(pm, pp, w, np.array([0, 1, 0]), _no_smearing(cfg), np.zeros((n, 4)))
        np.testing.assert_allclose(reco["w_efficiency"], eff)
        # event 1 is not coherent: never selected (1812.08768 keeps only coherent BSM events)
        np.testing.assert_allclose(reco["weight_selected"], w * eff * reco["passes_selection"])
        assert not reco["passes_selection"][1]


def _numpy_regions(pm, pp, regime, z, cfg):
    """Independent numpy implementation of the regions (no numba), for the comparison test."""
    E = pm[:, 3] + pp[:, 3]
    Er = E * (1 + (cfg.sigma_E_stochastic / np.sqrt(E) + cfg.sigma_E_constant) * z[:, 0])
    s = pm[:, :3] + pp[:, :3]
    d = s / np.linalg.norm(s, axis=1)[:, None]
    # Gaussian kick in the basis of detectors.common.smearing: e1 = d x a / |d x a| with a = x (d within 26 deg of z)
    # else z, e2 = d x e1
    a_axis = np.where((np.abs(d[:, 2]) < 0.9)[:, None], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0])
    e1 = np.cross(d, a_axis)
    e1 /= np.linalg.norm(e1, axis=1)[:, None]
    e2 = np.cross(d, e1)
    t = cfg.sigma_theta_rad * z[:, 1:3]
    a = np.linalg.norm(t, axis=1)
    r = np.cos(a)[:, None] * d + (np.sin(a) / a)[:, None] * (t[:, :1] * e1 + t[:, 1:2] * e2)
    th = np.arccos(np.clip(r[:, 2], -1, 1))
    et2 = Er * th**2
    op = np.degrees(np.arccos(np.clip((pm[:, :3] * pp[:, :3]).sum(1) / np.linalg.norm(pm[:, :3], axis=1)
                                      / np.linalg.norm(pp[:, :3], axis=1), -1, 1)))
    overlap = op < cfg.merge_angle_deg
    soft = np.minimum(pm[:, 3], pp[:, 3]) - M_E < cfg.E_lepton_min_GeV
    one = (overlap | soft) & (regime == 0) & (Er >= cfg.E_min_GeV) & (Er < cfg.E_max_GeV)
    region = np.zeros(len(E), int)
    if cfg.dEdx_cut > 0:
        dedx = cfg.dEdx_mip * np.where(overlap, 2.0, 1.0) + cfg.dEdx_sigma * z[:, 3]
        region[one & (et2 < cfg.Etheta2_signal_max)] = np.where(dedx < cfg.dEdx_cut, 1, 2)[one & (et2 < cfg.Etheta2_signal_max)]
    else:
        region[one & (et2 < cfg.Etheta2_signal_max)] = 1
        region[one & (et2 >= cfg.Etheta2_sideband_min) & (et2 < cfg.Etheta2_sideband_max)] = 2
    return region


@pytest.mark.parametrize("cfg", [ne.MINERVA, ne.CHARM2])
def test_selection_counts_match_a_direct_numpy_computation(cfg):
    rng = np.random.default_rng(11)
    n = 20_000
    E_Z = rng.uniform(0.5, 25.0, n)
    theta_Z = np.abs(rng.normal(0, 0.06, n)) + 1e-4
    pm, pp = _pair_from_zprime(E_Z, theta_Z, 0.030, rng.uniform(-1, 1, n))
    regime = rng.integers(0, 2, n)
    w = rng.uniform(0.5, 1.5, n)
    z = rng.standard_normal((n, 4))
    reco = ne.reconstruct_nue(pm, pp, w, regime, cfg, z)
    region = _numpy_regions(pm, pp, regime, z, cfg)
    # identical up to events within rounding of a cut edge (none expected at this n)
    assert np.sum(reco["region"] != region) == 0
    assert np.count_nonzero(reco["region"] == 1) > 100 and np.count_nonzero(reco["region"] == 2) > 100
    sel = w * cfg.efficiency * (region == cfg.counted_region)
    tot, err = ne.selected_total(reco)
    assert tot == pytest.approx(sel.sum(), rel=1e-12)
    assert err == pytest.approx(math.sqrt((sel**2).sum() - sel.sum() ** 2 / n), rel=1e-9)
    # reweighted totals: new weights through the same selection
    w2 = 3.0 * w
    assert ne.selected_total(reco, weights=w2)[0] == pytest.approx(3.0 * tot, rel=1e-12)


def test_charm2_library_experiment_exposure_and_target():
    """547 t glass with <A> = 20.7 from O16 + Si28, and 2.5e19 POT split 1.69 : 1 (notes section 2)."""
    from gen.experiments import experiment_info, library_experiment

    fhc, rhc = library_experiment("charm2_fhc"), library_experiment("charm2_rhc")
    assert fhc.pot + rhc.pot == pytest.approx(2.5e19, rel=1e-12)
    assert fhc.pot / rhc.pot == pytest.approx(1.69, rel=1e-12)
    for exp in (fhc, rhc):
        mass_t = sum(t.mass_g for t in exp.targets) / 1e6
        assert mass_t == pytest.approx(547.0, abs=1e-6)
        n_nuclei = sum(t.n_nuclei for t in exp.targets)
        mean_A = sum(t.n_nuclei * t.A for t in exp.targets) / n_nuclei
        assert mean_A == pytest.approx(20.7, abs=1e-3)
        assert exp.flux_norm == 1e-4
        assert experiment_info(exp.name).detector_response == "charm2_nue"
    assert experiment_info("minerva_le_fhc").detector_response == "minerva_nue"
