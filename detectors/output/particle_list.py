"""The particle list rebuilt from the named records: the compact record of the event files (issue 16).

For many cascades every particle of the HepMC-like list ``particles`` is also a named record: in
N -> nu Z' -> nu l+ l- (the light-Z' cards) or N -> nu l+ l- (heavy Z') the list is the projectile, the
struck target, the recoil, N, then nu_out, Zprime, ell_minus, ell_plus in the cascade's order, and their
production vertices are the origin (hard process), ``N_decay_vertex`` (N's daughters) or ``ell_vertex``
(the daughters of ell_minus's mother). Writing the list stores every number twice (~55% of a light-Z'
event's bytes, ~75% of the writer's CPU time), so the compact record (``hnlgen run``'s default where it
pays, ``gen.core.events.COMPACT_MIN_COVERAGE``) empties the list of every event whose list its named
records hold, writes the others under ``COMPACT_FIELD`` and stores the ``ParticleRecipe`` as the JSON
metadata ``particles_recipe``. ``detectors.output.root.read_events`` then gives back the array of a
full-record file, ``particles`` of every event included, bit for bit.

The recipe is built by the generator from its decay graph; this module only reads and applies it, so that a
reader needs no model. Two layouts:

* ``ParticleRecipe``, upscattering events (``gen.core.events.particles_recipe``):

  * ``hard``: one row per production channel: the six codes the event stores (``KEY_CODES``), then the PDG
    codes of the struck particle (nucleus, proton or neutron: ``particles[1]`` and ``particles[2]``) and of
    the produced N (``particles[3]``; an antineutrino of a Dirac N makes -9900012);
  * ``cascades``: one template per (N PDG, ``channel``, ``ell_minus_pdg``, ``ell_plus_pdg``, ``nu_out_pdg``):
    N's status, and the particles after N as (PDG, status, mother index, named four-vector, named vertex).

* ``NamedListRecipe``, meson-decay (NA62) events (``gen.sources.meson_decay_run.na62_particles_recipe``): the
  record names (four-vectors ``K``, ``a``, ``N``, ``nu``, ``Zp``, ``bm``, ``bp``; vertices ``vtx_K``, ``vtx_N``,
  ``vtx_Zp``, ``vtx_pair`` with their times ``t``) and one template per value of ``channel``: the whole list,
  the parent meson at the origin first, each particle as (PDG, status, mother index, named four-vector, named
  vertex). Its JSON says ``"layout": "named_list"``; ``recipe_from_json`` reads either.

Templates: the kernels see both layouts alike, each event's list being a head (``hard``'s beam, target and
recoil; empty for a named list) followed by a tail (N and its cascade; the named list's template), rows of
(PDG, status, mother, four-vector index, vertex index), vertex index 0 being the origin (x = y = z = t = 0).

``EventWriter`` empties a list only when ``rebuildable`` finds it equal, number for number, to the rebuild
from that event's named records (the other events keep theirs), so a file cannot lose a particle: a wrong
or missing template makes a file bigger, never different. The upscattering event kernel makes the same test
on its particle slots and writes no rows for those lists (``gen.core.event_kernel._compact_task``, with the
templates of ``ParticleRecipe.tables``); ``EventWriter`` writes such chunks as they are.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

import awkward as ak
import numpy as np

from detectors.common.columns import column
from detectors.output.storage import COMPACT_FIELD, RECIPE_KEY
from physics._jit import jit, jitable

__all__ = ["RECIPE_KEY", "COMPACT_FIELD", "KEY_CODES", "NAMED_P4", "NAMED_VERTEX", "PARTICLE_FIELDS", "ParticleRecipe",
           "NamedListRecipe", "recipe_from_json", "compact_particles", "rebuild_particles", "rebuildable", "warm_kernels"]

#: the production-channel codes an event stores (scalars), in the recipe's ``hard`` row order
KEY_CODES = ("projectile_pdg", "target_pdg", "regime", "helicity", "helicity_flip", "hnl_pdg")
#: named four-vector records, by their index in a template (``p4`` column)
NAMED_P4 = ("projectile", "target", "recoil", "N", "Zprime", "ell_minus", "ell_plus", "nu_out")
#: production vertices, by their index in a template (``vertex`` column); 0 is the upscattering point
NAMED_VERTEX = ("origin", "N_decay_vertex", "ell_vertex")
#: fields of ``particles``, in the generator's order (gen.core.events.PARTICLE_FIELDS)
PARTICLE_FIELDS = ("pdg", "status", "parent", "px", "py", "pz", "E", "x", "y", "z", "t")
_VERSION = 1
_P4 = ("px", "py", "pz", "E")
_X4 = ("x", "y", "z", "t")
# status codes of the hard process (gen.core.kernels.STATUS_*, which this layer cannot import; a test keeps them equal)
_STATUS_FINAL, _STATUS_BEAM, _STATUS_TARGET = 1, 4, 11


@dataclass(frozen=True)
class ParticleRecipe:
    """How ``particles`` follows from the named records (module docstring).

    Attributes
    ----------
    hard : (H, 8) int64
        ``KEY_CODES``, struck-particle PDG, N PDG of each production channel.
    keys : (C, 5) int64
        N PDG, ``channel``, ``ell_minus_pdg``, ``ell_plus_pdg``, ``nu_out_pdg`` of each cascade template.
    n_status : (C,) int64
        status of N (2 decayed, 1 not).
    rows : (C, L, 5) int64
        the particles after N: PDG, status, mother index, index into ``NAMED_P4``, index into
        ``NAMED_VERTEX``; rows past ``length`` are padding.
    length : (C,) int64
        number of particles after N.
    """

    hard: np.ndarray
    keys: np.ndarray
    n_status: np.ndarray
    rows: np.ndarray
    length: np.ndarray

    def to_json(self) -> str:
        return json.dumps({
            "version": _VERSION,
            "hard_columns": [*KEY_CODES, "struck_pdg", "N_pdg"],
            "hard": self.hard.tolist(),
            "cascades": [{"N_pdg": int(k[0]), "channel": int(k[1]), "ell_minus_pdg": int(k[2]), "ell_plus_pdg": int(k[3]),
                          "nu_out_pdg": int(k[4]), "N_status": int(s),
                          "particles": [[int(r[0]), int(r[1]), int(r[2]), NAMED_P4[r[3]], NAMED_VERTEX[r[4]]]
                                        for r in rows[:ln]]}
                         for k, s, rows, ln in zip(self.keys, self.n_status, self.rows, self.length)],
        }, indent=0)

    @classmethod
    def from_templates(cls, hard, cascades) -> ParticleRecipe:
        """From ``hard`` rows (8 ints each) and ``cascades``: (key of 5 ints, N status, [(pdg, status, mother,
        named four-vector name, named vertex name), ...]). Raises ValueError on an inconsistent recipe."""
        hard = np.array(hard, dtype=np.int64).reshape(-1, len(KEY_CODES) + 2)
        if len({tuple(r[:len(KEY_CODES)]) for r in hard.tolist()}) != len(hard):
            raise ValueError("two hard-process rows have the same codes")
        keys, status, length = [], [], []
        width = max([len(c[2]) for c in cascades] or [0])
        rows = np.full((len(cascades), max(width, 1), 5), -1, np.int64)
        for j, (key, n_status, parts) in enumerate(cascades):
            if len(key) != 5:
                raise ValueError(f"cascade key {key!r}: 5 codes expected")
            keys.append([int(x) for x in key])
            status.append(int(n_status))
            length.append(len(parts))
            for i, (pdg, st, mother, p4, vtx) in enumerate(parts):
                if p4 not in NAMED_P4 or p4 in NAMED_P4[:4] or vtx not in NAMED_VERTEX:
                    raise ValueError(f"cascade {key}: particle {i} from {p4!r} at {vtx!r}: allowed {', '.join(NAMED_P4[4:])} "
                                     f"at {', '.join(NAMED_VERTEX)}")
                if not 3 <= int(mother) < 4 + i:
                    raise ValueError(f"cascade {key}: particle {4 + i} has mother {mother}: must be N (3) or an earlier particle")
                rows[j, i] = (int(pdg), int(st), int(mother), NAMED_P4.index(p4), NAMED_VERTEX.index(vtx))
        keys_a = np.array(keys, dtype=np.int64).reshape(-1, 5)
        if len({tuple(k) for k in keys_a.tolist()}) != len(keys_a):
            raise ValueError("two cascade templates have the same key")
        return cls(hard, keys_a, np.array(status, np.int64), rows, np.array(length, np.int64))

    @property
    def p4_names(self) -> tuple[str, ...]:
        """The named four-vector records, by their index in a template row."""
        return NAMED_P4

    @property
    def vertex_names(self) -> tuple[str, ...]:
        """The named vertices, by their index in a template row (0: the origin)."""
        return NAMED_VERTEX

    @functools.cached_property
    def tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The kernels' templates (module docstring, "Templates"): heads (H, 3, 5) from ``hard`` (beam, target, recoil)
        and tails (C, 1 + L, 5) from the cascades (N first, whose PDG is the key's and status ``n_status``)."""
        nh, nc = len(self.hard), len(self.keys)
        head = np.zeros((max(nh, 1), 3, 5), np.int64)
        for h in range(nh):
            proj, struck = self.hard[h, 0], self.hard[h, len(KEY_CODES)]
            head[h] = ((proj, _STATUS_BEAM, -1, 0, 0), (struck, _STATUS_TARGET, -1, 1, 0), (struck, _STATUS_FINAL, 0, 2, 0))
        tail = np.zeros((max(nc, 1), 1 + self.rows.shape[1], 5), np.int64)
        tail_len = np.zeros(max(nc, 1), np.int64)  # padded like the tables: never indexed for an event without a template
        for t in range(nc):
            tail[t, 0] = (self.keys[t, 0], self.n_status[t], 0, 3, 0)
            tail[t, 1:] = self.rows[t]
            tail_len[t] = 1 + self.length[t]
        return head, np.full(max(nh, 1), 3, np.int64), tail, tail_len

    def select(self, events: ak.Array) -> tuple[np.ndarray, np.ndarray]:
        """(head, tail) template of each event, -1 where none (``_plan``)."""
        n = len(events)
        codes = tuple(_col(column(events, k)) for k in KEY_CODES)
        casc = tuple(_col(column(events, k)) for k in ("channel", "ell_minus_pdg", "ell_plus_pdg", "nu_out_pdg"))
        dtype = np.result_type(*codes, *casc)  # int32 as generated and as stored: the generator's rows are read in place
        tmpl = np.full(n, -1, np.int64)
        hard = np.full(n, -1, np.int64)
        if n and len(self.hard) and len(self.keys):
            _plan(*_packed(codes, dtype), *_packed(casc, dtype), np.ascontiguousarray(self.hard),
                  np.ascontiguousarray(self.keys), tmpl, hard)
        return hard, tmpl

    @classmethod
    def from_json(cls, text: str) -> ParticleRecipe:
        """Parse ``to_json``'s text; ValueError names what is wrong."""
        try:
            d = json.loads(text)
            if d.get("version") != _VERSION:
                raise ValueError(f"version {d.get('version')!r}: this hnlgen reads version {_VERSION}")
            cascades = [((c["N_pdg"], c["channel"], c["ell_minus_pdg"], c["ell_plus_pdg"], c["nu_out_pdg"]), c["N_status"],
                         [tuple(p) for p in c["particles"]]) for c in d["cascades"]]
            return cls.from_templates(d["hard"], cascades)
        except (KeyError, TypeError, ValueError, json.JSONDecodeError) as err:
            raise ValueError(f"{RECIPE_KEY}: {err}") from None


