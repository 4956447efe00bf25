"""ROOT output with uproot: a TTree (or RNTuple) ``events`` plus string objects describing the run.

Layout written by ``EventWriter`` (``format="ttree"``, the default):

* TTree ``events`` made with ``mktree`` (read by every ROOT 6 chain and by JSROOT): one flat
  branch per scalar field (``weight``, ``E_nu``, ...), one flat branch per component of a record
  field (``N_px``, ``N_py``, ``N_pz``, ``N_E``, ``N_decay_vertex_x``, ...), and for the
  variable-length particle list a counter ``nparticles`` with jagged branches ``particles_pdg``,
  ``particles_px``, ... . Baskets are written in batches of ``basket_events`` events (default 2^17:
  1 MB per float64 branch, well above uproot's 100 kB advice for ``extend``), so memory stays bounded
  for any number of events.
* with ``format="rntuple"`` the same event records are an RNTuple ``events`` instead (uproot's
  ``mkrntuple`` + ``extend``, one cluster per ``basket_events`` events, so memory stays bounded too):
  the awkward records keep their structure (fields ``N.px``, ``particles.pdg``, ...). Only ROOT
  >= 6.34 (RNTuple v1) and uproot >= 5.7 read it; ROOT 6 before 6.34 and JSROOT cannot, which is why
  the TTree stays the default.
* other objects the caller adds through ``EventWriter.root_file`` (``hnlgen run`` writes the
  detector histograms there as TH1D: ``detectors.miniboone.write_histograms``).
* TObjString objects (``run_card``, ``model``, ``expected_events``, ``pot``, ``seed``,
  ``hnlgen_version``, ...: whatever metadata the caller passes, JSON or TOML text) and
  ``awkward_form``, the awkward form of the event records, which ``read_events`` uses to give back
  exactly the array that was written.

The file is written as ``<name>.partial`` and renamed to ``<name>`` (``os.replace``, atomic on
POSIX) only when it is complete; on an exception the partial file is removed, and a killed process
leaves only a ``.partial`` file. This module takes event arrays and metadata and imports nothing
from ``gen`` (STYLE.md section 1).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import awkward as ak

__all__ = ["AtomicOutput", "EventWriter", "write_events", "read_events", "read_metadata", "DEFAULT_BASKET_EVENTS", "PARTIAL_SUFFIX",
           "COMPRESSIONS", "ROOT_FORMATS"]

DEFAULT_BASKET_EVENTS = 1 << 17
PARTIAL_SUFFIX = ".partial"
_FORM_KEY = "awkward_form"
# Compression of the baskets. LZ4 (ROOT >= 6.12, JSROOT) is the default: on 2.6e5 light-Z' events
# it wrote 226 MB in 1.1 s where ZLIB(1) took 8.4 s for 150 MB (uproot 5.7, one core); ZSTD needs
# ROOT >= 6.20; "zlib" reads everywhere. uproot compresses through cramjam, one of its dependencies.
COMPRESSIONS = ("lz4", "zlib", "zstd", "none")
# Layouts of the ``events`` object: TTree (every ROOT 6, JSROOT) or RNTuple (ROOT >= 6.34, uproot >= 5.7).
ROOT_FORMATS = ("ttree", "rntuple")
_TREE = "events"
_RNTUPLE_CLASSES = ("ROOT::RNTuple", "ROOT::Experimental::RNTuple")


def _uproot():
    try:
        import uproot
    except ImportError as err:  # pragma: no cover - uproot is a dependency
        raise ImportError("ROOT output needs uproot >= 5.1: pip install uproot") from err
    return uproot


def _branch_dict(events: ak.Array) -> dict:
    """Top-level fields as uproot expects them (records split by uproot itself into name_field).

    Raises ValueError when two fields would give the same TTree branch name after that split (a
    record ``vtx`` with field ``z`` and a scalar ``vtx_z``, say): uproot would silently keep only one.
    (Only used for TTrees; an RNTuple keeps records as nested fields.)
    """
    owner: dict[str, str] = {}
    for k in events.fields:
        sub = ak.fields(events[k])
        for b in ([f"{k}_{f}" for f in sub] if sub else [k]):
            if b in owner:
                raise ValueError(f"branch name {b!r} would be written twice (from fields {owner[b]!r} and {k!r}); "
                                 "rename one of them")
            owner[b] = k
    return {k: events[k] for k in events.fields}


class AtomicOutput:
    """Base of the output writers: events go to ``<path>.partial``, renamed to ``path`` only by a
    successful ``close``; an exception in the ``with`` block (or in ``close``) deletes the partial file,
    so an interrupted run never leaves a file that looks complete.

    Subclasses set ``path``, ``tmp_path`` (``path`` + :data:`PARTIAL_SUFFIX`) and ``_closed`` and
    implement ``close`` and ``_release`` (close the underlying file handle, if one is open).
    """

    path: Path
    tmp_path: Path
    _closed: bool

    def _release(self) -> None:
        raise NotImplementedError

    def close(self) -> Path:
        raise NotImplementedError

    def abort(self) -> None:
        """Close and delete the partial file (the final name is never created)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._release()
        finally:
            if self.tmp_path.exists():
                self.tmp_path.unlink()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
            return
        try:
            self.close()
        except BaseException:
            self.abort()
            raise


