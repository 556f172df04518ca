"""Plain-NumPy twins of fastapml.denoise: patches, patch MMSE and EPLL.

Written for clarity: loops over patches; each component's density and Wiener
filter come from ``np.linalg`` solves on the full p*p covariance plus the
patch noise, not from the fast code's eigen-decomposition tables.
``rank_tol`` is honoured by building each component's flat-tail covariance
explicitly.

This module imports nothing from fastapml outside ``fastapml.reference``, so a
bug in the fast code cannot also be in its oracle: the patch grid, the prior's
spectrum and the shipped prior's loading are written here again.

A *prior* is any object with ``weights_`` (K,), ``means_`` (K, d) and
``covariances_`` (K, d, d) for zero-mean patches of d = p*p pixels, such as a
fitted :class:`fastapml.denoise.PatchPrior`.

References
----------
D. Zoran and Y. Weiss, "From learning models of natural image patches to whole
image restoration", ICCV 2011 (the patch prior and EPLL).
"""

import types
from importlib import resources

import numpy as np

from .denoise_gaussian import gaussian_posterior, linear_gaussian_mmse
from .nonlocal_bayes import NONLOCAL, nonlocal_estimate
from .patches import patch_grid

__all__ = [
    "EPLL_BETAS",
    "NONLOCAL",
    "OPPONENT",
    "RANK_TOL",
    "STRIDE",
    "aggregate_patches",
    "default_prior",
    "denoise",
    "extract_patches",
    "gaussian_posterior",
    "linear_gaussian_mmse",
    "load_prior",
    "patch_estimates",
    "patch_grid",
    "single_gaussian",
    "spectrum",
    "zero_mean_basis",
    "zero_mean_prior",
]

# The constants below are defined twice on purpose, here and in the fast code
# (fastapml.denoise.denoising: STRIDE, EPLL_BETAS, OPPONENT and the rank_tol
# default of denoise; fastapml.denoise.prior: DEFAULT_PRIOR and _KIND;
# fastapml._archive: HEADER and the format version PatchPrior files get), so
# that the oracle shares no code with what it checks.
# tests/test_reference_standalone.py checks that the two copies agree.

# patch stride per method when none is given
STRIDE = {"epll": 2, "mmse": 2, "gaussian": 1, "nonlocal": 2}
# EPLL's increasing weights beta on the patch term, in units of 1/sigma^2
# (the schedule of Zoran & Weiss 2011)
EPLL_BETAS = (1.0, 4.0, 8.0, 16.0, 32.0)
# eigenvalues below RANK_TOL * (patch-noise variance) join the flat tail
RANK_TOL = 0.05
# luminance and two opponent colour axes; the rows have unit length and are
# orthogonal, so white noise stays white with the same sigma in each channel
OPPONENT = np.array([[1, 1, 1], [1, 0, -1], [1, -2, 1]], dtype=np.float64) / np.sqrt(
    [[3.0], [2.0], [6.0]]
)
# the prior shipped in fastapml/data/, and the header PatchPrior.save writes:
# the names of its two header members, then their values
DEFAULT_PRIOR = "denoise_prior.npz"
PRIOR_HEADER = ("format_kind", "format_version")
PRIOR_KIND = "fastapml.denoise.PatchPrior"
PRIOR_VERSION = 1


# ----------------------------------------------------------------------
# patches
# ----------------------------------------------------------------------
def _corners(shape, patch_size, stride):
    """Every patch's top-left corner, in raster order."""
    rows, cols = patch_grid(shape, patch_size, stride)
    return [(r, c) for r in rows for c in cols]


def extract_patches(image, patch_size, stride=1):
    """The patches of ``image``, one flattened patch per row.

    Parameters
    ----------
    image : (H, W) array
        The image.
    patch_size : int
        Side p of the p x p patches.
    stride : int, default 1
        Step between patches, as :func:`patch_grid`.

    Returns
    -------
    ndarray, shape (n_patches, p*p)
        Patches in raster order of their top-left corners.
    """
    p = patch_size
    return np.array(
        [
            image[r : r + p, c : c + p].ravel()
            for r, c in _corners(image.shape, p, stride)
        ]
    )


