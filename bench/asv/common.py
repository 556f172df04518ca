"""First-call timing for the asv suites' FirstCall benchmarks.

A snippet that imports fastapml, makes its first calls and prints the
seconds taken runs in a fresh interpreter: 'cold' with an empty
NUMBA_CACHE_DIR, so numba compiles every kernel it reaches; 'cached' with
the usual cache, so numba only loads them.
"""
import os
import subprocess
import sys
import tempfile


def seconds(code, cache_dir=None):
    """What ``code`` printed last (its seconds), run in a fresh interpreter
    with NUMBA_CACHE_DIR set to ``cache_dir`` if given."""
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True)
    return float(out.stdout.split()[-1])


def prepare(code, cache):
    """asv setup: fill the usual cache before a 'cached' measurement."""
    if cache == "cached":
        seconds(code)


def first_call(code, cache):
    """Seconds of ``code`` with a 'cold' (empty) or the 'cached' numba cache."""
    if cache == "cached":
        return seconds(code)
    with tempfile.TemporaryDirectory() as cache_dir:
        return seconds(code, cache_dir)
