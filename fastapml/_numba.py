"""Numba settings shared by every kernel.

One fastmath flag set for the whole project.  It leaves out ``nnan`` and
``ninf``: log-space code relies on ``-inf`` (log 0) comparing and adding
correctly, and on NaN staying NaN.  ``afn`` (approximate exp/log) is left out
too, so results match the NumPy references to rounding.
"""

import os
import threading

import numba

FASTMATH = frozenset({"nsz", "arcp", "contract", "reassoc"})


def jit(func=None, *, parallel=False):
    """``numba.njit`` with the project's settings (cache, nogil, fastmath).

    Use ``@jit`` for serial kernels and ``@jit(parallel=True)`` for the few
    outer drivers that ``prange`` over independent work.  Division follows
    NumPy (x / 0 is inf or NaN, no exception): kernels trust their inputs,
    and Python's zero-division check would sit in every inner loop.
    """
    decorator = numba.njit(
        cache=True,
        nogil=True,
        fastmath=set(FASTMATH),
        parallel=parallel,
        error_model="numpy",
    )
    return decorator if func is None else decorator(func)


def _prefer_fork_safe_layer():
    """Have numba start a fork-safe threading layer, unless the user chose one.

    numba starts its threads at the first parallel kernel, in the layer that
    ``numba.config.THREADING_LAYER`` names.  By default it takes tbb, else
    OpenMP, else workqueue; on Linux that OpenMP is GNU's, after which a
    forked child (``multiprocessing``'s default start method there) is
    killed, and a ``Pool.map`` never returns.  ``"forksafe"`` takes tbb where
    the ``tbb`` package is installed, else OpenMP where it is not GNU's
    (macOS, Windows), else workqueue.  ``NUMBA_THREADING_LAYER`` in the
    environment, or a layer set in ``numba.config`` before fastapml is
    imported, still decides.  See :doc:`/design/threading`.
    """
    if (
        "NUMBA_THREADING_LAYER" not in os.environ
        and numba.config.THREADING_LAYER == "default"
    ):
        numba.config.THREADING_LAYER = "forksafe"


_prefer_fork_safe_layer()


def parallel_allowed():
    """Whether a ``parallel=True`` driver may run from the calling thread.

    Numba's workqueue threading layer aborts the process when two Python
    threads enter parallel code at once (numba issue #8563), so wrappers run
    their serial kernels when called from any thread but the main one
    (joblib/dask worker threads), and the parallel drivers otherwise.
    """
    return threading.current_thread() is threading.main_thread()


def n_threads():
    """Number of threads numba's parallel drivers will use."""
    return numba.get_num_threads()
