"""Numba kernels from uniforms to finished event columns: compaction and the fused event kernel.

* ``compact_kernel``: fixed particle slots (what ``gen.core.kernels.cascade_kernel`` fills) -> the column
  layout of ``gen.core.events.ColumnBuffer``.
* ``event_kernel``: ``gen.core.kernels.production_kernel``, the hard-process slots, ``cascade_kernel`` and
  ``compact_kernel`` fused per task of events, the path ``gen.sources.upscattering`` runs. Each task's slot arrays
  stay in the core's cache and the event columns are written once, one output row at a time. With the compact
  record's templates (``gen.core.tables.CompactTables``) it writes no particle rows for the events whose named
  records hold their list (``_compact_task``).

Private module (STYLE.md section 4); the per-task functions are those of ``gen.core.kernels``, so both
paths give the same events (tests/gen/test_event_kernel.py).
"""

import concurrent.futures
import threading

import numba
import numpy as np

from gen.core.kernels import (
    _TASK,
    STATUS_BEAM,
    STATUS_FINAL,
    STATUS_TARGET,
    _cascade_task,
    _production_task,
)
from physics import pdg as pdg_codes
from physics._jit import jit, jitable

EVENT_TASK = 256  # events per task of event_kernel: its slot arrays (~0.5 MB with 16 slots) stay in the L2 cache


# ------------------------------------------------------------------------------- compaction
@jitable
def _named_slots(pdg, status, parent, npart, ev, slot_n):
    """Particle indices of the named fields of event ``ev`` (-1 when absent): first Z' (pdg 32), first final
    l- (11, 13, 15), first final l+, first final light neutrino after ``slot_n`` (|pdg| 12, 14, 16, 18), and
    the first daughter of the particle in ``slot_n`` (its decay vertex)."""
    iz = -1
    im = -1
    ip = -1
    inu = -1
    idau = -1
    for i in range(max(npart[ev], 0)):
        p = pdg[ev, i]
        fin = status[ev, i] == 1
        if p == pdg_codes.ZPRIME and iz < 0:
            iz = i
        elif fin and (p == pdg_codes.ELECTRON or p == pdg_codes.MUON or p == pdg_codes.TAU) and im < 0:
            im = i
        elif fin and (p == -pdg_codes.ELECTRON or p == -pdg_codes.MUON or p == -pdg_codes.TAU) and ip < 0:
            ip = i
        elif fin and i > slot_n and inu < 0:
            ap = abs(p)
            if ap == pdg_codes.NU_E or ap == pdg_codes.NU_MU or ap == pdg_codes.NU_TAU or ap == pdg_codes.NU_S:
                inu = i
        if i > slot_n and parent[ev, i] == slot_n and idau < 0:
            idau = i
    return iz, im, ip, inu, idau


