"""Issue 11 (reliability), command-line half: every bad input is one line naming the input and exit 2, a bug
says it is one (exit 1), Ctrl-C exits 130; check validates what run would; totals do not depend on chunking.

The reproducers of the issue are the parametrised cases below; the bad-card corpus is ``tests/cards/bad_*.toml``
(each starts with ``# expect: <fragment> | <fragment>``).
"""

import math
import os
import sys
from pathlib import Path

import pytest

from gen.card import CARD_BOUNDS, CardError, check_bound, load_card, parse_card
from gen.cli import app as cli

ROOT = Path(__file__).resolve().parents[2]
LZ = str(ROOT / "cards" / "miniboone_light_zprime.toml")
BAD = sorted((ROOT / "tests" / "cards").glob("bad_*.toml"))


def _cli(argv, capsys):
    """Run ``hnlgen argv`` in process: (exit status, stdout, stderr)."""
    try:
        rc = cli.main(argv)
    except SystemExit as exc:  # argparse
        rc = exc.code
    out, err = capsys.readouterr()
    return rc, out, err


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got {err!r}"
    assert "Traceback" not in err
    return lines[0]


def _fragments(path: Path) -> list[str]:
    first = path.read_text().splitlines()[0]
    return [f.strip() for f in first.removeprefix("# expect: ").split(" | ")]


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_check_refuses_every_bad_card_in_one_line(path, capsys):
    rc, _, err = _cli(["check", str(path)], capsys)
    line = _one_line(err)
    assert rc == 2
    assert line.startswith(f"hnlgen check: {path}: ")  # names the file
    for frag in _fragments(path):
        assert frag in line


@pytest.mark.parametrize("name", ["bad_mass_above_threshold.toml", "bad_final_state_gamma.toml",
                                  "bad_custom_flux_garbage.toml", "bad_custom_flux_nonexistent.toml"])
def test_run_refuses_what_check_refuses_with_the_same_line(name, tmp_path, capsys):
    """Cards that ``check`` passed and ``run`` rejected with a traceback (issue 11, item 9)."""
    path = ROOT / "tests" / "cards" / name
    rc_check, _, err_check = _cli(["check", str(path)], capsys)
    rc_run, _, err_run = _cli(["run", str(path), "-n", "100", "-o", str(tmp_path / "x.root")], capsys)
    assert rc_check == rc_run == 2
    assert _one_line(err_run).removeprefix("hnlgen run: ") == _one_line(err_check).removeprefix("hnlgen check: ")
    assert list(tmp_path.iterdir()) == []


