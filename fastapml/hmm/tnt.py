"""TnT's transition estimates (Brants 2000, "TnT -- a statistical
part-of-speech tagger", ANLP): tag n-gram counts, deleted interpolation of
their weights, and the first-order transition probabilities.

Counts are kept as the n-gram *types* that occur, each with its count, so a
tag set of thousands of tags costs memory for the trigrams seen, not for all
``(K + 1)^3``.  The second-order probabilities are
:class:`fastapml.hmm.trigram.TrigramTable`; the suffix model for unknown
words is :mod:`fastapml.hmm.suffix`.

Every sentence is read as ``B [B] t_1 … t_n B`` with ``B`` = index K, the
boundary.  Sentences are never empty, so ``B`` never follows the sentence
start: the start distribution gives it no mass (:func:`drop_empty_sentence`).
"""

import numpy as np

# A unigram weight below this is raised to it, so no transition has
# probability zero even when deleted interpolation gives the unigram none.
MIN_UNIGRAM_WEIGHT = 1e-3
SMOOTHINGS = ("tnt", "add-one", "mle")


def ngram_counts(tag_ids, lengths, n_tags, order):
    """The tag n-grams of ``B [B] t_1 … t_n B`` that occur, with their counts.

    Parameters
    ----------
    tag_ids : int64 array (N,)
        Tags in ``[0, n_tags)``, sentences end to end.
    lengths : int64 array (n_sentences,)
        Sentence lengths, all positive.
    n_tags : int
        K; the boundary is K.
    order : {1, 2}
        Bigrams ``(v, w)`` or trigrams ``(u, v, w)``.

    Returns
    -------
    keys : int64 array (n_types,)
        Sorted codes ``v * (K + 1) + w`` or ``(u * (K + 1) + v) * (K + 1) + w``.
    counts : int64 array (n_types,)
        How often each occurs: every token and every sentence end is one event.
    """
    k1 = n_tags + 1
    boundary = n_tags
    starts = np.cumsum(lengths) - lengths
    pos = np.arange(tag_ids.size) - np.repeat(starts, lengths)
    prev1 = np.where(pos >= 1, np.roll(tag_ids, 1), boundary)
    last = starts + lengths - 1
    v = np.concatenate((prev1, tag_ids[last]))
    w = np.concatenate((tag_ids, np.full(lengths.size, boundary)))
    flat = v * k1 + w
    if order == 2:
        prev2 = np.where(pos >= 2, np.roll(tag_ids, 2), boundary)
        u = np.concatenate((prev2, np.where(lengths >= 2, tag_ids[last - 1], boundary)))
        flat += u * (k1 * k1)
    return np.unique(flat, return_counts=True)


def bigram_table(keys, counts, n_tags):
    """Dense float64 (K+1, K+1) counts ``c[v, w]`` of n-gram codes, summed
    over any older context."""
    k1 = n_tags + 1
    return np.bincount(
        keys % (k1 * k1), weights=counts.astype(np.float64), minlength=k1 * k1
    ).reshape(k1, k1)


def history_rows(keys, k1):
    """Histories (codes without their last tag) of sorted n-gram codes: the
    distinct ones and the offsets of their runs (CSR ``indptr``)."""
    hist = keys // k1
    first = np.flatnonzero(np.r_[True, hist[1:] != hist[:-1]])
    return hist[first], np.r_[first, keys.size].astype(np.int64)


