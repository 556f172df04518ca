"""Hidden Markov models: Viterbi decoding, forward-backward, estimators, tagger.

The estimators (``CategoricalHMM``, ``HMMTagger``) are imported on first use,
so code that only decodes does not pay for importing scikit-learn.
"""

from .._lazy import attach
from .conllu import iter_conllu, read_conllu
from .forward_backward import forward_backward
from .lattice import viterbi2_lattice
from .partitions import viterbi2_partitions, viterbi_partitions
from .trigram import TrigramTable
from .viterbi import viterbi, viterbi2_batch, viterbi_batch

__getattr__, __dir__, _ = attach(
    __name__,
    names={
        "categorical": ["CategoricalHMM"],
        "gaussian": ["GaussianHMM"],
        "gmm": ["GMMHMM"],
        "monitor": ["ConvergenceMonitor"],
        "tagger": ["HMMTagger"],
    },
)
__all__ = [
    "CategoricalHMM",
    "ConvergenceMonitor",
    "GMMHMM",
    "GaussianHMM",
    "HMMTagger",
    "TrigramTable",
    "forward_backward",
    "iter_conllu",
    "read_conllu",
    "viterbi",
    "viterbi2_batch",
    "viterbi2_lattice",
    "viterbi2_partitions",
    "viterbi_batch",
    "viterbi_partitions",
]
