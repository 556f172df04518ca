"""Model files: one ``.npz`` format for every model fastapml saves.

A model file is an ``.npz`` archive of numeric and unicode arrays, never
pickles, with a two-array header:

``format_kind``
    a unicode scalar naming the class, e.g. ``"fastapml.hmm.HMMTagger"``;
``format_version``
    an integer scalar, raised when the layout of that kind changes.

:func:`write` writes the archive to a temporary file beside the target and
renames it into place, so the target is always the complete old file, the
complete new one, or absent.  :func:`read` is the one read path: whatever is
wrong with the file (missing, truncated, not a zip, pickled members, another
kind or version, a missing or misshapen array) raises :class:`ArchiveError`,
a ``ValueError`` whose message names the file and the problem.
"""

import os
import zipfile
import zlib
from collections.abc import Mapping

import numpy as np

from ._files import replaced_atomically

# repeated in fastapml/reference/denoise.py, which reads prior files itself
# (tests/test_reference_standalone.py checks that the two agree)
HEADER = ("format_kind", "format_version")
#: Decompression limits of :func:`read_arrays` (see ``_check_inflation``).
MAX_INFLATION = 100
SMALL_MEMBER_BYTES = 64 * 2**20

# what numpy and zipfile raise on files that are not (complete) archives
_READ_ERRORS = (
    ValueError,
    OSError,
    EOFError,
    KeyError,
    zipfile.BadZipFile,
    zlib.error,
)


class ArchiveError(ValueError):
    """A file that is not a readable model or data archive of the expected kind."""


class MissingArchiveError(ArchiveError, FileNotFoundError):
    """The file does not exist (also a ``FileNotFoundError``)."""


