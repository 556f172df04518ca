"""Square loss and softmax cross-entropy against PyTorch and numerical
gradients."""

import numpy as np
import pytest
import torch
from torch_parity import DTYPES, INPUT, UPSTREAM, assert_close, data, torch_run

from fastapml.nn import losses as F
from fastapml.nn.activations import log_softmax, softmax
from fastapml.optimize import check_grad


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_matches_torch(dtype, reduction):
    x, y = data(dtype, 6, 3), data(dtype, 6, 3, seed=1)
    want, g, (gx, gy) = torch_run(
        lambda a, b: torch.nn.functional.mse_loss(a, b, reduction=reduction), x, y
    )
    assert_close(F.mse_loss(x, y, reduction), want, dtype)
    got = F.mse_loss_backward(g, x, y, reduction)
    assert_close(got, gx, dtype)
    assert_close(-got, gy, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_matches_torch(dtype, reduction):
    z, t = data(dtype, 7, 4, scale=3), np.random.default_rng(1).integers(4, size=7)
    want, g, (grad,) = torch_run(
        lambda a, b: torch.nn.functional.cross_entropy(a, b, reduction=reduction),
        z,
        t,
    )
    assert_close(F.cross_entropy(z, t, reduction), want, dtype)
    assert_close(F.cross_entropy_backward(g, z, t, reduction), grad, dtype)


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    z, t = data(np.float64, 5, 3), np.array([0, 2, 1, 1, 0])
    want = (softmax(z) - np.eye(3)[t]) / 5
    np.testing.assert_allclose(F.cross_entropy_backward(1.0, z, t), want, rtol=1e-14)


TARGET = np.array([0, 4, 2, 2])
# per case: a scalar loss and its gradient from the backward
GRAD_CASES = {
    "mse_loss": (
        lambda x: F.mse_loss(x, UPSTREAM),
        lambda x: F.mse_loss_backward(1.0, x, UPSTREAM),
    ),
    "cross_entropy": (
        lambda z: 3 * F.cross_entropy(z, TARGET, "sum"),
        lambda z: F.cross_entropy_backward(3.0, z, TARGET, "sum"),
    ),
}


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_backward_matches_numerical_gradient(case):
    f, grad = GRAD_CASES[case]
    assert check_grad(f, grad, INPUT).error < 1e-6


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_is_stable_for_huge_logits(dtype):
    z = np.array([[1e4, -1e4, 1e4 - 1], [-1e4, -1e4 + 2, -1e4]], dtype=dtype)
    t = np.array([1, 0])
    loss = F.cross_entropy(z, t, "none")
    grad = F.cross_entropy_backward(np.ones(2), z, t, "none")
    for a in (softmax(z), log_softmax(z), loss, grad):
        assert np.isfinite(a).all() and a.dtype == dtype
    e = np.exp([0.0, -1.0])
    np.testing.assert_allclose(
        loss, [2e4 + np.log(e.sum()), np.log(2 + np.exp(2))], rtol=1e-6
    )
    want = torch.nn.functional.cross_entropy(
        torch.from_numpy(z), torch.from_numpy(t), reduction="none"
    ).numpy()
    assert_close(loss, want, dtype)


X2 = np.ones((2, 3))
BAD_CALLS = [
    (lambda: F.mse_loss(X2, np.ones((3, 2))), ValueError, "target must have shape"),
    (
        lambda: F.mse_loss(X2, X2, reduction="avg"),
        ValueError,
        "reduction must be one of",
    ),
    (
        lambda: F.mse_loss_backward(np.ones(2), X2, X2),
        ValueError,
        "grad_output must be a scalar",
    ),
    (
        lambda: F.cross_entropy(X2, np.array([0, 3])),
        ValueError,
        "target holds class 3",
    ),
    (
        lambda: F.cross_entropy(X2, np.array([-1, 0])),
        ValueError,
        "target holds class -1",
    ),
    (
        lambda: F.cross_entropy(X2, np.array([0.0, 1.0])),
        TypeError,
        "target must hold integers",
    ),
    (lambda: F.cross_entropy(X2, np.array([0])), ValueError, "target must have shape"),
    (
        lambda: F.cross_entropy(np.ones(3), np.array([0])),
        ValueError,
        "logits must be 2-D",
    ),
    (
        lambda: F.cross_entropy(np.array([[np.nan, 0.0]]), np.array([0])),
        ValueError,
        "NaN",
    ),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS)
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
