"""Pooling layers: 2-D max and average pooling over NCHW input."""

import numpy as np

from .._validation import check_int_pair
from . import functional as F
from .avg_pooling import check_geometry
from .layers import Layer

__all__ = ["AvgPool2d", "MaxPool2d"]


class MaxPool2d(Layer):
    """2-D max pooling over NCHW input (:func:`fastapml.nn.functional.max_pool2d`).

    Parameters
    ----------
    kernel_size : int or (int, int)
        Window height and width.
    stride : int or (int, int), optional
        Step between windows; defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        Implicit -inf padding on both sides, at most half the window.

    Examples
    --------
    >>> import numpy as np
    >>> MaxPool2d(2).forward(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = check_int_pair(kernel_size, "kernel_size", 1)
        self.stride = (
            self.kernel_size if stride is None else check_int_pair(stride, "stride", 1)
        )
        self.padding = check_int_pair(padding, "padding", 0)
        self._cache = None

    def config(self):
        """Constructor arguments, from which :meth:`Sequential.load` rebuilds it.

        Returns
        -------
        dict
            JSON-serializable keyword arguments.
        """
        return {
            "kernel_size": list(self.kernel_size),
            "stride": list(self.stride),
            "padding": list(self.padding),
        }

    def forward(self, x):
        """Pool a batch, keeping the positions of the maxima for :meth:`backward`.

        Parameters
        ----------
        x : array_like of float, shape (N, C, H, W)
            The input batch.

        Returns
        -------
        ndarray, shape (N, C, H_out, W_out)
            The maximum of each window.
        """
        out, idx = F.max_pool2d(
            x, self.kernel_size, self.stride, self.padding, return_indices=True
        )
        self._cache = (idx, np.shape(x))
        return out

    def backward(self, grad_output):
        """Gradient with respect to the input of the last :meth:`forward`.

        Parameters
        ----------
        grad_output : array_like of float, shape (N, C, H_out, W_out)
            dL/d(output).

        Returns
        -------
        ndarray, shape (N, C, H, W)
            dL/d(input): each window's gradient at the position of its maximum.
        """
        idx, shape = self._cached()
        return F.max_pool2d_backward(grad_output, idx, shape)


class AvgPool2d(Layer):
    """2-D average pooling layer, as ``torch.nn.AvgPool2d``.

    See :func:`fastapml.nn.functional.avg_pool2d`.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Window height and width.
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int), default 0
        Zeros on both sides, at most half the kernel size.
    ceil_mode : False
        PyTorch's parameter, in its place; only False.
    count_include_pad : bool, default True
        Whether the padding counts in each window's divisor.
    divisor_override : int, optional
        A fixed divisor.

    Examples
    --------
    >>> import numpy as np
    >>> AvgPool2d(2).forward(np.ones((1, 1, 4, 4))).shape
    (1, 1, 2, 2)
    """

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode=False,
        count_include_pad=True,
        divisor_override=None,
    ):
        if not isinstance(count_include_pad, (bool, np.bool_)):
            raise TypeError(
                "count_include_pad must be bool, got "
                f"{type(count_include_pad).__name__}"
            )
        k, s, p, _, override = check_geometry(
            (1, 1) + check_int_pair(kernel_size, "kernel_size", 1),
            kernel_size,
            stride,
            padding,
            ceil_mode,
            divisor_override,
        )
        self._options = {
            "kernel_size": list(k),
            "stride": None if stride is None else list(s),
            "padding": list(p),
            "ceil_mode": False,
            "count_include_pad": bool(count_include_pad),
            "divisor_override": None if override is None else int(override),
        }
        self._cache = None

    def config(self):
        """Constructor arguments, from which :meth:`Sequential.load` rebuilds it.

        Returns
        -------
        dict
            The pooling options.
        """
        return dict(self._options)

    def forward(self, x):
        """Average each window, keeping the input's shape for :meth:`backward`.

        Parameters
        ----------
        x : array_like of float, shape (N, C, H, W)
            The input batch.

        Returns
        -------
        ndarray, shape (N, C, H_out, W_out)
            The window averages.
        """
        out = F.avg_pool2d(x, **self._options)
        self._cache = np.shape(x)
        return out

    def backward(self, grad_output):
        """Gradient with respect to the input of the last :meth:`forward`.

        Parameters
        ----------
        grad_output : array_like of float, shape (N, C, H_out, W_out)
            dL/d(output).

        Returns
        -------
        ndarray, shape (N, C, H, W)
            dL/d(input): each gradient spread over its window.
        """
        return F.avg_pool2d_backward(grad_output, self._cached(), **self._options)
