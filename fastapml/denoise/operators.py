"""Image degradations y = H x for :func:`~fastapml.denoise.restore`.

Each operator knows how to apply H and Hᵀ to images and how to solve the
half-quadratic-splitting x-step exactly,

.. math::

    \\hat x = \\arg\\min_x \\frac{\\lVert Hx - y\\rVert^2}{\\sigma^2}
              + \\beta \\lVert x - \\bar x\\rVert^2
            = (H^\\top H/\\sigma^2 + \\beta I)^{-1}
              (H^\\top y/\\sigma^2 + \\beta \\bar x),

- :func:`blur`: periodic (circular) convolution, solved in the Fourier
  domain, where H is diagonal;
- :func:`mask`: H keeps the observed pixels, solved pixel by pixel;
- :func:`downsample`: a periodic blur then keeping every ``factor``-th
  pixel, solved in the Fourier domain by the Woodbury identity (Zhao et al.
  2016), since H Hᵀ is a convolution on the small grid;
- any :class:`scipy.sparse.linalg.LinearOperator`: conjugate gradients.

A PSF's centre is its pixel ``(k_h // 2, k_w // 2)``, as in
:func:`scipy.ndimage.convolve`.

References
----------
N. Zhao, Q. Wei, A. Basarab, N. Dobigeon, D. Kouamé and J.-Y. Tourneret,
"Fast single image super-resolution using a new analytical solution for
ℓ2–ℓ2 problems", IEEE Trans. Image Processing 25(8), 2016.
"""

import numbers

import numpy as np
import scipy.fft as fft
from scipy import ndimage
from scipy.sparse.linalg import LinearOperator, cg

from .._validation import check_float_array, check_scalar

__all__ = ["Blur", "Downsample", "Mask", "blur", "downsample", "mask"]

CG_TOL = 1e-5  # relative residual of a LinearOperator's x-step
CG_MAXITER = 200


class Degradation:
    """A linear map of (H, W) images, y = H x, and its exact x-step.

    ``schedule`` is EPLL's default for it: (first, last, steps) patch noise
    levels on the 0-255 scale, and ``stride`` its patch stride, tuned on
    images the benchmarks do not score.  ``nonlocal_schedule`` is EPLL's
    before a non-local step (``restore(method="nonlocal")``), None where
    that step is not defined.
    """

    schedule = (40.0, 2.0, 16)
    nonlocal_schedule = None
    stride = 4

    def output_shape(self, shape):
        """The shape of H x for an image x of ``shape``."""
        return tuple(shape)

    def input_shape(self, shape):
        """The shape of x for an observation y of ``shape``."""
        return tuple(shape)

    def check(self, shape):
        """Raise ValueError unless the operator acts on images of ``shape``."""

    def initial(self, y):
        """A first estimate of x from y (where EPLL starts)."""
        return self.adjoint(y)

    def aslinearoperator(self, shape):
        """H on images of ``shape`` flattened in C order."""
        self.check(shape)
        out = self.output_shape(shape)
        return LinearOperator(
            (int(np.prod(out)), int(np.prod(shape))),
            matvec=lambda v: self.apply(v.reshape(shape)).ravel(),
            rmatvec=lambda v: self.adjoint(v.reshape(out)).ravel(),
            dtype=np.float64,
        )


