"""GaussianMixture: scikit-learn's estimator, fitted by fastapml's fused EM kernels."""

import inspect
import re
import warnings

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture as _SklearnGaussianMixture
from sklearn.utils import check_random_state
from sklearn.utils._array_api import get_namespace
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import _archive, _dask
from .._dask import is_dask_array
from .._validation import check_magnitude, naming
from . import _model_file, em
from ._chunk_input import as_chunk, survey

# scikit-learn 1.8 added the array namespace ``xp`` to GaussianMixture's
# checks and initialization (and its checks need it); 1.7 takes none.
_SKLEARN_TAKES_XP = (
    "xp" in inspect.signature(_SklearnGaussianMixture._check_parameters).parameters
)


class GaussianMixture(_SklearnGaussianMixture):
    """Gaussian mixture fitted by EM — a drop-in for scikit-learn's.

    Same constructor, attributes, methods and results as
    :class:`sklearn.mixture.GaussianMixture` (it subclasses it and reuses its
    parameter checks, initializations and ``sample``), with every pass over
    the data done by one fused numba kernel: per block of samples the
    component log-densities, the log-sum-exp, the responsibilities and the
    M-step's sufficient statistics, so X is read once per iteration and no
    n x K array is built.  ``predict``, ``predict_proba`` and
    ``score_samples`` work block by block too.  float32 data gives a float32
    model; statistics are summed in float64 around the current means.

    Beyond scikit-learn:

    - ``fit(X, callback=f)`` calls ``f(n_iter, lower_bound, change)`` after
      each iteration;
    - :meth:`fit_chunks` runs the same exact EM over data given as row chunks
      (each iteration streams every chunk), for data larger than memory; a
      ``numpy.memmap`` can also go straight to ``fit``;
    - :meth:`partial_fit` updates the model from one more batch of samples;
    - :meth:`save` / :meth:`load` (.npz, no pickle);
    - a dask array X (``fit``, ``fit_predict``, ``predict``,
      ``predict_proba``, ``score_samples``, ``score``): one dask reduction
      per EM iteration, the same model on any cluster; the initialization
      sees all of X up to 200,000 rows, else a random subsample of that
      many rows drawn with ``random_state``.

    Parameters
    ----------
    n_components : int, default=1
        Number of mixture components K.
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
        Each component's own full covariance matrix; one full matrix shared
        by all; a diagonal matrix each; a single variance each.
    tol : float, default=1e-3
        EM stops when the lower bound (mean log-likelihood) gains less than
        this.
    reg_covar : float, default=1e-6
        Added to the diagonal of every covariance, keeping it positive
        definite.
    max_iter : int, default=100
        Maximum number of EM iterations per initialization.
    n_init : int, default=1
        Number of initializations; the fit with the best lower bound is kept.
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}, \
default="kmeans"
        How the weights, means and precisions are initialized (by
        scikit-learn's code).  In :meth:`fit_chunks` the initialization sees
        only the first chunk.
    weights_init : array-like of shape (n_components,), optional
        Initial weights; drawn by ``init_params`` when None.
    means_init : array-like of shape (n_components, n_features), optional
        Initial means; drawn by ``init_params`` when None.
    precisions_init : array-like, optional
        Initial precision matrices (inverse covariances), shaped as
        ``precisions_`` for ``covariance_type``; drawn by ``init_params``
        when None.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialization (and, for a large dask X, its subsample).
    warm_start : bool, default=False
        If True, :meth:`fit` starts from the previous fit's parameters
        (``n_init`` is then 1).
    verbose : int, default=0
        scikit-learn's progress messages: 1 prints each initialization and
        every ``verbose_interval``-th iteration, 2 also the time taken and
        the lower bound's change.
    verbose_interval : int, default=10
        Iterations between two progress messages.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
        Mixture weights.
    means_ : ndarray of shape (n_components, n_features)
        Component means.
    covariances_ : ndarray
        Covariances: (K, d, d) full, (d, d) tied, (K, d) diag, (K,)
        spherical.
    precisions_ : ndarray
        Inverse covariances, shaped as ``covariances_``.
    precisions_cholesky_ : ndarray
        Upper-triangular P with :math:`P P^T` the precision (diag and
        spherical: square roots of the precisions), shaped as
        ``covariances_``.
    converged_ : bool
        Whether the best initialization converged (always False after
        :meth:`partial_fit`).
    n_iter_ : int
        EM iterations of the best initialization (:meth:`partial_fit`:
        number of calls).
    lower_bound_ : float
        Mean log-likelihood of the training data at the last iteration (with
        the parameters before its M-step).
    lower_bounds_ : list of float
        ``lower_bound_`` after each iteration of the best initialization.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of X, when X is a DataFrame with string column names.

    See Also
    --------
    fastapml.mixture.em_step : One fused EM iteration, as a function.
    sklearn.mixture.GaussianMixture : The estimator this one subclasses.

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.mixture import GaussianMixture
    >>> X = np.r_[np.random.default_rng(0).normal(size=(100, 2)),
    ...           np.random.default_rng(1).normal(size=(100, 2)) + 8]
    >>> gm = GaussianMixture(2, random_state=0).fit(X)
    >>> sorted(np.round(gm.means_[:, 0]).astype(int).tolist())
    [0, 8]
    """

    # ------------------------------------------------------------------
    # Fitting
    # ------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, callback=None):
        """Estimate the parameters with EM (best of ``n_init`` runs).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or dask array
            Training data; float32 data gives a float32 model.  A
            ``numpy.memmap`` is read in place; a dask array is fitted on the
            current dask scheduler, one reduction per iteration.
        y : None
            Ignored.
        callback : callable, optional
            Called as ``callback(n_iter, lower_bound, change)`` after every
            iteration.

        Returns
        -------
        self : GaussianMixture
            The fitted model.
        """
        self._fit(X, callback)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_predict(self, X, y=None, *, callback=None):
        """Fit as :meth:`fit`, then label each sample by its likeliest component.

        The labels are taken under the final parameters, so they equal
        ``fit(X).predict(X)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or dask array
            Training data, as for :meth:`fit`.
        y : None
            Ignored.
        callback : callable, optional
            Called as ``callback(n_iter, lower_bound, change)`` after every
            iteration.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Component of each sample; for a dask X, a lazy dask array.
        """
        X, dtype = self._fit(X, callback)
        if is_dask_array(X):
            from . import em_dask

            return em_dask.estimate(X, self._model(dtype), dtype, "labels")
        return em.estimate(X, self._model(dtype))[1]

    def _fit(self, X, callback):
        """The EM fit; returns X as checked and the model's dtype.  (Unlike
        scikit-learn's ``fit``, no final E-step: only ``fit_predict`` needs
        its labels, and the parameters are the same.)"""
        if is_dask_array(X):
            return self._fit_dask(X, callback)
        X = self._check_fit_data(X)
        self._check_parameters(X, xp=get_namespace(X)[0])
        self._run_em(lambda: self._em_iteration((X,), X.dtype), X, callback)
        return X, X.dtype

    def _fit_dask(self, X, callback):
        """:meth:`_fit` on a dask array (see :mod:`.em_dask`): one dask
        reduction per iteration."""
        from . import em_dask

        dtype = em_dask.check_array(X)
        if X.shape[0] < 2:
            raise ValueError(f"n_samples={X.shape[0]} should be >= 2")
        self._check_n_samples(X.shape[0])
        inits = (self.weights_init, self.means_init, self.precisions_init)
        given = all(init is not None for init in inits)
        # data in X's graph: persisted on the cluster while the fit runs
        with _dask.persisted_for(X, "GaussianMixture.fit") as data:
            sample = em_dask.initialization_sample(
                data,
                dtype,
                self.random_state,
                n_components=self.n_components if given else None,
            )
            self.n_features_in_ = X.shape[1]
            self._check_parameters(sample, xp=np)

            def iteration():
                model = self._model(dtype)
                stats = em_dask.statistics(data, model, dtype)
                return self._m_step(stats, model, X.shape[0], dtype)

            self._run_em(iteration, sample, callback)
        return X, dtype

    def fit_chunks(self, chunks, *, callback=None):
        """Exact EM over data given as row chunks, streamed once per iteration.

        The model equals ``fit(np.concatenate(chunks))`` up to rounding,
        except that the ``init_params`` initializations see only the first
        chunk (pass ``weights_init``, ``means_init`` and ``precisions_init``
        to start exactly as an in-memory fit would).

        Parameters
        ----------
        chunks : sequence of arrays, or callable
            Row chunks of shape (n_i, n_features), e.g. memory maps; or a
            function returning an iterable of them, called once per pass (a
            generator can be passed as ``lambda: make_generator()``).  The
            model is float32 only if every chunk is float32.
        callback : callable, optional
            Called as ``callback(n_iter, lower_bound, change)`` after every
            iteration.

        Returns
        -------
        self : GaussianMixture
            The fitted model.

        Examples
        --------
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> X = np.r_[rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) + 8]
        >>> gm = GaussianMixture(2, random_state=0).fit_chunks([X[::2], X[1::2]])
        >>> sorted(np.round(gm.means_[:, 0]).astype(int).tolist())
        [0, 8]
        """
        self._validate_params()
        if callable(chunks):
            source = chunks
        elif iter(chunks) is chunks:
            raise TypeError(
                "chunks must be re-iterable: a sequence of arrays, "
                "or a function returning an iterable of them (a "
                "generator is used up after one pass)"
            )
        else:

            def source():
                return chunks

        first, n_features, dtype, n_samples = survey(source)
        if n_samples < 2:
            raise ValueError(f"n_samples={n_samples} should be >= 2")
        self._check_n_samples(n_samples)
        self.n_features_in_ = n_features
        self._check_parameters(first, xp=get_namespace(first)[0])

        def one_pass():
            for i, chunk in enumerate(source()):
                yield as_chunk(chunk, i, n_features, dtype)

        self._run_em(lambda: self._em_iteration(one_pass(), dtype), first, callback)
        return self

    def partial_fit(self, X, y=None):
        """Update the model with one more batch of samples.

        Incremental EM: the batch's statistics are taken under the current
        parameters and merged with those of every earlier batch (weighted by
        their sizes), then the M-step runs on the total.  The first call
        initializes from X as ``fit`` would, or on a fitted or loaded model
        continues from its parameters; one call on all the data equals one
        EM iteration.  Exact multi-pass EM over chunks is :meth:`fit_chunks`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The batch.  The first one must have at least two samples and
            ``n_components``; it sets the model's dtype.
        y : None
            Ignored.

        Returns
        -------
        self : GaussianMixture
            The updated model.

        Examples
        --------
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> X = np.r_[rng.normal(size=(100, 2)), rng.normal(size=(100, 2)) + 8]
        >>> gm = GaussianMixture(2, random_state=0)
        >>> for batch in np.array_split(rng.permutation(X), 4):
        ...     gm = gm.partial_fit(batch)
        >>> gm.n_iter_, sorted(np.round(gm.means_[:, 0]).astype(int).tolist())
        (4, [0, 8])
        """
        first_call = not hasattr(self, "_partial_moments")
        if first_call and not hasattr(self, "means_"):
            self._validate_params()
            X = self._check_fit_data(X)
            self._check_parameters(X, xp=get_namespace(X)[0])
            self._initialize_parameters(X, check_random_state(self.random_state))
            self.n_iter_, self.lower_bounds_ = 0, []
        else:  # continue from the current parameters (fitted, loaded or set)
            X = self._check_predict_data(X)
            self.lower_bounds_ = list(getattr(self, "lower_bounds_", []))
        model = self._model(X.dtype)
        stats = em.statistics(X, model)
        batch = em.moments(stats, model, self.covariance_type, np.finfo(X.dtype).eps)
        total = (
            batch
            if first_call
            else em.merge_moments(self._partial_moments, batch, self.covariance_type)
        )
        self._set_from_moments(*total, X.dtype)
        self._partial_moments = total
        self.lower_bound_ = stats[0] / X.shape[0]
        self.lower_bounds_.append(self.lower_bound_)
        self.n_iter_ = getattr(self, "n_iter_", 0) + 1
        self.converged_ = False
        return self

    def _run_em(self, iteration, init_X, callback):
        """scikit-learn's fit loop (n_init, warm_start, tol, max_iter);
        ``iteration()`` runs one E-step and M-step over all the data and
        returns the mean log-likelihood; ``init_X`` is what the
        initialization sees."""
        self.__dict__.pop("_partial_moments", None)
        do_init = not (self.warm_start and hasattr(self, "converged_"))
        n_init = self.n_init if do_init else 1
        max_lower_bound = -np.inf
        best_lower_bounds = []
        self.converged_ = False
        random_state = check_random_state(self.random_state)
        for init in range(n_init):
            self._print_verbose_msg_init_beg(init)
            if do_init:
                self._initialize_parameters(init_X, random_state)
            lower_bound = -np.inf if do_init else self.lower_bound_
            lower_bounds = []
            if self.max_iter == 0:
                best_params = self._get_parameters()
                best_n_iter = 0
                continue
            converged = False
            for n_iter in range(1, self.max_iter + 1):
                previous = lower_bound
                lower_bound = iteration()
                lower_bounds.append(lower_bound)
                change = lower_bound - previous
                self._print_verbose_msg_iter_end(n_iter, change)
                if callback is not None:
                    callback(n_iter, lower_bound, change)
                if abs(change) < self.tol:
                    converged = True
                    break
            self._print_verbose_msg_init_end(lower_bound, converged)
            if lower_bound > max_lower_bound or max_lower_bound == -np.inf:
                max_lower_bound = lower_bound
                best_params = self._get_parameters()
                best_n_iter = n_iter
                best_lower_bounds = lower_bounds
                self.converged_ = converged
        if not self.converged_ and self.max_iter > 0:
            warnings.warn(
                "Best performing initialization did not converge. "
                "Try different init parameters, or increase "
                "max_iter, tol, or check for degenerate data.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self._set_parameters(best_params)
        self.n_iter_ = best_n_iter
        self.lower_bound_ = max_lower_bound
        self.lower_bounds_ = best_lower_bounds

    def _em_iteration(self, chunks, dtype):
        """One E-step + M-step over every chunk; returns the mean
        log-likelihood under the parameters it started from."""
        model = self._model(dtype)
        stats, n_samples = None, 0
        for i, X in enumerate(chunks):
            part = em.statistics(X, model)
            if not np.isfinite(part[0]):
                raise ValueError(f"Input X (chunk {i}) contains NaN or infinity")
            stats = em.add_statistics(stats, part)
            n_samples += X.shape[0]
        return self._m_step(stats, model, n_samples, dtype)

    def _m_step(self, stats, model, n_samples, dtype):
        """Set the parameters from the statistics of all ``n_samples`` taken
        under ``model``; returns their mean log-likelihood."""
        nk, means, scatter = em.moments(
            stats, model, self.covariance_type, np.finfo(dtype).eps
        )
        self._set_from_moments(nk, means, scatter, dtype)
        return stats[0] / n_samples

    def _set_from_moments(self, nk, means, scatter, dtype):
        """The M-step: weights, means, covariances and precision factors."""
        cov = em.covariances_from_moments(
            nk, scatter, self.covariance_type, self.reg_covar
        )
        with naming("X"):  # covariances that X left not positive definite
            self.precisions_cholesky_ = em.precisions_cholesky(
                cov, self.covariance_type, dtype
            )
        self.weights_ = (nk / nk.sum()).astype(dtype)
        self.means_ = means.astype(dtype)
        self.covariances_ = cov.astype(dtype)
        pc = self.precisions_cholesky_
        self.precisions_ = (
            pc @ np.swapaxes(pc, -1, -2)
            if self.covariance_type in ("full", "tied")
            else pc * pc
        )

    def _check_parameters(self, X, xp=None):
        """scikit-learn's checks, after a first one of each ``*_init``
        array so that every message names the argument it is about."""
        if isinstance(self.n_components, bool):
            raise TypeError("n_components must be an int, got bool")
        # the most dimensions scikit-learn's checks let through to their
        # shape messages (which are renamed below)
        full = self.covariance_type == "full"
        for name, ndim in (
            ("weights_init", 2),
            ("means_init", 2),
            ("precisions_init", 32 if full else 2),
        ):
            if getattr(self, name) is not None:
                with naming(name):
                    value = np.asarray(getattr(self, name))
                    if value.dtype.kind not in "biuf":
                        raise TypeError(f"must be real numbers, got {value.dtype}")
                    if value.ndim > ndim or value.size == 0:
                        raise ValueError(f"has the wrong shape {value.shape}")
                    if not np.isfinite(value).all():
                        raise ValueError(f"{name} contains NaN or infinity")
        try:
            if _SKLEARN_TAKES_XP:
                super()._check_parameters(X, xp=xp)
            else:
                super()._check_parameters(X)
        except ValueError as err:  # "The parameter 'means' should ..."
            found = re.search(r"'(weights|means|\w+ precision)'", str(err))
            if found is None:
                raise
            name = "precisions" if "precision" in found.group(1) else found.group(1)
            raise ValueError(f"{name}_init: {err}") from None

    def _initialize(self, X, resp, xp=None):
        if _SKLEARN_TAKES_XP:
            super()._initialize(X, resp, xp=xp)
        else:
            super()._initialize(X, resp)
        if self.precisions_init is not None:
            # scikit-learn leaves covariances_ unset here; derive them
            prec = np.asarray(self.precisions_init, dtype=np.float64)
            if self.covariance_type in ("diag", "spherical"):
                cov = 1.0 / prec
            else:
                cov = np.linalg.inv(prec)
            self.covariances_ = cov.astype(X.dtype)

    # ------------------------------------------------------------------
    # Estimates
    # ------------------------------------------------------------------
    def score_samples(self, X):
        """Log-likelihood log p(x) of each sample under the model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or dask array
            The samples; float32 data stays float32.  A dask array gives a
            lazy dask array with X's row chunks.

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
            In X's dtype.
        """
        if is_dask_array(X):
            return self._estimate_dask(X, "log_prob")
        X = self._check_predict_data(X)
        return em.estimate(X, self._model(X.dtype))[0]

    def score(self, X, y=None):
        """Mean log-likelihood of the samples (summed in float64).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or dask array
            The samples; a dask array is computed.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean of :meth:`score_samples`.
        """
        log_prob = self.score_samples(X)
        if is_dask_array(X):
            (log_prob,) = _dask.compute(log_prob.astype(np.float64).sum())
            return float(log_prob) / X.shape[0]
        return float(np.mean(log_prob, dtype=np.float64))

    def predict(self, X):
        """Most likely component of each sample (ties: the lowest index).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or dask array
            The samples; float32 data stays float32.  A dask array gives a
            lazy dask array with X's row chunks.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Component index of each sample.
        """
        if is_dask_array(X):
            return self._estimate_dask(X, "labels")
        X = self._check_predict_data(X)
        return em.estimate(X, self._model(X.dtype))[1]

    def predict_proba(self, X):
        """Posterior probability of each component for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or dask array
            The samples; float32 data stays float32.  A dask array gives a
            lazy dask array with X's row chunks.

        Returns
        -------
        resp : ndarray of shape (n_samples, n_components)
            Responsibilities; each row sums to 1.
        """
        if is_dask_array(X):
            return self._estimate_dask(X, "resp")
        X = self._check_predict_data(X)
        return em.estimate(X, self._model(X.dtype), want_resp=True)[2]

    # ------------------------------------------------------------------
    # Files
    # ------------------------------------------------------------------
    def save(self, path):
        """Write the fitted model to ``path``, used as given.

        The file is an ``.npz`` archive of numeric and unicode arrays (see
        :mod:`fastapml._archive`), written to a temporary file and renamed
        into place, so ``path`` is the complete old file, the complete new
        one, or absent.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the model has not been fitted.
        """
        _archive.write(
            path,
            _model_file.KIND,
            _model_file.to_arrays(self),
            version=_model_file.FORMAT_VERSION,
        )

    @classmethod
    def load(cls, path):
        """Read a model written by :meth:`save`, as an instance of ``cls``.

        Nothing is unpickled.  Every array is checked against the others
        before it reaches a kernel.

        Parameters
        ----------
        path : str or os.PathLike
            A file written by :meth:`save`.

        Returns
        -------
        model : GaussianMixture
            The saved model, ready to use.

        Raises
        ------
        ValueError
            A ``fastapml._archive.ArchiveError`` naming the file and the
            problem: not an ``.npz``, truncated, pickled members, another kind
            or format version, missing or misshapen arrays, non-finite
            values.  If ``path`` does not exist, it is also a
            ``FileNotFoundError``.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(50, 2))
        >>> gm = GaussianMixture(2, random_state=0).fit(X)
        >>> path = os.path.join(tempfile.mkdtemp(), "gmm.npz")
        >>> gm.save(path)
        >>> bool((GaussianMixture.load(path).predict(X) == gm.predict(X)).all())
        True
        """
        return _archive.read(
            path,
            _model_file.KIND,
            lambda archive: _model_file.from_archive(cls, archive),
            version=_model_file.FORMAT_VERSION,
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _estimate_dask(self, X, what):
        from . import em_dask

        check_is_fitted(self)
        dtype = em_dask.check_array(X, self.n_features_in_)
        return em_dask.estimate(X, self._model(dtype), dtype, what)

    def _model(self, dtype):
        return em.kernel_model(
            self.weights_,
            self.means_,
            self.precisions_cholesky_,
            self.covariance_type,
            dtype,
        )

    def _check_n_samples(self, n_samples):
        if n_samples < self.n_components:
            raise ValueError(
                "Expected n_samples >= n_components but got "
                f"n_components = {self.n_components}, "
                f"n_samples = {n_samples}"
            )

    def _check_fit_data(self, X):
        with naming("X"):
            X = validate_data(
                self, X, dtype=[np.float64, np.float32], ensure_min_samples=2
            )
        self._check_n_samples(X.shape[0])
        return check_magnitude(np.ascontiguousarray(X), "X", 2, X.size)

    def _check_predict_data(self, X):
        check_is_fitted(self)
        with naming("X"):
            X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return check_magnitude(np.ascontiguousarray(X), "X", 2, X.shape[1])