def _card_file(tmp_path, name, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


@pytest.mark.parametrize("kind, fragment", [
    ("utf16", "is UTF-16 text"),
    ("latin1", "is not UTF-8 text (byte b'\\xe9' at offset"),
    ("binary", "contains NUL bytes"),
    ("directory", "is a directory, not a run card"),
    ("missing", "run card does not exist"),
    ("not_toml", "not valid TOML"),
])
def test_unreadable_card_files(kind, fragment, tmp_path, capsys):
    text = "schema_version = 1\n# caf\u00e9\n"
    card = {
        "utf16": lambda: _card_file(tmp_path, "c.toml", text.encode("utf-16")),
        "latin1": lambda: _card_file(tmp_path, "c.toml", text.encode("latin-1")),
        "binary": lambda: _card_file(tmp_path, "c.toml", bytes(range(256))[:9] + b"\x00" * 8),
        "directory": lambda: str(tmp_path),
        "missing": lambda: str(tmp_path / "nonexistent.toml"),
        "not_toml": lambda: _card_file(tmp_path, "c.toml", b"[model\nm4 = "),
    }[kind]()
    for command in ("check", "run"):
        rc, _, err = _cli([command, card], capsys)
        line = _one_line(err)
        assert rc == 2
        assert line.startswith(f"hnlgen {command}: {card}: ")
        assert fragment in line


@pytest.mark.parametrize("argv, fragment", [
    (["--chunk-size", "0"], "argument --chunk-size: 0 is out of range: must satisfy 1 <= N <= 4194304"),
    (["--chunk-size", "-100"], "argument --chunk-size: -100 is out of range"),
    (["--seed", "-1"], "argument --seed: -1 is out of range: must satisfy 0 <= N"),
    (["--seed", "1.5"], "argument --seed: '1.5' is not an integer"),
    (["-n", "0"], "argument -n/--events: 0 is out of range: must satisfy 1 <= N <= 1000000000000"),
    (["-n", "99999999999999999999999"], "argument -n/--events: 99999999999999999999999 is out of range"),
    (["-n", "1e5"], "argument -n/--events: '1e5' is not an integer"),
    (["--unweighted", "0"], "argument --unweighted: 0 is out of range"),
    (["--format", "root"], "argument --format: invalid choice: 'root'"),
    (["-o", "nonexist/x.root"], "-o nonexist/x.root: the directory 'nonexist' does not exist (create it first)"),
])
def test_bad_run_options(argv, fragment, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, _, err = _cli(["run", LZ, *argv], capsys)
    assert rc == 2
    assert fragment in _one_line(err)
    assert list(tmp_path.iterdir()) == []  # no silent mkdir, no file


@pytest.mark.parametrize("argv, fragment", [
    (["xsec", LZ, "--enu", "-1"], "hnlgen xsec: argument --enu: -1 is out of range: must satisfy 0 < x <= 10000"),
    (["xsec", LZ, "--enu", "nan"], "argument --enu: nan is out of range"),
    (["xsec", LZ, "--enu", "1e300"], "argument --enu: 1e300 is out of range"),
    (["model", LZ, "--min-br", "-1"], "hnlgen model: argument --min-br: -1 is out of range: must satisfy 0 <= x <= 1"),
    (["model", LZ, "--min-br", "nan"], "argument --min-br: nan is out of range"),
    (["bench", "-n", "0"], "hnlgen bench: argument -n/--events: 0 is out of range"),
    (["bench", "--threads", "0"], "hnlgen bench: argument --threads: 0 is out of range"),
    (["bench", "--reps", "-1"], "hnlgen bench: argument --reps: -1 is out of range"),
    (["scan", LZ, "--param", "UD4=1,0.5", "--workers", "0"], "hnlgen scan: argument --workers: 0 is out of range"),
    (["scan", LZ, "--param", "UD4=1,0.5", "--limit", "-3"], "hnlgen scan: argument --limit: -3 is out of range"),
    (["scan", LZ, "--param", "UD4=1,0.5", "--worker-timeout", "nan"], "argument --worker-timeout: nan is out of range"),
    (["scan", LZ, "--param", "UD4=1,0.5", "-n", "0"], "hnlgen scan: argument -n/--events: 0 is out of range"),
    (["nonsense"], "hnlgen: argument COMMAND: invalid choice: 'nonsense'"),
])
def test_bad_numeric_options_of_other_commands(argv, fragment, capsys):
    rc, _, err = _cli(argv, capsys)
    assert rc == 2
    assert fragment in _one_line(err)


def test_output_that_is_a_directory(tmp_path, capsys):
    rc, _, err = _cli(["run", LZ, "-n", "10", "-o", str(tmp_path)], capsys)
    assert rc == 2
    assert f"-o {tmp_path}: is a directory" in _one_line(err)


def test_read_only_output_directory(tmp_path, capsys, monkeypatch):
    """Refused before generating. As root every directory is writable, so the permission is faked."""
    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == ro else real(p, mode))
    rc, _, err = _cli(["run", LZ, "-n", "10", "-o", str(ro / "x.root")], capsys)
    assert rc == 2
    assert f"the directory '{ro}' is not writable" in _one_line(err)
    assert list(ro.iterdir()) == []


def test_write_failure_is_one_line(tmp_path, capsys, monkeypatch):
    """An OSError of the writer (disk full, permission) names the file; exit 2, not 'a bug'."""
    import errno

    from detectors.output import root as output

    def refuse(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "x.root.partial"))

    monkeypatch.setattr(output, "EventWriter", refuse)
    rc, _, err = _cli(["run", LZ, "-n", "10", "-o", str(tmp_path / "x.root")], capsys)
    assert rc == 2
    assert f"cannot write {tmp_path / 'x.root.partial'}: No space left on device" in _one_line(err)


