"""Convolutional networks on NumPy arrays: :mod:`fastapml.nn.functional` holds
the functions (PyTorch's semantics, NCHW/OIHW), with numba kernels behind them."""
