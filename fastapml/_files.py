"""Files written whole or not at all."""
import contextlib
import os
import tempfile

import numpy as np


@contextlib.contextmanager
def replaced_atomically(path, suffix=""):
    """Yield a temporary path beside ``path``; if the block succeeds the file
    is synced to disk and renamed onto ``path``, otherwise it is removed.

    So ``path`` is always the complete old file, the complete new one, or
    absent.
    """
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)),
                               prefix=".tmp-", suffix=suffix)
    os.close(fd)
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
