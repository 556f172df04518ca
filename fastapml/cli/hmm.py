"""``fastapml hmm fit|decode``: hidden Markov models with Gaussian or
Gaussian-mixture emissions on continuous features (``.npy`` files)."""

import sys
import time

import numpy as np

from ._common import add_json_option, print_json, rate
from ._npy import load_finite_matrix, read_npy, save_npy

COVARIANCES = ("diag", "full", "tied", "spherical")


def add_parser(subparsers):
    """Add ``hmm`` and its ``fit`` and ``decode`` subcommands."""
    hmm = subparsers.add_parser(
        "hmm", help="HMMs on continuous features (GaussianHMM, GMMHMM)"
    )
    sub = hmm.add_subparsers(dest="hmm_command", required=True)

    p = sub.add_parser(
        "fit",
        help="fit a GaussianHMM (or a GMMHMM with --mix) by Baum-Welch; prints "
        "the log-likelihood per iteration",
    )
    p.add_argument("data", help="frames, shape (n_frames, n_features) (.npy)")
    _add_lengths(p)
    p.add_argument(
        "-k", "--states", type=int, required=True, help="number of hidden states"
    )
    p.add_argument("-o", "--output", required=True, help="model file (.npz)")
    p.add_argument("--covariance", choices=COVARIANCES, default="diag")
    p.add_argument(
        "--mix",
        type=int,
        default=1,
        metavar="M",
        help="Gaussians per state: 1 fits a GaussianHMM, more a GMMHMM "
        "(default: %(default)s)",
    )
    p.add_argument("--n-iter", type=int, default=10, help="EM iterations, at most")
    p.add_argument(
        "--tol",
        type=float,
        default=1e-2,
        help="stop when the log-likelihood gains less (default: %(default)s)",
    )
    p.add_argument("--seed", type=int, default=None, help="initialization seed")
    p.add_argument(
        "--float32", action="store_true", help="compute the densities in float32"
    )
    add_json_option(
        p,
        "model, n_states, n_mix, covariance_type, n_frames, n_sequences, "
        "n_features, n_iter, converged, log_likelihoods (per iteration), "
        "seconds, output",
    )
    p.set_defaults(
        func=fit,
        input_paths=(("DATA", "data"), ("--lengths", "lengths")),
        output_paths=(("-o", "output"),),
    )

    p = sub.add_parser("decode", help="most likely hidden states of each frame")
    p.add_argument("model", help="model file written by 'hmm fit'")
    p.add_argument("data", help="frames, shape (n_frames, n_features) (.npy)")
    _add_lengths(p)
    p.add_argument("-o", "--output", required=True, help="states, int64 (.npy)")
    p.add_argument(
        "--algorithm",
        choices=("viterbi", "map"),
        default="viterbi",
        help="viterbi: the most likely path; map: each frame's most likely "
        "state (default: %(default)s)",
    )
    add_json_option(p, "n_frames, n_sequences, log_prob, state_counts, seconds, output")
    p.set_defaults(
        func=decode,
        input_paths=(("MODEL", "model"), ("DATA", "data"), ("--lengths", "lengths")),
        output_paths=(("-o", "output"),),
    )


def _add_lengths(parser):
    parser.add_argument(
        "--lengths",
        help="sequence lengths, 1-D integers summing to n_frames (.npy); "
        "default: one sequence",
    )


def _read(args):
    """The frames and the lengths (None: one sequence)."""
    X = load_finite_matrix(args.data)
    lengths = None
    if args.lengths:
        lengths = read_npy(args.lengths)
        if lengths.ndim != 1 or lengths.dtype.kind not in "iu":
            raise ValueError(
                f"{args.lengths}: expected 1-D integer lengths, got "
                f"{lengths.dtype} of shape {lengths.shape}"
            )
    return X, lengths


