"""Direct 2-D convolution kernels (NCHW input, OIHW weights, cross-correlation).

The wrapper (:mod:`fastapml.nn.functional`) pads the input once, so the
kernels never test a bound: with ``xp`` the zero-padded input,

    out[n, o, i, j] = bias[o] + sum_{c, y, x} weight[o, c, y, x]
                      * xp[n, g*cg + c, i*sh + y*dh, j*sw + x*dw],

g = o // (C_out / groups) and cg = C_in / groups; ``geom`` is
``(sh, sw, dh, dw)``.  The padded input arrives split into its sh x sw stride
phases, ``phases[py * sw + px] = xp[:, :, py::sh, px::sw]`` (zero-filled to
one size), so that every tap reads a stride-1 window of one phase plane.

Threads split the work into tasks that write disjoint outputs: forward over
(sample, block of output channels), grad_input over (sample, block of input
channels), grad_weight over (fixed chunk of samples, block of output channels)
into per-chunk float64 partial sums that the wrapper adds in chunk order.  The
tasks are a function of the shapes only, so results do not depend on the
number of threads.  Each parallel driver has a serial twin for worker threads.

The tasks work on whole planes at once: an output plane kept at the phase
planes' row pitch ("wide", the columns past W_out unused, or zero for
gradients) is, for each tap, one long contiguous axpy/dot against a phase
plane shifted by (y*dh)//sh rows and (x*dw)//sw columns, which LLVM turns
into packed FMAs.
"""
import numpy as np
from numba import prange

from .._numba import jit

BLOCK = 8           # channels per task


@jit
def _axpy(w, x, offset, y):
    """y[j] += w * x[offset + j] for every j."""
    xs = x[offset:offset + y.shape[0]]   # index from 0: no wraparound check
    for j in range(y.shape[0]):
        y[j] += w * xs[j]


@jit
def _axpy3(w0, x0, w1, x1, w2, x2, y):
    """y[j] += w0 x0[j] + w1 x1[j] + w2 x2[j]: three taps per pass over y,
    so the output is loaded and stored once per three multiply-adds."""
    for j in range(y.shape[0]):
        y[j] += w0 * x0[j] + w1 * x1[j] + w2 * x2[j]


@jit
def _scatter(w, y, offset, x):
    """x[offset + j] += w * y[j] for every j (the transpose of _axpy)."""
    xs = x[offset:offset + y.shape[0]]
    for j in range(y.shape[0]):
        xs[j] += w * y[j]


@jit
def _dot(y, x, offset):
    """sum_j y[j] * x[offset + j], accumulated in the data's dtype."""
    acc = y.dtype.type(0)
    xs = x[offset:offset + y.shape[0]]
    for j in range(y.shape[0]):
        acc += y[j] * xs[j]
    return acc


@jit
def _wide_size(out, phases):
    """Length of an output plane stored with the phase planes' row pitch."""
    return (out.shape[2] - 1) * phases.shape[4] + out.shape[3]


@jit
def _widen(grad_out, n, o, pitch, wide):
    """Copy plane (n, o) of grad_out into ``wide`` at row pitch ``pitch``
    (the columns between rows stay zero)."""
    wo = grad_out.shape[3]
    for i in range(grad_out.shape[2]):
        wide[i * pitch:i * pitch + wo] = grad_out[n, o, i]


