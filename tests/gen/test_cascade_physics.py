"""Decay-cascade physics with the real physics channels (``physics.decay_table`` via ``gen.core.decay_adapter``).

* N -> nu Z': Z' direction about the N spin axis follows (1 + a P cos)/2 with the table's asymmetry,
  for helicity-conserving and helicity-flipping events of the light-Z' MiniBooNE card;
* Z' -> e+ e-: the decay angle in the Z' rest frame follows the helicity-weighted shape derived in
  validation/notes_zprime_polarisation.md (longitudinal 1 - beta^2 c^2, transverse 2 - beta^2 + beta^2 c^2,
  fractions 1/(1 + 2r) and 2r/(1 + 2r), correlated with the Z' direction as in eq. (5) there), and the
  full spin correlation (azimuth about the Z' axis) follows the chain |M|^2 of ``physics.three_body``;
* heavy-Z' card: N5 -> N4 e+ e- and N4 -> nu e+ e- Dalitz x spin-angle distributions against the
  analytic polarised |M|^2 (``Channel.me2``) integrated numerically, for N helicity +1 and -1;
* decay lengths exponential with mean c tau0 beta gamma (c tau0 from the decay table);
* exact four-momentum conservation over whole events; an h' cascade (tests/cards/hprime_cascade.toml).

Statistics: fixed seeds, no retries; a chi2 (or KS) test passes at p > 1e-3, so a correct generator
fails one of these tests with probability ~1e-3 each, and the fixed seed makes the outcome reproducible.
"""

import dataclasses
import math
import pathlib
import tomllib

import awkward as ak
import numpy as np
import pytest
from scipy import stats

from gen.card import build_model, load_card, parse_card
from gen.core import kernels as K
from gen.core.decay_adapter import decay_spec_from_physics
from gen.core.decays import build_decay_graph
from gen.sources.upscattering import generate, prepare
from physics import constants as const
from physics import decay_table as dt
from physics import three_body as tb

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIGHT = ROOT / "cards" / "miniboone_light_zprime.toml"
HEAVY = ROOT / "cards" / "three_portal_heavy_zprime.toml"
HPRIME = ROOT / "tests" / "cards" / "hprime_cascade.toml"
P_MIN = 1e-3


# ----------------------------------------------------------------------------------- helpers
def _v4(rec):
    return np.column_stack([ak.to_numpy(rec.px), ak.to_numpy(rec.py), ak.to_numpy(rec.pz), ak.to_numpy(rec.E)])


def _mass2(p):
    return p[..., 3] ** 2 - (p[..., :3] ** 2).sum(-1)


def _rest(q, P):
    """Four-vectors q (n, 4) in the rest frame of P (n, 4) reached by a pure boost."""
    m = np.sqrt(_mass2(P))
    b = P[:, :3] / P[:, 3:4]
    g = P[:, 3] / m
    bq = (b * q[:, :3]).sum(1)
    b2 = (b * b).sum(1)
    coef = np.where(b2 > 0, (g - 1) * bq / np.where(b2 > 0, b2, 1.0), 0.0) - g * q[:, 3]
    return np.column_stack([q[:, :3] + coef[:, None] * b, g * (q[:, 3] - bq)])


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _chi2_p(obs, prob):
    """p-value of the Pearson chi2 of counts ``obs`` against probabilities ``prob`` (same shape)."""
    obs = np.asarray(obs, float).ravel()
    exp = obs.sum() * np.asarray(prob, float).ravel() / np.sum(prob)
    keep = exp > 0
    chi2 = ((obs[keep] - exp[keep]) ** 2 / exp[keep]).sum()
    return stats.chi2.sf(chi2, keep.sum() - 1), chi2, keep.sum() - 1


def _card_variant(path, **process):
    d = tomllib.loads(path.read_text())
    d.setdefault("process", {}).update(process)
    return parse_card(d)


# Normalised Z' -> l+ l- decay-angle densities in the Z' rest frame (notes, eq. (8)-(9)); c = cos of
# the l^- direction about the Z' flight axis, b2 = beta^2 of the leptons. Integrals (CDF up to const).
def _I0(c, b2):
    return (c - b2 * c**3 / 3) / (2 * (1 - b2 / 3))


def _IT(c, b2):
    return ((2 - b2) * c + b2 * c**3 / 3) / (4 * (1 - b2 / 3))


# ------------------------------------------------------------------- light-Z' card: events
@pytest.fixture(scope="module")
def light():
    out = {}
    for hel in ("conserving", "flipping"):
        card = _card_variant(LIGHT, helicities=[hel])
        setup = prepare(card)
        out[hel] = (setup, generate(card, n_events=60_000, seed=20181 + (hel == "flipping"), setup=setup))
    model = out["conserving"][0].model
    table = dt.decay_table(model)
    return out, model, table


