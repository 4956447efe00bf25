"""Refusals of ``hnlgen reweight`` / ``scan`` (issue 11, items 6, 7, 11) and valid JSON output (item 4).

Every refusal is exit 2 with one line naming the keys or value and leaves no output file."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from gen.cli.app import main
from gen.output import jsonout

CARDS = Path(__file__).resolve().parents[2] / "cards"


def _strict_loads(text):
    def bad(c):
        raise ValueError(f"non-standard JSON constant {c}")
    return json.loads(text, parse_constant=bad)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("rw_refusals")
    mb, na = d / "lz.root", d / "na62.root"
    assert main(["run", str(CARDS / "miniboone_light_zprime.toml"), "-n", "2000", "-o", str(mb)]) == 0
    assert main(["run", str(CARDS / "na62_light_zprime.toml"), "-n", "1000", "-o", str(na)]) == 0
    return {"mb": mb, "na62": na}


def _refused(capsys, argv, *needles):
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert "\n" not in err and "Traceback" not in err, err
    for n in needles:
        assert n in err, err
    return err


@pytest.mark.parametrize("which,sets,needles", [
    ("mb", ["gD=1", "alphaD=0.1"], ("gD and alphaD conflict",)),
    ("mb", ["alphaD=0.1", "gD=1"], ("alphaD and gD conflict",)),
    ("mb", ["alpha_epsilon2=1e-9", "epsilon=1e-4"], ("alpha_epsilon2 and epsilon conflict",)),
    ("na62", ["chi=1e-3", "epsilon=1e-4"], ("chi and epsilon conflict",)),
    ("na62", ["gD=0.3", "alphaD=0.01"], ("gD and alphaD conflict",)),
    ("mb", ["alphaD=0.1", "alphaD=0.2"], ("alphaD is given twice",)),
])
def test_conflicting_and_duplicate_keys(files, capsys, tmp_path, which, sets, needles):
    out = tmp_path / "o.root"
    _refused(capsys, ["reweight", str(files[which]), "--set", *sets, "-o", str(out)], *needles)
    assert not out.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize("which,item", [("mb", "alpha_epsilon2=1e300"), ("na62", "chi=1e300"), ("mb", "gD=inf"),
                                        ("mb", "Umu4=nan"), ("na62", "Umu4=1e300"), ("mb", "epsilon=1e200")])
def test_overflowing_or_nonfinite_couplings(files, capsys, tmp_path, which, item):
    key, value = item.split("=")
    out = tmp_path / "o.root"
    err = _refused(capsys, ["reweight", str(files[which]), "--set", item, "-o", str(out), "--json"], key)
    assert value in err or f"{float(value):g}" in err, err
    assert not list(tmp_path.iterdir())


def test_reweight_hepmc3_output_name_refused(files, capsys, tmp_path):
    out = tmp_path / "out.hepmc3"
    _refused(capsys, ["reweight", str(files["mb"]), "--set", "alphaD=0.3", "-o", str(out)], "out.hepmc3", ".root")
    assert not out.exists()


def test_reweight_json_is_strict_json(files, capsys, tmp_path):
    assert main(["reweight", str(files["mb"]), "--set", "alphaD=0.3", "-o", str(tmp_path / "o.root"), "--json"]) == 0
    d = _strict_loads(capsys.readouterr().out)
    assert d["final_state"] > 0 and all(v is None or not isinstance(v, float) or math.isfinite(v) for v in d.values())


@pytest.mark.parametrize("params,needle", [(["gD=1", "alphaD=0.1"], "gD and alphaD conflict"),
                                           (["chi=1e-3", "epsilon=1e-3"], "chi and epsilon conflict"),
                                           (["gD=1", "gD=2"], "gD is given twice")])
def test_scan_param_conflicts(capsys, tmp_path, params, needle):
    argv = ["scan", str(CARDS / "miniboone_light_zprime.toml"), "-n", "10", "-o", str(tmp_path / "s.parquet")]
    for p in params:
        argv += ["--param", p]
    _refused(capsys, argv, needle)
    assert not (tmp_path / "s.parquet").exists()


def test_json_helper_rule():
    """Non-finite floats (Python or NumPy) become null, NumPy values plain numbers, output always strict JSON."""
    obj = {"a": math.inf, "b": np.float64("nan"), "c": [np.int64(3), -math.inf, 1.5], "d": np.array([1.0, np.nan]),
           "e": (np.bool_(True), None), 4: "x"}
    text = jsonout.dumps(obj)
    assert _strict_loads(text) == {"a": None, "b": None, "c": [3, None, 1.5], "d": [1.0, None], "e": [True, None], "4": "x"}
    with pytest.raises(TypeError):
        jsonout.dumps({"x": object()})
    assert _strict_loads(jsonout.dumps({"x": object()}, default=lambda o: "obj")) == {"x": "obj"}


def test_run_json_with_zero_total_is_strict():
    """``run --json`` and the ``expected_events`` metadata print ``RunSummary.to_json_dict()`` through gen.output.jsonout:
    a run whose weights are all 0 (issue 11 item 7: ``"mc_rel_error": Infinity``) gives ``null`` there."""
    from gen.sources.upscattering import RunSummary

    s = RunSummary(events_generated=10, upscattered=0.0, upscattered_error=0.0, final_state=0.0, final_state_error=0.0,
                   in_fiducial_volume=0.0, in_fiducial_volume_error=0.0, effective_sample_size=0.0, wall_time_s=0.0,
                   per_channel={})
    assert math.isinf(s.mc_rel_error)
    d = _strict_loads(jsonout.dumps(s.to_json_dict()))
    assert d["mc_rel_error"] is None and d["expected_events"]["final_state"] == 0.0


def test_issue_reproducer_cli(files, capsys, tmp_path):
    """``hnlgen reweight lz.root --set UD4=0.5`` printed ``upscattered 6.38e-13`` (a fresh run gives ~750) with exit 0;
    now exit 2 naming the route the file has no events of, and no output file."""
    out = tmp_path / "lz_rw.root"
    _refused(capsys, ["reweight", str(files["mb"]), "--set", "UD4=0.5", "-o", str(out)], "UD4=0.5", "Zprime -> nus nusbar",
             "regenerate")
    assert not list(tmp_path.iterdir())
