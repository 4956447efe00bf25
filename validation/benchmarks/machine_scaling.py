"""How much two threads gain over one on this machine, by where the data of a loop lives (issue 16).

Three numba loops without the GIL, each run by one thread and then by two threads at once on data of their own:

* ``registers``: a chain of sin/log1p on one scalar (the arithmetic of the event kernels, no memory);
* ``L2``: a multiply-add over two 128 kB arrays, 20,000 times (resident in each core's L2 cache);
* ``DRAM``: the same over two 200 MB arrays (streamed from main memory).

The gain of two threads ("x2.00" when the cores are independent) bounds what overlapping the phases of ``hnlgen run``
can give: its kernels write and read event columns far beyond the caches. On the development machine (2 vCPUs,
AMD EPYC, session 13, 5 repetitions): registers x1.88-1.97, L2 x1.76-2.02, DRAM x1.09-1.27 (27-32 GB/s on one
thread, 32-37 GB/s on two). Usage: ``python validation/benchmarks/machine_scaling.py [--reps 3]``.
"""

from __future__ import annotations

import argparse
import math
import threading
import time

import numba
import numpy as np


@numba.njit(nogil=True)
def _registers(n):
    s = 0.0
    x = 1.0
    for _ in range(n):
        x = x * 1.0000001 + 1e-9
        s += math.sin(x) * math.log1p(x)
    return s


@numba.njit(nogil=True)
def _stream(a, b, reps):
    for _ in range(reps):
        for i in range(a.shape[0]):
            b[i] = a[i] * 1.0000001 + 1.0


def _timed(f, args_of, k: int) -> float:
    threads = [threading.Thread(target=f, args=args_of(i)) for i in range(k)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=3)
    args = p.parse_args()
    n_dram = 25_000_000  # 200 MB per array
    big = [(np.ones(n_dram), np.ones(n_dram)) for _ in range(2)]
    small = [(np.ones(16_384), np.ones(16_384)) for _ in range(2)]
    _registers(10)
    _stream(small[0][0], small[0][1], 1)
    for _ in range(args.reps):
        r1 = _timed(_registers, lambda i: (50_000_000,), 1)
        r2 = _timed(_registers, lambda i: (50_000_000,), 2)
        l1 = _timed(_stream, lambda i: (*small[i], 20_000), 1)
        l2 = _timed(_stream, lambda i: (*small[i], 20_000), 2)
        d1 = _timed(_stream, lambda i: (*big[i], 4), 1)
        d2 = _timed(_stream, lambda i: (*big[i], 4), 2)
        gb = 16 * n_dram * 4 / 1e9  # bytes read and written per thread
        print(f"two threads over one: registers x{2 * r1 / r2:.2f}, L2 x{2 * l1 / l2:.2f}, DRAM x{2 * d1 / d2:.2f} "
              f"({gb / d1:.1f} GB/s on one thread, {2 * gb / d2:.1f} GB/s on two)")


if __name__ == "__main__":
    main()
