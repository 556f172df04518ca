"""Unknown words: TnT's suffix model per word shape, and candidate tags.

A word never seen in training gets a tag distribution from the suffix trie
(:mod:`fastapml.hmm.suffix`) of its shape class, learned from the rare
training words of that class: numbers (a digit and no letter, e.g.
``1,948`` or ``3.5%``), punctuation and symbols (every character a Unicode
P* or S*), capitalized words, and the rest.  TnT keeps the capitalized ones
apart; numbers and punctuation are kept apart too because their tags are
almost certain from their shape whatever their last letters, which matters
in languages whose open classes are large.
"""

import unicodedata

import numpy as np

from .suffix import SuffixTrie

SHAPES = ("lower", "upper", "number", "punct")
# A class with no rare training word borrows the model of another.
_BORROW = {"lower": "upper", "upper": "lower", "number": "lower", "punct": "lower"}


def word_shape(word):
    """The shape class of a word: "number", "punct", "upper" or "lower".

    Parameters
    ----------
    word : str
        A token.

    Returns
    -------
    str
        One of :data:`SHAPES`.

    Examples
    --------
    >>> [word_shape(w) for w in ["1,948", "...", "Paris", "ran", "ב-1948"]]
    ['number', 'punct', 'upper', 'lower', 'lower']
    """
    if any(c.isdigit() for c in word) and not any(c.isalpha() for c in word):
        return "number"
    if word and all(unicodedata.category(c)[0] in "PS" for c in word):
        return "punct"
    return "upper" if word[:1].isupper() else "lower"


def fit_suffix_tries(words, emission_counts, rare_max_count, suffix_length):
    """One suffix trie per shape class, from the rare words of that class.

    Parameters
    ----------
    words : list of str
        The vocabulary, in the row order of ``emission_counts``.
    emission_counts : scipy.sparse.csr_matrix (n_words, K)
        Training tokens per (word, tag).
    rare_max_count : int
        Words seen at most this often train the tries; a class without such
        rare words trains on all its words (a comma is never rare).
    suffix_length : int
        Longest suffix stored.

    Returns
    -------
    dict
        Shape -> :class:`~fastapml.hmm.suffix.SuffixTrie`; a class without
        any word shares the trie of another (``_BORROW``).
    """
    freq = np.asarray(emission_counts.sum(axis=1)).ravel()
    rare = freq <= rare_max_count
    shapes = np.array([word_shape(w) for w in words], dtype=np.str_)
    tries = {}
    for shape in SHAPES:
        members = shapes == shape
        rows = np.flatnonzero((rare & members) if (rare & members).any() else members)
        tries[shape] = SuffixTrie.build(
            [words[i] for i in rows], emission_counts[rows], suffix_length
        )
    for shape in SHAPES:
        if tries[shape].empty:
            fallback = tries[_BORROW[shape]]
            tries[shape] = fallback if not fallback.empty else tries["lower"]
    if tries["lower"].empty:  # then "upper" is empty too
        tries["lower"] = tries["upper"] = next(t for t in tries.values() if not t.empty)
    return tries


def unknown_tag_probs(tries, theta, words):
    """P(t | word) of unknown words from the trie of each one's shape.

    Parameters
    ----------
    tries : dict
        Shape -> SuffixTrie, as from :func:`fit_suffix_tries`.
    theta : float
        The successive-abstraction weight.
    words : list of str
        Unknown words.

    Returns
    -------
    probs : float64 array (len(words), K)
        Rows sum to one.
    """
    n_tags = tries["lower"].n_tags
    probs = np.empty((len(words), n_tags))
    shapes = np.array([word_shape(w) for w in words], dtype=np.str_)
    for shape in SHAPES:
        rows = np.flatnonzero(shapes == shape)
        if rows.size:
            probs[rows] = tries[shape].tag_probs([words[i] for i in rows], theta)
    return probs


def top_candidates(probs, mass, max_candidates):
    """Each row's most probable columns, up to a share of its mass.

    Row r keeps the fewest columns, best first (ties to the lower column),
    whose probabilities sum to at least ``mass`` times the row's total, and
    at most ``max_candidates`` of them; never a column of probability 0, and
    at least one column (column 0 for a row of zeros).

    Parameters
    ----------
    probs : float array (n, K)
        Non-negative weights.
    mass : float
        Share in (0, 1].
    max_candidates : int
        Cap (>= 1).

    Returns
    -------
    counts : int64 array (n,)
        Columns kept per row.
    columns : int64 array (counts.sum(),)
        The kept columns, ascending within each row, rows end to end.

    Examples
    --------
    >>> counts, cols = top_candidates(np.array([[.1, .6, .3], [.0, .0, 1.]]), .85, 3)
    >>> counts.tolist(), cols.tolist()
    ([2, 1], [1, 2, 2])
    """
    n, n_cols = probs.shape
    cap = min(max_candidates, n_cols)
    if cap < n_cols:
        part = np.argpartition(-probs, cap - 1, axis=1)[:, :cap]
    else:
        part = np.broadcast_to(np.arange(n_cols), (n, n_cols))
    top = np.take_along_axis(probs, part, axis=1)
    order = np.lexsort((part, -top), axis=1)  # best first, ties to lower column
    part = np.take_along_axis(part, order, axis=1)
    top = np.take_along_axis(top, order, axis=1)
    total = probs.sum(axis=1, keepdims=True)
    before = np.cumsum(top, axis=1) - top  # mass of the better columns
    keep = (before < mass * total) & (top > 0)
    keep[:, 0] = True
    counts = keep.sum(axis=1)
    columns = np.where(keep, part, n_cols)
    columns.sort(axis=1)
    return counts, columns[:, : counts.max(initial=0)][
        np.arange(counts.max(initial=0)) < counts[:, None]
    ]
