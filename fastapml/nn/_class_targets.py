"""Class targets for :func:`.losses.cross_entropy` and :func:`.losses.nll_loss`,
with PyTorch's shapes, class weights, ignored targets and label smoothing.

Every such loss is, per element m (a sample, or a sample's position in an
(N, C, d1, ..., dk) input), ``loss_m = -sum_c q_mc s_mc`` for scores s
(log-probabilities) and *target weights* q:

- class-index targets y: ``q_m = (1 - eps) w_{y_m} onehot(y_m) + (eps / C) w``,
  and 0 where ``y_m == ignore_index``; "mean" divides by the sum of
  ``w_{y_m}`` over the targets not ignored (``nll_loss``'s rule, which
  PyTorch applies to the smoothing term too);
- class-probability targets t: ``q_m = w * ((1 - eps) t_m + eps / C)``;
  "mean" divides by the number of elements M.

w is ``weight`` (ones when None) and eps ``label_smoothing``.  Work is done
on (M, C) arrays with the class axis last.
"""

import numbers

import numpy as np

from .._validation import check_float_array, check_int_array, check_scalar
from ._reduction import check_deprecated, check_reduction


class ClassTargets:
    """A checked (input, target) pair as (M, C) scores and target weights.

    Attributes
    ----------
    scores : ndarray (M, C)
        The input with its class axis last, in its float dtype.
    q : ndarray (M, C)
        The target weights above.
    denominator : float
        What "mean" divides the summed losses by.
    loss_shape : tuple
        The shape of the unreduced losses: () unbatched, else (N, d1, ...).
    """

    def __init__(
        self,
        input,
        target,
        weight,
        ignore_index,
        label_smoothing,
        reduction,
        *,
        deprecated=(None, None),
        log_probabilities=False,
    ):
        check_deprecated(*deprecated)
        check_reduction(reduction)
        if np.ndim(input) == 0:
            raise ValueError("input must have a class dimension, got a scalar")
        x = check_float_array(
            input,
            "input",
            np.ndim(input),
            allow_empty=False,
            allow_neg_inf=log_probabilities,  # log 0
        )
        self.shape = x.shape
        n_classes = x.shape[0 if x.ndim == 1 else 1]
        self.scores = np.moveaxis(x.reshape(1, -1) if x.ndim == 1 else x, 1, -1)
        self.loss_shape = self.scores.shape[:-1] if x.ndim > 1 else ()
        self.scores = self.scores.reshape(-1, n_classes)
        eps = float(check_scalar(label_smoothing, "label_smoothing", low=0, high=1))
        check_scalar(ignore_index, "ignore_index", numbers.Integral)
        w = np.ones(n_classes, dtype=x.dtype)
        if weight is not None:
            w = check_float_array(weight, "weight", 1, dtype=x.dtype)
            if w.shape != (n_classes,):
                raise ValueError(
                    f"weight must have shape ({n_classes},), one per class, got "
                    f"{w.shape}"
                )
        if np.asarray(target).dtype.kind == "f":
            if log_probabilities:
                raise TypeError("nll_loss's target must hold class indices (integers)")
            self._probabilities(target, w, eps)
        else:
            self._indices(target, w, eps, int(ignore_index))

    def _probabilities(self, target, w, eps):
        t = np.asarray(target)
        if t.shape != self.shape:
            raise ValueError(
                f"a target of float dtype holds class probabilities, so its shape "
                f"must be the input's {self.shape}, got {t.shape} (class indices "
                "are integers)"
            )
        if not np.isfinite(t).all():
            raise ValueError(
                "target holds float class probabilities, which must be finite: "
                "it contains NaN or inf"
            )
        t = check_float_array(t, "target", t.ndim, dtype=self.scores.dtype)
        t = np.moveaxis(t.reshape(1, -1) if t.ndim == 1 else t, 1, -1)
        t = t.reshape(self.scores.shape)
        n_classes = self.scores.shape[1]
        self.q = w * (t * (1 - eps) + eps / n_classes) if eps else w * t
        self.denominator = float(self.scores.shape[0])

    def _indices(self, target, w, eps, ignore_index):
        want = self.loss_shape
        t = np.asarray(target)
        if t.dtype.kind not in "iu":
            raise TypeError(
                "target must hold class indices (integers) or class "
                f"probabilities (floats), got dtype {t.dtype}"
            )
        if t.shape != want:
            raise ValueError(
                f"target holds class indices, so its shape must be {want}, got "
                f"{t.shape}"
            )
        t = check_int_array(t.reshape(-1), "target", ndim=1)
        n_classes = self.scores.shape[1]
        ignored = t == ignore_index
        bad = ~ignored & ((t < 0) | (t >= n_classes))
        if bad.any():
            raise ValueError(
                f"target holds class {t[bad][0]} but input has {n_classes} classes "
                f"(valid range 0..{n_classes - 1}, or ignore_index={ignore_index})"
            )
        rows = np.flatnonzero(~ignored)
        classes = t[rows]
        self.q = np.zeros(self.scores.shape, dtype=self.scores.dtype)
        if eps:
            self.q[rows] = w * (eps / n_classes)
        self.q[rows, classes] += w[classes] * (1 - eps)
        self.denominator = float(w[classes].sum(dtype=np.float64))

    def reduce(self, losses, reduction):
        """Per-element losses (M,) -> "mean", "sum" or ``loss_shape``."""
        dtype = self.scores.dtype
        if reduction == "none":
            return losses.reshape(self.loss_shape)
        total = losses.sum(dtype=np.float64)
        if reduction == "mean":
            total = total / self.denominator if self.denominator else np.nan
        return dtype.type(total)

    def grad_scale(self, grad_output, reduction):
        """d(reduced loss)/d(loss_m) times ``grad_output``, as an (M, 1)
        column or a scalar."""
        dtype = self.scores.dtype
        g = check_float_array(grad_output, "grad_output", np.ndim(grad_output))
        g = g.reshape(np.shape(grad_output))  # a 0-d g stays 0-d
        if reduction == "none":
            if g.shape != self.loss_shape:
                raise ValueError(
                    f"grad_output must have shape {self.loss_shape} for "
                    f"reduction='none', got {g.shape}"
                )
            return g.astype(dtype, copy=False).reshape(-1, 1)
        if g.size != 1:
            raise ValueError(
                f"grad_output must be a scalar for reduction={reduction!r}, "
                f"got shape {g.shape}"
            )
        g = float(g.reshape(()))
        if reduction == "mean":
            g = g / self.denominator if self.denominator else np.nan
        return dtype.type(g)

    def to_input_layout(self, grad):
        """An (M, C) gradient back in the input's shape and axis order."""
        if len(self.shape) == 1:
            return grad.reshape(self.shape)
        grad = grad.reshape(self.loss_shape + (self.shape[1],))
        return np.ascontiguousarray(np.moveaxis(grad, -1, 1))
