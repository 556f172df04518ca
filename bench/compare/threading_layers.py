"""numba's threading layers on fastapml's parallel kernels, one process each.

    python -m bench.compare.threading_layers               # full sizes
    python -m bench.compare.threading_layers --scale 0.1   # a quick smoke run

fastapml asks numba for a fork-safe threading layer (see
:mod:`fastapml._numba`): tbb where the ``tbb`` package is installed, else
workqueue; GNU OpenMP, numba's choice without tbb on Linux, kills a forked
child.  This script shows what that choice costs.  Each available layer runs
the same workloads in a fresh process (numba picks its layer once per
process); ratios are each layer's steady time over omp's.

Workloads
  silhouette  silhouette_score, N = 20,000, d = 16, 10 labels.
  gmm         GaussianMixture.fit, 200,000 x 16, K = 8, full, 10 iterations.
  viterbi     viterbi_batch, 2,000 sequences x 50 steps, 200 states.
  conv2d      conv2d forward, 64 x 32 x 32 x 32 input, 64 3x3 filters.
"""

import json
import os
import subprocess
import sys

from ._common import REPO_ROOT, machine, measure, parser, run_script, table

LAYERS = ("omp", "tbb", "workqueue")
WORKLOADS = ("silhouette", "gmm", "viterbi", "conv2d")


def workloads(scale, seed):
    """{name: zero-argument callable} on data of the given scale."""
    import numpy as np

    from fastapml.cluster import silhouette_score
    from fastapml.hmm import viterbi_batch
    from fastapml.mixture import GaussianMixture
    from fastapml.nn.functional import conv2d

    rng = np.random.default_rng(seed)

    def n(size):
        return max(int(size * scale), 10)

    X = rng.normal(size=(n(20_000), 16))
    labels = rng.integers(0, 10, len(X))
    G = rng.normal(size=(n(200_000), 16))
    gmm = GaussianMixture(8, max_iter=10, tol=0, n_init=1, random_state=seed)
    T, S = n(2_000), 200
    log_emit = np.log(rng.dirichlet(np.ones(S), size=T * 50))
    log_trans = np.log(rng.dirichlet(np.ones(S), size=S))
    log_start = np.log(np.full(S, 1 / S))
    lengths = np.full(T, 50)
    images = rng.normal(size=(max(n(64), 2), 32, 32, 32))
    weights = rng.normal(size=(64, 32, 3, 3))
    return {
        "silhouette": lambda: silhouette_score(X, labels),
        "gmm": lambda: gmm.fit(G).lower_bound_,
        "viterbi": lambda: viterbi_batch(log_emit, lengths, log_trans, log_start)[0],
        "conv2d": lambda: conv2d(images, weights, padding=1),
    }


def worker(args):
    """Time each workload under this process's threading layer; print JSON."""
    import numba

    calls = workloads(args.scale, args.seed)
    out = {}
    for name in args.only:
        m = measure(calls[name], args.repeat)
        out[name] = {"first": m["first"], "time": m["time"]}
    out["layer"] = numba.threading_layer()
    print(json.dumps(out))


def main():
    args = parser(__doc__, WORKLOADS).parse_args()
    print(machine())
    times = {}
    for layer in LAYERS:
        command = [sys.executable, "-m", "bench.compare.threading_layers", "--worker"]
        command += [a for a in sys.argv[1:] if a != "--publish"]
        env = {**os.environ, "NUMBA_THREADING_LAYER": layer}
        done = subprocess.run(
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            print(f"{layer}: not available ({done.stderr.strip().splitlines()[-1]})")
            continue
        times[layer] = json.loads(done.stdout.strip().splitlines()[-1])
    base = times.get("omp")
    rows = []
    for result in times.values():
        for name in args.only:
            m = result[name]
            ratio = "" if base is None else f"{m['time'] / base[name]['time']:.2f}x"
            rows.append(
                {
                    "workload": name,
                    "layer": result["layer"],
                    "first call": f"{m['first']:.3f} s",
                    "steady": f"{m['time']:.3f} s",
                    "vs omp": ratio,
                }
            )
    print(table(rows, ["workload", "layer", "first call", "steady", "vs omp"]))


if __name__ == "__main__":
    if "--worker" in sys.argv:
        sys.argv.remove("--worker")
        worker(parser(__doc__, WORKLOADS).parse_args())
    else:
        run_script(main)
