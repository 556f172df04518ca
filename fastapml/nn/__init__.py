"""Convolutional networks on NumPy arrays: :mod:`fastapml.nn.functional` holds
the functions (PyTorch's semantics, NCHW/OIHW), with numba kernels behind
them; the layers, ``Sequential`` and the optimizers are imported on first use."""
import importlib

_LAYERS = ("Conv2d", "Dropout", "Flatten", "Linear", "MaxPool2d", "Parameter",
           "ReLU", "Sequential", "Sigmoid")
_OPTIMIZERS = ("Adam", "SGD")

__all__ = ["functional", *_LAYERS, *_OPTIMIZERS]


def __getattr__(name):
    if name in _LAYERS or name in _OPTIMIZERS:
        module = "layers" if name in _LAYERS else "optim"
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
