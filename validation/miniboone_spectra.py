"""MiniBooNE predicted spectra for the light-Z' and heavy-Z' three-portal cards (issue 5, "Done when").

Runs ``cards/miniboone_light_zprime.toml`` (m4 = 420 MeV, m_Z' = 30 MeV) and
``cards/three_portal_heavy_zprime.toml`` (seed 004 = arXiv:1903.07589 eq. (30)) through generation and
the MiniBooNE detector stage (``gen.stages.base``: exact fiducial decay weight, Cherenkov pair
classification, smearing, e/gamma efficiency, nu_e CCQE selection), exactly as ``hnlgen run`` does,
and writes

* ``validation/miniboone_light_zprime_spectra.png`` and ``validation/three_portal_spectra.png``: the
  selected-event E_QE, E_vis and cos(theta) spectra stacked on MiniBooNE's published background against
  its nu-mode data (2020 release, arXiv:2006.16883; ``detectors.miniboone.response.plot_miniboone``), the
  prediction scaled from the card's POT to the 18.75e20 POT of those data;
* ``validation/miniboone_spectra.json`` and ``validation/miniboone_spectra.md``: expected events per
  heavy neutrino before selection (card exposure), after the fiducial decay, after the selection, the
  overall efficiency, and the comparison with seed 004 (text below eq. (30): "a total number of
  upscattering events on Carbon plus protons in the full MiniBooNE detector of ~6.3e3 for nu_4, and
  ~6.1e3 for nu_5 ... 12.84e20 POT in neutrino mode for 818 t of CH ... overall efficiencies are
  expected to be of the order of 5%").

Usage: ``python validation/miniboone_spectra.py [-n EVENTS]`` (default 100000 events per card,
about a minute in total on one core).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import awkward as ak
import numpy as np

from detectors.miniboone.response import plot_miniboone, selection_summary
from gen.card import load_card
from gen.sources.upscattering import iter_generate, prepare, summarize
from gen.stages.base import MiniBooNEStage
from physics import pdg

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "validation"
PUBLISHED_POT = 18.75e20  # nu-mode exposure of the 2020 data release (arXiv:2006.16883)
# seed 004 (arXiv:1903.07589), text below eq. (30): upscattering events before efficiencies, 12.84e20 POT, 818 t CH2
SEED004_EVENTS = {"N4": 6.3e3, "N5": 6.1e3}
SEED004_EFFICIENCY = 0.05
HNL_PDG = pdg.HNL

CASES = [
    ("miniboone_light_zprime", ROOT / "cards" / "miniboone_light_zprime.toml", OUT / "miniboone_light_zprime_spectra.png"),
    ("three_portal_heavy_zprime", ROOT / "cards" / "three_portal_heavy_zprime.toml", OUT / "three_portal_spectra.png"),
]


def _decays_clipped(card):
    """The decay spec of ``gen.core.decay_adapter`` with every three-body |M|^2 clipped at 0.

    Workaround (open issue, reported): for the three-portal card, N5 -> N4 e+e- through the heavy Z'
    has |M|^2 of -1.65e-27 at a Dalitz-boundary grid point against a maximum of 5.8e-20 (relative
    -2.8e-8, rounding in a cancellation), just beyond the -1e-8 tolerance of
    ``gen.core.decays.tabulate_three_body``, so ``prepare`` refuses the card. Clipping at zero is what that
    function itself does below its tolerance.
    """
    import dataclasses

    from gen.card import build_model
    from gen.core.decay_adapter import decay_spec_from_physics

    species, channels, info = decay_spec_from_physics(card, build_model(card))

    def clip(f):
        return lambda *a: np.maximum(np.asarray(f(*a), dtype=float), 0.0)

    channels = [dataclasses.replace(c, me2=clip(c.me2)) if getattr(c, "me2", None) is not None else c for c in channels]
    return species, channels, info


def run_case(name: str, card_path: Path, png: Path, n: int) -> dict:
    t0 = time.perf_counter()
    card = load_card(card_path)
    seed = card.run.seed
    try:
        setup = prepare(card, seed=seed)
    except ValueError as err:
        if "three-body |M|^2 is negative" not in str(err):
            raise
        print(f"{name}: {err}; retrying with |M|^2 clipped at 0 (see _decays_clipped)")
        setup = prepare(card, seed=seed, decays=_decays_clipped(card))
    stage = MiniBooNEStage(setup, seed)
    ev = ak.concatenate(list(iter_generate(card, n, seed, setup=setup, stage=stage)))
    summ = summarize(ev, setup)
    pot = setup.experiment.pot
    w = ak.to_numpy(ev.weight)
    wfid = w * ak.to_numpy(ev.w_fiducial)
    wsel = ak.to_numpy(ev.weight_selected)
    hnl = ak.to_numpy(ev.hnl_pdg)
    reco = {k: ak.to_numpy(ev[k]) for k in ("weight", "n_showers", "weight_selected")}
    reco["w_decay_fiducial"] = ak.to_numpy(ev.w_fiducial)  # selection_summary's name of the one fiducial weight
    stages = selection_summary(reco)
    per_hnl = {}
    # both cards have final_state = "all": every event's final-state BR is 1, so sum(weight) per N is
    # its upscattering rate
    assert card.process.final_state == "all"
    for h, code in HNL_PDG.items():
        m = hnl == code
        if not m.any():
            continue
        per_hnl[h] = {
            "upscattered": float(w[m].sum()),
            "in_fiducial_volume": float(wfid[m].sum()),
            "selected": float(wsel[m].sum()),
        }
        per_hnl[h]["efficiency"] = per_hnl[h]["selected"] / per_hnl[h]["upscattered"] if per_hnl[h]["upscattered"] else float("nan")
        if h in SEED004_EVENTS and "three_portal" in name:
            per_hnl[h]["seed004_upscattered"] = SEED004_EVENTS[h]
            per_hnl[h]["ratio_to_seed004"] = per_hnl[h]["upscattered"] / SEED004_EVENTS[h]
    scale = PUBLISHED_POT / pot
    plot_miniboone(stage.hists.hists, png, scale=scale,
                   label=f"hnlgen: {name} (x{scale:.3g} to 18.75e20 POT)")
    from physics.decay_table import decay_table

    table = decay_table(setup.model)
    names = list(setup.model.heavy_names)
    return {
        "card": str(card_path.relative_to(ROOT)),
        "UD_sq": {h: float(setup.model.Usq("D", i)) for i, h in enumerate(names)},
        "ctau0_cm": {h: float(table[h].ctau0_cm) for h in names},
        "events_generated": int(len(ev)),
        "pot": pot,
        "upscattered": summ.upscattered,
        "upscattered_error": summ.upscattered_error,
        "in_fiducial_volume": summ.in_fiducial_volume,
        "single_shower_in_fiducial": stages["single_shower"],
        "selected": summ.selected,
        "selected_error": summ.selected_error,
        "efficiency_selected_over_upscattered": summ.selected / summ.upscattered,
        "selected_at_18.75e20_POT": summ.selected * scale,
        "selected_200_1250": float(stage.hists.hists["h_E_vis"].values.sum()),
        "per_hnl": per_hnl,
        "png": str(png.relative_to(ROOT)),
        "wall_time_s": time.perf_counter() - t0,
    }


def markdown(results: dict) -> str:
    lines = ["# MiniBooNE spectra: light-Z' and three-portal heavy-Z' cards (validation/miniboone_spectra.py)", "",
             "Expected events for each card's exposure (light Z': 18.75e20 POT; three-portal: 12.84e20 POT), "
             "818 t CH2. 'selected' = weight x fiducial decay probability x e/gamma efficiency x nu_e-like "
             "selection (single ring, E_vis > 140 MeV, 200 < E_QE < 3000 MeV); errors are MC only.", "",
             "| card | N | upscattered | in fiducial volume | selected | efficiency | seed 004 | ratio |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        for h, d in r["per_hnl"].items():
            s4 = d.get("seed004_upscattered")
            lines.append(f"| {name} | {h} | {d['upscattered']:.4g} | {d['in_fiducial_volume']:.4g} | {d['selected']:.4g} | "
                         f"{d['efficiency']:.3g} | {s4:.2g} | {d['ratio_to_seed004']:.2f} |" if s4 else
                         f"| {name} | {h} | {d['upscattered']:.4g} | {d['in_fiducial_volume']:.4g} | {d['selected']:.4g} | "
                         f"{d['efficiency']:.3g} | - | - |")
        lines.append(f"| {name} | all | {r['upscattered']:.4g} +- {r['upscattered_error']:.2g} | {r['in_fiducial_volume']:.4g} | "
                     f"{r['selected']:.4g} +- {r['selected_error']:.2g} | {r['efficiency_selected_over_upscattered']:.3g} | "
                     f"{'~5% eff.' if 'three' in name else '-'} | |")
    tp = results.get("three_portal_heavy_zprime")
    if tp:
        n4, n5 = tp["per_hnl"]["N4"], tp["per_hnl"]["N5"]
        ud = tp["UD_sq"]
        lines += ["", "## Comparison with seed 004 (arXiv:1903.07589, text below eq. (30))", "",
                  f"* Upscattering events before selection: hnlgen {n4['upscattered']:.3g} (N4) and {n5['upscattered']:.3g} "
                  "(N5) against the paper's 6.3e3 and 6.1e3 for 12.84e20 POT and 818 t: ratios "
                  f"{n4['ratio_to_seed004']:.2f} and {n5['ratio_to_seed004']:.2f}. Producing N_i through Z' exchange "
                  "costs |sum_j U_mu j^* U_D j|^2 (the factor the paper quotes: 'proportional to "
                  "|U_mu4^* U_D4 + U_mu5^* U_D5|^2') times |U_D i|^2 of the produced state (the Z' couples to nu_D, "
                  "and N_i contains nu_D with amplitude U_D i, as in the paper's widths eq. 9, 11, 13). "
                  f"|U_D4|^2 = {ud['N4']:.4f} (7/11) and |U_D5|^2 = {ud['N5']:.4f} (4/11); without that factor our numbers "
                  f"would be {n4['upscattered'] / ud['N4']:.3g} and {n5['upscattered'] / ud['N5']:.3g}, within "
                  f"{abs(n4['upscattered'] / ud['N4'] / 6.3e3 - 1) * 100:.0f}% and {abs(n5['upscattered'] / ud['N5'] / 6.1e3 - 1) * 100:.0f}% "
                  "of the paper's; dropping it contradicts those equations, so the difference stays unexplained (a plain "
                  "FAIL of hnlgen validate). The Majorana phases of the card do not change production.",
                  f"* Overall efficiency (selected / upscattered, N4 + N5): {tp['efficiency_selected_over_upscattered']:.3g}; "
                  f"for N5 alone {n5['efficiency']:.3g} (fiducial decay {n5['in_fiducial_volume'] / n5['upscattered']:.3g}, "
                  f"selection after it {n5['selected'] / n5['in_fiducial_volume']:.3g}), against the paper's 'of the order of 5%'. "
                  f"N4 (c tau0 = {tp['ctau0_cm']['N4']:.3g} cm) decays almost never inside the tank. Our N5 has "
                  f"c tau0 = {tp['ctau0_cm']['N5']:.3g} cm (physics.decay_table; the card's Majorana phases, seed 004 eq. 2-3, "
                  "make the N5 -> N4 e+e- amplitudes interfere destructively: 127 cm without them) against the paper's ~76 cm, "
                  "so fewer N5 decay inside the 5 m fiducial sphere; the selection efficiency of the N5 decays that do is close "
                  "to 5% (validation/notes_eq30_lifetimes.md)."]
    lt = results.get("miniboone_light_zprime")
    if lt:
        from detectors.miniboone.response import published_spectra

        edges, data, bkg = published_spectra()["E_QE"]
        m = edges[1:] <= 1.25 + 1e-9
        lines += [f"* Light-Z' card: {lt['selected']:.4g} selected events at 18.75e20 POT "
                  f"(efficiency {lt['efficiency_selected_over_upscattered']:.3g}), "
                  f"{lt['selected_200_1250']:.4g} of them at 200 < E_QE < 1250 MeV; data minus background of the 2020 "
                  f"release in that range: {data[m].sum() - bkg[m].sum():.0f} events (the paper, arXiv:2006.16883, quotes "
                  "an excess of 638.0 +- 52.1 (stat) +- 122.2 (syst) from its constrained fit)."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--events", type=int, default=100_000)
    args = ap.parse_args(argv)
    results = {}
    for name, card, png in CASES:
        results[name] = run_case(name, card, png, args.events)
        print(f"{name}: upscattered {results[name]['upscattered']:.4g}, selected {results[name]['selected']:.4g} "
              f"({results[name]['wall_time_s']:.1f} s) -> {png.name}")
    (OUT / "miniboone_spectra.json").write_text(json.dumps(results, indent=1) + "\n")
    (OUT / "miniboone_spectra.md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
