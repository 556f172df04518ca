r"""
Deblurring and inpainting with the linear-Gaussian MMSE
=======================================================

With a Gaussian prior :math:`x \sim \mathcal N(\mu, \Sigma)` on an image
:math:`x` (flattened) and observations :math:`y = Hx + \eta`,
:math:`\eta \sim \mathcal N(0, \sigma^2 I)`, the posterior is Gaussian and
its mean, the MMSE estimate, is

.. math::

    \mathbb E[x \mid y] = \mu + \Sigma H^\top (H \Sigma H^\top + \sigma^2 I)^{-1}
    (y - H\mu).

:func:`fastapml.denoise.linear_gaussian_mmse` computes it without forming an
inverse.  The forward operator :math:`H` is a blur for deblurring
(:func:`fastapml.denoise.convolution_operator`) and a selection of the
observed pixels for inpainting (:func:`fastapml.denoise.mask_operator`).
"""

from importlib import resources

import matplotlib.pyplot as plt
import numpy as np

from fastapml.denoise import (
    convolution_operator,
    linear_gaussian_mmse,
    mask_operator,
    psnr,
)

# %%
# A small image and a stationary prior
# ------------------------------------
# A 40x40 crop of the demo photo at half resolution (:math:`n = 1600`
# pixels).  The prior covariance is stationary,
# :math:`\Sigma_{ij} = v\,e^{-\lVert r_i - r_j \rVert / \ell}` with
# :math:`r_i` the position of pixel :math:`i`, :math:`\ell = 6` pixels, and
# the mean and variance :math:`v` taken from the observed pixels.

with resources.as_file(resources.files("fastapml") / "data" / "demo_image.npz") as f:
    photo = np.load(f)["image"]  # (256, 256) uint8
clean = photo[72:152:2, 96:176:2] / 255.0
shape, n = clean.shape, clean.size
rows, cols = np.indices(shape).reshape(2, -1)
distance = np.hypot(rows[:, None] - rows, cols[:, None] - cols)
sigma = 0.01
rng = np.random.default_rng(0)


def prior_covariance(observed):
    return observed.var() * np.exp(-distance / 6.0)


# %%
# Deblurring
# ----------
# The image is blurred by a 7x7 Gaussian kernel (standard deviation 1.5
# pixels) and noise is added.  A blur has tiny singular values, so
# conjugate gradients on :math:`H \Sigma H^\top + \sigma^2 I` need hundreds
# of iterations; at this size ``method="cholesky"`` (which first makes the
# operator dense) is quicker.

kernel = np.outer(*2 * [np.exp(-(np.arange(-3, 4) ** 2) / 4.5)])
kernel /= kernel.sum()
blur = convolution_operator(kernel, shape)
y = blur @ clean.ravel() + rng.normal(0.0, sigma, n)
deblurred = linear_gaussian_mmse(
    y, blur, sigma, y.mean(), prior_covariance(y), method="cholesky"
).reshape(shape)

panels = [
    (clean, "clean"),
    (y.reshape(shape), f"blurred + noise, {psnr(clean, y.reshape(shape)):.2f} dB"),
    (deblurred, f"MMSE, {psnr(clean, deblurred):.2f} dB"),
]
fig, axes = plt.subplots(1, 4, figsize=(10, 2.9), layout="constrained")
axes[0].imshow(kernel, cmap="viridis")
axes[0].set_title("blur kernel (7x7)", fontsize=9)
for ax, (image, title) in zip(axes[1:], panels):
    ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()

# %%
# Inpainting
# ----------
# Only 30% of the pixels are observed, with noise.  :math:`H` keeps those
# rows of the identity as a sparse matrix.  ``return_cov=True`` also gives
# the posterior covariance: its diagonal, the posterior variance, is small at
# the observed pixels and grows with the distance to them.

keep = rng.random(shape) < 0.3
H = mask_operator(keep)
y = H @ clean.ravel() + rng.normal(0.0, sigma, H.shape[0])
mean, cov = linear_gaussian_mmse(
    y, H, sigma, y.mean(), prior_covariance(y), return_cov=True
)
inpainted = mean.reshape(shape)
observed = np.ma.masked_array(H.T @ y, mask=~keep.ravel()).reshape(shape)

fig, axes = plt.subplots(1, 4, figsize=(10, 2.9), layout="constrained")
cmap = plt.get_cmap("gray").with_extremes(bad="tab:blue")
axes[0].imshow(observed, cmap=cmap, vmin=0, vmax=1)
axes[0].set_title("observed (30%, blue: missing)", fontsize=9)
axes[1].imshow(inpainted, cmap="gray", vmin=0, vmax=1)
axes[1].set_title(f"MMSE, {psnr(clean, inpainted):.2f} dB", fontsize=9)
std = axes[2].imshow(np.sqrt(np.diag(cov)).reshape(shape), cmap="magma")
axes[2].set_title("posterior standard deviation", fontsize=9)
fig.colorbar(std, ax=axes[2], shrink=0.8)
axes[3].imshow(clean, cmap="gray", vmin=0, vmax=1)
axes[3].set_title("clean", fontsize=9)
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()
