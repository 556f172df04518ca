"""``fastapml gmm fit|predict``: Gaussian mixtures by EM, and the mixture
part of ``fastapml demo``."""

import contextlib
import sys
import time
import warnings

import numpy as np

from .._progress import Progress
from ._common import (
    add_json_option,
    check_plot_path,
    print_json,
    print_warnings,
    rate,
    save_figure,
)
from ._dask_options import add_dask_options, engine
from ._npy import atomic_npy, check_finite, load_finite_matrix, open_matrix

COVARIANCES = ("full", "tied", "diag", "spherical")
INITS = ("kmeans", "k-means++", "random", "random_from_data")


def add_parser(subparsers):
    """Add ``gmm`` and its ``fit`` and ``predict`` subcommands."""
    gmm = subparsers.add_parser("gmm", help="Gaussian mixture models (EM)")
    sub = gmm.add_subparsers(dest="gmm_command", required=True)

    p = sub.add_parser(
        "fit",
        help="fit a GaussianMixture to a 2-D .npy array; prints the lower bound "
        "per EM iteration",
    )
    p.add_argument(
        "data", help="samples, shape (n_samples, n_features) (.npy, memory-mapped)"
    )
    p.add_argument(
        "-k", "--components", type=int, required=True, help="number of components"
    )
    p.add_argument("-o", "--output", required=True, help="model file (.npz)")
    p.add_argument("--covariance", choices=COVARIANCES, default="full")
    p.add_argument("--max-iter", type=int, default=100)
    p.add_argument(
        "--tol",
        type=float,
        default=1e-3,
        help="stop when the lower bound changes less (default 1e-3)",
    )
    p.add_argument("--reg-covar", type=float, default=1e-6)
    p.add_argument(
        "--n-init",
        type=int,
        default=1,
        help="initializations; the best is kept (default 1)",
    )
    p.add_argument("--init", choices=INITS, default="kmeans")
    p.add_argument("--seed", type=int, default=None, help="initialization seed")
    p.add_argument(
        "--float32",
        action="store_true",
        help="fit in float32 (the model is stored in float32)",
    )
    p.add_argument(
        "--plot",
        metavar="FILE",
        help="draw the lower bound per iteration (needs matplotlib); format "
        "from the extension",
    )
    add_dask_options(p, "fit")
    add_json_option(
        p,
        "n_components, covariance_type, n_samples, n_features, dtype, n_init, "
        "n_iter, converged, lower_bound (mean log-likelihood per sample), "
        "lower_bounds (the kept run's, per iteration), init_lower_bounds (one "
        "list per initialization), seconds (the fit), dask (null, "
        '{"workers": N} or {"scheduler": ADDRESS}), output, plot',
    )
    p.set_defaults(
        func=fit,
        input_paths=(("DATA", "data"),),
        output_paths=(("-o", "output"), ("--plot", "plot")),
    )

    p = sub.add_parser(
        "predict", help="component labels (and probabilities) for a .npy array"
    )
    p.add_argument("model", help="model file written by 'gmm fit'")
    p.add_argument(
        "data", help="samples, shape (n_samples, n_features) (.npy, memory-mapped)"
    )
    p.add_argument("-o", "--output", required=True, help="labels, int64 (.npy)")
    p.add_argument(
        "--proba", metavar="FILE", help="also write the (n_samples, k) probabilities"
    )
    add_json_option(
        p,
        "n_samples, component_sizes (one count per component), seconds, output, proba",
    )
    p.set_defaults(
        func=predict,
        input_paths=(("MODEL", "model"), ("DATA", "data")),
        output_paths=(("-o", "output"), ("--proba", "proba")),
    )


