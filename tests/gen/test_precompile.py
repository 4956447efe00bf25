"""The cold-start helper compiles the event kernel for the argument types hnlgen run uses (issue 16)."""

import pathlib

import pytest

import gen
from gen.core import precompile as P

CARDS = pathlib.Path(__file__).resolve().parents[2] / "cards"


@pytest.mark.parametrize("card", ["miniboone_light_zprime.toml", "three_portal_heavy_zprime.toml"])
def test_helper_signature_is_the_one_generation_uses(card):
    from gen.card import load_card
    from gen.core import event_kernel as EK
    from gen.core.events import particles_recipe
    from gen.sources.upscattering import iter_generate, prepare

    gen.generate(CARDS / card, n_events=2000)
    # and with the compact record made in the kernel (hnlgen run's default): the same types
    setup = prepare(load_card(CARDS / card), seed=1, adapt=False)
    recipe = particles_recipe(setup.graph, setup.ch_codes, setup.ch_root, setup.ch_prob).recipe
    assert recipe is not None
    next(iter_generate(load_card(CARDS / card), 2000, 1, setup=setup, compact=recipe))
    assert len(P.EVENT_KERNEL_SIGNATURE) == 16  # part bounds, run controls, five named tables (gen.core.tables), rows, sizes
    assert [tuple(s) for s in EK._event_part.signatures] == [P.event_kernel_types()]  # one specialisation, the helper's
    # the one the parent compiles for the helper (ColumnBuffer.add_block's compact_kernel may add an 'A'-layout one)
    if P.event_kernel_types(P.COMPACT_TASK_SIGNATURE) not in [tuple(s) for s in EK._compact_task.signatures]:
        # _event_part came from the on-disk cache, so nothing typed _compact_task with the event kernel's types in this
        # process (another caller may have added its own): type the kernel afresh (an uncached copy, ~10 s) so that
        # its call of _compact_task records the types it passes
        import numba

        numba.njit(EK._event_part.py_func, nogil=True, cache=False).compile(P.event_kernel_types())
    assert P.event_kernel_types(P.COMPACT_TASK_SIGNATURE) in [tuple(s) for s in EK._compact_task.signatures]


def test_no_helper_once_the_kernel_is_cached(monkeypatch):
    gen.generate(CARDS / "miniboone_light_zprime.toml", n_events=2000)  # compiles or loads, and caches
    assert P.event_kernel_cached()
    assert P.start() is None
    P.wait(None)
    monkeypatch.setenv("HNLGEN_NO_PRECOMPILE", "1")
    monkeypatch.setattr(P, "event_kernel_cached", lambda: False)
    assert P.start() is None


def test_kernels_compiled_while_waiting_are_the_ones_a_run_uses(tmp_path):
    """The parent's work while the helper runs (the late unit ``warm_sums``) compiles exactly the specialisations
    of the exact-sum and grouping kernels that ``hnlgen run`` calls: the run adds none."""
    from gen.cli.app import main
    from gen.core import exact_sum as X

    kernels = (X._accumulate, X._group_ids)
    P.warm_sums()
    before = [set(k.signatures) for k in kernels]
    assert all(before)
    assert main(["run", str(CARDS / "miniboone_light_zprime.toml"), "-n", "2000", "-o", str(tmp_path / "x.root")]) == 0
    assert [set(k.signatures) for k in kernels] == before


def test_stage_warmups_compile_the_specialisations_the_miniboone_stage_uses(tmp_path):
    """What the parent compiles for the MiniBooNE stage while it waits for the helper (``stage_warmup``) are
    exactly the specialisations ``hnlgen run`` then calls: the run adds none (else it would compile them on
    the critical path after the wait)."""
    from detectors.miniboone import response as R
    from gen.cli.app import main
    from gen.stages.base import stage_warmup

    warmups = stage_warmup("miniboone")
    assert len(warmups) == 1
    for f in warmups:
        f()
    kernels = (R._place_kernel, R._reco_kernel)
    before = [set(k.signatures) for k in kernels]
    assert all(before)
    assert main(["run", str(CARDS / "miniboone_light_zprime.toml"), "-n", "2000", "-o", str(tmp_path / "x.root")]) == 0
    assert [set(k.signatures) for k in kernels] == before
    assert stage_warmup("na62_spectrometer") == ()


