"""Helpers every command shares: rates, warnings, JSON output, figures and
the check of the files a command reads and writes."""

import json
import math
import os
import sys

import numpy as np

from .._files import replaced_atomically

JSON_HELP = (
    "print one JSON object on standard output instead of the report (NaN and "
    "infinity as null; progress still goes to standard error)"
)


def rate(n, seconds):
    """``n / seconds`` formatted with thousands separators, or ``"inf"``."""
    return f"{n / seconds:,.0f}" if seconds > 0 else "inf"


def warn(message):
    """Print ``fastapml: warning: message`` on standard error."""
    print(f"fastapml: warning: {message}", file=sys.stderr)


def print_warnings(caught):
    """Print each warning recorded by ``warnings.catch_warnings(record=True)``."""
    for w in caught:
        warn(w.message)


def add_json_option(parser, keys):
    """``--json``, its help naming the ``keys`` of the object printed."""
    parser.add_argument(
        "--json", action="store_true", help=f"{JSON_HELP}; keys: {keys}"
    )


def _plain(value):
    """``value`` with NumPy scalars and arrays as Python objects, non-finite
    floats as None and bytes as text, for ``json.dumps``."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def print_json(result):
    """Print ``result`` (a dict) as one line of strict JSON on standard output."""
    print(json.dumps(_plain(result), allow_nan=False))


def check_plot_path(path):
    """Fail before the work starts if matplotlib cannot write ``path``."""
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        raise ValueError(
            "--plot needs matplotlib, which is not installed: pip install "
            "matplotlib (or pip install 'fastapml[plot]')"
        ) from None
    ext = os.path.splitext(path)[1][1:].lower()
    formats = FigureCanvasBase.get_supported_filetypes()
    if ext and ext not in formats:
        raise ValueError(
            f"--plot {path}: matplotlib cannot write .{ext} files (it writes "
            f"{', '.join(sorted(formats))})"
        )


def save_figure(fig, path):
    """``fig.savefig``, format from the extension (png without one), atomically."""
    ext = os.path.splitext(path)[1][1:].lower() or "png"
    with replaced_atomically(path, "." + ext) as tmp:
        with open(tmp, "wb") as f:
            fig.savefig(f, format=ext, dpi=120)


def _same_file(a, b):
    """True when paths a and b name one file: the same resolved path (symlinks
    followed), or, when both exist, the same device and inode (hard links)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def check_paths(args):
    """Refuse, before any work, outputs that would destroy an input or each other.

    A command declares ``input_paths`` and ``output_paths`` with
    ``set_defaults``: pairs ``(label, dest)`` of its arguments.  An output
    that names an input or another output (symlinks and hard links
    resolved), an output that is a directory, or one whose directory does not
    exist raises ``ValueError`` naming both.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.
    """

    def given(pairs):
        paths = ((label, getattr(args, dest, None)) for label, dest in pairs)
        return [(label, os.fspath(p)) for label, p in paths if p not in (None, "-")]

    inputs = given(getattr(args, "input_paths", ()))
    outputs = given(getattr(args, "output_paths", ()))
    for i, (label, path) in enumerate(outputs):
        for other_label, other in inputs + outputs[:i]:
            if _same_file(path, other):
                kind = "input" if (other_label, other) in inputs else "output"
                raise ValueError(
                    f"{label} {path} is the same file as the {kind} {other_label} "
                    f"{other}: it would be overwritten; choose another path"
                )
        if os.path.isdir(path):
            raise ValueError(f"{label} {path} is a directory, not a file")
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise ValueError(f"{label} {path}: the directory {parent} does not exist")
