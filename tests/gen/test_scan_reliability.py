"""gen.scan reliability (issue 11, item 10): a bad ``--scheduler`` fails in seconds with one line; a scan whose only
Dask worker dies fails within ``worker_timeout`` with a clear message and keeps its finished points; a coupling
scan point the base sample cannot be reweighted to (issue 11, item 1) is regenerated."""

import threading
import time

import pytest

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from gen.card import parse_card
from gen.scan import ScanError, scan

CARD = {
    "schema_version": 1,
    "model": {"hnl_type": "dirac", "m4": 0.10, "mzprime": 0.030, "Umu4": 9.486832980505138e-4, "UD4": 1.0,
              "alphaD": 0.25, "alpha_epsilon2": 2e-10},
    "experiment": {"name": "miniboone_fhc", "flavours": ["numu"]},
    "process": {"regimes": ["coherent"], "helicities": ["conserving"]},
    "run": {"events": 1000, "seed": 4242},
}


@pytest.mark.parametrize("address,needle", [("bogus", "not a Dask scheduler address"),
                                            ("tcp://127.0.0.1:1", "cannot connect within 5 s"),
                                            ("tcp://localhost:70000", "not a Dask scheduler address")])
def test_bad_scheduler_fails_fast(tmp_path, address, needle):
    t0 = time.monotonic()
    with pytest.raises(ScanError, match=needle):
        scan(parse_card(CARD), {"alphaD": [0.1]}, tmp_path / "s.parquet", n_events=100, scheduler=address)
    assert time.monotonic() - t0 < 10.0
    assert not (tmp_path / "s.parquet").exists()  # refused before any work


def test_scheduler_without_workers_fails_within_timeout(tmp_path):
    import distributed

    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0", silence_logs=50) as cluster:
        t0 = time.monotonic()
        with pytest.raises(ScanError, match=r"no live Dask worker for 2 s.*2 point\(s\) not evaluated, 0 finished"):
            scan(parse_card(CARD), {"m4": [0.10, 0.12]}, tmp_path / "s.parquet", n_events=100,
                 scheduler=cluster.scheduler_address, worker_timeout=2.0)
        assert time.monotonic() - t0 < 30.0


@pytest.mark.slow
def test_only_worker_dies_fails_and_keeps_finished_points(tmp_path):
    """One worker process; once the first point is written, the worker is closed for good (the cluster scales to
    0). The scan fails within worker_timeout (3 s, plus the 1 s poll) and the finished point stays on disk."""
    import distributed

    out = tmp_path / "s.parquet"
    grid = {"m4": [0.10, 0.11, 0.12, 0.13, 0.14, 0.15]}
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=50) as cluster:
        def killer():
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not list(out.glob("part-*.parquet")):
                time.sleep(0.05)
            cluster.scale(0)
        th = threading.Thread(target=killer, daemon=True)
        th.start()
        with pytest.raises(ScanError, match=r"no live Dask worker for 3 s.*finished point\(s\) kept"):
            scan(parse_card(CARD), grid, out, n_events=3000, scheduler=cluster.scheduler_address, worker_timeout=3.0)
        died = time.monotonic()
        th.join(5)
    parts = list(out.glob("part-*.parquet"))
    assert 1 <= len(parts) < 6
    assert time.monotonic() - died < 10
    from gen.scan import read_scan

    assert read_scan(out).num_rows == len(parts)


def test_coupling_point_with_missing_route_is_regenerated(tmp_path):
    """Issue 11 item 1 on the scan side: UD4 = 1 -> 0.5 opens N -> nu_s Z' and Z' -> nu_s nu_s-bar (BR ~ 1), which the
    base sample has no event of; the point is regenerated with its own seed (method "generate") and equals
    ``evaluate_point`` at that seed, instead of reweighting to ~1e-15 of the right answer."""
    from gen.card import card_to_toml, resolved_card_dict
    from gen.scan import _make_base, evaluate_point, point_seed, reweight_point

    card = parse_card(CARD)
    toml = card_to_toml(resolved_card_dict(card))
    base = tmp_path / "_base.root"
    _make_base(card, 2000, point_seed(card.run.seed, {}), base)
    p = {"UD4": 0.5}
    row = reweight_point(str(base), p, 1, 2000, point_seed(card.run.seed, {}), None, None, toml, point_seed(card.run.seed, p))
    ref = evaluate_point(toml, p, 1, 2000, point_seed(card.run.seed, p))
    assert row["method"] == "generate"
    assert row["upscattered"] == ref["upscattered"] and row["final_state"] == ref["final_state"]
    ok = reweight_point(str(base), {"alphaD": 0.3}, 2, 2000, point_seed(card.run.seed, {}), None, None, toml, 1)
    assert ok["method"] == "reweight" and ok["upscattered"] > 0
