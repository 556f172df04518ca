"""Neural-network functions with PyTorch's semantics, on NumPy arrays.

Convolution is direct (no im2col buffer): see :mod:`fastapml.nn._kernels`.
Arrays are NCHW (input) and OIHW (weights); float32 stays float32 when every
array is float32, anything else is computed in float64.
"""
import numbers

import numpy as np

from .._numba import n_threads, parallel_allowed
from .._validation import (check_float_array, check_int_pair, check_scalar,
                           check_shape, float_dtype)
from . import _kernels
from .activations import (cross_entropy, cross_entropy_backward,
                          dropout, dropout_backward, linear, linear_backward,
                          log_softmax, log_softmax_backward, max_pool2d,
                          max_pool2d_backward, mse_loss, mse_loss_backward,
                          pool_output_size, relu, relu_backward, sigmoid,
                          sigmoid_backward, softmax, softmax_backward)

__all__ = ["conv2d", "conv2d_backward", "conv2d_parameter_count",
           "conv_output_size", "cross_entropy", "cross_entropy_backward",
           "dropout", "dropout_backward", "linear", "linear_backward",
           "log_softmax", "log_softmax_backward", "max_pool2d",
           "max_pool2d_backward", "mse_loss", "mse_loss_backward",
           "pool_output_size", "relu", "relu_backward", "sigmoid",
           "sigmoid_backward", "softmax", "softmax_backward"]

_MAX_CHUNKS = 16                    # grad_weight partial sums kept per call
_PARTIAL_BYTES = 32 << 20           # at most this much memory for them
_PARALLEL_MIN_WORK = 1 << 18        # multiply-adds below which threads don't pay


def _span(padded, kernel, stride, dilation, axis):
    """(padded - effective kernel) for one axis; raises if the kernel does not fit."""
    effective = dilation * (kernel - 1) + 1
    if effective > padded:
        raise ValueError(f"kernel {axis} {effective} (dilation included) is larger "
                         f"than the padded input {axis} {padded}")
    return padded - effective


