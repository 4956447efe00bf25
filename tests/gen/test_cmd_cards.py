"""Bundled cards: ``hnlgen cards`` lists and copies them; every card-taking command finds them by name
from any working directory (gen.bundled)."""

from pathlib import Path

from gen.bundled import bundled_cards, find_card
from gen.cli.app import main

ROOT = Path(__file__).resolve().parents[2]


def test_list_names_every_card(capsys):
    assert main(["cards"]) == 0
    out = capsys.readouterr().out.splitlines()
    names = sorted(p.stem for p in (ROOT / "cards").glob("*.toml"))
    assert [line.split()[0] for line in out] == names
    lz = next(line for line in out if line.startswith("miniboone_light_zprime "))
    assert "MiniBooNE" in lz  # the card's first comment line


def test_copy_and_refuse_overwrite(tmp_path, capsys):
    assert main(["cards", "miniboone_light_zprime.toml", "na62_light_zprime", "--copy", str(tmp_path)]) == 0
    for n in ("miniboone_light_zprime", "na62_light_zprime"):
        assert (tmp_path / f"{n}.toml").read_bytes() == (ROOT / "cards" / f"{n}.toml").read_bytes()
    capsys.readouterr()
    assert main(["cards", "miniboone_light_zprime", "--copy", str(tmp_path)]) == 2
    assert "exists (not overwritten)" in capsys.readouterr().err
    assert main(["cards", "no_such_card"]) == 2
    assert "unknown card 'no_such_card'" in capsys.readouterr().err
    assert main(["cards", "--copy", str(tmp_path / "missing")]) == 2


def test_card_by_name_from_anywhere(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["check", "miniboone_light_zprime"]) == 0
    assert "mzprime" in capsys.readouterr().out
    assert find_card("miniboone_light_zprime.toml") == str(bundled_cards()["miniboone_light_zprime"])
    # a file that exists wins over a bundled card of the same name; paths with a directory are not looked up
    (tmp_path / "miniboone_light_zprime.toml").write_text("x")
    assert find_card("miniboone_light_zprime.toml") == "miniboone_light_zprime.toml"
    assert find_card("sub/miniboone_light_zprime") == "sub/miniboone_light_zprime"
    assert main(["check", "nonexistent_card"]) == 2
    assert "nonexistent_card" in capsys.readouterr().err


def test_validate_prints_the_report_path_without_double_slash(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--only", "seed004_F_properties", "-o", "rep/"]) == 0
    out = capsys.readouterr().out
    assert "report: rep/report.md, rep/report.html" in out and "//" not in out
    assert (tmp_path / "rep" / "report.md").is_file()
