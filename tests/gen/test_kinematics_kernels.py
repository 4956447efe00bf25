"""Kernels of gen.core.kernels: exact kinematics (hypothesis), angular and Dalitz distributions, decay lengths.

Distribution tests use fixed seeds and a p-value threshold of 1e-3 (no retries): with a correct
sampler a failure has probability 1e-3 per test, and the fixed seed makes the outcome reproducible.
"""

import math

import numba
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from gen.core import kernels as K
from gen.core.decays import Channel, Species, build_decay_graph, parse_final_state

M_C12 = 11.174862
settings.register_profile("kernels", deadline=None, max_examples=200)


def _mass(p):
    return np.sqrt(np.maximum(p[..., 3] ** 2 - p[..., 0] ** 2 - p[..., 1] ** 2 - p[..., 2] ** 2, 0.0))


# ------------------------------------------------------------------------------ upscattering
@settings(deadline=None, max_examples=300)
@given(
    E=st.floats(0.05, 20.0),
    M=st.sampled_from([0.938272, M_C12, 37.2]),
    mN=st.floats(0.0, 1.5),
    x=st.floats(0.0, 1.0),
    phi=st.floats(0.0, 2 * math.pi),
)
def test_upscattering_conserves_four_momentum_and_is_on_shell(E, M, mN, x, phi):
    a = np.array
    lo, hi = K.upscattering_Q2_limits_array(a([E]), a([M]), a([mN]))
    if hi[0] <= 0.0:
        assert E <= mN + mN * mN / (2 * M) + 1e-12  # below threshold
        return
    Q2 = lo[0] + x * (hi[0] - lo[0])
    pN, pA = K.upscattering_kinematics_array(a([E]), a([M]), a([mN]), a([M]), a([Q2]), a([phi]))
    tot = pN[0] + pA[0]
    scale = E + M
    np.testing.assert_allclose(tot, [0.0, 0.0, E, E + M], rtol=0, atol=1e-9 * scale)
    # on shell: m^2 = E^2 - p^2 to 1e-9 of E^2
    for p, m in ((pN[0], mN), (pA[0], M)):
        m2 = p[3] ** 2 - p[0] ** 2 - p[1] ** 2 - p[2] ** 2
        assert abs(m2 - m * m) <= 1e-9 * p[3] ** 2 + 1e-12
    # the momentum transfer is the requested one
    q = np.array([0.0, 0.0, E, E]) - pN[0]
    assert abs(-(q[3] ** 2 - q[0] ** 2 - q[1] ** 2 - q[2] ** 2) - Q2) <= 1e-9 * (E * E + Q2) + 1e-12


def test_Q2_limits_match_cm_frame_formula():
    """The Q2 range used by the sampler against a direct CM-frame computation."""
    E, M, mN = 1.3, 0.938272, 0.2
    s = M * M + 2 * M * E
    rs = math.sqrt(s)
    pi = (s - M * M) / (2 * rs)
    ENs = (s + mN**2 - M**2) / (2 * rs)
    pf = math.sqrt((s - (mN + M) ** 2) * (s - (mN - M) ** 2)) / (2 * rs)
    lo, hi = K.upscattering_Q2_limits_array(np.array([E]), np.array([M]), np.array([mN]))
    assert lo[0] == pytest.approx(2 * pi * (ENs - pf) - mN**2, rel=1e-8)
    assert hi[0] == pytest.approx(2 * pi * (ENs + pf) - mN**2, rel=1e-12)
    # the kinematics at the limits: N along the beam (forward) and backward in the CM frame
    pN, _ = K.upscattering_kinematics_array(np.array([E]), np.array([M]), np.array([mN]), np.array([M]), lo, np.zeros(1))
    assert abs(pN[0, 0]) < 1e-6 * pN[0, 3]


