"""Hidden Markov models: Viterbi decoding, forward-backward, estimators, tagger."""
from .categorical import CategoricalHMM
from .conllu import iter_conllu, read_conllu
from .forward_backward import forward_backward
from .monitor import ConvergenceMonitor
from .tagger import HMMTagger
from .viterbi import viterbi, viterbi2_batch, viterbi_batch

__all__ = ["CategoricalHMM", "ConvergenceMonitor", "HMMTagger",
           "forward_backward", "iter_conllu", "read_conllu", "viterbi",
           "viterbi2_batch", "viterbi_batch"]
