"""Layers without convolution: linear, activations, pooling, losses, dropout.

Each forward function has a ``*_backward`` that maps the gradient of a
scalar loss with respect to its output to the gradient with respect to its
input(s) — the chain rule, one layer at a time.  Semantics follow
``torch.nn.functional``.  Float32 stays float32; anything else becomes
float64.  Inputs are validated (shape, dtype, no NaN or +inf) before any
arithmetic.

Everything except :func:`max_pool2d` is a few vectorized NumPy operations
(memory-bound, so NumPy is as fast as a kernel) and is its own reference;
max pooling runs a numba kernel, with a NumPy twin in
``fastapml.reference.nn_activations``.
"""
import numbers

import numpy as np

from .._numba import n_threads, parallel_allowed
from .._validation import (check_float_array, check_int_array, check_int_pair,
                           check_scalar, check_shape, float_dtype)
from . import _pool_kernels

REDUCTIONS = ("mean", "sum", "none")


# --------------------------------------------------------------------------
# Argument helpers
# --------------------------------------------------------------------------

def _array(x, name, dtype=None, ndim=None):
    """``x`` as a float array of any (or the given) rank; see check_float_array.

    The reshape keeps a 0-d ``x`` 0-d (np.ascontiguousarray makes it 1-d)."""
    arr = check_float_array(x, name, np.ndim(x) if ndim is None else ndim, dtype=dtype)
    return arr.reshape(np.shape(x))


def _pair(grad_output, other, names):
    """Two same-shaped float arrays in one dtype (float32 only if both are)."""
    dtype = float_dtype(grad_output, other)
    g = _array(grad_output, names[0], dtype)
    x = check_shape(_array(other, names[1], dtype), names[1], g.shape)
    return g, x


def _dim(dim, ndim):
    """``dim`` as a non-negative axis of an ``ndim``-D array."""
    if ndim == 0:
        raise ValueError("input must have at least one dimension")
    check_scalar(dim, "dim", kind=numbers.Integral, low=-ndim, high=ndim - 1)
    return int(dim) % ndim


def _check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(losses, reduction):
    """Per-element losses -> 'mean', 'sum' or unreduced ('none')."""
    if reduction == "mean":
        return losses.mean(dtype=np.float64).astype(losses.dtype)
    if reduction == "sum":
        return losses.sum(dtype=np.float64).astype(losses.dtype)
    return losses


def _loss_grad_scale(grad_output, reduction, shape, dtype):
    """d(reduced loss)/d(per-element loss) times ``grad_output``, broadcastable
    to ``shape``: g/n for 'mean', g for 'sum', the array g for 'none'."""
    _check_reduction(reduction)
    if reduction == "none":
        return check_shape(_array(grad_output, "grad_output", dtype), "grad_output", shape)
    g = _array(grad_output, "grad_output", dtype)
    if g.size != 1:
        raise ValueError(f"grad_output must be a scalar for reduction={reduction!r}, "
                         f"got shape {g.shape}")
    g = g.reshape(())
    return g / dtype.type(max(int(np.prod(shape)), 1)) if reduction == "mean" else g


# --------------------------------------------------------------------------
# Linear
# --------------------------------------------------------------------------

def linear(input, weight, bias=None):
    """Affine map y = x W^T + b, as ``torch.nn.functional.linear``.

    Parameters
    ----------
    input : array_like of shape (n_samples, in_features)
    weight : array_like of shape (out_features, in_features)
    bias : array_like of shape (out_features,), optional

    Returns
    -------
    output : ndarray of shape (n_samples, out_features)

    Examples
    --------
    >>> import numpy as np
    >>> linear(np.array([[1.0, 2.0]]), np.array([[1.0, 1.0], [0.0, 3.0]]), np.array([0.5, 0.0]))
    array([[3.5, 6. ]])
    """
    arrays = (input, weight) if bias is None else (input, weight, bias)
    dtype = float_dtype(*arrays)
    x = _array(input, "input", dtype, ndim=2)
    w = _array(weight, "weight", dtype, ndim=2)
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"weight has {w.shape[1]} input features but input has "
                         f"{x.shape[1]} (weight shape {w.shape}, input shape {x.shape})")
    out = x @ w.T
    if bias is not None:
        out += check_shape(_array(bias, "bias", dtype, ndim=1), "bias", (w.shape[0],))
    return out


