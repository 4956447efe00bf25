"""Parameter scans on Dask distributed: one row of expected events (with MC errors) per grid point.

``scan(card, {"m4": [...], "mzprime": [...]}, out="scan.parquet", n_events=..., workers=N | scheduler=ADDR)``
(``hnlgen scan CARD --param m4=0.1:0.5:9 --param mzprime=0.03,0.1,1.25``) evaluates the Cartesian grid
of the given ``[model]`` keys (masses or couplings):

* Engine: ``dask.distributed`` (optional extra ``hnlgen[scan]``, imported lazily): an embedded
  ``LocalCluster`` with one single-threaded worker process per core by default (``workers``), or
  an existing scheduler at ``scheduler`` (``tcp://host:8786``) for a real cluster. Each task sets the
  numba thread count of its worker to its share of the cores.
* Reproducibility: each point's seed is ``SeedSequence([card seed, 32-bit words of sha256(sorted
  assignment as JSON)])`` reduced to 63 bits (``point_seed``), so a point's row depends only on the
  card, the point and ``n_events``: the table is the same for any number of workers or order of
  completion. The only column that is not reproducible is ``wall_time_s``.
* Resumable: the output is a directory ``scan.parquet/`` with one parquet file per finished point
  (``part-<point id>.parquet``, written to a hidden temporary name and renamed with
  ``os.replace``, atomic on POSIX) and ``_scan.json`` (the scan definition: a rerun with another card,
  grid or ``n_events`` is refused; the ``_`` prefix, like ``_base.root``'s, makes parquet readers skip it,
  so ``pandas.read_parquet("scan.parquet")`` and ``pyarrow.parquet.read_table`` open the directory as
  it is; a ``scan.json`` of an older scan is renamed on resumption). A rerun evaluates only the points
  without a part file; a killed scan loses at most the points in flight. ``read_scan(dir)`` returns one ``pyarrow.Table`` in grid
  order.
* Coupling-only grids (no mass key) generate one sample at the card's couplings (``_base.root`` in
  the output directory, seed ``point_seed(card seed, {})``, written as ``hnlgen run`` writes it) and
  reweight it to every point (``gen.reweight.upscattering``: production cross section or, for NA62, BR(K+ -> l_a+ N);
  branching ratios, three-body |M|^2, lifetimes, the detector stage redone; NA62 files of either decay
  path, ``gen.reweight.meson_decay``), which is much cheaper than regenerating; ``method`` says which was used.
  A point the base sample cannot be reweighted to (``gen.reweight.upscattering.ReweightError``: e.g. a decay route to
  the final state that is closed at the card's couplings and open at the point's, or open but without
  events in the sample) is regenerated with its own seed instead
  (``method`` = ``"generate"``, a warning is logged). Grids with a mass key regenerate every point.
* Columns: ``point`` (grid index), one column per scanned key, ``seed``, ``events``, ``method``,
  ``upscattered``, ``final_state``, ``in_fiducial_volume``, ``selected``, ``produced`` each with
  ``*_error`` (MC, 1 sigma; NaN where the experiment has no such quantity), ``effective_sample_size``,
  ``root_file`` ("" unless ``root_dir``), ``wall_time_s``. MiniBooNE/custom cards fill ``upscattered``,
  ``final_state``, ``in_fiducial_volume`` and ``selected`` (NaN without a detector stage); NA62 cards
  fill ``produced`` (N_K^Fid BR(K+ -> l_a+ N), exact: error 0), ``final_state`` (N decays into the final
  state with every visible vertex before the end of the decay volume) and ``selected`` = NA62's
  ``accepted`` total (sum of ``weight_accepted``: acceptance and particle identification).

``plot_scan(table, out_png, x, y, z)`` draws the expected-events contour in two scanned keys.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

from gen.errors import HnlgenError
from gen.experiments import experiment_info
from gen.output import jsonout

__all__ = ["parse_param", "grid_points", "point_seed", "point_id", "evaluate_point", "scan", "read_scan", "plot_scan",
           "plot_scan_dir", "is_scan_dir", "TOTALS", "ScanError"]

TOTALS = ("upscattered", "final_state", "in_fiducial_volume", "selected", "produced")
#: scan column <- name of the total in gen.reweight.upscattering / gen.sources.meson_decay_run where it differs (NA62's accepted events)
_NA62_TOTALS = {"produced": "produced", "final_state": "final_state", "selected": "accepted"}
_EITHER_OR = (("gD", "alphaD"), ("epsilon", "chi", "alpha_epsilon2"))
#: Seconds to wait for a connection to ``--scheduler`` before refusing it.
CONNECT_TIMEOUT_S = 5.0
#: Default seconds a scan waits with unfinished points and no live Dask worker before it fails (``worker_timeout``).
WORKER_TIMEOUT_S = 60.0
_ADDRESS = re.compile(r"^((tcp|tls|ws|wss|ucx)://)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")
#: The scan definition inside the output directory; "_" makes parquet readers (pyarrow, pandas) skip it.
SCAN_DEFINITION = "_scan.json"
_LEGACY_DEFINITION = "scan.json"
_INSTALL_HINT = 'parameter scans need Dask distributed and pyarrow: pip install "hnlgen[scan]" (dask[distributed], pyarrow)'


class ScanError(HnlgenError, ValueError):
    """A malformed scan (parameter syntax, mismatched rerun)."""


def _require(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f"{_INSTALL_HINT} ({module} is missing)") from err


# ---------------------------------------------------------------------------------------- grid
def parse_param(spec: str) -> tuple[str, list[float]]:
    """``"m4=0.1:0.5:9"`` (9 points from 0.1 to 0.5 inclusive), ``"mzprime=0.03,0.1,1.25"`` or ``"gD=2"``."""
    if "=" not in spec:
        raise ScanError(f"--param {spec!r}: expected KEY=START:STOP:N or KEY=V1,V2,...")
    key, rhs = (s.strip() for s in spec.split("=", 1))
    try:
        if ":" in rhs:
            parts = rhs.split(":")
            if len(parts) != 3:
                raise ValueError
            a, b, n = float(parts[0]), float(parts[1]), int(parts[2])
            if n < 1:
                raise ValueError
            values = [float(v) for v in np.linspace(a, b, n)]
        else:
            values = [float(v) for v in rhs.split(",") if v.strip()]
    except ValueError:
        raise ScanError(f"--param {spec!r}: expected KEY=START:STOP:N (N >= 1) or KEY=V1,V2,... with numbers") from None
    if not values or not all(math.isfinite(v) for v in values):
        raise ScanError(f"--param {spec!r}: values must be finite numbers")
    return key, values


def grid_points(params: dict[str, list[float]]) -> list[dict[str, float]]:
    """The Cartesian product in the given key order (the first key varies slowest)."""
    keys = list(params)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(params[k] for k in keys))]


def _canonical(point: dict) -> str:
    return json.dumps({k: float(point[k]) for k in sorted(point)}, sort_keys=True)


def point_id(point: dict) -> str:
    """16 hex digits identifying the assignment (name of its part file)."""
    return hashlib.sha256(_canonical(point).encode()).hexdigest()[:16]


def point_seed(card_seed: int, point: dict) -> int:
    """Seed of a point: SeedSequence([card seed, sha256 words of the sorted assignment]) -> 63-bit int."""
    digest = hashlib.sha256(_canonical(point).encode()).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    state = np.random.SeedSequence([int(card_seed), *words]).generate_state(2, np.uint32)
    return int((int(state[0]) | (int(state[1]) << 32)) & ((1 << 63) - 1))


def card_at(card, point: dict):
    """The card with the point's ``[model]`` (or ``[model.lagrangian]``) keys set (either-or partners cleared)."""
    from gen.card import LagrangianTable, ModelTable, parse_card
    from gen.reweight.upscattering import _drop_none

    d = card.model_dump(mode="json", exclude_unset=True)
    lag = card.model.lagrangian is not None
    table = d["model"]["lagrangian"] if lag else d["model"]
    allowed = LagrangianTable.model_fields if lag else ModelTable.model_fields
    for k, v in point.items():
        if k not in allowed or k in ("hnl_type", "lagrangian", "flavour", "convention"):
            prefix = "model.lagrangian." if card.model.lagrangian is not None else "model."
            raise ScanError(f"--param {prefix}{k}: not a key of the card's model table")
        for group in _EITHER_OR:
            if k in group:
                for other in group:
                    table[other] = None
        table[k] = float(v)
    return parse_card(_drop_none(d))


