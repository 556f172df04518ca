"""Numerical derivatives by central differences, and a gradient checker.

The step for coordinate i is h_i = eps^(1/3) max(1, |x_i|), with eps the
machine epsilon of x's dtype: it balances the truncation error of the
central difference, O(h^2), against the rounding error of f, O(eps / h), so
both are about eps^(2/3) (4e-11 in float64, 2e-5 in float32) relative to the
scale of f.
"""

from collections import namedtuple

import numpy as np

from .._validation import check_float_array, check_scalar

GradCheck = namedtuple("GradCheck", "error index analytic numerical")
GradCheck.__doc__ = """Result of :func:`check_grad`, a named tuple.

Parameters
----------
error : float
    The worst relative error over the components.
index : tuple of int
    Where it occurs (usable as ``analytic[index]``).
analytic : ndarray
    The analytic gradient, shaped like ``x``.
numerical : ndarray
    The numerical gradient, shaped like ``x``.
"""


class NonFiniteError(ValueError):
    """A function returned NaN or infinity (a ValueError)."""


def _point(x, name="x"):
    """``x`` as a finite, non-empty float32/float64 array of any shape."""
    return check_float_array(x, name, np.ndim(x), allow_empty=False)


def _output(value, name, shape=None):
    """``f``'s output as a finite float64 array (of ``shape`` if given)."""
    out = np.asarray(value, dtype=np.float64)
    if shape is not None and out.shape != shape:
        raise ValueError(
            f"{name} must return an array of shape {shape}, got {out.shape}"
        )
    if not np.isfinite(out).all():
        raise NonFiniteError(f"{name} returned non-finite values")
    return out


def step_sizes(x):
    """The central-difference steps h_i = eps^(1/3) max(1, |x_i|).

    Parameters
    ----------
    x : ndarray of float32 or float64
        The point.

    Returns
    -------
    h : ndarray
        Steps, shaped and typed like ``x``.
    """
    eps = np.finfo(x.dtype).eps
    return (eps ** (1 / 3) * np.maximum(1, np.abs(x))).astype(x.dtype)


def numerical_jacobian(f, x):
    """Jacobian of ``f`` at ``x`` by central differences.

    J[..., i] = (f(x + h_i e_i) - f(x - h_i e_i)) / (2 h_i), with h_i from
    :func:`step_sizes` (the denominator is the difference of the two points
    as stored, so the step's rounding cancels).

    Parameters
    ----------
    f : callable
        ``f(x)`` returns an array (or scalar) of fixed shape ``s``.
    x : array_like of float, any shape
        The point; float32 stays float32, anything else becomes float64.

    Returns
    -------
    J : ndarray of shape ``s + x.shape``
        In x's dtype.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> np.allclose(numerical_jacobian(lambda x: A @ x, np.ones(2)), A)
    True
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    x = _point(x)
    h = step_sizes(x).ravel()
    shape = _output(f(x.copy()), "f").shape
    J = np.empty(shape + (x.size,))
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up.flat[i] += h[i]
        down.flat[i] -= h[i]
        J[..., i] = (_output(f(up), "f", shape) - _output(f(down), "f", shape)) / (
            np.float64(up.flat[i]) - np.float64(down.flat[i])
        )
    return J.reshape(shape + x.shape).astype(x.dtype)


def numerical_gradient(f, x):
    """Gradient of a scalar function ``f`` at ``x`` by central differences.

    g_i = (f(x + h_i e_i) - f(x - h_i e_i)) / (2 h_i), as
    :func:`numerical_jacobian`.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a scalar.
    x : array_like of float, any shape
        The point; float32 stays float32, anything else becomes float64.

    Returns
    -------
    g : ndarray
        Shaped and typed like ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> g = numerical_gradient(lambda x: np.sum(x ** 3), np.array([1.0, 2.0]))
    >>> np.allclose(g, [3.0, 12.0])
    True
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    x = _point(x)
    out = np.shape(f(x.copy()))
    if out not in ((), (1,)):
        raise ValueError(f"f must return a scalar, got shape {out}")
    return numerical_jacobian(lambda z: np.reshape(f(z), ()), x)


def check_grad(f, grad, x, floor=None):
    r"""Compare an analytic gradient with the numerical one.

    The error of component i is

    .. math::

        e_i = \frac{|a_i - n_i|}{\max(|a_i|, |n_i|, \mathrm{floor})}

    with a = ``grad(x)`` and n = :func:`numerical_gradient`: relative for
    components larger than ``floor``, absolute below it.  Expect about eps^(2/3) (1e-10
    in float64, 1e-4 in float32) for a correct gradient of a well-scaled
    function; an error near 1 means that component is wrong.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a scalar.
    grad : callable
        ``grad(x)`` returns the gradient, shaped like ``x``.
    x : array_like of float, any shape
        The point.
    floor : float, optional
        Below this size components are compared absolutely; default
        eps^(1/3) of x's dtype (6e-6 in float64, 5e-3 in float32).

    Returns
    -------
    GradCheck
        ``(error, index, analytic, numerical)``: the worst error, its index
        (a tuple), and both gradients.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 2.0])
    >>> wrong = lambda x: np.array([3 * x[0] ** 2, 2 * x[1] ** 2])
    >>> result = check_grad(lambda x: np.sum(x ** 3), wrong, x)
    >>> result.index, round(result.error, 3)
    ((1,), 0.333)
    """
    if not callable(grad):
        raise TypeError(f"grad must be callable, got {type(grad).__name__}")
    x = _point(x)
    if floor is None:
        floor = float(np.finfo(x.dtype).eps ** (1 / 3))
    else:
        check_scalar(floor, "floor", low=0, low_inclusive=False)
    numerical = numerical_gradient(f, x)
    analytic = _output(grad(x.copy()), "grad", x.shape).astype(x.dtype)
    a, n = analytic.astype(np.float64), numerical.astype(np.float64)
    errors = np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    worst = int(np.argmax(errors))
    index = tuple(int(i) for i in np.unravel_index(worst, x.shape))
    return GradCheck(float(errors.flat[worst]), index, analytic, numerical)
