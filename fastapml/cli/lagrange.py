"""The constrained-optimization part of ``fastapml demo`` (fastapml.optimize
has no command of its own)."""

import numpy as np


def demo():
    """min 3x - 4y on the unit circle by Newton on the Lagrangian, and
    min ||Ax|| on the unit sphere by SVD against ``eigh(A^T A)``.

    Returns
    -------
    dict
        ``x``, ``multiplier``, ``value`` (exact: (-0.6, 0.8), -2.5, -5),
        ``kkt_norm``, ``same_vector`` (the SVD minimizer is eigh's up to sign).
    """
    from ..optimize import min_on_sphere, minimize_equality

    print(
        "\nLagrange multipliers: min 3x - 4y subject to x^2 + y^2 = 1 "
        "(L = f - lam g; exact: x = (-0.6, 0.8), lam = -2.5, value -5)"
    )
    res = minimize_equality(
        lambda v: 3 * v[0] - 4 * v[1],
        [-0.5, 0.5],
        lambda v: v[0] ** 2 + v[1] ** 2 - 1,
    )
    x, lam = res.x, res.multipliers[0]
    print(
        f"  x = ({x[0]:.12f}, {x[1]:.12f}), lam = {lam:.12f}, value "
        f"{res.fun:.12f}; {res.n_iter} Newton iterations, |grad L| = "
        f"{res.kkt_norm:.1e} ({res.message})"
    )
    A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0], [1.0, 0.0, 1.0]])
    v, value = min_on_sphere(A)
    w, V = np.linalg.eigh(A.T @ A)
    same = bool(np.allclose(abs(v @ V[:, 0]), 1))
    print(
        f"min ||Ax||^2 on the unit sphere for a 4x3 A: {value:.12f} at "
        f"{np.array2string(v, precision=6)} (SVD of A); eigh(A^T A): "
        f"{w[0]:.12f}, same vector up to sign: {same}"
    )
    return {
        "x": [float(x[0]), float(x[1])],
        "multiplier": float(lam),
        "value": float(res.fun),
        "kkt_norm": float(res.kkt_norm),
        "same_vector": same,
    }
