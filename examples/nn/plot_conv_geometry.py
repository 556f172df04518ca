r"""
Convolution geometry: stride, padding and output size
=====================================================

Along each axis, a convolution with kernel size :math:`F`, zero padding
:math:`p` on both sides, stride :math:`s` and dilation :math:`d` maps
:math:`N` inputs to

.. math::

    O = \left\lfloor \frac{N + 2p - d(F - 1) - 1}{s} \right\rfloor + 1

outputs, which is :math:`(N + 2p - F)/s + 1` for an undilated kernel whose
windows tile the padded input exactly.  This example checks
:func:`fastapml.nn.functional.conv_output_size` against the shapes that
:func:`fastapml.nn.functional.conv2d` returns, then draws the feature maps
of an edge filter for a few strides and paddings.
"""

from importlib import resources

import matplotlib.pyplot as plt
import numpy as np

from fastapml.nn import functional as F

# %%
# The formula against the actual output shape
# -------------------------------------------
# ``strict=True`` raises unless :math:`(N + 2p - F)/s` is an integer, that
# is unless no input row is left over at the bottom (the CS231n rule);
# ``conv2d`` itself, like PyTorch, simply drops the leftover rows.

rng = np.random.default_rng(0)
print(" N  F  p  s  d   formula  conv2d  exact tiling")
for n, f, p, s, d in [
    (32, 5, 2, 1, 1),
    (32, 3, 1, 2, 1),
    (7, 3, 0, 2, 1),
    (8, 3, 0, 2, 1),
    (29, 3, 0, 3, 2),
    (10, 4, 1, 3, 1),
]:
    size = F.conv_output_size(n, f, padding=p, stride=s, dilation=d)
    x = rng.normal(size=(1, 1, n, n))
    w = rng.normal(size=(1, 1, f, f))
    out = F.conv2d(x, w, stride=s, padding=p, dilation=d)
    try:
        F.conv_output_size(n, f, padding=p, stride=s, dilation=d, strict=True)
        exact = "yes"
    except ValueError:
        exact = "no"
    row = f"{n:2d} {f:2d} {p:2d} {s:2d} {d:2d}"
    print(f"{row}   {size:7d}  {out.shape[-1]:6d}  {exact}")

# %%
# Feature maps for several strides and paddings
# ---------------------------------------------
# A 64x64 grayscale image (the demo photo shipped with fastapml, averaged
# over 4x4 blocks) is convolved with a 3x3 Sobel filter that responds to
# vertical edges.  Each map is drawn at its own size in pixels: padding 1
# keeps the 64x64 size at stride 1, no padding loses one pixel per side,
# and stride :math:`s` keeps about one output in :math:`s` per axis.  The
# zeros of the padding also make the image border an edge: the bright
# columns at the left and right of the padded maps.

with resources.as_file(resources.files("fastapml") / "data" / "demo_image.npz") as f:
    photo = np.load(f)["image"]  # (256, 256) uint8
image = photo.reshape(64, 4, 64, 4).mean(axis=(1, 3)) / 255.0
sobel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])

settings = [(1, 0), (1, 1), (2, 1), (3, 0)]  # (stride, padding)
fig, axes = plt.subplots(1, 5, figsize=(10, 2.8), layout="constrained")
axes[0].imshow(image, cmap="gray", extent=(0, 64, 64, 0))
axes[0].set_title("input\n64x64", fontsize=9)
for ax, (s, p) in zip(axes[1:], settings):
    out = F.conv2d(image[None, None], sobel[None, None], stride=s, padding=p)[0, 0]
    assert out.shape[0] == F.conv_output_size(64, 3, padding=p, stride=s)
    h, w = out.shape
    ax.imshow(np.abs(out), cmap="magma", extent=(0, w, h, 0))
    ax.set_title(f"stride {s}, padding {p}\n{h}x{w}", fontsize=9)
for ax in axes:
    ax.set_xlim(0, 64)
    ax.set_ylim(64, 0)
    ax.set_xlabel("column")
axes[0].set_ylabel("row")
fig.suptitle("|Sobel response| drawn in output pixels")
plt.show()
