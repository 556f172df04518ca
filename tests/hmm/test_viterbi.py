"""Viterbi decoding (first and second order) against textbook answers, brute
force, the NumPy reference, itself under other thread counts, and bad input."""

import itertools
import math

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from fastapml import reference as ref
from fastapml.hmm import viterbi, viterbi2_batch, viterbi_batch

SETTINGS = settings(max_examples=30, deadline=None)
RTOL = {np.float32: 1e-6, np.float64: 1e-12}

# Wikipedia's healthy/fever example: observations normal, cold, dizzy.
WIKI_START = np.array([0.6, 0.4])
WIKI_TRANS = np.array([[0.7, 0.3], [0.4, 0.6]])
WIKI_EMIT = np.array([[0.5, 0.4, 0.1], [0.1, 0.3, 0.6]])  # state x symbol
WIKI_OBS = np.array([0, 1, 2])


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def rand_log(rng, shape, dtype=np.float64, p_inf=0.1, discrete=False):
    """Random log-probabilities with a fraction ``p_inf`` of -inf entries.

    ``discrete`` draws from {0, -1, -2}, so sums are exact and ties common.
    """
    if discrete:
        a = -rng.integers(0, 3, size=shape).astype(np.float64)
    else:
        a = rng.uniform(-6.0, 0.0, size=shape)
    a[rng.random(shape) < p_inf] = -np.inf
    return a.astype(dtype)


def path_score(path, log_emit, log_trans, log_start, log_end=None):
    """First-order score of one path, summed in float64 with Python floats."""
    if len(path) == 0:
        return 0.0
    s = float(log_start[path[0]]) + float(log_emit[0, path[0]])
    for t in range(1, len(path)):
        s += float(log_trans[path[t - 1], path[t]]) + float(log_emit[t, path[t]])
    if log_end is not None:
        s += float(log_end[path[-1]])
    return s


def path_score2(path, log_emit, log_trans2):
    """Second-order score of ``B B y_1 .. y_T B`` (tag K is the boundary)."""
    k = log_trans2.shape[0] - 1
    if len(path) == 0:
        return 0.0
    tags = [k, k] + list(path) + [k]
    s = 0.0
    for t in range(len(path)):
        s += float(log_trans2[tags[t], tags[t + 1], tags[t + 2]])
        s += float(log_emit[t, path[t]])
    return s + float(log_trans2[tags[-3], tags[-2], tags[-1]])


def brute_best(score, n_states, n_steps):
    """(max score, set of arg-max paths) over all n_states ** n_steps paths."""
    scores = {p: score(p) for p in itertools.product(range(n_states), repeat=n_steps)}
    best = max(scores.values())
    return best, {p for p, s in scores.items() if s == best}


@pytest.fixture
def restore_threads():
    n = numba.get_num_threads()
    yield n
    numba.set_num_threads(n)


# --------------------------------------------------------------------------
# textbook
# --------------------------------------------------------------------------


def test_wikipedia_viterbi():
    path, log_prob = viterbi(
        np.log(WIKI_EMIT.T[WIKI_OBS]), np.log(WIKI_TRANS), np.log(WIKI_START)
    )
    assert path.dtype == np.int64
    assert_array_equal(path, [0, 0, 1])
    assert isinstance(log_prob, float)
    assert_allclose(log_prob, math.log(0.01512), rtol=1e-12)


def test_wikipedia_viterbi_batch_with_symbols():
    # the same sentence three times, with an empty one in the middle
    symbols = np.concatenate([WIKI_OBS, WIKI_OBS, WIKI_OBS])
    paths, log_probs = viterbi_batch(
        np.log(WIKI_EMIT.T),
        [3, 0, 3, 3],
        np.log(WIKI_TRANS),
        np.log(WIKI_START),
        symbols=symbols,
    )
    assert_array_equal(paths, [0, 0, 1] * 3)
    assert_allclose(
        log_probs, [math.log(0.01512), 0.0] + [math.log(0.01512)] * 2, rtol=1e-12
    )


