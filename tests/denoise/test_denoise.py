from importlib import resources

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastapml import reference
from fastapml._archive import read_arrays
from fastapml.denoise import (
    PatchPrior,
    aggregate_patches,
    default_prior,
    denoise,
    extract_patches,
    linear_gaussian_mmse,
    psnr,
)

SIGMA = 0.08


@pytest.fixture(scope="module")
def noisy(images):
    clean = images(1, (18, 15), seed=7)[0]
    rng = np.random.default_rng(0)
    return clean, clean + rng.normal(0, SIGMA, clean.shape)


@pytest.mark.parametrize("method", ["gaussian", "mmse", "epll", "nonlocal"])
@pytest.mark.parametrize("stride, rank_tol", [(1, 0.0), (2, 0.0), (1, 0.5), (3, 2.0)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_reference(small_prior, noisy, method, stride, rank_tol, dtype):
    y = noisy[1].astype(dtype)
    out = denoise(y, SIGMA, method, small_prior, stride=stride, rank_tol=rank_tol)
    assert out.dtype == dtype and out.shape == y.shape
    expected = reference.denoise.denoise(
        y, SIGMA, method, small_prior, stride=stride, rank_tol=rank_tol
    )
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)


@settings(max_examples=20, deadline=None)
@given(
    st.sampled_from(["gaussian", "mmse", "epll", "nonlocal"]),
    st.sampled_from([np.float32, np.float64]),
    st.integers(4, 16),
    st.integers(4, 16),
    st.integers(1, 4),
    st.floats(0.01, 0.5),
    st.floats(0.0, 1.0),
    st.integers(0, 2**16),
)
def test_random_images_match_reference(
    small_prior, method, dtype, h, w, stride, sigma, rank_tol, seed
):
    y = np.random.default_rng(seed).random((h, w)).astype(dtype)
    out = denoise(y, sigma, method, small_prior, stride=stride, rank_tol=rank_tol)
    expected = reference.denoise.denoise(
        y, sigma, method, small_prior, stride=stride, rank_tol=rank_tol
    )
    tol = 1e-4 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)


def test_rank_truncation_is_exercised(small_prior, noisy):
    """rank_tol=0.5 must drop eigenvectors here, else the tests above would
    not check the flat-tail path."""
    values, _ = small_prior.spectrum()
    assert (values < 0.5 * SIGMA**2).any()
    exact = denoise(noisy[1], SIGMA, "mmse", small_prior, rank_tol=0.0)
    approx = denoise(noisy[1], SIGMA, "mmse", small_prior, rank_tol=0.5)
    assert np.abs(exact - approx).max() > 1e-6


def test_colour_and_uint8_match_reference(small_prior, images):
    rng = np.random.default_rng(3)
    clean = np.stack(images(3, (14, 12), seed=11), axis=-1)
    y = np.clip(clean + rng.normal(0, SIGMA, clean.shape), 0, 1)
    np.testing.assert_allclose(
        denoise(y, SIGMA, "mmse", small_prior),
        reference.denoise.denoise(y, SIGMA, "mmse", small_prior),
        atol=1e-12,
    )
    y8 = np.rint(y * 255).astype(np.uint8)
    out = denoise(y8, SIGMA * 255, "nonlocal", small_prior, stride=2)
    assert out.dtype == np.uint8 and out.shape == y8.shape
    expected = reference.denoise.denoise(
        y8, SIGMA * 255, "nonlocal", small_prior, stride=2
    )
    assert np.abs(out.astype(int) - expected).max() <= 1  # rounding ties
    y16 = np.rint(y * 65535).astype(np.uint16)  # keeps its dtype too
    out = denoise(y16, SIGMA * 65535, "mmse", small_prior)
    assert out.dtype == np.uint16 and out.shape == y16.shape
    expected = reference.denoise.denoise(y16, SIGMA * 65535, "mmse", small_prior)
    assert np.abs(out.astype(int) - expected).max() <= 2  # float32 vs float64


def test_one_component_mmse_is_the_gaussian_formula(small_prior, noisy):
    """Per patch: keep the mean, the linear-Gaussian MMSE of the rest."""
    single = small_prior.single_gaussian()
    y = noisy[1]
    p, d = single.patch_size, single.patch_size**2
    cov = single.covariances_[0] + 1e-9 * np.eye(d)  # PD for the solver
    patches = extract_patches(y, p)
    dc = patches.mean(axis=1, keepdims=True)
    estimates = dc + np.array(
        [
            linear_gaussian_mmse(z, None, SIGMA, single.means_[0], cov)
            for z in patches - dc
        ]
    )
    expected = aggregate_patches(estimates, y.shape, p)
    out = denoise(y, SIGMA, "mmse", single, stride=1, rank_tol=0.0)
    np.testing.assert_allclose(out, expected, atol=1e-7)
    np.testing.assert_allclose(
        denoise(y, SIGMA, "gaussian", small_prior, rank_tol=0.0), out, atol=1e-14
    )


