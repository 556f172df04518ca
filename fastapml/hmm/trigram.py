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

import numbers

import numpy as np

from .._validation import check_float_array, check_int_array, check_scalar
from ._inputs import second_order_model
from .tnt import SMOOTHINGS, bigram_table, history_rows, lower_orders

#: Trigram counts above this lose precision as float64 (and their sums with
#: them), so larger totals are refused.
MAX_TOTAL_COUNT = 2**53


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

    def check(self):
        """Validate the arrays; return a table the kernels can trust.

        Returns
        -------
        TrigramTable
            ``history_row`` and ``next_tag`` as int32, ``indptr`` as int64, the
            log-probabilities in one float dtype (float32 only if all are),
            C-contiguous.

        Raises
        ------
        TypeError
            A member does not hold the right kind of numbers (integers for
            the index arrays, real numbers for the log-probabilities).
        ValueError
            A member has the wrong shape, an index is out of range,
            ``indptr`` is not non-decreasing from 0 to ``next_tag.size``,
            ``next_tag`` is not ascending within a row, a row of ``indptr``
            does not belong to exactly one history, or a
            log-probability is NaN or +inf (-inf is allowed).
        """
        floats = (self.log_prob, self.seen_bias, self.log_seen, self.log_unseen)
        dtype = np.dtype(
            np.float32
            if all(np.asarray(a).dtype == np.float32 for a in floats)
            else np.float64
        )
        log_seen, log_unseen = (
            check_float_array(
                a, f"TrigramTable member {n}", 2, dtype, allow_neg_inf=True
            )
            for a, n in zip(floats[2:], _MEMBERS[5:])
        )
        k1 = log_seen.shape[0]
        if k1 < 2 or log_seen.shape != (k1, k1):
            raise ValueError(
                "TrigramTable member log_seen must have shape (K + 1, K + 1) "
                "with K >= 1, "
                f"got {log_seen.shape}"
            )
        if log_unseen.shape != (k1, k1):
            raise ValueError(
                f"TrigramTable member log_unseen must have shape {(k1, k1)} "
                "like log_seen, "
                f"got {log_unseen.shape}"
            )
        if k1 * k1 > np.iinfo(np.int32).max:
            raise ValueError(f"TrigramTable: {k1} states overflow the int32 rows")
        history_row = _index_array(self.history_row, "history_row", np.int32)
        indptr = _index_array(self.indptr, "indptr", np.int64)
        next_tag = _index_array(self.next_tag, "next_tag", np.int32)
        if history_row.size != k1 * k1:
            raise ValueError(
                "TrigramTable member history_row must have "
                f"(K + 1)^2 = {k1 * k1} entries, "
                f"got {history_row.size}"
            )
        if indptr.size == 0 or indptr[0] != 0:
            raise ValueError(
                "TrigramTable member indptr must start at 0 "
                "(n_histories + 1 >= 1 entries)"
            )
        n_hist = indptr.size - 1
        if (np.diff(indptr) < 0).any():
            raise ValueError("TrigramTable member indptr must be non-decreasing")
        if indptr[-1] != next_tag.size:
            raise ValueError(
                "TrigramTable member indptr must end at "
                f"next_tag.size = {next_tag.size}, "
                f"got {indptr[-1]}"
            )
        if history_row.min() < -1 or history_row.max() >= n_hist:
            raise ValueError(
                "TrigramTable member history_row must hold -1 or a row in "
                f"[0, {n_hist}), found {history_row.min()}..{history_row.max()}"
            )
        rows = history_row[history_row >= 0]
        if rows.size != n_hist or (n_hist and np.bincount(rows).max() > 1):
            raise ValueError(
                "TrigramTable member history_row must give each of the "
                f"{n_hist} rows of indptr to exactly one history, "
                f"got {rows.size} seen histories"
            )
        if next_tag.size:
            if next_tag.min() < 0 or next_tag.max() >= k1:
                raise ValueError(
                    f"TrigramTable member next_tag must hold states in [0, {k1}), "
                    f"found {next_tag.min()}..{next_tag.max()}"
                )
            ascending = np.ones(next_tag.size, dtype=bool)
            ascending[1:] = next_tag[1:] > next_tag[:-1]
            ascending[indptr[:-1][indptr[:-1] < next_tag.size]] = True
            if not ascending.all():
                raise ValueError(
                    "TrigramTable member next_tag must be strictly ascending "
                    "within a row"
                )
        log_prob, seen_bias = (
            check_float_array(
                a, f"TrigramTable member {n}", 1, dtype, allow_neg_inf=True
            )
            for a, n in zip(floats[:2], _MEMBERS[3:5])
        )
        if log_prob.size != next_tag.size:
            raise ValueError(
                f"TrigramTable member log_prob must have {next_tag.size} entries like "
                f"next_tag, got {log_prob.size}"
            )
        if seen_bias.size != n_hist:
            raise ValueError(
                f"TrigramTable member seen_bias must have {n_hist} entries (one per "
                f"row of indptr), got {seen_bias.size}"
            )
        return TrigramTable(
            history_row, indptr, next_tag, log_prob, seen_bias, log_seen, log_unseen
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
        check_scalar(n_tags, "n_tags", numbers.Integral, low=1)
        k1 = int(n_tags) + 1
        b = int(n_tags)
        if k1 * k1 > np.iinfo(np.int32).max:
            raise ValueError(f"{n_tags} tags: (K + 1)^2 histories overflow int32")
        keys, counts = _check_counts(keys, counts, k1)
        if smoothing not in SMOOTHINGS:
            raise ValueError(
                f"smoothing must be one of {SMOOTHINGS}, got {smoothing!r}"
            )
        if smoothing == "tnt":
            lambdas = check_float_array(lambdas, "lambdas", 1, np.float64)
            if lambdas.shape != (3,) or (lambdas < 0).any():
                raise ValueError(
                    f"lambdas must be 3 non-negative weights, got {lambdas!r}"
                )
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
        return cls._from_checked_dense(second_order_model(log_trans2))

    @classmethod
    def _from_checked_dense(cls, log_trans2):
        """:meth:`from_dense` on a table that already passed its checks."""
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


_MEMBERS = (
    "history_row",
    "indptr",
    "next_tag",
    "log_prob",
    "seen_bias",
    "log_seen",
    "log_unseen",
)


def _index_array(value, name, dtype):
    """A 1-D integer member of a table as ``dtype`` (no bool, no overflow)."""
    arr = check_int_array(value, f"TrigramTable member {name}", 1, allow_bool=False)
    info = np.iinfo(dtype)
    if arr.size and (arr.min() < info.min or arr.max() > info.max):
        raise ValueError(
            f"TrigramTable member {name} holds {arr.max()}, "
            f"out of range for {info.dtype}"
        )
    return arr.astype(dtype, copy=False)


def _check_counts(keys, counts, k1):
    """Sorted trigram codes in ``[0, k1^3)`` and their positive counts."""
    keys = check_int_array(keys, "keys", 1, allow_bool=False)
    counts = check_int_array(counts, "counts", 1, allow_bool=False)
    if keys.size == 0:
        raise ValueError("keys must not be empty: no trigram counts to estimate from")
    if counts.shape != keys.shape:
        raise ValueError(
            f"counts must have one entry per key ({keys.size}), got {counts.size}"
        )
    if keys.min() < 0 or keys.max() >= k1**3:
        raise ValueError(
            f"keys must be trigram codes in [0, (K + 1)^3 = {k1**3}), "
            f"found {keys.min()}..{keys.max()}"
        )
    if (np.diff(keys) <= 0).any():
        raise ValueError("keys must be strictly ascending (sorted, no duplicates)")
    if counts.min() < 1:
        raise ValueError(f"counts must be positive, found {counts.min()}")
    if counts.max() > MAX_TOTAL_COUNT or counts.sum(dtype=np.float64) > MAX_TOTAL_COUNT:
        raise ValueError(
            f"counts are too large: their total must stay below 2**53, "
            f"found {counts.max()} in one entry"
        )
    return keys, counts


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
