"""fastapml.mixture.GaussianMixture against scikit-learn's, same data, one process.

    python -m bench.compare.gmm                 # full sizes
    python -m bench.compare.gmm --scale 0.05    # a quick smoke run
    python -m bench.compare.gmm --only G1 --repeat 5

Workloads
  G1       N = 200,000 points, d = 16, K = 16, covariance_type="full".
  G2       N = 1,000,000 points, d = 32, K = 32, covariance_type="diag".
  predict  predict and score_samples on the G2 data, with both models
           fitted for 2 iterations from the same start.

Each runs in float64 and in float32 (both libraries get the same array).
Data are a random mixture with a fixed seed: K centers drawn with scale 5,
Dirichlet weights, and per-component random linear noise (scales 0.5-1.5).
Both fits start from the same parameters (weights_init, means_init,
precisions_init from k-means on a 20,000-point subsample) and run with
tol=0, max_iter=30, so each runs exactly 30 EM iterations.

Ratios are sklearn steady time / fastapml steady time; the first call, which
includes numba's compile or cache load, is shown apart.  Peak memory is the
RSS growth during one steady call, measured for each library separately.
Parity compares fastapml with sklearn on the same dtype: relative difference
of lower_bound_, max absolute difference of means_ and covariances_, and
whether n_iter_ agrees.  The script reports; it asserts nothing.
"""

import warnings
from functools import partial

import numpy as np

