"""Vertices of the dark-neutrino model in the mass basis, built from a ``DarkSectorModel``.

Conventions (arXiv:1903.07589 eq. 1, 7; arXiv:1808.02500 eq. 2.17):

* Z' couples to the dark current, g_D nubar_D gamma^mu P_L nu_D, and to charged fermions through
  kinetic mixing as a vector, e*epsilon*Q_f (no axial part at leading order in epsilon).
* Z couples as (g/c_W) fbar gamma^mu (g_V - g_A gamma5) f with g_V = T3/2 - Q s_W^2, g_A = T3/2,
  and to neutral leptons as (g/2c_W) nubar_a gamma^mu P_L nu_a, a = e, mu, tau.
* W couples as (g/sqrt2) lbar_a gamma^mu P_L nu_a.

With flavour fields nu_a = sum_i U_ai nu_i, a neutral-lepton vertex of boson X between mass states
(incoming j, outgoing i) is

    V^X_ij = sum_{a in X} x_a U_ai^* U_aj,     x_D = g_D (Z'),  x_{e,mu,tau} = g/(2 c_W) (Z).

Light states are never explicit; sums over them use the light projector
P_ab = sum_k U_ak U_bk^* (see ``physics.model``):

* light-summed products of vertices (decays N_i -> nu + X):
      S^{XY}_{ij} = sum_k V^X_ki (V^Y_kj)^* = sum_{a in X, b in Y} x_a y_b U_ai U_bj^* P_ba
* production from a flavour beam nu_alpha -> N_j:
      A^X_{alpha j} = sum_k U_alpha k^* V^X_jk = sum_{a in X} x_a U_aj^* P_{a alpha}

Every coupling here is complex-valued in general; interference terms are Re[...] of products.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from physics import constants as const
from physics.model import IDX, DarkSectorModel

__all__ = [
    "g_weak",
    "gZ_over_cW",
    "z_charged_couplings",
    "boson_rows",
    "vertex_heavy",
    "light_sum",
    "production_amplitude",
    "PackedModel",
    "pack",
]

# Weak couplings from G_F and the on-shell masses (tree level): g^2/(8 m_W^2) = G_F/sqrt2.
g_weak = math.sqrt(8.0 * const.G_F * const.m_W**2 / math.sqrt(2.0))
gZ_over_cW = math.sqrt(8.0 * const.G_F * const.m_Z**2 / math.sqrt(2.0))  # g / c_W


def z_charged_couplings(T3: float, Q: float) -> tuple[float, float]:
    """(g_V, g_A) of a fermion with weak isospin T3 and charge Q, in units of g/c_W."""
    return 0.5 * T3 - Q * const.sin2_thetaW, 0.5 * T3


def boson_rows(model: DarkSectorModel, boson: str) -> dict[int, float]:
    """Flavour rows a and strengths x_a of boson ``"Zprime"`` or ``"Z"`` in the neutral current."""
    if boson == "Zprime":
        return {IDX["D"]: model.g_D}
    if boson == "Z":
        x = 0.5 * gZ_over_cW
        return {IDX["e"]: x, IDX["mu"]: x, IDX["tau"]: x}
    raise ValueError(f"unknown boson {boson!r}: allowed 'Zprime', 'Z'")


def vertex_heavy(model: DarkSectorModel, boson: str, i: int, j: int) -> complex:
    """V^X_ij between heavy states i, j (0 = N4): sum_a x_a U_ai^* U_aj."""
    U = model.U
    return complex(sum(x * np.conj(U[a, i]) * U[a, j] for a, x in boson_rows(model, boson).items()))


def light_sum(model: DarkSectorModel, X: str, Y: str, i: int, j: int | None = None) -> complex:
    """S^{XY}_ij = sum over light k of V^X_ki (V^Y_kj)^* (decays N_i -> nu_k + X).

    ``light_sum(model, "Zprime", "Zprime", i)`` is g_D^2 |U_Di|^2 sum_k |U_Dk|^2, i.e.
    seed 004 eq. (13)'s |U_Dh|^2 (1 - |U_D4|^2 - |U_D5|^2) g'^2.
    """
    if j is None:
        j = i
    U, P = model.U, model.light_projector()
    rx, ry = boson_rows(model, X), boson_rows(model, Y)
    return complex(sum(xa * yb * U[a, i] * np.conj(U[b, j]) * P[b, a] for a, xa in rx.items() for b, yb in ry.items()))


def production_amplitude(model: DarkSectorModel, boson: str, alpha: str, j: int) -> complex:
    """A^X_{alpha j} = sum_a x_a U_aj^* P_{a alpha}: coupling of a flavour-alpha beam to N_j.

    For the Z' this is g_D U_Dj^* P_{D alpha} = -g_D U_Dj^* sum_h U_Dh U_alpha h^*, so that
    |A|^2 = g_D^2 |U_Dj|^2 |sum_h U_alpha h^* U_Dh|^2 (seed 004 text below eq. 31).
    """
    U, P = model.U, model.light_projector()
    b = IDX[alpha]
    return complex(sum(x * np.conj(U[a, j]) * P[a, b] for a, x in boson_rows(model, boson).items()))


class PackedModel(NamedTuple):
    """The model flattened for numba kernels: arrays and floats only (STYLE.md section 4)."""

    m_N: np.ndarray  # (n_heavy,) GeV
    U: np.ndarray  # (5, n_heavy) complex
    P: np.ndarray  # (5, 5) complex light projector
    m_zprime: float  # GeV
    m_hprime: float  # GeV (inf when the scalar is decoupled)
    g_D: float
    e_epsilon: float  # Z' vector coupling to unit charge
    theta: float
    y_N: float
    majorana: bool


def pack(model: DarkSectorModel) -> PackedModel:
    """Flatten a ``DarkSectorModel`` once at the kernel boundary."""
    return PackedModel(
        m_N=np.ascontiguousarray(model.m_N, dtype=np.float64),
        U=np.ascontiguousarray(model.U, dtype=np.complex128),
        P=np.ascontiguousarray(model.light_projector(), dtype=np.complex128),
        m_zprime=float(model.m_zprime),
        m_hprime=float(model.m_hprime) if model.m_hprime is not None else math.inf,
        g_D=float(model.g_D),
        e_epsilon=float(model.e_epsilon_decay),
        theta=float(model.theta),
        y_N=float(model.y_N),
        majorana=bool(model.is_majorana),
    )
