"""dask glue shared by the scale-out paths: the optional import, type tests,
row blocks, a fixed-order tree sum, and the scheduler choice.

Which scheduler runs a computation is dask's choice, made the usual way:
:func:`compute` calls ``dask.compute``, which uses the current
``distributed.Client`` when there is one (the last one created, or one
entered with ``with client.as_current():``), else the scheduler set by
``dask.config.set(scheduler=...)``, else dask's local threaded scheduler
(threads of this process).  fastapml never starts a cluster inside a
library call; :func:`client_for` (used by the command line) starts a
``LocalCluster`` only when asked and always closes it.

Every task calls serial ``nogil`` kernels: dask runs tasks on worker threads,
where :func:`fastapml._numba.parallel_allowed` is false (numba issue #8563).
"""

import contextlib
import sys

import numpy as np

INSTALL_HINT = "pip install 'fastapml[dask]'"


def require(what):
    """Import dask (with its array and bag parts); a clear ImportError if
    it is missing."""
    try:
        import dask
        import dask.array
        import dask.bag  # noqa: F401
    except ImportError as exc:  # pragma: no cover - dask is a test dependency
        raise ImportError(f"{what} needs dask: {INSTALL_HINT}") from exc
    return dask


def is_dask_array(x):
    """Whether ``x`` is a dask array (without importing dask if it was not)."""
    module = sys.modules.get("dask.array")
    return module is not None and isinstance(x, module.Array)


def is_dask_bag(x):
    """Whether ``x`` is a dask bag (without importing dask if it was not)."""
    module = sys.modules.get("dask.bag")
    return module is not None and isinstance(x, module.Bag)


def check_row_chunked(X, name, ndim=2):
    """Check a dask array for the row-block paths: ``ndim`` dimensions, known
    chunk sizes, one chunk along every axis but the first, a real numeric
    dtype.  Returns the dtype the kernels will use (float32 stays float32,
    everything else becomes float64)."""
    if X.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {X.shape}")
    if any(np.isnan(size) for size in X.shape) or any(
        np.isnan(c) for chunks in X.chunks for c in chunks
    ):
        raise ValueError(
            f"{name} has unknown chunk sizes; call {name}.compute_chunk_sizes() first"
        )
    if any(len(chunks) != 1 for chunks in X.chunks[1:]):
        raise ValueError(
            f"{name} must have a single chunk along its columns, got "
            f"chunks {X.chunks[1:]}; use {name}.rechunk({{1: -1}})"
        )
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise TypeError(f"{name} must be a numeric array, got dtype {X.dtype}")
    if np.issubdtype(X.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got dtype {X.dtype}")
    return np.dtype(np.float32 if X.dtype == np.float32 else np.float64)


def row_blocks(X):
    """The row blocks of a row-chunked dask array, as delayed objects, in
    order, with their first row: ``[(start, block), ...]``."""
    blocks = X.to_delayed().reshape(-1)
    starts = np.concatenate(([0], np.cumsum(X.chunks[0])[:-1])).astype(int)
    return list(zip(starts.tolist(), blocks.tolist()))


def tree_sum(parts, add, width=8):
    """Combine delayed ``parts`` in a fixed tree: groups of ``width``
    consecutive parts, left to right, level by level.  The order is a
    function of ``len(parts)`` only, so the result is the same on any
    cluster and in every run."""
    dask = require("tree_sum")

    def add_all(*items):
        total = items[0]
        for item in items[1:]:
            total = add(total, item)
        return total

    combine = dask.delayed(add_all, pure=True)
    while len(parts) > 1:
        groups = [parts[i : i + width] for i in range(0, len(parts), width)]
        parts = [group[0] if len(group) == 1 else combine(*group) for group in groups]
    return parts[0]


def compute(*collections):
    """``dask.compute`` on the current client or scheduler (see the module
    docstring)."""
    return require("compute").compute(*collections)


@contextlib.contextmanager
def client_for(workers=None, scheduler=None):
    """A ``distributed.Client`` for a ``with`` block, closed on exit.

    Starts a ``LocalCluster`` of ``workers`` single-threaded worker
    processes, shut down on exit, or connects to a running scheduler.  The
    client is dask's default while the block runs, so fastapml's functions
    that take dask collections run on it.  With neither argument there is
    no client: dask's local threaded scheduler runs the work.

    Parameters
    ----------
    workers : int, optional
        Number of worker processes of a ``LocalCluster`` started here (one
        thread each).
    scheduler : str, optional
        Address of a running scheduler (``dask scheduler``), such as
        ``"tcp://10.0.0.1:8786"``; it takes precedence over ``workers``.

    Yields
    ------
    distributed.Client or None
        The client; None when neither argument is given.

    Raises
    ------
    ImportError
        If ``distributed`` is not installed (the ``[dask]`` extra).

    Examples
    --------
    >>> from fastapml.scaleout import client
    >>> with client() as c:  # no arguments: dask's local threaded scheduler
    ...     print(c)
    None
    """
    if workers is None and scheduler is None:
        yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover
        raise ImportError(
            f"a dask client (workers or scheduler) needs distributed: {INSTALL_HINT}"
        ) from exc
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
