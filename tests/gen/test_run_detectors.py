"""``hnlgen run`` with the detector modules: MiniBooNE reco branches and histograms, NA62 runs, custom
experiments, ``hnlgen plot`` (issues 5 and 6)."""

import json
import tomllib
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot

from detectors.miniboone.response import RECO_BRANCHES, read_histograms
from detectors.na62 import response as na62
from detectors.output.root import read_events, read_metadata
from gen.card import CardError, card_to_toml, load_card, parse_card, resolved_card_dict
from gen.cli.app import main
from gen.core import rng as R
from gen.sources.upscattering import generate, prepare
from physics import constants as const

ROOT = Path(__file__).resolve().parents[2]

MODEL_MB = """schema_version = 1
[model]
hnl_type = "dirac"
m4 = 0.420
mzprime = 0.030
Umu4 = 9.486832980505138e-4
UD4 = 1.0
alphaD = 0.25
alpha_epsilon2 = 2e-10
"""

CARD_MB = MODEL_MB + """[experiment]
name = "miniboone_fhc"
flavours = ["numu", "numubar"]
[process]
regimes = ["coherent", "p-el"]
helicities = ["conserving"]
[run]
events = 3000
seed = 7
"""

CARD_NA62 = """schema_version = 1
[model]
hnl_type = "dirac"
m4 = 0.300
mzprime = 0.050
Umu4 = 1.0e-5
UD4 = 1.0
gD = 0.375
chi = 1.0e-4
[experiment]
name = "na62"
[process]
final_state = "e+e-"
[run]
events = 2000
seed = 11
"""


@pytest.fixture(scope="module")
def mb_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("mbrun")
    card = d / "mb.toml"
    card.write_text(CARD_MB)
    out = d / "mb.root"
    return d, card, out


def test_miniboone_run_writes_reco_branches_histograms_and_selected(mb_run, capsys):
    d, card, out = mb_run
    assert main(["run", str(card), "-o", str(out), "--json", "--precision", "double"]) == 0
    s = json.loads(capsys.readouterr().out)["expected_events"]
    # each stage is a subset of the previous one
    assert 0 < s["selected"] <= s["in_fiducial_volume"] <= s["final_state"] <= s["upscattered"] * (1 + 1e-12)
    with uproot.open(out) as f:
        keys = set(f["events"].keys())
        assert set(RECO_BRANCHES) <= keys
        assert {"vertex_x", "vertex_y", "vertex_z", "w_fiducial"} <= keys
        assert f["events"]["E_vis"].typename == "double" and f["events"]["passes_selection"].typename == "bool"
        for h in ("h_E_QE", "h_E_vis", "h_cos_theta"):
            assert f[h].classname == "TH1D"
        keys = set(f["events"].keys())
        arr = f["events"].arrays(["weight", "w_fiducial", "weight_selected", "vertex_x", "vertex_y", "vertex_z",
                                  "passes_selection", "n_showers", "theta_ee", "m_ll", "ell_minus_E", "ell_plus_E", "cos_theta", "E_QE"],
                                 library="np")
    # one name per quantity (the fiducial probability is w_fiducial only) and neutral names (m_ll)
    assert "w_decay_fiducial" not in keys and "m_ee" not in keys and "m_ll" in keys
    r = np.sqrt(arr["vertex_x"] ** 2 + arr["vertex_y"] ** 2 + arr["vertex_z"] ** 2)
    assert r.max() <= 610.6 and r.min() >= 0  # upscattering vertices inside the oil sphere
    # no visible EM particle (Z' -> nu nu): no ring and no pair angle, not n_showers = 1, theta_ee = 90
    none = (arr["ell_minus_E"] == 0) & (arr["ell_plus_E"] == 0)
    assert none.any() and (~none).any()
    assert np.all(arr["n_showers"][none] == 0) and np.all(np.isnan(arr["theta_ee"][none]))
    assert np.all(np.isnan(arr["cos_theta"][none])) and np.all(np.isnan(arr["E_QE"][none]))
    assert not np.isnan(arr["cos_theta"][~none]).any()
    assert np.all(arr["n_showers"][~none] >= 1)
    assert np.all((arr["w_fiducial"] >= 0) & (arr["w_fiducial"] <= 1))
    assert arr["weight_selected"].sum() == pytest.approx(s["selected"], rel=1e-12)
    assert np.all(arr["weight_selected"][~arr["passes_selection"]] == 0)
    assert (arr["weight"] * arr["w_fiducial"]).sum() == pytest.approx(s["in_fiducial_volume"], rel=1e-12)
    hists = read_histograms(out)
    # E_QE histogram: every selected event has 200 <= E_QE < 3000 MeV (the histogram range)
    assert hists["h_E_QE"].values.sum() == pytest.approx(s["selected"], rel=1e-9)
    assert json.loads(read_metadata(out)["expected_events"])["errors"]["selected"] > 0
    # the truth tree reads back into the array of the Python API with the detector stage
    assert ak.array_equal(read_events(out), generate(load_card(card), reconstruct=True), equal_nan=True)


