"""Clustering: silhouette scores in O(n k) memory, the graph Laplacian, and
spectral clustering."""

from .._lazy import attach
from .laplacian import laplacian  # the function, not its module
from .silhouette import silhouette_samples, silhouette_score, simplified_silhouette

__getattr__, __dir__, _ = attach(__name__, names={"spectral": ["SpectralClustering"]})
__all__ = [
    "SpectralClustering",
    "laplacian",
    "silhouette_samples",
    "silhouette_score",
    "simplified_silhouette",
]
