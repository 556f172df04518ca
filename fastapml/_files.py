"""Files written whole or not at all (model files: :mod:`fastapml._archive`)."""

import contextlib
import glob
import os
import uuid

#: Marks the temporary files :func:`replaced_atomically` writes:
#: ``.<target name>.<pid>-<random>.fastapml-partial<suffix>``.
PARTIAL = "fastapml-partial"
_NAME_CHARS = 120


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _remove_stale(folder, name):
    """Remove our temporary files for target ``name`` (shortened as in the
    temporary names) whose writer is gone (killed by SIGKILL or the OOM
    killer before it could clean up)."""
    pattern = os.path.join(glob.escape(folder), f".{glob.escape(name)}.*.{PARTIAL}*")
    for stale in glob.glob(pattern):
        pid = os.path.basename(stale)[len(name) + 2 :].split("-", 1)[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(stale)


@contextlib.contextmanager
def replaced_atomically(path, suffix=""):
    """Yield a temporary path beside ``path``; if the block succeeds the file
    is synced to disk and renamed onto ``path``, otherwise it is removed.

    So ``path`` is always the complete old file, the complete new one, or
    absent.  The temporary file is named after its target, its process and
    ``fastapml-partial``; one left behind by a killed process is removed the
    next time the same target is written.
    """
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(
            f"path must be a file name (str or os.PathLike), got {path!r}"
        ) from None
    if "\0" in str(path):
        raise ValueError(f"path must not contain a NUL character, got {path!r}")
    folder, name = os.path.split(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"cannot write {path}: the directory {folder} does not exist"
        )
    name = name[:_NAME_CHARS]  # room for the rest within a 255-byte file name
    _remove_stale(folder, name)
    tmp = os.path.join(
        folder, f".{name}.{os.getpid()}-{uuid.uuid4().hex[:12]}.{PARTIAL}{suffix}"
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
