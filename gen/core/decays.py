"""Decay graphs for the cascade kernel: species, channels, final-state restriction, |M|^2 tables.

The physics layer (``physics.decay_table``) says which channels exist, with their branching ratios,
asymmetry parameters and three-body matrix elements. This module flattens that into the arrays
``gen.core.kernels.cascade_kernel`` walks (STYLE.md section 4: arrays and floats only in kernels).

Final-state restriction. ``final_state = "all"`` decays every particle by its branching ratios. A
visible final state such as ``"e+e-"`` (the multiset of visible particles of the whole cascade;
neutrinos and heavy neutral leptons are invisible) restricts the cascade: with
``D_X(T)`` the probability that species X ends in visible content T (D of a stable particle is 1
for its own content; for an unstable one the sum over channels of BR times the convolution of its
daughters' D), each decay of X conditioned on T picks channel c and a split T = T_1 + ... + T_n of
the content among the daughters with probability BR_c prod_k D_{d_k}(T_k) / D_X(T), and the event
weight is multiplied by D_root(T), the branching ratio of the selected final state. This samples
exactly the conditional distribution, for any cascade depth.

Three-body matrix elements. For a spin-1/2 parent with polarisation vector P s (|s| = 1),
|M|^2 = A + P B.s with A, B functions of the final momenta; in the standard frame of
``gen.core.kernels.three_body_standard_frame`` (daughter 1 along z, daughter 2 in the xz plane) B has
components (Bx, 0, Bz) when the amplitude has no T-odd part (real couplings). A, Bx, Bz are
tabulated on a (ng+1)^2 grid of the unit square (bilinear in between); the density on the square is
that times the exact Dalitz jacobian, sampled by accept-reject against a per-cell envelope
(max corner A + max corner |B|, a bound of the bilinear |M|^2 since |s| = 1 and |P| <= 1, times the
largest jacobian of the cell).

Spin correlations through an on-shell vector (``Channel.vertex``). A two-body channel F -> f V with the
chiral couplings of its vertex, followed by V -> f1 f2 with those of the decay vertex (conserved
current), is generated with the exact |M|^2 of the chain F -> f (V -> f1 f2) in the narrow-width limit:
the V direction follows (1 + a P cos theta)/2 (``asymmetry``, the |M|^2 integrated over the f1 f2
angles), and the f1 direction in the V rest frame is drawn from the full |M|^2 at fixed F, f and V
momenta (``gen.core.kernels.vector_decay_correlated``). This carries the V polarisation (helicity
fractions and off-diagonal density-matrix terms) into the f1 f2 angles; derivation in
``validation/notes_zprime_polarisation.md``.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

import numpy as np

from gen.core import kernels as K
from gen.core.tables import DecayTables
from physics import pdg
from physics._jit import jit

__all__ = [
    "Species",
    "Channel",
    "DecayGraph",
    "build_decay_graph",
    "parse_final_state",
    "tabulate_three_body",
    "INVISIBLE_PDG",
]

# Neutrinos (light and heavy) and the sterile code are invisible in the detector (|code|; physics.pdg).
INVISIBLE_PDG = pdg.INVISIBLE

_NG_FLAT = 8

_TOKEN = re.compile(r"(mu\+|mu-|e\+|e-|tau\+|tau-|pi\+|pi-|pi0|gamma)")


@dataclasses.dataclass(frozen=True)
class Species:
    """A particle species of the cascade.

    Attributes
    ----------
    name : str
        Unique name (``"N4"``, ``"Zprime"``, ``"e-"``, ...).
    pdg : int
        PDG Monte Carlo code.
    mass : float
        Mass in GeV.
    ctau0 : float
        Proper decay length c tau0 in cm (0 for a prompt decay; ignored for stable species).
    """

    name: str
    pdg: int
    mass: float
    ctau0: float = 0.0

    @property
    def visible(self) -> bool:
        return not pdg.is_invisible(self.pdg)


@dataclasses.dataclass(frozen=True)
class Channel:
    """A decay channel ``parent -> daughters`` with branching ratio ``br``.

    ``asymmetry`` is the parameter a of the two-body angular distribution (1 + a P cos theta)/2 of
    the *first* daughter about the parent's spin axis. ``me2`` (three-body only) returns |M|^2 for
    arrays of rest-frame four-momenta ``q1, q2, q3`` (n, 4) in GeV and the parent polarisation
    vector ``s`` (n, 3); ``None`` means flat phase space. An optional attribute ``me2.AB(q1, q2, q3)``
    returning (A (n,), B (n, 3)) with |M|^2 = A + s . B is used by ``tabulate_three_body`` instead of
    three evaluations of ``me2`` (a wrapper that does not forward it falls back to those).

    ``vertex`` (two-body only; ``physics.decay_table.VectorVertex`` or any object with ``kind``,
    ``A``, ``B``, ``index``): ``kind = "F_to_FV"`` for a fermion parent emitting the vector daughter
    ``daughters[index]`` through ubar_f gamma^mu (A P_L + B P_R) u_i; ``kind = "V_to_ff"`` for a vector
    parent decaying through ubar_1 gamma^mu (A P_L + B P_R) v_2 with f1 = ``daughters[index]``.
    ``cp_image``: the channel is the CP image of the one whose couplings are given (antiparticle of a
    Dirac N): the chain |M|^2 is evaluated with the spin reversed, f1 <-> f2 and conjugated couplings.
    """

    parent: str
    daughters: tuple[str, ...]
    br: float
    asymmetry: float = 0.0
    me2: Callable | None = None
    vertex: object | None = None
    cp_image: bool = False


class DecayGraph(NamedTuple):
    """Flat arrays for ``cascade_kernel`` plus the weight factors of the root species."""

    st_pdg: np.ndarray
    st_mass: np.ndarray
    st_ctau0: np.ndarray
    st_ch_start: np.ndarray
    st_ch_n: np.ndarray
    ch_cum: np.ndarray
    ch_ndau: np.ndarray
    ch_dau: np.ndarray
    ch_asym: np.ndarray
    ch_me: np.ndarray
    me_A: np.ndarray
    me_Bx: np.ndarray
    me_Bz: np.ndarray
    me_cellcum: np.ndarray
    me_cellenv: np.ndarray
    ch_origin: np.ndarray  # graph channel -> index of the input Channel (for the event's channel code)
    ch_vec: np.ndarray  # F -> f V with couplings: index of the vector daughter, else -1
    ch_fer: np.ndarray  # V -> f1 f2 with couplings: index of f1 (u spinor), else -1
    ch_cpl: np.ndarray  # (C, 4): Re A, Im A, Re B, Im B of the vertex
    ch_cp: np.ndarray  # 1 if the channel is a CP image (see Channel)
    root_state: dict  # species name -> state index of the (conditioned) root
    root_factor: dict  # species name -> BR of the selected final state (1 for "all")

    def max_particles(self) -> int:
        """Largest number of particles a cascade started at any root adds (daughters of all generations)."""
        memo: dict[int, int] = {}

        def size(s: int) -> int:
            if s in memo:
                return memo[s]
            best = 0
            for ch in range(self.st_ch_start[s], self.st_ch_start[s] + self.st_ch_n[s]):
                tot = 0
                for k in range(self.ch_ndau[ch]):
                    tot += 1 + size(int(self.ch_dau[ch, k]))
                best = max(best, tot)
            memo[s] = best
            return best

        return max([size(s) for s in self.root_state.values() if s >= 0] or [0])

    def tables(self) -> DecayTables:
        """The arrays of the graph as the kernels' named input (``gen.core.tables.DecayTables``)."""
        return DecayTables(*(getattr(self, f) for f in DecayTables._fields))


