"""Reference 2-D convolution in plain NumPy by im2col (see fastapml.nn.functional
for the fast, direct one).  Same signatures; arguments are checked by the same
geometry helper, the arithmetic is independent.

im2col: every receptive field of the padded input becomes a row of a matrix
(here a strided view, copied by ``tensordot``), so the convolution is one
matrix product per group and its gradients are two more.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..nn.functional import _geometry


def _columns(x, weight, stride, padding, dilation, groups):
    """Padded receptive fields, (N, G, C_in/G, H_out, W_out, F_h, F_w), and the geometry."""
    x, weight = np.asarray(x), np.asarray(weight)
    pads, (sh, sw, dh, dw), _ = _geometry(x.shape, weight.shape, stride, padding,
                                          dilation, groups)
    top, bottom, left, right = pads
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    kh, kw = weight.shape[2:]
    win = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    win = win[:, :, ::sh, ::sw, ::dh, ::dw]
    n, c = x.shape[:2]
    return win.reshape((n, groups, c // groups) + win.shape[2:]), pads, (sh, sw, dh, dw)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """out[n, o, i, j] = b[o] + sum_{c,y,x} W[o, c, y, x] x_p[n, g c_g + c, i s + y d, j s + x d]."""
    cols, _, _ = _columns(input, weight, stride, padding, dilation, groups)
    w = np.asarray(weight).reshape((groups, -1) + np.shape(weight)[1:])
    # per group: (N, Ho, Wo, cg*F*F) @ (cg*F*F, C_out/G)
    out = np.stack([np.tensordot(cols[:, g], w[g], axes=([1, 4, 5], [1, 2, 3]))
                    for g in range(groups)], axis=3)           # N, Ho, Wo, G, C_out/G
    out = out.reshape(out.shape[:3] + (-1,)).transpose(0, 3, 1, 2)
    if bias is not None:
        out = out + np.asarray(bias)[:, None, None]
    return np.ascontiguousarray(out)


def conv2d_backward(grad_output, input, weight, stride=1, padding=0, dilation=1,
                    groups=1):
    """(grad_input, grad_weight, grad_bias) of :func:`conv2d` by col2im."""
    x, weight = np.asarray(input), np.asarray(weight)
    cols, pads, (sh, sw, dh, dw) = _columns(x, weight, stride, padding, dilation, groups)
    go = np.asarray(grad_output)
    n, _, ho, wo = go.shape
    go = go.reshape(n, groups, -1, ho, wo)
    w = weight.reshape((groups, -1) + weight.shape[1:])
    grad_weight = np.concatenate([np.tensordot(go[:, g], cols[:, g], axes=([0, 2, 3], [0, 2, 3]))
                                  for g in range(groups)])
    top, bottom, left, right = pads
    gxp = np.zeros((n, x.shape[1], x.shape[2] + top + bottom, x.shape[3] + left + right),
                   dtype=np.result_type(go, weight))
    cg, kh, kw = weight.shape[1:]
    for g in range(groups):
        dcols = np.tensordot(go[:, g], w[g], axes=([1], [0]))   # N, Ho, Wo, cg, F_h, F_w
        for y in range(kh):
            for xx in range(kw):
                gxp[:, g * cg:(g + 1) * cg,
                    y * dh:y * dh + sh * (ho - 1) + 1:sh,
                    xx * dw:xx * dw + sw * (wo - 1) + 1:sw] += dcols[..., y, xx].transpose(0, 3, 1, 2)
    grad_input = gxp[:, :, top:top + x.shape[2], left:left + x.shape[3]]
    return np.ascontiguousarray(grad_input), grad_weight, go.sum(axis=(0, 3, 4)).ravel()
