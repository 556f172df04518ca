"""restore() and its operators against the plain-NumPy twin
(fastapml.reference.restoration), and their contracts."""

import logging

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.linalg import aslinearoperator

from fastapml.denoise import (
    blur,
    downsample,
    estimate_sigma,
    mask,
    psnr,
    restore,
)
from fastapml.denoise.restoration import default_betas
from fastapml.reference import restoration as ref

BETAS = (30.0, 300.0, 3000.0)


def dense(op, shape):
    """The operator as a dense matrix on flattened images of ``shape``."""
    lin = op.aslinearoperator(shape)
    return lin.matmat(np.eye(lin.shape[1]))


# -- operators ------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(
    h=st.integers(3, 9),
    w=st.integers(3, 9),
    kh=st.integers(1, 3),
    kw=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_blur_is_the_periodic_convolution_of_its_definition(h, w, kh, kw, seed):
    psf = np.random.default_rng(seed).random((kh, kw))
    np.testing.assert_allclose(
        dense(blur(psf), (h, w)), ref.blur_matrix(psf, (h, w)), atol=1e-12
    )


@settings(max_examples=20, deadline=None)
@given(
    factor=st.integers(1, 3),
    blocks=st.tuples(st.integers(3, 4), st.integers(3, 4)),
    box=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_downsample_keeps_the_rows_of_its_definition(factor, blocks, box, seed):
    shape = (factor * blocks[0], factor * blocks[1])
    psf = None if box else np.random.default_rng(seed).random((3, 2))
    np.testing.assert_allclose(
        dense(downsample(factor, psf), shape),
        ref.downsample_matrix(factor, shape, psf),
        atol=1e-12,
    )


def test_downsample_by_a_box_gives_block_means():
    x = np.random.default_rng(0).random((6, 9))
    got = downsample(3).apply(x)
    np.testing.assert_allclose(got, x.reshape(2, 3, 3, 3).mean(axis=(1, 3)))


def test_mask_start_fills_every_hole():
    # a lone observed pixel: the fill stops growing its scale at the image's
    # size and gives the rest the observed mean (no endless loop)
    keep = np.zeros((64, 48), bool)
    keep[5, 7] = True
    y = np.where(keep, 0.25, np.nan)
    np.testing.assert_array_equal(mask(keep).initial(y), np.full(keep.shape, 0.25))
    # holes next to observed pixels take their neighbours' weighted mean
    keep = np.ones((16, 16), bool)
    keep[8, 8] = False
    x = np.random.default_rng(0).random((16, 16))
    got = mask(keep).initial(np.where(keep, x, 0.0))
    np.testing.assert_array_equal(got[keep], x[keep])
    assert x[7:10, 7:10][keep[7:10, 7:10]].min() <= got[8, 8]
    assert got[8, 8] <= x[7:10, 7:10][keep[7:10, 7:10]].max()


def test_mask_is_its_diagonal():
    keep = np.random.default_rng(0).random((5, 4)) > 0.5
    np.testing.assert_array_equal(dense(mask(keep), keep.shape), ref.mask_matrix(keep))


def operators(shape, rng):
    return {
        "blur": blur(rng.random((3, 3))),
        "mask": mask(rng.random(shape) > 0.4),
        "downsample": downsample(2, rng.random((2, 3))),
    }


@pytest.mark.parametrize("kind", ["blur", "mask", "downsample", "linear"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_x_step_solves_the_normal_equations(kind, dtype):
    rng = np.random.default_rng(1)
    shape = (6, 8)
    op = operators(shape, rng)["blur" if kind == "linear" else kind]
    H = dense(op, shape)
    if kind == "linear":
        from fastapml.denoise.operators import as_degradation

        op, _ = as_degradation(aslinearoperator(H), shape, None)
    y = rng.random(op.output_shape(shape)).astype(dtype)
    xbar = rng.random(shape).astype(dtype)
    beta, sigma = 3.0, 0.2
    want = np.linalg.solve(
        H.T @ H / sigma**2 + beta * np.eye(H.shape[1]),
        H.T @ y.astype(np.float64).ravel() / sigma**2 + beta * xbar.ravel(),
    )
    got = op.solve(y, xbar, beta, sigma)
    tol = 1e-4 if dtype == np.float32 or kind == "linear" else 1e-10
    np.testing.assert_allclose(got.ravel(), want, rtol=tol, atol=tol)


# -- restore against the twin -----------------------------------------------------
@pytest.mark.parametrize("kind", ["blur", "mask", "downsample"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("stride", [2, 3])
def test_restore_matches_the_reference(kind, dtype, stride, images, small_prior):
    clean = images(1, (16, 16), seed=3)[0]
    rng = np.random.default_rng(2)
    op = operators(clean.shape, rng)[kind]
    y = (op.apply(clean) + rng.normal(0, 0.02, op.output_shape(clean.shape))).astype(
        dtype
    )
    got = restore(
        y,
        op,
        0.02,
        small_prior,
        method="epll",
        betas=BETAS,
        rank_tol=0.0,
        stride=stride,
    )
    want = ref.restore(
        y,
        dense(op, clean.shape),
        op.initial(y),
        0.02,
        small_prior,
        BETAS,
        stride=stride,
    )
    assert got.dtype == dtype and got.shape == clean.shape
    tol = 2e-3 if dtype == np.float32 else 1e-8
    np.testing.assert_allclose(got, want, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nonlocal_inpainting_matches_the_reference(dtype, images, small_prior):
    """EPLL (its parity is tested above), then the non-local step's twin on
    the observed pixels.  The pilot is the fast EPLL's: the groups jump
    with the pilot, so float32 rounding in it would change them."""
    from fastapml.reference.nonlocal_bayes import NONLOCAL, nonlocal_estimate

    clean = images(1, (20, 18), seed=4)[0]
    keep = np.random.default_rng(5).random(clean.shape) > 0.6
    y = np.where(keep, clean, 0.0).astype(dtype)
    got = restore(y, mask(keep), 0.02, small_prior, method="nonlocal", betas=BETAS)
    pilot = restore(y, mask(keep), 0.02, small_prior, method="epll", betas=BETAS)
    settings = NONLOCAL | {"stride": 4}  # the small prior's patch size
    want = nonlocal_estimate(y, pilot, 0.02, 4, keep=keep, **settings)
    assert got.dtype == dtype and got.shape == clean.shape
    tol = 1e-5 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(got, want, atol=tol)


def test_nonlocal_inpainting_beats_epll(images):
    """80 % missing: the groups share what each patch's few pixels show."""
    from fastapml.denoise import default_prior

    clean = images(1, (96, 96), seed=12)[0]
    keep = np.random.default_rng(6).random(clean.shape) > 0.8
    y = np.where(keep, clean, 0.0)
    prior = default_prior()
    epll = restore(y, mask(keep), 1 / 255, prior, method="epll")
    both = restore(y, mask(keep), 1 / 255, prior)  # the default for a mask
    assert psnr(clean, both) > psnr(clean, epll) + 0.3


def test_nonlocal_is_for_masks(images, small_prior):
    y = images(1, (16, 16), seed=10)[0]
    with pytest.raises(ValueError, match="method='nonlocal' is defined for a mask"):
        restore(y, blur(np.ones((3, 3)) / 9), 0.1, small_prior, method="nonlocal")
    with pytest.raises(ValueError, match="method must be one of"):
        restore(y, blur(np.ones((3, 3)) / 9), 0.1, small_prior, method="bm3d")


def test_restore_with_a_linear_operator_matches_the_reference(
    images, small_prior, monkeypatch
):
    # conjugate gradients to rounding, so that no patch's most likely
    # component flips between the two
    monkeypatch.setattr("fastapml.denoise.operators.CG_TOL", 1e-13)
    clean = images(1, (12, 12), seed=4)[0]
    H = ref.blur_matrix(np.full((3, 3), 1 / 9), clean.shape)
    y = (H @ clean.ravel()).reshape(clean.shape)
    got = restore(
        y, aslinearoperator(H), 0.01, small_prior, betas=BETAS, rank_tol=0.0, stride=3
    )
    x0 = (H.T @ y.ravel()).reshape(y.shape)
    want = ref.restore(y, H, x0, 0.01, small_prior, BETAS, stride=3)
    np.testing.assert_allclose(got, want, atol=1e-8)


def test_a_non_square_linear_operator_takes_the_shape(images, small_prior):
    clean = images(1, (12, 12), seed=5)[0]
    H = ref.downsample_matrix(2, clean.shape)
    y = (H @ clean.ravel()).reshape(6, 6)
    got = restore(
        y, aslinearoperator(H), 0.01, small_prior, shape=(12, 12), betas=BETAS
    )
    assert got.shape == (12, 12)
    with pytest.raises(ValueError, match="shape"):
        restore(y, aslinearoperator(H), 0.01, small_prior)
    with pytest.raises(TypeError, match="shape"):
        restore(y, aslinearoperator(H), 0.01, small_prior, shape=(12.0, 12))


# -- quality: each restoration beats where it starts --------------------------------
@pytest.mark.parametrize("kind", ["blur", "mask", "downsample"])
def test_restore_improves_on_its_start(kind, images):
    from fastapml.denoise import default_prior

    clean = images(1, (64, 64), seed=6)[0]
    rng = np.random.default_rng(3)
    op = {
        "blur": blur(np.full((5, 5), 1 / 25)),
        "mask": mask(rng.random(clean.shape) > 0.5),
        "downsample": downsample(2),
    }[kind]
    y = op.apply(clean) + rng.normal(0, 2 / 255, op.output_shape(clean.shape))
    out = restore(y, op, 2 / 255, default_prior())
    assert psnr(clean, out) > psnr(clean, op.initial(y)) + 0.5


# -- conventions ------------------------------------------------------------------
def test_colour_and_integer_images(images, small_prior):
    grey = images(1, (16, 16), seed=7)[0]
    rgb = np.stack([grey, grey**2, np.sqrt(grey)], axis=-1)
    op = downsample(2)
    small = np.stack([op.apply(c) for c in np.moveaxis(rgb, -1, 0)], axis=-1)
    out = restore(small, op, 0.01, small_prior, betas=BETAS)
    assert out.shape == (16, 16, 3) and out.dtype == np.float64
    as_uint8 = np.rint(small * 255).astype(np.uint8)
    out8 = restore(as_uint8, op, 2.55, small_prior, betas=BETAS)
    assert out8.dtype == np.uint8 and out8.shape == (16, 16, 3)
    as_float = restore(
        as_uint8.astype(np.float32) / 255, op, 0.01, small_prior, betas=BETAS
    )
    # the same computation, rounded and clipped to the uint8 range
    want = np.clip(np.rint(as_float * 255), 0, 255)
    assert np.abs(out8.astype(float) - want).max() <= 1.0


def test_callback_sees_every_step(images, small_prior):
    y = images(1, (16, 16), seed=8)[0]
    steps = []
    restore(
        y,
        blur(np.ones((1, 3)) / 3),
        0.01,
        small_prior,
        betas=BETAS,
        callback=lambda *a: steps.append(a),
    )
    assert [s[:2] for s in steps] == [(1, 3), (2, 3), (3, 3)]
    assert [s[2] for s in steps] == list(BETAS)


def test_sigma_none_estimates_it(images, small_prior, caplog):
    rng = np.random.default_rng(9)
    y = images(1, (48, 48), seed=9)[0] + rng.normal(0, 0.05, (48, 48))
    op = blur(np.ones((1, 1)))
    with caplog.at_level(logging.INFO, logger="fastapml.denoise"):
        got = restore(y, op, None, small_prior, betas=BETAS)
    sigma = estimate_sigma(y)
    assert f"{sigma:.4g}" in caplog.text
    np.testing.assert_array_equal(got, restore(y, op, sigma, small_prior, betas=BETAS))


@pytest.mark.parametrize("stride", [1, 2, 3, 4, 8])
def test_grid_offsets_visit_every_offset(stride):
    from fastapml.denoise.restoration import grid_offset, shifted_grid

    n = stride * stride
    offsets = [grid_offset(i, stride) for i in range(2 * n)]
    assert sorted(set(offsets[:n])) == [
        (a, b) for a in range(stride) for b in range(stride)
    ]
    assert offsets[:n] == offsets[n:]  # and again, in the same order
    assert offsets == [ref.grid_offset(i, stride) for i in range(2 * n)]
    for offset in offsets[:n]:
        got = shifted_grid((21, 17), 8, stride, offset)
        want = ref.shifted_grid((21, 17), 8, stride, offset)
        assert [a.tolist() for a in got] == [list(a) for a in want]
        # every pixel under a patch: first and last patches included
        assert got[0][0] == 0 and got[0][-1] == 13 and got[1][-1] == 9


@pytest.mark.parametrize("method", ["epll", "nonlocal"])
def test_default_schedules(method):
    ops = [mask(np.ones((4, 4), bool))]
    if method == "epll":
        ops += [blur(np.ones((3, 3))), downsample(2)]
    for op in ops:
        first, last, steps = op.schedule if method == "epll" else op.nonlocal_schedule
        b = default_betas(1 / 255, op, method)
        assert b.size == steps
        np.testing.assert_allclose(1 / np.sqrt(b[[0, -1]]), [first / 255, last / 255])
        assert np.all(np.diff(b) > 0)
    # a noise level above the schedule's end ends it
    b = default_betas(10 / 255, blur(np.ones((3, 3))))
    np.testing.assert_allclose(1 / np.sqrt(b[-1]), 10 / 255)


# -- bad input -------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda y: ("not an operator",), TypeError, "operator"),
        (lambda y: (mask(np.ones((3, 3), bool)),), ValueError, "mask's shape"),
        (lambda y: (blur(np.ones((3, 3))), 0.1, (20, 20)), ValueError, "shape"),
        (lambda y: (blur(np.ones((40, 3))),), ValueError, "psf"),
        (lambda y: (mask(np.ones(y.shape, bool)), None), ValueError, "sigma"),
        (lambda y: (blur(np.ones((1, 1))), 0.1, None), ValueError, "betas"),
        (lambda y: (blur(np.ones((1, 1))), 0.1, 5), ValueError, "stride"),
    ],
)
def test_bad_calls_name_the_problem(make, exc, match, images, small_prior):
    y = images(1, (16, 16), seed=10)[0]
    args = make(y)
    kwargs = {}
    if len(args) == 3:  # the third is a keyword: betas, or shape if a tuple
        third = args[2]
        if isinstance(third, tuple):
            kwargs = {"shape": third}
        elif isinstance(third, int):  # the small prior's patches are 4 x 4
            kwargs = {"stride": third}
        else:
            kwargs = {"betas": [1, -1]}
    args = args[:2] + (0.1,) * (len(args) == 1)
    with pytest.raises(exc, match=match):
        restore(y, *args, small_prior, **kwargs)


@pytest.mark.parametrize(
    "build, exc, match",
    [
        (lambda: blur(np.zeros((3, 3))), ValueError, "psf"),
        (lambda: blur(np.full((3, 3), np.nan)), ValueError, "psf"),
        (lambda: mask(np.ones((3, 3))), TypeError, "keep"),
        (lambda: mask(np.zeros((3, 3), bool)), ValueError, "keep"),
        (lambda: downsample(0), ValueError, "factor"),
        (lambda: downsample(2.0), TypeError, "factor"),
    ],
)
def test_bad_operators_name_the_argument(build, exc, match):
    with pytest.raises(exc, match=match):
        build()


def test_nan_image_is_refused(small_prior):
    y = np.zeros((16, 16))
    y[3, 3] = np.nan
    with pytest.raises(ValueError, match="image contains NaN"):
        restore(y, blur(np.ones((1, 1))), 0.1, small_prior)
