"""HMMTagger: accuracy on sampled corpora, TnT smoothing, suffix model, I/O."""

import os
import string
import threading
from collections import Counter

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from fastapml.hmm import HMMTagger, tnt, viterbi_batch


# ----------------------------------------------------------------------
# corpora sampled from known HMMs
# ----------------------------------------------------------------------
def sample_corpus(rng, trans, emit, n_sent, start=None):
    """Sentences of words "w<j>" and tags "T<k>" from a first-order HMM
    (``start`` (K,), ``trans`` (K, K)) or a second-order one (``trans``
    (K+1, K+1, K), index K the boundary)."""
    n_tags, n_words = emit.shape
    sentences, tags = [], []
    for _ in range(n_sent):
        u = v = n_tags
        states = []
        for _ in range(int(rng.integers(4, 16))):
            if start is not None:
                p = start if v == n_tags else trans[v]
            else:
                p = trans[u, v]
            u, v = v, int(rng.choice(n_tags, p=p))
            states.append(v)
        sentences.append([f"w{rng.choice(n_words, p=emit[k])}" for k in states])
        tags.append([f"T{k}" for k in states])
    return sentences, tags


def first_order_hmm(rng, n_tags=6, n_words=200):
    return (
        rng.dirichlet(np.ones(n_tags)),
        rng.dirichlet(np.full(n_tags, 0.3), size=n_tags),
        rng.dirichlet(np.full(n_words, 0.05), size=n_tags),
    )


def second_order_hmm(rng, n_tags=3, n_words=30, p_rule=0.85):
    """Tags follow the rule "after two equal tags move on, else repeat"
    (T0 T0 T1 T1 T2 T2 T0 ...) with probability p_rule, which the previous tag
    alone cannot predict; emissions are ambiguous."""
    trans = np.full((n_tags + 1, n_tags + 1, n_tags), (1 - p_rule) / (n_tags - 1))
    for u in range(n_tags + 1):
        for v in range(n_tags + 1):
            if v == n_tags:
                target = 0
            else:
                target = (v + 1) % n_tags if u == v else v
            trans[u, v, target] = p_rule
    return trans, rng.dirichlet(np.full(n_words, 0.5), size=n_tags)


def majority_baseline(train_tags, test_tags):
    top = Counter(t for s in train_tags for t in s).most_common(1)[0][0]
    flat = [t for s in test_tags for t in s]
    return sum(t == top for t in flat) / len(flat)


@pytest.fixture(scope="module")
def first_order_data():
    rng = np.random.default_rng(1)
    start, trans, emit = first_order_hmm(rng)
    train = sample_corpus(rng, trans, emit, 600, start)
    test = sample_corpus(rng, trans, emit, 300, start)
    # accuracy of Viterbi with the true parameters: the best achievable
    words = np.array([int(w[1:]) for s in test[0] for w in s])
    with np.errstate(divide="ignore"):
        paths, _ = viterbi_batch(
            np.log(emit.T),
            [len(s) for s in test[0]],
            np.log(trans),
            np.log(start),
            symbols=words,
        )
    gold = np.array([int(t[1:]) for s in test[1] for t in s])
    return train, test, float((paths == gold).mean())


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("smoothing", ["tnt", "add-one"])
def test_accuracy_on_first_order_hmm(first_order_data, order, smoothing):
    (x, y), (x_test, y_test), oracle = first_order_data
    accuracy = (
        HMMTagger(order=order, smoothing=smoothing).fit(x, y).score(x_test, y_test)
    )
    assert accuracy > majority_baseline(y, y_test) + 0.4
    assert accuracy > oracle - 0.03


def test_order2_beats_order1_on_second_order_process():
    rng = np.random.default_rng(2)
    trans, emit = second_order_hmm(rng)
    x, y = sample_corpus(rng, trans, emit, 600)
    x_test, y_test = sample_corpus(rng, trans, emit, 300)
    acc1 = HMMTagger(order=1).fit(x, y).score(x_test, y_test)
    acc2 = HMMTagger(order=2).fit(x, y).score(x_test, y_test)
    assert acc2 > majority_baseline(y, y_test) + 0.3
    assert acc2 > acc1 + 0.05