def _zprime_events(ev):
    """Events with N -> nu Z' -> nu e+ e-: (N, nu, Z', e-, xi, h) with xi = +1 for N4, -1 for N4bar."""
    p = ev.particles
    sel = ak.to_numpy(ev.Zprime.E > 0) & ak.to_numpy(ev.ell_minus.E > 0) & ak.to_numpy(ev.nu_out.E > 0)
    # the Z' and the nu are the N's daughters (slots 4, 5) in this chain
    sel &= ak.to_numpy(ak.num(p) == 8)
    e = ev[sel]
    xi = np.sign(ak.to_numpy(e.particles.pdg[:, 3]))
    return _v4(e.N), _v4(e.nu_out), _v4(e.Zprime), _v4(e.ell_minus), xi, ak.to_numpy(e.helicity).astype(float)


def _asym_nu_zprime(table):
    a = {c.asymmetry for c in table["N4"].channels if "Zprime" in c.daughters and c.daughters[0].startswith("nu")}
    assert len(a) == 1 or max(a) - min(a) < 1e-12
    return a.pop()


def test_decay_table_vertices(light):
    """Chiral couplings passed to the generator: N4 -> nu Z' left-handed (A, 0) for the Dirac card, Z' -> l+ l-
    a vector current (c_L = c_R) with l^- the u-spinor daughter; N4bar's channels are CP images."""
    out, model, table = light
    for c in table["N4"].channels:
        if "Zprime" in c.daughters:
            v = c.vertex
            assert v.kind == "F_to_FV" and v.index == c.daughters.index("Zprime")
            assert abs(v.B) < 1e-12 * abs(v.A)
    for c in table["Zprime"].channels:
        if c.daughters in (("e+", "e-"), ("mu+", "mu-")):
            assert c.vertex.kind == "V_to_ff" and c.vertex.index == 1 and c.vertex.A == pytest.approx(c.vertex.B)
        if c.daughters == ("pi+", "pi-"):
            assert c.vertex is None
    setup = out["conserving"][0]
    g = setup.graph
    nbar = [k for k, o in enumerate(g.ch_origin) if o >= 0 and setup.decay_info["channels"][o]["parent"] == "N4bar"]
    assert nbar and all(g.ch_cp[k] == (1 if g.ch_vec[k] >= 0 else 0) for k in nbar)


@pytest.mark.parametrize("hel", ["conserving", "flipping"])
def test_zprime_direction_about_n_spin_follows_table_asymmetry(light, hel):
    """(a) cos theta of the Z' about the N spin axis (helicity h times the N flight direction) in the
    N rest frame: (1 + a_Z' xi cos)/2 with a_Z' = -a_nu (the Z' is back to back with the nu, whose
    asymmetry is the table's), xi = -1 for the CP image N4bar (antineutrino projectile)."""
    out, model, table = light
    setup, ev = out[hel]
    N, nu, Z, em, xi, h = _zprime_events(ev)
    assert len(xi) > 0.95 * len(ev)
    # N helicity (physics.cross_sections): conserving = the projectile's, -1 for nu (N4), +1 for nubar (N4bar)
    assert np.all(h == (1.0 if hel == "conserving" else -1.0) * -xi)
    a_nu = _asym_nu_zprime(table)
    r = (model.m_zprime / model.m_N[0]) ** 2
    assert a_nu == pytest.approx(-(1 - 2 * r) / (1 + 2 * r), rel=1e-9)  # massless nu, V-A: decay_widths docstring
    zr = _rest(Z, N)
    spin = h[:, None] * _unit(N[:, :3])
    c = (_unit(zr[:, :3]) * spin).sum(1)
    edges = np.linspace(-1, 1, 21)
    obs = np.zeros(20)
    prob = np.zeros(20)
    for x in (1.0, -1.0):
        m = xi == x
        k = -a_nu * x
        obs += np.histogram(c[m], edges)[0]
        prob += m.sum() * np.diff((edges + 1) / 2 + k * (edges**2 - 1) / 4)
    p, chi2, ndf = _chi2_p(obs, prob)
    assert p > P_MIN, (chi2, ndf)
    # the asymmetry is large (|a| = 0.98): the Z' of an N4 goes along the spin, that of an N4bar against it
    assert (c[xi > 0] > 0).mean() > 0.7
    if np.any(xi < 0):
        assert (c[xi < 0] > 0).mean() < 0.3 or (xi < 0).sum() < 100


def _zprime_angles(N, nu, Z, em, xi, h):
    """(c_eff, c_star): Z' direction about the N spin (times xi) in the N rest frame, and the l^- direction
    about the Z' flight axis in the Z' rest frame (the flight axis is -p_nu there)."""
    zr = _rest(Z, N)
    spin = h[:, None] * _unit(N[:, :3])
    c = (_unit(zr[:, :3]) * spin).sum(1)
    lz = _rest(em, Z)
    nz = _rest(nu, Z)
    cs = -(_unit(lz[:, :3]) * _unit(nz[:, :3])).sum(1)
    return xi * c, cs


