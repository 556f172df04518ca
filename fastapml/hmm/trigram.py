"""Second-order (trigram) log transitions stored by the histories seen.

A tag set of K tags has ``(K + 1)^3`` trigrams (index K is the boundary),
1.7e9 for K = 1,182, but a treebank shows only a few hundred thousand.
:class:`TrigramTable` keeps those in CSR form, one row per history ``(u, v)``
seen in training, and two dense ``(K + 1)^2`` tables for the rest::

    log P(w | u, v) = log_prob[j]                      if (u, v, w) was seen (entry j)
                    = seen_bias[h] + log_seen[v, w]    if only (u, v) was (row h)
                    = log_unseen[v, w]                 otherwise

With TnT's deleted interpolation ``P = l3 P^(w|u,v) + l2 P^(w|v) + l1 P^(w)``
an unseen trigram of a seen history keeps only the lower orders, which
depend on (v, w) alone; an unseen history falls back to the bigram estimate
for its trigram term.  Add-one needs a per-history denominator (the bias);
maximum likelihood gives unseen events ``-inf``.  Memory is O(trigrams seen
+ K^2), and :meth:`TrigramTable.dense` builds the full table with the very
same floating-point values, which is what makes the lattice decoder and the
dense one agree bit for bit.
"""

import numpy as np

from .tnt import bigram_table, history_rows, lower_orders


