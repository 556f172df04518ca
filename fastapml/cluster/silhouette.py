"""Silhouette coefficients with scikit-learn's signatures, in O(n k) memory:
the public functions, which hand dask arrays to :mod:`.silhouette_dask` and
everything else to :mod:`._silhouette_sums`."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.metrics.pairwise import pairwise_distances

from .._dask import is_dask_array
from .._validation import check_scalar
from . import silhouette_dask
from ._silhouette_sums import METRICS, check_inputs, samples_in_memory, score_in_memory

__all__ = ["METRICS", "silhouette_samples", "silhouette_score", "simplified_silhouette"]


def silhouette_samples(X, labels, *, metric="euclidean", **kwds):
    r"""Silhouette coefficient of each sample (scikit-learn's signature and result).

    :math:`s(i) = (b(i) - a(i)) / \max(a(i), b(i))`, with a(i) the mean
    distance from i to the other members of its cluster and b(i) the
    smallest mean distance to another cluster; 0 for members of singleton
    clusters.  The kernel metrics sum distances cluster by cluster in
    O(n k) memory (scikit-learn builds chunks of the n x n distance matrix).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), or dask array
        The samples; or, with ``metric="precomputed"``, an (n_samples,
        n_samples) distance matrix (NumPy only; symmetric, non-negative,
        zero diagonal).  A dask array is computed on the dask workers in
        row-block tiles.
    labels : array-like of shape (n_samples,)
        Cluster label of each sample, any values; there must be between 2
        and n_samples - 1 distinct labels.
    metric : str, default="euclidean"
        "euclidean" ("l2"), "sqeuclidean", "manhattan" ("cityblock", "l1"),
        "chebyshev", "cosine" and "precomputed" run in fastapml's kernel;
        other metrics, sparse X and extra ``kwds`` are passed to
        scikit-learn (NumPy X only: a dask X takes the kernel metrics except
        "precomputed").
    **kwds : dict
        Keyword arguments of the distance function, passed to scikit-learn's
        ``silhouette_samples`` (not accepted for a dask X).

    Returns
    -------
    silhouette : ndarray of shape (n_samples,)
        float64; for a dask X, a lazy dask array with X's row chunks.

    See Also
    --------
    silhouette_score : Their mean.
    simplified_silhouette : A cheaper approximation from centroid distances.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> silhouette_samples(X, [0, 0, 1, 1]).round(3)
    array([0.905, 0.895, 0.895, 0.905])
    """
    if is_dask_array(X):
        return silhouette_dask.silhouette_samples(X, labels, metric=metric, **kwds)
    return samples_in_memory(X, labels, metric, kwds)


def silhouette_score(
    X, labels, *, metric="euclidean", sample_size=None, random_state=None, **kwds
):
    """Mean silhouette coefficient (scikit-learn's signature and result).

    The mean over the samples of :func:`silhouette_samples`.  A dask array X
    is scored on the dask workers, its blocks' sums added in a fixed order,
    so the result is the same on any cluster.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features), or dask array
        The samples; or, with ``metric="precomputed"``, an (n_samples,
        n_samples) distance matrix (NumPy only).
    labels : array-like of shape (n_samples,)
        Cluster label of each sample, any values; there must be between 2
        and n_samples - 1 distinct labels (in the subset, with
        ``sample_size``).
    metric : str, default="euclidean"
        As for :func:`silhouette_samples`.
    sample_size : int, optional
        Score only this many samples (>= 1; more than n_samples means all):
        the same random subset scikit-learn draws for ``random_state``.  For
        a dask X only those rows are read.
    random_state : int, RandomState instance or None, default=None
        Seeds the subset drawn for ``sample_size``; unused without it.
    **kwds : dict
        Keyword arguments of the distance function, as for
        :func:`silhouette_samples`.

    Returns
    -------
    score : float
        Mean silhouette coefficient, in [-1, 1].

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> round(silhouette_score(X, [0, 0, 1, 1]), 3)
    0.9
    """
    if sample_size is not None:
        check_scalar(sample_size, "sample_size", numbers.Integral, low=1)
    if is_dask_array(X):
        return silhouette_dask.silhouette_score(
            X,
            labels,
            metric=metric,
            sample_size=sample_size,
            random_state=random_state,
            **kwds,
        )
    return score_in_memory(X, labels, metric, sample_size, random_state, kwds)


def simplified_silhouette(X, labels, *, metric="euclidean"):
    """Silhouette from distances to cluster centroids — an approximation.

    a(i) = d(x_i, c_own) and b(i) = min over other clusters of d(x_i, c_k),
    with c_k the mean of cluster k; s(i) = (b - a) / max(a, b), 0 for
    singletons.  O(n k d) time instead of O(n^2 d): for data where the exact
    :func:`silhouette_samples` is out of reach.  It is not the silhouette:
    expect differences of a few hundredths on overlapping clusters.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Dense feature vectors (not sparse, not distances).
    labels : array-like of shape (n_samples,)
        Cluster label of each sample; between 2 and n_samples - 1 distinct
        labels.
    metric : str, default="euclidean"
        Any metric of :func:`sklearn.metrics.pairwise_distances` except
        "precomputed".

    Returns
    -------
    silhouette : ndarray of shape (n_samples,)
        float64 approximate silhouette of each sample.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> simplified_silhouette(X, [0, 0, 1, 1]).round(3)
    array([0.952, 0.947, 0.947, 0.952])
    """
    X, codes, counts = check_inputs(X, labels, metric)
    if metric == "precomputed" or sp.issparse(X):
        raise ValueError("simplified_silhouette needs dense feature vectors")
    X = np.asarray(X, dtype=np.float64)
    centroids = np.zeros((counts.shape[0], X.shape[1]))
    np.add.at(centroids, codes, X)
    centroids /= counts[:, None]
    dist = pairwise_distances(X, centroids, metric=metric)
    own = np.arange(len(codes)), codes
    intra = dist[own].copy()
    dist[own] = np.inf
    inter = dist.min(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        silhouette = (inter - intra) / np.maximum(intra, inter)
    silhouette[counts[codes] == 1] = 0
    return np.nan_to_num(silhouette)
