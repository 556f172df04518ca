"""Plain-NumPy versions of every fastapml kernel, written for clarity.

They are the oracle in the tests and the baseline in the benchmarks: same
call signatures as the fast functions, no numba.
"""
from . import cluster, denoise, mixture, nn, nn_activations, spectral
from .hmm import (forward_backward, sample_chain, viterbi, viterbi2_batch,
                  viterbi_batch)

__all__ = ["cluster", "denoise", "forward_backward", "mixture", "nn", "nn_activations",
           "sample_chain", "spectral", "viterbi", "viterbi2_batch",
           "viterbi_batch"]
