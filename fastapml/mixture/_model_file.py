"""The model file of :class:`~fastapml.mixture.GaussianMixture`.

The file (see :mod:`fastapml._archive`) holds the constructor parameters and
the fitted arrays.  Loading checks every array against the others (shapes
implied by ``covariance_type``, ``n_components`` and ``n_features_in_``; one
float dtype; finite values) before it reaches a kernel.

This module knows the estimator's attributes but not its class: the
estimator imports it, and :func:`from_archive` builds whatever class it is
given, so a subclass loads as itself.
"""

import numbers

import numpy as np

FORMAT_VERSION = 1
KIND = "fastapml.mixture.GaussianMixture"
_COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
_INIT_PARAMS = ("kmeans", "k-means++", "random", "random_from_data")

# Constructor parameters stored as 0-d arrays: name -> accepted dtype kinds.
_SCALAR_PARAMS = {
    "n_components": "iu",
    "covariance_type": "U",
    "tol": "fiu",
    "reg_covar": "fiu",
    "max_iter": "iu",
    "n_init": "iu",
    "init_params": "U",
    "warm_start": "b",
    "verbose": "iu",
    "verbose_interval": "iu",
}
# Parameters that may be None (then absent from the file).
_OPTIONAL_PARAMS = ("random_state", "weights_init", "means_init", "precisions_init")
_MODEL_ARRAYS = (
    "weights_",
    "means_",
    "covariances_",
    "precisions_",
    "precisions_cholesky_",
)
_FITTED = _MODEL_ARRAYS + (
    "lower_bounds_",
    "lower_bound_",
    "n_iter_",
    "converged_",
    "n_features_in_",
)
# GaussianMixture._partial_moments (n_k, means, scatter), after partial_fit.
_PARTIAL = ("partial_fit_nk", "partial_fit_means", "partial_fit_scatter")


def _check_precisions(fitted, cov_type, dtype):
    """The precisions must be those of the covariances (a stale or crafted
    file can hold any numbers): P P^T = Sigma^-1 within rounding."""
    from .em import precisions_cholesky  # the package imports this module

    expected = precisions_cholesky(fitted["covariances_"], cov_type)
    rtol = 1e-3 if dtype == np.float32 else 1e-6
    atol = rtol * np.abs(expected).max()
    if not np.allclose(fitted["precisions_cholesky_"], expected, rtol=rtol, atol=atol):
        raise ValueError("precisions_cholesky_ disagree with covariances_")
    chol = fitted["precisions_cholesky_"].astype(np.float64)
    if cov_type == "full":
        precisions = chol @ chol.transpose(0, 2, 1)
    elif cov_type == "tied":
        precisions = chol @ chol.T
    else:
        precisions = chol**2
    atol = rtol * np.abs(precisions).max()
    if not np.allclose(fitted["precisions_"], precisions, rtol=rtol, atol=atol):
        raise ValueError("precisions_ disagree with precisions_cholesky_")


