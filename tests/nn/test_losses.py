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
    assert_close(F.cross_entropy(z, t, reduction=reduction), want, dtype)
    got = F.cross_entropy_backward(g, z, t, reduction=reduction)
    assert_close(got, grad, dtype)


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
        lambda z: 3 * F.cross_entropy(z, TARGET, reduction="sum"),
        lambda z: F.cross_entropy_backward(3.0, z, TARGET, reduction="sum"),
    ),
    "cross_entropy, probabilities, weight, smoothing": (
        lambda z: F.cross_entropy(
            z, softmax(UPSTREAM), np.arange(1.0, 6.0), label_smoothing=0.3
        ),
        lambda z: F.cross_entropy_backward(
            1.0, z, softmax(UPSTREAM), np.arange(1.0, 6.0), label_smoothing=0.3
        ),
    ),
    "cross_entropy, N-D, ignore_index": (
        lambda z: F.cross_entropy(
            z.reshape(1, 4, 5), np.array([[0, 3, 1, 3, 2]]), ignore_index=3
        ),
        lambda z: F.cross_entropy_backward(
            1.0, z.reshape(1, 4, 5), np.array([[0, 3, 1, 3, 2]]), ignore_index=3
        ).reshape(4, 5),
    ),
    "nll_loss": (
        lambda x: F.nll_loss(x, TARGET, np.arange(1.0, 6.0)),
        lambda x: F.nll_loss_backward(1.0, x, TARGET, np.arange(1.0, 6.0)),
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
    loss = F.cross_entropy(z, t, reduction="none")
    grad = F.cross_entropy_backward(np.ones(2), z, t, reduction="none")
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


SHAPES = {"unbatched": (5,), "batch": (6, 5), "N-D": (3, 5, 2, 4)}


def _targets(kind, shape, seed=2):
    """Class indices (some equal to 1, the ignore_index used with them) or
    class probabilities for input ``shape`` (classes on axis 1, 0 unbatched)."""
    rng = np.random.default_rng(seed)
    axis = 0 if len(shape) == 1 else 1
    if kind == "indices":
        return rng.integers(0, shape[axis], size=shape[:axis] + shape[axis + 1 :])
    return softmax(rng.normal(size=shape), dim=axis)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("kind", ["indices", "probabilities"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_options_match_torch(
    dtype, shape, kind, weighted, smoothing, reduction
):
    shape = SHAPES[shape]
    z = data(dtype, *shape, scale=2)
    t = _targets(kind, shape)
    t = t.astype(dtype) if kind == "probabilities" else t
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    if kind == "indices":
        kwargs["ignore_index"] = 1
    w = np.linspace(0.5, 2.0, 5).astype(dtype) if weighted else None

    def torch_loss(a, b):
        weight = None if w is None else torch.from_numpy(w)
        return torch.nn.functional.cross_entropy(a, b, weight, **kwargs)

    want, g, grads = torch_run(torch_loss, z, t)
    assert_close(F.cross_entropy(z, t, w, **kwargs), want, dtype)
    assert_close(F.cross_entropy_backward(g, z, t, w, **kwargs), grads[0], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_matches_torch(dtype, shape, weighted, reduction):
    shape = SHAPES[shape]
    x = log_softmax(data(dtype, *shape), dim=0 if len(shape) == 1 else 1)
    t = _targets("indices", shape)
    w = np.linspace(0.5, 2.0, 5).astype(dtype) if weighted else None

    def torch_loss(a, b):
        weight = None if w is None else torch.from_numpy(w)
        return torch.nn.functional.nll_loss(
            a, b, weight, ignore_index=1, reduction=reduction
        )

    want, g, (grad,) = torch_run(torch_loss, x, t)
    kwargs = {"ignore_index": 1, "reduction": reduction}
    assert_close(F.nll_loss(x, t, w, **kwargs), want, dtype)
    assert_close(F.nll_loss_backward(g, x, t, w, **kwargs), grad, dtype)
    # cross_entropy is nll_loss of log_softmax
    z = data(dtype, *shape)
    x = log_softmax(z, dim=0 if len(shape) == 1 else 1)
    assert_close(
        F.nll_loss(x, t, w, **kwargs), F.cross_entropy(z, t, w, **kwargs), dtype
    )


def test_one_hot_targets_are_class_indices():
    """The course's -sum_c y_c log p_c with one-hot y is the index loss."""
    z, t = data(np.float64, 7, 4), np.array([0, 3, 1, 1, 2, 0, 3])
    onehot = np.eye(4)[t]
    np.testing.assert_allclose(F.cross_entropy(z, onehot), F.cross_entropy(z, t))
    np.testing.assert_allclose(
        F.cross_entropy_backward(1.0, z, onehot), F.cross_entropy_backward(1.0, z, t)
    )


def test_every_target_ignored_gives_nan_like_torch():
    z, t = data(np.float64, 3, 4), np.array([2, 2, 2])
    want = torch.nn.functional.cross_entropy(
        torch.from_numpy(z), torch.from_numpy(t), ignore_index=2
    )
    assert np.isnan(F.cross_entropy(z, t, ignore_index=2)) and torch.isnan(want)
    assert F.cross_entropy(z, t, ignore_index=2, reduction="sum") == 0


def test_nll_loss_takes_log_zero_where_no_target_is():
    with np.errstate(divide="ignore"):
        x = np.log(np.array([[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]]))
    t = np.array([0, 1])
    want = torch.nn.functional.nll_loss(torch.from_numpy(x), torch.from_numpy(t))
    assert float(F.nll_loss(x, t)) == pytest.approx(float(want))
    assert np.isfinite(F.nll_loss_backward(1.0, x, t)).all()


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
        ValueError,
        "class probabilities, so its shape must be the input's",
    ),
    (
        lambda: F.cross_entropy(X2, np.full((2, 3), np.nan)),
        ValueError,
        "must be finite",
    ),
    (
        lambda: F.cross_entropy(X2, np.array([0])),
        ValueError,
        r"class indices, so its shape must be \(2,\)",
    ),
    (
        lambda: F.cross_entropy(np.ones(3), np.array([0])),
        ValueError,
        r"class indices, so its shape must be \(\)",
    ),
    (lambda: F.cross_entropy(np.float64(1.0), 0), ValueError, "class dimension"),
    (lambda: F.cross_entropy(X2, np.array([True, False])), TypeError, "class indices"),
    (
        lambda: F.cross_entropy(X2, np.array([0, 1]), np.ones(2)),
        ValueError,
        "weight must have shape",
    ),
    (
        lambda: F.cross_entropy(X2, np.array([0, 1]), label_smoothing=1.5),
        ValueError,
        "label_smoothing must be <= 1",
    ),
    (
        lambda: F.cross_entropy(X2, np.array([0, 1]), ignore_index=0.5),
        TypeError,
        "ignore_index must be Integral",
    ),
    (
        lambda: F.cross_entropy(X2, np.array([0, 1]), size_average=True),
        ValueError,
        "deprecated",
    ),
    (lambda: F.nll_loss(X2, X2), TypeError, "class indices"),
    (
        lambda: F.cross_entropy_backward(
            np.ones(3), X2, np.array([0, 1]), reduction="none"
        ),
        ValueError,
        r"grad_output must have shape \(2,\)",
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
