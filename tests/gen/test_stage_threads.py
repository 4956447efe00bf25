"""The MiniBooNE stage reconstructs the blocks of a chunk on numba's threads (issue 16): the events, the
histograms and the selected sums must not depend on the number of threads."""

from pathlib import Path

import awkward as ak
import numba
import numpy as np

from gen.card import load_card
from gen.core import rng as R
from gen.sources.upscattering import iter_generate, prepare
from gen.stages.base import make_stage

LZ = Path(__file__).resolve().parents[2] / "cards" / "miniboone_light_zprime.toml"


def test_stage_identical_for_one_and_two_threads():
    card = load_card(LZ)
    setup = prepare(card, seed=11)
    n = 3 * R.BLOCK_SIZE + 77  # four blocks in one chunk, the last partial
    truth = next(iter_generate(card, n, 11, 4 * R.BLOCK_SIZE, setup=setup, reconstruct=False))
    out = []
    threads0 = numba.get_num_threads()
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            stage = make_stage(setup, 11)
            ev = stage.apply(truth)
            out.append((ev, stage.sel_sum, stage.sel_sum2, {k: (h.values.copy(), h.errors.copy(), h.sumwx) for k, h in stage.hists.hists.items()}))
    finally:
        numba.set_num_threads(threads0)
    (a, s1, q1, h1), (b, s2, q2, h2) = out
    assert a.fields == b.fields and len(a) == n
    for f in a.fields:
        x, y = ak.flatten(a[f], axis=None), ak.flatten(b[f], axis=None)
        assert np.array_equal(ak.to_numpy(x), ak.to_numpy(y), equal_nan=True), f
    assert (s1, q1) == (s2, q2) and s1 > 0
    assert h1.keys() == h2.keys() and all(np.array_equal(h1[k][0], h2[k][0]) and np.array_equal(h1[k][1], h2[k][1]) and h1[k][2] == h2[k][2] for k in h1)


def test_na62_detector_identical_for_one_and_two_threads():
    """NA62 cards reconstruct the blocks of a batch on numba's threads too (gen.sources.meson_decay_run)."""
    na62 = load_card(Path(__file__).resolve().parents[2] / "cards" / "na62_light_zprime.toml")
    n = 2 * R.BLOCK_SIZE + 501
    out = []
    threads0 = numba.get_num_threads()
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            out.append(ak.concatenate(list(iter_generate(na62, n, 3, reconstruct=True))))
    finally:
        numba.set_num_threads(threads0)
    a, b = out
    assert a.fields == b.fields and len(a) == n and "weight_accepted" in a.fields
    for f in a.fields:
        x, y = ak.flatten(a[f], axis=None), ak.flatten(b[f], axis=None)
        assert np.array_equal(ak.to_numpy(x), ak.to_numpy(y), equal_nan=True), f
    assert float(ak.sum(a.weight_accepted)) > 0
    # the histograms, filled on the pool's threads in a run (run_na62), are those of one thread, in the same order
    from gen.core.event_kernel import thread_pool
    from gen.sources.meson_decay_run import NA62Setup, na62_histograms

    setup = NA62Setup(na62)
    one, two = na62_histograms(a, setup), na62_histograms(a, setup, thread_pool(2).map)
    assert list(one) == list(two) and len(one) == 10
    for k, h in one.items():
        assert np.array_equal(h.values, two[k].values) and np.array_equal(h.errors, two[k].errors), k
        assert all(getattr(h, s) == getattr(two[k], s) for s in ("entries", "sumw", "sumw2", "sumwx", "sumwx2")), k


def test_with_fields_gives_the_zip_of_the_fields():
    """``gen.core.events.with_fields`` (how the detector stages add their fields, issue 16) builds the array that
    ``ak.zip`` of the high-level fields gave: form, type and values, for a replaced field, a new record and new flat
    fields, also on a record whose contents are longer than it; and the MiniBooNE stage's chunk is that array."""
    from gen.core.events import with_fields
    from gen.stages import base as B

    card = load_card(LZ)
    setup = prepare(card, seed=12)
    truth = next(iter_generate(card, R.BLOCK_SIZE + 99, 12, setup=setup, reconstruct=False))
    short = ak.Array(ak.contents.RecordArray(truth.layout.contents, truth.fields, length=len(truth) - 7))
    n = len(short)
    rng = np.random.default_rng(1)
    v = rng.random((n, 3))
    new = {"w_fiducial": rng.random(n), "vertex": {"x": v[:, 0], "y": v[:, 1], "z": v[:, 2]}, "E_new": rng.random(n),
           "flag": rng.random(n) < 0.5}
    fields = {k: short[k] for k in short.fields}
    fields.update({k: (ak.zip(x) if isinstance(x, dict) else x) for k, x in new.items()})
    zipped, built = ak.zip(fields, depth_limit=1), with_fields(short, new)
    assert built.fields == zipped.fields and built.fields.index("w_fiducial") == truth.fields.index("w_fiducial")
    assert built.layout.form == zipped.layout.form and str(built.type) == str(zipped.type) and len(built) == n
    assert ak.array_equal(built, zipped, equal_nan=True)

    stage = make_stage(setup, 12)
    seen = []
    attach = B.attach_reco

    def both(chunk, reco):
        v = reco["vertex"]
        fields = {k: chunk[k] for k in chunk.fields}
        fields["w_fiducial"] = reco["w_decay_fiducial"]
        fields["vertex"] = ak.zip({"x": v[:, 0], "y": v[:, 1], "z": v[:, 2]})
        fields.update(B.mb.reco_branches(reco))
        seen.append((ak.zip(fields, depth_limit=1), attach(chunk, reco)))
        return seen[-1][1]

    B.attach_reco = both
    try:
        stage.apply(short)
    finally:
        B.attach_reco = attach
    (zipped, built), = seen
    assert built.layout.form == zipped.layout.form and str(built.type) == str(zipped.type) and len(built) == n
    assert ak.array_equal(built, zipped, equal_nan=True)
