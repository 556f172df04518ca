"""``--workers`` / ``--scheduler``: run a command on dask.distributed."""

import contextlib


def add_dask_options(parser, what):
    """Add ``--workers N`` and ``--scheduler ADDRESS`` (one or the other)."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help=f"{what} on a local dask cluster of N worker processes (one thread "
        "each), started for this command and shut down after it (needs the "
        "[dask] extra)",
    )
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=f"{what} on the running dask scheduler at ADDRESS (e.g. "
        "tcp://10.0.0.1:8786, from 'dask scheduler'); its workers must have "
        "fastapml installed and read the data file at the same path",
    )


def on_dask(args):
    """Whether the command runs on dask, checking ``--workers``."""
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    return args.workers is not None or args.scheduler is not None


def engine(args):
    """Where the command runs.

    Returns
    -------
    client : context manager
        Gives the dask client (a no-op in memory).
    where : str
        For the progress line, e.g. ``"in memory"``.
    info : dict or None
        For ``--json``: ``{"workers": N}``, ``{"scheduler": ADDRESS}`` or None.
    """
    if not on_dask(args):
        return contextlib.nullcontext(), "in memory", None
    from .._dask import client_for

    if args.scheduler:
        where = f"the dask scheduler at {args.scheduler}"
        info = {"scheduler": args.scheduler}
    else:
        plural = "es" * (args.workers > 1)
        where = f"a local dask cluster of {args.workers} worker process{plural}"
        info = {"workers": args.workers}
    return client_for(args.workers, args.scheduler), where, info
