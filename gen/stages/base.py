"""Detector stage of a MiniBooNE run: ``detectors.miniboone.response`` applied to generated chunks.

After each chunk of upscattering events (``gen.sources.upscattering.iter_generate``) the MiniBooNE module
(``detectors.miniboone.response.reconstruct_events``) is applied block by block (``gen.core.rng.BLOCK_SIZE``
events), each block with its own stream ``gen.core.rng.block_rng(seed, block, PURPOSE_DETECTOR)``, so the
reconstructed events, like the truth, do not depend on the chunk size.

Per block and event, from that stream:

1. the upscattering vertex, uniform in the oil sphere (``detectors.common.geometry.sample_uniform_ball``,
   3 uniforms; the flux is uniform over the tank at 541 m and the oil density is uniform, so the
   vertex density is uniform, issue 5), written as the truth record ``vertex`` (x, y, z in cm,
   detector frame, origin at the tank centre);
2. the stream itself is handed to the reconstruction, which spawns a geometry stream (the point of the
   visible decay given that it is inside the fiducial sphere, and the exact fiducial decay probability
   from c tau0 and the momenta) and a smearing stream.

The chunk's fields are read once (``response.event_arrays`` with ``by_block``: each block's rows are made on its
thread by ``response.slice_arrays``) and each block is placed
and reconstructed by ``response.reconstruct_block`` in two numba kernels (issue 16; it gives what the
composition of ``geometry.sample_uniform_ball`` and ``response.reconstruct_arrays`` gives from the same
stream, tests/detectors/test_miniboone_kernel.py), into its own columns of the chunk's output arrays.

c tau0 of the produced N (per event, from its PDG code) and of the Z' come from
``physics.decay_table.decay_table(model)``; the Z' decay length enters when the event has a Z'
(two-step N -> nu Z', Z' -> e+e-) and some Z' of the block flies at least ``PROMPT_ZPRIME_CM`` = 0.1 cm
on average; otherwise the Z' decay is prompt and the weight is the exact one-step chord probability of
the N (error < 2e-4 relative, no sampling noise). The truth field ``w_fiducial`` (placeholder 1 in the generator)
becomes this exact probability (``reconstruct``'s ``w_decay_fiducial``; one branch, ``w_fiducial``), so the
summary's ``in_fiducial_volume`` is sum(weight * w_fiducial).
Limitation: for N5 -> N4 l+l- cascades the fiducial weight is that of the produced N5 (and a Z' if
any); a displaced N4 decay later in the chain is not weighted.

The reconstructed scalars of ``detectors.miniboone.response.RECO_BRANCHES`` are added as flat fields to the
event records (so ``EventWriter`` writes them as flat branches of the same ``events`` tree) and the
selected-event histograms (``miniboone_histograms``) are accumulated over chunks.
"""

from __future__ import annotations

import math

import awkward as ak
import numba
import numpy as np

from detectors.miniboone import response as mb
from gen.core import rng as R
from gen.core.event_kernel import thread_pool
from gen.core.events import with_fields
from physics import pdg
from physics.decay_table import decay_table

__all__ = ["RECO_FIELD_DOCS", "HistogramSum", "MiniBooNEStage", "NueElasticStage", "make_stage"]

#: Fields the stage adds to the event records: name -> (unit, description).
RECO_FIELD_DOCS = {
    "vertex.x, .y, .z": ("cm", "upscattering vertex in the detector (uniform in the oil sphere; origin = tank centre)"),
    **mb.RECO_BRANCHES,
}

_HNL_PDG = pdg.HNL
#: Z' mean lab flight (cm) below which its decay counts as prompt: when every Z' of a block flies less than this
#: on average (beta gamma c tau0), the one-step fiducial weight (exact chord probability of the N alone) is used:
#: it has no sampling noise, and neglecting a flight below 0.1 cm changes the fiducial probability by less than
#: 0.1 cm / 500 cm = 2e-4 relative; otherwise the two-step weight of ``response.decay_in_fiducial``
PROMPT_ZPRIME_CM = 0.1



def _ctau0_cm(setup) -> dict[str, float]:
    """c tau0 (cm) of every decaying species, from the decay table ``prepare()`` already computed (its JSON form
    in ``setup.decay_info``; None = stable -> inf); recomputing it took 0.44 s, 15% of a warm 20,000-event run
    (issue 16). Falls back to ``physics.decay_table`` for a setup without it (reweighting)."""
    info = getattr(setup, "decay_info", None)
    cached = info.get("table") if isinstance(info, dict) else None
    if cached is not None:
        return {k: (math.inf if v["ctau0_cm"] is None else float(v["ctau0_cm"])) for k, v in cached.items()}
    return {k: float(v.ctau0_cm) for k, v in decay_table(setup.model).items()}


class HistogramSum:
    """Sum of ``detectors.miniboone.response.Histogram`` dicts over chunks (``Histogram.__add__``: contents and statistics add)."""

    def __init__(self):
        self.hists: dict | None = None

    def add(self, hists: dict) -> None:
        if self.hists is None:
            self.hists = dict(hists)
            return
        for k, h in hists.items():
            self.hists[k] = self.hists[k] + h  # values, errors and the TH1 statistics add


