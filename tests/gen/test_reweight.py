"""gen.reweight.upscattering: coupling reweighting agrees with regeneration at the new couplings.

Each comparison uses two independent samples (the reweighted one and a fresh generation with
another seed) of <= 1.6e4 events; totals must agree within 4 combined MC sigma, and weighted
histograms pass a chi2 test with p > 1e-3 (no retries). The couplings move the Z' or N lifetime
by factors 1/100 ... 9 and the production rate by 1/9 ... 100.
"""

import math

import awkward as ak
import numpy as np
import pytest
from scipy import stats

from gen.card import parse_card
from gen.reweight.upscattering import ReweightError, card_with_couplings, reweight
from gen.sources.upscattering import generate, prepare, summarize

LIGHT = {
    "schema_version": 1,
    "model": {"hnl_type": "dirac", "m4": 0.420, "mzprime": 0.030, "Umu4": 9.486832980505138e-4, "UD4": 1.0,
              "alphaD": 0.25, "alpha_epsilon2": 2e-10},
    "experiment": {"name": "miniboone_fhc", "flavours": ["numu", "numubar"]},
    "process": {"regimes": ["coherent", "p-el"]},
    "run": {"events": 16384, "seed": 101},
}
# heavy Z': N4 -> nu e+ e- through off-shell Z', Z and W (three-body |M|^2 with interference)
HEAVY = {
    "schema_version": 1,
    "model": {"hnl_type": "dirac", "m4": 0.12, "mzprime": 1.25, "Umu4": 3e-3, "UD4": 0.8, "gD": 2.0, "chi": 3e-3},
    "experiment": {"name": "miniboone_fhc", "flavours": ["numu"]},
    "process": {"regimes": ["coherent"], "final_state": "e+e-"},
    "run": {"events": 8192, "seed": 5},
}


@pytest.fixture(scope="module")
def light():
    card = parse_card(LIGHT)
    return card, generate(card)


@pytest.fixture(scope="module")
def heavy():
    card = parse_card(HEAVY)
    return card, generate(card)


def _w(ev):
    return ak.to_numpy(ev.weight)


def _flight(ev, name):
    """Decay distance (cm) of the first particle with PDG |code| (N: slot 3; Z': pdg 32)."""
    if name == "N":
        v = ev.N_decay_vertex
        return ak.to_numpy(np.sqrt(v.x**2 + v.y**2 + v.z**2))
    d = ev.ell_vertex
    v = ev.N_decay_vertex
    return ak.to_numpy(np.sqrt((d.x - v.x) ** 2 + (d.y - v.y) ** 2 + (d.z - v.z) ** 2))


def _hist(x, w, edges):
    h, _ = np.histogram(x, edges, weights=w)
    e2, _ = np.histogram(x, edges, weights=w * w)
    return h, e2


def _chi2_p(xa, wa, xb, wb, edges):
    a, ea = _hist(xa, wa, edges)
    b, eb = _hist(xb, wb, edges)
    ok = (ea + eb) > 0
    chi2 = float(np.sum((a[ok] - b[ok]) ** 2 / (ea[ok] + eb[ok])))
    return stats.chi2.sf(chi2, int(ok.sum()))


def _assert_totals(res_total, res_err, fresh_total, fresh_err):
    assert abs(res_total - fresh_total) < 4.0 * math.hypot(res_err, fresh_err), (res_total, res_err, fresh_total, fresh_err)


def test_identity_reweight_keeps_weights(light):
    card, ev = light
    res = reweight(ev, card, alpha_epsilon2=LIGHT["model"]["alpha_epsilon2"], alphaD=LIGHT["model"]["alphaD"])
    np.testing.assert_allclose(res.weights, _w(ev), rtol=1e-12, atol=0)
    np.testing.assert_allclose(ak.to_numpy(ak.flatten(res.events.particles.z)), ak.to_numpy(ak.flatten(ev.particles.z)),
                               rtol=1e-12, atol=0)
    s = summarize(ev, prepare(card))
    assert res.totals["final_state"] == pytest.approx(s.final_state, rel=1e-12)
    assert res.totals["upscattered"] == pytest.approx(s.upscattered, rel=1e-12)


