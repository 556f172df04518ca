"""``fastapml warmup``: compile and cache the numba kernels."""

from .. import warmup as _warmup


def add_parser(subparsers):
    """Add the ``warmup`` command."""
    p = subparsers.add_parser(
        "warmup",
        help="compile and cache the numba kernels for this CPU",
        description="Compile every kernel of the capabilities named (all by "
        "default) for float32 and float64 into numba's on-disk cache, so that "
        "later processes only load them (e.g. RUN fastapml warmup in a "
        "Dockerfile).  The cache is per CPU target; NUMBA_CACHE_DIR places it.",
    )
    p.add_argument(
        "capabilities",
        nargs="*",
        metavar="CAPABILITY",
        type=_warmup.capability,
        help=f"any of {', '.join(_warmup.CAPABILITIES)} (default: all)",
    )
    p.set_defaults(func=run)


def run(args):
    """Compile and cache the kernels of the capabilities named (or all)."""
    return _warmup.run(args.capabilities)
