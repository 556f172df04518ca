"""Numba kernels for the scaled forward-backward recursion (float64), with a
log-space fallback for sequences whose scaled recursion would underflow.

Inputs follow the conventions of :mod:`._kernels` (emission table and
``obs`` rows, sequences end to end with ``offsets``).
"""

from collections import namedtuple

import numpy as np
from numba import prange

from .._numba import jit
from ._kernels import _first_argmax, _live_scratch, _longest, _sumprod

# numba compiles a namedtuple as a tuple type with field access by name
Chain = namedtuple("Chain", "trans tiles n_cols start log_trans log_start log_space")
Scaled = namedtuple("Scaled", "prob shift usable")
Scaled.__doc__ = """Emissions for the scaled recursion: ``prob[r] = exp(emit[r] -
shift[r])`` and whether row ``r`` is ``usable`` in probability space."""
Chain.__doc__ = """A first-order chain as the kernels take it: ``trans`` (K, K)
probabilities, its column ``tiles`` (see ``_inputs.tiled_rows``) and padded
width ``n_cols``, ``start`` probabilities, ``log_trans``, ``log_start``, and
``log_space`` (whether the whole model must run in log space)."""

# --------------------------------------------------------------------------
# Forward-backward (scaled, probability space, float64)
# --------------------------------------------------------------------------

# exp(x) of a float64 is 0 or subnormal below this: a scaled recursion that
# would take it has lost precision and the sequence is redone in log space.
LOG_UNDERFLOW = -708.0


@jit
def _forward_backward_one(
    emit_prob,
    emit_shift,
    usable,
    obs,
    trans,
    tiles,
    n_cols,
    live,
    start,
    post,
    alpha,
    scale,
    beta,
    nxt,
    tmp,
    xi,
    backward,
):
    """Scaled forward-backward for one sequence.

    ``post`` (T x K) receives the posteriors gamma; ``xi`` (K x K) gets the
    expected transition counts sum_t xi_t added to it.  Returns the
    log-likelihood, or NaN (nothing added to ``xi``) when some needed
    emission ratio underflows or no state is reachable: the caller then runs
    :func:`_forward_backward_log_one`, which decides.

    Forward: alpha[t] = (alpha[t-1] @ trans) * e[t] / c[t], with c[t] its sum
    (the product on ``tiles``, ``trans`` packed with zero padding; ``tmp`` is
    as long as the tiles' columns).
    Backward: beta[t, i] = sum_j trans[i, j] e[t+1, j] beta[t+1, j] / c[t+1].
    Emissions come as ``emit_prob[r] = exp(log_emit[r] - emit_shift[r])``
    (each row shifted by its maximum, see :func:`scaled_emissions`); the
    shifts are added back to the log-likelihood, and a row that is not
    ``usable`` (it underflowed or is all -inf) sends the sequence to log
    space.  Without ``backward`` only the log-likelihood is computed
    (``post`` is then scratch).
    """
    n_steps = post.shape[0]
    n_states = trans.shape[0]
    if n_steps == 0:
        return 0.0
    loglik = 0.0
    for t in range(n_steps):  # forward; post[t] <- e[t]
        row = obs[t]
        if not usable[row]:
            return np.nan
        for j in range(n_states):
            post[t, j] = emit_prob[row, j]
        if t == 0:
            tmp[:n_states] = start
        else:
            _sumprod(alpha[t - 1], tiles, live, tmp, n_cols)
        total = 0.0
        for j in range(n_states):
            tmp[j] *= post[t, j]
            total += tmp[j]
        if total == 0.0:
            return np.nan
        for j in range(n_states):
            alpha[t, j] = tmp[j] / total
        scale[t] = total
        loglik += np.log(total) + emit_shift[row]
    if not backward:
        return loglik
    beta[:] = 1.0  # backward; beta = beta[t+1]
    for t in range(n_steps - 2, -1, -1):
        for j in range(n_states):
            tmp[j] = post[t + 1, j] * beta[j] / scale[t + 1]
        for i in range(n_states):
            a = alpha[t, i]
            acc = 0.0
            for j in range(n_states):
                w = trans[i, j] * tmp[j]
                acc += w
                xi[i, j] += a * w
            nxt[i] = acc
        _posterior_row(alpha[t + 1], beta, post[t + 1])
        beta, nxt = nxt, beta
    _posterior_row(alpha[0], beta, post[0])
    return loglik