from ._common import (
    fixed_mmap_threshold,
    fmt_time,
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

from sklearn.cluster import KMeans  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.mixture import GaussianMixture as SkGaussianMixture  # noqa: E402

from fastapml.mixture import GaussianMixture  # noqa: E402

WORKLOADS = ("G1", "G2", "predict")
SIZES = {"G1": (200_000, 16, 16, "full"), "G2": (1_000_000, 32, 32, "diag")}
DTYPES = ("float64", "float32")
MAX_ITER = 30
TARGETS = (
    "targets: >= 10x on G1 and G2; lower_bound_ rel. diff <= 1e-7, "
    "means_/covariances_ abs. diff <= 1e-6 (float64); peak mem <= "
    "sklearn's; float32 faster than float64"
)


def mixture_data(n, d, k, rng):
    """``n`` points from a random ``k``-component mixture in ``d`` dimensions."""
    centers = rng.normal(scale=5.0, size=(k, d))
    weights = rng.dirichlet(np.full(k, 5.0))
    labels = rng.choice(k, size=n, p=weights)
    X = np.empty((n, d))
    for j in range(k):
        rows = np.flatnonzero(labels == j)
        mix = np.diag(rng.uniform(0.5, 1.5, size=d)) + 0.2 * rng.normal(size=(d, d))
        X[rows] = centers[j] + rng.standard_normal((len(rows), d)) @ mix
    return X


def initial_parameters(X, k, covariance_type, seed, n_sub=20_000, reg=1e-6):
    """weights, means and precisions from k-means on a subsample of ``X``."""
    rng = np.random.default_rng(seed)
    sub = X[rng.choice(len(X), size=min(n_sub, len(X)), replace=False)]
    labels = KMeans(k, n_init=1, random_state=seed).fit(sub).labels_
    resp = np.eye(k)[labels]
    nk = resp.sum(axis=0) + 10 * np.finfo(float).eps
    means = resp.T @ sub / nk[:, None]
    d = X.shape[1]
    if covariance_type == "full":
        prec = np.empty((k, d, d))
        for j in range(k):
            diff = sub - means[j]
            cov = (resp[:, j] * diff.T) @ diff / nk[j] + reg * np.eye(d)
            prec[j] = np.linalg.inv(cov)
    elif covariance_type == "tied":
        cov = (sub.T @ sub - (nk * means.T) @ means) / nk.sum() + reg * np.eye(d)
        prec = np.linalg.inv(cov)
    else:
        var = (resp.T @ sub**2) / nk[:, None] - means**2 + reg
        prec = 1 / (var if covariance_type == "diag" else var.mean(axis=1))
    return {"weights_init": nk / nk.sum(), "means_init": means, "precisions_init": prec}


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def fit_parity(ours, theirs):
    means = np.abs(ours.means_ - theirs.means_).max()
    covs = np.abs(ours.covariances_ - theirs.covariances_).max()
    same = "=" if ours.n_iter_ == theirs.n_iter_ else "!="
    return (
        f"lower_bound_ rel {rel(ours.lower_bound_, theirs.lower_bound_):.1e}, "
        f"means_ {means:.1e}, covariances_ {covs:.1e}, "
        f"n_iter_ {ours.n_iter_} {same} {theirs.n_iter_}"
    )


def bench_fit(name, X, init, covariance_type, repeat, rows, steady):
    k = len(init["weights_init"])

    def fit(cls, data):
        return cls(
            k,
            covariance_type=covariance_type,
            tol=0,
            max_iter=MAX_ITER,
            init_params="random_from_data",
            random_state=0,
            **init,
        ).fit(data)

    for dtype in DTYPES:
        Xd = X.astype(dtype, copy=False)
        ours = measure(partial(fit, GaussianMixture, Xd), repeat=repeat)
        theirs = measure(partial(fit, SkGaussianMixture, Xd), repeat=1)
        rows.append(row(name, dtype, "fastapml", ours))
        rows.append(
            row(
                name,
                dtype,
                "sklearn",
                theirs,
                ours,
                fit_parity(ours["result"], theirs["result"]),
            )
        )
        steady[name, dtype] = ours["time"]
        ours = theirs = None  # free before the next dtype


def bench_predict(X, init, repeat, rows, steady):
    k = len(init["weights_init"])
    for dtype in DTYPES:
        Xd = X.astype(dtype, copy=False)
        models = [
            cls(
                k,
                covariance_type="diag",
                tol=0,
                max_iter=2,
                init_params="random_from_data",
                random_state=0,
                **init,
            ).fit(Xd)
            for cls in (GaussianMixture, SkGaussianMixture)
        ]
        for method in ("predict", "score_samples"):
            ours, theirs = (
                measure(partial(getattr(model, method), Xd), repeat=r)
                for model, r in zip(models, (repeat, 1))
            )
            a, b = ours["result"], theirs["result"]
            if method == "predict":
                parity = f"{100 * np.mean(a == b):.4f}% of labels equal"
            else:
                parity = (
                    f"max abs diff {np.abs(a - b).max():.1e}, "
                    f"max rel diff {(np.abs(a - b) / np.abs(b)).max():.1e}"
                )
            name = f"{method} (G2)"
            rows.append(row(name, dtype, "fastapml", ours))
            rows.append(row(name, dtype, "sklearn", theirs, ours, parity))
            steady[name, dtype] = ours["time"]
        models = None


def main(argv=None):
    args = parser(__doc__, WORKLOADS, prog=f"python -m {__spec__.name}").parse_args(
        argv
    )
    fixed_mmap_threshold()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    warnings.filterwarnings("ignore", message=r"(?i).*did not converge")
    rows, steady = [], {}
    for name in ("G1", "G2"):
        if name not in args.only and not (name == "G2" and "predict" in args.only):
            continue
        n, d, k, covariance_type = SIZES[name]
        rng = np.random.default_rng([args.seed, d])
        X = mixture_data(max(20 * k, int(n * args.scale)), d, k, rng)
        init = initial_parameters(X, k, covariance_type, args.seed)
        if name in args.only:
            bench_fit(name, X, init, covariance_type, args.repeat, rows, steady)
        if name == "G2" and "predict" in args.only:
            bench_predict(X, init, args.repeat, rows, steady)
        del X
    print(f"bench.compare.gmm (scale {args.scale}) on {machine()}")
    print(
        f"fits: tol=0, max_iter={MAX_ITER}, same initial parameters; "
        "ratio = sklearn steady time / fastapml steady time\n"
    )
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
    print("\nfastapml float32 / float64 steady time:")
    for name in dict.fromkeys(w for w, _ in steady):
        t64, t32 = steady[name, "float64"], steady[name, "float32"]
        print(f"  {name:<20} {t32 / t64:.2f}  ({fmt_time(t32)} vs {fmt_time(t64)})")
    print(f"\n{TARGETS}")
    return rows


if __name__ == "__main__":
    run_script(main)
