"""Linear, activations, pooling, losses and dropout against PyTorch, numerical
gradients, and the NumPy max-pooling twin in fastapml.reference.nn_activations."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fastapml.nn import activations as F
from fastapml.optimize import check_grad
from fastapml.reference import nn_activations as ref

torch.set_num_threads(1)
DTYPES = (np.float32, np.float64)
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-12)}


def torch_run(fn, *arrays):
    """``fn`` on torch copies of ``arrays`` (grad enabled for float arrays),
    backpropagated from a fixed random upstream gradient.

    Returns (output, upstream gradient, gradients of the float arrays)."""
    tensors = [torch.tensor(a, requires_grad=np.issubdtype(a.dtype, np.floating))
               for a in arrays]
    out = fn(*tensors)
    first = out[0] if isinstance(out, tuple) else out
    g = torch.from_numpy(np.random.default_rng(7).normal(size=first.shape).astype(
        arrays[0].dtype))
    first.backward(g)
    grads = [t.grad.numpy() for t in tensors if t.requires_grad]
    return first.detach().numpy(), g.numpy(), grads


def assert_close(got, want, dtype):
    assert np.asarray(got).dtype == dtype
    np.testing.assert_allclose(got, want, **TOL[dtype])


def data(dtype, *shape, seed=0, scale=1.0):
    return (scale * np.random.default_rng(seed).normal(size=shape)).astype(dtype)


# --------------------------------------------------------------------------
# PyTorch parity, forward and backward
# --------------------------------------------------------------------------

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


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["relu", "sigmoid"])
def test_elementwise_match_torch(dtype, name):
    x = data(dtype, 3, 4, 5, scale=3)
    x[0, 0, :3] = [0.0, 200.0, -200.0]     # relu's kink; sigmoid's saturation
    want, g, (grad,) = torch_run(getattr(torch, name), x)
    out = getattr(F, name)(x)
    assert_close(out, want, dtype)
    saved = x if name == "relu" else out   # relu keeps its input, sigmoid its output
    assert_close(getattr(F, name + "_backward")(g, saved), grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family_matches_torch(dtype, name, dim):
    x = data(dtype, 3, 4, 5, scale=3)
    want, g, (grad,) = torch_run(lambda t: getattr(torch, name)(t, dim), x)
    out = getattr(F, name)(x, dim)
    assert_close(out, want, dtype)
    assert_close(getattr(F, name + "_backward")(g, out, dim), grad, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_matches_torch(dtype, reduction):
    x, y = data(dtype, 6, 3), data(dtype, 6, 3, seed=1)
    want, g, (gx, gy) = torch_run(
        lambda a, b: torch.nn.functional.mse_loss(a, b, reduction=reduction), x, y)
    assert_close(F.mse_loss(x, y, reduction), want, dtype)
    got = F.mse_loss_backward(g, x, y, reduction)
    assert_close(got, gx, dtype)
    assert_close(-got, gy, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_matches_torch(dtype, reduction):
    z, t = data(dtype, 7, 4, scale=3), np.random.default_rng(1).integers(4, size=7)
    want, g, (grad,) = torch_run(
        lambda a, b: torch.nn.functional.cross_entropy(a, b, reduction=reduction), z, t)
    assert_close(F.cross_entropy(z, t, reduction), want, dtype)
    assert_close(F.cross_entropy_backward(g, z, t, reduction), grad, dtype)


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    z, t = data(np.float64, 5, 3), np.array([0, 2, 1, 1, 0])
    want = (F.softmax(z) - np.eye(3)[t]) / 5
    np.testing.assert_allclose(F.cross_entropy_backward(1.0, z, t), want, rtol=1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel, stride, padding", [
    (2, None, 0), (3, 1, 1), ((3, 2), (2, 1), (1, 0)), (3, 2, 1), (2, 3, 1), (5, 5, 2)])
def test_max_pool2d_matches_torch(dtype, kernel, stride, padding):
    x = data(dtype, 2, 3, 7, 6)

    def pool(t):
        return torch.nn.functional.max_pool2d(t, kernel, stride, padding, return_indices=True)

    want, g, (grad,) = torch_run(pool, x)
    out, idx = F.max_pool2d(x, kernel, stride, padding)
    assert_close(out, want, dtype)
    np.testing.assert_array_equal(idx, pool(torch.from_numpy(x))[1].numpy())
    assert_close(F.max_pool2d_backward(g, idx, x.shape), grad, dtype)


def test_max_pool2d_ties_take_the_first_maximum():
    x = np.zeros((1, 1, 4, 4))
    out, idx = F.max_pool2d(x, 2, 1, 1)
    want = torch.nn.functional.max_pool2d(torch.from_numpy(x), 2, 1, 1, return_indices=True)
    np.testing.assert_array_equal(idx, want[1].numpy())


# --------------------------------------------------------------------------
# Max pooling against the NumPy twin
# --------------------------------------------------------------------------

@st.composite
def pool_problems(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    H = draw(st.integers(max(kh - 2 * ph, 1), 9))
    W = draw(st.integers(max(kw - 2 * pw, 1), 9))
    stride = draw(st.none() | st.tuples(st.integers(1, 5), st.integers(1, 5)))
    dtype = draw(st.sampled_from(DTYPES))
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    # few distinct values, so ties are common
    x = np.random.default_rng(draw(st.integers(0, 2 ** 31 - 1))).integers(
        -3, 4, size=(n, c, H, W)).astype(dtype)
    return x, (kh, kw), stride, (ph, pw)


@settings(max_examples=60, deadline=None)
@given(pool_problems())
def test_max_pool2d_matches_reference(problem):
    x, kernel, stride, padding = problem
    out, idx = F.max_pool2d(x, kernel, stride, padding)
    want_out, want_idx = ref.max_pool2d(x, kernel, stride, padding)
    np.testing.assert_array_equal(out, want_out)
    np.testing.assert_array_equal(idx, want_idx)
    assert out.dtype == x.dtype
    g = np.random.default_rng(0).normal(size=out.shape).astype(x.dtype)
    np.testing.assert_allclose(F.max_pool2d_backward(g, idx, x.shape),
                               ref.max_pool2d_backward(g, idx, x.shape), **TOL[x.dtype.type])


def test_max_pool2d_serial_and_parallel_kernels_agree(run_in_threads):
    x = data(np.float64, 4, 8, 12, 12)
    want = F.max_pool2d(x, 3, 2, 1)        # main thread: the parallel kernel
    for got in run_in_threads(lambda: F.max_pool2d(x, 3, 2, 1)):
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------
# Numerical gradients: each backward against central differences of its forward
# --------------------------------------------------------------------------

UPSTREAM = data(np.float64, 4, 5, seed=3)
TARGET = np.array([0, 4, 2, 2])
INPUT = data(np.float64, 4, 5, seed=4)
WEIGHT, FEATURES = data(np.float64, 5, 3, seed=5), data(np.float64, 4, 3, seed=6)
# per case: a scalar loss sum(upstream * forward(x)) and its gradient from the backward
GRAD_CASES = {
    "linear_input": (lambda x: np.sum(UPSTREAM * F.linear(x, WEIGHT, np.ones(5))),
                     lambda x: F.linear_backward(UPSTREAM, x, WEIGHT)[0], FEATURES),
    "linear_weight": (lambda w: np.sum(UPSTREAM * F.linear(FEATURES, w)),
                      lambda w: F.linear_backward(UPSTREAM, FEATURES, w)[1], WEIGHT),
    "relu": (lambda x: np.sum(UPSTREAM * F.relu(x)),
             lambda x: F.relu_backward(UPSTREAM, x), INPUT),
    "sigmoid": (lambda x: np.sum(UPSTREAM * F.sigmoid(x)),
                lambda x: F.sigmoid_backward(UPSTREAM, F.sigmoid(x)), INPUT),
    "softmax": (lambda x: np.sum(UPSTREAM * F.softmax(x, 0)),
                lambda x: F.softmax_backward(UPSTREAM, F.softmax(x, 0), 0), INPUT),
    "log_softmax": (lambda x: np.sum(UPSTREAM * F.log_softmax(x)),
                    lambda x: F.log_softmax_backward(UPSTREAM, F.log_softmax(x)), INPUT),
    "mse_loss": (lambda x: F.mse_loss(x, UPSTREAM),
                 lambda x: F.mse_loss_backward(1.0, x, UPSTREAM), INPUT),
    "cross_entropy": (lambda z: 3 * F.cross_entropy(z, TARGET, "sum"),
                      lambda z: F.cross_entropy_backward(3.0, z, TARGET, "sum"), INPUT),
    "max_pool2d": (lambda x: np.sum(UPSTREAM[None, None, :2, :3] * F.max_pool2d(x, 3, 2, 1)[0]),
                   lambda x: F.max_pool2d_backward(UPSTREAM[None, None, :2, :3],
                                                   F.max_pool2d(x, 3, 2, 1)[1], x.shape),
                   INPUT[None, None]),
}


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_backward_matches_numerical_gradient(case):
    f, grad, x = GRAD_CASES[case]
    assert check_grad(f, grad, x).error < 1e-6


def test_gradient_check_catches_a_wrong_backward():
    def wrong(x):
        return 2 * F.sigmoid_backward(UPSTREAM, F.sigmoid(x))

    assert check_grad(GRAD_CASES["sigmoid"][0], wrong, INPUT).error > 0.1


# --------------------------------------------------------------------------
# Numerical stability
# --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_and_cross_entropy_are_stable_for_huge_logits(dtype):
    z = np.array([[1e4, -1e4, 1e4 - 1], [-1e4, -1e4 + 2, -1e4]], dtype=dtype)
    t = np.array([1, 0])
    probs, logp = F.softmax(z), F.log_softmax(z)
    loss, grad = F.cross_entropy(z, t, "none"), F.cross_entropy_backward(np.ones(2), z, t, "none")
    for a in (probs, logp, loss, grad):
        assert np.isfinite(a).all() and a.dtype == dtype
    e = np.exp([0.0, -1.0])
    np.testing.assert_allclose(probs[0], [e[0] / e.sum(), 0, e[1] / e.sum()], rtol=1e-6)
    np.testing.assert_allclose(loss, [2e4 + np.log(e.sum()), np.log(2 + np.exp(2))],
                               rtol=1e-6)
    want = torch.nn.functional.cross_entropy(torch.from_numpy(z), torch.from_numpy(t),
                                             reduction="none").numpy()
    assert_close(loss, want, dtype)


# --------------------------------------------------------------------------
# Dropout
# --------------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics(p):
    x = np.ones((200, 500), dtype=np.float32)
    out, mask = F.dropout(x, p, random_state=0)
    assert out.dtype == np.float32 and mask.dtype == bool
    n = x.size
    assert abs((~mask).mean() - p) < 4 * np.sqrt(p * (1 - p) / n)   # fraction dropped
    assert abs(out.mean() - 1) < 4 * np.sqrt(p / (1 - p) / n)        # mean preserved
    np.testing.assert_allclose(out[mask], 1 / (1 - p), rtol=1e-6)
    assert np.all(out[~mask] == 0)


def test_dropout_is_reproducible_and_its_backward_uses_the_mask():
    x = data(np.float64, 30, 10)
    out, mask = F.dropout(x, 0.3, random_state=5)
    again, _ = F.dropout(x, 0.3, random_state=np.random.default_rng(5))
    np.testing.assert_array_equal(out, again)
    assert not np.array_equal(out, F.dropout(x, 0.3, random_state=6)[0])
    g = data(np.float64, 30, 10, seed=1)
    np.testing.assert_allclose(F.dropout_backward(g, mask, 0.3), g * mask / 0.7, rtol=1e-15)
    result = check_grad(lambda z: np.sum(g * F.dropout(z, 0.3, random_state=5)[0]),
                        lambda z: F.dropout_backward(g, mask, 0.3), x)
    assert result.error < 1e-6


def test_dropout_edge_probabilities_and_eval_mode():
    x = data(np.float64, 4, 6)
    out, mask = F.dropout(x, 1.0, random_state=0)
    assert np.all(out == 0) and not mask.any()
    assert np.all(F.dropout_backward(np.ones_like(x), mask, 1.0) == 0)
    out, mask = F.dropout(x, 0.0, random_state=0)
    np.testing.assert_array_equal(out, x)
    out, mask = F.dropout(x, 0.5, training=False)
    np.testing.assert_array_equal(out, x)
    assert mask is None
    np.testing.assert_array_equal(F.dropout_backward(x, None, 0.5), x)


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------

X2 = np.ones((2, 3))
X4 = np.ones((1, 1, 4, 4))
BAD_CALLS = [
    (lambda: F.linear(np.ones(3), np.ones((2, 3))), ValueError, "input must be 2-D"),
    (lambda: F.linear(X2, np.ones((2, 4))), ValueError, "input features"),
    (lambda: F.linear(X2, np.ones((2, 3)), np.ones(3)), ValueError, "bias must have shape"),
    (lambda: F.linear_backward(np.ones((2, 5)), X2, np.ones((4, 3))), ValueError, "grad_output"),
    (lambda: F.relu(np.array([1.0, np.nan])), ValueError, "input contains NaN"),
    (lambda: F.sigmoid(np.array(["a"])), TypeError, "input must be a numeric"),
    (lambda: F.relu_backward(np.ones(3), np.ones(4)), ValueError, "input must have shape"),
    (lambda: F.softmax(X2, dim=2), ValueError, "dim must be <= 1"),
    (lambda: F.softmax(X2, dim=1.0), TypeError, "dim must be Integral"),
    (lambda: F.log_softmax(np.float64(1.0)), ValueError, "at least one dimension"),
    (lambda: F.max_pool2d(np.ones((4, 4)), 2), ValueError, "input must be 4-D"),
    (lambda: F.max_pool2d(X4, 2, padding=2), ValueError, "at most half of kernel_size"),
    (lambda: F.max_pool2d(X4, 5), ValueError, "larger than the padded input"),
    (lambda: F.max_pool2d(X4, 0), ValueError, "kernel_size must be >= 1"),
    (lambda: F.max_pool2d(X4, 2, stride=(1, 0)), ValueError, "stride must be >= 1"),
    (lambda: F.max_pool2d(X4, (2, 2, 2)), ValueError, "kernel_size must be an int or a pair"),
    (lambda: F.max_pool2d_backward(np.ones((1, 1, 2, 2)), np.full((1, 1, 2, 2), 16), X4.shape),
     ValueError, "indices must lie in"),
    (lambda: F.max_pool2d_backward(np.ones((1, 1, 2, 2)), np.zeros((1, 1, 2, 2), int),
                                   (2, 1, 4, 4)), ValueError, "does not match"),
    (lambda: F.max_pool2d_backward(np.ones((1, 1, 2, 2)), np.zeros((1, 1, 2, 2)), X4.shape),
     TypeError, "indices must hold integers"),
    (lambda: F.mse_loss(X2, np.ones((3, 2))), ValueError, "target must have shape"),
    (lambda: F.mse_loss(X2, X2, reduction="avg"), ValueError, "reduction must be one of"),
    (lambda: F.mse_loss_backward(np.ones(2), X2, X2), ValueError, "grad_output must be a scalar"),
    (lambda: F.cross_entropy(X2, np.array([0, 3])), ValueError, "target holds class 3"),
    (lambda: F.cross_entropy(X2, np.array([-1, 0])), ValueError, "target holds class -1"),
    (lambda: F.cross_entropy(X2, np.array([0.0, 1.0])), TypeError, "target must hold integers"),
    (lambda: F.cross_entropy(X2, np.array([0])), ValueError, "target must have shape"),
    (lambda: F.cross_entropy(np.ones(3), np.array([0])), ValueError, "logits must be 2-D"),
    (lambda: F.cross_entropy(np.array([[np.nan, 0.0]]), np.array([0])), ValueError, "NaN"),
    (lambda: F.dropout(X2, p=1.5), ValueError, "p must be <= 1"),
    (lambda: F.dropout(X2, p=-0.1), ValueError, "p must be >= 0"),
    (lambda: F.dropout(X2, p=np.nan), ValueError, "p must be finite"),
    (lambda: F.dropout(X2, training="yes"), TypeError, "training must be bool"),
    (lambda: F.dropout_backward(X2, np.ones((2, 3)), 0.5), TypeError, "mask must be a bool"),
    (lambda: F.dropout_backward(X2, np.ones(3, bool), 0.5), ValueError, "mask must have shape"),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS)
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
