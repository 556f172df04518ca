"""Reference Gaussian posteriors in plain NumPy, the oracle for the tests
(see fastapml.denoise.gaussian for the fast ones).

Written straight from the information form with explicit inverses: clear,
O(n³), and no argument checks.
"""

import numpy as np


def gaussian_posterior(y, sigma, sigma_x):
    """x ~ N(0, σₓ²), y | x ~ N(x, σ²) ⇒ x | y ~ N(m, v) with
    v = 1 / (1/σ² + 1/σₓ²) and m = v y / σ²."""
    dtype = np.float32 if np.asarray(y).dtype == np.float32 else np.float64
    y, sigma, sigma_x = (np.asarray(a, dtype=dtype) for a in (y, sigma, sigma_x))
    var = 1 / (1 / sigma**2 + 1 / sigma_x**2)
    mean = var * y / sigma**2
    return mean, np.broadcast_to(var, mean.shape).copy()


def linear_gaussian_mmse(
    y, H, sigma, mu, Sigma, *, return_cov=False, method="auto", tol=1e-10, maxiter=None
):
    """y = Hx + η, x ~ N(μ, Σ), η ~ N(0, σ²I) ⇒
    E[x | y] = (Σ⁻¹ + HᵀH/σ²)⁻¹ (Σ⁻¹μ + Hᵀy/σ²),
    Cov[x | y] = (Σ⁻¹ + HᵀH/σ²)⁻¹.

    ``H=None`` is the identity; a LinearOperator or sparse H is made dense.
    ``method``, ``tol`` and ``maxiter`` are accepted for the same signature
    and ignored.
    """
    dtype = (
        np.float32
        if np.asarray(y).dtype == np.float32 and np.asarray(Sigma).dtype == np.float32
        else np.float64
    )
    Sigma = np.asarray(Sigma, dtype=np.float64)
    n = Sigma.shape[0]
    H = np.eye(n) if H is None else H @ np.eye(n)
    H = np.asarray(H, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    mu = np.broadcast_to(np.asarray(mu, dtype=np.float64), (n,))
    Sigma_inv = np.linalg.inv(Sigma)
    cov = np.linalg.inv(Sigma_inv + H.T @ H / sigma**2)
    mean = cov @ (Sigma_inv @ mu + H.T @ y / sigma**2)
    if return_cov:
        return mean.astype(dtype), cov.astype(dtype)
    return mean.astype(dtype)
