"""The fastapml command line: demo, tag train / eval / predict, gmm,\nsilhouette and spectral."""
import io
import os
import subprocess
import sys

import numpy as np
import pytest

from fastapml import cli
from fastapml._progress import Progress
from fastapml.hmm import HMMTagger
from fastapml.hmm.synthetic import TAGS, known_hmm, sample_corpus

DATA = os.path.join(os.path.dirname(__file__), "data")


def write_conllu(path, sentences, tags):
    with open(path, "w", encoding="utf-8") as f:
        for words, labels in zip(sentences, tags):
            for i, (w, t) in enumerate(zip(words, labels), 1):
                f.write(f"{i}\t{w}\t_\t{t}\t_\t_\t0\t_\t_\t_\n")
            f.write("\n")


@pytest.fixture(scope="module")
def treebank(tmp_path_factory):
    root = tmp_path_factory.mktemp("tb")
    train, test = sample_corpus(400, seed=1), sample_corpus(100, seed=2)
    write_conllu(root / "train.conllu", *train)
    write_conllu(root / "test.conllu", *test)
    return root, train, test


def test_demo_runs_and_reports(capsys):
    assert cli.main(["demo", "--sentences", "300", "--em-iter", "3",
                     "--gmm-samples", "1000", "--cluster-samples", "400"]) == 0
    out = capsys.readouterr().out
    assert "TnT trigram" in out and "add-one bigram" in out
    assert "paths identical to fastapml.reference: True" in out
    assert "non-decreasing: True" in out
    assert "same answer as scikit-learn: True" in out
    assert "SpectralClustering of 400 two-moons points" in out
    assert "silhouette_score of 400 points" in out


def test_train_eval_predict_round_trip(treebank, tmp_path, capsys, monkeypatch):
    root, train, test = treebank
    model = tmp_path / "model.npz"
    assert cli.main(["tag", "train", str(root / "train.conllu"), "-o",
                     str(model), "--order", "1"]) == 0
    assert model.exists()
    tagger = HMMTagger.load(model)
    assert tagger.order == 1
    expected = HMMTagger(order=1).fit(*train)
    assert tagger.predict(test[0]) == expected.predict(test[0])

    capsys.readouterr()
    assert cli.main(["tag", "eval", str(model), str(root / "test.conllu")]) == 0
    out = capsys.readouterr().out
    accuracy = expected.evaluate(*test)["accuracy"]
    assert f"accuracy:          {100 * accuracy:.2f}%" in out
    assert "unknown words:" in out and "tokens/s" in out

    lines = [" ".join(s) for s in test[0][:5]]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert cli.main(["tag", "predict", str(model)]) == 0
    got = capsys.readouterr().out.splitlines()
    want = expected.predict(test[0][:5])
    assert got == [" ".join(f"{w}/{t}" for w, t in zip(s, tags))
                   for s, tags in zip(test[0][:5], want)]


