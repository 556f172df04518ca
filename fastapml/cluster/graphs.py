"""Similarity graphs and their connected components.

The course builds the affinity W of spectral clustering from the data as a
k-nearest-neighbour graph (``SpectralClustering(affinity=
"nearest_neighbors")``), an ε-neighbourhood graph (:func:`epsilon_graph`) or
a kernel, and counts the zero eigenvalues of L = D − W: one per connected
component (:func:`connected_components`).
"""

import numbers

import numpy as np
from sklearn.neighbors import radius_neighbors_graph

from .._validation import check_scalar
from .embedding import _connected_components
from .laplacian import check_affinity

__all__ = ["connected_components", "epsilon_graph"]


def connected_components(W):
    """The connected components of the graph of W's non-zero entries.

    Their number is the multiplicity of the eigenvalue 0 of the Laplacian
    L = D − W (each component's indicator is in its null space).  Found by
    graph search (breadth-first over a dense W, scipy's for a sparse one),
    not from the spectrum.

    Parameters
    ----------
    W : (n, n) array-like or sparse matrix
        A symmetric, non-negative affinity matrix.

    Returns
    -------
    n_components : int
        The number of components.
    labels : ndarray of int, shape (n,)
        Each node's component, numbered by their lowest node (as scipy's
        ``connected_components``).

    Examples
    --------
    >>> import numpy as np
    >>> W = np.kron(np.eye(2), np.ones((2, 2)))    # two pairs
    >>> n, labels = connected_components(W)
    >>> n, labels.tolist()
    (2, [0, 0, 1, 1])
    """
    n, labels = _connected_components(check_affinity(W))
    return int(n), labels


def epsilon_graph(X, eps, *, mode="connectivity", metric="minkowski", p=2):
    """The ε-neighbourhood graph: an edge between samples at distance < eps.

    W_ij = 1 (``mode="connectivity"``) or the distance (``"distance"``) for
    every pair i ≠ j closer than ``eps``, 0 otherwise: a symmetric sparse
    matrix, from scikit-learn's ``radius_neighbors_graph`` (a ball tree or
    brute force, as it chooses).  As an affinity for spectral clustering
    use the connectivity mode: ``SpectralClustering(affinity="precomputed")
    .fit(epsilon_graph(X, eps))``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The samples.
    eps : float > 0
        The radius.
    mode : {"connectivity", "distance"}, default "connectivity"
        What each edge holds.
    metric : str, default "minkowski"
        Any metric of ``radius_neighbors_graph``.
    p : float, default 2
        The Minkowski power (2: euclidean).

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_samples, n_samples)
        The graph, without self-loops.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.5], [3.0]])
    >>> epsilon_graph(X, 1.0).toarray()
    array([[0., 1., 0.],
           [1., 0., 0.],
           [0., 0., 0.]])
    """
    eps = float(check_scalar(eps, "eps", numbers.Real, low=0, low_inclusive=False))
    if mode not in ("connectivity", "distance"):
        raise ValueError(f"mode must be 'connectivity' or 'distance', got {mode!r}")
    # radius_neighbors_graph counts distance <= radius; the course's graph
    # is strict, so shrink the radius to the next float below
    radius = np.nextafter(eps, 0)
    return radius_neighbors_graph(
        X, radius, mode=mode, metric=metric, p=p, include_self=False
    ).tocsr()
