"""Near-isolated nodes in spectral clustering (issue 19).

An rbf affinity with a large gamma leaves outliers whose every affinity is
below 1e-8.  scipy's ``connected_components`` drops such entries of a dense
matrix, so such a node counted as a component of its own and embedded at
1 / √d_i (3.3e10 at degree 9e-22): k-means then split it off from all the
rest.  Now the components are those of the exact non-zero pattern, the rows
of near-isolated nodes come from the Nyström extension (finite and bounded
however small the degree, where scikit-learn's own embedding turns into
rounding noise), and a warning names how many nodes are (near-)isolated.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import SpectralClustering as PeerSC
from sklearn.datasets import make_blobs
from sklearn.manifold import spectral_embedding as peer_embedding
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.pairwise import rbf_kernel

from fastapml.cluster import embedding as spectral
from fastapml.cluster.embedding import embedding as spectral_embedding
from fastapml.cluster.laplacian import check_affinity
from fastapml.cluster.spectral import SpectralClustering
from fastapml.reference import spectral as ref

NEAR = "near-disconnected"
GAMMA = 2.0


def with_outlier(distance):
    """150 blobs in 3 clusters and one more point ``distance`` to the right of
    the rightmost, its affinity to it exp(-GAMMA · distance²)."""
    X, y = make_blobs(150, centers=3, random_state=0)
    right = np.argmax(X[:, 0])
    X = np.vstack([X, X[right] + [distance, 0.0]])
    return X, np.r_[y, y[right]], right


def embed(W, k=3, **kwargs):
    """``spectral_embedding`` of W, its near-disconnection warning expected."""
    with pytest.warns(UserWarning, match=NEAR):
        return spectral_embedding(
            check_affinity(W), k, random_state=np.random.RandomState(0), **kwargs
        )


def rotation_residual(ours, theirs):
    """max |ours R − theirs| for the best R: the same embedding up to a sign
    or rotation of the columns has a residual at rounding level."""
    R = np.linalg.lstsq(ours, theirs, rcond=None)[0]
    return np.abs(ours @ R - theirs).max()


def test_issue_19_blobs_match_sklearn():
    """The reported case: a node of degree 9.3e-22 went to 3.3e10 in the
    embedding, and k-means returned clusters of 599 and 1 (ARI 0.0;
    scikit-learn 0.70)."""
    X, y = make_blobs(600, centers=4, random_state=1)
    W = rbf_kernel(X, gamma=10)
    with pytest.warns(UserWarning, match="1 of its 600 nodes is"):
        ours = SpectralClustering(4, gamma=10, random_state=0).fit(X)
    theirs = PeerSC(4, gamma=10, random_state=0).fit(X)
    ari_ours = adjusted_rand_score(y, ours.labels_)
    ari_theirs = adjusted_rand_score(y, theirs.labels_)
    assert ari_ours > 0.6 and abs(ari_ours - ari_theirs) < 0.02, (ari_ours, ari_theirs)
    assert np.bincount(ours.labels_).min() >= np.bincount(theirs.labels_).min()
    maps = embed(W, 4)
    assert np.isfinite(maps).all() and np.abs(maps).max() < 1
    expected = peer_embedding(W, n_components=4, drop_first=False, random_state=0)
    # the eigensolvers agree to about 1e-6 here, and the rounding depends on
    # the BLAS thread count (7e-7 with 2 threads, 5.9e-6 with 1, measured)
    assert rotation_residual(maps, expected) < 1e-5


@pytest.mark.parametrize("distance", [5.0, 8.0, 12.0])
def test_outlier_embeds_with_its_neighbours(distance):
    """Degree 2e-22, 3e-56, 8e-126: the outlier's row is the Nyström
    extension, next to its nearest neighbour's, and the labels are those of
    the blobs alone, with the outlier in its neighbour's cluster."""
    X, _, right = with_outlier(distance)
    W = rbf_kernel(X, gamma=GAMMA)
    maps = embed(W)
    assert np.isfinite(maps).all()
    assert np.abs(maps[-1]).max() <= np.abs(maps[:-1]).max()
    assert_allclose(maps[-1], maps[right], atol=2e-3)
    with pytest.warns(UserWarning, match="1 of its 151 nodes is"):
        labels = SpectralClustering(3, gamma=GAMMA, random_state=0).fit_predict(X)
    assert labels[-1] == labels[right] and np.bincount(labels).min() > 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alone = SpectralClustering(3, gamma=GAMMA, random_state=0).fit_predict(X[:-1])
    assert adjusted_rand_score(alone, labels[:-1]) == 1.0


