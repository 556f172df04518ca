"""The convolution microkernel compiles to register tiles (verify, don't assume)."""
import re

import numba
import numpy as np
import pytest

from fastapml._numba import FASTMATH
from fastapml.nn._microkernel import MAX_ROWS, tile


def _forward_like(a, taps, b, init, c, n_outer, rows):
    tile(a, 0, 64, taps, 0, taps.shape[0], n_outer, b, 0, 0, None, init, 0,
         c, 0, 1, 64, 32, 2, rows)


@pytest.mark.parametrize("dtype, suffix, lanes", [(np.float64, "pd", 8),
                                                   (np.float32, "ps", 16)])
def test_tile_is_fused_multiply_adds_on_broadcasts(dtype, suffix, lanes):
    # A fresh, uncached compile so its assembly can be read.
    fresh = numba.njit(fastmath=set(FASTMATH))(_forward_like)
    rows = MAX_ROWS[2]
    a = np.arange(1000, dtype=dtype)
    b = np.ones(64 * 2 * lanes, dtype=dtype)
    c = np.zeros(64 * 64, dtype=dtype)
    taps = np.arange(3, dtype=np.int64)
    fresh(a, taps, b, np.zeros(2 * lanes, dtype=dtype), c, 2, rows)
    asm = fresh.inspect_asm(fresh.signatures[0])
    # the reduction: FMAs on full vector registers fed by scalar broadcasts
    assert re.search(rf"vfmadd\w*{suffix}\s+.*\{{1to{lanes}\}}.*%zmm|"
                     rf"vfmadd\w*{suffix}\s+.*%[yz]mm", asm)
    # the transposed store: masked stores of whole rows
    assert re.search(r"vmovup[sd]\s+%zmm\d+, .*\{%k\d\}", asm)
    # and the numbers: out[j, l] for lane l = sum over ko < 2, t < 3 of
    # a[ko * 64 + t + j] (b is all ones), stored at c[l * 64 + j]
    for lane in (0, 2 * lanes - 1):
        got = c[lane * 64:lane * 64 + rows]
        want = [sum(a[ko * 64 + t + j] for ko in range(2) for t in range(3))
                for j in range(rows)]
        np.testing.assert_allclose(got, want)
