"""Layers with explicit forward/backward passes.

Each layer's ``forward(x)`` caches what its ``backward`` needs;
``backward(grad_output)`` returns dL/d(input) and *sets* (does not add to)
the ``grad`` of each of its :class:`Parameter` objects.  ``parameters()``
yields those Parameter objects, which the optimizers of
:mod:`fastapml.nn.optim` update in place.
"""

import math
import numbers

import numpy as np

from .._validation import check_int_pair, check_scalar, check_shape
from . import _padding
from . import functional as F
from ._checks import check_size as _check_size
from ._checks import float_array as _float_array

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")

__all__ = [
    "Parameter",
    "Conv2d",
    "Linear",
    "Flatten",
    "Dropout",
]


class Parameter:
    """A learned array ``value`` and its gradient ``grad`` (same shape, dtype).

    Layers create their parameters; ``backward`` sets ``grad`` and the
    optimizers of :class:`SGD` and :class:`Adam` update ``value`` in place.

    Parameters
    ----------
    name : str
        The parameter's name, e.g. ``"weight"`` (:class:`Sequential` prefixes
        the layer's index: ``"0.weight"``).
    value : ndarray
        The initial values, kept (not copied); ``grad`` starts as zeros like it.

    Examples
    --------
    >>> import numpy as np
    >>> p = Parameter("bias", np.zeros(2))
    >>> p.name, p.grad
    ('bias', array([0., 0.]))
    """

    def __init__(self, name, value):
        self.name = name
        self.value = value
        self.grad = np.zeros_like(value)

    def __repr__(self):
        value = self.value
        return f"Parameter({self.name!r}, shape={value.shape}, dtype={value.dtype})"


def _dtype(dtype):
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dt}")
    return dt


def _count(value, name):
    return int(check_scalar(value, name, numbers.Integral, low=1))


def _flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be bool, got {type(value).__name__}")
    return bool(value)


def _uniform(rng, bound, shape, dtype):
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


class Layer:
    """Base class: no parameters, ``training`` mode flag, cached input."""

    training = True

    def parameters(self):
        """Iterate over this layer's learned parameters (none by default).

        Returns
        -------
        iterator of Parameter
            Empty for a layer without parameters.
        """
        return iter(())

    def train(self, mode=True):
        """Set the training mode flag (``eval()`` is ``train(False)``).

        Parameters
        ----------
        mode : bool, default True
            True for training, False for evaluation (Dropout then passes its
            input through).

        Returns
        -------
        Layer
            ``self``.
        """
        self.training = _flag(mode, "mode")
        return self

    def eval(self):
        """Switch to evaluation mode, as ``train(False)``.

        Returns
        -------
        Layer
            ``self``.
        """
        return self.train(False)

    def config(self):
        """Constructor arguments, from which :meth:`Sequential.load` rebuilds it.

        Returns
        -------
        dict
            JSON-serializable keyword arguments (empty for a layer without
            any).
        """
        return {}

    def _cached(self):
        if getattr(self, "_cache", None) is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._cache

    def __call__(self, x):
        """Run :meth:`forward`, so that ``layer(x)`` is ``layer.forward(x)``.

        Parameters
        ----------
        x : array_like of float
            The input batch.

        Returns
        -------
        ndarray
            The layer's output.
        """
        return self.forward(x)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        return f"{type(self).__name__}({args})"