def _is_coupling_only(keys) -> bool:
    from gen.reweight.upscattering import MASS_KEYS

    return not any(k in MASS_KEYS for k in keys)


# ------------------------------------------------------------------------------------ one point
def _empty_row(point: dict, index: int, seed: int, n_events: int, method: str) -> dict:
    row = {"point": index, **{k: float(v) for k, v in point.items()}, "seed": seed, "events": int(n_events), "method": method}
    for k in TOTALS:
        row[k] = math.nan
        row[k + "_error"] = math.nan
    row["effective_sample_size"] = math.nan
    row["root_file"] = ""
    row["wall_time_s"] = math.nan
    return row


def _set_threads(threads: int | None) -> None:
    if threads:
        import numba

        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))


def evaluate_point(card_toml: str, point: dict, index: int, n_events: int, seed: int, root_dir: str | None = None,
                   threads: int | None = None) -> dict:
    """Generate ``n_events`` at the point (detector stage included) and return its table row."""
    import tomllib

    from gen.card import parse_card
    from gen.sources.upscattering import Accumulator, iter_generate, prepare, run_metadata

    _set_threads(threads)
    t0 = time.perf_counter()
    card = card_at(parse_card(tomllib.loads(card_toml)), point)
    row = _empty_row(point, index, seed, n_events, "generate")
    if experiment_info(card.experiment.name).meson_decay:
        return _evaluate_na62(card, row, n_events, seed, root_dir, point, t0)
    setup = prepare(card, seed=seed)
    acc = Accumulator(setup)
    writer = None
    if root_dir is not None:
        from detectors.output.root import EventWriter

        path = Path(root_dir) / f"point-{index:05d}-{point_id(point)}.root"
        writer = EventWriter(path)
        row["root_file"] = str(path)
    try:
        for chunk in iter_generate(card, n_events, seed, setup=setup, reconstruct=True):
            acc.add(chunk)
            if writer is not None:
                writer.write(chunk)
        summary = acc.summary(time.perf_counter() - t0)
        if writer is not None:
            writer.metadata.update(run_metadata(setup, summary, seed))
            writer.close()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    d = summary.to_json_dict()["expected_events"]
    errs = {"upscattered": summary.upscattered_error, "final_state": summary.final_state_error,
            "in_fiducial_volume": summary.in_fiducial_volume_error, "selected": getattr(summary, "selected_error", None)}
    for k in TOTALS:
        if d.get(k) is not None:
            row[k] = float(d[k])
            row[k + "_error"] = float(errs[k]) if errs[k] is not None else math.nan
    row["effective_sample_size"] = float(summary.effective_sample_size)
    row["wall_time_s"] = time.perf_counter() - t0
    return row


