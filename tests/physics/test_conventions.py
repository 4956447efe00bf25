"""Issue 14 conventions: complex mixings (phenomenological card = Lagrangian model), Dirac results unchanged,
the sign of the kinetic mixing, and the DarkNews-compatible setting.

Reference data (tests/physics/data):
* ``dirac_baseline.json``: decay tables and cross sections of the Dirac bundled cards recorded at commit
  67fa7b5, before the change (``make_dirac_baseline.py``);
* ``darknews_reference.json``: DarkNews 0.4.8 cross sections (validation/darknews_reference/make_reference.py,
  provenance inside).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from gen.card import CardError, build_model, load_card, parse_card
from gen.cli.app import main
from physics import constants as const
from physics import cross_sections as xs
from physics import form_factors as ff
from physics.decay_table import decay_table
from physics.model import (
    DARKNEWS_CHARGE_FACTOR,
    FLAVOURS,
    ModelError,
    model_from_lagrangian,
    model_from_phenomenological,
)
from physics.neutrino_masses import majorana_phase_conflict, sum_rule_residual

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
E_GRID = np.array([0.2, 0.35, 0.6, 1.0, 2.0, 4.0])  # GeV
PROJ = ["numu", "nuebar", "nue"]


# ------------------------------------------------------------------ phenomenological = Lagrangian
def _eq30_lagrangian(**kw) -> dict:
    """Seed 004 eq. (30) as the mass matrix of eq. (2): m5 - |m4| = mu', |m4| m5 = Lambda^2 + m_D^2,
    |U_mu5|^2 = m_D^2/(m5^2 + |m4| m5) = 1.5e-6 (so |U_D4|^2 = 7/11 up to O(1e-6))."""
    m4, m5 = 0.080, 0.140
    mD2 = 1.5e-6 * (m5**2 + m4 * m5)
    p = {"flavour": "mu", "mD": math.sqrt(mD2), "mu_prime": m5 - m4, "Lambda": math.sqrt(m4 * m5 - mD2), "gD": 2.0,
             "chi": math.sqrt(1e-5), "mzprime": 1.25}
    p.update(kw)
    return p


def _random_lagrangian() -> dict:
    """A random point with every ingredient switched on: electron flavour, a light Z' (two-body decays), a dark
    scalar with y_N and theta (h' production and decays, the sterile row N), a negative epsilon."""
    rng = np.random.default_rng(20261207)
    return {"flavour": "e", "mD": float(rng.uniform(2e-3, 8e-3)), "mu_prime": float(rng.uniform(0.1, 0.4)),
                "Lambda": float(rng.uniform(0.1, 0.3)), "gD": float(rng.uniform(0.2, 1.0)), "epsilon": -float(rng.uniform(1e-4, 1e-3)),
                "mzprime": float(rng.uniform(0.02, 0.06)), "mhprime": float(rng.uniform(0.4, 0.9)), "yN": float(rng.uniform(0.1, 0.5)),
                "theta": float(rng.uniform(1e-4, 1e-3))}


def _pheno_from(model) -> dict:
    """The model as a phenomenological card: |U| and phase (units of pi) of every entry, the N row included."""
    p = {"hnl_type": "majorana", "mzprime": model.m_zprime, "mhprime": model.m_hprime, "gD": model.g_D, "epsilon": model.epsilon,
             "theta": model.theta, "yN": model.y_N}
    for i, m in enumerate(model.m_N):
        p[f"m{4 + i}"] = float(m)
        for a, fl in enumerate(FLAVOURS):
            u = model.U[a, i]
            if u != 0:
                p[f"U{fl}{4 + i}"] = float(abs(u))
                p[f"phase_U{fl}{4 + i}"] = float(np.angle(u) / math.pi)
    return p


def _assert_same_physics(a, b, rel: float) -> None:
    ta, tb = decay_table(a), decay_table(b)
    assert set(ta) == set(tb)
    n = 0
    for name in ta:
        ca = {c.final_state: c.width_GeV for c in ta[name].channels}
        cb = {c.final_state: c.width_GeV for c in tb[name].channels}
        assert set(ca) == set(cb), name
        for k, w in ca.items():
            assert cb[k] == pytest.approx(w, rel=rel, abs=1e-300), (name, k)
            n += 1
    assert n > 10
    sa = xs.xsec_arrays(a, E_GRID, PROJ, ["C12", "H1"])
    sb = xs.xsec_arrays(b, E_GRID, PROJ, ["C12", "H1"])
    assert sa["labels"] == sb["labels"]
    assert np.any(sa["sigma_cm2"] > 0)
    np.testing.assert_allclose(sb["sigma_cm2"], sa["sigma_cm2"], rtol=rel, atol=0)


@pytest.mark.parametrize("point", ["eq30", "random"])
def test_phenomenological_card_equals_lagrangian_model(point):
    """The same complex mixing matrix through either input path gives the same decay table (every channel width)
    and cross sections (every channel, 3 flavours, C12 and H1, 0.2-4 GeV) to 1e-10 relative (rounding: the
    phenomenological path rebuilds U from |U| and a phase, ~1e-16 per entry)."""
    lag = model_from_lagrangian(_eq30_lagrangian() if point == "eq30" else _random_lagrangian())
    assert np.any(np.abs(lag.U.imag) > 0.1)  # the Takagi factor i is there
    pheno = model_from_phenomenological(_pheno_from(lag))
    np.testing.assert_allclose(pheno.U, lag.U, rtol=0, atol=1e-15)
    _assert_same_physics(lag, pheno, rel=1e-10)


def test_eq30_card_is_the_lagrangian_point():
    """cards/three_portal_heavy_zprime.toml (|U|'s typed to 10 digits, phase_Umu4 = phase_UD4 = 0.5) is the eq. (2)
    model: tree sum rules hold, no phase warning, and c tau0(N5) equals the Lagrangian one (349.2 cm) to 1e-6 (the
    card's UD's are unitarised at O(1e-6), the Lagrangian's |U_D4|^2 = 7/11 - O(1e-6))."""
    card = build_model(load_card(ROOT / "cards" / "three_portal_heavy_zprime.toml"))
    lag = model_from_lagrangian(_eq30_lagrangian())
    assert sum_rule_residual(card) < 1e-8
    assert majorana_phase_conflict(card) is None
    tc, tl = decay_table(card, particles=["N4", "N5"]), decay_table(lag, particles=["N4", "N5"])
    assert tc["N5"].ctau0_cm == pytest.approx(tl["N5"].ctau0_cm, rel=1e-6)
    assert tc["N5"].ctau0_cm == pytest.approx(349.24, rel=1e-4)
    assert tc["N4"].ctau0_cm == pytest.approx(tl["N4"].ctau0_cm, rel=1e-6)


def test_real_mixings_at_eq30_are_reported(capsys, tmp_path):
    """The eq. (30) card without its phases: hnlgen check names the relation (seed 004 eq. 2-3) and the fix;
    the physics differs (N5 -> N4 e+e- interferes constructively: c tau0 126.5 cm instead of 349.2 cm)."""
    text = (ROOT / "cards" / "three_portal_heavy_zprime.toml").read_text()
    text = "\n".join(line for line in text.splitlines() if not line.startswith("phase_U"))
    path = tmp_path / "eq30_real.toml"
    path.write_text(text)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "# warning: model:" in out and "eq. 3" in out and "eq. 2" in out and "phase_Umu4 = 0.5" in out
    real = build_model(load_card(path))
    assert decay_table(real, particles=["N5"])["N5"].ctau0_cm == pytest.approx(126.52, rel=1e-4)


def test_phase_keys_and_errors():
    base = {"hnl_type": "majorana", "m4": 0.1, "m5": 0.2, "mzprime": 1.0, "Umu4": 1e-3, "UD4": 0.5, "gD": 1.0, "epsilon": 1e-3}
    m = model_from_phenomenological(dict(base, phase_Umu4=0.5, phase_UD4=-1.0))
    assert m.U[1, 0] == 1e-3j and m.U[3, 0] == -0.5  # exact at multiples of 1/2
    m = model_from_phenomenological(dict(base, phase_Umu4=0.25))
    assert m.U[1, 0] == pytest.approx(1e-3 * complex(math.cos(math.pi / 4), math.sin(math.pi / 4)), rel=1e-15)
    assert m.summary()["mixing"]["phase_Umu4"] == pytest.approx(0.25, rel=1e-12)
    with pytest.raises(ModelError, match="phase_Ue4.*needs a non-zero Ue4"):
        model_from_phenomenological(dict(base, phase_Ue4=0.5))
    with pytest.raises(ModelError, match="phase_Umu4.*units of pi"):
        model_from_phenomenological(dict(base, phase_Umu4=3.0))
    with pytest.raises(ModelError, match="convention"):
        model_from_phenomenological(dict(base, convention="other"))


def test_card_keys_convention_and_phase():
    d = {"schema_version": 1, "experiment": {"name": "miniboone_fhc"},
         "model": {"m4": 0.42, "mzprime": 0.03, "Umu4": 1e-3, "UD4": 1.0, "alphaD": 0.25, "alpha_epsilon2": 2e-10}}
    assert build_model(parse_card(d)).convention == "hnlgen"
    assert build_model(parse_card({**d, "model": {**d["model"], "convention": "darknews"}})).convention == "darknews"
    with pytest.raises(CardError, match=r"model.convention = 'DarkNews': allowed: 'hnlgen' or 'darknews'"):
        parse_card({**d, "model": {**d["model"], "convention": "DarkNews"}})
    with pytest.raises(CardError, match=r"model.phase_Umu4 = 5: must satisfy \|phase_Umu4\| <= 2 \(phases are in units of pi"):
        build_model(parse_card({**d, "model": {**d["model"], "phase_Umu4": 5}}))


def test_lagrangian_card_rejects_phase_keys():
    with pytest.raises(CardError, match="phase_Umu4"):
        build_model(parse_card({"schema_version": 1, "model": {"phase_Umu4": 0.5, "lagrangian": _eq30_lagrangian()},
                                "experiment": {"name": "miniboone_fhc"}}))


# ------------------------------------------------------------------ Dirac unchanged
def test_dirac_results_unchanged():
    """Decay tables and cross sections of the Dirac bundled cards equal those recorded before the change (67fa7b5)
    to 1e-12 relative (same code path, same arithmetic; tolerance for libm differences only)."""
    ref = json.loads((DATA / "dirac_baseline.json").read_text())
    for card_path, rec in ref["cards"].items():
        model = build_model(load_card(ROOT / card_path))
        assert model.hnl_type == "dirac"
        table = decay_table(model)
        for name, d in rec["decays"].items():
            got = {c.final_state: c.width_GeV for c in table[name].channels}
            assert got.keys() == d["channels"].keys(), (card_path, name)
            for k, w in d["channels"].items():
                assert got[k] == pytest.approx(w, rel=1e-12, abs=1e-300), (card_path, name, k)
        res = xs.xsec_arrays(model, np.array(rec["E_GeV"]), ["numu", "numubar", "nue"], ["C12", "H1"])
        for lab, s in zip(res["labels"], res["sigma_cm2"]):
            key = f"{lab['projectile']} {lab['hnl']} {lab['target']} {lab['regime']} {lab['helicity']}"
            # 1e-8: the helicity-flipping |M|^2 was rewritten without its cancellation after the baseline was
            # recorded (physics.cross_sections.msq_upscattering, issue 16); where the old form lost digits the
            # values moved by up to 8.7e-10 (3e-45 cm^2 near threshold); everything else agrees to 1e-12
            np.testing.assert_allclose(s, rec["sigma_cm2"][key], rtol=1e-8, atol=0, err_msg=f"{card_path} {key}")


# ------------------------------------------------------------------ signs
E_SPLIT = np.array([0.5, 1.0, 3.0])  # GeV


def _split(model, E=E_SPLIT):
    r = xs.xsec_arrays(model, E, ["numu", "numubar"], ["C12", "H1"], split_diagrams=True)
    return {k: r[k] for k in ("sigma_cm2", "sigma_Zprime_cm2", "sigma_Z_cm2", "sigma_interference_cm2")}


@pytest.mark.parametrize("card", ["eq30", "light"])
def test_interference_flips_with_the_coupling_sign_only(card):
    """sigma = sigma_Z' + sigma_Z + interference: flipping the sign of epsilon or of g_D flips the interference and
    nothing else; flipping both, or the sign (or a phase) of a heavy state's mixings, changes nothing (an overall
    rephasing of a state's column). Checked on cross sections (all pieces) and decay tables (every width); the
    squared pieces to 1e-12, the interference to 2e-7 of the channel's total (quadrature)."""
    if card == "eq30":
        p = {"hnl_type": "majorana", "m4": 0.080, "m5": 0.140, "mzprime": 1.25, "Umu4": 1.6201851746e-3, "Umu5": 1.2247448714e-3,
                 "UD4": 0.7977240352, "UD5": 0.6030226892, "phase_Umu4": 0.5, "phase_UD4": 0.5, "gD": 2.0, "chi": 3.1622776602e-3}
        flip_col = {"phase_Umu5": 1.0, "phase_UD5": 1.0}
    else:
        p = {"hnl_type": "dirac", "m4": 0.42, "mzprime": 0.03, "Umu4": math.sqrt(9e-7), "UD4": 1.0, "gD": math.sqrt(math.pi), "epsilon": math.sqrt(2e-10 / const.alpha_em)}
        flip_col = {"Umu4": -p["Umu4"], "UD4": -1.0}
    ref = _split(model_from_phenomenological(p))
    open_ = ref["sigma_cm2"] > 0
    assert np.max(np.abs(ref["sigma_interference_cm2"][open_] / ref["sigma_cm2"][open_])) > 1e-3  # visible
    neg_eps = dict(p, **({"chi": -p["chi"]} if "chi" in p else {"epsilon": -p["epsilon"]}))
    for q, sign in ((neg_eps, -1), (dict(p, gD=-p["gD"]), -1), (dict(neg_eps, gD=-p["gD"]), 1), (dict(p, **flip_col), 1)):
        got = _split(model_from_phenomenological(q))
        for k in ("sigma_Zprime_cm2", "sigma_Z_cm2"):
            np.testing.assert_allclose(got[k], ref[k], rtol=1e-12, atol=0)
        # the interference is total - Z' - Z; the adaptive Q2 quadrature places its nodes by the total: 4e-8 measured
        diff = np.abs(got["sigma_interference_cm2"] - sign * ref["sigma_interference_cm2"])
        assert np.all(diff <= 2e-7 * (ref["sigma_cm2"] + np.abs(ref["sigma_interference_cm2"])))
    t0 = decay_table(model_from_phenomenological(p))
    for q in (dict(neg_eps, gD=-p["gD"]), dict(p, **flip_col)):
        t1 = decay_table(model_from_phenomenological(q))
        for name in t0:
            assert t1[name].width_GeV == pytest.approx(t0[name].width_GeV, rel=1e-12, abs=0), name
    t1 = decay_table(model_from_phenomenological(neg_eps))
    assert t1["Zprime"].width_GeV == pytest.approx(t0["Zprime"].width_GeV, rel=1e-12, abs=0)  # |e eps|^2 and g_D^2 only


def test_signed_coupling_inputs():
    base = {"hnl_type": "dirac", "m4": 0.1, "mzprime": 1.0, "Umu4": 1e-3, "UD4": 1.0}
    m = model_from_phenomenological(dict(base, chi=-1e-3, gD=-0.5))
    assert m.epsilon == pytest.approx(-1e-3 * const.cos_thetaW, rel=1e-15) and m.g_D == -0.5
    assert m.alpha_D == pytest.approx(0.25 / (4 * math.pi), rel=1e-15)
    with pytest.raises(ModelError, match="alpha_epsilon2.*square.*epsilon or chi"):
        model_from_phenomenological(dict(base, alpha_epsilon2=-1e-9, gD=1.0))
    with pytest.raises(ModelError, match="alphaD.*square.*gD"):
        model_from_phenomenological(dict(base, alphaD=-0.1, epsilon=1e-3))
    with pytest.raises(ModelError, match=r"\|gD\| <= sqrt\(4 pi\)"):
        model_from_phenomenological(dict(base, gD=-4.0, epsilon=1e-3))


# ------------------------------------------------------------------ DarkNews compatibility
DN = json.loads((DATA / "darknews_reference.json").read_text())


def _dn_model(name: str, convention: str = "darknews"):
    p = dict(DN["benchmarks"][name]["parameters"])
    p["hnl_type"] = p.pop("HNLtype")
    return model_from_phenomenological(dict(p, convention=convention))


def _ours(model, label: str, E, diagrams=xs.DIAGRAMS):
    h, regime, hel = label.split()
    target = ff.get_target("C12" if regime == "coherent" else "H1")  # p-el: per free proton, as DarkNews' nucleon
    par = xs.channel_params(model, "numu", model.heavy_names.index(h), target, regime, hel, diagrams=diagrams)
    return xs.sigma_upscattering_array(np.asarray(E, dtype=float), xs.channel_array([par]))[0] * xs.hbarc2


def test_darknews_charge_factor():
    """DarkNews' Z'-proton vector coupling over e epsilon (stored from its model object) is our factor, 1.01914
    (its e = gweak s_W); DarkNews uses tan(chi) (+1e-8 at the light point) and at the heavy benchmark its Z-Z' mass
    mixing adds 8e-6."""
    assert DARKNEWS_CHARGE_FACTOR == pytest.approx(DN["benchmarks"]["light"]["darknews_Zprime_proton_vector_over_e_epsilon"], rel=1e-7)
    assert DARKNEWS_CHARGE_FACTOR == pytest.approx(DN["benchmarks"]["heavy"]["darknews_Zprime_proton_vector_over_e_epsilon"], rel=2e-5)
    m = _dn_model("light")
    assert m.e_epsilon_decay == pytest.approx(DARKNEWS_CHARGE_FACTOR * const.e_charge * m.epsilon, rel=1e-15, abs=0)
    assert m.e_epsilon_scattering == -m.e_epsilon_decay  # Dirac
    h = _dn_model("heavy")
    assert h.e_epsilon_scattering == h.e_epsilon_decay  # Majorana: DarkNews has our sign


def test_darknews_light_benchmark_coherent_total():
    """Light benchmark (Dirac, m_N 420 MeV, m_Z' 30 MeV), nu_mu C12 coherent, summed over helicities: the
    DarkNews-compatible setting reproduces DarkNews 0.4.8 to 1e-4 from 0.5 (70 MeV above threshold) to 5 GeV
    (measured: <= 5e-5). The per-helicity pieces differ near threshold by the frame of the helicity (DarkNews: CM,
    ours: lab; test_darknews_differences.py), the helicity sums do not. The default convention (interference of
    the other sign) differs by 0.1-2.2 %, which shows that the test sees the sign."""
    rec = DN["benchmarks"]["light"]
    E = np.array(rec["E_GeV"])
    keep = E >= 0.5
    dn = np.array(rec["sigma_cm2"]["N4 coherent conserving"]) + np.array(rec["sigma_cm2"]["N4 coherent flipping"])
    ours = sum(_ours(_dn_model("light"), f"N4 coherent {h}", E) for h in ("conserving", "flipping"))
    np.testing.assert_allclose(ours[keep], dn[keep], rtol=1e-4, atol=0)
    default = sum(_ours(_dn_model("light", "hnlgen"), f"N4 coherent {h}", E) for h in ("conserving", "flipping"))
    assert np.all(np.abs(default[keep] / dn[keep] - 1) > 1e-3)


@pytest.mark.parametrize("bench,label,e_min", [
    ("light", "N4 coherent conserving", 0.75), ("light", "N4 p-el conserving", 1.0),
    ("heavy", "N4 coherent conserving", 0.5), ("heavy", "N5 coherent conserving", 0.5),
    ("heavy", "N4 p-el conserving", 0.75), ("heavy", "N5 p-el conserving", 0.75)])
def test_darknews_zprime_squared(bench, label, e_min):
    """The Z'-exchange squared cross section (DarkNews' KinMix_SQR) with the DarkNews coupling, coherent on C12 and
    elastic on a free proton, to 0.1 % above e_min (measured <= 2.5e-4; near threshold the differences grow to 2.5e-3
    (p-el) and 1.7e-3 (coherent): DarkNews' helicity is the CM-frame one, ours the lab-frame one, see the helicity
    sums below and test_darknews_differences.py)."""
    rec = DN["benchmarks"][bench]
    E = np.array(rec["E_GeV"])
    keep = E >= e_min
    ours = _ours(_dn_model(bench), label, E, diagrams=("Zprime",))
    np.testing.assert_allclose(ours[keep], np.array(rec["sigma_KinMix_SQR_cm2"][label])[keep], rtol=1e-3, atol=0)


@pytest.mark.parametrize("bench,label", [("light", "N4 coherent"), ("light", "N4 p-el"), ("heavy", "N4 coherent"),
                                         ("heavy", "N5 coherent"), ("heavy", "N4 p-el"), ("heavy", "N5 p-el")])
def test_darknews_zprime_squared_helicity_sum(bench, label):
    """Summed over helicities the Z'-squared pieces agree at every open energy 0.5-5 GeV, threshold included, to
    3e-4 (measured <= 1.7e-4: DarkNews' tan(chi) and Z-Z' mass mixing in the coupling): the near-threshold
    differences of the conserving pieces above are the frame of the helicity, not the cross section."""
    rec = DN["benchmarks"][bench]
    E = np.array(rec["E_GeV"])
    dn = sum(np.array(rec["sigma_KinMix_SQR_cm2"][f"{label} {h}"]) for h in ("conserving", "flipping"))
    ours = sum(_ours(_dn_model(bench), f"{label} {h}", E, diagrams=("Zprime",)) for h in ("conserving", "flipping"))
    open_ = dn > 0
    assert open_.sum() >= 6
    np.testing.assert_allclose(ours[open_], dn[open_], rtol=3e-4, atol=0)


def test_darknews_light_interference_sign():
    """Dirac light benchmark, coherent: DarkNews' Z-Z' interference has the sign of our darknews setting (opposite to
    our default) and agrees with it to 0.5 % (measured 0.2 %; the Z couplings differ by DarkNews' s_W^2 = 0.22343
    against our on-shell 0.22321) from 0.75 GeV."""
    rec = DN["benchmarks"]["light"]
    E = np.array(rec["E_GeV"])
    keep = E >= 0.75
    label = "N4 coherent conserving"
    dn = np.array(rec["sigma_KinMix_NC_inter_cm2"][label])

    def inter(conv):
        m = _dn_model("light", conv)
        return _ours(m, label, E) - _ours(m, label, E, ("Zprime",)) - _ours(m, label, E, ("Z",))

    np.testing.assert_allclose(inter("darknews")[keep], dn[keep], rtol=5e-3, atol=0)
    assert np.all(np.sign(inter("hnlgen")) == -np.sign(dn))


@pytest.mark.parametrize("bench,labels,same_sign_as_default", [
    ("light", ("N4 coherent conserving", "N4 p-el conserving"), False),
    ("heavy", ("N4 coherent conserving", "N5 coherent conserving", "N4 p-el conserving", "N5 p-el conserving"), True)])
def test_darknews_interference_sign_by_hnl_type(bench, labels, same_sign_as_default):
    """DarkNews' Z-Z' interference has the opposite sign to ours for Dirac N (light benchmark) and our sign for
    Majorana N (eq. 30), coherent and p-el: the darknews setting reverses the scattering sign for Dirac N only and
    then has DarkNews' sign in every channel."""
    rec = DN["benchmarks"][bench]
    E = np.array(rec["E_GeV"])
    for label in labels:
        dn = np.array(rec["sigma_KinMix_NC_inter_cm2"][label])
        for conv in ("darknews", "hnlgen"):
            m = _dn_model(bench, conv)
            ours = _ours(m, label, E) - _ours(m, label, E, ("Zprime",)) - _ours(m, label, E, ("Z",))
            open_ = dn != 0
            same = conv == "darknews" or same_sign_as_default
            assert np.all(np.sign(ours[open_]) == (1 if same else -1) * np.sign(dn[open_])), (label, conv)


def test_darknews_majorana_interference_exceeds_the_schwarz_bound():
    """Why the heavy (Majorana) totals are not compared: DarkNews 0.4.8's coherent Z-Z' interference for Majorana N
    is twice the Cauchy-Schwarz bound |2 Re sum M_Z' M_Z^*| <= 2 sqrt(sum|M_Z'|^2 sum|M_Z|^2) of its own squared
    pieces (coherent scattering: both amplitudes have the same Lorentz structure, so the bound is nearly saturated),
    not a convention we could reproduce. Ours saturates it to within the propagator variation (ratio > 0.95).
    Cause (test_darknews_differences.py): DarkNews' Majorana Z-squared and interference pieces are, per helicity,
    1x and 2x our helicity SUM, i.e. 2x and 4x ours summed, and 4/sqrt(2 * 2) = 2."""
    rec = DN["benchmarks"]["heavy"]
    E = np.array(rec["E_GeV"])
    for label in ("N4 coherent conserving", "N5 coherent conserving"):
        zp, z, i = (np.array(rec[f"sigma_{k}_cm2"][label]) for k in ("KinMix_SQR", "NC_SQR", "KinMix_NC_inter"))
        assert np.all(np.abs(i) / (2 * np.sqrt(zp * z)) == pytest.approx(2.0, rel=1e-2))
        m = _dn_model("heavy")
        ozp, oz = _ours(m, label, E, ("Zprime",)), _ours(m, label, E, ("Z",))
        oi = _ours(m, label, E) - ozp - oz
        r = np.abs(oi) / (2 * np.sqrt(ozp * oz))
        assert np.all((r > 0.95) & (r <= 1.0 + 1e-9))


def test_darknews_decay_widths():
    """Decays with the DarkNews coupling (its sign in decays is ours): Z' -> e+e- at the light benchmark to 1e-6
    (measured 2e-8; the default convention is 1.01914^2 = 3.9 % lower), and the eq. (30) N5 -> N4 e+e- width with
    DarkNews' real mixings to 1e-3 (its VEGAS width has an error of the mean of 3e-4; measured 7e-6)."""
    w = DN["benchmarks"]["light"]["width_GeV"]
    t = decay_table(_dn_model("light"), particles=["Zprime"])["Zprime"]
    ee = next(c.width_GeV for c in t.channels if c.final_state == "e+ e-")
    assert ee == pytest.approx(w["Zprime -> e+ e- (DarkNews.decay_rates.gamma_V_to_ell_ell)"], rel=1e-6, abs=0)
    t0 = decay_table(_dn_model("light", "hnlgen"), particles=["Zprime"])["Zprime"]
    assert next(c.width_GeV for c in t0.channels if c.final_state == "e+ e-") == pytest.approx(ee / DARKNEWS_CHARGE_FACTOR**2, rel=1e-12, abs=0)
    h = DN["benchmarks"]["heavy"]["width_GeV"]
    n5 = decay_table(_dn_model("heavy"), particles=["N5"])["N5"]
    ours = next(c.width_GeV for c in n5.channels if c.final_state == "N4 e+ e-")
    dn, err = h["N5 -> N4 e+ e- (FermionDileptonDecay.total_width, VEGAS)"], h["N5 -> N4 e+ e- VEGAS error of the mean"]
    assert err / dn < 1e-3
    assert ours == pytest.approx(dn, rel=1e-3, abs=0)


def test_darknews_two_body_width_lacks_the_longitudinal_factor():
    """Not reproduced, documented: DarkNews 0.4.8's N -> nu Z' (decay_rates.gamma_Ni_to_Nj_V) is ours divided by
    exactly (m_N/m_Z')^2 = 196 at the light benchmark: its polynomial has no (1 - r1^2)^2/r2^2 term, the longitudinal
    Z' that seed 004 eq. (13) carries as m_h^3/m_Z'^2. The branching ratio (~1) and so the rates are unaffected;
    only the (prompt) N lifetime differs."""
    m = _dn_model("light")
    t = decay_table(m, particles=["N4"])["N4"]
    ours = next(c.width_GeV for c in t.channels if c.final_state == "numu Zprime")
    dn = DN["benchmarks"]["light"]["width_GeV"]["N4 -> nu Zprime (DarkNews.decay_rates.gamma_Ni_to_Nj_V)"]
    # 1e-5: our coupling carries the unitarised |U_D4|^2 = 1 - |U_mu4|^2 (2e-6 with the light projector)
    assert ours / dn == pytest.approx((m.m_N[0] / m.m_zprime) ** 2, rel=1e-5)
