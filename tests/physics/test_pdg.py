"""physics.pdg, the one table of PDG codes, checked against scikit-hep's ``particle`` package (an independent
transcription of the PDG Monte Carlo numbering scheme) as oracle."""

import numba
import numpy as np
import pytest
from particle import PDGID, Particle

from physics import constants as const
from physics import form_factors as ff
from physics import pdg

# our particle name -> particle's name for the same PDG code
PARTICLE_NAMES = {
    "e-": "e-", "e+": "e+", "mu-": "mu-", "mu+": "mu+", "tau-": "tau-", "tau+": "tau+",
    "nue": "nu(e)", "nuebar": "nu(e)~", "numu": "nu(mu)", "numubar": "nu(mu)~", "nutau": "nu(tau)", "nutaubar": "nu(tau)~",
    "nus": "nu(tau')", "nusbar": "nu(tau')~",
    "gamma": "gamma", "Z": "Z0", "W+": "W+", "pi0": "pi0", "pi+": "pi+", "pi-": "pi-", "rho0": "rho(770)0",
    "K+": "K+", "K-": "K-", "K0": "K0", "rho+": "rho(770)+", "rho-": "rho(770)-", "K*+": "K*(892)+", "K*-": "K*(892)-",
    "eta": "eta", "etaprime": "eta'(958)", "omega": "omega(782)", "phi": "phi(1020)",
    "g": "g", "s": "s", "c": "c", "b": "b", "p": "p", "n": "n",
}
# codes outside particle's table (BSM): the scheme's Z'0, the spin-0 mediator, the HeavyN neutrinos
BSM = {"Zprime", "hprime", "N4", "N5", "N6"}


def test_every_name_is_checked():
    assert set(pdg.PDG) == set(PARTICLE_NAMES) | BSM


@pytest.mark.parametrize("name", sorted(PARTICLE_NAMES))
def test_codes_match_particle(name):
    assert Particle.from_pdgid(pdg.PDG[name]).name == PARTICLE_NAMES[name]


@pytest.mark.parametrize("name", sorted(BSM))
def test_bsm_codes_are_valid_and_not_standard_particles(name):
    code = pdg.PDG[name]
    assert PDGID(code).is_valid
    assert PDGID(-code).is_valid
    with pytest.raises(Exception):  # noqa: B017 (particle raises its own ParticleNotFound)
        Particle.from_pdgid(code)


def test_antiparticles_and_named_tables():
    for name in ("nue", "numu", "nutau", "nus"):
        assert pdg.pdg_code(name + "bar") == -pdg.pdg_code(name)
    assert pdg.pdg_code("N4bar") == -pdg.N4
    with pytest.raises(KeyError, match="no PDG code for 'X17'"):
        pdg.pdg_code("X17")
    assert pdg.PROJECTILE == {k: pdg.PDG[k] for k in ("nue", "numu", "nutau", "nuebar", "numubar", "nutaubar")}
    assert pdg.HNL == {"N4": 9900012, "N5": 9900014, "N6": 9900016}


@pytest.mark.parametrize("target", sorted(ff.TARGETS))
def test_nucleus_codes_match_particle(target):
    t = ff.TARGETS[target]
    pid = PDGID(pdg.nucleus_code(t.Z, t.A))
    assert pid.is_nucleus and (pid.Z, pid.A) == (t.Z, t.A)
    assert pdg.nucleus_code(6, 12) == 1000060120 == int(Particle.from_name("C12").pdgid)


def test_hadron_masses_agree_with_particle():
    # physics.constants (PDG 2024) vs particle's table (MeV); particle 1.1 ships PDG 2024 masses
    for code, m in ((pdg.PI_PLUS, const.m_pi_charged), (pdg.K_PLUS, const.m_K_charged), (pdg.PROTON, const.m_proton),
                    (pdg.NEUTRON, const.m_neutron), (pdg.MUON, const.m_mu), (pdg.ELECTRON, const.m_e)):
        assert m * 1e3 == pytest.approx(Particle.from_pdgid(code).mass, rel=1e-6)


def test_one_invisible_test_in_python_and_kernels():
    """``is_invisible``: neutral leptons (particle: is_lepton and charge 0) and the heavy neutrinos, nothing else."""
    codes = sorted({c for c in pdg.PDG.values()} | {-c for c in pdg.PDG.values()})
    expected = [(PDGID(c).is_lepton and PDGID(c).charge == 0) or abs(c) in pdg.HEAVY_NEUTRINOS for c in codes]
    assert [pdg.is_invisible(c) for c in codes] == expected
    assert sum(expected) == 14  # 4 light and 3 heavy codes, particle and antiparticle

    @numba.njit
    def batch(a):
        return np.array([pdg.is_invisible(x) for x in a])

    assert batch(np.array(codes, np.int64)).tolist() == expected
    assert {abs(c) for c, e in zip(codes, expected) if e} == pdg.INVISIBLE


def test_the_generator_uses_these_tables():
    from gen.core import decays
    from gen.sources import upscattering

    assert decays.INVISIBLE_PDG is pdg.INVISIBLE
    assert upscattering._HNL_PDG is pdg.HNL and upscattering._PROJ_PDG is pdg.PROJECTILE
    assert upscattering._NUCLEUS_PDG["C12"] == 1000060120
