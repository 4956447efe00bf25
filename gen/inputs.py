"""Validation of input event files (``hnlgen reweight``, ``plot``, ``fit``; the scan's base sample) before use.

``check_root_input(path, command, detector_responses=None)`` raises ``gen.errors.InputFileError`` (one line naming
the file and the problem; the CLI exits 2) unless the file is

1. present, a regular file (not a directory, FIFO, ...), readable by this user and not empty;
2. not a partial file (``*.partial*``: the writer's temporary name while a run is going on);
3. a readable ROOT file, not truncated (its size reaches the header's ``fEND``);
4. written by hnlgen: an ``events`` tree and the ``run_card`` metadata string;
5. complete: the writer's completeness marker (``detectors.output.root.check_complete``, written last at close)
   when the output module provides it; otherwise the metadata written only at close (``run_card`` and
   ``expected_events``), which a renamed partial file of an interrupted run does not have;
6. of an experiment the command supports (``detector_responses``: the allowed
   ``gen.experiments.experiment_info(name).detector_response`` of the file's ``[experiment] name``).

Returns the file's metadata (str -> str).
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

from detectors.output.root import check_complete
from gen.errors import InputFileError
from gen.experiments import ExperimentError, experiment_info

__all__ = ["check_output_suffix", "check_root_input"]


def check_root_input(path, command: str, detector_responses: tuple[str, ...] | None = None) -> dict:
    p = Path(path)
    name = repr(str(p))
    if not p.exists():
        raise InputFileError(f"{name}: no such file")
    st = p.stat()
    if stat.S_ISDIR(st.st_mode):
        raise InputFileError(f"{name} is a directory; {command} needs a ROOT file written by hnlgen run")
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(f"{name} is not a regular file; {command} needs a ROOT file written by hnlgen run")
    if not os.access(p, os.R_OK):
        raise InputFileError(f"{name}: not readable (permission denied)")
    if st.st_size == 0:
        raise InputFileError(f"{name} is empty (0 bytes); {command} needs a ROOT file written by hnlgen run")
    if ".partial" in p.name:
        raise InputFileError(f"{name} is a partial file (the temporary name of an unfinished or interrupted run); "
                             "use the complete output")
    try:
        with open(p, "rb") as fh:
            magic = fh.read(4)
    except OSError as err:
        raise InputFileError(f"{name}: cannot be read ({err.strerror})") from None
    if magic != b"root":
        raise InputFileError(f"{name} is not a ROOT file (no 'root' signature); {command} needs a ROOT file written "
                             "by hnlgen run")
    meta, has_events = _read(p, name)
    if not has_events or "run_card" not in meta:
        raise InputFileError(f"{name} was not written by hnlgen run (no 'events' tree or no 'run_card' metadata)")
    check_complete(p)  # raises InputFileError: no completeness marker, event count mismatch
    if "expected_events" not in meta:
        raise InputFileError(f"{name} is incomplete: no 'expected_events' metadata (written when the run finishes): "
                             "an interrupted run or a renamed partial file")
    if detector_responses is not None:
        try:
            exp = str(tomllib.loads(meta["run_card"]).get("experiment", {}).get("name", ""))
        except tomllib.TOMLDecodeError as err:
            raise InputFileError(f"{name}: its run_card metadata is not valid TOML ({err})") from None
        try:
            response = experiment_info(exp).detector_response
        except ExperimentError as err:
            raise InputFileError(f"{name}: its run card's {err}") from None
        if response not in detector_responses:
            raise InputFileError(f"{name}: experiment {exp!r} (detector response {response!r}); hnlgen {command} supports "
                                 f"{', '.join(detector_responses)} files")
    return meta


def _read(p: Path, name: str) -> tuple[dict, bool]:
    import uproot

    try:
        with uproot.open(p) as f:
            if p.stat().st_size < f.file.fEND:
                raise InputFileError(f"{name} is truncated ({p.stat().st_size} of {f.file.fEND} bytes)")
            classes = f.classnames()
            meta = {k.split(";")[0]: str(f[k]) for k, c in classes.items() if c == "TObjString"}
            has_events = any(k.split(";")[0] == "events" for k in classes)
    except InputFileError:
        raise
    except Exception as err:  # noqa: BLE001  uproot raises many types for damaged files
        raise InputFileError(f"{name} is not a readable ROOT file ({type(err).__name__}: {str(err).splitlines()[0][:200] if str(err) else ''})") from None
    return meta, has_events


def check_output_suffix(path, command: str, suffix: str = ".root", error=InputFileError) -> None:
    """Refuse an output name whose suffix says another format than the one written (``-o out.hepmc3``)."""
    p = Path(path)
    if p.suffix.lower() != suffix:
        raise error(f"-o {str(p)!r}: hnlgen {command} writes {suffix} files; give a name ending in {suffix}")
