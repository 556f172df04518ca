"""Numba kernels for second-order Viterbi over a candidate lattice.

Each step t of a sequence has a short, ascending list of candidate states
``C[t]`` with their emission log-probabilities: for symbol s they are
``cand_tag[cand_ptr[s]:cand_ptr[s + 1]]`` and ``cand_emit[...]`` (the
wrappers in ``lattice.py`` check this; these functions trust their inputs).
Index K of the transition table is the boundary, so a sequence is read as
``B B x_1 .. x_T B`` and ``C[-2] = C[-1] = {B}``.

``delta`` of step t is a block of ``|C[t-1]| x |C[t]|`` scores, pair
``(v, w)`` at ``j * |C[t]| + k``; the back-pointer beside it is the index in
``C[t-2]`` of the best u.  Sources are scanned in ascending order and must be
strictly better to win, so ties go to the lowest state, as in the dense
kernels of ``_kernels.py``; the sums are formed in the same order too, which
makes the two agree bit for bit when every state is a candidate.

Transitions are a :class:`~fastapml.hmm.trigram.TrigramTable`'s arrays:
``log P(w | u, v)`` is ``log_prob`` of the seen trigram, else ``seen_bias[h]
+ log_seen[v, w]`` for a seen history h, else ``log_unseen[v, w]``.
"""

import numpy as np
from numba import prange

from .._numba import jit


@jit
def _lower_bound(keys, lo, hi, key):
    """First index in ``keys[lo:hi]`` (ascending) with ``keys[i] >= key``."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


@jit
def _relax_pair(
    score,
    u,
    v,
    tags,
    best,
    arg,
    source,
    history_row,
    indptr,
    next_tag,
    log_prob,
    seen_bias,
    log_seen,
    log_unseen,
):
    """best[k], arg[k] <- score + log P(tags[k] | u, v), where strictly better."""
    k1 = log_seen.shape[0]
    h = history_row[u * k1 + v]
    if h < 0:
        for k in range(tags.shape[0]):
            s = score + log_unseen[v, tags[k]]
            if s > best[k]:
                best[k] = s
                arg[k] = source
        return
    bias = seen_bias[h]
    lo = indptr[h]
    hi = indptr[h + 1]
    for k in range(tags.shape[0]):
        w = tags[k]
        lo = _lower_bound(next_tag, lo, hi, w)
        if lo < hi and next_tag[lo] == w:
            s = score + log_prob[lo]
        else:
            s = score + (bias + log_seen[v, w])
        if s > best[k]:
            best[k] = s
            arg[k] = source


@jit
def _log_trans(
    u, v, w, history_row, indptr, next_tag, log_prob, seen_bias, log_seen, log_unseen
):
    """log P(w | u, v) from the table's arrays."""
    h = history_row[u * log_seen.shape[0] + v]
    if h < 0:
        return log_unseen[v, w]
    j = _lower_bound(next_tag, indptr[h], indptr[h + 1], w)
    if j < indptr[h + 1] and next_tag[j] == w:
        return log_prob[j]
    return seen_bias[h] + log_seen[v, w]


@jit
def _block_offsets(obs, cand_ptr, blk):
    """blk[t] = first entry of step t's block; returns the total size."""
    blk[0] = 0
    prev = 1
    for t in range(obs.shape[0]):
        cur = cand_ptr[obs[t] + 1] - cand_ptr[obs[t]]
        blk[t + 1] = blk[t] + prev * cur
        prev = cur
    return blk[obs.shape[0]]


@jit
def _lattice_one(
    obs,
    cand_ptr,
    cand_tag,
    cand_emit,
    history_row,
    indptr,
    next_tag,
    log_prob,
    seen_bias,
    log_seen,
    log_unseen,
    beam,
    path,
    delta,
    bp,
    blk,
    best,
    arg,
    boundary,
    start,
):
    """Second-order Viterbi over the lattice of one sequence; returns its
    log-probability (``-inf`` if no path has positive probability; the path
    then takes each step's first candidate on the tie-break chain)."""
    n = obs.shape[0]
    if n == 0:
        return 0.0
    b = log_seen.shape[0] - 1
    _block_offsets(obs, cand_ptr, blk)
    for t in range(n):
        cw = cand_ptr[obs[t]]
        n_w = cand_ptr[obs[t] + 1] - cw
        w_tags = cand_tag[cw : cw + n_w]
        if t == 0:
            v_tags = boundary
        else:
            v_tags = cand_tag[cand_ptr[obs[t - 1]] : cand_ptr[obs[t - 1] + 1]]
        if t < 2:
            u_tags = boundary
        else:
            u_tags = cand_tag[cand_ptr[obs[t - 2]] : cand_ptr[obs[t - 2] + 1]]
        n_u, n_v = u_tags.shape[0], v_tags.shape[0]
        floor = -np.inf
        if t > 0 and beam < np.inf:
            top = -np.inf
            for i in range(blk[t - 1], blk[t]):
                top = max(top, delta[i])
            floor = top - beam
        for j in range(n_v):
            best[:n_w] = -np.inf
            arg[:n_w] = 0
            for i in range(n_u):
                score = start[0] if t == 0 else delta[blk[t - 1] + i * n_v + j]
                if score == -np.inf or score < floor:
                    continue
                _relax_pair(
                    score,
                    u_tags[i],
                    v_tags[j],
                    w_tags,
                    best,
                    arg,
                    i,
                    history_row,
                    indptr,
                    next_tag,
                    log_prob,
                    seen_bias,
                    log_seen,
                    log_unseen,
                )
            out = blk[t] + j * n_w
            for k in range(n_w):
                delta[out + k] = best[k] + cand_emit[cw + k]
                bp[out + k] = arg[k]
    # close with the boundary; the lowest (u, v) wins ties
    v_tags = cand_tag[cand_ptr[obs[n - 1]] : cand_ptr[obs[n - 1] + 1]]
    u_tags = (
        boundary if n < 2 else cand_tag[cand_ptr[obs[n - 2]] : cand_ptr[obs[n - 2] + 1]]
    )
    n_u, n_v = u_tags.shape[0], v_tags.shape[0]
    top = -np.inf
    bi, bj = 0, 0
    for i in range(n_u):
        for j in range(n_v):
            score = delta[blk[n - 1] + i * n_v + j] + _log_trans(
                u_tags[i],
                v_tags[j],
                b,
                history_row,
                indptr,
                next_tag,
                log_prob,
                seen_bias,
                log_seen,
                log_unseen,
            )
            if score > top:
                top = score
                bi, bj = i, j
    # follow the back-pointers: (bi, bj) index C[t-1], C[t] at t = n - 1
    path[n - 1] = v_tags[bj]
    if n > 1:
        path[n - 2] = u_tags[bi]
    for t in range(n - 1, 1, -1):
        n_w = cand_ptr[obs[t] + 1] - cand_ptr[obs[t]]
        i = bp[blk[t] + bi * n_w + bj]
        path[t - 2] = cand_tag[cand_ptr[obs[t - 2]] + i]
        bi, bj = i, bi
    return top