# ------------------------------------------------------------------------------ two-body decay
@settings(deadline=None, max_examples=300)
@given(
    M=st.floats(0.01, 2.0),
    f1=st.floats(0.0, 0.49),
    f2=st.floats(0.0, 0.49),
    p=st.tuples(st.floats(-30, 30), st.floats(-30, 30), st.floats(-30, 30)),
    c=st.floats(-1.0, 1.0),
    phi=st.floats(0.0, 2 * math.pi),
)
def test_two_body_decay_conserves_and_on_shell(M, f1, f2, p, c, phi):
    m1, m2 = f1 * M, f2 * M
    P = np.array([[p[0], p[1], p[2], math.sqrt(M * M + p[0] ** 2 + p[1] ** 2 + p[2] ** 2)]])
    a = np.array
    p1, p2 = K.two_body_decay_array(P, a([M]), a([m1]), a([m2]), a([c]), a([phi]))
    np.testing.assert_allclose(p1[0] + p2[0], P[0], rtol=0, atol=1e-12 * P[0, 3])
    E = P[0, 3]
    for q, m in ((p1[0], m1), (p2[0], m2)):
        m2q = q[3] ** 2 - q[0] ** 2 - q[1] ** 2 - q[2] ** 2
        assert abs(m2q - m * m) <= 1e-9 * E * E + 1e-14


def test_sample_cos_linear_endpoints_and_kernel_parity():
    u = np.array([0.0, 0.25, 0.5, 1.0])
    for k in (-1.0, -0.3, 0.0, 0.7, 1.0):
        c = K.sample_cos_linear_array(u, k)
        assert c[0] == pytest.approx(-1.0) and c[-1] == pytest.approx(1.0)
        # CDF(c) = u
        F = (c + 1) / 2 + k * (c * c - 1) / 4
        np.testing.assert_allclose(F, u, atol=1e-14)
        np.testing.assert_array_equal(c, K.sample_cos_linear_array.py_func(u, k))


def test_splitmix64_jit_parity_and_uniformity():
    u = K.splitmix64_uniforms(np.uint64(42), 20000)
    with np.errstate(over="ignore"):  # uint64 wrap-around is part of the algorithm
        np.testing.assert_array_equal(u[:100], K.splitmix64_uniforms.py_func(np.uint64(42), 100))
    assert stats.kstest(u, "uniform").pvalue > 1e-3


# ------------------------------------------------------------------------------ cascades
SPECIES = [
    Species("N4", 9900012, 0.42, 5.0),
    Species("Zprime", 32, 0.03, 0.01),
    Species("nu", 14, 0.0),
    Species("e-", 11, 0.51099895e-3),
    Species("e+", -11, 0.51099895e-3),
    Species("mu-", 13, 0.1056583755),
    Species("mu+", -13, 0.1056583755),
]


def _run_cascade(graph, root, P, pol, n, seed=1):
    MP = K.MAX_PARTICLES
    pdg = np.zeros((n, MP), np.int64)
    status = np.zeros((n, MP), np.int64)
    parent = np.full((n, MP), -1, np.int64)
    p4 = np.zeros((n, MP, 4))
    vtx = np.zeros((n, MP, 4))
    pols = np.zeros((n, MP))
    st_of = np.full((n, MP), -1, np.int64)
    npart = np.zeros(n, np.int64)
    p4[:, 0] = P
    pols[:, 0] = pol
    st_of[:, 0] = graph.root_state[root]
    pdg[:, 0] = 9900012
    status[:, 0] = 1
    seeds = np.random.default_rng(seed).integers(0, 2**63, n, dtype=np.uint64)
    K.cascade_kernel(seeds, 1, pdg, status, parent, p4, vtx, pols, st_of, npart, np.full((n, MP), -1, np.int64), graph.tables())
    return pdg, status, parent, p4, vtx, npart


def _rest_frame(q, P):
    """Boost lab four-vectors q (n, 4) into the rest frame of P (n, 4)."""
    m = _mass(P)
    b = P[:, :3] / P[:, 3:4]
    g = P[:, 3] / m
    bq = (b * q[:, :3]).sum(1)
    b2 = (b * b).sum(1)
    E = g * (q[:, 3] - bq)
    coef = np.where(b2 > 0, (g - 1) * bq / np.where(b2 > 0, b2, 1), 0.0) - g * q[:, 3]
    return np.column_stack([q[:, :3] + coef[:, None] * b, E])


def _chi2_pvalue(sample, edges, cdf):
    obs, _ = np.histogram(sample, edges)
    exp = len(sample) * np.diff(cdf(edges))
    chi2 = ((obs - exp) ** 2 / exp).sum()
    return stats.chi2.sf(chi2, len(obs) - 1)


