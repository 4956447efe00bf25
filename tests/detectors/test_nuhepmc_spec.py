"""A NuHepMC 1.0.0 conformance check of ``hnlgen run --format hepmc3``, written from the specification.

Source: *NuHepMC Specification Version 1.0.0*, github.com/NuHepMC/Spec README.md (2025-05-28, commit
06f4550; paper arXiv:2310.13211). Every requirement (R) is checked; every convention (C) or suggestion (S)
the file signals in ``NuHepMC.Conventions`` is checked, and the ones the specification calls "should"
for all generators (G.C.1, G.C.4, G.S.1, G.S.2) are required to be signalled. The checker uses only the
specification's names and numbers (it imports nothing from ``detectors.output.hepmc``) and reads the file with
pyhepmc (the HepMC3 C++ reader). HepMC3's ASCII format does not store attribute types, so a "DoubleAttribute"
is checked as text that parses as a float, a "VectorIntAttribute" as a list of integers, and so on.
"""

import math
import re
from pathlib import Path

import numpy as np
import pytest

pyhepmc = pytest.importorskip("pyhepmc", reason="pyhepmc is in the test extra: pip install '.[test]'")
particle = pytest.importorskip("particle")

ROOT = Path(__file__).resolve().parents[2]

RESERVED_VERTEX = set(range(3, 21)) | {0}  # V.R.1: 0 not defined, 3-20 reserved
RESERVED_PARTICLE = {0} | set(range(5, 20))  # P.R.1: 0 not defined, 5-10 HepMC3, 11-19 NuHepMC reserved
LABEL = re.compile(r"^[GEVP]\.[RCS]\.\d+$")
ABUNDANCE = re.compile(r"^(?P<pdg>\d{10})(\[(?P<x>[0-9.eE+-]+)\])?$")


_EMPTY = {str: "", int: -1, float: math.nan, list[int]: [], list[str]: [], list[float]: []}


