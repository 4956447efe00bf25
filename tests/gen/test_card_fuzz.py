"""Fuzzing the run card (issue 11): whatever values a card holds, ``hnlgen check`` answers with exit 0 or with
one line and exit 2 (never a traceback or an 'internal error'), and a card it accepts generates events with
finite, non-negative weights.

The base card is the light-Z' benchmark restricted to one channel (numu, coherent, helicity-conserving) so that
an accepted card costs ~0.1 s to validate and run; the pilot runs of the importance-sampling maps are shortened
(their length only affects the spread of the weights). Derandomised (tests/conftest.py) and bounded: ~30
examples, a few seconds.
"""

import json
import math
import os
import tempfile
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from detectors.output.root import read_events
from gen.card import card_to_toml
from gen.cli import app as cli
from gen.sources import upscattering

ROOT = Path(__file__).resolve().parents[2]
_BASE = tomllib.loads((ROOT / "cards" / "miniboone_light_zprime.toml").read_text())
_BASE["experiment"]["flavours"] = ["numu"]
_BASE["process"] = {"regimes": ["coherent"], "helicities": ["conserving"]}
_BASE.pop("run")

DELETE = object()  # the key is removed from the card

# (table, key) pairs the fuzzer changes: masses, mixings, couplings, exposure, run controls, detector cuts
KEYS = [("model", k) for k in ("m4", "m5", "mzprime", "mhprime", "Umu4", "Ue4", "UD4", "alphaD", "gD",
                               "alpha_epsilon2", "epsilon", "theta", "yN", "hnl_type")] + [
    ("experiment", "pot"), ("experiment", "flavours"), ("process", "final_state"), ("run", "events"),
    ("run", "seed"), ("detector", "tank_radius_cm"), ("detector", "e_vis_min"), ("detector", "apply_efficiency")]

VALUES = st.one_of(
    st.booleans(),
    st.integers(min_value=-10**25, max_value=10**25),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-2.0, max_value=2.0),  # mostly accepted values: the physics must stay finite
    st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 1e-6, 1e-3, 0.03, 0.42, 1.0, -1.0, 2.0, 90.0, 1e300, -1e-3]),
    st.text(alphabet="0123456789.e-+abc ", max_size=6),
    st.lists(st.sampled_from([0.1, "numu", True, -1]), max_size=2),
    st.just(DELETE),
)


_NA62_BASE = tomllib.loads((ROOT / "cards" / "na62_light_zprime.toml").read_text())
_NA62_BASE.pop("run")
NA62_KEYS = [("model", k) for k in ("m4", "mzprime", "Umu4", "Ue4", "UD4", "gD", "chi", "hnl_type")] + [
    ("experiment", k) for k in ("n_kaon_decays", "parent", "production_lepton", "beam_momentum",
                                "beam_momentum_spread", "fiducial_z")] + [("process", "final_state")]


def _card_text(base: dict, changes: dict) -> str:
    d = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for (table, key), value in changes.items():
        t = d.setdefault(table, {})
        if value is DELETE:
            t.pop(key, None)
        else:
            t[key] = value
    return card_to_toml(d)


def _no_constant(name):
    raise AssertionError(f"invalid JSON literal {name} in the run summary")


@pytest.fixture(scope="module")
def short_pilot():
    saved = upscattering.PILOT_EVENTS
    upscattering.PILOT_EVENTS = 2000
    yield
    upscattering.PILOT_EVENTS = saved


def _check_then_run(base: dict, changes: dict, capsys) -> None:
    """check: exit 0, or one line naming the card and exit 2; if 0, run (300 events) must succeed with finite
    weights >= 0 and a valid-JSON summary."""
    fd, path = tempfile.mkstemp(prefix="cli_fuzz_", suffix=".toml")
    out = path[:-5] + ".root"
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(_card_text(base, changes))
        rc = cli.main(["check", path])
        _, err = capsys.readouterr()
        assert rc in (0, 2), err
        assert "Traceback" not in err and "internal error" not in err, err
        if rc == 2:
            assert len(err.strip().splitlines()) == 1 and err.startswith(f"hnlgen check: {path}: "), err
            return
        # a card that passes check runs: hnlgen run (detector stage, ROOT output) on 300 events
        rc = cli.main(["run", path, "-n", "300", "--seed", "1", "-o", out, "--json"])
        stdout, err = capsys.readouterr()
        assert rc == 0, err
        summary = json.loads(stdout, parse_constant=_no_constant)  # valid JSON: no Infinity/NaN literals
        w = np.asarray(read_events(out).weight)
        assert len(w) == 300
        assert np.all(np.isfinite(w)) and np.all(w >= 0), (changes, w[~np.isfinite(w)][:5])
        assert math.isfinite(float(w.sum())) and math.isfinite(summary["expected_events"]["final_state"])
    finally:
        for p in (path, out):
            if os.path.exists(p):
                os.unlink(p)


_SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}


@settings(max_examples=30, **_SETTINGS)
@given(st.dictionaries(st.sampled_from(KEYS), VALUES, min_size=1, max_size=3))
@example({("model", "m4"): True})
@example({("model", "m4"): "0.420"})
@example({("model", "alpha_epsilon2"): 1e300})
@example({("run", "events"): 99999999999999999999999})
@example({("model", "mzprime"): 5e-324})
@example({("model", "m4"): 30.0})
@example({("model", "Umu4"): -1.0})
@example({("model", "mzprime"): DELETE})
@example({("model", "alphaD"): 1e-300})  # found by the explore profile: the Z' lifetime overflowed
@example({("model", "m4"): 0.011, ("model", "mzprime"): 1e-6})  # accepted: the small end of the masses
@example({("model", "alphaD"): 1.0, ("model", "alpha_epsilon2"): 5e-3})  # accepted: large couplings
def test_fuzz_check_and_tiny_run(short_pilot, capsys, changes):
    _check_then_run(_BASE, changes, capsys)


@settings(max_examples=12, **_SETTINGS)
@given(st.dictionaries(st.sampled_from(NA62_KEYS), VALUES, min_size=1, max_size=2))
@example({("model", "chi"): 1e300})
@example({("model", "m4"): 1e300})
@example({("experiment", "beam_momentum"): 1e300})
@example({("model", "mzprime"): 1, ("experiment", "beam_momentum"): 0.015625})  # found by explore: NaN weights
@example({("experiment", "beam_momentum_spread"): 0.19})  # 18 times more decays than kaons before the bound
@example({("model", "m4"): 0.2})  # accepted
def test_fuzz_na62_check_and_tiny_run(capsys, changes):
    _check_then_run(_NA62_BASE, changes, capsys)
