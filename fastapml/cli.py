"""``fastapml`` command line: ``demo``, ``tag train|eval|predict``,
``gmm fit|predict``, ``silhouette``, ``spectral``, ``cnn train``,
``denoise`` and ``warmup``."""
import argparse
import contextlib
import os
import sys
import time
import warnings

import numpy as np

from ._files import load_npz, replaced_atomically
from . import warmup
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
    _demo_gmm(args.gmm_samples, args.seed)
    _demo_cluster(args.cluster_samples, args.seed)
    _demo_lagrange()
    _demo_cnn(args.seed)
    _demo_denoise(args.seed)
    return 0


def _demo_gmm(n_samples, seed):
    """GaussianMixture EM on a known mixture, against scikit-learn."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.cluster import kmeans_plusplus
    from sklearn.mixture import GaussianMixture as SkGaussianMixture

    from .mixture import GaussianMixture

    X, labels, weights, means = _known_mixture(n_samples, seed)
    k, d = means.shape
    print(f"\nGaussianMixture EM on {n_samples} points sampled from a known "
          f"{k}-component {d}-D mixture (full covariances)")
    # One explicit initialization, shared by both libraries: k-means++ seeds
    # as means, equal weights, the data's overall covariance for every
    # component.
    seeds, _ = kmeans_plusplus(X, k, random_state=seed)
    precision = np.linalg.inv(np.cov(X.T))
    params = dict(n_components=k, covariance_type="full", tol=1e-5,
                  max_iter=200, weights_init=np.full(k, 1 / k),
                  means_init=seeds, precisions_init=np.array([precision] * k))
    history = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                 # ConvergenceWarning
        start = time.perf_counter()
        GaussianMixture(**params).fit(X[:10 * k])       # compile / load kernels
        compile_s = time.perf_counter() - start
        start = time.perf_counter()
        gm = GaussianMixture(**params).fit(X, callback=lambda it, bound, change:
                                           history.append((it, bound, change)))
        fast_s = time.perf_counter() - start
        start = time.perf_counter()
        sk = SkGaussianMixture(**params).fit(X)
        sk_s = time.perf_counter() - start

    print(f"  {'iter':>4} {'lower bound':>12} {'change':>10}")
    step = max(1, len(history) // 6)
    for it, bound, change in history:
        if it == 1 or it % step == 0 or it == len(history):
            print(f"  {it:4d} {bound:12.6f} {change:10.2e}")
    print(f"  converged: {gm.converged_} after {gm.n_iter_} iterations")

    cost = ((means[:, None, :] - gm.means_[None, :, :]) ** 2).sum(axis=2)
    _, match = linear_sum_assignment(cost)
    print(f"  {'true weight':>11} {'fitted':>7}   {'true mean':<18} fitted mean")
    for j in range(k):
        true_mean = " ".join(f"{v:7.3f}" for v in means[j])
        fit_mean = " ".join(f"{v:7.3f}" for v in gm.means_[match[j]])
        print(f"  {weights[j]:11.3f} {gm.weights_[match[j]]:7.3f}   "
              f"{true_mean:<18} {fit_mean}")
    accuracy = np.mean(np.argsort(match)[gm.predict(X)] == labels)
    print(f"  labels recovered: {100 * accuracy:.2f}%")

    mean_diff = float(np.abs(gm.means_ - sk.means_).max())
    bound_diff = abs(gm.lower_bound_ - sk.lower_bound_) / abs(sk.lower_bound_)
    same = bool(mean_diff < 1e-6 and bound_diff < 1e-9
                and gm.n_iter_ == sk.n_iter_)
    print(f"  scikit-learn from the same init: max |means diff| "
          f"{mean_diff:.1e}, lower bound rel. diff {bound_diff:.1e}, "
          f"iterations {sk.n_iter_}; same answer as scikit-learn: {same}")
    print(f"  fit time: fastapml {1e3 * fast_s:.1f} ms (first call "
          f"{compile_s:.2f} s: compile or cache load), scikit-learn "
          f"{1e3 * sk_s:.1f} ms: {sk_s / fast_s:.1f}x")


def _known_mixture(n_samples, seed):
    """Samples, true labels, weights and means of a fixed 2-D mixture."""
    weights = np.array([0.4, 0.3, 0.2, 0.1])
    means = np.array([[-5.0, 0.0], [4.0, -3.0], [0.0, 5.0], [6.0, 5.0]])
    rng = np.random.default_rng(seed)
    chol = []
    for angle, sx, sy in ((0.3, 1.2, 0.5), (1.2, 0.9, 0.4), (0.0, 0.7, 0.7),
                          (2.0, 1.0, 0.3)):
        rot = np.array([[np.cos(angle), -np.sin(angle)],
                        [np.sin(angle), np.cos(angle)]])
        chol.append(rot @ np.diag([sx, sy]))
    labels = rng.choice(len(weights), size=n_samples, p=weights)
    noise = rng.standard_normal((n_samples, 2))
    X = means[labels] + np.einsum("nij,nj->ni", np.array(chol)[labels], noise)
    return X, labels, weights, means


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
# gmm
# ----------------------------------------------------------------------
_FINITE_ROWS = 1 << 16      # rows checked for NaN/inf at a time


def _open_npy(path):
    """One array saved with numpy.save, memory-mapped (not read into memory)."""
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except (ValueError, OSError, EOFError) as err:
        raise ValueError(f"{path} is not a .npy array file: {err}") from None
    if not isinstance(arr, np.ndarray):
        arr.close()
        raise ValueError(f"{path} is an .npz archive; expected one array "
                         "saved with numpy.save (.npy)")
    return arr


def _open_matrix(path):
    """A 2-D numeric .npy file, memory-mapped (not read into memory)."""
    X = _open_npy(path)
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{path}: expected a real numeric array, got dtype "
                         f"{X.dtype}")
    if X.ndim != 2 or 0 in X.shape:
        raise ValueError(f"{path}: expected a non-empty 2-D array "
                         f"(n_samples, n_features), got shape {X.shape}")
    return X


def _check_finite(block, path, first_row):
    """Raise naming ``path`` and the first row of ``block`` with NaN/inf."""
    if block.dtype.kind == "f":
        bad = ~np.isfinite(block).all(axis=1)
        if bad.any():
            row = first_row + int(np.argmax(bad))
            raise ValueError(f"{path}: row {row} holds NaN or inf")


def _add_dask_options(parser, what):
    """--workers / --scheduler: run ``what`` on dask.distributed."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help=f"{what} on a local dask cluster of N worker "
                            "processes (one thread each), started for this "
                            "command and shut down after it (needs the "
                            "[dask] extra)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help=f"{what} on the running dask scheduler at "
                            "ADDRESS (e.g. tcp://10.0.0.1:8786, from "
                            "'dask scheduler'); its workers must have "
                            "fastapml installed and read the data file at "
                            "the same path")


