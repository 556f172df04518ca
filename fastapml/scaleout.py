"""Running fastapml on dask: data that outgrows one machine.

The estimators take dask collections directly — ``GaussianMixture.fit(X)``,
``predict``/``predict_proba``/``score_samples``, ``silhouette_samples`` and
``silhouette_score`` on a dask array, ``HMMTagger.predict`` on a dask bag —
and run on whatever dask scheduler is current (see :mod:`fastapml._dask`):
the user's ``distributed.Client``, else dask's local threaded scheduler.
This module adds the two things a user of a cluster needs around them:

- :func:`from_npy`: a dask array over a ``.npy`` file whose tasks each read
  their rows through a memory map on the worker, so the file is never
  loaded whole, nor shipped through the scheduler;
- :func:`client`: a ``distributed.Client`` on a ``LocalCluster`` started for
  the ``with`` block (or on a running scheduler), shut down on exit.

Needs the ``[dask]`` extra: ``pip install 'fastapml[dask]'``.
"""

import mmap
import os

import numpy as np

from . import _dask
from ._dask import client_for as client  # noqa: F401  (public name)
from ._npyfile import NpyFile
from .mixture._kernels import BLOCK

# default size of one row chunk of from_npy: each running task maps this much
# of the file.  Smaller chunks pay dask's per-task latency more often; larger
# ones can pause a worker whose memory limit is below the file's size (the
# chunk-size reasoning is in docs/design/kernels.rst, the numbers behind defaults).
CHUNK_BYTES = 64 << 20


def _read_rows(path, start, stop, stamp=None):
    """Rows start:stop of the .npy at ``path``: a read-only view of a memory
    map of just those rows, no copy (``stamp``, the file's modification
    time, only keys the task).

    Where the OS has ``MAP_POPULATE`` (Linux) the pages are mapped in one
    call instead of one page fault at a time: a third of a pass over the
    data in a dask worker otherwise.
    """
    whole = np.load(path, mmap_mode="r", allow_pickle=False)
    if not hasattr(mmap, "MAP_POPULATE"):
        return whole[start:stop]
    n_cols, dtype, header = whole.shape[1], whole.dtype, whole.offset
    del whole
    begin = header + start * n_cols * dtype.itemsize
    mapped = begin - begin % mmap.ALLOCATIONGRANULARITY
    length = header + stop * n_cols * dtype.itemsize - mapped
    if start == stop:
        empty = np.empty((0, n_cols), dtype=dtype)
        empty.flags.writeable = False
        return empty
    with open(path, "rb") as file:
        pages = mmap.mmap(
            file.fileno(),
            length,
            prot=mmap.PROT_READ,
            flags=mmap.MAP_SHARED | mmap.MAP_POPULATE,
            offset=mapped,
        )
    rows = np.frombuffer(
        pages, dtype=dtype, count=(stop - start) * n_cols, offset=begin - mapped
    )
    return rows.reshape(stop - start, n_cols)


class _NpyRows:
    """The array-like that :func:`from_npy` hands to ``dask.array.from_array``:
    it pickles as its path, and each row slice is a :func:`_read_rows` on the
    worker, fused by dask into the task that consumes it (so the rows are
    never stored, spilled or shipped as a result of their own)."""

    ndim = 2

    def __init__(self, path, shape, dtype, stamp):
        self.path, self.shape, self.dtype, self.stamp = path, shape, dtype, stamp

    def __dask_tokenize__(self):
        return ("fastapml.scaleout.from_npy", self.path, self.stamp)

    def __getitem__(self, index):
        rows, columns = index
        if not (isinstance(rows, slice) and rows.step in (None, 1)):
            return np.load(self.path, mmap_mode="r", allow_pickle=False)[index]
        start, stop, _ = rows.indices(self.shape[0])
        return _read_rows(self.path, start, max(start, stop))[:, columns]


def from_npy(path, rows_per_chunk=None):
    """A dask array over the rows of a 2-D ``.npy`` file, read lazily.

    Parameters
    ----------
    path : str or os.PathLike
        A C-ordered 2-D ``.npy`` of a real numeric dtype (no pickles).
    rows_per_chunk : int, optional
        Rows per chunk (default: about 64 MiB per chunk, a multiple of the
        mixture kernels' block of 512 rows).

    Returns
    -------
    dask.array.Array
        Shape and dtype of the file; chunk i holds rows
        ``i * rows_per_chunk : (i + 1) * rows_per_chunk`` and one chunk of
        columns.

    Raises
    ------
    ValueError
        Naming the file, if it is not a ``.npy`` (an ``.npz``, an empty,
        truncated or text file), holds pickled objects, strings, dates or
        complex numbers, is not 2-D, or is Fortran-ordered.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.npy")
    >>> np.save(path, np.arange(12.0).reshape(6, 2))
    >>> X = from_npy(path, rows_per_chunk=4)
    >>> X.chunks, float(X.sum().compute())
    (((4, 2), (2,)), 66.0)
    """
    _dask.require("from_npy")
    import dask.array as da

    path = os.path.abspath(os.fspath(path))
    header = NpyFile(path)  # ValueError naming the file if it is no .npy
    if header.dtype.kind not in "biuf":
        raise ValueError(f"{path} must hold real numbers, got dtype {header.dtype}")
    if header.ndim != 2:
        raise ValueError(f"{path} must hold a 2-D array, got shape {header.shape}")
    if header.fortran and header.shape[0] > 1 and header.shape[1] > 1:
        raise ValueError(f"{path} must be C-ordered (it is Fortran-ordered)")
    n_rows, n_cols = header.shape
    dtype = header.dtype
    if rows_per_chunk is None:
        rows = max(1, CHUNK_BYTES // max(1, n_cols * dtype.itemsize))
        rows_per_chunk = max(BLOCK, rows // BLOCK * BLOCK)
    if (
        isinstance(rows_per_chunk, bool)
        or not isinstance(rows_per_chunk, (int, np.integer))
        or rows_per_chunk < 1
    ):
        raise ValueError(
            f"rows_per_chunk must be a positive integer, got {rows_per_chunk!r}"
        )
    stamp = os.stat(path).st_mtime_ns  # a changed file gets new keys
    rows = _NpyRows(path, (n_rows, n_cols), dtype, stamp)
    return da.from_array(
        rows,
        chunks=(rows_per_chunk, n_cols),
        lock=False,
        asarray=False,
        inline_array=True,
        meta=np.empty((0, n_cols), dtype=dtype),
    )