@dataclass(frozen=True)
class NamedListRecipe:
    """The particle list of a source whose events name every record of it (meson decays, NA62 files): one template
    per value of the integer fields ``key_fields`` (NA62: ``channel``), each the whole list as rows of (PDG, status,
    mother index, index into ``four_vectors``, index into ``vertices``); ``vertices[0]`` is the origin (zeros).

    Attributes
    ----------
    four_vectors, vertices, key_fields : tuple of str
        Record names (four-vectors ``px, py, pz, E``; vertices ``x, y, z, t``) and the key fields.
    keys : (T, K) int64
        The key of each template.
    rows : (T, L, 5) int64
        The rows; rows past ``length`` are padding.
    length : (T,) int64
    """

    four_vectors: tuple
    vertices: tuple
    key_fields: tuple
    keys: np.ndarray
    rows: np.ndarray
    length: np.ndarray

    LAYOUT = "named_list"

    @property
    def p4_names(self) -> tuple[str, ...]:
        return self.four_vectors

    @property
    def vertex_names(self) -> tuple[str, ...]:
        return self.vertices

    @functools.cached_property
    def tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One empty head; the templates are the tails (one of length 0 when there are none)."""
        if len(self.keys) == 0:
            return np.zeros((1, 1, 5), np.int64), np.zeros(1, np.int64), np.zeros((1, 1, 5), np.int64), np.zeros(1, np.int64)
        return np.zeros((1, 1, 5), np.int64), np.zeros(1, np.int64), self.rows, self.length

    def select(self, events: ak.Array) -> tuple[np.ndarray, np.ndarray]:
        """(head 0, template) of each event, the template -1 where no key matches (``_match``)."""
        n = len(events)
        codes = np.empty((len(self.key_fields), n), np.int64)
        for i, k in enumerate(self.key_fields):
            codes[i] = column(events, k)
        tmpl = np.full(n, -1, np.int64)
        if len(self.keys):
            _match(codes, np.ascontiguousarray(self.keys), tmpl)
        return np.zeros(n, np.int64), tmpl

    def to_json(self) -> str:
        return json.dumps({
            "version": _VERSION, "layout": self.LAYOUT, "four_vectors": list(self.four_vectors),
            "vertices": list(self.vertices), "key_fields": list(self.key_fields),
            "templates": [{"key": [int(x) for x in k],
                           "particles": [[int(r[0]), int(r[1]), int(r[2]), self.four_vectors[r[3]], self.vertices[r[4]]]
                                         for r in rows[:ln]]}
                          for k, rows, ln in zip(self.keys, self.rows, self.length)],
        }, indent=0)

    @classmethod
    def from_templates(cls, four_vectors, vertices, key_fields, templates) -> NamedListRecipe:
        """From the record names and ``templates``: (key, [(pdg, status, mother, four-vector name, vertex name), ...]).
        Raises ValueError on an inconsistent recipe."""
        four_vectors, vertices, key_fields = tuple(four_vectors), tuple(vertices), tuple(key_fields)
        if not vertices or vertices[0] != "origin":
            raise ValueError(f"vertices {list(vertices)}: the first must be 'origin'")
        width = max([len(p) for _k, p in templates] or [1])
        rows = np.full((len(templates), width, 5), -1, np.int64)
        keys, length = [], []
        for j, (key, parts) in enumerate(templates):
            if len(key) != len(key_fields):
                raise ValueError(f"template key {list(key)}: {len(key_fields)} values expected ({', '.join(key_fields)})")
            keys.append([int(x) for x in key])
            length.append(len(parts))
            for i, (pdg, st, mother, p4, vtx) in enumerate(parts):
                if p4 not in four_vectors or vtx not in vertices:
                    raise ValueError(f"template {list(key)}: particle {i} from {p4!r} at {vtx!r}: allowed "
                                     f"{', '.join(four_vectors)} at {', '.join(vertices)}")
                if not -1 <= int(mother) < i:
                    raise ValueError(f"template {list(key)}: particle {i} has mother {mother}: must be -1 or an earlier particle")
                rows[j, i] = (int(pdg), int(st), int(mother), four_vectors.index(p4), vertices.index(vtx))
        keys_a = np.array(keys, dtype=np.int64).reshape(-1, len(key_fields))
        if len({tuple(k) for k in keys_a.tolist()}) != len(keys_a):
            raise ValueError("two templates have the same key")
        return cls(four_vectors, vertices, key_fields, keys_a, rows, np.array(length, np.int64))

    @classmethod
    def from_json(cls, text: str) -> NamedListRecipe:
        """Parse ``to_json``'s text; ValueError names what is wrong."""
        try:
            d = json.loads(text)
            if d.get("version") != _VERSION or d.get("layout") != cls.LAYOUT:
                raise ValueError(f"version {d.get('version')!r}, layout {d.get('layout')!r}: this hnlgen reads version "
                                 f"{_VERSION} of {cls.LAYOUT!r}")
            return cls.from_templates(d["four_vectors"], d["vertices"], d["key_fields"],
                                      [(t["key"], [tuple(p) for p in t["particles"]]) for t in d["templates"]])
        except (KeyError, TypeError, ValueError, json.JSONDecodeError) as err:
            raise ValueError(f"{RECIPE_KEY}: {err}") from None


