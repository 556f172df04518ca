"""asv suites for fastapml.denoise.

Images are synthetic, from NumPy and SciPy only (scikit-image need not be
installed): a fixed-seed sum of Gaussian-blurred white-noise fields at four
scales plus blurred-edged regions, scaled to [0.1, 0.9], cropped to the
size, with white noise of sigma 25/255.  Every denoise uses the default
prior; ``python -m bench.compare.denoise`` runs scikit-image's test images
against scikit-image's denoisers and BM3D.
"""

import warnings

import numpy as np
from scipy.ndimage import gaussian_filter
from sklearn.exceptions import ConvergenceWarning

from .common import CACHES, Benchmark, FirstCallBenchmark, fastapml_module, quality

denoise = fastapml_module("fastapml.denoise")

# FitPrior's EM stops at max_iter by design; the "did not converge" warnings
# of the mixture fits say nothing here.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
warnings.filterwarnings("ignore", message=r"(?i).*did not converge")

METHODS = ["epll", "mmse", "gaussian"]
SIZES = [128, 256]
DTYPES = ["float32", "float64"]
SIGMA = 25 / 255


def _clean(size, seed=0):
    """A (size, size) crop of a fixed 512 x 512 smooth-plus-texture image."""
    rng = np.random.default_rng(seed)
    n = max(512, size)
    image = 0.3 * (gaussian_filter(rng.standard_normal((n, n)), 24) > 0)
    image = gaussian_filter(image, 1.0)
    for scale, amplitude in ((1, 0.03), (2, 0.06), (4, 0.12), (8, 0.25)):
        field = gaussian_filter(rng.standard_normal((n, n)), scale)
        image += amplitude * field / field.std()
    image = image[:size, :size]
    return 0.1 + 0.8 * (image - image.min()) / (image.max() - image.min())


def _noisy(size, dtype, seed=0):
    clean = _clean(size, seed)
    noise = np.random.default_rng([seed, 1]).standard_normal(clean.shape)
    return clean, (clean + SIGMA * noise).astype(dtype)


class Denoise(Benchmark):
    """denoise(noisy, 25/255, method) with the default prior, stride and
    rank_tol, on a size x size synthetic image."""

    params = (METHODS, SIZES, ["float32"])
    param_names = ["method", "size", "dtype"]
    timeout = 600
    timed = ("denoise",)

    def make(self, method, size, dtype):
        self.prior = denoise.default_prior()
        self.noisy = _noisy(size, dtype)[1]

    def warm_up(self, method, size, dtype):
        denoise.denoise(self.noisy[:32, :32], SIGMA, method, self.prior)

    def denoise(self, method, size, dtype):
        denoise.denoise(self.noisy, SIGMA, method, self.prior)


class Quality(Benchmark):
    """PSNR (dB) of each method, float32, on the 256 x 256 synthetic image
    and on the demo image bundled with fastapml (``fastapml denoise
    --demo``'s), each with the same fixed-seed noise of sigma 25/255."""

    params = (METHODS, ["synthetic", "bundled"])
    param_names = ["method", "image"]
    requires = ("fastapml.denoise.denoise", "fastapml.denoise.psnr")

    def make(self, method, image):
        if image == "synthetic":
            self.clean, self.noisy = _noisy(256, "float32")
            return
        self.clean = fastapml_module("fastapml.cli.denoise").demo_image() / 255
        noise = np.random.default_rng([0, 1]).standard_normal(self.clean.shape)
        self.noisy = (self.clean + SIGMA * noise).astype("float32")

    def warm_up(self, method, image):
        """Nothing: the figure is not a time."""

    @quality(better="higher", tolerance=0.02)
    def track_psnr(self, method, image):
        return denoise.psnr(self.clean, denoise.denoise(self.noisy, SIGMA, method))

    track_psnr.unit = "dB"


class FitPrior(Benchmark):
    """PatchPrior.fit: 20,000 8 x 8 patches of four 256 x 256 synthetic
    images, 10 components, 5 EM iterations (tol=0), with GaussianMixture's
    default k-means initialization, which takes most of the time."""

    timed = ("fit",)

    def make(self):
        self.images = [_clean(256, seed) for seed in range(4)]

    def warm_up(self):
        denoise.PatchPrior().fit(
            self.images, n_components=2, max_patches=500, max_iter=1
        )

    def fit(self):
        denoise.PatchPrior().fit(
            self.images,
            patch_size=8,
            n_components=10,
            max_patches=20_000,
            random_state=0,
            max_iter=5,
            tol=0,
        )


class FirstCall(FirstCallBenchmark):
    """Import plus the first denoise with each method (default prior) on a
    32 x 32 image in a fresh interpreter, with a cold or the cached numba
    cache."""

    params = (["float64"], CACHES)
    param_names = ["dtype", "cache"]

    def snippet(self, dtype):
        return f"""
            import numpy as np
            from fastapml.denoise import denoise
            y = np.random.default_rng(0).random((32, 32)).astype({dtype!r})
            for method in ("epll", "mmse", "gaussian"):
                denoise(y, 0.1, method)
        """


def timeraw_import_denoise():
    """Import time of fastapml.denoise in a fresh interpreter."""
    return "import fastapml.denoise"
