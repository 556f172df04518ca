"""Noise-level estimation from the weak-textured patches of an image (Liu,
Tanaka & Okutomi, IEEE TIP 2013), in plain NumPy: every patch and every
gradient patch built, the gradient operators written out as matrices, the
covariance formed whole, and the authors' three iterations."""

import numpy as np
from scipy.stats import gamma

from .patches import patch_grid

CONFIDENCE = 1 - 1e-6  # the authors' defaults (NoiseLevel.m)
ITERATIONS = 3


def all_patches(image, patch_size, stride=1):
    """The patches of an (H, W, c) image as rows of an (n, p * p * c) array,
    each patch's values in (channel, row, column) order."""
    p = patch_size
    rows, cols = patch_grid(image.shape[:2], p, stride)
    patches = [
        image[r : r + p, c : c + p].transpose(2, 0, 1).ravel()
        for r in rows
        for c in cols
    ]
    return np.array(patches)


def gradient_operators(p):
    """D_h, D_v: the central differences (x[j + 1] - x[j - 1]) / 2 across
    and down inside a p x p patch, as matrices on its row-major values."""
    across, down = [], []
    for i in range(p):
        for j in range(p):
            if 0 < j < p - 1:
                row = np.zeros((p, p))
                row[i, j - 1], row[i, j + 1] = -0.5, 0.5
                across.append(row.ravel())
            if 0 < i < p - 1:
                row = np.zeros((p, p))
                row[i - 1, j], row[i + 1, j] = -0.5, 0.5
                down.append(row.ravel())
    return np.array(across), np.array(down)


def threshold(p, c):
    """tau0: the CONFIDENCE-quantile of the gradient energy n^T DD n of a
    p x p x c patch n of unit white noise, DD = D_h^T D_h + D_v^T D_v on
    each channel, as a gamma variable of shape r / 2 and scale 2 tr / r (r
    the rank of DD, tr its trace)."""
    dh, dv = gradient_operators(p)
    dd = np.kron(np.eye(c), dh.T @ dh + dv.T @ dv)
    r = np.linalg.matrix_rank(dd)
    return gamma.ppf(CONFIDENCE, r / 2, scale=2 * np.trace(dd) / r)


def gradient_energy(patches, p, c):
    """The squared norm of each patch's central differences, all channels."""
    dh, dv = gradient_operators(p)
    d = np.kron(np.eye(c), np.vstack([dh, dv]))
    return np.sum((patches @ d.T) ** 2, axis=1)


def noise_variance(patches):
    """The smallest eigenvalue of the patches' covariance over the
    Marchenko-Pastur lower edge (1 - sqrt(d / n))^2; 0 when it is within
    rounding error of 0."""
    n, d = patches.shape
    centred = patches - patches.mean(axis=0)
    lam = np.linalg.eigvalsh(centred.T @ centred / n)
    if lam[0] <= d * np.finfo(np.float64).eps * np.abs(lam).max():
        return 0.0
    return lam[0] / (1 - np.sqrt(d / n)) ** 2


def estimate_sigma(image, patch_size=7, *, stride=1):
    """The standard deviation of white Gaussian noise in an image.

    The noise variance (see ``noise_variance``) of all its p x p (x 3)
    patches, then twice of those whose gradient energy is below
    ``threshold`` times that variance (Liu, Tanaka and Okutomi 2013).

    Parameters
    ----------
    image : (H, W) or (H, W, 3) array
        Floats on [0, 1], or uint8/uint16.
    patch_size : int, default 7
        The patch side p.
    stride : int, default 1
        Step between patches, as :func:`~fastapml.reference.patches.patch_grid`.

    Returns
    -------
    float
        The estimate, on the scale of the image's values (0-255 for uint8).
    """
    x = np.asarray(image, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3 or x.shape[2] not in (1, 3):
        raise ValueError(f"image must be (H, W) or (H, W, 3), got {np.shape(image)}")
    if not np.isfinite(x).all():
        raise ValueError("image must be finite")
    if int(patch_size) != patch_size or patch_size < 3:
        raise ValueError(f"patch_size must be an integer >= 3, got {patch_size}")
    p, c = int(patch_size), x.shape[2]
    patches = all_patches(x, p, int(stride))
    n, d = patches.shape
    if n <= d:
        raise ValueError(f"{n} patches are too few for their {d} values")
    energy = gradient_energy(patches, p, c)
    tau0 = threshold(p, c)
    variance = noise_variance(patches)
    for _ in range(ITERATIONS - 1):
        weak = energy < tau0 * variance
        if weak.sum() < d + 1:
            break
        patches, energy = patches[weak], energy[weak]
        variance = noise_variance(patches)
    return float(np.sqrt(variance))
