"""Nuclear and nucleon form factors (physics/form_factors.py)."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from physics import constants as const
from physics import form_factors as ff
from physics import units


@pytest.mark.parametrize("name", ["C12", "O16", "Si28", "Ar40"])
def test_fourier_bessel_sets_reproduce_charge_and_rms_radius(name):
    """The FB coefficients integrate to Z (to 2e-4) and give the tabulated rms radius (de Vries 1987)."""
    t = ff.get_target(name)
    Z, rms = ff.nuclear_rms_radius_fb(name)
    assert Z == pytest.approx(t.Z, rel=2e-4)
    assert rms == pytest.approx(t.rms_radius_fm, abs=2e-3)


@pytest.mark.parametrize("name", ["C12", "O16", "Si28", "Ar40"])
def test_fourier_bessel_form_factor_is_transform_of_density(name):
    t = ff.get_target(name)
    R = t.ff_params[0]
    a = t.ff_params[1:]
    nu = np.arange(1, len(a) + 1)

    def rho(r):
        return np.sum(a * np.sinc(nu * r / R))  # j0(nu pi r/R)

    norm = quad(lambda r: r * r * rho(r), 0, R, limit=200)[0]
    for Q2 in (1e-4, 0.01, 0.05, 0.2):
        q = math.sqrt(Q2)
        ft = quad(lambda r: r * r * rho(r) * np.sinc(q * r / math.pi), 0, R, limit=400)[0] / norm
        assert ff.nuclear_form_factor(Q2, t.ff_model, t.ff_params) == pytest.approx(ft, rel=1e-7, abs=1e-10)
    # removable singularities at qR = nu pi are continuous
    for k in (1, 2, 5):
        Q2 = (k * math.pi / R) ** 2
        f0 = ff.form_factor_fourier_bessel(Q2, R, a)
        assert f0 == pytest.approx(ff.form_factor_fourier_bessel(Q2 * (1 + 1e-6), R, a), rel=1e-4, abs=1e-9)


def test_form_factors_normalised_and_rms_radius_slope():
    """F(0) = 1 and F ~ 1 - q^2 <r^2>/6 for every model."""
    for model in ("fourier-bessel", "helm", "symmetrised-fermi"):
        t = ff.get_target("C12", model)
        assert ff.nuclear_form_factor(0.0, t.ff_model, t.ff_params) == pytest.approx(1.0, abs=1e-12)
        Q2 = 1e-6
        r2 = (t.rms_radius_fm * units.fm / units.hbarc) ** 2
        assert 1 - ff.nuclear_form_factor(Q2, t.ff_model, t.ff_params) == pytest.approx(Q2 * r2 / 6, rel=1e-3)


def test_symmetrised_fermi_is_transform_of_density():
    t = ff.get_target("C12", "symmetrised-fermi")
    c, a = t.ff_params[0], t.ff_params[1]

    def rho(r):
        return 1 / (1 + np.exp((r - c) / a)) + 1 / (1 + np.exp((-r - c) / a)) - 1

    den = quad(lambda r: r * r * rho(r), 0, c + 40 * a, limit=200)[0]
    for Q2 in (1e-3, 0.01, 0.05, 0.1):
        q = math.sqrt(Q2)
        num = quad(lambda r: r * r * rho(r) * np.sinc(q * r / math.pi), 0, c + 40 * a, limit=200)[0]
        assert ff.nuclear_form_factor(Q2, t.ff_model, t.ff_params) == pytest.approx(num / den, rel=1e-8)


def test_helm_lewin_smith_radius():
    t = ff.get_target("C12", "helm")
    assert t.ff_params[0] / (units.fm / units.hbarc) == pytest.approx(2.66, abs=0.01)  # PROVENANCE.md value


def test_nucleon_form_factors_at_zero_and_sachs_relations():
    F1p, F2p = ff.nucleon_em_form_factors(0.0, True)
    F1n, F2n = ff.nucleon_em_form_factors(0.0, False)
    assert (F1p, F2p) == pytest.approx((1.0, const.mu_proton - 1.0))
    assert (F1n, F2n) == pytest.approx((0.0, const.mu_neutron))
    Q2 = 0.5
    for is_p, mu in ((True, const.mu_proton), (False, const.mu_neutron)):
        F1, F2 = ff.nucleon_em_form_factors(Q2, is_p)
        GD = (1 + Q2 / const.M_V_dipole**2) ** -2
        assert F1 + F2 == pytest.approx(mu * GD)  # G_M
    assert ff.nucleon_axial_form_factor(0.0) == const.g_A_nucleon
    assert ff.nucleon_axial_form_factor(const.M_A_dipole**2) == pytest.approx(const.g_A_nucleon / 4)


def test_targets_table():
    assert ff.get_target("H1").regimes == ("p-el",)
    assert ff.get_target("C12").ff_name == "fourier-bessel"
    assert ff.get_target("C12").mass == pytest.approx(12 * const.atomic_mass_unit - 6 * const.m_e)
    with pytest.raises(ValueError, match="unknown target 'Xe131'"):
        ff.get_target("Xe131")


@pytest.mark.parametrize("name", ["Ti48", "Fe56", "Cu63", "Zn64", "Pb208"])
def test_library_fourier_bessel_sets_charge_and_measured_radius(name):
    """The FB sets added for the experiment library integrate to Z (1e-4) and their rms radius is within 0.8 % of
    the measured charge radius (Angeli & Marinova, ADNDT 99 (2013) 69): a check of the transcription."""
    t = ff.get_target(name)
    Z, rms = ff.nuclear_rms_radius_fb(name)
    assert Z == pytest.approx(t.Z, rel=1e-4)
    assert rms == pytest.approx(t.rms_radius_fm, abs=1e-3)
    assert rms == pytest.approx(ff.RMS_CHARGE_RADIUS_ANGELI_MARINOVA_FM[name], rel=8e-3)
    assert ff.nuclear_form_factor(1e-12, t.ff_model, t.ff_params) == pytest.approx(1.0, abs=1e-6)
