"""Storage policy (float32 branches, slim record) and the writer thread (issue 16).

The float32 bounds are those of ``detectors.output.storage``'s docstring (README 'Branch precision'):
deterministic rounding bounds, so every event must satisfy them (no statistical tolerance).
"""

from __future__ import annotations

import pathlib
import platform
import subprocess
import sys

import awkward as ak
import numba
import numpy as np
import pytest

import gen
from detectors.output.root import EventWriter, read_events
from detectors.output.storage import FLOAT32_SCALARS, UNIT_ROUNDOFF_F32, apply_storage_policy
from detectors.output.writer_thread import BackgroundWriter

CARD = pathlib.Path(__file__).resolve().parents[2] / "cards" / "miniboone_light_zprime.toml"
U = UNIT_ROUNDOFF_F32
N = 20_000


@pytest.fixture(scope="module")
def truth():
    return gen.generate(CARD, n_events=N, seed=3, reconstruct=True)


@pytest.fixture(scope="module")
def stored(truth, tmp_path_factory):
    path = tmp_path_factory.mktemp("storage") / "mixed.root"
    with EventWriter(path, precision="mixed") as w:
        w.write(truth)
    return read_events(path)


def _np(x, dtype=np.float64):
    return ak.to_numpy(x).astype(dtype)


def test_dtypes_follow_the_policy(stored):
    for name in ("N", "ell_minus", "ell_plus", "Zprime", "recoil"):
        for c in ("px", "py", "pz", "E"):
            assert ak.to_numpy(stored[name][c]).dtype == np.float32, (name, c)
    for c in ("x", "y", "z"):
        assert ak.to_numpy(stored.vertex[c]).dtype == np.float32
    for c in ("px", "E", "x", "t"):
        assert ak.to_numpy(ak.flatten(stored.particles[c])).dtype == np.float32
    assert ak.to_numpy(ak.flatten(stored.particles.pdg)).dtype == np.int32
    for k in ("weight", "w_fiducial", "E_nu", "Q2", "weight_selected", "w_efficiency"):
        assert ak.to_numpy(stored[k]).dtype == np.float64, k
    for k in FLOAT32_SCALARS & set(stored.fields):
        assert ak.to_numpy(stored[k]).dtype == np.float32, k


def test_stored_numbers_are_the_truth_rounded_once(truth, stored):
    # every stored float32 is the double rounded to nearest: relative error <= u (NaN stays NaN)
    for k in ("E_QE", "E_vis", "cos_theta", "m_ll", "theta_ee"):
        a, b = _np(truth[k]), _np(stored[k])
        assert np.array_equal(np.isnan(a), np.isnan(b)), k
        ok = ~np.isnan(a)
        assert np.all(np.abs(b[ok] - a[ok]) <= U * np.abs(a[ok])), k
    # doubles kept bit for bit
    for k in ("weight", "E_nu", "Q2", "weight_selected"):
        assert np.array_equal(_np(truth[k]), _np(stored[k])), k


def _mass2(p, q=None):
    E = _np(p.E) + (0.0 if q is None else _np(q.E))
    px = _np(p.px) + (0.0 if q is None else _np(q.px))
    py = _np(p.py) + (0.0 if q is None else _np(q.py))
    pz = _np(p.pz) + (0.0 if q is None else _np(q.pz))
    return E * E - px * px - py * py - pz * pz


def _mass2_bound(p, q=None):
    """8 u (E_sum^2 + (sum of |p| components)^2): storage rounding (2 u E_sum (E1 + E2) + the same for
    the momentum) with a margin for the reader's double arithmetic (detectors.output.storage docstring)."""
    E = np.abs(_np(p.E)) + (0.0 if q is None else np.abs(_np(q.E)))
    a = sum(np.abs(_np(p[c])) + (0.0 if q is None else np.abs(_np(q[c]))) for c in ("px", "py", "pz"))
    return 8 * U * (E * E + a * a)


def _pair_mask(truth):
    has = (_np(truth.ell_minus.E) > 0) & (_np(truth.ell_plus.E) > 0)
    assert has.sum() > 0.5 * N  # Z' -> e+e- (the rest Z' -> nu nu)
    return has


def test_invariant_masses_from_float32_branches(truth, stored):
    for p, q, m_true in ((lambda a: a.ell_minus, lambda a: a.ell_plus, 0.030), (lambda a: a.N, None, 0.420)):
        has = _pair_mask(truth) if q is not None else np.ones(len(truth), bool)
        m2_64 = _mass2(p(truth), None if q is None else q(truth))[has]
        m2_32 = _mass2(p(stored), None if q is None else q(stored))[has]
        bound = _mass2_bound(p(truth), None if q is None else q(truth))[has]
        assert np.all(np.abs(m2_32 - m2_64) <= bound)
        m64 = np.sqrt(m2_64)
        m32 = np.sqrt(np.maximum(m2_32, 0.0))
        assert np.median(m64) == pytest.approx(m_true, rel=1e-6)
        # the stated mass precision: delta m <= bound / (2 m); for the e+e- pair of this card ~1e-5 GeV
        assert np.all(np.abs(m32 - m64) <= bound / (2 * m64) * 1.0001)
        if q is not None:
            assert np.quantile(np.abs(m32 / m64 - 1), 0.99) < 1e-3
        else:
            assert np.max(np.abs(m32 / m64 - 1)) < 3e-5  # N (E up to ~10 GeV): 1.3e-5 at most in this sample