def test_fit_learns_counts(first_order_data):
    (x, y), _, _ = first_order_data
    model = HMMTagger().fit(x, y)
    flat_tags = [t for s in y for t in s]
    assert model.tags_.tolist() == sorted(set(flat_tags))
    assert model.tag_counts_.sum() == len(flat_tags)
    assert set(model.vocabulary_) == {w for s in x for w in s}
    row, col = model.vocabulary_[x[0][0]], model.tags_.tolist().index(y[0][0])
    n = sum(w == x[0][0] and t == y[0][0] for s, ts in zip(x, y) for w, t in zip(s, ts))
    assert model.emission_counts_[row, col] == n
    # trigram distributions are normalized over the K tags plus the boundary
    trans = model.trigram_.dense()
    np.testing.assert_allclose(np.exp(trans).sum(axis=2), 1.0)
    # ... and only the empty sentence B B -> B is impossible
    k = model.tags_.size
    assert trans[k, k, k] == -np.inf
    trans[k, k, k] = 0.0
    assert np.isfinite(trans).all()


# ----------------------------------------------------------------------
# deleted interpolation and add-one, by hand
# ----------------------------------------------------------------------
# Tags X, Y; boundary #.  Sentences: X Y / X X Y / Y.
HAND_TAGS = [["X", "Y"], ["X", "X", "Y"], ["Y"]]
HAND_WORDS = [["a", "b"], ["a", "c", "b"], ["b"]]


def test_deleted_interpolation_bigram_by_hand():
    # Bigram events: (#,X) 2, (#,Y) 1, (X,X) 1, (X,Y) 2, (Y,#) 3; N = 9;
    # f(X) = f(Y) = f(#) = 3 as outcomes and as contexts.
    # (#,X): (2-1)/(3-1) = .5 > (3-1)/(9-1) = .25   -> lambda2 += 2
    # (#,Y): 0 < .25 -> lambda1 += 1;  (X,X): 0 < .25 -> lambda1 += 1
    # (X,Y): .5 > .25 -> lambda2 += 2; (Y,#): 1 > .25 -> lambda2 += 3
    model = HMMTagger(order=1).fit(HAND_WORDS, HAND_TAGS)
    np.testing.assert_allclose(model.lambdas_, [2 / 9, 7 / 9])
    assert model.lambdas_.sum() == pytest.approx(1.0)
    l1, l2 = 2 / 9, 7 / 9
    x, y = 0, 1
    # P(Y | X) = l1 P(Y) + l2 f(X,Y) / f(X)
    assert np.exp(model.log_trans_[x, y]) == pytest.approx(l1 * 3 / 9 + l2 * 2 / 3)
    # the start row is conditioned on a non-empty sentence: P(# | #) = l1 3/9
    # (the empty sentence) is dropped and the rest renormalized
    assert np.exp(model.log_start_[y]) == pytest.approx(
        (l1 * 3 / 9 + l2 * 1 / 3) / (1 - l1 * 3 / 9)
    )
    assert np.exp(model.log_start_).sum() == pytest.approx(1.0)
    # X is never followed by the boundary: only the unigram term remains
    assert np.exp(model.log_end_[x]) == pytest.approx(l1 * 3 / 9)


def test_deleted_interpolation_trigram_by_hand():
    # Trigram events (u, v, w) and the three held-out scores
    # (f(uvw)-1)/(f(uv)-1), (f(vw)-1)/(f(v)-1), (f(w)-1)/(N-1):
    #   (#,#,X) f=2: 1/2, 1/2, 1/4  tie -> lambda3 += 1, lambda2 += 1
    #   (#,X,Y) f=1: 0,   1/2, 1/4       -> lambda2 += 1
    #   (X,Y,#) f=2: 1/1, 2/2, 1/4  tie -> lambda3 += 1, lambda2 += 1
    #   (#,X,X) f=1: 0,   0,   1/4       -> lambda1 += 1
    #   (X,X,Y) f=1: 0/0 := 0, 1/2, 1/4  -> lambda2 += 1
    #   (#,#,Y) f=1: 0,   0,   1/4       -> lambda1 += 1
    #   (#,Y,#) f=1: 0/0 := 0, 2/2, 1/4  -> lambda2 += 1
    model = HMMTagger(order=2).fit(HAND_WORDS, HAND_TAGS)
    np.testing.assert_allclose(model.lambdas_, [2 / 9, 5 / 9, 2 / 9])
    l1, l2, l3 = model.lambdas_
    x, y, b = 0, 1, 2
    # P(Y | #, X) = l1 f(Y)/N + l2 f(X,Y)/f(X) + l3 f(#,X,Y)/f(#,X)
    assert np.exp(model.log_trans2_[b, x, y]) == pytest.approx(
        l1 * 3 / 9 + l2 * 2 / 3 + l3 * 1 / 2
    )
    # unseen context (Y, Y): the trigram term falls back to the bigram one
    assert np.exp(model.log_trans2_[y, y, b]) == pytest.approx(
        l1 * 3 / 9 + (l2 + l3) * 3 / 3
    )