def recipe_from_json(text: str) -> ParticleRecipe | NamedListRecipe:
    """The recipe a compact file stores (its metadata ``particles_recipe``), of either layout; ValueError names what
    is wrong."""
    try:
        layout = json.loads(text).get("layout")
    except (json.JSONDecodeError, AttributeError) as err:
        raise ValueError(f"{RECIPE_KEY}: {err}") from None
    if layout is None:  # the upscattering recipe (hnlgen's first layout, which names none)
        return ParticleRecipe.from_json(text)
    if layout != NamedListRecipe.LAYOUT:
        raise ValueError(f"{RECIPE_KEY}: layout {layout!r}: this hnlgen reads {NamedListRecipe.LAYOUT!r} or none")
    return NamedListRecipe.from_json(text)


@jit(nogil=True)
def _match(codes, keys, tmpl):  # pragma: no cover - jitted
    """``tmpl[e]``: the row of ``keys`` (T, K) equal to ``codes[:, e]`` (K, n), -1 if none; linear scans of the small
    table, starting at the previous event's match."""
    nk, kw = keys.shape
    last = 0
    for e in range(codes.shape[1]):
        for q in range(nk):
            r = last + q
            if r >= nk:
                r -= nk
            same = True
            for c in range(kw):
                if keys[r, c] != codes[c, e]:
                    same = False
                    break
            if same:
                tmpl[e] = r
                last = r
                break


