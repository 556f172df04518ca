"""Train a small CNN on scikit-learn's bundled 8x8 digits."""

import numbers
import time

import numpy as np

from .._validation import check_scalar
from . import functional as F
from .activation_layers import ReLU
from .layers import Conv2d, Flatten, Linear
from .optim import Adam
from .pooling_layers import MaxPool2d
from .sequential import Sequential

__all__ = ["digits_cnn", "load_digits_split", "train_digits", "accuracy"]


def load_digits_split(test_size=360):
    """The digits as float32 (n, 1, 8, 8) images in [0, 1], split at a fixed seed.

    The split is stratified by class (scikit-learn's ``train_test_split`` with
    ``random_state=0``) over the 1,797 images of
    ``sklearn.datasets.load_digits``.

    Parameters
    ----------
    test_size : int or float, default 360
        Number (int) or fraction (float) of images held out for testing.

    Returns
    -------
    X_train, X_test : ndarray of float32
    y_train, y_test : ndarray of int64

    Examples
    --------
    >>> X_train, X_test, y_train, y_test = load_digits_split()
    >>> X_train.shape, X_test.shape
    ((1437, 1, 8, 8), (360, 1, 8, 8))
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    return train_test_split(
        X, y.astype(np.int64), test_size=test_size, random_state=0, stratify=y
    )


def digits_cnn(random_state=None):
    """The digits CNN: Conv-ReLU-MaxPool twice, then Linear.

    Conv(1→16, 3×3, pad 1)-ReLU-MaxPool(2)-Conv(16→32, 3×3, pad 1)-ReLU-
    MaxPool(2)-Flatten-Linear(128→10).

    Parameters
    ----------
    random_state : None, int or numpy.random.Generator, default None
        Seed or generator of the initial weights.

    Returns
    -------
    Sequential
        A new network in training mode, for (N, 1, 8, 8) float32 input and
        10 logits per image.

    Examples
    --------
    >>> sum(p.value.size for p in digits_cnn(0).parameters())
    6090
    """
    rng = np.random.default_rng(random_state)
    return Sequential(
        Conv2d(1, 16, 3, padding=1, random_state=rng),
        ReLU(),
        MaxPool2d(2),
        Conv2d(16, 32, 3, padding=1, random_state=rng),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Linear(32 * 2 * 2, 10, random_state=rng),
    )


def accuracy(model, X, y, batch_size=512):
    """Fraction of ``X`` that ``model`` (in eval mode) classifies as ``y``.

    The model's training flag is restored afterwards.

    Parameters
    ----------
    model : Sequential
        A network whose output has one logit per class.
    X : ndarray
        The inputs, as ``model.forward`` takes them.
    y : array_like of int, shape (len(X),)
        The true classes.
    batch_size : int, default 512
        Number of inputs per forward pass.

    Returns
    -------
    float
        The accuracy, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from fastapml.nn import Linear, Sequential
    >>> model = Sequential(Linear(2, 2, random_state=0))
    >>> accuracy(model, np.eye(2, dtype=np.float32), np.array([0, 1])) in (0, 0.5, 1)
    True
    """
    training = model.training
    model.eval()
    try:
        pred = np.concatenate(
            [
                model.forward(X[i : i + batch_size]).argmax(axis=1)
                for i in range(0, len(X), batch_size)
            ]
        )
    finally:
        model.train(training)
    return float(np.mean(pred == y))


def train_digits(
    epochs=10, batch_size=32, lr=2e-2, lr_decay=0.7, random_state=0, progress=None
):
    """Train :func:`digits_cnn` with Adam and cross-entropy on the digits.

    Parameters
    ----------
    epochs : int >= 1, default 10
        Passes over the training set.
    batch_size : int >= 1, default 32
        Images per Adam step.
    lr : float > 0, default 2e-2
        Adam's learning rate in the first epoch.
    lr_decay : float in (0, 1], default 0.7
        The learning rate is multiplied by this after every epoch.
    random_state : int, default 0
        Seeds the initialization and the shuffling (the split is fixed).
    progress : callable, optional
        Called after every batch as ``progress(epoch, n_seen, n_train, loss,
        accuracy)`` with the epoch's running mean loss and training accuracy.

    Returns
    -------
    model : Sequential
        In eval mode.
    history : dict of lists
        Per epoch: ``loss``, ``train_accuracy`` (running, during the epoch),
        ``test_accuracy``, ``samples_per_s``.

    Examples
    --------
    >>> model, history = train_digits(epochs=1, batch_size=128)
    >>> sorted(history)
    ['loss', 'samples_per_s', 'test_accuracy', 'train_accuracy']
    >>> len(history["test_accuracy"]), model.training
    (1, False)
    """
    epochs = int(check_scalar(epochs, "epochs", numbers.Integral, low=1))
    lr_decay = float(
        check_scalar(lr_decay, "lr_decay", low=0, high=1, low_inclusive=False)
    )
    batch_size = int(check_scalar(batch_size, "batch_size", numbers.Integral, low=1))
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be callable, got {type(progress).__name__}")
    X_train, X_test, y_train, y_test = load_digits_split()
    rng = np.random.default_rng(random_state)
    model = digits_cnn(rng)
    optimizer = Adam(model.parameters(), lr=lr)
    history = {
        "loss": [],
        "train_accuracy": [],
        "test_accuracy": [],
        "samples_per_s": [],
    }
    n = len(X_train)
    for epoch in range(1, epochs + 1):
        model.train()
        optimizer.lr = lr * lr_decay ** (epoch - 1)
        order = rng.permutation(n)
        loss_sum = correct = seen = 0
        start = time.perf_counter()
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            xb, yb = X_train[idx], y_train[idx]
            logits = model.forward(xb)
            loss = float(F.cross_entropy(logits, yb))
            model.backward(F.cross_entropy_backward(1.0, logits, yb))
            optimizer.step()
            seen += len(idx)
            loss_sum += loss * len(idx)
            correct += int(np.sum(logits.argmax(axis=1) == yb))
            if progress is not None:
                progress(epoch, seen, n, loss_sum / seen, correct / seen)
        elapsed = time.perf_counter() - start
        history["loss"].append(loss_sum / n)
        history["train_accuracy"].append(correct / n)
        history["test_accuracy"].append(accuracy(model, X_test, y_test))
        history["samples_per_s"].append(n / elapsed)
    model.eval()
    return model, history
