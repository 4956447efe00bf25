"""Run-level NuHepMC content of an upscattering run (``detectors.output.hepmc.NuHepMCRunInfo``) from its setup.

Flux-averaged total cross section (NuHepMC 1.0.0 G.R.5 / G.C.2, units of G.R.6: pb per target atom):

    sigma_bar = N_expected / (POT * Phi * N_atoms),

N_expected = sum over the sampled channels of R_c * BR_c (the tables' expected final-state events,
``GeneratorSetup.ch_rate_table`` and ``ch_br``; the ``weight`` sum of the file is its Monte Carlo
estimate), Phi the energy-integrated flux of the card's flavours (nu / cm^2 / POT) and N_atoms the
number of target nuclei of all species. It is therefore the cross section averaged over the flux of
all the card's flavours and over the detector's atom mix (for MiniBooNE's CH2: C and H atoms), with
the final-state branching ratio included, so that NuHepMC's normalisation
sigma_bar * (sum of CV weights in a bin) / (sum of all CV weights) gives the cross section of the
file's final state per atom.
"""

from __future__ import annotations

import json

import numpy as np

from detectors.output.hepmc import NuHepMCProcess, NuHepMCRunInfo
from gen.core.events import REGIME_CODES
from physics import form_factors as ff
from physics import pdg
from physics import units as u

__all__ = ["nuhepmc_run_info", "flux_averaged_xsec_pb", "PROCESSES", "ADDITIONAL_PARTICLES"]

# NuHepMC 1.0.0 E.C.1: neutral-current blocks X50-X99 of "low-energy nuclear scattering" (100-199)
# and "quasielastic" (200-299). Theory: E. Bertuzzo et al., arXiv:1807.09877; P. Ballett, M. Hostert,
# S. Pascoli, arXiv:1903.07589 (the derivation of physics.cross_sections).
_CITE = ("1807.09877", "1903.07589")
PROCESSES = {
    "coherent": NuHepMCProcess(150, "NC coherent upscattering",
                               "nu A -> N A on a whole nucleus (Z', Z, h' exchange, nuclear form factor, both N helicities)", _CITE),
    "p-el": NuHepMCProcess(250, "NC elastic upscattering on protons",
                           "nu p -> N p on free or bound protons (nucleon form factors; bound protons at rest with the card's bound-nucleon treatment)", _CITE),
    "n-el": NuHepMCProcess(251, "NC elastic upscattering on neutrons",
                           "nu n -> N n on bound neutrons (nucleon form factors; at rest with the card's bound-nucleon treatment)", _CITE),
}

# NuHepMC G.R.11 / G.C.5: codes outside the Standard Model part of the PDG scheme, declared with their
# meaning here (32 and 54 are PDG codes for a Z'0 and a spin-0 mediator; declaring them is permitted).
ADDITIONAL_PARTICLES = {
    pdg.N4: ("N4", "lightest heavy neutral lepton N4 (mass, mixings: run card and the model JSON)"),
    pdg.N5: ("N5", "heavy neutral lepton N5"),
    pdg.N6: ("N6", "heavy neutral lepton N6"),
    -pdg.N4: ("N4bar", "antiparticle of a Dirac N4"),
    -pdg.N5: ("N5bar", "antiparticle of a Dirac N5"),
    -pdg.N6: ("N6bar", "antiparticle of a Dirac N6"),
    pdg.ZPRIME: ("Zprime", "dark gauge boson Z' (kinetic mixing with the photon)"),
    pdg.HPRIME: ("hprime", "dark scalar h' (mixing with the Higgs boson)"),
    pdg.NU_S: ("nus", "dark/sterile component of the light neutrino states (hnlgen's use of the 4th-generation code)"),
    -pdg.NU_S: ("nusbar", "antiparticle of code 18"),
}


def _normalisation(setup) -> tuple[float, float, float]:
    """(expected final-state events from the tables, Phi in nu/cm^2/POT, N_atoms) of the module docstring."""
    exp = setup.experiment
    expected = float(np.sum(setup.ch_rate_table * setup.ch_br))
    flavours = [f for f in exp.flavours if f in setup.flux.flavours]
    phi = float(sum(setup.flux.integrated(f) for f in flavours))
    n_atoms = float(sum(t.n_nuclei for t in exp.targets))
    return expected, phi, n_atoms


def flux_averaged_xsec_pb(setup) -> float:
    """sigma_bar of the module docstring in pb per target atom, for a ``gen.sources.upscattering.GeneratorSetup``."""
    expected, phi, n_atoms = _normalisation(setup)
    return expected / (setup.experiment.pot * phi * n_atoms) / u.pb


def nuhepmc_run_info(setup, seed: int, extra_provenance: dict[str, str] | None = None) -> NuHepMCRunInfo:
    """The ``NuHepMCRunInfo`` of an upscattering run (``gen.sources.upscattering.prepare``) with seed ``seed``.

    ``extra_provenance`` adds ``NuHepMC.Provenance.hnlgen.<key>`` strings (e.g. the unweighting request).
    """
    from gen import __version__
    from gen.card import card_to_toml, resolved_card_dict

    card, exp, flux = setup.card, setup.experiment, setup.flux
    processes = {REGIME_CODES[r]: PROCESSES[r] for r in card.process.regimes}
    masses, atoms = {}, {}
    for t in exp.targets:
        info = ff.get_target(t.name)
        code = pdg.nucleus_code(info.Z, info.A)
        masses[code] = float(info.mass)
        atoms[code] = atoms.get(code, 0.0) + float(t.n_nuclei)
    expected, phi, _n_atoms = _normalisation(setup)
    beams = {pdg.PROJECTILE[f]: (np.asarray(flux.edges, float), np.asarray(flux.bin_flux[flux.index(f)], float))
             for f in exp.flavours if f in flux.flavours}
    provenance = {
        "run_card": card_to_toml(resolved_card_dict(card)),
        "model": json.dumps({"model": setup.model.summary(), "decays": setup.decay_info}, default=float),
        "seed": str(int(seed)),
        "hnlgen_version": __version__,
        **(extra_provenance or {}),
    }
    return NuHepMCRunInfo(processes=processes, pot=float(exp.pot), flux_averaged_xsec_pb=flux_averaged_xsec_pb(setup),
                          nucleus_masses=masses, target_atoms=atoms, integrated_flux=phi, expected_events=expected, beams=beams, additional_particles=dict(ADDITIONAL_PARTICLES),
                          provenance=provenance, tool_version=__version__)
