"""The base class, the first-call mixin and the timing helpers of the suites.

asv finds benchmarks by the prefix of a method's name
(https://asv.readthedocs.io/en/stable/writing_benchmarks.html): ``time_*`` is
timed, ``peakmem_*`` records the peak resident memory of the process,
``track_*`` records what it returns.  As in scikit-learn's
``asv_benchmarks/benchmarks/common.py``, those methods are written once, here,
and a suite only declares its parameters, its data and the operations to
measure.  Both classes here are abstract: asv skips abstract classes while it
walks the package, so neither is reported as a benchmark of its own.
"""

import hashlib
import importlib
import inspect
import os
import subprocess
import sys
import tempfile
import textwrap
import timeit
from abc import ABC, abstractmethod

#: The values of a :class:`FirstCallBenchmark`'s last parameter, ``cache``.
CACHES = ["cold", "cached"]


class Benchmark(ABC):
    """A suite of benchmarks over ``params``.

    ``setup(*params)`` calls :meth:`make`, which builds the inputs, then
    :meth:`warm_up`: numba compiles a kernel, or loads it from its cache, on
    the kernel's first call with each type signature, and that cost belongs
    to :class:`FirstCallBenchmark`, not to the steady-state numbers.

    Each name in ``timed`` becomes a benchmark ``time_<name>`` and each name
    in ``peak_memory`` a benchmark ``peakmem_<name>``; both call the suite's
    method ``<name>(*params)``.
    """

    timed = ()
    peak_memory = ()
    #: Dotted names of fastapml that the operations use but make and warm_up
    #: may not reach, e.g. ``"fastapml.cluster.SpectralClustering"``: setup
    #: looks them up, so a commit without one skips the suite.
    requires = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for prefix, names in (("time", cls.timed), ("peakmem", cls.peak_memory)):
            for name in names:
                setattr(cls, f"{prefix}_{name}", _measured(cls, prefix, name))

    @property
    def version(self):
        """asv's version of this suite's results: a hash of its classes' source.

        asv starts a new version, and stops comparing with older results,
        when a benchmark's source changes.  By default it hashes the
        benchmark method and ``setup``, which here are the same few lines for
        every suite; hashing the classes instead keeps an edit of
        :meth:`make`, :meth:`warm_up` or an operation from going unnoticed.
        """
        classes = [c for c in type(self).__mro__ if c not in (ABC, object)]
        source = "\n".join(inspect.getsource(c) for c in classes)
        return hashlib.sha256(source.encode()).hexdigest()

    def setup(self, *params):
        for value in vars(sys.modules[type(self).__module__]).values():
            if isinstance(value, _Missing):
                raise NotImplementedError(f"not in this commit: {value.error}")
        try:
            for name in self.requires:
                module, _, attribute = name.rpartition(".")
                getattr(fastapml_module(module), attribute)
            self.make(*params)
            self.warm_up(*params)
        except (ImportError, AttributeError, TypeError) as error:
            if not _missing_api(error):
                raise
            # asv reports a NotImplementedError from setup as skipped ("n/a")
            raise NotImplementedError(f"not in this commit: {error}") from None

    @abstractmethod
    def make(self, *params):
        """Build the data (and fitted models) that the operations use."""

    def warm_up(self, *params):
        """Call the kernels once, outside the measurement.

        Every operation runs once by default; a suite overrides this with
        cheaper calls (a slice of its data) that reach the same kernels.
        """
        for name in dict.fromkeys(self.timed + self.peak_memory):
            getattr(self, name)(*params)


def fastapml_module(name):
    """``importlib.import_module(name)``, or, in a commit of fastapml that
    lacks the module, a stand-in whose every attribute raises
    :class:`ImportError` (which :meth:`Benchmark.setup` turns into a skip).

    asv runs the suites of the working tree against every commit it
    measures, so a suite cannot import, at module level, what an older
    commit does not have: the whole module would fail to import.
    """
    try:
        return importlib.import_module(name)
    except ImportError as error:
        return _Missing(name, error)