class Conv2d(Layer):
    """2-D convolution layer over NCHW input (:func:`fastapml.nn.functional.conv2d`).

    Weights and bias start U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
    fan_in = in_channels * kernel_h * kernel_w, PyTorch's default.
    k·(F²c + 1) parameters (:func:`fastapml.nn.functional.conv2d_parameter_count`).

    Parameters
    ----------
    in_channels : int
        Input channels c, >= 1.
    out_channels : int
        Number of filters k, >= 1.
    kernel_size : int or (int, int)
        Filter height and width F.
    stride : int or (int, int), default 1
        Step between output positions, >= 1.
    padding : int or (int, int), default 0
        Rows and columns added on both sides of each spatial axis.
    dilation : int or (int, int), default 1
        Spacing between the filter's taps.
    groups : int, default 1
        Channel groups: each filter sees in_channels / groups inputs; it
        must divide both channel counts.
    bias : bool, default True
        Whether each filter has a learned bias.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}, default "zeros"
        What the padding holds, as PyTorch's.
    random_state : None, int or numpy.random.Generator, default None
        Seed or generator of the initial weights.
    dtype : float32 or float64, default float32
        Dtype of the weights and bias.

    Attributes
    ----------
    weight : Parameter
        Shape (out_channels, in_channels / groups, F_h, F_w).
    bias_ : Parameter or None
        Shape (out_channels,); None without bias.

    Examples
    --------
    >>> import numpy as np
    >>> conv = Conv2d(1, 4, 3, padding=1, random_state=0)
    >>> conv.forward(np.zeros((2, 1, 8, 8), np.float32)).shape
    (2, 4, 8, 8)
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        random_state=None,
        dtype=np.float32,
    ):
        self.in_channels = _count(in_channels, "in_channels")
        self.out_channels = _count(out_channels, "out_channels")
        self.kernel_size = check_int_pair(kernel_size, "kernel_size", 1)
        self.stride = check_int_pair(stride, "stride", 1)
        self.padding = check_int_pair(padding, "padding", 0)
        self.dilation = check_int_pair(dilation, "dilation", 1)
        self.groups = _count(groups, "groups")
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"groups={self.groups} must divide in_channels "
                f"({self.in_channels}) and out_channels ({self.out_channels})"
            )
        if padding_mode not in PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}"
            )
        self.padding_mode = padding_mode
        self.bias = _flag(bias, "bias")
        self.dtype = _dtype(dtype)
        shape = (self.out_channels, self.in_channels // self.groups)
        shape += self.kernel_size
        _check_size(shape, self.dtype, "(out_channels, in_channels, *kernel_size)")
        rng = np.random.default_rng(random_state)
        bound = 1 / math.sqrt(math.prod(shape[1:]))
        self.weight = Parameter("weight", _uniform(rng, bound, shape, self.dtype))
        self.bias_ = (
            Parameter("bias", _uniform(rng, bound, self.out_channels, self.dtype))
            if self.bias
            else None
        )
        self._cache = None

    def parameters(self):
        """Iterate over the learned parameters: the weight, then the bias.

        Yields
        ------
        Parameter
            ``weight``, then ``bias_`` unless the layer has no bias.
        """
        yield self.weight
        if self.bias_ is not None:
            yield self.bias_

    def config(self):
        """Constructor arguments, from which :meth:`Sequential.load` rebuilds it.

        Returns
        -------
        dict
            JSON-serializable keyword arguments, without ``random_state`` (the
            saved parameters replace the initial ones).
        """
        return {
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "kernel_size": list(self.kernel_size),
            "stride": list(self.stride),
            "padding": list(self.padding),
            "dilation": list(self.dilation),
            "groups": self.groups,
            "bias": self.bias,
            "padding_mode": self.padding_mode,
            "dtype": self.dtype.name,
        }

    def forward(self, x):
        """Convolve a batch, keeping it for :meth:`backward`.

        Parameters
        ----------
        x : array_like of float, shape (N, in_channels, H, W)
            The input batch.

        Returns
        -------
        ndarray, shape (N, out_channels, H_out, W_out)
            The convolution of ``x`` with the filters, plus the bias.
        """
        b = None if self.bias_ is None else self.bias_.value
        x, padding = self._padded(x)
        out = F.conv2d(
            x, self.weight.value, b, self.stride, padding, self.dilation, self.groups
        )
        self._cache = x
        return out

    def _padded(self, x):
        """(input, padding left to conv2d): zeros are conv2d's own padding;
        the other modes pad here."""
        if self.padding_mode == "zeros":
            return x, self.padding
        x = _float_array(x, "x", ndim=4)
        _padding.check_padding(x.shape, self.padding, self.padding_mode)
        self._input_shape = x.shape
        return _padding.pad2d(x, self.padding, self.padding_mode), (0, 0)

    def backward(self, grad_output):
        """Gradient with respect to the input of the last :meth:`forward`.

        Sets (does not add to) ``weight.grad`` and ``bias_.grad``.

        Parameters
        ----------
        grad_output : array_like of float, shape (N, out_channels, H_out, W_out)
            dL/d(output).

        Returns
        -------
        ndarray, shape (N, in_channels, H, W)
            dL/d(input).
        """
        zeros = self.padding_mode == "zeros"
        gx, gw, gb = F.conv2d_backward(
            grad_output,
            self._cached(),
            self.weight.value,
            self.stride,
            self.padding if zeros else 0,
            self.dilation,
            self.groups,
        )
        self.weight.grad[...] = gw
        if self.bias_ is not None:
            self.bias_.grad[...] = gb
        if zeros:
            return gx
        mode = self.padding_mode
        return _padding.pad2d_backward(gx, self.padding, mode, self._input_shape)


class Linear(Layer):
    """Affine layer y = x W^T + b on (n_samples, in_features) input.

    Weight and bias start U(-1/sqrt(in_features), 1/sqrt(in_features)).

    Parameters
    ----------
    in_features : int
        Input features, >= 1.
    out_features : int
        Output features, >= 1.
    bias : bool, default True
        Whether the layer has a learned bias b.
    random_state : None, int or numpy.random.Generator, default None
        Seed or generator of the initial weights.
    dtype : float32 or float64, default float32
        Dtype of the weight and bias.

    Attributes
    ----------
    weight : Parameter
        W, shape (out_features, in_features).
    bias_ : Parameter or None
        b, shape (out_features,); None without bias.

    Examples
    --------
    >>> import numpy as np
    >>> Linear(3, 2, random_state=0).forward(np.ones((4, 3), np.float32)).shape
    (4, 2)
    """

    def __init__(
        self, in_features, out_features, bias=True, random_state=None, dtype=np.float32
    ):
        self.in_features = _count(in_features, "in_features")
        self.out_features = _count(out_features, "out_features")
        self.bias = _flag(bias, "bias")
        self.dtype = _dtype(dtype)
        _check_size((self.out_features, self.in_features), self.dtype, "(out, in)")
        rng = np.random.default_rng(random_state)
        bound = 1 / math.sqrt(self.in_features)
        self.weight = Parameter(
            "weight",
            _uniform(rng, bound, (self.out_features, self.in_features), self.dtype),
        )
        self.bias_ = (
            Parameter("bias", _uniform(rng, bound, self.out_features, self.dtype))
            if self.bias
            else None
        )
        self._cache = None

    parameters = Conv2d.parameters

    def config(self):
        """Constructor arguments, from which :meth:`Sequential.load` rebuilds it.

        Returns
        -------
        dict
            JSON-serializable keyword arguments, without ``random_state``.
        """
        return {
            "in_features": self.in_features,
            "out_features": self.out_features,
            "bias": self.bias,
            "dtype": self.dtype.name,
        }

    def forward(self, x):
        """Apply the affine map to a batch, keeping it for :meth:`backward`.

        Parameters
        ----------
        x : array_like of float, shape (N, in_features)
            The input batch.

        Returns
        -------
        ndarray, shape (N, out_features)
            x W^T + b.
        """
        out = F.linear(
            x, self.weight.value, None if self.bias_ is None else self.bias_.value
        )
        self._cache = x
        return out

    def backward(self, grad_output):
        """Gradient with respect to the input of the last :meth:`forward`.

        Sets (does not add to) ``weight.grad`` and ``bias_.grad``.

        Parameters
        ----------
        grad_output : array_like of float, shape (N, out_features)
            dL/d(output).

        Returns
        -------
        ndarray, shape (N, in_features)
            dL/d(input).
        """
        gx, gw, gb = F.linear_backward(grad_output, self._cached(), self.weight.value)
        self.weight.grad[...] = gw
        if self.bias_ is not None:
            self.bias_.grad[...] = gb
        return gx


class Flatten(Layer):
    """Reshape (N, ...) to (N, prod(...)).

    Examples
    --------
    >>> import numpy as np
    >>> Flatten().forward(np.zeros((2, 3, 4))).shape
    (2, 12)
    """

    def forward(self, x):
        """Flatten every axis but the first, keeping the shape for :meth:`backward`.

        Parameters
        ----------
        x : array_like, shape (N, ...)
            The input batch, at least 2-D.

        Returns
        -------
        ndarray, shape (N, prod(...))
            A view of ``x`` where possible.
        """
        x = _float_array(x, "input")
        if x.ndim < 2:
            raise ValueError(
                f"input must have at least 2 dimensions, got shape {x.shape}"
            )
        self._cache = x.shape
        return x.reshape(x.shape[0], math.prod(x.shape[1:]))  # -1 fails on N = 0

    def backward(self, grad_output):
        """Reshape the gradient back to the input's shape.

        Parameters
        ----------
        grad_output : array_like, shape (N, prod(...))
            dL/d(output).

        Returns
        -------
        ndarray, shape (N, ...)
            dL/d(input), shaped like the input of the last :meth:`forward`.
        """
        shape = self._cached()
        out = (shape[0], math.prod(shape[1:]))
        return check_shape(
            _float_array(grad_output, "grad_output"), "grad_output", out
        ).reshape(shape)


class Dropout(Layer):
    """Inverted dropout with drop probability ``p``; identity in eval mode.

    See :func:`fastapml.nn.functional.dropout`.

    Parameters
    ----------
    p : float in [0, 1], default 0.5
        Probability of zeroing each unit; the kept ones are scaled by
        1/(1 - p).
    random_state : None, int or numpy.random.Generator, default None
        Seed or generator of the masks (one generator for every call).

    Examples
    --------
    >>> import numpy as np
    >>> d = Dropout(0.5, random_state=0)
    >>> sorted(set(d.forward(np.ones(8)).tolist()))
    [0.0, 2.0]
    >>> d.eval().forward(np.ones(2))
    array([1., 1.])
    """

    def __init__(self, p=0.5, random_state=None):
        self.p = float(check_scalar(p, "p", low=0, high=1))
        self._rng = np.random.default_rng(random_state)
        self._cache = None

    def config(self):
        """Constructor arguments, from which :meth:`Sequential.load` rebuilds it.

        Returns
        -------
        dict
            ``{"p": p}`` (the generator is not saved).
        """
        return {"p": self.p}

    def forward(self, x):
        """Drop units at random in training mode; pass ``x`` through in eval mode.

        Parameters
        ----------
        x : array_like of float
            The input, any shape.

        Returns
        -------
        ndarray
            Shaped like ``x``; the mask is kept for :meth:`backward`.
        """
        out, mask = F.dropout_with_mask(x, self.p, self.training, self._rng)
        self._cache = (mask,)
        return out

    def backward(self, grad_output):
        """Gradient with respect to the input of the last :meth:`forward`.

        Parameters
        ----------
        grad_output : array_like of float
            dL/d(output), shaped like the input.

        Returns
        -------
        ndarray
            dL/d(input): ``grad_output * mask / (1 - p)``, or ``grad_output``
            itself in eval mode.
        """
        return F.dropout_backward(grad_output, self._cached()[0], self.p)
