"""NA62: kaon beam and production (gen/sources/meson_decay.py), the dedicated cascade of the test oracle
(tests/oracles/na62_dedicated.py), detector and observables (detectors/na62/response.py)."""

import math
import types

import na62_dedicated as src  # the test oracle (tests/oracles, pytest pythonpath)
import numpy as np
import pytest
from scipy import stats

from detectors.na62 import response as na62
from gen.sources import meson_decay as gsrc
from physics import constants as const
from physics import units as u
from physics.meson_decays import cascade_mass_ranges, polarisation_N_from_P_to_lN

MK, MMU, ME = const.m_K_charged, const.m_mu, const.m_e
CTAU_K = const.tau_K_charged * u.c_light
N_EV = 20_000

# K+ -> mu+ (N -> nu (Z' -> e+e-)) and K+ -> mu+ (N -> nu (Z' -> mu+mu-)), prompt cascade
CASES = {
    "ee": src.KaonCascade(m_N=0.30, m_Zp=0.05, flavour_a="mu", flavour_b="e", U2_aN=1e-8),
    "mumu": src.KaonCascade(m_N=0.35, m_Zp=0.25, flavour_a="mu", flavour_b="mu", U2_aN=1e-8),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def sample(request):
    cas = CASES[request.param]
    ev = src.generate_na62_cascade(N_EV, np.random.default_rng(11), cas)
    mb = ME if cas.flavour_b == "e" else MMU
    reco = na62.reconstruct(ev, np.random.default_rng(12), m_a=MMU, m_b=mb, flavour_a="mu",
                            flavour_b=cas.flavour_b)
    return cas, ev, reco


def _m2(p):
    return p[:, 3] ** 2 - (p[:, :3] ** 2).sum(axis=1)


# ----------------------------------------------------------------------------------- API
def test_public_apis_are_pinned():
    assert src.__all__ == ["KaonCascade", "N_UNIFORMS", "generate_na62_cascade", "cascade_from_decay_table",
                           "events_to_awkward", "SEED004_N_K_FID", "iter_generate_dedicated"]
    assert "reconstruct" in na62.__all__ and "solve_ses_U2" in na62.__all__
    for name in na62.__all__:
        assert hasattr(na62, name)


def test_bad_cascades_raise():
    with pytest.raises(ValueError, match="m_N = 0.4"):
        src.KaonCascade(m_N=0.4, m_Zp=0.05)
    with pytest.raises(ValueError, match="m_Zp = 0.2"):
        src.KaonCascade(m_N=0.3, m_Zp=0.2, flavour_b="mu")
    with pytest.raises(ValueError, match="br_Zp_to_bb"):
        src.KaonCascade(m_N=0.3, m_Zp=0.05, br_Zp_to_bb=1.5)
    with pytest.raises(ValueError, match="z_fv_begin"):
        gsrc.NA62Beam(z_fv_begin=200 * u.m)


# ----------------------------------------------------------------------------------- kinematics
def test_four_momentum_conservation_and_on_shell(sample):
    cas, ev, _ = sample
    mb = ME if cas.flavour_b == "e" else MMU
    p = {k[3:]: ev[k] for k in ev if k.startswith("p4_")}
    np.testing.assert_allclose(p["K"], p["a"] + p["nu"] + p["bm"] + p["bp"], atol=1e-8)
    np.testing.assert_allclose(p["K"], p["a"] + p["N"], atol=1e-8)
    np.testing.assert_allclose(p["N"], p["nu"] + p["Zp"], atol=1e-8)
    np.testing.assert_allclose(p["Zp"], p["bm"] + p["bp"], atol=1e-8)
    for name, m in (("K", MK), ("a", MMU), ("N", cas.m_N), ("Zp", cas.m_Zp), ("bm", mb), ("bp", mb), ("nu", 0.0)):
        # m^2 from E^2 - p^2 at E ~ 75 GeV carries ~1e-15 * E^2 rounding
        np.testing.assert_allclose(_m2(p[name]), m * m, atol=1e-9)


def test_eq21_holds_event_by_event_on_truth_and_reco(sample):
    _, _, reco = sample
    truth = {k[6:]: v for k, v in reco.items() if k.startswith("truth_")}
    assert np.abs(na62.eq21_residual(truth, MK**2, MMU**2)).max() < 1e-8
    # it is an algebraic identity: it also holds for smeared, on-shell four-vectors
    assert np.abs(na62.eq21_residual(reco, MK**2, MMU**2)).max() < 1e-8


def test_truth_resonances_and_missing_mass(sample):
    cas, _, reco = sample
    np.testing.assert_allclose(reco["truth_m_ll"], cas.m_Zp, rtol=1e-9)
    np.testing.assert_allclose(reco["truth_m2_N"], cas.m_N**2, atol=1e-9)
    np.testing.assert_allclose(reco["truth_m2_miss"], 0.0, atol=1e-8)


def test_reco_peaks_at_the_resonances(sample):
    cas, _, reco = sample
    a = reco["accepted"]
    assert a.sum() > 500
    m_ll, mN = reco["m_ll"][a], np.sqrt(np.abs(reco["m2_N"][a]))
    assert np.median(m_ll) == pytest.approx(cas.m_Zp, abs=3 * np.std(m_ll) / math.sqrt(a.sum()) + 1e-4)
    assert np.median(mN) == pytest.approx(cas.m_N, abs=3 * np.std(mN) / math.sqrt(a.sum()) + 2e-4)
    # histogram mode of m2_N is the bin containing m_N^2
    h, edges = np.histogram(reco["m2_N"][a], bins=np.linspace(cas.m_N**2 - 0.01, cas.m_N**2 + 0.01, 41))
    k = np.argmax(h)
    assert edges[k] - 1e-3 <= cas.m_N**2 <= edges[k + 1] + 1e-3


def test_appendix_a_ranges(sample):
    cas, _, reco = sample
    (a_lo, a_hi), (b_lo, b_hi) = cascade_mass_ranges(MK, MMU, cas.m_N, cas.m_Zp)
    tol = 1e-9
    for key, lo, hi in (("truth_m2_lnu", a_lo, a_hi), ("truth_m2_lll", b_lo, b_hi)):
        x = reco[key]
        assert x.min() >= lo - tol and x.max() <= hi + tol
        # the edges are reached (flat distributions in the cos of the N-frame angle)
        assert x.min() - lo < 0.01 * (hi - lo) and hi - x.max() < 0.01 * (hi - lo)


# ----------------------------------------------------------------------------------- beam, volume
def test_fv_probability_closed_form_and_provenance_value():
    beam = gsrc.NA62Beam()
    assert CTAU_K == pytest.approx(const.ctau_K_charged, rel=1e-3)
    # PROVENANCE.md "Facts: NA62 kaon beam": 10.3 % of 75 GeV/c K+ decay in 105-180 m
    assert gsrc.fv_decay_probability(75.0, MK, CTAU_K, 105 * u.m, 180 * u.m) == pytest.approx(0.103, abs=5e-4)
    assert gsrc.mean_fv_decay_probability(gsrc.NA62Beam(sigma_rel=0.0), MK, CTAU_K) == pytest.approx(
        gsrc.fv_decay_probability(75.0, MK, CTAU_K, beam.z_fv_begin, beam.z_fv_end), rel=1e-12)


def test_kaon_decay_positions_follow_truncated_exponential():
    beam = gsrc.NA62Beam(sigma_rel=0.0)
    cas = CASES["ee"]
    ev = src.generate_na62_cascade(N_EV, np.random.default_rng(3), cas, beam)
    z = ev["vtx_K"][:, 2]
    assert z.min() >= beam.z_fv_begin and z.max() <= beam.z_fv_end
    lam = CTAU_K * 75.0 / MK
    cdf = lambda x: -np.expm1(-(x - beam.z_fv_begin) / lam) / -np.expm1(-(beam.z_fv_end - beam.z_fv_begin) / lam)  # noqa: E731
    assert stats.kstest(z, cdf).pvalue > 0.01
    # every event carries the exact decay-in-volume probability of its momentum
    np.testing.assert_allclose(ev["P_fv"], gsrc.fv_decay_probability(75.0, MK, CTAU_K, beam.z_fv_begin, beam.z_fv_end))


def test_weights_normalise_to_exposure_times_br():
    """Prompt cascade, BRs 1: sum of weights = N_fid * BR(K -> mu N) within its MC error, and the
    weighted momentum spectrum is that of kaons decaying in the volume (closed form by quadrature)."""
    cas = CASES["ee"]
    beam = gsrc.NA62Beam()
    ev = src.generate_na62_cascade(N_EV, np.random.default_rng(5), cas, beam, n_parent_decays_fid=1e11)
    w = ev["weight"]
    target = 1e11 * cas.br_production
    assert w.sum() == pytest.approx(target, abs=4 * w.std() * math.sqrt(N_EV))
    x, gw = np.polynomial.hermite_e.hermegauss(64)
    p = beam.p0 * (1 + beam.sigma_rel * x)
    pf = gsrc.fv_decay_probability(p, MK, CTAU_K, beam.z_fv_begin, beam.z_fv_end)
    mean_p = np.sum(gw * pf * p) / np.sum(gw * pf)
    pK = ev["p4_K"][:, 2]
    est = np.sum(w * pK) / w.sum()
    assert est == pytest.approx(mean_p, abs=4 * beam.p0 * beam.sigma_rel / math.sqrt(N_EV))
    assert mean_p < beam.p0  # slower kaons decay more often in the volume


def test_displaced_vertices_truncated_exponential_and_probability():
    cas = src.KaonCascade(m_N=0.3, m_Zp=0.05, ctau0_N=5.0, ctau0_Zp=1.0, U2_aN=1e-8)
    beam = gsrc.NA62Beam()
    ev = src.generate_na62_cascade(N_EV, np.random.default_rng(7), cas, beam)
    pN = ev["p4_N"]
    p = np.linalg.norm(pN[:, :3], axis=1)
    lam = cas.ctau0_N * p / cas.m_N
    d = np.linalg.norm(ev["vtx_N"] - ev["vtx_K"], axis=1)
    lmax = (beam.z_decay_end - ev["vtx_K"][:, 2]) * p / pN[:, 2]
    assert np.all(d <= lmax * (1 + 1e-12))
    np.testing.assert_allclose(ev["P_dec_N"], -np.expm1(-lmax / lam), rtol=1e-12)
    # probability integral transform of the truncated exponential is uniform
    v = -np.expm1(-d / lam) / -np.expm1(-lmax / lam)
    assert stats.kstest(v, "uniform").pvalue > 0.01
    # the Z' starts where N decays; the weight carries both probabilities
    assert np.all(ev["vtx_Zp"][:, 2] >= ev["vtx_N"][:, 2])
    assert np.all(ev["vtx_Zp"][:, 2] <= beam.z_decay_end + 1e-6)
    stable = src.generate_na62_cascade(100, 1, src.KaonCascade(m_N=0.3, m_Zp=0.05, ctau0_N=math.inf))
    assert np.all(stable["weight"] == 0.0)


# ----------------------------------------------------------------------------------- polarisation
def _cos_Zp_in_N_frame(ev):
    """cos of the Z' direction in the N rest frame (pure boost from the kaon frame) about N's
    direction in the kaon frame, computed with an independent numpy boost."""
    def boost(p, b):  # boost 4-vectors p (n,4) into the frame moving with velocity b (n,3)
        b2 = (b**2).sum(1)
        g = 1 / np.sqrt(1 - b2)
        bp = (b * p[:, :3]).sum(1)
        E = g * (p[:, 3] - bp)
        coef = np.where(b2 > 0, (g - 1) * bp / np.where(b2 > 0, b2, 1), 0.0) - g * p[:, 3]
        return np.column_stack([p[:, :3] + coef[:, None] * b, E])

    bK = ev["p4_K"][:, :3] / ev["p4_K"][:, 3:4]
    NK = boost(ev["p4_N"], bK)
    ZK = boost(ev["p4_Zp"], bK)
    ZN = boost(ZK, NK[:, :3] / NK[:, 3:4])
    n = NK[:, :3] / np.linalg.norm(NK[:, :3], axis=1)[:, None]
    return (ZN[:, :3] * n).sum(1) / np.linalg.norm(ZN[:, :3], axis=1)


@pytest.mark.parametrize("majorana", [False, True])
def test_N_decay_asymmetry_follows_the_kaon_frame_helicity(majorana):
    cas = src.KaonCascade(m_N=0.3, m_Zp=0.05, majorana=majorana)
    ev = src.generate_na62_cascade(N_EV, np.random.default_rng(9), cas)
    c = _cos_Zp_in_N_frame(ev)
    r = (cas.m_Zp / cas.m_N) ** 2
    slope = 0.0 if majorana else (1 - 2 * r) / (1 + 2 * r) * polarisation_N_from_P_to_lN(MK, MMU, cas.m_N)
    # <cos> = slope/3 for a density (1 + slope cos)/2
    assert np.mean(c) == pytest.approx(slope / 3, abs=4 * np.std(c) / math.sqrt(N_EV))
    assert np.all(np.abs(ev["pol_N_lab"]) <= abs(cas.polarisation_N) + 1e-12)


# ----------------------------------------------------------------------------------- detector
def test_track_propagation_follows_beam_axis_and_neutral_lines():
    n = 5
    # the nominal kaon of the generator (along +z) mapped to the NA62 frame
    p4, origin = na62.to_na62_frame(np.tile([0.0, 0.0, 75.0, math.hypot(75.0, MK)], (n, 1)),
                                    np.tile([0.0, 0.0, 105 * u.m], (n, 1)))
    np.testing.assert_allclose(p4[:, 0] / p4[:, 2], na62.BEAM_SLOPE_X, rtol=1e-12)
    np.testing.assert_allclose(origin[:, 0], na62.BEAM_SLOPE_X * (105 * u.m - na62.Z_GTK[2]), rtol=1e-6)
    for z in (*na62.Z_STRAW, na62.Z_LKR, na62.Z_MUV3):
        x, y = na62.track_position(p4, origin, +1, z)
        np.testing.assert_allclose(x, na62.beam_axis_x(z), atol=1e-4)  # 1 um: small-angle slope algebra
        x0, _ = na62.track_position(p4, origin, 0, z)
        np.testing.assert_allclose(x0, na62.BEAM_SLOPE_X * (z - na62.Z_GTK[2]), atol=1e-6)
    # the beam axis passes within 1 cm of the chamber hole centres of the NA62 reference geometry
    np.testing.assert_allclose(na62.beam_axis_x(np.array(na62.Z_STRAW)), na62.X_STRAW_HOLE_CENTRE, atol=1.0)
    # a beam-like track stays in the holes: not accepted; a 5 mrad track is
    assert not na62.in_straw_acceptance(p4, origin, +1).any()
    wide = p4.copy()
    wide[:, 1] = 0.005 * wide[:, 2]
    assert na62.in_straw_acceptance(wide, origin, +1).all()
    # frame rotation preserves masses and angles
    q = np.random.default_rng(0).normal(size=(10, 4)) + [0, 0, 30, 40]
    qr, _ = na62.to_na62_frame(q)
    np.testing.assert_allclose(_m2(qr), _m2(q), rtol=1e-12)


def test_mnp33_kick_is_the_field_integral_of_the_na62_simulation():
    # NA62MC SpectrometerGeometryParameters ([M] in detectors/na62/response.py): B = 0.6928 T over 1.3 m, front face
    # at 196.345 m. p_T = c B L with c = 0.299792458 GeV/(T m) for a unit charge: 0.27001 GeV; the constant
    # is 0.270 (three digits), so allow 5e-4 relative.
    assert na62.PT_KICK_MNP33 == pytest.approx(0.299792458 * 0.6928 * 1.3 * u.GeV, rel=5e-4)
    assert na62.Z_MNP33 == pytest.approx(196.345 * u.m + 0.5 * 1.3 * u.m, abs=1e-6)
    # it lies between chambers 2 and 3, as the magnet does in [M] (responsibility region of chamber 2 + MNP33)
    assert na62.Z_STRAW[1] < na62.Z_MNP33 < na62.Z_STRAW[2]


def test_closest_approach_recovers_intersection_and_offset():
    rng = np.random.default_rng(1)
    v = rng.uniform([-5, -5, 10000], [5, 5, 18000], size=(100, 3))
    t1, t2 = rng.normal(0, 0.01, (100, 2)), rng.normal(0, 0.01, (100, 2))
    z0 = 18350.0
    x1 = np.column_stack([v[:, :2] + t1 * (z0 - v[:, 2:3]), np.full(100, z0)])
    x2 = np.column_stack([v[:, :2] + t2 * (z0 - v[:, 2:3]), np.full(100, z0)])
    vtx, cda = na62.closest_approach(x1, t1, x2, t2)
    np.testing.assert_allclose(vtx, v, atol=1e-6)
    np.testing.assert_allclose(cda, 0.0, atol=1e-6)
    x2[:, 1] += 0.3  # shift line 2 in y by 3 mm: cda <= 3 mm, ~3 mm for small slopes
    _, cda = na62.closest_approach(x1, t1, x2, t2)
    assert np.all(cda <= 0.3 + 1e-9) and np.median(cda) > 0.2


@pytest.mark.parametrize("p", [5.0, 20.0, 60.0])
def test_straw_resolutions_are_reproduced(p):
    n = 40_000
    rng = np.random.default_rng(int(p))
    p4 = np.tile([0.0, 0.0, p, math.hypot(p, MMU)], (n, 1))
    origin = np.tile([0.0, 0.0, 150 * u.m], (n, 1))
    r4, _, t = na62.smear_tracks(p4, origin, MMU, rng)
    rel = np.linalg.norm(r4[:, :3], axis=1) / p - 1
    s_exp = float(na62.sigma_p_over_p_straw(p))
    # Gaussian fit width (ML estimate = std) within 4 standard errors sigma/sqrt(2n)
    assert np.std(rel) == pytest.approx(s_exp, abs=4 * s_exp / math.sqrt(2 * n))
    th = float(na62.sigma_theta_straw(p))
    for k in (0, 1):
        assert np.std(t[:, k]) == pytest.approx(th, abs=4 * th / math.sqrt(2 * n))
    assert stats.normaltest(rel).pvalue > 0.01


def test_gtk_resolutions_are_reproduced():
    n = 40_000
    rng = np.random.default_rng(4)
    p4 = np.tile([0.0, 0.0, 75.0, math.hypot(75.0, MK)], (n, 1))
    r4, _, t = na62.smear_kaon(p4, rng, m_K=MK)
    rel = np.linalg.norm(r4[:, :3], axis=1) / 75.0 - 1
    assert np.std(rel) == pytest.approx(0.002, abs=4 * 0.002 / math.sqrt(2 * n))
    assert np.std(t[:, 0]) == pytest.approx(16e-6, abs=4 * 16e-6 / math.sqrt(2 * n))
    np.testing.assert_allclose(_m2(r4), MK**2, atol=1e-9)


def test_reconstructed_vertices_and_acceptance_are_sane(sample):
    cas, _, reco = sample
    a = reco["accepted"]
    assert 0.02 < a.mean() < 0.6
    assert np.all(reco["acc_straw"][a])
    dz = reco["vtx_Ka_z"][a] - reco["truth_vtx_Ka_z"][a]
    # kaon-track vertex: unbiased, O(10-100 cm) resolution
    assert abs(np.median(dz)) < 10.0 and np.median(np.abs(dz)) < 100.0
    assert np.median(reco["vtx_bb_cda"][a]) < 1.0  # cm


def test_lkr_resolution_reference_point():
    # 4.8 %/sqrt(E) (+) 11 %/E (+) 0.9 % gives 1.4 % at 25 GeV
    assert float(na62.sigma_E_over_E_lkr(25.0)) == pytest.approx(0.0139, abs=2e-4)


# ----------------------------------------------------------------------------------- sensitivity
def test_ses_eq25_prompt_limit_and_solver():
    # prompt, BRs = 1: 1/(N_K A BR(K -> mu nu))
    assert float(na62.ses_U2_eq25("e", 1.0)) == pytest.approx(1 / (2.14e11 * 0.04 * const.BR_K_to_mu_nu), rel=1e-12)
    assert float(na62.ses_U2_eq25("mu", 1.0)) == pytest.approx(1 / (7.94e11 * 0.10 * const.BR_K_to_mu_nu), rel=1e-12)
    assert float(na62.p_dec_crude(1e-9, 1e-9, 0.5, 0.25)) == pytest.approx(0.125)
    assert float(na62.p_dec_crude(1e12, 1e-9, 1, 1)) == pytest.approx(na62.L_AVG_SEED004 / 1e12, rel=1e-6)
    # constant P_dec: solver equals the explicit formula
    U2 = na62.solve_ses_U2("e", lambda U2: 0.3, rho=3.0)
    assert U2 == pytest.approx(float(na62.ses_U2_eq25("e", 0.3, rho=3.0)), rel=1e-8)
    # N decay length ~ 1/U2: the solution satisfies the implicit equation
    L1 = 1e-6 * u.m  # lab decay length of N at U2 = 1
    pdec = lambda U2: float(na62.p_dec_crude(L1 / U2, 1.0, 1.0, 1.0))  # noqa: E731
    U2 = na62.solve_ses_U2("mu", pdec)
    assert U2 * 7.94e11 * 0.1 * const.BR_K_to_mu_nu * pdec(U2) == pytest.approx(1.0, rel=1e-6)


# ----------------------------------------------------------------------------------- adapters
def test_cascade_from_decay_table_duck_typed():
    ch = types.SimpleNamespace
    table = {
        "N4": ch(ctau0_cm=0.01, channels=[ch(br=0.9, pdg=(14, 32)), ch(br=0.1, pdg=(14, 11, -11))]),
        "Zprime": ch(ctau0_cm=0.02, channels=[ch(br=0.7, pdg=(11, -11)), ch(br=0.3, pdg=(13, -13))]),
    }
    cas = src.cascade_from_decay_table(table, m_N=0.3, m_Zp=0.25, flavour_b="mu", U2_aN=1e-8)
    assert (cas.br_N_to_nu_Zp, cas.br_Zp_to_bb, cas.ctau0_N, cas.ctau0_Zp) == (0.9, 0.3, 0.01, 0.02)


def test_awkward_output_and_jit_parity():
    vector = pytest.importorskip("vector")
    vector.register_awkward()
    cas = CASES["mumu"]
    ev = src.generate_na62_cascade(200, np.random.default_rng(2), cas)
    arr = src.events_to_awkward(ev)
    np.testing.assert_allclose(np.asarray((arr.bm + arr.bp).mass), cas.m_Zp, rtol=1e-9)
    uni = np.random.default_rng(3).random((20, src.N_UNIFORMS))
    args = (uni, MK, CTAU_K, 75.0, 0.01, 105 * u.m, 180 * u.m, 180 * u.m, MMU, 0.35, 0.25, MMU, 1.0, 2.0,
            cas.polarisation_N, True)
    jit_out = src.na62_cascade_kernel(*args)
    with np.errstate(over="ignore"):  # SplitMix64 (the Z' decay's accept-reject) relies on uint64 wrap-around
        py_out = getattr(src.na62_cascade_kernel, "py_func", src.na62_cascade_kernel)(*args)  # NUMBA_DISABLE_JIT=1
    for a, b in zip(jit_out, py_out):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_seed004_lifetimes_eq22_eq24_for_fig3_parameters():
    """tau_N = 1.7 ps (eq. (22), pseudo-Dirac: half of eq. (13), final-state masses neglected) and
    tau_Z' = 0.70 ps (eq. (24)) at the reference point used for Fig. 3 (validation/na62/plot_fig3.py)."""
    from physics.decay_widths import width_N_to_nu_Zprime, width_Zprime_to_ll

    mZ_small = 1e-4  # neglect r = m_Z'^2/m_N^2, then scale tau ∝ m_Z'^2 back to 100 MeV
    w = width_N_to_nu_Zprime(0.300, mZ_small, 0.375**2 * 1e-10, False)
    assert u.hbar / w * (0.100 / mZ_small) ** 2 / u.ps == pytest.approx(1.7, rel=0.03)
    e_eps = const.e_charge * const.cos_thetaW * 1e-4
    assert u.hbar / width_Zprime_to_ll(0.050, 0.0, e_eps) / u.ps == pytest.approx(0.70, rel=0.01)


def test_cascade_from_the_real_decay_table_of_the_na62_card():
    import pathlib

    from gen.card import build_model, load_card
    from physics.decay_table import decay_table

    card = pathlib.Path(__file__).resolve().parents[2] / "cards" / "na62_light_zprime.toml"
    if not card.exists():
        pytest.skip("cards/ not available (installed package without the checkout)")
    model = build_model(load_card(card))
    cas = src.cascade_from_decay_table(decay_table(model), model=model, flavour_b="e")
    assert (cas.m_N, cas.m_Zp, cas.majorana) == (0.300, 0.100, False)
    assert cas.U2_aN == pytest.approx(1e-10, rel=1e-6)
    assert cas.br_N_to_nu_Zp == pytest.approx(1.0, abs=1e-6) and cas.br_Zp_to_bb == pytest.approx(1.0, abs=1e-6)
    # seed 004 eq. (22) (with the (1 - r)^2 (1 + 2r) mass factor at m_Z'/m_N = 1/3) and eq. (24) at 100 MeV
    r = (0.1 / 0.3) ** 2
    assert cas.ctau0_N / (u.c_light * u.ps) == pytest.approx(1.7 / ((1 - r) ** 2 * (1 + 2 * r)), rel=0.03)
    assert cas.ctau0_Zp / (u.c_light * u.ps) == pytest.approx(0.70 * 50 / 100, rel=0.01)
    ev = src.generate_na62_cascade(1000, 1, cas)
    # prompt on the 75 m scale, except for kaons decaying within centimetres of the volume end
    assert np.all(ev["weight"] >= 0) and np.median(ev["P_dec_N"]) > 0.99


def test_production_only_kernel_matches_the_cascade_rows():
    cas = CASES["ee"]
    uni = np.random.default_rng(8).random((500, src.N_UNIFORMS))
    args = (MK, CTAU_K, 75.0, 0.01, 105 * u.m, 180 * u.m)
    p4c, vtxc, infoc = src.na62_cascade_kernel(uni, *args, 180 * u.m, MMU, cas.m_N, cas.m_Zp, ME, 0.0, 0.0,
                                               cas.polarisation_N, False)
    p4p, z, infop = gsrc.na62_production_kernel(uni[:, :5].copy(), *args, MMU, cas.m_N, cas.polarisation_N)
    np.testing.assert_allclose(p4p[:, :3], p4c[:, :3], rtol=1e-14, atol=1e-14)
    # rows 3, 4: a+ and N in the kaon rest frame, back-to-back with the two-body momentum
    np.testing.assert_allclose(p4p[:, 3, :3] + p4p[:, 4, :3], 0.0, atol=1e-15)
    np.testing.assert_allclose(p4p[:, 3, 3] + p4p[:, 4, 3], MK, rtol=1e-14)
    np.testing.assert_allclose(z, vtxc[:, 0, 2], rtol=1e-14)
    np.testing.assert_allclose(infop[:, 0], infoc[:, 0], rtol=1e-14)
    np.testing.assert_allclose(infop[:, 1], infoc[:, 3], rtol=1e-14, atol=1e-14)
    ev = gsrc.generate_na62_production(N_EV, 3, m_N=0.3, U2_aN=1e-8, n_parent_decays_fid=1e11)
    assert ev["weight"].sum() == pytest.approx(1e11 * cas.br_production, abs=4 * ev["weight"].std() * math.sqrt(N_EV))
    np.testing.assert_allclose(ev["p4_K"], ev["p4_a"] + ev["p4_N"], atol=1e-9)
    with pytest.raises(ValueError, match="m_N = 0.45"):
        gsrc.generate_na62_production(10, 1, m_N=0.45, U2_aN=1e-8, n_parent_decays_fid=1e11)
