"""``hnlgen validate`` records of the MINERvA and CHARM-II single-shower responses (issue 13).

The light-Z' benchmark (cards/minerva_light_zprime.toml, cards/charm2_light_zprime.toml: m_N = 420 MeV,
m_Z' = 30 MeV, |U_mu4|^2 = 9e-7, alpha_D = 0.25, alpha eps^2 = 2e-10, Dirac) is generated with the
detector stage (``detectors.nue_elastic.response``) and its BSM count compared with seed 002 (232 MINERvA events in
the high-dE/dx sideband; 1.43e5 CHARM-II events in the signal region). The other published numbers (552
and 1.475e5 in the authors' scan files, ~2.2e5 in the thesis; notes section 1-2) are reported, and the
unconfirmed constants are varied on the same events to show how the count moves.
"""

from __future__ import annotations

import numpy as np

from gen.validation.comparisons import (
    ValidationContext,
    _info,
    _repo_file,
    check_number,
    comparison,
)

N_EVENTS = 40_000
_NOTES = "validation/notes_constraint_experiments.md"


def _generate(card_name: str, experiment: str | None = None):
    from gen.card import load_card, parse_card, resolved_card_dict
    from gen.sources.upscattering import generate

    card = load_card(_repo_file("cards", card_name))
    if experiment is not None:
        d = resolved_card_dict(card)
        d["experiment"] = {"name": experiment}
        card = parse_card(d)
    return generate(card, n_events=N_EVENTS, seed=card.run.seed, reconstruct=True)


def _variant_counts(events, base, variants: dict) -> dict:
    """Selected totals of the same events under modified response constants (one set of normals)."""
    import awkward as ak

    from detectors.miniboone.response import _ak_p4
    from detectors.nue_elastic import response as ne

    z = np.random.default_rng(12345).standard_normal((len(events), 4))
    w = ak.to_numpy(events.weight).astype(np.float64)
    pm, pp, reg = _ak_p4(events.ell_minus), _ak_p4(events.ell_plus), ak.to_numpy(events.regime)
    out = {}
    for label, changes in {"nominal": {}, **variants}.items():
        reco = ne.reconstruct_nue(pm, pp, w, reg, base._replace(**changes), z)
        out[label] = ne.selected_total(reco)[0]
    return out


@comparison("minerva_light_zprime_sideband", quick=False, requires=("gen.sources.upscattering", "detectors.nue_elastic.response"))
def _minerva_sideband(ctx: ValidationContext):
    """MINERvA LE high-dE/dx sideband: BSM events at the light-Z' benchmark vs seed 002's 232."""
    from detectors.nue_elastic import response as ne

    ev = _generate("minerva_light_zprime.toml")
    tot, err = ne.selected_total(ev)
    var = _variant_counts(ev, ne.MINERVA, {
        "merge angle 13 deg (1812.08768's MiniBooNE value)": {"merge_angle_deg": 13.0},
        "merge angle 4 deg": {"merge_angle_deg": 4.0},
        "no energy smearing, angle 2 deg": {"sigma_E_stochastic": 0.0, "sigma_E_constant": 0.0,
                                            "sigma_theta_rad": np.radians(2.0)},
        "dE/dx sigma halved": {"dEdx_sigma": ne.MINERVA.dEdx_sigma / 2},
        "E theta^2 < 5e-3": {"Etheta2_signal_max": 5e-3, "Etheta2_sideband_max": 5e-3},
    })
    nom = var.pop("nominal")
    moves = "; ".join(f"{k}: x{v / nom:.3f}" for k, v in var.items())
    procedure = (f"hnlgen: cards/minerva_light_zprime.toml, {N_EVENTS} events, NuMI LE FHC (DarkNews NUMI_FHC_LE), 3.43e20 POT, "
                 f"6.10 t CH, coherent upscattering only, response minerva_nue (detectors.nue_elastic.response): single shower "
                 f"(pair opening < 8 deg or softer lepton < 30 MeV), E > 0.8 GeV, E theta^2 < 3.2e-3 GeV rad^2, shower-start "
                 f"dE/dx > 4.5 MeV/1.7cm (2 MIP model, 90 % for a merged pair), efficiency 0.73. Selected {tot:.1f} +- {err:.1f} "
                 f"(MC). With seed 002's '8 t' instead of 6.10 t: {tot * 8 / 6.10:.0f}. Unconfirmed constants varied on "
                 f"the same events (other normals): {moves}.")
    src = ("seed 002 slide 'MINERvA' (232 BSM events, 8 t); authors' scan file sensitivity_LE_vAugust2019.npy: 552 at "
           f"(0.42 GeV, 9e-7) ({_NOTES} section 1, flags AUTHOR/CODE)")
    return [
        check_number("MINERvA sideband BSM events vs seed 002", compared="sum of weight_selected (events)", source=src,
                     ours=tot, theirs=232.0, rel_tol=0.30,
                     tolerance_reason="issue 13: 30 %; the response constants are unconfirmed (variations in details)",
                     details=procedure),
        _info("MINERvA sideband BSM events: ratio to the authors' scan files (552)", "ours / 552", src, tot / 552.0,
              details=("The scan files and the seed's slide disagree by x2.4 between themselves (notes section 7: "
                       "unresolved); the slide is the number the issue compares with. " + procedure)),
    ]


