"""Ctrl-C: long kernels run in bounded calls (fastapml._chunks), so SIGINT
stops the CLI within seconds with "interrupted", exit status 130, no
traceback and no output; the spans add up to the one-call results."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from fastapml import _chunks
from fastapml.cli._main import INTERRUPTED
from fastapml.cluster import silhouette_samples
from fastapml.denoise import denoise

# far more than INTERRUPT_WITHIN seconds of work on any CPU
BIG_N, BIG_IMAGE = 400_000, 3000
INTERRUPT_WITHIN = 30  # s from SIGINT to exit; a call lasts well under 1 s
# (the kernels are compiled by a run on small inputs first: numba's compiler
# holds the interpreter as long as a kernel does)


@pytest.mark.parametrize("costs", [[], [5], [1] * 10, [0, 0, 7, 1, 1, 9, 2]])
@pytest.mark.parametrize("budget", [1, 3, 100])
def test_spans_cover_the_items_in_order(costs, budget):
    parts = _chunks.spans(costs, budget)
    items = [i for a, b in parts for i in range(a, b)]
    assert items == list(range(len(costs)))
    for a, b in parts:
        assert sum(costs[a + 1 : b]) < budget


def test_even_spans():
    assert _chunks.even_spans(0, 5) == []
    assert _chunks.even_spans(7, 10, budget=25) == [(0, 2), (2, 4), (4, 6), (6, 7)]
    # starts at multiples of 3 items, at least one multiple per span
    assert _chunks.even_spans(8, 10, budget=65, multiple=3) == [(0, 6), (6, 8)]
    assert _chunks.even_spans(8, 10, budget=1, multiple=3) == [(0, 3), (3, 6), (6, 8)]


@pytest.mark.parametrize("metric", ["euclidean", "precomputed"])
def test_silhouette_in_many_calls_equals_one_call(monkeypatch, metric):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(700, 3))
    labels = rng.integers(0, 5, len(X))
    if metric == "precomputed":
        X = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    one = silhouette_samples(X, labels, metric=metric)
    monkeypatch.setattr(_chunks, "CALL_WORK", 700)
    seen = []
    with _chunks.reporting(seen.append):
        many = silhouette_samples(X, labels, metric=metric)
    assert len(seen) > 5 and seen[-1] == 1.0 and seen == sorted(seen)
    np.testing.assert_array_equal(many, one)


@pytest.mark.parametrize("method", ["mmse", "epll"])
def test_denoise_in_many_calls_equals_one_call(monkeypatch, method):
    image = np.random.default_rng(2).random((40, 44))
    one = denoise(image, 0.1, method)
    monkeypatch.setattr(_chunks, "CALL_WORK", 1)
    seen = []
    with _chunks.reporting(seen.append):
        many = denoise(image, 0.1, method)
    assert len(seen) > 1
    np.testing.assert_array_equal(many, one)


@pytest.fixture(scope="module")
def big_inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    rng = np.random.default_rng(0)
    np.save(folder / "X.npy", rng.normal(size=(BIG_N, 8)))
    np.save(folder / "labels.npy", rng.integers(0, 4, BIG_N))
    pixels = rng.integers(0, 256, (BIG_IMAGE, BIG_IMAGE), dtype=np.uint8)
    Image.fromarray(pixels).save(folder / "noisy.png")
    # small copies, to compile (or load) the kernels before the timed runs
    small = tmp_path_factory.mktemp("small")
    np.save(small / "X.npy", rng.normal(size=(500, 8)))
    np.save(small / "labels.npy", rng.integers(0, 4, 500))
    Image.fromarray(pixels[:64, :64]).save(small / "noisy.png")
    return folder, small


COMMANDS = {
    "silhouette": ["silhouette", "X.npy", "labels.npy", "-o", "s.npy"],
    "denoise": ["denoise", "noisy.png", "--sigma", "25", "-o", "out.png"],
}
CLI = [sys.executable, "-m", "fastapml"]


def _sigint_as_at_a_terminal():
    # A shell starts background jobs with SIGINT ignored (CI runs a stage as
    # `bash .ci/floors &`), the child inherits that, and Python keeps an
    # ignored SIGINT ignored; a user at a terminal has it at its default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("command", COMMANDS)
def test_ctrl_c_stops_the_cli(big_inputs, command):
    big_inputs, small = big_inputs
    warm = subprocess.run([*CLI, *COMMANDS[command]], cwd=small, capture_output=True)
    assert warm.returncode == 0, warm.stderr
    before = sorted(os.listdir(big_inputs))
    proc = subprocess.Popen(
        [*CLI, *COMMANDS[command]],
        cwd=big_inputs,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_sigint_as_at_a_terminal,
    )
    # the first stderr line comes once the inputs are read and the work starts
    first = proc.stderr.readline()
    time.sleep(2)
    assert proc.poll() is None, first + proc.stderr.read()
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    try:
        out, err = proc.communicate(timeout=INTERRUPT_WITHIN)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"{command} ignored SIGINT for {INTERRUPT_WITHIN} s")
    print(f"{command}: exited {time.monotonic() - sent:.2f} s after SIGINT")
    assert proc.returncode == INTERRUPTED, err
    assert err.strip().splitlines()[-1] == "fastapml: interrupted"
    assert "Traceback" not in err and out == ""
    assert sorted(os.listdir(big_inputs)) == before
