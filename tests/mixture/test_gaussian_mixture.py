"""GaussianMixture: parity with scikit-learn's GaussianMixture (the oracle) for
every covariance type, initialization and dtype; EM's non-decreasing lower
bound; the extras (callback, fit_chunks, partial_fit); bad input; degenerate
data; scikit-learn's estimator checks; and predict from two threads."""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.mixture import GaussianMixture as PeerGM
from sklearn.utils.estimator_checks import parametrize_with_checks

from fastapml.mixture import GaussianMixture

COV_TYPES = ("full", "tied", "diag", "spherical")
INITS = ("kmeans", "k-means++", "random", "random_from_data")
PARAMS = ("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_")
RTOL = {np.float64: 1e-6, np.float32: 1e-4}  # parameters and predictions
LB_RTOL = {np.float64: 1e-7, np.float32: 1e-4}  # lower bounds
# precisions_ amplify the covariances' error by their condition number (one
# component of the random_from_data fit has condition number ~1e3)
PREC_RTOL = {np.float64: 1e-6, np.float32: 1e-3}
# predict_proba: a relative error e in log densities of size ~10 moves p by ~10 e
PROBA_ATOL = {np.float64: 1e-6, np.float32: 1e-3}
ILL_DEFINED = "ill-defined empirical covariance"
NOT_CONVERGED = "did not converge"


# ----------------------------------------------------------------- helpers
def blobs(n=600, d=3, k=3, seed=0, dtype=np.float64, sep=4.0):
    """Anisotropic Gaussian clusters with unequal weights, centres >= sep apart."""
    rng = np.random.default_rng(seed)
    while True:
        centers = rng.normal(scale=sep, size=(k, d))
        dist = np.linalg.norm(centers[:, None] - centers[None], axis=-1)
        if k == 1 or dist[np.triu_indices(k, 1)].min() >= sep:
            break
    mix = np.linspace(2.0, 1.0, k)
    z = rng.choice(k, size=n, p=mix / mix.sum())
    A = 0.8 * np.eye(d) + 0.3 * rng.normal(size=(k, d, d))
    X = centers[z] + np.einsum("nij,nj->ni", A[z], rng.normal(size=(n, d)))
    return X.astype(dtype)


def explicit_init(X, k, covariance_type, seed=1):
    """weights_init, means_init and precisions_init (SPD, not the identity)."""
    rng = np.random.default_rng(seed)
    d = X.shape[1]
    weights = rng.dirichlet(np.full(k, 5.0))
    means = X[rng.choice(len(X), size=k, replace=False)] + 0.1 * rng.normal(size=(k, d))

    def spd():
        B = rng.normal(size=(d, d))
        return B @ B.T / d + np.eye(d)

    precisions = {
        "full": lambda: np.stack([spd() for _ in range(k)]),
        "tied": spd,
        "diag": lambda: rng.uniform(0.5, 2.0, size=(k, d)),
        "spherical": lambda: rng.uniform(0.5, 2.0, size=k),
    }[covariance_type]()
    return {
        name: value.astype(X.dtype)
        for name, value in (
            ("weights_init", weights),
            ("means_init", means),
            ("precisions_init", precisions),
        )
    }


