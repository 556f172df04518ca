"""HMMTagger with big tag sets: the lattice decoder, the start distribution,
unsmoothed MLE, word shapes, candidates, beam, files."""

import numba
import numpy as np
import pytest
from test_tagger import HAND_TAGS, HAND_WORDS, first_order_hmm, sample_corpus

from fastapml.hmm import HMMTagger
from fastapml.hmm.unknown import top_candidates, word_shape


def morph_corpus(rng, n_sent, n_pos=6, n_feats=40, n_words=400):
    """Sentences whose tags are "P<i>|F<j>": a first-order HMM over POS, and
    a feature value that repeats the previous token's with probability 0.7 —
    a big tag set with real second-order structure."""
    start, trans, emit = first_order_hmm(rng, n_tags=n_pos, n_words=n_words)
    x, y = sample_corpus(rng, trans, emit, n_sent, start)
    tags = []
    for sentence in y:
        feat, out = int(rng.integers(n_feats)), []
        for tag in sentence:
            if rng.random() > 0.7:
                feat = int(rng.integers(n_feats))
            out.append(f"P{tag[1:]}|F{feat}")
        tags.append(out)
    # words carry the feature in a suffix, so the suffix model can guess it
    words = [
        [f"{w}x{t.split('|F')[1]}" for w, t in zip(s, ts)] for s, ts in zip(x, tags)
    ]
    return words, tags


@pytest.fixture(scope="module")
def morph_data():
    rng = np.random.default_rng(7)
    return morph_corpus(rng, 500), morph_corpus(rng, 150)


# ----------------------------------------------------------------------
# the lattice decoder is exact within its lattice
# ----------------------------------------------------------------------
@pytest.mark.parametrize("smoothing", ["tnt", "mle"])
def test_lattice_with_every_tag_equals_dense_bit_for_bit(morph_data, smoothing):
    (x, y), (x_test, _) = morph_data
    n_tags = len({t for s in y for t in s})
    dense = HMMTagger(smoothing=smoothing, decoder="dense").fit(x, y)
    lattice = HMMTagger(
        smoothing=smoothing,
        decoder="lattice",
        candidate_mass=1.0,
        max_candidates=n_tags,
    ).fit(x, y)
    assert (dense.decoder_, lattice.decoder_) == ("dense", "lattice")
    x_test = x_test + [["Never", "seen", "1,234", "?!"], []]
    log_p_dense, tags_dense = dense.decode(x_test)
    log_p_lattice, tags_lattice = lattice.decode(x_test)
    np.testing.assert_array_equal(log_p_lattice, log_p_dense)
    assert tags_lattice == tags_dense
    if smoothing == "mle":  # unknown words: impossible sentences, no NaN
        assert np.isneginf(log_p_dense).any() and not np.isnan(log_p_dense).any()


def test_auto_decoder_follows_the_tag_set_size(morph_data):
    (x, y), _ = morph_data
    assert HMMTagger().fit(HAND_WORDS, HAND_TAGS).decoder_ == "dense"
    big = HMMTagger().fit(x, y)
    assert big.decoder_ == "lattice" and not hasattr(big, "log_trans2_")
    assert HMMTagger(order=1).fit(x, y).decoder_ == "dense"


def test_order2_lattice_beats_order1_on_morphological_tags(morph_data):
    (x, y), (x_test, y_test) = morph_data
    acc1 = HMMTagger(order=1).fit(x, y).score(x_test, y_test)
    acc2 = HMMTagger(order=2).fit(x, y).score(x_test, y_test)
    assert acc2 > acc1


def test_thousands_of_tags_fit_and_decode_in_little_memory():
    n_tags = 1500  # (K + 1)^3 = 3.4e9 dense entries; the lattice needs O(K^2)
    rng = np.random.default_rng(3)
    tag_ids = rng.permutation(np.tile(np.arange(n_tags), 3)).reshape(-1, 9)
    x = [[f"w{t}" for t in row] for row in tag_ids]
    y = [[f"T{t}" for t in row] for row in tag_ids]
    model = HMMTagger().fit(x, y)
    assert model.tags_.size == n_tags and model.trigram_.nbytes < 24 * 1501**2
    assert model.predict(x[:20]) == y[:20]


