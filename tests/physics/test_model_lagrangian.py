"""Single-generation Lagrangian model (physics/model.py ``model_from_lagrangian``) against the
closed forms of arXiv:1903.07589 ("seed 004") eq. (2)-(3) and arXiv:1903.07590 ("seed 001")
eq. (2), (13).

Eigen-decomposition used below (derived by hand, checked here numerically). The matrix

    M = [[0, m_D, 0], [m_D, mu', Lambda], [0, Lambda, 0]]    (basis nu_alpha, N, nu_D)

has det M = 0 and characteristic polynomial -lambda (lambda^2 - mu' lambda - S), S = Lambda^2 + m_D^2:

* lambda = 0 with eigenvector (Lambda, 0, -m_D)/sqrt(S);
* lambda_{4,5} = (mu' -+ sqrt(mu'^2 + 4 S))/2 (seed 004 eq. 2 text, seed 001 below eq. 2), so
  lambda_4 < 0 < lambda_5, lambda_4 lambda_5 = -S and lambda_5 + lambda_4 = mu';
* the eigenvector of lambda != 0 is (m_D, lambda, Lambda)/sqrt(S + lambda^2)
  (rows 1 and 3 give v_1 = m_D v_2/lambda, v_3 = Lambda v_2/lambda).

Hence, with m4 = |lambda_4| = S/m5,

    |U_a4|^2 = m_D^2/(S + m4^2),  |U_D4|^2 = Lambda^2/(S + m4^2),  |U_N4|^2 = m4^2/(S + m4^2),

and likewise for 5. Since S + m4^2 = m4 (m5 + m4) and S + m5^2 = m5 (m4 + m5):

    |U_a5|^2/|U_a4|^2 = |U_D5|^2/|U_D4|^2 = m4/m5   (seed 004 eq. 3 for a = alpha, D), but
    |U_N5|^2/|U_N4|^2 = m5^2 m4 / (m4^2 m5) = m5/m4, the inverse.

Seed 004 states eq. (3) "for a = alpha, N, D"; for a = N the exact relation is inverted.
"""

import numpy as np
import pytest

from physics.model import IDX, model_from_lagrangian, takagi_real_symmetric
from physics.neutrino_masses import full_mixing_lagrangian, lagrangian_parameters_from_spectrum

# (m_D, mu', Lambda) in GeV: ISS-like, ESS-like, generic, and the seed 004 eq. (30) point.
_EQ30 = lagrangian_parameters_from_spectrum(0.080, 0.140, 7 / 4 * 1.5e-6)
POINTS = {
    "iss": (1e-3, 1e-3, 1.0),
    "ess": (1e-3, 10.0, 0.5),
    "generic": (0.02, 0.3, 0.4),
    "eq30": (_EQ30["mD"], _EQ30["mu_prime"], _EQ30["Lambda"]),
}


def _model(mD, mup, Lam, flavour="mu"):
    return model_from_lagrangian(dict(flavour=flavour, mD=mD, mu_prime=mup, Lambda=Lam,
                                      gD=1.0, epsilon=0.0, mzprime=1.0, mhprime=2.0))


@pytest.mark.parametrize("name", POINTS)
def test_heavy_masses_eq2(name):
    """m_{4,5} = (mu' -+ sqrt(mu'^2 + 4(Lambda^2 + m_D^2)))/2 (seed 004 below eq. 2); the model
    stores |m4|, and the real eigenvalues are (m4 < 0, 0, m5)."""
    mD, mup, Lam = POINTS[name]
    root = np.sqrt(mup**2 + 4 * (Lam**2 + mD**2))
    m4, m5 = (mup - root) / 2, (mup + root) / 2
    model = _model(mD, mup, Lam)
    np.testing.assert_allclose(model.m_N, [abs(m4), m5], rtol=1e-12)
    lam = np.linalg.eigvalsh(np.array([[0, mD, 0], [mD, mup, Lam], [0, Lam, 0]]))
    np.testing.assert_allclose(lam[[0, 2]], [m4, m5], rtol=1e-12)
    assert abs(lam[1]) < 1e-14 * m5
    assert m5 - abs(m4) == pytest.approx(mup, abs=0, rel=1e-10)  # seed 004: m5 - |m4| = mu'


