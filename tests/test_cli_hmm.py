"""``fastapml hmm fit|decode`` end to end, through ``cli.main``."""

import json

import numpy as np
import pytest

from fastapml import cli
from fastapml.hmm import GMMHMM, GaussianHMM


@pytest.fixture
def frames(tmp_path):
    """Frames of a known 3-state diagonal GaussianHMM, in 3 sequences."""
    model = GaussianHMM(3, "diag")
    model.startprob_ = np.full(3, 1 / 3)
    model.transmat_ = np.full((3, 3), 0.1) + 0.7 * np.eye(3)
    model.means_ = np.array([[0.0, 0.0], [12.0, 0.0], [0.0, 12.0]])
    model.covars_ = np.ones((3, 2))
    X, states = model.sample(900, random_state=0)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "lengths.npy", np.array([300, 450, 150]))
    return tmp_path, X, states


def _run(capsys, *argv):
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("mix", [1, 2])
def test_fit_then_decode(frames, capsys, mix):
    tmp, X, states = frames
    status, out, err = _run(
        capsys,
        "hmm",
        "fit",
        tmp / "X.npy",
        "--lengths",
        tmp / "lengths.npy",
        "-k",
        3,
        "--mix",
        mix,
        "--seed",
        0,
        "-o",
        tmp / "m.npz",
        "--json",
    )
    assert status == 0, err
    report = json.loads(out)
    assert report["model"] == ("GMMHMM" if mix > 1 else "GaussianHMM")
    assert report["n_sequences"] == 3 and report["n_frames"] == 900
    history = report["log_likelihoods"]
    assert len(history) == report["n_iter"] and err.count("log-likelihood") == len(
        history
    )
    assert np.all(np.diff(history) > -1e-6 * np.abs(history[1:]))
    cls = GMMHMM if mix > 1 else GaussianHMM
    model = cls.load(tmp / "m.npz")
    # EM never lowers the likelihood: the saved model scores at least the last
    assert model.score(X, [300, 450, 150]) >= history[-1] - 1e-6 * abs(history[-1])

    status, out, err = _run(
        capsys,
        "hmm",
        "decode",
        tmp / "m.npz",
        tmp / "X.npy",
        "--lengths",
        tmp / "lengths.npy",
        "-o",
        tmp / "states.npy",
        "--json",
    )
    assert status == 0, err
    decoded = np.load(tmp / "states.npy")
    np.testing.assert_array_equal(decoded, model.predict(X, [300, 450, 150]))
    assert json.loads(out)["state_counts"] == np.bincount(decoded, minlength=3).tolist()


def test_bad_inputs_are_one_line_errors(frames, capsys):
    tmp, X, _ = frames
    np.save(tmp / "bad_lengths.npy", np.array([100, 100]))
    status, _, err = _run(
        capsys,
        "hmm",
        "fit",
        tmp / "X.npy",
        "--lengths",
        tmp / "bad_lengths.npy",
        "-k",
        2,
        "-o",
        tmp / "m.npz",
    )
    assert status == 2 and "lengths" in err and not (tmp / "m.npz").exists()
    np.save(tmp / "float_lengths.npy", np.array([900.0]))
    status, _, err = _run(
        capsys,
        "hmm",
        "fit",
        tmp / "X.npy",
        "--lengths",
        tmp / "float_lengths.npy",
        "-k",
        2,
        "-o",
        tmp / "m.npz",
    )
    assert status == 2 and "integer lengths" in err
    status, _, err = _run(
        capsys, "hmm", "decode", tmp / "X.npy", tmp / "X.npy", "-o", tmp / "s.npy"
    )
    assert status == 2 and "X.npy" in err and not (tmp / "s.npy").exists()
    # a model of 2 features against 3-feature frames
    _run(
        capsys, "hmm", "fit", tmp / "X.npy", "-k", 2, "-o", tmp / "m.npz", "--n-iter", 1
    )
    np.save(tmp / "X3.npy", np.ones((10, 3)))
    status, _, err = _run(
        capsys, "hmm", "decode", tmp / "m.npz", tmp / "X3.npy", "-o", tmp / "s.npy"
    )
    assert status == 2 and "3 features" in err
