"""Plain-NumPy twins of fastapml.nn.activations and fastapml.nn.pooling where
the fast version differs.

Only max pooling has a kernel; ``linear``, ``relu``, ``sigmoid``, the softmax
family, the losses and dropout are a few NumPy operations each and serve as
their own reference (tested against PyTorch instead).
"""

import numpy as np


def max_pool2d(input, kernel_size, stride=None, padding=0):
    """Max pooling by an explicit loop over output positions (NCHW).

    Pads with -inf, then takes each window's first maximum in row-major
    order; indices are flat positions h * W + w in the unpadded plane.
    Arguments as ``fastapml.nn.pooling.max_pool2d`` (ints or pairs,
    already valid).
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
    return out, idx


def max_pool2d_backward(grad_output, indices, input_shape):
    """Scatter-add each output gradient to its argmax, with ``np.add.at``."""
    N, C, H, W = input_shape
    grad = np.zeros((N, C, H * W), dtype=np.asarray(grad_output).dtype)
    n, c = np.indices(indices.shape[:2])
    for i, j in np.ndindex(*indices.shape[2:]):
        np.add.at(grad, (n, c, indices[:, :, i, j]), grad_output[:, :, i, j])
    return grad.reshape(N, C, H, W)