@jit
def _scale_range(table, first, last, prob, shift, usable):
    """Rows first..last-1 of :func:`scale_rows`."""
    n_states = table.shape[1]
    for i in range(first, last):
        top = -np.inf
        for j in range(n_states):
            top = max(top, table[i, j])
        shift[i] = top
        usable[i] = False
        if top == -np.inf:
            prob[i, :] = 0.0
            continue
        for j in range(n_states):
            prob[i, j] = np.exp(table[i, j] - top)
        usable[i] = _row_usable(table[i], top)


@jit
def _row_usable(row, top):
    """No finite entry of ``row`` lies more than -LOG_UNDERFLOW below
    ``top`` (its scaled probability would underflow)."""
    for v in row:
        if v - top < LOG_UNDERFLOW and v > -np.inf:
            return False
    return True


@jit(parallel=True)
def scale_rows_parallel(table, chunk_bounds, prob, shift, usable):
    """``prob[i] = exp(table[i] - shift[i])`` with ``shift[i]`` the row's
    maximum, and whether the row is ``usable`` by the scaled recursion (not
    all -inf, no finite entry underflowing); rows of all -inf get zeros.
    In parallel over the row ranges ``chunk_bounds``."""
    for c in prange(chunk_bounds.shape[0] - 1):
        _scale_range(table, chunk_bounds[c], chunk_bounds[c + 1], prob, shift, usable)


@jit
def scale_rows(table, chunk_bounds, prob, shift, usable):
    """Serial twin of :func:`scale_rows_parallel`."""
    _scale_range(table, 0, chunk_bounds[-1], prob, shift, usable)


@jit
def _posterior_row(alpha, beta, out):
    """out = alpha * beta, normalized to sum to one."""
    norm = 0.0
    for j in range(out.shape[0]):
        out[j] = alpha[j] * beta[j]
        norm += out[j]
    for j in range(out.shape[0]):
        out[j] /= norm


@jit
def _logsumexp(x):
    """log(sum(exp(x))) of a 1-D array, -inf if all entries are -inf."""
    top = x[_first_argmax(x)]
    if top == -np.inf:
        return -np.inf
    total = 0.0
    for v in x:
        total += np.exp(v - top)
    return top + np.log(total)


@jit
def _forward_backward_log_one(
    emit, obs, log_trans, log_start, post, lalpha, lbeta, nxt, tmp, xi, backward
):
    """Log-space forward-backward for one sequence (the exact fallback).

    Same outputs as :func:`_forward_backward_one`; returns -inf (posteriors
    0, ``xi`` untouched) when the sequence is impossible.
    """
    n_steps = post.shape[0]
    n_states = log_trans.shape[0]
    if n_steps == 0:
        return 0.0
    for j in range(n_states):
        lalpha[0, j] = log_start[j] + emit[obs[0], j]
    for t in range(1, n_steps):
        le = emit[obs[t]]
        for j in range(n_states):
            for i in range(n_states):
                tmp[i] = lalpha[t - 1, i] + log_trans[i, j]
            lalpha[t, j] = _logsumexp(tmp) + le[j]
    loglik = _logsumexp(lalpha[n_steps - 1])
    if not backward:
        return loglik
    if loglik == -np.inf:
        post[:, :] = 0.0
        return -np.inf
    lbeta[:] = 0.0  # lbeta = log beta[t+1]
    for t in range(n_steps - 2, -1, -1):
        le = emit[obs[t + 1]]
        for i in range(n_states):
            for j in range(n_states):
                tmp[j] = log_trans[i, j] + le[j] + lbeta[j]
                xi[i, j] += np.exp(lalpha[t, i] + tmp[j] - loglik)
            nxt[i] = _logsumexp(tmp)
        for j in range(n_states):
            post[t + 1, j] = np.exp(lalpha[t + 1, j] + lbeta[j] - loglik)
        lbeta, nxt = nxt, lbeta
    for j in range(n_states):
        post[0, j] = np.exp(lalpha[0, j] + lbeta[j] - loglik)
    return loglik


