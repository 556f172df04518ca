"""Second-order Viterbi over a candidate lattice (viterbi2_lattice) against
the dense decoder, the NumPy reference, brute force, and bad input; and the
TrigramTable it reads transitions from."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from fastapml.hmm import TrigramTable, tnt, viterbi2_batch, viterbi2_lattice
from fastapml.hmm.lattice import candidate_lattice
from fastapml.reference import hmm as ref

SETTINGS = settings(max_examples=25, deadline=None)
RTOL = {np.float32: 1e-5, np.float64: 1e-12}
BEAMS = [None, 0.0, 0.5, 3.0]
SMOOTHINGS = ["tnt", "add-one", "mle"]


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


def rand_lattice(rng, n_rows, k, dtype, p_inf=0.0, discrete=False, empty_row=True):
    """A CSR (n_rows, k) emission table with a random candidate subset per
    row: one row with a single candidate, one (``empty_row``) with none,
    explicit zeros when ``discrete``, stored -inf entries at rate ``p_inf``."""
    counts = rng.integers(1, k + 1, size=n_rows)
    if n_rows:
        counts[rng.integers(n_rows)] = 1
    if empty_row and n_rows > 1:
        counts[rng.integers(n_rows)] = 0
    indices = [np.sort(rng.choice(k, size=c, replace=False)) for c in counts]
    indptr = np.concatenate(([0], np.cumsum(counts)))
    data = rand_log(rng, int(indptr[-1]), dtype, p_inf, discrete)
    indices = np.concatenate(indices + [np.zeros(0, np.int64)]).astype(np.int32)
    return sp.csr_matrix((data, indices, indptr), shape=(n_rows, k))


def candidates(log_emit):
    """Each row's candidate states, as a sorted list."""
    if sp.issparse(log_emit):
        csr = sp.csr_matrix(log_emit)
        return [sorted(csr.indices[a:b]) for a, b in zip(csr.indptr, csr.indptr[1:])]
    return [list(np.flatnonzero(row != -np.inf)) for row in log_emit]


def emission_lookup(log_emit):
    """Row r's ``{state: log-emission}`` over its candidates."""
    if sp.issparse(log_emit):
        csr = sp.csr_matrix(log_emit)
        return [
            dict(zip(csr.indices[a:b].tolist(), csr.data[a:b].tolist()))
            for a, b in zip(csr.indptr, csr.indptr[1:])
        ]
    return [
        {int(j): float(row[j]) for j in np.flatnonzero(row != -np.inf)}
        for row in log_emit
    ]


def path_score2(path, emit_rows, log_trans2):
    """Score of ``B B y_1 .. y_T B`` in float64 (tag K is the boundary);
    ``emit_rows[t]`` maps step t's candidates to their emissions."""
    k = log_trans2.shape[0] - 1
    if len(path) == 0:
        return 0.0
    tags = [k, k] + list(path) + [k]
    s = 0.0
    for t in range(len(path)):
        s += float(log_trans2[tags[t], tags[t + 1], tags[t + 2]])
        s += emit_rows[t][path[t]]
    return s + float(log_trans2[tags[-3], tags[-2], tags[-1]])


def tag_corpus(rng, k, n_sent=6, max_len=6, skew=True):
    """Random tag sequences (some tags rarer than others) and their lengths."""
    lengths = rng.integers(1, max_len + 1, size=n_sent)
    p = rng.dirichlet(np.full(k, 0.7 if skew else 5.0))
    return rng.choice(k, size=int(lengths.sum()), p=p).astype(np.int64), lengths


def table_from_corpus(rng, k, smoothing, **corpus):
    tags, lengths = tag_corpus(rng, k, **corpus)
    keys, counts = tnt.ngram_counts(tags, lengths, k, 2)
    lambdas = tnt.deleted_interpolation(keys, counts, k, 2)
    return TrigramTable.from_counts(keys, counts, k, smoothing, lambdas), keys, counts


def assert_same(got, expected, lengths=None):
    """Bit-for-bit equal log-probabilities (-inf included) and paths; with
    ``lengths``, only the paths of sequences of finite score are compared
    (the dense decoder's path of an impossible sequence is its own)."""
    (paths, log_probs), (exp_paths, exp_log_probs) = got, expected
    assert paths.dtype == np.int64 and log_probs.dtype == np.float64
    assert np.array_equal(log_probs, exp_log_probs), (log_probs, exp_log_probs)
    if lengths is None:
        assert_array_equal(paths, exp_paths)
        return
    ends = np.cumsum(lengths)
    for s, (a, z) in enumerate(zip(ends - lengths, ends)):
        if np.isfinite(log_probs[s]):
            assert_array_equal(paths[a:z], exp_paths[a:z], err_msg=f"sequence {s}")