def _raising_command(exc):
    def func(args):
        raise exc
    return func


def test_unexpected_exception_is_reported_as_a_bug(capsys, monkeypatch):
    from gen.cli import check

    monkeypatch.setattr(check, "run", _raising_command(ZeroDivisionError("float division by zero")))
    rc, _, err = _cli(["check", LZ], capsys)
    line = _one_line(err)
    assert rc == 1
    assert line.startswith("hnlgen check: internal error (a bug in hnlgen): ZeroDivisionError: float division by zero at ")
    assert cli.BUG_REPORT in line and "-v shows the traceback" in line
    rc, _, err = _cli(["-v", "check", LZ], capsys)
    assert rc == 1
    assert "Traceback (most recent call last)" in err and err.strip().splitlines()[-1].startswith("hnlgen check: internal error")


def test_ctrl_c_exits_130_with_one_line(capsys, monkeypatch):
    from gen.cli import check

    monkeypatch.setattr(check, "run", _raising_command(KeyboardInterrupt()))
    rc, _, err = _cli(["check", LZ], capsys)
    assert rc == 130
    assert _one_line(err).startswith("hnlgen check: interrupted (Ctrl-C)")


def test_ctrl_c_swallowed_by_a_library_still_exits_130(capsys, monkeypatch):
    """numba/llvmlite ignore a KeyboardInterrupt raised in their ctypes callbacks while compiling and then fail
    with a RuntimeError of their own ("no compiled object yet"): the run was interrupted, not a bug (exit 130)."""
    import signal

    from gen.cli import check

    def swallowing(args):
        try:
            os.kill(os.getpid(), signal.SIGINT)
        except KeyboardInterrupt:
            pass  # what the library's callback does with it
        raise RuntimeError("no compiled object yet for <Library '_named_pdg_kernel'>")

    monkeypatch.setattr(check, "run", swallowing)
    rc, _, err = _cli(["check", LZ], capsys)
    assert rc == 130
    assert _one_line(err).startswith("hnlgen check: interrupted (Ctrl-C)")
    monkeypatch.undo()
    rc, _, err = _cli(["check", LZ], capsys)  # the next command starts without the flag
    assert rc == 0, err


def test_model_error_is_mapped(capsys, monkeypatch):
    """A physics.model.ModelError escaping a command is an input error (exit 2), named as a model key."""
    from gen.cli import check
    from physics.model import ModelError

    monkeypatch.setattr(check, "run", _raising_command(ModelError("m4", 0.1, "must be larger")))
    rc, _, err = _cli(["check", LZ], capsys)
    assert rc == 2
    assert _one_line(err) == f"hnlgen check: {LZ}: model.m4 = 0.1: must be larger"


def test_value_shown_as_written():
    """Umu4 = -1.0 was reported as 'model.Umu4 = 1.0' (the |U|^2 sum)."""
    d = {"schema_version": 1, "model": {"m4": 0.1, "mzprime": 0.03, "gD": 1.0, "epsilon": 1e-4, "Umu4": -1.0}}
    with pytest.raises(CardError, match=r"^model\.Umu4 = -1\.0: .*\(computed: 1\.0\)$"):
        parse_card(d)


# ---- bounds ----------------------------------------------------------------------------------------------

def test_every_bound_is_finite_and_has_a_reason():
    for key, b in CARD_BOUNDS.items():
        assert math.isfinite(b.lo) and math.isfinite(b.hi) and b.lo < b.hi, key
        assert len(b.reason) > 10, key


@pytest.mark.parametrize("key", sorted(CARD_BOUNDS))
def test_bounds_refuse_outside_and_accept_inside(key):
    b = CARD_BOUNDS[key]
    inside = b.hi if not isinstance(b.hi, int) else int(b.hi)
    check_bound(key, inside)  # the upper end is allowed
    for bad in (b.hi * 2 + 1, math.inf, -math.inf, math.nan, -(b.hi * 2 + 1)):
        with pytest.raises(CardError, match=rf"^{key} = .*: must satisfy .* \(.+\)$"):
            check_bound(key, bad)


