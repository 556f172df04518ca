"""Image restoration: the Gaussian posterior, linear-Gaussian MMSE, patch
priors learned with EM, EPLL denoising and restoration (deblurring,
inpainting, super-resolution), and noise-level estimation."""

from .denoising import denoise
from .gaussian import (
    convolution_operator,
    gaussian_posterior,
    linear_gaussian_mmse,
    mask_operator,
)
from .noise import estimate_sigma
from .operators import blur, downsample, mask
from .patches import aggregate_patches, extract_patches, patch_grid
from .prior import PatchPrior, default_prior, sample_patches
from .quality import psnr, ssim
from .restoration import restore
from .stationary import StationaryCovariance

__all__ = [
    "PatchPrior",
    "StationaryCovariance",
    "aggregate_patches",
    "blur",
    "convolution_operator",
    "default_prior",
    "denoise",
    "downsample",
    "estimate_sigma",
    "extract_patches",
    "gaussian_posterior",
    "linear_gaussian_mmse",
    "mask",
    "mask_operator",
    "patch_grid",
    "psnr",
    "restore",
    "sample_patches",
    "ssim",
]
