"""Plain-NumPy twin of fastapml.denoise.nonlocal_bayes (the non-local Bayes
step of ``denoise(method="nonlocal")``).

Written for clarity: one reference patch at a time, its group found by a
full sort of the search window's distances, its estimate by
``np.linalg.solve``.

References
----------
M. Lebrun, A. Buades and J.-M. Morel, "A Nonlocal Bayesian Image Denoising
Algorithm", SIAM J. Imaging Sciences 6(3), 2013 (its second step).
"""

import numpy as np

from .patches import patch_grid

__all__ = ["NONLOCAL", "nonlocal_estimate"]

# written twice on purpose, here and in fastapml.denoise.nonlocal_bayes
# (tests/test_reference_standalone.py checks that they agree)
NONLOCAL = {"search": 12, "n_similar": 90, "stride": 4}
# the covariance's diagonal gets JITTER times its mean variance on top of
# sigma^2, as in the fast code
JITTER = 1e-12


def _group(pilot, r, c, p, search, n_similar):
    """Corners of the reference (r, c)'s group: the reference, then the
    patches within ``search`` closest to it in ``pilot`` (ties: raster
    order), ``n_similar`` in all (fewer if the window has fewer)."""
    height, width = pilot.shape
    ref = pilot[r : r + p, c : c + p]
    corners, dists = [], []
    for a in range(max(0, r - search), min(height - p, r + search) + 1):
        for b in range(max(0, c - search), min(width - p, c + search) + 1):
            corners.append((a, b))
            dist = ((pilot[a : a + p, b : b + p] - ref) ** 2).sum()
            dists.append(-1.0 if (a, b) == (r, c) else dist)
    order = np.argsort(dists, kind="stable")[:n_similar]
    return [corners[i] for i in order]


def nonlocal_estimate(y, pilot, sigma, patch_size, *, search, n_similar, stride):
    """The non-local Bayes estimate of one channel, given a pilot.

    Each reference patch's group (see ``_group``) has its noisy patches y_i
    estimated as ``m + C (C + sigma^2 I)^-1 (y_i - m)`` (m: their mean; C:
    the covariance of the group's pilot patches); every pixel is the mean of
    the estimates that cover it.

    Parameters
    ----------
    y, pilot : (H, W) float arrays
        The noisy channel and a first estimate of it.
    sigma : float
        The noise standard deviation.
    patch_size : int
        The patch side.
    search, n_similar, stride : int
        Search half-width, group size, step between references.

    Returns
    -------
    ndarray
        The estimate, float64.
    """
    p = patch_size
    y = np.asarray(y, dtype=np.float64)
    pilot = np.asarray(pilot, dtype=np.float64)
    acc, count = np.zeros(y.shape), np.zeros(y.shape)
    rows, cols = patch_grid(y.shape, p, stride)
    for r in rows:
        for c in cols:
            group = _group(pilot, r, c, p, search, n_similar)
            noisy = np.array([y[a : a + p, b : b + p].ravel() for a, b in group])
            clean = np.array([pilot[a : a + p, b : b + p].ravel() for a, b in group])
            mean = noisy.mean(axis=0)
            clean = clean - clean.mean(axis=0)
            cov = clean.T @ clean / len(group)
            reg = sigma**2 + JITTER * np.trace(cov) / (p * p)
            gain = np.linalg.solve(cov + reg * np.eye(p * p), cov)
            est = (noisy - mean) @ gain + mean
            for (a, b), z in zip(group, est):
                acc[a : a + p, b : b + p] += z.reshape(p, p)
                count[a : a + p, b : b + p] += 1
    return acc / count
