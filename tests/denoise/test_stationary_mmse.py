"""stationary: StationaryCovariance against the plain dense circulant (the
reference twin), and linear_gaussian_mmse with a stationary or LinearOperator
Sigma (the Fourier-domain Wiener filter and conjugate gradients) against the
dense path, for H None, blur, mask, downsample and matrix/LinearOperator H;
layouts, dtypes, the posterior covariance, bad input, and one 512 x 512
deconvolution."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.sparse.linalg import aslinearoperator

from fastapml.denoise import operators as ops
from fastapml.denoise.gaussian import gaussian_posterior, linear_gaussian_mmse
from fastapml.denoise.stationary import StationaryCovariance
from fastapml.reference import denoise_gaussian as ref

DTYPES = (np.float32, np.float64)
# against the float64 dense path on the same data; the float32 dense path
# itself is off by up to ~2e-5 (a Cholesky in float32), the fast ones by ~4e-7
TOL = {np.float32: 1e-5, np.float64: 1e-10}
DENSE_TOL = {np.float32: 1e-4, np.float64: 1e-9}  # where float32 is dense too
CG_TOL = 1e-12  # CG's relative residual: its error stays well inside TOL


def close(actual, expected, dtype, tol=None):
    """Agreement to the dtype's tolerance, relative to the largest entry."""
    assert actual.dtype == dtype
    assert actual.shape == expected.shape
    tol = (tol or TOL[dtype]) * max(1.0, np.abs(expected).max(initial=0))
    assert_allclose(actual, expected, rtol=0, atol=tol)


def reflect(a):
    """a(−k) on the periodic grid."""
    return np.roll(a[::-1, ::-1], (1, 1), axis=(0, 1))


def random_spectrum(rng, shape, low=0.2, high=3.0):
    """An even spectrum with eigenvalues in [low, high]: a well-conditioned Σ."""
    s = rng.uniform(low, high, shape)
    return 0.5 * (s + reflect(s))


def dense(H, shape):
    """H (None or one of the operators) as a dense matrix on ``shape`` images."""
    if H is None:
        return None
    n = shape[0] * shape[1]
    return H.aslinearoperator(shape) @ np.eye(n)


def make_operator(kind, rng, shape):
    if kind == "none":
        return None
    if kind == "blur":
        kh, kw = rng.integers(1, min(4, shape[0]) + 1), rng.integers(1, shape[1] + 1)
        psf = rng.uniform(0.1, 1.0, (kh, kw))
        return ops.blur(psf / psf.sum())
    if kind == "mask":
        keep = rng.random(shape) < 0.6
        keep.flat[rng.integers(keep.size)] = True
        return ops.mask(keep)
    if kind == "downsample":
        psf = rng.uniform(0.1, 1.0, (min(3, shape[0]), 2))
        psf /= psf.sum()
        return ops.downsample(2, None if rng.random() < 0.5 else psf)
    raise AssertionError(kind)


KINDS = ("none", "blur", "mask", "downsample")


