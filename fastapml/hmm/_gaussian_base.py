"""What GaussianHMM and GMMHMM share: frames as float arrays, the emission
model of their Gaussian components, the two data passes of an EM
iteration, and sampling with NumPy's multivariate-normal draws."""

import numbers

import numpy as np

from .._validation import check_float_array, check_magnitude, check_scalar
from ._base import BaseHMM
from ._covariances import check_covariance_type
from ._gaussian_passes import emission_model, frame_log_densities, frame_statistics


class GaussianEmissionsHMM(BaseHMM):
    """An HMM whose emissions are Gaussian components: a subclass gives
    ``_components()``, ``(weights (C,), means (C, d), covars, covariance
    type)`` in scikit-learn's layout for C = K * ``_n_mix`` components."""

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
                "covars_ are not positive definite (a state with too few "
                "frames, or collapsed ones); raise covars_prior or min_covar, "
                "use fewer states, or scale the data"
            ) from None

    def _emission_table(self, X, scaled):
        table, scaled = frame_log_densities(
            X, self._model(X.dtype), self._n_mix, scaled
        )
        return table, np.arange(X.shape[0], dtype=np.int64), scaled

    def _emission_statistics(self, X, table, post):
        """(model, s0, s1, s2, post_sum): the shifted sums of
        :func:`._gaussian_passes.frame_statistics` per component, and each
        state's total posterior."""
        model = self._model(X.dtype)
        sums = frame_statistics(X, model, self._n_mix, post, table)
        return (model, *sums, post.sum(axis=0))

    def _sample_components(
        self, n_samples, random_state, currstate, means, covars, pick
    ):
        """hmmlearn's draws: for each state, ``pick(state, rs)`` chooses a
        component (None: the state itself), then NumPy's
        ``multivariate_normal(means[c], covars[c])`` (its SVD factor,
        computed once per component)."""
        _, s, vh = np.linalg.svd(covars)
        factors = np.sqrt(s)[..., :, None] * vh
        d = means.shape[-1]

        def emit(state, rs):
            c = state if pick is None else pick(state, rs)
            z = rs.standard_normal(d).reshape(1, -1)
            return (np.dot(z, factors[c]) + means[c])[0]

        return self._sample_states(n_samples, random_state, currstate, emit)