def test_miniboone_run_no_detector_is_truth_only(mb_run, capsys):
    d, card, _ = mb_run
    out = d / "truth.root"
    assert main(["run", str(card), "-o", str(out), "--json", "--precision", "double", "--no-detector"]) == 0
    s = json.loads(capsys.readouterr().out)["expected_events"]
    assert "selected" not in s
    with uproot.open(out) as f:
        assert "h_E_QE" not in {k.split(";")[0] for k in f.keys()}
    assert ak.array_equal(read_events(out), generate(load_card(card)))


def test_miniboone_reco_independent_of_chunk_size(mb_run):
    card = load_card(mb_run[1])
    n = R.BLOCK_SIZE + 700
    setup = prepare(card)
    a = generate(card, n, setup=setup, reconstruct=True)
    b = generate(card, n, setup=setup, reconstruct=True, chunk_size=1)
    assert ak.array_equal(a, b, equal_nan=True)
    assert {"E_QE", "weight_selected", "vertex"} <= set(a.fields)


def test_detector_table_reaches_the_reconstruction(tmp_path):
    # no resolving angle and no soft-lepton merging: every e+e- pair makes two rings -> nothing selected
    card = parse_card(tomllib.loads(CARD_MB + "[detector]\nresolving_angle_deg = 0.0\nsoft_shower_threshold = 0.0\n"))
    assert card.detector_config.resolving_angle_deg == 0.0
    ev = generate(card, 2000, reconstruct=True)
    visible = (ak.to_numpy(ev.ell_minus.E) > 0) | (ak.to_numpy(ev.ell_plus.E) > 0)  # not Z' -> nu nu
    assert np.all(ak.to_numpy(ev.n_showers)[visible] == 2) and np.all(ak.to_numpy(ev.n_showers)[~visible] == 0)
    assert float(ak.sum(ev.weight_selected)) == 0.0
    # the resolved card carries the whole [detector] table with the cited defaults
    d = resolved_card_dict(card)
    assert d["detector"]["resolving_angle_deg"] == 0.0 and d["detector"]["fiducial_radius_cm"] == 500.0
    again = parse_card(tomllib.loads(card_to_toml(d)))
    assert resolved_card_dict(again) == d


def test_unweighted_miniboone_keeps_reco_consistent(mb_run, capsys):
    d, card, _ = mb_run
    out = d / "unw.root"
    assert main(["run", str(card), "-o", str(out), "-n", "3000", "--unweighted", "200", "--json"]) == 0
    capsys.readouterr()
    ev = read_events(out)
    w = ak.to_numpy(ev.weight)
    expect = w * ak.to_numpy(ev.w_fiducial) * ak.to_numpy(ev.w_efficiency) * ak.to_numpy(ev.passes_selection)
    assert np.allclose(ak.to_numpy(ev.weight_selected), expect)


# --- NA62 -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def na62_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("na62run")
    card = d / "na62.toml"
    card.write_text(CARD_NA62)
    out = d / "na62.root"
    assert main(["run", str(card), "-o", str(out), "--json", "--precision", "double"]) == 0
    return d, card, out


