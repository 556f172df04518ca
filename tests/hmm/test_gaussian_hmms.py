"""GaussianHMM and GMMHMM against hmmlearn (same parameters, same answers),
against brute force on tiny models, and on bad input."""

import itertools

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from fastapml.hmm import GMMHMM, GaussianHMM

hmm = pytest.importorskip("hmmlearn.hmm")

TYPES = ("spherical", "diag", "full", "tied")


def _covars(rng, covariance_type, lead, d):
    """Random covariances in hmmlearn's layout, ``lead`` the leading shape."""
    if covariance_type == "spherical":
        return rng.uniform(0.5, 2.0, size=lead)
    if covariance_type == "diag":
        return rng.uniform(0.5, 2.0, size=lead + (d,))
    a = rng.normal(size=lead + (d, d))
    return a @ np.swapaxes(a, -1, -2) / d + 0.5 * np.eye(d)


def _chain(rng, k):
    startprob = rng.dirichlet(np.ones(k))
    transmat = rng.dirichlet(np.ones(k), size=k) + 2 * np.eye(k)
    return startprob, transmat / transmat.sum(axis=1, keepdims=True)


def _gaussian_pair(covariance_type, k=3, d=2, seed=0, **kwargs):
    """The same parameterized GaussianHMM in hmmlearn and in fastapml."""
    rng = np.random.RandomState(seed)
    startprob, transmat = _chain(rng, k)
    means = rng.normal(scale=3.0, size=(k, d))
    lead = () if covariance_type == "tied" else (k,)
    covars = _covars(rng, covariance_type, lead, d)
    models = []
    for cls in (hmm.GaussianHMM, GaussianHMM):
        m = cls(k, covariance_type, init_params="", **kwargs)
        m.startprob_, m.transmat_ = startprob.copy(), transmat.copy()
        m.means_, m.covars_ = means.copy(), covars.copy()
        models.append(m)
    return models


def _gmm_pair(covariance_type, k=3, m=2, d=2, seed=0, **kwargs):
    rng = np.random.RandomState(seed)
    startprob, transmat = _chain(rng, k)
    weights = rng.dirichlet(np.ones(m), size=k)
    means = rng.normal(scale=3.0, size=(k, m, d))
    lead = (k,) if covariance_type == "tied" else (k, m)
    covars = _covars(rng, covariance_type, lead, d)
    models = []
    for cls in (hmm.GMMHMM, GMMHMM):
        h = cls(k, m, covariance_type=covariance_type, init_params="", **kwargs)
        h.startprob_, h.transmat_ = startprob.copy(), transmat.copy()
        h.weights_, h.means_, h.covars_ = weights.copy(), means.copy(), covars.copy()
        models.append(h)
    return models


def _data(model, lengths, seed=1):
    X, _ = model.sample(int(sum(lengths)), random_state=seed)
    return X


PAIRS = [(_gaussian_pair, t) for t in TYPES] + [(_gmm_pair, t) for t in TYPES]
PAIR_IDS = [f"{f.__name__[1:-5]}-{t}" for f, t in PAIRS]


@pytest.mark.parametrize(("make", "covariance_type"), PAIRS, ids=PAIR_IDS)
def test_inference_matches_hmmlearn(make, covariance_type):
    theirs, ours = make(covariance_type)
    lengths = [40, 1, 25, 60]
    X = _data(theirs, lengths)
    assert ours.score(X, lengths) == pytest.approx(theirs.score(X, lengths), rel=1e-10)
    ll_t, post_t = theirs.score_samples(X, lengths)
    ll_o, post_o = ours.score_samples(X, lengths)
    assert ll_o == pytest.approx(ll_t, rel=1e-10)
    np.testing.assert_allclose(post_o, post_t, atol=1e-10)
    for algorithm in ("viterbi", "map"):
        lp_t, path_t = theirs.decode(X, lengths, algorithm=algorithm)
        lp_o, path_o = ours.decode(X, lengths, algorithm=algorithm)
        assert lp_o == pytest.approx(lp_t, rel=1e-10)
        np.testing.assert_array_equal(path_o, path_t)
    assert ours.aic(X, lengths) == pytest.approx(theirs.aic(X, lengths), rel=1e-10)
    assert ours.bic(X, lengths) == pytest.approx(theirs.bic(X, lengths), rel=1e-10)
    np.testing.assert_allclose(
        ours.get_stationary_distribution(),
        theirs.get_stationary_distribution(),
        atol=1e-12,
    )


