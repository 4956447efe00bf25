"""The decay table of a ``DarkSectorModel``: every open channel of N4..N6, Z' and h'.

``decay_table(model)`` returns, per particle, the partial widths, total width, branching ratios
and proper decay length c tau0 = hbar c / Gamma (cm). Widths come from ``physics.decay_widths``
(two-body) and ``physics.three_body`` (N -> nu l l, N -> N' l l, N -> nu nu nu, N -> N' nu nu).

Light neutrinos
---------------
Light mass states are summed over and listed by flavour: the amplitude for the light state of
flavour b in a vertex x_a U_ai is sum_a x_a U_ai P_ba (P = ``model.light_projector()``), so each
channel with a light neutrino is split exactly into flavours e, mu, tau (PDG 12, 14, 16) and the
dark/sterile rows D, N (PDG 18, "nus"); sum_b reproduces ``couplings.light_sum``. When the heavy
columns of U are not orthonormal, P is not a projector and the unitary completion has hidden
sterile rows; they are added (also "nus") so that the split stays exact (``_extended_projector``).
For a Majorana N every channel with light neutrinos appears twice, nu and nubar, each with half
the Majorana width (their sum is twice the Dirac width). Three-body channels with several
neutrinos are split by the flavours of all of them.

Mediators and double counting
-----------------------------
When the Z' can be produced on shell in a three-body channel (its pole inside the Dalitz region),
the Z' diagram is left out of that channel: its rate is the two-body N -> nu Z' (or N_j Z') times
BR(Z' -> l l), which the cascade generates. Otherwise the Z' propagator is exact, with the running
width sqrt(s) Gamma_Z'(sqrt s) evaluated at the largest s of the region (where the propagator is
largest; the correction elsewhere is O((Gamma/M)^2 s^2/M^4)). The Z and W propagators carry no
width: at q^2 << M^2 a fixed width would add a spurious (Gamma/M)^2 ~ 7e-4.

Majorana N: N -> N_j nu nu, N_j N_k nu and N_j N_k N_l are computed with every diagram (identical
Majorana fermions, ``three_body.width_majorana_three``). Dirac N: N -> N_j nu nubar has both diagrams
(the exchange one Fierzed into the t-channel term of the f l l kernel); N -> N_j N_k nu, N_j N_k N_l
are not computed (listed in ``ParticleDecays.notes``).

Hadronic N channels: nu P0 and N_j P0 (pi0, eta, eta', Z), l^- P^+ (pi, K) and l^- V^+ (rho, K*) through
the W (a Majorana N also l^+ P^-, l^+ V^-), nu V0 and N_j V0 (rho0, omega, phi) through Z' and Z with
their propagators at m_V^2 (arXiv:1805.08567 sec. 3.2-3.3; vector couplings from the quark content,
validation/notes_decay_widths.md). h' -> gamma gamma, pi pi, K K, s sbar, c cbar, b bbar, g g in the scheme
of ``physics.decay_widths.hprime_hadronic_blend`` (``ParticleDecays.notes`` warns where it is uncertain).

Not included (documented open items): multi-meson N channels (N -> l pi pi0 beyond the rho, ...) and
charm mesons (m_N > 1.9 GeV), radiative N -> nu gamma (loop), h' -> eta eta, 4 pi, and h' in three-body N decays
(suppressed by m_l/v). Z' -> hadrons
is Z' -> pi+ pi- only (Gounaris-Sakurai rho): above ~1 GeV (K K, 4 pi, omega pi, ...) the hadronic width is
underestimated; an R-ratio treatment would be the next step. ``ParticleDecays.notes`` lists the open
multi-heavy-neutrino channels of each N.

For the event generator every N channel carries ``asymmetry`` (two-body) or ``me2`` (three-body, the
polarised |M|^2 as a callable in the ``gen.core.decays`` convention), and ``code``/``mediators``. Two-body
channels with a Z' (N -> nu Z', N -> N' Z', Z' -> l+ l-, Z' -> nu nubar) also carry ``vertex``
(``VectorVertex``: chiral couplings), from which the generator builds the Z' polarisation and the
spin correlations of N -> f (Z' -> f1 f2) (``validation/notes_zprime_polarisation.md``).

Scalar channels for ``hnl_type = "dirac"`` use the single-chirality convention of
``physics.decay_widths``; h' -> light nu light nu is computed as for Majorana light states.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable

import numpy as np

from physics import constants as const
from physics import decay_widths as dw
from physics import three_body as tb
from physics.couplings import g_weak, gZ_over_cW, vertex_heavy
from physics.model import IDX, DarkSectorModel
from physics.pdg import PDG, pdg_code
from physics.units import hbarc

__all__ = [
    "CHANNEL_CODES",
    "Channel",
    "ParticleDecays",
    "decay_table",
    "zprime_width",
    "hprime_hadronic_warning",
    "to_json_dict",
    "to_slha",
]

# Numeric codes of the decay topologies, for the event generator's kernels.
CHANNEL_CODES = {
    "F_to_F_vector": 1,  # N -> nu Z', N -> N' Z', N -> nu rho0
    "F_to_F_scalar": 2,  # N -> nu h', N -> N' h'
    "F_to_F_pseudoscalar": 3,  # N -> nu pi0, N -> N' pi0, N -> l pi
    "F_to_F_ll": 4,  # N -> nu l l, N -> N' l l, N -> N' nu nu, N -> nu l_a l_b (W)
    "F_to_nununu": 5,  # N -> nu nu nubar
    "V_to_FF": 6,  # Z' -> l l, nu nu, nu N, N N
    "V_to_pipi": 7,  # Z' -> pi+ pi-
    "S_to_FF": 8,  # h' -> l l, nu nu, nu N, N N
    "S_to_VV": 9,  # h' -> Z' Z'
    "F_to_majorana_three": 10,  # Majorana N -> N N nu and N -> N N N (all diagrams)
    "S_to_PP": 11,  # h' -> pi pi, K K (isotropic)
}

_NU = ("nue", "numu", "nutau", "nus", "nus")  # light-state flavour rows e, mu, tau, D, N
_LEPTONS = (("e", const.m_e, IDX["e"]), ("mu", const.m_mu, IDX["mu"]), ("tau", const.m_tau, IDX["tau"]))
_TINY = 1e-300

# Meson final states of N decays (validation/notes_decay_widths.md sec. 2). Neutral pseudoscalars
# (name, mass, f) through the Z axial current, f in the normalisation of the pi0 width (arXiv:1805.08567
# decay-constant table). Charged ones (name without charge, mass, f, |V_CKM|) through the W.
_NEUTRAL_PSEUDOSCALARS = (("pi0", const.m_pi0, const.f_pi), ("eta", const.m_eta, const.f_eta),
                          ("etaprime", const.m_etaprime, const.f_etaprime))
_CHARGED_PSEUDOSCALARS = (("pi", const.m_pi_charged, const.f_pi, const.V_ud), ("K", const.m_K_charged, const.f_K, const.V_us))
_CHARGED_VECTORS = (("rho", const.m_rho_charged, const.f_rho_charged, const.V_ud), ("K*", const.m_Kstar_charged, const.f_Kstar, const.V_us))
# Neutral vectors (name, mass, f_V, (c_Z', c_Z)): <V| sum_q c_q qbar gamma^mu q |0> = (f_V m_V/sqrt2) c eps^mu*
# for the Z' current e eps sum_q Q_q qbar g q (c_Z' in units of e eps) and the Z vector current
# (g/c_W) sum_q g_V^q qbar g q, g_V^q = T3/2 - Q s_W^2 (c_Z in units of g/c_W). rho0 = (uu - dd)/sqrt2:
# (1, 1/2 - s_W^2); omega = (uu + dd)/sqrt2: (1/3, -s_W^2/3); phi = ss with <phi|sbar g s|0> = f m:
# sqrt2 (-1/3, -1/4 + s_W^2/3).
_NEUTRAL_VECTORS = (
    ("rho0", const.m_rho0, const.f_rho, (1.0, 0.5 - const.sin2_thetaW)),
    ("omega", const.m_omega, const.f_omega, (1.0 / 3.0, -const.sin2_thetaW / 3.0)),
    ("phi", const.m_phi, const.f_phi, (-math.sqrt(2.0) / 3.0, math.sqrt(2.0) * (-0.25 + const.sin2_thetaW / 3.0))),
)


@dataclasses.dataclass(frozen=True)
class VectorVertex:
    """Chiral couplings of a two-body vertex with an on-shell vector boson (spin correlations).

    Conventions of ``physics.decay_widths``: for a fermion parent f_i -> f_f V the vertex is
    ``ubar_f gamma^mu (A P_L + B P_R) u_i`` and ``index`` is the position of V among the daughters;
    for a vector parent V -> f1 f2 it is ``ubar_1 gamma^mu (A P_L + B P_R) v_2`` and ``index`` is the
    position of f1 (the u-spinor fermion, e.g. the l^- of Z' -> l^+ l^-). Only the ratios of A and B
    matter for angular distributions. With both vertices, N -> f (Z' -> f1 f2) has the exact on-shell
    |M|^2 of ``physics.three_body`` (``validation/notes_zprime_polarisation.md``); the V -> f1 f2
    vertex is listed only when its current is conserved (equal masses and A = B, or massless f1 f2), so
    that the q^mu q^nu / M^2 part of the propagator drops out.
    """

    kind: str  # "F_to_FV" or "V_to_ff"
    A: complex
    B: complex
    index: int


@dataclasses.dataclass(frozen=True)
class Channel:
    """One decay channel.

    Attributes
    ----------
    final_state : str
        Daughters separated by spaces, e.g. ``"numu e+ e-"``.
    daughters : tuple of str
        Daughter names (keys of ``physics.pdg.PDG``, plus ``"N4bar"``...).
    pdg : tuple of int
        PDG codes of the daughters.
    width_GeV : float
        Partial width (GeV).
    br : float
        Branching ratio.
    kind : str
        ``"two_body"`` or ``"three_body"``.
    code : int
        Topology code (``CHANNEL_CODES``) for the event generator.
    mediators : tuple of str
        Bosons exchanged (``"Zprime"``, ``"Z"``, ``"W"``) or produced.
    asymmetry : float
        Two-body decays of N: parameter a of dGamma/dcos(theta) ~ (1 + a P cos(theta))/2 of the first
        daughter about the parent spin (P the polarisation). 0 for boson parents.
    me2 : callable or None
        Three-body decays of N: ``me2(q1, q2, q3, s)`` returns |M|^2 (arbitrary normalisation per
        channel) for rest-frame momenta (n, 4) ordered (px, py, pz, E) of the daughters in the listed
        order and parent polarisation vectors ``s`` (n, 3) (``gen.core.decays`` convention).
    vertex : VectorVertex or None
        Two-body channels with a Z' (N -> nu Z', N -> N' Z', Z' -> l+ l-, Z' -> nu nubar): the chiral
        couplings from which the generator builds the Z' polarisation and the spin correlations of
        the chain N -> f (Z' -> f1 f2). None for every other channel.
    """

    final_state: str
    daughters: tuple[str, ...]
    pdg: tuple[int, ...]
    width_GeV: float
    br: float
    kind: str
    code: int = 0
    mediators: tuple[str, ...] = ()
    asymmetry: float = 0.0
    me2: Callable | None = dataclasses.field(default=None, compare=False, repr=False)
    vertex: VectorVertex | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclasses.dataclass(frozen=True)
class ParticleDecays:
    """Decays of one particle. Widths in GeV, c tau0 in cm (``inf`` when no channel is open)."""

    name: str
    pdg: int
    mass_GeV: float
    width_GeV: float
    ctau0_cm: float
    channels: tuple[Channel, ...]
    notes: tuple[str, ...] = ()  # open channels that are not computed (N -> N' N'' nu, N -> N' N'' N''')

    @property
    def stable(self) -> bool:
        """True when no decay channel is open."""
        return not self.width_GeV > 0.0


def _bar(name: str) -> str:
    return name[:-3] if name.endswith("bar") else name + "bar"


class _Acc:
    """Accumulates raw channels, merging equal daughter tuples (e.g. the D and N rows -> nus)."""

    def __init__(self):
        self.w: dict[tuple[str, ...], float] = {}
        self.aw: dict[tuple[str, ...], float] = {}
        self.me: dict[tuple[str, ...], list] = {}
        self.meta: dict[tuple[str, ...], tuple[str, int, tuple[str, ...]]] = {}
        self.vx: dict[tuple[str, ...], list] = {}

    def add(self, daughters, width, code, mediators, asym=0.0, me2=None, vertex=None):
        if not width > 0.0:
            return
        d = tuple(daughters)
        self.vx.setdefault(d, []).append((float(width), vertex))
        self.w[d] = self.w.get(d, 0.0) + float(width)
        self.aw[d] = self.aw.get(d, 0.0) + float(width) * float(asym)
        if me2 is not None:
            self.me.setdefault(d, []).append(me2)
        k = "two_body" if len(d) == 2 else "three_body"
        self.meta[d] = (k, CHANNEL_CODES[code], tuple(mediators))

    def add_nu(self, daughters, width, code, mediators, majorana, asym=0.0, me2=None, me2_bar=None, vertex=None,
               vertex_bar=None):
        """Add a channel with light neutrinos; a Majorana parent also gets the CP image (nu <-> nubar,
        opposite asymmetry), each with half the width."""
        if majorana:
            self.add(daughters, 0.5 * width, code, mediators, asym, me2, vertex)
            self.add([_bar(x) if x.startswith("nu") else x for x in daughters], 0.5 * width, code, mediators, -asym, me2_bar,
                     vertex_bar)
        else:
            self.add(daughters, width, code, mediators, asym, me2, vertex)

    def build(self, name, pdg, mass, min_br=0.0, notes=()) -> ParticleDecays:
        tot = float(sum(self.w.values()))
        chans = []
        for d, w in self.w.items():
            br = w / tot
            if br < min_br:
                continue
            kind, code, med = self.meta[d]
            fs = self.me.get(d)
            me2 = None if not fs else (fs[0] if len(fs) == 1 else _summed(fs))
            chans.append(Channel(" ".join(d), d, tuple(pdg_code(x) for x in d), w, br, kind, code, med, self.aw[d] / w, me2,
                                 _merged_vertex(self.vx.get(d, []))))
        chans.sort(key=lambda c: (-c.width_GeV, c.final_state))
        ctau = hbarc / tot if tot > 0 else math.inf
        return ParticleDecays(name, pdg, float(mass), tot, ctau, tuple(chans), tuple(notes))


def _merged_vertex(entries):
    """One ``VectorVertex`` for the merged entries of a channel (e.g. the D and N rows -> nus).

    Entries are incoherent (different final states listed under one name): their coupling matrices
    w (A, B)^T (A, B)^* / (|A|^2 + |B|^2) add. The result is a single vertex when the sum has rank one
    (always for real couplings of one chirality structure); otherwise None (no spin correlation).
    """
    if not entries or any(v is None for _, v in entries):
        return None
    v0 = entries[0][1]
    if any(v.kind != v0.kind or v.index != v0.index for _, v in entries):
        return None
    H = np.zeros((2, 2), complex)
    for w, v in entries:
        x = np.array([v.A, v.B], complex)
        nx = float(np.vdot(x, x).real)
        if nx > 0:
            H += w * np.outer(x, x.conj()) / nx
    lam, vec = np.linalg.eigh(H)
    if lam[1] <= 0 or lam[0] > 1e-9 * lam[1]:
        return None
    x = vec[:, 1]
    # phase convention: the larger component real and positive
    k = int(np.argmax(np.abs(x)))
    x = x * np.exp(-1j * np.angle(x[k]))
    return VectorVertex(v0.kind, complex(x[0]), complex(x[1]), v0.index)


def _summed(fs):
    def me2(q1, q2, q3, s):
        return sum(f(q1, q2, q3, s) for f in fs)

    ABs = [getattr(f, "AB", None) for f in fs]
    if all(g is not None for g in ABs):
        def me2_AB(q1, q2, q3):
            """Fast path (gen.core.decays.tabulate_three_body): the (A, B) of the terms, added in order."""
            A, B = 0, 0
            for g in ABs:
                a, b = g(q1, q2, q3)
                A, B = A + a, B + b
            return A, B

        me2.AB = me2_AB
    return me2


def _tchan(w):
    """t-channel arrays (wt, mt, gt) of ``three_body.width_N_to_f_ll``: a complex w is the W term,
    a tuple is passed through, 0 means none."""
    if isinstance(w, tuple):
        return w
    if w == 0:
        return np.zeros(0, complex), np.zeros(0), np.zeros(0)
    return np.array([complex(w)]), np.array([const.m_W]), np.array([0.0])


def _me2_f_ll(slots, cp_image, m0, mf, m1, m2, nL, nR, cL, cR, mm, gm, w):
    """|M|^2 callable of a three-body channel: ``slots`` = positions among the listed daughters of the
    momenta that go into the (f, l^-, l^+) arguments of ``msq_N_to_f_ll``. ``cp_image`` evaluates the CP
    image (nubar channel of a Majorana N): the caller puts the image's l^+ (l^-) momentum in the l^-
    (l^+) argument; here the spin is reversed and the couplings conjugated."""
    if cp_image:
        nL, nR, cL, cR = nL.conj(), nR.conj(), cL.conj(), cR.conj()
        w = (w[0].conj(), w[1], w[2]) if isinstance(w, tuple) else complex(w).conjugate()
    sign = -1.0 if cp_image else 1.0
    args = (float(m0), float(mf), float(m1), float(m2), nL, nR, cL, cR, mm, gm) + _tchan(w)

    def me2(q1, q2, q3, s):
        q = (q1, q2, q3)
        c = [np.ascontiguousarray(q[k], dtype=float) for k in slots]
        return tb.msq_f_ll_batch(c[0], c[1], c[2], sign * np.ascontiguousarray(s, dtype=float), *args)

    return me2


def _me2_nnn(cp_image, m0, alpha, beta, mm, gm):
    sign = -1.0 if cp_image else 1.0
    if cp_image:
        alpha, beta = alpha.conj(), beta.conj()

    def me2(q1, q2, q3, s):
        return tb.msq_nu_nu_nu_batch(*(np.ascontiguousarray(q, dtype=float) for q in (q1, q2, q3)),
                                     sign * np.ascontiguousarray(s, dtype=float), float(m0), alpha, beta, mm, gm)

    return me2


def _extended_projector(P: np.ndarray, U: np.ndarray) -> np.ndarray:
    """Rows b of sum_k (light-state column)_bk (...)^*_ak for the 5 flavours and the hidden rows.

    With light columns W = sqrt(P) (W W^+ = P) the rows of [W U] are orthonormal; when the heavy
    columns are not (a phenomenological U that is only a contraction) the unitary completion needs
    n_heavy hidden sterile rows H, orthogonal to the rows of [W U]. The amplitude for flavour row b of
    the light state emitted at a vertex x_a U_ai is sum_a x_a U_ai Pe_ba with Pe = [W; H_W] W^+; the
    first 5 rows are P itself and sum over all rows of |amplitude|^2 is the light sum (Pe^+ Pe = P).
    Hidden rows are listed as "nus". They vanish when U has orthonormal columns.
    """
    lam, O = np.linalg.eigh(P)
    W = (O * np.sqrt(np.clip(lam, 0.0, None))) @ O.conj().T
    M = np.hstack([W, U])
    _, _, vh = np.linalg.svd(M)
    H = vh[M.shape[0]:, :]
    Q = H[:, : M.shape[0]] @ W.conj().T
    keep = np.abs(Q).max(axis=1) > 1e-12 if Q.size else np.zeros(0, bool)  # SVD round-off ~1e-16
    Pe = np.vstack([P, Q[keep]])
    # 1 - sum_h |U_ah|^2 carries an absolute round-off of ~1e-16: entries below 1e-15 are noise
    # (they would otherwise create spurious flavour channels at BR ~ 1e-30)
    Pe[np.abs(Pe) < 1e-15] = 0.0
    return Pe


class _Couplings:
    """Flavour-resolved vertex coefficients of a model (see the module docstring)."""

    def __init__(self, model: DarkSectorModel):
        self.model = model
        self.U = model.U
        self.P = model.light_projector()
        self.Pe = _extended_projector(self.P, self.U)
        self.nr = self.Pe.shape[0]
        self.nu = _NU + ("nus",) * (self.nr - len(_NU))
        self.rows = {"Zprime": {IDX["D"]: model.g_D}, "Z": {IDX[a]: 0.5 * gZ_over_cW for a in ("e", "mu", "tau")}}
        self.maj = model.is_majorana
        self.e_eps = model.e_epsilon_decay  # signed; DarkNews factor with convention = "darknews"
        s2 = const.sin2_thetaW
        # charged-lepton couplings (c_L, c_R) of Z' (e eps Q, Q = -1) and Z
        self.c_l = {"Zprime": (-self.e_eps, -self.e_eps), "Z": (gZ_over_cW * (-0.5 + s2), gZ_over_cW * s2)}
        self.kh = model.y_N * math.cos(model.theta) / math.sqrt(2.0)

    def kappa(self, X: str, i: int) -> np.ndarray:
        """kappa^X_b = sum_a x_a U_ai P_ba: amplitude for N_i -> light flavour b."""
        return np.array([sum(x * self.U[a, i] * self.Pe[b, a] for a, x in self.rows[X].items()) for b in range(self.nr)])

    def tau(self, X: str) -> np.ndarray:
        """tau^X_cd = sum_a x_a P_ca P_ad: X -> nu_c nubar_d among light states."""
        return sum(x * np.outer(self.Pe[:, a], self.Pe[:, a].conj()) for a, x in self.rows[X].items())

    def V(self, X: str, j: int, i: int) -> complex:
        """V^X_ji between heavy states (outgoing j, incoming i)."""
        return vertex_heavy(self.model, X, j, i)

    def y_light(self, i: int) -> np.ndarray:
        """h' amplitude for N_i -> light flavour b: kh (U_Di P_Nb + U_Ni P_Db)."""
        D, N = IDX["D"], IDX["N"]
        return self.kh * (self.U[D, i] * self.Pe[:, N].conj() + self.U[N, i] * self.Pe[:, D].conj())

    def y_heavy(self, i: int, j: int) -> complex:
        D, N = IDX["D"], IDX["N"]
        return complex(self.kh * (self.U[N, i] * self.U[D, j] + self.U[D, i] * self.U[N, j]))

    def B(self, A: complex, kind: str = "vector") -> complex:
        """Second chirality of a vertex: -A^* (vector) or A^* (scalar) for Majorana, 0 for Dirac."""
        if not self.maj:
            return 0j
        return -np.conj(A) if kind == "vector" else np.conj(A)


# ------------------------------------------------------------------------------ Z'
def _zprime_acc(C: _Couplings, M: float) -> _Acc:
    model, acc = C.model, _Acc()
    for lname, ml, _ in _LEPTONS:
        # vector current c_L = c_R = -e eps (``_Couplings.c_l``), conserved: l^- is daughter 1
        acc.add((lname + "+", lname + "-"), dw.width_Zprime_to_ll(M, ml, C.e_eps), "V_to_FF", ("Zprime",),
                vertex=VectorVertex("V_to_ff", complex(C.c_l["Zprime"][0]), complex(C.c_l["Zprime"][1]), 1))
    acc.add(("pi+", "pi-"), dw.width_Zprime_to_pipi(M, C.e_eps), "V_to_pipi", ("Zprime",))
    tZ = C.tau("Zprime")
    for c in range(C.nr):
        for d in range(C.nr):
            acc.add((C.nu[c], C.nu[d] + "bar"), dw.width_V_to_FF(M, 0.0, 0.0, complex(tZ[c, d]), 0j, False), "V_to_FF", ("Zprime",),
                    vertex=VectorVertex("V_to_ff", complex(tZ[c, d]), 0j, 0))
    names = model.heavy_names
    for i, mi in enumerate(model.m_N):
        k = C.kappa("Zprime", i)
        for b in range(C.nr):
            A = complex(k[b])
            if C.maj:
                acc.add_nu((C.nu[b], names[i]), dw.width_V_to_FF(M, 0.0, mi, A, C.B(A), False), "V_to_FF", ("Zprime",), True)
            else:
                w = dw.width_V_to_FF(M, 0.0, mi, A, 0j, False)
                acc.add((C.nu[b], names[i] + "bar"), w, "V_to_FF", ("Zprime",))
                acc.add((names[i], C.nu[b] + "bar"), w, "V_to_FF", ("Zprime",))
        for j in range(i, model.n_heavy):
            V = C.V("Zprime", i, j)
            if C.maj:
                acc.add((names[i], names[j]), dw.width_V_to_FF(M, mi, model.m_N[j], V, C.B(V), i == j), "V_to_FF", ("Zprime",))
            else:
                w = dw.width_V_to_FF(M, mi, model.m_N[j], V, 0j, False)
                acc.add((names[i], names[j] + "bar"), w, "V_to_FF", ("Zprime",))
                if i != j:
                    acc.add((names[j], names[i] + "bar"), w, "V_to_FF", ("Zprime",))
    return acc


def zprime_width(model: DarkSectorModel, mass: float | None = None) -> float:
    """Total Z' width (GeV) for a Z' of mass ``mass`` (default the model's): the running width."""
    C = _Couplings(model)
    return float(sum(_zprime_acc(C, model.m_zprime if mass is None else mass).w.values()))


# ------------------------------------------------------------------------------ h'
def _hprime_acc(C: _Couplings, M: float) -> _Acc:
    model, acc = C.model, _Acc()
    for lname, ml, _ in _LEPTONS:
        acc.add((lname + "+", lname + "-"), dw.width_hprime_to_ll(M, ml, model.theta), "S_to_FF", ("hprime",))
    acc.add(("Zprime", "Zprime"), dw.width_hprime_to_ZpZp(M, model.m_zprime, model.g_D, model.theta), "S_to_VV", ("hprime",))
    # hadrons and photons through the Higgs mixing (physics.decay_widths, scheme note before
    # hprime_hadronic_blend): LO chiral pi pi, K K below 1 GeV, partonic s sbar, c cbar, b bbar, g g above
    # 2 GeV, linear blend between
    th = model.theta
    acc.add(("gamma", "gamma"), dw.width_hprime_to_gammagamma(M, th), "S_to_VV", ("hprime",))
    w_chi, w_pqcd = dw.hprime_hadronic_blend(M)
    if w_chi > 0.0:
        for d, mP, ident in ((("pi+", "pi-"), const.m_pi_charged, False), (("pi0", "pi0"), const.m_pi0, True),
                             (("K+", "K-"), const.m_K_charged, False), (("K0", "K0bar"), const.m_K0, False)):
            acc.add(d, w_chi * dw.width_hprime_to_PP_chiral(M, mP, th, ident), "S_to_PP", ("hprime",))
    if w_pqcd > 0.0:
        for q, mq, thr in (("s", const.m_s_quark, 2.0 * const.m_K_charged), ("c", const.m_c_quark, 2.0 * const.m_D0),
                           ("b", const.m_b_quark, 2.0 * const.m_B_charged)):
            acc.add((q, q + "bar"), w_pqcd * dw.width_hprime_to_qq(M, mq, thr, th), "S_to_FF", ("hprime",))
        acc.add(("g", "g"), w_pqcd * dw.width_hprime_to_gg(M, th), "S_to_VV", ("hprime",))
    D, N = IDX["D"], IDX["N"]
    Pc = C.Pe.conj()
    # light pairs: amplitude kh (P_Nc P_Dd + P_Dc P_Nd); ordered-pair width |amp|^2 M / (16 pi)
    for c in range(C.nr):
        for d in range(c, C.nr):
            amp = C.kh * (Pc[c, N] * Pc[d, D] + Pc[c, D] * Pc[d, N])
            w = abs(amp) ** 2 * M / (16.0 * math.pi) * (2.0 if c != d else 1.0)
            acc.add_nu((C.nu[c], C.nu[d]), w, "S_to_FF", ("hprime",), True)
    names = model.heavy_names
    for i, mi in enumerate(model.m_N):
        y = C.y_light(i)
        for b in range(C.nr):
            A = complex(y[b])
            if C.maj:
                acc.add_nu((C.nu[b], names[i]), dw.width_S_to_FF(M, 0.0, mi, A, C.B(A, "scalar"), False), "S_to_FF", ("hprime",), True)
            else:
                w = dw.width_S_to_FF(M, 0.0, mi, A, 0j, False)
                acc.add((C.nu[b], names[i] + "bar"), w, "S_to_FF", ("hprime",))
                acc.add((names[i], C.nu[b] + "bar"), w, "S_to_FF", ("hprime",))
        for j in range(i, model.n_heavy):
            Y = C.y_heavy(i, j)
            if C.maj:
                acc.add((names[i], names[j]), dw.width_S_to_FF(M, mi, model.m_N[j], Y, C.B(Y, "scalar"), i == j), "S_to_FF", ("hprime",))
            else:
                w = dw.width_S_to_FF(M, mi, model.m_N[j], Y, 0j, False)
                acc.add((names[i], names[j] + "bar"), w, "S_to_FF", ("hprime",))
                if i != j:
                    acc.add((names[j], names[i] + "bar"), w, "S_to_FF", ("hprime",))
    return acc


# ------------------------------------------------------------------------------ N
def _arr(xs, dtype=complex):
    return np.array(xs, dtype=dtype)


def _mediators(C: _Couplings, s_lo: float, s_hi: float) -> list[tuple[str, float, float]]:
    """s-channel mediators of a three-body channel with pair mass^2 in [s_lo, s_hi]: (name, M, M Gamma_eff/M)."""
    model = C.model
    out = []
    M = model.m_zprime
    if not (s_lo < M * M < s_hi):
        q = math.sqrt(max(s_hi, 0.0))
        g = q * zprime_width(model, q) / M if q > 0 else 0.0
        out.append(("Zprime", M, g))
    out.append(("Z", const.m_Z, 0.0))
    return out


def _n_acc(C: _Couplings, i: int) -> _Acc:
    model, acc, maj = C.model, _Acc(), C.maj
    names = model.heavy_names
    mi = float(model.m_N[i])
    Mz = model.m_zprime
    kZp, kZ = C.kappa("Zprime", i), C.kappa("Z", i)
    gz2 = 0.5 * gZ_over_cW
    U, Pe = C.U, C.Pe
    GL = (tb.GL_X, tb.GL_W, tb.GL_XI, tb.GL_WI)
    # the three-body kernels return the nu channel alone; a Majorana N adds its CP image (nubar)
    dirac_to_total = 2.0 if maj else 1.0

    # --- two-body: nu Z', N_j Z'
    for b in range(C.nr):
        A = complex(kZp[b])
        # the nu entry is the A chirality (left-handed nu), the nubar entry of a Majorana N the B one
        acc.add_nu((C.nu[b], "Zprime"), dw.width_F_to_F_vector(mi, 0.0, Mz, A, C.B(A)), "F_to_F_vector", ("Zprime",), maj,
                   dw.asymmetry_F_to_F_vector(mi, 0.0, Mz, A, 0j), vertex=VectorVertex("F_to_FV", A, 0j, 1),
                   vertex_bar=VectorVertex("F_to_FV", 0j, C.B(A), 1))
    for j in range(i):
        V = C.V("Zprime", j, i)
        acc.add((names[j], "Zprime"), dw.width_F_to_F_vector(mi, model.m_N[j], Mz, V, C.B(V)), "F_to_F_vector", ("Zprime",),
                dw.asymmetry_F_to_F_vector(mi, model.m_N[j], Mz, V, C.B(V)), vertex=VectorVertex("F_to_FV", complex(V), complex(C.B(V)), 1))

    # --- two-body: nu h', N_j h'
    if model.m_hprime is not None:
        mh = model.m_hprime
        y = C.y_light(i)
        for b in range(C.nr):
            A = complex(y[b])
            # the nu (left-handed) entry is the B = A^* chirality for a Majorana N (the A term emits a
            # right-handed light state); Dirac keeps A only (module docstring of decay_widths)
            a_nu = dw.asymmetry_F_to_F_scalar(mi, 0.0, mh, 0j, C.B(A, "scalar")) if maj else dw.asymmetry_F_to_F_scalar(mi, 0.0, mh, A, 0j)
            acc.add_nu((C.nu[b], "hprime"), dw.width_F_to_F_scalar(mi, 0.0, mh, A, C.B(A, "scalar")), "F_to_F_scalar", ("hprime",), maj, a_nu)
        for j in range(i):
            Y = C.y_heavy(j, i)
            acc.add((names[j], "hprime"), dw.width_F_to_F_scalar(mi, model.m_N[j], mh, Y, C.B(Y, "scalar")), "F_to_F_scalar", ("hprime",),
                    dw.asymmetry_F_to_F_scalar(mi, model.m_N[j], mh, Y, C.B(Y, "scalar")))

    # --- mesons. Neutral pseudoscalars nu P0 / N_j P0 through the Z axial current (pi0, eta, eta');
    # charged l^- P^+ and l^- V^+ through the W (pi, K, rho, K*); neutral vectors nu V0 / N_j V0 through
    # the Z' (e.m. current) and the Z vector current (rho0, omega, phi). Majorana N: l^+ P^-, l^+ V^- too.
    for mname, mP, fP in _NEUTRAL_PSEUDOSCALARS:
        G = const.G_F * fP
        for b in range(C.nr):
            A = complex(kZ[b] / gz2)
            acc.add_nu((C.nu[b], mname), dw.width_F_to_F_pseudoscalar_meson(mi, 0.0, mP, A, C.B(A), G), "F_to_F_pseudoscalar", ("Z",), maj,
                       dw.asymmetry_F_to_F_pseudoscalar_meson(mi, 0.0, mP, A, 0j))
        for j in range(i):
            A = C.V("Z", j, i) / gz2
            acc.add((names[j], mname), dw.width_F_to_F_pseudoscalar_meson(mi, model.m_N[j], mP, A, C.B(A), G), "F_to_F_pseudoscalar", ("Z",),
                    dw.asymmetry_F_to_F_pseudoscalar_meson(mi, model.m_N[j], mP, A, C.B(A)))
    for lname, ml, a in _LEPTONS:
        U2 = abs(U[a, i]) ** 2
        for mname, mP, fP, Vckm in _CHARGED_PSEUDOSCALARS:
            w = dw.width_N_to_lminus_Pplus(mi, ml, mP, fP, Vckm, U2)
            a_l = dw.asymmetry_F_to_F_pseudoscalar_meson(mi, ml, mP, 1.0 + 0j, 0j)
            acc.add((lname + "-", mname + "+"), w, "F_to_F_pseudoscalar", ("W",), a_l)
            if maj:
                acc.add((lname + "+", mname + "-"), w, "F_to_F_pseudoscalar", ("W",), -a_l)
        for mname, mV, fV, Vckm in _CHARGED_VECTORS:
            w = dw.width_N_to_lminus_Vplus(mi, ml, mV, fV, Vckm, U2)
            a_l = dw.asymmetry_F_to_F_vector(mi, ml, mV, 1.0 + 0j, 0j)
            acc.add((lname + "-", mname + "+"), w, "F_to_F_vector", ("W",), a_l)
            if maj:
                acc.add((lname + "+", mname + "-"), w, "F_to_F_vector", ("W",), -a_l)
    for mname, mr, fV, cV in _NEUTRAL_VECTORS:
        if mi <= mr:
            continue
        gzr = mr * zprime_width(model, mr) / Mz
        DZp = 1.0 / complex(mr * mr - Mz * Mz, Mz * gzr)
        DZ = 1.0 / (mr * mr - const.m_Z**2)
        fr = fV * mr / math.sqrt(2.0)
        cZp, cZ = cV[0] * C.e_eps, cV[1] * gZ_over_cW
        for b in range(C.nr):
            A = fr * (kZp[b] * cZp * DZp + kZ[b] * cZ * DZ)
            B = -fr * (np.conj(kZp[b]) * cZp * DZp + np.conj(kZ[b]) * cZ * DZ) if maj else 0j
            acc.add_nu((C.nu[b], mname), dw.width_F_to_F_vector(mi, 0.0, mr, complex(A), complex(B)), "F_to_F_vector", ("Zprime", "Z"), maj,
                       dw.asymmetry_F_to_F_vector(mi, 0.0, mr, complex(A), 0j))
        for j in range(i):
            VZp, VZ = C.V("Zprime", j, i), C.V("Z", j, i)
            A = fr * (VZp * cZp * DZp + VZ * cZ * DZ)
            B = -fr * (np.conj(VZp) * cZp * DZp + np.conj(VZ) * cZ * DZ) if maj else 0j
            acc.add((names[j], mname), dw.width_F_to_F_vector(mi, model.m_N[j], mr, complex(A), complex(B)), "F_to_F_vector", ("Zprime", "Z"),
                    dw.asymmetry_F_to_F_vector(mi, model.m_N[j], mr, complex(A), complex(B)))

    # --- three-body: nu l+ l- (Z', Z, W), N_j l+ l- (Z', Z)
    half_g2 = 0.5 * g_weak**2
    for lname, ml, la in _LEPTONS:
        if mi <= 2.0 * ml:
            continue
        med = _mediators(C, 4.0 * ml * ml, mi * mi)
        mm, gm = _arr([m[1] for m in med], float), _arr([m[2] for m in med], float)
        cL = _arr([C.c_l[m[0]][0] for m in med])
        cR = _arr([C.c_l[m[0]][1] for m in med])
        kk = {"Zprime": kZp, "Z": kZ}
        for b in range(C.nr):
            nL = _arr([kk[m[0]][b] for m in med])
            w = complex(half_g2 * U[la, i] * Pe[b, la])
            if not (np.any(np.abs(nL) > _TINY) or abs(w) > _TINY):
                continue
            width = dirac_to_total * tb.width_N_to_f_ll(mi, 0.0, ml, ml, nL, np.zeros_like(nL), cL, cR, mm, gm, *_tchan(w), *GL)
            zr = np.zeros_like(nL)
            acc.add_nu((C.nu[b], lname + "+", lname + "-"), width, "F_to_F_ll", tuple(m[0] for m in med) + ("W",), maj,
                       me2=_me2_f_ll((0, 2, 1), False, mi, 0.0, ml, ml, nL, zr, cL, cR, mm, gm, w),
                       me2_bar=_me2_f_ll((0, 1, 2), True, mi, 0.0, ml, ml, nL, zr, cL, cR, mm, gm, w))
        for j in range(i):
            mj = float(model.m_N[j])
            if mi <= mj + 2.0 * ml:
                continue
            medj = _mediators(C, 4.0 * ml * ml, (mi - mj) ** 2)
            mmj, gmj = _arr([m[1] for m in medj], float), _arr([m[2] for m in medj], float)
            nL = _arr([C.V(m[0], j, i) for m in medj])
            nR = -np.conj(nL) if maj else np.zeros_like(nL)
            cLj = _arr([C.c_l[m[0]][0] for m in medj])
            cRj = _arr([C.c_l[m[0]][1] for m in medj])
            width = tb.width_N_to_f_ll(mi, mj, ml, ml, nL, nR, cLj, cRj, mmj, gmj, *_tchan(0j), *GL)
            acc.add((names[j], lname + "+", lname + "-"), width, "F_to_F_ll", tuple(m[0] for m in medj),
                    me2=_me2_f_ll((0, 2, 1), False, mi, mj, ml, ml, nL, nR, cLj, cRj, mmj, gmj, 0j))

    # --- three-body, charged current only: nu_c l_a^- l_b^+ (a != b)
    empty_c, empty_f = np.zeros(0, complex), np.zeros(0)
    for la_name, mla, la in _LEPTONS:
        for lb_name, mlb, lb in _LEPTONS:
            if la == lb or mi <= mla + mlb or abs(U[la, i]) < _TINY:
                continue
            for c in range(C.nr):
                w = complex(half_g2 * U[la, i] * Pe[c, lb])
                if abs(w) < _TINY:
                    continue
                width = dirac_to_total * tb.width_N_to_f_ll(mi, 0.0, mla, mlb, empty_c, empty_c, empty_c, empty_c, empty_f, empty_f, *_tchan(w), *GL)
                # nu_c l_b^+ l_a^-; a Majorana N also has the CP image nubar_c l_a^+ l_b^- (charges flip)
                cc = (mi, 0.0, mla, mlb, empty_c, empty_c, empty_c, empty_c, empty_f, empty_f, w)
                if maj:
                    acc.add((C.nu[c], lb_name + "+", la_name + "-"), 0.5 * width, "F_to_F_ll", ("W",), me2=_me2_f_ll((0, 2, 1), False, *cc))
                    acc.add((C.nu[c] + "bar", la_name + "+", lb_name + "-"), 0.5 * width, "F_to_F_ll", ("W",), me2=_me2_f_ll((0, 1, 2), True, *cc))
                else:
                    acc.add((C.nu[c], lb_name + "+", la_name + "-"), width, "F_to_F_ll", ("W",), me2=_me2_f_ll((0, 2, 1), False, *cc))

    # --- three-body invisible: nu nu nubar (Z', Z) and N_j nu nubar
    med = _mediators(C, 0.0, mi * mi)
    mm, gm = _arr([m[1] for m in med], float), _arr([m[2] for m in med], float)
    kap = {"Zprime": kZp, "Z": kZ}
    tau = {"Zprime": C.tau("Zprime"), "Z": C.tau("Z")}
    for b in range(C.nr):
        for c in range(b, C.nr):
            for d in range(C.nr):
                alpha = _arr([kap[m[0]][b] * tau[m[0]][c, d] for m in med])
                beta = _arr([kap[m[0]][c] * tau[m[0]][b, d] for m in med])
                if not (np.any(np.abs(alpha) > _TINY) or np.any(np.abs(beta) > _TINY)):
                    continue
                width = dirac_to_total * tb.width_N_to_nu_nu_nu(mi, alpha, beta, mm, gm, *GL)
                if b == c:
                    width *= 0.5  # identical neutrinos
                acc.add_nu((C.nu[b], C.nu[c], C.nu[d] + "bar"), width, "F_to_nununu", tuple(m[0] for m in med), maj,
                           me2=_me2_nnn(False, mi, alpha, beta, mm, gm), me2_bar=_me2_nnn(True, mi, alpha, beta, mm, gm))
    if maj:
        _majorana_multi(C, i, acc, GL)
        return acc
    for j in range(i):
        mj = float(model.m_N[j])
        medj = _mediators(C, 0.0, (mi - mj) ** 2)
        mmj, gmj = _arr([m[1] for m in medj], float), _arr([m[2] for m in medj], float)
        nL = _arr([C.V(m[0], j, i) for m in medj])
        nR = -np.conj(nL) if maj else np.zeros_like(nL)
        zero = np.zeros_like(nL)
        kj = {m[0]: C.kappa(m[0], j) for m in medj}
        for c in range(C.nr):
            for d in range(C.nr):
                cL = _arr([tau[m[0]][c, d] for m in medj])
                # exchange diagram N_i -> nu_c (X* -> N_j nubar_d), Fierzed into the LL t-channel term
                wx = _arr([kap[m[0]][c] * np.conj(kj[m[0]][d]) for m in medj])
                if not (np.any(np.abs(cL) > _TINY) or np.any(np.abs(wx) > _TINY)):
                    continue
                tch = (wx, mmj, gmj)
                width = tb.width_N_to_f_ll(mi, mj, 0.0, 0.0, nL, nR, cL, zero, mmj, gmj, *tch, *GL)
                acc.add((names[j], C.nu[c], C.nu[d] + "bar"), width, "F_to_F_ll", tuple(m[0] for m in medj),
                        me2=_me2_f_ll((0, 1, 2), False, mi, mj, 0.0, 0.0, nL, nR, cL, zero, mmj, gmj, tch))
    return acc


def _mediators_multi(C: _Couplings, m0: float, m: tuple[float, float, float]) -> list[tuple[str, float, float]]:
    """Mediators of an all-Majorana three-body channel: the Z' is dropped when it can be on shell in
    any pairing (that rate is the two-body N -> x Z' times BR(Z' -> pair))."""
    model = C.model
    M = model.m_zprime
    out = []
    ranges = [((m[1] + m[2]) ** 2, (m0 - m[0]) ** 2), ((m[0] + m[2]) ** 2, (m0 - m[1]) ** 2), ((m[0] + m[1]) ** 2, (m0 - m[2]) ** 2)]
    if not any(lo < M * M < hi for lo, hi in ranges):
        q = math.sqrt(max(hi for _, hi in ranges))
        out.append(("Zprime", M, q * zprime_width(model, q) / M))
    out.append(("Z", const.m_Z, 0.0))
    return out


def _me2_majorana(masses, V, mm, gm):
    """|M|^2 callable (gen.core.decays convention) of an all-Majorana three-body channel, both helicities of
    every neutrino summed (the nu and nubar entries of the table share it)."""

    def me2(q1, q2, q3, s):
        return tb.msq_majorana_three_batch(*(np.ascontiguousarray(q, dtype=float) for q in (q1, q2, q3)),
                                           np.ascontiguousarray(s, dtype=float), masses, V, mm, gm)

    def me2_AB(q1, q2, q3):
        """Fast path for gen.core.decays.tabulate_three_body: (A, B) with |M|^2 = A + s . B, one pass."""
        return tb.msq_majorana_three_AB(*(np.ascontiguousarray(q, dtype=float) for q in (q1, q2, q3)), masses, V, mm, gm)

    me2.AB = me2_AB
    return me2


def _swap23(f):
    def me2(q1, q2, q3, s):
        return f(q1, q3, q2, s)

    fAB = getattr(f, "AB", None)
    if fAB is not None:
        me2.AB = lambda q1, q2, q3: fAB(q1, q3, q2)
    return me2


def _majorana_multi(C: _Couplings, i: int, acc: _Acc, GL) -> None:
    """Majorana N_i -> N_j nu nu, N_j N_k nu, N_j N_k N_l with every diagram (``three_body.width_majorana_three``).

    States are heavy ("N", index) or light flavour rows ("l", row); couplings V[x, p, q] (outgoing p,
    incoming q): heavy-heavy V^X_pq, light r <- heavy h kappa^X_r(h), heavy <- light its conjugate,
    light r <- light s tau^X_rs (the helicity-resolved projection of the light mass states, exact for
    massless light neutrinos).
    """
    model = C.model
    names, mN = model.heavy_names, model.m_N
    kap = {X: [C.kappa(X, h) for h in range(model.n_heavy)] for X in ("Zprime", "Z")}
    tau = {X: C.tau(X) for X in ("Zprime", "Z")}

    def coupling(X, a, b):
        if a[0] == "N" and b[0] == "N":
            return C.V(X, a[1], b[1])
        if a[0] == "l" and b[0] == "N":
            return kap[X][b[1]][a[1]]
        if a[0] == "N" and b[0] == "l":
            return np.conj(kap[X][a[1]][b[1]])
        return tau[X][a[1], b[1]]

    def width(states, sym):
        masses = np.array([mN[x[1]] if x[0] == "N" else 0.0 for x in states])
        if masses[0] <= masses[1:].sum():
            return 0.0, ()
        med = _mediators_multi(C, masses[0], tuple(masses[1:]))
        V = np.array([[[coupling(X, a, b) for b in states] for a in states] for X, _, _ in med], dtype=complex)
        for q in range(1, 4):  # a daughter that couples to nothing cannot be produced
            if not (np.any(np.abs(V[:, q, :]) > _TINY) or np.any(np.abs(V[:, :, q]) > _TINY)):
                return 0.0, (), None
        mm, gm = _arr([x[1] for x in med], float), _arr([x[2] for x in med], float)
        me2 = _me2_majorana(masses, V, mm, gm)
        return tb.width_majorana_three(masses, V, mm, gm, sym, *GL), tuple(x[0] for x in med), me2

    parent = ("N", i)
    for j in range(i):
        # N_j nu_r nu_s (r <= s): identical light rows get 1/2
        for r in range(C.nr):
            for s_ in range(r, C.nr):
                w, med, me2 = width((parent, ("N", j), ("l", r), ("l", s_)), 0.5 if r == s_ else 1.0)
                if r == s_:
                    acc.add((names[j], C.nu[r], C.nu[r] + "bar"), w, "F_to_majorana_three", med, me2=me2)
                else:
                    acc.add((names[j], C.nu[r], C.nu[s_] + "bar"), 0.5 * w, "F_to_majorana_three", med, me2=me2)
                    acc.add((names[j], C.nu[s_], C.nu[r] + "bar"), 0.5 * w, "F_to_majorana_three", med, me2=_swap23(me2))
        for k in range(j, i):
            if mN[i] <= mN[j] + mN[k]:
                continue
            for r in range(C.nr):
                w, med, me2 = width((parent, ("N", j), ("N", k), ("l", r)), 0.5 if j == k else 1.0)
                acc.add_nu((names[j], names[k], C.nu[r]), w, "F_to_majorana_three", med, True, me2=me2, me2_bar=me2)
            for n in range(k, i):
                if mN[i] <= mN[j] + mN[k] + mN[n]:
                    continue
                sym = 1.0 / 6.0 if j == k == n else (0.5 if (j == k or k == n) else 1.0)
                w, med, me2 = width((parent, ("N", j), ("N", k), ("N", n)), sym)
                acc.add((names[j], names[k], names[n]), w, "F_to_majorana_three", med, me2=me2)


def hprime_hadronic_warning(m_h: float) -> str | None:
    """The warning for an h' mass where the hadronic width is uncertain by more than ~50 %, else None."""
    lo, hi = dw.HPRIME_UNCERTAIN_GEV
    if not lo < m_h < hi:
        return None
    return (f"WARNING: m_h' = {m_h:.4g} GeV lies in {lo:g}-{hi:g} GeV, where the h' hadronic width (pi pi, K K, "
            f"s sbar, g g) is uncertain by more than ~50 % (LO chiral below {dw.HPRIME_CHIRAL_MAX_GEV:g} GeV, "
            f"perturbative QCD above {dw.HPRIME_PQCD_MIN_GEV:g} GeV, linear blend between; arXiv:1809.01876)")


def _missing_channels(model: DarkSectorModel, p: str) -> list[str]:
    """Open channels with two or three heavy neutrinos of a Dirac N (not computed; Majorana N are), and the
    h' hadronic-width warning."""
    if p == "hprime":  # no hadronic width, hence no warning, without Higgs mixing
        w = hprime_hadronic_warning(float(model.m_hprime)) if math.sin(model.theta) != 0.0 else None
        return [] if w is None else [w]
    if p not in model.heavy_names or model.is_majorana:
        return []
    i = model.heavy_names.index(p)
    names, m = model.heavy_names, model.m_N
    out = []
    for j in range(i):
        for k in range(j, i):
            if m[i] > m[j] + m[k]:
                out.append(f"{p} -> {names[j]} {names[k]} nu is open (m > {m[j] + m[k]:.4g} GeV) but not computed")
            for n in range(k, i):
                if m[i] > m[j] + m[k] + m[n]:
                    out.append(f"{p} -> {names[j]} {names[k]} {names[n]} is open but not computed")
    return out


# ------------------------------------------------------------------------------ public API
def decay_table(model: DarkSectorModel, particles: Iterable[str] | None = None, min_br: float = 0.0) -> dict[str, ParticleDecays]:
    """Decay widths, branching ratios and c tau0 of every particle of the model.

    Parameters
    ----------
    model : DarkSectorModel
    particles : iterable of str, optional
        Restrict to these particles (``"N4"``, ``"N5"``, ``"N6"``, ``"Zprime"``, ``"hprime"``);
        default all present (h' only when ``model.m_hprime`` is set).
    min_br : float
        Channels with a branching ratio below this are not listed; they still count in the width.
        The event generator only needs the channels it samples.

    Returns
    -------
    dict
        ``{name: ParticleDecays}``, channels sorted by decreasing width. A particle with no open
        channel has width 0 and ``ctau0_cm = inf``.
    """
    if not 0.0 <= min_br < 1.0:
        raise ValueError(f"min_br = {min_br} but require 0 <= min_br < 1")
    present = list(model.heavy_names) + ["Zprime"] + (["hprime"] if model.m_hprime is not None else [])
    wanted = present if particles is None else list(particles)
    for p in wanted:
        if p not in present:
            raise ValueError(f"particle {p!r} not in the model: allowed {present}")
    C = _Couplings(model)
    out: dict[str, ParticleDecays] = {}
    for p in present:
        if p not in wanted:
            continue
        if p == "Zprime":
            acc, mass = _zprime_acc(C, model.m_zprime), model.m_zprime
        elif p == "hprime":
            acc, mass = _hprime_acc(C, model.m_hprime), model.m_hprime
        else:
            i = model.heavy_names.index(p)
            acc, mass = _n_acc(C, i), model.m_N[i]
        out[p] = acc.build(p, PDG[p], mass, min_br, _missing_channels(model, p))
    return out


def to_json_dict(table: dict[str, ParticleDecays]) -> dict:
    """Plain-JSON form: ``{name: {pdg, mass_GeV, width_GeV, ctau0_cm, stable, channels: [...]}}``.

    ``ctau0_cm`` is ``None`` for a stable particle (JSON has no infinity).
    """
    out = {}
    for name, p in table.items():
        out[name] = {
            "pdg": p.pdg,
            "mass_GeV": p.mass_GeV,
            "width_GeV": p.width_GeV,
            "ctau0_cm": p.ctau0_cm if math.isfinite(p.ctau0_cm) else None,
            "stable": p.stable,
            "notes": list(p.notes),
            "channels": [
                {"final_state": c.final_state, "pdg": list(c.pdg), "width_GeV": c.width_GeV, "br": c.br}
                for c in p.channels
            ],
        }
    return out


def to_slha(table: dict[str, ParticleDecays]) -> str:
    """SLHA DECAY blocks: ``DECAY pdg width`` then ``BR NDA ID1 ID2 ...`` lines."""
    lines = []
    for name, p in table.items():
        lines.append("#         PDG         Width")
        lines.append(f"DECAY {p.pdg:>10d}   {p.width_GeV:.8e}   # {name}" + ("  (stable)" if p.stable else ""))
        if p.channels:
            lines.append("#          BR   NDA   ID1   ID2   ...")
        for c in p.channels:
            ids = " ".join(f"{x:>9d}" for x in c.pdg)
            lines.append(f"   {c.br:.8e}   {len(c.pdg)}   {ids}   # {name} -> {c.final_state}")
    return "\n".join(lines) + "\n"