def test_thread_count_does_not_change_results(morph_data):
    (x, y), (x_test, _) = morph_data
    model = HMMTagger().fit(x, y)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = model.decode(x_test)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = model.decode(x_test)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one[0], two[0])
    assert one[1] == two[1]


# ----------------------------------------------------------------------
# candidates and beam
# ----------------------------------------------------------------------
def test_candidates_of_known_and_unknown_words(morph_data):
    (x, y), _ = morph_data
    model = HMMTagger(max_candidates=5, candidate_mass=0.9).fit(x, y)
    word = x[0][0]
    ptr, tags, emit = model.candidate_lattice([word, "zzzx3", "zzzx3"])
    seen = {t for s, ts in zip(x, y) for w, t in zip(s, ts) if w == word}
    assert set(model.tags_[tags[ptr[0] : ptr[1]]]) == seen
    unknown = tags[ptr[1] : ptr[2]]
    assert 1 <= unknown.size <= 5 and np.all(np.diff(unknown) > 0)
    np.testing.assert_array_equal(unknown, tags[ptr[2] : ptr[3]])
    np.testing.assert_array_equal(
        emit,
        model.log_emission([word, "zzzx3", "zzzx3"])[
            np.repeat([0, 1, 2], np.diff(ptr)), tags
        ],
    )
    one = HMMTagger(max_candidates=1).fit(x, y).candidate_lattice(["zzzx3"])
    assert np.diff(one[0]).tolist() == [1]


def test_top_candidates_mass_and_cap():
    probs = np.array([[0.5, 0.2, 0.3, 0.0], [0.25, 0.25, 0.25, 0.25]])
    counts, cols = top_candidates(probs, 0.75, 4)
    assert counts.tolist() == [2, 3] and cols.tolist() == [0, 2, 0, 1, 2]
    counts, cols = top_candidates(probs, 1.0, 4)  # never a zero-probability tag
    assert counts.tolist() == [3, 4]
    counts, _ = top_candidates(probs, 1.0, 2)
    assert counts.tolist() == [2, 2]


def test_beam_trades_exactness_for_speed(morph_data):
    (x, y), (x_test, _) = morph_data
    exact = HMMTagger().fit(x, y)
    wide = HMMTagger(beam=1e6).fit(x, y)
    narrow = HMMTagger(beam=0.0).fit(x, y)
    log_p, tags = exact.decode(x_test)
    np.testing.assert_array_equal(wide.decode(x_test)[0], log_p)
    log_p0, tags0 = narrow.decode(x_test)
    assert np.all(log_p0 <= log_p) and [len(t) for t in tags0] == [len(t) for t in tags]


# ----------------------------------------------------------------------
# estimation: start distribution, MLE
# ----------------------------------------------------------------------
@pytest.mark.parametrize("smoothing", ["tnt", "add-one", "mle"])
def test_start_distribution_has_no_mass_on_the_boundary(smoothing):
    first = HMMTagger(order=1, smoothing=smoothing).fit(HAND_WORDS, HAND_TAGS)
    assert np.exp(first.log_start_).sum() == pytest.approx(1.0)
    second = HMMTagger(smoothing=smoothing).fit(HAND_WORDS, HAND_TAGS)
    k = second.tags_.size
    start = np.exp(second.log_trans2_[k, k])
    assert start[k] == 0.0 and start.sum() == pytest.approx(1.0)


