"""MiniBooNE chi2 (detectors.miniboone.fit): covariance recipe, reference chi2 values, signal input, ``hnlgen fit``."""

import argparse
import hashlib
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from detectors.miniboone import fit as mbf
from gen.cli import fit as fit_cmd

SHARED_MANIFEST = Path("/work/shared/data/MANIFEST.tsv")


def _provenance_hashes() -> dict[str, str]:
    root = resources.files("detectors.miniboone").joinpath("data", "release")
    out = {}
    for line in root.joinpath("PROVENANCE.md").read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 3 and cells[1].startswith("`20") and cells[1].endswith(".txt`"):
            out[cells[1].strip("`")] = cells[2]
    return out


def test_packaged_release_files_are_byte_identical():
    root = resources.files("detectors.miniboone").joinpath("data", "release")
    hashes = _provenance_hashes()
    assert len(hashes) == 19
    for name, sha in hashes.items():
        assert hashlib.sha256(root.joinpath(*name.split("/")).read_bytes()).hexdigest() == sha, name
    if SHARED_MANIFEST.exists():  # the table was copied from the shared MANIFEST: keep them in step
        manifest = {}
        for row in SHARED_MANIFEST.read_text().splitlines():
            cols = row.split("\t")
            if len(cols) > 5 and "lee_data_release_" in cols[0]:
                manifest[cols[0].split("lee_data_release_")[1]] = cols[5]
        for name, sha in hashes.items():
            assert manifest[name] == sha


@pytest.mark.parametrize("year", mbf.RELEASES)
def test_release_shapes_and_binning(year):
    rel = mbf.load_release(year)
    assert rel.frac_nu.shape == (30, 30) and rel.frac_combined.shape == (60, 60)
    np.testing.assert_allclose(rel.frac_combined, rel.frac_combined.T, atol=1e-12)
    np.testing.assert_allclose(rel.edges_GeV, mbf.E_QE_EDGES_GEV)
    for smp in (rel.nu, rel.nubar):
        assert smp.nue_data.shape == smp.nue_background.shape == (11,)
        assert smp.numu_data.shape == smp.numu_prediction.shape == (8,)
    assert rel.nu.pot == {2018: 12.84e20, 2020: 18.75e20}[year]
    assert rel.nubar.pot == 11.27e20


def test_covariance_two_bin_toy_by_hand():
    # one nu_e bin + one nu_mu bin: P = [signal, background, numu] = [2, 10, 100]
    M = np.array([[0.10, 0.02, 0.01], [0.02, 0.05, 0.03], [0.01, 0.03, 0.04]])
    P = np.array([2.0, 10.0, 100.0])
    full = mbf.full_covariance(M, P)
    # C_ss = 0.1*4 = 0.4, C_sb = 0.02*20 = 0.4, C_bb = 0.05*100 = 5, C_sm = 0.01*200 = 2, C_bm = 0.03*1000 = 30, C_mm = 400
    np.testing.assert_allclose(full, [[0.4, 0.4, 2.0], [0.4, 5.0, 30.0], [2.0, 30.0, 400.0]])
    collapsed = mbf.collapse_covariance(full, n_nue=1, n_numu=1)
    # nu_e block: C_ss + C_sb + C_bs + C_bb = 6.2; nu_e - nu_mu: C_sm + C_bm = 32; nu_mu: 400
    np.testing.assert_allclose(collapsed, [[6.2, 32.0], [32.0, 400.0]])


def test_collapse_rejects_wrong_shape():
    with pytest.raises(ValueError, match="expected"):
        mbf.collapse_covariance(np.eye(29))


