"""
Gaussian mixtures and silhouettes on a dask cluster
===================================================

The same estimators take dask arrays and run on the current
``distributed.Client``: :meth:`fastapml.mixture.GaussianMixture.fit` makes
each EM iteration one dask reduction over the row blocks, and
:func:`fastapml.cluster.silhouette_score` adds up row-block tiles.  This
example starts a small local cluster, fits on a ``.npy`` file read lazily by
the workers, checks that the answers equal the in-memory ones, and draws which
worker ran which task.
"""

# %%
# A local cluster and data read by the workers
# --------------------------------------------
# Two workers with one thread each.  They are threads of this process
# (``processes=False``), so the example also runs as a plain script; process
# workers, or a scheduler on other machines, run the same code unchanged.
# :func:`fastapml.scaleout.from_npy` gives a dask array whose tasks each map
# their own rows of the file.
import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from dask.distributed import Client, LocalCluster, get_task_stream
from dask.utils import key_split

from fastapml.cluster import silhouette_score
from fastapml.mixture import GaussianMixture
from fastapml.scaleout import from_npy

rng = np.random.default_rng(0)
centers = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0], [5.0, 5.0]])
X = centers[rng.integers(4, size=200_000)] + rng.normal(size=(200_000, 2))
path = os.path.join(tempfile.mkdtemp(), "X.npy")
np.save(path, X)

cluster = LocalCluster(
    n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
)
client = Client(cluster)
X_dask = from_npy(path, rows_per_chunk=25_000)
print(X_dask)

# %%
# Fit in memory, and on the cluster
# ---------------------------------
# Both fits start from scikit-learn's ``"random_from_data"`` initialization
# (means at random rows) with the same seed.  On a dask array the
# initialization sees every row of X up to 200,000 rows
# (``fastapml.mixture.em_dask.INIT_SAMPLES``; beyond that, a random subsample
# of that many), so here both fits start from the same parameters and go
# through the same iterations.  ``get_task_stream`` records every task the
# workers run.
params = {"n_components": 4, "init_params": "random_from_data", "random_state": 0}
in_memory = GaussianMixture(**params).fit(X)
with get_task_stream() as stream:
    on_dask = GaussianMixture(**params).fit(X_dask)
print("iterations:", on_dask.n_iter_, in_memory.n_iter_)
print(f"max |means difference|: {np.abs(on_dask.means_ - in_memory.means_).max():.1e}")
print(f"lower bounds: {on_dask.lower_bound_:.12f} {in_memory.lower_bound_:.12f}")

# %%
# ``predict`` on a dask array is lazy and keeps X's row chunks.
labels = on_dask.predict(X_dask)
print(labels)
labels = labels.compute()
print("same labels:", np.array_equal(labels, in_memory.predict(X)))

# %%
# Silhouettes on the cluster
# --------------------------
# The exact silhouette costs :math:`O(n^2)` distances, so this scores the
# first 10,000 rows; the workers compute each pair of row blocks once.
Xs, ls = X_dask[:10_000].rechunk((2_500, 2)), labels[:10_000]
score = silhouette_score(Xs, ls)
print(
    f"silhouette: dask {score:.15f}, in memory {silhouette_score(X[:10_000], ls):.15f}"
)

client.close()
cluster.close()
os.remove(path)

# %%
# Who ran what
# ------------
# Each bar is one task, on the worker that ran it, during the first few EM
# iterations.  Every iteration is one wave of eight tasks, the statistics of
# one row block each (read from the file by the task itself), followed by the
# task that adds them up; between waves, the client runs the M-step and
# sends the new parameters.  With blocks this small the tasks take
# milliseconds and dask's own overhead is a large part of each iteration;
# larger blocks (``from_npy``'s default is about 64 MiB) amortize it.
colors = {"block_statistics": "tab:blue", "add_all": "tab:red"}
workers = sorted({task["worker"] for task in stream.data})
runs = [
    (key_split(task["key"]), workers.index(task["worker"]), s["start"], s["stop"])
    for task in stream.data
    for s in task["startstops"]
    if s["action"] == "compute" and key_split(task["key"]) in colors
]
t0 = min(start for _, _, start, _ in runs)
fig, (ax, means) = plt.subplots(
    1, 2, figsize=(10, 3.5), width_ratios=(2, 1), layout="constrained"
)
for kind, row, start, stop in runs:
    if kind == "add_all":  # a fraction of a millisecond: drawn as a tick
        ax.vlines(1e3 * (start - t0), row - 0.4, row + 0.4, color="tab:red", lw=2)
    else:
        ax.barh(row, 1e3 * (stop - start), left=1e3 * (start - t0), color="tab:blue")
ax.set(
    xlim=(-10, 400),
    ylim=(-0.6, 2.2),
    yticks=range(len(workers)),
    yticklabels=[f"worker {i}" for i in range(len(workers))],
    xlabel="milliseconds since the first EM task",
    title=f"The first EM iterations (of {on_dask.n_iter_}) on the workers",
)
ax.legend(
    [plt.Rectangle((0, 0), 1, 1, color=c) for c in colors.values()],
    ["statistics of a row block", "sum of the blocks"],
    fontsize="small",
    loc="upper right",
    ncols=2,
)

means.scatter(*X[::50].T, s=1, color="0.7")
means.plot(*in_memory.means_.T, "o", mfc="none", ms=10, label="in memory")
means.plot(*on_dask.means_.T, "x", color="tab:red", ms=8, label="on dask")
means.set(title="Fitted means", xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
means.legend(fontsize="small", loc="lower right")
plt.show()
