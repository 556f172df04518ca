"""``CategoricalHMM``: hmmlearn's estimator on fastapml's kernels.

Same constructor, attributes and methods as ``hmmlearn.hmm.CategoricalHMM``
and the same answers on the same parameters; plus :meth:`fit_supervised`,
maximum-likelihood estimation from observed state sequences.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .. import _archive
from .._memory import check_memory
from .._validation import check_probabilities, check_scalar, check_symbols
from . import _categorical_file, _kernels
from ._categorical_checks import check_mass, check_priors, check_sizes
from ._estimation import normalize_rows, posterior_mode, symbol_indicator
from ._inputs import sequence_offsets
from .forward_backward import run_validated as _forward_backward
from .monitor import ConvergenceMonitor
from .viterbi import decode_validated

_PARAM_CODES = "ste"


def _log(p):
    with np.errstate(divide="ignore"):
        return np.log(p)


class CategoricalHMM(BaseEstimator):
    """Hidden Markov model with categorical emissions.

    A drop-in for ``hmmlearn.hmm.CategoricalHMM``: the same constructor,
    attributes and methods, and the same answers on the same parameters
    (random initialization and :meth:`sample` draw the same numbers for the
    same seed).  It adds :meth:`fit_supervised` (counting from observed state
    sequences) and :meth:`save` / :meth:`load` (``.npz``, no pickle).

    Observations are integer symbols in ``[0, n_features)``, given as an
    ``(n_samples, 1)`` array; several sequences are stored end to end and
    split by ``lengths``, as in hmmlearn.

    Parameters
    ----------
    n_components : int, default=1
        Number of hidden states K.
    startprob_prior, transmat_prior, emissionprob_prior : float or array, \
