"""TH1D histograms (detectors.miniboone.response.fill_histogram / write_histograms) read back by independent readers.

ROOT's statistics (fEntries, fTsumw, fTsumw2, fTsumwx, fTsumwx2) must be those ``TH1::Fill`` would set
from the unbinned values, not bin-centre approximations (issue 15). Readers: uproot's raw streamer
member access (``h.member("fEntries")``, which reads the TH1 fields as stored, without any
interpretation), and ROOT itself when importable, or through the Python of a separate ROOT
environment named by ``HNLGEN_ROOT_PYTHON`` (e.g. ``/work/rootvenv/bin/python`` with the PyPI ``root``
wheel); the ROOT test skips when neither is available. The expected numbers are numpy sums over the
events written in the same file.
"""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import uproot

from detectors.miniboone.response import (
    Histogram,
    fill_histogram,
    read_histograms,
    write_histograms,
)

ROOT_DIR = Path(__file__).resolve().parents[2]


def _sample(n=5000, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, 0.6, n)
    w = rng.exponential(1e-3, n)
    w[rng.random(n) < 0.2] = 0.0  # not selected: not filled
    x[:7] = np.nan  # not reconstructed: not filled
    return x, w


def _expected(x, w, edges):
    keep = (w != 0) & np.isfinite(x)
    x, w = x[keep], w[keep]
    inside = (x >= edges[0]) & (x < edges[-1])
    xi, wi = x[inside], w[inside]
    return {"fEntries": keep.sum(), "fTsumw": wi.sum(), "fTsumw2": (wi**2).sum(), "fTsumwx": (wi * xi).sum(),
            "fTsumwx2": (wi * xi**2).sum(), "under": w[x < edges[0]].sum(), "over": w[x >= edges[-1]].sum()}


def test_fill_and_members_match_numpy(tmp_path):
    x, w = _sample()
    edges = np.array([0.2, 0.3, 0.5, 0.8, 1.2, 1.6, 2.0])
    h = fill_histogram("h_x", "selected events;x [GeV];events", edges, x, w)
    # chunked filling gives the same statistics (what a run does chunk by chunk)
    h2 = fill_histogram("h_x", h.title, edges, x[:1234], w[:1234]) + fill_histogram("h_x", h.title, edges, x[1234:], w[1234:])
    write_histograms(tmp_path / "h.root", {"h_x": h2})
    exp = _expected(x, w, edges)
    with uproot.open(tmp_path / "h.root") as f:
        th1 = f["h_x"]
        assert th1.classname == "TH1D"
        for k in ("fTsumw", "fTsumw2", "fTsumwx", "fTsumwx2"):
            assert th1.member(k) == pytest.approx(exp[k], rel=1e-12), k
        assert th1.member("fEntries") == exp["fEntries"]
        v, e2 = th1.values(flow=True), th1.variances(flow=True)
        ref, _ = np.histogram(x[np.isfinite(x)], bins=edges, weights=w[np.isfinite(x)])
        ref2, _ = np.histogram(x[np.isfinite(x)], bins=edges, weights=w[np.isfinite(x)] ** 2)
        np.testing.assert_allclose(v[1:-1], ref, rtol=1e-12)
        np.testing.assert_allclose(e2[1:-1], ref2, rtol=1e-12)
        assert v[0] == pytest.approx(exp["under"], rel=1e-12) and v[-1] == pytest.approx(exp["over"], rel=1e-12)
        assert th1.member("fXaxis").member("fTitle") == "x [GeV]"
        assert th1.member("fYaxis").member("fTitle") == "events"
    back = read_histograms(tmp_path / "h.root", ["h_x"])["h_x"]
    assert back.entries == exp["fEntries"] and back.sumwx == pytest.approx(exp["fTsumwx"], rel=1e-12)
    # the moments differ from the bin-centre approximation: the test is not vacuous
    centres = 0.5 * (edges[1:] + edges[:-1])
    assert abs(np.sum(ref * centres) - exp["fTsumwx"]) > 1e-3 * exp["fTsumwx"]


