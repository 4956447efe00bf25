"""Atomic output (detectors.output.root.AtomicOutput): unique partial files, errors at close, the rename as the
last step, the completeness marker (issue 11 items 2, 3, 5).

A full disk is made without root privileges in two ways: RLIMIT_FSIZE (CPython ignores SIGXFSZ, so a
write past the limit fails with EFBIG exactly like ENOSPC: an OSError from the write call), and a
partial file that is a symlink to /dev/full (every write fails with ENOSPC).
"""

import json
import os
import resource
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot

import detectors.output.root as out
from detectors.output.root import (
    COMPLETE_KEY,
    EventWriter,
    OutputError,
    check_complete,
    write_events,
)
from gen.errors import HnlgenError, InputFileError


def _events(n=20000, seed=0):
    rng = np.random.default_rng(seed)
    return ak.zip({"event": np.arange(n), "weight": rng.random(n),
                   "N": ak.zip({"px": rng.normal(size=n), "E": rng.random(n) + 1.0})}, depth_limit=1)


class _FileSizeLimit:
    """Soft RLIMIT_FSIZE of ``nbytes`` inside the block (restored after; unprivileged processes may)."""

    def __init__(self, nbytes):
        self.nbytes = nbytes

    def __enter__(self):
        self.old = resource.getrlimit(resource.RLIMIT_FSIZE)
        hard = self.old[1]
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.nbytes if hard == resource.RLIM_INFINITY else min(self.nbytes, hard), hard))

    def __exit__(self, *exc):
        resource.setrlimit(resource.RLIMIT_FSIZE, self.old)


@pytest.mark.parametrize("fmt", ["ttree", "rntuple"])
def test_full_disk_at_close_raises_and_leaves_nothing(tmp_path, fmt):
    ev = _events()
    path = tmp_path / "full.root"
    with pytest.raises(OutputError, match="full.root") as info:
        with _FileSizeLimit(64 * 1024):
            with EventWriter(path, format=fmt, compression="none") as w:
                w.write(ev)  # buffered (one basket of 2^17 events): the bytes reach the disk at close
    assert isinstance(info.value, HnlgenError)  # the CLI prints one line and exits 2
    assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []  # no final name, no partial file


def test_full_disk_cli_exit_2_and_no_file(tmp_path, capsys):
    """``hnlgen run`` on a full disk: exit 2, one line naming the file, nothing left behind."""
    from gen.cli.app import main

    card = Path(__file__).resolve().parents[2] / "cards" / "miniboone_light_zprime.toml"
    assert main(["run", str(card), "-n", "2000", "-o", str(tmp_path / "warm.root"), "--json"]) == 0  # compile first
    (tmp_path / "warm.root").unlink()
    capsys.readouterr()
    with _FileSizeLimit(200 * 1024):
        rc = main(["run", str(card), "-n", "20000", "-o", str(tmp_path / "x.root"), "--compression", "none"])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "x.root" in err[0] and "failed" in err[0]
    assert list(tmp_path.iterdir()) == []


def test_partial_names_are_unique_per_writer(tmp_path):
    path = tmp_path / "same.root"
    a, b = EventWriter(path), EventWriter(path)
    try:
        assert a.tmp_path != b.tmp_path
        assert a.tmp_path.parent == b.tmp_path.parent == tmp_path
        assert a.tmp_path.name.startswith(f"same.root.partial-{os.getpid()}-")
        a.write(_events(100, seed=1))
        b.write(_events(200, seed=2))
        b.close()
        a.close()  # the last writer to finish owns the name; neither saw the other's bytes
    finally:
        a.abort()
        b.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.root"]
    assert check_complete(path)["events"] == 100
    assert uproot.open(path)["events"].num_entries == 100


