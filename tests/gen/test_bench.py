"""``hnlgen bench`` table: end-to-end rate beside generation alone and the writer levers' ratios (issue 16)."""

import math
from pathlib import Path

from gen.bench import DEFAULT_WRITER, LEVERS, OPTIONS, format_table


def _result():
    writers = [{"writer": c[0], "lever": c in LEVERS, "ev_per_s": 100_000.0 * (i + 1), "bytes_per_event": 700.0 - 100 * i}
               for i, c in enumerate((*LEVERS, *OPTIONS))]
    card = {"card": "cards/x.toml", "events": 1000, "setup_s": 1.0, "generation_ev_per_s": 1_000_000.0,
            "generation_detector_ev_per_s": 400_000.0, "generation_detector_root_ev_per_s": 250_000.0,
            "ess_per_s": 1.0, "effective_sample_size": 900.0, "selected_quantity": "weight_selected",
            "selected_expected": 1.0, "time_to_1pct": {"events": 1.0, "seconds": 1.0, "rel_variance_per_event": 1.0},
            "tracemalloc_peak_MB": 1.0, "scaling_generation_ev_per_s": {"1": 1.0, "2": 2.0}, "writers": writers}
    return {"machine": {"cpu": "c", "cores": 2, "numba": "0", "numba_threads": 2, "python": "3"}, "events": 1000,
            "threads": [1, 2], "repetitions": 1, "cards": [card], "skipped": [], "maxrss_MB": 1.0}


def test_table_has_end_to_end_rate_and_lever_ratios():
    text = format_table(_result())
    assert "end to end (generation + detector + ROOT, hnlgen run's writer) 250,000 ev/s = 0.25 of generation alone" in text
    lines = [ln for ln in text.splitlines() if "lever:" in ln or "option:" in ln]
    assert len(lines) == len(LEVERS) + len(OPTIONS)
    # ratios to the first configuration (before the levers), bytes per event beside them
    assert "x 1.00" in lines[0] and "700 B/event" in lines[0]
    assert "x 2.00" in lines[1] and "x 3.00" in lines[2]
    assert DEFAULT_WRITER[0] in lines[len(LEVERS) - 1]


def test_table_splits_the_marginal_rate_into_cpu_per_event_and_cores():
    res = _result()
    res["cards"][0].update({"e2e_marginal_ev_per_s": 785_000.0, "marginal_events": [1000, 10000],
                            "e2e_marginal_effective_ev_per_s": 700_000.0, "e2e_marginal_cpu_us_per_event": 2.1,
                            "e2e_marginal_cores": 1.65, "generation_cpu_us_per_event": 1.0, "generation_cores": 1.7})
    text = format_table(res)
    assert "marginal end to end (10000 minus 1000 events, file open/close cancel): 785,000 ev/s = 0.79 of generation" in text
    assert "marginal CPU 2.10 us/event on 1.65 cores; generation alone 1.00 us/event on 1.70 cores" in text
    assert "RNTuple" not in "".join(ln for ln in text.splitlines() if "marginal" in ln)  # a result without it
    res["cards"][0]["e2e_marginal_rntuple_ev_per_s"] = 770_000.0
    text = format_table(res)
    assert ("marginal end to end, RNTuple (the same passes with --format rntuple): 770,000 ev/s = 0.77 of generation "
            "alone") in text


def test_baseline_table_ratios_and_refusal(tmp_path):
    import pytest

    from gen.bench import BaselineError, compare_baseline, format_baseline

    med = {"baseline": {"process_s": 10.0, "run_s": 8.0, "cpu_s": 9.0}, "this": {"process_s": 10.6, "run_s": 6.0, "cpu_s": 4.5}}
    res = {"events": 1000, "repetitions": 3, "baseline": "/b", "this": "/t", "skipped": [],
           "cards": [{"card": "cards/x.toml", "events": 1000, "median": med, "ratio_process": 1.06, "ratio_run": 0.75, "ratio_cpu": 0.5,
                      "totals_identical": True}]}
    text = format_baseline(res)
    assert "| x | 10.00 / 8.00 / 9.00 | 10.60 / 6.00 / 4.50 | 1.060 | 0.750 | 0.500 | 167 | yes |" in text
    assert text.endswith("slower than the baseline by more than 5%: x")
    with pytest.raises(BaselineError, match="not a checkout of hnlgen"):
        compare_baseline(tmp_path, ["cards/x.toml"], 10)


