"""Log-space Viterbi decoding: first order (hmmlearn's model) and second order.

Recursion (first order): delta[0, j] = log_start[j] + log_emit[0, j];
delta[t, j] = max_i (delta[t-1, i] + log_trans[i, j]) + log_emit[t, j];
the path ends in argmax_j delta[T-1, j] + log_end[j].  Ties go to the lowest
state index; -inf entries are legal everywhere.
"""

import numpy as np

from .._memory import check_memory
from .._numba import n_threads, parallel_allowed
from .._validation import float_dtype
from . import _kernels
from ._inputs import (
    backpointer_proto,
    chunk_sequences,
    emissions,
    first_order_model,
    second_order_model,
    sequence_offsets,
    tiled_rows,
)

# Below this many states one sequence does not pay for a parallel region per step.
WIDE_MIN_STATES = 256


def viterbi(log_emit, log_trans, log_start, log_end=None):
    """Most likely state path of one sequence.

    Parameters
    ----------
    log_emit : array (T, K)
        ``log p(observation t | state k)``.
    log_trans : array (K, K)
        ``log P(state j at t+1 | state i at t)``; rows are sources.
    log_start : array (K,)
        Log initial-state probabilities.
    log_end : array (K,), optional
        Log probability of stopping in each state (default 0: no end model).

    Returns
    -------
    path : int64 array (T,)
    log_prob : float
        Log-probability of the path and the observations.

    Examples
    --------
    >>> import numpy as np
    >>> start, trans = np.log([0.6, 0.4]), np.log([[0.7, 0.3], [0.4, 0.6]])
    >>> emit = np.log([[0.5, 0.1], [0.4, 0.3], [0.1, 0.6]])  # normal, cold, dizzy
    >>> path, logp = viterbi(emit, trans, start)
    >>> path.tolist(), round(float(np.exp(logp)), 5)
    ([0, 0, 1], 0.01512)
    """
    log_emit = np.asarray(log_emit)
    if log_emit.ndim != 2:
        raise ValueError(f"log_emit must be 2-D (T, K), got shape {log_emit.shape}")
    paths, log_probs = viterbi_batch(
        log_emit, [log_emit.shape[0]], log_trans, log_start, log_end
    )
    return paths, float(log_probs[0])


def viterbi_batch(log_emit, lengths, log_trans, log_start, log_end=None, symbols=None):
    """Viterbi paths of many sequences stored end to end, in parallel.

    Parameters
    ----------
    log_emit : array (N, K), or (M, K) with ``symbols``
        Dense emission log-probabilities per step; or, when ``symbols`` is
        given, a table ``log_emit[s, k] = log p(symbol s | state k)``.
    lengths : array of int (n_seq,) or None
        Sequence lengths, summing to N (None: one sequence).  Zero-length
        sequences are allowed (empty path, log-probability 0).
    log_trans : array (K, K)
        ``log P(state j at t+1 | state i at t)``; rows are sources.
    log_start : array (K,)
        Log initial-state probabilities.
    log_end : array (K,), optional
        Log probability of stopping in each state (default 0: no end model).
    symbols : int array (N,) or (N, 1), optional
        Observed symbol per step, in ``[0, M)``.

    Returns
    -------
    paths : int64 array (N,)
        States, end to end like the input.
    log_probs : float64 array (n_seq,)
        Log-probability of each sequence's best path and its observations.

    See Also
    --------
    viterbi : One sequence.
    viterbi_partitions : Partitions of sequences, one dask task each.

    Examples
    --------
    >>> import numpy as np
    >>> start, trans = np.log([0.6, 0.4]), np.log([[0.7, 0.3], [0.4, 0.6]])
    >>> table = np.log([[0.5, 0.1], [0.4, 0.3], [0.1, 0.6]])  # normal, cold, dizzy
    >>> paths, log_probs = viterbi_batch(table, [3, 2], trans, start,
    ...                                  symbols=[0, 1, 2, 2, 0])
    >>> paths.tolist(), np.round(log_probs, 3).tolist()
    ([0, 0, 1, 1, 0], [-4.192, -3.037])
    """
    log_trans, log_start, log_end = first_order_model(
        log_trans, log_start, log_end, float_dtype(log_emit, log_trans, log_start)
    )
    table, obs = emissions(log_emit, symbols, log_trans.shape[0], log_trans.dtype)
    lengths, offsets = sequence_offsets(lengths, obs.size)
    return decode_validated(table, obs, lengths, offsets, log_trans, log_start, log_end)