def test_helper_is_stopped_when_the_run_does_not_need_it(monkeypatch):
    """``stop`` ends a helper the run does not need (meson-decay card, bad input); harmless on None."""
    monkeypatch.setattr(P, "event_kernel_cached", lambda: False)
    monkeypatch.delenv("HNLGEN_NO_PRECOMPILE", raising=False)
    proc = P.start()
    assert proc is not None
    P.stop(proc)
    assert proc.returncode is not None and proc.returncode != 0  # killed
    P.stop(None)


def test_production_task_is_one_specialisation_shared_by_pilot_and_event_kernel():
    """The pilot's ``production_kernel`` and the event kernel call the cached ``_production_task`` with the same
    argument types (int64 bounds, not the literal 0), so on a cold start the parent loads what the helper compiled."""
    from gen.card import load_card
    from gen.core import kernels as K
    from gen.sources.upscattering import iter_generate, prepare

    card = load_card(CARDS / "miniboone_light_zprime.toml")
    setup = prepare(card, seed=3)  # pilot runs: production_kernel
    for _ in iter_generate(card, 2000, 3, setup=setup, reconstruct=False):  # the event kernel
        pass
    if K._production_task.signatures:  # typed in this process (a cold cache): one specialisation
        assert len(K._production_task.signatures) == 1
    # both callers loaded from the cache: what they compiled into it, one specialisation
    assert len(K._production_task._cache._cache_file._load_index()) == 1


@pytest.mark.parametrize("card, module, kernel", [
    ("minerva_light_zprime.toml", "detectors.nue_elastic.response", "_nue_kernel"),
    ("microboone_light_zprime.toml", "detectors.microboone.response", "_kernel"),
])
def test_stage_warmups_of_the_other_responses_are_the_run_s_specialisations(card, module, kernel, tmp_path):
    """As for MiniBooNE: the MINERvA/CHARM-II and MicroBooNE warm-ups compile exactly what the run then calls."""
    import importlib

    from gen.card import load_card
    from gen.cli.app import main
    from gen.experiments import experiment_info
    from gen.stages.base import stage_warmup

    warmups = stage_warmup(experiment_info(load_card(CARDS / card).experiment.name).detector_response)
    assert len(warmups) == 1
    warmups[0]()
    k = getattr(importlib.import_module(module), kernel)
    before = set(k.signatures)
    assert before
    assert main(["run", str(CARDS / card), "-n", "2000", "-o", str(tmp_path / "x.root")]) == 0
    assert set(k.signatures) == before


def test_na62_signatures_are_the_ones_a_meson_decay_run_uses():
    """The NA62 helper (``precompile_in_helper``) and the parent's share (``precompile_in_parent``) compile the
    specialisations an NA62 run calls; the run adds none."""
    from gen.card import load_card
    from gen.core import kernels as K
    from gen.sources import meson_decay as M
    from gen.sources.upscattering import iter_generate

    kernels = {M.NA62_CASCADE_SIGNATURE: K.cascade_kernel, M.NA62_FINISH_SIGNATURE: M._finish_into,
               M.NA62_PRODUCTION_SIGNATURE: M._production_into, M.NA62_INIT_SIGNATURE: M._init_slots_into}
    M.precompile_in_helper()
    M.precompile_in_parent()
    before = {sig: set(k.signatures) for sig, k in kernels.items()}
    for sig, k in kernels.items():
        assert P.event_kernel_types(sig) in [tuple(s) for s in k.signatures]
    for card in ("na62_light_zprime.toml", "na62_appendixA_mumu.toml"):
        for _ in iter_generate(load_card(CARDS / card), 2000, 1, reconstruct=True):
            pass
    assert {sig: set(k.signatures) for sig, k in kernels.items()} == before


def test_na62_run_starts_its_own_helper(monkeypatch, tmp_path):
    """A meson-decay card stops the upscattering helper and starts the one of its source (registry field
    ``precompile_helper``), and waits for it before the first event."""
    from gen.cli.app import main
    from gen.experiments import SOURCES

    src = SOURCES["meson_decay"]
    assert src.precompile_helper == "gen.sources.meson_decay:precompile_in_helper"
    started, waited = [], []
    real_wait = P.wait
    monkeypatch.setattr(P, "start", lambda job=None, marker=None: started.append((job, marker)))
    monkeypatch.setattr(P, "wait", lambda proc, also=(): (waited.append(len(also)), real_wait(proc, also)))
    assert main(["run", str(CARDS / "na62_light_zprime.toml"), "-n", "2000", "-o", str(tmp_path / "x.root")]) == 0
    assert started == [(None, None), (src.precompile_helper, src.precompile_marker)]
    assert waited == [1]


