"""The validation data files (gen/validation/data/*.toml): every record has its provenance and a tolerance argument,
every text template fills, and no comparison module keeps a copy of a published number that lives in the data
(nor, for the constraint-experiment records, of a published count of gen/data/limits/published_counts.toml)."""

from __future__ import annotations

import ast
import importlib.util
import math
import string
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from gen.validation import references as refs

#: Numeric literals of a comparison module that equal a published value of its data file by coincidence.
COINCIDENCES = {("widths", 0.4): "an interior point of the m4/m5 grid of the seed 001 Fig. 2 band, not the eq. (30) m_nu of 0.4 eV",
                ("widths", 0.99): "the upper edge (99 %) of the seed 001 Fig. 2 band, a published setting of the same figure",
                ("widths", 0.7): "|U_D4|^2 of the arbitrary point of the Bertuzzo width ratios (they do not depend on it), "
                                 "not the 0.70 ps of seed 004 eq. (24)"}


def _records():
    for topic in refs.TOPICS:
        for key, ref in refs.references(topic).items():
            yield topic, key, ref


def _is_distinctive(v: float) -> bool:
    """A number a copy of which in code would be a copy of the data: not 0, not an integer up to 10, not a power of ten."""
    if v == 0 or (float(v).is_integer() and abs(v) <= 10):
        return False
    return not math.log10(abs(v)).is_integer()


def test_every_record_has_provenance_and_a_tolerance_argument():
    n = 0
    for topic, key, ref in _records():
        f = ref.fields
        if "name" not in f:  # a table of points or shared texts, not a record
            assert f.get("source") or set(f) <= {"describe", "recipe", "differs", "procedure", "events", "text", "E_typical"}, (topic, key)
            continue
        n += 1
        for field in ("source", "cite", "where"):
            assert isinstance(f.get(field), str) and f[field].strip(), f"{topic}.toml [{key}] has no {field}"
        if "value" in f:
            assert isinstance(f["value"], float), f"{topic}.toml [{key}] value = {f['value']!r}: write it as a float"
            assert any(k in f for k in ("abs_tol", "rel_tol", "factor")), f"{topic}.toml [{key}] has a value but no tolerance"
            assert f.get("tolerance_reason", "").strip(), f"{topic}.toml [{key}] has a tolerance without its argument"
        assert ("cause" in f) == ("short" in f), f"{topic}.toml [{key}]: an explained FAIL needs both cause and short"
        assert "cause" not in f or "value" in f, f"{topic}.toml [{key}]: a cause explains a disagreement with a value"
    assert n > 60


def test_every_text_template_fills():
    """Placeholders are identifiers (a literal brace is written {{ }}) and their format specs take a number."""

    class AnyNumber(dict):
        def __missing__(self, key):
            return 1.0

    src = refs.sources()
    assert all(v.strip() for v in src.values())
    for topic, key, ref in _records():
        for field, text in ref.fields.items():
            if not isinstance(text, str):
                continue
            names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
            assert all(n.isidentifier() for n in names), f"{topic}.toml [{key}] {field}: placeholders {names}"
            text.format_map(AnyNumber(src))


def test_texts_without_computed_numbers_render_and_missing_ones_are_named():
    ref = refs.references("miniboone")["miniboone_background_only_chi2.r2018_combined"]
    assert ref.text("source").startswith("MiniBooNE 2018 data release (arXiv:1805.12028)")
    assert "{" not in ref.text("details")
    needs = refs.references("widths")["seed004_lifetimes.tau_nu_h"]
    with pytest.raises(ValueError, match=r"seed004_lifetimes.tau_nu_h\] details: .*\{br\}"):
        needs.text("details")
    with pytest.raises(ValueError, match="topic = 'nope'; allowed: miniboone"):
        refs.references("nope")


def _literals(topic: str) -> set[float]:
    """The numeric literals of gen/validation/<topic>.py (the installed module)."""
    tree = ast.parse(Path(importlib.util.find_spec(f"gen.validation.{topic}").origin).read_text())
    return {float(n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool)}


def _numbers(table: dict) -> set[float]:
    """Every distinctive number of a (nested) TOML table."""
    out = set()
    for v in table.values():
        if isinstance(v, dict):
            out |= _numbers(v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and _is_distinctive(v):
            out.add(float(v))
    return out


@pytest.mark.parametrize("topic", refs.TOPICS)
def test_no_published_number_is_copied_into_code(topic):
    values = {float(r.value) for r in refs.references(topic).values() if "value" in r.fields and _is_distinctive(r.value)}
    copies = {v for v in values & _literals(topic) if (topic, v) not in COINCIDENCES}
    assert not copies, f"gen/validation/{topic}.py holds published numbers of data/{topic}.toml as literals: {sorted(copies)}"


@pytest.mark.parametrize("topic", ["nue", "limits"])
def test_constraint_records_keep_every_number_in_data(topic):
    """nue.py and limits.py hold no number of their data file (scan-file counts, masses, tolerances, not only `value`)
    and no published count of gen/data/limits/published_counts.toml (limits.py reads them through gen.limits)."""
    ours = {float(v) for r in refs.references(topic).values() for v in _numbers({"r": r.fields})}
    with resources.files("gen").joinpath("data", "limits", "published_counts.toml").open("rb") as fh:
        counts = _numbers(tomllib.load(fh))
    assert 2677.0 in counts and 173.6 in counts  # the file read is the one with the CHARM-II and MINERvA counts
    assert not ours & _literals(topic), f"gen/validation/{topic}.py copies numbers of data/{topic}.toml: {sorted(ours & _literals(topic))}"
    assert not counts & _literals(topic), f"gen/validation/{topic}.py copies published counts: {sorted(counts & _literals(topic))}"


def test_data_files_are_package_data():
    """Read through importlib.resources, as an installed package reads them (pyproject: the wheel packages gen/)."""
    data = resources.files("gen.validation").joinpath("data")
    names = {p.name for p in data.iterdir()}
    assert {f"{t}.toml" for t in refs.TOPICS} | {"sources.toml", "templates"} <= names
    assert {p.name for p in data.joinpath("templates").iterdir()} >= {"status_meanings.txt", "report.css"}
