"""The house rules of issue 12: experiment names are known to the registry only, and the registry's fields
(source kind, detector response, card keys, source plug-ins) are what the code decides on.

The import layers (physics <- detectors <- gen, no cycles) are checked by ``lint-imports`` in ``.ci/run``
(``[tool.importlinter]`` in pyproject.toml), the style by ``ruff check .``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gen import experiments as X
from gen.card import ExperimentTable

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("gen", "physics", "detectors")
REGISTRY = Path("gen/experiments.py")
# Validation reproduces published results of named configurations (MiniBooNE FHC/RHC): it selects them by
# name, as a card does; it tests no name.
# validation records compare named published experiments (their cards and beams), so they may name them
LITERAL_ALLOWED = {Path("gen/validation/miniboone.py"): {"miniboone_rhc"}, Path("gen/validation/cross_sections.py"): {"miniboone_fhc"},
                   Path("gen/validation/nue.py"): {"minerva_le_fhc", "charm2_fhc", "charm2_rhc"}}


def _names() -> set[str]:
    return set(X.experiment_names()) | set(X.UNSUPPORTED)


def _modules():
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if rel != REGISTRY:
                yield rel, ast.parse(path.read_text(), filename=str(rel))


def _docstrings(tree) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                out.add(id(first.value))
    return out


def _str_constants(node) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [s for e in node.elts for s in _str_constants(e)]
    return []


def _name_tests(rel: Path, tree, names: set[str]) -> list[str]:
    """``<...name...> == "na62"``, ``... in ("custom", ...)``, ``<...name...>.startswith("miniboone")``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            named = [o for o in operands if "name" in ast.unparse(o)]
            for o in operands:
                hits = [s for s in _str_constants(o) if s in names]
                if hits and any(n is not o for n in named):
                    found.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in ("startswith", "endswith") and "name" in ast.unparse(node.func.value)):
            for arg in node.args:
                if any(len(s) >= 3 and any(n.startswith(s) or n.endswith(s) for n in names) for s in _str_constants(arg)):
                    found.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
    return found


def _name_literals(rel: Path, tree, names: set[str]) -> list[str]:
    """Any string literal (docstrings aside) that is an experiment name and not also a detector-response name."""
    skip = _docstrings(tree)
    allowed = LITERAL_ALLOWED.get(rel, set())
    literal_names = names - set(X.DETECTOR_RESPONSES)
    return [f"{rel}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
            and node.value in literal_names and node.value not in allowed]


def test_no_experiment_name_test_outside_the_registry():
    names = _names()
    found = [hit for rel, tree in _modules() for hit in _name_tests(rel, tree, names)]
    assert not found, "experiment names tested outside gen/experiments.py (use experiment_info(name) fields):\n" + "\n".join(found)


def test_no_experiment_name_literal_outside_the_registry():
    names = _names()
    found = [hit for rel, tree in _modules() for hit in _name_literals(rel, tree, names)]
    assert not found, "experiment-name literals outside gen/experiments.py:\n" + "\n".join(found)


def test_the_scanner_finds_what_it_must():
    """The two scanners above on code that breaks the rule (so that a silent scanner cannot pass)."""
    names = _names()
    bad = ast.parse('if card.experiment.name == "na62": pass\n'
                    'if name in ("custom", "x"): pass\n'
                    'if exp.name.startswith("miniboone"): pass\n'
                    'x = {"miniboone_fhc": 1}\n')
    assert len(_name_tests(Path("x.py"), bad, names)) == 3
    assert len(_name_literals(Path("x.py"), bad, names)) == 2  # "custom" and "miniboone_fhc" ("na62" is a response too)
    ok = ast.parse('if info.detector_response == "miniboone": pass\nif info.meson_decay: pass\n')
    assert not _name_tests(Path("x.py"), ok, names) and not _name_literals(Path("x.py"), ok, names)


@pytest.mark.parametrize("name", ["miniboone_fhc", "na62", "custom", "microboone"])
def test_registry_fields_of_the_entries(name):
    info = X.experiment_info(name)
    assert info.source in X.SOURCE_KINDS and info.detector_response in X.DETECTOR_RESPONSES
    assert info.meson_decay == (info.source == "meson_decay") and info.card_flux == (info.kind == "custom")
    assert set(info.card_keys) <= set(ExperimentTable.model_fields)
    if info.kind == "library":
        assert info.card_keys == X.UPSCATTERING_CARD_KEYS


def test_source_plugins_resolve():
    """Every plug-in a source names is importable and callable; upscattering uses the generic code (None)."""
    assert set(X.SOURCES) == set(X.SOURCE_KINDS)
    for source, entry in X.SOURCES.items():
        for what in ("iter_generate", "reweighter", "prepare", "run"):
            fn = X.source_entry(source, what)
            assert (fn is None) == (getattr(entry, what) is None)
            assert fn is None or callable(fn)
    from gen.reweight.meson_decay import na62_reweighter
    from gen.sources.meson_decay_run import iter_generate_na62

    assert X.source_entry("meson_decay", "iter_generate") is iter_generate_na62
    assert X.source_entry("meson_decay", "reweighter") is na62_reweighter
    assert X.source_entry("upscattering", "reweighter") is None


def test_error_classes_are_one():
    """gen.errors re-exports physics.errors: the CLI's ``except HnlgenError`` catches what detectors raise."""
    import gen.errors
    import physics.errors
    from detectors.output.root import OutputError

    assert gen.errors.HnlgenError is physics.errors.HnlgenError
    assert gen.errors.InputFileError is physics.errors.InputFileError
    assert OutputError is gen.errors.OutputFileError and issubclass(OutputError, gen.errors.HnlgenError)
