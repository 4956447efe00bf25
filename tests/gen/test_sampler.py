"""gen.sources.upscattering: weights = expected events, sampled E_nu and Q2 follow flux x dsigma/dQ2, reproducibility.

Tolerances come from the MC error of the run itself (sum w^2 per bin) at a fixed seed; chi2 tests
use p > 1e-3 (no retries).
"""

import math

import awkward as ak
import numba
import numpy as np
import pytest
from scipy import stats

from gen.card import parse_card
from gen.core import rng as R
from gen.sources.upscattering import _event_tables, generate, iter_generate, prepare, summarize
from physics import cross_sections as xs
from physics import units as u

BASE = {
    "schema_version": 1,
    "model": {"hnl_type": "dirac", "m4": 0.420, "mzprime": 0.030, "Umu4": 9.486832980505138e-4, "UD4": 1.0,
              "alphaD": 0.25, "alpha_epsilon2": 2e-10},
    "experiment": {"name": "miniboone_fhc", "flavours": ["numu"]},
    "process": {"regimes": ["coherent"], "helicities": ["conserving"]},
    "run": {"events": 40_000, "seed": 7},
}


@pytest.fixture(scope="module")
def one_channel():
    card = parse_card(BASE)
    return card, prepare(card)


def test_single_channel_setup(one_channel):
    card, setup = one_channel
    assert setup.n_channels == 1
    lab = setup.labels[0]
    assert (lab["projectile"], lab["target"], lab["regime"], lab["helicity"]) == ("numu", "C12", "coherent", "conserving")
    # N helicity for a neutrino, helicity conserving: -1
    assert setup.ch_pol[0] == -1.0


def test_sum_of_weights_is_flux_integrated_rate(one_channel):
    card, setup = one_channel
    ev = generate(card, setup=setup)
    w = ak.to_numpy(ev.weight)
    assert np.all(w >= 0)
    # independent integral: POT * N_C12 * sum over flux bins of phi * <sigma> (Gauss-Legendre, 8 nodes per bin)
    f = setup.flux
    x, wx = np.polynomial.legendre.leggauss(8)
    lo, hi = f.edges[:-1], f.edges[1:]
    E = (0.5 * (hi - lo)[:, None] * x[None, :] + 0.5 * (hi + lo)[:, None]).ravel()
    sig = xs.sigma_upscattering_array(E, setup.params)[0] * u.hbarc2
    avg = (sig.reshape(-1, 8) * wx[None, :]).sum(1) / 2.0
    n_c12 = [t for t in setup.experiment.targets if t.name == "C12"][0].n_nuclei
    expected = setup.experiment.pot * n_c12 * (f.bin_flux[f.index("numu")] * avg).sum()
    err = math.sqrt(max((w * w).sum() - w.sum() ** 2 / len(w), 0.0))
    # 4 sigma of MC plus 2e-3 for the Gauss rule across the threshold bin
    assert abs(w.sum() - expected) < 4 * err + 2e-3 * expected
    assert err / w.sum() < 0.01
    # nearly uniform weights: effective sample size close to N
    S = summarize(ev, setup)
    assert S.effective_sample_size > 0.8 * len(w)
    assert S.final_state == pytest.approx(w.sum())


@numba.njit(cache=True)
def _expected_q2_bins(edgesQ, xq, wq, Eg, dens, dE, par):
    """sum_E phi(E) dE int_bin dsigma/dQ2 dQ2 (Gauss-Legendre in each Q2 bin), per Q2 bin."""
    out = np.zeros(len(edgesQ) - 1)
    for b in range(len(edgesQ) - 1):
        half = 0.5 * (edgesQ[b + 1] - edgesQ[b])
        mid = 0.5 * (edgesQ[b + 1] + edgesQ[b])
        for k in range(len(Eg)):
            if dens[k] == 0.0:
                continue
            acc = 0.0
            for j in range(len(xq)):
                acc += wq[j] * xs.dsigma_dQ2_upscattering(Eg[k], half * xq[j] + mid, par)
            out[b] += dens[k] * dE[k] * acc * half
    return out


def _weighted_chi2(values, w, edges, expected):
    s, _ = np.histogram(values, edges, weights=w)
    s2, _ = np.histogram(values, edges, weights=w * w)
    keep = s2 > 0
    chi2 = (((s - expected) ** 2)[keep] / s2[keep]).sum()
    return stats.chi2.sf(chi2, keep.sum())


