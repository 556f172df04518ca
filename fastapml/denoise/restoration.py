"""restore(): EPLL for any linear degradation (deblurring, inpainting,
super-resolution) by half-quadratic splitting."""

import numbers

import numpy as np

from .._memory import check_memory
from .._validation import check_int_pair, check_scalar
from . import _kernels
from .denoising import (
    check_betas,
    check_fits,
    check_image,
    check_prior,
    check_sigma,
    patch_estimates,
    per_channel,
    top_value,
)
from .nonlocal_bayes import nonlocal_estimate, nonlocal_settings
from .operators import Mask, as_degradation

METHODS = ("epll", "nonlocal")


def default_betas(sigma, operator, method="epll"):
    """EPLL's default precisions for ``operator``: 1 / s^2 for ``steps``
    patch noise levels s from ``first`` to ``max(last, sigma)``, geometric
    (``operator.schedule``, or ``operator.nonlocal_schedule`` for
    ``method="nonlocal"``, on the 0-255 scale; sigma on the [0, 1] scale)."""
    first, last, steps = (
        operator.nonlocal_schedule if method == "nonlocal" else operator.schedule
    )
    end = max(last / 255, sigma)
    return 1.0 / np.geomspace(max(first / 255, end), end, steps) ** 2


def grid_offset(step, stride):
    """The patch grid's offset (rows, columns) at EPLL step ``step`` (from
    0): every one of the stride^2 offsets once per stride^2 steps, the row
    offset changing at every step."""
    a, q = step % stride, (step // stride) % stride
    return a, (q + a * (stride // 2)) % stride


def shifted_grid(shape, patch_size, stride, offset):
    """Top-left corners (rows, cols) of the patches every ``stride`` pixels
    from ``offset``, plus the first and last rows and columns of patches."""
    axes = []
    for n, o in zip(shape, offset):
        last = n - patch_size
        axes.append(np.unique(np.r_[0, np.arange(o, last + 1, stride), last]))
    return tuple(a.astype(np.int64) for a in axes)


def _restore_channel(y, op, shape, sigma, prior, stride, rank_tol, betas, callback):
    """EPLL on one channel (see :func:`restore`)."""
    p = prior.patch_size
    grids = [
        shifted_grid(shape, p, stride, grid_offset(i, stride))
        for i in range(min(len(betas), stride * stride))
    ]
    most = max(rows.size * cols.size for rows, cols in grids)
    check_memory(
        most * p * p * y.itemsize + 8 * 8 * int(np.prod(shape)),
        f"restoring an image of {shape[0]} x {shape[1]} pixels with {p} x {p} "
        f"patches at stride {stride}",
    )
    buffer = np.empty((most, p * p), dtype=y.dtype)
    x = np.ascontiguousarray(op.initial(y), dtype=y.dtype)
    for i, beta in enumerate(betas):
        rows, cols = grids[i % len(grids)]
        out = buffer[: rows.size * cols.size]
        acc = patch_estimates(
            x, prior, 1.0 / beta, rows, cols, soft=False, rank_tol=rank_tol, out=out
        )
        # sum_i P_i^T z_i / sum_i P_i^T P_i
        xbar = (acc / _kernels.counts(shape, rows, cols, p)).astype(y.dtype)
        x = np.ascontiguousarray(op.solve(y, xbar, beta, sigma), dtype=y.dtype)
        if callback is not None:
            callback(i + 1, len(betas), beta)
    return x


def restore(
    image,
    operator,
    sigma=None,
    prior=None,
    *,
    method=None,
    shape=None,
    stride=None,
    rank_tol=0.05,
    betas=None,
    callback=None,
):
    r"""Restore an image degraded by a linear operator and Gaussian noise.

    For y = H x + η, η ~ N(0, σ² I), EPLL (Zoran & Weiss 2011) by
    half-quadratic splitting alternates, for a rising sequence of β:

    - the patch step: each p x p patch z_i of x, on a grid of stride s
      shifted at every step, is denoised at noise
      variance 1/β under its most likely component of the patch prior (as
      :func:`denoise` does), and the estimates are averaged into
      :math:`\bar x = (\sum_i P_i^\top z_i) / (\sum_i P_i^\top P_i)`;
    - the x-step, solved exactly by the operator,

      .. math::

          x = (H^\top H/\sigma^2 + \beta I)^{-1}
              (H^\top y/\sigma^2 + \beta \bar x),

      in the Fourier domain for :func:`~fastapml.denoise.blur` and
      :func:`~fastapml.denoise.downsample`, pixel by pixel for
      :func:`~fastapml.denoise.mask`, by conjugate gradients for a
      LinearOperator.

    It starts from the operator's first estimate: y for a blur, the
    observed pixels' normalized-convolution fill for a mask, a cubic spline
    for a downsample, Hᵀy for a LinearOperator.

    ``method="nonlocal"`` (a mask only, and its default) follows EPLL with
    a non-local Bayes step, as ``denoise(method="nonlocal")`` does: each group of the
    patches most like a reference patch in EPLL's result is modelled as
    N(m, C), C the group's covariance there, m the mean of its observed
    pixels, and each patch is estimated from its own observed pixels o by
    Gaussian conditioning, ``m + C[:, o] (C[o, o] + σ² I)^-1 (y_o - m_o)``.

    Parameters
    ----------
    image : (h, w) or (h, w, 3) array
        The observation y, on the scales of :func:`denoise` (floats in
        [0, 1], or uint8/uint16).  For a mask, its unobserved pixels are
        ignored; for a downsample, it is the small image.  Colour images
        are restored channel by channel in the opponent colour space.
    operator : Blur, Mask, Downsample or scipy.sparse.linalg.LinearOperator
        H: :func:`~fastapml.denoise.blur`, :func:`~fastapml.denoise.mask`,
        :func:`~fastapml.denoise.downsample`, or a LinearOperator on images
        flattened in C order (then ``shape`` gives x's shape unless H is
        square).
    sigma : float, optional
        The noise standard deviation on the image's scale.  When None, it is
        estimated by :func:`estimate_sigma` on the observation (not with a
        mask, whose missing pixels are not noise) and logged.
    prior : PatchPrior, optional
        :func:`default_prior` by default.
    method : {"epll", "nonlocal"}, optional
        EPLL alone, or (for a mask) EPLL then the non-local step above; by
        default "nonlocal" for a mask (better than EPLL alone on every
        benchmark image, in about as much time), "epll" otherwise.
    shape : (int, int), optional
        The restored image's height and width, for a non-square
        LinearOperator.
    stride : int, optional
        Use every ``stride``-th patch in each direction, on a grid shifted
        at every step so that every offset is used once per stride² steps
        (with the first and last rows and columns of patches always); by
        default the operator's, 4 for all of them.
    rank_tol : float >= 0, default 0.05
        As in :func:`denoise`.
    betas : sequence of float, optional
        The precisions β on the [0, 1] scale of a grayscale image (colour
        channels are scaled to match).  By default 1/√β goes geometrically
        from 40/255 to max(σ, 2/255) in 16 steps for a blur or a
        LinearOperator, from 20/255 to max(σ, 1/255) in 40 steps for a mask
        (20 steps before the non-local step), from 20/255 to max(σ, 2/255)
        in 24 steps for a downsample.
    callback : callable, optional
        ``callback(step, n_steps, beta)`` after each step (per colour channel).

    Returns
    -------
    ndarray
        The restored image x (of the operator's input shape; uint8 or uint16
        if ``image`` was).

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.denoise import downsample, psnr, restore
    >>> clean = np.tile(np.linspace(0, 1, 32), (32, 1))
    >>> small = downsample(2).apply(clean)
    >>> out = restore(small, downsample(2), 0.01)
    >>> out.shape, bool(psnr(clean, out) > 35)
    ((32, 32), True)
    """
    if method is not None and method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    arr = check_image(image)
    if shape is not None:
        shape = check_int_pair(shape, "shape", low=1)
    op, x_shape = as_degradation(operator, arr.shape[:2], shape)
    if sigma is None and isinstance(op, Mask):
        raise ValueError(
            "sigma=None estimates the noise from a complete image; with a mask, "
            "give sigma"
        )
    if method is None:
        method = "epll" if op.nonlocal_schedule is None else "nonlocal"
    if method == "nonlocal" and op.nonlocal_schedule is None:
        raise ValueError(
            "method='nonlocal' is defined for a mask (inpainting) only, got "
            f"{type(operator).__name__}"
        )
    sigma = check_sigma(sigma, arr)
    rank_tol = check_scalar(rank_tol, "rank_tol", numbers.Real, low=0)
    prior = check_prior(prior)
    p = prior.patch_size
    stride = check_scalar(
        op.stride if stride is None else stride,
        "stride",
        numbers.Integral,
        low=1,
        high=p,  # every pixel in a patch
    )
    check_fits(x_shape, prior)
    top = top_value(arr.dtype)
    if betas is None:
        betas = default_betas(sigma / top, op, method)
    betas = check_betas(betas)

    def channel(y, s):
        # colour channels are 1/sqrt(3) of the image's scale (see per_channel)
        b = betas * (sigma / top / s) ** 2
        x = _restore_channel(y, op, x_shape, s, prior, stride, rank_tol, b, callback)
        if method == "nonlocal":
            settings = nonlocal_settings(prior.patch_size)
            x = nonlocal_estimate(y, x, s, prior.patch_size, keep=op.keep, **settings)
        return x

    return per_channel(arr, sigma, channel)
