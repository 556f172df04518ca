"""The non-local Bayes step (fastapml.denoise.nonlocal_bayes) against its
NumPy twin, and the cases whose answer is known."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastapml import reference
from fastapml.denoise import default_prior, denoise, psnr
from fastapml.denoise.nonlocal_bayes import NONLOCAL, nonlocal_estimate


def _pair(images, shape, seed, sigma):
    """A noisy image and a pilot: the clean one with a little noise."""
    clean = images(1, shape, seed=seed)[0]
    rng = np.random.default_rng(seed)
    noisy = clean + rng.normal(0, sigma, shape)
    return noisy, clean + rng.normal(0, sigma / 4, shape)


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from([np.float32, np.float64]),
    st.integers(2, 5),
    st.integers(0, 4),
    st.integers(1, 12),
    st.integers(1, 5),
    st.integers(5, 19),
    st.integers(5, 19),
    st.floats(0.01, 0.5),
    st.sampled_from([0.0, 0.0, 0.3, 0.8, 1.0]),
    st.integers(0, 2**16),
)
def test_random_images_match_reference(
    images, dtype, p, search, n_similar, stride, h, w, sigma, missing, seed
):
    """With a fraction ``missing`` of the pixels unobserved (1: none seen)."""
    stride = min(stride, p)
    y, pilot = (a.astype(dtype) for a in _pair(images, (h, w), seed, sigma))
    keep = np.random.default_rng(seed).random((h, w)) >= missing
    y[~keep] = 7.0  # ignored
    args = (y, pilot, sigma, p)
    kwargs = {"search": search, "n_similar": n_similar, "stride": stride, "keep": keep}
    out = nonlocal_estimate(*args, **kwargs)
    assert out.dtype == dtype and out.shape == y.shape
    expected = reference.nonlocal_bayes.nonlocal_estimate(*args, **kwargs)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)


def test_flat_image_ties_keep_it_flat():
    """Every distance ties at 0; the groups still hold their references."""
    y = np.full((20, 17), 0.3)
    out = nonlocal_estimate(y, y, 0.1, 4, search=3, n_similar=5, stride=2)
    np.testing.assert_allclose(out, y, atol=1e-15)


def test_lone_patches_are_kept(images):
    """With no search window each group is its reference alone: zero
    covariance about its own mean, so the estimate is the noisy patch."""
    y, pilot = _pair(images, (18, 15), 2, 0.1)
    out = nonlocal_estimate(y, pilot, 0.1, 4, search=0, n_similar=10, stride=3)
    np.testing.assert_allclose(out, y, atol=1e-14)


def test_noise_free_pilot_keeps_the_image(images):
    """sigma -> 0 with the image as its own pilot: each patch minus its
    group's mean lies in the span of C, where the gain is the identity."""
    y = images(1, (24, 24), seed=4)[0]
    out = nonlocal_estimate(y, y, 1e-8, 4, search=4, n_similar=8, stride=2)
    np.testing.assert_allclose(out, y, atol=1e-6)  # the jitter: 1e-10 of C


def test_group_is_the_closest_patches_in_the_pilot():
    """Two kinds of patch: in each group, the pilot picks patches of the
    reference's kind, so the noisy patches are pooled with their kind only
    and the step removes noise that a mixed group would not."""
    rng = np.random.default_rng(0)
    clean = np.zeros((32, 32))
    clean[:, 16:] = 1.0
    noisy = clean + rng.normal(0, 0.2, clean.shape)
    out = nonlocal_estimate(noisy, clean, 0.2, 4, search=8, n_similar=16, stride=2)
    assert psnr(clean, out) > psnr(clean, noisy) + 8


def test_beats_epll_on_a_real_image():
    """On a crop of the demo image (never used to fit the prior)."""
    from importlib import resources

    from fastapml._archive import read_arrays

    path = resources.files("fastapml") / "data" / "demo_image.npz"
    image = read_arrays(path, "demo image")["image"]
    clean = image[32:160, 32:160].astype(np.float32) / 255
    rng = np.random.default_rng(0)
    noisy = (clean + rng.normal(0, 25 / 255, clean.shape)).astype(np.float32)
    epll = denoise(noisy, 25 / 255, "epll")
    both = denoise(noisy, 25 / 255, "nonlocal")
    assert psnr(clean, both) > psnr(clean, epll) + 0.2
    again = nonlocal_estimate(noisy, epll, 25 / 255, 8, **NONLOCAL)
    np.testing.assert_array_equal(both, again)
    assert default_prior().patch_size == 8


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_colour_matches_reference(small_prior, images, dtype):
    rng = np.random.default_rng(5)
    clean = np.stack(images(3, (14, 13), seed=2), axis=-1)
    y = (clean + rng.normal(0, 0.08, clean.shape)).astype(dtype)
    out = denoise(y, 0.08, "nonlocal", small_prior)
    expected = reference.denoise.denoise(y, 0.08, "nonlocal", small_prior)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)


def test_constants_written_twice_agree():
    from fastapml.denoise import _nonlocal_kernels

    assert reference.nonlocal_bayes.NONLOCAL == NONLOCAL
    assert reference.nonlocal_bayes.JITTER == _nonlocal_kernels.JITTER


@pytest.mark.parametrize("missing", [0.0, 0.5])
def test_tiny_sigma_stays_finite(images, missing):
    """sigma at the bottom of denoise's range, with and without missing
    pixels: the jitter keeps every solve positive definite."""
    y = images(1, (24, 24), seed=8)[0] * 1e4
    keep = np.random.default_rng(1).random(y.shape) >= missing
    out = nonlocal_estimate(y, y, 1e-8, 4, search=4, n_similar=30, stride=2, keep=keep)
    assert np.isfinite(out).all()
    if missing == 0:  # each patch minus its mean lies in the span of C
        np.testing.assert_allclose(out, y, rtol=1e-6)