@jit
def _compact_task(e0, e1, pdg, status, parent, p4, vtx, npart, slot_n, hsel, chcode, ctab, hard, named, named_vtx,
                  named_pdg, counts, f_int, f_kin, col0, k):
    """Events ``[e0, e1)`` of the slot arrays -> columns ``col0 + (ev - e0)`` of hard, named, named_vtx, named_pdg,
    counts and the particle rows from ``k`` on (``compact_kernel``); returns the next particle row. An event
    with a negative count (cascade overflow) gets no particle rows and count -1.

    The compact record (issue 16): an event whose list the named records hold gets no particle rows and count 0,
    the list that ``detectors.output.particle_list.rebuild_particles`` rebuilds from its template. ``hsel[ev]`` is
    the row of ``ctab.head`` of the event's production channel (-1: the event keeps its list; all -1 without a
    compact record), ``chcode[ev]`` its ``channel`` code. The test is the writer's
    (``detectors.output.particle_list._check``), made here on the slots while they are in the cache: a template
    of the event's codes (N PDG, ``channel``, ell_minus_pdg, ell_plus_pdg, nu_out_pdg: ``ctab.keys``; scanned from
    the previous event's), as many particles as its rows, and each particle's PDG code, status and mother those of
    its row, its four-momentum the named record's slot itself (the named records are copies of the slots,
    ``_named_slots``, so the rebuild copies the same bits; the writer compares the values, which differs only for a
    NaN: the kernel leaves that list out too, and the rebuild gives the NaN's bits back) and its vertex equal to the
    named vertex's (zeros at the origin).

    A cached kernel of its own (``@jit``, not ``@jitable``; its callers link and inline it all the same): on
    a cold start the main process compiles it into the cache while the ``gen.core.precompile`` helper
    compiles the rest of ``_event_part``, which then loads it (issue 16).

    Written one output row at a time (the outer loops run over the rows): each row is then one
    sequential stream, which the hardware prefetches and fills in whole cache lines, instead of ~60
    interleaved streams of a few bytes per event.
    """
    m = e1 - e0
    sel = np.empty((m, 6), np.int64)
    head, head_len, tail, tail_len, keys = ctab.head, ctab.head_len, ctab.tail, ctab.tail_len, ctab.keys
    nk = keys.shape[0]
    t_last = 0
    for j in range(m):
        ev = e0 + j
        iz, im, ip, inu, idau = _named_slots(pdg, status, parent, npart, ev, slot_n)
        sel[j, 0] = iz
        sel[j, 1] = im
        sel[j, 2] = ip
        sel[j, 3] = inu
        sel[j, 4] = idau
        lm = pdg[ev, im] if im >= 0 else 0
        lp = pdg[ev, ip] if ip >= 0 else 0
        nu = pdg[ev, inu] if inu >= 0 else 0
        named_pdg[0, col0 + j] = lm
        named_pdg[1, col0 + j] = lp
        named_pdg[2, col0 + j] = nu
        n = npart[ev]
        h = hsel[ev]
        held = False
        if h >= 0 and n > 0:
            t = -1
            npdg, ch = pdg[ev, slot_n], chcode[ev]
            for q in range(nk):
                r = t_last + q
                if r >= nk:
                    r -= nk
                if keys[r, 0] == npdg and keys[r, 1] == ch and keys[r, 2] == lm and keys[r, 3] == lp and keys[r, 4] == nu:
                    t = r
                    break
            if t >= 0 and n == head_len[h] + tail_len[t]:
                t_last = t
                held = True
                nh = head_len[h]
                # row by row, all fields at once, leaving at the first difference (no call per row: a numba call with
                # array arguments costs their reference counts)
                for i in range(n):
                    if i < nh:
                        pp, st, mo, iq, iv = head[h, i, 0], head[h, i, 1], head[h, i, 2], head[h, i, 3], head[h, i, 4]
                    else:
                        q = i - nh
                        pp, st, mo, iq, iv = tail[t, q, 0], tail[t, q, 1], tail[t, q, 2], tail[t, q, 3], tail[t, q, 4]
                    # the slot of the named four-vector iq: hard records are slots 0-3, the others _named_slots'
                    src = iq if iq < 4 else sel[j, iq - 4]
                    same = pdg[ev, i] == pp and status[ev, i] == st and parent[ev, i] == mo and src == i
                    if iv == 0:
                        same &= vtx[ev, i, 0] == 0.0 and vtx[ev, i, 1] == 0.0 and vtx[ev, i, 2] == 0.0 and vtx[ev, i, 3] == 0.0
                    else:
                        sv = sel[j, 4] if iv == 1 else sel[j, 1]
                        if sv >= 0:
                            same &= (vtx[ev, i, 0] == vtx[ev, sv, 0] and vtx[ev, i, 1] == vtx[ev, sv, 1]
                                     and vtx[ev, i, 2] == vtx[ev, sv, 2] and vtx[ev, i, 3] == vtx[ev, sv, 3])
                        else:
                            same &= (vtx[ev, i, 0] == 0.0 and vtx[ev, i, 1] == 0.0 and vtx[ev, i, 2] == 0.0
                                     and vtx[ev, i, 3] == 0.0)
                    if not same:
                        held = False
                        break
        sel[j, 5] = 0 if held else max(n, 0)
        counts[col0 + j] = 0 if held else n
    for s in range(4):
        for c in range(4):
            for j in range(m):
                hard[s, c, col0 + j] = p4[e0 + j, s, c]
    for s in range(4):
        for c in range(4):
            for j in range(m):
                i = sel[j, s]
                named[s, c, col0 + j] = p4[e0 + j, i, c] if i >= 0 else 0.0
    for v in range(2):
        for c in range(4):
            for j in range(m):
                i = sel[j, 4] if v == 0 else sel[j, 1]
                named_vtx[v, c, col0 + j] = vtx[e0 + j, i, c] if i >= 0 else 0.0
    for r in range(3):
        kk = k
        for j in range(m):
            ev = e0 + j
            for i in range(sel[j, 5]):
                f_int[r, kk] = pdg[ev, i] if r == 0 else (status[ev, i] if r == 1 else parent[ev, i])
                kk += 1
    for c in range(4):
        kk = k
        for j in range(m):
            ev = e0 + j
            for i in range(sel[j, 5]):
                f_kin[c, kk] = p4[ev, i, c]
                kk += 1
    for c in range(4):
        kk = k
        for j in range(m):
            ev = e0 + j
            for i in range(sel[j, 5]):
                f_kin[4 + c, kk] = vtx[ev, i, c]
                kk += 1
    return kk


