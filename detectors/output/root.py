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
  ``mkrntuple`` + ``extend``, one cluster per ``basket_events`` events, so memory stays bounded too),
  with the TTree's flat names (fields ``N_px``, ``nparticles``, ``particles_pdg`` as ``RVec``), so the
  same RDataFrame expressions and uproot field names work on both layouts. Only ROOT >= 6.34
  (RNTuple v1) and uproot >= 5.7 read it; ROOT 6 before 6.34 and JSROOT cannot, which is why the
  TTree stays the default.
* other objects the caller adds through ``EventWriter.root_file`` (``hnlgen run`` writes the
  detector histograms there as TH1D: ``detectors.miniboone.response.write_histograms``).
* TObjString objects (``run_card``, ``model``, ``expected_events``, ``pot``, ``seed``,
  ``hnlgen_version``, ...: whatever metadata the caller passes, JSON or TOML text) and
  ``awkward_form``, the awkward form of the event records, which ``read_events`` uses to give back
  exactly the array that was written.

Atomic output (all writers, ``AtomicOutput``): the file is written as
``<name>.partial-<pid>-<random>`` in the target directory (unique per process and per writer, so two
runs with the same output name never share one) and renamed to ``<name>`` (``os.replace``, atomic on
POSIX) only when it is complete. ``close`` writes the completeness marker ``hnlgen_complete`` last
(:data:`COMPLETE_KEY`: JSON ``{"events": N, "format": ...}``; :func:`check_complete` verifies it),
closes the file, checks every write error (a full disk raises :class:`OutputError`), fsyncs and renames
as its very last step; an error anywhere, before or during ``close``, removes the partial file and
leaves the final name untouched. A killed process leaves only a ``.partial-*`` file, never a file
under the final name. This module takes event arrays and metadata and imports nothing from ``gen``'s
internals (STYLE.md section 1; ``gen.errors`` is the shared error base).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import awkward as ak
import numpy as np

from detectors.output.storage import COMPACT_FIELD, RECIPE_KEY
from physics.errors import InputFileError, OutputFileError

__all__ = [
    "COMPLETE_KEY",
    "COMPRESSIONS",
    "COMPRESSION_PROBE_VALUES",
    "DEFAULT_BASKET_EVENTS",
    "PARTIAL_SUFFIX",
    "ROOT_FORMATS",
    "AtomicOutput",
    "EventWriter",
    "OutputError",
    "check_complete",
    "incompressible_branches",
    "read_events",
    "read_metadata",
    "write_events",
]

DEFAULT_BASKET_EVENTS = 1 << 17
PARTIAL_SUFFIX = ".partial"  # partial files are <name>.partial-<pid>-<random hex>
# TObjString written last by EventWriter.close: JSON {"events": n, "format": "ttree"|"rntuple"}; a file
# without it was not closed by hnlgen (check_complete). HepMC3 files end with HepMC3's footer line.
COMPLETE_KEY = "hnlgen_complete"
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


def _replace_field(events: ak.Array, old: str, new: str, values: ak.Array) -> ak.Array:
    """``events`` with the field ``old`` replaced, at its position, by ``values`` named ``new`` (the compact record's
    ``particles`` <-> ``particle_list``; ``ak.with_field`` keeps the name)."""
    layout = events.layout
    return ak.Array(ak.contents.RecordArray([values.layout if k == old else layout.content(k) for k in layout.fields],
                                            [new if k == old else k for k in layout.fields], length=len(events)))


def _branch_dict(events: ak.Array) -> dict:
    """The TTree's branches as ``extend`` takes them: a NumPy array per scalar field and per component of a record
    of scalars (``N_px``, ...: the names uproot gives a record's components), the awkward array of any other field
    (the particle list, from which uproot makes the counter and the jagged branches).

    Taking the columns from the layout, instead of handing uproot the records to split, saves the awkward calls
    of ~80 branches per basket (issue 16: the writer's ``extend`` 0.33 -> 0.28 us per light-Z' event); the
    branches, their types and the values are the same.

    Raises ValueError when two fields would give the same TTree branch name after that split (a
    record ``vtx`` with field ``z`` and a scalar ``vtx_z``, say): uproot would silently keep only one.
    (Only used for TTrees; an RNTuple keeps records as nested fields.)
    """
    layout = events.layout
    n = len(events)
    owner: dict[str, str] = {}
    out = {}
    for k, c in zip(layout.fields, layout.contents):
        flat = isinstance(c, ak.contents.RecordArray) and all(isinstance(x, ak.contents.NumpyArray) and x.data.ndim == 1
                                                               for x in c.contents)
        sub = c.fields if isinstance(c, ak.contents.RecordArray) else ak.fields(events[k])
        for b in ([f"{k}_{f}" for f in sub] if sub else [k]):
            if b in owner:
                raise ValueError(f"branch name {b!r} would be written twice (from fields {owner[b]!r} and {k!r}); "
                                 "rename one of them")
            owner[b] = k
        if isinstance(c, ak.contents.NumpyArray) and c.data.ndim == 1:
            out[k] = np.asarray(c.data)[:n]  # a record's contents may be longer than the record
        elif flat:
            for f, x in zip(c.fields, c.contents):
                out[f"{k}_{f}"] = np.asarray(x.data)[:n]
        else:
            out[k] = events[k]
    return out


