"""Optimizers updating :class:`fastapml.nn.Parameter` values in place.

Each follows ``torch.optim`` step for step (same weights from the same
gradients); the docstrings give each update rule.
"""

import numbers

import numpy as np

from .._validation import check_scalar

__all__ = ["SGD", "Adam", "AdamW"]


class _Optimizer:
    def __init__(self, parameters, lr):
        self.parameters = list(parameters)
        if not self.parameters:
            raise ValueError("parameters must not be empty")
        for i, p in enumerate(self.parameters):
            if not (
                isinstance(getattr(p, "value", None), np.ndarray)
                and isinstance(getattr(p, "grad", None), np.ndarray)
            ):
                raise TypeError(
                    f"parameters[{i}] must have ndarray .value and .grad, "
                    f"got {type(p).__name__}"
                )
        self.lr = float(check_scalar(lr, "lr", low=0, low_inclusive=False))
        self._check()

    def _check(self):
        """Refuse a value or grad that is not a finite real float array of the
        value's shape (an update would broadcast or cast it silently)."""
        for i, p in enumerate(self.parameters):
            for name in ("value", "grad"):
                arr = getattr(p, name)
                what = f"parameters[{i}].{name}"
                if not isinstance(arr, np.ndarray) or arr.dtype.kind != "f":
                    raise TypeError(
                        f"{what} must be a float ndarray, got "
                        f"{getattr(arr, 'dtype', type(arr).__name__)}"
                    )
                if arr.shape != p.value.shape:
                    raise ValueError(
                        f"{what} must have the value's shape {p.value.shape}, "
                        f"got {arr.shape}"
                    )
                if arr.size and not np.isfinite(arr).all():
                    raise ValueError(f"{what} contains NaN or inf")

    def _decay(self, weight_decay):
        """``weight_decay`` checked: a float >= 0."""
        return float(check_scalar(weight_decay, "weight_decay", low=0))

    def zero_grad(self):
        """Set every parameter's gradient to zero."""
        for p in self.parameters:
            p.grad.fill(0)


class SGD(_Optimizer):
    """Stochastic gradient descent with (Nesterov) momentum.

    v <- mu v - lr g; w <- w + v (plain SGD for mu = 0), the classical
    momentum of Sutskever et al., "On the importance of initialization and
    momentum in deep learning" (ICML 2013), eq. (1)-(2).  ``torch.optim.SGD``
    keeps b = -v / lr instead, which gives the same weights at a fixed lr.
    With ``nesterov=True`` the step looks ahead: w <- w + mu v - lr g, using the
    updated v, as ``torch.optim.SGD(nesterov=True)``.  ``weight_decay``
    adds lambda w to g first (L2 regularization); ``dampening`` d scales g
    by (1 - d) in every momentum update but the first, as PyTorch does.

    Parameters
    ----------
    parameters : iterable of Parameter
        Objects with ndarray ``.value`` and ``.grad``, e.g. ``net.parameters()``.
    lr : float > 0
        Learning rate.
    momentum : float in [0, 1), default 0
        Momentum coefficient mu.
    dampening : float in [0, 1], default 0
        d above.
    weight_decay : float >= 0, default 0
        lambda above.
    nesterov : bool, default False
        Requires momentum > 0 and no dampening.

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.nn import Parameter
    >>> p = Parameter("w", np.array([1.0]))
    >>> p.grad[:] = 2.0
    >>> SGD([p], lr=0.1, momentum=0.9).step()
    >>> p.value
    array([0.8])
    """

    def __init__(
        self,
        parameters,
        lr,
        momentum=0.0,
        dampening=0.0,
        weight_decay=0.0,
        nesterov=False,
    ):
        super().__init__(parameters, lr)
        self.momentum = float(check_scalar(momentum, "momentum", low=0, high=1))
        if self.momentum == 1:
            raise ValueError("momentum must be < 1, got 1")
        self.dampening = float(check_scalar(dampening, "dampening", low=0, high=1))
        self.weight_decay = self._decay(weight_decay)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"nesterov must be bool, got {type(nesterov).__name__}")
        if nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("nesterov=True requires momentum > 0 and dampening 0")
        self.nesterov = bool(nesterov)
        self.velocities = [np.zeros_like(p.value) for p in self.parameters]
        self._started = False

    def step(self):
        """Apply one update to every parameter from its current ``grad``."""
        self._check()
        mu, lr = self.momentum, self.lr
        # PyTorch's first momentum update copies the gradient undamped
        damp = 1 - self.dampening if self._started else 1.0
        self._started = True
        for p, v in zip(self.parameters, self.velocities):
            g = p.grad + self.weight_decay * p.value if self.weight_decay else p.grad
            v *= mu
            v -= (lr * damp) * g
            p.value += mu * v - lr * g if self.nesterov else v


