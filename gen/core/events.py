"""Event records: the awkward layout that ``gen.generate`` returns and ``detectors.output.root`` writes.

One record per event (STYLE.md section 6):

* scalars: weights, codes and the hard-process variables (``SCALAR_FIELDS``);
* named particles as ``Momentum4D`` records (px, py, pz, E in GeV), so that after
  ``vector.register_awkward()`` ``events.N.mass`` or ``events.ell_minus.boost_p4(...)`` work;
* named vertices as records (x, y, z in cm; t in ns);
* ``particles``: a HepMC-like variable-length list of every particle of the event (beam, target,
  recoil and the whole decay cascade), so that every cascade fits one schema.

``FIELD_DOCS`` documents every field with its unit; ``field_table_markdown()`` renders it for README.
``particles_recipe`` says, from the decay graph, which named record each particle of the list is, for the
compact record of the event files (``detectors.output.particle_list``).
"""

from __future__ import annotations

import sys
from typing import NamedTuple

import awkward as ak
import numpy as np
import vector
from awkward.contents import ListOffsetArray, NumpyArray, RecordArray
from awkward.index import Index64

from gen.core.tables import CompactTables, EventColumns
from physics import pdg as pdg_codes

__all__ = [
    "graph_cascades",
    "COMPACT_FALLBACK",
    "ReusableColumns",
    "SCALAR_FIELDS",
    "PARTICLE_FIELDS",
    "NAMED_PARTICLES",
    "NAMED_VERTICES",
    "NAMED_PDG",
    "FIELD_DOCS",
    "REGIME_CODES",
    "HELICITY_CODES",
    "SLOT_PROJECTILE",
    "SLOT_TARGET",
    "SLOT_RECOIL",
    "SLOT_N",
    "assemble_events",
    "with_fields",
    "ColumnBuffer",
    "build_events",
    "COMPACT_MIN_COVERAGE",
    "CompactPlan",
    "particles_recipe",
    "compact_tables",
    "field_table_markdown",
]

vector.register_awkward()

REGIME_CODES = {"coherent": 0, "p-el": 1, "n-el": 2}
HELICITY_CODES = {"conserving": 0, "flipping": 1}

_P4 = ("px", "py", "pz", "E")
_X4 = ("x", "y", "z", "t")

# Fixed slots of the hard process in the particle list.
SLOT_PROJECTILE, SLOT_TARGET, SLOT_RECOIL, SLOT_N = 0, 1, 2, 3

# name: (numpy dtype, unit, description)
SCALAR_FIELDS = {
    "event": ("int64", "-", "event number in the run (0-based; same number = same event for any chunking)"),
    "weight": ("float64", "events", "expected events this event represents for the card's exposure, BR of the selected final state included; sum over the file = expected events"),
    "w_fiducial": ("float64", "-", "probability that the visible decay happens inside the fiducial volume: 1.0 from the generator alone; exact (detectors.miniboone.response chord probabilities, gen.stages.base) after the detector stage of hnlgen run on a MiniBooNE card"),
    "E_nu": ("float64", "GeV", "projectile neutrino energy"),
    "Q2": ("float64", "GeV^2", "momentum transfer Q^2 = -(p_nu - p_N)^2"),
    "projectile_pdg": ("int32", "-", "PDG code of the projectile (14 numu, -14 numubar, 12 nue, -12 nuebar, ...)"),
    "target_pdg": ("int32", "-", "PDG code of the detector nucleus hit (1000060120 C12, 1000010010 H1); the struck particle (nucleus, p or n) is particles[1]"),
    "regime": ("int32", "-", "scattering regime: 0 coherent, 1 proton-elastic, 2 neutron-elastic"),
    "helicity": ("int32", "-", "helicity of the produced N: -1 or +1"),
    "helicity_flip": ("int32", "-", "0 helicity-conserving, 1 helicity-flipping upscattering"),
    "hnl_pdg": ("int32", "-", "PDG code of the produced heavy neutrino (9900012 N4, 9900014 N5, 9900016 N6)"),
    "channel": ("int32", "-", "decay channel of the produced N: index into decays.channels of the file's `model` JSON (-1 if N did not decay)"),
}

