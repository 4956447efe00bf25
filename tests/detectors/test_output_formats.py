"""ROOT layouts of detectors.output.root: TTree (default) and RNTuple hold the same events and metadata."""

import json

import awkward as ak
import numpy as np
import pytest
import uproot
import vector

from detectors.output.root import ROOT_FORMATS, EventWriter, read_events, read_metadata, write_events
from gen.card import CardError, load_card
from gen.cli.app import main
from gen.sources.upscattering import generate

vector.register_awkward()

CARD = """schema_version = 1
[model]
hnl_type = "dirac"
m4 = 0.420
mzprime = 0.030
Umu4 = 9.486832980505138e-4
UD4 = 1.0
alphaD = 0.25
alpha_epsilon2 = 2e-10
[experiment]
name = "miniboone_fhc"
flavours = ["numu", "numubar"]
[process]
regimes = ["coherent", "p-el", "n-el"]
helicities = ["conserving", "flipping"]
[run]
events = 2000
seed = 7
output = "tiny.root"
"""


@pytest.fixture(scope="module")
def card_path(tmp_path_factory):
    p = tmp_path_factory.mktemp("fmt") / "tiny.toml"
    p.write_text(CARD)
    return p


@pytest.fixture(scope="module")
def events(card_path):
    # the detector stage adds the `vertex` record and flat reconstructed fields (a bool among them)
    return generate(load_card(card_path), reconstruct=True)


def test_ttree_and_rntuple_round_trips_are_identical(events, tmp_path):
    meta = {"pot": "1.875e21", "run_card": "schema_version = 1\n"}
    # basket_events 700: several baskets / clusters, the last one partial
    write_events(tmp_path / "t.root", events, meta, basket_events=700)
    write_events(tmp_path / "r.root", events, meta, basket_events=700, format="rntuple")
    with uproot.open(tmp_path / "r.root") as f:
        assert f.classname_of("events") == "ROOT::RNTuple"
        rn = f["events"].arrays()
    with uproot.open(tmp_path / "t.root") as f:
        assert f.classname_of("events") == "TTree"
        tt = f["events"].arrays()
    # one naming for both layouts (issue 15): the same uproot field names and the same values
    assert rn.fields == tt.fields and {"N_E", "nparticles", "particles_pdg", "vertex_x"} <= set(rn.fields)
    for name in ("N_E", "nparticles", "particles_pdg", "particles_px", "E_QE"):
        assert ak.array_equal(rn[name], tt[name], equal_nan=True), name
    t, r = read_events(tmp_path / "t.root"), read_events(tmp_path / "r.root")
    assert t.layout.form == r.layout.form == events.layout.form  # Momentum4D names restored
    assert ak.array_equal(t, r, equal_nan=True) and ak.array_equal(r, events, equal_nan=True)
    assert ak.array_equal(read_events(tmp_path / "r.root", 650, 1450), events[650:1450], equal_nan=True)
    assert float(ak.sum(r.N.mass - events.N.mass)) == 0.0  # vector behaviour works on the RNTuple read
    assert read_metadata(tmp_path / "t.root") == read_metadata(tmp_path / "r.root")


def test_rntuple_streaming_from_selected_chunks(events, tmp_path):
    # selections give indexed layouts; chunks of different lengths extend one RNTuple
    chunks = [events[events.regime == k] for k in (0, 1, 2)]
    with EventWriter(tmp_path / "s.root", basket_events=256, format="rntuple") as w:
        for c in chunks:
            w.write(c)
    assert ak.array_equal(read_events(tmp_path / "s.root"), ak.concatenate(chunks), equal_nan=True)


def test_bad_format_is_rejected(tmp_path):
    assert ROOT_FORMATS == ("ttree", "rntuple")
    with pytest.raises(ValueError, match="format = 'hepmc3': allowed ttree, rntuple"):
        EventWriter(tmp_path / "x.root", format="hepmc3")


