"""Plain-NumPy twins of fastapml.nn.activations and fastapml.nn.pooling where
the fast version differs.

Only max pooling has a kernel; ``linear``, ``relu``, ``sigmoid``, the softmax
family, the losses and dropout are a few NumPy operations each and serve as
their own reference (tested against PyTorch instead).
"""

import numpy as np


def max_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=False,
):
    """Max pooling by an explicit loop over output positions (NCHW).

    Pads with -inf, then takes each window's first maximum in row-major
    order; indices are flat positions h * W + w in the unpadded plane.
    Arguments as :func:`fastapml.nn.functional.max_pool2d` (ints or pairs,
    already valid).

    Parameters
    ----------
    input : array (N, C, H, W)
        The input batch.
    kernel_size : int or (int, int)
        Window height and width.
    stride : int or (int, int), optional
        Step between windows; defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        Implicit -inf padding on both sides.
    dilation : 1
        PyTorch's parameter, in its place; only 1.
    ceil_mode : False
        PyTorch's parameter, in its place; only False.
    return_indices : bool, default False
        Also return where each maximum was.

    Returns
    -------
    output : ndarray, shape (N, C, H_out, W_out)
        The maximum of each window.
    indices : ndarray of int64, shape (N, C, H_out, W_out)
        With ``return_indices=True``: flat index h * W + w of each maximum
        within its (H, W) plane.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> out, idx = max_pool2d(x, 2, return_indices=True)
    >>> out[0, 0].tolist(), idx[0, 0].tolist()
    ([[5.0, 7.0], [13.0, 15.0]], [[5, 7], [13, 15]])
    """
    kh, kw = np.broadcast_to(kernel_size, 2)
    sh, sw = (kh, kw) if stride is None else np.broadcast_to(stride, 2)
    ph, pw = np.broadcast_to(padding, 2)
    x = np.asarray(input)
    N, C, H, W = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    idx = np.empty((N, C, Ho, Wo), dtype=np.int64)
    for i in range(Ho):
        for j in range(Wo):
            window = padded[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw].reshape(
                N, C, -1
            )
            best = window.argmax(axis=2)
            out[:, :, i, j] = np.take_along_axis(window, best[..., None], axis=2)[
                ..., 0
            ]
            h = i * sh - ph + best // kw
            w = j * sw - pw + best % kw
            idx[:, :, i, j] = h * W + w
    return (out, idx) if return_indices else out


def max_pool2d_backward(grad_output, indices, input_shape):
    """Scatter-add each output gradient to its argmax, with ``np.add.at``.

    Parameters
    ----------
    grad_output : array (N, C, H_out, W_out)
        dL/d(output).
    indices : ndarray of int, shape (N, C, H_out, W_out)
        From :func:`max_pool2d`.
    input_shape : (N, C, H, W)
        Shape of the forward's input.

    Returns
    -------
    ndarray, shape ``input_shape``
        dL/d(input).
    """
    N, C, H, W = input_shape
    grad = np.zeros((N, C, H * W), dtype=np.asarray(grad_output).dtype)
    n, c = np.indices(indices.shape[:2])
    for i, j in np.ndindex(*indices.shape[2:]):
        np.add.at(grad, (n, c, indices[:, :, i, j]), grad_output[:, :, i, j])
    return grad.reshape(N, C, H, W)
