"""What fastapml's hmmlearn drop-ins share: the Markov chain's parameters,
inference (forward-backward, Viterbi), Baum-Welch's loop and its start and
transition M-step, model selection and sampling order.

A subclass supplies the emission model through a few hooks:

- ``_emission_checks()``: validate and store the emission parameters;
- ``_frames(X)``: X validated, as the emission hooks take it (it also sets
  ``n_features`` when unknown);
- ``_emission_table(frames, scaled)``: ``(table, obs, scaled_table)``,
  emission log-probabilities ``table[obs[t], k]`` of each frame t and state
  k, and, if ``scaled`` and the hook computes it on the way, the table as
  ``forward_backward.scaled_emissions`` gives it (else None);
- ``_init_emissions(frames)``, ``_emission_statistics(frames, table, post)``
  and ``_emission_m_step(stats)``: Baum-Welch's emission side;
- ``_fit_scalars()``: hmmlearn's count of free scalars per parameter code.
"""

import logging
import numbers

import numpy as np
from scipy import linalg
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .. import _archive
from .._validation import check_float_array, check_probabilities, check_scalar
from . import _hmm_file
from ._categorical_checks import check_mass
from ._estimation import posterior_mode
from ._inputs import sequence_offsets
from .forward_backward import run_validated as _forward_backward
from .monitor import ConvergenceMonitor
from .viterbi import decode_validated

_log = logging.getLogger(__name__)


def log_probabilities(p):
    """log p, with log 0 = -inf and no warning."""
    with np.errstate(divide="ignore"):
        return np.log(p)