class EventWriter(AtomicOutput):
    """Stream event record arrays into a ROOT file written under a temporary name.

    Parameters
    ----------
    path : str or Path
        Final file name (``.root``).
    basket_events : int
        Events buffered per ``TTree.extend`` call (one basket per branch).
    compression : str
        One of ``COMPRESSIONS`` (default ``"lz4"``); for an RNTuple it applies to the whole file.
    format : str
        ``"ttree"`` (default) or ``"rntuple"`` (``ROOT_FORMATS``); see the module docstring.
    precision, record : str
        Storage policy applied to every chunk (``detectors.storage``): ``precision`` ``"double"``
        (default here: exact round trip) or ``"mixed"`` (float32 four-vectors, vertices and
        reconstructed observables); ``record`` ``"full"`` (default) or ``"slim"`` (no particle list).

    Use as a context manager; put the run description into ``writer.metadata`` (str -> str) before
    the block ends::

        with EventWriter("events.root") as w:
            for chunk in chunks:
                w.write(chunk)
            w.metadata["run_card"] = toml_text
    """

    def __init__(self, path: str | os.PathLike, basket_events: int = DEFAULT_BASKET_EVENTS, compression: str = "lz4",
                 format: str = "ttree", precision: str = "double", record: str = "full"):
        from detectors.storage import _check

        _check(precision, record)
        self.precision, self.record = precision, record
        if basket_events < 1:
            raise ValueError(f"basket_events = {basket_events}: must be >= 1")
        if compression not in COMPRESSIONS:
            raise ValueError(f"compression = {compression!r}: allowed {', '.join(COMPRESSIONS)}")
        if format not in ROOT_FORMATS:
            raise ValueError(f"format = {format!r}: allowed {', '.join(ROOT_FORMATS)} (HepMC3 output: detectors.hepmc.HepMC3Writer)")
        self.format = format
        self.path = Path(path)
        self.tmp_path = self.path.with_name(self.path.name + PARTIAL_SUFFIX)
        self.basket_events = int(basket_events)
        self.metadata: dict[str, str] = {}
        self.n_written = 0
        self._buffer: list[ak.Array] = []
        self._n_buffered = 0
        self._tree = None
        self._form = None
        up = _uproot()
        codec = {"lz4": up.LZ4(1), "zlib": up.ZLIB(1), "zstd": up.ZSTD(1), "none": None}[compression]
        self._file = up.recreate(self.tmp_path, compression=codec)
        self._closed = False

    @property
    def root_file(self):
        """The open uproot file (``.partial``), to add other objects (e.g. TH1 histograms) beside the tree."""
        if self._closed:
            raise RuntimeError("EventWriter is closed")
        return self._file

    def write(self, events: ak.Array) -> None:
        """Append events (all chunks must share one awkward form)."""
        if self._closed:
            raise RuntimeError("EventWriter is closed")
        form = events.layout.form.to_dict()
        if "Indexed" in json.dumps(form) or '"ListArray"' in json.dumps(form):
            # selections (events[mask]) give indexed layouts; store the canonical packed form
            events = ak.to_packed(events)
        if (self.precision, self.record) != ("double", "full"):
            from detectors.storage import apply_storage_policy

            events = apply_storage_policy(events, self.precision, self.record)
        form = events.layout.form.to_dict()
        if self._form is None:
            self._form = form
        elif form != self._form:
            raise ValueError("EventWriter.write: the events do not have the form of the first chunk")
        if len(events) == 0:
            return
        self._buffer.append(events)
        self._n_buffered += len(events)
        if self._n_buffered >= self.basket_events:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        arr = self._buffer[0] if len(self._buffer) == 1 else ak.concatenate(self._buffer)
        self._buffer = []
        self._n_buffered = 0
        start = 0
        while start < len(arr):
            part = arr[start:start + self.basket_events]
            start += self.basket_events
            if self.format == "rntuple":
                # uproot drops the record names (Momentum4D); read_events restores them from awkward_form
                part = ak.to_packed(part)
                if self._tree is None:
                    self._tree = self._file.mkrntuple(_TREE, part.layout.form, description="hnlgen events")
                self._tree.extend(part)
            else:
                data = _branch_dict(part)
                if self._tree is None:
                    self._tree = self._file.mktree(_TREE, {k: v.type for k, v in data.items()}, title="hnlgen events")
                self._tree.extend(data)
            self.n_written += len(part)

    def close(self) -> Path:
        """Flush, write the metadata strings, close and rename to the final name."""
        if self._closed:
            return self.path
        if self._form is None:
            raise ValueError("EventWriter.close: no events were written (an empty tree has no branches to describe)")
        self._flush()
        for key, value in self.metadata.items():
            if not isinstance(value, str):
                raise TypeError(f"metadata[{key!r}] must be str (JSON or TOML text), got {type(value).__name__}")
            self._file[key] = value
        self._file[_FORM_KEY] = json.dumps(self._form)
        self._file.close()
        self._closed = True
        os.replace(self.tmp_path, self.path)
        return self.path

    def _release(self) -> None:
        self._file.close()


