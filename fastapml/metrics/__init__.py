"""Metrics under scikit-learn's names (``fastapml.metrics.silhouette_score``)."""

from ..cluster.silhouette import silhouette_samples, silhouette_score
from ..cluster.validity import calinski_harabasz_score, davies_bouldin_score

__all__ = [
    "calinski_harabasz_score",
    "davies_bouldin_score",
    "silhouette_samples",
    "silhouette_score",
]