@jit(nogil=True)
def _plan(codes, sc, casc, scc, hard_tab, keys, tmpl, hard):  # pragma: no cover - jitted
    """Template ``tmpl[e]`` and hard-process row ``hard[e]`` of each event (-1 if none): ``codes`` are the
    ``KEY_CODES`` (code c of event e at ``codes[c sc + e]``, ``_packed``), ``casc`` ``channel``, ``ell_minus_pdg``,
    ``ell_plus_pdg``, ``nu_out_pdg`` (at ``casc[c scc + e]``). Linear scans of the small tables (tens of rows),
    starting at the previous event's match (a comparison and a subtraction to wrap, not a division)."""
    n = tmpl.shape[0]
    nh, nk = hard_tab.shape[0], keys.shape[0]
    h_last, t_last = 0, 0
    for e in range(n):
        h = -1
        for q in range(nh):
            r = h_last + q
            if r >= nh:
                r -= nh
            same = True
            for c in range(6):
                if hard_tab[r, c] != codes[c * sc + e]:
                    same = False
                    break
            if same:
                h = r
                break
        hard[e] = h
        tmpl[e] = -1
        if h < 0:
            continue
        h_last = h
        n_pdg = hard_tab[h, 7]
        ch, lm, lp, nu = casc[e], casc[scc + e], casc[2 * scc + e], casc[3 * scc + e]
        for q in range(nk):
            r = t_last + q
            if r >= nk:
                r -= nk
            if keys[r, 0] == n_pdg and keys[r, 1] == ch and keys[r, 2] == lm and keys[r, 3] == lp and keys[r, 4] == nu:
                tmpl[e] = r
                t_last = r
                break


