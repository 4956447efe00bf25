"""``hnlgen xsec CARD --enu E [E ...]``: upscattering cross sections nu A -> N A for a card.

Prints sigma (cm^2 per target nucleus) for every (projectile, N_i, target, regime, helicity)
combination that the card's model and experiment allow. For ``p-el`` and ``n-el`` the per-nucleon
cross section is multiplied by the number of protons (Z) or neutrons (A - Z) of the nucleus; the
multiplicity is printed. ``--split`` adds the single-mediator terms (Z', Z, h') and their
interference; ``--plot FILE.png`` draws sigma(E_nu).
"""

from __future__ import annotations

import math
import sys

from gen.output import jsonout

_REGIMES = ("coherent", "p-el", "n-el")
_HELICITIES = ("conserving", "flipping")


def register(subparsers) -> None:
    p = subparsers.add_parser("xsec", help="upscattering cross sections nu A -> N A (cm^2 per nucleus)")
    p.add_argument("card", help="TOML run card")
    from gen.cli._argtypes import bounded_float

    p.add_argument("--enu", type=bounded_float(0.0, 1e4, "GeV; accelerator neutrino energies, below 10 TeV", lo_open=True),
                   nargs="+", required=True, metavar="E", help="neutrino energies (GeV)")
    p.add_argument("--target", nargs="+", metavar="T", help="targets (default: the experiment's, e.g. C12 H1)")
    p.add_argument("--regime", nargs="+", choices=_REGIMES, help="regimes (default: all a target has)")
    p.add_argument("--flavour", nargs="+", metavar="F", help="projectiles (default: the experiment's flavours)")
    p.add_argument("--helicity", nargs="+", choices=_HELICITIES + ("both",), default=list(_HELICITIES),
                   help="final N helicity (lab frame); 'both' is their sum")
    p.add_argument("--bound", choices=("pauli", "bertuzzo", "free"), default=None,
                   help="bound-nucleon treatment for p-el/n-el on nuclei (default: the card's process.bound_nucleons)")
    p.add_argument("--split", action="store_true", help="also give the Z', Z, h' terms and their interference")
    p.add_argument("--json", action="store_true", help="print JSON records")
    p.add_argument("--plot", metavar="FILE.png", help="draw sigma(E_nu) curves into FILE.png")
    p.set_defaults(func=run)


def _error(msg: str) -> int:
    print(f"hnlgen xsec: {msg}", file=sys.stderr)
    return 2


def run(args) -> int:
    from gen.card import build_model, load_card
    from gen.experiments import get_experiment
    from physics import cross_sections as xs

    card = load_card(args.card)
    model = build_model(card)
    exp = get_experiment(card)
    if args.bound is None:
        from gen.card import BOUND_NUCLEONS

        args.bound = BOUND_NUCLEONS[card.process.bound_nucleons]
    targets = list(args.target) if args.target else list(exp.target_names)
    bad = [t for t in targets if t not in exp.target_names]
    if bad:
        return _error(f"target {bad[0]!r} is not in experiment {exp.name!r}: allowed {list(exp.target_names)}")
    flavours = list(args.flavour) if args.flavour else list(exp.flavours)
    bad = [f for f in flavours if f not in exp.flavours]
    if bad:
        return _error(f"flavour {bad[0]!r} is not in the flux of experiment {exp.name!r}: allowed {list(exp.flavours)}")
    for e in args.enu:
        if not (e > 0 and math.isfinite(e)):
            return _error(f"--enu {e}: energies must be finite and > 0 (GeV)")
    recs = xs.xsec_records(model, args.enu, flavours, targets, args.regime, tuple(args.helicity),
                           bound=args.bound, split_diagrams=args.split)
    if not recs:
        return _error(f"no channel: regimes {args.regime} do not exist for targets {targets}")
    if args.json:
        print(jsonout.dumps(recs, indent=1))
    else:
        _print_table(recs, args)
    if args.plot:
        plot_sigma(model, flavours, targets, args.regime, tuple(args.helicity), args.plot, bound=args.bound,
                   E_max=max(args.enu), title=str(args.card))
    return 0


def _print_table(recs, args) -> None:
    print(f"hnlgen xsec: {args.card}  (sigma in cm^2 per target nucleus; p-el/n-el include the multiplicity Z or A-Z;"
          f" bound nucleons: {args.bound}; N helicity in the lab frame)")
    head = f"{'projectile':10s} {'hnl':4s} {'target':6s} {'regime':8s} {'mult':>4s} {'helicity':10s} {'E_nu/GeV':>9s} {'sigma/cm^2':>12s}"
    if args.split:
        head += f" {'Zprime':>11s} {'Z':>11s} {'hprime':>11s} {'interf.':>11s}"
    print(head)
    for r in recs:
        line = (f"{r['projectile']:10s} {r['hnl']:4s} {r['target']:6s} {r['regime']:8s} {r['multiplicity']:4d} "
                f"{r['helicity']:10s} {r['enu_GeV']:9.4g} {r['sigma_cm2']:12.4e}")
        if args.split:
            line += "".join(f" {r[k]:11.3e}" for k in ("sigma_Zprime_cm2", "sigma_Z_cm2", "sigma_hprime_cm2", "sigma_interference_cm2"))
        print(line)


def plot_sigma(model, flavours, targets, regimes, helicities, path, *, bound="pauli", E_max=5.0, title="") -> None:
    """sigma(E_nu) for every channel of the first flavour, one panel per heavy state."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover
        raise SystemExit("hnlgen xsec --plot needs matplotlib: pip install 'hnlgen[plot]'") from err
    import numpy as np

    from physics import cross_sections as xs

    E = np.geomspace(0.01, max(E_max, 0.02), 150)
    tab = xs.xsec_records(model, E, flavours[:1], targets, regimes, helicities, bound=bound)
    fig, axes = plt.subplots(1, model.n_heavy, figsize=(6 * model.n_heavy, 4.5), squeeze=False)
    for ax, hnl in zip(axes[0], model.heavy_names):
        keys = sorted({(r["target"], r["regime"], r["helicity"]) for r in tab if r["hnl"] == hnl})
        for key in keys:
            y = np.array([r["sigma_cm2"] for r in tab if r["hnl"] == hnl and (r["target"], r["regime"], r["helicity"]) == key])
            if np.any(y > 0):
                ax.loglog(E, np.where(y > 0, y, np.nan), label=" ".join(key), ls="-" if key[2] != "flipping" else "--")
        ax.set_xlabel(r"$E_\nu$ [GeV]")
        ax.set_ylabel(r"$\sigma$ [cm$^2$ per nucleus]")
        ax.set_title(f"{flavours[0]} -> {hnl}  {title}", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
