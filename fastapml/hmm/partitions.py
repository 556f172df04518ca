"""Viterbi decoding and tagging of partitioned data: one dask task per partition.

A partition is a batch of whole sequences (sentences) that one task decodes
with one call of the in-memory batch path, so the partitioned results are
the in-memory results, bit for bit: every sequence is decoded on its own by
the same kernel loop, whichever batch it is in.

Partitioned inputs come through their own functions and methods
(:func:`viterbi_partitions`, :func:`viterbi2_partitions`,
``HMMTagger.decode_partitions``, ``HMMTagger.predict_partitions``) rather
than through ``viterbi_batch`` or ``HMMTagger.predict``: a list of partitions
of sentences (lists of lists of lists of str) and a list of sentences whose
tokens happen to be lists cannot be told apart reliably by looking, and an
explicit name cannot be misread.  A dask bag is unambiguous, so
``HMMTagger.predict`` and ``HMMTagger.decode`` take one directly and return a
lazy bag with the same partitions.

The shared part (the model arrays, a shared emission table, the tagger)
becomes one key of the task graph that every partition's task depends on,
so it travels to each worker once, not once per task; it is neither hashed
nor searched for dask collections (both would cost as much as decoding).
The lists of partitions are computed with :func:`fastapml._dask.compute`:
on the current ``distributed.Client`` if there is one, else on dask's
configured or local threaded scheduler.  Tasks on worker threads use the
serial kernels (:func:`fastapml._numba.parallel_allowed`).
"""

import contextlib

import numpy as np

from .. import _dask
from .._validation import check_symbols, float_dtype
from ._inputs import emissions, first_order_model, second_order_model, sequence_offsets
from .viterbi import decode2_validated, decode_validated

_NO_SYMBOLS = np.empty(0, dtype=np.int64)


def viterbi_partitions(
    partitions, log_trans, log_start, log_end=None, *, log_emit=None
):
    """:func:`~fastapml.hmm.viterbi_batch` per partition, one dask task each.

    Parameters
    ----------
    partitions : list of pairs
        Without ``log_emit``: ``(log_emit, lengths)`` per partition, the
        dense (N_p, K) emission log-probabilities of its steps and its
        sequence lengths.  With ``log_emit``: ``(symbols, lengths)``, the
        partition's symbols (int, (N_p,)) indexing the shared table.
        Lengths follow :func:`~fastapml.hmm.viterbi_batch` (None: one
        sequence; zero-length sequences allowed).
    log_trans : array (K, K)
        ``log P(state j at t+1 | state i at t)``; rows are sources.
    log_start : array (K,)
        Log initial-state probabilities.
    log_end : array (K,), optional
        Log probability of stopping in each state (default 0: no end model).
    log_emit : array (M, K), optional
        A shared table ``log_emit[s, k] = log p(symbol s | state k)``.  It is
        shipped once, with the model, whatever the number of partitions: for
        big data, prefer it to dense per-step emissions.

    Returns
    -------
    list of (paths, log_probs)
        One pair per partition: int64 paths (N_p,) and float64
        log-probabilities (one per sequence), identical to
        :func:`~fastapml.hmm.viterbi_batch` on the concatenated partitions.

    Raises
    ------
    TypeError, ValueError
        The model and the shared table get ``viterbi_batch``'s checks once,
        here; each partition gets its checks, before any task runs, with
        the message prefixed by ``partitions[i]:``.

    Examples
    --------
    >>> import numpy as np
    >>> start, trans = np.log([0.6, 0.4]), np.log([[0.7, 0.3], [0.4, 0.6]])
    >>> table = np.log([[0.5, 0.1], [0.4, 0.3], [0.1, 0.6]])  # normal, cold, dizzy
    >>> parts = [([0, 1, 2], [3]), ([2, 2, 0, 1], [1, 3])]
    >>> for paths, log_probs in viterbi_partitions(parts, trans, start,
    ...                                            log_emit=table):
    ...     print(paths.tolist(), np.round(log_probs, 3).tolist())
    [0, 0, 1] [-4.192]
    [1, 1, 0, 0] [-1.427, -4.31]
    """
    emission_arrays = _check_pairs(partitions, log_emit)
    model = first_order_model(
        log_trans,
        log_start,
        log_end,
        float_dtype(*emission_arrays, log_trans, log_start),
    )
    return _decode_pairs(
        decode_validated, model, model[0].shape[0], partitions, log_emit
    )


def viterbi2_partitions(partitions, log_trans2, *, log_emit=None):
    """:func:`~fastapml.hmm.viterbi2_batch` per partition, one dask task each.

    Parameters
    ----------
    partitions : list of pairs
        As in :func:`viterbi_partitions`.
    log_trans2 : array (K + 1, K + 1, K + 1)
        See :func:`~fastapml.hmm.viterbi2_batch`.
    log_emit : array (M, K), optional
        A shared emission table, as in :func:`viterbi_partitions`.

    Returns
    -------
    list of (paths, log_probs)
        One pair per partition, identical to
        :func:`~fastapml.hmm.viterbi2_batch` on the concatenated partitions.

    Examples
    --------
    >>> import numpy as np
    >>> log_trans2 = np.log(np.full((3, 3, 3), 1 / 3))  # 2 states + boundary
    >>> table = np.log([[0.9, 0.1], [0.2, 0.8]])
    >>> parts = [([0, 1], [2]), ([1], [1])]
    >>> [paths.tolist() for paths, _ in viterbi2_partitions(
    ...     parts, log_trans2, log_emit=table)]
    [[0, 1], [1]]
    """
    emission_arrays = _check_pairs(partitions, log_emit)
    log_trans2 = second_order_model(
        log_trans2, float_dtype(*emission_arrays, log_trans2)
    )
    return _decode_pairs(
        decode2_validated, (log_trans2,), log_trans2.shape[0] - 1, partitions, log_emit
    )