class TrigramTable:
    """Sparse second-order log transitions (see the module docstring).

    Parameters
    ----------
    history_row : int32 array ((K + 1) * (K + 1),)
        Row of history ``(u, v)`` at ``u * (K + 1) + v``, or -1 if unseen.
    indptr : int64 array (n_histories + 1,)
        CSR row offsets into ``next_tag`` and ``log_prob``.
    next_tag : int32 array (n_trigrams,)
        The w of each seen trigram, ascending within a row.
    log_prob : float array (n_trigrams,)
        Its log-probability.
    seen_bias : float array (n_histories,)
        Per-history term of an unseen trigram's log-probability.
    log_seen, log_unseen : float arrays (K + 1, K + 1)
        The (v, w) terms for unseen trigrams of seen and unseen histories.
    """

    def __init__(
        self, history_row, indptr, next_tag, log_prob, seen_bias, log_seen, log_unseen
    ):
        self.history_row = history_row
        self.indptr = indptr
        self.next_tag = next_tag
        self.log_prob = log_prob
        self.seen_bias = seen_bias
        self.log_seen = log_seen
        self.log_unseen = log_unseen

    @property
    def n_states(self):
        """K + 1: the tags and the boundary."""
        return self.log_seen.shape[0]

    @property
    def dtype(self):
        """The floating-point type of the log-probabilities."""
        return self.log_prob.dtype

    @property
    def nbytes(self):
        """Memory held by the arrays."""
        return sum(a.nbytes for a in self.arrays())

    def arrays(self):
        """The arrays in the kernels' argument order.

        Returns
        -------
        tuple of arrays
            ``history_row, indptr, next_tag, log_prob, seen_bias, log_seen,
            log_unseen``.
        """
        return (
            self.history_row,
            self.indptr,
            self.next_tag,
            self.log_prob,
            self.seen_bias,
            self.log_seen,
            self.log_unseen,
        )

    def astype(self, dtype):
        """The table with its log-probabilities in another float type.

        Parameters
        ----------
        dtype : numpy dtype
            float32 or float64.

        Returns
        -------
        TrigramTable
            Sharing the integer arrays with this one.
        """
        return TrigramTable(
            self.history_row,
            self.indptr,
            self.next_tag,
            *(np.asarray(a, dtype=dtype) for a in self.arrays()[3:]),
        )

    @classmethod
    def from_counts(cls, keys, counts, n_tags, smoothing, lambdas=None):
        """Estimate the table from trigram counts.

        Parameters
        ----------
        keys, counts : int64 arrays (n_types,)
            Sorted trigram codes ``(u * (K + 1) + v) * (K + 1) + w`` and
            their counts (:func:`fastapml.hmm.tnt.ngram_counts`).
        n_tags : int
            K.
        smoothing : {"tnt", "add-one", "mle"}
            Deleted interpolation with ``lambdas`` (unigram, bigram, trigram
            weights), add-one, or relative frequencies.
        lambdas : float array (3,), optional
            The "tnt" weights.

        Returns
        -------
        TrigramTable
            float64.  The start history ``(B, B)`` gives the boundary no mass
            (:func:`fastapml.hmm.tnt.drop_empty_sentence`).
        """
        k1 = n_tags + 1
        b = n_tags
        if k1 * k1 > np.iinfo(np.int32).max:
            raise ValueError(f"{n_tags} tags: (K + 1)^2 histories overflow int32")
        histories, indptr = history_rows(keys, k1)
        history_row = np.full(k1 * k1, -1, dtype=np.int32)
        history_row[histories] = np.arange(histories.size, dtype=np.int32)
        next_tag = (keys % k1).astype(np.int32)
        v = (keys // k1) % k1
        f = counts.astype(np.float64)
        context = np.repeat(np.add.reduceat(f, indptr[:-1]), np.diff(indptr))
        seen_bias = np.zeros(histories.size)
        start = history_row[b * k1 + b]
        if start < 0:
            raise ValueError("the trigram counts hold no sentence start (B, B, t)")
        start_entries = slice(indptr[start], indptr[start + 1])
        with np.errstate(divide="ignore"):
            if smoothing == "tnt":
                prob, seen, unseen = _interpolated(
                    keys, f, context, v, next_tag, n_tags, lambdas
                )
                # condition the start history on a non-empty sentence
                z = 1.0 - seen[b, b]
                prob[start_entries] /= z
                seen[b] /= z
                seen[b, b] = 0.0
                log_seen, log_unseen = (
                    np.log(seen, out=seen),
                    np.log(unseen, out=unseen),
                )
            elif smoothing == "add-one":
                den = np.add.reduceat(f, indptr[:-1]) + k1
                den[start] -= 1.0  # the start history has K outcomes
                prob = (f + 1.0) / np.repeat(den, np.diff(indptr))
                seen_bias = np.log(1.0 / den)
                log_seen = np.zeros((k1, k1))
                log_seen[b, b] = -np.inf
                log_unseen = np.full((k1, k1), np.log(1.0 / k1))
            else:
                prob = f / context
                log_seen = np.full((k1, k1), -np.inf)
                log_unseen = np.full((k1, k1), -np.inf)
            log_prob = np.log(prob)
        return cls(
            history_row, indptr, next_tag, log_prob, seen_bias, log_seen, log_unseen
        )

    @classmethod
    def from_dense(cls, log_trans2):
        """Every trigram of a dense (K + 1)^3 table stored as seen.

        Parameters
        ----------
        log_trans2 : float array (K + 1, K + 1, K + 1)
            ``log_trans2[u, v, w] = log P(w | u, v)``.

        Returns
        -------
        TrigramTable
            Of the same dtype; :meth:`dense` gives ``log_trans2`` back.
        """
        k1 = log_trans2.shape[0]
        n_hist = k1 * k1
        empty = np.full((k1, k1), -np.inf, dtype=log_trans2.dtype)
        return cls(
            np.arange(n_hist, dtype=np.int32),
            np.arange(0, n_hist * k1 + 1, k1, dtype=np.int64),
            np.tile(np.arange(k1, dtype=np.int32), n_hist),
            np.ascontiguousarray(log_trans2).reshape(-1).copy(),
            np.zeros(n_hist, dtype=log_trans2.dtype),
            empty,
            empty.copy(),
        )

    def dense(self):
        """The full ``(K + 1)^3`` table ``log P(w | u, v)``, value for value.

        Returns
        -------
        log_trans2 : array (K + 1, K + 1, K + 1)
            In the table's dtype; each entry is computed exactly as the
            lattice kernel computes it.
        """
        k1 = self.n_states
        out = np.empty((k1, k1, k1), dtype=self.dtype)
        out[...] = self.log_unseen[None]
        seen = np.flatnonzero(self.history_row >= 0)
        u, v = np.divmod(seen, k1)
        rows = self.history_row[seen]
        out[u, v] = self.seen_bias[rows, None] + self.log_seen[v]
        code = np.empty(rows.size, dtype=np.int64)
        code[rows] = seen
        entry = np.repeat(code, np.diff(self.indptr)) * k1 + self.next_tag
        out.reshape(-1)[entry] = self.log_prob
        return out


def _interpolated(keys, f, context, v, w, n_tags, lambdas):
    """TnT's probabilities of the seen trigrams, and the (v, w) tables of the
    unseen ones for seen and unseen histories (the sums in the order of the
    dense formula ``l3 P3 + l2 P2 + l1 P1``, so both agree to the bit)."""
    l1, l2, l3 = lambdas
    p1, p2 = lower_orders(bigram_table(keys, f, n_tags))
    prob = l3 * (f / context) + l2 * p2[v, w] + l1 * p1[w]
    seen = np.multiply(p2, l2)
    seen += l1 * p1
    unseen = np.multiply(p2, l3)
    p2 *= l2
    unseen += p2
    unseen += l1 * p1
    return prob, seen, unseen
