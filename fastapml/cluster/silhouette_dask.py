"""Exact silhouette of a dask array, in row-block tiles on the dask workers.

X (n, d) is cut into its b row blocks.  One task per block checks it and
sorts it by cluster (:func:`fastapml.cluster.silhouette.sort_by_cluster`);
one tile task per pair of blocks I <= J computes the sums of the distances
from each sample to each cluster over the pairs of that tile, each pair of
samples once: b(b + 1) / 2 tiles in all.  A diagonal tile (I, I) is the
in-memory kernel on block I; a cross tile (I, J) returns both the (n_I, k)
sums of I's rows to J's clusters and the (n_J, k) sums of J's rows to I's
clusters.  Block I's partial sums are added in the order J = 0, 1, ..., b - 1
(:func:`fastapml._dask.tree_sum`) and its silhouettes are finished on the
workers, so the result does not depend on the scheduler, the number of
workers or the run.  Memory: no distance matrix; the (n_I, k) sums of the
tiles waiting to be added (at most (b + 1) n k floats in all) and two blocks
of X per running tile.

Tasks run on worker threads and call the serial kernels only.
"""

import operator

import numpy as np
from sklearn.utils import check_array, check_random_state, column_or_1d

from .._dask import (
    check_row_chunked,
    compute,
    is_dask_array,
    require,
    row_blocks,
    tree_sum,
)
from . import _kernels
from . import _silhouette_sums as _memory

MIN_BLOCK_ROWS = 1024  # smaller blocks: task overhead beats the tile
MAX_BLOCK_BYTES = 64 * 2**20  # a block of X (float64) held by a task
TILES_PER_WORKER = 4  # tiles enough to balance the workers


def _check_metric(metric, kwds):
    """The metric's kernel code; a clear error for what the dask path lacks."""
    supported = ", ".join(sorted(_memory.METRICS))
    if kwds:
        raise TypeError(
            f"silhouette of a dask array takes no metric keywords "
            f"(got {', '.join(sorted(kwds))}); its metrics are "
            f"{supported}"
        )
    if metric == "precomputed":
        raise ValueError(
            "silhouette of a dask array does not take "
            "metric='precomputed': pass the feature vectors, or "
            "a NumPy distance matrix"
        )
    if metric not in _memory.METRICS:
        raise ValueError(
            f"silhouette of a dask array supports the metrics "
            f"{supported}; got {metric!r}"
        )
    return _memory.METRICS[metric]


def _check_input(X, labels, metric, kwds):
    """Check X (dense, row-chunked) and labels (numpy or dask, one per row of
    X).  Returns the metric's kernel code and the labels as a NumPy array."""
    code = _check_metric(metric, kwds)
    check_row_chunked(X, "X")
    if X.shape[1] == 0:
        raise ValueError(f"X has 0 features (shape {X.shape}); at least 1 is required")
    if not isinstance(X._meta, np.ndarray):
        raise TypeError(
            f"silhouette of a dask array needs dense NumPy blocks; "
            f"X has blocks of type {type(X._meta).__name__}"
        )
    if is_dask_array(labels):
        (labels,) = compute(labels)  # O(n): encoded on the client
    labels = column_or_1d(labels)
    if labels.shape[0] != X.shape[0]:
        raise ValueError(
            f"labels has {labels.shape[0]} entries but X has "
            f"{X.shape[0]} rows (inconsistent numbers of "
            f"samples)"
        )
    return code, labels


def _prepare_block(block, first_row, codes, n_clusters, metric):
    """Task: check one row block of X (finite values) and sort it by cluster."""
    try:
        block = check_array(block, ensure_min_samples=0, input_name="X")
    except ValueError as exc:
        raise ValueError(
            f"{exc} (in the row block of rows {first_row} to "
            f"{first_row + len(block) - 1})"
        ) from None
    return _memory.sort_by_cluster(block, codes, n_clusters, metric)


def _within_tile(samples):
    """Task: the diagonal tile (I, I), every pair inside the block once."""
    return _memory.within_sums(samples, parallel=False)


def cross_tile(rows, columns):
    """Task: the tile between two different blocks of sorted samples.

    Returns
    -------
    rows_sums : (n_rows, k) float64
        rows_sums[i, c] = sum of d(i, j) over the samples j of ``columns`` in
        cluster c.
    columns_sums : (n_columns, k) float64
        columns_sums[j, c] = sum of d(i, j) over the samples i of ``rows`` in
        cluster c.

    Both in the blocks' sorted orders; each pair (i, j) is computed once.
    """
    n_clusters = rows.bounds.shape[0] - 1
    rows_sums = np.zeros((rows.rows.shape[0], n_clusters))
    by_cluster = np.zeros((n_clusters, columns.rows.shape[0]))
    _kernels.cross_distance_sums(
        rows.rows,
        columns.columns,
        columns.bounds,
        rows.metric,
        rows.groups,
        rows_sums,
        by_cluster,
    )
    return rows_sums, np.ascontiguousarray(by_cluster.T)


def _finish_block(samples, sums, counts):
    """Task: the silhouettes of one block, in X's row order."""
    silhouette = np.empty(sums.shape[0])
    silhouette[samples.order] = _memory.silhouette_from_sums(
        sums, samples.labels, counts
    )
    return silhouette


