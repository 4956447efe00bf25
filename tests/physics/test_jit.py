"""The compile options of ``physics._jit``: the command line's LLVM level (issue 16, cold start).

``use_command_line_opt_level`` compiles at -O1 instead of numba's -O3. The claim it rests on: numba sets no
fast-math and no floating-point contraction, so LLVM may not reassociate or fuse floating-point operations at
any level, and the numbers are the same bits. Checked here on the kernels a cold ``hnlgen run`` compiles first
(decay widths with their three-body integrals, the cross-section tree), each level compiled afresh in its own
process and cache; ``test_event_file_is_the_same_at_o1_and_o3`` (slow) compares whole event files.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import uproot

CARD = Path(__file__).resolve().parents[2] / "cards" / "miniboone_light_zprime.toml"


def _env(tmp_path, opt: str | None, name: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_OPT"}
    env["HNLGEN_CACHE_DIR"] = str(tmp_path / f"cache-{name}")  # a fresh cache: compiled at this level, not loaded
    if opt is not None:
        env["NUMBA_OPT"] = opt
    return env


def test_command_line_level_keeps_the_cache_directory_and_yields_to_numba_opt(tmp_path):
    code = ("import os, numba; from physics import _jit; d = numba.config.CACHE_DIR; _jit.use_command_line_opt_level(); "
            "f = numba.njit(lambda x: x + 1); f(1); "  # a compilation re-reads numba's environment
            "print(int(numba.config.OPT), os.environ['NUMBA_OPT'], numba.config.CACHE_DIR == d == str(_jit.KERNEL_CACHE_DIR))")
    from physics._jit import COMMAND_LINE_OPT_LEVEL

    for opt, expected in ((None, f"{COMMAND_LINE_OPT_LEVEL} {COMMAND_LINE_OPT_LEVEL} True"), ("2", "2 2 True")):
        out = subprocess.run([sys.executable, "-c", code], env=_env(tmp_path, opt, "x"), capture_output=True, text=True,
                             check=True).stdout.split()
        assert " ".join(out) == expected


def _cli_json(tmp_path, opt: str, argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gen", *argv, "--json"], env=_env(tmp_path, opt, opt),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_widths_and_cross_sections_are_the_same_bits_at_o1_and_o3(tmp_path):
    """``hnlgen model --json`` (every width and branching ratio, three-body integrals included) and ``hnlgen xsec
    --json`` at 6 energies, compiled at -O1 and at -O3 in two processes with fresh caches: equal as JSON text
    (repr of each double: equal bits)."""
    jobs = {}
    for opt in ("1", "3"):  # the two compilations run side by side
        jobs[opt] = [_cli_json(tmp_path, opt, ["model", str(CARD)]),
                     _cli_json(tmp_path, opt, ["xsec", str(CARD), "--enu", "0.3", "0.6", "1", "2", "5", "20"])]
    out = {}
    for opt, procs in jobs.items():
        out[opt] = []
        for p in procs:
            stdout, stderr = p.communicate(timeout=600)
            assert p.returncode == 0, stderr
            out[opt].append(stdout)
    model = json.loads(out["1"][0])
    assert model  # a model with widths, not an empty answer
    assert len(json.loads(out["1"][1])) >= 6
    assert out["1"] == out["3"]


@pytest.mark.slow
def test_event_file_is_the_same_at_o1_and_o3(tmp_path):
    """Every branch of a 20,000-event ``hnlgen run`` (double precision, full record) at -O1 and at -O3."""
    files = {}
    for opt in ("1", "3"):
        files[opt] = tmp_path / f"o{opt}.root"
        subprocess.run([sys.executable, "-m", "gen", "run", str(CARD), "-n", "20000", "-o", str(files[opt]),
                        "--precision", "double", "--record", "full"], env=_env(tmp_path, opt, opt), check=True,
                       capture_output=True)
    a = uproot.open(files["1"])["events"].arrays(library="np")
    b = uproot.open(files["3"])["events"].arrays(library="np")
    assert a.keys() == b.keys() and len(a["event"]) == 20000
    for k in a:
        if a[k].dtype == object:  # jagged branches: one array per event
            assert all(x.tobytes() == y.tobytes() for x, y in zip(a[k], b[k])), k
        else:
            assert a[k].tobytes() == b[k].tobytes(), k
