"""Numba kernels for HMMs: the max-plus and sum-product relaxations, Viterbi
(first and second order) and sampling; forward-backward is in
:mod:`._forward_backward_kernels`.

Conventions (the wrappers in ``viterbi.py`` / ``forward_backward.py`` check
them; these functions trust their inputs):

* Emissions come as a table ``emit`` (R x K, log-space) and a row index per
  step ``obs`` (int64): step ``t`` emits ``emit[obs[t]]``.  Dense input uses
  ``obs = arange(N)``; categorical input uses the symbols themselves and a
  symbol x state table, so no N x K matrix is ever built.
* Sequences are stored end to end; ``offsets`` (n_seq + 1) delimits them.
* Ties break to the lowest state index: sources are scanned in ascending
  order and a candidate must be strictly greater to win.
* The running arg-max is kept as a float of the same width as the scores
  (exact for indices < 2**24), so the compare-and-select inner loop (an
  explicit-SIMD intrinsic, :mod:`fastapml._simd`) works on one vector width;
  it is narrowed to the unsigned back-pointer type once per step.
"""

import numpy as np
from numba import prange

from .._numba import jit
from .._simd import VECTOR_BYTES, maxplus, prefetch_row, sumprod

# --------------------------------------------------------------------------
# Max-plus relaxation: the inner loop of every Viterbi kernel
# --------------------------------------------------------------------------
#
# For sources i with scores delta[i] and rows trans[i, :], compute for each
# destination j:  best[j] = max_i delta[i] + trans[i, j]  and its first
# arg-max.  The wrapper pads rows with -inf to ``n_cols`` (a multiple of
# _simd.PAD) and packs them into column tiles of _simd.TILE_BYTES (up to
# MAX_VECTORS native vectors), ``tiles[t, i, :] =
# trans[i, t * TILE:(t + 1) * TILE]``, so that relaxing one tile streams
# one contiguous block of memory.


@jit
def _live_sources(delta, row_hi, row_lo, live):
    """The sources that can reach or tie some best[j], in ascending order.

    Every best[j] >= floor = max_i delta[i] + row_lo[i]; a source with
    delta[i] + row_hi[i] < floor loses strictly everywhere and is skipped
    (exact; -inf sources are skipped too).  ``live`` is (2, K) scratch whose
    row 0 holds 0..K-1; returns ``(row, n)``: the sources are
    ``live[row, :n]``, row 0 when every source is live (the usual case for
    dense models, found by a branch-free count), else the compacted list
    written to row 1.
    """
    n = delta.shape[0]
    f0 = f1 = f2 = f3 = -np.inf  # four chains hide the select latency
    i = 0
    while i + 4 <= n:
        v0 = delta[i] + row_lo[i]
        v1 = delta[i + 1] + row_lo[i + 1]
        v2 = delta[i + 2] + row_lo[i + 2]
        v3 = delta[i + 3] + row_lo[i + 3]
        f0 = v0 if v0 > f0 else f0
        f1 = v1 if v1 > f1 else f1
        f2 = v2 if v2 > f2 else f2
        f3 = v3 if v3 > f3 else f3
        i += 4
    while i < n:
        v0 = delta[i] + row_lo[i]
        f0 = v0 if v0 > f0 else f0
        i += 1
    floor = max(max(f0, f1), max(f2, f3))
    count = 0
    for i in range(n):
        count += (delta[i] != -np.inf) & (delta[i] + row_hi[i] >= floor)
    if count == n:
        return 0, n
    count = 0
    for i in range(n):  # branch-free compaction
        live[1, count] = i
        count += (delta[i] != -np.inf) & (delta[i] + row_hi[i] >= floor)
    return 1, count


# Pruning is an optimization only (a -inf or losing source never wins a
# strict comparison), so a decoder whose checks keep pruning less than a
# quarter of the sources stops paying for them: after _PRUNE_PATIENCE such
# checks in a row it checks only every _PRUNE_RECHECK steps.
_PRUNE_PATIENCE = 8
_PRUNE_RECHECK = 64


