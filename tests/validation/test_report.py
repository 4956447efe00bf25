"""Validation framework (gen.validation.comparisons) and ``hnlgen validate``."""

import argparse
import re
import subprocess
import sys

import pytest

from gen.cli import validate as validate_cmd
from gen.validation import comparisons as v
from gen.validation import miniboone as v_miniboone
from gen.validation import na62 as v_na62


@pytest.fixture
def fake_registry(monkeypatch):
    """An isolated registry holding only the comparisons a test registers."""
    monkeypatch.setattr(v, "_REGISTRY", {})
    monkeypatch.setattr(v, "COMPARISON_MODULES", [])
    return v


def _register_fakes(reg):
    @reg.comparison("good", quick=True)
    def good(ctx):
        """A passing number."""
        return reg.check_number("two", compared="1+1", source="arithmetic", ours=2.0, theirs=2.0, abs_tol=1e-12, tolerance_reason="exact")

    @reg.comparison("bad", quick=True)
    def bad(ctx):
        """A failing number."""
        return [reg.check_number("three", compared="1+1", source="arithmetic", ours=2.0, theirs=3.0, rel_tol=0.01, tolerance_reason="1%")]

    @reg.comparison("needs_missing", quick=True, requires=("physics.module_that_does_not_exist",))
    def needs_missing(ctx):
        """Needs a module that is not there."""
        raise AssertionError("must not be called")

    @reg.comparison("imports_missing", quick=True)
    def imports_missing(ctx):
        """Imports a project module that is not there."""
        import physics.another_module_that_does_not_exist  # noqa: F401

    @reg.comparison("stub", quick=True)
    def stub(ctx):
        """Not written yet."""
        raise reg.ComparisonNotImplemented("hook for the lead")

    @reg.comparison("crashes", quick=True)
    def crashes(ctx):
        """Raises."""
        raise RuntimeError("boom")

    @reg.comparison("slow_one", quick=False)
    def slow_one(ctx):
        """Full run only."""
        return reg.check_number("slow", compared="x", source="y", ours=1.0, theirs=1.0, tolerance_reason="exact")


def test_report_statuses_and_table(fake_registry, tmp_path):
    _register_fakes(fake_registry)
    results = v.run_validation(quick=True, outdir=tmp_path)
    status = {c.group: c.status for c in results}
    assert status == {"good": "PASS", "bad": "FAIL", "needs_missing": "SKIP", "imports_missing": "SKIP", "stub": "SKIP", "crashes": "FAIL"}
    reasons = {c.group: c.reason for c in results}
    assert "physics.module_that_does_not_exist" in reasons["needs_missing"]
    assert "physics.another_module_that_does_not_exist" in reasons["imports_missing"]
    assert "hook for the lead" in reasons["stub"] and "RuntimeError: boom" in reasons["crashes"]
    text = (tmp_path / "report.md").read_text()
    head, _, body = text.partition("## Summary")
    assert "**1 PASS, 2 FAIL, 0 FAIL (explained), 3 SKIP, 0 INFO**" in head
    assert "| # | comparison | status | ours | theirs | tolerance | note |" in body
    assert body.count("| SKIP |") == 3
    assert "## 1. two: PASS" in body and "- **Source:** arithmetic" in body and "- **Tolerance:** abs 1e-12 (exact)" in body


def test_quick_excludes_full_comparisons(fake_registry, tmp_path):
    _register_fakes(fake_registry)
    assert "slow_one" not in {c.group for c in v.run_validation(quick=True, outdir=tmp_path)}
    assert "slow_one" in {c.group for c in v.run_validation(quick=False, outdir=tmp_path)}
    assert [c.group for c in v.run_validation(quick=False, outdir=tmp_path, names=["good"])] == ["good"]
    with pytest.raises(ValueError, match="unknown comparison"):
        v.run_validation(quick=True, outdir=tmp_path, names=["nope"])


def test_missing_comparison_module_is_a_skip(fake_registry, tmp_path):
    fake_registry.COMPARISON_MODULES.append("detectors.validation_module_that_does_not_exist")
    (res,) = v.run_validation(quick=True, outdir=tmp_path)
    assert res.status == "SKIP" and "does not exist yet" in res.reason


