"""``fastapml silhouette`` and ``fastapml spectral``, and the clustering part
of ``fastapml demo``."""

import sys
import time
import warnings

import numpy as np

from .._chunks import reporting
from .._progress import Progress
from ._common import (
    add_json_option,
    check_plot_path,
    print_json,
    print_warnings,
    save_figure,
    warn,
)
from ._dask_options import add_dask_options, engine
from ._npy import load_finite_matrix, read_npy, save_npy

SILHOUETTE_WARN_N = 100_000  # the exact silhouette is O(n^2) work beyond this
SPECTRAL_SCORE_N = 20_000  # spectral reports the silhouette up to this n
CLUSTER_ROWS = 40  # per-cluster rows printed (and y ticks drawn) before eliding
PLOT_POINTS = 2000  # vertices drawn per cluster in the silhouette plot


def add_parser(subparsers):
    """Add the ``silhouette`` and ``spectral`` commands."""
    p = subparsers.add_parser(
        "silhouette",
        help="silhouette coefficients of a clustering: the mean, per-cluster "
        "statistics and the classic plot",
    )
    p.add_argument(
        "data",
        help="samples, shape (n_samples, n_features), or (n_samples, n_samples) "
        "distances with --metric precomputed (.npy)",
    )
    p.add_argument(
        "labels",
        help="cluster labels, 1-D .npy of integers or strings, one per sample",
    )
    p.add_argument(
        "--metric",
        default="euclidean",
        help="euclidean (default), sqeuclidean, manhattan, chebyshev, cosine, "
        "precomputed, or any other scikit-learn metric (run by scikit-learn)",
    )
    p.add_argument(
        "--sample-size",
        type=int,
        metavar="N",
        help="score a random subset of N samples (the subset sklearn's "
        "silhouette_score draws for --seed)",
    )
    p.add_argument("--seed", type=int, default=None, help="seed for --sample-size")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write each sample's coefficient, float64 (.npy); NaN for samples "
        "left out by --sample-size",
    )
    p.add_argument(
        "--plot",
        metavar="FILE",
        help="draw the silhouette plot (needs matplotlib); format from the extension",
    )
    add_dask_options(p, "compute")
    add_json_option(
        p,
        "mean (the mean silhouette), n_samples (scored), n_samples_total, "
        "sampled, metric, n_clusters, clusters (a list of {label, size, mean, "
        "min}, every cluster; mean and min null for a cluster the sample "
        "missed), negative_fraction, seconds, dask, output, plot",
    )
    p.set_defaults(
        func=silhouette,
        input_paths=(("DATA", "data"), ("LABELS", "labels")),
        output_paths=(("-o", "output"), ("--plot", "plot")),
    )

    p = subparsers.add_parser(
        "spectral", help="spectral clustering of a 2-D .npy array; writes the labels"
    )
    p.add_argument("data", help="samples, shape (n_samples, n_features) (.npy)")
    p.add_argument(
        "-k", "--clusters", type=int, required=True, help="number of clusters"
    )
    p.add_argument("-o", "--output", required=True, help="labels, int64 (.npy)")
    p.add_argument(
        "--affinity",
        choices=("nearest_neighbors", "rbf"),
        default="nearest_neighbors",
        help="a sparse k-nearest-neighbour graph (default) or a dense rbf "
        "kernel (small data only)",
    )
    p.add_argument(
        "--neighbors",
        type=int,
        default=10,
        help="neighbours per sample for nearest_neighbors (default 10)",
    )
    p.add_argument(
        "--gamma", type=float, default=1.0, help="rbf kernel coefficient (default 1.0)"
    )
    p.add_argument(
        "--assign-labels",
        choices=("kmeans", "discretize", "cluster_qr"),
        default="kmeans",
        help="how the spectral embedding becomes labels (default kmeans)",
    )
    p.add_argument(
        "--seed", type=int, default=None, help="random seed (eigensolver, k-means)"
    )
    add_json_option(
        p,
        "n_samples, n_clusters, cluster_sizes, silhouette (euclidean; null "
        f"above {SPECTRAL_SCORE_N} samples or with fewer than 2 clusters), "
        "seconds, output",
    )
    p.set_defaults(
        func=spectral,
        input_paths=(("DATA", "data"),),
        output_paths=(("-o", "output"),),
    )


