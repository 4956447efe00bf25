"""Coupling reweighting of NA62 events (``[experiment] name = "na62"``): ``gen.reweight`` for the kaon-decay source.

``gen.reweight.reweight`` / ``reweight_file`` (``hnlgen reweight FILE.root --set Umu4=... chi=...``)
use ``_NA62Reweighter`` when the file's card is an NA62 card. The generator's weight is
(``gen.na62_source``)::

    weight = N_K^Fid / n * P_FV(p_K) / <P_FV> * BR(P+ -> l_a+ N) * BR(N -> nu Z') * BR(Z' -> l_b+ l_b-)
             * P_dec_N * P_dec_Zp

and at fixed masses the couplings enter only through the three branching ratios and the two decay
lengths. Factors per event (``ReweightResult.factors``: ``production``, ``decay``):

1. Production. BR(P+ -> l_a+ N) = |U_aN|^2 rho_a(m_N) BR(P+ -> l_a+ nu) (Shrock's factor rho_a depends
   on the masses only; arXiv:1903.07589 below eq. (17), ``physics.meson_decays.br_P_to_l_N``), so the
   factor is BR'/BR = |U'_aN|^2 / |U_aN|^2, taken from ``gen.na62_source.cascade_from_decay_table`` at
   both couplings exactly as ``gen.na62_run.NA62Setup`` computes it. The parent P and the lepton l_a
   are those of the file's run card (``experiment.parent``, ``experiment.production_lepton``; one of
   each per run); every event is checked against them through the invariant masses of its stored
   four-vectors ``K``, ``a`` (and ``N``, ``Zp``, ``bm``, ``bp`` against m_N, m_Z', m_b), so events
   that do not belong to the card are refused. The N polarisation does not change: the helicity of N
   in P+ -> l_a+ N is fixed by the V-A current and the masses alone
   (``physics.meson_decays.polarisation_N_from_P_to_lN(m_P, m_a, m_N)``, J.-M. Levy arXiv:1805.06419),
   and so are the N -> nu Z' asymmetry alpha = (1 - 2r)/(1 + 2r), the Z' helicity weights and the
   Z' -> l+l- angular law of the vector coupling (``gen.na62_source`` steps 3-5): at fixed masses the
   same uniforms give the same momenta, ``pol_N_lab`` and ``nubar`` at any couplings
   (tests/gen/test_na62_reweight.py compares them bit for bit).
2. Branching ratios. BR(N -> nu Z')'/BR(N -> nu Z') * BR(Z' -> l_b l_b)'/BR(Z' -> l_b l_b) from
   ``physics.decay_table`` at both couplings (the same ``cascade_from_decay_table``). Both decays of
   the NA62 cascade are two-body with coupling-independent angular laws (item 1), so there is no
   matrix-element shape factor (the normalised three-body |M|^2 ratio of ``gen.reweight`` applies to
   the upscattering cascades; the NA62 source has no three-body step).
3. Decays inside the volume. The N flies d_N from the kaon decay point with the exponential law of
   decay length L_N = c tau0_N |p_N| / m_N truncated at l_N = (z_end - z_K) |p_N| / p_N,z (the flight
   to the plane z_end, the end of the fiducial volume), drawn as d = F^{-1}(u) with
   F(d) = (1 - e^{-d/L}) / (1 - e^{-l/L}) and P_dec_N = 1 - e^{-l_N/L_N} exact (``gen.na62_source._flight``);
   the Z' likewise from the N decay point, with l_Z' = (z_end - z_N) |p_Z'| / p_Z',z. Two options
   (``lifetime``), both exact in expectation:

   * ``"rescale"`` (default): the uniform of each flight is recovered, u = F(d; L, l)
     (``gen.na62_source._flight_uniform``), and the flight redrawn with the same u at the new decay
     length, d' = F^{-1}(u; L', l) with the generator's own ``_flight``; the Z' leaves from the moved
     N vertex, so its l_Z' changes with it. The vertices ``vtx_N``, ``vtx_Zp`` and ``P_dec_N``,
     ``P_dec_Zp`` become those a run at the new couplings draws from the same random numbers (equal
     up to rounding), and the weight factor is P'_dec_N P'_dec_Zp / (P_dec_N P_dec_Zp). This is the
     truncated-exponential form of ``gen.reweight``'s rescale (d' = d L'/L is the same map without the
     truncation); it adds no variance for any lifetime ratio.
   * ``"weight"``: the vertices stay; per flight the factor (L/L') exp(-d/L' + d/L), the ratio of the
     exponential densities (the truncation normalisation 1 - e^{-l/L} of the sampled density cancels
     the P_dec of the weight), and ``P_dec_*`` hold the new in-volume probabilities at the stored
     vertices. Its variance is infinite once L' > 2 L; use it only when the vertices must stay.

4. Detector. The l_b tracks start at the Z' vertex, so acceptance and reconstructed vertex depend on
   it. With ``"rescale"`` the NA62 reconstruction (``detectors.na62.reconstruct``) is redone block by
   block with the run's detector streams ``gen.rng.block_rng(seed, block, PURPOSE_DETECTOR)``
   (``gen.na62_run._reconstruct_block``, the generator's own call): its smearing numbers depend on
   (seed, block, block size) only, so the reconstructed fields, ``accepted`` and ``weight_accepted``
   are those of a run at the new couplings for these events. This needs whole blocks of consecutive
   events as ``hnlgen run`` wrote them (``reweight_file`` reads whole blocks; a chunk whose ``event``
   numbers do not start at a block boundary or are not consecutive is refused). With ``"weight"`` the
   vertices do not move and only ``weight_accepted = weight * accepted`` changes.

Totals (printed by ``hnlgen reweight``, written to the new file's ``expected_events`` metadata):
``produced`` = N_K^Fid BR'(P+ -> l_a+ N) (exact), ``final_state`` = sum of weights (decays with the
visible vertex before z_end), ``accepted`` = sum of ``weight_accepted``, each with its MC error, and
the exposure ``n_kaon_decays`` = N_K^Fid (unchanged). The TH1Ds ``h_*`` are refilled.

Not reweightable (``ReweightError``): files of the general decay path (``gen.na62_run``: the card's final
state has routes other than N -> nu Z' -> nu l_b l_b, e.g. a heavy Z'; or it gets them at the new couplings),
whose coupling-dependent three-body shapes and route mixtures these factors do not cover; masses
(``gen.reweight.card_with_couplings``); a branching
ratio that is zero at the old couplings and not at the new (every event had weight 0: regenerate);
an old c tau0 that is 0 or infinite while the new one differs (the flight cannot be mapped); a new
c tau0 of 0.
"""