def spec_violations(path):
    """List of (label, message) for every NuHepMC 1.0.0 rule the file breaks."""
    bad = []

    def need(cond, label, msg):
        if not cond:
            bad.append((label, msg))

    def _attr(a, name, kind, label="G.R"):
        """Attribute ``name`` parsed as ``kind``; a missing, empty or unparsable one is a violation."""
        try:
            value = a[name].astype(kind) if name in a else None
        except (TypeError, ValueError):
            value = None
        if value is None or (kind is str and not value):
            bad.append((label, f"attribute {name!r} missing, empty or not a {kind}"))
            return _EMPTY[kind]
        return value

    with pyhepmc.open(path) as f:
        events = list(f)
    need(len(events) > 0, "G.R.1", "no events")
    ri = events[0].run_info
    need(ri is not None, "G.R.1", "no GenRunInfo")
    a = ri.attributes
    # G.R.2 version
    need([_attr(a, f"NuHepMC.Version.{k}", int, "G.R.2") for k in ("Major", "Minor", "Patch")] == [1, 0, 0], "G.R.2", "version != 1.0.0")
    # G.R.3 tools with non-empty name and version
    need(len(ri.tools) >= 1 and all(t.name and t.version for t in ri.tools), "G.R.3", "tool without name or version")
    # G.R.4 conventions
    conv = set(_attr(a, "NuHepMC.Conventions", list[str], "G.R.4"))
    need(all(LABEL.match(c) for c in conv), "G.R.4", f"malformed labels {sorted(conv)}")
    # G.R.5 / G.C.2 / E.C.4
    need("G.C.2" in conv or "E.C.4" in conv, "G.R.5", "neither G.C.2 nor E.C.4 signalled")
    if "G.C.2" in conv:
        sigma = _attr(a, "NuHepMC.FluxAveragedTotalCrossSection", float, "G.C.2")
        need(math.isfinite(sigma) and sigma >= 0, "G.C.2", f"sigma = {sigma}")
    # G.R.6 units (the reserved values are the recommended ones)
    need(_attr(a, "NuHepMC.Units.CrossSection.Unit", str, "G.R.6") in ("pb", "10-38 cm2", "cm2"), "G.R.6", "unit not a reserved value")
    need(_attr(a, "NuHepMC.Units.CrossSection.TargetScale", str, "G.R.6") in ("PerAtom", "PerNucleon"), "G.R.6", "target scale")
    # G.R.7 weights
    names = list(ri.weight_names)
    need("CV" in names, "G.R.7", f"weight names {names} without CV")
    # G.R.8 processes
    procs = set(_attr(a, "NuHepMC.ProcessIDs", list[int], "G.R.8"))
    for p in procs:
        need(bool(_attr(a, f"NuHepMC.ProcessInfo[{p}].Name", str, "G.R.8")), "G.R.8", f"process {p} name")
        need(bool(_attr(a, f"NuHepMC.ProcessInfo[{p}].Description", str, "G.R.8")), "G.R.8", f"process {p} description")
    # G.R.9 / G.R.10 declared statuses with name and description
    vstat = set(_attr(a, "NuHepMC.VertexStatusIDs", list[int], "G.R.9"))
    pstat = set(_attr(a, "NuHepMC.ParticleStatusIDs", list[int], "G.R.10"))
    for kind, ids in (("Vertex", vstat), ("Particle", pstat)):
        for i in ids:
            _attr(a, f"NuHepMC.{kind}StatusInfo[{i}].Name", str, "G.R.9/10")
            _attr(a, f"NuHepMC.{kind}StatusInfo[{i}].Description", str, "G.R.9/10")
    # G.R.11 additional particle numbers, each with a name
    extra = set(_attr(a, "NuHepMC.AdditionalParticleNumbers", list[int], "G.R.11"))
    for pdg in extra:
        _attr(a, f"NuHepMC.AdditionalParticleNumber[{pdg}].Name", str, "G.R.11")
        if "G.C.5" in conv:  # G.C.5 descriptions
            _attr(a, f"NuHepMC.AdditionalParticleInfo[{pdg}].Description", str, "G.C.5")
    # G.C.1 exposure ("should": required here)
    need("G.C.1" in conv, "G.C.1", "exposure not signalled")
    need(any(k in a for k in ("NuHepMC.Exposure.POT", "NuHepMC.Exposure.Livetime")), "G.C.1", "no exposure attribute")
    if "NuHepMC.Exposure.POT" in a:
        need(_attr(a, "NuHepMC.Exposure.POT", float, "G.C.1") > 0, "G.C.1", "POT <= 0")
    # G.C.3 citations: NuHepMC.Citations.<Comp>.<Type>, alphanumeric (Process[<ID>] reserved)
    if "G.C.3" in conv:
        cites = [k for k in a if k.startswith("NuHepMC.Citations.")]
        need(len(cites) > 0, "G.C.3", "no citation attribute")
        for k in cites:
            need(re.match(r"^NuHepMC\.Citations\.(Generator|Process\[-?\d+\]|[A-Za-z0-9]+)\.[A-Za-z0-9]+$", k) is not None,
                 "G.C.3", f"citation key {k!r}")
            need(len(_attr(a, k, list[str], "G.C.3")) > 0, "G.C.3", f"{k} empty")
    # G.C.4 beam description ("should": required here), 1.0.0 unit names
    need("G.C.4" in conv, "G.C.4", "beam description not signalled")
    need(_attr(a, "NuHepMC.Beam.EnergyUnit", str, "G.C.4") in ("GEV", "MEV"), "G.C.4", "EnergyUnit not a reserved value")
    flux_unit = _attr(a, "NuHepMC.Beam.FluxUnit", str, "G.C.4")
    need(flux_unit != "Arbitrary", "G.C.4", "flux normalisation arbitrary although the run is normalised")
    need(not any(k.endswith("RateUnit") for k in a), "G.C.4", "NuHepMC 0.9 name RateUnit (1.0.0: FluxUnit)")
    beams = {int(m.group(1)) for k in a if (m := re.match(r"^NuHepMC\.Beam\[(-?\d+)\]\.Type$", k))}
    need(len(beams) > 0, "G.C.4", "no NuHepMC.Beam[<PDG>].Type")
    for pdg in beams:
        kind = _attr(a, f"NuHepMC.Beam[{pdg}].Type", str, "G.C.4")
        need(kind in ("MonoEnergetic", "Histogram"), "G.C.4", f"beam {pdg} type {kind!r}")
        if kind == "Histogram":
            edges = _attr(a, f"NuHepMC.Beam[{pdg}].Histogram.BinEdges", list[float], "G.C.4")
            content = _attr(a, f"NuHepMC.Beam[{pdg}].Histogram.BinContent", list[float], "G.C.4")
            need(len(edges) == len(content) + 1, "G.C.4", f"beam {pdg}: {len(edges)} edges, {len(content)} contents")
            need(bool(np.all(np.diff(edges) > 0)), "G.C.4", f"beam {pdg}: edges not increasing")
            need(bool(content) and min(content) >= 0 and sum(content) > 0, "G.C.4", f"beam {pdg}: contents")
    # G.S.1 provenance, G.S.2 complete status metadata (checked against the events below)
    need("G.S.1" in conv and any(k.startswith("NuHepMC.Provenance") for k in a), "G.S.1", "no provenance")
    # G.S.3 relative atomic abundances
    if "G.S.3" in conv:
        ab = _attr(a, "NuHepMC.TargetMaterialRelativeAtomicAbundance", list[str], "G.S.3")
        for item in ab:
            need(ABUNDANCE.match(item) is not None, "G.S.3", f"abundance {item!r}")

    # events
    numbers = set()
    used_v, used_p, used_pdg = set(), set(), set()
    for ev in events:
        numbers.add(ev.event_number)
        need(ev.event_number >= 0, "E.R.2", f"event number {ev.event_number}")
        pid = ev.attributes["signal_process_id"].astype(int) if "signal_process_id" in ev.attributes else None
        need(pid in procs, "E.R.3", f"signal_process_id {pid} not declared")
        need(ev.momentum_unit == pyhepmc.Units.GEV or ev.momentum_unit == pyhepmc.Units.MEV, "E.R.4", "momentum unit")
        need(ev.length_unit in (pyhepmc.Units.MM, pyhepmc.Units.CM), "E.R.4", "length unit")
        lab = ev.attributes["lab_pos"].astype(list[float]) if "lab_pos" in ev.attributes else None
        need(lab is not None and len(lab) in (3, 4), "E.R.5", f"lab_pos {lab}")
        need(len(ev.weights) == len(names), "G.R.7", "weights and weight names differ in length")
        vst = [v.status for v in ev.vertices]
        used_v.update(vst)
        need(vst.count(1) == 1, "E.R.6", f"event {ev.event_number}: {vst.count(1)} primary vertices")
        need(not (set(vst) & RESERVED_VERTEX), "V.R.1", f"reserved vertex status in {sorted(set(vst))}")
        pst = [p.status for p in ev.particles]
        used_p.update(pst)
        used_pdg.update(p.pid for p in ev.particles)
        need(pst.count(4) == 1 and pst.count(20) == 1, "E.R.7", f"event {ev.event_number}: beam/target count")
        need(not (set(pst) & RESERVED_PARTICLE), "P.R.1", f"reserved particle status in {sorted(set(pst))}")
        for p in ev.particles:
            if p.production_vertex is None or p.production_vertex.id == 0:
                need(p.status in (4, 20), "P.R.1", f"incoming particle {p.pid} with status {p.status}")
            if p.end_vertex is None:
                need(p.status == 1, "P.R.1", f"outgoing particle {p.pid} with status {p.status}")
            if p.status == 20:  # E.R.7: a bound nucleon is never the target
                bound = any(q.status == 21 for q in ev.particles)
                need(not (bound and p.pid in (2212, 2112)), "E.R.7", "bound nucleon marked as target")
        for v in ev.vertices:  # E.R.1 (and the remnant of P.C.2): four-momentum conserved at every vertex
            pin = sum((np.array([q.momentum.x, q.momentum.y, q.momentum.z, q.momentum.e]) for q in v.particles_in), np.zeros(4))
            pout = sum((np.array([q.momentum.x, q.momentum.y, q.momentum.z, q.momentum.e]) for q in v.particles_out), np.zeros(4))
            need(np.allclose(pin, pout, rtol=1e-9, atol=1e-9 * max(1.0, pin[3])), "E.R.1", f"vertex {v.id} does not conserve p4")
    need(len(numbers) == len(events), "E.R.2", "event numbers not unique")
    # G.R.9 / G.R.10 generator-specific codes used must be declared (unless their convention is signalled)
    for code in used_v:
        if 21 <= code <= 999 and not (code == 21 and "V.C.1" in conv):
            need(code in vstat, "G.R.9", f"vertex status {code} not declared")
        if "G.S.2" in conv:
            need(code in vstat, "G.S.2", f"vertex status {code} not described")
    for code in used_p:
        if 21 <= code <= 200 and not (code == 21 and "P.C.1" in conv):
            need(code in pstat, "G.R.10", f"particle status {code} not declared")
        if "G.S.2" in conv:
            need(code in pstat, "G.S.2", f"particle status {code} not described")
    # G.R.11 every non-PDG number used is declared (P.C.2's remnant excepted when signalled)
    for pdg in used_pdg:
        standard = bool(particle.pdgid.is_valid(pdg)) and pdg not in (2009900000,)
        if not standard and not (pdg == 2009900000 and "P.C.2" in conv):
            need(pdg in extra, "G.R.11", f"particle number {pdg} not declared")
    return bad


