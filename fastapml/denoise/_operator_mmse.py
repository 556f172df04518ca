"""linear_gaussian_mmse with an operator H or Σ: the exact Fourier solves
for a stationary prior, and conjugate gradients (see :mod:`.stationary`)."""

import numpy as np
import scipy.fft as fft
from scipy.sparse.linalg import LinearOperator, aslinearoperator

from .._memory import check_memory
from .._validation import (
    check_float_array,
    check_magnitude,
    check_shape,
    float_dtype,
    naming,
)
from ._dense_mmse import (
    NO_FOURIER,
    _cg_mean,
    _check_h,
    _check_options,
    _dense_mmse,
    _scalar,
)
from .operators import Blur, Degradation, Downsample, Mask, alias_mean
from .stationary import StationaryCovariance, _full

__all__ = ["fourier_mmse", "operator_mmse"]


def _small_spectrum(power, shape, factor):
    """The rfft2 half of :func:`~.operators.alias_mean` of the circulant of
    half spectrum ``power``."""
    small = alias_mean(_full(power, shape), factor)
    return small[:, : small.shape[1] // 2 + 1]


def fourier_mmse(y, H, sigma, mu, cov, return_cov=False):
    """The exact posterior mean for a stationary prior, in the Fourier domain.

    For H ``None`` (denoising) or a periodic :class:`~.operators.Blur`, the
    Wiener filter; for a :class:`~.operators.Downsample`, the same solve on
    the small grid, where H Σ Hᵀ is the circulant of S |K|² aliased.  The
    arguments are already checked: :func:`~fastapml.denoise.\
linear_gaussian_mmse` is the public entry.

    Parameters
    ----------
    y : ndarray, shape H.output_shape(cov.shape)
        The observed image, float32 or float64.
    H : None, Blur or Downsample
        The degradation.
    sigma : float
        Noise standard deviation, > 0.
    mu : float or ndarray of shape cov.shape
        Prior mean.
    cov : StationaryCovariance
        Prior covariance Σ.
    return_cov : bool, default False
        Also return the posterior covariance, stationary too (for H None or
        a Blur only): spectrum S σ² / (S |K|² + σ²).

    Returns
    -------
    mean : ndarray, shape cov.shape
        E[x | y], of y's dtype.
    posterior : StationaryCovariance
        Only with ``return_cov``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.denoise.stationary import StationaryCovariance
    >>> from fastapml.denoise._operator_mmse import fourier_mmse
    >>> cov = StationaryCovariance(np.ones((1, 2)))
    >>> mean, post = fourier_mmse(np.array([[2.0, 0.0]]), None, 1.0, 0.0, cov, True)
    >>> mean, post.variance
    (array([[1., 0.]]), 0.5)
    """
    dtype, shape = y.dtype, cov.shape
    noise = dtype.type(sigma) ** 2
    spec = cov._half.astype(dtype, copy=False)
    scalar_mu = np.ndim(mu) == 0
    if isinstance(H, Downsample):
        otf = H.otf(shape, dtype)
        power = spec * (otf.real**2 + otf.imag**2)
        small = _small_spectrum(power, shape, H.factor) + noise
        # H applied to a constant is that constant times the psf's sum
        residual = y - (mu * otf[0, 0].real if scalar_mu else H.apply(mu))
        u = fft.irfft2(fft.rfft2(residual) / small, s=y.shape).astype(dtype)
        return mu + cov.apply(H.adjoint(u)).astype(dtype, copy=False)
    if isinstance(H, Blur):
        otf = H.otf(shape, dtype)
        denom = spec * (otf.real**2 + otf.imag**2) + noise
        gain = spec * otf.conj()
    elif H is None:
        denom, gain = spec + noise, spec
    else:  # pragma: no cover - the dispatcher sends nothing else
        raise TypeError(f"H must be None, a Blur or a Downsample, got {type(H)}")
    # X = S K* Y / D + σ² M / D: the prior mean's share, then the data's
    estimate = gain * fft.rfft2(y) / denom
    if scalar_mu:  # the DC term of a constant image only
        estimate[0, 0] += mu * cov.size * noise / denom[0, 0]
    else:
        estimate += noise * fft.rfft2(mu) / denom
    mean = fft.irfft2(estimate, s=shape).astype(dtype, copy=False)
    if return_cov:
        return mean, StationaryCovariance._of_half(spec * noise / denom, shape)
    return mean


# -- linear_gaussian_mmse with an operator H or Σ ------------------------------


def _image_shape(y, H, Sigma):
    """y checked (an image where its shape is known) and x's shape, or None."""
    stationary = isinstance(Sigma, StationaryCovariance)
    operator = stationary or isinstance(Sigma, LinearOperator)
    image = np.ndim(y) == 2 and (isinstance(H, Degradation) or (H is None and operator))
    dtype = float_dtype(y, np.empty(0, Sigma.dtype) if operator else Sigma)
    y = check_float_array(y, "y", 2 if image else 1, dtype=dtype)
    if stationary:
        return y, Sigma.shape
    if isinstance(H, Mask):
        return y, H.keep.shape
    if isinstance(H, Degradation):
        if not image:
            raise ValueError(
                "y must be an image (2-D) when H is a blur or a downsample and "
                "Sigma is not a StationaryCovariance: the image shape is needed"
            )
        return y, H.input_shape(y.shape)
    return y, (y.shape if image else None)


def operator_mmse(y, H, sigma, mu, Sigma, return_cov, method, tol, maxiter):
    """:func:`~fastapml.denoise.linear_gaussian_mmse` for an operator H or Σ.

    Σ a StationaryCovariance or a LinearOperator, or H one of
    :mod:`~fastapml.denoise.operators` (with any Σ): shapes and layouts are
    resolved here, then the Fourier solve (:func:`fourier_mmse`), conjugate
    gradients, or (``method="cholesky"``, or a dense Σ) the dense path.

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.denoise.stationary import StationaryCovariance
    >>> cov = StationaryCovariance(np.ones((1, 2)))
    >>> operator_mmse(np.array([[2.0, 0.0]]), None, 1.0, 0.0, cov, False,
    ...               "auto", 1e-10, None)
    array([[1., 0.]])
    """
    _check_options(method, tol, maxiter)
    y, shape = _image_shape(y, H, Sigma)
    dtype, operator = y.dtype, isinstance(Sigma, (StationaryCovariance, LinearOperator))
    if isinstance(Sigma, LinearOperator):
        n = Sigma.shape[1]
        if Sigma.shape[0] != n or (shape is not None and n != shape[0] * shape[1]):
            want = "(n, n)" if shape is None else (shape[0] * shape[1],) * 2
            where = "" if shape is None else f" for images of shape {shape}"
            raise ValueError(f"Sigma must have shape {want}{where}, got {Sigma.shape}")
    else:
        n = shape[0] * shape[1]
    if isinstance(H, Degradation):
        with naming("H"):
            H.check(shape)
        out = H.output_shape(shape)
    elif H is None:
        out = (n,) if shape is None else shape
    else:
        H = _check_h(H, n, dtype)
        out = (H.shape[0],)
    check_shape(y, "y", out if y.ndim == 2 else (int(np.prod(out)),))
    if np.ndim(mu) == 0:
        mu = float(_scalar(mu, "mu"))
    else:
        image = shape is not None and np.ndim(mu) == 2
        mu = check_float_array(mu, "mu", 2 if image else 1, dtype=dtype)
        mu = check_shape(mu, "mu", shape if image else (n,)).ravel()
    sigma = _scalar(sigma, "sigma", low=0, low_inclusive=False)
    # the same overflow guard as the dense path's
    for name, arr in (("y", y), ("mu", mu), ("sigma", sigma)):
        check_magnitude(np.asarray(arr, dtype), name, 2, n + 1)
    if isinstance(Sigma, StationaryCovariance):
        check_magnitude(Sigma._half, "Sigma", 2, n + 1)
    image = y.ndim == 2  # the estimate comes back as an image

    if method == "cholesky" or not operator:  # all dense: small problems
        if isinstance(Sigma, StationaryCovariance):
            Sigma = Sigma.todense()
        elif isinstance(Sigma, LinearOperator):
            check_memory(n * n * dtype.itemsize, f"a dense Sigma of {n} pixels")
            Sigma = np.asarray(Sigma.matmat(np.eye(n, dtype=dtype)))
        if isinstance(H, Degradation):
            H = H.aslinearoperator(shape)
        got = _dense_mmse(
            y.ravel(), H, sigma, mu, Sigma, return_cov, method, tol, maxiter
        )
        mean = got[0] if return_cov else got
        mean = mean.reshape(shape) if image else mean
        return (mean, got[1]) if return_cov else mean

    fourier = isinstance(Sigma, StationaryCovariance) and (
        H is None or isinstance(H, (Blur, Downsample))
    )
    if method == "fourier" and not fourier:
        raise ValueError(NO_FOURIER)
    if method == "auto":
        method = "fourier" if fourier else "cg"
    if return_cov and (method != "fourier" or isinstance(H, Downsample)):
        raise ValueError(
            "return_cov=True needs a dense covariance (method='cholesky', small "
            "problems only) or a StationaryCovariance Sigma with H None or a "
            "blur (method='fourier'); here the posterior covariance is neither"
        )
    if method == "fourier":
        mu = mu if np.ndim(mu) == 0 else mu.reshape(shape)
        got = fourier_mmse(y.reshape(out), H, sigma, mu, Sigma, return_cov)
        mean = got[0] if return_cov else got
        mean = mean if image else mean.ravel()
        return (mean, got[1]) if return_cov else mean

    forward, adjoint, cov, keep = _matrix_free(H, Sigma, shape, out, n)
    y = y.ravel() if keep is None else y.ravel()[keep]
    mu = np.full(n, mu, dtype) if np.ndim(mu) == 0 else mu
    noise = dtype.type(sigma) ** 2
    mean = _cg_mean(y, forward, adjoint, cov, noise, mu, dtype, tol, maxiter)
    return mean.reshape(shape) if image else mean


def _matrix_free(H, Sigma, shape, out, n):
    """H, Hᵀ and Σ as functions of flat vectors, and the pixels a mask keeps
    (A is then solved on those only), else None."""
    if isinstance(Sigma, StationaryCovariance):
        cov = lambda v: Sigma.apply(v.reshape(shape)).ravel()  # noqa: E731
    else:
        cov = lambda v: np.asarray(Sigma.matvec(v)).ravel()  # noqa: E731
    if H is None:
        return (lambda v: v), (lambda v: v), cov, None
    if isinstance(H, Mask):
        keep = H.keep.ravel()

        def adjoint(v):
            full = np.zeros(n, dtype=v.dtype)
            full[keep] = v
            return full

        return (lambda v: v[keep]), adjoint, cov, keep
    if isinstance(H, Degradation):
        return (
            lambda v: H.apply(v.reshape(shape)).ravel(),
            lambda v: H.adjoint(v.reshape(out)).ravel(),
            cov,
            None,
        )
    op = aslinearoperator(H)
    return op.matvec, op.rmatvec, cov, None
