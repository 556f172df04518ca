"""denoise(): patch-prior image denoising (Gaussian, MMSE and EPLL)."""

import logging
import numbers

import numpy as np
from threadpoolctl import threadpool_limits

from .. import _chunks
from .._memory import check_memory
from .._numba import n_threads, parallel_allowed
from .._validation import check_float_array, check_scalar
from . import _kernels
from .nonlocal_bayes import nonlocal_estimate, nonlocal_settings
from .patches import patch_grid
from .prior import PatchPrior, default_prior

logger = logging.getLogger("fastapml.denoise")
METHODS = ("epll", "mmse", "gaussian", "nonlocal")
# STRIDE, EPLL_BETAS, OPPONENT and denoise's rank_tol default are written again
# in fastapml/reference/denoise.py on purpose (the oracle imports nothing from
# here); tests/test_reference_standalone.py checks that the two agree.
#
# patch stride when none is given: every second patch each way quarters the
# work for a PSNR cost that `python -m bench.compare.denoise --sweep` measures
STRIDE = {"epll": 2, "mmse": 2, "gaussian": 1, "nonlocal": 2}
EPLL_BETAS = (1.0, 4.0, 8.0, 16.0, 32.0)  # times 1/sigma^2
CHUNK = 256  # patches per BLAS product: big enough for BLAS to pay
# sigma on the [0, 1] scale: beyond these the precisions 1 / sigma^2 over-
# or underflow in float32 (the results are the identity and the prior mean).
SIGMA_RANGE = (1e-8, 1e8)
# Integer image types, read as fractions of their largest value.
INTEGER_IMAGES = (np.dtype(np.uint8), np.dtype(np.uint16))
# an orthonormal colour transform (luminance and two opponent channels):
# white noise stays white with the same sigma in each channel
OPPONENT = np.array([[1, 1, 1], [1, 0, -1], [1, -2, 1]], dtype=np.float64) / np.sqrt(
    [[3.0], [2.0], [6.0]]
)
SQRT3 = np.sqrt(3.0)


class _Tables:
    """The prior's flat arrays for the kernels at patch-noise variance
    ``s2`` (see ``_kernels``); eigenvalues below ``rank_tol * s2`` join
    their component's flat tail."""

    def __init__(self, prior, s2, rank_tol, dtype):
        values, vectors = prior.spectrum()
        keep = [max(1, int(np.count_nonzero(v > rank_tol * s2))) for v in values]
        self.offsets = np.r_[0, np.cumsum(keep)].astype(np.int64)
        quad, gain, tail_quad, tail_gain, const, rows = [], [], [], [], [], []
        for k, r in enumerate(keep):
            lam, tail = values[k, :r], values[k, r:]
            tau = tail.mean() if tail.size else 0.0
            tq = 1.0 / (tau + s2) if tail.size else 0.0
            tail_quad.append(tq)
            tail_gain.append(tau * tq)
            quad.append(1.0 / (lam + s2) - tq)
            gain.append(lam / (lam + s2) - tau * tq)
            const.append(
                np.log(prior.weights_[k])
                - 0.5 * (np.log(lam + s2).sum() + tail.size * np.log(tau + s2))
            )
            rows.append(vectors[k][:, :r].T)
        # patches @ ut.T gives y . u_j for every kept u_j, then y . mu_k
        self.ut = np.ascontiguousarray(
            np.r_[np.concatenate(rows), prior.means_], dtype=dtype
        )
        self.project = np.ascontiguousarray(self.ut.T)
        # a copy, writable like every other table even where the prior's
        # arrays are read-only (the shipped one): one kernel specialization
        self.means = prior.means_.astype(dtype)
        self.shift = np.concatenate(
            [vectors[k][:, :r].T @ prior.means_[k] for k, r in enumerate(keep)]
        )
        self.quad = np.concatenate(quad)
        self.gain = np.concatenate(gain)
        self.tail_quad = np.array(tail_quad)
        self.tail_gain = np.array(tail_gain)
        self.const = np.array(const)
        self.mean_sq = (prior.means_**2).sum(axis=1)

    def args(self):
        return (
            self.offsets,
            self.shift,
            self.quad,
            self.gain,
            self.tail_quad,
            self.tail_gain,
            self.const,
            self.mean_sq,
            self.ut,
            self.means,
        )


