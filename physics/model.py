"""The dark-neutrino model: heavy-neutrino masses, the mixing matrix and the dark bosons.

Two ways to specify it (arXiv:1903.07589, "seed 004"):

* phenomenological: heavy masses m4..m6, mixing amplitudes U_{a i} for a = e, mu, tau, D
  (and optionally the sterile flavour N, which only the dark scalar sees), g_D, epsilon, ...;
* Lagrangian: the single-generation mass matrix of arXiv:1903.07589 eq. (2) (= arXiv:1903.07590
  eq. (2)) in the basis (nu_alpha, N, nu_D),

      M = [[0, m_D, 0], [m_D, mu', Lambda], [0, Lambda, 0]],

  diagonalised by a Takagi factorisation M = U diag(m) U^T, which gives m4, m5 and the mixing.

Conventions
-----------
Flavour fields are nu_a = sum_i U_{a i} nu_i. Rows of the heavy mixing block ``U`` are the
flavours ``FLAVOURS = (e, mu, tau, D, N)``; columns are the heavy states N4, N5, N6 present.
Light mass states never appear explicitly: every physical quantity sums over them, and unitarity
gives those sums through the light projector

      P_{ab} = sum_{k light} U_{a k} U_{b k}^* = delta_{ab} - sum_h U_{a h} U_{b h}^*,

which must be positive semi-definite (a unitary completion exists iff it is).

Complex mixings (phenomenological card): ``U{a}{i}`` is a real amplitude (its sign is a phase 0 or
pi) and the optional ``phase_U{a}{i}`` a phase in units of pi, U_ai = U{a}{i} exp(i pi phase_U{a}{i}).
The Lagrangian path (Takagi factorisation) gives the same complex matrix, e.g. the factor i of the
negative-eigenvalue state N4 of seed 004 eq. (2) in the ESS regime, which on the card is
``phase_Umu4 = 0.5``, ``phase_UD4 = 0.5`` (and, for the sterile row, ``phase_UN4 = -0.5``). Physical
results depend only on
U_ai U_bj^* combinations, Majorana sums such as sum_k m_k U_ak U_bk and the light projector P.

Signs of the couplings: the Z' couples to charged fermions as +e epsilon Q_f (vector) and to the dark
current as +g_D, in the convention where the photon couples as +e Q_f and the Z as +(g/c_W)(g_V - g_A
gamma5). Seed 004 eq. (7) writes the same term as -(e q_f c_W) chi (which is what kinetic mixing gives with
the photon at +e q_f, in the sign convention of its D_mu = d_mu - i g' X_mu), so seed 004's chi is -epsilon/c_W
of ours; the cards' ``chi`` is epsilon / c_W (card chi = -chi of seed 004 eq. 7). epsilon, chi and g_D may
be negative; only the product epsilon g_D (the sign of the Z-Z' interference) is physical.
``alpha_epsilon2`` and ``alphaD`` are squares and give the positive root: give epsilon/chi/gD for a
negative coupling. ``convention = "darknews"`` takes DarkNews 0.4.8's conventions (``DARKNEWS_*`` below,
``DarkSectorModel.e_epsilon_scattering``).

Phenomenological completion: a card with U_D4 = 1 and small active mixings (the usual convention
of arXiv:1807.09877 and DarkNews) violates unitarity at O(|U_a4|^2). The dark row is then scaled
by the largest factor c <= 1 for which P is positive semi-definite, so that the light states'
dark components follow from unitarity; ``DarkSectorModel.notes`` records what was done.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np

from physics import constants as const

__all__ = [
    "FLAVOURS",
    "ACTIVE_FLAVOURS",
    "HEAVY_NAMES",
    "ModelError",
    "DarkSectorModel",
    "model_from_phenomenological",
    "model_from_lagrangian",
    "takagi_real_symmetric",
]

FLAVOURS = ("e", "mu", "tau", "D", "N")
ACTIVE_FLAVOURS = ("e", "mu", "tau")
IDX = {name: i for i, name in enumerate(FLAVOURS)}
HEAVY_NAMES = ("N4", "N5", "N6")

CONVENTIONS = ("hnlgen", "darknews")
# DarkNews 0.4.8 (DarkNews/const.py) electroweak inputs: Gf = 1.16637876e-5 GeV^-2, m_W = 80.37912 GeV,
# s2w = 0.22343 (on-shell, fixed), alphaQED = 1/137.03599908421. Its Z' vertex with charged fermions is, to
# leading order in chi, (gweak s_W) c_W chi Q_f with gweak = sqrt(8 G_F m_W^2 / sqrt2): the charge unit is
# gweak s_W = 1.01914 e (an alpha of 1/131.94 instead of alpha(0); DarkNews/model.py set_vertices), and chi is
# converted with its own c_W = sqrt(1 - 0.22343).
_DN_GF, _DN_MW, _DN_S2W, _DN_ALPHA = 1.16637876e-5, 80.37912, 0.22343, 1.0 / 137.03599908421
DARKNEWS_CHARGE_FACTOR = math.sqrt(8.0 * _DN_GF * _DN_MW**2 / math.sqrt(2.0)) * math.sqrt(_DN_S2W) / math.sqrt(4.0 * math.pi * _DN_ALPHA)
DARKNEWS_COS_THETAW = math.sqrt(1.0 - _DN_S2W)

# Tolerance for unitarity checks on user input: cards carry amplitudes typed with ~10 significant
# digits (sqrt(7/11) = 0.7977240352), so squared sums can exceed 1 by ~1e-10 through rounding alone.
_UNITARITY_TOL = 1e-9


class ModelError(ValueError):
    """Invalid or unphysical model input.

    Attributes
    ----------
    key : str
        The card key (dotted path below ``model``) that is at fault, e.g. ``"Umu4"``.
    value : object
        The offending value.
    allowed : str
        What would have been accepted.
    """

    def __init__(self, key: str, value, allowed: str):
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"{key} = {value!r}: {allowed}")


@dataclasses.dataclass(frozen=True)
class DarkSectorModel:
    """A fully resolved dark-sector model. Masses in GeV; couplings dimensionless.

    Attributes
    ----------
    hnl_type : str
        ``"dirac"`` or ``"majorana"``.
    m_N : numpy.ndarray
        Heavy-neutrino masses, shape (n_heavy,), ascending state index N4, N5, N6 (GeV).
    U : numpy.ndarray
        Complex mixing block, shape (5, n_heavy), rows ``FLAVOURS``.
    m_zprime : float
        Z' mass (GeV).
    m_hprime : float or None
        Dark-scalar mass (GeV); ``None`` means the scalar is decoupled.
    g_D : float
        U(1)' gauge coupling.
    epsilon : float
        Kinetic mixing, signed: the Z' couples to charged fermions as +e*epsilon*Q_f (seed 004 eq. 7
        reads -(e q_f c_W) chi: epsilon = -c_W chi of seed 004; module docstring).
    theta : float
        Mixing angle between the dark scalar and the SM Higgs (seed 004 eq. 5).
    y_N : float
        Yukawa coupling of the dark scalar to N nu_D (seed 004 eq. 1).
    notes : tuple of str
        What the model completion did to the input (printed by ``hnlgen model``).
    lagrangian : dict or None
        The Lagrangian parameters when the model came from ``[model.lagrangian]``.
    convention : str
        ``"hnlgen"`` (default) or ``"darknews"``: DarkNews 0.4.8's Z' charge coupling
        (``DARKNEWS_CHARGE_FACTOR`` e epsilon) and its sign of the Z' exchange in upscattering, opposite to
        ours for Dirac N (``e_epsilon_decay``, ``e_epsilon_scattering``).
    """

    hnl_type: str
    m_N: np.ndarray
    U: np.ndarray
    m_zprime: float
    m_hprime: float | None
    g_D: float
    epsilon: float
    theta: float = 0.0
    y_N: float = 0.0
    notes: tuple[str, ...] = ()
    lagrangian: dict | None = None
    convention: str = "hnlgen"

    # ------------------------------------------------------------------ derived quantities
    @property
    def n_heavy(self) -> int:
        """Number of heavy neutrinos in the model."""
        return int(self.m_N.shape[0])

    @property
    def heavy_names(self) -> tuple[str, ...]:
        """Names of the heavy states, ``("N4", ...)``."""
        return HEAVY_NAMES[: self.n_heavy]

    @property
    def is_majorana(self) -> bool:
        """True for Majorana heavy neutrinos."""
        return self.hnl_type == "majorana"

    @property
    def alpha_D(self) -> float:
        """g_D^2 / (4 pi)."""
        return self.g_D**2 / (4.0 * math.pi)

    @property
    def chi(self) -> float:
        """Hypercharge kinetic mixing chi = epsilon / cos(theta_W) (seed 004 eq. 7)."""
        return self.epsilon / const.cos_thetaW

    @property
    def e_epsilon_decay(self) -> float:
        """Z' vector coupling to unit charge in decays (Z' -> l l, N -> nu l l), signed: e epsilon, or
        DarkNews' 1.01914 e epsilon with ``convention = "darknews"``."""
        k = DARKNEWS_CHARGE_FACTOR if self.convention == "darknews" else 1.0
        return k * const.e_charge * self.epsilon

    @property
    def e_epsilon_scattering(self) -> float:
        """Z' vector coupling to unit charge in upscattering: ``e_epsilon_decay``, with the sign reversed for
        ``convention = "darknews"`` and Dirac states. DarkNews 0.4.8's Z-Z' interference in upscattering has the
        opposite sign to ours for Dirac N and our sign (with twice the magnitude, which no coupling convention
        reproduces) for Majorana N, coherent and p-el alike (tests/physics/test_conventions.py); its decays have
        ours."""
        if self.convention == "darknews" and not self.is_majorana:
            return -self.e_epsilon_decay
        return self.e_epsilon_decay

    @property
    def alpha_epsilon2(self) -> float:
        """alpha_EM * epsilon^2, as seeds 002/003 quote the kinetic mixing."""
        return const.alpha_em * self.epsilon**2

    def light_projector(self) -> np.ndarray:
        """P_ab = sum over light mass states of U_ak U_bk^* (5x5 complex, rows/cols FLAVOURS)."""
        return light_projector(self.U)

    def Usq(self, flavour: str, state: int) -> float:
        """|U_{flavour, state}|^2 with state = 0 for N4, 1 for N5, 2 for N6."""
        return float(abs(self.U[IDX[flavour], state]) ** 2)

    def summary(self) -> dict:
        """Plain-Python description (JSON-serialisable)."""
        mixing = {}
        for i, name in enumerate(self.heavy_names):
            for a, fl in enumerate(FLAVOURS):
                u = self.U[a, i]
                if abs(u.imag) < 1e-300:
                    mixing[f"U{fl}{name[1:]}"] = float(u.real)
                else:  # the card's syntax: modulus and phase in units of pi
                    mixing[f"U{fl}{name[1:]}"] = float(abs(u))
                    mixing[f"phase_U{fl}{name[1:]}"] = float(np.angle(u) / math.pi)
        P = self.light_projector()
        light = {f"sum_light|U_{fl}k|^2": float(P[a, a].real) for a, fl in enumerate(FLAVOURS)}
        return {
            "hnl_type": self.hnl_type,
            "masses_GeV": {name: float(m) for name, m in zip(self.heavy_names, self.m_N)},
            "mzprime_GeV": self.m_zprime,
            "mhprime_GeV": self.m_hprime,
            "gD": self.g_D,
            "alphaD": self.alpha_D,
            "epsilon": self.epsilon,
            "chi": self.chi,
            "alpha_epsilon2": self.alpha_epsilon2,
            "theta": self.theta,
            "yN": self.y_N,
            "mixing": mixing,
            "light_state_projections": light,
            "convention": self.convention,
            "notes": list(self.notes),
        }