@pytest.mark.parametrize("a,pol", [(0.7, -1.0), (0.7, 1.0), (-1.0, 1.0), (0.0, -1.0)])
def test_two_body_angular_distribution_follows_polarisation(a, pol):
    g = build_decay_graph(SPECIES, [Channel("N4", ("nu", "Zprime"), 1.0, asymmetry=a), Channel("Zprime", ("e-", "e+"), 1.0)], ["N4"])
    n = 100_000
    P = np.array([0.3, -0.2, 1.5, math.sqrt(0.42**2 + 0.09 + 0.04 + 2.25)])
    pdg, status, parent, p4, vtx, npart = _run_cascade(g, "N4", P, pol, n, seed=7)
    assert np.all(npart == 5)
    PN = p4[:, 0]
    q = _rest_frame(p4[:, 1], PN)
    n_hat = PN[:, :3] / np.linalg.norm(PN[:, :3], axis=1, keepdims=True)
    c = (q[:, :3] * n_hat).sum(1) / np.linalg.norm(q[:, :3], axis=1)
    k = a * pol
    edges = np.linspace(-1, 1, 21)
    assert _chi2_pvalue(c, edges, lambda x: (x + 1) / 2 + k * (x * x - 1) / 4) > 1e-3
    # conservation through the whole cascade, on-shell daughters
    np.testing.assert_allclose(p4[:, 1] + p4[:, 3] + p4[:, 4], PN, atol=1e-12)
    np.testing.assert_allclose(_mass(p4[:, 2]), 0.03, rtol=1e-8)
    np.testing.assert_allclose(_mass(p4[:, 3]), 0.51099895e-3, rtol=1e-5)


def test_decay_length_is_exponential_with_mean_ctau_betagamma():
    g = build_decay_graph(SPECIES, [Channel("N4", ("nu", "Zprime"), 1.0), Channel("Zprime", ("e-", "e+"), 1.0)], ["N4"])
    n = 50_000
    P = np.array([0.0, 0.0, 2.0, math.sqrt(0.42**2 + 4.0)])
    pdg, status, parent, p4, vtx, npart = _run_cascade(g, "N4", P, -1.0, n, seed=11)
    bg = 2.0 / 0.42
    L = vtx[:, 1, 2]  # N flies along z
    assert stats.kstest(L / (5.0 * bg), "expon").pvalue > 1e-3
    np.testing.assert_allclose(vtx[:, 1, :2], 0.0)
    # times: t = L / (beta c), in ns
    beta = 2.0 / P[3]
    np.testing.assert_allclose(vtx[:, 1, 3], L / (beta * K.C_CM_PER_NS), rtol=1e-12)
    # Z' vertex displaced from N's by its own flight
    LZ = np.linalg.norm(vtx[:, 3, :3] - vtx[:, 1, :3], axis=1)
    pZ = np.linalg.norm(p4[:, 2, :3], axis=1)
    assert stats.kstest(LZ / (0.01 * pZ / 0.03), "expon").pvalue > 1e-3


def _dalitz_m12_flat_cdf(M, m1, m2, m3):
    """CDF of m12^2 for flat phase space (density proportional to the m23^2 range), numerically."""
    x = np.linspace((m1 + m2) ** 2, (M - m3) ** 2, 20001)
    w = np.array([np.subtract(*K.dalitz_m23_limits(M, m1, m2, m3, v)[::-1]) for v in x])
    c = np.concatenate([[0], np.cumsum((w[1:] + w[:-1]) / 2 * np.diff(x))])
    c /= c[-1]
    return lambda v: np.interp(v, x, c)