def _joint_prob(ec, es, r, b2):
    """Bin probabilities of (c_eff, c_star): [(1 + c) w0(c*) + 2r (1 - c) wT(c*)] / (2 (1 + 2r)) (notes eq. (10))."""
    dc = np.diff(ec)
    dc2 = np.diff(ec**2) / 2
    W0 = np.diff(_I0(es, b2))
    WT = np.diff(_IT(es, b2))
    return ((dc + dc2)[:, None] * W0[None, :] + 2 * r * (dc - dc2)[:, None] * WT[None, :]) / (2 * (1 + 2 * r))


@pytest.mark.parametrize("hel", ["conserving", "flipping"])
def test_zprime_decay_angle_follows_helicity_fractions(light, hel):
    """(b) Z' -> e+ e- angle in the Z' rest frame: f0 w0 + fT wT (1D) and the joint distribution with the
    Z' direction about the N spin (2D), light-Z' card (r = 0.0051: the Z' is 99% longitudinal)."""
    out, model, table = light
    setup, ev = out[hel]
    N, nu, Z, em, xi, h = _zprime_events(ev)
    r = (model.m_zprime / model.m_N[0]) ** 2
    b2 = 1 - 4 * const.m_e**2 / model.m_zprime**2
    ce, cs = _zprime_angles(N, nu, Z, em, xi, h)
    es = np.linspace(-1, 1, 21)
    f0 = 1 / (1 + 2 * r)
    prob1 = f0 * np.diff(_I0(es, b2)) + (1 - f0) * np.diff(_IT(es, b2))
    p1, chi2, ndf = _chi2_p(np.histogram(cs, es)[0], prob1)
    assert p1 > P_MIN, (chi2, ndf)
    # an isotropic Z' decay is excluded by far
    assert _chi2_p(np.histogram(cs, es)[0], np.diff(es))[0] < 1e-30
    ec = np.linspace(-1, 1, 9)
    es2 = np.linspace(-1, 1, 11)
    p2, chi2, ndf = _chi2_p(np.histogram2d(ce, cs, [ec, es2])[0], _joint_prob(ec, es2, r, b2))
    assert p2 > P_MIN, (chi2, ndf)


# ------------------------------------------------ polarised chain with a heavier Z' (kernel level)
def _graph_for(card_dict, roots, keep):
    card = parse_card(card_dict)
    model = build_model(card)
    species, channels, _ = decay_spec_from_physics(card, model)
    chans = [dataclasses.replace(c, br=1.0) for c in channels if keep(c)]
    return model, build_decay_graph(species, chans, roots)


def _run(graph, root, pdg_root, P, hel, n, seed):
    MP = K.MAX_PARTICLES
    pdg = np.zeros((n, MP), np.int64)
    status = np.zeros((n, MP), np.int64)
    parent = np.full((n, MP), -1, np.int64)
    p4 = np.zeros((n, MP, 4))
    vtx = np.zeros((n, MP, 4))
    pol = np.zeros((n, MP))
    st_of = np.full((n, MP), -1, np.int64)
    npart = np.zeros(n, np.int64)
    p4[:, 0] = P
    pol[:, 0] = hel
    st_of[:, 0] = graph.root_state[root]
    pdg[:, 0] = pdg_root
    status[:, 0] = 1
    seeds = np.random.default_rng(seed).integers(0, 2**63, n, dtype=np.uint64)
    K.cascade_kernel(seeds, 1, pdg, status, parent, p4, vtx, pol, st_of, npart, np.full((n, MP), -1, np.int64),
                     graph.tables())
    return pdg, parent, p4, npart


def _light_dict(**model):
    d = tomllib.loads(LIGHT.read_text())
    d["model"].update(model)
    return d


