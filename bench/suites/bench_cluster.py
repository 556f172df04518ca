"""asv suites for fastapml.cluster.

``python -m bench.compare.cluster`` and ``python -m bench.compare.spectral``
run full-size comparisons against scikit-learn in one process.
"""

from sklearn import metrics as skm
from sklearn.datasets import make_blobs, make_moons

from fastapml import cluster

from .common import CACHES, Benchmark, FirstCallBenchmark, speedup

METRICS = ["euclidean", "sqeuclidean", "manhattan", "chebyshev", "cosine"]
DTYPES = ["float32", "float64"]
SIZES = {"small": (2_000, 16, 10), "medium": (10_000, 16, 10)}  # n, d, k


def _blobs(size, dtype):
    n, d, k = SIZES[size]
    X, labels = make_blobs(n_samples=n, n_features=d, centers=k, random_state=0)
    return X.astype(dtype), labels


class Silhouette(Benchmark):
    """silhouette_score per metric, dtype and size (blobs, K = 10, d = 16)."""

    params = (METRICS, DTYPES, list(SIZES))
    param_names = ["metric", "dtype", "size"]
    timed = peak_memory = ("silhouette_score",)

    def make(self, metric, dtype, size):
        self.X, self.labels = _blobs(size, dtype)

    def warm_up(self, metric, dtype, size):
        cluster.silhouette_score(self.X[:100], self.labels[:100], metric=metric)

    def silhouette_score(self, metric, dtype, size):
        cluster.silhouette_score(self.X, self.labels, metric=metric)


class SilhouetteSpeedup(Benchmark):
    """Speed-up of silhouette_score over scikit-learn's (euclidean, 5,000
    points), best of three calls each."""

    def make(self):
        self.X, self.labels = make_blobs(
            n_samples=5_000, n_features=16, centers=10, random_state=0
        )

    def warm_up(self):
        cluster.silhouette_score(self.X[:100], self.labels[:100])

    def track_speedup_vs_sklearn(self):
        return speedup(
            lambda: cluster.silhouette_score(self.X, self.labels),
            lambda: skm.silhouette_score(self.X, self.labels),
        )

    track_speedup_vs_sklearn.unit = "x"


class Spectral(Benchmark):
    """SpectralClustering per affinity: two moons (3,000 points) and blobs
    (rbf builds a dense n x n affinity, so it runs on 2,000 points)."""

    params = (["nearest_neighbors", "rbf"], ["moons", "blobs"])
    param_names = ["affinity", "data"]
    timed = peak_memory = ("fit",)

    def make(self, affinity, data):
        n = 3_000 if affinity == "nearest_neighbors" else 2_000
        if data == "moons":
            self.X, _ = make_moons(n_samples=n, noise=0.05, random_state=0)
            self.k = 2
        else:
            self.X, _ = make_blobs(
                n_samples=n, n_features=10, centers=8, random_state=0
            )
            self.k = 8

    def warm_up(self, affinity, data):
        """Nothing to compile: SpectralClustering (fastapml/cluster/spectral.py)
        builds on SciPy and scikit-learn, with no numba kernel of its own."""

    def fit(self, affinity, data):
        cluster.SpectralClustering(
            self.k, affinity=affinity, n_neighbors=10, random_state=0
        ).fit(self.X)


class FirstCall(FirstCallBenchmark):
    """Import plus the first silhouette_score on 300 points in a fresh
    interpreter, with a cold or the cached numba cache."""

    params = (DTYPES, CACHES)
    param_names = ["dtype", "cache"]

    def snippet(self, dtype):
        return f"""
            import numpy as np
            from fastapml.cluster import silhouette_score
            X = np.random.default_rng(0).normal(size=(300, 4)).astype({dtype!r})
            silhouette_score(X, np.arange(300) % 3)
        """


def timeraw_import_cluster():
    """Import time of fastapml.cluster in a fresh interpreter."""
    return "import fastapml.cluster"
