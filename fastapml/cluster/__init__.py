"""Clustering: silhouette scores in O(n k) memory, the graph Laplacian, and
spectral clustering."""
from .laplacian import laplacian     # the function, not its module
from .silhouette import (silhouette_samples, silhouette_score,
                         simplified_silhouette)

__all__ = ["SpectralClustering", "laplacian", "silhouette_samples",
           "silhouette_score", "simplified_silhouette"]


def __getattr__(name):
    if name == "SpectralClustering":
        from .spectral import SpectralClustering
        return SpectralClustering
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