def test_three_body_flat_phase_space_dalitz_and_conservation():
    g = build_decay_graph(SPECIES, [Channel("N4", ("nu", "mu-", "mu+"), 1.0)], ["N4"])
    n = 60_000
    P = np.array([0.1, 0.0, 1.0, math.sqrt(0.42**2 + 1.01)])
    pdg, status, parent, p4, vtx, npart = _run_cascade(g, "N4", P, -1.0, n, seed=3)
    assert np.all(npart == 4)
    np.testing.assert_allclose(p4[:, 1] + p4[:, 2] + p4[:, 3], p4[:, 0], atol=1e-12)
    m_mu = 0.1056583755
    for k, m in ((1, 0.0), (2, m_mu), (3, m_mu)):
        m2 = p4[:, k, 3] ** 2 - (p4[:, k, :3] ** 2).sum(1)
        assert np.all(np.abs(m2 - m * m) < 1e-9 * p4[:, 0, 3] ** 2)
    s12 = p4[:, 1] + p4[:, 2]
    m12sq = s12[:, 3] ** 2 - (s12[:, :3] ** 2).sum(1)
    cdf = _dalitz_m12_flat_cdf(0.42, 0.0, m_mu, m_mu)
    edges = np.linspace(m_mu**2, (0.42 - m_mu) ** 2, 21)
    assert _chi2_pvalue(m12sq, edges, cdf) > 1e-3


@pytest.mark.parametrize("pol", [-1.0, 1.0])
def test_three_body_toy_matrix_element_with_polarisation(pol):
    """|M|^2 = (1 + s.q1_hat)(m23^2 / M^2): daughter 1 distributed (1 + P cos)/2 about the spin axis."""
    M = 0.42

    def me2(q1, q2, q3, s):
        n1 = q1[:, :3] / np.linalg.norm(q1[:, :3], axis=1, keepdims=True)
        s23 = q2 + q3
        m23sq = s23[:, 3] ** 2 - (s23[:, :3] ** 2).sum(1)
        return (1.0 + (s * n1).sum(1)) * m23sq / M**2

    g = build_decay_graph(SPECIES, [Channel("N4", ("nu", "e-", "e+"), 1.0, me2=me2)], ["N4"], ng=64)
    n = 80_000
    P = np.array([0.0, 0.5, 0.5, math.sqrt(M**2 + 0.5)])
    pdg, status, parent, p4, vtx, npart = _run_cascade(g, "N4", P, pol, n, seed=5)
    q1 = _rest_frame(p4[:, 1], p4[:, 0])
    n_hat = p4[:, 0, :3] / np.linalg.norm(p4[:, 0, :3], axis=1, keepdims=True)
    c = (q1[:, :3] * n_hat).sum(1) / np.linalg.norm(q1[:, :3], axis=1)
    edges = np.linspace(-1, 1, 21)
    assert _chi2_pvalue(c, edges, lambda x: (x + 1) / 2 + pol * (x * x - 1) / 4) > 1e-3
    # Dalitz: m23^2 density proportional to m23^2 times the flat-phase-space projection
    s23 = p4[:, 2] + p4[:, 3]
    m23sq = s23[:, 3] ** 2 - (s23[:, :3] ** 2).sum(1)
    me = 0.51099895e-3
    lo, hi = (2 * me) ** 2, M**2
    x = np.linspace(lo, hi, 4001)
    # flat PS projection on m23^2 for a massless particle 1: width of the m12^2 range at fixed m23^2
    w = np.array([np.subtract(*K.dalitz_m23_limits(M, me, me, 0.0, v)[::-1]) for v in x]) * x
    cdfv = np.concatenate([[0], np.cumsum((w[1:] + w[:-1]) / 2 * np.diff(x))])
    cdfv /= cdfv[-1]
    assert _chi2_pvalue(m23sq, np.linspace(lo, hi, 21), lambda v: np.interp(v, x, cdfv)) > 1e-3


def test_final_state_restriction_weights_and_content():
    chans = [
        Channel("N4", ("nu", "Zprime"), 0.6),
        Channel("N4", ("nu", "mu-", "mu+"), 0.4),
        Channel("Zprime", ("e-", "e+"), 0.75),
        Channel("Zprime", ("nu", "nu"), 0.25),
    ]
    g = build_decay_graph(SPECIES, chans, ["N4"], "e+e-")
    assert g.root_factor["N4"] == pytest.approx(0.6 * 0.75)
    gm = build_decay_graph(SPECIES, chans, ["N4"], "mu+mu-")
    assert gm.root_factor["N4"] == pytest.approx(0.4)
    P = np.array([0.0, 0.0, 1.0, math.sqrt(0.42**2 + 1.0)])
    pdg, *_ , npart = _run_cascade(g, "N4", P, 0.0, 2000)
    final = [sorted(int(x) for x in row[:n] if x in (11, -11, 13, -13)) for row, n in zip(pdg, npart)]
    assert all(f == [-11, 11] for f in final)
    assert parse_final_state("mu+mu-") == ("mu+", "mu-")
    with pytest.raises(ValueError, match="final_state"):
        build_decay_graph(SPECIES, chans, ["N4"], "tau+tau-")
    with pytest.raises(ValueError, match="final_state"):
        parse_final_state("e+x")