@jitable
def _expected(slot, h, t, head, head_len, tail, tail_len):  # pragma: no cover - jitted
    """(pdg, status, mother, named four-vector index, named vertex index) of particle ``slot`` of an event with head
    ``h`` and tail ``t`` (module docstring, "Templates")."""
    nh = head_len[h]
    if slot < nh:
        return head[h, slot, 0], head[h, slot, 1], head[h, slot, 2], head[h, slot, 3], head[h, slot, 4]
    j = slot - nh
    return tail[t, j, 0], tail[t, j, 1], tail[t, j, 2], tail[t, j, 3], tail[t, j, 4]


@jit(nogil=True)
def _check(hsel, tsel, head, head_len, tail, tail_len, p4, sp, vtx, sv, off, pdg, status, parent, kin, ok):  # pragma: no cover
    """``ok[e]``: event e has a template (``hsel[e]``, ``tsel[e]`` >= 0) and its stored list (``off``, ``pdg``,
    ``status``, ``parent``, ``kin``: the 8 float columns) equals the rebuild from the named four-vectors ``p4`` and
    vertices ``vtx`` (``_packed``: component c of four-vector i is ``p4[(4 i + c) sp + e]``; of vertex i after the
    origin, x y z t, ``vtx[(4 i + c) sv + e]``).

    Event by event, row by row, all eleven fields of a row at once, leaving the event at its first difference: each
    row's template entry is read once instead of once per column (session 8's column-by-column passes). The check
    costs its instructions, not its reads (the same time on a chunk just written, in the cache, as on a cold one);
    ``rebuildable`` 199 -> 157 ns per light-Z' event at LLVM -O1 (issue 16, session 11, 6 alternating runs)."""
    k0, k1, k2, k3, k4, k5, k6, k7 = kin
    for e in range(hsel.shape[0]):
        h, t = hsel[e], tsel[e]
        good = h >= 0 and t >= 0
        if good:
            good = off[e + 1] - off[e] == head_len[h] + tail_len[t]
        r = off[e]
        # the head's rows (part 0), then the tail's (part 1); no call per row: a numba call with array arguments
        # costs their reference counts, more than the comparisons (written out here for that reason)
        for part in range(2):
            if not good:
                break
            for j in range(head_len[h] if part == 0 else tail_len[t]):
                if part == 0:
                    pp, st, mo, ip, iv = head[h, j, 0], head[h, j, 1], head[h, j, 2], head[h, j, 3], head[h, j, 4]
                else:
                    pp, st, mo, ip, iv = tail[t, j, 0], tail[t, j, 1], tail[t, j, 2], tail[t, j, 3], tail[t, j, 4]
                q = 4 * ip * sp + e
                same = pdg[r] == pp and status[r] == st and parent[r] == mo
                same &= k0[r] == p4[q] and k1[r] == p4[q + sp] and k2[r] == p4[q + 2 * sp] and k3[r] == p4[q + 3 * sp]
                if iv == 0:
                    same &= k4[r] == 0.0 and k5[r] == 0.0 and k6[r] == 0.0 and k7[r] == 0.0
                else:
                    q = 4 * (iv - 1) * sv + e
                    same &= k4[r] == vtx[q] and k5[r] == vtx[q + sv] and k6[r] == vtx[q + 2 * sv] and k7[r] == vtx[q + 3 * sv]
                r += 1
                if not same:
                    good = False
                    break
        ok[e] = good


