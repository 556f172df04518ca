"""The model file of :class:`~fastapml.hmm.HMMTagger` (see
:mod:`fastapml._archive`): parameters, tag set, vocabulary, counts, log
transitions and, for TnT, the interpolation weights and suffix tries.

This module knows the estimator's attributes but not its class: the
estimator imports it, and :func:`from_archive` builds the class it is given.
"""

import numpy as np

from .suffix import SuffixTrie, csr_from_arrays

KIND = "fastapml.hmm.HMMTagger"
FORMAT_VERSION = 1


def to_arrays(model):
    """The arrays that describe a fitted tagger."""
    arrays = {
        "order": np.array(model.order),
        "smoothing": np.array(model.smoothing),
        "suffix_length": np.array(model.suffix_length),
        "rare_max_count": np.array(model.rare_max_count),
        "tags": model.tags_,
        "words": np.array(list(model.vocabulary_), dtype=np.str_),
        "tag_counts": model.tag_counts_,
        "emission_data": model.emission_counts_.data,
        "emission_indices": model.emission_counts_.indices,
        "emission_indptr": model.emission_counts_.indptr,
    }
    if model.order == 2:
        arrays["log_trans2"] = model.log_trans2_
    else:
        arrays.update(
            log_start=model.log_start_,
            log_trans=model.log_trans_,
            log_end=model.log_end_,
        )
    if model.smoothing == "tnt":
        arrays.update(lambdas=model.lambdas_, theta=np.array(model.theta_))
        arrays.update(model.suffix_lower_.to_arrays("suffix_lower_"))
        arrays.update(model.suffix_upper_.to_arrays("suffix_upper_"))
    return arrays


def from_archive(cls, archive):
    """A fitted ``cls`` from a model file's arrays (an
    :class:`fastapml._archive.Archive`); ValueError if they disagree."""
    model = cls(
        order=archive.scalar("order", "iu"),
        smoothing=archive.scalar("smoothing", "U"),
        suffix_length=archive.scalar("suffix_length", "iu"),
        rare_max_count=archive.scalar("rare_max_count", "iu"),
    )
    model._check_params()
    tags = archive.array("tags", kinds="U", ndim=1)
    words = archive.array("words", kinds="U", ndim=1)
    n_tags = tags.size
    if n_tags == 0:
        raise ValueError("tags must not be empty")
    tag_counts = archive.array("tag_counts", kinds="iu", shape=(n_tags,))
    if tag_counts.min() < 1:
        raise ValueError(f"tag_counts must be {n_tags} positive integers")
    model.tags_ = tags
    model.vocabulary_ = {w: i for i, w in enumerate(words.tolist())}
    if len(model.vocabulary_) != words.size:
        raise ValueError("words holds duplicates")
    model.tag_counts_ = tag_counts.astype(np.int64)
    model.emission_counts_ = csr_from_arrays(archive, "emission_", (words.size, n_tags))
    k1 = n_tags + 1
    if model.order == 2:
        trans = {"log_trans2": (k1, k1, k1)}
    else:
        trans = {
            "log_start": (n_tags,),
            "log_trans": (n_tags, n_tags),
            "log_end": (n_tags,),
        }
    for key, shape in trans.items():
        arr = np.ascontiguousarray(
            archive.array(key, kinds="f", shape=shape), dtype=np.float64
        )
        if np.isnan(arr).any() or np.isposinf(arr).any():
            raise ValueError(f"{key} holds NaN or +inf")
        setattr(model, key + "_", arr)
    if model.smoothing == "tnt":
        model.lambdas_ = archive.array("lambdas", kinds="f", ndim=1).astype(np.float64)
        model.theta_ = float(archive.scalar("theta", "f"))
        model.suffix_lower_ = SuffixTrie.from_arrays(archive, "suffix_lower_", n_tags)
        model.suffix_upper_ = SuffixTrie.from_arrays(archive, "suffix_upper_", n_tags)
    else:
        model.lambdas_ = model.theta_ = None
        model.suffix_lower_ = model.suffix_upper_ = None
    return model
