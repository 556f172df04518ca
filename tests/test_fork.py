"""Process pools after parallel kernels: fork, forkserver and spawn workers
all answer (numba's GNU OpenMP layer would kill forked children), and the
user's own choice of threading layer still decides."""

import json
import os
import subprocess
import sys

import pytest

SCRIPT = """
import json, multiprocessing as mp, sys
import numba, numpy as np
from fastapml.cluster import silhouette_score

def score(seed):
    rng = np.random.default_rng(seed)
    return silhouette_score(rng.normal(size=(400, 3)), np.arange(400) % 3)

if __name__ == "__main__":
    score(0)  # the parallel driver, in the parent, before any pool
    out = {"layer": numba.threading_layer(), "parent": [score(s) for s in range(3)]}
    for method in sys.argv[1:]:
        with mp.get_context(method).Pool(2) as pool:
            out[method] = pool.map(score, range(3))
    print(json.dumps(out))
"""


def run_script(tmp_path, *methods, layer=None):
    # a file, not ``-c``: spawn and forkserver children import it by path
    script = tmp_path / "pools.py"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    env["NUMBA_NUM_THREADS"] = "2"  # the parallel drivers run on any machine
    if layer is not None:
        env["NUMBA_THREADING_LAYER"] = layer
    done = subprocess.run(
        [sys.executable, str(script), *methods],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_pools_after_parallel_work(tmp_path):
    out = run_script(tmp_path, "fork", "forkserver", "spawn")
    assert out["layer"] in ("tbb", "workqueue", "omp")
    if sys.platform.startswith("linux"):
        assert out["layer"] != "omp"  # GNU OpenMP is not fork-safe
    for method in ("fork", "forkserver", "spawn"):
        assert out[method] == out["parent"], method


@pytest.mark.parametrize("layer", ["workqueue"])
def test_the_users_layer_decides(tmp_path, layer):
    assert run_script(tmp_path, layer=layer)["layer"] == layer
