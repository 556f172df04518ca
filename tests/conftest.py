"""Shared test helpers."""

import threading

import pytest


def _run_in_threads(fn, n=2):
    """Call ``fn`` from ``n`` Python threads released together; return results."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def work(i):
        try:
            barrier.wait()
            results[i] = fn()
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def run_in_threads():
    """The helper above, as a fixture (tests/ is not a package)."""
    return _run_in_threads


# ----------------------------------------------------------------------
# dask clusters for the scale-out tests (dask is a test dependency)
# ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def process_client():
    """A ``Client`` on a ``LocalCluster`` of two worker processes with one
    thread each, shared by a test module and shut down after it."""
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def thread_client():
    """A ``Client`` on an in-process ``LocalCluster`` (two workers, one
    thread each): fast to start, no pickling of data."""
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            dashboard_address=":0",
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client