@jit
def _adaptive_sources(delta, row_hi, row_lo, live, prune):
    """:func:`_live_sources`, skipped while it keeps pruning nothing.

    ``prune`` is int64 state (useless checks in a row, steps left to skip)
    carried across the steps and sequences of one decoder.
    """
    n = delta.shape[0]
    if prune[1] > 0:
        prune[1] -= 1
        return 0, n
    row, n_live = _live_sources(delta, row_hi, row_lo, live)
    if 4 * n_live <= 3 * n:  # useful: a quarter or more pruned
        prune[0] = 0
    else:
        prune[0] += 1
        if prune[0] >= _PRUNE_PATIENCE:
            prune[1] = _PRUNE_RECHECK
    return row, n_live


@jit
def _maxplus(delta, tiles, live, live_row, n_live, best, argf, n_cols, t0, t1):
    """best[j - j0], argf[j - j0] = max / first arg-max of delta[i] +
    trans[i, j] over the sources live[live_row, :n_live], for the columns of
    tiles t0..t1-1 (j0 is the first column of tile t0).

    A tile is up to MAX_VECTORS vectors whose running maxima stay in registers
    while the sources stream by (see :mod:`fastapml._simd`).
    """
    tile = tiles.shape[2]
    lanes = VECTOR_BYTES // best.itemsize
    for t in range(t0, t1):
        maxplus(
            delta,
            tiles,
            t,
            live,
            live_row,
            n_live,
            best,
            argf,
            (t - t0) * tile,
            min(tile, n_cols - t * tile) // lanes,
        )


@jit
def _sumprod(weights, tiles, live, out, n_cols):
    """out[j] = sum_i weights[i] * trans[i, j] over all sources and columns
    (``live`` row 0 lists the sources; see :func:`_live_scratch`)."""
    tile = tiles.shape[2]
    lanes = VECTOR_BYTES // out.itemsize
    for t in range(tiles.shape[0]):
        sumprod(
            weights,
            tiles,
            t,
            live,
            0,
            weights.shape[0],
            out,
            t * tile,
            min(tile, n_cols - t * tile) // lanes,
        )


@jit
def _first_argmax(x):
    """Index of the first maximum of a 1-D array (0 if all are -inf)."""
    k = 0
    for j in range(1, x.shape[0]):
        if x[j] > x[k]:
            k = j
    return k


# --------------------------------------------------------------------------
# First-order Viterbi
# --------------------------------------------------------------------------


@jit
def _backtrack(bp, path, last):
    """Follow back-pointers from state ``last`` at the final step."""
    n = path.shape[0]
    path[n - 1] = last
    for t in range(n - 1, 0, -1):
        path[t - 1] = bp[t, path[t]]


@jit
def _finish(delta, log_end, bp, path, n_states):
    """Add the end scores, pick the best last state, backtrack; return score."""
    last = 0
    for j in range(n_states):
        delta[j] += log_end[j]
        if delta[j] > delta[last]:
            last = j
    _backtrack(bp, path, last)
    return delta[last]


# Up to this many states a step is a plain loop over the sources for each
# destination: the tiles, pruning and prefetching of the general step cost
# more than they save (measured: K = 4-10 decodes 1.5-3.5x faster this way,
# K = 12 the same, K >= 16 slower).
SMALL_STATES = 10