def _on_dask(args):
    """Whether the command runs on dask, checking --workers."""
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    return args.workers is not None or args.scheduler is not None


def _engine(args):
    """(context manager giving the dask client, description) for the
    command's --workers / --scheduler."""
    from ._dask import client_for
    where = (f"the dask scheduler at {args.scheduler}" if args.scheduler
             else f"a local dask cluster of {args.workers} worker process"
                  + "es" * (args.workers > 1))
    return client_for(args.workers, args.scheduler), where


def _rows_per_block(k, d):
    return int(np.clip((1 << 23) // (k * (d + 1)), 1024, 1 << 18))


@contextlib.contextmanager
def _atomic_npy(path, shape, dtype):
    """Yield a writable memmap; on success it replaces ``path`` atomically."""
    with replaced_atomically(path, ".npy") as tmp:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype,
                                        shape=shape)
        yield out
        out.flush()
        del out


def _check_plot_path(path):
    """Fail before fitting if a plot was asked for and cannot be written."""
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        raise ValueError("--plot needs matplotlib, which is not installed: "
                         "pip install matplotlib (or pip install "
                         "'fastapml[plot]')") from None
    ext = os.path.splitext(path)[1][1:].lower()
    formats = FigureCanvasBase.get_supported_filetypes()
    if ext and ext not in formats:
        raise ValueError(f"--plot {path}: matplotlib cannot write .{ext} "
                         f"files (it writes {', '.join(sorted(formats))})")


def _plot_lower_bounds(path, model, curves):
    """Lower bound per EM iteration: the kept run bold, other inits thin."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot()
    for curve in curves if len(curves) > 1 else ():
        ax.plot(np.arange(1, len(curve) + 1), curve, color="0.7", lw=1)
    bounds = np.asarray(model.lower_bounds_, dtype=np.float64)
    steps = np.arange(1, bounds.size + 1)
    ax.plot(steps, bounds, color="C0", lw=2,
            marker="o" if bounds.size <= 40 else None, ms=3,
            label="kept run" if len(curves) > 1 else None)
    if len(curves) > 1:
        ax.plot([], [], color="0.7", lw=1, label="other initializations")
        ax.legend(loc="lower right")
    ax.set_xlabel("EM iteration")
    ax.set_ylabel("lower bound (mean log-likelihood)")
    state = "converged" if model.converged_ else "not converged"
    ax.set_title(f"GaussianMixture k={model.n_components} "
                 f"{model.covariance_type}: {state} after {model.n_iter_} "
                 "iterations")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def cmd_gmm_fit(args):
    from .mixture import GaussianMixture
    from .mixture.io import save_model

    if args.plot:
        _check_plot_path(args.plot)
    X = _open_matrix(args.data)
    n, d = X.shape
    engine, where = contextlib.nullcontext(), "in memory"
    if _on_dask(args):
        # the workers read and check their own row blocks of the file
        from .scaleout import from_npy
        engine, where = _engine(args)
        X = from_npy(args.data)
        if args.float32:
            X = X.astype(np.float32)
    else:
        for i in range(0, n, _FINITE_ROWS):
            _check_finite(X[i:i + _FINITE_ROWS], args.data, i)
        if args.float32:
            X = np.asarray(X, dtype=np.float32)
    model = GaussianMixture(
        n_components=args.components, covariance_type=args.covariance,
        tol=args.tol, reg_covar=args.reg_covar, max_iter=args.max_iter,
        n_init=args.n_init, init_params=args.init, random_state=args.seed)
    curves = []

    def report(n_iter, lower_bound, change):
        if n_iter == 1:
            curves.append([])
        curves[-1].append(lower_bound)
        init = f"init {len(curves)}/{args.n_init} " if args.n_init > 1 else ""
        print(f"{init}iter {n_iter:4d}  lower bound {lower_bound:14.6f}  "
              f"change {change:10.3e}", file=sys.stderr, flush=True)

    print(f"fitting {args.components} components ({args.covariance} "
          f"covariances) to {n} samples x {d} features from {args.data}, "
          f"{where}", file=sys.stderr)
    with engine, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        model.fit(X, callback=report)
        seconds = time.perf_counter() - start
    for w in caught:
        print(f"fastapml: warning: {w.message}", file=sys.stderr)
    save_model(model, args.output)
    print(f"converged: {model.converged_}, iterations: {model.n_iter_}, "
          f"lower bound: {float(model.lower_bound_):.6f} (mean log-likelihood"
          f" per sample), time: {seconds:.2f} s")
    print(f"saved {args.output}")
    if args.plot:
        _plot_lower_bounds(args.plot, model, curves)
        print(f"plotted the lower bound per iteration to {args.plot}")
    return 0


def cmd_gmm_predict(args):
    from .mixture.io import load_model

    model = load_model(args.model)
    X = _open_matrix(args.data)
    n, d = X.shape
    if d != model.n_features_in_:
        raise ValueError(f"{args.data} has {d} features; the model in "
                         f"{args.model} expects {model.n_features_in_}")
    k = model.n_components
    rows = _rows_per_block(k, d)
    counts = np.zeros(k, dtype=np.int64)
    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        labels = stack.enter_context(_atomic_npy(args.output, (n,), np.int64))
        proba = None
        if args.proba:
            proba = stack.enter_context(
                _atomic_npy(args.proba, (n, k), model.means_.dtype))
        bar = stack.enter_context(Progress(n, "predicting", unit="samples"))
        for i in range(0, n, rows):
            block = np.asarray(X[i:i + rows])
            _check_finite(block, args.data, i)
            labels[i:i + rows] = model.predict(block)
            if proba is not None:
                proba[i:i + rows] = model.predict_proba(block)
            counts += np.bincount(labels[i:i + rows], minlength=k)
            bar.update(block.shape[0])
    seconds = time.perf_counter() - start
    written = args.output + (f" and {args.proba}" if args.proba else "")
    print(f"labeled {n} samples in {seconds:.2f} s "
          f"({_rate(n, seconds)} samples/s); wrote {written}")
    print("component sizes: " + " ".join(str(c) for c in counts))
    return 0


# ----------------------------------------------------------------------
# silhouette / spectral
# ----------------------------------------------------------------------
_SILHOUETTE_WARN_N = 100_000    # exact silhouette is O(n^2) work beyond this
_SPECTRAL_SCORE_N = 20_000      # spectral prints the silhouette up to this n
_CLUSTER_ROWS = 40              # per-cluster rows printed before eliding
_PLOT_POINTS = 2000             # vertices drawn per cluster in the plot


def _load_finite_matrix(path):
    """A 2-D numeric .npy file read into memory after a NaN/inf check."""
    X = _open_matrix(path)
    for i in range(0, X.shape[0], _FINITE_ROWS):
        _check_finite(X[i:i + _FINITE_ROWS], path, i)
    return np.asarray(X)


def _open_labels(path, n, data_path):
    """A 1-D .npy array of n integer, string or finite float labels."""
    labels = _open_npy(path)
    if labels.dtype.kind not in "biufUS":
        raise ValueError(f"{path}: expected integer or string labels, got "
                         f"dtype {labels.dtype}")
    if labels.ndim != 1:
        raise ValueError(f"{path}: expected a 1-D array of labels, got shape "
                         f"{labels.shape}")
    if labels.shape[0] != n:
        raise ValueError(f"{path} holds {labels.shape[0]} labels but "
                         f"{data_path} has {n} samples")
    labels = np.asarray(labels)
    if labels.dtype.kind == "f" and not np.isfinite(labels).all():
        row = int(np.argmax(~np.isfinite(labels)))
        raise ValueError(f"{path}: label {row} is NaN or inf")
    return labels


def _check_n_labels(n_labels, n, what):
    if not 2 <= n_labels <= n - 1:
        raise ValueError(f"{what} {n_labels} distinct label"
                         f"{'s' if n_labels != 1 else ''} for {n} samples; "
                         "the silhouette needs 2 to n_samples - 1")


def _check_metric(metric):
    """Fail before the work starts on a metric nobody accepts."""
    from .cluster.silhouette import METRICS
    if metric == "precomputed" or metric in METRICS:
        return
    try:
        from sklearn.metrics.pairwise import _VALID_METRICS
    except ImportError:                                 # private; may move
        return
    if metric not in _VALID_METRICS:
        raise ValueError(f"--metric {metric}: unknown metric (fastapml runs "
                         f"{', '.join(sorted(METRICS))} and precomputed; "
                         "other scikit-learn metrics are passed to it)")


def _save_npy(path, array):
    """np.save to exactly ``path`` (no suffix added), atomically."""
    with replaced_atomically(path, ".npy") as tmp:
        with open(tmp, "wb") as f:
            np.save(f, array, allow_pickle=False)


def _save_figure(fig, path):
    """fig.savefig, format from the extension (png without one), atomically."""
    ext = os.path.splitext(path)[1][1:].lower() or "png"
    with replaced_atomically(path, "." + ext) as tmp:
        with open(tmp, "wb") as f:
            fig.savefig(f, format=ext, dpi=120)


def _plot_silhouette(path, values, codes, names, mean, title):
    """The classic silhouette plot: each cluster's sorted coefficients as
    horizontal bars, clusters stacked, a dashed line at the mean."""
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    k, n = len(names), values.shape[0]
    sizes = np.bincount(codes, minlength=k)
    order = np.lexsort((values, codes))     # by cluster, then by value
    fig = Figure(figsize=(6.4, min(12.0, max(4.8, 2.4 + 0.2 * k))))
    ax = fig.add_subplot()
    cmap = colormaps["nipy_spectral"]
    gap = max(1, int(0.15 * n / (k + 5)))        # blank rows between clusters
    y, centers, start = 0, [], 0
    for j, size in enumerate(sizes):
        v = values[order[start:start + size]]
        start += size
        rows = np.arange(size)
        if size > _PLOT_POINTS:                 # keep the shape, not every bar
            rows = np.unique(np.linspace(0, size - 1, _PLOT_POINTS).round()
                             .astype(np.int64))
            v = v[rows]
        color = cmap((j + 0.5) / k)
        ax.fill_betweenx(y + rows, 0, v, facecolor=color, edgecolor=color,
                         alpha=0.7, step="mid" if size <= 200 else None)
        centers.append(y + 0.5 * size)
        y += size + gap
    ax.axvline(mean, color="red", linestyle="--", label=f"mean {mean:.3f}")
    ax.axvline(0, color="0.3", lw=0.8)
    if k <= _CLUSTER_ROWS:
        ax.set_yticks(centers, [str(name) for name in names])
    else:
        ax.set_yticks([])
    ax.set_ylim(-gap, y)
    ax.set_xlim(min(-0.1, float(values.min()) - 0.05), 1.0)
    ax.set_xlabel("silhouette coefficient")
    ax.set_ylabel("cluster")
    ax.set_title(title)
    ax.legend(loc="best")
    fig.tight_layout()
    _save_figure(fig, path)


def _dask_silhouette(X, codes, args, rows):
    """silhouette_samples of X on the current dask client, in row-block
    tiles: the workers read their blocks of the file (or, for a sample, the
    sampled rows travel with the graph)."""
    import dask.array as da

    from ._dask import compute
    from .cluster import silhouette_samples
    from .cluster.silhouette_dask import silhouette_chunks
    from .scaleout import from_npy

    n_workers = args.workers or 4
    chunks = silhouette_chunks(X.shape[0], X.shape[1], n_workers)
    if rows is None:
        Xd = from_npy(args.data, rows_per_chunk=chunks[0])
    else:
        Xd = da.from_array(np.ascontiguousarray(X), chunks=(chunks, -1))
    return compute(silhouette_samples(Xd, codes, metric=args.metric))[0]


def cmd_silhouette(args):
    from sklearn.utils import check_random_state

    from .cluster import silhouette_samples

    if args.plot:
        _check_plot_path(args.plot)
    _check_metric(args.metric)
    if args.sample_size is not None and args.sample_size < 2:
        raise ValueError(f"--sample-size must be at least 2, got "
                         f"{args.sample_size}")
    X = _load_finite_matrix(args.data)
    n = X.shape[0]
    labels = _open_labels(args.labels, n, args.data)
    names, codes = np.unique(labels, return_inverse=True)
    _check_n_labels(len(names), n, f"{args.labels} holds")

    rows = None
    if args.sample_size is not None and args.sample_size < n:
        # the subset silhouette_score(sample_size=, random_state=) draws
        rows = check_random_state(args.seed).permutation(n)[:args.sample_size]
        X = X[rows][:, rows] if args.metric == "precomputed" else X[rows]
        codes = codes[rows]
        present = np.unique(codes)
        _check_n_labels(present.size, rows.size,
                        f"the {rows.size} sampled labels hold")
    elif args.sample_size is not None:
        print(f"fastapml: warning: --sample-size {args.sample_size} >= "
              f"{n} samples; using all of them", file=sys.stderr)
    elif n > _SILHOUETTE_WARN_N:
        print(f"fastapml: warning: the exact silhouette of {n} samples is "
              "O(n^2) work; --sample-size N estimates it from a subset",
              file=sys.stderr)
    m = X.shape[0]
    sampled = f" (sampled from {n})" if rows is not None else ""
    engine, where = contextlib.nullcontext(), "in memory"
    if _on_dask(args):
        engine, where = _engine(args)
    print(f"silhouette of {m} samples{sampled}, {len(names)} clusters, "
          f"metric {args.metric}, from {args.data}, {where}", file=sys.stderr)
    with engine, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        if _on_dask(args):
            values = _dask_silhouette(X, codes, args, rows)
        else:
            values = silhouette_samples(X, codes, metric=args.metric)
        seconds = time.perf_counter() - start
    for w in caught:
        print(f"fastapml: warning: {w.message}", file=sys.stderr)
    mean = float(np.mean(values))

    if args.output:
        if rows is None:
            _save_npy(args.output, values)
        else:                       # one value per input row; NaN: not sampled
            full = np.full(n, np.nan)
            full[rows] = values
            _save_npy(args.output, full)

    k = len(names)
    sizes = np.bincount(codes, minlength=k)
    sums = np.bincount(codes, weights=values, minlength=k)
    mins = np.full(k, np.inf)
    np.minimum.at(mins, codes, values)
    print(f"mean silhouette: {mean:.6f}")
    width = max(7, max(len(str(name)) for name in names[:_CLUSTER_ROWS]))
    print(f"{'cluster':>{width}} {'size':>9} {'mean':>9} {'min':>9}")
    for j in range(min(k, _CLUSTER_ROWS)):
        if sizes[j]:
            print(f"{str(names[j]):>{width}} {sizes[j]:9d} "
                  f"{sums[j] / sizes[j]:9.4f} {mins[j]:9.4f}")
        else:
            print(f"{str(names[j]):>{width}} {0:9d} {'-':>9} {'-':>9}")
    if k > _CLUSTER_ROWS:
        print(f"... {k - _CLUSTER_ROWS} more clusters")
    print(f"negative: {100 * np.mean(values < 0):.2f}% of samples; "
          f"time: {seconds:.2f} s")
    if args.output:
        print(f"wrote {args.output}")
    if args.plot:
        title = (f"silhouette: {m} samples, {k} clusters, {args.metric}"
                 + (" (sampled)" if rows is not None else ""))
        _plot_silhouette(args.plot, values, codes, names, mean, title)
        print(f"plotted the silhouette per cluster to {args.plot}")
    return 0


def cmd_spectral(args):
    from .cluster import SpectralClustering, silhouette_score

    X = _load_finite_matrix(args.data)
    n, d = X.shape
    if not 2 <= args.clusters < n:
        raise ValueError(f"-k must be between 2 and n_samples - 1 = {n - 1}, "
                         f"got {args.clusters}")
    if args.affinity == "nearest_neighbors" and not 1 <= args.neighbors < n:
        raise ValueError(f"--neighbors must be between 1 and n_samples - 1 = "
                         f"{n - 1}, got {args.neighbors}")
    model = SpectralClustering(
        n_clusters=args.clusters, affinity=args.affinity,
        n_neighbors=args.neighbors, gamma=args.gamma,
        assign_labels=args.assign_labels, random_state=args.seed)
    graph = (f"{args.neighbors}-nearest-neighbour graph"
             if args.affinity == "nearest_neighbors"
             else f"rbf affinity, gamma {args.gamma}")
    print(f"spectral clustering of {n} samples x {d} features from "
          f"{args.data} into {args.clusters} clusters ({graph}, "
          f"{args.assign_labels})", file=sys.stderr)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        labels = np.asarray(model.fit_predict(X), dtype=np.int64)
    seconds = time.perf_counter() - start
    for w in caught:
        print(f"fastapml: warning: {w.message}", file=sys.stderr)
    _save_npy(args.output, labels)
    sizes = np.bincount(labels, minlength=args.clusters)
    print(f"clustered {n} samples in {seconds:.2f} s; wrote {args.output}")
    print("cluster sizes: " + " ".join(str(c) for c in sizes))
    if n <= _SPECTRAL_SCORE_N and 2 <= np.count_nonzero(sizes) <= n - 1:
        start = time.perf_counter()
        score = silhouette_score(X, labels)
        print(f"silhouette (euclidean): {score:.4f} "
              f"({time.perf_counter() - start:.2f} s)")
    return 0


def _demo_cluster(n_samples, seed):
    """Spectral clustering of two moons and the silhouette of blobs, each
    against scikit-learn."""
    from sklearn.cluster import SpectralClustering as SkSpectralClustering
    from sklearn.datasets import make_blobs, make_moons
    from sklearn.metrics import adjusted_rand_score
    from sklearn.metrics import silhouette_score as sk_silhouette_score

    from .cluster import SpectralClustering, silhouette_score

    X, truth = make_moons(n_samples, noise=0.05, random_state=seed)
    print(f"\nSpectralClustering of {n_samples} two-moons points (noise 0.05,"
          " 10-nearest-neighbour graph, k-means on the embedding)")
    params = dict(n_clusters=2, affinity="nearest_neighbors", n_neighbors=10,
                  random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # "graph not fully connected"
        start = time.perf_counter()
        SpectralClustering(**params).fit(X[::max(1, n_samples // 200)])
        compile_s = time.perf_counter() - start
        start = time.perf_counter()
        ours = SpectralClustering(**params).fit_predict(X)
        fast_s = time.perf_counter() - start
        start = time.perf_counter()
        theirs = SkSpectralClustering(**params).fit_predict(X)
        sk_s = time.perf_counter() - start
    print(f"  {'':<14} {'ARI vs truth':>12} {'time ms':>9}")
    print(f"  {'fastapml':<14} {adjusted_rand_score(truth, ours):12.4f} "
          f"{1e3 * fast_s:9.1f}")
    print(f"  {'scikit-learn':<14} {adjusted_rand_score(truth, theirs):12.4f} "
          f"{1e3 * sk_s:9.1f}")
    print(f"  fastapml {sk_s / fast_s:.1f}x scikit-learn's speed (first call "
          f"{compile_s:.2f} s: compile or cache load); ARI between the two: "
          f"{adjusted_rand_score(ours, theirs):.4f}")

    X, labels = make_blobs(n_samples, n_features=8, centers=6, cluster_std=2.0,
                           random_state=seed)
    print(f"silhouette_score of {n_samples} points in 6 Gaussian blobs (8-D,"
          " euclidean)")
    start = time.perf_counter()
    silhouette_score(X[:64], labels[:64])       # compile / load kernels
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = silhouette_score(X, labels)
    fast_s = time.perf_counter() - start
    start = time.perf_counter()
    theirs = sk_silhouette_score(X, labels)
    sk_s = time.perf_counter() - start
    print(f"  fastapml {ours:.12f} in {1e3 * fast_s:.1f} ms (first call "
          f"{compile_s:.2f} s), scikit-learn {theirs:.12f} in "
          f"{1e3 * sk_s:.1f} ms: {sk_s / fast_s:.1f}x; |difference| "
          f"{abs(ours - theirs):.1e}")


def _demo_lagrange():
    """The course's Lagrange example, and min ||Ax|| on the sphere by SVD."""
    from .optimize import min_on_sphere, minimize_equality

    print("\nLagrange multipliers: min 3x - 4y subject to x^2 + y^2 = 1 "
          "(L = f - lam g; exact: x = (-0.6, 0.8), lam = -2.5, value -5)")
    res = minimize_equality(lambda v: 3 * v[0] - 4 * v[1], [-0.5, 0.5],
                            lambda v: v[0] ** 2 + v[1] ** 2 - 1)
    x, lam = res.x, res.multipliers[0]
    print(f"  x = ({x[0]:.12f}, {x[1]:.12f}), lam = {lam:.12f}, value "
          f"{res.fun:.12f}; {res.n_iter} Newton iterations, |grad L| = "
          f"{res.kkt_norm:.1e} ({res.message})")
    A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0],
                  [1.0, 0.0, 1.0]])
    v, value = min_on_sphere(A)
    w, V = np.linalg.eigh(A.T @ A)
    print(f"min ||Ax||^2 on the unit sphere for a 4x3 A: {value:.12f} at "
          f"{np.array2string(v, precision=6)} (SVD of A); eigh(A^T A): "
          f"{w[0]:.12f}, same vector up to sign: "
          f"{bool(np.allclose(abs(v @ V[:, 0]), 1))}")


