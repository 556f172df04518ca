"""2-D average pooling and its gradient, as ``torch.nn.functional.avg_pool2d``.

Both directions are one NumPy pass per filter tap (k_h * k_w strided views
of the padded plane), which is as fast as a kernel for this memory-bound
operation, and the functions are their own reference (tested against
PyTorch).
"""

import numbers

import numpy as np

from .._validation import check_float_array, check_int_pair, check_scalar
from .pooling import check_input_shape, pool_output_size

__all__ = ["avg_pool2d", "avg_pool2d_backward"]


def check_geometry(shape, kernel_size, stride, padding, ceil_mode, divisor_override):
    """Checked (kernel, stride, padding, output size, divisor) for an
    (N, C, H, W) input of ``shape``; the divisor is an array broadcastable
    to the output."""
    k = check_int_pair(kernel_size, "kernel_size", 1)
    s = k if stride is None else check_int_pair(stride, "stride", 1)
    p = check_int_pair(padding, "padding", 0)
    if ceil_mode is not False:
        raise ValueError(f"ceil_mode=True is not supported, got {ceil_mode!r}")
    if 2 * p[0] > k[0] or 2 * p[1] > k[1]:
        raise ValueError(f"padding {p} must be at most half of kernel_size {k}")
    out = tuple(
        pool_output_size(n, kk, ss, pp) for n, kk, ss, pp in zip(shape[2:], k, s, p)
    )
    if divisor_override is not None:
        divisor_override = check_scalar(
            divisor_override, "divisor_override", numbers.Integral, low=1
        )
    return k, s, p, out, divisor_override


def _windows(padded, k, s, out):
    """For each filter tap (dy, dx), the strided view of ``padded`` that the
    tap reads at every output position."""
    for dy in range(k[0]):
        for dx in range(k[1]):
            rows = slice(dy, dy + s[0] * (out[0] - 1) + 1, s[0])
            cols = slice(dx, dx + s[1] * (out[1] - 1) + 1, s[1])
            yield padded[:, :, rows, cols]


def _divisor(shape, k, s, p, out, count_include_pad, divisor_override, dtype):
    """What each window's sum is divided by: the override, the window's
    size, or (count_include_pad=False) its pixels inside the input."""
    if divisor_override is not None:
        return dtype.type(divisor_override)
    if count_include_pad or p == (0, 0):
        return dtype.type(k[0] * k[1])
    inside = np.pad(np.ones(shape[2:], dtype=dtype), ((p[0],) * 2, (p[1],) * 2))
    return sum(_windows(inside[None, None], k, s, out))[0, 0]


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """2-D average pooling of NCHW input, as ``torch.nn.functional.avg_pool2d``.

    out[n, c, i, j] = (sum of the window's values, zero padding included) /
    divisor, the divisor being k_h k_w, or with ``count_include_pad=False``
    the number of the window's pixels inside the input, or
    ``divisor_override``; output size floor((H + 2p - k)/s) + 1 per side.

    Parameters
    ----------
    input : array_like of float, shape (N, C, H, W)
        The input batch.
    kernel_size : int or (int, int)
        Window height and width k.
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        Zeros on both sides, at most half the kernel size (PyTorch's rule).
    ceil_mode : False
        PyTorch's parameter, in its place; only False (floor) is supported.
    count_include_pad : bool, default True
        Whether the padding counts in the divisor.
    divisor_override : int, optional
        A fixed divisor.

    Returns
    -------
    ndarray of shape (N, C, Ho, Wo)
        The window averages.

    Examples
    --------
    >>> import numpy as np
    >>> avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x = check_float_array(input, "input", 4)
    k, s, p, out, override = check_geometry(
        x.shape, kernel_size, stride, padding, ceil_mode, divisor_override
    )
    padded = np.pad(x, ((0, 0), (0, 0), (p[0],) * 2, (p[1],) * 2))
    total = np.zeros(x.shape[:2] + out, dtype=x.dtype)
    for view in _windows(padded, k, s, out):
        total += view
    return total / _divisor(x.shape, k, s, p, out, count_include_pad, override, x.dtype)


def avg_pool2d_backward(
    grad_output,
    input_shape,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """Gradient of :func:`avg_pool2d` with respect to its input.

    Each output gradient, divided by its window's divisor, is spread over
    the window's input pixels (overlapping windows add up; padding dropped).

    Parameters
    ----------
    grad_output : array_like of float, shape (N, C, Ho, Wo)
        dL/d(output).
    input_shape : tuple of 4 ints
        (N, C, H, W) of the forward's input.
    kernel_size : int or (int, int)
        As given to :func:`avg_pool2d`.
    stride : int or (int, int), optional
        As given to :func:`avg_pool2d`.
    padding : int or (int, int), default 0
        As given to :func:`avg_pool2d`.
    ceil_mode : False
        As given to :func:`avg_pool2d`.
    count_include_pad : bool, default True
        As given to :func:`avg_pool2d`.
    divisor_override : int, optional
        As given to :func:`avg_pool2d`.

    Returns
    -------
    ndarray of shape ``input_shape``
        dL/d(input).

    Examples
    --------
    >>> import numpy as np
    >>> avg_pool2d_backward(np.ones((1, 1, 1, 1)), (1, 1, 2, 2), 2)[0, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    g = check_float_array(grad_output, "grad_output", 4)
    shape = check_input_shape(input_shape)
    k, s, p, out, override = check_geometry(
        shape, kernel_size, stride, padding, ceil_mode, divisor_override
    )
    if g.shape != tuple(shape[:2]) + out:
        raise ValueError(
            f"grad_output must have shape {tuple(shape[:2]) + out} for input_shape "
            f"{shape}, got {g.shape}"
        )
    share = g / _divisor(shape, k, s, p, out, count_include_pad, override, g.dtype)
    padded = np.zeros(
        (shape[0], shape[1], shape[2] + 2 * p[0], shape[3] + 2 * p[1]), dtype=g.dtype
    )
    for view in _windows(padded, k, s, out):
        view += share
    return padded[:, :, p[0] : p[0] + shape[2], p[1] : p[1] + shape[3]].copy()
