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
JITTER = 1e-10


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


def nonlocal_estimate(
    y, pilot, sigma, patch_size, *, search, n_similar, stride, keep=None
):
    """The non-local Bayes estimate of one channel, given a pilot.

    Each reference patch's group (see ``_group``) has each of its noisy
    patches y_i, observed at the pixels o_i that ``keep`` marks, estimated
    by Gaussian conditioning as ``m + C[:, o] (C[o, o] + sigma^2 I)^-1 (y_o -
    m_o)`` (m: per pixel, the mean of the group's observed values, the pilot
    patches' mean where none is; C: the covariance of the group's pilot
    patches); every pixel is the mean of the estimates that cover it.

    Parameters
    ----------
    y, pilot : (H, W) float arrays
        The noisy channel and a first estimate of it.
    sigma : float
        The noise standard deviation.
    keep : (H, W) bool array, optional
        The observed pixels (all by default).
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
    keep = np.ones(y.shape, dtype=bool) if keep is None else np.asarray(keep)
    acc, count = np.zeros(y.shape), np.zeros(y.shape)
    rows, cols = patch_grid(y.shape, p, stride)
    for r in rows:
        for c in cols:
            group = _group(pilot, r, c, p, search, n_similar)
            noisy, clean, seen = (
                np.array([a[i : i + p, j : j + p].ravel() for i, j in group])
                for a in (y, pilot, keep)
            )
            centre = clean.mean(axis=0)
            n_seen = seen.sum(axis=0)
            observed = np.where(seen, noisy, 0).sum(axis=0) / np.maximum(n_seen, 1)
            mean = np.where(n_seen > 0, observed, centre)
            cov = (clean - centre).T @ (clean - centre) / len(group)
            reg = sigma**2 + JITTER * np.trace(cov) / (p * p)
            for (a, b), z, o in zip(group, noisy, seen):
                shifted = cov[np.ix_(o, o)] + reg * np.eye(o.sum())
                est = mean + cov[:, o] @ np.linalg.solve(shifted, (z - mean)[o])
                acc[a : a + p, b : b + p] += est.reshape(p, p)
                count[a : a + p, b : b + p] += 1
    return acc / count
