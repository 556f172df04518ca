"""Reductions of per-element losses ("mean", "sum", "none") and the matching
scale of the upstream gradient, shared by the losses."""

import numpy as np

from .._validation import check_shape
from ._checks import float_array

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction):
    """Raise unless ``reduction`` is one of REDUCTIONS."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def reduce_losses(losses, reduction):
    """Per-element losses -> 'mean', 'sum' or unreduced ('none')."""
    if reduction == "mean":
        return losses.mean(dtype=np.float64).astype(losses.dtype)
    if reduction == "sum":
        return losses.sum(dtype=np.float64).astype(losses.dtype)
    return losses


def loss_grad_scale(grad_output, reduction, shape, dtype):
    """d(reduced loss)/d(per-element loss) times ``grad_output``, broadcastable
    to ``shape``: g/n for 'mean', g for 'sum', the array g for 'none'."""
    check_reduction(reduction)
    if reduction == "none":
        return check_shape(
            float_array(grad_output, "grad_output", dtype), "grad_output", shape
        )
    g = float_array(grad_output, "grad_output", dtype)
    if g.size != 1:
        raise ValueError(
            f"grad_output must be a scalar for reduction={reduction!r}, "
            f"got shape {g.shape}"
        )
    g = g.reshape(())
    return g / dtype.type(max(int(np.prod(shape)), 1)) if reduction == "mean" else g


def check_deprecated(size_average, reduce):
    """Refuse PyTorch's deprecated ``size_average`` and ``reduce``."""
    if size_average is not None or reduce is not None:
        raise ValueError(
            "size_average and reduce are deprecated in PyTorch and not "
            "supported: use reduction"
        )
