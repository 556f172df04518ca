"""Gaussian-mixture EM building blocks: one fused E/M pass, the M-step from
sufficient statistics, and per-sample estimates — the functions behind
:class:`fastapml.mixture.GaussianMixture`, with the signatures of their
NumPy twins in :mod:`fastapml.reference.mixture`.

Parameters follow scikit-learn: ``precisions_cholesky`` is P with P P^T the
precision, (K, d, d) upper triangular (full), (d, d) (tied), (K, d) (diag) or
(K,) (spherical) — the last two as square roots of precisions.
"""

import math

import numpy as np

from .._numba import n_threads, parallel_allowed
from .._validation import check_float_array, check_magnitude, check_shape
from . import _kernels

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
_KIND = {
    "full": _kernels.FULL,
    "tied": _kernels.TIED,
    "diag": _kernels.DIAG,
    "spherical": _kernels.DIAG,
}
_MAX_CHUNKS = 64  # partial statistics kept per pass
_PARTIAL_BYTES = 32 << 20  # at most this much memory for them

_COV_NDIM = {"full": 3, "tied": 2, "diag": 2, "spherical": 1}

ILL_DEFINED = (
    "Fitting the mixture model failed because some components have "
    "ill-defined empirical covariance (for instance caused by singleton "
    "or collapsed samples). Try to decrease the number of components, "
    "increase reg_covar, or scale the input data."
)


