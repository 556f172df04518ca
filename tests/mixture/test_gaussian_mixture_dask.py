"""GaussianMixture on dask arrays: the in-memory fit's model (to 1e-12) for
every covariance type, initialization and chunking; bit-identical on one or
two workers, in processes or threads, and across runs; lazy estimates; a
bounded graph per iteration; and the same clear errors as in memory."""

import dask
import dask.array as da
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError

from fastapml.mixture import GaussianMixture, em_dask
from fastapml.mixture._kernels import BLOCK

COV_TYPES = ("full", "tied", "diag", "spherical")
INITS = ("kmeans", "k-means++", "random", "random_from_data")
PARAMS = ("weights_", "means_", "covariances_", "precisions_cholesky_")


def blobs(n=1500, d=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0] * d, [5.0] * d, [-5.0, 5.0] + [0.0] * (d - 2)])
    parts = [
        rng.normal(size=(m, d)) * s + c
        for m, s, c in zip(
            (n // 2, n // 3, n - n // 2 - n // 3), (1.0, 0.6, 1.4), centers
        )
    ]
    return rng.permutation(np.concatenate(parts)).astype(dtype)


def assert_same_model(a, b, rtol=1e-12):
    assert a.n_iter_ == b.n_iter_
    assert a.converged_ == b.converged_
    for name in PARAMS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        assert_allclose(y, x, rtol=rtol, atol=rtol * np.abs(x).max(), err_msg=name)
    assert_allclose(b.lower_bound_, a.lower_bound_, rtol=rtol)
    assert_allclose(b.lower_bounds_, a.lower_bounds_, rtol=rtol)


def assert_identical(a, b):
    for name in PARAMS + ("lower_bounds_",):
        assert_array_equal(getattr(b, name), getattr(a, name), err_msg=name)


CHUNKINGS = {
    "one chunk": lambda n: (n,),
    "uneven": lambda n: (300, 7, 512, n - 819),
    "empty chunk": lambda n: (700, 0, n - 700),
    "kernel block": lambda n: (BLOCK,) * (n // BLOCK) + (n % BLOCK,),
}


@pytest.mark.parametrize("covariance_type", COV_TYPES)
@pytest.mark.parametrize("init", INITS)
def test_equals_in_memory_fit(covariance_type, init):
    X = blobs()
    kwargs = dict(
        n_components=3,
        covariance_type=covariance_type,
        init_params=init,
        random_state=1,
        tol=1e-6,
    )
    ref = GaussianMixture(**kwargs).fit(X)
    gm = GaussianMixture(**kwargs).fit(da.from_array(X, chunks=(400, -1)))
    assert_same_model(ref, gm)
    assert gm.n_features_in_ == 3


@pytest.mark.parametrize("chunking", CHUNKINGS)
@pytest.mark.parametrize("covariance_type", ("full", "diag"))
def test_any_row_chunking(chunking, covariance_type):
    X = blobs()
    chunks = (CHUNKINGS[chunking](X.shape[0]), -1)
    kwargs = dict(n_components=3, covariance_type=covariance_type, random_state=0)
    ref = GaussianMixture(**kwargs).fit(X)
    assert_same_model(
        ref, GaussianMixture(**kwargs).fit(da.from_array(X, chunks=chunks))
    )


def test_float32_stays_float32():
    X = blobs(dtype=np.float32)
    ref = GaussianMixture(3, random_state=0).fit(X)
    gm = GaussianMixture(3, random_state=0).fit(da.from_array(X, chunks=333))
    # the float64 statistics agree to rounding; rounded to float32 they agree
    # to float32's precision (in practice exactly)
    assert_same_model(ref, gm, rtol=1e-6)
    assert gm.means_.dtype == np.float32
    assert gm.predict_proba(da.from_array(X, chunks=333)).dtype == np.float32


def test_integer_data_fits_as_float64():
    X = np.round(blobs() * 10).astype(np.int64)
    ref = GaussianMixture(3, random_state=0).fit(X)
    gm = GaussianMixture(3, random_state=0).fit(da.from_array(X, chunks=500))
    assert_same_model(ref, gm)


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_warm_start_and_n_init(covariance_type):
    X = blobs(seed=3)
    Xd = da.from_array(X, chunks=(256, -1))
    kwargs = dict(
        n_components=3,
        covariance_type=covariance_type,
        random_state=2,
        max_iter=1,
        warm_start=True,
    )
    ref, gm = GaussianMixture(**kwargs), GaussianMixture(**kwargs)
    with pytest.warns(Warning):
        ref.fit(X)
        gm.fit(Xd)
    ref.set_params(max_iter=100)
    gm.set_params(max_iter=100)
    assert_same_model(ref.fit(X), gm.fit(Xd))
    # best of two initializations (well-separated optima, no near-ties)
    kwargs = dict(
        n_components=3,
        covariance_type=covariance_type,
        random_state=4,
        n_init=2,
        init_params="random_from_data",
    )
    assert_same_model(
        GaussianMixture(**kwargs).fit(X), GaussianMixture(**kwargs).fit(Xd)
    )


def test_given_initial_parameters():
    X = blobs()
    ref = GaussianMixture(3, random_state=0).fit(X)
    kwargs = dict(
        n_components=3,
        weights_init=ref.weights_,
        means_init=ref.means_ + 0.3,
        precisions_init=ref.precisions_,
    )
    assert_same_model(
        GaussianMixture(**kwargs).fit(X),
        GaussianMixture(**kwargs).fit(da.from_array(X, chunks=600)),
    )


def test_initialization_sees_a_subsample_beyond_the_limit(monkeypatch):
    X = blobs()
    monkeypatch.setattr(em_dask, "INIT_SAMPLES", 200)
    rows = np.sort(np.random.RandomState(5).choice(X.shape[0], 200, replace=False))
    sample = em_dask.initialization_sample(da.from_array(X, chunks=400), np.float64, 5)
    assert_array_equal(sample, X[rows])
    kwargs = dict(n_components=3, random_state=5, max_iter=0)
    gm = GaussianMixture(**kwargs).fit(da.from_array(X, chunks=400))
    ref = GaussianMixture(**kwargs).fit(X[rows])
    assert_identical(ref, gm)
    # the EM iterations use every row: the fit equals the in-memory fit that
    # starts from the same parameters
    start = dict(
        weights_init=gm.weights_, means_init=gm.means_, precisions_init=gm.precisions_
    )
    full = GaussianMixture(3, random_state=5, **start).fit(X)
    assert_same_model(
        full,
        GaussianMixture(3, random_state=5, **start).fit(da.from_array(X, chunks=400)),
    )


def test_callback_once_per_iteration():
    seen = []
    gm = GaussianMixture(3, random_state=0).fit(
        da.from_array(blobs(), chunks=500), callback=lambda *args: seen.append(args)
    )
    assert [s[0] for s in seen] == list(range(1, gm.n_iter_ + 1))
    assert_allclose([s[1] for s in seen], gm.lower_bounds_, rtol=0)


# --------------------------------------------------------- the schedulers
def _fit_on(client, X, covariance_type="full"):
    gm = GaussianMixture(3, covariance_type=covariance_type, random_state=0)
    if client is None:
        return gm.fit(X)
    with client.as_current():
        return gm.fit(X)


def _one_worker_fit(processes, X, covariance_type):
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=":0",
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as one_worker,
    ):
        return _fit_on(one_worker, X, covariance_type)


@pytest.mark.parametrize("covariance_type", ("full", "diag"))
def test_identical_on_every_scheduler(process_client, thread_client, covariance_type):
    """The same bits with 1 or 2 workers, on any scheduler, in every run,
    wherever the kernels are the same machine code.  A process that compiled
    the kernels itself and one that loaded them from numba's cache can
    differ in the last bit (numba's JIT and its cached object code are not
    bit-identical), so this process's runs and the worker processes' runs
    are compared within each group, and across the groups to rounding."""
    X = da.from_array(blobs(), chunks=(200, -1))
    here = [
        _fit_on(None, X, covariance_type),
        _fit_on(thread_client, X, covariance_type),
        _one_worker_fit(False, X, covariance_type),
    ]
    with dask.config.set(scheduler="synchronous"):
        here.append(_fit_on(None, X, covariance_type))
    workers = [
        _fit_on(process_client, X, covariance_type),
        _fit_on(process_client, X, covariance_type),
        _one_worker_fit(True, X, covariance_type),
    ]
    for group in (here, workers):
        for other in group[1:]:
            assert_identical(group[0], other)
    assert_same_model(here[0], workers[0], rtol=1e-14)
    assert_same_model(
        GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(
            blobs()
        ),
        here[0],
    )


def test_estimates_on_a_cluster_are_lazy_and_equal(process_client):
    X = blobs()
    Xd = da.from_array(X, chunks=(250, -1))
    gm = GaussianMixture(3, random_state=0).fit(X)
    with process_client.as_current():
        lazy = gm.predict(Xd), gm.predict_proba(Xd), gm.score_samples(Xd)
        assert all(isinstance(a, da.Array) for a in lazy)
        labels, resp, log_prob = dask.compute(*lazy)
        assert_allclose(gm.score(Xd), gm.score(X), rtol=1e-12)
    assert_array_equal(labels, gm.predict(X))
    assert_array_equal(resp, gm.predict_proba(X))
    assert_array_equal(log_prob, gm.score_samples(X))


def test_fit_predict_is_lazy_and_equals_predict():
    Xd = da.from_array(blobs(), chunks=(250, -1))
    gm = GaussianMixture(3, random_state=0)
    labels = gm.fit_predict(Xd)
    assert isinstance(labels, da.Array) and labels.chunks == (Xd.chunks[0],)
    assert_array_equal(labels.compute(), gm.predict(Xd.compute()))


# ------------------------------------------------- what travels per pass
@pytest.mark.parametrize(
    "covariance_type,s2_size",
    [("full", 3 * 4 * 4), ("tied", 4 * 4), ("diag", 3 * 4), ("spherical", 3 * 4)],
)
def test_one_iteration_is_a_bounded_graph(covariance_type, s2_size):
    X = blobs(n=2000, d=4)
    chunks = (100,) * 20
    Xd = da.from_array(X, chunks=(chunks, -1))
    gm = GaussianMixture(3, covariance_type=covariance_type, random_state=0, max_iter=1)
    with pytest.warns(Warning):
        gm.fit(X)
    model = gm._model(np.float64)
    tasks = em_dask.block_statistics(Xd, model, np.float64)
    assert len(tasks) == len(chunks)
    graph = dict(em_dask.statistics_graph(Xd, model, np.float64).dask)
    names = [str(key[0] if isinstance(key, tuple) else key) for key in graph]
    n_stats = sum(name.startswith("_block_statistics") for name in names)
    n_adds = sum(name.startswith("add_all") for name in names)
    assert n_stats == 20
    assert n_adds == 4  # 20 parts in groups of 8: 3 sums, then 1
    assert len(graph) <= len(dict(Xd.dask)) + n_stats + n_adds + 1
    # what one block task sends back: 8 (1 + K + K d + size of s2) bytes
    (stats,) = dask.compute(tasks[0])
    assert stats.dtype == np.float64
    assert stats.nbytes == 8 * (1 + 3 + 3 * 4 + s2_size)


def test_file_blocks_are_read_inside_the_statistics_tasks(tmp_path):
    from fastapml.scaleout import from_npy

    X = blobs(n=2000, d=4)
    np.save(tmp_path / "X.npy", X)
    Xd = from_npy(tmp_path / "X.npy", rows_per_chunk=300)
    gm = GaussianMixture(3, random_state=0).fit(X)
    model = gm._model(np.float64)
    graph = dict(em_dask.statistics_graph(Xd, model, np.float64).dask)
    names = [str(key[0] if isinstance(key, tuple) else key) for key in graph]
    # no task of its own per block of X: nothing a worker stores or spills
    assert sum(name.startswith("_block_statistics") for name in names) == 7
    assert len(graph) == 7 + 1 + 1  # blocks, one sum, the model
    assert_same_model(
        GaussianMixture(3, random_state=0).fit(X),
        GaussianMixture(3, random_state=0).fit(Xd),
    )


# ------------------------------------------------------------- bad input
def test_nan_block_is_refused_naming_the_rows(monkeypatch):
    X = blobs()
    X[1234, 1] = np.nan
    Xd = da.from_array(X, chunks=(500, -1))
    with pytest.raises(ValueError, match="X contains NaN"):
        GaussianMixture(3, random_state=0).fit(Xd)  # seen by the init
    gm = GaussianMixture(3, random_state=0).fit(blobs())
    with pytest.raises(ValueError, match=r"NaN or infinity \(in rows 1000:1500\)"):
        gm.predict(Xd).compute()
    # a value outside the rows the initialization sees: the first pass
    monkeypatch.setattr(em_dask, "INIT_SAMPLES", 10)
    X = blobs()
    X[1300, 0] = np.inf
    with pytest.raises(ValueError, match=r"NaN or infinity \(in rows 1000:1500\)"):
        GaussianMixture(3, init_params="random_from_data", random_state=0).fit(
            da.from_array(X, chunks=(500, -1))
        )


def test_column_chunks_and_unknown_chunks_are_refused():
    Xd = da.from_array(blobs(), chunks=(500, 2))
    with pytest.raises(ValueError, match="single chunk along its columns"):
        GaussianMixture(3).fit(Xd)
    unknown = da.from_array(blobs(), chunks=(500, -1))
    unknown = unknown[unknown[:, 0] > -100]
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        GaussianMixture(3).fit(unknown)
    with pytest.raises(ValueError, match="2-D"):
        GaussianMixture(3).fit(da.zeros(10, chunks=5))
    with pytest.raises(TypeError, match="numeric"):
        GaussianMixture(3).fit(
            da.from_array(np.array([["a"] * 3] * 10, dtype=object), chunks=(5, -1))
        )


def test_too_few_samples_and_wrong_features():
    with pytest.raises(ValueError, match="n_samples >= n_components"):
        GaussianMixture(5).fit(da.from_array(blobs()[:4], chunks=(2, -1)))
    with pytest.raises(ValueError, match="should be >= 2"):
        GaussianMixture(1).fit(da.from_array(blobs()[:1], chunks=(2, -1)))
    gm = GaussianMixture(3, random_state=0)
    with pytest.raises(NotFittedError):
        gm.predict(da.from_array(blobs(), chunks=500))
    gm.fit(blobs())
    with pytest.raises(ValueError, match="is expecting 3 features"):
        gm.predict(da.from_array(blobs(d=4), chunks=500))


def test_estimates_carry_the_model_once():
    gm = GaussianMixture(3, random_state=0).fit(blobs())
    Xd = da.from_array(blobs(), chunks=(100, -1))
    for lazy in (gm.predict(Xd), gm.predict_proba(Xd), gm.score_samples(Xd)):
        graph = dict(lazy.__dask_graph__())
        models = [
            k for k, v in graph.items() if isinstance(getattr(v, "value", None), tuple)
        ]
        assert len(models) == 1  # one key, whatever the block count
