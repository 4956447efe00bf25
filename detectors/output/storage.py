"""Storage policy of the event files: the precision of each branch and the slim / full record.

The ONE place where what is written is decided (``EventWriter`` applies it to every chunk at write
time; the in-memory arrays of ``gen.generate`` stay in double precision). Branch definitions elsewhere
do not carry a storage dtype.

Precision ``"mixed"`` (the default of ``hnlgen run``) stores as float32 (IEEE single, unit roundoff
u = 2^-24 = 6.0e-8):

* every four-vector record (fields ``px, py, pz, E``: the named particles of MiniBooNE/custom and
  NA62 files, e.g. ``N``, ``ell_minus``, ``K``, ``bp``) and every vertex record (fields ``x, y, z``
  and optionally ``t``: ``vertex``, ``N_decay_vertex``, ``vtx_K``, ...);
* the particle list's ``px, py, pz, E, x, y, z, t``;
* the reconstructed observables of ``FLOAT32_SCALARS`` (MiniBooNE ``E_vis``, ``E_QE``, ``cos_theta``,
  ...; MINERvA/CHARM-II ``E_shower``, ``E_theta2``, ...; NA62 ``m_ll``, ``m2_N``, ...), computed in double and rounded once.

NA62 events (records ``K``, ``a``, ``N``, ``bm``, ``bp``) keep their four-vectors, vertices and particle
list in double: at 75 GeV a float32 four-vector fixes the kaon mass only to ~1e-4 GeV (u E^2/m), and
``hnlgen reweight`` identifies the parent by that mass and recovers each flight's uniform from the
stored vertices. Only their reconstructed observables are float32.

Everything else keeps its dtype: weights and probabilities (``weight``, ``w_*``, ``weight_*``,
``P_*``: sums over 1e8 events), ``E_nu`` and ``Q2`` (the reweighting inputs), integer codes, event numbers.

What this precision means (per stored number relative error <= u; quantities derived by the reader):

* an invariant mass m computed from float32 four-momenta: |delta(m^2)| <= 3 u (E^2 + |p|^2) summed
  over the momenta added (each component rounded once, the sums and squares done by the reader in
  double), so delta m <= 3 u sum(E^2 + |p|^2) / (2 m): for the light-Z' card's e+e- pair
  (m = 30 MeV, E ~ 1 GeV) about 1e-5 GeV, 3e-4 relative; m_N (420 MeV) 1e-6 relative. The mass of a
  massless or nearly massless particle (a light neutrino) from its own four-vector is not
  meaningful below sqrt(6 u) E = 6e-4 E: use the known mass.
* the kinetic energy of a heavy recoil, E - M: absolute error u M (0.7 keV for C12): use ``Q2``
  (double), T = Q2 / (2 M);
* directions (cos theta) and energies: relative error <= 2 u;
* vertices: relative error u (2 um at 100 m from the target in NA62 files).

``tests/detectors/test_storage.py`` checks these bounds on generated events (invariant masses,
E_QE and cos theta from the stored float32 branches against the double truth). ``"double"`` keeps
every float64 (exact round trip: what reweighting regression tests use).

Record ``"full"`` (default of the writer) writes every field. ``"compact"`` (default of ``hnlgen run`` where the
named records hold >= 50% of the lists: the bundled upscattering cards and the NA62 cards) empties the particle
list of every event whose list its named records hold, checked
event by event against the rebuild, and ``detectors.output.root.read_events`` rebuilds it: lossless, and
the same awkward form as ``"full"`` (``detectors.output.particle_list``; ``EventWriter`` applies it before
this policy). ``"slim"`` leaves out the particle list
``particles`` when the event has named records (MiniBooNE/custom: the hard process and the first Z',
l-, l+, light nu with the N and l- vertices hold the same numbers for the N -> nu Z' -> nu l+l-
cascade; longer cascades are in the particle list only, so use ``full`` for them, and for
``hnlgen reweight``, which needs the particle list of MiniBooNE/custom files).
"""

from __future__ import annotations

import awkward as ak
import numpy as np

__all__ = ["COMPACT_FIELD", "FLOAT32_SCALARS", "PRECISIONS", "RECIPE_KEY", "RECORDS", "UNIT_ROUNDOFF_F32", "StorageRangeError", "apply_storage_policy",
           "storage_dtype"]

PRECISIONS = ("mixed", "double")
RECORDS = ("full", "compact", "slim")
#: metadata key of the recipe (JSON) in a file written with the compact record (detectors.output.particle_list)
RECIPE_KEY = "particles_recipe"
#: the field (branches ``nparticle_list``, ``particle_list_pdg``, ...) a compact file stores instead of ``particles``:
#: the list of the events whose named records do not hold it, empty for the others. Another name than
#: ``particles`` so that code written for full files (``particles_px[3]`` in RDataFrame) stops with "undeclared
#: identifier" on a compact file instead of reading past an empty list.
COMPACT_FIELD = "particle_list"
UNIT_ROUNDOFF_F32 = 2.0 ** -24

_P4 = {"px", "py", "pz", "E"}
_X3 = {"x", "y", "z"}
_X4 = {"x", "y", "z", "t"}
_PARTICLE_FLOAT32 = {"px", "py", "pz", "E", "x", "y", "z", "t"}
_NA62_MARK = {"K", "a", "N", "bm", "bp"}  # the named records of an NA62 event (gen.sources.meson_decay_run)