@pytest.mark.parametrize("key", ["m4", "mzprime"])
def test_masses_cannot_change(light, key):
    card, ev = light
    with pytest.raises(ReweightError, match=f"model.{key}"):
        reweight(ev, card, **{key: 0.5})


def test_unknown_key_is_named(light):
    card, ev = light
    with pytest.raises(ReweightError, match="model.epsilonn"):
        reweight(ev, card, epsilonn=1e-3)


@pytest.mark.parametrize("change", [
    {"alpha_epsilon2": 2e-8},  # epsilon x 10: Z' lifetime / 100, production x ~100
    {"alpha_epsilon2": 2e-12},  # epsilon / 10: Z' lifetime x 100
    {"gD": math.sqrt(4 * math.pi * 0.25) / 3},  # gD / 3: N lifetime x 9
    {"Umu4": 3 * 9.486832980505138e-4},  # Umu4 x 3: N lifetime / 9, production x 9
], ids=["eps_x10", "eps_div10", "gD_div3", "Umu4_x3"])
def test_light_zprime_agrees_with_regeneration(light, change):
    card, ev = light
    res = reweight(ev, card, **change)
    new_card = card_with_couplings(card, **change)
    setup = prepare(new_card)
    fresh = generate(new_card, seed=202, setup=setup)
    s = summarize(fresh, setup)
    _assert_totals(res.totals["final_state"], res.totals["final_state_error"], s.final_state, s.final_state_error)
    _assert_totals(res.totals["upscattered"], res.totals["upscattered_error"], s.upscattered, s.upscattered_error)
    for name in ("N", "Zprime"):
        xa, xb = np.log10(_flight(res.events, name)), np.log10(_flight(fresh, name))
        lo, hi = np.percentile(np.concatenate([xa, xb]), [1, 99])
        p = _chi2_p(xa, res.weights, xb, _w(fresh), np.linspace(lo, hi, 16))
        assert p > 1e-3, (name, p)
    pE = _chi2_p(ak.to_numpy(res.events.E_nu), res.weights, ak.to_numpy(fresh.E_nu), _w(fresh), np.linspace(0.4, 3.0, 14))
    assert pE > 1e-3


def test_lifetime_weight_option_matches_rescale(light):
    """Keeping the vertices and weighting by the decay-length pdf ratio (shorter lifetime: bounded
    weights) gives the flight-distance distribution of the rescaled sample."""
    card, ev = light
    a = reweight(ev, card, lifetime="weight", alpha_epsilon2=2e-8)
    b = reweight(ev, card, alpha_epsilon2=2e-8)
    xa, xb = np.log10(_flight(a.events, "Zprime")), np.log10(_flight(b.events, "Zprime"))
    lo, hi = np.percentile(xb, [1, 99])
    assert _chi2_p(xa, a.weights, xb, b.weights, np.linspace(lo, hi, 12)) > 1e-3
    _assert_totals(a.totals["final_state"], a.totals["final_state_error"], b.totals["final_state"], b.totals["final_state_error"])


@pytest.mark.parametrize("change", [{"chi": 3e-2}, {"gD": 2.0 / 3.0}, {"Umu4": 9e-3}, {"chi": -3e-3}],
                         ids=["chi_x10", "gD_div3", "Umu4_x3", "chi_negative"])
def test_three_body_agrees_with_regeneration(heavy, change):
    card, ev = heavy
    res = reweight(ev, card, **change)
    new_card = card_with_couplings(card, **change)
    setup = prepare(new_card)
    fresh = generate(new_card, seed=77, setup=setup)
    s = summarize(fresh, setup)
    _assert_totals(res.totals["final_state"], res.totals["final_state_error"], s.final_state, s.final_state_error)
    mee = [ak.to_numpy((e.ell_minus + e.ell_plus).mass) for e in (res.events, fresh)]
    assert _chi2_p(mee[0], res.weights, mee[1], _w(fresh), np.linspace(0.0, 0.12, 13)) > 1e-3
    xa, xb = np.log10(_flight(res.events, "N")), np.log10(_flight(fresh, "N"))
    lo, hi = np.percentile(np.concatenate([xa, xb]), [1, 99])
    assert _chi2_p(xa, res.weights, xb, _w(fresh), np.linspace(lo, hi, 12)) > 1e-3


