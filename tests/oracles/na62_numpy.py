"""Test oracle: the NumPy NA62 reconstruction that ``detectors.na62.response.reconstruct`` replaced.

Until issue 16 (session 8) this was the body of ``reconstruct`` (NumPy per block of events, one temporary per
step); the package now runs the same arithmetic per event in one numba kernel (``response._reco_kernel``). It
draws its normals from the same stream in the same order (kaon (n, 5), then l_a, l_b-, l_b+ (n, 5) each), so
tests/detectors/test_na62_kernel.py compares every branch with it. It uses the package's public NumPy helpers
(``to_na62_frame``, ``smear_kaon``, ``smear_tracks``, ``kaon_decay_observables``, ``closest_approach``, the
acceptance functions). Imported as ``na62_numpy`` (pytest ``pythonpath``).
"""

from __future__ import annotations

import numpy as np

from detectors.na62.response import (
    NA62Resolution,
    _m2,
    closest_approach,
    in_lkr_acceptance,
    in_muv3_acceptance,
    in_rich_acceptance,
    in_straw_acceptance,
    kaon_decay_observables,
    smear_kaon,
    smear_tracks,
    to_na62_frame,
)


def reconstruct_numpy(ev: dict, rng, *, m_a: float, m_b: float, flavour_a: str, flavour_b: str,
                      res: NA62Resolution = NA62Resolution(), beam_frame: bool = True) -> dict:  # noqa: B008 - as the package's
    """``detectors.na62.response.reconstruct`` as it was in NumPy: the same parameters, the same returned dict."""
    pK, pa, pbm, pbp = (np.asarray(ev[k], dtype=float) for k in ("p4_K", "p4_a", "p4_bm", "p4_bp"))
    vK, vZ = np.asarray(ev["vtx_K"], dtype=float), np.asarray(ev["vtx_Zp"], dtype=float)
    if beam_frame:
        pK, pa, pbm, pbp = (to_na62_frame(p4=p)[0] for p in (pK, pa, pbm, pbp))
        vK, vZ = (to_na62_frame(pos=v)[1] for v in (vK, vZ))
    out = {f"truth_{k}": v for k, v in kaon_decay_observables(pK, pa, pbm, pbp).items()}
    mK = float(np.sqrt(np.median(_m2(pK))))
    rK, ptK, tK = smear_kaon(pK, rng, res, m_K=mK)
    ra, pta, ta = smear_tracks(pa, vK, m_a, rng, res)
    rbm, ptbm, tbm = smear_tracks(pbm, vZ, m_b, rng, res)
    rbp, ptbp, tbp = smear_tracks(pbp, vZ, m_b, rng, res)
    out.update(kaon_decay_observables(rK, ra, rbm, rbp))
    vbb, cda_bb = closest_approach(ptbm, tbm, ptbp, tbp)
    vKa, cda_Ka = closest_approach(ptK, tK, pta, ta)
    out.update(vtx_bb_z=vbb[:, 2], vtx_bb_cda=cda_bb, vtx_Ka_z=vKa[:, 2], vtx_Ka_cda=cda_Ka,
               truth_vtx_bb_z=vZ[:, 2], truth_vtx_Ka_z=vK[:, 2])

    def identified(p4, origin, charge, flavour):
        p = np.linalg.norm(p4[:, :3], axis=1)
        if flavour == "e":
            return in_lkr_acceptance(p4, origin, charge)
        return in_muv3_acceptance(p4, origin, charge) & (p > res.p_min_muon)

    acc_straw = np.ones(len(pK), dtype=bool)
    acc = np.ones(len(pK), dtype=bool)
    for p4, origin, q, fl in ((pa, vK, +1, flavour_a), (pbp, vZ, +1, flavour_b), (pbm, vZ, -1, flavour_b)):
        s = (in_straw_acceptance(p4, origin, q) & in_rich_acceptance(p4, origin, q)
             & (np.linalg.norm(p4[:, :3], axis=1) > res.p_min))
        acc_straw &= s
        acc &= s & identified(p4, origin, q, fl)
    out["acc_straw"] = acc_straw
    out["accepted"] = acc
    return out


