"""Inverted dropout and its gradient, as ``torch.nn.functional.dropout``.

Units are dropped with probability p and the kept ones scaled by 1/(1 - p)
(Srivastava et al., "Dropout: a simple way to prevent neural networks from
overfitting", JMLR 15, 2014, applied at training time rather than test time,
as PyTorch does).
"""

import numpy as np

from .._validation import check_scalar, check_shape
from ._checks import float_array

__all__ = ["dropout", "dropout_backward", "dropout_with_mask"]


def _drop_probability(p):
    return float(check_scalar(p, "p", low=0, high=1))


def dropout(input, p=0.5, training=True, inplace=False, *, random_state=None):
    """Zero each unit with probability p, scale the kept ones by 1/(1 - p).

    As ``torch.nn.functional.dropout``: E[output] = input in training; at
    evaluation (``training=False``) the input passes through unchanged; p = 1
    zeroes everything.  The backward pass needs the mask:
    :func:`dropout_with_mask` returns it too.

    Parameters
    ----------
    input : array_like of float
        Any shape.
    p : float in [0, 1], default 0.5
        Drop probability.
    training : bool, default True
        False passes the input through unchanged.
    inplace : bool, default False
        Write the output into ``input`` (a writable float ndarray) and
        return it.
    random_state : None, int or numpy.random.Generator
        Seed or generator for the mask.

    Returns
    -------
    ndarray
        Shaped like ``input``.

    Examples
    --------
    >>> import numpy as np
    >>> out = dropout(np.ones(4), p=0.5, random_state=0)
    >>> sorted(set(out.tolist()))
    [0.0, 2.0]
    >>> dropout(np.ones(2), training=False)
    array([1., 1.])
    """
    if not isinstance(inplace, (bool, np.bool_)):
        raise TypeError(f"inplace must be bool, got {type(inplace).__name__}")
    if inplace and not (
        isinstance(input, np.ndarray)
        and input.dtype.kind == "f"
        and input.flags.writeable
    ):
        raise TypeError("inplace=True needs input to be a writable float ndarray")
    out, _ = dropout_with_mask(input, p, training, random_state)
    if inplace:
        input[...] = out
        return input
    return out


def dropout_with_mask(input, p=0.5, training=True, random_state=None):
    """:func:`dropout`'s output, and the mask its backward needs.

    :func:`dropout_backward` takes the mask.

    Parameters
    ----------
    input : array_like of float
        Any shape.
    p : float in [0, 1], default 0.5
        Drop probability.
    training : bool, default True
        False passes the input through unchanged.
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
    >>> out, mask = dropout_with_mask(np.ones(4), p=0.5, random_state=0)
    >>> bool(np.array_equal(out, np.where(mask, 2.0, 0.0)))
    True
    >>> dropout_with_mask(np.ones(2), training=False)
    (array([1., 1.]), None)
    """
    p = _drop_probability(p)
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"training must be bool, got {type(training).__name__}")
    x = float_array(input, "input")
    if not training:
        return x, None
    mask = np.random.default_rng(random_state).random(x.shape, dtype=np.float32) >= p
    return _apply_mask(x, mask, p), mask


def _apply_mask(values, mask, p):
    """values * mask / (1 - p), zero everywhere when p = 1."""
    scale = values.dtype.type(0 if p == 1 else 1 / (1 - p))
    return np.where(mask, values * scale, values.dtype.type(0))


def dropout_backward(grad_output, mask, p):
    """Gradient of :func:`dropout`: dL/dx = g * mask / (1 - p).

    With ``mask`` None (evaluation) the gradient is g itself.

    Parameters
    ----------
    grad_output : array_like of float
        g = dL/d(output).
    mask : ndarray of bool or None
        The mask :func:`dropout_with_mask` returned.
    p : float in [0, 1]
        The drop probability given to :func:`dropout`.

    Returns
    -------
    ndarray
        dL/dx, shaped like ``grad_output``.

    Examples
    --------
    >>> import numpy as np
    >>> dropout_backward(np.ones(2), np.array([True, False]), 0.5)
    array([2., 0.])
    """
    p = _drop_probability(p)
    g = float_array(grad_output, "grad_output")
    if mask is None:
        return g
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"mask must be a bool array, got dtype {mask.dtype}")
    return _apply_mask(g, check_shape(mask, "mask", g.shape, "grad_output"), p)
