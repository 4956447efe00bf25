"""Heavy neutrinos from leptonic decays of charged pseudoscalar mesons, P+ -> l+ N.

What is computed
----------------
Width (R. E. Shrock, Phys. Rev. D 24, 1232 (1981), in our notation; the same expression, written
as BR(P -> l N) = BR(P -> l nu) |U|^2 rho, is eq. (1)-(2) of NA62, arXiv:2507.07345)::

    Gamma(P+ -> l+ N) = G_F^2 f_P^2 |V_qq'|^2 m_P^3 / (8 pi) |U_lN|^2
                        * [x_l + x_N - (x_l - x_N)^2] * lambda^{1/2}(1, x_l, x_N),
    x_l = m_l^2 / m_P^2,   x_N = m_N^2 / m_P^2,

and the Standard-Model width (m_N = 0, |U| = 1) is
``G_F^2 f_P^2 |V|^2 m_P^3 / (8 pi) * x_l (1 - x_l)^2``. Shrock's factor is their ratio,

    rho_l(m_N) = [x_l + x_N - (x_l - x_N)^2] lambda^{1/2}(1, x_l, x_N) / [x_l (1 - x_l)^2],

so that BR(P+ -> l+ N) = |U_lN|^2 rho_l(m_N) BR(P+ -> l+ nu) (arXiv:1903.07589 below eq. (17)).
rho -> 1 as m_N -> 0 and rho = 0 at threshold m_N = m_P - m_l; away from both it lifts the helicity
suppression (rho_e(m_N) is O(10^4-10^5) for m_N of a few hundred MeV).

Helicity of N. In the meson rest frame the two leptons are back to back and, the meson being
spinless, N and l+ have the same helicity h. The amplitude f_P p^mu ubar_N gamma_mu (1 - g5) v_l
reduces to ubar_N [m_N (1 - g5) - m_l (1 + g5)] v_l, whose two terms are the helicity +1/2 and
-1/2 amplitudes. Squaring gives the longitudinal polarisation of N along its direction of flight
in the meson rest frame (the HNL polarisation in meson decays of J.-M. Levy, arXiv:1805.06419, and
of arXiv:1805.08567; we derive it here and check it against an explicit Dirac-spinor evaluation of
the two helicity amplitudes in tests/physics/test_meson_decays.py)::

    P_N = (|A_+|^2 - |A_-|^2) / (|A_+|^2 + |A_-|^2)
        = (x_N - x_l) lambda^{1/2}(1, x_l, x_N) / [x_l + x_N - (x_l - x_N)^2].

P_N -> -1 (the usual left-handed neutrino) as m_N -> 0, -> +1 as m_l -> 0, and 0 at threshold.
It holds for a P+ -> l+ N decay for Dirac and Majorana N alike (production is the same; the
difference appears in the decay, where a Majorana N also decays to the CP-conjugate final states).
For P- -> l- Nbar the sign flips (CP).

All masses in GeV, widths in GeV.
"""

from __future__ import annotations

import math

from physics import constants as const
from physics._jit import jitable
from physics.kinematics import kallen

__all__ = [
    "MESONS",
    "shrock_rho",
    "polarisation_N_from_P_to_lN",
    "width_P_to_l_N",
    "br_P_to_l_N",
    "lepton_mass",
    "cascade_mass_ranges",
]

# Meson data: mass (GeV), decay constant f_P (GeV), CKM element, lifetime (s), BR(P+ -> l+ nu)
# per lepton flavour. All from physics.constants (PDG 2024).
MESONS = {
    "K+": dict(mass=const.m_K_charged, f=const.f_K, V=const.V_us, tau=const.tau_K_charged,
               br_l_nu={"e": const.BR_K_to_e_nu, "mu": const.BR_K_to_mu_nu}),
    "pi+": dict(mass=const.m_pi_charged, f=const.f_pi, V=const.V_ud, tau=const.tau_pi_charged,
                br_l_nu={"e": const.BR_pi_to_e_nu, "mu": const.BR_pi_to_mu_nu}),
}

_LEPTON_MASS = {"e": const.m_e, "mu": const.m_mu}


def lepton_mass(flavour: str) -> float:
    """Charged-lepton mass in GeV for ``flavour`` in {"e", "mu"}."""
    try:
        return _LEPTON_MASS[flavour]
    except KeyError:
        raise ValueError(f"lepton flavour {flavour!r}: allowed 'e', 'mu'") from None


@jitable
def _helicity_factor(xl, xN):
    """x_l + x_N - (x_l - x_N)^2: spin-summed |M|^2 of P -> l N divided by 4 m_P^4 (|U| = 1)."""
    return xl + xN - (xl - xN) * (xl - xN)


@jitable
def shrock_rho(mP, ml, mN):
    """Shrock's factor rho_l(m_N) = Gamma(P -> l N) / (|U_lN|^2 Gamma(P -> l nu)), dimensionless.

    Parameters
    ----------
    mP, ml, mN : float
        Meson, charged-lepton and heavy-neutrino masses in GeV (mP > ml > 0, mN >= 0).

    Returns
    -------
    float
        rho >= 0; exactly 0 at and above threshold (mN >= mP - ml).

    References
    ----------
    R. E. Shrock, Phys. Rev. D 24, 1232 (1981); arXiv:1903.07589 below eq. (17).
    """
    if mN + ml >= mP:
        return 0.0
    xl = (ml / mP) ** 2
    xN = (mN / mP) ** 2
    lam = kallen(1.0, xl, xN)
    if lam <= 0.0:
        return 0.0
    return _helicity_factor(xl, xN) * math.sqrt(lam) / (xl * (1.0 - xl) ** 2)


