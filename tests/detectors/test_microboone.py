"""detectors.microboone.response (MicroBooNE e+e- response) against closed forms; the stage and its dispatch."""

import math

import numpy as np
import pytest

from detectors.microboone import response as ub

ME = 0.51099895e-3


def _pair(E, theta_ee_deg, axis_deg=0.0, asym=0.5):
    """e- and e+ four-momenta with energies asym*E, (1-asym)*E, opening angle theta_ee in the x-z plane,
    the e- at axis_deg + theta/2 and the e+ at axis_deg - theta/2 from +z."""
    out = []
    for f, sgn in ((asym, 1), (1 - asym, -1)):
        e = f * E
        p = math.sqrt(e * e - ME * ME)
        a = math.radians(axis_deg + sgn * theta_ee_deg / 2)
        out.append([p * math.sin(a), 0.0, p * math.cos(a), e])
    return np.array([out[0]]), np.array([out[1]])


CENTRE = np.array([[128.0, 0.0, 500.0]])
NO_SMEAR = ub.MicroBooNEConfig(energy_stochastic=0.0, energy_noise_GeV=0.0, angular_resolution_deg=0.0)


def _reco(em, ep, vtx=CENTRE, regime=0, cfg=NO_SMEAR):
    n = len(em)
    return ub.reconstruct(em, ep, np.repeat(vtx, n, axis=0) if len(vtx) == 1 else vtx, np.full(n, regime),
                          np.ones(n), np.zeros((n, 3)), cfg)


def test_active_mass_and_fiducial_volume_closed_forms():
    v = 256.35 * 233.0 * 1036.8
    assert ub.active_mass_t() == pytest.approx(v * 1.3954e-6, rel=1e-12)
    assert ub.active_mass_t() == pytest.approx(86.4, abs=0.05)  # 85 t in arXiv:2502.06091 (2 %)
    assert ub.fiducial_volume_cm3(10.0) == pytest.approx(236.35 * 213.0 * 1016.8, rel=1e-12)


@pytest.mark.parametrize("theta, n_sh, dedx", [(5.0, 1, 2.0), (14.9, 1, 2.0), (15.1, 2, 1.0), (40.0, 2, 1.0)])
def test_merging_angle(theta, n_sh, dedx):
    em, ep = _pair(0.6, theta)
    r = _reco(em, ep)
    assert r["theta_ee"][0] == pytest.approx(theta, abs=1e-9)  # opening angle from the momenta
    assert r["n_showers"][0] == n_sh and r["dedx_start_mip"][0] == dedx
    assert bool(ub.merged(theta, 15.0)) == (n_sh == 1)


def test_merged_pair_energy_and_angle_exact_without_smearing():
    em, ep = _pair(0.8, 6.0, axis_deg=10.0)
    r = _reco(em, ep)
    assert r["E_vis"][0] == pytest.approx(0.8, rel=1e-12)
    # symmetric pair: the summed momentum points along the axis
    assert r["theta_beam"][0] == pytest.approx(10.0, abs=1e-9)
    assert r["passes_selection"][0] and r["w_efficiency"][0] == 0.25
    assert r["weight_selected"][0] == pytest.approx(0.25)


def test_soft_lepton_below_threshold_is_one_single_electron_shower():
    em, ep = _pair(0.5, 40.0, asym=0.05)  # e- 25 MeV total -> kinetic below 30 MeV
    r = _reco(em, ep)
    assert r["n_showers"][0] == 1 and r["dedx_start_mip"][0] == 1.0
    assert r["E_vis"][0] == pytest.approx(0.475, rel=1e-12)


@pytest.mark.parametrize("vtx, fid", [([[5.0, 0, 500]], False), ([[11.0, 0, 500]], True), ([[128, 110, 500]], False),
                                      ([[128, 0, 1030.0]], False), ([[128, 0, 10.5]], True)])
def test_fiducial_border(vtx, fid):
    em, ep = _pair(0.6, 5.0)
    r = _reco(em, ep, vtx=np.array(vtx, dtype=float))
    assert bool(r["in_fiducial"][0]) == fid and bool(r["passes_selection"][0]) == fid


def test_selection_cuts():
    em, ep = _pair(0.6, 5.0, axis_deg=30.0)
    assert not _reco(em, ep)["passes_selection"][0]  # primary shower beyond 25 deg
    em, ep = _pair(2.0, 5.0)
    assert not _reco(em, ep)["passes_selection"][0]  # E_vis above 1.6 GeV
    em, ep = _pair(0.6, 5.0)
    assert not _reco(em, ep, regime=1)["passes_selection"][0]  # p-el: not coherent
    z = np.zeros((1, 4))
    r = _reco(z, z)
    assert r["n_showers"][0] == 0 and not r["passes_selection"][0]


