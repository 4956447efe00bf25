"""The cold-start helper compiles the event kernel for the argument types hnlgen run uses (issue 16)."""

import pathlib

import pytest

import gen
from gen.core import precompile as P

CARDS = pathlib.Path(__file__).resolve().parents[2] / "cards"


@pytest.mark.parametrize("card", ["miniboone_light_zprime.toml", "three_portal_heavy_zprime.toml"])
def test_helper_signature_is_the_one_generation_uses(card):
    from gen.core import event_kernel as EK

    gen.generate(CARDS / card, n_events=2000)
    assert len(P.EVENT_KERNEL_SIGNATURE) == 15  # part bounds, run controls, four named tables (gen.core.tables), rows, sizes
    assert [tuple(s) for s in EK._event_part.signatures] == [P.event_kernel_types()]  # one specialisation, the helper's
    # the one the parent compiles for the helper (ColumnBuffer.add_block's compact_kernel may add an 'A'-layout one)
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
    """The parent's work while the helper runs (``_compile_while_waiting``) compiles exactly the specialisations
    of the exact-sum, grouping and ``*_pdg`` kernels that ``hnlgen run`` calls: the run adds none."""
    from gen.cli.app import main
    from gen.core import events as E
    from gen.core import exact_sum as X

    kernels = (X._accumulate, X._group_ids, E._named_pdg_kernel)
    P._compile_while_waiting()
    before = [set(k.signatures) for k in kernels]
    assert all(before)
    assert main(["run", str(CARDS / "miniboone_light_zprime.toml"), "-n", "2000", "-o", str(tmp_path / "x.root")]) == 0
    assert [set(k.signatures) for k in kernels] == before
