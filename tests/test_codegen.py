"""The hot loops compile to the target's vectors, without spills (verify,
don't assume).

Every test here compiles and reads assembly but runs nothing, so it checks
whatever target numba compiles for: the host, or the one named by
NUMBA_CPU_NAME / NUMBA_CPU_FEATURES (``.ci/run`` runs this module for AVX2,
SSE2 and AVX-512 targets on any x86-64 CPU).  The expected register width
and multiply-add instruction follow from ``fastapml._isa.TARGET``.
"""

import platform
import re

import numba
import numpy as np
import pytest
from asm import compiled_asm, inner_loops, stack_vector_traffic, vector_widths

from fastapml._isa import TARGET
from fastapml.cluster import _kernels as cluster_kernels
from fastapml.hmm import _kernels as hmm_kernels
from fastapml.nn._microkernel import MAX_ROWS, tile

pytestmark = pytest.mark.skipif(
    platform.machine() not in ("x86_64", "AMD64"),
    reason="the assembly patterns are x86-64's",
)

LETTER = {64: "z", 32: "y", 16: "x"}[TARGET.vector_bytes]
WIDER = {"z": "", "y": "z", "x": "yz"}[LETTER]
DTYPES = [(np.float64, "pd"), (np.float32, "ps")]


def array(dtype, ndim=1):
    return numba.types.Array(numba.from_dtype(np.dtype(dtype)), ndim, "C")


def multiply_add(suffix):
    """The target's packed multiply-add: one FMA, or a multiply (then an add)."""
    return rf"vfmadd\w*{suffix}" if TARGET.fma else rf"v?mul{suffix}"


def check_hot_loops(asm, marker):
    """The inner loops holding ``marker`` use the target's vectors, none
    wider, and keep every vector in a register; returns those loops."""
    loops = inner_loops(asm, marker)
    assert loops, f"no inner loop with {marker}"
    for body in loops:
        kinds, _ = vector_widths(body)
        assert LETTER in kinds, "\n".join(body)
        assert not kinds & set(WIDER), "\n".join(body)
        hot = [line for line in body if re.search(marker, line)]
        assert all(f"%{LETTER}mm" in line for line in hot), "\n".join(hot)
        assert not stack_vector_traffic(asm, body), "\n".join(body)
    return loops


def _conv_tile_nv1(a, taps, b, init, c, n_outer, rows):
    tile(
        a,
        0,
        64,
        taps,
        0,
        taps.shape[0],
        n_outer,
        b,
        0,
        0,
        None,
        init,
        0,
        c,
        0,
        1,
        64,
        32,
        1,
        rows,
    )


def _conv_tile_nv2(a, taps, b, init, c, n_outer, rows):
    tile(
        a,
        0,
        64,
        taps,
        0,
        taps.shape[0],
        n_outer,
        b,
        0,
        0,
        None,
        init,
        0,
        c,
        0,
        1,
        64,
        32,
        2,
        rows,
    )


def _conv_tile_pixels(a, taps, b, b_taps, init, c, n_outer, rows):
    tile(
        a,
        0,
        64,
        taps,
        0,
        taps.shape[0],
        n_outer,
        b,
        0,
        0,
        b_taps,
        init,
        0,
        c,
        0,
        64,
        1,
        32,
        1,
        rows,
    )


@pytest.mark.parametrize("nv, kernel", [(1, _conv_tile_nv1), (2, _conv_tile_nv2)])
@pytest.mark.parametrize("dtype, suffix", DTYPES)
def test_conv_tile_every_row_count_is_spill_free(nv, kernel, dtype, suffix):
    # the run-time rb switch compiles every shape 1..MAX_ROWS[nv]: one
    # reduction loop each, with rb * nv accumulators in registers
    asm = compiled_asm(
        kernel,
        [
            array(dtype),
            array(np.int64),
            array(dtype),
            array(dtype),
            array(dtype),
            numba.int64,
            numba.int64,
        ],
    )
    loops = check_hot_loops(asm, multiply_add(suffix))
    assert len(loops) >= MAX_ROWS[nv]
    widest = max(
        len(re.findall(multiply_add(suffix), "\n".join(body))) for body in loops
    )
    assert widest >= MAX_ROWS[nv] * nv  # the largest tile is there
    if TARGET.vector_bytes == 64:  # masked stores of whole rows
        assert re.search(r"vmovup[sd]\s+%zmm\d+, .*\{%k\d\}", asm)


@pytest.mark.parametrize("dtype, suffix", DTYPES)
def test_conv_pixel_lane_tile_is_spill_free(dtype, suffix):
    check_hot_loops(
        compiled_asm(
            _conv_tile_pixels,
            [
                array(dtype),
                array(np.int64),
                array(dtype),
                array(np.int64),
                array(dtype),
                array(dtype),
                numba.int64,
                numba.int64,
            ],
        ),
        multiply_add(suffix),
    )


@pytest.mark.parametrize("dtype, suffix", DTYPES)
def test_maxplus_tile_is_packed_and_spill_free(dtype, suffix):
    asm = compiled_asm(
        hmm_kernels._maxplus.py_func,
        [
            array(dtype),
            array(dtype, 3),
            array(np.int64, 2),
            numba.int64,
            numba.int64,
            array(dtype),
            array(dtype),
            numba.int64,
            numba.int64,
            numba.int64,
        ],
    )
    loops = check_hot_loops(asm, rf"v?add{suffix}")
    # packed compare (or max) and select on the running maxima
    assert any(
        re.search(rf"v?(cmp\w*|max){suffix}|blendv{suffix}", line)
        for body in loops
        for line in body
    )


@pytest.mark.parametrize("dtype, suffix", DTYPES)
def test_sumprod_tile_is_packed_and_spill_free(dtype, suffix):
    check_hot_loops(
        compiled_asm(
            hmm_kernels._sumprod.py_func,
            [
                array(dtype),
                array(dtype, 3),
                array(np.int64, 2),
                array(dtype),
                numba.int64,
            ],
        ),
        multiply_add(suffix),
    )


@pytest.mark.parametrize("dtype, suffix", DTYPES)
def test_distance_tile_is_packed_and_spill_free(dtype, suffix):
    asm = compiled_asm(
        cluster_kernels._groups.py_func,
        [
            array(dtype, 2),
            array(dtype, 2),
            array(np.int64),
            numba.int64,
            array(np.int64, 2),
            array(np.int64),
            numba.int64,
            numba.int64,
            array(dtype, 2),
            array(dtype, 2),
            numba.boolean,
        ],
        callees=["_group"],
    )
    # the squared-difference (multiply-add) and maximum loops
    check_hot_loops(asm, multiply_add(suffix))
    check_hot_loops(asm, rf"v?max{suffix}")


@pytest.mark.skipif(TARGET.vector_bytes != 64, reason="AVX-512 only")
def test_avx512_target_keeps_its_tiles():
    # the shapes measured on AVX-512 before the ISA was chosen per target
    assert MAX_ROWS == {1: 16, 2: 14}
