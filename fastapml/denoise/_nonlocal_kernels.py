"""Numba kernels of the non-local Bayes step (:mod:`.nonlocal_bayes`).

One group per reference patch: the ``n_similar`` patches of the search
window closest to it in the pilot image, estimated together under the
Gaussian whose covariance is the group's pilot covariance.  Work goes one
row of references at a time: the references of a row are independent, so
``group_row_parallel`` shares them among threads (interleaved, as in
:mod:`._kernels`), and :func:`add_groups` then adds their estimates to the
image in a fixed order, so the result does not depend on the thread count.
Group arithmetic is float64 whatever the image's dtype.
"""

import numpy as np
from numba import prange

from .._numba import jit

# added to the covariance's diagonal, relative to its mean variance, so that
# the solve never meets a singular matrix when sigma is far below the
# image's variations (float64 cannot tell C + sigma^2 I from C there)
JITTER = 1e-12


@jit
def _candidates(pilot, r, c, p, search, dist, where):
    """Squared distances from the pilot patch at (r, c) to every patch whose
    corner is within ``search`` rows and columns of it, in raster order,
    with the patch itself at -1 so that it always joins its group; returns
    how many."""
    height, width = pilot.shape
    n = 0
    for a in range(max(0, r - search), min(height - p, r + search) + 1):
        for b in range(max(0, c - search), min(width - p, c + search) + 1):
            s = 0.0
            for u in range(p):
                for v in range(p):
                    t = np.float64(pilot[r + u, c + v]) - pilot[a + u, b + v]
                    s += t * t
            dist[n] = -1.0 if a == r and b == c else s
            where[n, 0] = a
            where[n, 1] = b
            n += 1
    return n


@jit
def _group(y, pilot, r, c, p, search, n_similar, s2, dist, where, est, pos):
    """The group of the reference patch at (r, c): its corners into ``pos``,
    the estimates ``m + (y_i - m) (C + s2 I)^-1 C`` of its noisy patches
    y_i into ``est`` (m: their mean; C: the covariance of the group's pilot
    patches); returns the group's size."""
    n_cand = _candidates(pilot, r, c, p, search, dist, where)
    order = np.argsort(dist[:n_cand], kind="mergesort")
    n = min(n_similar, n_cand)
    d = p * p
    noisy = np.empty((n, d))
    clean = np.empty((n, d))
    for i in range(n):
        a, b = where[order[i], 0], where[order[i], 1]
        pos[i, 0] = a
        pos[i, 1] = b
        for u in range(p):
            for v in range(p):
                noisy[i, u * p + v] = y[a + u, b + v]
                clean[i, u * p + v] = pilot[a + u, b + v]
    mean = noisy.sum(axis=0) / n
    clean -= clean.sum(axis=0) / n
    cov = np.dot(clean.T, clean) / n
    shifted = cov.copy()
    reg = s2 + JITTER * np.trace(cov) / d
    for j in range(d):
        shifted[j, j] += reg
    gain = np.linalg.solve(shifted, cov)
    noisy -= mean
    est[:n] = np.dot(noisy, gain) + mean
    return n


@jit
def _row_task(
    y, pilot, r, cols, p, search, n_similar, s2, task, n_tasks, est, pos, size
):
    """Groups of the references ``(r, cols[j])`` for j = task, task +
    n_tasks, ...; ``est[j]``, ``pos[j]`` and ``size[j]`` receive each."""
    n_window = (2 * search + 1) ** 2
    dist = np.empty(n_window)
    where = np.empty((n_window, 2), dtype=np.int64)
    for j in range(task, cols.size, n_tasks):
        size[j] = _group(
            y, pilot, r, cols[j], p, search, n_similar, s2, dist, where, est[j], pos[j]
        )


@jit(parallel=True)
def group_row_parallel(
    y, pilot, r, cols, p, search, n_similar, s2, n_tasks, est, pos, size
):
    """The groups of one row of references (see :func:`_group`), in
    parallel over ``n_tasks`` interleaved sets of references."""
    for t in prange(n_tasks):
        _row_task(
            y,
            pilot,
            r,
            cols,
            p,
            search,
            n_similar,
            s2,
            np.int64(t),
            n_tasks,
            est,
            pos,
            size,
        )


@jit
def group_row(y, pilot, r, cols, p, search, n_similar, s2, n_tasks, est, pos, size):
    """Serial twin of :func:`group_row_parallel` (for worker threads)."""
    _row_task(y, pilot, r, cols, p, search, n_similar, s2, 0, 1, est, pos, size)


@jit
def add_groups(acc, count, est, pos, size, p):
    """Add each group's estimates to ``acc`` and 1 per estimate to ``count``
    over its patch's pixels, in reference then group order."""
    for j in range(size.size):
        for i in range(size[j]):
            a, b = pos[j, i, 0], pos[j, i, 1]
            for u in range(p):
                for v in range(p):
                    acc[a + u, b + v] += est[j, i, u * p + v]
                    count[a + u, b + v] += 1.0
