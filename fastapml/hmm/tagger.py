"""``HMMTagger``: a supervised HMM part-of-speech tagger (bigram or TnT trigram).

The model reads each sentence as ``B x_1 .. x_n B`` (first order) or
``B B x_1 .. x_n B`` (second order), where ``B`` is a boundary tag, and
decodes with the exact Viterbi kernels of :mod:`fastapml.hmm.viterbi`.

Two estimators are offered:

* ``smoothing="tnt"`` (Brants 2000): transitions interpolate the unigram,
  bigram (and trigram) relative frequencies with weights found by deleted
  interpolation; known words emit by maximum likelihood, ``P(w | t) =
  n(w, t) / n(t)``; unknown words get a tag distribution from their suffix
  (:mod:`fastapml.hmm.suffix`), inverted with Bayes' rule.
* ``smoothing="add-one"``: Laplace-smoothed transitions and emissions, all
  unknown words sharing one unseen-word class (the textbook baseline).

Either way no unseen word or unseen tag transition can give a sentence
probability zero: every transition has positive probability and every word
has at least one tag with positive emission probability.
"""

import numbers
from itertools import chain

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .. import _archive
from .._dask import is_dask_bag
from .._validation import check_scalar
from . import _tagger_file, tnt
from ._inputs import check_same_lengths, flatten_sentences
from .partitions import decode_sentence_bag, decode_sentence_partitions
from .suffix import SuffixTrie
from .viterbi import viterbi2_batch, viterbi_batch

# (K + 1) ** 3 entries above this make a second-order model too big to build.
MAX_TRIGRAM_ENTRIES = 200_000_000
_SMOOTHINGS = ("tnt", "add-one")