def test_wikipedia_viterbi_float32():
    path, log_prob = viterbi(
        np.log(WIKI_EMIT.T[WIKI_OBS]).astype(np.float32),
        np.log(WIKI_TRANS).astype(np.float32),
        np.log(WIKI_START).astype(np.float32),
    )
    assert_array_equal(path, [0, 0, 1])
    assert_allclose(log_prob, math.log(0.01512), rtol=1e-6)


# --------------------------------------------------------------------------
# brute force
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_first_order_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    k, t = int(rng.integers(1, 4)), int(rng.integers(1, 6))
    p_inf = 0.0 if seed < 6 else 0.25
    le, lt = rand_log(rng, (t, k), p_inf=p_inf), rand_log(rng, (k, k), p_inf=p_inf)
    ls = rand_log(rng, k, p_inf=p_inf)
    lend = rand_log(rng, k, p_inf=p_inf) if seed % 2 else None
    path, log_prob = viterbi(le, lt, ls, lend)
    best, argmaxes = brute_best(lambda p: path_score(p, le, lt, ls, lend), k, t)
    if best == -np.inf:
        assert log_prob == -np.inf
        return
    assert_allclose(log_prob, best, rtol=1e-12)
    assert_allclose(path_score(path, le, lt, ls, lend), best, rtol=1e-12)
    if len(argmaxes) == 1:
        assert tuple(path) in argmaxes


@pytest.mark.parametrize("seed", range(10))
def test_second_order_matches_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    k, t = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    p_inf = 0.0 if seed < 5 else 0.25
    le = rand_log(rng, (t, k), p_inf=p_inf)
    lt2 = rand_log(rng, (k + 1, k + 1, k + 1), p_inf=p_inf)
    paths, log_probs = viterbi2_batch(le, None, lt2)
    best, argmaxes = brute_best(lambda p: path_score2(p, le, lt2), k, t)
    if best == -np.inf:
        assert log_probs[0] == -np.inf
        return
    assert_allclose(log_probs[0], best, rtol=1e-12)
    assert_allclose(path_score2(paths, le, lt2), best, rtol=1e-12)
    if len(argmaxes) == 1:
        assert tuple(paths) in argmaxes


def test_second_order_uses_boundary_transitions():
    # Emissions favour state 1 everywhere, but the end transition from
    # (.., 1) to the boundary is impossible: the last tag must be 0.
    k = 2
    lt2 = np.zeros((k + 1, k + 1, k + 1))
    lt2[:, 1, k] = -np.inf
    le = np.log(np.full((3, k), 0.5))
    le[:, 1] += 1.0
    paths, log_probs = viterbi2_batch(le, None, lt2)
    assert_array_equal(paths, [1, 1, 0])
    assert_allclose(log_probs[0], le[0, 1] + le[1, 1] + le[2, 0])


# --------------------------------------------------------------------------
# parity with the NumPy reference
# --------------------------------------------------------------------------


@st.composite
def problems(draw, min_k=1, max_k=12, max_seqs=5, max_len=15):
    k = draw(st.integers(min_k, max_k))
    lengths = draw(st.lists(st.integers(0, max_len), min_size=1, max_size=max_seqs))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    p_inf = draw(st.sampled_from([0.0, 0.05, 0.3]))
    discrete = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    return k, lengths, dtype, p_inf, discrete, np.random.default_rng(seed)