@st.composite
def problems(draw, max_k=5, max_seqs=4, max_len=8):
    k = draw(st.integers(1, max_k))
    lengths = draw(st.lists(st.integers(0, max_len), min_size=0, max_size=max_seqs))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    p_inf = draw(st.sampled_from([0.0, 0.1, 0.3]))
    discrete = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    lengths = [int(x) for x in rng.permutation(lengths + [0, 1, 2])]
    return k, lengths, dtype, p_inf, discrete, rng


# --------------------------------------------------------------------------
# bit for bit with the dense decoder
# --------------------------------------------------------------------------


@SETTINGS
@given(problems(), st.sampled_from(["dense", "table"]))
def test_matches_dense_decoder(problem, transitions):
    k, lengths, dtype, p_inf, discrete, rng = problem
    trans2 = rand_log(rng, (k + 1,) * 3, dtype, p_inf, discrete)
    emit = rand_log(rng, (sum(lengths), k), dtype, p_inf, discrete)
    given_trans = trans2 if transitions == "dense" else TrigramTable.from_dense(trans2)
    got = viterbi2_lattice(emit, lengths, given_trans)
    expected = viterbi2_batch(emit, lengths, trans2)
    assert_same(got, expected, lengths)


@SETTINGS
@given(problems(), st.sampled_from(["dense", "table"]))
def test_matches_dense_decoder_with_symbols(problem, transitions):
    k, lengths, dtype, p_inf, discrete, rng = problem
    trans2 = rand_log(rng, (k + 1,) * 3, dtype, p_inf, discrete)
    table = rand_log(rng, (int(rng.integers(1, 6)), k), dtype, p_inf, discrete)
    symbols = rng.integers(0, table.shape[0], size=sum(lengths))
    given_trans = trans2 if transitions == "dense" else TrigramTable.from_dense(trans2)
    got = viterbi2_lattice(table, lengths, given_trans, symbols=symbols)
    expected = viterbi2_batch(table, lengths, trans2, symbols=symbols)
    assert_same(got, expected, lengths)
    # the same as the emissions written out per step
    assert_same(viterbi2_lattice(table[symbols], lengths, given_trans), got)


def test_mixed_dtypes_compute_in_float64():
    rng = np.random.default_rng(20)
    lengths = [30, 0, 5]
    emit = rand_log(rng, (35, 4), np.float32)
    trans2 = rand_log(rng, (5, 5, 5), np.float64)
    got = viterbi2_lattice(emit, lengths, trans2)
    assert_same(got, viterbi2_batch(emit, lengths, trans2))
    assert_same(got, ref.viterbi2_lattice(emit.astype(np.float64), lengths, trans2))
    # a float32 table with float64 emissions: cast up, computed in float64
    emit64, trans32 = emit.astype(np.float64), trans2.astype(np.float32)
    got = viterbi2_lattice(emit64, lengths, TrigramTable.from_dense(trans32))
    assert_same(got, viterbi2_batch(emit64, lengths, trans32))
    assert_same(got, ref.viterbi2_lattice(emit64, lengths, trans32))


def test_float32_is_computed_in_float32():
    # a long sequence, so float32 rounding visibly differs from float64's
    rng = np.random.default_rng(7)
    emit = rand_log(rng, (400, 4), np.float32, p_inf=0.3)
    emit[:, 0] = rng.uniform(-6, 0, size=400)  # never an empty row
    trans2 = rand_log(rng, (5, 5, 5), np.float32, p_inf=0)
    _, lp64 = ref.viterbi2_lattice(emit.astype(np.float64), None, trans2)
    paths, log_probs = viterbi2_lattice(emit, None, trans2)
    ref_paths, lp32 = ref.viterbi2_lattice(emit, None, trans2)
    assert lp32[0] != lp64[0]
    assert log_probs[0] == lp32[0]
    assert_array_equal(paths, ref_paths)
    table = TrigramTable.from_dense(trans2)
    assert table.dtype == np.float32
    assert viterbi2_lattice(emit, None, table)[1][0] == lp32[0]


