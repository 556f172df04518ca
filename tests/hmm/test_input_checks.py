"""Regression tests: bad tables, log-probabilities, priors and files are
refused with errors naming them (some used to crash the process)."""

import numpy as np
import pytest

from fastapml.hmm import (
    CategoricalHMM,
    TrigramTable,
    forward_backward,
    viterbi2_lattice,
)

NAMES = ("history_row", "indptr", "next_tag", "log_prob", "seen_bias")
NAMES += ("log_seen", "log_unseen")


def _arrays():
    rng = np.random.default_rng(0)
    table = TrigramTable.from_dense(np.log(rng.dirichlet(np.ones(3), (3, 3))))
    return dict(zip(NAMES, (a.copy() for a in table.arrays())))


def _decode(**changes):
    arrays = {**_arrays(), **changes}
    emit = np.log(np.full((6, 2), 0.5))
    return viterbi2_lattice(emit, [2, 4], TrigramTable(**arrays))


@pytest.mark.parametrize(
    "name, value",
    [
        ("history_row", np.zeros(0, dtype=np.int32)),  # used to segfault
        ("indptr", np.zeros(0, dtype=np.int64)),  # used to segfault
        ("history_row", np.full(9, np.iinfo(np.int32).max, dtype=np.int32)),
        ("history_row", np.r_[-1, np.arange(1, 9)].astype(np.int32)),
        ("indptr", np.r_[-1, np.arange(3, 28, 3)].astype(np.int64)),
        ("next_tag", np.full(27, 5, dtype=np.int32)),
        ("log_prob", np.r_[np.nan, np.zeros(26)]),
        ("log_seen", np.full((3, 3), np.inf)),
        ("log_seen", np.zeros((0, 3))),
    ],
)
def test_viterbi2_lattice_refuses_a_bad_trigram_table(name, value):
    with pytest.raises((ValueError, TypeError), match=rf"\b{name}\b"):
        _decode(**{name: value})


def test_a_valid_trigram_table_passes_its_check():
    table = TrigramTable(**_arrays())
    paths, log_probs = _decode()
    assert np.isfinite(log_probs).all()
    assert table.check().history_row.dtype == np.int32


@pytest.mark.parametrize(
    "log_trans2",
    [np.full((3, 3, 3), np.nan), np.zeros((3, 3, 3), complex), np.zeros((0, 0, 0))],
)
def test_from_dense_refuses_bad_tables(log_trans2):
    with pytest.raises((ValueError, TypeError), match="log_trans2"):
        TrigramTable.from_dense(log_trans2)


@pytest.mark.parametrize(
    "keys, counts, name",
    [
        (np.array([], dtype=np.int64), np.array([], dtype=np.int64), "keys"),
        (np.array([-1, 24]), np.array([1, 1]), "keys"),
        (np.array([24, 125]), np.array([1, 1]), "keys"),
        (np.array([24, 25]), np.array([1.5, 1.0]), "counts"),
        (np.array([24, 25]), np.array([1, -1]), "counts"),
        (np.array([24, 25]), np.array([1, np.iinfo(np.int64).max]), "counts"),
        (np.array([24, 25]), np.array([[1, 1]]), "counts"),
    ],
)
def test_from_counts_refuses_bad_counts(keys, counts, name):
    with pytest.raises((ValueError, TypeError), match=name):
        TrigramTable.from_counts(keys, counts, 4, "add-one")


@pytest.mark.parametrize("name", ["log_trans", "log_start"])
def test_forward_backward_refuses_positive_log_probabilities(name):
    args = {
        "log_trans": np.log(np.full((2, 2), 0.5)),
        "log_start": np.log(np.full(2, 0.5)),
    }
    args[name] = args[name].copy()
    args[name].flat[0] = 1e300
    with pytest.raises(ValueError, match=name):
        forward_backward(np.zeros((3, 2)), None, **args)


@pytest.mark.parametrize("prior", [np.nan, np.inf, -1.0, 1j, "1"])
def test_categorical_hmm_refuses_bad_priors(prior):
    model = CategoricalHMM(2, startprob_prior=prior, n_iter=2)
    with pytest.raises((ValueError, TypeError), match="startprob_prior"):
        model.fit(np.array([[0], [1], [1], [0]]))


@pytest.mark.parametrize("name", ["n_components", "n_features"])
def test_categorical_hmm_refuses_sizes_beyond_memory(name):
    model = CategoricalHMM(**{"n_components": 2, name: 2**40})
    with pytest.raises(ValueError, match="memory"):
        model.fit(np.array([[0], [1], [1], [0]]))


def test_categorical_hmm_sample_refuses_sizes_beyond_memory():
    model = CategoricalHMM(2, random_state=0, n_iter=2).fit(np.array([[0], [1]]))
    with pytest.raises(ValueError, match="n_samples"):
        model.sample(2**60)
