"""`hnlgen model`: table, JSON (schema of issue 2) and SLHA output on the bundled cards."""

import json
from pathlib import Path

import pytest

from gen.cli.app import main

ROOT = Path(__file__).resolve().parents[2]
CARDS = sorted((ROOT / "cards").glob("*.toml"))


@pytest.mark.parametrize("card", CARDS, ids=[c.name for c in CARDS])
def test_model_json_schema(card, capsys):
    assert main(["model", str(card), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert "N4" in rep["particles"] and "Zprime" in rep["particles"]
    for _name, p in rep["particles"].items():
        assert set(p) >= {"mass_GeV", "width_GeV", "ctau0_cm", "channels"}
        if p["channels"]:
            assert sum(ch["br"] for ch in p["channels"]) == pytest.approx(1.0, rel=1e-9)
            assert p["width_GeV"] == pytest.approx(sum(ch["width_GeV"] for ch in p["channels"]), rel=1e-9)
        for ch in p["channels"]:
            assert set(ch) >= {"final_state", "pdg", "width_GeV", "br"}
    assert rep["particles"]["Zprime"]["pdg"] == 32
    assert "light_neutrino_mass_eV" in rep and "mixing" in rep


def test_model_table_light_zprime(capsys):
    """Light-Z' card: N4 -> nu_mu Z' dominates and Z' -> e+e- (m_Z' = 30 MeV < 2 m_mu)."""
    assert main(["model", str(ROOT / "cards" / "miniboone_light_zprime.toml")]) == 0
    out = capsys.readouterr().out
    assert "numu Zprime" in out and "e+ e-" in out
    assert "unitary completion" in out


def test_model_lagrangian_card_has_neutrino_mass(capsys):
    assert main(["model", str(ROOT / "cards" / "lagrangian_ess.toml"), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["light_neutrino_mass_eV"] is not None and rep["light_neutrino_mass_eV"] > 0


def test_model_slha(capsys):
    assert main(["model", str(ROOT / "cards" / "three_portal_heavy_zprime.toml"), "--slha"]) == 0
    out = capsys.readouterr().out
    assert "DECAY" in out and "9900014" in out
