"""``hnlgen check CARD``: validate a run card and print it with every default filled in.

The validation is the one ``hnlgen run`` does before generating (``gen.preflight.validate_for_run``:
flux file, thresholds, final state, NA62 cascade), without the pilot runs; a card that passes runs.
"""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser("check", help="validate a run card and print it resolved (all defaults filled in)")
    p.add_argument("card", help="TOML run card")
    p.set_defaults(func=run)


def run(args) -> int:
    from gen.card import build_model, card_to_toml, load_card, resolved_card_dict
    from gen.preflight import validate_for_run
    from physics.neutrino_masses import majorana_phase_conflict

    card = load_card(args.card)
    validate_for_run(card)
    print(f"# {args.card}: valid (schema_version {card.schema_version})")
    model = build_model(card)
    for note in model.notes:
        print(f"# note: {note}")
    conflict = majorana_phase_conflict(model)
    if conflict:
        print(f"# warning: model: {conflict}")
    print(card_to_toml(resolved_card_dict(card)), end="")
    return 0
