"""GaussianMixture on dask.distributed: 1 against 2 workers, per kind of input.

    python -m bench.compare.gmm_dask_scaling                # full size
    python -m bench.compare.gmm_dask_scaling --rows 20000 --repeat 1   # smoke run
    python -m bench.compare.gmm_dask_scaling --only diag

Workload
  GaussianMixture, N = 600,000 (--rows), d = 16, K = 8, float64 (77 MB),
  diagonal and full covariances, n_init = 1, exactly --iterations (15) EM
  iterations (tol = 0), every fit from the same parameters (k-means on a
  20,000-point subsample), X in 16 row chunks (--chunks).

Inputs
  from_array  da.from_array of the NumPy array: its graph carries the data,
              so the fit persists it on the workers for the fit and
              releases it after (the persisting is part of the time).
  from_npy    fastapml.scaleout.from_npy of the array saved as a .npy: each
              task maps its rows of the file on its worker, every iteration.
  persisted   da.from_array persisted on the cluster before the timed calls
              (client.persist, then wait): the fit computes on it as it is.

Each is timed on LocalClusters of 1 and 2 worker processes (one thread each;
one cluster per size, shared by every input).  Steady is the best of
--repeat calls after a first call; the first call on a fresh cluster also
pays the workers' load of the numba cache.  Speed-up is the 1-worker steady
time over the 2-worker one.  Parity is the largest relative difference of
the means from the in-memory fit's.  The ceiling line first measures what
2 processes can gain on this machine at all.  The script reports; it asserts
nothing.
"""

import os
import subprocess
import sys
import tempfile
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

import dask.array as da  # noqa: E402
import distributed  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from fastapml.mixture import GaussianMixture  # noqa: E402
from fastapml.scaleout import from_npy  # noqa: E402

from .gmm import initial_parameters, mixture_data  # noqa: E402
from .scaleout import cluster, max_rel  # noqa: E402

COVARIANCE_TYPES = ("diag", "full")
INPUTS = ("from_array", "from_npy", "persisted")
SIZE = (600_000, 16, 8)  # rows, features, components
WORKERS = (1, 2)


def fitter(make_input, covariance_type, init, iterations):
    """A function fitting GaussianMixture on ``make_input()``."""

    def fit():
        return GaussianMixture(
            SIZE[2],
            covariance_type=covariance_type,
            tol=0,
            max_iter=iterations,
            n_init=1,
            **init,
        ).fit(make_input())

    return fit


def time_fits(X, path, chunks, inits, iterations, repeat):
    """``{(covariance, input, n_workers): measure(...)}`` for every
    covariance type of ``inits``, input and cluster size."""
    out = {}
    for n_workers in WORKERS:
        with (
            cluster(n_workers, "auto") as lc,
            distributed.Client(lc) as client,
        ):
            persisted = client.persist(da.from_array(X, chunks=chunks))
            distributed.wait(persisted)
            inputs = {
                "from_array": lambda: da.from_array(X, chunks=chunks),
                "from_npy": lambda: from_npy(path, rows_per_chunk=chunks[0]),
                "persisted": lambda persisted=persisted: persisted,
            }
            for covariance_type, init in inits.items():
                for name, make_input in inputs.items():
                    fit = fitter(make_input, covariance_type, init, iterations)
                    out[covariance_type, name, n_workers] = measure(fit, repeat)
    return out


CEILING_SCRIPT = """
import time, numpy as np
from fastapml.mixture import em, GaussianMixture
X = np.random.default_rng(0).normal(size=(100_000, 16))
model = GaussianMixture(8, max_iter=1, random_state=0).fit(X[:5000])._model(X.dtype)
em.statistics(X[:100], model)
start = time.perf_counter()
for _ in range(10):
    em.statistics(X, model)
print(time.perf_counter() - start)
"""


def two_process_ceiling():
    """How much more work 2 processes do than 1 on this machine: the same
    serial E-step loop alone, then in 2 processes at once (time alone / mean
    time together x 2).  On 2 idle physical cores, about 2."""

    def run(copies):
        env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
        command = [sys.executable, "-c", CEILING_SCRIPT]
        procs = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(copies)
        ]
        return [float(p.communicate()[0].split()[-1]) for p in procs]

    alone = run(1)[0]
    return 2 * alone / float(np.mean(run(2)))


def main(argv=None):
    options = parser(__doc__, COVARIANCE_TYPES, prog=f"python -m {__spec__.name}")
    options.add_argument(
        "--rows", type=int, default=SIZE[0], help=f"rows of X (default {SIZE[0]:,})"
    )
    options.add_argument(
        "--iterations", type=int, default=15, help="EM iterations (default 15)"
    )
    options.add_argument(
        "--chunks", type=int, default=16, help="row chunks of X (default 16)"
    )
    args = options.parse_args(argv)
    n, d, k = max(2 * args.chunks, int(args.rows * args.scale)), SIZE[1], SIZE[2]
    print(f"bench.compare.gmm_dask_scaling on {machine()}")
    print(
        f"{n:,} x {d}, K = {k}, {args.iterations} iterations, "
        f"{args.chunks} row chunks, {n * d * 8 / 1e6:.0f} MB"
    )
    X = mixture_data(n, d, k, np.random.default_rng(args.seed))
    inits = {c: initial_parameters(X, k, c, args.seed) for c in args.only}
    chunks = (-(-n // args.chunks), d)
    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as directory:
        warnings.simplefilter("ignore", ConvergenceWarning)
        path = os.path.join(directory, "X.npy")
        np.save(path, X)
        timings = time_fits(X, path, chunks, inits, args.iterations, args.repeat)
        in_memory = {
            c: fitter(lambda: X, c, init, args.iterations)()
            for c, init in inits.items()
        }
    print(
        f"ceiling: 2 processes do {two_process_ceiling():.2f}x the work of 1 on "
        "this machine (the same serial E-step loop, alone and 2 at once)"
    )
    rows = []
    for covariance_type in args.only:
        for name in INPUTS:
            one, two = (timings[covariance_type, name, w] for w in WORKERS)
            parity = max(
                max_rel(m["result"].means_, in_memory[covariance_type].means_)
                for m in (one, two)
            )
            rows.append(
                {
                    "covariance": covariance_type,
                    "input": name,
                    "1 worker": fmt_time(one["time"]),
                    "2 workers": fmt_time(two["time"]),
                    "speed-up": f"{one['time'] / two['time']:.2f}x",
                    "first calls": f"{fmt_time(one['first'])}, "
                    f"{fmt_time(two['first'])}",
                    "parity": f"{parity:.1e}",
                }
            )
    print(table(rows, list(rows[0])))


if __name__ == "__main__":
    run_script(main)