# ----------------------------------------------------------------------
# denoise
# ----------------------------------------------------------------------
_DEMO_IMAGE = "demo_image.npz"  # fastapml/data/, scripts/make_demo_image.py
_CAPTION = 20                   # pixels of caption strip under each panel


def _demo_image():
    """The embedded 256 x 256 uint8 grayscale crop of the astronaut photo."""
    from importlib import resources
    with resources.as_file(resources.files("fastapml") / "data"
                           / _DEMO_IMAGE) as path:
        return load_npz(path, "demo image")["image"]


def _add_noise(clean, sigma, seed):
    """``clean`` plus N(0, sigma^2) noise, rounded and clipped to uint8."""
    noise = np.random.default_rng(seed).normal(0.0, sigma, clean.shape)
    return np.clip(np.rint(clean + noise), 0, 255).astype(np.uint8)


def _read_image(path):
    """An image file as uint8 (H, W) for mode L or (H, W, 3) for RGB; LA and
    RGBA lose their alpha channel, other modes are refused."""
    from PIL import Image
    try:
        with Image.open(path) as img:
            img.load()
            mode = img.mode
            if mode in ("LA", "RGBA"):
                print(f"fastapml: warning: {path}: dropping the alpha channel "
                      f"of a {mode} image", file=sys.stderr)
                img = img.convert(mode[:-1])
            elif mode not in ("L", "RGB"):
                raise ValueError(f"{path} is a {mode} image; denoise reads "
                                 "8-bit grayscale (L) or RGB images: convert "
                                 "it first")
            return np.asarray(img)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except (OSError, SyntaxError, Image.DecompressionBombError) as err:
        raise ValueError(f"{path} is not an image Pillow can read: {err}") \
            from None


