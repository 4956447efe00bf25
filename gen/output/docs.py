"""What the output files say about themselves: branch titles (unit and meaning), the numeric ``run``
tree, and the one schema of the run summaries (``hnlgen run --json``) of every experiment.

Branch titles come from the field tables next to the code that fills the fields
(``gen.core.events.SCALAR_FIELDS`` / ``NAMED_PARTICLES`` / ``NAMED_VERTICES`` / ``PARTICLE_FIELDS``,
``detectors.miniboone.response.RECO_BRANCHES``, ``detectors.nue_elastic.response.NUE_RECO_BRANCHES``, ``NA62_TRUTH_DOCS`` / ``NA62_RECO_DOCS`` here, re-exported by ``gen.sources.meson_decay_run``) and are
written as TTree branch titles and as the JSON metadata ``branch_titles`` (both layouts).

Summary schema (``SUMMARY_SCHEMA``), the same keys for MiniBooNE, custom and NA62 runs::

    {"schema": "hnlgen.run_summary/1", "experiment": "miniboone_fhc" | "na62" | ...,
     "exposure": {"value": 1.875e21, "unit": "POT"}    (NA62: kaon decays in the fiducial volume),
     "expected_events": {...}, "errors": {... the same keys ...},
     "mc_rel_error": errors.final_state / expected_events.final_state,
     "mc_error_estimator": MC_ERROR_ESTIMATOR, "events_generated": N, "effective_sample_size": ...,
     "wall_time_s": ...}

``expected_events`` keys: ``upscattered`` (MiniBooNE/custom) or ``produced`` (NA62: N_K^Fid x
BR(K -> l N), no MC error), ``final_state``, ``in_fiducial_volume`` (MiniBooNE/custom), ``selected``
(MiniBooNE selection, or NA62 acceptance and PID: the events an analysis counts; present when the
detector stage ran). Non-finite numbers are written as null (valid JSON).
"""

from __future__ import annotations

import math

__all__ = ["MC_ERROR_ESTIMATOR", "NA62_RECO_DOCS", "NA62_TRUTH_DOCS", "SUMMARY_SCHEMA", "event_branch_titles", "summary_json", "finite_or_none"]

SUMMARY_SCHEMA = "hnlgen.run_summary/1"
MC_ERROR_ESTIMATOR = ("error of a sum S = sum_i w_i of event weights over the N generated events: "
                      "sqrt(sum_i w_i^2 - S^2 / N) = sqrt(N) x (standard deviation of the weights, 1/N normalisation); "
                      "mc_rel_error = error / S of the final-state sum")


_NA62_VERTICES = (("K", "kaon decay vertex"), ("N", "N decay vertex"), ("Zp", "decay vertex of the first Z' (zeros if none)"),
                  ("pair", "production vertex of the l_b pair"))

#: Truth fields of NA62 events (beam frame, K+ from the target at the origin): name -> (unit, description).
NA62_TRUTH_DOCS = {
    "event": ("-", "event number in the run (0-based)"),
    "weight": ("events", "expected events this event represents for N_K^Fid kaon decays in the fiducial volume"),
    **{f"{p}_{c}": ("GeV", f"{c} of the {d} (truth, beam frame)") for p, d in (
        ("K", "parent meson"), ("a", "production lepton l_a"), ("N", "heavy neutrino"),
        ("nu", "first light neutrino of the N decay cascade (zeros if none)"),
        ("Zp", "first Z' of the N decay cascade (zeros if none)"), ("bm", "l_b- of the final-state pair"),
        ("bp", "l_b+ of the final-state pair")) for c in ("px", "py", "pz", "E")},
    **{f"vtx_{p}_{c}": ("cm", f"{c} of the {d} (truth)") for p, d in _NA62_VERTICES for c in ("x", "y", "z")},
    **{f"vtx_{p}_t": ("ns", f"time of the {d} (truth; the parent meson leaves the target at t = 0)")
       for p, d in _NA62_VERTICES},
    "P_fv": ("1", "probability that the kaon decays in the fiducial volume"),
    "P_dec_N": ("1", "probability that N decays before z = 180 m"),
    "P_dec_Zp": ("1", "probability that the Z' decays before z = 180 m (1 without an on-shell Z')"),
    "P_dec": ("1", "probability that every visible vertex precedes z = 180 m (a factor of weight)"),
    "pol_N_lab": ("1", "N polarisation projected on its lab momentum (information; the decays use the exact spin axis)"),
    "channel": ("-", "N decay channel: index into decays.channels of the file's model JSON"),
    "weight_original": ("events", "generation weight, before hnlgen reweight"),
}

#: Reconstructed fields (``detectors.na62.response.reconstruct``), flat branches: name -> (unit, description).
NA62_RECO_DOCS = {
    "m_ll": ("GeV", "invariant mass of the l_b+ l_b- pair (reconstructed)"),
    "m2_N": ("GeV^2", "(p_K - p_a)^2, missing mass squared of the K -> l_a N step (reconstructed)"),
    "m2_miss": ("GeV^2", "(p_K - p_a - p_b+ - p_b-)^2 (reconstructed)"),
    "m2_lnu": ("GeV^2", "(p_K - p_b+ - p_b-)^2 (reconstructed)"),
    "m2_lll": ("GeV^2", "(p_a + p_b+ + p_b-)^2 (reconstructed)"),
    "dtheta_bb": ("rad", "opening angle of the l_b pair (reconstructed)"),
    "theta_Zp": ("rad", "angle of p_b+ + p_b- to the kaon (reconstructed)"),
    "E_Zp": ("GeV", "E_b+ + E_b- (reconstructed)"),
    "truth_<name>": ("as above", "the same eight observables from the true four-momenta"),
    "vtx_bb_z, vtx_bb_cda": ("cm", "z and distance of closest approach of the reconstructed l_b pair (NA62 frame)"),
    "vtx_Ka_z, vtx_Ka_cda": ("cm", "z and closest approach of the GTK kaon and the l_a track"),
    "truth_vtx_bb_z, truth_vtx_Ka_z": ("cm", "true Z' and K decay z (NA62 frame)"),
    "acc_straw": ("bool", "all three tracks in the STRAW and RICH acceptance with p > p_min"),
    "accepted": ("bool", "acc_straw and particle identification (e: LKr, mu: MUV3 with p > 5 GeV)"),
    "weight_accepted": ("events", "weight * accepted"),
}

