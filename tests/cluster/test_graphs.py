"""connected_components against the Laplacian's spectrum, the ε graph, and
spectral_clustering against scikit-learn's function."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import cluster as skc
from sklearn.datasets import make_blobs

from fastapml.cluster import (
    SpectralClustering,
    connected_components,
    epsilon_graph,
    laplacian,
    spectral_clustering,
)


def _blocks(sizes, seed=0):
    """A block-diagonal affinity: one dense random block per size."""
    rng = np.random.default_rng(seed)
    blocks = []
    for n in sizes:
        b = rng.uniform(0.1, 1.0, (n, n))
        blocks.append((b + b.T) / 2)
    return sp.block_diag(blocks).toarray()


@pytest.mark.parametrize("sizes", [(5,), (3, 4), (1, 6, 2), (2, 2, 2, 2)])
@pytest.mark.parametrize("sparse", [False, True])
def test_components_are_the_zero_eigenvalues_of_the_laplacian(sizes, sparse):
    W = _blocks(sizes)
    order = np.random.default_rng(1).permutation(W.shape[0])
    W = W[np.ix_(order, order)]
    n, labels = connected_components(sp.csr_matrix(W) if sparse else W)
    eigenvalues = np.linalg.eigvalsh(laplacian(W))
    assert n == len(sizes) == int(np.sum(np.abs(eigenvalues) < 1e-10))
    # each component's indicator is in the null space of L = D - W
    for c in range(n):
        indicator = (labels == c).astype(float)
        np.testing.assert_allclose(laplacian(W) @ indicator, 0, atol=1e-12)
    assert labels[0] == 0 and sorted(np.unique(labels)) == list(range(n))


def test_epsilon_graph_is_strict_and_symmetric():
    X = np.random.default_rng(2).normal(size=(40, 3))
    eps = 1.2
    W = epsilon_graph(X, eps)
    D = np.linalg.norm(X[:, None] - X[None], axis=2)
    want = (D < eps) & ~np.eye(40, dtype=bool)
    np.testing.assert_array_equal(W.toarray() != 0, want)
    assert (W != W.T).nnz == 0 and W.diagonal().sum() == 0
    distances = epsilon_graph(X, eps, mode="distance").toarray()
    np.testing.assert_allclose(distances[want], D[want])
    on_the_edge = np.array([[0.0], [1.0]])
    assert epsilon_graph(on_the_edge, 1.0).nnz == 0  # distance == eps: no edge


def test_epsilon_graph_feeds_spectral_clustering():
    X, y = make_blobs(200, centers=[[0, 0], [10, 10]], cluster_std=1.0, random_state=0)
    W = epsilon_graph(X, 3.0)
    n, _ = connected_components(W)
    labels = SpectralClustering(2, affinity="precomputed", random_state=0).fit(W)
    assert n == 2
    assert len(set(zip(labels.labels_, y))) == 2


@pytest.mark.parametrize("assign_labels", ["kmeans", "discretize", "cluster_qr"])
def test_spectral_clustering_function_matches_sklearn(assign_labels):
    X, _ = make_blobs(120, centers=3, random_state=3)
    W = np.exp(-((X[:, None] - X[None]) ** 2).sum(axis=2) / 10)
    ours = spectral_clustering(
        W, n_clusters=3, random_state=0, assign_labels=assign_labels
    )
    theirs = skc.spectral_clustering(
        W, n_clusters=3, random_state=0, assign_labels=assign_labels
    )
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: connected_components(np.ones((2, 3))), ValueError, "square"),
        (lambda: connected_components([[0, -1], [-1, 0]]), ValueError, "non-negative"),
        (lambda: epsilon_graph(np.ones((3, 2)), 0), ValueError, "eps must be > 0"),
        (lambda: epsilon_graph(np.ones((3, 2)), 1, mode="x"), ValueError, "mode"),
    ],
)
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
