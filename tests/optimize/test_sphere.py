"""min/max of ||Ax||^2 on the unit sphere against eigh(A^T A)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastapml.optimize import max_on_sphere, min_on_sphere


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    m=st.integers(1, 7),
    n=st.integers(1, 7),
    rank=st.integers(1, 7),
    dtype=st.sampled_from((np.float32, np.float64)),
)
def test_matches_eigh_of_gram_matrix(seed, m, n, rank, dtype):
    """Tall, wide and rank-deficient A (rank < min(m, n) when drawn so)."""
    rng = np.random.default_rng(seed)
    rank = min(rank, m, n)
    A = (rng.normal(size=(m, rank)) @ rng.normal(size=(rank, n))).astype(dtype)
    A64 = A.astype(np.float64)
    w, V = np.linalg.eigh(A64.T @ A64)  # ascending
    tol = 1e3 * np.finfo(dtype).eps * w[-1]
    for solve, pick in ((min_on_sphere, 0), (max_on_sphere, -1)):
        x, value = solve(A)
        assert x.dtype == dtype and x.shape == (n,)
        assert abs(value - max(w[pick], 0.0)) <= tol
        np.testing.assert_allclose(
            np.linalg.norm(x.astype(np.float64)), 1, atol=1e2 * np.finfo(dtype).eps
        )
        assert abs(np.sum((A64 @ x) ** 2) - value) <= tol
        others = np.delete(w, pick)
        gap = np.min(np.abs(others - w[pick])) if others.size else np.inf
        if gap > 1e-2 * w[-1]:  # the vector is unique
            assert abs(abs(x @ V[:, pick]) - 1) <= 1e2 * tol / gap


def test_small_singular_value_survives():
    """s_min = 1e-9: the SVD keeps it, A^T A rounds it away (s_min^2 < eps)."""
    rng = np.random.default_rng(0)
    U = np.linalg.qr(rng.normal(size=(5, 2)))[0]
    V = np.linalg.qr(rng.normal(size=(2, 2)))[0]
    A = U @ np.diag([1.0, 1e-9]) @ V.T
    x, value = min_on_sphere(A)
    assert value == pytest.approx(1e-18, rel=1e-5)
    assert abs(x @ V[:, 1]) == pytest.approx(1, abs=1e-9)
    gram = np.linalg.eigvalsh(A.T @ A)[0]  # off by about eps |A|^2
    assert abs(gram - 1e-18) > 1e-18


def test_wide_matrix_has_zero_minimum():
    A = np.array([[1.0, 2.0, 3.0]])
    x, value = min_on_sphere(A)
    assert value == 0.0
    assert abs(A @ x)[0] < 1e-15
    x, value = max_on_sphere(A)
    assert value == pytest.approx(14.0)
    np.testing.assert_allclose(x, A[0] / np.sqrt(14))


def test_bad_input():
    with pytest.raises(ValueError, match="A must be 2-D"):
        min_on_sphere(np.ones(3))
    with pytest.raises(ValueError, match="A must not be empty"):
        max_on_sphere(np.ones((0, 3)))
    with pytest.raises(ValueError, match="A contains \\+inf"):
        min_on_sphere([[np.inf, 1.0]])
    with pytest.raises(TypeError, match="A must be a numeric array"):
        max_on_sphere([["a"]])


@pytest.mark.parametrize("huge", [1e300, -1e300])
def test_max_on_sphere_refuses_overflowing_entries(huge):
    A = np.eye(3)
    A[0, 0] = huge
    with pytest.raises(ValueError, match="A"):
        max_on_sphere(A)