def fit_model(cls, X, method="fit", **params):
    """Fit ``cls(**params)``; return it, whether EM warned it did not converge,
    and fit_predict's labels when ``method == "fit_predict"``."""
    model = cls(**params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        labels = getattr(model, method)(X)
    warned = any(
        issubclass(w.category, ConvergenceWarning) and NOT_CONVERGED in str(w.message)
        for w in caught
    )
    return model, warned, labels


def fit_both(X, **params):
    peer, peer_warned, _ = fit_model(PeerGM, X, **params)
    ours, our_warned, _ = fit_model(GaussianMixture, X, **params)
    assert our_warned == peer_warned, "ConvergenceWarning differs from scikit-learn"
    return peer, ours


def close(actual, desired, rtol, err_msg=""):
    """Relative to the scale of ``desired`` (so near-zero entries don't dominate)."""
    actual, desired = np.asarray(actual), np.asarray(desired)
    assert actual.shape == desired.shape, err_msg
    scale = np.abs(desired[np.isfinite(desired)]).max(initial=0.0)
    assert_allclose(actual, desired, rtol=rtol, atol=rtol * scale, err_msg=err_msg)


def assert_same_model(ours, peer, dtype=np.float64):
    rtol, lb_rtol = RTOL[dtype], LB_RTOL[dtype]
    assert ours.n_iter_ == peer.n_iter_
    assert ours.converged_ == peer.converged_
    assert ours.n_features_in_ == peer.n_features_in_
    assert len(ours.lower_bounds_) == len(peer.lower_bounds_)
    assert_allclose(
        np.asarray(ours.lower_bounds_, dtype=np.float64),
        np.asarray(peer.lower_bounds_, dtype=np.float64),
        rtol=lb_rtol,
    )
    if np.isinf(peer.lower_bound_):
        assert ours.lower_bound_ == peer.lower_bound_
    else:
        assert_allclose(
            float(ours.lower_bound_), float(peer.lower_bound_), rtol=lb_rtol
        )
    for name in PARAMS:
        ref = getattr(peer, name)
        got = getattr(ours, name)
        assert got.dtype == ref.dtype == dtype, name
        close(
            got,
            ref,
            PREC_RTOL[dtype] if name.startswith("prec") else rtol,
            err_msg=name,
        )


def assert_same_labels(ours_labels, peer, X, dtype):
    """Labels equal except where scikit-learn itself is within rounding of a tie."""
    peer_labels = peer.predict(X)
    differ = np.flatnonzero(ours_labels != peer_labels)
    if differ.size:
        proba = np.sort(peer.predict_proba(X[differ]), axis=1)
        assert np.all(proba[:, -1] - proba[:, -2] < 2 * PROBA_ATOL[dtype]), differ


def assert_same_predictions(ours, peer, X, dtype=np.float64):
    rtol = RTOL[dtype]
    assert_same_labels(ours.predict(X), peer, X, dtype)
    proba = ours.predict_proba(X)
    assert proba.dtype == peer.predict_proba(X).dtype
    assert_allclose(proba, peer.predict_proba(X), rtol=0, atol=PROBA_ATOL[dtype])
    ss = ours.score_samples(X)
    assert ss.dtype == peer.score_samples(X).dtype
    close(ss, peer.score_samples(X), rtol)
    assert_allclose(ours.score(X), peer.score(X), rtol=rtol)
    assert_allclose(ours.bic(X), peer.bic(X), rtol=rtol)
    assert_allclose(ours.aic(X), peer.aic(X), rtol=rtol)


# ----------------------------------------------------------------- parity
# float32 only from starts away from a saddle: "random" begins with nearly equal
# components and "random_from_data" with one point each, and from there float32
# rounding differences (a few ulps per step) grow past any useful tolerance.
PARITY_CASES = [
    (ct, init, np.float64) for ct in COV_TYPES for init in INITS + ("explicit",)
] + [
    (ct, init, np.float32)
    for ct in COV_TYPES
    for init in ("kmeans", "k-means++", "explicit")
]


@pytest.mark.parametrize("covariance_type,init,dtype", PARITY_CASES)
def test_parity(covariance_type, init, dtype):
    X = blobs(dtype=dtype)
    X_new = blobs(n=200, seed=5, dtype=dtype)
    params = dict(n_components=3, covariance_type=covariance_type, random_state=0)
    if init == "explicit":
        params.update(explicit_init(X, 3, covariance_type))
    else:
        params["init_params"] = init
    peer, ours = fit_both(X, **params)
    assert_same_model(ours, peer, dtype)
    assert_same_predictions(ours, peer, X, dtype)
    assert_same_predictions(ours, peer, X_new, dtype)


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_best_of_n_init(covariance_type):
    # Overlapping clusters and random starts, so the inits end at different optima.
    X = blobs(n=400, d=2, k=4, seed=3, sep=2.0)
    peer, ours = fit_both(
        X,
        n_components=4,
        covariance_type=covariance_type,
        init_params="random_from_data",
        n_init=3,
        random_state=2,
    )
    assert_same_model(ours, peer)
    # n_init=m tries the first m starts of n_init=3 (one random stream): the best
    # bound can only grow with m (for "full" and "diag" the 2nd start wins)
    bounds = [
        fit_model(
            GaussianMixture,
            X,
            n_components=4,
            covariance_type=covariance_type,
            init_params="random_from_data",
            n_init=m,
            random_state=2,
        )[0].lower_bound_
        for m in (1, 2)
    ]
    bounds.append(ours.lower_bound_)
    assert bounds[0] <= bounds[1] <= bounds[2]


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_warm_start_continues(covariance_type):
    X = blobs(n=400)
    params = dict(
        n_components=3,
        covariance_type=covariance_type,
        warm_start=True,
        max_iter=2,
        n_init=2,
        init_params="random",
        random_state=0,
        tol=0.0,
    )
    peer, ours = PeerGM(**params), GaussianMixture(**params)
    for _ in range(3):  # n_init only counts for the first fit
        with pytest.warns(ConvergenceWarning, match=NOT_CONVERGED):
            peer.fit(X)
        with pytest.warns(ConvergenceWarning, match=NOT_CONVERGED):
            ours.fit(X)
        assert_same_model(ours, peer)
        assert ours.n_iter_ == 2


def test_warm_fits_chain_into_one_run():
    X = blobs(n=400)
    params = dict(n_components=3, init_params="random", random_state=0, tol=0.0)
    warm = GaussianMixture(warm_start=True, max_iter=2, **params)
    lower_bounds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(3):
            lower_bounds.extend(warm.fit(X).lower_bounds_)
        cold = GaussianMixture(max_iter=6, **params).fit(X)
    assert_allclose(lower_bounds, cold.lower_bounds_, rtol=1e-12)
    for name in PARAMS:
        close(getattr(warm, name), getattr(cold, name), 1e-10, err_msg=name)


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_max_iter_zero_is_the_initialization(covariance_type):
    X = blobs(n=300)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # none expected
        peer, ours = fit_both(
            X,
            n_components=3,
            covariance_type=covariance_type,
            max_iter=0,
            random_state=0,
        )
    assert ours.n_iter_ == 0 and not ours.converged_
    assert ours.lower_bound_ == -np.inf and len(ours.lower_bounds_) == 0
    assert_same_model(ours, peer)
    assert_same_predictions(ours, peer, X)


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_one_component(covariance_type):
    X = blobs(n=300, d=4, k=2)
    peer, ours = fit_both(
        X, n_components=1, covariance_type=covariance_type, random_state=0
    )
    assert_same_model(ours, peer)
    assert_same_predictions(ours, peer, X)
    assert_array_equal(ours.predict(X), 0)
    # one component: the maximum-likelihood Gaussian, reached in two steps
    close(ours.means_[0], X.mean(0), 1e-10)
    assert ours.n_iter_ == 2 and ours.converged_


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_not_converged_warns_like_sklearn(covariance_type):
    X = blobs(n=300)
    params = dict(
        n_components=3,
        covariance_type=covariance_type,
        tol=0.0,
        max_iter=4,
        random_state=0,
    )
    for cls in (PeerGM, GaussianMixture):
        with pytest.warns(ConvergenceWarning, match=NOT_CONVERGED):
            cls(**params).fit(X)
    peer, ours = fit_both(X, **params)
    assert not ours.converged_ and ours.n_iter_ == 4
    assert_same_model(ours, peer)


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_fit_predict_is_fit_then_predict(covariance_type):
    X = blobs(n=400, sep=2.5)
    params = dict(
        n_components=3,
        covariance_type=covariance_type,
        random_state=0,
        max_iter=3,
        tol=0.0,
    )  # labels still moving: final E-step matters
    ours, _, labels = fit_model(GaussianMixture, X, method="fit_predict", **params)
    assert labels.shape == (len(X),)
    assert_array_equal(labels, ours.predict(X))
    refit, _, _ = fit_model(GaussianMixture, X, **params)
    assert_array_equal(labels, refit.predict(X))
    peer, _, _ = fit_model(PeerGM, X, **params)
    assert_same_labels(labels, peer, X, np.float64)


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_sample_like_sklearn(covariance_type):
    X = blobs(n=400)
    peer, ours = fit_both(
        X, n_components=3, covariance_type=covariance_type, random_state=4
    )
    Xs, ys = ours.sample(500)
    Xp, yp = peer.sample(500)
    assert Xs.shape == (500, 3) and Xs.dtype == Xp.dtype
    assert_array_equal(ys, yp)
    close(Xs, Xp, 1e-6)
    # check_random_state(int) each call: the same draw again
    assert_array_equal(ours.sample(500)[0], Xs)
    Xs1, ys1 = ours.sample(1)
    assert Xs1.shape == (1, 3) and ys1.shape == (1,)


def test_float32_keeps_float32_everywhere():
    X = blobs(n=300, dtype=np.float32)
    ours = fit_model(GaussianMixture, X, n_components=3, random_state=0)[0]
    for name in PARAMS:
        assert getattr(ours, name).dtype == np.float32, name
    assert ours.score_samples(X).dtype == np.float32
    assert ours.predict_proba(X).dtype == np.float32


# ------------------------------------------------------------- properties
@pytest.mark.parametrize("covariance_type", COV_TYPES)
@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 4),
    d=st.integers(1, 4),
    per_component=st.integers(10, 50),
    spread=st.floats(0.0, 6.0),
    scale=st.floats(1e-2, 1e2),
    init=st.sampled_from(INITS),
)
def test_lower_bounds_never_decrease(
    covariance_type, seed, k, d, per_component, spread, scale, init
):
    rng = np.random.default_rng(seed)
    n = k * per_component
    X = scale * (
        spread * rng.normal(size=(k, d))[rng.integers(0, k, n)]
        + rng.normal(size=(n, d)) * rng.uniform(0.2, 2.0, size=d)
    )
    # reg_covar=0: exact EM, whose likelihood provably never decreases (with
    # reg_covar > 0 the M-step is not the maximizer, and it can dip).
    model = GaussianMixture(
        n_components=k,
        covariance_type=covariance_type,
        init_params=init,
        reg_covar=0.0,
        tol=0.0,
        max_iter=25,
        random_state=seed % 1000,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X)
    except ValueError as exc:  # a component collapsed onto too few points
        assert ILL_DEFINED in str(exc)
        assume(False)
    # Near the likelihood's singularities (a component on fewer than ~d+1 points,
    # its variance -> 0) the covariance is rounding noise, in scikit-learn too,
    # and the bound can dip by ~1e-3: the property is about the regular case.
    assume(model.weights_.min() * n >= 2 * (d + 1))
    lb = np.asarray(model.lower_bounds_, dtype=np.float64)
    assert len(lb) == model.n_iter_ == 25
    assert lb[-1] == model.lower_bound_
    assert np.all(np.isfinite(lb))
    assert np.all(np.diff(lb) >= -1e-10 * np.maximum(np.abs(lb[1:]), 1.0)), np.diff(lb)