def test_duplicate_names_and_bad_status_are_errors(fake_registry):
    @v.comparison("x")
    def one(ctx):
        """One."""

    with pytest.raises(ValueError, match="registered twice"):

        @v.comparison("x")
        def two(ctx):
            """Two."""

    with pytest.raises(ValueError, match="status"):
        v.Comparison("n", "c", "s", 1.0, 1.0, "exact", "OK")


def test_check_number_tolerances():
    kw = dict(compared="c", source="s", tolerance_reason="r")
    assert v.check_number("a", ours=1.04, theirs=1.0, rel_tol=0.05, **kw).status == "PASS"
    assert v.check_number("a", ours=1.06, theirs=1.0, rel_tol=0.05, **kw).status == "FAIL"
    assert v.check_number("a", ours=1.06, theirs=1.0, rel_tol=0.05, abs_tol=0.02, **kw).status == "PASS"
    assert v.check_number("a", ours=float("nan"), theirs=1.0, rel_tol=1.0, **kw).status == "FAIL"


def test_validate_command_exit_codes(fake_registry, tmp_path, capsys):
    _register_fakes(fake_registry)
    parser = argparse.ArgumentParser(prog="hnlgen")
    validate_cmd.register(parser.add_subparsers(dest="command"))
    ok = parser.parse_args(["validate", "--quick", "-o", str(tmp_path), "--only", "good", "stub"])
    assert ok.func(ok) == 0
    bad = parser.parse_args(["validate", "--quick", "-o", str(tmp_path), "--only", "good", "bad"])
    assert bad.func(bad) == 1
    assert "FAIL  three" in capsys.readouterr().out


def test_validate_command_json(fake_registry, tmp_path, capsys):
    """--json: the records on stdout (for diffing two runs), the summary on stderr; exit status unchanged."""
    import json

    _register_fakes(fake_registry)
    parser = argparse.ArgumentParser(prog="hnlgen")
    validate_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["validate", "--quick", "-o", str(tmp_path), "--only", "good", "bad", "--json"])
    assert args.func(args) == 1
    out, err = capsys.readouterr()
    recs = json.loads(out)
    assert [(r["group"], r["name"], r["status"]) for r in recs] == [("good", "two", "PASS"), ("bad", "three", "FAIL")]
    assert recs[1]["ours"] == 2.0 and recs[1]["theirs"] == 3.0 and "seconds" not in recs[0]
    assert "FAIL  three" in err and "2 comparisons: 1 PASS, 1 FAIL" in err


def test_builtin_quick_comparisons_pass(quick_results):
    # the quick run of the module fixture below (one quick validation pass for the whole module: issue 16)
    res, tmp_path = quick_results
    results = list(res.values())
    assert {c.name for c in results if c.status == "FAIL"} == KNOWN_UNEXPLAINED  # defined below (issue 14)
    names = {c.group for c in results}
    assert {"miniboone_release_sums", "miniboone_background_only_chi2", "miniboone_release_consistency"} <= names
    bertuzzo = [c for c in results if "2018 release, combined" in c.name]
    assert len(bertuzzo) == 1 and bertuzzo[0].status == "PASS" and bertuzzo[0].theirs == 63.8
    assert (tmp_path / "miniboone_release_spectra.png").stat().st_size > 10_000


@pytest.mark.slow  # 30-70 s: the whole quick validation in a subprocess; its comparisons run in quick_results
def test_hnlgen_validate_quick_end_to_end(tmp_path):
    out = tmp_path / "tmp"
    proc = subprocess.run([sys.executable, "-m", "gen", "validate", "--quick", "-o", str(out)], capture_output=True, text=True, timeout=300)
    # exit 1: the report has the known unexplained FAILs (KNOWN_UNEXPLAINED below, issue 14) and no other
    assert proc.returncode == 1, proc.stdout + proc.stderr
    text = (out / "report.md").read_text()
    assert text.startswith("# hnlgen validation report") and "## Summary" in text
    m = re.search(rf"(\d+) comparisons: (\d+) PASS, {len(KNOWN_UNEXPLAINED)} FAIL, (\d+) SKIP", proc.stdout)
    assert m, proc.stdout
    assert text.count("| SKIP |") == int(m.group(3))  # modules still missing are SKIP rows, not errors
    assert list(out.glob("*.png"))
    page = (out / "report.html").read_text(encoding="utf-8")  # same records (tests/validation/test_report_html.py)
    assert page.count('<tr class="record-row ') == int(m.group(1))
    srcs = re.findall(r'<img src="([^"]+)"', page)
    assert srcs and all((out / s).is_file() for s in srcs)


