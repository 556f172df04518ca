"""A small tagged corpus sampled from a known HMM, for demos, tests and benchmarks.

The tags are a coarse part-of-speech set; each open-class tag builds its words
from random syllable stems and tag-typical endings (``-ing``, ``-ly``, ``-ous``,
capitalized names, digits), with Zipf-distributed frequencies, so a held-out
sample has unknown words whose suffixes tell their tags, as in real text.
"""

import numpy as np

TAGS = ("ADJ", "ADP", "ADV", "DET", "NOUN", "NUM", "PRON", "PROPN", "PUNCT", "VERB")

_CLOSED = {
    "ADP": ["in", "on", "at", "with", "from", "of", "to", "by"],
    "DET": ["the", "a", "this", "that", "every", "some"],
    "PRON": ["he", "she", "they", "it", "we", "you", "that", "this"],
    "PUNCT": [".", ",", ";", "!", "?"],
}
_ENDINGS = {
    "ADJ": ["ous", "ful", "ive", "al", "ic"],
    "ADV": ["ly"],
    "NOUN": ["", "s", "tion", "ness", "ment"],
    "VERB": ["s", "ed", "ing", "es"],
}
# Likely successors of each tag (the rest of the row gets a small floor).
_FLOW = {
    "<s>": {"DET": 4, "PRON": 3, "PROPN": 2, "ADV": 1},
    "ADJ": {"NOUN": 6, "ADJ": 1, "PUNCT": 1},
    "ADP": {"DET": 5, "PROPN": 2, "NUM": 1, "NOUN": 1},
    "ADV": {"VERB": 4, "ADJ": 2, "PUNCT": 1},
    "DET": {"NOUN": 5, "ADJ": 3},
    "NOUN": {"VERB": 3, "ADP": 3, "PUNCT": 3},
    "NUM": {"NOUN": 5, "PUNCT": 1},
    "PRON": {"VERB": 6, "ADV": 1},
    "PROPN": {"VERB": 4, "PUNCT": 2, "ADP": 1},
    "PUNCT": {"DET": 2, "PRON": 2, "PROPN": 1},
    "VERB": {"DET": 4, "ADP": 3, "ADV": 2, "PUNCT": 2, "PRON": 1},
}


def _stems(rng, n):
    syllables = [
        "ka",
        "lo",
        "mi",
        "ren",
        "tor",
        "va",
        "sel",
        "dun",
        "pri",
        "ba",
        "gor",
        "fen",
        "tul",
        "ash",
        "mor",
        "nel",
    ]
    return sorted(
        {"".join(rng.choice(syllables, size=rng.integers(1, 4))) for _ in range(n)}
    )


def _lexicon(rng, n_stems):
    """Word list per tag; open classes share stems, so words are ambiguous."""
    lexicon = {tag: list(words) for tag, words in _CLOSED.items()}
    stems = _stems(rng, n_stems)
    for tag, endings in _ENDINGS.items():
        chosen = rng.choice(len(stems), size=len(stems) // 2, replace=False)
        lexicon[tag] = sorted({stems[i] + rng.choice(endings) for i in chosen})
    lexicon["PROPN"] = [s.capitalize() for s in _stems(rng, n_stems // 2)]
    lexicon["NUM"] = [str(n) for n in rng.integers(0, 2000, size=n_stems // 4)]
    return lexicon


def known_hmm(seed=0, n_stems=3000):
    """The generating model: tags, words per tag, start, transition and end.

    Ten coarse part-of-speech tags; closed classes (ADP, DET, PRON, PUNCT)
    have fixed word lists, open classes words made of random syllable stems
    and tag-typical endings, with Zipf-distributed frequencies.

    Parameters
    ----------
    seed : int, default=0
        Seeds the random lexicon (the tags and transitions do not depend on
        it).
    n_stems : int, default=3000
        Number of random stems drawn for the open-class words (duplicates
        merge, so the lexicon can be slightly smaller).

    Returns
    -------
    dict
        ``tags`` (tuple of K str), ``words`` (dict tag -> list of str),
        ``word_probs`` (dict tag -> Zipf probabilities of those words),
        ``start`` (K,), ``trans`` (K, K) and ``end`` (K,) probabilities:
        each row of ``trans`` plus its ``end`` sums to 1.

    Examples
    --------
    >>> import numpy as np
    >>> model = known_hmm(seed=0, n_stems=100)
    >>> model["tags"][:3], model["trans"].shape
    (('ADJ', 'ADP', 'ADV'), (10, 10))
    >>> bool(np.allclose(model["trans"].sum(axis=1) + model["end"], 1))
    True
    """
    rng = np.random.default_rng(seed)
    k = len(TAGS)
    index = {t: i for i, t in enumerate(TAGS)}

    def row(successors, end=0.0):
        p = np.full(k + 1, 0.05)
        for tag, weight in successors.items():
            p[index[tag]] += weight
        p[k] += end
        return p / p.sum()

    start = row(_FLOW["<s>"])[:k]
    start /= start.sum()
    rows = np.array([row(_FLOW[t], end=3.0 if t == "PUNCT" else 0.2) for t in TAGS])
    words = _lexicon(rng, n_stems)
    word_probs = {}
    for tag, vocab in words.items():
        zipf = 1.0 / np.arange(1, len(vocab) + 1)
        word_probs[tag] = zipf / zipf.sum()
    return {
        "tags": TAGS,
        "words": words,
        "word_probs": word_probs,
        "start": start,
        "trans": rows[:, :k]
        / rows[:, :k].sum(axis=1, keepdims=True)
        * (1 - rows[:, k:]),
        "end": rows[:, k],
    }


def sample_corpus(n_sentences, seed=0, model=None, max_len=40):
    """Sample tagged sentences from :func:`known_hmm`.

    Parameters
    ----------
    n_sentences : int
        Number of sentences to draw.
    seed : int
        Seeds the sampling (the model itself comes from ``model``).
    model : dict, optional
        A :func:`known_hmm` result (default: ``known_hmm(0)``).
    max_len : int
        Sentences are cut at this many tokens.

    Returns
    -------
    sentences : list of list of str
        The words of each sentence.
    tags : list of list of str
        The tag of each word.

    Examples
    --------
    >>> sentences, tags = sample_corpus(2, seed=1)
    >>> len(sentences) == len(tags) == 2
    True
    """
    model = known_hmm() if model is None else model
    rng = np.random.default_rng(seed)
    tags = model["tags"]
    start_cdf = np.cumsum(model["start"])
    trans_cdf = np.cumsum(model["trans"], axis=1)
    word_cdf = [np.cumsum(model["word_probs"][t]) for t in tags]

    def draw(cdf):
        return min(
            int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")),
            cdf.size - 1,
        )

    sentences, tag_lists = [], []
    for _ in range(n_sentences):
        state = draw(start_cdf)
        words, labels = [], []
        while True:
            tag = tags[state]
            words.append(model["words"][tag][draw(word_cdf[state])])
            labels.append(tag)
            if len(words) == max_len or rng.random() < model["end"][state]:
                break
            state = draw(trans_cdf[state])
        sentences.append(words)
        tag_lists.append(labels)
    return sentences, tag_lists
