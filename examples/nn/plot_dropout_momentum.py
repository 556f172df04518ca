r"""
Dropout and momentum
====================

Two training devices of convolutional networks, each on a small picture.
Inverted dropout (:func:`fastapml.nn.functional.dropout`) zeroes each unit
with probability :math:`p` and scales the kept ones by :math:`1/(1-p)`, so
the expected output equals the input.  Momentum (:class:`fastapml.nn.SGD`
with ``momentum > 0``) accumulates a velocity
:math:`v \leftarrow \mu v - \eta \nabla f`, :math:`w \leftarrow w + v`,
which speeds descent along the shallow directions of an ill-conditioned loss.
"""

import matplotlib.pyplot as plt
import numpy as np

from fastapml.nn import SGD, Parameter
from fastapml.nn import functional as F

# %%
# Dropout on an activation map
# ----------------------------
# A smooth 16x16 activation map goes through dropout with :math:`p = 0.5`:
# about half of the units are zeroed and the others doubled.  Averaged over
# many independent masks, the output returns to the input, which is why the
# network needs no rescaling at evaluation (``training=False`` passes the
# input through unchanged).

yy, xx = np.mgrid[0:16, 0:16] / 15.0
activation = np.exp(-((xx - 0.4) ** 2 + (yy - 0.6) ** 2) / 0.1).astype(np.float32)

p = 0.5
rng = np.random.default_rng(0)
# dropout_with_mask also returns the mask, which the backward pass needs
out, mask = F.dropout_with_mask(activation, p=p, training=True, random_state=rng)
mean_out = np.mean(
    [F.dropout(activation, p=p, random_state=rng) for _ in range(2000)], axis=0
)
print(f"kept {mask.mean():.2f} of the units")
print(f"max |mean of 2000 outputs - input|: {np.abs(mean_out - activation).max():.3f}")

panels = [
    (activation, "input"),
    (mask, f"mask (p = {p}, white: kept)"),
    (out, "output = input * mask / (1 - p)"),
    (mean_out, "mean of 2000 outputs"),
]
fig, axes = plt.subplots(1, 4, figsize=(10, 2.9), layout="constrained")
for ax, (image, title) in zip(axes, panels):
    if image is mask:
        ax.imshow(mask, cmap="gray", vmin=0, vmax=1)
    else:
        im = ax.imshow(image, cmap="magma", vmin=0, vmax=2)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.colorbar(im, ax=axes, shrink=0.8, label="activation")
plt.show()

# %%
# Momentum on an ill-conditioned quadratic
# ----------------------------------------
# :math:`f(w) = \frac12 w^\top A w` with eigenvalues 0.5 and 20 along rotated
# axes (condition number 40).  The same learning rate is used with and
# without momentum; the gradient :math:`A w` is written into the
# :class:`fastapml.nn.Parameter`'s ``grad`` before each ``step()``.  Plain
# SGD quickly settles into the valley and then crawls along it; with
# momentum 0.9 the iterate overshoots across the valley but the velocity
# builds up along it, and the loss is orders of magnitude lower after the
# same number of steps.

angle = np.pi / 6
R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
A = R @ np.diag([0.5, 20.0]) @ R.T


def loss(w):
    return 0.5 * np.einsum("...i,ij,...j->...", w, A, w)


def descend(momentum, lr=0.01, n_steps=100):
    w = Parameter("w", np.array([-4.0, 2.5]))
    optimizer = SGD([w], lr=lr, momentum=momentum)
    path = [w.value.copy()]
    for _ in range(n_steps):
        w.grad[...] = A @ w.value
        optimizer.step()
        path.append(w.value.copy())
    return np.array(path)


paths = {mu: descend(mu) for mu in (0.0, 0.9)}
for mu, path in paths.items():
    print(f"momentum {mu}: loss after 100 steps {loss(path[-1]):.2e}")

grid = np.stack(np.meshgrid(np.linspace(-5, 5, 200), np.linspace(-4, 4, 160)), -1)
fig, (ax, ax_loss) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
ax.contour(
    grid[..., 0],
    grid[..., 1],
    loss(grid),
    levels=np.geomspace(0.05, 150, 14),
    colors="0.7",
    linewidths=0.8,
)
for (mu, path), style in zip(paths.items(), ("o-", "s-")):
    label = f"momentum {mu}"
    ax.plot(path[:, 0], path[:, 1], style, ms=2.5, lw=1, label=label)
    ax_loss.semilogy(loss(path), label=label)
ax.plot(0, 0, "k*", ms=10)
ax.set(xlabel="$w_1$", ylabel="$w_2$", title="SGD trajectories (lr = 0.01)")
ax.set_aspect("equal")
ax.legend(loc="lower right")
ax_loss.set(xlabel="step", ylabel="$f(w)$", title="Loss per step")
ax_loss.grid(alpha=0.3)
ax_loss.legend()
plt.show()
