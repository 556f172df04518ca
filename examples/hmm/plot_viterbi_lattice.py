"""
Tagging a sentence and drawing its Viterbi lattice
==================================================

A first-order :class:`fastapml.hmm.HMMTagger` is trained on a small tagged
corpus sampled from a known HMM and tags a sentence, and the dynamic
programme behind the answer is drawn: one node per (tag, position), coloured
by the best log-score of any path that ends there, with the back-pointers and
the winning path on top.
"""

# %%
# Train a tagger and tag a sentence
# ---------------------------------
# :func:`fastapml.hmm.synthetic.sample_corpus` draws sentences from a known
# HMM over ten coarse part-of-speech tags; its words are made-up stems with
# tag-typical endings.  ``order=1`` gives a bigram model whose log-parameters
# are the attributes ``log_start_``, ``log_trans_`` and ``log_end_``.
import matplotlib.pyplot as plt
import numpy as np

from fastapml.hmm import HMMTagger, viterbi
from fastapml.hmm.synthetic import sample_corpus

sentences, tags = sample_corpus(2000, seed=0)
tagger = HMMTagger(order=1).fit(sentences, tags)
held_out, gold = sample_corpus(200, seed=1)
print({k: round(v, 3) for k, v in tagger.evaluate(held_out, gold).items()})

# %%
# The sentence below is written by hand: apart from ``that``, ``to``, ``the``
# and ``.``, its words are unknown to the tagger, which guesses their tags from
# their suffixes and capitals (``-s`` can end a noun or a verb, ``that`` can
# be a determiner or a pronoun), and the transitions settle the rest.
words = ["that", "Kamor", "runs", "quickly", "to", "the", "famous", "stations", "."]
predicted = tagger.predict([words])[0]
print(" ".join(f"{w}/{t}" for w, t in zip(words, predicted)))

# %%
# The lattice
# -----------
# The tagger does not keep its lattice, so the recursion is written out here
# on its log-parameters:
#
# .. math::
#
#    \delta_0(j) = \log\pi_j + \log b_j(w_0), \qquad
#    \delta_t(j) = \max_i\,[\delta_{t-1}(i) + \log a_{ij}] + \log b_j(w_t),
#
# with back-pointer :math:`\psi_t(j)` the maximizing :math:`i`.
# :meth:`~fastapml.hmm.HMMTagger.log_emission` gives the rows
# :math:`\log b_j(w_t)`.
log_emit = tagger.log_emission(words)
log_trans, log_start, log_end = tagger.log_trans_, tagger.log_start_, tagger.log_end_
n_words, n_tags = log_emit.shape

delta = np.empty((n_words, n_tags))
back = np.zeros((n_words, n_tags), dtype=int)
delta[0] = log_start + log_emit[0]
for t in range(1, n_words):
    scores = delta[t - 1][:, None] + log_trans  # (from, to)
    back[t] = scores.argmax(axis=0)
    delta[t] = scores.max(axis=0) + log_emit[t]

path = np.empty(n_words, dtype=int)
path[-1] = np.argmax(delta[-1] + log_end)
for t in range(n_words - 1, 0, -1):
    path[t - 1] = back[t, path[t]]

# %%
# The same path and log-probability come out of :func:`fastapml.hmm.viterbi`,
# the compiled decoder the tagger runs.
fast_path, log_prob = viterbi(log_emit, log_trans, log_start, log_end)
print("same path as fastapml.hmm.viterbi:", np.array_equal(path, fast_path))
print(f"log-probability: {log_prob:.3f} (lattice: {np.max(delta[-1] + log_end):.3f})")

# %%
# Each column is shown relative to its best node, so the colour says how far
# behind the leader each tag is at that position (white: impossible, a known
# word never seen with that tag, or a tag the suffix model rules out).  Thin
# grey lines are the back-pointers of every reachable node; the red line is
# the Viterbi path.
gap = delta - delta.max(axis=1, keepdims=True)
fig, ax = plt.subplots(figsize=(9, 4), layout="constrained")
image = ax.imshow(
    np.where(np.isfinite(gap), gap, np.nan).T,
    cmap="viridis",
    vmin=-25,
    vmax=0,
    aspect="auto",
    origin="lower",
)
for t in range(1, n_words):
    for j in np.flatnonzero(np.isfinite(delta[t])):
        ax.plot([t - 1, t], [back[t, j], j], color="0.45", lw=0.7, zorder=1)
ax.plot(np.arange(n_words), path, "o-", color="tab:red", lw=2, ms=6, zorder=2)
ax.set_xticks(np.arange(n_words), words, rotation=30, ha="right")
ax.set_yticks(np.arange(n_tags), tagger.tags_)
ax.set_xlabel("position (word)")
ax.set_ylabel("tag")
ax.set_title("Viterbi lattice: best log-score per node, relative to the column best")
fig.colorbar(image, ax=ax, label=r"$\delta_t(j) - \max_k \delta_t(k)$")
plt.show()