def test_predict_reads_a_file(treebank, tmp_path, capsys):
    root, train, _ = treebank
    model = tmp_path / "m.npz"
    HMMTagger(order=2).fit(*train).save(model)
    text = tmp_path / "in.txt"
    text.write_text("the dog\n\nWe run .\n", encoding="utf-8")
    assert cli.main(["tag", "predict", str(model), str(text)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and out[1] == ""
    assert [tok.split("/")[0] for tok in out[2].split()] == ["We", "run", "."]


def test_errors_exit_2_with_a_message(tmp_path, capsys):
    bad = tmp_path / "bad.conllu"
    bad.write_text("1\tonly three\tfields\n", encoding="utf-8")
    assert cli.main(["tag", "train", str(bad), "-o", str(tmp_path / "m.npz")]) == 2
    assert "line 1" in capsys.readouterr().err
    assert not (tmp_path / "m.npz").exists()
    assert cli.main(["tag", "eval", str(tmp_path / "missing.npz"),
                     os.path.join(DATA, "sample.conllu")]) == 2
    assert "fastapml: error" in capsys.readouterr().err
    not_npz = tmp_path / "x.npz"
    not_npz.write_bytes(b"not a zip")
    assert cli.main(["tag", "predict", str(not_npz)]) == 2


def test_console_script_entry_point():
    result = subprocess.run([sys.executable, "-m", "fastapml.cli", "--help"],
                            capture_output=True, text=True, check=True)
    assert "demo" in result.stdout and "tag" in result.stdout


def test_sample_corpus_is_reproducible_and_uses_the_model():
    a = sample_corpus(50, seed=3)
    assert a == sample_corpus(50, seed=3)
    assert a != sample_corpus(50, seed=4)
    model = known_hmm()
    for words, tags in zip(*a):
        assert len(words) == len(tags) >= 1
        for w, t in zip(words, tags):
            assert w in model["words"][t]
    assert set(t for tags in a[1] for t in tags) <= set(TAGS)
    np.testing.assert_allclose(model["trans"].sum(axis=1) + model["end"], 1.0)


def test_progress_bar_only_on_terminals():
    quiet = io.StringIO()
    with Progress(10, "work", stream=quiet, delay=0) as bar:
        bar.update(5)
    assert quiet.getvalue() == ""
    loud = io.StringIO()
    with Progress(10, "work", stream=loud, delay=0, force=True) as bar:
        bar.update(5)
        bar.update(10)
    assert "work" in loud.getvalue() and "100.0%" in loud.getvalue()
    assert loud.getvalue().endswith("\n")


# ----------------------------------------------------------------------
# gmm fit / predict
# ----------------------------------------------------------------------
def gmm_data(n=240, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    return (centers[rng.integers(0, 3, n)] + rng.normal(size=(n, 2))).astype(dtype)


@pytest.fixture
def gmm_files(tmp_path):
    data = tmp_path / "data.npy"
    np.save(data, gmm_data())
    return tmp_path, data


def test_gmm_fit_predict_round_trip(gmm_files, capsys):
    from fastapml.mixture import GaussianMixture
    from fastapml.mixture.io import load_model
    root, data = gmm_files
    model_path = root / "model.npz"
    assert cli.main(["gmm", "fit", str(data), "-k", "3", "--covariance", "diag",
                     "--seed", "0", "--tol", "1e-4", "--max-iter", "50",
                     "-o", str(model_path)]) == 0
    out, err = capsys.readouterr()
    model = load_model(model_path)
    X = gmm_data()
    expected = GaussianMixture(n_components=3, covariance_type="diag",
                               random_state=0, tol=1e-4, max_iter=50).fit(X)
    np.testing.assert_allclose(model.means_, expected.means_)
    assert model.means_.dtype == np.float64
    iteration_lines = [line for line in err.splitlines() if "lower bound" in line]
    assert len(iteration_lines) == model.n_iter_ >= 1
    assert iteration_lines[0].split()[:2] == ["iter", "1"]
    assert f"converged: {model.converged_}, iterations: {model.n_iter_}" in out
    assert "time:" in out and f"saved {model_path}" in out

    labels, proba = root / "labels.npy", root / "proba.npy"
    assert cli.main(["gmm", "predict", str(model_path), str(data), "-o",
                     str(labels), "--proba", str(proba)]) == 0
    out = capsys.readouterr().out
    np.testing.assert_array_equal(np.load(labels), model.predict(X))
    assert np.load(labels).dtype == np.int64
    np.testing.assert_array_equal(np.load(proba), model.predict_proba(X))
    sizes = np.bincount(model.predict(X), minlength=3)
    assert "component sizes: " + " ".join(map(str, sizes)) in out
    assert sorted(os.listdir(root)) == ["data.npy", "labels.npy", "model.npz",
                                        "proba.npy"]


def test_gmm_fit_float32_and_n_init(gmm_files, capsys):
    from fastapml.mixture.io import load_model
    root, data = gmm_files
    out_path = root / "m32.npz"
    assert cli.main(["gmm", "fit", str(data), "-k", "2", "--float32",
                     "--n-init", "2", "--init", "random_from_data",
                     "--covariance", "spherical", "--seed", "1",
                     "-o", str(out_path)]) == 0
    err = capsys.readouterr().err
    assert "init 1/2 iter    1" in err and "init 2/2 iter    1" in err
    model = load_model(out_path)
    assert model.means_.dtype == np.float32 and model.covariance_type == "spherical"
    labels = root / "labels.npy"
    assert cli.main(["gmm", "predict", str(out_path), str(data),
                     "-o", str(labels)]) == 0
    np.testing.assert_array_equal(
        np.load(labels), model.predict(gmm_data().astype(np.float32)))


def test_gmm_predict_in_blocks_matches_one_call(gmm_files, monkeypatch):
    from fastapml.mixture.io import load_model
    root, data = gmm_files
    model_path = root / "model.npz"
    assert cli.main(["gmm", "fit", str(data), "-k", "3", "--seed", "0",
                     "-o", str(model_path)]) == 0
    monkeypatch.setattr(cli, "_rows_per_block", lambda k, d: 7)
    labels, proba = root / "labels.npy", root / "proba.npy"
    assert cli.main(["gmm", "predict", str(model_path), str(data), "-o",
                     str(labels), "--proba", str(proba)]) == 0
    model, X = load_model(model_path), gmm_data()
    np.testing.assert_array_equal(np.load(labels), model.predict(X))
    np.testing.assert_allclose(np.load(proba), model.predict_proba(X),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("array, message", [
    (np.zeros(10), "expected a non-empty 2-D array"),
    (np.zeros((2, 3, 4)), "expected a non-empty 2-D array"),
    (np.zeros((0, 3)), "expected a non-empty 2-D array"),
    (np.array([["a", "b"]] * 5), "real numeric array"),
    (np.where(np.arange(40).reshape(20, 2) == 27, np.nan, 1.0), "row 13 holds NaN"),
    (np.where(np.arange(40).reshape(20, 2) == 4, np.inf, 1.0),
     "row 2 holds NaN or inf"),
])
def test_gmm_fit_bad_data_exits_2(tmp_path, capsys, array, message):
    data = tmp_path / "bad.npy"
    np.save(data, array)
    model = tmp_path / "m.npz"
    assert cli.main(["gmm", "fit", str(data), "-k", "2", "-o", str(model)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fastapml: error: ") and message in err
    assert "bad.npy" in err
    assert not model.exists()


def test_gmm_errors_exit_2(gmm_files, capsys):
    root, data = gmm_files
    model = root / "m.npz"
    # missing input, a pickle, an .npz instead of an .npy, too many components
    assert cli.main(["gmm", "fit", str(root / "nope.npy"), "-k", "2",
                     "-o", str(model)]) == 2
    assert "nope.npy" in capsys.readouterr().err
    pickled = root / "obj.npy"
    np.save(pickled, np.array([{}, None], dtype=object), allow_pickle=True)
    assert cli.main(["gmm", "fit", str(pickled), "-k", "2", "-o", str(model)]) == 2
    assert "obj.npy" in capsys.readouterr().err
    archive = root / "a.npz"
    np.savez(archive, x=gmm_data())
    assert cli.main(["gmm", "fit", str(archive), "-k", "2", "-o", str(model)]) == 2
    assert ".npz archive" in capsys.readouterr().err
    assert cli.main(["gmm", "fit", str(data), "-k", "1000", "-o", str(model)]) == 2
    assert "fastapml: error" in capsys.readouterr().err
    assert not model.exists()

    # predict: corrupt model, feature mismatch; no output left behind
    assert cli.main(["gmm", "fit", str(data), "-k", "2", "-o", str(model)]) == 0
    labels = root / "labels.npy"
    bad_model = root / "bad.npz"
    bad_model.write_bytes(model.read_bytes()[:100])
    assert cli.main(["gmm", "predict", str(bad_model), str(data),
                     "-o", str(labels)]) == 2
    assert "bad.npz" in capsys.readouterr().err
    wide = root / "wide.npy"
    np.save(wide, np.zeros((5, 3)))
    assert cli.main(["gmm", "predict", str(model), str(wide),
                     "-o", str(labels)]) == 2
    assert "3 features" in capsys.readouterr().err
    nan = root / "nan.npy"
    X = gmm_data()
    X[200, 1] = np.nan
    np.save(nan, X)
    assert cli.main(["gmm", "predict", str(model), str(nan), "-o", str(labels),
                     "--proba", str(root / "p.npy")]) == 2
    assert "row 200 holds NaN" in capsys.readouterr().err
    assert not labels.exists() and not (root / "p.npy").exists()
    assert not [f for f in os.listdir(root) if f.startswith(".tmp-")]


def test_gmm_plot_without_matplotlib_exits_2(gmm_files, capsys, monkeypatch):
    root, data = gmm_files
    for name in ("matplotlib", "matplotlib.backend_bases", "matplotlib.figure"):
        monkeypatch.setitem(sys.modules, name, None)    # import raises
    model = root / "m.npz"
    assert cli.main(["gmm", "fit", str(data), "-k", "2", "-o", str(model),
                     "--plot", str(root / "curve.png")]) == 2
    err = capsys.readouterr().err
    assert "matplotlib" in err and "pip install matplotlib" in err
    assert not model.exists() and not (root / "curve.png").exists()


def test_gmm_plot_with_matplotlib(gmm_files, capsys):
    pytest.importorskip("matplotlib")
    root, data = gmm_files
    curve = root / "curve.png"
    assert cli.main(["gmm", "fit", str(data), "-k", "3", "--n-init", "2",
                     "-o", str(root / "m.npz"), "--plot", str(curve)]) == 0
    assert curve.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "curve.png" in capsys.readouterr().out
    assert cli.main(["gmm", "fit", str(data), "-k", "3", "-o",
                     str(root / "m2.npz"), "--plot", str(root / "c.nosuch")]) == 2
    assert "cannot write .nosuch" in capsys.readouterr().err
    assert not (root / "m2.npz").exists()


def test_demo_gmm_part_matches_scikit_learn(capsys):
    cli._demo_gmm(1000, 0)
    out = capsys.readouterr().out
    assert "known 4-component 2-D mixture" in out
    assert "same answer as scikit-learn: True" in out
    assert "labels recovered: 100.00%" in out or "labels recovered: 99." in out


# ----------------------------------------------------------------------
# silhouette / spectral
# ----------------------------------------------------------------------
def blobs(n=150, seed=0, spread=0.5):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    truth = np.arange(n) % 3
    return centers[truth] + spread * rng.normal(size=(n, 2)), truth


@pytest.fixture
def cluster_files(tmp_path):
    X, truth = blobs()
    np.save(tmp_path / "data.npy", X)
    np.save(tmp_path / "labels.npy", truth)
    return tmp_path, X, truth


@pytest.mark.parametrize("names", [None, np.array(["b", "a", "zz"])])
def test_silhouette_round_trip(cluster_files, capsys, names):
    from fastapml.cluster import silhouette_samples, silhouette_score
    root, X, truth = cluster_files
    labels = truth if names is None else names[truth]
    np.save(root / "labels.npy", labels)
    per = root / "per.npy"
    assert cli.main(["silhouette", str(root / "data.npy"),
                     str(root / "labels.npy"), "-o", str(per)]) == 0
    out = capsys.readouterr().out
    assert f"mean silhouette: {silhouette_score(X, labels):.6f}" in out
    values = silhouette_samples(X, labels)
    np.testing.assert_array_equal(np.load(per), values)
    assert np.load(per).dtype == np.float64
    first = (names[0] if names is not None else 0)
    mask = labels == first
    assert (f"{first} {mask.sum():9d} {values[mask].mean():9.4f} "
            f"{values[mask].min():9.4f}") in out
    assert "time:" in out and f"wrote {per}" in out
    assert not [f for f in os.listdir(root) if f.startswith(".tmp-")]


def test_silhouette_sample_size_and_metric(cluster_files, capsys):
    from fastapml.cluster import silhouette_score
    root, X, truth = cluster_files
    per = root / "per.npy"
    assert cli.main(["silhouette", str(root / "data.npy"),
                     str(root / "labels.npy"), "--metric", "manhattan",
                     "--sample-size", "60", "--seed", "3", "-o", str(per)]) == 0
    out = capsys.readouterr().out
    want = silhouette_score(X, truth, metric="manhattan", sample_size=60,
                            random_state=3)
    assert f"mean silhouette: {want:.6f}" in out
    values = np.load(per)
    assert values.shape == (150,) and np.isnan(values).sum() == 90
    assert np.nanmean(values) == pytest.approx(want, abs=1e-12)


def test_silhouette_plot(cluster_files, capsys):
    pytest.importorskip("matplotlib")
    root, _, _ = cluster_files
    plot = root / "sil.png"
    assert cli.main(["silhouette", str(root / "data.npy"),
                     str(root / "labels.npy"), "--plot", str(plot)]) == 0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "sil.png" in capsys.readouterr().out
    assert cli.main(["silhouette", str(root / "data.npy"),
                     str(root / "labels.npy"), "--plot",
                     str(root / "s.nosuch")]) == 2
    assert "cannot write .nosuch" in capsys.readouterr().err
    assert not (root / "s.nosuch").exists()


def test_silhouette_plot_without_matplotlib_exits_2(cluster_files, capsys,
                                                    monkeypatch):
    root, _, _ = cluster_files
    for name in ("matplotlib", "matplotlib.backend_bases", "matplotlib.figure"):
        monkeypatch.setitem(sys.modules, name, None)    # import raises
    assert cli.main(["silhouette", str(root / "data.npy"),
                     str(root / "labels.npy"), "-o", str(root / "per.npy"),
                     "--plot", str(root / "s.png")]) == 2
    assert "pip install matplotlib" in capsys.readouterr().err
    assert not (root / "per.npy").exists() and not (root / "s.png").exists()


@pytest.mark.parametrize("labels, message", [
    (np.zeros(149, dtype=int), "holds 149 labels but"),
    (np.zeros(150, dtype=int), "1 distinct label"),
    (np.arange(150), "150 distinct labels"),
    (np.zeros((150, 1), dtype=int), "1-D array of labels"),
    (np.where(np.arange(150) == 7, np.nan, np.arange(150) % 2), "label 7 is NaN"),
])
def test_silhouette_bad_labels_exit_2(cluster_files, capsys, labels, message):
    root, _, _ = cluster_files
    np.save(root / "bad.npy", labels)
    assert cli.main(["silhouette", str(root / "data.npy"), str(root / "bad.npy"),
                     "-o", str(root / "per.npy")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fastapml: error: ") and message in err
    assert not (root / "per.npy").exists()


def test_silhouette_bad_inputs_exit_2(cluster_files, capsys):
    root, X, _ = cluster_files
    data, labels = str(root / "data.npy"), str(root / "labels.npy")
    assert cli.main(["silhouette", str(root / "nope.npy"), labels]) == 2
    assert "nope.npy" in capsys.readouterr().err
    assert cli.main(["silhouette", data, str(root / "nolabels.npy")]) == 2
    assert "nolabels.npy" in capsys.readouterr().err
    X = X.copy()
    X[42, 0] = np.nan
    np.save(root / "nan.npy", X)
    assert cli.main(["silhouette", str(root / "nan.npy"), labels]) == 2
    assert "row 42 holds NaN" in capsys.readouterr().err
    assert cli.main(["silhouette", data, labels, "--metric", "nosuch"]) == 2
    assert "unknown metric" in capsys.readouterr().err
    assert cli.main(["silhouette", data, labels, "--sample-size", "1"]) == 2
    assert "--sample-size" in capsys.readouterr().err


def test_spectral_round_trip(cluster_files, capsys):
    from sklearn.metrics import adjusted_rand_score

    from fastapml.cluster import silhouette_score
    root, X, truth = cluster_files
    out_path = root / "out.npy"
    assert cli.main(["spectral", str(root / "data.npy"), "-k", "3", "-o",
                     str(out_path), "--seed", "0"]) == 0
    out = capsys.readouterr().out
    labels = np.load(out_path)
    assert labels.dtype == np.int64 and labels.shape == (150,)
    assert adjusted_rand_score(truth, labels) == 1.0
    assert "cluster sizes: 50 50 50" in out
    assert f"silhouette (euclidean): {silhouette_score(X, labels):.4f}" in out
    assert cli.main(["spectral", str(root / "data.npy"), "-k", "3", "-o",
                     str(out_path), "--affinity", "rbf", "--gamma", "0.1",
                     "--assign-labels", "cluster_qr", "--seed", "0"]) == 0
    assert adjusted_rand_score(truth, np.load(out_path)) == 1.0
    assert not [f for f in os.listdir(root) if f.startswith(".tmp-")]


@pytest.mark.parametrize("flags, message", [
    (["-k", "1"], "-k must be between 2"),
    (["-k", "150"], "-k must be between 2"),
    (["-k", "3", "--neighbors", "0"], "--neighbors"),
])
def test_spectral_bad_arguments_exit_2(cluster_files, capsys, flags, message):
    root, _, _ = cluster_files
    out_path = root / "out.npy"
    assert cli.main(["spectral", str(root / "data.npy"), "-o", str(out_path),
                     *flags]) == 2
    assert message in capsys.readouterr().err
    assert not out_path.exists()


def test_spectral_bad_data_exits_2(cluster_files, capsys):
    root, X, _ = cluster_files
    out_path = root / "out.npy"
    assert cli.main(["spectral", str(root / "nope.npy"), "-k", "3", "-o",
                     str(out_path)]) == 2
    assert "nope.npy" in capsys.readouterr().err
    X = X.copy()
    X[5, 1] = np.inf
    np.save(root / "inf.npy", X)
    assert cli.main(["spectral", str(root / "inf.npy"), "-k", "3", "-o",
                     str(out_path)]) == 2
    assert "row 5 holds NaN or inf" in capsys.readouterr().err
    assert not out_path.exists()


def test_demo_cluster_part_matches_scikit_learn(capsys):
    cli._demo_cluster(400, 0)
    out = capsys.readouterr().out
    assert "SpectralClustering of 400 two-moons points" in out
    fast, sk = [line.split() for line in out.splitlines()
                if line.strip().startswith(("fastapml ", "scikit-learn "))
                and "ARI" not in line][:2]
    assert float(fast[1]) == float(sk[1]) == 1.0        # ARI vs truth
    diff = float(out.split("|difference| ")[1].split()[0])
    assert diff < 1e-9


def test_demo_lagrange_part(capsys):
    cli._demo_lagrange()
    out = capsys.readouterr().out
    assert "x = (-0.600000000" in out
    assert ", 0.79999999" in out or ", 0.80000000" in out
    assert "lam = -2.50000000" in out and "value -5.0000000" in out
    assert "same vector up to sign: True" in out


def test_cnn_train_reports_accuracy_and_saves(tmp_path, capsys):
    from fastapml.nn.layers import Sequential

    out = tmp_path / "cnn.npz"
    assert cli.main(["cnn", "train", "--epochs", "1", "--batch-size", "64",
                     "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "epoch   1" in text and "test accuracy:" in text
    assert len(Sequential.load(out).layers) == 8


def test_cnn_train_bad_epochs_exit_2(capsys):
    assert cli.main(["cnn", "train", "--epochs", "0"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
