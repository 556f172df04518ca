"""Partitioned decoding: ``HMMTagger`` on dask bags and lists of partitions,
``viterbi_partitions`` / ``viterbi2_partitions``: the in-memory paths and
log-probabilities exactly, on the threaded scheduler and on thread and process
clusters; lazy bags; one decode task per partition; the in-memory errors."""

import pickle
import subprocess
import sys

import cloudpickle
import dask
import dask.bag as db
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import NotFittedError

import fastapml._dask
from fastapml.hmm import (
    HMMTagger,
    viterbi2_batch,
    viterbi2_partitions,
    viterbi_batch,
    viterbi_partitions,
)
from fastapml.hmm.synthetic import sample_corpus

# partition sizes (in sentences) of the split test corpora
SPLITS = {"one": [40], "uneven": [1, 25, 3, 11], "with_empty": [10, 0, 30]}


@pytest.fixture(scope="module", params=[1, 2], ids=["order1", "order2"])
def fitted(request):
    """A tagger and held-out sentences (with unknown words and, at 0, 7 and
    39, empty sentences)."""
    train, train_tags = sample_corpus(300, seed=1)
    sentences, _ = sample_corpus(37, seed=2)
    for i in (0, 7, 39):
        sentences.insert(i, [])
    return HMMTagger(order=request.param).fit(train, train_tags), sentences


