"""Equality-constrained minimization by Lagrange multipliers: Newton's method
on the KKT system grad L(x, lam) = 0.

Sign convention: L(x, lam) = f(x) - lam^T g(x), so at a solution
grad f = J^T lam (J the Jacobian of g).  The worked example, min 3x - 4y on
x^2 + y^2 = 1, has x = (-3/5, 4/5), value -5 and lam = -5/2.
"""

import numbers

import numpy as np
from scipy.optimize import OptimizeResult

from .._validation import check_float_array, check_scalar
from .gradients import NonFiniteError, numerical_gradient, numerical_jacobian

_EPS = np.finfo(np.float64).eps
_ARMIJO = 1e-4  # sufficient decrease of the merit function
_MIN_STEP = 2.0**-30  # the line search gives up below this fraction
_MAX_COND = 1 / (100 * _EPS)  # KKT matrices worse than this: singular
_RANK_TOL = _EPS**0.5  # relative; above numerical-J noise
_CURVATURE_TOL = _EPS**0.25  # relative; above numerical-H noise


def _array(value, name, shape):
    """A function's output as a finite float64 array of ``shape``."""
    out = np.asarray(value, dtype=np.float64)
    if out.shape != shape:
        raise ValueError(f"{name} must return shape {shape}, got {out.shape}")
    if not np.isfinite(out).all():
        raise NonFiniteError(f"{name} returned non-finite values")
    return out


class _Problem:
    """f, g and their derivatives (analytic when given, else numerical), each
    output checked for shape and finiteness."""

    def __init__(self, f, constraints, grad, jac, hess, x0):
        for fn, name in ((f, "f"), (constraints, "constraints")):
            if not callable(fn):
                raise TypeError(f"{name} must be callable, got {type(fn).__name__}")
        for fn, name in ((grad, "grad"), (jac, "jac"), (hess, "hess")):
            if fn is not None and not callable(fn):
                raise TypeError(
                    f"{name} must be callable or None, got {type(fn).__name__}"
                )
        self._f, self._g = f, constraints
        self._grad, self._jac, self._hess = grad, jac, hess
        self.n = x0.shape[0]
        g0 = np.asarray(constraints(x0.copy()), dtype=np.float64)
        if g0.ndim > 1 or g0.size == 0:
            raise ValueError(
                "constraints must return a scalar or a non-empty "
                f"1-D array, got shape {g0.shape}"
            )
        self.m = g0.size

    def value(self, x):
        return float(_array(self._f(x.copy()), "f", ()))

    def constraints(self, x):
        return _array(np.atleast_1d(self._g(x.copy())), "constraints", (self.m,))

    def gradient(self, x):
        if self._grad is None:
            return numerical_gradient(self.value, x)
        return _array(self._grad(x.copy()), "grad", (self.n,))

    def jacobian(self, x):
        if self._jac is None:
            return numerical_jacobian(self.constraints, x)
        J = np.asarray(self._jac(x.copy()), dtype=np.float64)
        if self.m == 1 and J.ndim == 1:
            J = J[None]  # one constraint: its gradient
        return _array(J, "jac", (self.m, self.n))

    def lagrangian_gradient(self, x, lam):
        """grad_x L = grad f - J^T lam."""
        return self.gradient(x) - self.jacobian(x).T @ lam

    def lagrangian_hessian(self, x, lam):
        """Hessian of L in x: hess(x, lam), or differences of grad_x L."""
        if self._hess is not None:
            return _array(self._hess(x.copy(), lam.copy()), "hess", (self.n, self.n))
        H = numerical_jacobian(lambda z: self.lagrangian_gradient(z, lam), x)
        return (H + H.T) / 2


def _residual(problem, x, lam):
    """grad L(x, lam) = (grad f - J^T lam, -g) and |grad f|."""
    grad_f = problem.gradient(x)
    J = problem.jacobian(x)
    return (
        np.concatenate([grad_f - J.T @ lam, -problem.constraints(x)]),
        J,
        np.linalg.norm(grad_f),
    )


