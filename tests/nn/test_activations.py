"""ReLU, leaky ReLU, sigmoid, tanh and the softmax family against PyTorch
and numerical gradients."""

import numpy as np
import pytest
import torch
from torch_parity import DTYPES, INPUT, UPSTREAM, assert_close, data, torch_run

from fastapml.nn import activations as F
from fastapml.optimize import check_grad


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_elementwise_match_torch(dtype, name):
    x = data(dtype, 3, 4, 5, scale=3)
    x[0, 0, :3] = [0.0, 200.0, -200.0]  # relu's kink; saturation
    want, g, (grad,) = torch_run(getattr(torch, name), x)
    out = getattr(F, name)(x)
    assert_close(out, want, dtype)
    saved = x if name == "relu" else out  # relu keeps its input, the others output
    assert_close(getattr(F, name + "_backward")(g, saved), grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("slope", [0.01, 0.2, -0.5])
def test_leaky_relu_matches_torch(dtype, slope):
    x = data(dtype, 3, 4, 5, scale=3)
    x[0, 0, 0] = 0.0  # the kink: PyTorch's gradient there is the slope
    want, g, (grad,) = torch_run(lambda t: torch.nn.functional.leaky_relu(t, slope), x)
    assert_close(F.leaky_relu(x, slope), want, dtype)
    assert_close(F.leaky_relu_backward(g, x, slope), grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family_matches_torch(dtype, name, dim):
    x = data(dtype, 3, 4, 5, scale=3)
    want, g, (grad,) = torch_run(lambda t: getattr(torch, name)(t, dim), x)
    out = getattr(F, name)(x, dim)
    assert_close(out, want, dtype)
    assert_close(getattr(F, name + "_backward")(g, out, dim), grad, dtype)


# per case: a scalar loss sum(upstream * forward(x)) and its gradient from the
# backward
GRAD_CASES = {
    "relu": (
        lambda x: np.sum(UPSTREAM * F.relu(x)),
        lambda x: F.relu_backward(UPSTREAM, x),
    ),
    "leaky_relu": (
        lambda x: np.sum(UPSTREAM * F.leaky_relu(x, 0.3)),
        lambda x: F.leaky_relu_backward(UPSTREAM, x, 0.3),
    ),
    "tanh": (
        lambda x: np.sum(UPSTREAM * F.tanh(x)),
        lambda x: F.tanh_backward(UPSTREAM, F.tanh(x)),
    ),
    "sigmoid": (
        lambda x: np.sum(UPSTREAM * F.sigmoid(x)),
        lambda x: F.sigmoid_backward(UPSTREAM, F.sigmoid(x)),
    ),
    "softmax": (
        lambda x: np.sum(UPSTREAM * F.softmax(x, 0)),
        lambda x: F.softmax_backward(UPSTREAM, F.softmax(x, 0), 0),
    ),
    "log_softmax": (
        lambda x: np.sum(UPSTREAM * F.log_softmax(x)),
        lambda x: F.log_softmax_backward(UPSTREAM, F.log_softmax(x)),
    ),
}


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_backward_matches_numerical_gradient(case):
    f, grad = GRAD_CASES[case]
    assert check_grad(f, grad, INPUT).error < 1e-6


def test_gradient_check_catches_a_wrong_backward():
    def wrong(x):
        return 2 * F.sigmoid_backward(UPSTREAM, F.sigmoid(x))

    assert check_grad(GRAD_CASES["sigmoid"][0], wrong, INPUT).error > 0.1


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_is_stable_for_huge_logits(dtype):
    z = np.array([[1e4, -1e4, 1e4 - 1], [-1e4, -1e4 + 2, -1e4]], dtype=dtype)
    probs, logp = F.softmax(z), F.log_softmax(z)
    for a in (probs, logp):
        assert np.isfinite(a).all() and a.dtype == dtype
    e = np.exp([0.0, -1.0])
    np.testing.assert_allclose(probs[0], [e[0] / e.sum(), 0, e[1] / e.sum()], rtol=1e-6)


X2 = np.ones((2, 3))
BAD_CALLS = [
    (lambda: F.relu(np.array([1.0, np.nan])), ValueError, "input contains NaN"),
    (lambda: F.sigmoid(np.array(["a"])), TypeError, "input must be a numeric"),
    (
        lambda: F.relu_backward(np.ones(3), np.ones(4)),
        ValueError,
        "input must have shape",
    ),
    (lambda: F.softmax(X2, dim=2), ValueError, "dim must be <= 1"),
    (lambda: F.softmax(X2, dim=1.0), TypeError, "dim must be Integral"),
    (lambda: F.log_softmax(np.float64(1.0)), ValueError, "at least one dimension"),
    (lambda: F.leaky_relu(X2, "a"), TypeError, "negative_slope must be Real"),
    (lambda: F.leaky_relu(X2, np.nan), ValueError, "negative_slope must be finite"),
    (lambda: F.leaky_relu(X2, inplace=True), ValueError, "inplace=True"),
    (lambda: F.tanh(np.array([np.inf])), ValueError, "input contains \\+inf"),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS)
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