def aggregate_patches(patches, shape, patch_size, stride=1, average=True):
    """``sum_i P_i^T z_i``, divided by ``sum_i P_i^T P_i`` when ``average``.

    Parameters
    ----------
    patches : (n_patches, p*p) array
        In the order :func:`extract_patches` gives them.
    shape : (int, int)
        Height and width of the image.
    patch_size : int
        Side p of the patches.
    stride : int, default 1
        As given to :func:`extract_patches`.
    average : bool, default True
        Divide each pixel by the number of patches covering it.

    Returns
    -------
    ndarray, shape ``shape``
        The image, in the dtype of ``patches``.
    """
    p = patch_size
    total, count = np.zeros(shape), np.zeros(shape)
    for z, (r, c) in zip(patches, _corners(shape, p, stride)):
        total[r : r + p, c : c + p] += z.reshape(p, p)
        count[r : r + p, c : c + p] += 1
    return (total / count if average else total).astype(patches.dtype)


# ----------------------------------------------------------------------
# the Gaussian-mixture prior
# ----------------------------------------------------------------------
def zero_mean_basis(d):
    """An orthonormal basis of the zero-mean vectors of length ``d``.

    The Helmert contrasts (H. O. Lancaster, "The Helmert matrices", Amer.
    Math. Monthly 72, 1965): column k - 1 is (1, ..., 1, -k, 0, ..., 0) /
    sqrt(k (k + 1)) with k ones, for k = 1 .. d - 1.

    Parameters
    ----------
    d : int
        Vector length, >= 2.

    Returns
    -------
    ndarray, shape (d, d - 1)
        Orthonormal columns, each orthogonal to the constant vector.
    """
    basis = np.zeros((d, d - 1))
    for k in range(1, d):
        basis[:k, k - 1] = 1.0
        basis[k, k - 1] = -k
        basis[:, k - 1] /= np.sqrt(k * (k + 1))
    return basis


def spectrum(covariances):
    """Eigenvalues and eigenvectors of each C_k on the zero-mean subspace.

    Parameters
    ----------
    covariances : (K, d, d) array
        Covariances of zero-mean patches.

    Returns
    -------
    eigenvalues : (K, d - 1) array
        Descending; negatives from rounding are set to 0.
    eigenvectors : (K, d, d - 1) array
        Column j of ``eigenvectors[k]`` belongs to ``eigenvalues[k, j]``.
    """
    covariances = np.asarray(covariances, dtype=np.float64)
    basis = zero_mean_basis(covariances.shape[1])
    values, vectors = [], []
    for cov in covariances:
        lam, v = np.linalg.eigh(basis.T @ cov @ basis)
        order = np.argsort(lam)[::-1]
        values.append(np.maximum(lam[order], 0.0))
        vectors.append(basis @ v[:, order])
    return np.array(values), np.array(vectors)


def zero_mean_prior(weights, means, covariances):
    """A prior from raw mixture parameters, as PatchPrior keeps them.

    The weights are normalized to sum 1; each mean loses its own mean and
    each covariance its row and column means (x -> x - mean(x) applied to
    both sides), then is made exactly symmetric.

    Parameters
    ----------
    weights : (K,) array
        Mixture weights, non-negative.
    means : (K, d) array
        Component means.
    covariances : (K, d, d) array
        Component covariances.

    Returns
    -------
    types.SimpleNamespace
        With ``weights_``, ``means_`` and ``covariances_``.
    """
    weights = np.asarray(weights, dtype=np.float64)
    means = np.asarray(means, dtype=np.float64)
    cov = np.asarray(covariances, dtype=np.float64)
    cov = (
        cov
        - cov.mean(axis=1, keepdims=True)
        - cov.mean(axis=2, keepdims=True)
        + cov.mean(axis=(1, 2), keepdims=True)
    )
    return types.SimpleNamespace(
        weights_=weights / weights.sum(),
        means_=means - means.mean(axis=1, keepdims=True),
        covariances_=0.5 * (cov + cov.transpose(0, 2, 1)),
    )


def single_gaussian(prior):
    """The one Gaussian with the mixture's mean and covariance.

    mu = sum_k w_k mu_k and C = sum_k w_k (C_k + mu_k mu_k^T) - mu mu^T.

    Parameters
    ----------
    prior : object
        A prior: ``weights_`` (K,), ``means_`` (K, d) and ``covariances_``
        (K, d, d), e.g. from :func:`load_prior`.

    Returns
    -------
    types.SimpleNamespace
        A one-component prior, as :func:`zero_mean_prior`.
    """
    w, mu, cov = prior.weights_, prior.means_, prior.covariances_
    mean = sum(w[k] * mu[k] for k in range(len(w)))
    second = sum(w[k] * (cov[k] + np.outer(mu[k], mu[k])) for k in range(len(w)))
    return zero_mean_prior(
        np.ones(1), mean[None], (second - np.outer(mean, mean))[None]
    )