def test_enu_and_q2_distributions_follow_flux_times_dsigma(one_channel):
    card, setup = one_channel
    ev = generate(card, setup=setup, seed=11)
    w = ak.to_numpy(ev.weight)
    E = ak.to_numpy(ev.E_nu)
    Q2 = ak.to_numpy(ev.Q2)
    f = setup.flux
    par = setup.params[0]
    n_c12 = [t for t in setup.experiment.targets if t.name == "C12"][0].n_nuclei
    norm = setup.experiment.pot * n_c12 * u.hbarc2
    # E_nu: expected per flux bin = norm * bin_flux * <sigma>_bin (Gauss 8 nodes per bin)
    x, wx = np.polynomial.legendre.leggauss(8)
    lo, hi = f.edges[:-1], f.edges[1:]
    Eg = (0.5 * (hi - lo)[:, None] * x[None, :] + 0.5 * (hi + lo)[:, None]).ravel()
    sig = xs.sigma_upscattering_array(Eg, xs.channel_array([par]))[0]
    expE = norm * f.bin_flux[f.index("numu")] * (sig.reshape(-1, 8) * wx[None, :]).sum(1) / 2.0
    edgesE = f.edges[:41]  # 0 ... 2 GeV, where the statistics are
    assert _weighted_chi2(E, w, edgesE, expE[:40]) > 1e-3
    # Q2: expected per bin = norm * int dE phi(E) int_bin dsigma/dQ2 (E nodes as above, 16 Q2 nodes per bin)
    edgesQ = np.geomspace(1e-4, 0.2, 16)
    xq, wq = np.polynomial.legendre.leggauss(16)
    dens = np.repeat(f.density("numu"), 8)
    dE = np.repeat(hi - lo, 8) * np.tile(wx, len(lo)) / 2.0
    expQ = _expected_q2_bins(edgesQ, xq, wq, Eg, dens, dE, par)
    expQ *= norm
    assert _weighted_chi2(Q2, w, edgesQ, expQ) > 1e-3


def test_identical_events_for_chunk_sizes_and_threads(one_channel):
    card, setup = one_channel
    n = R.BLOCK_SIZE * 2 + 1234
    a = generate(card, n_events=n, seed=3, chunk_size=R.BLOCK_SIZE, setup=setup)
    chunks = list(iter_generate(card, n_events=n, seed=3, chunk_size=10 * R.BLOCK_SIZE, setup=setup))
    assert len(chunks) == 1
    assert ak.array_equal(a, chunks[0])
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        b = generate(card, n_events=5000, seed=3, setup=setup)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        c = generate(card, n_events=5000, seed=3, setup=setup)
    finally:
        numba.set_num_threads(old)
    assert ak.array_equal(b, c)
    # a run of 5000 events is the prefix of a longer run with the same seed (weights scale as 1/N)
    others = [k for k in b.fields if k != "weight"]
    assert ak.array_equal(b[others], a[:5000][others])
    np.testing.assert_allclose(ak.to_numpy(b.weight) * 5000, ak.to_numpy(a.weight[:5000]) * n, rtol=1e-13)
    assert not ak.array_equal(b, generate(card, n_events=5000, seed=4, setup=setup))


def test_events_are_exact_and_cascade_complete(one_channel):
    card, setup = one_channel
    ev = generate(card, n_events=20_000, seed=5, setup=setup)
    p = ev.particles
    fin = p[p.status == 1]
    beam = p[p.status == 4]
    tgt = p[p.status == 11]
    for comp in ("px", "py", "pz", "E"):
        lhs = ak.to_numpy(ak.sum(beam[comp], axis=1) + ak.sum(tgt[comp], axis=1))
        rhs = ak.to_numpy(ak.sum(fin[comp], axis=1))
        assert np.all(np.abs(rhs - lhs) <= 1e-9 * ak.to_numpy(ev.E_nu + 11.2))
    m2 = p.E**2 - p.px**2 - p.py**2 - p.pz**2
    assert ak.all(abs(ev.N.mass - 0.42) < 1e-9)
    assert ak.all(m2 > -1e-9)
    # every N decayed; Q2 inside the kinematic range
    assert ak.all(p.status[:, 3] == 2)
    assert ak.all(ev.channel >= 0)
    lim = [xs.upscattering_Q2_limits(e, 0.42, setup.ch_M[0]) for e in ak.to_numpy(ev.E_nu[:500])]
    q = ak.to_numpy(ev.Q2[:500])
    assert all(lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9) for v, (lo, hi) in zip(q, lim))


