"""`fastapml gmm fit` and `fastapml silhouette` with --workers (a local dask
cluster started and shut down by the command) and --scheduler (an existing
one): the in-memory results, progress per iteration, clear errors."""
import threading

import numpy as np
import pytest

from fastapml import cli
from fastapml.cluster import silhouette_samples
from fastapml.mixture import GaussianMixture
from fastapml.mixture.io import load_model


def gmm_data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0, 0.0], [5.0, 0.0, 1.0], [0.0, 5.0, -1.0]])
    return centers[rng.integers(0, 3, n)] + rng.normal(size=(n, 3))


def fit_args(data, model_path, *extra):
    return ["gmm", "fit", str(data), "-k", "3", "--covariance", "full",
            "--seed", "0", "--tol", "1e-5", "-o", str(model_path), *extra]


def test_gmm_fit_on_the_scheduler_equals_in_memory(tmp_path, capsys,
                                                   process_client):
    data = tmp_path / "data.npy"
    np.save(data, gmm_data())
    path = tmp_path / "model.npz"
    address = process_client.scheduler.address
    assert cli.main(fit_args(data, path, "--scheduler", address)) == 0
    out, err = capsys.readouterr()
    assert f"the dask scheduler at {address}" in err
    model = load_model(path)
    ref = GaussianMixture(3, random_state=0, tol=1e-5).fit(gmm_data())
    np.testing.assert_allclose(model.means_, ref.means_, rtol=1e-12)
    np.testing.assert_allclose(model.covariances_, ref.covariances_,
                               rtol=1e-12)
    lines = [line for line in err.splitlines() if "lower bound" in line]
    assert len(lines) == model.n_iter_ == ref.n_iter_
    assert f"iterations: {model.n_iter_}" in out
    # the command leaves the user's cluster running
    assert process_client.run(lambda: 1)


def test_gmm_fit_with_workers_starts_and_stops_a_cluster(tmp_path, capsys):
    data = tmp_path / "data.npy"
    np.save(data, gmm_data(n=1200))
    path = tmp_path / "model.npz"
    threads = threading.active_count()
    assert cli.main(fit_args(data, path, "--workers", "1", "--float32")) == 0
    err = capsys.readouterr().err
    assert "a local dask cluster of 1 worker process" in err
    model = load_model(path)
    assert model.means_.dtype == np.float32
    ref = GaussianMixture(3, random_state=0, tol=1e-5).fit(
        gmm_data(n=1200).astype(np.float32))
    np.testing.assert_allclose(model.means_, ref.means_, rtol=1e-5)
    import distributed
    with pytest.raises(ValueError):
        distributed.get_client()        # no client left behind
    assert threading.active_count() <= threads + 1


def test_gmm_fit_dask_errors_exit_2(tmp_path, capsys, thread_client):
    X = gmm_data()
    X[2500, 1] = np.nan
    data = tmp_path / "data.npy"
    np.save(data, X)
    address = thread_client.scheduler.address
    assert cli.main(fit_args(data, tmp_path / "m.npz", "--scheduler",
                             address)) == 2
    assert "NaN" in capsys.readouterr().err
    assert not (tmp_path / "m.npz").exists()
    assert cli.main(fit_args(data, tmp_path / "m.npz", "--workers", "0")) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):     # argparse: not both
        cli.main(fit_args(data, tmp_path / "m.npz", "--workers", "1",
                          "--scheduler", address))


def blobs(n=600, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    truth = np.arange(n) % 3
    return centers[truth] + rng.normal(size=(n, 2)), truth


@pytest.mark.parametrize("sample", [False, True])
def test_silhouette_on_the_scheduler(tmp_path, capsys, thread_client, sample):
    X, truth = blobs()
    np.save(tmp_path / "data.npy", X)
    np.save(tmp_path / "labels.npy", truth)
    per = tmp_path / "per.npy"
    args = ["silhouette", str(tmp_path / "data.npy"),
            str(tmp_path / "labels.npy"), "-o", str(per),
            "--scheduler", thread_client.scheduler.address]
    if sample:
        args += ["--sample-size", "300", "--seed", "1"]
    assert cli.main(args) == 0
    out, err = capsys.readouterr()
    assert "dask scheduler" in err
    values = np.load(per)
    if sample:
        rows = np.random.RandomState(1).permutation(len(X))[:300]
        expected = np.full(len(X), np.nan)
        expected[rows] = silhouette_samples(X[rows], truth[rows])
    else:
        expected = silhouette_samples(X, truth)
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-15)
    assert f"mean silhouette: {np.nanmean(expected):.6f}" in out


def test_silhouette_dask_refuses_precomputed(tmp_path, capsys, thread_client):
    X, truth = blobs(n=60)
    D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    np.save(tmp_path / "D.npy", D)
    np.save(tmp_path / "labels.npy", truth)
    assert cli.main(["silhouette", str(tmp_path / "D.npy"),
                     str(tmp_path / "labels.npy"), "--metric", "precomputed",
                     "--scheduler", thread_client.scheduler.address]) == 2
    assert "precomputed" in capsys.readouterr().err
