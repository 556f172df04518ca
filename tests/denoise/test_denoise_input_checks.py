"""Regression tests: bad input to fastapml.denoise gets a ValueError/TypeError
naming the argument, never a silent NaN or a raw NumPy error."""

import numpy as np
import pytest

from fastapml.denoise import (
    PatchPrior,
    aggregate_patches,
    patch_grid,
    psnr,
    sample_patches,
)
from fastapml.denoise.gaussian import gaussian_posterior, linear_gaussian_mmse


@pytest.mark.parametrize("name", ["sigma", "sigma_x"])
def test_gaussian_posterior_refuses_overflowing_scales(name):
    args = {"sigma": 1.0, "sigma_x": 1.0} | {name: 1e300}
    with pytest.raises(ValueError, match=name):
        gaussian_posterior(np.ones(3), **args)


def test_linear_gaussian_mmse_refuses_overflowing_y():
    with pytest.raises(ValueError, match="y"):
        linear_gaussian_mmse(np.array([1.8e308, -1.8e308]), None, 1.0, 0.0, np.eye(2))


@pytest.mark.parametrize(
    "clean, estimate, data_range, name",
    [
        (np.array([np.nan, 0.0]), np.zeros(2), 1.0, "clean"),
        (np.zeros(2), np.array([np.inf, 0.0]), 1.0, "estimate"),
        (np.zeros(2, complex), np.zeros(2), 1.0, "clean"),
        (np.zeros(2), np.zeros(2), 0.0, "data_range"),
        (np.zeros(2), np.zeros(2), float("nan"), "data_range"),
    ],
)
def test_psnr_checks_its_arguments(clean, estimate, data_range, name):
    with pytest.raises((TypeError, ValueError), match=name):
        psnr(clean, estimate, data_range)


def test_psnr_of_huge_data_range_stays_finite():
    assert np.isfinite(psnr(np.zeros(2), np.full(2, 1.0), 1e200))


@pytest.mark.parametrize("height", [float("nan"), "2", 2**40, 2**63])
def test_patch_grid_and_aggregate_check_the_shape(height):
    with pytest.raises((TypeError, ValueError), match="height"):
        patch_grid((height, 8), 3)
    with pytest.raises((TypeError, ValueError), match="shape|height"):
        aggregate_patches(np.zeros((4, 9)), (height, 8), 3)


@pytest.mark.parametrize("name", ["patch_size", "max_patches"])
@pytest.mark.parametrize("bad", [0, 1.5, float("nan"), "2"])
def test_sample_patches_checks_its_scalars(name, bad):
    args = {"patch_size": 3, "max_patches": 5} | {name: bad}
    with pytest.raises((TypeError, ValueError), match=name):
        sample_patches([np.zeros((8, 8))], **args)


def _prior():
    rng = np.random.default_rng(0)
    return PatchPrior().fit([rng.random((16, 16))], 3, 1, max_iter=3)


def test_patch_prior_refuses_float32_max_images_and_huge_reg_covar():
    prior = _prior()
    image = np.full((8, 8), np.finfo(np.float32).max, np.float32)
    with pytest.raises(ValueError, match=r"images\[0\]"):
        prior.score([image])
    with pytest.raises(ValueError, match="reg_covar"):
        PatchPrior().fit([np.zeros((8, 8))], 3, 1, reg_covar=1e300)


@pytest.mark.parametrize("dtype", [np.int8, np.complex128, "U5"])
def test_patch_prior_save_refuses_dtypes_load_refuses(tmp_path, dtype):
    prior = _prior()
    with pytest.raises(TypeError, match="dtype"):
        prior.save(tmp_path / "prior.npz", dtype=dtype)
    assert not (tmp_path / "prior.npz").exists()
