"""Run cards: TOML files read with ``tomllib`` and validated into frozen pydantic models.

Every table forbids unknown keys; every error names the dotted key path, the bad value and what
is allowed (``CardError``). ``schema_version = 1``.

A card has a ``[model]`` table (phenomenological parameters, or a ``[model.lagrangian]``
sub-table), and the run tables ``[experiment]``, ``[process]``, ``[detector]`` and ``[run]`` (all
optional, with defaults that ``hnlgen check`` prints).

``[experiment] name`` selects one of the kinds of source below, each with its own keys; a key of another
kind is an error naming it ("experiment.pot is not used by na62"):

* ``miniboone_fhc`` / ``miniboone_rhc``: upscattering in MiniBooNE; ``pot``, ``flavours``.
* the experiment library (``microboone``, ``sbnd``, ``nd280_fhc``, ``minerva_le_fhc``, ...; ``hnlgen
  experiments`` lists them; ``gen.experiments``): upscattering, truth level; ``pot``, ``flavours``.
* ``custom``: upscattering with a user flux and target list; ``flux_file``, ``flux_unit_bin_GeV``,
  ``targets``, ``pot``, ``baseline_cm``, ``detector_radius_cm``, ``flavours`` (no detector module).
* ``na62``: K+ (or pi+) decays in flight (``gen.sources.meson_decay``); ``n_kaon_decays``, ``parent``,
  ``production_lepton``, ``beam_momentum``, ``beam_momentum_spread``, ``fiducial_z``.

``[detector]`` holds the MiniBooNE cuts (the fields of ``detectors.miniboone.response.MiniBooNEConfig``, with
their cited defaults); it applies to the MiniBooNE experiments only (the detector is implied by the
experiment name).
"""

from __future__ import annotations

import math
import tomllib
import types
import typing
from pathlib import Path
from typing import Literal, NamedTuple

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from detectors.miniboone.response import MiniBooNEConfig
from gen.core import rng as R
from gen.errors import HnlgenError
from gen.experiments import (
    DEFAULT_EXPERIMENT,
    ExperimentError,
    check_experiment_name,
    experiment_info,
    experiment_names,
    get_experiment,
)
from physics import constants as _const
from physics.form_factors import TARGETS
from physics.model import DarkSectorModel, ModelError, model_from_lagrangian, model_from_phenomenological

__all__ = [
    "CardError",
    "ModelTable",
    "LagrangianTable",
    "ExperimentTable",
    "ProcessTable",
    "RunTable",
    "TargetEntry",
    "RunCard",
    "NA62_FINAL_STATES",
    "load_card",
    "resolve_run",
    "read_card_data",
    "parse_card",
    "build_model",
    "na62_settings",
    "resolved_card_dict",
    "card_to_toml",
    "SCHEMA_VERSION",
    "BOUND_NUCLEONS",
    "CARD_BOUNDS",
    "Bound",
    "check_bound",
    "show_value",
    "MAX_EVENTS",
]

SCHEMA_VERSION = 1
#: Largest event count of a run (``CARD_BOUNDS["run.events"]``; the command line's ``-n`` too).
MAX_EVENTS = 10**12


class CardError(HnlgenError, ValueError):
    """A run card is malformed or unphysical. The message names the key path, value and what is allowed."""


_STRICT = ConfigDict(extra="forbid", frozen=True, strict=False, validate_default=True)

FiniteFloat = float


class LagrangianTable(BaseModel):
    """Single-generation Lagrangian parameters, seed 004 eq. (1)-(2) (GeV for masses)."""

    model_config = _STRICT
    flavour: Literal["e", "mu", "tau"] = "mu"
    mD: float = Field(description="Dirac mass m_D = y_nu v_H / sqrt2, GeV")
    mu_prime: float = Field(0.0, description="Majorana mass mu' of N, GeV")
    Lambda: float = Field(description="Dark Dirac mass Lambda = y_N v_phi / sqrt2, GeV")
    gD: float | None = None
    alphaD: float | None = None
    epsilon: float | None = None
    chi: float | None = None
    alpha_epsilon2: float | None = None
    mzprime: float = Field(description="Z' mass, GeV")
    mhprime: float | None = Field(None, description="dark scalar mass, GeV")
    theta: float = 0.0
    yN: float | None = None


_MIX_KEYS = [f"U{fl}{n}" for n in (4, 5, 6) for fl in ("e", "mu", "tau", "D", "N")]
_PHASE_KEYS = [f"phase_{k}" for k in _MIX_KEYS]  # U_ai = U{a}{i} exp(i pi phase_U{a}{i}), physics.model