def patch_estimates(image, prior, s2, rows, cols, *, soft, rank_tol, out):
    """One patch step over a whole image: ``sum_i P_i^T z_i`` for the
    estimates z_i of the grid's patches (``rows``, ``cols``, see
    :func:`patch_grid`) by :func:`_kernels.estimate_patches` at patch-noise
    variance ``s2``.  ``out``, an (n_patches, p*p) array of the image's
    dtype, receives the estimates: EPLL passes the same one to every step
    (a fresh array of that size costs a page fault per 4 KiB each time)."""
    p = prior.patch_size
    tables = _Tables(prior, s2, rank_tol, image.dtype)
    parallel = parallel_allowed() and n_threads() > 1
    kernel = (
        _kernels.estimate_patches_parallel if parallel else _kernels.estimate_patches
    )
    chunk = min(CHUNK, out.shape[0])
    n_tasks = n_threads() if parallel else 1

    def call(start, stop):
        kernel(
            image,
            rows,
            cols,
            p,
            tables.project,
            *tables.args(),
            soft,
            chunk,
            start,
            stop,
            n_tasks,
            out,
        )

    # per patch: its projection, and (mmse) the products of every component;
    # spans of whole chunks, so every chunk is the same as in one call
    cost = p * p * tables.project.shape[1] * (2 if soft else 1)
    # each kernel thread makes its own BLAS calls: BLAS's own threads
    # would only compete with them for the cores
    with threadpool_limits(1, user_api="blas"):
        _chunks.run(call, _chunks.even_spans(out.shape[0], cost, multiple=chunk))
    acc = np.zeros(image.shape, dtype=np.float64)
    _kernels.accumulate(acc, rows, cols, p, out)
    return acc


def _denoise_channel(y, sigma, method, prior, stride, rank_tol, betas, callback):
    p = prior.patch_size
    rows, cols = patch_grid(y.shape, p, stride)
    # the estimates of every patch, and a few float64 images (counts, sums)
    check_memory(
        rows.size * cols.size * p * p * y.itemsize + 4 * 8 * y.size,
        f"denoising an image of {y.shape[0]} x {y.shape[1]} pixels with "
        f"{p} x {p} patches at stride {stride}",
    )
    count = _kernels.counts(y.shape, rows, cols, p)  # sum_i P_i^T P_i
    out = np.empty((rows.size * cols.size, p * p), dtype=y.dtype)
    s2 = sigma * sigma
    if method in ("mmse", "gaussian"):
        acc = patch_estimates(
            y, prior, s2, rows, cols, soft=method == "mmse", rank_tol=rank_tol, out=out
        )
        return (acc / count).astype(y.dtype)
    # lambda = (p / stride)^2 / sigma^2: the data term weighs against the
    # (about (p / stride)^2) patches over each pixel as in Zoran & Weiss
    lam = (p / stride) ** 2 / s2
    x = y
    for i, b in enumerate(betas):
        beta = b / s2
        acc = patch_estimates(
            x, prior, 1.0 / beta, rows, cols, soft=False, rank_tol=rank_tol, out=out
        )
        x = ((lam * y + beta * acc) / (lam + beta * count)).astype(y.dtype)
        if callback is not None:
            callback(i + 1, len(betas), beta)
    if method == "nonlocal":
        del out  # the EPLL estimates, before the step's own buffers
        x = nonlocal_estimate(y, x, sigma, p, **nonlocal_settings(p))
    return x