def _evaluate_na62(card, row, n_events, seed, root_dir, point, t0) -> dict:
    """NA62 (kaon-decay source, ``gen.sources.meson_decay_run``): ``produced``, ``final_state`` (sum of weights: decays before the end
    of the decay volume) and ``selected`` (sum of ``weight_accepted``); upscattered and in_fiducial_volume stay
    NaN. With ``root_dir`` the point's file is the one ``hnlgen run`` writes (it can be reweighted later)."""
    import awkward as ak

    from gen.sources.meson_decay_run import NA62Setup, iter_generate_na62

    setup = NA62Setup(card)
    if root_dir is not None:
        from detectors.output.root import read_metadata

        path = Path(root_dir) / f"point-{row['point']:05d}-{point_id(point)}.root"
        _run_na62_quiet(card, n_events, seed, path)
        row["root_file"] = str(path)
        meta = json.loads(read_metadata(path)["expected_events"])
        tot = {k: meta["expected_events"][k] for k in ("produced", "final_state", "accepted")}
        tot.update({k + "_error": meta["errors"][k] for k in ("produced", "final_state", "accepted")})
        tot["effective_sample_size"] = meta["effective_sample_size"]
    else:
        # the sums of gen.sources.meson_decay_run.run_na62, chunk by chunk in the same order (same numbers as with root_dir)
        sums = {"final_state": [0.0, 0.0], "accepted": [0.0, 0.0]}
        n = 0
        for chunk in iter_generate_na62(card, n_events, seed, setup=setup, reconstruct=True):
            for k, f in (("final_state", "weight"), ("accepted", "weight_accepted")):
                w = ak.to_numpy(chunk[f]).astype(np.float64)
                sums[k][0] += float(w.sum())
                sums[k][1] += float((w * w).sum())
            n += len(chunk)
        tot = {"produced": setup.n_parent_decays * setup.br_production, "produced_error": 0.0}
        for k, (s, s2) in sums.items():
            tot[k] = s
            tot[k + "_error"] = math.sqrt(max(s2 - s * s / n, 0.0))
        s, s2 = sums["final_state"]
        tot["effective_sample_size"] = s * s / s2 if s2 > 0 else 0.0
    _fill_na62_row(row, tot)
    row["wall_time_s"] = time.perf_counter() - t0
    return row