PARTICLE_FIELDS = {
    "pdg": ("int32", "-", "PDG code"),
    "status": ("int32", "-", "1 final state, 2 decayed, 4 incoming beam, 11 target (HepMC3 codes; 11 is NuHepMC 0.9's target code, the HepMC3 output writes NuHepMC 1.0.0's 20)"),
    "parent": ("int32", "-", "index of the mother in this event's particle list; -1 for beam and target; hard-process products point to 0"),
    "px": ("float64", "GeV", "momentum x"),
    "py": ("float64", "GeV", "momentum y"),
    "pz": ("float64", "GeV", "momentum z (beam direction)"),
    "E": ("float64", "GeV", "energy"),
    "x": ("float64", "cm", "production vertex x (upscattering vertex at the origin)"),
    "y": ("float64", "cm", "production vertex y"),
    "z": ("float64", "cm", "production vertex z"),
    "t": ("float64", "ns", "production time (upscattering at t = 0)"),
}

NAMED_PARTICLES = {
    "projectile": "incoming neutrino (along +z)",
    "target": "struck nucleus (coherent) or nucleon (p-el, n-el) at rest",
    "recoil": "recoiling nucleus or nucleon",
    "N": "produced heavy neutrino",
    "Zprime": "first Z' of the cascade (zeros if none)",
    "ell_minus": "first final-state negative charged lepton (zeros if none)",
    "ell_plus": "first final-state positive charged lepton (zeros if none)",
    "nu_out": "first final-state light neutrino of the cascade (zeros if none)",
}

#: PDG codes of the named particles whose species varies from event to event (int32, 0 when the event
#: has no such particle); the others have theirs as scalars: projectile_pdg, target_pdg (also the
#: recoil's), hnl_pdg (N), and the Z' is always 32. Chosen by the rule of the named fields
#: (gen.core.event_kernel._named_slots): the first final-state l-, l+, and light neutrino after N.
NAMED_PDG = {
    "ell_minus_pdg": "PDG code of ell_minus (11, 13, 15; 0 if none)",
    "ell_plus_pdg": "PDG code of ell_plus (-11, -13, -15; 0 if none)",
    "nu_out_pdg": "PDG code of nu_out (+-12, +-14, +-16, +-18; 0 if none)",
}

NAMED_VERTICES = {
    "N_decay_vertex": "decay vertex of the produced N (zeros if it did not decay)",
    "ell_vertex": "production vertex of ell_minus (zeros if none)",
}

# Row order of the scalar arrays that gen.core.event_kernel.event_kernel fills (every scalar but ``event``).
_KERNEL_FLOAT_SCALARS = ("weight", "w_fiducial", "E_nu", "Q2")
_KERNEL_INT_SCALARS = ("projectile_pdg", "target_pdg", "regime", "helicity", "helicity_flip", "hnl_pdg", "channel")
if ({"event", *_KERNEL_FLOAT_SCALARS, *_KERNEL_INT_SCALARS} != set(SCALAR_FIELDS)
        or any(SCALAR_FIELDS[k][0] != "float64" for k in _KERNEL_FLOAT_SCALARS)
        or any(SCALAR_FIELDS[k][0] != "int32" for k in _KERNEL_INT_SCALARS)):
    raise RuntimeError("gen.core.events: SCALAR_FIELDS and the scalar rows of event_kernel disagree")

FIELD_DOCS: dict[str, tuple[str, str]] = {}
for _k, (_dt, _unit, _doc) in SCALAR_FIELDS.items():
    FIELD_DOCS[_k] = (_unit, _doc)
for _k, _doc in NAMED_PARTICLES.items():
    FIELD_DOCS[f"{_k}.px, .py, .pz, .E"] = ("GeV", f"{_doc} (Momentum4D)")
for _k, _doc in NAMED_VERTICES.items():
    FIELD_DOCS[f"{_k}.x, .y, .z / .t"] = ("cm / ns", _doc)
for _k, (_dt, _unit, _doc) in PARTICLE_FIELDS.items():
    FIELD_DOCS[f"particles.{_k}"] = (_unit, _doc)
for _k, _doc in NAMED_PDG.items():
    FIELD_DOCS[_k] = ("-", _doc)