def _chunk_bounds(n_samples, partial_bytes=0):
    """Block ranges of the parallel chunks: a function of the sizes only, so
    results do not depend on the number of threads."""
    n_blocks = -(-n_samples // _kernels.BLOCK)
    n_chunks = min(
        n_blocks, _MAX_CHUNKS, max(1, _PARTIAL_BYTES // max(1, partial_bytes))
    )
    return np.arange(n_chunks + 1, dtype=np.int64) * n_blocks // max(1, n_chunks)


_PARALLEL_MIN_WORK = 1 << 22  # below this, threads cost more than they save


def _use_parallel(bounds, model, n_samples):
    """Threads for big enough passes (about n K d^2 / 2 multiply-adds for
    full covariances, n K d otherwise), from the main thread only."""
    n_components, n_features = model.means.shape
    per_pair = (
        n_features * (n_features + 1) // 2
        if model.kind == _kernels.FULL
        else n_features
    )
    return (
        parallel_allowed()
        and n_threads() > 1
        and bounds.shape[0] > 2
        and n_samples * n_components * per_pair >= _PARALLEL_MIN_WORK
    )


def kernel_model(weights, means, precisions_cholesky, covariance_type, dtype):
    """The :class:`_kernels.Model` the kernels take, for validated parameters."""
    means = np.ascontiguousarray(means, dtype=np.float64)
    n_components, n_features = means.shape
    pc = np.asarray(precisions_cholesky, dtype=np.float64)
    if covariance_type in ("full", "tied"):
        pc = np.triu(pc)  # drop rounding noise below the diagonal
    if covariance_type == "full":
        chol = pc
        log_det = np.log(np.diagonal(pc, axis1=1, axis2=2)).sum(axis=1)
    elif covariance_type == "tied":
        chol = pc[None]
        log_det = np.full(n_components, np.log(np.diagonal(pc)).sum())
    else:
        if covariance_type == "spherical":
            pc = np.repeat(pc[:, None], n_features, axis=1)
        chol = pc[:, None, :]
        log_det = np.log(pc).sum(axis=1)
    with np.errstate(divide="ignore"):
        log_norm = (
            np.log(np.asarray(weights, dtype=np.float64))
            + log_det
            - 0.5 * n_features * math.log(2 * math.pi)
        )
    center = np.zeros(n_features)
    aux = np.zeros((1, n_features))
    if covariance_type == "tied":
        center = np.asarray(weights, dtype=np.float64) @ means
        aux = (means - center) @ pc
    as_dtype = [
        np.ascontiguousarray(a, dtype=dtype)
        for a in (means, chol, log_norm, center, aux)
    ]
    return _kernels.Model(_KIND[covariance_type], *as_dtype)


def second_moments_shape(model):
    """Shape of the ``s2`` statistics of :func:`statistics` for ``model``:
    (K, d, d) full, (1, d, d) tied, (K, 1, d) diagonal."""
    n_components, n_features = model.means.shape
    return {
        _kernels.FULL: (n_components, n_features, n_features),
        _kernels.TIED: (1, n_features, n_features),
        _kernels.DIAG: (n_components, 1, n_features),
    }[model.kind]


def _read_only(X):
    """X as the kernels take it: a read-only view.  Memory-mapped files
    arrive read-only, arrays in memory writable; the kernels never write X,
    so one specialization serves both (each costs seconds to compile)."""
    view = X.view()
    view.flags.writeable = False
    return view


def statistics(X, model):
    """Sum of log-likelihoods and M-step statistics of X under ``model``.

    Returns ``(ll_sum, s0, s1, s2)`` in float64 (see ``_kernels``); they add
    up over row blocks of a data set.
    """
    n_components, n_features = model.means.shape
    s2_shape = second_moments_shape(model)
    stat_bytes = 8 * (n_components * (n_features + 1) + int(np.prod(s2_shape)))
    bounds = _chunk_bounds(X.shape[0], stat_bytes)
    n_chunks = bounds.shape[0] - 1
    ll = np.zeros(n_chunks)
    s0 = np.zeros((n_chunks, n_components))
    s1 = np.zeros((n_chunks, n_components, n_features))
    s2 = np.zeros((n_chunks,) + s2_shape)
    run = (
        _kernels.em_parallel
        if _use_parallel(bounds, model, X.shape[0])
        else _kernels.em
    )
    run(_read_only(X), model, bounds, ll, s0, s1, s2)
    # sum the chunks in order (np.sum's pairwise order is fixed too)
    return (
        float(np.add.reduce(ll)),
        np.add.reduce(s0),
        np.add.reduce(s1),
        np.add.reduce(s2),
    )


def add_statistics(a, b):
    """Statistics of two row blocks taken under the same model, combined."""
    if a is None:
        return b
    return tuple(x + y for x, y in zip(a, b))


def moments(stats, model, covariance_type, eps):
    """(n_k, means, scatter) from :func:`statistics`.

    n_k = sum_i r_ik + 10 eps and mu_k = sum_i r_ik x_i / n_k, as
    scikit-learn; the scatter about the new means is :func:`scatter_about`
    them: (K, d, d) (full), (d, d) pooled (tied) or (K, d) (diag,
    spherical).
    """
    _, s0, s1, s2 = stats
    nk = s0 + 10 * eps
    new_means = (shifts(model, s0.shape[0]) * s0[:, None] + s1) / nk[:, None]
    return nk, new_means, scatter_about(s0, s1, s2, model, new_means)


def shifts(model, n_components):
    """The point each component's shifted sums are taken about (K, d)."""
    if model.kind == _kernels.TIED:
        center = model.center.astype(np.float64)
        return np.broadcast_to(center, (n_components, center.size))
    return model.means.astype(np.float64)


def scatter_about(s0, s1, s2, model, centers):
    """sum_i r_ik (x_i - m_k)(x_i - m_k)^T for any centers m (K, d), from the
    shifted sums of :func:`statistics` (s0, s1, s2).

    With d = x - shift and e = m - shift it is S2 - s1 e^T - e s1^T + s0 e e^T
    (the shift is each component's mean in ``model``, or its ``center`` for
    tied).  Returns (K, d, d) full, (d, d) summed over components for tied,
    (K, d) the diagonal for diagonal models.
    """
    e = centers - shifts(model, s0.shape[0])
    if model.kind == _kernels.DIAG:
        return s2[:, 0, :] - 2 * s1 * e + s0[:, None] * e * e
    s2 = np.tril(s2) + np.swapaxes(np.tril(s2, -1), 1, 2)
    cross = s1[:, :, None] * e[:, None, :]
    scatter = (
        s0[:, None, None] * e[:, :, None] * e[:, None, :]
        - cross
        - np.swapaxes(cross, 1, 2)
    )
    if model.kind == _kernels.TIED:
        return s2[0] + scatter.sum(axis=0)
    return s2 + scatter


def merge_moments(a, b, covariance_type):
    """Moments ``(n_k, means, scatter)`` of two sets of samples, combined
    (Chan, Golub and LeVeque): n = n_a + n_b, mu = mu_a + delta n_b / n and
    scatter = S_a + S_b + (n_a n_b / n) delta delta^T with delta = mu_b - mu_a
    (pooled over k for tied; the diagonal for diag and spherical)."""
    (na, ma, sa), (nb, mb, sb) = a, b
    n = na + nb
    delta = mb - ma
    factor = na * nb / n
    means = ma + delta * (nb / n)[:, None]
    if covariance_type in ("diag", "spherical"):
        return n, means, sa + sb + factor[:, None] * delta * delta
    outer = factor[:, None, None] * delta[:, :, None] * delta[:, None, :]
    if covariance_type == "tied":
        outer = outer.sum(axis=0)
    return n, means, sa + sb + outer


def covariances_from_moments(nk, scatter, covariance_type, reg_covar):
    """Sigma_k = scatter_k / n_k + reg_covar I (tied: pooled over sum n_k;
    spherical: mean of the diagonal)."""
    if covariance_type == "full":
        cov = scatter / nk[:, None, None]
        cov[:, np.arange(cov.shape[1]), np.arange(cov.shape[1])] += reg_covar
    elif covariance_type == "tied":
        cov = scatter / nk.sum()
        cov[np.diag_indices_from(cov)] += reg_covar
    else:
        cov = scatter / nk[:, None] + reg_covar
        if covariance_type == "spherical":
            cov = cov.mean(axis=1)
    return cov


def precisions_cholesky(covariances, covariance_type, dtype=np.float64):
    r"""Cholesky factors of the precisions: P with :math:`P P^T = \Sigma^{-1}`.

    scikit-learn's ``precisions_cholesky_`` for given covariances: P is
    upper triangular (:math:`P = L^{-T}` for the Cholesky factor L of
    :math:`\Sigma`); for "diag" and "spherical", the inverse square roots of
    the variances.

    Parameters
    ----------
    covariances : array
        (K, d, d) for "full", (d, d) for "tied", (K, d) for "diag", (K,) for
        "spherical", as scikit-learn's ``covariances_``.
    covariance_type : {"full", "tied", "diag", "spherical"}
        How ``covariances`` is laid out.
    dtype : dtype, default=np.float64
        Dtype of the result (the factorization runs in float64).

    Returns
    -------
    precisions_cholesky : ndarray
        Shaped as ``covariances``.

    Raises
    ------
    ValueError
        scikit-learn's message, for a covariance that is not positive
        definite.

    Examples
    --------
    >>> import numpy as np
    >>> precisions_cholesky(np.array([[[4.0, 0.0], [0.0, 0.25]]]), "full")
    array([[[0.5, 0. ],
            [0. , 2. ]]])
    """
    ndim = _COV_NDIM.get(covariance_type) if isinstance(covariance_type, str) else None
    if ndim is None:
        raise ValueError(
            f"covariance_type must be one of {COVARIANCE_TYPES}, "
            f"got {covariance_type!r}"
        )
    cov = check_float_array(covariances, "covariances", ndim, dtype=np.float64)
    if covariance_type in ("full", "tied") and cov.shape[-1] != cov.shape[-2]:
        raise ValueError(
            f"covariances must hold square matrices for covariance_type="
            f"{covariance_type!r}, got shape {cov.shape}"
        )
    message = ILL_DEFINED
    if np.dtype(dtype) == np.float32:
        message += (
            " The numerical accuracy can also be improved by passing "
            "float64 data instead of float32."
        )
    message += " (Some covariances are not positive definite.)"
    if covariance_type in ("diag", "spherical"):
        if np.any(cov <= 0.0):
            raise ValueError(message)
        return (1.0 / np.sqrt(cov)).astype(dtype)
    stack = cov[None] if covariance_type == "tied" else cov
    try:
        lower = np.linalg.cholesky(stack)  # one batched LAPACK call
    except np.linalg.LinAlgError:
        raise ValueError(message) from None
    # Sigma = L L^T  =>  Sigma^-1 = L^-T L^-1 = P P^T with P = L^-T (as
    # scikit-learn, through a solve: scipy's per-matrix triangular solve
    # costs milliseconds on small matrices when BLAS threads are busy)
    out = np.swapaxes(np.linalg.inv(lower), 1, 2)
    return (out[0] if covariance_type == "tied" else out).astype(dtype)


def estimate(X, model, want_resp=False):
    """Per-sample log-likelihood, most likely component and, if ``want_resp``,
    responsibilities (n, K) — one pass, no other n x K array."""
    n = X.shape[0]
    n_components = model.means.shape[0]
    log_prob = np.empty(n, dtype=X.dtype)
    labels = np.empty(n, dtype=np.int64)
    resp = np.empty((n if want_resp else 0, n_components), dtype=X.dtype)
    if n:
        bounds = _chunk_bounds(n)
        run = (
            _kernels.estimate_parallel
            if _use_parallel(bounds, model, n)
            else _kernels.estimate
        )
        run(_read_only(X), model, bounds, log_prob, labels, resp, want_resp)
    return log_prob, labels, resp


# --------------------------------------------------------------------------
# Functional API (the reference twins' signatures)
# --------------------------------------------------------------------------


def _checked(X, weights, means, precisions_cholesky, covariance_type):
    if covariance_type not in COVARIANCE_TYPES:
        raise ValueError(
            f"covariance_type must be one of {COVARIANCE_TYPES}, "
            f"got {covariance_type!r}"
        )
    X = check_float_array(X, "X", 2)
    check_magnitude(X, "X", 2, X.size)  # as GaussianMixture: sums of squares
    dtype = X.dtype
    means = check_float_array(means, "means", 2, dtype=np.float64)
    n_components, n_features = means.shape
    if X.shape[1] != n_features:
        raise ValueError(f"X has {X.shape[1]} features, means has {n_features}")
    weights = check_float_array(weights, "weights", 1, dtype=np.float64)
    check_shape(weights, "weights", (n_components,))
    if np.any(weights < 0) or not np.isclose(weights.sum(), 1.0, atol=1e-6):
        raise ValueError("weights must be non-negative and sum to 1")
    shape = {
        "full": (n_components, n_features, n_features),
        "tied": (n_features, n_features),
        "diag": (n_components, n_features),
        "spherical": (n_components,),
    }[covariance_type]
    pc = check_float_array(
        precisions_cholesky, "precisions_cholesky", len(shape), dtype=np.float64
    )
    check_shape(pc, "precisions_cholesky", shape)
    diag = (
        np.diagonal(pc, axis1=-2, axis2=-1)
        if covariance_type in ("full", "tied")
        else pc
    )
    if np.any(diag <= 0):
        raise ValueError("precisions_cholesky must have a positive diagonal")
    if covariance_type in ("full", "tied") and np.any(
        np.abs(np.tril(pc, -1)) > 1e-10 * np.abs(pc).max()
    ):
        raise ValueError("precisions_cholesky must be upper triangular")
    return X, kernel_model(weights, means, pc, covariance_type, dtype)


def log_prob_resp(X, weights, means, precisions_cholesky, covariance_type):
    r"""Per-sample log-likelihood and responsibilities of a Gaussian mixture.

    The E-step: :math:`\log p(x_i) = \log \sum_k w_k
    \mathcal{N}(x_i; \mu_k, \Sigma_k)` and :math:`r_{ik} = w_k
    \mathcal{N}(x_i; \mu_k, \Sigma_k) / p(x_i)`, in one fused pass over X
    (no other n x K array is built).

    Parameters
    ----------
    X : array of shape (n, d)
        Samples, float32 or float64 (the results take X's dtype).
    weights : array of shape (K,)
        Mixture weights, non-negative, summing to 1.
    means : array of shape (K, d)
        Component means.
    precisions_cholesky : array
        P with :math:`P P^T` the precision matrix, as scikit-learn's
        ``precisions_cholesky_``: upper triangular (K, d, d) for "full",
        (d, d) for "tied"; (K, d) for "diag" and (K,) for "spherical", the
        square roots of the precisions.
    covariance_type : {"full", "tied", "diag", "spherical"}
        How ``precisions_cholesky`` is laid out.

    Returns
    -------
    log_prob_norm : ndarray of shape (n,)
        :math:`\log p(x_i)`, in X's dtype.
    resp : ndarray of shape (n, K)
        Responsibilities :math:`r_{ik}`, in X's dtype; rows sum to 1.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [4.0]])
    >>> lp, r = log_prob_resp(X, [0.5, 0.5], [[0.0], [4.0]], [1.0, 1.0], "spherical")
    >>> r.argmax(axis=1)
    array([0, 1])
    """
    X, model = _checked(X, weights, means, precisions_cholesky, covariance_type)
    log_prob, _, resp = estimate(X, model, want_resp=True)
    return log_prob, resp


def em_step(X, weights, means, precisions_cholesky, covariance_type, reg_covar):
    r"""One fused EM iteration: a single pass over X.

    The E-step's responsibilities :math:`r_{ik}` (see :func:`log_prob_resp`)
    feed the M-step's sums as they are computed: :math:`n_k = \sum_i r_{ik}`,
    :math:`w_k = n_k / n`, :math:`\mu_k = \sum_i r_{ik} x_i / n_k` and
    :math:`\Sigma_k = \sum_i r_{ik} (x_i - \mu_k)(x_i - \mu_k)^T / n_k +
    \lambda I` with :math:`\lambda` = ``reg_covar``, as scikit-learn's
    ``GaussianMixture`` computes them.

    Parameters
    ----------
    X : array of shape (n, d)
        Samples, float32 or float64; at least one.
    weights : array of shape (K,)
        Current mixture weights, non-negative, summing to 1.
    means : array of shape (K, d)
        Current component means.
    precisions_cholesky : array
        P with :math:`P P^T` the precision matrix, as scikit-learn's
        ``precisions_cholesky_``: upper triangular (K, d, d) for "full",
        (d, d) for "tied"; (K, d) for "diag" and (K,) for "spherical", the
        square roots of the precisions.
    covariance_type : {"full", "tied", "diag", "spherical"}
        How ``precisions_cholesky`` and the new covariances are laid out.
    reg_covar : float
        Added to the diagonal of each new covariance.

    Returns
    -------
    lower_bound : float
        Mean log-likelihood of X under the *given* parameters.
    weights : ndarray of shape (K,)
        New weights, float64.
    means : ndarray of shape (K, d)
        New means, float64.
    covariances : ndarray
        New covariances, float64, in scikit-learn's shape for
        ``covariance_type``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [9.0], [10.0]])
    >>> bound, w, mu, cov = em_step(X, [0.5, 0.5], [[0.0], [10.0]], [1.0, 1.0],
    ...                             "spherical", 1e-6)
    >>> np.round(w, 3).tolist(), np.round(mu.ravel(), 3).tolist()
    ([0.5, 0.5], [0.5, 9.5])
    """
    X, model = _checked(X, weights, means, precisions_cholesky, covariance_type)
    if X.shape[0] == 0:
        raise ValueError("X must have at least one sample")
    stats = statistics(X, model)
    nk, new_means, scatter = moments(
        stats, model, covariance_type, np.finfo(X.dtype).eps
    )
    cov = covariances_from_moments(nk, scatter, covariance_type, reg_covar)
    return stats[0] / X.shape[0], nk / nk.sum(), new_means, cov