def light_projector(U: np.ndarray) -> np.ndarray:
    """Light-state projector P = 1 - U U^dagger for a (5, n_heavy) heavy mixing block."""
    return np.eye(U.shape[0], dtype=complex) - U @ U.conj().T


def _max_eig_gram(U: np.ndarray) -> float:
    if U.shape[1] == 0:
        return 0.0
    return float(np.linalg.eigvalsh(U.conj().T @ U).max())


def _exactly_one(params: Mapping, keys: tuple[str, ...], what: str, prefix: str,
                 signed: tuple[str, ...] = ()) -> tuple[str, float]:
    """The one key of ``keys`` that is set, and its value (finite; >= 0 unless in ``signed``); errors name the keys."""
    given = [k for k in keys if params.get(k) is not None]
    if len(given) != 1:
        raise ModelError(
            prefix + ("/".join(given) if given else keys[0]),
            {k: params.get(k) for k in given} if given else None,
            f"give exactly one of {', '.join(keys)} ({what})",
        )
    k = given[0]
    v = float(params[k])
    if not math.isfinite(v):
        raise ModelError(prefix + k, v, "must be a finite number")
    if v < 0 and k not in signed:
        raise ModelError(prefix + k, v, "is a square, must be >= 0 (for a negative coupling give the signed "
                         f"{' or '.join(signed)} instead)")
    return k, v