def _newton_step(H, J, r):
    """Solve the KKT system [[H, -J^T], [-J, 0]] d = -r, or say why not."""
    m, n = J.shape
    sv = np.linalg.svd(J, compute_uv=False)
    rank = int(np.sum(sv > _RANK_TOL * max(1.0, sv[0])))
    if rank < m:
        return None, (
            f"singular KKT system: the constraints' Jacobian has rank "
            f"{rank} < {m} (redundant constraints, more constraints "
            f"than variables, or a constraint with zero gradient)"
        )
    K = np.block([[H, -J.T], [-J, np.zeros((m, m))]])
    cond = np.linalg.cond(K)
    if not cond < _MAX_COND:
        return None, (
            f"singular KKT system (condition number {cond:.2g}): the "
            "Hessian of the Lagrangian is singular on the constraint "
            "surface (the minimum is not isolated, or f is unbounded "
            "on it)"
        )
    return np.linalg.solve(K, -r), None


def _line_search(problem, x, lam, step, kkt):
    """Backtrack on the merit |grad L|^2 / 2 until it drops by the Armijo
    factor; ``None`` when no fraction of the step does."""
    n = problem.n
    alpha = 1.0
    while alpha >= _MIN_STEP:
        x_new, lam_new = x + alpha * step[:n], lam + alpha * step[n:]
        try:
            r, J, grad_norm = _residual(problem, x_new, lam_new)
        except NonFiniteError:
            r = None  # outside f's or g's domain: step back
        if r is not None and (
            np.linalg.norm(r) ** 2 <= (1 - 2 * _ARMIJO * alpha) * kkt**2
        ):
            return x_new, lam_new, r, J, grad_norm
        alpha /= 2
    return None


def _curvature_problem(problem, x, lam, J):
    """A message when x is not a local minimum: the Hessian of L has a
    negative eigenvalue on the tangent space of the constraints."""
    m, n = J.shape
    if m >= n:
        return None
    Z = np.linalg.svd(J)[2][m:]  # a basis of J's null space
    curvature = np.linalg.eigvalsh(Z @ problem.lagrangian_hessian(x, lam) @ Z.T)
    if curvature[0] < -_CURVATURE_TOL * max(1.0, np.abs(curvature).max()):
        return (
            f"converged to a KKT point that is not a local minimum (the "
            f"Hessian of the Lagrangian has curvature {curvature[0]:.3g} "
            f"along the constraints): a maximum or saddle point of f on "
            f"the constraint set; try another x0"
        )
    return None