from __future__ import annotations

import json
import logging
import math

import awkward as ak
import numpy as np

from gen import rng as R
from gen.na62_source import _flight, _flight_uniform
from physics._jit import jit, jitable

__all__ = ["na62_flight_remap"]

_P4 = ("px", "py", "pz", "E")
log = logging.getLogger(__name__)
_XYZ = ("x", "y", "z")


@jitable
def _density_ratio(d, L0, L1, lmax):
    """(L0/L1) exp(-d/L1 + d/L0): exponential flight density at decay length L1 over that at L0 (cm);
    0 where the flight had no room (lmax <= 0, weight already 0) or the particle is stable at L1."""
    if lmax <= 0.0 or math.isinf(L1) or math.isinf(L0):
        return 0.0
    return (L0 / L1) * math.exp(-d / L1 + d / L0)


@jit
def na62_flight_remap(vK, pN, vN, pZ, vZ, m_N, m_Z, z_end, ctau_N_old, ctau_N_new, ctau_Z_old, ctau_Z_new, rescale):
    """N and Z' flights of NA62 events at new proper decay lengths (module docstring, item 3).

    Parameters
    ----------
    vK, vN, vZ : (n, 3) arrays
        Kaon, N and Z' decay points (cm, beam frame) as generated at the old decay lengths.
    pN, pZ : (n, 4) arrays
        Lab four-momenta (px, py, pz, E; GeV) of N and Z'.
    m_N, m_Z : float
        Masses (GeV). ``z_end``: the plane (cm) the decays must precede.
    ctau_N_old, ctau_N_new, ctau_Z_old, ctau_Z_new : float
        Proper decay lengths c tau0 (cm); old ones in (0, inf), new ones in (0, inf].
    rescale : bool
        True: redraw each flight with its recovered uniform; False: keep the vertices, density ratio.

    Returns
    -------
    (vN_new (n, 3), vZ_new (n, 3), out (n, 3))
        New decay points (cm) and, per event, the new P_dec_N, the new P_dec_Zp and the weight factor
        of the flights (rescale: P'_N P'_Z / (P_N P_Z), 0 where the old product is 0; weight: the
        product of the two density ratios).
    """
    n = vK.shape[0]
    vN1 = np.empty((n, 3))
    vZ1 = np.empty((n, 3))
    out = np.empty((n, 3))
    for i in range(n):
        plN = math.sqrt(pN[i, 0] ** 2 + pN[i, 1] ** 2 + pN[i, 2] ** 2)
        plZ = math.sqrt(pZ[i, 0] ** 2 + pZ[i, 1] ** 2 + pZ[i, 2] ** 2)
        LN0 = ctau_N_old * plN / m_N
        LN1 = ctau_N_new * plN / m_N
        LZ0 = ctau_Z_old * plZ / m_Z
        LZ1 = ctau_Z_new * plZ / m_Z
        # flight lengths to the end plane, as in gen.na62_source.na62_cascade_kernel
        lN = (z_end - vK[i, 2]) * plN / pN[i, 2] if pN[i, 2] > 0.0 else 0.0
        lZ0 = (z_end - vN[i, 2]) * plZ / pZ[i, 2] if pZ[i, 2] > 0.0 else 0.0
        dN0 = math.sqrt((vN[i, 0] - vK[i, 0]) ** 2 + (vN[i, 1] - vK[i, 1]) ** 2 + (vN[i, 2] - vK[i, 2]) ** 2)
        dZ0 = math.sqrt((vZ[i, 0] - vN[i, 0]) ** 2 + (vZ[i, 1] - vN[i, 1]) ** 2 + (vZ[i, 2] - vN[i, 2]) ** 2)
        PN0 = _flight(LN0, lN, 0.0)[1]
        PZ0 = _flight(LZ0, lZ0, 0.0)[1]
        if rescale:
            dN1, PN1 = _flight(LN1, lN, _flight_uniform(LN0, lN, dN0))
            for k in range(3):
                vN1[i, k] = vK[i, k] + dN1 * pN[i, k] / plN
            lZ1 = (z_end - vN1[i, 2]) * plZ / pZ[i, 2] if pZ[i, 2] > 0.0 else 0.0
            dZ1, PZ1 = _flight(LZ1, lZ1, _flight_uniform(LZ0, lZ0, dZ0))
            for k in range(3):
                vZ1[i, k] = vN1[i, k] + dZ1 * pZ[i, k] / plZ
            den = PN0 * PZ0
            f = PN1 * PZ1 / den if den > 0.0 else 0.0
        else:
            for k in range(3):
                vN1[i, k] = vN[i, k]
                vZ1[i, k] = vZ[i, k]
            PN1 = _flight(LN1, lN, 0.0)[1]
            PZ1 = _flight(LZ1, lZ0, 0.0)[1]
            f = _density_ratio(dN0, LN0, LN1, lN) * _density_ratio(dZ0, LZ0, LZ1, lZ0)
        out[i, 0] = PN1
        out[i, 1] = PZ1
        out[i, 2] = f
    return vN1, vZ1, out