def decode_validated(table, obs, lengths, offsets, log_trans, log_start, log_end):
    """:func:`viterbi_batch` on inputs that already passed its checks.

    For estimators whose parameters are validated once (CategoricalHMM).
    """
    n_states = log_trans.shape[0]
    proto = backpointer_proto(n_states)
    threads = n_threads() if parallel_allowed() else 1
    longest = int(lengths.max(initial=0))
    # back-pointers: one (T, K) table per thread for its longest sequence
    check_memory(
        longest * n_states * proto.itemsize * threads + 16 * obs.size,
        f"Viterbi over {lengths.size:,} sequences (the longest {longest:,} "
        f"steps) and {n_states:,} states",
    )
    paths = np.zeros(obs.size, dtype=np.int64)
    log_probs = np.zeros(lengths.size, dtype=np.float64)
    tiles, n_cols, row_hi, row_lo = tiled_rows(log_trans, n_states)
    if lengths.size < threads and n_states >= WIDE_MIN_STATES:
        for s in range(lengths.size):
            a, b = offsets[s], offsets[s + 1]
            if b > a:
                log_probs[s] = _kernels.viterbi_wide(
                    table,
                    obs[a:b],
                    tiles,
                    n_cols,
                    row_hi,
                    row_lo,
                    log_start,
                    log_end,
                    paths[a:b],
                    proto,
                    threads,
                )
    elif threads > 1:
        bounds = chunk_sequences(lengths, 8 * threads)
        _kernels.viterbi_parallel(
            table,
            obs,
            offsets,
            bounds,
            tiles,
            n_cols,
            row_hi,
            row_lo,
            log_start,
            log_end,
            paths,
            log_probs,
            proto,
        )
    else:
        _kernels.viterbi(
            table,
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
            proto,
        )
    return paths, log_probs


def viterbi2_batch(log_emit, lengths, log_trans2, symbols=None):
    r"""Exact second-order (trigram) Viterbi for many sequences.

    Parameters
    ----------
    log_emit : array (N, K), or (M, K) with ``symbols``
        As in :func:`viterbi_batch`; K real states.
    lengths : array of int (n_seq,) or None
        Sequence lengths, summing to N (None: one sequence), as in
        :func:`viterbi_batch`.
    log_trans2 : array (K + 1, K + 1, K + 1)
        ``log_trans2[u, v, w] = log P(w | u, v)``; index K is the sequence
        boundary, so each sequence is scored as ``B B x_1 .. x_T B``:
        ``log_trans2[K, K, w]`` starts, ``log_trans2[u, v, K]`` ends.
    symbols : int array (N,) or (N, 1), optional
        Observed symbol per step, in ``[0, M)``, indexing the table
        ``log_emit``.

    Returns
    -------
    paths : int64 array (N,)
        States, end to end like the input.
    log_probs : float64 array (n_seq,)
        :math:`\max_y \sum_t \log P(y_t \mid y_{t-2}, y_{t-1}) + \log
        p(x_t \mid y_t)` over the state paths y, including the final
        boundary transition.

    See Also
    --------
    viterbi2_partitions : Partitions of sequences, one dask task each.
    """
    log_trans2 = second_order_model(log_trans2, float_dtype(log_emit, log_trans2))
    table, obs = emissions(log_emit, symbols, log_trans2.shape[0] - 1, log_trans2.dtype)
    lengths, offsets = sequence_offsets(lengths, obs.size)
    return decode2_validated(table, obs, lengths, offsets, log_trans2)


def decode2_validated(table, obs, lengths, offsets, log_trans2):
    """:func:`viterbi2_batch` on inputs that already passed its checks."""
    n_states = log_trans2.shape[0] - 1
    proto = backpointer_proto(n_states + 1)
    threads = n_threads() if parallel_allowed() else 1
    longest = int(lengths.max(initial=0))
    check_memory(
        longest * (n_states + 1) * n_states * proto.itemsize * threads + 16 * obs.size,
        f"second-order Viterbi over {lengths.size:,} sequences (the longest "
        f"{longest:,} steps) and {n_states:,} states",
    )
    paths = np.zeros(obs.size, dtype=np.int64)
    log_probs = np.zeros(lengths.size, dtype=np.float64)
    # by_prev[v, u, w] = log P(w | u, v): for a fixed previous tag v, a
    # first-order (u -> w) matrix the shared max-plus loop can relax.
    by_prev, n_cols, row_hi, row_lo = tiled_rows(
        log_trans2.transpose(1, 0, 2), n_states
    )
    if parallel_allowed() and n_threads() > 1:
        bounds = chunk_sequences(lengths, 8 * n_threads())
        _kernels.viterbi2_parallel(
            table,
            obs,
            offsets,
            bounds,
            by_prev,
            n_cols,
            row_hi,
            row_lo,
            paths,
            log_probs,
            proto,
        )
    else:
        _kernels.viterbi2(
            table,
            obs,
            offsets,
            by_prev,
            n_cols,
            row_hi,
            row_lo,
            paths,
            log_probs,
            proto,
        )
    return paths, log_probs