def deleted_interpolation(keys, counts, n_tags, order):
    """TnT's interpolation weights (Brants 2000, fig. 1), lowest order first.

    For every n-gram type with count f, each order's estimate is scored with
    that event left out: ``(f(t3) - 1) / (N - 1)``, ``(f(t2, t3) - 1) /
    (f(t2) - 1)`` and (order 2) ``(f(t1, t2, t3) - 1) / (f(t1, t2) - 1)``,
    with 0 where the denominator is 0; the order scoring highest gets f added
    to its weight (ties share f equally).  The weights are normalized to sum
    to one; a unigram weight below ``MIN_UNIGRAM_WEIGHT`` is raised to it (and
    the rest rescaled) so that no transition gets probability zero.

    Parameters
    ----------
    keys, counts : int64 arrays (n_types,)
        As returned by :func:`ngram_counts`.
    n_tags : int
        K.
    order : {1, 2}
        The order the keys were counted at.

    Returns
    -------
    lambdas : float64 array (order + 1,)
        Unigram, bigram (and trigram) weights.
    """
    k1 = n_tags + 1
    f = counts.astype(np.float64)
    w, v = keys % k1, (keys // k1) % k1
    bigram = bigram_table(keys, counts, n_tags)
    unigram = bigram.sum(axis=0)

    def held_out(num, den):
        num, den = num - 1.0, den - 1.0
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    scores = [
        held_out(unigram[w], np.full(f.size, unigram.sum())),
        held_out(bigram[v, w], bigram.sum(axis=1)[v]),
    ]
    if order == 2:
        _, indptr = history_rows(keys, k1)
        context = np.add.reduceat(f, indptr[:-1])
        scores.append(held_out(f, np.repeat(context, np.diff(indptr))))
    scores = np.stack(scores)
    winners = scores == scores.max(axis=0)
    lambdas = (winners * (f / winners.sum(axis=0))).sum(axis=1)
    lambdas /= lambdas.sum()
    if lambdas[0] < MIN_UNIGRAM_WEIGHT:
        lambdas[1:] *= (1.0 - MIN_UNIGRAM_WEIGHT) / lambdas[1:].sum()
        lambdas[0] = MIN_UNIGRAM_WEIGHT
    return lambdas


def lower_orders(bigram):
    """Relative frequencies ``p1[w]`` and ``p2[v, w]`` (row v falls back to
    p1 where v was never a context) of a dense bigram count table."""
    unigram = bigram.sum(axis=0)
    p1 = unigram / unigram.sum()
    ctx = bigram.sum(axis=1, keepdims=True)
    p2 = np.divide(
        bigram, ctx, out=np.broadcast_to(p1, bigram.shape).copy(), where=ctx > 0
    )
    return p1, p2


def first_order_transitions(keys, counts, n_tags, smoothing, lambdas=None):
    """P(w | v) over K + 1 tags (index K the boundary) as a dense array.

    "tnt": ``lambdas[0] P^(w) + lambdas[1] P^(w | v)``; "add-one": ``(c(v, w)
    + 1) / (c(v) + K + 1)``; "mle": ``c(v, w) / c(v)``.  The start row is then
    conditioned on a non-empty sentence (:func:`drop_empty_sentence`).

    Parameters
    ----------
    keys, counts : int64 arrays (n_types,)
        Bigram types and counts from :func:`ngram_counts`.
    n_tags : int
        K.
    smoothing : {"tnt", "add-one", "mle"}
        The estimator.
    lambdas : float array (2,), optional
        The "tnt" weights.

    Returns
    -------
    probs : float64 array (K + 1, K + 1)
        Rows are contexts, and distributions.
    """
    bigram = bigram_table(keys, counts, n_tags)
    if smoothing == "tnt":
        p1, p2 = lower_orders(bigram)
        probs = lambdas[0] * p1 + lambdas[1] * p2
    elif smoothing == "add-one":
        probs = (bigram + 1.0) / (bigram.sum(axis=1, keepdims=True) + n_tags + 1)
    else:
        probs = bigram / bigram.sum(axis=1, keepdims=True)
    drop_empty_sentence(probs[n_tags], n_tags)
    return probs


def drop_empty_sentence(start_row, boundary):
    """Condition a start distribution on the sentence having a token.

    ``start_row[boundary]`` (the empty sentence, which training never shows)
    becomes 0 and the rest is divided by their sum, in place.  Under
    add-one this turns ``(c + 1) / (n + K + 1)`` into the add-one estimate
    over the K real tags, ``(c + 1) / (n + K)``.

    Parameters
    ----------
    start_row : float array (K + 1,)
        ``P(t | B)`` (first order) or ``P(t | B, B)`` (second order).
    boundary : int
        The index of B, K.
    """
    start_row[boundary] = 0.0
    start_row /= start_row.sum()
