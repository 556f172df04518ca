"""Image denoising: the Gaussian posterior, linear-Gaussian MMSE, patch
priors learned with EM, and EPLL."""

from .gaussian import (
    convolution_operator,
    gaussian_posterior,
    linear_gaussian_mmse,
    mask_operator,
)
from .patches import aggregate_patches, extract_patches, patch_grid
from .prior import PatchPrior, default_prior, sample_patches
from .restore import denoise, psnr

__all__ = [
    "PatchPrior",
    "aggregate_patches",
    "convolution_operator",
    "default_prior",
    "denoise",
    "extract_patches",
    "gaussian_posterior",
    "linear_gaussian_mmse",
    "mask_operator",
    "patch_grid",
    "psnr",
    "sample_patches",
]
