"""The unnormalized Laplacian L = D - W: its embedding against scikit-learn's
spectral_embedding(norm_laplacian=False) and the dense twin, the public
spectral_embedding, and SpectralClustering(laplacian="unnormalized")."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_blobs, make_moons
from sklearn.manifold import spectral_embedding as peer_embedding
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.neighbors import kneighbors_graph

from fastapml.cluster import SpectralClustering, laplacian, spectral_embedding
from fastapml.reference import spectral as ref


def _graphs():
    X, _ = make_moons(150, noise=0.05, random_state=0)
    knn = kneighbors_graph(X, 8, include_self=False)
    return {
        "rbf": rbf_kernel(X, gamma=5),
        "knn sparse": sp.csr_matrix(0.5 * (knn + knn.T)),
    }


@pytest.mark.parametrize("graph", sorted(_graphs()))
@pytest.mark.parametrize("norm_laplacian", [True, False])
@pytest.mark.parametrize("drop_first", [True, False])
def test_spectral_embedding_matches_sklearn(graph, norm_laplacian, drop_first):
    W = _graphs()[graph]
    kwargs = dict(
        n_components=4,
        norm_laplacian=norm_laplacian,
        drop_first=drop_first,
        random_state=0,
    )
    ours = spectral_embedding(W, **kwargs)
    theirs = peer_embedding(W, **kwargs)
    assert ours.shape == theirs.shape == (150, 4)
    np.testing.assert_allclose(ours, theirs, atol=1e-7)


@pytest.mark.parametrize("solver", ["arpack", "lobpcg"])
def test_unnormalized_embedding_is_the_smallest_eigenvectors_of_l(solver):
    W = _graphs()["rbf"]
    maps = spectral_embedding(
        W,
        n_components=5,
        norm_laplacian=False,
        drop_first=False,
        eigen_solver=solver,
        random_state=0,
    )
    values, want = ref.unnormalized_embedding(W, 5)
    np.testing.assert_allclose(maps, want, atol=1e-6)
    # the eigen-equation L u = lambda u
    L = laplacian(W)
    np.testing.assert_allclose(L @ maps, maps * values, atol=1e-6)


@pytest.mark.parametrize("solver", ["arpack", "lobpcg"])
def test_large_graphs_take_the_iterative_path(monkeypatch, solver):
    """Above the dense limit, Lanczos on I - L / c with the null space
    deflated gives the twin's vectors too."""
    from fastapml.cluster import embedding

    monkeypatch.setattr(embedding, "DENSE_EIGH_SAMPLES", 50)
    W = _graphs()["knn sparse"]
    maps = spectral_embedding(
        W,
        n_components=4,
        norm_laplacian=False,
        drop_first=False,
        eigen_solver=solver,
        random_state=0,
    )
    _, want = ref.unnormalized_embedding(W.toarray(), 4)
    # LOBPCG stops at its own default tolerance, looser than ARPACK's 0
    np.testing.assert_allclose(maps, want, atol=1e-6 if solver == "arpack" else 1e-4)


def test_components_span_the_null_space():
    """Two blobs far apart: L's null space is spanned by their indicators,
    the first two columns, largest component first."""
    X, y = make_blobs([60, 40], centers=[[0, 0], [50, 50]], random_state=0)
    W = kneighbors_graph(X, 6, include_self=False)
    W = 0.5 * (W + W.T)
    with pytest.warns(UserWarning, match="not fully connected"):
        peer_embedding(W, n_components=2, norm_laplacian=False, drop_first=False)
    maps = spectral_embedding(W, n_components=3, norm_laplacian=False, drop_first=False)
    np.testing.assert_allclose(maps[:, 0], np.where(y == 0, 1 / np.sqrt(60), 0))
    np.testing.assert_allclose(maps[:, 1], np.where(y == 1, 1 / np.sqrt(40), 0))
    np.testing.assert_allclose(laplacian(W) @ maps[:, :2], 0, atol=1e-12)


def test_spectral_clustering_with_the_unnormalized_laplacian():
    X, y = make_moons(300, noise=0.05, random_state=0)
    sc = SpectralClustering(
        2, affinity="nearest_neighbors", random_state=0, laplacian="unnormalized"
    ).fit(X)
    assert adjusted_rand_score(y, sc.labels_) == 1.0
    assert sc.get_params()["laplacian"] == "unnormalized"
    with pytest.raises(ValueError, match="laplacian"):
        SpectralClustering(laplacian="sym").fit(X)
