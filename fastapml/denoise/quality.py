"""Image quality against a clean reference: PSNR and SSIM."""

import numpy as np
from scipy.ndimage import uniform_filter

from .._validation import check_float_array, check_magnitude, check_scalar

SSIM_WINDOW = 7  # scikit-image's structural_similarity defaults
SSIM_K = (0.01, 0.03)


def _pair(clean, estimate):
    """Both images as finite float64 arrays of the same shape."""
    arrays = []
    for name, x in (("clean", clean), ("estimate", estimate)):
        arr = check_float_array(x, name, np.ndim(x), np.float64, allow_empty=False)
        # the mean of squared differences must stay finite
        arrays.append(check_magnitude(arr, name, 2, arr.size))
    clean, estimate = arrays
    if clean.shape != estimate.shape:
        raise ValueError(
            f"clean and estimate differ in shape: {clean.shape} and {estimate.shape}"
        )
    return clean, estimate


def psnr(clean, estimate, data_range=1.0):
    """Peak signal-to-noise ratio in dB, ``10 log10(range^2 / MSE)``.

    Parameters
    ----------
    clean : array_like
        The reference image.
    estimate : array_like
        The image compared with it, of the same shape.
    data_range : float, default 1.0
        The range of pixel values (255 for uint8 images).

    Returns
    -------
    float
        The PSNR; ``inf`` when the images are equal.

    Examples
    --------
    >>> import numpy as np
    >>> round(psnr(np.zeros(4), np.full(4, 0.1)), 6)
    20.0
    """
    clean, estimate = _pair(clean, estimate)
    data_range = check_scalar(data_range, "data_range", low=0, low_inclusive=False)
    mse = np.mean((clean - estimate) ** 2)
    if not mse:
        return np.inf
    return float(20 * np.log10(float(data_range)) - 10 * np.log10(mse))


def ssim(clean, estimate, data_range=1.0):
    r"""Structural similarity (Wang et al. 2004), the mean over the image of

    .. math::

        \frac{(2 \mu_x \mu_y + C_1)(2 \sigma_{xy} + C_2)}
             {(\mu_x^2 + \mu_y^2 + C_1)(\sigma_x^2 + \sigma_y^2 + C_2)},

    with local means, variances and covariance over 7 x 7 windows (sample
    covariances), C_1 = (0.01 L)^2, C_2 = (0.03 L)^2 for the data range L,
    and the windows that cross the border left out: scikit-image's
    ``structural_similarity`` with its defaults (averaged over the channels
    of a colour image, as with its ``channel_axis=-1``).

    Parameters
    ----------
    clean : (H, W) or (H, W, C) array_like
        The reference image, at least 7 x 7.
    estimate : array_like
        The image compared with it, of the same shape.
    data_range : float, default 1.0
        The range of pixel values (255 for uint8 images).

    Returns
    -------
    float
        The SSIM, 1 for equal images.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).random((16, 16))
    >>> ssim(x, x), bool(ssim(x, 1 - x) < 0)
    (1.0, True)
    """
    clean, estimate = _pair(clean, estimate)
    if clean.ndim not in (2, 3) or min(clean.shape[:2]) < SSIM_WINDOW:
        raise ValueError(
            f"clean must be (H, W) or (H, W, C) with H, W >= {SSIM_WINDOW}, "
            f"got shape {clean.shape}"
        )
    data_range = check_scalar(data_range, "data_range", low=0, low_inclusive=False)
    if clean.ndim == 3:
        return float(
            np.mean(
                [
                    ssim(clean[..., c], estimate[..., c], data_range)
                    for c in range(clean.shape[2])
                ]
            )
        )
    n = SSIM_WINDOW**2
    norm = n / (n - 1)  # sample covariances

    def mean(a):
        return uniform_filter(a, SSIM_WINDOW)

    ux, uy = mean(clean), mean(estimate)
    vx = norm * (mean(clean * clean) - ux * ux)
    vy = norm * (mean(estimate * estimate) - uy * uy)
    vxy = norm * (mean(clean * estimate) - ux * uy)
    c1, c2 = ((k * data_range) ** 2 for k in SSIM_K)
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / (
        (ux * ux + uy * uy + c1) * (vx + vy + c2)
    )
    pad = (SSIM_WINDOW - 1) // 2
    return float(s[pad:-pad, pad:-pad].mean())
