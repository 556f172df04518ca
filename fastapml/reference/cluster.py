"""Reference silhouette and internal validity indices in plain NumPy (see
fastapml.cluster for the fast ones)."""

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


def _clusters(X, labels):
    """The rows of each cluster, in sorted label order."""
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels)
    return X, [X[labels == value] for value in np.unique(labels)]


def calinski_harabasz_score(X, labels):
    """The Calinski-Harabasz index, one cluster at a time.

    Between-cluster over within-cluster dispersion, each per degree of
    freedom (1 when the within part is 0).

    Parameters
    ----------
    X : array (n_samples, n_features)
        The samples.
    labels : array (n_samples,)
        The cluster of each sample (at least 2 clusters, valid).

    Returns
    -------
    float
        The index.
    """
    X, clusters = _clusters(X, labels)
    mean = X.mean(axis=0)
    between = sum(len(c) * ((c.mean(axis=0) - mean) ** 2).sum() for c in clusters)
    within = sum(((c - c.mean(axis=0)) ** 2).sum() for c in clusters)
    n, k = len(X), len(clusters)
    return 1.0 if within == 0 else float(between * (n - k) / (within * (k - 1)))


def davies_bouldin_score(X, labels):
    """The Davies-Bouldin index, one cluster at a time.

    The mean over clusters of the worst (s_i + s_j) / d(mu_i, mu_j) (0 when
    every s_i or centroid distance is 0).

    Parameters
    ----------
    X : array (n_samples, n_features)
        The samples.
    labels : array (n_samples,)
        The cluster of each sample (at least 2 clusters, valid).

    Returns
    -------
    float
        The index.
    """
    _, clusters = _clusters(X, labels)
    centroids = np.array([c.mean(axis=0) for c in clusters])
    spread = np.array(
        [
            np.sqrt(((c - m) ** 2).sum(axis=1)).mean()
            for c, m in zip(clusters, centroids)
        ]
    )
    between = np.sqrt(((centroids[:, None] - centroids[None]) ** 2).sum(axis=2))
    if np.allclose(spread, 0) or np.allclose(between, 0):
        return 0.0
    worst = [
        max(
            (spread[i] + spread[j]) / between[i, j]
            for j in range(len(clusters))
            if j != i and between[i, j] > 0
        )
        if (between[i] > 0).any()
        else 0.0
        for i in range(len(clusters))
    ]
    return float(np.mean(worst))
