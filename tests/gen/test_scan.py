"""gen.scan: reproducible, resumable parameter scans on Dask distributed (tiny grids and samples).

The scans run on real local Dask clusters (worker processes); each test keeps to a 2x2 or 1x2 grid
of a one-channel card with ~1e3 events per point.
"""

import math

import numpy as np
import pytest

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from gen.card import parse_card  # noqa: E402
from gen.scan import (  # noqa: E402
    ScanError,
    grid_points,
    parse_param,
    plot_scan,
    plot_scan_dir,
    point_id,
    point_seed,
    read_scan,
    scan,
)

CARD = {
    "schema_version": 1,
    "model": {"hnl_type": "dirac", "m4": 0.10, "mzprime": 0.030, "Umu4": 9.486832980505138e-4, "UD4": 1.0,
              "alphaD": 0.25, "alpha_epsilon2": 2e-10},
    "experiment": {"name": "miniboone_fhc", "flavours": ["numu"]},
    "process": {"regimes": ["coherent"], "helicities": ["conserving"]},
    "run": {"events": 1000, "seed": 4242},
}
MASS_GRID = {"m4": [0.10, 0.12], "mzprime": [0.03, 0.05]}


def _rows(table):
    """The columns without wall_time_s, NaN (a total the experiment does not have) as "nan" so that == compares."""
    d = table.to_pydict()
    d.pop("wall_time_s")
    return {k: ["nan" if isinstance(x, float) and math.isnan(x) else x for x in v] for k, v in d.items()}


def test_parse_param():
    assert parse_param("m4=0.1:0.5:9") == ("m4", list(np.linspace(0.1, 0.5, 9)))
    assert parse_param("mzprime=0.03,0.1,1.25") == ("mzprime", [0.03, 0.1, 1.25])
    assert parse_param("gD=2") == ("gD", [2.0])
    for bad in ("m4", "m4=0.1:0.5", "m4=a,b", "m4=0.1:0.5:0", "m4=nan"):
        with pytest.raises(ScanError, match="--param"):
            parse_param(bad)
    pts = grid_points({"a": [1, 2], "b": [3, 4, 5]})
    assert len(pts) == 6 and pts[0] == {"a": 1, "b": 3} and pts[1] == {"a": 1, "b": 4}


def test_point_seed_depends_on_card_seed_and_point_only():
    p = {"m4": 0.1, "mzprime": 0.03}
    assert point_seed(1, p) == point_seed(1, dict(reversed(list(p.items()))))
    assert point_seed(1, p) != point_seed(2, p)
    assert point_seed(1, p) != point_seed(1, {"m4": 0.1, "mzprime": 0.05})
    assert 0 <= point_seed(1, p) < 2**63
    assert point_id(p) == point_id({"mzprime": 0.03, "m4": 0.1})


@pytest.fixture(scope="module")
def card():
    return parse_card(CARD)


@pytest.fixture(scope="module")
def scheduler():
    """An existing 2-worker cluster, as ``--scheduler ADDRESS`` would reach (shut down after the module)."""
    import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=40) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def scan_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("scan")


@pytest.fixture(scope="module")
def full_scans(card, scan_dir):
    t1 = scan(card, MASS_GRID, scan_dir / "w1.parquet", workers=1)
    t2 = scan(card, MASS_GRID, scan_dir / "w2.parquet", workers=2)
    return t1, t2


def test_same_table_with_one_and_two_workers(full_scans):
    t1, t2 = full_scans
    assert t1.num_rows == 4
    assert _rows(t1) == _rows(t2)
    r = t1.to_pydict()
    assert r["point"] == [0, 1, 2, 3]
    assert r["m4"] == [0.10, 0.10, 0.12, 0.12] and r["mzprime"] == [0.03, 0.05, 0.03, 0.05]
    assert all(x > 0 and e > 0 for x, e in zip(r["final_state"], r["final_state_error"]))
    assert all(s > 0 for s in r["selected"])  # MiniBooNE detector stage ran
    assert len(set(r["seed"])) == 4