def fit(args):
    """``gmm fit``: fit a GaussianMixture to a ``.npy`` file and save it."""
    from ..mixture import GaussianMixture

    if args.plot:
        check_plot_path(args.plot)
    n, d = open_matrix(args.data).shape
    client, where, dask = engine(args)
    if dask is not None:
        # the workers read and check their own row blocks of the file
        from ..scaleout import from_npy

        X = from_npy(args.data)
        if args.float32:
            X = X.astype(np.float32)
    else:
        X = load_finite_matrix(args.data)
        if args.float32:
            X = np.asarray(X, dtype=np.float32)
    model = GaussianMixture(
        n_components=args.components,
        covariance_type=args.covariance,
        tol=args.tol,
        reg_covar=args.reg_covar,
        max_iter=args.max_iter,
        n_init=args.n_init,
        init_params=args.init,
        random_state=args.seed,
    )
    curves = []

    def report(n_iter, lower_bound, change):
        if n_iter == 1:
            curves.append([])
        curves[-1].append(lower_bound)
        init = f"init {len(curves)}/{args.n_init} " if args.n_init > 1 else ""
        print(
            f"{init}iter {n_iter:4d}  lower bound {lower_bound:14.6f}  "
            f"change {change:10.3e}",
            file=sys.stderr,
            flush=True,
        )

    print(
        f"fitting {args.components} components ({args.covariance} covariances) "
        f"to {n} samples x {d} features from {args.data}, {where}",
        file=sys.stderr,
    )
    with client, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        model.fit(X, callback=report)
        seconds = time.perf_counter() - start
    print_warnings(caught)
    model.save(args.output)
    if args.plot:
        _plot_lower_bounds(args.plot, model, curves)
    if args.json:
        print_json(
            {
                "n_components": model.n_components,
                "covariance_type": model.covariance_type,
                "n_samples": n,
                "n_features": d,
                "dtype": str(model.means_.dtype),
                "n_init": args.n_init,
                "n_iter": model.n_iter_,
                "converged": model.converged_,
                "lower_bound": float(model.lower_bound_),
                "lower_bounds": [float(b) for b in model.lower_bounds_],
                "init_lower_bounds": curves,
                "seconds": seconds,
                "dask": dask,
                "output": args.output,
                "plot": args.plot,
            }
        )
        return 0
    print(
        f"converged: {model.converged_}, iterations: {model.n_iter_}, "
        f"lower bound: {float(model.lower_bound_):.6f} (mean log-likelihood "
        f"per sample), time: {seconds:.2f} s"
    )
    print(f"saved {args.output}")
    if args.plot:
        print(f"plotted the lower bound per iteration to {args.plot}")
    return 0


