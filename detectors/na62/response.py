"""NA62 detector: geometry, acceptance, resolutions, vertex reconstruction and kaon-decay observables.

Takes event arrays (a dict of numpy arrays: lab four-momenta ``p4_K``, ``p4_a``, ``p4_bm``, ``p4_bp``
as (n, 4) rows (px, py, pz, E) in GeV, and decay points ``vtx_K``, ``vtx_Zp`` as (n, 3) in cm) and
returns truth and reconstructed observables; it imports nothing from ``gen`` (STYLE.md sec. 1).

Coordinates. The generator (``gen.sources.meson_decay``) works in the *beam frame*: the kaon moves along +z
from the target at z = 0. The detector works in the *NA62 frame* of the experiment's software
([G] below): z from the target, x horizontal (the MNP33 bending plane), y vertical, the nominal beam
axis passing through x = y = 0 at z = 102.4 m (GTK3) with dx/dz = +1.2 mrad (the TRIM5 deflection,
which MNP33 later turns to -2.4 mrad so that the beam reaches the LKr near x = 0). ``to_na62_frame``
maps one onto the other by that rotation. Lengths in cm, momenta in GeV.

Sources
-------
[D]  NA62, "The beam and detector of the NA62 experiment at CERN", JINST 12 (2017) P05025,
     arXiv:1703.08501. Its sections on the GTK, STRAW/MNP33, RICH, LKr and MUVs could not be read here:
     the search tool returns only the opening ~2000 characters of a stored page (arxiv-vanity and
     vdocuments copies: title, abstract, author list). No number below is taken from [D] as read.
[B]  NA62 beam facts in ../shared/data/PROVENANCE.md, from arXiv:2312.17188 sec. 1 and
     arXiv:2409.12981 sec. 1 (GTK at 80-102 m, fiducial volume 105-180 m, STRAW at 180-220 m,
     CHOD at 238 m; 75 GeV/c, 1 % rms).
[H]  NA62 HNL production searches, arXiv:2005.09575 and arXiv:2101.12304 (their beam-and-detector
     sections quote the STRAW, MNP33 and LKr performance); not readable here either (same limitation).
[S4] P. Ballett, M. Hostert, S. Pascoli, arXiv:1903.07589 (seed 004), eq. (18)-(21), (25)-(26),
     Table I, Appendix A.
[G]  NA62 analysis framework (E. Goudzovski): class ``GeometricAcceptance`` (constructor: reference
     z positions, hole centres, acceptance radii; ``InAcceptance``: the cuts), class ``BeamParameters``
     (nominal 75000 MeV/c, dx/dz = 1.200e-3, axis through (0, 0) at z = 102400 mm), and the
     before/after-magnet plane of ``DownstreamTrack::xAt``; public copy in
     github.com/danecross/PyNA62Analysis, na62fw/NA62Analysis/ToolsLib/src/{GeometricAcceptance,
     BeamParameters,DownstreamTrack}.cc. GeometricAcceptance.cc and BeamParameters.cc were re-read for
     this list (every geometry constant below agrees with them). Numbers were read there; no code taken.
[M]  NA62 Geant4 simulation (NA62MC), ``Spectrometer/src/SpectrometerGeometryParameters.cc`` (header:
     created by A. Sergi 2008, chamber z corrected by Z. Kucerova 2016), public copy found through the
     search tool's file index: MNP33 ``fMagnetZFront = 196.345 m``, ``fMagnetZLength = 1.3 m``,
     ``fMagnetFieldStrength = 0.6928 T``; chamber centres 183.508, 194.066, 204.459, 218.885 m (with
     -0.1 to -9.3 mm offsets "as in data"); hole centres 101.2, 114.4, 92.4, 52.8 mm; view hole
     +-63.8 mm; straw views to about -1054.5/+1037.5 mm. And ``GigaTrackerParameterTools``: GTK pixels
     300 um x 300 um (400 um x 300 um at chip edges), 200 um thick.

Resolutions (``NA62Resolution``) are **not confirmed**: none of [D], [H] could be read, and the
[G] and [M] files read here do not state them. They are the values the issue quoted ("GTK 0.2 %,
16 urad; STRAW 0.30 % (+) 0.005 % p") plus our own parametrisations, and are marked so below and in
validation/na62/README.md. Check them against [D]'s GTK, STRAW and LKr sections before quantitative
use.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import optimize

from physics import constants as const
from physics import units as u
from physics._jit import jit, jitable

__all__ = [
    "Z_GTK",
    "Z_TRIM5",
    "BEAM_SLOPE_X",
    "Z_STRAW",
    "X_STRAW_HOLE_CENTRE",
    "STRAW_VIEW_HOLE_HALF",
    "R_STRAW_OUTER",
    "Z_MNP33",
    "PT_KICK_MNP33",
    "Z_RICH_FRONT",
    "Z_RICH_MIRROR",
    "X_RICH_FRONT_CENTRE",
    "R_RICH_INNER",
    "Z_CHOD",
    "Z_LKR",
    "R_LKR_INNER",
    "LKR_OCTAGON_APOTHEM",
    "Z_MUV3",
    "HALF_SIZE_MUV3",
    "R_MUV3_HOLE",
    "to_na62_frame",
    "NA62Resolution",
    "sigma_p_over_p_straw",
    "sigma_theta_straw",
    "sigma_E_over_E_lkr",
    "track_position",
    "beam_axis_x",
    "in_straw_acceptance",
    "in_rich_acceptance",
    "in_lkr_acceptance",
    "in_muv3_acceptance",
    "closest_approach",
    "smear_kaon",
    "smear_tracks",
    "kaon_decay_observables",
    "eq21_residual",
    "reconstruct",
    "warm_kernel",
    "SEED004_TABLE_I",
    "L_AVG_SEED004",
    "p_dec_crude",
    "ses_U2_eq25",
    "solve_ses_U2",
]

# --------------------------------------------------------------------------------- geometry
# Every value below is in [G] GeometricAcceptance / BeamParameters (mm there), re-read; the STRAW, MNP33
# entries also agree with [M]. GTK at 80-102 m, STRAW at 180-220 m, CHOD at 238 m agree with [B].
Z_GTK = (79.6 * u.m, 92.8 * u.m, 102.4 * u.m)  # [G] fZGTK1..3 = 79600, 92800, 102400 mm
Z_TRIM5 = 101.8 * u.m  # TRIM5 centre, [G] fZTrim5 = 101800 mm
BEAM_SLOPE_X = 1.2e-3  # nominal beam dx/dz downstream of TRIM5, [G] BeamParameters fBeamXSlope = 1.200e-3
# [G] fZStraw; [M] fChamberZCenter has the same nominal values (minus 0.1-9.3 mm offsets "as in data").
Z_STRAW = (183.508 * u.m, 194.066 * u.m, 204.459 * u.m, 218.885 * u.m)
# Beam hole of each chamber: centre x (follows the deflected beam) and half-size in every straw view:
# [G] fXStrawChamberCentre = 101.2, 114.4, 92.4, 52.8 mm and fStrawViewHoleSize = 63.8 mm; [M] the same
# (fChamberXDisplacement; x-view hole 37.4-165.0 mm in chamber 1 = 101.2 +- 63.8).
X_STRAW_HOLE_CENTRE = (10.12 * u.cm, 11.44 * u.cm, 9.24 * u.cm, 5.28 * u.cm)
STRAW_VIEW_HOLE_HALF = 6.38 * u.cm
R_STRAW_OUTER = 1.0 * u.m  # [G] fRmax_Straw = 1000 mm about x = y = 0 ([M] straws reach about 1.04-1.05 m)
# MNP33 as a thin lens at its centre: [M] front face 196.345 m + half of its 1.3 m length = 196.995 m;
# horizontal kick p_T = e B L = 0.299792458 GeV/(T m) x 0.6928 T x 1.3 m = 0.2700 GeV ([M]; also the
# 270 MeV/c the issue attributes to [D] and [H], which could not be read here).
Z_MNP33 = 196.995 * u.m
PT_KICK_MNP33 = 0.270 * u.GeV
Z_RICH_FRONT = 219.445 * u.m  # [G] fZRICHFrontPlane
Z_RICH_MIRROR = 236.873 * u.m  # [G] fZRICHMirror ("from Mauro Piccini")
X_RICH_FRONT_CENTRE = 3.4 * u.cm  # [G] fXRICHFrontPlaneCentre = 34 mm
R_RICH_INNER = 10.0 * u.cm  # [G] fRmin_RICH: standard track acceptance R > 100 mm about the front-plane centre
Z_CHOD = 239.009 * u.m  # [G] fZCHODVPlane: front of the vertical-slab plane
Z_LKR = 241.093 * u.m  # [G] fZLKr: front face
R_LKR_INNER = 15.0 * u.cm  # [G] fRmin_LKr = 150 mm
LKR_OCTAGON_APOTHEM = 113.0 * u.cm  # [G] fRmax_LKr = 1130 mm, apothem of a regular octagon about x = y = 0
Z_MUV3 = 246.8 * u.m  # [G] fZMUV3: front plane, behind the iron wall
HALF_SIZE_MUV3 = 132.0 * u.cm  # [G] fRmax_MUV3 = 1320 mm, half-side of the square
R_MUV3_HOLE = 10.3 * u.cm  # [G] fRmin_MUV3 = 103 mm
_MUV3_GAP = 0.08 * u.cm  # [G] fMUV3GapWidth = 0.8 mm: the central vertical gap widens |x| by half of it
# Nominal beam momentum: [B] and [G] BeamParameters fBeamMomentum = 75000 MeV/c.
_P_BEAM = 75.0 * u.GeV


@dataclasses.dataclass(frozen=True)
class NA62Resolution:
    """Resolutions and analysis thresholds (momenta GeV, angles rad, lengths cm).

    **None of the resolutions is confirmed from a source read here** (module docstring: [D] and [H]
    could not be read); they are the values quoted in the issue and our parametrisations.

    Attributes
    ----------
    gtk_sigma_p_rel : float
        Kaon momentum resolution sigma_p/p = 0.2 % (GTK; the issue's value for [D]; not confirmed).
    gtk_sigma_theta : float
        Kaon angular resolution per projection, 16 urad (GTK; the issue's value for [D]; not confirmed).
    gtk_sigma_pos : float
        Kaon position resolution at GTK3, 87 um: the 300 um pixel pitch ([M] GigaTrackerParameterTools,
        read) / sqrt(12), i.e. single-pixel clusters; a derived estimate, not a measured resolution.
    straw_a, straw_b : float
        sigma_p/p = a (+) b p[GeV]: 0.30 % (+) 0.005 % p (the issue's value for [D], [H]; not confirmed).
    straw_theta_ms, straw_theta_0 : float
        Track angular resolution per projection, sigma_theta = ms/p (+) theta_0 with 0.6 mrad GeV and
        20 urad: our parametrisation (about 60 urad at 10 GeV/c, 20 urad at high momentum), recalled
        from [D], not confirmed.
    straw_sigma_pos : float
        Track position resolution at chamber 1, 130 um (recalled single-straw resolution; not confirmed).
    p_min : float
        Minimum track momentum (analysis choice), 2 GeV.
    p_min_muon : float
        Minimum momentum for muon ID in MUV3 behind the calorimeters and iron (analysis choice), 5 GeV.
    """

    gtk_sigma_p_rel: float = 0.002
    gtk_sigma_theta: float = 16e-6
    gtk_sigma_pos: float = 0.0087 * u.cm
    straw_a: float = 0.0030
    straw_b: float = 0.00005
    straw_theta_ms: float = 0.6e-3
    straw_theta_0: float = 20e-6
    straw_sigma_pos: float = 0.013 * u.cm
    p_min: float = 2.0 * u.GeV
    p_min_muon: float = 5.0 * u.GeV


def sigma_p_over_p_straw(p, res: NA62Resolution = NA62Resolution()):
    """STRAW relative momentum resolution 0.30 % (+) 0.005 % p[GeV] (the issue's [D]/[H] value; not confirmed)."""
    p = np.asarray(p, dtype=float)
    return np.hypot(res.straw_a, res.straw_b * p / u.GeV)


def sigma_theta_straw(p, res: NA62Resolution = NA62Resolution()):
    """STRAW angular resolution per projection (rad), ms/p (+) theta_0 (see ``NA62Resolution``)."""
    p = np.asarray(p, dtype=float)
    return np.hypot(res.straw_theta_ms * u.GeV / p, res.straw_theta_0)


def sigma_E_over_E_lkr(E):
    """LKr energy resolution 4.8 %/sqrt(E) (+) 11 %/E (+) 0.9 %, E in GeV (recalled from [H]; not confirmed)."""
    E = np.asarray(E, dtype=float) / u.GeV
    return np.sqrt((0.048 / np.sqrt(E)) ** 2 + (0.11 / E) ** 2 + 0.009**2)


# --------------------------------------------------------------------------------- propagation
def to_na62_frame(p4=None, pos=None):
    """Beam frame (kaon along +z from the origin) -> NA62 frame (beam axis through (0, 0, GTK3) with
    dx/dz = BEAM_SLOPE_X): a rotation by atan(BEAM_SLOPE_X) about the y axis through (0, 0, GTK3).

    p4 (n, 4) and/or pos (n, 3); returns the transformed arrays (None where not given).
    """
    th = math.atan(BEAM_SLOPE_X)
    c, s_ = math.cos(th), math.sin(th)
    out_p = out_x = None
    if p4 is not None:
        p4 = np.asarray(p4, dtype=float)
        out_p = p4.copy()
        out_p[:, 0] = c * p4[:, 0] + s_ * p4[:, 2]
        out_p[:, 2] = -s_ * p4[:, 0] + c * p4[:, 2]
    if pos is not None:
        pos = np.asarray(pos, dtype=float)
        z0 = Z_GTK[2]
        out_x = pos.copy()
        out_x[:, 0] = c * pos[:, 0] + s_ * (pos[:, 2] - z0)
        out_x[:, 2] = z0 - s_ * pos[:, 0] + c * (pos[:, 2] - z0)
    return out_p, out_x


def beam_axis_x(z):
    """x (cm) of the nominal 75 GeV/c beam axis in the NA62 frame at plane z (cm).

    dx/dz = BEAM_SLOPE_X from (0, 0) at GTK3, then -270 MeV/c from MNP33: the hole centres of [G]
    (10.1, 11.4, 9.2, 5.3 cm) are reproduced to within 1 cm (9.7, 11.0, 9.6, 6.1 cm).
    """
    z = np.asarray(z, dtype=float)
    x_m = BEAM_SLOPE_X * (Z_MNP33 - Z_GTK[2])
    return np.where(z > Z_MNP33, x_m + (BEAM_SLOPE_X - PT_KICK_MNP33 / _P_BEAM) * (z - Z_MNP33),
                    BEAM_SLOPE_X * (z - Z_GTK[2]))


def track_position(p4, origin, charge, z):
    """(x, y) in cm of a track at plane z (NA62 frame): straight line from ``origin``, thin-lens MNP33
    kick -q * 270 MeV/c in p_x at Z_MNP33 (positive tracks bend to -x, as the positive beam does).

    p4 (n, 4), origin (n, 3), charge (n,) or scalar (+1/-1, 0 for no kick). NaN where the plane is
    upstream of the origin or the track goes backwards.
    """
    p4 = np.asarray(p4, dtype=float)
    origin = np.asarray(origin, dtype=float)
    q = np.broadcast_to(np.asarray(charge, dtype=float), p4.shape[:1])
    px, py, pz = p4[:, 0], p4[:, 1], p4[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        tx, ty = px / pz, py / pz
        tx_after = (px - q * PT_KICK_MNP33) / pz
    z_start = origin[:, 2]
    z_m = np.maximum(Z_MNP33, z_start)
    before = np.minimum(z, z_m) - z_start
    after = np.maximum(z - z_m, 0.0)
    x = origin[:, 0] + tx * before + tx_after * after
    y = origin[:, 1] + ty * (z - z_start)
    behind = (z < z_start) | (pz <= 0)
    return np.where(behind, np.nan, x), np.where(behind, np.nan, y)


def in_straw_acceptance(p4, origin, charge):
    """[G] standard STRAW acceptance in all four chambers: outside the beam hole in at least two of the
    views (x, y and the +-45 deg u, v) and by radius about the hole centre, inside R_STRAW_OUTER."""
    ok = np.ones(len(p4), dtype=bool)
    h = STRAW_VIEW_HOLE_HALF
    for z, xc in zip(Z_STRAW, X_STRAW_HOLE_CENTRE):
        x, y = track_position(p4, origin, charge, z)
        xs = x - xc
        us, vs = (xs - y) / math.sqrt(2.0), (xs + y) / math.sqrt(2.0)
        two_views = ((np.abs(xs) > h) | (np.abs(y) > h)) & ((np.abs(us) > h) | (np.abs(vs) > h))
        ok &= two_views & (np.hypot(xs, y) > h) & (np.hypot(x, y) < R_STRAW_OUTER)
    return ok


def in_rich_acceptance(p4, origin, charge):
    """[G] RICH acceptance: R > 10 cm about (3.4 cm, 0) at the RICH front plane."""
    x, y = track_position(p4, origin, charge, Z_RICH_FRONT)
    return np.hypot(x - X_RICH_FRONT_CENTRE, y) > R_RICH_INNER


def in_lkr_acceptance(p4, origin, charge):
    """[G] LKr acceptance: R > 15 cm and inside the regular octagon of apothem 113 cm (about x = y = 0)."""
    x, y = track_position(p4, origin, charge, Z_LKR)
    ax, ay = np.abs(x), np.abs(y)
    a = LKR_OCTAGON_APOTHEM
    return (np.hypot(x, y) > R_LKR_INNER) & (ax < a) & (ay < a) & (ax + ay < math.sqrt(2.0) * a)


def in_muv3_acceptance(p4, origin, charge):
    """[G] MUV3 acceptance: R > 10.3 cm, |x| < 132.04 cm, |y| < 132 cm (about x = y = 0)."""
    x, y = track_position(p4, origin, charge, Z_MUV3)
    return ((np.abs(x) < HALF_SIZE_MUV3 + 0.5 * _MUV3_GAP) & (np.abs(y) < HALF_SIZE_MUV3)
            & (np.hypot(x, y) > R_MUV3_HOLE))


# --------------------------------------------------------------------------------- vertexing
def closest_approach(x1, t1, x2, t2):
    """Point of closest approach of two lines x_i + s (tx_i, ty_i, 1).

    x1, x2 (n, 3) points on the lines (cm); t1, t2 (n, 2) slopes (dx/dz, dy/dz).
    Returns (vertex (n, 3) = midpoint of the closest points, cda (n,) = their distance, cm).
    """
    d1 = np.column_stack([t1[:, 0], t1[:, 1], np.ones(len(t1))])
    d2 = np.column_stack([t2[:, 0], t2[:, 1], np.ones(len(t2))])
    w0 = x1 - x2
    a = np.einsum("ij,ij->i", d1, d1)
    b = np.einsum("ij,ij->i", d1, d2)
    c = np.einsum("ij,ij->i", d2, d2)
    d = np.einsum("ij,ij->i", d1, w0)
    e = np.einsum("ij,ij->i", d2, w0)
    den = a * c - b * b
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (b * e - c * d) / den
        t = (a * e - b * d) / den
    p1 = x1 + s[:, None] * d1
    p2 = x2 + t[:, None] * d2
    return 0.5 * (p1 + p2), np.linalg.norm(p1 - p2, axis=1)


def _line_at(p4, origin, z_ref):
    """(point at z_ref, slopes) of the upstream straight-line part of a track."""
    tx = p4[:, 0] / p4[:, 2]
    ty = p4[:, 1] / p4[:, 2]
    dz = z_ref - origin[:, 2]
    pt = np.column_stack([origin[:, 0] + tx * dz, origin[:, 1] + ty * dz, np.full(len(p4), z_ref)])
    return pt, np.column_stack([tx, ty])


def _p4_from(p, tx, ty, mass):
    norm = np.sqrt(1.0 + tx * tx + ty * ty)
    pz = p / norm
    return np.column_stack([pz * tx, pz * ty, pz, np.sqrt(p * p + mass * mass)])


def smear_kaon(p4_K, rng, res: NA62Resolution = NA62Resolution(), m_K: float | None = None):
    """GTK measurement of the kaon: |p| (1 + 0.2 % g), slopes + 16 urad g each; on shell.

    Returns (p4 (n, 4), point at GTK3 (n, 3), slopes (n, 2)); p4_K is in the NA62 frame, where the
    kaon passes through x = y = 0 at GTK3.
    """
    n = len(p4_K)
    p = np.linalg.norm(p4_K[:, :3], axis=1)
    m = np.sqrt(np.maximum(p4_K[:, 3] ** 2 - p**2, 0.0)) if m_K is None else np.full(n, m_K)
    g = rng.standard_normal((n, 5))
    p_r = p * (1.0 + res.gtk_sigma_p_rel * g[:, 0])
    tx = p4_K[:, 0] / p4_K[:, 2] + res.gtk_sigma_theta * g[:, 1]
    ty = p4_K[:, 1] / p4_K[:, 2] + res.gtk_sigma_theta * g[:, 2]
    z3 = Z_GTK[2]
    # the kaon passes (0, 0) at GTK3 in the NA62 frame (see to_na62_frame)
    pt = np.column_stack([res.gtk_sigma_pos * g[:, 3], res.gtk_sigma_pos * g[:, 4], np.full(n, z3)])
    return _p4_from(p_r, tx, ty, m), pt, np.column_stack([tx, ty])


def smear_tracks(p4, origin, mass, rng, res: NA62Resolution = NA62Resolution()):
    """STRAW measurement of tracks from ``origin``: momentum, slopes and position at chamber 1.

    Returns (p4 (n, 4) with the PID mass hypothesis ``mass``, point at STRAW1 (n, 3), slopes (n, 2)).
    """
    n = len(p4)
    p = np.linalg.norm(p4[:, :3], axis=1)
    g = rng.standard_normal((n, 5))
    p_r = p * (1.0 + sigma_p_over_p_straw(p, res) * g[:, 0])
    pt, t = _line_at(p4, origin, Z_STRAW[0])
    st = sigma_theta_straw(p, res)
    t = t + st[:, None] * g[:, 1:3]
    pt = pt + np.column_stack([res.straw_sigma_pos * g[:, 3], res.straw_sigma_pos * g[:, 4], np.zeros(n)])
    return _p4_from(p_r, t[:, 0], t[:, 1], mass), pt, t


# --------------------------------------------------------------------------------- observables
def _m2(p):
    return p[:, 3] ** 2 - p[:, 0] ** 2 - p[:, 1] ** 2 - p[:, 2] ** 2


def _angle(p, q):
    c = np.einsum("ij,ij->i", p[:, :3], q[:, :3]) / (np.linalg.norm(p[:, :3], axis=1) * np.linalg.norm(q[:, :3], axis=1))
    return np.arccos(np.clip(c, -1.0, 1.0))


def kaon_decay_observables(p4_K, p4_a, p4_bm, p4_bp) -> dict:
    """Invariant masses and angles of K+ -> l_a+ nu l_b+ l_b- ([S4] eq. (18)-(21), (A1)-(A2), Fig. 4).

    Returns a dict of arrays: ``m_ll`` = m_bb (GeV), ``m2_N`` = (p_K - p_a)^2, ``m2_miss`` =
    (p_K - p_a - p_b+ - p_b-)^2, ``m2_lnu`` = (p_K - p_b+ - p_b-)^2, ``m2_lll`` = (p_a + p_b+ + p_b-)^2
    (GeV^2), ``dtheta_bb`` (opening angle of the b leptons, rad), ``theta_Zp`` (angle of p_b+ + p_b-
    to the kaon direction, rad) and ``E_Zp`` = E_b+ + E_b- (GeV).
    """
    bb = p4_bm + p4_bp
    return {
        "m_ll": np.sqrt(np.maximum(_m2(bb), 0.0)),
        "m2_N": _m2(p4_K - p4_a),
        "m2_miss": _m2(p4_K - p4_a - bb),
        "m2_lnu": _m2(p4_K - bb),
        "m2_lll": _m2(p4_a + bb),
        "dtheta_bb": _angle(p4_bm, p4_bp),
        "theta_Zp": _angle(bb, p4_K),
        "E_Zp": bb[:, 3],
    }


def eq21_residual(obs: dict, m2_K, m2_a):
    """[S4] eq. (21): m2_lll + m2_lnu + m2_N - (m_K^2 + m_a^2 + m2_miss + m_ll^2), per event (GeV^2).

    ``m2_K``, ``m2_a`` are the (squared) kaon and l_a masses used to build the four-vectors.
    """
    return obs["m2_lll"] + obs["m2_lnu"] + obs["m2_N"] - (m2_K + m2_a + obs["m2_miss"] + obs["m_ll"] ** 2)


_OBS = ("m_ll", "m2_N", "m2_miss", "m2_lnu", "m2_lll", "dtheta_bb", "theta_Zp", "E_Zp")  # kaon_decay_observables


def reconstruct(ev: dict, rng, *, m_a: float, m_b: float, flavour_a: str, flavour_b: str,
                res: NA62Resolution = NA62Resolution(), beam_frame: bool = True) -> dict:
    """Truth and reconstructed NA62 observables for K+ -> l_a+ nu l_b+ l_b- events.

    Parameters
    ----------
    ev : dict
        ``p4_K``, ``p4_a``, ``p4_bm``, ``p4_bp`` (n, 4) lab four-momenta (GeV); ``vtx_K`` (origin of
        l_a) and ``vtx_Zp`` (origin of the b pair) (n, 3) in cm.
    rng : numpy.random.Generator
        Stream for the smearing.
    m_a, m_b : float
        Lepton masses (GeV) used as PID mass hypotheses.
    flavour_a, flavour_b : {"e", "mu"}
        Flavours, for particle identification (e: LKr, mu: MUV3 with p > p_min_muon).
    beam_frame : bool
        True (default) when ``ev`` is in the generator's beam frame; it is rotated to the NA62 frame
        (``to_na62_frame``). Vertices in the output are in the NA62 frame.

    Returns
    -------
    dict of arrays
        Reconstructed observables (names of ``kaon_decay_observables``), the same with a ``truth_``
        prefix, ``accepted`` (all three tracks in the STRAW and RICH acceptance with p > p_min, and
        identified),
        ``acc_straw``, and vertices: ``vtx_bb_z``/``vtx_bb_cda`` (b-pair closest approach),
        ``vtx_Ka_z``/``vtx_Ka_cda`` (kaon and l_a), with ``truth_vtx_bb_z`` and ``truth_vtx_Ka_z``.

    The frame rotation, the kaon mass (median of the block) and the normals (kaon, l_a, l_b-, l_b+: (n, 5) each,
    in that order) are NumPy; the per-event arithmetic of ``smear_kaon``, ``smear_tracks``,
    ``kaon_decay_observables``, ``closest_approach`` and the acceptance functions runs in one numba kernel
    (``_reco_kernel``; issue 16: NumPy 2.2-2.4 -> 0.71 us per event of ``reconstruct``, normals included), checked against the NumPy composition of those
    functions it replaced (tests/oracles/na62_numpy.py, tests/detectors/test_na62_kernel.py).
    """
    pK, pa, pbm, pbp = (np.asarray(ev[k], dtype=float) for k in ("p4_K", "p4_a", "p4_bm", "p4_bp"))
    vK, vZ = np.asarray(ev["vtx_K"], dtype=float), np.asarray(ev["vtx_Zp"], dtype=float)
    if beam_frame:
        pK, pa, pbm, pbp = (to_na62_frame(p4=p)[0] for p in (pK, pa, pbm, pbp))
        vK, vZ = (to_na62_frame(pos=v)[1] for v in (vK, vZ))
    for name, fl in (("flavour_a", flavour_a), ("flavour_b", flavour_b)):
        if fl not in ("e", "mu"):
            raise ValueError(f"{name} = {fl!r}: allowed 'e', 'mu'")
    n = len(pK)
    mK = float(np.sqrt(np.median(_m2(pK))))
    g = [rng.standard_normal((n, 5)) for _ in range(4)]  # smear_kaon's, then smear_tracks' of l_a, l_b-, l_b+
    par = np.array([res.gtk_sigma_p_rel, res.gtk_sigma_theta, res.gtk_sigma_pos, res.straw_a, res.straw_b,
                    res.straw_theta_ms, res.straw_theta_0, res.straw_sigma_pos, res.p_min, res.p_min_muon, mK, m_a, m_b])
    flo = np.empty((n, 2 * len(_OBS) + 6))
    flags = np.empty((n, 2), np.bool_)
    _reco_kernel(*(np.ascontiguousarray(x) for x in (pK, pa, pbm, pbp, vK, vZ, *g)), par,
                 flavour_a == "mu", flavour_b == "mu", flo, flags)
    out = {f"truth_{k}": flo[:, i] for i, k in enumerate(_OBS)}
    out.update({k: flo[:, len(_OBS) + i] for i, k in enumerate(_OBS)})
    for i, k in enumerate(("vtx_bb_z", "vtx_bb_cda", "vtx_Ka_z", "vtx_Ka_cda", "truth_vtx_bb_z", "truth_vtx_Ka_z")):
        out[k] = flo[:, 2 * len(_OBS) + i]
    out["acc_straw"] = flags[:, 0]
    out["accepted"] = flags[:, 1]
    return out


def warm_kernel() -> None:
    """Compile (or load) ``_reco_kernel`` for the types ``reconstruct`` passes, on one made-up event; nothing is
    kept. A cold NA62 run calls it while its precompile helper compiles the cascade
    (``gen.sources.meson_decay.precompile_in_parent``), instead of compiling it before the first block."""
    ev = {"p4_K": np.array([[0.0, 0.0, 75.0, 75.0016]]), "p4_a": np.array([[0.01, 0.0, 30.0, 30.0002]]),
          "p4_bm": np.array([[0.0, 0.01, 20.0, 20.0]]), "p4_bp": np.array([[0.0, -0.01, 20.0, 20.0]]),
          "vtx_K": np.array([[0.0, 0.0, 12000.0]]), "vtx_Zp": np.array([[0.0, 0.0, 13000.0]])}
    reconstruct(ev, np.random.default_rng(0), m_a=0.1057, m_b=0.000511, flavour_a="mu", flavour_b="e")


# --------------------------------------------------------------------------------- the kernel of reconstruct
@jitable
def _norm3(p):
    return math.sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2])


@jitable
def _dot3(p, q):
    return p[0] * q[0] + p[1] * q[1] + p[2] * q[2]


@jitable
def _m2_1(p):
    return p[3] ** 2 - p[0] ** 2 - p[1] ** 2 - p[2] ** 2


@jitable
def _angle_1(p, q):
    c = _dot3(p, q) / (_norm3(p) * _norm3(q))
    return math.acos(min(max(c, -1.0), 1.0))


@jitable
def _observables_1(K, a, bm, bp, out, o, bb, Ka, t):
    """``kaon_decay_observables`` of one event into ``out[o:o + 8]`` (order ``_OBS``; [S4] eq. (18)-(21), see that
    function); ``bb``, ``Ka``, ``t``: scratch four-vectors."""
    for c in range(4):
        bb[c] = bm[c] + bp[c]
        Ka[c] = K[c] - a[c]
    out[o] = math.sqrt(max(_m2_1(bb), 0.0))
    out[o + 1] = _m2_1(Ka)
    for c in range(4):
        t[c] = Ka[c] - bb[c]
    out[o + 2] = _m2_1(t)
    for c in range(4):
        t[c] = K[c] - bb[c]
    out[o + 3] = _m2_1(t)
    for c in range(4):
        t[c] = a[c] + bb[c]
    out[o + 4] = _m2_1(t)
    out[o + 5] = _angle_1(bm, bp)
    out[o + 6] = _angle_1(bb, K)
    out[o + 7] = bb[3]


@jitable
def _p4_from_1(p, tx, ty, mass, out):
    norm = math.sqrt(1.0 + tx * tx + ty * ty)
    pz = p / norm
    out[0] = pz * tx
    out[1] = pz * ty
    out[2] = pz
    out[3] = math.sqrt(p * p + mass * mass)


@jitable
def _track_xy(p4, origin, q, z):
    """``track_position`` of one track at plane z: (x, y), NaN where the plane is upstream or the track goes back."""
    px, py, pz = p4[0], p4[1], p4[2]
    tx, ty = px / pz, py / pz
    tx_after = (px - q * PT_KICK_MNP33) / pz
    z_start = origin[2]
    z_m = max(Z_MNP33, z_start)
    before = min(z, z_m) - z_start
    after = max(z - z_m, 0.0)
    if z < z_start or pz <= 0:
        return math.nan, math.nan
    return origin[0] + tx * before + tx_after * after, origin[1] + ty * (z - z_start)


@jitable
def _track_accepted(p4, origin, q, muon, p_min, p_min_muon):
    """(STRAW and RICH acceptance and p > p_min, identified) of one track: ``in_straw_acceptance`` &
    ``in_rich_acceptance``, and ``in_lkr_acceptance`` (e) or ``in_muv3_acceptance`` with p > p_min_muon (mu).

    The radius cuts compare squares (x^2 + y^2 > R^2) where the NumPy functions call ``hypot``: the same cut up to
    the rounding of a track exactly on a circle (libm's hypot cost 0.3 of this kernel's 0.76 us per event); the
    flags equal the NumPy ones on every event of tests/detectors/test_na62_kernel.py. A track that fails a
    chamber stops there (it is neither accepted nor identified)."""
    h = STRAW_VIEW_HOLE_HALF
    r2 = math.sqrt(2.0)
    for i in range(4):
        x, y = _track_xy(p4, origin, q, Z_STRAW[i])
        xs = x - X_STRAW_HOLE_CENTRE[i]
        us, vs = (xs - y) / r2, (xs + y) / r2
        two_views = (abs(xs) > h or abs(y) > h) and (abs(us) > h or abs(vs) > h)
        if not (two_views and xs * xs + y * y > h * h and x * x + y * y < R_STRAW_OUTER * R_STRAW_OUTER):
            return False, False
    x, y = _track_xy(p4, origin, q, Z_RICH_FRONT)
    p = _norm3(p4)
    xr = x - X_RICH_FRONT_CENTRE
    s = xr * xr + y * y > R_RICH_INNER * R_RICH_INNER and p > p_min
    if muon:
        x, y = _track_xy(p4, origin, q, Z_MUV3)
        ident = (abs(x) < HALF_SIZE_MUV3 + 0.5 * _MUV3_GAP and abs(y) < HALF_SIZE_MUV3
                 and x * x + y * y > R_MUV3_HOLE * R_MUV3_HOLE and p > p_min_muon)
    else:
        x, y = _track_xy(p4, origin, q, Z_LKR)
        ax, ay = abs(x), abs(y)
        a = LKR_OCTAGON_APOTHEM
        ident = x * x + y * y > R_LKR_INNER * R_LKR_INNER and ax < a and ay < a and ax + ay < math.sqrt(2.0) * a
    return s, ident


@jitable
def _smear_track_1(p4, origin, mass, g, par, r, pt, t):
    """``smear_tracks`` of one track with its 5 normals ``g``: reconstructed four-momentum ``r``, point at STRAW1
    ``pt`` and slopes ``t``."""
    p = _norm3(p4)
    p_r = p * (1.0 + math.hypot(par[3], par[4] * p / u.GeV) * g[0])
    tx = p4[0] / p4[2]
    ty = p4[1] / p4[2]
    dz = Z_STRAW[0] - origin[2]
    st = math.hypot(par[5] * u.GeV / p, par[6])
    t[0] = tx + st * g[1]
    t[1] = ty + st * g[2]
    pt[0] = origin[0] + tx * dz + par[7] * g[3]
    pt[1] = origin[1] + ty * dz + par[7] * g[4]
    pt[2] = Z_STRAW[0]
    _p4_from_1(p_r, t[0], t[1], mass, r)


@jitable
def _closest_1(x1, t1, x2, t2):
    """``closest_approach`` of one pair of lines: (z of the midpoint of the closest points, their distance)."""
    w0x, w0y, w0z = x1[0] - x2[0], x1[1] - x2[1], x1[2] - x2[2]
    a = t1[0] * t1[0] + t1[1] * t1[1] + 1.0 * 1.0
    b = t1[0] * t2[0] + t1[1] * t2[1] + 1.0 * 1.0
    c = t2[0] * t2[0] + t2[1] * t2[1] + 1.0 * 1.0
    d = t1[0] * w0x + t1[1] * w0y + 1.0 * w0z
    e = t2[0] * w0x + t2[1] * w0y + 1.0 * w0z
    den = a * c - b * b
    s = (b * e - c * d) / den
    t = (a * e - b * d) / den
    p1x, p1y, p1z = x1[0] + s * t1[0], x1[1] + s * t1[1], x1[2] + s * 1.0
    p2x, p2y, p2z = x2[0] + t * t2[0], x2[1] + t * t2[1], x2[2] + t * 1.0
    dx, dy, dz = p1x - p2x, p1y - p2y, p1z - p2z
    return 0.5 * (p1z + p2z), math.sqrt(dx * dx + dy * dy + dz * dz)


@jit(nogil=True)  # blocks are reconstructed in parallel threads (gen.sources.meson_decay_run)
def _reco_kernel(pK, pa, pbm, pbp, vK, vZ, gK, ga, gbm, gbp, par, muon_a, muon_b, flo, flags):  # pragma: no cover
    """Per-event body of :func:`reconstruct` (NA62 frame inputs; its docstring; the formulas and their sources are
    those of the NumPy functions each step names). ``par`` = (gtk_sigma_p_rel,
    gtk_sigma_theta, gtk_sigma_pos, straw_a, straw_b, straw_theta_ms, straw_theta_0, straw_sigma_pos, p_min,
    p_min_muon, m_K, m_a, m_b). ``flo`` (n, 22): truth and reconstructed ``_OBS``, then vtx_bb_z, vtx_bb_cda,
    vtx_Ka_z, vtx_Ka_cda, truth_vtx_bb_z, truth_vtx_Ka_z; ``flags`` (n, 2): acc_straw, accepted."""
    n = pK.shape[0]
    rK = np.empty(4)
    ra = np.empty(4)
    rbm = np.empty(4)
    rbp = np.empty(4)
    ptK = np.empty(3)
    pta = np.empty(3)
    ptbm = np.empty(3)
    ptbp = np.empty(3)
    tK = np.empty(2)
    ta = np.empty(2)
    tbm = np.empty(2)
    tbp = np.empty(2)
    bb = np.empty(4)
    Ka = np.empty(4)
    t = np.empty(4)
    for i in range(n):
        _observables_1(pK[i], pa[i], pbm[i], pbp[i], flo[i], 0, bb, Ka, t)
        # smear_kaon: |p| (1 + sigma g0), slopes + sigma g1, g2, position at GTK3 sigma g3, g4; on shell (m_K)
        K = pK[i]
        g = gK[i]
        p = _norm3(K)
        p_r = p * (1.0 + par[0] * g[0])
        tK[0] = K[0] / K[2] + par[1] * g[1]
        tK[1] = K[1] / K[2] + par[1] * g[2]
        ptK[0] = par[2] * g[3]
        ptK[1] = par[2] * g[4]
        ptK[2] = Z_GTK[2]
        _p4_from_1(p_r, tK[0], tK[1], par[10], rK)
        _smear_track_1(pa[i], vK[i], par[11], ga[i], par, ra, pta, ta)
        _smear_track_1(pbm[i], vZ[i], par[12], gbm[i], par, rbm, ptbm, tbm)
        _smear_track_1(pbp[i], vZ[i], par[12], gbp[i], par, rbp, ptbp, tbp)
        _observables_1(rK, ra, rbm, rbp, flo[i], 8, bb, Ka, t)
        flo[i, 16], flo[i, 17] = _closest_1(ptbm, tbm, ptbp, tbp)
        flo[i, 18], flo[i, 19] = _closest_1(ptK, tK, pta, ta)
        flo[i, 20] = vZ[i, 2]
        flo[i, 21] = vK[i, 2]
        acc_straw = True
        acc = True
        for j in range(3):
            if j == 0:
                s, ident = _track_accepted(pa[i], vK[i], 1.0, muon_a, par[8], par[9])
            elif j == 1:
                s, ident = _track_accepted(pbp[i], vZ[i], 1.0, muon_b, par[8], par[9])
            else:
                s, ident = _track_accepted(pbm[i], vZ[i], -1.0, muon_b, par[8], par[9])
            acc_straw = acc_straw and s
            acc = acc and s and ident
        flags[i, 0] = acc_straw
        flags[i, 1] = acc


# --------------------------------------------------------------------------------- sensitivity
# [S4] Table I: kaon decays in the fiducial volume and acceptance per trigger stream (l_b flavour).
SEED004_TABLE_I = {"e": {"n_K_fid": 2.14e11, "acceptance": 0.04},
                   "mu": {"n_K_fid": 7.94e11, "acceptance": 0.10}}
# [S4] below eq. (26): average distance from production to the end of the detector.
L_AVG_SEED004 = 37.5 * u.m


def p_dec_crude(L_N, L_Zp, br_N_to_nu_Zp, br_Zp_to_bb, L_avg: float = L_AVG_SEED004):
    """[S4] eq. (26): (1 - e^{-<L>/L_N}) BR(N -> nu Z') (1 - e^{-<L>/L_Z'}) BR(Z' -> bb).

    L_N, L_Zp are lab decay lengths (cm); <L> = 37.5 m by default.
    """
    return (-np.expm1(-L_avg / np.asarray(L_N, dtype=float)) * br_N_to_nu_Zp
            * -np.expm1(-L_avg / np.asarray(L_Zp, dtype=float)) * br_Zp_to_bb)


def ses_U2_eq25(flavour_b: str, p_dec, rho: float = 1.0, br_K_to_mu_nu: float | None = None):
    """[S4] eq. (25): |U_mu h|^2 = 1 / (N_K^Fid A_b BR(K -> mu nu) rho P_dec) at fixed P_dec.

    Eq. (25) as printed has no Shrock factor (rho = 1); pass ``rho = shrock_rho(...)`` for
    BR(K -> mu N) = |U|^2 rho BR(K -> mu nu) (the paper's text below eq. (17)).
    """
    t = SEED004_TABLE_I[flavour_b]
    br = const.BR_K_to_mu_nu if br_K_to_mu_nu is None else br_K_to_mu_nu
    with np.errstate(divide="ignore"):
        return 1.0 / (t["n_K_fid"] * t["acceptance"] * br * rho * np.asarray(p_dec, dtype=float))


def solve_ses_U2(flavour_b: str, p_dec_of_U2, rho: float = 1.0, lo: float = 1e-16, hi: float = 1.0):
    """Solve eq. (25) when P_dec depends on |U|^2 (N's width scales with |U_mu h|^2, eq. (22)).

    Finds U2 with U2 * N_K A BR rho P_dec(U2) = 1 (monotone in U2). Returns nan if even U2 = hi
    gives less than one event.
    """
    t = SEED004_TABLE_I[flavour_b]
    scale = t["n_K_fid"] * t["acceptance"] * const.BR_K_to_mu_nu * rho

    def f(lu):
        events = 10**lu * scale * float(p_dec_of_U2(10**lu))
        return math.log(max(events, 1e-300))

    llo, lhi = math.log10(lo), math.log10(hi)
    if f(lhi) < 0.0:
        return float("nan")
    if f(llo) > 0.0:
        return lo
    return 10 ** optimize.brentq(f, llo, lhi, xtol=1e-10)
