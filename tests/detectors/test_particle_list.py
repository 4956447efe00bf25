"""The compact record: the particle list rebuilt from the named records (issue 16, detectors.output.particle_list).

The claim is exactness: a compact file reads back (``read_events``) to the very array of a full-record file,
bit for bit, for every bundled upscattering card, both layouts and both precisions, and whatever the recipe
says (a wrong template makes the file bigger, never different). No tolerance anywhere.
"""

from __future__ import annotations

import json
import pathlib

import awkward as ak
import numpy as np
import pytest
import uproot

from detectors.output import particle_list as PL
from detectors.output import root as R
from detectors.output.root import EventWriter, read_events, read_metadata
from gen.card import load_card
from gen.core.events import particles_recipe
from gen.sources.upscattering import generate, prepare
from physics import pdg as P

CARDS = pathlib.Path(__file__).resolve().parents[2] / "cards"
N = 6000


def _recipe_and_events(name: str, n: int = N, seed: int = 11):
    card = load_card(CARDS / name)
    setup = prepare(card, seed=seed, adapt=False)  # no pilot runs: the grids' efficiency does not matter here
    plan = particles_recipe(setup.graph, setup.ch_codes, setup.ch_root, setup.ch_prob)
    return plan.recipe, generate(card, n_events=n, seed=seed, setup=setup), plan.coverage


@pytest.fixture(scope="module")
def light():
    return _recipe_and_events("miniboone_light_zprime.toml")


@pytest.fixture(scope="module")
def heavy():
    return _recipe_and_events("three_portal_heavy_zprime.toml")


def _write(path, events, record, recipe=None, **kw):
    with EventWriter(path, record=record, particles_recipe=recipe, **kw) as w:
        for start in range(0, len(events), 2500):  # several chunks: the check runs per chunk
            w.write(events[start:start + 2500])
        n_compacted = w.n_compacted
    return n_compacted


def _same(a: ak.Array, b: ak.Array) -> bool:
    return a.fields == b.fields and a.type == b.type and ak.array_equal(a, b, equal_nan=True)


def _named_only(events: ak.Array) -> np.ndarray:
    """Independent of the recipe: events whose particles after N are at most one each of Z', final l-, l+ and
    light neutrino, and nothing else."""
    out = np.zeros(len(events), bool)
    for i, (pdg, st) in enumerate(zip(ak.to_list(events.particles.pdg), ak.to_list(events.particles.status))):
        rest = [(p, s) for p, s in zip(pdg[4:], st[4:])]
        kinds = []
        for p, s in rest:
            if p == P.ZPRIME:
                kinds.append("Z")
            elif s == 1 and p in P.CHARGED_LEPTONS:
                kinds.append("l-")
            elif s == 1 and -p in P.CHARGED_LEPTONS:
                kinds.append("l+")
            elif s == 1 and abs(p) in P.LIGHT_NEUTRINOS:
                kinds.append("nu")
            else:
                kinds.append("other")
        out[i] = "other" not in kinds and len(kinds) == len(set(kinds))
    return out


@pytest.mark.parametrize("fmt, precision", [("ttree", "mixed"), ("rntuple", "double")])  # both layouts, both precisions
def test_compact_reads_back_as_full(light, tmp_path, fmt, precision):
    recipe, ev, _ = light
    full, compact = tmp_path / "full.root", tmp_path / "compact.root"
    _write(full, ev, "full", format=fmt, precision=precision)
    n_c = _write(compact, ev, "compact", recipe, format=fmt, precision=precision)
    assert _same(read_events(compact), read_events(full))
    # partial reads too (entry ranges cut across the stored lists)
    assert _same(read_events(compact, 1000, 4321), read_events(full, 1000, 4321))
    # what the file holds: empty lists exactly for the compacted events, the others in full
    stored = uproot.open(compact)["events"][f"n{PL.COMPACT_FIELD}"].array(library="np")
    assert (stored == 0).sum() == n_c
    assert compact.stat().st_size < 0.7 * full.stat().st_size
    assert json.loads(read_metadata(compact)[PL.RECIPE_KEY])["version"] == 1