# ----------------------------------------------------------------------
# silhouette
# ----------------------------------------------------------------------
def _open_labels(path, n, data_path):
    """A 1-D ``.npy`` array of ``n`` integer, string or finite float labels."""
    labels = read_npy(path)
    if labels.dtype.kind not in "biufUS":
        raise ValueError(
            f"{path}: expected integer or string labels, got dtype {labels.dtype}"
        )
    if labels.ndim != 1:
        raise ValueError(
            f"{path}: expected a 1-D array of labels, got shape {labels.shape}"
        )
    if labels.shape[0] != n:
        raise ValueError(
            f"{path} holds {labels.shape[0]} labels but {data_path} has {n} samples"
        )
    labels = np.asarray(labels)
    if labels.dtype.kind == "f" and not np.isfinite(labels).all():
        row = int(np.argmax(~np.isfinite(labels)))
        raise ValueError(f"{path}: label {row} is NaN or inf")
    return labels


def _check_n_labels(n_labels, n, what):
    if not 2 <= n_labels <= n - 1:
        plural = "s" if n_labels != 1 else ""
        raise ValueError(
            f"{what} {n_labels} distinct label{plural} for {n} samples; the "
            "silhouette needs 2 to n_samples - 1"
        )


def _check_metric(metric):
    """Fail before the work starts on a metric nobody accepts."""
    from ..cluster.silhouette import METRICS

    if metric == "precomputed" or metric in METRICS:
        return
    try:
        from sklearn.metrics.pairwise import _VALID_METRICS
    except ImportError:  # private to scikit-learn; may move
        return
    if metric not in _VALID_METRICS:
        raise ValueError(
            f"--metric {metric}: unknown metric (fastapml runs "
            f"{', '.join(sorted(METRICS))} and precomputed; other scikit-learn "
            "metrics are passed to it)"
        )


def _dask_silhouette(X, codes, args, rows):
    """silhouette_samples of X on the current dask client, in row-block
    tiles: the workers read their blocks of the file (or, for a sample, the
    sampled rows travel with the graph)."""
    import dask.array as da

    from .._dask import compute
    from ..cluster import silhouette_samples
    from ..cluster.silhouette_dask import silhouette_chunks
    from ..scaleout import from_npy

    n_workers = args.workers or 4
    chunks = silhouette_chunks(X.shape[0], X.shape[1], n_workers)
    if rows is None:
        Xd = from_npy(args.data, rows_per_chunk=chunks[0])
    else:
        Xd = da.from_array(np.ascontiguousarray(X), chunks=(chunks, -1))
    return compute(silhouette_samples(Xd, codes, metric=args.metric))[0]


def _per_cluster(names, codes, values):
    """One {label, size, mean, min} per cluster (mean and min NaN if empty)."""
    k = len(names)
    sizes = np.bincount(codes, minlength=k)
    sums = np.bincount(codes, weights=values, minlength=k)
    mins = np.full(k, np.inf)
    np.minimum.at(mins, codes, values)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / sizes
    return [
        {
            "label": names[j],
            "size": int(sizes[j]),
            "mean": float(means[j]) if sizes[j] else float("nan"),
            "min": float(mins[j]) if sizes[j] else float("nan"),
        }
        for j in range(k)
    ]


