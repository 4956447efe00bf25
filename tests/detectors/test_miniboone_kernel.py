"""The numba MiniBooNE reconstruction (``response._reco_kernel``, ``_flight_kernel``, ``_place_kernel``) against its NumPy oracle.

Issue 16 moved the per-event arithmetic of ``detectors.miniboone.response.reconstruct`` and of the flight
directions/lengths into numba kernels. The NumPy code they replaced is kept as the oracle
(tests/oracles/miniboone_numpy.py). Both draw the same normals from the same stream, so the results agree
event by event up to the last bits that libm (acos, atan2, sin, cos, hypot) and the operation order may
change: every float branch within 1e-12 relative, NaN in the same rows, and the integer and boolean
branches (shower count, selection flag) identical.

Where they differ (measured on 200,000 synthetic events of ``_events``): NumPy 2.4's vectorised arccos,
arctan2 and hypot differ from the libm calls numba makes in the last bit for ~1.4%, 7% and 0.6% of
arguments; so ``theta_ee`` (acos) differs by <= 2.5e-16 relative in 8% of rows and ``cos_theta`` by one
ulp of 1 (2.2e-16) in 1.3%; E_QE inherits that through its denominator ``M' - E + p cos`` (CCQE) or
``m_p - E (1 - cos)`` (seed 003): max 3.7e-13 and 4.1e-13 relative, the largest near the pole (E_QE far
above the 3 GeV selection range). E_vis, E_soft, m_ll, the radius and every weight are bit-identical, and
so are the selection flags and shower counts. Tolerance 1e-12 relative: 2.5x over the worst case seen;
``cos_theta`` (a unit-vector component; a value near 0 is the difference of O(1) terms) is compared
relative to 1, its natural scale.
"""

from pathlib import Path

import awkward as ak
import numpy as np
import pytest
from miniboone_numpy import directions_and_lengths_numpy, reconstruct_block_numpy, reconstruct_numpy

from detectors.miniboone import response as mb

RTOL = 1e-12
SCALE = {"cos_theta": 1.0}  # absolute scale of a branch where relative-to-value is ill-conditioned (docstring)


def _assert_same(kernel: dict, oracle: dict, keys=None):
    keys = list(oracle) if keys is None else keys
    for k in keys:
        a, b = np.asarray(kernel[k]), np.asarray(oracle[k])
        assert a.shape == b.shape and a.dtype.kind == b.dtype.kind, k
        if a.dtype.kind in "biu":
            assert np.array_equal(a, b), f"{k}: {np.count_nonzero(a != b)} rows differ"
            continue
        assert np.array_equal(np.isnan(a), np.isnan(b)), f"{k}: NaN rows differ"
        ok = ~np.isnan(b)
        scale = np.maximum(np.abs(b[ok]), SCALE.get(k, 0.0))
        diff = np.abs(a[ok] - b[ok])
        tiny = scale == 0
        assert np.all(diff[tiny] == 0), f"{k}: nonzero where the oracle is 0"
        rel = diff[~tiny] / scale[~tiny]
        assert rel.size == 0 or rel.max() <= RTOL, f"{k}: max relative difference {rel.max():.3g}"


