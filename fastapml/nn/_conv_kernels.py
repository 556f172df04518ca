"""Direct 2-D convolution kernels: the forward pass and the input gradient.

NCHW input, OIHW weights, cross-correlation; the weight gradient's kernels
are in :mod:`._conv_weight_kernels`.  The wrappers
(:mod:`fastapml.nn.convolution`) pad the input once, so the kernels never
test a bound: with ``xp`` the zero-padded input,

    out[n, o, i, j] = bias[o] + sum_{c, y, x} weight[o, c, y, x]
                      * xp[n, g*cg + c, i*sh + y*dh, j*sw + x*dw],

g = o // (C_out / groups) and cg = C_in / groups.  The padded input arrives
split into its sh x sw stride phases, ``phases[py * sw + px] = xp[:, :,
py::sh, px::sw]`` (zero-filled to one size, flattened), so every kernel tap
(y, x) reads a stride-1 window of one phase plane: position (i, j) of the
output is flat index ``taps[t] + i * pitch + j`` of the phases of channel 0
of sample 0 (``pitch`` = the phase planes' width), plus ``(n * C + c) *
plane`` for sample n, channel c.

All arithmetic happens in :func:`._microkernel.tile`: a register tile of
``rb`` consecutive pixels x ``nv`` vectors of channels.  The weights come
blocked by the wrapper so that a tile's channel vector is contiguous:

- forward: rows = output columns j of one output row, lanes = output
  channels, reduction over (input channel, tap); ``w_blocked[g, ob, c, t,
  l]`` = weight[g*og + ob*W + l, c, t] (W = nv * LANES, zero past og);
- grad_input: rows = columns of one row of one input phase plane, lanes =
  input channels, reduction over (output channel, the taps of that phase);
  grad_output is read from a zero-padded "wide" copy (rows at the phase
  pitch, ``front`` zeros ahead) at ``front - tap offset + position``.  For
  groups of few input channels (:func:`grad_input_pixels`) the lanes are
  consecutive pixels of the flat phase plane and the rows successive
  stretches of them, one channel at a time.

Each tile's reduction is one flat loop over a table of read offsets built
by the wrapper (channel x tap), not a tap loop nested in a channel loop: a
phase of a strided kernel has few taps (at most 9 for a 5 x 5 kernel at
stride 2), and the short inner loop's exits and restarts cost more than its
multiply-adds.  The order of the sums is unchanged.

Threads split the work into tasks that write disjoint outputs: forward over
(sample, group, channel block, block of output rows), grad_input over
(phase, sample, group, channel block, block of phase rows) or (phase,
sample, channel).  The tasks are a function of the shapes only, so results
do not depend on the number of threads.  Each kernel ``<name>`` runs its
tasks serially (for worker threads, see
:func:`fastapml._numba.parallel_allowed`) and ``<name>_parallel`` spreads the
same tasks over threads with ``prange``.
"""

import numpy as np
from numba import prange

from .._numba import jit
from .._simd import VECTOR_BYTES
from ._microkernel import MAX_ROWS, tile

ROWS_PER_TASK = 8  # output (or phase-plane) rows per forward / grad_input task
_MOST_1, _MOST_2 = MAX_ROWS[1], MAX_ROWS[2]


@jit
def _max_rows(nv):
    return _MOST_1 if nv == 1 else _MOST_2


@jit
def _lanes(arr):
    return VECTOR_BYTES // arr.itemsize


