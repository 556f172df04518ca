"""CategoricalHMM: textbook answer, parity with hmmlearn, supervised fitting,
EM's monotone log-likelihood, and bad input."""

import inspect
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from fastapml import reference as ref
from fastapml.hmm import CategoricalHMM

hmmlearn_hmm = pytest.importorskip("hmmlearn.hmm", reason="hmmlearn is the parity peer")
PeerHMM = hmmlearn_hmm.CategoricalHMM

PARAMS = ("startprob_", "transmat_", "emissionprob_")
LENGTHS = [10, 1, 7, 15, 20]


def random_params(rng, k, m, zeros=False):
    start = rng.dirichlet(np.ones(k))
    trans = rng.dirichlet(np.ones(k), size=k)
    emit = rng.dirichlet(np.ones(m), size=k)
    if zeros:  # some impossible transitions and emissions, rows still valid
        trans[0, -1] = 0
        trans /= trans.sum(1, keepdims=True)
        emit[-1, 0] = 0
        emit /= emit.sum(1, keepdims=True)
    return dict(startprob_=start, transmat_=trans, emissionprob_=emit)


def set_params(model, params):
    for name, value in params.items():
        setattr(model, name, value.copy())
    return model


def pair(values, **kw):
    """A hmmlearn model and a fastapml model with the same parameters."""
    k = values["transmat_"].shape[0]
    return (
        set_params(PeerHMM(n_components=k, **kw), values),
        set_params(CategoricalHMM(n_components=k, **kw), values),
    )


def sample_data(params, lengths=LENGTHS, seed=0):
    peer, _ = pair(params)
    X, _ = peer.sample(sum(lengths), random_state=seed)
    return X, lengths


def make_problem(seed):
    """Parameters (K = 3 + seed, 4 symbols) and data sampled from them."""
    rng = np.random.default_rng(seed)
    params = random_params(rng, k=3 + seed, m=4, zeros=seed == 1)
    X, lengths = sample_data(params, seed=seed)
    return params, X, lengths


@pytest.fixture(params=[0, 1, 2])
def problem(request):
    return make_problem(request.param)


# --------------------------------------------------------------------------
# textbook and API shape
# --------------------------------------------------------------------------


def test_wikipedia_decode():
    model = CategoricalHMM(n_components=2)
    model.startprob_ = np.array([0.6, 0.4])
    model.transmat_ = np.array([[0.7, 0.3], [0.4, 0.6]])
    model.emissionprob_ = np.array([[0.5, 0.4, 0.1], [0.1, 0.3, 0.6]])
    log_prob, states = model.decode(np.array([[0], [1], [2]]))
    assert_array_equal(states, [0, 0, 1])
    assert_allclose(log_prob, math.log(0.01512), rtol=1e-12)
    assert_array_equal(model.predict(np.array([[0], [1], [2]])), [0, 0, 1])


def test_constructor_matches_hmmlearn():
    ours = inspect.signature(CategoricalHMM.__init__).parameters
    theirs = inspect.signature(PeerHMM.__init__).parameters
    assert list(ours) == list(theirs)
    for name in theirs:
        assert ours[name].kind == theirs[name].kind, name
        assert ours[name].default == theirs[name].default, name


def test_sklearn_estimator_protocol():
    model = CategoricalHMM(n_components=3, n_iter=4, random_state=1)
    assert clone(model).get_params() == model.get_params()
    X, _ = sample_data(random_params(np.random.default_rng(0), 3, 4))
    assert model.fit(X) is model
    params = random_params(np.random.default_rng(0), 3, 4)
    assert (
        set_params(CategoricalHMM(3), params)
        .fit_supervised(X, np.zeros(len(X), dtype=int))
        .n_features
        == 4
    )


# --------------------------------------------------------------------------
# inference parity with hmmlearn
# --------------------------------------------------------------------------


def test_decode_viterbi_matches_hmmlearn(problem):
    params, X, lengths = problem
    peer, ours = pair(params)
    for lens in (lengths, None):
        p_logprob, p_states = peer.decode(X, lens)
        logprob, states = ours.decode(X, lens)
        assert_array_equal(states, p_states)
        assert_allclose(logprob, p_logprob, rtol=1e-8)
        assert_array_equal(ours.predict(X, lens), peer.predict(X, lens))


