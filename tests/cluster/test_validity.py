"""Calinski-Harabasz and Davies-Bouldin against scikit-learn and the NumPy
twins."""

import numba
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics

from fastapml import reference
from fastapml.cluster import calinski_harabasz_score, davies_bouldin_score
from fastapml.metrics import calinski_harabasz_score as metrics_ch

INDICES = {
    "calinski_harabasz_score": calinski_harabasz_score,
    "davies_bouldin_score": davies_bouldin_score,
}


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(sorted(INDICES)),
    st.sampled_from([np.float32, np.float64]),
    st.integers(3, 60),
    st.integers(1, 6),
    st.integers(2, 8),
    st.integers(0, 2**16),
)
def test_random_data_match_sklearn_and_the_twin(name, dtype, n, d, k, seed):
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(n, d)) * rng.uniform(0.1, 10)).astype(dtype)
    labels = rng.integers(0, min(k, n - 1), n)
    if not 1 < np.unique(labels).size < n:
        labels[:2] = [0, 1]
        labels[2:] = np.minimum(labels[2:], n - 2)
    ours = INDICES[name](X, labels)
    theirs = getattr(metrics, name)(X, labels)
    twin = getattr(reference.cluster, name)(X, labels)
    # scikit-learn's euclidean distances come from |x|^2 + |y|^2 - 2 x.y (and
    # in float32 for float32 X): about 1e-8 relative off in float64 already
    tol = 1e-5 if dtype == np.float32 else 1e-7
    assert isinstance(ours, float)
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)
    np.testing.assert_allclose(ours, twin, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(INDICES))
def test_string_labels_and_the_metrics_module(name):
    X = np.random.default_rng(1).normal(size=(30, 3))
    labels = np.array(["b", "a", "c"] * 10)
    assert INDICES[name](X, labels) == pytest.approx(getattr(metrics, name)(X, labels))
    assert metrics_ch(X, labels) == calinski_harabasz_score(X, labels)


def test_degenerate_clusters_match_sklearn():
    """Every point on its centroid (no spread) and every centroid equal."""
    X = np.repeat([[0.0, 1.0], [3.0, 4.0]], 5, axis=0)
    labels = np.repeat([0, 1], 5)
    assert calinski_harabasz_score(X, labels) == metrics.calinski_harabasz_score(
        X, labels
    )
    assert davies_bouldin_score(X, labels) == metrics.davies_bouldin_score(X, labels)
    same = np.zeros((6, 2))
    assert calinski_harabasz_score(same, [0, 1] * 3) == 1.0
    assert davies_bouldin_score(same, [0, 1] * 3) == 0.0


def test_result_does_not_depend_on_threads(run_in_threads):
    X = np.random.default_rng(2).normal(size=(5000, 4))
    labels = np.random.default_rng(3).integers(0, 9, 5000)
    both = [f(X, labels) for f in INDICES.values()]
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = [f(X, labels) for f in INDICES.values()]
    finally:
        numba.set_num_threads(old)
    assert one == both
    # worker threads run the serial twin, with the same result
    for out in run_in_threads(lambda: [f(X, labels) for f in INDICES.values()]):
        assert out == both


@pytest.mark.parametrize("name", sorted(INDICES))
@pytest.mark.parametrize(
    "X, labels, error, match",
    [
        (np.ones((4, 2)), [0, 0, 0, 0], ValueError, "Number of labels is 1"),
        (np.ones((3, 2)), [0, 1, 2], ValueError, "Number of labels is 3"),
        (np.ones((4, 2)), [0, 1], ValueError, "inconsistent numbers of samples"),
        (np.array([[np.nan, 1.0]] * 4), [0, 1, 0, 1], ValueError, "NaN"),
        (sp.csr_matrix(np.ones((4, 2))), [0, 1, 0, 1], TypeError, "Sparse data"),
    ],
)
def test_bad_input_is_named(name, X, labels, error, match):
    with pytest.raises(error, match=match):
        INDICES[name](X, labels)
