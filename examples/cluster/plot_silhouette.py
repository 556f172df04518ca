"""
Choosing the number of clusters with silhouettes
================================================

The silhouette of a sample compares :math:`a(i)`, its mean distance to the
other members of its cluster, with :math:`b(i)`, its mean distance to the
nearest other cluster: :math:`s(i) = (b(i) - a(i)) / \\max(a(i), b(i))`, from
-1 (probably in the wrong cluster) to 1 (well inside its own).  The classic
plot sorts each cluster's silhouettes into a band; here it is drawn for
Gaussian-mixture labelings with 2 to 5 clusters of data made of four blobs,
with :func:`fastapml.cluster.silhouette_samples` and
:func:`fastapml.cluster.silhouette_score`, checked against scikit-learn.
"""

# %%
# Labelings and their silhouettes
# -------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn import metrics
from sklearn.datasets import make_blobs

from fastapml.cluster import (
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_samples,
    silhouette_score,
)
from fastapml.mixture import GaussianMixture

X, _ = make_blobs(
    n_samples=500,
    centers=[[-6, 8], [-8, 2], [2, 1], [4, 3]],
    cluster_std=1.0,
    random_state=1,
)

results = {}
for k in range(2, 6):
    labels = GaussianMixture(k, random_state=0).fit_predict(X)
    values = silhouette_samples(X, labels)
    score = silhouette_score(X, labels)
    results[k] = labels, values, score
    gap = np.abs(values - metrics.silhouette_samples(X, labels)).max()
    print(
        f"k={k}: silhouette_score={score:.4f}, "
        f"scikit-learn {metrics.silhouette_score(X, labels):.4f}, "
        f"max |per-sample difference| {gap:.1e}"
    )

# %%
# The silhouette plots
# --------------------
# One band per cluster, its silhouettes sorted; the dashed line is the mean,
# :func:`~fastapml.cluster.silhouette_score`.  Three clusters score highest:
# at this scale the two touching blobs on the right look like one cluster.
# Four clusters split them, and the two bands of the split blob stay mostly
# below the mean; five clusters also split one of the blobs on the left, and
# a thin band dips below zero.
colors = plt.get_cmap("tab10").colors
fig, axes = plt.subplots(1, 4, figsize=(10, 4), sharey=True, layout="constrained")
for ax, (k, (labels, values, score)) in zip(axes, results.items()):
    bottom = 10
    for c in range(k):
        band = np.sort(values[labels == c])
        ax.fill_betweenx(
            np.arange(bottom, bottom + band.size), 0, band, color=colors[c], lw=0
        )
        ax.text(-0.08, bottom + band.size / 2, str(c), va="center", ha="right")
        bottom += band.size + 10
    ax.axvline(score, color="k", ls="--", lw=1)
    ax.set(
        title=f"k = {k}, mean {score:.2f}",
        xlim=(-0.2, 1),
        xlabel="silhouette",
        yticks=[],
    )
axes[0].set_ylabel("samples, by cluster")

# %%
# The labelings themselves, in the same colours.
fig, axes = plt.subplots(1, 4, figsize=(10, 2.8), layout="constrained")
for ax, (k, (labels, _, _)) in zip(axes, results.items()):
    ax.scatter(*X.T, c=[colors[c] for c in labels], s=4)
    ax.set(title=f"k = {k}", xticks=[], yticks=[], aspect="equal")
plt.show()

# %%
# Two other internal indices
# --------------------------
# :func:`~fastapml.cluster.calinski_harabasz_score` is the ratio of the
# dispersion between cluster centroids to the dispersion within clusters,
# each per degree of freedom (higher is better);
# :func:`~fastapml.cluster.davies_bouldin_score` averages, over clusters, the
# worst ratio of two clusters' spreads to the distance between their
# centroids (lower is better).  Neither needs the pairwise distances: both
# are two passes over the samples.  They need not agree with the silhouette
# or with each other on the best k.
ks = list(results)
ch = [calinski_harabasz_score(X, results[k][0]) for k in ks]
db = [davies_bouldin_score(X, results[k][0]) for k in ks]
for k, a, b in zip(ks, ch, db):
    labels = results[k][0]
    print(
        f"k={k}: Calinski-Harabasz {a:.1f} (scikit-learn "
        f"{metrics.calinski_harabasz_score(X, labels):.1f}), Davies-Bouldin "
        f"{b:.3f} (scikit-learn {metrics.davies_bouldin_score(X, labels):.3f})"
    )
fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
left.plot(ks, ch, "o-")
left.set(xlabel="k", ylabel="Calinski-Harabasz (higher is better)", xticks=ks)
right.plot(ks, db, "s-", color="C1")
right.set(xlabel="k", ylabel="Davies-Bouldin (lower is better)", xticks=ks)
plt.show()