def _events(n, seed):
    """Mixed e+e- pairs: collimated and wide, symmetric and very asymmetric, any direction; some rows without EM."""
    rng = np.random.default_rng(seed)
    E = rng.uniform(0.02, 3.0, n)
    m = rng.uniform(0.002, 0.3, n)
    m = np.minimum(m, 0.9 * E)
    # rest-frame decay, then a boost along a random lab direction
    c = rng.uniform(-1, 1, n)
    phi = rng.uniform(0, 2 * np.pi, n)
    k = np.sqrt(np.clip(m * m / 4 - mb.const.m_e**2, 0, None))
    s = np.sqrt(1 - c * c)
    q = k[:, None] * np.column_stack([s * np.cos(phi), s * np.sin(phi), c])
    bdir = rng.normal(size=(n, 3))
    bdir /= np.linalg.norm(bdir, axis=1)[:, None]
    bdir[: n // 4] = (0.0, 0.0, 1.0)  # beam-like, |n_z| > 0.9 branch of the basis
    gam = E / m
    bg = np.sqrt(gam * gam - 1)
    em = []
    for sign in (1, -1):
        qq = sign * q
        par = np.sum(qq * bdir, axis=1)
        e_rest = m / 2
        p = qq + ((gam - 1) * par + bg * e_rest)[:, None] * bdir  # boost along bdir
        e = gam * e_rest + bg * par
        em.append(np.column_stack([p, e]))
    absent = rng.random(n) < 0.03
    for p in em:
        p[absent] = 0.0
    w = rng.uniform(0.5, 1.5, n) * 1e-3
    vertex = rng.uniform(-600, 600, (n, 3))
    w_fid = rng.random(n)
    muon = np.where((rng.random(n) < 0.05)[:, None], np.array([0.0, 0.0, 0.3, 0.32]), 0.0)
    return em, w, vertex, w_fid, muon


CONFIGS = [
    mb.MiniBooNEConfig(),
    mb.MiniBooNEConfig(e_qe_formula="seed003", pi0_mass_cut=True, apply_efficiency=False, energy_resolution_constant=0.02),
    mb.MiniBooNEConfig(veto_muons_pions=False, resolving_angle_deg=5.0, soft_shower_threshold=0.1, angular_resolution_deg=0.0),
]


@pytest.mark.parametrize("icfg", range(len(CONFIGS)))
@pytest.mark.parametrize("fid", ["weight", "vertex", "none"])
def test_reconstruct_kernel_matches_numpy_pairs(icfg, fid):
    cfg = CONFIGS[icfg]
    em, w, vertex, w_fid, muon = _events(20_000, 11 + icfg)
    kw = {"weight": dict(decay_vertex=vertex, w_decay_fiducial=w_fid), "vertex": dict(decay_vertex=vertex), "none": {}}[fid]
    a = mb.reconstruct(em, w, tracks=[muon], config=cfg, rng=np.random.default_rng(3), **kw)
    b = reconstruct_numpy(em, w, tracks=[muon], config=cfg, rng=np.random.default_rng(3), **kw)
    assert set(a) == set(b)
    _assert_same(a, b)
    # the sample exercises every branch of the selection
    assert 0 < np.count_nonzero(a["passes_selection"]) < a["passes_selection"].size
    assert set(np.unique(a["n_showers"])) == {0, 1, 2}


def test_reconstruct_kernel_matches_numpy_single_particle_and_nan():
    em, w, _, _, _ = _events(5_000, 4)
    p = em[0].copy()
    p[:10] = np.nan  # a NaN row propagates as in NumPy (no EM, NaN observables, not selected)
    a = mb.reconstruct([p], w, rng=5)
    b = reconstruct_numpy([p], w, rng=5)
    _assert_same(a, b)
    assert not a["passes_selection"][:10].any() and np.isnan(a["E_vis"][:10]).all()


def test_flight_kernel_matches_numpy():
    rng = np.random.default_rng(2)
    n = 10_000
    p = rng.normal(size=(n, 4))
    p[:, 3] = np.abs(p[:, 3]) * 3
    p[:100] = 0.0  # absent
    p[100:200, 3] = 0.1  # space-like
    ctau = rng.uniform(0, 100, n)
    ctau[200:300] = 0.0
    fb = rng.normal(size=(n, 3))
    fb /= np.linalg.norm(fb, axis=1)[:, None]
    for fallback, c in ((None, ctau), (fb, ctau), (None, 12.5)):
        d1, l1 = mb._directions_and_lengths(p, c, fallback)
        d0, l0 = directions_and_lengths_numpy(p, c, fallback)
        assert np.array_equal(l1, l0) and np.array_equal(d1, d0)  # same arithmetic: bit-identical


def _truth(card_name, n_blocks, seed):
    from gen.card import load_card
    from gen.core.rng import BLOCK_SIZE
    from gen.sources.upscattering import iter_generate, prepare

    card = load_card(Path(__file__).resolve().parents[2] / "cards" / card_name)
    setup = prepare(card)
    return setup, ak.concatenate(list(iter_generate(card, n_blocks * BLOCK_SIZE, seed, setup=setup, reconstruct=False)))


# the light-Z' card places its decays in two steps (its Z' flies ~1 cm), the three-portal card in one (no Z'; its
# N flies metres, so the one-step weights are not just 0 or 1)
STAGE_CARDS = ["miniboone_light_zprime.toml", "three_portal_heavy_zprime.toml"]


@pytest.mark.parametrize("card_name", STAGE_CARDS)
def test_stage_kernel_matches_numpy_stage(monkeypatch, card_name):
    """MiniBooNEStage on two generated blocks, two-step and one-step placement: kernels vs the NumPy composition
    they replaced (``reconstruct_block_numpy``, given the kernel's vertices, see test_block_vertices_match_numpy),
    every branch, the chunk's histograms and the selected-weight sums (issue 16)."""
    from gen.stages.base import PROMPT_ZPRIME_CM, MiniBooNEStage

    setup, truth = _truth(card_name, 2, 9)
    kern = MiniBooNEStage(setup, 9)
    if card_name == STAGE_CARDS[0]:  # both blocks are placed in two steps (response._place_kernel's rule)
        z = truth.Zprime
        bg = np.sqrt(ak.to_numpy(z.px) ** 2 + ak.to_numpy(z.py) ** 2 + ak.to_numpy(z.pz) ** 2) / ak.to_numpy(z.mass)
        assert all(np.nanmax(b) * kern.ctau0_Zprime >= PROMPT_ZPRIME_CM for b in np.split(bg, 2))
    out_k = kern.apply(truth)
    vertex = np.column_stack([ak.to_numpy(out_k.vertex[c]) for c in "xyz"])

    def oracle(arrays, out, start, **kw):
        reconstruct_block_numpy(arrays, out, start, vertex=vertex[start:start + arrays["n"]], **kw)

    monkeypatch.setattr(mb, "reconstruct_block", oracle)
    monkeypatch.setattr(mb, "reconstruct", reconstruct_numpy)
    monkeypatch.setattr(mb, "_directions_and_lengths", directions_and_lengths_numpy)
    ref = MiniBooNEStage(setup, 9)
    out_n = ref.apply(truth)
    keys = [*mb.RECO_BRANCHES, "w_fiducial"]
    _assert_same({k: ak.to_numpy(out_k[k]) for k in keys}, {k: ak.to_numpy(out_n[k]) for k in keys})
    assert np.count_nonzero(ak.to_numpy(out_k.passes_selection)) > 100
    w_fid = ak.to_numpy(out_k.w_fiducial)
    assert np.all((w_fid >= 0) & (w_fid <= 1)) and np.count_nonzero((w_fid > 0) & (w_fid < 1)) > 1000  # not trivial
    assert kern.sel_sum == pytest.approx(ref.sel_sum, rel=RTOL) and kern.sel_sum2 == pytest.approx(ref.sel_sum2, rel=RTOL)
    for name, h in kern.hists.hists.items():
        r = ref.hists.hists[name]
        assert np.allclose(h.values, r.values, rtol=RTOL, atol=0) and h.entries == r.entries, name
        for s in ("sumw", "sumw2", "sumwx", "sumwx2"):
            assert getattr(h, s) == pytest.approx(getattr(r, s), rel=RTOL), (name, s)


def test_block_vertices_match_numpy():
    """``_place_kernel``'s upscattering vertices (libm's cbrt, sin, cos) against ``geometry.sample_uniform_ball``
    (NumPy's) from the same uniforms: within 4 ulps of the tank radius (measured: at most 1 ulp of the coordinate,
    8.7e-16 relative); the fiducial weights then agree to 1e-8 relative (nearly tangent chords amplify a vertex's
    last bit; measured 1.2e-9)."""
    from gen.core import rng as R
    from gen.stages.base import PROMPT_ZPRIME_CM, MiniBooNEStage

    setup, truth = _truth(STAGE_CARDS[0], 1, 4)
    stage = MiniBooNEStage(setup, 4)
    arrays = mb.event_arrays(truth)
    n = len(truth)
    ctau = stage._ctau_N(ak.to_numpy(truth.hnl_pdg))
    outs = []
    for fn in (mb.reconstruct_block, reconstruct_block_numpy):
        out = mb.block_outputs(n)
        fn(arrays, out, 0, rng=R.block_rng(4, 0, R.PURPOSE_DETECTOR), ctau0_N=ctau, ctau0_Zprime=stage.ctau0_Zprime,
           prompt_zprime_cm=PROMPT_ZPRIME_CM, config=stage.config)
        outs.append(out[0])
    v_k, v_n = outs[0][-3:], outs[1][-3:]
    assert np.max(np.abs(v_k - v_n)) <= 4 * np.spacing(mb.TANK_RADIUS)
    assert np.max(np.linalg.norm(v_k, axis=0)) < mb.TANK_RADIUS
    row = mb.BLOCK_ROWS.index("w_decay_fiducial")
    assert np.allclose(outs[0][row], outs[1][row], rtol=1e-8, atol=0)


@pytest.mark.parametrize("muons", [False, True])
def test_event_arrays_by_block_gives_the_same_blocks(muons):
    """``event_arrays(..., by_block=True)`` leaves the rows to ``slice_arrays`` (the detector stage makes them on
    each block's thread, issue 16): every block's arrays are those of the chunk's rows, to the bit, also when some
    l- is a muon (its rows then move to ``tracks`` for the whole chunk, as without ``by_block``)."""
    _setup, truth = _truth(STAGE_CARDS[0], 1, 6)
    if muons:  # every third l- given the muon mass: the same momentum, E = sqrt(p^2 + m_mu^2)
        lm = truth.ell_minus
        p2 = lm.px ** 2 + lm.py ** 2 + lm.pz ** 2
        e = np.where(np.arange(len(truth)) % 3 == 0, np.sqrt(ak.to_numpy(p2) + 0.1056583755 ** 2), ak.to_numpy(lm.E))
        truth = ak.with_field(truth, e, ["ell_minus", "E"])
    eager, lazy = mb.event_arrays(truth), mb.event_arrays(truth, by_block=True)
    assert len(eager["tracks"]) == (1 if muons else 0) and len(lazy["tracks"]) == len(eager["tracks"])
    n = len(truth)
    for start, stop in ((0, n), (0, 1000), (1000, 5003), (n - 7, n)):
        a, b = mb.slice_arrays(eager, start, stop), mb.slice_arrays(lazy, start, stop)
        assert a.keys() == b.keys() and a["n"] == b["n"] == stop - start
        for k in a:
            if k == "n" or a[k] is None:
                assert a[k] == b[k], k
                continue
            for x, y in zip(a[k], b[k]) if isinstance(a[k], list) else ((a[k], b[k]),):
                assert isinstance(y, np.ndarray) and x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y), k
