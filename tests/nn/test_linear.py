"""The linear (fully connected) map against PyTorch and numerical gradients."""

import numpy as np
import pytest
import torch
from torch_parity import DTYPES, UPSTREAM, assert_close, data, torch_run

from fastapml.nn import linear as F
from fastapml.optimize import check_grad


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_matches_torch(dtype, with_bias):
    x, w, b = data(dtype, 5, 3), data(dtype, 4, 3, seed=1), data(dtype, 4, seed=2)
    args = (x, w, b) if with_bias else (x, w)
    want, g, grads = torch_run(torch.nn.functional.linear, *args)
    assert_close(F.linear(*args), want, dtype)
    got = F.linear_backward(g, x, w)
    for a, b_ in zip(got, grads):
        assert_close(a, b_, dtype)
    assert_close(got[2], g.sum(axis=0), dtype)


WEIGHT, FEATURES = data(np.float64, 5, 3, seed=5), data(np.float64, 4, 3, seed=6)


def test_input_gradient_matches_numerical_gradient():
    def loss(x):
        return np.sum(UPSTREAM * F.linear(x, WEIGHT, np.ones(5)))

    def grad(x):
        return F.linear_backward(UPSTREAM, x, WEIGHT)[0]

    assert check_grad(loss, grad, FEATURES).error < 1e-6


def test_weight_gradient_matches_numerical_gradient():
    def loss(w):
        return np.sum(UPSTREAM * F.linear(FEATURES, w))

    def grad(w):
        return F.linear_backward(UPSTREAM, FEATURES, w)[1]

    assert check_grad(loss, grad, WEIGHT).error < 1e-6


X2 = np.ones((2, 3))
BAD_CALLS = [
    (lambda: F.linear(np.ones(3), np.ones((2, 3))), ValueError, "input must be 2-D"),
    (lambda: F.linear(X2, np.ones((2, 4))), ValueError, "input features"),
    (
        lambda: F.linear(X2, np.ones((2, 3)), np.ones(3)),
        ValueError,
        "bias must have shape",
    ),
    (
        lambda: F.linear_backward(np.ones((2, 5)), X2, np.ones((4, 3))),
        ValueError,
        "grad_output",
    ),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS)
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
