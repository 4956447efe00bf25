"""gen.sources.meson_decay: NA62 events through the general decay cascade (every N decay route of the decay table).

(a) light-Z' card: the general path against the dedicated kernel (the test oracle tests/oracles/na62_dedicated.py,
    hnlgen's NA62 generator before issue 12), two independent samples:
    totals within 4 sigma of their MC errors, chi2 of reconstructed m_ll and m2_N (accepted events), true N
    decay z and the l- energy share E_l-/E_Z'; the Z' direction about the exact N spin axis and the moment of
    the Z' helicity interference (the observables that tell an exact spin treatment from an approximate one);
(b) heavy-Z' card (cards/na62_heavy_zprime.toml, N -> nu e+ e- three-body): the total weight against
    N_fid BR(K -> mu N) BR(N -> nu e e) <P_decay> by quadrature over the kaon momentum, decay point and the N
    direction, and the m_ee distribution against dGamma/dm_ee^2 of the decay table's |M|^2 integrated over
    the other Dalitz variable;
(c) four-momentum conservation at every vertex and flights along the parent momentum; the vertex records
    vtx_K, vtx_N, vtx_Zp, vtx_pair (x, y, z, t) are the particle list's production vertices bit for bit, the same
    in both generation paths and in a written (and a reweighted) file;
(d) the same events for two chunk sizes; route shares, metadata, reweighter refusal of dedicated-path files.

Tolerances: totals 4 sigma of the combined MC error (sqrt(sum w^2 - S^2/n)); distributions: chi2 with the
per-bin variances sum w^2 of both samples (or of the sample against a computed expectation), pass at
p > 1e-3 (fixed seeds, so a pass is reproducible). A wrong spin treatment fails the spin test of (a): the
lab-longitudinal projection of the N polarisation cuts the Z' slope to about a quarter, a Z' decay without
the helicity interference (the dedicated kernel before it used the exact chain |M|^2) has a zero moment,
33 standard errors from the exact one (gen.sources.meson_decay and tests/oracles/na62_dedicated.py docstrings).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import awkward as ak
import na62_dedicated as oracle  # tests/oracles (pytest pythonpath)
import numpy as np
import pytest
import vector
from scipy import stats

from gen.card import load_card
from gen.core import rng as R
from gen.sources.meson_decay_run import NA62_PATH, ZPRIME_ONLY_SHARE, NA62Setup, generate_na62
from physics import constants as const
from physics import units as u
from physics.meson_decays import MESONS

vector.register_awkward()  # (ev.bm + ev.bp).mass; not left to whichever module imported it first

ROOT = Path(__file__).resolve().parents[2]
LIGHT = ROOT / "cards" / "na62_light_zprime.toml"
HEAVY = ROOT / "cards" / "na62_heavy_zprime.toml"
P_MIN = 1e-3
N_LIGHT = 120_000
N_HEAVY = 30_000

_CACHE: dict = {}
PATH_DEDICATED, PATH_GENERAL = "dedicated", NA62_PATH  # the oracle, hnlgen's generator


def _np(x) -> np.ndarray:
    return np.asarray(ak.to_numpy(x), dtype=np.float64)


def _light(path):
    key = ("light", path)
    if key not in _CACHE:
        card = load_card(LIGHT)
        if path == PATH_DEDICATED:
            _CACHE[key] = ak.concatenate(list(oracle.iter_generate_dedicated(card, N_LIGHT, 101, reconstruct=True)))
        else:
            _CACHE[key] = generate_na62(card, N_LIGHT, seed=202, reconstruct=True)
    return _CACHE[key]


def _heavy():
    if "heavy" not in _CACHE:
        card = load_card(HEAVY)
        _CACHE["heavy"] = (card, NA62Setup(card), generate_na62(card, N_HEAVY, seed=303, reconstruct=True))
    return _CACHE["heavy"]


def _total(w):
    s = float(w.sum())
    return s, math.sqrt(max(float((w * w).sum()) - s * s / len(w), 0.0))


def _chi2_two(x1, w1, x2, w2, edges, min_entries=20):
    """chi2 and p-value of two weighted histograms (absolute normalisation), bins with enough entries."""
    h1, _ = np.histogram(x1, edges, weights=w1)
    v1, _ = np.histogram(x1, edges, weights=w1 * w1)
    h2, _ = np.histogram(x2, edges, weights=w2)
    v2, _ = np.histogram(x2, edges, weights=w2 * w2)
    c1, _ = np.histogram(x1[w1 > 0], edges)
    c2, _ = np.histogram(x2[w2 > 0], edges)
    ok = (c1 >= min_entries) & (c2 >= min_entries)
    chi2 = float((((h1 - h2) ** 2)[ok] / (v1 + v2)[ok]).sum())
    return chi2, int(ok.sum()), stats.chi2.sf(chi2, int(ok.sum()))


# ------------------------------------------------------------------------------------------- path choice
def test_public_api_is_pinned():
    import gen.sources.meson_decay as g

    names = {"NA62Beam", "fv_decay_probability", "mean_fv_decay_probability", "truncated_flight",
             "truncated_flight_uniform", "na62_production_kernel", "generate_na62_production", "NA62GeneralDecays",
             "build_general_decays", "nu_zprime_route_brs", "na62_general_flights", "generate_na62_general",
             "general_events_to_awkward", "EventColumns", "NA62Uniforms", "draw_na62_uniforms", "NA62Workspace",
             "generate_na62_into", "NA62_LIST_P4", "NA62_LIST_VERTICES", "compact_templates"}
    assert set(g.__all__) == names
    assert all(hasattr(g, n) for n in names)


def test_route_shares():
    light, heavy = NA62Setup(load_card(LIGHT)), _heavy()[1]
    assert light.path == heavy.path == PATH_GENERAL
    # the m_ll histogram resolves the on-shell peak only where N -> nu Z' -> nu l l is the whole final state
    assert light.zprime_only and not heavy.zprime_only
    assert light.histogram_edges()["m_ll"][-1] == pytest.approx(2 * light.m_Zp)
    assert heavy.histogram_edges()["m_ll"][-1] == pytest.approx(heavy.m_N)
    # light Z': the three-body N -> nu e e with the Z' diagram left out is ~1e-15 of the final state
    assert light.other_routes_share < 1e-12
    assert light.br_route == pytest.approx(light.general.br_final_state, rel=1e-12)
    # heavy Z': no on-shell Z', every e+e- event from the three-body decay
    assert heavy.br_route == 0.0 and heavy.other_routes_share == 1.0
    assert light.other_routes_share < ZPRIME_ONLY_SHARE


# ------------------------------------------------------------------------ (a) general vs dedicated kernel
def test_light_zprime_totals_agree():
    a, b = _light(PATH_DEDICATED), _light(PATH_GENERAL)
    for f in ("weight", "weight_accepted"):
        (sa, ea), (sb, eb) = _total(_np(a[f])), _total(_np(b[f]))
        assert abs(sa - sb) < 4 * math.hypot(ea, eb), (f, sa, ea, sb, eb)
    # the general path's decay-in-volume probability is the product of the dedicated kernel's two factors
    np.testing.assert_allclose(_np(b.P_dec), _np(b.P_dec_N) * _np(b.P_dec_Zp), rtol=1e-14)


@pytest.mark.parametrize("obs,edges,accepted", [
    ("m_ll", np.linspace(0.096, 0.104, 17), True),  # reconstructed peaks: ~8 % of the events are accepted
    ("m2_N", np.linspace(0.0875, 0.0925, 17), True),
    ("vtx_N_z", np.linspace(10500.0, 18000.0, 26), False),
    ("x_bm", np.linspace(0.0, 1.0, 11), False),
])
def test_light_zprime_distributions_agree(obs, edges, accepted):
    a, b = _light(PATH_DEDICATED), _light(PATH_GENERAL)

    def get(ev):
        if obs == "vtx_N_z":
            x = _np(ev.vtx_N.z)
        elif obs == "x_bm":
            x = _np(ev.bm.E) / _np(ev.Zp.E)
        else:
            x = np.nan_to_num(_np(ev[obs]), nan=-1.0)
        return x, _np(ev.weight_accepted if accepted else ev.weight)

    chi2, ndf, p = _chi2_two(*get(a), *get(b), edges)
    assert ndf >= 8 and p > P_MIN, (obs, chi2, ndf)


def _rest(q, P):
    """q in the rest frame of P (pure boost), rows (px, py, pz, E)."""
    m = np.sqrt(np.maximum(P[:, 3] ** 2 - (P[:, :3] ** 2).sum(1), 0))
    b = P[:, :3] / P[:, 3:4]
    g = P[:, 3] / m
    bq = (b * q[:, :3]).sum(1)
    b2 = (b * b).sum(1)
    v = q[:, :3] + (np.where(b2 > 0, (g - 1) * bq / np.where(b2 > 0, b2, 1), 0) - g * q[:, 3])[:, None] * b
    return np.column_stack([v, g * (q[:, 3] - bq)])


def _unit(v):
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _spin_observables(ev, m_N):
    """(cos theta_Z', f) per event: the Z' direction in the N rest frame about the N spin axis (N's direction in
    the kaon frame), and f = sin(2 theta*) cos(phi*) of the l- in the Z' rest frame (z* the Z' flight axis,
    x* along the N spin's component perpendicular to it): <f> is the interference of Z' helicities 0 and -1
    (validation/notes_zprime_polarisation.md sec. 3), zero for a kernel that draws the helicities incoherently."""
    K, N, nu, Z, bm = (np.column_stack([_np(ev[k][c]) for c in ("px", "py", "pz", "E")]) for k in ("K", "N", "nu", "Zp", "bm"))
    NK, nuK, ZK, bK = (_rest(x, K) for x in (N, nu, Z, bm))
    cz = (_unit(_rest(ZK, NK)[:, :3]) * _unit(NK[:, :3])).sum(1)
    zs = -_unit(_rest(nuK, ZK)[:, :3])
    sN = np.column_stack([_unit(NK[:, :3]) * (NK[:, 3:4] / m_N), np.linalg.norm(NK[:, :3], axis=1) / m_N])
    sz = _rest(sN, ZK)[:, :3]
    xs = _unit(sz - (sz * zs).sum(1, keepdims=True) * zs)
    lep = _unit(_rest(bK, ZK)[:, :3])
    ct = (lep * zs).sum(1)
    phi = np.arctan2((lep * np.cross(zs, xs)).sum(1), (lep * xs).sum(1))
    return cz, 2 * ct * np.sqrt(1 - ct**2) * np.cos(phi)


def test_light_zprime_exact_n_spin_and_zprime_helicity_interference():
    """Unweighted events (the decay angles are sampled without weights): the Z' direction about the exact N
    spin axis follows (1 + alpha P c)/2, i.e. 3 <c> = alpha P (P from K+ -> mu+ N, alpha = (1 - 2r)/(1 + 2r));
    the lab-longitudinal projection of P would give about a quarter of the slope (<pol_N_lab/P> = 0.28). The
    helicity-interference moment <f> is the same on both paths and far from zero (-0.046 +- 0.0014 at
    120k events; 0.001 +- 0.0014 for the dedicated kernel before it used the exact chain |M|^2)."""
    setup = NA62Setup(load_card(LIGHT))
    r = (setup.m_Zp / setup.m_N) ** 2
    slope = (1 - 2 * r) / (1 + 2 * r) * setup.polarisation_N
    f_mean = []
    for path in (PATH_DEDICATED, PATH_GENERAL):
        cz, f = _spin_observables(_light(path), setup.m_N)
        n = len(cz)
        assert abs(3 * cz.mean() - slope) < 4 * 3 * cz.std() / math.sqrt(n), (path, 3 * cz.mean(), slope)
        f_mean.append((f.mean(), f.std() / math.sqrt(n)))
    (fa, ea), (fb, eb) = f_mean
    assert abs(fa - fb) < 4 * math.hypot(ea, eb)
    assert abs(fa) > 10 * ea and abs(fb) > 10 * eb


# ------------------------------------------------------------------------------------ (b) heavy Z' card
def _br_nu_ee(table, hnl="N4"):
    light = {"nue", "numu", "nutau", "nus"}
    light |= {x + "bar" for x in light}
    return sum(ch.br for ch in table[hnl].channels
               if len(ch.daughters) == 3 and sorted(ch.daughters)[:2] == ["e+", "e-"] and ch.daughters[0] in light)


def _mean_decay_probability(setup) -> float:
    """<P(N decays before z_end)> over the NA62 beam, by quadrature (independent of the generator's kernels):
    Gauss-Hermite in the kaon momentum (weight P_FV(p)/<P_FV>), Gauss-Legendre in the kaon decay point
    (density exp(-z/lambda_K) on the fiducial volume) and in cos theta* of N in the kaon frame (isotropic).
    P = 1 - exp(-(z_end - z_K) m_N / (p_Nz c tau0)), p_Nz = gamma (p* cos theta* + beta E*)."""
    beam, mN = setup.beam, setup.m_N
    mK = MESONS["K+"]["mass"]
    ctauK = MESONS["K+"]["tau"] * u.c_light
    ctauN = float(setup.table[setup.hnl].ctau0_cm)
    z1, z2, z_end = beam.z_fv_begin, beam.z_fv_end, beam.z_decay_end
    ma = setup.m_a
    pstar = math.sqrt((mK**2 - (mN + ma) ** 2) * (mK**2 - (mN - ma) ** 2)) / (2 * mK)
    Estar = math.sqrt(pstar**2 + mN**2)
    xh, wh = np.polynomial.hermite_e.hermegauss(48)
    xl, wl = np.polynomial.legendre.leggauss(48)
    num = den = 0.0
    for x, w in zip(xh, wh):
        pK = beam.p0 * (1 + beam.sigma_rel * x)
        lam = ctauK * pK / mK
        pfv = math.exp(-z1 / lam) - math.exp(-z2 / lam)
        EK = math.hypot(pK, mK)
        zK = 0.5 * (z2 - z1) * xl + 0.5 * (z2 + z1)
        wz = 0.5 * (z2 - z1) * wl * np.exp(-zK / lam) / (lam * pfv)
        c = xl
        pNz = (EK / mK) * (pstar * c + (pK / EK) * Estar)
        P = -np.expm1(-(z_end - zK)[:, None] * mN / (pNz[None, :] * ctauN))
        inner = float(np.sum(wz[:, None] * (0.5 * wl)[None, :] * P))
        num += w * pfv * inner
        den += w * pfv
    return num / den


def test_heavy_zprime_total_weight_is_exposure_times_brs_times_decay_probability():
    card, setup, ev = _heavy()
    br_ee = _br_nu_ee(setup.table)
    assert br_ee > 0.5  # an observable three-body rate (card comment: 0.89)
    assert setup.general.br_final_state == pytest.approx(br_ee, rel=1e-12)
    expected = setup.n_parent_decays * setup.br_production * br_ee * _mean_decay_probability(setup)
    s, e = _total(_np(ev.weight))
    assert abs(s - expected) < 4 * e, (s, e, expected)
    assert e / s < 0.01
    # every event is a three-body decay N -> nu e+ e- at the N vertex: no Z' in the cascade
    assert np.all(_np(ev.Zp.E) == 0.0)
    np.testing.assert_array_equal(_np(ev.vtx_pair.z), _np(ev.vtx_N.z))


def _dGamma_dm23sq(me2, M, m, edges, nq=8, nr=32):
    """Integral of |M|^2 (spin average) over m12^2 at fixed m23^2, integrated over each m23^2 bin, for
    M -> 1 2 3 with masses m; momenta built here in the parent rest frame (1 along z)."""
    m1, m2, m3 = m
    xg, wg = np.polynomial.legendre.leggauss(nq)
    tg, tw = np.polynomial.legendre.leggauss(nr)
    out = np.zeros(len(edges) - 1)
    for i in range(len(edges) - 1):
        s23 = 0.5 * (edges[i + 1] - edges[i]) * xg + 0.5 * (edges[i + 1] + edges[i])
        w23 = 0.5 * (edges[i + 1] - edges[i]) * wg
        m23 = np.sqrt(s23)
        E2s = (s23 - m3**2 + m2**2) / (2 * m23)
        E1s = (M**2 - s23 - m1**2) / (2 * m23)
        p2s = np.sqrt(np.maximum(E2s**2 - m2**2, 0))
        p1s = np.sqrt(np.maximum(E1s**2 - m1**2, 0))
        lo = (E1s + E2s) ** 2 - (p1s + p2s) ** 2
        hi = (E1s + E2s) ** 2 - (p1s - p2s) ** 2
        th = 0.5 * np.pi * (tg + 1)  # s12 = lo + (hi - lo)(1 - cos th)/2 removes the square-root ends
        S23 = np.repeat(s23, nr)
        W = np.repeat(w23 * (hi - lo) / 2, nr) * np.tile(0.5 * np.pi * tw * np.sin(th), nq)
        S12 = np.repeat(lo, nr) + np.repeat(hi - lo, nr) * (1 - np.cos(np.tile(th, nq))) / 2
        E1 = (M**2 + m1**2 - S23) / (2 * M)
        E3 = (M**2 + m3**2 - S12) / (2 * M)
        E2 = M - E1 - E3
        k1 = np.sqrt(np.maximum(E1**2 - m1**2, 0))
        k3 = np.sqrt(np.maximum(E3**2 - m3**2, 0))
        k2sq = np.maximum(E2**2 - m2**2, 0)
        c13 = np.clip((k2sq - k1**2 - k3**2) / np.maximum(2 * k1 * k3, 1e-300), -1, 1)
        z = np.zeros_like(E1)
        q1 = np.column_stack([z, z, k1, E1])
        q3 = np.column_stack([k3 * np.sqrt(1 - c13**2), z, k3 * c13, E3])
        q2 = np.column_stack([-q3[:, 0], z, -k1 - q3[:, 2], E2])
        out[i] = float(np.sum(W * me2(q1, q2, q3, np.zeros((len(E1), 3)))))
    return out


def test_heavy_zprime_m_ee_follows_the_three_body_matrix_element():
    card, setup, ev = _heavy()
    ch = next(c for c in setup.table["N4"].channels if c.daughters == ("numu", "e+", "e-"))
    me = 0.000510998950
    M = setup.m_N
    m_ee = _np((ev.bm + ev.bp).mass)
    w = _np(ev.weight)
    edges2 = np.linspace(4 * me**2, M**2, 21)
    expect = _dGamma_dm23sq(ch.me2, M, (0.0, me, me), edges2)
    h, _ = np.histogram(m_ee**2, edges2, weights=w)
    v, _ = np.histogram(m_ee**2, edges2, weights=w * w)
    pred = w.sum() * expect / expect.sum()
    ok = v > 0
    chi2 = float((((h - pred) ** 2) / np.where(ok, v, 1.0))[ok].sum())
    assert ok.sum() >= 15 and stats.chi2.sf(chi2, int(ok.sum()) - 1) > P_MIN, chi2
    # the shape is not phase space: the |M|^2 weighting moves the mean m_ee^2 by many standard errors
    flat = _dGamma_dm23sq(lambda q1, q2, q3, s: np.ones(len(q1)), M, (0.0, me, me), edges2)
    c = 0.5 * (edges2[1:] + edges2[:-1])
    mean_w = np.sum(h * c) / np.sum(h)
    sem = math.sqrt(np.sum(v * (c - mean_w) ** 2)) / np.sum(h)
    assert abs(np.sum(flat * c) / flat.sum() - mean_w) > 5 * sem


# --------------------------------------------------------------------- (c) conservation at every vertex
@pytest.mark.parametrize("which", ["heavy", "light"])
def test_four_momentum_conservation_at_every_vertex(which):
    ev = _heavy()[2] if which == "heavy" else _light(PATH_GENERAL)
    parts = ev.particles[:4000]
    counts = ak.to_numpy(ak.num(parts))
    off = np.concatenate([[0], np.cumsum(counts)])
    flat = ak.flatten(parts)
    p4 = np.column_stack([_np(flat[c]) for c in ("px", "py", "pz", "E")])
    x4 = np.column_stack([_np(flat[c]) for c in ("x", "y", "z", "t")])
    status = ak.to_numpy(flat.status)
    parent = ak.to_numpy(flat.parent).astype(np.int64)
    gparent = np.where(parent >= 0, parent + np.repeat(off[:-1], counts), -1)
    dec = np.nonzero(status == 2)[0]
    assert len(dec) >= 2 * len(counts)  # K and N decay in every event
    summed = np.zeros_like(p4)
    has = gparent >= 0
    np.add.at(summed, gparent[has], p4[has])
    # relative to the parent energy. At the K vertex the l_a and N rows come from two boosts whose kaon mass
    # is sqrt(E_K^2 - p_K^2), rounded at 1e-16 (E_K/m_K)^2 ~ 2.5e-12: hence 1e-11; below it 1e-13
    scale = p4[dec, 3][:, None]
    is_k = np.isin(dec, off[:-1])
    np.testing.assert_allclose(summed[dec][is_k] / scale[is_k], p4[dec][is_k] / scale[is_k], rtol=0, atol=1e-11)
    np.testing.assert_allclose(summed[dec][~is_k] / scale[~is_k], p4[dec][~is_k] / scale[~is_k], rtol=0, atol=1e-13)
    # final particles are on shell (|E^2 - p^2| relative to E^2) and every daughter of a decay starts at
    # one point, displaced from the parent's production point along the parent's momentum
    mass = {11: const.m_e, 13: const.m_mu, 12: 0.0, 14: 0.0, 16: 0.0, 18: 0.0}
    fin = status == 1
    m_fin = np.array([mass[abs(int(c))] for c in ak.to_numpy(flat.pdg)[fin]])
    m2 = p4[fin, 3] ** 2 - np.sum(p4[fin, :3] ** 2, axis=1)
    assert np.all(np.abs(m2 - m_fin**2) < 1e-11 * p4[fin, 3] ** 2)
    d = x4[has] - x4[gparent[has]]
    pp = p4[gparent[has]]
    cross = np.cross(d[:, :3], pp[:, :3])
    assert np.all(np.linalg.norm(cross, axis=1) <= 1e-9 * np.linalg.norm(d[:, :3], axis=1) * np.linalg.norm(pp[:, :3], axis=1) + 1e-9)
    # time of flight = distance / (beta c)
    dist = np.linalg.norm(d[:, :3], axis=1)
    beta = np.linalg.norm(pp[:, :3], axis=1) / pp[:, 3]
    np.testing.assert_allclose(d[:, 3], dist / (beta * u.c_light * u.ns), rtol=1e-9, atol=1e-9)
    # the named fields are the particle-list entries; the pair's vertex is before the end of the volume
    assert np.all(_np(ev.vtx_pair.z)[:4000] <= 18000.0 + 1e-6)


# ------------------------------------------------------- (c) the vertex records are the particle list's vertices
_XYZT = ("x", "y", "z", "t")
N_VERTEX = 8000


def _bits(a) -> np.ndarray:
    """float64 values as their bit patterns (exact comparison, -0.0 and 0.0 told apart)."""
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def _vertex_record(ev, name) -> np.ndarray:
    rec = ev[name]
    assert rec.fields == list(_XYZT), (name, rec.fields)
    for c in _XYZT:
        assert ak.to_numpy(rec[c]).dtype == np.float64, (name, c)
    return np.column_stack([ak.to_numpy(rec[c]) for c in _XYZT])


def _check_vertex_records(ev, pdg_N) -> dict:
    """Per event, ``vtx_K``, ``vtx_N``, ``vtx_Zp``, ``vtx_pair`` (x, y, z, t) are bit for bit the production vertex of
    the particle-list entries produced there, found by parent index in the list: the daughters of particle 0 (the
    parent meson), of the N (the daughter of particle 0 with PDG ``pdg_N``) and of the first Z' (PDG 32) of the
    list, and the final-state entry whose four-momentum is the ``bm`` record (the l_b-). An N without daughters or
    an event without Z' has a zero record. Returns how many events have N daughters and a Z'."""
    n = len(ev)
    counts = ak.to_numpy(ak.num(ev.particles)).astype(np.int64)
    off = np.concatenate([[0], np.cumsum(counts)[:-1]])
    flat = ak.flatten(ev.particles)
    pdg, status = ak.to_numpy(flat.pdg).astype(np.int64), ak.to_numpy(flat.status)
    parent = ak.to_numpy(flat.parent).astype(np.int64)
    x4 = np.column_stack([ak.to_numpy(flat[c]).astype(np.float64) for c in _XYZT])
    p4 = np.column_stack([ak.to_numpy(flat[c]).astype(np.float64) for c in ("px", "py", "pz", "E")])
    ev_of = np.repeat(np.arange(n), counts)
    local = np.arange(len(pdg)) - off[ev_of]
    rec = {k: _vertex_record(ev, k) for k in ("vtx_K", "vtx_N", "vtx_Zp", "vtx_pair")}

    def produced_by(slot, key):
        """Daughters of the per-event list index ``slot`` (-1: none) start at ``rec[key]``; zero record without."""
        sel = (slot[ev_of] >= 0) & (parent == slot[ev_of])
        np.testing.assert_array_equal(_bits(x4[sel]), _bits(rec[key][ev_of[sel]]), err_msg=key)
        has = np.bincount(ev_of[sel], minlength=n) > 0
        assert np.all(rec[key][~has] == 0.0), key
        return has

    # vtx_K: the l_a+ and the N (particle 0's daughters, two per event)
    assert np.all(np.bincount(ev_of[parent == 0], minlength=n) == 2)
    produced_by(np.zeros(n, np.int64), "vtx_K")
    # vtx_N: the daughters of the N
    is_n = (parent == 0) & (np.abs(pdg) == pdg_N)
    assert np.all(np.bincount(ev_of[is_n], minlength=n) == 1)
    slot_n = np.full(n, -1, np.int64)
    slot_n[ev_of[is_n]] = local[is_n]
    has_n = produced_by(slot_n, "vtx_N")
    # vtx_Zp: the daughters of the first Z' of the list
    zp = np.nonzero(pdg == 32)[0]
    evs, first = np.unique(ev_of[zp], return_index=True)
    slot_z = np.full(n, -1, np.int64)
    slot_z[evs] = local[zp[first]]
    has_z = produced_by(slot_z, "vtx_Zp")
    assert np.array_equal(has_z, slot_z >= 0)  # every first Z' decays
    # vtx_pair: the final l_b-, the list entry with the four-momentum of the bm record (one per event)
    bm = np.column_stack([ak.to_numpy(ev.bm[c]).astype(np.float64) for c in ("px", "py", "pz", "E")])
    is_bm = (status == 1) & np.all(_bits(p4) == _bits(bm[ev_of]), axis=1)
    assert np.all(np.bincount(ev_of[is_bm], minlength=n) == 1)
    assert set(np.unique(pdg[is_bm])) <= {11, 13}
    np.testing.assert_array_equal(_bits(x4[is_bm]), _bits(rec["vtx_pair"][ev_of[is_bm]]))
    return {"N_decays": int(has_n.sum()), "Zp": int(has_z.sum())}


@pytest.mark.parametrize("card_path", [LIGHT, HEAVY], ids=["light", "heavy"])
def test_vertex_records_are_the_particle_list_vertices(card_path):
    """hnlgen run's path (``generate_na62_into`` into ``EventColumns``): vtx_K, vtx_N, vtx_Zp, vtx_pair, with their
    time t, equal the production vertices of the particle list bit for bit (what a reader needs to rebuild the
    list's vertices from them); light Z': every event has a Z'; heavy Z' (three-body N decay): none."""
    card = load_card(card_path)
    ev = generate_na62(card, N_VERTEX, seed=41)
    seen = _check_vertex_records(ev, NA62Setup(card).general.pdg_N)
    assert seen["N_decays"] == N_VERTEX
    assert seen["Zp"] == (N_VERTEX if card_path == LIGHT else 0)
    # the times are those of flights, not zeros: after the kaon's, later vertices are later
    t = {k: _np(ev[k].t) for k in ("vtx_K", "vtx_N", "vtx_pair")}
    assert np.all(t["vtx_K"] > 0) and np.all(t["vtx_N"] >= t["vtx_K"]) and np.all(t["vtx_pair"] >= t["vtx_N"])


def test_both_generation_paths_give_the_same_vertex_records():
    """The dict path (``generate_na62_general`` + ``general_events_to_awkward``) and the run's path
    (``generate_na62_into``) from the same uniforms: the same vertex records (x, y, z, t) bit for bit, each equal to
    the particle list's vertices; the detector input keeps (n, 3) vertices (x, y, z) in both, equal."""
    from gen.sources.meson_decay import EventColumns, NA62Workspace, general_events_to_awkward, generate_na62_into
    from gen.sources.meson_decay_run import detector_input

    setup = NA62Setup(load_card(LIGHT))
    n, S = 5000, setup.general.slots
    ws = NA62Workspace(n, S)
    ws.draw(0, n, np.random.default_rng(31), np.random.default_rng(32))
    d = setup.generate(n, None, None, exposure_per_event=1.0, uniforms=ws.uniforms(n))
    want = general_events_to_awkward(d)
    din_want = {k: np.array(v) for k, v in detector_input(d).items()}
    cols = EventColumns(n, S)
    ws.draw(0, n, np.random.default_rng(31), np.random.default_rng(32))
    got_din = generate_na62_into(cols, n, setup.general, m_N=setup.m_N, U2_aN=setup.U2_aN, flavour_a=setup.flavour_a,
                                 flavour_b=setup.flavour_b, parent=setup.parent, beam=setup.beam, exposure_per_event=1.0,
                                 uniforms=ws.uniforms(n), workspace=ws)["detector_input"]
    got = cols.to_awkward()
    for k in ("vtx_K", "vtx_N", "vtx_Zp", "vtx_pair"):
        np.testing.assert_array_equal(_bits(_vertex_record(got, k)), _bits(_vertex_record(want, k)), err_msg=k)
    for k in ("vtx_K", "vtx_Zp"):
        assert din_want[k].shape == got_din[k].shape == (n, 3)
        np.testing.assert_array_equal(_bits(got_din[k]), _bits(din_want[k]), err_msg=k)
    np.testing.assert_array_equal(din_want["vtx_Zp"], _vertex_record(want, "vtx_pair")[:, :3])
    for ev in (want, got):
        assert _check_vertex_records(ev, setup.general.pdg_N) == {"N_decays": n, "Zp": n}
    assert got.type == want.type and ak.array_equal(got, want, equal_nan=False, dtype_exact=True)


# --------------------------------------------------------------------------- (d) chunking, file, reweight
def test_uniforms_and_event_columns_reproduce_the_direct_path():
    """generate_na62_general from its two streams equals the same call on NA62Uniforms drawn from equal streams
    (bit for bit), and EventColumns filled in two parts gives the array of general_events_to_awkward."""
    from gen.sources.meson_decay import EventColumns, draw_na62_uniforms, general_events_to_awkward

    setup = _heavy()[1]
    S = setup.general.slots
    a = setup.generate(3000, np.random.default_rng(1), np.random.default_rng(2), exposure_per_event=1.0)
    uni = draw_na62_uniforms(3000, np.random.default_rng(1), np.random.default_rng(2), S)
    b = setup.generate(3000, None, None, exposure_per_event=1.0, uniforms=uni)
    for k in a:
        np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]), err_msg=k)
    first = setup.generate(1000, None, None, exposure_per_event=1.0, uniforms=type(uni)(*(x[:1000] for x in uni)))
    rest = setup.generate(2000, None, None, exposure_per_event=1.0, uniforms=type(uni)(*(x[1000:] for x in uni)))
    cols = EventColumns(3000, S)
    cols.add(first)
    with pytest.raises(ValueError, match="1000 of 3000 events filled"):
        cols.to_awkward()
    cols.add(rest)
    want = general_events_to_awkward(a, {"event": np.arange(3000)})
    got = cols.to_awkward({"event": np.arange(3000)})
    assert got.type == want.type and ak.array_equal(got, want, equal_nan=True)
    with pytest.raises(ValueError, match="give one of"):
        setup.generate(3000, None, None, exposure_per_event=1.0, n_parent_decays_fid=1.0, uniforms=uni)
    with pytest.raises(ValueError, match="uniforms: need shapes"):
        setup.generate(10, None, None, exposure_per_event=1.0, uniforms=uni)