@pytest.mark.parametrize("method", ["gaussian", "mmse", "epll", "nonlocal"])
def test_default_prior_raises_psnr(method):
    """On a crop of the demo image (never used to fit the prior)."""
    path = resources.files("fastapml") / "data" / "demo_image.npz"
    image = read_arrays(path, "demo image")["image"]
    clean = image[64:128, 64:128].astype(np.float32) / 255
    rng = np.random.default_rng(0)
    noisy = (clean + rng.normal(0, 25 / 255, clean.shape)).astype(np.float32)
    out = denoise(noisy, 25 / 255, method, stride=2)
    gain = psnr(clean, out) - psnr(clean, noisy)
    assert gain > {"gaussian": 4.0, "mmse": 6.0, "epll": 6.0, "nonlocal": 6.0}[method]


@pytest.mark.parametrize("method", ["mmse", "epll", "nonlocal"])
def test_result_does_not_depend_on_threads(small_prior, noisy, run_in_threads, method):
    y = noisy[1]
    both = denoise(y, SIGMA, method, small_prior)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = denoise(y, SIGMA, method, small_prior)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(one, both)
    for out in run_in_threads(lambda: denoise(y, SIGMA, method, small_prior)):
        np.testing.assert_array_equal(out, both)


def test_callback_sees_every_epll_step(small_prior, noisy):
    seen = []
    denoise(
        noisy[1],
        SIGMA,
        "epll",
        small_prior,
        betas=[1, 2, 3],
        callback=lambda *a: seen.append(a),
    )
    assert [s[:2] for s in seen] == [(1, 3), (2, 3), (3, 3)]
    assert seen[-1][2] == pytest.approx(3 / SIGMA**2)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"sigma": 0.0}, ValueError, "sigma must be > 0"),
        ({"sigma": -0.1}, ValueError, "sigma must be > 0"),
        ({"sigma": float("nan")}, ValueError, "sigma must be finite"),
        ({"sigma": 1e200}, ValueError, "sigma must be between 1e-08 and 1e\\+08"),
        ({"sigma": 1e-160}, ValueError, "sigma must be between"),
        (
            {"image": np.zeros((20, 20), np.uint8), "sigma": 1e-200},
            ValueError,
            "between 2.55e-06 and 2.55e\\+10 for a uint8 image",
        ),
        ({"method": "bm3d"}, ValueError, "method must be one of"),
        ({"image": np.zeros(20)}, ValueError, "image must be"),
        ({"image": np.zeros((20, 20, 2))}, ValueError, "image must be"),
        ({"image": np.zeros((3, 20))}, ValueError, "patch size 4 does not fit"),
        ({"image": np.full((20, 20), np.nan)}, ValueError, "image contains NaN"),
        ({"prior": "default"}, TypeError, "prior must be a PatchPrior"),
        ({"prior": PatchPrior()}, ValueError, "no parameters yet"),
        ({"stride": 5}, ValueError, "stride must be <= patch_size"),
        ({"betas": [1, -2]}, ValueError, "betas must be positive"),
        ({"rank_tol": -1}, ValueError, "rank_tol must be >= 0"),
    ],
)
def test_bad_input_is_named(small_prior, kwargs, error, match):
    args = {
        "image": np.zeros((20, 20)),
        "sigma": 0.1,
        "method": "epll",
        "prior": small_prior,
    } | kwargs
    with pytest.raises(error, match=match):
        denoise(args.pop("image"), args.pop("sigma"), **args)


@pytest.mark.parametrize("sigma", [1e-8, 1e8])
@pytest.mark.parametrize("method", ["epll", "mmse", "gaussian", "nonlocal"])
def test_extreme_sigmas_in_range_give_finite_images(small_prior, sigma, method):
    y = np.random.default_rng(0).random((16, 16)).astype(np.float32)
    out = denoise(y, sigma, method, small_prior)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    if sigma < 1:  # no noise: the image itself
        np.testing.assert_allclose(out, y, atol=1e-5)


def test_default_prior_is_an_8x8_mixture():
    prior = default_prior()
    assert prior.patch_size == 8 and prior.n_components > 1
    np.testing.assert_allclose(prior.weights_.sum(), 1.0)


def test_default_prior_copies_are_independent(images):
    first = default_prior()
    with pytest.raises(ValueError, match="read-only"):
        first.means_[0, 0] = 1.0
    first.fit(images(1), patch_size=4, n_components=1, max_patches=500)
    assert first.patch_size == 4 and default_prior().patch_size == 8
