"""Unit tests of the shared argument checks in fastapml._validation."""

import numbers

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from fastapml._validation import (
    check_float_array,
    check_int_array,
    check_lengths,
    check_magnitude,
    check_probabilities,
    check_scalar,
    check_shape,
    check_symbols,
    float_dtype,
)

# --------------------------------------------------------------------------
# float_dtype
# --------------------------------------------------------------------------


def test_float_dtype():
    f32, f64 = np.zeros(2, np.float32), np.zeros(2)
    assert float_dtype(f32) == np.float32
    assert float_dtype(f32, f32) == np.float32
    assert float_dtype(f32, f64) == np.float64
    assert float_dtype(np.zeros(2, np.int32)) == np.float64
    assert float_dtype([1.0, 2.0]) == np.float64
    assert float_dtype(np.zeros(2, np.float16)) == np.float64


# --------------------------------------------------------------------------
# check_float_array
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype, expected",
    [
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.float16, np.float64),
        (np.int64, np.float64),
        (np.uint8, np.float64),
        (bool, np.float64),
    ],
)
def test_check_float_array_dtypes(dtype, expected):
    out = check_float_array(np.ones((2, 3), dtype=dtype), "x", 2)
    assert out.dtype == expected
    assert out.flags.c_contiguous
    assert_array_equal(out, 1.0)


@pytest.mark.parametrize("forced", [np.float32, np.float64])
def test_check_float_array_forced_dtype(forced):
    for dtype in (np.float32, np.float64, np.int16):
        assert (
            check_float_array(np.ones(3, dtype), "x", 1, dtype=forced).dtype == forced
        )


def test_check_float_array_makes_contiguous_copy_of_views():
    base = np.arange(24.0).reshape(4, 6)
    out = check_float_array(base[:, ::2], "x", 2)
    assert out.flags.c_contiguous
    assert_array_equal(out, base[:, ::2])
    out = check_float_array(base.T, "x", 2)
    assert out.flags.c_contiguous
    assert_array_equal(out, base.T)


def test_check_float_array_accepts_lists():
    out = check_float_array([[1, 2], [3, 4]], "x", 2)
    assert out.dtype == np.float64 and out.shape == (2, 2)


@pytest.mark.parametrize(
    "x, error, match",
    [
        (np.array(["a", "b"]), TypeError, "numeric"),
        (np.array([b"a", b"b"]), TypeError, "numeric"),
        (np.array([1.0, None]), TypeError, "numeric"),
        (np.zeros(2, dtype=object), TypeError, "numeric"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), TypeError, "numeric"),
        (np.zeros(2, dtype=complex), TypeError, "real"),
        (np.zeros((2, 2)), ValueError, "1-D"),
        (np.float64(1.0), ValueError, "1-D"),
        (np.array([1.0, np.nan]), ValueError, "NaN"),
        (np.array([1.0, np.inf]), ValueError, "inf"),
        (np.array([1.0, -np.inf]), ValueError, "inf"),
    ],
)
def test_check_float_array_rejects(x, error, match):
    with pytest.raises(error, match=match):
        check_float_array(x, "weights", 1)
    with pytest.raises(error, match="weights"):
        check_float_array(x, "weights", 1)


def test_check_float_array_infinities():
    x = np.array([0.0, -np.inf])
    out = check_float_array(x, "x", 1, allow_neg_inf=True)
    assert_array_equal(out, x)
    with pytest.raises(ValueError, match=r"\+inf"):
        check_float_array(np.array([0.0, np.inf]), "x", 1, allow_neg_inf=True)
    with pytest.raises(ValueError, match="NaN"):
        check_float_array(np.array([0.0, np.nan]), "x", 1, allow_neg_inf=True)
    # float32 input that overflows when forced to float32 becomes +inf
    with pytest.raises(ValueError, match="inf"), np.errstate(over="ignore"):
        check_float_array(
            np.array([1e300]), "x", 1, dtype=np.float32, allow_neg_inf=True
        )


def test_check_float_array_empty():
    assert check_float_array(np.zeros((0, 3)), "x", 2).shape == (0, 3)
    with pytest.raises(ValueError, match="empty"):
        check_float_array(np.zeros((0, 3)), "x", 2, allow_empty=False)


# --------------------------------------------------------------------------
# check_shape
# --------------------------------------------------------------------------


def test_check_shape():
    a = np.zeros((2, 3))
    assert check_shape(a, "a", (2, 3)) is a
    assert check_shape(a, "a", [2, 3]) is a
    with pytest.raises(ValueError, match=r"a must have shape \(3, 2\)"):
        check_shape(a, "a", (3, 2))
    with pytest.raises(ValueError, match="shape"):
        check_shape(a, "a", (2, 3, 1))


