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
        except BaseException as exc:   # surfaced in the main thread below
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
