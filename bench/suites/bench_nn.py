"""asv suites for fastapml.nn.

The convolution shapes C1-C3 of ``python -m bench.compare.conv`` with a
smaller batch N, so that a quick run of every benchmark stays short; that
script runs the full sizes against PyTorch and the NumPy im2col reference.
"""

import numpy as np

from .common import (
    CACHES,
    Benchmark,
    FirstCallBenchmark,
    fastapml_module,
    quality,
    speedup,
)

functional = fastapml_module("fastapml.nn.functional")

DTYPES = ["float32", "float64"]
# N (reduced), C_in, C_out, H (= W), k, padding, stride
SHAPES = {
    "C1": (16, 1, 32, 28, 3, 1, 1),
    "C2": (2, 64, 64, 56, 3, 1, 1),
    "C3": (4, 32, 64, 32, 5, 2, 2),
}


def _data(shape, dtype, seed=0):
    n, ci, co, hw, k, pad, stride = SHAPES[shape]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, ci, hw, hw)).astype(dtype)
    w = (rng.standard_normal((co, ci, k, k)) / np.sqrt(ci * k * k)).astype(dtype)
    b = rng.standard_normal(co).astype(dtype)
    ho = (hw + 2 * pad - k) // stride + 1
    go = rng.standard_normal((n, co, ho, ho)).astype(dtype)
    return x, w, b, go, pad, stride


class Conv2d(Benchmark):
    """conv2d forward, and forward then conv2d_backward, with bias:
    C1 16x1x28x28 -> 32, 3x3, pad 1; C2 2x64x56x56 -> 64, 3x3, pad 1;
    C3 4x32x32x32 -> 64, 5x5, pad 2, stride 2."""

    params = (list(SHAPES), DTYPES)
    param_names = ["shape", "dtype"]
    timed = ("forward", "forward_backward")

    def make(self, shape, dtype):
        self.x, self.w, self.b, self.go, self.pad, self.stride = _data(shape, dtype)

    def warm_up(self, shape, dtype):
        self.forward_backward(shape, dtype)  # reaches every kernel of forward

    def forward(self, shape, dtype):
        functional.conv2d(self.x, self.w, self.b, stride=self.stride, padding=self.pad)

    def forward_backward(self, shape, dtype):
        functional.conv2d(self.x, self.w, self.b, stride=self.stride, padding=self.pad)
        functional.conv2d_backward(
            self.go, self.x, self.w, stride=self.stride, padding=self.pad
        )


class SpeedupVsTorch(Benchmark):
    """PyTorch's time / fastapml's (torch.set_num_threads(2)), float32,
    C1 shape with N = 16, best of 5 calls per library; skipped without torch."""

    params = ["forward", "forward_backward"]
    param_names = ["pass"]

    def make(self, which):
        try:
            import torch
        except ImportError:
            raise NotImplementedError("torch is not installed") from None
        torch.set_num_threads(2)
        self.torch = torch
        self.x, self.w, self.b, self.go, self.pad, self.stride = _data("C1", "float32")

    def warm_up(self, which):
        self.ours(which)
        self.theirs(which)

    def ours(self, which):
        functional.conv2d(self.x, self.w, self.b, stride=self.stride, padding=self.pad)
        if which == "forward_backward":
            functional.conv2d_backward(
                self.go, self.x, self.w, stride=self.stride, padding=self.pad
            )

    def theirs(self, which):
        torch = self.torch
        x, w, b, go = (torch.from_numpy(a) for a in (self.x, self.w, self.b, self.go))
        if which == "forward":
            with torch.no_grad():
                torch.nn.functional.conv2d(
                    x, w, b, stride=self.stride, padding=self.pad
                )
            return
        x, w, b = (t.requires_grad_() for t in (x, w, b))
        out = torch.nn.functional.conv2d(x, w, b, stride=self.stride, padding=self.pad)
        torch.autograd.grad(out, (x, w, b), go)

    def track_speedup_vs_torch(self, which):
        return speedup(lambda: self.ours(which), lambda: self.theirs(which), repeat=5)

    track_speedup_vs_torch.unit = "x"


class TrainDigits(Benchmark):
    """One epoch of fastapml.nn.training.train_digits (the digits CNN, batches
    of 32, Adam, test accuracy at the end); ``python -m bench.compare.training``
    runs 10 epochs against the same network in PyTorch."""

    timed = ("epoch",)

    def make(self):
        self.train = fastapml_module("fastapml.nn.training").train_digits

    def warm_up(self):
        """Nothing: an epoch takes seconds, and its kernels compile in the
        first few steps."""

    def epoch(self):
        self.train(epochs=1)

    @quality(better="higher", tolerance=0.5)
    def track_test_accuracy_3_epochs(self):
        return 100 * self.train(epochs=3)[1]["test_accuracy"][-1]

    track_test_accuracy_3_epochs.unit = "%"


class FirstCall(FirstCallBenchmark):
    """Import plus the first conv2d and conv2d_backward on a tiny input in a
    fresh interpreter, with a cold or the cached numba cache."""

    params = (["float32"], CACHES)
    param_names = ["dtype", "cache"]

    def snippet(self, dtype):
        return f"""
            import numpy as np
            from fastapml.nn.functional import conv2d, conv2d_backward
            rng = np.random.default_rng(0)
            x = rng.standard_normal((2, 3, 8, 8)).astype({dtype!r})
            w = rng.standard_normal((4, 3, 3, 3)).astype({dtype!r})
            out = conv2d(x, w, np.zeros(4, {dtype!r}), padding=1)
            conv2d_backward(np.ones_like(out), x, w, padding=1)
        """


def timeraw_import_nn():
    """Import time of fastapml.nn in a fresh interpreter."""
    return "import fastapml.nn"
