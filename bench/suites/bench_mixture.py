"""asv suites for fastapml.mixture.

Every fit starts from given parameters (weights_init, means_init,
precisions_init) and runs tol=0 with a fixed max_iter, so each call does the
same number of EM iterations; ``python -m bench.compare.gmm`` runs full-size
comparisons against scikit-learn.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from .common import (
    CACHES,
    Benchmark,
    FirstCallBenchmark,
    fastapml_module,
    quality,
    speedup,
)

mixture = fastapml_module("fastapml.mixture")

# tol=0 and a fixed max_iter by design: "did not converge" says nothing here.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
warnings.filterwarnings("ignore", message=r"(?i).*did not converge")

DTYPES = ["float32", "float64"]
SIZES = {"small": (10_000, 8, 8), "medium": (100_000, 16, 16)}  # n, d, k
MAX_ITER = 10


def _data(size, covariance_type, dtype, seed=0):
    """Points from a random mixture and starting parameters near the truth."""
    n, d, k = SIZES[size]
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=5.0, size=(k, d))
    weights = rng.dirichlet(np.full(k, 5.0))
    scales = rng.uniform(0.5, 1.5, size=(k, d))
    labels = rng.choice(k, size=n, p=weights)
    X = centers[labels] + rng.standard_normal((n, d)) * scales[labels]
    var = scales**2
    precisions = {
        "full": np.array([np.diag(1 / v) for v in var]),
        "tied": np.diag(1 / var.mean(axis=0)),
        "diag": 1 / var,
        "spherical": 1 / var.mean(axis=1),
    }[covariance_type]
    init = {
        "weights_init": weights,
        "means_init": centers + rng.normal(scale=0.5, size=(k, d)),
        "precisions_init": precisions,
    }
    return X.astype(dtype), init


def _model(cls, covariance_type, init, max_iter=MAX_ITER):
    return cls(
        len(init["weights_init"]),
        covariance_type=covariance_type,
        tol=0,
        max_iter=max_iter,
        init_params="random_from_data",
        random_state=0,
        **init,
    )


class Fit(Benchmark):
    """GaussianMixture.fit, 10 EM iterations: small 10^4 x 8, K = 8;
    medium 10^5 x 16, K = 16."""

    params = (["full", "diag"], DTYPES, list(SIZES))
    param_names = ["covariance_type", "dtype", "size"]
    timed = ("fit",)

    def make(self, covariance_type, dtype, size):
        self.X, self.init = _data(size, covariance_type, dtype)

    def warm_up(self, covariance_type, dtype, size):
        _model(mixture.GaussianMixture, covariance_type, self.init, 1).fit(self.X[:200])

    def fit(self, covariance_type, dtype, size):
        _model(mixture.GaussianMixture, covariance_type, self.init).fit(self.X)


class Predict(Benchmark):
    """predict and score_samples on 10^5 x 16, K = 16."""

    params = (["full", "diag"], DTYPES)
    param_names = ["covariance_type", "dtype"]
    timed = ("predict", "score_samples")
    peak_memory = ("predict",)

    def make(self, covariance_type, dtype):
        self.X, init = _data("medium", covariance_type, dtype)
        self.model = _model(mixture.GaussianMixture, covariance_type, init, 2).fit(
            self.X
        )

    def warm_up(self, covariance_type, dtype):
        self.model.predict(self.X[:10])
        self.model.score_samples(self.X[:10])

    def predict(self, covariance_type, dtype):
        self.model.predict(self.X)

    def score_samples(self, covariance_type, dtype):
        self.model.score_samples(self.X)


class Chunks(Benchmark):
    """partial_fit over 10 chunks of 10^4 rows, and fit_chunks on the same
    chunks (10 iterations), 16 features, K = 16."""

    params = (["full", "diag"], ["float64"])
    param_names = ["covariance_type", "dtype"]
    timed = ("partial_fit", "fit_chunks")

    def make(self, covariance_type, dtype):
        self.X, self.init = _data("medium", covariance_type, dtype)
        self.chunks = np.array_split(self.X, 10)

    def warm_up(self, covariance_type, dtype):
        model = _model(mixture.GaussianMixture, covariance_type, self.init, 1)
        model.partial_fit(self.X[:200])
        model.fit_chunks([self.X[:100], self.X[100:200]])

    def partial_fit(self, covariance_type, dtype):
        model = _model(mixture.GaussianMixture, covariance_type, self.init)
        for chunk in self.chunks:
            model.partial_fit(chunk)

    def fit_chunks(self, covariance_type, dtype):
        _model(mixture.GaussianMixture, covariance_type, self.init).fit_chunks(
            self.chunks
        )


class SpeedupVsSklearn(Benchmark):
    """sklearn's fit time / fastapml's, small size (10^4 x 8, K = 8),
    float64, same start, 10 iterations each; best of 3 calls per library."""

    params = ["full", "diag"]
    param_names = ["covariance_type"]

    def make(self, covariance_type):
        self.X, self.init = _data("small", covariance_type, "float64")

    def warm_up(self, covariance_type):
        _model(mixture.GaussianMixture, covariance_type, self.init, 1).fit(self.X[:200])

    def track_speedup_vs_sklearn(self, covariance_type):
        from sklearn.mixture import GaussianMixture as Peer

        return speedup(
            lambda: _model(mixture.GaussianMixture, covariance_type, self.init).fit(
                self.X
            ),
            lambda: _model(Peer, covariance_type, self.init).fit(self.X),
        )

    track_speedup_vs_sklearn.unit = "x"


class Quality(Benchmark):
    """What a fit computes, small size (10^4 x 8, K = 8), float64, from the
    same start as scikit-learn's, 10 iterations each: the final lower bound
    (mean log-likelihood per sample) and the fraction of samples that both
    libraries assign to the same component."""

    params = ["full", "diag"]
    param_names = ["covariance_type"]

    def make(self, covariance_type):
        from sklearn.mixture import GaussianMixture as Peer

        X, init = _data("small", covariance_type, "float64")
        self.ours = _model(mixture.GaussianMixture, covariance_type, init).fit(X)
        self.theirs = _model(Peer, covariance_type, init).fit(X)
        self.X = X

    def warm_up(self, covariance_type):
        """Nothing: make fitted both models."""

    @quality(better="higher", tolerance=1e-6)
    def track_lower_bound(self, covariance_type):
        return float(self.ours.lower_bound_)

    track_lower_bound.unit = "nats/sample"

    @quality(better="higher", tolerance=1e-4)
    def track_label_agreement_vs_sklearn(self, covariance_type):
        return float(np.mean(self.ours.predict(self.X) == self.theirs.predict(self.X)))

    track_label_agreement_vs_sklearn.unit = "fraction"

    @quality(better="lower", tolerance=1e-8)
    def track_lower_bound_difference_vs_sklearn(self, covariance_type):
        return abs(float(self.ours.lower_bound_ - self.theirs.lower_bound_))

    track_lower_bound_difference_vs_sklearn.unit = "nats/sample"


class FirstFit(FirstCallBenchmark):
    """Import plus the first fit (default k-means init, 2 iterations) in a
    fresh interpreter, with a cold or the cached numba cache."""

    params = (["full"], CACHES)
    param_names = ["covariance_type", "cache"]

    def snippet(self, covariance_type):
        return f"""
            import warnings
            import numpy as np
            from fastapml.mixture import GaussianMixture
            warnings.simplefilter("ignore")
            X = np.random.default_rng(0).normal(size=(500, 4))
            GaussianMixture(
                3, covariance_type={covariance_type!r}, max_iter=2, random_state=0
            ).fit(X)
        """

    # asv has recorded this suite's results as track_first_fit, the name it
    # had before the shared FirstCallBenchmark existed
    track_first_fit = FirstCallBenchmark.track_first_call
    track_first_call = None


def timeraw_import_mixture():
    """Import time of fastapml.mixture in a fresh interpreter."""
    return "import fastapml.mixture"
