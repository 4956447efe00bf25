"""Test oracle: the NumPy MiniBooNE reconstruction that ``detectors.miniboone.response.reconstruct`` replaced.

Until issue 16 this was the body of ``reconstruct`` (NumPy per block of events, one temporary per step);
the package now runs the same arithmetic per event in one numba kernel (``response._reco_kernel``). It
draws its normals from the same stream in the same order (energy smearing ``(n,)`` first, then the
direction ``(n, 2)``), so tests/detectors/test_miniboone_kernel.py compares every reconstructed branch
with it: relative difference <= 1e-12 (libm and operation order may change the last bits) and identical
selection flags and shower counts. It uses the package's public NumPy helpers (``classify_pair``,
``smear_energy``, ``smear_direction``, ``e_qe_ccqe``, ``e_qe_seed003``, ``eg_efficiency``,
``pi0_mass_cut_value``); ``directions_and_lengths_numpy`` is the NumPy body of ``response._directions_and_lengths``
(now ``response._flight_kernel``). ``reconstruct_block_numpy`` is the composition that ``response.reconstruct_block``
(``_place_kernel`` and ``_reco_kernel``) replaced in the detector stage: ``geometry.sample_uniform_ball``, then
``response.reconstruct_arrays``. Imported as ``miniboone_numpy`` (pytest ``pythonpath``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from detectors.common import geometry
from detectors.miniboone import response as _response
from detectors.miniboone.response import (
    MiniBooNEConfig,
    _get_rng,
    _mass,
    _p4,
    classify_pair,
    e_qe_ccqe,
    e_qe_seed003,
    eg_efficiency,
    pi0_mass_cut_value,
    smear_direction,
    smear_energy,
)

__all__ = ["directions_and_lengths_numpy", "reconstruct_block_numpy", "reconstruct_numpy"]


def reconstruct_numpy(
    em_particles: Sequence[np.ndarray],
    weights=None,
    *,
    decay_vertex=None,
    w_decay_fiducial=None,
    tracks: Sequence[np.ndarray] = (),
    config: MiniBooNEConfig | None = None,
    rng=None,
) -> dict[str, np.ndarray]:
    """MiniBooNE's view of events with one or two visible EM particles (NumPy; arguments and result as
    ``detectors.miniboone.response.reconstruct``).

    Parameters
    ----------
    em_particles : sequence of one or two arrays (n, 4)
        True lab four-momenta (px, py, pz, E), GeV, of the e-, e+ (or photons).
    weights : array (n,), optional
        Event weights (expected events for the exposure); default 1.
    decay_vertex : array (n, 3), optional
        Visible-decay vertex, cm; gives ``vertex_radius`` and, if ``w_decay_fiducial`` is not
        given, a 0/1 fiducial weight.
    w_decay_fiducial : array (n,), optional
        Fiducial-decay probability from :func:`decay_in_fiducial`; default as above, or 1.
    tracks : sequence of arrays (n, 4)
        Muons or charged pions in the final state (rows of zeros or NaN: none). Any present makes
        the event fail when ``veto_muons_pions`` (a muon-like ring, and the Michel electron breaks
        the one-subevent requirement of the nu_e selection, arXiv:0812.2243).
    config : MiniBooNEConfig, optional
    rng : int, numpy.random.Generator or None
        Stream for the smearing.

    Returns
    -------
    dict of arrays (n,), keys :data:`RECO_BRANCHES`.

    Notes
    -----
    The classification uses true momenta (the resolving angle is a property of overlapping
    Cherenkov rings). The merged shower is reconstructed as one object: energy ``sum E`` smeared
    once (equivalent, for a stochastic resolution, to smearing each lepton), direction the summed
    three-momentum smeared once: this is the energy-weighted direction of the two tracks for
    ultra-relativistic leptons, i.e. where the combined ring points, and for an asymmetric pair it
    is close to the harder lepton.
    """
    cfg = config or MiniBooNEConfig()
    gen = _get_rng(rng)
    if len(em_particles) not in (1, 2):
        raise ValueError(f"reconstruct takes one or two EM particles, got {len(em_particles)}")
    ps = [_p4(p, f"em_particles[{i}]") for i, p in enumerate(em_particles)]
    n = ps[0].shape[0]
    if any(p.shape[0] != n for p in ps):
        raise ValueError("all em_particles must have the same number of events")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    p_sum = ps[0] if len(ps) == 1 else ps[0] + ps[1]

    if len(ps) == 2:
        n_showers, theta_ee, e_soft = classify_pair(ps[0], ps[1], cfg)
    else:
        n_showers = np.ones(n, dtype=np.int32)
        theta_ee = np.full(n, np.nan)
        e_soft = np.full(n, np.nan)
    m_ee = _mass(p_sum)
    e_true = p_sum[:, 3]
    # no visible EM particle at all (e.g. Z' -> nu nu): no ring, and no pair angle or soft energy
    no_em = np.all(np.stack([np.nan_to_num(p[:, 3]) <= 0 for p in ps]), axis=0)
    if no_em.any():
        n_showers = np.where(no_em, 0, n_showers).astype(np.int32)
        theta_ee = np.where(no_em, np.nan, theta_ee)
        e_soft = np.where(no_em, np.nan, e_soft)

    e_vis = smear_energy(e_true, gen, cfg)
    direction = smear_direction(p_sum[:, :3], math.radians(cfg.angular_resolution_deg), gen)
    cos_theta = direction[:, 2]
    eqe_ccqe = e_qe_ccqe(e_vis, cos_theta, cfg.binding_energy)
    eqe_s3 = e_qe_seed003(e_vis, cos_theta)
    e_qe = eqe_ccqe if cfg.e_qe_formula == "ccqe" else eqe_s3
    if no_em.any():  # no shower: no direction and no E_QE (placeholders would look like measurements)
        cos_theta = np.where(no_em, np.nan, cos_theta)
        eqe_ccqe, eqe_s3, e_qe = (np.where(no_em, np.nan, x) for x in (eqe_ccqe, eqe_s3, e_qe))

    lo, hi = cfg.e_qe_range
    passes = (n_showers == 1) & (e_vis > cfg.e_vis_min) & (e_qe >= lo) & (e_qe < hi)
    if cfg.pi0_mass_cut:
        passes &= m_ee < pi0_mass_cut_value(e_vis, cfg)
    if cfg.veto_muons_pions:
        for t in tracks:
            t = _p4(t, "tracks[i]")
            present = np.nan_to_num(t[:, 3]) > 0
            passes &= ~present

    if decay_vertex is not None:
        dv = np.asarray(decay_vertex, dtype=np.float64)
        radius = np.linalg.norm(dv, axis=1)
    else:
        radius = np.full(n, np.nan)
    if w_decay_fiducial is not None:
        w_fid = np.broadcast_to(np.asarray(w_decay_fiducial, dtype=np.float64), (n,)).copy()
    elif decay_vertex is not None:
        w_fid = (radius < cfg.fiducial_radius_cm).astype(np.float64)
    else:
        w_fid = np.ones(n)
    w_eff = eg_efficiency(e_true) if cfg.apply_efficiency else np.ones(n)

    return {
        "E_vis": e_vis,
        "cos_theta": cos_theta,
        "E_QE": e_qe,
        "E_QE_seed003": eqe_s3,
        "n_showers": n_showers,
        "passes_selection": passes,
        "w_decay_fiducial": w_fid,
        "w_efficiency": w_eff,
        "weight_selected": w * w_fid * w_eff * passes,
        "vertex_radius": radius,
        "theta_ee": theta_ee,
        "E_soft": e_soft,
        "m_ll": m_ee,
        "weight": w,
    }


def directions_and_lengths_numpy(p4, ctau0, fallback_dir):
    """Flight directions and lab decay lengths; rows that are absent (zeros) or not massive get L = 0."""
    n = p4.shape[0]
    ctau = np.broadcast_to(np.asarray(ctau0, dtype=np.float64), (n,))
    pabs = np.linalg.norm(p4[:, :3], axis=1)
    m2 = p4[:, 3] ** 2 - pabs**2
    ok = (p4[:, 3] > 0) & (m2 > 0) & (pabs > 0) & (ctau > 0)
    L = np.zeros(n)
    L[ok] = pabs[ok] / np.sqrt(m2[ok]) * ctau[ok]
    dirs = np.tile([0.0, 0.0, 1.0], (n, 1)) if fallback_dir is None else np.array(fallback_dir, dtype=np.float64)
    has_p = pabs > 0
    dirs[has_p] = p4[has_p, :3] / pabs[has_p, None]
    return dirs, L



def reconstruct_block_numpy(arrays, out, start, *, rng, ctau0_N, ctau0_Zprime=0.0, prompt_zprime_cm, config=None,
                            vetoed=None, vertex=None):
    """``response.reconstruct_block`` as the detector stage composed it before issue 16's ``_place_kernel``.

    The vertex from ``geometry.sample_uniform_ball`` (NumPy's cbrt, sin and cos), or ``vertex`` (n, 3) when given
    (the three uniforms are drawn all the same, so the stream is unchanged): with the kernel's vertices, every
    later number can be compared at 1e-12 (a chord nearly tangent to a sphere turns the last bit of a vertex into
    ~1e-9 of the fiducial weight). The Z' flight matters when some Z' flies ``prompt_zprime_cm`` or more
    (beta gamma c tau0); then the two-step weight. ``vetoed`` is unused: ``reconstruct_arrays`` takes the tracks.
    """
    cfg = config or MiniBooNEConfig()
    g = _get_rng(rng)
    n = arrays["n"]
    u = g.random((n, 3))
    v = geometry.sample_uniform_ball(u, cfg.tank_radius_cm) if vertex is None else np.asarray(vertex, dtype=np.float64)
    ctau_z = 0.0
    z = arrays["Zprime"]
    if ctau0_Zprime > 0 and z is not None:
        p = np.sqrt(z[:, 0] ** 2 + z[:, 1] ** 2 + z[:, 2] ** 2)
        m2 = z[:, 3] ** 2 - p**2
        ok = m2 > 0
        if ok.any() and np.max(p[ok] / np.sqrt(m2[ok])) * ctau0_Zprime >= prompt_zprime_cm:
            ctau_z = ctau0_Zprime
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        reco = _response.reconstruct_arrays(arrays, ctau0_N=ctau0_N, ctau0_Zprime=ctau_z, config=cfg, rng=g, vertex=v)
    f, n_sh, passes = out
    rows = _response.BLOCK_ROWS
    sl = slice(start, start + n)
    for k in rows[:-3]:
        x = np.asarray(reco[k], dtype=np.float64)
        if k in ("w_decay_fiducial", "w_efficiency", "weight_selected"):
            x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
        f[rows.index(k), sl] = x
    f[len(rows) - 3:, sl] = v.T
    n_sh[sl] = reco["n_showers"]
    passes[sl] = reco["passes_selection"]
