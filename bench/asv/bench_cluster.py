"""asv benchmarks for fastapml.cluster (run: asv run --python=same --quick).

bench/compare_cluster.py runs the issue's full-size comparisons against
scikit-learn in one process.
"""

from sklearn import metrics as skm
from sklearn.datasets import make_blobs, make_moons

from fastapml.cluster import SpectralClustering, silhouette_score

from ._first_call import first_call, prepare

METRICS = ["euclidean", "sqeuclidean", "manhattan", "chebyshev", "cosine"]
DTYPES = ["float32", "float64"]
SIZES = {"small": (2_000, 16, 10), "medium": (10_000, 16, 10)}   # n, d, k


def _blobs(size, dtype):
    n, d, k = SIZES[size]
    X, labels = make_blobs(n_samples=n, n_features=d, centers=k,
                           random_state=0)
    return X.astype(dtype), labels


class Silhouette:
    """silhouette_score per metric, dtype and size (blobs, K = 10, d = 16)."""
    params = (METRICS, DTYPES, list(SIZES))
    param_names = ["metric", "dtype", "size"]
    timeout = 300

    def setup(self, metric, dtype, size):
        self.X, self.labels = _blobs(size, dtype)
        silhouette_score(self.X[:100], self.labels[:100], metric=metric)

    def time_silhouette_score(self, metric, dtype, size):
        silhouette_score(self.X, self.labels, metric=metric)

    def peakmem_silhouette_score(self, metric, dtype, size):
        silhouette_score(self.X, self.labels, metric=metric)


class SilhouetteSpeedup:
    """Speed-up of silhouette_score over scikit-learn's (euclidean, 5,000
    points), best of three calls each."""
    timeout = 300

    def setup(self):
        self.X, self.labels = make_blobs(n_samples=5_000, n_features=16,
                                         centers=10, random_state=0)
        silhouette_score(self.X[:100], self.labels[:100])

    def track_speedup_vs_sklearn(self):
        import timeit
        ours = min(timeit.repeat(lambda: silhouette_score(self.X, self.labels),
                                 number=1, repeat=3))
        theirs = min(timeit.repeat(
            lambda: skm.silhouette_score(self.X, self.labels), number=1,
            repeat=3))
        return theirs / ours

    track_speedup_vs_sklearn.unit = "x"


class Spectral:
    """SpectralClustering per affinity: two moons (3,000 points) and blobs
    (rbf is dense, so it runs on 2,000 points)."""
    params = (["nearest_neighbors", "rbf"], ["moons", "blobs"])
    param_names = ["affinity", "data"]
    timeout = 300

    def setup(self, affinity, data):
        n = 3_000 if affinity == "nearest_neighbors" else 2_000
        if data == "moons":
            self.X, _ = make_moons(n_samples=n, noise=0.05, random_state=0)
            self.k = 2
        else:
            self.X, _ = make_blobs(n_samples=n, n_features=10, centers=8,
                                   random_state=0)
            self.k = 8
        self.affinity = affinity

    def time_fit(self, affinity, data):
        SpectralClustering(self.k, affinity=affinity, n_neighbors=10,
                           random_state=0).fit(self.X)

    def peakmem_fit(self, affinity, data):
        SpectralClustering(self.k, affinity=affinity, n_neighbors=10,
                           random_state=0).fit(self.X)


_FIRST_CALL = """
import time
start = time.perf_counter()
import numpy as np
from fastapml.cluster import silhouette_score
X = np.random.default_rng(0).normal(size=(300, 4)).astype({!r})
silhouette_score(X, np.arange(300) % 3)
print(time.perf_counter() - start)
"""


class FirstCall:
    """Import plus the first silhouette_score in a fresh interpreter: 'cold'
    with an empty NUMBA_CACHE_DIR (numba compiles), 'cached' with the usual
    cache (numba loads)."""
    params = (DTYPES, ["cold", "cached"])
    param_names = ["dtype", "cache"]
    timeout = 600

    def setup(self, dtype, cache):
        prepare(_FIRST_CALL.format(dtype), cache)

    def track_first_call(self, dtype, cache):
        return first_call(_FIRST_CALL.format(dtype), cache)

    track_first_call.unit = "seconds"


def timeraw_import_cluster():
    """Import time of fastapml.cluster in a fresh interpreter."""
    return "import fastapml.cluster"