def _monitor(tol, n_iter, history):
    """A ConvergenceMonitor that also prints each EM iteration's
    log-likelihood on standard error and appends it to ``history``."""
    from ..hmm import ConvergenceMonitor

    class Printing(ConvergenceMonitor):
        def report(self, log_prob):
            super().report(log_prob)
            history.append(float(log_prob))
            change = log_prob - history[-2] if len(history) > 1 else float("nan")
            print(
                f"iter {self.iter:4d}  log-likelihood {log_prob:16.6f}  "
                f"change {change:10.3e}",
                file=sys.stderr,
                flush=True,
            )

    return Printing(tol, n_iter, False)


def fit(args):
    """``hmm fit``: Baum-Welch on a ``.npy`` file; saves the model."""
    from ..hmm import GMMHMM, GaussianHMM

    X, lengths = _read(args)
    if args.float32:
        X = X.astype(np.float32)
    common = dict(
        covariance_type=args.covariance,
        n_iter=args.n_iter,
        tol=args.tol,
        random_state=args.seed,
    )
    if args.mix > 1:
        model = GMMHMM(args.states, n_mix=args.mix, **common)
    else:
        model = GaussianHMM(args.states, **common)
    history = []
    model.monitor_ = _monitor(args.tol, args.n_iter, history)
    n_seq = 1 if lengths is None else lengths.size
    print(
        f"fitting a {type(model).__name__} with {args.states} states "
        f"({args.covariance} covariances) to {X.shape[0]} frames x "
        f"{X.shape[1]} features in {n_seq} sequence(s) from {args.data}",
        file=sys.stderr,
    )
    start = time.perf_counter()
    model.fit(X, lengths)
    seconds = time.perf_counter() - start
    model.save(args.output)
    converged = len(history) > 1 and history[-1] - history[-2] < args.tol
    if args.json:
        print_json(
            {
                "model": type(model).__name__,
                "n_states": args.states,
                "n_mix": args.mix,
                "covariance_type": args.covariance,
                "n_frames": X.shape[0],
                "n_sequences": n_seq,
                "n_features": X.shape[1],
                "n_iter": model.monitor_.iter,
                "converged": converged,
                "log_likelihoods": history,
                "seconds": seconds,
                "output": args.output,
            }
        )
        return 0
    print(
        f"iterations: {model.monitor_.iter}, converged: {converged}, "
        f"log-likelihood: {history[-1] if history else float('nan'):.6f}, "
        f"time: {seconds:.2f} s"
    )
    print(f"saved {args.output}")
    return 0


def load_model(path):
    """The GaussianHMM or GMMHMM saved in ``path``, by its format kind."""
    from .. import _archive
    from ..hmm import GMMHMM, GaussianHMM

    kinds = {cls._FILE_KIND: cls for cls in (GaussianHMM, GMMHMM)}
    found = _archive.read_arrays(path, "saved HMM").get("format_kind")
    cls = kinds.get(str(found) if found is not None and found.shape == () else "")
    if cls is None:
        raise ValueError(
            f"{path} is not a model written by 'fastapml hmm fit' "
            f"(format_kind {found!r})"
        )
    return cls.load(path)


def decode(args):
    """``hmm decode``: each frame's state, into a ``.npy`` file."""
    model = load_model(args.model)
    X, lengths = _read(args)
    if X.shape[1] != model.n_features:
        raise ValueError(
            f"{args.data} has {X.shape[1]} features; the model in {args.model} "
            f"expects {model.n_features}"
        )
    start = time.perf_counter()
    log_prob, states = model.decode(X, lengths, algorithm=args.algorithm)
    seconds = time.perf_counter() - start
    save_npy(args.output, states.astype(np.int64))
    counts = np.bincount(states, minlength=model.n_components)
    n_seq = 1 if lengths is None else lengths.size
    if args.json:
        print_json(
            {
                "n_frames": X.shape[0],
                "n_sequences": n_seq,
                "log_prob": log_prob,
                "state_counts": counts,
                "seconds": seconds,
                "output": args.output,
            }
        )
        return 0
    print(
        f"decoded {X.shape[0]} frames in {n_seq} sequence(s) in {seconds:.2f} s "
        f"({rate(X.shape[0], seconds)} frames/s), {args.algorithm} log-prob "
        f"{log_prob:.6f}; wrote {args.output}"
    )
    print("frames per state: " + " ".join(str(c) for c in counts))
    return 0
