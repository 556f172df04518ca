"""Reference silhouette in plain NumPy (see fastapml.cluster for the fast one)."""

import numpy as np


def pairwise(X, metric, Y=None):
    """The distances between the rows of X and those of Y.

    Parameters
    ----------
    X : array_like of shape (m, d)
        The first samples.
    metric : str
        "euclidean" ("l2"), "sqeuclidean", "manhattan" ("cityblock", "l1"),
        "chebyshev" or "cosine": the metrics of the fast kernels.
    Y : array_like of shape (n, d), optional
        The second samples; X itself by default.

    Returns
    -------
    ndarray of float64, shape (m, n)
        D[i, j] = d(X[i], Y[j]).
    """
    X = np.asarray(X, dtype=np.float64)
    Z = X if Y is None else np.asarray(Y, dtype=np.float64)
    diff = X[:, None, :] - Z[None, :, :]
    if metric in ("euclidean", "l2"):
        return np.sqrt((diff**2).sum(axis=2))
    if metric == "sqeuclidean":
        return (diff**2).sum(axis=2)
    if metric in ("manhattan", "cityblock", "l1"):
        return np.abs(diff).sum(axis=2)
    if metric == "chebyshev":
        return np.abs(diff).max(axis=2)
    if metric == "cosine":
        D = np.clip(1 - _unit_rows(X) @ _unit_rows(Z).T, 0, 2)
        if Y is None:
            np.fill_diagonal(D, 0)  # a zero vector is at distance 0 from itself
        return D
    raise ValueError(f"unknown metric {metric!r}")


def _unit_rows(X):
    """Rows scaled to unit norm; zero rows stay zero."""
    norms = np.linalg.norm(X, axis=1)
    norms[norms == 0] = 1
    return X / norms[:, None]


def cross_cluster_sums(X, labels_X, Y, labels_Y, n_clusters, metric):
    """Per-cluster distance sums between two different sets of samples.

    One cross tile of the dask silhouette, with D[i, j] = d(X[i], Y[j]):
    ``X_sums[i, k]`` sums D[i, j] over the j with ``labels_Y[j] == k``, and
    ``Y_sums[j, k]`` sums D[i, j] over the i with ``labels_X[i] == k``.

    Parameters
    ----------
    X : array_like of shape (m, d)
        The first samples.
    labels_X : array_like of int, shape (m,)
        Their clusters, in [0, n_clusters).
    Y : array_like of shape (n, d)
        The second samples.
    labels_Y : array_like of int, shape (n,)
        Their clusters, in [0, n_clusters).
    n_clusters : int
        Number of clusters.
    metric : str
        A metric of :func:`pairwise`.

    Returns
    -------
    X_sums : ndarray of float64, shape (m, n_clusters)
        Distance sums from each row of X to each cluster of Y.
    Y_sums : ndarray of float64, shape (n, n_clusters)
        Distance sums from each row of Y to each cluster of X.
    """
    D = pairwise(X, metric, Y)
    clusters = np.arange(n_clusters)
    in_X = np.asarray(labels_X)[:, None] == clusters  # (len(X), k) one-hot
    in_Y = np.asarray(labels_Y)[:, None] == clusters
    return D @ in_Y, D.T @ in_X


def silhouette_samples(X, labels, *, metric="euclidean"):
    """Silhouette of each sample, s(i) = (b - a) / max(a, b).

    a is the mean distance to the other members of i's cluster, b the
    smallest mean distance to another cluster; s(i) is 0 for singletons.

    Parameters
    ----------
    X : array_like of shape (n, d), or (n, n) for "precomputed"
        The samples, or their distance matrix.
    labels : array_like of shape (n,)
        Cluster labels (any values; at least two clusters).
    metric : str, default "euclidean"
        A metric of :func:`pairwise`, or "precomputed".

    Returns
    -------
    ndarray of float64, shape (n,)
        The silhouettes, in [-1, 1].
    """
    D = (
        np.asarray(X, dtype=np.float64)
        if metric == "precomputed"
        else pairwise(X, metric)
    )
    _, labels = np.unique(np.asarray(labels), return_inverse=True)
    out = np.zeros(len(labels))
    for i in range(len(labels)):
        own = labels == labels[i]
        if own.sum() == 1:
            continue
        a = D[i, own].sum() / (own.sum() - 1)
        b = min(D[i, labels == k].mean() for k in np.unique(labels) if k != labels[i])
        out[i] = (b - a) / max(a, b) if max(a, b) > 0 else 0.0
    return out
