"""``GMMHMM``: hmmlearn's HMM with a Gaussian mixture per state, on
fastapml's mixture and forward-backward kernels."""

import numbers

import numpy as np
from sklearn import cluster

from .._validation import check_float_array, check_probabilities, check_scalar
from ..mixture.em import scatter_about, shifts
from . import _hmm_file
from ._base import BaseHMM
from ._covariances import (
    broadcast_prior,
    check_covars,
    full_matrices,
    initial_covars,
)
from ._gaussian_base import GaussianEmissionsHMM
from .monitor import ConvergenceMonitor

# hmmlearn's default covariance priors per covariance_type, as functions of
# (n_mix, n_features): (covars_prior, covars_weight)
_DEFAULT_COVARS_PRIORS = {
    "full": lambda m, d: (0.0, -(1.0 + d + 1.0)),
    "tied": lambda m, d: (0.0, -(m + d + 1.0)),
    "diag": lambda m, d: (-1.5, 0.0),
    "spherical": lambda m, d: (-(m + 2.0) / 2.0, 0.0),
}


class GMMHMM(GaussianEmissionsHMM):
    r"""Hidden Markov model with Gaussian-mixture emissions.

    A drop-in for ``hmmlearn.hmm.GMMHMM``: the same constructor, attributes
    and methods, and the same answers on the same parameters, including
    hmmlearn's initialization (k-means over all frames, then k-means of each
    state's frames) and its M-step (whose covariance sums are taken about
    the previous iteration's means).  State s emits
    :math:`p(x \mid s) = \sum_m w_{sm} N(x; \mu_{sm}, \Sigma_{sm})`; the
    K * n_mix components run through the kernels of
    :class:`fastapml.mixture.GaussianMixture` in one pass per iteration,
    and the sufficient statistics of each component accumulate in fixed
    chunks, so results do not depend on the number of threads.

    Parameters
    ----------
    n_components : int, default=1
        Number of hidden states K.
    n_mix : int, default=1
        Mixture components per state M.
    min_covar : float, default=1e-3
        Added to the diagonal of the data covariance that initializes
        ``covars_``.
    startprob_prior, transmat_prior : float or array, default=1.0
        Dirichlet concentrations of the start and transition M-steps.
    weights_prior : float or array, default=1.0
        Dirichlet concentration of the mixture weights' M-step.
    means_prior, means_weight : float or array, default=0.0
        Normal prior on the component means: its mean and precision weight.
    covars_prior, covars_weight : float, array or None, default=None
        Inverse-gamma ("spherical", "diag") or inverse-Wishart ("full",
        "tied") prior on the covariances; None takes hmmlearn's defaults for
        the covariance type (which make the M-step a maximum-likelihood
        one).  Unlike hmmlearn, ``fit`` leaves these parameters as given.
    algorithm : {"viterbi", "map"}, default="viterbi"
        Decoder used by :meth:`decode` and :meth:`predict`.
    covariance_type : {"diag", "spherical", "full", "tied"}, default="diag"
        Each component's covariance: one variance, a diagonal, a full
        matrix, or one full matrix shared by the components of a state
        ("tied", as in hmmlearn: not shared across states).
    random_state : int, RandomState or None, default=None
        Seeds the initialization (Dirichlet start and transitions, k-means)
        and :meth:`sample`.  As in hmmlearn, a state with fewer frames than
        ``n_mix`` draws its initial means from NumPy's global generator.
    n_iter : int, default=10
        Maximum number of EM iterations.
    tol : float, default=1e-2
        EM stops when the log-likelihood gains less than this.
    verbose : bool, default=False
        Print each EM iteration's log-likelihood to stderr.
    params, init_params : str, default="stmcw"
        Parameters updated by EM / initialized before it: any of ``"s"``,
        ``"t"``, ``"m"`` (means), ``"c"`` (covars), ``"w"`` (weights).
    implementation : {"log", "scaling"}, default="log"
        Accepted for compatibility; both run fastapml's scaled
        forward-backward with its log-space fallback.

    Attributes
    ----------
    n_features : int
        Dimension d of the observations.
    startprob_ : ndarray of shape (K,)
    transmat_ : ndarray of shape (K, K)
    weights_ : ndarray of shape (K, M)
        Mixture weights of each state.
    means_ : ndarray of shape (K, M, d)
    covars_ : ndarray
        (K, M) "spherical", (K, M, d) "diag", (K, M, d, d) "full",
        (K, d, d) "tied".
    monitor_ : ConvergenceMonitor
        EM's log-likelihood history and convergence test.

    See Also
    --------
    fastapml.hmm.GaussianHMM : One Gaussian per state.

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.hmm import GMMHMM
    >>> rng = np.random.RandomState(0)
    >>> X = np.concatenate([rng.randn(200, 2), rng.randn(200, 2) + 6])
    >>> model = GMMHMM(n_components=2, n_mix=2, random_state=0).fit(X)
    >>> np.bincount(model.predict(X)).tolist()
    [200, 200]
    """

    _DIRICHLET_PRIORS = BaseHMM._DIRICHLET_PRIORS + ("weights_prior",)
    _REAL_PRIORS = ("means_prior", "means_weight", "covars_prior", "covars_weight")
    _PARAM_CODES = "stmcw"
    _EMISSION_PARAMETERS = ("weights_", "means_", "covars_")
    _FILE_KIND = "fastapml.hmm.GMMHMM"
    _FILE_SCALARS = {
        **_hmm_file.COMMON_SCALARS,
        "n_mix": "iu",
        "covariance_type": "U",
        "min_covar": "fiu",
    }
    _FILE_PRIORS = _DIRICHLET_PRIORS + _REAL_PRIORS
    _FILE_OPTIONAL = ("covars_prior", "covars_weight")
    _FILE_ARRAYS = {
        name: name for name in ("startprob_", "transmat_", *_EMISSION_PARAMETERS)
    }

    def __init__(
        self,
        n_components=1,
        n_mix=1,
        min_covar=1e-3,
        startprob_prior=1.0,
        transmat_prior=1.0,
        weights_prior=1.0,
        means_prior=0.0,
        means_weight=0.0,
        covars_prior=None,
        covars_weight=None,
        algorithm="viterbi",
        covariance_type="diag",
        random_state=None,
        n_iter=10,
        tol=1e-2,
        verbose=False,
        params="stmcw",
        init_params="stmcw",
        implementation="log",
    ):
        self.n_components = n_components
        self.n_mix = n_mix
        self.min_covar = min_covar
        self.startprob_prior = startprob_prior
        self.transmat_prior = transmat_prior
        self.weights_prior = weights_prior
        self.means_prior = means_prior
        self.means_weight = means_weight
        self.covars_prior = covars_prior
        self.covars_weight = covars_weight
        self.algorithm = algorithm
        self.covariance_type = covariance_type
        self.random_state = random_state
        self.n_iter = n_iter
        self.tol = tol
        self.verbose = verbose
        self.params = params
        self.init_params = init_params
        self.implementation = implementation
        # hmmlearn creates the monitor here, so users can swap it before fit.
        self.monitor_ = ConvergenceMonitor(tol, n_iter, verbose)

    @property
    def _n_mix(self):
        return self.n_mix

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        check_scalar(self.n_mix, "n_mix", numbers.Integral, low=1)

    def _covars_shape(self):
        k, m, d = self.n_components, self.n_mix, self.n_features
        return {
            "spherical": (k, m),
            "diag": (k, m, d),
            "full": (k, m, d, d),
            "tied": (k, d, d),
        }[self.covariance_type]

    def _emission_checks(self):
        k, m = self.n_components, self.n_mix
        self.weights_ = check_probabilities(self.weights_, "weights_", 2, (k, m))
        self.means_ = check_float_array(self.means_, "means_", 3, dtype=np.float64)
        if self.means_.shape[:2] != (k, m):
            raise ValueError(
                f"means_ must have shape (n_components={k}, n_mix={m}, "
                f"n_features), got {self.means_.shape}"
            )
        self.n_features = self.means_.shape[2]
        self.covars_ = check_covars(
            self.covars_,
            self.covariance_type,
            self._covars_shape(),
            level="semidefinite",
        )
        self._priors()  # the priors broadcast to their parameters' shapes

    def _priors(self):
        """The priors broadcast to their per-component shapes (hmmlearn's
        ``_fix_priors_shape``, without changing the parameters)."""
        k, m, d = self.n_components, self.n_mix, self.n_features
        default_prior, default_weight = _DEFAULT_COVARS_PRIORS[self.covariance_type](
            m, d
        )
        covars_prior = default_prior if self.covars_prior is None else self.covars_prior
        covars_weight = (
            default_weight if self.covars_weight is None else self.covars_weight
        )
        shapes = {
            "full": ((k, m, d, d), (k, m)),
            "tied": ((k, d, d), (k,)),
            "diag": ((k, m, d), (k, m, d)),
            "spherical": ((k, m), (k, m)),
        }[self.covariance_type]
        return {
            "weights": broadcast_prior(self.weights_prior, "weights_prior", (k, m)),
            "means": broadcast_prior(self.means_prior, "means_prior", (k, m, d)),
            "lambdas": broadcast_prior(self.means_weight, "means_weight", (k, m)),
            "covars": broadcast_prior(covars_prior, "covars_prior", shapes[0]),
            "covars_weight": broadcast_prior(covars_weight, "covars_weight", shapes[1]),
        }

    # ------------------------------------------------------------------
    # emissions
    # ------------------------------------------------------------------
    def _components(self):
        k, m, d = self.n_components, self.n_mix, self.n_features
        covars = self.covars_
        covariance_type = self.covariance_type
        if covariance_type == "tied":  # one matrix per state, not per model
            covars = np.repeat(covars, m, axis=0)
            covariance_type = "full"
        else:
            covars = covars.reshape((k * m,) + covars.shape[2:])
        return (
            self.weights_.ravel(),
            self.means_.reshape(k * m, d),
            covars,
            (covariance_type),
        )

    def _init_emissions(self, X):
        k, m = self.n_components, self.n_mix
        init_means = self._needs_init("m", "means_")
        # hmmlearn runs its k-means even when the means are not initialized;
        # with an integer seed that work has no effect, so it is skipped
        # (with None or a RandomState it draws from a shared generator)
        seeded = isinstance(self.random_state, numbers.Integral)
        means = self._kmeans_means(X) if init_means or not seeded else None
        if self._needs_init("w", "weights_"):
            self.weights_ = np.full((k, m), 1.0 / m)
        if init_means:
            self.means_ = means
        self._init_covars(X)

    def _kmeans_means(self, X):
        """hmmlearn's initial means: k-means of all frames into states, then
        of each state's frames into its components (a state with fewer
        frames than components draws them from NumPy's global generator)."""
        k, m = self.n_components, self.n_mix
        main = cluster.KMeans(n_clusters=k, random_state=self.random_state, n_init=10)
        labels = main.fit_predict(X)
        centroid = main.cluster_centers_.mean(axis=0)
        cv = None
        means = []
        for label in range(k):
            members = X[labels == label]
            if members.shape[0] >= m:
                kmeans = cluster.KMeans(
                    n_clusters=m, random_state=self.random_state, n_init=10
                )
                means.append(kmeans.fit(members).cluster_centers_)
            else:
                if cv is None:
                    cv = initial_covars(X, self.min_covar, "tied", 1)
                means.append(np.random.multivariate_normal(centroid, cov=cv, size=m))
        return np.stack(means)

    def _init_covars(self, X):
        k, m = self.n_components, self.n_mix
        if self._needs_init("c", "covars_"):
            cv = initial_covars(X, self.min_covar, "tied", 1)
            shape = {
                "tied": (k,),
                "full": (k, m),
                "diag": (k, m),
                "spherical": (k, m),
            }[self.covariance_type]
            if self.covariance_type in ("tied", "full"):
                self.covars_ = np.broadcast_to(cv, shape + cv.shape).copy()
            elif self.covariance_type == "diag":
                self.covars_ = np.broadcast_to(np.diag(cv), shape + cv.shape[:1]).copy()
            else:
                self.covars_ = np.full(shape, cv.mean())

    def _emission_m_step(self, stats):
        """hmmlearn's M-step: weights, then means, then covariances from
        sums about the previous means (``c_n``) and the prior's terms."""
        model, s0, s1, s2, post_sum = stats
        k, m, d = self.n_components, self.n_mix, self.n_features
        priors = self._priors()
        post_mix = s0.reshape(k, m)
        if "w" in self.params:
            alphas = priors["weights"] - 1
            self.weights_ = (post_mix + alphas) / (post_sum + alphas.sum(axis=1))[
                :, None
            ]
        lambdas, mus = priors["lambdas"], priors["means"]
        if "m" in self.params:
            obs = (s1 + s0[:, None] * shifts(model, k * m)).reshape(k, m, d)
            m_n = lambdas[:, :, None] * mus + obs
            m_d = post_mix + lambdas
            m_d[(self.weights_ == 0) & (m_n == 0).all(axis=-1)] = 1
            self.means_ = m_n / m_d[:, :, None]
        if "c" not in self.params:
            return
        # sums about the previous means: the shifts themselves
        c_n = scatter_about(s0, s1, s2, model, shifts(model, k * m))
        centered = self.means_ - mus
        psis, nus = priors["covars"], priors["covars_weight"]
        if self.covariance_type == "full":
            c_n = c_n.reshape(k, m, d, d)
            outer = centered[..., :, None] * centered[..., None, :]
            numer = np.swapaxes(psis, -1, -2) + lambdas[:, :, None, None] * outer
            denom = (post_mix + 1 + nus + d + 1)[:, :, None, None]
        elif self.covariance_type == "tied":
            c_n = c_n.reshape(k, m, d, d).sum(axis=1)
            outer = centered[..., :, None] * centered[..., None, :]
            numer = np.einsum("ij,ijkl->ikl", lambdas, outer) + np.swapaxes(
                psis, -1, -2
            )
            denom = (post_sum + m + nus + d + 1)[:, None, None]
        elif self.covariance_type == "diag":
            c_n = c_n.reshape(k, m, d)
            numer = lambdas[:, :, None] * centered**2 + 2 * nus
            denom = post_mix[:, :, None] + 1 + 2 * (psis + 1)
        else:
            c_n = c_n.reshape(k, m, d).sum(axis=-1)
            numer = lambdas * np.einsum("...i,...i", centered, centered) + 2 * nus
            denom = d * (post_mix + 1) + 2 * (psis + 1)
        self.covars_ = (numer + c_n) / denom

    def _fit_scalars(self):
        k, m, d = self.n_components, self.n_mix, self.n_features
        return {
            "s": k - 1,
            "t": k * (k - 1),
            "m": k * m * d,
            "c": {
                "spherical": k * m,
                "diag": k * m * d,
                "full": k * m * d * (d + 1) // 2,
                "tied": k * d * (d + 1) // 2,
            }[self.covariance_type],
            "w": m - 1,
        }

    def _sample_parts(self):
        """Component means and full covariances, and hmmlearn's draw of a
        state's component (``RandomState.choice`` with its weights)."""
        k, m, d = self.n_components, self.n_mix, self.n_features
        _, means, covars, covariance_type = self._components()
        full = full_matrices(covars, covariance_type, k * m, d)

        def pick(state, rs):
            return state * m + rs.choice(m, p=self.weights_[state])

        return means, full, pick
