"""``fastapml tag train|eval|predict``: HMM part-of-speech tagging, and the
tagging part of ``fastapml demo``."""

import re
import sys
import time

import numpy as np

from .._progress import Progress
from ._common import add_json_option, print_json, rate, warn

BATCH = 2000  # sentences tagged per kernel call in eval / predict
TAGSETS = ("upos", "xpos", "upos+feats")
TAGSET_HELP = (
    "the tag of each word: the UPOS field, the XPOS field, or UPOS and FEATS "
    "joined by '|' (e.g. NOUN|Number=Sing: a large morphological tag set)"
)
# eval warns when more than this share of gold tokens have tags the model
# never saw: most likely a --tagset other than the training one
UNSEEN_TAGS_WARN = 0.5


def add_parser(subparsers):
    """Add ``tag`` and its ``train``, ``eval`` and ``predict`` subcommands."""
    tag = subparsers.add_parser("tag", help="HMM part-of-speech tagging")
    sub = tag.add_subparsers(dest="tag_command", required=True)

    p = sub.add_parser("train", help="train a tagger on a CoNLL-U file")
    p.add_argument("train", help="training treebank (.conllu)")
    p.add_argument("-o", "--output", required=True, help="model file (.npz)")
    p.add_argument("--order", type=int, choices=(1, 2), default=2)
    p.add_argument(
        "--smoothing",
        choices=("tnt", "add-one", "mle"),
        default="tnt",
        help="tnt: interpolated transitions and a suffix model for unknown "
        "words; add-one: Laplace smoothing; mle: unsmoothed relative "
        "frequencies (default: %(default)s)",
    )
    p.add_argument(
        "--tagset",
        choices=TAGSETS,
        default="upos",
        help=TAGSET_HELP + "; 'tag eval' must be given the same (default: %(default)s)",
    )
    p.add_argument(
        "--decoder",
        choices=("auto", "dense", "lattice"),
        default="auto",
        help="order 2: dense Viterbi over all (K+1)^3 transitions, or Viterbi "
        "over each word's candidate tags (the lattice; for big tag sets); auto "
        "picks the lattice beyond 3 tags (default: %(default)s)",
    )
    p.add_argument(
        "--candidate-mass",
        type=float,
        default=0.999,
        metavar="P",
        help="lattice decoder: an unknown word's candidates are its most "
        "probable tags until they hold this share, in (0, 1], of its "
        "probability (default: %(default)s)",
    )
    p.add_argument(
        "--max-candidates",
        type=int,
        default=64,
        metavar="N",
        help="lattice decoder: at most N (>= 1) candidate tags for an unknown "
        "word (default: %(default)s)",
    )
    p.add_argument(
        "--beam",
        type=float,
        default=None,
        metavar="B",
        help="lattice decoder: drop tag pairs scoring more than B (>= 0, log "
        "units) below the best at each word; faster, no longer exact "
        "(default: none, exact)",
    )
    add_json_option(
        p,
        "n_sentences, n_tokens, n_tags, n_words, order, smoothing, decoder (the "
        "one in use: dense or lattice), fit_seconds, model",
    )
    p.set_defaults(
        func=train, input_paths=(("TRAIN", "train"),), output_paths=(("-o", "output"),)
    )

    p = sub.add_parser("eval", help="accuracy on a CoNLL-U file")
    p.add_argument("model", help="model file written by 'tag train'")
    p.add_argument("test", help="test treebank (.conllu)")
    p.add_argument(
        "--tagset",
        choices=TAGSETS,
        default=None,
        help=TAGSET_HELP + "; default: the tag set the model was trained on "
        "(saved in the model by 'tag train'; upos for older models); another "
        "one is refused",
    )
    add_json_option(
        p,
        "accuracy, known_accuracy, unknown_accuracy (fractions; null without "
        "such tokens), upos_accuracy (comparing only the part of each tag "
        "before the first '|'; null for --tagset xpos), n_tokens, n_known, "
        "n_unknown, candidates_mean, candidates_p99 (candidate tags per token "
        "of the lattice decoder; null for the dense one), seconds, tokens_per_s",
    )
    p.set_defaults(func=evaluate)

    p = sub.add_parser(
        "predict",
        help="tag text: one sentence per line, tokens split on whitespace; "
        "prints word/TAG",
    )
    p.add_argument("model", help="model file written by 'tag train'")
    p.add_argument(
        "input", nargs="?", default="-", help="text file (default: standard input)"
    )
    p.set_defaults(func=predict)