def test_add_one_by_hand():
    model = HMMTagger(order=1, smoothing="add-one").fit(HAND_WORDS, HAND_TAGS)
    assert model.lambdas_ is None
    x, y = 0, 1
    # n(X -> Y) = 2, n(X -> .) = 3, K + 1 = 3 outcomes
    assert np.exp(model.log_trans_[x, y]) == pytest.approx(3 / 6)
    assert np.exp(model.log_end_[x]) == pytest.approx(1 / 6)
    # n(# -> X) = 2 of n(#) = 3 starts, over the K = 2 real tags
    assert np.exp(model.log_start_[x]) == pytest.approx(3 / 5)
    assert np.exp(model.log_start_).sum() == pytest.approx(1.0)
    # emissions: V = 3 known words + the unknown class; n(X) = 3, n(a, X) = 2
    emit = np.exp(model.log_emission(["a", "b", "zzz", "qqq"]))
    np.testing.assert_allclose(emit[0], [3 / 7, 1 / 7])
    np.testing.assert_allclose(emit[1], [1 / 7, 4 / 7])
    np.testing.assert_allclose(emit[2], [1 / 7, 1 / 7])
    np.testing.assert_allclose(emit[3], emit[2])
    model2 = HMMTagger(order=2, smoothing="add-one").fit(HAND_WORDS, HAND_TAGS)
    # n(#, X, Y) = 1 of n(#, X) = 2
    assert np.exp(model2.log_trans2_[2, x, y]) == pytest.approx(2 / 5)


def test_tnt_known_word_emissions_are_mle():
    model = HMMTagger().fit(HAND_WORDS, HAND_TAGS)
    emit = np.exp(model.log_emission(["a", "c", "b"]))
    np.testing.assert_allclose(emit, [[2 / 3, 0], [1 / 3, 0], [0, 1]])


# ----------------------------------------------------------------------
# no sentence gets probability zero
# ----------------------------------------------------------------------
@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("smoothing", ["tnt", "add-one"])
def test_unseen_words_and_transitions_never_zero_a_sentence(order, smoothing):
    # A and B strictly alternate: A -> A, B -> B and a B start never occur,
    # and deleted interpolation gives the unigram weight (almost) nothing.
    x = [["a1", "b1", "a2", "b2"], ["a2", "b1", "a1", "b2", "a1", "b1"]] * 5
    y = [["A", "B"] * 2, ["A", "B"] * 3] * 5
    model = HMMTagger(order=order, smoothing=smoothing).fit(x, y)
    if smoothing == "tnt":
        assert model.lambdas_[0] == tnt.MIN_UNIGRAM_WEIGHT
        assert model.lambdas_.sum() == pytest.approx(1.0)
    tests = [
        ["a1", "a2", "a1"],  # forces A A A
        ["b1"],  # forces a B start and end
        ["zq", "unknown", "Words", "zz"],
        ["b2", "b1", "???", "a2", "a1"],
        [],
    ]
    log_probs, tags = model.decode(tests)
    assert np.isfinite(log_probs).all()
    assert log_probs[-1] == 0.0
    assert [len(t) for t in tags] == [len(s) for s in tests]
    if smoothing == "tnt":  # known words can only take their seen tag
        assert tags[0] == ["A", "A", "A"] and tags[1] == ["B"]
        assert tags[3][:2] == ["B", "B"] and tags[3][3:] == ["A", "A"]
    if order == 1:
        assert np.isfinite(model.log_trans_).all()
    else:  # every trigram but the empty sentence B B -> B
        trans = model.trigram_.dense()
        k = model.tags_.size
        assert trans[k, k, k] == -np.inf
        trans[k, k, k] = 0.0
        assert np.isfinite(trans).all()