def test_decode_map_matches_hmmlearn(problem):
    params, X, lengths = problem
    peer, ours = pair(params)
    p_logprob, p_states = peer.decode(X, lengths, algorithm="map")
    logprob, states = ours.decode(X, lengths, algorithm="map")
    assert_array_equal(states, p_states)
    assert_allclose(logprob, p_logprob, rtol=1e-8)
    # the constructor's algorithm is the default
    peer, ours = pair(params, algorithm="map")
    assert_array_equal(ours.predict(X, lengths), peer.predict(X, lengths))
    assert_allclose(ours.decode(X, lengths)[0], peer.decode(X, lengths)[0], rtol=1e-8)


def test_score_matches_hmmlearn(problem):
    params, X, lengths = problem
    peer, ours = pair(params)
    for lens in (lengths, None):
        assert_allclose(ours.score(X, lens), peer.score(X, lens), rtol=1e-8)
        p_logprob, p_post = peer.score_samples(X, lens)
        logprob, post = ours.score_samples(X, lens)
        assert isinstance(logprob, float)
        assert_allclose(logprob, p_logprob, rtol=1e-8)
        assert_allclose(post, p_post, rtol=1e-8, atol=1e-12)
        assert_allclose(
            ours.predict_proba(X, lens),
            peer.predict_proba(X, lens),
            rtol=1e-8,
            atol=1e-12,
        )


def test_score_of_impossible_data_matches_hmmlearn():
    params = random_params(np.random.default_rng(3), 2, 3)
    params["emissionprob_"][:, 2] = 0
    params["emissionprob_"] /= params["emissionprob_"].sum(1, keepdims=True)
    peer, ours = pair(params)
    X = np.array([[0], [2], [1]])
    with np.errstate(divide="ignore"):
        expected = peer.score(X)
    assert expected == ours.score(X) == -np.inf


def test_aic_bic_match_hmmlearn(problem):
    params, X, lengths = problem
    peer, ours = pair(params, n_features=params["emissionprob_"].shape[1])
    assert_allclose(ours.aic(X, lengths), peer.aic(X, lengths), rtol=1e-8)
    assert_allclose(ours.bic(X, lengths), peer.bic(X, lengths), rtol=1e-8)


@pytest.mark.parametrize("fitted_params", ["te", "e"])
def test_aic_bic_count_parameters_like_hmmlearn(fitted_params):
    # hmmlearn counts every free parameter, whatever ``params`` says
    params, X, lengths = make_problem(0)
    peer, ours = pair(
        params, params=fitted_params, n_features=params["emissionprob_"].shape[1]
    )
    assert_allclose(ours.aic(X, lengths), peer.aic(X, lengths), rtol=1e-8)
    assert_allclose(ours.bic(X, lengths), peer.bic(X, lengths), rtol=1e-8)


def test_n_features_larger_than_observed_symbols():
    params = random_params(np.random.default_rng(4), 2, 5)
    peer, ours = pair(params, n_features=5)
    X = np.array([[0], [1], [1], [0]])
    assert_allclose(ours.score(X), peer.score(X), rtol=1e-10)


# --------------------------------------------------------------------------
# sampling parity
# --------------------------------------------------------------------------


@pytest.mark.parametrize("currstate", [None, 0, 2])
@pytest.mark.parametrize("seed", [0, 7])
def test_sample_matches_hmmlearn(problem, currstate, seed):
    params, _, _ = problem
    peer, ours = pair(params)
    p_X, p_states = peer.sample(25, random_state=seed, currstate=currstate)
    X, states = ours.sample(25, random_state=seed, currstate=currstate)
    assert X.shape == (25, 1) and states.shape == (25,)
    assert_array_equal(X, p_X)
    assert_array_equal(states, p_states)
    if currstate is not None:
        assert states[0] == currstate
    # a RandomState passed in is advanced the same way
    rs_peer, rs_ours = np.random.RandomState(seed), np.random.RandomState(seed)
    peer.sample(5, random_state=rs_peer, currstate=currstate)
    ours.sample(5, random_state=rs_ours, currstate=currstate)
    assert rs_peer.rand() == rs_ours.rand()