def _check_first_order(k, lengths, dtype, p_inf, discrete, rng, use_symbols, use_end):
    n = sum(lengths)
    lt = rand_log(rng, (k, k), dtype, p_inf, discrete)
    ls = rand_log(rng, k, dtype, p_inf, discrete)
    lend = rand_log(rng, k, dtype, p_inf, discrete) if use_end else None
    if use_symbols:
        table = rand_log(rng, (int(rng.integers(1, 6)), k), dtype, p_inf, discrete)
        symbols = rng.integers(0, table.shape[0], size=n)
        args = (table, lengths, lt, ls, lend, symbols)
    else:
        args = (rand_log(rng, (n, k), dtype, p_inf, discrete), lengths, lt, ls, lend)
    paths, log_probs = viterbi_batch(*args)
    ref_paths, ref_log_probs = ref.viterbi_batch(*args)
    assert paths.dtype == np.int64 and paths.shape == (n,)
    assert log_probs.dtype == np.float64 and log_probs.shape == (len(lengths),)
    assert_array_equal(paths, ref_paths)
    assert_allclose(log_probs, ref_log_probs, rtol=RTOL[dtype], atol=0)


@SETTINGS
@given(problems(), st.booleans(), st.booleans())
def test_viterbi_batch_matches_reference(problem, use_symbols, use_end):
    _check_first_order(*problem, use_symbols, use_end)


@SETTINGS
@given(problems(min_k=256, max_k=300, max_seqs=1, max_len=8), st.booleans())
def test_viterbi_batch_many_states_one_sequence(problem, use_symbols):
    # one sequence with K >= 256: the parallel "wide" kernel when threads > 1
    _check_first_order(*problem, use_symbols, use_end=True)


@pytest.mark.parametrize("k", [255, 256, 257])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backpointer_width_boundaries(k, dtype):
    # K = 256 is the last size with one-byte back-pointers
    rng = np.random.default_rng(k)
    for lengths in ([9], [4, 0, 5]):
        _check_first_order(
            k, lengths, dtype, 0.05, False, rng, use_symbols=False, use_end=True
        )


@SETTINGS
@given(problems(max_k=10, max_len=10), st.booleans())
def test_viterbi2_batch_matches_reference(problem, use_symbols):
    k, lengths, dtype, p_inf, discrete, rng = problem
    n = sum(lengths)
    lt2 = rand_log(rng, (k + 1, k + 1, k + 1), dtype, p_inf, discrete)
    if use_symbols:
        table = rand_log(rng, (int(rng.integers(1, 6)), k), dtype, p_inf, discrete)
        args = (table, lengths, lt2, rng.integers(0, table.shape[0], size=n))
    else:
        args = (rand_log(rng, (n, k), dtype, p_inf, discrete), lengths, lt2)
    paths, log_probs = viterbi2_batch(*args)
    ref_paths, ref_log_probs = ref.viterbi2_batch(*args)
    assert paths.dtype == np.int64 and log_probs.dtype == np.float64
    assert_array_equal(paths, ref_paths)
    assert_allclose(log_probs, ref_log_probs, rtol=RTOL[dtype], atol=0)


def test_viterbi_single_matches_batch():
    rng = np.random.default_rng(5)
    le, lt, ls = rand_log(rng, (7, 4)), rand_log(rng, (4, 4)), rand_log(rng, 4)
    lend = rand_log(rng, 4)
    path, log_prob = viterbi(le, lt, ls, lend)
    paths, log_probs = viterbi_batch(le, None, lt, ls, lend)
    assert_array_equal(path, paths)
    assert log_prob == log_probs[0]


def test_float32_is_computed_in_float32():
    # a long sequence, so float32 rounding visibly differs from float64's
    rng = np.random.default_rng(7)
    le, lt, ls = (
        rand_log(rng, (400, 5), np.float32, 0),
        rand_log(rng, (5, 5), np.float32, 0),
        rand_log(rng, 5, np.float32, 0),
    )
    _, lp32 = ref.viterbi(le, lt, ls)
    _, lp64 = ref.viterbi(
        le.astype(np.float64), lt.astype(np.float64), ls.astype(np.float64)
    )
    assert lp32 != lp64
    _, log_prob = viterbi(le, lt, ls)
    assert log_prob == lp32