def test_final_state_restriction_multiplies_weight_by_br():
    d = dict(BASE, process={"regimes": ["coherent"], "helicities": ["conserving"], "final_state": "e+e-"})
    card = parse_card(d)
    setup = prepare(card)
    br = setup.graph.root_factor["N4"]
    assert 0.99 < br < 1.0  # N4 -> nu Z' (~1) times BR(Z' -> e+e-) = 0.9995
    ev = generate(card, n_events=3000, setup=setup)
    fin = ev.particles[ev.particles.status == 1]
    vis = fin.pdg[(abs(fin.pdg) == 11) | (abs(fin.pdg) == 13)]
    assert ak.all(ak.num(vis) == 2) and ak.all(ak.sum(vis, axis=1) == 0)
    assert ak.all(ev.ell_minus.E > 0) and ak.all(ev.ell_plus.E > 0)


def test_n_helicity_drives_decay_asymmetry_end_to_end():
    """Injected decay table with a = 0.8 for N4 -> nu Z': the nu direction in the N rest frame follows
    (1 + a h cos)/2 with h = -1 (numu, helicity conserving), through the whole sampler."""
    from gen.core.decays import Channel, Species

    species = [Species("N4", 9900012, 0.42, 1.0), Species("Zprime", 32, 0.03, 0.01), Species("numu", 14, 0.0),
               Species("e-", 11, 0.51099895e-3), Species("e+", -11, 0.51099895e-3)]
    channels = [Channel("N4", ("numu", "Zprime"), 1.0, asymmetry=0.8), Channel("Zprime", ("e-", "e+"), 1.0)]
    card = parse_card(BASE)
    setup = prepare(card, decays=(species, channels, {"channels": []}))
    ev = generate(card, n_events=40_000, seed=21, setup=setup)
    assert ak.all(ev.helicity == -1)
    N = ev.N
    nu = ev.nu_out
    # nu momentum in the N rest frame, projected on the N flight direction
    bx, by, bz = N.px / N.E, N.py / N.E, N.pz / N.E
    b2 = bx * bx + by * by + bz * bz
    g = N.E / N.mass
    bq = bx * nu.px + by * nu.py + bz * nu.pz
    coef = (g - 1) * bq / b2 - g * nu.E
    qx, qy, qz = nu.px + coef * bx, nu.py + coef * by, nu.pz + coef * bz
    c = ak.to_numpy((qx * bx + qy * by + qz * bz) / (np.sqrt(qx**2 + qy**2 + qz**2) * np.sqrt(b2)))
    obs, edges = np.histogram(c, np.linspace(-1, 1, 21))
    k = -0.8
    cdf = (edges + 1) / 2 + k * (edges**2 - 1) / 4
    exp = len(c) * np.diff(cdf)
    assert stats.chi2.sf(((obs - exp) ** 2 / exp).sum(), len(obs) - 1) > 1e-3
    assert ak.all(ev.channel == 0)


def test_kernels_match_their_python_functions(one_channel):
    """JIT parity (numba-stats' test_njit idiom): production and cascade kernels vs ``.py_func``."""
    from gen.core import kernels as K
    from gen.sources.upscattering import _Workspace

    card, setup = one_channel
    n = 16
    u4 = np.random.default_rng(1).random((n, 4))
    outs = []
    for fn in (K.production_kernel, K.production_kernel.py_func):
        ws = _Workspace(n, setup.slots)
        fn(u4, *_event_tables(setup, n)[:2], ws.chan, ws.E, ws.Q2, ws.w, ws.ybin, ws.p4)
        outs.append(ws)
    a, b = outs
    np.testing.assert_array_equal(a.chan, b.chan)
    np.testing.assert_allclose(a.w, b.w, rtol=1e-12)
    np.testing.assert_allclose(a.p4[:, :4], b.p4[:, :4], rtol=1e-12, atol=1e-15)
    seeds = np.arange(1, n + 1, dtype=np.uint64) * np.uint64(7919)
    res = []
    for fn in (K.cascade_kernel, K.cascade_kernel.py_func):
        ws = _Workspace(n, setup.slots)
        ws.p4[:] = a.p4
        ws.pol[:, 3] = -1.0
        ws.st_of[:, 3] = setup.ch_root[0]
        with np.errstate(over="ignore"):  # SplitMix64 relies on uint64 wrap-around
            fn(seeds, 4, ws.pdg, ws.status, ws.parent, ws.p4, ws.vtx, ws.pol, ws.st_of, ws.npart, ws.chosen,
               setup.graph.tables())
        res.append(ws)
    np.testing.assert_array_equal(res[0].npart, res[1].npart)
    np.testing.assert_array_equal(res[0].pdg, res[1].pdg)
    np.testing.assert_allclose(res[0].p4, res[1].p4, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res[0].vtx, res[1].vtx, rtol=1e-12, atol=1e-15)
