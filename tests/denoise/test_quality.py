"""psnr and ssim: the definitions, and ssim's parity with scikit-image."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.metrics import structural_similarity

from fastapml.denoise import psnr, ssim


@settings(max_examples=25, deadline=None)
@given(
    shape=st.sampled_from([(7, 7), (9, 12), (16, 10), (12, 9, 3)]),
    noise=st.floats(0.0, 1.0),
    data_range=st.sampled_from([1.0, 2.0, 255.0]),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_ssim_is_scikit_images(shape, noise, data_range, dtype, seed):
    rng = np.random.default_rng(seed)
    x = (rng.random(shape) * data_range).astype(dtype)
    y = (x + rng.normal(0, noise * data_range, shape)).astype(dtype)
    channel = -1 if len(shape) == 3 else None
    want = structural_similarity(
        x.astype(np.float64),
        y.astype(np.float64),
        data_range=data_range,
        channel_axis=channel,
    )
    assert ssim(x, y, data_range) == pytest.approx(want, abs=1e-10)


def test_ssim_of_equal_images_is_one_and_falls_with_noise():
    x = np.random.default_rng(0).random((32, 32))
    noisy = [x + np.random.default_rng(1).normal(0, s, x.shape) for s in (0.05, 0.2)]
    assert ssim(x, x) == 1.0
    assert 1.0 > ssim(x, noisy[0]) > ssim(x, noisy[1])


def test_psnr_definition():
    x = np.zeros((4, 4))
    assert psnr(x, x + 0.1) == pytest.approx(20.0)
    assert psnr(x, x + 25.5, data_range=255) == pytest.approx(20.0)
    assert psnr(x, x) == np.inf


@pytest.mark.parametrize(
    "args, exc, match",
    [
        ((np.zeros((8, 8)), np.zeros((8, 9))), ValueError, "shape"),
        ((np.zeros((6, 8)), np.zeros((6, 8))), ValueError, "clean"),
        ((np.zeros((8, 8)), np.full((8, 8), np.nan)), ValueError, "estimate"),
        ((np.zeros((8, 8)), np.zeros((8, 8)), 0.0), ValueError, "data_range"),
    ],
)
def test_ssim_bad_input(args, exc, match):
    with pytest.raises(exc, match=match):
        ssim(*args)
