"""EM convergence monitor with hmmlearn's ``ConvergenceMonitor`` interface."""

import logging
import numbers
import sys
from collections import deque

import numpy as np

from .._validation import check_scalar

_log = logging.getLogger(__name__)


class ConvergenceMonitor:
    """Track EM's log-likelihood; converged after ``n_iter`` or a gain < ``tol``.

    hmmlearn's ``ConvergenceMonitor`` interface:
    :class:`~fastapml.hmm.CategoricalHMM` creates one as ``monitor_`` and
    reports each EM iteration to it; a log-likelihood that falls is logged as
    a warning.

    Parameters
    ----------
    tol : float
        Convergence threshold: EM stops once an iteration gains less than
        this.
    n_iter : int
        Maximum number of iterations.
    verbose : bool
        Print each reported iteration (number, log-likelihood, gain) to
        stderr.

    Attributes
    ----------
    history : deque
        Log-likelihood after each iteration.
    iter : int
        Number of iterations done.
    """

    _template = "{iter:>10d} {log_prob:>16.8f} {delta:>+16.8f}"

    def __init__(self, tol, n_iter, verbose):
        self.tol = check_scalar(tol, "tol", numbers.Real, finite=False)  # hmmlearn: any
        self.n_iter = check_scalar(n_iter, "n_iter", numbers.Integral, low=0)
        self.verbose = verbose
        self.history = deque()
        self.iter = 0

    def __repr__(self):
        return (
            f"{type(self).__name__}(tol={self.tol}, n_iter={self.n_iter}, "
            f"iter={self.iter}, history={list(self.history)})"
        )

    def _reset(self):
        self.iter = 0
        self.history.clear()

    def report(self, log_prob):
        """Record one iteration's log-likelihood (and print it if verbose).

        Parameters
        ----------
        log_prob : float
            The log-likelihood after the iteration.
        """
        log_prob = check_scalar(log_prob, "log_prob", numbers.Real, finite=False)
        delta = log_prob - self.history[-1] if self.history else np.nan
        if self.verbose:
            print(
                self._template.format(
                    iter=self.iter + 1, log_prob=log_prob, delta=delta
                ),
                file=sys.stderr,
            )
        if self.history and delta < -np.sqrt(np.finfo(float).eps):
            _log.warning(
                "Model is not converging: log-likelihood fell from %s to %s",
                self.history[-1],
                log_prob,
            )
        self.history.append(log_prob)
        self.iter += 1

    @property
    def converged(self):
        """True once ``n_iter`` iterations ran or the last gain was below ``tol``."""
        return self.iter == self.n_iter or (
            len(self.history) >= 2 and self.history[-1] - self.history[-2] < self.tol
        )
