"""SpectralClustering: ARI and affinity_matrix_ parity with scikit-learn on
moons, circles and blobs for every affinity and label assignment; the
embedding against the dense reference eigensolve; disconnected graphs;
sparse graphs stay sparse; bad input; scikit-learn's estimator checks."""

import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from sklearn.cluster import SpectralClustering as PeerSC
from sklearn.datasets import make_blobs, make_circles, make_moons
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.pairwise import euclidean_distances, rbf_kernel
from sklearn.neighbors import kneighbors_graph
from sklearn.utils.estimator_checks import parametrize_with_checks

from fastapml.cluster import embedding as spectral
from fastapml.cluster.embedding import embedding as spectral_embedding
from fastapml.cluster.laplacian import check_affinity
from fastapml.cluster.spectral import SpectralClustering
from fastapml.reference import spectral as ref

ASSIGN = ("kmeans", "discretize", "cluster_qr")


def datasets():
    """Standard toy sets (n = 300) with labels and a suitable rbf gamma."""
    moons = make_moons(300, noise=0.05, random_state=0)
    circles = make_circles(300, noise=0.05, factor=0.4, random_state=0)
    blobs = make_blobs(300, n_features=3, centers=4, random_state=0)
    return {
        "moons": (*moons, 2, 20.0),
        "circles": (*circles, 2, 20.0),
        "blobs": (*blobs, 4, 0.5),
    }


DATA = datasets()


def affinity_input(X, affinity, gamma):
    """What fit receives for ``affinity``: the data, or a matrix built from it."""
    if affinity == "precomputed":
        return rbf_kernel(X, gamma=gamma)
    if affinity == "precomputed_nearest_neighbors":
        return euclidean_distances(X)
    return X


