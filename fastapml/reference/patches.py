"""The patch grid that the patch methods' twins share (fastapml.reference.denoise
and fastapml.reference.noise)."""

import numpy as np

__all__ = ["patch_grid"]


def patch_grid(shape, patch_size, stride=1):
    """Top-left corners of the patches along each axis.

    Every ``stride``-th position from 0, then ``n - patch_size`` so that the
    last rows and columns are covered too.

    Parameters
    ----------
    shape : (int, int)
        Image height and width.
    patch_size, stride : int
        ``1 <= stride <= patch_size``.

    Returns
    -------
    rows, cols : int64 arrays
        The corners' rows and columns.
    """
    p, s = int(patch_size), int(stride)
    if not 1 <= s <= p:
        raise ValueError(f"stride must be in [1, patch_size={p}], got {s}")
    axes = []
    for n in shape:
        if n < p:
            raise ValueError(f"patch_size {p} does not fit an image side of {n}")
        corners = [0]
        while corners[-1] + s < n - p:
            corners.append(corners[-1] + s)
        if corners[-1] != n - p:
            corners.append(n - p)
        axes.append(np.array(corners, dtype=np.int64))
    return tuple(axes)