class ModelTable(BaseModel):
    """The ``[model]`` table: masses in GeV, mixing amplitudes (real, signed) and their phases ``phase_U..`` in
    units of pi, signed dark couplings, and the coupling ``convention`` (physics.model docstring)."""

    model_config = _STRICT
    hnl_type: Literal["dirac", "majorana"] | None = None
    m4: float | None = None
    m5: float | None = None
    m6: float | None = None
    mzprime: float | None = None
    mhprime: float | None = None
    Ue4: float = 0.0
    Umu4: float = 0.0
    Utau4: float = 0.0
    UD4: float = 0.0
    UN4: float = 0.0
    Ue5: float = 0.0
    Umu5: float = 0.0
    Utau5: float = 0.0
    UD5: float = 0.0
    UN5: float = 0.0
    Ue6: float = 0.0
    Umu6: float = 0.0
    Utau6: float = 0.0
    UD6: float = 0.0
    UN6: float = 0.0
    phase_Ue4: float = 0.0
    phase_Umu4: float = 0.0
    phase_Utau4: float = 0.0
    phase_UD4: float = 0.0
    phase_UN4: float = 0.0
    phase_Ue5: float = 0.0
    phase_Umu5: float = 0.0
    phase_Utau5: float = 0.0
    phase_UD5: float = 0.0
    phase_UN5: float = 0.0
    phase_Ue6: float = 0.0
    phase_Umu6: float = 0.0
    phase_Utau6: float = 0.0
    phase_UD6: float = 0.0
    phase_UN6: float = 0.0
    convention: Literal["hnlgen", "darknews"] = "hnlgen"
    gD: float | None = None
    alphaD: float | None = None
    epsilon: float | None = None
    chi: float | None = None
    alpha_epsilon2: float | None = None
    theta: float = 0.0
    yN: float = 0.0
    lagrangian: LagrangianTable | None = None


FLAVOUR_NAMES = ("nue", "numu", "nutau", "nuebar", "numubar", "nutaubar")

# The keys that apply to each experiment (besides ``name``) are a registry fact:
# ``gen.experiments.experiment_info(name).card_keys``; any other key set is an error.
_CUSTOM_REQUIRED = ("flux_file", "targets", "pot")
# final_state of an NA62 card: the l_b+ l_b- pair of the N decay (seed 004 eq. (17)); sets the trigger stream
NA62_FINAL_STATES = {"e+e-": "e", "mu+mu-": "mu"}
# NA62 defaults: 75 GeV/c with 1 % rms spread, fiducial decay volume 105-180 m from the target
# (../shared/data/PROVENANCE.md sec. 4: NA62 arXiv:2312.17188 sec. 1, arXiv:2409.12981 sec. 1);
# N_K^Fid from seed 004 (arXiv:1903.07589) Table I: 2.14e11 (di-electron), 7.94e11 (di-muon stream).
NA62_DEFAULTS = {"parent": "K+", "production_lepton": "mu", "beam_momentum": 75.0, "beam_momentum_spread": 0.01,
                 "fiducial_z": [10500.0, 18000.0]}
NA62_N_KAON_DECAYS = {"e": 2.14e11, "mu": 7.94e11}


class TargetEntry(BaseModel):
    """One target species of a custom experiment: ``name`` (C12, H1, O16, Ar40, Si28) and ``mass_t`` (tonnes)."""

    model_config = _STRICT
    name: str = Field(description="a target of physics.form_factors.TARGETS (checked in parse_card)")
    mass_t: float = Field(gt=0, description="total mass of this species in the detector, tonnes")


class ExperimentTable(BaseModel):
    """``[experiment]``: which source (beam and detector) and its exposure; see the module docstring."""

    model_config = _STRICT
    # one of gen.experiments.experiment_names() (checked in parse_card: unknown names list the known ones)
    name: str = DEFAULT_EXPERIMENT
    pot: float | None = Field(None, gt=0, description="protons on target (overrides the experiment default)")
    flavours: list[Literal["nue", "numu", "nutau", "nuebar", "numubar", "nutaubar"]] | None = None
    # custom upscattering experiment
    flux_file: str | None = Field(None, description="flux table: Elo Ehi numu numubar nue nuebar (GeV; nu/cm^2/POT per flux_unit_bin_GeV)")
    flux_unit_bin_GeV: float | None = Field(None, gt=0, description="energy interval the flux columns are quoted per (default 0.05 GeV)")
    targets: list[TargetEntry] | None = None
    baseline_cm: float | None = Field(None, ge=0)
    detector_radius_cm: float | None = Field(None, gt=0)
    # na62
    n_kaon_decays: float | None = Field(None, gt=0, description="N_K^Fid: parent decays in the fiducial volume")
    parent: Literal["K+", "pi+"] | None = None
    production_lepton: Literal["e", "mu"] | None = None
    beam_momentum: float | None = Field(None, gt=0, description="GeV")
    beam_momentum_spread: float | None = Field(None, ge=0, lt=0.2, description="relative rms")
    fiducial_z: tuple[float, float] | None = Field(None, description="cm from the target")


#: ``process.bound_nucleons`` card value -> ``bound`` argument of ``physics.cross_sections``.
BOUND_NUCLEONS = {"pauli_blocking": "pauli", "bertuzzo_suppression": "bertuzzo", "free": "free"}


