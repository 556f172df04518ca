"""The graph Laplacian L = D − W and its normalized forms, dense or sparse.

A weighted graph is given by its affinity matrix W (symmetric,
non-negative, finite).  The degree of node i is d_i = Σ_{j≠i} W_ij: as in
:func:`scipy.sparse.csgraph.laplacian`, the diagonal of W (self-loops) is
ignored — it cancels in D − W anyway, and leaving it out of the degrees
keeps the normalized forms equal to scipy's.
"""

import numpy as np
import scipy.sparse as sp

KINDS = ("unnormalized", "sym", "rw")
SYMMETRY_RTOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-10}


def check_affinity(W, name="W"):
    """Validate an affinity matrix; return it as float32/float64.

    Dense input becomes a C-contiguous ndarray, sparse input a CSR matrix
    (a ``csr_array`` for sparse arrays, a ``csr_matrix`` otherwise); float32
    stays float32, every other numeric dtype becomes float64.

    Raises
    ------
    TypeError
        ``W`` is not numeric (or is complex).
    ValueError
        ``W`` is not a square 2-D matrix, is empty, holds NaN, ±inf or a
        negative entry, or is not symmetric: max |W − Wᵀ| must not exceed
        ``rtol · max |W|`` with ``rtol`` 1e-10 (float64) or 1e-5 (float32).
    """
    sparse = sp.issparse(W)
    if not sparse:
        W = np.asarray(W)
    if W.dtype == object or not (np.issubdtype(W.dtype, np.number) or W.dtype == bool):
        raise TypeError(f"{name} must be a numeric matrix, got dtype {W.dtype}")
    if np.issubdtype(W.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got dtype {W.dtype}")
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {W.shape}")
    if W.shape[0] == 0:
        raise ValueError(f"{name} must not be empty, got shape {W.shape}")
    dtype = np.float32 if W.dtype == np.float32 else np.float64
    if sparse:
        W = (sp.csr_array if isinstance(W, sp.sparray) else sp.csr_matrix)(
            W, dtype=dtype
        )
        W.sum_duplicates()
        values = W.data
    else:
        W = np.ascontiguousarray(W, dtype=dtype)
        values = W.ravel()
    if values.size:
        if not np.isfinite(values).all():
            raise ValueError(f"{name} contains NaN or infinity")
        low = values.min()
        if low < 0:
            raise ValueError(f"{name} must be non-negative (an affinity), found {low}")
        scale = float(values.max())
        asym = abs(W - W.T).max() if sparse else np.abs(W - W.T).max()
        if asym > SYMMETRY_RTOL[W.dtype] * scale:
            raise ValueError(
                f"{name} must be symmetric: max |{name} - "
                f"{name}.T| is {float(asym):.3g}"
            )
    return W


def _offdiag(W):
    """W without its diagonal: dense copy, or sparse COO (row, col, value)."""
    if sp.issparse(W):
        coo = W.tocoo()
        keep = coo.row != coo.col
        return coo.row[keep], coo.col[keep], coo.data[keep]
    A = W.copy()
    np.fill_diagonal(A, 0)
    return A


def _degrees(offdiag, n, dtype):
    """d_i = Σ_{j≠i} W_ij, summed in float64 and returned in ``dtype``."""
    if isinstance(offdiag, tuple):
        row, _, data = offdiag
        return np.bincount(row, weights=data, minlength=n).astype(dtype)
    return offdiag.sum(axis=1, dtype=np.float64).astype(dtype)


def laplacian(W, kind="unnormalized", *, return_diag=False):
    """Graph Laplacian of the affinity matrix ``W``.

    With degrees d_i = Σ_{j≠i} W_ij and D = diag(d):

    - ``"unnormalized"``: L = D − W;
    - ``"sym"``: L_sym = I − D^{-1/2} W D^{-1/2};
    - ``"rw"``: L_rw = I − D^{-1} W (random walk; not symmetric).

    The diagonal of W is ignored, as in
    :func:`scipy.sparse.csgraph.laplacian`.  An isolated node (d_i = 0)
    gets an all-zero row and column in every form — scipy's convention for
    ``normed=True`` — so it counts as one connected component with
    eigenvalue 0.  L is symmetric positive semi-definite with
    xᵀLx = ½ Σ_ij W_ij (x_i − x_j)², and the multiplicity of its
    eigenvalue 0 is the number of connected components (L_sym and L_rw
    have the same eigenvalues as each other).

    Parameters
    ----------
    W : (n, n) array-like or scipy.sparse matrix/array
        Symmetric, non-negative, finite affinities.  Sparse input stays
        sparse: the result is CSR and nothing n × n is ever dense.
    kind : {"unnormalized", "sym", "rw"}, default="unnormalized"
        Which Laplacian: D − W, the symmetric normalized or the random-walk
        normalized form.
    return_diag : bool, default=False
        Also return the vector the rows are scaled by, as scipy does:
        the degrees d for ``"unnormalized"`` and ``"rw"``, √d for ``"sym"``
        (1 where d_i = 0 in both normalized forms).

    Returns
    -------
    L : (n, n) ndarray, or CSR matrix/array when W is sparse
        float32 if W is float32, else float64.
    diag : (n,) ndarray
        Only when ``return_diag``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.cluster.laplacian import laplacian
    >>> W = np.array([[0, 1, 0], [1, 0, 2], [0, 2, 0]])
    >>> laplacian(W)
    array([[ 1., -1.,  0.],
           [-1.,  3., -2.],
           [ 0., -2.,  2.]])
    >>> bool(np.allclose(laplacian(W, "rw").sum(axis=1), 0))   # rows sum to 0
    True
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if not isinstance(return_diag, (bool, np.bool_)):
        raise TypeError(f"return_diag must be bool, got {type(return_diag).__name__}")
    L, scale, _ = _laplacian(check_affinity(W), kind)
    return (L, scale) if return_diag else L


def _laplacian(W, kind):
    """:func:`laplacian` of an affinity matrix already checked by
    :func:`check_affinity`; returns ``(L, diag, degree)``."""
    n, dtype = W.shape[0], W.dtype
    offdiag = _offdiag(W)
    degree = _degrees(offdiag, n, dtype)
    if kind == "unnormalized":
        scale, row_scale, col_scale = degree, None, None
    else:
        connected = degree > 0
        safe = np.where(connected, degree, 1).astype(dtype)
        scale = np.sqrt(safe) if kind == "sym" else safe
        row_scale = 1 / scale
        col_scale = row_scale if kind == "sym" else None
    diagonal = degree if kind == "unnormalized" else connected.astype(dtype)
    if isinstance(offdiag, tuple):
        row, col, data = offdiag
        values = -data
        if row_scale is not None:
            values = values * row_scale[row]
        if col_scale is not None:
            values = values * col_scale[col]
        idx = np.arange(n)
        csr = sp.csr_array if isinstance(W, sp.sparray) else sp.csr_matrix
        L = csr(
            (
                np.concatenate([values, diagonal]),
                (np.concatenate([row, idx]), np.concatenate([col, idx])),
            ),
            shape=(n, n),
            dtype=dtype,
        )
        L.sum_duplicates()
    else:
        L = 0 - offdiag  # +0.0 off the graph, not -0.0
        if row_scale is not None:
            L *= row_scale[:, None]
        if col_scale is not None:
            L *= col_scale[None, :]
        L.flat[:: n + 1] = diagonal
    return L, scale, degree


def normalized_adjacency(W):
    """A = D^{-1/2} W D^{-1/2} (diagonal of W ignored) for a checked ``W``.

    ``W`` must come from :func:`check_affinity`.  Returns ``(A, degree)``:
    A sparse CSR or dense like W, and the degrees d.  Rows and columns of
    isolated nodes (d_i = 0) are zero, so I − A is L_sym except on their
    diagonal (1 here, 0 in :func:`laplacian`).
    """
    L, _, degree = _laplacian(W, "sym")
    A = -L
    if sp.issparse(A):
        A.setdiag(0)
        A.eliminate_zeros()
    else:
        A.flat[:: A.shape[0] + 1] = 0
    return A, degree


__all__ = ["laplacian", "check_affinity", "normalized_adjacency", "KINDS"]
