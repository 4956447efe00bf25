"""MicroBooNE LArTPC response to e+e- pairs: the forward coherent selection of arXiv:2502.10900.

MicroBooNE searched for dark-neutrino e+e- pairs in 6.87e20 POT of the BNB (arXiv:2502.10900,
PRL 136 (2026) 121804): a selection of forward, coherently produced e+e- events (one shower and no
track, one shower and one track, or two showers), 95 events observed over a constrained background of
69.7 +- 17.3. The selection itself (a BDT against NC pi0) is not public; this module is a stated,
parametrised stand-in built from the facts collected in ``validation/notes_constraint_experiments.md``
section 3 (flags there: CONFIRMED / FIGURE / CODE / UNCONFIRMED). Every constant is a field of
:class:`MicroBooNEConfig` so a validation run can move it.

Per event (numba kernel :func:`_kernel`, no per-event Python):

1. **Vertex.** The upscattering vertex is uniform in the TPC active volume (the BNB flux file is the
   flux averaged over it: "MCC9_FluxHist_volTPCActive"), a box x in [0, 256.35], y in [-116.5, 116.5],
   z in [0, 1036.8] cm (LArLite code, **UNCONFIRMED** against the detector paper). The visible vertex is
   the upscattering vertex plus the generator's sampled flight (truth ``ell_vertex``). **Fiducial cut
   used here:** the visible vertex at least ``fiducial_margin_cm`` = 10 cm inside every face of the
   active volume (**UNCONFIRMED**: the paper's fiducial volume was not found; 10 cm is the border the
   shower reconstruction needs to start a shower inside the TPC).
   Events upscattered outside the active argon are not simulated: the weight is multiplied by
   M_active / M_target (the active mass 256.35 x 233 x 1036.8 cm^3 x 1.3954 g/cm^3 = 86.4 t; the
   abstract of arXiv:2502.06091 says 85 t: CONFIRMED to 2 %), so a card on the library experiment
   ``microboone`` (170 t, the whole cryostat) counts only the argon the TPC sees.
2. **Showers.** Each lepton is a shower if its kinetic energy exceeds ``shower_threshold_GeV`` = 30 MeV
   (**UNCONFIRMED**: MicroBooNE's shower threshold for this analysis is not public; 30 MeV is the
   value 1812.08768 used for MINERvA/MiniBooNE "overlapping" pairs). Two visible showers with an opening
   angle below ``merge_angle_deg`` = 15 deg merge into one (criterion read from the efficiency tables of
   the HEPData release, notes section 3: the "1 shower + 0 tracks" efficiency falls from 0.27 below
   11 deg to 0.16 at 11-17 deg and 0.06-0.09 at 17-29 deg; 15 deg is the middle of that fall, FIGURE).
3. **dE/dx of the shower start** (``dedx_start_mip``): 2 MIP for a merged pair (two overlapping
   minimum-ionising tracks at the start, like a converted photon), 1 MIP for a shower that is a
   single resolved e+ or e-. Written as a branch; not a cut (the published selection accepts both
   one- and two-shower topologies, so the paper's pair identification does not rest on dE/dx alone).
4. **Smearing** (fastbnb proxy for MicroBooNE, arXiv:2308.02543 code ``analysis.py``, CODE, not
   MicroBooNE's): shower energy sigma_E = 0.12 sqrt(E/GeV) + 0.01 GeV, direction 2 deg per transverse axis
   (an exact rotation, ``detectors.common.smearing``).
5. **Selection** (``passes_selection``): vertex in the fiducial volume, at least one shower, coherent
   regime only (no proton track, low vertex activity: the paper's "forward coherent" events; p-el and
   n-el events fail), reconstructed primary-shower angle to the beam below ``max_beam_angle_deg`` =
   25 deg and visible energy below ``max_E_vis_GeV`` = 1.6 GeV (the upper edges of the final-sample
   binnings, FIGURE), and above ``shower_threshold_GeV``.
6. **Efficiency** ``w_efficiency`` = ``efficiency`` = 0.25 for selected events (**UNCONFIRMED**: the
   HEPData efficiency vs energy asymmetry is flat at 0.245-0.255; vs true energy it ranges 0.17-0.42;
   no efficiency vs mass is published).

``weight_selected`` = weight x active-mass factor x passes_selection x w_efficiency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from detectors.common.smearing import smear_direction
from physics._jit import jit

__all__ = [
    "ACTIVE_VOLUME_CM",
    "ARGON_DENSITY_G_CM3",
    "RECO_BRANCHES",
    "MicroBooNEConfig",
    "active_mass_t",
    "fiducial_volume_cm3",
    "merged",
    "reconstruct",
    "warm_kernels",
]

#: TPC active volume (cm): x, y, z ranges, beam along +z. LArLite ``ShowerRecoEff``; UNCONFIRMED (notes sec. 3).
ACTIVE_VOLUME_CM = ((0.0, 256.35), (-116.5, 116.5), (0.0, 1036.8))
#: Liquid-argon density, g/cm^3 (DarkNews 0.4.8 ``microboone_tpc.txt``: "density 1.3954 g/cm3", CODE).
ARGON_DENSITY_G_CM3 = 1.3954


@dataclass(frozen=True)
class MicroBooNEConfig:
    """Constants of the MicroBooNE e+e- response (module docstring: source and flag of each)."""

    fiducial_margin_cm: float = 10.0  # UNCONFIRMED
    shower_threshold_GeV: float = 0.030  # UNCONFIRMED
    merge_angle_deg: float = 15.0  # FIGURE (efficiency tables, notes sec. 3)
    max_beam_angle_deg: float = 25.0  # FIGURE (binning edge)
    max_E_vis_GeV: float = 1.6  # FIGURE (binning edge)
    efficiency: float = 0.25  # UNCONFIRMED
    energy_stochastic: float = 0.12  # CODE (fastbnb proxy)
    energy_noise_GeV: float = 0.01  # CODE
    angular_resolution_deg: float = 2.0  # CODE
    coherent_only: bool = True


RECO_BRANCHES = {
    "E_vis": ("GeV", "reconstructed (smeared) visible energy of all showers"),
    "theta_beam": ("deg", "reconstructed angle of the primary (most energetic) shower to the beam (+z); NaN without a shower"),
    "n_showers": ("1", "showers: 0, 1 (single lepton above threshold or merged pair), 2 (resolved pair)"),
    "dedx_start_mip": ("MIP", "dE/dx at the start of the primary shower: 2 merged pair, 1 single e+-, 0 none"),
    "theta_ee": ("deg", "true opening angle of the e+e- pair"),
    "in_fiducial": ("bool", "visible vertex at least fiducial_margin_cm inside the TPC active volume"),
    "passes_selection": ("bool", "fiducial, >= 1 shower, coherent, primary-shower angle and E_vis cuts"),
    "w_efficiency": ("1", "overall selection efficiency (UNCONFIRMED 0.25) for selected events, else 0"),
    "weight_selected": ("events", "weight * active-mass factor * w_efficiency * passes_selection"),
}


def active_mass_t() -> float:
    """Argon mass of the active volume (t): 256.35 x 233 x 1036.8 cm^3 x 1.3954 g/cm^3 = 86.4 t."""
    return float(np.prod([hi - lo for lo, hi in ACTIVE_VOLUME_CM]) * ARGON_DENSITY_G_CM3 * 1e-6)


def fiducial_volume_cm3(margin_cm: float) -> float:
    """Volume of the active box shrunk by ``margin_cm`` on every face (cm^3)."""
    return float(np.prod([max(hi - lo - 2 * margin_cm, 0.0) for lo, hi in ACTIVE_VOLUME_CM]))


def merged(theta_ee_deg, merge_angle_deg: float):
    """True where two visible showers merge into one (opening angle below the merging angle)."""
    return np.asarray(theta_ee_deg) < merge_angle_deg


@jit
def _kernel(em, ep, vtx, regime, normals, box, params, out_f, out_i):
    """Per event: showers, merging, smearing, selection. params: margin, threshold, merge_deg,
    max_angle_deg, max_evis, eff, stoch, noise, ang_deg, coherent_only. out_f columns: E_vis, theta_beam,
    dedx, theta_ee, w_eff; out_i columns: n_showers, in_fiducial, passes."""
    margin, thr, merge_deg, max_ang, max_evis, eff, stoch, noise, ang_deg, coh = (
        params[0], params[1], params[2], params[3], params[4], params[5], params[6], params[7], params[8], params[9])
    me = 0.51099895e-3
    for i in range(em.shape[0]):
        fid = 1
        for k in range(3):
            if vtx[i, k] < box[k, 0] + margin or vtx[i, k] > box[k, 1] - margin:
                fid = 0
        pm = math.sqrt(em[i, 0] ** 2 + em[i, 1] ** 2 + em[i, 2] ** 2)
        pp = math.sqrt(ep[i, 0] ** 2 + ep[i, 1] ** 2 + ep[i, 2] ** 2)
        if pm > 0 and pp > 0:
            c = (em[i, 0] * ep[i, 0] + em[i, 1] * ep[i, 1] + em[i, 2] * ep[i, 2]) / (pm * pp)
            c = min(1.0, max(-1.0, c))
            tee = math.degrees(math.acos(c))
        else:
            tee = math.nan
        tm = em[i, 3] - me if pm > 0 else 0.0
        tp = ep[i, 3] - me if pp > 0 else 0.0
        vm = tm > thr
        vp = tp > thr
        nsh = 0
        dedx = 0.0
        e_true = 0.0
        dx = 0.0
        dy = 0.0
        dz = 0.0
        if vm and vp:
            e_true = em[i, 3] + ep[i, 3]
            if tee < merge_deg:
                nsh = 1
                dedx = 2.0
                dx, dy, dz = em[i, 0] + ep[i, 0], em[i, 1] + ep[i, 1], em[i, 2] + ep[i, 2]
            else:
                nsh = 2
                dedx = 1.0
                if em[i, 3] >= ep[i, 3]:
                    dx, dy, dz = em[i, 0], em[i, 1], em[i, 2]
                else:
                    dx, dy, dz = ep[i, 0], ep[i, 1], ep[i, 2]
        elif vm or vp:
            nsh = 1
            dedx = 1.0
            if vm:
                e_true, dx, dy, dz = em[i, 3], em[i, 0], em[i, 1], em[i, 2]
            else:
                e_true, dx, dy, dz = ep[i, 3], ep[i, 0], ep[i, 1], ep[i, 2]
        if nsh > 0:
            sig = stoch * math.sqrt(e_true) + noise
            evis = e_true + sig * normals[i, 0]
            _ux, _uy, uz = smear_direction(dx, dy, dz, normals[i, 1], normals[i, 2], math.radians(ang_deg))
            th = math.degrees(math.acos(min(1.0, max(-1.0, uz))))
        else:
            evis = 0.0
            th = math.nan
        ok = fid == 1 and nsh > 0 and (coh == 0.0 or regime[i] == 0) and th < max_ang and thr < evis < max_evis
        out_f[i, 0] = evis
        out_f[i, 1] = th
        out_f[i, 2] = dedx
        out_f[i, 3] = tee
        out_f[i, 4] = eff if ok else 0.0
        out_i[i, 0] = nsh
        out_i[i, 1] = fid
        out_i[i, 2] = 1 if ok else 0


def warm_kernels() -> None:
    """Compile (or load from the kernel cache) the response's kernel for the argument types :func:`reconstruct`
    passes, on two made-up events. ``hnlgen run`` calls it on a cold start while the precompile helper
    compiles the event kernel (``gen.stages.base.stage_warmup``)."""
    p = np.array([[0.0, 0.01, 1.0, 1.0001]] * 2)
    reconstruct(p, p, np.full((2, 3), 100.0), np.zeros(2, dtype=np.int32), np.ones(2), np.zeros((2, 3)))


def reconstruct(ell_minus, ell_plus, vertex, regime, weight, normals, config: MicroBooNEConfig | None = None,
                mass_factor: float = 1.0) -> dict[str, np.ndarray]:
    """Reconstructed branches (:data:`RECO_BRANCHES`) of n events.

    Parameters
    ----------
    ell_minus, ell_plus : (n, 4) px, py, pz, E in GeV (zeros where absent)
    vertex : (n, 3) visible vertex in cm, detector frame of :data:`ACTIVE_VOLUME_CM`
    regime : (n,) int, 0 coherent, 1 p-el, 2 n-el (``gen.core.events.REGIME_CODES``)
    weight : (n,) expected events
    normals : (n, 3) standard normal deviates (energy, two direction kicks)
    mass_factor : M_active / M_target of the card's experiment
    """
    cfg = config or MicroBooNEConfig()
    n = len(weight)
    em = np.ascontiguousarray(ell_minus, dtype=np.float64)
    ep = np.ascontiguousarray(ell_plus, dtype=np.float64)
    box = np.array(ACTIVE_VOLUME_CM, dtype=np.float64)
    params = np.array([cfg.fiducial_margin_cm, cfg.shower_threshold_GeV, cfg.merge_angle_deg, cfg.max_beam_angle_deg,
                       cfg.max_E_vis_GeV, cfg.efficiency, cfg.energy_stochastic, cfg.energy_noise_GeV,
                       cfg.angular_resolution_deg, 1.0 if cfg.coherent_only else 0.0])
    out_f = np.empty((n, 5))
    out_i = np.empty((n, 3), dtype=np.int32)
    _kernel(em, ep, np.ascontiguousarray(vertex, dtype=np.float64), np.ascontiguousarray(regime, dtype=np.int32),
            np.ascontiguousarray(normals, dtype=np.float64), box, params, out_f, out_i)
    w = np.asarray(weight, dtype=np.float64)
    return {
        "E_vis": out_f[:, 0],
        "theta_beam": out_f[:, 1],
        "n_showers": out_i[:, 0],
        "dedx_start_mip": out_f[:, 2],
        "theta_ee": out_f[:, 3],
        "in_fiducial": out_i[:, 1].astype(bool),
        "passes_selection": out_i[:, 2].astype(bool),
        "w_efficiency": out_f[:, 4],
        "weight_selected": w * mass_factor * out_f[:, 4],
    }
