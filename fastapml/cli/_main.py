"""The ``fastapml`` parser, built from each command module, and ``main``."""

import argparse
import sys

from . import cluster, cnn, demo, denoise, gmm, hmm, restore, tag, warmup
from ._common import check_paths

# in the order ``fastapml --help`` lists them
COMMANDS = (demo, tag, hmm, gmm, cluster, cnn, denoise, restore, warmup)

#: Exceptions that mean bad input or an unusable file, not a bug in fastapml:
#: validation (including fastapml._archive.ArchiveError) and I/O.
USER_ERRORS = (ValueError, OSError)

#: The exit status after Ctrl-C: 128 + SIGINT, as shells report it.
INTERRUPTED = 130


def build_parser():
    """The ``argparse`` parser of every command; each sets ``func``."""
    parser = argparse.ArgumentParser(
        prog="fastapml", description="Numba-accelerated classic machine learning."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(subparsers)
    return parser


def _one_line(err, args):
    """The error as one line; a library message about ``X`` (the data
    matrix) names the file the command read it from."""
    text = " ".join(line.strip() for line in str(err).splitlines() if line.strip())
    data = getattr(args, "data", None)
    if data is not None and text.startswith("X "):
        text = f"{data}: {text}"
    return text or type(err).__name__


def main(argv=None):
    """Run the ``fastapml`` command line.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0, or 2 after a ``ValueError`` or ``OSError``, whose
        message is printed as one ``fastapml: error:`` line on stderr.  An
        output path naming one of the command's inputs or outputs is refused
        before any work (:func:`._common.check_paths`).  Usage
        errors exit 2 through ``argparse`` (``SystemExit``).  Ctrl-C
        (``KeyboardInterrupt``) prints ``fastapml: interrupted`` and returns
        130, the shell's status for SIGINT; outputs are written whole or not
        at all, so none is left behind.  Any other exception is a bug and
        propagates with its traceback.
    """
    args = build_parser().parse_args(argv)
    try:
        check_paths(args)
        return args.func(args)
    except USER_ERRORS as err:
        print(f"fastapml: error: {_one_line(err, args)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fastapml: interrupted", file=sys.stderr)
        return INTERRUPTED
