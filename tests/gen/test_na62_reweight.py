"""gen.reweight.meson_decay: NA62 files at new couplings agree with regeneration at those couplings.

Two kinds of comparison:

* Same random numbers. A run at new couplings with the seed of the reweighted file draws the same
  uniforms; at fixed masses its kinematics are identical (checked bit for bit) and its flights are
  the inverse-CDF images of the same uniforms, which the rescale mode reproduces from the stored
  vertices. Differences come only from rounding of the stored positions (|z| ~ 1.5e4 cm, so
  ~2e-12 cm absolute) propagated through the recovered uniform: vertices agree to 1e-6 cm and
  weights to 1e-9 of the mean weight, and the detector (same smearing streams) gives the same
  reconstructed events.
* Independent samples. The reweighted sample (seed 11) against a fresh generation at the new
  couplings with another seed (seed 23), 2 blocks (32768 events) each. Totals must agree within 4
  combined MC sigma (sigma^2 = sum w^2 - (sum w)^2/n of each sample; a 4 sigma deviation has a
  two-sided Gaussian probability of 6e-5), weighted histograms of the reconstructed m_ll and m2_N of
  accepted events and of the true Z' decay z pass a chi2 test with p > 1e-3 (no retries). Bins are
  chosen so that every bin holds >~ 20 events, where the Gaussian chi2 applies.

The changes move the N lifetime by 100 (both ways, with the production rate) and the Z' lifetime
by ~8e3 (epsilon) or change BR(Z' -> e+e-) (epsilon with an open invisible Z' channel).
"""

import json
import math
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot
from scipy import stats

from gen.card import load_card, parse_card, resolved_card_dict
from gen.core import rng as R
from gen.reweight.upscattering import ReweightError, card_with_couplings, reweight
from gen.sources.meson_decay import truncated_flight as _flight
from gen.sources.meson_decay import truncated_flight_uniform as _flight_uniform
from gen.sources.meson_decay_run import NA62Setup, generate_na62
from physics import constants as const
from physics.meson_decays import shrock_rho

CARDS = Path(__file__).resolve().parents[2] / "cards"
N_EVENTS = 2 * R.BLOCK_SIZE
SEED_A, SEED_B = 11, 23


def _card(name, **model):
    """A bundled NA62 card, with model keys replaced (either-or partners handled by card_with_couplings)."""
    card = load_card(CARDS / f"{name}.toml")
    return card_with_couplings(card, **model) if model else card


_SAMPLES: dict = {}


def _sample(name, seed=SEED_A, **model):
    key = (name, seed, tuple(sorted(model.items())))
    if key not in _SAMPLES:
        card = _card(name, **model)
        _SAMPLES[key] = (card, generate_na62(card, N_EVENTS, seed=seed, reconstruct=True))
    return _SAMPLES[key]


def _np(ev, f):
    return ak.to_numpy(ev[f]).astype(np.float64)


def _xyz(ev, f):
    return np.column_stack([_np(ev[f], c) for c in ("x", "y", "z")])


def _err(w):
    return math.sqrt(max(float(np.sum(w * w)) - float(np.sum(w)) ** 2 / len(w), 0.0))


def _chi2_p(xa, wa, xb, wb, edges):
    a, _ = np.histogram(xa, edges, weights=wa)
    ea, _ = np.histogram(xa, edges, weights=wa * wa)
    b, _ = np.histogram(xb, edges, weights=wb)
    eb, _ = np.histogram(xb, edges, weights=wb * wb)
    ok = (ea + eb) > 0
    chi2 = float(np.sum((a[ok] - b[ok]) ** 2 / (ea[ok] + eb[ok])))
    return stats.chi2.sf(chi2, int(ok.sum())), int(ok.sum())


def _close(a, ea, b, eb):
    return abs(a - b) < 4.0 * math.hypot(ea, eb)


def _route_br_ratio(ev, s0, s1) -> np.ndarray:
    """Per event (BR_c'/D') / (BR_c/D): c the N channel (and Z' -> l l when the N decays to a Z'), from the decay
    tables in the setups' ``decay_info``; D = BR(N -> final state) (as tests/gen/test_na62_reweight_general.py)."""
    ch = ak.to_numpy(ev.channel).astype(np.int64)
    out = np.ones(len(ev))
    pair = sorted(f"{s0.flavour_b}{q}" for q in "+-")
    for code in np.unique(ch):
        c0 = s0.general.decay_info["channels"][code]
        c1 = next(c for c in s1.general.decay_info["channels"]
                  if c["parent"] == c0["parent"] and c["daughters"] == c0["daughters"])
        r = c1["br"] / c0["br"]
        if "Zprime" in c0["daughters"]:
            bz = [next(c["br"] for c in s.general.decay_info["channels"]
                       if c["parent"] == "Zprime" and sorted(c["daughters"]) == pair) for s in (s0, s1)]
            r *= bz[1] / bz[0]
        out[ch == code] = r / (s1.general.br_final_state / s0.general.br_final_state)
    return out