def _check_image_path(path):
    """Fail before the work starts if Pillow cannot write ``path``'s format."""
    from PIL import Image
    ext = os.path.splitext(path)[1].lower()
    if Image.registered_extensions().get(ext) not in Image.SAVE:
        what = f"{ext} files" if ext else "a file without an extension"
        raise ValueError(f"-o {path}: Pillow cannot write {what} (use e.g. "
                         ".png)")


def _save_image(path, image):
    """``image.save(path)``, format from the extension, atomically."""
    with replaced_atomically(path, os.path.splitext(path)[1].lower()) as tmp:
        image.save(tmp)


def _denoise_timed(noisy, sigma, method, prior, stride):
    """denoise() after a warm-up on a corner (compiles or loads the kernels),
    printing each EPLL step to stderr; returns (out, seconds, warm-up s)."""
    from .denoise import denoise
    channels = 3 if noisy.ndim == 3 else 1
    calls = 0

    def report(step, n_steps, beta):
        nonlocal calls
        calls += 1
        channel = (f"channel {(calls - 1) // n_steps + 1}/{channels} "
                   if channels > 1 else "")
        print(f"{channel}step {step}/{n_steps} beta={beta:.4g} "
              f"({time.perf_counter() - start:.2f} s)", file=sys.stderr,
              flush=True)

    p = prior.patch_size
    start = time.perf_counter()
    denoise(noisy[:2 * p, :2 * p], sigma, method, prior, stride=stride)
    warm_s = time.perf_counter() - start
    start = time.perf_counter()
    out = denoise(noisy, sigma, method, prior, stride=stride, callback=report)
    return out, time.perf_counter() - start, warm_s