@jit
def _lattice_range(
    obs,
    offsets,
    first,
    last,
    cand_ptr,
    cand_tag,
    cand_emit,
    history_row,
    indptr,
    next_tag,
    log_prob,
    seen_bias,
    log_seen,
    log_unseen,
    beam,
    paths,
    log_probs,
):
    """Lattice Viterbi for sequences first..last-1 with shared scratch, sized
    for the largest lattice among them."""
    longest = 0
    size = 1
    width = 1
    for s in range(first, last):
        a, z = offsets[s], offsets[s + 1]
        longest = max(longest, z - a)
    blk = np.empty(longest + 1, dtype=np.int64)
    for s in range(first, last):
        a, z = offsets[s], offsets[s + 1]
        size = max(size, _block_offsets(obs[a:z], cand_ptr, blk))
        for t in range(a, z):
            width = max(width, cand_ptr[obs[t] + 1] - cand_ptr[obs[t]])
    delta = np.empty(size, dtype=cand_emit.dtype)
    bp = np.empty(size, dtype=np.int32)
    best = np.empty(width, dtype=cand_emit.dtype)
    arg = np.empty(width, dtype=np.int32)
    # the candidates of the steps before the first ({B}) and the score of
    # B B, in the dtypes of cand_tag and delta
    boundary = np.full(1, log_seen.shape[0] - 1, dtype=cand_tag.dtype)
    start = np.zeros(1, dtype=delta.dtype)
    for s in range(first, last):
        a, z = offsets[s], offsets[s + 1]
        log_probs[s] = _lattice_one(
            obs[a:z],
            cand_ptr,
            cand_tag,
            cand_emit,
            history_row,
            indptr,
            next_tag,
            log_prob,
            seen_bias,
            log_seen,
            log_unseen,
            beam,
            paths[a:z],
            delta,
            bp,
            blk,
            best,
            arg,
            boundary,
            start,
        )


@jit(parallel=True)
def lattice_parallel(
    obs,
    offsets,
    chunk_bounds,
    cand_ptr,
    cand_tag,
    cand_emit,
    history_row,
    indptr,
    next_tag,
    log_prob,
    seen_bias,
    log_seen,
    log_unseen,
    beam,
    paths,
    log_probs,
):
    """Lattice Viterbi over chunks of sequences, in parallel (chunk c covers
    sequences ``chunk_bounds[c]:chunk_bounds[c + 1]``)."""
    for c in prange(chunk_bounds.shape[0] - 1):
        _lattice_range(
            obs,
            offsets,
            chunk_bounds[c],
            chunk_bounds[c + 1],
            cand_ptr,
            cand_tag,
            cand_emit,
            history_row,
            indptr,
            next_tag,
            log_prob,
            seen_bias,
            log_seen,
            log_unseen,
            beam,
            paths,
            log_probs,
        )


@jit
def lattice(
    obs,
    offsets,
    cand_ptr,
    cand_tag,
    cand_emit,
    history_row,
    indptr,
    next_tag,
    log_prob,
    seen_bias,
    log_seen,
    log_unseen,
    beam,
    paths,
    log_probs,
):
    """Serial twin of :func:`lattice_parallel` for use inside worker threads."""
    _lattice_range(
        obs,
        offsets,
        0,
        offsets.shape[0] - 1,
        cand_ptr,
        cand_tag,
        cand_emit,
        history_row,
        indptr,
        next_tag,
        log_prob,
        seen_bias,
        log_seen,
        log_unseen,
        beam,
        paths,
        log_probs,
    )