def _p4(rec) -> np.ndarray:
    return np.column_stack([ak.to_numpy(rec[c]).astype(np.float64) for c in _P4])


def _xyz(rec) -> np.ndarray:
    return np.column_stack([ak.to_numpy(rec[c]).astype(np.float64) for c in _XYZ])


def _ratio(new: float, old: float) -> float:
    """new/old; 1 when both are 0 (the weights are 0 and stay 0; old 0 and new > 0 is refused before)."""
    return new / old if old > 0 else 1.0


class _NA62Reweighter:
    """NA62 events at new couplings (module docstring); the interface of ``gen.reweight._Reweighter``."""

    total_keys = ("produced", "final_state", "accepted")

    def __init__(self, old_card, lifetime: str = "rescale", seed: int | None = None, **new):
        from gen.detector_stage import HistogramSum
        from gen.na62_general import GENERAL_PATH_SHARE, PATH_DEDICATED
        from gen.na62_run import NA62Setup
        from gen.reweight import ReweightError, card_with_couplings

        if lifetime not in ("rescale", "weight"):
            raise ValueError(f"lifetime = {lifetime!r}: allowed 'rescale', 'weight'")
        if not new:
            raise ReweightError("no coupling to set (give e.g. Umu4=..., gD=..., chi=...)")
        self.lifetime = lifetime
        self.seed = old_card.run.seed if seed is None else int(seed)
        self.new_values = dict(new)
        self.old = NA62Setup(old_card)
        self.new = NA62Setup(card_with_couplings(old_card, **new))
        # general-path files (gen.na62_general: three-body and other routes, coupling-dependent |M|^2 shapes
        # and route mixtures) are not reweighted: the factors below hold for N -> nu Z', Z' -> l l only
        fs, share = old_card.process.final_state, GENERAL_PATH_SHARE
        if self.old.path != PATH_DEDICATED:
            raise ReweightError(f"this NA62 card is generated through the general decay cascade (gen.na62_general): "
                                f"routes other than {self.old.hnl} -> nu Z' (on shell) -> nu {fs} carry a fraction "
                                f"{self.old.other_routes_share:.3g} of BR({self.old.hnl} -> {fs}) (dedicated path below "
                                f"{share:g}); hnlgen reweight supports only the dedicated path, whose factors assume that "
                                "two-body chain; regenerate")
        if self.new.path != PATH_DEDICATED:
            raise ReweightError(f"at the new couplings routes other than {self.new.hnl} -> nu Z' -> nu {fs} carry a fraction "
                                f"{self.new.other_routes_share:.3g} of BR({self.new.hnl} -> {fs}) (above {share:g}); the file "
                                "(dedicated path: that route only) does not contain them; regenerate")
        c0, c1 = self.old.cascade, self.new.cascade
        f = {}
        for key, what in (("br_production", f"BR({c0.parent} -> {c0.flavour_a}+ {self.old.hnl}) (|U_{c0.flavour_a}N|^2)"),
                          ("br_N_to_nu_Zp", f"BR({self.old.hnl} -> nu Z')"),
                          ("br_Zp_to_bb", f"BR(Z' -> {old_card.process.final_state})")):
            a, b = getattr(c0, key), getattr(c1, key)
            if a <= 0 and b > 0:
                raise ReweightError(f"{what} is 0 at the old couplings and {b:.3g} at the new: every event of the file has "
                                    "weight 0; regenerate")
            f[key] = _ratio(b, a)
        for name, a, b in ((self.old.hnl, c0.ctau0_N, c1.ctau0_N), ("Z'", c0.ctau0_Zp, c1.ctau0_Zp)):
            if not 0 < a < math.inf and b != a:
                raise ReweightError(f"c tau0 of {name} is {a} cm at the old couplings: its flights carry no decay-length "
                                    "information to map to the new couplings; regenerate")
            if b <= 0:
                raise ReweightError(f"c tau0 of {name} is {b} cm at the new couplings: a prompt decay cannot be reweighted "
                                    "into; regenerate")
        if lifetime == "weight":
            for name, a, b in ((self.old.hnl, c0.ctau0_N, c1.ctau0_N), ("Z'", c0.ctau0_Zp, c1.ctau0_Zp)):
                if b > 2.0 * a:
                    log.warning("lifetime='weight': c tau0 of %s grows by %.3g > 2, the flight-density weights have infinite "
                                "variance (the old sample does not reach the new flights); lifetime='rescale' is exact", name, b / a)
        self.f_production = f["br_production"]
        self.f_br = f["br_N_to_nu_Zp"] * f["br_Zp_to_bb"]
        self.hists = HistogramSum()

    @property
    def new_card(self):
        return self.new.card

    # -- per chunk
    def _check_masses(self, ev, p4: dict) -> None:
        """Every event is P+ -> l_a+ N, N -> nu Z', Z' -> l_b+ l_b- of the card (module docstring, item 1)."""
        from gen.reweight import ReweightError

        c, s = self.old.cascade, self.old
        expect = (("K", s.m_P, f"the parent {c.parent}"), ("a", s.m_a, f"the production lepton {c.flavour_a}"),
                  ("N", c.m_N, s.hnl), ("Zp", c.m_Zp, "the Z'"), ("bm", s.m_b, f"the {c.flavour_b}-"),
                  ("bp", s.m_b, f"the {c.flavour_b}+"))
        for name, m, what in expect:
            p = p4[name]
            E2 = p[:, 3] ** 2
            m2 = E2 - np.sum(p[:, :3] ** 2, axis=1)
            # rounding of E^2 - |p|^2 is ~1e-15 E^2; e/mu and K/pi differ by far more than 1e-9 E^2
            bad = np.nonzero(~(np.abs(m2 - m * m) <= 1e-9 * E2 + 1e-12))[0]
            if bad.size:
                i = int(bad[0])
                e = int(ak.to_numpy(ev.event)[i]) if "event" in ev.fields else i
                raise ReweightError(f"event {e}: {name} has mass {math.sqrt(max(m2[i], 0.0)):.6g} GeV but {what} of the run card "
                                    f"has {m:.6g} GeV: the events do not belong to this card")

    def _reconstruct(self, ev, p4: dict, vK: np.ndarray, vZ: np.ndarray) -> dict:
        """NA62 reconstruction of the chunk at the moved Z' vertices, block by block (module docstring, item 4)."""
        from gen.na62_run import _reconstruct_block
        from gen.reweight import ReweightError

        n = len(ev)
        event = ak.to_numpy(ev.event).astype(np.int64)
        first = int(event[0])
        if first % R.BLOCK_SIZE or np.any(event != first + np.arange(n)):
            raise ReweightError("the NA62 detector stage is redone block by block with the run's random streams: give whole "
                                f"blocks of consecutive events as hnlgen run wrote them (event numbers from a multiple of "
                                f"{R.BLOCK_SIZE}); got events {first}..{int(event[-1])}")
        parts = []
        for b, s, e in R.block_ranges(first, n):
            sl = slice(s - first, e - first)
            blk = {"p4_K": p4["K"][sl], "p4_a": p4["a"][sl], "p4_bm": p4["bm"][sl], "p4_bp": p4["bp"][sl],
                   "vtx_K": vK[sl], "vtx_Zp": vZ[sl]}
            parts.append(_reconstruct_block(self.new, blk, self.seed, b))
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def apply(self, ev) -> tuple[ak.Array, np.ndarray, np.ndarray, np.ndarray]:
        """(new events, new weights, production factor, decay factor) of one chunk."""
        from gen.na62_run import na62_histograms

        n = len(ev)
        p4 = {k: _p4(ev[k]) for k in ("K", "a", "N", "Zp", "bm", "bp")}
        self._check_masses(ev, p4)
        vK, vN, vZ = _xyz(ev.vtx_K), _xyz(ev.vtx_N), _xyz(ev.vtx_Zp)
        c0, c1 = self.old.cascade, self.new.cascade
        rescale = self.lifetime == "rescale"
        vN1, vZ1, info = na62_flight_remap(vK, p4["N"], vN, p4["Zp"], vZ, c0.m_N, c0.m_Zp, self.old.beam.z_decay_end,
                                           float(c0.ctau0_N), float(c1.ctau0_N), float(c0.ctau0_Zp), float(c1.ctau0_Zp),
                                           rescale)
        w_old = ak.to_numpy(ev.weight).astype(np.float64)
        fp = np.full(n, self.f_production)
        fd = self.f_br * info[:, 2]
        w_new = w_old * fp * fd
        fields = {k: ev[k] for k in ev.fields}
        fields["weight"] = w_new
        if "weight_original" not in fields:
            fields["weight_original"] = w_old
        fields["P_dec_N"] = info[:, 0]
        fields["P_dec_Zp"] = info[:, 1]
        if rescale:
            fields["vtx_N"] = ak.zip({c: vN1[:, j] for j, c in enumerate(_XYZ)})
            fields["vtx_Zp"] = ak.zip({c: vZ1[:, j] for j, c in enumerate(_XYZ)})
        if "accepted" in ev.fields:
            if rescale and n > 0:
                fields.update(self._reconstruct(ev, p4, vK, vZ1))
            fields["weight_accepted"] = w_new * np.asarray(fields["accepted"], dtype=np.float64)
        out = ak.zip(fields, depth_limit=1)
        self.hists.add(na62_histograms(out, self.new))
        return out, w_new, fp, fd

    # -- totals and metadata (interface of gen.reweight._Reweighter)
    def total_arrays(self, new_ev) -> dict:
        out = {"final_state": ak.to_numpy(new_ev.weight).astype(np.float64)}
        if "weight_accepted" in new_ev.fields:
            out["accepted"] = ak.to_numpy(new_ev.weight_accepted).astype(np.float64)
        return out

    def totals(self, sums) -> dict:
        t = sums.totals()
        t["produced"] = self.new.n_parent_decays * self.new.cascade.br_production
        t["produced_error"] = 0.0
        t["n_kaon_decays"] = self.new.n_parent_decays
        return t

    def model_metadata(self) -> str:
        return json.dumps({"model": self.new.model.summary(), "na62_cascade": self.new.info()}, default=float)

    def write_histograms(self, root_file) -> None:
        if self.hists.hists:
            from detectors.miniboone import write_histograms

            write_histograms(root_file, self.hists.hists)