@jit(nogil=True)
def _fill(hsel, tsel, head, head_len, tail, tail_len, p4, sp, vtx, sv, s_off, s_pdg, s_status, s_parent, s_kin,
          off, pdg, status, parent, kin):  # pragma: no cover - jitted
    """The full list: stored rows where the stored list is not empty, the rebuild where it is (``off`` given;
    ``p4``, ``sp``, ``vtx``, ``sv`` as in ``_check``)."""
    for e in range(hsel.shape[0]):
        o = off[e]
        if s_off[e + 1] > s_off[e]:
            for slot in range(s_off[e + 1] - s_off[e]):
                r = s_off[e] + slot
                pdg[o + slot] = s_pdg[r]
                status[o + slot] = s_status[r]
                parent[o + slot] = s_parent[r]
                for c in range(8):
                    kin[c][o + slot] = s_kin[c][r]
            continue
        h, t = hsel[e], tsel[e]
        for slot in range(head_len[h] + tail_len[t]):
            pp, st, mo, ip, iv = _expected(slot, h, t, head, head_len, tail, tail_len)
            pdg[o + slot] = pp
            status[o + slot] = st
            parent[o + slot] = mo
            for c in range(4):
                kin[c][o + slot] = p4[(4 * ip + c) * sp + e]
                kin[4 + c][o + slot] = 0.0 if iv == 0 else vtx[(4 * (iv - 1) + c) * sv + e]