def test_histogram_add_rejects_other_binning():
    h = fill_histogram("h", "t", [0, 1, 2], [0.5], [1.0])
    with pytest.raises(ValueError, match="different name or edges"):
        h + fill_histogram("h", "t", [0, 1, 3], [0.5], [1.0])
    # a histogram made by hand (no unbinned values) still writes, with bin-centre moments
    assert (Histogram("h", "t", np.array([0.0, 1.0]), np.array([2.0]), np.array([1.0])) + Histogram(
        "h", "t", np.array([0.0, 1.0]), np.array([1.0]), np.array([1.0]))).entries is None


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A MiniBooNE and an NA62 ``hnlgen run``: histograms and the events they were filled from (``--precision
    double``: the statistics are sums over the double values, which the file then stores unrounded)."""
    from gen.cli.app import main

    d = tmp_path_factory.mktemp("hists")
    mb, na = d / "mb.root", d / "na62.root"
    assert main(["run", str(ROOT_DIR / "cards" / "miniboone_light_zprime.toml"), "-n", "20000", "-o", str(mb), "--json", "--precision", "double"]) == 0
    assert main(["run", str(ROOT_DIR / "cards" / "na62_appendixA_ee.toml"), "-n", "5000", "-o", str(na), "--json", "--precision", "double"]) == 0
    return mb, na


def _run_expectations(mb, na):
    """(file, histogram, x branch, weight branch, extra mask) -> numpy sums over the stored events."""
    out = []
    with uproot.open(mb) as f:
        t = f["events"].arrays(["E_QE", "E_vis", "cos_theta", "weight_selected"], library="np")
        edges = {k: f[k].axis().edges() for k in ("h_E_QE", "h_E_vis", "h_cos_theta")}
    eqe = np.nan_to_num(t["E_QE"], nan=-1.0)
    w_in = np.where((eqe >= 0.2) & (eqe < 1.25), t["weight_selected"], 0.0)  # e_qe_range_evis_costheta
    out += [(mb, "h_E_QE", _expected(t["E_QE"], t["weight_selected"], edges["h_E_QE"])),
            (mb, "h_E_vis", _expected(t["E_vis"], w_in, edges["h_E_vis"])),
            (mb, "h_cos_theta", _expected(t["cos_theta"], w_in, edges["h_cos_theta"]))]
    with uproot.open(na) as f:
        names = [k.split(";")[0] for k, c in f.classnames().items() if c == "TH1D"]
        assert {"h_m_ll", "h_truth_m_ll", "h_truth_m2_N"} <= set(names)
        for name in names:
            obs = name[2:]
            wkey = "weight" if obs.startswith("truth_") else "weight_accepted"
            t = f["events"].arrays([obs, wkey], library="np")
            out.append((na, name, _expected(t[obs], t[wkey], f[name].axis().edges())))
    return out


def test_run_histograms_statistics_from_the_events(runs):
    """Every TH1D of a MiniBooNE and an NA62 run: fEntries and the sums equal numpy sums over the events."""
    checked = 0
    for path, name, exp in _run_expectations(*runs):
        with uproot.open(path) as f:
            h = f[name]
            assert h.member("fEntries") == exp["fEntries"], (path.name, name)
            for k in ("fTsumw", "fTsumw2", "fTsumwx", "fTsumwx2"):
                assert h.member(k) == pytest.approx(exp[k], rel=1e-9, abs=1e-300), (path.name, name, k)
            assert h.values(flow=False).sum() == pytest.approx(exp["fTsumw"], rel=1e-9)
            checked += exp["fEntries"] > 0
    assert checked >= 5  # the MiniBooNE histograms and the NA62 truth histograms have entries


_ROOT_SCRIPT = r"""
import json, sys
import ROOT
f = ROOT.TFile.Open(sys.argv[1])
out = {}
for name in sys.argv[2:]:
    h = f.Get(name)
    st = ROOT.std.vector("double")(4)
    h.GetStats(st.data())
    out[name] = {"class": h.ClassName(), "entries": h.GetEntries(), "mean": h.GetMean(), "stddev": h.GetStdDev(),
                 "eff": h.GetEffectiveEntries(), "stats": list(st), "integral": h.Integral(),
                 "under": h.GetBinContent(0), "over": h.GetBinContent(h.GetNbinsX() + 1),
                 "err1": h.GetBinError(1), "xtitle": h.GetXaxis().GetTitle()}
print(json.dumps(out))
"""


def _root_read(python, path, names):
    r = subprocess.run([python, "-c", _ROOT_SCRIPT, str(path), *names], capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_root_reads_the_statistics(runs, root_python):
    """ROOT's own TH1D: GetEntries, GetMean, GetStdDev, GetStats, GetEffectiveEntries from the stored fields."""
    for path, names in ((runs[0], ["h_E_QE", "h_E_vis", "h_cos_theta"]), (runs[1], ["h_truth_m_ll", "h_truth_m2_N"])):
        got = _root_read(root_python, path, names)
        exp = {name: e for p, name, e in _run_expectations(*runs) if p == path}
        for name in names:
            g, e = got[name], exp[name]
            assert g["class"] == "TH1D"
            assert g["entries"] == e["fEntries"]
            np.testing.assert_allclose(g["stats"], [e["fTsumw"], e["fTsumw2"], e["fTsumwx"], e["fTsumwx2"]], rtol=1e-9)
            mean = e["fTsumwx"] / e["fTsumw"]
            assert g["mean"] == pytest.approx(mean, rel=1e-9)
            # TH1::GetStdDev takes sqrt(|<x^2> - <x>^2|): a histogram of one value (NA62's on-shell m_ll) has a
            # variance that cancels to a rounding error of either sign
            var = e["fTsumwx2"] / e["fTsumw"] - mean**2
            assert g["stddev"] == pytest.approx(np.sqrt(abs(var)), rel=1e-6, abs=1e-7 * np.sqrt(e["fTsumwx2"] / e["fTsumw"]))
            assert g["eff"] == pytest.approx(e["fTsumw"] ** 2 / e["fTsumw2"], rel=1e-9)
            assert g["under"] == pytest.approx(e["under"], rel=1e-9, abs=1e-300)
            assert g["integral"] == pytest.approx(e["fTsumw"], rel=1e-9)
            assert g["xtitle"]
