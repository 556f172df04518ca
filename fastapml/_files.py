"""Files written whole or not at all."""
import contextlib
import os
import uuid
import zipfile
import zlib

import numpy as np


@contextlib.contextmanager
def replaced_atomically(path, suffix=""):
    """Yield a temporary path beside ``path``; if the block succeeds the file
    is synced to disk and renamed onto ``path``, otherwise it is removed.

    So ``path`` is always the complete old file, the complete new one, or
    absent.
    """
    path = os.fspath(path)
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)),
                       f".tmp-{uuid.uuid4().hex}{suffix}")
    # created like any new file (0666 less the umask), unlike mkstemp's 0600
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_npz(path, arrays):
    """``np.savez`` of ``arrays`` to exactly ``path`` (no suffix added), atomically."""
    with replaced_atomically(path, ".npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)


# what numpy and zipfile raise on files that are not (complete) archives
_READ_ERRORS = (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile,
                zlib.error)
_PATH_ERRORS = (FileNotFoundError, IsADirectoryError, PermissionError)


def load_npz(path, kind):
    """Every array of the ``.npz`` archive at ``path``, read with
    ``allow_pickle=False``.

    Each member is read, so a pickled or truncated member is caught here.
    A missing or unreadable path raises its OSError; anything else that is
    not a complete archive raises ValueError naming the file and ``kind``
    (what the file was expected to hold, e.g. "GaussianMixture").
    """
    name = os.fspath(path)
    try:
        archive = np.load(path, allow_pickle=False)
    except _PATH_ERRORS:
        raise
    except _READ_ERRORS as err:
        raise ValueError(f"{name} is not a saved {kind} (.npz): {err}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{name} is not a saved {kind} (.npz archive), it "
                         "holds a single array")
    with archive:
        try:
            return {key: archive[key] for key in archive.files}
        except _READ_ERRORS as err:
            raise ValueError(f"{name} is corrupt or not a saved {kind}: "
                             f"{err}") from None
