import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from fastapml.denoise import PatchPrior


def smooth_images(n, shape=(40, 40), seed=0):
    """Flat regions with soft edges (a coarse random grid, upsampled, shifted
    and blurred) in [0, 1]: patch statistics a mixture captures better than
    one Gaussian, like natural images'."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        coarse = rng.random((shape[0] // 6 + 2, shape[1] // 6 + 2))
        fine = np.kron(coarse, np.ones((6, 6)))
        r, c = rng.integers(0, 6, 2)
        out.append(gaussian_filter(fine[r : r + shape[0], c : c + shape[1]], 0.8))
    return out


@pytest.fixture(scope="session")
def images():
    """``images(n, shape, seed)``: see :func:`smooth_images`."""
    return smooth_images


@pytest.fixture(scope="session")
def small_prior():
    """A three-component prior on 4 x 4 patches."""
    return PatchPrior().fit(
        smooth_images(3), patch_size=4, n_components=3, max_patches=3000, random_state=0
    )
