"""estimate_sigma(): the level of additive white Gaussian noise in an image."""

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import gammainccinv
from threadpoolctl import threadpool_limits

from .._memory import check_memory
from .._validation import check_float_array, check_scalar, naming
from .patches import patch_grid

# fastapml/reference/noise.py writes the method again on purpose (the oracle
# imports nothing from here); the parity tests hold the two together.
#
# Liu et al.'s settings (their NoiseLevel.m): a patch is weak-textured when
# its gradient energy is below the (1 - 1e-6)-quantile of that of pure noise,
# and the estimate is refined twice on the patches so selected
CONFIDENCE = 1 - 1e-6
ITERATIONS = 3
# patches per BLAS product: a few MiB of float64 rows, big enough for BLAS
CHUNK = 8192
EPS = np.finfo(np.float64).eps


def _threshold(p, c):
    """tau0: the gradient energy of a p x p (x c) patch of white noise of
    variance 1 is below tau0 with probability CONFIDENCE.

    That energy is n^T (D_h^T D_h + D_v^T D_v) n summed over the channels,
    for the central differences D_h, D_v inside the patch; Liu et al. take
    it as Gamma(r / 2, 2 t / r) distributed, with t the trace of that
    matrix, r its rank, per channel p (p - 2) and p^2 - 4 (its null space:
    the patches of period 2 along both axes), times c."""
    r = c * (p * p - 4)
    t = c * p * (p - 2)
    return float(gammainccinv(r / 2, 1 - CONFIDENCE)) * 2 * t / r


def _gradient_energy(image, p, rows, cols):
    """The sum over the channels and the patch of the squared central
    differences (half the difference of the pixels either side), across
    and down, inside each p x p patch of the (c, H, W) image: the trace of
    the patch's gradient covariance.  Shape (rows.size, cols.size)."""
    across = np.square(image[:, :, 2:] - image[:, :, :-2]).sum(axis=0) / 4
    down = np.square(image[:, 2:, :] - image[:, :-2, :]).sum(axis=0) / 4

    def box(a, h, w):  # the sums over the h x w windows, one axis at a time
        a = sum(a[i : a.shape[0] - h + 1 + i] for i in range(h))
        return sum(a[:, j : a.shape[1] - w + 1 + j] for j in range(w))

    energy = box(across, p, p - 2) + box(down, p - 2, p)
    return energy[rows[:, None], cols]