@jit(parallel=True)
def compact_kernel(pdg, status, parent, p4, vtx, npart, slot_n, ctab, hard, named, named_vtx, named_pdg, counts, f_int,
                   f_kin):
    """Fixed particle slots -> the column layout of ``gen.core.events`` (struct of arrays).

    Outputs, for the n events of the block (last axis = event or particle, so each row is a
    contiguous column):

    * ``hard`` (4, 4, n): slots 0..3 (projectile, target, recoil, N) as (px, py, pz, E);
    * ``named`` (4, 4, n): first Z' (pdg 32), first final l- (11, 13, 15), first final l+, first
      final light neutrino after slot ``slot_n`` (|pdg| 12, 14, 16, 18); zeros when absent;
    * ``named_vtx`` (2, 4, n): decay vertex of the particle in ``slot_n`` (production vertex of its
      first daughter) and production vertex of the first final l-; zeros when absent;
    * ``named_pdg`` (3, n): PDG codes of the named l-, l+ and neutrino (0 when absent);
    * ``counts`` (n,): particles of each event (``npart``, -1 for an overflow);
    * ``f_int`` (3, >= sum npart): pdg, status, parent; ``f_kin`` (8, >= sum npart): px, py, pz, E,
      x, y, z, t of every particle, events in order.

    ``ctab`` (``gen.core.tables.CompactTables``) is read for its table shapes only: every event keeps its list here
    (the compact record is made by ``event_kernel``).
    """
    n = pdg.shape[0]
    offsets = np.empty(n + 1, dtype=np.int64)
    offsets[0] = 0
    for ev in range(n):
        offsets[ev + 1] = offsets[ev] + max(npart[ev], 0)
    hsel = np.full(n, -1, np.int64)
    chcode = np.zeros(n, np.int64)
    n_tasks = (n + _TASK - 1) // _TASK
    for t in numba.prange(n_tasks):
        e0 = t * _TASK
        _compact_task(e0, min(n, e0 + _TASK), pdg, status, parent, p4, vtx, npart, slot_n, hsel, chcode, ctab, hard,
                      named, named_vtx, named_pdg, counts, f_int, f_kin, e0, offsets[e0])


