"""Regression tests: bad input to fastapml.nn gets a ValueError/TypeError that
names the argument; valid read-only input is accepted."""

import numpy as np
import pytest

from fastapml.nn import (
    SGD,
    Adam,
    Conv2d,
    Flatten,
    Linear,
    MaxPool2d,
    Parameter,
    Sequential,
)
from fastapml.nn import functional as F


def _read_only(a):
    a = np.array(a)
    a.flags.writeable = False
    return a


def test_conv2d_backward_takes_read_only_grad_output():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 1, 5, 5))
    w = rng.standard_normal((3, 1, 3, 3))
    g = rng.standard_normal((2, 3, 3, 3))
    expected = F.conv2d_backward(g, x, w)
    got = F.conv2d_backward(_read_only(g), _read_only(x), _read_only(w))
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b)
    conv = Conv2d(1, 3, 3, random_state=0, dtype=np.float64)
    conv.forward(x)
    np.testing.assert_allclose(conv.backward(_read_only(g)), conv.backward(g))


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: Conv2d(2**40, 2, 3), "in_channels"),
        (lambda: Conv2d(1, 2**40, 3), "out_channels"),
        (lambda: Conv2d(1, 2, 2**63), "kernel_size"),
        (lambda: Linear(2**63, 3), "in_features"),
        (lambda: Linear(3, 2**40), "out_features"),
        (lambda: Sequential(Flatten()).summary((1, 2**40, 6)), "input_shape"),
    ],
)
def test_absurd_sizes_are_refused_by_name(make, name):
    with pytest.raises(ValueError, match=name):
        make()


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"stride": 0}, "stride"),
        ({"stride": 1.5}, "stride"),
        ({"n": float("nan")}, "n"),
        ({"kernel": 0}, "kernel"),
        ({"padding": -1}, "padding"),
    ],
)
def test_pool_output_size_checks_its_arguments(kwargs, name):
    args = {"n": 8, "kernel": 2, "stride": 2, "padding": 0} | kwargs
    with pytest.raises((TypeError, ValueError), match=name):
        F.pool_output_size(**args)


def test_backward_with_wrong_shape_names_grad_output():
    lin = Linear(3, 2, random_state=0)
    lin.forward(np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match="grad_output"):
        lin.backward(np.zeros((0, 2), np.float32))
    pool = MaxPool2d(2)
    pool.forward(np.zeros((2, 2, 4, 4)))
    with pytest.raises(ValueError, match="grad_output"):
        pool.backward(np.zeros((3, 2, 2, 2)))
    flat = Flatten()
    flat.forward(np.zeros((2, 2, 3, 3)))
    with pytest.raises(ValueError, match="grad_output"):
        flat.backward(np.zeros((2, 17)))
    with pytest.raises(ValueError, match="grad_output"):
        flat.backward(np.full((2, 18), np.nan))


def test_flatten_takes_an_empty_batch():
    assert Flatten().forward(np.zeros((0, 2, 3))).shape == (0, 6)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1), lambda ps: Adam(ps)])
@pytest.mark.parametrize(
    "attr, bad, error",
    [
        ("grad", np.full((3, 2), np.nan), ValueError),
        ("grad", np.ones(2), ValueError),
        ("grad", np.ones((3, 2), complex), TypeError),
        ("value", np.full((3, 2), np.inf), ValueError),
        ("value", np.ones((3, 2), int), TypeError),
    ],
)
def test_optimizer_step_refuses_bad_values_and_grads(make, attr, bad, error):
    p = Parameter("w", np.ones((3, 2)))
    opt = make([p])
    setattr(p, attr, bad)
    with pytest.raises(error, match=rf"parameters\[0\]\.{attr}"):
        opt.step()
