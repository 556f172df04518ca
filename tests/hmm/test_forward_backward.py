"""Forward-backward against a textbook answer, brute-force marginals, the NumPy
reference, itself under other thread counts, and bad input."""

import itertools
import math

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import logsumexp

from fastapml import reference as ref
from fastapml.hmm import forward_backward

SETTINGS = settings(max_examples=30, deadline=None)


def rand_log(rng, shape, dtype=np.float64, p_inf=0.1, low=-6.0):
    a = rng.uniform(low, 0.0, size=shape)
    a[rng.random(shape) < p_inf] = -np.inf
    return a.astype(dtype)


def brute_force(log_emit, lengths, log_trans, log_start):
    """Log-likelihoods, posteriors and xi_sum by enumerating every path."""
    n_states = log_trans.shape[0]
    logliks, posts = [], []
    xi_sum = np.zeros((n_states, n_states))
    bounds = np.concatenate(([0], np.cumsum(lengths))).astype(int)
    for a, b in zip(bounds[:-1], bounds[1:]):
        e, n_steps = log_emit[a:b], b - a
        post = np.zeros((n_steps, n_states))
        if n_steps == 0:
            logliks.append(0.0)
            continue
        paths = list(itertools.product(range(n_states), repeat=n_steps))
        scores = np.array(
            [
                float(log_start[p[0]])
                + sum(float(e[t, p[t]]) for t in range(n_steps))
                + sum(float(log_trans[p[t], p[t + 1]]) for t in range(n_steps - 1))
                for p in paths
            ]
        )
        loglik = logsumexp(scores)
        logliks.append(loglik)
        if loglik == -np.inf:
            posts.append(post)
            continue
        weights = np.exp(scores - loglik)
        for p, w in zip(paths, weights):
            for t in range(n_steps):
                post[t, p[t]] += w
                if t + 1 < n_steps:
                    xi_sum[p[t], p[t + 1]] += w
        posts.append(post)
    posts.append(np.zeros((0, n_states)))
    return np.array(logliks), np.concatenate(posts), xi_sum


def assert_same(a, b):
    for x, y in zip(a, b):
        assert_array_equal(x, y)


# --------------------------------------------------------------------------
# textbook
# --------------------------------------------------------------------------


def test_wikipedia_one_observation():
    # P(normal) = 0.6 * 0.5 + 0.4 * 0.1 = 0.34; P(healthy | normal) = 0.30 / 0.34
    ll, post, xi = forward_backward(
        np.log([[0.5, 0.1]]), None, np.log([[0.7, 0.3], [0.4, 0.6]]), np.log([0.6, 0.4])
    )
    assert_allclose(np.exp(ll), [0.34], rtol=1e-12)
    assert_allclose(post, [[0.30 / 0.34, 0.04 / 0.34]], rtol=1e-12)
    assert_array_equal(xi, np.zeros((2, 2)))


def test_wikipedia_two_observations():
    # normal then cold: sum over the four paths by hand
    start, trans = [0.6, 0.4], [[0.7, 0.3], [0.4, 0.6]]
    normal, cold = [0.5, 0.1], [0.4, 0.3]
    joint = np.array(
        [
            [start[i] * normal[i] * trans[i][j] * cold[j] for j in range(2)]
            for i in range(2)
        ]
    )
    ll, post, xi = forward_backward(
        np.log([normal, cold]), [2], np.log(trans), np.log(start)
    )
    assert_allclose(ll, [math.log(joint.sum())], rtol=1e-12)
    assert_allclose(
        post, [joint.sum(1) / joint.sum(), joint.sum(0) / joint.sum()], rtol=1e-12
    )
    assert_allclose(xi, joint / joint.sum(), rtol=1e-12)


