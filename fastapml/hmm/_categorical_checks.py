"""Checks of the HMM estimators' parameters that their modules delegate:
the memory a categorical model's sizes need, and M-step results."""

import numpy as np

from .._memory import check_memory


def check_sizes(model):
    """Refuse ``n_components`` and ``n_features`` whose tables cannot fit.

    Parameters
    ----------
    model : CategoricalHMM
        Its ``n_components`` and ``n_features`` (None counts as 1) are
        already checked positive integers.

    Raises
    ------
    ValueError
        If the probability tables and their work arrays (about four float64
        copies of the K x K and K x M tables) need more memory than there is.
    """
    k = int(model.n_components)
    m = 1 if model.n_features is None else int(model.n_features)
    check_memory(
        32 * (k * k + k * m + k),
        f"a CategoricalHMM with n_components={k:,} and n_features={m:,}",
    )


def check_mass(model, name, table):
    """Refuse an M-step result with a distribution that lost all its mass.

    Parameters
    ----------
    model : CategoricalHMM
        For the prior's value in the message.
    name : str
        The prior that shaped ``table`` (e.g. ``"startprob_prior"``).
    table : ndarray
        The new probabilities, rows normalized (rows without mass are 0).

    Returns
    -------
    ndarray
        ``table``, unchanged.

    Raises
    ------
    ValueError
        If a row of ``table`` sums to zero and the prior is below 1:
        ``max(prior - 1 + counts, 0)`` removed all its mass, so the prior is
        too small for the data.
    """
    prior = np.asarray(getattr(model, name))
    if prior.min() < 1 and (np.atleast_2d(table).sum(axis=-1) == 0).any():
        raise ValueError(
            f"{name}={getattr(model, name)!r} leaves a distribution without "
            "probability mass (max(prior - 1 + counts, 0) is 0 everywhere); "
            "use a larger prior"
        )
    return table