def _reweighted_decays(N, f, Z, mN, mf, mZ, ml, spin_hat, nL, nR, cl, cp=False, seed=5):
    """Independent expectation for the l^- direction in Z' -> l+ l-: isotropic l^- directions in the Z' rest
    frame for the same N, f, Z' momenta, weighted by the chain |M|^2 of the public
    ``physics.three_body.msq_f_ll_batch`` divided by its average over the l^- directions of the same event
    (the conditional density; the average of a degree-2 polynomial on the sphere is exactly its mean over the
    six octahedron directions). Returns (l^- lab momenta, weights). ``cp``: CP image (spin reversed,
    l^- <-> l^+ in the |M|^2 arguments, as in physics.three_body.msq_N_to_nu_ll)."""
    n = len(N)
    q = math.sqrt(mZ**2 / 4 - ml**2)
    bZ = Z[:, :3] / Z[:, 3:4]
    gZ = Z[:, 3] / mZ
    b2Z = (bZ * bZ).sum(1)

    def lab_of(dirs):
        lr = np.column_stack([q * dirs, np.full(n, mZ / 2)])
        bq = (bZ * lr[:, :3]).sum(1)
        return np.column_stack([lr[:, :3] + ((gZ - 1) * bq / b2Z + gZ * lr[:, 3])[:, None] * bZ, gZ * (lr[:, 3] + bq)])

    def msq(lab):
        qm, qp = _rest(lab, N), _rest(Z - lab, N)
        sv = -spin_hat if cp else spin_hat
        if cp:
            qm, qp = qp, qm
        c = np.array([cl + 0j])
        return tb.msq_f_ll_batch(_rest(f, N), qm, qp, sv, mN, mf, ml, ml, np.array([nL + 0j]), np.array([nR + 0j]), c, c,
                                 np.array([mZ]), np.ones(1), np.zeros(0, complex), np.zeros(0), np.zeros(0))

    rng = np.random.default_rng(seed)
    cu, pu = rng.uniform(-1, 1, n), rng.uniform(0, 2 * np.pi, n)
    lab = lab_of(np.column_stack([np.sqrt(1 - cu**2) * np.cos(pu), np.sqrt(1 - cu**2) * np.sin(pu), cu]))
    avg = sum(msq(lab_of(np.tile(sg * e, (n, 1)))) for e in np.eye(3) for sg in (1.0, -1.0)) / 6.0
    return lab, msq(lab) / avg


def _weighted_chi2_p(obs, ew, ew2):
    """p-value of sampled counts against a reweighted expectation (both fluctuate)."""
    s = obs.sum() / ew.sum()
    chi2 = ((obs - s * ew) ** 2 / (obs + s**2 * ew2)).sum()
    return stats.chi2.sf(chi2, len(obs) - 1), chi2


@pytest.fixture(scope="module")
def heavier_zprime_chain():
    """Light-Z' model with m_Z' = 0.2 GeV (r = 0.23: 31% transverse Z'): Dirac N4 and N4bar -> numu(bar)
    (Z' -> e+ e-), and the Majorana variant's N4 -> numubar (Z' -> e+ e-) (right-handed chirality B = -A^*)."""
    def keep(c):
        return (c.parent in ("N4", "N4bar") and "Zprime" in c.daughters and c.daughters[0] in ("numu", "numubar")) or \
            (c.parent == "Zprime" and c.daughters == ("e+", "e-"))

    def keep_maj(c):
        return (c.parent == "N4" and c.daughters == ("numubar", "Zprime")) or (c.parent == "Zprime" and c.daughters == ("e+", "e-"))

    return {"dirac": _graph_for(_light_dict(mzprime=0.2), ["N4", "N4bar"], keep),
            "majorana": _graph_for(_light_dict(mzprime=0.2, hnl_type="majorana"), ["N4"], keep_maj)}


@pytest.mark.parametrize("kind,root,hel", [("dirac", "N4", -1.0), ("dirac", "N4", 1.0), ("dirac", "N4bar", 1.0),
                                           ("majorana", "N4", -1.0)])
