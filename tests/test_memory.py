"""Work that cannot fit in memory is refused up front, with its size named,
not left to fail with a MemoryError (or a SystemError from a parallel loop)."""

import numpy as np
import pytest

from fastapml import _memory
from fastapml.cluster import silhouette_samples, silhouette_score
from fastapml.denoise import denoise
from fastapml.hmm import viterbi2_batch, viterbi_batch
from fastapml.nn.functional import conv2d, conv2d_backward


@pytest.fixture
def little_memory(monkeypatch):
    monkeypatch.setattr(_memory, "available_bytes", lambda: 10_000)


def test_available_bytes_is_known_here():
    available = _memory.available_bytes()
    assert available is None or available > 0


def test_silhouette_too_big_for_memory(little_memory):
    X = np.random.default_rng(0).normal(size=(300, 2))
    labels = np.arange(300) % 5
    with pytest.raises(ValueError, match=r"silhouette of 300 samples in 5 clusters"):
        silhouette_samples(X, labels)
    with pytest.raises(ValueError, match=r"needs about 0 MiB of memory, and 0 MiB"):
        silhouette_score(X, labels)


def test_viterbi_back_pointers_too_big_for_memory(little_memory):
    rng = np.random.default_rng(0)
    k = 40
    trans = np.log(rng.dirichlet(np.ones(k), size=k))
    emit = np.log(rng.dirichlet(np.ones(k), size=500))
    with pytest.raises(ValueError, match=r"Viterbi over 1 sequences \(the longest 500"):
        viterbi_batch(emit, None, trans, np.full(k, -np.log(k)))
    trans2 = np.log(rng.dirichlet(np.ones(k + 1), size=(k + 1, k + 1)))
    with pytest.raises(ValueError, match="second-order Viterbi"):
        viterbi2_batch(emit, None, trans2)


def test_conv2d_buffers_too_big_for_memory(little_memory):
    x, w = np.zeros((2, 3, 30, 30)), np.zeros((4, 3, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d of input \(2, 3, 30, 30\) to"):
        conv2d(x, w, padding=1)
    with pytest.raises(ValueError, match=r"output \(2, 4, 30, 30\) needs about"):
        conv2d_backward(np.zeros((2, 4, 30, 30)), x, w, padding=1)


def test_huge_padding_is_refused_before_allocating():
    """Padding 10^6 of an 8 x 8 input asks for TiBs: a ValueError, at once."""
    with pytest.raises(ValueError, match="needs about .* GiB of memory"):
        conv2d(np.zeros((1, 1, 8, 8)), np.ones((1, 1, 3, 3)), padding=10**6)


def test_denoise_patches_too_big_for_memory(little_memory):
    with pytest.raises(ValueError, match="denoising an image of 40 x 50 pixels"):
        denoise(np.zeros((40, 50)), 0.1, method="gaussian")


def test_dense_eigendecomposition_too_big_for_memory(little_memory):
    from fastapml.cluster.embedding import embedding as spectral_embedding

    W = np.ones((60, 60)) - np.eye(60)
    with pytest.raises(ValueError, match="dense eigendecomposition of 60 nodes"):
        spectral_embedding(W, n_components=2)


def test_ordinary_sizes_pass(monkeypatch):
    X = np.random.default_rng(0).normal(size=(50, 2))
    assert -1 <= silhouette_score(X, np.arange(50) % 2) <= 1
    monkeypatch.setattr(_memory, "available_bytes", lambda: None)  # unknown: no check
    assert -1 <= silhouette_score(X, np.arange(50) % 2) <= 1