def _side_by_side(panels, captions):
    """Equal-size grayscale panels in a row, a caption strip below each."""
    from PIL import Image, ImageDraw
    h, w = panels[0].shape
    canvas = Image.new("L", (w * len(panels), h + _CAPTION), 255)
    draw = ImageDraw.Draw(canvas)
    for i, (panel, caption) in enumerate(zip(panels, captions)):
        canvas.paste(Image.fromarray(panel), (i * w, 0))
        _, _, right, bottom = draw.textbbox((0, 0), caption)
        draw.text((i * w + (w - right) // 2, h + (_CAPTION - bottom) // 2),
                  caption, fill=0)
    return canvas


def cmd_denoise(args):
    """Denoise an image file, or the embedded demo image with --demo."""
    from PIL import Image

    from .denoise import PatchPrior, default_prior, psnr

    if args.demo and (args.input or args.reference):
        raise ValueError("--demo denoises the embedded image: give no input "
                         "image and no --reference")
    if not args.demo and not (args.input and args.output):
        raise ValueError("give an input image and -o/--output (or --demo)")
    if not args.demo and args.sigma is None:
        raise ValueError("--sigma is required: the noise standard deviation "
                         "on the 0-255 scale")
    sigma = 25.0 if args.sigma is None else args.sigma
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"--sigma must be a positive number (on the 0-255 "
                         f"scale), got {sigma:g}")
    if args.stride is not None and args.stride < 1:
        raise ValueError(f"--stride must be >= 1, got {args.stride}")
    if args.output:
        _check_image_path(args.output)
    prior = PatchPrior.load(args.prior) if args.prior else default_prior()

    if args.demo:
        clean = _demo_image()
        noisy = _add_noise(clean, sigma, args.seed)
        name = f"the embedded demo image + noise (seed {args.seed})"
    else:
        noisy, name = _read_image(args.input), args.input
        if args.reference:
            clean = _read_image(args.reference)
            if clean.shape != noisy.shape:
                raise ValueError(f"--reference {args.reference} has shape "
                                 f"{clean.shape}, {args.input} has "
                                 f"{noisy.shape}")
    size = "x".join(map(str, noisy.shape[1::-1]))
    mode = "RGB" if noisy.ndim == 3 else "L"
    print(f"denoising {name} ({size} {mode}) with {args.method}, sigma "
          f"{sigma:g}", file=sys.stderr, flush=True)
    out, seconds, warm_s = _denoise_timed(noisy, sigma, args.method, prior,
                                          args.stride)
    print(f"time: {seconds:.2f} s (plus {warm_s:.2f} s first call: compile or "
          "cache load)")
    if args.demo or args.reference:
        before, after = psnr(clean, noisy, 255), psnr(clean, out, 255)
        against = "the clean image" if args.demo else args.reference
        print(f"PSNR against {against}: input {before:.2f} dB, output "
              f"{after:.2f} dB")
    if args.demo and args.output:
        _save_image(args.output, _side_by_side(
            [noisy, out, clean], [f"noisy {before:.2f} dB",
                                  f"{args.method} {after:.2f} dB", "clean"]))
        print(f"wrote noisy | {args.method} | clean to {args.output}")
    elif args.output:
        _save_image(args.output, Image.fromarray(out))
        print(f"wrote {args.output}")
    return 0


