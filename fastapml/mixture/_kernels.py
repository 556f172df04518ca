"""Numba kernels for Gaussian-mixture EM (every loop of fastapml.mixture).

Samples are processed in blocks of ``BLOCK`` rows, copied transposed into a
(d, BLOCK) buffer so every inner loop runs over samples: contiguous and
vectorized, with no horizontal sums in the E-step.  For each block the
kernels compute the K log-densities, the log-sum-exp, the responsibilities,
and add the M-step's sufficient statistics — X is read once per iteration and
no n x K array exists beyond a block.

A model is a :class:`Model` named tuple ``(kind, means, chol, log_norm,
center, aux)``:

- ``kind``: FULL, TIED or DIAG (spherical runs as DIAG);
- ``means`` (K, d); ``chol``: the precision Cholesky factors P with
  Sigma^-1 = P P^T, as (K, d, d) upper triangular (FULL), (1, d, d) (TIED)
  or (K, 1, d) diagonals (DIAG);
- ``log_norm[k] = log w_k + log det P_k - d/2 log(2 pi)``;
- TIED only: ``center`` (d,) and ``aux[k] = P^T (mu_k - center)``, so the
  block is transformed once, z = P^T (x - center), and each component costs
  |z - aux[k]|^2.

Second moments are accumulated around a shift — each component's current
mean (FULL, DIAG) or ``center`` (TIED) — so float32 variances cannot come
out negative by cancellation; block sums are added into float64 totals.
"""

from collections import namedtuple

import numpy as np
from numba import prange

from .._numba import jit
from .._simd import exp_nonpositive

BLOCK = 512
PITCH = BLOCK + 16  # row length of the block buffers
FULL, TIED, DIAG = 0, 1, 2

# numba compiles a namedtuple as a tuple type with field access by name
Model = namedtuple("Model", "kind means chol log_norm center aux")


# --------------------------------------------------------------------------
# One block: log-densities, responsibilities
# --------------------------------------------------------------------------


@jit
def _load_block(X, start, nb, xt):
    """xt[a, i] = X[start + i, a] for i < nb."""
    for i in range(nb):
        for a in range(X.shape[1]):
            xt[a, i] = X[start + i, a]


@jit
def _center(xt, nb, shift, diff):
    """diff[a, i] = xt[a, i] - shift[a]."""
    for a in range(xt.shape[0]):
        s = shift[a]
        for i in range(nb):
            diff[a, i] = xt[a, i] - s


@jit
def _triangular_norms(diff, nb, chol, acc, out):
    """out[i] = |P^T diff[:, i]|^2 for upper-triangular P.

    Output j of P^T d sums chol[a, j] d[a] over a <= j; four outputs are
    built per pass over diff (rows a > j of a column are zero), so each
    loaded row feeds four multiply-adds.  ``acc`` is (>= 4, nb) scratch.
    """
    d = diff.shape[0]
    for i in range(nb):
        out[i] = 0.0
    j = 0
    while j + 4 <= d:
        for c in range(4):
            for i in range(nb):
                acc[c, i] = 0.0
        for a in range(0, j + 4, 4):
            p00, p01, p02, p03 = (
                chol[a, j],
                chol[a, j + 1],
                chol[a, j + 2],
                chol[a, j + 3],
            )
            p10, p11, p12, p13 = (
                chol[a + 1, j],
                chol[a + 1, j + 1],
                chol[a + 1, j + 2],
                chol[a + 1, j + 3],
            )
            p20, p21, p22, p23 = (
                chol[a + 2, j],
                chol[a + 2, j + 1],
                chol[a + 2, j + 2],
                chol[a + 2, j + 3],
            )
            p30, p31, p32, p33 = (
                chol[a + 3, j],
                chol[a + 3, j + 1],
                chol[a + 3, j + 2],
                chol[a + 3, j + 3],
            )
            for i in range(nb):
                t0, t1 = diff[a, i], diff[a + 1, i]
                t2, t3 = diff[a + 2, i], diff[a + 3, i]
                acc[0, i] += p00 * t0 + p10 * t1 + p20 * t2 + p30 * t3
                acc[1, i] += p01 * t0 + p11 * t1 + p21 * t2 + p31 * t3
                acc[2, i] += p02 * t0 + p12 * t1 + p22 * t2 + p32 * t3
                acc[3, i] += p03 * t0 + p13 * t1 + p23 * t2 + p33 * t3
        for i in range(nb):
            out[i] += (
                acc[0, i] * acc[0, i]
                + acc[1, i] * acc[1, i]
                + acc[2, i] * acc[2, i]
                + acc[3, i] * acc[3, i]
            )
        j += 4
    for j in range(j, d):  # noqa: B020  (the last d % 4 outputs, one at a time)
        for i in range(nb):
            acc[0, i] = 0.0
        for a in range(j + 1):
            p = chol[a, j]
            for i in range(nb):
                acc[0, i] += p * diff[a, i]
        for i in range(nb):
            out[i] += acc[0, i] * acc[0, i]