def _tagger(args):
    """The HMMTagger of ``tag train``'s options, checked before the treebank
    is read; a bad value's message names its option."""
    from ..hmm import HMMTagger

    tagger = HMMTagger(
        order=args.order,
        smoothing=args.smoothing,
        decoder=args.decoder,
        candidate_mass=args.candidate_mass,
        max_candidates=args.max_candidates,
        beam=args.beam,
    )
    try:
        tagger._check_params()
    except (TypeError, ValueError) as err:
        option = re.sub(
            r"\b(candidate_mass|max_candidates|beam)\b",
            lambda m: "--" + m.group(1).replace("_", "-"),
            str(err),
        )
        raise ValueError(option) from None
    return tagger


def train(args):
    """``tag train``: fit an HMMTagger to a treebank and save it."""
    from ..hmm import read_conllu

    tagger = _tagger(args)
    start = time.perf_counter()
    sentences, tags = read_conllu(args.train, tagset=args.tagset)
    read_s = time.perf_counter() - start
    n_tokens = sum(map(len, sentences))
    if n_tokens == 0:
        raise ValueError(f"{args.train} holds no tokens (no CoNLL-U sentences)")
    print(
        f"read {len(sentences)} sentences, {n_tokens} tokens from {args.train} in "
        f"{read_s:.2f} s",
        file=sys.stderr,
    )
    start = time.perf_counter()
    tagger.fit(sentences, tags)
    tagger.tagset_ = args.tagset  # saved with the model; 'tag eval' checks it
    fit_s = time.perf_counter() - start
    if args.order == 1 and args.decoder == "lattice":
        warn("--decoder lattice needs --order 2; the order-1 model decodes densely")
    elif args.beam is not None and tagger.decoder_ != "lattice":
        warn(
            f"--beam applies to the lattice decoder only; the {tagger.decoder_} "
            "decoder ignores it"
        )
    tagger.save(args.output)
    if args.json:
        print_json(
            {
                "n_sentences": len(sentences),
                "n_tokens": n_tokens,
                "n_tags": len(tagger.tags_),
                "n_words": len(tagger.vocabulary_),
                "order": args.order,
                "smoothing": args.smoothing,
                "decoder": tagger.decoder_,
                "fit_seconds": fit_s,
                "model": args.output,
            }
        )
        return 0
    print(
        f"trained order-{args.order} {args.smoothing} tagger ({tagger.decoder_} "
        f"decoder) on {len(tagger.tags_)} tags, {len(tagger.vocabulary_)} word "
        f"types in {fit_s:.2f} s; saved {args.output}"
    )
    return 0


def _tag_in_batches(tagger, sentences, label):
    """``tagger.predict`` over batches of sentences, with a progress bar."""
    out = []
    with Progress(len(sentences), label, unit="sentences") as bar:
        for i in range(0, len(sentences), BATCH):
            batch = sentences[i : i + BATCH]
            out.extend(tagger.predict(batch))
            bar.update(len(batch))
    return out


def _upos_part(tag):
    """The part of a tag before its first ``"|"`` (the UPOS of an
    ``upos+feats`` tag; the tag itself otherwise)."""
    return tag.partition("|")[0]


def _candidate_counts(tagger, sentences):
    """Candidate tags of each token in the lattice decoder, or None when the
    tagger decodes densely."""
    if tagger.decoder_ != "lattice":
        return None
    types = {}
    symbols = np.fromiter(
        (types.setdefault(w, len(types)) for s in sentences for w in s), np.int64
    )
    cand_ptr, _, _ = tagger.candidate_lattice(list(types))
    return np.diff(cand_ptr)[symbols]  # a word's candidates do not depend on context