@pytest.mark.parametrize("mode", mbf.MODES)
def test_covariance_matches_explicit_loops(mode):
    rel = mbf.load_release(2020)
    rng = np.random.default_rng(7)
    blocks = tuple(rng.uniform(0, 50, 11) for _ in rel.samples(mode))
    got = mbf.covariance(rel, mode, blocks)
    M = rel.fractional_matrix(mode)
    P = np.concatenate([np.concatenate([s, smp.nue_background, smp.numu_prediction]) for s, smp in zip(blocks, rel.samples(mode))])
    n_modes = len(blocks)
    want = np.zeros((19 * n_modes, 19 * n_modes))

    def rows(k, i):  # uncollapsed indices feeding collapsed bin i of mode k
        return [30 * k + i, 30 * k + 11 + i] if i < 11 else [30 * k + 22 + (i - 11)]

    for ka in range(n_modes):
        for a in range(19):
            for kb in range(n_modes):
                for b in range(19):
                    v = sum(M[i, j] * P[i] * P[j] for i in rows(ka, a) for j in rows(kb, b))
                    if ka == kb and a == b and a < 11:
                        v += blocks[ka][a]  # Poisson variance of the signal
                    want[19 * ka + a, 19 * kb + b] = v
    np.testing.assert_allclose(got, want, rtol=1e-12)


def _toy_release(signal, frac_diag=0.01, data_offset=0.0):
    bkg = np.linspace(100.0, 10.0, 11)
    numu = np.linspace(1000.0, 100.0, 8)
    smp = mbf.BeamSample("nu", 1e20, bkg + signal + data_offset, bkg, numu + data_offset, numu)
    frac = np.diag(np.full(30, frac_diag))
    return mbf.Release(0, mbf.E_QE_EDGES_GEV, smp, smp, frac, np.diag(np.full(60, frac_diag)))


def test_chi2_zero_when_data_equal_prediction_and_covariance_diagonal():
    sig = np.linspace(5.0, 0.0, 11)
    rel = _toy_release(sig)
    assert mbf.chi2(sig, release=rel) == pytest.approx(0.0, abs=1e-20)
    assert mbf.chi2(sig, sig, release=rel, mode="combined") == pytest.approx(0.0, abs=1e-20)


def test_chi2_diagonal_toy_by_hand():
    sig = np.full(11, 4.0)
    rel = _toy_release(np.zeros(11), frac_diag=0.01, data_offset=3.0)
    bkg, numu = rel.nu.nue_background, rel.nu.numu_prediction
    # collapsed variance: nu_e bins 0.01*(s^2 + b^2) + s (no s-b correlation), nu_mu bins 0.01*m^2
    var = np.concatenate([0.01 * (sig**2 + bkg**2) + sig, 0.01 * numu**2])
    resid = np.concatenate([3.0 - sig, np.full(8, 3.0)])
    assert mbf.chi2(sig, release=rel) == pytest.approx(np.sum(resid**2 / var), rel=1e-12)


def test_background_only_chi2_reproduces_bertuzzo_et_al():
    # arXiv:1807.09877 (seed 003): chi2_bg/dof = 63.8/38, 2018 release, nu + nubar incl. nu_mu samples.
    # Quoted to 0.1, so the rounding allows +-0.05.
    val = mbf.chi2(np.zeros(11), release=2018, mode="combined")
    assert abs(val - 63.8) <= 0.05
    res = mbf.fit(np.zeros(11), release=2018, mode="combined")
    assert res.n_bins == res.dof_background_only == 38


@pytest.mark.parametrize(("year", "mode", "ref"), [(2018, "nu", 27.6807), (2020, "nu", 31.8020), (2020, "combined", 69.2334)])
def test_background_only_chi2_regression(year, mode, ref):
    # no published value for these (validation/REFERENCES.md): values of this code, 2026-11-21
    assert mbf.chi2(np.zeros(11), release=year, mode=mode) == pytest.approx(ref, abs=1e-3)


@pytest.mark.parametrize(("year", "mode"), [(2018, "nu"), (2020, "nu"), (2018, "combined"), (2020, "combined")])
def test_free_normalisation_is_a_minimum(year, mode):
    rel = mbf.load_release(year)
    excess = [np.clip(s.nue_data - s.nue_background, 0, None) * 0.5 for s in rel.samples(mode)]
    args = (excess[0], excess[1] if mode == "combined" else None)
    res = mbf.fit(*args, release=year, mode=mode, free_norm=True)
    assert res.norm_best > 0.5
    assert res.dof_best == res.n_bins - 1
    assert res.chi2_best <= min(res.chi2_nominal, res.chi2_background_only)
    for d in (1e-3, 1e-2, 0.1):
        for mu in (res.norm_best - d, res.norm_best + d):
            assert mbf.chi2(*args, release=year, mode=mode, norm=mu) > res.chi2_best
    assert mbf.chi2(*args, release=year, mode=mode, norm=res.norm_best) == pytest.approx(res.chi2_best)


