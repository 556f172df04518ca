"""gaussian: the scalar lemma (closed form, Monte Carlo), the linear-Gaussian
MMSE against the plain-NumPy twin for dense, identity, convolution and mask
H, Cholesky and conjugate gradients agree, the convolution's adjoint,
dtypes, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.signal import convolve2d

from fastapml.denoise.gaussian import (
    convolution_operator,
    gaussian_posterior,
    linear_gaussian_mmse,
    mask_operator,
)
from fastapml.reference import denoise_gaussian as ref

DTYPES = (np.float32, np.float64)
TOL = {np.float32: 1e-4, np.float64: 1e-9}


def spd(rng, n, dtype=np.float64):
    """A well-conditioned random SPD matrix (eigenvalues in [0.5, ~5])."""
    B = rng.normal(size=(n, n))
    return (B @ B.T / n + 0.5 * np.eye(n)).astype(dtype)


def close(actual, expected, dtype):
    """Agreement to the dtype's tolerance, relative to the largest entry."""
    assert actual.dtype == dtype
    tol = TOL[dtype] * max(1.0, np.abs(expected).max(initial=0))
    assert_allclose(actual, expected, rtol=0, atol=tol)


@st.composite
def problems(draw, max_n=8):
    """(y, H, sigma, mu, Sigma) with a dense H, and the dtype."""
    n, m = draw(st.integers(1, max_n)), draw(st.integers(1, max_n))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dtype = draw(st.sampled_from(DTYPES))
    H = (rng.normal(size=(m, n)) / np.sqrt(n)).astype(dtype)
    mu = rng.normal(size=n) if draw(st.booleans()) else float(rng.normal())
    y = rng.normal(size=m).astype(dtype)
    sigma = draw(st.floats(0.3, 3.0))
    return (y, H, sigma, mu, spd(rng, n, dtype)), dtype


# -- the scalar lemma --------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=20),
    st.floats(1e-3, 1e3),
    st.floats(1e-3, 1e3),
    st.sampled_from(DTYPES),
)
def test_lemma_closed_form(y, sigma, sigma_x, dtype):
    y = np.array(y, dtype=dtype)
    mean, var = gaussian_posterior(y, sigma, sigma_x)
    assert mean.dtype == var.dtype == dtype
    assert mean.shape == var.shape == y.shape
    tol = dict(
        rtol=1e-5 if dtype == np.float32 else 1e-12, atol=np.finfo(dtype).tiny
    )  # subnormal y
    assert_allclose(mean, y * sigma_x**2 / (sigma_x**2 + sigma**2), **tol)
    assert_allclose(var, sigma**2 * sigma_x**2 / (sigma**2 + sigma_x**2), **tol)
    ref_mean, ref_var = ref.gaussian_posterior(y, sigma, sigma_x)
    assert_allclose(mean, ref_mean, **tol)
    assert_allclose(var, ref_var, **tol)


def test_lemma_monte_carlo():
    """Draw (x, y) pairs; for y in narrow windows the sample mean and variance
    of x match the lemma to five standard errors (law of total variance
    accounts for the window's spread of y)."""
    sigma, sigma_x, n = 0.8, 1.5, 400_000
    rng = np.random.default_rng(0)
    x = sigma_x * rng.standard_normal(n)
    y = x + sigma * rng.standard_normal(n)
    for y0 in (-2.0, 0.0, 0.7, 2.5):
        window = np.abs(y - y0) < 0.05
        k = window.sum()
        assert k > 1000
        mean, var = gaussian_posterior(y[window], sigma, sigma_x)
        expected_var = var.mean() + mean.var()
        assert abs(x[window].mean() - mean.mean()) < 5 * np.sqrt(expected_var / k)
        assert abs(x[window].var() - expected_var) < 5 * expected_var * np.sqrt(
            2 / (k - 1)
        )


def test_lemma_dtypes_and_broadcasting():
    mean, var = gaussian_posterior(
        np.ones((2, 3), np.float32), np.array([1.0, 2.0, 3.0]), 2.0
    )
    assert mean.dtype == var.dtype == np.float32
    assert mean.shape == var.shape == (2, 3)
    assert_allclose(var[1], [0.8, 2.0, 36 / 13], rtol=1e-6)
    mean, var = gaussian_posterior([1, 2], np.float32(1), 1)
    assert mean.dtype == var.dtype == np.float64
    assert_allclose(mean, [0.5, 1.0])
    assert gaussian_posterior(2.0, 1.0, 1.0) == (1.0, 0.5)


# -- linear-Gaussian MMSE against the twin -----------------------------------