def write_events(path: str | os.PathLike, events: ak.Array, metadata: dict[str, str] | None = None,
                 basket_events: int = DEFAULT_BASKET_EVENTS, compression: str = "lz4", format: str = "ttree",
                 precision: str = "double", record: str = "full") -> Path:
    """Write one event array (and metadata strings) to ``path`` as a TTree or RNTuple; see ``EventWriter``."""
    with EventWriter(path, basket_events=basket_events, compression=compression, format=format, precision=precision,
                     record=record) as w:
        w.write(events)
        w.metadata.update(metadata or {})
    return Path(path)


def _rebuild(form: dict, tree_arrays: ak.Array) -> ak.Array:
    if form["class"] != "RecordArray":
        raise ValueError("awkward_form: top level must be a record array")
    fields = {}
    for name, sub in zip(form["fields"], form["contents"]):
        cls = sub["class"]
        if cls == "NumpyArray":
            fields[name] = tree_arrays[name]
        elif cls == "RecordArray":
            inner = {f: tree_arrays[f"{name}_{f}"] for f in sub["fields"]}
            fields[name] = ak.zip(inner, with_name=(sub.get("parameters") or {}).get("__record__"))
        elif cls in ("ListOffsetArray", "ListArray") and sub["content"]["class"] == "RecordArray":
            rec = sub["content"]
            inner = {f: tree_arrays[f"{name}_{f}"] for f in rec["fields"]}
            fields[name] = ak.zip(inner, with_name=(rec.get("parameters") or {}).get("__record__"))
        else:
            raise ValueError(f"awkward_form: field {name!r} of class {cls} is not supported")
    return ak.zip(fields, depth_limit=1)


def _restore_names(form: dict, arrays: ak.Array) -> ak.Array:
    """RNTuple fields as written, with the record names (``__record__``) uproot does not keep."""
    if form["class"] != "RecordArray":
        raise ValueError("awkward_form: top level must be a record array")
    fields = {}
    for name, sub in zip(form["fields"], form["contents"]):
        inner = sub["content"] if sub["class"] in ("ListOffsetArray", "ListArray") else sub
        record = (inner.get("parameters") or {}).get("__record__") if inner["class"] == "RecordArray" else None
        fields[name] = ak.with_name(arrays[name], record) if record else arrays[name]
    return ak.zip(fields, depth_limit=1)


def read_events(path: str | os.PathLike, entry_start: int | None = None, entry_stop: int | None = None) -> ak.Array:
    """Read the ``events`` TTree or RNTuple back into the awkward records that were written.

    Momentum4D records keep their name (``vector.register_awkward()`` gives ``.mass`` etc.). Both
    layouts of ``EventWriter`` give the same array.
    """
    uproot = _uproot()
    with uproot.open(path) as f:
        form = json.loads(str(f[_FORM_KEY]))
        cls = f.classname_of(_TREE)
        arrays = f[_TREE].arrays(library="ak", entry_start=entry_start, entry_stop=entry_stop)
    out = _restore_names(form, arrays) if cls in _RNTUPLE_CLASSES else _rebuild(form, arrays)
    # re-pack so that the layout (offsets, dtypes) is the canonical one of a freshly built array
    return ak.to_packed(out)


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """All TObjString objects of the file (run card, model, expected events, ...) as str."""
    uproot = _uproot()
    out = {}
    with uproot.open(path) as f:
        for key, cls in f.classnames().items():
            if cls == "TObjString":
                out[key.split(";")[0]] = str(f[key])
    return out

