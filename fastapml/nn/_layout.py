"""Copies that lay out the convolution kernels' inputs (see :mod:`._conv_kernels`).

- :func:`phases_parallel`: the zero-padded input split into its stride phases,
  ``out[py * sw + px] = padded[:, :, py::sh, px::sw]``, either channel-major
  (S, N, C, H_q, W_q), the forward's layout, or pixel-major (S, N, H_q * W_q,
  C), the weight gradient's.  Every element of ``out`` is written.
- :func:`widen_parallel`: grad_output planes at row pitch ``pitch`` after ``front``
  zeros, (N, C_out, length), the input gradient's layout; every element of
  ``out`` is written.

Both run in parallel over rows (each task writes its own rows); their
serial twins :func:`phases` and :func:`widen`, for worker threads, write the
same rows one after another.
"""

import numpy as np
from numba import prange

from .._numba import jit


@jit
def _phase_row(x, out, task, top, left, sh, sw, hq, wq, pixel_major):
    """Row r of phase s of sample n (task = (s * N + n) * hq + r), padding
    zeros included."""
    n_samples, n_channels, h, w = x.shape
    r = task % hq
    sn = task // hq
    s, n = sn // n_samples, sn % n_samples
    py, px = s // sw, s % sw
    y = r * sh + py - top
    inside = 0 <= y < h
    q0 = min(wq, max(0, -(-(left - px) // sw))) if inside else wq
    q1 = max(q0, min(wq, -(-(left + w - px) // sw)))
    for c in range(n_channels):
        if pixel_major:
            base = (sn * hq + r) * wq * n_channels + c
            step = n_channels
        else:
            base = ((sn * n_channels + c) * hq + r) * wq
            step = 1
        for q in range(q0):
            out[base + q * step] = 0
        if inside:
            src = x[n, c, y]
            for q in range(q0, q1):
                out[base + q * step] = src[q * sw + px - left]
        for q in range(q1, wq):
            out[base + q * step] = 0


@jit(parallel=True)
def phases_parallel(x, out, top, left, sh, sw, hq, wq, pixel_major):
    """Write the stride phases of ``x`` padded by ``top``/``left`` into the
    flat ``out`` (layout chosen by ``pixel_major``)."""
    for task in prange(sh * sw * x.shape[0] * hq):
        _phase_row(x, out, np.int64(task), top, left, sh, sw, hq, wq, pixel_major)


@jit
def phases(x, out, top, left, sh, sw, hq, wq, pixel_major):
    """Serial twin of :func:`phases_parallel`."""
    for task in range(sh * sw * x.shape[0] * hq):
        _phase_row(x, out, task, top, left, sh, sw, hq, wq, pixel_major)


@jit
def _widen_plane(grad_out, out, task, front, pitch):
    n, o = task // grad_out.shape[1], task % grad_out.shape[1]
    h, w = grad_out.shape[2], grad_out.shape[3]
    row = out[n, o]
    row[:] = 0
    for i in range(h):
        for j in range(w):
            row[front + i * pitch + j] = grad_out[n, o, i, j]


@jit(parallel=True)
def widen_parallel(grad_out, out, front, pitch):
    """``out[n, o, front + i * pitch + j] = grad_out[n, o, i, j]``, zero
    elsewhere, in parallel over planes."""
    for task in prange(grad_out.shape[0] * grad_out.shape[1]):
        _widen_plane(grad_out, out, np.int64(task), front, pitch)


@jit
def widen(grad_out, out, front, pitch):
    """Serial twin of :func:`widen_parallel`."""
    for task in range(grad_out.shape[0] * grad_out.shape[1]):
        _widen_plane(grad_out, out, task, front, pitch)
