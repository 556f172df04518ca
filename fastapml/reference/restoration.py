"""Plain-NumPy twin of fastapml.denoise.restore and its operators.

The degradations are dense matrices on images flattened in C order, built
from their definitions entry by entry, and each EPLL x-step is a dense solve
of (HᵀH/σ² + βI) x = Hᵀy/σ² + β x̄: small images only.
"""

import numpy as np

from .denoise import patch_estimates

__all__ = [
    "blur_matrix",
    "downsample_matrix",
    "grid_offset",
    "mask_matrix",
    "restore",
    "shifted_grid",
]


def blur_matrix(psf, shape):
    """The periodic convolution with ``psf`` as a dense matrix.

    (Hx)[i, j] = sum_{a,b} psf[a, b] x[(i - a + a0) mod h, (j - b + b0) mod
    w], with (a0, b0) = psf.shape // 2.

    Parameters
    ----------
    psf : (k_h, k_w) array
        The point-spread function.
    shape : (int, int)
        The images' height and width (h, w).

    Returns
    -------
    ndarray, shape (h w, h w)
        H on images flattened in C order.
    """
    h, w = shape
    kh, kw = np.shape(psf)
    H = np.zeros((h * w, h * w))
    for i in range(h):
        for j in range(w):
            for a in range(kh):
                for b in range(kw):
                    r, c = (i - a + kh // 2) % h, (j - b + kw // 2) % w
                    H[i * w + j, r * w + c] += psf[a][b]
    return H


def mask_matrix(keep):
    """Inpainting's H: diagonal, 1 where ``keep``, 0 elsewhere.

    Parameters
    ----------
    keep : (h, w) array of bool
        The observed pixels.

    Returns
    -------
    ndarray, shape (h w, h w)
        H on images flattened in C order (y keeps x's shape).
    """
    return np.diag(np.asarray(keep, dtype=np.float64).ravel())


def downsample_matrix(factor, shape, psf=None):
    """Super-resolution's H: blur, then every ``factor``-th pixel.

    The rows (o + factor i, o + factor j), o = (factor - 1) // 2, of
    :func:`blur_matrix` for ``psf``.

    Parameters
    ----------
    factor : int
        The decimation factor.
    shape : (int, int)
        The large images' height and width, multiples of ``factor``.
    psf : (k_h, k_w) array, optional
        A ``factor`` x ``factor`` box by default.

    Returns
    -------
    ndarray, shape (h w / factor^2, h w)
        H on images flattened in C order.
    """
    if psf is None:
        psf = np.full((factor, factor), 1.0 / factor**2)
    h, w = shape
    o = (factor - 1) // 2
    rows = [
        (o + factor * i) * w + o + factor * j
        for i in range(h // factor)
        for j in range(w // factor)
    ]
    return blur_matrix(psf, shape)[rows]


def grid_offset(step, stride):
    """The patch grid's (row, column) offset at EPLL step ``step``.

    Step i takes (a, (q + a * (stride // 2)) mod stride) for a = i mod
    stride and q = (i // stride) mod stride: all stride^2 offsets in
    stride^2 steps.

    Parameters
    ----------
    step : int
        The step, from 0.
    stride : int
        The grid's stride.

    Returns
    -------
    (int, int)
        The offsets of the rows and of the columns.
    """
    a = step % stride
    q = (step // stride) % stride
    return a, (q + a * (stride // 2)) % stride


def shifted_grid(shape, patch_size, stride, offset):
    """Patch corners every ``stride`` pixels from ``offset``, plus the first
    and the last patch along each axis.

    Parameters
    ----------
    shape : (int, int)
        The image's height and width.
    patch_size, stride : int
        The patch side and the step between corners.
    offset : (int, int)
        The first corner after 0 along each axis.

    Returns
    -------
    rows, cols : lists of int
        The corners along each axis, increasing.
    """
    axes = []
    for n, o in zip(shape, offset):
        last = n - patch_size
        axes.append(sorted({0, last, *range(o, last + 1, stride)}))
    return tuple(axes)


def restore(y, H, x0, sigma, prior, betas, *, stride=2, rank_tol=0.0):
    """EPLL by half-quadratic splitting for y = H x + noise, grayscale floats.

    For each beta (step i): x̄ = (sum_j P_j^T z_j) / (sum_j P_j^T P_j) for
    the patch estimates z_j of x at noise variance 1/beta on the grid
    :func:`shifted_grid` at offset :func:`grid_offset` (i), then
    x = (HᵀH/σ² + βI)⁻¹ (Hᵀy/σ² + β x̄).

    Parameters
    ----------
    y : array
        The observation (any shape; flattened).
    H : (m, n) array
        The degradation on flattened images.
    x0 : (h, w) array
        The first estimate.
    sigma : float
        The noise standard deviation.
    prior : object
        A patch prior (``weights_``, ``means_``, ``covariances_``).
    betas : sequence of float
        The precisions, in order.
    stride : int, default 2
        Step between patches.
    rank_tol : float, default 0.0
        As :func:`fastapml.reference.denoise.patch_estimates`.

    Returns
    -------
    ndarray, shape x0.shape
        The restored image, float64.
    """
    x = np.asarray(x0, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    gram = H.T @ H / sigma**2
    p = int(round(np.sqrt(np.shape(prior.means_)[1])))
    for i, beta in enumerate(betas):
        grid = shifted_grid(x.shape, p, stride, grid_offset(i, stride))
        acc, count = patch_estimates(
            x, prior, 1.0 / beta, soft=False, rank_tol=rank_tol, grid=grid
        )
        xbar = (acc / count).ravel()
        rhs = H.T @ y / sigma**2 + beta * xbar
        x = np.linalg.solve(gram + beta * np.eye(x.size), rhs).reshape(x.shape)
    return x