def test_baseline_runs_the_baseline_checkout_s_code(tmp_path, monkeypatch):
    """``python -m`` puts the working directory first on ``sys.path``, before ``PYTHONPATH``: run from another
    checkout, a baseline run would import that checkout's ``gen`` and compare the code with itself (how an
    earlier hand-made cold-start comparison went void; README, Development). ``_timed_run`` runs inside the
    baseline tree; a fake tree whose ``gen`` only prints a run summary proves its code is the one that ran, with
    this process's working directory in this checkout."""
    import json
    import sys

    from gen.bench import _timed_run

    fake = tmp_path / "fake"
    (fake / "gen").mkdir(parents=True)
    (fake / "physics").mkdir()
    (fake / "gen" / "__init__.py").write_text("")
    summary = {"wall_time_s": 42.0, "expected_events": {"fake": 1.0}, "errors": {}}
    (fake / "gen" / "__main__.py").write_text(f"print({json.dumps(json.dumps(summary))})\n")
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    r = _timed_run(fake, "card.toml", 10, tmp_path / "out.root", sys.executable)
    assert r["run_s"] == 42.0 and r["totals"] == {"expected_events": {"fake": 1.0}, "errors": {}}


def test_table_shows_the_dedicated_na62_oracle_beside_the_generator(monkeypatch):
    """NA62 cards (issue 12 item 3): the dedicated kernel (tests/oracles/na62_dedicated.py) timed in the same run,
    with the generator's ratios to it; found from the checkout by gen.bench._na62_oracle."""
    from gen import bench

    res = _result()
    res["cards"][0]["na62_dedicated_oracle"] = {
        "generation_ev_per_s": 800_000.0, "generation_detector_ev_per_s": 500_000.0, "ess_per_s": 2.0,
        "general_over_dedicated": {"generation": 1.25, "generation_detector": 0.8, "ess_per_s": 0.5}}
    text = format_table(res)
    line = next(ln for ln in text.splitlines() if "dedicated NA62 kernel" in ln)
    assert "800,000 ev/s" in line and "generation x1.25, + detector x0.80, ESS/s x0.50" in line
    # from a checkout bench finds tests/oracles itself; an installed package (CI) is pointed at this tree's copy
    monkeypatch.setattr(bench, "_NA62_ORACLE", Path(__file__).resolve().parents[1] / "oracles" / "na62_dedicated.py")
    oracle = bench._na62_oracle()
    assert oracle is not None and hasattr(oracle, "iter_generate_dedicated")


def test_marginal_rate_cancels_the_fixed_cost_of_a_pass():
    from gen.bench import marginal_rate

    # passes of n and 10 n events with a fixed cost of 0.4 s and 2 us per event: 500,000 events/s whatever the cost
    n, fixed, per = 200_000, 0.4, 2e-6
    t_n = [fixed + per * n, fixed + 0.1 + per * n, fixed + per * n]
    t_10n = [fixed + 10 * per * n, fixed + 0.1 + 10 * per * n, fixed + 10 * per * n]
    assert math.isclose(marginal_rate(9 * n, t_n, t_10n), 1 / per, rel_tol=1e-12)
    # the issue's own figures: 1e5 events in 6.0 s, 1e6 in 14.6 s
    assert math.isclose(marginal_rate(900_000, [6.0], [14.6]), 104_651.16, rel_tol=1e-6)
    assert math.isnan(marginal_rate(n, [1.0], [0.9]))


def test_marginal_cpu_splits_the_rate_into_cpu_per_event_and_cores():
    from gen.bench import marginal_cpu, marginal_rate

    # 2.1 us of CPU per event on 1.65 cores, fixed costs of 0.4 s wall and 1.0 s CPU per pass
    n, per, cores = 200_000, 2.1e-6, 1.65
    t_n = [0.4 + per * n / cores] * 3
    t_10n = [0.4 + 10 * per * n / cores] * 3
    c_n = [1.0 + per * n] * 3
    c_10n = [1.0 + 10 * per * n] * 3
    us, k = marginal_cpu(9 * n, c_n, c_10n, t_n, t_10n)
    assert math.isclose(us, 2.1, rel_tol=1e-9) and math.isclose(k, cores, rel_tol=1e-9)
    assert math.isclose(marginal_rate(9 * n, t_n, t_10n), k / (us * 1e-6), rel_tol=1e-9)  # rate = cores / CPU
    assert all(math.isnan(x) for x in marginal_cpu(n, [1.0], [1.5], [1.0], [0.9]))


def test_bench_writes_the_record_hnlgen_run_writes(tmp_path):
    """The bench's default writer is ``hnlgen run``'s: the compact record on the light-Z' and NA62 cards (their
    ``CompactPlan``, built once per card), so the "+ compact record" lever and the marginal rate measure it."""
    from detectors.output.particle_list import RECIPE_KEY, NamedListRecipe, ParticleRecipe
    from detectors.output.root import read_metadata
    from gen import bench as B
    from gen.card import load_card
    from gen.sources.upscattering import prepare

    for name, kind in (("na62_light_zprime.toml", NamedListRecipe), ("miniboone_light_zprime.toml", ParticleRecipe)):
        card = load_card(Path(__file__).resolve().parents[2] / "cards" / name)
        setup = None if kind is NamedListRecipe else prepare(card, adapt=False)
        plan = B._compact_plan(card, setup)
        assert isinstance(plan.recipe, kind) and plan.record == "compact"
        out = tmp_path / (name + ".root")
        B._pass(card, 2000, 1, setup, True, out, plan=plan)
        assert RECIPE_KEY in read_metadata(out)
