"""Numba kernels of the internal validity indices (:mod:`.validity`).

Two passes over the samples, each split into ``CHUNKS`` fixed row ranges,
each range with its own float64 accumulators that are then added in range
order: the result is the same for any number of threads.
``chunk_pass_parallel`` runs the ranges in parallel; ``chunk_pass``, its
serial twin, runs them in order (for worker threads, see
:func:`fastapml._numba.parallel_allowed`).
"""

import numpy as np
from numba import prange

from .._numba import jit

CHUNKS = 8  # row ranges per pass (fixed: the thread count must not matter)
SUMS, DISTANCES = 0, 1  # the two passes


@jit
def _chunk(X, labels, centroids, what, chunk, part):
    """One row range of a pass into ``part``: each cluster's row sums
    (``SUMS``, (k, d)), or its rows' squared and plain euclidean distances
    to its centroid (``DISTANCES``, (k, 2))."""
    n, d = X.shape
    for i in range(n * chunk // CHUNKS, n * (chunk + 1) // CHUNKS):
        k = labels[i]
        if what == SUMS:
            for j in range(d):
                part[k, j] += X[i, j]
        else:
            s = 0.0
            for j in range(d):
                t = X[i, j] - centroids[k, j]
                s += t * t
            part[k, 0] += s
            part[k, 1] += np.sqrt(s)


@jit(parallel=True)
def chunk_pass_parallel(X, labels, centroids, what, parts):
    """Every row range of a pass (see :func:`_chunk`), in parallel;
    ``parts[c]`` receives range c's accumulators."""
    for chunk in prange(CHUNKS):
        _chunk(X, labels, centroids, what, chunk, parts[chunk])


@jit
def chunk_pass(X, labels, centroids, what, parts):
    """Serial twin of :func:`chunk_pass_parallel`."""
    for chunk in range(CHUNKS):
        _chunk(X, labels, centroids, what, chunk, parts[chunk])