def _title(name: str, unit: str, doc: str) -> str:
    return f"{name} [{unit}]: {doc}" if unit not in ("-", "1", "", "bool") else f"{name}: {doc}"


def event_branch_titles() -> dict[str, str]:
    """Flat branch name -> title ``name [unit]: meaning`` for every branch hnlgen writes to ``events``."""
    from detectors.microboone.response import RECO_BRANCHES as UB_BRANCHES
    from detectors.miniboone.response import RECO_BRANCHES
    from detectors.nue_elastic.response import NUE_RECO_BRANCHES
    from gen.core.events import NAMED_PARTICLES, NAMED_PDG, NAMED_VERTICES, PARTICLE_FIELDS, SCALAR_FIELDS

    out = {}
    for k, (_dt, unit, doc) in SCALAR_FIELDS.items():
        out[k] = _title(k, unit, doc)
    for k, doc in NAMED_PARTICLES.items():
        for c in ("px", "py", "pz", "E"):
            out[f"{k}_{c}"] = _title(f"{k}_{c}", "GeV", f"{c} of the {doc}")
    for k, doc in NAMED_VERTICES.items():
        for c in ("x", "y", "z"):
            out[f"{k}_{c}"] = _title(f"{k}_{c}", "cm", f"{c} of the {doc}")
        out[f"{k}_t"] = _title(f"{k}_t", "ns", f"time of the {doc}")
    for k, doc in NAMED_PDG.items():
        out[k] = _title(k, "-", doc)
    out["nparticles"] = "nparticles: length of the particle list particles_*"
    for k, (_dt, unit, doc) in PARTICLE_FIELDS.items():
        out[f"particles_{k}"] = _title(f"particles_{k}", unit, doc)
    # the compact record (detectors.output.particle_list): the list only where the named records do not hold it
    out["nparticle_list"] = ("nparticle_list: length of particle_list_*, the particle list of the events whose named records do "
                             "not hold it; 0 for the others (hnlgen's read_events rebuilds them; --record full writes particles_*)")
    for k, (_dt, unit, doc) in PARTICLE_FIELDS.items():
        out[f"particle_list_{k}"] = _title(f"particle_list_{k}", unit, f"{doc} (compact record: see nparticle_list)")
    for c in ("x", "y", "z"):
        out[f"vertex_{c}"] = _title(f"vertex_{c}", "cm", f"{c} of the upscattering vertex in the MiniBooNE tank (origin at its centre)")
    for k, (unit, doc) in RECO_BRANCHES.items():
        out[k] = _title(k, unit, doc)
    for k, (unit, doc) in NUE_RECO_BRANCHES.items():
        if k in RECO_BRANCHES:  # shared names (n_showers, theta_ee, passes_selection, ...): say both meanings
            if RECO_BRANCHES[k][1] != doc:
                out[k] = _title(k, unit, f"MiniBooNE: {RECO_BRANCHES[k][1]}; MINERvA/CHARM-II: {doc}")
            continue
        out[k] = _title(k, unit, doc)
    for k, (unit, doc) in UB_BRANCHES.items():  # MicroBooNE e+e- response; shared names keep the MiniBooNE title
        out.setdefault(k, _title(k, unit, f"MicroBooNE e+e- response: {doc}"))
    for k, (unit, doc) in NA62_TRUTH_DOCS.items():
        out[k] = _title(k, unit, doc)
    for key, (unit, doc) in NA62_RECO_DOCS.items():
        for k in (s.strip() for s in key.split(",")):
            if k == "truth_<name>":
                continue
            out[k] = _title(k, unit, doc)
            if not k.startswith(("truth_", "vtx_", "acc", "weight")):
                out[f"truth_{k}"] = _title(f"truth_{k}", unit, doc.replace("(reconstructed)", "(truth)"))
    return out


def finite_or_none(x):
    """A float for JSON: non-finite -> None (null), so the output is valid JSON."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def summary_json(experiment: str, exposure: tuple[float, str], expected: dict, errors: dict, events_generated: int,
                 effective_sample_size: float, wall_time_s: float) -> dict:
    """The run summary in the schema of the module docstring."""
    fs, efs = expected.get("final_state"), errors.get("final_state")
    rel = efs / fs if fs and efs is not None and fs > 0 else None
    return {
        "schema": SUMMARY_SCHEMA,
        "experiment": experiment,
        "exposure": {"value": finite_or_none(exposure[0]), "unit": exposure[1]},
        "expected_events": {k: finite_or_none(v) for k, v in expected.items()},
        "errors": {k: finite_or_none(errors.get(k)) for k in expected},
        "mc_rel_error": finite_or_none(rel),
        "mc_error_estimator": MC_ERROR_ESTIMATOR,
        "events_generated": int(events_generated),
        "effective_sample_size": finite_or_none(effective_sample_size),
        "wall_time_s": finite_or_none(wall_time_s),
    }