@pytest.fixture(scope="module")
def hepmc_file(tmp_path_factory):
    from gen.cli.app import main

    d = tmp_path_factory.mktemp("nuhepmc")
    out = d / "lz.hepmc3"
    # coherent and elastic on bound and free nucleons: every vertex and particle kind the writer makes
    assert main(["run", str(ROOT / "cards" / "miniboone_light_zprime.toml"), "-n", "3000", "-o", str(out), "--json"]) == 0
    return out


def test_file_follows_nuhepmc_1_0_0(hepmc_file):
    assert spec_violations(hepmc_file) == []


def test_file_covers_the_conventions_it_signals(hepmc_file):
    """The checks above are not vacuous: the file has bound-nucleon events (V.C.1, P.C.1, P.C.2), several
    processes and beams, and the checker catches a 0.9-style file."""
    with pyhepmc.open(hepmc_file) as f:
        events = list(f)
    a = events[0].run_info.attributes
    assert {"G.C.1", "G.C.2", "G.C.4", "G.S.3", "V.C.1", "P.C.1", "P.C.2"} <= set(a["NuHepMC.Conventions"].astype(list[str]))
    assert any(v.status == 21 for e in events for v in e.vertices)
    assert any(p.pid == 2009900000 for e in events for p in e.particles)
    assert len({e.attributes["signal_process_id"].astype(int) for e in events}) >= 2
    # CH2: carbon atoms are half the hydrogen atoms (G.S.3)
    assert sorted(a["NuHepMC.TargetMaterialRelativeAtomicAbundance"].astype(list[str])) == ["1000010010", "1000060120[0.5]"]