def test_sample_uses_constructor_random_state(problem):
    params, _, _ = problem
    peer, ours = pair(params, random_state=3)
    for _ in range(2):
        assert_array_equal(ours.sample(10)[0], peer.sample(10)[0])
    peer = set_params(
        PeerHMM(peer.n_components, random_state=np.random.RandomState(5)), params
    )
    ours = set_params(
        CategoricalHMM(peer.n_components, random_state=np.random.RandomState(5)), params
    )
    for _ in range(2):  # a RandomState given to the constructor keeps advancing
        assert_array_equal(ours.sample(10)[1], peer.sample(10)[1])


def test_sample_after_fit_matches_hmmlearn():
    # hmmlearn's fit leaves its generator advanced past the initialization
    # draws, and a later sample() continues from there.
    params, X, lengths = make_problem(0)
    k = params["transmat_"].shape[0]
    peer = PeerHMM(n_components=k, n_iter=2, random_state=0).fit(X, lengths)
    ours = CategoricalHMM(n_components=k, n_iter=2, random_state=0).fit(X, lengths)
    assert_array_equal(ours.sample(20)[1], peer.sample(20)[1])


# --------------------------------------------------------------------------
# EM parity with hmmlearn
# --------------------------------------------------------------------------


def assert_fit_equal(peer, ours, rtol=1e-7):
    for name in PARAMS:
        assert_allclose(
            getattr(ours, name),
            getattr(peer, name),
            rtol=rtol,
            atol=1e-10,
            err_msg=name,
        )
    assert_allclose(list(ours.monitor_.history), list(peer.monitor_.history), rtol=1e-9)
    assert ours.monitor_.iter == peer.monitor_.iter


def test_fit_matches_hmmlearn(problem):
    params, X, lengths = problem
    k = params["transmat_"].shape[0]
    kw = dict(n_components=k, n_iter=5, tol=-1.0, random_state=0)
    peer = PeerHMM(**kw).fit(X, lengths)
    ours = CategoricalHMM(**kw).fit(X, lengths)
    assert len(ours.monitor_.history) == 5
    assert_fit_equal(peer, ours)


def test_fit_with_random_state_instance_matches_hmmlearn(problem):
    params, X, lengths = problem
    k = params["transmat_"].shape[0]
    peer = PeerHMM(k, n_iter=3, tol=-1.0, random_state=np.random.RandomState(4)).fit(
        X, lengths
    )
    ours = CategoricalHMM(
        k, n_iter=3, tol=-1.0, random_state=np.random.RandomState(4)
    ).fit(X, lengths)
    assert_fit_equal(peer, ours)


def test_fit_until_converged_matches_hmmlearn(problem):
    params, X, lengths = problem
    k = params["transmat_"].shape[0]
    peer = PeerHMM(k, n_iter=200, tol=1e-3, random_state=1).fit(X, lengths)
    ours = CategoricalHMM(k, n_iter=200, tol=1e-3, random_state=1).fit(X, lengths)
    assert ours.monitor_.iter < 200
    assert_fit_equal(peer, ours, rtol=1e-6)


def test_fit_with_infinite_tol_matches_hmmlearn():
    # tol=-inf (never stop early) is accepted by hmmlearn
    params, X, lengths = make_problem(0)
    k = params["transmat_"].shape[0]
    peer = PeerHMM(k, n_iter=4, tol=-np.inf, random_state=0).fit(X, lengths)
    ours = CategoricalHMM(k, n_iter=4, tol=-np.inf, random_state=0).fit(X, lengths)
    assert_fit_equal(peer, ours)


@pytest.mark.parametrize(
    "init_params, params", [("", "ste"), ("", "te"), ("s", "se"), ("te", "t")]
)
def test_fit_from_given_parameters_matches_hmmlearn(problem, init_params, params):
    start_params, X, lengths = problem
    peer, ours = pair(
        start_params,
        n_iter=5,
        tol=-1.0,
        random_state=2,
        init_params=init_params,
        params=params,
    )
    peer.fit(X, lengths)
    ours.fit(X, lengths)
    assert_fit_equal(peer, ours)
    for code, name in zip("ste", PARAMS):
        if code not in params and code not in init_params:
            assert_array_equal(getattr(ours, name), start_params[name])


