"""fastapml.hmm vs hmmlearn, librosa and fastapml.reference, same data, one process.

    python -m bench.compare.hmm            # full sizes
    python -m bench.compare.hmm --scale 0.1

Workloads
  decode  50,000 random sentences of 5-40 tokens, K = 45 states, a
          20,000-symbol vocabulary: CategoricalHMM.decode.
  long    one sequence of 20,000 steps, K = 1,000 states, 5,000 symbols:
          CategoricalHMM.decode and librosa.sequence.viterbi on the same
          emission probabilities.
  score   forward-backward log-likelihood on the decode data.
  fit     5 Baum-Welch iterations from the same starting parameters.

Continuous emissions (GaussianHMM, GMMHMM against hmmlearn): 200 sequences
of 1,000 frames, d = 13 (MFCC-like), drawn from a random HMM; each workload
fits 10 Baum-Welch iterations from the same start (hmmlearn's k-means
initialization, computed once), then scores and decodes with the fitted
parameters.
  gauss-full  GaussianHMM, K = 8, full covariances.
  gauss-diag  GaussianHMM, K = 32, diagonal covariances.
  gmm-diag    GMMHMM, K = 5 states of n_mix = 4 diagonal Gaussians.
              hmmlearn's GMMHMM runs its k-means initialization (K + 1
              k-means, 10 starts each) on every fit, even with init_params
              ""; fastapml skips it when nothing uses it and the seed is an
              integer (random_state=0 in both here), so this fit row counts
              that too.

Emission and transition rows are drawn from flat Dirichlet distributions, so
no state is impossible and no pruning shortcut applies.  Ratios are peer
time / fastapml time (steady state); the first call, which includes numba's
compile or cache load, is shown apart.
"""

import argparse
from functools import partial

import numpy as np

from ._common import (
    fmt_mib,
    fmt_time,
    machine,
    measure,
    run_for_target,
    run_script,
    table,
    target_option,
)

if __name__ == "__main__":
    run_for_target()

from fastapml import reference  # noqa: E402
from fastapml.hmm import GMMHMM, CategoricalHMM, GaussianHMM  # noqa: E402

try:
    import hmmlearn.hmm
except ImportError:  # pragma: no cover - optional peer
    hmmlearn = None
try:
    import librosa.sequence
except ImportError:  # pragma: no cover - optional peer
    librosa = None


# continuous-emission workloads: (class, states, mixture size, covariance)
CONTINUOUS = {
    "gauss-full": (GaussianHMM, 8, 1, "full"),
    "gauss-diag": (GaussianHMM, 32, 1, "diag"),
    "gmm-diag": (GMMHMM, 5, 4, "diag"),
}
WORKLOADS = ("decode", "long", "score", "fit", *CONTINUOUS)


def random_model(cls, n_states, n_symbols, rng):
    model = cls(n_components=n_states, n_features=n_symbols, init_params="")
    model.startprob_ = rng.dirichlet(np.ones(n_states))
    model.transmat_ = rng.dirichlet(np.ones(n_states), size=n_states)
    model.emissionprob_ = rng.dirichlet(np.ones(n_symbols), size=n_states)
    return model


def copy_params(src, dst):
    for name in ("startprob_", "transmat_", "emissionprob_"):
        setattr(dst, name, getattr(src, name).copy())
    return dst


def sentences(n, n_symbols, rng, low=5, high=40):
    lengths = rng.integers(low, high + 1, size=n)
    return rng.integers(0, n_symbols, size=(lengths.sum(), 1)), lengths


def row(workload, library, m, base=None, parity=""):
    return {
        "workload": workload,
        "library": library,
        "first call": fmt_time(m["first"]),
        "steady": fmt_time(m["time"]),
        "peak mem": fmt_mib(m["peak_mib"]),
        "ratio": "1.0x" if base is None else f"{m['time'] / base['time']:.1f}x",
        "parity": parity,
    }


def path_parity(ours, theirs):
    same = np.mean(ours == theirs)
    return "identical paths" if same == 1 else f"{100 * same:.3f}% of states equal"


def rel(a, b):
    return f"rel. diff {abs(a - b) / max(abs(b), 1e-300):.1e}"