def test_particle_list_warmup_is_the_compact_writer_s_specialisations(tmp_path):
    """The compact record's check in the writer (``detectors.output.particle_list``), for full chunks given to
    ``EventWriter(record="compact")``: ``warm_kernels`` compiles exactly what the writer then calls, for both recipe
    layouts; ``hnlgen run``, whose kernels make the compact record, adds none."""
    from detectors.output import particle_list as PL
    from detectors.output.root import EventWriter
    from gen.card import load_card
    from gen.cli.app import main
    from gen.core.events import particles_recipe
    from gen.sources.meson_decay_run import NA62Setup, na62_particles_recipe
    from gen.sources.upscattering import iter_generate, prepare

    PL.warm_kernels()
    PL.warm_kernels(named_list=True)  # NA62: the named-list layout's _match
    kernels = (PL._plan, PL._match, PL._check)
    before = [set(k.signatures) for k in kernels]
    assert all(before)
    assert main(["run", str(CARDS / "miniboone_light_zprime.toml"), "-n", "2000", "-o", str(tmp_path / "x.root")]) == 0
    assert main(["run", str(CARDS / "na62_light_zprime.toml"), "-n", "2000", "-o", str(tmp_path / "y.root")]) == 0
    light, na62 = load_card(CARDS / "miniboone_light_zprime.toml"), load_card(CARDS / "na62_light_zprime.toml")
    setup = prepare(light, seed=1, adapt=False)
    recipes = {"z": particles_recipe(setup.graph, setup.ch_codes, setup.ch_root, setup.ch_prob).recipe,
               "n": na62_particles_recipe(NA62Setup(na62)).recipe}
    for name, card, kw in (("z", light, {"setup": setup}), ("n", na62, {"reconstruct": True})):
        with EventWriter(tmp_path / f"{name}.root", precision="mixed", record="compact", particles_recipe=recipes[name]) as w:
            for chunk in iter_generate(card, 2000, 1, **kw):
                w.write(chunk)
            assert w.n_compacted > 0
    assert [set(k.signatures) for k in kernels] == before


def test_cross_section_and_production_warmups_are_the_run_s_specialisations(tmp_path, monkeypatch):
    """The late units ``warm_cross_sections`` and ``warm_production`` (which the helper runs after the event kernel
    when the parent has not reached them yet) compile exactly what a run's tabulation and pilot then call."""
    from gen.cli.app import main
    from gen.core import kernels as K
    from physics import cross_sections as xs

    monkeypatch.setenv("HNLGEN_NO_TABLE_CACHE", "1")  # the run tabulates sigma instead of loading the table
    P.warm_cross_sections()
    P.warm_production()
    kernels = (xs.sigma_upscattering_array, K.production_kernel)
    before = [set(k.signatures) for k in kernels]
    assert all(before)  # (other tests of this process may have added their own specialisations)
    assert main(["run", str(CARDS / "three_portal_heavy_zprime.toml"), "-n", "2000", "-o", str(tmp_path / "x.root")]) == 0
    assert [set(k.signatures) for k in kernels] == before


_UNITS_MODULE = '''
import os, time

def _log(name):
    with open(os.environ["UNITS_LOG"], "a") as f:
        f.write(f"{name} {os.getpid()}\\n")
    time.sleep(0.05)

''' + "".join(f"def u{i}():\n    _log('u{i}')\n\n" for i in range(8))


