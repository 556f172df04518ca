"""``fastapml`` command line: ``demo`` and ``tag train|eval|predict``."""
import argparse
import sys
import time

import numpy as np

from ._progress import Progress

_BATCH = 2000       # sentences tagged per kernel call in eval / predict


def _rate(n, seconds):
    return f"{n / seconds:,.0f}" if seconds > 0 else "inf"


def _accuracy_line(name, result, fit_s, tok_s):
    unknown = result["unknown_accuracy"]
    unknown = "   n/a" if np.isnan(unknown) else f"{100 * unknown:6.2f}"
    return (f"{name:<22} {100 * result['accuracy']:6.2f} "
            f"{100 * result['known_accuracy']:6.2f} {unknown} "
            f"{fit_s:8.2f} {tok_s:>12}")


def _tag_in_batches(tagger, sentences, label):
    """predict() over batches of sentences, with a progress bar."""
    out = []
    with Progress(len(sentences), label, unit="sentences") as bar:
        for i in range(0, len(sentences), _BATCH):
            batch = sentences[i:i + _BATCH]
            out.extend(tagger.predict(batch))
            bar.update(len(batch))
    return out


# ----------------------------------------------------------------------
# demo
# ----------------------------------------------------------------------
def cmd_demo(args):
    """Train and run the taggers on a corpus sampled from a known HMM."""
    from . import reference
    from .hmm import CategoricalHMM, HMMTagger
    from .hmm.synthetic import known_hmm, sample_corpus

    print("fastapml demo: HMM part-of-speech tagging on a corpus sampled from "
          "a known HMM\n(first run compiles the numba kernels; later runs "
          "load them from the cache)\n")
    model = known_hmm(args.seed)
    train = sample_corpus(args.sentences, seed=args.seed + 1, model=model)
    test = sample_corpus(max(1, args.sentences // 4), seed=args.seed + 2,
                         model=model)
    n_train, n_test = sum(map(len, train[0])), sum(map(len, test[0]))
    print(f"corpus: {len(train[0])} training sentences ({n_train} tokens), "
          f"{len(test[0])} test sentences ({n_test} tokens), "
          f"{len(model['tags'])} tags\n")

    print(f"{'model':<22} {'acc%':>6} {'known':>6} {'unkn.':>6} "
          f"{'fit s':>8} {'tokens/s':>12}")
    taggers = {}
    for name, order, smoothing in (("TnT trigram", 2, "tnt"),
                                   ("TnT bigram", 1, "tnt"),
                                   ("add-one bigram", 1, "add-one")):
        start = time.perf_counter()
        tagger = HMMTagger(order=order, smoothing=smoothing).fit(*train)
        fit_s = time.perf_counter() - start
        tagger.predict(test[0][:2])                  # compile / load kernels
        start = time.perf_counter()
        result = tagger.evaluate(*test)
        tag_s = time.perf_counter() - start
        print(_accuracy_line(name, result, fit_s, _rate(n_test, tag_s)))
        taggers[name] = tagger

    sentence, gold = test[0][0], test[1][0]
    guess = taggers["TnT trigram"].predict([sentence])[0]
    print("\nexample:", " ".join(f"{w}/{t}" for w, t in zip(sentence, guess)))
    print("gold:   ", " ".join(f"{w}/{t}" for w, t in zip(sentence, gold)))

    # The same data through the hmmlearn-compatible estimator.
    vocab = {w: i for i, w in enumerate(sorted({w for s in train[0] + test[0]
                                                for w in s}))}
    tag_ids = {t: i for i, t in enumerate(model["tags"])}

    def encode(corpus):
        words, tags = corpus
        return (np.array([vocab[w] for s in words for w in s])[:, None],
                np.array([tag_ids[t] for s in tags for t in s]),
                np.array([len(s) for s in words]))

    X, states, lengths = encode(train)
    Xt, states_t, lengths_t = encode(test)
    hmm = CategoricalHMM(n_components=len(tag_ids), n_features=len(vocab),
                         emissionprob_prior=1.01)
    hmm.fit_supervised(X, states, lengths)
    start = time.perf_counter()
    _, path = hmm.decode(Xt, lengths_t)
    fast_s = time.perf_counter() - start
    start = time.perf_counter()
    with np.errstate(divide="ignore"):                 # log 0 = -inf is fine
        ref_path, _ = reference.viterbi_batch(
            np.log(hmm.emissionprob_.T), lengths_t, np.log(hmm.transmat_),
            np.log(hmm.startprob_), symbols=Xt[:, 0])
    ref_s = time.perf_counter() - start
    print(f"\nCategoricalHMM.fit_supervised + decode: accuracy "
          f"{100 * np.mean(path == states_t):.2f}%, paths identical to "
          f"fastapml.reference: {bool(np.array_equal(path, ref_path))}, "
          f"{ref_s / fast_s:.0f}x faster than the NumPy reference")

    em = CategoricalHMM(n_components=len(tag_ids), n_iter=args.em_iter,
                        tol=-np.inf, random_state=args.seed)
    em.n_features = len(vocab)
    em.fit(X, lengths)
    history = list(em.monitor_.history)
    print(f"Baum-Welch EM (unsupervised, {len(history)} iterations): "
          "log-likelihood per token")
    low, high = history[0], history[-1]
    for i, ll in enumerate(history, 1):
        bar = "#" * int(1 + 40 * (ll - low) / (high - low or 1))
        print(f"  {i:3d} {ll / n_train:9.4f} {bar}")
    print(f"non-decreasing: {bool(np.all(np.diff(history) >= -1e-8 * abs(high)))}")
    return 0


# ----------------------------------------------------------------------
# tag
# ----------------------------------------------------------------------
def cmd_tag_train(args):
    from .hmm import HMMTagger, read_conllu
    start = time.perf_counter()
    sentences, tags = read_conllu(args.train, tagset=args.tagset)
    read_s = time.perf_counter() - start
    n_tokens = sum(map(len, sentences))
    print(f"read {len(sentences)} sentences, {n_tokens} tokens from "
          f"{args.train} in {read_s:.2f} s", file=sys.stderr)
    start = time.perf_counter()
    tagger = HMMTagger(order=args.order, smoothing=args.smoothing).fit(
        sentences, tags)
    fit_s = time.perf_counter() - start
    tagger.save(args.output)
    print(f"trained order-{args.order} {args.smoothing} tagger on "
          f"{len(tagger.tags_)} tags, {len(tagger.vocabulary_)} word types in "
          f"{fit_s:.2f} s; saved {args.output}")
    return 0


def cmd_tag_eval(args):
    from .hmm import HMMTagger, read_conllu
    tagger = HMMTagger.load(args.model)
    sentences, gold = read_conllu(args.test, tagset=args.tagset)
    tagger.predict(sentences[:1])                       # load the kernels
    start = time.perf_counter()
    predicted = _tag_in_batches(tagger, sentences, "tagging")
    seconds = time.perf_counter() - start
    flat_pred = [t for s in predicted for t in s]
    flat_gold = [t for s in gold for t in s]
    known = np.array([w in tagger.vocabulary_ for s in sentences for w in s],
                     dtype=bool)
    correct = np.array([p == g for p, g in zip(flat_pred, flat_gold)], dtype=bool)

    def pct(mask):
        return f"{100 * correct[mask].mean():.2f}%" if mask.any() else "n/a"

    print(f"tokens:            {correct.size}")
    print(f"accuracy:          {pct(np.ones_like(known))}")
    print(f"known words:       {pct(known)} ({known.sum()} tokens)")
    print(f"unknown words:     {pct(~known)} ({(~known).sum()} tokens)")
    print(f"speed:             {_rate(correct.size, seconds)} tokens/s")
    return 0


def cmd_tag_predict(args):
    from .hmm import HMMTagger
    tagger = HMMTagger.load(args.model)
    source = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    try:
        batch = []
        for line in source:
            batch.append(line.split())
            if len(batch) == _BATCH:
                _write_tagged(batch, tagger.predict(batch))
                batch = []
        if batch:
            _write_tagged(batch, tagger.predict(batch))
    finally:
        if source is not sys.stdin:
            source.close()
    return 0


def _write_tagged(sentences, tags):
    sys.stdout.write("".join(
        " ".join(f"{w}/{t}" for w, t in zip(words, labels)) + "\n"
        for words, labels in zip(sentences, tags)))


# ----------------------------------------------------------------------
# entry point
# ----------------------------------------------------------------------
def build_parser():
    parser = argparse.ArgumentParser(
        prog="fastapml", description="Numba-accelerated classic machine learning.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the HMM tagger on embedded data")
    demo.add_argument("--sentences", type=int, default=4000,
                      help="training sentences to sample (default 4000)")
    demo.add_argument("--em-iter", type=int, default=8,
                      help="Baum-Welch iterations to show (default 8)")
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(func=cmd_demo)

    tag = sub.add_parser("tag", help="HMM part-of-speech tagging")
    tag_sub = tag.add_subparsers(dest="tag_command", required=True)
    tagsets = ("upos", "xpos", "upos+feats")

    train = tag_sub.add_parser("train", help="train a tagger on a CoNLL-U file")
    train.add_argument("train", help="training treebank (.conllu)")
    train.add_argument("-o", "--output", required=True, help="model file (.npz)")
    train.add_argument("--order", type=int, choices=(1, 2), default=2)
    train.add_argument("--smoothing", choices=("tnt", "add-one"), default="tnt")
    train.add_argument("--tagset", choices=tagsets, default="upos")
    train.set_defaults(func=cmd_tag_train)

    evaluate = tag_sub.add_parser("eval", help="accuracy on a CoNLL-U file")
    evaluate.add_argument("model", help="model file written by 'tag train'")
    evaluate.add_argument("test", help="test treebank (.conllu)")
    evaluate.add_argument("--tagset", choices=tagsets, default="upos",
                          help="must match the one used for training")
    evaluate.set_defaults(func=cmd_tag_eval)

    predict = tag_sub.add_parser(
        "predict", help="tag text: one sentence per line, tokens split on "
                        "whitespace; prints word/TAG")
    predict.add_argument("model", help="model file written by 'tag train'")
    predict.add_argument("input", nargs="?", default="-",
                         help="text file (default: standard input)")
    predict.set_defaults(func=cmd_tag_predict)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, OSError) as err:
        print(f"fastapml: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
