"""Reference Gaussian-mixture EM in plain NumPy (see fastapml.mixture for the fast one).

Parameters follow scikit-learn: ``precisions_cholesky`` holds, per covariance
type, ``P`` with ``P @ P.T`` the precision (full: (K, d, d) upper triangular;
tied: (d, d); diag: (K, d) and spherical: (K,) square roots of precisions).
"""

import numpy as np


def _full_chol(precisions_cholesky, covariance_type, n_components, n_features):
    """Every type as a (K, d, d) stack of precision Cholesky factors."""
    pc = np.asarray(precisions_cholesky)
    if covariance_type == "full":
        return pc
    if covariance_type == "tied":
        return np.broadcast_to(pc, (n_components, n_features, n_features))
    if covariance_type == "spherical":
        pc = np.repeat(pc[:, None], n_features, axis=1)
    return np.stack([np.diag(row) for row in pc])


def estimate_log_prob(X, means, precisions_cholesky, covariance_type):
    """log N(x_i; mu_k, Sigma_k) for every sample and component, in float64.

    With Sigma_k^-1 = P_k P_k^T this is
    ``-d/2 log(2 pi) + log|det P_k| - |P_k^T (x - mu_k)|^2 / 2``.

    Parameters
    ----------
    X : array (n, d)
        The samples.
    means : array (K, d)
        Component means.
    precisions_cholesky : array
        P with P P^T the precision, in scikit-learn's layout for
        ``covariance_type`` (see the module's description).
    covariance_type : {"full", "tied", "diag", "spherical"}
        The covariance model.

    Returns
    -------
    ndarray of float64, shape (n, K)
        The log-densities.
    """
    X = np.asarray(X, dtype=np.float64)
    n_components, n_features = np.shape(means)
    chol = _full_chol(precisions_cholesky, covariance_type, n_components, n_features)
    out = np.empty((X.shape[0], n_components))
    for k in range(n_components):
        y = (X - means[k]) @ chol[k]
        log_det = np.sum(np.log(np.diag(chol[k])))
        out[:, k] = (
            -0.5 * (n_features * np.log(2 * np.pi) + np.sum(y * y, axis=1)) + log_det
        )
    return out


def log_prob_resp(X, weights, means, precisions_cholesky, covariance_type):
    """Per-sample log-likelihood log p(x_i) and responsibilities r_ik.

    r_ik = w_k N(x_i; mu_k, Sigma_k) / sum_j w_j N(x_i; mu_j, Sigma_j).

    Parameters
    ----------
    X : array (n, d)
        The samples.
    weights : array (K,)
        Mixture weights.
    means : array (K, d)
        Component means.
    precisions_cholesky : array
        P with P P^T the precision, in scikit-learn's layout for
        ``covariance_type`` (see the module's description).
    covariance_type : {"full", "tied", "diag", "spherical"}
        The covariance model.

    Returns
    -------
    log_prob_norm : ndarray, shape (n,)
        log p(x_i).
    resp : ndarray, shape (n, K)
        The responsibilities r_ik.
    """
    with np.errstate(divide="ignore"):
        weighted = estimate_log_prob(
            X, means, precisions_cholesky, covariance_type
        ) + np.log(weights)
    top = weighted.max(axis=1, keepdims=True)
    log_prob_norm = top[:, 0] + np.log(np.exp(weighted - top).sum(axis=1))
    return log_prob_norm, np.exp(weighted - log_prob_norm[:, None])


def m_step(X, resp, reg_covar, covariance_type):
    """The M-step: weights, means and covariances from responsibilities.

    They maximize the expected log-likelihood, computed in float64 (``eps``
    below is that of X's dtype): n_k = sum_i r_ik (+ 10 eps, as
    scikit-learn), w_k = n_k / sum_j n_j, mu_k = sum_i r_ik x_i / n_k and
    Sigma_k = sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T / n_k + reg_covar I
    (tied: pooled over k; diag: its diagonal; spherical: the mean of the
    diagonal).

    Parameters
    ----------
    X : array (n, d)
        The samples.
    resp : array (n, K)
        Responsibilities r_ik.
    reg_covar : float
        Added to the diagonal of every covariance.
    covariance_type : {"full", "tied", "diag", "spherical"}
        The covariance model.

    Returns
    -------
    weights : ndarray, shape (K,)
        w_k.
    means : ndarray, shape (K, d)
        mu_k.
    covariances : ndarray
        (K, d, d) full, (d, d) tied, (K, d) diag or (K,) spherical.
    """
    eps = np.finfo(np.asarray(X).dtype).eps
    X = np.asarray(X, dtype=np.float64)
    resp = np.asarray(resp, dtype=np.float64)
    nk = resp.sum(axis=0) + 10 * eps
    means = resp.T @ X / nk[:, None]
    n_features = X.shape[1]
    scatter = np.stack(
        [(resp[:, k, None] * (X - means[k])).T @ (X - means[k]) for k in range(len(nk))]
    )
    if covariance_type == "full":
        cov = scatter / nk[:, None, None] + reg_covar * np.eye(n_features)
    elif covariance_type == "tied":
        cov = scatter.sum(axis=0) / nk.sum() + reg_covar * np.eye(n_features)
    else:
        cov = np.diagonal(scatter, axis1=1, axis2=2) / nk[:, None] + reg_covar
        if covariance_type == "spherical":
            cov = cov.mean(axis=1)
    return nk / nk.sum(), means, cov


def precisions_cholesky(covariances, covariance_type):
    """P with P P^T = Sigma^-1, in scikit-learn's layout.

    The transposed inverse of Sigma's Cholesky factor (full, tied), or
    1 / sqrt(Sigma) elementwise (diag, spherical).

    Parameters
    ----------
    covariances : array
        (K, d, d) full, (d, d) tied, (K, d) diag or (K,) spherical.
    covariance_type : {"full", "tied", "diag", "spherical"}
        The covariance model.

    Returns
    -------
    ndarray
        Shaped like ``covariances``.
    """
    cov = np.asarray(covariances)
    if covariance_type in ("diag", "spherical"):
        return 1.0 / np.sqrt(cov)
    stack = cov[None] if covariance_type == "tied" else cov
    eye = np.eye(cov.shape[-1])
    out = np.stack([np.linalg.solve(np.linalg.cholesky(c), eye).T for c in stack])
    return out[0] if covariance_type == "tied" else out


def em_step(X, weights, means, precisions_cholesky, covariance_type, reg_covar):
    """One EM iteration from the given parameters.

    Parameters
    ----------
    X : array (n, d)
        The samples.
    weights : array (K,)
        Mixture weights.
    means : array (K, d)
        Component means.
    precisions_cholesky : array
        P with P P^T the precision, in scikit-learn's layout for
        ``covariance_type`` (see the module's description).
    covariance_type : {"full", "tied", "diag", "spherical"}
        The covariance model.
    reg_covar : float
        Added to the diagonal of every covariance.

    Returns
    -------
    lower_bound : float
        Mean log-likelihood of X under the *given* parameters (the E-step's).
    weights, means, covariances : arrays
        The M-step's new parameters.
    """
    log_prob_norm, resp = log_prob_resp(
        X, weights, means, precisions_cholesky, covariance_type
    )
    return (float(np.mean(log_prob_norm)), *m_step(X, resp, reg_covar, covariance_type))
