"""The arithmetic of the categorical HMM's M-step: counts to probabilities."""

import numpy as np


def normalize_rows(a):
    """Divide each row by its sum; rows summing to zero stay zero (as hmmlearn)."""
    sums = a.sum(axis=-1, keepdims=True)
    sums[sums == 0] = 1
    return a / sums


def posterior_mode(counts, prior, current=None, supervised=False):
    """Each row becomes ``max(prior - 1 + counts, 0)``, normalized.

    Where ``current`` is given, its zeros stay zero (hmmlearn's rule in EM,
    for left-right models and the like); with ``supervised``, a row without
    any mass becomes uniform.
    """
    new = np.maximum(prior - 1 + counts, 0.0)
    if current is not None:
        new = np.where(current == 0, 0.0, new)
    if supervised:
        new = np.where(new.sum(axis=-1, keepdims=True) == 0, 1.0, new)
    return normalize_rows(new)


def symbol_indicator(symbols, n_features):
    """Sparse (n_features, n_samples) indicator: row s marks where symbol s occurs."""
    from scipy import sparse

    n = symbols.size
    return sparse.csr_matrix(
        (np.ones(n), (symbols, np.arange(n))), shape=(n_features, n)
    )
