"""Detector stage of a MicroBooNE e+e- run: ``detectors.microboone.response`` applied to generated chunks.

Chosen by the experiment registry (``gen.experiments.experiment_info(name).detector_response ==
"microboone_epem"``; ``make_stage`` is the one dispatch). As for MiniBooNE (``gen.stages.base``),
every block of ``gen.core.rng.BLOCK_SIZE`` events draws from its own stream
``gen.core.rng.block_rng(seed, block, PURPOSE_DETECTOR)``: 3 uniforms place the upscattering vertex in the
TPC active volume, 3 normals smear the shower; so the reconstructed events do not depend on chunking.

The visible vertex is the upscattering vertex plus the generator's ``ell_vertex`` (the sampled flight
of the N and Z'). ``w_fiducial`` = (M_active / M_target) x [visible vertex in the fiducial volume]: the
probability that an event upscattered anywhere in the card's argon is seen in the fiducial volume
(``detectors.microboone.response`` docstring; M_active = 86.4 t, ``microboone`` 170 t -> 0.508 x,
``microboone_tpc`` 86.19 t -> 1.0025 x because DarkNews' box, 256 x 232 x 1040 cm, is 0.25 % smaller).
``weight_selected`` = weight x w_fiducial x w_efficiency x passes_selection, as for MiniBooNE.
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from detectors.microboone import response as ub
from gen.card import CardError
from gen.core import rng as R
from gen.core.events import with_fields
from physics import pdg

__all__ = ["RECO_FIELD_DOCS", "VISIBLE_FINAL_STATES", "MicroBooNEEpemStage"]

#: Final states the MicroBooNE e+e- response can see (``[process] final_state``).
VISIBLE_FINAL_STATES = ("all", "e+e-")

RECO_FIELD_DOCS = {
    "vertex.x, .y, .z": ("cm", "upscattering vertex, uniform in the TPC active volume (x 0-256.35, |y| < 116.5, z 0-1036.8)"),
    **ub.RECO_BRANCHES,
}


class _NoHists:
    hists = None


class MicroBooNEEpemStage:
    """MicroBooNE forward coherent e+e- response on generated chunks (module docstring)."""

    def __init__(self, setup, seed: int, config: ub.MicroBooNEConfig | None = None):
        from gen.experiments import get_experiment

        card = setup.card
        fs = getattr(getattr(card, "process", None), "final_state", "all") or "all"
        if fs not in VISIBLE_FINAL_STATES:
            raise CardError(f"process.final_state = {fs!r}: the MicroBooNE e+e- response "
                            f"({card.experiment.name}) sees only {', '.join(map(repr, VISIBLE_FINAL_STATES))}")
        exp = get_experiment(card)
        m_target_t = sum(t.mass_g for t in exp.targets) * 1e-6
        self.mass_factor = ub.active_mass_t() / m_target_t
        self.seed = int(seed)
        self.config = config or ub.MicroBooNEConfig()
        self.hists = _NoHists()
        self.sel_sum = 0.0
        self.sel_sum2 = 0.0

    def reconstruct_block(self, events: ak.Array, block: int) -> dict:
        g = R.block_rng(self.seed, block, R.PURPOSE_DETECTOR)
        n = len(events)
        u = g.random((n, 3))
        box = np.array(ub.ACTIVE_VOLUME_CM)
        vertex = box[:, 0] + u * (box[:, 1] - box[:, 0])
        normals = g.standard_normal((n, 3))
        off = np.column_stack([ak.to_numpy(events.ell_vertex[c]) for c in ("x", "y", "z")])
        em = np.column_stack([ak.to_numpy(events.ell_minus[c]) for c in ("px", "py", "pz", "E")])
        ep = np.column_stack([ak.to_numpy(events.ell_plus[c]) for c in ("px", "py", "pz", "E")])
        # only electrons are showers: a muon pair (or none) gives zeros here
        em[ak.to_numpy(events.ell_minus_pdg) != pdg.ELECTRON] = 0.0
        ep[ak.to_numpy(events.ell_plus_pdg) != -pdg.ELECTRON] = 0.0
        reco = ub.reconstruct(em, ep, vertex + off, ak.to_numpy(events.regime), ak.to_numpy(events.weight), normals,
                              self.config, 1.0)
        reco["w_fiducial"] = self.mass_factor * reco["in_fiducial"]
        reco["weight_selected"] = reco["weight_selected"] * reco["w_fiducial"]
        reco["vertex"] = vertex
        return reco

    def apply(self, chunk: ak.Array) -> ak.Array:
        if len(chunk) == 0:
            return chunk
        first = int(chunk.event[0])
        parts = [self.reconstruct_block(chunk[s - first:e - first], b) for b, s, e in R.block_ranges(first, len(chunk))]
        reco = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        sel = reco["weight_selected"]
        self.sel_sum += float(sel.sum())
        self.sel_sum2 += float((sel * sel).sum())
        v = reco["vertex"]
        return with_fields(chunk, {"w_fiducial": reco["w_fiducial"], "vertex": {"x": v[:, 0], "y": v[:, 1], "z": v[:, 2]},
                                   **{k: reco[k] for k in ub.RECO_BRANCHES}})