def test_mixed_dtypes_compute_in_float64():
    rng = np.random.default_rng(8)
    le = rand_log(rng, (300, 4), np.float32, 0)
    lt, ls = rand_log(rng, (4, 4), np.float64, 0), rand_log(rng, 4, np.float64, 0)
    _, log_prob = viterbi(le, lt, ls)
    _, expected = ref.viterbi(le.astype(np.float64), lt, ls)
    assert_allclose(log_prob, expected, rtol=1e-13)


# --------------------------------------------------------------------------
# ties
# --------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 3, 9, 17, 260])
def test_all_equal_scores_pick_state_zero(k):
    lengths = [5, 1, 0, 3]
    paths, log_probs = viterbi_batch(
        np.zeros((9, k)), lengths, np.zeros((k, k)), np.zeros(k)
    )
    assert_array_equal(paths, 0)
    assert_array_equal(log_probs, 0.0)
    paths, _ = viterbi_batch(np.zeros((9, k)), [9], np.zeros((k, k)), np.zeros(k))
    assert_array_equal(paths, 0)  # single sequence (the wide kernel if k >= 256)
    paths2, _ = viterbi2_batch(
        np.zeros((9, k)) if k < 20 else np.zeros((9, 3)),
        lengths,
        np.zeros((4, 4, 4)) if k >= 20 else np.zeros((k + 1,) * 3),
    )
    assert_array_equal(paths2, 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_duplicate_states_break_ties_to_lowest_index(dtype):
    # states 1, 3 and 4 are copies of each other; 0 and 2 are worse
    rng = np.random.default_rng(3)
    base = rand_log(rng, (3, 3), dtype, 0)
    expand = [0, 1, 2, 1, 1]

    def dup(a, axes):
        for ax in axes:
            a = np.take(a, expand, axis=ax)
        return a

    lt = dup(base, (0, 1))
    lt[:, [0, 2]] -= 50
    le = dup(rand_log(rng, (6, 3), dtype, 0), (1,))
    le[:, [0, 2]] -= 50
    ls = dup(rand_log(rng, 3, dtype, 0), (0,))
    path, _ = viterbi(le, lt, ls)
    assert set(path.tolist()) <= {1}
    ref_path, _ = ref.viterbi(le, lt, ls)
    assert_array_equal(path, ref_path)


def test_final_state_tie_goes_to_lowest_index():
    # two states with identical scores at the end; log_end makes 2 and 3 tie
    le = np.log(np.full((2, 4), 0.25))
    lt = np.log(np.full((4, 4), 0.25))
    lend = np.array([-1.0, -1.0, 0.0, 0.0])
    path, log_prob = viterbi(le, lt, np.log(np.full(4, 0.25)), lend)
    assert_array_equal(path, [0, 2])
    assert_allclose(log_prob, 4 * math.log(0.25))


# --------------------------------------------------------------------------
# edge cases
# --------------------------------------------------------------------------


def test_length_one_sequences():
    rng = np.random.default_rng(0)
    le, lt, ls = (
        rand_log(rng, (4, 3), p_inf=0),
        rand_log(rng, (3, 3)),
        rand_log(rng, 3, p_inf=0),
    )
    paths, log_probs = viterbi_batch(le, [1, 1, 1, 1], lt, ls)
    expected = np.argmax(ls + le, axis=1)
    assert_array_equal(paths, expected)
    assert_allclose(log_probs, (ls + le)[np.arange(4), expected])


def test_empty_sequences():
    rng = np.random.default_rng(1)
    le, lt, ls = rand_log(rng, (5, 3)), rand_log(rng, (3, 3)), rand_log(rng, 3)
    paths, log_probs = viterbi_batch(le, [0, 2, 0, 0, 3, 0], lt, ls)
    ref_paths, ref_log_probs = ref.viterbi_batch(le, [0, 2, 0, 0, 3, 0], lt, ls)
    assert_array_equal(paths, ref_paths)
    assert_allclose(log_probs, ref_log_probs)
    assert log_probs[0] == log_probs[2] == log_probs[3] == log_probs[5] == 0.0
    # only empty sequences, and no sequences at all
    for lengths in ([0, 0], []):
        paths, log_probs = viterbi_batch(np.zeros((0, 3)), lengths, lt, ls)
        assert paths.shape == (0,) and paths.dtype == np.int64
        assert_array_equal(log_probs, np.zeros(len(lengths)))
    paths, log_probs = viterbi2_batch(np.zeros((0, 3)), [0, 0], np.zeros((4, 4, 4)))
    assert paths.shape == (0,)
    assert_array_equal(log_probs, [0.0, 0.0])
    path, log_prob = viterbi(np.zeros((0, 3)), lt, ls)
    assert path.shape == (0,) and log_prob == 0.0


@pytest.mark.parametrize("k", [2, 12, 300])
def test_impossible_sequences_give_minus_inf(k):
    rng = np.random.default_rng(k)
    le, lt, ls = (
        rand_log(rng, (10, k), p_inf=0),
        rand_log(rng, (k, k), p_inf=0),
        np.zeros(k),
    )
    le[6] = -np.inf  # sequence 2 (steps 5..9)
    paths, log_probs = viterbi_batch(le, [5, 5], lt, ls)
    assert np.isfinite(log_probs[0]) and log_probs[1] == -np.inf
    assert ((paths >= 0) & (paths < k)).all()
    ref_paths, _ = ref.viterbi_batch(le, [5, 5], lt, ls)
    assert_array_equal(paths, ref_paths)
    # everything impossible: -inf start, transitions, end
    for args in [
        (le[:5], lt, np.full(k, -np.inf)),
        (le[:5], np.full((k, k), -np.inf), ls),
        (le[:5], lt, ls, np.full(k, -np.inf)),
    ]:
        path, log_prob = viterbi(*args)
        assert log_prob == -np.inf and path.shape == (5,)
        assert_array_equal(path, ref.viterbi(*args)[0])
    _, log_probs = viterbi2_batch(le[:, :2], [5, 5], np.full((3, 3, 3), -np.inf))
    assert_array_equal(log_probs, -np.inf)


def test_single_state():
    rng = np.random.default_rng(2)
    le = rand_log(rng, (6, 1), p_inf=0)
    paths, log_probs = viterbi_batch(
        le, [2, 4], np.array([[-0.5]]), np.array([-1.0]), np.array([-2.0])
    )
    assert_array_equal(paths, 0)
    assert_allclose(
        log_probs, [-1 + le[:2].sum() - 0.5 - 2, -1 + le[2:].sum() - 1.5 - 2]
    )
    lt2 = rand_log(rng, (2, 2, 2), p_inf=0)
    paths, log_probs = viterbi2_batch(le, [2, 4], lt2)
    assert_array_equal(paths, 0)
    assert_allclose(log_probs, ref.viterbi2_batch(le, [2, 4], lt2)[1])


def test_lengths_none_is_one_sequence():
    rng = np.random.default_rng(4)
    le, lt, ls = rand_log(rng, (8, 3)), rand_log(rng, (3, 3)), rand_log(rng, 3)
    a = viterbi_batch(le, None, lt, ls)
    b = viterbi_batch(le, [8], lt, ls)
    assert_array_equal(a[0], b[0])
    assert_array_equal(a[1], b[1])
    lt2 = rand_log(rng, (4, 4, 4))
    assert_array_equal(
        viterbi2_batch(le, None, lt2)[0], viterbi2_batch(le, [8], lt2)[0]
    )


def test_symbols_accept_column_vector_and_small_ints():
    rng = np.random.default_rng(6)
    table, lt, ls = rand_log(rng, (4, 3)), rand_log(rng, (3, 3)), rand_log(rng, 3)
    sym = rng.integers(0, 4, size=9)
    expected = viterbi_batch(table[sym], [4, 5], lt, ls)
    for s in (sym[:, None], sym.astype(np.int32), sym.astype(np.uint8)):
        got = viterbi_batch(table, [4, 5], lt, ls, symbols=s)
        assert_array_equal(got[0], expected[0])
        assert_array_equal(got[1], expected[1])


def test_inputs_are_not_modified():
    rng = np.random.default_rng(9)
    le, lt, ls, lend = (
        rand_log(rng, (6, 3)),
        rand_log(rng, (3, 3)),
        rand_log(rng, 3),
        rand_log(rng, 3),
    )
    copies = [a.copy() for a in (le, lt, ls, lend)]
    viterbi_batch(le, [3, 3], lt, ls, lend)
    for a, c in zip((le, lt, ls, lend), copies):
        assert_array_equal(a, c)


def test_non_contiguous_inputs():
    rng = np.random.default_rng(10)
    le, lt, ls = rand_log(rng, (6, 6)), rand_log(rng, (6, 6)), rand_log(rng, 6)
    got = viterbi_batch(le[:, ::2], [2, 4], lt[::2, ::2], ls[::2])
    expected = ref.viterbi_batch(
        le[:, ::2].copy(), [2, 4], lt[::2, ::2].copy(), ls[::2].copy()
    )
    assert_array_equal(got[0], expected[0])
    assert_allclose(got[1], expected[1])


# --------------------------------------------------------------------------
# threads
# --------------------------------------------------------------------------


def _thread_cases():
    rng = np.random.default_rng(11)
    lengths = [int(x) for x in rng.integers(0, 30, size=40)]
    k = 9
    many = (
        rand_log(rng, (sum(lengths), k)),
        lengths,
        rand_log(rng, (k, k)),
        rand_log(rng, k),
        rand_log(rng, k),
    )
    k = 264
    wide = (
        rand_log(rng, (20, k), np.float32),
        [20],
        rand_log(rng, (k, k), np.float32),
        rand_log(rng, k, np.float32),
    )
    return many, wide


@pytest.mark.parametrize("case", [0, 1], ids=["many-sequences", "one-wide-sequence"])
def test_same_answer_from_two_python_threads(case, run_in_threads):
    args = _thread_cases()[case]
    expected = viterbi_batch(*args)
    for paths, log_probs in run_in_threads(lambda: viterbi_batch(*args)):
        assert_array_equal(paths, expected[0])
        assert_array_equal(log_probs, expected[1])
    rng = np.random.default_rng(12)
    lt2 = rand_log(rng, (6, 6, 6))
    le = rand_log(rng, (60, 5))
    expected2 = viterbi2_batch(le, [10] * 6, lt2)
    for paths, log_probs in run_in_threads(lambda: viterbi2_batch(le, [10] * 6, lt2)):
        assert_array_equal(paths, expected2[0])
        assert_array_equal(log_probs, expected2[1])


@pytest.mark.parametrize("case", [0, 1], ids=["many-sequences", "one-wide-sequence"])
def test_same_answer_with_one_numba_thread(case, restore_threads):
    args = _thread_cases()[case]
    default = viterbi_batch(*args)
    numba.set_num_threads(1)
    serial = viterbi_batch(*args)
    numba.set_num_threads(restore_threads)
    assert_array_equal(default[0], serial[0])
    assert_array_equal(default[1], serial[1])
    expected = ref.viterbi_batch(*args)
    assert_array_equal(default[0], expected[0])


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------


def _good():
    return np.zeros((4, 3)), [2, 2], np.zeros((3, 3)), np.zeros(3)


@pytest.mark.parametrize(
    "change, error, match",
    [
        (dict(log_emit=np.full((4, 3), np.nan)), ValueError, "NaN"),
        (dict(log_trans=np.full((3, 3), np.inf)), ValueError, r"\+inf"),
        (dict(log_start=np.array([0, np.inf, 0])), ValueError, r"\+inf"),
        (dict(log_end=np.array([0, np.nan, 0])), ValueError, "NaN"),
        (dict(log_emit=np.zeros(4)), ValueError, "2-D"),
        (dict(log_emit=np.zeros((4, 3, 1))), ValueError, "2-D"),
        (dict(log_emit=np.zeros((4, 2))), ValueError, "columns"),
        (dict(log_trans=np.zeros((3, 2))), ValueError, "square"),
        (dict(log_trans=np.zeros((0, 0))), ValueError, "square"),
        (dict(log_trans=np.zeros(3)), ValueError, "2-D"),
        (dict(log_start=np.zeros(2)), ValueError, "log_start"),
        (dict(log_start=np.zeros((3, 1))), ValueError, "log_start"),
        (dict(log_end=np.zeros(4)), ValueError, "log_end"),
        (dict(lengths=[2, 3]), ValueError, "sums to"),
        (dict(lengths=[5, -1]), ValueError, "non-negative"),
        (dict(lengths=[2.0, 2.0]), TypeError, "integers"),
        (dict(lengths=[[2, 2]]), ValueError, "1-D"),
        (dict(lengths=[2**63 - 1, 2**63 - 1, 6]), ValueError, "lengths"),
        (dict(log_emit=np.array([["a", "b", "c"]] * 4)), TypeError, "numeric"),
        (dict(log_trans=np.zeros((3, 3), dtype=object)), TypeError, "numeric"),
        (dict(log_start=np.zeros(3, dtype=complex)), TypeError, "real"),
    ],
)
def test_viterbi_batch_bad_input(change, error, match):
    le, lengths, lt, ls = _good()
    kw = dict(log_emit=le, lengths=lengths, log_trans=lt, log_start=ls)
    kw.update(change)
    with pytest.raises(error, match=match):
        viterbi_batch(**kw)


@pytest.mark.parametrize(
    "symbols, error, match",
    [
        ([0, 1, -1, 2], ValueError, "non-negative"),
        ([0, 1, 5, 2], ValueError, "symbol"),
        ([0, 1, 2, 3], ValueError, "symbol"),
        ([0.0, 1.0, 2.0, 0.0], TypeError, "integers"),
        (["a", "b", "c", "a"], TypeError, "integers"),
        (np.zeros((4, 2), dtype=int), ValueError, "shape"),
        ([0, 1, 2], ValueError, "sums to"),
    ],
)
def test_viterbi_batch_bad_symbols(symbols, error, match):
    with pytest.raises(error, match=match):
        viterbi_batch(
            np.zeros((3, 3)), [2, 2], np.zeros((3, 3)), np.zeros(3), symbols=symbols
        )
    with pytest.raises(error, match=match):
        viterbi2_batch(np.zeros((3, 3)), [2, 2], np.zeros((4, 4, 4)), symbols=symbols)


def test_symbols_need_a_table_row():
    with pytest.raises(ValueError, match="row"):
        viterbi_batch(
            np.zeros((0, 3)),
            [0],
            np.zeros((3, 3)),
            np.zeros(3),
            symbols=np.zeros(0, dtype=int),
        )


@pytest.mark.parametrize(
    "log_trans2, match",
    [
        (np.zeros((3, 3)), "3-D"),
        (np.zeros((4, 4, 3)), "shape"),
        (np.zeros((1, 1, 1)), "K >= 1"),
        (np.full((4, 4, 4), np.nan), "NaN"),
        (np.full((4, 4, 4), np.inf), r"\+inf"),
        (np.zeros((5, 5, 5)), "columns"),
    ],
)
def test_viterbi2_batch_bad_input(log_trans2, match):
    with pytest.raises(ValueError, match=match):
        viterbi2_batch(np.zeros((4, 3)), [2, 2], log_trans2)


def test_viterbi_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        viterbi(np.zeros(3), np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        viterbi(np.zeros((2, 3)), np.zeros((3, 3)), np.array([0, np.nan, 0]))