@jit
def _diag_norms(xt, nb, mean, prec, out):
    """out[i] = sum_a ((xt[a, i] - mean[a]) * prec[a])^2."""
    for i in range(nb):
        out[i] = 0.0
    d = xt.shape[0]
    a = 0
    while a + 4 <= d:
        m0, m1, m2, m3 = mean[a], mean[a + 1], mean[a + 2], mean[a + 3]
        p0, p1, p2, p3 = prec[a], prec[a + 1], prec[a + 2], prec[a + 3]
        for i in range(nb):
            t0 = (xt[a, i] - m0) * p0
            t1 = (xt[a + 1, i] - m1) * p1
            t2 = (xt[a + 2, i] - m2) * p2
            t3 = (xt[a + 3, i] - m3) * p3
            out[i] += t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3
        a += 4
    while a < d:
        m0, p0 = mean[a], prec[a]
        for i in range(nb):
            t0 = (xt[a, i] - m0) * p0
            out[i] += t0 * t0
        a += 1


@jit
def _sq_dists(z, nb, point, out):
    """out[i] = sum_a (z[a, i] - point[a])^2."""
    for i in range(nb):
        out[i] = 0.0
    for a in range(z.shape[0]):
        m = point[a]
        for i in range(nb):
            t = z[a, i] - m
            out[i] += t * t


@jit
def _log_prob_block(model, xt, nb, diff, acc, lp):
    """lp[k, i] = log w_k + log N(x_i; mu_k, Sigma_k) for the block."""
    kind, means, chol, log_norm, center, aux = model
    if kind == TIED:  # diff = P^T (x - center), row by row
        _center(xt, nb, center, acc[1:])
        for j in range(xt.shape[0]):
            for i in range(nb):
                diff[j, i] = 0.0
            for a in range(j + 1):
                p = chol[0, a, j]
                for i in range(nb):
                    diff[j, i] += p * acc[1 + a, i]
    for k in range(means.shape[0]):
        row = lp[k]
        if kind == FULL:
            _center(xt, nb, means[k], diff)
            _triangular_norms(diff, nb, chol[k], acc, row)
        elif kind == TIED:
            _sq_dists(diff, nb, aux[k], row)
        else:
            _diag_norms(xt, nb, means[k], chol[k, 0], row)
        ln, half = log_norm[k], lp.dtype.type(0.5)
        for i in range(nb):
            row[i] = ln - half * row[i]


@jit
def _normalize_block(lp, nb, ll, total):
    """Turn lp (K, nb) into responsibilities in place; ll[i] = log sum_k exp lp[k, i].

    ``total`` is scratch of length >= nb.  Returns sum_i ll[i] in float64.
    """
    n_components = lp.shape[0]
    for i in range(nb):
        ll[i] = lp[0, i]
    for k in range(1, n_components):
        for i in range(nb):
            ll[i] = max(ll[i], lp[k, i])
    for i in range(nb):
        total[i] = 0.0
    for k in range(n_components):
        for i in range(nb):
            e = exp_nonpositive(lp[k, i] - ll[i])
            lp[k, i] = e
            total[i] += e
    block_sum = 0.0
    for i in range(nb):
        ll[i] += np.log(total[i])
        block_sum += ll[i]
        total[i] = lp.dtype.type(1) / total[i]
    for k in range(n_components):
        for i in range(nb):
            lp[k, i] *= total[i]
    return block_sum


@jit
def _argmax_block(lp, nb, best, top):
    """best[i] = first k maximizing lp[k, i] (``top`` is scratch)."""
    for i in range(nb):
        top[i] = lp[0, i]
        best[i] = 0
    for k in range(1, lp.shape[0]):
        for i in range(nb):
            wins = lp[k, i] > top[i]
            top[i] = lp[k, i] if wins else top[i]
            best[i] = k if wins else best[i]