@jit
def _dense_transitions(tiles, n_states):
    """The first ``n_states`` rows and columns of the transition matrix
    packed in ``tiles``, as one array."""
    width = tiles.shape[2]
    trans = np.empty((n_states, n_states), dtype=tiles.dtype)
    for i in range(n_states):
        for j in range(n_states):
            trans[i, j] = tiles[j // width, i, j % width]
    return trans


@jit
def _viterbi_small(emit, obs, trans, log_start, log_end, path, bp, delta, new):
    """:func:`_viterbi_one` for a few states: each best[j] a scalar running
    maximum over the sources in ascending order (the first wins ties, as in
    :func:`_maxplus`)."""
    n_steps = path.shape[0]
    n_states = trans.shape[0]
    e = emit[obs[0]]
    for j in range(n_states):
        delta[j] = log_start[j] + e[j]
    for t in range(1, n_steps):
        e = emit[obs[t]]
        for j in range(n_states):
            best = delta[0] + trans[0, j]
            arg = 0
            for i in range(1, n_states):
                s = delta[i] + trans[i, j]
                if s > best:
                    best = s
                    arg = i
            new[j] = best + e[j]
            bp[t, j] = arg
        delta, new = new, delta
    return _finish(delta, log_end, bp, path, n_states)


@jit
def _viterbi_one(
    emit, obs, tiles, n_cols, row_hi, row_lo, log_start, log_end, path, bp, work
):
    """First-order Viterbi for one sequence; returns its log-probability.

    ``tiles``/``n_cols`` hold the packed transition matrix (see above);
    ``path`` (length T) receives the states; ``bp`` has at least T rows;
    ``work`` is a :func:`_workspace`.
    """
    n_steps = path.shape[0]
    n_states = tiles.shape[1]
    if n_steps == 0:
        return 0.0
    delta, new, best, argf, live, prune, dense = work
    if n_states <= SMALL_STATES:
        return _viterbi_small(
            emit, obs, dense, log_start, log_end, path, bp, delta, new
        )
    e = emit[obs[0]]
    for j in range(n_states):
        delta[j] = log_start[j] + e[j]
    for t in range(1, n_steps):
        prefetch_row(emit, obs[t])
        row, n_live = _adaptive_sources(delta, row_hi, row_lo, live, prune)
        _maxplus(delta, tiles, live, row, n_live, best, argf, n_cols, 0, tiles.shape[0])
        symbol = obs[t]
        for j in range(n_states):
            new[j] = best[j] + emit[symbol, j]
            bp[t, j] = argf[j]
        delta, new = new, delta
    return _finish(delta, log_end, bp, path, n_states)


@jit
def _live_scratch(n_states):
    """(2, K) int64 scratch for :func:`_live_sources`; row 0 is 0..K-1."""
    live = np.empty((2, n_states), dtype=np.int64)
    for i in range(n_states):
        live[0, i] = i
    return live


@jit
def _workspace(tiles, dtype_proto):
    """Scratch for one decoder: delta, new (K), best, argf (all tiles), live
    (see :func:`_live_sources`), the pruning state, and for at most
    ``SMALL_STATES`` states the transition matrix as one (K, K) array
    (else (0, 0))."""
    n_states = tiles.shape[1]
    delta = np.empty(n_states, dtype=dtype_proto.dtype)
    new = np.empty_like(delta)
    best = np.empty(tiles.shape[0] * tiles.shape[2], dtype=dtype_proto.dtype)
    argf = np.empty_like(best)
    return (
        delta,
        new,
        best,
        argf,
        _live_scratch(n_states),
        np.zeros(2, dtype=np.int64),
        _dense_transitions(tiles, n_states if n_states <= SMALL_STATES else 0),
    )


@jit
def _longest(offsets, first, last):
    """Length of the longest of sequences first..last-1."""
    maxlen = 0
    for s in range(first, last):
        maxlen = max(maxlen, offsets[s + 1] - offsets[s])
    return maxlen


@jit
def _viterbi_range(
    emit,
    obs,
    offsets,
    first,
    last,
    tiles,
    n_cols,
    row_hi,
    row_lo,
    log_start,
    log_end,
    paths,
    log_probs,
    bp_proto,
):
    """First-order Viterbi for sequences first..last-1 with shared scratch
    (back-pointers for the longest one, in ``bp_proto``'s unsigned dtype)."""
    bp = np.empty(
        (_longest(offsets, first, last), tiles.shape[1]), dtype=bp_proto.dtype
    )
    work = _workspace(tiles, log_start)
    for s in range(first, last):
        a, b = offsets[s], offsets[s + 1]
        log_probs[s] = _viterbi_one(
            emit,
            obs[a:b],
            tiles,
            n_cols,
            row_hi,
            row_lo,
            log_start,
            log_end,
            paths[a:b],
            bp,
            work,
        )


@jit(parallel=True)
def viterbi_parallel(
    emit,
    obs,
    offsets,
    chunk_bounds,
    tiles,
    n_cols,
    row_hi,
    row_lo,
    log_start,
    log_end,
    paths,
    log_probs,
    bp_proto,
):
    """Viterbi for many sequences, in parallel over chunks of sequences
    (chunk c covers sequences ``chunk_bounds[c]:chunk_bounds[c + 1]``)."""
    for c in prange(chunk_bounds.shape[0] - 1):
        _viterbi_range(
            emit,
            obs,
            offsets,
            chunk_bounds[c],
            chunk_bounds[c + 1],
            tiles,
            n_cols,
            row_hi,
            row_lo,
            log_start,
            log_end,
            paths,
            log_probs,
            bp_proto,
        )


@jit
def viterbi(
    emit,
    obs,
    offsets,
    tiles,
    n_cols,
    row_hi,
    row_lo,
    log_start,
    log_end,
    paths,
    log_probs,
    bp_proto,
):
    """Serial twin of :func:`viterbi_parallel` for use inside worker threads."""
    _viterbi_range(
        emit,
        obs,
        offsets,
        0,
        offsets.shape[0] - 1,
        tiles,
        n_cols,
        row_hi,
        row_lo,
        log_start,
        log_end,
        paths,
        log_probs,
        bp_proto,
    )


@jit(parallel=True)
def viterbi_wide(
    emit,
    obs,
    tiles,
    n_cols,
    row_hi,
    row_lo,
    log_start,
    log_end,
    path,
    bp_proto,
    n_blocks,
):
    """First-order Viterbi for one long sequence with many states.

    Each step splits the column tiles into ``n_blocks`` contiguous blocks
    relaxed in parallel, so each thread streams only its slice of the
    transition matrix.  Every (t, j) cell is computed exactly as in
    :func:`_viterbi_one`.
    """
    n_steps = path.shape[0]
    n_tiles, n_states, tile = tiles.shape
    per_block = (n_tiles + n_blocks - 1) // n_blocks
    bp = np.empty((n_steps, n_states), dtype=bp_proto.dtype)
    delta, new, _, _, live, prune, _ = _workspace(tiles, log_start)
    best = np.empty((n_blocks, per_block * tile), dtype=log_start.dtype)
    argf = np.empty_like(best)
    e = emit[obs[0]]
    for j in range(n_states):
        delta[j] = log_start[j] + e[j]
    for t in range(1, n_steps):
        if t + 1 < n_steps:
            prefetch_row(emit, obs[t + 1])
        row, n_live = _adaptive_sources(delta, row_hi, row_lo, live, prune)
        e = emit[obs[t]]
        bpt = bp[t]
        for k in prange(n_blocks):
            t0 = k * per_block
            t1 = min(t0 + per_block, n_tiles)
            _maxplus(delta, tiles, live, row, n_live, best[k], argf[k], n_cols, t0, t1)
            for j in range(t0 * tile, min(t1 * tile, n_states)):
                new[j] = best[k, j - t0 * tile] + e[j]
                bpt[j] = argf[k, j - t0 * tile]
        delta, new = new, delta
    return _finish(delta, log_end, bp, path, n_states)


# --------------------------------------------------------------------------
# Second-order Viterbi
# --------------------------------------------------------------------------


@jit
def _viterbi2_one(
    emit, obs, by_prev, n_cols, row_hi, row_lo, path, bp, delta, new, best, argf, live
):
    """Second-order Viterbi for one sequence; returns its log-probability.

    Over K + 1 tags, tag K being the sentence boundary, the sequence is read
    as ``B B x_1 .. x_T B``.  ``by_prev[v, u, w] = log P(w | u, v)`` (the
    wrapper's permutation of log_trans2, packed into tiles over w), so that
    for a fixed previous tag v it is a first-order (u -> w) matrix.
    ``delta[v, u]`` scores the best path whose last two tags are (u, v);
    ``bp[t, v, w]`` is the best u for (v, w) at step t.
    """
    n_steps = path.shape[0]
    n_tags = by_prev.shape[0]
    k = n_tags - 1
    tile = by_prev.shape[3]
    if n_steps == 0:
        return 0.0
    delta[:, :] = -np.inf
    delta[k, k] = 0.0
    for t in range(n_steps):
        if t + 1 < n_steps:
            prefetch_row(emit, obs[t + 1])
        e = emit[obs[t]]
        new[:, :] = -np.inf
        for v in range(n_tags):
            row, n_live = _live_sources(delta[v], row_hi[v], row_lo[v], live)
            _maxplus(
                delta[v],
                by_prev[v],
                live,
                row,
                n_live,
                best,
                argf,
                n_cols,
                0,
                by_prev.shape[1],
            )
            for w in range(k):
                new[w, v] = best[w] + e[w]
                bp[t, v, w] = argf[w]
        delta, new = new, delta
    # close with the boundary tag; lowest (u, v) wins ties
    best_score = delta[0, 0] + by_prev[0, k // tile, 0, k % tile]
    bu, bv = 0, 0
    for u in range(n_tags):
        for v in range(k):
            score = delta[v, u] + by_prev[v, k // tile, u, k % tile]
            if score > best_score:
                best_score = score
                bu, bv = u, v
    path[n_steps - 1] = bv
    if n_steps > 1:
        path[n_steps - 2] = bu
    for t in range(n_steps - 1, 1, -1):
        path[t - 2] = bp[t, path[t - 1], path[t]]
    return best_score


@jit
def _viterbi2_range(
    emit,
    obs,
    offsets,
    first,
    last,
    by_prev,
    n_cols,
    row_hi,
    row_lo,
    paths,
    log_probs,
    bp_proto,
):
    """Second-order Viterbi for sequences first..last-1 with shared scratch."""
    n_tags = by_prev.shape[0]
    maxlen = _longest(offsets, first, last)
    bp = np.empty((maxlen, n_tags, n_tags - 1), dtype=bp_proto.dtype)
    delta = np.empty((n_tags, n_tags), dtype=by_prev.dtype)
    new = np.empty_like(delta)
    best = np.empty(by_prev.shape[1] * by_prev.shape[3], dtype=by_prev.dtype)
    argf = np.empty_like(best)
    live = _live_scratch(n_tags)
    for s in range(first, last):
        a, b = offsets[s], offsets[s + 1]
        log_probs[s] = _viterbi2_one(
            emit,
            obs[a:b],
            by_prev,
            n_cols,
            row_hi,
            row_lo,
            paths[a:b],
            bp,
            delta,
            new,
            best,
            argf,
            live,
        )


@jit(parallel=True)
def viterbi2_parallel(
    emit,
    obs,
    offsets,
    chunk_bounds,
    by_prev,
    n_cols,
    row_hi,
    row_lo,
    paths,
    log_probs,
    bp_proto,
):
    """Second-order Viterbi over chunks of sequences, in parallel."""
    for c in prange(chunk_bounds.shape[0] - 1):
        _viterbi2_range(
            emit,
            obs,
            offsets,
            chunk_bounds[c],
            chunk_bounds[c + 1],
            by_prev,
            n_cols,
            row_hi,
            row_lo,
            paths,
            log_probs,
            bp_proto,
        )


@jit
def viterbi2(
    emit, obs, offsets, by_prev, n_cols, row_hi, row_lo, paths, log_probs, bp_proto
):
    """Serial twin of :func:`viterbi2_parallel` for use inside worker threads."""
    _viterbi2_range(
        emit,
        obs,
        offsets,
        0,
        offsets.shape[0] - 1,
        by_prev,
        n_cols,
        row_hi,
        row_lo,
        paths,
        log_probs,
        bp_proto,
    )


# --------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------


@jit
def _draw(cdf, u):
    """First index with cdf > u, or 0 if none (hmmlearn's ``(cdf > u).argmax()``)."""
    for k in range(cdf.shape[0]):
        if cdf[k] > u:
            return k
    return 0


@jit
def sample_chain(
    start_cdf, trans_cdf, emit_cdf, uniforms, first_state, states, symbols
):
    """Draw states and symbols from uniforms, in hmmlearn's draw order.

    With ``first_state < 0`` the first uniform picks the first state; then
    each step uses one uniform for its symbol and one for the next state.
    """
    k = 0
    if first_state < 0:
        state = _draw(start_cdf, uniforms[0])
        k = 1
    else:
        state = first_state
    for t in range(states.shape[0]):
        if t > 0:
            state = _draw(trans_cdf[state], uniforms[k])
            k += 1
        states[t] = state
        symbols[t] = _draw(emit_cdf[state], uniforms[k])
        k += 1