def test_zprime_polarisation_joint_and_azimuthal_correlation(heavier_zprime_chain, kind, root, hel):
    """Joint (c_eff, c*) distribution (notes eq. (10)) with a sizeable transverse Z' fraction, and the azimuth
    of the l^- about the Z' axis (measured from the N spin) against an independent reweighting with the
    public ``physics.three_body.msq_f_ll_batch`` (the interference of Z' helicities 0 and -1, notes sec. 3)."""
    model, g = heavier_zprime_chain[kind]
    n = 60_000
    mN = model.m_N[0]
    P = np.array([0.3, -0.4, 1.2, math.sqrt(mN**2 + 0.09 + 0.16 + 1.44)])
    pdg, parent, p4, npart = _run(g, root, 9900012 if root == "N4" else -9900012, P, hel, n, seed=31 if hel < 0 else 32)
    assert np.all(npart == 5)
    N, nu, Z = p4[:, 0], p4[:, 1], p4[:, 2]
    em = np.where((pdg[:, 3] == 11)[:, None], p4[:, 3], p4[:, 4])
    # xi = +1: left-handed nu (N4 -> nu, A chirality); -1: right-handed (N4bar CP image, Majorana nubar)
    xi = 1.0 if (root == "N4" and kind == "dirac") else -1.0
    r = (model.m_zprime / mN) ** 2
    b2 = 1 - 4 * const.m_e**2 / model.m_zprime**2
    ce, cs = _zprime_angles(N, nu, Z, em, np.full(n, xi), np.full(n, hel))
    ec = np.linspace(-1, 1, 9)
    es = np.linspace(-1, 1, 11)
    p2, chi2, ndf = _chi2_p(np.histogram2d(ce, cs, [ec, es])[0], _joint_prob(ec, es, r, b2))
    assert p2 > P_MIN, (chi2, ndf)

    # azimuth: frame in the Z' rest frame with z* = Z' flight axis and x* along the N spin component
    # perpendicular to it; expected from |M|^2-weighted isotropic l^- directions on the same N, nu, Z'
    def azimuth(lep):
        zs = -_unit(_rest(nu, Z)[:, :3])
        sN = np.column_stack([hel * _unit(N[:, :3]) * (N[:, 3:4] / mN), hel * np.linalg.norm(N[:, :3], axis=1) / mN])
        sz = _rest(sN, Z)[:, :3]
        xs = _unit(sz - (sz * zs).sum(1, keepdims=True) * zs)
        ys = np.cross(zs, xs)
        lz = _rest(lep, Z)[:, :3]
        return np.arctan2((lz * ys).sum(1), (lz * xs).sum(1)), (_unit(lz) * zs).sum(1)

    phi, cst = azimuth(em)
    kap = dt._Couplings(model).kappa("Zprime", 0)
    A = complex(kap[1])  # numu row
    nL, nR = (A, 0j) if kind == "dirac" else (0j, -np.conj(A))
    spin_hat = hel * np.tile(_unit(N[:1, :3]), (n, 1))
    lab, w = _reweighted_decays(N, nu, Z, mN, 0.0, model.m_zprime, const.m_e, spin_hat, nL, nR,
                                -const.e_charge * model.epsilon, cp=(root == "N4bar"))
    phi_u, cst_u = azimuth(lab)
    # the interference term goes as sin(2 theta*) cos(phi*): histogram phi* in the two hemispheres of cos theta*
    edges = [np.linspace(-np.pi, np.pi, 13), np.array([-1.0, 0.0, 1.0])]
    obs = np.histogram2d(phi, cst, edges)[0].ravel()
    ew = np.histogram2d(phi_u, cst_u, edges, weights=w)[0].ravel()
    ew2 = np.histogram2d(phi_u, cst_u, edges, weights=w * w)[0].ravel()
    p, chi2 = _weighted_chi2_p(obs, ew, ew2)
    assert p > P_MIN, chi2
    # the azimuthal modulation is real (interference of Z' helicities 0 and -1): a flat azimuth in each
    # hemisphere is excluded
    flat = np.repeat(np.histogram(cst, edges[1])[0][None, :], 12, axis=0).ravel()
    assert _chi2_p(obs, flat)[0] < 1e-6


# ------------------------------------------------------------ heavy-Z' card: three-body Dalitz
def _dalitz_expectation(me2, M, m, ix, h, e_ee, e_c, nq=8, nr=24):
    """Bin probabilities of (m_23^2, cos theta_X) for M -> 1 2 3 with |M|^2 = A + h B.s: density on the
    Dalitz plane (flat measure dm12^2 dm23^2) times (A + h c B.q_X_hat) dc / 2 (the orientation average
    at fixed c = s_hat.q_X_hat keeps only B's component along q_X). Momenta built here in the parent rest
    frame: q1 along z, q3 in the xz plane (independent of the generator's frames)."""
    m1, m2, m3 = m
    xg, wg = np.polynomial.legendre.leggauss(nq)
    tg, tw = np.polynomial.legendre.leggauss(nr)
    out = np.zeros((len(e_ee) - 1, len(e_c) - 1))
    dc = np.diff(e_c)
    dc2 = np.diff(e_c**2) / 2
    for i in range(len(e_ee) - 1):
        s23 = 0.5 * (e_ee[i + 1] - e_ee[i]) * xg + 0.5 * (e_ee[i + 1] + e_ee[i])
        w23 = 0.5 * (e_ee[i + 1] - e_ee[i]) * wg
        m23 = np.sqrt(s23)
        E2s = (s23 - m3**2 + m2**2) / (2 * m23)
        E1s = (M**2 - s23 - m1**2) / (2 * m23)
        p2s = np.sqrt(np.maximum(E2s**2 - m2**2, 0))
        p1s = np.sqrt(np.maximum(E1s**2 - m1**2, 0))
        lo = (E1s + E2s) ** 2 - (p1s + p2s) ** 2
        hi = (E1s + E2s) ** 2 - (p1s - p2s) ** 2
        th = 0.5 * np.pi * (tg + 1)  # s12 = lo + (hi - lo)(1 - cos th)/2
        S23 = np.repeat(s23, nr)
        W = np.repeat(w23 * (hi - lo) / 2, nr) * np.tile(0.5 * np.pi * tw, nq) * np.sin(np.tile(th, nq))
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
        qx = (q1, q2, q3)[ix]
        nX = _unit(qx[:, :3])
        A = me2(q1, q2, q3, np.zeros((len(E1), 3)))
        B = me2(q1, q2, q3, nX) - A
        out[i] = (W[:, None] * (A[:, None] * dc[None, :] + h * B[:, None] * dc2[None, :])).sum(0)
    return out


