"""``.npy`` inputs and outputs: checked, read without memory maps, written
whole."""

import contextlib

import numpy as np

from .._files import replaced_atomically
from .._npyfile import NpyFile

FINITE_ROWS = 1 << 16  # rows checked for NaN/inf at a time


def read_npy(path):
    """One array saved with ``numpy.save``, read into memory (see
    :class:`NpyFile`)."""
    return NpyFile(path).read()


def open_matrix(path):
    """A 2-D numeric ``.npy`` file's :class:`NpyFile`, checked, nothing read."""
    X = NpyFile(path)
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{path}: expected a real numeric array, got dtype {X.dtype}")
    if X.ndim != 2 or 0 in X.shape:
        raise ValueError(
            f"{path}: expected a non-empty 2-D array (n_samples, n_features), "
            f"got shape {X.shape}"
        )
    return X


def check_finite(block, path, first_row):
    """Raise naming ``path`` and the first row of ``block`` with NaN or inf."""
    if block.dtype.kind == "f":
        bad = ~np.isfinite(block).all(axis=1)
        if bad.any():
            row = first_row + int(np.argmax(bad))
            raise ValueError(f"{path}: row {row} holds NaN or inf")


def load_finite_matrix(path):
    """A 2-D numeric ``.npy`` file read into memory, with a NaN/inf check."""
    X = open_matrix(path).read()
    for i in range(0, X.shape[0], FINITE_ROWS):
        check_finite(X[i : i + FINITE_ROWS], path, i)
    return X


def save_npy(path, array):
    """``np.save`` to exactly ``path`` (no suffix added), atomically."""
    with replaced_atomically(path, ".npy") as tmp:
        with open(tmp, "wb") as f:
            np.save(f, array, allow_pickle=False)


@contextlib.contextmanager
def atomic_npy(path, shape, dtype):
    """Yield a writable memmap; on success it replaces ``path`` atomically."""
    with replaced_atomically(path, ".npy") as tmp:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype, shape=shape)
        yield out
        out.flush()
        del out
