"""``fastapml warmup``: the command line, and that a warmed cache serves a
fresh process without compiling."""

import os
import subprocess
import sys

import pytest

from fastapml import cli
from fastapml.cli import warmup as warmup_cli
from fastapml.warmup import CAPABILITIES

# A fresh process: the kernels the cluster API calls, in both dtypes, from
# the main thread (and so the parallel drivers where numba has threads) and
# a worker thread; prints the cache misses and hits of every cluster kernel.
_CHECK = """
from concurrent.futures import ThreadPoolExecutor
import numpy as np
from fastapml.cluster import _kernels, silhouette_samples, silhouette_score
from numba.core.dispatcher import Dispatcher

def calls():
    for dtype in (np.float32, np.float64):
        X = np.random.default_rng(1).normal(size=(30, 2)).astype(dtype)
        labels = np.arange(30) % 2
        silhouette_score(X, labels, metric="manhattan")
        D = np.abs(X[:, None, 0] - X[None, :, 0])
        silhouette_samples(D, labels, metric="precomputed")

calls()
ThreadPoolExecutor(1).submit(calls).result()
kernels = [f for f in vars(_kernels).values() if isinstance(f, Dispatcher)]
print(sum(sum(f.stats.cache_misses.values()) for f in kernels),
      sum(sum(f.stats.cache_hits.values()) for f in kernels))
"""


def _run(args, cache):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    return subprocess.run(
        [sys.executable, *args], env=env, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def warmed(tmp_path_factory):
    """An empty numba cache filled by ``fastapml warmup cluster`` in its own
    process: (cache folder, the command's output)."""
    cache = tmp_path_factory.mktemp("numba_cache")
    return cache, _run(["-m", "fastapml.cli", "warmup", "cluster"], cache)


def test_warmup_prints_target_and_capability_line(warmed):
    cache, out = warmed
    lines = out.splitlines()
    assert lines[0].startswith("compile target: ")
    assert lines[1] == f"cache: {cache}"
    (line,) = [x for x in lines if x.startswith("cluster ")]
    assert " s  compiled (" in line and ", 0 loaded from the cache)" in line


def test_fresh_process_loads_warmed_kernels_from_cache(warmed):
    cache, _ = warmed
    misses, hits = map(int, _run(["-c", _CHECK], cache).split())
    assert misses == 0 and hits > 0
    out = _run(["-m", "fastapml.cli", "warmup", "cluster"], cache)
    assert "loaded from the cache (0 functions compiled" in out


def test_unknown_capability_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["warmup", "cluster", "bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'bogus'" in err
    assert all(name in err for name in CAPABILITIES)


def test_no_capability_means_all():
    args = cli.build_parser().parse_args(["warmup"])
    assert args.capabilities == [] and args.func is warmup_cli.run
