"""The spectral embedding: the Laplacian's eigenvectors, without factorizing it.

Where the time goes in scikit-learn (cProfile, 20,000 points in 8 blobs in
10-d, ``affinity="nearest_neighbors"``, 10 neighbours: 13.4 s in all): 10.2 s
in SuperLU's factorization of L_sym + 1e-5 I for ARPACK's shift-invert mode
(the LU of a 10-d kNN graph fills in badly), 1.2 s in its 33 solves, 0.7 s
in the kNN search, 1.2 s in k-means (n_init=10 on the 20,000 x 8
embedding: mostly OpenMP/BLAS threading overhead; one thread is 10x
faster on a busy 2-core machine).  The 3,000-point two-moons run is
small throughout (0.17 s; k-means with n_init=10 is the largest part).

fastapml asks ARPACK for the *largest* eigenvalues of the normalized
adjacency A = D^{-1/2} W D^{-1/2} instead (the smallest of L_sym = I − A):
plain Lanczos on sparse mat-vecs, no factorization, no fill-in.  Lanczos
alone cannot resolve a repeated eigenvalue, and eigenvalue 1 of A repeats
once per connected component — but those eigenvectors are known exactly
(√d on each component), so they are taken directly and deflated from the
operator: ARPACK only looks for the remaining ``n_components − c``
eigenvectors of A − 2 U Uᵀ, where U's columns span the components.  A sparse
kNN graph stays sparse throughout.

A near-isolated node (degree at most ``NEAR_ISOLATED_RTOL`` times the
largest) would be embedded at u_i = x_i / √d_i, rounding error over a vanishing
√d_i; it is placed by the Nyström extension instead, and a warning names
how many there are (issue 19).
"""

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import LinearOperator, eigsh, lobpcg
from sklearn.utils import check_random_state
from sklearn.utils.extmath import _deterministic_vector_sign_flip

from .._memory import check_memory
from .laplacian import check_affinity, laplacian, normalized_adjacency

DENSE_EIGH_SAMPLES = 1_000
"""Graphs up to this many nodes are solved with a dense ``eigh``."""

NEAR_ISOLATED_RTOL = 1e-8
"""A node whose degree is at most this fraction of the largest degree is
*near-isolated*.  Its embedding u_i = x_i / √d_i divides the eigensolver's
rounding error in x_i (about 1e-16) by √d_i: 3e-6 for an rbf affinity's
outlier of degree 1e-21, 1e4 for one of degree 1e-40, far more than any
other row.  Its row is instead the Nyström extension (the eigen-equation
u_i = Σ_j W_ij u_j / (λ d_i) over the other nodes), which equals the exact
u_i up to the weight it shares with other near-isolated nodes.  At the
threshold the eigensolver's u_i is still accurate to about 1e-12 of the
embedding's scale, so the two agree there."""

ROW_BLOCK = 256
"""Rows of a dense affinity read at a time by the component search and the
extension (256 rows of a 20,000-node graph: 41 MB)."""


def _dense_rows(W, rows):
    """``(start, W[rows[start:start + ROW_BLOCK]])`` over ``rows``, in order."""
    for start in range(0, len(rows), ROW_BLOCK):
        yield start, W[rows[start : start + ROW_BLOCK]]


def _connected_components(affinity):
    """``(n_components, labels)`` of the graph of the non-zero entries of W.

    scipy's ``connected_components`` reads a dense matrix through
    ``np.ma.masked_values``, which drops every entry within 1e-8 of 0: an
    rbf affinity's node whose affinities are all below 1e-8 became a
    component of its own, its indicator e_i embedded at 1 / √d_i (issue
    19).  A sparse graph goes to scipy with its explicit zeros left out; a
    dense one is searched breadth-first, ``ROW_BLOCK`` rows at a time, with
    no n × n temporary.  Components are numbered by their lowest node, as
    scipy numbers them.
    """
    if sp.issparse(affinity):
        return connected_components(affinity != 0, directed=False)
    n = affinity.shape[0]
    labels = np.full(n, -1, dtype=np.intp)
    n_total = 0
    for seed in range(n):
        if labels[seed] >= 0:
            continue
        labels[seed] = n_total
        frontier = np.array([seed])
        while frontier.size:
            reached = np.zeros(n, dtype=bool)
            for _, block in _dense_rows(affinity, frontier):
                reached |= (block != 0).any(axis=0)
            frontier = np.flatnonzero(reached & (labels < 0))
            labels[frontier] = n_total
        n_total += 1
    return n_total, labels


def _near_isolated(degree):
    """Mask of the nodes of degree at most ``NEAR_ISOLATED_RTOL`` times the largest.

    Isolated nodes, of degree 0, are included.
    """
    return degree <= NEAR_ISOLATED_RTOL * degree.max()