# --------------------------------------------------------------------------
# check_int_array
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype", [np.int8, np.int32, np.int64, np.uint8, np.uint32, np.uint64, bool]
)
def test_check_int_array_dtypes(dtype):
    out = check_int_array(np.array([0, 1, 1], dtype=dtype), "i")
    assert out.dtype == np.int64 and out.flags.c_contiguous
    assert_array_equal(out, [0, 1, 1])


def test_check_int_array_edge_cases():
    assert check_int_array([], "i").dtype == np.int64  # np.asarray([]) is float
    assert check_int_array([], "i").shape == (0,)
    assert_array_equal(check_int_array(np.arange(10)[::3], "i"), [0, 3, 6, 9])
    assert check_int_array(np.zeros((2, 2), int), "i", ndim=2).shape == (2, 2)
    big = np.array([np.iinfo(np.int64).max], dtype=np.uint64)
    assert check_int_array(big, "i")[0] == np.iinfo(np.int64).max


@pytest.mark.parametrize(
    "x, error, match",
    [
        (np.array([1.0, 2.0]), TypeError, "integers"),
        (np.array([1.5]), TypeError, "integers"),
        (np.array(["1"]), TypeError, "integers"),
        (np.array([1 + 0j]), TypeError, "integers"),
        (np.zeros((2, 2), int), ValueError, "1-D"),
        (np.array(3), ValueError, "1-D"),
        (np.array([2**63], dtype=np.uint64), ValueError, "too large"),
    ],
)
def test_check_int_array_rejects(x, error, match):
    with pytest.raises(error, match=match):
        check_int_array(x, "idx")


# --------------------------------------------------------------------------
# check_symbols
# --------------------------------------------------------------------------


def test_check_symbols():
    assert_array_equal(check_symbols([0, 2, 1], "s", 3), [0, 2, 1])
    assert_array_equal(check_symbols(np.array([[0], [2]]), "s", 3), [0, 2])
    assert check_symbols(np.zeros((0, 1), int), "s", 3).shape == (0,)
    assert check_symbols([], "s", 1).shape == (0,)


@pytest.mark.parametrize(
    "x, error, match",
    [
        ([0, 3], ValueError, "symbol 3"),
        ([0, -1], ValueError, "non-negative"),
        (np.zeros((3, 2), int), ValueError, "shape"),
        (np.zeros((1, 1, 1), int), ValueError, "1-D"),
        ([0.0, 1.0], TypeError, "integers"),
    ],
)
def test_check_symbols_rejects(x, error, match):
    with pytest.raises(error, match=match):
        check_symbols(x, "s", 3)


# --------------------------------------------------------------------------
# check_lengths
# --------------------------------------------------------------------------


def test_check_lengths():
    assert_array_equal(check_lengths(None, 7), [7])
    assert_array_equal(check_lengths(None, 0), [0])
    assert_array_equal(check_lengths(7, 7), [7])
    assert_array_equal(check_lengths([3, 0, 4], 7), [3, 0, 4])
    assert_array_equal(check_lengths(np.array([3, 4], np.uint16), 7), [3, 4])
    assert check_lengths([], 0).shape == (0,)
    assert check_lengths([3, 4], 7).dtype == np.int64


@pytest.mark.parametrize(
    "lengths, error, match",
    [
        ([3, 3], ValueError, "sums to 6"),
        ([], ValueError, "sums to 0"),
        ([8, -1], ValueError, "non-negative"),
        ([3.0, 4.0], TypeError, "integers"),
        ([[3, 4]], ValueError, "1-D"),
        (["3", "4"], TypeError, "integers"),
    ],
)
def test_check_lengths_rejects(lengths, error, match):
    with pytest.raises(error, match=match):
        check_lengths(lengths, 7)


def test_check_lengths_rejects_sums_that_overflow():
    # int64 wrap-around: 2 * (2**63 - 1) + 9 == 7 (mod 2**64)
    with pytest.raises(ValueError, match="lengths"):
        check_lengths([2**63 - 1, 2**63 - 1, 9], 7)
    with pytest.raises(ValueError, match="lengths"):
        check_lengths(np.array([2**62] * 4 + [7]), 7)


# --------------------------------------------------------------------------
# check_probabilities
# --------------------------------------------------------------------------


def test_check_probabilities():
    out = check_probabilities([0.25, 0.75], "p", 1)
    assert out.dtype == np.float64
    out = check_probabilities(
        np.array([[0.5, 0.5], [1.0, 0.0]], np.float32), "p", 2, (2, 2)
    )
    assert out.dtype == np.float64
    check_probabilities([0.5, 0.5 + 5e-7], "p", 1)  # within atol


