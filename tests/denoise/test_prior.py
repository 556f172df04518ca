import numpy as np
import pytest

from fastapml.denoise import PatchPrior, extract_patches, sample_patches


def test_fit_models_zero_mean_patches(small_prior):
    d = small_prior.patch_size**2
    assert small_prior.n_components == 3
    np.testing.assert_allclose(small_prior.covariances_ @ np.ones(d), 0, atol=1e-12)
    np.testing.assert_allclose(small_prior.means_.sum(axis=1), 0, atol=1e-12)
    values, vectors = small_prior.spectrum()
    assert values.shape == (3, d - 1) and (np.diff(values, axis=1) <= 0).all()
    np.testing.assert_allclose(np.ones(d) @ vectors, 0, atol=1e-12)
    rebuilt = np.einsum("kij,kj,klj->kil", vectors, values, vectors)
    np.testing.assert_allclose(rebuilt, small_prior.covariances_, atol=1e-12)


def test_mixture_fits_held_out_patches_better_than_one_gaussian(small_prior, images):
    held_out = images(2, seed=99)
    assert (
        small_prior.score(held_out)
        > small_prior.single_gaussian().score(held_out) + 0.1
    )


def test_single_gaussian_has_the_mixtures_moments(small_prior):
    rng = np.random.default_rng(0)
    n = 200_000
    k = rng.choice(3, n, p=small_prior.weights_)
    draws = np.empty((n, small_prior.patch_size**2))
    for j in range(3):
        rows = k == j
        draws[rows] = rng.multivariate_normal(
            small_prior.means_[j], small_prior.covariances_[j], rows.sum()
        )
    single = small_prior.single_gaussian()
    scale = np.sqrt(np.diag(single.covariances_[0])).max()
    np.testing.assert_allclose(
        single.means_[0], draws.mean(axis=0), atol=5 * scale / np.sqrt(n)
    )
    np.testing.assert_allclose(
        single.covariances_[0], np.cov(draws.T), atol=10 * scale**2 / np.sqrt(n)
    )


def test_save_load_round_trip(small_prior, tmp_path):
    path = tmp_path / "prior.npz"
    small_prior.save(path)
    back = PatchPrior.load(path)
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_array_equal(getattr(back, name), getattr(small_prior, name))
    assert back.patch_size == small_prior.patch_size
    small_prior.save(path, dtype=np.float32)
    half = PatchPrior.load(path)
    assert half.covariances_.dtype == np.float64
    np.testing.assert_allclose(
        half.covariances_,
        small_prior.covariances_,
        rtol=1e-6,
        atol=1e-7 * np.abs(small_prior.covariances_).max(),
    )


def test_load_refuses_pickles_and_foreign_files(tmp_path):
    header = {
        "format_kind": np.array("fastapml.denoise.PatchPrior"),
        "format_version": np.array(1),
    }
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, **header, weights=np.array([{"code": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickled.npz.*pickled objects"):
        PatchPrior.load(pickled)
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.ones(1))
    with pytest.raises(ValueError, match="other.npz is not a saved PatchPrior"):
        PatchPrior.load(other)
    partial = tmp_path / "partial.npz"
    np.savez(partial, **header, weights=np.ones(1))
    with pytest.raises(ValueError, match="partial.npz: missing array 'means'"):
        PatchPrior.load(partial)


def test_sample_patches_draws_distinct_real_patches(images):
    imgs = images(2, (12, 10), seed=5)
    every = np.concatenate([extract_patches(a, 3) for a in imgs])
    sample = sample_patches(imgs, 3, 50, random_state=1)
    assert sample.shape == (50, 9) and sample.dtype == np.float32
    assert len({row.tobytes() for row in sample}) == 50
    assert all(np.isclose(every, row, atol=1e-6).all(axis=1).any() for row in sample)
    assert sample_patches(imgs, 3, 10**6).shape[0] == every.shape[0]
    as_uint8 = sample_patches([np.full((5, 5), 255, np.uint8)], 2, 3)
    np.testing.assert_array_equal(as_uint8, 1.0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: PatchPrior(np.ones(1)), "together"),
        (
            lambda: PatchPrior(np.ones(1), np.zeros((1, 5)), np.zeros((1, 5, 5))),
            "p\\*p columns",
        ),
        (
            lambda: PatchPrior(-np.ones(1), np.zeros((1, 4)), np.zeros((1, 4, 4))),
            "non-negative",
        ),
        (
            lambda: PatchPrior(np.ones(1), np.zeros((1, 4)), -np.eye(4)[None]),
            "positive semi-definite",
        ),
        (
            lambda: PatchPrior(
                np.ones(1), np.zeros((1, 4)), np.triu(np.ones((4, 4)))[None]
            ),
            "symmetric",
        ),
        (lambda: PatchPrior().patch_size, "no parameters yet"),
        (lambda: PatchPrior().fit([np.zeros((3, 3))], patch_size=4), "smaller than"),
        (
            lambda: PatchPrior().fit([np.zeros((5, 5))], patch_size=4, n_components=9),
            "fewer than n_components",
        ),
        (lambda: PatchPrior().fit([], patch_size=4), "at least one image"),
        (lambda: PatchPrior().fit([np.zeros((5, 5))], patch_size=1), "patch_size"),
    ],
)
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