def _fill_na62_row(row: dict, tot: dict) -> None:
    for col, key in _NA62_TOTALS.items():
        row[col] = float(tot[key])
        row[col + "_error"] = float(tot[key + "_error"])
    row["effective_sample_size"] = float(tot["effective_sample_size"])


def _run_na62_quiet(card, n_events: int, seed: int, path: Path) -> None:
    """``hnlgen run`` of an NA62 card into ``path`` (``gen.sources.meson_decay_run.run_na62``: events, TH1Ds and metadata,
    written under a temporary name and renamed), its summary line discarded."""
    import contextlib
    import io

    from gen.sources.meson_decay_run import run_na62

    with contextlib.redirect_stdout(io.StringIO()):
        run_na62(card, int(n_events), int(seed), str(path), as_json=True)


def reweight_point(base_file: str, point: dict, index: int, n_events: int, seed: int, root_dir: str | None = None,
                   threads: int | None = None, card_toml: str | None = None, point_seed_: int | None = None) -> dict:
    """Reweight the scan's base sample to the point's couplings and return its table row.

    With ``card_toml`` and ``point_seed_``, a point the sample cannot be reweighted to (``ReweightError``) is
    regenerated (``evaluate_point`` with that seed; ``method`` = ``"generate"``) instead of failing."""
    from gen.reweight.upscattering import ReweightError, reweight, reweight_file

    _set_threads(threads)
    t0 = time.perf_counter()
    row = _empty_row(point, index, seed, n_events, "reweight")
    try:
        if root_dir is not None:
            path = Path(root_dir) / f"point-{index:05d}-{point_id(point)}.root"
            _, tot = reweight_file(base_file, path, **point)
            row["root_file"] = str(path)
        else:
            tot = reweight(base_file, **point).totals
    except ReweightError as err:
        if card_toml is None or point_seed_ is None:
            raise
        import logging

        logging.getLogger(__name__).warning("point %s: %s; regenerating it", _canonical(point), err)
        return evaluate_point(card_toml, point, index, n_events, point_seed_, root_dir, threads)
    if "accepted" in tot:  # NA62 totals (gen.reweight.meson_decay)
        _fill_na62_row(row, tot)
    else:
        for k in TOTALS:
            if k in tot:
                row[k] = float(tot[k])
                row[k + "_error"] = float(tot[k + "_error"])
        row["effective_sample_size"] = float(tot["effective_sample_size"])
    row["wall_time_s"] = time.perf_counter() - t0
    return row


def _make_base(card, n_events: int, seed: int, path: Path) -> None:
    """The sample the coupling-only points are reweighted from (ROOT, with metadata, atomic)."""
    from detectors.output.root import EventWriter
    from gen.sources.upscattering import Accumulator, iter_generate, prepare, run_metadata

    if experiment_info(card.experiment.name).meson_decay:
        _run_na62_quiet(card, n_events, seed, path)
        return

    setup = prepare(card, seed=seed)
    acc = Accumulator(setup)
    with EventWriter(path) as w:
        for chunk in iter_generate(card, n_events, seed, setup=setup, reconstruct=True):
            acc.add(chunk)
            w.write(chunk)
        w.metadata.update(run_metadata(setup, acc.summary(0.0), seed))