#: values of a branch's first basket that ``incompressible_branches`` tries to compress
COMPRESSION_PROBE_VALUES = 1 << 14


def incompressible_branches(data: dict, codec) -> list[str]:
    """The flat branches of ``data`` (``_branch_dict`` of the first basket) whose first ``COMPRESSION_PROBE_VALUES``
    values, big-endian as uproot stores them, do not shrink under ``codec``: ``EventWriter`` writes them
    uncompressed.

    uproot (``uproot.compression.compress``, as ROOT) stores a basket uncompressed when compression does not make
    it smaller; float32 momenta, vertices and weights have random mantissas, so for ~45 of the ~80 branches of a
    light-Z' file every basket was compressed, checksummed and then stored as it was (issue 16: 51 of the 57 MB
    of a 262,144-event file). Not trying saves that work; the baskets are byte for byte the same. A branch whose
    later baskets would compress is then stored a little larger, never different. Any codec (ZSTD's entropy coding
    does shrink some float branches: they keep it).
    """
    if codec is None:
        return []
    up = _uproot()
    out = []
    for name, a in data.items():
        if isinstance(a, np.ndarray) and a.ndim == 1 and a.size:
            probe = a[:COMPRESSION_PROBE_VALUES].astype(a.dtype.newbyteorder(">")).tobytes()
            if up.compression.compress(probe, codec) is probe:
                out.append(name)
    return out


def _flat_fields(events: ak.Array) -> dict:
    """The TTree branch layout as a dict of arrays: scalars as they are, a record ``N`` as ``N_px``, ...,
    a list of records ``particles`` as the counter ``nparticles`` (int32, uproot's TTree counter) and
    jagged ``particles_pdg``, ... (``_branch_dict`` checks the names are unique)."""
    _branch_dict(events)
    out = {}
    for k in events.fields:
        v = events[k]
        sub = ak.fields(v)
        if not sub:
            out[k] = v
            continue
        if v.ndim > 1:
            out[f"n{k}"] = ak.values_astype(ak.num(v, axis=1), "int32")
        for f in sub:
            out[f"{k}_{f}"] = v[f]
    return out


def _set_branch_titles(tree, titles: dict[str, str]) -> None:
    """Set TBranch titles (unit and meaning) of a tree made by uproot's ``mktree``, before its first
    ``extend``. uproot has no argument for it: the titles are in its branch records (``fTitle``, by
    default the leaf list such as ``weight/D``; ROOT and uproot read the types from the TLeaf, not the
    title: checked with ROOT 6.40 TTree::Scan and RDataFrame, tests/detectors/test_output_formats.py)."""
    casc = getattr(tree, "_cascading", None)
    if not titles or not hasattr(casc, "_branch_data") or not hasattr(casc, "_needs_relocation_before_extend"):
        return  # another uproot: the titles are still in the ``branch_titles`` metadata
    for datum in casc._branch_data:
        if datum.get("kind") != "record" and datum.get("fName") in titles:
            datum["fTitle"] = titles[datum["fName"]]
    # mktree already wrote the tree header: the first extend rewrites it whole (uproot's own mechanism
    # for trees whose layout it has not written itself), now with the titles
    casc._needs_relocation_before_extend = True


#: The output file cannot be written (directory, permissions, full disk, ...): one line naming the file.
OutputError = OutputFileError


def partial_path(path: Path) -> Path:
    """``<path>.partial-<pid>-<8 hex>`` beside ``path``: unique per process and per writer."""
    return path.with_name(f"{path.name}{PARTIAL_SUFFIX}-{os.getpid()}-{secrets.token_hex(4)}")


class CloseOrAbort:
    """Context manager of a writer: ``close()`` when the block succeeds, ``abort()`` when it raises or when
    ``close()`` itself fails (so no complete-looking file is left). Writers define ``close`` and ``abort``."""

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


