"""``fastapml demo``: every capability on embedded or sampled data, in turn.

Each part lives beside its command (``tag.demo``, ``gmm.demo``, ...); this
module only sequences them.
"""

from . import cluster, cnn, denoise, gmm, lagrange, tag


def add_parser(subparsers):
    """Add the ``demo`` command."""
    p = subparsers.add_parser(
        "demo",
        help="run the HMM tagger, a Gaussian mixture, spectral clustering, a "
        "CNN and denoising on embedded data",
    )
    p.add_argument(
        "--sentences",
        type=int,
        default=4000,
        help="training sentences to sample (default 4000)",
    )
    p.add_argument(
        "--em-iter",
        type=int,
        default=8,
        help="Baum-Welch iterations to show (default 8)",
    )
    p.add_argument(
        "--gmm-samples",
        type=int,
        default=4000,
        help="points for the Gaussian-mixture part (default 4000)",
    )
    p.add_argument(
        "--cluster-samples",
        type=int,
        default=3000,
        help="points for the clustering part: two moons for spectral "
        "clustering, blobs for the silhouette (default 3000)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run)


#: The smallest value of each size option that the demo parts can run with.
MINIMUM = {"sentences": 2, "em_iter": 1, "gmm_samples": 100, "cluster_samples": 100}


def run(args):
    """Run every demo part; exit status 0."""
    for name, low in MINIMUM.items():
        if getattr(args, name) < low:
            raise ValueError(
                f"--{name.replace('_', '-')} must be at least {low}, got "
                f"{getattr(args, name)}"
            )
    print(
        "fastapml demo: HMM part-of-speech tagging on a corpus sampled from a "
        "known HMM\n(first run compiles the numba kernels; later runs load them "
        "from the cache)\n"
    )
    # module attributes looked up at call time, so a test can replace a part
    tag.demo(args.sentences, args.em_iter, args.seed)
    gmm.demo(args.gmm_samples, args.seed)
    cluster.demo(args.cluster_samples, args.seed)
    lagrange.demo()
    cnn.demo(args.seed)
    denoise.demo(args.seed)
    return 0
