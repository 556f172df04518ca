r"""
Lagrange multipliers on the unit circle
=======================================

At a minimum or maximum of :math:`f` subject to :math:`g(x) = 0`, the level
set of :math:`f` is tangent to the constraint, so the two gradients are
parallel: :math:`\nabla f = \lambda \nabla g` for a multiplier
:math:`\lambda`, the stationarity condition of the Lagrangian
:math:`L(x, \lambda) = f(x) - \lambda g(x)`.  This example finds such points
on the unit circle :math:`g(x) = x_1^2 + x_2^2 - 1 = 0` with
:func:`fastapml.optimize.minimize_equality` (Newton's method on the KKT
system) and, for a quadratic form, with
:func:`fastapml.optimize.max_on_sphere` and
:func:`fastapml.optimize.min_on_sphere`, and draws the gradients there.
"""

import matplotlib.pyplot as plt
import numpy as np

from fastapml.optimize import max_on_sphere, min_on_sphere, minimize_equality


def circle(v):
    return v[0] ** 2 + v[1] ** 2 - 1


# %%
# A linear function
# -----------------
# For :math:`f(x) = 3x_1 - 4x_2`, :math:`\nabla f = (3, -4)` and
# :math:`\nabla g = 2x`, so the extremes are :math:`\pm(3, -4)/5` with
# :math:`\lambda = \pm 5/2`.  The maximum of :math:`f` is the minimum of
# :math:`-f`, whose multiplier is :math:`-\lambda`.


def f(v):
    return 3 * v[0] - 4 * v[1]


low = minimize_equality(f, x0=[-0.5, 0.5], constraints=circle)
high = minimize_equality(lambda v: -f(v), x0=[0.5, -0.5], constraints=circle)
print(f"min {low.fun:.3f} at {np.round(low.x, 6)}, lambda {low.multipliers[0]:.3f}")
print(
    f"max {-high.fun:.3f} at {np.round(high.x, 6)}, lambda {-high.multipliers[0]:.3f}"
)

# %%
# A quadratic form
# ----------------
# For :math:`f(x) = \lVert Ax \rVert^2`, the condition reads
# :math:`\nabla f = 2A^\top A x = \lambda \cdot 2x`: the stationary points
# are the eigenvectors of :math:`A^\top A` and :math:`\lambda` is the value
# there, so the extremes come from the SVD of :math:`A`.  Newton's
# method on the KKT system finds the same minimum, at :math:`-x_{\min}` (an
# eigenvector is defined up to its sign), with :math:`\lambda = f(x)`.

A = np.array([[2.0, 1.0], [0.5, 1.5]])


def q(v):
    return np.sum(np.tensordot(A, v, axes=1) ** 2, axis=0)


x_max, q_max = max_on_sphere(A)
x_min, q_min = min_on_sphere(A)
newton = minimize_equality(q, x0=[1.0, -1.0], constraints=circle)
print(f"max ||Ax||^2 = {q_max:.4f} at {np.round(x_max, 4)}")
print(f"min ||Ax||^2 = {q_min:.4f} at {np.round(x_min, 4)}")
print(f"Newton: {newton.fun:.4f} at {np.round(newton.x, 4)}, success {newton.success}")
print(f"Newton's multiplier: {newton.multipliers[0]:.4f}")

# %%
# Level sets, constraint and gradients
# ------------------------------------
# At each optimum the unit vectors along :math:`\nabla f` (black) and
# :math:`\nabla g = 2x` (red) lie on one line, pointing the same way where
# :math:`\lambda > 0` and opposite ways where :math:`\lambda < 0`, and the
# level set of :math:`f` through the point (black curve) touches the circle.

grid = np.stack(np.meshgrid(*2 * [np.linspace(-1.6, 1.6, 161)]))
theta = np.linspace(0, 2 * np.pi, 200)
problems = [
    ("$f = 3x_1 - 4x_2$", f, lambda v: np.array([3.0, -4.0]), [low.x, high.x]),
    ("$f = \\|Ax\\|^2$", q, lambda v: 2 * A.T @ A @ v, [x_min, x_max]),
]
arrows = dict(angles="xy", scale_units="xy", width=0.008)
fig, axes = plt.subplots(1, 2, figsize=(9, 4), layout="constrained")
for ax, (title, func, grad, points) in zip(axes, problems):
    values = func(grid)
    ax.contour(*grid, values, levels=15, cmap="viridis", linewidths=0.8)
    ax.plot(np.cos(theta), np.sin(theta), color="tab:red", lw=2)
    for x in points:
        ax.contour(*grid, values, levels=[func(x)], colors="k", linestyles="solid")
        grad_f = grad(x)
        ax.quiver(*x, *(grad_f / np.linalg.norm(grad_f)), scale=1.4, **arrows)
        ax.quiver(*x, *x, color="tab:red", scale=2.5, **arrows)
        ax.plot(*x, "o", color="tab:red", ms=6)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title, aspect="equal")
    ax.set(xlim=(-1.6, 1.6), ylim=(-1.6, 1.6))
handles = [
    plt.Line2D([], [], color="tab:red", lw=2, label="circle, and $\\nabla g$"),
    plt.Line2D([], [], color="k", label="level set, and $\\nabla f$"),
]
axes[0].legend(handles=handles, loc="lower left", fontsize=8)
plt.show()