class ReusableColumns:
    """Preallocated event columns that a generator hands out and later reuses (``in_use``, ``reset``).

    Subclasses set ``_owned`` (the arrays that own the memory) and call ``_track()`` at the end of ``__init__``, and
    define ``_empty()`` (back to no events). Memory touched once is fast to write again; fresh pages cost a page
    fault each (issue 16), so a chunk's columns are refilled once the caller has dropped every view of them.
    """

    _owned: tuple = ()

    def _track(self) -> None:
        self._free_refs = self._refcounts()

    def _refcounts(self) -> list[int]:
        return [sys.getrefcount(a) for a in self._owned]

    def in_use(self) -> bool:
        """True while an array handed out from these columns (or any view of one) is still alive.

        Every NumPy view keeps a reference to the array that owns the memory, so the reference counts
        of the owned arrays return to their values at construction exactly when nothing outside the
        columns uses their memory any more; only then may ``reset`` hand the memory out again.
        """
        return self._refcounts() != self._free_refs

    def reset(self) -> None:
        """Empty the columns for reuse."""
        if self.in_use():
            raise RuntimeError(f"{type(self).__name__}.reset: the previous columns are still in use")
        self._empty()

    def _empty(self) -> None:
        raise NotImplementedError


class ColumnBuffer(ReusableColumns):
    """Columns of ``n`` events in the layout of ``build_events``, filled block by block.

    ``gen.core.event_kernel.event_kernel`` writes finished events straight into these arrays (``add_block``
    compacts fixed-slot kernel output), so a chunk's memory is written once; ``columns()`` returns the
    filled part as a dict of contiguous arrays (views). ``in_use`` / ``reset`` let a generator reuse the
    memory for a later chunk once the caller has dropped every view of it.

    Parameters
    ----------
    n : int
        Events in the chunk.
    max_particles : int
        Upper bound of the total particle count (events x slots).
    """

    def __init__(self, n: int, max_particles: int):
        self.n = n
        # scalars grouped by dtype into 2-d arrays (one row per field), as gen.core.event_kernel.event_kernel fills them
        self.event = np.empty(n, np.int64)
        self.f_sc = np.empty((len(_KERNEL_FLOAT_SCALARS), n))
        self.i_sc = np.empty((len(_KERNEL_INT_SCALARS), n), np.int32)
        self.scalars = {"event": self.event}
        self.scalars.update({k: self.f_sc[r] for r, k in enumerate(_KERNEL_FLOAT_SCALARS)})
        self.scalars.update({k: self.i_sc[r] for r, k in enumerate(_KERNEL_INT_SCALARS)})
        # the eight named four-vectors in one allocation, hard then named: equally spaced columns, which the compact
        # record's check reads as one array without a copy (detectors.output.particle_list._packed)
        self._p4 = np.empty((8, 4, n))
        self.hard = self._p4[:4]
        self.named = self._p4[4:]
        self.named_vtx = np.empty((2, 4, n))
        self.named_pdg = np.empty((len(NAMED_PDG), n), np.int32)
        self.counts = np.empty(n, np.int64)
        self.f_int = np.empty((3, max_particles), np.int32)
        self.f_kin = np.empty((8, max_particles))
        self.n_events = 0
        self.n_particles = 0
        self._owned = (self.event, self.f_sc, self.i_sc, self._p4, self.named_vtx, self.named_pdg, self.counts, self.f_int,
                       self.f_kin)
        self._track()

    def _empty(self) -> None:
        self.n_events = 0
        self.n_particles = 0

    def outputs(self) -> EventColumns:
        """The arrays as the event kernel fills them (``gen.core.tables.EventColumns``)."""
        return EventColumns(self.event, self.f_sc, self.i_sc, self.counts, self.hard, self.named, self.named_vtx,
                            self.named_pdg, self.f_int, self.f_kin)

    def add_block(self, scalars: dict, pdg, status, parent, p4, vtx, npart) -> None:
        """Append the events of one block (fixed particle slots, as the kernels fill them).

        pdg, status, parent : (m, slots) integer; p4 : (m, slots, 4) px, py, pz, E in GeV;
        vtx : (m, slots, 4) production vertex x, y, z in cm and t in ns; npart : (m,) filled slots.
        """
        from gen.core.event_kernel import compact_kernel

        m = pdg.shape[0]
        missing = set(SCALAR_FIELDS) - set(scalars)
        if missing:
            raise ValueError(f"ColumnBuffer.add_block: missing scalar fields {sorted(missing)}")
        e0, k0 = self.n_events, self.n_particles
        tot = int(np.sum(npart))
        if e0 + m > self.n or k0 + tot > self.f_int.shape[1]:
            raise ValueError("ColumnBuffer.add_block: buffer too small")
        for k in SCALAR_FIELDS:
            self.scalars[k][e0:e0 + m] = scalars[k]
        compact_kernel(pdg, status, parent, p4, vtx, np.asarray(npart, dtype=np.int64), SLOT_N, compact_tables(None),
                       self.hard[:, :, e0:e0 + m], self.named[:, :, e0:e0 + m], self.named_vtx[:, :, e0:e0 + m],
                       self.named_pdg[:, e0:e0 + m], self.counts[e0:e0 + m], self.f_int[:, k0:k0 + tot],
                       self.f_kin[:, k0:k0 + tot])
        self.n_events += m
        self.n_particles += tot

    def columns(self) -> dict:
        """Dict of 1-d arrays: scalars, ``<name>_<component>``, ``NAMED_PDG`` and ``particles_<field>``,
        ``particles_counts``."""
        ne, npt = self.n_events, self.n_particles
        cols = {k: v[:ne] for k, v in self.scalars.items()}
        for j, name in enumerate(("projectile", "target", "recoil", "N")):
            for c, comp in enumerate(("px", "py", "pz", "E")):
                cols[f"{name}_{comp}"] = self.hard[j, c, :ne]
        for j, name in enumerate(("Zprime", "ell_minus", "ell_plus", "nu_out")):
            for c, comp in enumerate(("px", "py", "pz", "E")):
                cols[f"{name}_{comp}"] = self.named[j, c, :ne]
        for j, name in enumerate(("N_decay_vertex", "ell_vertex")):
            for c, comp in enumerate(("x", "y", "z", "t")):
                cols[f"{name}_{comp}"] = self.named_vtx[j, c, :ne]
        for r, name in enumerate(NAMED_PDG):
            cols[name] = self.named_pdg[r, :ne]
        cols["particles_counts"] = self.counts[:ne]
        for r, name in enumerate(("pdg", "status", "parent")):
            cols[f"particles_{name}"] = self.f_int[r, :npt]
        for r, name in enumerate(("px", "py", "pz", "E", "x", "y", "z", "t")):
            cols[f"particles_{name}"] = self.f_kin[r, :npt]
        return cols