class AtomicOutput(CloseOrAbort):
    """Base of the output writers: events go to a partial file (:func:`partial_path`), renamed to
    ``path`` only by a successful ``close``; an exception in the ``with`` block or in ``close`` deletes
    the partial file, so an interrupted or failed run never leaves a file that looks complete.

    Subclasses call ``_init_paths(path)`` first, implement ``_finish`` (write what remains, close the
    underlying file and raise on any write error) and ``_release`` (close the handle without checks;
    called by ``abort``, must tolerate being called after ``_finish``).
    """

    path: Path
    tmp_path: Path
    _closed: bool = False

    def _init_paths(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._closed = False
        if self.path.is_dir():
            raise OutputError(f"output {str(self.path)!r} is an existing directory: give a file name")
        if not self.path.parent.is_dir():
            raise OutputError(f"output {str(self.path)!r}: directory {str(self.path.parent)!r} does not exist")
        self.tmp_path = partial_path(self.path)

    def _release(self) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        raise NotImplementedError

    def close(self) -> Path:
        """Finish the file, check it was written completely, and rename it to ``path`` (the last step)."""
        if self._closed:
            return self.path
        try:
            self._finish()
            fd = os.open(self.tmp_path, os.O_RDONLY)
            try:
                os.fsync(fd)  # on disk before it gets its final name
            finally:
                os.close(fd)
        except OSError as err:
            raise OutputError(f"writing {str(self.path)!r} failed: {err.strerror or err}") from err
        try:
            os.replace(self.tmp_path, self.path)
        except OSError as err:
            raise OutputError(f"cannot rename the finished output to {str(self.path)!r}: {err.strerror or err}") from err
        self._closed = True
        return self.path

    def abort(self) -> None:
        """Close and delete the partial file (the final name is never created)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._release()
        except OSError:  # the handle may be broken (full disk): the partial file goes anyway
            self._release_failed = True
        finally:
            self.tmp_path.unlink(missing_ok=True)



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
        Storage policy applied to every chunk (``detectors.output.storage``): ``precision`` ``"double"``
        (default here: exact round trip) or ``"mixed"`` (float32 four-vectors, vertices and
        reconstructed observables); ``record`` ``"full"`` (default here), ``"compact"`` (the particle
        list only of the events whose named records do not hold it; lossless, needs ``particles_recipe``;
        chunks with the full list are checked here, ``particle_list.rebuildable``, chunks whose list the
        generator compacted already, named ``COMPACT_FIELD``, are written as they are: they must have been
        made with this writer's ``particles_recipe``) or ``"slim"`` (no particle list).
    particles_recipe : detectors.output.particle_list.ParticleRecipe, optional
        The recipe of ``record="compact"`` (``gen.core.events.particles_recipe``); stored as the metadata
        ``particles_recipe``, from which ``read_events`` rebuilds every emptied list.

    Use as a context manager; put the run description into ``writer.metadata`` (str -> str) before
    the block ends::

        with EventWriter("events.root") as w:
            for chunk in chunks:
                w.write(chunk)
            w.metadata["run_card"] = toml_text
    """

    def __init__(self, path: str | os.PathLike, basket_events: int = DEFAULT_BASKET_EVENTS, compression: str = "lz4",
                 format: str = "ttree", precision: str = "double", record: str = "full", particles_recipe=None):
        from detectors.output.storage import _check

        _check(precision, record)
        if (record == "compact") != (particles_recipe is not None):
            raise ValueError("record = 'compact' and particles_recipe go together (detectors.output.particle_list)")
        self.precision, self.record = precision, record
        self.particles_recipe = particles_recipe
        #: events written with their list emptied (rebuilt from the named records on reading)
        self.n_compacted = 0
        if basket_events < 1:
            raise ValueError(f"basket_events = {basket_events}: must be >= 1")
        if compression not in COMPRESSIONS:
            raise ValueError(f"compression = {compression!r}: allowed {', '.join(COMPRESSIONS)}")
        if format not in ROOT_FORMATS:
            raise ValueError(f"format = {format!r}: allowed {', '.join(ROOT_FORMATS)} (HepMC3 output: detectors.output.hepmc.HepMC3Writer)")
        self.format = format
        self._init_paths(path)
        self.basket_events = int(basket_events)
        self.metadata: dict[str, str] = {}
        # branch -> title (unit and meaning), set before the first write (TTree branch titles; both layouts
        # also store them as the JSON metadata ``branch_titles``)
        self.branch_titles: dict[str, str] = {}
        # name -> (number, title): the one-entry TTree ``run`` of numbers (exposure, seed, totals), written at close
        self.run_values: dict[str, tuple[float | int, str]] = {}
        self.n_written = 0
        self._buffer: list[ak.Array] = []
        self._n_buffered = 0
        self._tree = None
        self._form = None
        up = _uproot()
        codec = {"lz4": up.LZ4(1), "zlib": up.ZLIB(1), "zstd": up.ZSTD(1), "none": None}[compression]
        self._codec = codec
        #: TTree branches written uncompressed because their first values do not shrink (``incompressible_branches``)
        self.uncompressed_branches: list[str] = []
        try:
            self._file = up.recreate(self.tmp_path, compression=codec)
        except OSError as err:
            raise OutputError(f"cannot create the output {str(self.path)!r}: {err.strerror or err}") from err
        self._file_open = True

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
        if COMPACT_FIELD in events.fields and self.record != "compact":
            raise ValueError(f"EventWriter.write: events with the compact record's list {COMPACT_FIELD!r} need "
                             f"record = 'compact' and its particles_recipe (this writer: record = {self.record!r})")
        if self.record == "compact" and "particles" not in events.fields and COMPACT_FIELD in events.fields:
            # made by the generator (gen.sources.upscattering.iter_generate(compact=)): the list of every event that its
            # named records hold is empty already, by the test the check below makes (gen.core.event_kernel._compact_task)
            self.n_compacted += int(np.count_nonzero(np.diff(np.asarray(events[COMPACT_FIELD].layout.offsets)) == 0))
        elif self.record == "compact":
            from detectors.output.particle_list import compact_particles, rebuildable

            if "particles" not in events.fields:
                raise ValueError("EventWriter.write: record = 'compact' needs events with the particle list 'particles' "
                                 f"(or {COMPACT_FIELD!r}, the compact record's list made by the generator)")

            mask = rebuildable(events, self.particles_recipe)
            self.n_compacted += int(mask.sum())
            events = _replace_field(events, "particles", COMPACT_FIELD, compact_particles(events["particles"], mask))
        record = "full" if self.record == "compact" else self.record  # the list is compacted above
        if (self.precision, record) != ("double", "full"):
            from detectors.output.storage import apply_storage_policy

            events = apply_storage_policy(events, self.precision, record)
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
                # the TTree's flat names (N_px, nparticles, particles_pdg), so that the same RDataFrame
                # expressions and uproot field names work on both layouts; read_events rebuilds the
                # records (and their Momentum4D names) from awkward_form
                part = ak.to_packed(ak.zip(_flat_fields(part), depth_limit=1))
                if self._tree is None:
                    self._tree = self._file.mkrntuple(_TREE, part.layout.form, description="hnlgen events")
                self._tree.extend(part)
            else:
                data = _branch_dict(part)
                if self._tree is None:
                    self._tree = self._file.mktree(_TREE, {k: v.dtype if isinstance(v, np.ndarray) else v.type
                                                           for k, v in data.items()}, title="hnlgen events")
                    _set_branch_titles(self._tree, self.branch_titles)
                    self.uncompressed_branches = incompressible_branches(data, self._codec)
                    for name in self.uncompressed_branches:
                        self._tree[name].compression = None
                self._tree.extend(data)
            self.n_written += len(part)

    def _finish(self) -> None:
        """Flush, write the metadata strings, then the completeness marker last, and close the file."""
        if self._form is None:
            raise ValueError("EventWriter.close: no events were written (an empty tree has no branches to describe)")
        self._flush()
        for key, value in self.metadata.items():
            if not isinstance(value, str):
                raise TypeError(f"metadata[{key!r}] must be str (JSON or TOML text), got {type(value).__name__}")
            if key == COMPLETE_KEY:
                raise ValueError(f"metadata[{key!r}] is reserved for the completeness marker")
            if key == RECIPE_KEY:
                raise ValueError(f"metadata[{key!r}] is written by the writer of record = 'compact'")
            self._file[key] = value
        if self.particles_recipe is not None:
            self._file[RECIPE_KEY] = self.particles_recipe.to_json()
        if self.branch_titles:
            self._file["branch_titles"] = json.dumps(self.branch_titles, indent=0)
        if self.run_values:
            self._write_run_tree()
        self._file[_FORM_KEY] = json.dumps(self._form)
        self._file[COMPLETE_KEY] = json.dumps({"events": self.n_written, "format": self.format})
        self._file_open = False
        self._file.close()

    def _write_run_tree(self) -> None:
        """The one-entry TTree ``run``: numbers a ROOT user reads without parsing strings
        (``run->Scan("pot:seed:expected_final_state")``, ``uproot.open(f)["run"].arrays()``)."""

        data = {}
        for name, (value, _title) in self.run_values.items():
            if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
                raise TypeError(f"run_values[{name!r}] must be a number, got {type(value).__name__}")
            data[name] = np.array([value], dtype=np.int64 if isinstance(value, int | np.integer) else np.float64)
        tree = self._file.mktree("run", {k: v.dtype for k, v in data.items()}, title="hnlgen run: exposure, seed, totals")
        _set_branch_titles(tree, {k: t for k, (_v, t) in self.run_values.items()})
        tree.extend(data)

    def _release(self) -> None:
        if self._file_open:
            self._file_open = False
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
    layouts of ``EventWriter`` give the same array, and a file of the compact record gives the array of
    the full one: the lists it left empty are rebuilt from the named records with the file's
    ``particles_recipe`` (``detectors.output.particle_list``).
    """
    uproot = _uproot()
    with uproot.open(path) as f:
        form = json.loads(str(f[_FORM_KEY]))
        cls = f.classname_of(_TREE)
        arrays = f[_TREE].arrays(library="ak", entry_start=entry_start, entry_stop=entry_stop)
        recipe = str(f[RECIPE_KEY]) if RECIPE_KEY in f else None
    nested = cls in _RNTUPLE_CLASSES and all(name in arrays.fields for name in form["fields"])
    # RNTuples of hnlgen < 0.2 kept the records nested (N.px); they still read back
    out = _restore_names(form, arrays) if nested else _rebuild(form, arrays)
    if recipe is not None:
        # the compact record: every list comes back as ``particles``, the emptied ones from the named records
        # (detectors.output.particle_list)
        from detectors.output.particle_list import rebuild_particles, recipe_from_json

        out = ak.to_packed(out)
        if COMPACT_FIELD not in out.fields:
            raise InputFileError(f"{path}: {RECIPE_KEY} without the field {COMPACT_FIELD!r} (not a compact hnlgen file)")
        try:
            full = rebuild_particles(out, recipe_from_json(recipe), stored=out[COMPACT_FIELD])
        except ValueError as err:
            raise InputFileError(f"{path}: {err}") from None
        out = _replace_field(out, COMPACT_FIELD, "particles", full)
    # re-pack so that the layout (offsets, dtypes) is the canonical one of a freshly built array
    return ak.to_packed(out)


def read_metadata(path: str | os.PathLike) -> dict[str, str]:
    """All TObjString objects of the file (run card, model, expected events, ...) as str; the completeness
    marker is checked by :func:`check_complete`, not returned."""
    uproot = _uproot()
    out = {}
    with uproot.open(path) as f:
        for key, cls in f.classnames().items():
            if cls == "TObjString" and key.split(";")[0] != COMPLETE_KEY:
                out[key.split(";")[0]] = str(f[key])
    return out


def check_complete(path: str | os.PathLike) -> dict:
    """Raise ``InputFileError`` unless ``path`` is a ROOT file closed by hnlgen; return its marker.

    A complete file is as long as its header's fEND and holds :data:`COMPLETE_KEY` (written last by
    ``EventWriter.close``) whose event count equals the entries of ``events``. Missing, unreadable, non-ROOT, truncated (renamed partial) files
    are refused with one line naming the file.
    """
    uproot = _uproot()
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"{str(p)!r}: {'is a directory' if p.is_dir() else 'no such file'}")
    try:
        with uproot.open(p) as f:
            size, end = p.stat().st_size, f.file.fEND
            if size < end:
                raise InputFileError(f"{str(p)!r}: truncated ROOT file ({size} of {end} bytes)")
            keys = {k.split(";")[0] for k in f.keys(recursive=False)}
            if COMPLETE_KEY not in keys:
                raise InputFileError(f"{str(p)!r}: no {COMPLETE_KEY!r} marker: not a complete hnlgen output file "
                                     "(interrupted or renamed partial file, or written by another program)")
            marker = json.loads(str(f[COMPLETE_KEY]))
            n = f[_TREE].num_entries if _TREE in keys else None
    except InputFileError:
        raise
    except Exception as err:  # uproot raises many types for non-ROOT or truncated files
        raise InputFileError(f"{str(p)!r}: not a readable ROOT file ({type(err).__name__}: {err})") from err
    if n != marker.get("events"):
        raise InputFileError(f"{str(p)!r}: {n} events in the file but {marker.get('events')} written: incomplete file")
    return marker
