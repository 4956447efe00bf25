"""HepMC3 output following NuHepMC 1.0.0 (detectors.output.hepmc, gen.output.nuhepmc), read back with pyhepmc.

The same card and seed are written once as a TTree and once as HepMC3; the HepMC3 file is checked
against the TTree event by event (weights, vertex positions) and against the NuHepMC rules
(statuses, one primary vertex, run-information attributes), and every vertex is checked for
four-momentum conservation.
"""

import json
import math
import sys
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from detectors.output.hepmc import (
    CONVENTIONS,
    PARTICLE_STATUS,
    REMNANT_PDG,
    VERTEX_STATUS,
    HepMC3Writer,
    NuHepMCRunInfo,
)
from detectors.output.root import read_events, read_metadata
from gen.card import load_card
from gen.cli.app import main
from gen.core.flux import flux_for_experiment
from gen.experiments import get_experiment
from gen.output.nuhepmc import PROCESSES, nuhepmc_run_info
from physics import units as u

ROOT = Path(__file__).resolve().parents[2]
pyhepmc = pytest.importorskip("pyhepmc", reason="pyhepmc is in the test extra: pip install '.[test]'")

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
[process]
regimes = ["coherent", "p-el", "n-el"]
[run]
events = 3000
seed = 11
output = "tiny.root"
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("hepmc")
    card = d / "tiny.toml"
    card.write_text(CARD)
    assert main(["run", str(card), "-o", str(d / "ev.root"), "--json", "--precision", "double"]) == 0
    assert main(["run", str(card), "-o", str(d / "ev.hepmc3"), "--format", "hepmc3", "--json"]) == 0
    events = []
    with pyhepmc.open(d / "ev.hepmc3") as f:
        for e in f:
            events.append(e)
    return d, card, read_events(d / "ev.root"), read_metadata(d / "ev.root"), events


def _p4(p):
    m = p.momentum
    return np.array([m.x, m.y, m.z, m.e])


def test_events_and_weights_match_the_ttree(runs):
    d, _card, tree, _meta, events = runs
    assert not list(d.glob("*.partial*"))
    assert len(events) == len(tree) == 3000
    assert [e.event_number for e in events] == ak.to_list(tree.event)
    assert events[0].run_info.weight_names == ["CV", "fiducial", "selected"]
    w = np.array([e.weights for e in events])
    # the W lines carry 22 significant digits: the doubles come back exactly
    np.testing.assert_array_equal(w[:, 0], ak.to_numpy(tree.weight))
    np.testing.assert_array_equal(w[:, 1], ak.to_numpy(tree.weight * tree.w_fiducial))
    np.testing.assert_array_equal(w[:, 2], ak.to_numpy(tree.weight_selected))
    assert math.fsum(w[:, 0]) == pytest.approx(float(ak.sum(tree.weight)), rel=1e-13)
    assert all(e.momentum_unit == pyhepmc.Units.GEV and e.length_unit == pyhepmc.Units.MM for e in events)  # E.R.4


def test_every_vertex_conserves_four_momentum(runs):
    events = runs[4]
    worst = 0.0
    for e in events:
        for v in e.vertices:
            pin = sum(_p4(p) for p in v.particles_in)
            pout = sum(_p4(p) for p in v.particles_out)
            scale = max(abs(x) for x in pin)
            worst = max(worst, float(np.max(np.abs(pin - pout))) / scale)
    # momenta are written with 17 significant digits; the generator conserves them to rounding (~1e-16 relative)
    assert worst < 1e-12


def test_statuses_follow_nuhepmc(runs):
    _d, _card, tree, _meta, events = runs
    regime = ak.to_numpy(tree.regime)
    bound = ak.to_numpy((tree.regime > 0) & (tree.target_pdg != 1000010010))
    assert bound.sum() > 0 and (~bound).sum() > 0  # both event graphs are exercised
    for e, is_bound, reg in zip(events, bound, regime):
        st = [p.status for p in e.particles]
        assert set(st) <= set(PARTICLE_STATUS)
        assert st.count(4) == 1 and st.count(20) == 1  # E.R.7: one beam, one target
        assert {v.status for v in e.vertices} <= set(VERTEX_STATUS)
        primary = [v for v in e.vertices if v.status == 1]
        assert len(primary) == 1  # E.R.6
        beam = next(p for p in e.particles if p.status == 4)
        target = next(p for p in e.particles if p.status == 20)
        assert beam.end_vertex.status == 1 and beam.production_vertex.id == 0  # 0: HepMC3's root vertex
        assert sorted(p.status for p in e.beams) == [4, 20]  # the only incoming particles
        assert abs(beam.pid) in (12, 14)
        for p in e.particles:
            if p.status in (1,):
                assert p.end_vertex is None  # final state
            if p.status == 2:
                assert p.end_vertex is not None and p.end_vertex.status == 22  # decayed at a decay vertex
        assert e.attributes["signal_process_id"].astype(int) == PROCESSES[("coherent", "p-el", "n-el")[reg]].id
        if is_bound:  # nucleus -> struck nucleon + remnant, the nucleus is the target (E.R.7, V.C.1, P.C.1, P.C.2)
            assert target.end_vertex.status == 21 and target.pid > 1_000_000_000
            hit = [p for p in e.particles if p.status == 21]
            assert len(hit) == 1 and hit[0].pid in (2212, 2112) and hit[0].end_vertex.status == 1
            assert REMNANT_PDG in [p.pid for p in target.end_vertex.particles_out]
        else:
            assert target.end_vertex.status == 1 and REMNANT_PDG not in [p.pid for p in e.particles]


