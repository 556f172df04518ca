"""TnT's suffix model for words never seen in training (Brants 2000, sec. 2.3).

The tag distribution of an unknown word is guessed from its last letters,
learned from the rare words of the training corpus (those seen at most a few
times, which behave most like unseen ones).  For a word with letters
``l_1 .. l_n`` and suffixes up to length m, by successive abstraction::

    P(t | l_{n-i+1} .. l_n) = (P^(t | l_{n-i+1} .. l_n)
                               + theta * P(t | l_{n-i+2} .. l_n)) / (1 + theta)

for i = 1 .. m, starting from the empty suffix's distribution (the tags of
all the rare words), where ``P^`` are relative frequencies and m is the
longest suffix of the word seen in training (at most ``max_len``).

Counts are stored sparsely: one row per distinct suffix in a CSR matrix
(n_suffixes x n_tags), the suffixes as a sorted NumPy unicode array, so a
tag set of thousands of tags costs memory only for the (suffix, tag) pairs
that occur.
"""

from itertools import chain

import numpy as np
import scipy.sparse as sp


def _suffix_lists(words, max_len):
    """Suffixes of lengths 1 .. min(max_len, len(word)) of each word."""
    return [[w[-i:] for i in range(1, min(max_len, len(w)) + 1)] for w in words]


def _flat_suffixes(words, max_len):
    """All suffixes as a unicode array, with their word index and length."""
    lists = _suffix_lists(words, max_len)
    per_word = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = np.array(list(chain.from_iterable(lists)), dtype=np.str_)
    owner = np.repeat(np.arange(len(lists), dtype=np.int64), per_word)
    starts = np.cumsum(per_word) - per_word
    depth = np.arange(flat.size, dtype=np.int64) - np.repeat(starts, per_word) + 1
    return flat, owner, depth