# --------------------------------------------------------------------------
# TrigramTable from counts
# --------------------------------------------------------------------------


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
@pytest.mark.parametrize("seed", range(6))
def test_table_from_counts_decodes_like_its_dense_table(smoothing, seed):
    rng = np.random.default_rng(300 + seed)
    k = int(rng.integers(1, 6))
    table, _, _ = table_from_corpus(rng, k, smoothing, n_sent=int(rng.integers(1, 9)))
    assert table.dtype == np.float64
    lengths = [int(x) for x in rng.permutation([0, 1, 2, 3, 7, 4])]
    for dtype in (np.float64, np.float32):
        tab = table.astype(dtype)
        dense = tab.dense()
        assert dense.dtype == dtype and dense.shape == (k + 1,) * 3
        for p_inf in (0.0, 0.4):
            emit = rand_log(rng, (sum(lengths), k), dtype, p_inf)
            got = viterbi2_lattice(emit, lengths, tab)
            assert_same(got, viterbi2_batch(emit, lengths, dense), lengths)
            assert_same(got, ref.viterbi2_lattice(emit, lengths, dense))
            csr = rand_lattice(rng, sum(lengths), k, dtype)
            beam = [None, 1.0][seed % 2]
            got = viterbi2_lattice(csr, lengths, tab, beam=beam)
            assert_same(got, ref.viterbi2_lattice(csr, lengths, dense, beam=beam))


def random_table(rng, k, dtype):
    """A TrigramTable with random values in all three of its parts: seen
    trigrams, unseen trigrams of seen histories (bias + log_seen), and
    unseen histories (log_unseen)."""
    k1 = k + 1
    seen = np.flatnonzero(rng.random(k1 * k1) < 0.5)
    history_row = np.full(k1 * k1, -1, np.int32)
    history_row[seen] = np.arange(seen.size)
    rows = [
        np.sort(rng.choice(k1, size=int(rng.integers(0, k1 + 1)), replace=False))
        for _ in seen
    ]
    indptr = np.concatenate(([0], np.cumsum([r.size for r in rows]))).astype(np.int64)
    next_tag = np.concatenate(rows + [np.zeros(0, int)]).astype(np.int32)
    return TrigramTable(
        history_row,
        indptr,
        next_tag,
        rand_log(rng, next_tag.size, dtype),
        rand_log(rng, seen.size, dtype, p_inf=0),
        rand_log(rng, (k1, k1), dtype),
        rand_log(rng, (k1, k1), dtype),
    )


