"""Experiments: the registry of experiment names, and each experiment's targets, exposure and flux.

This module is the one place that knows the experiment names (``experiment_names``, ``experiment_info``)
and what each provides: the kind of source (``"upscattering"`` of a beam neutrino on the detector's
targets, or ``"meson_decay"``: NA62), and which detector response exists (``"miniboone"``, ``"na62"``,
``"minerva_nue"`` / ``"charm2_nue"``: ``detectors.nue_elastic.response``, or ``"none"``: truth-level output only). Target data (Z, A, nuclear mass, form factors) come from the
one target table, ``physics.form_factors.TARGETS``.

Three kinds of entry:

* **Built in.** ``miniboone_fhc`` and ``miniboone_rhc`` (PROVENANCE of the shared data, "Facts:
  MiniBooNE / BNB"): 818 t of CH2 (the whole oil sphere, radius 610.6 cm), split by mass 12/14 to C12
  and 2/14 to H1; 18.75e20 POT in neutrino mode (arXiv:2006.16883) and 11.27e20 POT in antineutrino
  mode; baseline 541 m; official flux release arXiv:0806.1449 (``gen/data/flux``). ``na62`` is a
  kaon-decay source (``gen.sources.meson_decay_run``). ``custom`` takes its flux file, flux unit, targets (tonnes),
  POT, baseline and detector radius from the card; its flux file has the MiniBooNE release's layout
  ``Elo Ehi numu numubar nue nuebar`` (GeV; nu / cm^2 / POT per ``flux_unit_bin_GeV``, default
  0.05 GeV); a relative path is taken relative to the card's directory when the card is read from a
  file (``gen.card.load_card``), else to the working directory.
* **The experiment library**: one TOML file per experiment in ``gen/data/experiments`` (converted
  from DarkNews 0.4.8 by ``validation/convert_darknews_experiments.py``; PROVENANCE.md there), with
  its flux table in ``gen/data/experiments/fluxes``. Truth-level only (no detector response).
  Adding an experiment is adding one such file (README, "Experiment library").
* **Not supported**: DarkNews' "dirt" configurations (``UNSUPPORTED``): selecting one is an error
  that says why.

Units: target masses in grams inside (``Target.mass_g``), tonnes in the files; flux tables are
turned into ``gen.core.flux.Flux`` histograms in nu / cm^2 per unit of exposure (POT, except FASERnu:
150 fb^-1); energies in GeV.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

from gen.core.flux import flux_for_experiment
from gen.errors import HnlgenError
from physics import form_factors as _ff
from physics import units as u

__all__ = [
    "ALL_FLAVOURS",
    "DEFAULT_EXPERIMENT",
    "EXPERIMENTS",
    "SOURCES",
    "UNSUPPORTED",
    "Experiment",
    "ExperimentError",
    "ExperimentInfo",
    "Target",
    "check_experiment_name",
    "experiment_info",
    "experiment_names",
    "get_experiment",
    "library_experiment",
    "load_experiment_file",
    "source_entry",
]

ALL_FLAVOURS = ("nue", "numu", "nutau", "nuebar", "numubar", "nutaubar")
SOURCE_KINDS = ("upscattering", "meson_decay")
DETECTOR_RESPONSES = ("miniboone", "na62", "minerva_nue", "charm2_nue", "microboone_epem", "none")
#: Responses a library experiment file may name (modules in detectors/: ``detectors.nue_elastic.response``,
#: ``detectors.microboone.response``; issue 13).
LIBRARY_RESPONSES = ("none", "minerva_nue", "charm2_nue", "microboone_epem")
# Column of each flavour in a "points_linear" flux table: Enu nue numu nutau nuebar numubar nutaubar
_POINT_COLUMNS = {f: i + 1 for i, f in enumerate(ALL_FLAVOURS)}

#: Configurations of the DarkNews library that are not selectable, and why.
_DIRT_REASON = ("not supported: upscattering in the material before the detector ('dirt') needs the dirt "
                "volume's geometry and the flux's angle and distance dependence there (DarkNews' BNB_* tables and "
                "geom.py), which hnlgen does not model; use the detector configuration ({det}) instead")
UNSUPPORTED = {
    "miniboone_fhc_dirt": _DIRT_REASON.format(det="miniboone_fhc"),
    "miniboone_rhc_dirt": _DIRT_REASON.format(det="miniboone_rhc"),
    "microboone_dirt": _DIRT_REASON.format(det="microboone"),
    "microboone_dirt_rectangular": _DIRT_REASON.format(det="microboone"),
    "sbnd_dirt": _DIRT_REASON.format(det="sbnd"),
    "sbnd_dirt_cone": _DIRT_REASON.format(det="sbnd"),
    "icarus_dirt": _DIRT_REASON.format(det="icarus"),
}


class ExperimentError(HnlgenError, ValueError):
    """An unknown experiment name, or an experiment file with a missing or malformed field."""


@dataclasses.dataclass(frozen=True)
class Target:
    """A target species: name (a key of ``physics.form_factors.TARGETS``) and its total mass in grams."""

    name: str
    mass_g: float

    @property
    def info(self) -> _ff.TargetInfo:
        return _ff.get_target(self.name)

    @property
    def Z(self) -> int:
        return self.info.Z

    @property
    def A(self) -> int:
        return self.info.A

    @property
    def nuclear_mass_GeV(self) -> float:
        return self.info.mass

    @property
    def n_nuclei(self) -> float:
        """Number of nuclei: mass / (A g/mol) * N_A (molar mass approximated by A g/mol)."""
        return self.mass_g / self.A * u.N_avogadro


@dataclasses.dataclass(frozen=True)
class Experiment:
    """An upscattering experiment.

    Attributes
    ----------
    name : str
    targets : tuple of Target
    flavours : tuple of str
        Projectile flavours the flux provides (``numu``, ``numubar``, ...).
    pot : float
        Exposure: protons on target (FASERnu: units of 150 fb^-1, ``exposure_unit``).
    flux_file : str or None
        Resource name inside ``gen/data/flux`` (built in), ``gen/data/experiments/fluxes`` (library), or
        a path (custom).
    flux_columns : dict
        Column index in the flux file for each flavour.
    baseline_cm, detector_radius_cm : float
        Geometry where known (MiniBooNE, custom); 0 for the library (truth level).
    flux_unit_bin_GeV : float
        Energy interval the values of an ``Elo Ehi`` table are quoted per.
    flux_layout : str
        ``"bins"``: ``Elo Ehi`` histogram columns (MiniBooNE release, custom); ``"points_linear"``:
        ``Enu`` and six flavour columns, flux density at points, linear in between (DarkNews format).
    flux_norm : float
        ``points_linear`` only: file value x flux_norm = nu / cm^2 / GeV per unit of exposure.
    energy_range_GeV : tuple or None
        ``points_linear`` only: the flux is used on this interval (zero outside).
    exposure_unit : str
    source, detector_response, reference, caveat, data_file : str
        Registry facts (module docstring).
    flux_location : path-like or None
        Where a library experiment's flux table is (``fluxes/`` beside its file).
    """

    name: str
    targets: tuple[Target, ...]
    flavours: tuple[str, ...]
    pot: float
    flux_file: str | None
    flux_columns: dict
    baseline_cm: float = 0.0
    detector_radius_cm: float = 0.0
    flux_unit_bin_GeV: float = 0.050  # the release quotes nu/cm^2/POT per 50 MeV (arXiv:0806.1449)
    flux_layout: str = "bins"
    flux_norm: float = 1.0
    energy_range_GeV: tuple[float, float] | None = None
    exposure_unit: str = "POT"
    source: str = "upscattering"
    detector_response: str = "none"
    reference: str = ""
    caveat: str = ""
    data_file: str = ""
    flux_location: object = dataclasses.field(default=None, compare=False, repr=False)

    @property
    def target_names(self) -> list[str]:
        return [t.name for t in self.targets]

    def flux_path(self):
        """A path-like object for the flux table (package resource or user file)."""
        if self.flux_file is None:
            return None
        if self.name == "custom" or self.flux_file.startswith("/") or self.flux_file.startswith("."):
            return self.flux_file
        if self.flux_location is not None:
            return self.flux_location
        return resources.files("gen").joinpath("data", "flux", self.flux_file)


_MB_MASS_G = 818.0 * u.tonne
_MB_TARGETS = (Target("C12", _MB_MASS_G * 12.0 / 14.0), Target("H1", _MB_MASS_G * 2.0 / 14.0))
_MB_COLUMNS = {"numu": 2, "numubar": 3, "nue": 4, "nuebar": 5}
_MB_REFERENCE = "MiniBooNE flux release arXiv:0806.1449; exposure arXiv:2006.16883"

#: The built-in upscattering experiments (MiniBooNE; unchanged).
EXPERIMENTS = {
    "miniboone_fhc": Experiment(
        name="miniboone_fhc",
        targets=_MB_TARGETS,
        flavours=("numu", "numubar", "nue", "nuebar"),
        pot=18.75e20,
        flux_file="MiniBooNE_nu_mode_flux.dat",
        flux_columns=_MB_COLUMNS,
        baseline_cm=541.0 * u.m,
        detector_radius_cm=610.6,
        detector_response="miniboone",
        reference=_MB_REFERENCE,
    ),
    "miniboone_rhc": Experiment(
        name="miniboone_rhc",
        targets=_MB_TARGETS,
        flavours=("numu", "numubar", "nue", "nuebar"),
        pot=11.27e20,
        flux_file="MiniBooNE_nubar_mode_flux.dat",
        flux_columns=_MB_COLUMNS,
        baseline_cm=541.0 * u.m,
        detector_radius_cm=610.6,
        detector_response="miniboone",
        reference=_MB_REFERENCE,
    ),
}


#: The experiment of a card without ``[experiment] name``.
DEFAULT_EXPERIMENT = "miniboone_fhc"
#: ``[experiment]`` keys (besides ``name``) of an upscattering experiment with a built-in or library flux.
UPSCATTERING_CARD_KEYS = ("pot", "flavours")
#: ... of ``custom``: the card gives the flux, the targets and the geometry.
CUSTOM_CARD_KEYS = ("pot", "flavours", "flux_file", "flux_unit_bin_GeV", "targets", "baseline_cm", "detector_radius_cm")
#: ... of the meson-decay source (NA62): exposure in parent decays, parent and beam.
MESON_DECAY_CARD_KEYS = ("n_kaon_decays", "parent", "production_lepton", "beam_momentum", "beam_momentum_spread", "fiducial_z")


@dataclasses.dataclass(frozen=True)
class ExperimentInfo:
    """What the registry knows about an experiment name; code decides on these fields, never on the name.

    ``source``: ``"upscattering"`` or ``"meson_decay"`` (``SOURCES``: which generator and reweighter).
    ``detector_response``: ``"miniboone"``, ``"na62"`` or ``"none"`` (truth level).
    ``kind``: ``"builtin"``, ``"library"`` or ``"custom"`` (the card supplies flux, targets and geometry).
    ``card_keys``: the ``[experiment]`` keys besides ``name`` that apply (any other is a card error).
    """

    name: str
    source: str
    detector_response: str
    kind: str
    card_keys: tuple[str, ...] = UPSCATTERING_CARD_KEYS

    @property
    def card_flux(self) -> bool:
        """True if the card gives the flux file, targets and geometry (``custom``)."""
        return self.kind == "custom"

    @property
    def meson_decay(self) -> bool:
        """True for a meson-decay source (NA62): no upscattering, exposure in parent decays."""
        return self.source == "meson_decay"


_BUILTIN_INFO = {
    "miniboone_fhc": ExperimentInfo("miniboone_fhc", "upscattering", "miniboone", "builtin"),
    "miniboone_rhc": ExperimentInfo("miniboone_rhc", "upscattering", "miniboone", "builtin"),
    "na62": ExperimentInfo("na62", "meson_decay", "na62", "builtin", MESON_DECAY_CARD_KEYS),
    "custom": ExperimentInfo("custom", "upscattering", "none", "custom", CUSTOM_CARD_KEYS),
}


@dataclasses.dataclass(frozen=True)
class SourceInfo:
    """A source kind's plug-ins, as ``"module:function"`` (resolved by :func:`source_entry`).

    ``iter_generate`` (None: ``gen.sources.upscattering``'s upscattering generator) has the signature of
    ``gen.sources.upscattering.iter_generate``; ``reweighter`` (None: ``gen.reweight.upscattering._Reweighter``) that of
    ``gen.reweight.meson_decay.na62_reweighter``; ``prepare`` (None: ``gen.sources.upscattering.prepare``) builds the
    per-card setup from the card alone (``gen.sources.meson_decay_run.NA62Setup``); ``run`` (None: ``hnlgen run``'s
    upscattering loop in ``gen.cli.run``) writes a whole run (``gen.sources.meson_decay_run.run_na62``). They are named here rather than imported by the generic
    modules so that a source's modules may build on the generic ones (``gen.reweight.meson_decay`` uses the
    cascade factors of ``gen.reweight.upscattering``) without an import cycle, and are imported only for their cards.
    """

    iter_generate: str | None = None
    reweighter: str | None = None
    prepare: str | None = None
    run: str | None = None
    #: cold start (``gen.core.precompile``): what the helper process compiles for this source (None: the
    #: upscattering event kernel), the kernel (``"module.function"``) whose cache entry says it is done, and
    #: what the parent compiles while it waits for the helper (``gen.sources.meson_decay.precompile_in_*``)
    precompile_helper: str | None = None
    precompile_marker: str | None = None
    precompile_parent: str | None = None


SOURCES = {
    "upscattering": SourceInfo(),
    "meson_decay": SourceInfo(iter_generate="gen.sources.meson_decay_run:iter_generate_na62",
                              reweighter="gen.reweight.meson_decay:na62_reweighter", prepare="gen.sources.meson_decay_run:NA62Setup",
                              run="gen.sources.meson_decay_run:run_na62",
                              precompile_helper="gen.sources.meson_decay:precompile_in_helper",
                              precompile_marker="kernels.cascade_kernel",
                              precompile_parent="gen.sources.meson_decay:precompile_in_parent"),
}


def source_entry(source: str, what: str):
    """The plug-in ``what`` (a ``SourceInfo`` field) of a source kind, or None where the generic code applies."""
    spec = getattr(SOURCES[source], what)
    if spec is None:
        return None
    module, func = spec.split(":")
    return getattr(importlib.import_module(module), func)


def _library_dir():
    return resources.files("gen").joinpath("data", "experiments")


@cache
def _library_names() -> tuple[str, ...]:
    names = tuple(sorted(p.name[:-5] for p in _library_dir().iterdir() if p.name.endswith(".toml")))
    clash = sorted(set(names) & (set(_BUILTIN_INFO) | set(UNSUPPORTED)))
    if clash:
        raise ExperimentError(f"experiment files gen/data/experiments/{clash[0]}.toml: the name {clash[0]!r} is built in "
                              "or not supported; a library experiment needs a name of its own")
    return names


def experiment_names() -> tuple[str, ...]:
    """Every selectable experiment name: built in, library, ``custom``."""
    return tuple(n for n in _BUILTIN_INFO if n != "custom") + _library_names() + ("custom",)


def check_experiment_name(name: str) -> None:
    """Raise ``ExperimentError`` for a name that is not selectable (listing the known ones)."""
    if name in UNSUPPORTED:
        raise ExperimentError(f"experiment.name = {name!r}: {UNSUPPORTED[name]}")
    if name not in experiment_names():
        raise ExperimentError(f"experiment.name = {name!r}: unknown experiment; known: {', '.join(experiment_names())} "
                              "(`hnlgen experiments` lists them)")


def experiment_info(name: str) -> ExperimentInfo:
    """Source kind and detector response of an experiment name (``ExperimentError`` if unknown)."""
    check_experiment_name(name)
    if name in _BUILTIN_INFO:
        return _BUILTIN_INFO[name]
    exp = library_experiment(name)
    return ExperimentInfo(name, exp.source, exp.detector_response, "library")


# ------------------------------------------------------------------------------------ library files
_REQUIRED = {"name": str, "source": str, "detector_response": str, "reference": str, "exposure": (int, float),
             "exposure_unit": str, "flux": dict, "targets": list}
_OPTIONAL = {"darknews_name": str, "darknews_file_sha256": str, "caveat": str}
_FLUX_REQUIRED = {"file": str, "layout": str, "file_unit": str, "norm": (int, float), "energy_range_GeV": list}


def _field_error(where: str, key: str, value, allowed: str) -> ExperimentError:
    return ExperimentError(f"experiment file {where}: {key} = {value!r}: {allowed}")


def _check_fields(where: str, table: dict, required: dict, optional: dict, prefix: str = "") -> None:
    for key in required:
        if key not in table:
            raise ExperimentError(f"experiment file {where}: {prefix}{key}: required key is missing")
    for key, val in table.items():
        typ = required.get(key, optional.get(key))
        if typ is None:
            raise ExperimentError(f"experiment file {where}: {prefix}{key}: unknown key (allowed: "
                                  f"{', '.join(list(required) + list(optional))})")
        if not isinstance(val, typ) or isinstance(val, bool):
            names = typ.__name__ if isinstance(typ, type) else " or ".join(t.__name__ for t in typ)
            raise _field_error(where, prefix + key, val, f"must be a {names}")


def load_experiment_file(path, where: str | None = None) -> Experiment:
    """Read and check one experiment TOML file (library format); ``ExperimentError`` names file and field."""
    if isinstance(path, str):
        path = Path(path)
    where = where or str(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ExperimentError(f"experiment file {where}: does not exist") from None
    except tomllib.TOMLDecodeError as err:
        raise ExperimentError(f"experiment file {where}: not valid TOML ({err})") from None
    _check_fields(where, data, _REQUIRED, _OPTIONAL)
    if data["source"] != "upscattering":
        raise _field_error(where, "source", data["source"], "allowed: 'upscattering' (meson-decay sources are built in: na62)")
    if data["detector_response"] not in LIBRARY_RESPONSES:
        raise _field_error(where, "detector_response", data["detector_response"],
                           f"allowed: {', '.join(map(repr, LIBRARY_RESPONSES))} (a detector response is a module in detectors/)")
    expo = float(data["exposure"])
    if not (math.isfinite(expo) and expo > 0):
        raise _field_error(where, "exposure", data["exposure"], "must be a finite number > 0")
    if data["exposure_unit"] not in ("POT", "150 fb^-1"):
        raise _field_error(where, "exposure_unit", data["exposure_unit"], "allowed: 'POT', '150 fb^-1'")
    fl = data["flux"]
    _check_fields(where, fl, _FLUX_REQUIRED, {}, "flux.")
    if fl["layout"] != "points_linear":
        raise _field_error(where, "flux.layout", fl["layout"], "allowed: 'points_linear' (Enu nue numu nutau nuebar numubar nutaubar)")
    norm = float(fl["norm"])
    if not (math.isfinite(norm) and norm > 0):
        raise _field_error(where, "flux.norm", fl["norm"], "must be a finite number > 0")
    er = fl["energy_range_GeV"]
    if not (len(er) == 2 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in er)
            and 0 <= er[0] < er[1] and math.isfinite(er[1])):
        raise _field_error(where, "flux.energy_range_GeV", er, "must be [E_min, E_max] in GeV with 0 <= E_min < E_max")
    targets = []
    for i, t in enumerate(data["targets"]):
        key = f"targets[{i}]"
        if not isinstance(t, dict):
            raise _field_error(where, key, t, "must be a table {name, mass_t}")
        _check_fields(where, t, {"name": str, "mass_t": (int, float)}, {}, key + ".")
        if t["name"] not in _ff.TARGETS:
            raise _field_error(where, key + ".name", t["name"], f"no nuclear data for this target; known: {', '.join(_ff.TARGETS)}")
        if not (math.isfinite(float(t["mass_t"])) and t["mass_t"] > 0):
            raise _field_error(where, key + ".mass_t", t["mass_t"], "must be a finite mass in tonnes > 0")
        targets.append(Target(t["name"], float(t["mass_t"]) * u.tonne))
    if not targets:
        raise _field_error(where, "targets", [], "give at least one target")
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        raise _field_error(where, "targets", names, "each target species at most once")
    exp = Experiment(
        name=data["name"], targets=tuple(targets), flavours=ALL_FLAVOURS, pot=expo, flux_file=fl["file"],
        flux_columns=dict(_POINT_COLUMNS), flux_layout="points_linear", flux_norm=norm,
        energy_range_GeV=(float(er[0]), float(er[1])), exposure_unit=data["exposure_unit"], source=data["source"],
        detector_response=data["detector_response"], reference=data["reference"], caveat=data.get("caveat", ""),
        data_file=where, flux_location=path.parent.joinpath("fluxes", fl["file"]),
    )
    p = exp.flux_path()
    if not p.is_file():
        raise _field_error(where, "flux.file", fl["file"], f"flux file not found ({p})")
    return exp


@cache
def library_experiment(name: str) -> Experiment:
    """The library experiment ``name`` as in its file (all six flavours; the flux decides which are non-zero)."""
    if name not in _library_names():
        check_experiment_name(name)
        raise ExperimentError(f"experiment.name = {name!r}: not a library experiment")
    exp = load_experiment_file(_library_dir().joinpath(f"{name}.toml"), where=f"gen/data/experiments/{name}.toml")
    if exp.name != name:
        raise _field_error(exp.data_file, "name", exp.name, f"must equal the file name ({name!r})")
    return exp


def _nonzero_flavours(exp: Experiment) -> tuple[str, ...]:
    flux = flux_for_experiment(exp)
    return tuple(f for f in exp.flavours if flux.integrated(f) > 0)


def get_experiment(card) -> Experiment:
    """The experiment of a run card, with the card's ``pot``, ``flavours`` and target overrides applied."""
    exp_table = card.experiment
    info = experiment_info(exp_table.name)
    if info.source == "meson_decay":
        raise ExperimentError(f"experiment.name = {exp_table.name!r}: a meson-decay source, not an "
                        "upscattering experiment (hnlgen run handles it with gen.sources.meson_decay_run)")
    if info.kind == "custom":
        flux = exp_table.flux_file
        return Experiment(
            name="custom",
            targets=tuple(Target(t.name, t.mass_t * u.tonne) for t in exp_table.targets),
            flavours=tuple(exp_table.flavours) if exp_table.flavours is not None else ("numu", "numubar", "nue", "nuebar"),
            pot=float(exp_table.pot),
            flux_file=flux,
            flux_columns=_MB_COLUMNS,
            baseline_cm=float(exp_table.baseline_cm or 0.0),
            detector_radius_cm=float(exp_table.detector_radius_cm or 0.0),
            flux_unit_bin_GeV=float(exp_table.flux_unit_bin_GeV or 0.050),
        )
    if info.kind == "library":
        base = library_experiment(exp_table.name)
        base = dataclasses.replace(base, flavours=_nonzero_flavours(base))
    else:
        base = EXPERIMENTS[exp_table.name]
    changes = {}
    if exp_table.pot is not None:
        changes["pot"] = exp_table.pot
    if exp_table.flavours is not None:
        missing = [f for f in exp_table.flavours if f not in base.flavours]
        if missing and info.kind == "library":
            raise ExperimentError(f"experiment.flavours = {list(exp_table.flavours)!r}: the flux of "
                            f"{exp_table.name} has no {', '.join(missing)} (it has {', '.join(base.flavours)})")
        changes["flavours"] = tuple(exp_table.flavours)
    return dataclasses.replace(base, **changes) if changes else base