@pytest.mark.parametrize("module", ["gen.validation.comparisons", "detectors.miniboone.fit"])
def test_public_api_is_pinned(module):
    import importlib

    mod = importlib.import_module(module)
    assert all(hasattr(mod, name) for name in mod.__all__)
    expected = {
        "gen.validation.comparisons": {"Comparison", "comparison", "check_number", "run_validation", "write_report", "registry", "ComparisonNotImplemented"},
        "detectors.miniboone.fit": {"chi2", "fit", "FitResult", "load_release", "read_signal", "covariance", "collapse_covariance", "full_covariance"},
    }[module]
    assert expected <= set(mod.__all__)


# ------------------------------------------------------------------ explained FAILs
def _register_explained(reg):
    @reg.comparison("understood", quick=True)
    def understood(ctx):
        """A known, explained disagreement."""
        c = reg.check_number("four", compared="2+2", source="a paper with a typo", ours=4.0, theirs=5.0, abs_tol=0.1, tolerance_reason="exact")
        return reg.explained(c, "the paper's eq. (1) has a typo: 2+2 = 4, as its eq. (2) shows.", "typo in eq. (1)")

    @reg.comparison("good", quick=True)
    def good(ctx):
        """A passing number."""
        return reg.explained(reg.check_number("two", compared="1+1", source="s", ours=2.0, theirs=2.0, tolerance_reason="exact"),
                             "would be the cause", "cause")


def test_explained_fail_is_counted_separately_and_listed(fake_registry, tmp_path):
    _register_explained(fake_registry)
    res = {c.group: c for c in v.run_validation(quick=True, outdir=tmp_path)}
    assert res["understood"].status == v.EXPLAINED == "FAIL (explained)"
    assert "typo in eq. (1)" in res["understood"].reason and "eq. (2) shows" in res["understood"].explanation
    assert res["good"].status == "PASS" and "Note: would be the cause" in res["good"].details  # never turns a PASS into anything else
    text = (tmp_path / "report.md").read_text()
    assert "**1 PASS, 0 FAIL, 1 FAIL (explained), 0 SKIP, 0 INFO**" in text
    assert "## Explained FAILs" in text and "- [four](#c1): typo in eq. (1)" in text
    assert "- **Cause of the disagreement:** the paper's eq. (1) has a typo" in text


def test_explained_status_needs_a_cause():
    with pytest.raises(ValueError, match="needs the cause"):
        v.Comparison("n", "c", "s", 1.0, 2.0, "exact", v.EXPLAINED)


def test_validate_command_exit_code_ignores_explained_fails(fake_registry, tmp_path, capsys):
    _register_explained(fake_registry)
    parser = argparse.ArgumentParser(prog="hnlgen")
    validate_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["validate", "--quick", "-o", str(tmp_path)])
    assert args.func(args) == 0
    assert "1 PASS, 0 FAIL, 0 SKIP, 0 INFO, 1 FAIL (explained)" in capsys.readouterr().out


# ------------------------------------------------------------------ the physics comparisons (issue 7)
@pytest.fixture(scope="module")
def quick_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("vq")
    return {c.name: c for c in v.run_validation(quick=True, outdir=out)}, out


def _val(res, name):
    return float(res[0][name].ours)


# Plain FAILs the quick run is known to have: published numbers no assumption consistent with the source reproduces
# (issue 14; validation/notes_eq30_lifetimes.md). Any other FAIL is a regression.
KNOWN_UNEXPLAINED = {"c tau0(nu5) at eq. (30) [cm]", "c tau0(nu4) at eq. (30) [km]", "m_nu at eq. (30), m_phi' = 2 GeV [eV]",
                     "gamma c tau(Z_D): their eq. (4) vs their estimate [coefficient, cm MeV^2]"}


def test_quick_run_has_no_new_fail_and_every_explained_fail_has_a_cause(quick_results):
    res, out = quick_results
    assert {c.name for c in res.values() if c.status == "FAIL"} == KNOWN_UNEXPLAINED
    for name in KNOWN_UNEXPLAINED:  # a plain FAIL still says what was computed and under which assumptions
        assert "unexplained" in res[name].details.lower() and len(res[name].details) > 300, name
    for c in res.values():
        if c.status == v.EXPLAINED:
            assert len(c.explanation) > 80 and "; cause: " in c.reason, c.name
    for fig in ("seed004_F", "closed_form_cevns", "closed_form_dark_photon_cevns", "closed_form_llewellyn_smith",
                "closed_form_z_only_width", "bertuzzo_widths"):
        assert (out / f"{fig}.png").stat().st_size > 10_000