@pytest.mark.parametrize("name", POINTS)
@pytest.mark.parametrize("flavour", ["alpha", "D"])
def test_takagi_ratio_eq3_active_and_dark(name, flavour):
    """|U_a5|^2/|U_a4|^2 = m4/m5 for a = alpha, D (seed 004 eq. 3), exactly at tree level."""
    model = _model(*POINTS[name])
    row = "mu" if flavour == "alpha" else "D"
    ratio = model.Usq(row, 1) / model.Usq(row, 0)
    assert ratio == pytest.approx(model.m_N[0] / model.m_N[1], abs=0, rel=1e-9)


@pytest.mark.parametrize("name", POINTS)
def test_takagi_ratio_sterile_row_is_inverted(name):
    """For a = N the exact tree-level ratio is |U_N5|^2/|U_N4|^2 = m5/m4 (module docstring), not the
    m4/m5 that seed 004 eq. (3) states for "a = alpha, N, D"."""
    model = _model(*POINTS[name])
    ratio = model.Usq("N", 1) / model.Usq("N", 0)
    assert ratio == pytest.approx(model.m_N[1] / model.m_N[0], abs=0, rel=1e-9)
    mD, mup, Lam = POINTS[name]
    S = Lam**2 + mD**2
    m4, m5 = model.m_N
    assert model.Usq("N", 0) == pytest.approx(m4**2 / (S + m4**2), abs=0, rel=1e-9)
    assert model.Usq("N", 1) == pytest.approx(m5**2 / (S + m5**2), abs=0, rel=1e-9)


@pytest.mark.parametrize("name", POINTS)
def test_seed001_eq13_signed_ratio(name):
    """Seed 001 eq. (13), m4/m5 = -U_a5^2/U_a4^2, holds for the real orthogonal diagonalisation with
    the signed eigenvalue m4 < 0; with Takagi phases (m4 > 0, U_a4 imaginary) U_a5^2/U_a4^2 = -m4/m5."""
    mD, mup, Lam = POINTS[name]
    lam, O = np.linalg.eigh(np.array([[0, mD, 0], [mD, mup, Lam], [0, Lam, 0]]))
    assert lam[0] / lam[2] == pytest.approx(-O[0, 2] ** 2 / O[0, 0] ** 2, abs=0, rel=1e-9)
    model = _model(mD, mup, Lam)
    u4, u5 = model.U[IDX["mu"], 0], model.U[IDX["mu"], 1]
    assert u5**2 / u4**2 == pytest.approx(-model.m_N[0] / model.m_N[1], abs=0, rel=1e-9)
    assert abs(u4.real) < 1e-15 and abs(u5.imag) < 1e-15  # N4 carries the factor i


@pytest.mark.parametrize("name", POINTS)
def test_full_mixing_is_unitary_takagi(name):
    """full_mixing_lagrangian gives a unitary V with M = V diag(m) V^T on (alpha, N, D), the light
    column (Lambda, 0, -m_D)/sqrt(S) and light dark component |U_a4|^2 + |U_a5|^2."""
    mD, mup, Lam = POINTS[name]
    model = _model(mD, mup, Lam)
    masses, V = full_mixing_lagrangian(model)
    np.testing.assert_allclose(V @ V.conj().T, np.eye(5), atol=1e-14)
    rows = [IDX["mu"], IDX["N"], IDX["D"]]
    M = np.array([[0, mD, 0], [mD, mup, Lam], [0, Lam, 0]])
    np.testing.assert_allclose((V[rows] * masses) @ V[rows].T, M, atol=1e-14 * max(mup, Lam))
    S = Lam**2 + mD**2
    np.testing.assert_allclose(np.abs(V[rows, 0]), np.array([Lam, 0, mD]) / np.sqrt(S), atol=1e-14)
    light_D = abs(V[IDX["D"], 0]) ** 2
    assert light_D == pytest.approx(model.Usq("mu", 0) + model.Usq("mu", 1), abs=0, rel=1e-9)
    assert light_D == pytest.approx(model.light_projector()[IDX["D"], IDX["D"]].real, abs=0, rel=1e-6)


