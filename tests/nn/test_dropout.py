"""Inverted dropout: statistics, reproducibility and its gradient."""

import numpy as np
import pytest
from torch_parity import data

from fastapml.nn import dropout as F
from fastapml.optimize import check_grad


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics(p):
    x = np.ones((200, 500), dtype=np.float32)
    out, mask = F.dropout_with_mask(x, p, random_state=0)
    assert out.dtype == np.float32 and mask.dtype == bool
    n = x.size
    assert abs((~mask).mean() - p) < 4 * np.sqrt(p * (1 - p) / n)  # fraction dropped
    assert abs(out.mean() - 1) < 4 * np.sqrt(p / (1 - p) / n)  # mean preserved
    np.testing.assert_allclose(out[mask], 1 / (1 - p), rtol=1e-6)
    assert np.all(out[~mask] == 0)


def test_dropout_is_reproducible_and_its_backward_uses_the_mask():
    x = data(np.float64, 30, 10)
    out, mask = F.dropout_with_mask(x, 0.3, random_state=5)
    again = F.dropout(x, 0.3, random_state=np.random.default_rng(5))
    np.testing.assert_array_equal(out, again)
    assert not np.array_equal(out, F.dropout(x, 0.3, random_state=6))
    g = data(np.float64, 30, 10, seed=1)
    np.testing.assert_allclose(
        F.dropout_backward(g, mask, 0.3), g * mask / 0.7, rtol=1e-15
    )
    result = check_grad(
        lambda z: np.sum(g * F.dropout(z, 0.3, random_state=5)),
        lambda z: F.dropout_backward(g, mask, 0.3),
        x,
    )
    assert result.error < 1e-6


def test_dropout_edge_probabilities_and_eval_mode():
    x = data(np.float64, 4, 6)
    out, mask = F.dropout_with_mask(x, 1.0, random_state=0)
    assert np.all(out == 0) and not mask.any()
    assert np.all(F.dropout_backward(np.ones_like(x), mask, 1.0) == 0)
    out, mask = F.dropout_with_mask(x, 0.0, random_state=0)
    np.testing.assert_array_equal(out, x)
    out, mask = F.dropout_with_mask(x, 0.5, training=False)
    np.testing.assert_array_equal(out, x)
    assert mask is None
    np.testing.assert_array_equal(F.dropout_backward(x, None, 0.5), x)


def test_dropout_returns_what_torch_returns():
    """One array, like torch.nn.functional.dropout; inplace writes the
    input and returns it, as torch does."""
    import torch

    x = data(np.float64, 5, 7)
    out = F.dropout(x, 0.4, random_state=3)
    assert isinstance(out, np.ndarray) and out.shape == x.shape
    want = torch.nn.functional.dropout(torch.from_numpy(x), 0.4, training=False)
    np.testing.assert_array_equal(F.dropout(x, 0.4, training=False), want.numpy())
    y = x.copy()
    assert F.dropout(y, 0.4, True, True, random_state=3) is y
    np.testing.assert_array_equal(y, out)


X2 = np.ones((2, 3))
BAD_CALLS = [
    (lambda: F.dropout(X2, p=1.5), ValueError, "p must be <= 1"),
    (lambda: F.dropout(X2, p=-0.1), ValueError, "p must be >= 0"),
    (lambda: F.dropout(X2, p=np.nan), ValueError, "p must be finite"),
    (lambda: F.dropout(X2, training="yes"), TypeError, "training must be bool"),
    (lambda: F.dropout(X2, inplace=1), TypeError, "inplace must be bool"),
    (lambda: F.dropout([1.0, 2.0], inplace=True), TypeError, "writable float"),
    (
        lambda: F.dropout_backward(X2, np.ones((2, 3)), 0.5),
        TypeError,
        "mask must be a bool",
    ),
    (
        lambda: F.dropout_backward(X2, np.ones(3, bool), 0.5),
        ValueError,
        "mask must have shape",
    ),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS)
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