def _warn_on_tagset_mismatch(tagger, gold, tagset):
    """Warn when the gold tags look like another tag set than the model's."""
    model_tags = set(tagger.tags_.tolist())
    n_unseen = sum(g not in model_tags for g in gold)
    if tagset == "upos" and any("|" in t for t in model_tags):
        # a UPOS field never holds "|": the model has UPOS|FEATS tags
        warn(
            "the model's tags hold features (UPOS|FEATS): it was trained with "
            "--tagset upos+feats; give 'tag eval' the same"
        )
    elif n_unseen > UNSEEN_TAGS_WARN * len(gold):
        warn(
            f"{n_unseen} of {len(gold)} gold tags are not in the model's tag "
            f"set (they count as errors); was it trained with a --tagset other "
            f"than {tagset}?"
        )


def evaluate(args):
    """``tag eval``: token accuracy of a saved tagger on a treebank."""
    from ..hmm import HMMTagger, read_conllu

    tagger = HMMTagger.load(args.model)
    trained_on = getattr(tagger, "tagset_", None)
    if args.tagset is None:
        args.tagset = trained_on or "upos"
    elif trained_on is not None and args.tagset != trained_on:
        raise ValueError(
            f"{args.model} was trained with --tagset {trained_on}; evaluating it "
            f"on --tagset {args.tagset} would compare different tags"
        )
    sentences, gold = read_conllu(args.test, tagset=args.tagset)
    tagger.predict(sentences[:1])  # compile or load the kernels before timing
    start = time.perf_counter()
    predicted = _tag_in_batches(tagger, sentences, "tagging")
    seconds = time.perf_counter() - start
    flat_pred = [t for s in predicted for t in s]
    flat_gold = [t for s in gold for t in s]
    known = np.array([w in tagger.vocabulary_ for s in sentences for w in s], bool)
    correct = np.array([p == g for p, g in zip(flat_pred, flat_gold)], bool)
    upos_correct = np.array(
        [_upos_part(p) == _upos_part(g) for p, g in zip(flat_pred, flat_gold)], bool
    )
    _warn_on_tagset_mismatch(tagger, flat_gold, args.tagset)
    counts = _candidate_counts(tagger, sentences)

    def mean(mask, hits=correct):  # as HMMTagger.evaluate: NaN without tokens
        return float(hits[mask].mean()) if mask.any() else float("nan")

    everything = np.ones_like(known)
    has_counts = counts is not None and counts.size > 0
    result = {
        "accuracy": mean(everything),
        "known_accuracy": mean(known),
        "unknown_accuracy": mean(~known),
        "upos_accuracy": (
            float("nan") if args.tagset == "xpos" else mean(everything, upos_correct)
        ),
        "n_tokens": int(correct.size),
        "n_known": int(known.sum()),
        "n_unknown": int((~known).sum()),
        "candidates_mean": float(counts.mean()) if has_counts else None,
        "candidates_p99": (
            int(np.percentile(counts, 99, method="higher")) if has_counts else None
        ),
        "seconds": seconds,
        "tokens_per_s": correct.size / seconds if seconds > 0 else float("inf"),
    }
    if args.json:
        print_json(result)
        return 0

    def pct(value):
        return "n/a" if np.isnan(value) else f"{100 * value:.2f}%"

    print(f"tokens:            {result['n_tokens']}")
    print(f"accuracy:          {pct(result['accuracy'])}")
    if args.tagset != "xpos" and any("|" in g for g in flat_gold):
        print(f"UPOS part:         {pct(result['upos_accuracy'])}")
    print(
        f"known words:       {pct(result['known_accuracy'])} "
        f"({result['n_known']} tokens)"
    )
    print(
        f"unknown words:     {pct(result['unknown_accuracy'])} "
        f"({result['n_unknown']} tokens)"
    )
    if has_counts:
        print(
            f"candidates per token: mean {result['candidates_mean']:.1f}, 99th "
            f"percentile {result['candidates_p99']}"
        )
    print(f"speed:             {rate(correct.size, seconds)} tokens/s")
    return 0