def test_bounds_follow_the_sign_rules_of_the_model():
    """Signed couplings (issue 14) are bounded in magnitude only; masses must be positive."""
    check_bound("model.gD", -1.0)
    check_bound("model.epsilon", -1e-3)
    with pytest.raises(CardError, match="model.m4 = 0.0: must satisfy 0.001022 < m4"):
        check_bound("model.m4", 0.0)


def test_int_fields_keep_ints_float_fields_take_ints():
    d = {"schema_version": 1, "model": {"m4": 1, "mzprime": 0.03, "gD": 1, "epsilon": 1e-4}, "run": {"events": 1000}}
    card = parse_card(d)
    assert card.model.m4 == 1.0 and isinstance(card.model.m4, float)
    assert card.run.events == 1000


# ---- memory and totals -----------------------------------------------------------------------------------

def test_block_chunks_is_lazy_and_covers_the_run():
    from gen.core import rng as R

    first = next(R.block_chunks(10**12, 3))  # would need ~ 6e7 tuples if listed
    assert first == [(0, 0, R.BLOCK_SIZE), (1, R.BLOCK_SIZE, 2 * R.BLOCK_SIZE), (2, 2 * R.BLOCK_SIZE, 3 * R.BLOCK_SIZE)]
    n = 5 * R.BLOCK_SIZE + 7
    flat = [b for chunk in R.block_chunks(n, 2) for b in chunk]
    assert flat == list(R.block_ranges(0, n))


def test_exact_sum_is_independent_of_grouping():
    import numpy as np

    from gen.core.exact_sum import ExactSum

    rng = np.random.default_rng(7)
    x = rng.exponential(size=20_000) * 10.0 ** rng.integers(-20, 20, 20_000)
    whole = ExactSum()
    whole.add(x)
    assert whole.value == math.fsum(x)
    parts = ExactSum()
    for chunk in np.array_split(rng.permutation(x), 13):
        parts.add(chunk)
    assert parts.value == whole.value
    with pytest.raises(ValueError, match="non-finite"):
        whole.add([math.nan])


def test_exact_sum_extremes_match_fsum():
    """The long accumulator (gen.core.exact_sum) against math.fsum (correctly rounded exact sum) over the whole
    double range: subnormals, +-1e308 (partial sums beyond the double range), signed zeros, cancellations."""
    import numpy as np

    from gen.core.exact_sum import ExactSum

    rng = np.random.default_rng(11)
    for _ in range(10):
        x = rng.standard_normal(3000) * 10.0 ** rng.integers(-320, 300, 3000)
        x[:10] = (5e-324, -5e-324, 2.2e-308, 1e308, -1e308, 1.7e308, 0.0, -0.0, 3e-320, 1.0)
        s = ExactSum()
        for chunk in np.array_split(x, 7):
            s.add(chunk)
        assert s.value == math.fsum(x)
    s = ExactSum()
    s.add([1.0, 1e-30])
    with pytest.raises(ValueError, match="non-finite"):
        s.add([2.0, math.inf])
    assert s.value == 1.0 + 1e-30  # a refused array leaves the sum unchanged


def test_group_index_matches_unique():
    import numpy as np

    from gen.core.exact_sum import group_index

    rng = np.random.default_rng(3)
    cols = [rng.choice(v, 10_000) for v in ((14, -14, 12), (1000060120, 1000010010), (0, 1, 2))]
    keys, ids = group_index(*cols)
    rows = np.stack(cols, axis=1)
    assert sorted(keys) == [tuple(r) for r in np.unique(rows, axis=0)]
    assert np.array_equal(np.array(keys)[ids], rows)
    many = [np.arange(600), np.zeros(600, int), np.zeros(600, int)]  # more keys than the table: sorted fallback
    keys, ids = group_index(*many, max_groups=256)
    assert np.array_equal(np.array(keys)[ids], np.stack(many, axis=1))


