"""Silhouette of a dask array: the cross tiles against the NumPy twin, parity
with the in-memory result and scikit-learn, the same bits on every scheduler,
the shape of the graph, and the errors."""

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from fastapml import reference
from fastapml.cluster import _silhouette_sums, silhouette_samples, silhouette_score

da = pytest.importorskip("dask.array")
silhouette_dask = pytest.importorskip("fastapml.cluster.silhouette_dask")

KERNEL_METRICS = ("euclidean", "sqeuclidean", "manhattan", "chebyshev", "cosine")
N = 150
CHUNKS = {
    "one chunk": (N,),
    "uneven": (40, 1, 70, 39),
    "empty chunk": (60, 0, 90),
    "many small": (16,) * 9 + (6,),
}


def blobs(rng, n, d, k, spread=1.0):
    labels = rng.integers(k, size=n)
    labels[:k] = np.arange(k)  # every cluster present
    centers = rng.normal(scale=4, size=(k, d))
    return centers[labels] + spread * rng.normal(size=(n, d)), labels


def in_input_order(samples, sorted_sums):
    """Rows of a tile's sums from the block's sorted order back to its own."""
    sums = np.empty_like(sorted_sums)
    sums[samples.order] = sorted_sums
    return sums


def kernel_cross_sums(X, labels_X, Y, labels_Y, n_clusters, metric):
    """The cross tile between two blocks, as the dask tasks compute it."""
    code = _silhouette_sums.METRICS[metric]
    rows = _silhouette_sums.sort_by_cluster(X, labels_X, n_clusters, code)
    columns = _silhouette_sums.sort_by_cluster(Y, labels_Y, n_clusters, code)
    rows_sums, columns_sums = silhouette_dask.cross_tile(rows, columns)
    return (in_input_order(rows, rows_sums), in_input_order(columns, columns_sums))


def assert_cross_sums_match_twin(X, labels_X, Y, labels_Y, n_clusters, metric):
    got = kernel_cross_sums(X, labels_X, Y, labels_Y, n_clusters, metric)
    want = reference.cluster.cross_cluster_sums(
        X, labels_X, Y, labels_Y, n_clusters, metric
    )
    if X.dtype == np.float32:
        # float32 distances, each to about 1e-6 (cosine: absolutely)
        rtol, atol = 1e-4, 1e-5 * (1 + max(len(X), len(Y)))
    else:
        rtol, atol = 1e-10, 1e-12 * (1 + max(len(X), len(Y)))
    for g, w, n in zip(got, want, (len(X), len(Y))):
        assert g.shape == w.shape == (n, n_clusters)
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


@st.composite
def two_blocks(draw):
    """Two blocks of samples with codes < k; either may be empty or lack
    clusters, and the column block may span several column tiles."""
    m = draw(st.integers(0, 40))
    n = draw(st.integers(0, 150))
    d = draw(st.integers(1, 6))
    k = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    scale = draw(st.sampled_from([0.01, 1.0, 100.0]))
    X, Y = (scale * rng.normal(size=(size, d)) for size in (m, n))
    if draw(st.booleans()):  # zero rows (cosine's case)
        X[rng.random(m) < 0.2] = 0
        Y[rng.random(n) < 0.2] = 0
    return X, rng.integers(k, size=m), Y, rng.integers(k, size=n), k


