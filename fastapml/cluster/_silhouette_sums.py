"""The in-memory silhouette: labels encoded, samples sorted by cluster, the
distance sums of each sample to each cluster (numba kernels), and the
coefficients from those sums.  :mod:`.silhouette` and :mod:`.silhouette_dask`
both build on it."""

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn import metrics as _sk_metrics
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state

from .. import _chunks
from .._memory import check_memory
from .._numba import n_threads, parallel_allowed
from .._validation import check_magnitude, check_samples_and_labels
from . import _kernels

# metric name (scikit-learn's spellings) -> kernel code
METRICS = {
    "euclidean": _kernels.EUCLIDEAN,
    "l2": _kernels.EUCLIDEAN,
    "sqeuclidean": _kernels.SQEUCLIDEAN,
    "manhattan": _kernels.MANHATTAN,
    "cityblock": _kernels.MANHATTAN,
    "l1": _kernels.MANHATTAN,
    "chebyshev": _kernels.CHEBYSHEV,
    "cosine": _kernels.COSINE,
}


def check_inputs(X, labels, metric):
    """scikit-learn's checks; returns X, labels as 0..k-1 and their counts."""
    X, labels = check_samples_and_labels(X, labels, ["csr"])
    if metric == "precomputed":
        message = (
            "The precomputed distance matrix contains non-zero "
            "elements on the diagonal. Use np.fill_diagonal(X, 0)."
        )
        if X.shape[0] != X.shape[1]:
            raise ValueError(
                f"a precomputed distance matrix must be square, got shape {X.shape}"
            )
        dense = X.toarray() if sp.issparse(X) else X
        if np.any(dense < 0):
            raise ValueError(
                "a precomputed distance matrix must not hold negative values"
            )
        if not np.allclose(dense, dense.T):
            raise ValueError("a precomputed distance matrix must be symmetric")
        diagonal = X.diagonal()
        if X.dtype.kind == "f":
            if np.any(np.abs(diagonal) > np.finfo(X.dtype).eps * 100):
                raise ValueError(message)
        elif np.any(diagonal != 0):
            raise ValueError(message)
    labels, counts = encode_labels(labels, X.shape[0])
    if not sp.issparse(X):
        # the distance sums: of squared differences over features (values
        # for a precomputed matrix), then of distances over samples
        square = metric != "precomputed"
        check_magnitude(X, "X", 2 if square else 1, X.size if square else X.shape[1])
    return X, labels, counts


def encode_labels(labels, n_samples):
    """Labels as codes 0..k-1 (sorted label values) and the count of each;
    scikit-learn's error unless 2 <= k <= n_samples - 1."""
    codes = LabelEncoder().fit_transform(labels)
    counts = np.bincount(codes)
    n_labels = counts.shape[0]
    if not 1 < n_labels < n_samples:
        raise ValueError(
            f"Number of labels is {n_labels}. Valid values are 2 "
            "to n_samples - 1 (inclusive)"
        )
    return codes, counts


# parallel tasks, each with (K, n) column sums: fixed, so the result does not
# depend on the number of threads
_TASKS = 4


class SortedSamples(NamedTuple):
    """Samples sorted by cluster, laid out for the kernels."""

    rows: np.ndarray  # (n, d) X[order] (unit rows for cosine), C order
    columns: np.ndarray  # (d, n + PAD_COLUMNS) rows.T, zero padded
    bounds: np.ndarray  # (k + 1,) int64: cluster c is bounds[c]:bounds[c + 1]
    groups: np.ndarray  # (g, 3) int64 (first row, rows, cluster): <= TILE_ROWS
    labels: np.ndarray  # (n,) the cluster of each sorted row
    order: np.ndarray  # (n,) rows = X[order]
    zero_rows: np.ndarray | None  # cosine: (n,) bool, sorted rows that are 0
    metric: int  # kernel metric code


def sort_by_cluster(X, labels, n_clusters, metric):
    """Lay out samples for the kernels (rows of X, codes ``labels`` < n_clusters,
    kernel metric code ``metric``); float32 stays float32, else float64.

    Returns
    -------
    SortedSamples
    """
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    X = np.asarray(X, dtype=dtype)
    zero_rows = None
    if metric == _kernels.COSINE:  # rows scaled to unit norm (zero rows stay 0)
        norms = np.sqrt(np.einsum("ij,ij->i", X, X))
        zero_rows = norms == 0
        norms[zero_rows] = 1
        X = X / norms[:, None]
    order = np.argsort(labels, kind="stable")
    rows = np.ascontiguousarray(X[order])
    bounds = np.concatenate(
        ([0], np.cumsum(np.bincount(labels, minlength=n_clusters)))
    ).astype(np.int64)
    columns = np.zeros((X.shape[1], len(rows) + _kernels.PAD_COLUMNS), dtype)
    columns[:, : len(rows)] = rows.T
    step = _kernels.TILE_ROWS
    groups = [
        (first, min(step, bounds[k + 1] - first), k)
        for k in range(n_clusters)
        for first in range(bounds[k], bounds[k + 1], step)
    ]
    groups = np.array(groups, dtype=np.int64).reshape(-1, 3)
    return SortedSamples(
        rows,
        columns,
        bounds,
        groups,
        labels[order],
        order,
        None if zero_rows is None else zero_rows[order],
        metric,
    )