def test_late_units_run_once_each_shared_by_two_processes(tmp_path, monkeypatch):
    """``run_units``: two processes on the same list and claims directory run every unit exactly once between them."""
    import os
    import subprocess
    import sys

    (tmp_path / "units_mod.py").write_text(_UNITS_MODULE)
    log = tmp_path / "log"
    claims = tmp_path / "claims"
    claims.mkdir()
    units = [f"units_mod:u{i}" for i in range(8)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]), "UNITS_LOG": str(log)}
    code = f"from gen.core.precompile import run_units; run_units({str(claims)!r}, {units!r})"
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env) for _ in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    names = sorted(line.split()[0] for line in log.read_text().splitlines())
    assert names == sorted(u.partition(":")[2] for u in units)
    assert P.run_units(str(claims), units) == []  # all claimed: nothing left for a third
    # skip: claimed (so the other process leaves it) but not run (the parent's set-up units once it waits)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("UNITS_LOG", str(log))
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert P.run_units(str(fresh), units[:2], skip=(units[0],)) == [units[1]]
    assert P.run_units(str(fresh), units[:2]) == []
    assert sorted(line.split()[0] for line in log.read_text().splitlines()).count("u1") == 2  # once per directory
    assert sorted(line.split()[0] for line in log.read_text().splitlines()).count("u0") == 1
    sys.modules.pop("units_mod", None)


def test_helper_works_through_the_units_the_parent_sends(tmp_path, monkeypatch):
    """The real helper protocol: ``start`` -> ``share`` (units on stdin) -> ``send_units`` (one more) -> ``wait``: each
    unit runs once, in the helper or in the parent, and the claims directory is removed."""
    import os
    import sys

    (tmp_path / "units_mod.py").write_text(_UNITS_MODULE)
    log = tmp_path / "log"
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("UNITS_LOG", str(log))
    monkeypatch.delenv("HNLGEN_NO_PRECOMPILE", raising=False)
    monkeypatch.setattr(P, "event_kernel_cached", lambda: False)
    gen.generate(CARDS / "miniboone_light_zprime.toml", n_events=2000)  # the helper then loads the event kernel
    proc = P.start()
    assert proc is not None and os.path.isdir(proc.hnlgen_claims)
    P.send_units(proc, ())  # nothing to send: no-op
    P.share(proc, tuple(f"units_mod:u{i}" for i in range(7)))
    P.send_units(proc, ("units_mod:u7",))
    P.wait(proc)
    assert proc.returncode == 0
    names = sorted(line.split()[0] for line in log.read_text().splitlines())
    assert names == [f"u{i}" for i in range(8)]
    assert not os.path.exists(proc.hnlgen_claims)
    pids = {line.split()[1] for line in log.read_text().splitlines()}
    assert pids <= {str(os.getpid()), str(proc.pid)}
    sys.modules.pop("units_mod", None)


def test_without_a_temporary_directory_the_helper_compiles_the_event_kernel_alone(monkeypatch):
    """No writable temporary directory for the claims: the helper still starts (event kernel only, no late units) and
    the parent's wait and stop work as for another source's helper."""
    import tempfile

    def no_tmp(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(P, "event_kernel_cached", lambda: False)
    monkeypatch.delenv("HNLGEN_NO_PRECOMPILE", raising=False)
    gen.generate(CARDS / "miniboone_light_zprime.toml", n_events=2000)  # the helper then loads the event kernel
    monkeypatch.setattr(tempfile, "mkdtemp", no_tmp)
    proc = P.start()
    assert proc is not None and not hasattr(proc, "hnlgen_claims")
    P.share(proc, P.late_units())  # nothing is sent; the compaction task compiles (or loads) here as before
    P.wait(proc)
    assert proc.returncode == 0
    P.stop(proc)


def test_pending_helper_is_waited_for_by_the_first_event_block_and_stopped_at_the_end(monkeypatch):
    """``pending_helper`` (library-driven commands such as ``hnlgen plot --constraints``): the first event block of
    ``gen.generate`` waits for the helper (exit 0: it finished the event kernel), later blocks and other processes
    find nothing pending, and a helper still running when the block ends (an error) is stopped."""
    monkeypatch.delenv("HNLGEN_NO_PRECOMPILE", raising=False)
    gen.generate(CARDS / "miniboone_light_zprime.toml", n_events=2000)  # the helper then loads the event kernel
    monkeypatch.setattr(P, "event_kernel_cached", lambda: False)
    with P.pending_helper() as proc:
        assert proc is not None and P._PENDING == [proc]
        ev = gen.generate(CARDS / "miniboone_light_zprime.toml", n_events=2000)
        assert P._PENDING == [] and proc.returncode == 0  # waited for by the first block
    assert len(ev) == 2000
    P.wait_pending()  # nothing pending: no-op
    import pytest

    with pytest.raises(RuntimeError, match="boom"), P.pending_helper() as proc:
        raise RuntimeError("boom")
    assert P._PENDING == [] and proc.returncode is not None