def to_arrays(model):
    """The arrays that describe a fitted GaussianMixture, checked to load back.

    A ``random_state`` that is a ``RandomState`` or ``Generator`` instance is
    not stored (it loads as ``None``).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``model`` has not been fitted.
    ValueError
        If the model's attributes are inconsistent (the file would not load).
    """
    missing = [a for a in _FITTED if not hasattr(model, a)]
    if missing:
        from sklearn.exceptions import NotFittedError

        raise NotFittedError(
            f"cannot save an unfitted {type(model).__name__} "
            f"(no {', '.join(missing)}); call fit first"
        )
    arrays = {}
    for key in _SCALAR_PARAMS:
        arrays["param_" + key] = np.array(getattr(model, key))
    seed = getattr(model, "random_state", None)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        arrays["param_random_state"] = np.array(int(seed), dtype=np.int64)
    for key in _OPTIONAL_PARAMS[1:]:
        value = getattr(model, key, None)
        if value is not None:
            arrays["param_" + key] = np.asarray(value)
    for key in _MODEL_ARRAYS:
        arrays[key] = np.asarray(getattr(model, key))
    bounds = np.asarray(model.lower_bounds_)
    arrays["lower_bounds_"] = (
        bounds if bounds.size else bounds.astype(arrays["means_"].dtype)
    )
    arrays["lower_bound_"] = np.asarray(model.lower_bound_)
    arrays["n_iter_"] = np.array(model.n_iter_, dtype=np.int64)
    arrays["converged_"] = np.array(bool(model.converged_))
    arrays["n_features_in_"] = np.array(model.n_features_in_, dtype=np.int64)
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        arrays["feature_names_in_"] = np.asarray(names, dtype=np.str_)
    partial = getattr(model, "_partial_moments", None)
    if partial is not None:  # partial_fit's running totals: resumable
        arrays.update(zip(_PARTIAL, map(np.asarray, partial)))
    try:
        _checked(arrays)
    except (ValueError, TypeError) as err:
        raise ValueError(f"cannot save this model: {err}") from None
    return arrays


def from_archive(cls, archive):
    """A fitted ``cls`` (GaussianMixture or a subclass) from a model file's
    arrays, after checking each against the others; ValueError if they
    disagree."""
    params, fitted = _checked(archive)
    model = cls(**params)
    for key, value in fitted.items():
        setattr(model, key, value)
    return model


# ----------------------------------------------------------------------
# validation shared by save and load
# ----------------------------------------------------------------------
def _get(arrays, key):
    if key not in arrays:
        raise ValueError(f"not a complete saved GaussianMixture: missing array {key!r}")
    return arrays[key]


def _scalar(arrays, key, kinds):
    arr = _get(arrays, key)
    if arr.shape != () or arr.dtype.kind not in kinds:
        raise ValueError(
            f"{key} must be a scalar of kind {kinds!r}, got "
            f"dtype {arr.dtype} shape {arr.shape}"
        )
    return arr[()].item() if arr.dtype.kind != "U" else str(arr)


def _float_array(arrays, key, shape, dtype=None, positive_diagonal=None):
    arr = _get(arrays, key)
    if arr.dtype not in (np.float32, np.float64):
        raise ValueError(f"{key} must be float32 or float64, got {arr.dtype}")
    if dtype is not None and arr.dtype != dtype:
        raise ValueError(f"{key} has dtype {arr.dtype}, means_ has {dtype}")
    if arr.shape != tuple(shape):
        raise ValueError(f"{key} must have shape {tuple(shape)}, got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{key} holds NaN or inf")
    if positive_diagonal == "all" and not (arr > 0).all():
        raise ValueError(f"{key} must be positive")
    if (
        positive_diagonal == "diag"
        and not (np.diagonal(arr, axis1=-2, axis2=-1) > 0).all()
    ):
        raise ValueError(f"{key} must have a positive diagonal")
    return np.ascontiguousarray(arr)


def _covariance_shape(covariance_type, k, d):
    return {"full": (k, d, d), "tied": (d, d), "diag": (k, d), "spherical": (k,)}[
        covariance_type
    ]