def _geometry(input_shape, weight_shape, stride, padding, dilation, groups):
    """Check a convolution's arguments against each other.

    Returns ``(pads, geom, out_hw)``: pads (top, bottom, left, right), geom
    (sh, sw, dh, dw) and the output's (height, width).
    """
    n_in, c_in, h, w = input_shape
    c_out, cg, kh, kw = weight_shape
    stride = check_int_pair(stride, "stride", 1)
    dilation = check_int_pair(dilation, "dilation", 1)
    groups = int(check_scalar(groups, "groups", numbers.Integral, low=1))
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups={groups} must divide both the input channels "
                         f"({c_in}) and the output channels ({c_out})")
    if cg * groups != c_in:
        raise ValueError(f"weight expects {cg * groups} input channels "
                         f"({cg} per group x {groups} groups), input has {c_in}")
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise ValueError("padding='same' is not supported for strided "
                                 f"convolutions (stride={stride})")
            th, tw = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
            pads = (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        else:
            raise ValueError(f"padding must be 'same', 'valid', an int or a pair "
                             f"of ints, got {padding!r}")
    else:
        ph, pw = check_int_pair(padding, "padding", 0)
        pads = (ph, ph, pw, pw)
    span_h = _span(h + pads[0] + pads[1], kh, stride[0], dilation[0], "height")
    span_w = _span(w + pads[2] + pads[3], kw, stride[1], dilation[1], "width")
    out_hw = (span_h // stride[0] + 1, span_w // stride[1] + 1)
    return pads, stride + dilation, out_hw


def _use_parallel(n_tasks, work):
    return (parallel_allowed() and n_threads() > 1 and n_tasks > 1
            and work >= _PARALLEL_MIN_WORK)


def _phases(x, pads, stride):
    """The zero-padded input split into its stride phases (the kernels'
    layout): out[py * sw + px] = padded[:, :, py::sh, px::sw], zero-filled to
    one size.  With stride 1 this is just the padded input."""
    top, bottom, left, right = pads
    sh, sw = stride
    n, c, h, w = x.shape
    hp, wp = h + top + bottom, w + left + right
    out = np.zeros((sh * sw, n, c, -(-hp // sh), -(-wp // sw)), dtype=x.dtype)
    for py in range(sh):
        for px in range(sw):
            # rows/columns of phase (py, px) that fall inside x
            r0, c0 = -(-(top - py) // sh), -(-(left - px) // sw)
            r1, c1 = -(-(top + h - py) // sh), -(-(left + w - px) // sw)
            r0, c0 = max(r0, 0), max(c0, 0)
            if r1 <= r0 or c1 <= c0:
                continue
            out[py * sw + px, :, :, r0:r1, c0:c1] = x[
                :, :, r0 * sh + py - top:(r1 - 1) * sh + py - top + 1:sh,
                c0 * sw + px - left:(c1 - 1) * sw + px - left + 1:sw]
    return out


def _unphase(grad_phases, pads, stride, shape):
    """The inverse of :func:`_phases` for a gradient: interleave the phases
    back and drop the padding."""
    top, _, left, _ = pads
    sh, sw = stride
    n, c, h, w = shape
    grad = np.empty(shape, dtype=grad_phases.dtype)
    for py in range(sh):
        for px in range(sw):
            r0, c0 = max(-(-(top - py) // sh), 0), max(-(-(left - px) // sw), 0)
            r1, c1 = -(-(top + h - py) // sh), -(-(left + w - px) // sw)
            if r1 <= r0 or c1 <= c0:
                continue
            grad[:, :, r0 * sh + py - top:(r1 - 1) * sh + py - top + 1:sh,
                 c0 * sw + px - left:(c1 - 1) * sw + px - left + 1:sw] = \
                grad_phases[py * sw + px, :, :, r0:r1, c0:c1]
    return grad


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""2-D convolution (cross-correlation), as ``torch.nn.functional.conv2d``.

    .. math::

        \mathrm{out}[n, o, i, j] = b_o + \sum_{c, y, x} W[o, c, y, x]\,
            x_p[n, g c_g + c, i s_h + y d_h, j s_w + x d_w]

    with :math:`x_p` the zero-padded input, :math:`g = o / (C_{out}/G)` the
    group of channel o and :math:`c_g = C_{in}/G`.  Each side of the output
    has floor((N + 2p - d(F - 1) - 1)/s) + 1 entries (the course's
    O = (N + 2p - F)/s + 1 when that is an integer; see
    :func:`conv_output_size`).

    Parameters
    ----------
    input : array_like of float, shape (N, C_in, H, W)
    weight : array_like of float, shape (C_out, C_in / groups, F_h, F_w)
    bias : array_like of float, shape (C_out,), optional
    stride : int or (int, int), default 1
        Step between output positions, >= 1.
    padding : int, (int, int), "same" or "valid", default 0
        Zeros added on both sides of each axis.  "same" keeps the input size
        (stride 1 only; an odd total puts the extra zero at the bottom/right,
        as PyTorch does); "valid" is 0.
    dilation : int or (int, int), default 1
        Spacing between kernel taps, >= 1.
    groups : int, default 1
        Input and output channels split into this many independent groups.

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out)
        float32 if every array is float32, else float64.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    arrays = [input, weight] + ([] if bias is None else [bias])
    dtype = float_dtype(*arrays)
    x = check_float_array(input, "input", 4, dtype=dtype)
    w = check_float_array(weight, "weight", 4, dtype=dtype, allow_empty=False)
    pads, geom, (ho, wo) = _geometry(x.shape, w.shape, stride, padding, dilation, groups)
    if bias is None:
        b = np.zeros(w.shape[0], dtype=dtype)
    else:
        b = check_shape(check_float_array(bias, "bias", 1, dtype=dtype), "bias",
                        (w.shape[0],))
    out = np.empty((x.shape[0], w.shape[0], ho, wo), dtype=dtype)
    n_tasks = x.shape[0] * -(-w.shape[0] // _kernels.BLOCK)
    kernel = (_kernels.forward if _use_parallel(n_tasks, out.size * w[0].size)
              else _kernels.forward_serial)
    kernel(_phases(x, pads, geom[:2]), w, b, out, geom)
    return out


def _chunk_bounds(n_samples, partial_bytes):
    """Sample ranges of grad_weight's partial sums: a function of the sizes
    only, so results do not depend on the number of threads."""
    n_chunks = max(1, min(n_samples, _MAX_CHUNKS, _PARTIAL_BYTES // partial_bytes))
    return np.arange(n_chunks + 1, dtype=np.int64) * n_samples // n_chunks


def conv2d_backward(grad_output, input, weight, stride=1, padding=0, dilation=1,
                    groups=1):
    r"""Gradients of :func:`conv2d` with respect to its input, weight and bias.

    With :math:`\delta = \partial L/\partial\,\mathrm{out}` (``grad_output``):

    .. math::

        \frac{\partial L}{\partial b_o} = \sum_{n,i,j} \delta[n, o, i, j], \qquad
        \frac{\partial L}{\partial W[o, c, y, x]} = \sum_{n,i,j} \delta[n, o, i, j]\,
            x_p[n, g c_g + c, i s_h + y d_h, j s_w + x d_w],

    and :math:`\partial L/\partial x` scatters :math:`W[o, c, y, x]\,\delta[n, o, i, j]`
    back to the input position each product came from (padding dropped).
    The weight gradient is summed in float64 over a fixed split of the batch,
    so it is the same for any number of threads.

    Parameters
    ----------
    grad_output : array_like of float, shape (N, C_out, H_out, W_out)
    input, weight, stride, padding, dilation, groups
        As given to :func:`conv2d`.

    Returns
    -------
    grad_input : ndarray, shape (N, C_in, H, W)
    grad_weight : ndarray, shape (C_out, C_in / groups, F_h, F_w)
    grad_bias : ndarray, shape (C_out,)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> gx, gw, gb = conv2d_backward(np.ones((1, 1, 2, 2)), x, np.ones((1, 1, 2, 2)))
    >>> gw[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    >>> gx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    dtype = float_dtype(grad_output, input, weight)
    x = check_float_array(input, "input", 4, dtype=dtype)
    w = check_float_array(weight, "weight", 4, dtype=dtype, allow_empty=False)
    pads, geom, (ho, wo) = _geometry(x.shape, w.shape, stride, padding, dilation, groups)
    go = check_shape(check_float_array(grad_output, "grad_output", 4, dtype=dtype),
                     "grad_output", (x.shape[0], w.shape[0], ho, wo))
    phases = _phases(x, pads, geom[:2])
    n_samples = x.shape[0]
    bounds = _chunk_bounds(n_samples, 8 * w.size)
    partials = np.zeros((bounds.shape[0] - 1,) + w.shape)
    grad_phases = np.zeros(phases.shape, dtype=dtype)
    n_tasks = n_samples * -(-max(x.shape[1], w.shape[0]) // _kernels.BLOCK)
    if _use_parallel(n_tasks, go.size * w[0].size):
        _kernels.grad_input(go, w, grad_phases, geom)
        _kernels.grad_weight(go, phases, bounds, partials, geom)
    else:
        _kernels.grad_input_serial(go, w, grad_phases, geom)
        _kernels.grad_weight_serial(go, phases, bounds, partials, geom)
    grad_input = _unphase(grad_phases, pads, geom[:2], x.shape)
    grad_weight = partials.sum(axis=0).astype(dtype)
    grad_bias = go.sum(axis=(0, 2, 3), dtype=np.float64).astype(dtype)
    return grad_input, grad_weight, grad_bias


def conv_output_size(n, kernel, padding=0, stride=1, dilation=1, strict=False):
    """Output size of a convolution along one axis.

    floor((n + 2p - d(F - 1) - 1)/s) + 1, which is the course's
    O = (N + 2p - F)/s + 1 for an undilated kernel when the division is exact.

    Parameters
    ----------
    n : int
        Input size, >= 1.
    kernel : int
        Kernel size F, >= 1.
    padding : int, default 0
        Zeros on each side, >= 0.
    stride : int, default 1
        >= 1.
    dilation : int, default 1
        >= 1; the kernel then covers d(F - 1) + 1 inputs.
    strict : bool, default False
        Raise ``ValueError`` unless (N + 2p - F)/s is an integer, i.e. unless
        the windows tile the padded input exactly (no input rows left over).

    Returns
    -------
    int

    Examples
    --------
    >>> conv_output_size(32, 5, padding=2, stride=1)
    32
    >>> conv_output_size(7, 3, stride=2, strict=True)
    3
    >>> conv_output_size(6, 3, stride=2)
    2
    """
    n = check_scalar(n, "n", numbers.Integral, low=1)
    kernel = check_scalar(kernel, "kernel", numbers.Integral, low=1)
    padding = check_scalar(padding, "padding", numbers.Integral, low=0)
    stride = check_scalar(stride, "stride", numbers.Integral, low=1)
    dilation = check_scalar(dilation, "dilation", numbers.Integral, low=1)
    span = _span(n + 2 * padding, kernel, stride, dilation, "size")
    if strict and span % stride:
        effective = dilation * (kernel - 1) + 1
        raise ValueError(f"(N + 2p - F)/s + 1 = ({n} + 2*{padding} - {effective})"
                         f"/{stride} + 1 is not an integer")
    return int(span // stride + 1)


def conv2d_parameter_count(in_channels, out_channels, kernel_size, bias=True):
    """Number of learned parameters of a convolution layer: k·(F²c + 1).

    k = ``out_channels`` filters, each with F_h·F_w·c weights (c =
    ``in_channels``) and one bias.

    Parameters
    ----------
    in_channels, out_channels : int
        >= 1.
    kernel_size : int or (int, int)
    bias : bool, default True
        Without bias the count is k·F²c.

    Returns
    -------
    int

    Examples
    --------
    >>> conv2d_parameter_count(3, 10, 5)
    760
    """
    c = check_scalar(in_channels, "in_channels", numbers.Integral, low=1)
    k = check_scalar(out_channels, "out_channels", numbers.Integral, low=1)
    fh, fw = check_int_pair(kernel_size, "kernel_size", 1)
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(f"bias must be bool, got {type(bias).__name__}")
    return int(k * (fh * fw * c + bool(bias)))