@settings(max_examples=60, deadline=None)
@given(problems())
def test_dense_matches_reference(case):
    args, dtype = case
    expected_mean, expected_cov = ref.linear_gaussian_mmse(*args, return_cov=True)
    mean, cov = linear_gaussian_mmse(*args, return_cov=True)
    close(mean, expected_mean, dtype)
    close(cov, expected_cov, dtype)
    assert np.array_equal(cov, cov.T)
    close(linear_gaussian_mmse(*args), expected_mean, dtype)
    close(linear_gaussian_mmse(*args, method="cg"), expected_mean, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_identity_is_the_lemma_per_pixel(dtype):
    """H=None with a diagonal Σ and zero mean: every pixel is the lemma."""
    rng = np.random.default_rng(1)
    sigma_x = rng.uniform(0.5, 2.0, 10)
    y = rng.normal(size=10).astype(dtype)
    Sigma = np.diag(sigma_x**2).astype(dtype)
    expected_mean, expected_var = gaussian_posterior(y, 0.7, sigma_x)
    for method in ("auto", "cholesky", "cg"):
        close(
            linear_gaussian_mmse(y, None, 0.7, 0.0, Sigma, method=method),
            expected_mean,
            dtype,
        )
    mean, cov = linear_gaussian_mmse(y, None, 0.7, 0.0, Sigma, return_cov=True)
    close(np.diag(cov), expected_var, dtype)
    close(cov - np.diag(np.diag(cov)), np.zeros_like(cov), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_identity_matches_reference(dtype):
    rng = np.random.default_rng(2)
    args = (
        rng.normal(size=7).astype(dtype),
        None,
        0.5,
        rng.normal(size=7),
        spd(rng, 7, dtype),
    )
    expected_mean, expected_cov = ref.linear_gaussian_mmse(*args, return_cov=True)
    mean, cov = linear_gaussian_mmse(*args, return_cov=True)
    close(mean, expected_mean, dtype)
    close(cov, expected_cov, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_deblurring_operator_matches_reference_and_dense(dtype):
    rng = np.random.default_rng(3)
    shape = (4, 5)
    n = shape[0] * shape[1]
    H = convolution_operator(rng.random((3, 2)), shape)
    Sigma = spd(rng, n, dtype)
    y = (H @ rng.normal(size=n) + 0.1 * rng.normal(size=n)).astype(dtype)
    args = (y, H, 0.4, rng.normal(size=n), Sigma)
    expected_mean, expected_cov = ref.linear_gaussian_mmse(*args, return_cov=True)
    close(linear_gaussian_mmse(*args), expected_mean, dtype)  # auto: cg
    dense = (y, H @ np.eye(n), *args[2:])
    close(linear_gaussian_mmse(*dense), linear_gaussian_mmse(*args), dtype)
    mean, cov = linear_gaussian_mmse(*args, return_cov=True)  # cholesky
    close(mean, expected_mean, dtype)
    close(cov, expected_cov, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_inpainting_mask_matches_reference(dtype):
    rng = np.random.default_rng(4)
    n = 15
    mask = rng.random(n) < 0.6
    H = mask_operator(mask)
    x = rng.normal(size=n)
    assert_allclose(H @ x, x[mask])
    assert_allclose(H.T @ (H @ x), np.where(mask, x, 0))
    args = ((H @ x).astype(dtype), H, 0.2, 0.0, spd(rng, n, dtype))
    expected_mean, expected_cov = ref.linear_gaussian_mmse(*args, return_cov=True)
    for method in ("auto", "cholesky", "cg"):
        close(linear_gaussian_mmse(*args, method=method), expected_mean, dtype)
    close(linear_gaussian_mmse(*args, return_cov=True)[1], expected_cov, dtype)


def test_mask_operator_flattens_images():
    mask = np.array([[True, False], [False, True]])
    assert_allclose(mask_operator(mask) @ np.arange(4.0), [0.0, 3.0])


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 6),
    st.integers(1, 5),
    st.integers(1, 5),
    st.integers(0, 2**32 - 1),
)
def test_convolution_operator_and_its_adjoint(h, w, p, q, seed):
    rng = np.random.default_rng(seed)
    kernel = rng.normal(size=(p, q))
    H = convolution_operator(kernel, (h, w))
    x, y = rng.normal(size=h * w), rng.normal(size=h * w)
    assert_allclose(H @ x, convolve2d(x.reshape(h, w), kernel, mode="same").ravel())
    assert np.isclose(np.dot(H @ x, y), np.dot(x, H.T @ y), rtol=1e-12, atol=1e-12)


def test_convolution_operator_dtype():
    assert convolution_operator(np.ones((2, 2), np.float32), (3, 3)).dtype == np.float32
    assert convolution_operator([[1, 2]], 3).dtype == np.float64


def test_cg_not_converging_raises():
    rng = np.random.default_rng(5)
    n = 20
    H = convolution_operator(rng.random((3, 3)), (4, 5))
    with pytest.raises(RuntimeError, match="did not converge.*maxiter"):
        linear_gaussian_mmse(rng.normal(size=n), H, 0.1, 0.0, spd(rng, n), maxiter=1)


# -- bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(sigma=0.0), ValueError, "sigma must be > 0"),
        (dict(sigma=-1.0), ValueError, "sigma must be > 0"),
        (dict(sigma=np.nan), ValueError, "sigma must be finite"),
        (dict(sigma=np.inf), ValueError, "sigma must be finite"),
        (dict(sigma=np.array([1.0, 0.0, 1.0])), ValueError, "sigma must be > 0"),
        (dict(sigma=np.array([1.0, np.nan, 1.0])), ValueError, "sigma contains NaN"),
        (dict(sigma="1"), TypeError, "sigma must be Real"),
        (dict(sigma_x=0), ValueError, "sigma_x must be > 0"),
        (dict(sigma_x=np.nan), ValueError, "sigma_x must be finite"),
        (dict(y=[1.0, np.nan, 0.0]), ValueError, "y contains NaN"),
        (dict(y=[1.0, np.inf, 0.0]), ValueError, r"y contains \+inf"),
        (dict(sigma=np.ones(2)), ValueError, "must broadcast together"),
    ],
)
def test_lemma_bad_input(kwargs, error, match):
    args = dict(y=np.zeros(3), sigma=1.0, sigma_x=1.0) | kwargs
    with pytest.raises(error, match=match):
        gaussian_posterior(**args)


