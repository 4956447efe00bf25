"""``hnlgen run`` on an NA62 card: K+ (or pi+) -> l_a+ N, N -> nu Z', Z' -> l_b+ l_b- in NA62.

Card (``gen.card``): ``[experiment] name = "na62"`` with ``n_kaon_decays`` (N_K^Fid; default seed 004
Table I: 2.14e11 for ``final_state = "e+e-"``, 7.94e11 for ``"mu+mu-"``), ``parent`` (K+ or pi+),
``production_lepton`` (l_a: e or mu), ``beam_momentum`` (GeV, 75), ``beam_momentum_spread``
(relative rms, 0.01), ``fiducial_z`` ([10500, 18000] cm); ``[process] final_state`` picks l_b and
``hnl`` the heavy neutrino (default the lightest, N4).

The cascade parameters (c tau0 of N and Z', BR(N -> nu Z'), BR(Z' -> l_b l_b), |U_aN|^2, Dirac or
Majorana) come from ``physics.decay_table.decay_table(model)`` through
``gen.na62_source.cascade_from_decay_table``; the events from ``gen.na62_source.generate_na62_cascade``
(its docstring has the sampling and the weight) and the NA62 observables from
``detectors.na62.reconstruct``.

Reproducibility as in the upscattering generator (``gen.rng``): events in fixed blocks of
``BLOCK_SIZE``; block b draws its cascade uniforms from ``block_rng(seed, b, PURPOSE_PRODUCTION)`` and
its detector smearing from ``block_rng(seed, b, PURPOSE_DETECTOR)``, so the output does not depend on
the chunk size. The per-block call of ``generate_na62_cascade`` gets the exposure N_K^Fid m/n for its m
of the n events, so every weight is N_K^Fid/n * (...) and the weights of the whole run sum to the
expected number of decays with the visible vertex before the end of the fiducial volume.

Event records (truth): ``event``, ``weight``, the Momentum4D records ``K``, ``a`` (l_a+), ``N``,
``nu``, ``Zp``, ``bm`` (l_b-), ``bp`` (l_b+) (GeV, beam frame: kaon along +z from the target),
decay points ``vtx_K``, ``vtx_N``, ``vtx_Zp`` (x, y, z in cm), and ``P_fv``, ``P_dec_N``,
``P_dec_Zp``, ``pol_N_lab``, ``nubar``, ``hel_Zp``. Reconstructed (``reconstruct=True``): the flat
fields of ``NA62_RECO_DOCS``.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Iterator

import awkward as ak
import numpy as np

from gen import rng as R

__all__ = ["NA62Setup", "prepare_na62", "iter_generate_na62", "generate_na62", "na62_histograms", "run_na62",
           "NA62_RECO_DOCS", "NA62_HISTOGRAMS"]

#: Reconstructed fields (``detectors.na62.reconstruct``), flat branches: name -> (unit, description).
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

# Histograms (TH1D) of accepted events (reconstructed, weight_accepted) and of all events (truth,
# weight). Ranges from the kinematics: m_ll in [0, 2 m_Z'], m2_N in [0, (m_P - m_a)^2],
# m2_lnu and m2_lll in [0, m_P^2] (seed 004 eq. (18)-(21), (A3)-(A4)), m2_miss in +-0.01 GeV^2
# around 0 (massless nu; NA62's resolution is O(1e-3) GeV^2, validation/na62/README.md).
NA62_HISTOGRAMS = ("m_ll", "m2_N", "m2_miss", "m2_lnu", "m2_lll")
N_BINS = 100


class NA62Setup:
    """Everything built once per NA62 card: model, cascade, beam, exposure."""

    def __init__(self, card):
        from gen.card import NA62_FINAL_STATES, CardError, build_model, na62_settings
        from gen.na62_source import NA62Beam, cascade_from_decay_table
        from physics.decay_table import decay_table
        from physics.meson_decays import MESONS, lepton_mass

        self.card = card
        self.model = build_model(card)
        self.settings = na62_settings(card)
        st = self.settings
        self.flavour_a = st["production_lepton"]
        self.flavour_b = NA62_FINAL_STATES[card.process.final_state]
        self.hnl = card.process.hnl[0] if card.process.hnl else self.model.heavy_names[0]
        if self.hnl not in self.model.heavy_names:
            raise CardError(f"invalid run card:\n  process.hnl = {card.process.hnl!r}: the model has only "
                            f"{', '.join(self.model.heavy_names)}")
        self.table = decay_table(self.model)
        z1, z2 = st["fiducial_z"]
        try:
            self.beam = NA62Beam(p0=float(st["beam_momentum"]), sigma_rel=float(st["beam_momentum_spread"]),
                                 z_fv_begin=float(z1), z_fv_end=float(z2), z_decay_end=float(z2))
            self.cascade = cascade_from_decay_table(self.table, model=self.model, N_name=self.hnl,
                                                    flavour_a=self.flavour_a, flavour_b=self.flavour_b,
                                                    parent=st["parent"])
        except ValueError as err:
            raise CardError(f"invalid run card:\n  na62 cascade {st['parent']} -> {self.flavour_a}+ {self.hnl}, "
                            f"{self.hnl} -> nu Z', Z' -> {card.process.final_state}: {err}") from None
        self.n_parent_decays = float(st["n_kaon_decays"])
        self.m_P = MESONS[st["parent"]]["mass"]
        self.m_a = lepton_mass(self.flavour_a)
        self.m_b = lepton_mass(self.flavour_b)

    def info(self) -> dict:
        c = self.cascade
        return {"parent": c.parent, "flavour_a": c.flavour_a, "flavour_b": c.flavour_b, "hnl": self.hnl,
                "m_N": c.m_N, "m_Zp": c.m_Zp, "U2_aN": c.U2_aN, "ctau0_N_cm": c.ctau0_N, "ctau0_Zp_cm": c.ctau0_Zp,
                "br_production": c.br_production, "br_N_to_nu_Zp": c.br_N_to_nu_Zp, "br_Zp_to_bb": c.br_Zp_to_bb,
                "majorana": c.majorana, "polarisation_N": c.polarisation_N, "n_parent_decays_fid": self.n_parent_decays,
                "beam": {"p0_GeV": self.beam.p0, "sigma_rel": self.beam.sigma_rel,
                         "z_fv_cm": [self.beam.z_fv_begin, self.beam.z_fv_end]}}

    def histogram_edges(self) -> dict:
        mZ = self.cascade.m_Zp
        return {
            "m_ll": np.linspace(0.0, 2.0 * mZ, N_BINS + 1),
            "m2_N": np.linspace(0.0, (self.m_P - self.m_a) ** 2, N_BINS + 1),
            "m2_miss": np.linspace(-0.01, 0.01, N_BINS + 1),
            "m2_lnu": np.linspace(0.0, self.m_P**2, N_BINS + 1),
            "m2_lll": np.linspace(0.0, self.m_P**2, N_BINS + 1),
        }


def prepare_na62(card) -> NA62Setup:
    """The ``NA62Setup`` of an NA62 run card."""
    return NA62Setup(card)


def _block_events(setup: NA62Setup, seed: int, block: int, start: int, stop: int, n_total: int,
                  reconstruct: bool) -> ak.Array:
    from gen.na62_source import events_to_awkward, generate_na62_cascade

    m = stop - start
    ev = generate_na62_cascade(m, R.block_rng(seed, block, R.PURPOSE_PRODUCTION), setup.cascade, setup.beam,
                               n_parent_decays_fid=setup.n_parent_decays * m / n_total)
    arr = events_to_awkward(ev)
    fields = {"event": np.arange(start, stop, dtype=np.int64)}
    fields.update({k: arr[k] for k in arr.fields})
    if reconstruct:
        fields.update(_reconstruct_block(setup, ev, seed, block))
        fields["weight_accepted"] = ev["weight"] * np.asarray(fields["accepted"], dtype=np.float64)
    return ak.zip(fields, depth_limit=1)


def _reconstruct_block(setup: NA62Setup, ev: dict, seed: int, block: int) -> dict:
    """``detectors.na62.reconstruct`` of the events of one whole block with the block's detector stream.

    ``ev`` holds ``p4_K``, ``p4_a``, ``p4_bm``, ``p4_bp`` (n, 4; GeV) and ``vtx_K``, ``vtx_Zp`` (n, 3; cm)
    of all events of block ``block`` in order; the smearing depends only on (seed, block, n), so
    ``gen.na62_reweight`` gets the same smearing for moved vertices.
    """
    from detectors import na62

    with np.errstate(invalid="ignore", divide="ignore"):
        reco = na62.reconstruct(ev, R.block_rng(seed, block, R.PURPOSE_DETECTOR), m_a=setup.m_a, m_b=setup.m_b,
                                flavour_a=setup.flavour_a, flavour_b=setup.flavour_b)
    return {k: np.asarray(v) for k, v in reco.items()}


def iter_generate_na62(card, n_events: int | None = None, seed: int | None = None, chunk_size: int | None = None, *,
                       setup: NA62Setup | None = None, reconstruct: bool = False) -> Iterator[ak.Array]:
    """Yield the events of an NA62 run in chunks of whole blocks (independent of ``chunk_size``)."""
    from gen.sampler import _resolve

    n, s, bpc = _resolve(card, n_events, seed, chunk_size)
    if setup is None:
        setup = NA62Setup(card)
    blocks = list(R.block_ranges(0, n))
    for i in range(0, len(blocks), bpc):
        parts = [_block_events(setup, s, b, start, stop, n, reconstruct) for b, start, stop in blocks[i:i + bpc]]
        yield parts[0] if len(parts) == 1 else ak.concatenate(parts)


def generate_na62(card, n_events: int | None = None, seed: int | None = None, chunk_size: int | None = None, *,
                  reconstruct: bool = False) -> ak.Array:
    """All events of an NA62 run as one array (``reconstruct=True``: what ``hnlgen run`` writes)."""
    chunks = list(iter_generate_na62(card, n_events, seed, chunk_size, reconstruct=reconstruct))
    return chunks[0] if len(chunks) == 1 else ak.concatenate(chunks)


def na62_histograms(events: ak.Array, setup: NA62Setup) -> dict:
    """TH1-ready histograms (``detectors.miniboone.Histogram``): reconstructed ``h_<obs>`` of accepted
    events (weight_accepted) and ``h_truth_<obs>`` of all events (weight)."""
    from detectors.miniboone import Histogram

    edges = setup.histogram_edges()
    out = {}
    unit = {"m_ll": "[GeV]"}
    for name in NA62_HISTOGRAMS:
        label = f"{name} {unit.get(name, '[GeV^{2}]')}"
        for prefix, wkey, title in (("", "weight_accepted", "accepted events, reconstructed"),
                                    ("truth_", "weight", "all events, truth")):
            if prefix + name not in events.fields or wkey not in events.fields:
                continue
            x = np.nan_to_num(ak.to_numpy(events[prefix + name]), nan=-1e9)
            w = ak.to_numpy(events[wkey]).astype(np.float64)
            v, _ = np.histogram(x, bins=edges[name], weights=w)
            e2, _ = np.histogram(x, bins=edges[name], weights=w * w)
            key = f"h_{prefix}{name}"
            out[key] = Histogram(key, f"{title};{label};events", edges[name], v, np.sqrt(e2))
    return out


def run_na62(card, n: int, seed: int, out: str, *, chunk_size=None, compression="lz4", reconstruct=True,
             as_json=False, progress=None, format="ttree") -> int:
    """``hnlgen run`` for an NA62 card: events TTree (or RNTuple, ``format``), TH1Ds, metadata and the summary."""
    from detectors.miniboone import write_histograms
    from detectors.output import EventWriter
    from gen import __version__
    from gen.card import card_to_toml, resolved_card_dict
    from gen.detector_stage import HistogramSum

    t0 = time.perf_counter()
    setup = NA62Setup(card)
    hsum = HistogramSum()
    sw = sw2 = sa = sa2 = 0.0
    done = 0
    with EventWriter(out, compression=compression, format=format) as writer:
        prog = progress(n, "generating") if progress is not None else None
        for chunk in iter_generate_na62(card, n, seed, chunk_size, setup=setup, reconstruct=reconstruct):
            writer.write(chunk)
            w = ak.to_numpy(chunk.weight)
            sw += float(w.sum())
            sw2 += float((w * w).sum())
            if reconstruct:
                wa = ak.to_numpy(chunk.weight_accepted)
                sa += float(wa.sum())
                sa2 += float((wa * wa).sum())
            hsum.add(na62_histograms(chunk, setup))
            done += len(chunk)
            if prog is not None:
                prog.update(done)
        if prog is not None:
            prog.close()

        def err(s, s2):  # MC error of a sum of weights over n events: sqrt(sum w^2 - S^2/n)
            return math.sqrt(max(s2 - s * s / done, 0.0))

        produced = setup.n_parent_decays * setup.cascade.br_production
        expected = {"produced": produced, "final_state": sw}
        errors = {"produced": 0.0, "final_state": err(sw, sw2)}
        if reconstruct:
            expected["accepted"] = sa
            errors["accepted"] = err(sa, sa2)
        wall = time.perf_counter() - t0
        summary = {"expected_events": expected, "mc_rel_error": errors["final_state"] / sw if sw > 0 else math.inf,
                   "events_generated": done, "effective_sample_size": sw * sw / sw2 if sw2 > 0 else 0.0,
                   "wall_time_s": wall}
        write_histograms(writer.root_file, hsum.hists)
        writer.metadata.update({
            "run_card": card_to_toml(resolved_card_dict(card)),
            "model": json.dumps({"model": setup.model.summary(), "na62_cascade": setup.info()}, default=float),
            "expected_events": json.dumps({**summary, "errors": errors}),
            "n_kaon_decays": repr(setup.n_parent_decays),
            "seed": str(int(seed)),
            "hnlgen_version": __version__,
        })
    if as_json:
        print(json.dumps(summary))
    else:
        c = setup.cascade
        print(f"hnlgen run: {done} events -> {out}")
        print(f"  NA62: {c.parent} -> {c.flavour_a}+ {setup.hnl}, {setup.hnl} -> nu Z', Z' -> {card.process.final_state}; "
              f"m_N = {c.m_N:.4g} GeV, m_Z' = {c.m_Zp:.4g} GeV; N_fid = {setup.n_parent_decays:.4g} {c.parent} decays")
        print(f"  expected events: produced (N_fid BR({c.parent} -> {c.flavour_a} N)) {produced:12.5g}")
        print(f"                   final state, visible vertex before z = {setup.beam.z_decay_end / 100:.0f} m "
              f"{sw:12.5g} +- {errors['final_state']:.2g}")
        if reconstruct:
            print(f"                   accepted (NA62 acceptance + PID) {sa:12.5g} +- {errors['accepted']:.2g}")
        print(f"  effective sample size {summary['effective_sample_size']:.4g} of {done}; wall {wall:.2f} s", file=sys.stdout)
    return 0