class BaseHMM(BaseEstimator):
    """Hidden Markov model: the chain and the inference every emission
    model shares (see the module for the hooks a subclass supplies)."""

    # Dirichlet priors: finite and non-negative
    _DIRICHLET_PRIORS = ("startprob_prior", "transmat_prior")
    # other priors: finite
    _REAL_PRIORS = ()
    _EMISSION_PARAMETERS = ()
    _PARAM_CODES = "st"  # the letters of params and init_params
    _FILE_OPTIONAL = ()  # priors a model file may lack (see _hmm_file)

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    def _check_hyperparameters(self):
        check_scalar(self.n_components, "n_components", numbers.Integral, low=1)
        check_scalar(self.n_iter, "n_iter", numbers.Integral, low=0)
        check_scalar(self.tol, "tol", numbers.Real, finite=False)
        if self.algorithm not in ("viterbi", "map"):
            raise ValueError(
                f"algorithm must be 'viterbi' or 'map', got {self.algorithm!r}"
            )
        if self.implementation not in ("log", "scaling"):
            raise ValueError(
                "implementation must be 'log' or 'scaling', "
                f"got {self.implementation!r}"
            )
        for name in ("params", "init_params"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a string, got {type(value).__name__}")
        for name in self._DIRICHLET_PRIORS + self._REAL_PRIORS:
            value = getattr(self, name)
            if value is None and name in self._REAL_PRIORS:
                continue
            arr = check_float_array(value, name, np.ndim(value))
            if name in self._DIRICHLET_PRIORS and (arr < 0).any():
                raise ValueError(f"{name} must be non-negative, got {value!r}")

    def _check(self):
        """Validate the parameters and store them as float64 arrays
        (hmmlearn's hook: it raises ValueError on inconsistent ones)."""
        self._check_hyperparameters()
        k = self.n_components
        self.startprob_ = check_probabilities(self.startprob_, "startprob_", 1, (k,))
        self.transmat_ = check_probabilities(self.transmat_, "transmat_", 2, (k, k))
        self._emission_checks()

    def _check_fitted(self):
        check_is_fitted(self, ["startprob_", "transmat_", *self._EMISSION_PARAMETERS])
        self._check()

    def _sequences(self, X, lengths, fitting=False):
        """(frames, lengths, offsets) of validated X."""
        frames = self._frames(X)
        n = self._n_frames(frames)
        if fitting and n == 0:  # as hmmlearn (scikit-learn's check_array)
            raise ValueError(
                f"X: Found array with 0 sample(s) (shape={np.shape(X)}) while "
                "a minimum of 1 is required."
            )
        return (frames, *sequence_offsets(lengths, n))

    @staticmethod
    def _n_frames(frames):
        return frames.shape[0]

    # ------------------------------------------------------------------
    # inference
    # ------------------------------------------------------------------
    def _forward_backward(self, frames, lengths, offsets, posteriors=True):
        table, obs, scaled = self._emission_table(frames, True)
        logliks, post, xi = _forward_backward(
            table,
            obs,
            lengths,
            offsets,
            log_probabilities(self.transmat_),
            log_probabilities(self.startprob_),
            posteriors,
            scaled,
        )
        return logliks, post, xi, table

    def score_samples(self, X, lengths=None):
        """Log-likelihood of X and the state posteriors.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
            Observations, sequences end to end.
        lengths : array-like of int, shape (n_sequences,), optional
            Length of each sequence, summing to n_samples; None for one
            sequence.

        Returns
        -------
        log_prob : float
            ``log p(X)``, summed over the sequences.
        posteriors : ndarray of shape (n_samples, n_components)
            ``posteriors[t, k]`` = P(state k at t | X).

        Raises
        ------
        ValueError
            If a sequence has probability zero under the model (its
            posteriors are undefined).
        """
        self._check_fitted()
        logliks, post, _, _ = self._forward_backward(*self._sequences(X, lengths))
        raise_if_impossible(logliks)
        return float(logliks.sum()), post

    def score(self, X, lengths=None):
        """Log-likelihood of X under the model.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
            Observations, sequences end to end.
        lengths : array-like of int, shape (n_sequences,), optional
            Length of each sequence, summing to n_samples; None for one
            sequence.

        Returns
        -------
        log_prob : float
            ``log p(X)``, summed over the sequences; ``-inf`` if X is
            impossible under the model.
        """
        self._check_fitted()
        frames, lengths, offsets = self._sequences(X, lengths)
        return float(self._forward_backward(frames, lengths, offsets, False)[0].sum())

    def predict_proba(self, X, lengths=None):
        """State posteriors of each sample.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
            Observations, sequences end to end.
        lengths : array-like of int, shape (n_sequences,), optional
            Length of each sequence, summing to n_samples; None for one
            sequence.

        Returns
        -------
        posteriors : ndarray of shape (n_samples, n_components)
            ``posteriors[t, k]`` = P(state k at t | X).
        """
        return self.score_samples(X, lengths)[1]

    def decode(self, X, lengths=None, algorithm=None):
        """Most likely states for X.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
            Observations, sequences end to end.
        lengths : array-like of int, shape (n_sequences,), optional
            Length of each sequence, summing to n_samples; None for one
            sequence.
        algorithm : {"viterbi", "map"}, optional
            The decoder; default: the ``algorithm`` parameter.  "viterbi":
            the most likely path; "map": the most likely state of each step.

        Returns
        -------
        log_prob : float
            "viterbi": log-probability of the best path, summed over
            sequences; "map": the sum of each step's largest posterior (as
            hmmlearn reports it).
        state_sequence : ndarray of int, shape (n_samples,)
            The decoded states, end to end like X.
        """
        self._check_fitted()
        algorithm = self.algorithm if algorithm is None else algorithm
        if algorithm not in ("viterbi", "map"):
            raise ValueError(f"Unknown decoder {algorithm!r}")
        if algorithm == "map":
            _, post = self.score_samples(X, lengths)
            return float(post.max(axis=1).sum()), post.argmax(axis=1)
        frames, lengths, offsets = self._sequences(X, lengths)
        table, obs, _ = self._emission_table(frames, False)
        paths, log_probs = decode_validated(
            table,
            obs,
            lengths,
            offsets,
            log_probabilities(self.transmat_),
            log_probabilities(self.startprob_),
            np.zeros(self.n_components),
        )
        return float(log_probs.sum()), paths

    def predict(self, X, lengths=None):
        """Most likely state of each sample, decoded as :meth:`decode` does.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
            Observations, sequences end to end.
        lengths : array-like of int, shape (n_sequences,), optional
            Length of each sequence, summing to n_samples; None for one
            sequence.

        Returns
        -------
        state_sequence : ndarray of int, shape (n_samples,)
            The decoded states, with the ``algorithm`` parameter's decoder.
        """
        return self.decode(X, lengths)[1]

    def get_stationary_distribution(self):
        r"""The chain's stationary distribution.

        The left eigenvector :math:`\pi = \pi A` of the transition matrix for
        its largest eigenvalue (1), normalized to sum to one, as hmmlearn
        computes it.

        Returns
        -------
        ndarray of shape (n_components,)
            The long-run fraction of time spent in each state.

        Examples
        --------
        >>> import numpy as np
        >>> from fastapml.hmm import CategoricalHMM
        >>> model = CategoricalHMM(n_components=2)
        >>> model.transmat_ = np.array([[0.9, 0.1], [0.3, 0.7]])
        >>> model.get_stationary_distribution().round(3).tolist()
        [0.75, 0.25]
        """
        check_is_fitted(self, "transmat_")
        k = self.n_components
        transmat = check_probabilities(self.transmat_, "transmat_", 2, (k, k))
        eigvals, eigvecs = linalg.eig(transmat.T)
        eigvec = np.real_if_close(eigvecs[:, np.argmax(eigvals)])
        return eigvec / eigvec.sum()

    # ------------------------------------------------------------------
    # learning
    # ------------------------------------------------------------------
    def _generator(self):
        """The random generator for the next draw, continuing as hmmlearn's.

        hmmlearn's CategoricalHMM replaces its ``random_state`` parameter by
        the generator it used, so later fits and samples continue that
        stream; fastapml keeps the parameter untouched and the generator in
        ``_rng``, used while the parameter is the one it was made from.
        """
        if getattr(self, "_rng_source", None) is self.random_state and hasattr(
            self, "_rng"
        ):
            return self._rng
        return check_random_state(self.random_state)

    def _needs_init(self, code, name):
        if code in self.init_params:
            if hasattr(self, name):
                _log.warning(
                    "Even though the %r attribute is set, it will be "
                    "overwritten during initialization because 'init_params' "
                    "contains %r",
                    name,
                    code,
                )
            return True
        return not hasattr(self, name)

    def _initializes(self):
        """Whether :meth:`_init` would set any parameter (one named in
        ``init_params``, or one not set yet)."""
        names = ("startprob_", "transmat_", *self._EMISSION_PARAMETERS)
        return bool(set(self.init_params) & set(self._PARAM_CODES)) or not all(
            hasattr(self, name) for name in names
        )

    def _init(self, X, lengths=None):
        """Initialize the parameters named in ``init_params`` (and any not
        set), drawing exactly as hmmlearn does; hmmlearn's hook, which its
        tests call directly."""
        self._check_hyperparameters()
        self._initialize(self._frames(X))

    def _initialize(self, frames):
        """:meth:`_init` on frames already validated by :meth:`_frames`."""
        k = self.n_components
        rs = self._generator()
        concentration = np.full(k, 1.0 / k)
        if self._needs_init("s", "startprob_"):
            self.startprob_ = rs.dirichlet(concentration)
        if self._needs_init("t", "transmat_"):
            self.transmat_ = rs.dirichlet(concentration, size=k)
        n_scalars = sum(
            n for code, n in self._fit_scalars().items() if code in self.params
        )
        if frames.size < n_scalars:
            _log.warning(
                "Fitting a model with %d free scalar parameters with only "
                "%d data points will result in a degenerate solution.",
                n_scalars,
                frames.size,
            )
        self._init_emissions(frames)

    def fit(self, X, lengths=None):
        """Estimate the parameters with Baum-Welch EM.

        The parameters named in ``init_params`` (and any not set yet) are
        initialized; EM then updates those named in ``params`` for up to
        ``n_iter`` iterations, stopping when the log-likelihood gains less
        than ``tol``.  Each iteration's log-likelihood (before its M-step,
        as hmmlearn) goes to ``monitor_``.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
            Observations, sequences end to end.
        lengths : array-like of int, shape (n_sequences,), optional
            Length of each sequence, summing to n_samples; None for one
            sequence.

        Returns
        -------
        self
            The fitted model.
        """
        self._check_hyperparameters()
        frames, lengths, offsets = self._sequences(X, lengths, fitting=True)
        self._initialize(frames)
        self._check()
        return self._run_em(lambda: self._statistics(frames, lengths, offsets))

    def _statistics(self, frames, lengths, offsets):
        """One E-step: ``(log-likelihood, expected starts, expected
        transitions, emission statistics)`` of the sequences."""
        logliks, post, xi, table = self._forward_backward(frames, lengths, offsets)
        raise_if_impossible(logliks)
        firsts = offsets[:-1][lengths > 0]
        emission = self._emission_statistics(frames, table, post)
        return float(logliks.sum()), post[firsts].sum(axis=0), xi, emission

    def _run_em(self, statistics):
        """Baum-Welch from the current parameters: ``statistics()`` is the
        E-step of :meth:`_statistics`, wherever the data are."""
        self.monitor_ = _matching_monitor(
            self.monitor_, self.tol, self.n_iter, self.verbose
        )
        self.monitor_._reset()
        for _ in range(self.n_iter):
            log_likelihood, start, trans, emission = statistics()
            self._chain_m_step(start, trans, supervised=False)
            self._emission_m_step(emission)
            self.monitor_.report(log_likelihood)
            if self.monitor_.converged:
                break
        return self

    def _chain_m_step(self, start, trans, supervised):
        """Posterior-mode update of startprob_ and transmat_, as hmmlearn.

        Each becomes ``max(prior - 1 + counts, 0)``, normalized.  In EM,
        probabilities that are exactly zero stay zero (hmmlearn's rule for
        e.g. left-right models); in supervised fitting, a row without any
        mass becomes uniform.
        """
        if "s" in self.params:
            table = posterior_mode(
                start,
                self.startprob_prior,
                None if supervised else self.startprob_,
                supervised,
            )
            self.startprob_ = check_mass(self, "startprob_prior", table)
        if "t" in self.params:
            table = posterior_mode(
                trans,
                self.transmat_prior,
                None if supervised else self.transmat_,
                supervised,
            )
            self.transmat_ = check_mass(self, "transmat_prior", table)

    # ------------------------------------------------------------------
    # model selection
    # ------------------------------------------------------------------
    def _n_free_parameters(self):
        """Free scalars of the model (all of them, as hmmlearn counts)."""
        return sum(self._fit_scalars().values())

    def aic(self, X, lengths=None):
        r"""Akaike information criterion of the model on X.

        :math:`\mathrm{AIC} = -2 \log L + 2 p`, with p the number of free
        parameters of the model (all of them, whatever ``params`` says, as
        hmmlearn counts).

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
            Observations, sequences end to end.
        lengths : array-like of int, shape (n_sequences,), optional
            Length of each sequence, summing to n_samples; None for one
            sequence.

        Returns
        -------
        aic : float
            Lower is better.
        """
        return -2 * self.score(X, lengths) + 2 * self._n_free_parameters()

    def bic(self, X, lengths=None):
        r"""Bayesian information criterion of the model on X.

        :math:`\mathrm{BIC} = -2 \log L + p \log n`, with p the number
        of free parameters (as in :meth:`aic`) and n the number of samples.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
            Observations, sequences end to end.
        lengths : array-like of int, shape (n_sequences,), optional
            Length of each sequence, summing to n_samples; None for one
            sequence.

        Returns
        -------
        bic : float
            Lower is better.
        """
        n = np.asarray(X).shape[0]
        return -2 * self.score(X, lengths) + self._n_free_parameters() * np.log(n)

    # ------------------------------------------------------------------
    # sampling
    # ------------------------------------------------------------------
    def _sample_states(self, n_samples, random_state, currstate, emit):
        """hmmlearn's sampling order: a uniform for each state (the first
        unless ``currstate`` is given), then ``emit(state, rs)`` for it."""
        self._check_fitted()
        check_scalar(n_samples, "n_samples", numbers.Integral, low=1)
        rs = (
            self._generator()
            if random_state is None
            else check_random_state(random_state)
        )
        start_cdf = np.cumsum(self.startprob_)
        trans_cdf = np.cumsum(self.transmat_, axis=1)
        if currstate is None:
            state = int((start_cdf > rs.rand()).argmax())
        else:
            state = check_scalar(
                currstate,
                "currstate",
                numbers.Integral,
                low=0,
                high=self.n_components - 1,
            )
        states = np.empty(n_samples, dtype=np.int64)
        frames = []
        for t in range(n_samples):
            if t:
                state = int((trans_cdf[state] > rs.rand()).argmax())
            states[t] = state
            frames.append(emit(state, rs))
        return np.atleast_2d(frames), states

    # ------------------------------------------------------------------
    # Files
    # ------------------------------------------------------------------
    def save(self, path):
        """Write the model's parameters and probability tables to ``path``.

        The file is an ``.npz`` archive of numeric and unicode arrays (see
        :mod:`fastapml._archive`; hmmlearn would pickle), written to a
        temporary file and renamed into place.  A ``random_state`` that is
        not an integer is not stored (it loads as None).

        Parameters
        ----------
        path : str or os.PathLike
            The file to write, used as given (no suffix is added).

        Examples
        --------
        >>> import os, tempfile
        >>> from fastapml.hmm import CategoricalHMM
        >>> model = CategoricalHMM(n_components=2, random_state=0)
        >>> model = model.fit(np.array([[0], [1], [2], [1], [0]]))
        >>> path = os.path.join(tempfile.mkdtemp(), "hmm.npz")
        >>> model.save(path)
        >>> bool((CategoricalHMM.load(path).transmat_ == model.transmat_).all())
        True
        """
        self._check_fitted()
        _archive.write(
            path,
            self._FILE_KIND,
            _hmm_file.to_arrays(self),
            version=_hmm_file.FORMAT_VERSION,
        )

    @classmethod
    def load(cls, path):
        """Read a model written by :meth:`save`, as an instance of ``cls``.

        Parameters
        ----------
        path : str or os.PathLike
            A file written by :meth:`save`.

        Returns
        -------
        model
            The saved model, ready to use.

        Raises
        ------
        ValueError
            A ``fastapml._archive.ArchiveError`` naming the file and the
            problem; if ``path`` does not exist, it is also a
            ``FileNotFoundError``.
        """
        return _archive.read(
            path,
            cls._FILE_KIND,
            lambda archive: _hmm_file.from_archive(cls, archive),
            version=_hmm_file.FORMAT_VERSION,
        )


def raise_if_impossible(logliks):
    """Refuse sequences of probability zero (their posteriors are undefined)."""
    bad = np.flatnonzero(logliks == -np.inf)
    if bad.size:
        raise ValueError(
            f"sequence {bad[0]} has probability zero under the model "
            f"({bad.size} such sequence(s)); posteriors are undefined"
        )


def _matching_monitor(monitor, tol, n_iter, verbose):
    """Keep a user-supplied monitor; refresh the default one's settings."""
    if type(monitor) is ConvergenceMonitor:
        monitor.tol, monitor.n_iter, monitor.verbose = tol, n_iter, verbose
    return monitor
