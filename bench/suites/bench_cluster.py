"""asv suites for fastapml.cluster.

``python -m bench.compare.cluster`` and ``python -m bench.compare.spectral``
run full-size comparisons against scikit-learn in one process.
"""

import numpy as np
from sklearn import metrics as skm
from sklearn.datasets import make_blobs, make_moons

from .common import (
    CACHES,
    Benchmark,
    FirstCallBenchmark,
    fastapml_module,
    quality,
    speedup,
)

cluster = fastapml_module("fastapml.cluster")

METRICS = ["euclidean", "sqeuclidean", "manhattan", "chebyshev", "cosine"]
DTYPES = ["float32", "float64"]
SIZES = {"5k": (5_000, 16, 10), "20k": (20_000, 16, 10)}  # n, d, k


def _blobs(size, dtype):
    n, d, k = SIZES[size]
    X, labels = make_blobs(n_samples=n, n_features=d, centers=k, random_state=0)
    return X.astype(dtype), labels


class Silhouette(Benchmark):
    """silhouette_score per metric, dtype and size (blobs, K = 10, d = 16)."""

    params = (["euclidean", "cosine"], DTYPES, list(SIZES))
    param_names = ["metric", "dtype", "size"]
    timed = ("silhouette_score",)

    def make(self, metric, dtype, size):
        self.X, self.labels = _blobs(size, dtype)

    def warm_up(self, metric, dtype, size):
        cluster.silhouette_score(self.X[:100], self.labels[:100], metric=metric)

    def silhouette_score(self, metric, dtype, size):
        cluster.silhouette_score(self.X, self.labels, metric=metric)


class SilhouetteMemory(Silhouette):
    """Peak memory of silhouette_score (euclidean, float64) at 5,000 and
    20,000 points: O(n) extra memory, never the n x n distance matrix."""

    params = (["euclidean"], ["float64"], list(SIZES))
    timed = ()
    peak_memory = ("silhouette_score",)
    time_silhouette_score = None  # Silhouette's, not measured again here


class SilhouetteAgreement(Benchmark):
    """Largest difference between silhouette_samples and scikit-learn's on
    the same 2,000 points (blobs, K = 10, d = 16), per metric and dtype."""

    params = (["euclidean", "manhattan", "cosine"], DTYPES)
    param_names = ["metric", "dtype"]
    requires = ("fastapml.cluster.silhouette_samples",)

    def make(self, metric, dtype):
        d, k = SIZES["5k"][1:]
        self.X, self.labels = make_blobs(
            n_samples=2_000, n_features=d, centers=k, random_state=0
        )
        self.X = self.X.astype(dtype)

    def warm_up(self, metric, dtype):
        """Nothing: the figure is not a time."""

    @quality(better="lower", tolerance=1e-5)
    def track_max_abs_difference_vs_sklearn(self, metric, dtype):
        ours = cluster.silhouette_samples(self.X, self.labels, metric=metric)
        theirs = skm.silhouette_samples(
            self.X.astype(np.float64), self.labels, metric=metric
        )
        return float(np.abs(ours - theirs).max())

    track_max_abs_difference_vs_sklearn.unit = "silhouette"


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


class Validity(Benchmark):
    """calinski_harabasz_score and davies_bouldin_score (blobs, K = 10,
    d = 16), and their largest relative difference from scikit-learn's."""

    params = (["calinski_harabasz_score", "davies_bouldin_score"], list(SIZES))
    param_names = ["index", "size"]
    timed = ("score",)
    requires = ("fastapml.cluster.davies_bouldin_score",)

    def make(self, index, size):
        self.X, self.labels = _blobs(size, "float64")

    def warm_up(self, index, size):
        getattr(cluster, index)(self.X[:100], self.labels[:100])

    def score(self, index, size):
        getattr(cluster, index)(self.X, self.labels)

    @quality(better="lower", tolerance=1e-9)
    def track_relative_difference_vs_sklearn(self, index, size):
        ours = getattr(cluster, index)(self.X, self.labels)
        theirs = getattr(skm, index)(self.X, self.labels)
        return abs(ours / theirs - 1)


class Spectral(Benchmark):
    """SpectralClustering per affinity: two moons (3,000 points) and blobs
    (rbf builds a dense n x n affinity, so it runs on 2,000 points)."""

    params = (["nearest_neighbors", "rbf"], ["moons", "blobs"])
    param_names = ["affinity", "data"]
    timed = ("fit",)
    requires = ("fastapml.cluster.SpectralClustering",)

    def make(self, affinity, data):
        n = 3_000 if affinity == "nearest_neighbors" else 2_000
        if data == "moons":
            self.X, self.truth = make_moons(n_samples=n, noise=0.05, random_state=0)
            self.k = 2
        else:
            self.X, self.truth = make_blobs(
                n_samples=n, n_features=10, centers=8, random_state=0
            )
            self.k = 8

    def warm_up(self, affinity, data):
        """Nothing to compile: SpectralClustering (fastapml/cluster/spectral.py)
        builds on SciPy and scikit-learn, with no numba kernel of its own."""

    def fit(self, affinity, data):
        return cluster.SpectralClustering(
            self.k, affinity=affinity, n_neighbors=10, random_state=0
        ).fit(self.X)

    @quality(better="higher", tolerance=0.01)
    def track_ari(self, affinity, data):
        """Adjusted Rand index of the clusters against the true labels."""
        labels = self.fit(affinity, data).labels_
        return skm.adjusted_rand_score(self.truth, labels)

    track_ari.unit = "ARI"


class FirstCall(FirstCallBenchmark):
    """Import plus the first silhouette_score on 300 points in a fresh
    interpreter, with a cold or the cached numba cache."""

    params = (["float64"], CACHES)
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