# (bundled card, couplings of the generated sample (on top of the card), new couplings)
CHANGES = {
    "Umu4_div10": ("na62_appendixA_mumu", {}, {"Umu4": 1e-6}),  # c tau0_N 1.46 cm -> 146 cm, production / 100
    "Umu4_x10": ("na62_appendixA_mumu", {"Umu4": 1e-6}, {"Umu4": 1e-5}),  # c tau0_N 146 cm -> 1.46 cm, production x 100
    "epsilon": ("na62_light_zprime", {}, {"epsilon": 1e-6}),  # c tau0_Z' 0.0104 cm -> 81 cm
    "epsilon_BR": ("na62_light_zprime", {"UD4": 0.99999}, {"chi": 1e-5}),  # BR(Z' -> ee) 0.96 -> 0.19
}


def test_flight_uniform_inverts_flight():
    """gen.sources.meson_decay.truncated_flight_uniform is the inverse of the generator's truncated-exponential draw."""
    for ratio in (1e-3, 0.1, 1.0, 10.0, 1e3, 1e6):  # decay length / room to the end plane
        for u in (1e-12, 0.01, 0.3, 0.7, 0.999, 1.0 - 2.0**-40):
            d, P = _flight(ratio * 500.0, 500.0, u)
            assert 0.0 <= d <= 500.0 and P == pytest.approx(-math.expm1(-1.0 / ratio), rel=1e-14)
            assert _flight_uniform(ratio * 500.0, 500.0, d) == pytest.approx(u, rel=1e-9, abs=1e-13)


def test_kinematics_and_polarisation_do_not_depend_on_couplings():
    """The premise: at fixed masses the same seed gives the same momenta, N polarisation, decay route,
    Z' helicities and kaon decay points at any couplings (one route to the final state here); only N and Z' vertices and weights change.
    BR(K -> mu N) scales with |U_mu4|^2 alone (Shrock's rho depends on masses only)."""
    card, a = _sample("na62_appendixA_mumu")
    b = generate_na62(card_with_couplings(card, Umu4=1e-6, chi=1e-6), N_EVENTS, seed=SEED_A, reconstruct=True)
    for f in ("K", "a", "N", "nu", "Zp", "bm", "bp"):
        for c in ("px", "py", "pz", "E"):
            assert np.array_equal(_np(a[f], c), _np(b[f], c)), f
    for f in ("pol_N_lab", "P_fv"):
        assert np.array_equal(_np(a, f), _np(b, f)), f
    assert np.array_equal(_xyz(a, "vtx_K"), _xyz(b, "vtx_K"))
    assert not np.array_equal(_xyz(a, "vtx_N"), _xyz(b, "vtx_N"))
    s0, s1 = NA62Setup(card), NA62Setup(card_with_couplings(card, Umu4=1e-6, chi=1e-6))
    assert s0.polarisation_N == s1.polarisation_N
    rho = shrock_rho(const.m_K_charged, const.m_mu, 0.3)
    assert s1.br_production == pytest.approx(1e-12 * rho * const.BR_K_to_mu_nu, rel=1e-12)


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_reweight_equals_regeneration_with_the_same_seed(change):
    name, base, new = CHANGES[change]
    card, ev = _sample(name, **base)
    res = reweight(ev, card, seed=SEED_A, **new)
    fresh = generate_na62(card_with_couplings(card, **new), N_EVENTS, seed=SEED_A, reconstruct=True)
    out = res.events
    wmean = float(np.mean(_np(fresh, "weight")))
    # per event the file's route BR ratio replaces the fresh run's BR(N -> final state)' (the same in
    # expectation): N -> nu_alpha Z' of different flavours alpha are different channels whose shares move
    s0, s1 = NA62Setup(card), NA62Setup(card_with_couplings(card, **new))
    ratio = _route_br_ratio(ev, s0, s1)
    assert np.sum(_np(fresh, "weight") * ratio) == pytest.approx(np.sum(_np(fresh, "weight")), rel=1e-3)
    for f in ("weight", "weight_accepted"):
        np.testing.assert_allclose(_np(out, f), _np(fresh, f) * ratio, rtol=1e-9, atol=1e-9 * wmean, err_msg=f)
    for f in ("P_dec", "P_dec_N", "P_dec_Zp"):
        np.testing.assert_allclose(_np(out, f), _np(fresh, f), rtol=1e-9, atol=1e-12, err_msg=f)
    for f in ("vtx_N", "vtx_Zp"):
        np.testing.assert_allclose(_xyz(out, f), _xyz(fresh, f), rtol=0, atol=1e-6, err_msg=f)
    assert np.array_equal(ak.to_numpy(out.accepted), ak.to_numpy(fresh.accepted))
    for f in ("m_ll", "m2_N", "vtx_bb_z", "truth_vtx_bb_z"):
        np.testing.assert_allclose(_np(out, f), _np(fresh, f), rtol=1e-9, atol=1e-9, equal_nan=True, err_msg=f)
    np.testing.assert_array_equal(_np(out, "weight_original"), _np(ev, "weight"))
    # the generator's weight identity holds on the reweighted events: w / P_dec is w_old's times the BR ratios
    brs = [s.br_production * s.general.br_final_state for s in (s0, s1)]
    pd_old = _np(ev, "P_dec")
    pd_new = _np(out, "P_dec")
    ok = (pd_old > 1e-6) & (pd_new > 1e-6)
    np.testing.assert_allclose(res.weights[ok] / pd_new[ok], _np(ev, "weight")[ok] / pd_old[ok] * brs[1] / brs[0] * ratio[ok],
                               rtol=1e-9)