class _Missing:
    def __init__(self, name, error):
        self.name, self.error = name, error

    def __getattr__(self, attribute):
        raise ImportError(f"{self.name}.{attribute}: {self.error}", name=self.name)


def _missing_api(error):
    """Whether ``error`` says that this commit of fastapml lacks a module, a
    name or a keyword argument (and not that a benchmark is broken)."""
    if isinstance(error, ImportError):
        return (error.name or "").startswith("fastapml")
    if isinstance(error, AttributeError):
        owner = getattr(error, "obj", None)
        return getattr(owner, "__name__", "").startswith("fastapml") or type(
            owner
        ).__module__.startswith("fastapml")
    return "unexpected keyword argument" in str(error)


def quality(better, tolerance):
    """Mark a ``track_*`` method as a quality figure for the CI gate
    (``python -m bench.quality``): deterministic, with ``better`` "higher"
    or "lower", and a change for the worse of more than ``tolerance`` (in
    the figure's unit) against the previous commit fails CI."""

    def mark(method):
        method.better, method.tolerance = better, tolerance
        return method

    return mark


def _measured(cls, prefix, name):
    """The benchmark method ``<prefix>_<name>`` of ``cls``."""
    operation = getattr(cls, name)

    def benchmark(self, *params):
        getattr(self, name)(*params)

    benchmark.__name__ = f"{prefix}_{name}"
    benchmark.__qualname__ = f"{cls.__qualname__}.{prefix}_{name}"
    benchmark.__doc__ = operation.__doc__
    # what asv shows as the benchmark's code: the operation, not this wrapper
    benchmark.pretty_source = inspect.getsource(operation)
    return benchmark


class FirstCallBenchmark(Benchmark):
    """Import plus the first calls, in a fresh interpreter, in seconds.

    :meth:`snippet` gives the code; it runs in a new Python process after a
    timer starts, so the time includes importing fastapml.  The suite's last
    parameter, ``cache`` (:data:`CACHES`), picks numba's on-disk cache
    (https://numba.readthedocs.io/en/stable/developer/caching.html):
    ``cold`` runs with an empty ``NUMBA_CACHE_DIR``, so numba compiles every
    kernel the snippet reaches; ``cached`` runs with the usual cache, which
    setup fills by running the snippet once, so numba only loads them.
    """

    timeout = 600

    @abstractmethod
    def snippet(self, *params):
        """Python code making the first calls for ``params`` (without
        ``cache``)."""

    def make(self, *params):
        self.code = "\n".join(
            [
                "import time",
                "start = time.perf_counter()",
                textwrap.dedent(self.snippet(*params[:-1])),
                "print(time.perf_counter() - start)",
            ]
        )

    def warm_up(self, *params):
        if params[-1] == "cached":
            _seconds(self.code)

    def track_first_call(self, *params):
        if params[-1] == "cached":
            return _seconds(self.code)
        with tempfile.TemporaryDirectory() as cache_dir:
            return _seconds(self.code, cache_dir)

    track_first_call.unit = "seconds"


def _seconds(code, cache_dir=None):
    """What ``code`` printed last (its seconds), run in a fresh interpreter
    with ``NUMBA_CACHE_DIR`` set to ``cache_dir`` if given."""
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.split()[-1])


def best_seconds(func, repeat):
    """The shortest of ``repeat`` calls of ``func()``, in seconds.

    Each call is timed by :func:`timeit.repeat`, which turns the garbage
    collector off while it runs, as asv does for its ``time_*`` benchmarks.
    """
    return min(timeit.repeat(func, number=1, repeat=repeat))


def speedup(ours, peer, repeat=3):
    """``peer``'s best time over ``ours``'s (> 1: fastapml is faster), each
    the best of ``repeat`` calls, fastapml's first."""
    ours_seconds = best_seconds(ours, repeat)
    return best_seconds(peer, repeat) / ours_seconds
