"""2-D convolution with PyTorch's semantics, on NumPy arrays.

Arrays are NCHW (input) and OIHW (weights); float32 stays float32 when every
array is float32, anything else is computed in float64.  The convolution is
direct, with no im2col buffer: the wrappers here check the arguments, lay the
input out in stride phases (:mod:`._layout`), block the weights and call the
kernels of :mod:`._conv_kernels` and
:mod:`._conv_weight_kernels`.
"""

import numbers

import numpy as np

from .._memory import check_memory
from .._numba import n_threads, parallel_allowed
from .._simd import VECTOR_BYTES
from .._validation import (
    check_float_array,
    check_int_pair,
    check_scalar,
    check_shape,
    float_dtype,
)
from . import _conv_kernels, _conv_weight_kernels, _layout
from ._microkernel import MAX_ROWS as _MAX_ROWS

__all__ = [
    "conv2d",
    "conv2d_backward",
    "conv2d_parameter_count",
    "conv_output_size",
]

_MAX_CHUNKS = 16  # grad_weight partial sums kept per call
_PARTIAL_BYTES = 32 << 20  # at most this much memory for them
_CHUNK_WORK = 1 << 20  # multiply-adds per chunk beyond the first two
_PARALLEL_MIN_WORK = 1 << 18  # multiply-adds below which threads don't pay