@jit
def _tap(y, x, geom, pitch):
    """Phase plane and flat offset of kernel tap (y, x): the padded input
    position (i s_h + y d_h, j s_w + x d_w) is row i + (y d_h) // s_h, column
    j + (x d_w) // s_w of phase ((y d_h) % s_h, (x d_w) % s_w)."""
    sh, sw, dh, dw = geom
    ry, rx = y * dh, x * dw
    return (ry % sh) * sw + rx % sw, (ry // sh) * pitch + rx // sw


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
def _tap_view(phases, weight, n, o, c0, c, t, geom, size):
    """Weight of flat tap t of filter (o, c) and the ``size`` input values it
    multiplies, as a contiguous view of its phase plane."""
    kw = weight.shape[3]
    phase, offset = _tap(t // kw, t % kw, geom, phases.shape[4])
    return (weight[o, c, t // kw, t % kw],
            phases[phase, n, c0 + c].reshape(-1)[offset:offset + size])


@jit
def _forward_task(phases, weight, bias, out, n, o_first, o_last, geom):
    """Output planes o_first..o_last-1 of sample n: each kernel tap is one
    contiguous multiply-add over the whole plane, stored at the phase planes'
    row pitch (the few columns between rows are computed and dropped)."""
    cg, kh, kw = weight.shape[1], weight.shape[2], weight.shape[3]
    per_group = out.shape[1] // (phases.shape[2] // cg)
    pitch, wo = phases.shape[4], out.shape[3]
    size = _wide_size(out, phases)
    wide = np.empty(size, dtype=out.dtype)
    for o in range(o_first, o_last):
        wide[:] = bias[o]
        c0 = (o // per_group) * cg
        for c in range(cg):
            t = 0
            while t + 3 <= kh * kw:            # taps three at a time
                w0, x0 = _tap_view(phases, weight, n, o, c0, c, t, geom, size)
                w1, x1 = _tap_view(phases, weight, n, o, c0, c, t + 1, geom, size)
                w2, x2 = _tap_view(phases, weight, n, o, c0, c, t + 2, geom, size)
                _axpy3(w0, x0, w1, x1, w2, x2, wide)
                t += 3
            for t in range(t, kh * kw):
                w0, x0 = _tap_view(phases, weight, n, o, c0, c, t, geom, size)
                _axpy(w0, x0, 0, wide)
        for i in range(out.shape[2]):
            out[n, o, i] = wide[i * pitch:i * pitch + wo]


@jit(parallel=True)
def forward(phases, weight, bias, out, geom):
    """Fill ``out`` (N, C_out, H_out, W_out), in parallel over
    (sample, block of output channels)."""
    for t in prange(out.shape[0] * _n_blocks(out.shape[1])):
        _forward_task(phases, weight, bias, out, *_block(t, out.shape[1]), geom)


@jit
def forward_serial(phases, weight, bias, out, geom):
    """Serial twin of :func:`forward` (same tasks, for worker threads)."""
    for t in range(out.shape[0] * _n_blocks(out.shape[1])):
        _forward_task(phases, weight, bias, out, *_block(t, out.shape[1]), geom)


@jit
def _grad_input_task(grad_out, weight, grad_phases, n, c_first, c_last, geom):
    """Input-gradient planes c_first..c_last-1 of sample n, in phase layout."""
    cg, kh, kw = weight.shape[1], weight.shape[2], weight.shape[3]
    per_group = grad_out.shape[1] // (grad_phases.shape[2] // cg)
    pitch = grad_phases.shape[4]
    wide = np.zeros(_wide_size(grad_out, grad_phases), dtype=grad_phases.dtype)
    for c in range(c_first, c_last):
        g = c // cg
        for o in range(g * per_group, (g + 1) * per_group):
            _widen(grad_out, n, o, pitch, wide)
            for y in range(kh):
                for x in range(kw):
                    phase, offset = _tap(y, x, geom, pitch)
                    _scatter(weight[o, c - g * cg, y, x], wide, offset,
                             grad_phases[phase, n, c].reshape(-1))


@jit(parallel=True)
def grad_input(grad_out, weight, grad_phases, geom):
    """Add the input gradient into the zeroed phase planes ``grad_phases``, in
    parallel over (sample, block of input channels)."""
    for t in prange(grad_out.shape[0] * _n_blocks(grad_phases.shape[2])):
        _grad_input_task(grad_out, weight, grad_phases,
                         *_block(t, grad_phases.shape[2]), geom)


@jit
def grad_input_serial(grad_out, weight, grad_phases, geom):
    """Serial twin of :func:`grad_input`."""
    for t in range(grad_out.shape[0] * _n_blocks(grad_phases.shape[2])):
        _grad_input_task(grad_out, weight, grad_phases,
                         *_block(t, grad_phases.shape[2]), geom)


@jit
def _grad_weight_task(grad_out, phases, partial, n_first, n_last, o_first,
                      o_last, geom):
    """Weight gradient of output channels o_first..o_last-1 over samples
    n_first..n_last-1, added into ``partial``."""
    cg, kh, kw = partial.shape[1], partial.shape[2], partial.shape[3]
    per_group = grad_out.shape[1] // (phases.shape[2] // cg)
    pitch = phases.shape[4]
    wide = np.zeros(_wide_size(grad_out, phases), dtype=phases.dtype)
    for n in range(n_first, n_last):
        for o in range(o_first, o_last):
            _widen(grad_out, n, o, pitch, wide)
            c0 = (o // per_group) * cg
            for c in range(cg):
                for y in range(kh):
                    for x in range(kw):
                        phase, offset = _tap(y, x, geom, pitch)
                        partial[o, c, y, x] += _dot(
                            wide, phases[phase, n, c0 + c].reshape(-1), offset)


@jit
def _grad_weight_chunk(grad_out, phases, chunk_bounds, partials, t, geom):
    """Task t of the (chunk of samples, block of output channels) loop."""
    k, first, last = _block(t, grad_out.shape[1])
    _grad_weight_task(grad_out, phases, partials[k], chunk_bounds[k],
                      chunk_bounds[k + 1], first, last, geom)


@jit(parallel=True)
def grad_weight(grad_out, phases, chunk_bounds, partials, geom):
    """Per-chunk weight gradients: ``partials[k]`` (zeroed, float64) gets the
    sum over samples ``chunk_bounds[k]:chunk_bounds[k + 1]``; in parallel over
    (chunk, block of output channels)."""
    for t in prange((chunk_bounds.shape[0] - 1) * _n_blocks(grad_out.shape[1])):
        _grad_weight_chunk(grad_out, phases, chunk_bounds, partials, t, geom)


@jit
def grad_weight_serial(grad_out, phases, chunk_bounds, partials, geom):
    """Serial twin of :func:`grad_weight`."""
    for t in range((chunk_bounds.shape[0] - 1) * _n_blocks(grad_out.shape[1])):
        _grad_weight_chunk(grad_out, phases, chunk_bounds, partials, t, geom)

