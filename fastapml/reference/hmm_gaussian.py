"""Plain-NumPy twins of the Gaussian and Gaussian-mixture HMM passes
(``fastapml.hmm._gaussian_passes``): every state's log-density of every
frame, and the M-step sums given the state posteriors.

Components are in scikit-learn's layout: C = G * n_mix of them, state g
owning components ``g * n_mix .. (g + 1) * n_mix - 1``; ``covars`` is (C,)
spherical, (C, d) diag, (C, d, d) full or (d, d) tied.
"""

import numpy as np

from .hmm import _logsumexp
from .mixture import estimate_log_prob, precisions_cholesky


def _component_log_prob(X, weights, means, covars, covariance_type, n_mix):
    """log w_c + log N(x_t; mu_c, Sigma_c) as (T, G, n_mix), in float64."""
    X = np.asarray(X, dtype=np.float64)
    prec = precisions_cholesky(np.asarray(covars, dtype=np.float64), covariance_type)
    with np.errstate(divide="ignore"):
        lp = estimate_log_prob(X, means, prec, covariance_type) + np.log(weights)
    return lp.reshape(X.shape[0], -1, n_mix)


def state_log_densities(X, weights, means, covars, covariance_type, n_mix=1):
    r"""``out[t, g] = log sum_m w_gm N(x_t; mu_gm, Sigma_gm)``.

    Parameters
    ----------
    X : array (T, d)
        The frames.
    weights : array (C,)
        Component weights (all 1 for a Gaussian HMM).
    means : array (C, d)
        Component means.
    covars : array
        Component covariances (see the module).
    covariance_type : {"full", "tied", "diag", "spherical"}
        The covariance model.
    n_mix : int, default=1
        Components per state.

    Returns
    -------
    ndarray of float64, shape (T, C // n_mix)
        The state log-densities.
    """
    lp = _component_log_prob(X, weights, means, covars, covariance_type, n_mix)
    return _logsumexp(lp, axis=2)


def emission_statistics(X, post, weights, means, covars, covariance_type, n_mix=1):
    r"""The M-step sums of every component under state posteriors.

    With :math:`r_{tc} = \gamma_t(g)\, w_c N_c(x_t) / \sum_{c' \in g}
    w_{c'} N_{c'}(x_t)` for component c of state g: :math:`s_0 = \sum_t
    r_{tc}`, :math:`s_x = \sum_t r_{tc} x_t` and :math:`s_{xx} = \sum_t
    r_{tc} x_t x_t^T`.

    Parameters
    ----------
    X : array (T, d)
        The frames.
    post : array (T, G)
        State posteriors.
    weights : array (C,)
        Component weights, as in :func:`state_log_densities`.
    means : array (C, d)
        Component means.
    covars : array
        Component covariances (see the module).
    covariance_type : {"full", "tied", "diag", "spherical"}
        The covariance model.
    n_mix : int, default=1
        Components per state.

    Returns
    -------
    s0 : ndarray (C,)
        Total responsibility per component.
    sx : ndarray (C, d)
        Responsibility-weighted sums of the frames.
    sxx : ndarray (C, d, d)
        Responsibility-weighted sums of the frames' outer products.
    """
    X = np.asarray(X, dtype=np.float64)
    lp = _component_log_prob(X, weights, means, covars, covariance_type, n_mix)
    with np.errstate(invalid="ignore"):
        share = np.exp(lp - _logsumexp(lp, axis=2)[:, :, None])
    resp = (np.asarray(post, dtype=np.float64)[:, :, None] * share).reshape(
        X.shape[0], -1
    )
    resp = np.nan_to_num(resp)  # states whose every component is impossible
    return resp.sum(axis=0), resp.T @ X, np.einsum("tc,ta,tb->cab", resp, X, X)
