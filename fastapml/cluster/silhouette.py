"""Silhouette coefficients with scikit-learn's signatures, in O(n k) memory:
the public functions, which hand dask arrays to :mod:`.silhouette_dask` and
everything else to :mod:`._silhouette_sums`."""

import numpy as np
import scipy.sparse as sp
from sklearn.metrics.pairwise import pairwise_distances

from .._dask import is_dask_array
from . import silhouette_dask
from ._silhouette_sums import METRICS, check_inputs, samples_in_memory, score_in_memory

__all__ = ["METRICS", "silhouette_samples", "silhouette_score", "simplified_silhouette"]


def silhouette_samples(X, labels, *, metric="euclidean", **kwds):
    """Silhouette coefficient of each sample (scikit-learn's signature and result).

    s(i) = (b(i) - a(i)) / max(a(i), b(i)), with a(i) the mean distance from i
    to the other members of its cluster and b(i) the smallest mean distance
    to another cluster; 0 for members of singleton clusters.

    Parameters
    ----------
    X : (n_samples, n_features) array, or (n_samples, n_samples) distances
        when ``metric="precomputed"``.
    labels : (n_samples,) array of any label values (2 <= n_labels <= n - 1).
    metric : str
        "euclidean" ("l2"), "sqeuclidean", "manhattan" ("cityblock", "l1"),
        "chebyshev", "cosine" and "precomputed" run in fastapml's kernel, in
        O(n k) memory; other metrics, sparse X and extra ``kwds`` are passed
        to scikit-learn (NumPy X only: a dask X takes the kernel metrics).

    Returns
    -------
    (n_samples,) float64 array; for a dask array X, a lazy dask array with
    X's row chunks, computed in row-block tiles on the dask workers (see
    :func:`fastapml.cluster.silhouette_dask.silhouette_samples`).

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

    With ``sample_size``, the mean over the same random subset scikit-learn
    draws for that ``random_state``.  A dask array X is scored on the dask
    workers (see :func:`fastapml.cluster.silhouette_dask.silhouette_score`).
    """
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

    Returns
    -------
    (n_samples,) float64 array
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
