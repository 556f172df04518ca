"""The non-local Bayes step: a Gaussian prior per group of similar patches.

``denoise(method="nonlocal")`` runs EPLL, then this step with EPLL's result
as the pilot: the second step of NL-Bayes (Lebrun, Buades & Morel, "A
Nonlocal Bayesian Image Denoising Algorithm", SIAM J. Imaging Sci. 2013).
The external prior cannot know that an image repeats itself; the groups
of similar patches give each patch a Gaussian prior learned from the image.
"""

import numpy as np
from threadpoolctl import threadpool_limits

from .._memory import check_memory
from .._numba import n_threads, parallel_allowed
from . import _nonlocal_kernels
from .patches import patch_grid

# search half-width (corners within +-search rows and columns), group size,
# step between reference patches (at most the patch size), chosen on
# images the benchmarks do not score: `python -m
# bench.compare.nonlocal_settings` (docs/performance/nonlocal_settings.rst);
# written again in fastapml/reference/nonlocal_bayes.py
# (tests/test_reference_standalone.py checks that they agree)
NONLOCAL = {"search": 12, "n_similar": 90, "stride": 4}


def nonlocal_settings(patch_size):
    """:data:`NONLOCAL` for patches of side ``patch_size`` (the prior's):
    the reference stride at most the patch size, so every pixel is covered."""
    return NONLOCAL | {"stride": min(NONLOCAL["stride"], patch_size)}


def nonlocal_estimate(
    y, pilot, sigma, patch_size, *, search, n_similar, stride, keep=None
):
    """One channel's non-local Bayes estimate.

    For each reference patch on the grid of ``stride`` (plus the last row
    and column), its group is the ``n_similar`` patches with corners within
    ``search`` of it that are closest to it in ``pilot`` (squared distance;
    the reference itself always; ties in raster order).  With m the mean of
    the group's noisy patches y_i and C the covariance of its pilot patches,
    each y_i is estimated as ``m + C (C + sigma^2 I)^-1 (y_i - m)``, the
    linear-Gaussian MMSE under N(m, C); every pixel is the mean of all the
    estimates that cover it.  With ``keep``, only the pixels it marks are
    observed: m is the mean of the observed values (the pilot's where
    none is), and a patch observed at o only is estimated as ``m + C[:, o]
    (C[o, o] + sigma^2 I)^-1 (y_o - m_o)``.

    Parameters
    ----------
    y, pilot : (H, W) float arrays
        The noisy channel and a first estimate of it, of the same shape and
        dtype (checked by the caller, as every argument here).
    sigma : float
        The noise standard deviation.
    keep : (H, W) bool array, optional
        The observed pixels (all by default); the others' values in ``y``
        are ignored.
    patch_size : int
        The patch side p (the prior's in :func:`~fastapml.denoise.denoise`).
    search, n_similar, stride : int
        As described above (:func:`nonlocal_settings` in
        :func:`~fastapml.denoise.denoise`).

    Returns
    -------
    ndarray
        The estimate, in ``y``'s dtype.
    """
    p = patch_size
    rows, cols = patch_grid(y.shape, p, stride)
    check_memory(
        cols.size * n_similar * (p * p + 2) * 8 + 2 * 8 * y.size,
        f"the non-local step on an image of {y.shape[0]} x {y.shape[1]} pixels",
    )
    est = np.empty((cols.size, n_similar, p * p))
    pos = np.empty((cols.size, n_similar, 2), dtype=np.int64)
    size = np.empty(cols.size, dtype=np.int64)
    acc, count = np.zeros(y.shape), np.zeros(y.shape)
    parallel = parallel_allowed() and n_threads() > 1
    kernel = (
        _nonlocal_kernels.group_row_parallel
        if parallel
        else _nonlocal_kernels.group_row
    )
    n_tasks = min(n_threads(), cols.size) if parallel else 1
    s2 = float(sigma) ** 2
    if keep is None:
        keep = np.ones(y.shape, dtype=np.bool_)
    images = (y, keep, pilot)
    settings = (p, search, n_similar, s2)
    # each thread's small matrix products: BLAS threads would only compete
    with threadpool_limits(1, user_api="blas"):
        for r in rows:
            kernel(images, r, cols, settings, n_tasks, (est, pos, size))
            _nonlocal_kernels.add_groups(acc, count, est, pos, size, p)
    return (acc / count).astype(y.dtype)