# ------------------------------------------------------------------------------- whole events
@jit(nogil=True)
def _event_part(ps, pe, u, seeds, first_event, col0, k, flux, chans, decay, ctab, out, d_int, d_kin, slots, task):
    """Events ``[ps, pe)`` of ``event_kernel``'s block -> their event columns; particle rows go to ``d_int``,
    ``d_kin`` from row ``k`` on. Returns the number of particle rows written.

    Serial and without the GIL (``nogil``): ``event_kernel`` runs one call per part in its own thread.
    """
    ch_icode, ch_pol, ch_root, ch_br, ch_origin = chans.codes, chans.pol, chans.root, chans.br, decay.ch_origin
    event, f_sc, i_sc, counts, hard, named, named_vtx = out.event, out.f_sc, out.i_sc, out.counts, out.hard, out.named, out.named_vtx
    ch_head = ctab.ch_head
    T = task
    chan = np.empty(T, np.int64)
    hsel = np.empty(T, np.int64)
    chcode = np.empty(T, np.int64)
    E = np.empty(T)
    Q2 = np.empty(T)
    w = np.empty(T)
    ybin = np.empty(T, np.int64)
    p4 = np.zeros((T, slots, 4))
    vtx = np.zeros((T, slots, 4))
    pdg = np.zeros((T, slots), np.int64)
    status = np.zeros((T, slots), np.int64)
    parent = np.zeros((T, slots), np.int64)
    pol = np.zeros((T, slots))
    state_of = np.zeros((T, slots), np.int64)
    chosen = np.zeros((T, slots), np.int64)
    npart = np.zeros(T, np.int64)
    k_start = k
    for e0 in range(ps, pe, T):
        e1 = min(pe, e0 + T)
        m = e1 - e0
        _production_task(e0, e1, e0, u, flux, chans, chan, E, Q2, w, ybin, p4)
        for j in range(m):
            c = chan[j]
            pdg[j, 0] = ch_icode[c, 0]
            pdg[j, 1] = ch_icode[c, 6]
            pdg[j, 2] = ch_icode[c, 6]
            pdg[j, 3] = ch_icode[c, 7]
            status[j, 0] = STATUS_BEAM
            status[j, 1] = STATUS_TARGET
            status[j, 2] = STATUS_FINAL
            status[j, 3] = STATUS_FINAL
            for i in range(4):
                parent[j, i] = -1 if i < 2 else 0
                pol[j, i] = 0.0
                state_of[j, i] = -1
                chosen[j, i] = -1
                for q in range(4):
                    vtx[j, i, q] = 0.0
            pol[j, 3] = ch_pol[c]
            state_of[j, 3] = ch_root[c]
        _cascade_task(0, m, seeds[e0:e1], 4, pdg, status, parent, p4, vtx, pol, state_of, npart, chosen, decay)
        for j in range(m):
            col = col0 + e0 + j
            c = chan[j]
            event[col] = first_event + e0 + j
            f_sc[0, col] = w[j] * ch_br[c]
            f_sc[1, col] = 1.0
            f_sc[2, col] = E[j]
            f_sc[3, col] = Q2[j]
            for r in range(6):
                i_sc[r, col] = ch_icode[c, r]
            chn = chosen[j, 3]
            chcode[j] = ch_origin[chn] if chn >= 0 else -1
            i_sc[6, col] = chcode[j]
            hsel[j] = ch_head[c]
        k = _compact_task(0, m, pdg, status, parent, p4, vtx, npart, 3, hsel, chcode, ctab, hard, named, named_vtx,
                          out.named_pdg, counts, d_int, d_kin, col0 + e0, k)
    return k - k_start


_POOL = None  # worker threads of event_kernel's parts after the first (created on first use, grown when needed)
_POOL_LOCK = threading.Lock()


