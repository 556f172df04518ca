"""Losses and their gradients: square loss, softmax cross-entropy and the
negative log-likelihood.

Semantics, reductions included, follow ``torch.nn.functional.mse_loss`` and
``torch.nn.functional.cross_entropy``.  Float32 stays float32; anything else
becomes float64.  Each is a few vectorized NumPy operations and is its own
reference.
"""

import numpy as np

from ._checks import float_pair
from ._class_targets import ClassTargets
from ._reduction import REDUCTIONS, check_reduction, loss_grad_scale, reduce_losses
from .activations import log_softmax, softmax

__all__ = [
    "REDUCTIONS",
    "cross_entropy",
    "cross_entropy_backward",
    "mse_loss",
    "mse_loss_backward",
    "nll_loss",
    "nll_loss_backward",
]


def mse_loss(input, target, reduction="mean"):
    """Square loss (x - y)^2 per element, as ``torch.nn.functional.mse_loss``.

    ``reduction="sum"`` is the course's square loss sum_i (x_i - y_i)^2;
    "mean" (PyTorch's default) divides it by the number of elements.

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
    check_reduction(reduction)
    x, y = float_pair(input, target, ("input", "target"))
    return reduce_losses((x - y) ** 2, reduction)


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
    scale = loss_grad_scale(grad_output, reduction, x.shape, x.dtype)
    return 2 * (x - y) * scale


def cross_entropy(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
    label_smoothing=0.0,
):
    """Softmax cross-entropy, as ``torch.nn.functional.cross_entropy``.

    The course's loss -sum_c y_c log softmax(z)_c, for one-hot or any class
    probabilities y, or class indices.  Per element (a sample, or a sample's
    position in an (N, C, d1, ...) input) ``loss = -sum_c q_c log
    softmax(z)_c`` with q: for a class index y, ``(1 - eps) w_y onehot(y) +
    (eps / C) w``, 0 where y is ``ignore_index``; for class probabilities t,
    ``w ((1 - eps) t + eps / C)`` (w: ``weight``, eps: ``label_smoothing``).
    log_softmax works around each row's maximum, so finite logits give
    finite losses.

    Parameters
    ----------
    input : array_like of float, shape (C,), (N, C) or (N, C, d1, ..., dk)
        Logits z, the classes along axis 1 (axis 0 unbatched).
    target : array_like
        Class indices (integers) of shape (), (N,) or (N, d1, ..., dk), or
        class probabilities (floats) shaped like ``input``.
    weight : array_like of float, shape (C,), optional
        A weight per class.
    size_average, reduce : None
        PyTorch's deprecated arguments, in their places; only None.
    ignore_index : int, default -100
        Index targets equal to it add nothing, to the sum or to the mean's
        denominator.
    reduction : {"mean", "sum", "none"}, default "mean"
        "mean" divides the summed losses by the sum of ``w_y`` over the
        index targets not ignored (by the number of elements for
        probability targets); "none" returns each element's loss.
    label_smoothing : float in [0, 1], default 0
        eps above.

    Returns
    -------
    ndarray
        A scalar (NumPy float) for "mean" and "sum", else shape (), (N,) or
        (N, d1, ..., dk).  "mean" with every target ignored is NaN, as in
        PyTorch.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.array([[0.0, 0.0]])
    >>> round(float(cross_entropy(z, np.array([1]))), 6)
    0.693147
    >>> round(float(cross_entropy(z, np.array([[0.0, 1.0]]))), 6)  # one-hot
    0.693147
    """
    ct = ClassTargets(
        input,
        target,
        weight,
        ignore_index,
        label_smoothing,
        reduction,
        deprecated=(size_average, reduce),
    )
    return ct.reduce(_weighted_sum(ct.q, log_softmax(ct.scores)), reduction)


def _weighted_sum(q, scores):
    """-sum_c q_mc s_mc per row, with q = 0 terms left out (so -inf scores
    of classes that carry no weight add nothing, as PyTorch's gather)."""
    terms = np.multiply(q, scores, out=np.zeros_like(q), where=q != 0)
    return -terms.sum(axis=1)


def cross_entropy_backward(
    grad_output,
    input,
    target,
    weight=None,
    ignore_index=-100,
    reduction="mean",
    label_smoothing=0.0,
):
    """Gradient of :func:`cross_entropy` with respect to its input.

    Per element, dL/dz = (sum_c q_c) softmax(z) - q (q as in
    :func:`cross_entropy`; softmax(z) - onehot(y) for a plain class index),
    times g divided by the mean's denominator for "mean", g for "sum", the
    element's g for "none".

    Parameters
    ----------
    grad_output : float or array_like of float
        g = dL/d(loss): a scalar for "mean" and "sum", shaped like the
        unreduced loss for "none".
    input : array_like of float
        The forward's logits z.
    target : array_like
        The forward's class indices or probabilities.
    weight : array_like of float, shape (C,), optional
        The forward's class weights.
    ignore_index : int, default -100
        The forward's ignored index.
    reduction : {"mean", "sum", "none"}, default "mean"
        The forward's reduction.
    label_smoothing : float, default 0
        The forward's eps.

    Returns
    -------
    ndarray
        dL/dz, shaped like ``input``.

    Examples
    --------
    >>> import numpy as np
    >>> cross_entropy_backward(1.0, np.array([[0.0, 0.0]]), np.array([1]))
    array([[ 0.5, -0.5]])
    """
    ct = ClassTargets(input, target, weight, ignore_index, label_smoothing, reduction)
    scale = ct.grad_scale(grad_output, reduction)
    grad = ct.q.sum(axis=1, keepdims=True) * softmax(ct.scores) - ct.q
    return ct.to_input_layout(grad * scale)


def nll_loss(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
):
    """Negative log-likelihood of class targets, as PyTorch's ``nll_loss``.

    As ``torch.nn.functional.nll_loss``, on log-probabilities: per element
    ``loss = -w_y x_y`` for input x (e.g.
    :func:`~fastapml.nn.functional.log_softmax`'s), 0 where y is
    ``ignore_index``; ``cross_entropy(z, y)`` is ``nll_loss(log_softmax(z),
    y)``.

    Parameters
    ----------
    input : array_like of float, shape (C,), (N, C) or (N, C, d1, ..., dk)
        Log-probabilities x, the classes along axis 1 (axis 0 unbatched);
        -inf allowed.
    target : array_like of int
        Class indices of shape (), (N,) or (N, d1, ..., dk).
    weight : array_like of float, shape (C,), optional
        A weight per class.
    size_average, reduce : None
        PyTorch's deprecated arguments, in their places; only None.
    ignore_index : int, default -100
        Targets equal to it add nothing, to the sum or to the mean's
        denominator.
    reduction : {"mean", "sum", "none"}, default "mean"
        "mean" divides the summed losses by the sum of ``w_y`` over the
        targets not ignored; "none" returns each element's loss.

    Returns
    -------
    ndarray
        A scalar (NumPy float) for "mean" and "sum", else the unreduced
        losses' shape.

    Examples
    --------
    >>> import numpy as np
    >>> float(nll_loss(np.log(np.array([[0.25, 0.75]])), np.array([0])))
    1.3862943611198906
    """
    ct = ClassTargets(
        input,
        target,
        weight,
        ignore_index,
        0.0,
        reduction,
        deprecated=(size_average, reduce),
        log_probabilities=True,
    )
    return ct.reduce(_weighted_sum(ct.q, ct.scores), reduction)


def nll_loss_backward(
    grad_output, input, target, weight=None, ignore_index=-100, reduction="mean"
):
    """Gradient of :func:`nll_loss` with respect to its input.

    -w_y at the target's class, 0 elsewhere, times g as in
    :func:`cross_entropy_backward`.

    Parameters
    ----------
    grad_output : float or array_like of float
        g = dL/d(loss): a scalar for "mean" and "sum", shaped like the
        unreduced loss for "none".
    input : array_like of float
        The forward's log-probabilities x.
    target : array_like of int
        The forward's class indices.
    weight : array_like of float, shape (C,), optional
        The forward's class weights.
    ignore_index : int, default -100
        The forward's ignored index.
    reduction : {"mean", "sum", "none"}, default "mean"
        The forward's reduction.

    Returns
    -------
    ndarray
        dL/dx, shaped like ``input``.

    Examples
    --------
    >>> import numpy as np
    >>> nll_loss_backward(1.0, np.zeros((2, 2)), np.array([0, 1]))
    array([[-0.5,  0. ],
           [ 0. , -0.5]])
    """
    ct = ClassTargets(
        input, target, weight, ignore_index, 0.0, reduction, log_probabilities=True
    )
    # 0 - q, not -q: no -0.0 where no target is
    return ct.to_input_layout((0 - ct.q) * ct.grad_scale(grad_output, reduction))