def _resolve_kinetic_mixing(params: Mapping, prefix: str = "", convention: str = "hnlgen") -> float:
    """Signed epsilon from one of epsilon, chi (epsilon = chi cos theta_W; seed 004 eq. 7 has the opposite
    sign, module docstring), alpha_epsilon2 (positive root). ``convention = "darknews"`` converts chi with
    DarkNews' c_W."""
    k, v = _exactly_one(params, ("epsilon", "chi", "alpha_epsilon2"), "kinetic mixing", prefix, signed=("epsilon", "chi"))
    if k == "epsilon":
        return v
    if k == "chi":
        return v * (DARKNEWS_COS_THETAW if convention == "darknews" else const.cos_thetaW)
    return math.sqrt(v / const.alpha_em)


def _resolve_gD(params: Mapping, prefix: str = "") -> float:
    """Signed g_D from one of gD, alphaD = gD^2/(4 pi) (positive root); perturbativity alphaD <= 1 enforced."""
    k, v = _exactly_one(params, ("gD", "alphaD"), "dark gauge coupling", prefix, signed=("gD",))
    if k == "gD":
        if abs(v) > math.sqrt(4.0 * math.pi):
            raise ModelError(prefix + k, v, "must be perturbative, |gD| <= sqrt(4 pi) = 3.545")
        return v
    if v > 1.0:
        raise ModelError(prefix + k, v, "must be perturbative, alphaD <= 1")
    return math.sqrt(4.0 * math.pi * v)