@pytest.fixture(scope="module")
def heavy_model():
    card = load_card(HEAVY)
    model = build_model(card)
    species, channels, _ = decay_spec_from_physics(card, model)
    return card, model, species, channels


@pytest.mark.parametrize("parent,daughters,ix,visible", [("N5", ("N4", "e+", "e-"), 0, False), ("N5", ("N4", "e+", "e-"), 2, False),
                                                          ("N4", ("numu", "e+", "e-"), 2, True), ("N4", ("numu", "e+", "e-"), 0, True)])
def test_three_body_dalitz_and_spin_angle_per_helicity(heavy_model, parent, daughters, ix, visible):
    """(c) heavy-Z' card: (m_ee^2, cos theta_X) of N5 -> N4 e+ e- and N4 -> numu e+ e- (X = daughter ``ix``,
    theta_X about the N flight direction in the N rest frame) for N helicity -1 and +1, against the analytic
    |M|^2 of the decay table. N4 -> numu e+ e- (one light-neutrino chirality) has a large helicity dependence.
    N5 -> N4 e+ e- between Majorana states has the axial coupling (V, -V^*): with the vector Z' coupling to
    electrons its polarised terms cancel up to the small Z (c_L != c_R) part, so the prediction is (nearly)
    helicity independent and the test checks that the sample is too."""
    card, model, species, channels = heavy_model
    ch = [c for c in channels if c.parent == parent and c.daughters == daughters]
    assert len(ch) == 1 and ch[0].me2 is not None
    ch = dataclasses.replace(ch[0], br=1.0)
    g = build_decay_graph(species, [ch], [parent])
    sp = {s.name: s for s in species}
    M = sp[parent].mass
    m = [sp[d].mass for d in daughters]
    P = np.array([0.1, 0.2, 0.8, math.sqrt(M**2 + 0.01 + 0.04 + 0.64)])
    e_ee = np.linspace((m[1] + m[2]) ** 2, (M - m[0]) ** 2, 11)
    e_c = np.linspace(-1, 1, 7)
    n = 50_000
    hists, probs = {}, {}
    for h in (-1.0, 1.0):
        pdg, parent_idx, p4, npart = _run(g, parent, sp[parent].pdg, P, h, n, seed=41 if h < 0 else 42)
        assert np.all(npart == 4)
        q = [_rest(p4[:, k], p4[:, 0]) for k in (1, 2, 3)]
        s23 = _mass2(q[1] + q[2])
        c = (_unit(q[ix][:, :3]) * _unit(P[:3])).sum(1)  # about the N flight direction; spin = h * that
        hists[h] = np.histogram2d(s23, c, [e_ee, e_c])[0]
        probs[h] = _dalitz_expectation(ch.me2, M, m, ix, h, e_ee, e_c)
        p2, chi2, ndf = _chi2_p(hists[h], probs[h])
        assert p2 > P_MIN, (h, chi2, ndf)
        # m_ee^2 projection
        p1, chi2, ndf = _chi2_p(hists[h].sum(1), probs[h].sum(1))
        assert p1 > P_MIN, (h, chi2, ndf)
    # helicity dependence: predicted separation of the two samples (chi2 units at this n) and the observed one
    a, b = hists[-1.0].ravel(), hists[1.0].ravel()
    chi2_ab = ((a - b) ** 2 / np.maximum(a + b, 1)).sum()
    ea, eb = probs[-1.0].ravel() / probs[-1.0].sum() * n, probs[1.0].ravel() / probs[1.0].sum() * n
    sep = ((ea - eb) ** 2 / (ea + eb)).sum()
    if visible:
        assert sep > 200
        assert stats.chi2.sf(chi2_ab, len(a)) < 1e-10
    else:
        assert sep < 5
        assert stats.chi2.sf(chi2_ab, len(a)) > P_MIN