@pytest.mark.parametrize("seed", range(10))
def test_any_table_decodes_like_its_dense_table(seed):
    rng = np.random.default_rng(350 + seed)
    k, dtype = int(rng.integers(1, 6)), [np.float32, np.float64][seed % 2]
    table = random_table(rng, k, dtype)
    dense = table.dense()
    assert_array_equal(TrigramTable.from_dense(dense).dense(), dense)
    lengths = [int(x) for x in rng.permutation([0, 1, 2, 3, 11, 6])]
    emit = rand_log(rng, (sum(lengths), k), dtype, 0.2)
    got = viterbi2_lattice(emit, lengths, table)
    assert_same(got, viterbi2_batch(emit, lengths, dense), lengths)
    assert_same(got, ref.viterbi2_lattice(emit, lengths, dense))
    csr = rand_lattice(rng, sum(lengths), k, dtype)
    got = viterbi2_lattice(csr, lengths, table, beam=2.0)
    assert_same(got, ref.viterbi2_lattice(csr, lengths, dense, beam=2.0))


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
@pytest.mark.parametrize("seed", range(8))
def test_table_from_counts_is_a_distribution(smoothing, seed):
    rng = np.random.default_rng(400 + seed)
    k = int(rng.integers(1, 6))
    table, keys, counts = table_from_corpus(
        rng, k, smoothing, n_sent=int(rng.integers(1, 12)), skew=seed % 2 == 0
    )
    dense = table.dense()
    assert_array_equal(TrigramTable.from_dense(dense).dense(), dense)
    assert TrigramTable.from_dense(dense).nbytes > 0 and table.nbytes > 0
    b = k
    assert dense[b, b, b] == -np.inf  # sentences are never empty
    k1 = k + 1
    hist = keys // k1
    context = {h: counts[hist == h].sum() for h in np.unique(hist)}
    if smoothing == "mle":
        expected = np.zeros((k1, k1, k1))
        for key, c in zip(keys, counts):
            expected.reshape(-1)[key] = c / context[key // k1]
        with np.errstate(divide="ignore"):
            assert_allclose(np.exp(dense), expected, rtol=1e-12, atol=0)
        assert_array_equal(np.isfinite(dense), expected > 0)
        for h in context:  # the seen histories are distributions
            assert_allclose(np.exp(dense.reshape(k1 * k1, k1)[h]).sum(), 1.0)
    else:
        assert_allclose(np.exp(dense).sum(axis=2), 1.0, rtol=1e-12)
        # no transition to a tag seen in training has probability zero but
        # the empty sentence's; one to a tag never seen has (p1 = 0)
        seen_w = np.isin(np.arange(k1), keys % k1)
        finite = np.isfinite(dense)
        assert finite[:, :, seen_w].sum() == k1 * k1 * seen_w.sum() - 1
        if smoothing == "add-one":
            assert finite[:, :, ~seen_w].all()
        else:
            assert not finite[:, :, ~seen_w].any()
    if smoothing == "add-one":
        for h, c in context.items():  # (count + 1) / (context + K + 1), or + K
            u, v = divmod(int(h), k1)
            den = c + k1 - (u == v == b)
            seen = keys[hist == h] % k1
            row = np.exp(dense[u, v])
            assert_allclose(row[seen], (counts[hist == h] + 1) / den, rtol=1e-12)
            rest = np.setdiff1d(np.arange(k1), seen)
            rest = rest[~((u == v == b) & (rest == b))]
            assert_allclose(row[rest], 1 / den, rtol=1e-12)


# --------------------------------------------------------------------------
# the NumPy reference on sparse lattices
# --------------------------------------------------------------------------


@SETTINGS
@given(
    problems(max_k=6),
    st.sampled_from(BEAMS),
    st.booleans(),
    st.sampled_from(["dense"] + SMOOTHINGS),
)
def test_sparse_lattice_matches_reference(problem, beam, use_symbols, transitions):
    k, lengths, dtype, p_inf, discrete, rng = problem
    n = sum(lengths)
    if transitions == "dense":
        trans2 = rand_log(rng, (k + 1,) * 3, dtype, p_inf, discrete)
        given_trans = trans2
    else:
        table, _, _ = table_from_corpus(rng, k, transitions)
        given_trans = table.astype(dtype)
        trans2 = given_trans.dense()
    n_rows = int(rng.integers(1, 7)) if use_symbols else n
    csr = rand_lattice(rng, n_rows, k, dtype, p_inf / 3, discrete)
    symbols = rng.integers(0, n_rows, size=n) if use_symbols else None
    got = viterbi2_lattice(csr.copy(), lengths, given_trans, symbols, beam)
    expected = ref.viterbi2_lattice(csr, lengths, trans2, symbols, beam)
    assert_same(got, expected)


@SETTINGS
@given(problems(max_k=6), st.sampled_from(BEAMS))
def test_dense_lattice_matches_reference(problem, beam):
    k, lengths, dtype, p_inf, discrete, rng = problem
    trans2 = rand_log(rng, (k + 1,) * 3, dtype, p_inf, discrete)
    emit = rand_log(rng, (sum(lengths), k), dtype, max(p_inf, 0.3), discrete)
    got = viterbi2_lattice(emit, lengths, trans2, beam=beam)
    assert_same(got, ref.viterbi2_lattice(emit, lengths, trans2, beam=beam))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sparse_equals_dense_with_minus_inf_outside(dtype):
    # The same lattice given as CSR and as a dense table with -inf outside
    # the candidates decodes alike, bit for bit.
    rng = np.random.default_rng(30)
    k, lengths = 7, [0, 1, 2, 9, 5]
    csr = rand_lattice(rng, sum(lengths), k, dtype, empty_row=True)
    dense = np.full(csr.shape, -np.inf, dtype)
    dense[np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr)), csr.indices] = (
        csr.data
    )
    trans2 = rand_log(rng, (k + 1,) * 3, dtype, 0.1)
    got = viterbi2_lattice(csr, lengths, trans2)
    assert_same(got, viterbi2_lattice(dense, lengths, trans2))
    assert_same(got, viterbi2_batch(dense, lengths, trans2), lengths)
    assert got[1][np.isfinite(got[1])].size >= 1


