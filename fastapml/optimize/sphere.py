"""Extremes of ||Ax||^2 on the unit sphere, from the SVD of A.

With L(x, lam) = x^T A^T A x - lam (x^T x - 1), the condition
grad_x L = 0 reads A^T A x = lam x: the stationary points are the
eigenvectors of A^T A, and the value there is x^T A^T A x = lam.  So the
minimum is the smallest eigenvalue and the maximum the largest.  With
A = U S V^T these are the squared singular values and the right singular
vectors, computed from A itself: forming A^T A would square the condition
number and lose the small singular values to rounding.
"""

import numpy as np

from .._validation import check_float_array, check_magnitude


def _extreme(A, smallest):
    A = check_float_array(A, "A", 2, allow_empty=False)
    check_magnitude(A, "A", 2, A.size)  # s_max^2 <= sum of A's squares
    m, n = A.shape
    # a wide A has a null space: its basis is only in the full V
    _, s, vt = np.linalg.svd(A, full_matrices=m < n)
    if smallest:
        x, value = vt[-1], (s[-1] if m >= n else 0.0)
    else:
        x, value = vt[0], s[0]
    x = x * np.sign(x[np.argmax(np.abs(x))])  # a fixed sign
    return x.astype(A.dtype), float(value) ** 2


def min_on_sphere(A):
    r"""The minimum of :math:`\|Ax\|^2` subject to :math:`\|x\| = 1`.

    The minimizer is the right singular vector of A for its smallest
    singular value s_min (the eigenvector of A^T A for its smallest
    eigenvalue) and the minimum is s_min^2; 0 when A has more columns than
    rows.

    Parameters
    ----------
    A : array_like of shape (m, n)
        Finite, non-empty; float32 stays float32, anything else becomes
        float64.

    Returns
    -------
    x : ndarray of shape (n,)
        A unit vector, signed so that its largest-magnitude entry is
        positive (the minimizer is unique only up to sign, and up to a
        rotation when s_min is repeated).
    value : float
        :math:`\|Ax\|^2 = s_{min}^2`.

    Examples
    --------
    >>> x, value = min_on_sphere([[3.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> x, value
    (array([0., 1.]), 1.0)
    """
    return _extreme(A, smallest=True)


def max_on_sphere(A):
    r"""The maximum of :math:`\|Ax\|^2` subject to :math:`\|x\| = 1`.

    The maximizer is the right singular vector of A for its largest
    singular value s_max, and the maximum is s_max^2 (the squared spectral
    norm of A).

    Parameters
    ----------
    A : array_like of shape (m, n)
        Finite, non-empty; float32 stays float32, anything else becomes
        float64.

    Returns
    -------
    x : ndarray of shape (n,)
        A unit vector, signed so that its largest-magnitude entry is
        positive (the maximizer is unique only up to sign, and up to a
        rotation when s_max is repeated).
    value : float
        :math:`\|Ax\|^2 = s_{max}^2`.

    Examples
    --------
    >>> x, value = max_on_sphere([[3.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> x, value
    (array([1., 0.]), 9.0)
    """
    return _extreme(A, smallest=False)
