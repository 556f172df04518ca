"""Stationary image priors: circulant covariances applied by FFT.

A covariance of (H, W) images is *stationary* (on the torus) when the
covariance of two pixels depends only on their offset, Σ[i, j] = c((i − j)
mod (H, W)) for an autocovariance c with c(Δ) = c(−Δ).  Σ is then block
circulant: the 2-D DFT diagonalizes it, its eigenvalues are the power
spectrum S = fft2(c) (real, even, ≥ 0), and Σ x = ifft2(S · fft2(x)) costs
O(n log n) instead of O(n²) for n = H W pixels.

:class:`StationaryCovariance` holds S (as its rfft2 half).  With such a prior
and an observation y = Hx + η whose H is also diagonal in the Fourier domain
(``H=None``, a periodic :func:`~fastapml.denoise.operators.blur`), the
posterior mean is the Wiener filter, one FFT per image:

.. math::

    \\hat x = \\mu + \\mathcal{F}^{-1}\\left[
        \\frac{S \\bar K}{S |K|^2 + \\sigma^2}\\,\\mathcal{F}(y - H\\mu)\\right],

K the blur's transfer function; with a periodic
:func:`~fastapml.denoise.operators.downsample`, H Σ Hᵀ is a circulant on
the small grid whose spectrum is S |K|² averaged over its aliases, so the
estimate stays exact and O(n log n) (:func:`fourier_mmse`).
:func:`fastapml.denoise.linear_gaussian_mmse` dispatches here.
"""

import numpy as np
import scipy.fft as fft
from scipy.sparse.linalg import LinearOperator

from .._memory import check_memory
from .._validation import (
    check_float_array,
    check_int_pair,
    check_scalar,
)
from .operators import place

__all__ = ["StationaryCovariance"]


def _tolerance(dtype):
    """Relative slack for the symmetry and sign checks (√eps)."""
    return float(np.sqrt(np.finfo(dtype).eps))


def _reflect(full):
    """The array a(−k): a[(−k₁) mod H, (−k₂) mod W]."""
    return np.roll(full[::-1, ::-1], (1, 1), axis=(0, 1))


def _full(half, shape):
    """The (H, W) even array whose first W//2 + 1 columns are ``half``."""
    height, width = shape
    cut = width // 2 + 1
    full = np.empty(shape, dtype=half.dtype)
    full[:, :cut] = half
    rows = (-np.arange(height)) % height
    full[:, cut:] = half[rows][:, width - np.arange(cut, width)]
    return full