def test_directions_and_e_qe_inputs_from_float32_branches(truth, stored):
    # cos(theta) of the e+e- pair direction and the lepton energies (E_QE's inputs) from float32 branches
    has = _pair_mask(truth)

    def cos_pair(a):
        px = (_np(a.ell_minus.px) + _np(a.ell_plus.px))[has]
        py = (_np(a.ell_minus.py) + _np(a.ell_plus.py))[has]
        pz = (_np(a.ell_minus.pz) + _np(a.ell_plus.pz))[has]
        return pz / np.sqrt(px * px + py * py + pz * pz)

    c64, c32 = cos_pair(truth), cos_pair(stored)
    assert np.all(np.abs(c32 - c64) <= 8 * U)
    e64 = _np(truth.ell_minus.E)[has] + _np(truth.ell_plus.E)[has]
    e32 = _np(stored.ell_minus.E)[has] + _np(stored.ell_plus.E)[has]
    assert np.all(np.abs(e32 - e64) <= 2 * U * e64)


def test_slim_record_drops_the_particle_list_only(truth, tmp_path):
    path = tmp_path / "slim.root"
    with EventWriter(path, precision="double", record="slim") as w:
        w.write(truth)
    back = read_events(path)
    assert "particles" not in back.fields
    assert set(back.fields) == set(truth.fields) - {"particles"}
    for k in back.fields:
        assert ak.array_equal(back[k], truth[k], equal_nan=True), k
    with pytest.raises(ValueError, match="record"):
        apply_storage_policy(truth, record="thin")


class _Failing:
    def __init__(self):
        self.aborted = False

    def write(self, events):
        raise OSError("disk full")

    def close(self):
        raise AssertionError("close must not be reached")

    def abort(self):
        self.aborted = True


def test_writer_thread_error_reaches_the_caller_and_aborts():
    inner = _Failing()
    with pytest.raises(OSError, match="disk full"), BackgroundWriter(inner) as w:
        for _ in range(5):
            w.write(ak.Array([{"x": 1.0}]))
    assert inner.aborted


@pytest.mark.parametrize("fmt", ["ttree", "rntuple"])
def test_writer_thread_file_independent_of_chunking_and_threads(truth, tmp_path, fmt):
    """Writer thread on: chunk sizes 16384 and 65536, 1 and all numba threads give the same events as
    the in-memory truth written without the thread; so does the compact record (``hnlgen run``'s default),
    whose stored lists are the same whatever the chunking."""
    import uproot

    from gen.card import load_card
    from gen.core.events import particles_recipe
    from gen.sources.upscattering import prepare

    ref_path = tmp_path / "ref.root"
    with EventWriter(ref_path, precision="mixed", format=fmt) as w:
        w.write(truth)
    ref = read_events(ref_path)
    setup = prepare(load_card(CARD), seed=3, adapt=False)
    recipe = particles_recipe(setup.graph, setup.ch_codes, setup.ch_root, setup.ch_prob).recipe
    n_threads = numba.get_num_threads()
    stored = {}
    try:
        for chunk, threads in ((16384, n_threads), (65536, 1)):
            numba.set_num_threads(threads)
            for record in ("full", "compact"):
                path = tmp_path / f"t{chunk}{record}.root"
                writer = EventWriter(path, precision="mixed", format=fmt, basket_events=8192, record=record,
                                     particles_recipe=recipe if record == "compact" else None)
                with BackgroundWriter(writer) as w:
                    for c in gen.iter_generate(CARD, N, 3, chunk, reconstruct=True):
                        w.write(c)
                assert ak.array_equal(read_events(path), ref, equal_nan=True), (chunk, threads, record)
                if record == "compact":
                    with uproot.open(path) as f:
                        stored[chunk] = f["events"].arrays(["nparticle_list", "particle_list_px"])
    finally:
        numba.set_num_threads(n_threads)
    assert ak.array_equal(stored[16384], stored[65536])


_FAULTS = """
import resource, sys
import numpy as np
from detectors.output.writer_thread import streaming_malloc
ok = streaming_malloc()
x = np.ones((40, 131072))
def work():  # the writer's pattern: 0.5 MB big-endian temporaries, a few alive at a time
    alive = []
    for r in range(40):
        alive.append(x[r].astype(">f4"))
        if len(alive) > 3:
            alive.pop(0)
work()
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    work()
print(ok, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 800)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_streaming_malloc_reuses_touched_pages():
    """After ``streaming_malloc`` the writer's repeated 0.5 MB temporaries reuse pages already faulted in: under one
    page fault per array of 128 pages (glibc's dynamic thresholds gave ~12 on the development machine)."""
    out = subprocess.run([sys.executable, "-c", _FAULTS], capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "True"
    assert float(out[1]) < 1.0


def test_value_beyond_float32_range_is_refused_not_clipped(tmp_path):
    from detectors.output.storage import StorageRangeError

    ev = ak.zip({"weight": np.array([1.0, 2.0]),
                 "N_decay_vertex": ak.zip({"x": [0.0, 0.0], "y": [0.0, 0.0], "z": [1.0, 1e40], "t": [0.0, 1e30]})},
                depth_limit=1)
    with pytest.raises(StorageRangeError, match=r"N_decay_vertex\.z.*1e\+40.*--precision double"):
        apply_storage_policy(ev)
    path = tmp_path / "big.root"
    with pytest.raises(StorageRangeError), EventWriter(path, precision="mixed") as w:
        w.write(ev)
    assert not path.exists() and not (tmp_path / "big.root.partial").exists()
    assert apply_storage_policy(ev, precision="double").N_decay_vertex.z.tolist() == [1.0, 1e40]


def test_cli_refuses_storage_options_for_hepmc3(tmp_path, capsys):
    from gen.cli.app import main

    for flag, value in (("--precision", "double"), ("--record", "slim")):
        assert main(["run", str(CARD), "-o", str(tmp_path / "x.hepmc3"), "--format", "hepmc3", flag, value]) == 2
        assert f"{flag} {value} applies to ttree and rntuple" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