# ----------------------------------------------------------------- extras
def test_callback_once_per_iteration():
    X = blobs(n=400)
    calls = []
    params = dict(n_components=3, random_state=0, tol=1e-6, init_params="random")
    ours = GaussianMixture(**params).fit(X, callback=lambda *a: calls.append(a))
    peer = PeerGM(**params).fit(X)
    assert ours.n_iter_ > 3
    assert [c[0] for c in calls] == list(range(1, ours.n_iter_ + 1))
    bounds = np.array([c[1] for c in calls], dtype=np.float64)
    assert_array_equal(bounds, np.asarray(ours.lower_bounds_, dtype=np.float64))
    assert_allclose(bounds, peer.lower_bounds_, rtol=1e-7)
    changes = np.array([c[2] for c in calls], dtype=np.float64)
    assert_allclose(changes[1:], np.diff(bounds), rtol=1e-9, atol=1e-14)
    assert abs(changes[-1]) < params["tol"] <= abs(changes[-2])

    calls.clear()
    GaussianMixture(**params, max_iter=0).fit(X, callback=lambda *a: calls.append(a))
    assert calls == []


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_fit_chunks_equals_fit_on_concatenation(covariance_type):
    X = blobs(n=500)
    chunks = np.split(X, [1, 60, 61, 300])  # includes single-row chunks
    params = dict(
        n_components=3,
        covariance_type=covariance_type,
        **explicit_init(X, 3, covariance_type),
    )
    peer, ours_full = fit_both(X, **params)
    ours_list = GaussianMixture(**params)
    ours_list.fit_chunks(chunks)
    ours_callable = GaussianMixture(**params)
    ours_callable.fit_chunks(lambda: (c for c in chunks))  # a fresh generator per pass
    for model in (ours_list, ours_callable):
        assert_same_model(model, peer)
        assert_same_model(model, ours_full)
        assert_same_predictions(model, peer, X)