class ProcessTable(BaseModel):
    """``[process]``: what is generated."""

    model_config = _STRICT
    regimes: list[Literal["coherent", "p-el", "n-el"]] = ["coherent", "p-el", "n-el"]
    helicities: list[Literal["conserving", "flipping"]] = ["conserving", "flipping"]
    hnl: list[Literal["N4", "N5", "N6"]] | None = None
    final_state: str = "all"
    bound_nucleons: Literal["pauli_blocking", "bertuzzo_suppression", "free"] = "pauli_blocking"


class RunTable(BaseModel):
    """``[run]``: run controls (the command line may override them)."""

    model_config = _STRICT
    events: int = Field(100_000, gt=0)
    seed: int = Field(12345, ge=0)
    output: str = "events.root"
    format: Literal["ttree", "rntuple", "hepmc3"] = Field(
        "ttree", description="output layout: ROOT TTree, ROOT RNTuple or HepMC3 ASCII following NuHepMC (detectors.output.root, detectors.output.hepmc)")


class RunCard(BaseModel):
    """A whole run card."""

    model_config = _STRICT
    schema_version: Literal[1]
    model: ModelTable
    experiment: ExperimentTable = ExperimentTable()
    process: ProcessTable = ProcessTable()
    detector: MiniBooNEConfig | None = None
    run: RunTable = RunTable()

    @property
    def detector_config(self) -> MiniBooNEConfig:
        """The MiniBooNE detector configuration (the ``[detector]`` table or the cited defaults)."""
        return self.detector if self.detector is not None else MiniBooNEConfig()


def _format_validation_error(err: pydantic.ValidationError) -> str:
    lines = []
    for e in err.errors():
        path = ".".join(str(p) for p in e["loc"]) or "<card>"
        value = e.get("input")
        if e["type"] == "extra_forbidden":
            lines.append(f"{path} = {value!r}: unknown key (check the spelling; see README 'Run cards')")
        elif e["type"] == "missing":
            lines.append(f"{path}: required key is missing")
        elif e["type"] == "literal_error":
            lines.append(f"{path} = {value!r}: {e['msg'].replace('Input should be', 'allowed:')}")
        else:
            lines.append(f"{path} = {value!r}: {e['msg']}")
    return "; ".join(lines)