@pytest.mark.parametrize(
    "priors",
    [
        dict(startprob_prior=2.5, transmat_prior=1.5, emissionprob_prior=3.0),
        dict(startprob_prior=0.9, transmat_prior=0.5, emissionprob_prior=0.8),
        "arrays",
    ],
)
def test_fit_with_priors_matches_hmmlearn(problem, priors):
    params, X, lengths = problem
    k, m = params["emissionprob_"].shape
    if priors == "arrays":
        rng = np.random.default_rng(0)
        priors = dict(
            startprob_prior=rng.uniform(1, 3, k),
            transmat_prior=rng.uniform(1, 3, (k, k)),
            emissionprob_prior=rng.uniform(1, 3, (k, m)),
        )
    peer = PeerHMM(k, n_iter=5, tol=-1.0, random_state=0, **priors).fit(X, lengths)
    ours = CategoricalHMM(k, n_iter=5, tol=-1.0, random_state=0, **priors).fit(
        X, lengths
    )
    assert_fit_equal(peer, ours)


@pytest.mark.parametrize("seed", range(6))
def test_em_log_likelihood_never_decreases(seed):
    rng = np.random.default_rng(seed)
    k, m = int(rng.integers(2, 6)), int(rng.integers(2, 7))
    params = random_params(rng, k, m)
    lengths = [int(x) for x in rng.integers(1, 40, size=6)]
    X, _ = sample_data(params, lengths, seed=seed)
    model = CategoricalHMM(k, n_features=m, n_iter=30, tol=-1.0, random_state=seed)
    model.fit(X, lengths)
    history = np.array(model.monitor_.history)
    assert history.size == 30 and np.isfinite(history).all()
    assert (np.diff(history) >= -1e-9 * np.abs(history[1:])).all(), history
    # the last reported value is the log-likelihood of the previous parameters,
    # so one more iteration's start is at least as good
    assert model.score(X, lengths) >= history[-1] - 1e-9 * abs(history[-1])


def test_fit_learns_from_zero_length_sequences_like_without_them(problem):
    params, X, lengths = problem
    k = params["transmat_"].shape[0]
    a = CategoricalHMM(k, n_iter=3, tol=-1.0, random_state=0).fit(X, lengths)
    b = CategoricalHMM(k, n_iter=3, tol=-1.0, random_state=0).fit(
        X, [0] + lengths[:2] + [0] + lengths[2:] + [0]
    )
    for name in PARAMS:
        assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-13)


# --------------------------------------------------------------------------
# supervised fitting
# --------------------------------------------------------------------------


def test_fit_supervised_recovers_the_model():
    rng = np.random.default_rng(10)
    params = random_params(rng, 3, 4)
    lengths = [2000] * 10
    peer, _ = pair(params)
    chunks = [peer.sample(n, random_state=i) for i, n in enumerate(lengths)]
    X = np.concatenate([c[0] for c in chunks])
    states = np.concatenate([c[1] for c in chunks])
    model = CategoricalHMM(3).fit_supervised(X, states, lengths)
    assert_allclose(model.transmat_, params["transmat_"], atol=0.03)
    assert_allclose(model.emissionprob_, params["emissionprob_"], atol=0.03)
    # 10 sequences say little about the start; it is their empirical frequency
    assert_allclose(
        model.startprob_,
        np.bincount(states[np.cumsum([0] + lengths[:-1])], minlength=3) / 10,
    )


def _counts_by_hand(X, states, lengths, k, m):
    start, trans, emit = np.zeros(k), np.zeros((k, k)), np.zeros((k, m))
    pos = 0
    for n in lengths:
        for t in range(n):
            s = states[pos + t]
            emit[s, X[pos + t][0]] += 1
            if t == 0:
                start[s] += 1
            else:
                trans[states[pos + t - 1], s] += 1
        pos += n
    return start, trans, emit


def _normalize_or_uniform(a):
    a = np.array(a, dtype=float)
    sums = a.sum(-1, keepdims=True)
    return np.where(sums == 0, 1.0 / a.shape[-1], a / np.where(sums == 0, 1, sums))


