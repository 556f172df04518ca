"""Forward-backward: sequence log-likelihoods, state posteriors, expected counts.

Computed with per-step scaling in probability space (float64), which gives
the log-space recursion's results to rounding at a fraction of its cost
(sequences whose probabilities underflow fall back to the log-space one):
alpha[t] = (alpha[t-1] @ trans) * e[t] / c[t], log p(x) = sum_t log c[t].
"""

import numpy as np

from .._numba import n_threads, parallel_allowed
from . import _forward_backward_kernels as _kernels
from ._inputs import (
    chunk_sequences,
    emissions,
    first_order_model,
    sequence_offsets,
    tiled_rows,
)

# Each chunk keeps its own K x K expected-count matrix; cap their total size.
_XI_BUDGET_BYTES = 64 * 2**20
_MAX_CHUNKS = 64
# rows of an emission table scaled per parallel task, at least
_SCALE_ROWS_PER_CHUNK = 4096

# A log-probability above this is not one (log of a rounded sum to one gives
# at most a few ulps above 0).
LOG_PROB_TOLERANCE = 1e-6


def forward_backward(log_emit, lengths, log_trans, log_start, symbols=None):
    r"""Log-likelihoods, posteriors and expected transition counts.

    The forward-backward algorithm on a first-order HMM, for many sequences
    stored end to end: with the forward variables :math:`\alpha_t(k) =
    p(x_1, \dots, x_t, s_t = k)` and backward variables :math:`\beta_t(k) =
    p(x_{t+1}, \dots, x_T \mid s_t = k)`, the posteriors are
    :math:`\gamma_t(k) = \alpha_t(k) \beta_t(k) / p(x)`.  Computed with
    per-step scaling in float64 (log space where that would underflow), which
    gives the log-space recursion's results to rounding.

    Parameters
    ----------
    log_emit : array (N, K), or (M, K) with ``symbols``
        Dense emission log-probabilities per step; or, when ``symbols`` is
        given, a table ``log_emit[s, k] = log p(symbol s | state k)``, as in
        :func:`~fastapml.hmm.viterbi_batch`.
    lengths : array of int (n_seq,) or None
        Sequence lengths, summing to N (None: one sequence).
    log_trans : array (K, K)
        Log transition matrix, rows are sources.
    log_start : array (K,)
        Log initial-state probabilities.
    symbols : int array (N,) or (N, 1), optional
        Observed symbol per step, in ``[0, M)``.

    Returns
    -------
    log_likelihoods : float64 array (n_seq,)
        log p(x) per sequence; -inf for a sequence impossible under the model.
    posteriors : float64 array (N, K)
        gamma[t, k] = P(state k at t | x) (rows of impossible sequences are 0).
    xi_sum : float64 array (K, K)
        sum over sequences and t of P(state i at t, state j at t+1 | x).

    Examples
    --------
    >>> import numpy as np
    >>> ll, post, xi = forward_backward(np.log([[0.5, 0.1]]), None,
    ...                                 np.log([[0.7, 0.3], [0.4, 0.6]]),
    ...                                 np.log([0.6, 0.4]))
    >>> round(float(np.exp(ll[0])), 6), post.round(4).tolist()
    (0.34, [[0.8824, 0.1176]])
    """
    log_trans, log_start, _ = first_order_model(log_trans, log_start, None, np.float64)
    check_log_probabilities(log_trans, "log_trans")
    check_log_probabilities(log_start, "log_start")
    n_states = log_trans.shape[0]
    table, obs = emissions(log_emit, symbols, n_states, np.float64)
    lengths, offsets = sequence_offsets(lengths, obs.size)
    return run_validated(table, obs, lengths, offsets, log_trans, log_start)


def check_log_probabilities(arr, name):
    """Refuse entries of a validated float array above 0 (beyond rounding).

    Parameters
    ----------
    arr : ndarray of float
        Log-probabilities, already checked free of NaN and +inf.
    name : str
        The argument, for the message.

    Raises
    ------
    ValueError
        If an entry exceeds ``LOG_PROB_TOLERANCE``: a probability above 1,
        whose products would overflow.
    """
    if arr.size and arr.max() > LOG_PROB_TOLERANCE:
        raise ValueError(
            f"{name} holds {arr.max():.6g}, but log-probabilities must be <= 0"
        )


def run_validated(
    table, obs, lengths, offsets, log_trans, log_start, posteriors=True, scaled=None
):
    """:func:`forward_backward` on inputs that already passed its checks.

    Sequences run in scaled arithmetic; those it cannot resolve (an
    emission ratio or every state's mass underflowing) are redone in log
    space, and a model whose own probabilities underflow runs in log space.
    With ``posteriors=False`` only the forward pass runs and the
    posteriors and counts come back empty (N x K memory is not needed).
    ``scaled`` is :func:`scaled_emissions` of ``table`` when the caller has
    it already.
    """
    n_states = log_trans.shape[0]
    finite = np.concatenate((log_trans.ravel(), log_start))
    finite = finite[np.isfinite(finite)]
    log_space = bool(finite.size and finite.min() < _kernels.LOG_UNDERFLOW)
    post = np.zeros((obs.size if posteriors else 0, n_states))
    logliks = np.zeros(lengths.size)
    # The chunking depends on the data only, never on the thread count, so
    # the summed counts are identical however many threads run.
    max_chunks = min(_MAX_CHUNKS, max(1, _XI_BUDGET_BYTES // (8 * n_states**2)))
    bounds = chunk_sequences(lengths, max_chunks)
    xi_parts = np.zeros((bounds.size - 1, n_states, n_states))
    kernel = (
        _kernels.forward_backward_parallel
        if parallel_allowed() and n_threads() > 1
        else _kernels.forward_backward
    )
    trans = np.exp(log_trans)
    tiles, n_cols, _, _ = tiled_rows(trans, n_states, fill=0.0)
    model = _kernels.Chain(
        trans, tiles, n_cols, np.exp(log_start), log_trans, log_start, log_space
    )
    kernel(
        table,
        scaled_emissions(table) if scaled is None else scaled,
        obs,
        offsets,
        bounds,
        model,
        posteriors,
        post,
        logliks,
        xi_parts,
    )
    return logliks, post, xi_parts.sum(axis=0)


def scaled_emissions(table):
    """Each emission row as ``exp(row - max(row))``, its max, and usability,
    as a :class:`_forward_backward_kernels.Scaled`.

    A row is usable by the scaled recursion unless it is all -inf or some
    finite entry lies more than ``-LOG_UNDERFLOW`` below the row's maximum
    (its ``exp`` would underflow); sequences that meet such a row are run in
    log space.  Rows are independent, so their fixed ranges run in parallel.
    """
    n_rows = table.shape[0]
    prob = np.empty(table.shape)
    shift = np.empty(n_rows)
    usable = np.empty(n_rows, dtype=np.bool_)
    n_chunks = min(_MAX_CHUNKS, max(1, n_rows // _SCALE_ROWS_PER_CHUNK))
    bounds = np.arange(n_chunks + 1, dtype=np.int64) * n_rows // n_chunks
    run = (
        _kernels.scale_rows_parallel
        if n_chunks > 1 and parallel_allowed() and n_threads() > 1
        else _kernels.scale_rows
    )
    run(table, bounds, prob, shift, usable)
    return _kernels.Scaled(prob, shift, usable)