@pytest.mark.parametrize("change", list(CHANGES), ids=list(CHANGES))
def test_reweight_agrees_with_independent_generation(change):
    name, base, new = CHANGES[change]
    card, ev = _sample(name, **base)
    res = reweight(ev, card, seed=SEED_A, **new)
    new_card = card_with_couplings(card, **new)
    fresh = generate_na62(new_card, N_EVENTS, seed=SEED_B, reconstruct=True)
    out, t = res.events, res.totals
    w, wa = _np(fresh, "weight"), _np(fresh, "weight_accepted")
    assert _close(t["final_state"], t["final_state_error"], w.sum(), _err(w)), (t, w.sum(), _err(w))
    assert _close(t["accepted"], t["accepted_error"], wa.sum(), _err(wa)), (t, wa.sum(), _err(wa))
    # produced = N_K^Fid |U_mu4|^2 rho BR(K -> mu nu) at the new couplings (arXiv:1903.07589 below eq. 17)
    m = NA62Setup(new_card)
    U2 = m.model.Usq("mu", 0)
    assert t["produced"] == pytest.approx(m.n_parent_decays * U2 * shrock_rho(const.m_K_charged, const.m_mu, m.m_N)
                                          * const.BR_K_to_mu_nu, rel=1e-12)
    assert t["n_kaon_decays"] == m.n_parent_decays
    # distributions: reconstructed masses of accepted events, true Z' decay z of all events
    for f, wf in (("m_ll", "weight_accepted"), ("m2_N", "weight_accepted"), ("truth_vtx_bb_z", "weight")):
        xa, xb = _np(out, f), _np(fresh, f)
        wa_, wb_ = _np(out, wf), _np(fresh, wf)
        lo, hi = np.percentile(np.concatenate([xa[wa_ > 0], xb[wb_ > 0]]), [2, 98])
        p, nb = _chi2_p(xa[wa_ > 0], wa_[wa_ > 0], xb[wb_ > 0], wb_[wb_ > 0], np.linspace(lo, hi, 13))
        assert nb == 12 and p > 1e-3, (f, p, nb)


def test_lifetime_weight_option_keeps_vertices_and_agrees():
    """--lifetime weight: vertices and reconstruction stay, the flight-density ratio (N lifetime / 9:
    bounded weights) gives the totals and the Z' vertex distribution of a fresh run."""
    card, ev = _sample("na62_appendixA_mumu", Umu4=1e-6)
    new = {"Umu4": 3e-6}
    a = reweight(ev, card, seed=SEED_A, lifetime="weight", **new)
    b = reweight(ev, card, seed=SEED_A, **new)
    for f in ("vtx_N", "vtx_Zp"):
        assert np.array_equal(_xyz(a.events, f), _xyz(ev, f))
    for f in ("m_ll", "vtx_bb_z"):
        assert np.array_equal(_np(a.events, f), _np(ev, f), equal_nan=True)
    np.testing.assert_array_equal(_np(a.events, "weight_accepted"), a.weights * _np(ev, "accepted"))
    # the N's room to decay starts at the kaon vertex, which no mode moves: same P_dec_N
    np.testing.assert_array_equal(_np(a.events, "P_dec_N"), _np(b.events, "P_dec_N"))
    fresh = generate_na62(card_with_couplings(card, **new), N_EVENTS, seed=SEED_B, reconstruct=True)
    t = a.totals
    for k, f in (("final_state", "weight"), ("accepted", "weight_accepted")):
        x = _np(fresh, f)
        assert _close(t[k], t[k + "_error"], x.sum(), _err(x)), (k, t[k], t[k + "_error"], x.sum(), _err(x))
    xa, xb = _np(a.events, "truth_vtx_bb_z"), _np(fresh, "truth_vtx_bb_z")
    lo, hi = np.percentile(np.concatenate([xa, xb]), [2, 98])
    p, nb = _chi2_p(xa, a.weights, xb, _np(fresh, "weight"), np.linspace(lo, hi, 13))
    assert nb == 12 and p > 1e-3


