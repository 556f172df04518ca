"""GaussianMixture.save / load: round trips and bad files."""

import os
import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from fastapml.mixture import GaussianMixture
from fastapml.mixture._model_file import FORMAT_VERSION

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
FITTED = ("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_")


def blobs(dtype=np.float64, n=150, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0, 0.0], [4.0, 0.0, 1.0], [0.0, 5.0, -2.0]])
    X = centers[rng.integers(0, 3, n)] + rng.normal(size=(n, 3))
    return X.astype(dtype)


@pytest.fixture(scope="module")
def fitted():
    cache = {}

    def get(covariance_type="full", dtype=np.float64):
        key = (covariance_type, np.dtype(dtype).name)
        if key not in cache:
            cache[key] = GaussianMixture(
                n_components=3,
                covariance_type=covariance_type,
                max_iter=30,
                random_state=0,
            ).fit(blobs(dtype))
        return cache[key]

    return get


def saved_arrays(model, path):
    model.save(path)
    with np.load(path, allow_pickle=False) as archive:
        return {k: archive[k] for k in archive.files}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_round_trip_predicts_identically(fitted, tmp_path, covariance_type, dtype):
    model = fitted(covariance_type, dtype)
    path = tmp_path / "gmm.npz"
    model.save(path)
    loaded = GaussianMixture.load(path)
    assert type(loaded) is GaussianMixture
    assert loaded.get_params() == model.get_params()
    for key in FITTED:
        got, want = getattr(loaded, key), getattr(model, key)
        assert got.dtype == want.dtype == np.dtype(dtype), key
        np.testing.assert_array_equal(got, want, err_msg=key)
    assert loaded.n_iter_ == model.n_iter_
    assert loaded.converged_ == model.converged_
    assert loaded.n_features_in_ == model.n_features_in_ == 3
    assert loaded.lower_bound_ == model.lower_bound_
    np.testing.assert_array_equal(loaded.lower_bounds_, model.lower_bounds_)
    X = blobs(dtype, n=60, seed=1)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.score_samples(X), model.score_samples(X))
    assert loaded.bic(X) == model.bic(X)
    assert os.listdir(tmp_path) == ["gmm.npz"]  # no temp file left


def test_round_trip_keeps_init_arrays_and_seed(tmp_path):
    X = blobs()
    means_init = X[:3].copy()
    model = GaussianMixture(
        n_components=3,
        covariance_type="diag",
        means_init=means_init,
        weights_init=[0.2, 0.3, 0.5],
        random_state=7,
        tol=1e-4,
        reg_covar=1e-5,
        max_iter=50,
        n_init=1,
        init_params="random",
        warm_start=True,
    ).fit(X)
    model.save(tmp_path / "m.npz")
    loaded = GaussianMixture.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.means_init, means_init)
    np.testing.assert_array_equal(loaded.weights_init, [0.2, 0.3, 0.5])
    assert loaded.precisions_init is None
    for key in (
        "random_state",
        "tol",
        "reg_covar",
        "max_iter",
        "init_params",
        "warm_start",
        "covariance_type",
    ):
        assert getattr(loaded, key) == getattr(model, key), key
    # The loaded model keeps working as an estimator (warm start from it).
    loaded.fit(X)
    assert loaded.converged_


def test_random_state_instance_is_not_stored(tmp_path):
    model = GaussianMixture(
        n_components=2, random_state=np.random.RandomState(0), max_iter=5
    ).fit(blobs())
    model.save(tmp_path / "m.npz")
    assert GaussianMixture.load(tmp_path / "m.npz").random_state is None


