"""PDG Monte Carlo particle codes: the one place hnlgen's codes are defined.

Source: PDG 2024 Review, "Monte Carlo particle numbering scheme" (S. Navas et al., Phys. Rev. D 110
(2024) 030001, section 45). Beyond the Standard-Model part of the scheme:

* Z' = 32 (the scheme's "Z'0"), h' = 54 (spin-0 mediator, PDG 2024 scheme);
* heavy neutrinos N4, N5, N6 = 9900012, 9900014, 9900016 (MadGraph HeavyN model / Pythia 8); the
  antiparticle of a Dirac N carries the negative code;
* 18 (the scheme's 4th-generation neutrino): the light states' dark/sterile component;
* nuclei 10LZZZAAAI with L = I = 0 (``nucleus_code``).

The names are numba compile-time constants (module-level ints), so kernels use them too; ``is_invisible``
is the one test of "invisible in a detector" (neutrinos, light and heavy, and code 18), callable from
Python and from kernels. ``tests/physics/test_pdg.py`` checks every code against the ``particle`` package.
"""

from physics._jit import jitable

__all__ = [
    "ELECTRON", "MUON", "TAU", "NU_E", "NU_MU", "NU_TAU", "NU_S", "GAMMA", "Z0", "W_PLUS", "ZPRIME", "HPRIME",
    "PI0", "PI_PLUS", "K_PLUS", "PROTON", "NEUTRON", "N4", "N5", "N6",
    "CHARGED_LEPTONS", "LIGHT_NEUTRINOS", "HEAVY_NEUTRINOS", "INVISIBLE", "PROJECTILE", "HNL", "PDG",
    "pdg_code", "nucleus_code", "is_invisible",
]

# charged leptons (particle = negative charge) and neutrinos
ELECTRON = 11
MUON = 13
TAU = 15
NU_E = 12
NU_MU = 14
NU_TAU = 16
NU_S = 18  # dark/sterile component of the light states (4th-generation code)
# gauge and scalar bosons
GAMMA = 22
Z0 = 23
W_PLUS = 24
ZPRIME = 32
HPRIME = 54
# hadrons
PI0 = 111
PI_PLUS = 211
K_PLUS = 321
PROTON = 2212
NEUTRON = 2112
# heavy neutral leptons
N4 = 9900012
N5 = 9900014
N6 = 9900016

CHARGED_LEPTONS = (ELECTRON, MUON, TAU)
LIGHT_NEUTRINOS = (NU_E, NU_MU, NU_TAU, NU_S)
HEAVY_NEUTRINOS = (N4, N5, N6)
#: |code| of the particles a detector does not see
INVISIBLE = frozenset(LIGHT_NEUTRINOS + HEAVY_NEUTRINOS)

#: beam flavour (card name) -> code
PROJECTILE = {"nue": NU_E, "numu": NU_MU, "nutau": NU_TAU, "nuebar": -NU_E, "numubar": -NU_MU, "nutaubar": -NU_TAU}
#: heavy state name -> code
HNL = {"N4": N4, "N5": N5, "N6": N6}

#: particle name (as in ``physics.decay_table``) -> code; ``pdg_code`` adds the "<name>bar" antiparticles
PDG = {
    "e-": ELECTRON, "e+": -ELECTRON, "mu-": MUON, "mu+": -MUON, "tau-": TAU, "tau+": -TAU,
    **PROJECTILE, "nus": NU_S, "nusbar": -NU_S,
    "gamma": GAMMA, "Z": Z0, "W+": W_PLUS, "Zprime": ZPRIME, "hprime": HPRIME,
    "pi0": PI0, "pi+": PI_PLUS, "pi-": -PI_PLUS, "rho0": 113, "K+": K_PLUS,
    "K-": -K_PLUS, "K0": 311, "rho+": 213, "rho-": -213, "K*+": 323, "K*-": -323,
    "eta": 221, "etaprime": 331, "omega": 223, "phi": 333,
    "g": 21, "s": 3, "c": 4, "b": 5,  # partons of h' -> s sbar, c cbar, b bbar, g g (no hadronisation)
    "p": PROTON, "n": NEUTRON,
    **HNL,
}


def pdg_code(name: str) -> int:
    """PDG code of a particle name of ``PDG``; ``<name>bar`` is the antiparticle (negative code)."""
    if name in PDG:
        return PDG[name]
    if name.endswith("bar") and name[:-3] in PDG:
        return -PDG[name[:-3]]
    raise KeyError(f"no PDG code for {name!r}")


def nucleus_code(Z: int, A: int) -> int:
    """PDG nuclear code 10LZZZAAAI with L = I = 0 (H1: 1000010010, C12: 1000060120)."""
    return 1_000_000_000 + 10_000 * int(Z) + 10 * int(A)


@jitable
def is_invisible(code):
    """True for the particles a detector does not see: light neutrinos (+-12, 14, 16, 18) and heavy ones."""
    a = abs(code)
    return (a == NU_E or a == NU_MU or a == NU_TAU or a == NU_S
            or a == N4 or a == N5 or a == N6)
