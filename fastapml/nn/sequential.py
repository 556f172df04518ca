"""``Sequential``: layers applied in order, and its model file."""

import json
import math
import numbers

import numpy as np

from .. import _archive
from .._memory import check_memory
from .._validation import check_scalar
from .activation_layers import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .layers import Conv2d, Dropout, Flatten, Layer, Linear
from .pooling_layers import AvgPool2d, MaxPool2d

__all__ = ["Sequential"]

_FORMAT_KIND = "fastapml.nn.Sequential"
_FORMAT_VERSION = 1

_LAYERS = {
    cls.__name__: cls
    for cls in (
        Conv2d,
        Linear,
        ReLU,
        LeakyReLU,
        Sigmoid,
        Tanh,
        Softmax,
        MaxPool2d,
        AvgPool2d,
        Flatten,
        Dropout,
    )
}


class Sequential(Layer):
    """Layers applied in order; backward runs them in reverse (chain rule).

    Parameters are named ``"<index>.<name>"``, e.g. ``"0.weight"``.

    Parameters
    ----------
    *layers : Layer
        The layers, first to last: Conv2d, Linear, ReLU, LeakyReLU, Sigmoid,
        Tanh, Softmax, MaxPool2d, AvgPool2d, Flatten or Dropout.

    Attributes
    ----------
    layers : list
        The layers, in order.

    Examples
    --------
    >>> import numpy as np
    >>> net = Sequential(
    ...     Linear(4, 3, random_state=0), ReLU(), Linear(3, 2, random_state=1)
    ... )
    >>> out = net.forward(np.ones((5, 4), np.float32))
    >>> net.backward(np.ones_like(out)).shape
    (5, 4)
    >>> [p.name for p in net.parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if type(layer) not in _LAYERS.values():
                raise TypeError(
                    f"layers[{i}] must be one of {sorted(_LAYERS)}, "
                    f"got {type(layer).__name__}"
                )
        self.layers = list(layers)

    def parameters(self):
        """Iterate over every layer's parameters, first layer first.

        Each parameter's ``name`` is set to ``"<index>.<name>"`` on the way.

        Yields
        ------
        Parameter
            The parameters, in layer order.
        """
        for i, layer in enumerate(self.layers):
            for p in layer.parameters():
                p.name = f"{i}.{p.name.rsplit('.', 1)[-1]}"
                yield p

    def train(self, mode=True):
        """Set the training mode flag of the network and of every layer.

        Parameters
        ----------
        mode : bool, default True
            True for training, False for evaluation (``eval()``).

        Returns
        -------
        Sequential
            ``self``.
        """
        super().train(mode)
        for layer in self.layers:
            layer.train(mode)
        return self

    def forward(self, x):
        """Run each layer's :meth:`forward` in order.

        Parameters
        ----------
        x : array_like of float
            The input batch, as the first layer takes it.

        Returns
        -------
        ndarray
            The last layer's output.
        """
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_output):
        """Run each layer's ``backward`` in reverse order (the chain rule).

        Sets the ``grad`` of every parameter.

        Parameters
        ----------
        grad_output : array_like of float
            dL/d(output) of the last :meth:`forward`.

        Returns
        -------
        ndarray
            dL/d(input).
        """
        for layer in reversed(self.layers):
            grad_output = layer.backward(grad_output)
        return grad_output

    def summary(self, input_shape):
        """Output shape and parameter count of each layer for one sample.

        Parameters
        ----------
        input_shape : tuple of int
            One sample's shape, without the batch axis, e.g. (1, 8, 8).

        Returns
        -------
        str
            One line per layer and a total.

        Examples
        --------
        >>> net = Sequential(Conv2d(1, 2, 3, random_state=0), Flatten())
        >>> print(net.summary((1, 4, 4)))
        layer        output shape      params
        0 Conv2d     (2, 2, 2)             20
        1 Flatten    (8,)                   0
        total                              20
        """
        shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
        if not shape:
            raise ValueError(
                f"input_shape must be a tuple of positive ints, got {input_shape!r}"
            )
        for i, v in enumerate(shape):
            check_scalar(v, f"input_shape[{i}]", numbers.Integral, low=1)
        shape = tuple(int(v) for v in shape)
        check_memory(4 * math.prod(shape), f"a sample of input_shape {shape}")
        training = self.training
        self.eval()
        x = np.zeros((1,) + shape, dtype=np.float32)
        lines = [f"{'layer':<12} {'output shape':<16} {'params':>7}"]
        total = 0
        try:
            for i, layer in enumerate(self.layers):
                x = layer.forward(x)
                n = sum(p.value.size for p in layer.parameters())
                total += n
                lines.append(
                    f"{f'{i} {type(layer).__name__}':<12} {str(x.shape[1:]):<16} {n:>7}"
                )
        finally:
            self.train(training)
        lines.append(f"{'total':<29} {total:>7}")
        return "\n".join(lines)

    def save(self, path):
        """Write the architecture (JSON) and parameters to a model file.

        The file is an ``.npz`` archive of kind ``"fastapml.nn.Sequential"``
        written by :func:`fastapml._archive.write` (atomically, no pickles):
        ``architecture`` holds one JSON ``{"type", "config"}`` string per
        layer and ``param:<index>.<name>`` each parameter.

        Parameters
        ----------
        path : str or os.PathLike
            Target file, used as given (no suffix is added).

        Examples
        --------
        >>> import os, tempfile
        >>> net = Sequential(Linear(2, 1, random_state=0))
        >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
        >>> net.save(path)
        >>> Sequential.load(path).layers
        [Linear(in_features=2, out_features=1, bias=True, dtype='float32')]
        """
        arch = [
            json.dumps({"type": type(layer).__name__, "config": layer.config()})
            for layer in self.layers
        ]
        arrays = {"architecture": np.array(arch, dtype=str)}
        arrays.update({f"param:{p.name}": p.value for p in self.parameters()})
        _archive.write(path, _FORMAT_KIND, arrays, version=_FORMAT_VERSION)

    @classmethod
    def load(cls, path):
        """Read a network written by :meth:`save` (no pickle).

        Parameters
        ----------
        path : str or os.PathLike
            The file written by :meth:`save`.

        Returns
        -------
        Sequential
            An instance of ``cls``, in training mode, as a new network is.

        Raises
        ------
        fastapml._archive.MissingArchiveError
            If ``path`` does not exist (also a ``FileNotFoundError``).
        fastapml._archive.ArchiveError
            If the file is not a complete, valid saved network (a
            ``ValueError``); the message names the file.
        """
        return _archive.read(
            path,
            _FORMAT_KIND,
            lambda archive: _from_archive(cls, archive),
            version=_FORMAT_VERSION,
        )


def _declared_elements(spec):
    """The number of parameter values a layer spec would allocate, computed
    without building the layer (TypeError/KeyError/ValueError if malformed)."""
    kind, config = spec["type"], spec["config"]
    if kind not in _LAYERS or not isinstance(config, dict):
        raise ValueError(f"unknown layer type {kind!r}")
    if kind == "Linear":
        n_in, n_out = config["in_features"], config["out_features"]
        kernel = (1, 1)
    elif kind == "Conv2d":
        n_in, n_out = config["in_channels"], config["out_channels"]
        kernel = config["kernel_size"]
        kernel = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
    else:
        return 0
    sizes = (n_in, n_out, *kernel)
    if len(sizes) != 4 or not all(type(v) is int and v >= 1 for v in sizes):
        raise ValueError(f"{kind} sizes must be positive integers, got {sizes}")
    bias = n_out if config.get("bias", True) else 0
    return n_out * n_in * kernel[0] * kernel[1] + bias


def _from_archive(cls, archive):
    """The network (a ``cls``) in an :class:`fastapml._archive.Archive`:
    architecture, then every parameter checked for shape, dtype and
    finiteness."""
    arch = archive.array("architecture", kinds="U", ndim=1)
    errors = (json.JSONDecodeError, KeyError, TypeError, ValueError, RecursionError)
    specs, declared = [], 0
    for i, text in enumerate(arch):
        try:
            specs.append(json.loads(str(text)))
            declared += _declared_elements(specs[-1])
        except errors as err:
            raise ValueError(
                f"architecture[{i}] is not a valid layer: {err!r}"
            ) from None
    # checked before any layer allocates its parameters: a small file must
    # not declare gigabytes of weights
    stored = sum(archive[k].size for k in archive if k.startswith("param:"))
    if declared > max(4 * stored, 2**20):  # small mismatches: named below
        raise ValueError(
            f"the architecture declares {declared:,} parameter values but the "
            f"file holds {stored:,}"
        )
    layers = []
    for i, spec in enumerate(specs):
        try:
            layers.append(_LAYERS[spec["type"]](**spec["config"]))
        except errors as err:
            raise ValueError(
                f"architecture[{i}] is not a valid layer: {err!r}"
            ) from None
    net = cls(*layers)
    expected = {"architecture"}
    for p in net.parameters():
        key = f"param:{p.name}"
        expected.add(key)
        if key not in archive:
            raise ValueError(f"missing parameter array {key!r}")
        value = archive[key]
        if value.shape != p.value.shape or value.dtype != p.value.dtype:
            raise ValueError(
                f"{key} must have shape {p.value.shape} and dtype "
                f"{p.value.dtype}, got {value.shape} {value.dtype}"
            )
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{key} holds NaN or inf")
        p.value[...] = value
    archive.check_keys(expected)
    return net
