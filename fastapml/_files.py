"""Files written whole or not at all (model files: :mod:`fastapml._archive`)."""

import contextlib
import os
import uuid


@contextlib.contextmanager
def replaced_atomically(path, suffix=""):
    """Yield a temporary path beside ``path``; if the block succeeds the file
    is synced to disk and renamed onto ``path``, otherwise it is removed.

    So ``path`` is always the complete old file, the complete new one, or
    absent.
    """
    path = os.fspath(path)
    tmp = os.path.join(
        os.path.dirname(os.path.abspath(path)), f".tmp-{uuid.uuid4().hex}{suffix}"
    )
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