def silhouette(args):
    """``silhouette``: per-sample coefficients, their mean and per-cluster
    statistics, optionally the plot."""
    from sklearn.utils import check_random_state

    from ..cluster import silhouette_samples

    if args.plot:
        check_plot_path(args.plot)
    _check_metric(args.metric)
    if args.sample_size is not None and args.sample_size < 2:
        raise ValueError(f"--sample-size must be at least 2, got {args.sample_size}")
    X = load_finite_matrix(args.data)
    n = X.shape[0]
    labels = _open_labels(args.labels, n, args.data)
    names, codes = np.unique(labels, return_inverse=True)
    _check_n_labels(len(names), n, f"{args.labels} holds")

    rows = None
    if args.sample_size is not None and args.sample_size < n:
        # the subset silhouette_score(sample_size=, random_state=) draws
        rows = check_random_state(args.seed).permutation(n)[: args.sample_size]
        X = X[rows][:, rows] if args.metric == "precomputed" else X[rows]
        codes = codes[rows]
        _check_n_labels(
            np.unique(codes).size, rows.size, f"the {rows.size} sampled labels hold"
        )
    elif args.sample_size is not None:
        warn(f"--sample-size {args.sample_size} >= {n} samples; using all of them")
    elif n > SILHOUETTE_WARN_N:
        warn(
            f"the exact silhouette of {n} samples is O(n^2) work; --sample-size N "
            "estimates it from a subset"
        )
    m = X.shape[0]
    sampled = f" (sampled from {n})" if rows is not None else ""
    client, where, dask = engine(args)
    print(
        f"silhouette of {m} samples{sampled}, {len(names)} clusters, metric "
        f"{args.metric}, from {args.data}, {where}",
        file=sys.stderr,
    )
    with client, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        if dask is not None:
            values = _dask_silhouette(X, codes, args, rows)
        else:
            with Progress(100, "silhouette", "%") as bar, reporting(bar.fraction):
                values = silhouette_samples(X, codes, metric=args.metric)
        seconds = time.perf_counter() - start
    print_warnings(caught)
    mean = float(np.mean(values))

    if args.output:
        if rows is None:
            save_npy(args.output, values)
        else:  # one value per input row; NaN: not sampled
            full = np.full(n, np.nan)
            full[rows] = values
            save_npy(args.output, full)
    if args.plot:
        title = f"silhouette: {m} samples, {len(names)} clusters, {args.metric}"
        title += " (sampled)" if rows is not None else ""
        _plot_silhouette(args.plot, values, codes, names, mean, title)
    clusters = _per_cluster(names, codes, values)
    negative = float(np.mean(values < 0))
    if args.json:
        print_json(
            {
                "mean": mean,
                "n_samples": m,
                "n_samples_total": n,
                "sampled": rows is not None,
                "metric": args.metric,
                "n_clusters": len(names),
                "clusters": clusters,
                "negative_fraction": negative,
                "seconds": seconds,
                "dask": dask,
                "output": args.output,
                "plot": args.plot,
            }
        )
        return 0

    print(f"mean silhouette: {mean:.6f}")
    shown = clusters[:CLUSTER_ROWS]
    width = max(7, max(len(str(c["label"])) for c in shown))
    print(f"{'cluster':>{width}} {'size':>9} {'mean':>9} {'min':>9}")
    for c in shown:
        if c["size"]:
            stats = f"{c['mean']:9.4f} {c['min']:9.4f}"
        else:
            stats = f"{'-':>9} {'-':>9}"
        print(f"{str(c['label']):>{width}} {c['size']:9d} {stats}")
    if len(clusters) > CLUSTER_ROWS:
        print(f"... {len(clusters) - CLUSTER_ROWS} more clusters")
    print(f"negative: {100 * negative:.2f}% of samples; time: {seconds:.2f} s")
    if args.output:
        print(f"wrote {args.output}")
    if args.plot:
        print(f"plotted the silhouette per cluster to {args.plot}")
    return 0


def _plot_silhouette(path, values, codes, names, mean, title):
    """The classic silhouette plot: each cluster's sorted coefficients as
    horizontal bars, clusters stacked, a dashed line at the mean."""
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    k, n = len(names), values.shape[0]
    sizes = np.bincount(codes, minlength=k)
    order = np.lexsort((values, codes))  # by cluster, then by value
    fig = Figure(figsize=(6.4, min(12.0, max(4.8, 2.4 + 0.2 * k))))
    ax = fig.add_subplot()
    cmap = colormaps["nipy_spectral"]
    gap = max(1, int(0.15 * n / (k + 5)))  # blank rows between clusters
    y, centers, start = 0, [], 0
    for j, size in enumerate(sizes):
        v = values[order[start : start + size]]
        start += size
        rows = np.arange(size)
        if size > PLOT_POINTS:  # keep the shape, not every bar
            rows = np.unique(np.linspace(0, size - 1, PLOT_POINTS).round().astype(int))
            v = v[rows]
        color = cmap((j + 0.5) / k)
        ax.fill_betweenx(
            y + rows,
            0,
            v,
            facecolor=color,
            edgecolor=color,
            alpha=0.7,
            step="mid" if size <= 200 else None,
        )
        centers.append(y + 0.5 * size)
        y += size + gap
    ax.axvline(mean, color="red", linestyle="--", label=f"mean {mean:.3f}")
    ax.axvline(0, color="0.3", lw=0.8)
    if k <= CLUSTER_ROWS:
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
    save_figure(fig, path)


