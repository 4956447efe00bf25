"""The named inputs of the sampling kernels: NamedTuples of arrays (numba types them field by field).

Instead of long positional lists (``event_kernel`` took 55 arguments fed by a ``*tables`` splat), the
kernels of ``gen.core.kernels`` and ``gen.core.event_kernel`` take a few tables whose fields they read by
name, so no argument can be put in another one's place:

* ``FluxTables``: the beam flux, per flavour (``gen.core.flux``);
* ``ChannelTables``: per upscattering channel c, its selection, cross-section parameters (records of
  ``physics.cross_sections.CHANNEL_DTYPE``), weight normalisation, sampling tables of E_nu and Q2, and what
  its events carry (PDG codes, N polarisation, root of the cascade, final-state BR);
* ``DecayTables``: the decay graph the cascade walks (``gen.core.decays.DecayGraph.tables``);
* ``EventColumns``: the output columns of ``gen.core.events.ColumnBuffer`` that ``event_kernel`` fills;
* ``CompactTables``: the compact record's templates (``detectors.output.particle_list.ParticleRecipe.tables``),
  with which the event kernel leaves out the particle rows that the named records hold (``gen.core.event_kernel``).

``FIELD_SPECS`` gives the dtype and dimension of every field: ``gen.core.precompile`` builds the numba
signature of ``event_kernel`` from it (``tests/gen/test_precompile.py`` checks it against the one a run uses).
A NamedTuple argument costs numba nothing per call beyond its arrays' reference counts (the same as passing
them one by one), and it is cached like any other signature.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["FluxTables", "ChannelTables", "DecayTables", "EventColumns", "CompactTables", "FIELD_SPECS"]


class FluxTables(NamedTuple):
    """Beam flux (``gen.core.flux.Flux``)."""

    edges: np.ndarray  # (n_bins + 1,) energy bin edges, GeV
    density: np.ndarray  # (n_flavours, n_bins) nu / cm^2 / POT / GeV


class ChannelTables(NamedTuple):
    """Per upscattering channel c (``gen.sources.upscattering.prepare``)."""

    cum: np.ndarray  # (n_ch,) cumulative selection probability P_c
    flavour: np.ndarray  # (n_ch,) row of FluxTables.density of the projectile
    params: np.ndarray  # (n_ch,) physics.cross_sections.CHANNEL_DTYPE records
    norm: np.ndarray  # (n_ch,) POT N_targets hbarc^2 / N_events (cm^2 GeV^2)
    m_N: np.ndarray  # (n_ch,) heavy-neutrino mass, GeV
    M: np.ndarray  # (n_ch,) mass of the struck target, GeV
    m2map: np.ndarray  # (n_ch,) scale of the Q2 propagator map, GeV^2
    E_edges: np.ndarray  # (n_ch, nE) E_nu sampling table: edges, GeV
    E_cdf: np.ndarray  # (n_ch, nE) and its CDF
    grid: np.ndarray  # (n_ch, n_grid + 1) VEGAS map of the Q2 variable
    codes: np.ndarray  # (n_ch, 8) projectile, target, regime, helicity, helicity_flip, hnl PDG codes, struck and N codes
    pol: np.ndarray  # (n_ch,) N helicity (longitudinal polarisation)
    root: np.ndarray  # (n_ch,) DecayTables state of the N (-1: final state unreachable)
    br: np.ndarray  # (n_ch,) branching ratio of the selected final state


class DecayTables(NamedTuple):
    """The decay graph of the cascade (``gen.core.decays.DecayGraph``): states st_*, graph channels ch_*."""

    st_pdg: np.ndarray  # (S,) PDG code
    st_mass: np.ndarray  # (S,) GeV
    st_ctau0: np.ndarray  # (S,) c tau0, cm
    st_ch_start: np.ndarray  # (S,) first channel of the state
    st_ch_n: np.ndarray  # (S,) number of channels (0: stable)
    ch_cum: np.ndarray  # (C,) cumulative BR within the state
    ch_ndau: np.ndarray  # (C,) 2 or 3 daughters
    ch_dau: np.ndarray  # (C, 3) daughter states
    ch_asym: np.ndarray  # (C,) two-body angular asymmetry a
    ch_me: np.ndarray  # (C,) row of the three-body |M|^2 tables (-1: none)
    me_A: np.ndarray  # (T, ng + 1, ng + 1) |M|^2 = A + P (Bx s_x + Bz s_z) on the unit square
    me_Bx: np.ndarray
    me_Bz: np.ndarray
    me_cellcum: np.ndarray  # (T, ng^2) cumulative cell envelope
    me_cellenv: np.ndarray  # (T, ng^2) cell envelope
    ch_vec: np.ndarray  # (C,) F -> f V with couplings: index of the vector daughter, else -1
    ch_fer: np.ndarray  # (C,) V -> f1 f2 with couplings: index of f1, else -1
    ch_cpl: np.ndarray  # (C, 4) Re A, Im A, Re B, Im B of the vertex
    ch_cp: np.ndarray  # (C,) 1 for a CP image
    ch_origin: np.ndarray  # (C,) index of the decay-table channel (the event's ``channel`` code)


class EventColumns(NamedTuple):
    """Output columns of ``gen.core.events.ColumnBuffer`` (last axis = event or particle row)."""

    event: np.ndarray  # (n,) event number
    f_sc: np.ndarray  # (4, n) weight, w_fiducial, E_nu, Q2
    i_sc: np.ndarray  # (7, n) int32 codes (gen.core.events.SCALAR_FIELDS)
    counts: np.ndarray  # (n,) particles per event
    hard: np.ndarray  # (4, 4, n) projectile, target, recoil, N four-momenta (px, py, pz, E)
    named: np.ndarray  # (4, 4, n) named particles
    named_vtx: np.ndarray  # (2, 4, n) named vertices
    named_pdg: np.ndarray  # (3, n) int32 ell_minus_pdg, ell_plus_pdg, nu_out_pdg (gen.core.events.NAMED_PDG)
    f_int: np.ndarray  # (3, rows) int32 pdg, status, parent
    f_kin: np.ndarray  # (8, rows) px, py, pz, E, x, y, z, t


class CompactTables(NamedTuple):
    """The compact record's templates as the event kernel reads them (``gen.core.event_kernel._compact_task``):
    those of ``detectors.output.particle_list.ParticleRecipe.tables`` and, per production channel, its row of the
    recipe's ``hard`` table. ``ch_head`` all -1 (``gen.core.events.compact_tables(None)``): every event
    keeps its list."""

    ch_head: np.ndarray  # (n_ch,) row of head of each production channel, -1: none (its events keep their list)
    head: np.ndarray  # (H, 3, 5) beam, target, recoil rows: pdg, status, mother, named four-vector, named vertex
    head_len: np.ndarray  # (H,) 3
    tail: np.ndarray  # (C, 1 + L, 5) N and its cascade, same columns
    tail_len: np.ndarray  # (C,) rows of each tail
    keys: np.ndarray  # (C, 5) N PDG, channel, ell_minus_pdg, ell_plus_pdg, nu_out_pdg of each tail


#: dtype code and dimension of every field ("rec" = physics.cross_sections.CHANNEL_DTYPE records)
FIELD_SPECS = {
    FluxTables: ("f8:1", "f8:2"),
    ChannelTables: ("f8:1", "i8:1", "rec:1", "f8:1", "f8:1", "f8:1", "f8:1", "f8:2", "f8:2", "f8:2",
                    "i8:2", "f8:1", "i8:1", "f8:1"),
    DecayTables: ("i8:1", "f8:1", "f8:1", "i8:1", "i8:1", "f8:1", "i8:1", "i8:2", "f8:1", "i8:1",
                  "f8:3", "f8:3", "f8:3", "f8:2", "f8:2", "i8:1", "i8:1", "f8:2", "i8:1", "i8:1"),
    EventColumns: ("i8:1", "f8:2", "i4:2", "i8:1", "f8:3", "f8:3", "f8:3", "i4:2", "i4:2", "f8:2"),
    CompactTables: ("i8:1", "i8:3", "i8:1", "i8:3", "i8:1", "i8:2"),
}