# ------------------------------------------------------------------ decay lengths, conservation
def test_decay_lengths_exponential_with_table_ctau(light):
    """(d) N and Z' flight distances / (c tau0 beta gamma) ~ Exp(1), c tau0 from physics.decay_table."""
    out, model, table = light
    setup, ev = out["conserving"]
    N, nu, Z, em, xi, h = _zprime_events(ev)
    sel = ak.to_numpy(ev.Zprime.E > 0) & ak.to_numpy(ev.ell_minus.E > 0) & ak.to_numpy(ev.nu_out.E > 0) & ak.to_numpy(ak.num(ev.particles) == 8)
    p = ev.particles[sel]
    vN = np.column_stack([ak.to_numpy(p.x[:, 4]), ak.to_numpy(p.y[:, 4]), ak.to_numpy(p.z[:, 4])])  # N decay vertex
    LN = np.linalg.norm(vN, axis=1)
    bgN = np.linalg.norm(N[:, :3], axis=1) / model.m_N[0]
    assert stats.kstest(LN / (table["N4"].ctau0_cm * bgN), "expon").pvalue > P_MIN
    zslot = np.where(ak.to_numpy(p.pdg[:, 4]) == 32, 4, 5)
    kid = np.column_stack([ak.to_numpy(p.x[:, 6]), ak.to_numpy(p.y[:, 6]), ak.to_numpy(p.z[:, 6])])
    LZ = np.linalg.norm(kid - vN, axis=1)
    assert np.all(ak.to_numpy(p.parent[:, 6]) == zslot)
    bgZ = np.linalg.norm(Z[:, :3], axis=1) / model.m_zprime
    assert stats.kstest(LZ / (table["Zprime"].ctau0_cm * bgZ), "expon").pvalue > P_MIN


def _check_conservation(ev, masses, tol=1e-9):
    p = ev.particles
    n = ak.to_numpy(ak.num(p))
    E_scale = ak.to_numpy(ev.E_nu) + 12.0
    pdg = ak.to_numpy(ak.flatten(p.pdg))
    par = ak.to_numpy(ak.flatten(p.parent))
    st = ak.to_numpy(ak.flatten(p.status))
    mom = np.column_stack([ak.to_numpy(ak.flatten(p[c])) for c in ("px", "py", "pz", "E")])
    off = np.concatenate([[0], np.cumsum(n)])
    ev_of = np.repeat(np.arange(len(n)), n)
    # whole event: final state = beam + target
    fin = np.zeros((len(n), 4))
    ini = np.zeros((len(n), 4))
    np.add.at(fin, ev_of[st == 1], mom[st == 1])
    np.add.at(ini, ev_of[(st == 4) | (st == 11)], mom[(st == 4) | (st == 11)])
    assert np.all(np.abs(fin - ini) <= tol * E_scale[:, None])
    # every decay vertex: sum of daughters = parent (daughters: parent index >= 3 in the cascade)
    gpar = np.where(par >= 3, off[ev_of] + par, -1)
    kids = np.zeros((len(pdg), 4))
    np.add.at(kids, gpar[gpar >= 0], mom[gpar >= 0])
    dec = st == 2
    assert np.all(np.abs(kids[dec] - mom[dec]) <= tol * E_scale[ev_of[dec]][:, None])
    # on shell
    for code, mass in masses.items():
        k = np.abs(pdg) == code
        assert np.all(np.abs(_mass2(mom[k]) - mass**2) <= tol * mom[k, 3] ** 2 + 1e-12), code
    return pdg


def test_real_card_events_conserve_four_momentum(light):
    """(e) light-Z' card: whole events and every decay vertex conserve four-momentum; particles on shell."""
    out, model, table = light
    for hel in ("conserving", "flipping"):
        _check_conservation(out[hel][1], {9900012: model.m_N[0], 32: model.m_zprime, 11: const.m_e, 13: const.m_mu})


def test_hprime_cascade_runs_and_conserves():
    """(3) a card with a dark scalar: N4 -> nu h', h' -> Z' Z' and nu nu, Z' -> e+ e- and nu nu; the whole
    cascade is generated (the h' and Z' decay with displaced vertices) and conserves four-momentum."""
    card = load_card(HPRIME)
    setup = prepare(card)
    ev = generate(card, n_events=8000, setup=setup)
    model = setup.model
    _check_conservation(ev, {9900012: model.m_N[0], 32: model.m_zprime, 54: model.m_hprime, 11: const.m_e})
    p = ev.particles
    has_h = ak.to_numpy(ak.any(p.pdg == 54, axis=1))
    assert has_h.mean() > 0.5  # BR(N4 -> nu h') = 0.98
    # h' -> Z' Z' -> e+ e- ... occurs, and the Z' pair comes from the h'
    zz = ak.to_numpy(ak.sum(p.pdg == 32, axis=1) == 2)
    assert zz.sum() > 50
    z_par = p.parent[zz][p.pdg[zz] == 32]
    assert ak.all(p.pdg[zz][z_par] == 54)
    assert ak.all(p.status[p.pdg == 54] == 2)


