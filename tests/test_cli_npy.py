"""The command line's ``.npy`` reader: plain file reads, no memory map, so a
file truncated by another process while a command runs is an error or
harmless, never a SIGBUS."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from fastapml._npyfile import NpyFile
from fastapml.cli._npy import load_finite_matrix, read_npy


@pytest.mark.parametrize("order", ["C", "F"])
def test_reads_what_numpy_saved(tmp_path, order):
    X = np.asarray(np.arange(24.0).reshape(6, 4), order=order)
    np.save(tmp_path / "x.npy", X)
    f = NpyFile(str(tmp_path / "x.npy"))
    np.testing.assert_array_equal(f.read(), X)
    np.testing.assert_array_equal(f.rows(2, 5), X[2:5])
    np.testing.assert_array_equal(load_finite_matrix(str(tmp_path / "x.npy")), X)


def test_truncated_while_read(tmp_path):
    path = str(tmp_path / "x.npy")
    np.save(path, np.zeros((100, 3)))
    f = NpyFile(path)  # header checked against the whole file
    with open(path, "r+b") as g:
        g.truncate(f.offset + 100)
    with pytest.raises(ValueError, match="truncated while being read"):
        f.read()
    with pytest.raises(ValueError, match="is truncated: its header declares"):
        NpyFile(path)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "it is empty"),
        (b"1,2,3\n", "not a .npy array file"),
        (b"\x93NUMPY\x09\x00", "unsupported .npy format version"),
    ],
)
def test_not_npy(tmp_path, content, message):
    (tmp_path / "x.npy").write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_npy(str(tmp_path / "x.npy"))


def test_objects_are_not_read(tmp_path):
    np.save(tmp_path / "x.npy", np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="Python objects"):
        read_npy(str(tmp_path / "x.npy"))


def test_gmm_fit_survives_its_input_truncated(tmp_path):
    """The input is read into memory before the fit: truncating it mid-fit
    changes nothing (a memory map would die of SIGBUS, exit status 135)."""
    path = tmp_path / "X.npy"
    np.save(path, np.random.default_rng(0).normal(size=(200_000, 8)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "fastapml", "gmm", "fit", "X.npy", "-k", "8"]
        + ["--max-iter", "40", "--tol", "0", "-o", "m.npz"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    proc.stderr.readline()  # "fitting ..."
    time.sleep(1)
    os.truncate(path, 1000)
    err = proc.communicate(timeout=600)[1]
    assert proc.returncode in (0, 2), (proc.returncode, err)


def test_overflowing_data_are_named_by_their_file(tmp_path, capsys):
    from fastapml import cli

    path = str(tmp_path / "huge.npy")
    np.save(path, np.random.default_rng(0).normal(size=(50, 2)) * 1e200)
    assert cli.main(["gmm", "fit", path, "-k", "2", "-o", str(tmp_path / "m.npz")]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith(f"fastapml: error: {path}: X holds values up to")
    assert not (tmp_path / "m.npz").exists()