def _convention(params: Mapping) -> str:
    c = params.get("convention")
    if c is None:
        return "hnlgen"
    if c not in CONVENTIONS:
        raise ModelError("convention", c, 'allowed: "hnlgen" (default), "darknews" (DarkNews 0.4.8 Z\' coupling and scattering sign)')
    return c


def _phase_factor(phase: float) -> complex:
    """exp(i pi phase), exact at multiples of 1/2 (so that a card's 0.5 is exactly i)."""
    q = 2.0 * phase
    if q == round(q):
        return (1.0 + 0j, 1j, -1.0 + 0j, -1j)[round(q) % 4]
    return complex(math.cos(math.pi * phase), math.sin(math.pi * phase))


def _positive_mass(params: Mapping, key: str, prefix: str = "", required: bool = True) -> float | None:
    v = params.get(key)
    if v is None:
        if required:
            raise ModelError(prefix + key, None, "is required (GeV, > 0)")
        return None
    v = float(v)
    if not (v > 0.0) or not math.isfinite(v):
        raise ModelError(prefix + key, v, "masses must be finite and > 0 (GeV)")
    return v


def model_from_phenomenological(params: Mapping) -> DarkSectorModel:
    """Build the model from phenomenological parameters (the ``[model]`` card table).

    Parameters
    ----------
    params : mapping
        Keys as in the run card: ``hnl_type``, ``m4``, ``m5``, ``m6``, ``mzprime``, ``mhprime``
        (GeV), ``U{e,mu,tau,D,N}{4,5,6}``, one of ``gD``/``alphaD``, one of
        ``epsilon``/``chi``/``alpha_epsilon2``, ``theta``, ``yN``, ``phase_U{e,mu,tau,D,N}{4,5,6}`` (units
        of pi), ``convention`` (``"hnlgen"``, ``"darknews"``).

    Raises
    ------
    ModelError
        Naming the key, value and what is allowed.
    """
    hnl_type = params.get("hnl_type", "dirac")
    if hnl_type not in ("dirac", "majorana"):
        raise ModelError("hnl_type", hnl_type, 'allowed: "dirac", "majorana"')

    masses = []
    for n, _name in zip((4, 5, 6), HEAVY_NAMES):
        m = _positive_mass(params, f"m{n}", required=(n == 4))
        if m is None:
            for later in range(n + 1, 7):
                if params.get(f"m{later}") is not None:
                    raise ModelError(f"m{later}", params[f"m{later}"], f"m{later} requires m{n} (heavy states fill N4, N5, N6 in order)")
            break
        masses.append(m)
    nh = len(masses)
    for i in range(1, nh):
        if masses[i] < masses[i - 1]:
            raise ModelError(f"m{4 + i}", masses[i], f"heavy states are labelled by increasing mass: need m{4 + i} >= m{3 + i} = {masses[i - 1]}")

    U = np.zeros((len(FLAVOURS), nh), dtype=complex)
    for n in (4, 5, 6):
        for a, fl in enumerate(FLAVOURS):
            key = f"U{fl}{n}"
            v = params.get(key)
            ph = params.get(f"phase_{key}")
            if ph is not None and ph != 0:
                ph = float(ph)
                if not math.isfinite(ph) or abs(ph) > 2.0:
                    raise ModelError(f"phase_{key}", ph, "phases are in units of pi, finite, -2 <= phase <= 2")
                if v is None or v == 0:
                    raise ModelError(f"phase_{key}", ph, f"a phase needs a non-zero {key}")
            if v is None or v == 0:
                continue
            v = float(v)
            if not math.isfinite(v) or abs(v) > 1.0:
                raise ModelError(key, v, "mixing amplitudes are real numbers with |U| <= 1 (the complex phase is phase_" + key + ", units of pi)")
            if n - 4 >= nh:
                raise ModelError(key, v, f"mixing of N{n} given but m{n} is missing (give m{n} in GeV)")
            U[a, n - 4] = v * (_phase_factor(ph) if ph else 1.0)

    notes = []
    # Unitarity: active (+ sterile N) mixings alone must leave room for the dark row.
    U_noD = U.copy()
    U_noD[IDX["D"], :] = 0.0
    for i in range(nh):
        s_noD = float(np.sum(np.abs(U_noD[:, i]) ** 2))
        if s_noD >= 1.0:
            keys = [f"U{fl}{4 + i}" for a, fl in enumerate(FLAVOURS) if fl != "D" and U[a, i] != 0]
            raise ModelError(
                "/".join(keys), s_noD,
                f"sum over e, mu, tau, N of |U_a{4 + i}|^2 must be < 1 (unitarity)",
            )
    rowD = float(np.sum(np.abs(U[IDX["D"], :]) ** 2))
    if rowD > 1.0 + _UNITARITY_TOL:
        raise ModelError("UD4..UD6", rowD, "sum_i |U_Di|^2 must be <= 1 (unitarity of the dark row)")
    if _max_eig_gram(U_noD) >= 1.0:
        raise ModelError("Ue4..UN6", _max_eig_gram(U_noD), "active and sterile mixings of the heavy states violate unitarity (largest eigenvalue of U^dagger U must be < 1)")
    lam = _max_eig_gram(U)
    if lam > 1.0:
        # Scale the dark row by the largest c in (0, 1] with max eig(U^dag U) <= 1 (bisection;
        # the eigenvalue is monotonic in c because only the D row changes).
        lo, hi = 0.0, 1.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            Ut = U.copy()
            Ut[IDX["D"], :] *= mid
            if _max_eig_gram(Ut) <= 1.0:
                lo = mid
            else:
                hi = mid
        c = lo
        old = U[IDX["D"], :].copy()
        U[IDX["D"], :] *= c
        for i in range(nh):
            if old[i] != 0:
                notes.append(
                    f"unitary completion: |UD{4 + i}| = {abs(old[i]):.10g} rescaled to {abs(U[IDX['D'], i]):.10g} "
                    f"(factor {c:.12f}) so that the mixing matrix is unitary; the light states' dark "
                    f"component sum_k |U_Dk|^2 = {1.0 - float(np.sum(np.abs(U[IDX['D'], :]) ** 2)):.4e} follows"
                )

    m_zp = _positive_mass(params, "mzprime")
    m_hp = _positive_mass(params, "mhprime", required=False)
    theta = float(params.get("theta") or 0.0)
    y_N = float(params.get("yN") or 0.0)
    if m_hp is None:
        for k in ("theta", "yN"):
            if params.get(k):
                raise ModelError(k, params[k], "the dark scalar couplings need mhprime (GeV)")
    if abs(theta) > math.pi / 2:
        raise ModelError("theta", theta, "mixing angle must satisfy |theta| <= pi/2")
    if abs(y_N) > math.sqrt(4 * math.pi):
        raise ModelError("yN", y_N, "must be perturbative, |yN| <= sqrt(4 pi)")

    convention = _convention(params)
    return DarkSectorModel(
        hnl_type=hnl_type,
        m_N=np.array(masses, dtype=float),
        U=U,
        m_zprime=m_zp,
        m_hprime=m_hp,
        g_D=_resolve_gD(params),
        epsilon=_resolve_kinetic_mixing(params, convention=convention),
        theta=theta,
        y_N=y_N,
        notes=tuple(notes),
        convention=convention,
    )


