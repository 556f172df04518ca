"""Numba kernels for patch-based denoising (every loop of fastapml.denoise).

A patch grid is two arrays of top-left corners, ``rows`` and ``cols``; patch
``i`` sits at ``(rows[i // len(cols)], cols[i % len(cols)])`` and is stored
as one row of ``p * p`` pixels in raster order.  ``estimate_patches_parallel``
streams the grid in chunks of patches: extract a chunk (``extract``),
project it on every component's leading eigenvectors with one BLAS matrix
product, and turn the projections into patch estimates; ``accumulate`` adds
them back into the image.

The Gaussian-mixture prior enters as flat arrays (K components, R kept
eigenvectors in all, component k owning columns ``offsets[k]:offsets[k+1]``):

- ``proj``: (n, R + K) projections, ``y . u_j`` for the kept eigenvectors
  then ``y . mu_k``;
- ``ut``: (R + K, d) the kept eigenvectors as rows, then the means, so
  ``proj = patches @ ut.T``; ``means``: (K, d);
- ``shift``: (R,) ``mu_k . u_j``, so ``(y - mu_k) . u_j = proj - shift``;
- ``quad``: (R,) ``1/(lambda_j + s^2) - 1/(tau_k + s^2)``, where tau_k is
  the mean of the component's dropped (flat-tail) eigenvalues;
- ``gain``: (R,) ``lambda_j/(lambda_j + s^2) - tau_k/(tau_k + s^2)``;
- per component: ``tail_quad = 1/(tau_k + s^2)``,
  ``tail_gain = tau_k/(tau_k + s^2)``, ``const`` (log weight minus half the
  log-determinant) and ``mean_sq = |mu_k|^2``.

With these, component k's log-density of a patch y under N(mu_k, C_k + s^2 I)
is ``const_k - (sum_j quad_j (proj_j - shift_j)^2 + tail_quad_k |y - mu_k|^2)/2``
and its Wiener estimate is
``mu_k + tail_gain_k (y - mu_k) + sum_j gain_j (proj_j - shift_j) u_j``.
Patches are independent, so the parallel loops give the same result with any
number of threads.
"""

import numpy as np
from numba import prange

from .._numba import jit