def _span(padded, kernel, stride, dilation, axis):
    """(padded - effective kernel) for one axis; raises if the kernel does not fit."""
    effective = dilation * (kernel - 1) + 1
    if effective > padded:
        raise ValueError(
            f"kernel {axis} {effective} (dilation included) is larger "
            f"than the padded input {axis} {padded}"
        )
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
        raise ValueError(
            f"groups={groups} must divide both the input channels "
            f"({c_in}) and the output channels ({c_out})"
        )
    if cg * groups != c_in:
        raise ValueError(
            f"weight expects {cg * groups} input channels "
            f"({cg} per group x {groups} groups), input has {c_in}"
        )
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise ValueError(
                    "padding='same' is not supported for strided "
                    f"convolutions (stride={stride})"
                )
            th, tw = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
            pads = (th // 2, th - th // 2, tw // 2, tw - tw // 2)
        else:
            raise ValueError(
                f"padding must be 'same', 'valid', an int or a pair "
                f"of ints, got {padding!r}"
            )
    else:
        ph, pw = check_int_pair(padding, "padding", 0)
        pads = (ph, ph, pw, pw)
    span_h = _span(h + pads[0] + pads[1], kh, stride[0], dilation[0], "height")
    span_w = _span(w + pads[2] + pads[3], kw, stride[1], dilation[1], "width")
    out_hw = (span_h // stride[0] + 1, span_w // stride[1] + 1)
    return pads, stride + dilation, out_hw


def _kernel_geometry(geom, out_hw):
    """``geom`` with stride 1 on an axis of one output position: there the
    stride changes nothing, and a stride far beyond the input would cost
    O(stride^2) phase buffers.  (Otherwise the stride is at most the span.)"""
    sh, sw, dh, dw = geom
    return (1 if out_hw[0] == 1 else sh, 1 if out_hw[1] == 1 else sw, dh, dw)


def _check_buffers(x, pads, out_shape, itemsize, copies):
    """Refuse a convolution whose buffers cannot fit: ``copies`` arrays of
    the padded input's size (its stride phases, their gradient) and one of
    the output's, of ``itemsize`` bytes per element."""
    n, c, h, w = x.shape
    padded = n * c * (h + pads[0] + pads[1]) * (w + pads[2] + pads[3])
    check_memory(
        itemsize * (copies * padded + int(np.prod(out_shape, dtype=np.int64))),
        f"conv2d of input {x.shape} to output {tuple(out_shape)}",
    )


def _use_parallel(n_tasks, work):
    return (
        parallel_allowed()
        and n_threads() > 1
        and n_tasks > 1
        and work >= _PARALLEL_MIN_WORK
    )


def _phases(x, pads, stride, parallel, pixel_major=False):
    """The zero-padded input split into its stride phases (the kernels'
    layout, see :mod:`._layout`), and the phase planes' (height, width).
    With stride 1 this is just the padded input."""
    top, bottom, left, right = pads
    sh, sw = stride
    n, c, h, w = x.shape
    hq, wq = -(-(h + top + bottom) // sh), -(-(w + left + right) // sw)
    out = np.empty(
        (sh * sw, n, hq * wq, c) if pixel_major else (sh * sw, n, c, hq, wq),
        dtype=x.dtype,
    )
    kernel = _layout.phases_parallel if parallel else _layout.phases
    kernel(x, out.reshape(-1), top, left, sh, sw, hq, wq, pixel_major)
    return out, (hq, wq)


def _input_phases(shape, pads, stride, phase_shape):
    """Where each padded-input phase plane's gradient goes.

    Returns ``(regions, split_shape)``: ``regions[s]`` = (first row, end
    row, first column, end column, target, row shift, column shift) of phase
    s, the rows/columns of its plane that fall inside the input, and their
    place in the input gradient split into its own stride phases, shape
    ``split_shape`` = (S, N, C, ceil(H / s_h), ceil(W / s_w)): input row
    y = i s_h + p_y - top is row y // s_h of phase y % s_h there.
    """
    top, _, left, _ = pads
    sh, sw = stride
    n, c, h, w = shape
    regions = np.zeros((sh * sw, 7), dtype=np.int64)
    for py in range(sh):
        for px in range(sw):
            r0, q0 = max(-(-(top - py) // sh), 0), max(-(-(left - px) // sw), 0)
            r1 = min(-(-(top + h - py) // sh), phase_shape[0])
            q1 = min(-(-(left + w - px) // sw), phase_shape[1])
            target = ((py - top) % sh) * sw + (px - left) % sw
            regions[py * sw + px] = (
                r0,
                max(r1, r0),
                q0,
                max(q1, q0),
                target,
                (py - top) // sh,
                (px - left) // sw,
            )
    return regions, (sh * sw, n, c, -(-h // sh), -(-w // sw))


def _split_from_planes(planes, regions, split_shape):
    """The input gradient's phases (``split_shape``) from whole padded-input
    phase planes: the part of plane s inside the input, per ``regions``."""
    split = np.empty(split_shape, dtype=planes.dtype)
    for s, (r0, r1, q0, q1, target, dr, dq) in enumerate(regions):
        split[target, :, :, r0 + dr : r1 + dr, q0 + dq : q1 + dq] = planes[
            s, :, :, r0:r1, q0:q1
        ]
    return split


def _interleave(split, stride, shape):
    """The input gradient from its stride phases (the inverse of splitting
    ``grad[:, :, ry::s_h, rx::s_w]`` into ``split[ry * s_w + rx]``)."""
    sh, sw = stride
    if sh == sw == 1:
        return split[0]
    h, w = shape[2:]
    grad = np.empty(shape, dtype=split.dtype)
    for ry in range(min(sh, h)):
        for rx in range(min(sw, w)):
            grad[:, :, ry::sh, rx::sw] = split[
                ry * sw + rx, :, :, : -(-(h - ry) // sh), : -(-(w - rx) // sw)
            ]
    return grad


def _taps(weight_shape, geom, pitch):
    """Stride phase and flat offset in its phase plane (row pitch ``pitch``)
    of each kernel tap t = y * F_w + x: padded-input position
    (i s_h + y d_h, j s_w + x d_w) is row i + (y d_h) // s_h, column
    j + (x d_w) // s_w of phase ((y d_h) % s_h, (x d_w) % s_w)."""
    sh, sw, dh, dw = geom
    ry, rx = np.divmod(np.arange(weight_shape[2] * weight_shape[3]), weight_shape[3])
    ry, rx = ry * dh, rx * dw
    return ((ry % sh) * sw + rx % sw).astype(np.int64), (
        (ry // sh) * pitch + rx // sw
    ).astype(np.int64)


def _width(channels, dtype):
    """Channels per register tile: one vector (VECTOR_BYTES) when that holds
    them, else two (see ``_microkernel.MAX_ROWS`` for the tile shapes)."""
    lanes = VECTOR_BYTES // np.dtype(dtype).itemsize
    return lanes * (1 if channels <= lanes else 2)


def _block_lanes(w, axis):
    """``w`` (groups, A, B, taps) with ``axis`` (1 or 2) cut into blocks of
    the kernels' vector width and moved last: shape (groups, blocks, other,
    taps, width), zero past the end of the axis."""
    channels = w.shape[axis]
    width = _width(channels, w.dtype)
    n_blocks = -(-channels // width)
    if axis == 2:
        w = w.transpose(0, 2, 1, 3)
    padded = np.zeros((w.shape[0], n_blocks * width) + w.shape[2:], dtype=w.dtype)
    padded[:, :channels] = w
    return np.ascontiguousarray(
        padded.reshape((w.shape[0], n_blocks, width) + w.shape[2:]).transpose(
            0, 1, 3, 4, 2
        )
    )


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""2-D convolution (cross-correlation), as ``torch.nn.functional.conv2d``.

    .. math::

        \mathrm{out}[n, o, i, j] = b_o + \sum_{c, y, x} W[o, c, y, x]\,
            x_p[n, g c_g + c, i s_h + y d_h, j s_w + x d_w]

    with :math:`x_p` the zero-padded input, :math:`g = o / (C_{out}/G)` the
    group of channel o and :math:`c_g = C_{in}/G`.  Each side of the output
    has floor((N + 2p - d(F - 1) - 1)/s) + 1 entries, as in PyTorch's
    ``torch.nn.Conv2d`` documentation (see :func:`conv_output_size`).

    Parameters
    ----------
    input : array_like of float, shape (N, C_in, H, W)
        The input batch x.
    weight : array_like of float, shape (C_out, C_in / groups, F_h, F_w)
        The filters W.
    bias : array_like of float, shape (C_out,), optional
        One bias per output channel; none by default.
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
    pads, geom, (ho, wo) = _geometry(
        x.shape, w.shape, stride, padding, dilation, groups
    )
    geom = _kernel_geometry(geom, (ho, wo))
    if bias is None:
        b = np.zeros(w.shape[0], dtype=dtype)
    else:
        b = check_shape(
            check_float_array(bias, "bias", 1, dtype=dtype), "bias", (w.shape[0],)
        )
    out_shape = (x.shape[0], w.shape[0], ho, wo)
    _check_buffers(x, pads, out_shape, x.itemsize, 1)
    out = np.empty(out_shape, dtype=dtype)
    parallel = _use_parallel(out.shape[0] * out.shape[2], out.size * w[0].size)
    phases, (hq, wq) = _phases(x, pads, geom[:2], parallel)
    phase, offset = _taps(w.shape, geom, wq)
    taps = phase * (x.shape[0] * x.shape[1] * hq * wq) + offset
    # one flat reduction over (input channel, tap): channel c's tap t at
    # c * plane + taps[t], its weights (c, t) contiguous in ``blocked``
    taps = (np.arange(w.shape[1])[:, None] * (hq * wq) + taps).reshape(-1)
    blocked = _block_lanes(w.reshape(groups, -1, w.shape[1], phase.size), 1)
    bias_blocked = _block_lanes(b.reshape(groups, -1, 1, 1), 1).reshape(-1)
    kernel = _conv_kernels.forward_parallel if parallel else _conv_kernels.forward
    kernel(phases.reshape(-1), taps, blocked, bias_blocked, out, hq * wq, wq)
    return out


def _chunk_bounds(n_samples, partial_bytes, work):
    """Sample ranges of grad_weight's partial sums: a function of the sizes
    only, so results do not depend on the number of threads.  Small
    problems get two chunks (one per task and thread), big ones up to
    _MAX_CHUNKS, within _PARTIAL_BYTES of partial sums."""
    n_chunks = max(
        1,
        min(
            n_samples,
            _MAX_CHUNKS,
            _PARTIAL_BYTES // partial_bytes,
            max(2, work // _CHUNK_WORK),
        ),
    )
    return np.arange(n_chunks + 1, dtype=np.int64) * n_samples // n_chunks


def conv2d_backward(
    grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1
):
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
        dL/d(output).
    input : array_like of float, shape (N, C_in, H, W)
        The forward's input.
    weight : array_like of float, shape (C_out, C_in / groups, F_h, F_w)
        The forward's filters.
    stride : int or (int, int), default 1
        As given to :func:`conv2d`.
    padding : int, (int, int), "same" or "valid", default 0
        As given to :func:`conv2d`.
    dilation : int or (int, int), default 1
        As given to :func:`conv2d`.
    groups : int, default 1
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
    pads, geom, (ho, wo) = _geometry(
        x.shape, w.shape, stride, padding, dilation, groups
    )
    geom = _kernel_geometry(geom, (ho, wo))
    go = check_shape(
        check_float_array(grad_output, "grad_output", 4, dtype=dtype),
        "grad_output",
        (x.shape[0], w.shape[0], ho, wo),
    )
    if not go.flags.writeable:  # the kernels' intrinsics take writeable arrays
        go = go.copy()
    # the phases, the input gradient's phases and the input gradient; the
    # widened output gradient
    _check_buffers(x, pads, go.shape, x.itemsize, 3)
    parallel = _use_parallel(x.shape[0] * ho, go.size * w[0].size)
    pixels, phase_shape = _phases(x, pads, geom[:2], parallel, pixel_major=True)
    phase, offset = _taps(w.shape, geom, phase_shape[1])
    grad_input = _grad_input(
        go, x.shape, w, pads, geom, groups, phase_shape, phase, offset, parallel
    )
    grad_weight, grad_bias = _grad_weight(
        go, pixels, w, geom, groups, phase_shape, phase, offset, parallel
    )
    return grad_input, grad_weight, grad_bias


def _grad_input(go, shape, w, pads, geom, groups, phase_shape, phase, offset, parallel):
    """conv2d's input gradient: grad_output widened to the phase pitch after
    ``front`` zeros (taps read it at front - offset), then one kernel per
    stride phase's taps, with channel lanes or, for groups of few input
    channels (channel lanes would stay mostly empty), pixel lanes."""
    dtype = go.dtype
    n_samples, n_channels = shape[:2]
    hq, wq = phase_shape
    plane, n_phases = hq * wq, geom[0] * geom[1]
    order = np.argsort(phase, kind="stable")
    starts = np.searchsorted(phase[order], np.arange(n_phases + 1)).astype(np.int64)
    front = int(offset.max())
    lanes = VECTOR_BYTES // dtype.itemsize
    cg = w.shape[1]
    pixel_lanes = 2 * cg < lanes
    plane_padded = -(-plane // lanes) * lanes
    length = front + (plane_padded if pixel_lanes else plane)
    grad_wide = np.empty((n_samples, go.shape[1], length), dtype=dtype)
    (_layout.widen_parallel if parallel else _layout.widen)(go, grad_wide, front, wq)
    regions, split_shape = _input_phases(shape, pads, geom[:2], phase_shape)
    w_sorted = w.reshape(groups, -1, cg, phase.size)[..., order]
    if pixel_lanes:
        planes = np.empty((n_phases, n_samples, n_channels, plane_padded), dtype=dtype)
        kernel = (
            _conv_kernels.grad_input_pixels_parallel
            if parallel
            else _conv_kernels.grad_input_pixels
        )
        kernel(
            grad_wide.reshape(-1),
            np.arange(phase.size, dtype=np.int64) * cg,
            front - offset[order],
            starts,
            np.ascontiguousarray(w_sorted.transpose(0, 1, 3, 2)).reshape(-1),
            planes,
            length,
            w.shape[0],
            groups,
        )
        split = _split_from_planes(
            planes[..., :plane].reshape(n_phases, n_samples, n_channels, hq, wq),
            regions,
            split_shape,
        )
    else:
        # one flat reduction per phase over (output channel, the phase's
        # taps): segment s holds og * n_s reads of grad_wide, (o, t) at
        # o * length + front - offset[t], and its weights in that order
        og = w.shape[0] // groups
        blocked = _block_lanes(w_sorted, 2)
        segments = [slice(starts[s], starts[s + 1]) for s in range(n_phases)]
        reads = np.concatenate(
            [
                (np.arange(og)[:, None] * length + front - offset[order][part]).reshape(
                    -1
                )
                for part in segments
            ]
        )
        blocked = np.concatenate(
            [
                blocked[:, :, :, part].reshape(
                    blocked.shape[:2] + (-1, blocked.shape[4])
                )
                for part in segments
            ],
            axis=2,
        ).reshape(blocked.shape)
        split = np.empty(split_shape, dtype=dtype)
        kernel = (
            _conv_kernels.grad_input_parallel if parallel else _conv_kernels.grad_input
        )
        kernel(
            grad_wide.reshape(-1), reads, starts * og, regions, blocked, split, wq, hq
        )
    return _interleave(split, geom[:2], shape)


def _grad_weight(go, pixels, w, geom, groups, phase_shape, phase, offset, parallel):
    """conv2d's weight and bias gradients from the pixel-major phases, summed
    in float64 per fixed chunk of samples, then over chunks in order."""
    n_samples, n_channels = go.shape[0], pixels.shape[3]
    plane = phase_shape[0] * phase_shape[1]
    bounds = _chunk_bounds(n_samples, 8 * w.size, go.size * w[0].size)
    partials = np.zeros((bounds.shape[0] - 1,) + w.shape)
    bias_partials = np.zeros((bounds.shape[0] - 1, w.shape[0]))
    width = _width(w.shape[0] // groups, go.dtype)
    # one input channel and unit steps across: a kernel row's taps are
    # consecutive pixels, so one weight-gradient tile can cover them all
    nv = width // (VECTOR_BYTES // go.dtype.itemsize)
    unit_across = geom[1] == geom[3] == 1 and n_channels == 1
    tap_run = w.shape[3] if unit_across and w.shape[3] <= _MAX_ROWS[nv] else 1
    kernel = (
        _conv_weight_kernels.grad_weight_parallel
        if parallel
        else _conv_weight_kernels.grad_weight
    )
    kernel(
        go,
        pixels.reshape(-1),
        phase * (n_samples * plane) + offset,
        bounds,
        partials,
        bias_partials,
        groups,
        width,
        phase_shape[1],
        plane,
        tap_run,
    )
    return (
        partials.sum(axis=0).astype(go.dtype),
        bias_partials.sum(axis=0).astype(go.dtype),
    )


def conv_output_size(n, kernel, padding=0, stride=1, dilation=1, strict=False):
    """Output size of a convolution along one axis.

    floor((n + 2p - d(F - 1) - 1)/s) + 1, as in PyTorch's ``torch.nn.Conv2d``
    documentation; for an undilated kernel and an exact division this is
    O = (N + 2p - F)/s + 1, the formula of the CS231n notes ("Convolutional
    Neural Networks", Stanford).

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
        raise ValueError(
            f"(N + 2p - F)/s + 1 = ({n} + 2*{padding} - {effective})"
            f"/{stride} + 1 is not an integer"
        )
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
        Filter height and width F.
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