def takagi_real_symmetric(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Takagi factorisation of a real symmetric matrix, M = U diag(m) U^T with m >= 0.

    A real orthogonal diagonalisation M = O diag(lambda) O^T is made unitary-Takagi by
    multiplying the columns with negative eigenvalue by i (i^2 = -1).

    Returns
    -------
    m : ndarray
        Non-negative masses, ascending.
    U : ndarray
        Complex unitary matrix with columns ordered as ``m``.
    """
    M = np.asarray(M, dtype=float)
    if not np.allclose(M, M.T, rtol=0, atol=1e-300 + 1e-14 * np.abs(M).max()):
        raise ValueError("mass matrix is not symmetric")
    lam, O = np.linalg.eigh(M)
    order = np.argsort(np.abs(lam))
    lam, O = lam[order], O[:, order]
    phases = np.where(lam < 0, 1j, 1.0)
    U = O * phases[None, :]
    # Fix the overall sign of each column so that its largest component is real positive
    # (a convention: physical results depend only on U_ai U_bi^* combinations).
    for j in range(U.shape[1]):
        k = int(np.argmax(np.abs(U[:, j])))
        U[:, j] *= abs(U[k, j]) / U[k, j] * (phases[j] if lam[j] < 0 else 1.0)
    return np.abs(lam), U


def model_from_lagrangian(params: Mapping, hnl_type: str | None = None, convention: str | None = None) -> DarkSectorModel:
    """Build the model from the single-generation Lagrangian of seed 004 eq. (1)-(2).

    Parameters
    ----------
    params : mapping
        ``flavour`` ("e", "mu" or "tau"), ``mD``, ``mu_prime``, ``Lambda`` (GeV), one of
        ``gD``/``alphaD``, one of ``epsilon``/``chi``/``alpha_epsilon2``, ``mzprime``,
        optional ``mhprime``, ``theta``, ``yN``.
    """
    p = "lagrangian."
    conv = _convention({"convention": convention})
    if hnl_type not in (None, "majorana"):
        raise ModelError("hnl_type", hnl_type, 'with [model.lagrangian] the mass eigenstates are Majorana: use "majorana" or omit it')
    flavour = params.get("flavour", "mu")
    if flavour not in ACTIVE_FLAVOURS:
        raise ModelError(p + "flavour", flavour, 'allowed: "e", "mu", "tau"')
    mD = params.get("mD")
    Lam = params.get("Lambda")
    mup = params.get("mu_prime", 0.0)
    for k, v in (("mD", mD), ("Lambda", Lam)):
        if v is None:
            raise ModelError(p + k, None, "is required (GeV)")
        if not math.isfinite(float(v)) or float(v) <= 0:
            raise ModelError(p + k, v, "must be finite and > 0 (GeV)")
    if not math.isfinite(float(mup)) or float(mup) < 0:
        raise ModelError(p + "mu_prime", mup, "must be finite and >= 0 (GeV)")
    mD, Lam, mup = float(mD), float(Lam), float(mup)
    M = np.array([[0.0, mD, 0.0], [mD, mup, Lam], [0.0, Lam, 0.0]])
    masses, V = takagi_real_symmetric(M)
    # V rows: (nu_alpha, N, nu_D); columns: (light, N4, N5).
    U = np.zeros((len(FLAVOURS), 2), dtype=complex)
    U[IDX[flavour], :] = V[0, 1:]
    U[IDX["N"], :] = V[1, 1:]
    U[IDX["D"], :] = V[2, 1:]
    m_N = masses[1:]
    if m_N[0] <= 0:
        raise ModelError(p + "mu_prime", mup, "degenerate spectrum with a massless heavy state")
    m_zp = _positive_mass(params, "mzprime", prefix=p)
    m_hp = _positive_mass(params, "mhprime", prefix=p, required=False)
    theta = float(params.get("theta") or 0.0)
    y_N = params.get("yN")
    if y_N is None:
        y_N = 0.0
    notes = [
        f"Takagi factorisation of the (nu_{flavour}, N, nu_D) mass matrix (seed 004 eq. 2): "
        f"m4 = {m_N[0]:.6g} GeV, m5 = {m_N[1]:.6g} GeV, light state massless at tree level"
    ]
    return DarkSectorModel(
        hnl_type="majorana",
        m_N=m_N,
        U=U,
        m_zprime=m_zp,
        m_hprime=m_hp,
        g_D=_resolve_gD(params, prefix=p),
        epsilon=_resolve_kinetic_mixing(params, prefix=p, convention=conv),
        theta=theta,
        y_N=float(y_N),
        notes=tuple(notes),
        lagrangian={"flavour": flavour, "mD": mD, "mu_prime": mup, "Lambda": Lam},
        convention=conv,
    )