@jit
def _split(length, k, most):
    """(first, size) of part k when ``length`` is cut into the fewest parts
    of at most ``most``, as even as possible."""
    parts = -(-length // most)
    base, extra = length // parts, length % parts
    return k * base + min(k, extra), base + (k < extra)


@jit
def _row_block(
    a,
    a0,
    a_row,
    a_outer,
    taps,
    tap0,
    n_inner,
    n_outer,
    b,
    b0,
    b_outer,
    init,
    init0,
    c,
    c0,
    c_row,
    c_lane,
    n_lanes,
    n_rows,
    length,
    nv,
):
    """``n_rows`` rows of ``length`` tiled positions each: row i starts at
    a0 + i * a_row and is stored transposed from c0 + i * c_row (positions
    contiguous, lanes ``c_lane`` apart).  ``nv`` must be a literal."""
    most = _max_rows(nv)
    for i in range(n_rows):
        for k in range(-(-length // most)):
            first, rows = _split(length, k, most)
            tile(
                a,
                a0 + i * a_row + first,
                a_outer,
                taps,
                tap0,
                n_inner,
                n_outer,
                b,
                b0,
                b_outer,
                None,
                init,
                init0,
                c,
                c0 + i * c_row + first,
                1,
                c_lane,
                n_lanes,
                nv,
                rows,
            )


@jit
def _rows(
    nv,
    a,
    a0,
    a_row,
    a_outer,
    taps,
    tap0,
    n_inner,
    n_outer,
    b,
    b0,
    b_outer,
    init,
    init0,
    c,
    c0,
    c_row,
    c_lane,
    n_lanes,
    n_rows,
    length,
):
    """:func:`_row_block` for a run-time ``nv`` (1 or 2)."""
    if nv == 1:
        _row_block(
            a,
            a0,
            a_row,
            a_outer,
            taps,
            tap0,
            n_inner,
            n_outer,
            b,
            b0,
            b_outer,
            init,
            init0,
            c,
            c0,
            c_row,
            c_lane,
            n_lanes,
            n_rows,
            length,
            1,
        )
    else:
        _row_block(
            a,
            a0,
            a_row,
            a_outer,
            taps,
            tap0,
            n_inner,
            n_outer,
            b,
            b0,
            b_outer,
            init,
            init0,
            c,
            c0,
            c_row,
            c_lane,
            n_lanes,
            n_rows,
            length,
            2,
        )


@jit
def _forward_task(phases, taps, w_blocked, bias_blocked, out, task, plane, pitch):
    """Output rows i0..i0+ROWS_PER_TASK-1 of channel block ob of group g of
    sample n: one flat reduction over ``taps`` (input channel x tap)."""
    n_samples, c_out, h_out, w_out = out.shape
    n_groups, n_blocks, cg, n_taps, width = w_blocked.shape
    og = c_out // n_groups
    n_chunks = -(-h_out // ROWS_PER_TASK)
    i0 = (task % n_chunks) * ROWS_PER_TASK
    rest = task // n_chunks
    ob = rest % n_blocks
    rest //= n_blocks
    g, n = rest % n_groups, rest // n_groups
    _rows(
        width // _lanes(out),
        phases,
        (n * n_groups * cg + g * cg) * plane + i0 * pitch,
        pitch,
        0,
        taps,
        np.int64(0),
        cg * n_taps,
        1,
        w_blocked.reshape(-1),
        ((g * n_blocks + ob) * cg) * n_taps * width,
        0,
        bias_blocked,
        (g * n_blocks + ob) * width,
        out.reshape(-1),
        ((n * c_out + g * og + ob * width) * h_out + i0) * w_out,
        w_out,
        h_out * w_out,
        min(width, og - ob * width),
        min(ROWS_PER_TASK, h_out - i0),
        w_out,
    )


@jit
def _n_forward_tasks(out, w_blocked):
    return (
        out.shape[0]
        * w_blocked.shape[0]
        * w_blocked.shape[1]
        * -(-out.shape[2] // ROWS_PER_TASK)
    )


@jit(parallel=True)
def forward_parallel(phases, taps, w_blocked, bias_blocked, out, plane, pitch):
    """Fill ``out`` (N, C_out, H_out, W_out) from the flat ``phases``, in
    parallel over (sample, group, channel block, block of output rows);
    :func:`forward` is its serial twin."""
    for task in prange(_n_forward_tasks(out, w_blocked)):
        _forward_task(
            phases, taps, w_blocked, bias_blocked, out, np.int64(task), plane, pitch
        )


@jit
def forward(phases, taps, w_blocked, bias_blocked, out, plane, pitch):
    """Fill ``out`` like :func:`forward_parallel`, serially (same tasks)."""
    for task in range(_n_forward_tasks(out, w_blocked)):
        _forward_task(phases, taps, w_blocked, bias_blocked, out, task, plane, pitch)


@jit
def _grad_input_task(
    grad_wide, reads, starts, regions, w_blocked, grad, task, pitch, n_rows
):
    """A block of rows of channel block cb of group g of sample n of phase s:
    one flat reduction over ``reads[starts[s]:starts[s + 1]]`` (output
    channel x the phase's taps), whose weights lie in that order from
    ``starts[s]`` in each (group, block) of ``w_blocked``.

    ``regions[s]`` = (first row, end row, first column, end column, target
    phase, row shift, column shift): the part of phase plane s inside the
    input, and where it goes in ``grad`` (S, N, C, H_c, W_c), the input
    gradient split into its own stride phases.
    """
    n_phases, n_samples, n_channels, hc, wc = grad.shape
    n_groups, n_blocks, og, n_taps, width = w_blocked.shape
    cg = n_channels // n_groups
    n_chunks = -(-n_rows // ROWS_PER_TASK)
    chunk = task % n_chunks
    rest = task // n_chunks
    cb = rest % n_blocks
    rest //= n_blocks
    g = rest % n_groups
    rest //= n_groups
    n, s = rest % n_samples, rest // n_samples
    r0, r1, q0, q1, target, dr, dq = regions[s]
    i0 = max(r0, chunk * ROWS_PER_TASK)
    i1 = min(r1, (chunk + 1) * ROWS_PER_TASK)
    if i1 <= i0 or q1 <= q0:
        return
    length = grad_wide.shape[0] // (n_samples * n_groups * og)
    _rows(
        width // _lanes(grad),
        grad_wide,
        (n * n_groups * og + g * og) * length + i0 * pitch + q0,
        pitch,
        0,
        reads,
        starts[s],
        starts[s + 1] - starts[s],
        1,
        w_blocked.reshape(-1),
        ((g * n_blocks + cb) * og * n_taps + starts[s]) * width,
        0,
        np.zeros(width, dtype=grad.dtype),
        np.int64(0),
        grad.reshape(-1),
        (((target * n_samples + n) * n_channels + g * cg + cb * width) * hc + i0 + dr)
        * wc
        + q0
        + dq,
        wc,
        hc * wc,
        min(width, cg - cb * width),
        i1 - i0,
        q1 - q0,
    )


@jit
def _n_grad_input_tasks(grad, w_blocked, n_rows):
    return (
        grad.shape[0]
        * grad.shape[1]
        * w_blocked.shape[0]
        * w_blocked.shape[1]
        * -(-n_rows // ROWS_PER_TASK)
    )


@jit(parallel=True)
def grad_input_parallel(
    grad_wide, reads, starts, regions, w_blocked, grad, pitch, n_rows
):
    """Fill the input gradient's phases ``grad`` from the flat, front-padded
    wide grad_output; phase s reads it at ``reads[starts[s]:starts[s + 1]]``
    (see :func:`_grad_input_task`).  In parallel over blocks of rows of the
    ``n_rows``-row phase planes."""
    for task in prange(_n_grad_input_tasks(grad, w_blocked, n_rows)):
        _grad_input_task(
            grad_wide,
            reads,
            starts,
            regions,
            w_blocked,
            grad,
            np.int64(task),
            pitch,
            n_rows,
        )


@jit
def grad_input(grad_wide, reads, starts, regions, w_blocked, grad, pitch, n_rows):
    """Serial twin of :func:`grad_input_parallel`."""
    for task in range(_n_grad_input_tasks(grad, w_blocked, n_rows)):
        _grad_input_task(
            grad_wide, reads, starts, regions, w_blocked, grad, task, pitch, n_rows
        )


@jit
def _grad_input_pixels_task(
    grad_wide, a_taps, b_taps, starts, w_taps, grad, task, length, c_out, n_groups
):
    """Input-gradient phase plane s of channel c of sample n with pixels in
    the lanes (for groups of few input channels): tiles of consecutive
    LANES-pixel segments of the flat plane, reduction over (output channel,
    the phase's taps); ``w_taps`` is (groups, og, taps by phase, cg) flat."""
    n_phases, n_samples, n_channels, plane = grad.shape
    c = task % n_channels
    rest = task // n_channels
    n, s = rest % n_samples, rest // n_samples
    cg, og = n_channels // n_groups, c_out // n_groups
    g = c // cg
    n_taps = a_taps.shape[0]
    width = _lanes(grad)
    n_segments = plane // width
    zero_init = np.zeros(width, dtype=grad.dtype)
    for k in range(-(-n_segments // _MOST_1)):
        first, rows = _split(n_segments, k, _MOST_1)
        tile(
            w_taps,
            g * og * n_taps * cg + c - g * cg,
            n_taps * cg,
            a_taps,
            starts[s],
            starts[s + 1] - starts[s],
            og,
            grad_wide,
            (n * c_out + g * og) * length + first * width,
            length,
            b_taps,
            zero_init,
            0,
            grad.reshape(-1),
            ((s * n_samples + n) * n_channels + c) * plane + first * width,
            width,
            1,
            width,
            1,
            rows,
        )


@jit(parallel=True)
def grad_input_pixels_parallel(
    grad_wide, a_taps, b_taps, starts, w_taps, grad, length, c_out, n_groups
):
    """Fill the padded input-gradient phase planes ``grad`` (S, N, C, plane,
    a multiple of LANES), in parallel over planes: pixel-lane twin of
    :func:`grad_input_parallel`, reading b_taps[t] = front - tap offset."""
    for task in prange(grad.shape[0] * grad.shape[1] * grad.shape[2]):
        _grad_input_pixels_task(
            grad_wide,
            a_taps,
            b_taps,
            starts,
            w_taps,
            grad,
            np.int64(task),
            length,
            c_out,
            n_groups,
        )


@jit
def grad_input_pixels(
    grad_wide, a_taps, b_taps, starts, w_taps, grad, length, c_out, n_groups
):
    """Serial twin of :func:`grad_input_pixels_parallel`."""
    for task in range(grad.shape[0] * grad.shape[1] * grad.shape[2]):
        _grad_input_pixels_task(
            grad_wide,
            a_taps,
            b_taps,
            starts,
            w_taps,
            grad,
            task,
            length,
            c_out,
            n_groups,
        )