def test_other_sparse_formats_and_unsorted_duplicate_entries():
    rng = np.random.default_rng(31)
    k, lengths = 4, [3, 0, 4]
    csr = rand_lattice(rng, 7, k, np.float64, empty_row=True)
    trans2 = rand_log(rng, (k + 1,) * 3)
    expected = viterbi2_lattice(csr, lengths, trans2)
    for other in (csr.tocsc(), csr.tocoo(), sp.csr_array(csr), csr.tolil()):
        assert_same(viterbi2_lattice(other, lengths, trans2), expected)
    # each row's entries reversed, and one entry split in two halves
    rows = np.repeat(np.arange(7), np.diff(csr.indptr))
    order = np.lexsort((-csr.indices, rows))
    data, indices = csr.data[order], csr.indices[order]
    split = int(np.flatnonzero(csr.data > -np.inf)[0])
    at = np.flatnonzero(order == split)[0]
    data = np.insert(data, at, data[at] / 2)
    data[at + 1] /= 2
    indices = np.insert(indices, at, indices[at])
    indptr = csr.indptr.copy()
    indptr[rows[split] + 1 :] += 1
    messy = sp.csr_matrix((data, indices, indptr), shape=csr.shape)
    assert not messy.has_canonical_format
    got = viterbi2_lattice(messy.copy(), lengths, trans2)
    assert_array_equal(got[0], expected[0])
    assert_allclose(got[1], expected[1], rtol=1e-15)
    assert_same(got, ref.viterbi2_lattice(messy, lengths, trans2))


def test_inputs_are_not_modified():
    rng = np.random.default_rng(32)
    k, lengths = 3, [4, 2]
    trans2 = rand_log(rng, (k + 1,) * 3)
    emit = rand_log(rng, (6, k), p_inf=0.3)
    table = TrigramTable.from_dense(trans2)
    copies = [a.copy() for a in (trans2, emit, *table.arrays())]
    viterbi2_lattice(emit, lengths, trans2)
    viterbi2_lattice(emit, lengths, table, beam=1.0)
    for a, c in zip((trans2, emit, *table.arrays()), copies):
        assert_array_equal(a, c)
    # a CSR whose rows are not sorted and hold a duplicate entry
    data = np.array([-1.0, -2.0, -0.5, -0.25, -3.0, -1.5])
    indices = np.array([2, 0, 1, 1, 0, 2], dtype=np.int32)
    indptr = np.array([0, 2, 4, 5, 6, 6, 6])
    messy = sp.csr_matrix((data.copy(), indices.copy(), indptr.copy()), shape=(6, k))
    viterbi2_lattice(messy, lengths, trans2)
    assert_array_equal(messy.indptr, indptr)
    assert_array_equal(messy.indices, indices)
    assert_array_equal(messy.data, data)


def test_candidate_lattice():
    emit = np.array([[0.0, -np.inf, -1.0], [-np.inf] * 3, [-np.inf, -2.0, -np.inf]])
    ptr, tags, values = candidate_lattice(emit, 3, np.float32)
    assert_array_equal(ptr, [0, 2, 3, 4])
    assert_array_equal(tags, [0, 2, 0, 1])
    assert values.dtype == np.float32
    assert_array_equal(values, [0.0, -1.0, -np.inf, -2.0])
    # CSR: stored entries, explicit zeros and -inf included
    csr = sp.csr_matrix(
        (np.array([0.0, -np.inf, -3.0]), np.array([1, 0, 2]), np.array([0, 2, 2, 3])),
        shape=(3, 3),
    )
    ptr, tags, values = candidate_lattice(csr, 3, np.float64)
    assert_array_equal(ptr, [0, 2, 3, 4])
    assert_array_equal(tags, [0, 1, 0, 2])
    assert_array_equal(values, [-np.inf, 0.0, -np.inf, -3.0])