def _within_binomial(coverage: float, mask: np.ndarray) -> bool:
    """The recipe's expected fraction against the fraction of generated events: 4 binomial sigma (+1/N)."""
    return abs(mask.mean() - coverage) <= 4.0 * np.sqrt(coverage * (1.0 - coverage) / len(mask)) + 1.0 / len(mask)


def test_light_zprime_lists_are_compacted_except_other_cascades(light, tmp_path):
    recipe, ev, coverage = light
    mask = PL.rebuildable(ev, recipe)
    # every N -> nu Z' -> nu l+ l- event is rebuilt; the others (Z' -> nu nu, rare N channels) keep their list
    assert np.array_equal(mask, _named_only(ev))
    assert mask.mean() > 0.99 and _within_binomial(coverage, mask)


def test_heavy_cascades(heavy, tmp_path):
    recipe, ev, coverage = heavy
    mask = PL.rebuildable(ev, recipe)
    assert np.array_equal(mask, _named_only(ev))
    assert 0.2 < mask.mean() < 0.9 and _within_binomial(coverage, mask)  # three-portal card: N5, N6 steps keep their lists
    full, compact = tmp_path / "full.root", tmp_path / "compact.root"
    _write(full, ev, "full", precision="mixed")
    _write(compact, ev, "compact", recipe, precision="mixed")
    assert _same(read_events(compact), read_events(full))


def test_a_changed_list_is_stored_not_lost(light, tmp_path):
    """The writer compares every event with the rebuild: a list that differs in one number is written in full."""
    recipe, ev, _ = light
    layout = ak.to_packed(ev.particles).layout
    px = np.asarray(layout.content["px"].data).copy()
    off = np.asarray(layout.offsets)
    px[off[17] + 6] += 1e-9  # event 17, its e+
    content = layout.content
    new = ak.contents.RecordArray([ak.contents.NumpyArray(px) if k == "px" else content[k] for k in content.fields],
                                  content.fields, length=content.length)
    changed = ak.with_field(ev, ak.Array(ak.contents.ListOffsetArray(layout.offsets, new)), "particles")
    assert PL.rebuildable(ev, recipe)[17] and not PL.rebuildable(changed, recipe)[17]
    path = tmp_path / "c.root"
    _write(path, changed, "compact", recipe)
    back = read_events(path)
    assert back.particles.px[17][6] == px[off[17] + 6]
    assert _same(back, read_events(_full_copy(tmp_path, changed)))


def test_every_number_of_the_list_is_compared(light):
    """The check compares every field of every row (issue 16): a change of any of the 8 floats of any particle, hard
    process or cascade, makes that event, and only that event, not rebuildable; so does a changed code."""
    recipe, ev, _ = light
    layout = ak.to_packed(ev.particles).layout
    content, off = layout.content, np.asarray(layout.offsets)
    base = PL.rebuildable(ev, recipe)
    e = int(np.flatnonzero(base)[3])
    for field in PL.PARTICLE_FIELDS:
        for slot in range(off[e + 1] - off[e]):
            col = np.asarray(content[field].data).copy()
            col[off[e] + slot] += 1 if field in ("pdg", "status", "parent") else 1e-9
            new = ak.contents.RecordArray([ak.contents.NumpyArray(col) if k == field else content[k] for k in content.fields],
                                          content.fields, length=content.length)
            mask = PL.rebuildable(ak.with_field(ev, ak.Array(ak.contents.ListOffsetArray(layout.offsets, new)), "particles"), recipe)
            assert not mask[e], (field, slot)
            assert np.array_equal(np.delete(mask, e), np.delete(base, e)), (field, slot)


