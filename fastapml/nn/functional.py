"""Neural-network functions with PyTorch's semantics, on NumPy arrays.

The public façade of :mod:`fastapml.nn`'s functions, as
``torch.nn.functional``: each forward function with its ``*_backward``.  They
live in the modules named for what they hold:

- :mod:`.convolution`: ``conv2d`` and its helpers;
- :mod:`.activations`: ReLU, leaky ReLU, sigmoid, tanh, softmax and
  log-softmax;
- :mod:`.pooling` and :mod:`.avg_pooling`: 2-D max and average pooling;
- :mod:`.linear`: the affine map of a fully connected layer;
- :mod:`.losses`: square loss, softmax cross-entropy and the negative
  log-likelihood;
- :mod:`.binary_losses`: binary cross-entropy, on probabilities or logits;
- :mod:`.dropout`: inverted dropout.
"""

from .activations import (
    leaky_relu,
    leaky_relu_backward,
    log_softmax,
    log_softmax_backward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    softmax,
    softmax_backward,
    tanh,
    tanh_backward,
)
from .avg_pooling import avg_pool2d, avg_pool2d_backward
from .binary_losses import (
    binary_cross_entropy,
    binary_cross_entropy_backward,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_backward,
)
from .convolution import (
    conv2d,
    conv2d_backward,
    conv2d_parameter_count,
    conv_output_size,
)
from .dropout import dropout, dropout_backward, dropout_with_mask
from .linear import linear, linear_backward
from .losses import (
    cross_entropy,
    cross_entropy_backward,
    mse_loss,
    mse_loss_backward,
    nll_loss,
    nll_loss_backward,
)
from .pooling import max_pool2d, max_pool2d_backward, pool_output_size

__all__ = [
    "avg_pool2d",
    "avg_pool2d_backward",
    "binary_cross_entropy",
    "binary_cross_entropy_backward",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_backward",
    "conv2d",
    "conv2d_backward",
    "conv2d_parameter_count",
    "conv_output_size",
    "cross_entropy",
    "cross_entropy_backward",
    "leaky_relu",
    "leaky_relu_backward",
    "dropout",
    "dropout_backward",
    "dropout_with_mask",
    "linear",
    "linear_backward",
    "log_softmax",
    "log_softmax_backward",
    "max_pool2d",
    "max_pool2d_backward",
    "mse_loss",
    "mse_loss_backward",
    "nll_loss",
    "nll_loss_backward",
    "pool_output_size",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_backward",
]