def test_free_normalisation_at_boundary_zero():
    # a signal only in the highest bin, where the 2018 data lie below the background: best norm is 0
    rel = mbf.load_release(2018)
    assert rel.nu.nue_data[-1] < rel.nu.nue_background[-1]
    sig = np.zeros(11)
    sig[-1] = 50.0
    res = mbf.fit(sig, release=2018)
    assert res.norm_best == pytest.approx(0.0, abs=1e-4)
    assert res.chi2_best == pytest.approx(res.chi2_background_only, abs=1e-6)


def test_fixed_normalisation_and_notes():
    sig = np.full(11, 10.0)
    res = mbf.fit(sig, release=2020, free_norm=False)
    assert res.norm_best == 1.0 and res.chi2_best == res.chi2_nominal == pytest.approx(mbf.chi2(sig, release=2020))
    assert res.dof_best == 19 and res.notes == ()
    comb = mbf.fit(sig, release=2018, mode="combined", free_norm=False)
    assert any("nubar" in n for n in comb.notes)
    assert json.dumps(comb.as_dict())


def test_zero_signal_fit():
    res = mbf.fit(np.zeros(11), release=2020)
    assert res.norm_best == 0.0 and res.chi2_best == res.chi2_background_only


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"signal": np.ones(10)}, "11 E_QE bins"),
        ({"signal": -np.ones(11)}, ">= 0"),
        ({"signal": np.ones(11), "mode": "nubar"}, "allowed: nu, combined"),
        ({"signal": np.ones(11), "release": 2012}, "allowed: 2018, 2020"),
        ({"signal": np.ones(11), "signal_nubar": np.ones(11)}, "mode='combined'"),
        ({"signal": np.ones(11), "norm": -1.0}, "norm >= 0"),
    ],
)
def test_bad_input_is_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mbf.chi2(**kwargs)


def test_window_sums_match_provenance():
    assert mbf.window_sums(2020) == pytest.approx((2870.0, 2322.7), abs=0.05)
    assert mbf.window_sums(2018) == pytest.approx((1959.0, 1590.6), abs=0.05)


# --- signal input ---------------------------------------------------------------------------


def test_histogram_signal_binning_and_selection():
    E = np.array([0.1, 0.25, 0.25, 0.31, 2.9, 3.5])
    w = np.array([100.0, 1.0, 2.0, 4.0, 8.0, 100.0])
    got = mbf.histogram_signal(E, w)
    assert got[0] == 3.0 and got[1] == 4.0 and got[-1] == 8.0 and got.sum() == 15.0
    sel = np.array([True, True, False, True, True, True])
    assert mbf.histogram_signal(E, w, sel)[0] == 1.0


def test_read_signal_inline_and_text(tmp_path):
    vals = np.arange(11.0)
    np.testing.assert_array_equal(mbf.read_signal(",".join(map(str, vals))), vals)
    np.testing.assert_array_equal(mbf.read_signal(" ".join(map(str, vals))), vals)
    (tmp_path / "s.txt").write_text("# events\n" + "\n".join(map(str, vals)))
    np.testing.assert_array_equal(mbf.read_signal(tmp_path / "s.txt"), vals)
    (tmp_path / "s2.dat").write_text("\n".join(f"{c} {v}" for c, v in zip(mbf.E_QE_EDGES_GEV[:-1], vals)))
    np.testing.assert_array_equal(mbf.read_signal(str(tmp_path / "s2.dat")), vals)
    np.save(tmp_path / "s.npy", vals)
    np.testing.assert_array_equal(mbf.read_signal(tmp_path / "s.npy"), vals)
    with pytest.raises(FileNotFoundError, match="neither an existing file"):
        mbf.read_signal("no_such_file.root")
    with pytest.raises(ValueError, match="11 entries"):
        mbf.read_signal("1,2,3")


