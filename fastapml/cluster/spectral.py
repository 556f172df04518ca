"""SpectralClustering: scikit-learn's estimator with a faster, leaner eigensolve.

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

import importlib
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import LinearOperator, eigsh, lobpcg
from sklearn.base import _fit_context
from sklearn.cluster import SpectralClustering as _SklearnSpectralClustering
from sklearn.cluster import k_means
from sklearn.cluster._spectral import cluster_qr, discretize
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.neighbors import NearestNeighbors, kneighbors_graph
from sklearn.utils import check_random_state
from sklearn.utils.extmath import _deterministic_vector_sign_flip
from sklearn.utils.validation import validate_data
from threadpoolctl import threadpool_limits

from .._memory import check_memory
from .._validation import check_magnitude, naming
from .laplacian import check_affinity, normalized_adjacency

MAX_DENSE_AFFINITY_SAMPLES = 20_000
"""Largest n for which a dense n × n affinity (rbf and the other kernels)
is built: 20,000² float64 values are 3.2 GB.  Above it, use
``affinity="nearest_neighbors"`` (a sparse graph, O(n · n_neighbors))."""

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


def spectral_embedding(
    affinity,
    n_components,
    *,
    eigen_solver="arpack",
    random_state=None,
    eigen_tol="auto",
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
    >>> maps = spectral_embedding(W, 2, random_state=np.random.RandomState(0))
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
    A, degree = normalized_adjacency(affinity)
    basis, n_total = _component_basis(affinity, degree)
    if n_total > n_components:
        warnings.warn(
            f"The graph has {n_total} connected components, more "
            f"than n_components={n_components}: the embedding "
            f"keeps the {n_components} largest components' "
            "indicators (isolated points embed at 0). Consider "
            "more neighbours.",
            stacklevel=3,
        )
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


class SpectralClustering(_SklearnSpectralClustering):
    r"""Spectral clustering — a drop-in for scikit-learn's, faster and sparse.

    Same constructor, parameters, ``labels_``, ``affinity_matrix_``,
    ``fit`` and ``fit_predict`` as
    :class:`sklearn.cluster.SpectralClustering` (it subclasses it and
    reuses its parameter checks, kNN graph, kernels and label assignment).
    The affinity W is built as scikit-learn builds it; the embedding is the
    ``n_components`` eigenvectors of L_sym = I − D^{-1/2} W D^{-1/2} with
    the smallest eigenvalues, u = D^{-1/2} x (the relaxed normalized cut);
    k-means, ``discretize`` or ``cluster_qr`` then label the rows.

    What differs:

    - the eigensolve: the null space is taken exactly, one vector per
      connected component, and ARPACK looks for the largest eigenvalues of
      the normalized adjacency :math:`D^{-1/2} W D^{-1/2}` with that null
      space deflated, instead of running in shift-invert mode (no sparse LU
      factorization); see :doc:`/performance/index` for measured times;
    - a sparse kNN graph is never made dense; dense kernels (``"rbf"`` and
      the other pairwise kernels, callables) are refused above
      ``MAX_DENSE_AFFINITY_SAMPLES`` = 20,000 samples with a ValueError
      suggesting ``affinity="nearest_neighbors"``;
    - bad input is refused with a clear error: NaN/inf, ``n_clusters`` or
      ``n_components`` above the number of samples, a precomputed affinity
      that is not square, not symmetric or negative anywhere (also for any
      kernel that yields negative values, e.g. ``"linear"``);
    - ``eigen_solver="amg"`` without pyamg raises ImportError (scikit-learn:
      ValueError);
    - a near-isolated node (degree at most ``NEAR_ISOLATED_RTOL`` = 1e-8
      times the largest, e.g. an outlier of an rbf affinity with a large
      ``gamma``) is embedded by the Nyström extension, next to its
      neighbours, with a warning that counts such nodes; scikit-learn
      divides the eigensolver's rounding error by its √degree.

    With a graph of more connected components than ``n_components`` the
    embedding keeps the largest components (scikit-learn keeps an arbitrary
    ARPACK-chosen subspace); a warning says so.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters.
    eigen_solver : {"arpack", "lobpcg", "amg"}, optional
        Eigensolver of the embedding (None: "arpack").  "arpack": Lanczos on
        the deflated normalized adjacency; "lobpcg": LOBPCG on the deflated
        Laplacian; "amg": LOBPCG preconditioned by pyamg's multigrid solver.
        Graphs of up to 1,000 nodes (or asking for a fifth of the nodes'
        eigenvectors or more) are solved with a dense ``eigh`` whatever the
        choice.
    n_components : int, optional
        Number of eigenvectors of the embedding (None: ``n_clusters``).
    random_state : int, RandomState instance or None, default=None
        Seeds ARPACK's start vector (drawn as scikit-learn draws it),
        LOBPCG's initial block, and the k-means or ``"discretize"``
        labelling.
    n_init : int, default=10
        Number of k-means runs on the embedding (``assign_labels="kmeans"``).
    gamma : float, default=1.0
        Kernel coefficient of the "rbf", "poly", "sigmoid", "laplacian" and
        "chi2" affinities.
    affinity : str or callable, default="rbf"
        "nearest_neighbors" (a sparse, symmetrized kNN connectivity graph),
        "rbf" (:math:`\exp(-\gamma \lVert x - y \rVert^2)`), "precomputed"
        (X is the affinity matrix), "precomputed_nearest_neighbors" (X holds
        distances; their kNN graph is the affinity), any kernel name of
        :func:`sklearn.metrics.pairwise_kernels`, or a callable taking two
        samples.
    n_neighbors : int, default=10
        Neighbours per sample of the kNN graph (the nearest-neighbors
        affinities).
    eigen_tol : float or "auto", default="auto"
        Stopping tolerance of the eigensolver; "auto": 0 (machine precision)
        for ARPACK, LOBPCG's own default for "lobpcg" and "amg".
    assign_labels : {"kmeans", "discretize", "cluster_qr"}, default="kmeans"
        How the embedding's rows are labelled.
    degree : float, default=3
        Degree of the "poly" kernel.
    coef0 : float, default=1
        Zero coefficient of the "poly" and "sigmoid" kernels.
    kernel_params : dict, optional
        Further keyword arguments of a kernel given as a callable (or by
        name).
    n_jobs : int, optional
        Parallel jobs of the kNN search (None: 1, or the joblib context's).
    verbose : bool, default=False
        Print the labelling step and k-means' progress.

    Attributes
    ----------
    affinity_matrix_ : ndarray or sparse matrix of shape (n_samples, n_samples)
        The affinity W the embedding was computed from (sparse for the
        nearest-neighbors affinities).
    labels_ : ndarray of shape (n_samples,)
        Cluster of each sample.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of X, when X is a DataFrame with string column names.

    See Also
    --------
    fastapml.cluster.laplacian : The graph Laplacian and its normalized forms.
    sklearn.cluster.SpectralClustering : The estimator this one subclasses.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from fastapml.cluster.spectral import SpectralClustering
    >>> X, y = make_moons(300, noise=0.05, random_state=0)
    >>> sc = SpectralClustering(2, affinity="nearest_neighbors",
    ...                         random_state=0).fit(X)
    >>> from sklearn.metrics import adjusted_rand_score
    >>> float(adjusted_rand_score(y, sc.labels_))
    1.0
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Build the affinity of X, embed it and label the embedding.

        Parameters
        ----------
        X : array-like or sparse matrix
            Samples, of shape (n_samples, n_features); or, of shape
            (n_samples, n_samples), affinities (``affinity="precomputed"``)
            or distances (``affinity="precomputed_nearest_neighbors"``).
        y : None
            Ignored.

        Returns
        -------
        self : SpectralClustering
            The fitted estimator, with ``labels_`` set.
        """
        if isinstance(self.n_clusters, bool):
            raise TypeError("n_clusters must be an int, got bool")
        with naming("X"):
            X = validate_data(
                self,
                X,
                accept_sparse=["csr", "csc", "coo"],
                dtype=np.float64,
                ensure_min_samples=2,
            )
        n_samples = X.shape[0]
        n_components = (
            self.n_clusters if self.n_components is None else self.n_components
        )
        for name, value in (
            ("n_clusters", self.n_clusters),
            ("n_components", n_components),
        ):
            if value > n_samples:
                raise ValueError(f"{name}={value} must be <= n_samples={n_samples}")
        if self.eigen_solver == "amg":
            try:
                importlib.import_module("pyamg")
            except ImportError as exc:
                raise ImportError(
                    "eigen_solver='amg' needs the optional "
                    "package pyamg (pip install pyamg); or use "
                    "eigen_solver='arpack'"
                ) from exc
        self.affinity_matrix_ = self._affinity(X)
        random_state = check_random_state(self.random_state)
        maps = spectral_embedding(
            check_affinity(self.affinity_matrix_, "affinity_matrix_"),
            n_components,
            eigen_solver=self.eigen_solver or "arpack",
            random_state=random_state,
            eigen_tol=self.eigen_tol,
        )
        if self.verbose:
            print(f"Computing label assignment using {self.assign_labels}")
        # one thread: on an (n, n_components) embedding each k-means step is
        # too small to share, and OpenMP/BLAS threads spinning on shared or
        # loaded cores cost far more than they save
        with threadpool_limits(limits=1):
            if self.assign_labels == "kmeans":
                _, self.labels_, _ = k_means(
                    maps,
                    self.n_clusters,
                    random_state=random_state,
                    n_init=self.n_init,
                    verbose=self.verbose,
                )
            elif self.assign_labels == "cluster_qr":
                self.labels_ = cluster_qr(maps)
            else:
                self.labels_ = discretize(maps, random_state=random_state)
        return self

    def _affinity(self, X):
        """The affinity matrix, built exactly as scikit-learn builds it."""
        n_samples = X.shape[0]
        if self.affinity in ("precomputed", "precomputed_nearest_neighbors"):
            if X.shape[0] != X.shape[1]:
                raise ValueError(
                    f"X must be a square (n_samples, n_samples) "
                    f"matrix for affinity={self.affinity!r}, got "
                    f"shape {X.shape}"
                )
        elif X.shape[0] == X.shape[1]:
            warnings.warn(
                "X is square: it is clustered as data. To cluster a "
                "custom affinity matrix, set affinity='precomputed'.",
                stacklevel=2,
            )
        if self.affinity == "precomputed":
            return X
        named = isinstance(self.affinity, str)
        if named and not self.affinity.startswith("precomputed") and not sp.issparse(X):
            # squared distances (or dot products) summed over the features
            check_magnitude(X, "X", 2, X.shape[1])
        if self.affinity in ("nearest_neighbors", "precomputed_nearest_neighbors"):
            if self.affinity == "nearest_neighbors":
                connectivity = kneighbors_graph(
                    X,
                    n_neighbors=self.n_neighbors,
                    include_self=True,
                    n_jobs=self.n_jobs,
                )
            else:
                connectivity = (
                    NearestNeighbors(
                        n_neighbors=self.n_neighbors,
                        n_jobs=self.n_jobs,
                        metric="precomputed",
                    )
                    .fit(X)
                    .kneighbors_graph(X=X, mode="connectivity")
                )
            return 0.5 * (connectivity + connectivity.T)
        if n_samples > MAX_DENSE_AFFINITY_SAMPLES:
            raise ValueError(
                f"affinity={self.affinity!r} builds a dense n_samples x "
                f"n_samples matrix; n_samples={n_samples} is above the limit "
                f"of {MAX_DENSE_AFFINITY_SAMPLES} ({n_samples**2 * 8 / 2**30:.0f} "
                "GiB). Use affinity='nearest_neighbors' (a sparse kNN graph)."
            )
        params = dict(self.kernel_params or {})
        if not callable(self.affinity):
            params.update(gamma=self.gamma, degree=self.degree, coef0=self.coef0)
        return pairwise_kernels(X, metric=self.affinity, filter_params=True, **params)


__all__ = [
    "MAX_DENSE_AFFINITY_SAMPLES",
    "SpectralClustering",
    "spectral_clustering",
    "spectral_embedding",
]


def spectral_clustering(
    affinity,
    *,
    n_clusters=8,
    n_components=None,
    eigen_solver=None,
    random_state=None,
    n_init=10,
    eigen_tol="auto",
    assign_labels="kmeans",
    verbose=False,
):
    """Spectral clustering of a precomputed affinity, as
    ``sklearn.cluster.spectral_clustering``.

    ``SpectralClustering(affinity="precomputed", ...).fit(affinity).labels_``:
    the same embedding and labels as the estimator (see
    :class:`SpectralClustering`).

    Parameters
    ----------
    affinity : (n, n) array-like or sparse matrix
        A symmetric, non-negative affinity matrix.
    n_clusters : int, default 8
        The number of clusters.
    n_components : int, optional
        The embedding's dimension; ``n_clusters`` by default.
    eigen_solver : {"arpack", "lobpcg", "amg"}, optional
        "arpack" by default.
    random_state : None, int or RandomState
        For the eigensolver's start and k-means.
    n_init : int, default 10
        k-means restarts.
    eigen_tol : float or "auto", default "auto"
        The eigensolver's tolerance.
    assign_labels : {"kmeans", "discretize", "cluster_qr"}, default "kmeans"
        How the embedding's rows are labelled.
    verbose : bool, default False
        Print progress.

    Returns
    -------
    labels : ndarray of int, shape (n,)
        The cluster of each node.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.kron(np.eye(2), np.ones((3, 3)))    # two triangles
    >>> spectral_clustering(W, n_clusters=2, random_state=0).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    estimator = SpectralClustering(
        n_clusters=n_clusters,
        n_components=n_components,
        eigen_solver=eigen_solver,
        random_state=random_state,
        n_init=n_init,
        eigen_tol=eigen_tol,
        assign_labels=assign_labels,
        verbose=verbose,
        affinity="precomputed",
    )
    return estimator.fit(affinity).labels_
