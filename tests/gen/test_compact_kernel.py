"""The compact record made by the event kernel (issue 16): ``iter_generate(compact=recipe)``.

The event kernel leaves out the particle rows of the events whose named records hold their list
(``gen.core.event_kernel._compact_task``), by the test that ``EventWriter`` made on whole chunks before
(``detectors.output.particle_list.rebuildable``). The claims, all exact (no tolerance):

* the events are those of the full record: every other field equal, the rebuilt list equal to the full list;
* the lists left out are exactly those that ``rebuildable`` finds on the full record, so a file is the file the
  writer made before (same bytes per branch);
* a template that does not match keeps the events' lists (the kernel's test is made, not assumed);
* the chunks do not depend on the chunk size;
* the same for NA62's kernel (``gen.sources.meson_decay._finish_into``, the named-list layout).
"""

from __future__ import annotations

import dataclasses
import pathlib

import awkward as ak
import numpy as np
import pytest

from detectors.output import particle_list as PL
from detectors.output.root import EventWriter, read_events
from detectors.output.storage import COMPACT_FIELD
from gen.card import load_card
from gen.core.events import SLOT_N, particles_recipe
from gen.sources.upscattering import iter_generate, prepare
from physics import pdg as P

CARDS = pathlib.Path(__file__).resolve().parents[2] / "cards"
N = 5000
UPSCATTERING = ["miniboone_light_zprime.toml", "three_portal_heavy_zprime.toml", "lagrangian_ess.toml",
                "miniboone_bertuzzo_fit.toml", "minerva_light_zprime.toml", "microboone_light_zprime.toml"]


def _setup(name: str, seed: int = 7):
    card = load_card(CARDS / name)
    setup = prepare(card, seed=seed, adapt=False)  # no pilot runs: the grids' efficiency does not matter here
    plan = particles_recipe(setup.graph, setup.ch_codes, setup.ch_root, setup.ch_prob)
    return card, setup, plan.recipe


def _events(card, setup, recipe=None, chunk_size=None, seed=7, n=N):
    chunks = [c for c in iter_generate(card, n, seed, chunk_size, setup=setup, compact=recipe)]
    return ak.concatenate(chunks) if len(chunks) > 1 else chunks[0]


@pytest.fixture(scope="module", params=UPSCATTERING)
def made(request):
    card, setup, recipe = _setup(request.param)
    if recipe is None:
        pytest.skip(f"{request.param}: no cascade is held by the named records")
    return request.param, card, setup, recipe, _events(card, setup), _events(card, setup, recipe)


def _compacted_as_the_writer_would(full: ak.Array, comp: ak.Array, recipe) -> np.ndarray:
    """Assert that ``comp`` (the kernel's compact record) is ``full`` with exactly the lists that ``rebuildable``
    finds emptied, and that the rebuild gives ``full``'s lists bit for bit; returns that mask."""
    assert COMPACT_FIELD in comp.fields and "particles" not in comp.fields
    assert comp.fields == [COMPACT_FIELD if k == "particles" else k for k in full.fields]
    for k in full.fields:
        if k != "particles":
            assert ak.array_equal(full[k], comp[k], equal_nan=True), k
    empty = ak.to_numpy(ak.num(comp[COMPACT_FIELD])) == 0
    mask = PL.rebuildable(full, recipe)
    np.testing.assert_array_equal(empty, mask)
    # the lists kept are the full ones, the rebuilt ones equal them bit for bit
    assert ak.array_equal(comp[COMPACT_FIELD], PL.compact_particles(full.particles, mask))
    rebuilt = PL.rebuild_particles(comp, recipe, stored=comp[COMPACT_FIELD])
    assert rebuilt.type == full.particles.type
    assert ak.array_equal(rebuilt, full.particles, equal_nan=True)
    return mask


def test_the_kernel_compacts_exactly_the_lists_the_writer_check_finds(made):
    _name, _card, _setup_, recipe, full, comp = made
    assert _compacted_as_the_writer_would(full, comp, recipe).any()


def test_named_pdg_columns_of_the_kernel_are_those_of_the_list(made):
    """The ``*_pdg`` columns come from the event kernel (the named slots): the rule of ``gen.core.events.NAMED_PDG``
    applied to the full list with awkward here (the first final-state l-, l+, and light neutrino after N; 0 if
    none)."""
    full = made[4]
    pdg, st = full.particles.pdg, full.particles.status
    index = ak.local_index(pdg)
    lepton = (abs(pdg) == P.ELECTRON) | (abs(pdg) == P.MUON) | (abs(pdg) == P.TAU)
    nu = np.isin(ak.to_numpy(ak.flatten(abs(pdg))), P.LIGHT_NEUTRINOS)
    nu = ak.unflatten(nu, ak.num(pdg))
    for name, sel in (("ell_minus_pdg", lepton & (pdg > 0)), ("ell_plus_pdg", lepton & (pdg < 0)),
                      ("nu_out_pdg", nu & (index > SLOT_N))):
        want = ak.to_numpy(ak.fill_none(ak.firsts(pdg[sel & (st == 1)]), 0))
        np.testing.assert_array_equal(ak.to_numpy(full[name]), want, err_msg=name)