#: Flat float fields stored as float32 (reconstructed observables; computed in double, rounded once).
FLOAT32_SCALARS = frozenset({
    # MiniBooNE (detectors.miniboone.response.RECO_BRANCHES)
    "E_vis", "E_QE", "E_QE_seed003", "cos_theta", "vertex_radius", "theta_ee", "E_soft",
    # MINERvA / CHARM-II (detectors.nue_elastic.response.NUE_RECO_BRANCHES; region and weights stay exact)
    "E_shower", "theta_shower", "E_theta2", "dEdx_start",
    # NA62 (gen.sources.meson_decay_run.NA62_RECO_DOCS) and their truth_ twins
    "m_ll", "m2_N", "m2_miss", "m2_lnu", "m2_lll", "dtheta_bb", "theta_Zp", "E_Zp",
    "truth_m_ll", "truth_m2_N", "truth_m2_miss", "truth_m2_lnu", "truth_m2_lll", "truth_dtheta_bb",
    "truth_theta_Zp", "truth_E_Zp",
    "vtx_bb_z", "vtx_bb_cda", "vtx_Ka_z", "vtx_Ka_cda", "truth_vtx_bb_z", "truth_vtx_Ka_z",
})


class StorageRangeError(ValueError):
    """A value of a float32 branch is finite in double but beyond the float32 range (|x| > 3.4e38)."""


_F32_MAX = float(np.finfo(np.float32).max)


def _to_float32(data: np.ndarray, name: str) -> np.ndarray:
    with np.errstate(over="ignore"):  # overflow is checked just below
        out = data.astype(np.float32)
    inf = np.isinf(out)
    if not inf.any():  # the common case: one pass over the output
        return out
    big = inf & np.isfinite(data)
    if big.any():
        raise StorageRangeError(f"branch {name}: value {data[big][0]:.3g} is beyond the float32 range (|x| <= {_F32_MAX:.3g}); "
                                "write it with --precision double (storage precision, detectors.output.storage)")
    return out


def storage_dtype(field: str, component: str | None, sub_fields: frozenset | None, precision: str) -> np.dtype | None:
    """Storage dtype of ``field`` (``component`` of a record or list field), or None to keep it.

    ``sub_fields`` are the fields of the record (None for a flat field); ``field == "particles"``
    is the particle list.
    """
    if precision == "double":
        return None
    if component is None:
        return np.dtype(np.float32) if field in FLOAT32_SCALARS else None
    if field == "particles":
        return np.dtype(np.float32) if component in _PARTICLE_FLOAT32 else None
    if sub_fields == _P4 or sub_fields in (_X3, _X4):
        return np.dtype(np.float32)
    return None


def _check(precision: str, record: str) -> None:
    if precision not in PRECISIONS:
        raise ValueError(f"precision = {precision!r}: allowed {', '.join(PRECISIONS)}")
    if record not in RECORDS:
        raise ValueError(f"record = {record!r}: allowed {', '.join(RECORDS)}")


def _is_float64(layout) -> bool:
    return isinstance(layout, ak.contents.NumpyArray) and layout.data.dtype == np.float64


def _convert_record(content: ak.contents.RecordArray, field: str, precision: str) -> ak.contents.RecordArray:
    subs = frozenset(content.fields)
    new = []
    changed = False
    for comp, c in zip(content.fields, content.contents):
        dt = storage_dtype(field, comp, subs, precision)
        if dt is not None and _is_float64(c):
            new.append(ak.contents.NumpyArray(_to_float32(np.asarray(c.data), f"{field}.{comp}")))
            changed = True
        else:
            new.append(c)
    if not changed:
        return content
    return ak.contents.RecordArray(new, content.fields, length=content.length, parameters=content.parameters)


def apply_storage_policy(events: ak.Array, precision: str = "mixed", record: str = "full") -> ak.Array:
    """The array as it is stored: float32 branches per ``storage_dtype``, ``particles`` dropped by ``slim``.

    ``events`` must be packed (``ak.to_packed``: no indexed layouts, as ``EventWriter.write`` ensures).
    Fields of other layouts are passed through unchanged.
    """
    _check(precision, record)
    layout = events.layout
    if not isinstance(layout, ak.contents.RecordArray):
        raise TypeError("apply_storage_policy: events must be a record array")
    named = any(isinstance(c, ak.contents.RecordArray) and frozenset(c.fields) == _P4 for c in layout.contents)
    na62 = _NA62_MARK <= set(layout.fields)
    fields, contents = [], []
    for name, c in zip(layout.fields, layout.contents):
        if record == "slim" and name == "particles" and named:
            continue
        if na62 and not _is_float64(c):
            pass  # NA62: four-vectors, vertices and the particle list stay double (module docstring)
        elif isinstance(c, ak.contents.RecordArray):
            c = _convert_record(c, name, precision)
        elif isinstance(c, ak.contents.ListOffsetArray) and isinstance(c.content, ak.contents.RecordArray):
            inner = _convert_record(c.content, name, precision)
            if inner is not c.content:
                c = ak.contents.ListOffsetArray(c.offsets, inner, parameters=c.parameters)
        elif _is_float64(c):
            dt = storage_dtype(name, None, None, precision)
            if dt is not None:
                c = ak.contents.NumpyArray(_to_float32(np.asarray(c.data), name), parameters=c.parameters)
        fields.append(name)
        contents.append(c)
    return ak.Array(ak.contents.RecordArray(contents, fields, length=layout.length, parameters=layout.parameters))
