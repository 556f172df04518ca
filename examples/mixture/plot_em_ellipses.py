"""
EM for a Gaussian mixture, one iteration at a time
==================================================

Expectation-maximization alternates two steps: the E-step computes each
sample's responsibilities under the current parameters, the M-step re-estimates
weights, means and covariances from them.  Each iteration cannot lower the
log-likelihood.  Here :func:`fastapml.mixture.em_step` runs the iterations by
hand from a poor start, the lower bound is drawn per iteration and the
component ellipses at a few of them; :class:`fastapml.mixture.GaussianMixture`
gives the same sequence.
"""

# %%
# Data and a deliberately poor start
# ----------------------------------
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Ellipse

from fastapml.mixture import GaussianMixture, em_step, precisions_cholesky

rng = np.random.default_rng(0)
X = np.concatenate(
    [
        rng.multivariate_normal([0, 0], [[2.0, 1.2], [1.2, 1.0]], size=300),
        rng.multivariate_normal([5, 1], [[0.4, 0.0], [0.0, 2.0]], size=200),
        rng.multivariate_normal([2, 5], [[1.0, -0.6], [-0.6, 1.0]], size=250),
    ]
)
weights = np.full(3, 1 / 3)
means = np.array([[4.0, 4.0], [4.5, 3.5], [5.0, 4.0]])  # all in one corner
covariances = np.tile(np.eye(2), (3, 1, 1))

# %%
# EM by hand
# ----------
# :func:`~fastapml.mixture.em_step` is one fused pass over X: it returns the
# mean log-likelihood under the parameters it was given (what scikit-learn
# calls the lower bound, ``lower_bound_``) and the M-step's new parameters.
# It takes the Cholesky factors of the precisions, which
# :func:`~fastapml.mixture.precisions_cholesky` computes.
history, lower_bounds = [(weights, means, covariances)], []
for _ in range(40):
    chol = precisions_cholesky(covariances, "full")
    bound, weights, means, covariances = em_step(X, weights, means, chol, "full", 1e-6)
    lower_bounds.append(bound)
    history.append((weights, means, covariances))
print("monotone:", bool(np.all(np.diff(lower_bounds) >= -1e-12)))
print("final lower bound:", round(lower_bounds[-1], 4))

# %%
# The estimator, started from the same parameters, goes through the same
# iterations until its change falls below ``tol``.
w0, m0, c0 = history[0]
gm = GaussianMixture(
    3, weights_init=w0, means_init=m0, precisions_init=np.linalg.inv(c0)
).fit(X)
n = gm.n_iter_
print(f"GaussianMixture: {n} iterations, converged={gm.converged_}")
print("same lower bounds:", np.allclose(gm.lower_bounds_, lower_bounds[:n]))


# %%
# The picture
# -----------
# Ellipses are two standard deviations of each component, with a line width
# that grows with its weight.
def draw(ax, weights, means, covariances, title):
    ax.scatter(X[:, 0], X[:, 1], s=2, color="0.6")
    for k, color in enumerate(["tab:blue", "tab:orange", "tab:green"]):
        values, vectors = np.linalg.eigh(covariances[k])
        angle = np.degrees(np.arctan2(vectors[1, -1], vectors[0, -1]))
        width, height = 4 * np.sqrt(values[::-1])
        ellipse = Ellipse(means[k], width, height, angle=angle, fill=False)
        ellipse.set(color=color, lw=1 + 6 * weights[k])
        ax.add_patch(ellipse)
        ax.plot(*means[k], "x", color=color)
    ax.set(title=title, xticks=[], yticks=[], xlim=(-5, 8.5), ylim=(-4, 9))


shown = [0, 2, 6, 40]
fig, axes = plt.subplot_mosaic(
    [["bound", "a", "b"], ["bound", "c", "d"]], figsize=(10, 4.5), layout="constrained"
)
ax = axes["bound"]
ax.plot(np.arange(1, 41), lower_bounds, "o-", ms=3)
ax.set_ylim(lower_bounds[1] - 0.2, lower_bounds[-1] + 0.1)
ax.annotate(
    f"iteration 1: {lower_bounds[0]:.1f}",
    xy=(1, lower_bounds[1] - 0.2),
    xytext=(8, lower_bounds[1] - 0.05),
    arrowprops={"arrowstyle": "->"},
)
ax.set(
    xlabel="iteration", ylabel="mean log-likelihood", title="Lower bound per iteration"
)
for name, it in zip("abcd", shown):
    draw(axes[name], *history[it], f"after {it} iterations")
plt.show()
