"""Single-shower (nu-e elastic) responses of MINERvA (NuMI LE) and CHARM-II (CERN WANF) to an e+e- pair.

An upscattered N -> nu Z' -> nu e+e- whose pair is collimated looks like one forward electromagnetic
shower; both experiments select single forward showers by their energy E and angle theta to the beam
through E theta^2 (nu e -> nu e has E theta^2 < 2 m_e). This module applies, per event, in one numba
kernel (``_nue_kernel``):

1. **Showers.** The pair is one shower if it overlaps (both leptons above ``E_lepton_min_GeV`` and the
   opening angle below ``merge_angle_deg``) or is asymmetric (the softer lepton below
   ``E_lepton_min_GeV``: it deposits its energy in the shower of the other); otherwise two showers
   (``n_showers = 2``, never selected). Criterion of arXiv:1812.08768 (supplemental Table, as reproduced
   in M. Hostert's thesis, validation/notes_constraint_experiments.md S1 l.108/l.113).
2. **Reconstruction.** E = E_e+ + E_e- smeared with sigma_E/E = stochastic/sqrt(E/GeV) + constant
   (linear sum, as the source writes it); the direction of the summed momentum (= the Z' direction,
   momentum conservation) smeared by a 2D Gaussian of width ``sigma_theta_rad`` per axis; theta is its
   angle to the beam (+z); E theta^2 in GeV rad^2.
3. **dE/dx of the shower start** (MINERvA only). Its mean is ``dEdx_mip`` per particle entering the
   first planes: 2 x MIP when the pair's opening angle is below ``merge_angle_deg`` (the two tracks share
   the first planes), else 1 x MIP; smeared by a Gaussian of width ``dEdx_sigma``. The numbers are fixed
   by two published facts: the single-electron peak of MINERvA's Fig. 3 (arXiv:1512.07699) at 2.5-3.5
   MeV/1.7 cm and the nu-e signal there with 90 % below the 4.5 MeV/1.7 cm cut (104.5 of 116.3,
   digitised); 1812.08768's statement that an e+e- pair passes dE/dx > 4.5 with 90 % efficiency.
   MIP = 3.0, sigma = 1.5/1.2816 = 1.17 MeV/1.7 cm gives 90 % on both sides of the cut.
4. **Regions** (``region``): 1 = the nu-e signal region, 2 = the sideband / background region,
   0 = neither. ``passes_selection`` is the region the BSM prediction of seed 002 is counted in
   (MINERvA: the high-dE/dx sideband, region 2; CHARM-II: the signal region, region 1).
   Only coherent upscattering (``regime == 0``) is selected: 1812.08768 keeps only coherent BSM
   events so that MINERvA's "no hadronic activity at the vertex" cut can be ignored (S1 l.157).
5. **Efficiency** ``w_efficiency``: a flat factor (MINERvA 73 %, CHARM-II 76 %, as 1812.08768 used).

Fiducial volume: the whole fiducial mass of the experiment file is the target and every decay is
taken to happen at the upscattering vertex (``w_fiducial`` = 1). The run stage
(``gen.stages.base.NueElasticStage``) refuses a model whose N and Z' fly on average more than
``max_decay_length_cm`` (1 % of the fiducial length: 2.5 cm MINERvA, 35 cm CHARM-II, lengths
UNCONFIRMED), where this would not hold to ~1 %.

Every constant not read in the experiments' own papers is marked UNCONFIRMED next to it (the facts,
with their sources and flags, are in validation/notes_constraint_experiments.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from detectors.common.smearing import smear_direction
from detectors.miniboone.response import Histogram, fill_histogram
from physics import units as u
from physics._jit import jit

__all__ = [
    "CHARM2",
    "MINERVA",
    "NUE_RECO_BRANCHES",
    "NUE_RESPONSES",
    "NueElasticConfig",
    "nue_histograms",
    "reconstruct_nue",
    "selected_total",
    "warm_kernels",
]


class NueElasticConfig(NamedTuple):
    """Constants of one single-shower response (energies GeV, angles rad unless named, dE/dx MeV/1.7 cm)."""

    name: str
    E_lepton_min_GeV: float  # a lepton below this does not make a shower of its own
    merge_angle_deg: float  # pair opening angle below which the two leptons make one shower
    sigma_E_stochastic: float  # sigma_E/E = stochastic/sqrt(E/GeV) + constant
    sigma_E_constant: float
    sigma_theta_rad: float  # per transverse axis
    E_min_GeV: float  # signal/sideband energy window [E_min, E_max)
    E_max_GeV: float
    Etheta2_signal_max: float  # GeV rad^2: region 1 below this
    Etheta2_sideband_min: float  # GeV rad^2: region 2 (CHARM-II) in [min, max)
    Etheta2_sideband_max: float
    dEdx_cut: float  # MeV/1.7 cm; <= 0: no dE/dx used (CHARM-II)
    dEdx_mip: float
    dEdx_sigma: float
    counted_region: int  # region of the BSM count (1 signal, 2 sideband)
    efficiency: float
    max_decay_length_cm: float  # refuse above this weighted mean lab flight of N + Z' (cm)


#: MINERvA LE nu-e elastic selection (Park et al., PRD 93 (2016) 112007, arXiv:1512.07699) as used by
#: arXiv:1812.08768; notes S1 l.108, l.164.
MINERVA = NueElasticConfig(
    name="minerva_nue",
    E_lepton_min_GeV=30 * u.MeV,  # AUTHOR (1812.08768 table), UNCONFIRMED vs MINERvA
    merge_angle_deg=8.0,  # AUTHOR, UNCONFIRMED vs MINERvA
    sigma_E_stochastic=0.06,  # AUTHOR (cites the MINERvA NIM paper), UNCONFIRMED
    sigma_E_constant=0.034,  # AUTHOR, UNCONFIRMED
    sigma_theta_rad=math.radians(1.0),  # AUTHOR, UNCONFIRMED
    E_min_GeV=0.8,  # AUTHOR + CODE (const.py MV_ANALYSIS_TH)
    E_max_GeV=math.inf,
    Etheta2_signal_max=3.2e-3,  # AUTHOR + CODE (MV_ETHETA2)
    Etheta2_sideband_min=0.0,  # the sideband is the high-dE/dx half of the E theta^2 < 3.2e-3 sample
    Etheta2_sideband_max=3.2e-3,
    dEdx_cut=4.5,  # AUTHOR; mean over the first planes ("4 wires": UNCONFIRMED)
    dEdx_mip=3.0,  # FIGURE: single-electron peak of Fig. 3 of 1512.07699 at 2.5-3.5
    dEdx_sigma=1.5 / 1.2816,  # derived: 90 % of 1 MIP below and of 2 MIP above 4.5 (module docstring)
    counted_region=2,
    efficiency=0.73,  # AUTHOR + CODE (POTS = 3.43e20*0.73)
    max_decay_length_cm=2.5,  # 1 % of a ~2.5 m fiducial length (UNCONFIRMED length)
)

#: CHARM-II nu-e selection (Geiregat et al. PLB 245 (1990) 271; Vilain et al. PLB 335 (1994) 246) as
#: used by arXiv:1812.08768; notes S1 l.86, l.113. No dE/dx cut (Fig. 1 of Vilain 1994 is without it).
CHARM2 = NueElasticConfig(
    name="charm2_nue",
    E_lepton_min_GeV=30 * u.MeV,  # AUTHOR, UNCONFIRMED
    merge_angle_deg=4.0,  # AUTHOR, UNCONFIRMED
    sigma_E_stochastic=0.09,  # AUTHOR (thesis table: 9 %/sqrt(E) + 11 %), UNCONFIRMED
    sigma_E_constant=0.11,  # UNCONFIRMED (the older code has 0.15)
    sigma_theta_rad=math.radians(2.0),  # CODE (CH_ANGULAR = 2 deg); the thesis formula looks garbled; UNCONFIRMED
    E_min_GeV=3.0,  # AUTHOR (3 < E < 24 GeV), UNCONFIRMED vs Vilain 1994
    E_max_GeV=24.0,
    Etheta2_signal_max=0.028,  # AUTHOR (28 MeV), UNCONFIRMED
    Etheta2_sideband_min=0.028,  # large-angle background region 28-60 MeV (Fig. 1 range), UNCONFIRMED
    Etheta2_sideband_max=0.060,
    dEdx_cut=0.0,
    dEdx_mip=0.0,
    dEdx_sigma=0.0,
    counted_region=1,
    efficiency=0.76,  # AUTHOR
    max_decay_length_cm=35.0,  # 1 % of the ~35 m long target calorimeter (UNCONFIRMED length)
)

#: Detector-response names of the experiment registry (``gen.experiments``) served by this module.
NUE_RESPONSES = {"minerva_nue": MINERVA, "charm2_nue": CHARM2}

#: Reconstructed fields (name -> (unit, meaning)) this response adds to the events.
NUE_RECO_BRANCHES = {
    "E_shower": ("GeV", "reconstructed (smeared) shower energy E_e+ + E_e- (NaN without a visible e+e- pair)"),
    "theta_shower": ("rad", "angle of the reconstructed shower direction (smeared summed e+e- momentum) to the beam (+z)"),
    "E_theta2": ("GeV rad^2", "E_shower x theta_shower^2"),
    "dEdx_start": ("MeV/1.7cm", ("dE/dx at the shower start (MINERvA: 1 MIP per particle in the first planes, smeared; "
                                 "NaN for CHARM-II, which has no dE/dx cut)")),
    "n_showers": ("1", "number of EM showers: 0 (no visible pair), 1 (overlapping or asymmetric pair), 2 (resolved pair)"),
    "theta_ee": ("deg", "true opening angle of the EM pair (NaN with fewer than two visible EM particles)"),
    "region": ("1", ("0 outside, 1 nu-e signal region, 2 sideband (MINERvA: dE/dx > 4.5 MeV/1.7cm; CHARM-II: "
                     "E theta^2 28-60 MeV)")),
    "passes_selection": ("bool", "in the region the BSM count is taken in (MINERvA: sideband; CHARM-II: signal region)"),
    "w_efficiency": ("1", "flat selection efficiency (MINERvA 0.73, CHARM-II 0.76)"),
    "weight_selected": ("events", "weight * w_fiducial * w_efficiency * passes_selection"),
}

_MUON_MASS_THRESHOLD = 0.05  # GeV: an ell_* field heavier than this is a muon (not an EM shower)


@jit
def _nue_kernel(pm, pp, regime, z, cfg_num):
    """Per event: shower energy, angle, E theta^2, dE/dx, n_showers, opening angle (deg), region.

    ``pm``, ``pp``: (n, 4) px, py, pz, E of the e- and e+ (GeV); ``z``: (n, 4) standard normals (energy,
    two transverse angles, dE/dx); ``cfg_num``: the numeric fields of ``NueElasticConfig`` in order.
    """
    (e_lep_min, merge_deg, s_sto, s_con, s_th, e_min, e_max, et2_sig, et2_sb_min, et2_sb_max,
     dedx_cut, dedx_mip, dedx_sig) = (cfg_num[0], cfg_num[1], cfg_num[2], cfg_num[3], cfg_num[4], cfg_num[5],
                                      cfg_num[6], cfg_num[7], cfg_num[8], cfg_num[9], cfg_num[10], cfg_num[11],
                                      cfg_num[12])
    n = pm.shape[0]
    E_out = np.full(n, np.nan)
    th_out = np.full(n, np.nan)
    et2_out = np.full(n, np.nan)
    dedx_out = np.full(n, np.nan)
    nsh = np.zeros(n, np.int32)
    open_deg = np.full(n, np.nan)
    region = np.zeros(n, np.int32)
    merge = math.radians(merge_deg)
    for i in range(n):
        e1, e2 = pm[i, 3], pp[i, 3]
        if e1 <= 0.0 or e2 <= 0.0:
            continue
        m1 = math.sqrt(max(e1 * e1 - pm[i, 0] ** 2 - pm[i, 1] ** 2 - pm[i, 2] ** 2, 0.0))
        m2 = math.sqrt(max(e2 * e2 - pp[i, 0] ** 2 - pp[i, 1] ** 2 - pp[i, 2] ** 2, 0.0))
        if m1 > _MUON_MASS_THRESHOLD or m2 > _MUON_MASS_THRESHOLD:
            continue  # muons: not an EM shower
        a1 = math.sqrt(pm[i, 0] ** 2 + pm[i, 1] ** 2 + pm[i, 2] ** 2)
        a2 = math.sqrt(pp[i, 0] ** 2 + pp[i, 1] ** 2 + pp[i, 2] ** 2)
        c = (pm[i, 0] * pp[i, 0] + pm[i, 1] * pp[i, 1] + pm[i, 2] * pp[i, 2]) / (a1 * a2)
        op = math.acos(min(1.0, max(-1.0, c)))
        open_deg[i] = math.degrees(op)
        overlap = op < merge
        soft = min(e1 - m1, e2 - m2) < e_lep_min  # kinetic energy of the softer lepton
        nsh[i] = 1 if (overlap or soft) else 2
        # shower energy: E+ + E-, smeared
        E = e1 + e2
        Er = E * (1.0 + (s_sto / math.sqrt(E) + s_con) * z[i, 0])
        # direction of the summed momentum, rotated by a 2D Gaussian angle (detectors.common.smearing)
        sx, sy, sz = pm[i, 0] + pp[i, 0], pm[i, 1] + pp[i, 1], pm[i, 2] + pp[i, 2]
        _rx, _ry, rz = smear_direction(sx, sy, sz, z[i, 1], z[i, 2], s_th)
        th = math.acos(min(1.0, max(-1.0, rz)))
        E_out[i] = Er
        th_out[i] = th
        et2 = Er * th * th
        et2_out[i] = et2
        if dedx_cut > 0.0:
            dedx_out[i] = dedx_mip * (2.0 if overlap else 1.0) + dedx_sig * z[i, 3]
        if nsh[i] != 1 or regime[i] != 0 or not (e_min <= Er < e_max):
            continue
        if dedx_cut > 0.0:
            if et2 < et2_sig:
                region[i] = 1 if dedx_out[i] < dedx_cut else 2
        else:
            if et2 < et2_sig:
                region[i] = 1
            elif et2_sb_min <= et2 < et2_sb_max:
                region[i] = 2
    return E_out, th_out, et2_out, dedx_out, nsh, open_deg, region


def _cfg_numbers(cfg: NueElasticConfig) -> np.ndarray:
    return np.array([cfg.E_lepton_min_GeV, cfg.merge_angle_deg, cfg.sigma_E_stochastic, cfg.sigma_E_constant,
                     cfg.sigma_theta_rad, cfg.E_min_GeV, cfg.E_max_GeV, cfg.Etheta2_signal_max, cfg.Etheta2_sideband_min,
                     cfg.Etheta2_sideband_max, cfg.dEdx_cut, cfg.dEdx_mip, cfg.dEdx_sigma], dtype=np.float64)


def warm_kernels() -> None:
    """Compile (or load from the kernel cache) ``_nue_kernel`` for the argument types :func:`reconstruct_nue`
    passes, on two made-up events (the same types for every configuration). ``hnlgen run`` calls it on a cold
    start while the precompile helper compiles the event kernel (``gen.stages.base.stage_warmup``)."""
    p = np.array([[0.0, 0.01, 1.0, 1.0001]] * 2)
    reconstruct_nue(p, p, np.ones(2), np.zeros(2, dtype=np.int32), MINERVA, np.zeros((2, 4)))


def reconstruct_nue(p_minus, p_plus, weight, regime, cfg: NueElasticConfig, normals) -> dict[str, np.ndarray]:
    """The reconstructed fields ``NUE_RECO_BRANCHES`` for arrays of events.

    Parameters
    ----------
    p_minus, p_plus : (n, 4) arrays
        px, py, pz, E (GeV) of the e- and e+ (all zeros: absent).
    weight : (n,) array
        Expected events per event.
    regime : (n,) int array
        Scattering regime (0 coherent; ``gen.core.events.REGIME_CODES``).
    cfg : NueElasticConfig
    normals : (n, 4) array of standard normals
        Energy, two angle and one dE/dx smearing variates per event (from the detector stream).
    """
    pm = np.ascontiguousarray(p_minus, dtype=np.float64)
    pp = np.ascontiguousarray(p_plus, dtype=np.float64)
    z = np.ascontiguousarray(normals, dtype=np.float64)
    reg = np.ascontiguousarray(regime, dtype=np.int32)
    E, th, et2, dedx, nsh, op, region = _nue_kernel(pm, pp, reg, z, _cfg_numbers(cfg))
    passes = region == cfg.counted_region
    w_eff = np.full(len(E), cfg.efficiency)
    w = np.asarray(weight, dtype=np.float64)
    return {"E_shower": E, "theta_shower": th, "E_theta2": et2, "dEdx_start": dedx, "n_showers": nsh,
            "theta_ee": op, "region": region, "passes_selection": passes, "w_efficiency": w_eff,
            "weight_selected": w * w_eff * passes}


# --- histograms -------------------------------------------------------------------------------------

#: dE/dx bin edges of MINERvA's Fig. 3 (arXiv:1512.07699), as digitised (notes S2 dEdX_paper_data.dat).
MINERVA_DEDX_EDGES = np.array([1.5, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0])
#: CHARM-II E theta^2 edges (GeV rad^2), 4-MeV bins over 0-60 MeV: the published binning is not
#: recoverable from the digitisation (notes), so these are chosen so that 28 MeV is an edge.
CHARM2_ETHETA2_EDGES = np.linspace(0.0, 0.060, 16)
_E_EDGES = {"minerva_nue": np.array([0.8, 1.2, 1.6, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 20.0]),
            "charm2_nue": np.array([3.0, 4.5, 6.0, 9.0, 12.0, 16.0, 20.0, 24.0])}


def nue_histograms(reco: Mapping[str, np.ndarray], weight, cfg: NueElasticConfig) -> dict[str, Histogram]:
    """Histograms (expected events, efficiency applied) of one response.

    MINERvA: ``h_dEdx`` (E theta^2 < 3.2e-3 sample, both dE/dx halves, Fig. 3 binning) and ``h_E_shower``
    of the sideband. CHARM-II: ``h_E_theta2`` (signal + background regions) and ``h_E_shower`` of the
    signal region.
    """
    w = np.asarray(weight, dtype=np.float64) * reco["w_efficiency"]
    region = reco["region"]
    out = {}
    if cfg.dEdx_cut > 0:
        out["h_dEdx"] = fill_histogram("h_dEdx", "MINERvA shower-start dE/dx, E theta^2 < 3.2e-3;dE/dx [MeV/1.7 cm];events",
                                       MINERVA_DEDX_EDGES, reco["dEdx_start"], w * (region > 0))
    else:
        out["h_E_theta2"] = fill_histogram("h_E_theta2", "CHARM-II E theta^2 of single showers;E theta^2 [GeV rad^2];events",
                                           CHARM2_ETHETA2_EDGES, reco["E_theta2"], w * (region > 0))
    out["h_E_shower"] = fill_histogram("h_E_shower", f"{cfg.name} shower energy, counted region;E [GeV];events",
                                       _E_EDGES[cfg.name], reco["E_shower"], w * reco["passes_selection"])
    return out


# --- totals for limits ------------------------------------------------------------------------------


def selected_total(source, experiment: str | None = None, *, weights=None) -> tuple[float, float]:
    """Selected-signal total and its MC error, for a generated file or event array.

    Parameters
    ----------
    source : path or awkward/record array or mapping
        A ROOT file written by ``hnlgen run`` with a detector stage (its ``events`` tree), or events
        (or the dict of :func:`reconstruct_nue`) carrying ``weight_selected``.
    experiment : str, optional
        Unused for files and arrays that carry ``weight_selected``; kept so that callers can name the
        experiment the total belongs to.
    weights : array, optional
        New event weights (e.g. reweighted to another coupling point, expected events): the total is then
        sum(weights x w_fiducial x w_efficiency x passes_selection) over the same events (the selection
        does not depend on the couplings at fixed masses).

    Returns
    -------
    (total, error) : expected selected events and sqrt(sum w^2 - S^2/N) over the N events
        (``gen.output.docs.MC_ERROR_ESTIMATOR``).
    """
    import os

    names = ("weight_selected",) if weights is None else ("w_efficiency", "passes_selection", "w_fiducial")
    if isinstance(source, str | bytes | os.PathLike):
        import uproot

        with uproot.open(source) as f:
            tree = f["events"]
            missing = [k for k in names if k not in tree]
            if missing:
                raise KeyError(f"{os.fspath(source)}: no branch {missing[0]} (run without a detector stage?)")
            cols = {k: np.asarray(tree[k].array(library="np"), dtype=np.float64) for k in names}
    else:
        cols = {k: np.asarray(source[k], dtype=np.float64) for k in names if k != "w_fiducial"}
        fields = getattr(source, "fields", None) or list(source.keys())
        if "w_fiducial" in names:
            cols["w_fiducial"] = np.asarray(source["w_fiducial"], dtype=np.float64) if "w_fiducial" in fields else 1.0
    if weights is None:
        w = cols["weight_selected"]
    else:
        w = np.asarray(weights, dtype=np.float64) * cols["w_fiducial"] * cols["w_efficiency"] * cols["passes_selection"]
    n = w.size
    if n == 0:
        return 0.0, 0.0
    s = float(w.sum())
    var = max(float((w * w).sum()) - s * s / n, 0.0)
    return s, math.sqrt(var)