# ------------------------------------------------------- N_i -> N_j Z' -> N_j e+ e- (massive f)
@pytest.mark.parametrize("hnl_type", ["dirac", "majorana"])
def test_zprime_from_heavy_to_heavy_transition_correlations(hnl_type):
    """N5 -> N4 Z' (massive N4) followed by Z' -> e+ e-: the Z' direction about the N5 spin follows the table's
    asymmetry (-a of the N4), and the l^- direction in the Z' rest frame (polar angle about the Z' axis x azimuth
    from the N5 spin) follows the chain |M|^2, checked by reweighting isotropic decays with the public
    ``physics.three_body.msq_f_ll_batch`` (massive f: all four N4-Z' helicity amplitudes). Dirac: chiral vertex
    (V, 0), spin dependent. Majorana: axial vertex (V, -V^*), whose spin-dependent terms cancel with the vector
    Z' coupling to electrons (a = 0): the Z' is still polarised (its decay is not isotropic)."""
    d = {"schema_version": 1,
         "model": {"hnl_type": hnl_type, "m4": 0.1, "m5": 0.42, "mzprime": 0.15, "Umu4": 1e-3, "Umu5": 1e-3, "UD4": 0.6,
                   "UD5": 0.6, "alphaD": 0.25, "alpha_epsilon2": 2e-10},
         "experiment": {"name": "miniboone_fhc", "flavours": ["numu"]}, "run": {"events": 1000, "seed": 1}}
    def keep(c):
        return (c.parent == "N5" and c.daughters == ("N4", "Zprime")) or (c.parent == "Zprime" and c.daughters == ("e+", "e-"))

    model, g = _graph_for(d, ["N5"], keep)
    table = dt.decay_table(model, particles=["N5"])
    a_N4 = [c.asymmetry for c in table["N5"].channels if c.daughters == ("N4", "Zprime")][0]
    assert (abs(a_N4) < 1e-9) if hnl_type == "majorana" else (abs(a_N4) > 0.3)
    m5, m4, mZ, me = model.m_N[1], model.m_N[0], model.m_zprime, const.m_e
    P = np.array([0.0, 0.3, 0.9, math.sqrt(m5**2 + 0.9)])
    n, hel = 60_000, -1.0
    pdg, parent, p4, npart = _run(g, "N5", 9900014, P, hel, n, seed=51)
    assert np.all(npart == 5)
    N, f, Z = p4[:, 0], p4[:, 1], p4[:, 2]
    em = np.where((pdg[:, 3] == 11)[:, None], p4[:, 3], p4[:, 4])
    spin_hat = hel * _unit(N[:, :3])
    c = (_unit(_rest(Z, N)[:, :3]) * spin_hat).sum(1)
    edges = np.linspace(-1, 1, 21)
    p, chi2, ndf = _chi2_p(np.histogram(c, edges)[0], np.diff((edges + 1) / 2 - a_N4 * (edges**2 - 1) / 4))
    assert p > P_MIN, (chi2, ndf)

    def frame(lep):
        zs = -_unit(_rest(f, Z)[:, :3])
        sN = np.column_stack([spin_hat * (N[:, 3:4] / m5), hel * np.linalg.norm(N[:, :3], axis=1) / m5])
        sz = _rest(sN, Z)[:, :3]
        xs = _unit(sz - (sz * zs).sum(1, keepdims=True) * zs)
        lz = _unit(_rest(lep, Z)[:, :3])
        return np.arctan2((lz * np.cross(zs, xs)).sum(1), (lz * xs).sum(1)), (lz * zs).sum(1)

    V = complex(dt._Couplings(model).V("Zprime", 0, 1))
    lab, w = _reweighted_decays(N, f, Z, m5, m4, mZ, me, np.tile(spin_hat[:1], (n, 1)), V,
                                -np.conj(V) if hnl_type == "majorana" else 0j, -const.e_charge * model.epsilon, seed=7)
    ed = [np.linspace(-np.pi, np.pi, 9), np.linspace(-1, 1, 7)]
    obs = np.histogram2d(*frame(em), ed)[0].ravel()
    phi_u, c_u = frame(lab)
    p, chi2 = _weighted_chi2_p(obs, np.histogram2d(phi_u, c_u, ed, weights=w)[0].ravel(),
                               np.histogram2d(phi_u, c_u, ed, weights=w * w)[0].ravel())
    assert p > P_MIN, chi2
    # not isotropic: the Z' polarisation is visible in the e+ e- angles
    assert _chi2_p(obs, np.ones(len(obs)))[0] < 1e-6


def test_asymmetry_rounding_at_one_is_accepted():
    """N -> nu pi0 has |a| = 1 analytically; m4 = 0.15 GeV gives a = -1.0000000000000002 in floating
    point, which must not stop the run (it did in a mass scan), while |a| > 1 + 1e-9 stays an error."""
    from gen.card import parse_card
    from gen.sources.upscattering import prepare

    card = parse_card({"schema_version": 1,
                       "model": {"m4": 0.15, "mzprime": 1.0, "Umu4": 1e-3, "UD4": 1.0, "gD": 1.0, "epsilon": 1e-4}})
    prepare(card)