def _check_spectrum(spectrum, shape):
    """``spectrum`` (full or rfft2 half) as the even, non-negative half."""
    if np.iscomplexobj(spectrum):
        spectrum = np.asarray(spectrum)
        imag = np.abs(spectrum.imag).max(initial=0)
        if imag > _tolerance(spectrum.real.dtype) * np.abs(spectrum).max(initial=0):
            raise ValueError(
                f"spectrum must be real (the eigenvalues of a symmetric "
                f"covariance), its imaginary part reaches {imag:.3g}"
            )
        spectrum = spectrum.real
    spectrum = check_float_array(spectrum, "spectrum", 2, allow_empty=False)
    if shape is None:
        shape = spectrum.shape
    shape = check_int_pair(shape, "shape", low=1)
    half_shape = (shape[0], shape[1] // 2 + 1)
    if spectrum.shape == half_shape:
        full = _full(spectrum, shape)
    elif spectrum.shape == shape:
        full = spectrum
    else:
        raise ValueError(
            f"spectrum must have shape {shape} (the fft2 of the autocovariance) "
            f"or {half_shape} (its rfft2 half) for images of shape {shape}, "
            f"got {spectrum.shape}"
        )
    tol = _tolerance(full.dtype) * np.abs(full).max()
    odd = np.abs(full - _reflect(full)).max()
    if odd > tol:
        raise ValueError(
            f"spectrum must be even, S[k] = S[-k] (that of a real symmetric "
            f"autocovariance), max |S[k] - S[-k]| is {odd:.3g}"
        )
    full = 0.5 * (full + _reflect(full))
    low = full.min()
    if low < -tol:
        where = np.unravel_index(np.argmin(full), shape)
        raise ValueError(
            f"spectrum must be >= 0 (the covariance's eigenvalues), it reaches "
            f"{low:.3g} at frequency {tuple(map(int, where))}"
        )
    return np.maximum(full[:, : half_shape[1]], 0), shape


class StationaryCovariance:
    """A stationary (circulant) covariance of (H, W) images, applied by FFT.

    Σ[i, j] = c((i − j) mod (H, W)) for pixels i, j of images flattened in C
    order, periodic at the borders.  Held as its power spectrum S = fft2(c),
    the eigenvalues of Σ: a product Σ x costs one rfft2 and one irfft2.
    Build it with :meth:`from_spectrum`, :meth:`from_kernel` or
    :meth:`power_law`; pass it as ``Sigma`` to
    :func:`~fastapml.denoise.linear_gaussian_mmse`.

    Parameters
    ----------
    spectrum : array_like, shape (H, W) or (H, W // 2 + 1)
        The power spectrum: real, even (S[k] = S[−k]) and ≥ 0, to √eps
        relative to its largest value (within that, it is symmetrized and
        clipped at 0).  Either the whole fft2 of the autocovariance or its
        rfft2 half; a complex array whose imaginary part is rounding is
        accepted.  float32 stays float32, anything else becomes float64.
    shape : (int, int), optional
        The image shape (H, W); needed when ``spectrum`` is the rfft2 half.

    Attributes
    ----------
    shape : tuple of int
        The image shape (H, W).
    size : int
        The number of pixels n = H W; Σ is n × n.
    dtype : numpy.dtype
        float32 or float64.

    Examples
    --------
    White noise of variance 2 has a flat spectrum:

    >>> import numpy as np
    >>> from fastapml.denoise.stationary import StationaryCovariance
    >>> cov = StationaryCovariance(np.full((2, 3), 2.0))
    >>> cov.shape, cov.variance
    ((2, 3), 2.0)
    >>> cov.todense()[0]
    array([2., 0., 0., 0., 0., 0.])
    """

    def __init__(self, spectrum, shape=None):
        self._half, self.shape = _check_spectrum(spectrum, shape)
        self.size = self.shape[0] * self.shape[1]
        self.dtype = self._half.dtype

    @classmethod
    def _of_half(cls, half, shape):
        """From a half spectrum already known to be valid."""
        cov = cls.__new__(cls)
        cov._half, cov.shape = half, tuple(shape)
        cov.size, cov.dtype = cov.shape[0] * cov.shape[1], half.dtype
        return cov

    @classmethod
    def from_spectrum(cls, spectrum, shape=None):
        """The covariance whose eigenvalues are ``spectrum``.

        Parameters
        ----------
        spectrum : array_like, shape (H, W) or (H, W // 2 + 1)
            The fft2 of the autocovariance (real, even, ≥ 0), or its rfft2
            half: see :class:`StationaryCovariance`.
        shape : (int, int), optional
            The image shape; needed for a half spectrum.

        Returns
        -------
        StationaryCovariance

        Examples
        --------
        >>> import numpy as np
        >>> from fastapml.denoise.stationary import StationaryCovariance
        >>> StationaryCovariance.from_spectrum(np.ones((4, 3)), (4, 4)).shape
        (4, 4)
        """
        return cls(spectrum, shape)

    @classmethod
    def from_kernel(cls, kernel, shape):
        """The covariance whose autocovariance is ``kernel``, periodically.

        Σ[i, j] = c((i − j) mod shape), where c(Δ) is the entry of
        ``kernel`` at offset Δ from its centre ``(k_h // 2, k_w // 2)`` and 0
        beyond the kernel.

        Parameters
        ----------
        kernel : array_like, shape (k_h, k_w)
            The autocovariance around lag 0, no larger than ``shape``:
            symmetric, c(Δ) = c(−Δ) on the periodic grid, and positive
            semi-definite there (its spectrum ≥ 0), both to √eps relative.
            float32 stays float32, anything else becomes float64.
        shape : int or (int, int)
            The image shape (H, W).

        Returns
        -------
        StationaryCovariance

        Raises
        ------
        ValueError
            If the kernel is larger than ``shape``, not symmetric, or its
            circulant is not positive semi-definite (the message gives the
            most negative eigenvalue).

        Examples
        --------
        Neighbouring pixels of a 1 x 4 image correlated by 0.25:

        >>> import numpy as np
        >>> from fastapml.denoise.stationary import StationaryCovariance
        >>> cov = StationaryCovariance.from_kernel([[0.25, 1.0, 0.25]], (1, 4))
        >>> cov.todense()[0]
        array([1.  , 0.25, 0.  , 0.25])
        >>> StationaryCovariance.from_kernel([[0.75, 1.0, 0.75]], (1, 4))
        Traceback (most recent call last):
        ...
        ValueError: kernel does not give a positive semi-definite covariance \
on images of shape (1, 4): its spectrum (the eigenvalues) reaches -0.5 at \
frequency (0, 2)
        """
        kernel = check_float_array(kernel, "kernel", 2, allow_empty=False)
        shape = check_int_pair(shape, "shape", low=1)
        if kernel.shape[0] > shape[0] or kernel.shape[1] > shape[1]:
            raise ValueError(
                f"kernel of shape {kernel.shape} is larger than the images, "
                f"of shape {shape}"
            )
        grid = place(kernel, shape, np.float64)
        tol = _tolerance(kernel.dtype)
        asym = np.abs(grid - _reflect(grid)).max()
        if asym > tol * np.abs(grid).max():
            raise ValueError(
                f"kernel must be symmetric about its centre "
                f"{(kernel.shape[0] // 2, kernel.shape[1] // 2)}, c(d) = c(-d) on "
                f"the periodic {shape} grid; max |c(d) - c(-d)| is {asym:.3g}"
            )
        half = fft.rfft2(0.5 * (grid + _reflect(grid))).real
        low = half.min()
        if low < -tol * max(np.abs(half).max(), np.finfo(np.float64).tiny):
            where = np.unravel_index(np.argmin(half), half.shape)
            raise ValueError(
                f"kernel does not give a positive semi-definite covariance on "
                f"images of shape {shape}: its spectrum (the eigenvalues) "
                f"reaches {low:.3g} at frequency {tuple(map(int, where))}"
            )
        return cls._of_half(np.maximum(half, 0).astype(kernel.dtype), shape)

    @classmethod
    def power_law(cls, shape, exponent=2.0, *, variance=1.0, cutoff=None):
        r"""A natural-image prior: spectrum :math:`(|f|^2 + f_0^2)^{-\alpha/2}`.

        Natural images have a power spectrum close to :math:`1/|f|^2` (α = 2).  The
        spectrum is flattened below the ``cutoff`` f₀ so that its DC value
        stays finite, and scaled so that each pixel has the given
        ``variance`` (c(0), the mean of the spectrum).

        Parameters
        ----------
        shape : int or (int, int)
            The image shape (H, W).
        exponent : float, default 2.0
            α ≥ 0; 0 is white noise.
        variance : float, default 1.0
            The marginal variance of each pixel, > 0.
        cutoff : float, optional
            f₀ in cycles per pixel, > 0; default one cycle per image,
            1 / max(H, W).

        Returns
        -------
        StationaryCovariance
            float64.

        Examples
        --------
        >>> from fastapml.denoise.stationary import StationaryCovariance
        >>> cov = StationaryCovariance.power_law((64, 64), variance=0.05)
        >>> round(cov.variance, 6)
        0.05
        >>> bool(cov.spectrum[0, 1] > cov.spectrum[0, 32])
        True
        """
        shape = check_int_pair(shape, "shape", low=1)
        exponent = check_scalar(exponent, "exponent", low=0)
        variance = check_scalar(variance, "variance", low=0, low_inclusive=False)
        if cutoff is None:
            cutoff = 1.0 / max(shape)
        cutoff = check_scalar(cutoff, "cutoff", low=0, low_inclusive=False)
        fy = fft.fftfreq(shape[0])[:, None]
        fx = fft.rfftfreq(shape[1])[None, :]
        half = (fy**2 + fx**2 + cutoff**2) ** (-exponent / 2)
        half *= variance / _full(half, shape).mean()
        return cls._of_half(half, shape)

    # ------------------------------------------------------------------
    @property
    def spectrum(self):
        """The eigenvalues of Σ, fft2 of the autocovariance: (H, W) array."""
        return _full(self._half, self.shape)

    @property
    def rspectrum(self):
        """The rfft2 half of :attr:`spectrum`: (H, W // 2 + 1) array."""
        return self._half.copy()

    @property
    def variance(self):
        """The marginal variance of each pixel, c(0) = mean of the spectrum."""
        return float(self.spectrum.mean())

    def autocovariance(self):
        """c(Δ) for every offset Δ, lag 0 at [0, 0]: an (H, W) array.

        Returns
        -------
        ndarray, shape (H, W)
            Σ's first row as an image (c(Δ) at [Δ₁ mod H, Δ₂ mod W]).

        Examples
        --------
        >>> import numpy as np
        >>> from fastapml.denoise.stationary import StationaryCovariance
        >>> cov = StationaryCovariance.from_kernel([[0.5, 1.0, 0.5]], (1, 4))
        >>> cov.autocovariance()
        array([[1. , 0.5, 0. , 0.5]])
        """
        return fft.irfft2(self._half, s=self.shape)

    def apply(self, image):
        """Σ x for images x: shape (..., H, W), periodic.

        Parameters
        ----------
        image : array_like, shape (..., H, W)
            One image or a stack of them.

        Returns
        -------
        ndarray, shape of ``image``
            float32 when ``image`` and the covariance are float32, else
            float64.

        Examples
        --------
        >>> import numpy as np
        >>> from fastapml.denoise.stationary import StationaryCovariance
        >>> cov = StationaryCovariance.from_kernel([[0.5, 1.0, 0.5]], (1, 4))
        >>> cov.apply(np.array([[1.0, 0.0, 0.0, 0.0]]))
        array([[1. , 0.5, 0. , 0.5]])
        """
        image = np.asarray(image)
        if image.ndim < 2 or image.shape[-2:] != self.shape:
            raise ValueError(
                f"image must have shape (..., {self.shape[0]}, {self.shape[1]}) "
                f"to match the covariance, got {image.shape}"
            )
        image = check_float_array(image, "image", image.ndim)
        dtype = np.result_type(image.dtype, self.dtype)
        spec = fft.rfft2(image.astype(dtype, copy=False))
        return fft.irfft2(spec * self._half.astype(dtype), s=self.shape)

    def matvec(self, v):
        """Σ v for an image v flattened in C order: shape (n,).

        Parameters
        ----------
        v : array_like, shape (n,)
            An image flattened in C order.

        Returns
        -------
        ndarray, shape (n,)
            Σ v.

        Examples
        --------
        >>> import numpy as np
        >>> from fastapml.denoise.stationary import StationaryCovariance
        >>> StationaryCovariance(np.full((2, 2), 3.0)).matvec(np.ones(4))
        array([3., 3., 3., 3.])
        """
        v = np.asarray(v)
        if v.shape != (self.size,):
            raise ValueError(f"v must have shape ({self.size},), got {v.shape}")
        return self.apply(v.reshape(self.shape)).ravel()

    def aslinearoperator(self):
        """Σ as a symmetric :class:`scipy.sparse.linalg.LinearOperator`.

        Returns
        -------
        LinearOperator, shape (n, n)
            On images flattened in C order; of the covariance's dtype.

        Examples
        --------
        >>> import numpy as np
        >>> from fastapml.denoise.stationary import StationaryCovariance
        >>> op = StationaryCovariance(np.full((2, 2), 3.0)).aslinearoperator()
        >>> op.shape, op @ np.ones(4)
        ((4, 4), array([3., 3., 3., 3.]))
        """
        n, shape = self.size, self.shape

        def matvec(v):  # scipy passes (n,) or (n, 1)
            v = np.asarray(v)
            return self.apply(v.reshape(shape)).reshape(v.shape)

        def matmat(block):
            block = np.asarray(block)
            k = block.shape[1]
            return self.apply(block.T.reshape(k, *shape)).reshape(k, n).T

        return LinearOperator(
            (n, n),
            matvec=matvec,
            rmatvec=matvec,
            matmat=matmat,
            rmatmat=matmat,
            dtype=self.dtype,
        )

    def todense(self):
        """Σ as a dense (n, n) array, exactly symmetric; for small images.

        Returns
        -------
        ndarray, shape (n, n)
            Σ[i, j] = c((i − j) mod shape) for pixels flattened in C order.

        Raises
        ------
        ValueError
            If the n² entries do not fit in the available memory.

        Examples
        --------
        >>> from fastapml.denoise.stationary import StationaryCovariance
        >>> StationaryCovariance.from_kernel([[0.5, 1.0, 0.5]], (1, 3)).todense()
        array([[1. , 0.5, 0.5],
               [0.5, 1. , 0.5],
               [0.5, 0.5, 1. ]])
        """
        n = self.size
        check_memory(
            n * n * (self.dtype.itemsize + 16), f"a dense covariance of {n} pixels"
        )
        c = self.autocovariance()
        c = 0.5 * (c + _reflect(c))  # exactly even, so Σ is exactly symmetric
        rows, cols = np.divmod(np.arange(n), self.shape[1])
        return c[
            (rows[:, None] - rows) % self.shape[0],
            (cols[:, None] - cols) % self.shape[1],
        ]

    def sample(self, random_state=None):
        """One image drawn from N(0, Σ).

        Parameters
        ----------
        random_state : int, numpy.random.Generator or None
            Seed for :func:`numpy.random.default_rng`.

        Returns
        -------
        ndarray, shape (H, W)
            Σ^½ w for white noise w; of the covariance's dtype.

        Examples
        --------
        >>> from fastapml.denoise.stationary import StationaryCovariance
        >>> StationaryCovariance.power_law((32, 32)).sample(0).shape
        (32, 32)
        """
        white = np.random.default_rng(random_state).standard_normal(self.shape)
        spec = fft.rfft2(white.astype(self.dtype)) * np.sqrt(self._half)
        return fft.irfft2(spec, s=self.shape)

    def __repr__(self):
        return (
            f"StationaryCovariance(shape={self.shape}, dtype={self.dtype}, "
            f"variance={self.variance:.4g})"
        )
