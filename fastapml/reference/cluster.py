"""Reference silhouette in plain NumPy (see fastapml.cluster for the fast one)."""
import numpy as np


def pairwise(X, metric):
    """The full n x n distance matrix for the kernel's metrics."""
    X = np.asarray(X, dtype=np.float64)
    diff = X[:, None, :] - X[None, :, :]
    if metric in ("euclidean", "l2"):
        return np.sqrt((diff ** 2).sum(axis=2))
    if metric == "sqeuclidean":
        return (diff ** 2).sum(axis=2)
    if metric in ("manhattan", "cityblock", "l1"):
        return np.abs(diff).sum(axis=2)
    if metric == "chebyshev":
        return np.abs(diff).max(axis=2)
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1)
        norms[norms == 0] = 1
        unit = X / norms[:, None]
        D = np.clip(1 - unit @ unit.T, 0, 2)
        np.fill_diagonal(D, 0)          # a zero vector is at distance 0 from itself
        return D
    raise ValueError(f"unknown metric {metric!r}")


def silhouette_samples(X, labels, *, metric="euclidean"):
    """s(i) = (b - a) / max(a, b): a = mean distance to the other members of
    i's cluster, b = smallest mean distance to another cluster; 0 for
    singletons.  ``metric="precomputed"`` takes X as the distance matrix."""
    D = (np.asarray(X, dtype=np.float64) if metric == "precomputed"
         else pairwise(X, metric))
    _, labels = np.unique(np.asarray(labels), return_inverse=True)
    out = np.zeros(len(labels))
    for i in range(len(labels)):
        own = labels == labels[i]
        if own.sum() == 1:
            continue
        a = D[i, own].sum() / (own.sum() - 1)
        b = min(D[i, labels == k].mean() for k in np.unique(labels)
                if k != labels[i])
        out[i] = (b - a) / max(a, b) if max(a, b) > 0 else 0.0
    return out
