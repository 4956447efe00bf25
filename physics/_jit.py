"""The one place numba options are set (STYLE.md section 4)."""

import functools

import numba
import numba.extending

jit = functools.partial(numba.njit, cache=True, error_model="numpy")
jit_parallel = functools.partial(numba.njit, cache=True, error_model="numpy", parallel=True)
jitable = numba.extending.register_jitable
