"""Baum-Welch for GaussianHMM and GMMHMM on sequences held by dask.

The sequences come as a ``dask.bag.Bag`` whose elements are sequences
((T_i, d) arrays), or as a list of partitions, each an ``(X, lengths)`` pair
of arrays or of ``dask.delayed`` objects.  Each EM iteration is one dask
computation: every partition's E-step (log-likelihood, expected starts and
transitions, the emission statistics, packed in one float64 vector) runs as
one task with the serial kernels, and the vectors are added in a fixed tree
(:func:`fastapml._dask.tree_sum`), so a fit is the same on any cluster and
equals the in-memory fit to rounding.  On a ``distributed.Client`` the
partitions are persisted on the workers for the fit and released after it.

The initialization (hmmlearn's k-means and data covariance) sees all frames
when there are at most ``INIT_FRAMES`` of them, else the frames of whole
partitions drawn at random (with the estimator's ``random_state``) until it
has that many; a start given in full (every parameter set, ``init_params``
empty) reads only the first partition.
"""

import copy
import sys

import numpy as np
from sklearn.utils import check_random_state

from .. import _dask
from ._inputs import sequence_offsets

INIT_FRAMES = 200_000


def is_dask_input(X):
    """Whether ``fit`` was given partitioned sequences: a dask bag, or a list
    of ``(X, lengths)`` pairs whose X are ``dask.delayed`` objects or 2-D
    arrays (a list of pairs of numbers would be in-memory frames)."""
    if _dask.is_dask_bag(X):
        return True
    if not isinstance(X, list) or not X:
        return False
    if not all(isinstance(p, tuple) and len(p) == 2 for p in X):
        return False
    module = sys.modules.get("dask.delayed")
    delayed = () if module is None else module.Delayed
    return all(
        isinstance(x, delayed) or (isinstance(x, np.ndarray) and x.ndim == 2)
        for x, _ in X
    )


def _stack(sequences):
    """A bag partition (a list of (T_i, d) arrays) as one (X, lengths) pair."""
    sequences = [np.asarray(s) for s in sequences]
    for s in sequences:
        if s.ndim != 2:
            raise ValueError(
                f"every sequence of the bag must be a 2-D (n_frames, n_features) "
                f"array; one has shape {s.shape}"
            )
    if not sequences:
        return None, np.zeros(0, dtype=np.int64)
    _same_features(sequences)
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    return np.concatenate(sequences), lengths


def _same_features(arrays):
    widths = sorted({a.shape[1] for a in arrays})
    if len(widths) > 1:
        raise ValueError(f"the sequences have different numbers of features: {widths}")


def _pair(X, lengths):
    return X, lengths


def partitions(X):
    """The data as a list of delayed ``(X, lengths)`` partitions."""
    dask = _dask.require("HMM fits on dask")
    if _dask.is_dask_bag(X):
        return [dask.delayed(_stack)(part) for part in X.to_delayed()]
    return [dask.delayed(_pair)(x, lengths) for x, lengths in X]


def _sizes(part):
    return 0 if part[0] is None else int(np.shape(part[0])[0])


def initialization_frames(parts, random_state, limit=INIT_FRAMES):
    """The frames the initialization sees (see the module), as one array;
    ``limit=0``: only the first partition that has frames."""
    delayed = _dask.require("HMM fits on dask").delayed
    (sizes,) = _dask.compute([delayed(_sizes)(p) for p in parts])
    chosen = range(len(parts))
    if limit == 0:
        chosen = [next((i for i, n in enumerate(sizes) if n), 0)]
    elif sum(sizes) > limit:
        order = check_random_state(random_state).permutation(len(parts))
        total, picked = 0, []
        for i in order:
            if total >= limit:
                break
            picked.append(i)
            total += sizes[i]
        chosen = sorted(picked)
    (pairs,) = _dask.compute([parts[i] for i in chosen])
    frames = [np.asarray(x) for x, _ in pairs if x is not None and np.shape(x)[0]]
    _same_features(frames)
    if not frames:
        raise ValueError(
            "X: Found array with 0 sample(s) while a minimum of 1 is required."
        )
    return np.concatenate(frames)


def _packed_statistics(part, model):
    """One partition's E-step, packed: [log-likelihood, starts (K), xi (K
    K), then each emission statistic raveled]."""
    X, lengths = part
    if X is None:  # an empty bag partition
        return np.zeros(_packed_size(model))
    frames = model._frames(X)
    lengths, offsets = sequence_offsets(lengths, frames.shape[0])
    log_likelihood, start, trans, emission = model._statistics(frames, lengths, offsets)
    arrays = [np.array([log_likelihood]), start, trans, *emission[1:]]
    return np.concatenate([np.ravel(a) for a in arrays])


def _shapes(model, kernel_model):
    k = model.n_components
    return [(k,), (k, k), *model._statistics_shapes(kernel_model)]


def _packed_size(model):
    shapes = _shapes(model, model._model(np.float64))
    return 1 + sum(int(np.prod(shape)) for shape in shapes)


def _unpack(packed, model, dtype):
    """The E-step tuple of :meth:`BaseHMM._statistics` from a packed sum."""
    kernel_model = model._model(dtype)
    out, at = [], 1
    for shape in _shapes(model, kernel_model):
        size = int(np.prod(shape))
        out.append(packed[at : at + size].reshape(shape))
        at += size
    start, trans, *emission = out
    return float(packed[0]), start, trans, (kernel_model, *emission)


def fit(model, X):
    """:meth:`fit` of a Gaussian-emission HMM on dask-held sequences."""
    dask = _dask.require("HMM fits on dask")
    model._check_hyperparameters()
    parts = partitions(X)
    client = _dask.current_client()
    if client is not None:  # the data travel to the workers once
        parts = list(dask.persist(*parts))
    # a start given in full needs the frames only for their width
    limit = INIT_FRAMES if model._initializes() else 0
    sample = initialization_frames(parts, model.random_state, limit)
    frames = model._frames(sample)
    model._initialize(frames)
    model._check()
    dtype = frames.dtype

    def statistics():
        snapshot = dask.delayed(copy.copy(model), traverse=False)
        tasks = [dask.delayed(_packed_statistics)(p, snapshot) for p in parts]
        (packed,) = _dask.compute(_dask.tree_sum(tasks, np.add))
        return _unpack(packed, model, dtype)

    return model._run_em(statistics)
