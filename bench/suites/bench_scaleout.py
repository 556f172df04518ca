"""asv suite for fastapml on dask.distributed.

One suite on a LocalCluster of two worker processes (one thread each),
started in setup and shut down in teardown: GaussianMixture.fit on a dask
array read from a .npy by ``fastapml.scaleout.from_npy`` (10 EM iterations
from given parameters, tol=0), its lazy predict, and silhouette_score in
row-block tiles.  ``python -m bench.compare.scaleout`` runs full sizes
against in-memory fastapml and scikit-learn.
"""

import os
import tempfile
import warnings

import distributed
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .common import Benchmark, fastapml_module

cluster = fastapml_module("fastapml.cluster")
mixture = fastapml_module("fastapml.mixture")
scaleout = fastapml_module("fastapml.scaleout")

# tol=0 and a fixed max_iter by design: "did not converge" says nothing here.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

GMM_SIZE = (200_000, 16, 16)  # n, d, K; diagonal covariances
SILHOUETTE_SIZE = (10_000, 8, 6)  # n, d, clusters
ROW_BLOCKS = 8


class LocalCluster(Benchmark):
    """fit / predict / silhouette on 2 worker processes."""

    timed = ("gmm_fit", "gmm_predict", "silhouette_score")

    def make(self):
        rng = np.random.default_rng(0)
        n, d, k = GMM_SIZE
        centers = rng.normal(scale=5.0, size=(k, d))
        labels = rng.integers(0, k, size=n)
        X = centers[labels] + rng.normal(size=(n, d))
        self.directory = tempfile.TemporaryDirectory()
        path = os.path.join(self.directory.name, "X.npy")
        np.save(path, X)
        self.local_cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=40,
        )
        self.client = distributed.Client(self.local_cluster)
        self.X = scaleout.from_npy(path, rows_per_chunk=-(-n // ROW_BLOCKS))
        self.init = {
            "weights_init": np.full(k, 1 / k),
            "means_init": centers + 0.5,
            "precisions_init": np.ones((k, d)),
        }
        self.model = self._gmm(2).fit(self.X)  # the workers load the kernels too
        n, d, k = SILHOUETTE_SIZE
        labels = rng.integers(0, k, size=n)
        points = rng.normal(scale=4.0, size=(k, d))[labels] + rng.normal(size=(n, d))
        path = os.path.join(self.directory.name, "points.npy")
        np.save(path, points)
        self.points = scaleout.from_npy(path, rows_per_chunk=-(-n // ROW_BLOCKS))
        self.labels = labels

    def warm_up(self):
        cluster.silhouette_score(self.points[:200], self.labels[:200])

    def teardown(self):
        self.client.close()
        self.local_cluster.close()
        self.directory.cleanup()

    def _gmm(self, max_iter):
        return mixture.GaussianMixture(
            GMM_SIZE[2],
            covariance_type="diag",
            tol=0,
            max_iter=max_iter,
            init_params="random_from_data",
            random_state=0,
            **self.init,
        )

    def gmm_fit(self):
        """2 * 10^5 x 16, K = 16, diag, 10 iterations, 8 row blocks."""
        self._gmm(10).fit(self.X)

    def gmm_predict(self):
        self.model.predict(self.X).compute()

    def silhouette_score(self):
        """10^4 x 8, 6 clusters, 8 row blocks (36 tiles)."""
        cluster.silhouette_score(self.points, self.labels)