def write(path, kind, arrays, *, version=1):
    """Write ``arrays`` under a ``kind``/``version`` header to exactly ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        Target file, used as given (no ``.npz`` suffix is added).
    kind : str
        Format name, e.g. ``"fastapml.mixture.GaussianMixture"``.
    arrays : dict of str to array_like
        The model's arrays; none may be of object dtype.
    version : int
        Layout version of ``kind``.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
    >>> write(path, "example", {"w": np.arange(3.0)})
    >>> read(path, "example", lambda a: a.array("w", ndim=1))
    array([0., 1., 2.])
    """
    clash = set(HEADER) & set(arrays)
    if clash:
        raise ValueError(f"arrays may not use the header names {sorted(clash)}")
    members = {"format_kind": np.array(kind), "format_version": np.array(version)}
    for key, value in arrays.items():
        value = np.asarray(value)
        if value.dtype.hasobject:
            raise TypeError(
                f"array {key!r} has object dtype; model files hold no pickles"
            )
        members[key] = value
    with replaced_atomically(path, ".npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **members)


def _check_inflation(zip_file, name):
    """Refuse members that would inflate far beyond the file (a zip bomb)
    before any is read: fastapml writes its files uncompressed, so a member
    may expand to at most ``MAX_INFLATION`` times its stored size, or to
    ``SMALL_MEMBER_BYTES`` whatever its ratio."""
    for info in zip_file.infolist():
        if info.file_size > SMALL_MEMBER_BYTES and info.file_size > MAX_INFLATION * max(
            info.compress_size, 1
        ):
            raise ArchiveError(
                f"{name}: member {info.filename!r} would inflate from "
                f"{info.compress_size:,} to {info.file_size:,} bytes; refused"
            )


def read_arrays(path, what):
    """Every array of the ``.npz`` archive at ``path`` (no header expected).

    Parameters
    ----------
    path : str or os.PathLike
    what : str
        What the file should hold, for messages (e.g. ``"demo image"``).

    Returns
    -------
    dict of str to numpy.ndarray
        Each member read in full with ``allow_pickle=False``, so a pickled or
        truncated member fails here.

    Raises
    ------
    ArchiveError
        Naming the file, for any file that is not such an archive;
        :class:`MissingArchiveError` if it does not exist.
    """
    name = os.fspath(path)
    try:
        with open(path, "rb") as f:
            magic = f.read(6)
    except FileNotFoundError:
        raise MissingArchiveError(f"{name}: no such file (expected a {what})") from None
    except OSError as err:
        raise ArchiveError(f"{name} cannot be read as a {what}: {err}") from None
    if not magic.startswith((b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY")):
        shown = "it is empty" if not magic else f"it starts with {magic!r}"
        raise ArchiveError(
            f"{name} is not a {what}: not an .npz archive ({shown}; an .npz "
            "starts with b'PK\\x03\\x04')"
        )
    try:
        archive = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise MissingArchiveError(f"{name}: no such file (expected a {what})") from None
    except _READ_ERRORS as err:
        raise ArchiveError(f"{name} is not a {what} (.npz archive): {err}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ArchiveError(
            f"{name} is not a {what}: it holds one array, not an .npz archive"
        )
    with archive:
        _check_inflation(archive.zip, name)
        try:
            return {key: archive[key] for key in archive.files}
        except _READ_ERRORS as err:
            if "allow_pickle" in str(err):
                err = "it holds pickled objects, which are never loaded"
            raise ArchiveError(f"{name} is corrupt or not a {what}: {err}") from None


def read(path, kind, build, *, version=1):
    """Read a model file written by :func:`write` and build the model from it.

    Parameters
    ----------
    path : str or os.PathLike
    kind : str
        The format name the header must carry.
    build : callable
        ``build(archive)`` turns an :class:`Archive` (the arrays less the
        header) into the model.  A ``ValueError``, ``TypeError`` or
        ``KeyError`` it raises becomes an :class:`ArchiveError` naming the
        file.
    version : int
        The layout version this fastapml reads.

    Returns
    -------
    object
        What ``build`` returns.

    Raises
    ------
    ArchiveError
        Naming the file and the problem; :class:`MissingArchiveError` (also a
        ``FileNotFoundError``) if it does not exist.
    """
    name, label = os.fspath(path), kind.rsplit(".", 1)[-1]
    arrays = read_arrays(path, f"saved {label}")
    found = arrays.pop("format_kind", None)
    if (
        found is None
        or found.dtype.kind != "U"
        or found.shape != ()
        or str(found) != kind
    ):
        shown = (
            "none"
            if found is None
            else repr(str(found) if found.shape == () else found)
        )
        raise ArchiveError(f"{name} is not a saved {label} (format_kind {shown})")
    found = arrays.pop("format_version", None)
    if found is None or found.dtype.kind not in "iu" or found.shape != ():
        raise ArchiveError(f"{name}: format_version must be an integer scalar")
    if int(found) != version:
        raise ArchiveError(
            f"{name}: format version {int(found)} of {label} is not supported "
            f"(this fastapml reads version {version})"
        )
    try:
        return build(Archive(arrays))
    except (ValueError, TypeError, KeyError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        raise ArchiveError(f"{name}: {message}") from None


class Archive(Mapping):
    """The arrays of a model file, with checked accessors.

    Every accessor raises ``ValueError`` naming the array; :func:`read` adds
    the file name.
    """

    def __init__(self, arrays):
        self._arrays = dict(arrays)

    def __getitem__(self, key):
        try:
            return self._arrays[key]
        except KeyError:
            raise KeyError(f"missing array {key!r}") from None

    def __iter__(self):
        return iter(self._arrays)

    def __len__(self):
        return len(self._arrays)

    def array(self, key, *, kinds="f", ndim=None, shape=None):
        """Array ``key``, checked to have a dtype kind in ``kinds`` (numpy's
        ``dtype.kind`` letters) and the given ``ndim`` or ``shape``."""
        arr = self[key]
        if arr.dtype.kind not in kinds:
            raise ValueError(
                f"array {key!r} must have dtype kind in {kinds!r}, got {arr.dtype}"
            )
        if ndim is not None and arr.ndim != ndim:
            raise ValueError(f"array {key!r} must be {ndim}-D, got shape {arr.shape}")
        if shape is not None and arr.shape != tuple(shape):
            raise ValueError(
                f"array {key!r} must have shape {tuple(shape)}, got {arr.shape}"
            )
        return arr

    def scalar(self, key, kinds):
        """The Python value of the 0-d array ``key`` (a ``str`` for unicode)."""
        arr = self.array(key, kinds=kinds, shape=())
        return str(arr) if arr.dtype.kind == "U" else arr[()].item()

    def check_keys(self, expected):
        """Raise ``ValueError`` if the archive holds arrays not in ``expected``."""
        unknown = sorted(set(self._arrays) - set(expected))
        if unknown:
            raise ValueError(f"unexpected arrays {unknown}")