# ----------------------------------------------------------------------
# spectral
# ----------------------------------------------------------------------
def spectral(args):
    """``spectral``: SpectralClustering labels of a ``.npy`` file."""
    from ..cluster import SpectralClustering, silhouette_score

    X = load_finite_matrix(args.data)
    n, d = X.shape
    if not 2 <= args.clusters < n:
        raise ValueError(
            f"-k must be between 2 and n_samples - 1 = {n - 1}, got {args.clusters}"
        )
    if args.affinity == "nearest_neighbors" and not 1 <= args.neighbors < n:
        raise ValueError(
            f"--neighbors must be between 1 and n_samples - 1 = {n - 1}, got "
            f"{args.neighbors}"
        )
    model = SpectralClustering(
        n_clusters=args.clusters,
        affinity=args.affinity,
        n_neighbors=args.neighbors,
        gamma=args.gamma,
        assign_labels=args.assign_labels,
        random_state=args.seed,
    )
    if args.affinity == "nearest_neighbors":
        graph = f"{args.neighbors}-nearest-neighbour graph"
    else:
        graph = f"rbf affinity, gamma {args.gamma}"
    print(
        f"spectral clustering of {n} samples x {d} features from {args.data} "
        f"into {args.clusters} clusters ({graph}, {args.assign_labels})",
        file=sys.stderr,
    )
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        labels = np.asarray(model.fit_predict(X), dtype=np.int64)
    seconds = time.perf_counter() - start
    print_warnings(caught)
    sizes = np.bincount(labels, minlength=args.clusters)
    score, score_s = float("nan"), 0.0
    if n <= SPECTRAL_SCORE_N and 2 <= np.count_nonzero(sizes) <= n - 1:
        start = time.perf_counter()
        # in float64, as the clustering itself computed
        score = float(silhouette_score(np.asarray(X, dtype=np.float64), labels))
        score_s = time.perf_counter() - start
    save_npy(args.output, labels)  # only once nothing can fail
    if args.json:
        print_json(
            {
                "n_samples": n,
                "n_clusters": args.clusters,
                "cluster_sizes": sizes,
                "silhouette": score,
                "seconds": seconds,
                "output": args.output,
            }
        )
        return 0
    print(f"clustered {n} samples in {seconds:.2f} s; wrote {args.output}")
    print("cluster sizes: " + " ".join(str(c) for c in sizes))
    if not np.isnan(score):
        print(f"silhouette (euclidean): {score:.4f} ({score_s:.2f} s)")
    return 0


# ----------------------------------------------------------------------
# demo
# ----------------------------------------------------------------------
def demo(n_samples, seed):
    """Spectral clustering of two moons and the silhouette of blobs, each
    against scikit-learn.

    Returns
    -------
    dict
        ``ari_fastapml`` and ``ari_sklearn`` (adjusted Rand index of each
        library's moons labels against the truth), ``ari_between``,
        ``silhouette_fastapml``, ``silhouette_sklearn``.
    """
    from sklearn.cluster import SpectralClustering as SkSpectralClustering
    from sklearn.datasets import make_blobs, make_moons
    from sklearn.metrics import adjusted_rand_score
    from sklearn.metrics import silhouette_score as sk_silhouette_score

    from ..cluster import SpectralClustering, silhouette_score

    X, truth = make_moons(n_samples, noise=0.05, random_state=seed)
    print(
        f"\nSpectralClustering of {n_samples} two-moons points (noise 0.05, "
        "10-nearest-neighbour graph, k-means on the embedding)"
    )
    params = dict(
        n_clusters=2, affinity="nearest_neighbors", n_neighbors=10, random_state=seed
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "graph not fully connected"
        start = time.perf_counter()
        SpectralClustering(**params).fit(X[:: max(1, n_samples // 200)])
        compile_s = time.perf_counter() - start
        start = time.perf_counter()
        ours = SpectralClustering(**params).fit_predict(X)
        fast_s = time.perf_counter() - start
        start = time.perf_counter()
        theirs = SkSpectralClustering(**params).fit_predict(X)
        sk_s = time.perf_counter() - start
    result = {
        "ari_fastapml": adjusted_rand_score(truth, ours),
        "ari_sklearn": adjusted_rand_score(truth, theirs),
        "ari_between": adjusted_rand_score(ours, theirs),
    }
    print(f"  {'':<14} {'ARI vs truth':>12} {'time ms':>9}")
    print(f"  {'fastapml':<14} {result['ari_fastapml']:12.4f} {1e3 * fast_s:9.1f}")
    print(f"  {'scikit-learn':<14} {result['ari_sklearn']:12.4f} {1e3 * sk_s:9.1f}")
    print(
        f"  fastapml {sk_s / fast_s:.1f}x scikit-learn's speed (first call "
        f"{compile_s:.2f} s: compile or cache load); ARI between the two: "
        f"{result['ari_between']:.4f}"
    )

    X, labels = make_blobs(
        n_samples, n_features=8, centers=6, cluster_std=2.0, random_state=seed
    )
    print(
        f"silhouette_score of {n_samples} points in 6 Gaussian blobs (8-D, euclidean)"
    )
    start = time.perf_counter()
    silhouette_score(X[:64], labels[:64])  # compile or load the kernels
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = float(silhouette_score(X, labels))
    fast_s = time.perf_counter() - start
    start = time.perf_counter()
    theirs = float(sk_silhouette_score(X, labels))
    sk_s = time.perf_counter() - start
    print(
        f"  fastapml {ours:.12f} in {1e3 * fast_s:.1f} ms (first call "
        f"{compile_s:.2f} s), scikit-learn {theirs:.12f} in {1e3 * sk_s:.1f} ms: "
        f"{sk_s / fast_s:.1f}x; |difference| {abs(ours - theirs):.1e}"
    )
    result.update(silhouette_fastapml=ours, silhouette_sklearn=theirs)
    return result
