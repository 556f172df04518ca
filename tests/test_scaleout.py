"""fastapml.scaleout: from_npy reads a .npy lazily, rows by rows, as the
file holds them; bad files get clear errors; client() closes what it starts."""

import pickle

import dask
import numpy as np
import pytest

from fastapml.scaleout import _read_rows, client, from_npy


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16])
@pytest.mark.parametrize("rows_per_chunk", [None, 1, 7, 100, 1000])
def test_from_npy_reads_the_file(tmp_path, dtype, rows_per_chunk):
    X = (np.random.default_rng(0).normal(size=(100, 5)) * 100).astype(dtype)
    np.save(tmp_path / "x.npy", X)
    Xd = from_npy(tmp_path / "x.npy", rows_per_chunk)
    assert Xd.shape == X.shape and Xd.dtype == X.dtype
    assert Xd.chunks[1] == (5,)
    if rows_per_chunk:
        assert set(Xd.chunks[0][:-1]) <= {rows_per_chunk}
    np.testing.assert_array_equal(Xd.compute(), X)
    np.testing.assert_array_equal(Xd[3:97:4, 1:3].compute(), X[3:97:4, 1:3])
    np.testing.assert_array_equal(Xd[[5, 99, 0]].compute(), X[[5, 99, 0]])


@pytest.mark.parametrize(
    "start,stop", [(0, 100), (0, 1), (99, 100), (40, 40), (13, 77)]
)
def test_read_rows_maps_exactly_those_rows(tmp_path, start, stop):
    X = np.random.default_rng(1).normal(size=(100, 3))
    np.save(tmp_path / "x.npy", X)
    rows = _read_rows(str(tmp_path / "x.npy"), start, stop)
    assert rows.shape == (stop - start, 3) and not rows.flags.writeable
    np.testing.assert_array_equal(rows, X[start:stop])


def test_from_npy_default_chunks_and_small_graph(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((140_000, 64)))
    Xd = from_npy(tmp_path / "x.npy")
    assert Xd.chunks[0][0] % 512 == 0 and Xd.chunks[0][0] * 64 * 8 <= 64 << 20
    assert len(pickle.dumps(dict(Xd.dask))) < 20_000  # paths, not data
    np.save(tmp_path / "e.npy", np.zeros((0, 3)))
    assert from_npy(tmp_path / "e.npy").compute().shape == (0, 3)


def test_from_npy_keys_change_with_the_file(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((10, 2)))
    before = from_npy(tmp_path / "x.npy").name
    import os

    os.utime(tmp_path / "x.npy", ns=(1, 1))
    assert from_npy(tmp_path / "x.npy").name != before


def test_from_npy_bad_files(tmp_path):
    np.save(tmp_path / "v.npy", np.zeros(5))
    with pytest.raises(ValueError, match="2-D"):
        from_npy(tmp_path / "v.npy")
    np.save(tmp_path / "f.npy", np.asfortranarray(np.zeros((5, 3))))
    with pytest.raises(ValueError, match="C-ordered"):
        from_npy(tmp_path / "f.npy")
    np.save(tmp_path / "o.npy", np.array([[object()]], dtype=object))
    with pytest.raises(ValueError, match="Python objects"):
        from_npy(tmp_path / "o.npy")
    np.save(tmp_path / "x.npy", np.zeros((5, 3)))
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="rows_per_chunk"):
            from_npy(tmp_path / "x.npy", bad)
    with pytest.raises(FileNotFoundError):
        from_npy(tmp_path / "missing.npy")


def test_client_starts_and_closes_a_local_cluster(tmp_path):
    np.save(tmp_path / "x.npy", np.arange(20.0).reshape(10, 2))
    with client(workers=1) as c:
        assert len(c.scheduler_info()["workers"]) == 1
        with c.as_current():
            assert float(from_npy(tmp_path / "x.npy", 3).sum().compute()) == 190
        cluster = c.cluster
    assert c.status == "closed" and cluster.status.name == "closed"
    with client() as none:
        assert none is None
    assert dask.compute(from_npy(tmp_path / "x.npy").sum())[0] == 190


@pytest.mark.parametrize(
    "content",
    [b"", b"PK\x03\x04junk", b"1 2 3\n"],
    ids=["empty", "npz", "text"],
)
def test_from_npy_names_a_file_that_is_not_npy(tmp_path, content):
    pytest.importorskip("dask")
    from fastapml.scaleout import from_npy

    path = tmp_path / "bad.npy"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="bad.npy"):
        from_npy(path)


@pytest.mark.parametrize(
    "array",
    [np.array([["a", "b"]]), np.zeros((2, 2), dtype="datetime64[s]")],
    ids=["strings", "datetimes"],
)
def test_from_npy_refuses_non_numeric_files(tmp_path, array):
    pytest.importorskip("dask")
    from fastapml.scaleout import from_npy

    path = tmp_path / "odd.npy"
    np.save(path, array)
    with pytest.raises(ValueError, match="odd.npy"):
        from_npy(path)