@settings(max_examples=60, deadline=None)
@given(
    blocks=two_blocks(),
    metric=st.sampled_from(KERNEL_METRICS),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_cross_tile_matches_numpy_twin(blocks, metric, dtype):
    X, labels_X, Y, labels_Y, k = blocks
    assert_cross_sums_match_twin(
        X.astype(dtype), labels_X, Y.astype(dtype), labels_Y, k, metric
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("metric", KERNEL_METRICS)
@pytest.mark.parametrize("m, n", [(0, 5), (5, 0), (1, 1), (3, 200)])
def test_cross_tile_edges(m, n, metric, dtype):
    """Empty blocks, single rows, and one cluster over several column tiles
    next to a cluster missing from both blocks."""
    rng = np.random.default_rng(m * 1000 + n)
    X, Y = rng.normal(size=(m, 3)), rng.normal(size=(n, 3))
    X[:1] = 0  # a zero row (cosine)
    labels_X = np.full(m, 2)
    labels_Y = np.where(np.arange(n) < 150, 0, 2)
    assert_cross_sums_match_twin(
        X.astype(dtype), labels_X, Y.astype(dtype), labels_Y, 3, metric
    )


def dask_data(dtype=np.float64, chunks=CHUNKS["uneven"], seed=0):
    rng = np.random.default_rng(seed)
    X, labels = blobs(rng, N, 4, 4)
    X = X.astype(dtype)
    return X, labels, da.from_array(X, chunks=(chunks, -1))


def assert_matches(got, want, dtype):
    if dtype == np.float64:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    else:
        np.testing.assert_allclose(got, want, rtol=0, atol=2e-5)


@pytest.mark.parametrize("metric", KERNEL_METRICS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("chunks", CHUNKS.values(), ids=CHUNKS.keys())
def test_matches_in_memory_and_sklearn(chunks, dtype, metric):
    X, labels, Xd = dask_data(dtype, chunks)
    result = silhouette_samples(Xd, labels, metric=metric)
    assert isinstance(result, da.Array)
    assert result.chunks == (Xd.chunks[0],) and result.dtype == np.float64
    got = result.compute()
    assert got.dtype == np.float64
    assert_matches(got, silhouette_samples(X, labels, metric=metric), dtype)
    tol = 1e-4 if (dtype == np.float32 and metric == "cosine") else 2e-5
    np.testing.assert_allclose(
        got,
        skm.silhouette_samples(X, labels, metric=metric),
        atol=tol,
        rtol=1e-12 if dtype == np.float64 else 0,
    )


def test_one_chunk_is_the_in_memory_result():
    X, labels, Xd = dask_data(chunks=CHUNKS["one chunk"])
    np.testing.assert_array_equal(
        silhouette_samples(Xd, labels).compute(), silhouette_samples(X, labels)
    )


@pytest.mark.parametrize("label_chunks", [CHUNKS["uneven"], 37, "unknown"])
def test_dask_labels_with_any_chunks(label_chunks):
    """Labels are computed and encoded on the client: their chunks (unknown
    ones included) need not match X's; string labels too."""
    X, codes, Xd = dask_data()
    labels = np.array([f"c{c * 7}" for c in codes])
    if label_chunks == "unknown":
        labels_d = da.from_array(labels, chunks=50)
        labels_d = labels_d[labels_d != ""]
    else:
        labels_d = da.from_array(labels, chunks=label_chunks)
    want = silhouette_samples(X, labels)
    np.testing.assert_allclose(
        silhouette_samples(Xd, labels_d).compute(), want, rtol=1e-12, atol=1e-14
    )
    assert abs(silhouette_score(Xd, labels_d) - np.mean(want)) < 1e-12


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("chunks", CHUNKS.values(), ids=CHUNKS.keys())
def test_score_matches_in_memory_and_sklearn(chunks, metric):
    X, labels, Xd = dask_data(chunks=chunks)
    score = silhouette_score(Xd, labels, metric=metric)
    assert isinstance(score, float)
    assert abs(score - np.mean(silhouette_samples(X, labels, metric=metric))) < 1e-12
    assert abs(score - skm.silhouette_score(X, labels, metric=metric)) < 1e-12


def test_score_with_sample_size_uses_the_same_subset():
    X, labels, Xd = dask_data()
    for metric in ("euclidean", "manhattan"):
        got = silhouette_score(
            Xd, labels, metric=metric, sample_size=60, random_state=7
        )
        assert got == silhouette_score(
            X, labels, metric=metric, sample_size=60, random_state=7
        )
        assert (
            abs(
                got
                - skm.silhouette_score(
                    X, labels, metric=metric, sample_size=60, random_state=7
                )
            )
            < 1e-12
        )


def test_same_bits_on_every_scheduler_and_run(process_client, thread_client):
    X, labels, Xd = dask_data(chunks=CHUNKS["uneven"])
    labels_d = da.from_array(labels, chunks=45)
    for metric in ("euclidean", "cosine"):
        threaded = [
            silhouette_samples(Xd, labels_d, metric=metric).compute() for _ in range(2)
        ]
        scores = [silhouette_score(Xd, labels_d, metric=metric)]
        for client in (process_client, thread_client):
            with client.as_current():
                for _ in range(2):
                    threaded.append(
                        silhouette_samples(Xd, labels_d, metric=metric).compute()
                    )
                    scores.append(silhouette_score(Xd, labels_d, metric=metric))
        for result in threaded[1:]:
            np.testing.assert_array_equal(result, threaded[0])
        assert len(set(scores)) == 1


def test_same_bits_with_one_worker(process_client):
    """One worker (the other one's tasks restricted away) or two: the same."""
    X, labels, Xd = dask_data(chunks=CHUNKS["many small"])
    result = silhouette_samples(Xd, labels)
    with process_client.as_current():
        both = result.compute()
        one_worker = next(iter(process_client.scheduler_info()["workers"]))
        alone = process_client.compute(
            result, workers=[one_worker], allow_other_workers=False
        ).result()
    np.testing.assert_array_equal(alone, both)


@pytest.mark.parametrize("chunks", [(N,), (60, 0, 90), (16,) * 9 + (6,)])
def test_one_task_per_tile_and_per_block(chunks):
    _, labels, Xd = dask_data(chunks=chunks)
    graph = dict(silhouette_samples(Xd, labels).__dask_graph__())

    def count(prefix):
        return sum(
            isinstance(key, tuple) and key[0].startswith(prefix) for key in graph
        )

    b = len(chunks)
    assert count("silhouette-tile-") == b * (b + 1) // 2
    assert count("silhouette-prepare-") == b
    assert count("silhouette-finish-") == b


def test_nothing_is_computed_before_compute():
    X, labels, Xd = dask_data()
    blocks_read = []

    def read(block):
        blocks_read.append(len(block))
        return block

    watched = Xd.map_blocks(read, dtype=Xd.dtype, meta=np.empty((0, 0)))
    result = silhouette_samples(watched, labels)
    assert isinstance(result, da.Array) and blocks_read == []
    np.testing.assert_allclose(
        result.compute(), silhouette_samples(X, labels), rtol=1e-12, atol=1e-14
    )
    assert sorted(blocks_read) == sorted(Xd.chunks[0])  # each block once


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.nan, r"Input X contains NaN.*rows 41 to 110"),
        (np.inf, r"Input X contains infinity.*rows 41 to 110"),
    ],
)
def test_non_finite_block_raises_when_computed(bad, match):
    X, labels, _ = dask_data()
    X[100, 2] = bad
    Xd = da.from_array(X, chunks=(CHUNKS["uneven"], -1))
    result = silhouette_samples(Xd, labels)
    with pytest.raises(ValueError, match=match):
        result.compute()
    with pytest.raises(ValueError, match=match):
        silhouette_score(Xd, labels)