def test_rebuildable_reads_views_of_the_events(light):
    """The check reads the named records from the layout (``detectors.common.columns.column``, issue 16): a range of the
    events, a boolean selection (indexed contents, read through awkward) and a record whose contents are longer
    than the record give the mask of the same events."""
    recipe, ev, _ = light
    base = PL.rebuildable(ev, recipe)
    assert base.any() and not base.all()
    sel = np.arange(len(ev)) % 3 != 0
    assert np.array_equal(PL.rebuildable(ev[5:1000], recipe), base[5:1000])
    assert np.array_equal(PL.rebuildable(ev[sel], recipe), base[sel])
    layout = ev.layout
    short = ak.Array(ak.contents.RecordArray(layout.contents, layout.fields, length=len(ev) - 7))
    assert np.array_equal(PL.rebuildable(short, recipe), base[:-7])


def test_every_named_number_is_compared(light):
    """The check reads the named records through ``_packed`` (one flat array and a column distance, issue 16,
    session 11): the last bit of any component of any named four-vector or vertex, changed in one event, makes that
    event, and only that event, not rebuildable."""
    recipe, ev, _ = light
    base = PL.rebuildable(ev, recipe)
    e = int(np.flatnonzero(base)[3])
    named = [(name, c) for name in recipe.p4_names for c in PL._P4] + [(name, c) for name in recipe.vertex_names[1:] for c in PL._X4]
    assert len(named) == 40
    for name, c in named:
        col = PL.column(ev, name, c).copy()
        col[e] = np.nextafter(col[e], np.inf)
        mask = PL.rebuildable(ak.with_field(ev, col, [name, c]), recipe)
        assert not mask[e], (name, c)
        assert np.array_equal(np.delete(mask, e), np.delete(base, e)), (name, c)


def test_named_columns_are_packed_without_a_copy(light):
    """``_packed``: the generator's named columns (equally spaced rows of one array, ``gen.core.events.ColumnBuffer``)
    are read as one view; columns that are not (separate arrays, another dtype, unequal distances, another order) as a
    copy. Either way ``flat[i * s + e]`` is column i's event e, and the check gives the same mask."""
    recipe, ev, _ = light
    n = len(ev)
    cols = tuple(PL._col(PL.column(ev, name, c)) for name in recipe.p4_names for c in PL._P4)
    flat, s = PL._packed(cols, np.float64)
    assert flat.base is not None and s >= n and np.may_share_memory(flat, cols[-1])  # a view of the buffer
    rows = np.arange(3 * 10).reshape(3, 10).astype(float)
    cases = {"view": (cols, True), "separate arrays": (tuple(c.copy() for c in cols), False),
             "float32": (tuple(c.astype(np.float32) for c in cols), False), "unequal distances": ((rows[0], rows[2], rows[1]), False),
             "one row": ((rows[1],), True)}
    for what, (cs, view) in cases.items():
        flat, s = PL._packed(cs, np.float64)
        assert flat.dtype == np.float64 and np.may_share_memory(flat, cs[0]) == view, what
        for i, c in enumerate(cs):
            assert np.array_equal(flat[i * s:i * s + len(c)], c), (what, i)
    copied = ak.Array({k: ak.copy(ev[k]) for k in ev.fields}, with_name=None)  # every column its own array
    assert not np.may_share_memory(PL._packed(tuple(PL._col(PL.column(copied, "N", c)) for c in PL._P4), np.float64)[0],
                                   PL.column(copied, "N", "px"))
    assert np.array_equal(PL.rebuildable(copied, recipe), PL.rebuildable(ev, recipe))


def _full_copy(tmp_path, events):
    path = tmp_path / "f.root"
    _write(path, events, "full")
    return path


def test_a_wrong_template_only_costs_bytes(light, tmp_path):
    recipe, ev, _ = light
    rows = recipe.rows.copy()
    rows[:, [0, 1]] = rows[:, [1, 0]]  # swap the first two particles after N in every template
    wrong = PL.ParticleRecipe(recipe.hard, recipe.keys, recipe.n_status, rows, recipe.length)
    path = tmp_path / "w.root"
    assert _write(path, ev, "compact", wrong) == 0
    assert _same(read_events(path), ev)


