"""Internal validity indices beside the silhouette, as scikit-learn's
``calinski_harabasz_score`` and ``davies_bouldin_score``.

Both need each cluster's centroid and its members' distances to it: two
passes of numba kernels over the samples (:mod:`._validity_kernels`; the
serial twin from worker threads), in
O(n d) time whatever the number of clusters, where scikit-learn loops over
the clusters in Python.  Arithmetic is float64.
"""

import numpy as np
from scipy.spatial.distance import cdist

from .._numba import n_threads, parallel_allowed
from .._validation import check_samples_and_labels
from . import _validity_kernels
from ._silhouette_sums import encode_labels

__all__ = ["calinski_harabasz_score", "davies_bouldin_score"]


def _pass(X, codes, centroids, what, width):
    """One pass of :mod:`._validity_kernels` over the samples: (k, width)
    float64 accumulators, the row ranges' added in order."""
    parallel = parallel_allowed() and n_threads() > 1
    kernel = (
        _validity_kernels.chunk_pass_parallel
        if parallel
        else _validity_kernels.chunk_pass
    )
    parts = np.zeros((_validity_kernels.CHUNKS, centroids.shape[0], width))
    kernel(X, codes, centroids, what, parts)
    total = parts[0].copy()
    for part in parts[1:]:
        total += part
    return total


def _centroids(X, labels):
    """Checked float64 samples, label codes, counts, centroids and the
    per-cluster (squared, plain) distance sums to them."""
    X, labels = check_samples_and_labels(X, labels, False)
    codes, counts = encode_labels(labels, X.shape[0])
    X = np.ascontiguousarray(X, dtype=np.float64)
    no_centroids = np.empty((counts.size, 0))  # the sums pass reads none
    sums = _pass(X, codes, no_centroids, _validity_kernels.SUMS, X.shape[1])
    centroids = sums / counts[:, None]
    spread = _pass(X, codes, centroids, _validity_kernels.DISTANCES, 2)
    return X, counts, centroids, spread


def calinski_harabasz_score(X, labels):
    """The Calinski-Harabasz index (variance ratio criterion).

    ``[B / (k - 1)] / [W / (n - k)]`` with B = sum_c n_c ||mu_c - mu||^2 the
    dispersion between clusters and W = sum_c sum_{x in c} ||x - mu_c||^2
    within them (1 when W = 0), as
    ``sklearn.metrics.calinski_harabasz_score``.  Higher is better.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The samples.
    labels : array-like of shape (n_samples,)
        The cluster of each sample, 2 to n_samples - 1 distinct values.

    Returns
    -------
    float
        The index.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> calinski_harabasz_score(X, [0, 0, 1, 1])
    200.0
    """
    X, counts, centroids, spread = _centroids(X, labels)
    n, k = X.shape[0], counts.size
    mean = counts @ centroids / n
    between = float(counts @ ((centroids - mean) ** 2).sum(axis=1))
    within = float(spread[:, 0].sum())
    return 1.0 if within == 0.0 else between * (n - k) / (within * (k - 1))


def davies_bouldin_score(X, labels):
    """The Davies-Bouldin index.

    The mean over clusters i of max_{j != i} (s_i + s_j) / d(mu_i, mu_j),
    s_i the mean euclidean distance of cluster i's members to its centroid
    mu_i, as ``sklearn.metrics.davies_bouldin_score`` (0 when every s_i or
    every centroid distance is 0).  Lower is better.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The samples.
    labels : array-like of shape (n_samples,)
        The cluster of each sample, 2 to n_samples - 1 distinct values.

    Returns
    -------
    float
        The index.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> round(davies_bouldin_score(X, [0, 0, 1, 1]), 4)
    0.1
    """
    _, counts, centroids, spread = _centroids(X, labels)
    intra = spread[:, 1] / counts
    between = cdist(centroids, centroids)
    if np.allclose(intra, 0) or np.allclose(between, 0):
        return 0.0
    between[between == 0] = np.inf
    ratios = (intra[:, None] + intra[None, :]) / between
    return float(np.mean(np.max(ratios, axis=1)))
