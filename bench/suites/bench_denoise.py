"""asv suites for fastapml.denoise.

Images are synthetic, from NumPy and SciPy only (scikit-image need not be
installed): a fixed-seed sum of Gaussian-blurred white-noise fields at four
scales plus blurred-edged regions, scaled to [0.1, 0.9], cropped to the
size, with white noise of sigma 25/255.  Every denoise and restore uses
the default prior; ``python -m bench.compare.denoise`` and
``bench.compare.restore`` run scikit-image's test images against
scikit-image's methods (and BM3D).
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

METHODS = ["epll", "nonlocal", "mmse", "gaussian"]
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


TASKS = ["deblur", "inpaint", "inpaint-epll", "upscale"]


def _method(task):
    """restore's method for ``task``: its default, "nonlocal", for inpaint;
    "epll" for the others."""
    return "nonlocal" if task == "inpaint" else "epll"


def _degraded(task, size):
    """The synthetic image degraded for ``task``, in float32: a 9 x 9 uniform
    blur with noise 2/255, half the pixels missing (both inpaint tasks), or
    2 x 2 block means, the last two with noise 1/255; (clean, operator,
    observation, sigma)."""
    clean = _clean(size)
    rng = np.random.default_rng([0, 2])
    if task == "deblur":
        op, sigma = denoise.blur(np.full((9, 9), 1 / 81)), 2 / 255
    elif task.startswith("inpaint"):
        op, sigma = denoise.mask(rng.random(clean.shape) >= 0.5), 1 / 255
    else:
        op, sigma = denoise.downsample(2), 1 / 255
    noise = sigma * rng.standard_normal(op.output_shape(clean.shape))
    return clean, op, (op.apply(clean) + noise).astype("float32"), sigma


class Restore(Benchmark):
    """restore(y, operator, sigma, method=...) with the default prior and
    schedule on a size x size synthetic image degraded for each task."""

    params = (TASKS, SIZES)
    param_names = ["task", "size"]
    requires = ("fastapml.denoise.restore",)
    timeout = 600
    timed = ("restore",)

    def make(self, task, size):
        self.prior = denoise.default_prior()
        _, self.op, self.y, self.sigma = _degraded(task, size)

    def warm_up(self, task, size):
        # denoise's method of the same name compiles the same kernels
        denoise.denoise(self.y[:32, :32], SIGMA, _method(task), self.prior)

    def restore(self, task, size):
        method = _method(task)
        denoise.restore(self.y, self.op, self.sigma, self.prior, method=method)


class RestoreQuality(Benchmark):
    """PSNR (dB) of restore on the 256 x 256 synthetic image degraded for
    each task (see :class:`Restore`)."""

    params = (TASKS,)
    param_names = ["task"]
    requires = ("fastapml.denoise.restore",)

    def make(self, task):
        self.clean, self.op, self.y, self.sigma = _degraded(task, 256)

    def warm_up(self, task):
        """Nothing: the figure is not a time."""

    @quality(better="higher", tolerance=0.02)
    def track_psnr(self, task):
        out = denoise.restore(self.y, self.op, self.sigma, method=_method(task))
        return denoise.psnr(self.clean, out)

    track_psnr.unit = "dB"


class EstimateSigma(Benchmark):
    """estimate_sigma on the 512 x 512 synthetic image with white noise of
    sigma 5/255 or 25/255 (float32): its time, and its relative error."""

    params = ([5, 25],)
    param_names = ["sigma_255"]
    requires = ("fastapml.denoise.estimate_sigma",)
    timed = ("estimate",)

    def make(self, sigma_255):
        clean = _clean(512)
        noise = np.random.default_rng([0, 3]).standard_normal(clean.shape)
        self.noisy = (clean + sigma_255 / 255 * noise).astype("float32")
        self.sigma = sigma_255 / 255

    def warm_up(self, sigma_255):
        """Nothing to compile: NumPy and SciPy only."""

    def estimate(self, sigma_255):
        denoise.estimate_sigma(self.noisy)

    @quality(better="lower", tolerance=0.01)
    def track_relative_error(self, sigma_255):
        return abs(denoise.estimate_sigma(self.noisy) / self.sigma - 1)


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
            for method in ("epll", "nonlocal", "mmse", "gaussian"):
                denoise(y, 0.1, method)
        """


def timeraw_import_denoise():
    """Import time of fastapml.denoise in a fresh interpreter."""
    return "import fastapml.denoise"
