"""The model file of fastapml's hmmlearn drop-ins (see
:mod:`fastapml._archive`): constructor parameters and the parameter arrays.
hmmlearn saves models with pickle; this file holds arrays only.

What a class stores is declared on it: ``_FILE_KIND`` (the format name),
``_FILE_SCALARS`` (constructor parameters stored as 0-d arrays: name ->
accepted dtype kinds), ``_FILE_PRIORS`` (float or array priors, stored as
given; a None, allowed only for those in ``_FILE_OPTIONAL``, is not stored)
and ``_FILE_ARRAYS`` (file key -> the attribute
holding it; loading sets the key's attribute).
"""

import numbers

import numpy as np

FORMAT_VERSION = 1

# the constructor parameters every HMM stores
COMMON_SCALARS = {
    "n_components": "iu",
    "algorithm": "U",
    "n_iter": "iu",
    "tol": "fiu",
    "verbose": "b",
    "params": "U",
    "init_params": "U",
    "implementation": "U",
}


def to_arrays(model):
    """The arrays that describe a fitted (or fully parameterized) model."""
    arrays = {name: np.array(getattr(model, name)) for name in model._FILE_SCALARS}
    arrays["verbose"] = np.array(bool(model.verbose))
    for name in model._FILE_PRIORS:
        value = getattr(model, name)
        if value is not None:
            arrays[name] = np.asarray(value, dtype=np.float64)
    seed = model.random_state
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        arrays["random_state"] = np.array(int(seed), dtype=np.int64)
    for key, attribute in model._FILE_ARRAYS.items():
        arrays[key] = np.asarray(getattr(model, attribute), dtype=np.float64)
    return arrays


def from_archive(cls, archive):
    """A ``cls`` with the saved parameters and arrays, checked as ``fit``
    checks them; ValueError if they are not valid."""
    params = {
        name: archive.scalar(name, kinds) for name, kinds in cls._FILE_SCALARS.items()
    }
    for name in cls._FILE_PRIORS:
        if name in archive or name not in cls._FILE_OPTIONAL:
            prior = archive.array(name, kinds="fiu")
            params[name] = float(prior) if prior.ndim == 0 else prior
    if "random_state" in archive:
        params["random_state"] = archive.scalar("random_state", "iu")
    archive.check_keys({*params, *cls._FILE_ARRAYS})
    model = cls(**params)
    model._check_hyperparameters()
    for key in cls._FILE_ARRAYS:
        setattr(model, key, archive.array(key, kinds="f"))
    model._check()
    return model