@st.composite
def problems(draw, kinds=KINDS):
    """(y, H, sigma, mu, cov), the dense H, the dtype, and the H kind."""
    kind = draw(st.sampled_from(kinds))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    step = 2 if kind == "downsample" else 1
    shape = (
        step * draw(st.integers(1, 8 // step)),
        step * draw(st.integers(2, 8 // step)),
    )
    dtype = draw(st.sampled_from(DTYPES))
    cov = StationaryCovariance(random_spectrum(rng, shape).astype(dtype))
    H = make_operator(kind, rng, shape)
    x = cov.sample(rng)
    clean = x if H is None else H.apply(x)
    y = (clean + 0.3 * rng.standard_normal(clean.shape)).astype(dtype)
    mu = rng.normal(size=shape) if draw(st.booleans()) else float(rng.normal())
    sigma = draw(st.floats(0.3, 2.0))
    return (y, H, sigma, mu, cov), dense(H, shape), dtype, kind


def oracle(y, Hd, sigma, mu, cov, **kwargs):
    """The dense path on the flattened problem (Σ made dense), in float64 and
    rounded to y's dtype."""
    flat_mu = mu if np.ndim(mu) == 0 else mu.ravel()
    Sigma = cov.todense().astype(np.float64)
    got = linear_gaussian_mmse(
        y.ravel().astype(np.float64), Hd, sigma, flat_mu, Sigma, **kwargs
    )
    if isinstance(got, tuple):
        return tuple(a.astype(y.dtype) for a in got)
    return got.astype(y.dtype)


# -- StationaryCovariance ----------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 7),
    st.integers(1, 7),
    st.integers(0, 2**32 - 1),
    st.sampled_from(DTYPES),
)
def test_from_kernel_is_the_dense_circulant(h, w, seed, dtype):
    """A symmetric PSD kernel: its autocorrelation, any size up to shape."""
    rng = np.random.default_rng(seed)
    kh, kw = rng.integers(1, h + 1), rng.integers(1, w + 1)
    f = rng.normal(size=(kh, kw))
    grid = np.zeros((h, w))
    grid[:kh, :kw] = f
    # the circular autocorrelation of f: symmetric and PSD on the grid
    c = np.fft.ifft2(np.abs(np.fft.fft2(grid)) ** 2).real
    kernel = np.fft.fftshift(c).astype(dtype)
    cov = StationaryCovariance.from_kernel(kernel, (h, w))
    assert cov.dtype == dtype and cov.shape == (h, w) and cov.size == h * w
    expected = ref.stationary_covariance(kernel, (h, w))
    close(cov.todense(), expected, dtype)
    Sigma = cov.todense()
    assert np.array_equal(Sigma, Sigma.T)
    close(cov.spectrum, np.fft.fft2(c).real.astype(dtype), dtype)
    assert cov.spectrum.min() >= 0
    assert_allclose(cov.rspectrum, cov.spectrum[:, : w // 2 + 1])
    assert np.isclose(cov.variance, expected[0, 0], rtol=1e-4)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_from_spectrum_full_half_and_kernel_agree(h, w, seed):
    rng = np.random.default_rng(seed)
    spectrum = random_spectrum(rng, (h, w), low=0.0)
    full = StationaryCovariance.from_spectrum(spectrum)
    half = StationaryCovariance.from_spectrum(spectrum[:, : w // 2 + 1], (h, w))
    kernel = np.fft.fftshift(np.fft.ifft2(spectrum).real)
    expected = ref.stationary_covariance(kernel, (h, w))
    for cov in (full, half, StationaryCovariance.from_kernel(kernel, (h, w))):
        assert_allclose(cov.todense(), expected, atol=1e-12)
        assert_allclose(cov.spectrum, spectrum, atol=1e-12)
    # fft2 output (complex, rounding in the imaginary part) is accepted
    assert_allclose(
        StationaryCovariance(np.fft.fft2(np.fft.ifft2(spectrum).real)).spectrum,
        spectrum,
        atol=1e-12,
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_products_match_the_dense_matrix(dtype):
    rng = np.random.default_rng(0)
    shape = (5, 6)
    cov = StationaryCovariance(random_spectrum(rng, shape).astype(dtype))
    Sigma = cov.todense().astype(np.float64)
    x = rng.normal(size=(3, *shape)).astype(dtype)
    close(cov.apply(x[0]), (Sigma @ x[0].ravel()).reshape(shape).astype(dtype), dtype)
    close(
        cov.apply(x), (x.reshape(3, -1) @ Sigma).reshape(x.shape).astype(dtype), dtype
    )
    close(cov.matvec(x[0].ravel()), (Sigma @ x[0].ravel()).astype(dtype), dtype)
    op = cov.aslinearoperator()
    assert op.shape == (30, 30) and op.dtype == dtype
    block = x.reshape(3, -1).T
    close(op @ block, (Sigma @ block).astype(dtype), dtype)
    close(op.T @ block[:, 0], (Sigma @ block[:, 0]).astype(dtype), dtype)
    assert (op @ block[:, :1]).shape == (30, 1)
    assert cov.apply(x[0].astype(np.float64)).dtype == np.float64


def test_sample_has_the_covariance():
    """Sample covariance of 4000 draws within Monte Carlo error of Σ."""
    kernel = np.outer([0.25, 1.0, 0.25], [0.3, 1.0, 0.3])
    cov = StationaryCovariance.from_kernel(kernel, (4, 3))
    rng = np.random.default_rng(0)
    draws = np.stack([cov.sample(rng).ravel() for _ in range(4000)])
    assert cov.sample(1).shape == (4, 3)
    empirical = draws.T @ draws / len(draws)
    assert np.abs(empirical - cov.todense()).max() < 6 * np.sqrt(2 / len(draws))


def test_power_law():
    cov = StationaryCovariance.power_law((16, 12), 2.0, variance=0.3)
    s = cov.spectrum
    assert cov.dtype == np.float64 and s.shape == (16, 12)
    assert np.isclose(cov.variance, 0.3) and s.min() > 0
    assert_allclose(s, reflect(s))
    assert s[0, 0] == s.max() and s[0, 1] > s[0, 3] > s[0, 6]
    white = StationaryCovariance.power_law((4, 4), 0.0, variance=2.0)
    assert_allclose(white.todense(), 2.0 * np.eye(16), atol=1e-12)
    assert "shape=(16, 12)" in repr(cov)


# -- linear_gaussian_mmse: the fast paths against the dense one --------------


@settings(max_examples=80, deadline=None)
@given(problems())
def test_stationary_matches_dense(case):
    (y, H, sigma, mu, cov), Hd, dtype, kind = case
    shape = cov.shape
    expected = oracle(y, Hd, sigma, mu, cov)
    assert expected.dtype == dtype
    ref_mean = ref.linear_gaussian_mmse(
        y.ravel(), Hd, sigma, mu if np.ndim(mu) == 0 else mu.ravel(), cov.todense()
    )
    close(expected, ref_mean, dtype, DENSE_TOL[dtype])
    for method in ("auto", "cg"):
        got = linear_gaussian_mmse(y, H, sigma, mu, cov, method=method, tol=CG_TOL)
        close(got, expected.reshape(shape), dtype)
    # flattened y (and mu): the estimate comes back flattened
    flat_mu = mu if np.ndim(mu) == 0 else mu.ravel()
    got = linear_gaussian_mmse(y.ravel(), H, sigma, flat_mu, cov, tol=CG_TOL)
    close(got, expected, dtype)
    if kind != "mask":
        got = linear_gaussian_mmse(y, H, sigma, mu, cov, method="fourier")
        close(got, expected.reshape(shape), dtype)
    got = linear_gaussian_mmse(y, H, sigma, mu, cov, method="cholesky")
    close(got, expected.reshape(shape), dtype, DENSE_TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS + ("kernel-blur",))
def test_16x16_matches_dense(kind, dtype):
    """A larger image, a prior from a kernel, every path against the dense
    one and the reference twin."""
    rng = np.random.default_rng(10)
    shape = (16, 16)
    # a wrapped Gaussian (eigenvalues down to -4e-4) plus a nugget of 0.2
    lags = np.arange(-8, 8) ** 2
    kernel = 0.3 * np.exp(-np.add.outer(lags, lags) / 8)
    kernel[8, 8] += 0.2
    kernel = kernel.astype(dtype)
    cov = StationaryCovariance.from_kernel(kernel, shape)
    close(cov.todense(), ref.stationary_covariance(kernel, shape), dtype)
    H = make_operator("blur" if kind == "kernel-blur" else kind, rng, shape)
    x = cov.sample(rng)
    clean = x if H is None else H.apply(x)
    y = (clean + 0.2 * rng.standard_normal(clean.shape)).astype(dtype)
    mu = rng.normal(size=shape)
    expected = oracle(y, dense(H, shape), 0.2, mu, cov).reshape(shape)
    for method in ("auto", "cg"):
        got = linear_gaussian_mmse(y, H, 0.2, mu, cov, method=method, tol=CG_TOL)
        close(got, expected, dtype)
    got = linear_gaussian_mmse(y, H, 0.2, mu, cov.aslinearoperator(), tol=CG_TOL)
    close(got, expected, dtype)


@settings(max_examples=40, deadline=None)
@given(problems())
def test_linear_operator_sigma_matches_dense(case):
    """Σ a LinearOperator (the stationary one's, or a dense matrix's): CG."""
    (y, H, sigma, mu, cov), Hd, dtype, kind = case
    expected = oracle(y, Hd, sigma, mu, cov)
    flat_mu = mu if np.ndim(mu) == 0 else mu.ravel()
    for Sigma in (cov.aslinearoperator(), aslinearoperator(cov.todense())):
        assert Sigma.dtype == dtype
        got = linear_gaussian_mmse(y, H, sigma, mu, Sigma, tol=CG_TOL)
        close(got, expected.reshape(cov.shape), dtype)
        got = linear_gaussian_mmse(y.ravel(), Hd, sigma, flat_mu, Sigma, tol=CG_TOL)
        close(got, expected, dtype)
    got = linear_gaussian_mmse(
        y, H, sigma, mu, cov.aslinearoperator(), method="cholesky"
    )
    close(got, expected.reshape(cov.shape), dtype, DENSE_TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("wrap", [np.asarray, aslinearoperator])
def test_stationary_with_a_matrix_h(dtype, wrap):
    """A dense or LinearOperator H (non-square) with a stationary Σ: CG."""
    rng = np.random.default_rng(1)
    shape, m = (4, 5), 13
    cov = StationaryCovariance(random_spectrum(rng, shape).astype(dtype))
    Hd = rng.normal(size=(m, 20)) / np.sqrt(20)
    y = rng.normal(size=m).astype(dtype)
    expected = linear_gaussian_mmse(y, Hd.astype(dtype), 0.5, 0.2, cov.todense())
    got = linear_gaussian_mmse(y, wrap(Hd.astype(dtype)), 0.5, 0.2, cov, tol=CG_TOL)
    close(got, expected, dtype, DENSE_TOL[dtype])
    close(
        linear_gaussian_mmse(y, wrap(Hd), 0.5, 0.2, cov, method="cholesky"),
        expected,
        dtype,
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_operators_with_a_dense_sigma(dtype):
    """Our operators are accepted with a dense Σ too; y an image gives the shape."""
    rng = np.random.default_rng(2)
    shape = (6, 4)
    Sigma = StationaryCovariance(random_spectrum(rng, shape)).todense().astype(dtype)
    for kind in KINDS[1:]:
        H = make_operator(kind, rng, shape)
        y = H.apply(rng.normal(size=shape)).astype(dtype)
        expected = linear_gaussian_mmse(y.ravel(), dense(H, shape), 0.4, 0.1, Sigma)
        got = linear_gaussian_mmse(y, H, 0.4, 0.1, Sigma)
        close(got, expected.reshape(shape), dtype, DENSE_TOL[dtype])
        mean, cov = linear_gaussian_mmse(y, H, 0.4, 0.1, Sigma, return_cov=True)
        close(mean, expected.reshape(shape), dtype, DENSE_TOL[dtype])
        assert cov.shape == (24, 24)
    M = make_operator("mask", rng, shape)  # the mask knows the shape: flat y is fine
    y = rng.normal(size=24).astype(dtype)
    close(
        linear_gaussian_mmse(y, M, 0.4, 0.0, Sigma),
        linear_gaussian_mmse(y, dense(M, shape), 0.4, 0.0, Sigma),
        dtype,
    )


def test_dtypes():
    rng = np.random.default_rng(3)
    spectrum = random_spectrum(rng, (4, 4))
    y = rng.normal(size=(4, 4))
    for y_dtype, s_dtype, out in [
        (np.float32, np.float32, np.float32),
        (np.float32, np.float64, np.float64),
        (np.float64, np.float32, np.float64),
    ]:
        cov = StationaryCovariance(spectrum.astype(s_dtype))
        for H in (None, ops.blur(np.ones((2, 2))), ops.mask(y > 0)):
            got = linear_gaussian_mmse(y.astype(y_dtype), H, 0.5, 0.0, cov)
            assert got.dtype == out
    cov = StationaryCovariance(spectrum)
    got = linear_gaussian_mmse(y.astype(np.float32).ravel(), None, 0.5, 0.0, cov)
    assert got.dtype == np.float64 and got.shape == (16,)
    op = StationaryCovariance(spectrum.astype(np.float32)).aslinearoperator()
    got = linear_gaussian_mmse(y.astype(np.float32), None, 0.5, 0.0, op)
    assert got.dtype == np.float32 and got.shape == (4, 4)


def test_white_prior_is_the_lemma():
    """A flat spectrum σₓ² and H None: the scalar lemma at every pixel."""
    y = np.random.default_rng(4).normal(size=(5, 7))
    cov = StationaryCovariance(np.full((5, 7), 1.5**2))
    mean, post = linear_gaussian_mmse(y, None, 0.7, 0.0, cov, return_cov=True)
    lemma_mean, lemma_var = gaussian_posterior(y, 0.7, 1.5)
    assert_allclose(mean, lemma_mean, rtol=1e-12, atol=1e-14)
    assert_allclose(post.todense(), lemma_var[0, 0] * np.eye(35), atol=1e-14)


def test_mask_ignores_the_dropped_pixels():
    rng = np.random.default_rng(5)
    cov = StationaryCovariance(random_spectrum(rng, (6, 6)))
    M = ops.mask(rng.random((6, 6)) < 0.5)
    y = rng.normal(size=(6, 6))
    noisy = np.where(M.keep, y, 1e3)
    assert_allclose(
        linear_gaussian_mmse(noisy, M, 0.3, 0.0, cov),
        linear_gaussian_mmse(y, M, 0.3, 0.0, cov),
        atol=1e-10,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("blurred", [False, True])
def test_posterior_covariance_is_stationary(dtype, blurred):
    rng = np.random.default_rng(6)
    shape = (6, 5)
    cov = StationaryCovariance(random_spectrum(rng, shape).astype(dtype))
    H = ops.blur(rng.random((3, 3))) if blurred else None
    y = rng.normal(size=shape).astype(dtype)
    mean, post = linear_gaussian_mmse(y, H, 0.5, 0.3, cov, return_cov=True)
    assert isinstance(post, StationaryCovariance) and post.dtype == dtype
    expected_mean, expected_cov = oracle(
        y, dense(H, shape), 0.5, 0.3, cov, return_cov=True
    )
    ref_mean, ref_cov = ref.linear_gaussian_mmse(
        y.ravel(), dense(H, shape), 0.5, 0.3, cov.todense(), return_cov=True
    )
    close(mean, expected_mean.reshape(shape), dtype)
    close(post.todense(), expected_cov, dtype)
    close(post.todense(), ref_cov, dtype)
    # the dense path stays available
    mean, dense_cov = linear_gaussian_mmse(
        y, H, 0.5, 0.3, cov, return_cov=True, method="cholesky"
    )
    close(dense_cov, expected_cov, dtype, DENSE_TOL[dtype])


def test_cg_not_converging_raises():
    rng = np.random.default_rng(7)
    cov = StationaryCovariance(random_spectrum(rng, (8, 8), 0.01, 100.0))
    M = ops.mask(rng.random((8, 8)) < 0.5)
    with pytest.raises(RuntimeError, match="did not converge.*maxiter"):
        linear_gaussian_mmse(rng.normal(size=(8, 8)), M, 0.01, 0.0, cov, maxiter=1)


def test_512_wiener_deconvolution():
    """The Fourier path at image size: the estimate beats the observation."""
    rng = np.random.default_rng(8)
    prior = StationaryCovariance.power_law((512, 512), variance=0.05)
    H = ops.blur(np.full((7, 7), 1 / 49))
    x = 0.5 + prior.sample(rng)
    y = H.apply(x) + 0.01 * rng.standard_normal(x.shape)
    x_hat = linear_gaussian_mmse(y, H, 0.01, 0.5, prior)
    assert x_hat.shape == (512, 512) and x_hat.dtype == np.float64
    assert np.sqrt(np.mean((x_hat - x) ** 2)) < 0.8 * np.sqrt(np.mean((y - x) ** 2))
    x32 = linear_gaussian_mmse(y.astype(np.float32), H, 0.01, 0.5, prior)
    assert x32.dtype == np.float64  # the prior is float64
    assert_allclose(x32, x_hat, atol=1e-4)
    denoised = linear_gaussian_mmse(
        x + 0.1 * rng.standard_normal(x.shape), None, 0.1, 0.5, prior
    )
    assert np.sqrt(np.mean((denoised - x) ** 2)) < 0.1


# -- bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: StationaryCovariance(np.ones(4)), ValueError, "spectrum must be 2-D"),
        (
            lambda: StationaryCovariance(np.ones((0, 3))),
            ValueError,
            "spectrum must not be empty",
        ),
        (
            lambda: StationaryCovariance([["a"]]),
            TypeError,
            "spectrum must be a numeric",
        ),
        (
            lambda: StationaryCovariance(np.full((2, 2), np.nan)),
            ValueError,
            "spectrum contains NaN",
        ),
        (
            lambda: StationaryCovariance(np.ones((4, 4)), (4, 5)),
            ValueError,
            r"spectrum must have shape \(4, 5\).*or \(4, 3\).*got \(4, 4\)",
        ),
        (
            lambda: StationaryCovariance(np.ones((4, 2)), (4, 4)),
            ValueError,
            r"spectrum must have shape \(4, 4\)",
        ),
        (
            lambda: StationaryCovariance([[1.0, -1.0, -1.0]]),
            ValueError,
            r"spectrum must be >= 0.*-1 at frequency \(0, 1\)",
        ),
        (
            lambda: StationaryCovariance([[1.0, 2.0, 3.0]]),
            ValueError,
            "spectrum must be even",
        ),
        (
            lambda: StationaryCovariance(np.array([[1.0, 1.0 + 1j, 1.0 - 1j]])),
            ValueError,
            "spectrum must be real",
        ),
        (
            lambda: StationaryCovariance(np.ones((2, 2)), (2, 0)),
            ValueError,
            "shape must be >= 1",
        ),
        (
            lambda: StationaryCovariance.from_kernel([[0.9, 1.0, 0.9]], (1, 5)),
            ValueError,
            "kernel does not give a positive semi-definite covariance",
        ),
        (
            lambda: StationaryCovariance.from_kernel([[0.1, 1.0, 0.3]], (1, 5)),
            ValueError,
            "kernel must be symmetric",
        ),
        (
            lambda: StationaryCovariance.from_kernel(np.ones((3, 3)), (2, 5)),
            ValueError,
            "kernel of shape .* is larger than the images",
        ),
        (
            lambda: StationaryCovariance.from_kernel([1.0], (2, 2)),
            ValueError,
            "kernel must be 2-D",
        ),
        (
            lambda: StationaryCovariance.from_kernel([[np.inf]], (2, 2)),
            ValueError,
            r"kernel contains \+inf",
        ),
        (
            lambda: StationaryCovariance.from_kernel([[1.0]], (2, 2.5)),
            TypeError,
            "shape must be Integral",
        ),
        (
            lambda: StationaryCovariance.power_law((4, 4), -1.0),
            ValueError,
            "exponent must be >= 0",
        ),
        (
            lambda: StationaryCovariance.power_law((4, 4), variance=0),
            ValueError,
            "variance must be > 0",
        ),
        (
            lambda: StationaryCovariance.power_law((4, 4), cutoff=-1),
            ValueError,
            "cutoff must be > 0",
        ),
        (
            lambda: StationaryCovariance(np.ones((2, 3))).apply(np.ones((3, 2))),
            ValueError,
            r"image must have shape \(\.\.\., 2, 3\)",
        ),
        (
            lambda: StationaryCovariance(np.ones((2, 3))).matvec(np.ones(5)),
            ValueError,
            r"v must have shape \(6,\)",
        ),
    ],
)
def test_covariance_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def _good():
    rng = np.random.default_rng(9)
    return dict(
        y=rng.normal(size=(4, 6)),
        H=ops.blur(np.ones((2, 3))),
        sigma=0.5,
        mu=0.0,
        Sigma=StationaryCovariance(random_spectrum(rng, (4, 6))),
    )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(y=np.zeros((6, 4))), ValueError, r"y must have shape \(4, 6\)"),
        (dict(y=np.zeros(23)), ValueError, r"y must have shape \(24,\)"),
        (dict(y=np.zeros((2, 4, 6))), ValueError, "y must be 1-D"),
        (dict(y=np.full((4, 6), np.nan)), ValueError, "y contains NaN"),
        (
            dict(y=np.zeros((3, 2)), H=ops.downsample(2)),
            ValueError,
            r"y must have shape \(2, 3\)",
        ),
        (dict(H=ops.downsample(4)), ValueError, "H: downsample by 4 needs"),
        (dict(H=ops.blur(np.ones((5, 5)))), ValueError, "H: the psf of shape"),
        (dict(H=ops.mask(np.ones((4, 5), bool))), ValueError, "H: the mask's shape"),
        (
            dict(H=np.ones((3, 23)), y=np.zeros(3)),
            ValueError,
            r"H must have shape \(m, 24\)",
        ),
        (dict(H=np.ones((3, 24))), ValueError, "y must be 1-D"),
        (
            dict(H=aslinearoperator(np.ones((3, 24)))),
            ValueError,
            "y must be 1-D",
        ),
        (dict(mu=np.zeros((6, 4))), ValueError, r"mu must have shape \(4, 6\)"),
        (dict(mu=np.zeros(23)), ValueError, r"mu must have shape \(24,\)"),
        (dict(mu=np.nan), ValueError, "mu must be finite"),
        (dict(sigma=0.0), ValueError, "sigma must be > 0"),
        (dict(sigma="1"), TypeError, "sigma must be Real"),
        (
            dict(Sigma=aslinearoperator(np.eye(20))),
            ValueError,
            r"Sigma must have shape \(24, 24\) for images of shape \(4, 6\)",
        ),
        (
            dict(Sigma=aslinearoperator(np.ones((24, 20))), H=None, y=np.zeros(24)),
            ValueError,
            r"Sigma must have shape \(n, n\)",
        ),
        (
            dict(Sigma=np.eye(24), y=np.zeros(24)),
            ValueError,
            "y must be an image",
        ),
        (
            dict(Sigma=aslinearoperator(np.eye(24)), y=np.zeros(24)),
            ValueError,
            "y must be an image",
        ),
        (
            dict(H=ops.mask(np.ones((4, 6), bool)), method="fourier"),
            ValueError,
            "method='fourier' needs",
        ),
        (
            dict(Sigma=np.eye(24), H=None, y=np.zeros(24), method="fourier"),
            ValueError,
            "method='fourier' needs",
        ),
        (dict(method="qr"), ValueError, "method must be one of"),
        (dict(tol=-1.0), ValueError, "tol must be > 0"),
        (dict(maxiter=0), ValueError, "maxiter must be >= 1"),
        (
            dict(return_cov=True, method="cg"),
            ValueError,
            "return_cov=True needs a dense",
        ),
        (
            dict(return_cov=True, H=ops.mask(np.ones((4, 6), bool))),
            ValueError,
            "return_cov=True needs a dense",
        ),
        (
            dict(return_cov=True, H=ops.downsample(2), y=np.zeros((2, 3))),
            ValueError,
            "return_cov=True needs a dense",
        ),
        (
            dict(return_cov=True, Sigma=aslinearoperator(np.eye(24))),
            ValueError,
            "return_cov=True needs a dense",
        ),
        (
            dict(
                Sigma=StationaryCovariance(np.ones((4, 6)) * 1e300), y=np.ones((4, 6))
            ),
            ValueError,
            "Sigma holds values up to",
        ),
    ],
)
def test_mmse_bad_input(kwargs, error, match):
    args = _good() | kwargs
    extra = {
        k: args.pop(k) for k in ("method", "return_cov", "tol", "maxiter") if k in args
    }
    with pytest.raises(error, match=match):
        linear_gaussian_mmse(*args.values(), **extra)


def test_cholesky_needs_a_definite_sigma():
    """A semi-definite stationary Σ works in Fourier but not densely."""
    spectrum = np.ones((3, 4))
    spectrum[0, 1] = spectrum[0, 3] = 0.0
    cov = StationaryCovariance(spectrum)
    y = np.ones((3, 4))
    assert np.isfinite(linear_gaussian_mmse(y, None, 0.5, 0.0, cov)).all()
    with pytest.raises(ValueError, match="Sigma must be positive definite"):
        linear_gaussian_mmse(y, None, 0.5, 0.0, cov, method="cholesky")