def parse_final_state(final_state: str) -> tuple[str, ...] | None:
    """``"all"`` -> None; ``"e+e-"`` -> ("e+", "e-") (sorted multiset of visible particles)."""
    if final_state == "all":
        return None
    tokens = _TOKEN.findall(final_state.replace(" ", ""))
    if "".join(tokens) != final_state.replace(" ", "") or not tokens:
        raise ValueError(
            f"final_state = {final_state!r}: use 'all' or a visible final state made of "
            "e+ e- mu+ mu- tau+ tau- pi+ pi- pi0 gamma, e.g. 'e+e-'"
        )
    return tuple(sorted(tokens))


# Compiled loops over the Dalitz grid (the ``_kernels`` helpers are jitable; called from Python they run
# as plain Python, ~1 s per card). The kernel cache follows edits of gen/core/kernels.py too (physics._jit).
@jit
def _dalitz_grid(M, m1, m2, m3, X, Y, m12, m23, jac, q1, q2, q3):
    for k in range(X.shape[0]):
        m12[k], m23[k], jac[k] = K.dalitz_from_unit(M, m1, m2, m3, X[k], Y[k])
        K.three_body_standard_frame(M, m1, m2, m3, m12[k], m23[k], q1[k], q2[k], q3[k])


@jit
def _dalitz_jac_x(M, m1, m2, m3, xs):
    out = np.empty(xs.shape[0])
    for i in range(xs.shape[0]):
        out[i] = K.dalitz_from_unit(M, m1, m2, m3, xs[i], 0.5)[2]
    return out