def test_a_template_that_does_not_match_keeps_the_lists():
    """Change the N status of every template: no list matches, so every event keeps it (the kernel tests each
    event; nothing is assumed from the codes), and the rebuild is still the full list."""
    card, setup, recipe = _setup("miniboone_light_zprime.toml")
    wrong = dataclasses.replace(recipe, n_status=recipe.n_status + 5)
    full, comp = _events(card, setup, n=2000), _events(card, setup, wrong, n=2000)
    assert (ak.to_numpy(ak.num(comp[COMPACT_FIELD])) > 0).all()
    assert ak.array_equal(comp[COMPACT_FIELD], full.particles)
    # one PDG code of one template's row: only the events of that template keep their lists
    rows = recipe.rows.copy()
    rows[0, 0, 0] += 1
    one = dataclasses.replace(recipe, rows=rows)
    comp1 = _events(card, setup, one, n=2000)
    kept = ak.to_numpy(ak.num(comp1[COMPACT_FIELD])) > 0
    np.testing.assert_array_equal(kept, ~PL.rebuildable(full, one))
    assert kept.any() and not kept.all()
    assert ak.array_equal(PL.rebuild_particles(comp1, one, stored=comp1[COMPACT_FIELD]), full.particles)


def test_compact_chunks_do_not_depend_on_the_chunk_size():
    card, setup, recipe = _setup("miniboone_light_zprime.toml")
    a = _events(card, setup, recipe, n=40000)
    b = _events(card, setup, recipe, chunk_size=16384, n=40000)
    assert ak.array_equal(a, b, equal_nan=True)


def test_the_writer_stores_kernel_made_chunks_as_its_own_compact_record(tmp_path):
    """The same file content whether the kernel or the writer compacted the lists (every branch read back, the
    count of emptied lists), and ``read_events`` gives the full record back."""
    card, setup, recipe = _setup("miniboone_light_zprime.toml")
    full, comp = _events(card, setup, n=6000), _events(card, setup, recipe, n=6000)
    counts = []
    for name, ev in (("writer", full), ("kernel", comp)):
        with EventWriter(tmp_path / f"{name}.root", record="compact", particles_recipe=recipe) as w:
            for s in range(0, len(ev), 2500):
                w.write(ev[s:s + 2500])
            counts.append(w.n_compacted)
    assert counts[0] == counts[1] > 0
    a, b = read_events(tmp_path / "writer.root"), read_events(tmp_path / "kernel.root")
    assert ak.array_equal(a, b, equal_nan=True)
    assert ak.array_equal(b.particles, full.particles, equal_nan=True)


def test_a_compact_chunk_is_refused_by_a_writer_of_another_record(tmp_path):
    card, setup, recipe = _setup("miniboone_light_zprime.toml")
    comp = _events(card, setup, recipe, n=1000)
    for record in ("full", "slim"):
        with pytest.raises(ValueError, match=f"{COMPACT_FIELD}.*record = 'compact'"):
            with EventWriter(tmp_path / f"{record}.root", record=record) as w:
                w.write(comp)


# --- meson decays (NA62): the same test in gen.sources.meson_decay._finish_into, on the named-list layout -----------
def _na62(name: str, recipe=None, n: int = 4000, seed: int = 5):
    from gen.sources.meson_decay_run import NA62Setup, na62_particles_recipe

    card = load_card(CARDS / name)
    setup = NA62Setup(card)
    if recipe is None:
        recipe = na62_particles_recipe(setup).recipe
    full = ak.concatenate(list(iter_generate(card, n, seed, 2048, reconstruct=True)))
    comp = ak.concatenate(list(iter_generate(card, n, seed, 2048, reconstruct=True, compact=recipe)))
    return recipe, full, comp


@pytest.mark.parametrize("name", ["na62_light_zprime.toml", "na62_heavy_zprime.toml"])
def test_the_na62_kernel_compacts_exactly_the_lists_the_writer_check_finds(name):
    recipe, full, comp = _na62(name)
    assert _compacted_as_the_writer_would(full, comp, recipe).all()  # every event of the bundled NA62 cards (README, Record)


def test_an_na62_template_that_does_not_match_keeps_the_lists():
    """One PDG code of one template changed: the events of that channel keep their lists (the others not), and the
    rebuild is the full list. The heavy-Z' card has two templates; template 0's channel has (nearly) every event."""
    from gen.sources.meson_decay_run import NA62Setup, na62_particles_recipe

    recipe = na62_particles_recipe(NA62Setup(load_card(CARDS / "na62_heavy_zprime.toml"))).recipe
    assert len(recipe.keys) > 1
    for t, some_emptied in ((0, False), (1, True)):
        rows = recipe.rows.copy()
        rows[t, 1, 0] += 1
        wrong = dataclasses.replace(recipe, rows=rows)
        _r, full, comp = _na62("na62_heavy_zprime.toml", wrong)
        kept = ak.to_numpy(ak.num(comp[COMPACT_FIELD])) > 0
        np.testing.assert_array_equal(kept, ak.to_numpy(full.channel) == recipe.keys[t, 0])
        np.testing.assert_array_equal(kept, ~PL.rebuildable(full, wrong))
        assert (~kept).any() if some_emptied else kept.any()
        assert ak.array_equal(PL.rebuild_particles(comp, wrong, stored=comp[COMPACT_FIELD]), full.particles, equal_nan=True)


def test_the_na62_kernel_takes_only_its_own_layout():
    from gen.sources.meson_decay import compact_templates
    from gen.sources.meson_decay_run import NA62Setup, na62_particles_recipe

    recipe = na62_particles_recipe(NA62Setup(load_card(CARDS / "na62_light_zprime.toml"))).recipe
    with pytest.raises(ValueError, match="keyed by"):
        compact_templates(dataclasses.replace(recipe, four_vectors=recipe.four_vectors[::-1]))
    assert compact_templates(None)[0].shape == (0,)
