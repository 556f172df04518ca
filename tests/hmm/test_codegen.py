"""The hot loops compile to packed SIMD code (verify, don't assume)."""
import re

import numba
import numpy as np
import pytest

from fastapml._numba import FASTMATH
from fastapml.hmm import _kernels
from fastapml.hmm._inputs import tiled_rows


@pytest.mark.parametrize("dtype, suffix", [(np.float64, "pd"), (np.float32, "ps")])
def test_maxplus_inner_loop_is_packed(dtype, suffix):
    # A fresh, uncached compile of the kernel so its assembly can be read.
    fresh = numba.njit(fastmath=set(FASTMATH))(_kernels._maxplus.py_func)
    k = 45
    tiles, n_cols, _, _ = tiled_rows(np.zeros((k, k), dtype=dtype), k)
    best = np.empty(tiles.shape[0] * tiles.shape[2], dtype=dtype)
    live = np.arange(k)[None, :].copy()
    args = (np.zeros(k, dtype=dtype), tiles, live, 0, k, best,
            np.empty_like(best), n_cols, 0, tiles.shape[0])
    fresh(*args)
    asm = fresh.inspect_asm(fresh.signatures[0])
    # packed add, compare and max on 128/256/512-bit registers
    for op in ("vadd", "vcmp", "vmax"):
        assert re.search(rf"{op}\w*{suffix}\s+.*%[xyz]mm", asm), op
    # and the results are right: all-zero scores give 0 at every column
    assert (best[:k] == 0).all() and (args[6][:k] == 0).all()
