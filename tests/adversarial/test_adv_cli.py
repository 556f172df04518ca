"""The command line on bad files and bad option values, in-process through
``fastapml.cli.main`` (as tests/test_cli.py calls it).

The contract: exit status 2; nothing on standard output; on standard error
one line ``fastapml: error: ...`` naming the file or the option (or, for a
usage error caught by argparse, its usage and one ``error:`` line); no
traceback; every input unchanged and no file left behind.  Valid but
extreme data (huge values) may also succeed, with finite outputs.
"""

import pathlib
import shutil
import struct
import zlib

import numpy as np
import pytest
from adv_entries import SENTENCES, TAGS, _fitted, blob_labels, blobs, rng
from adv_files import BAD_NPY, GOOD_NPY, ODD_NPY, write_npy
from adv_support import describe, run

from fastapml import cli

# ----------------------------------------------------------------------
# good inputs, and ways to spoil them
# ----------------------------------------------------------------------
CONLLU = "".join(
    "".join(
        f"{i}\t{w}\t{w}\t{t}\t{t}\t_\t0\tdep\t_\t_\n"
        for i, (w, t) in enumerate(zip(words, tags), 1)
    )
    + "\n"
    for words, tags in zip(SENTENCES, TAGS)
)


def _png(width, height, mode_bytes=(8, 0), rows=None):
    """A PNG, written by hand so that its header can say anything:
    ``mode_bytes`` is (bit depth, colour type)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    depth, colour = mode_bytes
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    if rows is None:
        per_row = width * (depth // 8) * {0: 1, 2: 3, 4: 2, 6: 4}[colour]
        rows = b"".join(b"\0" + bytes(per_row) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """Valid inputs of every command, written once."""
    from PIL import Image

    root = tmp_path_factory.mktemp("good")
    np.save(root / "X.npy", blobs(40))
    np.save(root / "labels.npy", blob_labels(40))
    _fitted("gmm").save(root / "gmm.npz")
    tagger = _fitted("tagger")
    tagger.tagset_ = "upos"  # as 'tag train' saves it
    tagger.save(root / "tagger.npz")
    del tagger.tagset_
    _fitted("prior").save(root / "prior.npz")
    (root / "train.conllu").write_text(CONLLU, encoding="utf-8")
    (root / "text.txt").write_text("the dog runs .\na cat\n", encoding="utf-8")
    Image.fromarray((rng().random((12, 12)) * 255).astype(np.uint8)).save(
        root / "image.png"
    )
    return root


BAD_MODELS = {
    "text": b"not a model\n",
    "empty": b"",
    "truncated": None,  # half of the good file
    "another-kind": None,  # a model of another class
}
BAD_CONLLU = {
    "latin-1": "1\tcaf\xe9\tx\tNOUN\tNN\t_\t0\troot\t_\t_\n\n".encode("latin-1"),
    "binary-junk": bytes(rng().integers(0, 256, 2000, dtype=np.uint8)),
    "empty": b"",  # nothing to train on (for eval: see the test below)
    "nine-fields": b"1\tthe\tthe\tDET\tDT\t_\t2\tdet\t_\n\n",
    "utf-16": CONLLU.encode("utf-16"),
}
BAD_IMAGES = {
    "truncated-png": None,  # half of the good image
    "text": b"not an image\n",
    "empty": b"",
    "npy-named-png": GOOD_NPY,
    "16-bit": _png(8, 8, (16, 0)),
    "bomb-header": _png(100_000, 100_000, rows=b"\0"),
    "one-pixel": _png(1, 1),
    "zero-width-ihdr": _png(0, 8, rows=b""),
}


def spoil(path, table, name, good_file=None, other=None):
    """Write ``table[name]`` to ``path`` (None: derived from ``good_file``)."""
    content = table[name]
    if content is not None:
        path.write_bytes(content)
    elif name in ("truncated", "truncated-png"):
        data = good_file.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif name == "another-kind":
        shutil.copy(other, path)
    return path


# ----------------------------------------------------------------------
# running a command and judging it
# ----------------------------------------------------------------------
def snapshot(*folders):
    return {
        p: p.read_bytes() if p.is_file() else None
        for f in folders
        for p in f.rglob("*")
    }


def _as_path(arg):
    return pathlib.Path(arg) if "/" in str(arg) else None


def _main(argv):
    try:
        return cli.main([str(a) for a in argv])
    except SystemExit as exit_:
        return exit_.code


def cli_outcome(capsys, folder, argv):
    """``(status, stdout, stderr, files changed)`` of the command, in
    ``folder`` and in the folder of each input it names; an exception
    escaping ``main`` fails the test (a traceback)."""
    capsys.readouterr()
    folders = {folder, *(a.parent for a in map(_as_path, argv) if a and a.exists())}
    before = snapshot(*folders)
    kind, value = run(lambda: _main(argv))
    out, err = capsys.readouterr()
    assert kind == "ok", f"{' '.join(map(str, argv))}: {kind}: {describe(value)}"
    after = snapshot(*folders)
    changed = sorted(
        str(p) for p in set(before) | set(after) if before.get(p) != after.get(p)
    )
    return value, out, err, changed


def assert_refused(capsys, folder, argv, names):
    """Exit 2, nothing on stdout, one error line naming one of ``names``
    (after progress lines, if any, as the commands print them on stderr),
    no traceback, nothing written or changed."""
    status, out, err, changed = cli_outcome(capsys, folder, argv)
    shown = " ".join(map(str, argv))
    assert status == 2, f"{shown}: exit {status}, stderr {err!r}"
    assert "Traceback" not in err, f"{shown}: traceback on stderr: {err}"
    lines = err.splitlines()
    assert lines, f"{shown}: nothing on stderr"
    if lines[0].startswith("usage:"):  # argparse: the usage, then one error line
        assert lines[-1].startswith("fastapml") and ": error:" in lines[-1], err
    else:
        assert lines[-1].startswith("fastapml: error: "), (
            f"{shown}: stderr does not end in one 'fastapml: error:' line: {err!r}"
        )
        assert err.count("fastapml: error:") == 1, f"{shown}: {err!r}"
    assert any(str(n) in lines[-1] for n in names), (
        f"{shown}: the error does not name {' or '.join(map(str, names))}: {lines[-1]}"
    )
    assert out == "", f"{shown}: printed on stdout before failing: {out!r}"
    assert not changed, f"{shown}: files written or changed: {changed}"


def assert_works_or_refused(capsys, folder, argv, names, outputs=()):
    """Exit 0 with finite outputs, or :func:`assert_refused`'s refusal."""
    status, out, err, changed = cli_outcome(capsys, folder, argv)
    if status == 2:
        assert_refused(capsys, folder, argv, names)  # again, judged fully
        return
    assert status == 0, f"exit {status}: {err}"
    for path in outputs:
        if path.suffix == ".npy":
            values = np.load(path)
            assert not np.isnan(values.astype(float)).any(), (
                f"NaN written to {path.name}"
            )
    assert "nan" not in out.lower(), f"NaN printed: {out}"