# seed 004 eq. (30) without its Majorana phases, reweighted to the phases the model requires (issue 14): N5 -> N4 e+e-
# changes from constructive to destructive interference of the two Majorana orderings (c tau0 126.5 -> 349 cm)
EQ30_REAL = {
    "schema_version": 1,
    "model": {"hnl_type": "majorana", "m4": 0.080, "m5": 0.140, "mzprime": 1.25, "Umu4": 1.6201851746e-3,
              "Umu5": 1.2247448714e-3, "UD4": 0.7977240352, "UD5": 0.6030226892, "gD": 2.0, "chi": 3.1622776602e-3},
    "experiment": {"name": "miniboone_fhc", "flavours": ["numu"]},
    "process": {"regimes": ["coherent"], "final_state": "e+e-"},
    "run": {"events": 8192, "seed": 9},
}


def test_majorana_phases_agree_with_regeneration():
    card = parse_card(EQ30_REAL)
    ev = generate(card)
    change = {"phase_Umu4": 0.5, "phase_UD4": 0.5}
    res = reweight(ev, card, **change)
    new_card = card_with_couplings(card, **change)
    setup = prepare(new_card)
    fresh = generate(new_card, seed=91, setup=setup)
    s = summarize(fresh, setup)
    _assert_totals(res.totals["final_state"], res.totals["final_state_error"], s.final_state, s.final_state_error)
    xa, xb = np.log10(_flight(res.events, "N")), np.log10(_flight(fresh, "N"))
    lo, hi = np.percentile(np.concatenate([xa, xb]), [1, 99])
    assert _chi2_p(xa, res.weights, xb, _w(fresh), np.linspace(lo, hi, 12)) > 1e-3


def test_cli_reweight_file_with_detector(tmp_path):
    """hnlgen reweight writes a complete new file whose detector fields follow the new lifetimes;
    its totals (selected included) agree with a fresh run at the new couplings."""
    import tomllib

    from detectors.output.root import read_events, read_metadata
    from gen.card import card_to_toml
    from gen.cli.app import main

    card_path = tmp_path / "card.toml"
    card_path.write_text(card_to_toml(LIGHT))
    src, out = tmp_path / "a.root", tmp_path / "b.root"
    assert main(["run", str(card_path), "-n", "6000", "-o", str(src)]) == 0
    assert main(["reweight", str(src), "--set", "alpha_epsilon2=2e-12", "-o", str(out)]) == 0
    assert out.exists() and not (tmp_path / "b.root.partial").exists()
    meta = read_metadata(out)
    assert tomllib.loads(meta["run_card"])["model"]["alpha_epsilon2"] == 2e-12
    tot = __import__("json").loads(meta["expected_events"])
    ev = read_events(out)
    assert "weight_original" in ev.fields and "weight_selected" in ev.fields
    assert float(ak.sum(ev.weight)) == pytest.approx(tot["expected_events"]["final_state"], rel=1e-12)
    # fresh run at the new couplings
    new = dict(LIGHT, model=dict(LIGHT["model"], alpha_epsilon2=2e-12))
    card2 = tmp_path / "card2.toml"
    card2.write_text(card_to_toml(new))
    fresh = tmp_path / "c.root"
    assert main(["run", str(card2), "-n", "6000", "--seed", "9", "-o", str(fresh)]) == 0
    tf = __import__("json").loads(read_metadata(fresh)["expected_events"])
    for k in ("final_state", "in_fiducial_volume", "selected"):
        _assert_totals(tot["expected_events"][k], tot["errors"][k], tf["expected_events"][k], tf["errors"][k])
    assert main(["reweight", str(src), "--set", "m4=0.3"]) == 2