class SuffixTrie:
    """Sparse (suffix, tag) counts of one word class (e.g. capitalized words).

    Parameters
    ----------
    suffixes : unicode array (n_suffixes,)
        Distinct suffixes, sorted.
    counts : scipy.sparse.csr_matrix (n_suffixes, n_tags)
        ``counts[s, t]``: tokens tagged t whose word ends in suffix s.
    root : float array (n_tags,)
        Tag counts of all the words the trie was built from (the empty
        suffix).
    max_len : int
        Longest suffix stored.
    """

    def __init__(self, suffixes, counts, root, max_len):
        self.suffixes = suffixes
        self.counts = counts
        self.root = root
        self.max_len = int(max_len)
        self._totals = np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()

    @property
    def n_tags(self):
        return self.root.shape[0]

    @property
    def empty(self):
        """True when built from no words at all."""
        return not self.root.any()

    @classmethod
    def build(cls, words, word_tag_counts, max_len):
        """Count the tags of every suffix of ``words``.

        Parameters
        ----------
        words : list of str (n_words,)
        word_tag_counts : scipy.sparse matrix (n_words, n_tags)
            How often each word was seen with each tag.
        max_len : int
        """
        word_tag_counts = sp.csr_matrix(word_tag_counts, dtype=np.float64)
        n_tags = word_tag_counts.shape[1]
        root = np.asarray(word_tag_counts.sum(axis=0), dtype=np.float64).ravel()
        flat, owner, _ = _flat_suffixes(words, max_len)
        if flat.size == 0:
            return cls(
                np.array([], dtype=np.str_),
                sp.csr_matrix((0, n_tags), dtype=np.float64),
                root,
                max_len,
            )
        suffixes, inverse = np.unique(flat, return_inverse=True)
        # membership[s, w] = 1 when word w ends in suffix s (once per word:
        # a word's suffixes all have different lengths).
        membership = sp.csr_matrix(
            (np.ones(flat.size), (inverse.ravel(), owner)),
            shape=(suffixes.size, len(words)),
        )
        counts = (membership @ word_tag_counts).tocsr()
        counts.eliminate_zeros()
        counts.sort_indices()
        return cls(suffixes, counts, root, max_len)

    def tag_probs(self, words, theta):
        """P(t | longest known suffix of each word), by successive abstraction.

        Parameters
        ----------
        words : list of str (n_words,)
        theta : float
            Weight of the shorter suffix's distribution at each step.

        Returns
        -------
        probs : float64 array (n_words, n_tags)
            Each row sums to one (zero where no rare word had that tag).
        """
        total = self.root.sum()
        base = (
            self.root / total if total > 0 else np.full(self.n_tags, 1.0 / self.n_tags)
        )
        probs = np.tile(base, (len(words), 1))
        if not words or self.suffixes.size == 0:
            return probs
        flat, owner, depth = _flat_suffixes(words, self.max_len)
        pos = np.searchsorted(self.suffixes, flat)
        pos[pos == self.suffixes.size] = 0
        found = self.suffixes[pos] == flat
        # The stored suffixes are closed under shortening, so the suffixes of
        # a word that are found are exactly those of lengths 1 .. m.
        for i in range(1, self.max_len + 1):
            sel = found & (depth == i)
            if not sel.any():
                break
            rows, ids = owner[sel], pos[sel]
            hat = self.counts[ids].toarray()
            hat /= self._totals[ids, None]
            probs[rows] = (hat + theta * probs[rows]) / (1.0 + theta)
        return probs

    def to_arrays(self, prefix):
        """The trie as plain arrays for a model file, keys starting with prefix."""
        return {
            f"{prefix}suffixes": self.suffixes,
            f"{prefix}data": self.counts.data,
            f"{prefix}indices": self.counts.indices,
            f"{prefix}indptr": self.counts.indptr,
            f"{prefix}root": self.root,
            f"{prefix}max_len": np.array(self.max_len),
        }

    @classmethod
    def from_arrays(cls, arrays, prefix, n_tags):
        """Inverse of :meth:`to_arrays`; raises ValueError on inconsistent data."""
        suffixes = arrays[f"{prefix}suffixes"]
        root = np.asarray(arrays[f"{prefix}root"], dtype=np.float64)
        if suffixes.dtype.kind != "U" or suffixes.ndim != 1:
            raise ValueError(f"{prefix}suffixes must be a 1-D unicode array")
        if root.shape != (n_tags,):
            raise ValueError(
                f"{prefix}root must have shape ({n_tags},), got {root.shape}"
            )
        if suffixes.size > 1 and not (suffixes[1:] > suffixes[:-1]).all():
            raise ValueError(f"{prefix}suffixes must be sorted and distinct")
        if not np.isfinite(root).all() or (root < 0).any():
            raise ValueError(f"{prefix}root must hold non-negative counts")
        max_len = int(arrays[f"{prefix}max_len"])
        if max_len < 0:
            raise ValueError(f"{prefix}max_len must be >= 0, got {max_len}")
        counts = csr_from_arrays(arrays, prefix, (suffixes.size, n_tags))
        return cls(suffixes, counts, root, max_len)


def csr_from_arrays(arrays, prefix, shape):
    """A float64 CSR matrix from saved data/indices/indptr, fully checked."""
    try:
        matrix = sp.csr_matrix(
            (
                np.asarray(arrays[f"{prefix}data"], dtype=np.float64),
                np.asarray(arrays[f"{prefix}indices"]),
                np.asarray(arrays[f"{prefix}indptr"]),
            ),
            shape=shape,
        )
        matrix.check_format(full_check=True)
    except (ValueError, TypeError) as err:
        raise ValueError(f"inconsistent sparse matrix {prefix!r}: {err}") from None
    if matrix.data.size and (
        not np.isfinite(matrix.data).all() or matrix.data.min() < 0
    ):
        raise ValueError(
            f"sparse matrix {prefix!r} holds negative or non-finite counts"
        )
    return matrix