def _extend_near_isolated(affinity, maps, values, faint):
    """The Nyström extension of ``maps`` to the ``faint`` nodes.

    Each column u of ``maps`` solves W u = λ D u, so
    u_i = Σ_j W_ij u_j / (λ d_i).  For a faint node the sum runs over the
    other nodes only and is normalized by their weight: u_i is the
    W-weighted mean of its well-connected neighbours' rows, divided by λ
    (``values``, 1 for a component's column).  A faint node with no such
    neighbour embeds at 0, as an isolated node does.

    Returns
    -------
    rows : (n_faint, n_components) ndarray
        The new rows of the faint nodes, in node order.
    """
    inner = np.flatnonzero(faint)
    held = (~faint).astype(np.float64)
    sources = maps * held[:, None]
    total = np.empty((len(inner), maps.shape[1]))
    weight = np.empty(len(inner))
    if sp.issparse(affinity):
        block = affinity[inner]
        total[:], weight[:] = block @ sources, block @ held
    else:
        for start, block in _dense_rows(affinity, inner):
            stop = start + len(block)
            total[start:stop], weight[start:stop] = block @ sources, block @ held
    with np.errstate(divide="ignore", invalid="ignore"):
        rows = total / (weight[:, None] * values[None, :])
    return np.where(np.isfinite(rows), rows, 0.0)


def _component_basis(affinity, degree):
    """Orthonormal basis of A's eigenvalue-1 eigenspace, one column per component.

    For every connected component C with at least one edge, √d restricted
    to C and scaled to unit length (√(d_i / vol C) on C, vol C = Σ_C d_i)
    is an eigenvector of A with eigenvalue 1 — of L_sym with eigenvalue 0.
    Isolated nodes have no edge and no such vector (in scikit-learn's
    convention their eigenvalue of L_sym is 1).  Columns are ordered by
    component size, largest first, ties to the component holding the
    lowest-numbered node.

    Returns
    -------
    basis : (n, c) CSC matrix
        At most one non-zero per row, so memory stays O(n) however many
        components there are.
    n_total : int
        Number of connected components, isolated nodes included.
    """
    n_total, component = _connected_components(affinity)
    volume = np.bincount(component, weights=degree, minlength=n_total)
    size = np.bincount(component, minlength=n_total)
    nontrivial = np.flatnonzero(volume > 0)
    order = nontrivial[np.lexsort((nontrivial, -size[nontrivial]))]
    column = np.full(n_total, -1)
    column[order] = np.arange(len(order))
    rows = np.flatnonzero(column[component] >= 0)
    values = np.sqrt(degree[rows] / volume[component[rows]])
    basis = sp.csc_matrix(
        (values, (rows, column[component[rows]])), shape=(len(degree), len(order))
    )
    return basis, n_total


def _top_eigenvectors(A, basis, n_vectors, eigen_solver, random_state, eigen_tol, v0):
    """The ``n_vectors`` largest eigenpairs of A on the complement of ``basis``.

    The operator is B = A − 2 U Uᵀ: U's directions move from eigenvalue 1 to
    −1, the bottom of A's spectrum, and every other eigenpair of A is one of
    B.  Returns the eigenvalues, largest first, and the eigenvectors as
    columns.
    """
    n = A.shape[0]

    def matmat(X):
        return A @ X - 2 * basis @ (basis.T @ X)

    if n <= DENSE_EIGH_SAMPLES or n_vectors + 1 >= n // 5:
        # the matrix, its deflated copy and eigh's eigenvectors
        check_memory(24 * n * n, f"a dense eigendecomposition of {n:,} nodes")
        dense = A.toarray() if sp.issparse(A) else np.array(A)
        values, vectors = np.linalg.eigh(dense - 2 * (basis @ basis.T).toarray())
        return values[::-1][:n_vectors], vectors[:, ::-1][:, :n_vectors]
    B = LinearOperator((n, n), matvec=matmat, matmat=matmat, dtype=np.float64)
    if eigen_solver == "arpack":
        tol = 0 if eigen_tol == "auto" else eigen_tol
        values, vectors = eigsh(B, k=n_vectors, which="LA", tol=tol, v0=v0)
    else:
        # LOBPCG on the smallest eigenpairs of I − B; with "amg" it is
        # preconditioned by a multigrid solver for L_sym + 1e-5 I (shifted:
        # L_sym itself is singular), as in scikit-learn
        M = None
        if eigen_solver == "amg":
            from pyamg import smoothed_aggregation_solver

            shifted = sp.csr_matrix(sp.eye(n) * (1 + 1e-5) - A)
            M = smoothed_aggregation_solver(shifted).aspreconditioner()
        X = random_state.standard_normal(size=(n, n_vectors + 1))
        tol = None if eigen_tol == "auto" else eigen_tol
        IB = LinearOperator(
            (n, n),
            matvec=lambda x: x - matmat(x),
            matmat=lambda X: X - matmat(X),
            dtype=np.float64,
        )
        values, vectors = lobpcg(IB, X, M=M, tol=tol, largest=False, maxiter=2000)
        values = 1 - values  # eigenvalues of B
    order = np.argsort(-values, kind="stable")[:n_vectors]
    return values[order], vectors[:, order]


