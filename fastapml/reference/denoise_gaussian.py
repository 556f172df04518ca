"""Reference Gaussian posteriors in plain NumPy, the oracle for the tests
(see fastapml.denoise.gaussian for the fast ones).

Written straight from the information form with explicit inverses: clear,
O(n³), and no argument checks.
"""

import numpy as np


def gaussian_posterior(y, sigma, sigma_x):
    """Posterior of x given y for x ~ N(0, σₓ²), y | x ~ N(x, σ²), elementwise.

    x | y ~ N(m, v) with v = 1 / (1/σ² + 1/σₓ²) and m = v y / σ².

    Parameters
    ----------
    y : array_like
        Observations.
    sigma : float or array_like
        Noise standard deviation(s), broadcast against y.
    sigma_x : float or array_like
        Prior standard deviation(s), broadcast against y.

    Returns
    -------
    mean, variance : ndarray
        Posterior means and variances, of the broadcast shape; float32 when
        y is float32, else float64.
    """
    dtype = np.float32 if np.asarray(y).dtype == np.float32 else np.float64
    y, sigma, sigma_x = (np.asarray(a, dtype=dtype) for a in (y, sigma, sigma_x))
    var = 1 / (1 / sigma**2 + 1 / sigma_x**2)
    mean = var * y / sigma**2
    return mean, np.broadcast_to(var, mean.shape).copy()


def stationary_covariance(kernel, shape):
    """The dense covariance of a periodic stationary field on ``shape`` images.

    Σ[i, j] = c((i − j) mod shape) for pixels i, j flattened in C order,
    where c(Δ) is ``kernel``'s entry at offset Δ from its centre
    ``(k_h // 2, k_w // 2)``, and 0 beyond the kernel.

    Parameters
    ----------
    kernel : array_like, shape (k_h, k_w)
        The autocovariance around lag 0, no larger than ``shape``.
    shape : (int, int)
        The image shape (H, W).

    Returns
    -------
    ndarray, shape (H W, H W)
        Σ; float32 when kernel is float32, else float64.
    """
    dtype = np.float32 if np.asarray(kernel).dtype == np.float32 else np.float64
    kernel = np.asarray(kernel, dtype=np.float64)
    height, width = shape
    kh, kw = kernel.shape
    c = np.zeros((height, width))
    for a in range(kh):
        for b in range(kw):
            c[(a - kh // 2) % height, (b - kw // 2) % width] = kernel[a, b]
    n = height * width
    Sigma = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            (i1, i2), (j1, j2) = divmod(i, width), divmod(j, width)
            Sigma[i, j] = c[(i1 - j1) % height, (i2 - j2) % width]
    return Sigma.astype(dtype)


def linear_gaussian_mmse(
    y, H, sigma, mu, Sigma, *, return_cov=False, method="auto", tol=1e-10, maxiter=None
):
    """Posterior mean of x for y = Hx + η, from the information form.

    With x ~ N(μ, Σ) and η ~ N(0, σ²I):
    E[x | y] = (Σ⁻¹ + HᵀH/σ²)⁻¹ (Σ⁻¹μ + Hᵀy/σ²) and
    Cov[x | y] = (Σ⁻¹ + HᵀH/σ²)⁻¹, with explicit inverses.

    Parameters
    ----------
    y : array_like, shape (m,)
        Observations.
    H : None, array_like of shape (m, n), sparse matrix or LinearOperator
        Forward operator; ``None`` is the identity, and an operator or
        sparse H is made dense.
    sigma : float
        Noise standard deviation.
    mu : float or array_like of shape (n,)
        Prior mean.
    Sigma : array_like, shape (n, n)
        Prior covariance.
    return_cov : bool, default False
        Also return the posterior covariance.
    method : str, default "auto"
        Accepted for the fast function's signature and ignored.
    tol : float, default 1e-10
        Accepted for the fast function's signature and ignored.
    maxiter : int, optional
        Accepted for the fast function's signature and ignored.

    Returns
    -------
    mean : ndarray, shape (n,)
        E[x | y]; float32 when y and Sigma are float32, else float64.
    cov : ndarray, shape (n, n)
        Cov[x | y], only with ``return_cov=True``.
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
