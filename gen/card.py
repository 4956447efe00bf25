"""Run cards: TOML files read with ``tomllib`` and validated into frozen pydantic models.

Every table forbids unknown keys; every error names the dotted key path, the bad value and what
is allowed (``CardError``). ``schema_version = 1``.

A card has a ``[model]`` table (phenomenological parameters, or a ``[model.lagrangian]``
sub-table), and the run tables ``[experiment]``, ``[process]`` and ``[run]`` (all optional, with
defaults that ``hnlgen check`` prints).
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from physics.model import DarkSectorModel, ModelError, model_from_lagrangian, model_from_phenomenological

__all__ = [
    "CardError",
    "ModelTable",
    "LagrangianTable",
    "ExperimentTable",
    "ProcessTable",
    "RunTable",
    "RunCard",
    "load_card",
    "parse_card",
    "build_model",
    "resolved_card_dict",
    "card_to_toml",
    "SCHEMA_VERSION",
]

SCHEMA_VERSION = 1


class CardError(ValueError):
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


class ModelTable(BaseModel):
    """The ``[model]`` table: masses in GeV, real mixing amplitudes, dark couplings."""

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
    gD: float | None = None
    alphaD: float | None = None
    epsilon: float | None = None
    chi: float | None = None
    alpha_epsilon2: float | None = None
    theta: float = 0.0
    yN: float = 0.0
    lagrangian: LagrangianTable | None = None


EXPERIMENT_NAMES = ("miniboone_fhc", "miniboone_rhc")
FLAVOUR_NAMES = ("nue", "numu", "nutau", "nuebar", "numubar", "nutaubar")


class ExperimentTable(BaseModel):
    """``[experiment]``: which beam and detector; ``pot`` and ``flavours`` override the defaults."""

    model_config = _STRICT
    name: Literal["miniboone_fhc", "miniboone_rhc"] = "miniboone_fhc"
    pot: float | None = Field(None, description="protons on target (overrides the experiment default)")
    flavours: list[Literal["nue", "numu", "nutau", "nuebar", "numubar", "nutaubar"]] | None = None


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


class RunCard(BaseModel):
    """A whole run card."""

    model_config = _STRICT
    schema_version: Literal[1]
    model: ModelTable
    experiment: ExperimentTable = ExperimentTable()
    process: ProcessTable = ProcessTable()
    run: RunTable = RunTable()


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
    return "invalid run card:\n  " + "\n  ".join(lines)


def _check_finite(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            _check_finite(v, f"{path}.{k}" if path else k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _check_finite(v, f"{path}[{i}]")
    elif isinstance(obj, float) and not math.isfinite(obj):
        raise CardError(f"invalid run card:\n  {path} = {obj!r}: must be a finite number")


def parse_card(data: dict) -> RunCard:
    """Validate a card given as a dict (as from ``tomllib``); builds the model to check its physics."""
    _check_finite(data)
    if "schema_version" not in data:
        raise CardError("invalid run card:\n  schema_version: required key is missing (use schema_version = 1)")
    try:
        card = RunCard.model_validate(data)
    except pydantic.ValidationError as err:
        raise CardError(_format_validation_error(err)) from None
    build_model(card)  # physics checks (unitarity, masses, either-or couplings)
    return card


def load_card(path: str | Path) -> RunCard:
    """Read and validate a TOML run card."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise CardError(f"run card {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as err:
        raise CardError(f"run card {str(path)!r} is not valid TOML: {err}") from None
    return parse_card(data)


def build_model(card: RunCard) -> DarkSectorModel:
    """Resolve the ``[model]`` table into a ``DarkSectorModel``; errors become ``CardError``."""
    m = card.model
    try:
        if m.lagrangian is not None:
            pheno_set = [k for k in ("m4", "m5", "m6", "mzprime", "mhprime", "gD", "alphaD", "epsilon", "chi", "alpha_epsilon2") if getattr(m, k) is not None]
            pheno_set += [k for k in _MIX_KEYS if getattr(m, k) != 0.0]
            if pheno_set:
                raise ModelError(pheno_set[0], getattr(m, pheno_set[0]), "give either [model.lagrangian] or phenomenological masses/mixings/couplings in [model], not both")
            return model_from_lagrangian(m.lagrangian.model_dump(), hnl_type=m.hnl_type)
        params = m.model_dump(exclude={"lagrangian"})
        if params["hnl_type"] is None:
            params["hnl_type"] = "dirac"
        return model_from_phenomenological(params)
    except ModelError as err:
        raise CardError(f"invalid run card:\n  model.{err.key} = {err.value!r}: {err.allowed}") from None


def resolved_card_dict(card: RunCard) -> dict:
    """The card with every default filled in (what ``hnlgen check`` prints and output files store)."""
    from gen.experiments import get_experiment

    d = card.model_dump(mode="json")
    if card.model.lagrangian is not None:
        d["model"] = {"hnl_type": "majorana", "lagrangian": d["model"]["lagrangian"]}
    elif d["model"].get("hnl_type") is None:
        d["model"]["hnl_type"] = "dirac"
    if d["process"]["hnl"] is None:
        d["process"]["hnl"] = list(build_model(card).heavy_names)
    exp = get_experiment(card)
    d["experiment"]["pot"] = exp.pot
    d["experiment"]["flavours"] = list(exp.flavours)
    return d


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
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