def test_interrupted_scan_resumes_to_the_same_table(card, full_scans, scheduler, tmp_path):
    out = tmp_path / "part.parquet"
    first = scan(card, MASS_GRID, out, scheduler=scheduler, limit=2)  # "killed" after two points
    assert first.num_rows == 2
    (out / ".part-deadbeef.parquet.123.tmp").write_bytes(b"half-written")  # a write cut short is ignored
    done = sorted(p.name for p in out.glob("part-*.parquet"))
    table = scan(card, MASS_GRID, out, scheduler=scheduler)
    assert set(done) < {p.name for p in out.glob("part-*.parquet")}
    assert _rows(table) == _rows(full_scans[1])
    with pytest.raises(ScanError, match="different scan"):
        scan(card, MASS_GRID, out, n_events=500, scheduler=scheduler)


def test_coupling_scan_reweights_and_agrees_with_regeneration(card, scheduler, tmp_path):
    grid = {"alpha_epsilon2": [2e-10, 2e-9]}
    rw = scan(card, grid, tmp_path / "rw.parquet", n_events=4000, scheduler=scheduler).to_pydict()
    rg = scan(card, grid, tmp_path / "rg.parquet", n_events=4000, scheduler=scheduler, reweight_couplings=False).to_pydict()
    assert rw["method"] == ["reweight"] * 2 and rg["method"] == ["generate"] * 2
    for k in ("final_state", "selected"):
        for a, ea, b, eb in zip(rw[k], rw[k + "_error"], rg[k], rg[k + "_error"]):
            assert abs(a - b) < 4 * math.hypot(ea, eb), (k, a, ea, b, eb)
    assert read_scan(tmp_path / "rw.parquet").num_rows == 2
    # the directory opens as it is with the standard readers (the definition is _scan.json, skipped)
    import pyarrow.parquet as pq

    pd = pytest.importorskip("pandas")
    assert (tmp_path / "rw.parquet" / "_scan.json").exists() and not (tmp_path / "rw.parquet" / "scan.json").exists()
    df = pd.read_parquet(tmp_path / "rw.parquet").sort_values("point")
    assert df["final_state"].tolist() == rw["final_state"]
    assert sorted(pq.read_table(tmp_path / "rw.parquet").column("alpha_epsilon2").to_pylist()) == [2e-10, 2e-9]
    note = plot_scan_dir(tmp_path / "rw.parquet", tmp_path / "one_d.png")
    assert (tmp_path / "one_d.png").exists() and "2 points" in note


def test_plot_scan(full_scans, tmp_path):
    png = plot_scan(full_scans[0], tmp_path / "scan.png", "m4", "mzprime")
    assert png.stat().st_size > 1000
    with pytest.raises(ScanError, match="not a column"):
        plot_scan(full_scans[0], tmp_path / "x.png", "m5", "mzprime")
    with pytest.raises(ScanError, match="z = 'selcted' is not an expected-events column.*selected"):
        plot_scan(full_scans[0], tmp_path / "y.png", "m4", "mzprime", z="selcted")


def test_hnlgen_plot_detects_a_scan(full_scans, scan_dir, tmp_path, capsys):
    """`hnlgen plot scan.parquet` draws the expected-events contour (issue 8)."""
    from gen.cli.app import main

    out = tmp_path / "contour.png"
    assert main(["plot", str(scan_dir / "w1.parquet"), "-o", str(out)]) == 0
    assert out.stat().st_size > 1000 and "4 points" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------- NA62 cards
# cards/na62_heavy_zprime.toml (general decay path: three-body N -> nu e+ e-) on a 2x2 coupling grid, one block of
# events per point; the grid moves the N lifetime by x0.1 .. x100 and the production rate by x0.09 .. x1.
NA62_GRID = {"Umu4": [1e-3, 3e-4], "chi": [3.1622776602e-3, 1e-2]}
NA62_EVENTS = 16384


@pytest.fixture(scope="module")
def na62_card():
    from pathlib import Path

    from gen.card import load_card

    return load_card(Path(__file__).resolve().parents[2] / "cards" / "na62_heavy_zprime.toml")


