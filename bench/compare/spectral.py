"""fastapml SpectralClustering against scikit-learn's, same data, one process.

    python -m bench.compare.spectral                  # full sizes
    python -m bench.compare.spectral --scale 0.1      # a quick smoke run
    python -m bench.compare.spectral --only SP1 SP1b

Workloads (all affinity="nearest_neighbors", n_neighbors=10, random_state=0,
the default eigen_solver (ARPACK) and assign_labels="kmeans")
  SP1    3,000 two-moons points (noise 0.05), 2 clusters.
  SP1b   20,000 points, 8 Gaussian blobs in 10-d (make_blobs), 8 clusters.
  SP2    100,000 points, 8 Gaussian blobs in 10-d, 8 clusters.  scikit-learn
         runs once in a child process killed after --sklearn-timeout seconds
         (default 300); if it does not finish, its row says "not run" and
         why.  (scikit-learn's spectral_embedding runs ARPACK in
         shift-invert mode, scipy.sparse.linalg.eigsh(..., sigma=1.0), which
         factorizes the shifted Laplacian with SuperLU; the factor's fill-in
         on a 10-d kNN graph grows much faster than n.)

Ratios are sklearn's time / fastapml's steady time; fastapml's first call is
shown apart (SpectralClustering has no numba kernel, so it only adds
warm-up).  Peak memory is the RSS growth during one call.  ARI is each
library's adjusted Rand index against the true labels, and "vs fastapml" is
the ARI between the two libraries' labels.  "components" is the number of
connected components of the kNN graph.  The script reports; it asserts
nothing.
"""

import multiprocessing
import time
import warnings

from ._common import (
    _reset_peak,
    _status_kib,
    fixed_mmap_threshold,
    fmt_mib,
    fmt_time,
    machine,
    measure,
    parser,
    run_for_target,
    run_script,
    table,
)

if __name__ == "__main__":
    run_for_target()

from scipy.sparse.csgraph import connected_components  # noqa: E402
from sklearn.cluster import SpectralClustering as SkSpectralClustering  # noqa: E402
from sklearn.datasets import make_blobs, make_moons  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from fastapml.cluster import SpectralClustering  # noqa: E402

WORKLOADS = ("SP1", "SP1b", "SP2")
SIZES = {"SP1": 3_000, "SP1b": 20_000, "SP2": 100_000}
TARGETS = (
    "targets: SP1 same ARI as sklearn and faster; SP1b >= 5x faster, "
    "same ARI; SP2 < 60 s with ARI >= 0.95"
)


def data(name, n, seed):
    """``(X, y, n_clusters)`` for a workload."""
    if name == "SP1":
        X, y = make_moons(n, noise=0.05, random_state=seed)
        return X, y, 2
    X, y = make_blobs(n, n_features=10, centers=8, random_state=seed)
    return X, y, 8


def fitter(cls, X, k):
    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # not fully connected
            model = cls(k, affinity="nearest_neighbors", n_neighbors=10, random_state=0)
            return model.fit(X).labels_, model.affinity_matrix_

    return fit


def _sklearn_child(name, n, seed, conn):
    """Time one scikit-learn fit on the workload's data (regenerated here)."""
    X, _, k = data(name, n, seed)
    _reset_peak()
    base = _status_kib("VmRSS")
    start = time.perf_counter()
    labels, _ = fitter(SkSpectralClustering, X, k)()
    elapsed = time.perf_counter() - start
    peak = None if base is None else max(0, _status_kib("VmHWM") - base) / 1024
    conn.send(
        {"first": elapsed, "time": elapsed, "peak_mib": peak, "result": (labels, None)}
    )


def measure_sklearn_in_child(name, n, seed, timeout):
    """One scikit-learn fit in a fresh (spawned: OpenMP is not fork-safe)
    process; None if it ran past ``timeout`` seconds and was killed."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_sklearn_child, args=(name, n, seed, child))
    proc.start()
    child.close()
    result = parent.recv() if parent.poll(timeout) else None
    if proc.is_alive():
        proc.kill()
    proc.join()
    return result


def row(workload, n, library, m, truth, base=None, other=None, note=""):
    if m is None:
        return {
            "workload": workload,
            "n": f"{n:,}",
            "library": library,
            "steady": "not run",
            "note": note,
        }
    labels = m["result"][0]
    vs = "" if other is None else f"{adjusted_rand_score(other, labels):.4f}"
    return {
        "workload": workload,
        "n": f"{n:,}",
        "library": library,
        "first call": fmt_time(m["first"]),
        "steady": fmt_time(m["time"]),
        "ratio": "1.0x" if base is None else f"{m['time'] / base['time']:.1f}x",
        "peak mem": fmt_mib(m["peak_mib"]),
        "ARI": f"{adjusted_rand_score(truth, labels):.4f}",
        "vs fastapml": vs,
        "note": note,
    }


def main(argv=None):
    options = parser(
        __doc__,
        WORKLOADS,
        repeat_help="steady calls timed for fastapml on SP1/SP1b (SP2: 1; sklearn: 1)",
        prog=f"python -m {__spec__.name}",
    )
    options.add_argument(
        "--sklearn-timeout",
        type=float,
        default=300.0,
        help="seconds scikit-learn may take on SP2",
    )
    args = options.parse_args(argv)
    fixed_mmap_threshold()
    rows = []
    for name in args.only:
        n = max(200, int(SIZES[name] * args.scale))
        X, y, k = data(name, n, args.seed)
        ours = measure(
            fitter(SpectralClustering, X, k), repeat=1 if name == "SP2" else args.repeat
        )
        labels, affinity = ours["result"]
        n_comp = connected_components(affinity, directed=False)[0]
        rows.append(row(name, n, "fastapml", ours, y, note=f"{n_comp} components"))
        if name == "SP2":
            theirs = measure_sklearn_in_child(name, n, args.seed, args.sklearn_timeout)
            note = (
                "own process"
                if theirs
                else f"did not finish in {args.sklearn_timeout:.0f} s (killed)"
            )
        else:
            theirs = measure(fitter(SkSpectralClustering, X, k), repeat=1)
            note = ""
        rows.append(row(name, n, "sklearn", theirs, y, ours, labels, note))
        ours = theirs = X = None
    print(f"bench.compare.spectral (scale {args.scale}) on {machine()}")
    print(
        "affinity='nearest_neighbors', n_neighbors=10, random_state=0; "
        "ratio = sklearn time / fastapml steady time\n"
    )
    print(
        table(
            rows,
            [
                "workload",
                "n",
                "library",
                "first call",
                "steady",
                "ratio",
                "peak mem",
                "ARI",
                "vs fastapml",
                "note",
            ],
        )
    )
    print(f"\n{TARGETS}")
    return rows


if __name__ == "__main__":
    run_script(main)
