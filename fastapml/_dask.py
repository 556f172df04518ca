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

An iterative fit computes on its data once per iteration.  Data whose graph
carries them (``dask.array.from_array`` of a NumPy array) would then travel
from this process to the workers every time; :func:`persisted_for` persists
them on the current ``distributed.Client`` for the length of the fit when
they fit in the workers' memory, and warns when they do not.
"""

import contextlib
import os
import sys
import warnings

import numpy as np

from ._memory import _size

INSTALL_HINT = "pip install 'fastapml[dask]'"

#: Share of the workers' summed memory limits that data persisted for one
#: fit may take; the rest is left to the tasks and to what else the cluster
#: holds.
PERSIST_FRACTION = 0.5

#: NumPy arrays in a graph totalling fewer bytes than this (index arrays,
#: constants) do not make it carry its data, unless the collection is smaller.
EMBEDDED_MIN_BYTES = 1 << 20


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


def embedded_nbytes(collection):
    """Bytes of NumPy arrays held in a dask collection's graph.

    ``dask.array.from_array`` of a NumPy array (or of a ``numpy.memmap``,
    which pickles as its data) puts the array, chunk by chunk, into the
    graph, so the data travel with every computation: to the scheduler, then
    to the workers.  Graphs of loaders that read on the workers
    (:func:`fastapml.scaleout.from_npy`, ``from_zarr``, ...), of generated
    data, and of persisted collections (futures of data already on the
    workers) hold none.

    Parameters
    ----------
    collection : dask collection
        Any dask collection.

    Returns
    -------
    int
        The total ``nbytes`` of the distinct ``numpy.ndarray`` objects found
        in the graph's tasks, walked through tuples, lists, sets, dicts and
        dask's task objects (``Task`` arguments, ``DataNode`` values).

    Examples
    --------
    >>> import dask.array as da
    >>> embedded_nbytes(da.from_array(np.zeros((100, 4)), chunks=50))
    3200
    >>> embedded_nbytes(da.zeros((100, 4), chunks=50))
    0
    """
    try:
        from dask._task_spec import DataNode, Task
    except ImportError:  # pragma: no cover - dask before the task spec
        DataNode = Task = ()
    seen, total = set(), 0
    stack = list(collection.__dask_graph__().values())
    while stack:
        item = stack.pop()
        if isinstance(item, np.ndarray):
            if id(item) not in seen:
                seen.add(id(item))
                total += item.nbytes
        elif isinstance(item, (tuple, list, set, frozenset)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, Task):
            stack.extend(item.args)
            stack.extend(item.kwargs.values())
        elif isinstance(item, DataNode):
            stack.append(item.value)
    return total


def carries_data(X):
    """Whether the graph of dask array ``X`` carries X's data: at least
    ``min(X.nbytes, EMBEDDED_MIN_BYTES)`` bytes of NumPy arrays (see
    :func:`embedded_nbytes`)."""
    embedded = embedded_nbytes(X)
    return embedded > 0 and embedded >= min(X.nbytes, EMBEDDED_MIN_BYTES)


def current_client():
    """The ``distributed.Client`` that :func:`compute` runs on, or None
    (dask's local schedulers, or a scheduler set with ``dask.config``)."""
    if "distributed" not in sys.modules:  # no client can exist
        return None
    from distributed import Client

    scheduler = require("current_client").base.get_scheduler()
    client = getattr(scheduler, "__self__", None)
    return client if isinstance(client, Client) else None


def workers_memory(client):
    """The sum of the memory limits of ``client``'s workers, in bytes; None
    when a worker has no limit."""
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    limits = [worker.get("memory_limit") or 0 for worker in workers]
    return None if not all(limits) else sum(limits)


def persist_decision(X, client):
    """What a fit on ``client`` should do with dask array ``X``.

    Parameters
    ----------
    X : dask.array.Array
        The data the fit computes on once per iteration.
    client : distributed.Client or None
        The client the fit runs on (:func:`current_client`).

    Returns
    -------
    str
        ``"keep"``: compute on X as it is (no client: the local schedulers
        read X where it is; or X's graph does not carry its data, as with
        ``from_npy`` or a persisted X).  ``"persist"``: X's graph carries
        its data and X takes at most ``PERSIST_FRACTION`` of the workers'
        summed memory limits (or a worker has no limit).  ``"too large"``:
        it carries its data and takes more.
    """
    if client is None or not carries_data(X):
        return "keep"
    memory = workers_memory(client)
    if memory is None or X.nbytes <= PERSIST_FRACTION * memory:
        return "persist"
    return "too large"


def _caller_level():
    """The ``stacklevel`` that makes a warning raised by this function's
    caller point at the first frame outside fastapml, scikit-learn and
    contextlib: the user's call."""
    packages = filter(None, map(sys.modules.get, ("fastapml", "sklearn")))
    inside = tuple(os.path.dirname(p.__file__) + os.sep for p in packages)
    inside += (contextlib.__file__,)
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(inside):
        frame, level = frame.f_back, level + 1
    return level


@contextlib.contextmanager
def persisted_for(X, what):
    """Dask array ``X`` as a fit should compute on it, for a ``with`` block.

    Persisted on the current client (:func:`current_client`) when
    :func:`persist_decision` says so, so that its data travel to the workers
    once instead of once per iteration; X itself otherwise, after one
    ``UserWarning`` when X carries its data but is too large to persist.
    The persisted copy is dropped on exit: once the caller drops it too, its
    futures are released and the workers free the data.  Nothing is
    cancelled, so data that other futures of the same keys hold stay.

    Parameters
    ----------
    X : dask.array.Array
        The data.
    what : str
        The fit, for the warning (e.g. ``"GaussianMixture.fit"``).

    Yields
    ------
    dask.array.Array
        The persisted X, or X.
    """
    client = current_client()
    decision = persist_decision(X, client)
    if decision == "too large":
        warnings.warn(
            f"{what}: the dask array X carries its {_size(X.nbytes)} of data in "
            "its graph (dask.array.from_array of a NumPy array?), so every "
            "iteration sends them to the workers, and they are more than "
            f"{PERSIST_FRACTION:.0%} of the workers' memory limits "
            f"({_size(workers_memory(client))}) to persist for the fit. Read "
            "X on the workers instead (fastapml.scaleout.from_npy, or another "
            "dask loader), or persist it yourself (X = X.persist()) on a "
            "cluster with room for it.",
            UserWarning,
            stacklevel=_caller_level(),
        )
    if decision != "persist":
        yield X
        return
    persisted = client.persist(X)
    try:
        yield persisted
    finally:
        del persisted
