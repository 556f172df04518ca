"""linear_gaussian_mmse's dense path (Cholesky, or CG on a dense Σ) and the
checks it shares with the operator paths of :mod:`._operator_mmse`."""

import numbers

import numpy as np
import scipy.sparse as sp
from scipy.linalg import LinAlgError, cho_factor, cho_solve, solve_triangular
from scipy.sparse.linalg import LinearOperator, aslinearoperator, cg

from .._validation import (
    check_float_array,
    check_magnitude,
    check_scalar,
    check_shape,
    float_dtype,
)

METHODS = ("auto", "cholesky", "cg", "fourier")
NO_FOURIER = (
    "method='fourier' needs Sigma a StationaryCovariance and H None, a blur "
    "or a downsample (fastapml.denoise.operators)"
)


def _scalar(value, name, **bounds):
    """``check_scalar`` that also takes 0-d arrays."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    return check_scalar(value, name, **bounds)


def _check_sigma_matrix(Sigma, dtype):
    """Sigma as a symmetric positive definite (n, n) ``dtype`` array."""
    Sigma = check_float_array(Sigma, "Sigma", 2, dtype=dtype, allow_empty=False)
    n = Sigma.shape[0]
    check_shape(Sigma, "Sigma", (n, n))
    asym = np.abs(Sigma - Sigma.T).max()
    if asym > np.sqrt(np.finfo(dtype).eps) * np.abs(Sigma).max():
        raise ValueError(
            f"Sigma must be symmetric, max |Sigma - Sigma.T| is {asym:.3g}"
        )
    try:
        cho_factor(Sigma, check_finite=False)
    except LinAlgError:
        raise ValueError(
            "Sigma must be positive definite (its Cholesky factorization failed)"
        ) from None
    return Sigma


def _check_h(H, n, dtype):
    """H as a dense ``dtype`` array or a LinearOperator with n columns."""
    if sp.issparse(H):
        H = aslinearoperator(H.astype(dtype))
    elif not isinstance(H, LinearOperator):
        H = check_float_array(H, "H", 2, dtype=dtype)
    if len(H.shape) != 2 or H.shape[1] != n:
        raise ValueError(f"H must have shape (m, {n}) to match Sigma, got {H.shape}")
    return H


def _check_options(method, tol, maxiter):
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    check_scalar(tol, "tol", low=0, low_inclusive=False)
    if maxiter is not None:
        check_scalar(maxiter, "maxiter", numbers.Integral, low=1)


def _cg_mean(y, forward, adjoint, cov, noise, mu, dtype, tol, maxiter):
    """μ + Σ Hᵀ A⁻¹ (y − Hμ) by conjugate gradients on A = H Σ Hᵀ + σ²I."""
    m = y.shape[0]
    A = LinearOperator(
        (m, m),
        dtype=dtype,
        matvec=lambda v: (forward(cov(adjoint(v))) + noise * v).astype(
            dtype, copy=False
        ),
    )
    residual = y - forward(mu).astype(dtype, copy=False)
    u, info = cg(A, residual, rtol=tol, maxiter=maxiter)
    if info:
        reached = np.linalg.norm(residual - A.matvec(u)) / np.linalg.norm(residual)
        raise RuntimeError(
            f"conjugate gradients did not converge: relative "
            f"residual {reached:.3g} > tol={tol} after {info} "
            f"iterations; raise maxiter or tol"
        )
    return mu + cov(adjoint(u)).astype(dtype, copy=False)


def _dense_mmse(y, H, sigma, mu, Sigma, return_cov, method, tol, maxiter):
    """:func:`linear_gaussian_mmse` for a dense Σ."""
    dtype = float_dtype(y, Sigma)
    Sigma = _check_sigma_matrix(Sigma, dtype)
    n = Sigma.shape[0]
    H = None if H is None else _check_h(H, n, dtype)
    y = check_float_array(y, "y", 1, dtype=dtype)
    check_shape(y, "y", (n if H is None else H.shape[0],))
    sigma = _scalar(sigma, "sigma", low=0, low_inclusive=False)
    if np.ndim(mu) == 0:
        mu = np.full(n, _scalar(mu, "mu"), dtype)
    else:
        mu = check_shape(check_float_array(mu, "mu", 1, dtype=dtype), "mu", (n,))
    # the solve multiplies y, mu, Sigma and H with one another and sums n
    # products: refuse magnitudes whose products would overflow to inf/NaN
    for name, arr in (("y", y), ("mu", mu), ("Sigma", Sigma), ("sigma", sigma)):
        check_magnitude(np.asarray(arr, dtype), name, 2, n + 1)
    if isinstance(H, np.ndarray):
        check_magnitude(H, "H", 2, n + 1)
    _check_options(method, tol, maxiter)
    if method == "fourier":
        raise ValueError(NO_FOURIER)
    if method == "auto":
        iterative = isinstance(H, LinearOperator) and not return_cov
        method = "cg" if iterative else "cholesky"
    if method == "cg" and return_cov:
        raise ValueError(
            "return_cov=True needs method='cholesky' (the "
            "covariance is dense); method='cg' was asked for"
        )

    noise = dtype.type(sigma) ** 2
    if method == "cholesky":
        if isinstance(H, LinearOperator):
            H = H.matmat(np.eye(n, dtype=dtype)).astype(dtype, copy=False)
        HS = Sigma if H is None else H @ Sigma  # H Σ, (m, n)
        A = HS.copy() if H is None else HS @ H.T
        A.flat[:: A.shape[0] + 1] += noise
        try:
            factor = cho_factor(A, lower=True, check_finite=False)
        except LinAlgError:
            raise ValueError(
                "H Sigma H^T + sigma^2 I is numerically singular:"
                " sigma is too small for this H and Sigma"
            ) from None
        residual = y - (mu if H is None else H @ mu)
        mean = mu + HS.T @ cho_solve(factor, residual, check_finite=False)
        if not return_cov:
            return mean
        W = solve_triangular(factor[0], HS, lower=True, check_finite=False)
        return mean, Sigma - W.T @ W

    Hop = aslinearoperator(sp.eye_array(n, dtype=dtype) if H is None else H)
    return _cg_mean(
        y, Hop.matvec, Hop.rmatvec, Sigma.__matmul__, noise, mu, dtype, tol, maxiter
    )