def show_value(value) -> str:
    """A card value as the user wrote it in TOML (``true``, ``"0.420"``, ``-1.0``) for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    return repr(value)


class Bound(NamedTuple):
    """Finite range of a card value: ``lo <= x <= hi`` (``lo < x`` if ``lo_open``), on ``|x|`` if ``magnitude``;
    with ``tiny`` > 0, a value that is not 0 must also have ``|x| >= tiny`` (0 switches a coupling off)."""

    lo: float
    hi: float
    unit: str
    reason: str
    lo_open: bool = False
    magnitude: bool = False
    tiny: float = 0.0

    def allowed(self, name: str = "x") -> str:
        """``must satisfy 0 < m4 <= 80.37 GeV (reason)``."""
        x = f"|{name}|" if self.magnitude else name
        lo = f"{self.lo:g} < {x}" if self.lo_open else (f"{self.lo:g} <= {x}" if not self.magnitude or self.lo > 0 else x)
        unit = f" {self.unit}" if self.unit else ""
        tiny = f", and {x} = 0 or {x} >= {self.tiny:g}" if self.tiny else ""
        return f"must satisfy {lo} <= {self.hi:.6g}{unit}{tiny} ({self.reason})"

    def contains(self, value) -> bool:
        x = abs(value) if self.magnitude else value
        if not math.isfinite(abs(x)):
            return False
        if self.tiny and x != 0 and abs(x) < self.tiny:
            return False
        return (x > self.lo if self.lo_open else x >= self.lo) and x <= self.hi


_SQRT_4PI = math.sqrt(4.0 * math.pi)
_MASS_N = Bound(2 * _const.m_e, _const.m_W, "GeV", "above 2 m_e an N has a visible decay; N decays use off-shell W and Z "
                "propagators, valid below m_W", lo_open=True)
_MASS_MED = Bound(1e-6, _const.m_W, "GeV", "from 1 keV (the lightest mediator the tests exercise) to m_W (Z-Z' and "
                  "h'-h mass mixing are neglected)")
_MASS_LAG = Bound(0.0, _const.m_W, "GeV", "the Lagrangian's heavy states must stay below m_W (see model.m4)")
# Nonzero couplings below TINY_COUPLING (squares below TINY_COUPLING^2) are refused: rates and widths scale with
# their squares, and products of several such factors leave the double range (lifetimes overflow); 0 turns a
# coupling off.
TINY_COUPLING = 1e-12
_TINY_WHY = "; a nonzero coupling below 1e-12 (1e-24 for squares) would leave the double range of widths and lifetimes"
_MIX = Bound(0.0, 1.0, "", "a mixing-matrix element of a unitary matrix" + _TINY_WHY, magnitude=True, tiny=TINY_COUPLING)
_PERTURBATIVE = Bound(0.0, _SQRT_4PI, "", "perturbativity, g <= sqrt(4 pi), i.e. alpha <= 1" + _TINY_WHY, magnitude=True,
                      tiny=TINY_COUPLING)

#: Allowed finite range of every bounded card key (dotted path; list entries share their list's key), with the
#: reason. ``parse_card`` enforces it; ``check_bound`` lets other inputs (``hnlgen reweight --set``) reuse it.
CARD_BOUNDS: dict[str, Bound] = {
    **{f"model.m{n}": _MASS_N for n in (4, 5, 6)},
    "model.mzprime": _MASS_MED,
    "model.mhprime": _MASS_MED,
    **{f"model.U{fl}{n}": _MIX for n in (4, 5, 6) for fl in ("e", "mu", "tau", "D", "N")},
    # Majorana phases of the mixings (issue 14), in units of pi
    **{f"model.phase_U{fl}{n}": Bound(0.0, 2.0, "", "phases are in units of pi; |phase| <= 2 covers every value",
                                      magnitude=True) for n in (4, 5, 6) for fl in ("e", "mu", "tau", "D", "N")},
    "model.gD": _PERTURBATIVE,
    "model.alphaD": Bound(0.0, 1.0, "", "perturbativity, alpha_D = g_D^2/(4 pi) <= 1" + _TINY_WHY, magnitude=True,
                          tiny=TINY_COUPLING**2),
    "model.chi": Bound(0.0, 1.0, "", "|chi| < 1 keeps the kinetic terms of the mixed gauge fields positive" + _TINY_WHY,
                       magnitude=True, tiny=TINY_COUPLING),
    "model.epsilon": Bound(0.0, _const.cos_thetaW, "", "epsilon = chi cos(theta_W) with |chi| < 1 (arXiv:1903.07589 eq. 7)"
                           + _TINY_WHY, magnitude=True, tiny=TINY_COUPLING),
    "model.alpha_epsilon2": Bound(0.0, _const.alpha_em * _const.cos_thetaW**2, "",
                                  "alpha_EM epsilon^2 with |epsilon| < cos(theta_W) (see model.epsilon)" + _TINY_WHY,
                                  magnitude=True, tiny=TINY_COUPLING**2),
    "model.theta": Bound(0.0, math.pi / 2, "rad", "a mixing angle, |theta| <= pi/2" + _TINY_WHY, magnitude=True,
                         tiny=TINY_COUPLING),
    "model.yN": _PERTURBATIVE,
    "model.lagrangian.mD": _MASS_LAG,
    "model.lagrangian.mu_prime": _MASS_LAG,
    "model.lagrangian.Lambda": _MASS_LAG,
    "model.lagrangian.mzprime": _MASS_MED,
    "model.lagrangian.mhprime": _MASS_MED,
    "model.lagrangian.gD": _PERTURBATIVE,
    "model.lagrangian.yN": _PERTURBATIVE,
    "model.lagrangian.theta": Bound(0.0, math.pi / 2, "rad", "a mixing angle, |theta| <= pi/2" + _TINY_WHY, magnitude=True,
                                    tiny=TINY_COUPLING),
    "experiment.pot": Bound(0.0, 1e24, "POT", "1e24 protons on target is ~1000 years of the most intense neutrino "
                            "beams (~1e21 POT per year)", lo_open=True),
    "experiment.n_kaon_decays": Bound(0.0, 1e15, "decays", "over 1000 times the largest default exposure "
                                      "(7.94e11 K+ decays, arXiv:1903.07589 Table I)", lo_open=True),
    "experiment.beam_momentum": Bound(1.0, 400.0, "GeV/c", "a secondary beam of the 400 GeV/c SPS protons; from 1 GeV/c the "
                                      "parent's decay length (>= 7.5 m for a K+) keeps the probability to reach a decay "
                                      "volume within 1 km a normal double (0.016 GeV/c gave NaN weights)"),
    "experiment.beam_momentum_spread": Bound(0.0, 0.05, "", "a Gaussian spread whose quadrature nodes (|x| <= 10.5 sigma, "
                                             "gen.sources.meson_decay.mean_fv_decay_probability) stay at p > 0: sigma < 0.095 (NA62: "
                                             "0.01; 0.19 gave 18 times more decays than kaons)"),
    "experiment.fiducial_z": Bound(0.0, 1e5, "cm", "a decay volume within 1 km of the target (NA62: 105-180 m)"),
    "experiment.baseline_cm": Bound(0.0, 1.3e9, "cm", "a baseline shorter than the Earth's diameter, 1.27e9 cm"),
    "experiment.detector_radius_cm": Bound(0.0, 1e5, "cm", "a detector smaller than 1 km", lo_open=True),
    "experiment.flux_unit_bin_GeV": Bound(0.0, 1e3, "GeV", "a flux quoted per energy interval up to 1 TeV", lo_open=True),
    "experiment.targets.mass_t": Bound(0.0, 1e6, "t", "a target lighter than 1 Mt (Hyper-Kamiokande: 0.26 Mt)",
                                       lo_open=True),
    "detector.tank_radius_cm": Bound(0.0, 1e4, "cm", "a detector of MiniBooNE's scale (tank 610.6 cm)", lo_open=True),
    "detector.fiducial_radius_cm": Bound(0.0, 1e4, "cm", "a detector of MiniBooNE's scale (tank 610.6 cm)", lo_open=True),
    "detector.soft_shower_threshold": Bound(0.0, 10.0, "GeV", "an energy cut within the BNB flux range (< 10 GeV)"),
    "detector.e_vis_min": Bound(0.0, 10.0, "GeV", "an energy cut within the BNB flux range (< 10 GeV)"),
    "detector.binding_energy": Bound(0.0, 1.0, "GeV", "a nuclear binding energy (C12: 0.034 GeV)"),
    "detector.energy_resolution_stochastic": Bound(0.0, 10.0, "", "a relative resolution sigma_E/E at 1 GeV below 1000%"),
    "detector.energy_resolution_constant": Bound(0.0, 10.0, "", "a relative resolution below 1000%"),
    "detector.e_qe_range": Bound(0.0, 10.0, "GeV", "an energy range within the BNB flux range (< 10 GeV)"),
    "detector.e_qe_range_evis_costheta": Bound(0.0, 10.0, "GeV", "an energy range within the BNB flux range (< 10 GeV)"),
    "run.events": Bound(1, MAX_EVENTS, "events", "the random streams of gen.core.rng address at most (2^32 - 1) x 16384 = "
                        "7e13 events; 1e12 events take weeks and ~1 PB: split larger productions over seeds"),
    "run.seed": Bound(0, 2**63 - 1, "", "a seed stored as a signed 64-bit integer (ROOT, NuHepMC)"),
}


def check_bound(key: str, value) -> None:
    """Raise ``CardError`` if ``value`` of the dotted card ``key`` is outside ``CARD_BOUNDS[key]`` (no-op if unbounded)."""
    bound = CARD_BOUNDS.get(key)
    if bound is None or value is None:
        return
    for v in (value if isinstance(value, (list, tuple)) else (value,)):
        if isinstance(v, (int, float, complex)) and not isinstance(v, bool) and not bound.contains(v):
            raise CardError(f"{key} = {show_value(value)}: {bound.allowed(key.rsplit('.', 1)[-1])}")


def resolve_run(card, n_events, seed, chunk_size):
    """(events, seed, blocks per chunk) of a run: the card's values unless overridden, bounds checked
    (``CARD_BOUNDS``); a chunk is a whole number of ``gen.core.rng.BLOCK_SIZE`` blocks (default 8)."""
    n = card.run.events if n_events is None else int(n_events)
    s = card.run.seed if seed is None else int(seed)
    check_bound("run.events", n)  # CardError (a ValueError) naming the bound
    check_bound("run.seed", s)
    if chunk_size is None:
        chunk_size = 8 * R.BLOCK_SIZE  # 131072 events: one ROOT basket per chunk
    if not 1 <= chunk_size <= R.MAX_CHUNK_SIZE:
        raise ValueError(f"chunk_size = {chunk_size}: must satisfy 1 <= chunk_size <= {R.MAX_CHUNK_SIZE} (a chunk is held "
                         "in memory, ~1 kB per event)")
    # chunks are whole blocks
    blocks_per_chunk = max(1, -(-int(chunk_size) // R.BLOCK_SIZE))
    return n, s, blocks_per_chunk


def _check_bounds(data: dict) -> None:
    """``CARD_BOUNDS`` on the card as written (before the physics is built, so nothing overflows)."""

    def walk(obj, path):
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(obj, list) and obj and all(isinstance(x, dict) for x in obj):
            for x in obj:
                walk(x, path)
        else:
            check_bound(path, obj)

    walk(data, "")


def _scalar_kinds(ann) -> set:
    """Python scalar types a field annotation accepts (``object``: not a plain scalar, left to pydantic)."""
    origin = typing.get_origin(ann)
    if origin is typing.Annotated:
        return _scalar_kinds(typing.get_args(ann)[0])
    if origin is Literal:
        return {type(a) for a in typing.get_args(ann)}
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_scalar_kinds(a) for a in typing.get_args(ann)))
    if ann is type(None):
        return set()
    if ann in (bool, int, float, str, complex):
        return {ann}
    return {object}


def _kind_problem(value, kinds: set) -> str | None:
    """Why ``value`` would be coerced (a bool or string to a number, a float to an integer); None if it is fine."""
    if object in kinds or not kinds:
        return None
    if isinstance(value, bool):
        return None if bool in kinds else "must be a number, not a TOML boolean"
    if isinstance(value, str):  # a complex number has no TOML literal: a string is how one is written
        return None if kinds & {str, complex} else "must be a number, not a string (write it without quotes)"
    if isinstance(value, float) and int in kinds and not kinds & {float, complex}:
        return "must be an integer (write 100000, not 1e5 or 100000.0)"
    return None


def _refuse_coercion(data, cls, path: str = "") -> None:
    """Refuse the conversions pydantic's lax mode would make silently: ``m4 = true`` -> 1.0, ``m4 = "0.420"`` -> 0.42,
    ``events = 1e5`` -> 100000. The field types themselves stay as declared (plain pydantic validation follows)."""
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        field = cls.model_fields.get(key)
        if field is None:
            continue
        sub = f"{path}.{key}" if path else key
        ann = field.annotation
        models = [a for a in _flat_args(ann) if isinstance(a, type) and issubclass(a, BaseModel)]
        if models and isinstance(value, dict):
            _refuse_coercion(value, models[0], sub)
        elif models and isinstance(value, list):
            for i, x in enumerate(value):
                _refuse_coercion(x, models[0], f"{sub}.{i}")
        elif isinstance(value, list):
            elems = [a for a in _flat_args(ann) if typing.get_origin(a) in (list, tuple)]
            kinds = set().union(*(_scalar_kinds(e) for a in elems for e in typing.get_args(a) if e is not Ellipsis)) if elems else {object}
            for x in value:
                problem = _kind_problem(x, kinds)
                if problem:
                    raise CardError(f"{sub} = {show_value(value)}: every entry {problem}")
        else:
            problem = _kind_problem(value, _scalar_kinds(ann))
            if problem:
                raise CardError(f"{sub} = {show_value(value)}: {problem}")


def _flat_args(ann) -> list:
    """The members of a union annotation (or the annotation itself), with the element type of list[Model]."""
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType):
        return [x for a in typing.get_args(ann) for x in _flat_args(a)]
    if origin is list:
        args = typing.get_args(ann)
        if args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            return [args[0]]
    return [ann]


def _check_finite(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            _check_finite(v, f"{path}.{k}" if path else k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _check_finite(v, f"{path}[{i}]")
    elif isinstance(obj, float) and not math.isfinite(obj):
        raise CardError(f"{path} = {obj!r}: must be a finite number")


def parse_card(data: dict) -> RunCard:
    """Validate a card given as a dict (as from ``tomllib``); builds the model to check its physics."""
    _check_finite(data)
    if "schema_version" not in data:
        raise CardError("schema_version: required key is missing (use schema_version = 1)")
    _check_experiment_name(data)
    _refuse_coercion(data, RunCard)
    _check_bounds(data)
    try:
        card = RunCard.model_validate(data)
    except pydantic.ValidationError as err:
        raise CardError(_format_validation_error(err)) from None
    _check_experiment(card)
    model = build_model(card)  # physics checks (unitarity, masses, either-or couplings)
    if card.model.lagrangian is not None:  # the masses the Lagrangian gives obey the bounds of m4, m5, m6
        for name, m in zip(model.heavy_names, model.m_N):
            if not _MASS_N.contains(float(m)):
                raise CardError(f"model.lagrangian gives {name} mass = {float(m)!r} GeV: {_MASS_N.allowed('m_' + name)}")
    if experiment_info(card.experiment.name).meson_decay:
        _check_na62_kinematics(card, model)
    return card


def _check_na62_kinematics(card: RunCard, model) -> None:
    """P+ -> l_a+ N open (m_N < m_P - m_a) and the l_b+ l_b- pair within reach of N (m_N > 2 m_b). Whether a
    decay chain of the decay table ends in the final state is checked by ``gen.sources.meson_decay_run.NA62Setup``; the
    Z' need not be on shell (``gen.sources.meson_decay``: three-body and other routes)."""
    from physics.meson_decays import MESONS, lepton_mass

    st = na62_settings(card)
    hnl = card.process.hnl[0] if card.process.hnl else model.heavy_names[0]
    if hnl not in model.heavy_names:
        raise _bad("process.hnl", list(card.process.hnl), f"the model has only {', '.join(model.heavy_names)}")
    i = list(model.heavy_names).index(hnl)
    m_N = float(model.m_N[i])
    parent, fa = st["parent"], st["production_lepton"]
    fb = NA62_FINAL_STATES[card.process.final_state]
    m_max = MESONS[parent]["mass"] - lepton_mass(fa)
    key = f"model.m{hnl[1:]}" if card.model.lagrangian is None else f"{hnl} mass"
    if not 0 < m_N < m_max:
        raise CardError(f"{key} = {m_N!r}: {parent} -> {fa}+ {hnl} needs m_{hnl} < "
                        f"m_{parent} - m_{fa} = {m_max:.6g} GeV")
    if not m_N > 2 * lepton_mass(fb):
        raise CardError(f"{key} = {m_N!r}: the na62 final state {card.process.final_state} from "
                        f"{hnl} decays needs m_{hnl} > 2 m_{fb} = {2 * lepton_mass(fb):.6g} GeV")


