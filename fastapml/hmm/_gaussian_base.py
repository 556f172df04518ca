"""What GaussianHMM and GMMHMM share: frames as float arrays, the emission
model of their Gaussian components, the two data passes of an EM
iteration, and sampling with NumPy's multivariate-normal draws."""

import numbers

import numpy as np

from .._validation import check_float_array, check_magnitude, check_scalar
from ..mixture.em import second_moments_shape
from . import _baum_welch_dask
from ._base import BaseHMM
from ._covariances import check_covariance_type
from ._gaussian_passes import emission_model, frame_log_densities, frame_statistics


class GaussianEmissionsHMM(BaseHMM):
    """An HMM whose emissions are Gaussian components: a subclass gives
    ``_components()``, ``(weights (C,), means (C, d), covars, covariance
    type)`` in scikit-learn's layout for C = K * ``_n_mix`` components, and
    ``_sample_parts()``: the means and full covariances that ``sample``
    draws from and how it picks a state's component (None: the state)."""

    _n_mix = 1

    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        check_covariance_type(self.covariance_type)
        check_scalar(self.min_covar, "min_covar", numbers.Real, low=0)

    def _frames(self, X):
        X = check_float_array(X, "X", 2)
        d = getattr(self, "n_features", None)
        if d is None:
            self.n_features = X.shape[1]
        elif X.shape[1] != d:
            raise ValueError(f"X has {X.shape[1]} features, but the model has {d}")
        check_magnitude(X, "X", 2, X.size)
        return X

    def _model(self, dtype):
        try:
            return emission_model(*self._components(), dtype)
        except ValueError:
            raise ValueError(
                "covars_ are not positive definite, even with 1e-7 added to "
                "the diagonal (a state with too few frames, or collapsed "
                "ones); raise covars_prior or min_covar, use fewer states, or "
                "scale the data"
            ) from None

    def _emission_table(self, X, scaled):
        table, scaled = frame_log_densities(
            X, self._model(X.dtype), self._n_mix, scaled
        )
        return table, np.arange(X.shape[0], dtype=np.int64), scaled

    def fit(self, X, lengths=None):
        """Estimate the parameters with Baum-Welch EM, in memory or on dask.

        As hmmlearn's ``fit``: the parameters named in ``init_params`` (and
        any not set yet) are initialized, then EM updates those named in
        ``params`` for up to ``n_iter`` iterations, stopping when the
        log-likelihood gains less than ``tol``.  Partitioned sequences (a
        dask bag, or a list of ``(X, lengths)`` partitions) run one
        tree-summed dask reduction per iteration on the current dask client
        or scheduler, and give the in-memory fit's answer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), dask bag or list
            Frames, sequences end to end; or a ``dask.bag.Bag`` of (T_i,
            n_features) sequences; or a list of ``(X, lengths)``
            partitions, each X a 2-D array or a ``dask.delayed`` object.
        lengths : array-like of int, shape (n_sequences,), optional
            Length of each sequence, summing to n_samples; None for one
            sequence.  Must be None for dask input, whose partitions carry
            their own.

        Returns
        -------
        self
            The fitted model.
        """
        if _baum_welch_dask.is_dask_input(X):
            if lengths is not None:
                raise ValueError(
                    "lengths must be None for sequences held by dask: a bag's "
                    "elements are whole sequences, and each (X, lengths) "
                    "partition carries its own"
                )
            return _baum_welch_dask.fit(self, X)
        return super().fit(X, lengths)

    def _statistics_shapes(self, model):
        """Shapes of :meth:`_emission_statistics`' arrays (after the model)."""
        n_components, n_features = model.means.shape
        return [
            (n_components,),
            (n_components, n_features),
            second_moments_shape(model),
            (self.n_components,),
        ]

    def _emission_statistics(self, X, table, post):
        """(model, s0, s1, s2, post_sum): the shifted sums of
        :func:`._gaussian_passes.frame_statistics` per component, and each
        state's total posterior."""
        model = self._model(X.dtype)
        sums = frame_statistics(X, model, self._n_mix, post, table)
        return (model, *sums, post.sum(axis=0))

    def sample(self, n_samples=1, random_state=None, currstate=None):
        """Draw observations and states, with hmmlearn's random-number order.

        For each state, its component is drawn (a mixture's, as hmmlearn
        does with ``RandomState.choice``), then NumPy's
        ``multivariate_normal`` of it, whose SVD factor is computed once per
        component instead of once per draw.

        Parameters
        ----------
        n_samples : int, default=1
            Length of the sampled sequence.
        random_state : int, RandomState or None, default=None
            Seeds this draw; None uses the ``random_state`` parameter.
        currstate : int, optional
            State of the first sample; drawn from ``startprob_`` when None.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The observations.
        state_sequence : ndarray of int, shape (n_samples,)
            The hidden states that emitted them.
        """
        self._check_fitted()
        means, covars, pick = self._sample_parts()
        _, s, vh = np.linalg.svd(covars)
        factors = np.sqrt(s)[..., :, None] * vh
        d = means.shape[-1]

        def emit(state, rs):
            c = state if pick is None else pick(state, rs)
            z = rs.standard_normal(d).reshape(1, -1)
            return (np.dot(z, factors[c]) + means[c])[0]

        return self._sample_states(n_samples, random_state, currstate, emit)