def build_events(cols: dict, list_field: str = "particles") -> ak.Array:
    """The event record array from the columns of ``ColumnBuffer.columns()`` (no copies).

    The layout is built from ``awkward.contents`` directly: the same layout as ``ak.zip`` of the
    named records and scalars (``depth_limit=1``) around ``ak.unflatten`` of the particle records,
    without their broadcasting checks (the columns have the right lengths by construction).

    ``list_field``: the name of the particle list, ``"particles"``, or for columns of the compact record
    (``compact_tables``; events whose named records hold their list have none) its stored name
    ``detectors.output.storage.COMPACT_FIELD``, which ``EventWriter`` writes as it is and
    ``detectors.output.particle_list.rebuild_particles`` turns into the full list. The ``NAMED_PDG`` columns are
    the kernels' (``gen.core.event_kernel._compact_task``: the PDG codes of the named slots).
    """
    n = len(cols["event"])
    names = list(SCALAR_FIELDS)
    contents = [NumpyArray(cols[k]) for k in SCALAR_FIELDS]
    for name in NAMED_PARTICLES:
        names.append(name)
        contents.append(RecordArray([NumpyArray(cols[f"{name}_{c}"]) for c in _P4], list(_P4), length=n,
                                    parameters={"__record__": "Momentum4D"}))
    for name in NAMED_VERTICES:
        names.append(name)
        contents.append(RecordArray([NumpyArray(cols[f"{name}_{c}"]) for c in _X4], list(_X4), length=n))
    counts = cols["particles_counts"]
    offsets = np.empty(n + 1, np.int64)
    offsets[0] = 0
    np.cumsum(counts, out=offsets[1:])
    flat = RecordArray([NumpyArray(cols[f"particles_{k}"]) for k in PARTICLE_FIELDS], list(PARTICLE_FIELDS),
                       length=int(offsets[-1]))
    names.append(list_field)
    contents.append(ListOffsetArray(Index64(offsets), flat))
    for name in NAMED_PDG:
        names.append(name)
        contents.append(NumpyArray(cols[name]))
    return ak.Array(RecordArray(contents, names, length=n))


