"""Helpers shared by the tests of fastapml.nn's functions against PyTorch."""

import numpy as np
import torch

torch.set_num_threads(1)
DTYPES = (np.float32, np.float64)
TOL = {
    np.float32: dict(rtol=2e-5, atol=2e-6),
    np.float64: dict(rtol=1e-12, atol=1e-12),
}


def torch_run(fn, *arrays):
    """``fn`` on torch copies of ``arrays`` (grad enabled for float arrays),
    backpropagated from a fixed random upstream gradient.

    Returns (output, upstream gradient, gradients of the float arrays)."""
    tensors = [
        torch.tensor(a, requires_grad=np.issubdtype(a.dtype, np.floating))
        for a in arrays
    ]
    out = fn(*tensors)
    first = out[0] if isinstance(out, tuple) else out
    g = torch.from_numpy(
        np.random.default_rng(7).normal(size=first.shape).astype(arrays[0].dtype)
    )
    first.backward(g)
    grads = [t.grad.numpy() for t in tensors if t.requires_grad]
    return first.detach().numpy(), g.numpy(), grads


def assert_close(got, want, dtype):
    assert np.asarray(got).dtype == dtype
    np.testing.assert_allclose(got, want, **TOL[dtype])


def data(dtype, *shape, seed=0, scale=1.0):
    return (scale * np.random.default_rng(seed).normal(size=shape)).astype(dtype)


# inputs of the numerical-gradient checks, shared so every module's backward
# is checked on the same arrays
UPSTREAM = data(np.float64, 4, 5, seed=3)
INPUT = data(np.float64, 4, 5, seed=4)