class HMMTagger(BaseEstimator):
    r"""Hidden Markov model part-of-speech tagger.

    :meth:`fit` counts tags, tag n-grams and (word, tag) pairs in tagged
    sentences; :meth:`predict` decodes each sentence, read as
    ``B x_1 .. x_n B`` (order 1) or ``B B x_1 .. x_n B`` (order 2) with
    ``B`` a boundary tag, with the exact Viterbi kernels
    (:func:`~fastapml.hmm.viterbi_batch`, :func:`~fastapml.hmm.viterbi2_batch`).
    Every transition gets positive probability and every word at least one
    tag that can emit it, so no sentence has probability zero.  Sentences
    may also come as a dask bag or as partitions, decoded one dask task per
    partition.

    Parameters
    ----------
    order : {1, 2}, default=2
        1: bigram model :math:`P(t_i \mid t_{i-1})`; 2: trigram model
        :math:`P(t_i \mid t_{i-2}, t_{i-1})` (TnT).  Order 2 builds
        :math:`(K + 1)^3` arrays for K tags and is refused when that exceeds
        2e8 entries.
    smoothing : {"tnt", "add-one"}, default="tnt"
        "tnt": deleted-interpolation transitions, maximum-likelihood
        emissions for known words, the suffix model for unknown words.
        "add-one": add-one transitions and emissions with one class for all
        unknown words.
    suffix_length : int, default=10
        Longest suffix (>= 0) the unknown-word model looks at ("tnt" only).
    rare_max_count : int, default=10
        Words seen at most this often (>= 1) train the suffix model ("tnt"
        only).  If no word is that rare, all words do.

    Attributes
    ----------
    tags_ : unicode array (K,)
        The tag set, sorted; decoded tag ids index it.
    vocabulary_ : dict
        Known word -> row of ``emission_counts_``.
    tag_counts_ : int64 array (K,)
        Training tokens per tag.
    emission_counts_ : scipy.sparse.csr_matrix (n_words, K)
        Training tokens per (word, tag).
    log_start_, log_trans_, log_end_ : arrays (K,), (K, K), (K,)
        Order 1: log P(t | B), log P(t' | t), log P(B | t).
    log_trans2_ : array (K + 1, K + 1, K + 1)
        Order 2: ``log_trans2_[u, v, w] = log P(w | u, v)``, index K is B.
    lambdas_ : float array (order + 1,) or None
        Interpolation weights, lowest order first ("tnt"; None for
        "add-one").
    theta_ : float or None
        Successive-abstraction weight of the suffix model: the standard
        deviation of the tags' relative frequencies ("tnt").
    suffix_lower_, suffix_upper_ : SuffixTrie or None
        Suffix models for words not starting / starting with a capital.

    Examples
    --------
    >>> from fastapml.hmm import HMMTagger
    >>> sentences = [["the", "dog", "runs"], ["a", "cat", "sleeps"]]
    >>> tags = [["DET", "NOUN", "VERB"], ["DET", "NOUN", "VERB"]]
    >>> tagger = HMMTagger(order=2).fit(sentences, tags)
    >>> tagger.predict([["the", "cat", "runs"]])
    [['DET', 'NOUN', 'VERB']]
    """

    def __init__(self, order=2, smoothing="tnt", suffix_length=10, rare_max_count=10):
        self.order = order
        self.smoothing = smoothing
        self.suffix_length = suffix_length
        self.rare_max_count = rare_max_count

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    def _check_params(self):
        check_scalar(self.order, "order", numbers.Integral, low=1, high=2)
        if self.smoothing not in _SMOOTHINGS:
            raise ValueError(
                f"smoothing must be one of {_SMOOTHINGS}, got {self.smoothing!r}"
            )
        check_scalar(self.suffix_length, "suffix_length", numbers.Integral, low=0)
        check_scalar(self.rare_max_count, "rare_max_count", numbers.Integral, low=1)

    def _check_fitted(self):
        check_is_fitted(self, ["tags_", "vocabulary_", "emission_counts_"])

    # ------------------------------------------------------------------
    # learning
    # ------------------------------------------------------------------
    def fit(self, sentences, tags):
        """Estimate the model from tagged sentences.

        Parameters
        ----------
        sentences : list of list of str
            Tokenized sentences.  Empty sentences are ignored.
        tags : list of list of str
            The tag of every token, same shape as ``sentences``.

        Returns
        -------
        self : HMMTagger
            The fitted tagger.
        """
        self._check_params()
        words, lengths = flatten_sentences(sentences, "sentences")
        gold, tag_lengths = flatten_sentences(tags, "tags")
        check_same_lengths(lengths, tag_lengths, "tags")
        if not words:
            raise ValueError("cannot fit on an empty corpus: sentences hold no tokens")
        # ids by first occurrence, then renumbered so tags_ is sorted (a
        # unicode array of every token's tag would be needlessly wide)
        seen = {}
        first_ids = np.fromiter(
            (seen.setdefault(t, len(seen)) for t in gold),
            dtype=np.int64,
            count=len(gold),
        )
        tag_names = np.array(list(seen), dtype=np.str_)
        by_name = np.argsort(tag_names, kind="stable")
        rank = np.empty_like(by_name)
        rank[by_name] = np.arange(by_name.size)
        tag_ids = rank[first_ids]
        tag_names = tag_names[by_name]
        n_tags = tag_names.size
        if self.order == 2 and (n_tags + 1) ** 3 > MAX_TRIGRAM_ENTRIES:
            raise ValueError(
                f"order=2 with {n_tags} tags needs (K + 1)^3 = "
                f"{(n_tags + 1) ** 3:.3g} transition entries (limit "
                f"{MAX_TRIGRAM_ENTRIES:.0e}); use order=1 for a tag set this big"
            )
        vocabulary = {}
        word_ids = np.fromiter(
            (vocabulary.setdefault(w, len(vocabulary)) for w in words),
            dtype=np.int64,
            count=len(words),
        )
        n_words = len(vocabulary)
        emission = sp.csr_matrix(
            (np.ones(word_ids.size), (word_ids, tag_ids)), shape=(n_words, n_tags)
        )
        emission.sum_duplicates()
        self.tags_ = tag_names
        self.vocabulary_ = vocabulary
        self.tag_counts_ = np.bincount(tag_ids, minlength=n_tags)
        self.emission_counts_ = emission

        lengths = lengths[lengths > 0]
        counts = tnt.transition_counts(tag_ids, lengths, n_tags, self.order)
        if self.smoothing == "tnt":
            self.lambdas_ = tnt.deleted_interpolation(counts)
            probs = tnt.interpolated_transitions(counts, self.lambdas_)
            self._fit_suffix_model(list(vocabulary))
        else:
            self.lambdas_ = None
            self.theta_ = None
            self.suffix_lower_ = self.suffix_upper_ = None
            context = counts.sum(axis=-1, keepdims=True)
            probs = (counts + 1.0) / (context + counts.shape[-1])
        self._set_transitions(np.log(probs))
        return self

    def _fit_suffix_model(self, words):
        """Build the capitalized / other suffix tries from the rare words."""
        freq = self.tag_counts_ / self.tag_counts_.sum()
        self.theta_ = float(np.std(freq, ddof=1)) if freq.size > 1 else 0.0
        word_freq = np.asarray(self.emission_counts_.sum(axis=1)).ravel()
        rare = word_freq <= self.rare_max_count
        if not rare.any():
            rare[:] = True
        upper = np.fromiter(
            (w[:1].isupper() for w in words), dtype=bool, count=len(words)
        )
        tries = {}
        for name, mask in (("lower", rare & ~upper), ("upper", rare & upper)):
            rows = np.flatnonzero(mask)
            tries[name] = SuffixTrie.build(
                [words[i] for i in rows],
                self.emission_counts_[rows],
                self.suffix_length,
            )
        # A class without rare words borrows the other class's model.
        if tries["lower"].empty:
            tries["lower"] = tries["upper"]
        if tries["upper"].empty:
            tries["upper"] = tries["lower"]
        self.suffix_lower_, self.suffix_upper_ = tries["lower"], tries["upper"]

    def _set_transitions(self, log_probs):
        """Store (K+1)-tag log transitions in the kernels' layout."""
        for name in ("log_start_", "log_trans_", "log_end_", "log_trans2_"):
            self.__dict__.pop(name, None)
        if log_probs.ndim == 3:
            self.log_trans2_ = np.ascontiguousarray(log_probs)
        else:
            k = log_probs.shape[0] - 1
            self.log_start_ = log_probs[k, :k].copy()
            self.log_trans_ = np.ascontiguousarray(log_probs[:k, :k])
            self.log_end_ = log_probs[:k, k].copy()

    # ------------------------------------------------------------------
    # inference
    # ------------------------------------------------------------------
    def log_emission(self, words):
        """Emission log-probabilities of words, one row per word.

        Known words: log P(w | t) (``-inf`` for a tag never seen with the word
        under "tnt").  Unknown words under "tnt": log(P(t | suffix) / P(t)),
        i.e. log P(w | t) up to a constant per word, which does not change
        any decision; under "add-one": the unseen-word class.

        Parameters
        ----------
        words : list of str
            The words, known or not.

        Returns
        -------
        log_emit : ndarray of shape (len(words), K)
            float64; column k is the tag ``tags_[k]``.
        """
        self._check_fitted()
        return self._log_emission(flatten_sentences([words], "words")[0])

    def _log_emission(self, words):
        known = np.fromiter(
            (self.vocabulary_.get(w, -1) for w in words),
            dtype=np.int64,
            count=len(words),
        )
        table = np.empty((len(words), self.tags_.size))
        is_known = known >= 0
        table[is_known] = self._known_log_emission(known[is_known])
        unknown = np.flatnonzero(~is_known)
        table[unknown] = self._unknown_log_emission([words[i] for i in unknown])
        return table

    def _known_log_emission(self, rows):
        counts = self.emission_counts_[rows].toarray()
        with np.errstate(divide="ignore"):
            if self.smoothing == "tnt":
                return np.log(counts) - np.log(self.tag_counts_)
            n_types = self.emission_counts_.shape[0] + 1  # + unknown class
            return np.log(counts + 1.0) - np.log(self.tag_counts_ + n_types)

    def _unknown_log_emission(self, words):
        n_tags = self.tags_.size
        if self.smoothing != "tnt":
            n_types = self.emission_counts_.shape[0] + 1
            row = -np.log(self.tag_counts_ + n_types)
            return np.tile(row, (len(words), 1))
        probs = np.empty((len(words), n_tags))
        upper = np.fromiter(
            (w[:1].isupper() for w in words), dtype=bool, count=len(words)
        )
        for trie, mask in ((self.suffix_upper_, upper), (self.suffix_lower_, ~upper)):
            rows = np.flatnonzero(mask)
            if rows.size:
                probs[rows] = trie.tag_probs([words[i] for i in rows], self.theta_)
        prior = self.tag_counts_ / self.tag_counts_.sum()
        with np.errstate(divide="ignore"):
            return np.log(probs) - np.log(prior)

    def decode(self, sentences):
        """Most likely tag sequences and their log-probabilities.

        Parameters
        ----------
        sentences : list of list of str, or dask.bag.Bag of lists of str
            Empty sentences are allowed (empty tag list, log-probability 0).
            A bag is decoded lazily, one task per partition; its elements
            are checked when it is computed, with the messages of the list
            case (an index counts from the first sentence of the partition).

        Returns
        -------
        log_probs : float64 array (n_sentences,)
            Joint log-probability of each sentence and its tags, including
            the boundary transitions (for unknown words under "tnt", up to
            the per-word constant of :meth:`log_emission`).  Always finite.
        tags : list of list of str
            For a bag, instead of the two: a lazy ``dask.bag.Bag`` with the
            same partitions and one ``(log_prob, tags)`` pair (a float and a
            list of str) per sentence, since a bag holds one element per
            sentence.  A bag computes on dask's multiprocessing scheduler
            unless a client is current or another scheduler is chosen.

        Examples
        --------
        >>> import dask.bag as db
        >>> tagger = HMMTagger(order=1).fit([["a", "dog", "runs"]],
        ...                                 [["DET", "NOUN", "VERB"]])
        >>> bag = db.from_sequence([["a", "dog"], ["dog", "runs"]], npartitions=2)
        >>> [(round(log_prob, 2), tags) for log_prob, tags in
        ...  tagger.decode(bag).compute(scheduler="threads")]
        [(-3.02, ['DET', 'NOUN']), (-3.02, ['NOUN', 'VERB'])]
        """
        self._check_fitted()
        if is_dask_bag(sentences):
            return decode_sentence_bag(self, sentences, with_log_probs=True)
        return self._decode_sentences(sentences)

    def decode_partitions(self, partitions):
        """:meth:`decode` on each partition of sentences, one dask task each.

        The tasks run on the current ``distributed.Client`` if there is one,
        else on dask's configured scheduler (default: threads); the tagger is
        shipped to the workers once.  Partitions get a method of their own
        because a list of partitions and a list of sentences cannot be told
        apart reliably by their nesting; for a dask bag use :meth:`decode`.

        Parameters
        ----------
        partitions : list of (list of list of str)
            Each partition is a list of sentences (possibly empty).

        Returns
        -------
        list of (log_probs, tags)
            What :meth:`decode` returns for each partition, identical to
            decoding all sentences at once.

        Raises
        ------
        TypeError
            If ``partitions`` or one of its entries is not a list or tuple,
            or (raised from the task) a sentence or token is not a list or a
            str; the message names it as ``partitions[i][j]``.

        Examples
        --------
        >>> tagger = HMMTagger(order=1).fit([["a", "dog", "runs"]],
        ...                                 [["DET", "NOUN", "VERB"]])
        >>> parts = [[["a", "dog"]], [], [["dog", "runs"], []]]
        >>> [tags for _, tags in tagger.decode_partitions(parts)]
        [[['DET', 'NOUN']], [], [['NOUN', 'VERB'], []]]
        """
        self._check_fitted()
        return decode_sentence_partitions(self, partitions)

    def _decode_sentences(self, sentences, name="sentences"):
        """:meth:`_decode` on checked sentences (``name`` is for errors)."""
        return self._decode(*flatten_sentences(sentences, name))

    def _decode(self, words, lengths):
        if not words:
            return np.zeros(lengths.size), [[] for _ in range(lengths.size)]
        # One row per distinct word of this call: known rows come from the
        # sparse counts, each unknown type's row is computed once.
        local = {}
        symbols = np.fromiter(
            (local.setdefault(w, len(local)) for w in words),
            dtype=np.int64,
            count=len(words),
        )
        table = self._log_emission(list(local))
        if self.order == 2:
            paths, log_probs = viterbi2_batch(
                table, lengths, self.log_trans2_, symbols=symbols
            )
        else:
            paths, log_probs = viterbi_batch(
                table,
                lengths,
                self.log_trans_,
                self.log_start_,
                self.log_end_,
                symbols=symbols,
            )
        flat = self.tags_[paths].tolist()
        bounds = np.concatenate(([0], np.cumsum(lengths))).tolist()
        return log_probs, [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:])]

    def predict(self, sentences):
        """Tag sentences.

        Parameters
        ----------
        sentences : list of list of str, or dask.bag.Bag of lists of str
            A bag is tagged lazily, as in :meth:`decode`.

        Returns
        -------
        list of list of str, or dask.bag.Bag
            One tag per token; for a bag, a lazy bag of tag lists with the
            same partitions.

        Examples
        --------
        >>> import dask.bag as db
        >>> tagger = HMMTagger(order=2).fit([["a", "dog", "runs"]],
        ...                                 [["DET", "NOUN", "VERB"]])
        >>> bag = db.from_sequence([["a", "dog"], ["dog", "runs"]], npartitions=2)
        >>> tagger.predict(bag).compute(scheduler="threads")
        [['DET', 'NOUN'], ['NOUN', 'VERB']]
        """
        self._check_fitted()
        if is_dask_bag(sentences):
            return decode_sentence_bag(self, sentences, with_log_probs=False)
        return self._decode_sentences(sentences)[1]

    def predict_partitions(self, partitions):
        """:meth:`predict` on each partition of sentences, one dask task each.

        See :meth:`decode_partitions` (scheduler, errors, why a method of its
        own).

        Parameters
        ----------
        partitions : list of (list of list of str)
            Each partition is a list of sentences (possibly empty).

        Returns
        -------
        list of (list of list of str)
            The tag lists of each partition's sentences.

        Examples
        --------
        >>> tagger = HMMTagger(order=2).fit([["a", "dog", "runs"]],
        ...                                 [["DET", "NOUN", "VERB"]])
        >>> tagger.predict_partitions([[["a", "dog"]], [["dog", "runs"]]])
        [[['DET', 'NOUN']], [['NOUN', 'VERB']]]
        """
        return [tags for _, tags in self.decode_partitions(partitions)]

    def evaluate(self, sentences, tags):
        """Token accuracy overall, on known words and on unknown words.

        Parameters
        ----------
        sentences : list of list of str
            Tokenized sentences.
        tags : list of list of str
            Gold tags, same shape as ``sentences``.

        Returns
        -------
        dict
            ``accuracy``, ``known_accuracy``, ``unknown_accuracy`` (NaN where
            there are no such tokens), ``n_tokens``, ``n_unknown``.
        """
        self._check_fitted()
        words, lengths = flatten_sentences(sentences, "sentences")
        gold, tag_lengths = flatten_sentences(tags, "tags")
        check_same_lengths(lengths, tag_lengths, "tags")
        predicted = list(chain.from_iterable(self._decode(words, lengths)[1]))
        correct = np.fromiter(
            map(str.__eq__, predicted, gold), dtype=bool, count=len(gold)
        )
        known = np.fromiter(
            (w in self.vocabulary_ for w in words), dtype=bool, count=len(words)
        )

        def mean(mask):
            return float(correct[mask].mean()) if mask.any() else float("nan")

        return {
            "accuracy": mean(np.ones_like(known)),
            "known_accuracy": mean(known),
            "unknown_accuracy": mean(~known),
            "n_tokens": int(known.size),
            "n_unknown": int((~known).sum()),
        }

    def score(self, sentences, tags):
        """Token accuracy of :meth:`predict` against gold ``tags``.

        Parameters
        ----------
        sentences : list of list of str
            Tokenized sentences.
        tags : list of list of str
            Gold tags, same shape as ``sentences``.

        Returns
        -------
        accuracy : float
            The fraction of tokens tagged right (``evaluate(...)["accuracy"]``).
        """
        return self.evaluate(sentences, tags)["accuracy"]

    # ------------------------------------------------------------------
    # Files
    # ------------------------------------------------------------------
    def save(self, path):
        """Write the fitted model to ``path``, used as given.

        The file is an ``.npz`` archive of numeric and unicode arrays (see
        :mod:`fastapml._archive`), written to a temporary file and renamed
        into place, so ``path`` is the complete old file, the complete new
        one, or absent.

        Parameters
        ----------
        path : str or os.PathLike
            The file to write.
        """
        self._check_fitted()
        _archive.write(
            path,
            _tagger_file.KIND,
            _tagger_file.to_arrays(self),
            version=_tagger_file.FORMAT_VERSION,
        )

    @classmethod
    def load(cls, path):
        """Read a model written by :meth:`save`, as an instance of ``cls``.

        Nothing is unpickled.

        Parameters
        ----------
        path : str or os.PathLike
            A file written by :meth:`save`.

        Returns
        -------
        tagger : HMMTagger
            The saved tagger, ready to use.

        Raises
        ------
        ValueError
            A ``fastapml._archive.ArchiveError`` naming the file and the
            problem: not an ``.npz``, truncated, pickled members, another kind
            or format version, missing or misshapen arrays.  If ``path`` does
            not exist, it is also a ``FileNotFoundError``.
        """
        return _archive.read(
            path,
            _tagger_file.KIND,
            lambda archive: _tagger_file.from_archive(cls, archive),
            version=_tagger_file.FORMAT_VERSION,
        )
