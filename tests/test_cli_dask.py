"""`fastapml gmm fit` and `fastapml silhouette` with --workers (a local dask
cluster started and shut down by the command) and --scheduler (an existing
one): the in-memory results, where the work ran, clear errors."""

import json
import threading

import numpy as np
import pytest

from fastapml import cli
from fastapml.cluster import silhouette_samples
from fastapml.mixture import GaussianMixture


def gmm_data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0, 0.0], [5.0, 0.0, 1.0], [0.0, 5.0, -1.0]])
    return centers[rng.integers(0, 3, n)] + rng.normal(size=(n, 3))


def fit_args(data, model_path, *extra):
    return [
        "gmm",
        "fit",
        str(data),
        "-k",
        "3",
        "--covariance",
        "full",
        "--seed",
        "0",
        "--tol",
        "1e-5",
        "-o",
        str(model_path),
        *extra,
    ]


def run_json(capsys, argv):
    """``main(argv + --json)``: exit 0 and stdout exactly one JSON object."""
    assert cli.main([*argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    return json.loads(out)


def error_message(capsys, argv):
    """``main(argv)``: exit 2; the last stderr line, a ``fastapml: error:``."""
    assert cli.main(argv) == 2
    line = capsys.readouterr().err.splitlines()[-1]
    assert line.startswith("fastapml: error: ")
    return line


def test_gmm_fit_on_the_scheduler_equals_in_memory(tmp_path, capsys, process_client):
    data = tmp_path / "data.npy"
    np.save(data, gmm_data())
    path = tmp_path / "model.npz"
    address = process_client.scheduler.address
    result = run_json(capsys, fit_args(data, path, "--scheduler", address))
    assert result["dask"] == {"scheduler": address}
    model = GaussianMixture.load(path)
    ref = GaussianMixture(3, random_state=0, tol=1e-5).fit(gmm_data())
    np.testing.assert_allclose(model.means_, ref.means_, rtol=1e-12)
    np.testing.assert_allclose(model.covariances_, ref.covariances_, rtol=1e-12)
    assert result["n_iter"] == model.n_iter_ == ref.n_iter_
    assert len(result["lower_bounds"]) == ref.n_iter_
    np.testing.assert_allclose(result["lower_bounds"], ref.lower_bounds_, rtol=1e-12)
    # the command leaves the user's cluster running
    assert process_client.run(lambda: 1)


def test_gmm_fit_with_workers_starts_and_stops_a_cluster(tmp_path, capsys):
    data = tmp_path / "data.npy"
    np.save(data, gmm_data(n=1200))
    path = tmp_path / "model.npz"
    threads = threading.active_count()
    result = run_json(capsys, fit_args(data, path, "--workers", "1", "--float32"))
    assert result["dask"] == {"workers": 1} and result["dtype"] == "float32"
    model = GaussianMixture.load(path)
    assert model.means_.dtype == np.float32
    ref = GaussianMixture(3, random_state=0, tol=1e-5).fit(
        gmm_data(n=1200).astype(np.float32)
    )
    np.testing.assert_allclose(model.means_, ref.means_, rtol=1e-5)
    import distributed

    with pytest.raises(ValueError):
        distributed.get_client()  # no client left behind
    assert threading.active_count() <= threads + 1


def test_gmm_fit_dask_errors_exit_2(tmp_path, capsys, thread_client):
    X = gmm_data()
    X[2500, 1] = np.nan
    data = tmp_path / "data.npy"
    np.save(data, X)
    address = thread_client.scheduler.address
    model = tmp_path / "m.npz"
    assert "NaN" in error_message(capsys, fit_args(data, model, "--scheduler", address))
    assert not model.exists()
    line = error_message(capsys, fit_args(data, model, "--workers", "0"))
    assert "--workers must be at least 1" in line
    with pytest.raises(SystemExit) as exc:  # argparse: not both
        cli.main(fit_args(data, model, "--workers", "1", "--scheduler", address))
    assert exc.value.code == 2


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
    address = thread_client.scheduler.address
    argv = [
        "silhouette",
        str(tmp_path / "data.npy"),
        str(tmp_path / "labels.npy"),
        "-o",
        str(per),
        "--scheduler",
        address,
    ]
    if sample:
        argv += ["--sample-size", "300", "--seed", "1"]
    result = run_json(capsys, argv)
    assert result["dask"] == {"scheduler": address}
    values = np.load(per)
    if sample:
        rows = np.random.RandomState(1).permutation(len(X))[:300]
        expected = np.full(len(X), np.nan)
        expected[rows] = silhouette_samples(X[rows], truth[rows])
    else:
        expected = silhouette_samples(X, truth)
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-15)
    assert result["mean"] == pytest.approx(np.nanmean(expected), abs=1e-12)
    assert result["n_samples"] == (300 if sample else 600)


def test_silhouette_dask_refuses_precomputed(tmp_path, capsys, thread_client):
    X, truth = blobs(n=60)
    D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    np.save(tmp_path / "D.npy", D)
    np.save(tmp_path / "labels.npy", truth)
    argv = [
        "silhouette",
        str(tmp_path / "D.npy"),
        str(tmp_path / "labels.npy"),
        "--metric",
        "precomputed",
        "--scheduler",
        thread_client.scheduler.address,
    ]
    assert "precomputed" in error_message(capsys, argv)