def split(items, sizes):
    bounds = np.cumsum([0] + sizes).tolist()
    assert bounds[-1] == len(items)
    return [items[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def bag_of(parts):
    """A bag with exactly these partitions (empty ones included)."""
    return db.from_delayed([dask.delayed(part, traverse=False) for part in parts])


def record_graphs(monkeypatch):
    """Record the graphs of every ``fastapml._dask.compute`` call, one dict
    per collection."""
    graphs = []
    real_compute = fastapml._dask.compute

    def compute(*collections):
        graphs.append([dict(c.__dask_graph__()) for c in collections])
        return real_compute(*collections)

    monkeypatch.setattr(fastapml._dask, "compute", compute)
    return graphs


def record_decodes(monkeypatch, model):
    """Record the number of sentences of every ``model._decode`` call (seen
    on in-process schedulers only)."""
    calls = []
    real_decode = model._decode

    def decode(words, lengths):
        calls.append(lengths.size)
        return real_decode(words, lengths)

    monkeypatch.setattr(model, "_decode", decode)
    return calls


# ----------------------------------------------------------------------
# HMMTagger: lists of partitions
# ----------------------------------------------------------------------
@pytest.mark.parametrize("sizes", SPLITS.values(), ids=SPLITS.keys())
def test_decode_partitions_equals_in_memory(fitted, sizes):
    model, sentences = fitted
    log_probs, tags = model.decode(sentences)
    parts = split(sentences, sizes)
    decoded = model.decode_partitions(parts)
    assert len(decoded) == len(parts)
    assert_array_equal(np.concatenate([lp for lp, _ in decoded]), log_probs)
    assert [t for _, part_tags in decoded for t in part_tags] == tags
    assert model.predict_partitions(parts) == split(tags, sizes)


def test_no_partitions(fitted):
    model, _ = fitted
    assert model.predict_partitions([]) == []


def test_one_decode_task_per_partition(fitted, monkeypatch):
    model, sentences = fitted
    graphs, decode_calls = (
        record_graphs(monkeypatch),
        record_decodes(monkeypatch, model),
    )
    parts = split(sentences, SPLITS["uneven"])
    model.predict_partitions(parts)
    (per_task,) = graphs
    keys = set().union(*per_task)
    decode_keys = [k for k in keys if k.startswith("_decode_named_sentences")]
    # one task per partition, its sentences as one key, the tagger as one key
    assert len(decode_keys) == len(parts) and len(keys) == 2 * len(parts) + 1
    assert sorted(decode_calls) == sorted(SPLITS["uneven"])


# ----------------------------------------------------------------------
# HMMTagger: dask bags
# ----------------------------------------------------------------------
@pytest.mark.parametrize("sizes", SPLITS.values(), ids=SPLITS.keys())
def test_bag_equals_in_memory_on_threads(fitted, sizes):
    model, sentences = fitted
    log_probs, tags = model.decode(sentences)
    bag = bag_of(split(sentences, sizes))
    with dask.config.set(scheduler="threads"):
        assert model.predict(bag).compute() == tags
        pairs = model.decode(bag).compute()
    assert [t for _, t in pairs] == tags
    assert_array_equal([lp for lp, _ in pairs], log_probs)


def test_bag_on_its_default_scheduler(fitted):
    """Bags compute on dask's multiprocessing scheduler by default."""
    model, sentences = fitted
    assert model.predict(
        bag_of(split(sentences, SPLITS["uneven"]))
    ).compute() == model.predict(sentences)


def test_bag_is_lazy_with_one_task_per_partition(fitted, monkeypatch):
    model, sentences = fitted
    decode_calls = record_decodes(monkeypatch, model)
    sizes = SPLITS["uneven"]
    bag = bag_of(split(sentences, sizes))
    for lazy in (model.predict(bag), model.decode(bag)):
        assert isinstance(lazy, db.Bag) and lazy.npartitions == len(sizes)
        graph = lazy.__dask_graph__()
        assert len(graph.layers[lazy.name]) == len(sizes)
        # the input's keys, the tagger (one key), one task per partition
        assert len(dict(graph)) == len(dict(bag.__dask_graph__())) + 1 + len(sizes)
    assert decode_calls == []
    with dask.config.set(scheduler="threads"):
        lazy.compute()
    assert sorted(decode_calls) == sorted(sizes)


@pytest.mark.parametrize("cluster", ["thread_client", "process_client"])
def test_bag_and_partitions_on_a_cluster(fitted, cluster, request):
    client = request.getfixturevalue(cluster)
    model, sentences = fitted
    log_probs, tags = model.decode(sentences)
    parts = split(sentences, SPLITS["with_empty"])
    with client.as_current():
        bag_tags, bag_pairs = dask.compute(
            model.predict(bag_of(parts)), model.decode(bag_of(parts))
        )
        decoded = model.decode_partitions(parts)
    assert bag_tags == tags
    assert_array_equal([lp for lp, _ in bag_pairs], log_probs)
    assert_array_equal(np.concatenate([lp for lp, _ in decoded]), log_probs)
    assert [t for _, part_tags in decoded for t in part_tags] == tags


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps])
def test_tagger_pickles(fitted, dumps):
    model, sentences = fitted
    copy = pickle.loads(dumps(model))
    assert copy.predict(sentences) == model.predict(sentences)


# ----------------------------------------------------------------------
# HMMTagger: errors
# ----------------------------------------------------------------------
def test_bag_of_non_sentences_raises_the_in_memory_error(fitted):
    model, _ = fitted
    bad = [["the", "dog"], "runs"]
    with pytest.raises(TypeError) as in_memory:
        model.predict(bad)
    lazy = model.predict(db.from_sequence(bad, npartitions=1))
    with pytest.raises(TypeError) as from_bag:
        lazy.compute(scheduler="threads")
    assert str(from_bag.value) == str(in_memory.value)


@pytest.mark.parametrize(
    "parts, message",
    [
        (
            "the dog",
            r"^partitions must be a list with one entry per partition, got str$",
        ),
        (db.from_sequence([["a"]]), r"^partitions must be a list .*, got Bag$"),
        ([[["a"]], "ab"], r"^partitions\[1\] must be a list of token lists, got str$"),
        (
            [[["a"]], ["a", "b"]],
            r"^partitions\[1\]\[0\] must be a list of strings, got str$",
        ),
        ([[["a", 3]]], r"^partitions\[0\]\[0\]\[1\] must be a str, got int$"),
    ],
)
def test_bad_partitions(fitted, parts, message):
    model, _ = fitted
    with pytest.raises(TypeError, match=message):
        model.predict_partitions(parts)