def test_na62_run_branches_identities_and_peaks(na62_run):
    d, card, out = na62_run
    ev = read_events(out)
    assert len(ev) == 2000
    for name in ("m_ll", "m2_N", "m2_miss", "m2_lnu", "m2_lll"):
        assert name in ev.fields and f"truth_{name}" in ev.fields
    assert {"vtx_bb_z", "vtx_Ka_z", "truth_vtx_bb_z", "accepted", "weight_accepted", "K", "a", "bm", "bp"} <= set(ev.fields)
    truth = {k: ak.to_numpy(ev[f"truth_{k}"]) for k in ("m_ll", "m2_N", "m2_miss", "m2_lnu", "m2_lll")}
    # seed 004 eq. (21) on every truth event
    res = na62.eq21_residual(truth, const.m_K_charged**2, const.m_mu**2)
    assert np.max(np.abs(res)) < 1e-9
    # m_ll = m_Z' and (p_K - p_mu)^2 = m_N^2 on truth (narrow, on-shell states)
    assert np.median(truth["m_ll"]) == pytest.approx(0.050, rel=1e-6)
    assert np.median(truth["m2_N"]) == pytest.approx(0.300**2, rel=1e-6)
    assert np.max(np.abs(truth["m2_miss"])) < 1e-9
    # reconstructed peak near m_Z' for accepted events
    acc = ak.to_numpy(ev.accepted)
    assert acc.any()
    assert np.median(ak.to_numpy(ev.m_ll)[acc]) == pytest.approx(0.050, abs=2e-3)
    # exposure: N_K^Fid of Table I (di-electron stream); weights sum to the summary
    meta = read_metadata(out)
    assert float(meta["n_kaon_decays"]) == 2.14e11
    s = json.loads(meta["expected_events"])["expected_events"]
    w = ak.to_numpy(ev.weight)
    assert w.sum() == pytest.approx(s["final_state"], rel=1e-12)
    assert s["accepted"] == pytest.approx(float(np.sum(w * acc)), rel=1e-12)
    assert s["final_state"] <= s["produced"]
    cascade = json.loads(meta["model"])["na62_cascade"]
    # prompt N and Z': nearly every decay is before z = 180 m, so sum w = N_fid BR(K->mu N) BR(N->nu Z') BR(Z'->ee)
    assert w.sum() == pytest.approx(2.14e11 * cascade["br_production"] * cascade["br_N_to_nu_Zp"] * cascade["br_Zp_to_bb"], rel=0.01)
    with uproot.open(out) as f:
        for h in ("h_m_ll", "h_m2_N", "h_m2_miss", "h_m2_lnu", "h_m2_lll", "h_truth_m_ll"):
            assert f[h].classname == "TH1D"
    hist = read_histograms(out, names=("h_truth_m_ll",))["h_truth_m_ll"]
    peak = 0.5 * (hist.edges[np.argmax(hist.values)] + hist.edges[np.argmax(hist.values) + 1])
    assert peak == pytest.approx(0.050, abs=hist.edges[1] - hist.edges[0])
    # read back == Python API
    assert ak.array_equal(ev, generate(load_card(card), reconstruct=True), equal_nan=True)


def test_na62_independent_of_chunk_size(na62_run):
    card = load_card(na62_run[1])
    n = R.BLOCK_SIZE + 300
    a = generate(card, n, reconstruct=True)
    b = generate(card, n, reconstruct=True, chunk_size=1)
    assert ak.array_equal(a, b, equal_nan=True)
    # weights of the whole run: N_fid/n each block (independent of the block split)
    assert float(ak.sum(a.weight)) == pytest.approx(float(ak.sum(generate(card, 2 * n).weight)), rel=0.02)


def test_na62_card_defaults_and_round_trip():
    card = parse_card(tomllib.loads(CARD_NA62.replace('"e+e-"', '"mu+mu-"').replace("0.050", "0.250")))
    d = resolved_card_dict(card)
    assert d["experiment"] == {"name": "na62", "n_kaon_decays": 7.94e11, "parent": "K+", "production_lepton": "mu",
                               "beam_momentum": 75.0, "beam_momentum_spread": 0.01, "fiducial_z": [10500.0, 18000.0]}
    assert "detector" not in d and "regimes" not in d["process"]
    assert resolved_card_dict(parse_card(tomllib.loads(card_to_toml(d)))) == d