# --------------------------------------------------------------------------
# One block: sufficient statistics
# --------------------------------------------------------------------------


@jit
def _sum(x, nb):
    acc = x.dtype.type(0)
    for i in range(nb):
        acc += x[i]
    return acc


@jit
def _dot(u, v, nb):
    """sum_i u[i] v[i] over the block, in the data's dtype."""
    acc = u.dtype.type(0)
    for i in range(nb):
        acc += u[i] * v[i]
    return acc


@jit
def _diag_moments(xt, nb, resp, mean, s1, s2):
    """s1[a] += sum_i r_i d_ia, s2[a] += sum_i r_i d_ia^2 with d = x - mean,
    four features per pass so each responsibility is loaded once per four."""
    zero = xt.dtype.type(0)
    d = xt.shape[0]
    a = 0
    while a + 4 <= d:
        m0, m1, m2, m3 = mean[a], mean[a + 1], mean[a + 2], mean[a + 3]
        u0, u1, u2, u3 = zero, zero, zero, zero
        v0, v1, v2, v3 = zero, zero, zero, zero
        for i in range(nb):
            r = resp[i]
            t0, t1 = xt[a, i] - m0, xt[a + 1, i] - m1
            t2, t3 = xt[a + 2, i] - m2, xt[a + 3, i] - m3
            w0, w1, w2, w3 = r * t0, r * t1, r * t2, r * t3
            u0 += w0
            u1 += w1
            u2 += w2
            u3 += w3
            v0 += w0 * t0
            v1 += w1 * t1
            v2 += w2 * t2
            v3 += w3 * t3
        s1[a] += u0
        s1[a + 1] += u1
        s1[a + 2] += u2
        s1[a + 3] += u3
        s2[a] += v0
        s2[a + 1] += v1
        s2[a + 2] += v2
        s2[a + 3] += v3
        a += 4
    for a in range(a, d):  # noqa: B020  (the last d % 4 features)
        m0 = mean[a]
        u0, v0 = zero, zero
        for i in range(nb):
            t0 = xt[a, i] - m0
            w0 = resp[i] * t0
            u0 += w0
            v0 += w0 * t0
        s1[a] += u0
        s2[a] += v0


@jit
def _scatter(w, v, nb, s2):
    """s2[a, b] += sum_i w[a, i] v[b, i] for b <= a, in 2 x 2 register blocks
    (a, b < v.shape[0]; w may have more rows)."""
    d = v.shape[0]
    for a in range(0, d, 2):
        a1 = min(a + 1, d - 1)  # odd d: the last pair repeats row a
        for b in range(0, a + 1, 2):
            b1 = min(b + 1, d - 1)
            c00 = w.dtype.type(0)
            c01 = c00
            c10 = c00
            c11 = c00
            for i in range(nb):
                wa, wa1, vb, vb1 = w[a, i], w[a1, i], v[b, i], v[b1, i]
                c00 += wa * vb
                c01 += wa * vb1
                c10 += wa1 * vb
                c11 += wa1 * vb1
            s2[a, b] += c00
            if b1 <= a and b1 != b:
                s2[a, b1] += c01
            if a1 != a:
                s2[a1, b] += c10
                if b1 != b:
                    s2[a1, b1] += c11


@jit
def _add_block_stats(model, xt, nb, resp, diff, w, s0, s1, s2):
    """Add the block's n_k, sum_i r_ik (x_i - shift) and second moments:
    FULL s2[k, a, b] (b <= a) and DIAG s2[k, 0, a] of sum_i r_ik d_ia d_ib with
    d = x - mu_k; TIED s2[0, a, b] = sum_i d_ia d_ib with d = x - center."""
    kind, means = model.kind, model.means
    d = xt.shape[0]
    if kind == TIED:
        _center(xt, nb, model.center, diff)
        _scatter(diff, diff, nb, s2[0])
    for k in range(means.shape[0]):
        r = resp[k]
        s0[k] += _sum(r, nb)
        if kind == TIED:
            for a in range(d):
                s1[k, a] += _dot(r, diff[a], nb)
        elif kind == DIAG:
            _diag_moments(xt, nb, r, means[k], s1[k], s2[k, 0])
        else:
            _center(xt, nb, means[k], diff)
            for a in range(d):
                acc = diff.dtype.type(0)
                for i in range(nb):
                    w[a, i] = r[i] * diff[a, i]
                    acc += w[a, i]
                s1[k, a] += acc
            _scatter(w, diff, nb, s2[k])


