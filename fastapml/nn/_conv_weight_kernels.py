"""Direct 2-D convolution kernels: the weight and bias gradients.

With the notation of :mod:`._conv_kernels` (``xp`` the zero-padded input,
split into its stride phases; ``taps[t]`` the flat offset of tap t),

    grad_weight[o, c, y, x] = sum_{n, i, j} grad_out[n, o, i, j]
                              * xp[n, g*cg + c, i*sh + y*dh, j*sw + x*dw],
    grad_bias[o] = sum_{n, i, j} grad_out[n, o, i, j].

A tile of :func:`._microkernel.tile` has rows = input channels of a
pixel-major copy of the phases (S, N, plane, C), lanes = output channels,
and reduces over the wide output plane (rows at the phase pitch).  Each task
first copies the grad_output planes of its channel block into a pixel-major
buffer with :func:`._microkernel.to_pixel_major`, summing grad_bias on the
way.

Threads split the work into tasks over (fixed chunk of samples, group,
channel block); each adds into float64 partial sums of its chunk, which the
wrapper adds in chunk order.  The chunks are a function of the shapes only,
so results do not depend on the number of threads.  :func:`grad_weight` runs
the tasks serially (for worker threads), :func:`grad_weight_parallel` with
``prange``.
"""

import numpy as np
from numba import prange

from .._numba import jit
from ._conv_kernels import _lanes, _max_rows, _split
from ._microkernel import tile, to_pixel_major

PIXEL_CHUNK = 1024  # output pixels per pass of the weight-gradient tiles