def fit_both(X, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # not fully connected
        ours = SpectralClustering(**params).fit(X)
        theirs = PeerSC(**params).fit(X)
    return ours, theirs


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize(
    "affinity",
    ["nearest_neighbors", "rbf", "precomputed", "precomputed_nearest_neighbors"],
)
@pytest.mark.parametrize("assign_labels", ASSIGN)
def test_ari_and_affinity_match_sklearn(name, affinity, assign_labels):
    X, y, k, gamma = DATA[name]
    ours, theirs = fit_both(
        affinity_input(X, affinity, gamma),
        n_clusters=k,
        affinity=affinity,
        gamma=gamma,
        n_neighbors=10,
        assign_labels=assign_labels,
        random_state=0,
    )
    ari_ours = adjusted_rand_score(y, ours.labels_)
    ari_theirs = adjusted_rand_score(y, theirs.labels_)
    assert ari_ours >= ari_theirs - 1e-9, (ari_ours, ari_theirs)
    if affinity != "rbf" or name == "blobs":
        # rbf with this gamma fails on moons/circles in both libraries alike
        assert ari_ours > 0.9
    a, b = ours.affinity_matrix_, theirs.affinity_matrix_
    assert sp.issparse(a) == sp.issparse(b)
    assert_allclose(
        a.toarray() if sp.issparse(a) else a,
        b.toarray() if sp.issparse(b) else b,
        rtol=1e-12,
    )


@pytest.mark.parametrize("eigen_solver", ["arpack", "lobpcg"])
def test_iterative_embedding_matches_dense_reference(eigen_solver):
    """n above DENSE_EIGH_SAMPLES: the iterative path's eigenvalues (Rayleigh
    quotients of the returned vectors) and spanned subspace equal the dense
    eigensolve's."""
    X, _ = make_blobs(1200, n_features=2, centers=3, cluster_std=2.5, random_state=1)
    W = kneighbors_graph(X, 10, include_self=True)
    W = 0.5 * (W + W.T)
    assert W.shape[0] > spectral.DENSE_EIGH_SAMPLES
    k = 5
    maps = spectral_embedding(
        check_affinity(W),
        k,
        eigen_solver=eigen_solver,
        random_state=np.random.RandomState(0),
        eigen_tol="auto" if eigen_solver == "arpack" else 1e-6,
    )
    values, expected = ref.spectral_embedding(W.toarray(), k)
    assert values[1] > 1e-8  # connected: one zero eigenvalue
    Wd = W.toarray()
    np.fill_diagonal(Wd, 0)
    d = Wd.sum(axis=1)
    L = np.diag(d) - Wd  # L u = lambda D u
    rayleigh = np.sort(
        np.einsum("ik,ij,jk->k", maps, L, maps) / np.einsum("ik,i,ik->k", maps, d, maps)
    )
    assert_allclose(rayleigh, values, atol=1e-6)
    # same subspace: D^1/2-orthonormalize both and compare projectors
    q1 = np.linalg.qr(maps * np.sqrt(d)[:, None])[0]
    q2 = np.linalg.qr(expected * np.sqrt(d)[:, None])[0]
    assert_allclose(q1 @ q1.T, q2 @ q2.T, atol=1e-5)


def test_disconnected_graph_embeds_components_exactly():
    """c components, c <= n_components: one constant column per component,
    the rest from the deflated eigensolve, orthogonal to them in D."""
    X, y = make_blobs(1500, n_features=10, centers=4, random_state=0)
    W = kneighbors_graph(X, 10, include_self=True)
    W = check_affinity(0.5 * (W + W.T))
    n_comp, comp = sp.csgraph.connected_components(W)
    assert n_comp == 4
    maps = spectral_embedding(W, 6, random_state=np.random.RandomState(0))
    for column in maps[:, :4].T:  # largest components first
        support = np.flatnonzero(np.abs(column) > 1e-12)
        assert len(np.unique(comp[support])) == 1
        assert_allclose(column[support], column[support][0], rtol=1e-10)
    d = np.asarray(W.sum(axis=1)).ravel() - W.diagonal()
    assert_allclose(maps[:, :4].T @ (d[:, None] * maps[:, 4:]), 0, atol=1e-8)
    labels = SpectralClustering(
        4, affinity="nearest_neighbors", random_state=0
    ).fit_predict(X)
    assert adjusted_rand_score(y, labels) == 1.0


def test_more_components_than_clusters_warns_and_keeps_largest():
    W = sp.block_diag([np.ones((5, 5)), np.ones((3, 3)), np.ones((4, 4))])
    with pytest.warns(UserWarning, match="3 connected components"):
        maps = spectral_embedding(
            check_affinity(W), 2, random_state=np.random.RandomState(0)
        )
    assert_allclose(maps[:, 0] != 0, np.r_[np.ones(5), np.zeros(7)])
    assert_allclose(maps[:, 1] != 0, np.r_[np.zeros(8), np.ones(4)])


def test_isolated_point_gets_its_own_zero_row():
    W = np.zeros((7, 7))
    W[:3, :3] = W[3:6, 3:6] = 1
    with pytest.warns(UserWarning) as caught:  # one context: pytest 7 too
        maps = spectral_embedding(
            check_affinity(W), 2, random_state=np.random.RandomState(0)
        )
    messages = " | ".join(str(w.message) for w in caught)
    assert "3 connected components" in messages
    assert "1 of its 7 nodes is isolated" in messages
    assert_allclose(maps[6], 0)
    assert np.all(maps[:6] != 0, axis=1).sum() == 0 and np.all(maps[:6].any(axis=1))


def test_sparse_graph_is_never_densified(monkeypatch):
    X, y = make_blobs(2500, n_features=5, centers=5, cluster_std=2.0, random_state=0)

    def guarded(toarray):
        def refuse_square(self, *args, **kwargs):
            assert min(self.shape) <= 10, f"densified a {self.shape} sparse matrix"
            return toarray(self, *args, **kwargs)

        return refuse_square

    for cls in (
        sp.csr_matrix,
        sp.csc_matrix,
        sp.coo_matrix,
        sp.csr_array,
        sp.csc_array,
        sp.coo_array,
    ):
        monkeypatch.setattr(cls, "toarray", guarded(cls.toarray))
    sc = SpectralClustering(5, affinity="nearest_neighbors", random_state=0).fit(X)
    assert sp.issparse(sc.affinity_matrix_)
    assert adjusted_rand_score(y, sc.labels_) > 0.8


def test_sparse_precomputed_affinity_and_n_components():
    X, y, k, _ = DATA["blobs"]
    W = kneighbors_graph(X, 10, include_self=True)
    W = 0.5 * (W + W.T)
    for fmt in ("csr", "csc", "coo"):
        ours, theirs = fit_both(
            W.asformat(fmt),
            n_clusters=k,
            n_components=6,
            affinity="precomputed",
            random_state=0,
        )
        assert (
            adjusted_rand_score(y, ours.labels_)
            >= adjusted_rand_score(y, theirs.labels_) - 1e-9
        )


def test_fit_predict_equals_labels_and_is_reproducible():
    X, _, k, _ = DATA["moons"]
    sc = SpectralClustering(k, affinity="nearest_neighbors", random_state=3)
    labels = sc.fit_predict(X)
    assert_allclose(labels, sc.labels_)
    assert_allclose(
        labels,
        SpectralClustering(k, affinity="nearest_neighbors", random_state=3)
        .fit(X)
        .labels_,
    )


def test_two_threads_fit_at_once(run_in_threads):
    X, y, k, _ = DATA["circles"]

    def fit():
        return SpectralClustering(
            k, affinity="nearest_neighbors", random_state=0
        ).fit_predict(X)

    a, b = run_in_threads(fit)
    assert_allclose(a, b)
    assert adjusted_rand_score(y, a) == 1.0


def test_amg_without_pyamg_is_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyamg", None)
    with pytest.raises(ImportError, match="pip install pyamg"):
        SpectralClustering(2, eigen_solver="amg").fit(DATA["moons"][0])


def test_amg_matches_arpack():
    pytest.importorskip("pyamg", reason="eigen_solver='amg' needs pyamg")
    X, y = make_blobs(1500, n_features=3, centers=3, cluster_std=2.0, random_state=0)
    labels = [
        SpectralClustering(
            3, affinity="nearest_neighbors", eigen_solver=solver, random_state=0
        ).fit_predict(X)
        for solver in ("amg", "arpack")
    ]
    assert adjusted_rand_score(*labels) > 0.99


# ----------------------------------------------------------------- bad input
def test_nan_and_inf_are_refused():
    X = DATA["moons"][0].copy()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SpectralClustering(2).fit(X)
    X[3, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        SpectralClustering(2, affinity="nearest_neighbors").fit(X)


@pytest.mark.parametrize("affinity", ["precomputed", "precomputed_nearest_neighbors"])
def test_precomputed_must_be_square(affinity):
    with pytest.raises(ValueError, match="square"):
        SpectralClustering(2, affinity=affinity).fit(np.ones((5, 4)))


@pytest.mark.parametrize("sparse", [False, True])
def test_precomputed_must_be_symmetric_and_non_negative(sparse):
    W = rbf_kernel(DATA["blobs"][0])
    convert = sp.csr_matrix if sparse else np.asarray
    bad = W.copy()
    bad[0, 1] += 0.5
    with pytest.raises(ValueError, match="symmetric"):
        SpectralClustering(2, affinity="precomputed").fit(convert(bad))
    bad = W.copy()
    bad[0, 1] = bad[1, 0] = -0.5
    with pytest.raises(ValueError, match="non-negative"):
        SpectralClustering(2, affinity="precomputed").fit(convert(bad))


def test_kernel_with_negative_affinities_is_refused():
    X = DATA["blobs"][0] - DATA["blobs"][0].mean(axis=0)
    with pytest.raises(ValueError, match="non-negative"):
        SpectralClustering(2, affinity="linear").fit(X)


@pytest.mark.parametrize("param", ["n_clusters", "n_components"])
def test_more_clusters_than_samples(param):
    X = DATA["moons"][0][:5]
    params = {"n_clusters": 2, param: 6}
    with pytest.raises(ValueError, match=f"{param}=6 must be <= n_samples=5"):
        SpectralClustering(**params).fit(X)


def gaussian(x, y):
    """A callable affinity, evaluated by pairwise_kernels on pairs of rows."""
    return np.exp(-np.sum((x - y) ** 2))


@pytest.mark.parametrize("affinity", ["rbf", "laplacian", gaussian])
def test_dense_affinity_above_limit_is_refused(affinity, monkeypatch):
    from fastapml.cluster import spectral as estimator

    monkeypatch.setattr(estimator, "MAX_DENSE_AFFINITY_SAMPLES", 200)
    X = DATA["moons"][0]
    with pytest.raises(ValueError, match="nearest_neighbors"):
        SpectralClustering(2, affinity=affinity).fit(X)
    SpectralClustering(2, affinity=affinity).fit(X[:200])


def test_invalid_parameters_named():
    X = DATA["moons"][0]
    with pytest.raises(ValueError, match="eigen_solver"):
        SpectralClustering(2, eigen_solver="eigh").fit(X)
    with pytest.raises(ValueError, match="assign_labels"):
        SpectralClustering(2, assign_labels="agglomerative").fit(X)
    with pytest.raises(ValueError, match="n_clusters"):
        SpectralClustering(0).fit(X)


@parametrize_with_checks([SpectralClustering(n_clusters=2, random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)
