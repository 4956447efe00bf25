"""Test oracle: the dedicated NA62 kernel K+ (or pi+) -> l_a+ N, N -> nu Z', Z' -> l_b+ l_b- (that route only).

Until issue 12 this was hnlgen's default NA62 generator (``gen.sources.meson_decay_dedicated``) on cards where
that route carries the whole final state. hnlgen now generates every NA62 card with the general cascade
(``gen.sources.meson_decay``); this special-purpose kernel stays as its oracle: the tests compare the
general path's totals and distributions with it within MC error (tests/gen/test_na62_general.py), and
``hnlgen bench`` (from the checkout) and ``validation/na62/bench_paths.py`` time both. Production (steps 1-3)
and the flights reuse the general module's ``_produce`` and ``truncated_flight``; the N -> nu Z' -> nu l l
decay (steps 4-5) is written here. Imported as ``na62_dedicated`` (pytest ``pythonpath``; keep that name:
numba's kernel cache records it).

Process (arXiv:1903.07589 = seed 004, eq. (17))::

    K+ -> l_a+ N,   N -> nu Z',   Z' -> l_b+ l_b-

Beam (NA62 facts, ../shared/data/PROVENANCE.md "Facts: NA62 kaon beam", from NA62 arXiv:2312.17188
sec. 1 and arXiv:2409.12981 sec. 1): unseparated positive beam, central momentum 75 GeV/c along +z
with a 1 % rms spread, decay positions exponential along the beam from the target at z = 0, fiducial
decay volume 105 m < z < 180 m. The beam's transverse size and divergence (O(0.1 mrad)) are neglected:
the kaon moves along +z from (0, 0).

Sampling (deterministic map from uniforms, STYLE.md sec. 4), per event:

1. |p_K| = p0 (1 + sigma g), g standard normal (Box-Muller).
2. z_K from the exponential law with decay length lambda_K = c tau_K |p_K|/m_K, truncated to the
   fiducial volume [z1, z2]; the probability of that, P_FV(p) = exp(-z1/lambda) - exp(-z2/lambda), is
   computed exactly and returned, not applied by rejection.
3. K+ -> l_a+ N isotropic in the kaon rest frame. N's longitudinal polarisation along its flight
   direction in that frame is ``physics.meson_decays.polarisation_N_from_P_to_lN``.
4. N -> nu Z' in the N rest frame reached from the kaon frame by a pure boost, so that the spin axis
   is N's direction in the kaon frame. With a left-handed dark current the Z' direction follows
   (1 + alpha P_N cos theta)/2 with alpha = (1 - 2r)/(1 + 2r), r = m_Z'^2/m_N^2 (helicity amplitudes:
   |H_0|^2 : |H_-1|^2 = 1 : 2r, the pattern of t -> b W, e.g. PDG 2024 review "Top quark", and the
   width factor (1 - r)^2 (1/2 + r) of seed 004 eq. (13)). A Majorana N decays half of the time to
   nu-bar Z' with the opposite asymmetry, so its Z' distribution is isotropic on average.
5. Z' -> l_b- l_b+ with the l_b- direction in the Z' rest frame drawn from the exact |M|^2 of the chain
   N -> nu (Z' -> l_b- l_b+) at the sampled N, nu and Z' momenta, N spin P_N along its kaon-frame
   direction (``gen.core.kernels.vector_decay_correlated``, the generator's general cascade;
   validation/notes_zprime_polarisation.md): the Z' helicity fractions 1 : 2r and the interference of
   helicities 0 and -1 (+1 for nu-bar), proportional to P_N sqrt(r) sin(theta) sin(2 theta*) cos(phi*).
   The interference leaves the invariant masses alone but not the lab energy sharing of the pair: a
   kernel without it (this module before the general-path comparison, tests/gen/test_na62_general.py)
   had 4 % too many pairs at E_l-/E_Z' near 0 and 1 and a 2.5 % lower NA62 acceptance on the light-Z'
   card. Couplings of the vector Z' -> l l (seed 004 eq. (7)) and of the left-handed N -> nu Z' (right-
   handed for the Majorana nu-bar) fix the shape; their sizes drop out.
6. Everything is boosted kaon frame -> lab. N and Z' fly c tau0 beta gamma Exp(1), truncated at the
   plane z = z_end (the end of the decay volume); the probability to decay before it is computed
   exactly and returned.

Uniforms per event (``N_UNIFORMS`` = 12): 0-4 steps 1-3, 5 nu or nu-bar (Majorana), 6-7 the Z' direction,
8-9 the 64-bit SplitMix64 seed of the accept-reject in step 5, 10-11 the N and Z' flights.

Weights: ``weight = N_fid / n * P_FV(p)/<P_FV> * BR(K -> l_a N) * BR(N -> nu Z') * BR(Z' -> l_b l_b)
* P_N(decay before z_end) * P_Z'(decay before z_end)`` so that the sum of weights is the expected
number of such decays with their visible vertex upstream of z_end, for N_fid kaon decays in the
fiducial volume (seed 004 Table I: 2.14e11 di-electron, 7.94e11 di-muon trigger stream). The factor
P_FV(p)/<P_FV> turns the beam momentum spectrum into that of the kaons that decay in the volume.

Two-body kinematics reuse ``gen.core.kernels`` (``boost_from_rest``, ``helicity_basis``,
``sample_cos_linear``, ``vector_decay_correlated``) of the generator core.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from gen.card import NA62_N_KAON_DECAYS
from gen.core import kernels as K
from gen.core import rng as R
from gen.sources.meson_decay import NA62Beam, _pol_lab, _produce, _rest_two_body, mean_fv_decay_probability
from gen.sources.meson_decay import truncated_flight as _flight
from gen.sources.meson_decay_run import NA62Setup, _reconstruct_block
from physics import units as u
from physics._jit import jit
from physics.meson_decays import MESONS, br_P_to_l_N, lepton_mass, polarisation_N_from_P_to_lN

__all__ = ["KaonCascade", "N_UNIFORMS", "generate_na62_cascade", "cascade_from_decay_table", "events_to_awkward",
           "SEED004_N_K_FID", "iter_generate_dedicated"]

# seed 004 (arXiv:1903.07589) Table I: kaon decays in the fiducial volume per trigger stream (gen.card's numbers).
SEED004_N_K_FID = dict(NA62_N_KAON_DECAYS)

N_UNIFORMS = 12  # uniforms per event consumed by the cascade kernel (the first 5 by the production)


@dataclasses.dataclass(frozen=True)
class KaonCascade:
    """Parameters of P+ -> l_a+ N, N -> nu Z', Z' -> l_b+ l_b- (masses GeV, lengths cm).

    ``ctau0_N``/``ctau0_Zp`` are proper decay lengths (0 = prompt, ``math.inf`` = stable);
    ``br_N_to_nu_Zp``, ``br_Zp_to_bb`` the branching ratios of the cascade steps, taken from the
    decay table (``cascade_from_decay_table``) or given by hand.
    """

    m_N: float
    m_Zp: float
    flavour_a: str = "mu"
    flavour_b: str = "e"
    U2_aN: float = 1e-8
    ctau0_N: float = 0.0
    ctau0_Zp: float = 0.0
    br_N_to_nu_Zp: float = 1.0
    br_Zp_to_bb: float = 1.0
    majorana: bool = False
    parent: str = "K+"

    def __post_init__(self):
        P = MESONS.get(self.parent)
        if P is None:
            raise ValueError(f"parent {self.parent!r}: allowed {sorted(MESONS)}")
        ma, mb = lepton_mass(self.flavour_a), lepton_mass(self.flavour_b)
        if not (0 < self.m_N < P["mass"] - ma):
            raise ValueError(f"m_N = {self.m_N} GeV: need 0 < m_N < m_{self.parent} - m_{self.flavour_a}"
                             f" = {P['mass'] - ma:.6f} GeV")
        if not (2 * mb < self.m_Zp < self.m_N):
            raise ValueError(f"m_Zp = {self.m_Zp} GeV: need 2 m_{self.flavour_b} < m_Zp < m_N = {self.m_N}")
        for name in ("br_N_to_nu_Zp", "br_Zp_to_bb"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} = {getattr(self, name)}: need 0 <= BR <= 1")
        if self.ctau0_N < 0 or self.ctau0_Zp < 0 or self.U2_aN < 0:
            raise ValueError("ctau0_N, ctau0_Zp and U2_aN must be >= 0")

    @property
    def br_production(self) -> float:
        """BR(P+ -> l_a+ N) = |U|^2 rho BR(P+ -> l_a+ nu) (``physics.meson_decays``)."""
        return br_P_to_l_N(self.parent, self.flavour_a, self.m_N, self.U2_aN)

    @property
    def polarisation_N(self) -> float:
        """Longitudinal polarisation of N in the parent rest frame."""
        P = MESONS[self.parent]
        return polarisation_N_from_P_to_lN(P["mass"], lepton_mass(self.flavour_a), self.m_N)


@jit
def na62_cascade_kernel(uni, mP, ctauP, p0, sig, z1, z2, z_end,
                        m_a, m_N, m_Z, m_b, ctau_N, ctau_Z, pol_N, majorana):
    """Map uniforms ``uni`` (n, 12) to events of P+ -> a+ N, N -> nu Z', Z' -> b+ b-.

    Returns (p4, vtx, info): p4 (n, 7, 4) with rows K, a+, N, nu, Z', b-, b+ as (px, py, pz, E) in GeV in
    the lab; vtx (n, 3, 3) the K, N and Z' decay points (x, y, z) in cm; info (n, 5): P_FV(p_K),
    P(N decays before z_end), P(Z' decays before z_end), lab longitudinal polarisation of N, nu-bar flag
    (Majorana).
    """
    n = uni.shape[0]
    p4 = np.zeros((n, 7, 4))
    vtx = np.zeros((n, 3, 3))
    info = np.zeros((n, 5))
    r = (m_Z / m_N) ** 2
    alpha = (1.0 - 2.0 * r) / (1.0 + 2.0 * r)
    PK = np.empty(4)
    pNK = np.empty(4)
    paK = np.empty(4)
    pZN = np.empty(4)
    pnuN = np.empty(4)
    pZK = np.empty(4)
    pnuK = np.empty(4)
    bmK = np.empty(4)
    bpK = np.empty(4)
    scratch = np.empty((8, 4))
    tmp = np.empty(4)
    S = np.empty(4)
    PK0 = np.zeros(4)
    PK0[2] = 1.0  # axis +z for the isotropic angles of the parent decay
    for i in range(n):
        # 1-2. parent momentum, decay point in the fiducial volume, P -> a N in the parent frame
        zK, info[i, 0] = _produce(uni[i, 0], uni[i, 1], uni[i, 2], uni[i, 3], uni[i, 4], mP, ctauP, p0, sig,
                                  z1, z2, m_a, m_N, PK0, PK, pNK, paK)
        # 3. N -> nu Z' in the N rest frame about N's flight direction in the kaon frame
        s_nu = -1.0
        if majorana and uni[i, 5] < 0.5:
            s_nu = 1.0
        info[i, 4] = 1.0 if s_nu > 0 else 0.0
        cz = K.sample_cos_linear(uni[i, 6], -s_nu * alpha * pol_N)
        _rest_two_body(m_N, m_Z, 0.0, cz, 2.0 * math.pi * uni[i, 7], pNK, pZN, pnuN)
        K.boost_from_rest(pZN, pNK, pZK)
        K.boost_from_rest(pnuN, pNK, pnuK)
        # 4. Z' -> b- b+ from the exact |M|^2 of N -> nu (Z' -> b- b+) at fixed N, nu, Z' momenta (kaon
        # frame, N spin pol_N along pNK): Z' helicity fractions and their interference
        # (gen.core.kernels.vector_decay_correlated). Chiral couplings: nu (A, B) = (1, 0), the Majorana nu-bar
        # (0, -1) (validation/notes_zprime_polarisation.md sec. 1); Z' -> b b vector (1, 1).
        if s_nu < 0.0:
            nL, nR = 1.0 + 0.0j, 0.0j
        else:
            nL, nR = 0.0j, -1.0 + 0.0j
        seed = np.uint64(uni[i, 8] * 9007199254740992.0) ^ (np.uint64(uni[i, 9] * 2048.0) << np.uint64(53))
        K.vector_decay_correlated(pZK, m_Z, m_b, m_b, pNK, m_N, pol_N, pnuK, 0.0, nL, nR, 1.0 + 0.0j, 1.0 + 0.0j,
                                  False, seed, bmK, bpK, scratch)
        # 5. boosts to the lab
        p4[i, 0, :] = PK
        K.boost_from_rest(paK, PK, p4[i, 1])
        K.boost_from_rest(pNK, PK, p4[i, 2])
        K.boost_from_rest(pnuK, PK, p4[i, 3])
        K.boost_from_rest(pZK, PK, p4[i, 4])
        K.boost_from_rest(bmK, PK, p4[i, 5])
        K.boost_from_rest(bpK, PK, p4[i, 6])
        info[i, 3] = _pol_lab(pNK, PK, p4[i, 2], m_N, pol_N, S, tmp)
        pl = math.sqrt(p4[i, 2, 0] ** 2 + p4[i, 2, 1] ** 2 + p4[i, 2, 2] ** 2)
        # 6. vertices: kaon decay point, N and Z' flights truncated at z_end
        vtx[i, 0, 2] = zK
        pN = p4[i, 2]
        lmaxN = (z_end - zK) * pl / pN[2] if pN[2] > 0.0 else 0.0
        dN, PdN = _flight(ctau_N * pl / m_N, lmaxN, uni[i, 10])
        info[i, 1] = PdN
        for k in range(3):
            vtx[i, 1, k] = vtx[i, 0, k] + dN * pN[k] / pl
        pZ = p4[i, 4]
        pzl = math.sqrt(pZ[0] ** 2 + pZ[1] ** 2 + pZ[2] ** 2)
        lmaxZ = (z_end - vtx[i, 1, 2]) * pzl / pZ[2] if pZ[2] > 0.0 else 0.0
        dZ, PdZ = _flight(ctau_Z * pzl / m_Z, lmaxZ, uni[i, 11])
        info[i, 2] = PdZ
        for k in range(3):
            vtx[i, 2, k] = vtx[i, 1, k] + dZ * pZ[k] / pzl
    return p4, vtx, info


# ----------------------------------------------------------------------------- generation
_ROWS = ("K", "a", "N", "nu", "Zp", "bm", "bp")


def generate_na62_cascade(n: int, rng: np.random.Generator | int | None, cascade: KaonCascade,
                          beam: NA62Beam = NA62Beam(), n_parent_decays_fid: float | None = None) -> dict:
    """Generate ``n`` weighted events of P+ -> l_a+ N -> l_a+ nu Z' -> l_a+ nu l_b+ l_b- in the NA62 beam.

    Parameters
    ----------
    n : int
        Number of events.
    rng : numpy.random.Generator, int or None
        Random stream (an int is a seed).
    cascade : KaonCascade
        Masses, mixing, lifetimes and branching ratios.
    beam : NA62Beam
        Beam momentum and decay volume.
    n_parent_decays_fid : float, optional
        Exposure: number of parent decays in the fiducial volume. Defaults to seed 004 Table I for
        the l_b flavour's trigger stream (2.14e11 for e+e-, 7.94e11 for mu+mu-).

    Returns
    -------
    dict of numpy arrays
        ``p4_<row>`` (n, 4) lab four-momenta (px, py, pz, E; GeV) for rows K, a, N, nu, Zp, bm, bp;
        ``vtx_K``, ``vtx_N``, ``vtx_Zp`` (n, 3) decay points (cm); ``P_fv``, ``P_dec_N``,
        ``P_dec_Zp``; ``pol_N_lab`` (N polarisation projected on its lab momentum, information: the
        decay uses the exact spin axis, step 4); ``nubar``; and ``weight`` (sum = expected events for
        the exposure).
    """
    if n <= 0:
        raise ValueError(f"n = {n}: need n >= 1")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    P = MESONS[cascade.parent]
    mP = P["mass"]
    ctauP = P["tau"] * u.c_light
    if n_parent_decays_fid is None:
        n_parent_decays_fid = SEED004_N_K_FID[cascade.flavour_b]
    uni = rng.random((n, N_UNIFORMS))
    p4, vtx, info = na62_cascade_kernel(
        uni, mP, ctauP, beam.p0, beam.sigma_rel, beam.z_fv_begin, beam.z_fv_end, beam.z_decay_end,
        lepton_mass(cascade.flavour_a), cascade.m_N, cascade.m_Zp, lepton_mass(cascade.flavour_b),
        float(cascade.ctau0_N), float(cascade.ctau0_Zp), cascade.polarisation_N, bool(cascade.majorana))
    out = {f"p4_{name}": p4[:, k, :].copy() for k, name in enumerate(_ROWS)}
    out.update(vtx_K=vtx[:, 0], vtx_N=vtx[:, 1], vtx_Zp=vtx[:, 2], P_fv=info[:, 0],
               P_dec_N=info[:, 1], P_dec_Zp=info[:, 2], pol_N_lab=info[:, 3], nubar=info[:, 4])
    mean_pfv = mean_fv_decay_probability(beam, mP, ctauP)
    br = cascade.br_production * cascade.br_N_to_nu_Zp * cascade.br_Zp_to_bb
    out["weight"] = (n_parent_decays_fid / n) * (info[:, 0] / mean_pfv) * br * info[:, 1] * info[:, 2]
    return out


def cascade_from_decay_table(table, *, m_N: float | None = None, m_Zp: float | None = None, N_name: str = "N4",
                             flavour_a: str = "mu", flavour_b: str = "e", U2_aN: float | None = None,
                             majorana: bool | None = None, model=None, parent: str = "K+") -> KaonCascade:
    """Build a ``KaonCascade`` from ``physics.decay_table.decay_table(model)``.

    Expects ``table[N_name]`` and ``table["Zprime"]`` with ``.ctau0_cm``, ``.mass_GeV`` and
    ``.channels`` whose items have ``.br`` and ``.pdg`` (daughter PDG codes). BR(N -> nu Z') sums the
    two-body channels with a Z' (32); BR(Z' -> b+ b-) is the channel with the pair (+-11 or +-13).
    Masses default to the table's; ``U2_aN`` and ``majorana`` default to ``model.Usq(flavour_a, i)``
    and ``model.is_majorana`` when a ``physics.model.DarkSectorModel`` is passed.
    """
    pdg_b = {"e": 11, "mu": 13}[flavour_b]
    N, Z = table[N_name], table["Zprime"]
    if m_N is None:
        m_N = float(N.mass_GeV)
    if m_Zp is None:
        m_Zp = float(Z.mass_GeV)
    if model is not None:
        i = list(model.heavy_names).index(N_name)
        if U2_aN is None:
            U2_aN = float(model.Usq(flavour_a, i))
        if majorana is None:
            majorana = bool(model.is_majorana)
    if U2_aN is None:
        raise ValueError("U2_aN is required when no model is given")

    def pdgs(ch):
        return sorted(abs(int(p)) for p in ch.pdg)

    br_N = sum(ch.br for ch in N.channels if 32 in pdgs(ch) and len(ch.pdg) == 2)
    br_Z = sum(ch.br for ch in Z.channels if pdgs(ch) == [pdg_b, pdg_b])
    return KaonCascade(m_N=m_N, m_Zp=m_Zp, flavour_a=flavour_a, flavour_b=flavour_b, U2_aN=U2_aN,
                       ctau0_N=float(N.ctau0_cm), ctau0_Zp=float(Z.ctau0_cm), br_N_to_nu_Zp=float(min(br_N, 1.0)),
                       br_Zp_to_bb=float(min(br_Z, 1.0)), majorana=bool(majorana), parent=parent)


def events_to_awkward(ev: dict):
    """Wrap the dict of ``generate_na62_cascade`` as an awkward record array.

    Particles become ``Momentum4D`` records (px, py, pz, E; GeV) so that ``vector.register_awkward()``
    gives ``.mass`` etc. (STYLE.md sec. 6); vertices are ``x, y, z`` (cm) records.
    """
    import awkward as ak

    rec = {}
    for name in _ROWS:
        p = ev[f"p4_{name}"]
        rec[name] = ak.zip({"px": p[:, 0], "py": p[:, 1], "pz": p[:, 2], "E": p[:, 3]}, with_name="Momentum4D")
    for name in ("K", "N", "Zp"):
        v = ev[f"vtx_{name}"]
        rec[f"vtx_{name}"] = ak.zip({"x": v[:, 0], "y": v[:, 1], "z": v[:, 2]})
    for key in ("P_fv", "P_dec_N", "P_dec_Zp", "pol_N_lab", "nubar", "weight"):
        rec[key] = ev[key]
    return ak.zip(rec, depth_limit=1)



def iter_generate_dedicated(card, n: int, seed: int, reconstruct: bool = False, chunk_blocks: int = 8):
    """The dedicated path of hnlgen before issue 12 on an NA62 run card: blocks of ``gen.core.rng.BLOCK_SIZE``
    events, block b from ``block_rng(seed, b, PURPOSE_PRODUCTION)``, the exposure split in proportion, and
    (``reconstruct``) the NA62 detector of ``gen.sources.meson_decay_run`` with the block's detector stream.
    Yields awkward arrays of ``chunk_blocks`` blocks (the truth records of ``events_to_awkward``, plus the
    reconstructed fields and ``weight_accepted``)."""
    import awkward as ak

    setup = NA62Setup(card)
    cas = cascade_from_decay_table(setup.table, model=setup.model, N_name=setup.hnl, flavour_a=setup.flavour_a,
                                   flavour_b=setup.flavour_b, parent=setup.parent)
    blocks = list(R.block_ranges(0, n))
    for i in range(0, len(blocks), chunk_blocks):
        parts = []
        for b, start, stop in blocks[i:i + chunk_blocks]:
            m = stop - start
            ev = generate_na62_cascade(m, R.block_rng(seed, b, R.PURPOSE_PRODUCTION), cas, setup.beam,
                                       n_parent_decays_fid=setup.n_parent_decays * m / n)
            fields = {"event": np.arange(start, stop, dtype=np.int64)}
            arr = events_to_awkward(ev)
            fields.update({k: arr[k] for k in arr.fields})
            if reconstruct:
                fields.update(_reconstruct_block(setup, ev, seed, b))
                fields["weight_accepted"] = ev["weight"] * np.asarray(fields["accepted"], dtype=np.float64)
            parts.append(ak.zip(fields, depth_limit=1))
        yield parts[0] if len(parts) == 1 else ak.concatenate(parts)