def _good():
    rng = np.random.default_rng(6)
    return dict(
        y=rng.normal(size=3),
        H=rng.normal(size=(3, 4)),
        sigma=0.5,
        mu=np.zeros(4),
        Sigma=spd(rng, 4),
    )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(sigma=0.0), ValueError, "sigma must be > 0"),
        (dict(sigma=-2.0), ValueError, "sigma must be > 0"),
        (dict(sigma=np.nan), ValueError, "sigma must be finite"),
        (dict(sigma=np.ones(3)), TypeError, "sigma must be Real"),
        (dict(y=[0.0, np.nan, 1.0]), ValueError, "y contains NaN"),
        (dict(y=np.zeros(4)), ValueError, r"y must have shape \(3,\)"),
        (dict(y=np.zeros((3, 1))), ValueError, "y must be 1-D"),
        (dict(H=np.ones((3, 5))), ValueError, r"H must have shape \(m, 4\)"),
        (dict(H=np.ones(4)), ValueError, "H must be 2-D"),
        (
            dict(H=convolution_operator(np.ones((2, 2)), (1, 3))),
            ValueError,
            r"H must have shape \(m, 4\)",
        ),
        (dict(mu=np.zeros(3)), ValueError, r"mu must have shape \(4,\)"),
        (dict(mu=np.nan), ValueError, "mu must be finite"),
        (
            dict(Sigma=np.triu(np.ones((4, 4))) + 4 * np.eye(4)),
            ValueError,
            "Sigma must be symmetric",
        ),
        (
            dict(Sigma=np.diag([1.0, -1.0, 1.0, 1.0])),
            ValueError,
            "Sigma must be positive definite",
        ),
        (dict(Sigma=np.zeros((4, 4))), ValueError, "Sigma must be positive definite"),
        (dict(Sigma=np.ones((4, 3))), ValueError, r"Sigma must have shape \(4, 4\)"),
        (dict(Sigma=np.eye(4)[None]), ValueError, "Sigma must be 2-D"),
        (dict(method="lu"), ValueError, "method must be one of"),
        (dict(method="cg", return_cov=True), ValueError, "return_cov=True needs"),
        (dict(tol=0.0), ValueError, "tol must be > 0"),
        (dict(maxiter=0), ValueError, "maxiter must be >= 1"),
        (dict(maxiter=2.5), TypeError, "maxiter must be Integral"),
    ],
)
def test_mmse_bad_input(kwargs, error, match):
    args = _good() | kwargs
    extra = {
        k: args.pop(k) for k in ("method", "return_cov", "tol", "maxiter") if k in args
    }
    with pytest.raises(error, match=match):
        linear_gaussian_mmse(*args.values(), **extra)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: mask_operator([1, 0, 1]), TypeError, "mask must be boolean"),
        (
            lambda: convolution_operator(np.ones((0, 2)), (3, 3)),
            ValueError,
            "kernel must not be empty",
        ),
        (
            lambda: convolution_operator(np.ones(3), (3, 3)),
            ValueError,
            "kernel must be 2-D",
        ),
        (
            lambda: convolution_operator(np.ones((2, 2)), (0, 3)),
            ValueError,
            "shape must be >= 1",
        ),
    ],
)
def test_operator_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
