"""Argument checks shared by every public function.

Each check returns the argument converted to what the kernels expect
(C-contiguous, one dtype) or raises ``TypeError``/``ValueError`` naming the
argument and the problem.  Kernels trust what comes out of here.
"""

import contextlib
import numbers
import re

import numpy as np

FLOAT_DTYPES = (np.float32, np.float64)


def float_dtype(*arrays):
    """float32 if every array is float32, else float64."""
    if all(np.asarray(a).dtype == np.float32 for a in arrays):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def check_float_array(x, name, ndim, dtype=None, allow_neg_inf=False, allow_empty=True):
    """Return ``x`` as a C-contiguous float array of ``ndim`` dimensions.

    NaN is always rejected; +inf always; -inf only unless ``allow_neg_inf``.
    ``dtype`` forces float32/float64; by default float32 stays float32 and
    everything else becomes float64.
    """
    if (
        type(x) is np.ndarray
        and x.ndim == ndim
        and x.flags.c_contiguous
        and x.dtype in FLOAT_DTYPES
        and (dtype is None or x.dtype == dtype)
    ):
        arr = x  # already what the kernels take
    else:
        arr = np.asarray(x)
        if arr.dtype == object or not (
            np.issubdtype(arr.dtype, np.number) or arr.dtype == bool
        ):
            raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
        if np.iscomplexobj(arr):
            raise TypeError(f"{name} must be real, got dtype {arr.dtype}")
        if arr.ndim != ndim:
            raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
        if dtype is None:
            dtype = np.float32 if arr.dtype == np.float32 else np.float64
        arr = np.ascontiguousarray(arr, dtype=dtype)
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if arr.size:
        top = arr.max()  # NaN propagates through max
        if np.isnan(top):
            raise ValueError(f"{name} contains NaN")
        if top == np.inf:
            raise ValueError(f"{name} contains +inf")
        if not allow_neg_inf and arr.min() == -np.inf:
            raise ValueError(f"{name} contains -inf")
    return arr


def check_shape(arr, name, shape, like=None):
    """Raise unless ``arr.shape == shape``; ``like`` names the argument
    whose shape ``shape`` is, for the message."""
    if arr.shape != tuple(shape):
        that = "" if like is None else f", that of {like},"
        raise ValueError(f"{name} must have shape {tuple(shape)}{that} got {arr.shape}")
    return arr


def check_int_array(x, name, ndim=1, allow_bool=True):
    """Return ``x`` as a C-contiguous int64 array (integer dtypes only, and
    bool unless not ``allow_bool``)."""
    arr = np.asarray(x)
    if arr.size == 0 and arr.dtype == np.float64:
        arr = arr.astype(np.int64)  # np.asarray([]) is float64
    if not (np.issubdtype(arr.dtype, np.integer) or (allow_bool and arr.dtype == bool)):
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if (
        arr.dtype == np.uint64
        and arr.size
        and arr.max() > np.uint64(np.iinfo(np.int64).max)
    ):
        raise ValueError(f"{name} holds values too large for int64")
    return np.ascontiguousarray(arr, dtype=np.int64)


def check_symbols(x, name, n_symbols):
    """Integer symbols in ``[0, n_symbols)`` as a flat int64 array.

    Accepts shape (n,) or hmmlearn's (n, 1).
    """
    arr = np.asarray(x)
    if arr.ndim == 2:
        if arr.shape[1] != 1:
            raise ValueError(f"{name} must have shape (n_samples, 1), got {arr.shape}")
        arr = arr[:, 0]
    arr = check_int_array(arr, name, ndim=1)
    if arr.size:
        lo, hi = arr.min(), arr.max()
        if lo < 0:
            raise ValueError(f"{name} must be non-negative, found symbol {lo}")
        if hi >= n_symbols:
            raise ValueError(
                f"{name} holds symbol {hi} but only {n_symbols} "
                f"symbols exist (valid range 0..{n_symbols - 1})"
            )
    return arr


def check_lengths(lengths, n_samples, name="lengths"):
    """Sequence lengths as int64; ``None`` means one sequence of all samples."""
    if lengths is None:
        return np.array([n_samples], dtype=np.int64)
    arr = check_int_array(np.atleast_1d(lengths), name, ndim=1)
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must be non-negative, found {arr.min()}")
    if arr.size and arr.max() > n_samples:  # also rules out int64 overflow
        raise ValueError(f"{name} holds {arr.max()}, more than the {n_samples} samples")
    total = sum(arr.tolist())
    if total != n_samples:
        raise ValueError(f"{name} sums to {total} but there are {n_samples} samples")
    return arr


def check_probabilities(x, name, ndim, shape=None, atol=1e-6):
    """A float64 array of probabilities whose last axis sums to one."""
    arr = check_float_array(x, name, ndim, dtype=np.float64)
    if shape is not None:
        check_shape(arr, name, shape)
    if (arr < 0).any():
        raise ValueError(f"{name} must be non-negative, found {arr.min()}")
    sums = arr.sum(axis=-1)
    bad = np.flatnonzero(np.abs(np.atleast_1d(sums) - 1.0) > atol)
    if bad.size:
        where = (
            ""
            if arr.ndim == 1
            else f" (row {bad[0]} sums to {np.atleast_1d(sums)[bad[0]]:.6g})"
        )
        raise ValueError(f"{name} must sum to 1 along its last axis{where}")
    return arr


