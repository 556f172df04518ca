"""Direct 2-D convolution kernels (NCHW input, OIHW weights, cross-correlation).

The wrapper (:mod:`fastapml.nn.functional`) pads the input once, so the
kernels never test a bound: with ``xp`` the zero-padded input,

    out[n, o, i, j] = bias[o] + sum_{c, y, x} weight[o, c, y, x]
                      * xp[n, g*cg + c, i*sh + y*dh, j*sw + x*dw],

g = o // (C_out / groups) and cg = C_in / groups.  Every inner loop runs
along one row of output columns ``j`` (contiguous when the stride is 1), which
LLVM turns into packed FMAs.  ``geom`` is ``(sh, sw, dh, dw)``.

Threads split the work into tasks that write disjoint outputs: forward over
(sample, block of output channels), grad_input over (sample, block of input
channels), grad_weight over (fixed chunk of samples, block of output channels)
into per-chunk float64 partial sums that the wrapper adds in chunk order.  The
tasks are a function of the shapes only, so results do not depend on the
number of threads.  Each parallel driver has a serial twin for worker threads.

With stride 1 the tasks work on whole planes at once: an output plane kept at
the padded input's row pitch ("wide", the columns past W_out unused, or zero
for gradients) is, for each tap, one long contiguous axpy/dot against the
input plane shifted by y*dh rows and x*dw columns.
"""
import numpy as np
from numba import prange

from .._numba import jit

BLOCK = 8           # channels per task


@jit
def _axpy(w, x, offset, stride, y):
    """y[j] += w * x[offset + j*stride] for every j."""
    if stride == 1:
        xs = x[offset:offset + y.shape[0]]   # index from 0: no wraparound check
        for j in range(y.shape[0]):
            y[j] += w * xs[j]
    else:
        for j in range(y.shape[0]):
            y[j] += w * x[offset + j * stride]


@jit
def _scatter(w, y, offset, stride, x):
    """x[offset + j*stride] += w * y[j] for every j (the transpose of _axpy)."""
    if stride == 1:
        xs = x[offset:offset + y.shape[0]]
        for j in range(y.shape[0]):
            xs[j] += w * y[j]
    else:
        for j in range(y.shape[0]):
            x[offset + j * stride] += w * y[j]


@jit
def _dot(y, x, offset, stride):
    """sum_j y[j] * x[offset + j*stride], accumulated in the data's dtype."""
    acc = y.dtype.type(0)
    if stride == 1:
        xs = x[offset:offset + y.shape[0]]
        for j in range(y.shape[0]):
            acc += y[j] * xs[j]
    else:
        for j in range(y.shape[0]):
            acc += y[j] * x[offset + j * stride]
    return acc


@jit
def _wide_size(out, xp):
    """Length of an output plane stored with the padded input's row pitch."""
    return (out.shape[2] - 1) * xp.shape[3] + out.shape[3]


@jit
def _widen(grad_out, n, o, wp, wide):
    """Copy plane (n, o) of grad_out into ``wide`` at row pitch wp (the
    columns between rows stay zero)."""
    wo = grad_out.shape[3]
    for i in range(grad_out.shape[2]):
        wide[i * wp:i * wp + wo] = grad_out[n, o, i]