def test_recipe_json_round_trip_and_refusals(light, tmp_path):
    recipe, ev, _ = light
    again = PL.ParticleRecipe.from_json(recipe.to_json())
    for k in ("hard", "keys", "n_status", "rows", "length"):
        assert np.array_equal(getattr(again, k), getattr(recipe, k)), k
    for bad, what in (("{", "particles_recipe"), ('{"version": 9}', "version 9"),
                      (recipe.to_json().replace('"ell_minus"', '"photon"', 1), "'photon'")):
        with pytest.raises(ValueError, match=what):
            PL.ParticleRecipe.from_json(bad)
    # a file whose recipe was replaced by one without the templates its empty lists need: one line naming the file
    path = tmp_path / "c.root"
    _write(path, ev, "compact", recipe)
    empty = PL.ParticleRecipe.from_templates(recipe.hard.tolist(), [])
    with uproot.update(path) as f:
        f[PL.RECIPE_KEY] = empty.to_json()
    with pytest.raises(R.InputFileError, match="c.root: event 0: empty particle list and no template"):
        read_events(path)


def test_writer_contract(light, tmp_path):
    from gen.core import kernels as K

    recipe, ev, _ = light
    # the hard-process status codes the rebuild writes are the generator's (two layers, one convention)
    assert (PL._STATUS_FINAL, PL._STATUS_BEAM, PL._STATUS_TARGET) == (K.STATUS_FINAL, K.STATUS_BEAM, K.STATUS_TARGET)
    with pytest.raises(ValueError, match="go together"):
        EventWriter(tmp_path / "a.root", record="compact")
    with pytest.raises(ValueError, match="go together"):
        EventWriter(tmp_path / "b.root", record="full", particles_recipe=recipe)
    with pytest.raises(ValueError, match="written by the writer"):
        with EventWriter(tmp_path / "c.root", record="compact", particles_recipe=recipe) as w:
            w.write(ev[:10])
            w.metadata[PL.RECIPE_KEY] = "{}"
    assert not (tmp_path / "c.root").exists()
    with pytest.raises(ValueError, match="needs events with the particle list"):
        with EventWriter(tmp_path / "d.root", record="compact", particles_recipe=recipe) as w:
            w.write(ak.without_field(ev[:10], "particles"))
    assert not (tmp_path / "d.root").exists()


def test_recipe_templates_hold_only_named_particles(light):
    recipe, _, _ = light
    # light-Z' card: N -> nu Z' (Z' -> l+ l-) and N -> nu l+ l- (three-body) templates, nothing else
    for key, rows, ln in zip(recipe.keys, recipe.rows, recipe.length):
        names = [PL.NAMED_P4[r[3]] for r in rows[:ln]]
        assert sorted(names) in (sorted(["nu_out", "Zprime", "ell_minus", "ell_plus"]), sorted(["nu_out", "ell_minus", "ell_plus"])), key
        assert key[2] in P.CHARGED_LEPTONS and -key[3] in P.CHARGED_LEPTONS and abs(key[4]) in P.LIGHT_NEUTRINOS


def test_reweighted_compact_file_equals_reweighted_full_file(tmp_path):
    """``hnlgen reweight`` of a compact file: a compact file again (the vertices move with the lifetimes, the
    named records with them), whose events are those of the reweighted full file, bit for bit."""
    from gen.cli.app import main
    from gen.reweight.upscattering import reweight_file

    full, compact = tmp_path / "full.root", tmp_path / "compact.root"
    card = str(CARDS / "miniboone_light_zprime.toml")
    assert main(["run", card, "-n", "4000", "-o", str(full), "--record", "full"]) == 0
    assert main(["run", card, "-n", "4000", "-o", str(compact)]) == 0
    # gD / 3: N lifetime x 9, every N_decay_vertex and ell_vertex moves; the BRs of the routes the sample may lack
    # (Z' -> nu nu, 5e-4) stay below the route check's 0.1/sqrt(N)
    change = {"gD": (4 * np.pi * 0.25) ** 0.5 / 3}
    out_f, tot_f = reweight_file(full, tmp_path / "rf.root", **change)
    out_c, tot_c = reweight_file(compact, tmp_path / "rc.root", **change)
    assert tot_f == tot_c
    a, b = read_events(out_c), read_events(out_f)
    assert _same(a, b)
    assert not np.array_equal(ak.to_numpy(a.N_decay_vertex.z), ak.to_numpy(read_events(compact).N_decay_vertex.z))
    assert PL.RECIPE_KEY in read_metadata(out_c) and PL.RECIPE_KEY not in read_metadata(out_f)
    assert (uproot.open(out_c)["events"][f"n{PL.COMPACT_FIELD}"].array(library="np") == 0).mean() > 0.99