def _demo_denoise(seed):
    """mmse denoising of a 128 x 128 crop of the demo image at sigma 25."""
    from .denoise import default_prior, psnr

    clean = _demo_image()[40:168, 64:192]
    noisy = _add_noise(clean, 25, seed)
    prior = default_prior()
    p = prior.patch_size
    print(f"\nPatch-prior denoising (fastapml.denoise, mmse) of a 128x128 "
          f"crop of the astronaut photo, Gaussian noise sigma 25 (0-255), "
          f"{prior.n_components}-component {p}x{p}-patch default prior")
    out, seconds, warm_s = _denoise_timed(noisy, 25, "mmse", prior, None)
    print(f"  PSNR noisy {psnr(clean, noisy, 255):.2f} dB, denoised "
          f"{psnr(clean, out, 255):.2f} dB in {1e3 * seconds:.0f} ms (first "
          f"call {warm_s:.2f} s: compile or cache load)")


# ----------------------------------------------------------------------
# entry point
# ----------------------------------------------------------------------
def _train_cnn(epochs, batch_size, seed):
    """Train the digits CNN with a per-epoch progress bar; returns model, history."""
    from .nn.training import train_digits

    bars = {}

    def report(epoch, seen, total, loss, acc):
        if epoch not in bars:
            bars[epoch] = Progress(total, "", unit="samples").__enter__()
        bar = bars[epoch]
        bar.label = f"epoch {epoch}/{epochs} loss {loss:.4f} acc {acc:.3f}"
        bar.update(seen - bar.done)
        if seen == total:
            bar.__exit__(None, None, None)

    return train_digits(epochs=epochs, batch_size=batch_size, random_state=seed,
                        progress=report)