HAND_X = np.array([[0], [1], [1], [2], [0], [2], [2], [1], [0], [0]])
HAND_STATES = np.array([0, 1, 1, 0, 2, 0, 0, 1, 1, 2])
HAND_LENGTHS = [4, 0, 1, 5]


@pytest.mark.parametrize("prior", [1.0, 2.0])
def test_fit_supervised_exact_counts(prior):
    start, trans, emit = _counts_by_hand(HAND_X, HAND_STATES, HAND_LENGTHS, 3, 3)
    assert trans.sum() == 3 + 0 + 4  # pairs inside sequences only
    model = CategoricalHMM(
        3, startprob_prior=prior, transmat_prior=prior, emissionprob_prior=prior
    )
    model.fit_supervised(HAND_X, HAND_STATES, HAND_LENGTHS)
    add = prior - 1  # prior 2 = add-one smoothing
    assert_allclose(model.startprob_, _normalize_or_uniform(start + add), rtol=1e-14)
    assert_allclose(model.transmat_, _normalize_or_uniform(trans + add), rtol=1e-14)
    assert_allclose(model.emissionprob_, _normalize_or_uniform(emit + add), rtol=1e-14)
    assert model.n_features == 3


def test_fit_supervised_add_one_by_hand():
    model = CategoricalHMM(2, startprob_prior=2, transmat_prior=2, emissionprob_prior=2)
    # one sequence 0 -> 0 -> 1 emitting symbols 1, 1, 0
    model.fit_supervised(np.array([[1], [1], [0]]), np.array([0, 0, 1]))
    assert_allclose(model.startprob_, [2 / 3, 1 / 3])
    assert_allclose(model.transmat_, [[2 / 4, 2 / 4], [1 / 2, 1 / 2]])
    assert_allclose(model.emissionprob_, [[1 / 4, 3 / 4], [2 / 3, 1 / 3]])


def test_fit_supervised_unseen_state_gets_uniform_rows():
    X = np.array([[0], [1], [2], [3], [1]])
    model = CategoricalHMM(4).fit_supervised(X, np.array([0, 1, 1, 0, 1]), [3, 2])
    assert_allclose(model.transmat_[2:], 0.25)
    assert_allclose(model.emissionprob_[2:], 0.25)
    assert_allclose(model.startprob_, [1, 0, 0, 0])
    # a state seen only at the end of sequences has no outgoing transitions
    model = CategoricalHMM(2).fit_supervised(np.array([[0], [1]]), np.array([0, 1]))
    assert_allclose(model.transmat_, [[0, 1], [0.5, 0.5]])


def test_fit_supervised_respects_params():
    rng = np.random.default_rng(11)
    params = random_params(rng, 3, 3)
    model = set_params(CategoricalHMM(3, params="t"), params)
    model.fit_supervised(HAND_X, HAND_STATES, HAND_LENGTHS)
    assert_array_equal(model.startprob_, params["startprob_"])
    assert_array_equal(model.emissionprob_, params["emissionprob_"])
    _, trans, _ = _counts_by_hand(HAND_X, HAND_STATES, HAND_LENGTHS, 3, 3)
    assert_allclose(model.transmat_, _normalize_or_uniform(trans))
    with pytest.raises(ValueError, match="not estimated"):
        CategoricalHMM(3, params="t").fit_supervised(HAND_X, HAND_STATES, HAND_LENGTHS)


def test_fit_supervised_then_decode_matches_hmmlearn():
    model = CategoricalHMM(3, startprob_prior=2, transmat_prior=2, emissionprob_prior=2)
    model.fit_supervised(HAND_X, HAND_STATES, HAND_LENGTHS)
    peer, ours = pair({n: getattr(model, n) for n in PARAMS})
    X = np.array([[2], [0], [1], [1], [2], [0]])
    assert_array_equal(ours.predict(X, [2, 4]), peer.predict(X, [2, 4]))
    assert_allclose(ours.score(X, [2, 4]), peer.score(X, [2, 4]), rtol=1e-10)


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------