def _events():
    E = np.array([0.25, 0.25, 0.5, 1.0, 2.0, 5.0])
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    sel = np.array([True, False, True, True, True, True])
    return E, w, sel


def test_read_signal_root(tmp_path):
    uproot = pytest.importorskip("uproot")
    E, w, sel = _events()
    with uproot.recreate(tmp_path / "ev.root") as f:
        f["events"] = {"E_QE": E, "weight": w, "passes_selection": sel, "other": w}
    got = mbf.read_signal(tmp_path / "ev.root")
    np.testing.assert_allclose(got, mbf.histogram_signal(E, w, sel))
    assert got.sum() == 1.0 + 3.0 + 4.0 + 5.0
    with uproot.recreate(tmp_path / "ev2.root") as f:  # a TTree, other name, other case, no selection branch
        f.mktree("tree", {"e_qe": "f8", "Weight": "f8"})
        f["tree"].extend({"e_qe": E, "Weight": w})
    assert uproot.open(tmp_path / "ev2.root").classnames()["tree;1"] == "TTree"
    np.testing.assert_allclose(mbf.read_signal(tmp_path / "ev2.root"), mbf.histogram_signal(E, w))
    with uproot.recreate(tmp_path / "bad.root") as f:
        f["events"] = {"Evis": E, "weight": w}
    with pytest.raises(ValueError, match="E_QE"):
        mbf.read_signal(tmp_path / "bad.root")


def test_read_signal_awkward(tmp_path):
    ak = pytest.importorskip("awkward")
    E, w, sel = _events()
    arr = ak.zip({"reco": ak.zip({"E_QE": E}), "weight": w, "passes_selection": sel}, depth_limit=1)
    np.testing.assert_allclose(mbf.signal_from_events(arr), mbf.histogram_signal(E, w, sel))
    pytest.importorskip("pyarrow")  # Parquet needs it (optional dependency of awkward)
    ak.to_parquet(arr, tmp_path / "ev.parquet")
    np.testing.assert_allclose(mbf.read_signal(tmp_path / "ev.parquet"), mbf.histogram_signal(E, w, sel))


def test_signal_from_flat_records():
    ak = pytest.importorskip("awkward")
    E, w, _ = _events()
    np.testing.assert_allclose(mbf.signal_from_events(ak.zip({"E_QE": E, "weight": w})), mbf.histogram_signal(E, w))


# --- command line ---------------------------------------------------------------------------


def _fit_cli(argv):
    parser = argparse.ArgumentParser(prog="hnlgen")
    fit_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["fit", *argv])
    return args.func(args)