def _bad(path: str, value, allowed: str) -> CardError:
    return CardError(f"{path} = {value!r}: {allowed}")


_UPSCATTERING_PROCESS_KEYS = ("regimes", "helicities", "bound_nucleons")


def _check_experiment_name(data: dict) -> None:
    """``experiment.name`` against the registry (``gen.experiments``), before the schema."""
    table = data.get("experiment")
    name = table.get("name") if isinstance(table, dict) else None
    if isinstance(name, str):
        try:
            check_experiment_name(name)
        except ExperimentError as err:
            raise CardError(str(err)) from None


def _check_experiment(card: RunCard) -> None:
    """Keys that do not apply to the chosen experiment, and the experiment-specific constraints."""
    exp = card.experiment
    name = exp.name
    info = experiment_info(name)
    allowed = info.card_keys
    for key in exp.model_fields_set:
        if key != "name" and key not in allowed:
            raise CardError(f"experiment.{key} is not used by {name} "
                            f"(keys of {name}: name, {', '.join(allowed)})")
    if info.kind == "library":
        try:
            get_experiment(card)  # the library file, its flux, and the card's flavours against the flux
        except ExperimentError as err:
            raise CardError(str(err)) from None
    if card.detector is not None and info.detector_response != "miniboone":
        with_mb = [n for n in experiment_names() if experiment_info(n).detector_response == "miniboone"]
        raise CardError(f"[detector] is not used by {name}: it holds the MiniBooNE cuts "
                        f"(experiment {' or '.join(with_mb)})")
    if info.detector_response == "microboone_epem" and card.process.final_state not in ("all", "e+e-"):
        raise CardError(f"process.final_state = {card.process.final_state!r}: the MicroBooNE e+e- response of "
                        f"{name} sees only 'all' or 'e+e-' (detectors/microboone/response.py)")
    if info.card_flux:
        for key in _CUSTOM_REQUIRED:
            if getattr(exp, key) is None:
                raise CardError(f"experiment.{key}: required key is missing for a custom experiment")
        names = [t.name for t in exp.targets]
        for i, t in enumerate(names):
            if t not in TARGETS:
                raise _bad(f"experiment.targets.{i}.name", t, f"no nuclear data for this target; known: {', '.join(TARGETS)}")
        if not names:
            raise _bad("experiment.targets", [], "give at least one target, e.g. [{name = \"C12\", mass_t = 1.0}]")
        if len(set(names)) != len(names):
            raise _bad("experiment.targets", names, "each target species at most once")
    if info.meson_decay:
        fs = card.process.final_state
        if fs not in NA62_FINAL_STATES:
            raise _bad("process.final_state", fs, f"{name} needs the l_b+ l_b- pair of the N decay: one of {', '.join(map(repr, NA62_FINAL_STATES))}")
        for key in _UPSCATTERING_PROCESS_KEYS:
            if key in card.process.model_fields_set:
                raise CardError(f"process.{key} is not used by {name} (no upscattering)")
        if exp.fiducial_z is not None:
            z1, z2 = exp.fiducial_z
            if not 0 <= z1 < z2:
                raise _bad("experiment.fiducial_z", list(exp.fiducial_z), "need [z_begin, z_end] in cm with 0 <= z_begin < z_end")
        if exp.parent == "pi+" and exp.n_kaon_decays is None:
            raise CardError("experiment.n_kaon_decays: required key is missing for parent = 'pi+' "
                            "(the default, seed 004 Table I, counts K+ decays)")
        hnl = card.process.hnl
        if hnl is not None and len(hnl) != 1:
            raise _bad("process.hnl", hnl, f"{name} produces one heavy neutrino per card: give one of N4, N5, N6")