@pytest.fixture
def fitted():
    return set_params(
        CategoricalHMM(2, n_features=3), random_params(np.random.default_rng(0), 2, 3)
    )


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.zeros((4, 2), dtype=int), ValueError, "shape"),
        (np.zeros(4, dtype=int), ValueError, "shape"),
        (np.zeros((4, 1)), TypeError, "integers"),
        (np.array([["a"], ["b"]]), TypeError, "integers"),
        (np.array([[0], [-1]]), ValueError, "non-negative"),
        (np.array([[0], [3]]), ValueError, "symbol"),
    ],
)
def test_bad_X(fitted, X, error, match):
    for method in (
        "score",
        "decode",
        "predict",
        "predict_proba",
        "score_samples",
        "aic",
        "bic",
    ):
        with pytest.raises(error, match=match):
            getattr(fitted, method)(X)
    with pytest.raises(error, match=match):
        CategoricalHMM(2, n_features=3).fit(X)
    with pytest.raises(error, match=match):
        CategoricalHMM(2, n_features=3).fit_supervised(X, np.zeros(len(X), dtype=int))


def test_fit_refuses_empty_data_as_hmmlearn():
    empty = np.zeros((0, 1), dtype=int)
    with pytest.raises(ValueError, match="0 sample"):
        CategoricalHMM(2, n_features=3).fit(empty)
    with pytest.raises(ValueError, match="0 sample"):
        CategoricalHMM(2, n_features=3).fit_supervised(empty, np.zeros(0, int))
    with pytest.raises(ValueError, match="0 sample"):
        PeerHMM(n_components=2, n_features=3).fit(empty)


def test_bad_lengths(fitted):
    X = np.array([[0], [1], [2]])
    with pytest.raises(ValueError, match="sums to"):
        fitted.score(X, [1, 1])
    with pytest.raises(ValueError, match="non-negative"):
        fitted.decode(X, [4, -1])
    with pytest.raises(TypeError, match="integers"):
        fitted.predict(X, [1.5, 1.5])
    with pytest.raises(ValueError, match="sums to"):
        CategoricalHMM(2).fit(X, [2])


@pytest.mark.parametrize(
    "name, value, match",
    [
        ("startprob_", np.array([0.5, 0.6]), "sum to 1"),
        ("startprob_", np.array([1.5, -0.5]), "non-negative"),
        ("startprob_", np.array([1.0, 0.0, 0.0]), "shape"),
        ("startprob_", np.array([np.nan, 1.0]), "NaN"),
        ("transmat_", np.array([[0.5, 0.5], [0.3, 0.3]]), "sum to 1"),
        ("transmat_", np.array([[1.2, -0.2], [0.5, 0.5]]), "non-negative"),
        ("transmat_", np.full((3, 3), 1 / 3), "shape"),
        ("emissionprob_", np.array([[0.2, 0.3, 0.5], [0.2, 0.3, 0.4]]), "sum to 1"),
        (
            "emissionprob_",
            np.array([[-0.1, 0.6, 0.5], [0.2, 0.3, 0.5]]),
            "non-negative",
        ),
        ("emissionprob_", np.array([[0.5, 0.5], [0.5, 0.5]]), "shape"),
    ],
)
def test_bad_parameters(fitted, name, value, match):
    setattr(fitted, name, value)
    X = np.array([[0], [1], [2]])
    for call in (
        lambda: fitted.score(X),
        lambda: fitted.decode(X),
        lambda: fitted.sample(3),
    ):
        with pytest.raises(ValueError, match=match):
            call()


@pytest.mark.parametrize(
    "kw, error, match",
    [
        (dict(n_components=0), ValueError, "n_components"),
        (dict(n_components=2.5), TypeError, "n_components"),
        (dict(n_components=True), TypeError, "n_components"),
        (dict(algorithm="forward"), ValueError, "algorithm"),
        (dict(implementation="fast"), ValueError, "implementation"),
        (dict(n_iter=-1), ValueError, "n_iter"),
        (dict(tol=np.nan), ValueError, "tol"),
        (dict(n_features=0), ValueError, "n_features"),
        (dict(params=3), TypeError, "params"),
    ],
)
def test_bad_hyperparameters(kw, error, match):
    X = np.array([[0], [1], [2], [1]])
    with pytest.raises(error, match=match):
        CategoricalHMM(**{"n_components": 2, **kw}).fit(X)


