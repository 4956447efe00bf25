"""Run-card validation: bundled cards load, bad cards fail with the intended message (STYLE.md sec. 10.6)."""

from pathlib import Path

import pytest

from gen.card import CardError, build_model, card_to_toml, load_card, parse_card, resolved_card_dict
from gen.cli.app import main

ROOT = Path(__file__).resolve().parents[2]
BAD = sorted((ROOT / "tests" / "cards").glob("bad_*.toml"))
GOOD = sorted((ROOT / "cards").glob("*.toml"))


def _expected_fragments(path: Path) -> list[str]:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: <message fragment>'"
    return [frag.strip() for frag in first[len("# expect: "):].split(" | ")]


def test_there_are_bad_cards():
    assert len(BAD) >= 50


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_bad_card_fails_with_intended_message(path):
    """Through the validation ``hnlgen check`` and ``hnlgen run`` share (card, then gen.preflight)."""
    from gen.preflight import validate_for_run

    with pytest.raises(CardError) as info:
        validate_for_run(load_card(path))
    msg = str(info.value)
    for frag in _expected_fragments(path):
        assert frag in msg, f"{frag!r} not in {msg!r}"


@pytest.mark.parametrize("path", GOOD, ids=[p.name for p in GOOD])
def test_bundled_cards_are_valid_and_round_trip(path):
    card = load_card(path)
    text = card_to_toml(resolved_card_dict(card))
    import tomllib

    again = parse_card(tomllib.loads(text))
    assert resolved_card_dict(again) == resolved_card_dict(card)
    assert build_model(again).n_heavy == build_model(card).n_heavy


def test_check_cli_prints_defaults(capsys):
    rc = main(["check", str(ROOT / "cards" / "miniboone_light_zprime.toml")])
    out = capsys.readouterr().out
    assert rc == 0
    assert 'bound_nucleons = "pauli_blocking"' in out  # a default the card did not set
    assert "pot = 1.875e+21" in out  # the experiment's exposure, filled in
    assert "unitary completion" in out  # the model says what it did to UD4 = 1


def test_check_cli_bad_card_exit_code(capsys):
    rc = main(["check", str(ROOT / "tests" / "cards" / "bad_unknown_key.toml")])
    assert rc == 2
    assert "model.Umu44" in capsys.readouterr().err


def test_kinetic_mixing_conventions():
    """epsilon = chi cos(theta_W) (seed 004 eq. 7); alpha_epsilon2 = alpha_EM epsilon^2 (seeds 002/003)."""
    from physics import constants as const

    base = {"schema_version": 1, "model": {"m4": 0.1, "mzprime": 0.03, "gD": 1.0}}
    eps = 1.7e-4
    for key, val in (("epsilon", eps), ("chi", eps / const.cos_thetaW), ("alpha_epsilon2", const.alpha_em * eps**2)):
        d = {"schema_version": 1, "model": dict(base["model"], **{key: val})}
        assert build_model(parse_card(d)).epsilon == pytest.approx(eps, rel=1e-12)
