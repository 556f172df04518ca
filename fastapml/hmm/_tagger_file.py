"""The model file of :class:`~fastapml.hmm.HMMTagger` (see
:mod:`fastapml._archive`): parameters, tag set, vocabulary, the counts of
tags, (word, tag) pairs and tag n-grams and, for TnT, the suffix tries.

Transitions are stored as the n-gram counts they are estimated from, not as
log-probabilities: a sparse trigram model's tables are O(K^2) while its
counts are O(trigrams seen).  Loading re-estimates them with the code that
fitting uses.  Version 1 files (dense log tables) predate this.

This module knows the estimator's attributes but not its class: the
estimator imports it, and :func:`from_archive` builds the class it is given.
"""

import numpy as np

from .suffix import SuffixTrie, csr_from_arrays
from .unknown import SHAPES

KIND = "fastapml.hmm.HMMTagger"
FORMAT_VERSION = 2
PARAMS = {
    "order": "iu",
    "smoothing": "U",
    "suffix_length": "iu",
    "rare_max_count": "iu",
    "decoder": "U",
    "candidate_mass": "f",
    "max_candidates": "iu",
}


def to_arrays(model):
    """The arrays that describe a fitted tagger."""
    arrays = {name: np.array(getattr(model, name)) for name in PARAMS}
    arrays.update(
        beam=np.array(np.nan if model.beam is None else model.beam),
        tags=model.tags_,
        words=np.array(list(model.vocabulary_), dtype=np.str_),
        tag_counts=model.tag_counts_,
        emission_data=model.emission_counts_.data,
        emission_indices=model.emission_counts_.indices,
        emission_indptr=model.emission_counts_.indptr,
        ngram_keys=model.ngram_keys_,
        ngram_counts=model.ngram_counts_,
    )
    if model.smoothing == "tnt":
        for shape in SHAPES:
            trie = getattr(model, f"suffix_{shape}_")
            arrays.update(trie.to_arrays(f"suffix_{shape}_"))
    if getattr(model, "tagset_", None) is not None:
        arrays["tagset"] = np.array(model.tagset_)
    return arrays


# the members of a sparse count matrix and of a suffix trie: name -> kinds
_CSR = {"data": "fiu", "indices": "iu", "indptr": "iu"}
_TRIE = {**_CSR, "suffixes": "U", "root": "fiu", "max_len": "iu"}
_ARRAYS = ("beam", "tags", "words", "tag_counts", "ngram_keys", "ngram_counts")


def check_members(archive, smoothing):
    """Refuse unknown members, and count or index members of the wrong kind.

    Parameters
    ----------
    archive : fastapml._archive.Archive
        The model file's arrays.
    smoothing : str
        The saved smoothing ("tnt" files hold suffix tries).

    Raises
    ------
    ValueError
        An unexpected member, or a complex (or otherwise mistyped) count,
        index or ``max_len`` member.
    """
    members = {f"emission_{name}": kinds for name, kinds in _CSR.items()}
    if smoothing == "tnt":
        for shape in SHAPES:
            members.update(
                (f"suffix_{shape}_{name}", kinds) for name, kinds in _TRIE.items()
            )
    archive.check_keys({*PARAMS, *_ARRAYS, *members, "tagset"})
    for name, kinds in members.items():
        archive.array(name, kinds=kinds)
    for shape in SHAPES if smoothing == "tnt" else ():
        archive.array(f"suffix_{shape}_max_len", kinds="iu", shape=())


def from_archive(cls, archive):
    """A fitted ``cls`` from a model file's arrays (an
    :class:`fastapml._archive.Archive`); ValueError if they disagree."""
    params = {name: archive.scalar(name, kinds) for name, kinds in PARAMS.items()}
    check_members(archive, params["smoothing"])
    beam = float(archive.scalar("beam", "f"))
    model = cls(**params, beam=None if np.isnan(beam) else beam)
    model._check_params()
    tags = archive.array("tags", kinds="U", ndim=1)
    words = archive.array("words", kinds="U", ndim=1)
    n_tags = tags.size
    if n_tags == 0:
        raise ValueError("tags must not be empty")
    if np.any(tags[1:] <= tags[:-1]):
        raise ValueError("tags must be sorted and distinct")
    tag_counts = archive.array("tag_counts", kinds="iu", shape=(n_tags,))
    if tag_counts.min() < 1:
        raise ValueError(f"tag_counts must be {n_tags} positive integers")
    model.tags_ = tags
    model.vocabulary_ = {w: i for i, w in enumerate(words.tolist())}
    if len(model.vocabulary_) != words.size:
        raise ValueError("words holds duplicates")
    model.tag_counts_ = tag_counts.astype(np.int64)
    model.emission_counts_ = csr_from_arrays(archive, "emission_", (words.size, n_tags))
    keys = archive.array("ngram_keys", kinds="iu", ndim=1).astype(np.int64)
    counts = archive.array("ngram_counts", kinds="iu", shape=keys.shape).astype(
        np.int64
    )
    k1 = n_tags + 1
    if keys.size == 0 or keys[0] < 0 or keys[-1] >= k1 ** (model.order + 1):
        raise ValueError(f"ngram_keys must be codes in [0, {k1 ** (model.order + 1)})")
    if np.any(keys[1:] <= keys[:-1]) or counts.min() < 1:
        raise ValueError("ngram_keys must ascend and ngram_counts be positive")
    column_sums = np.asarray(model.emission_counts_.sum(axis=0)).ravel()
    if not np.array_equal(column_sums, model.tag_counts_):
        raise ValueError("tag_counts must be the column sums of the emission counts")
    # every token is the last tag of exactly one n-gram
    last = np.bincount(keys % k1, weights=counts, minlength=k1)[:n_tags]
    if not np.array_equal(last, model.tag_counts_):
        raise ValueError("ngram_counts disagree with tag_counts")
    model.ngram_keys_, model.ngram_counts_ = keys, counts
    model._resolve_decoder(n_tags)
    if model.smoothing == "tnt":
        for shape in SHAPES:
            trie = SuffixTrie.from_arrays(archive, f"suffix_{shape}_", n_tags)
            setattr(model, f"suffix_{shape}_", trie)
    model._estimate(refit_suffixes=False)
    if "tagset" in archive:
        model.tagset_ = archive.scalar("tagset", "U")
    return model