def test_save_replaces_atomically_and_cleans_up(fitted, tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    fitted("diag").save(path)
    fitted("full").save(path)  # overwrite
    assert GaussianMixture.load(path).covariance_type == "full"
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        fitted("tied").save(path)
    assert path.read_bytes() == before  # old file intact
    assert os.listdir(tmp_path) == ["m.npz"]


def test_save_unfitted_raises(tmp_path):
    with pytest.raises(NotFittedError):
        GaussianMixture(n_components=2).save(tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        GaussianMixture.load(tmp_path / "absent.npz")


@pytest.mark.parametrize(
    "content", [b"", b"not a zip", b"PK\x03\x04garbage", os.urandom(256)]
)
def test_garbage_file_is_rejected(tmp_path, content):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="bad.npz"):
        GaussianMixture.load(path)


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.99])
def test_truncated_file_is_rejected(fitted, tmp_path, fraction):
    path = tmp_path / "trunc.npz"
    fitted("full").save(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(ValueError, match="trunc.npz"):
        GaussianMixture.load(path)


def test_corrupted_byte_is_rejected(fitted, tmp_path):
    path = tmp_path / "flip.npz"
    fitted("full").save(path)
    data = bytearray(path.read_bytes())
    with np.load(path) as archive:
        means = archive["means_"]
    # Flip a byte inside the stored means_ (zip CRC check catches it).
    start = bytes(data).index(means.tobytes())
    data[start + 3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="flip.npz"):
        GaussianMixture.load(path)


def test_single_array_file_is_rejected(tmp_path):
    path = tmp_path / "one.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(ValueError, match="one.npy.*holds one array"):
        GaussianMixture.load(path)


def test_other_kind_and_version_are_rejected(fitted, tmp_path):
    arrays = saved_arrays(fitted("diag"), tmp_path / "m.npz")
    bad = tmp_path / "kind.npz"
    np.savez(bad, **{**arrays, "format_kind": np.array("fastapml.hmm.HMMTagger")})
    with pytest.raises(ValueError, match="kind.npz.*not a saved GaussianMixture"):
        GaussianMixture.load(bad)
    np.savez(bad, **{**arrays, "format_version": np.array(FORMAT_VERSION + 1)})
    with pytest.raises(ValueError, match="format version"):
        GaussianMixture.load(bad)
    np.savez(bad, a=np.arange(3))
    with pytest.raises(
        ValueError, match="not a saved GaussianMixture \\(format_kind none\\)"
    ):
        GaussianMixture.load(bad)


class _Boom:
    def __reduce__(self):
        return (os.remove, ("/nonexistent-file-fastapml-test",))


@pytest.mark.parametrize("where", ["means_", "extra"])
def test_pickle_in_archive_is_rejected(fitted, tmp_path, where):
    arrays = saved_arrays(fitted("diag"), tmp_path / "m.npz")
    payload = np.array([_Boom()], dtype=object)
    assert pickle.dumps(payload)  # it really is a pickle
    bad = tmp_path / "pickled.npz"
    np.savez(bad, **{**arrays, where: payload})
    with pytest.raises(ValueError, match="pickled.npz"):
        GaussianMixture.load(bad)


def _mutations():
    def set_(key, value):
        return lambda a: a.__setitem__(key, value)

    def nan_at(key):
        def f(a):
            arr = a[key].copy()
            arr.flat[0] = np.nan
            a[key] = arr

        return f

    return {
        "missing means_": (lambda a: a.pop("means_"), "missing array 'means_'"),
        "means_ shape": (
            lambda a: a.__setitem__("means_", a["means_"][:, :2]),
            "means_ must have shape",
        ),
        "covariances_ shape": (
            lambda a: a.__setitem__("covariances_", a["covariances_"][:2]),
            "covariances_ must have shape",
        ),
        "NaN in means_": (nan_at("means_"), "means_ holds NaN"),
        "NaN in precisions_cholesky_": (
            nan_at("precisions_cholesky_"),
            "precisions_cholesky_ holds NaN",
        ),
        "inf lower bound": (set_("lower_bound_", np.array(np.inf)), "lower_bound_"),
        "mixed dtype": (
            lambda a: a.__setitem__("weights_", a["weights_"].astype(np.float32)),
            "weights_ has dtype",
        ),
        "int means": (
            lambda a: a.__setitem__("means_", a["means_"].astype(np.int64)),
            "float32 or float64",
        ),
        "negative variance": (
            lambda a: a.__setitem__("covariances_", -a["covariances_"]),
            "covariances_ must be positive",
        ),
        "weights sum": (
            lambda a: a.__setitem__("weights_", a["weights_"] * 2),
            "sum to 1",
        ),
        "covariance type": (
            set_("param_covariance_type", np.array("full")),
            "must have shape",
        ),
        "unknown covariance type": (
            set_("param_covariance_type", np.array("round")),
            "covariance_type",
        ),
        "n_components": (
            set_("param_n_components", np.array(0)),
            "n_components must be >= 1",
        ),
        "n_iter_ vs lower_bounds_": (
            set_("n_iter_", np.array(10**6)),
            "lower_bounds_ must have shape",
        ),
        "n_features_in_": (
            set_("n_features_in_", np.array(5)),
            "means_ must have shape",
        ),
        "precisions of other covariances": (
            lambda a: a.__setitem__(
                "precisions_cholesky_", a["precisions_cholesky_"] * 3
            ),
            "precisions_cholesky_ disagree with covariances_",
        ),
        "precisions of another factor": (
            lambda a: a.__setitem__("precisions_", a["precisions_"] * 2),
            "precisions_ disagree",
        ),
        "tol is text": (set_("param_tol", np.array("small")), "tol"),
        "extra array": (set_("surprise", np.zeros(2)), "unexpected arrays"),
    }


@pytest.mark.parametrize("name", list(_mutations()))
def test_inconsistent_archive_is_rejected(fitted, tmp_path, name):
    mutate, message = _mutations()[name]
    arrays = saved_arrays(fitted("diag"), tmp_path / "m.npz")
    mutate(arrays)
    bad = tmp_path / "bad model.npz"
    np.savez(bad, **arrays)
    with pytest.raises(ValueError, match=message) as info:
        GaussianMixture.load(bad)
    assert str(info.value).startswith(str(bad))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_consistent_precisions_load_for_every_covariance_type(
    fitted, tmp_path, covariance_type, dtype
):
    model = fitted(covariance_type, dtype)
    path = tmp_path / "m.npz"
    model.save(path)
    np.testing.assert_array_equal(
        GaussianMixture.load(path).precisions_cholesky_, model.precisions_cholesky_
    )
    arrays = saved_arrays(model, path)
    arrays["covariances_"] = arrays["covariances_"] * 4  # stale precisions
    np.savez(tmp_path / "stale.npz", **arrays)
    with pytest.raises(ValueError, match="disagree"):
        GaussianMixture.load(tmp_path / "stale.npz")


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_partial_fit_resumes_after_load(tmp_path, covariance_type):
    X = blobs(n=300)
    model = GaussianMixture(
        n_components=3, covariance_type=covariance_type, random_state=0
    )
    model.partial_fit(X[:100]).partial_fit(X[100:200])
    model.save(tmp_path / "m.npz")
    loaded = GaussianMixture.load(tmp_path / "m.npz")
    model.partial_fit(X[200:])
    loaded.partial_fit(X[200:])
    assert loaded.n_iter_ == model.n_iter_ == 3
    for key in FITTED:
        np.testing.assert_array_equal(getattr(loaded, key), getattr(model, key))


def test_load_honours_a_subclass(fitted, tmp_path):
    class Mine(GaussianMixture):
        pass

    fitted("diag").save(tmp_path / "m.npz")
    loaded = Mine.load(tmp_path / "m.npz")
    assert type(loaded) is Mine
    X = blobs()
    np.testing.assert_array_equal(loaded.predict(X), fitted("diag").predict(X))
