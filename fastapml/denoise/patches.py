"""Overlapping p x p patches of an image, and putting them back."""

import numbers

import numpy as np

from .._memory import check_memory
from .._validation import check_float_array, check_scalar
from . import _kernels


def patch_grid(shape, patch_size, stride=1):
    """Top-left corners of the patches along each axis.

    Every ``stride``-th position from 0, plus the last position ``n - p`` so
    that every pixel is covered.

    Parameters
    ----------
    shape : (int, int)
        Image height and width.
    patch_size : int
        Side p of the p x p patches.
    stride : int, default 1
        Step between corners, at most ``patch_size``.

    Returns
    -------
    rows, cols : int64 arrays
        Patch ``i`` has its top-left corner at
        ``(rows[i // len(cols)], cols[i % len(cols)])``.

    Examples
    --------
    >>> rows, cols = patch_grid((10, 7), 4, stride=2)
    >>> rows.tolist(), cols.tolist()
    ([0, 2, 4, 6], [0, 2, 3])
    """
    p = check_scalar(patch_size, "patch_size", numbers.Integral, low=1)
    s = check_scalar(stride, "stride", numbers.Integral, low=1)
    if s > p:
        raise ValueError(
            f"stride must be <= patch_size ({p}) so that every "
            f"pixel is covered, got {s}"
        )
    if len(shape) != 2:
        raise ValueError(f"shape must be (height, width), got {shape}")
    axes = []
    for name, n in zip(("height", "width"), shape):
        n = check_scalar(n, f"shape's {name}", numbers.Integral, low=1)
        check_memory(8 * ((n - p) // s + 2), f"the patch grid of {name} {n}")
        if n < p:
            raise ValueError(
                f"patch_size {p} does not fit the image: its {name} is {n}"
            )
        axis = np.arange(0, n - p + 1, s, dtype=np.int64)
        if axis[-1] != n - p:
            axis = np.append(axis, n - p)
        axes.append(axis)
    return tuple(axes)


def _checked_image(image, name="image"):
    image = check_float_array(image, name, 2, allow_empty=False)
    return image


def extract_patches(image, patch_size, stride=1):
    """Every overlapping ``patch_size`` x ``patch_size`` patch of an image.

    Parameters
    ----------
    image : (H, W) float array
        The image.
    patch_size : int
        Side p of the p x p patches.
    stride : int, default 1
        Distance between neighbouring patches (the last row and column of
        patches are always included; see :func:`patch_grid`).

    Returns
    -------
    ndarray, shape (n_patches, p*p)
        One patch per row in raster order, patches in raster order of their
        top-left corners.

    Examples
    --------
    >>> import numpy as np
    >>> extract_patches(np.arange(9.0).reshape(3, 3), 2)
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    image = _checked_image(image)
    rows, cols = patch_grid(image.shape, patch_size, stride)
    p = int(patch_size)
    out = np.empty((rows.size * cols.size, p * p), dtype=image.dtype)
    _kernels.extract(image, rows, cols, p, 0, out, out[:0, 0], False)
    return out


def aggregate_patches(patches, shape, patch_size, stride=1, average=True):
    """Put patches back into an image of ``shape``.

    With ``average=False`` this is the adjoint of :func:`extract_patches`,
    ``sum_i P_i^T z_i``; with ``average=True`` (the default) each pixel is
    divided by the number of patches covering it, ``sum_i P_i^T P_i``, so
    ``aggregate_patches(extract_patches(x, p), x.shape, p)`` returns ``x``.

    Parameters
    ----------
    patches : (n_patches, patch_size**2) float array
        In the order :func:`extract_patches` gives them.
    shape : (int, int)
        Height and width (H, W) of the image.
    patch_size, stride : int
        As given to :func:`extract_patches`.
    average : bool, default True
        Divide each pixel by the number of patches covering it.

    Returns
    -------
    ndarray, shape (H, W)
        The image, in the dtype of ``patches``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).random((5, 6))
    >>> bool(np.allclose(aggregate_patches(extract_patches(x, 3), x.shape, 3), x))
    True
    """
    patches = check_float_array(patches, "patches", 2)
    shape = tuple(int(check_scalar(n, "shape", numbers.Integral, low=1)) for n in shape)
    if len(shape) != 2:
        raise ValueError(f"shape must be (height, width), got {shape}")
    rows, cols = patch_grid(shape, patch_size, stride)
    p = int(patch_size)
    expected = (rows.size * cols.size, p * p)
    if patches.shape != expected:
        raise ValueError(
            f"patches must have shape {expected} for an image of "
            f"shape {shape}, got {patches.shape}"
        )
    check_memory(16 * shape[0] * shape[1], f"an image of shape {shape}")
    acc = np.zeros(shape, dtype=np.float64)
    _kernels.accumulate(acc, rows, cols, p, patches)
    if average:
        acc /= _kernels.counts(shape, rows, cols, p)
    return acc.astype(patches.dtype, copy=False)