def predict(args):
    """``tag predict``: tag whitespace-split lines, printing word/TAG."""
    from ..hmm import HMMTagger

    tagger = HMMTagger.load(args.model)
    # bytes, decoded line by line, so a decoding error names its line (a
    # text stream without bytes beneath, such as a StringIO, gives str)
    stdin = getattr(sys.stdin, "buffer", sys.stdin)
    source = stdin if args.input == "-" else open(args.input, "rb")
    try:
        batch = []
        for number, raw in enumerate(source, 1):
            try:
                text = raw if isinstance(raw, str) else raw.decode("utf-8")
                batch.append(text.split())
            except UnicodeDecodeError as err:
                raise ValueError(
                    f"{args.input}: line {number} is not UTF-8 text ({err.reason})"
                ) from None
            if len(batch) == BATCH:
                _write_tagged(batch, tagger.predict(batch))
                batch = []
        if batch:
            _write_tagged(batch, tagger.predict(batch))
    finally:
        if source is not stdin:
            source.close()
    return 0


def _write_tagged(sentences, tags):
    sys.stdout.write(
        "".join(
            " ".join(f"{w}/{t}" for w, t in zip(words, labels)) + "\n"
            for words, labels in zip(sentences, tags)
        )
    )


# ----------------------------------------------------------------------
# demo
# ----------------------------------------------------------------------
def _accuracy_line(name, result, fit_s, tok_s):
    unknown = result["unknown_accuracy"]
    unknown = "   n/a" if np.isnan(unknown) else f"{100 * unknown:6.2f}"
    return (
        f"{name:<22} {100 * result['accuracy']:6.2f} "
        f"{100 * result['known_accuracy']:6.2f} {unknown} "
        f"{fit_s:8.2f} {tok_s:>12}"
    )


