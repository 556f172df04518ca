"""Silhouette: the kernel against the NumPy reference and scikit-learn."""

import dask.array as da
import numba
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from fastapml import metrics as fast_metrics
from fastapml import reference
from fastapml.cluster import (
    _silhouette_sums,
    silhouette_samples,
    silhouette_score,
    simplified_silhouette,
)

METRICS = (
    "euclidean",
    "sqeuclidean",
    "manhattan",
    "cityblock",
    "l1",
    "l2",
    "chebyshev",
    "cosine",
)
TOL = {np.float64: 1e-9, np.float32: 2e-5}


def blobs(rng, n, d, k, spread=1.0):
    labels = rng.integers(k, size=n)
    centers = rng.normal(scale=4, size=(k, d))
    return centers[labels] + spread * rng.normal(size=(n, d)), labels


@st.composite
def labelled_data(draw):
    """Data and labels with 2 <= n_labels <= n - 1, label values of any kind."""
    n = draw(st.integers(3, 150))
    d = draw(st.integers(1, 7))
    k = draw(st.integers(2, min(n - 1, 12)))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    X, codes = blobs(rng, n, d, k, spread=draw(st.floats(0.1, 5.0)))
    codes[:k] = np.arange(k)  # every cluster present
    codes = codes[rng.permutation(n)]
    style = draw(st.sampled_from(["ints", "gaps", "strings"]))
    labels = {
        "ints": codes,
        "gaps": codes * 7 - 3,
        "strings": np.array([f"c{c}" for c in codes]),
    }[style]
    return X, labels