class Adam(_Optimizer):
    """Adam: bias-corrected moving averages of the gradient and its square.

    m <- b1 m + (1 - b1) g; s <- b2 s + (1 - b2) g^2; after t steps
    w <- w - lr / (1 - b1^t) * m / (sqrt(s) / sqrt(1 - b2^t) + eps),
    as ``torch.optim.Adam`` (Kingma and Ba, "Adam: a method for stochastic
    optimization", ICLR 2015, Algorithm 1).

    Parameters
    ----------
    parameters : iterable of Parameter
        Objects with ndarray ``.value`` and ``.grad``, e.g. ``net.parameters()``.
    lr : float > 0, default 1e-3
        Learning rate.
    betas : (float, float) in [0, 1), default (0.9, 0.999)
        Decay rates b1 and b2 of the moving averages of g and g^2.
    eps : float > 0, default 1e-8
        Added to the denominator.
    weight_decay : float >= 0, default 0
        Adds weight_decay * w to g before the averages (L2 regularization,
        as ``torch.optim.Adam``; :class:`AdamW` decouples it).

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.nn import Parameter
    >>> p = Parameter("w", np.array([1.0]))
    >>> p.grad[:] = 5.0
    >>> Adam([p], lr=0.1).step()
    >>> p.value.round(6)
    array([0.9])
    """

    _decoupled = False

    def __init__(
        self, parameters, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0
    ):
        super().__init__(parameters, lr)
        self.weight_decay = self._decay(weight_decay)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair of floats, got {betas!r}")
        self.betas = tuple(
            float(check_scalar(b, f"betas[{i}]", numbers.Real, low=0, high=1))
            for i, b in enumerate(betas)
        )
        if max(self.betas) == 1:
            raise ValueError(f"betas must be < 1, got {betas!r}")
        self.eps = float(check_scalar(eps, "eps", low=0, low_inclusive=False))
        self.t = 0
        self.m = [np.zeros_like(p.value) for p in self.parameters]
        self.s = [np.zeros_like(p.value) for p in self.parameters]

    def step(self):
        """Apply one update to every parameter from its current ``grad``."""
        self._check()
        b1, b2 = self.betas
        self.t += 1
        step_size = self.lr / (1 - b1**self.t)
        root_c2 = np.sqrt(1 - b2**self.t)
        wd = self.weight_decay
        for p, m, s in zip(self.parameters, self.m, self.s):
            g = p.grad
            if wd and self._decoupled:
                p.value *= 1 - self.lr * wd
            elif wd:
                g = g + wd * p.value
            m *= b1
            m += (1 - b1) * g
            s *= b2
            s += (1 - b2) * g * g
            p.value -= step_size * m / (np.sqrt(s) / root_c2 + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    Each step first shrinks the weights, w <- w (1 - lr weight_decay), then
    takes :class:`Adam`'s step on the gradient alone (Loshchilov and Hutter,
    "Decoupled weight decay regularization", ICLR 2019).

    Parameters
    ----------
    parameters : iterable of Parameter
        Objects with ndarray ``.value`` and ``.grad``, e.g. ``net.parameters()``.
    lr : float > 0, default 1e-3
        Learning rate.
    betas : (float, float) in [0, 1), default (0.9, 0.999)
        Decay rates of the moving averages of g and g^2.
    eps : float > 0, default 1e-8
        Added to the denominator.
    weight_decay : float >= 0, default 1e-2
        The decoupled decay rate (PyTorch's default).

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.nn import Parameter
    >>> p = Parameter("w", np.array([1.0]))
    >>> p.grad[:] = 5.0
    >>> AdamW([p], lr=0.1, weight_decay=0.5).step()
    >>> p.value.round(6)   # 1 * (1 - 0.05) - 0.1
    array([0.85])
    """

    _decoupled = True

    def __init__(
        self, parameters, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2
    ):
        super().__init__(parameters, lr, betas, eps, weight_decay)
