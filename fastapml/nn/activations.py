"""Activation functions and their gradients: ReLU, leaky ReLU, sigmoid, tanh,
softmax.

Each forward function has a ``*_backward`` that maps the gradient of a
scalar loss with respect to its output to the gradient with respect to its
input (the chain rule, one layer at a time).  Semantics follow
``torch.nn.functional``.  Float32 stays float32; anything else becomes
float64.  Inputs are validated (shape, dtype, no NaN or +inf) before any
arithmetic.

Each function is a few vectorized NumPy operations (memory-bound, so NumPy
is as fast as a kernel) and is its own reference.
"""

import numpy as np

from .._validation import check_scalar
from ._checks import axis, float_array, float_pair

__all__ = [
    "leaky_relu",
    "leaky_relu_backward",
    "log_softmax",
    "log_softmax_backward",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_backward",
]


def relu(input):
    """Rectified linear unit, max(x, 0), elementwise.

    Parameters
    ----------
    input : array_like of float
        Any shape.

    Returns
    -------
    ndarray
        Shaped like ``input``.

    Examples
    --------
    >>> import numpy as np
    >>> relu(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 2.])
    """
    x = float_array(input, "input")
    return np.maximum(x, x.dtype.type(0))


def relu_backward(grad_output, input):
    """Gradient of :func:`relu`: dL/dx = g * [x > 0] (zero at x = 0, as PyTorch).

    Parameters
    ----------
    grad_output : array_like of float
        g = dL/d(output), shaped like ``input``.
    input : array_like of float
        The forward's input x.

    Returns
    -------
    ndarray
        dL/dx, shaped like ``input``.

    Examples
    --------
    >>> import numpy as np
    >>> relu_backward(np.ones(3), np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    g, x = float_pair(grad_output, input, ("grad_output", "input"))
    return np.where(x > 0, g, g.dtype.type(0))


def _slope(negative_slope):
    return float(check_scalar(negative_slope, "negative_slope"))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """Leaky ReLU, as ``torch.nn.functional.leaky_relu``.

    x for x >= 0 and ``negative_slope`` x below.

    Parameters
    ----------
    input : array_like of float
        Any shape.
    negative_slope : float, default 0.01
        The slope for x < 0.
    inplace : False
        PyTorch's parameter, in its place; only False.

    Returns
    -------
    ndarray
        Shaped like ``input``.

    Examples
    --------
    >>> import numpy as np
    >>> leaky_relu(np.array([-2.0, 0.0, 3.0]), 0.1)
    array([-0.2,  0. ,  3. ])
    """
    if inplace is not False:
        raise ValueError(f"inplace=True is not supported, got {inplace!r}")
    a = _slope(negative_slope)
    x = float_array(input, "input")
    return np.where(x >= 0, x, x * x.dtype.type(a))


def leaky_relu_backward(grad_output, input, negative_slope=0.01):
    """Gradient of :func:`leaky_relu` with respect to its input.

    dL/dx = g for x > 0, ``negative_slope`` g for x <= 0 (PyTorch's choice
    at 0).

    Parameters
    ----------
    grad_output : array_like of float
        g = dL/d(output), shaped like ``input``.
    input : array_like of float
        The forward's input x.
    negative_slope : float, default 0.01
        The forward's slope.

    Returns
    -------
    ndarray
        dL/dx, shaped like ``input``.

    Examples
    --------
    >>> import numpy as np
    >>> leaky_relu_backward(np.ones(3), np.array([-1.0, 0.0, 2.0]), 0.1)
    array([0.1, 0.1, 1. ])
    """
    a = _slope(negative_slope)
    g, x = float_pair(grad_output, input, ("grad_output", "input"))
    return np.where(x > 0, g, g * g.dtype.type(a))


def tanh(input):
    """Hyperbolic tangent, elementwise, as ``torch.tanh``.

    Parameters
    ----------
    input : array_like of float
        Any shape.

    Returns
    -------
    ndarray
        Values in [-1, 1], shaped like ``input``.

    Examples
    --------
    >>> import numpy as np
    >>> tanh(np.array([-1000.0, 0.0, 1000.0]))
    array([-1.,  0.,  1.])
    """
    return np.tanh(float_array(input, "input"))


def tanh_backward(grad_output, output):
    """Gradient of :func:`tanh`: dL/dx = g (1 - t^2), from its output t.

    Parameters
    ----------
    grad_output : array_like of float
        g = dL/d(output).
    output : array_like of float
        The forward's output t = tanh(x), shaped like ``grad_output``.

    Returns
    -------
    ndarray
        dL/dx.

    Examples
    --------
    >>> import numpy as np
    >>> tanh_backward(np.ones(1), np.array([0.5]))
    array([0.75])
    """
    g, t = float_pair(grad_output, output, ("grad_output", "output"))
    return g * (1 - t * t)


def sigmoid(input):
    """Logistic function 1 / (1 + exp(-x)), elementwise, without overflow.

    Computed as 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0 with
    ``e = exp(-|x|) <= 1``.

    Parameters
    ----------
    input : array_like of float
        Any shape.

    Returns
    -------
    ndarray
        Values in [0, 1], shaped like ``input``.

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    x = float_array(input, "input")
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