def _check_pairs(partitions, log_emit):
    """Check that the partitions are pairs; return the emission arrays that
    set the dtype (as in ``viterbi_batch``: the shared table, or every
    partition's dense emissions)."""
    steps = "log_emit" if log_emit is None else "symbols"
    _check_partitions(
        partitions,
        f"a ({steps}, lengths) pair",
        lambda part: isinstance(part, (list, tuple)) and len(part) == 2,
    )
    if log_emit is None:
        return [emit for emit, _ in partitions]
    return [log_emit]


def _decode_pairs(decode, model, n_states, pairs, log_emit):
    """Check every partition, then run ``decode`` (``decode_validated`` or
    ``decode2_validated``) on each as one task; ``model`` is its validated
    transition arrays, whose dtype the emissions take."""
    dtype = model[0].dtype
    shared_table = (
        None
        if log_emit is None
        else emissions(log_emit, _NO_SYMBOLS, n_states, dtype)[0]
    )
    checked = []
    for i, (steps, lengths) in enumerate(pairs):
        with _prefixed_errors(f"partitions[{i}]"):
            if shared_table is None:
                steps = emissions(steps, None, n_states, dtype)[0]
                n_steps = steps.shape[0]
            else:
                steps = check_symbols(steps, "symbols", shared_table.shape[0])
                n_steps = steps.size
            checked.append((steps, *sequence_offsets(lengths, n_steps)))
    return _compute_per_partition(
        _decode_partition, (decode, shared_table, model), checked
    )


def _decode_partition(shared, partition):
    """One partition's task: the batch kernels on its checked arrays."""
    decode, shared_table, model = shared
    steps, lengths, offsets = partition
    if shared_table is None:
        table, obs = steps, np.arange(steps.shape[0], dtype=np.int64)
    else:
        table, obs = shared_table, steps
    return decode(table, obs, lengths, offsets, *model)


# ----------------------------------------------------------------------
# HMMTagger's partitioned paths
# ----------------------------------------------------------------------
def decode_sentence_partitions(tagger, partitions):
    """``tagger.decode`` on each partition, one dask task each: a list of
    ``(log_probs, tags)``.  Tokens are checked in the tasks (errors name
    ``partitions[i][j]``); the list structure is checked here."""
    _check_partitions(
        partitions,
        "a list of token lists",
        lambda part: isinstance(part, (list, tuple)),
    )
    return _compute_per_partition(
        _decode_named_sentences,
        tagger,
        [(part, f"partitions[{i}]") for i, part in enumerate(partitions)],
    )


def _decode_named_sentences(tagger, partition):
    sentences, name = partition
    return tagger._decode_sentences(sentences, name)


def decode_sentence_bag(tagger, sentences, with_log_probs):
    """A lazy bag of ``tagger``'s decoding of a bag of sentences, with one
    task per partition: tag lists, or ``(log_prob, tags)`` pairs."""
    dask = _dask.require("decoding a dask bag")
    per_partition = _scored_tag_lists if with_log_probs else _tag_lists
    return sentences.map_partitions(per_partition, _graph_leaf(dask, tagger))


def _tag_lists(sentences, tagger):
    return tagger._decode_sentences(sentences)[1]


def _scored_tag_lists(sentences, tagger):
    log_probs, tags = tagger._decode_sentences(sentences)
    return list(zip(log_probs.tolist(), tags))


# ----------------------------------------------------------------------
# shared helpers
# ----------------------------------------------------------------------
def _check_partitions(partitions, expected, is_expected):
    if not isinstance(partitions, (list, tuple)):
        raise TypeError(
            f"partitions must be a list with one entry per "
            f"partition, got {type(partitions).__name__}"
        )
    for i, part in enumerate(partitions):
        if not is_expected(part):
            got = type(part).__name__
            if isinstance(part, (list, tuple)):
                got += f" of length {len(part)}"
            raise TypeError(f"partitions[{i}] must be {expected}, got {got}")


@contextlib.contextmanager
def _prefixed_errors(prefix):
    """Re-raise a check's TypeError or ValueError with ``prefix: `` in front."""
    try:
        yield
    except (TypeError, ValueError) as err:
        raise type(err)(f"{prefix}: {err}") from None


def _compute_per_partition(function, shared, partition_args):
    """``[function(shared, args) for args in partition_args]``, one dask task
    per partition, computed on the current client or scheduler."""
    dask = _dask.require("decoding partitions")
    shared_key = _graph_leaf(dask, shared)
    task = dask.delayed(function, pure=False)
    return list(
        _dask.compute(
            *(task(shared_key, _graph_leaf(dask, args)) for args in partition_args)
        )
    )


def _graph_leaf(dask, value):
    """``value`` as one graph key, neither hashed nor traversed."""
    return dask.delayed(value, traverse=False, pure=False)