def _block_silhouettes(X, codes, counts, metric):
    """The delayed silhouettes of X's row blocks, in order, and the graph's
    token."""
    dask = require("silhouette of a dask array")
    from dask.base import tokenize

    token = tokenize(X, codes, counts, metric)
    blocks = row_blocks(X)
    samples = [
        dask.delayed(_prepare_block, pure=True)(
            block,
            start,
            codes[start : start + size],
            counts.shape[0],
            metric,
            dask_key_name=(f"silhouette-prepare-{token}", b),
        )
        for b, ((start, block), size) in enumerate(zip(blocks, X.chunks[0]))
    ]
    n_blocks = len(samples)
    # parts[i][j]: the sums of block i's rows to block j's clusters
    parts = [[None] * n_blocks for _ in range(n_blocks)]
    tile_name = f"silhouette-tile-{token}"
    for i in range(n_blocks):
        parts[i][i] = dask.delayed(_within_tile, pure=True)(
            samples[i], dask_key_name=(tile_name, i, i)
        )
        for j in range(i + 1, n_blocks):
            parts[i][j], parts[j][i] = dask.delayed(cross_tile, pure=True, nout=2)(
                samples[i], samples[j], dask_key_name=(tile_name, i, j)
            )
    finish = dask.delayed(_finish_block, pure=True)
    return [
        finish(
            samples[i],
            tree_sum(parts[i], operator.add),
            counts,
            dask_key_name=(f"silhouette-finish-{token}", i),
        )
        for i in range(n_blocks)
    ], token


def silhouette_samples(X, labels, *, metric="euclidean", **kwds):
    """Exact silhouette coefficient of each row of a dask array, lazily.

    s(i) = (b(i) - a(i)) / max(a(i), b(i)), with a(i) the mean distance from
    i to the other members of its cluster and b(i) the smallest mean distance
    to another cluster; 0 for members of singleton clusters.  Equal to the
    in-memory :func:`fastapml.cluster.silhouette_samples` to rounding, and
    the same bits on any scheduler, with any number of workers, in every run.

    Parameters
    ----------
    X : (n_samples, n_features) dask array
        Known chunk sizes, one chunk along the columns, dense NumPy blocks
        (float32 is computed in float32, the rest in float64).  NaN or
        infinity raises a ValueError when the block is computed.
    labels : (n_samples,) NumPy or dask array
        Any label values, 2 <= n_labels <= n - 1; computed to the client and
        encoded there (their chunks need not match X's).
    metric : str
        "euclidean" ("l2"), "sqeuclidean", "manhattan" ("cityblock", "l1"),
        "chebyshev" or "cosine"; no keywords.

    Returns
    -------
    (n_samples,) float64 dask array with X's row chunks; nothing is computed
    before ``.compute()`` (except the labels, when a dask array).

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> X = da.from_array(np.array([[0.0], [1.0], [10.0], [11.0]]), chunks=(2, 1))
    >>> silhouette_samples(X, [0, 0, 1, 1]).compute().round(3)
    array([0.905, 0.895, 0.895, 0.905])
    """
    dask = require("silhouette of a dask array")
    from dask.highlevelgraph import HighLevelGraph

    code, labels = _check_input(X, labels, metric, kwds)
    codes, counts = _memory.encode_labels(labels, X.shape[0])
    blocks, token = _block_silhouettes(X, codes, counts, code)
    name = f"silhouette-samples-{token}"
    layer = {(name, b): block.key for b, block in enumerate(blocks)}
    graph = HighLevelGraph.from_collections(name, layer, dependencies=blocks)
    return dask.array.Array(
        graph, name, chunks=(X.chunks[0],), dtype=np.float64, meta=np.empty(0)
    )


def silhouette_score(
    X, labels, *, metric="euclidean", sample_size=None, random_state=None, **kwds
):
    """Mean silhouette coefficient of the rows of a dask array, computed.

    mean(s) = (sum over the blocks, in order, of each block's sum of s) / n:
    the same float on any scheduler and in every run; equal to the in-memory
    :func:`fastapml.cluster.silhouette_score` to rounding.

    Parameters
    ----------
    X, labels, metric
        As :func:`silhouette_samples`.
    sample_size : int, optional
        Score the rows ``check_random_state(random_state).permutation(n)
        [:sample_size]`` (scikit-learn's subset): they are computed to the
        client and scored in memory; only they are read and checked.
    random_state : int, RandomState or None

    Returns
    -------
    float
    """
    code, labels = _check_input(X, labels, metric, kwds)
    if sample_size is not None:
        indices = check_random_state(random_state).permutation(X.shape[0])[:sample_size]
        (subset,) = compute(X[indices])
        return _memory.score_in_memory(subset, labels[indices], metric, None, None, {})
    dask = require("silhouette of a dask array")
    codes, counts = _memory.encode_labels(labels, X.shape[0])
    blocks, _ = _block_silhouettes(X, codes, counts, code)
    block_sums = [dask.delayed(np.sum, pure=True)(block) for block in blocks]
    (total,) = compute(tree_sum(block_sums, operator.add))
    return float(total / X.shape[0])


def silhouette_chunks(n_samples, n_features, n_workers=1):
    """Row chunks for X on ``n_workers`` workers: b nearly equal blocks, with
    b(b + 1) / 2 >= TILES_PER_WORKER * n_workers tiles, blocks of at most
    MAX_BLOCK_BYTES (as float64) and, where n allows, MIN_BLOCK_ROWS rows.

    Returns
    -------
    tuple of ints, summing to ``n_samples``: ``chunks=(that, -1)``

    Examples
    --------
    >>> silhouette_chunks(20000, 8, n_workers=2)
    (5000, 5000, 5000, 5000)
    """
    n_blocks = 1
    while n_blocks * (n_blocks + 1) // 2 < TILES_PER_WORKER * n_workers:
        n_blocks += 1
    n_blocks = min(n_blocks, max(1, n_samples // MIN_BLOCK_ROWS))
    n_blocks = max(n_blocks, -(-n_samples * n_features * 8 // MAX_BLOCK_BYTES))
    size, extra = divmod(n_samples, n_blocks)
    return tuple(size + (i < extra) for i in range(n_blocks))
