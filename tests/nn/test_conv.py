"""Direct convolution against the im2col reference, PyTorch and numerical gradients."""

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastapml.nn import convolution as F
from fastapml.nn.convolution import (
    conv2d,
    conv2d_backward,
    conv2d_parameter_count,
    conv_output_size,
)
from fastapml.optimize import check_grad
from fastapml.reference import nn as ref

torch = pytest.importorskip("torch")
TOL = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=1e-4, atol=1e-4)}


@st.composite
def problems(draw):
    """(x, weight, bias, grad_output, kwargs) of a random valid convolution."""
    groups = draw(st.integers(1, 3))
    # channel counts on both sides of the kernels' switch between channel
    # lanes and pixel lanes, and across several channel blocks
    cg = draw(st.sampled_from([1, 2, 3, 4, 9, 17]))
    og = draw(st.sampled_from([1, 2, 3, 17, 33]))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    padding = draw(
        st.one_of(
            st.sampled_from(["same", "valid"]),
            st.integers(0, 6),
            st.tuples(st.integers(0, 6), st.integers(0, 6)),
        )
    )
    if padding == "same":
        stride = (1, 1)
    pads = (0, 0) if isinstance(padding, str) else np.broadcast_to(padding, 2)
    # the input is at least as large as the effective kernel, minus the padding
    h, w = (
        draw(st.integers(low, low + 6))
        for low in (
            max(1, d * (k - 1) + 1 - 2 * p) for d, k, p in zip(dilation, (kh, kw), pads)
        )
    )
    n = draw(st.integers(1, 3))
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(n, groups * cg, h, w))
    weight = rng.normal(size=(groups * og, cg, kh, kw))
    bias = rng.normal(size=groups * og)
    grad_out = rng.normal(size=ref.conv2d(x, weight, **kwargs).shape)
    return x, weight, bias, grad_out, kwargs


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=30, deadline=None)
@given(problem=problems())
def test_matches_reference(dtype, problem):
    x, weight, bias, grad_out, kwargs = (
        a.astype(dtype) if isinstance(a, np.ndarray) else a for a in problem
    )
    out = conv2d(x, weight, bias, **kwargs)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, ref.conv2d(x, weight, bias, **kwargs), **TOL[dtype])
    for got, want in zip(
        conv2d_backward(grad_out, x, weight, **kwargs),
        ref.conv2d_backward(grad_out, x, weight, **kwargs),
    ):
        assert got.dtype == dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, **TOL[dtype])


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(stride=2, padding=1),
        dict(stride=(3, 1), padding=(2, 0), dilation=(1, 2)),
        dict(padding="same", dilation=2),  # even total: symmetric
        dict(padding="same"),  # 2x2 kernel: extra at the end
        dict(padding="valid", groups=2),
        dict(stride=4),  # stride larger than kernel
        dict(padding=5),  # padding larger than input
        dict(stride=(20_000, 3)),  # one output row: the stride costs nothing
        dict(stride=(2, 10**6), padding=1),
    ],
)
@pytest.mark.parametrize("kernel", [(1, 1), (2, 2), (3, 3)])
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_matches_torch_with_gradients(kwargs, kernel):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4, 4, 5))
    weight = rng.normal(size=(6, 4 // kwargs.get("groups", 1)) + kernel)
    bias = rng.normal(size=6)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, weight, bias))
    t_out = torch.nn.functional.conv2d(tx, tw, tb, **kwargs)
    grad_out = rng.normal(size=t_out.shape)
    t_out.backward(torch.tensor(grad_out))
    out = conv2d(x, weight, bias, **kwargs)
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    for got, want in zip(conv2d_backward(grad_out, x, weight, **kwargs), (tx, tw, tb)):
        np.testing.assert_allclose(got, want.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("wrt", range(3))
def test_gradients_match_finite_differences(wrt):
    rng = np.random.default_rng(1)
    args = [
        rng.normal(size=(2, 2, 5, 4)),
        rng.normal(size=(4, 1, 2, 3)),
        rng.normal(size=4),
    ]
    kwargs = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
    grad_out = rng.normal(size=conv2d(*args, **kwargs).shape)

    def loss(v):
        return np.sum(grad_out * conv2d(*args[:wrt], v, *args[wrt + 1 :], **kwargs))

    def grad(v):
        return conv2d_backward(
            grad_out, *(args[:wrt] + [v] + args[wrt + 1 :])[:2], **kwargs
        )[wrt]

    assert check_grad(loss, grad, args[wrt]).error < 1e-8


def _big_problem(dtype, channels=16, groups=2):
    """Big enough for the parallel drivers; 16 channels in 2 groups takes
    the channel-lane kernels, 1 channel the pixel-lane and tap-run ones."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, channels, 20, 20)).astype(dtype)
    weight = rng.normal(size=(16, channels // groups, 3, 3)).astype(dtype)
    kwargs = dict(padding=1, groups=groups)
    grad_out = rng.normal(size=(6, 16, 20, 20)).astype(dtype)
    return x, weight, grad_out, kwargs


def _results(x, weight, grad_out, kwargs):
    return (conv2d(x, weight, **kwargs),) + conv2d_backward(
        grad_out, x, weight, **kwargs
    )


@pytest.mark.parametrize("channels, groups", [(16, 2), (1, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_thread_count_does_not_change_results(dtype, channels, groups):
    problem = _big_problem(dtype, channels, groups)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = _results(*problem)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = _results(*problem)
    finally:
        numba.set_num_threads(before)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("channels, groups", [(16, 2), (1, 1)])
def test_worker_threads_use_serial_twins(run_in_threads, channels, groups):
    problem = _big_problem(np.float32, channels, groups)
    main = _results(*problem)
    for result in run_in_threads(lambda: _results(*problem)):
        for a, b in zip(main, result):
            np.testing.assert_array_equal(a, b)


GOOD = dict(input=np.zeros((1, 4, 5, 5)), weight=np.zeros((6, 4, 3, 3)))


@pytest.mark.parametrize(
    "change, error, match",
    [
        (dict(weight=np.zeros((6, 3, 3, 3))), ValueError, "input channels"),
        (dict(groups=2), ValueError, r"expects 8 input channels \(4 per group x 2"),
        (dict(groups=3), ValueError, "groups=3 must divide"),
        (dict(groups=0), ValueError, "groups must be >= 1"),
        (
            dict(weight=np.zeros((6, 4, 6, 3))),
            ValueError,
            "kernel height 6 .* padded input height 5",
        ),
        (
            dict(weight=np.zeros((6, 4, 3, 3)), dilation=(1, 3)),
            ValueError,
            "kernel width 7",
        ),
        (dict(stride=0), ValueError, "stride must be >= 1"),
        (dict(stride=(1, -1)), ValueError, "stride must be >= 1"),
        (dict(stride=(1, 1, 1)), ValueError, "stride must be an int or a pair"),
        (dict(stride=1.5), TypeError, "stride must be Integral"),
        (dict(dilation=0), ValueError, "dilation must be >= 1"),
        (dict(padding=-1), ValueError, "padding must be >= 0"),
        (dict(padding="full"), ValueError, "padding must be 'same', 'valid'"),
        (dict(padding="same", stride=2), ValueError, "not supported for strided"),
        (dict(input=np.zeros((4, 5, 5))), ValueError, "input must be 4-D"),
        (dict(weight=np.zeros((6, 4, 3))), ValueError, "weight must be 4-D"),
        (dict(weight=np.zeros((0, 4, 3, 3))), ValueError, "weight must not be empty"),
        (dict(bias=np.zeros(5)), ValueError, r"bias must have shape \(6,\)"),
        (dict(bias=np.zeros((6, 1))), ValueError, "bias must be 1-D"),
        (dict(input=np.full((1, 4, 5, 5), np.nan)), ValueError, "input contains NaN"),
        (
            dict(weight=np.full((6, 4, 3, 3), np.inf)),
            ValueError,
            r"weight contains \+inf",
        ),
        (dict(bias=np.full(6, -np.inf)), ValueError, "bias contains -inf"),
        (
            dict(input=np.full((1, 4, 5, 5), "a")),
            TypeError,
            "input must be a numeric array",
        ),
        (
            dict(weight=np.zeros((6, 4, 3, 3), complex)),
            TypeError,
            "weight must be real",
        ),
    ],
)
def test_bad_input_is_a_clear_error(change, error, match):
    with pytest.raises(error, match=match):
        conv2d(**{**GOOD, **change})


def test_bad_grad_output_is_a_clear_error():
    x, weight = GOOD["input"], GOOD["weight"]
    with pytest.raises(ValueError, match=r"grad_output must have shape \(1, 6, 3, 3\)"):
        conv2d_backward(np.zeros((1, 6, 5, 5)), x, weight)
    with pytest.raises(ValueError, match="grad_output contains NaN"):
        conv2d_backward(np.full((1, 6, 3, 3), np.nan), x, weight)
    with pytest.raises(ValueError, match="input channels"):
        conv2d_backward(np.zeros((1, 6, 3, 3)), x, weight, groups=2)


def test_conv_output_size():
    assert conv_output_size(32, 5, padding=2) == 32
    assert conv_output_size(56, 3, padding=1) == 56
    assert conv_output_size(7, 3, stride=2, strict=True) == 3
    assert conv_output_size(6, 3, stride=2) == 2  # floor
    assert conv_output_size(9, 3, dilation=2) == 5
    with pytest.raises(ValueError, match=r"\(6 \+ 2\*0 - 3\)/2 \+ 1 is not an integer"):
        conv_output_size(6, 3, stride=2, strict=True)
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv_output_size(2, 5, padding=1)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        conv_output_size(5, 3, stride=0)
    with pytest.raises(TypeError, match="n must be Integral"):
        conv_output_size(5.0, 3)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 30),
    k=st.integers(1, 5),
    p=st.integers(0, 3),
    s=st.integers(1, 4),
    d=st.integers(1, 3),
)
def test_conv_output_size_is_conv2d_output_size(n, k, p, s, d):
    if d * (k - 1) + 1 > n + 2 * p:
        return
    out = conv2d(
        np.zeros((1, 1, n, 1)),
        np.zeros((1, 1, k, 1)),
        stride=(s, 1),
        padding=(p, 0),
        dilation=(d, 1),
    )
    assert out.shape[2] == conv_output_size(n, k, padding=p, stride=s, dilation=d)
    exact = (n + 2 * p - d * (k - 1) - 1) % s == 0
    if not exact:
        with pytest.raises(ValueError, match="not an integer"):
            conv_output_size(n, k, padding=p, stride=s, dilation=d, strict=True)


def test_parameter_count():
    assert conv2d_parameter_count(3, 10, 5) == 10 * (25 * 3 + 1)
    assert conv2d_parameter_count(3, 10, (5, 3), bias=False) == 10 * 15 * 3
    assert conv2d_parameter_count(64, 64, 1) == 64 * 65  # 1x1: mixes channels
    torch_count = sum(p.numel() for p in torch.nn.Conv2d(7, 4, (2, 3)).parameters())
    assert conv2d_parameter_count(7, 4, (2, 3)) == torch_count
    with pytest.raises(ValueError, match="in_channels must be >= 1"):
        conv2d_parameter_count(0, 4, 3)
    with pytest.raises(TypeError, match="bias must be bool"):
        conv2d_parameter_count(1, 4, 3, bias=1)


def test_float32_stays_float32_and_mixed_is_float64():
    x32, w32 = np.ones((1, 1, 3, 3), np.float32), np.ones((1, 1, 2, 2), np.float32)
    assert conv2d(x32, w32).dtype == np.float32
    assert conv2d(x32, w32.astype(np.float64)).dtype == np.float64
    assert conv2d(x32.astype(int), w32).dtype == np.float64
    assert conv2d(np.zeros((0, 1, 3, 3)), np.ones((2, 1, 2, 2))).shape == (0, 2, 2, 2)
    assert F.conv2d_backward(
        np.zeros((0, 2, 2, 2)), np.zeros((0, 1, 3, 3)), np.ones((2, 1, 2, 2))
    )[1].shape == (2, 1, 2, 2)
