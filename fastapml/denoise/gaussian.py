"""Gaussian posteriors: the scalar lemma and the linear-Gaussian MMSE estimate.

The linear model y = Hx + η, x ~ N(μ, Σ), η ~ N(0, σ²I) covers denoising
(H = I), deblurring (H a convolution, :func:`convolution_operator`) and
inpainting (H keeps the observed pixels, :func:`mask_operator`).  No inverse
is ever formed: the posterior mean is computed as
μ + Σ Hᵀ (H Σ Hᵀ + σ²I)⁻¹ (y − Hμ), an m × m SPD system solved by
Cholesky for a dense H and by conjugate gradients, one H and one Hᵀ product
per iteration, for an operator.
"""

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator

from .._memory import check_memory
from .._validation import (
    check_float_array,
    check_int_pair,
    check_magnitude,
)
from ._dense_mmse import _dense_mmse, _scalar
from ._operator_mmse import operator_mmse
from .operators import Degradation
from .stationary import StationaryCovariance

__all__ = [
    "convolution_operator",
    "gaussian_posterior",
    "linear_gaussian_mmse",
    "mask_operator",
]


def _positive(value, name, dtype):
    """``value`` (a scalar or an array) as ``dtype`` entries > 0."""
    if np.ndim(value) == 0:
        return dtype.type(_scalar(value, name, low=0, low_inclusive=False))
    arr = check_float_array(value, name, np.ndim(value), dtype=dtype)
    if arr.size and arr.min() <= 0:
        raise ValueError(f"{name} must be > 0, found {arr.min()}")
    return arr


def gaussian_posterior(y, sigma, sigma_x):
    r"""Posterior of x given y for x ~ N(0, σₓ²), y | x ~ N(x, σ²), elementwise.

    x | y ~ N(m, v) with

    .. math::

        m = \frac{y/\sigma^2}{1/\sigma^2 + 1/\sigma_x^2}
          = \frac{y \sigma_x^2}{\sigma_x^2 + \sigma^2}, \qquad
        v = \frac{1}{1/\sigma^2 + 1/\sigma_x^2}
          = \frac{\sigma^2 \sigma_x^2}{\sigma^2 + \sigma_x^2},

    computed as m = w y, v = w σ² with the shrinkage w = σₓ² / (σₓ² + σ²).

    Parameters
    ----------
    y : array_like
        Observations, any shape, finite.
    sigma : float or array_like
        Noise standard deviation(s), > 0 and finite; broadcast against y.
    sigma_x : float or array_like
        Prior standard deviation(s), > 0 and finite; broadcast against y.

    Returns
    -------
    mean, variance : ndarray
        Posterior means and variances, both of the broadcast shape of the
        three arguments (NumPy scalars when all three are scalars), float32
        when y is float32, else float64.

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.denoise.gaussian import gaussian_posterior
    >>> mean, var = gaussian_posterior(np.array([0.0, 2.0]), 1.0, 1.0)
    >>> mean, var
    (array([0., 1.]), array([0.5, 0.5]))
    """
    y = check_float_array(y, "y", np.ndim(y)).reshape(np.shape(y))
    # the squares of sigma and sigma_x, summed, must stay finite in y's dtype
    sigma = check_magnitude(_positive(sigma, "sigma", y.dtype), "sigma", 2, 2)
    sigma_x = check_magnitude(_positive(sigma_x, "sigma_x", y.dtype), "sigma_x", 2, 2)
    try:
        y, sigma, sigma_x = np.broadcast_arrays(y, sigma, sigma_x)
    except ValueError:
        raise ValueError(
            f"y, sigma and sigma_x must broadcast together, got "
            f"shapes {y.shape}, {sigma.shape} and "
            f"{sigma_x.shape}"
        ) from None
    shrink = sigma_x**2 / (sigma_x**2 + sigma**2)
    return shrink * y, shrink * sigma**2


