"""``hnlgen validate`` records of issue 13 items 3-4: the limit statistics and the MicroBooNE e+e- benchmark.

Registered through ``gen.validation.comparisons.COMPARISON_MODULES``. Reference numbers: arXiv:2502.10900 (95 observed,
69.7 +- 17.3), ``validation/notes_constraint_experiments.md`` sections 3 and 5 (independently computed
limits; the MINERvA thresholds of the authors' scan files of arXiv:1812.08768).
"""

from __future__ import annotations

import dataclasses
import types

from gen.validation.comparisons import (
    Comparison,
    ValidationContext,
    _info,
    _repo_file,
    check_number,
    comparison,
)

#: Events generated for the MicroBooNE benchmark record (MC error of the selected sum ~1 %).
MICROBOONE_EVENTS = 20000

_NOTES = "validation/notes_constraint_experiments.md"


@comparison("limit_statistics", quick=True, requires=("gen.limits",))
def _limit_statistics(ctx: ValidationContext) -> list[Comparison]:
    """Upper limits from MicroBooNE's published counts and MINERvA's sideband vs independent computations."""
    from gen import limits as L

    out = []
    refs = [("cls", False, 60.1), ("splusb", False, 59.1), ("profile", False, 58.2), ("profile", True, 64.5),
            ("gauss", False, 58.0)]
    for method, two, ref in refs:
        s = L.poisson_gauss_upper_limit(95, 69.7, 17.3, 0.95, method, two)
        label = method + (" two-sided" if two else "")
        out.append(check_number(f"MicroBooNE 95 vs 69.7 +- 17.3: S_95 ({label})", compared="95 % CL signal upper limit (events)",
                                source=f"arXiv:2502.10900 counts; reference computed in {_NOTES} sec. 5.3", ours=s, theirs=ref,
                                abs_tol=0.1, tolerance_reason="reference quoted to 0.1 event"))
    pc = L.published_count("minerva_le_sideband")
    for variant, ref, lab in ((False, 132.0, "30 %"), (True, 394.0, "100 %")):
        s = L.chi2_1812_upper_limit(pc, 0.90, variant)
        out.append(check_number(f"MINERvA LE high-dE/dx sideband, background {lab}: S at chi2 = 4.61",
                                compared="90 % CL (2 dof) signal threshold (events)",
                                source=f"arXiv:1812.08768 authors' scan files (mhostert/dark-neutrinos-at-T2K), {_NOTES} sec. 5.1",
                                ours=s, theirs=ref, rel_tol=0.10,
                                tolerance_reason="sideband counts digitized (~2 %) and the chi2 form reconstructed from the "
                                                 "author's thesis (exact formula UNCONFIRMED; notes: 5-7 % agreement)"))
    both = ["charm2_nue_nu", "charm2_nue_nubar"]
    for variant, ref, lab in ((False, 3270.0, "3 %"), (True, 5270.0, "10 %")):
        n = L.chi2_1812_scale_limit(both, [1.0, 1.0], 0.90, variant)
        out.append(check_number(f"CHARM-II nu + nubar beams, chi2 summed, background {lab}: n per beam at chi2 = 4.61",
                                compared="90 % CL (2 dof) signal threshold per beam, same n in both beams (events)",
                                source=f"arXiv:1812.08768 authors' scan files (sensitivity_CH*_vAugust2019.npy), {_NOTES} sec. 5.1",
                                ours=n, theirs=ref, rel_tol=0.20,
                                tolerance_reason="both beams' backgrounds in the signal region come from digitized Vilain 1994 "
                                                 "Fig. 1 curves (~20 %, published_counts.toml flags); chi2 form UNCONFIRMED"))
    s_na62 = L.signal_upper_limit("na62_mu_ee_sensitivity", 0.95)
    out.append(check_number("NA62 zero-background sensitivity: S_95", compared="95 % CL signal upper limit for 0 observed over 0 (events)",
                            source="arXiv:1903.07589 sec. IV.A ('assuming a zero-background search'); closed form -ln(0.05)",
                            ours=s_na62, theirs=3.0, abs_tol=0.01, tolerance_reason="closed form 2.996 quoted as 3.0"))
    return out