class MiniBooNEStage:
    """MiniBooNE detector applied to generated chunks of a run (see the module docstring).

    Parameters
    ----------
    setup : gen.sources.upscattering.GeneratorSetup
    seed : int
        The run seed.
    """

    def __init__(self, setup, seed: int):

        self.seed = int(seed)
        self.config = setup.card.detector_config
        ctau = _ctau0_cm(setup)
        self.ctau0_N = {}
        for name, code in _HNL_PDG.items():
            if name in ctau:
                c = ctau[name]
                self.ctau0_N[code] = c if math.isfinite(c) else math.inf
        cz = ctau.get("Zprime", 0.0)
        # a stable Z' never gives the visible pair; its decay length is not used then (prompt = 0)
        self.ctau0_Zprime = cz if math.isfinite(cz) else 0.0
        self.hists = HistogramSum()
        self.sel_sum = 0.0
        self.sel_sum2 = 0.0

    def _ctau_N(self, hnl_pdg: np.ndarray) -> np.ndarray:
        out = np.zeros(len(hnl_pdg))
        for code, c in self.ctau0_N.items():
            out[hnl_pdg == code] = c
        return out

    def apply(self, chunk: ak.Array) -> ak.Array:
        """The chunk with ``vertex``, ``w_fiducial`` and the reconstructed fields; accumulates the histograms.

        The chunk must be a run of whole blocks (as ``iter_generate`` yields them).
        """
        if len(chunk) == 0:
            return chunk
        first = int(chunk.event[0])
        arrays = mb.event_arrays(chunk, by_block=True)  # each block's rows made on its thread
        if self.ctau0_Zprime > 0 and arrays["Zprime"] is None:
            raise KeyError("the events have no Zprime field, but the model's Z' decays with c tau0 = "
                           f"{self.ctau0_Zprime:g} cm (needed for the fiducial weight)")
        ctau = self._ctau_N(ak.to_numpy(chunk.hnl_pdg))
        vetoed = mb.vetoed_events(arrays["tracks"], len(chunk), self.config)
        out = mb.block_outputs(len(chunk))

        def block(task):
            b, s, e = task
            i, j = s - first, e - first
            mb.reconstruct_block(mb.slice_arrays(arrays, i, j), out, i, rng=R.block_rng(self.seed, b, R.PURPOSE_DETECTOR),
                                 ctau0_N=ctau[i:j], ctau0_Zprime=self.ctau0_Zprime, prompt_zprime_cm=PROMPT_ZPRIME_CM,
                                 config=self.config, vetoed=vetoed[i:j])

        # blocks are independent (each its own stream, gen.core.rng.block_rng) and the kernel releases the GIL:
        # reconstruct them on numba's number of threads, each into its own columns of ``out``, so the events are
        # the same whatever the threads
        tasks = list(R.block_ranges(first, len(chunk)))
        workers = min(numba.get_num_threads(), len(tasks))
        if workers > 1:
            list(thread_pool(workers).map(block, tasks))
        else:
            for t in tasks:
                block(t)
        reco = mb.block_reco(out, arrays["weight"])
        self.hists.add(mb.miniboone_histograms(reco, self.config, mapper=thread_pool(workers).map if workers > 1 else map))
        sel = reco["weight_selected"]
        self.sel_sum += float(sel.sum())
        self.sel_sum2 += float((sel * sel).sum())
        return attach_reco(chunk, reco)


def attach_reco(chunk: ak.Array, reco: dict) -> ak.Array:
    """Add ``vertex`` (record), the flat reco fields and the fiducial weight to the event records."""
    v = reco["vertex"]
    return with_fields(chunk, {"w_fiducial": reco["w_decay_fiducial"], "vertex": {"x": v[:, 0], "y": v[:, 1], "z": v[:, 2]},
                               **mb.reco_branches(reco)})