def load_prior(path):
    """A prior written by ``PatchPrior.save``, read with ``np.load``.

    The file is an ``.npz`` archive with a ``format_kind``/``format_version``
    header and the arrays ``weights``, ``means`` and ``covariances``; they are
    made zero-mean by :func:`zero_mean_prior`, as ``PatchPrior`` does.

    Parameters
    ----------
    path : str or os.PathLike
        The prior file.

    Returns
    -------
    types.SimpleNamespace
        As :func:`zero_mean_prior`.
    """
    kind_key, version_key = PRIOR_HEADER
    with np.load(path, allow_pickle=False) as npz:
        header = (str(npz[kind_key]), int(npz[version_key]))
        if header != (PRIOR_KIND, PRIOR_VERSION):
            raise ValueError(f"{path} holds {header}, not a PatchPrior file")
        return zero_mean_prior(npz["weights"], npz["means"], npz["covariances"])


def default_prior():
    """The prior shipped with fastapml, read by :func:`load_prior`.

    The file is ``fastapml/data/denoise_prior.npz``.

    Returns
    -------
    types.SimpleNamespace
        As :func:`zero_mean_prior`.
    """
    path = resources.files("fastapml") / "data" / DEFAULT_PRIOR
    with resources.as_file(path) as file:
        return load_prior(file)


def _covariances(prior, s2, rank_tol):
    """Each C_k with its eigenvalues below ``rank_tol * s2`` (on the
    zero-mean subspace) replaced by their mean, as fastapml.denoise
    approximates it; at least one eigenvalue is kept as it is."""
    values, vectors = spectrum(prior.covariances_)
    out = []
    for lam, u in zip(values, vectors):
        keep = max(1, int(np.count_nonzero(lam > rank_tol * s2)))
        lam = lam.copy()
        if keep < lam.size:
            lam[keep:] = lam[keep:].mean()
        out.append((u * lam) @ u.T)
    return out


def _patch_size(prior):
    return int(round(np.sqrt(np.shape(prior.means_)[1])))


# ----------------------------------------------------------------------
# denoising
# ----------------------------------------------------------------------
def patch_estimates(image, prior, s2, *, soft, stride=1, rank_tol=0.0, grid=None):
    """``sum_i P_i^T z_i`` and ``sum_i P_i^T P_i`` for the patch estimates.

    z_i is the Wiener estimate under the most likely component or, with
    ``soft``, the posterior mean under the mixture; each patch keeps its own
    mean, which the prior does not model.

    Parameters
    ----------
    image : (H, W) array
        The noisy image.
    prior : object
        A prior: ``weights_`` (K,), ``means_`` (K, d) and ``covariances_``
        (K, d, d), e.g. from :func:`load_prior`.
    s2 : float
        The patch noise variance.
    soft : bool
        Posterior mean under the mixture (True) or the most likely
        component's Wiener estimate (False).
    stride : int, default 1
        Step between patches, as :func:`patch_grid`.
    rank_tol : float, default 0.0
        Eigenvalues below ``rank_tol * s2`` are replaced by their mean.
    grid : (rows, cols), optional
        The patches' top-left corners along each axis, instead of
        :func:`patch_grid`'s for ``stride``.

    Returns
    -------
    acc : ndarray, shape (H, W)
        ``sum_i P_i^T z_i``.
    count : ndarray, shape (H, W)
        ``sum_i P_i^T P_i``, the number of patches over each pixel.
    """
    p = _patch_size(prior)
    d = p * p
    covs = _covariances(prior, s2, rank_tol)
    rows, cols = patch_grid(image.shape, p, stride) if grid is None else grid
    corners = [(r, c) for r in rows for c in cols]
    image = np.asarray(image, dtype=np.float64)
    patches = [image[r : r + p, c : c + p].ravel() for r, c in corners]
    estimates = []
    for patch in patches:
        dc = patch.mean()
        y = patch - dc
        logs, wiener = [], []
        for w, mu, cov in zip(prior.weights_, prior.means_, covs):
            noisy_cov = cov + s2 * np.eye(d)
            diff = y - mu
            _, logdet = np.linalg.slogdet(noisy_cov)
            logs.append(
                np.log(w) - 0.5 * (diff @ np.linalg.solve(noisy_cov, diff) + logdet)
            )
            wiener.append(mu + cov @ np.linalg.solve(noisy_cov, diff))
        logs = np.array(logs)
        if soft:
            post = np.exp(logs - logs.max())
            z = (post / post.sum()) @ np.array(wiener)
        else:
            z = wiener[int(np.argmax(logs))]
        estimates.append(z + dc)
    acc, count = np.zeros(image.shape), np.zeros(image.shape)
    for (r, c), z in zip(corners, estimates):
        acc[r : r + p, c : c + p] += z.reshape(p, p)
        count[r : r + p, c : c + p] += 1
    return acc, count