default=1.0
        Dirichlet prior concentrations; the M-step uses
        ``max(prior - 1 + expected_counts, 0)``, normalized (1.0: maximum
        likelihood; 2.0: add-one smoothing).
    n_features : int, optional
        Number of symbols M; inferred from the data (max + 1) when None, and
        then stored here, as hmmlearn does.
    algorithm : {"viterbi", "map"}, default="viterbi"
        Decoder used by :meth:`decode` and :meth:`predict`.
    random_state : int, RandomState or None, default=None
        Seeds the random initialization and :meth:`sample`; later fits and
        samples continue the same random stream, as in hmmlearn (which,
        unlike fastapml, replaces this parameter by its generator).
    n_iter : int, default=10
        Maximum number of EM iterations.
    tol : float, default=1e-2
        EM stops when the log-likelihood gains less than this.
    verbose : bool, default=False
        Print each EM iteration's log-likelihood to stderr.
    params, init_params : str, default="ste"
        Parameters updated by EM / initialized before it: any of ``"s"``
        (startprob), ``"t"`` (transmat), ``"e"`` (emissionprob).
    implementation : {"log", "scaling"}, default="log"
        Accepted for compatibility; fastapml always runs the scaled
        forward-backward, which gives the log-space results to rounding
        (falling back to log space where the scaling would underflow).

    Attributes
    ----------
    startprob_ : ndarray of shape (K,)
        Initial-state probabilities.
    transmat_ : ndarray of shape (K, K)
        Transition probabilities; rows are the current state, columns the
        next.
    emissionprob_ : ndarray of shape (K, M)
        ``emissionprob_[k, s]`` is P(symbol s | state k).
    monitor_ : ConvergenceMonitor
        EM's log-likelihood history and convergence test.

    See Also
    --------
    fastapml.hmm.forward_backward : The posteriors behind :meth:`fit`.
    fastapml.hmm.viterbi_batch : The decoder behind :meth:`decode`.

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.hmm import CategoricalHMM
    >>> model = CategoricalHMM(n_components=2)
    >>> model.startprob_ = np.array([0.6, 0.4])
    >>> model.transmat_ = np.array([[0.7, 0.3], [0.4, 0.6]])
    >>> model.emissionprob_ = np.array([[0.5, 0.4, 0.1], [0.1, 0.3, 0.6]])
    >>> logp, states = model.decode(np.array([[0], [1], [2]]))
    >>> states.tolist(), round(float(np.exp(logp)), 5)
    ([0, 0, 1], 0.01512)
    """

    def __init__(
        self,
        n_components=1,
        startprob_prior=1.0,
        transmat_prior=1.0,
        *,
        emissionprob_prior=1.0,
        n_features=None,
        algorithm="viterbi",
        random_state=None,
        n_iter=10,
        tol=1e-2,
        verbose=False,
        params="ste",
        init_params="ste",
        implementation="log",
    ):
        self.n_components = n_components
        self.startprob_prior = startprob_prior
        self.transmat_prior = transmat_prior
        self.emissionprob_prior = emissionprob_prior
        self.n_features = n_features
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
        if self.n_features is not None:
            check_scalar(self.n_features, "n_features", numbers.Integral, low=1)
        check_priors(self)
        check_sizes(self)

    def _check(self):
        """Validate the model parameters and store them as float64 arrays."""
        k = self.n_components
        self.startprob_ = check_probabilities(self.startprob_, "startprob_", 1, (k,))
        self.transmat_ = check_probabilities(self.transmat_, "transmat_", 2, (k, k))
        emission = np.atleast_2d(self.emissionprob_)
        if self.n_features is None:
            self.n_features = emission.shape[1]
        self.emissionprob_ = check_probabilities(
            emission, "emissionprob_", 2, (k, self.n_features)
        )

    def _check_fitted(self):
        check_is_fitted(self, ["startprob_", "transmat_", "emissionprob_"])
        self._check_hyperparameters()
        self._check()

    def _symbols(self, X, name="X"):
        """Flatten (n, 1) integer X into symbols in [0, n_features)."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != 1:
            raise ValueError(f"{name} must have shape (n_samples, 1), got {X.shape}")
        if self.n_features is not None:
            return check_symbols(X, name, self.n_features)
        symbols = check_symbols(X, name, np.iinfo(np.int64).max)
        self.n_features = int(symbols.max()) + 1 if symbols.size else 1
        return symbols

    # ------------------------------------------------------------------
    # inference
    # ------------------------------------------------------------------
    def _sequences(self, X, lengths, fitting=False):
        symbols = self._symbols(X)
        if fitting and symbols.size == 0:  # as hmmlearn (scikit-learn's check_array)
            raise ValueError(
                f"X: Found array with 0 sample(s) (shape={np.shape(X)}) while "
                "a minimum of 1 is required."
            )
        return (symbols, *sequence_offsets(lengths, symbols.size))

    def _log_emission_table(self):
        """log emissionprob_ as a (n_features, n_components) C array."""
        return _log(np.ascontiguousarray(self.emissionprob_.T))

    def _posteriors(self, X, lengths, posteriors=True):
        symbols, lengths, offsets = self._sequences(X, lengths)
        return _forward_backward(
            self._log_emission_table(),
            symbols,
            lengths,
            offsets,
            _log(self.transmat_),
            _log(self.startprob_),
            posteriors,
        )

    def score_samples(self, X, lengths=None):
        """Log-likelihood of X and the state posteriors.

        Parameters
        ----------
        X : array-like of int, shape (n_samples, 1)
            Symbols in ``[0, n_features)``, sequences end to end.
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
        logliks, post, _ = self._posteriors(X, lengths)
        _raise_if_impossible(logliks)
        return float(logliks.sum()), post

    def score(self, X, lengths=None):
        """Log-likelihood of X under the model.

        Parameters
        ----------
        X : array-like of int, shape (n_samples, 1)
            Symbols in ``[0, n_features)``, sequences end to end.
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
        return float(self._posteriors(X, lengths, posteriors=False)[0].sum())

    def predict_proba(self, X, lengths=None):
        """State posteriors of each sample.

        Parameters
        ----------
        X : array-like of int, shape (n_samples, 1)
            Symbols in ``[0, n_features)``, sequences end to end.
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
        X : array-like of int, shape (n_samples, 1)
            Symbols in ``[0, n_features)``, sequences end to end.
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
        symbols, lengths, offsets = self._sequences(X, lengths)
        k = self.n_components
        paths, log_probs = decode_validated(
            self._log_emission_table(),
            symbols,
            lengths,
            offsets,
            _log(self.transmat_),
            _log(self.startprob_),
            np.zeros(k),
        )
        return float(log_probs.sum()), paths

    def predict(self, X, lengths=None):
        """Most likely state of each sample, decoded as :meth:`decode` does.

        Parameters
        ----------
        X : array-like of int, shape (n_samples, 1)
            Symbols in ``[0, n_features)``, sequences end to end.
        lengths : array-like of int, shape (n_sequences,), optional
            Length of each sequence, summing to n_samples; None for one
            sequence.

        Returns
        -------
        state_sequence : ndarray of int, shape (n_samples,)
            The decoded states, with the ``algorithm`` parameter's decoder.
        """
        return self.decode(X, lengths)[1]

    def sample(self, n_samples=1, random_state=None, currstate=None):
        """Draw symbols and states, with hmmlearn's random-number order.

        Parameters
        ----------
        n_samples : int, default=1
            Length of the sampled sequence.
        random_state : int, RandomState or None, default=None
            Seeds this draw; None continues the model's own stream (seeded
            by the ``random_state`` parameter).
        currstate : int, optional
            State of the first sample; drawn from ``startprob_`` when None.

        Returns
        -------
        X : ndarray of int, shape (n_samples, 1)
            The symbols.
        state_sequence : ndarray of int, shape (n_samples,)
            The hidden states that emitted them.
        """
        self._check_fitted()
        check_scalar(n_samples, "n_samples", numbers.Integral, low=1)
        check_memory(32 * n_samples, f"sample(n_samples={n_samples:,})")
        rs = (
            self._generator()
            if random_state is None
            else check_random_state(random_state)
        )
        if currstate is None:
            first, n_uniform = -1, 2 * n_samples
        else:
            first = check_scalar(
                currstate,
                "currstate",
                numbers.Integral,
                low=0,
                high=self.n_components - 1,
            )
            n_uniform = 2 * n_samples - 1
        states = np.empty(n_samples, dtype=np.int64)
        symbols = np.empty(n_samples, dtype=np.int64)
        _kernels.sample_chain(
            np.cumsum(self.startprob_),
            np.cumsum(self.transmat_, axis=1),
            np.cumsum(self.emissionprob_, axis=1),
            rs.rand(n_uniform),
            int(first),
            states,
            symbols,
        )
        return symbols[:, None], states

    # ------------------------------------------------------------------
    # learning
    # ------------------------------------------------------------------
    def _generator(self):
        """The random generator for the next draw, continuing as hmmlearn's.

        hmmlearn's ``fit`` replaces its ``random_state`` parameter by the
        generator it used, so later fits and samples continue that stream;
        fastapml keeps the parameter untouched and the generator in
        ``_rng``, used while the parameter is the one it was made from.
        """
        if getattr(self, "_rng_source", None) is self.random_state and hasattr(
            self, "_rng"
        ):
            return self._rng
        return check_random_state(self.random_state)

    def _init(self, symbols):
        """Random initialization, drawing exactly as hmmlearn does."""
        k = self.n_components
        rs = self._generator()
        concentration = np.full(k, 1.0 / k)
        if self._needs_init("s", "startprob_"):
            self.startprob_ = rs.dirichlet(concentration)
        if self._needs_init("t", "transmat_"):
            self.transmat_ = rs.dirichlet(concentration, size=k)
        # hmmlearn re-derives its generator here (an int seed restarts) and
        # keeps that one.
        rs = self._generator()
        if self._needs_init("e", "emissionprob_"):
            self.emissionprob_ = normalize_rows(rs.rand(k, self.n_features))
        self._rng, self._rng_source = rs, self.random_state

    def _needs_init(self, code, name):
        return code in self.init_params or not hasattr(self, name)

    def fit(self, X, lengths=None):
        """Estimate the parameters with Baum-Welch EM.

        The parameters named in ``init_params`` (and any not set yet) are
        initialized at random; EM then updates those named in ``params``
        for up to ``n_iter`` iterations, stopping when the log-likelihood
        gains less than ``tol``.

        Parameters
        ----------
        X : array-like of int, shape (n_samples, 1)
            Symbols in ``[0, n_features)``, sequences end to end.
        lengths : array-like of int, shape (n_sequences,), optional
            Length of each sequence, summing to n_samples; None for one
            sequence.

        Returns
        -------
        self : CategoricalHMM
            The fitted model.
        """
        self._check_hyperparameters()
        symbols, lengths, offsets = self._sequences(X, lengths, fitting=True)
        self._init(symbols)
        self._check()
        self.monitor_ = _matching_monitor(
            self.monitor_, self.tol, self.n_iter, self.verbose
        )
        self.monitor_._reset()
        one_hot = symbol_indicator(symbols, self.n_features)
        for _ in range(self.n_iter):
            logliks, post, xi = _forward_backward(
                self._log_emission_table(),
                symbols,
                lengths,
                offsets,
                _log(self.transmat_),
                _log(self.startprob_),
            )
            _raise_if_impossible(logliks)
            firsts = offsets[:-1][lengths > 0]
            self._m_step(
                post[firsts].sum(axis=0), xi, (one_hot @ post).T, supervised=False
            )
            self.monitor_.report(float(logliks.sum()))
            if self.monitor_.converged:
                break
        return self

    def fit_supervised(self, X, states, lengths=None):
        """Maximum-likelihood parameters from observed state sequences.

        Counts n(start = j), n(i -> j) within sequences and n(symbol, j);
        each distribution is ``max(prior - 1 + counts, 0)`` normalized, so
        priors of 2 give add-one smoothing.  A state never observed gets a
        uniform row.  Only the parameters named in ``params`` are estimated;
        the others keep their (required) current values.

        Parameters
        ----------
        X : array-like of int, shape (n_samples, 1)
            Symbols in ``[0, n_features)``, sequences end to end.
        states : array-like of int, shape (n_samples,)
            The state of each sample, in ``[0, n_components)``.
        lengths : array-like of int, shape (n_sequences,), optional
            Length of each sequence, summing to n_samples; None for one
            sequence.

        Returns
        -------
        self : CategoricalHMM
            The fitted model.
        """
        self._check_hyperparameters()
        symbols, lengths, offsets = self._sequences(X, lengths, fitting=True)
        k = self.n_components
        states = check_symbols(states, "states", k)
        if states.size != symbols.size:
            raise ValueError(
                f"states has {states.size} entries but X has {symbols.size} samples"
            )
        for code, name in zip(
            _PARAM_CODES, ("startprob_", "transmat_", "emissionprob_")
        ):
            if code not in self.params and not hasattr(self, name):
                raise ValueError(
                    f"{name} is not estimated (params={self.params!r}) "
                    "and has no value; set it before fit_supervised"
                )
        firsts = offsets[:-1][lengths > 0]
        start = np.bincount(states[firsts], minlength=k).astype(np.float64)
        inside = np.ones(states.size, dtype=bool)
        inside[offsets[1:][lengths > 0] - 1] = False  # last of each sequence
        src = states[inside]
        dst = states[np.flatnonzero(inside) + 1]
        trans = np.bincount(src * k + dst, minlength=k * k).reshape(k, k)
        emit = np.bincount(
            states * self.n_features + symbols, minlength=k * self.n_features
        ).reshape(k, self.n_features)
        self._m_step(
            start, trans.astype(np.float64), emit.astype(np.float64), supervised=True
        )
        self._check()
        return self

    def _m_step(self, start, trans, emit, supervised):
        """Posterior-mode update from (expected) counts, as hmmlearn's M-step.

        Each distribution becomes ``max(prior - 1 + counts, 0)``, normalized.
        In EM, start and transition probabilities that are exactly zero stay
        zero (hmmlearn's rule for e.g. left-right models); in supervised
        fitting, a row without any mass becomes uniform.
        """

        def update(counts, name, current=None):
            table = posterior_mode(counts, getattr(self, name), current, supervised)
            return check_mass(self, name, table)

        if "s" in self.params:
            self.startprob_ = update(
                start, "startprob_prior", None if supervised else self.startprob_
            )
        if "t" in self.params:
            self.transmat_ = update(
                trans, "transmat_prior", None if supervised else self.transmat_
            )
        if "e" in self.params:
            self.emissionprob_ = update(emit, "emissionprob_prior")

    # ------------------------------------------------------------------
    # model selection
    # ------------------------------------------------------------------
    def _n_free_parameters(self):
        """Free scalars of the model (all of them, as hmmlearn counts)."""
        k, m = self.n_components, self.n_features
        return (k - 1) + k * (k - 1) + k * (m - 1)

    def aic(self, X, lengths=None):
        r"""Akaike information criterion of the model on X.

        :math:`\mathrm{AIC} = -2 \log L + 2 p`, with p the number of free
        parameters, :math:`(K - 1) + K (K - 1) + K (M - 1)`.

        Parameters
        ----------
        X : array-like of int, shape (n_samples, 1)
            Symbols in ``[0, n_features)``, sequences end to end.
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
        X : array-like of int, shape (n_samples, 1)
            Symbols in ``[0, n_features)``, sequences end to end.
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
            _categorical_file.KIND,
            _categorical_file.to_arrays(self),
            version=_categorical_file.FORMAT_VERSION,
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
        model : CategoricalHMM
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
            _categorical_file.KIND,
            lambda archive: _categorical_file.from_archive(cls, archive),
            version=_categorical_file.FORMAT_VERSION,
        )


def _raise_if_impossible(logliks):
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
