"""GaussianMixture on a distributed cluster with data that travel in the
graph (``da.from_array`` of a NumPy array): persisted on the workers for the
fit when they fit in half the workers' memory limits, released after it, a
warning otherwise; never for data read on the workers (``from_npy``) or
already persisted; and a fit that survives a worker killed mid-fit."""

import os
import signal
import time
import warnings

import dask
import dask.array as da
import numpy as np
import pytest
from test_gaussian_mixture_dask import assert_same_model, blobs

from fastapml import _dask
from fastapml.mixture import GaussianMixture, em_dask
from fastapml.scaleout import from_npy

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _keys_on_cluster(client, X):
    """The keys of X's chunks that the cluster's workers hold."""
    return [key for key in client.who_has() if key[0] == X.name]


def _spy_statistics(monkeypatch, on_call):
    """Have em_dask.statistics call ``on_call(n, data)`` first, n = 1, 2, ...
    the iteration (in this process: the fit's driver); returns the list of
    what the calls return (kept: not ``data``, which would keep it alive)."""
    statistics, calls = em_dask.statistics, []

    def spy(data, model, dtype):
        calls.append(on_call(len(calls) + 1, data))
        return statistics(data, model, dtype)

    monkeypatch.setattr(em_dask, "statistics", spy)
    return calls