def _checked(arrays):
    """(constructor params, fitted attributes) from archive arrays, checked."""
    params = {
        key: _scalar(arrays, "param_" + key, kinds)
        for key, kinds in _SCALAR_PARAMS.items()
    }
    k, cov_type = params["n_components"], params["covariance_type"]
    if k < 1:
        raise ValueError(f"n_components must be >= 1, got {k}")
    if cov_type not in _COVARIANCE_TYPES:
        raise ValueError(
            f"covariance_type must be one of {_COVARIANCE_TYPES}, got {cov_type!r}"
        )
    if params["init_params"] not in _INIT_PARAMS:
        raise ValueError(
            f"init_params must be one of {_INIT_PARAMS}, got {params['init_params']!r}"
        )
    for key in ("tol", "reg_covar"):
        params[key] = float(params[key])
        if not (np.isfinite(params[key]) and params[key] >= 0):
            raise ValueError(f"{key} must be finite and >= 0, got {params[key]}")
    for key, low in (("max_iter", 0), ("n_init", 1), ("verbose_interval", 1)):
        if params[key] < low:
            raise ValueError(f"{key} must be >= {low}, got {params[key]}")
    params["warm_start"] = bool(params["warm_start"])

    d = _scalar(arrays, "n_features_in_", "iu")
    if d < 1:
        raise ValueError(f"n_features_in_ must be >= 1, got {d}")
    means = _float_array(arrays, "means_", (k, d))
    dtype = means.dtype
    cov_shape = _covariance_shape(cov_type, k, d)
    positive = "diag" if cov_type in ("full", "tied") else "all"
    fitted = {"means_": means, "n_features_in_": d}
    weights = _float_array(arrays, "weights_", (k,), dtype)
    if (weights < 0).any() or abs(float(weights.sum(dtype=np.float64)) - 1) > (
        1e-3 if dtype == np.float32 else 1e-6
    ):
        raise ValueError("weights_ must be non-negative and sum to 1")
    fitted["weights_"] = weights
    for key in ("covariances_", "precisions_", "precisions_cholesky_"):
        fitted[key] = _float_array(arrays, key, cov_shape, dtype, positive)
    _check_precisions(fitted, cov_type, dtype)

    n_iter = _scalar(arrays, "n_iter_", "iu")
    if n_iter < 0:
        raise ValueError(f"n_iter_ must be >= 0, got {n_iter}")
    fitted["n_iter_"] = int(n_iter)
    fitted["converged_"] = bool(_scalar(arrays, "converged_", "b"))
    bounds = _float_array(arrays, "lower_bounds_", (n_iter,))
    fitted["lower_bounds_"] = list(bounds)  # a list, as in scikit-learn
    bound = _get(arrays, "lower_bound_")
    if bound.shape != () or bound.dtype not in (np.float32, np.float64):
        raise ValueError(
            f"lower_bound_ must be a float scalar, got dtype "
            f"{bound.dtype} shape {bound.shape}"
        )
    if np.isnan(bound) or bound == np.inf or (bound == -np.inf and n_iter):
        raise ValueError(f"lower_bound_ is {bound[()]}")
    fitted["lower_bound_"] = bound[()]
    if "feature_names_in_" in arrays:
        names = arrays["feature_names_in_"]
        if names.dtype.kind != "U" or names.shape != (d,):
            raise ValueError(f"feature_names_in_ must be {d} strings")
        fitted["feature_names_in_"] = names.astype(object)

    if any(key in arrays for key in _PARTIAL):
        scatter_shape = {"full": (k, d, d), "tied": (d, d)}.get(cov_type, (k, d))
        nk, partial_means, scatter = (
            _float_array(arrays, key, shape)
            for key, shape in zip(_PARTIAL, ((k,), (k, d), scatter_shape))
        )
        if not (nk > 0).all():
            raise ValueError("partial_fit_nk must be positive")
        fitted["_partial_moments"] = (nk, partial_means, scatter)

    if "param_random_state" in arrays:
        params["random_state"] = _scalar(arrays, "param_random_state", "iu")
    init_shapes = {
        "weights_init": (k,),
        "means_init": (k, d),
        "precisions_init": cov_shape,
    }
    for key, shape in init_shapes.items():
        if "param_" + key in arrays:
            params[key] = _float_array(arrays, "param_" + key, shape)
    unknown = set(arrays) - {
        "feature_names_in_",
        *_FITTED,
        *_PARTIAL,
        *("param_" + p for p in _SCALAR_PARAMS),
        *("param_" + p for p in _OPTIONAL_PARAMS),
    }
    if unknown:
        raise ValueError(f"unexpected arrays {sorted(unknown)}")
    return params, fitted