def _patch_covariance(view, rows, cols, keep):
    """The covariance of the patches at corners (rows x cols) that ``keep``
    (a (rows.size, cols.size) bool mask) marks, and their count.  ``view``
    is the (H - p + 1, W - p + 1, c, p, p) window view of the image."""
    d = view[0, 0].size
    gram = np.zeros((d, d))
    total = np.zeros(d)
    step = max(1, CHUNK // cols.size)
    contiguous = rows.size == view.shape[0] and cols.size == view.shape[1]
    for start in range(0, rows.size, step):
        block = rows[start : start + step]
        if contiguous:  # every corner: a slice copies once, and fast
            x = view[block[0] : block[-1] + 1]
        else:
            x = view[block[:, None], cols]
        x = x.reshape(-1, d)[keep[start : start + step].ravel()]
        gram += x.T @ x  # BLAS's syrk
        total += x.sum(axis=0)
    n = int(keep.sum())
    mean = total / n
    return gram / n - np.outer(mean, mean), n


def _noise_variance(covariance, n):
    """The smallest eigenvalue of the covariance of n patches, divided by
    the lower edge (1 - sqrt(d / n))^2 of the Marchenko-Pastur law: for n
    patches of white noise of variance sigma^2 (d values each), the
    smallest sample eigenvalue sits at sigma^2 (1 - sqrt(d / n))^2, not at
    sigma^2.  One within rounding error of 0 is 0."""
    d = covariance.shape[0]
    lam = np.linalg.eigvalsh(covariance)
    if lam[0] <= d * EPS * np.abs(lam).max():
        return 0.0
    return float(lam[0]) / (1 - np.sqrt(d / n)) ** 2


def estimate_sigma(image, patch_size=7, *, stride=1):
    """Estimate the standard deviation of additive white Gaussian noise.

    The method of Liu, Tanaka & Okutomi (2013): the noise variance is the
    smallest eigenvalue of the covariance of the image's weak-textured
    patches -- those whose gradient energy is no more than pure noise of the
    current estimate would give.  With ``x_i`` the image's overlapping
    p x p patches (d = p^2 c values each, for c channels) and ``g_i`` the
    sum of the squared central differences (across and down) inside patch i,
    the trace of its gradient covariance:

    1. ``sigma^2`` = the smallest eigenvalue of the covariance of all the
       patches;
    2. keep the patches with ``g_i < tau0 sigma^2``, where ``tau0`` is the
       ``1 - 1e-6`` quantile of the gradient energy of a patch of unit white
       noise (a gamma distribution, as in the paper); ``sigma^2`` = the
       smallest eigenvalue of the kept patches' covariance;
    3. repeat 2 once, on the patches kept (the authors' three iterations).

    The smallest eigenvalue of the sample covariance of n patches of pure
    noise lies near ``sigma^2 (1 - sqrt(d / n))^2`` (the lower edge of the
    Marchenko-Pastur law), below sigma^2: each eigenvalue is divided by that
    factor.  Without it the estimates are low, by 3-5 % on 256 x 256 images
    and much more on small ones (where a low estimate also keeps too few
    patches in the next step).

    Parameters
    ----------
    image : (H, W) or (H, W, 3) array
        The noisy image.  The estimate is on the scale of its values: [0, 1]
        for float images on [0, 1], 0-255 for uint8 and 0-65535 for uint16
        (the scale of ``sigma`` in :func:`denoise`).  A colour image's
        patches are p x p x 3 and their gradient energy is summed over the
        channels: the estimate is the noise of each channel, for white noise
        of the same sigma in R, G and B, independent between channels (the
        estimate is the same in any orthonormal colour space, such as
        :func:`denoise`'s opponent one).  Computed in float64.
    patch_size : int >= 3, default 7
        Side p of the square patches (the authors' 7).  The image needs more
        than d = p^2 c patches (c = 3 for colour), so that their covariance
        is not singular by construction.
    stride : int, default 1
        Use every ``stride``-th patch in each direction, plus the last row
        and column of patches (``1 <= stride <= patch_size``): about
        ``stride^2`` times less work.

    Returns
    -------
    float
        The estimated sigma, >= 0 (0 for a constant image).  Within 10 % of
        the truth on natural images for sigma from 5 to 50 on the 0-255
        scale; an image with no flat or smooth parts at all (fine texture
        everywhere) reads high.

    References
    ----------
    X. Liu, M. Tanaka and M. Okutomi, "Single-Image Noise Level Estimation
    for Blind Denoising", IEEE Transactions on Image Processing 22(12),
    pp. 5226-5237, 2013; and "Noise Level Estimation Using Weak Textured
    Patches of a Single Noisy Image", ICIP 2012.

    V. A. Marchenko and L. A. Pastur, "Distribution of eigenvalues for some
    sets of random matrices", Math. USSR-Sbornik 1(4), pp. 457-483, 1967.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> clean = np.tile(np.linspace(0, 1, 64), (64, 1))
    >>> noisy = clean + rng.normal(0, 0.1, clean.shape)
    >>> round(estimate_sigma(noisy), 2)
    0.1
    """
    p = check_scalar(patch_size, "patch_size", numbers.Integral, low=3)
    stride = check_scalar(stride, "stride", numbers.Integral, low=1)
    with naming("image"):
        arr = np.asarray(image)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] != 3):
        raise ValueError(
            f"image must be (H, W) grayscale or (H, W, 3) colour, got shape {arr.shape}"
        )
    arr = check_float_array(arr, "image", arr.ndim, np.float64)
    shape = arr.shape
    if arr.ndim == 2:
        arr = arr[:, :, None]
    h, w, c = arr.shape
    if h < p or w < p:
        raise ValueError(f"patch_size {p} does not fit an image of shape {shape}")
    rows, cols = patch_grid((h, w), p, stride)
    d = p * p * c
    if rows.size * cols.size <= d:
        raise ValueError(
            f"an image of shape {shape} has {rows.size * cols.size} "
            f"patches of {p} x {p} at stride {stride}, no more than their {d} "
            "values: too few to estimate the noise (a smaller patch_size or "
            "stride, or a larger image, gives more)"
        )
    check_memory(
        8 * (d * d + max(CHUNK, cols.size) * d + 6 * arr.size),
        f"the covariance of {p} x {p} patches of a {h} x {w} image",
    )
    # a power of two, 2^-e (exact), brings every value into [-1, 1]: no
    # square overflows or underflows; then each channel is centred on its
    # midrange (exact for a constant channel, whose patches are then zero)
    e = int(np.frexp(np.abs(arr).max())[1])
    x = np.ldexp(arr, -e)
    x -= (x.max(axis=(0, 1)) + x.min(axis=(0, 1))) / 2
    x = np.ascontiguousarray(np.moveaxis(x, 2, 0))  # (c, H, W)
    energy = _gradient_energy(x, p, rows, cols)
    tau0 = _threshold(p, c)
    # (H - p + 1, W - p + 1, c, p, p): every patch, none of them copied yet;
    # each patch row is contiguous in the (c, H, W) image
    view = np.moveaxis(sliding_window_view(x, (p, p), axis=(1, 2)), 0, 2)
    keep = np.ones(energy.shape, bool)
    # one BLAS thread: products this size gain little from more, lose much
    # when the cores are busy, and the sums no longer depend on the count
    with threadpool_limits(1, user_api="blas"):
        covariance, n = _patch_covariance(view, rows, cols, keep)
        variance = _noise_variance(covariance, n)
        for _ in range(ITERATIONS - 1):
            weak = keep & (energy < tau0 * variance)
            count = int(weak.sum())
            # too few to go on, or the same patches (the same estimate): stop
            if count <= d or count == n:
                break
            keep = weak
            covariance, n = _patch_covariance(view, rows, cols, keep)
            variance = _noise_variance(covariance, n)
    return float(np.ldexp(np.sqrt(variance), e))