def check_scalar(
    x, name, kind=numbers.Real, low=None, high=None, low_inclusive=True, finite=True
):
    """A Python/NumPy scalar of ``kind`` within ``[low, high]`` (never NaN)."""
    if type(x) is int and (kind is numbers.Integral or kind is numbers.Real):
        pass  # the common case: no NaN to test
    elif isinstance(x, bool) or not isinstance(x, kind):
        raise TypeError(f"{name} must be {kind.__name__}, got {type(x).__name__}")
    elif isinstance(x, numbers.Real) and (np.isnan(x) or (finite and np.isinf(x))):
        raise ValueError(
            f"{name} must be {'finite' if finite else 'a number'}, got {x}"
        )
    if low is not None and (x < low or (x == low and not low_inclusive)):
        sign = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {sign} {low}, got {x}")
    if high is not None and x > high:
        raise ValueError(f"{name} must be <= {high}, got {x}")
    return x


def check_int_pair(value, name, low):
    """``value`` (an int, or a pair of ints for the two spatial axes) as a
    tuple of two Python ints >= ``low`` that the kernels' int64 can hold."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    top = np.iinfo(np.int64).max
    return tuple(
        int(check_scalar(v, name, numbers.Integral, low=low, high=top)) for v in pair
    )


def check_magnitude(x, name, power, terms):
    """Refuse finite ``x`` whose arithmetic would overflow its dtype.

    Sums of ``terms`` terms of size up to ``(2 max|x|) ** power`` (squared
    differences summed over features and samples, for instance) must stay
    below the dtype's largest finite value; otherwise the result would be
    inf or NaN, or an error would blame "NaN or infinity" on finite data.

    Parameters
    ----------
    x : ndarray of float
        The data, already checked finite.
    name : str
        The argument, for the message.
    power : int
        1 for sums of values, 2 for sums of squares.
    terms : int
        How many such terms one sum may hold.

    Returns
    -------
    ndarray
        ``x``, unchanged.

    Examples
    --------
    >>> check_magnitude(np.array([1e200, 1.0]), "X", 2, 10)
    Traceback (most recent call last):
    ...
    ValueError: X holds values up to 1e+200 in magnitude: sums of 10 of their \
squares overflow float64 (largest finite 1.8e+308); rescale X, e.g. divide it \
by 1e+200
    """
    if x.size == 0 or x.dtype.kind != "f":
        return x
    top = float(max(-x.min(), x.max()))
    info = np.finfo(x.dtype)
    limit = (float(info.max) / max(terms, 1)) ** (1 / power) / 2
    if top > limit:
        what = "squares" if power == 2 else "values"
        raise ValueError(
            f"{name} holds values up to {top:.3g} in magnitude: sums of {terms:,} "
            f"of their {what} overflow {x.dtype} (largest finite "
            f"{float(info.max):.2g}); rescale {name}, e.g. divide it by {top:.3g}"
        )
    return x


@contextlib.contextmanager
def naming(name):
    """Within the block, a ``ValueError`` or ``TypeError`` whose message does
    not name the argument ``name`` (scikit-learn's "Expected 2D array, got
    1D array instead", say) gets ``"<name>: "`` in front.

    Parameters
    ----------
    name : str
        The argument the checks in the block are about.

    Examples
    --------
    >>> with naming("X"):
    ...     raise ValueError("Expected 2D array")
    Traceback (most recent call last):
    ...
    ValueError: X: Expected 2D array
    """
    try:
        yield
    except (ValueError, TypeError) as err:
        text = str(err)
        if type(err) not in (ValueError, TypeError) or re.search(
            rf"(?<![\w.]){re.escape(name)}(?!\w)", text
        ):
            raise
        raise type(err)(f"{name}: {text}") from None


def check_samples_and_labels(X, labels, accept_sparse):
    """scikit-learn's ``check_X_y`` for X and ``labels``, its messages
    naming the argument they are about.

    Parameters
    ----------
    X : array-like or sparse matrix
        The samples.
    labels : array-like
        One label per sample.
    accept_sparse : list of str or False
        The sparse formats X may have (False: none).

    Returns
    -------
    X, labels : ndarray or sparse matrix, ndarray
    """
    from sklearn.utils import check_array, check_consistent_length, column_or_1d

    with naming("X"):
        X = check_array(X, accept_sparse=accept_sparse)
    with naming("labels"):
        labels = column_or_1d(labels)
        if labels.dtype.kind == "f" and not np.isfinite(labels).all():
            raise ValueError("labels contains NaN or infinity")
        if labels.dtype.kind not in "biufUSO":
            raise TypeError(f"labels must be integers or strings, got {labels.dtype}")
        check_consistent_length(X, labels)
    return X, labels
