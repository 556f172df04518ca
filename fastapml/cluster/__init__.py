"""Clustering: silhouette scores in O(n k) memory, the Calinski-Harabasz and
Davies-Bouldin indices, the graph Laplacian, and spectral clustering."""

from .._lazy import attach
from .laplacian import laplacian  # the function, not its module
from .silhouette import silhouette_samples, silhouette_score, simplified_silhouette
from .validity import calinski_harabasz_score, davies_bouldin_score

__getattr__, __dir__, _ = attach(
    __name__,
    names={
        "spectral": ["SpectralClustering", "spectral_clustering"],
        "graphs": ["connected_components", "epsilon_graph"],
        "embedding": ["spectral_embedding"],
    },
)
__all__ = [
    "SpectralClustering",
    "calinski_harabasz_score",
    "connected_components",
    "davies_bouldin_score",
    "epsilon_graph",
    "laplacian",
    "silhouette_samples",
    "silhouette_score",
    "simplified_silhouette",
    "spectral_clustering",
    "spectral_embedding",
]
