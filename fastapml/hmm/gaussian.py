"""``GaussianHMM``: hmmlearn's HMM with Gaussian emissions, on fastapml's
mixture and forward-backward kernels."""

import numbers

import numpy as np
from sklearn import cluster

from .._validation import check_float_array, check_scalar
from ..mixture.em import scatter_about, shifts
from . import _hmm_file
from ._base import BaseHMM
from ._covariances import (
    broadcast_prior,
    check_covariance_type,
    check_covars,
    full_matrices,
    initial_covars,
)
from ._gaussian_base import GaussianEmissionsHMM
from .monitor import ConvergenceMonitor


class GaussianHMM(GaussianEmissionsHMM):
    r"""Hidden Markov model with Gaussian emissions.

    A drop-in for ``hmmlearn.hmm.GaussianHMM``: the same constructor,
    attributes and methods, and the same answers on the same parameters
    (log-likelihoods, paths, posteriors, and fitted parameters after the
    same iterations from the same start; its k-means initialization is
    hmmlearn's, scikit-learn's ``KMeans``).  Each EM iteration takes two
    passes over the data: every state's log-density of every frame (the
    Cholesky-based kernel of :class:`fastapml.mixture.GaussianMixture`),
    then, after forward-backward, the sufficient statistics
    :math:`\sum_t \gamma_t(k)`, :math:`\sum_t \gamma_t(k) x_t` and
    :math:`\sum_t \gamma_t(k) x_t x_t^T` in fixed chunks added in order, so
    results do not depend on the number of threads.  float32 data is
    processed in float32 (forward-backward runs in float64).

    Parameters
    ----------
    n_components : int, default=1
        Number of hidden states K.
    covariance_type : {"diag", "spherical", "full", "tied"}, default="diag"
        One variance per state ("spherical"), a diagonal ("diag") or full
        ("full") covariance per state, or one full covariance for all
        states ("tied").
    min_covar : float, default=1e-3
        Added to the diagonal of the data covariance that initializes
        ``covars_``.
    startprob_prior, transmat_prior : float or array, default=1.0
        Dirichlet concentrations of the start and transition M-steps
        (``max(prior - 1 + expected_counts, 0)``, normalized).
    means_prior, means_weight : float or array, default=0
        Normal prior on the means: its mean and precision weight.
    covars_prior, covars_weight : float or array, default=1e-2 and 1
        Inverse-gamma ("spherical", "diag") or inverse-Wishart ("full",
        "tied") prior on the covariances, as hmmlearn applies it.
    algorithm : {"viterbi", "map"}, default="viterbi"
        Decoder used by :meth:`decode` and :meth:`predict`.
    random_state : int, RandomState or None, default=None
        Seeds the initialization (Dirichlet start and transitions, k-means)
        and :meth:`sample`.
    n_iter : int, default=10
        Maximum number of EM iterations.
    tol : float, default=1e-2
        EM stops when the log-likelihood gains less than this.
    verbose : bool, default=False
        Print each EM iteration's log-likelihood to stderr.
    params, init_params : str, default="stmc"
        Parameters updated by EM / initialized before it: any of ``"s"``
        (startprob), ``"t"`` (transmat), ``"m"`` (means), ``"c"`` (covars).
    implementation : {"log", "scaling"}, default="log"
        Accepted for compatibility; both run fastapml's scaled
        forward-backward, which falls back to log space where scaling would
        underflow, so "scaling" never fails on underflow as hmmlearn's does.

    Attributes
    ----------
    n_features : int
        Dimension d of the observations.
    startprob_ : ndarray of shape (K,)
        Initial-state probabilities.
    transmat_ : ndarray of shape (K, K)
        Transition probabilities; rows are the current state.
    means_ : ndarray of shape (K, d)
        Mean of each state.
    covars_ : ndarray of shape (K, d, d)
        Each state's covariance as a full matrix (hmmlearn's getter); set it
        in the layout of ``covariance_type``: (K,) "spherical", (K, d)
        "diag", (K, d, d) "full", (d, d) "tied".
    monitor_ : ConvergenceMonitor
        EM's log-likelihood history and convergence test.

    See Also
    --------
    fastapml.hmm.GMMHMM : A Gaussian mixture per state.
    fastapml.mixture.GaussianMixture : The same densities without a chain.

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.hmm import GaussianHMM
    >>> model = GaussianHMM(n_components=2, covariance_type="diag")
    >>> model.startprob_ = np.array([0.5, 0.5])
    >>> model.transmat_ = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> model.means_ = np.array([[0.0], [5.0]])
    >>> model.covars_ = np.array([[1.0], [1.0]])
    >>> model.predict(np.array([[0.2], [-0.1], [4.8], [5.3]])).tolist()
    [0, 0, 1, 1]
    """

    _REAL_PRIORS = ("means_prior", "means_weight", "covars_prior", "covars_weight")
    _PARAM_CODES = "stmc"
    _EMISSION_PARAMETERS = ("means_", "_covars_")
    _FILE_KIND = "fastapml.hmm.GaussianHMM"
    _FILE_SCALARS = {
        **_hmm_file.COMMON_SCALARS,
        "covariance_type": "U",
        "min_covar": "fiu",
    }
    _FILE_PRIORS = BaseHMM._DIRICHLET_PRIORS + _REAL_PRIORS
    _FILE_ARRAYS = {
        "startprob_": "startprob_",
        "transmat_": "transmat_",
        "means_": "means_",
        "covars_": "_covars_",
    }

    def __init__(
        self,
        n_components=1,
        covariance_type="diag",
        min_covar=1e-3,
        startprob_prior=1.0,
        transmat_prior=1.0,
        means_prior=0,
        means_weight=0,
        covars_prior=1e-2,
        covars_weight=1,
        algorithm="viterbi",
        random_state=None,
        n_iter=10,
        tol=1e-2,
        verbose=False,
        params="stmc",
        init_params="stmc",
        implementation="log",
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.min_covar = min_covar
        self.startprob_prior = startprob_prior
        self.transmat_prior = transmat_prior
        self.means_prior = means_prior
        self.means_weight = means_weight
        self.covars_prior = covars_prior
        self.covars_weight = covars_weight
        self.algorithm = algorithm
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
    def covars_(self):
        """Each state's covariance as a (K, d, d) full matrix."""
        d = getattr(self, "n_features", None)
        if d is None:  # before the first check: d from the means or covars
            d = np.shape(getattr(self, "means_", self._covars_))[-1]
        return full_matrices(self._covars_, self.covariance_type, self.n_components, d)

    @covars_.setter
    def covars_(self, covars):
        check_covariance_type(self.covariance_type)
        covars = np.array(covars, dtype=np.float64)
        self._covars_ = check_covars(
            covars, self.covariance_type, self._covars_shape(covars)
        )

    def _covars_shape(self, covars=None):
        """The compact layout's shape (d from ``n_features``, or from
        ``covars`` before it is known)."""
        k = self.n_components
        d = getattr(self, "n_features", None)
        if d is None and covars is not None:
            d = covars.shape[-1] if covars.ndim else 1
        return {
            "spherical": (k,),
            "diag": (k, d),
            "full": (k, d, d),
            "tied": (d, d),
        }[self.covariance_type]

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    def _emission_checks(self):
        k = self.n_components
        self.means_ = check_float_array(self.means_, "means_", 2, dtype=np.float64)
        if self.means_.shape[0] != k:
            raise ValueError(
                f"means_ must have shape (n_components={k}, n_features), "
                f"got {self.means_.shape}"
            )
        self.n_features = self.means_.shape[1]
        self._covars_ = check_covars(
            self._covars_, self.covariance_type, self._covars_shape(), level="any"
        )
        # hmmlearn's M-step takes the weights as scalars and broadcasts the
        # priors against the parameters
        for name in ("means_weight", "covars_weight"):
            check_scalar(getattr(self, name), name, numbers.Real)
        broadcast_prior(self.means_prior, "means_prior", self.means_.shape)
        broadcast_prior(self.covars_prior, "covars_prior", self._covars_.shape)

    def _components(self):
        return (
            np.ones(self.n_components),
            self.means_,
            self._covars_,
            self.covariance_type,
        )

    def _init_emissions(self, X):
        k = self.n_components
        if self._needs_init("m", "means_"):
            kmeans = cluster.KMeans(
                n_clusters=k, random_state=self.random_state, n_init=10
            )
            self.means_ = kmeans.fit(X).cluster_centers_
        if self._needs_init("c", "covars_"):
            self._covars_ = initial_covars(X, self.min_covar, self.covariance_type, k)

    def _emission_m_step(self, stats):
        """hmmlearn's MAP update (Huang, Acero and Hon, pp. 443-445), on
        the shifted sums: ``sum_t gamma (x - mu)(x - mu)^T`` is taken about
        the new means directly instead of expanding sum gamma x x^T."""
        model, s0, s1, s2, _ = stats
        k, d = self.n_components, self.n_features
        weight, prior = self.means_weight, self.means_prior
        if "m" in self.params:
            obs = s1 + s0[:, None] * shifts(model, k)
            self.means_ = (weight * prior + obs) / (weight + s0[:, None])
        if "c" not in self.params:
            return
        meandiff = self.means_ - prior
        scatter = scatter_about(s0, s1, s2, model, self.means_)
        if self.covariance_type in ("spherical", "diag"):
            c_n = weight * meandiff**2 + scatter
            c_d = max(self.covars_weight - 1, 0) + s0[:, None]
            covars = (self.covars_prior + c_n) / np.maximum(c_d, 1e-5)
            if self.covariance_type == "spherical":
                covars = covars.mean(axis=1)
        else:
            outer = weight * (meandiff[:, :, None] * meandiff[:, None, :])
            c_d = max(self.covars_weight - d, 0)
            if self.covariance_type == "tied":
                c_n = outer.sum(axis=0) + scatter
                covars = (self.covars_prior + c_n) / (c_d + s0.sum())
            else:
                covars = (self.covars_prior + outer + scatter) / (
                    c_d + s0[:, None, None]
                )
        self._covars_ = covars

    def _fit_scalars(self):
        k, d = self.n_components, self.n_features
        return {
            "s": k - 1,
            "t": k * (k - 1),
            "m": k * d,
            "c": {
                "spherical": k,
                "diag": k * d,
                "full": k * d * (d + 1) // 2,
                "tied": d * (d + 1) // 2,
            }[self.covariance_type],
        }

    def _sample_parts(self):
        return self.means_, self.covars_, None
