"""laplacian: parity with scipy.sparse.csgraph.laplacian and the dense
reference, the textbook facts (von Luxburg 2007: symmetric PSD, the quadratic form, zero
eigenvalues count components), dtypes, sparse stays sparse, bad input."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.sparse.csgraph import connected_components
from scipy.sparse.csgraph import laplacian as scipy_laplacian

from fastapml.cluster.laplacian import KINDS, laplacian
from fastapml.reference import spectral as ref

DTYPES = (np.float32, np.float64)
TOL = {np.float32: 1e-5, np.float64: 1e-12}


@st.composite
def graphs(draw, max_n=12):
    """A symmetric non-negative W with random sparsity (some isolated nodes
    and several components are likely), a dtype, and a dense/sparse flag."""
    n = draw(st.integers(1, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    density = draw(st.sampled_from([0.0, 0.15, 0.4, 1.0]))
    rng = np.random.default_rng(seed)
    W = rng.uniform(0.1, 3.0, size=(n, n)) * (rng.random((n, n)) < density)
    W = np.triu(W) + np.triu(W, 1).T  # symmetric, diagonal kept
    dtype = draw(st.sampled_from(DTYPES))
    return W.astype(dtype), draw(st.booleans())


def as_input(W, sparse):
    return sp.csr_matrix(W) if sparse else W


def dense(L):
    return L.toarray() if sp.issparse(L) else L


@settings(max_examples=60, deadline=None)
@given(graphs(), st.sampled_from(KINDS))
def test_matches_reference_and_scipy(case, kind):
    W, sparse = case
    L, diag = laplacian(as_input(W, sparse), kind, return_diag=True)
    assert sp.issparse(L) == sparse
    assert L.dtype == W.dtype
    tol = TOL[W.dtype.type] * max(1.0, W.sum())
    assert_allclose(dense(L), ref.laplacian(W, kind), atol=tol)
    unnormalized, degree = scipy_laplacian(W.astype(np.float64), return_diag=True)
    if kind == "rw":
        expected = np.where(degree > 0, 1 / np.where(degree > 0, degree, 1), 0)
        assert_allclose(dense(L), expected[:, None] * unnormalized, atol=tol)
        assert_allclose(diag, np.where(degree > 0, degree, 1), rtol=1e-6)
    else:
        theirs, their_diag = scipy_laplacian(
            W.astype(np.float64), normed=kind == "sym", return_diag=True
        )
        assert_allclose(dense(L), theirs, atol=tol)
        assert_allclose(diag, their_diag, rtol=1e-6)


@settings(max_examples=60, deadline=None)
@given(graphs(), st.integers(0, 2**32 - 1))
def test_quadratic_form_symmetric_psd(case, seed):
    """xᵀLx = ½ Σ W_ij (x_i − x_j)², L = Lᵀ, and every eigenvalue >= 0."""
    W, sparse = case
    L = dense(laplacian(as_input(W, sparse))).astype(np.float64)
    x = np.random.default_rng(seed).normal(size=len(W))
    W64 = W.astype(np.float64)
    expected = 0.5 * np.sum(W64 * (x[:, None] - x[None, :]) ** 2)
    assert_allclose(x @ L @ x, expected, rtol=1e-5, atol=1e-9)
    assert_allclose(L, L.T, atol=0)
    for kind in ("unnormalized", "sym"):
        values = np.linalg.eigvalsh(
            dense(laplacian(as_input(W, sparse), kind)).astype(np.float64)
        )
        assert values.min() >= -1e-5 * max(1.0, values.max())


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_zero_eigenvalues_count_components(case):
    W, sparse = case
    n_components = connected_components(sp.csr_matrix(W), directed=False)[0]
    for kind in KINDS:
        L = dense(laplacian(as_input(W, sparse), kind)).astype(np.float64)
        values = np.linalg.eigvals(L).real
        scale = max(1.0, np.abs(values).max())
        assert np.sum(np.abs(values) < 1e-6 * scale) == n_components, kind


def test_known_answer_and_self_loops_ignored():
    W = np.array([[5.0, 1, 0], [1, 0, 2], [0, 2, 0]])  # W[0, 0]: self-loop
    assert_allclose(laplacian(W), [[1, -1, 0], [-1, 3, -2], [0, -2, 2]])
    s = 1 / np.sqrt([1, 3, 2])
    expected = np.eye(3) - np.array([[0, 1, 0], [1, 0, 2], [0, 2, 0]]) * np.outer(s, s)
    assert_allclose(laplacian(W, "sym"), expected, atol=1e-15)
    assert_allclose(laplacian(W, "rw").sum(axis=1), 0, atol=1e-15)


def test_isolated_node_gets_zero_row_like_scipy():
    W = np.zeros((3, 3))
    W[0, 1] = W[1, 0] = 2.0
    for kind in KINDS:
        L, diag = laplacian(W, kind, return_diag=True)
        assert_allclose(L[2], 0)
        assert_allclose(L[:, 2], 0)
        assert diag[2] == (0 if kind == "unnormalized" else 1)


@pytest.mark.parametrize(
    "fmt", ["csr_matrix", "csc_matrix", "coo_matrix", "csr_array", "coo_array"]
)
def test_sparse_formats_give_csr_of_same_flavour(fmt):
    W = np.kron(np.eye(3), np.ones((2, 2)))
    L = laplacian(getattr(sp, fmt)(W), "sym")
    assert L.format == "csr"
    assert isinstance(L, sp.sparray) == fmt.endswith("array")
    assert_allclose(L.toarray(), ref.laplacian(W, "sym"), atol=1e-15)


def test_integer_and_bool_input_become_float64():
    W = np.array([[0, 1], [1, 0]], dtype=np.int32)
    assert laplacian(W).dtype == np.float64
    assert laplacian(W.astype(bool), "sym").dtype == np.float64


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize(
    "W, error, match",
    [
        (np.ones((2, 3)), ValueError, "square"),
        (np.ones(3), ValueError, "square"),
        (np.zeros((0, 0)), ValueError, "empty"),
        (np.array([[0, 1], [2, 0.0]]), ValueError, "symmetric"),
        (np.array([[0, -1], [-1, 0.0]]), ValueError, "non-negative"),
        (np.array([[0, np.nan], [np.nan, 0]]), ValueError, "NaN"),
        (np.array([[0, np.inf], [np.inf, 0]]), ValueError, "infinity"),
        (np.array([[0, 1j], [1j, 0]]), TypeError, "real"),
    ],
)
def test_bad_input(W, error, match, sparse):
    if sparse and W.ndim == 2 and W.dtype != complex:
        W = sp.csr_matrix(W)
    with pytest.raises(error, match=match):
        laplacian(W)


def test_bad_arguments():
    with pytest.raises(TypeError, match="numeric"):
        laplacian(np.array([["a", "b"], ["b", "a"]]))
    with pytest.raises(ValueError, match="kind"):
        laplacian(np.eye(2), "normalized")
    with pytest.raises(TypeError, match="return_diag"):
        laplacian(np.eye(2), return_diag="yes")


def test_symmetry_tolerance_follows_dtype():
    W = np.array([[0, 1], [1 + 1e-7, 0]])
    laplacian(W.astype(np.float32))  # within float32's
    with pytest.raises(ValueError, match="symmetric"):
        laplacian(W)  # not float64's