def test_bad_input():
    X, labels, Xd = dask_data()
    cases = [
        (
            ValueError,
            "single chunk along its columns",
            dict(X=da.from_array(X, chunks=(50, 2))),
        ),
        (ValueError, "unknown chunk sizes", dict(X=Xd[Xd[:, 0] > -1e9])),
        (
            ValueError,
            "labels has 149 entries but X has 150 rows",
            dict(labels=labels[1:]),
        ),
        (
            ValueError,
            "labels has 149 entries",
            dict(labels=da.from_array(labels[1:], chunks=50)),
        ),
        (ValueError, "Number of labels is 1", dict(labels=np.zeros(N, int))),
        (ValueError, "Number of labels is 150", dict(labels=np.arange(N))),
        (ValueError, "metric='precomputed'", dict(metric="precomputed")),
        (ValueError, "supports the metrics", dict(metric="minkowski")),
        (TypeError, "takes no metric keywords", dict(p=3)),
        (TypeError, "dense NumPy blocks", dict(X=Xd.map_blocks(sp.csr_matrix))),
        (TypeError, "must be real", dict(X=Xd.astype(complex))),
        (ValueError, "0 features", dict(X=da.zeros((N, 0), chunks=(50, -1)))),
    ]
    for error, match, change in cases:
        keywords = {"X": Xd, "labels": labels, **change}
        X_in, labels_in = keywords.pop("X"), keywords.pop("labels")
        for function in (silhouette_samples, silhouette_score):
            with pytest.raises(error, match=match):
                function(X_in, labels_in, **keywords)


def test_chunks_helper():
    assert silhouette_dask.silhouette_chunks(20000, 8, n_workers=2) == (5000,) * 4
    assert silhouette_dask.silhouette_chunks(500, 8, n_workers=4) == (500,)
    assert silhouette_dask.silhouette_chunks(0, 3) == (0,)
    big = silhouette_dask.silhouette_chunks(10**6, 100)
    assert sum(big) == 10**6 and max(big) * 100 * 8 <= 64 * 2**20
    assert max(big) - min(big) <= 1


def test_importing_the_cluster_package_does_not_import_dask():
    code = (
        "import sys, fastapml.cluster; "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'dask']"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