# ----------------------------------------------------------------------
# unknown words: the suffix model
# ----------------------------------------------------------------------
def random_stems(rng, n, length=5, capital=False):
    letters = np.array(list(string.ascii_lowercase))
    stems = ["".join(rng.choice(letters, size=length)) for _ in range(n)]
    return [s.capitalize() for s in stems] if capital else stems


def test_unknown_words_tagged_by_suffix():
    rng = np.random.default_rng(3)
    endings = {"VERB": ("ing", 150), "NOUN": ("tion", 120), "ADV": ("ly", 100)}
    x, y = [], []
    for tag, (ending, n) in endings.items():  # one-word sentences: the
        for stem in random_stems(rng, n):  # transitions carry little clue
            x.append([stem + ending])
            y.append([tag])
    model = HMMTagger(order=2).fit(x, y)
    tests = [["jumping"], ["creation"], ["quickly"], ["sing"]]
    assert all(w[0] not in model.vocabulary_ for w in tests)
    assert model.predict(tests) == [["VERB"], ["NOUN"], ["ADV"], ["VERB"]]
    emit = model.log_emission(["walking", "nation"])
    tag = model.tags_.tolist()
    assert emit[0].argmax() == tag.index("VERB")
    assert emit[1].argmax() == tag.index("NOUN")
    # theta > 0 (unequal tag frequencies) keeps every tag possible
    assert model.theta_ > 0 and np.isfinite(emit).all()


def test_suffix_only_counts_rare_words():
    # "xing" is frequent (NOUN) and must not teach that -ing means NOUN;
    # rare -ing words are VERB.
    x = [["xing"]] * 50 + [[s + "ing"] for s in ("jump", "walk", "talk")]
    y = [["NOUN"]] * 50 + [["VERB"]] * 3
    model = HMMTagger(order=1, rare_max_count=10).fit(x, y)
    emit = model.log_emission(["running"])[0]
    assert model.tags_[emit.argmax()] == "VERB"
    model = HMMTagger(order=1, rare_max_count=100).fit(x, y)
    emit = model.log_emission(["running"])[0]
    assert model.tags_[emit.argmax()] == "NOUN"  # now xing counts too


def test_capitalization_model():
    rng = np.random.default_rng(4)
    x, y = [], []
    for stem in random_stems(rng, 300, capital=True):
        x.append([stem])
        y.append(["PROPN"])
    for stem in random_stems(rng, 300):
        x.append([stem])
        y.append(["NOUN"])
    model = HMMTagger(order=2).fit(x, y)
    assert model.suffix_upper_ is not model.suffix_lower_
    assert model.predict([["Quexal"], ["quexal"], ["Zz"], ["zz"]]) == [
        ["PROPN"],
        ["NOUN"],
        ["PROPN"],
        ["NOUN"],
    ]


def test_missing_capitalization_class_borrows_the_other():
    x, y = [["dog", "runs"], ["cat", "sleeps"]], [["NOUN", "VERB"]] * 2
    model = HMMTagger().fit(x, y)
    assert model.suffix_upper_ is model.suffix_lower_
    log_probs, tags = model.decode([["Rex", "jumps"]])
    assert np.isfinite(log_probs).all() and tags == [["NOUN", "VERB"]]


def test_suffix_length_zero_uses_rare_word_tag_distribution():
    x = [["a"], ["b"], ["c"], ["dd"], ["dd"]]
    y = [["X"], ["X"], ["Y"], ["Z"], ["Z"]]
    model = HMMTagger(order=1, suffix_length=0, rare_max_count=1).fit(x, y)
    # rare words: a, b (X) and c (Y); Z never rare -> impossible for unknowns
    probs = model.suffix_lower_.tag_probs(["a", "qqq"], model.theta_)
    np.testing.assert_allclose(probs, [[2 / 3, 1 / 3, 0]] * 2)
    emit = model.log_emission(["unseen"])[0]
    assert emit[2] == -np.inf
    np.testing.assert_allclose(np.exp(emit[:2]), [(2 / 3) / (2 / 5), (1 / 3) / (1 / 5)])


