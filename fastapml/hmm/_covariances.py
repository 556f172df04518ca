"""Covariance parameters of the Gaussian HMMs in hmmlearn's layouts: checks,
expansion to full matrices, and the initial covariances."""

import numpy as np

from .._validation import check_float_array

COVARIANCE_TYPES = ("spherical", "diag", "full", "tied")


def check_covariance_type(covariance_type):
    """Refuse an unknown ``covariance_type``."""
    if covariance_type not in COVARIANCE_TYPES:
        raise ValueError(
            f"covariance_type must be one of {COVARIANCE_TYPES}, "
            f"got {covariance_type!r}"
        )


def check_covars(covars, covariance_type, shape, name="covars_", level="definite"):
    """``covars`` as float64 of ``shape``, finite, its matrices symmetric.

    Parameters
    ----------
    covars : array-like
    covariance_type : str
        "spherical" and "diag" hold variances; "full" and "tied" matrices.
    shape : tuple
        The expected shape; a spherical array of the right size is
        flattened to it (hmmlearn accepts e.g. (K, 1, 1)).
    name : str
        For the messages.
    level : {"definite", "semidefinite", "any"}
        What the values must be, as hmmlearn checks them: positive
        variances and positive-definite matrices (its ``covars_`` setter);
        no negative ones (its GMMHMM's ``_check``); anything finite (its
        GaussianHMM's ``_check``, which accepts what an M-step left).

    Returns
    -------
    ndarray
        The checked float64 array.
    """
    arr = check_float_array(covars, name, np.ndim(covars), dtype=np.float64)
    if covariance_type == "spherical" and arr.size == int(np.prod(shape)):
        arr = arr.reshape(shape)
    if arr.shape != tuple(shape):
        raise ValueError(
            f"{name} must have shape {tuple(shape)} for covariance_type="
            f"{covariance_type!r}, got {arr.shape}"
        )
    if covariance_type in ("spherical", "diag"):
        low = arr.min(initial=np.inf)
    else:
        scale = max(float(np.abs(arr).max(initial=0.0)), np.finfo(float).tiny)
        if np.abs(arr - np.swapaxes(arr, -1, -2)).max(initial=0.0) > 1e-8 * scale:
            raise ValueError(f"{name} must hold symmetric matrices")
        if level == "any" or not arr.size:
            return arr
        low = np.linalg.eigvalsh(arr).min()
    what = "variances" if covariance_type in ("spherical", "diag") else "matrices"
    if level == "definite" and low <= 0:
        shown = "positive" if what == "variances" else "positive-definite"
        raise ValueError(f"{name} must hold {shown} {what}, found {low!r}")
    if level == "semidefinite" and low < 0:
        shown = "non-negative" if what == "variances" else "positive-semidefinite"
        raise ValueError(f"{name} must hold {shown} {what}, found {low!r}")
    return arr


def regularized(covars, covariance_type):
    """Covariances as hmmlearn's densities use them: variances below the
    smallest normal float raised to it; a matrix whose Cholesky
    factorization fails with 1e-7 added to its diagonal.

    Parameters
    ----------
    covars : ndarray
        scikit-learn's layout: (C,), (C, d), (C, d, d) or (d, d) "tied".
    covariance_type : str

    Returns
    -------
    ndarray
        ``covars`` itself when nothing needed changing.
    """
    if covariance_type in ("spherical", "diag"):
        tiny = np.finfo(np.float64).tiny
        return covars if covars.min(initial=tiny) >= tiny else np.maximum(covars, tiny)
    stack = covars[None] if covariance_type == "tied" else covars
    try:
        np.linalg.cholesky(stack)
        return covars
    except np.linalg.LinAlgError:
        pass
    out = stack.copy()
    for k, matrix in enumerate(stack):
        try:
            np.linalg.cholesky(matrix)
        except np.linalg.LinAlgError:
            out[k] = matrix + 1e-7 * np.eye(matrix.shape[0])
    return out[0] if covariance_type == "tied" else out


def broadcast_prior(value, name, shape):
    """``value`` broadcast to ``shape`` (read-only), or a ValueError naming
    the prior."""
    try:
        return np.broadcast_to(value, shape)
    except ValueError:
        raise ValueError(
            f"{name} of shape {np.shape(value)} does not broadcast to {shape}"
        ) from None


def full_matrices(covars, covariance_type, n_matrices, n_features):
    """Covariances in any layout as (n_matrices, d, d) full matrices
    (hmmlearn's ``fill_covars``; a tied matrix is repeated)."""
    covars = np.asarray(covars, dtype=np.float64)
    if covariance_type == "full":
        return covars.copy()
    if covariance_type == "tied":
        return np.tile(covars, (n_matrices, 1, 1))
    eye = np.eye(n_features)
    if covariance_type == "spherical":
        return covars.reshape(-1)[:, None, None] * eye
    return covars[..., :, None] * eye


def initial_covars(X, min_covar, covariance_type, n_states):
    """hmmlearn's start: the data's covariance plus ``min_covar`` on the
    diagonal, in each state's layout."""
    cv = np.cov(X.T) + min_covar * np.eye(X.shape[1])
    cv = np.atleast_2d(cv)
    if covariance_type == "spherical":
        return np.full(n_states, cv.mean())
    if covariance_type == "tied":
        return cv
    if covariance_type == "diag":
        return np.tile(np.diag(cv), (n_states, 1))
    return np.tile(cv, (n_states, 1, 1))
