r"""Exact second-order Viterbi over a candidate lattice.

A second-order model over K states costs :math:`O(K^3)` per step to decode
densely.  With big tag sets most states are impossible or implausible for a
given word, so each step t gets a short list of candidate states
:math:`C_t` and the recursion

.. math::

    \delta_t(v, w) = \max_{u \in C_{t-2}} \delta_{t-1}(u, v)
                     + \log P(w \mid u, v) + \log p(x_t \mid w),
    \qquad v \in C_{t-1},\ w \in C_t,

runs over pairs of candidates only, at :math:`|C_{t-2}|\,|C_{t-1}|\,|C_t|`
per step.  It is exact within the lattice; a state left out of :math:`C_t`
is never chosen.  With every state of finite emission a candidate it returns
what :func:`~fastapml.hmm.viterbi2_batch` returns, bit for bit.  An optional
beam (TnT's) also drops, at each step, the pairs scoring more than ``beam``
below the step's best.
"""

import numbers

import numpy as np
import scipy.sparse as sp

from .._numba import n_threads, parallel_allowed
from .._validation import check_float_array, check_scalar, check_symbols, float_dtype
from . import _lattice_kernels
from ._inputs import chunk_sequences, second_order_model, sequence_offsets
from .trigram import TrigramTable


def viterbi2_lattice(log_emit, lengths, transitions, symbols=None, beam=None):
    r"""Second-order Viterbi restricted to candidate states, for many sequences.

    Parameters
    ----------
    log_emit : array (N, K) or scipy.sparse CSR (N, K); (M, K) with ``symbols``
        Emission log-probabilities.  Dense: a step's candidates are its
        finite entries.  Sparse: its stored entries (an explicit 0 is
        log-probability 0, a candidate); use this for big K.  A row without
        candidates makes every sequence through it impossible.
    lengths : array of int (n_seq,) or None
        Sequence lengths, summing to N (None: one sequence).
    transitions : array (K + 1, K + 1, K + 1) or TrigramTable
        ``log P(w | u, v)``, index K the boundary, as in
        :func:`~fastapml.hmm.viterbi2_batch`; or the sparse
        :class:`~fastapml.hmm.trigram.TrigramTable` of a big tag set.
    symbols : int array (N,) or (N, 1), optional
        Observed symbol per step, in ``[0, M)``, indexing the rows of
        ``log_emit``.
    beam : float, optional
        Drop pairs scoring more than ``beam`` below the best pair of their
        step (>= 0; default None or ``inf``: exact).

    Returns
    -------
    paths : int64 array (N,)
        States, end to end like the input.
    log_probs : float64 array (n_seq,)
        The best path's log-probability, boundary transitions included;
        ``-inf`` where no path in the lattice has positive probability (its
        path is then arbitrary).

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.hmm import viterbi2_batch
    >>> rng = np.random.default_rng(0)
    >>> trans2 = np.log(rng.dirichlet(np.ones(4), size=(4, 4)))  # K = 3
    >>> emit = np.log(rng.dirichlet(np.ones(3), size=5))
    >>> emit[emit < np.log(0.2)] = -np.inf  # implausible: not a candidate
    >>> paths, log_probs = viterbi2_lattice(emit, [2, 3], trans2)
    >>> dense_paths, dense_log_probs = viterbi2_batch(emit, [2, 3], trans2)
    >>> bool((paths == dense_paths).all() and (log_probs == dense_log_probs).all())
    True
    """
    values = log_emit.data if sp.issparse(log_emit) else log_emit
    if isinstance(transitions, TrigramTable):
        table = transitions.check()
        dtype = float_dtype(table.log_prob, values)
        table = table if table.dtype == dtype else table.astype(dtype)
    else:
        dtype = float_dtype(transitions, values)
        table = TrigramTable._from_checked_dense(
            second_order_model(transitions, dtype, name="transitions")
        )
    n_states = table.n_states - 1
    cand_ptr, cand_tag, cand_emit = candidate_lattice(log_emit, n_states, dtype)
    n_rows = cand_ptr.size - 1
    if symbols is None:
        obs = np.arange(n_rows, dtype=np.int64)
    else:
        if n_rows == 0:
            raise ValueError("log_emit must have at least one row (symbol)")
        obs = check_symbols(symbols, "symbols", n_rows)
    lengths, offsets = sequence_offsets(lengths, obs.size)
    if beam is None:
        beam = np.inf
    else:
        check_scalar(beam, "beam", numbers.Real, low=0.0, finite=False)
    return decode_lattice(
        obs, offsets, cand_ptr, cand_tag, cand_emit, table, float(beam)
    )


def candidate_lattice(log_emit, n_states, dtype):
    """Candidates of each row of a dense or CSR emission table, checked.

    Returns ``(cand_ptr, cand_tag, cand_emit)``: row r's candidate states are
    ``cand_tag[cand_ptr[r]:cand_ptr[r + 1]]``, ascending, with emission
    log-probabilities ``cand_emit[...]``.  A row without candidates gets
    state 0 with log-probability ``-inf``, so every step has one.
    """
    if sp.issparse(log_emit):
        if log_emit.ndim != 2 or log_emit.shape[1] != n_states:
            raise ValueError(
                f"log_emit must have {n_states} columns (one per state), "
                f"got shape {log_emit.shape}"
            )
        csr = sp.csr_matrix(log_emit)
        if not csr.has_canonical_format:  # never sort the caller's arrays
            csr = csr.copy()
            csr.sum_duplicates()
        data = check_float_array(
            csr.data, "log_emit", 1, dtype=dtype, allow_neg_inf=True
        )
        counts = np.diff(csr.indptr)
        tags, values = csr.indices.astype(np.int64), data
    else:
        table = check_float_array(
            log_emit, "log_emit", 2, dtype=dtype, allow_neg_inf=True
        )
        if table.shape[1] != n_states:
            raise ValueError(
                f"log_emit must have {n_states} columns (one per state), "
                f"got shape {table.shape}"
            )
        mask = table != -np.inf
        counts = mask.sum(axis=1)
        tags, values = np.nonzero(mask)[1], table[mask]
    empty = np.flatnonzero(counts == 0)
    if empty.size:  # one impossible candidate keeps the kernel's blocks non-empty
        at = np.cumsum(counts)[empty]
        tags = np.insert(tags, at, 0)
        values = np.insert(values, at, -np.inf)
        counts = np.maximum(counts, 1)
    cand_ptr = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=cand_ptr[1:])
    return cand_ptr, tags.astype(np.int64), np.ascontiguousarray(values, dtype=dtype)


def decode_lattice(obs, offsets, cand_ptr, cand_tag, cand_emit, table, beam):
    """:func:`viterbi2_lattice` on inputs that already passed its checks."""
    paths = np.zeros(obs.size, dtype=np.int64)
    log_probs = np.zeros(offsets.size - 1, dtype=np.float64)
    args = (cand_ptr, cand_tag, cand_emit, *table.arrays(), beam, paths, log_probs)
    if parallel_allowed() and n_threads() > 1:
        bounds = chunk_sequences(np.diff(offsets), 8 * n_threads())
        _lattice_kernels.lattice_parallel(obs, offsets, bounds, *args)
    else:
        _lattice_kernels.lattice(obs, offsets, *args)
    return paths, log_probs
