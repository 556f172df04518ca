"""Convolutional networks on NumPy arrays.

:mod:`fastapml.nn.functional` gathers the functions (PyTorch's semantics,
NCHW/OIHW) from :mod:`.convolution`, :mod:`.activations`, :mod:`.pooling`,
:mod:`.linear`, :mod:`.losses` and :mod:`.dropout`, with numba kernels behind
them; it, the layers, ``Sequential`` and the optimizers are imported on first
use.
"""

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    submodules=["functional"],
    names={
        "layers": [
            "Conv2d",
            "Dropout",
            "Flatten",
            "Linear",
            "Parameter",
        ],
        "activation_layers": ["LeakyReLU", "ReLU", "Sigmoid", "Softmax", "Tanh"],
        "pooling_layers": ["AvgPool2d", "MaxPool2d"],
        "sequential": ["Sequential"],
        "optim": ["Adam", "AdamW", "SGD"],
    },
)
