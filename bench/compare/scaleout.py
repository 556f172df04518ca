"""fastapml on dask.distributed against in-memory fastapml and scikit-learn.

    python -m bench.compare.scaleout                 # full sizes
    python -m bench.compare.scaleout --scale 0.05    # a quick smoke run
    python -m bench.compare.scaleout --only gmm --repeat 2

Workloads
  gmm         GaussianMixture, N = 2,000,000, d = 32, K = 32, diagonal
              covariances, float64 (512 MB), saved as a .npy and read by
              ``fastapml.scaleout.from_npy``: each task maps its rows of the
              file on the worker.  Each worker's memory limit is below the
              file's size (0.95x; at least 400 MiB, for --scale runs).
              Every fit starts from the same parameters (k-means on a
              20,000-point subsample) and runs exactly ``--iterations`` EM
              iterations (tol=0).
  silhouette  silhouette_score, N = 100,000, d = 8, 6 Gaussian blobs.

Each is timed on LocalClusters of 1 and 2 worker processes (one thread
each), in memory with fastapml (numba on every core, and on one thread) and
with scikit-learn, all in this one process on the same data.  Ratios are
time / the 1-worker time.  The first call on a fresh cluster (workers load
the numba cache) is shown apart from the best steady call.  Parity is the
largest relative difference from in-memory fastapml.  The script reports;
it asserts nothing.
"""

import os
import tempfile
import time
import warnings

import numpy as np

from ._common import (
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

import distributed  # noqa: E402
import numba  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import silhouette_score as sk_silhouette_score  # noqa: E402
from sklearn.mixture import GaussianMixture as SkGaussianMixture  # noqa: E402

from fastapml.cluster import silhouette_score  # noqa: E402
from fastapml.mixture import GaussianMixture  # noqa: E402
from fastapml.scaleout import from_npy  # noqa: E402

from .gmm import initial_parameters, mixture_data  # noqa: E402

WORKLOADS = ("gmm", "silhouette")
GMM_SIZE = (2_000_000, 32, 32)
SILHOUETTE_SIZE = (100_000, 8, 6)
TARGETS = (
    "targets: >= 1.8x from 1 to 2 workers; 1 worker within 15 % of "
    "in-memory fastapml; the same model as in memory"
)


def cluster(n_workers, memory_limit):
    """A LocalCluster of ``n_workers`` processes, one thread each."""
    return distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit,
        dashboard_address=":0",
        silence_logs=40,
    )


def worker_rss_mib(client):
    import psutil

    rss = client.run(lambda: psutil.Process().memory_info().rss)
    return max(rss.values()) / 2**20


def measure_on_clusters(run, n_workers_list, memory_limit, repeat):
    """measure(run) on a fresh cluster of each size; with the workers'
    largest RSS after the calls."""
    out = {}
    for n_workers in n_workers_list:
        with cluster(n_workers, memory_limit) as lc, distributed.Client(lc) as client:
            m = measure(run, repeat=repeat)
            m["rss"] = worker_rss_mib(client)
        out[n_workers] = m
    return out


def on_one_thread(run):
    """``run()`` with numba's parallel kernels on one thread."""
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        return run()
    finally:
        numba.set_num_threads(threads)


def rows_for(workload, timings, base, parity, note=""):
    rows = []
    for name, m in timings.items():
        rows.append(
            {
                "workload": workload,
                "engine": name,
                "first call": fmt_time(m["first"]),
                "steady": fmt_time(m["time"]),
                "vs 1 worker": f"{base['time'] / m['time']:.2f}x",
                "parity": parity.get(name, ""),
                "note": m.get("note", note),
            }
        )
    return rows