def test_identity_reweight_keeps_events():
    card, ev = _sample("na62_light_zprime")
    res = reweight(ev, card, seed=SEED_A, chi=card.model.chi)
    np.testing.assert_allclose(res.weights, _np(ev, "weight"), rtol=1e-12, atol=0)
    for f in ("vtx_N", "vtx_Zp"):
        np.testing.assert_allclose(_xyz(res.events, f), _xyz(ev, f), rtol=0, atol=1e-9)
    assert np.array_equal(ak.to_numpy(res.events.accepted), ak.to_numpy(ev.accepted))
    np.testing.assert_array_equal(res.factors["production"], 1.0)


def test_refusals_name_the_problem():
    card, ev = _sample("na62_light_zprime")
    with pytest.raises(ReweightError, match="model.m4"):
        reweight(ev, card, m4=0.25)
    with pytest.raises(ReweightError, match="whole blocks"):
        reweight(ev[100:], card, seed=SEED_A, Umu4=3e-6)
    # events of K+ -> mu+ N checked against a card with K+ -> e+ N: the production lepton does not match
    d = resolved_card_dict(card)
    d["experiment"]["production_lepton"] = "e"
    with pytest.raises(ReweightError, match="a has mass 0.1056.*production lepton e"):
        reweight(ev, parse_card(d), seed=SEED_A, Umu4=3e-6)
    with pytest.raises(ReweightError, match="no coupling"):
        reweight(ev, card)


def test_cli_reweight_na62_file(tmp_path, capsys):
    """hnlgen reweight on an NA62 ROOT file: new weights, vertices, reconstruction, TH1Ds and metadata
    (totals with the kaon-decay exposure), consistent with the events it writes."""
    import tomllib

    from detectors.miniboone.response import read_histograms
    from detectors.output.root import read_events, read_metadata
    from gen.cli.app import main
    from gen.sources.meson_decay_run import na62_histograms

    src, out = tmp_path / "a.root", tmp_path / "b.root"
    card_path = CARDS / "na62_appendixA_mumu.toml"
    assert main(["run", str(card_path), "-n", "3000", "-o", str(src), "--json"]) == 0
    capsys.readouterr()
    assert main(["reweight", str(src), "--set", "Umu4=1e-6", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "N_K^Fid = 7.94e+11" in text and "produced" in text and "accepted" in text
    meta = read_metadata(out)
    assert tomllib.loads(meta["run_card"])["model"]["Umu4"] == 1e-6
    assert float(meta["n_kaon_decays"]) == 7.94e11
    assert json.loads(meta["model"])["na62_cascade"]["U2_aN"] == pytest.approx(1e-12, rel=1e-12)
    assert json.loads(meta["reweight"])["set"] == {"Umu4": 1e-6}
    exp = json.loads(meta["expected_events"])
    ev, ev0 = read_events(out), read_events(src)
    assert len(ev) == 3000 and "weight_original" in ev.fields
    assert exp["expected_events"]["final_state"] == pytest.approx(float(ak.sum(ev.weight)), rel=1e-12)
    assert exp["expected_events"]["accepted"] == pytest.approx(float(ak.sum(ev.weight_accepted)), rel=1e-12)
    assert exp["expected_events"]["produced"] == pytest.approx(
        json.loads(read_metadata(src)["expected_events"])["expected_events"]["produced"] / 100, rel=1e-12)
    assert exp["events_generated"] == 3000
    # the file equals the in-memory reweighting of the source file (same seed from its metadata)
    mem = reweight(src, Umu4=1e-6)
    assert ak.array_equal(ev, mem.events, equal_nan=True)
    assert not np.array_equal(_xyz(ev, "vtx_N"), _xyz(ev0, "vtx_N"))
    # TH1Ds refilled from the new events
    setup = NA62Setup(load_card(card_path))
    want = na62_histograms(ev, setup)
    got = read_histograms(out, names=("h_m_ll", "h_m2_N", "h_truth_m_ll"))
    for k in got:
        np.testing.assert_allclose(got[k].values, want[k].values, rtol=1e-12, atol=0)
    with uproot.open(out) as f:
        assert f["h_m_ll"].classname == "TH1D"
    assert main(["reweight", str(src), "--set", "m4=0.2"]) == 2
    assert "model.m4" in capsys.readouterr().err
