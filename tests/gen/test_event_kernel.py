"""The fused generation path: gen.core.kernels.event_kernel, reused chunk buffers, and the Z' decay sampler.

``event_kernel`` (what ``gen.sources.upscattering`` runs) must give exactly the events of the component kernels
run one after the other (production, hard-process slots, cascade, compaction), for any number of
parts; a chunk buffer may be reused only when nothing the caller holds still points into it. The
correlated V -> f1 f2 sampler relies on three exact statements tested here against brute force:
the arguments of |M|^2 are affine in the f1 direction, the tetrahedron average of |M|^2 is its
sphere average, and |M|^2 <= k <|M|^2> with k = 3 E1^2 / (3 E1^2 - q^2) for a vector coupling to an
equal-mass pair (k = 3 otherwise).
"""

import math

import awkward as ak
import numba
import numpy as np
import pytest

from gen.card import load_card
from gen.core import event_kernel as EK
from gen.core import kernels as K
from gen.core import rng as R
from gen.core.events import (
    NAMED_PARTICLES,
    NAMED_PDG,
    NAMED_VERTICES,
    PARTICLE_FIELDS,
    SCALAR_FIELDS,
    SLOT_N,
    ColumnBuffer,
    assemble_events,
)
from gen.sources.upscattering import _event_tables, generate, iter_generate, prepare
from physics import constants as const

CARD = "cards/miniboone_light_zprime.toml"


@pytest.fixture(scope="module")
def light():
    from pathlib import Path

    card = load_card(Path(__file__).resolve().parents[2] / CARD)
    return card, prepare(card)


def _component_events(setup, seed, n):
    """The events [0, n) (n <= one block) through the component kernels, as gen.sources.upscattering did before fusing them."""
    u4 = R.block_rng(seed, 0, R.PURPOSE_PRODUCTION).random((n, 4))
    seeds = R.block_rng(seed, 0, R.PURPOSE_DECAY).integers(0, 2**63, n, dtype=np.uint64)
    S = setup.slots
    chan, ybin = np.empty(n, np.int64), np.empty(n, np.int64)
    E, Q2, w = np.empty(n), np.empty(n), np.empty(n)
    p4 = np.zeros((n, S, 4))
    flux, chans = _event_tables(setup, n)[:2]
    K.production_kernel(u4, flux, chans, chan, E, Q2, w, ybin, p4)
    codes = setup.ch_codes
    pdg = np.zeros((n, S), np.int64)
    pdg[:, 0] = codes["projectile_pdg"][chan]
    pdg[:, 1] = pdg[:, 2] = codes["scatter_pdg"][chan]
    pdg[:, 3] = codes["n_pdg"][chan]
    status = np.zeros((n, S), np.int64)
    status[:, :4] = [K.STATUS_BEAM, K.STATUS_TARGET, K.STATUS_FINAL, K.STATUS_FINAL]
    parent = np.full((n, S), -1, np.int64)
    parent[:, 2:4] = 0
    pol = np.zeros((n, S))
    pol[:, 3] = setup.ch_pol[chan]
    st_of = np.full((n, S), -1, np.int64)
    st_of[:, 3] = setup.ch_root[chan]
    chosen = np.full((n, S), -1, np.int64)
    vtx = np.zeros((n, S, 4))
    npart = np.zeros(n, np.int64)
    K.cascade_kernel(seeds, 4, pdg, status, parent, p4, vtx, pol, st_of, npart, chosen, setup.graph.tables())
    ch_n = chosen[:, SLOT_N]
    scalars = {
        "event": np.arange(n), "weight": w * setup.ch_br[chan], "w_fiducial": np.ones(n), "E_nu": E, "Q2": Q2,
        **{k: codes[k][chan] for k in ("projectile_pdg", "target_pdg", "regime", "helicity", "helicity_flip", "hnl_pdg")},
        "channel": np.where(ch_n >= 0, setup.graph.ch_origin[np.maximum(ch_n, 0)], -1),
    }
    return assemble_events(scalars, pdg, status, parent, p4, vtx, npart)


def test_fused_kernel_equals_component_kernels(light):
    card, setup = light
    n = 3000
    ref = _component_events(setup, 5, n)
    ev = generate(card, n_events=n, seed=5, setup=setup)
    assert ev.layout.form == ref.layout.form
    assert ak.array_equal(ev, ref)