def test_seed004_lifetimes(quick_results):
    res = quick_results
    assert _val(res, "tau0(nu_h), eq. (22)-(23) [ps]") == pytest.approx(1.743, abs=2e-3)
    assert _val(res, "tau0(nu_h) with the full kinematics [ps]") == pytest.approx(1.8047, rel=1e-3)
    assert _val(res, "tau0(Z'), eq. (24) [ps]") == pytest.approx(0.6967, abs=1e-3)


def test_seed004_eq30_ctau(quick_results):
    """With the eq. (2)-(3) phases: N5 349.2 cm (the [model.lagrangian] point), N4 234 km; the 76 cm needs real mixings
    and e chi / c_W together (INFO); our width equals eq. (8) for real mixings (the case eq. 8 describes)."""
    res = quick_results
    assert _val(res, "c tau0(nu5) at eq. (30) [cm]") == pytest.approx(349.24, rel=1e-3)
    assert res[0]["c tau0(nu5) at eq. (30) [cm]"].status == "FAIL"
    assert res[0]["Gamma(nu5 -> nu4 e+e-), real mixings / eq. (8) as printed"].status == "PASS"
    assert _val(res, "c tau0(nu5) at eq. (30) with real mixings and e chi / c_W [cm]") == pytest.approx(76.4, abs=0.3)
    assert res[0]["c tau0(nu5) at eq. (30) with real mixings and e chi / c_W [cm]"].status == "INFO"
    assert _val(res, "c tau0(nu4) at eq. (30) [km]") == pytest.approx(234, rel=5e-3)


def test_seed004_eq3_and_F(quick_results):
    res = quick_results
    assert res[0]["|U_mu5|^2/|U_mu4|^2 = m4/m5"].status == "PASS" and res[0]["|U_D5|^2/|U_D4|^2 = m4/m5"].status == "PASS"
    assert res[0]["|U_N5|^2/|U_N4|^2 = m4/m5 (a = N, as printed)"].status == v.EXPLAINED
    assert res[0]["max F"].status == "PASS" and _val(res, "max F") == pytest.approx(1.0897, abs=1e-3)


def test_seed004_light_neutrino_mass(quick_results):
    res = quick_results
    assert _val(res, "m_nu at eq. (30), m_phi' = 2 GeV [eV]") == pytest.approx(0.7429, rel=1e-3)
    assert res[0]["m_nu at eq. (30), m_phi' = 2 GeV [eV]"].status == "FAIL"
    assert _val(res, "m_nu at eq. (30), reading |U_mu4|^2 = 1.5e-6 [eV]") == pytest.approx(0.4245, rel=1e-3)
    assert res[0]["m_nu at eq. (30), reading |U_mu4|^2 = 1.5e-6 [eV]"].status == "INFO"


def test_seed001_limits(quick_results):
    res = quick_results
    limits = [c for c in res[0].values() if c.group == "seed001_mass_limits"]
    assert sum(c.status == "PASS" for c in limits) == 4 and sum(c.status == v.EXPLAINED for c in limits) == 3
    assert _val(res, "eq. (9) as printed / eq. (4)") == pytest.approx(2.0, rel=1e-3)


def test_seed003_gamma_ctau(quick_results):
    res = quick_results
    assert _val(res, "gamma c tau(N_D): their eq. (3) vs their estimate [coefficient, cm MeV^2]") == pytest.approx(1.586e-9, rel=1e-3)
    assert _val(res, "gamma c tau(N_D): ours vs their estimate [coefficient, cm MeV^2]") == pytest.approx(4 * 1.586e-9, rel=2e-3)
    assert _val(res, "gamma c tau(Z_D): their eq. (4) vs their estimate [coefficient, cm MeV^2]") == pytest.approx(1.480e-6, rel=1e-3)
    assert res[0]["Gamma(Z_D -> e+e-): ours / their eq. (4)"].status == "PASS"


