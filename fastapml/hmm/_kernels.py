"""Numba kernels for HMMs: Viterbi (first and second order), forward-backward.

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
  (exact for indices < 2**24), so the compare-and-select inner loop works on
  one vector width and LLVM vectorizes it; it is narrowed to the unsigned
  back-pointer type once per step.
"""
import numpy as np
from numba import prange

from .._numba import jit


# --------------------------------------------------------------------------
# Viterbi building blocks
# --------------------------------------------------------------------------

@jit
def _relax(best, argf, score, row, source, n):
    """best[j], argf[j] <- max(best[j], score + row[j]) for j < n (ties keep old)."""
    fsource = best.dtype.type(source)
    for j in range(n):
        cand = score + row[j]
        old = best[j]
        better = cand > old
        best[j] = cand if better else old
        argf[j] = fsource if better else argf[j]


@jit
def _viterbi_step(delta, log_trans, e, new, best, argf, bp_row, j0, j1):
    """One first-order step for destinations j0..j1-1 (sources all states)."""
    n_states = delta.shape[0]
    width = j1 - j0
    best[:width] = -np.inf
    argf[:width] = 0
    for i in range(n_states):
        s = delta[i]
        if s == -np.inf:
            continue
        _relax(best, argf, s, log_trans[i, j0:j1], i, width)
    for j in range(width):
        new[j0 + j] = best[j] + e[j0 + j]
        bp_row[j0 + j] = argf[j]


@jit
def _first_argmax(x):
    """Index of the first maximum of a 1-D array (0 if all are -inf)."""
    k = 0
    for j in range(1, x.shape[0]):
        if x[j] > x[k]:
            k = j
    return k


@jit
def _backtrack(bp, path, last):
    """Follow back-pointers from state ``last`` at the final step."""
    n = path.shape[0]
    path[n - 1] = last
    for t in range(n - 1, 0, -1):
        path[t - 1] = bp[t, path[t]]


@jit
def _viterbi_one(emit, obs, log_trans, log_start, log_end, path, bp,
                 delta, new, best, argf):
    """First-order Viterbi for one sequence; returns its log-probability.

    ``path`` (length T) receives the states; ``bp`` has at least T rows.
    """
    n_steps = path.shape[0]
    n_states = log_trans.shape[0]
    if n_steps == 0:
        return 0.0
    e = emit[obs[0]]
    for j in range(n_states):
        delta[j] = log_start[j] + e[j]
    for t in range(1, n_steps):
        _viterbi_step(delta, log_trans, emit[obs[t]], new, best, argf,
                      bp[t], 0, n_states)
        delta, new = new, delta
    for j in range(n_states):
        new[j] = delta[j] + log_end[j]
    last = _first_argmax(new)
    _backtrack(bp, path, last)
    return new[last]


@jit(parallel=True)
def viterbi_chunks(emit, obs, offsets, chunk_bounds, chunk_maxlen, log_trans,
                   log_start, log_end, paths, log_probs, bp_proto):
    """Viterbi for many sequences, in parallel over chunks of sequences.

    Chunk c covers sequences ``chunk_bounds[c]:chunk_bounds[c + 1]``; each
    chunk allocates its scratch once (back-pointers of its longest sequence,
    in ``bp_proto``'s unsigned dtype).
    """
    n_states = log_trans.shape[0]
    for c in prange(chunk_bounds.shape[0] - 1):
        bp = np.empty((chunk_maxlen[c], n_states), dtype=bp_proto.dtype)
        delta = np.empty(n_states, dtype=log_trans.dtype)
        new = np.empty_like(delta)
        best = np.empty_like(delta)
        argf = np.empty_like(delta)
        for s in range(chunk_bounds[c], chunk_bounds[c + 1]):
            a, b = offsets[s], offsets[s + 1]
            log_probs[s] = _viterbi_one(emit, obs[a:b], log_trans, log_start,
                                        log_end, paths[a:b], bp, delta, new,
                                        best, argf)


@jit
def viterbi_serial(emit, obs, offsets, log_trans, log_start, log_end, paths,
                   log_probs, bp_proto):
    """Serial twin of :func:`viterbi_chunks` for use inside worker threads."""
    n_states = log_trans.shape[0]
    maxlen = 0
    for s in range(offsets.shape[0] - 1):
        maxlen = max(maxlen, offsets[s + 1] - offsets[s])
    bp = np.empty((maxlen, n_states), dtype=bp_proto.dtype)
    delta = np.empty(n_states, dtype=log_trans.dtype)
    new = np.empty_like(delta)
    best = np.empty_like(delta)
    argf = np.empty_like(delta)
    for s in range(offsets.shape[0] - 1):
        a, b = offsets[s], offsets[s + 1]
        log_probs[s] = _viterbi_one(emit, obs[a:b], log_trans, log_start,
                                    log_end, paths[a:b], bp, delta, new, best,
                                    argf)


