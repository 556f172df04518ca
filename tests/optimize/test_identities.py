"""Each matrix-derivative identity against the numerical Jacobian."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastapml.optimize import (
    bilinear_gradients,
    linear_jacobian,
    numerical_gradient,
    numerical_jacobian,
    quadratic_gradient,
)

DTYPES = (np.float32, np.float64)
CASES = dict(
    seed=st.integers(0, 2**32 - 1),
    m=st.integers(1, 6),
    n=st.integers(1, 6),
    dtype=st.sampled_from(DTYPES),
)


def close(analytic, numerical, dtype, scale):
    assert analytic.dtype == dtype and analytic.shape == numerical.shape
    atol = 100 * np.finfo(dtype).eps ** (2 / 3) * max(1.0, scale)
    np.testing.assert_allclose(analytic, numerical, rtol=0, atol=atol)


def draw(seed, *shapes, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype(dtype) for s in shapes]


@settings(max_examples=25, deadline=None)
@given(**CASES)
def test_linear(seed, m, n, dtype):
    A, x = draw(seed, (m, n), n, dtype=dtype)
    close(
        linear_jacobian(A),
        numerical_jacobian(lambda x: A @ x, x),
        dtype,
        np.abs(A).sum(),
    )


@settings(max_examples=25, deadline=None)
@given(**CASES)
def test_bilinear(seed, m, n, dtype):
    y, A, x = draw(seed, m, (m, n), n, dtype=dtype)
    dx, dy = bilinear_gradients(y, A, x)
    scale = np.abs(y) @ np.abs(A) @ np.abs(x)
    close(dx, numerical_gradient(lambda x: y @ A @ x, x), dtype, scale)
    close(dy, numerical_gradient(lambda y: y @ A @ x, y), dtype, scale)


@settings(max_examples=25, deadline=None)
@given(**CASES)
def test_quadratic(seed, m, n, dtype):
    A, x = draw(seed, (n, n), n, dtype=dtype)
    scale = np.abs(x) @ np.abs(A) @ np.abs(x)
    close(
        quadratic_gradient(A, x),
        numerical_gradient(lambda x: x @ A @ x, x),
        dtype,
        scale,
    )
    S = A + A.T  # symmetric: 2 x^T S
    np.testing.assert_allclose(
        quadratic_gradient(S, x),
        2 * x @ S,
        rtol=10 * np.finfo(dtype).eps,
        atol=1e-6 * scale,
    )


def test_float64_wins_when_mixed():
    A = np.eye(2, dtype=np.float32)
    assert quadratic_gradient(A, np.ones(2)).dtype == np.float64
    assert quadratic_gradient(A, np.ones(2, np.float32)).dtype == np.float32


def test_bad_input():
    A = np.ones((2, 3))
    with pytest.raises(ValueError, match="A must be 2-D"):
        linear_jacobian(np.ones(3))
    with pytest.raises(ValueError, match="A contains NaN"):
        linear_jacobian([[np.nan]])
    with pytest.raises(ValueError, match="y must have length 2"):
        bilinear_gradients(np.ones(3), A, np.ones(3))
    with pytest.raises(ValueError, match="x must have length 3"):
        bilinear_gradients(np.ones(2), A, np.ones(2))
    with pytest.raises(ValueError, match="A must be square"):
        quadratic_gradient(A, np.ones(3))
    with pytest.raises(ValueError, match="x must have length 2"):
        quadratic_gradient(np.eye(2), np.ones(3))
    with pytest.raises(ValueError, match="x must be 1-D"):
        quadratic_gradient(np.eye(2), np.ones((2, 1)))
    with pytest.raises(TypeError, match="A must be real"):
        linear_jacobian(np.eye(2) * 1j)