def test_mle_is_relative_frequency_by_hand():
    # Tags X, Y, boundary #.  Sentences: X Y / X X Y / Y.
    first = HMMTagger(order=1, smoothing="mle").fit(HAND_WORDS, HAND_TAGS)
    x, y = 0, 1
    assert first.lambdas_ is None
    np.testing.assert_allclose(np.exp(first.log_start_), [2 / 3, 1 / 3])
    np.testing.assert_allclose(np.exp(first.log_trans_), [[1 / 3, 2 / 3], [0, 0]])
    np.testing.assert_allclose(np.exp(first.log_end_), [0, 1])
    second = HMMTagger(smoothing="mle").fit(HAND_WORDS, HAND_TAGS)
    b = 2
    assert np.exp(second.log_trans2_[b, x, y]) == pytest.approx(1 / 2)  # (#,X,Y) 1 of 2
    assert second.log_trans2_[y, y, b] == -np.inf  # unseen history (Y, Y)
    emit = np.exp(second.log_emission(["a", "zzz"]))
    np.testing.assert_allclose(emit, [[2 / 3, 0], [0, 0]])


def test_mle_impossible_sentences_get_minus_inf_and_own_best_tags():
    model = HMMTagger(smoothing="mle").fit(HAND_WORDS, HAND_TAGS)
    log_p, tags = model.decode([["a", "b"], ["b", "a"], ["zzz", "a"], ["c", "b"]])
    assert np.isfinite(log_p[[0, 3]]).all() and np.isneginf(log_p[[1, 2]]).all()
    assert tags[0] == ["X", "Y"] and tags[3] == ["X", "Y"]
    # Y -> X never happens; each word takes its most frequent tag instead
    assert tags[1] == ["Y", "X"]
    # an unknown word takes the most frequent tag (X and Y tie at 3: X)
    assert tags[2] == ["X", "X"]


# ----------------------------------------------------------------------
# unknown words by shape
# ----------------------------------------------------------------------
def test_word_shapes():
    shapes = [
        word_shape(w) for w in ["2,026", "12:30", "3.5%", "?!", "(", "Tel", "aviv"]
    ]
    assert shapes == ["number", "number", "number", "punct", "punct", "upper", "lower"]


def test_numbers_and_punctuation_are_tagged_by_shape():
    rng = np.random.default_rng(0)
    letters = np.array(list("abcdefgh"))
    x, y = [], []
    for _ in range(300):
        words = ["".join(rng.choice(letters, 4)) + "7", f"{rng.integers(10**4)}", ","]
        x.append(words)
        y.append(["NOUN", "NUM", "PUNCT"])
    model = HMMTagger(order=1).fit(x, y)
    assert model.suffix_number_ is not model.suffix_lower_
    # the suffix "7" says NOUN, the shape says NUM; "!?" was never seen
    assert model.predict([["987657"], ["!?"]]) == [["NUM"], ["PUNCT"]]


# ----------------------------------------------------------------------
# parameters and files
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, match",
    [
        ({"decoder": "fast"}, "decoder"),
        ({"candidate_mass": 0.0}, "candidate_mass"),
        ({"candidate_mass": 1.5}, "candidate_mass"),
        ({"max_candidates": 0}, "max_candidates"),
        ({"beam": -1.0}, "beam"),
        ({"smoothing": "kneser-ney"}, "smoothing"),
    ],
)
def test_bad_lattice_params(params, match):
    with pytest.raises(ValueError, match=match):
        HMMTagger(**params).fit(HAND_WORDS, HAND_TAGS)


@pytest.mark.parametrize("smoothing", ["tnt", "add-one", "mle"])
def test_lattice_model_save_load_round_trip(tmp_path, morph_data, smoothing):
    (x, y), (x_test, _) = morph_data
    model = HMMTagger(
        smoothing=smoothing, max_candidates=7, candidate_mass=0.95, beam=20.0
    ).fit(x, y)
    path = tmp_path / "big.npz"
    model.save(path)
    loaded = HMMTagger.load(path)
    assert loaded.get_params() == model.get_params() and loaded.decoder_ == "lattice"
    x_test = x_test + [["Unseen", "1,234", "?!"]]
    np.testing.assert_array_equal(loaded.decode(x_test)[0], model.decode(x_test)[0])
    assert loaded.predict(x_test) == model.predict(x_test)
