"""2-D max pooling and its gradient, as ``torch.nn.functional.max_pool2d``.

The forward runs the numba kernels of :mod:`._pool_kernels`, with a NumPy
twin in :mod:`fastapml.reference.nn_activations`; the backward is one
``np.bincount``.
"""

import numbers

import numpy as np

from .._numba import n_threads, parallel_allowed
from .._validation import (
    check_float_array,
    check_int_array,
    check_int_pair,
    check_scalar,
    check_shape,
)
from . import _pool_kernels

__all__ = ["max_pool2d", "max_pool2d_backward", "pool_output_size"]


def pool_output_size(n, kernel, stride, padding):
    """Output size of a pooling window along one axis.

    floor((n + 2 padding - kernel) / stride) + 1, as in PyTorch's
    ``torch.nn.MaxPool2d`` documentation (dilation 1).

    Parameters
    ----------
    n, kernel, stride, padding : int
        Input size, window size, step and zeros on each side.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If the window is larger than the padded input.

    Examples
    --------
    >>> pool_output_size(7, 3, 2, 1)
    4
    """
    n = check_scalar(n, "n", numbers.Integral, low=1)
    kernel = check_scalar(kernel, "kernel", numbers.Integral, low=1)
    stride = check_scalar(stride, "stride", numbers.Integral, low=1)
    padding = check_scalar(padding, "padding", numbers.Integral, low=0)
    if n + 2 * padding < kernel:
        raise ValueError(
            f"kernel_size: kernel {kernel} is larger than the padded input "
            f"n + 2*padding = {n} + 2*{padding}"
        )
    return (n + 2 * padding - kernel) // stride + 1


def max_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=False,
):
    """2-D max pooling of NCHW input, as ``torch.nn.functional.max_pool2d``.

    out[n, c, i, j] = max over h in [i s_h - p_h, i s_h - p_h + k_h) and w in
    [j s_w - p_w, j s_w - p_w + k_w) of x[n, c, h, w] (implicit -inf padding);
    output size floor((H + 2p - k)/s) + 1 per side.

    Parameters
    ----------
    input : array_like of shape (N, C, H, W)
        The input batch (-inf allowed).
    kernel_size : int or (int, int)
        Window height and width k.
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        At most half the kernel size (PyTorch's rule).
    dilation : 1
        PyTorch's parameter, in its place; only 1 is supported.
    ceil_mode : False
        PyTorch's parameter, in its place; only False (floor) is supported.
    return_indices : bool, default False
        Also return where each maximum was, as PyTorch does.

    Returns
    -------
    output : ndarray of shape (N, C, Ho, Wo)
        The maximum of each window.
    indices : ndarray of int64, shape (N, C, Ho, Wo)
        With ``return_indices=True`` only: the flat index h * W + w of each
        maximum within its (H, W) plane (the first maximum in row-major
        order on ties), as PyTorch's; what :func:`max_pool2d_backward`
        needs.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> max_pool2d(x, 2)[0, 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    >>> out, idx = max_pool2d(x, 2, return_indices=True)
    >>> idx[0, 0].tolist()
    [[5, 7], [13, 15]]
    """
    if check_int_pair(dilation, "dilation", 1) != (1, 1):
        raise ValueError(f"dilation other than 1 is not supported, got {dilation}")
    if ceil_mode is not False:
        raise ValueError(f"ceil_mode=True is not supported, got {ceil_mode!r}")
    if not isinstance(return_indices, (bool, np.bool_)):
        raise TypeError(
            f"return_indices must be bool, got {type(return_indices).__name__}"
        )
    x = check_float_array(input, "input", 4, allow_neg_inf=True)
    kh, kw = check_int_pair(kernel_size, "kernel_size", 1)
    sh, sw = (kh, kw) if stride is None else check_int_pair(stride, "stride", 1)
    ph, pw = check_int_pair(padding, "padding", 0)
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError(
            f"padding {(ph, pw)} must be at most half of kernel_size {(kh, kw)}"
        )
    N, C, H, W = x.shape
    Ho, Wo = pool_output_size(H, kh, sh, ph), pool_output_size(W, kw, sw, pw)
    out = np.empty((N * C, Ho, Wo), dtype=x.dtype)
    idx = np.empty((N * C, Ho, Wo), dtype=np.int64)
    if out.size:
        kernel = (
            _pool_kernels.pool_planes_parallel
            if parallel_allowed() and n_threads() > 1 and N * C > 1
            else _pool_kernels.pool_planes
        )
        kernel(x.reshape(N * C, H, W), kh, kw, sh, sw, ph, pw, out, idx)
    out = out.reshape(N, C, Ho, Wo)
    return (out, idx.reshape(N, C, Ho, Wo)) if return_indices else out


def check_input_shape(input_shape):
    """``input_shape`` as a tuple of 4 non-negative Python ints (N, C, H, W)."""
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if (
        shape is None
        or len(shape) != 4
        or not all(isinstance(v, numbers.Integral) and v >= 0 for v in shape)
    ):
        raise ValueError(
            f"input_shape must be 4 non-negative ints, got {input_shape!r}"
        )
    return tuple(int(v) for v in shape)


def max_pool2d_backward(grad_output, indices, input_shape):
    """Route each output gradient to the input position that was the maximum.

    grad_input[n, c].flat[indices[n, c, i, j]] += grad_output[n, c, i, j]
    (overlapping windows add up).

    Parameters
    ----------
    grad_output : array_like of shape (N, C, Ho, Wo)
        dL/d(output).
    indices : array_like of int, shape (N, C, Ho, Wo)
        From ``max_pool2d(..., return_indices=True)``.
    input_shape : tuple of 4 ints
        (N, C, H, W) of the forward's input.

    Returns
    -------
    grad_input : ndarray of shape ``input_shape``

    Examples
    --------
    >>> import numpy as np
    >>> g, idx = np.ones((1, 1, 1, 1)), np.array([[[[3]]]])
    >>> max_pool2d_backward(g, idx, (1, 1, 2, 2))[0, 0]
    array([[0., 0.],
           [0., 1.]])
    """
    g = check_float_array(grad_output, "grad_output", 4)
    idx = check_shape(np.asarray(indices), "indices", g.shape, "grad_output")
    idx = check_int_array(idx.reshape(g.shape[0] * g.shape[1], -1), "indices", ndim=2)
    shape = check_input_shape(input_shape)
    N, C, H, W = shape
    if (N, C) != g.shape[:2]:
        raise ValueError(
            f"input_shape {shape} does not match grad_output's batch and "
            f"channels {g.shape[:2]}"
        )
    if idx.size and (idx.min() < 0 or idx.max() >= H * W):
        raise ValueError(
            f"indices must lie in [0, {H * W}) for {H}x{W} planes, "
            f"found {idx.min()}..{idx.max()}"
        )
    plane_start = np.arange(N * C, dtype=np.int64)[:, None] * (H * W)
    flat = np.bincount(
        (idx + plane_start).ravel(), weights=g.ravel(), minlength=N * C * H * W
    )
    return flat.astype(g.dtype).reshape(N, C, H, W)
