"""Numba kernels for HMMs with Gaussian and Gaussian-mixture emissions.

Both passes run on the mixture engine's blocks (:mod:`fastapml.mixture._kernels`:
``BLOCK`` samples at a time, transposed so that the inner loops run over
samples) and on its :class:`~fastapml.mixture._kernels.Model`, whose ``G * M``
components are the M mixture components of each of the G states (M = 1 for
a Gaussian HMM).

- :func:`frame_log_densities`: ``out[t, g] = log sum_m w_gm N(x_t; mu_gm,
  Sigma_gm)``, every state and frame in one pass.
- :func:`frame_statistics`: given the state posteriors gamma (T, G), the
  M-step sums ``s0 = sum_t r``, ``s1 = sum_t r (x_t - shift)`` and the second
  moments ``s2`` of :func:`fastapml.mixture._kernels._add_block_stats`, with
  ``r[t, g m] = gamma[t, g] w_gm N_gm(x_t) / sum_m' w_gm' N_gm'(x_t)``.

Chunks of blocks run in parallel, each into its own partial sums, which the
caller adds in chunk order: results do not depend on the thread count.
"""

import numpy as np
from numba import prange

from .._numba import jit
from .._simd import exp_nonpositive
from ..mixture._kernels import (
    BLOCK,
    PITCH,
    _add_block_stats,
    _buffers,
    _load_block,
    _log_prob_block,
)
from ._forward_backward_kernels import LOG_UNDERFLOW


@jit
def _state_log_densities(lp, nb, n_mix, sl):
    """sl[g, i] = log sum_m exp lp[g M + m, i] (the components of state g),
    in float64; lp keeps its values."""
    for g in range(sl.shape[0]):
        base = g * n_mix
        for i in range(nb):
            top = np.float64(lp[base, i])
            for m in range(1, n_mix):
                top = max(top, np.float64(lp[base + m, i]))
            if n_mix == 1 or top == -np.inf:
                sl[g, i] = top
                continue
            total = 0.0
            for m in range(n_mix):
                total += np.exp(lp[base + m, i] - top)
            sl[g, i] = top + np.log(total)


@jit
def _scale_block(sl, nb, top, ok, start, prob, shift, usable):
    """The scaled recursion's emissions of the block (see
    ``forward_backward.scaled_emissions``), vectorized over frames:
    prob[start + i, g] = exp(sl[g, i] - top[i]) with top[i] the frame's
    largest state log-density."""
    n_states = sl.shape[0]
    for i in range(nb):
        top[i] = sl[0, i]
        ok[i] = True
    for g in range(1, n_states):
        for i in range(nb):
            top[i] = max(top[i], sl[g, i])
    for g in range(n_states):
        for i in range(nb):
            v = sl[g, i]
            gap = v - top[i]
            ok[i] = ok[i] and not (gap < LOG_UNDERFLOW and v > -np.inf)
            prob[start + i, g] = exp_nonpositive(gap)  # NaN (all -inf) -> 0
    for i in range(nb):
        shift[start + i] = top[i]
        usable[start + i] = ok[i] and top[i] > -np.inf


@jit
def _densities_range(X, model, n_mix, first, last, out, scaled, buffers):
    n = X.shape[0]
    xt, diff, acc, lp, _ = buffers
    n_states = out.shape[1]
    sl = np.empty((n_states, PITCH))
    top = np.empty(PITCH)
    ok = np.empty(PITCH, dtype=np.bool_)
    prob, shift, usable = scaled
    for blk in range(first, last):
        start = blk * BLOCK
        nb = min(BLOCK, n - start)
        _load_block(X, start, nb, xt)
        _log_prob_block(model, xt, nb, diff, acc, lp)
        _state_log_densities(lp, nb, n_mix, sl)
        for i in range(nb):
            for g in range(n_states):
                out[start + i, g] = sl[g, i]
        if prob.shape[0]:
            _scale_block(sl, nb, top, ok, start, prob, shift, usable)


@jit(parallel=True)
def frame_log_densities_parallel(X, model, n_mix, chunk_bounds, out, scaled):
    """State log-densities of every frame (see the module) and, unless
    ``scaled`` holds empty arrays, their scaled form (``prob``, ``shift``,
    ``usable``), in parallel over chunks of blocks."""
    for c in prange(chunk_bounds.shape[0] - 1):
        _densities_range(
            X,
            model,
            n_mix,
            chunk_bounds[c],
            chunk_bounds[c + 1],
            out,
            scaled,
            _buffers(model, X.shape[1]),
        )


@jit
def frame_log_densities(X, model, n_mix, chunk_bounds, out, scaled):
    """Serial twin of :func:`frame_log_densities_parallel`."""
    _densities_range(
        X, model, n_mix, 0, chunk_bounds[-1], out, scaled, _buffers(model, X.shape[1])
    )


@jit
def _component_weights(X, model, n_mix, post, frame_ll, start, nb, buffers):
    """lp[g M + m, i] = gamma[start + i, g] times component m's share of
    state g's density at frame start + i (the share is 1 when M = 1)."""
    xt, diff, acc, lp, _ = buffers
    n_states = post.shape[1]
    if n_mix > 1:
        _log_prob_block(model, xt, nb, diff, acc, lp)
    for g in range(n_states):
        for i in range(nb):
            gamma = post[start + i, g]
            if n_mix == 1:
                lp[g, i] = gamma
                continue
            for m in range(n_mix):
                c = g * n_mix + m
                share = np.exp(lp[c, i] - frame_ll[start + i, g])
                lp[c, i] = gamma * share if gamma > 0.0 else 0.0


@jit
def _statistics_range(
    X, model, n_mix, post, frame_ll, first, last, s0, s1, s2, buffers
):
    n = X.shape[0]
    xt, diff, acc, lp, _ = buffers
    for blk in range(first, last):
        start = blk * BLOCK
        nb = min(BLOCK, n - start)
        _load_block(X, start, nb, xt)
        _component_weights(X, model, n_mix, post, frame_ll, start, nb, buffers)
        _add_block_stats(model, xt, nb, lp, diff, acc, s0, s1, s2)


@jit(parallel=True)
def frame_statistics_parallel(
    X, model, n_mix, post, frame_ll, chunk_bounds, s0, s1, s2
):
    """M-step sums (see the module) in parallel over chunks of blocks; chunk
    c adds into ``s0[c]``, ``s1[c]``, ``s2[c]``, zeroed by the caller."""
    for c in prange(chunk_bounds.shape[0] - 1):
        _statistics_range(
            X,
            model,
            n_mix,
            post,
            frame_ll,
            chunk_bounds[c],
            chunk_bounds[c + 1],
            s0[c],
            s1[c],
            s2[c],
            _buffers(model, X.shape[1]),
        )


@jit
def frame_statistics(X, model, n_mix, post, frame_ll, chunk_bounds, s0, s1, s2):
    """Serial twin of :func:`frame_statistics_parallel` (same chunks)."""
    buffers = _buffers(model, X.shape[1])
    for c in range(chunk_bounds.shape[0] - 1):
        _statistics_range(
            X,
            model,
            n_mix,
            post,
            frame_ll,
            chunk_bounds[c],
            chunk_bounds[c + 1],
            s0[c],
            s1[c],
            s2[c],
            buffers,
        )