def _packed(cols: tuple[np.ndarray, ...], dtype) -> tuple[np.ndarray, int]:
    """``cols`` (1-d, one length n) as one flat array and the distance s between two columns in it, so that
    ``flat[i * s + e]`` is ``cols[i][e]``: the kernels then read every named column through one array (a tuple of
    arrays indexed at run time costs more: 124 against 94 ns per light-Z' event in a prototype of the check). A view when the columns are equally spaced rows of one array, as the
    generators write them (``gen.core.events.ColumnBuffer``, NA62's ``EventColumns``); otherwise a copy (~55 ns per
    light-Z' event)."""
    n = len(cols[0]) if cols else 0
    if n and all(c.dtype == dtype and c.ndim == 1 and len(c) == n and c.flags.c_contiguous for c in cols):
        base = cols[0].base
        ptr = [c.__array_interface__["data"][0] for c in cols]
        size = np.dtype(dtype).itemsize
        step = ptr[1] - ptr[0] if len(cols) > 1 else n * size
        if (isinstance(base, np.ndarray) and base.flags.c_contiguous and base.flags.writeable and step >= n * size
                and step % size == 0 and all(c.base is base for c in cols)
                and all(q == ptr[0] + i * step for i, q in enumerate(ptr))):
            s = step // size
            start, end = base.__array_interface__["data"][0], base.__array_interface__["data"][0] + base.nbytes
            if start <= ptr[0] and ptr[0] + ((len(cols) - 1) * s + n) * size <= end:  # inside the one allocation
                return np.lib.stride_tricks.as_strided(cols[0], shape=((len(cols) - 1) * s + n,), strides=(size,)), s
    if not cols:
        return np.zeros(1, dtype), 0
    return np.concatenate([np.asarray(c, dtype) for c in cols]), n


def _col(a, dtype=None) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(a) if dtype is None else np.asarray(a, dtype=dtype))


def _inputs(events: ak.Array, recipe):
    """(hsel, tsel, the kernels' common inputs: templates, the named four-vectors and vertices packed by ``_packed``
    with their column distances) of ``events``."""
    hsel, tsel = recipe.select(events)
    p4 = tuple(_col(column(events, name, c)) for name in recipe.p4_names for c in _P4)
    dtype = p4[0].dtype
    vtx = tuple(_col(column(events, name, c), dtype) for name in recipe.vertex_names[1:] for c in _X4)
    return hsel, tsel, (*recipe.tables, *_packed(p4, dtype), *_packed(vtx, dtype))


def _flat(particles: ak.Array):
    layout = ak.to_packed(particles).layout
    offsets = np.asarray(layout.offsets, dtype=np.int64)
    content = layout.content
    return offsets - offsets[0], {k: _col(content[k].data) for k in PARTICLE_FIELDS}


def rebuildable(events: ak.Array, recipe: ParticleRecipe | NamedListRecipe) -> np.ndarray:
    """Boolean mask of the events whose stored ``particles`` equal, exactly, the rebuild from their named records.

    Exact comparison of every field (the rebuild copies the very numbers the generator copied into both
    records); an event without a template is not rebuildable.
    """
    hsel, tsel, common = _inputs(events, recipe)
    off, cols = _flat(events["particles"])
    ok = np.empty(len(events), np.bool_)
    kin = tuple(cols[k].astype(common[4].dtype, copy=False) for k in PARTICLE_FIELDS[3:])
    _check(hsel, tsel, *common, off, cols["pdg"], cols["status"], cols["parent"], kin, ok)
    return ok


def compact_particles(particles: ak.Array, mask: np.ndarray) -> ak.Array:
    """``particles`` with the lists of the events in ``mask`` emptied (what the compact record stores)."""
    if not mask.any():
        return particles
    off, cols = _flat(particles)
    cnt = np.diff(off)
    new_off = np.zeros(len(cnt) + 1, np.int64)
    np.cumsum(np.where(mask, 0, cnt), out=new_off[1:])
    # the rows of the kept events only (few where the record pays), instead of a boolean mask over every row
    kept = np.flatnonzero(~mask)
    rows = np.arange(int(new_off[-1]), dtype=np.int64) + np.repeat(off[kept] - new_off[kept], cnt[kept])
    return _list(new_off, {k: v[rows] for k, v in cols.items()})