def linear_backward(grad_output, input, weight):
    """Gradients of y = x W^T + b.

    dL/dx = g W,  dL/dW = g^T x,  dL/db = sum_n g[n], with g = dL/dy.

    Parameters
    ----------
    grad_output : array_like of shape (n_samples, out_features)
    input : array_like of shape (n_samples, in_features)
    weight : array_like of shape (out_features, in_features)

    Returns
    -------
    grad_input, grad_weight, grad_bias : ndarray
        Shaped like ``input``, ``weight`` and (out_features,).

    Examples
    --------
    >>> import numpy as np
    >>> gx, gw, gb = linear_backward(np.ones((1, 2)), np.array([[1.0, 2.0]]), np.eye(2))
    >>> gx, gw.tolist(), gb
    (array([[1., 1.]]), [[1.0, 2.0], [1.0, 2.0]], array([1., 1.]))
    """
    dtype = float_dtype(grad_output, input, weight)
    g = _array(grad_output, "grad_output", dtype, ndim=2)
    x = _array(input, "input", dtype, ndim=2)
    w = _array(weight, "weight", dtype, ndim=2)
    check_shape(x, "input", (g.shape[0], w.shape[1]))
    check_shape(g, "grad_output", (x.shape[0], w.shape[0]))
    return g @ w, g.T @ x, g.sum(axis=0)


# --------------------------------------------------------------------------
# Elementwise activations
# --------------------------------------------------------------------------

def relu(input):
    """Rectified linear unit, max(x, 0), elementwise.

    Examples
    --------
    >>> import numpy as np
    >>> relu(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 2.])
    """
    x = _array(input, "input")
    return np.maximum(x, x.dtype.type(0))


def relu_backward(grad_output, input):
    """dL/dx = g * [x > 0] (zero at x = 0, as PyTorch).

    Examples
    --------
    >>> import numpy as np
    >>> relu_backward(np.ones(3), np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    g, x = _pair(grad_output, input, ("grad_output", "input"))
    return np.where(x > 0, g, g.dtype.type(0))


def sigmoid(input):
    """Logistic function 1 / (1 + exp(-x)), elementwise, without overflow.

    Computed as 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0 with
    e = exp(-|x|) <= 1.

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    x = _array(input, "input")
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


def sigmoid_backward(grad_output, output):
    """dL/dx = g * s (1 - s), from the forward's output s = sigmoid(x).

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid_backward(np.ones(1), np.array([0.5]))
    array([0.25])
    """
    g, s = _pair(grad_output, output, ("grad_output", "output"))
    return g * s * (1 - s)


# --------------------------------------------------------------------------
# Softmax
# --------------------------------------------------------------------------

