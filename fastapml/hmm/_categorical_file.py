"""The model file of :class:`~fastapml.hmm.CategoricalHMM` (see
:mod:`fastapml._archive`): constructor parameters and the three probability
tables.  hmmlearn saves models with pickle; this file holds arrays only.

The estimator imports this module; :func:`from_archive` builds the class it
is given.
"""

import numbers

import numpy as np

KIND = "fastapml.hmm.CategoricalHMM"
FORMAT_VERSION = 1

# constructor parameters stored as 0-d arrays: name -> accepted dtype kinds
_SCALARS = {
    "n_components": "iu",
    "algorithm": "U",
    "n_iter": "iu",
    "tol": "fiu",
    "verbose": "b",
    "params": "U",
    "init_params": "U",
    "implementation": "U",
}
# float or array Dirichlet concentrations, stored as given
_PRIORS = ("startprob_prior", "transmat_prior", "emissionprob_prior")
_TABLES = ("startprob_", "transmat_", "emissionprob_")


def to_arrays(model):
    """The arrays that describe a fitted (or fully parameterized) model."""
    arrays = {name: np.array(getattr(model, name)) for name in _SCALARS}
    arrays["verbose"] = np.array(bool(model.verbose))
    arrays["n_features"] = np.array(model.n_features, dtype=np.int64)
    for name in _PRIORS:
        arrays[name] = np.asarray(getattr(model, name), dtype=np.float64)
    seed = model.random_state
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        arrays["random_state"] = np.array(int(seed), dtype=np.int64)
    for name in _TABLES:
        arrays[name] = np.asarray(getattr(model, name), dtype=np.float64)
    return arrays


def from_archive(cls, archive):
    """A ``cls`` with the saved parameters and tables, checked as
    :meth:`CategoricalHMM.fit` checks them; ValueError if they are not valid."""
    params = {name: archive.scalar(name, kinds) for name, kinds in _SCALARS.items()}
    params["n_features"] = archive.scalar("n_features", "iu")
    for name in _PRIORS:
        prior = archive.array(name, kinds="fiu")
        params[name] = float(prior) if prior.ndim == 0 else prior
    if "random_state" in archive:
        params["random_state"] = archive.scalar("random_state", "iu")
    archive.check_keys({*params, *_TABLES})
    model = cls(**params)
    model._check_hyperparameters()
    for name in _TABLES:
        setattr(model, name, archive.array(name, kinds="f"))
    model._check()
    return model