def test_successive_abstraction_formula():
    # rare words: "ab" (X) twice, "cb" (Y); suffixes "b": X 2, Y 1; "ab": X 2
    x, y = [["ab"], ["ab"], ["cb"]], [["X"], ["X"], ["Y"]]
    model = HMMTagger(order=1).fit(x, y)
    theta = model.theta_
    assert theta == pytest.approx(np.std([2 / 3, 1 / 3], ddof=1))
    p0 = np.array([2 / 3, 1 / 3])
    p1 = (np.array([2 / 3, 1 / 3]) + theta * p0) / (1 + theta)  # "b"
    p2 = (np.array([1.0, 0.0]) + theta * p1) / (1 + theta)  # "ab"
    trie = model.suffix_lower_
    np.testing.assert_allclose(trie.tag_probs(["zab", "zb", "zz"], theta), [p2, p1, p0])
    assert trie.suffixes.tolist() == ["ab", "b", "cb"]


def test_big_tagset_is_stored_sparsely():
    rng = np.random.default_rng(5)
    n_tags = 1200
    stems = random_stems(rng, 3000, length=6)
    x = [[s] for s in stems]
    y = [[f"T{i % n_tags}"] for i in range(len(stems))]
    model = HMMTagger(order=1).fit(x, y)
    assert model.tags_.size == n_tags
    trie = model.suffix_lower_
    assert trie.counts.format == "csr"
    assert trie.counts.nnz <= 6 * len(stems)
    assert trie.suffixes.dtype.kind == "U"
    log_probs, tags = model.decode([["zzzzzz", stems[0]]])
    assert np.isfinite(log_probs).all() and tags[0][1] == y[0][0]


def test_huge_tagsets_decode_over_the_lattice():
    n_tags = 590  # 591**3 > 2e8: too big for a dense table
    x = [[f"w{i}", f"w{(i + 1) % n_tags}"] for i in range(n_tags)]
    y = [[f"T{i}", f"T{(i + 1) % n_tags}"] for i in range(n_tags)]
    with pytest.raises(ValueError, match="decoder='lattice'"):
        HMMTagger(order=2, decoder="dense").fit(x, y)
    model = HMMTagger().fit(x, y)
    assert model.decoder_ == "lattice" and not hasattr(model, "log_trans2_")
    assert model.trigram_.nbytes < 24 * 591**2  # three (K + 1)^2 tables + trigrams
    assert model.predict(x[:50]) == y[:50]
    assert HMMTagger(order=1).fit(x, y).predict(x[:50]) == y[:50]


# ----------------------------------------------------------------------
# predict / evaluate
# ----------------------------------------------------------------------
def test_predict_handles_empty_sentences_and_inputs():
    model = HMMTagger().fit(HAND_WORDS, HAND_TAGS)
    assert model.predict([]) == []
    assert model.predict([[], []]) == [[], []]
    assert model.predict([[], ["a", "b"], []]) == [[], ["X", "Y"], []]
    assert model.predict((("a", "b"),)) == [["X", "Y"]]
    assert model.predict([np.array(["a", "b"])]) == [["X", "Y"]]


def test_evaluate_counts_known_and_unknown():
    model = HMMTagger(order=1).fit(HAND_WORDS, HAND_TAGS)
    sentences = [["a", "b"], ["zz"]]
    predicted = model.predict(sentences)
    gold = [["X", "X"], [predicted[1][0]]]
    result = model.evaluate(sentences, gold)
    assert predicted[0] == ["X", "Y"]
    assert result == {
        "accuracy": pytest.approx(2 / 3),
        "known_accuracy": 0.5,
        "unknown_accuracy": 1.0,
        "n_tokens": 3,
        "n_unknown": 1,
    }
    assert model.score(sentences, gold) == pytest.approx(2 / 3)
    assert np.isnan(model.evaluate([["a"]], [["X"]])["unknown_accuracy"])


def test_two_threads_predict_at_once(first_order_data):
    (x, y), (x_test, _), _ = first_order_data
    model = HMMTagger().fit(x, y)
    expected = model.predict(x_test)
    results = [None, None]

    def work(i):
        results[i] = model.predict(x_test)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected, expected]