def bench_decode(n_sentences, rng, rows):
    K, M = 45, 20_000
    X, lengths = sentences(n_sentences, M, rng)
    fast = random_model(CategoricalHMM, K, M, rng)
    ours = measure(lambda: fast.decode(X, lengths))
    rows.append(row("decode", "fastapml", ours))
    if hmmlearn is not None:
        peer = copy_params(fast, hmmlearn.hmm.CategoricalHMM(K, n_features=M))
        theirs = measure(lambda: peer.decode(X, lengths), repeat=1)
        rows.append(
            row(
                "decode",
                "hmmlearn",
                theirs,
                ours,
                f"{path_parity(ours['result'][1], theirs['result'][1])}, "
                f"log-prob {rel(ours['result'][0], theirs['result'][0])}",
            )
        )
    # the reference is slow: time it on a prefix and scale by tokens
    n_ref = max(1, n_sentences // 50)
    end = lengths[:n_ref].sum()
    log_emit = np.log(fast.emissionprob_.T)
    ref = measure(
        lambda: reference.viterbi_batch(
            log_emit,
            lengths[:n_ref],
            np.log(fast.transmat_),
            np.log(fast.startprob_),
            symbols=X[:end, 0],
        ),
        repeat=1,
    )
    scale = len(X) / end
    ref_scaled = dict(ref, time=ref["time"] * scale, first=ref["first"] * scale)
    rows.append(
        row(
            "decode",
            f"reference (x{scale:.0f} from {n_ref} sent.)",
            ref_scaled,
            ours,
            path_parity(ours["result"][1][:end], ref["result"][0]),
        )
    )
    return X, lengths, fast


def bench_long(n_steps, rng, rows):
    K, M = 1000, 5000
    X = rng.integers(0, M, size=(n_steps, 1))
    fast = random_model(CategoricalHMM, K, M, rng)
    ours = measure(lambda: fast.decode(X), repeat=2)
    rows.append(row("long", "fastapml", ours))
    if hmmlearn is not None:
        peer = copy_params(fast, hmmlearn.hmm.CategoricalHMM(K, n_features=M))
        theirs = measure(lambda: peer.decode(X), repeat=1)
        rows.append(
            row(
                "long",
                "hmmlearn",
                theirs,
                ours,
                f"{path_parity(ours['result'][1], theirs['result'][1])}, "
                f"log-prob {rel(ours['result'][0], theirs['result'][0])}",
            )
        )
    if librosa is not None:
        prob = np.ascontiguousarray(fast.emissionprob_[:, X[:, 0]])
        theirs = measure(
            lambda: librosa.sequence.viterbi(
                prob, fast.transmat_, p_init=fast.startprob_
            ),
            repeat=1,
        )
        rows.append(
            row(
                "long",
                "librosa",
                theirs,
                ours,
                path_parity(ours["result"][1], theirs["result"]),
            )
        )


def bench_score(X, lengths, fast, rows):
    ours = measure(lambda: fast.score(X, lengths))
    rows.append(row("score", "fastapml", ours))
    if hmmlearn is not None:
        for impl in ("log", "scaling"):
            peer = copy_params(
                fast,
                hmmlearn.hmm.CategoricalHMM(
                    fast.n_components, n_features=fast.n_features, implementation=impl
                ),
            )
            theirs = measure(partial(peer.score, X, lengths), repeat=1)
            rows.append(
                row(
                    "score",
                    f"hmmlearn ({impl})",
                    theirs,
                    ours,
                    rel(ours["result"], theirs["result"]),
                )
            )


def bench_fit(n_sentences, rng, rows):
    K, M = 45, 5000
    X, lengths = sentences(n_sentences, M, rng)
    start = random_model(CategoricalHMM, K, M, rng)

    def fit(cls):
        model = copy_params(
            start, cls(K, n_features=M, n_iter=5, tol=-np.inf, init_params="")
        )
        return model.fit(X, lengths)

    ours = measure(lambda: fit(CategoricalHMM), repeat=1)
    rows.append(row("fit", "fastapml", ours))
    if hmmlearn is not None:
        theirs = measure(lambda: fit(hmmlearn.hmm.CategoricalHMM), repeat=1)
        a, b = ours["result"], theirs["result"]
        diff = max(
            np.abs(getattr(a, n) - getattr(b, n)).max()
            for n in ("startprob_", "transmat_", "emissionprob_")
        )
        rows.append(row("fit", "hmmlearn", theirs, ours, f"max param diff {diff:.1e}"))


def frames(n_seq, n_steps, n_features, rng, n_states=6):
    """Sequences from a random Gaussian HMM with sticky transitions."""
    transmat = rng.dirichlet(np.ones(n_states), size=n_states) + 4 * np.eye(n_states)
    cdf = np.cumsum(transmat / transmat.sum(axis=1, keepdims=True), axis=1)
    states = np.empty((n_seq, n_steps), dtype=np.int64)
    states[:, 0] = rng.integers(n_states, size=n_seq)
    for t in range(1, n_steps):
        u = rng.random(n_seq)[:, None]
        states[:, t] = np.minimum((cdf[states[:, t - 1]] < u).sum(axis=1), n_states - 1)
    means = rng.normal(scale=2.0, size=(n_states, n_features))
    scales = rng.uniform(0.5, 1.5, size=(n_states, n_features))
    flat = states.ravel()
    X = means[flat] + scales[flat] * rng.standard_normal((flat.size, n_features))
    return X, np.full(n_seq, n_steps)


def parameters(model):
    """A fitted continuous-emission HMM's arrays, covariances in the compact
    layout both libraries' setters take."""
    names = ("startprob_", "transmat_", "weights_", "means_")
    state = {n: np.array(getattr(model, n)) for n in names if hasattr(model, n)}
    covars = model._covars_ if hasattr(model, "_covars_") else model.covars_
    return {**state, "covars_": np.array(covars)}


def with_parameters(model, state):
    for name, value in state.items():
        setattr(model, name, value.copy())
    return model


def bench_continuous(name, X, lengths, rows):
    """Fit, score and decode one continuous-emission workload."""
    cls, k, n_mix, covariance_type = CONTINUOUS[name]
    kwargs = {"covariance_type": covariance_type}
    if n_mix > 1:
        kwargs["n_mix"] = n_mix
    # hmmlearn's initialization (k-means), once, shared by both libraries
    np.random.seed(0)
    start = parameters(cls(k, random_state=0, n_iter=0, **kwargs).fit(X, lengths))
    peer_cls = None if hmmlearn is None else getattr(hmmlearn.hmm, cls.__name__)

    def fit(model_cls):
        model = model_cls(
            k, init_params="", n_iter=10, tol=-np.inf, random_state=0, **kwargs
        )
        return with_parameters(model, start).fit(X, lengths)

    label = f"{name} fit"
    ours = measure(lambda: fit(cls), repeat=1)
    rows.append(row(label, "fastapml", ours))
    if peer_cls is not None:
        theirs = measure(lambda: fit(peer_cls), repeat=1)
        a, b = parameters(ours["result"]), parameters(theirs["result"])
        diff = max(np.abs(a[n] - b[n]).max() for n in a)
        rows.append(row(label, "hmmlearn", theirs, ours, f"max param diff {diff:.1e}"))
    fitted = ours["result"]
    peer = None
    if peer_cls is not None:
        peer = with_parameters(
            peer_cls(k, init_params="", **kwargs), parameters(fitted)
        )
    for what in ("score", "decode"):
        label = f"{name} {what}"
        mine = measure(partial(getattr(fitted, what), X, lengths))
        rows.append(row(label, "fastapml", mine))
        if peer is None:
            continue
        theirs = measure(partial(getattr(peer, what), X, lengths), repeat=1)
        if what == "score":
            parity = rel(mine["result"], theirs["result"])
        else:
            parity = (
                f"{path_parity(mine['result'][1], theirs['result'][1])}, "
                f"log-prob {rel(mine['result'][0], theirs['result'][0])}"
            )
        rows.append(row(label, "hmmlearn", theirs, mine, parity))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=f"python -m {__spec__.name}", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply every workload's size (default 1)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="WORKLOAD",
        choices=WORKLOADS,
        default=list(WORKLOADS),
        help=f"run only these of {', '.join(WORKLOADS)}",
    )
    args = target_option(parser).parse_args(argv)
    rng = np.random.default_rng(args.seed)
    rows = []
    if {"decode", "score"} & set(args.only):
        decode_rows = rows if "decode" in args.only else []
        X, lengths, model = bench_decode(
            max(1, int(50_000 * args.scale)), rng, decode_rows
        )
    if "long" in args.only:
        bench_long(max(2, int(20_000 * args.scale)), rng, rows)
    if "score" in args.only:
        bench_score(X, lengths, model, rows)
    if "fit" in args.only:
        bench_fit(max(1, int(5_000 * args.scale)), rng, rows)
    continuous = [name for name in CONTINUOUS if name in args.only]
    if continuous:
        X, lengths = frames(max(1, int(200 * args.scale)), 1000, 13, rng)
        for name in continuous:
            bench_continuous(name, X, lengths, rows)
    print(f"bench.compare.hmm (scale {args.scale}) on {machine()}")
    print("ratio = peer steady time / fastapml steady time\n")
    print(
        table(
            rows,
            [
                "workload",
                "library",
                "first call",
                "steady",
                "ratio",
                "peak mem",
                "parity",
            ],
        )
    )
    return rows


if __name__ == "__main__":
    run_script(main)