def _channel(y, sigma, method, prior, stride, rank_tol, betas):
    s2 = sigma**2
    if method in ("mmse", "gaussian"):
        acc, count = patch_estimates(
            y, prior, s2, soft=method == "mmse", stride=stride, rank_tol=rank_tol
        )
        return acc / count
    # the data term weighs against the (about (p / stride)^2) patches that
    # cover each pixel, as in Zoran & Weiss 2011
    lam = (_patch_size(prior) / stride) ** 2 / s2
    x = y
    for b in betas:
        beta = b / s2
        acc, count = patch_estimates(
            x, prior, 1 / beta, soft=False, stride=stride, rank_tol=rank_tol
        )
        x = (lam * y + beta * acc) / (lam + beta * count)
    if method == "nonlocal":  # EPLL's result is the pilot
        p = _patch_size(prior)
        settings = NONLOCAL | {"stride": min(NONLOCAL["stride"], p)}
        x = nonlocal_estimate(y, x, sigma, p, **settings)
    return x


def denoise(
    image,
    sigma=None,
    method="epll",
    prior=None,
    *,
    stride=None,
    rank_tol=RANK_TOL,
    betas=EPLL_BETAS,
):
    """Remove white Gaussian noise, as :func:`fastapml.denoise.denoise`.

    Same call and result, without argument checks or callback.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) array
        Float with ``sigma`` on its scale, or uint8 (uint16) with ``sigma``
        on the 0-255 (0-65535) scale.
    sigma : float, optional
        The noise standard deviation; by default
        :func:`fastapml.reference.noise.estimate_sigma` of the image.
    method : {"epll", "mmse", "gaussian", "nonlocal"}, default "epll"
        The estimator ("nonlocal": EPLL, then :func:`nonlocal_estimate`
        with EPLL's result as the pilot).
    prior : object, optional
        A prior as :func:`load_prior` returns; :func:`default_prior` by
        default.
    stride : int, optional
        Step between patches; ``STRIDE[method]`` by default.
    rank_tol : float, default RANK_TOL
        Eigenvalues below ``rank_tol`` times the patch noise variance are
        replaced by their component's mean tail eigenvalue.
    betas : sequence of float, default EPLL_BETAS
        EPLL's schedule in units of 1/sigma^2.

    Returns
    -------
    ndarray
        The denoised image, of the same shape (uint8 or uint16 if ``image``
        was).
    """
    if sigma is None:
        from .noise import estimate_sigma

        sigma = estimate_sigma(image)
    if prior is None:
        prior = default_prior()
    if method == "gaussian":
        prior = single_gaussian(prior)
    stride = STRIDE[method] if stride is None else stride
    image = np.asarray(image)
    integer = image.dtype in (np.uint8, np.uint16)
    top = float(np.iinfo(image.dtype).max) if integer else 1.0
    y = image / top if integer else image.astype(np.float64)
    sigma = sigma / top
    if y.ndim == 2:
        out = _channel(y, sigma, method, prior, stride, rank_tol, betas)
    else:
        # opponent channels scaled by 1/sqrt(3): the luminance channel of a
        # grey image is the image itself
        scale = np.sqrt(3.0)
        channels = np.einsum("ij,hwj->ihw", OPPONENT, y) / scale
        out = np.stack(
            [
                _channel(c, sigma / scale, method, prior, stride, rank_tol, betas)
                for c in channels
            ]
        )
        out = np.einsum("ji,jhw->hwi", OPPONENT, out) * scale
    if integer:
        return np.clip(np.rint(out * top), 0, top).astype(image.dtype)
    return out.astype(image.dtype if image.dtype.kind == "f" else np.float64)
