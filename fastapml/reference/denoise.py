"""Plain-NumPy twins of fastapml.denoise: patches, patch MMSE and EPLL.

Written for clarity: loops over patches, each component's density and Wiener
filter from ``np.linalg`` solves on the full p*p covariance (plus the patch
noise), no eigen-decomposition tricks.  ``rank_tol`` is honoured by building
each component's flat-tail covariance explicitly.
"""
import numpy as np

from ..denoise.patches import patch_grid
from ..denoise.restore import EPLL_BETAS, OPPONENT, STRIDE
from .denoise_gaussian import gaussian_posterior, linear_gaussian_mmse

__all__ = ["aggregate_patches", "denoise", "extract_patches",
           "gaussian_posterior", "linear_gaussian_mmse", "patch_estimates"]


def _corners(shape, patch_size, stride):
    rows, cols = patch_grid(shape, patch_size, stride)
    return [(r, c) for r in rows for c in cols]


def extract_patches(image, patch_size, stride=1):
    p = patch_size
    return np.array([image[r:r + p, c:c + p].ravel()
                     for r, c in _corners(image.shape, p, stride)])


def aggregate_patches(patches, shape, patch_size, stride=1, average=True):
    p = patch_size
    total, count = np.zeros(shape), np.zeros(shape)
    for z, (r, c) in zip(patches, _corners(shape, p, stride)):
        total[r:r + p, c:c + p] += z.reshape(p, p)
        count[r:r + p, c:c + p] += 1
    return (total / count if average else total).astype(patches.dtype)


def _covariances(prior, s2, rank_tol):
    """Each C_k with eigenvalues below ``rank_tol * s2`` (on the zero-mean
    subspace) replaced by their mean, as fastapml.denoise approximates it."""
    values, vectors = prior.spectrum()
    out = []
    for lam, u in zip(values, vectors):
        keep = max(1, int(np.count_nonzero(lam > rank_tol * s2)))
        lam = lam.copy()
        if keep < lam.size:
            lam[keep:] = lam[keep:].mean()
        out.append((u * lam) @ u.T)
    return out


def patch_estimates(image, prior, s2, *, soft, stride=1, rank_tol=0.0):
    """``sum_i P_i^T z_i`` and ``sum_i P_i^T P_i`` for the patch estimates
    z_i: under the most likely component, or (``soft``) the posterior mean
    under the mixture; each patch's mean is kept as it is."""
    p = prior.patch_size
    d = p * p
    covs = _covariances(prior, s2, rank_tol)
    patches = extract_patches(image.astype(np.float64), p, stride)
    estimates = []
    for patch in patches:
        dc = patch.mean()
        y = patch - dc
        logs, wiener = [], []
        for w, mu, cov in zip(prior.weights_, prior.means_, covs):
            noisy_cov = cov + s2 * np.eye(d)
            diff = y - mu
            _, logdet = np.linalg.slogdet(noisy_cov)
            logs.append(np.log(w) - 0.5 * (diff @ np.linalg.solve(noisy_cov, diff)
                                           + logdet))
            wiener.append(mu + cov @ np.linalg.solve(noisy_cov, diff))
        logs = np.array(logs)
        if soft:
            post = np.exp(logs - logs.max())
            z = (post / post.sum()) @ np.array(wiener)
        else:
            z = wiener[int(np.argmax(logs))]
        estimates.append(z + dc)
    estimates = np.array(estimates)
    return (aggregate_patches(estimates, image.shape, p, stride, average=False),
            aggregate_patches(np.ones_like(estimates), image.shape, p, stride,
                              average=False))


def _channel(y, sigma, method, prior, stride, rank_tol, betas):
    s2 = sigma ** 2
    if method != "epll":
        acc, count = patch_estimates(y, prior, s2, soft=method == "mmse",
                                     stride=stride, rank_tol=rank_tol)
        return acc / count
    lam = (prior.patch_size / stride) ** 2 / s2
    x = y
    for b in betas:
        beta = b / s2
        acc, count = patch_estimates(x, prior, 1 / beta, soft=False,
                                     stride=stride, rank_tol=rank_tol)
        x = (lam * y + beta * acc) / (lam + beta * count)
    return x


def denoise(image, sigma, method="epll", prior=None, *, stride=None,
            rank_tol=0.05, betas=EPLL_BETAS):
    """Same call and result as :func:`fastapml.denoise.denoise`."""
    if prior is None:
        from ..denoise import default_prior
        prior = default_prior()
    if method == "gaussian":
        prior = prior.single_gaussian()
    stride = STRIDE[method] if stride is None else stride
    image = np.asarray(image)
    is_uint8 = image.dtype == np.uint8
    y = image / 255.0 if is_uint8 else image.astype(np.float64)
    sigma = sigma / 255.0 if is_uint8 else sigma
    if y.ndim == 2:
        out = _channel(y, sigma, method, prior, stride, rank_tol, betas)
    else:
        scale = np.sqrt(3.0)
        channels = np.einsum("ij,hwj->ihw", OPPONENT, y) / scale
        out = np.stack([_channel(c, sigma / scale, method, prior, stride,
                                 rank_tol, betas) for c in channels])
        out = np.einsum("ji,jhw->hwi", OPPONENT, out) * scale
    if is_uint8:
        return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)
    return out.astype(image.dtype if image.dtype.kind == "f" else np.float64)