# --------------------------------------------------------------------------
# brute force
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(24))
def test_matches_brute_force(seed):
    rng = np.random.default_rng(500 + seed)
    k, t = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    p_inf = 0.0 if seed % 3 else 0.25
    trans2 = rand_log(rng, (k + 1,) * 3, p_inf=p_inf)
    if seed % 2:
        emit = rand_lattice(rng, t, k, np.float64, empty_row=seed % 4 == 1)
    else:
        emit = rand_log(rng, (t, k), p_inf=0.4)
    cands, rows = candidates(emit), emission_lookup(emit)
    scores = {
        p: path_score2(p, rows, trans2) for p in itertools.product(*cands)
    }  # no path at all when a row has no candidate
    best = max(scores.values(), default=-np.inf)
    paths, log_probs = viterbi2_lattice(emit, [t], trans2)
    assert paths.shape == (t,)
    if best == -np.inf:
        assert log_probs[0] == -np.inf
        return
    assert_allclose(log_probs[0], best, rtol=1e-9, atol=0)
    assert tuple(paths) in scores
    assert_allclose(scores[tuple(paths)], best, rtol=1e-9, atol=0)


@SETTINGS
@given(problems(max_k=8, max_len=10), st.sampled_from(BEAMS))
def test_paths_stay_in_the_lattice(problem, beam):
    k, lengths, dtype, _, _, rng = problem
    csr = rand_lattice(rng, sum(lengths), k, dtype)
    trans2 = rand_log(rng, (k + 1,) * 3, dtype, 0.1)
    paths, log_probs = viterbi2_lattice(csr, lengths, trans2, beam=beam)
    cands, rows = candidates(csr), emission_lookup(csr)
    ends = np.cumsum(lengths)
    for s, (a, z) in enumerate(zip(ends - lengths, ends)):
        if np.isfinite(log_probs[s]):
            assert all(paths[i] in cands[i] for i in range(a, z))
            assert_allclose(
                path_score2(paths[a:z], rows[a:z], trans2), log_probs[s], RTOL[dtype]
            )
    assert ((paths >= 0) & (paths < k)).all()


# --------------------------------------------------------------------------
# beam
# --------------------------------------------------------------------------


@SETTINGS
@given(problems(max_k=6), st.floats(0.0, 8.0))
def test_beam_never_beats_exact(problem, beam):
    k, lengths, dtype, p_inf, discrete, rng = problem
    trans2 = rand_log(rng, (k + 1,) * 3, dtype, p_inf, discrete)
    csr = rand_lattice(rng, sum(lengths), k, dtype, empty_row=False)
    cands, rows = candidates(csr), emission_lookup(csr)
    exact = viterbi2_lattice(csr, lengths, trans2)
    assert_same(viterbi2_lattice(csr, lengths, trans2, beam=1e6), exact)
    ends = np.cumsum(lengths)
    for b in (0.0, beam):
        paths, log_probs = viterbi2_lattice(csr, lengths, trans2, beam=b)
        assert (log_probs <= exact[1]).all()
        assert ((paths >= 0) & (paths < k)).all()
        for s, (a, z) in enumerate(zip(ends - lengths, ends)):
            assert all(paths[i] in cands[i] for i in range(a, z))
            if np.isfinite(log_probs[s]):  # the score of the path it returns
                assert_allclose(
                    path_score2(paths[a:z], rows[a:z], trans2),
                    log_probs[s],
                    rtol=RTOL[dtype],
                )
        assert_same(
            (paths, log_probs), ref.viterbi2_lattice(csr, lengths, trans2, beam=b)
        )


def test_no_beam_is_an_infinite_beam():
    rng = np.random.default_rng(40)
    k, lengths = 4, [5, 0, 3]
    trans2 = rand_log(rng, (k + 1,) * 3)
    csr = rand_lattice(rng, 8, k, np.float64, empty_row=False)
    exact = viterbi2_lattice(csr, lengths, trans2)
    assert_same(viterbi2_lattice(csr, lengths, trans2, beam=None), exact)
    assert_same(viterbi2_lattice(csr, lengths, trans2, beam=np.inf), exact)


