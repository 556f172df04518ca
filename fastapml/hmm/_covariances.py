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


def check_covars(covars, covariance_type, shape, name="covars_"):
    """``covars`` as float64 of ``shape``, with positive variances or
    symmetric positive-definite matrices (the last two axes).

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
        if (arr <= 0).any():
            raise ValueError(f"{name} must be positive, found {arr.min()!r}")
        return arr
    scale = max(float(np.abs(arr).max(initial=0.0)), np.finfo(float).tiny)
    if np.abs(arr - np.swapaxes(arr, -1, -2)).max(initial=0.0) > 1e-8 * scale:
        raise ValueError(f"{name} must hold symmetric matrices")
    if arr.size and (np.linalg.eigvalsh(arr).min() <= 0):
        raise ValueError(f"{name} must hold positive-definite matrices")
    return arr


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