@pytest.mark.parametrize(("make", "covariance_type"), PAIRS, ids=PAIR_IDS)
def test_sampling_matches_hmmlearn_draw_for_draw(make, covariance_type):
    theirs, ours = make(covariance_type)
    X_t, s_t = theirs.sample(200, random_state=7)
    X_o, s_o = ours.sample(200, random_state=7)
    np.testing.assert_array_equal(s_o, s_t)
    np.testing.assert_allclose(X_o, X_t, rtol=1e-12, atol=1e-12)
    X_t, s_t = theirs.sample(20, random_state=8, currstate=1)
    X_o, s_o = ours.sample(20, random_state=8, currstate=1)
    np.testing.assert_array_equal(s_o, s_t)
    np.testing.assert_allclose(X_o, X_t, rtol=1e-12, atol=1e-12)


def _same_fit(theirs, ours, X, lengths, names):
    theirs.fit(X, lengths)
    ours.fit(X, lengths)
    assert ours.monitor_.iter == theirs.monitor_.iter
    np.testing.assert_allclose(
        ours.monitor_.history, theirs.monitor_.history, rtol=1e-10
    )
    for name in names:
        got, want = getattr(ours, name), getattr(theirs, name)
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("covariance_type", TYPES)
def test_gaussian_fit_matches_hmmlearn(covariance_type):
    """Same start, same iterations: parameters to 1e-8, with MAP priors."""
    kwargs = dict(n_iter=6, tol=-np.inf, means_weight=0.5, means_prior=0.2)
    if covariance_type in ("full", "tied"):
        kwargs["covars_weight"] = 5.0
    theirs, ours = _gaussian_pair(covariance_type, **kwargs)
    lengths = [50, 3, 80, 70]
    X = _data(theirs, lengths)
    # start both from a perturbed model
    for model in (theirs, ours):
        model.means_ = model.means_ + 0.7
    _same_fit(theirs, ours, X, lengths, ["startprob_", "transmat_", "means_"])
    _same_covars(theirs, ours)