def test_existing_directory_as_output(tmp_path):
    (tmp_path / "d.root").mkdir()
    with pytest.raises(OutputError, match="is an existing directory"):
        EventWriter(tmp_path / "d.root")
    with pytest.raises(OutputError, match="does not exist"):
        EventWriter(tmp_path / "nonexist" / "x.root")
    assert [p.name for p in tmp_path.iterdir()] == ["d.root"]


def test_rename_failure_is_reported_and_partial_removed(tmp_path, monkeypatch):
    """The rename is the last step: if it fails (the target became a directory), close raises and abort
    still removes the partial file (close did not mark itself closed before os.replace)."""
    path = tmp_path / "late.root"
    with pytest.raises(OutputError, match="cannot rename"), EventWriter(path) as w:
        w.write(_events(100))
        path.mkdir()
        (path / "keep").write_text("x")  # a non-empty directory: os.replace fails
    assert sorted(p.name for p in tmp_path.iterdir()) == ["late.root"] and path.is_dir()


def test_completeness_marker(tmp_path):
    ev = _events(300)
    path = write_events(tmp_path / "ok.root", ev, {"seed": "1"})
    with uproot.open(path) as f:
        keys = [k.split(";")[0] for k in f.keys()]  # noqa: SIM118 - uproot directory, not a dict
        assert keys[-1] == COMPLETE_KEY  # written last
        assert json.loads(str(f[COMPLETE_KEY])) == {"events": 300, "format": "ttree"}
    assert check_complete(path) == {"events": 300, "format": "ttree"}
    with pytest.raises(ValueError, match="reserved"):
        write_events(tmp_path / "bad.root", ev, {COMPLETE_KEY: "x"})

    # a file without the marker (not closed by hnlgen), a truncated file, a directory, a text file
    with uproot.recreate(tmp_path / "foreign.root") as f:
        f["events"] = {"x": np.arange(3)}
    raw = path.read_bytes()
    (tmp_path / "cut.root").write_bytes(raw[: len(raw) // 2])
    (tmp_path / "text.root").write_text("not root")
    (tmp_path / "dir.root").mkdir()
    for name, msg in [("foreign.root", "no 'hnlgen_complete' marker"), ("cut.root", "truncated ROOT file"),
                      ("text.root", "not a readable ROOT file"), ("dir.root", "is a directory"), ("missing.root", "no such file")]:
        with pytest.raises(InputFileError, match=msg):
            check_complete(tmp_path / name)


def test_hepmc3_full_disk_raises_and_leaves_nothing(tmp_path, monkeypatch):
    """HepMC3's C++ writer does not raise: its failed() state is checked (issue 11 item 2). The partial
    file is a symlink to /dev/full, so every byte written fails with ENOSPC."""
    pytest.importorskip("pyhepmc")
    if not os.path.exists("/dev/full"):
        pytest.skip("/dev/full not available")
    from detectors.output.hepmc import HepMC3Writer
    from gen import generate
    from gen.card import load_card
    from gen.output.nuhepmc import nuhepmc_run_info
    from gen.sources.upscattering import prepare

    card = load_card(Path(__file__).resolve().parents[2] / "cards" / "miniboone_light_zprime.toml")
    setup = prepare(card, seed=3)
    events = generate(card, n_events=2000, seed=3, setup=setup)
    info = nuhepmc_run_info(setup, 3)
    made = []

    def full_partial(path):
        p = path.with_name(path.name + ".partial-full")
        p.symlink_to("/dev/full")
        made.append(p)
        return p

    monkeypatch.setattr(out, "partial_path", full_partial)
    target = tmp_path / "full.hepmc3"
    with pytest.raises(OutputError, match="full.hepmc3"):
        with HepMC3Writer(target, info) as w:
            w.write(events)
    assert not target.exists() and not made[0].is_symlink()


def test_completeness_marker_rntuple(tmp_path):
    path = write_events(tmp_path / "rn.root", _events(250), {"seed": "1"}, format="rntuple")
    assert check_complete(path) == {"events": 250, "format": "rntuple"}
