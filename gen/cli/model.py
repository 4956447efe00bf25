"""``hnlgen model CARD [--json | --slha]``: the resolved model, its decay table and the light-neutrino mass."""

from __future__ import annotations

import math

from gen.output import jsonout


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "model",
        help="print masses, mixings, couplings, widths, c*tau0, branching ratios and the light-neutrino mass",
    )
    p.add_argument("card", help="TOML run card")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON instead of a table")
    fmt.add_argument("--slha", action="store_true", help="print SLHA DECAY blocks")
    from gen.cli._argtypes import bounded_float

    p.add_argument("--min-br", type=bounded_float(0.0, 1.0, "a branching ratio"), default=1e-10, metavar="BR",
                   help="table view: list channels with branching ratio >= BR (default 1e-10; --json and --slha list all)")
    p.set_defaults(func=run)


def model_report(model) -> dict:
    """Everything ``hnlgen model`` prints, as a JSON-serialisable dict."""
    from physics.decay_table import decay_table, to_json_dict
    from physics.model import ModelError
    from physics.neutrino_masses import light_neutrino_mass_eV, majorana_phase_conflict

    table = decay_table(model)
    report = {"model": model.summary(), "particles": to_json_dict(table)}
    report["mixing"] = report["model"].pop("mixing")
    # The one-loop mass (arXiv:1903.07590 eq. 4) is defined only for a Majorana model whose heavy
    # columns obey the tree-level sum rules (with the card's phases, never restored silently) and
    # that has a dark scalar.
    conflict = majorana_phase_conflict(model)
    if conflict:
        report["phase_warning"] = conflict
    try:
        m_nu = light_neutrino_mass_eV(model)
        report["light_neutrino_mass_eV"] = m_nu if math.isfinite(m_nu) else None
        report["light_neutrino_mass_note"] = "one-loop, arXiv:1903.07590 eq. (4)"
    except ModelError as err:
        report["light_neutrino_mass_eV"] = None
        report["light_neutrino_mass_note"] = f"not defined for this model: {err.key} = {err.value}: {err.allowed}"
    return report


def _mix(mixing: dict, key: str) -> str:
    """A mixing entry as the card writes it: the amplitude, and its phase (units of pi) when complex."""
    v = mixing[key]
    ph = mixing.get("phase_" + key)
    return f"{v:.6g}" if ph is None else f"{v:.6g} e^(i pi {ph:.4g})"


def _fmt(x: float) -> str:
    if x is None:
        return "-"
    if x == math.inf:
        return "stable"
    return f"{x:.4e}"


def run(args) -> int:
    from gen.card import build_model, load_card

    card = load_card(args.card)
    model = build_model(card)
    if args.slha:
        from physics.decay_table import decay_table, to_slha

        print(to_slha(decay_table(model)), end="")
        return 0
    rep = model_report(model)
    if args.json:
        print(jsonout.dumps(rep, indent=2))
        return 0
    m = rep["model"]
    print(f"hnlgen model: {args.card}")
    for note in m["notes"]:
        print(f"  note: {note}")
    print(f"\n  HNL type: {m['hnl_type']}")
    masses = ", ".join(f"{k} = {v:.6g} GeV" for k, v in m["masses_GeV"].items())
    print(f"  masses: {masses}, m_Z' = {m['mzprime_GeV']:.6g} GeV" + (f", m_h' = {m['mhprime_GeV']:.6g} GeV" if m["mhprime_GeV"] else ""))
    print(f"  g_D = {m['gD']:.6g} (alpha_D = {m['alphaD']:.6g}); epsilon = {m['epsilon']:.6g} (chi = {m['chi']:.6g}, alpha*eps^2 = {m['alpha_epsilon2']:.4g})"
          + ("" if m["convention"] == "hnlgen" else f"; convention = {m['convention']!r}"))
    if rep.get("phase_warning"):
        print(f"  warning: {rep['phase_warning']}")
    if m["mhprime_GeV"]:
        print(f"  theta = {m['theta']:.6g}, y_N = {m['yN']:.6g}")
    print("\n  mixing U_aN (rows e, mu, tau, D, N):")
    for name in m["masses_GeV"]:
        n = name[1:]
        row = "  ".join(f"{fl:>3}: {_mix(rep['mixing'], f'U{fl}{n}'):>22}" for fl in ("e", "mu", "tau", "D", "N"))
        print(f"    {name}  {row}")
    print("  light-state projections sum_k |U_ak|^2: " + ", ".join(f"{k}: {v:.6g}" for k, v in m["light_state_projections"].items()))
    print("\n  particle   mass [GeV]   width [GeV]   c*tau0 [cm]")
    for name, p in rep["particles"].items():
        print(f"  {name:<9} {p['mass_GeV']:>11.6g}   {_fmt(p['width_GeV']):>11}   {_fmt(p['ctau0_cm']):>11}")
        for note in p["notes"]:  # open channels not computed, h' hadronic-width warning
            print(f"      {note}")
        shown = [ch for ch in p["channels"] if ch["br"] >= args.min_br]
        for ch in shown:
            print(f"      -> {ch['final_state']:<28} BR = {ch['br']:.4e}   Gamma = {ch['width_GeV']:.4e} GeV   pdg {ch['pdg']}")
        if len(shown) < len(p["channels"]):
            print(f"      (+{len(p['channels']) - len(shown)} open channels with BR < {args.min_br:g}: see --json)")
        if not p["channels"]:
            print("      (no open decay channel: stable)")
    mnu = rep["light_neutrino_mass_eV"]
    if mnu is not None:
        print(f"\n  one-loop light-neutrino mass (arXiv:1903.07590 eq. 4): {mnu:.4g} eV")
    else:
        print(f"\n  light-neutrino mass: {rep['light_neutrino_mass_note']}")
    return 0