def _fit_recording(X, client=None, **kwargs):
    """``GaussianMixture(**kwargs).fit(X)`` on ``client`` (None: dask's
    threads), and the warnings about persisting X that it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if client is None:
            with dask.config.set(scheduler="threads"):
                gm = GaussianMixture(**kwargs).fit(X)
        else:
            with client.as_current():
                gm = GaussianMixture(**kwargs).fit(X)
    return gm, [w for w in caught if "scaleout.from_npy" in str(w.message)]


def _is_persisted(data):
    import distributed

    values = dict(data.__dask_graph__()).values()
    return all(isinstance(value, distributed.Future) for value in values)


# ------------------------------------------------------------ the decision
def test_data_in_the_graph_are_detected(process_client, tmp_path):
    X = blobs(n=2000, d=4)
    np.save(tmp_path / "X.npy", X)
    Xd = da.from_array(X, chunks=(500, -1))
    assert _dask.embedded_nbytes(Xd) == X.nbytes
    assert _dask.carries_data(Xd) and _dask.carries_data(Xd * 2.0 + 1.0)
    assert _dask.carries_data(da.from_array(X[:10], chunks=5))  # tiny, but all data
    # read on the workers, generated there, or already there
    assert _dask.embedded_nbytes(from_npy(tmp_path / "X.npy", 512)) == 0
    assert not _dask.carries_data(da.random.random((2000, 4), chunks=(500, -1)))
    persisted = process_client.persist(Xd)
    assert _is_persisted(persisted)
    assert _dask.embedded_nbytes(persisted) == 0
    # a small index array is not the data
    rows = np.arange(0, 200_000, 2)
    assert _dask.embedded_nbytes(da.zeros((200_000, 4), chunks=50_000)[rows]) > 0
    assert not _dask.carries_data(da.zeros((200_000, 4), chunks=50_000)[rows])


def test_persist_decision(process_client, tmp_path, monkeypatch):
    X = blobs(n=2000, d=4)
    np.save(tmp_path / "X.npy", X)
    Xd = da.from_array(X, chunks=(500, -1))
    decide = _dask.persist_decision
    assert decide(Xd, process_client) == "persist"
    assert decide(from_npy(tmp_path / "X.npy", 512), process_client) == "keep"
    assert decide(process_client.persist(Xd), process_client) == "keep"
    assert decide(Xd, None) == "keep"
    memory = _dask.workers_memory(process_client)
    assert memory >= 2 * _dask.PERSIST_FRACTION * Xd.nbytes
    monkeypatch.setattr(_dask, "workers_memory", lambda client: 2 * Xd.nbytes - 2)
    assert decide(Xd, process_client) == "too large"
    monkeypatch.setattr(_dask, "workers_memory", lambda client: 2 * Xd.nbytes)
    assert decide(Xd, process_client) == "persist"
    monkeypatch.setattr(_dask, "workers_memory", lambda client: None)  # no limit
    assert decide(Xd, process_client) == "persist"


def test_the_client_is_the_one_compute_uses(process_client):
    with process_client.as_current():
        assert _dask.current_client() is process_client
        with dask.config.set(scheduler="threads"):
            assert _dask.current_client() is None
    with dask.config.set(scheduler="synchronous"):
        assert _dask.current_client() is None


# ------------------------------------------------------------- on a fit
def test_fit_persists_and_releases(process_client, monkeypatch):
    X = blobs(n=6000, d=4)
    Xd = da.from_array(X, chunks=(1000, -1))
    seen = _spy_statistics(
        monkeypatch,
        lambda n, data: (
            _is_persisted(data),
            len(_keys_on_cluster(process_client, data)),
        ),
    )
    kwargs = dict(n_components=3, random_state=0, max_iter=5, tol=0)
    gm, warned = _fit_recording(Xd, process_client, **kwargs)
    assert not warned
    assert seen == [(True, 6)] * 5
    assert_same_model(GaussianMixture(**kwargs).fit(X), gm)
    deadline = time.monotonic() + 10
    while _keys_on_cluster(process_client, Xd) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _keys_on_cluster(process_client, Xd) == []


@pytest.mark.parametrize("kind", ["from_npy", "persisted"])
def test_data_on_the_workers_are_not_persisted_again(
    process_client, tmp_path, monkeypatch, kind
):
    X = blobs(n=3000, d=4)
    if kind == "from_npy":
        np.save(tmp_path / "X.npy", X)
        Xd = from_npy(tmp_path / "X.npy", 1024)
    else:
        Xd = process_client.persist(da.from_array(X, chunks=(1024, -1)))
    calls = _spy_statistics(monkeypatch, lambda n, data: data is Xd)
    _, warned = _fit_recording(
        Xd, process_client, n_components=3, random_state=0, max_iter=2, tol=0
    )
    assert not warned and calls == [True, True]


def test_too_large_to_persist_warns_once(process_client, monkeypatch):
    X = blobs(n=3000, d=4)
    Xd = da.from_array(X, chunks=(1000, -1))
    monkeypatch.setattr(_dask, "workers_memory", lambda client: Xd.nbytes)
    calls = _spy_statistics(monkeypatch, lambda n, data: data is Xd)
    kwargs = dict(n_components=3, random_state=0, max_iter=3, tol=0, n_init=2)
    gm, warned = _fit_recording(Xd, process_client, **kwargs)
    assert len(warned) == 1 and warned[0].category is UserWarning
    assert "persist" in str(warned[0].message)
    assert warned[0].filename == __file__  # the user's line
    assert calls == [True] * 6  # X itself, never persisted
    assert_same_model(GaussianMixture(**kwargs).fit(X), gm)


def test_no_client_no_persist(monkeypatch):
    Xd = da.from_array(blobs(), chunks=(500, -1))
    calls = _spy_statistics(monkeypatch, lambda n, data: data is Xd)
    _, warned = _fit_recording(Xd, n_components=3, random_state=0, max_iter=2, tol=0)
    assert not warned and calls == [True, True]


# ------------------------------------------------------ a worker dies
def test_worker_killed_during_iteration_3(process_client, monkeypatch):
    """SIGKILL the worker holding most of the persisted X as iteration 3
    starts: the scheduler recomputes the lost chunks from the graph it
    keeps, the fit completes on the other worker and gives the in-memory
    model; the nanny restarts the killed worker for the next tests."""
    cluster = process_client.cluster
    X = blobs(n=20_000, d=4)
    Xd = da.from_array(X, chunks=(2000, -1))
    killed = []

    def kill_at_3(n, data):
        if n != 3:
            return
        holders = process_client.who_has()
        counts = {}
        for key in _keys_on_cluster(process_client, data):
            for address in holders[key]:
                counts[address] = counts.get(address, 0) + 1
        address = max(counts, key=counts.get)
        (nanny,) = [n for n in cluster.workers.values() if n.worker_address == address]
        os.kill(nanny.process.pid, signal.SIGKILL)
        killed.append((address, counts[address]))

    _spy_statistics(monkeypatch, kill_at_3)
    kwargs = dict(n_components=3, random_state=0, max_iter=10, tol=0, n_init=1)
    with process_client.as_current():
        gm = GaussianMixture(**kwargs).fit(Xd)
    assert len(killed) == 1 and killed[0][1] > 0
    assert gm.n_iter_ == 10
    assert_same_model(GaussianMixture(**kwargs).fit(X), gm)
    process_client.wait_for_workers(2, timeout=30)
    assert killed[0][0] not in process_client.scheduler_info(n_workers=-1)["workers"]