def tabulate_three_body(M: float, m1: float, m2: float, m3: float, me2: Callable | None, ng: int = 48):
    """Tables (A, Bx, Bz, cellcum, cellenv): |M|^2 pieces on the (ng+1)^2 unit-square grid and the
    per-cell envelope of jacobian * |M|^2 with its cumulative distribution."""
    x = np.linspace(0.0, 1.0, ng + 1)
    X, Y = np.meshgrid(x, x, indexing="ij")
    X, Y = X.ravel(), Y.ravel()
    n = X.size
    m12 = np.empty(n)
    m23 = np.empty(n)
    jac = np.empty(n)
    q1 = np.empty((n, 4))
    q2 = np.empty((n, 4))
    q3 = np.empty((n, 4))
    _dalitz_grid(float(M), float(m1), float(m2), float(m3), X, Y, m12, m23, jac, q1, q2, q3)
    if me2 is None:
        A = np.ones(n)
        Bx = np.zeros(n)
        Bz = np.zeros(n)
    else:
        me2_AB = getattr(me2, "AB", None)
        if me2_AB is not None:
            # fast path: |M|^2 = A + s . B from one pass over the amplitudes (agrees with the three
            # evaluations below to rounding, tests/gen/test_tabulation_speed_paths.py)
            A, B = me2_AB(q1, q2, q3)
            A = np.asarray(A, dtype=float)
            B = np.asarray(B, dtype=float)
            Bx = np.ascontiguousarray(B[:, 0])
            Bz = np.ascontiguousarray(B[:, 2])
        else:
            zero = np.zeros((n, 3))
            ex = np.zeros((n, 3))
            ex[:, 0] = 1.0
            ez = np.zeros((n, 3))
            ez[:, 2] = 1.0
            A = np.asarray(me2(q1, q2, q3, zero), dtype=float)
            Bx = np.asarray(me2(q1, q2, q3, ex), dtype=float) - A
            Bz = np.asarray(me2(q1, q2, q3, ez), dtype=float) - A
        if not np.all(np.isfinite(A)) or A.min() < -1e-6 * max(A.max(), 0.0):
            raise ValueError(
                f"three-body |M|^2 is negative or not finite on the Dalitz grid (min {A.min():.3e}, max {A.max():.3e})")
        # Rounding at the Dalitz boundary (where |M|^2 -> 0 through cancellations) leaves values of
        # order -1e-12 relative to the maximum; they are zero to working precision. On an edge where a
        # massless daughter's four-momentum vanishes (m12^2 = m2^2 with m1 = 0) the products of
        # near-zero differences reach -3e-8 (heavy-Z' card, N5 -> nuebar mu+ e-): hence the 1e-6 margin.
        A = np.maximum(A, 0.0)
    A = A.reshape(ng + 1, ng + 1)
    Bx = Bx.reshape(ng + 1, ng + 1)
    Bz = Bz.reshape(ng + 1, ng + 1)
    Bn = np.hypot(Bx, Bz)

    def cellmax(T):
        return np.maximum.reduce([T[:-1, :-1], T[1:, :-1], T[:-1, 1:], T[1:, 1:]])

    # largest jacobian in each cell (it factorises in x and y), from 17 points per cell edge, with a
    # 2% margin for the curvature between them
    xs = np.linspace(0.0, 1.0, 16 * ng + 1)
    jx = _dalitz_jac_x(float(M), float(m1), float(m2), float(m3), xs)
    jy = np.sin(np.pi * xs)
    jxmax = np.array([jx[16 * i: 16 * i + 17].max() for i in range(ng)]) * 1.02
    jymax = np.array([jy[16 * i: 16 * i + 17].max() for i in range(ng)])
    env = ((cellmax(A) + cellmax(Bn)) * jxmax[:, None] * jymax[None, :]).ravel()
    if env.sum() <= 0:
        raise ValueError("three-body |M|^2 vanishes on the whole Dalitz plane")
    cum = np.cumsum(env) / env.sum()
    cum[-1] = 1.0
    return A, Bx, Bz, cum, env