# ----------------------------------------------------------------------
# save / load
# ----------------------------------------------------------------------
@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("smoothing", ["tnt", "add-one"])
def test_save_load_round_trip(tmp_path, first_order_data, order, smoothing):
    (x, y), (x_test, _), _ = first_order_data
    model = HMMTagger(
        order=order, smoothing=smoothing, suffix_length=4, rare_max_count=3
    ).fit(x, y)
    x_test = x_test + [["Unseen", "wordsss", "w1"], []]
    path = tmp_path / "tagger.npz"
    model.save(path)
    assert os.listdir(tmp_path) == ["tagger.npz"]
    loaded = HMMTagger.load(path)
    assert loaded.get_params() == model.get_params()
    assert loaded.predict(x_test) == model.predict(x_test)
    np.testing.assert_array_equal(loaded.decode(x_test)[0], model.decode(x_test)[0])
    assert loaded.vocabulary_ == model.vocabulary_
    np.testing.assert_array_equal(loaded.tags_, model.tags_)
    with np.load(path, allow_pickle=False) as archive:  # no pickles inside
        assert all(archive[k].dtype != object for k in archive.files)


def test_save_overwrites_atomically(tmp_path, monkeypatch):
    model = HMMTagger().fit(HAND_WORDS, HAND_TAGS)
    path = tmp_path / "model.npz"
    model.save(str(path))
    before = path.read_bytes()

    def broken_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        HMMTagger(order=1).fit(HAND_WORDS, HAND_TAGS).save(path)
    assert os.listdir(tmp_path) == ["model.npz"]
    assert path.read_bytes() == before
    monkeypatch.undo()
    HMMTagger(order=1).fit(HAND_WORDS, HAND_TAGS).save(path)
    assert HMMTagger.load(path).order == 1
    assert os.listdir(tmp_path) == ["model.npz"]


def test_load_rejects_bad_files(tmp_path):
    text = tmp_path / "model.txt"
    text.write_text("not a model")
    with pytest.raises(ValueError, match="model.txt"):
        HMMTagger.load(text)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, format_kind=np.array(["x", None], dtype=object))
    with pytest.raises(ValueError, match="pickled.npz"):
        HMMTagger.load(pickled)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(ValueError, match="holds one array"):
        HMMTagger.load(single)
    with pytest.raises(FileNotFoundError):
        HMMTagger.load(tmp_path / "absent.npz")

    good = tmp_path / "good.npz"
    HMMTagger().fit(HAND_WORDS, HAND_TAGS).save(good)
    with np.load(good) as archive:
        arrays = dict(archive)
    partial = tmp_path / "partial.npz"
    np.savez(partial, **{k: v for k, v in arrays.items() if k != "ngram_keys"})
    with pytest.raises(ValueError, match="missing array 'ngram_keys'$"):
        HMMTagger.load(partial)
    future = tmp_path / "future.npz"
    np.savez(future, **{**arrays, "format_version": np.array(99)})
    with pytest.raises(ValueError, match="version 99"):
        HMMTagger.load(future)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, **{**arrays, "format_kind": np.array("something else")})
    with pytest.raises(ValueError, match="not a saved HMMTagger"):
        HMMTagger.load(foreign)
    wrong_shape = tmp_path / "shape.npz"
    np.savez(wrong_shape, **{**arrays, "ngram_counts": np.ones(2, dtype=np.int64)})
    with pytest.raises(ValueError, match="array .ngram_counts. must have shape"):
        HMMTagger.load(wrong_shape)
    for name, value, match in [
        ("ngram_keys", arrays["ngram_keys"][::-1], "ascend"),
        ("ngram_keys", arrays["ngram_keys"] + 10**6, "codes in"),
        ("ngram_counts", 0 * arrays["ngram_counts"], "positive"),
        ("ngram_keys", arrays["ngram_keys"][1:], "ngram_counts"),
        ("tags", arrays["tags"][::-1], "sorted"),
        ("decoder", np.array("fast"), "decoder"),
        ("candidate_mass", np.array(1.5), "candidate_mass"),
        ("suffix_length", np.array(-1), "suffix_length"),
        ("tag_counts", arrays["tag_counts"] + 1, "column sums"),
        ("ngram_counts", arrays["ngram_counts"] + 1, "disagree with tag_counts"),
        ("suffix_lower_suffixes", arrays["suffix_lower_suffixes"][::-1], "sorted"),
        ("suffix_lower_max_len", np.array(-3), "max_len"),
        ("suffix_lower_root", -arrays["suffix_lower_root"] - 1, "non-negative"),
        ("emission_data", -arrays["emission_data"], "negative"),
    ]:
        bad = tmp_path / f"bad_{name}.npz"
        np.savez(bad, **{**arrays, name: value})
        with pytest.raises(ValueError, match=match):
            HMMTagger.load(bad)
    corrupt = tmp_path / "corrupt.npz"
    np.savez(corrupt, **{**arrays, "emission_indices": arrays["emission_indices"] + 50})
    with pytest.raises(ValueError, match="emission_"):
        HMMTagger.load(corrupt)