def _plot_lower_bounds(path, model, curves):
    """Lower bound per EM iteration: the kept run bold, other inits thin."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot()
    for curve in curves if len(curves) > 1 else ():
        ax.plot(np.arange(1, len(curve) + 1), curve, color="0.7", lw=1)
    bounds = np.asarray(model.lower_bounds_, dtype=np.float64)
    steps = np.arange(1, bounds.size + 1)
    ax.plot(
        steps,
        bounds,
        color="C0",
        lw=2,
        marker="o" if bounds.size <= 40 else None,
        ms=3,
        label="kept run" if len(curves) > 1 else None,
    )
    if len(curves) > 1:
        ax.plot([], [], color="0.7", lw=1, label="other initializations")
        ax.legend(loc="lower right")
    ax.set_xlabel("EM iteration")
    ax.set_ylabel("lower bound (mean log-likelihood)")
    state = "converged" if model.converged_ else "not converged"
    ax.set_title(
        f"GaussianMixture k={model.n_components} {model.covariance_type}: "
        f"{state} after {model.n_iter_} iterations"
    )
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path)


def _rows_per_block(k, d):
    """Rows per predict call: about 2**23 entries of rows x k x (d + 1) work,
    clipped to [1024, 2**18] rows."""
    return int(np.clip((1 << 23) // (k * (d + 1)), 1024, 1 << 18))


def predict(args):
    """``gmm predict``: labels (and probabilities) of a ``.npy`` file, block by
    block into memory-mapped outputs."""
    from ..mixture import GaussianMixture

    model = GaussianMixture.load(args.model)
    X = open_matrix(args.data)
    n, d = X.shape
    if d != model.n_features_in_:
        raise ValueError(
            f"{args.data} has {d} features; the model in {args.model} expects "
            f"{model.n_features_in_}"
        )
    k = model.n_components
    rows = _rows_per_block(k, d)
    counts = np.zeros(k, dtype=np.int64)
    start = time.perf_counter()
    with contextlib.ExitStack() as stack:
        labels = stack.enter_context(atomic_npy(args.output, (n,), np.int64))
        proba = None
        if args.proba:
            proba = stack.enter_context(
                atomic_npy(args.proba, (n, k), model.means_.dtype)
            )
        bar = stack.enter_context(Progress(n, "predicting", unit="samples"))
        for i in range(0, n, rows):
            block = X.rows(i, min(i + rows, n))
            check_finite(block, args.data, i)
            labels[i : i + rows] = model.predict(block)
            if proba is not None:
                proba[i : i + rows] = model.predict_proba(block)
            counts += np.bincount(labels[i : i + rows], minlength=k)
            bar.update(block.shape[0])
    seconds = time.perf_counter() - start
    if args.json:
        print_json(
            {
                "n_samples": n,
                "component_sizes": counts,
                "seconds": seconds,
                "output": args.output,
                "proba": args.proba,
            }
        )
        return 0
    written = args.output + (f" and {args.proba}" if args.proba else "")
    print(
        f"labeled {n} samples in {seconds:.2f} s ({rate(n, seconds)} samples/s); "
        f"wrote {written}"
    )
    print("component sizes: " + " ".join(str(c) for c in counts))
    return 0


# ----------------------------------------------------------------------
# demo
# ----------------------------------------------------------------------
def known_mixture(n_samples, seed):
    """Samples, true labels, weights and means of a fixed 2-D mixture."""
    weights = np.array([0.4, 0.3, 0.2, 0.1])
    means = np.array([[-5.0, 0.0], [4.0, -3.0], [0.0, 5.0], [6.0, 5.0]])
    rng = np.random.default_rng(seed)
    chol = []
    for angle, sx, sy in (
        (0.3, 1.2, 0.5),
        (1.2, 0.9, 0.4),
        (0.0, 0.7, 0.7),
        (2.0, 1.0, 0.3),
    ):
        c, s = np.cos(angle), np.sin(angle)
        chol.append(np.array([[c, -s], [s, c]]) @ np.diag([sx, sy]))
    labels = rng.choice(len(weights), size=n_samples, p=weights)
    noise = rng.standard_normal((n_samples, 2))
    X = means[labels] + np.einsum("nij,nj->ni", np.array(chol)[labels], noise)
    return X, labels, weights, means


def demo(n_samples, seed):
    """GaussianMixture EM on a known mixture, against scikit-learn.

    Returns
    -------
    dict
        ``label_accuracy`` (labels recovered, after matching components to the
        true ones), ``same_as_sklearn`` (same means, lower bound and
        iterations from the same initialization), ``n_iter``, ``converged``.
    """
    from scipy.optimize import linear_sum_assignment
    from sklearn.cluster import kmeans_plusplus
    from sklearn.mixture import GaussianMixture as SkGaussianMixture

    from ..mixture import GaussianMixture

    X, labels, weights, means = known_mixture(n_samples, seed)
    k, d = means.shape
    print(
        f"\nGaussianMixture EM on {n_samples} points sampled from a known "
        f"{k}-component {d}-D mixture (full covariances)"
    )
    # One explicit initialization, shared by both libraries: k-means++ seeds
    # as means, equal weights, the data's overall covariance for every
    # component.
    seeds, _ = kmeans_plusplus(X, k, random_state=seed)
    precision = np.linalg.inv(np.cov(X.T))
    params = dict(
        n_components=k,
        covariance_type="full",
        tol=1e-5,
        max_iter=200,
        weights_init=np.full(k, 1 / k),
        means_init=seeds,
        precisions_init=np.array([precision] * k),
    )
    history = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        start = time.perf_counter()
        GaussianMixture(**params).fit(X[: 10 * k])  # compile or load the kernels
        compile_s = time.perf_counter() - start
        start = time.perf_counter()
        gm = GaussianMixture(**params).fit(
            X, callback=lambda it, bound, change: history.append((it, bound, change))
        )
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
        print(
            f"  {weights[j]:11.3f} {gm.weights_[match[j]]:7.3f}   "
            f"{true_mean:<18} {fit_mean}"
        )
    accuracy = float(np.mean(np.argsort(match)[gm.predict(X)] == labels))
    print(f"  labels recovered: {100 * accuracy:.2f}%")

    mean_diff = float(np.abs(gm.means_ - sk.means_).max())
    bound_diff = abs(gm.lower_bound_ - sk.lower_bound_) / abs(sk.lower_bound_)
    # the same arithmetic in another order: agreement to rounding, not bits
    same = bool(mean_diff < 1e-6 and bound_diff < 1e-9 and gm.n_iter_ == sk.n_iter_)
    print(
        f"  scikit-learn from the same init: max |means diff| {mean_diff:.1e}, "
        f"lower bound rel. diff {bound_diff:.1e}, iterations {sk.n_iter_}; "
        f"same answer as scikit-learn: {same}"
    )
    print(
        f"  fit time: fastapml {1e3 * fast_s:.1f} ms (first call "
        f"{compile_s:.2f} s: compile or cache load), scikit-learn "
        f"{1e3 * sk_s:.1f} ms: {sk_s / fast_s:.1f}x"
    )
    return {
        "label_accuracy": accuracy,
        "same_as_sklearn": same,
        "n_iter": gm.n_iter_,
        "converged": bool(gm.converged_),
    }
