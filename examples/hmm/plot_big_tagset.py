"""
A trigram tagger for a big tag set: the candidate lattice
=========================================================

Morphological tag sets (``NOUN|Gender=Fem|Number=Plur``, ...) have hundreds
to thousands of tags; a dense trigram table over K tags has
:math:`(K+1)^3` entries and a dense second-order Viterbi costs :math:`K^3`
per word.  :class:`fastapml.hmm.HMMTagger` stores only the trigrams it has
seen and decodes over each word's candidate tags
(:func:`fastapml.hmm.viterbi2_lattice`), exactly within that lattice.  This
example builds a corpus with 240 tags, looks at the lattice of one sentence,
and compares the second-order tagger with the first-order one.
"""

# %%
# A corpus with a big tag set
# ---------------------------
# Part-of-speech tags come from the synthetic corpus of
# :mod:`fastapml.hmm.synthetic` (ten universal tags); each token also gets a
# feature ``F<k>`` of 24 values that usually repeats the previous token's
# (agreement, which a trigram model can follow), written into the word as a
# suffix, as inflection would.
import time

import matplotlib.pyplot as plt
import numpy as np

from fastapml.hmm import HMMTagger
from fastapml.hmm.synthetic import sample_corpus


def with_features(sentences, tags, seed):
    rng = np.random.default_rng(seed)
    words, morph = [], []
    for sentence, sentence_tags in zip(sentences, tags):
        feature, w_out, t_out = int(rng.integers(24)), [], []
        for word, tag in zip(sentence, sentence_tags):
            if rng.random() < 0.3:
                feature = int(rng.integers(24))
            w_out.append(f"{word}{'aeiou'[feature % 5]}{feature // 5}")
            t_out.append(f"{tag}|F{feature}")
        words.append(w_out)
        morph.append(t_out)
    return words, morph


train, train_tags = with_features(*sample_corpus(1500, seed=0), seed=0)
test, test_tags = with_features(*sample_corpus(300, seed=1), seed=1)
tagger = HMMTagger().fit(train, train_tags)
print(f"{tagger.tags_.size} tags; decoder: {tagger.decoder_}")
print(
    f"trigram table: {tagger.trigram_.nbytes / 2**20:.1f} MiB "
    f"(a dense one: {8 * (tagger.tags_.size + 1) ** 3 / 2**20:.0f} MiB)"
)


# %%
# The lattice of one sentence
# ---------------------------
# :meth:`~fastapml.hmm.HMMTagger.candidate_lattice` gives each word's
# candidates: the tags seen with a known word, the most probable tags of an
# unknown one.  The decoder scores pairs of neighbouring candidates only.
# The sentence shown is the short test sentence with the most candidates.
def n_candidates(words):
    return tagger.candidate_lattice(words)[0][-1]


sentence = max((s for s in test if len(s) <= 8), key=n_candidates)
ptr, cand, emit = tagger.candidate_lattice(sentence)
best = tagger.predict([sentence])[0]

fig, ax = plt.subplots(figsize=(10, 4.5))
for i, word in enumerate(sentence):
    names = tagger.tags_[cand[ptr[i] : ptr[i + 1]]]
    for j, name in enumerate(names):
        chosen = name == best[i]
        ax.text(
            i,
            -j,
            name,
            ha="center",
            va="center",
            fontsize=7,
            color="white" if chosen else "black",
            bbox=dict(boxstyle="round", fc="tab:blue" if chosen else "0.9", lw=0),
        )
    known = "" if word in tagger.vocabulary_ else "\n(unknown)"
    ax.text(i, 1.1, word + known, ha="center", va="bottom", fontsize=8)
ax.plot(
    range(len(sentence)),
    [
        -list(tagger.tags_[cand[ptr[i] : ptr[i + 1]]]).index(t)
        for i, t in enumerate(best)
    ],
    color="tab:blue",
    zorder=0,
)
longest = int(np.diff(ptr).max())
ax.set_xlim(-0.7, len(sentence) - 0.3)
ax.set_ylim(-longest - 0.3, 2.2)
ax.axis("off")
ax.set_title("Candidate tags per word; the Viterbi path in blue")
plt.tight_layout()

# %%
# Order 2 against order 1
# -----------------------
# The first-order tagger decodes densely (:math:`K^2` per word); the
# second-order one over the lattice.  Candidate counts per test token show
# why the lattice is cheap.
results = {}
for name, params in [("order 1", dict(order=1)), ("order 2", dict(order=2))]:
    model = HMMTagger(**params).fit(train, train_tags)
    model.predict(test[:2])  # load the kernels
    start = time.perf_counter()
    scores = model.evaluate(test, test_tags)
    results[name] = (scores, scores["n_tokens"] / (time.perf_counter() - start))
    print(
        f"{name}: accuracy {scores['accuracy']:.3f} (unknown words "
        f"{scores['unknown_accuracy']:.3f}), {results[name][1]:,.0f} tokens/s"
    )

words = [w for s in test for w in s]
counts = np.diff(tagger.candidate_lattice(words)[0])
unknown = np.array([w not in tagger.vocabulary_ for w in words])
print(
    f"candidates per token: mean {counts.mean():.1f}, 99th percentile "
    f"{np.percentile(counts, 99, method='higher')}"
)

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
bins = np.arange(1, counts.max() + 2) - 0.5
left.hist(
    [counts[~unknown], counts[unknown]],
    bins=bins,
    stacked=True,
    label=["known words", "unknown words"],
)
left.set_xlabel("candidate tags")
left.set_ylabel("test tokens")
left.set_yscale("log")
left.legend()
names = list(results)
right.bar(names, [results[n][0]["accuracy"] for n in names], color=["0.6", "tab:blue"])
right.set_ylim(min(results[n][0]["accuracy"] for n in names) - 0.05, 1.0)
right.set_ylabel("accuracy on the full tag")
plt.tight_layout()
plt.show()