def test_fit_cli_text_and_json(capsys, tmp_path):
    sig = ",".join(["20"] * 11)
    assert _fit_cli([sig, "--release", "2018", "--mode", "combined"]) == 0
    out = capsys.readouterr().out
    assert "background only : chi2 =   63.783 / 38 dof" in out and "nubar signal" not in out
    assert _fit_cli([sig, "--release", "2020", "--free-norm", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["n_bins"] == 19 and d["dof_best"] == 18 and d["chi2_background_only"] == pytest.approx(31.802, abs=1e-3)
    np.save(tmp_path / "s.npy", np.full(11, 10.0))
    assert _fit_cli([str(tmp_path / "s.npy"), "--nubar", sig, "--mode", "combined", "--scale", "0.5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["signal_events"] == [55.0, 110.0]


def test_fit_cli_bad_input(capsys):
    assert _fit_cli(["1,2,3"]) == 2
    assert "11 entries" in capsys.readouterr().err
    assert _fit_cli([",".join(["1"] * 11), "--nubar", ",".join(["1"] * 11)]) == 2
    assert "--mode combined" in capsys.readouterr().err


def test_signal_prefers_weight_selected_over_weight():
    """A file from `hnlgen run` on a MiniBooNE card carries both `weight` (upscattered events) and
    `weight_selected` (after fiducial decay, efficiency and selection): the fit must use the latter."""
    import awkward as ak

    from detectors.miniboone.fit import signal_from_events

    ev = ak.Array({"E_QE": [0.25, 0.25, 0.6], "weight": [10.0, 10.0, 10.0],
                   "weight_selected": [1.0, 0.0, 0.5], "passes_selection": [True, False, True]})
    sig = signal_from_events(ev)
    assert sig[0] == 1.0 and sig.sum() == 1.5


# --- two-neutrino oscillation fit (fully-oscillated ntuple) -------------------------------------------

FULLOSC_SHA256 = "3bd4aa6974a5174b09a719e932a70839e15ec3f7c92ef1bfb375ac2e14ecf8a6"  # shared MANIFEST.tsv, 2020 ntuple


def test_fullosc_ntuple_is_the_release_file():
    import gzip

    root = resources.files("detectors.miniboone").joinpath("data", "release")
    raw = gzip.decompress(root.joinpath("2020", "miniboone_numunuefullosc_ntuple.txt.gz").read_bytes())
    assert hashlib.sha256(raw).hexdigest() == FULLOSC_SHA256
    assert FULLOSC_SHA256 in root.joinpath("PROVENANCE.md").read_text()
    if SHARED_MANIFEST.exists():
        assert any(row.startswith("miniboone/lee_data_release_2020/miniboone_numunuefullosc_ntuple.txt\t")
                   and row.split("\t")[5] == FULLOSC_SHA256 for row in SHARED_MANIFEST.read_text().splitlines())
    nt = mbf.load_fullosc_ntuple(2020)
    assert nt.n_rows == 17204 == nt.weight.size
    # the first row of the file, converted from MeV and kept in cm
    assert (nt.e_qe_GeV[0], nt.e_true_GeV[0], nt.L_cm[0], nt.weight[0]) == pytest.approx((1.20276, 1.11864, 51884.7, 310915.87))


def test_fullosc_2018_is_2020_scaled_by_exposure():
    a, b = mbf.load_fullosc_ntuple(2018), mbf.load_fullosc_ntuple(2020)
    np.testing.assert_array_equal(a.e_qe_GeV, b.e_qe_GeV)
    np.testing.assert_array_equal(a.L_cm, b.L_cm)
    # 2018 release copy (Harvard-Neutrino/MicroBooNE-analysis-2021, first row): 212915.185635 for 310915.87 here;
    # the 2020 file prints two decimals (+-0.005 on 3.1e5, i.e. 1.6e-8 relative)
    assert a.weight[0] == pytest.approx(212915.185635, rel=2e-8)
    np.testing.assert_allclose(a.weight / b.weight, 12.84 / 18.75, rtol=1e-14)


def test_appearance_probability_phase():
    # 1e-6 / (4 hbar c) with hbar c = 197.3269804 MeV fm = 1.973269804e-7 eV m (1e-6: E in MeV, not eV):
    # the "1.267" of P = sin^2 2theta sin^2(1.267 Delta m^2[eV^2] L[m] / E[MeV])
    k = 1e-6 / (4 * 1.973269804e-7)
    assert k == pytest.approx(1.26693, abs=1e-5)
    L_m, E_MeV = np.array([500.0, 541.0, 100.0]), np.array([300.0, 800.0, 2000.0])
    got = mbf.appearance_probability_2nu(0.7, 0.25, L_m * 100.0, E_MeV * 1e-3)
    np.testing.assert_allclose(got, 0.25 * np.sin(k * 0.7 * L_m / E_MeV) ** 2, rtol=1e-12)
    # small phase: P -> sin^2 2theta (k dm2 L/E)^2
    assert mbf.appearance_probability_2nu(1e-6, 1.0, 5e4, 1.0) == pytest.approx((k * 1e-6 * 500.0 / 1000.0) ** 2, rel=1e-9)


def test_oscillation_signal_binning_and_limits():
    nt = mbf.load_fullosc_ntuple(2018)
    e_mev = nt.e_qe_GeV * 1e3
    with resources.files("detectors.miniboone").joinpath("data", "release", "2018", "miniboone_binboundaries_nue_lowe.txt").open() as fh:
        edges_mev = np.loadtxt(fh)
    k = 1e-6 / (4 * 1.973269804e-7)  # see test_appearance_probability_phase
    dm2 = 0.5
    P = np.sin(k * dm2 * (nt.L_cm / 100.0) / (nt.e_true_GeV * 1e3)) ** 2
    ref, _ = np.histogram(e_mev, bins=edges_mev, weights=nt.weight * P / nt.n_rows)
    np.testing.assert_allclose(mbf.oscillation_signal(dm2, 1.0, release=2018), ref, rtol=1e-10)
    np.testing.assert_allclose(mbf.oscillation_signal(dm2, 0.3, release=2018), 0.3 * ref, rtol=1e-12)
    # fast oscillations average sin^2 to 1/2 of the full transmutation; the spread of sin^2 over events
    # is 1/sqrt(8), so each bin may deviate by a few sqrt(sum w^2 / 8): allow 5 of them
    full, _ = np.histogram(e_mev, bins=edges_mev, weights=nt.weight / nt.n_rows)
    err = np.sqrt(np.histogram(e_mev, bins=edges_mev, weights=(nt.weight / nt.n_rows) ** 2)[0] / 8.0)
    assert np.all(np.abs(mbf.oscillation_signal(1e4, 1.0, release=2018) - 0.5 * full) < 5 * err)
    assert np.all(mbf.oscillation_signal(0.0, 1.0, release=2018) == 0.0)


def test_chi2_many_matches_scalar_chi2():
    rel = mbf.load_release(2020)
    sig = np.random.default_rng(3).uniform(0, 80, (5, 11))
    np.testing.assert_allclose(mbf._chi2_many(rel, sig), [mbf.chi2(s, release=rel) for s in sig], rtol=1e-10)


@pytest.mark.parametrize("year", mbf.RELEASES)
def test_fit_two_neutrino_is_a_minimum(year):
    res = mbf.fit_two_neutrino(year)
    assert res.n_bins == 19
    assert res.chi2_background_only == pytest.approx(mbf.chi2(np.zeros(11), release=year), rel=1e-12)
    at_best = mbf.chi2(mbf.oscillation_signal(res.dm2_eV2, res.sin2_2theta, year), release=year)
    assert at_best == pytest.approx(res.chi2_best, rel=1e-9)
    assert 0.0 < res.chi2_best < res.chi2_background_only
    rng = np.random.default_rng(11)
    for d, s in zip(10 ** rng.uniform(-2, 2, 40), rng.uniform(0, 1, 40)):
        assert mbf.chi2(mbf.oscillation_signal(d, s, year), release=year) >= res.chi2_best - 1e-9
    for f in (0.97, 1.03):  # neighbours of the best point along Delta m^2 (sin^2 2theta sits at its bound 1)
        assert mbf.chi2(mbf.oscillation_signal(res.dm2_eV2 * f, res.sin2_2theta, year), release=year) > res.chi2_best
    # 2 dof: the probability is exp(-Delta chi2 / 2)
    assert res.p_background_only_relative == pytest.approx(np.exp(-res.delta_chi2 / 2), rel=1e-10)


def test_fit_two_neutrino_regression():
    # no published neutrino-mode number for this recipe to compare with exactly (validation/REFERENCES.md
    # section 2: PoS(NOW2018)010 gives 0.06 % with MiniBooNE's own procedure); values of this code, 2026-11-21
    res = mbf.fit_two_neutrino(2018)
    assert res.delta_chi2 == pytest.approx(15.6731, abs=1e-3)
    assert res.dm2_eV2 == pytest.approx(0.03716, rel=1e-3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "combined"}, "supports only 'nu'"),
        ({"dm2_range_eV2": (1.0, 0.1)}, "0 < low < high"),
        ({"n_dm2": 2}, "at least 3"),
    ],
)
def test_fit_two_neutrino_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mbf.fit_two_neutrino(2018, **kwargs)


def test_oscillation_signal_bad_input():
    with pytest.raises(ValueError, match="sin2_2theta"):
        mbf.oscillation_signal(1.0, 1.5)
    with pytest.raises(ValueError, match="dm2_eV2"):
        mbf.oscillation_signal(-1.0, 0.5)