def embedding(
    affinity,
    n_components,
    *,
    eigen_solver="arpack",
    random_state=None,
    eigen_tol="auto",
    normalized=True,
):
    """Embedding of a graph by the eigenvectors of its normalized Laplacian.

    The ``n_components`` eigenvectors x of L_sym = I − D^{-1/2} W D^{-1/2}
    with the smallest eigenvalues, mapped back to u = D^{-1/2} x (the
    generalized problem L u = λ D u), each sign-flipped so its largest
    entry in absolute value is positive — scikit-learn's
    ``spectral_embedding(..., drop_first=False)``.  The null space is taken
    exactly, one vector per connected component (constant on it); the rest
    comes from ``eigen_solver`` on the largest eigenvalues of
    A = D^{-1/2} W D^{-1/2} with that null space deflated.

    Near-isolated nodes (degree at most ``NEAR_ISOLATED_RTOL`` times the
    largest, but not 0) are embedded by the Nyström extension
    u_i = Σ_j W_ij u_j / (λ Σ_j W_ij), j over the other nodes, rather than
    by x_i / √d_i, which would divide the eigensolver's rounding error by a
    vanishing √d_i; a UserWarning names how many nodes are isolated or
    near-isolated.

    Parameters
    ----------
    affinity : (n, n) ndarray or sparse matrix
        Checked affinities (see :func:`~fastapml.cluster.laplacian.check_affinity`).
    n_components : int
    eigen_solver : {"arpack", "lobpcg", "amg"}
    random_state : None, int or numpy RandomState
        Draws ARPACK's start vector v0 (uniform on [−1, 1], as
        scikit-learn) or LOBPCG's initial block.
    eigen_tol : float or "auto"
        "auto" is 0 (machine precision) for ARPACK and LOBPCG's default
        for the others.
    normalized : bool, default True
        False embeds by the eigenvectors of the unnormalized Laplacian
        L = D − W instead (:func:`_unnormalized_embedding`).

    Returns
    -------
    maps : (n, n_components) ndarray

    Warns
    -----
    UserWarning
        When the graph has more connected components than
        ``n_components``, and when some nodes are isolated or near-isolated
        (the number is given).

    Examples
    --------
    >>> import numpy as np
    >>> W = np.kron(np.eye(2), np.ones((3, 3)))    # two triangles
    >>> maps = embedding(W, 2, random_state=np.random.RandomState(0))
    >>> np.round(maps * np.sqrt(6), 6) + 0.0
    array([[1., 0.],
           [1., 0.],
           [1., 0.],
           [0., 1.],
           [0., 1.],
           [0., 1.]])
    """
    n = affinity.shape[0]
    random_state = check_random_state(random_state)
    # the same random draw as scikit-learn's ARPACK path, so that k-means
    # afterwards consumes the same random stream
    v0 = random_state.uniform(-1, 1, n) if eigen_solver == "arpack" else None
    if not normalized:
        solver = (eigen_solver, random_state, eigen_tol, v0)
        return _unnormalized_embedding(affinity, n_components, solver)
    A, degree = normalized_adjacency(affinity)
    basis, n_total = _component_basis(affinity, degree)
    _warn_components(n_total, n_components)
    near = _near_isolated(degree)
    count = int(near.sum())
    if count:
        warnings.warn(
            f"The graph is near-disconnected: {count} of its {n} nodes "
            f"{'is' if count == 1 else 'are'} isolated or near-isolated (degree "
            f"at most {NEAR_ISOLATED_RTOL:g} times the largest), and spectral "
            "embedding may not work as expected. Near-isolated nodes are placed "
            "by their neighbours (Nyström extension), isolated ones at 0. "
            "Consider a smaller gamma or more neighbours.",
            stacklevel=3,
        )
    n_null = min(basis.shape[1], n_components)
    maps = basis[:, :n_null].toarray()
    values = np.ones(n_components)
    if n_null < n_components:
        values[n_null:], rest = _top_eigenvectors(
            A, basis, n_components - n_null, eigen_solver, random_state, eigen_tol, v0
        )
        maps = np.hstack([maps, rest])
    sqrt_degree = np.sqrt(np.where(degree > 0, degree, 1))
    maps /= sqrt_degree[:, None]
    faint = near & (degree > 0)
    if faint.any():
        maps[faint] = _extend_near_isolated(affinity, maps, values, faint)
    return _deterministic_vector_sign_flip(np.ascontiguousarray(maps.T)).T


