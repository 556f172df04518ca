"""GaussianHMM and GMMHMM fits on sequences held by dask: the in-memory
fit's answer, on dask's threads and on a cluster of worker processes."""

import numpy as np
import pytest

from fastapml.hmm import GMMHMM, GaussianHMM

dask = pytest.importorskip("dask")
db = pytest.importorskip("dask.bag")

MODELS = [
    (GaussianHMM, {"covariance_type": "full"}),
    (GaussianHMM, {"covariance_type": "tied"}),
    (GaussianHMM, {"covariance_type": "spherical"}),
    (GMMHMM, {"n_mix": 2, "covariance_type": "diag"}),
]
IDS = ["gaussian-full", "gaussian-tied", "gaussian-spherical", "gmm-diag"]


@pytest.fixture(scope="module")
def sequences():
    rng = np.random.RandomState(0)
    return [
        rng.normal(size=(rng.randint(40, 120), 3)) + 2.5 * (i % 3) for i in range(30)
    ]


def _fit(cls, kwargs, X, lengths=None):
    np.random.seed(0)
    return cls(3, random_state=0, n_iter=6, tol=-np.inf, **kwargs).fit(X, lengths)


def _same(a, b):
    np.testing.assert_allclose(b.monitor_.history, a.monitor_.history, rtol=1e-12)
    for name in ("startprob_", "transmat_", "means_", "covars_"):
        np.testing.assert_allclose(
            getattr(b, name), getattr(a, name), rtol=1e-12, atol=1e-12, err_msg=name
        )


@pytest.mark.parametrize(("cls", "kwargs"), MODELS, ids=IDS)
def test_bag_and_partitions_equal_the_in_memory_fit(sequences, cls, kwargs):
    lengths = [len(s) for s in sequences]
    in_memory = _fit(cls, kwargs, np.concatenate(sequences), lengths)
    bag = db.from_sequence(sequences, npartitions=7)
    _same(in_memory, _fit(cls, kwargs, bag))
    parts = [
        (
            dask.delayed(np.concatenate)(sequences[i : i + 8]),
            np.array(lengths[i : i + 8]),
        )
        for i in range(0, len(sequences), 8)
    ]
    _same(in_memory, _fit(cls, kwargs, parts))
    arrays = [
        (np.concatenate(sequences[i : i + 8]), lengths[i : i + 8])
        for i in (0, 8, 16, 24)
    ]
    _same(in_memory, _fit(cls, kwargs, arrays))


def test_on_worker_processes(sequences, process_client):
    """On two worker processes (data persisted there for the fit): the same
    answer, and nothing left on the workers after it."""
    lengths = [len(s) for s in sequences]
    in_memory = _fit(
        GaussianHMM, {"covariance_type": "diag"}, np.concatenate(sequences), lengths
    )
    bag = db.from_sequence(sequences, npartitions=4)
    with process_client.as_current():
        on_cluster = _fit(GaussianHMM, {"covariance_type": "diag"}, bag)
    _same(in_memory, on_cluster)


def test_bad_dask_input(sequences):
    bag = db.from_sequence(sequences, npartitions=3)
    with pytest.raises(ValueError, match="lengths must be None"):
        GaussianHMM(2).fit(bag, [10])
    flat = db.from_sequence([np.ones(5), np.ones(6)], npartitions=1)
    with pytest.raises(ValueError, match="2-D"):
        GaussianHMM(2).fit(flat)
    rng = np.random.RandomState(1)
    wrong = [rng.normal(size=(20, 3)), rng.normal(size=(20, 2))]
    wrong = db.from_sequence(wrong, npartitions=2)
    with pytest.raises(ValueError, match="features"):
        GaussianHMM(2, n_iter=1).fit(wrong)
    nan = [s.copy() for s in sequences[:4]]
    nan[2][5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        GaussianHMM(2, n_iter=1).fit(db.from_sequence(nan, npartitions=2))
    bad_lengths = [(dask.delayed(rng.normal)(size=(10, 3)), np.array([4, 4]))]
    with pytest.raises(ValueError, match="lengths"):
        GaussianHMM(2, n_iter=1).fit(bad_lengths)
