"""``CategoricalHMM``: hmmlearn's estimator on fastapml's kernels.

Same constructor, attributes and methods as ``hmmlearn.hmm.CategoricalHMM``
and the same answers on the same parameters; plus :meth:`fit_supervised`,
maximum-likelihood estimation from observed state sequences.
"""

import numbers

import numpy as np
from sklearn.utils import check_random_state

from .._memory import check_memory
from .._validation import check_probabilities, check_scalar, check_symbols
from . import _hmm_file, _kernels
from ._base import BaseHMM, log_probabilities
from ._categorical_checks import check_mass, check_sizes
from ._estimation import normalize_rows, posterior_mode, symbol_indicator
from .monitor import ConvergenceMonitor


class SymbolTypeError(TypeError, ValueError):
    """Symbols that are not integers: a TypeError, and the ValueError that
    hmmlearn raises for them."""


class CategoricalHMM(BaseHMM):
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

    _DIRICHLET_PRIORS = BaseHMM._DIRICHLET_PRIORS + ("emissionprob_prior",)
    _PARAM_CODES = "ste"
    _EMISSION_PARAMETERS = ("emissionprob_",)
    _FILE_KIND = "fastapml.hmm.CategoricalHMM"
    _FILE_SCALARS = {**_hmm_file.COMMON_SCALARS, "n_features": "iu"}
    _FILE_PRIORS = _DIRICHLET_PRIORS
    _FILE_ARRAYS = {name: name for name in ("startprob_", "transmat_", "emissionprob_")}

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        if self.n_features is not None:
            check_scalar(self.n_features, "n_features", numbers.Integral, low=1)
        check_sizes(self)

    def _emission_checks(self):
        k = self.n_components
        emission = np.atleast_2d(self.emissionprob_)
        if self.n_features is None:
            self.n_features = emission.shape[1]
        self.emissionprob_ = check_probabilities(
            emission, "emissionprob_", 2, (k, self.n_features)
        )

    def _frames(self, X, name="X"):
        """Flatten (n, 1) integer X into symbols in [0, n_features)."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != 1:
            raise ValueError(f"{name} must have shape (n_samples, 1), got {X.shape}")
        return self._check_and_set_n_features(X, name)

    def _check_and_set_n_features(self, X, name="X"):
        """Symbols of any shape as a flat int64 array in [0, n_features);
        when ``n_features`` is None it becomes the largest symbol plus one,
        as in hmmlearn (whose tests call this hook)."""
        flat = np.asarray(X).reshape(-1)
        high = np.iinfo(np.int64).max if self.n_features is None else self.n_features
        try:
            symbols = check_symbols(flat, name, high)
        except TypeError as err:  # hmmlearn raises ValueError: catchable as both
            raise SymbolTypeError(str(err)) from None
        if self.n_features is not None:
            return symbols
        self.n_features = int(symbols.max()) + 1 if symbols.size else 1
        return symbols

    def _emission_table(self, symbols, scaled):
        """log emissionprob_ as a (n_features, n_components) C array, and
        the symbols that index its rows."""
        table = log_probabilities(np.ascontiguousarray(self.emissionprob_.T))
        return table, symbols, None

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
    def _init_emissions(self, symbols):
        # hmmlearn re-derives its generator here (an int seed restarts) and
        # keeps that one for later fits and samples.
        rs = self._generator()
        if self._needs_init("e", "emissionprob_"):
            self.emissionprob_ = normalize_rows(
                rs.rand(self.n_components, self.n_features)
            )
        self._rng, self._rng_source = rs, self.random_state

    def _emission_statistics(self, symbols, table, post):
        """Expected symbol counts per state (K, M)."""
        return (symbol_indicator(symbols, self.n_features) @ post).T

    def _emission_m_step(self, emit):
        if "e" in self.params:
            table = posterior_mode(emit, self.emissionprob_prior)
            self.emissionprob_ = check_mass(self, "emissionprob_prior", table)

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
            self._PARAM_CODES, ("startprob_", "transmat_", "emissionprob_")
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
        self._chain_m_step(start, trans.astype(np.float64), supervised=True)
        if "e" in self.params:
            self.emissionprob_ = check_mass(
                self,
                "emissionprob_prior",
                posterior_mode(emit, self.emissionprob_prior, supervised=True),
            )
        self._check()
        return self

    # ------------------------------------------------------------------
    # model selection
    # ------------------------------------------------------------------
    def _fit_scalars(self):
        k, m = self.n_components, self.n_features
        return {"s": k - 1, "t": k * (k - 1), "e": k * (m - 1)}