def sigmoid_backward(grad_output, output):
    """Gradient of :func:`sigmoid`: dL/dx = g * s (1 - s), from its output s.

    Parameters
    ----------
    grad_output : array_like of float
        g = dL/d(output).
    output : array_like of float
        The forward's output s = sigmoid(x), shaped like ``grad_output``.

    Returns
    -------
    ndarray
        dL/dx.

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid_backward(np.ones(1), np.array([0.5]))
    array([0.25])
    """
    g, s = float_pair(grad_output, output, ("grad_output", "output"))
    return g * s * (1 - s)


def log_softmax(x, dim=-1):
    """log softmax(x)_i = x_i - m - log sum_j exp(x_j - m), m = max_j x_j.

    Subtracting the maximum keeps every exponent <= 0, so no overflow for any
    finite input.

    Parameters
    ----------
    x : array_like of float, at least 1-D
        The inputs (logits).
    dim : int, default -1
        The axis normalized over.

    Returns
    -------
    ndarray
        Shaped like ``x``; its exponentials sum to 1 along ``dim``.

    Examples
    --------
    >>> import numpy as np
    >>> np.exp(log_softmax(np.array([1e4, 1e4]))).tolist()
    [0.5, 0.5]
    """
    x = float_array(x, "x")
    dim = axis(dim, x.ndim)
    shifted = x - x.max(axis=dim, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


def softmax(x, dim=-1):
    """softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m), m = max_j x_j.

    Parameters
    ----------
    x : array_like of float, at least 1-D
        The inputs (logits).
    dim : int, default -1
        The axis normalized over.

    Returns
    -------
    ndarray
        Shaped like ``x``; non-negative, summing to 1 along ``dim``.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    x = float_array(x, "x")
    dim = axis(dim, x.ndim)
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def softmax_backward(grad_output, output, dim=-1):
    """Gradient of :func:`softmax`: dL/dx = s * (g - sum_j g_j s_j).

    Parameters
    ----------
    grad_output : array_like of float
        g = dL/d(output).
    output : array_like of float
        The forward's output s, shaped like ``grad_output``.
    dim : int, default -1
        The axis the forward normalized over.

    Returns
    -------
    ndarray
        dL/dx.

    Examples
    --------
    >>> import numpy as np
    >>> softmax_backward(np.array([1.0, 0.0]), np.array([0.5, 0.5]))
    array([ 0.25, -0.25])
    """
    g, s = float_pair(grad_output, output, ("grad_output", "output"))
    dim = axis(dim, s.ndim)
    return s * (g - (g * s).sum(axis=dim, keepdims=True))


def log_softmax_backward(grad_output, output, dim=-1):
    """Gradient of :func:`log_softmax`: dL/dx = g - exp(y) * sum_j g_j.

    Parameters
    ----------
    grad_output : array_like of float
        g = dL/d(output).
    output : array_like of float
        The forward's output y = log_softmax(x), shaped like ``grad_output``.
    dim : int, default -1
        The axis the forward normalized over.

    Returns
    -------
    ndarray
        dL/dx.

    Examples
    --------
    >>> import numpy as np
    >>> log_softmax_backward(np.array([1.0, 0.0]), np.log([0.5, 0.5]))
    array([ 0.5, -0.5])
    """
    g, y = float_pair(grad_output, output, ("grad_output", "output"))
    dim = axis(dim, y.ndim)
    return g - np.exp(y) * g.sum(axis=dim, keepdims=True)