def _warn_components(n_total, n_components):
    """scikit-learn's warning for a graph in pieces; and one more when it
    has more components than the embedding has room for."""
    if n_total > 1:
        warnings.warn(
            "Graph is not fully connected, spectral embedding may not work as "
            "expected.",
            stacklevel=4,
        )
    if n_total > n_components:
        warnings.warn(
            f"The graph has {n_total} connected components, more "
            f"than n_components={n_components}: the embedding "
            f"keeps the {n_components} largest components' "
            "indicators (isolated points embed at 0). Consider "
            "more neighbours.",
            stacklevel=4,
        )


def _unnormalized_embedding(affinity, n_components, solver):
    """The ``n_components`` eigenvectors of L = D − W with the smallest
    eigenvalues, each sign-flipped so its largest entry in absolute value
    is positive: scikit-learn's ``spectral_embedding(...,
    norm_laplacian=False, drop_first=False)``.

    The null space is taken exactly: one unit indicator per connected
    component (isolated nodes included), largest first.  The rest are the
    largest eigenvectors of A = I − L / c, c = 2 max_i d_i >= L's largest
    eigenvalue (Gershgorin), with that null space deflated, as in
    :func:`embedding`.  ``solver`` is (eigen_solver, random_state,
    eigen_tol, v0).
    """
    n = affinity.shape[0]
    L = laplacian(affinity)
    scale = 2 * float(L.diagonal().max()) or 1.0
    A = sp.identity(n, format="csr") - L / scale if sp.issparse(L) else -L / scale
    if not sp.issparse(A):
        A.flat[:: n + 1] += 1
    n_total, component = _connected_components(affinity)
    size = np.bincount(component, minlength=n_total)
    order = np.lexsort((np.arange(n_total), -size))  # largest first
    column = np.empty(n_total, dtype=np.intp)
    column[order] = np.arange(n_total)
    basis = sp.csc_matrix(
        (1 / np.sqrt(size[component]), (np.arange(n), column[component])),
        shape=(n, n_total),
    )
    _warn_components(n_total, n_components)
    n_null = min(n_total, n_components)
    maps = basis[:, :n_null].toarray()
    if n_null < n_components:
        _, rest = _top_eigenvectors(A, basis, n_components - n_null, *solver)
        maps = np.hstack([maps, rest])
    return _deterministic_vector_sign_flip(np.ascontiguousarray(maps.T)).T


def spectral_embedding(
    adjacency,
    *,
    n_components=8,
    eigen_solver=None,
    random_state=None,
    eigen_tol="auto",
    norm_laplacian=True,
    drop_first=True,
):
    """Embed a graph's nodes by its Laplacian's first eigenvectors.

    As ``sklearn.manifold.spectral_embedding``.  With ``norm_laplacian``
    the eigenvectors of L_sym = I − D^{-1/2} W D^{-1/2} with the smallest
    eigenvalues, mapped back to u = D^{-1/2} x;
    otherwise those of the course's L = D − W.  Each is sign-flipped so its
    largest entry in absolute value is positive, and the first (constant on
    a connected graph) is dropped with ``drop_first``.  Solved without
    factorizing the Laplacian (see :class:`SpectralClustering`).

    Parameters
    ----------
    adjacency : (n, n) array-like or sparse matrix
        A symmetric, non-negative affinity matrix W.
    n_components : int, default 8
        Columns returned.
    eigen_solver : {"arpack", "lobpcg", "amg"}, optional
        "arpack" by default.
    random_state : None, int or RandomState
        For the eigensolver's start.
    eigen_tol : float or "auto", default "auto"
        The eigensolver's tolerance.
    norm_laplacian : bool, default True
        The normalized Laplacian, or L = D − W.
    drop_first : bool, default True
        Leave out the first eigenvector.

    Returns
    -------
    ndarray of shape (n, n_components)
        The embedding.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.ones((4, 4)) - np.eye(4)             # a complete graph
    >>> spectral_embedding(W, n_components=1, drop_first=False).round(3)
    array([[0.289],
           [0.289],
           [0.289],
           [0.289]])
    """
    W = check_affinity(adjacency, "adjacency")
    k = n_components + 1 if drop_first else n_components
    maps = embedding(
        W,
        k,
        eigen_solver=eigen_solver or "arpack",
        random_state=random_state,
        eigen_tol=eigen_tol,
        normalized=norm_laplacian,
    )
    return maps[:, 1:] if drop_first else maps
