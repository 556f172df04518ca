"""Gaussian mixtures fitted by EM: scikit-learn's GaussianMixture as a drop-in,
with fused one-pass E/M kernels and out-of-core fits."""

from .._lazy import attach
from .em import em_step, log_prob_resp, precisions_cholesky

__getattr__, __dir__, _ = attach(
    __name__, names={"gaussian_mixture": ["GaussianMixture"]}
)
__all__ = ["GaussianMixture", "em_step", "log_prob_resp", "precisions_cholesky"]