@jitable
def polarisation_N_from_P_to_lN(mP, ml, mN):
    """Longitudinal polarisation of N (helicity x 2) in the P+ rest frame of P+ -> l+ N.

    P_N = (x_N - x_l) lambda^{1/2}(1, x_l, x_N) / [x_l + x_N - (x_l - x_N)^2], in [-1, 1];
    -1 for mN -> 0 (left-handed neutrino), +1 for ml -> 0, 0 at threshold (returned above it).

    References
    ----------
    J.-M. Levy, arXiv:1805.06419; arXiv:1805.08567 (HNL polarisation in meson decays); derived in
    this module's docstring and checked against explicit helicity amplitudes in the tests.
    """
    if mN + ml >= mP:
        return 0.0
    xl = (ml / mP) ** 2
    xN = (mN / mP) ** 2
    lam = kallen(1.0, xl, xN)
    den = _helicity_factor(xl, xN)
    if lam <= 0.0 or den <= 0.0:
        return 0.0
    return (xN - xl) * math.sqrt(lam) / den


def _meson(parent: str) -> dict:
    try:
        return MESONS[parent]
    except KeyError:
        raise ValueError(f"meson {parent!r}: allowed {sorted(MESONS)}") from None


def width_P_to_l_N(parent: str, flavour: str, mN: float, U2: float) -> float:
    """Gamma(P+ -> l+ N) in GeV (Shrock 1981; formula in the module docstring).

    Parameters
    ----------
    parent : {"K+", "pi+"}
    flavour : {"e", "mu"}
        Flavour of the charged lepton l.
    mN : float
        Heavy-neutrino mass in GeV.
    U2 : float
        |U_lN|^2.
    """
    if U2 < 0.0 or mN < 0.0:
        raise ValueError(f"need mN >= 0 and U2 >= 0, got mN = {mN}, U2 = {U2}")
    P = _meson(parent)
    mP, ml = P["mass"], lepton_mass(flavour)
    xl = (ml / mP) ** 2
    sm = const.G_F**2 * P["f"] ** 2 * P["V"] ** 2 * mP**3 / (8.0 * math.pi) * xl * (1.0 - xl) ** 2
    return U2 * shrock_rho(mP, ml, mN) * sm


def br_P_to_l_N(parent: str, flavour: str, mN: float, U2: float) -> float:
    """BR(P+ -> l+ N) = |U_lN|^2 rho_l(m_N) BR(P+ -> l+ nu) (arXiv:1903.07589 below eq. (17)).

    Uses the measured BR(P+ -> l+ nu) (PDG 2024), so radiative corrections and the f_P, V
    uncertainties cancel in the ratio.
    """
    if U2 < 0.0 or mN < 0.0:
        raise ValueError(f"need mN >= 0 and U2 >= 0, got mN = {mN}, U2 = {U2}")
    P = _meson(parent)
    return U2 * shrock_rho(P["mass"], lepton_mass(flavour), mN) * P["br_l_nu"][flavour]


def cascade_mass_ranges(mP: float, ma: float, mN: float, mZ: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """Kinematic ranges of m^2_{a nu} and m^2_{a b b} in P+ -> a+ N, N -> nu Z', Z' -> b+ b-.

    arXiv:1903.07589 eq. (A3)-(A4), with x_Z' = (m_Z'/m_P)^2, x_h = (m_N/m_P)^2, x_a = (m_a/m_P)^2,
    y = (m_Z'/m_N)^2::

        m^2_{a nu}  = m_P^2 [1 + x_Z' - ((1 - x_a + x_h)(1 + y) -+ (1 - y) lambda^{1/2}(1, x_h, x_a))/2]
        m^2_{a b b} = m_P^2 [1 - (1 - y)((1 - x_a + x_h) -+ lambda^{1/2}(1, x_h, x_a))/2]

    (m^2_{a nu} = (p_P - p_Z')^2 and m^2_{abb} = (p_P - p_nu)^2 are linear in the Z' and nu energies
    in the P frame, whose extremes are the N-frame energies boosted forward and backward. Read
    literally, the upper sign of the paper's -+ gives the maximum of each range.) Returns
    ((lo, hi) of m^2_{a nu}, (lo, hi) of m^2_{abb}) in GeV^2, each pair sorted.
    """
    if not (mZ < mN < mP - ma):
        raise ValueError(f"need m_Z' < m_N < m_P - m_a, got {mZ}, {mN}, {mP}, {ma}")
    xZ, xh, xa, y = (mZ / mP) ** 2, (mN / mP) ** 2, (ma / mP) ** 2, (mZ / mN) ** 2
    sl = math.sqrt(max(kallen(1.0, xh, xa), 0.0))
    anu = [mP**2 * (1.0 + xZ - ((1.0 - xa + xh) * (1.0 + y) + s * (1.0 - y) * sl) / 2.0) for s in (1.0, -1.0)]
    abb = [mP**2 * (1.0 - (1.0 - y) * ((1.0 - xa + xh) + s * sl) / 2.0) for s in (1.0, -1.0)]
    return (min(anu), max(anu)), (min(abb), max(abb))