@comparison("charm2_light_zprime_signal", quick=False, requires=("gen.sources.upscattering", "detectors.nue_elastic.response"))
def _charm2_signal(ctx: ValidationContext):
    """CHARM-II signal region: BSM events at the light-Z' benchmark vs seed 002's 1.43e5."""
    from detectors.nue_elastic import response as ne

    out = []
    totals = {}
    for exp in ("charm2_fhc", "charm2_rhc"):
        ev = _generate("charm2_light_zprime.toml", exp)
        totals[exp] = ne.selected_total(ev)
        if exp == "charm2_fhc":
            var = _variant_counts(ev, ne.CHARM2, {
                "sigma_E constant 15 % (older code)": {"sigma_E_constant": 0.15},
                "angle resolution 1 deg": {"sigma_theta_rad": np.radians(1.0)},
                "angle resolution 3 deg": {"sigma_theta_rad": np.radians(3.0)},
                "merge angle 8 deg": {"merge_angle_deg": 8.0},
            })
    nom = var.pop("nominal")
    moves = "; ".join(f"{k}: x{v / nom:.3f}" for k, v in var.items())
    (f_tot, f_err), (r_tot, r_err) = totals["charm2_fhc"], totals["charm2_rhc"]
    procedure = (f"hnlgen: cards/charm2_light_zprime.toml, {N_EVENTS} events per beam, CHARMII_FHC/RHC (DarkNews, norm 1e-4), "
                 f"2.5e19 POT split 1.69:1 (1.571e19 nu, 0.929e19 nubar), 547 t glass (289.8 t Si28 + 257.2 t O16, <A> = 20.7), "
                 f"coherent only, response charm2_nue: single shower (opening < 4 deg or softer lepton < 30 MeV), 3 < E < 24 GeV, "
                 f"E theta^2 < 28 MeV, efficiency 0.76. Selected: nu beam {f_tot:.4g} +- {f_err:.2g}, nubar beam "
                 f"{r_tot:.4g} +- {r_err:.2g}, sum {f_tot + r_tot:.4g}. With 574 t instead of 547 t: x{574 / 547:.4f}. "
                 f"Unconfirmed constants varied on the nu-beam events: {moves}.")
    src = ("seed 002 slide 'CHARM-II' (1.43e5 BSM events in the signal region, beam not stated); authors' scan files: "
           f"1.475e5 per beam; M. Hostert's thesis: ~2.2e5 in antineutrino mode ({_NOTES} section 2)")
    out.append(check_number("CHARM-II nu-beam signal-region BSM events vs seed 002", compared="sum of weight_selected (events)",
                            source=src, ours=f_tot, theirs=1.43e5, rel_tol=0.30,
                            tolerance_reason="issue 13: 30 %; resolutions, POT split and target unconfirmed", details=procedure))
    out.append(_info("CHARM-II nubar-beam signal-region BSM events (thesis: ~2.2e5; scan files: 1.475e5)",
                     "sum of weight_selected (events)", src, r_tot, details=procedure))
    out.append(_info("CHARM-II nu-beam count / authors' scan files (1.475e5 per beam)", "ours / 1.475e5", src, f_tot / 1.475e5,
                     details=procedure))
    return out