@jit
def _buffers(model, d):
    """Per-thread scratch; rows are PITCH long so that rows read together do
    not map to the same L1 cache sets (a 4 KiB stride would)."""
    means = model.means
    dtype = means.dtype
    xt = np.empty((d, PITCH), dtype=dtype)
    diff = np.empty((d, PITCH), dtype=dtype)
    acc = np.empty((max(d + 1, 4), PITCH), dtype=dtype)
    lp = np.empty((means.shape[0], PITCH), dtype=dtype)
    ll = np.empty(PITCH, dtype=dtype)
    return xt, diff, acc, lp, ll


# --------------------------------------------------------------------------
# Drivers
# --------------------------------------------------------------------------


@jit
def _em_range(X, model, first, last, ll_sum, s0, s1, s2, buffers):
    """Blocks first..last-1 of X: sum of log-likelihoods and statistics
    (``buffers``: scratch from :func:`_buffers`)."""
    n = X.shape[0]
    xt, diff, acc, lp, ll = buffers
    total = 0.0
    for blk in range(first, last):
        start = blk * BLOCK
        nb = min(BLOCK, n - start)
        _load_block(X, start, nb, xt)
        _log_prob_block(model, xt, nb, diff, acc, lp)
        total += _normalize_block(lp, nb, ll, acc[0])
        _add_block_stats(model, xt, nb, lp, diff, acc, s0, s1, s2)
    ll_sum[0] = total


@jit(parallel=True)
def em_parallel(X, model, chunk_bounds, ll_sums, s0, s1, s2):
    """E-step and M-step statistics over X, in parallel over chunks of blocks.

    Chunk c (blocks ``chunk_bounds[c]:chunk_bounds[c + 1]``) writes its own
    partial sums ``ll_sums[c]``, ``s0[c]``, ``s1[c]``, ``s2[c]`` (zeroed by the
    caller); the caller adds them in chunk order, so the result does not depend
    on the number of threads.
    """
    for c in prange(chunk_bounds.shape[0] - 1):
        _em_range(
            X,
            model,
            chunk_bounds[c],
            chunk_bounds[c + 1],
            ll_sums[c:],
            s0[c],
            s1[c],
            s2[c],
            _buffers(model, X.shape[1]),
        )


@jit
def em(X, model, chunk_bounds, ll_sums, s0, s1, s2):
    """Serial twin of :func:`em_parallel` (same chunks, for worker threads),
    with one set of scratch buffers for all of them."""
    buffers = _buffers(model, X.shape[1])
    for c in range(chunk_bounds.shape[0] - 1):
        _em_range(
            X,
            model,
            chunk_bounds[c],
            chunk_bounds[c + 1],
            ll_sums[c:],
            s0[c],
            s1[c],
            s2[c],
            buffers,
        )


@jit
def _estimate_range(X, model, first, last, log_prob, labels, resp, want_resp):
    n, d = X.shape
    xt, diff, acc, lp, ll = _buffers(model, d)
    n_components = lp.shape[0]
    best = np.empty(PITCH, dtype=np.int64)
    for blk in range(first, last):
        start = blk * BLOCK
        nb = min(BLOCK, n - start)
        _load_block(X, start, nb, xt)
        _log_prob_block(model, xt, nb, diff, acc, lp)
        _argmax_block(lp, nb, best, acc[1])
        for i in range(nb):
            labels[start + i] = best[i]
        _normalize_block(lp, nb, ll, acc[0])
        for i in range(nb):
            log_prob[start + i] = ll[i]
        if want_resp:
            for i in range(nb):
                for k in range(n_components):
                    resp[start + i, k] = lp[k, i]


@jit(parallel=True)
def estimate_parallel(X, model, chunk_bounds, log_prob, labels, resp, want_resp):
    """Per-sample log-likelihood, most likely component and (if ``want_resp``)
    responsibilities, in parallel over chunks of blocks."""
    for c in prange(chunk_bounds.shape[0] - 1):
        _estimate_range(
            X,
            model,
            chunk_bounds[c],
            chunk_bounds[c + 1],
            log_prob,
            labels,
            resp,
            want_resp,
        )


@jit
def estimate(X, model, chunk_bounds, log_prob, labels, resp, want_resp):
    """Serial twin of :func:`estimate_parallel`."""
    _estimate_range(X, model, 0, chunk_bounds[-1], log_prob, labels, resp, want_resp)
