"""End to end: ``hnlgen run`` on a tiny card, file reopened with uproot and compared with the Python API."""

import json
import tomllib

import awkward as ak
import numpy as np
import pytest
import uproot

from detectors.output.root import read_events, read_metadata
from gen.card import load_card
from gen.cli.app import main
from gen.sources.upscattering import generate

CARD = """schema_version = 1
[model]
hnl_type = "dirac"
m4 = 0.420
mzprime = 0.030
Umu4 = 9.486832980505138e-4
UD4 = 1.0
alphaD = 0.25
alpha_epsilon2 = 2e-10
[experiment]
name = "miniboone_fhc"
flavours = ["numu", "numubar"]
[process]
regimes = ["coherent", "p-el"]
helicities = ["conserving"]
[run]
events = 3000
seed = 99
output = "tiny.root"
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    card = d / "tiny.toml"
    card.write_text(CARD)
    return d, card


def test_run_json_and_round_trip(tiny, capsys):
    d, card = tiny
    out = d / "ev.root"
    # --precision double: the exact round trip (the default stores float32 four-vectors: tests/detectors/test_storage.py)
    assert main(["run", str(card), "-o", str(out), "--json", "--precision", "double"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    from gen.output.docs import MC_ERROR_ESTIMATOR, SUMMARY_SCHEMA

    assert set(summary) == {"schema", "experiment", "exposure", "expected_events", "errors", "mc_rel_error", "mc_error_estimator",
                            "events_generated", "effective_sample_size", "wall_time_s"}
    assert summary["schema"] == SUMMARY_SCHEMA and summary["mc_error_estimator"] == MC_ERROR_ESTIMATOR
    assert summary["exposure"] == {"value": 1.875e21, "unit": "POT"} and summary["experiment"] == "miniboone_fhc"
    assert set(summary["expected_events"]) == set(summary["errors"]) == {"upscattered", "final_state", "in_fiducial_volume", "selected"}
    assert summary["mc_rel_error"] == pytest.approx(summary["errors"]["final_state"] / summary["expected_events"]["final_state"])
    assert summary["events_generated"] == 3000
    assert captured.err == ""  # not a terminal: no progress bar
    with uproot.open(out) as f:
        t = f["events"]
        assert t.num_entries == 3000
        # the default compact record: the particle list as particle_list_* (detectors.output.particle_list)
        assert {"weight", "E_nu", "Q2", "N_px", "ell_minus_E", "nparticle_list", "particle_list_pdg", "particle_list_t"} <= set(t.keys())
        w = t["weight"].array(library="np")
        # branch titles carry unit and meaning; every branch has one
        assert t["E_nu"].title == "E_nu [GeV]: projectile neutrino energy"
        assert t["particle_list_pdg"].title.startswith("particle_list_pdg: PDG code")
        assert all(not t[k].title.endswith(("/D", "/I", "/L", "/O")) for k in t.keys()), [t[k].title for k in t.keys()]
        # exposure, seed and totals as numbers (a one-entry TTree), equal to the JSON summary
        run = f["run"].arrays(library="np")
        assert run["pot"][0] == 1.875e21 and run["seed"][0] == 99 and run["events_generated"][0] == 3000
        for k in ("upscattered", "final_state", "in_fiducial_volume", "selected"):
            assert run[f"expected_{k}"][0] == summary["expected_events"][k]
            assert run[f"expected_{k}_error"][0] == summary["errors"][k]
        assert f["run"]["pot"].title == "pot [POT]: protons on target of the card's exposure"
    assert w.sum() == pytest.approx(summary["expected_events"]["final_state"], rel=1e-12)
    # same events as the Python API with the detector stage (what hnlgen run writes on a MiniBooNE card)
    api = generate(load_card(card), reconstruct=True)
    back = read_events(out)
    assert ak.array_equal(back, api, equal_nan=True)
    meta = read_metadata(out)
    resolved = tomllib.loads(meta["run_card"])
    assert resolved["run"]["seed"] == 99 and resolved["experiment"]["pot"] == 1.875e21
    assert meta["seed"] == "99" and float(meta["pot"]) == 1.875e21
    assert json.loads(meta["expected_events"])["expected_events"]["final_state"] == pytest.approx(w.sum())
    assert "N4" in json.loads(meta["model"])["decays"]["table"]
    assert not list(d.glob("*.partial*"))


def test_run_seed_override_and_unweighted(tiny, capsys):
    d, card = tiny
    out = d / "unw.root"
    assert main(["run", str(card), "-o", str(out), "--seed", "5", "-n", "4000", "--unweighted", "500", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    ev = read_events(out)
    assert len(ev) == 500
    w = ak.to_numpy(ev.weight)
    np.testing.assert_allclose(w, summary["expected_events"]["final_state"] / 500, rtol=1e-12)
    assert json.loads(read_metadata(out)["unweighted"])["events"] == 500


def test_run_text_summary_and_bad_card(tiny, capsys, tmp_path):
    d, card = tiny
    assert main(["run", str(card), "-o", str(d / "txt.root"), "-n", "1000"]) == 0
    text = capsys.readouterr().out
    assert "expected events" in text and "effective sample size" in text
    bad = tmp_path / "bad.toml"
    bad.write_text(CARD.replace("[run]", "[run]\nevnts = 3"))
    assert main(["run", str(bad)]) == 2
    assert "run.evnts" in capsys.readouterr().err


def test_run_record_default_is_compact(tiny, capsys):
    """``hnlgen run`` writes the compact record by default (issue 16): the recipe in the metadata, empty stored
    lists for the events whose named records hold them, and the same events as ``--record full``."""
    from detectors.output.particle_list import RECIPE_KEY

    d, card = tiny
    compact, full = d / "compact.root", d / "full.root"
    assert main(["run", str(card), "-o", str(compact)]) == 0
    assert main(["run", str(card), "-o", str(full), "--record", "full"]) == 0
    assert RECIPE_KEY in read_metadata(compact) and RECIPE_KEY not in read_metadata(full)
    n_c = uproot.open(compact)["events"]["nparticle_list"].array(library="np")
    n_f = uproot.open(full)["events"]["nparticles"].array(library="np")
    assert (n_f >= 4).all() and (n_c == 0).mean() > 0.99 and np.array_equal(n_c[n_c > 0], n_f[n_c > 0])
    assert ak.array_equal(read_events(compact), read_events(full), equal_nan=True)
    # NA62 cards too (the recipe of gen.sources.meson_decay_run.na62_particles_recipe): every list rebuilt
    na_c, na_f = d / "na62c.root", d / "na62f.root"
    assert main(["run", "na62_light_zprime", "-n", "3000", "-o", str(na_c)]) == 0
    assert main(["run", "na62_light_zprime", "-n", "3000", "-o", str(na_f), "--record", "full"]) == 0
    assert RECIPE_KEY in read_metadata(na_c) and RECIPE_KEY not in read_metadata(na_f)
    assert (uproot.open(na_c)["events"]["nparticle_list"].array(library="np") == 0).all()
    assert (uproot.open(na_f)["events"]["nparticles"].array(library="np") == 7).all()
    assert ak.array_equal(read_events(na_c), read_events(na_f), equal_nan=True)


def test_run_record_compact_without_a_recipe_says_so(tiny, capsys, monkeypatch):
    """``--record compact`` on a card none of whose cascades the named records hold: one line, and the full record
    (not a silent change of what was asked)."""
    import gen.core.events as E
    from detectors.output.particle_list import RECIPE_KEY

    d, card = tiny
    monkeypatch.setattr(E, "particles_recipe", lambda *a, **k: E.CompactPlan(None, 0.0))
    out = d / "norecipe.root"
    capsys.readouterr()
    assert main(["run", str(card), "-o", str(out), "--record", "compact"]) == 0
    assert capsys.readouterr().err.strip().splitlines() == [
        "hnlgen run: --record compact: no cascade of this card is held by its named records; writing the full record"]
    assert RECIPE_KEY not in read_metadata(out)
    assert (uproot.open(out)["events"]["nparticles"].array(library="np") >= 4).all()