# ----------------------------------------------------------------------
# the cases
# ----------------------------------------------------------------------
def _npy_cases():
    """(command, argv builder) for every command that reads a .npy file."""
    return {
        "gmm-fit": lambda d, bad, g: ["gmm", "fit", bad, "-k", 2, "-o", d / "m.npz"],
        "gmm-predict": lambda d, bad, g: [
            "gmm",
            "predict",
            g / "gmm.npz",
            bad,
            "-o",
            d / "y.npy",
        ],
        "silhouette-data": lambda d, bad, g: ["silhouette", bad, g / "labels.npy"],
        "silhouette-labels": lambda d, bad, g: ["silhouette", g / "X.npy", bad],
        "spectral": lambda d, bad, g: ["spectral", bad, "-k", 2, "-o", d / "y.npy"],
    }


@pytest.mark.parametrize(
    "command, damage",
    [
        pytest.param(command, damage, id=f"{command}-{damage}")
        for command in _npy_cases()
        for damage in BAD_NPY
        if (command, damage) != ("silhouette-labels", "1-D")  # valid labels
    ],
)
def test_a_bad_npy_file(capsys, tmp_path, good, command, damage):
    bad = write_npy(tmp_path / f"{damage}.npy", damage)
    argv = _npy_cases()[command](tmp_path, bad, good)
    assert_refused(capsys, tmp_path, argv, (bad.name,))


