"""Hidden Markov models: Viterbi decoding, forward-backward, estimators, tagger.

The estimators (``CategoricalHMM``, ``HMMTagger``) are imported on first use,
so code that only decodes does not pay for importing scikit-learn.
"""
import importlib

from .conllu import iter_conllu, read_conllu
from .forward_backward import forward_backward
from .partitions import viterbi2_partitions, viterbi_partitions
from .viterbi import viterbi, viterbi2_batch, viterbi_batch

_LAZY = {"CategoricalHMM": ".categorical", "ConvergenceMonitor": ".monitor",
         "HMMTagger": ".tagger"}

__all__ = ["CategoricalHMM", "ConvergenceMonitor", "HMMTagger",
           "forward_backward", "iter_conllu", "read_conllu", "viterbi",
           "viterbi2_batch", "viterbi2_partitions", "viterbi_batch",
           "viterbi_partitions"]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
