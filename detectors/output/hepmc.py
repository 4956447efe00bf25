"""HepMC3 ASCII output following the NuHepMC conventions, written with pyhepmc.

NuHepMC: S. Gardiner, J. Isaacson, L. Pickering, "NuHepMC: A standardized event record format for
neutrino event generators", arXiv:2310.13211 (SciPost Phys. Codebases, code version 1.0.0); the
requirement (R), convention (C) and suggestion (S) labels below are those of the specification
text *NuHepMC Specification Version 1.0.0* (github.com/NuHepMC/Spec, README).

What a file holds
-----------------
Run information (``HepMC3::GenRunInfo``), written once at the top:

* G.R.2 ``NuHepMC.Version.{Major,Minor,Patch}`` = 1, 0, 0; G.R.3 tool ``hnlgen`` with its version;
  G.R.4 ``NuHepMC.Conventions`` (the list ``CONVENTIONS``);
* G.R.5 / G.C.2 ``NuHepMC.FluxAveragedTotalCrossSection`` in the units of G.R.6
  (``NuHepMC.Units.CrossSection.Unit`` = ``"pb"``, ``.TargetScale`` = ``"PerAtom"``); G.C.1
  ``NuHepMC.Exposure.POT``;
* G.R.7 event weights: ``"CV"`` = the ``weight`` field (expected events for the card's exposure,
  final-state BR included), plus ``"fiducial"`` (= weight * w_fiducial) and ``"selected"``
  (= ``weight_selected``) when the events carry the MiniBooNE detector stage;
* G.R.8 ``NuHepMC.ProcessIDs`` with ``NuHepMC.ProcessInfo[<id>].Name`` / ``.Description``, G.C.3
  ``NuHepMC.Citations.Process[<id>].arXiv``; process ids follow E.C.1 (neutral current: coherent
  nuclear 150, elastic on a proton 250, on a neutron 251);
* G.R.9 / G.R.10 / G.S.2 ``NuHepMC.VertexStatusIDs`` and ``NuHepMC.ParticleStatusIDs`` with
  ``...Info[<id>].Name`` / ``.Description`` for every code used (``VERTEX_STATUS``,
  ``PARTICLE_STATUS``);
* G.R.11 / G.C.5 ``NuHepMC.AdditionalParticleNumbers`` with ``NuHepMC.AdditionalParticleNumber[<pdg>].Name``
  and ``NuHepMC.AdditionalParticleInfo[<pdg>].Description`` for the new-physics codes;
* G.C.4 the flux of each beam flavour as ``NuHepMC.Beam[<pdg>].Type`` = ``"Histogram"`` with
  ``.Histogram.BinEdges`` (GeV), ``.Histogram.BinContent`` (nu / cm^2 per 1e20 POT in each bin:
  HepMC3 writes vectors of doubles with six decimals) and ``.Histogram.ContentIsPerWidth`` = false;
  the units once for all beams, ``NuHepMC.Beam.EnergyUnit`` = ``"GEV"`` and ``NuHepMC.Beam.FluxUnit``
  = ``"nu/cm2/1e20POT"`` (1.0.0 names; 0.9's ``RateUnit`` was renamed ``FluxUnit``);
* G.S.3 ``NuHepMC.TargetMaterialRelativeAtomicAbundance``: ``"<nuclear pdg>[x]"`` with x the number of
  atoms relative to the most abundant species (CH2: ``["1000060120[0.5]", "1000010010"]``);
* everything else the normalisation needs, as doubles (``hnlgen.*``, not part of NuHepMC):
  ``hnlgen.TargetAtoms`` (number of target atoms of all species, N_atoms) and
  ``hnlgen.TargetAtoms[<pdg>]`` per species, ``hnlgen.IntegratedFlux`` (nu / cm^2 / POT, summed over
  the beam flavours, at full double precision) and ``hnlgen.ExpectedEvents`` (the tables' expected
  final-state events for the exposure), so that ExpectedEvents = FluxAveragedTotalCrossSection [pb]
  x 1e-36 cm^2/pb x Exposure.POT x IntegratedFlux x TargetAtoms (``hnlgen.Normalisation`` states it);
* G.S.1 ``NuHepMC.Provenance.hnlgen.<key>``: the resolved run card (TOML), the model and decay table
  (JSON), the seed and the hnlgen version.

Each event (``HepMC3::GenEvent``): E.R.2 the event number is the ``event`` field; E.R.3
``signal_process_id``; E.R.4 units GeV and mm (HepMC3's default length unit; the generator's cm are
multiplied by 10 and its times in ns become c*t in mm, HepMC's time convention); E.R.5 ``lab_pos``
(mm): the upscattering vertex in the detector (the ``vertex`` field of the MiniBooNE detector stage,
origin at the tank centre), [0, 0, 0] without a detector stage; the vertex positions of the event are
relative to it (primary vertex at the origin and t = 0, displaced decay vertices at their flight
distance and c*t). Vertices: V.R.1 status 1 for the primary vertex (beam + target -> recoil + N), 22
for each decay (N, Z', h', ...), 21 for the bound-nucleon separation (V.C.1). Particles (P.R.1): 4
the beam neutrino, 20 the target, 1 final state, 2 decayed, 21 the struck bound nucleon (P.C.1).

Elastic scattering on a nucleon bound in a nucleus (``regime`` p-el / n-el on C12, O16, ...): E.R.7
makes the nucleus the target, so the event gets a separation vertex nucleus -> struck nucleon +
remnant, the remnant with the NuHepMC pseudo-code 2009900000 (P.C.2) and the four-momentum
p_nucleus - p_nucleon, so that every vertex conserves four-momentum. Scattering on the proton of H1
and coherent scattering need no such vertex.

The conversion of each chunk to HEPEVT-like arrays is vectorised (numpy); the events are then built
one by one with ``pyhepmc.GenEvent.from_hepevt`` (C++), which is the only per-event Python.

The file is written as ``<name>.partial-<pid>-<random>`` and renamed when complete, like
``detectors.output.root`` (``AtomicOutput``); HepMC3's writer state is checked after every chunk and at close
(a full disk raises ``OutputError`` and leaves no file). The completeness marker of a HepMC3 file is the
footer line ``HepMC::Asciiv3-END_EVENT_LISTING`` that HepMC3 writes at close.
This module takes event arrays and a ``NuHepMCRunInfo`` and imports nothing from ``gen``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import awkward as ak
import numpy as np

from detectors.output.root import AtomicOutput, OutputError
from physics import pdg as pdg_codes
from physics import units as u

__all__ = ["HepMC3Writer", "NuHepMCRunInfo", "NuHepMCProcess", "NUHEPMC_VERSION", "CONVENTIONS", "BEAM_ENERGY_UNIT", "BEAM_FLUX_UNIT",
           "PARTICLE_STATUS",
           "VERTEX_STATUS", "REMNANT_PDG", "HEPMC_SUFFIXES", "write_hepmc3"]

NUHEPMC_VERSION = (1, 0, 0)
CONVENTIONS = ("G.C.1", "G.C.2", "G.C.3", "G.C.4", "G.C.5", "G.S.1", "G.S.2", "G.S.3", "E.C.1", "V.C.1", "P.C.1", "P.C.2")
BEAM_ENERGY_UNIT = "GEV"  # G.C.4 reserved value
BEAM_FLUX_UNIT = "nu/cm2/1e20POT"  # G.C.4: bin content = neutrinos per cm^2 per 1e20 POT in the bin
# status code: (name, description); NuHepMC 1.0.0 P.R.1, P.C.1 and V.R.1, V.C.1
PARTICLE_STATUS = {
    1: ("UndecayedPhysical", "final-state particle"),
    2: ("DecayedPhysical", "particle decayed by hnlgen (N, Z', h', ...); its end vertex is the decay vertex"),
    4: ("IncomingBeam", "incoming beam neutrino"),
    20: ("Target", "target: the nucleus (coherent, or the nucleus of a bound nucleon) or the free proton of H1"),
    21: ("StruckNucleon", "bound nucleon struck in elastic upscattering (at rest, as in the cross section)"),
}
VERTEX_STATUS = {
    1: ("PrimaryVertex", "upscattering nu + target -> N + recoil"),
    21: ("NucleonSeparationVertex", "separation of the struck bound nucleon from the nucleus (remnant 2009900000)"),
    22: ("DecayVertex", "decay of an unstable particle of the cascade (N, Z', h', ...)"),
}
REMNANT_PDG = 2009900000  # NuHepMC 1.0.0 P.C.2
HEPMC_SUFFIXES = (".hepmc3", ".hepmc")

_STATUS_TARGET_IN = 11  # target status of the generator's particle list (NuHepMC 0.9 numbering)
_FREE_PROTON_TARGET = pdg_codes.nucleus_code(1, 1)  # H1: elastic scattering on its proton has no nuclear remnant
_NUCLEONS = (pdg_codes.PROTON, pdg_codes.NEUTRON)
_CM_TO_MM = u.cm / u.mm
_NS_TO_MM = u.c_light * u.ns / u.mm  # c*t in mm for t in ns
_BEAM_POT_SCALE = 1e20  # flux histogram contents per 1e20 POT


def _pyhepmc():
    try:
        import pyhepmc
    except ImportError as err:
        raise ImportError('--format hepmc3 (HepMC3 output) needs pyhepmc: pip install "hnlgen[hepmc]"') from err
    return pyhepmc


@dataclasses.dataclass(frozen=True)
class NuHepMCProcess:
    """One physics process (NuHepMC G.R.8, G.C.3, E.C.1).

    Parameters
    ----------
    id : int
        Process id (``signal_process_id`` of its events).
    name, description : str
        ``NuHepMC.ProcessInfo[<id>].Name`` and ``.Description``.
    arxiv : tuple of str
        arXiv numbers of the theory the process follows (``NuHepMC.Citations.Process[<id>].arXiv``).
    """

    id: int
    name: str
    description: str
    arxiv: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class NuHepMCRunInfo:
    """Run-level content of a NuHepMC file (everything known before the first event).

    Parameters
    ----------
    processes : dict
        Value of the events' ``process_field`` (``regime``: 0 coherent, 1 p-el, 2 n-el) -> ``NuHepMCProcess``.
    pot : float
        Exposure in protons on target (G.C.1).
    flux_averaged_xsec_pb : float
        Flux-averaged total cross section in pb per target atom (G.C.2, G.R.6): expected events of the
        file / (POT x integrated flux [nu/cm^2/POT] x target atoms), final-state BR included.
    nucleus_masses : dict
        PDG code -> nuclear mass in GeV of every target nucleus (bound-nucleon events need it).
    target_atoms : dict
        PDG code -> number of atoms of that species in the detector (the normalisation's N_atoms).
    integrated_flux : float
        Energy-integrated flux of the beam flavours in nu / cm^2 / POT (the normalisation's Phi).
    expected_events : float
        Expected final-state events of the exposure from the cross-section tables (sigma_bar's numerator).
    beams : dict
        Beam PDG code -> (bin edges in GeV, neutrinos per cm^2 per POT in each bin) (G.C.4).
    additional_particles : dict
        PDG code -> (name, description) of the new-physics codes (G.R.11, G.C.5).
    provenance : dict
        Key -> text, stored as ``NuHepMC.Provenance.hnlgen.<key>`` (G.S.1).
    tool_version : str
        hnlgen version (G.R.3).
    process_field : str
        Event field that selects the process.
    """

    processes: dict[int, NuHepMCProcess]
    pot: float
    flux_averaged_xsec_pb: float
    nucleus_masses: dict[int, float]
    target_atoms: dict[int, float]
    integrated_flux: float
    expected_events: float
    beams: dict[int, tuple[np.ndarray, np.ndarray]]
    additional_particles: dict[int, tuple[str, str]]
    provenance: dict[str, str]
    tool_version: str
    process_field: str = "regime"

    def __post_init__(self):
        if not (self.pot > 0 and np.isfinite(self.pot)):
            raise ValueError(f"NuHepMCRunInfo.pot = {self.pot!r}: must be a finite number > 0")
        if not (self.flux_averaged_xsec_pb >= 0 and np.isfinite(self.flux_averaged_xsec_pb)):
            raise ValueError(f"NuHepMCRunInfo.flux_averaged_xsec_pb = {self.flux_averaged_xsec_pb!r}: must be finite and >= 0")
        for name in ("integrated_flux", "expected_events"):
            v = getattr(self, name)
            if not (v >= 0 and np.isfinite(v)):
                raise ValueError(f"NuHepMCRunInfo.{name} = {v!r}: must be finite and >= 0")
        if not self.target_atoms or not all(n > 0 and np.isfinite(n) for n in self.target_atoms.values()):
            raise ValueError(f"NuHepMCRunInfo.target_atoms = {self.target_atoms!r}: need finite counts > 0")
        ids = [p.id for p in self.processes.values()]
        if len(set(ids)) != len(ids):
            raise ValueError(f"NuHepMCRunInfo.processes: process ids {ids} are not unique")


def _gen_run_info(info: NuHepMCRunInfo, weight_names: list[str]):
    pyhepmc = _pyhepmc()
    ri = pyhepmc.GenRunInfo()
    ri.tools = [("hnlgen", info.tool_version, "dark-neutrino upscattering and decay-cascade generator")]
    ri.weight_names = weight_names
    a = ri.attributes
    major, minor, patch = NUHEPMC_VERSION
    a["NuHepMC.Version.Major"] = major
    a["NuHepMC.Version.Minor"] = minor
    a["NuHepMC.Version.Patch"] = patch
    a["NuHepMC.Conventions"] = list(CONVENTIONS)
    a["NuHepMC.Units.CrossSection.Unit"] = "pb"
    a["NuHepMC.Units.CrossSection.TargetScale"] = "PerAtom"
    a["NuHepMC.FluxAveragedTotalCrossSection"] = float(info.flux_averaged_xsec_pb)
    a["NuHepMC.Exposure.POT"] = float(info.pot)
    procs = sorted(info.processes.values(), key=lambda p: p.id)
    a["NuHepMC.ProcessIDs"] = [p.id for p in procs]
    for p in procs:
        a[f"NuHepMC.ProcessInfo[{p.id}].Name"] = p.name
        a[f"NuHepMC.ProcessInfo[{p.id}].Description"] = p.description
        if p.arxiv:
            a[f"NuHepMC.Citations.Process[{p.id}].arXiv"] = list(p.arxiv)
    for kind, table in (("Vertex", VERTEX_STATUS), ("Particle", PARTICLE_STATUS)):
        a[f"NuHepMC.{kind}StatusIDs"] = sorted(table)
        for code, (name, desc) in table.items():
            a[f"NuHepMC.{kind}StatusInfo[{code}].Name"] = name
            a[f"NuHepMC.{kind}StatusInfo[{code}].Description"] = desc
    a["NuHepMC.AdditionalParticleNumbers"] = sorted(info.additional_particles)
    for pdg, (name, desc) in sorted(info.additional_particles.items()):
        a[f"NuHepMC.AdditionalParticleNumber[{pdg}].Name"] = name
        a[f"NuHepMC.AdditionalParticleInfo[{pdg}].Description"] = desc
    a["NuHepMC.Beam.EnergyUnit"] = BEAM_ENERGY_UNIT
    a["NuHepMC.Beam.FluxUnit"] = BEAM_FLUX_UNIT
    for pdg, (edges, content) in sorted(info.beams.items()):
        a[f"NuHepMC.Beam[{pdg}].Type"] = "Histogram"
        a[f"NuHepMC.Beam[{pdg}].Histogram.BinEdges"] = [float(x) for x in edges]
        # per 1e20 POT: HepMC3 writes vector<double> attributes with 6 decimals (std::to_string),
        # which would round ~1e-10 nu/cm^2/POT to 0
        a[f"NuHepMC.Beam[{pdg}].Histogram.BinContent"] = [float(x) * _BEAM_POT_SCALE for x in content]
        a[f"NuHepMC.Beam[{pdg}].Histogram.ContentIsPerWidth"] = False
    most = max(info.target_atoms.values())
    a["NuHepMC.TargetMaterialRelativeAtomicAbundance"] = [
        str(pdg) if n == most else f"{pdg}[{n / most:.10g}]" for pdg, n in sorted(info.target_atoms.items())]
    a["hnlgen.TargetAtoms"] = float(sum(info.target_atoms.values()))
    for pdg, n in sorted(info.target_atoms.items()):
        a[f"hnlgen.TargetAtoms[{pdg}]"] = float(n)
    a["hnlgen.IntegratedFlux"] = float(info.integrated_flux)
    a["hnlgen.ExpectedEvents"] = float(info.expected_events)
    a["hnlgen.Normalisation"] = ("hnlgen.ExpectedEvents = NuHepMC.FluxAveragedTotalCrossSection [pb] * 1e-36 [cm2/pb] * "
                                 "NuHepMC.Exposure.POT * hnlgen.IntegratedFlux [nu/cm2/POT] * hnlgen.TargetAtoms; "
                                 "sum of CV weights = MC estimate of hnlgen.ExpectedEvents [events]")
    for key, text in info.provenance.items():
        a[f"NuHepMC.Provenance.hnlgen.{key}"] = str(text)
    return ri


def _hepevt_arrays(events: ak.Array, info: NuHepMCRunInfo) -> dict:
    """Flat HEPEVT-like arrays (GeV, mm) of a chunk, with the separation vertex of bound-nucleon events.

    Returns a dict with per-particle arrays ``px py pz E m pid status vx vy vz vt``, ``parents`` (n, 2)
    in event-local 0-based indices (inclusive ranges, (-1, -1) for none), per-event ``offsets``
    (n_events + 1), ``bound`` (bool) and ``nucleus_index`` (local index of the added nucleus).
    """
    p = events.particles
    counts = ak.to_numpy(ak.num(p)).astype(np.int64)
    n_ev = len(counts)
    col = {k: ak.to_numpy(ak.flatten(p[k])) for k in ("pdg", "status", "parent", "px", "py", "pz", "E", "x", "y", "z", "t")}
    old_off = np.zeros(n_ev + 1, np.int64)
    np.cumsum(counts, out=old_off[1:])
    if np.any(counts < 4):
        raise ValueError("HepMC3Writer: every event needs beam, target, recoil and N in particles[0:4]")
    if np.any(col["status"][old_off[:-1]] != 4) or np.any(col["status"][old_off[:-1] + 1] != _STATUS_TARGET_IN):
        raise ValueError("HepMC3Writer: particles[0] must be the beam (status 4) and particles[1] the target (status 11)")
    struck = col["pdg"][old_off[:-1] + 1]
    target_pdg = ak.to_numpy(events.target_pdg).astype(np.int64)
    bound = np.isin(struck, _NUCLEONS) & (target_pdg != _FREE_PROTON_TARGET)
    new_counts = counts + 2 * bound
    off = np.zeros(n_ev + 1, np.int64)
    np.cumsum(new_counts, out=off[1:])
    n_tot = int(off[-1])
    ev_of = np.repeat(np.arange(n_ev), counts)
    local = np.arange(len(ev_of)) - old_off[ev_of]
    pos = off[ev_of] + local  # original particles keep their local index

    out = {k: np.zeros(n_tot) for k in ("px", "py", "pz", "E", "vx", "vy", "vz", "vt")}
    for k in ("px", "py", "pz", "E"):
        out[k][pos] = col[k]
    out["vx"][pos] = col["x"] * _CM_TO_MM
    out["vy"][pos] = col["y"] * _CM_TO_MM
    out["vz"][pos] = col["z"] * _CM_TO_MM
    out["vt"][pos] = col["t"] * _NS_TO_MM
    pid = np.zeros(n_tot, np.int32)
    status = np.zeros(n_tot, np.int32)
    pid[pos] = col["pdg"]
    st = col["status"].astype(np.int32)
    status[pos] = np.where(st == _STATUS_TARGET_IN, 20, st)
    parents = np.full((n_tot, 2), -1, np.int64)
    par = col["parent"].astype(np.int64)
    parents[pos, 0] = par
    parents[pos, 1] = np.where(par == 0, 1, par)  # hard-process products come from beam (0) and target (1)

    # bound nucleon: particles[1] becomes the struck nucleon of a nucleus added at local index c_i,
    # the remnant at c_i + 1
    eb = np.flatnonzero(bound)
    if eb.size:
        masses = info.nucleus_masses
        missing = set(np.unique(target_pdg[eb]).tolist()) - set(masses)
        if missing:
            raise ValueError(f"HepMC3Writer: no nuclear mass for target PDG codes {sorted(missing)} (NuHepMCRunInfo.nucleus_masses)")
        M = np.array([masses[int(t)] for t in target_pdg[eb]])
        i_nuc = off[eb] + counts[eb]
        i_rem = i_nuc + 1
        i_hit = off[eb] + 1
        pid[i_nuc] = target_pdg[eb]
        status[i_nuc] = 20
        out["E"][i_nuc] = M
        status[i_hit] = 21
        parents[i_hit] = counts[eb][:, None]
        pid[i_rem] = REMNANT_PDG
        status[i_rem] = 1
        parents[i_rem] = counts[eb][:, None]
        for k in ("px", "py", "pz", "E"):
            out[k][i_rem] = out[k][i_nuc] - out[k][i_hit]
    m2 = out["E"] ** 2 - out["px"] ** 2 - out["py"] ** 2 - out["pz"] ** 2
    out["m"] = np.sqrt(np.maximum(m2, 0.0))
    out.update(pid=pid, status=status, parents=parents, offsets=off, bound=bound,
               nucleus_index=np.where(bound, counts, -1))
    return out


class HepMC3Writer(AtomicOutput):
    """Stream event record arrays into a NuHepMC (HepMC3 ASCII) file written under a temporary name.

    Parameters
    ----------
    path : str or Path
        Final file name (``.hepmc3`` or ``.hepmc``).
    run_info : NuHepMCRunInfo
        Run-level content; written with the first event.

    Use as a context manager (``abort`` on an exception, ``close`` otherwise)::

        with HepMC3Writer("events.hepmc3", run_info) as w:
            for chunk in chunks:
                w.write(chunk)

    The events need the fields ``event``, ``weight``, ``target_pdg``, ``particles`` and
    ``run_info.process_field``; ``vertex`` (detector position) and the detector-stage weights are
    used when present.
    """

    def __init__(self, path: str | os.PathLike, run_info: NuHepMCRunInfo):
        self._hepmc = _pyhepmc()
        if Path(path).suffix not in HEPMC_SUFFIXES:
            raise ValueError(f"HepMC3 output file {str(path)!r}: the name must end in {' or '.join(HEPMC_SUFFIXES)}")
        self._init_paths(path)
        self.run_info = run_info
        self.n_written = 0
        self._writer = None
        self._event = None
        self._weight_fields: list[str] | None = None
        # created now so that a bad directory fails before any generation
        try:
            self.tmp_path.write_bytes(b"")
        except OSError as err:
            raise OutputError(f"cannot create the output {str(self.path)!r}: {err.strerror or err}") from err

    def _open(self, events: ak.Array) -> None:
        fields = set(events.fields)
        names, self._weight_fields = ["CV"], ["weight"]
        if "weight_selected" in fields:  # MiniBooNE detector stage: exact fiducial and selection weights
            names += ["fiducial", "selected"]
            self._weight_fields += ["w_fiducial", "weight_selected"]
        hm = self._hepmc
        ri = _gen_run_info(self.run_info, names)
        self._writer = hm.io.WriterAscii(str(self.tmp_path), ri)
        self._event = hm.GenEvent(hm.Units.GEV, hm.Units.MM)
        self._event.run_info = ri

    def write(self, events: ak.Array) -> None:
        """Append events (a chunk of the generator's event records)."""
        if self._closed:
            raise RuntimeError("HepMC3Writer is closed")
        if len(events) == 0:
            return
        info = self.run_info
        for f in ("event", "weight", "target_pdg", "particles", info.process_field):
            if f not in events.fields:
                raise ValueError(f"HepMC3Writer.write: the events have no field {f!r}")
        if self._writer is None:
            self._open(events)
        h = _hepevt_arrays(events, info)
        n = len(events)
        code = ak.to_numpy(events[info.process_field]).astype(np.int64)
        unknown = set(np.unique(code).tolist()) - set(info.processes)
        if unknown:
            raise ValueError(f"HepMC3Writer.write: {info.process_field} values {sorted(unknown)} have no NuHepMC process")
        lut = {k: p.id for k, p in info.processes.items()}
        proc_id = np.array([lut[int(c)] for c in code]) if n < 64 else np.vectorize(lut.__getitem__, otypes=[np.int64])(code)
        w = np.stack([ak.to_numpy(events[f]).astype(np.float64) for f in self._weight_fields], axis=1)
        if len(self._weight_fields) > 1:
            w[:, 1] *= w[:, 0]  # fiducial = weight * w_fiducial
        if "vertex" in events.fields:
            lab = np.stack([ak.to_numpy(events.vertex[c]) for c in ("x", "y", "z")], axis=1) * _CM_TO_MM
        else:
            lab = np.zeros((n, 3))
        evn = ak.to_numpy(events.event).astype(np.int64)
        if np.any(evn < 0):
            raise ValueError("HepMC3Writer.write: event numbers must be >= 0 (NuHepMC E.R.2)")

        off, nuc = h["offsets"], h["nucleus_index"]
        px, py, pz, E, m, pid, st, par = (h[k] for k in ("px", "py", "pz", "E", "m", "pid", "status", "parents"))
        vx, vy, vz, vt = (h[k] for k in ("vx", "vy", "vz", "vt"))
        g, wr = self._event, self._writer
        # per-event Python: unavoidable with pyhepmc; everything else is done on the whole chunk above
        w_list, lab_list, id_list, ev_list, nuc_list = w.tolist(), lab.tolist(), proc_id.tolist(), evn.tolist(), nuc.tolist()
        for i in range(n):
            a, b = off[i], off[i + 1]
            g.from_hepevt(ev_list[i], px[a:b], py[a:b], pz[a:b], E[a:b], m[a:b], pid[a:b], st[a:b], par[a:b], None,
                          vx[a:b], vy[a:b], vz[a:b], vt[a:b], False)
            g.weights = w_list[i]
            g.attributes["signal_process_id"] = id_list[i]
            g.attributes["lab_pos"] = lab_list[i]
            for v in g.vertices:
                v.status = 22
            parts = g.particles
            parts[0].end_vertex.status = 1
            if nuc_list[i] >= 0:
                parts[nuc_list[i]].end_vertex.status = 21
            wr.write(g)
        self._check("writing events")
        self.n_written += n

    def _check(self, what: str) -> None:
        if self._writer is not None and self._writer.failed():
            raise OutputError(f"{what} to {str(self.path)!r} failed (HepMC3 writer error: disk full or file not writable)")

    def _finish(self) -> None:
        """Close HepMC3's writer (it writes the footer) and check its state."""
        if self._writer is None:
            raise ValueError("HepMC3Writer.close: no events were written")
        self._check("writing events")
        writer, self._writer = self._writer, None
        writer.close()
        if writer.failed():
            raise OutputError(f"closing {str(self.path)!r} failed (HepMC3 writer error: disk full or file not writable)")

    def _release(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()


def write_hepmc3(path: str | os.PathLike, events: ak.Array, run_info: NuHepMCRunInfo) -> Path:
    """Write one event array to a NuHepMC file; see ``HepMC3Writer``."""
    with HepMC3Writer(path, run_info) as w:
        w.write(events)
    return Path(path)