@pytest.mark.parametrize(
    "command", ["gmm-fit", "gmm-predict", "silhouette-data", "spectral"]
)
@pytest.mark.parametrize("damage", list(ODD_NPY))
def test_valid_but_extreme_data(capsys, tmp_path, good, command, damage):
    bad = write_npy(tmp_path / f"{damage}.npy", damage)
    argv = _npy_cases()[command](tmp_path, bad, good)
    outputs = [
        a for a in argv if hasattr(a, "suffix") and a.parent == tmp_path and a != bad
    ]
    assert_works_or_refused(capsys, tmp_path, argv, (bad.name,), outputs)


def _model_cases():
    return {
        "gmm-predict": (
            "gmm.npz",
            "tagger.npz",
            lambda d, m, g: ["gmm", "predict", m, g / "X.npy", "-o", d / "y.npy"],
        ),
        "tag-eval": (
            "tagger.npz",
            "gmm.npz",
            lambda d, m, g: ["tag", "eval", m, g / "train.conllu"],
        ),
        "tag-predict": (
            "tagger.npz",
            "gmm.npz",
            lambda d, m, g: ["tag", "predict", m, g / "text.txt"],
        ),
        "denoise-prior": (
            "prior.npz",
            "gmm.npz",
            lambda d, m, g: [
                "denoise",
                g / "image.png",
                "--sigma",
                25,
                "--prior",
                m,
                "-o",
                d / "o.png",
            ],
        ),
    }


@pytest.mark.parametrize("command", list(_model_cases()))
@pytest.mark.parametrize("damage", [*BAD_MODELS, "missing", "directory"])
def test_a_bad_model_file(capsys, tmp_path, good, command, damage):
    own, other, argv = _model_cases()[command]
    path = tmp_path / f"{damage}.npz"
    if damage == "directory":
        path.mkdir()
    elif damage != "missing":
        spoil(path, BAD_MODELS, damage, good / own, good / other)
    assert_refused(capsys, tmp_path, argv(tmp_path, path, good), (path.name,))


@pytest.mark.parametrize(
    "command, damage",
    [
        pytest.param(command, damage, id=f"{command}-{damage}")
        for command in ("tag-train", "tag-eval")
        for damage in (*BAD_CONLLU, "directory", "missing")
        if (command, damage) != ("tag-eval", "empty")
    ],
)
def test_a_bad_treebank(capsys, tmp_path, good, command, damage):
    path = tmp_path / f"{damage}.conllu"
    if damage == "directory":
        path.mkdir()
    elif damage != "missing":
        spoil(path, BAD_CONLLU, damage)
    argv = (
        ["tag", "train", path, "-o", tmp_path / "m.npz"]
        if command == "tag-train"
        else ["tag", "eval", good / "tagger.npz", path]
    )
    assert_refused(capsys, tmp_path, argv, (path.name,))


def test_tag_eval_on_an_empty_treebank(capsys, tmp_path, good):
    """Nothing to score: a clear refusal, or a report without NaN."""
    path = spoil(tmp_path / "empty.conllu", BAD_CONLLU, "empty")
    argv = ["tag", "eval", good / "tagger.npz", path]
    assert_works_or_refused(capsys, tmp_path, argv, (path.name,))