def test_default_record_follows_the_coverage(light, heavy):
    """``hnlgen run`` writes compact where it saves CPU (coverage >= COMPACT_MIN_COVERAGE): the light-Z' card
    (99.9%) and, since the event kernel makes the record, the three-portal card (~64%); not a card below."""
    from gen.core.events import COMPACT_MIN_COVERAGE, CompactPlan

    assert CompactPlan(light[0], light[2]).record == "compact" and light[2] > 0.999
    assert CompactPlan(heavy[0], heavy[2]).record == "compact" and COMPACT_MIN_COVERAGE <= heavy[2] < 0.9
    assert CompactPlan(heavy[0], COMPACT_MIN_COVERAGE * 0.99).record == "full"
    assert CompactPlan(None, 1.0).record == "full"
    # what hnlgen run and hnlgen bench hand the writer
    assert CompactPlan(heavy[0], COMPACT_MIN_COVERAGE * 0.99).choose() == ("full", None)
    assert CompactPlan(heavy[0], heavy[2]).choose() == ("compact", heavy[0])
    assert CompactPlan(heavy[0], heavy[2]).choose("compact") == ("compact", heavy[0])
    assert CompactPlan(None, 0.0).choose("compact") == ("full", None)
    assert CompactPlan(light[0], light[2]).choose("slim") == ("slim", None)


# ------------------------------------------------------------------ NA62 files: the named-list recipe
def _na62(name: str, n: int = N, seed: int = 5):
    from gen.sources.meson_decay_run import NA62Setup, generate_na62, na62_particles_recipe

    card = load_card(CARDS / name)
    return na62_particles_recipe(NA62Setup(card)), generate_na62(card, n, seed, reconstruct=True)


@pytest.fixture(scope="module")
def na62_light():
    return _na62("na62_light_zprime.toml")


@pytest.fixture(scope="module")
def na62_heavy():
    return _na62("na62_heavy_zprime.toml")


@pytest.mark.parametrize("which, fmt, precision", [("na62_light", "ttree", "mixed"), ("na62_heavy", "rntuple", "double")])
def test_na62_compact_reads_back_as_full(request, tmp_path, which, fmt, precision):
    """Every NA62 event's list is held by its named records (N -> nu Z' -> nu l l and the three-body route): the
    compact file stores no list and reads back to the full file's array, bit for bit."""
    plan, ev = request.getfixturevalue(which)
    assert isinstance(plan.recipe, PL.NamedListRecipe) and plan.coverage == 1.0 and plan.record == "compact"
    c, f = tmp_path / "c.root", tmp_path / "f.root"
    assert _write(c, ev, "compact", plan.recipe, format=fmt, precision=precision) == len(ev)
    _write(f, ev, "full", format=fmt, precision=precision)
    assert _same(read_events(c), read_events(f))
    if precision == "double":
        assert _same(read_events(c), ev)
    # the list was ~45% of an NA62 event's bytes (789 -> 430 B per event at 2e5 light-Z' events)
    if fmt == "ttree":
        size = [sum(b.compressed_bytes for b in uproot.open(p)["events"].branches) for p in (c, f)]
        assert size[0] < 0.6 * size[1]


