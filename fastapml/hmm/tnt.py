"""TnT's transition estimates (Brants 2000, "TnT -- a statistical
part-of-speech tagger", ANLP): tag n-gram counts, deleted interpolation of
their weights, and the interpolated transition probabilities.

The suffix model for unknown words is :mod:`fastapml.hmm.suffix`.
"""

import numpy as np

# A unigram weight below this is raised to it, so no transition has
# probability zero even when deleted interpolation gives the unigram none.
MIN_UNIGRAM_WEIGHT = 1e-3


def transition_counts(tag_ids, lengths, n_tags, order):
    """Tag n-gram event counts over ``B [B] t_1 .. t_n B``, B = index K.

    Returns an int64 array of shape (K+1,) * (order + 1): ``counts[u, v, w]``
    (order 2) or ``counts[v, w]`` (order 1) is how often w followed the
    context; every token and every sentence end is one event.  ``lengths``
    must all be positive.
    """
    k1 = n_tags + 1
    boundary = n_tags
    starts = np.cumsum(lengths) - lengths
    pos = np.arange(tag_ids.size) - np.repeat(starts, lengths)
    prev1 = np.where(pos >= 1, np.roll(tag_ids, 1), boundary)
    last = starts + lengths - 1
    ends_v = tag_ids[last]
    if order == 1:
        src = np.concatenate((prev1, ends_v))
        dst = np.concatenate((tag_ids, np.full(lengths.size, boundary)))
        flat = src * k1 + dst
    else:
        prev2 = np.where(pos >= 2, np.roll(tag_ids, 2), boundary)
        ends_u = np.where(lengths >= 2, tag_ids[last - 1], boundary)
        u = np.concatenate((prev2, ends_u))
        v = np.concatenate((prev1, ends_v))
        w = np.concatenate((tag_ids, np.full(lengths.size, boundary)))
        flat = (u * k1 + v) * k1 + w
    return np.bincount(flat, minlength=k1 ** (order + 1)).reshape((k1,) * (order + 1))


def deleted_interpolation(counts):
    """TnT's interpolation weights (Brants 2000, fig. 1), lowest order first.

    For every n-gram event type with count f > 0, each order's estimate is
    scored with that event left out: ``(f(t3) - 1) / (N - 1)``,
    ``(f(t2, t3) - 1) / (f(t2) - 1)`` and (order 2)
    ``(f(t1, t2, t3) - 1) / (f(t1, t2) - 1)``, with 0 where the denominator
    is 0; the order scoring highest gets f added to its weight (ties share
    f equally).  The weights are normalized to sum to one; a unigram weight
    below ``MIN_UNIGRAM_WEIGHT`` is raised to it (and the rest rescaled) so
    that no transition gets probability zero.
    """
    order = counts.ndim - 1
    bigram = counts.sum(axis=0) if order == 2 else counts
    unigram = bigram.sum(axis=0)
    n_events = unigram.sum()
    cells = np.nonzero(counts)
    f = counts[cells].astype(np.float64)
    dst, ctx1 = cells[-1], cells[-2]

    def held_out(num, den):
        num, den = num - 1.0, den - 1.0
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    scores = [
        held_out(unigram[dst].astype(np.float64), np.full(f.size, float(n_events))),
        held_out(
            bigram[ctx1, dst].astype(np.float64),
            bigram.sum(axis=1)[ctx1].astype(np.float64),
        ),
    ]
    if order == 2:
        context = counts.sum(axis=2)
        scores.append(held_out(f, context[cells[0], ctx1].astype(np.float64)))
    scores = np.stack(scores)
    winners = scores == scores.max(axis=0)
    lambdas = (winners * (f / winners.sum(axis=0))).sum(axis=1)
    lambdas /= lambdas.sum()
    if lambdas[0] < MIN_UNIGRAM_WEIGHT:
        lambdas[1:] *= (1.0 - MIN_UNIGRAM_WEIGHT) / lambdas[1:].sum()
        lambdas[0] = MIN_UNIGRAM_WEIGHT
    return lambdas


def interpolated_transitions(counts, lambdas):
    """P(w | context) = sum_i lambda_i P^_i(w | last i - 1 tags).

    A context never seen falls back to the next lower order's estimate, so
    every row is a distribution; every entry is positive because the
    unigram weight is and every tag (and B) occurs.
    """
    order = counts.ndim - 1
    counts = counts.astype(np.float64)
    bigram = counts.sum(axis=0) if order == 2 else counts
    unigram = bigram.sum(axis=0)
    p1 = unigram / unigram.sum()
    ctx1 = bigram.sum(axis=1, keepdims=True)
    p2 = np.divide(
        bigram, ctx1, out=np.broadcast_to(p1, bigram.shape).copy(), where=ctx1 > 0
    )
    if order == 1:
        return lambdas[0] * p1 + lambdas[1] * p2
    ctx2 = counts.sum(axis=2, keepdims=True)
    probs = np.divide(
        counts, ctx2, out=np.broadcast_to(p2, counts.shape).copy(), where=ctx2 > 0
    )
    probs *= lambdas[2]
    probs += lambdas[1] * p2
    probs += lambdas[0] * p1
    return probs
