"""Experiments: targets, exposure, neutrino flavours and flux files.

MiniBooNE facts (PROVENANCE of the shared data, "Facts: MiniBooNE / BNB"): 818 t of CH2 (the whole
oil sphere, radius 610.6 cm), split by mass 12/14 to C12 and 2/14 to H1; 18.75e20 POT in neutrino
mode (arXiv:2006.16883) and 11.27e20 POT in antineutrino mode; baseline 541 m; official flux
release arXiv:0806.1449 (packaged in ``gen/data/flux``).

A ``custom`` experiment (card ``[experiment] name = "custom"``) takes its flux file, flux unit,
targets (tonnes), POT, baseline and detector radius from the card. The flux file has the MiniBooNE
release's column layout ``Elo Ehi numu numubar nue nuebar`` (GeV; nu / cm^2 / POT per
``flux_unit_bin_GeV``, default 0.05 GeV as in the release); a relative path is taken relative to the
card's directory when the card is read from a file (``gen.card.load_card``), else to the working
directory. NA62 (``name = "na62"``) is a kaon-decay source, not an upscattering experiment
(``gen.na62_run``).
"""

from __future__ import annotations

import dataclasses
from importlib import resources

from physics import units as u

__all__ = ["Target", "Experiment", "EXPERIMENTS", "get_experiment", "TARGET_PROPERTIES"]

# Z, A and nuclear mass (GeV) of the supported targets. Nuclear masses: AME2020 atomic masses
# (Wang et al., Chinese Phys. C 45 (2021) 030003) minus Z electron masses (binding of electrons neglected).
TARGET_PROPERTIES = {
    "H1": {"Z": 1, "A": 1, "mass_GeV": 0.93827208816},
    "C12": {"Z": 6, "A": 12, "mass_GeV": 12.0 * 0.93149410242 - 6 * 0.51099895e-3},
    "O16": {"Z": 8, "A": 16, "mass_GeV": 15.99491461957 * 0.93149410242 - 8 * 0.51099895e-3},
    "Ar40": {"Z": 18, "A": 40, "mass_GeV": 39.9623831237 * 0.93149410242 - 18 * 0.51099895e-3},
    "Si28": {"Z": 14, "A": 28, "mass_GeV": 27.97692653465 * 0.93149410242 - 14 * 0.51099895e-3},
}

ALL_FLAVOURS = ("nue", "numu", "nutau", "nuebar", "numubar", "nutaubar")


@dataclasses.dataclass(frozen=True)
class Target:
    """A target species: name (key of TARGET_PROPERTIES) and its total mass in the detector (grams)."""

    name: str
    mass_g: float

    @property
    def Z(self) -> int:
        return TARGET_PROPERTIES[self.name]["Z"]

    @property
    def A(self) -> int:
        return TARGET_PROPERTIES[self.name]["A"]

    @property
    def nuclear_mass_GeV(self) -> float:
        return TARGET_PROPERTIES[self.name]["mass_GeV"]

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
        Protons on target of the exposure.
    flux_file : str or None
        Resource name inside ``gen/data/flux`` (or an absolute path for a custom experiment).
    flux_columns : dict
        Column index in the flux file for each flavour.
    baseline_cm : float
    detector_radius_cm : float
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

    @property
    def target_names(self) -> list[str]:
        return [t.name for t in self.targets]

    def flux_path(self):
        """A path-like object for the flux table (package resource or user file)."""
        if self.flux_file is None:
            return None
        if self.name == "custom" or self.flux_file.startswith("/") or self.flux_file.startswith("."):
            return self.flux_file
        return resources.files("gen").joinpath("data", "flux", self.flux_file)


_MB_MASS_G = 818.0 * u.tonne
_MB_TARGETS = (Target("C12", _MB_MASS_G * 12.0 / 14.0), Target("H1", _MB_MASS_G * 2.0 / 14.0))
_MB_COLUMNS = {"numu": 2, "numubar": 3, "nue": 4, "nuebar": 5}

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
    ),
}


def get_experiment(card) -> Experiment:
    """The experiment of a run card, with the card's ``pot``, ``flavours`` and target overrides applied."""
    exp_table = card.experiment
    if exp_table.name == "na62":
        from gen.card import CardError

        raise CardError("experiment.name = 'na62': a kaon-decay source, not an upscattering "
                        "experiment (hnlgen run handles it with gen.na62_run)")
    if exp_table.name == "custom":
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
    base = EXPERIMENTS[exp_table.name]
    changes = {}
    if exp_table.pot is not None:
        changes["pot"] = exp_table.pot
    if exp_table.flavours is not None:
        changes["flavours"] = tuple(exp_table.flavours)
    return dataclasses.replace(base, **changes) if changes else base
