"""
Spectral clustering of two moons
================================

k-means cuts the plane into convex cells, so it cannot separate two
interleaved half-moons.  Spectral clustering first builds a graph that links
each point to its nearest neighbours, then embeds the points with the
eigenvectors of the graph Laplacian that have the smallest eigenvalues, and
clusters there, where the moons are far apart.  This example draws the graph,
the eigenvectors computed with :func:`fastapml.cluster.laplacian`, and the
result of :class:`fastapml.cluster.SpectralClustering` next to k-means.
"""

# %%
# The graph
# ---------
# With ``affinity="nearest_neighbors"`` the affinity is the symmetrized kNN
# connectivity :math:`W = (C + C^\top) / 2`, kept sparse; the fitted
# estimator exposes it as ``affinity_matrix_``.
import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse as sp
from matplotlib.collections import LineCollection
from sklearn.cluster import KMeans
from sklearn.datasets import make_moons
from sklearn.metrics import adjusted_rand_score

from fastapml.cluster import SpectralClustering, laplacian

X, moon = make_moons(n_samples=300, noise=0.06, random_state=0)
spectral = SpectralClustering(
    2, affinity="nearest_neighbors", n_neighbors=12, random_state=0
).fit(X)
W = spectral.affinity_matrix_
edges = sp.triu(W, k=1).tocoo()
print(f"{W.shape[0]} nodes, {edges.nnz} edges")

# %%
# The Laplacian and its eigenvectors
# ----------------------------------
# :func:`~fastapml.cluster.laplacian` with ``kind="sym"`` gives
# :math:`L_{sym} = I - D^{-1/2} W D^{-1/2}` (sparse in, sparse out).  Its
# smallest eigenvalue is 0, once per connected component, with eigenvector
# :math:`\sqrt{d}`.  The next one, the Fiedler vector, is low on one moon and
# high on the other, and changes fastest across the few edges that bridge
# them.  The graph is small, so a dense ``eigh`` is enough here; for
# large graphs, use :func:`scipy.sparse.linalg.eigsh`.
L = laplacian(W, kind="sym")
eigenvalues, eigenvectors = np.linalg.eigh(L.toarray())
print("smallest eigenvalues:", eigenvalues[:4].round(4))

fig, (graph, vectors) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
segments = np.stack([X[edges.row], X[edges.col]], axis=1)
graph.add_collection(LineCollection(segments, color="0.6", lw=0.5))
graph.scatter(*X.T, c=eigenvectors[:, 1], cmap="coolwarm", s=12, zorder=2)
graph.set(
    title="12-nearest-neighbour graph, points coloured by the Fiedler vector",
    xlabel="$x_1$",
    ylabel="$x_2$",
    aspect="equal",
)
graph.title.set_fontsize("medium")

order = np.lexsort((X[:, 0], moon))  # moon 0 first, each moon left to right
split = (moon == 0).sum()
position = np.r_[:split, np.nan, split : moon.size]  # no line across the moons
for i in range(3):
    vectors.plot(
        position,
        np.insert(eigenvectors[order, i], split, np.nan),
        lw=1,
        label=rf"$v_{i}$, $\lambda$ = {eigenvalues[i]:.3f}",
    )
vectors.axvline(split, color="k", ls=":", lw=1)
vectors.set(
    title="First eigenvectors of $L_{sym}$",
    xlabel="sample (sorted by moon, then by $x_1$)",
    ylabel="entry",
)
vectors.legend(fontsize="small")

# %%
# Spectral clustering against k-means
# -----------------------------------
# The estimator embeds with these eigenvectors (scaled by
# :math:`D^{-1/2}`) and runs k-means in the embedding; k-means on the raw
# points splits the plane with a straight line instead.  The adjusted Rand
# index compares each labeling with the moons (1: the same partition).
kmeans = KMeans(2, n_init=10, random_state=0).fit_predict(X)
print(
    f"adjusted Rand index, spectral: {adjusted_rand_score(moon, spectral.labels_):.3f}"
)
print(f"adjusted Rand index, k-means:  {adjusted_rand_score(moon, kmeans):.3f}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True, layout="constrained")
for ax, labels, name in zip(
    axes, [spectral.labels_, kmeans], ["SpectralClustering", "k-means"]
):
    ax.scatter(*X.T, c=labels, cmap="coolwarm", s=12)
    ax.set(title=name, xlabel="$x_1$", aspect="equal")
axes[0].set_ylabel("$x_2$")
plt.show()
