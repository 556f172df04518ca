"""Spoiled ``.npy`` files, shared by the command-line tests and the tests of
``fastapml.scaleout.from_npy``: ``BAD_NPY`` must be refused naming the file,
``ODD_NPY`` (valid but extreme) may also work.  A value of None is written
by :func:`write_npy` itself."""

import io

import numpy as np
from adv_entries import blobs, rng


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


GOOD_NPY = npy_bytes(blobs(40))
BAD_NPY = {
    "text": b"1.0, 2.0\n3.0, 4.0\n",
    "empty": b"",
    "truncated": GOOD_NPY[: len(GOOD_NPY) // 2],
    "header-only": GOOD_NPY[:128],
    "npz-not-npy": None,
    "pickled-objects": npy_bytes(np.array([[1.0, None]] * 40, dtype=object)),
    "1-D": npy_bytes(np.arange(40.0)),
    "3-D": npy_bytes(np.zeros((40, 2, 2))),
    "no-rows": npy_bytes(np.zeros((0, 2))),
    "no-columns": npy_bytes(np.zeros((40, 0))),
    "nan-row": npy_bytes(np.where(np.arange(80).reshape(40, 2) == 7, np.nan, 1.0)),
    "inf": npy_bytes(np.full((40, 2), np.inf)),
    "complex": npy_bytes(blobs(40) + 1j),
    "strings": npy_bytes(np.full((40, 2), "a")),
    "datetimes": npy_bytes(np.zeros((40, 2), dtype="datetime64[s]")),
    "structured": npy_bytes(np.zeros(40, dtype=[("a", "f8"), ("b", "f8")])),
}
ODD_NPY = {
    "huge": npy_bytes(blobs(40) * 1e300),
    "f32-max": npy_bytes(np.full((40, 2), np.finfo(np.float32).max, np.float32)),
    "big-endian": npy_bytes(blobs(40).astype(">f8")),
    "fortran": npy_bytes(np.asfortranarray(blobs(40))),
    "int8": npy_bytes(rng().integers(-100, 100, (40, 2)).astype(np.int8)),
    "bool": npy_bytes(rng().random((40, 2)) > 0.5),
}


#: the damages of the file itself (not of the numbers it holds)
FORMAT_DAMAGES = (
    *("text", "empty", "truncated", "header-only", "npz-not-npy"),
    *("pickled-objects", "1-D", "3-D", "strings", "datetimes", "structured"),
)


def write_npy(path, name):
    """Write the spoiled file ``name`` (of BAD_NPY or ODD_NPY) to ``path``."""
    content = {**BAD_NPY, **ODD_NPY}[name]
    if content is None:  # an .npz where a .npy is expected
        with open(path, "wb") as f:
            np.savez(f, X=blobs(40))
    else:
        path.write_bytes(content)
    return path