@jit
def _fb_range(
    emit, scaled, obs, offsets, first, last, model, backward, post, loglik, xi
):
    """Forward-backward over sequences first..last-1, adding into ``xi``.

    ``scaled`` is a :class:`Scaled` (from ``forward_backward.scaled_emissions``)
    and ``model`` a :class:`Chain`.  Scaled arithmetic first; log space for
    the sequences it cannot resolve, or for all of them when
    ``log_space`` (a model whose probabilities underflow ``exp``).  Without
    ``backward`` only the log-likelihoods are computed and ``post`` is
    ignored (scratch of one sequence is used).
    """
    emit_prob, emit_shift, usable = scaled.prob, scaled.shift, scaled.usable
    trans, tiles, n_cols, start = model.trans, model.tiles, model.n_cols, model.start
    log_trans, log_start, log_space = model.log_trans, model.log_start, model.log_space
    n_states = trans.shape[0]
    maxlen = _longest(offsets, first, last)
    alpha = np.empty((maxlen, n_states))
    scale = np.empty(maxlen)
    beta = np.empty(n_states)
    nxt = np.empty(n_states)
    tmp = np.empty(tiles.shape[0] * tiles.shape[2])
    live = _live_scratch(n_states)
    scratch = np.empty((0 if backward else maxlen, n_states))
    for s in range(first, last):
        a, b = offsets[s], offsets[s + 1]
        out = post[a:b] if backward else scratch[: b - a]
        result = np.nan
        if not log_space:
            result = _forward_backward_one(
                emit_prob,
                emit_shift,
                usable,
                obs[a:b],
                trans,
                tiles,
                n_cols,
                live,
                start,
                out,
                alpha,
                scale,
                beta,
                nxt,
                tmp,
                xi,
                backward,
            )
        if np.isnan(result):
            result = _forward_backward_log_one(
                emit,
                obs[a:b],
                log_trans,
                log_start,
                out,
                alpha,
                beta,
                nxt,
                tmp[:n_states],
                xi,
                backward,
            )
        loglik[s] = result


@jit(parallel=True)
def forward_backward_parallel(
    emit, scaled, obs, offsets, chunk_bounds, model, backward, post, loglik, xi_parts
):
    """Forward-backward in parallel over chunks of sequences.

    Chunk c adds its expected transition counts into ``xi_parts[c]``; the
    caller sums the parts in chunk order, so the result does not depend on
    how many threads ran the chunks.
    """
    for c in prange(chunk_bounds.shape[0] - 1):
        _fb_range(
            emit,
            scaled,
            obs,
            offsets,
            chunk_bounds[c],
            chunk_bounds[c + 1],
            model,
            backward,
            post,
            loglik,
            xi_parts[c],
        )


@jit
def forward_backward(
    emit, scaled, obs, offsets, chunk_bounds, model, backward, post, loglik, xi_parts
):
    """Serial twin of :func:`forward_backward_parallel` (same chunking)."""
    for c in range(chunk_bounds.shape[0] - 1):
        _fb_range(
            emit,
            scaled,
            obs,
            offsets,
            chunk_bounds[c],
            chunk_bounds[c + 1],
            model,
            backward,
            post,
            loglik,
            xi_parts[c],
        )