def test_reused_workspace_gives_the_same_events():
    """A run reuses one NA62Workspace for all chunks (no per-chunk allocation): filled with garbage from other
    events (and NaN, -7), it gives bit for bit the events of fresh arrays, also for a smaller second chunk; its
    in-place draw gives the numbers of draw_na62_uniforms."""
    from gen.sources.meson_decay import (
        EventColumns,
        NA62Workspace,
        draw_na62_uniforms,
        general_events_to_awkward,
        generate_na62_into,
    )

    setup = _heavy()[1]
    S = setup.general.slots
    ws = NA62Workspace(3000, S)
    for k in ws._FIELDS:
        a = getattr(ws, k)
        a[...] = {"f": np.nan, "i": -7}.get(a.dtype.kind, 7)
    setup.generate(3000, np.random.default_rng(5), np.random.default_rng(6), exposure_per_event=1.0, workspace=ws)
    for n in (3000, 1234):
        want = setup.generate(n, np.random.default_rng(1), np.random.default_rng(2), exposure_per_event=1.0)
        ws.draw(0, n, np.random.default_rng(1), np.random.default_rng(2))
        uni = draw_na62_uniforms(n, np.random.default_rng(1), np.random.default_rng(2), S)
        for x, y in zip(ws.uniforms(n), uni):
            np.testing.assert_array_equal(x, y)
        got = setup.generate(n, None, None, exposure_per_event=1.0, uniforms=ws.uniforms(n), workspace=ws)
        a, b = general_events_to_awkward(want), general_events_to_awkward(got)
        assert a.type == b.type and ak.array_equal(a, b, equal_nan=False, dtype_exact=True)
        # the run's path: the same events written straight into the columns, in two parts
        cols = EventColumns(n, S)
        for lo, hi in ((0, n // 3), (n // 3, n)):
            ws.draw(0, hi - lo, *(np.random.default_rng(1000 * k + lo) for k in (1, 2)))
            part = setup.generate(hi - lo, None, None, exposure_per_event=1.0, uniforms=ws.uniforms(hi - lo))
            for k in ("p4_bm", "p4_bp", "vtx_K"):
                part[k] = part[k].copy()
            ws.draw(0, hi - lo, *(np.random.default_rng(1000 * k + lo) for k in (1, 2)))
            ev = generate_na62_into(cols, hi - lo, setup.general, m_N=setup.m_N, U2_aN=setup.U2_aN,
                                    flavour_a=setup.flavour_a, flavour_b=setup.flavour_b, parent=setup.parent,
                                    beam=setup.beam, exposure_per_event=1.0, uniforms=ws.uniforms(hi - lo), workspace=ws)
            np.testing.assert_array_equal(ev["weight"], part["weight"])
            din = ev["detector_input"]
            for k, v in (("p4_bm", "p4_bm"), ("p4_bp", "p4_bp"), ("vtx_K", "vtx_K"), ("vtx_Zp", "vtx_bb")):
                np.testing.assert_array_equal(din[k], part[v])
            if lo == 0:
                want_cols = EventColumns(n, S)
            want_cols.add(part)
        a, b = want_cols.to_awkward(), cols.to_awkward()
        assert a.type == b.type and ak.array_equal(a, b, equal_nan=False, dtype_exact=True)
    with pytest.raises(ValueError, match="allocated for 3000"):
        ws.take(3001)


def test_reused_columns_give_the_same_events_and_spare_held_chunks(monkeypatch):
    """``iter_generate_na62`` reuses released ``EventColumns`` (issue 16: fresh ones cost page faults): streamed with
    each chunk dropped, 6 chunks take 2 sets of columns (the last, smaller, chunk its own) and give the events of a
    run that keeps every chunk; a chunk the caller keeps is never overwritten."""
    import gen.sources.meson_decay as md
    import gen.sources.meson_decay_run as run

    card = load_card(HEAVY)
    setup = _heavy()[1]
    n, size = 5 * R.BLOCK_SIZE + 100, R.BLOCK_SIZE
    made = []
    init = md.EventColumns.__init__

    def counting(self, *a):
        made.append(a)
        init(self, *a)

    monkeypatch.setattr(md.EventColumns, "__init__", counting)
    kept = list(run.iter_generate_na62(card, n, 9, size, setup=setup, reconstruct=True))
    assert len(kept) == 6 and len(made) == 6
    want = [ak.copy(c) for c in kept]
    made.clear()
    first = None
    for i, chunk in enumerate(run.iter_generate_na62(card, n, 9, size, setup=setup, reconstruct=True)):
        assert ak.array_equal(chunk, want[i], equal_nan=True, dtype_exact=True), i
        if i == 0:
            first = chunk  # held: its columns must stay out of the pool's reuse
    assert len(made) == 4  # chunk 0 (held), chunks 1 and 2 in turn, the last one
    assert ak.array_equal(first, want[0], equal_nan=True, dtype_exact=True)
    cols = md.EventColumns(10, setup.general.slots)
    view = cols.counts[2:]
    assert cols.in_use()
    with pytest.raises(RuntimeError, match="still in use"):
        cols.reset()
    del view
    cols.reset()


def test_batches_inside_a_chunk_leave_the_events_unchanged(monkeypatch):
    """``_chunk_events`` runs the kernels on ``BLOCKS_PER_BATCH`` blocks at a time: one block per batch gives the
    events of one batch per chunk, bit for bit (detector included)."""
    import gen.sources.meson_decay_run as run

    card = load_card(HEAVY)
    setup = _heavy()[1]
    n = 2 * R.BLOCK_SIZE + 100
    want = ak.concatenate(list(run.iter_generate_na62(card, n, 9, 3 * R.BLOCK_SIZE, setup=setup, reconstruct=True)))
    monkeypatch.setattr(run, "BLOCKS_PER_BATCH", 1)
    got = ak.concatenate(list(run.iter_generate_na62(card, n, 9, 3 * R.BLOCK_SIZE, setup=setup, reconstruct=True)))
    assert got.fields == want.fields and ak.array_equal(got, want, equal_nan=True, dtype_exact=True)


def test_same_events_for_two_chunk_sizes():
    card = load_card(HEAVY)
    n = 2 * R.BLOCK_SIZE + 100
    setup = _heavy()[1]
    from gen.sources.meson_decay_run import iter_generate_na62

    a = ak.concatenate(list(iter_generate_na62(card, n, 5, R.BLOCK_SIZE, setup=setup, reconstruct=True)))
    b = ak.concatenate(list(iter_generate_na62(card, n, 5, 3 * R.BLOCK_SIZE, setup=setup, reconstruct=True)))
    assert len(a) == len(b) == n
    for f in ("weight", "weight_accepted", "m_ll", "m2_N", "vtx_bb_z"):
        np.testing.assert_array_equal(_np(a[f]), _np(b[f]))
    for f in ("px", "E", "z", "t"):
        np.testing.assert_array_equal(_np(ak.flatten(a.particles[f])), _np(ak.flatten(b.particles[f])))
    np.testing.assert_array_equal(ak.to_numpy(a.channel), ak.to_numpy(b.channel))


def test_run_writes_the_path_and_reweight_follows_it(tmp_path, capsys):
    from detectors.output.root import read_events, read_metadata
    from gen.cli.app import main
    from gen.reweight.upscattering import ReweightError, reweight

    out = tmp_path / "heavy.root"
    assert main(["run", str(HEAVY), "-n", "3000", "-o", str(out)]) == 0
    assert "through every decay-table route" in capsys.readouterr().out
    meta = read_metadata(out)
    assert meta["na62_path"] == PATH_GENERAL
    model = json.loads(meta["model"])
    assert model["na62_cascade"]["path"] == PATH_GENERAL
    ev = read_events(out)
    names = [c["daughters"] for c in model["decays"]["channels"]]
    used = {tuple(names[k]) for k in np.unique(ak.to_numpy(ev.channel))}
    assert used <= {("numu", "e+", "e-"), ("nus", "e+", "e-")} and ("numu", "e+", "e-") in used
    exp = json.loads(meta["expected_events"])["expected_events"]
    assert exp["final_state"] == pytest.approx(float(ak.sum(ev.weight)), rel=1e-12)
    # the file's na62_path picks the general-path reweighter (gen.reweight.meson_decay; tests/gen/test_na62_reweight_general.py)
    rw = reweight(out, chi=1e-3)
    assert "particles" in rw.events.fields and rw.totals["final_state"] > 0
    # the vertex records' time t: in double under the default precision (NA62 vertices stay double,
    # detectors.output.storage), titled in ns; the records read back and the reweighted ones (moved vertices) are
    # still the particle list's vertices
    import uproot

    with uproot.open(out) as f:
        tree = f["events"]
        for k in ("vtx_K", "vtx_N", "vtx_Zp", "vtx_pair"):
            for c in _XYZT:
                assert tree[f"{k}_{c}"].typename == "double", (k, c, tree[f"{k}_{c}"].typename)
            assert tree[f"{k}_t"].title.startswith(f"{k}_t [ns]: time of the ")
        assert all(not tree[k].title.endswith(("/D", "/I", "/L", "/O")) for k in tree.keys())  # every branch titled
    pdg_N = NA62Setup(load_card(HEAVY)).general.pdg_N
    _check_vertex_records(ev, pdg_N)
    _check_vertex_records(rw.events, pdg_N)
    assert not np.array_equal(_np(rw.events.vtx_N.t), _np(ev.vtx_N.t))
    # events of the dedicated kernel (hnlgen before issue 12: no particle list) are refused in one line
    with pytest.raises(ReweightError, match="na62_path = 'dedicated'.*regenerate"):
        reweight(_light(PATH_DEDICATED)[:R.BLOCK_SIZE], load_card(LIGHT), UD4=1e-6)


def test_flights_kernel_jit_parity_and_truncation(na62_handmade):
    """``na62_general_flights`` compiled vs ``.py_func`` on hand-made events (N -> nu Z', Z' -> e- e+;
    N -> nu e- e+; N -> nu Z', Z' -> nu nubar, all invisible), and the truncated flights: every visible
    vertex before z_end, P_dec = P_N P_Z' with P = 1 - exp(-l/L) for the flight length l to the end plane;
    a decay without visible products flies freely (P = 1)."""
    from gen.sources.meson_decay import na62_general_flights

    h = na62_handmade
    lab3, zK, p4, pdg, status, parent, st_of, npart, st_mass, u_fl, mN = (
        h[k] for k in ("lab3", "zK", "p4", "pdg", "status", "parent", "st_of", "npart", "st_mass", "u_fl", "mN"))
    st_ctau0 = np.array([3000.0, 50.0])
    args = (lab3, zK, p4, pdg, status, parent, st_of, npart, st_mass, st_ctau0, u_fl, 18000.0, 11)
    out = na62_general_flights(*(a.copy() if isinstance(a, np.ndarray) else a for a in args))
    with np.errstate(all="raise"):
        ref = na62_general_flights.py_func(*(a.copy() if isinstance(a, np.ndarray) else a for a in args))
    for a, b in zip(out, ref):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)
    vtx, idx, dec, prob = out
    pN = lab3[0, 2]
    L = st_ctau0[0] * np.linalg.norm(pN[:3]) / mN
    for ev in (0, 1):
        lmax = (18000.0 - zK[ev]) * np.linalg.norm(pN[:3]) / pN[2]
        assert prob[ev, 1] == pytest.approx(-math.expm1(-lmax / L), rel=1e-13)
        assert dec[ev, 0, 2] <= 18000.0
    assert 0 < prob[0, 2] < 1 and prob[0, 0] == pytest.approx(prob[0, 1] * prob[0, 2], rel=1e-15)
    assert vtx[0, 5, 2] <= 18000.0 and prob[1, 2] == 1.0 and prob[1, 0] == prob[1, 1]
    assert tuple(prob[2]) == (1.0, 1.0, 1.0)  # nothing visible: free flights
    assert tuple(idx[0]) == (4, 5, 6, 3) and tuple(idx[1]) == (-1, 4, 5, 3)
    np.testing.assert_allclose(vtx[1, 4, :3], dec[1, 0, :3])
