"""``.npy`` inputs and outputs: opened memory-mapped, checked, written whole."""

import contextlib

import numpy as np

from .._files import replaced_atomically

FINITE_ROWS = 1 << 16  # rows checked for NaN/inf at a time


def _check_size(path):
    """A ``.npy`` file must start as one and hold the bytes its header
    declares (numpy would say "pickled data" for a text file and "mmap
    length" for a truncated one)."""
    import os

    with open(path, "rb") as f:
        head = f.read(6)
        if head.startswith(b"PK"):
            return  # an .npz: open_npy says so
        if head != b"\x93NUMPY":
            shown = "it is empty" if not head else f"it starts with {head!r}"
            raise ValueError(f"{path} is not a .npy array file ({shown})")
        f.seek(0)
        readers = {
            (1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0,
        }
        try:
            shape, _, dtype = readers[np.lib.format.read_magic(f)](f)
        except (KeyError, ValueError, OSError, EOFError):
            return  # not a .npy we check: np.load says what it is
        expected = f.tell() + int(np.prod(shape, dtype=object)) * dtype.itemsize
    actual = os.path.getsize(path)
    if dtype.kind != "O" and actual < expected:
        raise ValueError(
            f"{path} is truncated: its header declares shape {shape} {dtype} "
            f"({expected:,} bytes) but the file has {actual:,} bytes"
        )


def open_npy(path):
    """One array saved with ``numpy.save``, memory-mapped (not read into memory)."""
    _check_size(path)
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except (ValueError, OSError, EOFError) as err:
        raise ValueError(f"{path} is not a .npy array file: {err}") from None
    if not isinstance(arr, np.ndarray):
        arr.close()
        raise ValueError(
            f"{path} is an .npz archive; expected one array saved with "
            "numpy.save (.npy)"
        )
    return arr


def open_matrix(path):
    """A 2-D numeric ``.npy`` file, memory-mapped (not read into memory)."""
    X = open_npy(path)
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


def check_finite_rows(X, path):
    """:func:`check_finite` over all of ``X``, a block of rows at a time (so a
    memory-mapped file is never read into memory whole)."""
    for i in range(0, X.shape[0], FINITE_ROWS):
        check_finite(X[i : i + FINITE_ROWS], path, i)


def load_finite_matrix(path):
    """A 2-D numeric ``.npy`` file read into memory after a NaN/inf check."""
    X = open_matrix(path)
    check_finite_rows(X, path)
    return np.asarray(X)


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