def test_totals_bit_identical_across_chunk_sizes_and_threads():
    """The summary of the same events chunked in 1, 2 and 4 blocks, with 1 and 2 numba threads, is identical
    to the last bit (it differed by 3e-16 before the exact sums)."""
    import numba

    from gen.core import rng as R
    from gen.sources.upscattering import Accumulator, iter_generate, prepare

    card = load_card(LZ)
    n = 3 * R.BLOCK_SIZE + 123
    setup = prepare(card, seed=5)
    results = []
    threads0 = numba.get_num_threads()
    try:
        for threads, chunk in ((1, R.BLOCK_SIZE), (min(2, numba.config.NUMBA_NUM_THREADS), 2 * R.BLOCK_SIZE),
                               (1, 4 * R.BLOCK_SIZE)):
            numba.set_num_threads(threads)
            acc = Accumulator(setup)
            for ev in iter_generate(card, n, 5, chunk, setup=setup):
                acc.add(ev)
            s = acc.summary(0.0)
            results.append((s.upscattered, s.upscattered_error, s.final_state, s.final_state_error,
                            s.in_fiducial_volume, s.effective_sample_size, tuple(sorted(
                                (k, v["expected"], v["error"]) for k, v in s.per_channel.items()))))
    finally:
        numba.set_num_threads(threads0)
    assert results[0] == results[1] == results[2]
    assert results[0][2] > 0


def test_sigint_during_run_exits_130_with_one_line(tmp_path):
    """Ctrl-C printed a 15-line KeyboardInterrupt traceback (issue 11, item 9)."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "x.root"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "gen", "run", LZ, "-n", "20000000", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        t0 = time.monotonic()
        while not any(tmp_path.iterdir()) and time.monotonic() - t0 < 120 and proc.poll() is None:
            time.sleep(0.1)  # until the writer has opened its partial file: generation has started
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()  # reap it and close its pipes (no stray process or ResourceWarning for later tests)
    assert proc.returncode == 130, err
    assert _one_line(err).startswith("hnlgen run: interrupted (Ctrl-C)")
    assert not out.exists()


def test_swallowed_sigint_stops_the_run_at_the_next_chunk(tmp_path, monkeypatch, capsys):
    """numba swallows a KeyboardInterrupt raised while it compiles (CI, stop 18: the run went on for 2e7 events).
    The SIGINT handler records it; the progress update between chunks raises it again, the partial file goes."""
    from gen.cli import interrupt
    from gen.cli import run as run_cmd

    calls = []
    real = run_cmd._Progress.update

    def update(self, done):
        if not calls:
            interrupt.RECEIVED.set()  # as if a Ctrl-C had landed inside a compile and been swallowed there
        calls.append(done)
        real(self, done)

    monkeypatch.setattr(run_cmd._Progress, "update", update)
    out = tmp_path / "x.root"
    code, _, err = _cli(["run", LZ, "-n", "40000", "--chunk-size", "10000", "-o", str(out)], capsys)
    assert code == 130, err
    assert len(calls) == 1  # stopped at the first chunk boundary, not after all four
    assert err.strip().startswith("hnlgen run: interrupted (Ctrl-C)")
    assert list(tmp_path.iterdir()) == []


def test_keyboard_interrupt_swallowed_in_a_ctypes_callback_is_quiet_and_remembered(capfd):
    """llvmlite calls back into Python through ctypes while numba compiles; a Ctrl-C there is "ignored" by
    ctypes, which printed a 7-line traceback through sys.unraisablehook (CI). While hnlgen's handlers are
    installed it prints nothing, is remembered (the run stops at the next chunk), and other unraisable
    exceptions still reach the previous hook."""
    import ctypes

    from gen.cli import interrupt

    def raises_interrupt():
        raise KeyboardInterrupt

    def raises_value_error():
        raise ValueError("not an interrupt")

    proto = ctypes.CFUNCTYPE(None)
    cb_interrupt, cb_value = proto(raises_interrupt), proto(raises_value_error)
    seen = []
    previous = interrupt.install()
    try:
        inner = sys.unraisablehook
        cb_interrupt()  # ctypes swallows it and reports it to sys.unraisablehook
        assert interrupt.RECEIVED.is_set()
        sys.unraisablehook = lambda u: seen.append(type(u.exc_value))
        sys.unraisablehook = interrupt._quiet_keyboard_interrupt(sys.unraisablehook)
        cb_value()
        sys.unraisablehook = inner
    finally:
        interrupt.restore(previous)
        interrupt.RECEIVED.clear()
    assert seen == [ValueError]
    assert "KeyboardInterrupt" not in capfd.readouterr().err