def with_fields(chunk: ak.Array, new: dict) -> ak.Array:
    """``chunk`` with the fields ``new`` (name -> 1-d NumPy array, or a dict of them for a record such as ``vertex``):
    a field of the same name replaced in place, the others appended in order.

    Built on the layout (the chunk's contents, cut to its length, and NumpyArrays of the new columns): the array that
    ``ak.zip`` of the high-level fields gave, without awkward's call per field (~20 ns per light-Z' event in the
    MiniBooNE stage's one-thread part; issue 16, tests/gen/test_stage_threads.py compares the two). The detector
    stages (``gen.stages``) add their reconstructed fields with it."""
    layout = chunk.layout
    n = len(chunk)
    fields = {k: (c if c.length == n else c[:n]) for k, c in zip(layout.fields, layout.contents)}
    for k, v in new.items():
        fields[k] = (ak.contents.RecordArray([ak.to_layout(x) for x in v.values()], list(v), length=n) if isinstance(v, dict)
                     else ak.to_layout(v))
    return ak.Array(ak.contents.RecordArray(list(fields.values()), list(fields), length=n))


def assemble_events(scalars: dict, pdg, status, parent, p4, vtx, npart) -> ak.Array:
    """Event record array directly from kernel output of one block (see ``ColumnBuffer.add_block``)."""
    n, slots = pdg.shape
    buf = ColumnBuffer(n, n * slots)
    buf.add_block(scalars, pdg, status, parent, p4, vtx, npart)
    return build_events(buf.columns())


def field_table_markdown() -> str:
    """Markdown table of every event field with its unit (README 'Output')."""
    lines = ["| field | unit | meaning |", "|---|---|---|"]
    for k, (unit, doc) in FIELD_DOCS.items():
        lines.append(f"| `{k}` | {unit} | {doc} |")
    return "\n".join(lines)


# ------------------------------------------------------------------ the particle list from the named records
_MAX_RECIPE_CASCADES = 4096
#: ``hnlgen run`` writes the compact record when the recipe rebuilds at least this expected fraction of the
#: events' lists, else the full one. Measured (CPU per event, same chunks, issue 16), since the event kernel makes the
#: compact record (session 12): three-portal card (64% rebuilt, its longest lists kept) writer 0.84-0.90 us compact
#: against 1.25-1.46 full, generation 1.33-1.37 against 1.40-1.62 us; light-Z' card (99.94%) writer 0.35 against
#: ~2 us. With the writer's check alone (sessions 8-11) the three-portal card gained nothing (1.75-1.78 against
#: 1.56-1.88 us), hence the 0.9 of then. Below 0.5 nothing is measured: such cards keep the full record.
COMPACT_MIN_COVERAGE = 0.5
#: what ``hnlgen run`` says when ``--record compact`` is asked for and the card has no recipe (it writes full)
COMPACT_FALLBACK = "--record compact: no cascade of this card is held by its named records; writing the full record"


class CompactPlan(NamedTuple):
    """``particles_recipe``'s answer: the recipe (None when no cascade qualifies) and the expected fraction of
    generated events whose list it rebuilds (channel sampling probabilities times the cascade's BRs)."""

    recipe: object
    coverage: float

    @property
    def record(self) -> str:
        """The record ``hnlgen run`` writes by default: ``"compact"`` at coverage >= ``COMPACT_MIN_COVERAGE``."""
        return "compact" if self.recipe is not None and self.coverage >= COMPACT_MIN_COVERAGE else "full"

    def choose(self, requested: str | None = None) -> tuple[str, object]:
        """(record, recipe) for ``EventWriter``: ``requested`` None gives the default (``record``), ``"compact"``
        the compact record whenever a recipe exists (else full), ``"full"`` and ``"slim"`` themselves."""
        if requested is None:
            requested = self.record
        if requested == "compact" and self.recipe is None:
            requested = "full"
        return requested, (self.recipe if requested == "compact" else None)