def test_closed_form_limits(quick_results):
    res = quick_results
    groups = ("closed_form_cevns", "closed_form_llewellyn_smith", "closed_form_z_only_width")
    rows = [c for c in res[0].values() if c.group in groups]
    assert len(rows) == 9 and all(c.status == "PASS" for c in rows)
    assert _val(res, "CEvNS Ar40: max |sigma_ours/sigma_CEvNS - 1| over E_nu = 20 MeV-5 GeV") < 1e-5
    assert "0.950" in res[0]["Z-only N -> nu e+e- / massless closed form: max |ratio - 1|, m_N = 100 MeV-1 GeV"].details  # m_e at 10 MeV
    assert _val(res, "eq. (3) / ours (Dirac N -> nu Z'), mean over m_Z'/m_N") == pytest.approx(4.0, rel=1e-9)
    assert _val(res, "eq. (5) / ours (Z' -> nu nu)") == pytest.approx(2.0, rel=1e-9)


@pytest.mark.slow  # ~50 s: these are comparisons of `hnlgen validate` (full run), which runs them every time
def test_full_run_comparisons(tmp_path):
    res = {c.name: c for c in v.run_validation(quick=False, outdir=tmp_path, names=[
        "seed004_eq30_upscattering_counts", "seed003_cos_theta_ee", "bertuzzo_benchmark_fit"])}
    n4, n5 = float(res["upscattering events N4 (ours)"].ours), float(res["upscattering events N5 (ours)"].ours)
    assert n4 == pytest.approx(4352, rel=0.01) and n5 == pytest.approx(2390, rel=0.01)
    # plain FAIL: the only computation that reproduces the paper drops |U_Dj|^2, contrary to its eq. (9), (11), (13)
    assert res["upscattering events N4 (ours)"].status == res["upscattering events N5 (ours)"].status == "FAIL"
    alt4 = float(res["upscattering events N4, |U_Dj|^2 of the produced state dropped"].ours)
    alt5 = float(res["upscattering events N5, |U_Dj|^2 of the produced state dropped"].ours)
    assert alt4 == pytest.approx(6849, rel=0.01) and alt5 == pytest.approx(6592, rel=0.01)
    assert 0.93 < float(res["median cos(theta_ee) at the benchmark"].ours) < 0.97
    assert res["most probable cos(theta_ee) at the benchmark"].status == "PASS"
    # Bertuzzo et al. benchmark fit (arXiv:1807.09877): background-only 63.8/38 reproduced; the best fit
    # differs for stated procedural reasons (explained FAIL) and the signal must need a normalisation < 1.
    assert res["background-only chi2 (2018, nu + nubar)"].status == "PASS"
    bf = res["best-fit chi2 of the benchmark (free normalisation)"]
    assert bf.status in ("PASS", v.EXPLAINED) and 25.0 < float(bf.ours) < 63.8
    assert 0.0 < float(res["best-fit signal normalisation"].ours) < 1.0
    assert {c.name for c in res.values() if c.status == "FAIL"} == {"upscattering events N4 (ours)", "upscattering events N5 (ours)"}


# ------------------------------------------------------------------ issue 7 coverage: Fig. 2, MiniBooNE spectra, NA62
def test_seed001_fig2_band(tmp_path):
    res = {c.name: c for c in v.run_validation(quick=False, outdir=tmp_path, names=["seed001_fig2_band"])}
    assert (tmp_path / "seed001_fig2_band.png").stat().st_size > 10_000
    circle = "Fig. 2 circle (m5 = 150 MeV, m4/m5 = 50%): "
    star = "Fig. 2 star (m5 = 150 MeV, m4/m5 = 12%): "
    # values pinned in tests/physics/test_neutrino_masses.py::test_seed001_fig2_benchmarks_order_of_magnitude
    assert float(res[circle + "|U_mu4|^2"].ours) == pytest.approx(4.139e-7, rel=1e-3)
    assert float(res[star + "|U_mu5|^2"].ours) == pytest.approx(1.4289e-7, rel=1e-3)
    assert all(res[p + k].status == "PASS" for p in (circle, star) for k in ("|U_mu4|^2", "|U_mu5|^2"))
    assert res["Fig. 2 circle: |U_mu4|^2/|U_mu5|^2 vs the text's 3e-7/1e-7"].status == v.EXPLAINED
    assert res["Fig. 2 circle: |U_mu4|^2/|U_mu5|^2 vs eq. (3) m5/m4"].status == "PASS"
    assert not [c for c in res.values() if c.status == "FAIL"]


