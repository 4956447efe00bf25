"""Event records (gen.core.events) and ROOT output (detectors.output.root): schema, round trip, temp-file rename."""

import math

import awkward as ak
import numpy as np
import pytest
import uproot
import vector

from detectors.output.root import PARTIAL_SUFFIX, EventWriter, read_events, read_metadata, write_events
from gen.core import kernels as K
from gen.core.decays import Channel, Species, build_decay_graph
from gen.core.events import FIELD_DOCS, SCALAR_FIELDS, assemble_events, field_table_markdown

vector.register_awkward()

SPECIES = [
    Species("N4", 9900012, 0.42, 5.0),
    Species("Zprime", 32, 0.03, 0.01),
    Species("nu", 14, 0.0),
    Species("e-", 11, 0.51099895e-3),
    Species("e+", -11, 0.51099895e-3),
    Species("mu-", 13, 0.1056583755),
    Species("mu+", -13, 0.1056583755),
]


def _toy_events(n, seed=0):
    """Hard process by hand (nu + C12 -> N + C12 at fixed Q2 fraction) plus a real cascade."""
    g = build_decay_graph(SPECIES, [Channel("N4", ("nu", "Zprime"), 0.8, asymmetry=0.5), Channel("N4", ("nu", "mu-", "mu+"), 0.2),
                                    Channel("Zprime", ("e-", "e+"), 1.0)], ["N4"])
    rng = np.random.default_rng(seed)
    MP = K.MAX_PARTICLES
    M = 11.174862
    E = rng.uniform(0.6, 3.0, n)
    lo, hi = K.upscattering_Q2_limits_array(E, np.full(n, M), np.full(n, 0.42))
    Q2 = lo + rng.random(n) * (hi - lo) * 0.1
    pN, pA = K.upscattering_kinematics_array(E, np.full(n, M), np.full(n, 0.42), np.full(n, M), Q2, rng.random(n) * 2 * math.pi)
    pdg = np.zeros((n, MP), np.int64)
    status = np.zeros((n, MP), np.int64)
    parent = np.full((n, MP), -1, np.int64)
    p4 = np.zeros((n, MP, 4))
    vtx = np.zeros((n, MP, 4))
    pol = np.zeros((n, MP))
    st_of = np.full((n, MP), -1, np.int64)
    npart = np.zeros(n, np.int64)
    p4[:, 0, 2] = E
    p4[:, 0, 3] = E
    p4[:, 1, 3] = M
    p4[:, 2] = pA
    p4[:, 3] = pN
    pdg[:, :4] = [14, 1000060120, 1000060120, 9900012]
    status[:, :4] = [4, 11, 1, 1]
    parent[:, 2:4] = 0
    pol[:, 3] = -1.0
    st_of[:, 3] = g.root_state["N4"]
    K.cascade_kernel(rng.integers(0, 2**63, n, dtype=np.uint64), 4, pdg, status, parent, p4, vtx, pol, st_of, npart, np.full((n, MP), -1, np.int64), g.tables())
    scalars = {
        "event": np.arange(n), "weight": rng.random(n), "w_fiducial": np.ones(n), "E_nu": E, "Q2": Q2,
        "projectile_pdg": np.full(n, 14), "target_pdg": np.full(n, 1000060120), "regime": np.zeros(n),
        "helicity": np.full(n, -1), "helicity_flip": np.zeros(n), "hnl_pdg": np.full(n, 9900012), "channel": np.zeros(n),
    }
    return assemble_events(scalars, pdg, status, parent, p4, vtx, npart)


def test_event_schema_and_vector_behaviour():
    ev = _toy_events(2000)
    assert set(SCALAR_FIELDS) <= set(ev.fields)
    assert ev.N.mass == pytest.approx(np.full(2000, 0.42), rel=1e-9)
    assert ak.all(ev.particles.pdg[:, 3] == 9900012)
    # conservation of the whole event: projectile + target = final-state sum
    fin = ev.particles[ev.particles.status == 1]
    for comp, init in (("px", 0.0), ("py", 0.0), ("pz", ev.E_nu), ("E", ev.E_nu + 11.174862)):
        np.testing.assert_allclose(ak.to_numpy(ak.sum(fin[comp], axis=1)), init, atol=1e-9)
    has_zp = ev.Zprime.E > 0
    ee = ev.ell_minus[has_zp] + ev.ell_plus[has_zp]
    np.testing.assert_allclose(ak.to_numpy(ee.mass), 0.03, rtol=1e-7)
    assert ak.all(ev.N_decay_vertex.z >= 0)
    for name in ("weight", "E_nu", "particles.pdg", "particles.t"):
        assert name in FIELD_DOCS
    assert "| `weight` | events |" in field_table_markdown()


def test_root_round_trip(tmp_path):
    ev = _toy_events(3000)
    path = tmp_path / "ev.root"
    meta = {"run_card": 'schema_version = 1\n[run]\nseed = 1\n', "hnlgen_version": "0.1.0", "pot": "1.875e+21"}
    write_events(path, ev, meta, basket_events=1000)  # several baskets
    back = read_events(path)
    assert str(back.type) == str(ev.type)
    assert ak.array_equal(back, ev)
    assert back.N.mass[0] == pytest.approx(0.42)
    assert read_metadata(path)["run_card"] == meta["run_card"]
    with uproot.open(path) as f:
        t = f["events"]
        assert t.num_entries == 3000
        assert {"weight", "N_px", "nparticles", "particles_pdg", "particles_t"} <= set(t.keys())
        assert f.classnames()["events;1"] == "TTree"
        # baskets: 3 full + the last one
        assert t["weight"].num_baskets == 3
    assert ak.array_equal(read_events(path, entry_start=10, entry_stop=20), ev[10:20])


@pytest.mark.parametrize("compression", ["lz4", "zlib", "none"])
def test_streaming_writer_many_chunks(tmp_path, compression):
    ev = _toy_events(2500, seed=3)
    path = tmp_path / "chunks.root"
    with EventWriter(path, basket_events=1024, compression=compression) as w:
        for i in range(0, 2500, 300):
            w.write(ev[i:i + 300])
        w.metadata["seed"] = "3"
    assert ak.array_equal(read_events(path), ev)


def test_partial_file_is_removed_on_exception(tmp_path):
    ev = _toy_events(100)
    path = tmp_path / "fail.root"
    with pytest.raises(RuntimeError, match="boom"):
        with EventWriter(path) as w:
            w.write(ev)
            assert [q.name for q in tmp_path.iterdir()] == [w.tmp_path.name]
            assert w.tmp_path.name.startswith("fail.root" + PARTIAL_SUFFIX + "-")
            assert not path.exists()
            raise RuntimeError("boom")
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_writer_rejects_bad_metadata_and_changing_form(tmp_path):
    ev = _toy_events(50)
    with pytest.raises(ValueError, match="form"):
        with EventWriter(tmp_path / "a.root") as w:
            w.write(ev)
            w.write(ev[["weight", "E_nu"]])
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(TypeError, match="must be str"):
        write_events(tmp_path / "b.root", ev, {"pot": 1.0})
    assert list(tmp_path.iterdir()) == []
