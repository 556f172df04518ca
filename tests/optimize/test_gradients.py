"""Numerical gradients and Jacobians against analytic ones; check_grad."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastapml.optimize import check_grad, numerical_gradient, numerical_jacobian

DTYPES = (np.float32, np.float64)


def tolerance(dtype, scale=1.0):
    """Central differences err by about eps^(2/3) times the function's scale."""
    return 100 * np.finfo(dtype).eps ** (2 / 3) * max(1.0, scale)


def smooth_scalar(rng, n):
    """f(x) = sum sin(a x) + x^T B x / 2 + log(1 + exp(c . x)) and its gradient."""
    a, c = rng.normal(size=n), rng.normal(size=n)
    B = rng.normal(size=(n, n))

    def f(x):
        x = x.astype(np.float64)
        return np.sum(np.sin(a * x)) + x @ B @ x / 2 + np.logaddexp(0, c @ x)

    def grad(x):
        x = x.astype(np.float64)
        return a * np.cos(a * x) + (B + B.T) @ x / 2 + c / (1 + np.exp(-c @ x))

    return f, grad


def smooth_vector(rng, m, n):
    """F(x) = tanh(W x) + (V x)^2 and its Jacobian."""
    W, V = rng.normal(size=(m, n)), rng.normal(size=(m, n)) / n

    def F(x):
        x = x.astype(np.float64)
        return np.tanh(W @ x) + (V @ x) ** 2

    def jac(x):
        x = x.astype(np.float64)
        return (1 - np.tanh(W @ x) ** 2)[:, None] * W + 2 * (V @ x)[:, None] * V

    return F, jac


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), dtype=st.sampled_from(DTYPES)
)
def test_numerical_gradient_matches_analytic(seed, n, dtype):
    rng = np.random.default_rng(seed)
    f, grad = smooth_scalar(rng, n)
    x = rng.normal(size=n).astype(dtype)
    g = numerical_gradient(f, x)
    assert g.dtype == dtype and g.shape == (n,)
    scale = abs(f(x)) + np.abs(grad(x)).max()
    np.testing.assert_allclose(g, grad(x), rtol=0, atol=tolerance(dtype, scale))


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    m=st.integers(1, 5),
    n=st.integers(1, 5),
    dtype=st.sampled_from(DTYPES),
)
def test_numerical_jacobian_matches_analytic(seed, m, n, dtype):
    rng = np.random.default_rng(seed)
    F, jac = smooth_vector(rng, m, n)
    x = rng.normal(size=n).astype(dtype)
    J = numerical_jacobian(F, x)
    assert J.dtype == dtype and J.shape == (m, n)
    scale = np.abs(F(x)).max() + np.abs(jac(x)).max()
    np.testing.assert_allclose(J, jac(x), rtol=0, atol=tolerance(dtype, scale))


def test_jacobian_shape_for_matrix_input_and_output():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(2, 3))
    X = rng.normal(size=(3, 4))
    J = numerical_jacobian(lambda X: A @ X, X)  # d(AX)_ij / dX_kl
    assert J.shape == (2, 4, 3, 4)
    np.testing.assert_allclose(J, np.einsum("ik,jl->ijkl", A, np.eye(4)), atol=1e-9)


def test_step_scales_with_x():
    # f(x) = x^3 at x = 1e6: an unscaled step of eps^(1/3) keeps only 5 digits
    g = numerical_gradient(lambda x: x[0] ** 3, np.array([1e6]))
    np.testing.assert_allclose(g, [3e12], rtol=1e-9)


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), n=st.integers(2, 6), dtype=st.sampled_from(DTYPES)
)
def test_check_grad_finds_a_planted_wrong_component(seed, n, dtype):
    rng = np.random.default_rng(seed)
    f, grad = smooth_scalar(rng, n)
    x = rng.normal(size=n).astype(dtype)
    good = check_grad(f, grad, x)
    assert good.error < 0.01
    k = int(rng.integers(n))

    def wrong(x):
        g = grad(x)
        g[k] += 0.5 * max(1.0, abs(g[k]))
        return g

    bad = check_grad(f, wrong, x)
    assert bad.index == (k,)
    assert bad.error > 0.3
    assert bad.analytic.dtype == bad.numerical.dtype == dtype
    np.testing.assert_allclose(bad.numerical, good.numerical)


def test_check_grad_index_for_a_matrix():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(3, 4))
    W = rng.normal(size=(3, 4))
    f = lambda W: np.sum(A * W**2)  # noqa: E731

    def wrong(W):
        g = 2 * A * W
        g[2, 1] *= -1
        return g

    result = check_grad(f, wrong, W)
    assert result.index == (2, 1)
    assert result.error == pytest.approx(2.0)  # |g - (-g)| / |g|
    assert check_grad(f, lambda W: 2 * A * W, W).error < 1e-8


def test_bad_input():
    f = lambda x: np.sum(x**2)  # noqa: E731
    with pytest.raises(TypeError, match="f must be callable"):
        numerical_gradient(3.0, np.ones(2))
    with pytest.raises(TypeError, match="grad must be callable"):
        check_grad(f, None, np.ones(2))
    with pytest.raises(ValueError, match="x contains NaN"):
        numerical_gradient(f, np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="x contains \\+inf"):
        numerical_jacobian(f, np.array([np.inf]))
    with pytest.raises(ValueError, match="x must not be empty"):
        numerical_gradient(f, np.zeros(0))
    with pytest.raises(TypeError, match="x must be a numeric array"):
        numerical_gradient(f, ["a", "b"])
    with pytest.raises(ValueError, match="f must return a scalar"):
        numerical_gradient(lambda x: x, np.ones(2))
    with (
        pytest.raises(ValueError, match="f returned non-finite"),
        np.errstate(invalid="ignore"),
    ):
        numerical_gradient(lambda x: np.sqrt(x[0]), np.zeros(1))
    with pytest.raises(ValueError, match="f must return an array of shape"):
        numerical_jacobian(lambda x: x[: int(x.sum() > 2) + 1], np.ones(2))
    with pytest.raises(ValueError, match="grad must return an array of shape"):
        check_grad(f, lambda x: 2 * x[:1], np.ones(2))
    with pytest.raises(ValueError, match="floor must be > 0"):
        check_grad(f, lambda x: 2 * x, np.ones(2), floor=0.0)
