"""Matrix-derivative identities (as in Petersen & Pedersen, *The Matrix
Cookbook*, 2012, section 2.4), as functions returning the
analytic derivatives (numerator layout: the derivative of a scalar with
respect to a column vector is a row vector, returned as a 1-D array).

- d(Ax)/dx = A
- d(y^T A x)/dx = y^T A and d(y^T A x)/dy = x^T A^T
- d(x^T A x)/dx = x^T (A + A^T), which is 2 x^T A for symmetric A

Float32 inputs give float32 results; anything else gives float64.
"""

from .._validation import check_float_array, float_dtype


def _matrix_and_vectors(A, **vectors):
    """A as a 2-D float array and each named vector as 1-D, one dtype."""
    dtype = float_dtype(A, *vectors.values())
    A = check_float_array(A, "A", 2, dtype=dtype)
    return A, [
        check_float_array(v, name, 1, dtype=dtype) for name, v in vectors.items()
    ]


def _check_length(v, name, n, axis):
    if v.shape[0] != n:
        raise ValueError(f"{name} must have length {n} (A's {axis}), got {v.shape[0]}")


def linear_jacobian(A):
    """Jacobian of x -> Ax: d(Ax)/dx = A.

    Parameters
    ----------
    A : array_like of shape (m, n)
        The matrix of the linear map.

    Returns
    -------
    J : ndarray of shape (m, n)
        A copy of A.

    Examples
    --------
    >>> linear_jacobian([[1.0, 2.0], [3.0, 4.0]])
    array([[1., 2.],
           [3., 4.]])
    """
    return _matrix_and_vectors(A)[0].copy()


def bilinear_gradients(y, A, x):
    """Gradients of the bilinear form y^T A x.

    d(y^T A x)/dx = y^T A and d(y^T A x)/dy = x^T A^T.

    Parameters
    ----------
    y : array_like of shape (m,)
        The left vector.
    A : array_like of shape (m, n)
        The matrix.
    x : array_like of shape (n,)
        The right vector.

    Returns
    -------
    dx : ndarray of shape (n,)
        y^T A.
    dy : ndarray of shape (m,)
        x^T A^T.

    Examples
    --------
    >>> dx, dy = bilinear_gradients([1.0, 0.0], [[1.0, 2.0], [3.0, 4.0]],
    ...                             [0.0, 1.0])
    >>> dx, dy
    (array([1., 2.]), array([2., 4.]))
    """
    A, (y, x) = _matrix_and_vectors(A, y=y, x=x)
    _check_length(y, "y", A.shape[0], "number of rows")
    _check_length(x, "x", A.shape[1], "number of columns")
    return y @ A, A @ x


def quadratic_gradient(A, x):
    """Gradient of the quadratic form x^T A x: x^T (A + A^T).

    For symmetric A this is 2 x^T A.

    Parameters
    ----------
    A : array_like of shape (n, n)
        The matrix, not necessarily symmetric.
    x : array_like of shape (n,)
        The point.

    Returns
    -------
    g : ndarray of shape (n,)
        x^T (A + A^T).

    Examples
    --------
    >>> quadratic_gradient([[1.0, 2.0], [0.0, 1.0]], [1.0, 1.0])
    array([4., 4.])
    """
    A, (x,) = _matrix_and_vectors(A, x=x)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be square, got shape {A.shape}")
    _check_length(x, "x", A.shape[0], "size")
    return x @ A + A @ x
