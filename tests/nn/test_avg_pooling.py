"""Average pooling against PyTorch and numerical gradients."""

import numpy as np
import pytest
import torch
from torch_parity import DTYPES, assert_close, data, torch_run

from fastapml.nn import avg_pooling as F
from fastapml.optimize import check_grad

CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 1), count_include_pad=False),
    dict(kernel_size=3, stride=1, padding=1, divisor_override=5),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_avg_pool2d_matches_torch(dtype, kwargs):
    x = data(dtype, 2, 3, 7, 6)
    want, g, (grad,) = torch_run(
        lambda t: torch.nn.functional.avg_pool2d(t, **kwargs), x
    )
    assert_close(F.avg_pool2d(x, **kwargs), want, dtype)
    assert_close(F.avg_pool2d_backward(g, x.shape, **kwargs), grad, dtype)


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_backward_matches_numerical_gradient(kwargs):
    x = data(np.float64, 1, 2, 6, 5)
    up = data(np.float64, *F.avg_pool2d(x, **kwargs).shape, seed=3)
    result = check_grad(
        lambda z: np.sum(up * F.avg_pool2d(z, **kwargs)),
        lambda z: F.avg_pool2d_backward(up, z.shape, **kwargs),
        x,
    )
    assert result.error < 1e-6


X4 = np.ones((1, 1, 4, 4))
BAD_CALLS = [
    (lambda: F.avg_pool2d(np.ones((4, 4)), 2), ValueError, "input must be 4-D"),
    (lambda: F.avg_pool2d(X4, 2, padding=2), ValueError, "at most half"),
    (lambda: F.avg_pool2d(X4, 2, ceil_mode=True), ValueError, "ceil_mode=True"),
    (lambda: F.avg_pool2d(X4, 0), ValueError, "kernel_size must be >= 1"),
    (lambda: F.avg_pool2d(X4, 2, divisor_override=0), ValueError, "divisor_override"),
    (lambda: F.avg_pool2d(X4, 5), ValueError, "larger than the padded input"),
    (
        lambda: F.avg_pool2d_backward(np.ones((1, 1, 3, 3)), (1, 1, 4, 4), 2),
        ValueError,
        "grad_output must have shape",
    ),
    (
        lambda: F.avg_pool2d_backward(np.ones((1, 1, 2, 2)), (1, 4, 4), 2),
        ValueError,
        "input_shape must be 4",
    ),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS)
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