@pytest.mark.parametrize("name", ["na62_appendixA_ee", "na62_appendixA_mumu", "na62_light_zprime"])
def test_bundled_na62_cards_run(name, tmp_path, capsys):
    out = tmp_path / "x.root"
    assert main(["run", str(ROOT / "cards" / f"{name}.toml"), "-n", "500", "-o", str(out), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    # the summary schema of every experiment (gen.output.docs): NA62's accepted events are "selected"
    assert s["schema"] == "hnlgen.run_summary/1" and s["experiment"] == "na62"
    assert s["exposure"]["unit"].startswith("K+ decays in the fiducial volume")
    assert set(s["expected_events"]) == set(s["errors"]) == {"produced", "final_state", "selected"}
    assert s["events_generated"] == 500 and s["expected_events"]["selected"] > 0
    with uproot.open(out) as f:  # the numbers also as a one-entry TTree (no string parsing)
        run = f["run"].arrays(library="np")
        assert run["n_kaon_decays"][0] == s["exposure"]["value"] and run["events_generated"][0] == 500
        assert run["expected_selected"][0] == pytest.approx(s["expected_events"]["selected"], rel=1e-15)
        assert f["events"]["m_ll"].title.startswith("m_ll [GeV]: invariant mass")


def test_na62_cli_rejects_unweighted(na62_run, capsys):
    assert main(["run", str(na62_run[1]), "-o", str(na62_run[0] / "u.root"), "--unweighted", "10"]) == 2
    assert "not available for na62" in capsys.readouterr().err


# --- custom experiment ------------------------------------------------------------------------------


def _custom_card(flux: Path, unit: float | None = None) -> str:
    c12, h1 = 818.0 * 12 / 14, 818.0 * 2 / 14
    unit_line = f"flux_unit_bin_GeV = {unit}\n" if unit else ""
    return MODEL_MB + f"""[experiment]
name = "custom"
flux_file = "{flux}"
{unit_line}targets = [{{name = "C12", mass_t = {c12!r}}}, {{name = "H1", mass_t = {h1!r}}}]
pot = 1.875e21
baseline_cm = 54100.0
detector_radius_cm = 610.6
flavours = ["numu", "numubar"]
[process]
regimes = ["coherent", "p-el"]
helicities = ["conserving"]
[run]
events = 2000
seed = 7
"""


def test_custom_experiment_reproduces_miniboone(tmp_path):
    from importlib import resources

    flux = tmp_path / "flux.dat"
    flux.write_text(resources.files("gen").joinpath("data", "flux", "MiniBooNE_nu_mode_flux.dat").read_text())
    card_path = tmp_path / "custom.toml"
    card_path.write_text(_custom_card(Path("flux.dat")))  # relative to the card's directory
    custom = load_card(card_path)
    mb = parse_card(tomllib.loads(CARD_MB))
    a = generate(custom, 2000, seed=7)
    b = generate(mb, 2000, seed=7)
    assert float(ak.sum(a.weight)) == pytest.approx(float(ak.sum(b.weight)), rel=1e-9)
    # flux quoted per 100 MeV instead of per 50 MeV: half the neutrinos per bin
    card2 = parse_card(tomllib.loads(_custom_card(flux, unit=0.1)))
    c = generate(card2, 2000, seed=7)
    assert float(ak.sum(c.weight)) == pytest.approx(0.5 * float(ak.sum(a.weight)), rel=1e-9)
    d = resolved_card_dict(custom)
    assert d["experiment"]["targets"][0]["name"] == "C12" and "detector" not in d
    assert resolved_card_dict(parse_card(tomllib.loads(card_to_toml(d)))) == d


def test_custom_experiment_rejects_detector_table(tmp_path):
    text = _custom_card(tmp_path / "f.dat") + "[detector]\nresolving_angle_deg = 10.0\n"
    with pytest.raises(CardError, match=r"\[detector\] is not used by custom"):
        parse_card(tomllib.loads(text))


# --- hnlgen plot ------------------------------------------------------------------------------------


def test_plot_miniboone_and_na62(mb_run, na62_run, tmp_path, capsys):
    d, card, out = mb_run
    if not out.exists():
        assert main(["run", str(card), "-o", str(out)]) == 0
    png = tmp_path / "mb.png"
    assert main(["plot", str(out), "--miniboone", "-o", str(png)]) == 0
    assert png.stat().st_size > 10_000
    png2 = tmp_path / "na62.png"
    assert main(["plot", str(na62_run[2]), "-o", str(png2)]) == 0  # mode from the file's histograms
    assert png2.stat().st_size > 10_000
    capsys.readouterr()
    assert main(["plot", str(na62_run[2]), "--miniboone", "-o", str(tmp_path / "bad.png")]) == 2
    assert "hnlgen plot supports miniboone files" in capsys.readouterr().err  # gen.inputs: the file's experiment


def test_long_lived_zprime_lowers_the_fiducial_weight():
    from gen.stages.base import PROMPT_ZPRIME_CM, MiniBooNEStage

    prompt = parse_card(tomllib.loads(CARD_MB))
    slow = parse_card(tomllib.loads(CARD_MB.replace("alpha_epsilon2 = 2e-10", "alpha_epsilon2 = 2e-16")))
    setup = prepare(slow)
    stage = MiniBooNEStage(setup, 7)
    assert stage.ctau0_Zprime > 10 * PROMPT_ZPRIME_CM  # the two-step weight is used
    a = generate(prompt, 3000, reconstruct=True)
    b = generate(slow, 3000, setup=setup, reconstruct=True)
    wa, wb = ak.to_numpy(a.w_fiducial), ak.to_numpy(b.w_fiducial)
    assert np.all((wb >= 0) & (wb <= 1))
    # a Z' flying metres leaves the 5 m fiducial sphere more often than a prompt one
    assert wb.mean() < 0.9 * wa.mean()