@pytest.mark.parametrize("damage", ["latin-1", "binary-junk", "utf-16"])
def test_tag_predict_on_text_that_is_not_utf8(capsys, tmp_path, good, damage):
    path = spoil(tmp_path / f"{damage}.txt", BAD_CONLLU, damage)
    assert_refused(
        capsys, tmp_path, ["tag", "predict", good / "tagger.npz", path], (path.name,)
    )


@pytest.mark.parametrize("role", ["input", "reference"])
@pytest.mark.parametrize("damage", list(BAD_IMAGES))
def test_a_bad_image(capsys, tmp_path, good, role, damage):
    path = spoil(tmp_path / f"{damage}.png", BAD_IMAGES, damage, good / "image.png")
    image = path if role == "input" else good / "image.png"
    argv = [
        "denoise",
        image,
        "--sigma",
        25,
        "--method",
        "gaussian",
        "-o",
        tmp_path / "o.png",
    ]
    if role == "reference":
        argv += ["--reference", path]
    assert_refused(capsys, tmp_path, argv, (path.name,))


def test_a_reference_of_another_size(capsys, tmp_path, good):
    from PIL import Image

    other = tmp_path / "other.png"
    Image.fromarray(np.zeros((5, 7), np.uint8)).save(other)
    argv = ["denoise", good / "image.png", "--sigma", 25, "--method", "gaussian"]
    argv += ["-o", tmp_path / "o.png", "--reference", other]
    assert_refused(capsys, tmp_path, argv, (other.name, "--reference"))


