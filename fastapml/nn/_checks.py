"""Argument checks shared by :mod:`.activations`, :mod:`.linear`,
:mod:`.losses` and :mod:`.dropout`."""

import math
import numbers

import numpy as np

from .._memory import check_memory
from .._validation import check_float_array, check_scalar, check_shape, float_dtype


def float_array(x, name, dtype=None, ndim=None):
    """``x`` as a float array of any (or the given) rank; see check_float_array.

    The reshape keeps a 0-d ``x`` 0-d (np.ascontiguousarray makes it 1-d)."""
    arr = check_float_array(x, name, np.ndim(x) if ndim is None else ndim, dtype=dtype)
    return arr.reshape(np.shape(x))


def float_pair(grad_output, other, names):
    """Two same-shaped float arrays in one dtype (float32 only if both are)."""
    dtype = float_dtype(grad_output, other)
    g = float_array(grad_output, names[0], dtype)
    x = check_shape(float_array(other, names[1], dtype), names[1], g.shape, names[0])
    return g, x


def axis(dim, ndim):
    """``dim`` as a non-negative axis of an ``ndim``-D array."""
    if ndim == 0:
        raise ValueError("input must have at least one dimension")
    check_scalar(dim, "dim", kind=numbers.Integral, low=-ndim, high=ndim - 1)
    return int(dim) % ndim


def check_size(shape, dtype, names):
    """Refuse a weight of ``shape`` that cannot fit in memory.

    Counted in Python ints, so sizes past int64 are refused too, with the
    arguments named: ``names`` spells the shape, e.g. ``"(out, in)"`` (with
    ``out``/``in`` expanded to ``out_features``/``in_features``).  ``uniform``
    draws float64 before the cast, hence 8 more bytes a parameter.
    """
    names = names.replace("(out, in)", "(out_features, in_features)")
    n = math.prod(shape)
    what = f"a weight of shape {names} = {tuple(shape)}, {n:,} parameters,"
    if n > np.iinfo(np.intp).max // 16:
        raise ValueError(f"{what} is too large to allocate")
    check_memory(n * (8 + np.dtype(dtype).itemsize), what)
    return n