def test_iss_and_ess_limits_of_mixing():
    """Seed 004 text after eq. (2): ISS-like U_a4,5 ~ m_D/(sqrt2 Lambda), U_D4,5 ~ 1/sqrt2;
    ESS-like m4 ~ Lambda^2/mu', m5 ~ mu', U_a4 ~ m_D/Lambda, U_D5 ~ Lambda/mu', U_N5 ~ 1.
    Tolerances: corrections O(mu'/Lambda) = 1e-3 (ISS) and O(Lambda^2/mu'^2) = 2.5e-3 (ESS)."""
    mD, mup, Lam = POINTS["iss"]
    m = _model(mD, mup, Lam)
    for k in (0, 1):
        assert np.sqrt(m.Usq("mu", k)) == pytest.approx(mD / (np.sqrt(2) * Lam), abs=0, rel=2e-3)
        assert np.sqrt(m.Usq("D", k)) == pytest.approx(1 / np.sqrt(2), abs=0, rel=2e-3)
    mD, mup, Lam = POINTS["ess"]
    m = _model(mD, mup, Lam)
    assert m.m_N[0] == pytest.approx(Lam**2 / mup, abs=0, rel=5e-3)
    assert m.m_N[1] == pytest.approx(mup, abs=0, rel=5e-3)
    assert np.sqrt(m.Usq("mu", 0)) == pytest.approx(mD / Lam, abs=0, rel=5e-3)
    assert np.sqrt(m.Usq("D", 1)) == pytest.approx(Lam / mup, abs=0, rel=5e-3)
    assert m.Usq("N", 1) == pytest.approx(1.0, abs=0, rel=5e-3)


def test_eq30_point_from_lagrangian_parameters():
    """Seed 004 eq. (30): m4 = 80 MeV, m5 = 140 MeV, |U_mu5|^2 = 1.5e-6 = 4/7 |U_mu4|^2, |U_D4|^2 =
    7/4 |U_D5|^2 = 7/11 is a point of the Lagrangian model (|U_Da|^2 up to the light dark component
    |U_mu4|^2 + |U_mu5|^2 = 4.1e-6)."""
    model = _model(*POINTS["eq30"])
    np.testing.assert_allclose(model.m_N, [0.080, 0.140], rtol=1e-12)
    assert model.Usq("mu", 0) == pytest.approx(7 / 4 * 1.5e-6, abs=0, rel=1e-10)
    assert model.Usq("mu", 1) == pytest.approx(1.5e-6, abs=0, rel=1e-10)
    assert model.Usq("D", 0) == pytest.approx(7 / 11, abs=0, rel=1e-5)
    assert model.Usq("D", 1) == pytest.approx(4 / 11, abs=0, rel=1e-5)
    assert model.Usq("N", 0) == pytest.approx(4 / 11, abs=0, rel=1e-10)  # inverted N ratio: N4 is mostly D


def test_takagi_zero_block_sum_rules():
    """sum_k m_k U_ak U_bk = M_ab = 0 for a, b in {alpha, D} (the zeros of eq. 2), heavy states only."""
    model = _model(*POINTS["generic"])
    rows = [IDX["mu"], IDX["D"]]
    U = model.U[rows]
    np.testing.assert_allclose((U * model.m_N) @ U.T, 0.0, atol=1e-15)


def test_takagi_real_symmetric_reconstructs():
    """takagi_real_symmetric: M = U diag(m) U^T, U unitary, m >= 0 ascending."""
    M = np.array([[0, 0.1, 0], [0.1, 0.3, 0.4], [0, 0.4, 0]])
    m, U = takagi_real_symmetric(M)
    np.testing.assert_allclose((U * m) @ U.T, M, atol=1e-15)
    np.testing.assert_allclose(U @ U.conj().T, np.eye(3), atol=1e-15)
    assert np.all(np.diff(m) >= 0) and np.all(m >= 0)