@jit
def _weight_taps(
    pixels,
    taps,
    n,
    plane,
    n_channels,
    g,
    cg,
    size,
    wide,
    scratch,
    zero_tap,
    zero_init,
    sums,
    tap_run,
    nv,
):
    """Add sample n's weight gradient for a block of output channels (their
    wide pixel-major grad_output planes in ``wide``) into ``sums`` (float64,
    (tap, input channel, lane) flattened).

    A tile's rows are input channels, or, with ``tap_run`` > 1 (one input
    channel, kernel rows whose taps are consecutive pixels), ``tap_run``
    consecutive taps.  The plane is taken PIXEL_CHUNK pixels at a time, so
    that much of ``wide`` stays in cache while every tile passes over it;
    each chunk's tile sums are added into the float64 ``sums``.  ``nv`` must be a
    literal."""
    width = nv * _lanes(wide)
    most = _max_rows(nv)
    for p0 in range(0, size, PIXEL_CHUNK):
        count = min(PIXEL_CHUNK, size - p0)
        for t0 in range(0, taps.shape[0], tap_run):
            a0 = (taps[t0] + n * plane + p0) * n_channels + g * cg
            for part in range(-(-cg // most)):
                first, rows = _split(cg, part, most)
                tile(
                    pixels,
                    a0 + first,
                    n_channels,
                    zero_tap,
                    0,
                    1,
                    count,
                    wide,
                    p0 * width,
                    width,
                    None,
                    zero_init,
                    0,
                    scratch,
                    0,
                    width,
                    1,
                    width,
                    nv,
                    rows * tap_run,
                )
                at = (t0 * cg + first) * width
                for q in range(rows * tap_run * width):
                    sums[at + q] += scratch[q]


@jit
def _grad_weight_task(
    grad_out,
    pixels,
    taps,
    chunk_bounds,
    partials,
    bias_partials,
    task,
    n_groups,
    width,
    pitch,
    plane,
    tap_run,
):
    """Weight and bias gradients of channel block ob of group g over the
    samples of chunk k, added into ``partials[k]`` (C_out, cg, kh, kw) and
    ``bias_partials[k]``."""
    n_samples, c_out, h_out, w_out = grad_out.shape
    cg, kh, kw = partials.shape[2], partials.shape[3], partials.shape[4]
    og = c_out // n_groups
    n_blocks = -(-og // width)
    ob = task % n_blocks
    g = (task // n_blocks) % n_groups
    k = task // (n_blocks * n_groups)
    size = (h_out - 1) * pitch + w_out
    nv = width // _lanes(grad_out)
    lanes_used = min(width, og - ob * width)
    o_first = g * og + ob * width
    wide = np.zeros(size * width, dtype=grad_out.dtype)
    scratch = np.empty(_max_rows(nv) * width, dtype=grad_out.dtype)
    zero_init = np.zeros(width, dtype=grad_out.dtype)
    zero_tap = np.zeros(1, dtype=np.int64)
    totals = np.zeros(width)
    sums = np.zeros(kh * kw * cg * width)
    flat_out = grad_out.reshape(-1)
    lanes = _lanes(grad_out)
    block_sums = np.empty(lanes, dtype=grad_out.dtype)
    for n in range(chunk_bounds[k], chunk_bounds[k + 1]):
        # pixel-major copy, LANES x LANES blocks transposed in registers
        for i in range(h_out):
            for j0 in range(0, w_out, lanes):
                for v in range(-(-lanes_used // lanes)):
                    rows = min(lanes, lanes_used - v * lanes)
                    to_pixel_major(
                        flat_out,
                        ((n * c_out + o_first + v * lanes) * h_out + i) * w_out + j0,
                        h_out * w_out,
                        rows,
                        min(lanes, w_out - j0),
                        wide,
                        (i * pitch + j0) * width + v * lanes,
                        width,
                        block_sums,
                    )
                    for r in range(rows):
                        totals[v * lanes + r] += block_sums[r]
        if nv == 1:
            _weight_taps(
                pixels,
                taps,
                n,
                plane,
                n_groups * cg,
                g,
                cg,
                size,
                wide,
                scratch,
                zero_tap,
                zero_init,
                sums,
                tap_run,
                1,
            )
        else:
            _weight_taps(
                pixels,
                taps,
                n,
                plane,
                n_groups * cg,
                g,
                cg,
                size,
                wide,
                scratch,
                zero_tap,
                zero_init,
                sums,
                tap_run,
                2,
            )
    for lane in range(lanes_used):
        bias_partials[k, o_first + lane] = totals[lane]
        for c in range(cg):
            for y in range(kh):
                for x in range(kw):
                    partials[k, o_first + lane, c, y, x] = sums[
                        ((y * kw + x) * cg + c) * width + lane
                    ]


@jit
def _n_grad_weight_tasks(chunk_bounds, c_out, n_groups, width):
    return (chunk_bounds.shape[0] - 1) * n_groups * -(-(c_out // n_groups) // width)


@jit(parallel=True)
def grad_weight_parallel(
    grad_out,
    pixels,
    taps,
    chunk_bounds,
    partials,
    bias_partials,
    n_groups,
    width,
    pitch,
    plane,
    tap_run,
):
    """Per-chunk weight and bias gradients: ``partials[k]`` and
    ``bias_partials[k]`` (zeroed, float64) get the sums over samples
    ``chunk_bounds[k]:chunk_bounds[k + 1]``, from the pixel-major phases
    ``pixels`` (S, N, plane, C) whose tap t starts at pixel ``taps[t]``.  In
    parallel over (chunk, group, channel block of ``width``)."""
    for task in prange(
        _n_grad_weight_tasks(chunk_bounds, grad_out.shape[1], n_groups, width)
    ):
        _grad_weight_task(
            grad_out,
            pixels,
            taps,
            chunk_bounds,
            partials,
            bias_partials,
            np.int64(task),
            n_groups,
            width,
            pitch,
            plane,
            tap_run,
        )


@jit
def grad_weight(
    grad_out,
    pixels,
    taps,
    chunk_bounds,
    partials,
    bias_partials,
    n_groups,
    width,
    pitch,
    plane,
    tap_run,
):
    """Serial twin of :func:`grad_weight_parallel`."""
    for task in range(
        _n_grad_weight_tasks(chunk_bounds, grad_out.shape[1], n_groups, width)
    ):
        _grad_weight_task(
            grad_out,
            pixels,
            taps,
            chunk_bounds,
            partials,
            bias_partials,
            task,
            n_groups,
            width,
            pitch,
            plane,
            tap_run,
        )
