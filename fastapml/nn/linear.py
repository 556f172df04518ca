"""The affine map of a fully connected layer and its gradients."""

from .._validation import check_shape, float_dtype
from ._checks import float_array

__all__ = ["linear", "linear_backward"]


def linear(input, weight, bias=None):
    """Affine map y = x W^T + b, as ``torch.nn.functional.linear``.

    Parameters
    ----------
    input : array_like of shape (n_samples, in_features)
        The inputs x.
    weight : array_like of shape (out_features, in_features)
        The weight W.
    bias : array_like of shape (out_features,), optional
        The bias b; none by default.

    Returns
    -------
    output : ndarray of shape (n_samples, out_features)
        float32 if every array is float32, else float64.

    Examples
    --------
    >>> import numpy as np
    >>> x, w = np.array([[1.0, 2.0]]), np.array([[1.0, 1.0], [0.0, 3.0]])
    >>> linear(x, w, np.array([0.5, 0.0]))
    array([[3.5, 6. ]])
    """
    arrays = (input, weight) if bias is None else (input, weight, bias)
    dtype = float_dtype(*arrays)
    x = float_array(input, "input", dtype, ndim=2)
    w = float_array(weight, "weight", dtype, ndim=2)
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"weight has {w.shape[1]} input features but input has "
            f"{x.shape[1]} (weight shape {w.shape}, input shape {x.shape})"
        )
    out = x @ w.T
    if bias is not None:
        out += check_shape(
            float_array(bias, "bias", dtype, ndim=1), "bias", (w.shape[0],)
        )
    return out


def linear_backward(grad_output, input, weight):
    """Gradients of :func:`linear`, y = x W^T + b.

    dL/dx = g W,  dL/dW = g^T x,  dL/db = sum_n g[n], with g = dL/dy.

    Parameters
    ----------
    grad_output : array_like of shape (n_samples, out_features)
        g = dL/dy.
    input : array_like of shape (n_samples, in_features)
        The forward's input x.
    weight : array_like of shape (out_features, in_features)
        The forward's weight W.

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
    g = float_array(grad_output, "grad_output", dtype, ndim=2)
    x = float_array(input, "input", dtype, ndim=2)
    w = float_array(weight, "weight", dtype, ndim=2)
    check_shape(g, "grad_output", (x.shape[0], w.shape[0]))
    check_shape(x, "input", (g.shape[0], w.shape[1]))
    return g @ w, g.T @ x, g.sum(axis=0)