def test_beam_zero_keeps_one_pair_per_step():
    # With beam 0 only the best pair of step t - 1 is extended at step t.
    # Two steps: every w of step 1 is still tried from the best (B, y_0), and
    # the end transition picks y_1 = 1, as the exact search does.
    trans2 = np.log(np.full((3, 3, 3), 0.5))
    trans2[:, 0, 2] = np.log(1e-6)  # ending in state 0 is nearly impossible
    emit = np.log(np.array([[0.6, 0.4], [0.6, 0.4]]))
    exact = viterbi2_lattice(emit, None, trans2)
    assert_array_equal(exact[0], [0, 1])
    greedy = viterbi2_lattice(emit, None, trans2, beam=0.0)
    assert_array_equal(greedy[0], [0, 1])  # step 1 still sees every w
    # Three steps: the exact path starts in state 1, whose pair (B, 1) is
    # second best after step 0, so beam 0 loses it.
    emit3 = np.log(np.array([[0.6, 0.4], [0.9, 0.1], [0.5, 0.5]]))
    trans2[:, :, :] = np.log(0.5)
    trans2[0, 0, :2] = np.log(1e-3)  # (0, 0) then anything: bad
    exact = viterbi2_lattice(emit3, None, trans2)
    pruned = viterbi2_lattice(emit3, None, trans2, beam=0.0)
    ref_pruned = ref.viterbi2_lattice(emit3, None, trans2, beam=0.0)
    assert_same(pruned, ref_pruned)
    assert pruned[1][0] < exact[1][0]
    assert_array_equal(exact[0], [1, 0, 0])
    assert_array_equal(pruned[0], [0, 0, 0])


def test_beam_floor_is_compared_in_float64():
    # float32 scores 0 and float32(-0.1) = -0.10000000149 after step 0: with
    # beam 0.1 the second lies below 0 - 0.1 (in float64, not in float32)
    # and is dropped, though the exact path goes through it.
    trans2 = np.zeros((3, 3, 3), np.float32)
    trans2[2, 0, :] = -5.0
    emit = np.array([[0.0, -0.1], [0.0, 0.0]], np.float32)
    exact = viterbi2_lattice(emit, None, trans2)
    assert_array_equal(exact[0], [1, 0])
    for beam, path in [(0.1, [0, 0]), (np.float32(0.1), [1, 0]), (0.2, [1, 0])]:
        got = viterbi2_lattice(emit, None, trans2, beam=beam)
        assert_array_equal(got[0], path)
        assert_same(got, ref.viterbi2_lattice(emit, None, trans2, beam=beam))


# --------------------------------------------------------------------------
# edge cases
# --------------------------------------------------------------------------


def test_empty_and_impossible_sequences():
    trans2 = np.zeros((4, 4, 4))
    for emit in (np.zeros((0, 3)), sp.csr_matrix((0, 3))):
        for lengths in ([0, 0], []):
            paths, log_probs = viterbi2_lattice(emit, lengths, trans2)
            assert paths.shape == (0,) and paths.dtype == np.int64
            assert_array_equal(log_probs, np.zeros(len(lengths)))
    emit = np.zeros((5, 3))
    emit[3] = -np.inf  # no candidate at step 3 (sequence 1)
    paths, log_probs = viterbi2_lattice(emit, [2, 3], trans2)
    assert log_probs[0] == np.log(1.0) and log_probs[1] == -np.inf
    assert_same((paths, log_probs), ref.viterbi2_lattice(emit, [2, 3], trans2))
    _, log_probs = viterbi2_lattice(emit[:2], None, np.full((4, 4, 4), -np.inf))
    assert_array_equal(log_probs, [-np.inf])


def test_lengths_none_and_symbol_column():
    rng = np.random.default_rng(41)
    trans2 = rand_log(rng, (4, 4, 4))
    table = rand_log(rng, (5, 3), p_inf=0.3)
    sym = rng.integers(0, 5, size=9)
    expected = viterbi2_lattice(table[sym], [9], trans2)
    assert_same(viterbi2_lattice(table[sym], None, trans2), expected)
    for s in (sym[:, None], sym.astype(np.uint8)):
        assert_same(viterbi2_lattice(table, None, trans2, symbols=s), expected)


def test_single_state_and_ties_go_low():
    rng = np.random.default_rng(42)
    emit = rand_log(rng, (6, 1), p_inf=0)
    trans2 = rand_log(rng, (2, 2, 2), p_inf=0)
    paths, log_probs = viterbi2_lattice(emit, [2, 4], trans2)
    assert_array_equal(paths, 0)
    assert_same((paths, log_probs), viterbi2_batch(emit, [2, 4], trans2))
    paths, log_probs = viterbi2_lattice(
        np.zeros((9, 3)), [5, 1, 0, 3], np.zeros((4,) * 3)
    )
    assert_array_equal(paths, 0)
    assert_array_equal(log_probs, 0.0)
    # explicit zeros: states 1 and 2 are candidates, 0 is not
    csr = sp.csr_matrix((np.zeros(8), np.tile([1, 2], 4), np.arange(0, 9, 2)), (4, 3))
    paths, _ = viterbi2_lattice(csr, [4], np.zeros((4,) * 3))
    assert_array_equal(paths, 1)


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------