# --------------------------------------------------------------------------
# brute force
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 4))
    lengths = [int(x) for x in rng.integers(0, 5, size=int(rng.integers(1, 4)))]
    p_inf = 0.0 if seed < 6 else 0.2
    le = rand_log(rng, (sum(lengths), k), p_inf=p_inf)
    lt, ls = rand_log(rng, (k, k), p_inf=p_inf), rand_log(rng, k, p_inf=p_inf)
    ll, post, xi = forward_backward(le, lengths, lt, ls)
    b_ll, b_post, b_xi = brute_force(le, lengths, lt, ls)
    assert_allclose(ll, b_ll, rtol=1e-10)
    assert_allclose(post, b_post, rtol=1e-9, atol=1e-12)
    assert_allclose(xi, b_xi, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------
# parity with the NumPy reference
# --------------------------------------------------------------------------


@SETTINGS
@given(
    k=st.integers(1, 12),
    lengths=st.lists(st.integers(0, 15), min_size=1, max_size=5),
    dtype=st.sampled_from([np.float32, np.float64]),
    p_inf=st.sampled_from([0.0, 0.05, 0.3]),
    use_symbols=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_matches_reference(k, lengths, dtype, p_inf, use_symbols, seed):
    rng = np.random.default_rng(seed)
    n = sum(lengths)
    lt, ls = rand_log(rng, (k, k), dtype, p_inf), rand_log(rng, k, dtype, p_inf)
    if use_symbols:
        table = rand_log(rng, (int(rng.integers(1, 6)), k), dtype, p_inf)
        args = (table, lengths, lt, ls, rng.integers(0, table.shape[0], size=n))
    else:
        args = (rand_log(rng, (n, k), dtype, p_inf), lengths, lt, ls)
    ll, post, xi = forward_backward(*args)
    r_ll, r_post, r_xi = ref.forward_backward(*args)
    # forward-backward computes in float64 whatever the input dtype
    assert ll.dtype == post.dtype == xi.dtype == np.float64
    assert ll.shape == (len(lengths),) and post.shape == (n, k) and xi.shape == (k, k)
    assert_array_equal(np.isneginf(ll), np.isneginf(r_ll))
    assert_allclose(ll, r_ll, rtol=1e-10)
    assert_allclose(post, r_post, rtol=1e-8, atol=1e-12)
    assert_allclose(xi, r_xi, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("k", [64, 300])
def test_matches_reference_many_states(k):
    rng = np.random.default_rng(k)
    lengths = [7, 0, 12]
    args = (rand_log(rng, (19, k)), lengths, rand_log(rng, (k, k)), rand_log(rng, k))
    for got, expected in zip(forward_backward(*args), ref.forward_backward(*args)):
        assert_allclose(got, expected, rtol=1e-9, atol=1e-13)


def test_long_sequence_does_not_underflow():
    rng = np.random.default_rng(0)
    k, n = 4, 3000
    args = (
        rand_log(rng, (n, k), p_inf=0),
        None,
        rand_log(rng, (k, k), p_inf=0),
        rand_log(rng, k, p_inf=0),
    )
    ll, post, xi = forward_backward(*args)
    r_ll, r_post, r_xi = ref.forward_backward(*args)
    assert np.isfinite(ll).all() and ll[0] < -3000
    assert_allclose(ll, r_ll, rtol=1e-10)
    assert_allclose(post, r_post, rtol=1e-7, atol=1e-12)
    assert_allclose(xi, r_xi, rtol=1e-7)


def test_log_probabilities_below_exp_range():
    # Legal log-space input whose only possible path has probability below
    # the smallest double: the reference gives the exact log-likelihood.
    # The high-emission state 1 is unreachable from the start state 0.
    with np.errstate(divide="ignore"):
        lt, ls = np.log(np.eye(2)), np.log([1.0, 0.0])
    le = np.tile([-800.0, 0.0], (3, 1))
    ll, post, _ = forward_backward(le, None, lt, ls)
    r_ll, r_post, _ = ref.forward_backward(le, None, lt, ls)
    assert_allclose(r_ll, [-2400.0])
    assert_allclose(ll, r_ll, rtol=1e-12)
    assert_allclose(post, r_post)
    # a transition log-probability of -1000 on the only possible path
    lt = np.array([[-1000.0, 0.0], [0.0, 0.0]])
    le = np.array([[0.0, -np.inf], [0.0, -np.inf]])
    ll, _, xi = forward_backward(le, None, lt, np.zeros(2))
    assert_allclose(ll, ref.forward_backward(le, None, lt, np.zeros(2))[0])
    assert_allclose(xi, [[1.0, 0.0], [0.0, 0.0]])


# --------------------------------------------------------------------------
# properties and edge cases
# --------------------------------------------------------------------------


def test_posteriors_and_counts_are_distributions():
    rng = np.random.default_rng(1)
    k, lengths = 5, [6, 1, 0, 9]
    ll, post, xi = forward_backward(
        rand_log(rng, (16, k)),
        lengths,
        rand_log(rng, (k, k), p_inf=0),
        rand_log(rng, k, p_inf=0),
    )
    assert np.isfinite(ll).all()
    assert_allclose(post.sum(axis=1), 1.0, rtol=1e-12)
    assert (post >= 0).all() and (xi >= 0).all()
    # one expected transition per adjacent pair of steps
    assert_allclose(xi.sum(), sum(max(n - 1, 0) for n in lengths), rtol=1e-12)


def test_empty_and_impossible_sequences():
    rng = np.random.default_rng(2)
    k = 3
    le = rand_log(rng, (9, k), p_inf=0)
    le[5] = -np.inf  # second non-empty sequence is impossible
    lt, ls = rand_log(rng, (k, k), p_inf=0), rand_log(rng, k, p_inf=0)
    lengths = [0, 4, 0, 5]
    ll, post, xi = forward_backward(le, lengths, lt, ls)
    assert ll[0] == ll[2] == 0.0
    assert np.isfinite(ll[1]) and ll[3] == -np.inf
    assert_array_equal(post[4:], 0.0)
    # the impossible sequence adds nothing to the counts
    assert_allclose(xi, forward_backward(le[:4], [4], lt, ls)[2], rtol=1e-14)
    for lengths in ([0, 0], []):
        ll, post, xi = forward_backward(np.zeros((0, k)), lengths, lt, ls)
        assert_array_equal(ll, np.zeros(len(lengths)))
        assert post.shape == (0, k)
        assert_array_equal(xi, np.zeros((k, k)))


def test_impossible_through_transitions():
    # each step's emissions are possible, but the only allowed transition is not
    with np.errstate(divide="ignore"):
        le = np.log([[1.0, 0.0], [1.0, 0.0]] * 2 + [[0.5, 0.5]])
        lt = np.log([[0.0, 1.0], [1.0, 0.0]])
    ll, post, xi = forward_backward(le, [2, 2, 1], lt, np.log([0.5, 0.5]))
    assert ll[0] == ll[1] == -np.inf and np.isfinite(ll[2])
    assert_array_equal(post[:4], 0.0)
    assert_array_equal(xi, 0.0)


def test_single_state():
    rng = np.random.default_rng(3)
    le = rand_log(rng, (5, 1), p_inf=0)
    ll, post, xi = forward_backward(le, [2, 3], np.zeros((1, 1)), np.zeros(1))
    assert_allclose(ll, [le[:2].sum(), le[2:].sum()], rtol=1e-13)
    assert_array_equal(post, 1.0)
    assert_allclose(xi, [[3.0]])


def test_lengths_none_is_one_sequence():
    rng = np.random.default_rng(4)
    args = (rand_log(rng, (7, 3)), rand_log(rng, (3, 3)), rand_log(rng, 3))
    assert_same(
        forward_backward(args[0], None, *args[1:]),
        forward_backward(args[0], [7], *args[1:]),
    )


def test_symbols_equal_dense_emissions():
    rng = np.random.default_rng(5)
    table, lt, ls = rand_log(rng, (4, 3)), rand_log(rng, (3, 3)), rand_log(rng, 3)
    sym = rng.integers(0, 4, size=10)
    dense = forward_backward(table[sym], [3, 7], lt, ls)
    for s in (sym, sym[:, None], sym.astype(np.int16)):
        assert_same(forward_backward(table, [3, 7], lt, ls, symbols=s), dense)


def test_float32_input_matches_float64_input():
    rng = np.random.default_rng(6)
    args = [
        rand_log(rng, (12, 4), np.float32),
        [5, 7],
        rand_log(rng, (4, 4), np.float32),
        rand_log(rng, 4, np.float32),
    ]
    got = forward_backward(*args)
    wide = forward_backward(
        *[a.astype(np.float64) if isinstance(a, np.ndarray) else a for a in args]
    )
    assert_same(got, wide)


# --------------------------------------------------------------------------
# threads
# --------------------------------------------------------------------------


def _thread_case():
    rng = np.random.default_rng(7)
    lengths = [int(x) for x in rng.integers(0, 40, size=300)]
    k = 6
    return (
        rand_log(rng, (sum(lengths), k)),
        lengths,
        rand_log(rng, (k, k)),
        rand_log(rng, k),
    )


def test_same_answer_from_two_python_threads(run_in_threads):
    args = _thread_case()
    expected = forward_backward(*args)
    for result in run_in_threads(lambda: forward_backward(*args)):
        assert_same(result, expected)


def test_same_answer_with_one_numba_thread():
    args = _thread_case()
    n = numba.get_num_threads()
    default = forward_backward(*args)
    try:
        numba.set_num_threads(1)
        serial = forward_backward(*args)
    finally:
        numba.set_num_threads(n)
    assert_same(default, serial)


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, error, match",
    [
        (dict(log_emit=np.full((4, 3), np.nan)), ValueError, "NaN"),
        (dict(log_emit=np.full((4, 3), np.inf)), ValueError, r"\+inf"),
        (dict(log_trans=np.array([[0, 0, np.nan]] * 3)), ValueError, "NaN"),
        (dict(log_start=np.array([0, np.inf, 0])), ValueError, r"\+inf"),
        (dict(log_emit=np.zeros(4)), ValueError, "2-D"),
        (dict(log_emit=np.zeros((4, 4))), ValueError, "columns"),
        (dict(log_trans=np.zeros((3, 4))), ValueError, "square"),
        (dict(log_start=np.zeros(4)), ValueError, "log_start"),
        (dict(lengths=[1, 2]), ValueError, "sums to"),
        (dict(lengths=[6, -2]), ValueError, "non-negative"),
        (dict(lengths=np.array([2.5, 1.5])), TypeError, "integers"),
        (dict(lengths=[2**63 - 1, 2**63 - 1, 6]), ValueError, "lengths"),
        (dict(log_emit=np.array([["x"] * 3] * 4)), TypeError, "numeric"),
        (dict(symbols=[0, 1, 2, -1]), ValueError, "non-negative"),
        (dict(symbols=[0, 1, 2, 4]), ValueError, "symbol"),
        (dict(symbols=[0.0, 1.0, 2.0, 3.0]), TypeError, "integers"),
    ],
)
def test_bad_input(change, error, match):
    kw = dict(
        log_emit=np.zeros((4, 3)),
        lengths=[2, 2],
        log_trans=np.zeros((3, 3)),
        log_start=np.zeros(3),
    )
    kw.update(change)
    with pytest.raises(error, match=match):
        forward_backward(**kw)
