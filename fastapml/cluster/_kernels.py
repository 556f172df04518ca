"""Numba kernels for clustering (every loop of fastapml.cluster).

Silhouette needs, for every sample i and cluster k, the sum of the distances
from i to the members of k.  The wrapper sorts the samples by cluster, so
each cluster is a contiguous range of columns of the transposed data ``Xt``
(d, n); a kernel call then streams, for four rows at a time, each column tile
of each cluster: one load of ``Xt[a, j]`` feeds four rows and the 16
accumulators stay in registers over the features (``_simd.distance_tile``),
and the tile's distances are summed straight into ``sums[i, k]``.  No
distance matrix exists beyond a (4, 32 or 64) tile;
memory is O(n k).  Rows are independent, so the parallel loop over row
groups gives the same result with any number of threads.
"""
import numpy as np
from numba import prange

from .._numba import jit
from .._simd import (ABSOLUTES, MAXIMA, ONE_MINUS_CLIPPED, PRODUCTS, RAW,
                     ROOT, SQUARES, TILE_ROWS, TILE_VECTORS, distance_tile)

EUCLIDEAN, SQEUCLIDEAN, MANHATTAN, CHEBYSHEV, COSINE = range(5)
# what distance_tile accumulates, and how it finishes, for each metric
ACCUMULATOR = (SQUARES, SQUARES, ABSOLUTES, MAXIMA, PRODUCTS)
FINISH = (ROOT, RAW, RAW, RAW, ONE_MINUS_CLIPPED)
PAD_COLUMNS = 64             # Xt carries this many extra (zero) columns


@jit
def _group(X, Xt, bounds, metric, first, n_rows, label, sums, columns,
           row_sums, col_sums, rows):
    """One group of up to four rows of cluster ``label`` against every column
    from ``first`` on.  Row side: sums[i, k] for the group's rows.  Column
    side: columns[label, j] += sum over the group's rows of d(i, j), for the
    columns j after the group (pairs inside the group count on the row side
    only), so every pair is computed once."""
    for r in range(TILE_ROWS):
        rows[r] = first + min(r, n_rows - 1)   # repeat the last real row
    kind, finish = ACCUMULATOR[metric], FINISH[metric]
    step = col_sums.shape[0]
    after = first + n_rows
    col = columns[label]
    for k in range(label, bounds.shape[0] - 1):
        for c0 in range(max(first, bounds[k]), bounds[k + 1], step):
            width = min(step, bounds[k + 1] - c0)
            distance_tile(X, Xt, rows, c0, kind, finish, width, n_rows,
                          row_sums, col_sums)
            for r in range(n_rows):
                sums[first + r, k] += row_sums[r]
            for j in range(max(after - c0, 0), width):
                col[c0 + j] += col_sums[j]


@jit
def _groups(X, Xt, bounds, metric, groups, task, n_tasks, sums, columns):
    """Groups task, task + n_tasks, ... (rows ``groups[g]``: first, count,
    cluster), with the column-side sums of the task in ``columns``."""
    row_sums = np.empty(TILE_ROWS, dtype=X.dtype)
    col_sums = np.empty(TILE_VECTORS * 64 // X.itemsize, dtype=X.dtype)
    rows = np.empty(TILE_ROWS, dtype=np.int64)
    for g in range(task, groups.shape[0], n_tasks):
        _group(X, Xt, bounds, metric, groups[g, 0], groups[g, 1],
               groups[g, 2], sums, columns, row_sums, col_sums, rows)


@jit(parallel=True)
def cluster_distance_sums(X, Xt, bounds, metric, groups, sums, columns):
    """sums[i, k] = sum of the distances from row i of X (sorted by cluster)
    to the columns of cluster k of Xt (``bounds[k]:bounds[k + 1]``).

    Each pair is computed once: group g adds its rows' sums directly and the
    other side of its pairs into ``columns[task]`` (n_tasks, K, n), task =
    g % n_tasks; tasks run in parallel, and :func:`add_columns` then adds
    their column sums in task order, so the result does not depend on the
    number of threads.  Xt has PAD_COLUMNS extra columns.
    """
    for task in prange(columns.shape[0]):
        _groups(X, Xt, bounds, metric, groups, task, columns.shape[0], sums,
                columns[task])


@jit
def cluster_distance_sums_serial(X, Xt, bounds, metric, groups, sums,
                                 columns):
    """Serial twin of :func:`cluster_distance_sums` (same tasks, same sums)."""
    for task in range(columns.shape[0]):
        _groups(X, Xt, bounds, metric, groups, task, columns.shape[0], sums,
                columns[task])


@jit
def add_columns(sums, columns):
    """sums[j, k] += columns[task, k, j], task by task."""
    for task in range(columns.shape[0]):
        for k in range(columns.shape[1]):
            for j in range(columns.shape[2]):
                sums[j, k] += columns[task, k, j]


@jit
def _precomputed_row(D, labels, i, sums):
    for j in range(D.shape[1]):
        sums[i, labels[j]] += D[i, j]


@jit(parallel=True)
def precomputed_sums(D, labels, sums):
    """sums[i, k] += sum of D[i, j] over the j with labels[j] == k."""
    for i in prange(D.shape[0]):
        _precomputed_row(D, labels, i, sums)


@jit
def precomputed_sums_serial(D, labels, sums):
    """Serial twin of :func:`precomputed_sums`."""
    for i in range(D.shape[0]):
        _precomputed_row(D, labels, i, sums)
