"""What the output files say about themselves: branch titles (unit and meaning), the numeric ``run``
tree, and the one schema of the run summaries (``hnlgen run --json``) of every experiment.

Branch titles come from the field tables next to the code that fills the fields
(``gen.events.SCALAR_FIELDS`` / ``NAMED_PARTICLES`` / ``NAMED_VERTICES`` / ``PARTICLE_FIELDS``,
``detectors.miniboone.RECO_BRANCHES``, ``gen.na62_run.NA62_TRUTH_DOCS`` / ``NA62_RECO_DOCS``) and are
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

__all__ = ["MC_ERROR_ESTIMATOR", "SUMMARY_SCHEMA", "event_branch_titles", "summary_json", "finite_or_none"]

SUMMARY_SCHEMA = "hnlgen.run_summary/1"
MC_ERROR_ESTIMATOR = ("error of a sum S = sum_i w_i of event weights over the N generated events: "
                      "sqrt(sum_i w_i^2 - S^2 / N) = sqrt(N) x (standard deviation of the weights, 1/N normalisation); "
                      "mc_rel_error = error / S of the final-state sum")


def _title(name: str, unit: str, doc: str) -> str:
    return f"{name} [{unit}]: {doc}" if unit not in ("-", "1", "", "bool") else f"{name}: {doc}"


def event_branch_titles() -> dict[str, str]:
    """Flat branch name -> title ``name [unit]: meaning`` for every branch hnlgen writes to ``events``."""
    from detectors.miniboone import RECO_BRANCHES
    from gen.events import NAMED_PARTICLES, NAMED_PDG, NAMED_VERTICES, PARTICLE_FIELDS, SCALAR_FIELDS
    from gen.na62_run import NA62_RECO_DOCS, NA62_TRUTH_DOCS

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
    for c in ("x", "y", "z"):
        out[f"vertex_{c}"] = _title(f"vertex_{c}", "cm", f"{c} of the upscattering vertex in the MiniBooNE tank (origin at its centre)")
    for k, (unit, doc) in RECO_BRANCHES.items():
        out[k] = _title(k, unit, doc)
    from detectors.microboone import RECO_BRANCHES as UB_BRANCHES

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