def test_bad_decode_algorithm(fitted):
    with pytest.raises(ValueError, match="decoder"):
        fitted.decode(np.array([[0], [1]]), algorithm="forward")


def test_unfitted_model_raises_not_fitted():
    assert issubclass(NotFittedError, ValueError)
    X = np.array([[0], [1]])
    for call in (
        lambda m: m.score(X),
        lambda m: m.decode(X),
        lambda m: m.predict(X),
        lambda m: m.predict_proba(X),
        lambda m: m.score_samples(X),
        lambda m: m.sample(3),
        lambda m: m.aic(X),
        lambda m: m.bic(X),
    ):
        with pytest.raises(NotFittedError):
            call(CategoricalHMM(2))


def test_score_samples_of_impossible_sequence_raises(fitted):
    fitted.emissionprob_ = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    X = np.array([[0], [1], [2], [1]])
    for call in (
        fitted.score_samples,
        fitted.predict_proba,
        lambda X, lengths: fitted.decode(X, lengths, algorithm="map"),
    ):
        with pytest.raises(ValueError, match="probability zero"):
            call(X, [2, 2])
    assert fitted.score(X, [2, 2]) == -np.inf
    # the possible sequence alone is fine
    assert np.isfinite(fitted.score_samples(X[:2])[0])


def test_fit_on_impossible_data_raises():
    model = CategoricalHMM(2, n_features=3, init_params="st", n_iter=3)
    model.emissionprob_ = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    with pytest.raises(ValueError, match="probability zero"):
        model.fit(np.array([[0], [2]]))


@pytest.mark.parametrize(
    "states, error, match",
    [
        (np.array([0, 1, 0]), ValueError, "states"),
        (np.array([0, 1, 0, 1, 0]), ValueError, "states"),
        (np.array([0, 1, 2, 0]), ValueError, "symbol"),
        (np.array([0, -1, 1, 0]), ValueError, "non-negative"),
        (np.array([0.0, 1.0, 1.0, 0.0]), TypeError, "integers"),
    ],
)
def test_fit_supervised_bad_states(states, error, match):
    with pytest.raises(error, match=match):
        CategoricalHMM(2).fit_supervised(np.array([[0], [1], [2], [1]]), states)


def test_sample_bad_arguments(fitted):
    with pytest.raises(ValueError, match="currstate"):
        fitted.sample(3, currstate=2)
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(0)
    with pytest.raises(TypeError, match="n_samples"):
        fitted.sample(2.5)


@pytest.mark.parametrize("currstate", [None, 1])
def test_sample_matches_numpy_reference(currstate):
    rng = np.random.default_rng(5)
    model = CategoricalHMM(n_components=3, n_features=6)
    model.startprob_ = rng.dirichlet(np.ones(3))
    model.transmat_ = rng.dirichlet(np.ones(3), size=3)
    model.emissionprob_ = rng.dirichlet(np.ones(6), size=3)
    X, states = model.sample(200, random_state=11, currstate=currstate)
    ref_symbols, ref_states = ref.sample_chain(
        model.startprob_,
        model.transmat_,
        model.emissionprob_,
        200,
        np.random.RandomState(11),
        currstate,
    )
    assert_array_equal(X[:, 0], ref_symbols)
    assert_array_equal(states, ref_states)


def test_save_load_round_trip(tmp_path):
    X = np.random.default_rng(3).integers(0, 4, size=(80, 1))
    model = CategoricalHMM(
        n_components=3, n_iter=5, random_state=7, transmat_prior=np.full((3, 3), 1.5)
    ).fit(X)
    model.save(tmp_path / "hmm.npz")
    loaded = CategoricalHMM.load(tmp_path / "hmm.npz")
    assert loaded.get_params().keys() == model.get_params().keys()
    for name, value in model.get_params().items():
        np.testing.assert_array_equal(getattr(loaded, name), value)
    for name in ("startprob_", "transmat_", "emissionprob_"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(model, name))
    assert loaded.decode(X)[1].tolist() == model.decode(X)[1].tolist()
    assert loaded.score(X) == model.score(X)