def test_outlier_matches_sklearn_where_sklearn_is_accurate():
    """Degree 2e-22: scikit-learn's u_i = x_i / √d_i is still accurate to
    about 1e-6, and both embeddings and labellings agree."""
    X, y, _ = with_outlier(5.0)
    W = rbf_kernel(X, gamma=GAMMA)
    expected = peer_embedding(W, n_components=3, drop_first=False, random_state=0)
    assert rotation_residual(embed(W), expected) < 1e-5
    with pytest.warns(UserWarning, match=NEAR):
        ours = SpectralClustering(3, gamma=GAMMA, random_state=0).fit_predict(X)
    theirs = PeerSC(3, gamma=GAMMA, random_state=0).fit_predict(X)
    assert adjusted_rand_score(ours, theirs) == 1.0


@pytest.mark.parametrize("form", ["sparse", "arpack", "lobpcg"])
def test_sparse_and_iterative_paths_agree(form, monkeypatch):
    """The extension reads a sparse affinity alike, and takes the
    eigenvalues of ARPACK and LOBPCG as it takes those of ``eigh``."""
    W = rbf_kernel(with_outlier(8.0)[0], gamma=GAMMA)
    expected = embed(W)
    if form == "sparse":
        maps = embed(sp.csr_matrix(W))
    else:
        monkeypatch.setattr(spectral, "DENSE_EIGH_SAMPLES", 50)
        tol = "auto" if form == "arpack" else 1e-10
        maps = embed(W, eigen_solver=form, eigen_tol=tol)
    assert rotation_residual(maps, expected) < 1e-6


def test_reference_extends_alike():
    """The plain-NumPy twin places the outlier as the kernel does."""
    assert ref.NEAR_ISOLATED_RTOL == spectral.NEAR_ISOLATED_RTOL
    W = rbf_kernel(with_outlier(12.0)[0], gamma=GAMMA)
    _, expected = ref.spectral_embedding(W, 3)
    assert np.isfinite(expected).all()
    assert rotation_residual(embed(W), expected) < 1e-8


def test_components_are_those_of_every_nonzero_affinity():
    """An affinity of 1e-300 joins two nodes, dense or sparse; an explicit
    sparse zero does not."""
    W = np.zeros((5, 5))
    W[0, 1] = W[1, 0] = 1.0
    W[1, 2] = W[2, 1] = 1e-300
    W[3, 4] = W[4, 3] = 2.0
    assert connected_components(W, directed=False)[0] == 3  # scipy drops 1e-300
    for graph in (W, sp.csr_matrix(W)):
        n, labels = spectral._connected_components(graph)
        assert n == 2
        assert_array_equal(labels, [0, 0, 0, 1, 1])
    row, col = np.nonzero(W)
    S = sp.csr_matrix(  # 2-3 stored, but no edge
        (np.r_[W[row, col], 0.0, 0.0], (np.r_[row, 2, 3], np.r_[col, 3, 2])),
        shape=W.shape,
    )
    assert S.nnz == 8 and spectral._connected_components(S)[0] == 2


def test_random_graphs_components_match_scipy_sparse():
    rng = np.random.default_rng(0)
    for density in (0.0, 0.02, 0.1, 0.5):
        W = rng.random((60, 60)) * (rng.random((60, 60)) < density) * 1e-12
        W = W + W.T
        n, labels = spectral._connected_components(W)
        n_expected, expected = connected_components(sp.csr_matrix(W), directed=False)
        assert n == n_expected
        assert_array_equal(labels, expected)


def test_isolated_node_is_counted_and_ordinary_graphs_do_not_warn():
    X, _, _ = with_outlier(0.0)
    W = rbf_kernel(X[:-1], gamma=GAMMA)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spectral_embedding(check_affinity(W), 3, random_state=0)
    W = np.pad(W, (0, 2))
    with pytest.warns(UserWarning, match="2 of its 152 nodes are isolated"):
        maps = spectral_embedding(check_affinity(W), 3, random_state=0)
    assert_allclose(maps[-2:], 0)