def within_sums(samples, parallel):
    """sums[i, k] = sum of the distances from sorted sample i to the members
    of cluster k, every pair computed once.

    Returns
    -------
    (n, k) float64 array, rows in the sorted order
    """
    n, n_clusters = samples.rows.shape[0], samples.bounds.shape[0] - 1
    sums = np.zeros((n, n_clusters))
    n_tasks = min(_TASKS, samples.groups.shape[0])
    column_sums = np.zeros((n_tasks, n_clusters, n))
    run = (
        _kernels.cluster_distance_sums_parallel
        if parallel
        else _kernels.cluster_distance_sums
    )
    groups = samples.groups
    n_features = samples.rows.shape[1]

    def call(start, stop):
        span = np.array([start, stop], dtype=np.int64)
        run(
            samples.rows,
            samples.columns,
            samples.bounds,
            samples.metric,
            groups,
            span,
            sums,
            column_sums,
        )

    # group g pairs its rows with the columns from its first row on
    _chunks.run(call, _chunks.spans(groups[:, 1] * (n - groups[:, 0]) * n_features))
    _kernels.add_columns(sums, column_sums)
    if samples.zero_rows is not None:
        # the kernel's 1 - <u, u> is 1 for a zero row; its distance to
        # itself is 0 (scikit-learn zeroes the diagonal)
        zero = samples.zero_rows
        sums[zero, samples.labels[zero]] -= 1
    return sums


def cluster_distance_sums(X, labels, counts, metric):
    """(n, k) float64: sum of the distances from each sample to each cluster."""
    parallel = parallel_allowed() and n_threads() > 1
    if metric == "precomputed":
        sums = np.zeros((X.shape[0], counts.shape[0]))
        # native float32 stays float32; any other type (integers, float16,
        # big-endian) becomes native float64
        single = X.dtype.kind == "f" and X.dtype.itemsize == 4
        D = np.ascontiguousarray(X, dtype=np.float32 if single else np.float64)
        run = (
            _kernels.precomputed_sums_parallel
            if parallel
            else _kernels.precomputed_sums
        )
        _chunks.run(
            lambda start, stop: run(D, labels, start, stop, sums),
            _chunks.even_spans(D.shape[0], D.shape[1]),
        )
        return sums
    samples = sort_by_cluster(X, labels, counts.shape[0], METRICS[metric])
    sums = np.empty((X.shape[0], counts.shape[0]))
    sums[samples.order] = within_sums(samples, parallel)
    return sums


def silhouette_from_sums(sums, labels, counts):
    """Silhouette coefficients from the distance sums of each sample to each
    cluster: a = sums[i, own] / (n_own - 1), b = min over the other clusters c
    of sums[i, c] / n_c, s = (b - a) / max(a, b), 0 for singletons.

    ``sums`` (n, k) is overwritten.

    Returns
    -------
    (n,) float64 array
    """
    own = np.arange(len(labels)), labels
    with np.errstate(divide="ignore", invalid="ignore"):
        intra = sums[own] / (counts - 1)[labels]
        sums[own] = np.inf
        inter = (sums / counts).min(axis=1)
        silhouette = (inter - intra) / np.maximum(intra, inter)
    return np.nan_to_num(silhouette)


def samples_in_memory(X, labels, metric, kwds):
    """:func:`fastapml.cluster.silhouette_samples` for an in-memory X."""
    X, codes, counts = check_inputs(X, labels, metric)
    if sp.issparse(X) or kwds or (metric != "precomputed" and metric not in METRICS):
        if sp.issparse(X) and metric == "precomputed":
            # scikit-learn sums sparse distances in their own dtype; float64,
            # as its dense path and fastapml's kernels sum them
            X = X.astype(np.float64)
        return _sk_metrics.silhouette_samples(X, codes, metric=metric, **kwds)
    n, k = X.shape[0], counts.shape[0]
    # the (n, k) sums and their quotients, and the samples sorted by cluster
    check_memory(
        48 * n * k + (0 if metric == "precomputed" else 16 * X.size),
        f"the silhouette of {n:,} samples in {k:,} clusters",
    )
    return silhouette_from_sums(
        cluster_distance_sums(X, codes, counts, metric), codes, counts
    )


def score_in_memory(X, labels, metric, sample_size, random_state, kwds):
    """:func:`fastapml.cluster.silhouette_score` for an in-memory X."""
    if sample_size is not None:
        X, labels = check_samples_and_labels(X, labels, ["csc", "csr"])
        indices = check_random_state(random_state).permutation(X.shape[0])[:sample_size]
        if metric == "precomputed":
            X, labels = X[indices].T[indices].T, labels[indices]
        else:
            X, labels = X[indices], labels[indices]
    return float(np.mean(samples_in_memory(X, labels, metric, kwds)))
