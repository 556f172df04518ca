"""Losses and their gradients: square loss and softmax cross-entropy.

Semantics, reductions included, follow ``torch.nn.functional.mse_loss`` and
``torch.nn.functional.cross_entropy``.  Float32 stays float32; anything else
becomes float64.  Each is a few vectorized NumPy operations and is its own
reference.
"""

import numpy as np

from .._validation import check_float_array, check_int_array, check_shape
from ._checks import float_array, float_pair
from .activations import log_softmax, softmax

__all__ = [
    "REDUCTIONS",
    "cross_entropy",
    "cross_entropy_backward",
    "mse_loss",
    "mse_loss_backward",
]

REDUCTIONS = ("mean", "sum", "none")


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
        return check_shape(
            float_array(grad_output, "grad_output", dtype), "grad_output", shape
        )
    g = float_array(grad_output, "grad_output", dtype)
    if g.size != 1:
        raise ValueError(
            f"grad_output must be a scalar for reduction={reduction!r}, "
            f"got shape {g.shape}"
        )
    g = g.reshape(())
    return g / dtype.type(max(int(np.prod(shape)), 1)) if reduction == "mean" else g


def mse_loss(input, target, reduction="mean"):
    """Square loss (x - y)^2 per element, as ``torch.nn.functional.mse_loss``.

    Parameters
    ----------
    input : array_like of float
        Predictions x.
    target : array_like of float
        Targets y, shaped like ``input``.
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
    >>> float(mse_loss(np.array([1.0, 2.0]), np.array([0.0, 0.0])))
    2.5
    """
    _check_reduction(reduction)
    x, y = float_pair(input, target, ("input", "target"))
    return _reduce((x - y) ** 2, reduction)


def mse_loss_backward(grad_output, input, target, reduction="mean"):
    """Gradient of :func:`mse_loss` with respect to its input.

    dL/dx = 2 (x - y) g / n for "mean" (n elements), without the /n for
    "sum", with g elementwise for "none".  The gradient with respect to
    ``target`` is its negative.

    Parameters
    ----------
    grad_output : float or array_like of float
        g = dL/d(loss): a scalar for "mean" and "sum", shaped like ``input``
        for "none".
    input : array_like of float
        Predictions x given to the forward.
    target : array_like of float
        Targets y, shaped like ``input``.
    reduction : {"mean", "sum", "none"}, default "mean"
        The forward's reduction.

    Returns
    -------
    ndarray
        dL/dx, shaped like ``input``.

    Examples
    --------
    >>> import numpy as np
    >>> mse_loss_backward(1.0, np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    array([1., 2.])
    """
    x, y = float_pair(input, target, ("input", "target"))
    scale = _loss_grad_scale(grad_output, reduction, x.shape, x.dtype)
    return 2 * (x - y) * scale


def _logits_and_target(logits, target):
    z = check_float_array(logits, "logits", 2, allow_empty=False)
    t = check_shape(check_int_array(target, "target", ndim=1), "target", z.shape[:1])
    if t.min() < 0 or t.max() >= z.shape[1]:
        bad = t.min() if t.min() < 0 else t.max()
        raise ValueError(
            f"target holds class {bad} but logits has {z.shape[1]} classes "
            f"(valid range 0..{z.shape[1] - 1})"
        )
    return z, t


def cross_entropy(logits, target, reduction="mean"):
    """Softmax cross-entropy (negative log-likelihood) of integer class targets.

    loss_n = log sum_c exp(z_nc) - z_n,t_n, computed as -log_softmax(z)[n, t_n]
    (log-sum-exp around the row maximum: finite for any finite logits), as
    ``torch.nn.functional.cross_entropy``.

    Parameters
    ----------
    logits : array_like of shape (n_samples, n_classes)
        Unnormalized log-probabilities z.
    target : array_like of int, shape (n_samples,)
        Classes in [0, n_classes).
    reduction : {"mean", "sum", "none"}, default "mean"
        Mean or sum of the per-sample losses, or the losses themselves.

    Returns
    -------
    ndarray
        A scalar (NumPy float) for "mean" and "sum", else shape
        (n_samples,).

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
    """Gradient of :func:`cross_entropy` with respect to the logits.

    dL/dz = (softmax(z) - onehot(t)) g / N for "mean", without the /N for
    "sum", row n times g[n] for "none".

    Parameters
    ----------
    grad_output : float or array_like of float
        g = dL/d(loss): a scalar for "mean" and "sum", shape (n_samples,) for
        "none".
    logits : array_like of shape (n_samples, n_classes)
        The forward's logits z.
    target : array_like of int, shape (n_samples,)
        The forward's classes t.
    reduction : {"mean", "sum", "none"}, default "mean"
        The forward's reduction.

    Returns
    -------
    ndarray, shape (n_samples, n_classes)
        dL/dz.

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
