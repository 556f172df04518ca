"""Metrics under scikit-learn's names (``fastapml.metrics.silhouette_score``)."""

from ..cluster.silhouette import silhouette_samples, silhouette_score

__all__ = ["silhouette_samples", "silhouette_score"]