class NueElasticStage:
    """Single-shower response of MINERvA or CHARM-II (``detectors.nue_elastic.response``) applied to generated chunks.

    Per block, standard normals from ``gen.core.rng.block_rng(seed, block, PURPOSE_DETECTOR)`` smear the
    shower energy, direction and dE/dx, so the result does not depend on the chunking. Decays are
    taken at the upscattering vertex over the whole fiducial mass (``w_fiducial`` = 1); a block whose
    N flies further than the response's ``max_decay_length_cm`` (beta gamma c tau0) is refused.

    Parameters
    ----------
    setup : gen.sources.upscattering.GeneratorSetup
    seed : int
    response : str
        A key of ``detectors.nue_elastic.response.NUE_RESPONSES``.
    """

    def __init__(self, setup, seed: int, response: str):
        from detectors.nue_elastic import response as ne
        from gen.core.decays import parse_final_state
        from gen.errors import HnlgenError

        self.seed = int(seed)
        self.config = ne.NUE_RESPONSES[response]
        fs = setup.card.process.final_state
        visible = parse_final_state(fs)
        if visible is not None and visible != ("e+", "e-"):
            raise HnlgenError(f"process.final_state = {fs!r}: the {response} response sees only an e+e- pair as one "
                              "shower; use 'e+e-' or 'all', or hnlgen run --no-detector for truth-level output")
        ctau = _ctau0_cm(setup)
        self.ctau0_N = {code: ctau[name] for name, code in _HNL_PDG.items() if name in ctau}
        self.ctau0_Zprime = ctau.get("Zprime", 0.0)
        self.hists = HistogramSum()
        self.sel_sum = 0.0
        self.sel_sum2 = 0.0

    def _check_prompt(self, events: ak.Array) -> None:
        """Refuse a block whose weighted mean lab flight of the N plus the Z' exceeds ``max_decay_length_cm``.

        With vertices uniform along a fiducial length L, a flight l moves a fraction ~ l / L of the
        decays across the boundary; the limit is 1 % of L, so decays taken at the vertex are right to ~1 %.
        """
        from gen.errors import HnlgenError

        def flight(rec, ctau_of_event):
            p = np.sqrt(ak.to_numpy(rec.px) ** 2 + ak.to_numpy(rec.py) ** 2 + ak.to_numpy(rec.pz) ** 2)
            m = np.sqrt(np.maximum(ak.to_numpy(rec.E) ** 2 - p**2, 0.0))
            with np.errstate(invalid="ignore", divide="ignore"):
                out = np.where(m > 0, p / np.where(m > 0, m, 1.0) * ctau_of_event, 0.0)
            return out

        codes = ak.to_numpy(events.hnl_pdg)
        ctau_N = np.zeros(len(codes))
        for code, c in self.ctau0_N.items():
            ctau_N[codes == code] = c
        lab = flight(events.N, ctau_N)
        if self.ctau0_Zprime and "Zprime" in events.fields:
            lab = lab + flight(events.Zprime, self.ctau0_Zprime)
        w = ak.to_numpy(events.weight).astype(np.float64)
        mean = float(np.sum(w * lab) / np.sum(w)) if np.sum(w) > 0 else 0.0
        if not mean <= self.config.max_decay_length_cm:
            raise HnlgenError(f"detector response {self.config.name}: the N and Z' fly {mean:.3g} cm on average before "
                              f"decaying; this response takes decays at the upscattering vertex, which holds to ~1 % "
                              f"only below {self.config.max_decay_length_cm:g} cm (use --no-detector for truth-level output)")

    def apply(self, chunk: ak.Array) -> ak.Array:
        """The chunk with the reconstructed fields of ``NUE_RECO_BRANCHES``; accumulates histograms and sums."""
        from detectors.miniboone.response import _ak_p4
        from detectors.nue_elastic import response as ne

        if len(chunk) == 0:
            return chunk
        self._check_prompt(chunk)
        first = int(chunk.event[0])
        normals = np.concatenate([R.block_rng(self.seed, b, R.PURPOSE_DETECTOR).standard_normal((e - s, 4))
                                  for b, s, e in R.block_ranges(first, len(chunk))])
        weight = ak.to_numpy(chunk.weight).astype(np.float64)
        reco = ne.reconstruct_nue(_ak_p4(chunk.ell_minus), _ak_p4(chunk.ell_plus), weight,
                                  ak.to_numpy(chunk.regime), self.config, normals)
        self.hists.add(ne.nue_histograms(reco, weight, self.config))
        sel = reco["weight_selected"]
        self.sel_sum += float(sel.sum())
        self.sel_sum2 += float((sel * sel).sum())
        return with_fields(chunk, {k: reco[k] for k in ne.NUE_RECO_BRANCHES})


def stage_warmup(response: str | None) -> tuple:
    """For a cold start (``gen.core.precompile.wait``): the functions that compile the numba kernels of the
    detector stage ``response`` (registry field ``detector_response``) on made-up events, which the parent
    calls while the helper compiles the event kernel (timelines of a cold start, issue 16: the two processes
    then end their compilation within ~0.3 s of each other). Empty for a response without such kernels."""
    from detectors.nue_elastic.response import NUE_RESPONSES

    if response == "miniboone":
        from detectors.miniboone.response import warm_stage_kernels

        return (warm_stage_kernels,)
    if response in NUE_RESPONSES:
        from detectors.nue_elastic.response import warm_kernels

        return (warm_kernels,)
    if response == "microboone_epem":
        from detectors.microboone.response import warm_kernels as warm_microboone

        return (warm_microboone,)
    return ()


def make_stage(setup, seed: int):
    """The detector stage of the card's experiment (registry field ``detector_response``), or None (truth level)."""
    from detectors.nue_elastic.response import NUE_RESPONSES
    from gen.experiments import experiment_info

    response = experiment_info(setup.card.experiment.name).detector_response
    if response == "miniboone":
        return MiniBooNEStage(setup, seed)
    if response in NUE_RESPONSES:
        return NueElasticStage(setup, seed, response)
    if response == "microboone_epem":
        from gen.stages.microboone import MicroBooNEEpemStage

        return MicroBooNEEpemStage(setup, seed)
    return None