def _refine_flat(t, ng: int):
    """Re-grid a flat-phase-space table (A = 1, B = 0) to ng cells per side, envelope recomputed."""
    A, Bx, Bz, cum, env = t
    ng0 = A.shape[0] - 1
    if ng % ng0:
        raise ValueError("table grids must divide each other")
    f = ng // ng0
    env_new = np.repeat(np.repeat(env.reshape(ng0, ng0), f, axis=0), f, axis=1).ravel() / (f * f)
    cum_new = np.cumsum(env_new) / env_new.sum()
    cum_new[-1] = 1.0
    shape = (ng + 1, ng + 1)
    return np.ones(shape), np.zeros(shape), np.zeros(shape), cum_new, env_new * (f * f)


def _visible_content(sp: Species, names: Mapping[int, str]) -> tuple[str, ...]:
    if not sp.visible:
        return ()
    return (names.get(sp.pdg, sp.name),)


_VIS_NAME = {pdg.PDG[n]: n for n in ("e-", "e+", "mu-", "mu+", "tau-", "tau+", "pi+", "pi-", "pi0", "gamma")}


def build_decay_graph(species: Sequence[Species], channels: Sequence[Channel], roots: Sequence[str],
                      final_state: str = "all", ng: int = 48) -> DecayGraph:
    """Flatten species and channels into a ``DecayGraph`` for the roots (the produced N_i).

    Raises
    ------
    ValueError
        Unknown species, branching ratios outside [0, 1], a closed channel (daughter masses above
        the parent), or a final state no root can reach.
    """
    sp = {s.name: s for s in species}
    by_parent: dict[str, list[Channel]] = {}
    for c in channels:
        for nm in (c.parent, *c.daughters):
            if nm not in sp:
                raise ValueError(f"channel {c.parent} -> {' '.join(c.daughters)}: unknown species {nm!r}")
        if not (0.0 <= c.br <= 1.0 + 1e-9):
            raise ValueError(f"channel {c.parent} -> {' '.join(c.daughters)}: br = {c.br} outside [0, 1]")
        if len(c.daughters) not in (2, 3):
            raise ValueError(f"channel {c.parent} -> {' '.join(c.daughters)}: only 2- and 3-body decays")
        if sum(sp[d].mass for d in c.daughters) >= sp[c.parent].mass:
            raise ValueError(f"channel {c.parent} -> {' '.join(c.daughters)} is closed (daughter masses exceed the parent's)")
        # |a| = 1 exactly (e.g. N -> nu pi0 for a pure V-A vertex) comes out as 1 + 2e-16 in floating point:
        # a tolerance of 1e-9 separates rounding from an unphysical input; the kernel gets the clipped value.
        if abs(c.asymmetry) > 1.0 + 1e-9:
            raise ValueError(f"channel {c.parent} -> {' '.join(c.daughters)}: asymmetry = {c.asymmetry}, need |a| <= 1")
        if c.vertex is not None:
            v = c.vertex
            if len(c.daughters) != 2 or v.kind not in ("F_to_FV", "V_to_ff") or v.index not in (0, 1):
                raise ValueError(f"channel {c.parent} -> {' '.join(c.daughters)}: vertex needs a two-body channel, "
                                 "kind 'F_to_FV' or 'V_to_ff' and index 0 or 1")
        if c.br > 0:
            by_parent.setdefault(c.parent, []).append(c)
    target = parse_final_state(final_state)

    # D_X: distribution of visible content (sorted tuple) for each species
    memo: dict[str, dict[tuple, float]] = {}

    def dist(name: str, depth: int = 0) -> dict[tuple, float]:
        if name in memo:
            return memo[name]
        if depth > 20:
            raise ValueError(f"decay chain through {name!r} is cyclic or deeper than 20 steps")
        chs = by_parent.get(name)
        if not chs:
            out = {tuple(sorted(_visible_content(sp[name], _VIS_NAME))): 1.0}
        else:
            tot = sum(c.br for c in chs)
            out: dict[tuple, float] = {}
            for c in chs:
                for combo in itertools.product(*[dist(d, depth + 1).items() for d in c.daughters]):
                    key = tuple(sorted(sum((k for k, _ in combo), ())))
                    out[key] = out.get(key, 0.0) + c.br / tot * math.prod(p for _, p in combo)
        memo[name] = out
        return out

    # conditioned states: (species name, content or None)
    states: list[tuple[str, tuple | None]] = []
    index: dict[tuple[str, tuple | None], int] = {}
    st_ch: dict[int, list[tuple[float, Channel, list[int]]]] = {}

    def state(name: str, content: tuple | None) -> int:
        key = (name, content)
        if key in index:
            return index[key]
        idx = len(states)
        states.append(key)
        index[key] = idx
        alts: list[tuple[float, Channel, list[int]]] = []
        chs = by_parent.get(name, [])
        tot = sum(c.br for c in chs)
        for c in chs:
            if content is None:
                alts.append((c.br / tot, c, [state(d, None) for d in c.daughters]))
            else:
                for combo in itertools.product(*[dist(d).items() for d in c.daughters]):
                    key2 = tuple(sorted(sum((k for k, _ in combo), ())))
                    if key2 != content:
                        continue
                    p = c.br / tot * math.prod(q for _, q in combo)
                    if p > 0:
                        alts.append((p, c, [state(d, k) for d, (k, _) in zip(c.daughters, combo)]))
        st_ch[idx] = alts
        return idx

    root_state, root_factor = {}, {}
    for r in roots:
        if r not in sp:
            raise ValueError(f"root species {r!r} unknown")
        if target is None:
            root_state[r] = state(r, None)
            root_factor[r] = 1.0
        else:
            f = dist(r).get(target, 0.0)
            root_factor[r] = f
            root_state[r] = state(r, target) if f > 0 else -1
    if target is not None and all(f == 0.0 for f in root_factor.values()):
        raise ValueError(f"final_state = {final_state!r}: no decay chain of {', '.join(roots)} ends in it")

    # flatten
    S = len(states)
    st_pdg = np.array([sp[n].pdg for n, _ in states], dtype=np.int64)
    st_mass = np.array([sp[n].mass for n, _ in states], dtype=np.float64)
    st_ctau0 = np.array([sp[n].ctau0 for n, _ in states], dtype=np.float64)
    st_ch_start = np.zeros(S, dtype=np.int64)
    st_ch_n = np.zeros(S, dtype=np.int64)
    cum, ndau, dau, asym, me, origin = [], [], [], [], [], []
    vec, fer, cpl, cp = [], [], [], []
    chan_index = {id(c): k for k, c in enumerate(channels)}
    tables: dict[tuple, int] = {}
    me_list = []
    for s in range(S):
        alts = st_ch[s]
        st_ch_start[s] = len(cum)
        st_ch_n[s] = len(alts)
        tot = sum(p for p, _, _ in alts)
        acc = 0.0
        for k, (p, c, ds) in enumerate(alts):
            acc += p / tot
            cum.append(1.0 if k == len(alts) - 1 else acc)
            ndau.append(len(ds))
            dau.append(ds + [-1] * (3 - len(ds)))
            asym.append(min(1.0, max(-1.0, c.asymmetry)))
            origin.append(chan_index[id(c)])
            v = c.vertex
            vec.append(v.index if v is not None and v.kind == "F_to_FV" else -1)
            fer.append(v.index if v is not None and v.kind == "V_to_ff" else -1)
            A, B = (complex(v.A), complex(v.B)) if v is not None else (0j, 0j)
            cpl.append([A.real, A.imag, B.real, B.imag])
            cp.append(1 if c.cp_image else 0)
            if len(ds) == 3:
                key = (c.parent, c.daughters, id(c.me2) if c.me2 is not None else None)
                if key not in tables:
                    M = sp[c.parent].mass
                    m = [sp[d].mass for d in c.daughters]
                    tables[key] = len(me_list)
                    # flat phase space: |M|^2 = 1 is exactly bilinear, a coarse grid is exact
                    me_list.append(tabulate_three_body(M, *m, c.me2, ng=ng if c.me2 is not None else _NG_FLAT))
                me.append(tables[key])
            else:
                me.append(-1)
    if not me_list:
        me_list.append(tabulate_three_body(1.0, 0.0, 0.0, 0.0, None, ng=_NG_FLAT))
    # tables of different grid sizes are stacked on the finest grid (a coarse one is refined exactly
    # for flat tables, which are constant; matrix-element tables all use ``ng``)
    ng_max = max(t[0].shape[0] - 1 for t in me_list)
    me_list = [t if t[0].shape[0] - 1 == ng_max else _refine_flat(t, ng_max) for t in me_list]
    C = len(cum)
    return DecayGraph(
        st_pdg=st_pdg, st_mass=st_mass, st_ctau0=st_ctau0, st_ch_start=st_ch_start, st_ch_n=st_ch_n,
        ch_cum=np.array(cum if C else [1.0], dtype=np.float64),
        ch_ndau=np.array(ndau if C else [2], dtype=np.int64),
        ch_dau=np.array(dau if C else [[-1, -1, -1]], dtype=np.int64),
        ch_asym=np.array(asym if C else [0.0], dtype=np.float64),
        ch_me=np.array(me if C else [-1], dtype=np.int64),
        me_A=np.stack([t[0] for t in me_list]),
        me_Bx=np.stack([t[1] for t in me_list]),
        me_Bz=np.stack([t[2] for t in me_list]),
        me_cellcum=np.stack([t[3] for t in me_list]),
        me_cellenv=np.stack([t[4] for t in me_list]),
        ch_origin=np.array(origin if C else [-1], dtype=np.int64),
        ch_vec=np.array(vec if C else [-1], dtype=np.int64),
        ch_fer=np.array(fer if C else [-1], dtype=np.int64),
        ch_cpl=np.array(cpl if C else [[0.0] * 4], dtype=np.float64).reshape(-1, 4),
        ch_cp=np.array(cp if C else [0], dtype=np.int64),
        root_state=root_state,
        root_factor=root_factor,
    )
