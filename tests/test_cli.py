"""The fastapml command line: demo and tag train / eval / predict."""
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
    assert cli.main(["demo", "--sentences", "300", "--em-iter", "3"]) == 0
    out = capsys.readouterr().out
    assert "TnT trigram" in out and "add-one bigram" in out
    assert "paths identical to fastapml.reference: True" in out
    assert "non-decreasing: True" in out


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