def linear_gaussian_mmse(
    y, H, sigma, mu, Sigma, *, return_cov=False, method="auto", tol=1e-10, maxiter=None
):
    r"""Posterior mean (the MMSE estimate) of x for y = Hx + η, Gaussian x, η.

    With x ~ N(μ, Σ) and η ~ N(0, σ²I) independent, and
    :math:`A = H \Sigma H^\top + \sigma^2 I`,

    .. math::

        \mathrm{E}[x \mid y]
            &= (\Sigma^{-1} + H^\top H/\sigma^2)^{-1}
               (\Sigma^{-1}\mu + H^\top y/\sigma^2)
             = \mu + \Sigma H^\top A^{-1} (y - H\mu), \\
        \mathrm{Cov}[x \mid y]
            &= (\Sigma^{-1} + H^\top H/\sigma^2)^{-1}
             = \Sigma - \Sigma H^\top A^{-1} H \Sigma.

    The second forms are the ones computed (no inverse is formed).  Uses:
    denoising (``H=None``, the identity), deblurring (H a blur,
    :func:`~fastapml.denoise.operators.blur` or :func:`convolution_operator`),
    inpainting (H keeps the observed entries,
    :func:`~fastapml.denoise.operators.mask` or :func:`mask_operator`),
    super-resolution (:func:`~fastapml.denoise.operators.downsample`).

    Σ is a dense matrix (small problems; the oracle), a
    :class:`~fastapml.denoise.stationary.StationaryCovariance` (a circulant
    prior on (H, W) images, applied by FFT), or any symmetric positive
    semi-definite LinearOperator.  For a stationary Σ and H ``None``, a
    :func:`~fastapml.denoise.operators.blur` or a
    :func:`~fastapml.denoise.operators.downsample` (all periodic) the estimate
    is exact in the Fourier domain (the Wiener filter), O(n log n): a
    512 x 512 deconvolution takes milliseconds.  Other operator cases run
    conjugate gradients on A, with one Σ product per iteration.

    Parameters
    ----------
    y : array_like, shape (m,) or an image
        Observations.  May be an image (2-D) when H is one of
        :mod:`fastapml.denoise.operators` (shape ``H.output_shape`` of x's),
        or when H is ``None`` and Σ is not dense (x has y's shape; that of a
        stationary Σ); the estimate then comes back as an image, of x's
        shape, else flattened (n,).  With a mask, the pixels it drops are
        ignored.
    H : None, array_like of shape (m, n), sparse matrix, LinearOperator or Degradation
        Forward operator; ``None`` means the identity (m = n); a Degradation
        is one of :mod:`fastapml.denoise.operators`.  A blur,
        mask or downsample acts on images of Σ's shape (a stationary Σ), of
        the mask's shape, or, otherwise, of the shape that gives y's image.
    sigma : float
        Noise standard deviation, > 0.
    mu : float or array_like of shape (n,)
        Prior mean; a scalar is the same mean for every entry.  An image of
        x's shape is accepted where that shape is known.
    Sigma : array_like of shape (n, n), StationaryCovariance or LinearOperator
        Prior covariance.  Dense: symmetric (to √eps relative) and positive
        definite.  A LinearOperator is trusted to be symmetric positive
        semi-definite (not checked).
    return_cov : bool, default False
        Also return the posterior covariance.  For a dense Σ (or with
        ``method="cholesky"``) it is the dense (n, n) matrix.  For a
        stationary Σ and H ``None`` or a blur it is stationary too: a
        StationaryCovariance of spectrum
        :math:`S \sigma^2 / (S |K|^2 + \sigma^2)`.  Otherwise it
        is not available (``ValueError``).
    method : {"auto", "cholesky", "cg", "fourier"}, default "auto"
        ``"cholesky"`` factors the dense A (an operator H or Σ is first made
        dense with n mat-vecs: small problems only); ``"cg"`` runs conjugate
        gradients on A as a LinearOperator (a dense H is wrapped);
        ``"fourier"`` the exact Fourier-domain solve (a stationary Σ with H
        ``None``, a blur or a downsample).  ``"auto"`` takes ``"fourier"``
        where it applies, else ``"cg"`` when H or Σ is an operator and
        ``return_cov`` is False, else ``"cholesky"``.
    tol : float, default 1e-10
        Relative residual at which conjugate gradients stop (their ``rtol``).
    maxiter : int, optional
        Conjugate-gradient iteration limit; default 10 m.  ``RuntimeError``
        if it is reached before ``tol``.

    Returns
    -------
    mean : ndarray, shape (n,) or x's image shape
        E[x | y], in y's layout (see ``y``); float32 when y and Sigma are
        float32, else float64.
    cov : ndarray of shape (n, n) or StationaryCovariance
        Cov[x | y], only with ``return_cov=True``.

    Examples
    --------
    Denoising three pixels with unit prior and noise variances halves
    their distance to the prior mean:

    >>> import numpy as np
    >>> from fastapml.denoise.gaussian import linear_gaussian_mmse
    >>> linear_gaussian_mmse(np.array([2.0, 0.0, -2.0]), None, 1.0, 0.0,
    ...                      np.eye(3))
    array([ 1.,  0., -1.])

    Wiener deconvolution of a 256 x 256 image under a natural-image prior:

    >>> from fastapml.denoise.operators import blur
    >>> from fastapml.denoise.stationary import StationaryCovariance
    >>> prior = StationaryCovariance.power_law((256, 256), variance=0.05)
    >>> H = blur(np.full((5, 5), 1 / 25))
    >>> x = 0.5 + prior.sample(0)
    >>> y = H.apply(x) + 0.01 * np.random.default_rng(1).standard_normal(x.shape)
    >>> x_hat = linear_gaussian_mmse(y, H, 0.01, 0.5, prior)
    >>> x_hat.shape, bool(np.abs(x_hat - x).mean() < np.abs(y - x).mean())
    ((256, 256), True)
    """
    if isinstance(Sigma, (StationaryCovariance, LinearOperator)) or isinstance(
        H, Degradation
    ):
        return operator_mmse(y, H, sigma, mu, Sigma, return_cov, method, tol, maxiter)
    return _dense_mmse(y, H, sigma, mu, Sigma, return_cov, method, tol, maxiter)


