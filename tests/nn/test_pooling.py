"""2-D max pooling against PyTorch, the NumPy twin in
fastapml.reference.nn_activations and numerical gradients."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_parity import DTYPES, INPUT, TOL, UPSTREAM, assert_close, data, torch_run

from fastapml.nn import pooling as F
from fastapml.optimize import check_grad
from fastapml.reference import nn_activations as ref


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "kernel, stride, padding",
    [
        (2, None, 0),
        (3, 1, 1),
        ((3, 2), (2, 1), (1, 0)),
        (3, 2, 1),
        (2, 3, 1),
        (5, 5, 2),
    ],
)
def test_max_pool2d_matches_torch(dtype, kernel, stride, padding):
    x = data(dtype, 2, 3, 7, 6)

    def pool(t):
        return torch.nn.functional.max_pool2d(
            t, kernel, stride, padding, return_indices=True
        )

    want, g, (grad,) = torch_run(pool, x)
    out, idx = F.max_pool2d(x, kernel, stride, padding, return_indices=True)
    assert_close(out, want, dtype)
    np.testing.assert_array_equal(idx, pool(torch.from_numpy(x))[1].numpy())
    assert_close(F.max_pool2d_backward(g, idx, x.shape), grad, dtype)


def test_max_pool2d_ties_take_the_first_maximum():
    x = np.zeros((1, 1, 4, 4))
    out, idx = F.max_pool2d(x, 2, 1, 1, return_indices=True)
    want = torch.nn.functional.max_pool2d(
        torch.from_numpy(x), 2, 1, 1, return_indices=True
    )
    np.testing.assert_array_equal(idx, want[1].numpy())


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
    x = (
        np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
        .integers(-3, 4, size=(n, c, H, W))
        .astype(dtype)
    )
    return x, (kh, kw), stride, (ph, pw)


@settings(max_examples=60, deadline=None)
@given(pool_problems())
def test_max_pool2d_matches_reference(problem):
    x, kernel, stride, padding = problem
    out, idx = F.max_pool2d(x, kernel, stride, padding, return_indices=True)
    want_out, want_idx = ref.max_pool2d(x, kernel, stride, padding, return_indices=True)
    np.testing.assert_array_equal(out, want_out)
    np.testing.assert_array_equal(idx, want_idx)
    assert out.dtype == x.dtype
    g = np.random.default_rng(0).normal(size=out.shape).astype(x.dtype)
    np.testing.assert_allclose(
        F.max_pool2d_backward(g, idx, x.shape),
        ref.max_pool2d_backward(g, idx, x.shape),
        **TOL[x.dtype.type],
    )


def test_max_pool2d_serial_and_parallel_kernels_agree(run_in_threads):
    x = data(np.float64, 4, 8, 12, 12)
    want = F.max_pool2d(x, 3, 2, 1, return_indices=True)  # the parallel kernel
    for got in run_in_threads(lambda: F.max_pool2d(x, 3, 2, 1, return_indices=True)):
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)


def test_backward_matches_numerical_gradient():
    g = UPSTREAM[None, None, :2, :3]

    def loss(x):
        return np.sum(g * F.max_pool2d(x, 3, 2, 1))

    def grad(x):
        _, idx = F.max_pool2d(x, 3, 2, 1, return_indices=True)
        return F.max_pool2d_backward(g, idx, x.shape)

    assert check_grad(loss, grad, INPUT[None, None]).error < 1e-6


def test_pool_output_size():
    assert F.pool_output_size(7, 3, 2, 1) == 4
    assert F.pool_output_size(4, 2, 2, 0) == 2
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.pool_output_size(2, 5, 1, 1)


X4 = np.ones((1, 1, 4, 4))
G4 = np.ones((1, 1, 2, 2))
BAD_CALLS = [
    (lambda: F.max_pool2d(X4, 2, dilation=2), ValueError, "dilation other than 1"),
    (lambda: F.max_pool2d(X4, 2, ceil_mode=True), ValueError, "ceil_mode=True"),
    (lambda: F.max_pool2d(X4, 2, return_indices=1), TypeError, "return_indices"),
    (lambda: F.max_pool2d(np.ones((4, 4)), 2), ValueError, "input must be 4-D"),
    (
        lambda: F.max_pool2d(X4, 2, padding=2),
        ValueError,
        "at most half of kernel_size",
    ),
    (lambda: F.max_pool2d(X4, 5), ValueError, "larger than the padded input"),
    (lambda: F.max_pool2d(X4, 0), ValueError, "kernel_size must be >= 1"),
    (lambda: F.max_pool2d(X4, 2, stride=(1, 0)), ValueError, "stride must be >= 1"),
    (
        lambda: F.max_pool2d(X4, (2, 2, 2)),
        ValueError,
        "kernel_size must be an int or a pair",
    ),
    (
        lambda: F.max_pool2d_backward(G4, np.full((1, 1, 2, 2), 16), X4.shape),
        ValueError,
        "indices must lie in",
    ),
    (
        lambda: F.max_pool2d_backward(G4, np.zeros((1, 1, 2, 2), int), (2, 1, 4, 4)),
        ValueError,
        "does not match",
    ),
    (
        lambda: F.max_pool2d_backward(G4, np.zeros((1, 1, 2, 2)), X4.shape),
        TypeError,
        "indices must hold integers",
    ),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS)
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_max_pool2d_returns_what_torch_returns():
    """One array by default, (output, indices) with return_indices=True."""
    x = data(np.float64, 1, 2, 6, 6)
    out = F.max_pool2d(x, 3, 2, 1)
    want = torch.nn.functional.max_pool2d(torch.from_numpy(x), 3, 2, 1)
    assert isinstance(out, np.ndarray) and isinstance(want, torch.Tensor)
    np.testing.assert_array_equal(out, want.numpy())