def _demo_cnn(seed):
    print("\nCNN on scikit-learn's 8x8 digits (fastapml.nn, 2 epochs)")
    _, history = _train_cnn(2, 32, seed)
    print(f"test accuracy {100 * history['test_accuracy'][-1]:.1f}% "
          f"({history['samples_per_s'][-1]:,.0f} samples/s)")


def cmd_cnn_train(args):
    """Train the digits CNN, print per-epoch results and test accuracy."""
    if args.epochs < 1 or args.batch_size < 1:
        raise ValueError("--epochs and --batch-size must be >= 1")
    start = time.perf_counter()
    model, history = _train_cnn(args.epochs, args.batch_size, args.seed)
    elapsed = time.perf_counter() - start
    for i, values in enumerate(zip(*(history[k] for k in (
            "loss", "train_accuracy", "test_accuracy", "samples_per_s"))), 1):
        print("epoch {:3d}  loss {:.4f}  train acc {:.3f}  test acc {:.3f}  "
              "{:,.0f} samples/s".format(i, *values))
    print(f"test accuracy: {100 * history['test_accuracy'][-1]:.2f}% "
          f"({args.epochs} epochs, {elapsed:.1f} s)")
    if args.output:
        model.save(args.output)
        print(f"model written to {args.output}")
    return 0


