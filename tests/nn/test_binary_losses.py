"""Binary cross-entropy, on probabilities and on logits, against PyTorch
and numerical gradients."""

import numpy as np
import pytest
import torch
from torch_parity import DTYPES, assert_close, data, torch_run

from fastapml.nn import binary_losses as F
from fastapml.nn.activations import sigmoid
from fastapml.optimize import check_grad

SHAPE = (5, 3)


def _case(dtype):
    """Logits, probabilities (with exact 0 and 1) and soft targets."""
    z = data(dtype, *SHAPE, scale=3)
    p = sigmoid(z)
    p[0, :2] = [0.0, 1.0]  # the clamped logs
    y = np.random.default_rng(4).random(SHAPE).astype(dtype)
    return z, p, y


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_torch(dtype, reduction, weighted):
    _, p, y = _case(dtype)
    w = np.linspace(0.5, 1.5, 3).astype(dtype) if weighted else None

    def torch_loss(a, b):
        weight = None if w is None else torch.from_numpy(w)
        return torch.nn.functional.binary_cross_entropy(
            a, b, weight, reduction=reduction
        )

    want, g, grads = torch_run(torch_loss, p, y)
    assert_close(F.binary_cross_entropy(p, y, w, reduction=reduction), want, dtype)
    got = F.binary_cross_entropy_backward(g, p, y, w, reduction=reduction)
    assert_close(got, grads[0], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_with_logits_matches_torch(dtype, reduction, weighted, positive):
    z, _, y = _case(dtype)
    z[1, 0] = 500.0  # no overflow either way
    z[1, 1] = -500.0
    w = np.linspace(0.5, 1.5, 3).astype(dtype) if weighted else None
    pw = np.array([0.5, 2.0, 3.0], dtype=dtype) if positive else None

    def torch_loss(a, b):
        return torch.nn.functional.binary_cross_entropy_with_logits(
            a,
            b,
            None if w is None else torch.from_numpy(w),
            reduction=reduction,
            pos_weight=None if pw is None else torch.from_numpy(pw),
        )

    want, g, grads = torch_run(torch_loss, z, y)
    kwargs = {"reduction": reduction, "pos_weight": pw}
    assert_close(F.binary_cross_entropy_with_logits(z, y, w, **kwargs), want, dtype)
    got = F.binary_cross_entropy_with_logits_backward(g, z, y, w, **kwargs)
    assert_close(got, grads[0], dtype)


def test_logits_form_is_the_sigmoid_of_the_probability_form():
    z, _, y = _case(np.float64)
    np.testing.assert_allclose(
        F.binary_cross_entropy_with_logits(z, y, reduction="none"),
        F.binary_cross_entropy(sigmoid(z), y, reduction="none"),
        rtol=1e-12,
    )


GRAD_CASES = {
    "binary_cross_entropy": (
        lambda p, y: F.binary_cross_entropy(p, y, np.arange(1.0, 4.0), reduction="sum"),
        lambda p, y: F.binary_cross_entropy_backward(
            1.0, p, y, np.arange(1.0, 4.0), reduction="sum"
        ),
    ),
    "binary_cross_entropy_with_logits": (
        lambda z, y: F.binary_cross_entropy_with_logits(
            z, y, pos_weight=np.array([0.5, 2.0, 3.0])
        ),
        lambda z, y: F.binary_cross_entropy_with_logits_backward(
            1.0, z, y, pos_weight=np.array([0.5, 2.0, 3.0])
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_backward_matches_numerical_gradient(case):
    z = data(np.float64, *SHAPE)
    x = sigmoid(z) if case == "binary_cross_entropy" else z
    y = np.random.default_rng(5).random(SHAPE)
    f, grad = GRAD_CASES[case]
    assert check_grad(lambda a: f(a, y), lambda a: grad(a, y), x).error < 1e-6


X2 = np.full((2, 3), 0.5)
BAD_CALLS = [
    (lambda: F.binary_cross_entropy(X2 + 1, X2), ValueError, "probabilities in"),
    (lambda: F.binary_cross_entropy(X2, X2[:1]), ValueError, "target must have shape"),
    (
        lambda: F.binary_cross_entropy(X2, X2, np.ones(2)),
        ValueError,
        "weight of shape",
    ),
    (
        lambda: F.binary_cross_entropy_with_logits(X2, X2, pos_weight=np.ones(2)),
        ValueError,
        "pos_weight of shape",
    ),
    (
        lambda: F.binary_cross_entropy_with_logits(X2, X2, reduce=True),
        ValueError,
        "deprecated",
    ),
    (
        lambda: F.binary_cross_entropy(X2, X2, reduction="avg"),
        ValueError,
        "reduction must be one of",
    ),
    (
        lambda: F.binary_cross_entropy_with_logits(X2, np.array([[np.nan] * 3] * 2)),
        ValueError,
        "NaN",
    ),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS)
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