def minimize_equality(
    f, x0, constraints, grad=None, jac=None, hess=None, tol=1e-10, max_iter=100
):
    r"""Minimize f(x) subject to g(x) = 0 by Newton's method on the KKT system.

    With the Lagrangian L(x, lam) = f(x) - lam^T g(x), a constrained
    minimum satisfies grad L = 0, that is grad f(x) = J(x)^T lam and
    g(x) = 0.  Each iteration solves the Newton system

    .. math::

        \begin{bmatrix} H & -J^\top \\ -J & 0 \end{bmatrix}
        \begin{bmatrix} \Delta x \\ \Delta\lambda \end{bmatrix}
        = -\begin{bmatrix} \nabla f - J^\top \lambda \\ -g \end{bmatrix}

    (H the Hessian of L in x, J the Jacobian of g) and backtracks along
    (dx, dlam) until the merit :math:`\|\nabla L\|^2` drops (Armijo).  The
    multipliers start at the least-squares solution of J(x0)^T lam = grad f(x0).
    Derivatives not given are taken by central differences (see
    :func:`numerical_gradient`); the Hessian of L by differences of its
    gradient.  Newton's method finds the KKT point nearest x0; one that is
    a maximum or saddle point of f on the constraints is reported with
    ``success=False``.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a scalar.
    x0 : array_like of shape (n,)
        Finite starting point.
    constraints : callable
        ``constraints(x)`` returns g(x), a scalar or an array of shape (m,);
        the constraints are g(x) = 0.
    grad : callable, optional
        ``grad(x)`` returns grad f, shape (n,).
    jac : callable, optional
        ``jac(x)`` returns the Jacobian of g, shape (m, n) ((n,) when m = 1).
    hess : callable, optional
        ``hess(x, lam)`` returns the Hessian of L in x,
        hess f - sum_i lam_i hess g_i, shape (n, n).
    tol : float, default 1e-10
        Converged when :math:`\|\nabla L\| \le \mathrm{tol} \max(1, \|\nabla f\|)`.
    max_iter : int, default 100
        Newton iterations at most.

    Returns
    -------
    OptimizeResult
        ``x`` (float64), ``multipliers`` (lam, shape (m,)), ``fun`` (f(x)),
        ``success``, ``message``, ``n_iter`` (Newton steps taken) and
        ``kkt_norm`` (:math:`\|\nabla L\|` at x).  ``success`` is False, with the
        reason in ``message``, when the KKT system is singular, the line search
        stalls, ``max_iter`` runs out, or the point found is not a local
        minimum.  When the line search stalls within sqrt(tol) of
        convergence (the accuracy of numerical derivatives), ``success`` is
        True and ``message`` says so.

    Raises
    ------
    TypeError
        If a function argument is not callable.
    ValueError
        If x0 is not a finite 1-D array, or a function returns the wrong
        shape or a non-finite value at x0.

    Examples
    --------
    The classic worked example, min 3x - 4y on the unit circle:

    >>> import numpy as np
    >>> res = minimize_equality(lambda v: 3 * v[0] - 4 * v[1], [-0.5, 0.5],
    ...                         lambda v: v[0] ** 2 + v[1] ** 2 - 1)
    >>> res.success, np.round(res.x, 8), round(res.fun, 8), res.multipliers
    (True, array([-0.6,  0.8]), -5.0, array([-2.5]))
    """
    x = check_float_array(x0, "x0", 1, dtype=np.float64, allow_empty=False)
    check_scalar(tol, "tol", low=0, low_inclusive=False)
    check_scalar(max_iter, "max_iter", numbers.Integral, low=0)
    problem = _Problem(f, constraints, grad, jac, hess, x)
    problem.value(x)  # shape and finiteness at x0
    J = problem.jacobian(x)
    lam = np.linalg.lstsq(J.T, problem.gradient(x), rcond=None)[0]
    r, J, grad_norm = _residual(problem, x, lam)

    message, success, n_iter = None, False, 0
    while message is None:
        kkt = np.linalg.norm(r)
        scale = max(1.0, grad_norm)
        if kkt <= tol * scale:
            success, message = True, "converged: |grad L| <= tol"
        elif n_iter == max_iter:
            message = (
                f"did not converge in max_iter={max_iter} Newton "
                f"iterations (|grad L| = {kkt:.3g})"
            )
        else:
            step, message = _newton_step(problem.lagrangian_hessian(x, lam), J, r)
            if step is None:
                break
            found = _line_search(problem, x, lam, step, kkt)
            if found is not None:
                x, lam, r, J, grad_norm = found
                n_iter += 1
            # Near a solution Newton's method at least halves |grad L|; when
            # it cannot, the derivatives' rounding error has been reached.
            now = np.linalg.norm(r)
            if now > kkt / 2 and now <= np.sqrt(tol) * scale:
                success, message = (
                    True,
                    (
                        "converged to the accuracy of the derivatives: "
                        f"|grad L| = {now:.3g} cannot be reduced further"
                    ),
                )
            elif found is None:
                message = (
                    "line search failed: no step along the Newton "
                    f"direction reduces |grad L| = {kkt:.3g}"
                )
    if success:
        curvature = _curvature_problem(problem, x, lam, J)
        if curvature is not None:
            success, message = False, curvature
    return OptimizeResult(
        x=x,
        multipliers=lam,
        fun=problem.value(x),
        success=success,
        message=message,
        n_iter=n_iter,
        kkt_norm=float(np.linalg.norm(r)),
    )
