"""``.npy`` inputs and outputs: checked, read without memory maps, written
whole."""

import contextlib
import os

import numpy as np

from .._files import replaced_atomically
from .._memory import check_memory

FINITE_ROWS = 1 << 16  # rows checked for NaN/inf at a time


class NpyFile:
    """A ``.npy`` file's header, checked against the file, and its data read
    by plain file reads.

    No memory map: a file that another process truncates while we read it
    gives a ``ValueError`` naming it, not a SIGBUS that kills the process.
    numpy would call a text file "pickled data" and a truncated one "mmap
    length is greater than file size"; here each gets its own message.

    Parameters
    ----------
    path : str
        The file.
    """

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            head = f.read(6)
            if head.startswith(b"PK"):
                raise ValueError(
                    f"{path} is an .npz archive; expected one array saved with "
                    "numpy.save (.npy)"
                )
            if head != b"\x93NUMPY":
                shown = "it is empty" if not head else f"it starts with {head!r}"
                raise ValueError(f"{path} is not a .npy array file ({shown})")
            f.seek(0)
            readers = {
                (1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0,
            }
            try:
                version = np.lib.format.read_magic(f)
                if version not in readers:
                    raise ValueError(f"unsupported .npy format version {version}")
                self.shape, self.fortran, self.dtype = readers[version](f)
            except (ValueError, OSError, EOFError) as err:
                raise ValueError(f"{path} is not a .npy array file: {err}") from None
            self.offset = f.tell()
        if self.dtype.hasobject:
            raise ValueError(
                f"{path} holds Python objects (dtype {self.dtype}), which are "
                "not loaded: they would run code"
            )
        self.nbytes = int(np.prod(self.shape, dtype=object)) * self.dtype.itemsize
        actual = os.path.getsize(path)
        if actual < self.offset + self.nbytes:
            raise ValueError(
                f"{path} is truncated: its header declares shape {self.shape} "
                f"{self.dtype} ({self.offset + self.nbytes:,} bytes) but the "
                f"file has {actual:,} bytes"
            )
        self.ndim = len(self.shape)

    def _read_into(self, out, first_item):
        """Fill ``out`` (C-contiguous) from the data's item ``first_item`` on."""
        view = memoryview(out.reshape(-1).view(np.uint8))
        with open(self.path, "rb") as f:
            f.seek(self.offset + first_item * self.dtype.itemsize)
            done = 0
            while done < len(view):
                got = f.readinto(view[done:])
                if not got:
                    raise ValueError(
                        f"{self.path} was truncated while being read (by "
                        "another process?)"
                    )
                done += got

    def read(self):
        """The whole array, in memory."""
        check_memory(self.nbytes, f"reading {self.path}")
        shape = self.shape[::-1] if self.fortran else self.shape
        out = np.empty(shape, dtype=self.dtype)
        self._read_into(out, 0)
        return out.T if self.fortran else out

    def rows(self, start, stop):
        """Rows ``start:stop``, in memory (a Fortran-ordered array is read
        whole on the first call)."""
        if self.fortran:
            if not hasattr(self, "_whole"):
                self._whole = self.read()
            return self._whole[start:stop].copy()
        row = int(np.prod(self.shape[1:], dtype=np.int64))
        out = np.empty((stop - start, *self.shape[1:]), dtype=self.dtype)
        self._read_into(out, start * row)
        return out


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