def _bad_csr(value):
    csr = sp.csr_matrix((np.zeros(4), [0, 1, 2, 0], [0, 1, 2, 3, 4]), shape=(4, 3))
    csr.data[2] = value
    return csr


@pytest.mark.parametrize(
    "change, error, match",
    [
        (dict(log_emit=np.zeros((4, 2))), ValueError, "log_emit.*columns"),
        (dict(log_emit=sp.csr_matrix((4, 4))), ValueError, "log_emit.*columns"),
        (dict(log_emit=np.zeros(4)), ValueError, "log_emit.*2-D"),
        (dict(log_emit=np.full((4, 3), np.nan)), ValueError, "log_emit.*NaN"),
        (dict(log_emit=np.full((4, 3), np.inf)), ValueError, r"log_emit.*\+inf"),
        (dict(log_emit=_bad_csr(np.nan)), ValueError, "log_emit.*NaN"),
        (dict(log_emit=_bad_csr(np.inf)), ValueError, r"log_emit.*\+inf"),
        (dict(log_emit=np.zeros((4, 3), complex)), TypeError, "log_emit.*real"),
        (dict(log_emit=np.array([["a"] * 3] * 4)), TypeError, "log_emit.*numeric"),
        (dict(lengths=[2, 3]), ValueError, "lengths sums to"),
        (dict(lengths=[1, 1]), ValueError, "lengths sums to"),
        (dict(lengths=[5, -1]), ValueError, "lengths.*non-negative"),
        (dict(lengths=[2.0, 2.0]), TypeError, "lengths.*integers"),
        (dict(beam=-0.5), ValueError, "beam.*>= 0"),
        (dict(beam="wide"), TypeError, "beam.*Real"),
        (dict(beam=True), TypeError, "beam.*Real"),
        (dict(beam=np.nan), ValueError, "beam"),
        (dict(transitions=np.zeros((4, 4, 3))), ValueError, "transitions.*shape"),
        (dict(transitions=np.zeros((4, 4))), ValueError, "transitions.*3-D"),
        (dict(transitions=np.zeros((1, 1, 1))), ValueError, "transitions.*K >= 1"),
        (dict(transitions=np.full((4, 4, 4), np.nan)), ValueError, "transitions.*NaN"),
        (
            dict(transitions=np.full((4,) * 3, np.inf)),
            ValueError,
            r"transitions.*\+inf",
        ),
        (dict(transitions=np.zeros((5, 5, 5))), ValueError, "log_emit.*columns"),
        (
            dict(transitions=TrigramTable.from_dense(np.zeros((5, 5, 5)))),
            ValueError,
            "log_emit.*columns",
        ),
    ],
)
def test_bad_input(change, error, match):
    kw = dict(log_emit=np.zeros((4, 3)), lengths=[2, 2], transitions=np.zeros((4,) * 3))
    kw.update(change)
    with pytest.raises(error, match=match):
        viterbi2_lattice(**kw)


@pytest.mark.parametrize(
    "symbols, error, match",
    [
        ([0, 1, -1, 2], ValueError, "symbols.*non-negative"),
        ([0, 1, 3, 2], ValueError, "symbols holds symbol 3"),
        ([0.0, 1.0, 2.0, 0.0], TypeError, "symbols.*integers"),
        (np.zeros((4, 2), dtype=int), ValueError, "symbols.*shape"),
        ([0, 1, 2], ValueError, "lengths sums to"),
    ],
)
@pytest.mark.parametrize("sparse", [False, True])
def test_bad_symbols(symbols, error, match, sparse):
    table = sp.csr_matrix(np.zeros((3, 3))) if sparse else np.zeros((3, 3))
    with pytest.raises(error, match=match):
        viterbi2_lattice(table, [2, 2], np.zeros((4,) * 3), symbols=symbols)


def test_symbols_need_a_table_row():
    for table in (np.zeros((0, 3)), sp.csr_matrix((0, 3))):
        with pytest.raises(ValueError, match="log_emit.*row"):
            viterbi2_lattice(table, [0], np.zeros((4,) * 3), symbols=np.zeros(0, int))
