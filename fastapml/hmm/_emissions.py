"""The emissions of :class:`~fastapml.hmm.HMMTagger`: emission
log-probabilities of known and unknown words, and the candidate lattice the
second-order decoder runs over.

Functions of a fitted tagger ``model``; the estimator's methods call them.
"""

import numpy as np

from .unknown import SHAPES, top_candidates, unknown_tag_probs

# Unknown words whose tag distributions are computed at once (K floats each).
UNKNOWN_BATCH = 1024


def log_emission(model, words):
    """Dense (len(words), K) emission log-probabilities (see
    :meth:`HMMTagger.log_emission`)."""
    rows = word_rows(model, words)
    table = np.empty((len(words), model.tags_.size))
    known = rows >= 0
    counts = model.emission_counts_[rows[known]].toarray()
    table[known] = known_log_emission(model, counts, np.arange(model.tags_.size))
    unknown = [words[i] for i in np.flatnonzero(~known)]
    table[~known] = unknown_log_emission(model, unknown_probs(model, unknown))
    return table


def word_rows(model, words):
    """Row of each word in ``emission_counts_``, -1 if unknown."""
    return np.fromiter(
        (model.vocabulary_.get(w, -1) for w in words),
        dtype=np.int64,
        count=len(words),
    )


def known_log_emission(model, counts, tags):
    """log P(w | t) from the counts n(w, t) of the tags ``tags``."""
    tag_counts = model.tag_counts_[tags]
    with np.errstate(divide="ignore"):
        if model.smoothing == "add-one":
            return np.log(counts + 1.0) - np.log(tag_counts + n_types(model))
        return np.log(counts) - np.log(tag_counts)


def unknown_probs(model, words):
    """P(t | w) of unknown words: the suffix model ("tnt"), the unseen
    class inverted with Bayes' rule ("add-one"), zero ("mle")."""
    if model.smoothing == "tnt":
        tries = {s: getattr(model, f"suffix_{s}_") for s in SHAPES}
        return unknown_tag_probs(tries, model.theta_, words)
    if model.smoothing == "add-one":
        post = model.tag_counts_ / (model.tag_counts_ + n_types(model))
        return np.tile(post / post.sum(), (len(words), 1))
    return np.zeros((len(words), model.tags_.size))


def n_types(model):
    """Known word types plus the unknown class (add-one's V)."""
    return model.emission_counts_.shape[0] + 1


def unknown_log_emission(model, probs):
    """The emission log-probabilities behind :func:`unknown_probs`."""
    if model.smoothing == "add-one":
        row = -np.log(model.tag_counts_ + n_types(model))
        return np.tile(row, (probs.shape[0], 1))
    if model.smoothing == "mle":
        return np.full(probs.shape, -np.inf)
    prior = model.tag_counts_ / model.tag_counts_.sum()
    with np.errstate(divide="ignore"):
        return np.log(probs) - np.log(prior)


def candidates(model, words):
    """``(cand_ptr, cand_tag, cand_emit)`` of words (see
    :meth:`HMMTagger.candidate_lattice`)."""
    rows = word_rows(model, words)
    known = rows >= 0
    seen = model.emission_counts_[rows[known]]
    seen.sort_indices()
    groups = [
        (
            np.diff(seen.indptr),
            seen.indices.astype(np.int64),
            known_log_emission(model, seen.data, seen.indices),
        )
    ]
    unknown = [words[i] for i in np.flatnonzero(~known)]
    for i in range(0, len(unknown), UNKNOWN_BATCH):
        probs = unknown_probs(model, unknown[i : i + UNKNOWN_BATCH])
        counts, tags = top_candidates(probs, model.candidate_mass, model.max_candidates)
        owner = np.repeat(np.arange(counts.size), counts)
        values = unknown_log_emission(model, probs)[owner, tags]
        groups.append((counts, tags, values))
    # entries of word i: its group's run, moved to the word's place
    group_counts = [g[0] for g in groups]
    counts = np.empty(len(words), dtype=np.int64)
    counts[known] = group_counts[0]
    counts[~known] = np.concatenate(group_counts[1:] + [np.zeros(0, np.int64)])
    flat = np.concatenate(group_counts)
    starts = np.cumsum(flat) - flat
    run = np.empty(len(words), dtype=np.int64)
    run[known] = starts[: known.sum()]
    run[~known] = starts[known.sum() :]
    cand_ptr = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(counts, out=cand_ptr[1:])
    take = np.repeat(run - cand_ptr[:-1], counts) + np.arange(cand_ptr[-1])
    tags = np.concatenate([g[1] for g in groups])[take]
    values = np.concatenate([g[2] for g in groups])[take]
    return cand_ptr, tags, values


def own_best_tags(model, words):
    """Each word's most likely tag on its own: argmax P(t | w)."""
    rows = word_rows(model, words)
    known = rows >= 0
    best = np.empty(len(words), dtype=np.int64)
    best[known] = np.asarray(model.emission_counts_[rows[known]].argmax(axis=1)).ravel()
    probs = unknown_probs(model, [words[i] for i in np.flatnonzero(~known)])
    probs[probs.sum(axis=1) == 0] = model.tag_counts_
    best[~known] = probs.argmax(axis=1)
    return best