@pytest.mark.parametrize(
    "x, ndim, shape, match",
    [
        ([0.5, 0.6], 1, None, "sum to 1"),
        ([[0.5, 0.5], [0.2, 0.2]], 2, None, "row 1"),
        ([1.5, -0.5], 1, None, "non-negative"),
        ([0.5, 0.5], 1, (3,), "shape"),
        ([0.5, np.nan], 1, None, "NaN"),
        ([np.inf, 0.0], 1, None, "inf"),
        ([[1.0]], 1, None, "1-D"),
        ([], 1, None, "sum to 1"),
    ],
)
def test_check_probabilities_rejects(x, ndim, shape, match):
    with pytest.raises(ValueError, match=match):
        check_probabilities(x, "probs", ndim, shape)


def test_check_probabilities_atol():
    with pytest.raises(ValueError, match="sum to 1"):
        check_probabilities([0.5, 0.5 + 1e-3], "p", 1)
    check_probabilities([0.5, 0.5 + 1e-3], "p", 1, atol=1e-2)


# --------------------------------------------------------------------------
# check_scalar
# --------------------------------------------------------------------------


def test_check_scalar_accepts():
    assert check_scalar(3, "n", numbers.Integral, low=1) == 3
    assert check_scalar(np.int32(3), "n", numbers.Integral, low=1) == 3
    assert check_scalar(0.5, "x", numbers.Real, low=0, high=1) == 0.5
    assert check_scalar(0, "x", numbers.Real, low=0) == 0
    assert check_scalar(1, "x", numbers.Real, high=1) == 1
    assert check_scalar(np.float32(-2.0), "x") == -2.0


@pytest.mark.parametrize(
    "x, kw, error, match",
    [
        (True, dict(kind=numbers.Integral), TypeError, "Integral"),
        (2.0, dict(kind=numbers.Integral), TypeError, "Integral"),
        ("2", dict(kind=numbers.Real), TypeError, "Real"),
        (None, dict(), TypeError, "Real"),
        (np.nan, dict(), ValueError, "finite"),
        (np.inf, dict(), ValueError, "finite"),
        (0, dict(low=1), ValueError, ">= 1"),
        (0, dict(low=0, low_inclusive=False), ValueError, "> 0"),
        (5, dict(high=4), ValueError, "<= 4"),
    ],
)
def test_check_scalar_rejects(x, kw, error, match):
    with pytest.raises(error, match=match):
        check_scalar(x, "alpha", **kw)
    with pytest.raises(error, match="alpha"):
        check_scalar(x, "alpha", **kw)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_check_magnitude(dtype):
    big = np.sqrt(np.finfo(dtype).max)
    x = np.array([1.0, -big], dtype=dtype)
    with pytest.raises(
        ValueError, match=f"X holds values up to .* overflow {dtype.__name__}"
    ):
        check_magnitude(x, "X", 2, 2)
    assert check_magnitude(x / 100, "X", 2, 2) is not None
    assert check_magnitude(x, "X", 1, 2) is not None  # sums of values fit


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_overflowing_data_is_named_not_called_nan(dtype):
    from fastapml.cluster import SpectralClustering, silhouette_score
    from fastapml.mixture import GaussianMixture

    rng = np.random.default_rng(0)
    X = (rng.normal(size=(60, 2)) * np.sqrt(np.finfo(dtype).max)).astype(dtype)
    labels = np.arange(60) % 3
    with pytest.raises(ValueError, match="X holds values up to .* rescale X"):
        GaussianMixture(2).fit(X)
    with pytest.raises(ValueError, match="X holds values up to .* rescale X"):
        silhouette_score(X, labels)
    if dtype == np.float64:  # scikit-learn's kernels compute in float64
        with pytest.raises(ValueError, match="X holds values up to"):
            SpectralClustering(2).fit(X)
    fitted = GaussianMixture(2, random_state=0).fit(X / np.sqrt(np.finfo(dtype).max))
    with pytest.raises(ValueError, match="X holds values up to"):
        fitted.predict(X)


def test_check_shape_names_where_the_shape_comes_from():
    with pytest.raises(
        ValueError, match=r"mask must have shape \(2,\), that of g, got"
    ):
        check_shape(np.zeros(3), "mask", (2,), "g")
    with pytest.raises(TypeError, match="keys must hold integers, got dtype bool"):
        check_int_array(np.ones(2, bool), "keys", allow_bool=False)
    assert check_int_array(np.ones(2, bool), "flags").dtype == np.int64