def log_softmax(x, dim=-1):
    """log softmax(x)_i = x_i - m - log sum_j exp(x_j - m), m = max_j x_j.

    Subtracting the maximum keeps every exponent <= 0, so no overflow for any
    finite input.

    Parameters
    ----------
    x : array_like of float, at least 1-D
    dim : int, default -1
        The axis normalized over.

    Examples
    --------
    >>> import numpy as np
    >>> np.exp(log_softmax(np.array([1e4, 1e4]))).tolist()
    [0.5, 0.5]
    """
    x = _array(x, "x")
    axis = _dim(dim, x.ndim)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(x, dim=-1):
    """softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m), m = max_j x_j.

    Parameters
    ----------
    x : array_like of float, at least 1-D
    dim : int, default -1
        The axis normalized over.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    x = _array(x, "x")
    axis = _dim(dim, x.ndim)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_backward(grad_output, output, dim=-1):
    """dL/dx = s * (g - sum_j g_j s_j), from the forward's output s.

    Examples
    --------
    >>> import numpy as np
    >>> softmax_backward(np.array([1.0, 0.0]), np.array([0.5, 0.5]))
    array([ 0.25, -0.25])
    """
    g, s = _pair(grad_output, output, ("grad_output", "output"))
    axis = _dim(dim, s.ndim)
    return s * (g - (g * s).sum(axis=axis, keepdims=True))


def log_softmax_backward(grad_output, output, dim=-1):
    """dL/dx = g - exp(y) * sum_j g_j, from the forward's output y.

    Examples
    --------
    >>> import numpy as np
    >>> log_softmax_backward(np.array([1.0, 0.0]), np.log([0.5, 0.5]))
    array([ 0.5, -0.5])
    """
    g, y = _pair(grad_output, output, ("grad_output", "output"))
    axis = _dim(dim, y.ndim)
    return g - np.exp(y) * g.sum(axis=axis, keepdims=True)


# --------------------------------------------------------------------------
# Max pooling
# --------------------------------------------------------------------------

def pool_output_size(n, kernel, stride, padding):
    """floor((n + 2 padding - kernel) / stride) + 1, or ValueError if < 1."""
    if n + 2 * padding < kernel:
        raise ValueError(f"kernel_size {kernel} is larger than the padded input "
                         f"({n} + 2*{padding})")
    return (n + 2 * padding - kernel) // stride + 1


def max_pool2d(input, kernel_size, stride=None, padding=0):
    """2-D max pooling of NCHW input, as ``torch.nn.functional.max_pool2d``.

    out[n, c, i, j] = max over h in [i s_h - p_h, i s_h - p_h + k_h) and w in
    [j s_w - p_w, j s_w - p_w + k_w) of x[n, c, h, w] (implicit -inf padding);
    output size floor((H + 2p - k)/s) + 1 per side.

    Parameters
    ----------
    input : array_like of shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        At most half the kernel size (PyTorch's rule).

    Returns
    -------
    output : ndarray of shape (N, C, Ho, Wo)
    indices : ndarray of int64, shape (N, C, Ho, Wo)
        Flat index h * W + w of each maximum within its (H, W) plane (the
        first maximum in row-major order on ties), as PyTorch's
        ``return_indices=True``; what :func:`max_pool2d_backward` needs.

    Examples
    --------
    >>> import numpy as np
    >>> out, idx = max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)
    >>> out[0, 0].tolist(), idx[0, 0].tolist()
    ([[5.0, 7.0], [13.0, 15.0]], [[5, 7], [13, 15]])
    """
    x = check_float_array(input, "input", 4, allow_neg_inf=True)
    kh, kw = check_int_pair(kernel_size, "kernel_size", 1)
    sh, sw = (kh, kw) if stride is None else check_int_pair(stride, "stride", 1)
    ph, pw = check_int_pair(padding, "padding", 0)
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError(f"padding {(ph, pw)} must be at most half of kernel_size {(kh, kw)}")
    N, C, H, W = x.shape
    Ho, Wo = pool_output_size(H, kh, sh, ph), pool_output_size(W, kw, sw, pw)
    out = np.empty((N * C, Ho, Wo), dtype=x.dtype)
    idx = np.empty((N * C, Ho, Wo), dtype=np.int64)
    if out.size:
        kernel = (_pool_kernels.pool_planes_parallel
                  if parallel_allowed() and n_threads() > 1 and N * C > 1
                  else _pool_kernels.pool_planes)
        kernel(x.reshape(N * C, H, W), kh, kw, sh, sw, ph, pw, out, idx)
    return out.reshape(N, C, Ho, Wo), idx.reshape(N, C, Ho, Wo)


def max_pool2d_backward(grad_output, indices, input_shape):
    """Route each output gradient to the input position that was the maximum.

    grad_input[n, c].flat[indices[n, c, i, j]] += grad_output[n, c, i, j]
    (overlapping windows add up).

    Parameters
    ----------
    grad_output : array_like of shape (N, C, Ho, Wo)
    indices : array_like of int, shape (N, C, Ho, Wo)
        From :func:`max_pool2d`.
    input_shape : tuple of 4 ints
        (N, C, H, W) of the forward's input.

    Returns
    -------
    grad_input : ndarray of shape ``input_shape``

    Examples
    --------
    >>> import numpy as np
    >>> max_pool2d_backward(np.ones((1, 1, 1, 1)), np.array([[[[3]]]]), (1, 1, 2, 2))[0, 0]
    array([[0., 0.],
           [0., 1.]])
    """
    g = check_float_array(grad_output, "grad_output", 4)
    idx = check_shape(np.asarray(indices), "indices", g.shape)
    idx = check_int_array(idx.reshape(g.shape[0] * g.shape[1], -1), "indices", ndim=2)
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if shape is None or len(shape) != 4 or not all(
            isinstance(v, numbers.Integral) and v >= 0 for v in shape):
        raise ValueError(f"input_shape must be 4 non-negative ints, got {input_shape!r}")
    N, C, H, W = (int(v) for v in shape)
    if (N, C) != g.shape[:2]:
        raise ValueError(f"input_shape {shape} does not match grad_output's batch and "
                         f"channels {g.shape[:2]}")
    if idx.size and (idx.min() < 0 or idx.max() >= H * W):
        raise ValueError(f"indices must lie in [0, {H * W}) for {H}x{W} planes, "
                         f"found {idx.min()}..{idx.max()}")
    plane_start = np.arange(N * C, dtype=np.int64)[:, None] * (H * W)
    flat = np.bincount((idx + plane_start).ravel(), weights=g.ravel(), minlength=N * C * H * W)
    return flat.astype(g.dtype).reshape(N, C, H, W)


# --------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------

def mse_loss(input, target, reduction="mean"):
    """Square loss (x - y)^2 per element, reduced by mean (default), sum or none.

    The course's square loss; ``torch.nn.functional.mse_loss``.

    Examples
    --------
    >>> import numpy as np
    >>> float(mse_loss(np.array([1.0, 2.0]), np.array([0.0, 0.0])))
    2.5
    """
    _check_reduction(reduction)
    x, y = _pair(input, target, ("input", "target"))
    return _reduce((x - y) ** 2, reduction)


def mse_loss_backward(grad_output, input, target, reduction="mean"):
    """dL/dx = 2 (x - y) g / n ('mean'; no /n for 'sum'; g elementwise for 'none').

    The gradient with respect to ``target`` is its negative.

    Examples
    --------
    >>> import numpy as np
    >>> mse_loss_backward(1.0, np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    array([1., 2.])
    """
    x, y = _pair(input, target, ("input", "target"))
    scale = _loss_grad_scale(grad_output, reduction, x.shape, x.dtype)
    return 2 * (x - y) * scale


def _logits_and_target(logits, target):
    z = check_float_array(logits, "logits", 2, allow_empty=False)
    t = check_shape(check_int_array(target, "target", ndim=1), "target", z.shape[:1])
    if t.min() < 0 or t.max() >= z.shape[1]:
        bad = t.min() if t.min() < 0 else t.max()
        raise ValueError(f"target holds class {bad} but logits has {z.shape[1]} classes "
                         f"(valid range 0..{z.shape[1] - 1})")
    return z, t


def cross_entropy(logits, target, reduction="mean"):
    """Softmax cross-entropy (negative log-likelihood) of integer class targets.

    loss_n = log sum_c exp(z_nc) - z_n,t_n, computed as -log_softmax(z)[n, t_n]
    (log-sum-exp around the row maximum: finite for any finite logits).

    Parameters
    ----------
    logits : array_like of shape (n_samples, n_classes)
    target : array_like of int, shape (n_samples,)
        Classes in [0, n_classes).
    reduction : {"mean", "sum", "none"}, default "mean"

    Examples
    --------
    >>> import numpy as np
    >>> round(float(cross_entropy(np.array([[0.0, 0.0]]), np.array([1]))), 6)
    0.693147
    """
    _check_reduction(reduction)
    z, t = _logits_and_target(logits, target)
    losses = -log_softmax(z)[np.arange(z.shape[0]), t]
    return _reduce(losses, reduction)


def cross_entropy_backward(grad_output, logits, target, reduction="mean"):
    """dL/dz = (softmax(z) - onehot(t)) g / N ('mean'; no /N for 'sum';
    row n times g[n] for 'none').

    Examples
    --------
    >>> import numpy as np
    >>> cross_entropy_backward(1.0, np.array([[0.0, 0.0]]), np.array([1]))
    array([[ 0.5, -0.5]])
    """
    z, t = _logits_and_target(logits, target)
    scale = _loss_grad_scale(grad_output, reduction, t.shape, z.dtype)
    grad = softmax(z)
    grad[np.arange(z.shape[0]), t] -= 1
    return grad * (scale[:, None] if reduction == "none" else scale)


# --------------------------------------------------------------------------
# Dropout
# --------------------------------------------------------------------------

def _drop_probability(p):
    return float(check_scalar(p, "p", low=0, high=1))


def dropout(input, p=0.5, training=True, random_state=None):
    """Inverted dropout: zero each unit with probability p, scale the kept ones by 1/(1 - p).

    E[output] = input in training; at evaluation (``training=False``) the
    input passes through unchanged.  p = 1 zeroes everything.

    Parameters
    ----------
    input : array_like of float
    p : float in [0, 1], default 0.5
        Drop probability.
    training : bool, default True
    random_state : None, int or numpy.random.Generator
        Seed or generator for the mask.

    Returns
    -------
    output : ndarray
        Shaped like ``input``.
    mask : ndarray of bool or None
        True where a unit was kept (training); None at evaluation.

    Examples
    --------
    >>> import numpy as np
    >>> out, mask = dropout(np.ones(4), p=0.5, random_state=0)
    >>> sorted(set(out.tolist()))
    [0.0, 2.0]
    >>> dropout(np.ones(2), training=False)
    (array([1., 1.]), None)
    """
    p = _drop_probability(p)
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"training must be bool, got {type(training).__name__}")
    x = _array(input, "input")
    if not training:
        return x, None
    mask = np.random.default_rng(random_state).random(x.shape, dtype=np.float32) >= p
    return _apply_mask(x, mask, p), mask


def _apply_mask(values, mask, p):
    """values * mask / (1 - p), zero everywhere when p = 1."""
    scale = values.dtype.type(0 if p == 1 else 1 / (1 - p))
    return np.where(mask, values * scale, values.dtype.type(0))


def dropout_backward(grad_output, mask, p):
    """dL/dx = g * mask / (1 - p); g itself for mask None (evaluation).

    Examples
    --------
    >>> import numpy as np
    >>> dropout_backward(np.ones(2), np.array([True, False]), 0.5)
    array([2., 0.])
    """
    p = _drop_probability(p)
    g = _array(grad_output, "grad_output")
    if mask is None:
        return g
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"mask must be a bool array, got dtype {mask.dtype}")
    return _apply_mask(g, check_shape(mask, "mask", g.shape), p)
