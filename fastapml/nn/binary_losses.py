"""Binary cross-entropy, on probabilities or on logits, and its gradients.

Semantics, reductions included, follow ``torch.nn.functional``'s
``binary_cross_entropy`` and ``binary_cross_entropy_with_logits``.  Float32
stays float32; anything else becomes float64.  Each is a few vectorized
NumPy operations and is its own reference.
"""

import numpy as np

from ._checks import float_array, float_pair
from ._reduction import (
    check_deprecated,
    check_reduction,
    loss_grad_scale,
    reduce_losses,
)
from .activations import sigmoid

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_backward",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_backward",
]

LOG_FLOOR = -100.0  # PyTorch clamps each log at -100, so p = 0 or 1 stays finite
# PyTorch's floor on p (1 - p) in the gradient: 1e-12 as a float32
EPSILON = float(np.float32(1e-12))


def _checked(input, target, weight, reduction, deprecated):
    """(x, y, w): input and target of one shape and dtype, and the weight
    broadcast to it (None when not given)."""
    check_deprecated(*deprecated)
    check_reduction(reduction)
    x, y = float_pair(input, target, ("input", "target"))
    if weight is None:
        return x, y, None
    w = float_array(weight, "weight", x.dtype)
    try:
        w = np.broadcast_to(w, x.shape)
    except ValueError:
        raise ValueError(
            f"weight of shape {w.shape} does not broadcast to the input's {x.shape}"
        ) from None
    return x, y, w


def _weighted(values, w):
    return values if w is None else values * w


def binary_cross_entropy(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean"
):
    """Binary cross-entropy of probabilities, as PyTorch's.

    ``torch.nn.functional.binary_cross_entropy``: -w [y log p + (1 - y)
    log(1 - p)] per element, each log at least -100.

    Parameters
    ----------
    input : array_like of float
        Probabilities p in [0, 1], any shape.
    target : array_like of float
        y, shaped like ``input`` (0/1 labels or soft targets).
    weight : array_like of float, optional
        w, broadcastable to ``input``'s shape.
    size_average, reduce : None
        PyTorch's deprecated arguments, in their places; only None.
    reduction : {"mean", "sum", "none"}, default "mean"
        Mean or sum of the per-element losses, or the losses themselves.

    Returns
    -------
    ndarray
        A scalar (NumPy float) for "mean" and "sum", else shaped like
        ``input``.

    Examples
    --------
    >>> import numpy as np
    >>> round(float(binary_cross_entropy(np.array([0.5]), np.array([1.0]))), 6)
    0.693147
    """
    x, y, w = _checked(input, target, weight, reduction, (size_average, reduce))
    if ((x < 0) | (x > 1)).any():
        raise ValueError("input must hold probabilities in [0, 1]")
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(x), x.dtype.type(LOG_FLOOR))
        log_q = np.maximum(np.log1p(-x), x.dtype.type(LOG_FLOOR))
    losses = -_weighted(y * log_p + (1 - y) * log_q, w)
    return reduce_losses(losses, reduction)


def binary_cross_entropy_backward(
    grad_output, input, target, weight=None, reduction="mean"
):
    """Gradient of :func:`binary_cross_entropy` with respect to its input.

    w (p - y) / max(p (1 - p), 1e-12) times g (divided by the number of
    elements for "mean"), as PyTorch computes it.

    Parameters
    ----------
    grad_output : float or array_like of float
        g = dL/d(loss): a scalar for "mean" and "sum", shaped like ``input``
        for "none".
    input : array_like of float
        The forward's probabilities p.
    target : array_like of float
        The forward's y.
    weight : array_like of float, optional
        The forward's w.
    reduction : {"mean", "sum", "none"}, default "mean"
        The forward's reduction.

    Returns
    -------
    ndarray
        dL/dp, shaped like ``input``.

    Examples
    --------
    >>> import numpy as np
    >>> binary_cross_entropy_backward(1.0, np.array([0.5]), np.array([1.0]))
    array([-2.])
    """
    x, y, w = _checked(input, target, weight, reduction, (None, None))
    scale = loss_grad_scale(grad_output, reduction, x.shape, x.dtype)
    spread = np.maximum(x * (1 - x), x.dtype.type(EPSILON))
    return _weighted((x - y) / spread, w) * scale