def test_displaced_vertices_and_lab_position(runs):
    _d, _card, tree, _meta, events = runs
    c_mm_per_ns = u.c_light * u.ns / u.mm  # 299.792458: HepMC stores c*t
    checked = 0
    for e, ev in zip(events, tree):
        np.testing.assert_allclose(e.attributes["lab_pos"].astype(list[float]),
                                   [10 * ev.vertex.x, 10 * ev.vertex.y, 10 * ev.vertex.z], atol=1e-6)  # 6 decimals in mm
        n = next(p for p in e.particles if abs(p.pid) == 9900012)
        assert n.production_vertex.status == 1 and n.production_vertex.position.t == 0.0  # primary at the origin
        if n.status == 2:
            pos = n.end_vertex.position
            dv = ev.N_decay_vertex
            np.testing.assert_allclose([pos.x, pos.y, pos.z, pos.t],
                                       [10 * dv.x, 10 * dv.y, 10 * dv.z, c_mm_per_ns * dv.t], rtol=1e-14, atol=0)
            checked += 1
            # the Z' decays at its own, displaced vertex: position along its momentum from the N vertex
            zp = [p for p in n.end_vertex.particles_out if p.pid == 32]
            if zp and zp[0].end_vertex is not None:
                d = np.array([zp[0].end_vertex.position.x - pos.x, zp[0].end_vertex.position.y - pos.y,
                              zp[0].end_vertex.position.z - pos.z])
                pz = _p4(zp[0])[:3]
                assert np.linalg.norm(np.cross(d, pz)) <= 1e-9 * np.linalg.norm(d) * np.linalg.norm(pz) + 1e-12
    assert checked > 0


def test_run_info_attributes(runs):
    d, card_path, tree, meta, events = runs
    ri = events[0].run_info
    a = ri.attributes
    assert ri.tools[0].name == "hnlgen" and ri.tools[0].version == meta["hnlgen_version"]  # G.R.3
    assert [a[f"NuHepMC.Version.{k}"].astype(int) for k in ("Major", "Minor", "Patch")] == [1, 0, 0]  # G.R.2
    assert a["NuHepMC.Conventions"].astype(list[str]) == list(CONVENTIONS)  # G.R.4
    ids = a["NuHepMC.ProcessIDs"].astype(list[int])  # G.R.8
    assert ids == [150, 250, 251]
    for i in ids:
        assert a[f"NuHepMC.ProcessInfo[{i}].Name"].astype(str)
        assert a[f"NuHepMC.ProcessInfo[{i}].Description"].astype(str)
        assert a[f"NuHepMC.Citations.Process[{i}].arXiv"].astype(list[str]) == ["1807.09877", "1903.07589"]
    for kind, table in (("Vertex", VERTEX_STATUS), ("Particle", PARTICLE_STATUS)):  # G.R.9, G.R.10
        assert a[f"NuHepMC.{kind}StatusIDs"].astype(list[int]) == sorted(table)
        for code in table:
            assert a[f"NuHepMC.{kind}StatusInfo[{code}].Name"].astype(str) == table[code][0]
    extra = a["NuHepMC.AdditionalParticleNumbers"].astype(list[int])  # G.R.11
    assert {9900012, -9900012, 32, 54} <= set(extra)
    assert all(a[f"NuHepMC.AdditionalParticleNumber[{k}].Name"].astype(str) for k in extra)
    assert a["NuHepMC.Units.CrossSection.Unit"].astype(str) == "pb"  # G.R.6
    assert a["NuHepMC.Units.CrossSection.TargetScale"].astype(str) == "PerAtom"
    assert a["NuHepMC.Exposure.POT"].astype(float) == float(meta["pot"])  # G.C.1
    assert a["NuHepMC.Provenance.hnlgen.run_card"].astype(str) == meta["run_card"]  # G.S.1
    assert a["NuHepMC.Provenance.hnlgen.seed"].astype(str) == "11"
    assert json.loads(a["NuHepMC.Provenance.hnlgen.model"].astype(str)) == json.loads(meta["model"])

    # G.C.4 flux histograms and G.C.2: sigma_bar * POT * Phi * N_atoms is the tables' expected number of
    # events, of which sum(CV) is the Monte Carlo estimate (agreement within 5 MC standard errors)
    card = load_card(card_path)
    exp = get_experiment(card)
    flux = flux_for_experiment(exp)
    phi = 0.0
    for f, pdg in (("numu", 14), ("numubar", -14), ("nue", 12), ("nuebar", -12)):
        content = np.array(a[f"NuHepMC.Beam[{pdg}].Histogram.BinContent"].astype(list[float])) / 1e20
        np.testing.assert_allclose(content, flux.bin_flux[flux.index(f)], rtol=1e-12, atol=0)
        assert f"NuHepMC.Beam[{pdg}].RateUnit" not in a  # NuHepMC 0.9 name, renamed FluxUnit in 1.0.0
        phi += content.sum()
    assert a["NuHepMC.Beam.FluxUnit"].astype(str) == "nu/cm2/1e20POT"
    assert a["NuHepMC.Beam.EnergyUnit"].astype(str) == "GEV"
    n_atoms = sum(t.n_nuclei for t in exp.targets)
    # the normalisation from the file alone, exactly (no guess of the target count: issue 15)
    atoms, flux_int = a["hnlgen.TargetAtoms"].astype(float), a["hnlgen.IntegratedFlux"].astype(float)
    assert atoms == pytest.approx(n_atoms, rel=1e-13)  # 15 digits in the text
    assert flux_int == pytest.approx(phi, rel=1e-12)
    sigma_pb = a["NuHepMC.FluxAveragedTotalCrossSection"].astype(float)
    assert sigma_pb * u.pb * exp.pot * flux_int * atoms == pytest.approx(a["hnlgen.ExpectedEvents"].astype(float), rel=1e-12)
    expected_tables = sigma_pb * u.pb * exp.pot * phi * n_atoms
    expected = json.loads(meta["expected_events"])
    mc, err = expected["expected_events"]["final_state"], expected["errors"]["final_state"]
    assert abs(expected_tables - mc) < 5 * err
    assert err / mc < 0.02  # the comparison above is a real one


