"""``HMMTagger``: a supervised HMM part-of-speech tagger (bigram or TnT trigram).

The model reads each sentence as ``B x_1 .. x_n B`` (first order) or
``B B x_1 .. x_n B`` (second order), where ``B`` is a boundary tag, and
decodes with the exact Viterbi kernels of :mod:`fastapml.hmm.viterbi` or,
for big tag sets, over a lattice of candidate tags
(:mod:`fastapml.hmm.lattice`).

Three estimators are offered:

* ``smoothing="tnt"`` (Brants 2000): transitions interpolate the unigram,
  bigram (and trigram) relative frequencies with weights found by deleted
  interpolation; known words emit by maximum likelihood, ``P(w | t) =
  n(w, t) / n(t)``; unknown words get a tag distribution from the suffix
  model of their shape (:mod:`fastapml.hmm.unknown`), inverted with Bayes'
  rule.
* ``smoothing="add-one"``: Laplace-smoothed transitions and emissions, all
  unknown words sharing one unseen-word class (the textbook baseline).
* ``smoothing="mle"``: the course's unsmoothed relative frequencies; unseen
  events have probability 0.

Under the first two no unseen word or transition gives a sentence
probability zero.  Under "mle" a sentence the model cannot generate gets
log-probability ``-inf`` and each word its most likely tag on its own.
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
from . import _emissions, _tagger_file, tnt
from ._inputs import check_same_lengths, flatten_sentences, sequence_offsets
from .lattice import decode_lattice
from .partitions import decode_sentence_bag, decode_sentence_partitions
from .trigram import TrigramTable
from .unknown import SHAPES, fit_suffix_tries
from .viterbi import viterbi2_batch, viterbi_batch

# (K + 1) ** 3 entries above this make a dense second-order table too big.
MAX_TRIGRAM_ENTRIES = 200_000_000
# decoder="auto" decodes a second-order model densely up to this many
# (K + 1) ** 3 entries and over the candidate lattice beyond (see
# docs/design/kernels.rst for the measurement behind it).
DENSE_MAX_ENTRIES = 64
_DECODERS = ("auto", "dense", "lattice")


class HMMTagger(BaseEstimator):
    r"""Hidden Markov model part-of-speech tagger.

    :meth:`fit` counts tags, tag n-grams and (word, tag) pairs in tagged
    sentences; :meth:`predict` decodes each sentence, read as
    ``B x_1 .. x_n B`` (order 1) or ``B B x_1 .. x_n B`` (order 2) with
    ``B`` a boundary tag, with the exact Viterbi kernels
    (:func:`~fastapml.hmm.viterbi_batch`, :func:`~fastapml.hmm.viterbi2_batch`)
    or, for a big tag set, the second-order Viterbi over a lattice of
    candidate tags (:func:`~fastapml.hmm.viterbi2_lattice`).  Sentences may
    also come as a dask bag or as partitions, decoded one dask task per
    partition.

    Parameters
    ----------
    order : {1, 2}, default=2
        1: bigram model :math:`P(t_i \mid t_{i-1})`; 2: trigram model
        :math:`P(t_i \mid t_{i-2}, t_{i-1})` (TnT), whose trigrams are
        stored sparsely (:class:`~fastapml.hmm.TrigramTable`), so any tag
        set fits.
    smoothing : {"tnt", "add-one", "mle"}, default="tnt"
        "tnt": deleted-interpolation transitions, maximum-likelihood
        emissions for known words, the suffix model for unknown words.
        "add-one": add-one transitions and emissions with one class for all
        unknown words.  "mle": relative frequencies, nothing smoothed.
    suffix_length : int, default=10
        Longest suffix (>= 0) the unknown-word model looks at ("tnt" only).
    rare_max_count : int, default=10
        Words seen at most this often (>= 1) train the suffix model ("tnt"
        only); a word shape without rare words (numbers, punctuation,
        capitalized, other) trains on all its words.
    decoder : {"auto", "dense", "lattice"}, default="auto"
        Order 2 only.  "dense": exact Viterbi over all :math:`(K + 1)^3`
        transitions (refused beyond 2e8 entries).  "lattice": exact Viterbi
        over each word's candidate tags: the tags seen with a known word (the
        only ones its emission allows under "tnt" and "mle"; under "add-one"
        the others are left out), the most probable tags of an unknown one
        (``candidate_mass``, ``max_candidates``).  "auto": dense while
        :math:`(K + 1)^3` is at most 64 (K <= 3), else the lattice, which
        is faster from there on (the numbers are in the design notes).
    candidate_mass : float, default=0.999
        An unknown word's candidates are its most probable tags, best first,
        until they hold this share (in (0, 1]) of its probability.
    max_candidates : int, default=64
        At most this many (>= 1) candidates for an unknown word.
    beam : float or None, default=None
        Lattice decoder only: drop, at each word, the tag pairs scoring more
        than ``beam`` (>= 0) below its best pair (TnT's beam; faster,
        no longer exact).  None: exact.

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
    ngram_keys_, ngram_counts_ : int64 arrays (n_types,)
        The tag n-grams seen (:func:`fastapml.hmm.tnt.ngram_counts`, codes
        over K + 1 tags, index K the boundary) and their counts.
    decoder_ : {"dense", "lattice"}
        The decoder in use.
    log_start_, log_trans_, log_end_ : arrays (K,), (K, K), (K,)
        Order 1: log P(t | B), log P(t' | t), log P(B | t).
    trigram_ : TrigramTable
        Order 2: ``log P(w | u, v)`` over K + 1 tags, index K is B.
    log_trans2_ : array (K + 1, K + 1, K + 1)
        Order 2 with the dense decoder: ``trigram_.dense()``.
    lambdas_ : float array (order + 1,) or None
        Interpolation weights, lowest order first ("tnt"; None otherwise).
    theta_ : float or None
        Successive-abstraction weight of the suffix model: the standard
        deviation of the tags' relative frequencies ("tnt").
    suffix_lower_, suffix_upper_, suffix_number_, suffix_punct_ : SuffixTrie or None
        Suffix models of unknown words by shape
        (:func:`fastapml.hmm.unknown.word_shape`; "tnt").
    tagset_ : str, optional
        The CoNLL-U tag set of the training data ("upos", "xpos",
        "upos+feats"), when known: ``fastapml tag train`` sets it, the model
        file keeps it, and ``tag eval`` refuses another.

    Examples
    --------
    >>> from fastapml.hmm import HMMTagger
    >>> sentences = [["the", "dog", "runs"], ["a", "cat", "sleeps"]]
    >>> tags = [["DET", "NOUN", "VERB"], ["DET", "NOUN", "VERB"]]
    >>> tagger = HMMTagger(order=2).fit(sentences, tags)
    >>> tagger.predict([["the", "cat", "runs"]])
    [['DET', 'NOUN', 'VERB']]
    """

    def __init__(
        self,
        order=2,
        smoothing="tnt",
        suffix_length=10,
        rare_max_count=10,
        decoder="auto",
        candidate_mass=0.999,
        max_candidates=64,
        beam=None,
    ):
        self.order = order
        self.smoothing = smoothing
        self.suffix_length = suffix_length
        self.rare_max_count = rare_max_count
        self.decoder = decoder
        self.candidate_mass = candidate_mass
        self.max_candidates = max_candidates
        self.beam = beam

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    def _check_params(self):
        check_scalar(self.order, "order", numbers.Integral, low=1, high=2)
        for name, value, allowed in (
            ("smoothing", self.smoothing, tnt.SMOOTHINGS),
            ("decoder", self.decoder, _DECODERS),
        ):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
        check_scalar(self.suffix_length, "suffix_length", numbers.Integral, low=0)
        check_scalar(self.rare_max_count, "rare_max_count", numbers.Integral, low=1)
        check_scalar(
            self.candidate_mass, "candidate_mass", numbers.Real, low=0.0, high=1.0
        )
        if not self.candidate_mass > 0:
            raise ValueError(f"candidate_mass must be > 0, got {self.candidate_mass!r}")
        check_scalar(self.max_candidates, "max_candidates", numbers.Integral, low=1)
        if self.beam is not None:
            check_scalar(self.beam, "beam", numbers.Real, low=0.0)

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
        self._resolve_decoder(tag_names.size)
        vocabulary = {}
        word_ids = np.fromiter(
            (vocabulary.setdefault(w, len(vocabulary)) for w in words),
            dtype=np.int64,
            count=len(words),
        )
        emission = sp.csr_matrix(
            (np.ones(word_ids.size), (word_ids, tag_ids)),
            shape=(len(vocabulary), tag_names.size),
        )
        emission.sum_duplicates()
        self.tags_ = tag_names
        self.vocabulary_ = vocabulary
        self.tag_counts_ = np.bincount(tag_ids, minlength=tag_names.size)
        self.emission_counts_ = emission
        self.ngram_keys_, self.ngram_counts_ = tnt.ngram_counts(
            tag_ids, lengths[lengths > 0], tag_names.size, self.order
        )
        self._estimate()
        return self

    def _resolve_decoder(self, n_tags):
        """Set ``decoder_`` for K tags; refuse a dense table too big to build."""
        entries = (n_tags + 1) ** 3
        if self.order == 1:
            self.decoder_ = "dense"
        elif self.decoder == "auto":
            self.decoder_ = "dense" if entries <= DENSE_MAX_ENTRIES else "lattice"
        elif self.decoder == "dense" and entries > MAX_TRIGRAM_ENTRIES:
            raise ValueError(
                f"decoder='dense' with {n_tags} tags needs (K + 1)^3 = "
                f"{entries:.3g} transition entries (limit "
                f"{MAX_TRIGRAM_ENTRIES:.0e}); use decoder='lattice' or 'auto'"
            )
        else:
            self.decoder_ = self.decoder

    def _estimate(self, refit_suffixes=True):
        """Transitions (and unless told not to, the unknown-word model) from
        the counts; :meth:`fit` and :meth:`load` both use it."""
        n_tags = self.tags_.size
        keys, counts = self.ngram_keys_, self.ngram_counts_
        self.lambdas_ = self.theta_ = None
        if refit_suffixes:
            for shape in SHAPES:
                setattr(self, f"suffix_{shape}_", None)
        if self.smoothing == "tnt":
            self.lambdas_ = tnt.deleted_interpolation(keys, counts, n_tags, self.order)
            freq = self.tag_counts_ / self.tag_counts_.sum()
            self.theta_ = float(np.std(freq, ddof=1)) if freq.size > 1 else 0.0
        if self.smoothing == "tnt" and refit_suffixes:
            tries = fit_suffix_tries(
                list(self.vocabulary_),
                self.emission_counts_,
                self.rare_max_count,
                self.suffix_length,
            )
            for shape, trie in tries.items():
                setattr(self, f"suffix_{shape}_", trie)
        for name in ("log_start_", "log_trans_", "log_end_", "trigram_", "log_trans2_"):
            self.__dict__.pop(name, None)
        if self.order == 2:
            self.trigram_ = TrigramTable.from_counts(
                keys, counts, n_tags, self.smoothing, self.lambdas_
            )
            if self.decoder_ == "dense":
                self.log_trans2_ = self.trigram_.dense()
            return
        with np.errstate(divide="ignore"):
            log_probs = np.log(
                tnt.first_order_transitions(
                    keys, counts, n_tags, self.smoothing, self.lambdas_
                )
            )
        self.log_start_ = log_probs[n_tags, :n_tags].copy()
        self.log_trans_ = np.ascontiguousarray(log_probs[:n_tags, :n_tags])
        self.log_end_ = log_probs[:n_tags, n_tags].copy()

    # ------------------------------------------------------------------
    # inference
    # ------------------------------------------------------------------
    def log_emission(self, words):
        """Emission log-probabilities of words, one row per word.

        Known words: log P(w | t) (``-inf`` for a tag never seen with the word
        under "tnt" and "mle").  Unknown words under "tnt": log(P(t | suffix)
        / P(t)), i.e. log P(w | t) up to a constant per word, which does not
        change any decision; under "add-one": the unseen-word class; under
        "mle": ``-inf``.

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
        return _emissions.log_emission(self, flatten_sentences([words], "words")[0])

    def candidate_lattice(self, words):
        """Each word's candidate tags and their emission log-probabilities.

        A known word's candidates are the tags it was seen with; an unknown
        word's are its most probable tags, best first, until they hold
        ``candidate_mass`` of its probability, at most ``max_candidates``.
        These are the states the lattice decoder considers.

        Parameters
        ----------
        words : list of str
            The words, known or not.

        Returns
        -------
        cand_ptr : int64 array (len(words) + 1,)
            Word i's candidates are entries ``cand_ptr[i]:cand_ptr[i + 1]``.
        cand_tag : int64 array (cand_ptr[-1],)
            Tag ids (indexing ``tags_``), ascending per word.
        cand_emit : float64 array (cand_ptr[-1],)
            Their emission log-probabilities, as in :meth:`log_emission`.

        Examples
        --------
        >>> tagger = HMMTagger().fit([["a", "run", "runs"], ["run"]],
        ...                          [["DET", "NOUN", "VERB"], ["VERB"]])
        >>> ptr, tag, _ = tagger.candidate_lattice(["run", "a"])
        >>> [tagger.tags_[tag[i:j]].tolist() for i, j in zip(ptr[:-1], ptr[1:])]
        [['NOUN', 'VERB'], ['DET']]
        """
        self._check_fitted()
        return _emissions.candidates(self, flatten_sentences([words], "words")[0])

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
            the per-word constant of :meth:`log_emission`).  Finite except
            under "mle", where a sentence the model cannot generate gets
            ``-inf`` and each word its most likely tag on its own.
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
        [(-2.89, ['DET', 'NOUN']), (-2.89, ['NOUN', 'VERB'])]
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
        types = list(local)
        if self.order == 2 and self.decoder_ == "lattice":
            _, offsets = sequence_offsets(lengths, symbols.size)
            beam = np.inf if self.beam is None else float(self.beam)
            paths, log_probs = decode_lattice(
                symbols,
                offsets,
                *_emissions.candidates(self, types),
                self.trigram_,
                beam,
            )
        elif self.order == 2:
            table = _emissions.log_emission(self, types)
            paths, log_probs = viterbi2_batch(
                table, lengths, self.log_trans2_, symbols=symbols
            )
        else:
            table = _emissions.log_emission(self, types)
            paths, log_probs = viterbi_batch(
                table,
                lengths,
                self.log_trans_,
                self.log_start_,
                self.log_end_,
                symbols=symbols,
            )
        impossible = np.repeat(log_probs == -np.inf, lengths)
        if impossible.any():
            paths[impossible] = _emissions.own_best_tags(self, types)[
                symbols[impossible]
            ]
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