@pytest.mark.parametrize("name", ["miniboone_spectra_light_zprime", "miniboone_spectra_three_portal", "miniboone_spectra_bertuzzo"])
def test_miniboone_card_spectra(name, tmp_path, monkeypatch):
    monkeypatch.setattr(v_miniboone, "MINIBOONE_SPECTRA_EVENTS", 2000)  # the report uses 5e4; this checks the plumbing
    res = v.run_validation(quick=False, outdir=tmp_path, names=[name])
    assert len(res) == 4 and all(c.status in ("PASS", "INFO") for c in res), [(c.name, c.reason) for c in res]
    for year in (2020, 2018):
        assert (tmp_path / f"{name}_{year}.png").stat().st_size > 10_000
        sel = next(c for c in res if c.name.startswith(f"{name} {year}: selected"))
        assert float(sel.ours) > 0 and "excess" in sel.details
        chi = next(c for c in res if c.name.startswith(f"{name} {year}: chi2"))
        assert len(chi.ours.split(" / ")) == 3
    # weights scale with the POT: the 2020 prediction is 18.75/12.84 times the 2018 one
    n2020, n2018 = (float(next(c for c in res if c.name.startswith(f"{name} {y}: selected")).ours) for y in (2020, 2018))
    assert n2020 / n2018 == pytest.approx(18.75 / 12.84, rel=1e-9)


def test_miniboone_published_spectra_2018():
    from detectors.miniboone import response as mb

    pub = mb.published_spectra_2018()
    # PROVENANCE.md: E_vis sums 2395 data / 1954 background, cos 2402 / 1975; release 200-1250 MeV: 1959 data
    assert pub["E_vis"][1].sum() == pytest.approx(2395, abs=1) and pub["E_vis"][2].sum() == pytest.approx(1954, abs=1)
    assert pub["cos_theta"][1].sum() == pytest.approx(2402, abs=1) and pub["cos_theta"][2].sum() == pytest.approx(1975, abs=1)
    assert pub["E_QE"][1][:9].sum() == 1959
    assert len(pub["E_vis"][0]) == 20 and len(pub["cos_theta"][0]) == 11


def test_na62_fig3_fig4(tmp_path, monkeypatch):
    monkeypatch.setattr(v_na62, "NA62_SES_POINTS", ((0.300, 0.150, "e"),))
    monkeypatch.setattr(v_na62, "NA62_SES_EVENTS", 500)
    res = {c.name: c for c in v.run_validation(quick=False, outdir=tmp_path, names=["na62_fig4_kinematics", "na62_fig3_ses"])}
    assert not [c for c in res.values() if c.status not in ("PASS", "INFO")]
    eq21 = [c for c in res.values() if "eq. (21)" in c.name]
    ranges = [c for c in res.values() if "inside eq. (A" in c.name]
    assert len(eq21) == 2 and len(ranges) == 4 and all(float(c.ours) < 1e-8 for c in eq21)
    ses = res["SES |U_mu h|^2, mu ee, m_N = 300 MeV, m_Z' = 150 MeV: eq. (25) / with rho / MC"].ours.split(" / ")
    assert float(ses[0]) == pytest.approx(1.84e-10, rel=0.01)  # validation/na62/README.md table
    assert float(ses[1]) == pytest.approx(4.7e-11, rel=0.02)
    for png in ("na62_fig4_kinematics.png", "na62_fig3_ses.png"):
        assert (tmp_path / png).stat().st_size > 10_000


def test_repository_files_are_found_outside_the_checkout(tmp_path, monkeypatch):
    """The full report needs the bundled cards and the NA62 Fig. 3 script: found in the checkout, or in
    the copy the wheel carries (gen/_bundled), from any working directory."""
    monkeypatch.chdir(tmp_path)
    for parts in (("cards", "miniboone_light_zprime.toml"), ("cards", "miniboone_bertuzzo_fit.toml"),
                  ("validation", "na62", "plot_fig3.py"), ("validation", "na62", "fig3_ses.png")):
        assert v.repo_file(*parts).is_file()
    with pytest.raises(v.ComparisonNotImplemented, match="needs cards/none.toml"):
        v.repo_file("cards", "none.toml")