def _log_weight(y, pos_weight):
    """1 + (pos_weight - 1) y, PyTorch's weight on the softplus term."""
    if pos_weight is None:
        return None
    pw = float_array(pos_weight, "pos_weight", y.dtype)
    try:
        return 1 + (np.broadcast_to(pw, y.shape) - 1) * y
    except ValueError:
        raise ValueError(
            f"pos_weight of shape {pw.shape} does not broadcast to the input's "
            f"{y.shape}"
        ) from None


def binary_cross_entropy_with_logits(
    input,
    target,
    weight=None,
    size_average=None,
    reduce=None,
    reduction="mean",
    pos_weight=None,
):
    """Binary cross-entropy of sigmoid(x), as PyTorch's ``*_with_logits``.

    As ``torch.nn.functional.binary_cross_entropy_with_logits``: per
    element ``-w [pw y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))]``,
    computed without overflow as ``w [(1 - y) x + (1 + (pw - 1) y)
    softplus(-x)]`` with ``softplus(-x) = log(1 + exp(-|x|)) + max(-x,
    0)``.

    Parameters
    ----------
    input : array_like of float
        Logits x, any shape.
    target : array_like of float
        y, shaped like ``input``.
    weight : array_like of float, optional
        w, broadcastable to ``input``'s shape.
    size_average, reduce : None
        PyTorch's deprecated arguments, in their places; only None.
    reduction : {"mean", "sum", "none"}, default "mean"
        Mean or sum of the per-element losses, or the losses themselves.
    pos_weight : array_like of float, optional
        pw, the weight of positive examples, broadcastable to ``input``'s
        shape (one per class along the last axis).

    Returns
    -------
    ndarray
        A scalar (NumPy float) for "mean" and "sum", else shaped like
        ``input``.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = np.array([0.0, 1000.0]), np.array([1.0, 0.0])
    >>> binary_cross_entropy_with_logits(x, y, reduction="none").round(4)
    array([6.931e-01, 1.000e+03])
    """
    x, y, w = _checked(input, target, weight, reduction, (size_average, reduce))
    softplus = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)
    lw = _log_weight(y, pos_weight)
    losses = (1 - y) * x + (softplus if lw is None else lw * softplus)
    return reduce_losses(_weighted(losses, w), reduction)


def binary_cross_entropy_with_logits_backward(
    grad_output, input, target, weight=None, reduction="mean", pos_weight=None
):
    """Gradient of :func:`binary_cross_entropy_with_logits` for its input.

    w [(1 - y) - (1 + (pw - 1) y)(1 - sigmoid(x))] times g (sigmoid(x) - y
    when w = pw = 1).

    Parameters
    ----------
    grad_output : float or array_like of float
        g = dL/d(loss): a scalar for "mean" and "sum", shaped like ``input``
        for "none".
    input : array_like of float
        The forward's logits x.
    target : array_like of float
        The forward's y.
    weight : array_like of float, optional
        The forward's w.
    reduction : {"mean", "sum", "none"}, default "mean"
        The forward's reduction.
    pos_weight : array_like of float, optional
        The forward's pw.

    Returns
    -------
    ndarray
        dL/dx, shaped like ``input``.

    Examples
    --------
    >>> import numpy as np
    >>> binary_cross_entropy_with_logits_backward(1.0, np.zeros(1), np.ones(1))
    array([-0.5])
    """
    x, y, w = _checked(input, target, weight, reduction, (None, None))
    scale = loss_grad_scale(grad_output, reduction, x.shape, x.dtype)
    lw = _log_weight(y, pos_weight)
    rest = 1 - sigmoid(x)
    grad = (1 - y) - (rest if lw is None else lw * rest)
    return _weighted(grad, w) * scale
