"""Numba kernels of the internal validity indices (:mod:`.validity`).

Two passes over the samples, each split into ``CHUNKS`` fixed row ranges
run in parallel, each range with its own float64 accumulators that are then
added in range order: the result is the same for any number of threads.
"""

import numpy as np
from numba import prange

from .._numba import jit

CHUNKS = 8  # row ranges per pass (fixed: the thread count must not matter)


@jit
def _span(n, chunk):
    """Rows of ``chunk`` out of CHUNKS even ranges of n."""
    return n * chunk // CHUNKS, n * (chunk + 1) // CHUNKS


@jit(parallel=True)
def cluster_sums(X, labels, n_clusters):
    """(n_clusters, d) sums of each cluster's rows, float64."""
    n, d = X.shape
    parts = np.zeros((CHUNKS, n_clusters, d))
    for chunk in prange(CHUNKS):
        start, stop = _span(n, chunk)
        for i in range(start, stop):
            row = parts[chunk, labels[i]]
            for j in range(d):
                row[j] += X[i, j]
    total = np.zeros((n_clusters, d))
    for chunk in range(CHUNKS):
        total += parts[chunk]
    return total


@jit(parallel=True)
def centroid_distances(X, labels, centroids):
    """Per cluster, the sums of its rows' squared and plain euclidean
    distances to its centroid: (n_clusters, 2), float64."""
    n, d = X.shape
    parts = np.zeros((CHUNKS, centroids.shape[0], 2))
    for chunk in prange(CHUNKS):
        start, stop = _span(n, chunk)
        for i in range(start, stop):
            k = labels[i]
            s = 0.0
            for j in range(d):
                t = X[i, j] - centroids[k, j]
                s += t * t
            parts[chunk, k, 0] += s
            parts[chunk, k, 1] += np.sqrt(s)
    total = np.zeros((centroids.shape[0], 2))
    for chunk in range(CHUNKS):
        total += parts[chunk]
    return total