# ----------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"order": 3}, ValueError, "order"),
        ({"order": 0}, ValueError, "order"),
        ({"order": True}, TypeError, "order"),
        ({"order": 2.0}, TypeError, "order"),
        ({"smoothing": "laplace"}, ValueError, "smoothing"),
        ({"suffix_length": -1}, ValueError, "suffix_length"),
        ({"suffix_length": 2.5}, TypeError, "suffix_length"),
        ({"rare_max_count": 0}, ValueError, "rare_max_count"),
        ({"rare_max_count": None}, TypeError, "rare_max_count"),
    ],
)
def test_bad_params(params, error, match):
    model = HMMTagger(**params)  # __init__ only stores
    with pytest.raises(error, match=match):
        model.fit(HAND_WORDS, HAND_TAGS)


@pytest.mark.parametrize(
    "sentences, tags, error, match",
    [
        ([["a", "b"]], [["X", "Y"], ["X"]], ValueError, "1 sentences but 2"),
        ([["a"], ["a", "b"]], [["X"], ["X"]], ValueError, "sentence 1 has 2 tokens"),
        ([["a", 3]], [["X", "Y"]], TypeError, r"sentences\[0\]\[1\] must be a str"),
        ([["a", None]], [["X", "Y"]], TypeError, r"sentences\[0\]\[1\]"),
        ([["a"]], [[1]], TypeError, r"tags\[0\]\[0\] must be a str"),
        (["ab"], [["X", "Y"]], TypeError, r"sentences\[0\] must be a list"),
        ("a b", [["X"]], TypeError, "sentences must be a list"),
        ([[b"a"]], [["X"]], TypeError, "must be a str"),
        ([], [], ValueError, "empty corpus"),
        ([[], []], [[], []], ValueError, "empty corpus"),
        (None, None, TypeError, "sentences"),
    ],
)
def test_bad_fit_input(sentences, tags, error, match):
    with pytest.raises(error, match=match):
        HMMTagger().fit(sentences, tags)


def test_bad_predict_input_and_unfitted():
    with pytest.raises(NotFittedError):
        HMMTagger().predict([["a"]])
    with pytest.raises(NotFittedError):
        HMMTagger().save("never-written.npz")
    assert not os.path.exists("never-written.npz")
    model = HMMTagger().fit(HAND_WORDS, HAND_TAGS)
    with pytest.raises(TypeError, match=r"sentences\[1\]\[0\]"):
        model.predict([["a"], [7]])
    with pytest.raises(TypeError, match=r"sentences\[0\] must be a list"):
        model.predict(["a b"])
    with pytest.raises(ValueError, match="sentence 0 has 2 tokens"):
        model.score([["a", "b"]], [["X"]])
    with pytest.raises(TypeError, match="words"):
        model.log_emission(["a", 1])


def test_fit_is_repeatable_and_refit_replaces_arrays(first_order_data):
    (x, y), (x_test, _), _ = first_order_data
    a = HMMTagger().fit(x, y)
    b = HMMTagger().fit(x, y)
    np.testing.assert_array_equal(a.trigram_.dense(), b.trigram_.dense())
    assert a.predict(x_test) == b.predict(x_test)
    # refitting with another order replaces the transition arrays
    a.set_params(order=1).fit(x, y)
    assert not hasattr(a, "trigram_") and a.log_trans_.shape == (6, 6)
