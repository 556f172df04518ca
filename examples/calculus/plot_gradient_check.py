r"""
Checking gradients with finite differences
==========================================

A hand-written gradient is checked against central differences,
:math:`g_i \approx (f(x + h e_i) - f(x - h e_i)) / 2h`.  The error of that
approximation has two parts: truncation, :math:`O(h^2)`, which wants a small
step, and the rounding of :math:`f`, :math:`O(\epsilon / h)`, which wants a
large one.  Their sum is smallest near :math:`h = \epsilon^{1/3}`, the step
:func:`fastapml.optimize.numerical_gradient` takes (scaled by
:math:`\max(1, |x_i|)`).  :func:`fastapml.optimize.check_grad` compares the
two gradients component by component and reports the worst.
"""

import matplotlib.pyplot as plt
import numpy as np

from fastapml.optimize import check_grad, numerical_gradient

# %%
# A logistic-regression loss and its gradient
# -------------------------------------------
# :math:`f(w) = \frac1n \sum_k \log(1 + e^{x_k^\top w}) - y_k x_k^\top w +
# \frac\alpha2 \lVert w \rVert^2`, with gradient
# :math:`\frac1n X^\top(\sigma(Xw) - y) + \alpha w`.

rng = np.random.default_rng(0)
X = rng.normal(size=(100, 6))
y = (X @ rng.normal(size=6) + rng.normal(size=100) > 0).astype(float)
w0 = rng.normal(size=6)
alpha = 0.5


def loss(w):
    z = X.astype(w.dtype) @ w
    return np.mean(np.logaddexp(0, z) - y.astype(w.dtype) * z) + alpha / 2 * w @ w


def grad(w):
    p = 1 / (1 + np.exp(-(X @ w)))
    return X.T @ (p - y) / len(y) + alpha * w


# %%
# Error against the step size
# ---------------------------
# The relative error of the first component, for forward differences
# :math:`(f(x + h e_1) - f(x)) / h` (truncation :math:`O(h)`, best near
# :math:`\sqrt\epsilon`) and central differences, in float64 and float32.
# Each curve is V-shaped on a log-log scale; the dotted lines mark
# :math:`\epsilon^{1/3}` of each dtype.  In float32, steps below about
# :math:`10^{-7}` leave :math:`f` unchanged (error 1), and smaller ones
# round to no step at all.

exact = grad(w0)[0]
steps = np.logspace(-15, -0.5, 59)
curves = {"forward, float64": [], "central, float64": [], "central, float32": []}
for h in steps:
    e = np.zeros(6)
    e[0] = h
    curves["forward, float64"].append((loss(w0 + e) - loss(w0)) / h)
    curves["central, float64"].append((loss(w0 + e) - loss(w0 - e)) / (2 * h))
    up, down = (w0 + e).astype(np.float32), (w0 - e).astype(np.float32)
    step = np.float64(up[0]) - np.float64(down[0])  # the step as stored
    # below float32's resolution the step rounds to zero: no point there
    central32 = (loss(up) - loss(down)) / step if step else np.nan
    curves["central, float32"].append(central32)

fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
for label, values in curves.items():
    error = np.abs(np.array(values) - exact) / abs(exact)
    ax.loglog(steps, np.maximum(error, 1e-17), "o-", ms=3, label=label)
for dtype, color in ((np.float64, "tab:orange"), (np.float32, "tab:green")):
    ax.axvline(np.finfo(dtype).eps ** (1 / 3), color=color, ls=":")
ax.set(xlabel="step $h$", ylabel="relative error of $g_1$", ylim=(1e-13, 10))
ax.set_title("Truncation (right) against round-off (left)")
ax.grid(alpha=0.3, which="major")
ax.legend()
plt.show()

numerical = numerical_gradient(loss, w0)
print(f"numerical_gradient, component 1: {abs(numerical[0] - exact) / abs(exact):.1e}")

# %%
# A wrong gradient is caught
# --------------------------
# A common slip: the regularizer's gradient written as :math:`2\alpha w`
# instead of :math:`\alpha w`.  The correct gradient agrees with the
# numerical one to about :math:`\epsilon^{2/3} \approx 10^{-10}`; the wrong
# one is off by order 1 in every component, and ``check_grad`` names the worst.


def wrong_grad(w):
    return grad(w) + alpha * w


right = check_grad(loss, grad, w0)
wrong = check_grad(loss, wrong_grad, w0)
print(f"correct gradient: worst error {right.error:.1e} at {right.index}")
print(f"wrong gradient:   worst error {wrong.error:.2f} at {wrong.index}")

fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
components = np.arange(1, 7)
floor = np.finfo(np.float64).eps ** (1 / 3)  # check_grad's default
for offset, (label, result) in zip((-0.2, 0.2), [("correct", right), ("wrong", wrong)]):
    a, n = result.analytic, result.numerical
    scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    error = np.abs(a - n) / scale
    ax.bar(components + offset, np.maximum(error, 1e-17), width=0.4, label=label)
ax.set_yscale("log")
ax.set(xlabel="component $i$", ylabel="relative error", xticks=components)
ax.set_title("check_grad: analytic against numerical gradient")
ax.legend(loc="center left", bbox_to_anchor=(1, 0.5))
plt.show()
