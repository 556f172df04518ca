"""fastapml.cluster against scikit-learn, same data, one process.

    python -m bench.compare.cluster                 # full sizes
    python -m bench.compare.cluster --scale 0.1     # a quick smoke run
    python -m bench.compare.cluster --only S1 metrics

Workloads
  S1       silhouette_score, N = 20,000 points, d = 16, 10 blobs.
  S2       silhouette_score, N = 60,000 points, d = 8, 20 blobs.
  metrics  silhouette_score for every metric of the kernel, N = 5,000, d = 16.
  validity calinski_harabasz_score and davies_bouldin_score, N = 200,000,
           d = 16, 50 blobs, float64.
  spectral SpectralClustering workloads of bench.compare.spectral (SP1,
           SP1b, SP2), run by that script's main() at the same --scale.

S1 and S2 run in float64 and float32 (both libraries get the same array).
Ratios are sklearn steady time / fastapml steady time; the first call, which
includes numba's compile or cache load, is shown apart.  Peak memory is the
RSS growth during one call, for each library separately.  Parity is the
absolute difference of the two scores.  The script reports; it asserts
nothing.
"""

from ._common import (
    fixed_mmap_threshold,
    machine,
    measure,
    parser,
    row,
    run_for_target,
    run_script,
    table,
)

if __name__ == "__main__":
    run_for_target()

from sklearn import metrics as skm  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402

from fastapml.cluster import (  # noqa: E402
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)

WORKLOADS = ("S1", "S2", "metrics", "validity", "spectral")
VALIDITY = (200_000, 16, 50)
SIZES = {"S1": (20_000, 16, 10), "S2": (60_000, 8, 20)}
METRICS = ("euclidean", "sqeuclidean", "manhattan", "chebyshev", "cosine")
TARGETS = (
    "targets: S1, S2 >= 30x faster than scikit-learn, |difference| < "
    "1e-9, peak memory <= 1/10 of scikit-learn's"
)


def compare(name, dtype, ours, theirs, repeat, rows):
    """Time ``ours()`` and ``theirs()`` (each returning a score) and add
    their rows."""
    ours, theirs = measure(ours, repeat=repeat), measure(theirs, repeat=1)
    parity = f"|difference| {abs(ours['result'] - theirs['result']):.1e}"
    rows.append(row(name, dtype, "fastapml", ours))
    rows.append(row(name, dtype, "sklearn", theirs, ours, parity))


def silhouettes(name, dtype, X, labels, metric, repeat, rows):
    """:func:`compare` silhouette scores."""
    compare(
        name,
        dtype,
        lambda: silhouette_score(X, labels, metric=metric),
        lambda: skm.silhouette_score(X, labels, metric=metric),
        repeat,
        rows,
    )


def main(argv=None):
    args = parser(__doc__, WORKLOADS, prog=f"python -m {__spec__.name}").parse_args(
        argv
    )
    fixed_mmap_threshold()
    rows = []
    for name, (n, d, k) in SIZES.items():
        if name not in args.only:
            continue
        X, labels = make_blobs(
            n_samples=max(10 * k, int(n * args.scale)),
            n_features=d,
            centers=k,
            random_state=args.seed,
        )
        for dtype in ("float64", "float32"):
            silhouettes(
                name, dtype, X.astype(dtype), labels, "euclidean", args.repeat, rows
            )
    if "metrics" in args.only:
        X, labels = make_blobs(
            n_samples=max(100, int(5000 * args.scale)),
            n_features=16,
            centers=10,
            random_state=args.seed,
        )
        for metric in METRICS:
            silhouettes(metric, "float64", X, labels, metric, args.repeat, rows)
    if "validity" in args.only:
        n, d, k = VALIDITY
        X, labels = make_blobs(
            n_samples=max(10 * k, int(n * args.scale)),
            n_features=d,
            centers=k,
            random_state=args.seed,
        )
        for ours, theirs in (
            (calinski_harabasz_score, skm.calinski_harabasz_score),
            (davies_bouldin_score, skm.davies_bouldin_score),
        ):
            compare(
                ours.__name__.removesuffix("_score"),
                "float64",
                lambda f=ours: f(X, labels),
                lambda f=theirs: f(X, labels),
                args.repeat,
                rows,
            )
    print(f"bench.compare.cluster (scale {args.scale}) on {machine()}")
    print("ratio = sklearn steady time / fastapml steady time\n")
    print(
        table(
            rows,
            [
                "workload",
                "dtype",
                "library",
                "first call",
                "steady",
                "ratio",
                "peak mem",
                "parity",
            ],
        )
    )
    print(f"\n{TARGETS}")
    if "spectral" in args.only:
        print()
        from . import spectral

        rows += spectral.main(["--scale", str(args.scale)])
    return rows


if __name__ == "__main__":
    run_script(main)
