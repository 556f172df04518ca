"""Input handling shared by the HMM wrappers: emissions, sequences, chunks,
and the token lists of the tagger."""

from itertools import chain, repeat

import numpy as np

from .._simd import PAD, TILE_BYTES
from .._validation import (
    check_float_array,
    check_lengths,
    check_shape,
    check_symbols,
    float_dtype,
)

# Scores in float32 keep the running arg-max as a float32 (exact below 2**24).
MAX_STATES = 2**24


def backpointer_proto(n_states):
    """An empty array of the smallest unsigned dtype that holds 0..n_states-1."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if n_states - 1 <= np.iinfo(dtype).max:
            return np.empty(0, dtype=dtype)
    raise ValueError(f"too many states: {n_states}")


def tiled_rows(rows, n_real, fill=-np.inf):
    """Pack the last axis of ``rows`` (..., R, C) into padded column tiles.

    Returns ``(tiles, n_cols, row_hi, row_lo)``: ``tiles`` has shape
    (..., n_tiles, R, TILE) with ``tiles[..., t, r, :] = rows[..., r,
    t * TILE:(t + 1) * TILE]`` (TILE = ``_simd.TILE_BYTES`` of the dtype:
    MAX_VECTORS native vectors), ``n_cols`` is C rounded up to a multiple of
    ``_simd.PAD`` (padding holds ``fill``: -inf for
    max-plus, 0 for sum-product), and ``row_hi``/``row_lo`` are each row's
    max and min over its first ``n_real`` columns (the kernels use them to
    skip sources that cannot win any destination).
    """
    *lead, n_rows, width = rows.shape
    tile = TILE_BYTES // rows.itemsize
    n_cols = -(-width // PAD) * PAD
    n_tiles = -(-n_cols // tile)
    padded = np.full((*lead, n_rows, n_tiles * tile), fill, dtype=rows.dtype)
    padded[..., :width] = rows
    tiles = padded.reshape(*lead, n_rows, n_tiles, tile)
    tiles = np.ascontiguousarray(np.moveaxis(tiles, -2, -3))
    real = rows[..., :n_real]
    return tiles, n_cols, real.max(axis=-1), real.min(axis=-1)


def emissions(log_emit, symbols, n_states, dtype, name="log_emit"):
    """Return ``(table, obs)`` so that step t emits ``table[obs[t]]``.

    Without ``symbols``, ``log_emit`` is the dense (n_samples, n_states)
    matrix and ``obs = arange(n_samples)``.  With ``symbols``, ``log_emit`` is
    a (n_symbols, n_states) table and ``obs`` the validated symbols.
    """
    table = check_float_array(log_emit, name, 2, dtype=dtype, allow_neg_inf=True)
    if table.shape[1] != n_states:
        raise ValueError(
            f"{name} must have {n_states} columns (one per state), "
            f"got shape {table.shape}"
        )
    if symbols is None:
        return table, np.arange(table.shape[0], dtype=np.int64)
    if table.shape[0] == 0:
        raise ValueError(f"{name} must have at least one row (symbol)")
    return table, check_symbols(symbols, "symbols", table.shape[0])


def first_order_model(log_trans, log_start, log_end, dtype=None):
    """Validate log_trans (K, K), log_start (K,), log_end (K,) or None."""
    if dtype is None:
        dtype = float_dtype(log_trans, log_start)
    log_trans = check_float_array(
        log_trans, "log_trans", 2, dtype=dtype, allow_neg_inf=True
    )
    n_states = log_trans.shape[0]
    if n_states == 0 or log_trans.shape != (n_states, n_states):
        raise ValueError(
            f"log_trans must be a non-empty square matrix, got shape {log_trans.shape}"
        )
    if n_states >= MAX_STATES:
        raise ValueError(
            f"log_trans has {n_states} states; at most {MAX_STATES - 1} are supported"
        )
    log_start = check_shape(
        check_float_array(log_start, "log_start", 1, dtype=dtype, allow_neg_inf=True),
        "log_start",
        (n_states,),
    )
    if log_end is None:
        log_end = np.zeros(n_states, dtype=dtype)
    else:
        log_end = check_shape(
            check_float_array(log_end, "log_end", 1, dtype=dtype, allow_neg_inf=True),
            "log_end",
            (n_states,),
        )
    return log_trans, log_start, log_end


def second_order_model(log_trans2, dtype=None, name="log_trans2"):
    """Validate log_trans2 of shape (K + 1, K + 1, K + 1), K >= 1 (``name``
    is the argument's name in the errors)."""
    if dtype is None:
        dtype = float_dtype(log_trans2)
    log_trans2 = check_float_array(log_trans2, name, 3, dtype=dtype, allow_neg_inf=True)
    n = log_trans2.shape[0]
    if n < 2 or log_trans2.shape != (n, n, n):
        raise ValueError(
            f"{name} must have shape (K + 1, K + 1, K + 1) with "
            f"K >= 1 real states, got {log_trans2.shape}"
        )
    return log_trans2


def sequence_offsets(lengths, n_samples):
    """Validated lengths and their offsets (n_seq + 1, starting at 0)."""
    lengths = check_lengths(lengths, n_samples)
    offsets = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return lengths, offsets


def chunk_sequences(lengths, n_chunks):
    """Split sequences into at most ``n_chunks`` runs of similar token counts.

    Returns ``bounds``: chunk c holds sequences ``bounds[c]:bounds[c + 1]``.
    """
    n_seq = lengths.size
    n_chunks = max(1, min(n_chunks, n_seq))
    if n_seq == 0:
        return np.zeros(1, dtype=np.int64)
    cum = np.cumsum(lengths)
    targets = cum[-1] * np.arange(1, n_chunks) / n_chunks
    cuts = np.searchsorted(cum, targets, side="left") + 1
    return np.unique(np.concatenate(([0], cuts, [n_seq]))).astype(np.int64)


def flatten_sentences(sentences, name):
    """Check a list of token lists; return (all tokens, lengths)."""
    if isinstance(sentences, (str, bytes)) or not hasattr(sentences, "__iter__"):
        raise TypeError(
            f"{name} must be a list of token lists, got {type(sentences).__name__}"
        )
    sentences = list(sentences)
    for i, sentence in enumerate(sentences):
        if not isinstance(sentence, (list, tuple, np.ndarray)):
            raise TypeError(
                f"{name}[{i}] must be a list of strings, got {type(sentence).__name__}"
            )
    tokens = list(chain.from_iterable(sentences))
    if not all(map(isinstance, tokens, repeat(str))):
        for i, sentence in enumerate(sentences):
            for j, token in enumerate(sentence):
                if not isinstance(token, str):
                    raise TypeError(
                        f"{name}[{i}][{j}] must be a str, got {type(token).__name__}"
                    )
    lengths = np.fromiter(map(len, sentences), dtype=np.int64, count=len(sentences))
    return tokens, lengths


def check_same_lengths(lengths, tag_lengths, name):
    if lengths.size != tag_lengths.size:
        raise ValueError(
            f"got {lengths.size} sentences but {tag_lengths.size} {name} lists"
        )
    bad = np.flatnonzero(lengths != tag_lengths)
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"sentence {i} has {lengths[i]} tokens but "
            f"{name}[{i}] has {tag_lengths[i]} tags"
        )