def denoise(
    image,
    sigma=None,
    method="epll",
    prior=None,
    *,
    stride=None,
    rank_tol=0.05,
    betas=EPLL_BETAS,
    callback=None,
):
    """Remove additive white Gaussian noise of standard deviation ``sigma``.

    Every method works on the overlapping p x p patches of the image, under
    a patch prior (mean-removed patches ~ sum_k pi_k N(mu_k, C_k)); each
    patch keeps its noisy mean and overlapping estimates are averaged:

    - ``"gaussian"``: the linear-Gaussian MMSE of each patch under one
      Gaussian (the prior's overall mean and covariance),
      ``mu + C (C + sigma^2 I)^-1 (y - mu)``;
    - ``"mmse"``: the exact posterior mean of each patch under the mixture,
      ``sum_k w_k [mu_k + C_k (C_k + sigma^2 I)^-1 (y - mu_k)]`` with
      ``w_k ∝ pi_k N(y; mu_k, C_k + sigma^2 I)``;
    - ``"epll"``: expected patch log-likelihood by half-quadratic splitting
      (Zoran & Weiss 2011): for beta = ``betas`` / sigma^2, each patch's
      Wiener estimate z_i at noise 1/beta under its most likely component,
      then ``x = (lambda y + beta sum_i P_i^T z_i) / (lambda + beta sum_i
      P_i^T P_i)`` with lambda = (p / stride)^2 / sigma^2;
    - ``"nonlocal"``: EPLL, then a non-local Bayes step with EPLL's result
      as the pilot (the second step of NL-Bayes, Lebrun, Buades & Morel
      2013): each group of the patches most like a reference patch in the
      pilot is estimated under N(m, C), m the mean of its noisy patches and
      C the covariance of its pilot patches: 90 patches of the prior's size
      within 12 pixels each way, for references every 4 pixels.  The best
      of the four: 0.14 dB behind BM3D on average, in less time, on
      :doc:`/performance/denoise`.

    No per-patch matrix is inverted: each component's eigen-decomposition
    (computed once per prior) turns every solve into per-axis gains.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) array
        Float in [0, 1] with ``sigma`` on that scale, or uint8 (uint16)
        with ``sigma`` on the 0-255 (0-65535) scale; the result then has
        the image's integer dtype too.
        Colour images are denoised channel by channel in an orthonormal
        opponent colour space (noise stays white with the same sigma).
        float32 images are computed in float32, others in float64.
    sigma : float > 0, optional
        The noise standard deviation, on the image's scale: between 1e-8 and
        1e8 on [0, 1] (times 255 or 65535 for integer images).  When None,
        :func:`estimate_sigma` estimates it (logged on the
        ``fastapml.denoise`` logger at INFO level).
    method : {"epll", "mmse", "gaussian", "nonlocal"}, default "epll"
        The estimator, as described above.
    prior : PatchPrior, optional
        :func:`default_prior` (8 x 8 patches) by default.
    stride : int, optional
        Patch subsampling: use every ``stride``-th patch in each direction
        (plus the last row and column of patches).  By default 2 for
        "epll", "mmse" and "nonlocal" (its EPLL), 1 for "gaussian"; 1 uses
        every patch, about 4x
        the work of 2 (see :doc:`/performance/index` for what it buys).
    rank_tol : float >= 0, default 0.05
        Eigenvalues below ``rank_tol`` times the patch noise variance are
        replaced by their component's mean tail eigenvalue (Parameswaran et
        al. 2017); 0 keeps every eigenvector (exact).
    betas : sequence of float, default (1, 4, 8, 16, 32)
        EPLL's schedule in units of 1/sigma^2.
    callback : callable, optional
        ``callback(step, n_steps, beta)`` after each EPLL step (per colour
        channel; "nonlocal"'s step follows the last).

    Returns
    -------
    ndarray
        The denoised image, of the same shape (and uint8 or uint16 if
        ``image`` was).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> clean = np.tile(np.linspace(0, 1, 32), (32, 1))
    >>> noisy = clean + rng.normal(0, 0.1, clean.shape)
    >>> from fastapml.denoise import psnr
    >>> out = denoise(noisy, 0.1, method="mmse")
    >>> bool(psnr(clean, out) > psnr(clean, noisy) + 5)
    True
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    arr = check_image(image)
    sigma = check_sigma(sigma, arr)
    stride = check_scalar(
        STRIDE[method] if stride is None else stride, "stride", numbers.Integral, low=1
    )
    rank_tol = check_scalar(rank_tol, "rank_tol", numbers.Real, low=0)
    betas = check_betas(betas)
    prior = check_prior(prior)
    if method == "gaussian":
        prior = prior.single_gaussian()
    check_fits(arr.shape, prior)

    def channel(y, s):
        return _denoise_channel(y, s, method, prior, stride, rank_tol, betas, callback)

    return per_channel(arr, sigma, channel)


def check_image(image):
    """``image`` as an (H, W) or (H, W, 3) array: uint8 and uint16 as they
    are, anything else as a finite float32 or float64 array
    (``check_float_array``)."""
    arr = np.asarray(image)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] != 3):
        raise ValueError(
            f"image must be (H, W) grayscale or (H, W, 3) colour, got shape {arr.shape}"
        )
    if arr.dtype in INTEGER_IMAGES:
        return arr
    return check_float_array(arr, "image", arr.ndim)


def top_value(dtype):
    """The image's largest value: 1 for floats, 255 or 65535 for integers."""
    return float(np.iinfo(dtype).max) if dtype in INTEGER_IMAGES else 1.0