@pytest.fixture(scope="module")
def na62_scans(na62_card, scan_dir, scheduler):
    t1 = scan(na62_card, NA62_GRID, scan_dir / "na62_w1.parquet", n_events=NA62_EVENTS, workers=1)
    t2 = scan(na62_card, NA62_GRID, scan_dir / "na62_w2.parquet", n_events=NA62_EVENTS, scheduler=scheduler)
    return t1, t2


def test_na62_coupling_scan_reweights_with_one_and_two_workers(na62_card, na62_scans):
    from gen.reweight.upscattering import card_with_couplings
    from gen.sources.meson_decay_run import NA62Setup

    t1, t2 = na62_scans
    assert _rows(t1) == _rows(t2)
    r = t1.to_pydict()
    assert r["method"] == ["reweight"] * 4 and len(set(r["seed"])) == 1  # one base sample
    for i, p in enumerate(grid_points(NA62_GRID)):
        # produced = N_K^Fid BR(K+ -> mu+ N) at the point, exact; the NA62 totals fill final_state and selected
        s = NA62Setup(card_with_couplings(na62_card, **p))
        assert r["produced"][i] == pytest.approx(s.n_parent_decays * s.br_production, rel=1e-12) and r["produced_error"][i] == 0
        assert r["final_state"][i] > 0 and r["selected"][i] > 0 and r["selected_error"][i] > 0
        assert math.isnan(r["upscattered"][i]) and math.isnan(r["in_fiducial_volume"][i])


def test_na62_interrupted_scan_resumes_to_the_same_table(na62_card, na62_scans, scheduler, tmp_path):
    out = tmp_path / "na62_part.parquet"
    assert scan(na62_card, NA62_GRID, out, n_events=NA62_EVENTS, scheduler=scheduler, limit=2).num_rows == 2
    table = scan(na62_card, NA62_GRID, out, n_events=NA62_EVENTS, scheduler=scheduler)
    assert _rows(table) == _rows(na62_scans[1])


def test_na62_reweighted_points_agree_with_regenerated_points(na62_card, na62_scans, scheduler, tmp_path):
    """Reweighted rows (one base sample) against --regenerate (an independent sample per point): final-state and
    selected (NA62 accepted) totals within 4 combined MC sigma, produced equal."""
    rw = na62_scans[1].to_pydict()
    rg = scan(na62_card, NA62_GRID, tmp_path / "rg.parquet", n_events=NA62_EVENTS, scheduler=scheduler,
              reweight_couplings=False).to_pydict()
    assert rg["method"] == ["generate"] * 4 and len(set(rg["seed"])) == 4
    np.testing.assert_allclose(rw["produced"], rg["produced"], rtol=1e-12)
    for k in ("final_state", "selected"):
        for a, ea, b, eb in zip(rw[k], rw[k + "_error"], rg[k], rg[k + "_error"]):
            assert abs(a - b) < 4 * math.hypot(ea, eb), (k, a, ea, b, eb)


def test_na62_point_the_base_cannot_reach_is_regenerated(scheduler, tmp_path):
    """A base sample of the light-Z' card cannot be reweighted to UD4 = 1e-6, where the three-body N -> nu e e
    (1e-15 of the final state at the base point, no event in the sample) carries 2e-5 of it
    (gen.reweight.meson_decay refuses, gen.reweight.upscattering.RouteCheck): that point is regenerated
    with its own seed, the other reweighted."""
    from pathlib import Path

    from gen.card import load_card

    card = load_card(Path(__file__).resolve().parents[2] / "cards" / "na62_light_zprime.toml")
    grid = {"UD4": [1.0, 1e-6]}
    r = scan(card, grid, tmp_path / "fb.parquet", n_events=NA62_EVENTS, scheduler=scheduler).to_pydict()
    assert r["method"] == ["reweight", "generate"]
    assert r["seed"][1] == point_seed(card.run.seed, {"UD4": 1e-6}) != r["seed"][0]
    assert all(x > 0 for x in r["final_state"])
