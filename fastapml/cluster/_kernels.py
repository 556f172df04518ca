"""Numba kernels for clustering (every loop of fastapml.cluster).

Silhouette needs, for every sample i and cluster k, the sum of the distances
from i to the members of k.  The wrapper sorts the samples by cluster, so
each cluster is a contiguous range of columns of the transposed data ``Xt``
(d, n); a kernel call then streams, for TILE_ROWS rows at a time, each column
tile of each cluster: one load of ``Xt[a, j]`` feeds every row and the
accumulators stay in registers over the features (``_simd.distance_tile``,
sized for the target's vector registers), and the tile's distances are
summed straight into ``sums[i, k]``.  No distance matrix exists beyond a
(TILE_ROWS, TILE_VECTORS vectors) tile;
memory is O(n k).  Rows are independent, so the parallel loop over row
groups gives the same result with any number of threads.

The dask path (fastapml.cluster.silhouette_dask) runs the same loop on
blocks of samples: :func:`cluster_distance_sums` within a block and
:func:`cross_distance_sums` between two blocks (rows of one, columns of the
other, every pair once).
"""

import numpy as np
from numba import prange

from .._numba import jit
from .._simd import (
    ABSOLUTES,
    MAXIMA,
    ONE_MINUS_CLIPPED,
    PRODUCTS,
    RAW,
    ROOT,
    SQUARES,
    TILE_ROWS,
    TILE_VECTORS,
    VECTOR_BYTES,
    distance_tile,
)

EUCLIDEAN, SQEUCLIDEAN, MANHATTAN, CHEBYSHEV, COSINE = range(5)
# what distance_tile accumulates, and how it finishes, for each metric
ACCUMULATOR = (SQUARES, SQUARES, ABSOLUTES, MAXIMA, PRODUCTS)
FINISH = (ROOT, RAW, RAW, RAW, ONE_MINUS_CLIPPED)
# Xt carries this many extra (zero) columns: one tile's width in float32
PAD_COLUMNS = TILE_VECTORS * VECTOR_BYTES // 4


@jit
def _group(
    X,
    Xt,
    bounds,
    metric,
    first,
    n_rows,
    label,
    sums,
    columns,
    row_sums,
    col_sums,
    rows,
    first_column,
    side_from,
):
    """One group of up to TILE_ROWS rows of cluster ``label`` against every column
    from ``first_column`` on.  Row side: sums[i, k] for the group's rows.
    Column side: columns[label, j] += sum over the group's rows of d(i, j),
    for the columns j from ``side_from`` on.

    Within one block (rows and columns the same samples), ``first_column`` =
    ``first`` and ``side_from`` = ``first + n_rows``: pairs inside the group
    count on the row side only, so every pair is computed once.  Across two
    blocks, both are 0: all columns, both sides.
    """
    for r in range(TILE_ROWS):
        rows[r] = first + min(r, n_rows - 1)  # repeat the last real row
    kind, finish = ACCUMULATOR[metric], FINISH[metric]
    step = col_sums.shape[0]
    col = columns[label]
    for k in range(bounds.shape[0] - 1):  # clusters before first_column: empty
        for c0 in range(max(first_column, bounds[k]), bounds[k + 1], step):
            width = min(step, bounds[k + 1] - c0)
            distance_tile(
                X, Xt, rows, c0, kind, finish, width, n_rows, row_sums, col_sums
            )
            for r in range(n_rows):
                sums[first + r, k] += row_sums[r]
            for j in range(max(side_from - c0, 0), width):
                col[c0 + j] += col_sums[j]


@jit
def _groups(X, Xt, bounds, metric, groups, span, task, n_tasks, sums, columns, cross):
    """The groups g of ``span`` (start, stop) with g % n_tasks == task, in
    order (rows ``groups[g]``: first, count, cluster), with the column-side
    sums of the task in ``columns``; ``cross``: X and Xt hold different
    samples (see :func:`_group`).  Consecutive spans add exactly what one
    span over all the groups adds."""
    row_sums = np.empty(TILE_ROWS, dtype=X.dtype)
    col_sums = np.empty(TILE_VECTORS * VECTOR_BYTES // X.itemsize, dtype=X.dtype)
    rows = np.empty(TILE_ROWS, dtype=np.int64)
    start = span[0] + (task - span[0]) % n_tasks
    for g in range(start, span[1], n_tasks):
        first, n_rows = groups[g, 0], groups[g, 1]
        if cross:
            first_column, side_from = 0, 0
        else:
            first_column, side_from = first, first + n_rows
        _group(
            X,
            Xt,
            bounds,
            metric,
            first,
            n_rows,
            groups[g, 2],
            sums,
            columns,
            row_sums,
            col_sums,
            rows,
            first_column,
            side_from,
        )


@jit(parallel=True)
def cluster_distance_sums_parallel(X, Xt, bounds, metric, groups, span, sums, columns):
    """sums[i, k] = sum of the distances from row i of X (sorted by cluster)
    to the columns of cluster k of Xt (``bounds[k]:bounds[k + 1]``), for the
    rows of the groups ``span[0]:span[1]``.

    Each pair is computed once: group g adds its rows' sums directly and the
    other side of its pairs into ``columns[task]`` (n_tasks, K, n), task =
    g % n_tasks; tasks run in parallel, and :func:`add_columns` then adds
    their column sums in task order, so the result does not depend on the
    number of threads.  Xt has PAD_COLUMNS extra columns.
    """
    for task in prange(columns.shape[0]):
        _groups(
            X,
            Xt,
            bounds,
            metric,
            groups,
            span,
            task,
            columns.shape[0],
            sums,
            columns[task],
            False,
        )


@jit
def cluster_distance_sums(X, Xt, bounds, metric, groups, span, sums, columns):
    """Serial twin of :func:`cluster_distance_sums_parallel` (same tasks, same sums)."""
    for task in range(columns.shape[0]):
        _groups(
            X,
            Xt,
            bounds,
            metric,
            groups,
            span,
            task,
            columns.shape[0],
            sums,
            columns[task],
            False,
        )


@jit
def cross_distance_sums(X, Xt, bounds, metric, groups, sums, columns):
    """Sums between two different blocks of samples, every pair once (serial).

    Rows: X (m, d), sorted by cluster, in ``groups``; columns: the other
    block transposed, Xt (d, n + PAD_COLUMNS), its clusters at
    ``bounds[k]:bounds[k + 1]``.  Adds sums[i, k] += sum over the columns j
    of cluster k of d(i, j) and columns[c, j] += sum over the rows i of
    cluster c of d(i, j), for every cluster (``columns`` is (K, n)).
    """
    span = np.array([0, groups.shape[0]], dtype=np.int64)
    _groups(X, Xt, bounds, metric, groups, span, 0, 1, sums, columns, True)


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
def precomputed_sums_parallel(D, labels, start, stop, sums):
    """sums[i, k] += sum of D[i, j] over the j with labels[j] == k, for the
    rows i in start:stop."""
    for i in prange(start, stop):
        _precomputed_row(D, labels, i, sums)


@jit
def precomputed_sums(D, labels, start, stop, sums):
    """Serial twin of :func:`precomputed_sums_parallel`."""
    for i in range(start, stop):
        _precomputed_row(D, labels, i, sums)
