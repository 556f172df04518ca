"""The command line never overwrites its own inputs or outputs: an output
path that names one of them (through a symlink or a hard link too), a
directory, or a file in a missing directory is refused before any work."""

import os

import numpy as np
import pytest

from fastapml import cli
from fastapml.mixture import GaussianMixture

CONLLU = (
    "1\tthe\tthe\tDET\tDT\t_\t0\troot\t_\t_\n2\tdog\tdog\tNOUN\tNN\t_\t1\tdep\t_\t_\n\n"
)


@pytest.fixture
def files(tmp_path):
    X = np.random.default_rng(0).normal(size=(60, 2))
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "labels.npy", np.arange(60) % 2)
    GaussianMixture(2, random_state=0).fit(X).save(tmp_path / "gmm.npz")
    (tmp_path / "train.conllu").write_text(CONLLU)
    return tmp_path


def refused(capsys, argv, *needles):
    """main(argv) exits 2 with one error line holding every needle."""
    assert cli.main([str(a) for a in argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("fastapml: error:")
    for needle in needles:
        assert str(needle) in err, err
    return err


def snapshot(root):
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


@pytest.mark.parametrize(
    "argv, needles",
    [
        (["tag", "train", "{d}/train.conllu", "-o", "{d}/train.conllu"], ["TRAIN"]),
        (["gmm", "fit", "{d}/X.npy", "-k", "2", "-o", "{d}/X.npy"], ["DATA"]),
        (["gmm", "predict", "{d}/gmm.npz", "{d}/X.npy", "-o", "{d}/X.npy"], ["DATA"]),
        (
            ["gmm", "predict", "{d}/gmm.npz", "{d}/X.npy", "-o", "{d}/gmm.npz"],
            ["MODEL"],
        ),
        (
            [
                "gmm",
                "predict",
                "{d}/gmm.npz",
                "{d}/X.npy",
                "-o",
                "{d}/out.npy",
                "--proba",
                "{d}/out.npy",
            ],
            ["--proba", "output -o"],
        ),
        (
            ["silhouette", "{d}/X.npy", "{d}/labels.npy", "-o", "{d}/labels.npy"],
            ["LABELS"],
        ),
        (["spectral", "{d}/X.npy", "-k", "2", "-o", "{d}/X.npy"], ["DATA"]),
    ],
)
def test_an_output_naming_an_input_is_refused_before_any_work(
    files, capsys, argv, needles
):
    before = snapshot(files)
    refused(capsys, [a.format(d=files) for a in argv], "same file", *needles)
    assert snapshot(files) == before  # nothing written, nothing changed


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_links_to_an_input_are_the_input(files, capsys, link):
    alias = files / "alias.npy"
    (os.symlink if link == "symlink" else os.link)(files / "X.npy", alias)
    before = snapshot(files)
    refused(capsys, ["gmm", "fit", files / "X.npy", "-k", 2, "-o", alias], "DATA")
    assert snapshot(files) == before


def test_missing_directory_and_directory_outputs_are_refused_up_front(files, capsys):
    missing = files / "no" / "such" / "model.npz"
    refused(
        capsys,
        ["tag", "train", files / "train.conllu", "-o", missing],
        "does not exist",
    )
    refused(capsys, ["gmm", "fit", files / "X.npy", "-k", 2, "-o", files], "directory")
    assert not (files / "no").exists()


def test_distinct_outputs_still_work(files, capsys):
    argv = ["gmm", "predict", files / "gmm.npz", files / "X.npy", "-o", files / "y.npy"]
    assert cli.main([str(a) for a in [*argv, "--proba", files / "p.npy"]]) == 0
    capsys.readouterr()
    assert np.load(files / "y.npy").shape == (60,)
    assert np.load(files / "p.npy").shape == (60, 2)