@settings(max_examples=40, deadline=None)
@given(
    data=labelled_data(),
    metric=st.sampled_from(METRICS),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_matches_reference_and_sklearn(data, metric, dtype):
    X, labels = data
    X = X.astype(dtype)
    got = silhouette_samples(X, labels, metric=metric)
    want = reference.cluster.silhouette_samples(X, labels, metric=metric)
    # float32 cosine: 1 - cos of nearly parallel unit vectors cancels
    tol = 1e-4 if (dtype == np.float32 and metric == "cosine") else TOL[dtype]
    np.testing.assert_allclose(got, want, atol=tol, rtol=0)
    sk = skm.silhouette_samples(X, labels, metric=metric)
    np.testing.assert_allclose(got, sk, atol=tol, rtol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_precomputed_matches_sklearn(dtype):
    rng = np.random.default_rng(0)
    X, labels = blobs(rng, 300, 4, 5)
    D = skm.pairwise_distances(X).astype(dtype)
    got = silhouette_samples(D, labels, metric="precomputed")
    np.testing.assert_allclose(
        got,
        skm.silhouette_samples(D, labels, metric="precomputed"),
        atol=TOL[dtype],
        rtol=0,
    )


def test_edges_one_huge_cluster_and_singletons():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    labels = np.r_[np.zeros(50, int), np.arange(1, 11)]  # 10 singletons
    got = silhouette_samples(X, labels)
    assert np.all(got[50:] == 0)
    np.testing.assert_allclose(got, skm.silhouette_samples(X, labels), atol=1e-12)


def test_identical_points_and_zero_vectors():
    X = np.zeros((6, 2))
    X[3:] = 1.0
    labels = [0, 0, 0, 1, 1, 1]
    np.testing.assert_allclose(silhouette_samples(X, labels), 1.0)
    # cosine of zero vectors: distance 1 to everything, as scikit-learn
    Z = np.r_[np.zeros((2, 3)), np.eye(3), [[1.0, 1.0, 0.0]]]
    lab = [0, 0, 1, 1, 2, 2]
    np.testing.assert_allclose(
        silhouette_samples(Z, lab, metric="cosine"),
        skm.silhouette_samples(Z, lab, metric="cosine"),
        atol=1e-12,
    )


@pytest.mark.parametrize("n", [4 * 13 + 3, 1000])
def test_many_groups_and_tiles(n):
    """Rows in groups of four with a partial last group, clusters spanning
    several column tiles, more groups than parallel tasks."""
    rng = np.random.default_rng(n)
    X, labels = blobs(rng, n, 5, 3)
    np.testing.assert_allclose(
        silhouette_samples(X, labels), skm.silhouette_samples(X, labels), atol=1e-12
    )


def test_score_with_sample_size_uses_sklearns_subset():
    rng = np.random.default_rng(2)
    X, labels = blobs(rng, 500, 3, 4)
    for metric in ("euclidean", "manhattan"):
        got = silhouette_score(
            X, labels, metric=metric, sample_size=200, random_state=7
        )
        want = skm.silhouette_score(
            X, labels, metric=metric, sample_size=200, random_state=7
        )
        assert abs(got - want) < 1e-12
    D = skm.pairwise_distances(X)
    assert (
        abs(
            silhouette_score(
                D, labels, metric="precomputed", sample_size=100, random_state=3
            )
            - skm.silhouette_score(
                D, labels, metric="precomputed", sample_size=100, random_state=3
            )
        )
        < 1e-12
    )


@pytest.mark.parametrize("dtype", [">f8", ">f4", "float16", "int64", "<f4"])
def test_precomputed_distances_of_any_numeric_type(dtype):
    rng = np.random.default_rng(1)
    X, labels = blobs(rng, 60, 2, 3)
    D = (skm.pairwise_distances(X) * (100 if dtype == "int64" else 1)).astype(dtype)
    want = skm.silhouette_samples(D, labels, metric="precomputed")
    got = silhouette_samples(D, labels, metric="precomputed")
    np.testing.assert_allclose(got, want, atol=1e-5 if "4" in dtype else 1e-12)


@pytest.mark.parametrize(
    "sample_size, error", [(-5, ValueError), (0, ValueError), (2.5, TypeError)]
)
def test_bad_sample_size_is_refused_as_sklearn_does(sample_size, error):
    X, labels = blobs(np.random.default_rng(0), 40, 2, 2)
    with pytest.raises(error, match="sample_size"):
        silhouette_score(X, labels, sample_size=sample_size)
    with pytest.raises(error):
        skm.silhouette_score(X, labels, sample_size=sample_size)
    with pytest.raises(error, match="sample_size"):
        silhouette_score(da.from_array(X, chunks=10), labels, sample_size=sample_size)


def test_other_metrics_and_sparse_are_delegated():
    import scipy.sparse as sp

    rng = np.random.default_rng(3)
    X, labels = blobs(rng, 80, 3, 3)
    np.testing.assert_allclose(
        silhouette_samples(X, labels, metric="minkowski", p=3),
        skm.silhouette_samples(X, labels, metric="minkowski", p=3),
    )
    np.testing.assert_allclose(
        silhouette_samples(sp.csr_matrix(X), labels),
        skm.silhouette_samples(sp.csr_matrix(X), labels),
        atol=1e-12,
    )


def test_metrics_module_reexports():
    assert fast_metrics.silhouette_score is silhouette_score
    assert fast_metrics.silhouette_samples is silhouette_samples


def test_thread_count_and_worker_threads_do_not_change_results(run_in_threads):
    rng = np.random.default_rng(4)
    X, labels = blobs(rng, 700, 6, 5)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = silhouette_samples(X, labels)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(silhouette_samples(X, labels), one)
    for result in run_in_threads(lambda: silhouette_samples(X, labels)):
        np.testing.assert_array_equal(result, one)
    assert _silhouette_sums._TASKS >= 2  # the column sums are split


def test_simplified_silhouette_is_close_on_separated_clusters():
    rng = np.random.default_rng(5)
    X, labels = blobs(rng, 600, 4, 4, spread=0.3)
    approx = simplified_silhouette(X, labels)
    assert approx.shape == (600,)
    assert abs(approx.mean() - silhouette_score(X, labels)) < 0.1
    labels[0] = 9  # a singleton scores 0
    assert simplified_silhouette(X, labels)[0] == 0


@pytest.mark.parametrize(
    "X, labels, match",
    [
        (np.zeros((5, 2)), [0] * 5, "Number of labels is 1"),
        (np.zeros((5, 2)), [0, 1, 2, 3, 4], "Number of labels is 5"),
        (np.array([[0.0], [np.nan], [1.0]]), [0, 1, 1], "NaN"),
        (np.array([[0.0], [np.inf], [1.0]]), [0, 1, 1], "infinity"),
        (np.zeros((4, 2)), [0, 1, 1], "inconsistent numbers of samples"),
    ],
)
def test_bad_input(X, labels, match):
    with pytest.raises(ValueError, match=match):
        silhouette_samples(X, labels)


@pytest.mark.parametrize(
    "D, match",
    [
        (np.ones((4, 4)), "non-zero elements on the diagonal"),
        (np.zeros((4, 3)), "square"),
        (
            np.array([[0, 1, 2, 3], [2, 0, 1, 1], [2, 1, 0, 1], [3, 1, 1, 0.0]]),
            "symmetric",
        ),
        (-np.ones((4, 4)) + np.eye(4), "negative"),
    ],
)
def test_bad_precomputed(D, match):
    with pytest.raises(ValueError, match=match):
        silhouette_samples(D, [0, 0, 1, 1], metric="precomputed")


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix, sp.lil_matrix])
def test_sparse_precomputed_silhouette_sums_in_float64(container):
    """float32 sparse distances give the dense answer to float64 rounding
    (scikit-learn's own test of sparse precomputed distances)."""
    from sklearn.metrics import pairwise_distances

    from fastapml.cluster import silhouette_samples

    X = np.array([[0.2, 0.1, 0.1, 0.2, 0.1, 1.6, 0.2, 0.1]], dtype=np.float32).T
    y = [0, 0, 0, 0, 1, 1, 1, 1]
    dense = pairwise_distances(X)
    sparse = silhouette_samples(container(dense), y, metric="precomputed")
    np.testing.assert_allclose(
        sparse, silhouette_samples(dense, y, metric="precomputed"), rtol=1e-12
    )
    assert sparse.dtype == np.float64
