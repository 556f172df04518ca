"""Reference 2-D convolution in plain NumPy by im2col.

The oracle for :mod:`fastapml.nn.functional`'s direct convolution: same
signatures, independent arithmetic, and its own output geometry
(:func:`conv_geometry`), so that this module imports nothing from fastapml
outside ``fastapml.reference``.

im2col: every receptive field of the padded input becomes a row of a matrix
(here a strided view, copied by ``tensordot``), so the convolution is one
matrix product per group and its gradients are two more.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _pair(value, name, low):
    """An int or a pair of ints as a pair of ints >= ``low``."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or any(int(v) != v or v < low for v in pair):
        raise ValueError(
            f"{name} must be an int >= {low} or a pair of them, got {value!r}"
        )
    return tuple(int(v) for v in pair)


def conv_geometry(input_shape, weight_shape, stride, padding, dilation, groups):
    """Paddings, strides, dilations and output size of a convolution.

    Along each axis, with input size n, padding p_lo + p_hi, kernel size F,
    dilation d and stride s, the kernel covers d (F - 1) + 1 inputs and the
    output has floor((n + p_lo + p_hi - d (F - 1) - 1) / s) + 1 positions
    (the shape formula of ``torch.nn.Conv2d``'s documentation).
    ``padding="same"`` pads d (F - 1) in all, the odd one at the bottom or
    right, as PyTorch does; it needs stride 1.

    Parameters
    ----------
    input_shape : (N, C_in, H, W)
        Shape of the input.
    weight_shape : (C_out, C_in / groups, F_h, F_w)
        Shape of the weights.
    stride : int or (int, int)
        Step between output positions, >= 1.
    padding : int, (int, int), "same" or "valid"
        Zeros on both sides of each axis, or a rule.
    dilation : int or (int, int)
        Spacing between kernel taps, >= 1.
    groups : int
        Number of channel groups; divides C_in and C_out.

    Returns
    -------
    pads : (top, bottom, left, right)
        Zeros added on each side.
    geom : (s_h, s_w, d_h, d_w)
        Strides and dilations.
    out_hw : (H_out, W_out)
        Output height and width.
    """
    _, c_in, h, w = input_shape
    c_out, c_group, kh, kw = weight_shape
    stride = _pair(stride, "stride", 1)
    dilation = _pair(dilation, "dilation", 1)
    groups = int(groups)
    if groups < 1 or c_in % groups or c_out % groups or c_group * groups != c_in:
        raise ValueError(
            f"groups={groups} must divide the input channels ({c_in}) and the "
            f"output channels ({c_out}), and the weight must take "
            f"{c_in} / groups input channels, not {c_group}"
        )
    reach = (dilation[0] * (kh - 1), dilation[1] * (kw - 1))
    if not isinstance(padding, str):
        ph, pw = _pair(padding, "padding", 0)
        pads = (ph, ph, pw, pw)
    elif padding == "valid":
        pads = (0, 0, 0, 0)
    elif padding == "same":
        if stride != (1, 1):
            raise ValueError(f"padding='same' needs stride 1, got {stride}")
        top, left = reach[0] // 2, reach[1] // 2
        pads = (top, reach[0] - top, left, reach[1] - left)
    else:
        raise ValueError(
            f"padding must be an int, a pair, 'same' or 'valid', got {padding!r}"
        )
    padded = (h + pads[0] + pads[1], w + pads[2] + pads[3])
    if reach[0] >= padded[0] or reach[1] >= padded[1]:
        raise ValueError(
            f"the dilated kernel ({reach[0] + 1} x {reach[1] + 1}) is larger than "
            f"the padded input ({padded[0]} x {padded[1]})"
        )
    out_hw = tuple((padded[i] - reach[i] - 1) // stride[i] + 1 for i in range(2))
    return pads, stride + dilation, out_hw


def _columns(x, weight, stride, padding, dilation, groups):
    """Padded receptive fields, (N, G, C_in/G, H_out, W_out, F_h, F_w), with
    the pads and (s_h, s_w, d_h, d_w) of :func:`conv_geometry`."""
    x, weight = np.asarray(x), np.asarray(weight)
    pads, (sh, sw, dh, dw), _ = conv_geometry(
        x.shape, weight.shape, stride, padding, dilation, groups
    )
    top, bottom, left, right = pads
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    kh, kw = weight.shape[2:]
    win = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    win = win[:, :, ::sh, ::sw, ::dh, ::dw]
    n, c = x.shape[:2]
    return win.reshape((n, groups, c // groups) + win.shape[2:]), pads, (sh, sw, dh, dw)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation, as ``torch.nn.functional.conv2d``.

    out[n, o, i, j] = b[o] + sum_{c,y,x} W[o, c, y, x] x_p[n, g c_g + c, i s + y d,
    j s + x d], with x_p the padded input and g the group of output channel o.

    Parameters
    ----------
    input : array (N, C_in, H, W)
        The input batch.
    weight : array (C_out, C_in / groups, F_h, F_w)
        The filters.
    bias : array (C_out,), optional
        One bias per output channel.
    stride : int or (int, int), default 1
        As :func:`conv_geometry`.
    padding : int, (int, int), "same" or "valid", default 0
        As :func:`conv_geometry`.
    dilation : int or (int, int), default 1
        As :func:`conv_geometry`.
    groups : int, default 1
        As :func:`conv_geometry`.

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out)
        The convolution.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    cols, _, _ = _columns(input, weight, stride, padding, dilation, groups)
    w = np.asarray(weight).reshape((groups, -1) + np.shape(weight)[1:])
    # per group: (N, Ho, Wo, cg*F*F) @ (cg*F*F, C_out/G)
    out = np.stack(
        [
            np.tensordot(cols[:, g], w[g], axes=([1, 4, 5], [1, 2, 3]))
            for g in range(groups)
        ],
        axis=3,
    )  # N, Ho, Wo, G, C_out/G
    out = out.reshape(out.shape[:3] + (-1,)).transpose(0, 3, 1, 2)
    if bias is not None:
        out = out + np.asarray(bias)[:, None, None]
    return np.ascontiguousarray(out)


def conv2d_backward(
    grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1
):
    """Gradients of :func:`conv2d` with respect to input, weight and bias, by col2im.

    Parameters
    ----------
    grad_output : array (N, C_out, H_out, W_out)
        dL/d(output).
    input : array (N, C_in, H, W)
        The forward's input.
    weight : array (C_out, C_in / groups, F_h, F_w)
        The forward's filters.
    stride : int or (int, int), default 1
        As :func:`conv_geometry`.
    padding : int, (int, int), "same" or "valid", default 0
        As :func:`conv_geometry`.
    dilation : int or (int, int), default 1
        As :func:`conv_geometry`.
    groups : int, default 1
        As :func:`conv_geometry`.

    Returns
    -------
    grad_input : ndarray, shape (N, C_in, H, W)
        dL/d(input).
    grad_weight : ndarray, shape (C_out, C_in / groups, F_h, F_w)
        dL/d(weight).
    grad_bias : ndarray, shape (C_out,)
        dL/d(bias).
    """
    x, weight = np.asarray(input), np.asarray(weight)
    cols, pads, (sh, sw, dh, dw) = _columns(
        x, weight, stride, padding, dilation, groups
    )
    go = np.asarray(grad_output)
    n, _, ho, wo = go.shape
    go = go.reshape(n, groups, -1, ho, wo)
    w = weight.reshape((groups, -1) + weight.shape[1:])
    grad_weight = np.concatenate(
        [
            np.tensordot(go[:, g], cols[:, g], axes=([0, 2, 3], [0, 2, 3]))
            for g in range(groups)
        ]
    )
    top, bottom, left, right = pads
    gxp = np.zeros(
        (n, x.shape[1], x.shape[2] + top + bottom, x.shape[3] + left + right),
        dtype=np.result_type(go, weight),
    )
    cg, kh, kw = weight.shape[1:]
    for g in range(groups):
        dcols = np.tensordot(go[:, g], w[g], axes=([1], [0]))  # N, Ho, Wo, cg, F_h, F_w
        for y in range(kh):
            for xx in range(kw):
                gxp[
                    :,
                    g * cg : (g + 1) * cg,
                    y * dh : y * dh + sh * (ho - 1) + 1 : sh,
                    xx * dw : xx * dw + sw * (wo - 1) + 1 : sw,
                ] += dcols[..., y, xx].transpose(0, 3, 1, 2)
    grad_input = gxp[:, :, top : top + x.shape[2], left : left + x.shape[3]]
    return np.ascontiguousarray(grad_input), grad_weight, go.sum(axis=(0, 3, 4)).ravel()
