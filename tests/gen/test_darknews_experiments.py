"""Upscattered-event totals of library experiments against DarkNews 0.4.8 at the light benchmark.

Reference numbers: tests/gen/data/darknews_experiments_reference.json (validation/darknews_experiments.py,
provenance inside). The chain of convention differences, each computed exactly in hnlgen, is
validation/darknews_compare.py (docstring there); its result for the four experiments is in
validation/darknews_experiments.md.

Tolerance: after the chain the two numbers should differ only by DarkNews' MC error (its sqrt(sum w^2),
0.2-0.5 %) and the quadrature error of both (hnlgen: Simpson on half flux bins, checked against finer
sub-bins below to < 0.1 %); we allow 3 sigma_MC + 0.3 %. Before the chain hnlgen is 3.5-3.7 % low, of which
the Z' coupling explains r^2 - 1 = 3.87 %.
"""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REF = json.loads((ROOT / "tests" / "gen" / "data" / "darknews_experiments_reference.json").read_text())


def _compare_module():
    spec = importlib.util.spec_from_file_location("darknews_compare", ROOT / "validation" / "darknews_compare.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_reference_provenance():
    p = REF["provenance"]
    assert p["generator"] == "DarkNews 0.4.8"
    assert p["parameters"]["m4"] == 0.42 and p["parameters"]["mzprime"] == 0.03
    assert p["parameters"]["alpha_epsilon2"] == 2e-10 and p["parameters"]["HNLtype"] == "dirac"
    assert p["parameters"]["nu_flavors"] == ["nu_mu"] and not p["parameters"]["include_nelastic"]
    assert set(REF["experiments"]) == {"microboone", "minerva_le_fhc", "nd280_fhc", "sbnd"}
    for r in REF["experiments"].values():
        assert r["mc_error"] / r["events"] < 0.01  # < 1 % MC error, as asked
    assert REF["zprime_coupling_over_e_eps"]["proton"] == pytest.approx(1.0191, abs=1e-4)


@pytest.mark.parametrize("name", ["microboone",
                                  pytest.param("minerva_le_fhc", marks=pytest.mark.slow),
                                  pytest.param("nd280_fhc", marks=pytest.mark.slow),
                                  pytest.param("sbnd", marks=pytest.mark.slow)])
def test_totals_match_darknews_after_the_convention_chain(name):
    c = _compare_module().compare(name, REF)
    s, dn, err = c["steps"], c["darknews"], c["darknews_mc_error"]
    r2 = REF["zprime_coupling_over_e_eps"]["proton"] ** 2
    # raw: hnlgen is low by about the coupling factor (Z'-dominated at this benchmark)
    assert s["hnlgen"] / dn == pytest.approx(1 / r2, rel=0.01)
    # every step is a small, signed change; the last agrees with DarkNews within its MC error + 0.3 %
    assert s["x coupling r"] / s["hnlgen"] == pytest.approx(r2, rel=2e-3)
    assert abs(s["flip interference"] / s["x coupling r"] - 1) < 0.01
    assert abs(s["E > 1.05 threshold"] / s["flip interference"] - 1) < 0.003
    assert abs(s["DarkNews target counts"] / s["E > 1.05 threshold"] - 1) < 0.003
    assert s["DarkNews target counts"] == pytest.approx(dn, abs=3 * err + 0.003 * dn)


@pytest.mark.slow
def test_quadrature_is_the_generator_table_and_converged():
    """The compare module's quadrature is what gen.sources.upscattering.prepare tabulates (same function, same sub-bins), and
    halving the sub-bins changes it by < 0.1 %."""
    import numpy as np

    from gen.sources.upscattering import prepare

    mod = _compare_module()
    card = mod.benchmark_card("microboone", 1.6555e-4)
    setup = prepare(card)
    mine = mod.channel_rates(card)
    for lab, r in zip(setup.labels, setup.ch_rate_table, strict=True):
        assert mine[(lab["target"], lab["regime"], lab["helicity"])] == pytest.approx(r, rel=1e-12)
    from gen.core import flux as F

    orig = F.energy_sampling_table
    try:
        F.energy_sampling_table = lambda *a, n_sub=2, **k: orig(*a, n_sub=4, **k)
        fine = mod.channel_rates(card)
    finally:
        F.energy_sampling_table = orig
    tot, tot_fine = sum(mine.values()), sum(fine.values())
    assert tot_fine == pytest.approx(tot, rel=1e-3)
    assert np.isfinite(tot)