def check_sigma(sigma, image):
    """``sigma`` on the scale of ``image``, within SIGMA_RANGE; when None,
    :func:`~fastapml.denoise.estimate_sigma` of the image, logged."""
    dtype = image.dtype
    if sigma is None:
        from .noise import estimate_sigma

        sigma = estimate_sigma(image)
        logger.info("estimated the noise level: sigma = %.4g", sigma)
        if sigma / top_value(dtype) < SIGMA_RANGE[0]:
            raise ValueError(
                "sigma=None: the estimated noise level is 0 (the image looks "
                "noise-free): give sigma"
            )
    sigma = check_scalar(sigma, "sigma", numbers.Real, low=0, low_inclusive=False)
    top = top_value(dtype)
    if not SIGMA_RANGE[0] <= sigma / top <= SIGMA_RANGE[1]:
        raise ValueError(
            f"sigma must be between {SIGMA_RANGE[0] * top:g} and "
            f"{SIGMA_RANGE[1] * top:g} for a {np.dtype(dtype)} image (outside, the "
            f"estimates over- or underflow), got {sigma:g}"
        )
    return sigma


def check_betas(betas):
    """``betas`` as a non-empty float64 array of positive numbers."""
    betas = check_float_array(betas, "betas", 1, np.float64, allow_empty=False)
    if (betas <= 0).any():
        raise ValueError(f"betas must be positive, got {betas.tolist()}")
    return betas


def check_prior(prior):
    """``prior``, or the shipped one when None."""
    if prior is None:
        return default_prior()
    if not isinstance(prior, PatchPrior):
        raise TypeError(f"prior must be a PatchPrior, got {type(prior).__name__}")
    return prior


def check_fits(shape, prior):
    """Raise unless the prior's patches fit in an image of ``shape``."""
    p = prior.patch_size
    if shape[0] < p or shape[1] < p:
        raise ValueError(
            f"the prior's patch size {p} does not fit an image of shape {shape}"
        )


def per_channel(arr, sigma, channel):
    """``channel(y, sigma)`` on a grayscale image, or on each channel of a
    colour one in the opponent colour space, with the image's scale and
    dtype conventions: integer images are computed in float32 on [0, 1] and
    returned rounded to their dtype; float32 images in float32.  ``arr`` is
    as :func:`check_image` returns it."""
    top = top_value(arr.dtype)
    if arr.dtype in INTEGER_IMAGES:
        y, sigma = arr.astype(np.float32) / np.float32(top), sigma / top
    else:
        y = arr
    dtype = y.dtype
    if y.ndim == 2:
        out = channel(y, sigma)
    else:
        # scaled by 1/sqrt(3), so the luminance channel is the mean of R, G
        # and B, in [0, 1] like the grayscale images the prior was fitted on
        opponent = OPPONENT.astype(dtype)
        channels = np.einsum("ij,hwj->ihw", opponent, y) / SQRT3
        out = np.stack(
            [channel(np.ascontiguousarray(c), sigma / SQRT3) for c in channels]
        )
        out = np.einsum("ji,jhw->hwi", opponent, out) * SQRT3
    if arr.dtype in INTEGER_IMAGES:
        return np.clip(np.rint(out * top), 0, top).astype(arr.dtype)
    return out.astype(dtype, copy=False)
