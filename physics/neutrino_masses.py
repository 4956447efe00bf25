"""Light-neutrino masses of the dark-neutrino model: one loop (arXiv:1903.07590) and the dynamical
inverse seesaw (arXiv:1808.02500).

One-loop mass (arXiv:1903.07590 = "seed 001")
----------------------------------------------
The single-generation mass matrix (seed 001 eq. 2) has a zero determinant, so one light state is
massless at tree level. At one loop the Z/h/G and Z'/phi'/G' self-energies give (seed 001 eq. 4)

    m_ij = 1/(4 pi^2) sum_{k heavy} [ C_ik C_jk m_k^3/m_Z^2  F(m_k^2, m_Z^2,  m_h^2)
                                    + D_ik D_jk m_k^3/m_Z'^2 F(m_k^2, m_Z'^2, m_phi'^2) ],
    C_ik = g/(4 c_W) sum_alpha U_alpha i^* U_alpha k,   D_ik = g'/2 U_Di^* U_Dk     (eq. 5),

with the loop function F of eq. 6. Eq. 6 is F only after the constant parts of the loop functions
have been dropped using the tree-level sum rules sum_k m_k C_ik C_jk = sum_k m_k D_ik D_jk = 0
(text below eq. 5). With the Takagi convention of ``physics.model`` (M = U diag(m) U^T, m >= 0)
these read

    sum_{k heavy} m_k U_ak U_bk = M_ab = 0   for a, b in {e, mu, tau, D},

because the (nu_alpha, nu_D) block of the mass matrix vanishes. They hold only with the Majorana
phases of the Takagi factorisation: in the single-generation model the state with the negative
eigenvalue (N4, m4 = (mu' - sqrt(mu'^2 + 4(Lambda^2 + m_D^2)))/2 < 0) carries a factor i, so that
U_D4^2 = -|U_D4|^2. A phenomenological card carries them as ``phase_U..`` keys (``physics.model``;
``phase_Umu4 = 0.5``, ``phase_UD4 = 0.5`` for eq. 30 of arXiv:1903.07589); ``majorana_phase_conflict``
reports a card whose magnitudes obey seed 004 eq. (3) but whose phases break the sum rules, and
``with_takagi_phases`` (a helper for tests and studies, never applied silently) restores them (for eq. 30 of arXiv:1903.07589 the m_nu it gives differs by a factor 2.3 from the result
with real columns, where the N4 and N5 loops add instead of cancelling).

Light states without explicit columns
-------------------------------------
Write K_ab = 1/(4 pi^2) sum_k U_ak U_bk m_k^3 [...] for the flavour-space kernel, so that
m_ij = sum_ab U_ai^* K_ab U_bj^* = (W^dagger K W^*)_ij, where W (flavours x light states) holds
the light columns. Unitarity fixes only W W^dagger = P, the light projector of ``physics.model``;
the light masses (singular values of m) are the square roots of the non-zero eigenvalues of
K P^* K^dagger P, whatever the completion W. In the single-generation Lagrangian model W is the
light column of the full 3x3 Takagi matrix (plus the two flavours that do not mix), rebuilt by
``full_mixing_lagrangian``; for a phenomenological model W is built from the eigenvectors of P
(``light_neutrino_mass_matrix``). Both give the same masses (tests).

For one dark flavour the Z' part of K is rank one, K_DD e_D e_D^T, and the light mass is
|K_DD| P_DD, P_DD = sum_{k light} |U_Dk|^2 = 1 - sum_h |U_Dh|^2. In the single-generation model
P_DD = m_D^2/(Lambda^2 + m_D^2) = |U_alpha4|^2 + |U_alpha5|^2 exactly.

Dynamical inverse seesaw (arXiv:1808.02500 = "seed 000")
---------------------------------------------------------
``inverse_seesaw_mass_matrix`` is eq. 2.12 and ``inverse_seesaw_light_mass_matrix`` its leading
seesaw order, eq. 2.13 with the 1/sqrt2 normalisation of eq. 2.12 kept (see there).

All masses in GeV (``physics.units``).
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
from scipy.optimize import brentq

from physics import constants as const
from physics._jit import jitable
from physics.couplings import g_weak, gZ_over_cW
from physics.model import (
    ACTIVE_FLAVOURS,
    FLAVOURS,
    IDX,
    DarkSectorModel,
    ModelError,
    model_from_lagrangian,
    takagi_real_symmetric,
)
from physics.units import eV

__all__ = [
    "loop_function_F",
    "one_loop_kernel",
    "sum_rule_residual",
    "with_takagi_phases",
    "majorana_phase_conflict",
    "full_mixing_lagrangian",
    "light_mass_matrix_eq4",
    "light_neutrino_mass_matrix",
    "light_neutrino_masses",
    "light_neutrino_mass_eV",
    "light_mass_type1_seesaw",
    "light_mass_zprime_dominance",
    "m3_iss_heavy_mediators",
    "m3_iss_light_mediators",
    "m3_ess_heavy_mediators",
    "m3_ess_light_mediators",
    "m3_ess_eq12_as_printed",
    "lagrangian_parameters_from_spectrum",
    "lagrangian_for_light_mass",
    "inverse_seesaw_mass_matrix",
    "inverse_seesaw_light_mass_matrix",
]

_ACTIVE_ROWS = [IDX[a] for a in ACTIVE_FLAVOURS]
_D = IDX["D"]
_SUM_RULE_ROWS = _ACTIVE_ROWS + [_D]
# Eigenvalues of the light projector below this are numerical noise of a saturated unitarity
# completion (physics.model bisects to ~1e-16); their square roots (~1e-8) would otherwise enter W.
_PROJECTOR_EIG_FLOOR = 1e-12


# ------------------------------------------------------------------------------ loop function
@jitable
def _log_ratio(x: float) -> float:
    """ln(x)/(x - 1), continuous at x = 1 (value 1) and accurate near it (log1p)."""
    d = x - 1.0
    if abs(d) < 1e-8:
        return 1.0 - 0.5 * d
    if abs(d) < 0.5:
        return math.log1p(d) / d
    return math.log(x) / d


@jitable
def loop_function_F(a: float, b: float, c: float) -> float:
    """Loop function F(a, b, c) = 3 ln(a/b)/(a/b - 1) + ln(a/c)/(a/c - 1).

    Parameters
    ----------
    a, b, c : float
        Squared masses (GeV^2, > 0): heavy neutrino m_k^2, vector boson m_V^2, scalar m_S^2.

    Notes
    -----
    Valid only inside sums obeying the tree-level sum rule sum_k m_k U_ak U_bk = 0, which removed
    the constant (scale-dependent) parts. The removable singularities at a = b, a = c are filled.

    References
    ----------
    arXiv:1903.07590, eq. (6).
    """
    return 3.0 * _log_ratio(a / b) + _log_ratio(a / c)


# ------------------------------------------------------------------------------ eq. (4)
def _check_mediators(model: DarkSectorModel, m_hprime: float | None) -> float:
    mh = model.m_hprime if m_hprime is None else float(m_hprime)
    if mh is None or not (mh > 0.0) or not math.isfinite(mh):
        raise ModelError(
            "mhprime", mh,
            "the one-loop neutrino mass (arXiv:1903.07590 eq. 4) needs a finite dark-scalar mass > 0 (GeV); "
            "give mhprime in the model or the m_hprime argument",
        )
    return mh


def one_loop_kernel(model: DarkSectorModel, *, m_hprime: float | None = None,
                    include_sm: bool = True, include_dark: bool = True) -> np.ndarray:
    """Flavour-space kernel K_ab of arXiv:1903.07590 eq. (4), 5x5 complex, rows/cols ``FLAVOURS`` (GeV).

    K_ab = 1/(4 pi^2) sum_{k heavy} U_ak U_bk m_k^3 x [ (g/4c_W)^2 F(m_k^2, m_Z^2, m_h^2)/m_Z^2 for
    a, b active;  (g'/2)^2 F(m_k^2, m_Z'^2, m_phi'^2)/m_Z'^2 for a = b = D ], so that eq. (4) is
    m_ij = sum_ab U_ai^* K_ab U_bj^* for light states i, j.

    Parameters
    ----------
    model : DarkSectorModel
        Majorana heavy states with Takagi phases (see ``with_takagi_phases``).
    m_hprime : float, optional
        Dark-scalar mass (GeV), overriding ``model.m_hprime``.
    include_sm, include_dark : bool
        Keep the Z/h (C_ik) and Z'/phi' (D_ik) terms of eq. (4).
    """
    if not model.is_majorana:
        raise ModelError("hnl_type", model.hnl_type,
                         'the one-loop Majorana mass (arXiv:1903.07590 eq. 4) needs hnl_type = "majorana"')
    U = model.U
    K = np.zeros((len(FLAVOURS), len(FLAVOURS)), dtype=complex)
    if include_sm:
        mZ2, mh2 = const.m_Z**2, const.m_h_SM**2
        w = np.array([m**3 * loop_function_F(m * m, mZ2, mh2) / mZ2 for m in model.m_N])
        Ua = U[_ACTIVE_ROWS, :]
        K[np.ix_(_ACTIVE_ROWS, _ACTIVE_ROWS)] += (0.25 * gZ_over_cW) ** 2 * (Ua * w) @ Ua.T
    if include_dark:
        mh = _check_mediators(model, m_hprime)
        mZp2, mhp2 = model.m_zprime**2, mh**2
        w = np.array([m**3 * loop_function_F(m * m, mZp2, mhp2) / mZp2 for m in model.m_N])
        K[_D, _D] += (0.5 * model.g_D) ** 2 * np.sum(U[_D, :] ** 2 * w)
    return K / (4.0 * math.pi**2)


def sum_rule_residual(model: DarkSectorModel) -> float:
    """Largest relative violation of sum_{k heavy} m_k U_ak U_bk = 0, a, b in {e, mu, tau, D}.

    Each entry is divided by sum_k m_k |U_ak| |U_bk|; entries with no heavy mixing are skipped.
    Zero (to rounding) for the Lagrangian model; for real phenomenological mixings it is O(1)
    unless the Takagi phases are restored (``with_takagi_phases``). arXiv:1903.07590, text below
    eq. (5).
    """
    U = model.U[_SUM_RULE_ROWS, :]
    M = (U * model.m_N) @ U.T
    scale = (np.abs(U) * model.m_N) @ np.abs(U).T
    mask = scale > 0
    if not mask.any():
        return 0.0
    return float(np.max(np.abs(M[mask]) / scale[mask]))


def majorana_phase_conflict(model: DarkSectorModel, *, rtol_eq3: float = 1e-6, rtol_sum_rule: float = 1e-8) -> str | None:
    """A one-line report when the card's phases contradict the single-generation model, else ``None``.

    Applies to a Majorana model with two heavy states whose magnitudes obey arXiv:1903.07589 eq. (3),
    |m4| |U_a4|^2 = m5 |U_a5|^2 for every row a in (e, mu, tau, D) with mixing (to ``rtol_eq3``): those
    are the mixings of the mass matrix of its eq. (2), whose zero (nu_alpha, nu_D) block imposes
    sum_k m_k U_ak U_bk = 0 (arXiv:1903.07590 text below eq. 5), i.e. U_a4 = +-i sqrt(m5/m4) U_a5 with one
    sign for all a (relative phase i between the N4 and N5 mixings). Reported when
    ``sum_rule_residual`` exceeds ``rtol_sum_rule``.
    """
    if not model.is_majorana or model.n_heavy != 2:
        return None
    U = np.abs(model.U[_SUM_RULE_ROWS, :]) ** 2
    m4, m5 = model.m_N
    rows = [(i, a) for i, a in enumerate(_SUM_RULE_ROWS) if U[i, 0] > 0 or U[i, 1] > 0]
    if not rows:
        return None
    for i, _ in rows:
        lhs, rhs = m4 * U[i, 0], m5 * U[i, 1]
        if abs(lhs - rhs) > rtol_eq3 * max(lhs, rhs):
            return None  # not the single-generation model's magnitudes: no relation imposed
    res = sum_rule_residual(model)
    if res <= rtol_sum_rule:
        return None
    names = [FLAVOURS[a] for _, a in rows]
    ph = {fl: [float(np.angle(model.U[a, k]) / math.pi) for k in (0, 1)] for (_, a), fl in zip(rows, names)}
    given = ", ".join(f"phase_U{fl}4 - phase_U{fl}5 = {p[0] - p[1]:+.4g}" for fl, p in ph.items())
    return (f"the mixings obey |m4| |U_a4|^2 = m5 |U_a5|^2 (arXiv:1903.07589 eq. 3) but their phases contradict the "
            f"relation the model imposes with it: the zero (nu_a, nu_D) block of the mass matrix (eq. 2) needs "
            f"sum_k m_k U_ak U_bk = 0 (arXiv:1903.07590 below eq. 5), i.e. a relative phase i between the N4 and N5 "
            f"mixings (phase_U{{a}}4 - phase_U{{a}}5 = +-0.5, the same for all a); this card has {given} "
            f"(sum-rule residual {res:.3g}); e.g. phase_U{names[0]}4 = 0.5" + "".join(f", phase_U{fl}4 = 0.5" for fl in names[1:]))


def with_takagi_phases(model: DarkSectorModel, *, rtol: float = 1e-8) -> DarkSectorModel:
    """Return the model with heavy columns multiplied by 1 or i so that the tree sum rules hold.

    A card's real mixings |U_ak| lose the Majorana phases of the Takagi factorisation; the
    single-generation model gives the negative-eigenvalue state a factor i (``physics.model.
    takagi_real_symmetric``). All 2^n choices are tried (n <= 3 heavy states, the first column
    fixed to 1 since a common phase drops out) and the one with the smallest
    ``sum_rule_residual`` kept.

    Raises
    ------
    ModelError
        If no choice satisfies the sum rules to ``rtol``: the masses and mixings are then not
        those of a model with a tree-level massless light neutrino (arXiv:1903.07589 eq. 3,
        |U_a5|^2/|U_a4|^2 = m4/m5, is one consequence).
    """
    best, best_res = None, math.inf
    for tail in itertools.product((1.0 + 0j, 1j), repeat=model.n_heavy - 1):
        phases = np.array((1.0 + 0j,) + tail)
        res = sum_rule_residual(dataclasses.replace(model, U=model.U * phases[None, :]))
        if res < best_res:
            best, best_res = phases, res
    if best_res > rtol:
        raise ModelError(
            "U*", f"sum-rule residual {best_res:.3e}",
            f"no Majorana phases 1/i make sum_k m_k U_ak U_bk vanish to rtol = {rtol:g} for a, b in "
            "(e, mu, tau, D); the light neutrino would be massive at tree level "
            "(single generation: need |U_a5|^2/|U_a4|^2 = m4/m5, arXiv:1903.07589 eq. 3)",
        )
    notes = model.notes
    if np.any(best != 1.0):
        labels = ", ".join(f"{name}: {'i' if p == 1j else '1'}" for name, p in zip(model.heavy_names, best))
        notes = notes + (f"Takagi (Majorana) phases for the one-loop neutrino mass: columns multiplied by {labels}",)
    return dataclasses.replace(model, U=model.U * best[None, :], notes=notes)


def full_mixing_lagrangian(model: DarkSectorModel) -> tuple[np.ndarray, np.ndarray]:
    """Full mixing of the single-generation Lagrangian model, light columns included.

    Rebuilds the Takagi factorisation of arXiv:1903.07590 eq. (2) from ``model.lagrangian`` with
    the same routine (hence the same phases) as ``physics.model.model_from_lagrangian``.

    Returns
    -------
    masses : ndarray, shape (5,)
        (0, 0, 0, m4, m5) in GeV: the tree-massless state of eq. (2), the two active flavours that
        do not mix (pure light states), then N4, N5.
    V : ndarray, shape (5, 5)
        Unitary matrix, rows ``FLAVOURS``, columns as ``masses``.
    """
    if model.lagrangian is None:
        raise ModelError("lagrangian", None, "full_mixing_lagrangian needs a model built by model_from_lagrangian")
    lag = model.lagrangian
    mD, mup, Lam = lag["mD"], lag["mu_prime"], lag["Lambda"]
    M = np.array([[0.0, mD, 0.0], [mD, mup, Lam], [0.0, Lam, 0.0]])
    m, V3 = takagi_real_symmetric(M)
    rows = [IDX[lag["flavour"]], IDX["N"], IDX["D"]]
    others = [IDX[a] for a in ACTIVE_FLAVOURS if a != lag["flavour"]]
    V = np.zeros((len(FLAVOURS), 5), dtype=complex)
    # The massless column's phase is arbitrary (the Takagi routine may see the zero eigenvalue as
    # -0 and attach i); make it real so that m_ij has the sign convention of eq. (8).
    light = V3[:, 0]
    k = int(np.argmax(np.abs(light)))
    V[rows, 0] = light * (abs(light[k]) / light[k])
    V[others[0], 1] = 1.0
    V[others[1], 2] = 1.0
    V[rows, 3] = V3[:, 1]
    V[rows, 4] = V3[:, 2]
    return np.array([0.0, 0.0, 0.0, m[1], m[2]]), V


def light_mass_matrix_eq4(W: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Light-neutrino mass matrix m_ij = sum_ab W_ai^* K_ab W_bj^* (GeV): arXiv:1903.07590 eq. (4).

    Parameters
    ----------
    W : ndarray, shape (5, n_light)
        Light columns of the mixing matrix (rows ``FLAVOURS``).
    K : ndarray, shape (5, 5)
        ``one_loop_kernel`` (eq. 4 with C_ik C_jk and D_ik D_jk of eq. 5 written out).
    """
    return W.conj().T @ K @ W.conj()


def _light_columns(model: DarkSectorModel) -> np.ndarray:
    if model.lagrangian is not None:
        masses, V = full_mixing_lagrangian(model)
        # Same heavy columns as the model (same Takagi routine); guard against a hand-edited U.
        if not np.allclose(V[:, 3:], model.U, rtol=0, atol=1e-12):
            raise ModelError("U", "edited", "model.U does not match the Takagi factorisation of model.lagrangian")
        return V[:, :3]
    w, vec = np.linalg.eigh(model.light_projector())
    keep = w > _PROJECTOR_EIG_FLOOR
    return vec[:, keep] * np.sqrt(w[keep])[None, :]


def light_neutrino_mass_matrix(model: DarkSectorModel, *, m_hprime: float | None = None,
                               include_sm: bool = True, include_dark: bool = True,
                               rtol_sum_rule: float = 1e-8) -> np.ndarray:
    """One-loop light-neutrino mass matrix m_ij of arXiv:1903.07590 eq. (4), in GeV.

    The light basis is the tree-level one: for a model from ``model_from_lagrangian`` the light
    columns of the full Takagi matrix (``full_mixing_lagrangian``: the state massless in eq. 2,
    then the two non-mixing active flavours); otherwise columns W = v sqrt(w) from the eigen-
    decomposition P = v diag(w) v^dagger of the light projector, a completion with W W^dagger = P
    (any other completion gives a matrix with the same singular values, see module docstring).
    Assumption for a phenomenological card: the light states are whatever completes the unitarity
    of the rows (e, mu, tau, D, N), so the light dark component is P_DD as fixed by the model's
    unitary completion (``physics.model``); for arXiv:1903.07589 eq. (30) that is
    |U_mu4|^2 + |U_mu5|^2, as in the Lagrangian model.

    Parameters
    ----------
    model : DarkSectorModel
        Majorana model whose heavy columns obey the tree sum rules (Takagi phases; on a phenomenological
        card the ``phase_U..`` keys).
    m_hprime : float, optional
        Dark-scalar mass in GeV (default ``model.m_hprime``).
    include_sm, include_dark : bool
        Keep the SM (Z, h) and dark (Z', phi') loops.
    rtol_sum_rule : float
        Tolerance on ``sum_rule_residual``.

    Returns
    -------
    ndarray, complex, shape (n_light, n_light)
        Symmetric; its singular values are the light masses (GeV).

    Raises
    ------
    ModelError
        Dirac model, missing dark-scalar mass, or sum rules violated (real card mixings).
    """
    res = sum_rule_residual(model)
    if res > rtol_sum_rule:
        raise ModelError(
            "U*", f"sum-rule residual {res:.3e}",
            f"arXiv:1903.07590 eq. 4-6 need sum_k m_k U_ak U_bk = 0 (a, b = e, mu, tau, D) to rtol "
            f"{rtol_sum_rule:g}; the card's mixings lack the Majorana phases (e.g. phase_Umu4 = 0.5, phase_UD4 = 0.5 "
            "for the single-generation model, seed 004 eq. 2-3), or see with_takagi_phases(model)",
        )
    K = one_loop_kernel(model, m_hprime=m_hprime, include_sm=include_sm, include_dark=include_dark)
    return light_mass_matrix_eq4(_light_columns(model), K)


def light_neutrino_masses(model: DarkSectorModel, **kwargs) -> np.ndarray:
    """Light-neutrino masses at one loop (GeV), descending: singular values of
    ``light_neutrino_mass_matrix`` (same keyword arguments). arXiv:1903.07590 eq. (4)."""
    return np.linalg.svd(light_neutrino_mass_matrix(model, **kwargs), compute_uv=False)


def light_neutrino_mass_eV(model: DarkSectorModel, **kwargs) -> float:
    """Largest one-loop light-neutrino mass in eV (m_3 of arXiv:1903.07590 for one generation).

    Keyword arguments as ``light_neutrino_mass_matrix``.
    """
    return float(light_neutrino_masses(model, **kwargs)[0] / eV)


# ------------------------------------------------------------------------------ eq. (7), (8)
def _two_state_bracket(m4: float, m5: float, mV: float, mS: float) -> float:
    return m5**2 * loop_function_F(m5**2, mV**2, mS**2) - m4**2 * loop_function_F(m4**2, mV**2, mS**2)


def light_mass_type1_seesaw(m4: float, m5: float, Ua5_sq: float, Ua_light_sq: float = 1.0) -> float:
    """SM (Z, h) one-loop mass of the light state, two Majorana heavy states, one active flavour (GeV).

    m = alpha_W/(16 pi) |U_a,light|^2 |U_a5|^2 m5/m_W^2 (m5^2 F(m5^2, m_Z^2, m_h^2)
    - m4^2 F(m4^2, m_Z^2, m_h^2)), alpha_W = g^2/(4 pi). Signed (Takagi phases, real light column).

    Parameters
    ----------
    m4, m5 : float
        Heavy masses (GeV, > 0).
    Ua5_sq : float
        |U_a5|^2.
    Ua_light_sq : float
        |U_a i|^2 of the light state i (1 - |U_a4|^2 - |U_a5|^2 in one generation).

    References
    ----------
    arXiv:1903.07590, eq. (7) (g' -> 0 of eq. 4; m4 U_a4^2 = -m5 U_a5^2 used).
    """
    alpha_W = g_weak**2 / (4.0 * math.pi)
    return (alpha_W / (16.0 * math.pi) * Ua_light_sq * Ua5_sq * m5 / const.m_W**2
            * _two_state_bracket(m4, m5, const.m_Z, const.m_h_SM))


def light_mass_zprime_dominance(m4: float, m5: float, UD5_sq: float, UD_light_sq: float,
                                g_D: float, m_zprime: float, m_hprime: float) -> float:
    """Z'/phi' one-loop mass of the light state, two Majorana heavy states (GeV, signed).

    m = g'^2/(16 pi^2) |U_D,light|^2 |U_D5|^2 m5/m_Z'^2 (m5^2 F(m5^2, m_Z'^2, m_phi'^2)
    - m4^2 F(m4^2, m_Z'^2, m_phi'^2)).

    Exact for the dark part of eq. (4) once m4 U_D4^2 = -m5 U_D5^2 (Takagi phases) is used.

    Parameters
    ----------
    m4, m5 : float
        Heavy masses (GeV).
    UD5_sq : float
        |U_D5|^2.
    UD_light_sq : float
        Light dark component sum_{k light} |U_Dk|^2 (= |U_a4|^2 + |U_a5|^2 in one generation).
    g_D, m_zprime, m_hprime : float
        g', m_Z' and m_phi' (GeV).

    References
    ----------
    arXiv:1903.07590, eq. (8); used by arXiv:1903.07589 below eq. (31) for "m_nu ~ 0.4 eV".
    """
    return (g_D**2 / (16.0 * math.pi**2) * UD_light_sq * UD5_sq * m5 / m_zprime**2
            * _two_state_bracket(m4, m5, m_zprime, m_hprime))


# ------------------------------------------------------------------------------ eq. (9)-(12)
# Parameters of all four: m_D, Lambda, mu' of seed 001 eq. (2) (GeV), g', m_Z', m_phi' (GeV).
# Returns the signed light mass (GeV) in the Takagi convention of light_mass_matrix_eq4.

def m3_iss_heavy_mediators(mD: float, Lam: float, mu_prime: float, g_D: float,
                           m_zprime: float, m_hprime: float) -> float:
    """ISS-like limit (m_D << Lambda, mu' << Lambda) with m_Z', m_phi' >> Lambda (GeV).

    m3 = g'^2/(16 pi^2) m_D^2/m_Z'^2 mu' (3 ln(m_Z'^2/Lambda^2) + ln(m_phi'^2/Lambda^2) - 4).

    References
    ----------
    arXiv:1903.07590, eq. (9). Two differences from the print, both fixed by expanding eq. (8)
    (m_{5,4} = Lambda +- mu'/2, |U_D5|^2 = 1/2, P_DD = m_D^2/Lambda^2,
    d/dm[m^2 F] = 2m(3 ln(m_Z'^2/m^2) + ln(m_phi'^2/m^2) - 4) for m << m_Z', m_phi'):
    the printed prefactor is g'^2/(8 pi^2), twice the limit of eq. (8) (and of eq. 4, which eq. 7
    and 8 reproduce); and the text assigns eq. (9) to m_Z', m_phi' << Lambda, whereas the logs
    only arise for mediators heavier than Lambda (the text swaps the regimes of eq. 9 and 10;
    its later remark that Eqs. 10 and 12 govern small m_Z' agrees with the swap).
    """
    return (g_D**2 / (16.0 * math.pi**2) * mD**2 / m_zprime**2 * mu_prime
            * (3.0 * math.log(m_zprime**2 / Lam**2) + math.log(m_hprime**2 / Lam**2) - 4.0))


def m3_iss_light_mediators(mD: float, Lam: float, mu_prime: float, g_D: float,
                           m_zprime: float, m_hprime: float) -> float:
    """ISS-like limit with m_Z', m_phi' << Lambda (GeV).

    m3 = g'^2/(16 pi^2) m_D^2/Lambda^2 mu' (3 + m_phi'^2/m_Z'^2).

    References
    ----------
    arXiv:1903.07590, eq. (10) (printed for m_Z', m_phi' >> Lambda; the limit of eq. 8 holds for
    light mediators, where m^2 F -> 3 m_Z'^2 ln(m^2/m_Z'^2) + m_phi'^2 ln(m^2/m_phi'^2)).
    """
    return g_D**2 / (16.0 * math.pi**2) * mD**2 / Lam**2 * mu_prime * (3.0 + m_hprime**2 / m_zprime**2)


def m3_ess_heavy_mediators(mD: float, Lam: float, mu_prime: float, g_D: float,
                           m_zprime: float, m_hprime: float) -> float:
    """ESS-like limit (Lambda << mu') with m_Z', m_phi' >> mu' (GeV).

    m3 = g'^2/(16 pi^2) m_D^2/(Lambda^2 + m_D^2) Lambda^2/m_Z'^2 mu'
         (3 ln(m_Z'^2/mu'^2) + ln(m_phi'^2/mu'^2)).

    References
    ----------
    arXiv:1903.07590, eq. (11) (printed for m_Z', m_phi' << mu'; the logs are those of heavy
    mediators, F(m5^2, ...) -> 3 ln(m_Z'^2/m5^2) + ln(m_phi'^2/m5^2) with m5 = mu').
    """
    return (g_D**2 / (16.0 * math.pi**2) * mD**2 / (Lam**2 + mD**2) * Lam**2 / m_zprime**2 * mu_prime
            * (3.0 * math.log(m_zprime**2 / mu_prime**2) + math.log(m_hprime**2 / mu_prime**2)))


def m3_ess_light_mediators(mD: float, Lam: float, mu_prime: float, g_D: float,
                           m_zprime: float, m_hprime: float) -> float:
    """ESS-like limit with m4 = Lambda^2/mu' << m_Z', m_phi' << mu' (GeV). Derived here.

    m3 = g'^2/(16 pi^2) m_D^2/(Lambda^2 + m_D^2) Lambda^2/mu'
         (3 ln(mu'^2/m_Z'^2) + m_phi'^2/m_Z'^2 ln(mu'^2/m_phi'^2)).

    Derivation: eq. (8) with |U_D5|^2 m5 = Lambda^2/mu', m5^2 F(m5^2, m_Z'^2, m_phi'^2) ->
    3 m_Z'^2 ln(m5^2/m_Z'^2) + m_phi'^2 ln(m5^2/m_phi'^2) for m5 >> m_Z', m_phi', and the N4 term
    suppressed by m4^2/m_Z'^2. Replaces eq. (12) of arXiv:1903.07590, which does not reproduce
    eq. (8) in this or any other regime tested (``m3_ess_eq12_as_printed``).
    """
    return (g_D**2 / (16.0 * math.pi**2) * mD**2 / (Lam**2 + mD**2) * Lam**2 / mu_prime
            * (3.0 * math.log(mu_prime**2 / m_zprime**2)
               + m_hprime**2 / m_zprime**2 * math.log(mu_prime**2 / m_hprime**2)))


def m3_ess_eq12_as_printed(mD: float, Lam: float, mu_prime: float, g_D: float,
                           m_zprime: float, m_hprime: float) -> float:
    """arXiv:1903.07590 eq. (12) exactly as printed (GeV); kept to document a discrepancy.

    m3 = g'^2/(8 pi^2) m_D^2/(Lambda^2 + m_D^2) Lambda^2/mu' (3 ln(m_Z'^2/Lambda^2)
         + ln(m_phi'^2/Lambda^2) - 4).

    It disagrees with eq. (8) in sign and magnitude for m_Z', m_phi' << mu' (both with m_Z' above
    and below m4) and by orders of magnitude for m_Z' >> mu'; use ``m3_ess_light_mediators``.
    """
    return (g_D**2 / (8.0 * math.pi**2) * mD**2 / (Lam**2 + mD**2) * Lam**2 / mu_prime
            * (3.0 * math.log(m_zprime**2 / Lam**2) + math.log(m_hprime**2 / Lam**2) - 4.0))


def lagrangian_parameters_from_spectrum(m4: float, m5: float, Ualpha4_sq: float) -> dict[str, float]:
    """(m_D, mu', Lambda) of arXiv:1903.07590 eq. (2) giving heavy masses m4 < m5 and |U_alpha4|^2.

    From the characteristic polynomial of eq. (2): m5 - m4 = mu', m4 m5 = Lambda^2 + m_D^2 (m4 the
    modulus of the negative eigenvalue), and the eigenvector (m_D, lambda, Lambda) of eigenvalue
    lambda: |U_alpha4|^2 = m_D^2/(m4 m5 + m4^2). The other mixings then follow
    (|U_alpha5|^2 = m4/m5 |U_alpha4|^2, arXiv:1903.07589 eq. 3).

    Parameters
    ----------
    m4, m5 : float
        Heavy masses, 0 < m4 < m5 (GeV).
    Ualpha4_sq : float
        |U_alpha4|^2, 0 < . < m5/(m4 + m5) (so that Lambda^2 > 0).

    Returns
    -------
    dict
        ``mD``, ``mu_prime``, ``Lambda`` in GeV (keys of ``model_from_lagrangian``).
    """
    if not (0.0 < m4 < m5):
        raise ModelError("m4, m5", (m4, m5), "need 0 < m4 < m5 (GeV)")
    umax = m5 / (m4 + m5)
    if not (0.0 < Ualpha4_sq < umax):
        raise ModelError("Ualpha4_sq", Ualpha4_sq, f"need 0 < |U_alpha4|^2 < m5/(m4+m5) = {umax:.6g}")
    mD2 = Ualpha4_sq * m4 * (m4 + m5)
    return {"mD": math.sqrt(mD2), "mu_prime": m5 - m4, "Lambda": math.sqrt(m4 * m5 - mD2)}


# ------------------------------------------------------------------------------ seed 000
def _as_square(x, n: int | None = None) -> np.ndarray:
    a = np.atleast_2d(np.asarray(x, dtype=float))
    if a.shape[0] != a.shape[1] or (n is not None and a.shape[0] != n):
        raise ValueError(f"expected a scalar or a square ({n or 'n'} x {n or 'n'}) matrix, got shape {a.shape}")
    return a


def inverse_seesaw_mass_matrix(y_nu, v_phi: float, y_N, y_Nprime, omega2: float, m) -> np.ndarray:
    """Neutral-lepton mass matrix of the dynamical inverse seesaw, basis (nu, N, N'), in GeV.

    M = 1/sqrt2 [[0, y_nu v_phi, 0], [y_nu^T v_phi, y_N omega2, sqrt2 m],
                 [0, sqrt2 m^T, y_N' omega2]].

    Parameters
    ----------
    y_nu, y_N, y_Nprime, m
        Scalars (one generation) or n x n matrices (y_N, y_N' symmetric); m in GeV.
    v_phi, omega2 : float
        Vevs of the dark doublet phi and singlet S_2 (GeV).

    Returns
    -------
    ndarray, shape (3n, 3n)
        Real symmetric matrix (for real inputs).

    References
    ----------
    arXiv:1808.02500, eq. (2.12).
    """
    y_nu = _as_square(y_nu)
    n = y_nu.shape[0]
    y_N, y_Np, m = _as_square(y_N, n), _as_square(y_Nprime, n), _as_square(m, n)
    for name, y in (("y_N", y_N), ("y_Nprime", y_Np)):
        if not np.allclose(y, y.T, rtol=1e-12, atol=0):
            raise ValueError(f"{name} must be symmetric (Majorana Yukawa of eq. 2.11), got {y.tolist()}")
    z = np.zeros((n, n))
    r2 = math.sqrt(2.0)
    return np.block([
        [z, y_nu * v_phi, z],
        [y_nu.T * v_phi, y_N * omega2, r2 * m],
        [z, r2 * m.T, y_Np * omega2],
    ]) / r2


def inverse_seesaw_light_mass_matrix(y_nu, v_phi: float, y_Nprime, omega2: float, m) -> np.ndarray:
    """Leading-order light-neutrino mass matrix of eq. (2.12) (GeV; n x n, or 1 x 1).

    m_nu = m_D (m^T)^-1 mu m^-1 m_D^T with m_D = y_nu v_phi/sqrt2 and mu = y_N' omega2/sqrt2, the
    entries of eq. (2.12); corrections are O(m_D^2/m^2) and O(y_N omega2 mu/m^2).

    References
    ----------
    arXiv:1808.02500, eq. (2.13). The print, (y_nu^T v_phi)(1/m^T)(y_N' omega2)(1/m)(y_nu v_phi),
    drops the 1/sqrt2 of each entry of eq. (2.12) (a factor 2 sqrt2 larger than the block seesaw
    of eq. 2.12) and writes y_nu^T first, which for a non-symmetric y_nu is the transpose of the
    (nu, N) block of eq. (2.12); the block seesaw of eq. (2.12) is implemented here.
    """
    y_nu = _as_square(y_nu)
    n = y_nu.shape[0]
    y_Np, m = _as_square(y_Nprime, n), _as_square(m, n)
    mD = y_nu * v_phi / math.sqrt(2.0)
    mu = y_Np * omega2 / math.sqrt(2.0)
    minv = np.linalg.inv(m)
    return mD @ minv.T @ mu @ minv @ mD.T


# ------------------------------------------------------------------------------ inverse problem
def lagrangian_for_light_mass(m4: float, m5: float, m_light: float, *, g_D: float, m_zprime: float,
                              m_hprime: float, flavour: str = "mu", include_sm: bool = True) -> dict[str, float]:
    """Lagrangian parameters (m_D, mu', Lambda) of the single-generation model whose one-loop light
    mass (arXiv:1903.07590 eq. 4) equals ``m_light`` for heavy masses m4 < m5 (all GeV).

    The active mixing is the unknown: with p = m_D^2/(Lambda^2 + m_D^2) the light mass is exactly
    p(1 - p) B(m4, m5) (the light dark component p times |U_D5|^2 ~ 1 - p, and
    |U_alpha,light|^2 = 1 - p times |U_alpha5|^2 ~ p), so the root with p < 1/2 is unique. It is found with
    Brent's method on ln p using ``light_neutrino_mass_eV`` (not the closed form), in a narrow
    bracket around the root of p(1 - p) B = m_light when that bracket holds. This is how the band
    of arXiv:1903.07590 Fig. 2 is drawn (validation/plot_seed001_fig2.py).

    Parameters
    ----------
    m4, m5 : float
        Heavy masses, 0 < m4 < m5 (GeV).
    m_light : float
        Target light mass (GeV), e.g. sqrt(delta_m2_atm) * eV.
    g_D, m_zprime, m_hprime : float
        g', m_Z', m_phi' (GeV).
    flavour : str
        Active flavour that mixes ("e", "mu", "tau").
    include_sm : bool
        Keep the Z/h loops of eq. (4).

    Returns
    -------
    dict
        ``mD``, ``mu_prime``, ``Lambda`` (GeV).

    Raises
    ------
    ModelError
        If ``m_light`` exceeds the largest value B/4 reachable (p = 1/2).
    """
    fraction = m5 / (m4 + m5)  # |U_alpha4|^2 = p * m5/(m4+m5)

    def model_at(lnp: float) -> DarkSectorModel:
        lag = lagrangian_parameters_from_spectrum(m4, m5, math.exp(lnp) * fraction)
        return model_from_lagrangian(dict(flavour=flavour, gD=g_D, epsilon=0.0, mzprime=m_zprime,
                                          mhprime=m_hprime, **lag))

    def f(lnp: float) -> float:
        return math.log(light_neutrino_mass_eV(model_at(lnp), include_sm=include_sm) * eV / m_light)

    lo, hi = math.log(1e-30), math.log(0.5 * (1.0 - 1e-9))
    if f(hi) < 0.0:
        raise ModelError("m_light", m_light, f"exceeds the largest one-loop mass reachable for m4 = {m4}, m5 = {m5} GeV")
    # Bracket from p(1 - p) B: one evaluation at small p gives B, the quadratic gives the root.
    p0 = 1e-8
    B = m_light * math.exp(f(math.log(p0))) / (p0 * (1.0 - p0))
    disc = 1.0 - 4.0 * m_light / B
    if disc > 0.0:
        guess = math.log(0.5 * (1.0 - math.sqrt(disc)) if disc < 0.999 else m_light / B)
        a, b = max(lo, guess - 1e-3), min(hi, guess + 1e-3)
        if f(a) < 0.0 < f(b):
            lo, hi = a, b
    lnp = brentq(f, lo, hi, xtol=1e-14, rtol=1e-13)
    return lagrangian_parameters_from_spectrum(m4, m5, math.exp(lnp) * fraction)


def heavy_mixings_for_light_mass(m4: float, m5: float, m_light: float, *, g_D: float, m_zprime: float,
                                 m_hprime: float, flavour: str = "mu") -> tuple[float, float]:
    """(|U_alpha4|^2, |U_alpha5|^2) of the single-generation model whose one-loop light mass
    (arXiv:1903.07590 eq. 4) is ``m_light``, for heavy masses m4 < m5 (GeV).

    The quantity plotted in the band of arXiv:1903.07590 Fig. 2 (there with m_light = sqrt(dm2_atm),
    m_Z' = 1 GeV, m_phi' = 2 GeV, g' = 1): the Lagrangian of :func:`lagrangian_for_light_mass` turned into
    mixings with |U_alpha i|^2 = m_D^2/(m_D^2 + Lambda^2 + m_i^2) (see :func:`lagrangian_parameters_from_spectrum`).
    Used by validation/plot_seed001_fig2.py and the ``seed001_fig2_band`` comparison of ``hnlgen validate``.
    """
    lag = lagrangian_for_light_mass(m4, m5, m_light, g_D=g_D, m_zprime=m_zprime, m_hprime=m_hprime, flavour=flavour)
    S = lag["mD"] ** 2 + lag["Lambda"] ** 2
    return lag["mD"] ** 2 / (S + m4**2), lag["mD"] ** 2 / (S + m5**2)