def test_closed_channel_is_rejected():
    with pytest.raises(ValueError, match="closed"):
        build_decay_graph(SPECIES, [Channel("Zprime", ("mu-", "mu+"), 1.0)], ["Zprime"])


def test_cascade_identical_for_one_and_two_threads():
    g = build_decay_graph(SPECIES, [Channel("N4", ("nu", "Zprime"), 0.5, asymmetry=0.5), Channel("N4", ("nu", "mu-", "mu+"), 0.5),
                                    Channel("Zprime", ("e-", "e+"), 1.0)], ["N4"])
    P = np.array([0.0, 0.0, 1.0, math.sqrt(0.42**2 + 1.0)])
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        r1 = _run_cascade(g, "N4", P, -1.0, 5000, seed=2)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        r2 = _run_cascade(g, "N4", P, -1.0, 5000, seed=2)
    finally:
        numba.set_num_threads(old)
    for a, b in zip(r1, r2):
        np.testing.assert_array_equal(a, b)


@settings(deadline=None, max_examples=60)
@given(
    M=st.floats(0.05, 2.0),
    f=st.lists(st.floats(0.0, 0.3), min_size=5, max_size=5),
    three=st.booleans(),
    p=st.tuples(st.floats(-5, 5), st.floats(-5, 5), st.floats(0, 20)),
    pol=st.floats(-1.0, 1.0),
    a=st.floats(-1.0, 1.0),
    seed=st.integers(0, 2**32),
)
# found by a random CI run: a parent momentum of 5e-162 GeV underflowed in the helicity basis
@example(M=1.0, f=[0.0] * 5, three=False, p=(0.0, 0.0, 5.318987562337559e-162), pol=0.0, a=0.0, seed=0)
def test_random_cascades_conserve_at_every_vertex(M, f, three, p, pol, a, seed):
    """Random two-level cascades X -> Y (+ Z (+ W)), Y -> c d: four-momentum conserved at every
    decay vertex and every particle on shell; daughters start at their parent's decay vertex."""
    mY = f[0] * M
    mZ = f[1] * M
    mW = f[2] * M if three else 0.0
    mc, md = f[3] * mY, f[4] * mY
    sp = [Species("X", 9900012, M, 1.0), Species("Y", 9900014, mY, 0.5), Species("Z", 13, mZ), Species("W", -13, mW),
          Species("c", 11, mc), Species("d", -11, md)]
    dau = ("Y", "Z", "W") if three else ("Y", "Z")
    chans = [Channel("X", dau, 1.0, asymmetry=a)]
    if mY > mc + md and mY > 1e-3 * M:  # a decaying parent lighter than that loses precision in E^2 - p^2
        chans.append(Channel("Y", ("c", "d"), 1.0))
    if sum(s.mass for s in sp if s.name in dau) >= M:
        return
    g = build_decay_graph(sp, chans, ["X"], ng=8)
    P = np.array([p[0], p[1], p[2], math.sqrt(M * M + p[0] ** 2 + p[1] ** 2 + p[2] ** 2)])
    pdg, status, parent, p4, vtx, npart = _run_cascade(g, "X", P, pol, 4, seed=seed)
    masses = {s.pdg: s.mass for s in sp}
    for ev in range(4):
        n = npart[ev]
        for i in range(n):
            m2 = p4[ev, i, 3] ** 2 - (p4[ev, i, :3] ** 2).sum()
            assert abs(m2 - masses[pdg[ev, i]] ** 2) <= 1e-9 * p4[ev, i, 3] ** 2 + 1e-12
            kids = [k for k in range(n) if parent[ev, k] == i]
            if kids:
                assert status[ev, i] == 2
                np.testing.assert_allclose(p4[ev, kids].sum(0), p4[ev, i], rtol=0, atol=1e-10 * p4[ev, i, 3])
                for k in kids:
                    np.testing.assert_array_equal(vtx[ev, k], vtx[ev, kids[0]])
