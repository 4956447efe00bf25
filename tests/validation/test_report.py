"""Validation framework (gen.validation) and ``hnlgen validate``."""

import argparse
import re
import subprocess
import sys
import time

import pytest

from gen import validation as v
from gen.commands import validate as validate_cmd


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
    assert "**1 PASS, 2 FAIL, 3 SKIP**" in head
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


def test_builtin_quick_comparisons_pass(tmp_path):
    results = v.run_validation(quick=True, outdir=tmp_path)
    assert not [c for c in results if c.status == "FAIL"]
    names = {c.group for c in results}
    assert {"miniboone_release_sums", "miniboone_background_only_chi2", "miniboone_release_consistency"} <= names
    bertuzzo = [c for c in results if "2018 release, combined" in c.name]
    assert len(bertuzzo) == 1 and bertuzzo[0].status == "PASS" and bertuzzo[0].theirs == 63.8
    assert (tmp_path / "miniboone_release_spectra.png").stat().st_size > 10_000


def test_hnlgen_validate_quick_end_to_end(tmp_path):
    out = tmp_path / "tmp"
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "gen", "validate", "--quick", "-o", str(out)], capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert elapsed < 60
    text = (out / "report.md").read_text()
    assert text.startswith("# hnlgen validation report") and "## Summary" in text
    m = re.search(r"(\d+) comparisons: (\d+) PASS, 0 FAIL, (\d+) SKIP", proc.stdout)
    assert m, proc.stdout
    assert text.count("| SKIP |") == int(m.group(3))  # modules still missing are SKIP rows, not errors
    assert list(out.glob("*.png"))


@pytest.mark.parametrize("module", ["gen.validation", "gen.miniboone_fit"])
def test_public_api_is_pinned(module):
    import importlib

    mod = importlib.import_module(module)
    assert all(hasattr(mod, name) for name in mod.__all__)
    expected = {
        "gen.validation": {"Comparison", "comparison", "check_number", "run_validation", "write_report", "registry", "ComparisonNotImplemented"},
        "gen.miniboone_fit": {"chi2", "fit", "FitResult", "load_release", "read_signal", "covariance", "collapse_covariance", "full_covariance"},
    }[module]
    assert expected <= set(mod.__all__)
