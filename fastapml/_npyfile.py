"""``.npy`` files read without memory maps: :class:`NpyFile`."""

import os

import numpy as np

from ._memory import check_memory


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
