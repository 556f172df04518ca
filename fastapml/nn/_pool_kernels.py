"""Numba kernels for 2-D max pooling (every loop of fastapml.nn's max_pool2d).

Input arrives as (planes, H, W) — batch and channels merged — and each plane
is pooled independently: ``pool_planes`` loops over planes serially,
``pool_planes_parallel`` with ``prange``.  Windows are clipped to the image,
so padding costs nothing and reads no memory.  The argmax is the first
maximum in row-major window order, as in PyTorch, and is stored as the flat
index ``h * W + w`` into the plane.
"""

import numpy as np
from numba import prange

from .._numba import jit


@jit
def _pool_plane(x, kh, kw, sh, sw, ph, pw, out, idx):
    """out[i, j] = max of the clipped window at (i*sh - ph, j*sw - pw)."""
    H, W = x.shape
    for i in range(out.shape[0]):
        h0 = i * sh - ph
        h_lo, h_hi = max(h0, 0), min(h0 + kh, H)
        for j in range(out.shape[1]):
            w0 = j * sw - pw
            w_lo, w_hi = max(w0, 0), min(w0 + kw, W)
            best = -np.inf
            where = h_lo * W + w_lo
            for h in range(h_lo, h_hi):
                for w in range(w_lo, w_hi):
                    if x[h, w] > best:
                        best = x[h, w]
                        where = h * W + w
            out[i, j] = best
            idx[i, j] = where


@jit
def pool_planes(x, kh, kw, sh, sw, ph, pw, out, idx):
    """Max-pool every plane of x (P, H, W) into out/idx (P, Ho, Wo), serially."""
    for p in range(x.shape[0]):
        _pool_plane(x[p], kh, kw, sh, sw, ph, pw, out[p], idx[p])


@jit(parallel=True)
def pool_planes_parallel(x, kh, kw, sh, sw, ph, pw, out, idx):
    """``pool_planes`` with planes spread over threads."""
    for p in prange(x.shape[0]):
        _pool_plane(x[p], kh, kw, sh, sw, ph, pw, out[p], idx[p])
