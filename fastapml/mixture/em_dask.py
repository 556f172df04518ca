"""Gaussian-mixture EM on dask arrays: one dask reduction per iteration.

Each row block's sufficient statistics (:func:`fastapml.mixture.em.statistics`:
the log-likelihood sum, n_k, sum r (x - shift) and the second moments, O(K d^2)
numbers) are computed on a worker by the serial ``nogil`` kernels, and the
blocks' statistics are added in a fixed tree (:func:`fastapml._dask.tree_sum`),
so a fit is the same on any cluster and in every run, and equals the in-memory
fit to rounding.  The n x K responsibilities never exist.  Estimates
(``predict``, ``predict_proba``, ``score_samples``) are lazy ``map_blocks``.

On a ``distributed.Client``, an X whose graph carries its data (a
``from_array`` of a NumPy array) is persisted on the workers while the fit
runs, when it takes at most half of their memory limits, and released after
it (:func:`fastapml._dask.persisted_for`); a larger one gets a warning.

Initialization runs scikit-learn's ``init_params`` on the rows of X when it
has at most ``INIT_SAMPLES`` rows (so it equals the in-memory fit's), and
otherwise on a uniform random subsample of that many rows drawn with the
estimator's ``random_state``; EM then iterates over every row.  When
``weights_init``, ``means_init`` and ``precisions_init`` are all given the
start is theirs whatever ``init_params`` does, so it runs on the first
``n_components`` rows only.
"""

import numpy as np
from sklearn.utils import check_random_state

from .. import _dask
from .._validation import check_float_array
from . import em

INIT_SAMPLES = 200_000  # rows the initialization may see on dask data


def check_array(X, n_features=None):
    """Validate a dask X for fitting or estimates; returns the kernels' dtype."""
    dtype = _dask.check_row_chunked(X, "X")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but GaussianMixture "
            f"is expecting {n_features} features as input"
        )
    return dtype


def _as_block(block, start, dtype):
    """A block as the kernels take it, with NaN and inf refused."""
    block = np.ascontiguousarray(block, dtype=dtype)
    if not np.isfinite(block).all():
        raise ValueError(
            f"Input X contains NaN or infinity (in rows "
            f"{start}:{start + block.shape[0]})"
        )
    return block


def _packed_size(model):
    """Length of one block's statistics packed into a vector."""
    n_components, n_features = model.means.shape
    return (
        1
        + n_components * (1 + n_features)
        + int(np.prod(em.second_moments_shape(model)))
    )


def _unpack(packed, model):
    """:func:`em.statistics`' tuple from its packed vector."""
    n_components, n_features = model.means.shape
    s0_end = 1 + n_components
    s1_end = s0_end + n_components * n_features
    return (
        float(packed[0]),
        packed[1:s0_end],
        packed[s0_end:s1_end].reshape(n_components, n_features),
        packed[s1_end:].reshape(em.second_moments_shape(model)),
    )


def _block_statistics(block, model, dtype, block_info=None):
    """Statistics of one row block (a dask task), packed as a (1, L) row."""
    start = block_info[0]["array-location"][0][0] if block_info else 0
    block = np.ascontiguousarray(block, dtype=dtype)
    stats = em.statistics(block, model)
    if not np.isfinite(stats[0]):
        _as_block(block, start, dtype)  # names the rows with NaN
        raise ValueError(
            f"the log-likelihood of rows {start}:{start + block.shape[0]} is not finite"
        )
    return np.concatenate([[stats[0]]] + [a.ravel() for a in stats[1:]])[None]


def block_statistics(X, model, dtype):
    """One delayed task per row block, each returning that block's
    statistics packed in a (1, L) float64 row: 8 L = 8 (1 + K + K d + size
    of s2) bytes.  Each task also reads its block (dask fuses the block's
    own task into it), so no block of X is ever stored on a worker."""
    dask = _dask.require("GaussianMixture on dask arrays")
    model_key = dask.delayed(model, traverse=False)  # one key for all
    size = _packed_size(model)
    packed = X.map_blocks(
        _block_statistics,
        model_key,
        dtype,
        chunks=((1,) * X.numblocks[0], (size,)),
        dtype=np.float64,
        meta=np.empty((0, 0)),
    )
    return packed.to_delayed().ravel().tolist()


def statistics_graph(X, model, dtype):
    """The delayed total of every block's packed statistics, in a fixed
    tree."""
    return _dask.tree_sum(block_statistics(X, model, dtype), np.add)


def statistics(X, model, dtype):
    """Statistics of all of X under ``model``, computed on the current dask
    client or scheduler: ``(ll_sum, s0, s1, s2)`` as :func:`em.statistics`."""
    (packed,) = _dask.compute(statistics_graph(X, model, dtype))
    return _unpack(packed[0], model)


def initialization_sample(X, dtype, random_state, n_components=None):
    """The rows the initialization sees, as a NumPy array: all of X when it
    has at most ``INIT_SAMPLES`` rows, else that many rows drawn uniformly
    without replacement (in row order).  With ``n_components`` (for a start
    given in full, weights, means and precisions, which ``init_params``
    cannot change) just the first ``n_components`` rows it needs to run."""
    n_samples = X.shape[0]
    if n_components is not None:
        X = X[:n_components]
    elif n_samples > INIT_SAMPLES:
        rows = check_random_state(random_state).choice(
            n_samples, INIT_SAMPLES, replace=False
        )
        X = X[np.sort(rows)]
    (sample,) = _dask.compute(X)
    return check_float_array(sample, "X", 2, dtype=dtype)


def _estimate_block(block, model, dtype, what, block_info=None):
    start = block_info[0]["array-location"][0][0] if block_info else 0
    block = _as_block(block, start, dtype)
    log_prob, labels, resp = em.estimate(block, model, want_resp=what == "resp")
    return {"log_prob": log_prob, "labels": labels, "resp": resp}[what]


def estimate(X, model, dtype, what):
    """Lazy per-block estimates: ``what`` is "log_prob" (n,), "labels" (n,)
    or "resp" (n, K); the model is one graph key that every block's task
    reads."""
    dask = _dask.require("GaussianMixture on dask arrays")
    model_key = dask.delayed(model, traverse=False)
    if what == "resp":
        n_components = model.means.shape[0]
        return X.map_blocks(
            _estimate_block,
            model_key,
            dtype,
            what,
            dtype=dtype,
            chunks=(X.chunks[0], (n_components,)),
            meta=np.empty((0, 0), dtype=dtype),
        )
    out_dtype = np.int64 if what == "labels" else dtype
    return X.map_blocks(
        _estimate_block,
        model_key,
        dtype,
        what,
        drop_axis=1,
        dtype=out_dtype,
        meta=np.empty(0, dtype=out_dtype),
    )
