"""Calculus and constrained optimization: numerical gradients and a gradient
checker, the matrix-derivative identities, Lagrange multipliers (Newton's
method on the KKT system) and quadratic forms on the unit sphere."""

from .gradients import GradCheck, check_grad, numerical_gradient, numerical_jacobian
from .identities import bilinear_gradients, linear_jacobian, quadratic_gradient
from .lagrange import minimize_equality
from .sphere import max_on_sphere, min_on_sphere

__all__ = [
    "GradCheck",
    "bilinear_gradients",
    "check_grad",
    "linear_jacobian",
    "max_on_sphere",
    "min_on_sphere",
    "minimize_equality",
    "numerical_gradient",
    "numerical_jacobian",
    "quadratic_gradient",
]