def test_na62_templates_are_the_generated_lists(na62_light, na62_heavy):
    """Independent of the recipe builder: the (PDG, status, mother) lists the generator wrote, grouped by
    ``channel``, are exactly the templates' (one list per channel seen), and each row's named record and vertex hold
    that particle's numbers."""
    for plan, ev in (na62_light, na62_heavy):
        recipe = plan.recipe
        ch = ak.to_numpy(ev.channel)
        seen = {}
        for c, p, s, m in zip(ch, ak.to_list(ev.particles.pdg), ak.to_list(ev.particles.status), ak.to_list(ev.particles.parent)):
            seen.setdefault(int(c), set()).add(tuple(zip(p, s, m)))
        for c, lists in seen.items():
            assert len(lists) == 1, c
            t = [tuple(k) for k in recipe.keys.tolist()].index((c,))
            rows = recipe.rows[t, :recipe.length[t]]
            assert [tuple(r[:3]) for r in rows.tolist()] == list(next(iter(lists))), c
            sel = ev[ch == c][:50]
            for slot, r in enumerate(rows):
                for comp in ("px", "py", "pz", "E"):
                    assert np.array_equal(ak.to_numpy(sel.particles[comp][:, slot]),
                                          ak.to_numpy(sel[recipe.four_vectors[r[3]]][comp]))
                vname = recipe.vertices[r[4]]
                for comp in ("x", "y", "z", "t"):
                    want = np.zeros(len(sel)) if vname == "origin" else ak.to_numpy(sel[vname][comp])
                    assert np.array_equal(ak.to_numpy(sel.particles[comp][:, slot]), want), (c, slot, comp)


def test_na62_wrong_template_only_costs_bytes(na62_light, tmp_path):
    plan, ev = na62_light
    r = plan.recipe
    rows = r.rows.copy()
    rows[:, [5, 6]] = rows[:, [6, 5]]  # l_b+ and l_b- swapped in every template
    wrong = PL.NamedListRecipe(r.four_vectors, r.vertices, r.key_fields, r.keys, rows, r.length)
    path = tmp_path / "w.root"
    assert _write(path, ev, "compact", wrong, precision="double") == 0
    assert _same(read_events(path), ev)


def test_named_list_recipe_json_round_trip_and_refusals(na62_light):
    r = na62_light[0].recipe
    again = PL.recipe_from_json(r.to_json())
    assert isinstance(again, PL.NamedListRecipe)
    assert (again.four_vectors, again.vertices, again.key_fields) == (r.four_vectors, r.vertices, r.key_fields)
    for k in ("keys", "rows", "length"):
        assert np.array_equal(getattr(again, k), getattr(r, k)), k
    text = r.to_json()
    for bad, what in ((text.replace('"named_list"', '"other"'), "layout 'other'"),
                      (text.replace('"vtx_Zp"\n]', '"vtx_Zp"\n]').replace('"Zp",\n"vtx_N"', '"Zq",\n"vtx_N"', 1), "'Zq'"),
                      (text.replace('"origin",\n"vtx_K"', '"vtx_K",\n"origin"', 1), "the first must be 'origin'")):
        with pytest.raises(ValueError, match=what):
            PL.recipe_from_json(bad)
    with pytest.raises(ValueError, match="mother 3"):
        PL.NamedListRecipe.from_templates(("K",), ("origin",), ("channel",), [((0,), [(321, 2, 3, "K", "origin")])])
    with pytest.raises(ValueError, match="same key"):
        PL.NamedListRecipe.from_templates(("K",), ("origin",), ("channel",), [((0,), []), ((0,), [])])


@pytest.mark.parametrize("which", ["light", "na62_light"])
def test_a_recipe_without_templates_keeps_every_list(request, which):
    """A recipe of either layout with no template: no event is rebuildable, and the rebuild of stored lists is
    the lists themselves (the padded tables are never indexed)."""
    fixture = request.getfixturevalue(which)
    recipe, ev = (fixture[0], fixture[1]) if which == "light" else (fixture[0].recipe, fixture[1])
    if isinstance(recipe, PL.NamedListRecipe):
        empty = PL.NamedListRecipe.from_templates(recipe.four_vectors, recipe.vertices, recipe.key_fields, [])
    else:
        empty = PL.ParticleRecipe.from_templates(recipe.hard.tolist(), [])
    part = ev[:500]
    assert not PL.rebuildable(part, empty).any()
    assert _same(PL.rebuild_particles(part, empty), ak.to_packed(part.particles))

