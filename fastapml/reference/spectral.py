"""Reference graph Laplacian and spectral embedding in plain dense NumPy.

The oracle for :mod:`fastapml.cluster.laplacian` and
:mod:`fastapml.cluster.spectral`: same conventions (the diagonal of W is
ignored; isolated nodes get zero rows), written for clarity, O(n²) memory
and O(n³) time.
"""

import numpy as np

NEAR_ISOLATED_RTOL = 1e-8
"""Nodes of degree at most this fraction of the largest (and not 0) are
near-isolated and placed by the Nyström extension (as in
:mod:`fastapml.cluster.spectral`)."""


def laplacian(W, kind="unnormalized"):
    """L = D − W, I − D^{-1/2} W D^{-1/2} (``"sym"``) or I − D^{-1} W (``"rw"``).

    Parameters
    ----------
    W : (n, n) array
        Symmetric non-negative affinities; the diagonal is ignored.
    kind : {"unnormalized", "sym", "rw"}, default "unnormalized"
        Which Laplacian.

    Returns
    -------
    L : (n, n) float64 array
        The Laplacian; rows of isolated nodes are zero.

    Examples
    --------
    >>> laplacian(np.array([[0., 2.], [2., 0.]]), "sym")
    array([[ 1., -1.],
           [-1.,  1.]])
    """
    W = np.array(W, dtype=np.float64)
    np.fill_diagonal(W, 0)
    d = W.sum(axis=1)
    L = np.diag(d) - W
    if kind == "unnormalized":
        return L
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=d > 0)
    if kind == "sym":
        return np.sqrt(inv)[:, None] * L * np.sqrt(inv)[None, :]
    if kind == "rw":
        return inv[:, None] * L
    raise ValueError(f"unknown kind {kind!r}")


def spectral_embedding(W, n_components):
    """The ``n_components`` smallest eigenpairs of I − D^{-1/2} W D^{-1/2}.

    The diagonal of the operator is 1 for every node (scikit-learn's
    convention, so an isolated node has eigenvalue 1).  The row of a
    near-isolated node i (0 < d_i ≤ ``NEAR_ISOLATED_RTOL`` · max d) is the
    Nyström extension u_i = Σ_j W_ij u_j / ((1 − value) Σ_j W_ij), j over
    the nodes that are not near-isolated (0 without such a neighbour): the
    eigen-equation W u = (1 − value) D u solved for u_i, without dividing
    the eigensolver's rounding error by √d_i.

    Parameters
    ----------
    W : (n, n) array
        Symmetric non-negative affinities; the diagonal is ignored.
    n_components : int
        Number of eigenpairs.

    Returns
    -------
    values : ndarray, shape (n_components,)
        The eigenvalues, ascending.
    maps : ndarray, shape (n, n_components)
        The embedding u = D^{-1/2} x of each eigenvector x, as columns.

    Examples
    --------
    >>> values, maps = spectral_embedding(np.ones((3, 3)), 1)
    >>> values.round(12) + 0.0
    array([0.])
    """
    W = np.array(W, dtype=np.float64)
    np.fill_diagonal(W, 0)
    d = W.sum(axis=1)
    s = np.where(d > 0, np.sqrt(d), 1.0)
    operator = np.eye(len(W)) - W / s[:, None] / s[None, :]
    values, vectors = np.linalg.eigh(operator)
    values, maps = values[:n_components], vectors[:, :n_components] / s[:, None]
    faint = (d > 0) & (d <= NEAR_ISOLATED_RTOL * d.max())
    if faint.any():
        held = np.where(faint, 0.0, 1.0)
        total = W[faint] @ (held[:, None] * maps)
        weight = (W[faint] @ held)[:, None] * (1 - values)
        maps[faint] = np.divide(
            total, weight, out=np.zeros_like(total), where=weight != 0
        )
    return values, maps


def unnormalized_embedding(W, n_components):
    """The first eigenvectors of the unnormalized Laplacian L = D − W.

    The ``n_components`` with the smallest eigenvalues (dense ``eigh``),
    each sign-flipped so its largest entry in absolute value is positive.

    On a graph with more than one connected component the null space has
    no preferred basis; compare there by the subspace, not the vectors.

    Parameters
    ----------
    W : (n, n) array
        Symmetric non-negative affinities; the diagonal is ignored.
    n_components : int
        How many eigenvectors.

    Returns
    -------
    values : (n_components,) array
        The eigenvalues, smallest first.
    maps : (n, n_components) array
        The eigenvectors as columns.
    """
    values, vectors = np.linalg.eigh(laplacian(W))
    maps = vectors[:, :n_components]
    rows = np.abs(maps).argmax(axis=0)
    maps = maps * np.sign(maps[rows, np.arange(n_components)])
    return values[:n_components], maps