def na62_settings(card: RunCard) -> dict:
    """The resolved ``[experiment]`` of an NA62 card (defaults of ``NA62_DEFAULTS`` and Table I filled in)."""
    exp = card.experiment
    out = {"name": exp.name}
    for key in experiment_info(exp.name).card_keys:
        v = getattr(exp, key)
        if v is None:
            if key == "n_kaon_decays":
                v = NA62_N_KAON_DECAYS[NA62_FINAL_STATES[card.process.final_state]]
            else:
                v = NA62_DEFAULTS[key]
        out[key] = list(v) if isinstance(v, tuple) else v
    return out


def read_card_data(path: str | Path) -> dict:
    """The TOML of a run card file as a dict; a missing, unreadable or non-UTF-8 file is a ``CardError`` naming it."""
    path = Path(path)
    name = str(path)
    if path.is_dir():
        raise CardError(f"{name}: is a directory, not a run card (give the TOML file)")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CardError(f"{name}: run card does not exist") from None
    except OSError as err:
        raise CardError(f"{name}: cannot read the run card ({err.strerror or err})") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CardError(f"{name}: the run card is UTF-16 text; TOML cards are UTF-8 (re-save it as UTF-8)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CardError(f"{name}: the run card is not UTF-8 text (byte {raw[err.start:err.start + 1]!r} at offset "
                        f"{err.start}); TOML cards are UTF-8") from None
    if "\x00" in text:
        raise CardError(f"{name}: the run card contains NUL bytes (a binary file?); TOML cards are UTF-8 text")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CardError(f"{name}: not valid TOML: {err}") from None


def load_card(path: str | Path) -> RunCard:
    """Read and validate a TOML run card; every error message starts with the card's path."""
    path = Path(path)
    data = read_card_data(path)
    exp = data.get("experiment")
    if isinstance(exp, dict) and isinstance(exp.get("flux_file"), str) and not Path(exp["flux_file"]).is_absolute():
        # a custom experiment's flux file is relative to the card's directory
        exp["flux_file"] = str((path.parent / exp["flux_file"]).resolve())
    try:
        return parse_card(data)
    except CardError as err:
        raise CardError(f"{path}: {err}") from None


def build_model(card: RunCard) -> DarkSectorModel:
    """Resolve the ``[model]`` table into a ``DarkSectorModel``; errors become ``CardError``."""
    m = card.model
    try:
        if m.lagrangian is not None:
            pheno_set = [k for k in ("m4", "m5", "m6", "mzprime", "mhprime", "gD", "alphaD", "epsilon", "chi", "alpha_epsilon2") if getattr(m, k) is not None]
            pheno_set += [k for k in _MIX_KEYS + _PHASE_KEYS if getattr(m, k) != 0.0]
            if pheno_set:
                raise ModelError(pheno_set[0], getattr(m, pheno_set[0]), "give either [model.lagrangian] or phenomenological masses/mixings/couplings in [model], not both")
            return model_from_lagrangian(m.lagrangian.model_dump(), hnl_type=m.hnl_type, convention=m.convention)
        params = m.model_dump(exclude={"lagrangian"})
        if params["hnl_type"] is None:
            params["hnl_type"] = "dirac"
        return model_from_phenomenological(params)
    except ModelError as err:
        raise CardError(_model_error_message(card, err)) from None


def _model_error_message(card: RunCard, err: ModelError) -> str:
    """``model.KEY = VALUE: allowed`` with the value(s) as written in the card (``Umu4 = -1.0``, not the
    |U|^2 sum the physics computed); a computed value that differs is added."""
    table = card.model.lagrangian if err.key.startswith("lagrangian.") else card.model
    keys = [k.removeprefix("lagrangian.") for k in err.key.split("/")]
    if all(k in type(table).model_fields for k in keys):
        written = [getattr(table, k) for k in keys]
        shown = show_value(written[0]) if len(keys) == 1 else "{" + ", ".join(
            f"{k} = {show_value(v)}" for k, v in zip(keys, written)) + "}"
        same = err.value == (written[0] if len(keys) == 1 else dict(zip(keys, written))) or err.value is None
        computed = "" if same else f" (computed: {err.value!r})"
        return f"model.{err.key} = {shown}: {err.allowed}{computed}"
    return f"model.{err.key} = {err.value!r}: {err.allowed}"


def resolved_card_dict(card: RunCard) -> dict:
    """The card with every default filled in (what ``hnlgen check`` prints and output files store)."""
    d = card.model_dump(mode="json")
    d["experiment"] = {k: v for k, v in d["experiment"].items() if v is not None}
    if card.model.lagrangian is not None:
        d["model"] = {"hnl_type": "majorana", "lagrangian": d["model"]["lagrangian"]}
    elif d["model"].get("hnl_type") is None:
        d["model"]["hnl_type"] = "dirac"
    if d["process"]["hnl"] is None:
        d["process"]["hnl"] = list(build_model(card).heavy_names)
    if experiment_info(card.experiment.name).meson_decay:
        d["experiment"] = na62_settings(card)
        for key in _UPSCATTERING_PROCESS_KEYS:
            d["process"].pop(key, None)
        d.pop("detector", None)
        return d
    exp = get_experiment(card)
    d["experiment"]["pot"] = exp.pot
    d["experiment"]["flavours"] = list(exp.flavours)
    if experiment_info(card.experiment.name).card_flux:
        d["experiment"]["flux_unit_bin_GeV"] = exp.flux_unit_bin_GeV
        d["experiment"]["baseline_cm"] = exp.baseline_cm
        d["experiment"]["detector_radius_cm"] = exp.detector_radius_cm
        d.pop("detector", None)
    elif exp.detector_response != "miniboone":
        d.pop("detector", None)  # library experiment: truth level, no detector table
    else:
        d["detector"] = card.detector_config.model_dump(mode="json")
    return d


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):  # inline table (e.g. experiment.targets entries)
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items() if x is not None) + "}"
    raise TypeError(type(v))


def card_to_toml(d: dict) -> str:
    """Serialise a resolved card dict back to TOML (None values are omitted: they mean 'not set')."""
    out = []
    scalars = {k: v for k, v in d.items() if not isinstance(v, dict)}
    for k, v in scalars.items():
        if v is not None:
            out.append(f"{k} = {_toml_value(v)}")

    def table(name, t):
        out.append("")
        out.append(f"[{name}]")
        subs = {}
        for k, v in t.items():
            if isinstance(v, dict):
                subs[k] = v
            elif v is not None:
                out.append(f"{k} = {_toml_value(v)}")
        for k, v in subs.items():
            table(f"{name}.{k}", v)

    for k, v in d.items():
        if isinstance(v, dict):
            table(k, v)
    return "\n".join(out) + "\n"
