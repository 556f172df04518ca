import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastapml import reference
from fastapml.denoise import aggregate_patches, extract_patches, patch_grid


@st.composite
def geometry(draw):
    """(patch size, stride, an image at least one patch large)."""
    p = draw(st.integers(1, 6))
    stride = draw(st.integers(1, p))
    shape = (p + draw(st.integers(0, 9)), p + draw(st.integers(0, 9)))
    return p, stride, np.random.default_rng(0).standard_normal(shape)


@settings(max_examples=60, deadline=None)
@given(geometry(), st.sampled_from([np.float32, np.float64]))
def test_extract_and_aggregate_match_reference(geom, dtype):
    p, stride, x = geom
    x = x.astype(dtype)
    patches = extract_patches(x, p, stride)
    assert patches.dtype == dtype
    np.testing.assert_array_equal(
        patches, reference.denoise.extract_patches(x, p, stride)
    )
    z = np.random.default_rng(1).standard_normal(patches.shape).astype(dtype)
    for average in (False, True):
        np.testing.assert_allclose(
            aggregate_patches(z, x.shape, p, stride, average=average),
            reference.denoise.aggregate_patches(z, x.shape, p, stride, average),
            rtol=1e-5 if dtype == np.float32 else 1e-12,
            atol=1e-6,
        )


@settings(max_examples=60, deadline=None)
@given(geometry())
def test_aggregation_is_the_adjoint_of_extraction(geom):
    p, stride, x = geom
    patches = extract_patches(x, p, stride)
    z = np.random.default_rng(2).standard_normal(patches.shape)
    lhs = np.vdot(patches, z)  # <E x, z>
    rhs = np.vdot(x, aggregate_patches(z, x.shape, p, stride, average=False))
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(geometry())
def test_averaging_the_patches_of_an_image_gives_it_back(geom):
    p, stride, x = geom
    back = aggregate_patches(extract_patches(x, p, stride), x.shape, p, stride)
    np.testing.assert_allclose(back, x, rtol=1e-13, atol=1e-14)


def test_grid_covers_every_pixel_and_keeps_the_last_patch():
    rows, cols = patch_grid((11, 8), 4, stride=3)
    assert rows.tolist() == [0, 3, 6, 7]
    assert cols.tolist() == [0, 3, 4]
    covered = np.zeros((11, 8), bool)
    for r in rows:
        for c in cols:
            covered[r : r + 4, c : c + 4] = True
    assert covered.all()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: extract_patches(np.zeros((3, 8)), 4), "patch_size 4 does not fit"),
        (lambda: extract_patches(np.zeros((8, 8)), 0), "patch_size must be >= 1"),
        (lambda: extract_patches(np.zeros((8, 8)), 2, stride=0), "stride must be >= 1"),
        (
            lambda: extract_patches(np.zeros((8, 8)), 2, stride=3),
            "stride must be <= patch_size",
        ),
        (lambda: extract_patches(np.zeros(8), 2), "image must be 2-D"),
        (lambda: extract_patches(np.full((4, 4), np.nan), 2), "image contains NaN"),
        (
            lambda: aggregate_patches(np.zeros((5, 4)), (3, 3), 2),
            "patches must have shape",
        ),
        (lambda: aggregate_patches(np.zeros((1, 4)), (2, 2, 2), 2), "shape must be"),
    ],
)
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