def test_energy_smearing_width():
    n = 200000
    em, ep = _pair(0.49, 5.0)
    em, ep = np.repeat(em, n, 0), np.repeat(ep, n, 0)
    normals = np.random.default_rng(1).standard_normal((n, 3))
    cfg = ub.MicroBooNEConfig()
    r = ub.reconstruct(em, ep, np.repeat(CENTRE, n, 0), np.zeros(n), np.ones(n), normals, cfg)
    sigma = 0.12 * math.sqrt(0.49) + 0.01  # 0.094 GeV
    # MC error of a standard deviation: sigma / sqrt(2n) = 1.5e-4
    assert np.std(r["E_vis"]) == pytest.approx(sigma, abs=1e-3)
    assert np.mean(r["E_vis"]) == pytest.approx(0.49, abs=1e-3)


def test_registry_dispatch_and_final_state_refusal():
    from gen import experiments as E

    assert E.experiment_info("microboone").detector_response == "microboone_epem"
    assert E.experiment_info("microboone_tpc").detector_response == "microboone_epem"
    assert "microboone_epem" in E.DETECTOR_RESPONSES


def test_card_with_invisible_final_state_exits_2(capsys):
    from pathlib import Path

    from gen.cli.app import main

    card = Path(__file__).parents[1] / "cards" / "bad_microboone_final_state.toml"
    assert main(["check", str(card)]) == 2
    err = capsys.readouterr().err
    assert "process.final_state = 'mu+mu-'" in err and "MicroBooNE" in err and "Traceback" not in err


def _synthetic_truth(n, seed=3):
    import awkward as ak

    g = np.random.default_rng(seed)
    e = g.uniform(0.1, 1.5, n)
    th = np.radians(g.uniform(0, 30, n))
    def p4(s):
        return ak.zip({"px": e / 2 * np.sin(s * th), "py": np.zeros(n), "pz": e / 2 * np.cos(th), "E": e / 2})
    return ak.zip({"event": np.arange(n), "weight": np.ones(n), "regime": g.integers(0, 3, n).astype(np.int32),
                   "ell_minus": p4(1), "ell_plus": p4(-1), "ell_minus_pdg": np.full(n, 11), "ell_plus_pdg": np.full(n, -11),
                   "ell_vertex": ak.zip({"x": np.zeros(n), "y": np.zeros(n), "z": np.zeros(n)})}, depth_limit=1)


def test_stage_independent_of_chunking_and_mass_factor():
    import types

    import awkward as ak

    from gen.card import load_card
    from gen.core.rng import BLOCK_SIZE
    from gen.stages.microboone import MicroBooNEEpemStage

    card = load_card("cards/microboone_light_zprime.toml")
    setup = types.SimpleNamespace(card=card)
    truth = _synthetic_truth(BLOCK_SIZE + 3000)
    whole = MicroBooNEEpemStage(setup, 11).apply(truth)
    st = MicroBooNEEpemStage(setup, 11)
    parts = ak.concatenate([st.apply(truth[:BLOCK_SIZE]), st.apply(truth[BLOCK_SIZE:])])
    for k in ("E_vis", "theta_beam", "weight_selected", "w_fiducial"):
        assert np.array_equal(ak.to_numpy(whole[k]), ak.to_numpy(parts[k]), equal_nan=True)
    # w_fiducial = active / cryostat mass where the vertex is fiducial; the fiducial fraction is the volume ratio
    wf = ak.to_numpy(whole.w_fiducial)
    f = ub.active_mass_t() / 170.0
    assert set(np.unique(wf)) <= {0.0, f}
    frac = np.mean(wf > 0)
    expect = ub.fiducial_volume_cm3(10.0) / ub.fiducial_volume_cm3(0.0)  # 0.826
    assert frac == pytest.approx(expect, abs=4 * math.sqrt(expect * (1 - expect) / len(wf)))


def test_reweighted_microboone_file_matches_regenerated_point(tmp_path, capsys):
    """hnlgen reweight of a MicroBooNE file to |U_mu4|^2 / 4 redoes the e+e- stage; its selected total agrees with a
    sample generated at that point (and with the linear scaling the limits use)."""
    import json

    import awkward as ak

    from gen.card import load_card
    from gen.cli.app import main
    from gen.sources.upscattering import generate

    card = load_card("cards/microboone_light_zprime.toml")
    f = tmp_path / "ub.root"
    assert main(["run", "cards/microboone_light_zprime.toml", "-n", "3000", "--seed", "5", "-o", str(f), "--json"]) == 0
    base = json.loads(capsys.readouterr().out)["expected_events"]["selected"]
    u_new = card.model.Umu4 / 2
    assert main(["reweight", str(f), "--set", f"Umu4={u_new!r}", "-o", str(tmp_path / "rw.root"), "--json"]) == 0
    rw = json.loads(capsys.readouterr().out)
    card2 = card.model_copy(update={"model": card.model.model_copy(update={"Umu4": u_new})})
    w = ak.to_numpy(generate(card2, n_events=3000, seed=6, reconstruct=True).weight_selected)
    regen, regen_err = w.sum(), np.sqrt((w * w).sum())
    assert rw["selected"] == pytest.approx(base / 4, rel=0.01)  # same events: only the production weight changes
    assert rw["selected"] == pytest.approx(regen, abs=3 * math.hypot(rw["selected_error"], regen_err))