def graph_cascades(graph, root: int, limit: int = _MAX_RECIPE_CASCADES):
    """Every cascade ``gen.core.kernels.cascade_kernel`` can draw from the state ``root`` of the decay graph
    ``graph`` (channels of nonzero probability; particles decay in list order and append their daughters), with
    its probability: yields (parts, prob), parts a list of [graph state, mother (list index; the root is 0, its
    mother -1), chosen graph channel (-1: does not decay)]. At most ``limit`` cascades (then it stops)."""
    st_ch_start, st_ch_n, ch_cum = graph.st_ch_start, graph.st_ch_n, graph.ch_cum
    ch_ndau, ch_dau = graph.ch_ndau, graph.ch_dau
    count = [0]

    def expand(parts: list, i: int, prob: float):
        if count[0] >= limit:
            return
        if i == len(parts):
            count[0] += 1
            yield parts, prob
            return
        s = parts[i][0]
        if s < 0 or st_ch_n[s] == 0:
            yield from expand(parts, i + 1, prob)
            return
        start = int(st_ch_start[s])
        prev = 0.0
        for ch in range(start, start + int(st_ch_n[s])):
            p, prev = ch_cum[ch] - prev, ch_cum[ch]
            if p <= 0.0:
                continue
            new = [list(x) for x in parts]
            new[i][2] = ch
            new += [[int(ch_dau[ch, d]), i, -1] for d in range(int(ch_ndau[ch]))]
            yield from expand(new, i + 1, prob * p)

    yield from expand([[int(root), -1, -1]], 0, 1.0)


