"""Hidden Markov models: Viterbi decoding, forward-backward, estimators, tagger."""
from .categorical import CategoricalHMM
from .forward_backward import forward_backward
from .monitor import ConvergenceMonitor
from .viterbi import viterbi, viterbi2_batch, viterbi_batch

__all__ = ["CategoricalHMM", "ConvergenceMonitor", "forward_backward",
           "viterbi", "viterbi2_batch", "viterbi_batch"]