def mask_operator(mask):
    """The sparse (m, n) matrix keeping the entries where ``mask`` is True.

    ``mask`` of any shape is flattened in C order (like an image flattened
    for :func:`linear_gaussian_mmse`); m is its number of True entries.  Hᵀ
    puts observed values back in place, zeros elsewhere.

    Parameters
    ----------
    mask : array_like of bool
        True where the entry is observed.

    Returns
    -------
    scipy.sparse.csr_array, shape (m, n)
        m = ``mask.sum()``, n = ``mask.size``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.denoise.gaussian import mask_operator
    >>> mask_operator(np.array([True, False, True])) @ np.array([1., 2., 3.])
    array([1., 3.])
    """
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"mask must be boolean, got dtype {mask.dtype}")
    rows = np.flatnonzero(mask)
    return sp.csr_array(
        (np.ones(rows.size), (np.arange(rows.size), rows)), shape=(rows.size, mask.size)
    )


def convolution_operator(kernel, shape):
    """2-D 'same' convolution with zero boundary as a LinearOperator.

    Acts on images of ``shape`` flattened in C order: matvec is
    ``convolve2d(x, kernel, mode="same")``, rmatvec its adjoint, the 'same'
    correlation with ``kernel``.  float32 for a float32 kernel, else float64.

    Parameters
    ----------
    kernel : array_like of float, shape (k_h, k_w)
        The blur kernel.
    shape : (int, int)
        Height and width of the images it acts on.

    Returns
    -------
    scipy.sparse.linalg.LinearOperator, shape (H W, H W)
        The convolution on flattened images.

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.denoise.gaussian import convolution_operator
    >>> H = convolution_operator(np.full((1, 2), 0.5), (1, 3))
    >>> H @ np.array([2., 4., 6.])
    array([1., 3., 5.])
    """
    from scipy.signal import convolve2d, correlate2d  # slow to import

    kernel = check_float_array(kernel, "kernel", 2, allow_empty=False)
    shape = check_int_pair(shape, "shape", low=1)
    size = shape[0] * shape[1]
    # one image and the convolution's output per product
    check_memory(2 * size * kernel.itemsize, f"an image of shape {shape}")

    def apply(flat, op):
        return op(flat.reshape(shape), kernel, mode="same").ravel()

    return LinearOperator(
        (size, size),
        dtype=kernel.dtype,
        matvec=lambda x: apply(x, convolve2d),
        rmatvec=lambda x: apply(x, correlate2d),
    )