def particles_recipe(graph, codes: dict, ch_root: np.ndarray, ch_prob: np.ndarray | None = None) -> CompactPlan:
    """The ``detectors.output.particle_list.ParticleRecipe`` of a run and its coverage (``CompactPlan``).

    ``graph`` is the run's ``gen.core.decays.DecayGraph``, ``codes`` its per-production-channel codes
    (``KEY_CODES``, ``scatter_pdg``, ``n_pdg``; ``gen.sources.upscattering.GeneratorSetup.ch_codes``) and
    ``ch_root`` the root state of each channel, ``ch_prob`` the channels' sampling probabilities (default
    equal; only the coverage uses them). Every cascade the graph can draw (channels of nonzero
    probability, walked in ``cascade_kernel``'s order: particles decay in list order and append their
    daughters); a cascade gets a template when every particle after N is a named record by the rule of
    ``gen.core.event_kernel._named_slots`` (first Z', first final l-, l+ and light neutrino), born at N's
    decay vertex or at ell_minus's, and no other cascade has the same stored codes with another list.
    The others (a photon, a second lepton pair or neutrino, an N5 -> N4 step; cascades of an N state past
    its first 4096, ``graph_cascades``) get none: their events keep their list in the file. The writer checks every event against
    the rebuild anyway (``detectors.output.particle_list.rebuildable``), so a wrong template could only
    make a file bigger, never lose a particle.
    """
    from detectors.output.particle_list import KEY_CODES, ParticleRecipe

    ch_origin, st_pdg = graph.ch_origin, graph.st_pdg

    def template(parts: list):
        # (key tail: channel, l-, l+, nu pdg), N status, rows; None if a particle is not named
        pdgs = [int(st_pdg[s]) for s, _m, _c in parts]
        final = [c < 0 for _s, _m, c in parts]
        iz = im = ip = inu = -1
        for k in range(1, len(parts)):
            p, ap = pdgs[k], abs(pdgs[k])
            if p == pdg_codes.ZPRIME and iz < 0:
                iz = k
            elif final[k] and p in pdg_codes.CHARGED_LEPTONS and im < 0:
                im = k
            elif final[k] and -p in pdg_codes.CHARGED_LEPTONS and ip < 0:
                ip = k
            elif final[k] and ap in pdg_codes.LIGHT_NEUTRINOS and inu < 0:
                inu = k
        names = {iz: "Zprime", im: "ell_minus", ip: "ell_plus", inu: "nu_out"}
        rows = []
        for k in range(1, len(parts)):
            if k not in names:
                return None
            mother = parts[k][1]
            if mother == 0:
                vtx = "N_decay_vertex"
            elif im >= 0 and mother == parts[im][1]:
                vtx = "ell_vertex"
            else:
                return None
            rows.append((pdgs[k], 1 if final[k] else 2, 3 + mother, names[k], vtx))
        chosen = parts[0][2]
        tail = (int(ch_origin[chosen]) if chosen >= 0 else -1, pdgs[im] if im >= 0 else 0, pdgs[ip] if ip >= 0 else 0,
                pdgs[inu] if inu >= 0 else 0)
        return tail, 2 if chosen >= 0 else 1, rows

    none = CompactPlan(None, 0.0)
    hard = {}
    for c in range(len(ch_root)):
        key = tuple(int(codes[k][c]) for k in KEY_CODES)
        val = (int(codes["scatter_pdg"][c]), int(codes["n_pdg"][c]))
        if hard.setdefault(key, val) != val:
            return none
    prob = np.full(len(ch_root), 1.0 / max(len(ch_root), 1)) if ch_prob is None else np.asarray(ch_prob, np.float64)
    pairs: dict[tuple, float] = {}
    for c in range(len(ch_root)):
        pair = (int(codes["n_pdg"][c]), int(ch_root[c]))
        pairs[pair] = pairs.get(pair, 0.0) + float(prob[c])
    cascades: dict[tuple, tuple | None] = {}
    covered: list[tuple[float, tuple]] = []
    for (n_pdg, root), p_pair in sorted(pairs.items()):
        for parts, p in graph_cascades(graph, root):
            t = template(parts)
            if t is None:
                continue  # a particle no named record holds: such events keep their list
            key = (n_pdg, *t[0])
            covered.append((p_pair * p, key))
            if cascades.setdefault(key, t[1:]) != t[1:]:
                cascades[key] = None  # two lists under the same stored codes: these events keep theirs
    templates = [(k, v[0], v[1]) for k, v in cascades.items() if v is not None]
    if not templates:
        return none
    total = float(sum(pairs.values()))
    coverage = sum(w for w, key in covered if cascades[key] is not None) / total if total > 0 else 0.0
    return CompactPlan(ParticleRecipe.from_templates([[*k, *v] for k, v in hard.items()], templates), coverage)


def compact_tables(recipe, codes: dict | None = None) -> CompactTables:
    """The ``gen.core.tables.CompactTables`` with which ``gen.core.event_kernel.event_kernel`` makes the compact
    record: ``recipe`` (a ``ParticleRecipe``, ``particles_recipe``) and the run's per-channel ``codes``
    (``KEY_CODES``, ``scatter_pdg``, ``n_pdg``, as ``particles_recipe`` takes them); a channel gets the recipe's
    hard-process row of its codes (-1, its events keep their lists, when there is none). ``recipe`` None: no
    compact record (every event keeps its list)."""
    if recipe is None:
        n_ch = 1 if codes is None else max(len(next(iter(codes.values()))), 1)
        z3 = np.zeros((1, 1, 5), np.int64)
        return CompactTables(np.full(n_ch, -1, np.int64), z3, np.zeros(1, np.int64), z3.copy(), np.zeros(1, np.int64),
                             np.zeros((0, 5), np.int64))
    from detectors.output.particle_list import KEY_CODES

    rows = {tuple(r): h for h, r in enumerate(recipe.hard.tolist())}
    n_ch = len(codes[KEY_CODES[0]])
    ch_head = np.array([rows.get(tuple(int(codes[k][c]) for k in (*KEY_CODES, "scatter_pdg", "n_pdg")), -1)
                        for c in range(n_ch)], np.int64)
    head, head_len, tail, tail_len = recipe.tables
    return CompactTables(ch_head, np.ascontiguousarray(head), np.ascontiguousarray(head_len), np.ascontiguousarray(tail),
                         np.ascontiguousarray(tail_len), np.ascontiguousarray(recipe.keys, dtype=np.int64))