def _run_event_kernel(setup, u, seeds, n_parts, n_total):
    m = u.shape[0]
    buf = ColumnBuffer(m, m * setup.slots)
    rows = (m - -(-m // n_parts)) * setup.slots
    s_int, s_kin = np.full((3, rows), -7, np.int32), np.full((8, rows), np.nan)
    out = buf.outputs()
    k = EK.event_kernel(u, seeds, 100, n_parts, 0, 0, *_event_tables(setup, n_total), out, s_int, s_kin, setup.slots,
                        EK.EVENT_TASK)
    buf.n_events, buf.n_particles = m, k
    return buf.columns()


@pytest.mark.parametrize("n_parts", [2, 3, 7])
def test_event_kernel_parts_give_the_same_columns(light, n_parts):
    """Parts after the first write to the staging rows and are copied after: same columns as one part."""
    _card, setup = light
    m = 2000
    rng = np.random.default_rng(11)
    u = rng.random((m, 4))
    seeds = rng.integers(0, 2**63, m, dtype=np.uint64)
    one = _run_event_kernel(setup, u, seeds, 1, m)
    many = _run_event_kernel(setup, u, seeds, n_parts, m)
    assert one.keys() == many.keys()
    for k in one:
        np.testing.assert_array_equal(one[k], many[k], err_msg=k)
    assert one["particles_counts"].sum() == len(one["particles_pdg"])
    np.testing.assert_array_equal(one["event"], 100 + np.arange(m))


def test_build_events_layout_is_the_zip_layout(light):
    """build_events (awkward.contents directly) = the ak.zip / ak.unflatten construction, form and values."""
    card, setup = light
    ev = generate(card, n_events=500, seed=2, setup=setup)
    fields = {k: ev[k] for k in SCALAR_FIELDS}
    for name in NAMED_PARTICLES:
        fields[name] = ak.zip({c: ev[name][c] for c in ("px", "py", "pz", "E")}, with_name="Momentum4D")
    for name in NAMED_VERTICES:
        fields[name] = ak.zip({c: ev[name][c] for c in ("x", "y", "z", "t")})
    flat = ak.zip({k: ak.flatten(ev.particles[k]) for k in PARTICLE_FIELDS})
    fields["particles"] = ak.unflatten(flat, ak.num(ev.particles))
    for name in NAMED_PDG:
        fields[name] = ev[name]
    zipped = ak.zip(fields, depth_limit=1)
    assert zipped.layout.form == ev.layout.form
    assert ak.array_equal(zipped, ev)
    assert ak.all(abs(ev.N.mass - 0.420) < 1e-9)  # Momentum4D behaviour attached


def test_column_buffer_reuse_only_when_released(light):
    _card, setup = light
    buf = ColumnBuffer(10, 10 * setup.slots)
    cols = buf.columns()
    assert buf.in_use()
    with pytest.raises(RuntimeError, match="still in use"):
        buf.reset()
    w = cols["weight"]
    del cols
    assert buf.in_use()  # a single column view is enough to keep the memory
    del w
    assert not buf.in_use()
    buf.reset()


def test_chunks_held_by_the_caller_are_never_overwritten(light):
    """Chunks (and views of them) kept while iterating equal the same run generated at once; chunks dropped
    right away (the writer's pattern) give the same events too, through reused buffers."""
    card, setup = light
    n = 4 * R.BLOCK_SIZE + 77
    ref = generate(card, n_events=n, seed=9, setup=setup)
    kept = []
    weights = []
    for chunk in iter_generate(card, n, 9, chunk_size=R.BLOCK_SIZE, setup=setup):
        kept.append(chunk)
        weights.append(ak.to_numpy(chunk.weight))
    assert ak.array_equal(ak.concatenate(kept), ref)
    np.testing.assert_array_equal(np.concatenate(weights), ak.to_numpy(ref.weight))
    sums = []
    for chunk in iter_generate(card, n, 9, chunk_size=R.BLOCK_SIZE, setup=setup):
        sums.append((float(ak.sum(chunk.weight)), float(ak.sum(chunk.particles.E)), len(chunk)))
    starts = np.cumsum([0] + [s[2] for s in sums])
    for (sw, se, m), a in zip(sums, starts):
        part = ref[a:a + m]
        assert sw == float(ak.sum(part.weight)) and se == float(ak.sum(part.particles.E))


# ----------------------------------------------------------------------- correlated V -> f1 f2
def _chain_setup(rng, m1, m2):
    """A random F -> f V configuration (momenta in GeV, F spin along its flight) and couplings."""
    m0, mf, MV = 0.42, rng.choice([0.0, 0.1]), 0.03 + 0.15 * rng.random()
    MV = max(MV, m1 + m2 + 1e-3)
    PN = np.array([*rng.normal(0, 0.5, 3), 0.0])
    PN[3] = math.sqrt(m0**2 + PN[:3] @ PN[:3])
    # a kinematically allowed f, V pair: two-body decay of F at a random angle
    (pf, PV) = K._two_body(tuple(PN), m0, mf, MV, 2 * rng.random() - 1, 2 * math.pi * rng.random())
    hel = rng.choice([-1.0, 1.0])
    p = math.sqrt(PN[0] ** 2 + PN[1] ** 2 + PN[2] ** 2)
    sN = tuple(hel * PN[3] / (m0 * p) * PN[:3]) + (hel * p / m0,)
    return m0, mf, MV, tuple(PN), pf, PV, sN


def _w(r, E1, PV, MV, PN, sN, pf, cp, p12, m0, mf, ma, mb, C):
    return K._chain_msq(K._chain_inputs(r[0], r[1], r[2], E1, PV, MV, PN, sN, pf, cp), p12, m0, mf, ma, mb, *C,
                        K.coupling_terms(*C))


@numba.njit
def _w_many(dirs, E1, PV, MV, PN, sN, pf, cp, p12, m0, mf, ma, mb, CLL, CLR, CRL, CRR):
    out = np.empty(dirs.shape[0])
    for i in range(dirs.shape[0]):
        x = K._chain_inputs(dirs[i, 0], dirs[i, 1], dirs[i, 2], E1, PV, MV, PN, sN, pf, cp)
        out[i] = K._chain_msq(x, p12, m0, mf, ma, mb, CLL, CLR, CRL, CRR, K.coupling_terms(CLL, CLR, CRL, CRR))
    return out


@pytest.mark.parametrize("case", ["vector_ee", "vector_mumu", "chiral_nunu", "chiral_ee_cp"])
def test_chain_msq_affine_inputs_design_average_and_envelope(case):
    rng = np.random.default_rng({"vector_ee": 1, "vector_mumu": 2, "chiral_nunu": 3, "chiral_ee_cp": 4}[case])
    ml = {"vector_ee": const.m_e, "vector_mumu": const.m_mu, "chiral_nunu": 0.0, "chiral_ee_cp": const.m_e}[case]
    cL, cR = (0.7, 0.7) if case.startswith("vector") else (1.0, 0.2)
    cp = case.endswith("cp")
    ratios = []
    for _ in range(5):
        m0, mf, MV, PN, pf, PV, sN = _chain_setup(rng, ml, ml)
        nL, nR = complex(*rng.normal(size=2)), complex(*rng.normal(size=2))
        CLL, CLR, CRL, CRR = nL * cL, nL * cR, nR * cL, nR * cR
        q = math.sqrt(max(K.kallen(MV**2, ml**2, ml**2), 0.0)) / (2 * MV)
        E1 = MV / 2
        p12 = 0.5 * (MV**2 - 2 * ml**2)
        args = (E1, PV, MV, PN, sN, pf, cp, p12, m0, mf, ml, ml, (CLL, CLR, CRL, CRR))
        # many directions on the sphere of radius q (Fibonacci lattice: near-uniform, deterministic)
        k = np.arange(20000) + 0.5
        z = 1 - 2 * k / len(k)
        phi = math.pi * (1 + 5**0.5) * k
        dirs = q * np.stack([np.sqrt(1 - z * z) * np.cos(phi), np.sqrt(1 - z * z) * np.sin(phi), z], axis=1)
        W = _w_many(dirs, *args[:-1], *args[-1])
        # (1) the seven arguments are affine in r, and the kernel's coefficients (computed in the V rest frame,
        # K._chain_affine) reproduce their definition in the lab (K._chain_inputs) everywhere on the sphere
        h = q / math.sqrt(3)
        tet = [(h, h, h), (h, -h, -h), (-h, h, -h), (-h, -h, h)]
        A = K._chain_affine(E1, PV, MV, PN, sN, pf, cp)
        for r in dirs[::997]:
            exact = K._chain_inputs(*r, E1, PV, MV, PN, sN, pf, cp)
            fit = [K._at(a, *r) for a in A]
            scale = max(abs(x) for x in exact) + 1e-300
            assert max(abs(a - b) for a, b in zip(fit, exact)) < 1e-12 * scale
        # (2) tetrahedron mean = sphere mean (the lattice mean converges as 1/N^2 for smooth W)
        mean_tet = np.mean([_w(t, *args) for t in tet])
        assert abs(mean_tet - W.mean()) < 1e-6 * abs(W).max()
        # (3) envelope: |M|^2 >= 0 and its maximum over the sphere stays below k <W>
        kk = 3 * E1**2 / (3 * E1**2 - q * q) if case.startswith("vector") else 3.0
        assert W.min() >= -1e-12 * W.max()
        assert W.max() <= kk * mean_tet * (1 + 1e-9)
        ratios.append(W.max() / mean_tet)
    if case == "vector_ee":
        assert max(ratios) > 1.45  # the vector bound (1.5 for m_e -> 0) is nearly attained: it is tight
    elif case.startswith("chiral"):
        assert max(ratios) > 1.5  # a chiral coupling exceeds the vector bound: it needs k = 3


@numba.njit
def _msq_dots_inline_couplings(Pp1, Pp2, pfp1, pfp2, p1p2, sp1, sp2, m0, mf, m1, m2, CLL, CLR, CRL, CRR):
    """The helicity-conserving part of ``physics.three_body._msq_dots`` as it was written before issue 16's hoist of
    ``coupling_terms``: the coupling factors inline, evaluated at every call."""
    spf = -(sp1 + sp2)
    KLp1 = Pp1 - m0 * sp1
    KLp2 = Pp2 - m0 * sp2
    KRp1 = Pp1 + m0 * sp1
    KRp2 = Pp2 + m0 * sp2
    Ppf = (m0 * m0 + mf * mf - (m1 * m1 + m2 * m2 + 2.0 * p1p2)) * 0.5
    KLpf = Ppf - m0 * spf
    KRpf = Ppf + m0 * spf
    return 8.0 * (abs(CLL) ** 2 * pfp1 * KLp2 + abs(CLR) ** 2 * pfp2 * KLp1
                  + abs(CRR) ** 2 * pfp1 * KRp2 + abs(CRL) ** 2 * pfp2 * KRp1
                  + m1 * m2 * ((CLL * CLR.conjugate()).real * KLpf + (CRR * CRL.conjugate()).real * KRpf))


@numba.njit
def _msq_both(x, m0, m1, m2, CLL, CLR, CRL, CRR):
    a = _msq_dots_inline_couplings(x[0], x[1], x[2], x[3], x[4], x[5], x[6], m0, 0.0, m1, m2, CLL, CLR, CRL, CRR)
    b = K._chain_msq((x[0], x[1], x[2], x[3], x[5], x[6], x[7]), x[4], m0, 0.0, m1, m2, CLL, CLR, CRL, CRR,
                     K.coupling_terms(CLL, CLR, CRL, CRR))
    return a, b


def test_chain_msq_with_hoisted_couplings_is_the_inline_formula_bit_for_bit():
    """The correlated Z' decay computes the coupling factors once per decay (``coupling_terms``; issue 16): the same
    operations in the same order as the formula with the factors inline, so |M|^2, hence the accept-reject and every
    event, keep their bits (the massless-f path of the light-Z' cascade)."""
    rng = np.random.default_rng(11)
    for _ in range(200):
        x = rng.normal(size=8) * 10.0 ** rng.uniform(-3, 1, 8)
        C = [complex(*rng.normal(size=2)) for _ in range(4)]
        a, b = _msq_both(x, 0.42, const.m_e, const.m_e, *C)
        assert a == b


def test_vector_decay_correlated_array_wrapper_matches_tuple_kernel():
    rng = np.random.default_rng(5)
    m0, mf, MV, PN, pf, PV, _sN = _chain_setup(rng, const.m_e, const.m_e)
    o1, o2, tmp = np.empty(4), np.empty(4), np.empty((8, 4))
    with np.errstate(over="ignore"):  # SplitMix64 relies on uint64 wrap-around (plain Python here)
        st = K.vector_decay_correlated(np.array(PV), MV, const.m_e, const.m_e, np.array(PN), m0, -1.0, np.array(pf), mf,
                                       1 + 0j, 0j, 0.7 + 0j, 0.7 + 0j, False, np.uint64(123), o1, o2, tmp)
        st2, d1, d2 = K._vector_decay_correlated(PV, MV, const.m_e, const.m_e, PN, m0, -1.0, pf, mf,
                                                 1 + 0j, 0j, 0.7 + 0j, 0.7 + 0j, False, np.uint64(123))
    assert st == st2
    np.testing.assert_array_equal(o1, d1)
    np.testing.assert_array_equal(o2, d2)
    np.testing.assert_allclose(o1 + o2, PV, rtol=1e-12, atol=1e-15)


def test_named_pdg_codes_match_the_named_particles(light):
    """ell_minus_pdg / ell_plus_pdg / nu_out_pdg name the particle-list entry whose four-momentum the named
    field holds (0 exactly when the named field is zeros)."""
    card, setup = light
    ev = generate(card, n_events=3000, seed=5, setup=setup)
    for name, field in (("ell_minus_pdg", "ell_minus"), ("ell_plus_pdg", "ell_plus"), ("nu_out_pdg", "nu_out")):
        code = ak.to_numpy(ev[name])
        has = ak.to_numpy(ev[field].E) != 0
        assert np.array_equal(code != 0, has), name
        match = (ev.particles.pdg == ev[name]) & (ev.particles.E == ev[field].E) & (ev.particles.pz == ev[field].pz)
        assert np.all(ak.to_numpy(ak.any(match, axis=1))[has]), name
    assert set(np.unique(ak.to_numpy(ev.ell_minus_pdg))) <= {0, 11, 13, 15}
    assert (ak.to_numpy(ev.ell_minus_pdg) == 11).any()
