"""The two data passes of a Gaussian or Gaussian-mixture HMM's EM iteration,
on the kernels of :mod:`._gaussian_kernels`: per-frame state log-densities,
and the M-step sums given the state posteriors."""

import math

import numpy as np

from ..mixture.em import (
    _chunk_bounds,
    _read_only,
    _use_parallel,
    kernel_model,
    precisions_cholesky,
    second_moments_shape,
)
from . import _forward_backward_kernels as _fb_kernels
from . import _gaussian_kernels as _kernels
from ._covariances import regularized


def emission_model(weights, means, covars, covariance_type, dtype):
    """The mixture engine's model of C Gaussian components.

    Parameters
    ----------
    weights : ndarray (C,)
        Component weights: all 1 for a Gaussian HMM (unweighted densities),
        each state's mixture weights end to end for a GMM-HMM.
    means : ndarray (C, d)
    covars : ndarray
        scikit-learn's layout for C components: (C,) spherical, (C, d)
        diag, (C, d, d) full, (d, d) tied.
    covariance_type : str
        Degenerate covariances are regularized as hmmlearn does
        (:func:`._covariances.regularized`).
    dtype : dtype
        The data's float dtype, in which the kernels compute.

    Returns
    -------
    model : fastapml.mixture._kernels.Model
        Its ``log_norm`` holds ``log w_c`` plus the Gaussian's constant.

    Raises
    ------
    ValueError
        If a covariance is not positive definite.
    """
    weights = np.asarray(weights, dtype=np.float64)
    # The engine shifts tied data by sum_c w_c mu_c: weights that sum to one
    # make that the means' average; log_norm then gets their scale back.
    scale = float(weights.sum())
    covars = regularized(np.asarray(covars, dtype=np.float64), covariance_type)
    prec = precisions_cholesky(covars, covariance_type)
    model = kernel_model(weights / scale, means, prec, covariance_type, dtype)
    return model._replace(
        log_norm=model.log_norm + model.log_norm.dtype.type(math.log(scale))
    )


def frame_log_densities(X, model, n_mix, scaled=True):
    """Every frame's state log-densities, and their scaled form.

    Parameters
    ----------
    X : ndarray (T, d)
        Validated frames, in the model's dtype.
    model : fastapml.mixture._kernels.Model
        From :func:`emission_model`, G * n_mix components.
    n_mix : int
        Components per state.
    scaled : bool, default=True
        Also return the emissions of the scaled forward-backward.

    Returns
    -------
    table : float64 ndarray (T, G)
        ``table[t, g] = log sum_m w_gm N(x_t; mu_gm, Sigma_gm)``.
    scaled : Scaled or None
        What ``forward_backward.scaled_emissions(table)`` returns (to about
        one ulp), computed in the same pass.
    """
    n = X.shape[0]
    n_states = model.means.shape[0] // n_mix
    out = np.empty((n, n_states))
    rows = n if scaled else 0
    parts = _fb_kernels.Scaled(
        np.empty((rows, n_states)), np.empty(rows), np.empty(rows, dtype=np.bool_)
    )
    if n:
        bounds = _chunk_bounds(n)
        run = (
            _kernels.frame_log_densities_parallel
            if _use_parallel(bounds, model, n)
            else _kernels.frame_log_densities
        )
        run(_read_only(X), model, n_mix, bounds, out, tuple(parts))
    return out, (parts if scaled else None)


def frame_statistics(X, model, n_mix, post, frame_ll):
    """M-step sums of X under state posteriors ``post`` (T, G).

    Parameters
    ----------
    X : ndarray (T, d)
    model : fastapml.mixture._kernels.Model
        The model ``frame_ll`` came from.
    n_mix : int
        Components per state.
    post : float64 ndarray (T, G)
        State posteriors.
    frame_ll : float64 ndarray (T, G)
        :func:`frame_log_densities` of X (unused when ``n_mix`` is 1).

    Returns
    -------
    s0, s1, s2 : float64 ndarrays
        Per component c: ``s0[c] = sum_t r_tc``, ``s1[c] = sum_t r_tc (x_t -
        shift_c)`` and the second moments about the shift (the lower
        triangle of (C, d, d) for full, of (1, d, d) unweighted for tied,
        (C, 1, d) for diagonal), with ``shift_c`` the component's mean (the
        model's ``center`` for tied).
    """
    n_components, n_features = model.means.shape
    s2_shape = second_moments_shape(model)
    stat_bytes = 8 * (n_components * (n_features + 1) + int(np.prod(s2_shape)))
    bounds = _chunk_bounds(X.shape[0], stat_bytes)
    n_chunks = bounds.shape[0] - 1
    s0 = np.zeros((n_chunks, n_components))
    s1 = np.zeros((n_chunks, n_components, n_features))
    s2 = np.zeros((n_chunks,) + s2_shape)
    if X.shape[0]:
        run = (
            _kernels.frame_statistics_parallel
            if _use_parallel(bounds, model, X.shape[0])
            else _kernels.frame_statistics
        )
        run(_read_only(X), model, n_mix, post, frame_ll, bounds, s0, s1, s2)
    # the chunks' partial sums, added in chunk order
    return np.add.reduce(s0), np.add.reduce(s1), np.add.reduce(s2)