def test_writer_partial_file_and_errors(runs, tmp_path):
    _d, card_path, tree, _meta, _events = runs
    from gen.sources.upscattering import prepare

    info = nuhepmc_run_info(prepare(load_card(card_path)), 11)
    with pytest.raises(ValueError, match="must end in .hepmc3 or .hepmc"):
        HepMC3Writer(tmp_path / "x.root", info)
    path = tmp_path / "x.hepmc3"
    with pytest.raises(RuntimeError, match="boom"):
        with HepMC3Writer(path, info) as w:
            w.write(tree[:10])
            assert w.tmp_path.exists() and w.tmp_path.name.startswith("x.hepmc3.partial-")
            raise RuntimeError("boom")
    assert not list(tmp_path.iterdir())  # nothing left: neither the final name nor the .partial file
    with pytest.raises(ValueError, match="no field 'particles'"):
        with HepMC3Writer(path, info) as w:
            w.write(tree[["event", "weight", "target_pdg", "regime"]][:5])
    only_coherent = NuHepMCRunInfo(**{**info.__dict__, "processes": {0: PROCESSES["coherent"]}})
    with pytest.raises(ValueError, match=r"regime values \[1\] have no NuHepMC process"):
        with HepMC3Writer(path, only_coherent) as w:
            w.write(tree[tree.regime == 1][:5])
    assert not list(tmp_path.iterdir())


def test_cli_hepmc3_errors(runs, tmp_path, capsys, monkeypatch):
    _d, card_path, *_ = runs
    assert main(["run", str(card_path), "--format", "hepmc3"]) == 2  # the card's output is tiny.root
    assert "must end in .hepmc3 or .hepmc" in capsys.readouterr().err
    assert main(["run", str(ROOT / "cards" / "na62_appendixA_ee.toml"), "-o", str(tmp_path / "n.hepmc3"), "--format", "hepmc3"]) == 2
    assert "not available for na62 cards" in capsys.readouterr().err
    assert main(["run", str(card_path), "-o", str(tmp_path / "c.hepmc3"), "--format", "hepmc3", "--compression", "zstd"]) == 2
    assert "--compression zstd applies to ttree and rntuple" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "pyhepmc", None)  # as if the extra were not installed
    assert main(["run", str(card_path), "-o", str(tmp_path / "m.hepmc3"), "--format", "hepmc3"]) == 2
    err = capsys.readouterr().err
    assert "--format hepmc3" in err and 'pip install "hnlgen[hepmc]"' in err
    assert not list(tmp_path.iterdir())
