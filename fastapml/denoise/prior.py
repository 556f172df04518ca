"""PatchPrior: a Gaussian or Gaussian-mixture model of natural image patches."""

import copy
import functools
import numbers
from importlib import resources

import numpy as np

from .. import _archive
from .._validation import check_float_array, check_scalar

# _KIND and DEFAULT_PRIOR are repeated in fastapml/reference/denoise.py, which
# reads the prior file itself; tests/test_reference_standalone.py checks them.
_KIND = "fastapml.denoise.PatchPrior"
_ARRAYS = ("weights", "means", "covariances")
DEFAULT_PRIOR = "denoise_prior.npz"  # in fastapml/data/


def _ac_basis(d):
    """(d, d - 1) orthonormal basis of the patches with zero mean."""
    q, _ = np.linalg.qr(np.c_[np.ones(d), np.eye(d)[:, : d - 1]])
    return q[:, 1:]


class PatchPrior:
    """A prior over p x p image patches with their mean (DC) removed.

    A mixture of K Gaussians N(mu_k, C_k) on the zero-mean part of each
    patch (Zoran & Weiss 2011); K = 1 is a single multivariate Gaussian.  The
    patch mean is not modelled: denoisers keep each patch's noisy mean and
    restore the rest, and overlapping patches average its noise away.
    Fitted by :class:`fastapml.mixture.GaussianMixture` (EM) on patches of
    float images in [0, 1]; means and covariances are projected onto the
    zero-mean subspace, so ``C_k @ ones == 0``.

    Parameters
    ----------
    weights : (K,) array, optional
    means : (K, p*p) array, optional
    covariances : (K, p*p, p*p) array, optional
        A prior given directly (all three or none); :meth:`fit` learns one.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> images = [rng.random((40, 40)) for _ in range(2)]
    >>> prior = PatchPrior().fit(images, patch_size=4, n_components=2,
    ...                          max_patches=500, random_state=0)
    >>> prior.n_components, prior.patch_size
    (2, 4)
    """

    def __init__(self, weights=None, means=None, covariances=None):
        given = [a is not None for a in (weights, means, covariances)]
        if any(given) and not all(given):
            raise ValueError("give weights, means and covariances together")
        self._spectrum = None
        if all(given):
            self._set(*self._checked(weights, means, covariances))

    # ------------------------------------------------------------------
    @property
    def fitted(self):
        """Whether the prior has parameters."""
        return hasattr(self, "weights_")

    @property
    def patch_size(self):
        self._check_fitted()
        return self.patch_size_

    @property
    def n_components(self):
        self._check_fitted()
        return self.weights_.shape[0]

    def _check_fitted(self):
        if not self.fitted:
            raise ValueError(
                "this PatchPrior has no parameters yet: call fit, "
                "load or default_prior()"
            )

    # ------------------------------------------------------------------
    def fit(
        self,
        images,
        patch_size=8,
        n_components=20,
        max_patches=200_000,
        *,
        random_state=0,
        max_iter=100,
        tol=1e-3,
        reg_covar=1e-6,
        init_params="kmeans",
        verbose=False,
    ):
        """Learn the mixture from the patches of ``images`` with EM.

        Parameters
        ----------
        images : sequence of (H, W) arrays
            Grayscale, float in [0, 1] or uint8 (divided by 255).
        patch_size : int
        n_components : int
            1 gives a single Gaussian.
        max_patches : int
            Patches drawn uniformly at random (without replacement) from all
            the images' overlapping patches.
        random_state : int or None
            Seeds the patch sample and EM's initialization.
        max_iter, tol, reg_covar, init_params
            As :class:`fastapml.mixture.GaussianMixture`
            (``"k-means++"`` starts much faster than ``"kmeans"`` on
            hundreds of thousands of patches).
        verbose : bool
            Print the log-likelihood after each EM iteration.

        Returns
        -------
        self
        """
        from ..mixture import GaussianMixture  # imports scikit-learn

        p = check_scalar(patch_size, "patch_size", numbers.Integral, low=2)
        k = check_scalar(n_components, "n_components", numbers.Integral, low=1)
        m = check_scalar(max_patches, "max_patches", numbers.Integral, low=1)
        X = sample_patches(images, p, m, random_state)
        if X.shape[0] < max(2, k):
            raise ValueError(
                f"{X.shape[0]} patches to fit (max_patches={m}) "
                f"are fewer than n_components={k}"
            )
        X -= X.mean(axis=1, keepdims=True)
        callback = None
        if verbose:

            def callback(n_iter, bound, change):
                print(f"EM iteration {n_iter}: log-likelihood {bound:.4f}", flush=True)

        gm = GaussianMixture(
            k,
            covariance_type="full",
            reg_covar=reg_covar,
            max_iter=max_iter,
            tol=tol,
            init_params=init_params,
            random_state=random_state,
        )
        gm.fit(X, callback=callback)
        self.n_iter_, self.converged_ = gm.n_iter_, gm.converged_
        self._set(
            gm.weights_.astype(np.float64),
            gm.means_.astype(np.float64),
            gm.covariances_.astype(np.float64),
        )
        return self

    def _set(self, weights, means, covariances):
        d = means.shape[1]
        centre = np.eye(d) - 1.0 / d  # removes a patch's mean
        self.weights_ = weights / weights.sum()
        self.means_ = means @ centre
        covariances = centre @ covariances @ centre
        self.covariances_ = 0.5 * (covariances + covariances.transpose(0, 2, 1))
        self.patch_size_ = int(round(np.sqrt(d)))
        self._spectrum = None

    def single_gaussian(self):
        """The one-Gaussian prior with this mixture's mean and covariance."""
        self._check_fitted()
        w, mu, cov = self.weights_, self.means_, self.covariances_
        mean = w @ mu
        second = np.einsum("k,kij->ij", w, cov) + np.einsum("k,ki,kj->ij", w, mu, mu)
        return PatchPrior(np.ones(1), mean[None], (second - np.outer(mean, mean))[None])

    def spectrum(self):
        """Per component: eigenvalues (descending) and eigenvectors of C_k on
        the zero-mean subspace.

        Returns
        -------
        eigenvalues : (K, d - 1) array
        eigenvectors : (K, d, d - 1) array
            Column j of ``eigenvectors[k]`` belongs to ``eigenvalues[k, j]``;
            every column is orthogonal to the constant patch.
        """
        self._check_fitted()
        if self._spectrum is None:
            basis = _ac_basis(self.means_.shape[1])
            inner = basis.T @ self.covariances_ @ basis
            values, vectors = np.linalg.eigh(inner)
            values = np.maximum(values[:, ::-1], 0.0)
            self._spectrum = (values, basis @ vectors[:, :, ::-1])
        return self._spectrum

    def score(self, images, max_patches=100_000, random_state=0):
        """Mean log-likelihood per patch (nats, zero-mean part only) of
        patches drawn from ``images`` as in :meth:`fit`."""
        self._check_fitted()
        X = sample_patches(images, self.patch_size_, max_patches, random_state)
        X = X - X.mean(axis=1, keepdims=True)
        values, vectors = self.spectrum()
        logs = []
        for k in range(self.n_components):
            z = (X - self.means_[k]) @ vectors[k]  # zero-mean coordinates
            lam = np.maximum(values[k], 1e-300)
            logs.append(
                np.log(self.weights_[k])
                - 0.5 * (z * z / lam).sum(axis=1)
                - 0.5 * np.log(2 * np.pi * lam).sum()
            )
        logs = np.array(logs)
        top = logs.max(axis=0)
        return float(np.mean(top + np.log(np.exp(logs - top).sum(axis=0))))

    # ------------------------------------------------------------------
    def save(self, path, dtype=np.float64):
        """Write the prior to ``path`` (see :mod:`fastapml._archive`: written
        atomically, no pickle); ``dtype=np.float32`` halves the file (it loads
        as float64)."""
        self._check_fitted()
        arrays = {name: getattr(self, name + "_").astype(dtype) for name in _ARRAYS}
        _archive.write(path, _KIND, arrays)

    @classmethod
    def load(cls, path):
        """Read a prior written by :meth:`save`, as an instance of ``cls``.

        Raises
        ------
        ValueError
            (:class:`fastapml._archive.ArchiveError`) naming the file and the
            problem; also a ``FileNotFoundError`` if ``path`` does not exist.
        """

        def build(archive):
            archive.check_keys(_ARRAYS)
            return cls(*(archive.array(name, kinds="f") for name in _ARRAYS))

        return _archive.read(path, _KIND, build)

    @staticmethod
    def _checked(weights, means, covariances):
        weights = check_float_array(
            weights, "weights", 1, np.float64, allow_empty=False
        )
        means = check_float_array(means, "means", 2, np.float64)
        covariances = check_float_array(covariances, "covariances", 3, np.float64)
        k, d = means.shape
        p = int(round(np.sqrt(d)))
        if p < 2 or p * p != d:
            raise ValueError(
                f"means must have p*p columns for a patch size p >= 2, got {d}"
            )
        if weights.shape != (k,) or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(
                f"weights must be {k} non-negative numbers with a positive sum"
            )
        if covariances.shape != (k, d, d):
            raise ValueError(
                f"covariances must have shape {(k, d, d)}, got {covariances.shape}"
            )
        # tolerances at float32 rounding: priors may be stored in float32
        scale = max(np.abs(covariances).max(), 1e-300)
        if np.abs(covariances - covariances.transpose(0, 2, 1)).max() > 1e-6 * scale:
            raise ValueError("covariances must be symmetric")
        if (np.linalg.eigvalsh(covariances).min(axis=1) < -1e-6 * scale).any():
            raise ValueError("covariances must be positive semi-definite")
        return weights, means, covariances


