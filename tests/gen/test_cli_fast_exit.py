"""``hnlgen run`` from the command line ends with ``os._exit`` (``gen.cli.app.entry``, issue 16: ~0.7 s of
interpreter teardown after a cold start): its output, stdout and exit status must be what ``main`` gave."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from detectors.output.root import check_complete

ROOT = Path(__file__).resolve().parents[2]
LZ = str(ROOT / "cards" / "miniboone_light_zprime.toml")


def _hnlgen(*argv):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "gen", *argv], capture_output=True, text=True, env=env, timeout=600)


def test_run_exits_fast_with_complete_file_and_full_stdout(tmp_path):
    out = tmp_path / "x.root"
    done = _hnlgen("run", LZ, "-n", "3000", "-o", str(out), "--json")
    assert done.returncode == 0, done.stderr
    totals = json.loads(done.stdout)  # the whole JSON document reached stdout before os._exit
    assert totals["events_generated"] == 3000
    assert check_complete(out)["events"] == 3000


def test_run_bad_input_still_exits_2_with_one_line(tmp_path):
    out = tmp_path / "missing" / "x.root"
    done = _hnlgen("run", LZ, "-n", "1000", "-o", str(out))
    assert done.returncode == 2
    assert done.stderr.strip() == f"hnlgen run: -o {out}: the directory {str(out.parent)!r} does not exist (create it first)"
    assert list(tmp_path.iterdir()) == []


def test_fast_exit_is_only_for_run():
    from gen.cli.app import FAST_EXIT_COMMANDS

    assert FAST_EXIT_COMMANDS == {"run"}  # scan closes its Dask cluster at exit: never os._exit there


def test_entry_gives_openblas_one_thread_unless_told(monkeypatch):
    """``entry`` sets ``OPENBLAS_NUM_THREADS`` = 1 before NumPy loads (OpenBLAS's idle threads spin through the
    start-up, issue 16), and keeps a value the user set."""
    from gen.cli.app import entry

    monkeypatch.setattr(sys, "argv", ["hnlgen", "--version"])
    for given, kept in ((None, "1"), ("2", "2")):
        if given is None:
            monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
        else:
            monkeypatch.setenv("OPENBLAS_NUM_THREADS", given)
        with pytest.raises(SystemExit) as done:
            entry()
        assert done.value.code == 0
        assert os.environ["OPENBLAS_NUM_THREADS"] == kept