@jit
def extract(image, rows, cols, p, first, out, dc, remove_mean):
    """Patches ``first .. first + len(out)`` of the grid into ``out`` (n, p*p).

    With ``remove_mean`` each patch's mean is subtracted and kept in ``dc``.
    """
    n_cols = cols.shape[0]
    for i in range(out.shape[0]):
        r0 = rows[(first + i) // n_cols]
        c0 = cols[(first + i) % n_cols]
        total = 0.0
        for a in range(p):
            for b in range(p):
                v = image[r0 + a, c0 + b]
                out[i, a * p + b] = v
                total += v
        if remove_mean:
            mean = total / (p * p)
            dc[i] = mean
            for j in range(p * p):
                out[i, j] -= mean


@jit
def accumulate(acc, rows, cols, p, patches):
    """``acc += sum_i P_i^T patches[i]`` over the grid's patches: the adjoint
    of ``extract`` (serial: patches overlap)."""
    n_cols = cols.shape[0]
    for i in range(patches.shape[0]):
        r0 = rows[i // n_cols]
        c0 = cols[i % n_cols]
        for a in range(p):
            for b in range(p):
                acc[r0 + a, c0 + b] += patches[i, a * p + b]


@jit
def _log_densities(
    proj, y_sq, i, offsets, shift, quad, tail_quad, const, mean_sq, scores
):
    """scores[k] = log(pi_k N(y_i; mu_k, C_k + s^2 I)) for every component;
    returns the best component."""
    n_kept = shift.shape[0]
    best = 0
    for k in range(const.shape[0]):
        dist = y_sq - 2.0 * proj[i, n_kept + k] + mean_sq[k]
        acc = tail_quad[k] * dist
        for j in range(offsets[k], offsets[k + 1]):
            v = proj[i, j] - shift[j]
            acc += quad[j] * v * v
        scores[k] = const[k] - 0.5 * acc
        if scores[k] > scores[best]:
            best = k
    return best


@jit
def _add_estimate(proj, patches, i, k, offsets, shift, gain, tail_gain, ut, means, out):
    """out[i] += the Wiener estimate of patch i under component k."""
    g = tail_gain[k]
    for d in range(out.shape[1]):
        out[i, d] += means[k, d] + g * (patches[i, d] - means[k, d])
    for j in range(offsets[k], offsets[k + 1]):
        h = gain[j] * (proj[i, j] - shift[j])
        for d in range(out.shape[1]):
            out[i, d] += h * ut[j, d]


@jit
def _mix_estimate(proj, patches, i, scores, best, offsets, shift, gain, tail_gain, out):
    """The posterior-weighted sum of the components' Wiener estimates of
    patch i, but for its eigenvector and mean terms, into out[i]; those
    terms' coefficients replace the projections in proj[i] (weight times
    gain times projection; weight times one minus the tail gain), so that
    one matrix product with ``ut`` per chunk adds them."""
    n_kept = shift.shape[0]
    top = scores[best]
    total = 0.0
    for k in range(scores.shape[0]):
        scores[k] = np.exp(scores[k] - top)
        total += scores[k]
    on_y = 0.0
    for k in range(scores.shape[0]):
        w = scores[k] / total
        on_y += w * tail_gain[k]
        proj[i, n_kept + k] = w - w * tail_gain[k]
        for j in range(offsets[k], offsets[k + 1]):
            proj[i, j] = w * gain[j] * (proj[i, j] - shift[j])
    for d in range(out.shape[1]):
        out[i, d] += on_y * patches[i, d]


@jit
def _squared_norm(patches, i):
    total = 0.0
    for d in range(patches.shape[1]):
        total += patches[i, d] * patches[i, d]
    return total


@jit
def _chunk_estimates(
    proj,
    patches,
    dc,
    offsets,
    shift,
    quad,
    gain,
    tail_quad,
    tail_gain,
    const,
    mean_sq,
    ut,
    means,
    soft,
    scores,
    out,
):
    """Estimates of one chunk of patches (see :func:`estimate_patches_parallel`)."""
    for i in range(out.shape[0]):
        best = _log_densities(
            proj,
            _squared_norm(patches, i),
            i,
            offsets,
            shift,
            quad,
            tail_quad,
            const,
            mean_sq,
            scores,
        )
        for d in range(out.shape[1]):
            out[i, d] = dc[i]
        if soft:
            _mix_estimate(
                proj, patches, i, scores, best, offsets, shift, gain, tail_gain, out
            )
        else:
            _add_estimate(
                proj, patches, i, best, offsets, shift, gain, tail_gain, ut, means, out
            )


@jit
def _task_estimates(
    image,
    rows,
    cols,
    p,
    project,
    offsets,
    shift,
    quad,
    gain,
    tail_quad,
    tail_gain,
    const,
    mean_sq,
    ut,
    means,
    soft,
    chunk,
    start,
    stop,
    task,
    n_tasks,
    out,
):
    """Chunks ``task, task + n_tasks, ...`` of the grid's patches from
    ``start`` (a multiple of ``chunk``) to ``stop``."""
    n = stop
    patches = np.empty((chunk, p * p), dtype=out.dtype)
    dc = np.empty(chunk, dtype=out.dtype)
    proj = np.empty((chunk, project.shape[1]), dtype=out.dtype)
    mixed = np.empty((chunk, p * p), dtype=out.dtype)
    scores = np.empty(const.shape[0], dtype=np.float64)
    for first in range(start + task * chunk, n, n_tasks * chunk):
        size = min(chunk, n - first)
        if size < chunk:  # the last chunk: np.dot wants whole arrays
            patches, proj, mixed = patches[:size], proj[:size], mixed[:size]
        extract(image, rows, cols, p, first, patches, dc, True)
        np.dot(patches, project, proj)
        block = out[first : first + size]
        _chunk_estimates(
            proj,
            patches,
            dc,
            offsets,
            shift,
            quad,
            gain,
            tail_quad,
            tail_gain,
            const,
            mean_sq,
            ut,
            means,
            soft,
            scores,
            block,
        )
        if soft:
            np.dot(proj, ut, mixed)
            block += mixed


@jit(parallel=True)
def estimate_patches_parallel(
    image,
    rows,
    cols,
    p,
    project,
    offsets,
    shift,
    quad,
    gain,
    tail_quad,
    tail_gain,
    const,
    mean_sq,
    ut,
    means,
    soft,
    chunk,
    start,
    stop,
    n_tasks,
    out,
):
    """The estimate of grid patches ``start:stop`` under the mixture, plus
    each patch's mean, into ``out``.

    Per chunk of ``chunk`` patches: extract them with their means removed,
    project them with one matrix product (``np.dot``, BLAS; the caller
    keeps BLAS to one thread per call), then per patch the estimate:

    - EPLL's step: the Wiener estimate under the most likely component;
    - ``soft``: the posterior mean under the whole mixture, the Wiener
      estimates weighted by the components' posterior probabilities; their
      eigenvector and mean terms are summed by a second matrix product,
      with ``ut``.

    In parallel over ``n_tasks``
    interleaved sets of chunks; every patch is computed the same way
    whatever the number of threads.
    """
    for t in prange(n_tasks):
        _task_estimates(
            image,
            rows,
            cols,
            p,
            project,
            offsets,
            shift,
            quad,
            gain,
            tail_quad,
            tail_gain,
            const,
            mean_sq,
            ut,
            means,
            soft,
            chunk,
            start,
            stop,
            np.int64(t),
            n_tasks,
            out,
        )


@jit
def estimate_patches(
    image,
    rows,
    cols,
    p,
    project,
    offsets,
    shift,
    quad,
    gain,
    tail_quad,
    tail_gain,
    const,
    mean_sq,
    ut,
    means,
    soft,
    chunk,
    start,
    stop,
    n_tasks,
    out,
):
    """Serial twin of :func:`estimate_patches_parallel` (for worker threads)."""
    _task_estimates(
        image,
        rows,
        cols,
        p,
        project,
        offsets,
        shift,
        quad,
        gain,
        tail_quad,
        tail_gain,
        const,
        mean_sq,
        ut,
        means,
        soft,
        chunk,
        start,
        stop,
        0,
        1,
        out,
    )


@jit
def counts(shape, rows, cols, p):
    """How many grid patches cover each pixel: ``sum_i P_i^T P_i``."""
    out = np.zeros(shape, dtype=np.float64)
    for r0 in rows:
        for c0 in cols:
            out[r0 : r0 + p, c0 : c0 + p] += 1.0
    return out