#: (argv after the command, names the error may use)
BAD_OPTIONS = {
    "gmm-fit-k-0": (
        ["gmm", "fit", "{X}", "-k", 0, "-o", "{d}/m.npz"],
        ("-k", "components"),
    ),
    "gmm-fit-k-negative": (
        ["gmm", "fit", "{X}", "-k", -1, "-o", "{d}/m.npz"],
        ("-k", "components"),
    ),
    "gmm-fit-k-too-many": (
        ["gmm", "fit", "{X}", "-k", 1000, "-o", "{d}/m.npz"],
        ("-k", "components"),
    ),
    "gmm-fit-tol-nan": (
        ["gmm", "fit", "{X}", "-k", 2, "--tol", "nan", "-o", "{d}/m.npz"],
        ("--tol", "tol"),
    ),
    "gmm-fit-tol-negative": (
        ["gmm", "fit", "{X}", "-k", 2, "--tol", -1, "-o", "{d}/m.npz"],
        ("--tol", "tol"),
    ),
    "gmm-fit-max-iter-negative": (
        ["gmm", "fit", "{X}", "-k", 2, "--max-iter", -1, "-o", "{d}/m.npz"],
        ("--max-iter", "max_iter"),
    ),
    "gmm-fit-reg-covar-inf": (
        ["gmm", "fit", "{X}", "-k", 2, "--reg-covar", "inf", "-o", "{d}/m.npz"],
        ("--reg-covar", "reg_covar"),
    ),
    "gmm-fit-n-init-0": (
        ["gmm", "fit", "{X}", "-k", 2, "--n-init", 0, "-o", "{d}/m.npz"],
        ("--n-init", "n_init"),
    ),
    "gmm-predict-wrong-features": (
        ["gmm", "predict", "{g}/gmm.npz", "{d}/X3.npy", "-o", "{d}/y.npy"],
        ("X3.npy", "features"),
    ),
    "silhouette-labels-too-few": (
        ["silhouette", "{X}", "{d}/short.npy"],
        ("short.npy", "labels"),
    ),
    "silhouette-one-cluster": (
        ["silhouette", "{X}", "{d}/ones.npy"],
        ("ones.npy", "labels", "clusters"),
    ),
    "silhouette-sample-size-0": (
        ["silhouette", "{X}", "{g}/labels.npy", "--sample-size", 0],
        ("--sample-size", "sample_size"),
    ),
    "silhouette-metric-unknown": (
        ["silhouette", "{X}", "{g}/labels.npy", "--metric", "nope"],
        ("--metric", "metric", "nope"),
    ),
    "spectral-k-0": (
        ["spectral", "{X}", "-k", 0, "-o", "{d}/y.npy"],
        ("-k", "clusters"),
    ),
    "spectral-k-too-many": (
        ["spectral", "{X}", "-k", 1000, "-o", "{d}/y.npy"],
        ("-k", "clusters"),
    ),
    "spectral-neighbors-0": (
        ["spectral", "{X}", "-k", 2, "--neighbors", 0, "-o", "{d}/y.npy"],
        ("--neighbors", "neighbors"),
    ),
    "spectral-gamma-nan": (
        [
            "spectral",
            "{X}",
            "-k",
            2,
            "--affinity",
            "rbf",
            "--gamma",
            "nan",
            "-o",
            "{d}/y.npy",
        ],
        ("--gamma", "gamma"),
    ),
    "denoise-sigma-0": (
        ["denoise", "{g}/image.png", "--sigma", 0, "-o", "{d}/o.png"],
        ("--sigma",),
    ),
    "denoise-sigma-nan": (
        ["denoise", "{g}/image.png", "--sigma", "nan", "-o", "{d}/o.png"],
        ("--sigma",),
    ),
    "denoise-stride-0": (
        ["denoise", "{g}/image.png", "--sigma", 25, "--stride", 0, "-o", "{d}/o.png"],
        ("--stride",),
    ),
    "denoise-output-unknown-format": (
        ["denoise", "{g}/image.png", "--sigma", 25, "-o", "{d}/o.xyz"],
        ("o.xyz",),
    ),
    "tag-train-candidate-mass-0": (
        ["tag", "train", "{g}/train.conllu", "-o", "{d}/m.npz", "--candidate-mass", 0],
        ("--candidate-mass", "candidate_mass"),
    ),
    "tag-train-candidate-mass-nan": (
        [
            "tag",
            "train",
            "{g}/train.conllu",
            "-o",
            "{d}/m.npz",
            "--candidate-mass",
            "nan",
        ],
        ("--candidate-mass", "candidate_mass"),
    ),
    "tag-train-max-candidates-0": (
        ["tag", "train", "{g}/train.conllu", "-o", "{d}/m.npz", "--max-candidates", 0],
        ("--max-candidates", "max_candidates"),
    ),
    "tag-train-beam-negative": (
        ["tag", "train", "{g}/train.conllu", "-o", "{d}/m.npz", "--beam", -1],
        ("--beam", "beam"),
    ),
    "tag-eval-another-tagset": (
        ["tag", "eval", "{g}/tagger.npz", "{g}/train.conllu", "--tagset", "xpos"],
        ("--tagset", "tagset"),
    ),
    "cnn-train-epochs-negative": (["cnn", "train", "--epochs", -1], ("--epochs",)),
    "cnn-train-batch-size-0": (["cnn", "train", "--batch-size", 0], ("--batch-size",)),
    "demo-sentences-negative": (
        ["demo", "--sentences", -5],
        ("--sentences", "sentences"),
    ),
    "warmup-unknown-capability": (["warmup", "nope"], ("nope", "CAPABILITY")),
}


@pytest.mark.parametrize("case", list(BAD_OPTIONS))
def test_a_bad_option_value(capsys, tmp_path, good, case):
    np.save(tmp_path / "X3.npy", rng().normal(size=(10, 3)))
    np.save(tmp_path / "short.npy", blob_labels(40)[:10])
    np.save(tmp_path / "ones.npy", np.ones(40, np.int64))
    argv, names = BAD_OPTIONS[case]
    argv = [str(a).format(d=tmp_path, g=good, X=good / "X.npy") for a in argv]
    assert_refused(capsys, tmp_path, argv, names)


def test_the_shared_inputs_are_never_changed(good):
    """Every command above read ``good``: it still holds what it was given."""
    assert np.array_equal(np.load(good / "X.npy"), blobs(40))
    assert (good / "train.conllu").read_text(encoding="utf-8") == CONLLU
