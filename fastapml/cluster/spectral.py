"""SpectralClustering: scikit-learn's estimator with a faster, leaner eigensolve
(:mod:`.embedding`), and its function form ``spectral_clustering``."""

import importlib
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import _fit_context
from sklearn.cluster import SpectralClustering as _SklearnSpectralClustering
from sklearn.cluster import k_means
from sklearn.cluster._spectral import cluster_qr, discretize
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.neighbors import NearestNeighbors, kneighbors_graph
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import validate_data
from threadpoolctl import threadpool_limits

from .._validation import check_magnitude, naming
from .embedding import embedding
from .laplacian import check_affinity

MAX_DENSE_AFFINITY_SAMPLES = 20_000
"""Largest n for which a dense n × n affinity (rbf and the other kernels)
is built: 20,000² float64 values are 3.2 GB.  Above it, use
``affinity="nearest_neighbors"`` (a sparse graph, O(n · n_neighbors))."""


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
    laplacian : {"normalized", "unnormalized"}, default="normalized"
        The eigenvectors of the embedding: the normalized Laplacian's (the
        relaxed normalized cut, scikit-learn's), or the course's
        L = D − W (the relaxed ratio cut), as
        ``sklearn.manifold.spectral_embedding(norm_laplacian=False)``.  Not
        a scikit-learn parameter.

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

    _parameter_constraints = {
        **_SklearnSpectralClustering._parameter_constraints,
        "laplacian": [StrOptions({"normalized", "unnormalized"})],
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        eigen_solver=None,
        n_components=None,
        random_state=None,
        n_init=10,
        gamma=1.0,
        affinity="rbf",
        n_neighbors=10,
        eigen_tol="auto",
        assign_labels="kmeans",
        degree=3,
        coef0=1,
        kernel_params=None,
        n_jobs=None,
        verbose=False,
        laplacian="normalized",
    ):
        super().__init__(
            n_clusters,
            eigen_solver=eigen_solver,
            n_components=n_components,
            random_state=random_state,
            n_init=n_init,
            gamma=gamma,
            affinity=affinity,
            n_neighbors=n_neighbors,
            eigen_tol=eigen_tol,
            assign_labels=assign_labels,
            degree=degree,
            coef0=coef0,
            kernel_params=kernel_params,
            n_jobs=n_jobs,
            verbose=verbose,
        )
        self.laplacian = laplacian

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
        maps = embedding(
            check_affinity(self.affinity_matrix_, "affinity_matrix_"),
            n_components,
            eigen_solver=self.eigen_solver or "arpack",
            random_state=random_state,
            eigen_tol=self.eigen_tol,
            normalized=self.laplacian == "normalized",
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


__all__ = ["MAX_DENSE_AFFINITY_SAMPLES", "SpectralClustering", "spectral_clustering"]


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
    """Spectral clustering of a precomputed affinity (scikit-learn's function).

    As ``sklearn.cluster.spectral_clustering``:
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