def test_unfitted_tagger():
    with pytest.raises(NotFittedError):
        HMMTagger().predict(db.from_sequence([["a"]]))
    with pytest.raises(NotFittedError):
        HMMTagger().decode_partitions([[["a"]]])


# ----------------------------------------------------------------------
# viterbi_partitions, viterbi2_partitions
# ----------------------------------------------------------------------
N_STATES, N_SYMBOLS = 5, 12
# (steps, lengths) per partition: zero-length sequences and an empty partition
SHAPES = [(9, [4, 0, 5]), (0, []), (1, [1]), (30, [7, 3, 20]), (6, None)]


def random_log(rng, *shape):
    return np.log(rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]))


@pytest.fixture
def first_order_model():
    rng = np.random.default_rng(3)
    return (
        random_log(rng, N_STATES, N_STATES),
        random_log(rng, N_STATES),
        random_log(rng, N_STATES),
    )


@pytest.fixture
def second_order_model():
    rng = np.random.default_rng(4)
    return random_log(rng, N_STATES + 1, N_STATES + 1, N_STATES + 1)


def symbol_partitions(seed):
    rng = np.random.default_rng(seed)
    return [(rng.integers(0, N_SYMBOLS, size=n), lengths) for n, lengths in SHAPES]


def dense_partitions(seed):
    rng = np.random.default_rng(seed)
    return [(random_log(rng, n, N_STATES), lengths) for n, lengths in SHAPES]


def concatenated(parts):
    steps = np.concatenate([steps for steps, _ in parts])
    lengths = np.concatenate(
        [[len(steps)] if lengths is None else lengths for steps, lengths in parts]
    ).astype(np.int64)
    return steps, lengths


def assert_same_as_batch(decoded, parts, batch_paths, batch_log_probs):
    assert len(decoded) == len(parts)
    assert_array_equal(np.concatenate([paths for paths, _ in decoded]), batch_paths)
    assert_array_equal(np.concatenate([lp for _, lp in decoded]), batch_log_probs)
    for (paths, log_probs), (steps, lengths) in zip(decoded, parts):
        assert paths.dtype == np.int64 and paths.size == len(steps)
        assert log_probs.size == (1 if lengths is None else len(lengths))


@pytest.mark.parametrize("shared_table", [True, False], ids=["symbols", "dense"])
def test_viterbi_partitions_equal_batch(first_order_model, shared_table):
    log_trans, log_start, log_end = first_order_model
    if shared_table:
        table = random_log(np.random.default_rng(5), N_SYMBOLS, N_STATES)
        parts = symbol_partitions(6)
        symbols, lengths = concatenated(parts)
        expected = viterbi_batch(
            table, lengths, log_trans, log_start, log_end, symbols=symbols
        )
        decoded = viterbi_partitions(
            parts, log_trans, log_start, log_end, log_emit=table
        )
    else:
        parts = dense_partitions(6)
        expected = viterbi_batch(*concatenated(parts), log_trans, log_start, log_end)
        decoded = viterbi_partitions(parts, log_trans, log_start, log_end)
    assert_same_as_batch(decoded, parts, *expected)


@pytest.mark.parametrize("shared_table", [True, False], ids=["symbols", "dense"])
def test_viterbi2_partitions_equal_batch(second_order_model, shared_table):
    if shared_table:
        table = random_log(np.random.default_rng(5), N_SYMBOLS, N_STATES)
        parts = symbol_partitions(7)
        symbols, lengths = concatenated(parts)
        expected = viterbi2_batch(table, lengths, second_order_model, symbols=symbols)
        decoded = viterbi2_partitions(parts, second_order_model, log_emit=table)
    else:
        parts = dense_partitions(7)
        expected = viterbi2_batch(*concatenated(parts), second_order_model)
        decoded = viterbi2_partitions(parts, second_order_model)
    assert_same_as_batch(decoded, parts, *expected)


