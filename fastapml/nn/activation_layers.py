"""Activation layers: ReLU, leaky ReLU, sigmoid, tanh and softmax.

Each keeps what its backward needs (the input, or the output where the
derivative is a function of it) and has no parameters.
"""

import numbers

from .._validation import check_scalar
from . import functional as F
from .layers import Layer

__all__ = ["LeakyReLU", "ReLU", "Sigmoid", "Softmax", "Tanh"]


class ReLU(Layer):
    """max(x, 0) elementwise.

    Examples
    --------
    >>> import numpy as np
    >>> ReLU().forward(np.array([-1.0, 2.0]))
    array([0., 2.])
    """

    def forward(self, x):
        """Apply max(x, 0), keeping ``x`` for :meth:`backward`.

        Parameters
        ----------
        x : array_like of float
            The input, any shape.

        Returns
        -------
        ndarray
            Shaped like ``x``.
        """
        self._cache = x
        return F.relu(x)

    def backward(self, grad_output):
        """Gradient with respect to the input of the last :meth:`forward`.

        Parameters
        ----------
        grad_output : array_like of float
            dL/d(output), shaped like the input.

        Returns
        -------
        ndarray
            dL/d(input): ``grad_output`` where the input was > 0, else 0.
        """
        return F.relu_backward(grad_output, self._cached())


class Sigmoid(Layer):
    """1 / (1 + exp(-x)) elementwise.

    Examples
    --------
    >>> import numpy as np
    >>> Sigmoid().forward(np.array([0.0]))
    array([0.5])
    """

    def forward(self, x):
        """Apply the logistic function, keeping its output for :meth:`backward`.

        Parameters
        ----------
        x : array_like of float
            The input, any shape.

        Returns
        -------
        ndarray
            s = 1 / (1 + exp(-x)), shaped like ``x``.
        """
        self._cache = F.sigmoid(x)
        return self._cache

    def backward(self, grad_output):
        """Gradient with respect to the input of the last :meth:`forward`.

        Parameters
        ----------
        grad_output : array_like of float
            dL/d(output), shaped like the input.

        Returns
        -------
        ndarray
            dL/d(input) = grad_output * s (1 - s).
        """
        return F.sigmoid_backward(grad_output, self._cached())


class LeakyReLU(Layer):
    """x for x >= 0, ``negative_slope`` x below, as ``torch.nn.LeakyReLU``.

    Parameters
    ----------
    negative_slope : float, default 0.01
        The slope for x < 0.

    Examples
    --------
    >>> import numpy as np
    >>> LeakyReLU(0.1).forward(np.array([-1.0, 2.0]))
    array([-0.1,  2. ])
    """

    def __init__(self, negative_slope=0.01):
        self.negative_slope = float(check_scalar(negative_slope, "negative_slope"))
        self._cache = None

    def config(self):
        """Constructor arguments, from which :meth:`Sequential.load` rebuilds it.

        Returns
        -------
        dict
            ``{"negative_slope": negative_slope}``.
        """
        return {"negative_slope": self.negative_slope}

    def forward(self, x):
        """Apply the leaky ReLU, keeping ``x`` for :meth:`backward`.

        Parameters
        ----------
        x : array_like of float
            The input, any shape.

        Returns
        -------
        ndarray
            Shaped like ``x``.
        """
        self._cache = x
        return F.leaky_relu(x, self.negative_slope)

    def backward(self, grad_output):
        """Gradient with respect to the input of the last :meth:`forward`.

        Parameters
        ----------
        grad_output : array_like of float
            dL/d(output), shaped like the input.

        Returns
        -------
        ndarray
            dL/d(input): ``grad_output`` where the input was > 0, else
            ``negative_slope`` times it.
        """
        return F.leaky_relu_backward(grad_output, self._cached(), self.negative_slope)


class Tanh(Layer):
    """tanh(x) elementwise, as ``torch.nn.Tanh``.

    Examples
    --------
    >>> import numpy as np
    >>> Tanh().forward(np.array([0.0]))
    array([0.])
    """

    def forward(self, x):
        """Apply tanh, keeping its output for :meth:`backward`.

        Parameters
        ----------
        x : array_like of float
            The input, any shape.

        Returns
        -------
        ndarray
            t = tanh(x), shaped like ``x``.
        """
        self._cache = F.tanh(x)
        return self._cache

    def backward(self, grad_output):
        """Gradient with respect to the input of the last :meth:`forward`.

        Parameters
        ----------
        grad_output : array_like of float
            dL/d(output), shaped like the input.

        Returns
        -------
        ndarray
            dL/d(input) = grad_output * (1 - t^2).
        """
        return F.tanh_backward(grad_output, self._cached())


class Softmax(Layer):
    """softmax along ``dim``, as ``torch.nn.Softmax``.

    Parameters
    ----------
    dim : int, default -1
        The axis that sums to 1 (PyTorch's ``dim=None`` is not accepted:
        give it).

    Examples
    --------
    >>> import numpy as np
    >>> Softmax(dim=1).forward(np.zeros((1, 4)))
    array([[0.25, 0.25, 0.25, 0.25]])
    """

    def __init__(self, dim=-1):
        # an int here; checked against the input's rank in forward
        self.dim = int(check_scalar(dim, "dim", numbers.Integral))
        self._cache = None

    def config(self):
        """Constructor arguments, from which :meth:`Sequential.load` rebuilds it.

        Returns
        -------
        dict
            ``{"dim": dim}``.
        """
        return {"dim": self.dim}

    def forward(self, x):
        """Apply softmax along ``dim``, keeping its output for :meth:`backward`.

        Parameters
        ----------
        x : array_like of float
            The input.

        Returns
        -------
        ndarray
            Shaped like ``x``, summing to 1 along ``dim``.
        """
        self._cache = F.softmax(x, self.dim)
        return self._cache

    def backward(self, grad_output):
        """Gradient with respect to the input of the last :meth:`forward`.

        Parameters
        ----------
        grad_output : array_like of float
            dL/d(output), shaped like the input.

        Returns
        -------
        ndarray
            dL/d(input) = s * (g - sum(g * s, dim)).
        """
        return F.softmax_backward(grad_output, self._cached(), self.dim)