def test_cli_rntuple_matches_ttree(card_path, tmp_path, capsys):
    t, r = tmp_path / "t.root", tmp_path / "r.root"
    assert main(["run", str(card_path), "-o", str(t), "--json"]) == 0
    assert main(["run", str(card_path), "-o", str(r), "--format", "rntuple", "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert json.loads(out[0])["expected_events"] == json.loads(out[1])["expected_events"]
    assert ak.array_equal(read_events(t), read_events(r), equal_nan=True)
    mt, mr = read_metadata(t), read_metadata(r)
    assert set(mt) == set(mr) and mt["run_card"] == mr["run_card"] and mt["pot"] == mr["pot"]
    with uproot.open(t) as ft, uproot.open(r) as fr:
        for h in ("h_E_QE", "h_E_vis", "h_cos_theta"):
            assert (ft[h].values() == fr[h].values()).all()


def test_card_format_key(card_path, tmp_path, capsys):
    c = tmp_path / "rn.toml"
    c.write_text(CARD.replace('output = "tiny.root"', f'output = "{tmp_path / "card.root"}"\nformat = "rntuple"'))
    assert load_card(c).run.format == "rntuple"
    assert main(["run", str(c), "-n", "300"]) == 0
    with uproot.open(tmp_path / "card.root") as f:
        assert f.classname_of("events") == "ROOT::RNTuple"
    bad = tmp_path / "bad.toml"
    bad.write_text(CARD.replace("[run]", '[run]\nformat = "RNTuple"'))
    with pytest.raises(CardError, match="run.format = 'RNTuple': allowed: 'ttree', 'rntuple' or 'hepmc3'"):
        load_card(bad)


def test_cli_rejects_format_and_suffix_mismatch(card_path, tmp_path, capsys):
    assert main(["run", str(card_path), "-o", str(tmp_path / "x.hepmc3"), "--format", "rntuple"]) == 2
    assert "--format rntuple writes a ROOT file" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_colliding_branch_names_are_refused(tmp_path):
    """TTree: a record ``vtx`` (split by uproot into vtx_x, vtx_y, vtx_z) beside a scalar ``vtx_z``
    would lose one of them silently; the writer refuses and leaves no file behind. (An RNTuple has the
    same flat names, so it refuses the same array.)"""
    arr = ak.zip({"vtx": ak.zip({"x": [1.0], "y": [2.0], "z": [3.0]}), "vtx_z": [4.0]}, depth_limit=1)
    for fmt in ROOT_FORMATS:
        with pytest.raises(ValueError, match="'vtx_z' would be written twice"):
            write_events(tmp_path / "c.root", arr, format=fmt)
    assert not list(tmp_path.glob("c.root*"))


def test_records_whose_contents_are_longer_than_the_record(tmp_path):
    """The TTree's columns come from the layout (``_branch_dict``): a record whose contents are longer than the
    record (awkward allows it) writes only the record's entries, and a list of records goes through uproot's
    jagged branches, for both layouts."""
    p4 = ak.contents.RecordArray([ak.contents.NumpyArray(np.arange(5.0) + 10 * i) for i in range(2)], ["px", "py"],
                                 length=3)
    lst = ak.Array([[{"e": 1.0}, {"e": 2.0}], [], [{"e": 3.0}]]).layout
    arr = ak.Array(ak.contents.RecordArray([ak.contents.NumpyArray(np.arange(4, dtype=np.int32)), p4, lst],
                                           ["n", "N", "xs"], length=3))
    assert arr.tolist() == [{"n": 0, "N": {"px": 0.0, "py": 10.0}, "xs": [{"e": 1.0}, {"e": 2.0}]},
                            {"n": 1, "N": {"px": 1.0, "py": 11.0}, "xs": []},
                            {"n": 2, "N": {"px": 2.0, "py": 12.0}, "xs": [{"e": 3.0}]}]
    for fmt in ROOT_FORMATS:
        path = tmp_path / f"r_{fmt}.root"
        write_events(path, arr, format=fmt)
        assert read_events(path).tolist() == arr.tolist(), fmt
    with uproot.open(tmp_path / "r_ttree.root") as f:
        t = f["events"]
        assert t.keys() == ["n", "N_px", "N_py", "nxs", "xs_e"]
        assert t["N_py"].array(library="np").tolist() == [10.0, 11.0, 12.0]


@pytest.mark.parametrize("compression", ["lz4", "zstd"])
def test_incompressible_branches_are_written_uncompressed(events, tmp_path, monkeypatch, compression):
    """Branches whose first values do not shrink are not compressed at all (``incompressible_branches``, issue 16):
    with LZ4 float32 momenta are among them, the particle list and the codes are not; every branch's baskets have the
    sizes of a file that tries to compress everything (uproot stores an incompressible basket as it is), and the
    values read back are the same."""
    import detectors.output.root as R

    paths = {}
    for probe in (True, False):
        if not probe:
            monkeypatch.setattr(R, "incompressible_branches", lambda data, codec: [])
        paths[probe] = tmp_path / f"p{probe}.root"
        with EventWriter(paths[probe], compression=compression, precision="mixed") as w:
            w.write(events)
        if probe:
            skipped = set(w.uncompressed_branches)
    if compression == "lz4":  # ZSTD's entropy coding shrinks float32 mantissas a little: those branches keep it
        assert {"N_px", "weight"} <= skipped
    assert not skipped & {"nparticles", "particles_pdg", "hnl_pdg", "regime"}
    with uproot.open(paths[True]) as a, uproot.open(paths[False]) as b:
        ta, tb = a["events"], b["events"]
        assert ta.keys() == tb.keys()
        for k in ta.keys():
            assert ta[k].compressed_bytes == tb[k].compressed_bytes, k
            if k in skipped:
                assert ta[k].compressed_bytes == ta[k].uncompressed_bytes, k
    assert ak.array_equal(read_events(paths[True]), read_events(paths[False]), equal_nan=True)


_RDF = r"""
import json, sys
import ROOT
out = []
for path in sys.argv[1:3]:
    df = ROOT.RDataFrame("events", path)
    d = df.Define("x", "N_E + 0.5 * particles_pdg.size() + nparticles + particles_px[3]").Filter("E_QE > 0.2")
    out.append([d.Sum("x").GetValue(), d.Count().GetValue(), df.Sum("weight").GetValue()])
# a compact file: the named branches, and a clean refusal of the full record's particles_* (no read past an empty list)
df = ROOT.RDataFrame("events", sys.argv[3])
d = df.Define("x", "N_E + 0.5 * particle_list_pdg.size() + nparticle_list").Filter("E_QE > 0.2")
out.append([d.Sum("x").GetValue(), d.Count().GetValue(), df.Sum("weight").GetValue()])
try:
    df.Define("y", "particles_px[3]").Sum("y").GetValue()
    out.append("read")
except Exception:  # ROOT's jit error (cppyy runtime_error); the cause is on stderr
    out.append("refused")
print(json.dumps(out))
"""


def test_same_rdataframe_code_on_ttree_and_rntuple(card_path, tmp_path, root_python):
    """ROOT itself (>= 6.34) runs one RDataFrame expression on both layouts with the same result; on a compact file
    (the default record) the full record's ``particles_*`` are an unknown column, not a read past an empty list.
    Skipped without ROOT (importable, or a separate environment's Python in HNLGEN_ROOT_PYTHON)."""
    import subprocess

    t, r, c = tmp_path / "t.root", tmp_path / "r.root", tmp_path / "c.root"
    assert main(["run", str(card_path), "-o", str(t), "--json", "--record", "full"]) == 0
    assert main(["run", str(card_path), "-o", str(r), "--format", "rntuple", "--json", "--record", "full"]) == 0
    assert main(["run", str(card_path), "-o", str(c), "--json"]) == 0
    res = subprocess.run([root_python, "-c", _RDF, str(t), str(r), str(c)], capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    a, b, cc, refused = json.loads(res.stdout.strip().splitlines()[-1])
    assert a == b and a[1] > 0
    assert refused == "refused" and "undeclared identifier 'particles_px'" in res.stderr
    evc = read_events(c)
    sel = ak.to_numpy(evc.E_QE) > 0.2
    n_list = ak.to_numpy(uproot.open(c)["events"]["nparticle_list"].array())
    expect = ak.to_numpy(evc.N.E).astype(np.float64) + 1.5 * n_list
    assert cc[1] == a[1] == int(sel.sum()) and cc[0] == pytest.approx(float(expect[sel].sum()), rel=1e-6)
    ev = read_events(t)
    assert a[2] == pytest.approx(float(ak.sum(ev.weight)), rel=1e-12)


_RDF_NA62 = r"""
import json, sys
import ROOT
df = ROOT.RDataFrame("events", sys.argv[1])
d = df.Define("dt", "vtx_N_t - vtx_K_t").Define("n", "nparticle_list + particle_list_pdg.size()")
print(json.dumps([d.Sum("dt").GetValue(), d.Sum("n").GetValue(), df.Sum("K_E").GetValue(), df.Count().GetValue()]))
"""


def test_root_reads_a_compact_na62_file(tmp_path, root_python):
    """ROOT (>= 6.34) reads an NA62 file of the default (compact) record: the vertex times (``vtx_K_t``, ``vtx_N_t``)
    and the named four-vectors as plain branches, ``nparticle_list`` 0 for every event; the same sums as
    ``read_events`` (which rebuilds the list). Skipped without ROOT."""
    import subprocess

    path = tmp_path / "na62.root"
    assert main(["run", "na62_light_zprime", "-n", "5000", "-o", str(path), "--json"]) == 0
    res = subprocess.run([root_python, "-c", _RDF_NA62, str(path)], capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr
    dt, n, k_e, count = json.loads(res.stdout.strip().splitlines()[-1])
    ev = read_events(path)
    assert count == len(ev) == 5000 and n == 0
    assert dt == pytest.approx(float(np.sum(ak.to_numpy(ev.vtx_N.t) - ak.to_numpy(ev.vtx_K.t))), rel=1e-12)
    assert k_e == pytest.approx(float(ak.sum(ev.K.E)), rel=1e-12)
    assert np.all(ak.to_numpy(ak.num(ev.particles)) == 7)