@jit(parallel=True)
def viterbi_wide(emit, obs, log_trans, log_start, log_end, path, bp_proto,
                 block):
    """First-order Viterbi for one long sequence with many states.

    Each step splits the destination states into blocks of ``block`` columns
    processed in parallel, so each thread streams only its slice of the
    transition matrix and that slice can stay in its cache.  Every (t, j)
    cell is computed exactly as in :func:`_viterbi_one`.
    """
    n_steps = path.shape[0]
    n_states = log_trans.shape[0]
    n_blocks = (n_states + block - 1) // block
    bp = np.empty((n_steps, n_states), dtype=bp_proto.dtype)
    delta = np.empty(n_states, dtype=log_trans.dtype)
    new = np.empty_like(delta)
    best = np.empty((n_blocks, block), dtype=log_trans.dtype)
    argf = np.empty_like(best)
    e = emit[obs[0]]
    for j in range(n_states):
        delta[j] = log_start[j] + e[j]
    for t in range(1, n_steps):
        et = emit[obs[t]]
        bpt = bp[t]
        for k in prange(n_blocks):
            j0 = k * block
            j1 = min(j0 + block, n_states)
            _viterbi_step(delta, log_trans, et, new, best[k], argf[k], bpt,
                          j0, j1)
        delta, new = new, delta
    for j in range(n_states):
        new[j] = delta[j] + log_end[j]
    last = _first_argmax(new)
    _backtrack(bp, path, last)
    return new[last]


# --------------------------------------------------------------------------
# Second-order Viterbi
# --------------------------------------------------------------------------

@jit
def _viterbi2_one(emit, obs, log_trans2, path, bp, delta, new, best, argf):
    """Second-order Viterbi for one sequence; returns its log-probability.

    ``log_trans2[u, v, w] = log P(w | u, v)`` over K + 1 tags, where tag K is
    the sentence boundary: the sequence is read as ``B B x_1 .. x_T B``.
    ``delta[u, v]`` scores the best path whose last two tags are (u, v);
    ``bp[t, v, w]`` is the best u for (v, w) at step t.
    """
    n_steps = path.shape[0]
    n_tags = log_trans2.shape[0]
    k = n_tags - 1                      # real tags 0..k-1, boundary = k
    if n_steps == 0:
        return 0.0
    delta[:, :] = -np.inf
    delta[k, k] = 0.0
    for t in range(n_steps):
        e = emit[obs[t]]
        new[:, :] = -np.inf
        for v in range(n_tags):
            best[:k] = -np.inf
            argf[:k] = 0
            live = False
            for u in range(n_tags):
                s = delta[u, v]
                if s == -np.inf:
                    continue
                live = True
                _relax(best, argf, s, log_trans2[u, v], u, k)
            if not live:
                continue
            for w in range(k):
                new[v, w] = best[w] + e[w]
                bp[t, v, w] = argf[w]
        delta, new = new, delta
    # close with the boundary tag; lowest (u, v) wins ties
    best_score = -np.inf
    bu, bv = k, 0
    for u in range(n_tags):
        for v in range(k):
            score = delta[u, v] + log_trans2[u, v, k]
            if score > best_score:
                best_score = score
                bu, bv = u, v
    path[n_steps - 1] = bv
    if n_steps > 1:
        path[n_steps - 2] = bu
    for t in range(n_steps - 1, 1, -1):
        path[t - 2] = bp[t, path[t - 1], path[t]]
    return best_score


@jit(parallel=True)
def viterbi2_chunks(emit, obs, offsets, chunk_bounds, chunk_maxlen, log_trans2,
                    paths, log_probs, bp_proto):
    """Second-order Viterbi over chunks of sequences, in parallel."""
    n_tags = log_trans2.shape[0]
    for c in prange(chunk_bounds.shape[0] - 1):
        bp = np.empty((chunk_maxlen[c], n_tags, n_tags - 1), dtype=bp_proto.dtype)
        delta = np.empty((n_tags, n_tags), dtype=log_trans2.dtype)
        new = np.empty_like(delta)
        best = np.empty(n_tags, dtype=log_trans2.dtype)
        argf = np.empty_like(best)
        for s in range(chunk_bounds[c], chunk_bounds[c + 1]):
            a, b = offsets[s], offsets[s + 1]
            log_probs[s] = _viterbi2_one(emit, obs[a:b], log_trans2,
                                         paths[a:b], bp, delta, new, best,
                                         argf)