def demo(n_sentences, em_iter, seed):
    """Train and run the taggers on a corpus sampled from a known HMM, then
    the same data through CategoricalHMM: supervised decoding against the
    NumPy reference, and Baum-Welch EM.

    Returns
    -------
    dict
        ``accuracy`` (tagger name to its :meth:`HMMTagger.evaluate` dict),
        ``paths_identical`` (CategoricalHMM.decode against
        ``fastapml.reference``), ``paths_identical_hmmlearn`` (against
        hmmlearn's decode; None when hmmlearn is not installed),
        ``em_non_decreasing`` (the EM log-likelihood).
    """
    from .. import reference
    from ..hmm import CategoricalHMM, HMMTagger
    from ..hmm.synthetic import known_hmm, sample_corpus

    model = known_hmm(seed)
    train = sample_corpus(n_sentences, seed=seed + 1, model=model)
    test = sample_corpus(max(1, n_sentences // 4), seed=seed + 2, model=model)
    n_train, n_test = sum(map(len, train[0])), sum(map(len, test[0]))
    print(
        f"corpus: {len(train[0])} training sentences ({n_train} tokens), "
        f"{len(test[0])} test sentences ({n_test} tokens), "
        f"{len(model['tags'])} tags\n"
    )
    print(
        f"{'model':<22} {'acc%':>6} {'known':>6} {'unkn.':>6} "
        f"{'fit s':>8} {'tokens/s':>12}"
    )
    taggers, accuracy = {}, {}
    for name, order, smoothing in (
        ("TnT trigram", 2, "tnt"),
        ("TnT bigram", 1, "tnt"),
        ("add-one bigram", 1, "add-one"),
    ):
        start = time.perf_counter()
        tagger = HMMTagger(order=order, smoothing=smoothing).fit(*train)
        fit_s = time.perf_counter() - start
        tagger.predict(test[0][:2])  # compile or load the kernels before timing
        start = time.perf_counter()
        result = tagger.evaluate(*test)
        tag_s = time.perf_counter() - start
        print(_accuracy_line(name, result, fit_s, rate(n_test, tag_s)))
        taggers[name], accuracy[name] = tagger, result

    sentence, gold = test[0][0], test[1][0]
    guess = taggers["TnT trigram"].predict([sentence])[0]
    print("\nexample:", " ".join(f"{w}/{t}" for w, t in zip(sentence, guess)))
    print("gold:   ", " ".join(f"{w}/{t}" for w, t in zip(sentence, gold)))

    # The same data through the hmmlearn-compatible estimator.
    words = sorted({w for s in train[0] + test[0] for w in s})
    vocab = {w: i for i, w in enumerate(words)}
    tag_ids = {t: i for i, t in enumerate(model["tags"])}

    def encode(corpus):
        words, tags = corpus
        return (
            np.array([vocab[w] for s in words for w in s])[:, None],
            np.array([tag_ids[t] for s in tags for t in s]),
            np.array([len(s) for s in words]),
        )

    X, states, lengths = encode(train)
    hmm = CategoricalHMM(
        n_components=len(tag_ids), n_features=len(vocab), emissionprob_prior=1.01
    )
    hmm.fit_supervised(X, states, lengths)
    Xt, states_t, lengths_t = encode(test)
    start = time.perf_counter()
    _, path = hmm.decode(Xt, lengths_t)
    fast_s = time.perf_counter() - start
    start = time.perf_counter()
    with np.errstate(divide="ignore"):  # log 0 = -inf is fine
        ref_path, _ = reference.viterbi_batch(
            np.log(hmm.emissionprob_.T),
            lengths_t,
            np.log(hmm.transmat_),
            np.log(hmm.startprob_),
            symbols=Xt[:, 0],
        )
    ref_s = time.perf_counter() - start
    identical = bool(np.array_equal(path, ref_path))
    print(
        f"\nCategoricalHMM.fit_supervised + decode: accuracy "
        f"{100 * np.mean(path == states_t):.2f}%, paths identical to "
        f"fastapml.reference: {identical}, "
        f"{ref_s / fast_s:.0f}x faster than the NumPy reference"
    )
    line, same_as_hmmlearn = _against_hmmlearn(hmm, Xt, lengths_t, path, fast_s)
    print(line)

    em = CategoricalHMM(
        n_components=len(tag_ids), n_iter=em_iter, tol=-np.inf, random_state=seed
    )
    em.n_features = len(vocab)
    em.fit(X, lengths)
    history = list(em.monitor_.history)
    print(
        f"Baum-Welch EM (unsupervised, {len(history)} iterations): "
        "log-likelihood per token"
    )
    low, high = history[0], history[-1]
    for i, ll in enumerate(history, 1):
        bar = "#" * int(1 + 40 * (ll - low) / (high - low or 1))
        print(f"  {i:3d} {ll / n_train:9.4f} {bar}")
    # EM never lowers the likelihood; allow rounding at the scale of its value
    non_decreasing = bool(np.all(np.diff(history) >= -1e-8 * abs(high)))
    print(f"non-decreasing: {non_decreasing}")
    return {
        "accuracy": accuracy,
        "paths_identical": identical,
        "paths_identical_hmmlearn": same_as_hmmlearn,
        "em_non_decreasing": non_decreasing,
    }


def _against_hmmlearn(hmm, X, lengths, path, fast_s):
    """hmmlearn's CategoricalHMM decoding ``X`` with ``hmm``'s parameters:
    (a line on its paths and speed against ``path``, decoded in ``fast_s``
    seconds, whether the paths are identical), or (why it did not run,
    None)."""
    try:
        from hmmlearn.hmm import CategoricalHMM as TheirHMM
    except ImportError:
        line = "hmmlearn is not installed: no comparison with it (pip install hmmlearn)"
        return line, None
    theirs = TheirHMM(n_components=hmm.n_components, n_features=hmm.n_features)
    theirs.startprob_ = hmm.startprob_
    theirs.transmat_ = hmm.transmat_
    theirs.emissionprob_ = hmm.emissionprob_
    start = time.perf_counter()
    with np.errstate(divide="ignore"):  # hmmlearn takes log 0 = -inf too
        _, their_path = theirs.decode(X, lengths)
    their_s = time.perf_counter() - start
    same = bool(np.array_equal(path, their_path))
    line = (
        f"hmmlearn's CategoricalHMM with the same parameters: paths identical: "
        f"{same}, fastapml {their_s / fast_s:.0f}x faster"
    )
    return line, same