@jit
def _n_blocks(n_channels):
    return -(-n_channels // BLOCK)


@jit
def _block(t, n_channels):
    """Task t of a (sample, block of channels) loop: (sample, first, last)."""
    n_blocks = _n_blocks(n_channels)
    b = t % n_blocks
    return t // n_blocks, b * BLOCK, min(n_channels, (b + 1) * BLOCK)


@jit
def _forward_task(xp, weight, bias, out, n, o_first, o_last, geom):
    sh, sw, dh, dw = geom
    cg, kh, kw = weight.shape[1], weight.shape[2], weight.shape[3]
    per_group = out.shape[1] // (xp.shape[1] // cg)
    if sh == 1 and sw == 1:
        wp, wo = xp.shape[3], out.shape[3]
        wide = np.empty(_wide_size(out, xp), dtype=out.dtype)
        for o in range(o_first, o_last):
            wide[:] = bias[o]
            c0 = (o // per_group) * cg
            for c in range(cg):
                plane = xp[n, c0 + c].reshape(-1)
                for y in range(kh):
                    for x in range(kw):
                        _axpy(weight[o, c, y, x], plane, y * dh * wp + x * dw, 1, wide)
            for i in range(out.shape[2]):
                out[n, o, i] = wide[i * wp:i * wp + wo]
        return
    for i in range(out.shape[2]):
        for o in range(o_first, o_last):
            row = out[n, o, i]
            row[:] = bias[o]
            c0 = (o // per_group) * cg
            for c in range(cg):
                for y in range(kh):
                    src = xp[n, c0 + c, i * sh + y * dh]
                    for x in range(kw):
                        _axpy(weight[o, c, y, x], src, x * dw, sw, row)


@jit(parallel=True)
def forward(xp, weight, bias, out, geom):
    """Fill ``out`` (N, C_out, H_out, W_out), in parallel over
    (sample, block of output channels)."""
    for t in prange(out.shape[0] * _n_blocks(out.shape[1])):
        _forward_task(xp, weight, bias, out, *_block(t, out.shape[1]), geom)


@jit
def forward_serial(xp, weight, bias, out, geom):
    """Serial twin of :func:`forward` (same tasks, for worker threads)."""
    for t in range(out.shape[0] * _n_blocks(out.shape[1])):
        _forward_task(xp, weight, bias, out, *_block(t, out.shape[1]), geom)


@jit
def _grad_input_task(grad_out, weight, gxp, n, c_first, c_last, geom):
    sh, sw, dh, dw = geom
    cg, kh, kw = weight.shape[1], weight.shape[2], weight.shape[3]
    per_group = grad_out.shape[1] // (gxp.shape[1] // cg)
    if sh == 1 and sw == 1:
        wp = gxp.shape[3]
        wide = np.zeros(_wide_size(grad_out, gxp), dtype=gxp.dtype)
        for c in range(c_first, c_last):
            g = c // cg
            plane = gxp[n, c].reshape(-1)
            for o in range(g * per_group, (g + 1) * per_group):
                _widen(grad_out, n, o, wp, wide)
                for y in range(kh):
                    for x in range(kw):
                        _scatter(weight[o, c - g * cg, y, x], wide, y * dh * wp + x * dw,
                                 1, plane)
        return
    for c in range(c_first, c_last):
        g = c // cg
        for o in range(g * per_group, (g + 1) * per_group):
            for i in range(grad_out.shape[2]):
                src = grad_out[n, o, i]
                for y in range(kh):
                    dst = gxp[n, c, i * sh + y * dh]
                    for x in range(kw):
                        _scatter(weight[o, c - g * cg, y, x], src, x * dw, sw, dst)


@jit(parallel=True)
def grad_input(grad_out, weight, gxp, geom):
    """Add the input gradient into the zeroed padded buffer ``gxp``, in
    parallel over (sample, block of input channels)."""
    for t in prange(gxp.shape[0] * _n_blocks(gxp.shape[1])):
        _grad_input_task(grad_out, weight, gxp, *_block(t, gxp.shape[1]), geom)


@jit
def grad_input_serial(grad_out, weight, gxp, geom):
    """Serial twin of :func:`grad_input`."""
    for t in range(gxp.shape[0] * _n_blocks(gxp.shape[1])):
        _grad_input_task(grad_out, weight, gxp, *_block(t, gxp.shape[1]), geom)


@jit
def _grad_weight_task(grad_out, xp, partial, n_first, n_last, o_first, o_last,
                      geom):
    sh, sw, dh, dw = geom
    cg, kh, kw = partial.shape[1], partial.shape[2], partial.shape[3]
    per_group = grad_out.shape[1] // (xp.shape[1] // cg)
    if sh == 1 and sw == 1:
        wp = xp.shape[3]
        wide = np.zeros(_wide_size(grad_out, xp), dtype=xp.dtype)
        for n in range(n_first, n_last):
            for o in range(o_first, o_last):
                _widen(grad_out, n, o, wp, wide)
                c0 = (o // per_group) * cg
                for c in range(cg):
                    plane = xp[n, c0 + c].reshape(-1)
                    for y in range(kh):
                        for x in range(kw):
                            partial[o, c, y, x] += _dot(wide, plane, y * dh * wp + x * dw, 1)
        return
    for n in range(n_first, n_last):
        for o in range(o_first, o_last):
            c0 = (o // per_group) * cg
            for c in range(cg):
                for y in range(kh):
                    for x in range(kw):
                        acc = 0.0
                        for i in range(grad_out.shape[2]):
                            acc += _dot(grad_out[n, o, i],
                                        xp[n, c0 + c, i * sh + y * dh], x * dw, sw)
                        partial[o, c, y, x] += acc


@jit
def _grad_weight_chunk(grad_out, xp, chunk_bounds, partials, t, geom):
    """Task t of the (chunk of samples, block of output channels) loop."""
    k, first, last = _block(t, grad_out.shape[1])
    _grad_weight_task(grad_out, xp, partials[k], chunk_bounds[k],
                      chunk_bounds[k + 1], first, last, geom)


@jit(parallel=True)
def grad_weight(grad_out, xp, chunk_bounds, partials, geom):
    """Per-chunk weight gradients: ``partials[k]`` (zeroed, float64) gets the
    sum over samples ``chunk_bounds[k]:chunk_bounds[k + 1]``; in parallel over
    (chunk, block of output channels)."""
    for t in prange((chunk_bounds.shape[0] - 1) * _n_blocks(grad_out.shape[1])):
        _grad_weight_chunk(grad_out, xp, chunk_bounds, partials, t, geom)


@jit
def grad_weight_serial(grad_out, xp, chunk_bounds, partials, geom):
    """Serial twin of :func:`grad_weight`."""
    for t in range((chunk_bounds.shape[0] - 1) * _n_blocks(grad_out.shape[1])):
        _grad_weight_chunk(grad_out, xp, chunk_bounds, partials, t, geom)