# ----------------------------------------------------------------------------------------- output
def _write_row(out_dir: Path, row: dict, pid: str) -> Path:
    pa = _require("pyarrow")
    pq = _require("pyarrow.parquet")
    table = pa.Table.from_pylist([row])
    final = out_dir / f"part-{pid}.parquet"
    tmp = out_dir / f".part-{pid}.parquet.{os.getpid()}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, final)
    return final


def read_scan(path) -> "pyarrow.Table":  # noqa: F821
    """All finished points of a scan directory as one table sorted by ``point``."""
    pa = _require("pyarrow")
    pq = _require("pyarrow.parquet")
    path = Path(path)
    parts = sorted(path.glob("part-*.parquet"))
    if not parts:
        raise FileNotFoundError(f"{path}: no finished scan point (part-*.parquet)")
    table = pa.concat_tables([pq.read_table(p) for p in parts], promote_options="default")
    order = np.argsort(np.asarray(table.column("point")), kind="stable")
    return table.take(pa.array(order))


def _definition(card_toml: str, params: dict, n_events: int) -> dict:
    return {"card_sha256": hashlib.sha256(card_toml.encode()).hexdigest(), "params": {k: list(map(float, v)) for k, v in params.items()},
            "events": int(n_events)}


class _Progress:
    def __init__(self, total: int, done: int):
        self.total, self.done = total, done
        self.t0 = time.perf_counter()
        self.enabled = sys.stderr.isatty()
        self.update(0)

    def update(self, k: int = 1) -> None:
        self.done += k
        if not self.enabled:
            return
        frac = self.done / self.total if self.total else 1.0
        sys.stderr.write(f"\rscan [{'#' * int(30 * frac):<30}] {self.done}/{self.total} points, {time.perf_counter() - self.t0:6.1f} s")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def check_scheduler_address(address: str) -> None:
    """``tcp://host:port`` (also tls/ws/wss/ucx, or ``host:port``) with a port 1-65535; else ``ScanError``."""
    if str(address).startswith("inproc://"):  # a scheduler in this process (distributed.LocalCluster(processes=False))
        return
    m = _ADDRESS.match(str(address).strip())
    if not m or not 0 < int(m.group(4)) < 65536:
        raise ScanError(f"--scheduler {address!r}: not a Dask scheduler address; expected e.g. tcp://10.0.0.1:8786 "
                        "(protocol tcp/tls/ws/wss/ucx, host and a port 1-65535)")


def _probe(scheduler: str, timeout: float) -> None:
    """Refuse a tcp scheduler address nothing listens on, before any work (the Client would retry for its timeout)."""
    import socket

    m = _ADDRESS.match(str(scheduler).strip())
    if m is None or m.group(2) not in (None, "tcp"):
        return
    host = m.group(3).strip("[]")
    try:
        with socket.create_connection((host, int(m.group(4))), timeout=timeout):
            pass
    except OSError as err:
        raise ScanError(f"--scheduler {scheduler!r}: cannot connect within {timeout:g} s ({err.strerror or err}); "
                        "is a Dask scheduler running there?") from None


def _connect(distributed, scheduler: str, timeout: float):
    """A ``distributed.Client`` of ``scheduler`` within ``timeout`` s; any failure is one ``ScanError`` line."""
    check_scheduler_address(scheduler)
    try:
        return distributed.Client(scheduler, timeout=f"{timeout}s")
    except Exception as err:  # noqa: BLE001  OSError, TimeoutError, or garbage from a non-Dask server (MemoryError)
        text = str(err).splitlines()[0][:200] if str(err) else ""
        raise ScanError(f"--scheduler {scheduler!r}: cannot connect within {timeout:g} s ({type(err).__name__}: {text}); "
                        "is a Dask scheduler running there?") from None


def _n_workers(client) -> int:
    try:
        return len(client.nthreads())
    except Exception:  # noqa: BLE001  the scheduler itself is gone: no worker either
        return 0