def _same_covars(theirs, ours):
    """hmmlearn keeps a fitted spherical model's variances tiled to (K, d)
    (and its covars_ getter then returns K * d matrices); fastapml keeps
    (K,)."""
    want = theirs._covars_
    if ours.covariance_type == "spherical":
        want = want.reshape(ours.n_components, -1)[:, 0]
    np.testing.assert_allclose(ours._covars_, want, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("covariance_type", TYPES)
def test_gmm_fit_matches_hmmlearn(covariance_type):
    theirs, ours = _gmm_pair(covariance_type, n_iter=5, tol=-np.inf)
    lengths = [60, 2, 90, 70]
    X = _data(theirs, lengths)
    for model in (theirs, ours):
        model.means_ = model.means_ + 0.4
    _same_fit(
        theirs,
        ours,
        X,
        lengths,
        ["startprob_", "transmat_", "weights_", "means_", "covars_"],
    )


@pytest.mark.parametrize("covariance_type", TYPES)
def test_initialization_matches_hmmlearn(covariance_type):
    """With init_params="stmc" and an int seed: hmmlearn's Dirichlet draws
    and its scikit-learn k-means, then the same EM."""
    rng = np.random.RandomState(3)
    X = np.concatenate([rng.normal(size=(150, 2)), rng.normal(4.0, 1.0, (150, 2))])
    lengths = [100, 200]
    theirs = hmm.GaussianHMM(2, covariance_type, random_state=5, n_iter=4, tol=-1)
    ours = GaussianHMM(2, covariance_type, random_state=5, n_iter=4, tol=-1)
    _same_fit(theirs, ours, X, lengths, ["startprob_", "transmat_", "means_"])
    _same_covars(theirs, ours)
    np.random.seed(11)
    theirs = hmm.GMMHMM(2, 2, covariance_type=covariance_type, random_state=5, n_iter=3)
    np.random.seed(11)
    ours = GMMHMM(2, 2, covariance_type=covariance_type, random_state=5, n_iter=3)
    _same_fit(theirs, ours, X, lengths, ["weights_", "means_", "covars_"])


@pytest.mark.parametrize("covariance_type", TYPES)
def test_brute_force_likelihood_and_path(covariance_type):
    """score and decode against summing and maximizing over all K^T paths."""
    _, model = _gaussian_pair(covariance_type, k=2, d=2, seed=4)
    X = np.random.RandomState(5).normal(scale=2.0, size=(5, 2))
    densities = np.array(
        [
            multivariate_normal(model.means_[k], model.covars_[k]).pdf(X)
            for k in range(2)
        ]
    ).T
    best, total = (-np.inf, None), 0.0
    for path in itertools.product(range(2), repeat=len(X)):
        p = model.startprob_[path[0]] * densities[0, path[0]]
        for t in range(1, len(X)):
            p *= model.transmat_[path[t - 1], path[t]] * densities[t, path[t]]
        total += p
        best = max(best, (np.log(p), path))
    assert model.score(X) == pytest.approx(np.log(total), rel=1e-12)
    log_prob, path = model.decode(X)
    assert log_prob == pytest.approx(best[0], rel=1e-12)
    assert tuple(path) == best[1]


@pytest.mark.parametrize("cls", [GaussianHMM, GMMHMM])
def test_log_likelihood_never_decreases(cls):
    rng = np.random.RandomState(2)
    X = np.concatenate([rng.normal(size=(300, 3)), rng.normal(3.0, 0.5, (300, 3))])
    kwargs = {"n_mix": 2} if cls is GMMHMM else {}
    model = cls(
        3, covariance_type="full", n_iter=25, tol=-np.inf, random_state=0, **kwargs
    )
    history = np.array(model.fit(X, [200, 400]).monitor_.history)
    assert len(history) == 25
    assert (np.diff(history) >= -1e-8 * np.abs(history[1:])).all(), np.diff(history)


@pytest.mark.parametrize("cls", [GaussianHMM, GMMHMM])
def test_float32_fits_close_to_float64(cls):
    rng = np.random.RandomState(4)
    X = np.concatenate([rng.normal(size=(300, 2)), rng.normal(5.0, 1.0, (300, 2))])
    kwargs = {"n_mix": 2} if cls is GMMHMM else {}
    np.random.seed(0)
    a = cls(2, random_state=0, n_iter=5, **kwargs).fit(X)
    np.random.seed(0)
    b = cls(2, random_state=0, n_iter=5, **kwargs).fit(X.astype(np.float32))
    np.testing.assert_allclose(b.means_, a.means_, rtol=1e-3, atol=1e-3)
    assert b.score(X.astype(np.float32)) == pytest.approx(a.score(X), rel=1e-4)


@pytest.mark.parametrize("cls", [GaussianHMM, GMMHMM])
def test_save_and_load(tmp_path, cls):
    rng = np.random.RandomState(6)
    X = rng.normal(size=(200, 2))
    kwargs = {"n_mix": 2} if cls is GMMHMM else {"covariance_type": "tied"}
    np.random.seed(0)
    model = cls(2, random_state=0, n_iter=3, **kwargs).fit(X)
    model.save(tmp_path / "m.npz")
    again = cls.load(tmp_path / "m.npz")
    assert again.score(X) == model.score(X)
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    assert again.get_params() == model.get_params()


# ----------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------
def _fitted():
    _, model = _gaussian_pair("diag")
    return model


@pytest.mark.parametrize(
    ("X", "lengths", "words"),
    [
        (np.ones((10, 3)), None, ("3 features", "2")),
        (np.array([[0.0, np.nan]] * 4), None, ("X", "NaN")),
        (np.ones((10, 2)), [4, 4], ("lengths",)),
        (np.ones((10, 2)), [12, -2], ("lengths",)),
        (np.ones(10), None, ("X", "2")),
    ],
)
def test_bad_observations(X, lengths, words):
    model = _fitted()
    for call in (model.score, model.predict, model.predict_proba, model.fit):
        with pytest.raises(ValueError) as info:
            call(X, lengths)
        for word in words:
            assert word in str(info.value)


@pytest.mark.parametrize(
    ("covariance_type", "covars"),
    [
        ("diag", [[1.0, 0.0], [1.0, 1.0], [1.0, 1.0]]),
        ("spherical", [1.0, -1.0, 1.0]),
        ("full", np.stack([np.eye(2), [[1.0, 1.0], [1.0, 1.0]], np.eye(2)])),
        ("tied", [[1.0, 2.0], [2.0, 1.0]]),
        ("full", np.stack([np.eye(2), [[1.0, 0.5], [0.0, 1.0]], np.eye(2)])),
    ],
)
def test_singular_or_asymmetric_covariances(covariance_type, covars):
    model = GaussianHMM(3, covariance_type)
    with pytest.raises(ValueError, match="covars_"):
        model.covars_ = np.array(covars)


ZERO_VARIANCE = np.array(  # hmmlearn's issue 2: a constant first column
    [
        [715.0, 585.0, 0.0, 0.0],
        [715.0, 520.0, 1.04705811, -60.3696289],
        [715.0, 455.0, 0.72088623, -52.7055664],
        [715.0, 390.0, -0.457946777, -78.0605469],
        [715.0, 325.0, -6.43127441, -55.9954834],
        [715.0, 260.0, -2.90063477, -78.0220947],
        [715.0, 195.0, 8.45532227, -70.3294373],
        [715.0, 130.0, 4.09387207, -58.3621216],
        [715.0, 65.0, -1.2166748, -44.8131409],
    ]
)


def test_degenerate_fit_is_regularized_as_hmmlearn():
    """An M-step that leaves a singular covariance: both libraries add 1e-7
    to its diagonal for the densities and go on.  They agree until the
    collapse; after it, which matrices need the 1e-7 is decided by rounding
    at the 1e-18 level, so the two runs part ways."""
    kwargs = dict(n_components=3, covariance_type="full", n_iter=10, random_state=0)
    theirs = hmm.GaussianHMM(**kwargs).fit(ZERO_VARIANCE)
    ours = GaussianHMM(**kwargs).fit(ZERO_VARIANCE)
    assert np.linalg.eigvalsh(ours._covars_).min() < 1e-9  # it did collapse
    assert np.isfinite(ours.monitor_.history).all()
    np.testing.assert_allclose(
        list(ours.monitor_.history)[:4], list(theirs.monitor_.history)[:4], rtol=1e-6
    )
    assert np.isfinite(ours.score(ZERO_VARIANCE))


def test_covariance_beyond_regularization_is_a_clear_error():
    _, model = _gaussian_pair("full")
    model._covars_ = np.stack([np.eye(2), -np.eye(2), np.eye(2)])  # bypasses the setter
    with pytest.raises(ValueError, match="positive definite"):
        model.score(np.zeros((4, 2)))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"covariance_type": "round"}, "covariance_type"),
        ({"n_components": 0}, "n_components"),
        ({"min_covar": -1.0}, "min_covar"),
        ({"startprob_prior": -1.0}, "startprob_prior"),
        ({"means_prior": np.nan}, "means_prior"),
        ({"algorithm": "best"}, "algorithm"),
    ],
)
def test_bad_hyperparameters(params, message):
    X = np.random.RandomState(0).normal(size=(30, 2))
    with pytest.raises(ValueError, match=message):
        GaussianHMM(**{"n_components": 2, **params}).fit(X)


def test_gmm_bad_shapes():
    _, model = _gmm_pair("diag")
    model.weights_ = np.full((3, 3), 1 / 3)
    with pytest.raises(ValueError, match="weights_"):
        model.score(np.zeros((4, 2)))


@pytest.mark.parametrize(
    ("make", "name", "value"),
    [
        (_gaussian_pair, "means_prior", np.zeros((2, 5))),
        (_gaussian_pair, "covars_prior", np.zeros(7)),
        (_gaussian_pair, "means_weight", np.ones(3)),
        (_gmm_pair, "covars_prior", np.zeros(4)),
        (_gmm_pair, "weights_prior", np.ones((3, 5))),
    ],
)
def test_priors_that_do_not_fit_the_parameters(make, name, value):
    _, model = make("diag")
    setattr(model, name, value)
    with pytest.raises((ValueError, TypeError), match=name):
        model.fit(np.random.RandomState(0).normal(size=(40, 2)))