def test_fit_chunks_float32_stays_float32():
    X = blobs(n=300, dtype=np.float32)
    params = dict(n_components=3, **explicit_init(X, 3, "full"))
    model = GaussianMixture(**params)
    model.fit_chunks(np.array_split(X, 4))
    peer = fit_model(PeerGM, X, **params)[0]
    assert_same_model(model, peer, np.float32)


def test_partial_fit_returns_self_and_fits():
    X = blobs(n=300)
    model = GaussianMixture(n_components=3, random_state=0)
    assert model.partial_fit(X[:150]) is model
    assert model.means_.shape == (3, 3) and np.all(np.isfinite(model.means_))
    assert model.partial_fit(X[150:]) is model
    assert model.predict(X).shape == (300,)
    assert np.isfinite(model.score(X))


# -------------------------------------------------------------- bad input
X_BAD = blobs(n=50, d=2, k=2)


def with_value(X, value):
    X = X.copy()
    X[3, 1] = value
    return X


BAD_FIT = {
    "nan": (dict(), with_value(X_BAD, np.nan), r"Input X contains NaN"),
    "inf": (dict(), with_value(X_BAD, np.inf), r"Input X contains infinity"),
    "-inf": (dict(), with_value(X_BAD, -np.inf), r"Input X contains infinity"),
    "1-D X": (dict(), X_BAD[:, 0], r"Expected 2D array, got 1D array"),
    "3-D X": (dict(), X_BAD[:, :, None], r"Found array with dim 3"),
    "empty X": (dict(), X_BAD[:0], r"Found array with 0 sample\(s\)"),
    "one sample": (dict(), X_BAD[:1], r"Found array with 1 sample\(s\)"),
    "complex X": (dict(), X_BAD.astype(complex), r"Complex data not supported"),
    "strings": (
        dict(),
        np.full(X_BAD.shape, "a"),
        r"could not convert string to float",
    ),
    "n_samples < n_components": (
        dict(n_components=5),
        X_BAD[:4],
        r"Expected n_samples >= n_components",
    ),
    "weights length": (
        dict(weights_init=[0.2, 0.3, 0.5]),
        X_BAD,
        r"'weights' should have the shape of \(2,\)",
    ),
    "weights sum": (
        dict(weights_init=[0.3, 0.6]),
        X_BAD,
        r"'weights' should be normalized",
    ),
    "weights range": (
        dict(weights_init=[-0.5, 1.5]),
        X_BAD,
        r"'weights' should be in the range \[0, 1\]",
    ),
    "means shape": (
        dict(means_init=np.zeros((2, 3))),
        X_BAD,
        r"'means' should have the shape of \(2, 2\)",
    ),
    "means count": (
        dict(means_init=np.zeros((3, 2))),
        X_BAD,
        r"'means' should have the shape of \(2, 2\)",
    ),
    "full precision shape": (
        dict(precisions_init=np.stack([np.eye(2)] * 3)),
        X_BAD,
        r"'full precision' should have the shape of \(2, 2, 2\)",
    ),
    "tied precision shape": (
        dict(covariance_type="tied", precisions_init=np.eye(3)),
        X_BAD,
        r"'tied precision' should have the shape of \(2, 2\)",
    ),
    "diag precision shape": (
        dict(covariance_type="diag", precisions_init=np.ones(2)),
        X_BAD,
        r"'diag precision' should have the shape of \(2, 2\)",
    ),
    "spherical precision shape": (
        dict(covariance_type="spherical", precisions_init=np.ones((2, 2))),
        X_BAD,
        r"'spherical precision' should have the shape of \(2,\)",
    ),
    "full precision not PD": (
        dict(precisions_init=np.stack([np.eye(2), [[1.0, 2.0], [2.0, 1.0]]])),
        X_BAD,
        r"'full precision' should be symmetric, positive-definite",
    ),
    "full precision not symmetric": (
        dict(precisions_init=np.stack([np.eye(2), [[1.0, 0.5], [0.0, 1.0]]])),
        X_BAD,
        r"'full precision' should be symmetric, positive-definite",
    ),
    "tied precision not PD": (
        dict(covariance_type="tied", precisions_init=-np.eye(2)),
        X_BAD,
        r"'tied precision' should be symmetric, positive-definite",
    ),
    "diag precision not positive": (
        dict(covariance_type="diag", precisions_init=[[1.0, 1.0], [1.0, 0.0]]),
        X_BAD,
        r"'diag precision' should be positive",
    ),
    "spherical precision not positive": (
        dict(covariance_type="spherical", precisions_init=[1.0, -1.0]),
        X_BAD,
        r"'spherical precision' should be positive",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FIT), ids=list(BAD_FIT))
