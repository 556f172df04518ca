"""Helpers every command shares: rates, warnings, JSON output and figures."""

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