def scan(card, params: dict[str, list[float]], out="scan.parquet", *, n_events: int | None = None, workers: int | None = None,
         scheduler: str | None = None, root_dir=None, limit: int | None = None, reweight_couplings: bool = True,
         worker_timeout: float = WORKER_TIMEOUT_S):
    """Evaluate every missing grid point on Dask distributed; returns ``read_scan(out)``.

    A point whose evaluation raises is not written; the others go on, and ``ScanError`` lists the
    failed points at the end (a rerun retries them).

    Parameters
    ----------
    card : RunCard or path
    params : dict key -> list of values (``parse_param``)
    out : directory of part files (created)
    n_events : events per point (default the card's ``[run] events``)
    workers : worker processes of the embedded LocalCluster (default: all cores)
    scheduler : address of an existing scheduler (then ``workers`` is ignored)
    root_dir : keep a ROOT file per point there
    limit : evaluate at most this many missing points (time-boxing; rerun to continue)
    reweight_couplings : reweight one sample for coupling-only grids (default) instead of regenerating
    worker_timeout : seconds with unfinished points and no live worker (all died, or none ever joined) after
        which the scan fails with ``ScanError`` (finished points are kept; a rerun continues)

    A ``scheduler`` address that is malformed or not reachable within ``CONNECT_TIMEOUT_S`` is a ``ScanError``.
    """
    from gen.card import RunCard, load_card

    distributed = _require("distributed")
    _require("pyarrow.parquet")
    if not isinstance(card, RunCard):
        card = load_card(card)
    if not params:
        raise ScanError("no --param given")
    n = card.run.events if n_events is None else int(n_events)
    if n < 1:
        raise ScanError(f"--events {n}: must be >= 1")
    if not (worker_timeout > 0 and math.isfinite(worker_timeout)):
        raise ScanError(f"--worker-timeout {worker_timeout!r}: must be a positive number of seconds")
    client = None
    if scheduler is not None:  # connect before any work: a bad address fails in seconds, not after the base sample
        check_scheduler_address(scheduler)
        _probe(scheduler, CONNECT_TIMEOUT_S)
        client = _connect(distributed, scheduler, CONNECT_TIMEOUT_S)
    try:
        return _scan(card, params, out, n, workers, scheduler, client, root_dir, limit, reweight_couplings, worker_timeout,
                     distributed)
    finally:
        if client is not None:
            client.close()