@pytest.mark.parametrize("method", ["fit", "fit_predict"])
def test_bad_fit_input(case, method):
    params, X, match = BAD_FIT[case]
    params = dict(dict(n_components=2, random_state=0), **params)
    with pytest.raises(ValueError, match=match):  # the oracle agrees
        getattr(PeerGM(**params), method)(X)
    with pytest.raises(ValueError, match=match):
        getattr(GaussianMixture(**params), method)(X)


BAD_PARAMS = [
    ("n_components", 0),
    ("n_components", 1.5),
    ("covariance_type", "foo"),
    ("tol", -1.0),
    ("reg_covar", -1e-6),
    ("max_iter", -1),
    ("n_init", 0),
    ("init_params", "bar"),
    ("random_state", "zero"),
    ("warm_start", "yes"),
    ("verbose_interval", 0),
]


@pytest.mark.parametrize("name,value", BAD_PARAMS)
def test_bad_constructor_params(name, value):
    match = rf"The '{name}' parameter of GaussianMixture must be"
    with pytest.raises(ValueError, match=match):
        PeerGM(**{name: value}).fit(X_BAD)
    with pytest.raises(ValueError, match=match) as info:
        GaussianMixture(**{name: value}).fit(X_BAD)
    assert isinstance(info.value, TypeError)  # InvalidParameterError is both