def test_checker_catches_violations(hepmc_file, tmp_path):
    """A file edited into NuHepMC 0.9 names (RateUnit, no FluxUnit) and with a broken version fails."""
    text = hepmc_file.read_text()
    bad = (text.replace("A NuHepMC.Beam.FluxUnit ", "A NuHepMC.Beam[14].RateUnit ")
           .replace("A NuHepMC.Version.Major 1", "A NuHepMC.Version.Major 0"))
    p = tmp_path / "bad.hepmc3"
    p.write_text(bad)
    found = spec_violations(p)
    assert ("G.R.2", "version != 1.0.0") in found
    assert any(label == "G.C.4" and "FluxUnit" in msg for label, msg in found)
    assert any(label == "G.C.4" and "RateUnit" in msg for label, msg in found)


def test_format_from_the_output_suffix(hepmc_file, tmp_path, capsys):
    """``-o x.hepmc3`` alone writes NuHepMC (the fixture above); an explicit --format that contradicts the
    suffix is one line and exit 2, before any generation."""
    from gen.cli.app import main

    card = str(ROOT / "cards" / "miniboone_light_zprime.toml")
    assert hepmc_file.read_text()[:200].startswith("HepMC::Version")
    assert main(["run", card, "-o", str(tmp_path / "x.hepmc3"), "--format", "ttree"]) == 2
    assert "must not end in .hepmc3" in capsys.readouterr().err
    assert main(["run", card, "-o", str(tmp_path / "x.root"), "--format", "hepmc3"]) == 2
    assert "must end in .hepmc3 or .hepmc" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