def _scan(card, params, out, n, workers, scheduler, client, root_dir, limit, reweight_couplings, worker_timeout, distributed):
    from gen.card import card_to_toml, resolved_card_dict
    from gen.reweight.upscattering import check_conflicts, check_coupling_value

    check_conflicts(list(params), "--param", ScanError)
    for k, vals in params.items():
        for v in vals:
            check_coupling_value(k, v, "--param", ScanError, lagrangian=card.model.lagrangian is not None)
    points = grid_points(params)
    for p in points[:1]:
        card_at(card, p)  # key errors before any work
    card_toml = card_to_toml(resolved_card_dict(card))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    definition = _definition(card_toml, params, n)
    def_path = _definition_path(out)
    if def_path.name != SCAN_DEFINITION:  # an older scan: move its definition out of the readers' way
        os.replace(def_path, out / SCAN_DEFINITION)
        def_path = out / SCAN_DEFINITION
    if def_path.exists():
        old = json.loads(def_path.read_text())
        if old != definition:
            raise ScanError(f"{out} holds a different scan (card, grid or events differ): use another -o or remove it")
    else:
        tmp = out / f".{SCAN_DEFINITION}.tmp"
        tmp.write_text(jsonout.dumps(definition, indent=1))
        os.replace(tmp, def_path)
    if root_dir is not None:
        Path(root_dir).mkdir(parents=True, exist_ok=True)
        root_dir = str(root_dir)
    done = {p.name[5:-8] for p in out.glob("part-*.parquet")}
    missing = [(i, p) for i, p in enumerate(points) if point_id(p) not in done]
    todo = missing if limit is None else missing[:max(0, int(limit))]
    use_rw = reweight_couplings and _is_coupling_only(params)
    base = out / "_base.root"
    if todo and use_rw and not base.exists():
        _make_base(card, n, point_seed(card.run.seed, {}), base)
    prog = _Progress(len(points), len(points) - len(missing))
    failures: list[str] = []
    if todo:
        import logging

        if not logging.getLogger().isEnabledFor(logging.DEBUG):
            for name in ("distributed", "distributed.scheduler", "distributed.nanny", "distributed.core", "distributed.worker"):
                logging.getLogger(name).setLevel(logging.ERROR)
        cluster = None
        if scheduler is None:
            n_workers = int(workers) if workers else (os.cpu_count() or 1)
            cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                               dashboard_address=":0", silence_logs=50)
            client = distributed.Client(cluster)
        try:
            n_w = max(1, len(client.scheduler_info().get("workers", {})) or 1)
            threads = max(1, (os.cpu_count() or 1) // n_w) if cluster is not None else None
            futures = {}
            for i, p in todo:
                seed = point_seed(card.run.seed, p)
                if use_rw:
                    f = client.submit(reweight_point, str(base), p, i, n, point_seed(card.run.seed, {}), root_dir, threads,
                                      card_toml, seed, key=f"hnlgen-scan-{point_id(p)}", pure=False)
                else:
                    f = client.submit(evaluate_point, card_toml, p, i, n, seed, root_dir, threads,
                                      key=f"hnlgen-scan-{point_id(p)}", pure=False)
                futures[f] = p
            pending = set(futures)
            no_worker_since = None
            while pending:
                try:
                    done, pending = distributed.wait(pending, timeout=1.0, return_when="FIRST_COMPLETED")
                except (TimeoutError, distributed.TimeoutError):
                    done = set()
                for fut in done:
                    try:
                        row = fut.result()
                    except Exception as err:  # one bad point (e.g. an unphysical mass) must not lose the others
                        failures.append(f"{_canonical(futures[fut])}: {type(err).__name__}: {err}")
                        continue
                    _write_row(out, row, point_id(futures[fut]))
                    prog.update()
                if not pending or done:
                    no_worker_since = None
                    continue
                # watchdog: a scan whose workers all died would otherwise wait for ever (issue 11, item 10)
                if _n_workers(client) > 0:
                    no_worker_since = None
                elif no_worker_since is None:
                    no_worker_since = time.monotonic()
                elif time.monotonic() - no_worker_since > worker_timeout:
                    for fut in pending:
                        fut.cancel()
                    kept = len(list(out.glob("part-*.parquet")))
                    raise ScanError(f"scan failed: no live Dask worker for {worker_timeout:g} s (the workers died or none "
                                    f"joined the scheduler); {len(pending)} point(s) not evaluated, {kept} finished point(s) "
                                    f"kept in {out}; rerun to continue")
        finally:
            if cluster is not None:
                client.close()
                cluster.close()
    prog.close()
    if failures:
        raise ScanError(f"{len(failures)} point(s) failed (not written; a rerun retries them):\n  " + "\n  ".join(failures))
    return read_scan(out)


# ------------------------------------------------------------------------------------------- plot
def plot_scan(table, out_png, x: str, y: str, z: str = "selected"):
    """Filled contours of ``z`` (expected events, log colour scale) over the scanned keys ``x`` and ``y``.

    ``table``: a ``pyarrow.Table`` (``read_scan``), a dict of columns or a path of a scan directory.
    ``z`` must be an expected-events column (one with a ``z_error`` column; an unknown name is a
    ``ScanError``); a ``z`` column that is all NaN (no detector stage) falls back to ``final_state``
    with a logged warning. Axes are
    logarithmic when the values span more than a decade. Returns the output path.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    if isinstance(table, (str, os.PathLike)):
        table = read_scan(table)
    cols = table.to_pydict() if hasattr(table, "to_pydict") else dict(table)
    for k in (x, y):
        if k not in cols:
            raise ScanError(f"plot_scan: {k!r} is not a column of the scan (columns: {', '.join(cols)})")
    quantities = [c for c in cols if c + "_error" in cols]
    if z not in quantities:
        raise ScanError(f"plot_scan: z = {z!r} is not an expected-events column of the scan (allowed: {', '.join(quantities)})")
    zname = z
    if np.all(np.isnan(np.asarray(cols[z], dtype=float))):  # e.g. selected for a run without a detector stage
        import logging

        logging.getLogger(__name__).warning("plot_scan: column %r is empty (NaN) for every point; drawing final_state", z)
        zname = "final_state"
    xs, ys, zs = (np.asarray(cols[k], dtype=float) for k in (x, y, zname))
    if x == y:  # one scanned key: expected events against it, with MC errors
        fig, ax = plt.subplots(figsize=(6, 4.5))
        order = np.argsort(xs)
        ax.errorbar(xs[order], zs[order], yerr=np.asarray(cols[zname + "_error"], dtype=float)[order], fmt="o-")
        ax.set_xlabel(x)
        ax.set_ylabel(f"expected events ({zname})")
        if xs.min() > 0 and xs.max() / xs.min() > 10:
            ax.set_xscale("log")
        if np.all(zs > 0):
            ax.set_yscale("log")
        fig.tight_layout()
        fig.savefig(out_png, dpi=120)
        plt.close(fig)
        return Path(out_png)
    ux, uy = np.unique(xs), np.unique(ys)
    Z = np.full((uy.size, ux.size), np.nan)
    Z[np.searchsorted(uy, ys), np.searchsorted(ux, xs)] = zs
    fig, ax = plt.subplots(figsize=(6, 4.5))
    pos = Z[np.isfinite(Z) & (Z > 0)]
    if ux.size >= 2 and uy.size >= 2 and pos.size:
        lo, hi = pos.min(), pos.max()
        levels = np.logspace(math.floor(math.log10(lo)), math.ceil(math.log10(hi)), 2 * (math.ceil(math.log10(hi)) - math.floor(math.log10(lo))) + 1)
        if levels.size < 2:
            levels = np.array([lo / 2, hi * 2])
        cs = ax.contourf(ux, uy, np.where(Z > 0, Z, np.nan), levels=levels, norm=LogNorm(levels[0], levels[-1]), cmap="viridis")
        ax.contour(ux, uy, np.where(Z > 0, Z, np.nan), levels=levels, colors="k", linewidths=0.4)
        fig.colorbar(cs, ax=ax, label=f"expected events ({zname})")
    else:
        sc = ax.scatter(xs, ys, c=zs, norm=LogNorm() if pos.size else None, cmap="viridis")
        fig.colorbar(sc, ax=ax, label=f"expected events ({zname})")
    ax.plot(xs, ys, "k.", ms=2)
    for k, setter in ((ux, ax.set_xscale), (uy, ax.set_yscale)):
        if k.size > 1 and k.min() > 0 and k.max() / k.min() > 10:
            setter("log")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title("hnlgen scan")
    fig.tight_layout()
    fig.savefig(out_png, dpi=120)
    plt.close(fig)
    return Path(out_png)


def _definition_path(out: Path) -> Path:
    """``out/_scan.json``, or the ``scan.json`` of a scan written before it was renamed, if that exists."""
    legacy = out / _LEGACY_DEFINITION
    return legacy if legacy.exists() and not (out / SCAN_DEFINITION).exists() else out / SCAN_DEFINITION


def is_scan_dir(path) -> bool:
    """True for an output directory of ``scan`` (holds ``_scan.json``)."""
    return Path(path).is_dir() and _definition_path(Path(path)).exists()


def plot_scan_dir(path, out_png, x: str | None = None, y: str | None = None, z: str = "selected") -> str:
    """``plot_scan`` of a scan directory; ``x``/``y`` default to its first two scanned keys. Returns a note."""
    path = Path(path)
    keys = list(json.loads(_definition_path(path).read_text())["params"])
    x = x or keys[0]
    y = y or (keys[1] if len(keys) > 1 else keys[0])
    table = read_scan(path)
    plot_scan(table, out_png, x, y, z)
    col = z if z in table.column_names and not np.all(np.isnan(np.asarray(table.column(z), dtype=float))) else "final_state"
    vals = np.asarray(table.column(col), dtype=float)
    return f"{table.num_rows} points, {col} from {np.nanmin(vals):.3g} to {np.nanmax(vals):.3g} events"