def thread_pool(workers: int) -> concurrent.futures.ThreadPoolExecutor:
    """A thread pool with at least ``workers`` threads. A smaller one is replaced, not shut down (a caller in
    another thread may still submit to it; its idle threads end when it is garbage-collected)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL._max_workers < workers:
            _POOL = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hnlgen-event-part")
        return _POOL


def event_kernel(u, seeds, first_event, n_parts, col0, k0, flux, chans, decay, ctab, out, s_int, s_kin, slots, task):
    """Uniforms and cascade seeds of n events -> finished event columns (``gen.core.events.ColumnBuffer``).

    Named inputs (``gen.core.tables``): ``flux`` (``FluxTables``), ``chans`` (``ChannelTables``), ``decay``
    (``DecayTables``), ``ctab`` (``CompactTables``: the compact record's templates, or none), ``out``
    (``EventColumns``, the outputs).
    ``production_kernel``, the hard-process slots, ``cascade_kernel`` and ``compact_kernel`` fused per
    task of ``task`` events (``EVENT_TASK``), whose slot arrays stay in the core's cache: memory is
    written once, in the output layout. The N is in slot 3 (``gen.core.events.SLOT_N``). Event ``i``
    (``u[i]``, ``seeds[i]``, event number ``first_event + i``) goes to column ``col0 + i`` of
    ``out.event``, ``out.f_sc`` (weight, w_fiducial = 1, E_nu, Q2), ``out.i_sc`` (``chans.codes`` columns 0-5:
    projectile, target, regime, helicity, helicity_flip, hnl codes; then the decay channel of the N,
    ``decay.ch_origin`` of its graph channel or -1), ``out.counts`` (particles; -1 if the cascade overflowed
    ``slots``; 0 for an event whose list the named records hold, with a compact record ``ctab``:
    ``_compact_task``), ``out.hard``, ``out.named``, ``out.named_vtx``, ``out.named_pdg``; particle rows go to ``out.f_int``, ``out.f_kin``
    from row ``k0`` on, events in order. ``chans.codes`` columns 6 and 7 are the PDG codes of the struck
    particle and of the N in the particle list.

    The events are split into ``n_parts`` contiguous parts, each one call of the serial kernel
    ``_event_part`` in its own thread (the first in the calling thread; the kernel releases the GIL). The
    first part writes its particle rows in place; the others, whose first row is known only when the parts
    before them are done, write to ``s_int``, ``s_kin`` (>= (n - ceil(n / n_parts)) * slots rows) and are
    copied after. Returns the number of particle rows written.

    Why threads rather than ``numba.prange`` (issue 16, cold start): a ``parallel=True`` kernel is lowered
    into a gufunc, its wrapper, the thread-pool wrapper and the kernel, and numba links and optimises the
    whole inlined production/cascade/compaction tree again at each of these levels: ~19 s of CPU to compile
    against ~11 s for the serial ``_event_part``. Each part is the same serial code either way, so the
    events are bit-identical.
    """
    n = u.shape[0]
    part_len = (n + n_parts - 1) // n_parts
    bounds = [(p * part_len, min(n, p * part_len + part_len)) for p in range(n_parts)]
    pool = thread_pool(n_parts - 1) if n_parts > 1 else None
    futures = [pool.submit(_event_part, ps, pe, u, seeds, first_event, col0, (ps - part_len) * slots, flux, chans,
                           decay, ctab, out, s_int, s_kin, slots, task)
               for ps, pe in bounds[1:]]
    try:
        rows = [_event_part(0, bounds[0][1], u, seeds, first_event, col0, k0, flux, chans, decay, ctab, out, out.f_int,
                            out.f_kin, slots, task)]
    finally:  # no part keeps writing into the outputs after this returns or raises
        concurrent.futures.wait(futures)
    rows += [f.result() for f in futures]
    # parts 1, 2, ...: staging -> their place after the parts before them
    dst = k0 + rows[0]
    for p in range(1, n_parts):
        src = (p * part_len - part_len) * slots
        out.f_int[:, dst:dst + rows[p]] = s_int[:, src:src + rows[p]]
        out.f_kin[:, dst:dst + rows[p]] = s_kin[:, src:src + rows[p]]
        dst += rows[p]
    return dst - k0