def cmd_warmup(args):
    """Compile and cache the kernels of the capabilities named (or all)."""
    return warmup.run(args.capabilities)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="fastapml", description="Numba-accelerated classic machine learning.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the HMM tagger, a Gaussian "
                                       "mixture, spectral clustering, a CNN "
                                       "and denoising on embedded data")
    demo.add_argument("--sentences", type=int, default=4000,
                      help="training sentences to sample (default 4000)")
    demo.add_argument("--em-iter", type=int, default=8,
                      help="Baum-Welch iterations to show (default 8)")
    demo.add_argument("--gmm-samples", type=int, default=4000,
                      help="points for the Gaussian-mixture part (default 4000)")
    demo.add_argument("--cluster-samples", type=int, default=3000,
                      help="points for the clustering part: two moons for "
                           "spectral clustering, blobs for the silhouette "
                           "(default 3000)")
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

    gmm = sub.add_parser("gmm", help="Gaussian mixture models (EM)")
    gmm_sub = gmm.add_subparsers(dest="gmm_command", required=True)
    fit = gmm_sub.add_parser(
        "fit", help="fit a GaussianMixture to a 2-D .npy array; prints the "
                    "lower bound per EM iteration")
    fit.add_argument("data", help="samples, shape (n_samples, n_features) "
                                  "(.npy, memory-mapped)")
    fit.add_argument("-k", "--components", type=int, required=True,
                     help="number of mixture components")
    fit.add_argument("-o", "--output", required=True, help="model file (.npz)")
    fit.add_argument("--covariance", choices=("full", "tied", "diag",
                                              "spherical"), default="full")
    fit.add_argument("--max-iter", type=int, default=100)
    fit.add_argument("--tol", type=float, default=1e-3,
                     help="stop when the lower bound changes less (default 1e-3)")
    fit.add_argument("--reg-covar", type=float, default=1e-6)
    fit.add_argument("--n-init", type=int, default=1,
                     help="initializations; the best is kept (default 1)")
    fit.add_argument("--init", choices=("kmeans", "k-means++", "random",
                                        "random_from_data"), default="kmeans")
    fit.add_argument("--seed", type=int, default=None,
                     help="random seed for the initialization")
    fit.add_argument("--float32", action="store_true",
                     help="fit in float32 (the model is stored in float32)")
    fit.add_argument("--plot", metavar="FILE",
                     help="draw the lower bound per iteration (needs "
                          "matplotlib); format from the extension")
    _add_dask_options(fit, "fit")
    fit.set_defaults(func=cmd_gmm_fit)

    gpredict = gmm_sub.add_parser(
        "predict", help="component labels (and probabilities) for a .npy array")
    gpredict.add_argument("model", help="model file written by 'gmm fit'")
    gpredict.add_argument("data", help="samples, shape (n_samples, n_features)"
                                       " (.npy, memory-mapped)")
    gpredict.add_argument("-o", "--output", required=True,
                          help="labels, int64 (.npy)")
    gpredict.add_argument("--proba", metavar="FILE",
                          help="also write the (n_samples, k) probabilities")
    gpredict.set_defaults(func=cmd_gmm_predict)

    sil = sub.add_parser(
        "silhouette", help="silhouette coefficients of a clustering: the mean,"
                           " per-cluster statistics and the classic plot")
    sil.add_argument("data", help="samples, shape (n_samples, n_features), or "
                                  "(n_samples, n_samples) distances with "
                                  "--metric precomputed (.npy)")
    sil.add_argument("labels", help="cluster labels, 1-D .npy of integers or "
                                    "strings, one per sample")
    sil.add_argument("--metric", default="euclidean",
                     help="euclidean (default), sqeuclidean, manhattan, "
                          "chebyshev, cosine, precomputed, or any other "
                          "scikit-learn metric (run by scikit-learn)")
    sil.add_argument("--sample-size", type=int, metavar="N",
                     help="score a random subset of N samples (the subset "
                          "sklearn's silhouette_score draws for --seed)")
    sil.add_argument("--seed", type=int, default=None,
                     help="random seed for --sample-size")
    sil.add_argument("-o", "--output", metavar="FILE",
                     help="write each sample's coefficient, float64 (.npy); "
                          "NaN for samples left out by --sample-size")
    sil.add_argument("--plot", metavar="FILE",
                     help="draw the silhouette plot (needs matplotlib); "
                          "format from the extension")
    _add_dask_options(sil, "compute")
    sil.set_defaults(func=cmd_silhouette)

    spec = sub.add_parser(
        "spectral", help="spectral clustering of a 2-D .npy array; writes "
                         "the labels")
    spec.add_argument("data", help="samples, shape (n_samples, n_features) "
                                   "(.npy)")
    spec.add_argument("-k", "--clusters", type=int, required=True,
                      help="number of clusters")
    spec.add_argument("-o", "--output", required=True,
                      help="labels, int64 (.npy)")
    spec.add_argument("--affinity", choices=("nearest_neighbors", "rbf"),
                      default="nearest_neighbors",
                      help="a sparse k-nearest-neighbour graph (default) or "
                           "a dense rbf kernel (small data only)")
    spec.add_argument("--neighbors", type=int, default=10,
                      help="neighbours per sample for nearest_neighbors "
                           "(default 10)")
    spec.add_argument("--gamma", type=float, default=1.0,
                      help="rbf kernel coefficient (default 1.0)")
    spec.add_argument("--assign-labels", choices=("kmeans", "discretize",
                                                  "cluster_qr"),
                      default="kmeans",
                      help="how the spectral embedding becomes labels "
                           "(default kmeans)")
    spec.add_argument("--seed", type=int, default=None,
                      help="random seed (eigensolver start, k-means)")
    spec.set_defaults(func=cmd_spectral)

    cnn = sub.add_parser("cnn", help="convolutional networks (fastapml.nn)")
    cnn_sub = cnn.add_subparsers(dest="cnn_command", required=True)
    ctrain = cnn_sub.add_parser("train", help="train a small CNN on scikit-learn's "
                                              "8x8 digits and print test accuracy")
    ctrain.add_argument("--epochs", type=int, default=10, help="default 10")
    ctrain.add_argument("--batch-size", type=int, default=32, help="default 32")
    ctrain.add_argument("--seed", type=int, default=0,
                        help="initialization and shuffling seed (default 0)")
    ctrain.add_argument("-o", "--output", help="write the trained model (.npz)")
    ctrain.set_defaults(func=cmd_cnn_train)

    den = sub.add_parser(
        "denoise", help="remove Gaussian noise from an image with a patch "
                        "prior (EPLL, MMSE or one Gaussian)",
        description="Denoise an 8-bit grayscale (L) or RGB image read with "
                    "Pillow; LA and RGBA lose their alpha channel, other "
                    "modes are refused.  With --demo: the embedded astronaut "
                    "crop plus noise, shown noisy | denoised | clean.")
    den.add_argument("input", nargs="?", help="noisy image (PNG, TIFF, ...)")
    den.add_argument("-o", "--output", metavar="FILE",
                     help="denoised image, format from the extension; with "
                          "--demo the side-by-side picture (optional)")
    den.add_argument("--sigma", type=float,
                     help="noise standard deviation on the 0-255 scale "
                          "(required; 25 with --demo)")
    den.add_argument("--method", choices=("epll", "mmse", "gaussian"),
                     default="epll", help="default epll (best, slowest)")
    den.add_argument("--stride", type=int, metavar="N",
                     help="use every N-th patch in each direction (default "
                          "2 for epll and mmse, 1 for gaussian; 1 is about "
                          "4x slower than 2)")
    den.add_argument("--prior", metavar="FILE",
                     help="patch prior saved by PatchPrior.save (.npz; "
                          "default: the shipped prior)")
    den.add_argument("--reference", metavar="FILE",
                     help="clean image: print the PSNR of the input and the "
                          "output against it")
    den.add_argument("--demo", action="store_true",
                     help="denoise the embedded demo image (no input)")
    den.add_argument("--seed", type=int, default=0, metavar="N",
                     help="noise seed for --demo (default 0)")
    den.set_defaults(func=cmd_denoise)

    warm = sub.add_parser(
        "warmup", help="compile and cache the numba kernels for this CPU",
        description="Compile every kernel of the capabilities named (all by "
                    "default) for float32 and float64 into numba's on-disk "
                    "cache, so that later processes only load them (e.g. "
                    "RUN fastapml warmup in a Dockerfile).  The cache is per "
                    "CPU target; NUMBA_CACHE_DIR places it.")
    warm.add_argument("capabilities", nargs="*", metavar="CAPABILITY",
                      type=warmup.capability,
                      help=f"any of {', '.join(warmup.CAPABILITIES)} "
                           "(default: all)")
    warm.set_defaults(func=cmd_warmup)
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
