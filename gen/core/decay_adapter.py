"""Adapter from ``physics.decay_table`` to the generator's decay graph (``gen.core.decays``).

``physics.decay_table.decay_table(model)`` lists, for N4..N6, Z' and h', every open channel with
daughter names, PDG codes, partial widths and branching ratios, and the proper decay length
c tau0 in cm. This module turns that into ``gen.core.decays.Species`` and ``gen.core.decays.Channel``:

* species masses: heavy states and mediators from the model/table, SM particles from
  ``physics.constants`` (PDG 2024); particles without a table entry (leptons, pi0, rho0, ...) are
  final-state particles of the cascade;
* a Majorana heavy antiparticle name (``"N4bar"``) decays through the CP image of N4's channels;
* two-body angular asymmetries (``Channel.asymmetry``) and three-body matrix elements
  (``Channel.me2``, the polarised |M|^2 of ``physics.three_body``) come from the physics layer; a
  three-body channel without ``me2`` follows flat phase space and the returned info says so;
* the chiral vertex couplings of the channels with a Z' (``Channel.vertex``, N -> nu Z', N -> N' Z',
  Z' -> l+ l-, Z' -> nu nubar) are passed on, so that Z' -> f1 f2 carries the Z' polarisation and the
  spin correlations with the decaying N (``gen.core.decays`` docstring); the CP image of a Dirac
  antiparticle's channel is flagged ``cp_image``;
* for a Dirac model the antiparticles N4bar, ... are species of their own (produced by antineutrino
  projectiles, ``gen.sources.upscattering``), decaying through the CP image of N's channels.
"""

from __future__ import annotations

import math

import numpy as np

from gen.core.decays import Channel, Species
from physics import constants as const
from physics.pdg import pdg_code

__all__ = ["decay_spec_from_physics", "SM_MASSES", "conjugate_name"]

SM_MASSES = {
    "e-": const.m_e, "e+": const.m_e, "mu-": const.m_mu, "mu+": const.m_mu, "tau-": const.m_tau, "tau+": const.m_tau,
    "nue": 0.0, "numu": 0.0, "nutau": 0.0, "nus": 0.0, "nuebar": 0.0, "numubar": 0.0, "nutaubar": 0.0, "nusbar": 0.0,
    "gamma": 0.0, "pi0": const.m_pi0, "pi+": const.m_pi_charged, "pi-": const.m_pi_charged, "rho0": const.m_rho0,
    "rho+": const.m_rho_charged, "rho-": const.m_rho_charged, "K+": const.m_K_charged, "K-": const.m_K_charged,
    "K0": const.m_K0, "K0bar": const.m_K0, "K*+": const.m_Kstar_charged, "K*-": const.m_Kstar_charged,
    "eta": const.m_eta, "etaprime": const.m_etaprime, "omega": const.m_omega, "phi": const.m_phi,
    # partons of h' -> q qbar, g g: final-state particles of the cascade, not hadronised (MSbar masses)
    "s": const.m_s_quark, "sbar": const.m_s_quark, "c": const.m_c_quark, "cbar": const.m_c_quark,
    "b": const.m_b_quark, "bbar": const.m_b_quark, "g": 0.0,
}


def conjugate_name(name: str) -> str:
    """CP conjugate of a particle name: e- <-> e+, numu <-> numubar, N4 <-> N4bar; self-conjugate otherwise."""
    if name.endswith("-"):
        return name[:-1] + "+"
    if name.endswith("+"):
        return name[:-1] + "-"
    if name.endswith("bar"):
        return name[:-3]
    if name.startswith("nu") or name in ("N4", "N5", "N6"):
        return name + "bar"
    return name


def _spin_reversed(me2):
    """|M|^2 of the CP-image channel: the same function with the parent polarisation reversed."""

    def me2_conj(q1, q2, q3, s):
        return me2(q1, q2, q3, -np.asarray(s))

    fast = getattr(me2, "AB", None)
    if fast is not None:  # |M|^2 = A + B.s: the spin-reversed image has (A, -B) (gen.core.decays.tabulate_three_body)

        def ab_conj(q1, q2, q3):
            A, B = fast(q1, q2, q3)
            return A, -B

        me2_conj.AB = ab_conj
    return me2_conj


def decay_spec_from_physics(card, model):
    """(species, channels, info) for ``gen.core.decays.build_decay_graph`` from ``physics.decay_table``.

    ``info`` is JSON-ready: the decay table (``physics.decay_table.to_json_dict``) plus the list of
    channels generated without a polarised angular distribution or matrix element.
    """
    from physics import decay_table as dt

    table = dt.decay_table(model)
    species: dict[str, Species] = {}
    channels: list[Channel] = []
    approximations: list[str] = []

    def mass_of(name: str) -> float:
        base = name[:-3] if name.endswith("bar") and name[:-3] in table else name
        if base in table:
            return float(table[base].mass_GeV)
        if name in SM_MASSES:
            return float(SM_MASSES[name])
        raise KeyError(f"decay table daughter {name!r}: unknown mass")

    def add_species(name: str) -> None:
        if name in species:
            return
        base = name[:-3] if name.endswith("bar") and name[:-3] in table else name
        ctau = float(table[base].ctau0_cm) if base in table else 0.0
        species[name] = Species(name, pdg_code(name), mass_of(name), ctau if math.isfinite(ctau) else 0.0)

    pending = list(model.heavy_names)
    if not model.is_majorana:
        # popped last: the channels of N4, N5, ... keep their indices
        pending = [h + "bar" for h in model.heavy_names] + pending
    done = set()
    while pending:
        name = pending.pop()
        if name in done:
            continue
        done.add(name)
        add_species(name)
        conj = name.endswith("bar") and name[:-3] in table
        base = name[:-3] if conj else name
        if base not in table:
            continue
        for ch in table[base].channels:
            daughters = tuple(conjugate_name(d) for d in ch.daughters) if conj else tuple(ch.daughters)
            for d in daughters:
                add_species(d)
                pending.append(d)
            # CP image (antiparticle of a Dirac N, real couplings): the two-body asymmetry changes sign
            # and the three-body |M|^2 is the particle's with the spin reversed (physics.decay_table).
            a = -float(ch.asymmetry) if conj else float(ch.asymmetry)
            me2 = None
            if len(daughters) == 3 and base.startswith("N"):
                if ch.me2 is None:
                    approximations.append(f"{name} -> {' '.join(daughters)}: flat phase space (no |M|^2 from physics)")
                else:
                    me2 = _spin_reversed(ch.me2) if conj else ch.me2
            vx = getattr(ch, "vertex", None)
            if vx is None and len(daughters) == 2 and ("Zprime" in daughters or base == "Zprime"):
                approximations.append(f"{name} -> {' '.join(daughters)}: no Z' spin correlation (Z' decay isotropic "
                                      "in its rest frame for this step)")
            channels.append(Channel(name, daughters, float(ch.br), asymmetry=a, me2=me2, vertex=vx,
                                    cp_image=bool(conj and vx is not None)))
    info = {
        "table": dt.to_json_dict(table),
        # the event field ``channel`` indexes this list
        "channels": [{"parent": c.parent, "daughters": list(c.daughters), "br": c.br} for c in channels],
        "approximations": approximations,
    }
    return list(species.values()), channels, info
