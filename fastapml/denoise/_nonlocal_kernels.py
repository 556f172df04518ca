"""Numba kernels of the non-local Bayes step (:mod:`.nonlocal_bayes`).

One group per reference patch: the ``n_similar`` patches of the search
window closest to it in the pilot image, estimated together under the
Gaussian whose covariance is the group's pilot covariance; patches with
unobserved pixels (inpainting) by Gaussian conditioning on the rest.  Work goes one
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
JITTER = 1e-10


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
def _cholesky_solve(a, b, n):
    """Solve ``a[:n, :n] z = b[:n]`` for symmetric positive definite
    ``a`` in place: ``a``'s lower triangle becomes its Cholesky factor and
    ``b`` the solution."""
    for j in range(n):
        s = a[j, j]
        for k in range(j):
            s -= a[j, k] * a[j, k]
        a[j, j] = np.sqrt(s)
        for i in range(j + 1, n):
            s = a[i, j]
            for k in range(j):
                s -= a[i, k] * a[j, k]
            a[i, j] = s / a[j, j]
    for i in range(n):  # L w = b
        s = b[i]
        for k in range(i):
            s -= a[i, k] * b[k]
        b[i] = s / a[i, i]
    for i in range(n - 1, -1, -1):  # L^T z = w
        s = b[i]
        for k in range(i + 1, n):
            s -= a[k, i] * b[k]
        b[i] = s / a[i, i]


@jit
def _masked_estimate(cov, reg, mean, centred, seen, sub, rhs, idx, out):
    """``mean + C[:, o] (C[o, o] + reg I)^-1 (y_o - mean_o)`` into ``out``
    for one patch y observed at ``o`` (where ``seen``), given ``centred``
    = y - mean; ``sub``, ``rhs`` and ``idx`` are scratch space."""
    n = 0
    for j in range(seen.size):
        if seen[j]:
            idx[n] = j
            n += 1
    for a in range(n):
        for b in range(a + 1):
            sub[a, b] = cov[idx[a], idx[b]]
        sub[a, a] += reg
        rhs[a] = centred[idx[a]]
    _cholesky_solve(sub, rhs, n)
    for j in range(out.size):
        s = mean[j]
        for a in range(n):
            s += cov[j, idx[a]] * rhs[a]
        out[j] = s


@jit
def _group(y, keep, pilot, r, c, p, search, n_similar, s2, scratch, est, pos):
    """The group of the reference patch at (r, c): its corners into ``pos``,
    the estimates of its patches y_i into ``est``; returns the group's size.

    m: per pixel, the mean of the group's observed (``keep``) noisy values,
    the pilot patches' mean where none is; C: the covariance of the group's
    pilot patches.  A patch observed everywhere is estimated as ``m + (C +
    s2 I)^-1 C (y_i - m)``, one gain for the whole group; any other as
    ``m + C[:, o] (C[o, o] + s2 I)^-1 (y_o - m_o)`` on its observed pixels
    o (Gaussian conditioning)."""
    dist, where, sub, rhs, idx, noisy, clean, seen = scratch
    n_cand = _candidates(pilot, r, c, p, search, dist, where)
    order = np.argsort(dist[:n_cand], kind="mergesort")
    n = min(n_similar, n_cand)
    d = p * p
    noisy, clean, seen = noisy[:n], clean[:n], seen[:n]
    for i in range(n):
        a, b = where[order[i], 0], where[order[i], 1]
        pos[i, 0] = a
        pos[i, 1] = b
        for u in range(p):
            for v in range(p):
                noisy[i, u * p + v] = y[a + u, b + v]
                clean[i, u * p + v] = pilot[a + u, b + v]
                seen[i, u * p + v] = keep[a + u, b + v]
    centre = clean.sum(axis=0) / n
    mean = centre.copy()
    for j in range(d):
        total, count = 0.0, 0
        for i in range(n):
            if seen[i, j]:
                total += noisy[i, j]
                count += 1
        if count:
            mean[j] = total / count
    clean -= centre
    cov = np.dot(clean.T, clean) / n
    reg = s2 + JITTER * np.trace(cov) / d
    noisy -= mean
    full = seen.sum(axis=1) == d
    if full.any():
        shifted = cov.copy()
        for j in range(d):
            shifted[j, j] += reg
        gain = np.linalg.solve(shifted, cov)
        if full.all():
            est[:n] = np.dot(noisy, gain) + mean
            return n
        for i in range(n):
            if full[i]:
                est[i] = np.dot(noisy[i], gain) + mean
    for i in range(n):
        if not full[i]:
            _masked_estimate(cov, reg, mean, noisy[i], seen[i], sub, rhs, idx, est[i])
    return n


@jit
def _row_task(images, r, cols, settings, task, n_tasks, out):
    """Groups of the references ``(r, cols[j])`` for j = task, task +
    n_tasks, ...; ``images`` = (y, keep, pilot), ``settings`` = (p,
    search, n_similar, s2); ``out`` = (est, pos, size) whose ``[j]``
    receive each group."""
    y, keep, pilot = images
    p, search, n_similar, s2 = settings
    est, pos, size = out
    n_window = (2 * search + 1) ** 2
    d = p * p
    # every group's work space, allocated once per task
    scratch = (
        np.empty(n_window),
        np.empty((n_window, 2), dtype=np.int64),
        np.empty((d, d)),
        np.empty(d),
        np.empty(d, dtype=np.int64),
        np.empty((n_similar, d)),
        np.empty((n_similar, d)),
        np.empty((n_similar, d), dtype=np.bool_),
    )
    for j in range(task, cols.size, n_tasks):
        args = (r, cols[j], p, search, n_similar, s2, scratch, est[j], pos[j])
        size[j] = _group(y, keep, pilot, *args)


@jit(parallel=True)
def group_row_parallel(images, r, cols, settings, n_tasks, out):
    """The groups of one row of references (see :func:`_row_task`), in
    parallel over ``n_tasks`` interleaved sets of references."""
    for t in prange(n_tasks):
        _row_task(images, r, cols, settings, np.int64(t), n_tasks, out)


@jit
def group_row(images, r, cols, settings, n_tasks, out):
    """Serial twin of :func:`group_row_parallel` (for worker threads)."""
    _row_task(images, r, cols, settings, 0, 1, out)


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