def place(kernel, shape, dtype):
    """``kernel`` on a ``shape`` grid, its centre (k_h//2, k_w//2) at (0, 0)."""
    kh, kw = kernel.shape
    grid = np.zeros(shape, dtype=dtype)
    grid[:kh, :kw] = kernel
    return np.roll(grid, (-(kh // 2), -(kw // 2)), axis=(0, 1))


def alias_mean(spectrum, factor):
    """The spectrum on the ``factor``-times smaller grid of S C Sᵀ, for S the
    decimation and C the circulant of (full, fft2) ``spectrum``: its mean
    over the factor² aliases."""
    f = factor
    h, w = spectrum.shape[0] // f, spectrum.shape[1] // f
    return spectrum.reshape(f, h, f, w).mean(axis=(0, 2))


def _check_psf(psf):
    psf = check_float_array(psf, "psf", 2, np.float64, allow_empty=False)
    if not psf.any():
        raise ValueError("psf must not be all zeros")
    return psf


class _Periodic(Degradation):
    """Periodic convolution with ``psf``; its transfer functions cached for
    the last image shape and dtype."""

    def __init__(self, psf):
        self.psf = _check_psf(psf)
        self._cache = {}

    def _cached(self, what, shape, dtype, make):
        """``make()``, kept for the last ``shape`` and ``dtype`` asked."""
        key = (what, tuple(shape), np.dtype(dtype))
        if key not in self._cache:
            self._cache = {k: v for k, v in self._cache.items() if k[1:] == key[1:]}
            self._cache[key] = make()
        return self._cache[key]

    def otf(self, shape, dtype=np.float64):
        """The transfer function on a ``shape`` grid (an rfft2 array)."""
        return self._cached(
            "otf", shape, dtype, lambda: fft.rfft2(place(self.psf, shape, dtype))
        )

    def check(self, shape):
        if self.psf.shape[0] > shape[0] or self.psf.shape[1] > shape[1]:
            raise ValueError(
                f"the psf of shape {self.psf.shape} is larger than the image "
                f"of shape {tuple(shape)}"
            )

    def _convolve(self, x, conjugate=False):
        k = self.otf(x.shape, x.dtype)
        return fft.irfft2(fft.rfft2(x) * (k.conj() if conjugate else k), s=x.shape)


class Blur(_Periodic):
    """Periodic convolution with a PSF: see :func:`blur`."""

    def apply(self, x):
        return self._convolve(x)

    def adjoint(self, y):
        return self._convolve(y, conjugate=True)

    def initial(self, y):
        return y

    def solve(self, y, xbar, beta, sigma):
        k = self.otf(y.shape, y.dtype)
        w = 1.0 / sigma**2
        num = k.conj() * fft.rfft2(y) * w + beta * fft.rfft2(xbar)
        return fft.irfft2(num / ((k.real**2 + k.imag**2) * w + beta), s=y.shape)


class Downsample(_Periodic):
    """Periodic blur, then every ``factor``-th pixel: see :func:`downsample`."""

    schedule = (20.0, 2.0, 24)

    def __init__(self, factor, psf=None):
        self.factor = check_scalar(factor, "factor", numbers.Integral, low=1)
        box = np.full((factor, factor), 1.0 / factor**2)
        super().__init__(box if psf is None else psf)
        self.offset = (self.factor - 1) // 2

    def output_shape(self, shape):
        return (shape[0] // self.factor, shape[1] // self.factor)

    def input_shape(self, shape):
        return (shape[0] * self.factor, shape[1] * self.factor)

    def check(self, shape):
        super().check(shape)
        if shape[0] % self.factor or shape[1] % self.factor:
            raise ValueError(
                f"downsample by {self.factor} needs an image whose height and "
                f"width are multiples of it, got shape {tuple(shape)}"
            )

    def _keep(self, x):
        f, o = self.factor, self.offset
        return x[o::f, o::f]

    def _spread(self, y):
        f, o = self.factor, self.offset
        x = np.zeros(self.input_shape(y.shape), dtype=y.dtype)
        x[o::f, o::f] = y
        return x

    def apply(self, x):
        return np.ascontiguousarray(self._keep(self._convolve(x)))

    def adjoint(self, y):
        return self._convolve(self._spread(y), conjugate=True)

    def initial(self, y):
        # cubic spline through the samples, each at the centre of its block
        return ndimage.zoom(y, self.factor, order=3, mode="grid-mirror", grid_mode=True)

    def _small_spectrum(self, shape, dtype):
        """The spectrum of S K Kᵀ Sᵀ on the small grid (a full fft2)."""

        def make():
            k = fft.fft2(place(self.psf, shape, dtype))
            return alias_mean(k.real**2 + k.imag**2, self.factor)

        return self._cached("small", shape, dtype, make)

    def solve(self, y, xbar, beta, sigma):
        # Woodbury: (HᵀH/s² + b)⁻¹ r = (r - Hᵀ (s² b + H Hᵀ)⁻¹ H r) / b
        shape = self.input_shape(y.shape)
        r = self.adjoint(y) / sigma**2 + beta * xbar
        small = self._small_spectrum(shape, y.dtype)
        u = fft.ifft2(fft.fft2(self.apply(r)) / (sigma**2 * beta + small)).real
        return (r - self.adjoint(u.astype(y.dtype, copy=False))) / beta


class Mask(Degradation):
    """Keep the observed pixels: see :func:`mask`."""

    schedule = (20.0, 1.0, 40)
    # the non-local step does much of what the last 20 steps would
    nonlocal_schedule = (20.0, 1.0, 20)

    def __init__(self, keep):
        keep = np.asarray(keep)
        if keep.dtype != bool:
            raise TypeError(f"keep must be a boolean array, got dtype {keep.dtype}")
        if keep.ndim != 2:
            raise ValueError(f"keep must be 2-D, got shape {keep.shape}")
        if not keep.any():
            raise ValueError("keep must keep at least one pixel")
        self.keep = keep

    def check(self, shape):
        if tuple(shape) != self.keep.shape:
            raise ValueError(
                f"the mask's shape {self.keep.shape} differs from the image's "
                f"{tuple(shape)}"
            )

    def apply(self, x):
        return np.where(self.keep, x, 0).astype(x.dtype, copy=False)

    adjoint = apply

    def initial(self, y):
        """Normalized convolution: each missing pixel is the Gaussian-weighted
        mean of the observed ones, at the smallest scale that reaches one."""
        m = self.keep.astype(y.dtype)
        x = np.where(self.keep, y, 0).astype(y.dtype)
        todo = ~self.keep
        scale = 1.0
        # past the image's size the weights are about flat: whatever is left
        # (far from a lone observed pixel) takes the observed mean
        while todo.any() and scale <= max(x.shape):
            weight = ndimage.gaussian_filter(m, scale, mode="reflect")
            value = ndimage.gaussian_filter(x * m, scale, mode="reflect")
            fill = todo & (weight > 1e-3)
            x[fill] = value[fill] / weight[fill]
            todo &= ~fill
            scale *= 2
        x[todo] = y[self.keep].mean()
        return x

    def solve(self, y, xbar, beta, sigma):
        w = self.keep / sigma**2
        return ((w * y + beta * xbar) / (w + beta)).astype(y.dtype, copy=False)


class _Linear(Degradation):
    """A LinearOperator on flattened images of ``shape``: CG x-steps."""

    def __init__(self, op, shape):
        self.op, self.shape = op, tuple(shape)
        n = int(np.prod(self.shape))
        if op.shape[1] != n:
            raise ValueError(
                f"operator must have {n} columns for images of shape {self.shape}, "
                f"got shape {op.shape}"
            )

    def output_shape(self, shape):
        return (self.op.shape[0],)

    def input_shape(self, shape):
        return self.shape

    def apply(self, x):
        return np.asarray(self.op.matvec(x.ravel()), dtype=x.dtype)

    def adjoint(self, y):
        out = np.asarray(self.op.rmatvec(y.ravel()), dtype=y.dtype)
        return out.reshape(self.shape)

    def solve(self, y, xbar, beta, sigma, x0=None):
        w = 1.0 / sigma**2
        n = xbar.size
        a = LinearOperator(
            (n, n),
            matvec=lambda v: w * self.op.rmatvec(self.op.matvec(v)) + beta * v,
            dtype=np.float64,
        )
        rhs = (w * self.adjoint(y) + beta * xbar).ravel()
        guess = xbar.ravel() if x0 is None else x0.ravel()
        x, _ = cg(a, rhs, x0=guess, rtol=CG_TOL, maxiter=CG_MAXITER)
        return x.reshape(self.shape).astype(y.dtype, copy=False)


def blur(psf):
    """The periodic convolution y = psf ⊛ x.

    Solved exactly in the Fourier domain.  Circular boundaries: the image
    wraps around; for an image blurred with another boundary, the rows and
    columns within the PSF's radius of an edge are modelled wrongly.

    Parameters
    ----------
    psf : (k_h, k_w) array_like
        The point-spread function, centred at pixel ``(k_h // 2, k_w // 2)``;
        not all zero, and no larger than the images it blurs.

    Returns
    -------
    Blur
        The operator: ``apply(x)``, ``adjoint(y)``, ``aslinearoperator(shape)``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((4, 4)); x[1, 1] = 1.0
    >>> blur(np.full((1, 3), 1 / 3)).apply(x)[1].round(3)
    array([0.333, 0.333, 0.333, 0.   ])
    """
    return Blur(psf)


def mask(keep):
    """Inpainting: y = x on the pixels where ``keep`` is True.

    The other pixels of y are ignored.  Solved pixel by pixel.

    Parameters
    ----------
    keep : (H, W) array of bool
        True where the pixel is observed; at least one is.

    Returns
    -------
    Mask

    Examples
    --------
    >>> import numpy as np
    >>> mask(np.array([[True, False]])).apply(np.array([[3.0, 4.0]]))
    array([[3., 0.]])
    """
    return Mask(keep)


def downsample(factor, psf=None):
    """Super-resolution: y = every ``factor``-th pixel of psf ⊛ x.

    With the default box PSF each pixel of y is the mean of a ``factor`` x
    ``factor`` block of x (as :func:`skimage.transform.downscale_local_mean`).
    The kept pixels are ``x[o::factor, o::factor]`` of the blurred image, with
    o = (factor - 1) // 2.  Solved exactly in the Fourier domain (Zhao et al.
    2016); the image's height and width are multiples of ``factor``.

    Parameters
    ----------
    factor : int >= 1
        The decimation factor in each direction.
    psf : (k_h, k_w) array_like, optional
        The blur before decimation (periodic); a ``factor`` x ``factor`` box by
        default.

    Returns
    -------
    Downsample

    Examples
    --------
    >>> import numpy as np
    >>> downsample(2).apply(np.arange(16.0).reshape(4, 4))
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    return Downsample(factor, psf)


def as_degradation(operator, y_shape, shape):
    """``operator`` (a Degradation or a LinearOperator) and the shape of x."""
    if isinstance(operator, Degradation):
        x_shape = operator.input_shape(y_shape)
        if shape is not None and tuple(shape) != x_shape:
            raise ValueError(
                f"shape {tuple(shape)} differs from the {x_shape} that the "
                f"operator gives for an observation of shape {tuple(y_shape)}"
            )
        operator.check(x_shape)
        if operator.output_shape(x_shape) != tuple(y_shape):
            raise ValueError(
                f"the observation's shape {tuple(y_shape)} is not the "
                f"operator's output {operator.output_shape(x_shape)}"
            )
        return operator, x_shape
    if isinstance(operator, LinearOperator):
        if operator.shape[0] != int(np.prod(y_shape)):
            raise ValueError(
                f"operator must have {int(np.prod(y_shape))} rows for an "
                f"observation of shape {tuple(y_shape)}, got shape {operator.shape}"
            )
        if shape is None:
            if operator.shape[1] != operator.shape[0]:
                raise ValueError(
                    "shape (the restored image's height and width) is needed for "
                    f"a non-square operator of shape {operator.shape}"
                )
            shape = y_shape
        return _Linear(operator, shape), tuple(shape)
    raise TypeError(
        "operator must be blur(...), mask(...), downsample(...) or a "
        f"scipy.sparse.linalg.LinearOperator, got {type(operator).__name__}"
    )
