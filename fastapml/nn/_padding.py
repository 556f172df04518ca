"""Non-zero padding modes of :class:`~fastapml.nn.Conv2d` (PyTorch's
``padding_mode``): the padded input, and the gradient folded back.

Each padded position copies one input position; :func:`sources` gives it per
axis (``np.pad`` of the positions themselves), so the backward adds each
padded gradient to the position it came from.
"""

import numpy as np

# PyTorch's padding_mode -> np.pad's mode
MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def sources(n, pad, mode):
    """The input position (0..n-1) of each of the n + 2 pad positions."""
    return np.pad(np.arange(n), (pad, pad), mode=MODES[mode])


def check_padding(shape, padding, mode):
    """Raise unless ``mode``'s padding fits an (N, C, H, W) input of
    ``shape``: reflect needs pad < side, circular pad <= side (PyTorch's
    rules)."""
    for side, pad, name in zip(shape[2:], padding, ("height", "width")):
        too_big = pad >= side if mode == "reflect" else pad > side
        if too_big:
            bound = "smaller than" if mode == "reflect" else "at most"
            raise ValueError(
                f"padding_mode={mode!r} needs padding {bound} the input's "
                f"{name} ({side}), got {pad}"
            )


def pad2d(x, padding, mode):
    """(N, C, H, W) -> (N, C, H + 2 p_h, W + 2 p_w) by ``mode``."""
    ph, pw = padding
    return np.ascontiguousarray(
        x[:, :, sources(x.shape[2], ph, mode)][..., sources(x.shape[3], pw, mode)]
    )


def pad2d_backward(grad, padding, mode, shape):
    """The gradient of :func:`pad2d`: each padded position's gradient added
    to its source, as an array of the input's ``shape``."""
    ph, pw = padding
    rows = np.zeros(shape[:3] + (grad.shape[3],), dtype=grad.dtype)
    np.add.at(rows, (slice(None), slice(None), sources(shape[2], ph, mode)), grad)
    out = np.zeros(shape, dtype=grad.dtype)
    np.add.at(out, (Ellipsis, sources(shape[3], pw, mode)), rows)
    return out
