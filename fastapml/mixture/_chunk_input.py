"""The chunks of :meth:`GaussianMixture.fit_chunks`: checked one by one."""

import numpy as np

from .._validation import check_magnitude


def survey(source):
    """One pass over the chunks of ``source()``, checking each.

    Returns
    -------
    first : ndarray
        Chunk 0, validated, in ``dtype``.
    n_features : int
    dtype : numpy.dtype
        float32 if every chunk is float32, else float64.
    n_samples : int
        The rows of all the chunks.
    """
    first, n_features, n_samples, all_float32 = None, None, 0, True
    for i, chunk in enumerate(source()):
        arr = np.asarray(chunk)
        if n_features is None:
            if arr.ndim != 2:
                raise ValueError(f"chunk 0 must be 2-D, got shape {arr.shape}")
            n_features = arr.shape[1]
            first = arr
        arr = as_chunk(arr, i, n_features, None)
        all_float32 &= arr.dtype == np.float32
        n_samples += arr.shape[0]
    if first is not None and first.shape[0] == 0:
        raise ValueError("chunk 0 is empty; the initialization is fitted on it")
    if first is None:
        raise ValueError("chunks is empty")
    dtype = np.dtype(np.float32 if all_float32 else np.float64)
    first = as_chunk(first, 0, n_features, dtype)
    if not np.isfinite(first.sum()):
        raise ValueError("Input X (chunk 0) contains NaN or infinity")
    return first, n_features, dtype, n_samples


def as_chunk(chunk, index, n_features, dtype):
    """A chunk as a C-contiguous float array, checked (finite values are
    checked by the caller or by the pass itself)."""
    arr = np.asarray(chunk)
    if arr.dtype.kind == "c":
        raise TypeError(f"chunk {index} must be real, got dtype {arr.dtype}")
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"chunk {index} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != n_features:
        raise ValueError(
            f"chunk {index} must have shape (n, {n_features}), got {arr.shape}"
        )
    if dtype is None:
        dtype = np.float32 if arr.dtype == np.float32 else np.float64
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if np.isfinite(arr).all():  # NaN and inf: named by the caller or the pass
        check_magnitude(arr, f"chunk {index}", 2, arr.size)
    return arr
