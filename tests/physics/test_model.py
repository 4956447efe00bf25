"""Phenomenological model completion and unitarity (physics/model.py)."""

import numpy as np
import pytest

from physics.couplings import gZ_over_cW, light_sum, production_amplitude
from physics.model import IDX, ModelError, model_from_phenomenological


def _bench(**kw):
    p = dict(m4=0.42, mzprime=0.03, Umu4=np.sqrt(9e-7), UD4=1.0, alphaD=0.25, alpha_epsilon2=2e-10)
    p.update(kw)
    return model_from_phenomenological(p)


def test_ud4_equal_one_convention_is_completed_unitarily():
    """UD4 = 1 with |Umu4|^2 = 9e-7 (seed 002 benchmark) is accepted: UD4 is rescaled to
    sqrt(1 - |Umu4|^2) and the light states' dark component equals |Umu4|^2."""
    m = _bench()
    assert m.notes and "unitary completion" in m.notes[0]
    assert m.Usq("D", 0) == pytest.approx(1 - 9e-7, rel=1e-12)
    P = m.light_projector()
    assert np.all(np.linalg.eigvalsh(P) > -1e-15)  # a unitary completion exists
    assert P[IDX["D"], IDX["D"]].real == pytest.approx(9e-7, rel=1e-6)


def test_light_sums_reproduce_seed004_eq13_coupling_factor():
    """light_sum(Z',Z') = g_D^2 |U_D4|^2 (1 - |U_D4|^2) (seed 004 eq. 13 prefactor with one heavy state)."""
    m = _bench()
    expected = m.g_D**2 * m.Usq("D", 0) * (1 - m.Usq("D", 0))
    assert light_sum(m, "Zprime", "Zprime", 0).real == pytest.approx(expected, rel=1e-9)


def test_production_coupling_z_prime_and_z():
    """nu_mu -> N4: |A_Z'|^2 = g_D^2 |U_D4|^4 |U_mu4|^2 and |A_Z|^2 = (g/2c_W)^2 |U_mu4|^2 (1 - |U_mu4|^2)^2
    for one heavy state (unitarity sums, physics/couplings.py docstring)."""
    m = _bench()
    a_zp = production_amplitude(m, "Zprime", "mu", 0)
    assert abs(a_zp) ** 2 == pytest.approx(m.g_D**2 * m.Usq("D", 0) ** 2 * 9e-7, rel=1e-9)
    a_z = production_amplitude(m, "Z", "mu", 0)
    assert abs(a_z) ** 2 == pytest.approx((gZ_over_cW / 2) ** 2 * 9e-7 * (1 - 9e-7) ** 2, rel=1e-9)
    assert production_amplitude(m, "Z", "e", 0) == 0


def test_two_heavy_states_eq30_completion():
    """Seed 004 eq. (30) with |U_D4|^2 + |U_D5|^2 = 1 exactly is completed by a common rescaling of the
    dark row; the light dark component then equals |U_mu4|^2 + |U_mu5|^2 (the exact single-generation
    relation: in the Lagrangian model both are m_D^2/(Lambda^2 + m_D^2))."""
    m = model_from_phenomenological(dict(
        hnl_type="majorana", m4=0.08, m5=0.14, mzprime=1.25, Umu4=np.sqrt(1.5e-6 * 7 / 4), Umu5=np.sqrt(1.5e-6),
        UD4=np.sqrt(7 / 11), UD5=np.sqrt(4 / 11), gD=2.0, chi=np.sqrt(1e-5)))
    P = m.light_projector()
    assert np.linalg.eigvalsh(P).min() > -1e-14
    assert P[IDX["D"], IDX["D"]].real == pytest.approx(1.5e-6 * (1 + 7 / 4), rel=1e-3)


@pytest.mark.parametrize("bad, key", [
    (dict(UD4=1.2), "UD4"),
    (dict(Umu4=0.8, Ue4=0.7), "Ue4/Umu4"),
    (dict(m4=0.0), "m4"),
    (dict(m5=0.1), "m5"),
    (dict(alphaD=2.0), "alphaD"),
])
def test_errors_name_the_key(bad, key):
    with pytest.raises(ModelError) as info:
        _bench(**bad)
    assert info.value.key == key
