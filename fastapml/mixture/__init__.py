"""Gaussian mixtures fitted by EM: scikit-learn's GaussianMixture as a drop-in,
with fused one-pass E/M kernels and out-of-core fits."""
from .em import em_step, log_prob_resp, precisions_cholesky

__all__ = ["GaussianMixture", "em_step", "log_prob_resp", "precisions_cholesky"]


def __getattr__(name):
    if name == "GaussianMixture":
        from .gaussian_mixture import GaussianMixture
        return GaussianMixture
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