PREDICT_METHODS = ["predict", "predict_proba", "score_samples", "score", "bic", "aic"]


@pytest.fixture(scope="module")
def fitted():
    return GaussianMixture(n_components=2, random_state=0).fit(X_BAD)


@pytest.mark.parametrize("method", PREDICT_METHODS)
def test_bad_predict_input(fitted, method):
    call = getattr(fitted, method)
    with pytest.raises(
        ValueError,
        match=r"X has 3 features, but GaussianMixture "
        r"is expecting 2 features as input",
    ):
        call(np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"Input X contains NaN"):
        call(with_value(X_BAD, np.nan))
    with pytest.raises(ValueError, match=r"Input X contains infinity"):
        call(with_value(X_BAD, np.inf))
    with pytest.raises(ValueError, match=r"Expected 2D array, got 1D array"):
        call(X_BAD[:, 0])


@pytest.mark.parametrize("method", PREDICT_METHODS + ["sample"])
def test_unfitted_model(method):
    args = (1,) if method == "sample" else (X_BAD,)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(PeerGM(n_components=2), method)(*args)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(GaussianMixture(n_components=2), method)(*args)


def test_sample_needs_at_least_one(fitted):
    with pytest.raises(ValueError, match=r"Invalid value for 'n_samples'"):
        fitted.sample(0)