def sample_patches(images, patch_size, max_patches, random_state=0):
    """Up to ``max_patches`` patches drawn uniformly without replacement from
    every overlapping patch of ``images`` (grayscale; uint8 is divided by
    255), as float32 rows."""
    if isinstance(images, np.ndarray) and images.ndim == 2:
        images = [images]
    checked = []
    for i, image in enumerate(images):
        arr = np.asarray(image)
        scale = 255.0 if arr.dtype == np.uint8 else 1.0
        arr = check_float_array(arr, f"images[{i}]", 2, np.float32) / scale
        if min(arr.shape) < patch_size:
            raise ValueError(
                f"images[{i}] of shape {arr.shape} is smaller "
                f"than patch_size {patch_size}"
            )
        checked.append(arr)
    if not checked:
        raise ValueError("images must hold at least one image")
    sizes = np.array(
        [(a.shape[0] - patch_size + 1) * (a.shape[1] - patch_size + 1) for a in checked]
    )
    rng = np.random.default_rng(random_state)
    chosen = np.sort(
        rng.choice(sizes.sum(), min(max_patches, sizes.sum()), replace=False)
    )
    starts = np.r_[0, np.cumsum(sizes)]
    out = []
    for arr, lo, hi in zip(checked, starts[:-1], starts[1:]):
        idx = chosen[(chosen >= lo) & (chosen < hi)] - lo
        width = arr.shape[1] - patch_size + 1
        windows = np.lib.stride_tricks.sliding_window_view(
            arr, (patch_size, patch_size)
        )
        out.append(windows[idx // width, idx % width].reshape(idx.size, -1))
    return np.concatenate(out)


@functools.lru_cache(maxsize=1)
def _shipped_prior():
    with resources.as_file(
        resources.files("fastapml") / "data" / DEFAULT_PRIOR
    ) as path:
        prior = PatchPrior.load(path)
    for array in (prior.weights_, prior.means_, prior.covariances_, *prior.spectrum()):
        array.flags.writeable = False  # shared by every copy
    return prior


def default_prior():
    """The prior shipped with fastapml: 8 x 8 patches, fitted by
    ``scripts/train_default_prior.py`` on images that the benchmarks never
    evaluate on (the script lists them).

    Read once per process; each call returns its own copy (sharing the
    read-only arrays), so refitting it changes nothing for later calls.
    """
    return copy.copy(_shipped_prior())