def _list(offsets: np.ndarray, cols: dict[str, np.ndarray]) -> ak.Array:
    flat = ak.contents.RecordArray([ak.contents.NumpyArray(cols[k]) for k in PARTICLE_FIELDS], list(PARTICLE_FIELDS),
                                   length=int(offsets[-1]))
    return ak.Array(ak.contents.ListOffsetArray(ak.index.Index64(offsets), flat))


def rebuild_particles(events: ak.Array, recipe: ParticleRecipe | NamedListRecipe, stored: ak.Array | None = None) -> ak.Array:
    """The full ``particles`` of ``events`` read from a compact record: an empty stored list (``stored``, default
    ``events.particles``; ``events[COMPACT_FIELD]`` of a compact file) is rebuilt from the event's named records,
    a non-empty one is kept (every event of either source has particles, so an empty list only means "rebuild").
    Raises ValueError naming an event whose list is empty and that has no template (a file
    that does not belong with its recipe)."""
    hsel, tsel, common = _inputs(events, recipe)
    s_off, s_cols = _flat(events["particles"] if stored is None else stored)
    s_cnt = np.diff(s_off)
    empty = s_cnt == 0
    bad = empty & ((hsel < 0) | (tsel < 0))
    if bad.any():
        raise ValueError(f"event {int(np.flatnonzero(bad)[0])}: empty particle list and no template in {RECIPE_KEY}")
    _head, head_len, _tail, tail_len = common[:4]
    cnt = np.where(empty, head_len[np.maximum(hsel, 0)] + tail_len[np.maximum(tsel, 0)], s_cnt)
    off = np.zeros(len(cnt) + 1, np.int64)
    np.cumsum(cnt, out=off[1:])
    total = int(off[-1])
    dtype = common[4].dtype
    out = {k: np.empty(total, s_cols[k].dtype if k in ("pdg", "status", "parent") else dtype) for k in PARTICLE_FIELDS}
    s_kin = tuple(s_cols[k].astype(dtype, copy=False) for k in PARTICLE_FIELDS[3:])
    _fill(hsel, tsel, *common, s_off, s_cols["pdg"], s_cols["status"], s_cols["parent"], s_kin, off, out["pdg"],
          out["status"], out["parent"], tuple(out[k] for k in PARTICLE_FIELDS[3:]))
    return _list(off, out)


def warm_kernels(named_list: bool = False) -> None:
    """Compile (or load) the kernels ``EventWriter`` runs on the compact record of full chunks, with the generator's
    types (int32 particle codes, float64 columns), instead of the writer thread compiling them on the first chunk
    (holding the GIL). ``hnlgen run`` does not need them since session 12 (its generators' kernels make the compact
    record); ``hnlgen bench``'s "writer's check" lever and library users writing full chunks do. The check is one
    specialisation for both layouts (the named columns come packed, ``_packed``); the template selection is the
    upscattering layout's ``_plan`` by default, ``NamedListRecipe``'s ``_match`` with ``named_list``."""
    i64, f64, i32 = np.zeros(1, np.int64), np.zeros(1), np.zeros(1, np.int32)
    tmpl, hard = np.full(1, -1, np.int64), np.full(1, -1, np.int64)
    if named_list:
        _match(np.zeros((1, 1), np.int64), np.zeros((1, 1), np.int64), tmpl)
    else:
        hard_tab, keys = np.zeros((1, len(KEY_CODES) + 2), np.int64), np.zeros((1, 5), np.int64)
        _plan(i32, 1, i32.copy(), 1, hard_tab, keys, tmpl, hard)
    t3 = np.zeros((1, 1, 5), np.int64)
    _check(hard, tmpl, t3, i64, t3.copy(), i64.copy(), f64, 0, f64.copy(), 0,
           np.zeros(2, np.int64), i32, i32.copy(), i32.copy(), (f64,) * 8, np.zeros(1, np.bool_))
