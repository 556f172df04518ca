"""Plain-NumPy versions of every fastapml kernel, written for clarity.

They are the oracle in the tests and the baseline in the benchmarks, with the
call signatures of the fast functions.  The package imports NumPy and nothing
from fastapml outside itself (so no numba): a bug in the fast code cannot also
be in its oracle.  ``tests/test_reference_standalone.py`` checks this, and that
the constants written in both places agree.
"""

from . import (
    cluster,
    denoise,
    hmm_gaussian,
    mixture,
    nn,
    nn_activations,
    noise,
    nonlocal_bayes,
    restoration,
    spectral,
)
from .hmm import (
    forward_backward,
    sample_chain,
    viterbi,
    viterbi2_batch,
    viterbi2_lattice,
    viterbi_batch,
)

__all__ = [
    "cluster",
    "denoise",
    "forward_backward",
    "hmm_gaussian",
    "mixture",
    "nn",
    "nn_activations",
    "noise",
    "nonlocal_bayes",
    "restoration",
    "sample_chain",
    "spectral",
    "viterbi",
    "viterbi2_batch",
    "viterbi2_lattice",
    "viterbi_batch",
]