@comparison("microboone_epem_benchmark", quick=False, requires=("gen.sources.upscattering", "detectors.microboone.response"))
def _microboone_benchmark(ctx: ValidationContext) -> list[Comparison]:
    """cards/microboone_light_zprime.toml through the MicroBooNE e+e- response: excluded by 95 vs 69.7 +- 17.3."""
    import numpy as np

    from detectors.microboone import response as ub
    from gen import limits as L
    from gen.card import load_card
    from gen.sources.upscattering import generate
    from gen.stages.microboone import MicroBooNEEpemStage

    card = load_card(_repo_file("cards", "microboone_light_zprime.toml"))
    n = MICROBOONE_EVENTS
    truth = generate(card, n_events=n, seed=card.run.seed, reconstruct=False)
    setup = types.SimpleNamespace(card=card)

    def selected(cfg):
        ev = MicroBooNEEpemStage(setup, card.run.seed, cfg).apply(truth)
        w = np.asarray(ev["weight_selected"], dtype=float)
        return float(w.sum()), float(np.sqrt((w * w).sum()))

    base = ub.MicroBooNEConfig()
    s, err = selected(base)
    limit = L.signal_upper_limit("microboone_epem", 0.95)
    excluded = s - 2 * err > limit
    out = [Comparison(
        name="MicroBooNE e+e- benchmark (m_N 420 MeV, m_Z' 30 MeV, |U_mu4|^2 9e-7): excluded at 95 % CL",
        compared="selected BSM events vs the 95 % CL upper limit from 95 observed over 69.7 +- 17.3 (CLs, marginalised)",
        source="arXiv:2502.10900 (PRL 136 (2026) 121804): the benchmark region is excluded",
        ours=s, theirs=f"> {limit:.1f} (excluded)", tolerance="ours - 2 MC sigma must exceed the limit",
        status="PASS" if excluded else "FAIL",
        reason=f"{s:.1f} +- {err:.1f} {'>' if excluded else '<='} {limit:.1f}",
        details=(f"cards/microboone_light_zprime.toml, {n} events (seed {card.run.seed}); detectors/microboone/response.py defaults "
                 f"{dataclasses.asdict(base)}. Other statistics: S_95 = "
                 + ", ".join(f"{m} {L.signal_upper_limit('microboone_epem', 0.95, m):.1f}" for m in L.METHODS)
                 + ". The HEPData tables' 'Sig' histogram sums to ~67 events (notes sec. 3, FIGURE) for an unstated model point."),
    )]
    # how the count moves with each UNCONFIRMED / FIGURE constant (same events, same smearing streams)
    rows = []
    for key, vals in (("efficiency", (0.15, 0.35)), ("fiducial_margin_cm", (0.0, 25.0)), ("shower_threshold_GeV", (0.01, 0.1)),
                      ("merge_angle_deg", (5.0, 25.0)), ("max_beam_angle_deg", (15.0, 35.0)), ("max_E_vis_GeV", (1.0, 2.5)),
                      ("coherent_only", (False,))):
        for v in vals:
            sv, _ = selected(dataclasses.replace(base, **{key: v}))
            rows.append(f"{key} = {v}: {sv:.1f} ({sv / s - 1:+.0%}, {'excluded' if sv > limit else 'allowed'})")
    eff_min = base.efficiency * limit / s
    out.append(_info("MicroBooNE e+e- benchmark: selected events when one response constant changes",
                     "selected events per variation (informational)", "detectors/microboone/response.py constants (module docstring flags)",
                     f"efficiency for exclusion > {eff_min:.3f}",
                     details="; ".join(rows) + f". The benchmark stays excluded unless the overall efficiency is below {eff_min:.3f} "
                     f"(the flat efficiency {base.efficiency} scales the count linearly)."))
    out.append(_active_volume_rows(selected, base, s, limit))
    return out


def _active_volume_rows(selected, base, s: float, limit: float) -> Comparison:
    """The UNCONFIRMED active-volume box (LArLite) moved by +-delta on every face, at the nominal fiducial border.

    Vertices are uniform in the active volume with a density fixed by the flux and the argon density, so a box
    larger by delta per face with the border b selects exactly the events of the nominal box with border b - delta
    (same density, same fiducial box): the count is ``selected`` at border b - delta. The closed-form fiducial-volume
    ratio V(b - delta) / V(b) is shown beside it (the count follows it when the selection does not depend on the
    vertex position, i.e. for prompt decays)."""
    from detectors.microboone import response as ub

    rows = []
    v0 = ub.fiducial_volume_cm3(base.fiducial_margin_cm)
    for delta in (-10.0, -5.0, 5.0, 10.0):
        b = base.fiducial_margin_cm - delta
        sv, _ = selected(dataclasses.replace(base, fiducial_margin_cm=b))
        rows.append(f"box {delta:+.0f} cm per face: {sv:.1f} ({sv / s - 1:+.1%}; fiducial volume x{ub.fiducial_volume_cm3(b) / v0:.3f}; "
                    f"{'excluded' if sv > limit else 'allowed'})")
    return _info("MicroBooNE e+e- benchmark: selected events when the active-volume box changes",
                 "selected events per box variation at the nominal 10 cm border (informational)",
                 "detectors/microboone/response.py ACTIVE_VOLUME_CM (LArLite, UNCONFIRMED)", f"{s:.1f} nominal",
                 details="; ".join(rows) + ". A box larger by delta per face with the 10 cm border selects the events of the "
                 "nominal box with a border of 10 - delta cm (uniform vertex density).")
