"""The fastapml command line: exit codes, the error policy, ``--json``
outputs against the library's own numbers, and the files each command writes
(tag, gmm, silhouette, spectral, cnn, demo)."""

import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from fastapml import cli
from fastapml._progress import Progress
from fastapml.cli import cluster as cluster_cli
from fastapml.cli import cnn as cnn_cli
from fastapml.cli import denoise as denoise_cli
from fastapml.cli import gmm as gmm_cli
from fastapml.cli import lagrange as lagrange_cli
from fastapml.cli import tag as tag_cli
from fastapml.hmm import HMMTagger
from fastapml.hmm.synthetic import TAGS, known_hmm, sample_corpus
from fastapml.mixture import GaussianMixture

DATA = os.path.join(os.path.dirname(__file__), "data")
PNG = b"\x89PNG\r\n\x1a\n"


def run_json(capsys, argv):
    """``main(argv + --json)``: exit 0 and stdout exactly one JSON object."""
    assert cli.main([*argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    return json.loads(out)


def error_line(capsys, argv, *, alone=True):
    """``main(argv)``: exit 2, nothing on stdout, stderr ending in one
    ``fastapml: error:`` line (the only line when ``alone``); the message."""
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines and lines[-1].startswith("fastapml: error: "), err
    assert err.count("fastapml: error: ") == 1 and err.endswith("\n")
    if alone:
        assert len(lines) == 1, err
    return lines[-1]


def no_temporaries(root):
    return not [f for f in os.listdir(root) if "fastapml-partial" in f]


# ----------------------------------------------------------------------
# entry point and error policy
# ----------------------------------------------------------------------
def test_python_m_fastapml_cli_help_exits_0():
    result = subprocess.run(
        [sys.executable, "-m", "fastapml.cli", "--help"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    for command in ("demo", "tag", "gmm", "silhouette", "spectral", "cnn"):
        assert command in result.stdout


def test_console_script_entry_point_is_main():
    from importlib.metadata import entry_points

    found = entry_points(group="console_scripts", name="fastapml")
    if not found:
        pytest.skip("fastapml is not installed")
    (entry,) = found
    assert entry.value == "fastapml.cli:main"
    assert entry.load() is cli.main


def test_every_command_dispatches_to_its_module():
    parser = cli.build_parser()
    cases = {
        ("demo",): "fastapml.cli.demo",
        ("tag", "predict", "m"): "fastapml.cli.tag",
        ("gmm", "fit", "x", "-k", "2", "-o", "m"): "fastapml.cli.gmm",
        ("silhouette", "x", "y"): "fastapml.cli.cluster",
        ("spectral", "x", "-k", "2", "-o", "y"): "fastapml.cli.cluster",
        ("cnn", "train"): "fastapml.cli.cnn",
        ("denoise", "--demo"): "fastapml.cli.denoise",
        ("warmup",): "fastapml.cli.warmup",
    }
    for argv, module in cases.items():
        assert parser.parse_args(list(argv)).func.__module__ == module


@pytest.mark.parametrize("bug", [TypeError, AttributeError, KeyError])
def test_a_bug_propagates_with_its_traceback(monkeypatch, capsys, bug):
    def broken(args):
        raise bug("a bug, not bad input")

    monkeypatch.setattr(gmm_cli, "fit", broken)
    with pytest.raises(bug, match="a bug"):
        cli.main(["gmm", "fit", "x.npy", "-k", "2", "-o", "m.npz"])
    assert "fastapml: error" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "problem", [ValueError("bad\n  value"), FileNotFoundError(2, "gone", "f.npy")]
)
def test_bad_input_and_io_errors_are_one_line_exit_2(monkeypatch, capsys, problem):
    def failing(args):
        raise problem

    monkeypatch.setattr(gmm_cli, "fit", failing)
    line = error_line(capsys, ["gmm", "fit", "x.npy", "-k", "2", "-o", "m.npz"])
    assert line in ("fastapml: error: bad value", f"fastapml: error: {problem}")


def test_keyboard_interrupt_exits_130(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(gmm_cli, "fit", interrupted)
    assert cli.main(["gmm", "fit", "x.npy", "-k", "2", "-o", "m.npz"]) == 130
    assert capsys.readouterr().err == "fastapml: interrupted\n"


def test_usage_errors_exit_2_through_argparse(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["gmm", "fit", "x.npy", "-o", "m.npz"])  # no -k
    assert exc.value.code == 2
    assert "-k/--components" in capsys.readouterr().err


# ----------------------------------------------------------------------
# demo
# ----------------------------------------------------------------------
def test_demo_runs_every_part_and_each_agrees(capsys, monkeypatch):
    results = {}
    parts = (tag_cli, gmm_cli, cluster_cli, lagrange_cli, cnn_cli, denoise_cli)
    for module in parts:
        name = module.__name__.rsplit(".", 1)[1]

        def recorded(*args, _demo=module.demo, _name=name):
            results[_name] = _demo(*args)
            return results[_name]

        monkeypatch.setattr(module, "demo", recorded)
    argv = ["demo", "--sentences", "300", "--em-iter", "3"]
    argv += ["--gmm-samples", "1000", "--cluster-samples", "400"]
    assert cli.main(argv) == 0
    assert sorted(results) == sorted(m.__name__.rsplit(".", 1)[1] for m in parts)

    hmm = results["tag"]
    assert hmm["paths_identical"] and hmm["em_non_decreasing"]
    assert hmm["paths_identical_hmmlearn"] is True  # hmmlearn: a test dependency
    assert set(hmm["accuracy"]) == {"TnT trigram", "TnT bigram", "add-one bigram"}
    mixture = results["gmm"]
    assert mixture["same_as_sklearn"] and mixture["label_accuracy"] >= 0.99
    clusters = results["cluster"]
    assert clusters["ari_fastapml"] == clusters["ari_sklearn"] == 1.0
    diff = clusters["silhouette_fastapml"] - clusters["silhouette_sklearn"]
    assert abs(diff) < 1e-9
    assert results["lagrange"]["same_vector"]
    assert results["denoise"]["psnr_denoised"] > results["denoise"]["psnr_noisy"] + 3
    assert len(results["cnn"]["test_accuracy"]) == 2

    out = capsys.readouterr().out  # for people: a light check only
    assert "TnT trigram" in out and "SpectralClustering of 400" in out


def test_demo_says_when_hmmlearn_is_missing(capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "hmmlearn.hmm", None)  # import fails
    result = tag_cli.demo(200, 2, 0)
    assert result["paths_identical_hmmlearn"] is None
    assert "hmmlearn is not installed" in capsys.readouterr().out


def test_demo_lagrange_part(capsys):
    result = lagrange_cli.demo()
    np.testing.assert_allclose(result["x"], [-0.6, 0.8], atol=1e-9)
    assert result["multiplier"] == pytest.approx(-2.5, abs=1e-9)
    assert result["value"] == pytest.approx(-5.0, abs=1e-9)
    assert result["same_vector"]
    assert "Lagrange multipliers" in capsys.readouterr().out


# ----------------------------------------------------------------------
# tag train / eval / predict
# ----------------------------------------------------------------------
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


def test_tag_train_eval_predict_round_trip(treebank, tmp_path, capsys, monkeypatch):
    root, train, test = treebank
    model = tmp_path / "model.npz"
    argv = ["tag", "train", str(root / "train.conllu"), "-o", str(model)]
    assert cli.main([*argv, "--order", "1"]) == 0
    tagger = HMMTagger.load(model)
    assert tagger.order == 1 and tagger.smoothing == "tnt"
    expected = HMMTagger(order=1).fit(*train)
    assert tagger.predict(test[0]) == expected.predict(test[0])
    capsys.readouterr()

    result = run_json(capsys, ["tag", "eval", str(model), str(root / "test.conllu")])
    want = expected.evaluate(*test)
    for key in ("accuracy", "known_accuracy", "n_tokens", "n_unknown"):
        assert result[key] == want[key], key
    if np.isnan(want["unknown_accuracy"]):
        assert result["unknown_accuracy"] is None
    else:
        assert result["unknown_accuracy"] == want["unknown_accuracy"]
    assert result["n_known"] + result["n_unknown"] == result["n_tokens"]
    assert result["seconds"] >= 0 and result["tokens_per_s"] > 0
    # plain UPOS tags: the UPOS part is the whole tag; order 1 decodes densely
    assert result["upos_accuracy"] == result["accuracy"]
    assert result["candidates_mean"] is None and result["candidates_p99"] is None

    # the report for people still runs
    assert cli.main(["tag", "eval", str(model), str(root / "test.conllu")]) == 0
    report = capsys.readouterr().out
    assert "accuracy:" in report
    assert "UPOS part" not in report and "candidates" not in report

    lines = [" ".join(s) for s in test[0][:5]]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert cli.main(["tag", "predict", str(model)]) == 0
    got = capsys.readouterr().out.splitlines()
    want = expected.predict(test[0][:5])
    assert got == [
        " ".join(f"{w}/{t}" for w, t in zip(s, tags))
        for s, tags in zip(test[0][:5], want)
    ]


def test_tag_eval_json_reports_unknown_words(treebank, tmp_path, capsys):
    root, train, _ = treebank
    model = tmp_path / "m.npz"
    HMMTagger(order=2).fit(*train).save(model)
    unseen = ([["zzunseen", "the", "qqnever"]], [[TAGS[0], TAGS[1], TAGS[2]]])
    write_conllu(tmp_path / "unseen.conllu", *unseen)
    result = run_json(
        capsys, ["tag", "eval", str(model), str(tmp_path / "unseen.conllu")]
    )
    want = HMMTagger.load(model).evaluate(*unseen)
    assert result["n_unknown"] == want["n_unknown"] >= 2
    assert result["unknown_accuracy"] == want["unknown_accuracy"]


def test_tag_predict_reads_a_file(treebank, tmp_path, capsys):
    root, train, _ = treebank
    model = tmp_path / "m.npz"
    HMMTagger(order=2).fit(*train).save(model)
    text = tmp_path / "in.txt"
    text.write_text("the dog\n\nWe run .\n", encoding="utf-8")
    assert cli.main(["tag", "predict", str(model), str(text)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and out[1] == ""
    assert [tok.split("/")[0] for tok in out[2].split()] == ["We", "run", "."]


def test_tag_errors_exit_2_with_one_line(treebank, tmp_path, capsys):
    root, train, _ = treebank
    bad = tmp_path / "bad.conllu"
    bad.write_text("1\tonly three\tfields\n", encoding="utf-8")
    model = tmp_path / "m.npz"
    line = error_line(capsys, ["tag", "train", str(bad), "-o", str(model)], alone=False)
    assert "line 1" in line and not model.exists()

    sample = os.path.join(DATA, "sample.conllu")
    missing = tmp_path / "missing.npz"
    assert "missing.npz" in error_line(capsys, ["tag", "eval", str(missing), sample])
    not_npz = tmp_path / "x.npz"
    not_npz.write_bytes(b"not a zip")
    assert "x.npz" in error_line(capsys, ["tag", "predict", str(not_npz)])
    good = tmp_path / "good.npz"
    HMMTagger(order=1).fit(*train).save(good)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    assert "truncated.npz" in error_line(
        capsys, ["tag", "eval", str(truncated), sample]
    )


MORPH_FEATS = tuple(
    f"Case={case}|Gender={gender}|Number={number}"
    for case in ("Nom", "Acc", "Dat", "Gen")
    for gender in ("Fem", "Masc")
    for number in ("Sing", "Plur")
)


def morph_corpus(n_sentences, seed):
    """Sentences DET ADJ NOUN VERB [DET NOUN], case, gender and number
    agreeing in each noun phrase: UPOS|FEATS tags, 3 x 16 feature
    combinations plus plain VERB.  Words carry their case and gender, not
    always their number."""
    rng = np.random.default_rng(seed)
    sentences, upos, feats = [], [], []
    for _ in range(n_sentences):
        words, u, f = [], [], []
        for phrase in range(1 + int(rng.integers(0, 2))):
            k = int(rng.integers(0, len(MORPH_FEATS)))
            case, gender, number = MORPH_FEATS[k].split("|")
            stem = case[5:] + gender[7:] + (number[7:] if k % 3 else "")
            for pos in ("DET", "ADJ", "NOUN") if phrase == 0 else ("DET", "NOUN"):
                words.append(f"{pos.lower()}{rng.integers(0, 6)}{stem}")
                u.append(pos)
                f.append(MORPH_FEATS[k])
            if phrase == 0:
                words.append(f"verb{rng.integers(0, 20)}")
                u.append("VERB")
                f.append("_")
        sentences.append(words)
        upos.append(u)
        feats.append(f)
    return sentences, upos, feats


def write_conllu_feats(path, sentences, upos, feats):
    with open(path, "w", encoding="utf-8") as f:
        for words, us, fs in zip(sentences, upos, feats):
            for i, (w, u, ft) in enumerate(zip(words, us, fs), 1):
                f.write(f"{i}\t{w}\t_\t{u}\t_\t{ft}\t0\t_\t_\t_\n")
            f.write("\n")


def joined_tags(upos, feats):
    return [
        [u if f == "_" else f"{u}|{f}" for u, f in zip(us, fs)]
        for us, fs in zip(upos, feats)
    ]


@pytest.fixture(scope="module")
def morph_treebank(tmp_path_factory):
    root = tmp_path_factory.mktemp("morph")
    train, test = morph_corpus(300, seed=1), morph_corpus(60, seed=2)
    write_conllu_feats(root / "train.conllu", *train)
    # test words unseen in training: other stems and numbers
    test[0][0][:3] = ["detzz", "adjqq", "nounxx"]
    write_conllu_feats(root / "test.conllu", *test)
    return root, train, test


def test_tag_train_upos_feats_default_order(morph_treebank, tmp_path, capsys):
    root, train, _ = morph_treebank
    model = tmp_path / "m.npz"
    argv = ["tag", "train", str(root / "train.conllu"), "-o", str(model)]
    result = run_json(capsys, [*argv, "--tagset", "upos+feats"])
    assert model.exists()
    tagger = HMMTagger.load(model)
    assert result["n_tags"] == len(tagger.tags_) > 30
    assert any("|" in t for t in tagger.tags_)
    assert result["n_words"] == len(tagger.vocabulary_)
    assert result["n_sentences"] == len(train[0])
    assert result["n_tokens"] == sum(map(len, train[0]))
    assert result["order"] == 2 == tagger.order
    assert result["smoothing"] == "tnt"
    assert result["decoder"] == "lattice" == tagger.decoder_  # auto, > 3 tags
    assert result["fit_seconds"] >= 0 and result["model"] == str(model)

    assert cli.main([*argv, "--tagset", "upos+feats"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("trained order-2 tnt tagger (lattice decoder) on ")
    assert f"on {result['n_tags']} tags" in out


@pytest.mark.parametrize("decoder", ["lattice", "dense"])
def test_tag_upos_feats_with_each_decoder(morph_treebank, tmp_path, capsys, decoder):
    root, train, test = morph_treebank
    model = tmp_path / "m.npz"
    train_argv = ["tag", "train", str(root / "train.conllu"), "-o", str(model)]
    flags = ["--tagset", "upos+feats", "--decoder", decoder]
    assert run_json(capsys, [*train_argv, *flags])["decoder"] == decoder
    assert HMMTagger.load(model).decoder_ == decoder

    eval_argv = ["tag", "eval", str(model), str(root / "test.conllu")]
    result = run_json(capsys, [*eval_argv, "--tagset", "upos+feats"])
    want = HMMTagger(decoder=decoder).fit(train[0], joined_tags(*train[1:]))
    want = want.evaluate(test[0], joined_tags(*test[1:]))
    assert result["accuracy"] == want["accuracy"]
    assert result["n_unknown"] == want["n_unknown"] >= 3
    assert 0 < result["accuracy"] <= result["upos_accuracy"] <= 1
    if decoder == "lattice":
        # known words: the tags seen with them; a few unknown ones: more
        assert result["candidates_mean"] >= 1 and result["candidates_p99"] >= 1
        assert isinstance(result["candidates_p99"], int)
    else:
        assert result["candidates_mean"] is None and result["candidates_p99"] is None

    assert cli.main([*eval_argv, "--tagset", "upos+feats"]) == 0
    out = capsys.readouterr().out
    upos = f"{100 * result['upos_accuracy']:.2f}%"
    assert f"UPOS part:         {upos}" in out.splitlines()
    assert ("candidates per token: mean " in out) == (decoder == "lattice")


def test_tag_mle_smoothing_reports_numbers(morph_treebank, tmp_path, capsys):
    root, _, test = morph_treebank
    model = tmp_path / "m.npz"
    argv = ["tag", "train", str(root / "train.conllu"), "-o", str(model)]
    result = run_json(capsys, [*argv, "--tagset", "upos+feats", "--smoothing", "mle"])
    assert result["smoothing"] == "mle"
    assert (
        cli.main(
            [
                "tag",
                "eval",
                str(model),
                str(root / "test.conllu"),
                "--tagset",
                "upos+feats",
                "--json",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "NaN" not in text and "Infinity" not in text
    result = json.loads(text)
    assert result["n_unknown"] >= 3
    for key in ("accuracy", "known_accuracy", "unknown_accuracy", "upos_accuracy"):
        assert isinstance(result[key], float) and 0 <= result[key] <= 1, key
    # unknown words in an impossible sentence get their most frequent tag:
    # under "mle" no tag is more likely, so the most frequent tag overall
    tagger = HMMTagger.load(model)
    top = tagger.tags_[np.argmax(tagger.tag_counts_)]
    assert tagger.predict([["nounxx"]]) == [[top]]


def test_tag_eval_gold_tags_the_model_never_saw(morph_treebank, tmp_path, capsys):
    root, train, _ = morph_treebank
    model = tmp_path / "m.npz"
    HMMTagger().fit(train[0], joined_tags(*train[1:])).save(model)
    odd = tmp_path / "odd.conllu"
    # one known tag, then three the model never saw
    feats = "Case=Nom|Gender=Fem|Number=Sing"
    write_conllu_feats(
        odd,
        [["det1NomFemSing", "adj2NomFemSing", "noun3NomFemSing", "verb4"]],
        [["DET", "ADJ", "INTJ", "X"]],
        [[feats, "Foo=Bar", "_", "_"]],
    )
    argv = ["tag", "eval", str(model), str(odd), "--tagset", "upos+feats", "--json"]
    assert cli.main(argv) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert result["n_tokens"] == 4
    assert result["accuracy"] <= 0.25  # the three count as errors
    assert result["accuracy"] <= result["upos_accuracy"] <= 0.5
    assert "3 of 4 gold tags are not in the model's tag set" in err

    # a model with UPOS|FEATS tags evaluated on plain UPOS: a warning, no crash
    assert cli.main(["tag", "eval", str(model), str(root / "test.conllu")]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "--tagset upos+feats" in err


def test_tag_eval_refuses_another_tagset_than_the_models(
    morph_treebank, tmp_path, capsys
):
    root, _, _ = morph_treebank
    model = tmp_path / "m.npz"
    train = ["tag", "train", str(root / "train.conllu"), "-o", str(model)]
    assert cli.main([*train, "--tagset", "upos+feats"]) == 0
    capsys.readouterr()
    assert HMMTagger.load(model).tagset_ == "upos+feats"
    test = str(root / "test.conllu")
    message = error_line(capsys, ["tag", "eval", str(model), test, "--tagset", "upos"])
    assert "--tagset upos+feats" in message
    # without --tagset, eval uses the model's
    result = run_json(capsys, ["tag", "eval", str(model), test])
    assert result["upos_accuracy"] >= result["accuracy"] > 0.5


@pytest.mark.parametrize(
    "flags, name",
    [
        (["--candidate-mass", "0"], "--candidate-mass"),
        (["--candidate-mass", "1.5"], "--candidate-mass"),
        (["--candidate-mass", "nan"], "--candidate-mass"),
        (["--max-candidates", "0"], "--max-candidates"),
        (["--beam", "-1"], "--beam"),
    ],
)
def test_tag_train_bad_lattice_options_exit_2(
    morph_treebank, tmp_path, capsys, flags, name
):
    root, _, _ = morph_treebank
    model = tmp_path / "m.npz"
    argv = ["tag", "train", str(root / "train.conllu"), "-o", str(model), *flags]
    line = error_line(capsys, argv)  # refused before the treebank is read
    assert name in line and "Traceback" not in line
    assert not model.exists()


def test_tag_train_bad_choices_are_usage_errors(morph_treebank, tmp_path, capsys):
    root, _, _ = morph_treebank
    argv = ["tag", "train", str(root / "train.conllu"), "-o", str(tmp_path / "m")]
    for flags in (
        ["--smoothing", "witten-bell"],
        ["--decoder", "beam"],
        ["--max-candidates", "many"],
    ):
        with pytest.raises(SystemExit) as exc:
            cli.main([*argv, *flags])
        assert exc.value.code == 2
        assert flags[0] in capsys.readouterr().err


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
    root, data = gmm_files
    model_path = root / "model.npz"
    result = run_json(
        capsys,
        ["gmm", "fit", str(data), "-k", "3", "--covariance", "diag", "--seed", "0"]
        + ["--tol", "1e-4", "--max-iter", "50", "-o", str(model_path)],
    )
    model = GaussianMixture.load(model_path)
    X = gmm_data()
    expected = GaussianMixture(
        n_components=3, covariance_type="diag", random_state=0, tol=1e-4, max_iter=50
    ).fit(X)
    np.testing.assert_allclose(model.means_, expected.means_)
    assert model.means_.dtype == np.float64
    assert result["n_iter"] == model.n_iter_ == expected.n_iter_ >= 1
    assert result["converged"] == model.converged_
    assert result["lower_bound"] == model.lower_bound_
    assert result["lower_bounds"] == list(model.lower_bounds_)
    assert result["init_lower_bounds"] == [result["lower_bounds"]]
    assert (result["n_samples"], result["n_features"]) == X.shape
    assert result["n_components"] == 3 and result["covariance_type"] == "diag"
    assert result["dtype"] == "float64" and result["dask"] is None
    assert result["output"] == str(model_path) and result["seconds"] >= 0

    labels, proba = root / "labels.npy", root / "proba.npy"
    argv = ["gmm", "predict", str(model_path), str(data), "-o", str(labels)]
    result = run_json(capsys, [*argv, "--proba", str(proba)])
    np.testing.assert_array_equal(np.load(labels), model.predict(X))
    assert np.load(labels).dtype == np.int64
    np.testing.assert_array_equal(np.load(proba), model.predict_proba(X))
    assert (
        result["component_sizes"] == np.bincount(model.predict(X), minlength=3).tolist()
    )
    assert result["n_samples"] == 240
    assert sorted(os.listdir(root)) == [
        "data.npy",
        "labels.npy",
        "model.npz",
        "proba.npy",
    ]

    # the reports for people still run, progress on stderr
    assert cli.main(["gmm", "fit", str(data), "-k", "3", "-o", str(model_path)]) == 0
    out, err = capsys.readouterr()
    assert "converged:" in out and "iter    1" in err
    assert cli.main(argv) == 0
    assert "component sizes:" in capsys.readouterr().out


def test_gmm_fit_float32_and_n_init(gmm_files, capsys):
    root, data = gmm_files
    out_path = root / "m32.npz"
    result = run_json(
        capsys,
        ["gmm", "fit", str(data), "-k", "2", "--float32", "--n-init", "2"]
        + ["--init", "random_from_data", "--covariance", "spherical", "--seed", "1"]
        + ["-o", str(out_path)],
    )
    assert result["dtype"] == "float32" and result["n_init"] == 2
    assert len(result["init_lower_bounds"]) == 2
    assert result["lower_bounds"] in result["init_lower_bounds"]
    model = GaussianMixture.load(out_path)
    assert model.means_.dtype == np.float32 and model.covariance_type == "spherical"
    labels = root / "labels.npy"
    assert (
        cli.main(["gmm", "predict", str(out_path), str(data), "-o", str(labels)]) == 0
    )
    np.testing.assert_array_equal(
        np.load(labels), model.predict(gmm_data().astype(np.float32))
    )


def test_gmm_predict_in_blocks_matches_one_call(gmm_files, monkeypatch):
    root, data = gmm_files
    model_path = root / "model.npz"
    argv = ["gmm", "fit", str(data), "-k", "3", "--seed", "0", "-o", str(model_path)]
    assert cli.main(argv) == 0
    monkeypatch.setattr(gmm_cli, "_rows_per_block", lambda k, d: 7)
    labels, proba = root / "labels.npy", root / "proba.npy"
    argv = ["gmm", "predict", str(model_path), str(data), "-o", str(labels)]
    assert cli.main([*argv, "--proba", str(proba)]) == 0
    model, X = GaussianMixture.load(model_path), gmm_data()
    np.testing.assert_array_equal(np.load(labels), model.predict(X))
    np.testing.assert_allclose(
        np.load(proba), model.predict_proba(X), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize(
    "array, message",
    [
        (np.zeros(10), "expected a non-empty 2-D array"),
        (np.zeros((2, 3, 4)), "expected a non-empty 2-D array"),
        (np.zeros((0, 3)), "expected a non-empty 2-D array"),
        (np.array([["a", "b"]] * 5), "real numeric array"),
        (np.where(np.arange(40).reshape(20, 2) == 27, np.nan, 1.0), "row 13 holds NaN"),
        (np.where(np.arange(40).reshape(20, 2) == 4, np.inf, 1.0), "row 2 holds NaN"),
    ],
)
def test_gmm_fit_bad_data_exits_2(tmp_path, capsys, array, message):
    data = tmp_path / "bad.npy"
    np.save(data, array)
    model = tmp_path / "m.npz"
    line = error_line(capsys, ["gmm", "fit", str(data), "-k", "2", "-o", str(model)])
    assert message in line and "bad.npy" in line
    assert not model.exists()


def test_gmm_errors_exit_2(gmm_files, capsys):
    root, data = gmm_files
    model = root / "m.npz"

    def fit_error(path, k="2", alone=True):
        argv = ["gmm", "fit", str(path), "-k", k, "-o", str(model)]
        return error_line(capsys, argv, alone=alone)

    # missing input, a pickle, an .npz instead of an .npy, too many components
    assert "nope.npy" in fit_error(root / "nope.npy")
    pickled = root / "obj.npy"
    np.save(pickled, np.array([{}, None], dtype=object), allow_pickle=True)
    assert "obj.npy" in fit_error(pickled)
    archive = root / "a.npz"
    np.savez(archive, x=gmm_data())
    assert ".npz archive" in fit_error(archive)
    truncated = root / "cut.npy"
    truncated.write_bytes(data.read_bytes()[:300])
    assert "cut.npy is truncated: its header declares shape" in fit_error(truncated)
    text = root / "text.npy"
    text.write_text("1 2 3\n")
    assert "text.npy is not a .npy array file (it starts with b'1 2 3" in fit_error(
        text
    )
    assert "n_components" in fit_error(data, k="1000", alone=False)
    assert not model.exists()

    # predict: missing or truncated model, feature mismatch, NaN; no output
    assert cli.main(["gmm", "fit", str(data), "-k", "2", "-o", str(model)]) == 0
    capsys.readouterr()
    labels = root / "labels.npy"

    def predict_error(model_path, data_path, *extra):
        argv = ["gmm", "predict", str(model_path), str(data_path), "-o", str(labels)]
        return error_line(capsys, [*argv, *extra])

    assert "missing.npz" in predict_error(root / "missing.npz", data)
    bad_model = root / "bad.npz"
    bad_model.write_bytes(model.read_bytes()[:100])
    assert "bad.npz" in predict_error(bad_model, data)
    wide = root / "wide.npy"
    np.save(wide, np.zeros((5, 3)))
    assert "3 features" in predict_error(model, wide)
    nan = root / "nan.npy"
    X = gmm_data()
    X[200, 1] = np.nan
    np.save(nan, X)
    line = predict_error(model, nan, "--proba", str(root / "p.npy"))
    assert "row 200 holds NaN" in line
    assert not labels.exists() and not (root / "p.npy").exists()
    assert no_temporaries(root)


def test_gmm_plot_without_matplotlib_exits_2(gmm_files, capsys, monkeypatch):
    root, data = gmm_files
    for name in ("matplotlib", "matplotlib.backend_bases", "matplotlib.figure"):
        monkeypatch.setitem(sys.modules, name, None)  # import raises
    model = root / "m.npz"
    argv = ["gmm", "fit", str(data), "-k", "2", "-o", str(model)]
    line = error_line(capsys, [*argv, "--plot", str(root / "curve.png")])
    assert "pip install matplotlib" in line
    assert not model.exists() and not (root / "curve.png").exists()


def test_gmm_plot_with_matplotlib(gmm_files, capsys):
    pytest.importorskip("matplotlib")
    root, data = gmm_files
    curve = root / "curve.png"
    argv = ["gmm", "fit", str(data), "-k", "3", "--n-init", "2"]
    result = run_json(capsys, [*argv, "-o", str(root / "m.npz"), "--plot", str(curve)])
    assert curve.read_bytes()[:8] == PNG and result["plot"] == str(curve)
    argv = ["gmm", "fit", str(data), "-k", "3", "-o", str(root / "m2.npz")]
    line = error_line(capsys, [*argv, "--plot", str(root / "c.nosuch")])
    assert "cannot write .nosuch" in line
    assert not (root / "m2.npz").exists()


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
    argv = ["silhouette", str(root / "data.npy"), str(root / "labels.npy")]
    result = run_json(capsys, [*argv, "-o", str(per)])
    assert result["mean"] == pytest.approx(silhouette_score(X, labels), abs=1e-15)
    values = silhouette_samples(X, labels)
    np.testing.assert_array_equal(np.load(per), values)
    assert np.load(per).dtype == np.float64
    assert result["n_samples"] == result["n_samples_total"] == 150
    assert not result["sampled"] and result["n_clusters"] == 3
    assert [c["label"] for c in result["clusters"]] == np.unique(labels).tolist()
    for cluster in result["clusters"]:
        mask = labels == cluster["label"]
        assert cluster["size"] == mask.sum()
        assert cluster["mean"] == pytest.approx(values[mask].mean(), abs=1e-12)
        assert cluster["min"] == values[mask].min()
    assert result["negative_fraction"] == np.mean(values < 0)
    assert result["output"] == str(per) and result["metric"] == "euclidean"
    assert no_temporaries(root)

    assert cli.main(argv) == 0  # the report for people still runs
    assert "mean silhouette:" in capsys.readouterr().out


def test_silhouette_sample_size_and_metric(cluster_files, capsys):
    from fastapml.cluster import silhouette_score

    root, X, truth = cluster_files
    per = root / "per.npy"
    argv = ["silhouette", str(root / "data.npy"), str(root / "labels.npy")]
    argv += ["--metric", "manhattan", "--sample-size", "60", "--seed", "3"]
    result = run_json(capsys, [*argv, "-o", str(per)])
    want = silhouette_score(
        X, truth, metric="manhattan", sample_size=60, random_state=3
    )
    assert result["mean"] == pytest.approx(want, abs=1e-12)
    assert result["sampled"] and result["n_samples"] == 60
    assert result["n_samples_total"] == 150 and result["metric"] == "manhattan"
    assert sum(c["size"] for c in result["clusters"]) == 60
    values = np.load(per)
    assert values.shape == (150,) and np.isnan(values).sum() == 90
    assert np.nanmean(values) == pytest.approx(want, abs=1e-12)


def test_silhouette_plot(cluster_files, capsys):
    pytest.importorskip("matplotlib")
    root, _, _ = cluster_files
    plot = root / "sil.png"
    argv = ["silhouette", str(root / "data.npy"), str(root / "labels.npy")]
    result = run_json(capsys, [*argv, "--plot", str(plot)])
    assert plot.read_bytes()[:8] == PNG and result["plot"] == str(plot)
    line = error_line(capsys, [*argv, "--plot", str(root / "s.nosuch")])
    assert "cannot write .nosuch" in line
    assert not (root / "s.nosuch").exists()


def test_silhouette_plot_without_matplotlib_exits_2(cluster_files, capsys, monkeypatch):
    root, _, _ = cluster_files
    for name in ("matplotlib", "matplotlib.backend_bases", "matplotlib.figure"):
        monkeypatch.setitem(sys.modules, name, None)  # import raises
    argv = ["silhouette", str(root / "data.npy"), str(root / "labels.npy")]
    argv += ["-o", str(root / "per.npy"), "--plot", str(root / "s.png")]
    assert "pip install matplotlib" in error_line(capsys, argv)
    assert not (root / "per.npy").exists() and not (root / "s.png").exists()


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.zeros(149, dtype=int), "holds 149 labels but"),
        (np.zeros(150, dtype=int), "1 distinct label"),
        (np.arange(150), "150 distinct labels"),
        (np.zeros((150, 1), dtype=int), "1-D array of labels"),
        (np.where(np.arange(150) == 7, np.nan, np.arange(150) % 2), "label 7 is NaN"),
    ],
)
def test_silhouette_bad_labels_exit_2(cluster_files, capsys, labels, message):
    root, _, _ = cluster_files
    np.save(root / "bad.npy", labels)
    argv = ["silhouette", str(root / "data.npy"), str(root / "bad.npy")]
    assert message in error_line(capsys, [*argv, "-o", str(root / "per.npy")])
    assert not (root / "per.npy").exists()


def test_silhouette_bad_inputs_exit_2(cluster_files, capsys):
    root, X, _ = cluster_files
    data, labels = str(root / "data.npy"), str(root / "labels.npy")
    assert "nope.npy" in error_line(
        capsys, ["silhouette", str(root / "nope.npy"), labels]
    )
    line = error_line(capsys, ["silhouette", data, str(root / "nolabels.npy")])
    assert "nolabels.npy" in line
    X = X.copy()
    X[42, 0] = np.nan
    np.save(root / "nan.npy", X)
    line = error_line(capsys, ["silhouette", str(root / "nan.npy"), labels])
    assert "row 42 holds NaN" in line
    line = error_line(capsys, ["silhouette", data, labels, "--metric", "nosuch"])
    assert "unknown metric" in line
    line = error_line(capsys, ["silhouette", data, labels, "--sample-size", "1"])
    assert "--sample-size" in line


def test_spectral_round_trip(cluster_files, capsys):
    from sklearn.metrics import adjusted_rand_score

    from fastapml.cluster import silhouette_score

    root, X, truth = cluster_files
    out_path = root / "out.npy"
    argv = ["spectral", str(root / "data.npy"), "-k", "3", "-o", str(out_path)]
    result = run_json(capsys, [*argv, "--seed", "0"])
    labels = np.load(out_path)
    assert labels.dtype == np.int64 and labels.shape == (150,)
    assert adjusted_rand_score(truth, labels) == 1.0
    assert result["cluster_sizes"] == [50, 50, 50] and result["n_samples"] == 150
    assert result["silhouette"] == pytest.approx(silhouette_score(X, labels), abs=1e-15)
    extra = ["--affinity", "rbf", "--gamma", "0.1", "--assign-labels", "cluster_qr"]
    assert cli.main([*argv, *extra, "--seed", "0"]) == 0
    assert adjusted_rand_score(truth, np.load(out_path)) == 1.0
    assert "cluster sizes:" in capsys.readouterr().out  # the report for people
    assert no_temporaries(root)


@pytest.mark.parametrize(
    "flags, message",
    [
        (["-k", "1"], "-k must be between 2"),
        (["-k", "150"], "-k must be between 2"),
        (["-k", "3", "--neighbors", "0"], "--neighbors"),
    ],
)
def test_spectral_bad_arguments_exit_2(cluster_files, capsys, flags, message):
    root, _, _ = cluster_files
    out_path = root / "out.npy"
    argv = ["spectral", str(root / "data.npy"), "-o", str(out_path), *flags]
    assert message in error_line(capsys, argv)
    assert not out_path.exists()


def test_spectral_bad_data_exits_2(cluster_files, capsys):
    root, X, _ = cluster_files
    out_path = root / "out.npy"
    argv = ["spectral", str(root / "nope.npy"), "-k", "3", "-o", str(out_path)]
    assert "nope.npy" in error_line(capsys, argv)
    X = X.copy()
    X[5, 1] = np.inf
    np.save(root / "inf.npy", X)
    argv = ["spectral", str(root / "inf.npy"), "-k", "3", "-o", str(out_path)]
    assert "row 5 holds NaN or inf" in error_line(capsys, argv)
    assert not out_path.exists()


# ----------------------------------------------------------------------
# cnn train
# ----------------------------------------------------------------------
def test_cnn_train_reports_accuracy_and_saves(tmp_path, capsys):
    from fastapml.nn import Sequential
    from fastapml.nn.training import accuracy, load_digits_split

    out = tmp_path / "cnn.npz"
    argv = ["cnn", "train", "--epochs", "1", "--batch-size", "64", "-o", str(out)]
    result = run_json(capsys, argv)
    assert result["epochs"] == 1 and result["output"] == str(out)
    for key in ("loss", "train_accuracy", "test_accuracy", "samples_per_s"):
        assert len(result[key]) == 1, key
    model = Sequential.load(out)
    assert len(model.layers) == 8
    _, X_test, _, y_test = load_digits_split()
    assert result["test_accuracy"][0] == accuracy(model, X_test, y_test)


def test_cnn_train_bad_epochs_exit_2(capsys):
    assert "--epochs" in error_line(capsys, ["cnn", "train", "--epochs", "0"])


def test_inputs_that_say_nothing_are_named(treebank, tmp_path, capsys):
    """An empty treebank, text that is not UTF-8, an image smaller than a
    patch and a negative size: one error line naming the file or option,
    nothing printed or written before it."""
    root, _, _ = treebank
    empty = tmp_path / "empty.conllu"
    empty.write_text("")
    line = error_line(capsys, ["tag", "train", str(empty), "-o", str(tmp_path / "m")])
    assert str(empty) in line and "no tokens" in line
    model = tmp_path / "m.npz"
    assert cli.main(["tag", "train", str(root / "train.conllu"), "-o", str(model)]) == 0
    capsys.readouterr()
    latin = tmp_path / "latin.txt"
    latin.write_bytes("ok\ncaf\xe9 noir\n".encode("latin-1"))
    line = error_line(capsys, ["tag", "predict", str(model), str(latin)])
    assert f"{latin}: line 2 is not UTF-8 text" in line
    tiny = tmp_path / "tiny.png"
    from PIL import Image

    Image.fromarray(np.zeros((3, 3), np.uint8)).save(tiny)
    argv = ["denoise", str(tiny), "--sigma", "25", "-o", str(tmp_path / "o.png")]
    assert str(tiny) in error_line(capsys, argv)
    assert "--sentences must be at least" in error_line(
        capsys, ["demo", "--sentences", "-5"]
    )
    assert sorted(os.listdir(tmp_path)) == [
        "empty.conllu",
        "latin.txt",
        "m.npz",
        "tiny.png",
    ]