def max_rel(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def bench_gmm(scale, seed, repeat, iterations, directory):
    n, d, k = GMM_SIZE
    n = max(2048, int(n * scale))
    rng = np.random.default_rng(seed)
    X = mixture_data(n, d, k, rng)
    init = initial_parameters(X, k, "diag", seed)
    path = os.path.join(directory, "gmm.npy")
    np.save(path, X)
    file_mib = os.path.getsize(path) / 2**20
    # below the file's size at full scale, so a worker cannot hold the whole
    # array; never below 400 MiB, since a worker process with numba and
    # fastapml's kernels loaded needs room of its own at any --scale
    memory_limit = f"{max(400, int(0.95 * file_mib))}MiB"

    def make():
        return GaussianMixture(
            k,
            covariance_type="diag",
            tol=0,
            max_iter=iterations,
            init_params="random_from_data",
            random_state=0,
            **init,
        )

    def on_dask():
        return make().fit(from_npy(path))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        timings = {
            f"dask, {w} worker{'s' * (w > 1)}": m
            for w, m in measure_on_clusters(
                on_dask, (1, 2), memory_limit, repeat
            ).items()
        }
        in_memory = measure(lambda: make().fit(X), repeat=repeat)
        timings[f"in memory, {numba.get_num_threads()} threads"] = in_memory
        timings["in memory, 1 thread"] = measure(
            lambda: on_one_thread(lambda: make().fit(X)), repeat=repeat
        )
        timings["scikit-learn"] = measure(
            lambda: SkGaussianMixture(
                k,
                covariance_type="diag",
                tol=0,
                max_iter=iterations,
                init_params="random_from_data",
                random_state=0,
                **init,
            ).fit(X),
            repeat=1,
        )
    ref = in_memory["result"]
    parity = {}
    for name, m in timings.items():
        gm = m["result"]
        worst = max(
            max_rel(getattr(gm, a), getattr(ref, a))
            for a in ("weights_", "means_", "covariances_")
        )
        parity[name] = f"max rel diff {worst:.1e}"
        if name.startswith("dask"):
            m["note"] = f"worker RSS {m['rss']:.0f} MiB, limit {memory_limit}"
    base = timings["dask, 1 worker"]
    note = f"{n:,} x {d}, K = {k}, {iterations} iterations, file {file_mib:.0f} MiB"
    os.remove(path)
    return rows_for("gmm", timings, base, parity, note), timings


def bench_silhouette(scale, seed, repeat, directory):
    n, d, k = SILHOUETTE_SIZE
    n = max(500, int(n * scale))
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=4.0, size=(k, d))
    labels = rng.integers(0, k, size=n)
    X = centers[labels] + rng.normal(size=(n, d))
    path = os.path.join(directory, "silhouette.npy")
    np.save(path, X)
    rows_per_chunk = -(-n // 16)

    def on_dask():
        return silhouette_score(from_npy(path, rows_per_chunk), labels)

    timings = {
        f"dask, {w} worker{'s' * (w > 1)}": m
        for w, m in measure_on_clusters(on_dask, (1, 2), "2GiB", repeat).items()
    }
    in_memory = measure(lambda: silhouette_score(X, labels), repeat=repeat)
    timings[f"in memory, {numba.get_num_threads()} threads"] = in_memory
    timings["in memory, 1 thread"] = measure(
        lambda: on_one_thread(lambda: silhouette_score(X, labels)), repeat=repeat
    )
    start = time.perf_counter()
    theirs = sk_silhouette_score(X, labels)
    elapsed = time.perf_counter() - start
    timings["scikit-learn"] = {"first": elapsed, "time": elapsed, "result": theirs}
    ref = in_memory["result"]
    parity = {
        name: f"rel diff {abs(m['result'] - ref) / abs(ref):.1e}"
        for name, m in timings.items()
    }
    base = timings["dask, 1 worker"]
    note = f"{n:,} x {d}, {k} clusters, 16 row blocks"
    os.remove(path)
    return rows_for("silhouette", timings, base, parity, note), timings


def main(argv=None):
    options = parser(__doc__, WORKLOADS, prog=f"python -m {__spec__.name}")
    options.add_argument(
        "--iterations",
        type=int,
        default=10,
        help="EM iterations per GMM fit (default 10)",
    )
    args = options.parse_args(argv)
    print(f"bench.compare.scaleout (scale {args.scale}) on {machine()}")
    print(TARGETS)
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        if "gmm" in args.only:
            rows += bench_gmm(
                args.scale, args.seed, args.repeat, args.iterations, directory
            )[0]
        if "silhouette" in args.only:
            rows += bench_silhouette(args.scale, args.seed, args.repeat, directory)[0]
    print(
        table(
            rows,
            [
                "workload",
                "engine",
                "first call",
                "steady",
                "vs 1 worker",
                "parity",
                "note",
            ],
        )
    )


if __name__ == "__main__":
    run_script(main)