def test_viterbi_partitions_float32_on_a_process_cluster(
    first_order_model, process_client
):
    model = [m.astype(np.float32) for m in first_order_model]
    parts = [
        (steps.astype(np.float32), lengths) for steps, lengths in dense_partitions(8)
    ]
    expected = viterbi_batch(*concatenated(parts), *model)
    with process_client.as_current():
        decoded = viterbi_partitions(parts, *model)
    assert_same_as_batch(decoded, parts, *expected)


def test_model_and_table_travel_once(first_order_model, monkeypatch):
    graphs = record_graphs(monkeypatch)
    table = random_log(np.random.default_rng(5), N_SYMBOLS, N_STATES)
    viterbi_partitions(symbol_partitions(9), *first_order_model, log_emit=table)
    (per_task,) = graphs
    keys = set().union(*per_task)
    # each task: itself, its partition's arrays, and the one shared key
    assert all(len(graph) == 3 for graph in per_task)
    assert len(keys) == 2 * len(SHAPES) + 1


def _batch_error(call):
    with pytest.raises((TypeError, ValueError)) as err:
        call()
    return err.type, str(err.value)


@pytest.mark.parametrize(
    "index, bad_partition, batch_args",
    [
        (1, ([1, 2, 3], [2, 2]), ([1, 2, 3], [2, 2])),
        (0, ([0, N_SYMBOLS], [2]), ([0, N_SYMBOLS], [2])),
        (2, ([-1], None), ([-1], None)),
        (1, ([0.5, 1.0], [2]), ([0.5, 1.0], [2])),
    ],
)
def test_bad_partition_gets_the_batch_message(
    first_order_model, index, bad_partition, batch_args
):
    table = random_log(np.random.default_rng(5), N_SYMBOLS, N_STATES)
    symbols, lengths = batch_args
    error_type, message = _batch_error(
        lambda: viterbi_batch(table, lengths, *first_order_model, symbols=symbols)
    )
    parts = symbol_partitions(10)[:3]
    parts[index] = bad_partition
    with pytest.raises(error_type) as err:
        viterbi_partitions(parts, *first_order_model, log_emit=table)
    assert str(err.value) == f"partitions[{index}]: {message}"


def test_bad_dense_partition_gets_the_batch_message(second_order_model):
    bad = np.zeros((3, N_STATES + 1))
    error_type, message = _batch_error(
        lambda: viterbi2_batch(bad, [3], second_order_model)
    )
    with pytest.raises(error_type) as err:
        viterbi2_partitions(dense_partitions(11)[:1] + [(bad, [3])], second_order_model)
    assert str(err.value) == f"partitions[1]: {message}"


def test_bad_model_gets_the_batch_message(first_order_model):
    log_trans, log_start, _ = first_order_model
    error_type, message = _batch_error(
        lambda: viterbi_batch(np.zeros((2, N_STATES)), [2], log_trans, log_start[:-1])
    )
    with pytest.raises(error_type) as err:
        viterbi_partitions(dense_partitions(12), log_trans, log_start[:-1])
    assert str(err.value) == message


@pytest.mark.parametrize(
    "parts, message",
    [
        (
            np.zeros((2, 3)),
            r"^partitions must be a list with one entry per "
            r"partition, got ndarray$",
        ),
        (
            [([0], [1]), 3],
            r"^partitions\[1\] must be a \(symbols, lengths\) pair, "
            r"got int$",
        ),
        (
            [([0], [1], 0)],
            r"^partitions\[0\] must be a \(symbols, lengths\) pair, "
            r"got tuple of length 3$",
        ),
    ],
)
def test_partitions_that_are_not_pairs(first_order_model, parts, message):
    table = np.zeros((2, N_STATES))
    with pytest.raises(TypeError, match=message):
        viterbi_partitions(parts, *first_order_model, log_emit=table)


# ----------------------------------------------------------------------
# import cost and docstring examples
# ----------------------------------------------------------------------
def test_importing_hmm_does_not_import_dask():
    code = (
        "import sys, fastapml.hmm; fastapml.hmm.HMMTagger; "
        "assert not [m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
