"""PatchPrior: a Gaussian or Gaussian-mixture model of natural image patches."""

import copy
import functools
import numbers
from importlib import resources

import numpy as np

from .. import _archive
from .._validation import check_float_array, check_magnitude, check_scalar

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
        Mixture weights pi_k, non-negative (normalized to sum to 1).
    means : (K, p*p) array, optional
        Component means mu_k (their patch mean is removed).
    covariances : (K, p*p, p*p) array, optional
        Component covariances C_k, symmetric positive semi-definite.  A prior
        is given directly (all three arrays or none); :meth:`fit` learns one.

    Attributes
    ----------
    weights_ : ndarray, shape (K,)
        Mixture weights, summing to 1.
    means_ : ndarray, shape (K, p*p)
        Component means, each of zero mean.
    covariances_ : ndarray, shape (K, p*p, p*p)
        Component covariances on the zero-mean subspace.

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
        """Side p of the p x p patches (raises ``ValueError`` before fitting)."""
        self._check_fitted()
        return self.patch_size_

    @property
    def n_components(self):
        """Number K of mixture components (raises ``ValueError`` before fitting)."""
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
        patch_size : int, default 8
            Side p of the p x p patches, >= 2.
        n_components : int, default 20
            Mixture components K; 1 gives a single Gaussian.
        max_patches : int, default 200_000
            Patches drawn uniformly at random (without replacement) from all
            the images' overlapping patches.
        random_state : int or None, default 0
            Seeds the patch sample and EM's initialization.
        max_iter : int, default 100
            EM iterations at most, as :class:`fastapml.mixture.GaussianMixture`.
        tol : float, default 1e-3
            EM's convergence threshold on the lower bound's change.
        reg_covar : float, default 1e-6
            Added to the diagonal of every covariance.
        init_params : {"kmeans", "k-means++", "random", "random_from_data"}, \
default "kmeans"
            EM's initialization (``"k-means++"`` starts much faster than
            ``"kmeans"`` on hundreds of thousands of patches).
        verbose : bool, default False
            Print the log-likelihood after each EM iteration.

        Returns
        -------
        PatchPrior
            ``self``, fitted.
        """
        from ..mixture import GaussianMixture  # imports scikit-learn

        p = check_scalar(patch_size, "patch_size", numbers.Integral, low=2)
        k = check_scalar(n_components, "n_components", numbers.Integral, low=1)
        m = check_scalar(max_patches, "max_patches", numbers.Integral, low=1)
        # the patches are float32: a larger reg_covar overflows the covariances
        check_scalar(reg_covar, "reg_covar", numbers.Real, low=0, high=1e30)
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
        """The one-Gaussian prior with this mixture's mean and covariance.

        Returns
        -------
        PatchPrior
            A new prior with K = 1, moment-matched to this mixture.
        """
        self._check_fitted()
        w, mu, cov = self.weights_, self.means_, self.covariances_
        mean = w @ mu
        second = np.einsum("k,kij->ij", w, cov) + np.einsum("k,ki,kj->ij", w, mu, mu)
        return PatchPrior(np.ones(1), mean[None], (second - np.outer(mean, mean))[None])

    def spectrum(self):
        """Eigenvalues and eigenvectors of each C_k on the zero-mean subspace.

        Computed once and cached; eigenvalues are in descending order.

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
        """Mean log-likelihood per patch of patches drawn from ``images``.

        In nats, of the zero-mean part of each patch only; the patches are
        drawn as in :meth:`fit`.

        Parameters
        ----------
        images : sequence of (H, W) arrays
            Grayscale, float in [0, 1] or uint8 (divided by 255).
        max_patches : int, default 100_000
            Patches drawn uniformly at random (without replacement).
        random_state : int or None, default 0
            Seeds the patch sample.

        Returns
        -------
        float
            The mean log-likelihood.
        """
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
        """Write the prior to an ``.npz`` file, atomically and without pickles.

        Parameters
        ----------
        path : str or os.PathLike
            Target file.
        dtype : numpy dtype, default numpy.float64
            Storage dtype; ``np.float32`` halves the file (it loads as
            float64).  float16 is refused: its rounding (about 1e-3) can
            leave a covariance with negative eigenvalues, which
            :meth:`load` rejects.
        """
        self._check_fitted()
        try:
            dt = np.dtype(dtype)
        except TypeError as exc:
            raise TypeError(f"dtype must be a float dtype, got {dtype!r}") from exc
        if dt.kind != "f":
            raise TypeError(
                f"dtype must be a float dtype (load refuses others), got {dt}"
            )
        if dt.itemsize < 4:
            raise ValueError(
                f"dtype must be float32 or wider, got {dt}: its rounding can "
                "make a covariance indefinite, and load refuses those"
            )
        arrays = {name: getattr(self, name + "_").astype(dt) for name in _ARRAYS}
        _archive.write(path, _KIND, arrays)

    @classmethod
    def load(cls, path):
        """Read a prior written by :meth:`save`, as an instance of ``cls``.

        Parameters
        ----------
        path : str or os.PathLike
            The file written by :meth:`save`.

        Returns
        -------
        PatchPrior
            The prior, in float64.

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
    """Draw up to ``max_patches`` of the overlapping patches of ``images``.

    Uniformly without replacement from every overlapping patch of every
    image.

    Parameters
    ----------
    images : (H, W) array or sequence of (H, W) arrays
        Grayscale; float, or uint8 (divided by 255).
    patch_size : int
        Side p of the p x p patches.
    max_patches : int
        Patches drawn at most (all of them if there are fewer).
    random_state : None, int or numpy.random.Generator, default 0
        Seeds the draw.

    Returns
    -------
    ndarray of float32, shape (n_patches, p*p)
        One patch per row, in raster order; rows ordered by image, then by
        the patch's top-left corner.

    Examples
    --------
    >>> import numpy as np
    >>> sample_patches(np.arange(16.0).reshape(4, 4), 3, 10).shape
    (4, 9)
    """
    patch_size = check_scalar(patch_size, "patch_size", numbers.Integral, low=1)
    max_patches = check_scalar(max_patches, "max_patches", numbers.Integral, low=1)
    if isinstance(images, np.ndarray) and images.ndim == 2:
        images = [images]
    checked = []
    for i, image in enumerate(images):
        arr = np.asarray(image)
        scale = 255.0 if arr.dtype == np.uint8 else 1.0
        arr = check_float_array(arr, f"images[{i}]", 2, np.float32) / scale
        check_magnitude(arr, f"images[{i}]", 2, patch_size * patch_size)
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
    """The prior shipped with fastapml, for 8 x 8 patches.

    Fitted by ``scripts/train_default_prior.py`` on images that the
    benchmarks never evaluate on (the script lists them).  Read once per
    process; each call returns its own copy (sharing the read-only arrays),
    so refitting it changes nothing for later calls.

    Returns
    -------
    PatchPrior
        A fitted prior with ``patch_size`` 8.

    Examples
    --------
    >>> default_prior().patch_size
    8
    """
    return copy.copy(_shipped_prior())