@jit
def viterbi2_serial(emit, obs, offsets, log_trans2, paths, log_probs,
                    bp_proto):
    """Serial twin of :func:`viterbi2_chunks` for use inside worker threads."""
    n_tags = log_trans2.shape[0]
    maxlen = 0
    for s in range(offsets.shape[0] - 1):
        maxlen = max(maxlen, offsets[s + 1] - offsets[s])
    bp = np.empty((maxlen, n_tags, n_tags - 1), dtype=bp_proto.dtype)
    delta = np.empty((n_tags, n_tags), dtype=log_trans2.dtype)
    new = np.empty_like(delta)
    best = np.empty(n_tags, dtype=log_trans2.dtype)
    argf = np.empty_like(best)
    for s in range(offsets.shape[0] - 1):
        a, b = offsets[s], offsets[s + 1]
        log_probs[s] = _viterbi2_one(emit, obs[a:b], log_trans2, paths[a:b],
                                     bp, delta, new, best, argf)


# --------------------------------------------------------------------------
# Forward-backward (scaled, probability space, float64)
# --------------------------------------------------------------------------

@jit
def _forward_backward_one(emit, obs, trans, start, post, alpha, scale, beta,
                          nxt, tmp, xi):
    """Scaled forward-backward for one sequence.

    ``post`` (T x K) receives the posteriors gamma; ``xi`` (K x K) gets the
    expected transition counts sum_t xi_t added to it.  Returns the
    log-likelihood, or -inf (posteriors left as zeros, ``xi`` untouched) when
    the sequence is impossible under the model.

    Forward: alpha[t] = (alpha[t-1] @ trans) * e[t] / c[t], with c[t] its sum.
    Backward: beta[t, i] = sum_j trans[i, j] e[t+1, j] beta[t+1, j] / c[t+1].
    Each step's emissions are shifted by their maximum before ``exp``, so none
    underflows; the shifts are added back to the log-likelihood.
    """
    n_steps = post.shape[0]
    n_states = trans.shape[0]
    if n_steps == 0:
        return 0.0
    loglik = 0.0
    for t in range(n_steps):                     # forward; post[t] <- e[t]
        le = emit[obs[t]]
        shift = le[_first_argmax(le)]
        if shift == -np.inf:
            post[:, :] = 0.0
            return -np.inf
        for j in range(n_states):
            post[t, j] = np.exp(le[j] - shift)
        if t == 0:
            tmp[:] = start
        else:
            tmp[:] = 0.0
            for i in range(n_states):
                a = alpha[t - 1, i]
                if a == 0.0:
                    continue
                for j in range(n_states):
                    tmp[j] += a * trans[i, j]
        total = 0.0
        for j in range(n_states):
            tmp[j] *= post[t, j]
            total += tmp[j]
        if total == 0.0:
            post[:, :] = 0.0
            return -np.inf
        for j in range(n_states):
            alpha[t, j] = tmp[j] / total
        scale[t] = total
        loglik += np.log(total) + shift
    beta[:] = 1.0                                # backward; beta = beta[t+1]
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
def _posterior_row(alpha, beta, out):
    """out = alpha * beta, normalized to sum to one."""
    norm = 0.0
    for j in range(out.shape[0]):
        out[j] = alpha[j] * beta[j]
        norm += out[j]
    for j in range(out.shape[0]):
        out[j] /= norm


@jit
def _fb_range(emit, obs, offsets, first, last, trans, start, post, loglik,
              xi):
    """Forward-backward over sequences first..last-1, adding into ``xi``."""
    n_states = trans.shape[0]
    maxlen = 0
    for s in range(first, last):
        maxlen = max(maxlen, offsets[s + 1] - offsets[s])
    alpha = np.empty((maxlen, n_states))
    scale = np.empty(maxlen)
    beta = np.empty(n_states)
    nxt = np.empty(n_states)
    tmp = np.empty(n_states)
    for s in range(first, last):
        a, b = offsets[s], offsets[s + 1]
        loglik[s] = _forward_backward_one(emit, obs[a:b], trans, start,
                                          post[a:b], alpha, scale, beta, nxt,
                                          tmp, xi)


@jit(parallel=True)
def forward_backward_chunks(emit, obs, offsets, chunk_bounds, trans, start,
                            post, loglik, xi_parts):
    """Forward-backward in parallel over chunks of sequences.

    Chunk c adds its expected transition counts into ``xi_parts[c]``; the
    caller sums the parts in chunk order, so the result does not depend on
    how many threads ran the chunks.
    """
    for c in prange(chunk_bounds.shape[0] - 1):
        _fb_range(emit, obs, offsets, chunk_bounds[c], chunk_bounds[c + 1],
                  trans, start, post, loglik, xi_parts[c])


@jit
def forward_backward_serial(emit, obs, offsets, chunk_bounds, trans, start,
                            post, loglik, xi_parts):
    """Serial twin of :func:`forward_backward_chunks` (same chunking)."""
    for c in range(chunk_bounds.shape[0] - 1):
        _fb_range(emit, obs, offsets, chunk_bounds[c], chunk_bounds[c + 1],
                  trans, start, post, loglik, xi_parts[c])


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
def sample_chain(start_cdf, trans_cdf, emit_cdf, uniforms, first_state,
                 states, symbols):
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