def test_fit_chunks_bad_input():
    chunks = np.array_split(X_BAD, 3)
    with pytest.raises(ValueError, match=r"NaN"):
        GaussianMixture(n_components=2, random_state=0).fit_chunks(
            chunks[:2] + [with_value(chunks[2], np.nan)]
        )
    with pytest.raises(ValueError, match=r"(?i)shape|features"):
        GaussianMixture(n_components=2, random_state=0).fit_chunks(
            chunks[:2] + [np.zeros((5, 3))]
        )


# ------------------------------------------- more components than points
@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_more_components_than_distinct_points(covariance_type):
    # 2 distinct points, exactly representable so that the empirical covariances
    # are exactly zero (not rounding noise, which could go either way)
    X = np.repeat([[0.0, 0.0], [1.0, 2.0]], 50, axis=0)
    params = dict(n_components=3, covariance_type=covariance_type, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # KMeans: 2 clusters
        for cls in (PeerGM, GaussianMixture):
            with pytest.raises(ValueError, match=ILL_DEFINED):
                cls(reg_covar=0.0, **params).fit(X)
        peer, ours = fit_both(X, **params)
    assert_same_model(ours, peer)
    assert_same_predictions(ours, peer, X)


def test_ill_defined_float32_message():
    X = np.repeat(np.eye(2, dtype=np.float32), 20, axis=0)
    match = ILL_DEFINED + r".*passing float64"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(ValueError, match=match):
            PeerGM(n_components=3, reg_covar=0.0, random_state=0).fit(X)
        with pytest.raises(ValueError, match=match):
            GaussianMixture(n_components=3, reg_covar=0.0, random_state=0).fit(X)


# ------------------------------------------------ scikit-learn's checks
@parametrize_with_checks([GaussianMixture()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_clone_keeps_params():
    model = GaussianMixture(
        n_components=4,
        covariance_type="diag",
        tol=1e-4,
        reg_covar=1e-5,
        max_iter=7,
        n_init=2,
        init_params="k-means++",
        random_state=3,
        warm_start=True,
        verbose=0,
        verbose_interval=5,
    )
    assert clone(model).get_params() == model.get_params()
    assert set(model.get_params()) == set(PeerGM().get_params())


# --------------------------------------------------------------- threads
def test_predict_from_two_threads(run_in_threads):
    X = blobs(n=2000, d=4, k=4)
    model = fit_model(GaussianMixture, X, n_components=4, random_state=0)[0]
    labels, proba = model.predict(X), model.predict_proba(X)
    for got_labels, got_proba in run_in_threads(
        lambda: (model.predict(X), model.predict_proba(X))
    ):
        assert_array_equal(got_labels, labels)
        assert_array_equal(got_proba, proba)
