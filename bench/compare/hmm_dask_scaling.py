"""GaussianHMM on dask.distributed: 1 against 2 workers.

    python -m bench.compare.hmm_dask_scaling              # full size
    python -m bench.compare.hmm_dask_scaling --scale 0.05 --repeat 1   # smoke run

Workload
  GaussianHMM, K = 8 states, full covariances, d = 13, 2,000 sequences of
  1,000 frames (10x the fit workload of bench.compare.hmm; 208 MB), exactly
  --iterations (10) Baum-Welch iterations from the same start (hmmlearn's
  k-means initialization, computed once in memory).

Inputs
  bag        dask.bag.from_sequence of the sequences in --partitions (16)
             partitions: its graph carries the data, so the fit persists
             them on the workers and releases them after (the persisting is
             part of the time).
  persisted  the same bag persisted on the cluster before the timed calls.

Each is timed on LocalClusters of 1 and 2 worker processes (one thread each).
Steady is the best of --repeat calls after a first call; speed-up is the
1-worker steady time over the 2-worker one; parity is the largest relative
difference of the fitted means from the in-memory fit's.  The ceiling line
first measures what 2 processes can gain on this machine at all.  The script
reports; it asserts nothing.
"""

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

import dask.bag as db  # noqa: E402
import distributed  # noqa: E402

from fastapml.hmm import GaussianHMM  # noqa: E402

from .gmm_dask_scaling import two_process_ceiling  # noqa: E402
from .hmm import frames, parameters, with_parameters  # noqa: E402
from .scaleout import cluster, max_rel  # noqa: E402

INPUTS = ("bag", "persisted")
SIZE = (2000, 1000, 13, 8)  # sequences, frames per sequence, features, states
WORKERS = (1, 2)


def main(argv=None):
    options = parser(__doc__, INPUTS, prog=f"python -m {__spec__.name}")
    options.add_argument(
        "--iterations", type=int, default=10, help="EM iterations (default 10)"
    )
    options.add_argument(
        "--partitions", type=int, default=16, help="bag partitions (default 16)"
    )
    args = options.parse_args(argv)
    n_seq, n_steps, d, k = SIZE
    n_seq = max(args.partitions, int(n_seq * args.scale))
    X, lengths = frames(n_seq, n_steps, d, np.random.default_rng(args.seed))
    sequences = np.split(X, np.cumsum(lengths)[:-1])
    print(f"bench.compare.hmm_dask_scaling on {machine()}")
    print(
        f"{n_seq:,} sequences x {n_steps} frames x {d} features, K = {k} full, "
        f"{args.iterations} iterations, {args.partitions} partitions, "
        f"{X.nbytes / 1e6:.0f} MB"
    )
    start = parameters(
        GaussianHMM(k, "full", random_state=args.seed, n_iter=0).fit(
            X[: min(len(X), 200_000)]
        )
    )

    def fit(data):
        model = GaussianHMM(
            k, "full", init_params="", n_iter=args.iterations, tol=-np.inf
        )
        return with_parameters(model, start).fit(
            data, None if data is not X else lengths
        )

    in_memory = fit(X)
    timings = {}
    for n_workers in WORKERS:
        with cluster(n_workers, "auto") as lc, distributed.Client(lc) as client:
            bag = db.from_sequence(sequences, npartitions=args.partitions)
            persisted = client.persist(bag)
            distributed.wait(persisted)
            inputs = {
                "bag": lambda bag=bag: bag,
                "persisted": lambda persisted=persisted: persisted,
            }
            for name in args.only:
                timings[name, n_workers] = measure(
                    lambda make=inputs[name]: fit(make()), args.repeat
                )
    print(
        f"ceiling: 2 processes do {two_process_ceiling():.2f}x the work of 1 on "
        "this machine (a serial E-step loop, alone and 2 at once)"
    )
    rows = []
    for name in args.only:
        one, two = (timings[name, w] for w in WORKERS)
        parity = max(max_rel(m["result"].means_, in_memory.means_) for m in (one, two))
        rows.append(
            {
                "input": name,
                "1 worker": fmt_time(one["time"]),
                "2 workers": fmt_time(two["time"]),
                "speed-up": f"{one['time'] / two['time']:.2f}x",
                "first calls": f"{fmt_time(one['first'])}, {fmt_time(two['first'])}",
                "parity": f"{parity:.1e}",
            }
        )
    print(table(rows, list(rows[0])))


if __name__ == "__main__":
    run_script(main)
