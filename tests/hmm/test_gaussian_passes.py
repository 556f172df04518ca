"""The Gaussian-emission HMM passes against their NumPy twins in
``fastapml.reference.hmm_gaussian``: random shapes (across the kernels'
512-frame blocks), every covariance type, mixtures, float32 and float64."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastapml.hmm import _gaussian_passes as passes
from fastapml.hmm.forward_backward import scaled_emissions
from fastapml.mixture.em import scatter_about, shifts
from fastapml.reference import hmm_gaussian as ref

TYPES = ("spherical", "diag", "full", "tied")


def _case(rng, n_frames, n_features, n_states, n_mix, covariance_type):
    """Frames, components in scikit-learn's layout, normalized posteriors."""
    c = n_states * n_mix
    means = rng.normal(scale=2.0, size=(c, n_features))
    X = means[rng.randint(c, size=n_frames)] + rng.normal(size=(n_frames, n_features))
    if covariance_type == "spherical":
        covars = rng.uniform(0.3, 2.0, size=c)
    elif covariance_type == "diag":
        covars = rng.uniform(0.3, 2.0, size=(c, n_features))
    else:
        a = rng.normal(size=(c, n_features, n_features))
        covars = a @ np.swapaxes(a, 1, 2) / n_features + 0.5 * np.eye(n_features)
        if covariance_type == "tied":
            covars = covars[0]
    weights = rng.dirichlet(np.ones(n_mix), size=n_states).ravel()
    post = rng.dirichlet(np.ones(n_states), size=n_frames)
    return X, weights, means, covars, post


def _raw_sums(model, s0, s1, s2):
    """(s0, sum r x, sum r x x^T) from the kernels' shifted sums; the last
    as (C, d, d), or (d, d) summed over components for a tied model, or
    (C, d) diagonals for diagonal ones."""
    sx = s1 + s0[:, None] * shifts(model, s0.shape[0])
    return s0, sx, scatter_about(s0, s1, s2, model, np.zeros_like(sx))


def _tolerance(dtype):
    return (
        {"rtol": 1e-9, "atol": 1e-9}
        if dtype == np.float64
        else {
            "rtol": 2e-4,
            "atol": 2e-3,
        }
    )


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n_frames=st.integers(1, 1100),
    n_features=st.integers(1, 5),
    n_states=st.integers(1, 4),
    n_mix=st.integers(1, 3),
    covariance_type=st.sampled_from(TYPES),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_passes_match_the_reference(
    seed, n_frames, n_features, n_states, n_mix, covariance_type, dtype
):
    rng = np.random.RandomState(seed)
    X, weights, means, covars, post = _case(
        rng, n_frames, n_features, n_states, n_mix, covariance_type
    )
    X = X.astype(dtype)
    # a GMM-HMM's tied covariance is per state: the kernels take it as full
    kernel_type, kernel_covars = covariance_type, covars
    if covariance_type == "tied" and n_mix > 1:
        kernel_type = "full"
        kernel_covars = np.broadcast_to(covars, (weights.size,) + covars.shape)
    model = passes.emission_model(weights, means, kernel_covars, kernel_type, dtype)

    table, scaled = passes.frame_log_densities(X, model, n_mix)
    expected = ref.state_log_densities(
        X, weights, means, covars, covariance_type, n_mix
    )
    tol = _tolerance(dtype)
    np.testing.assert_allclose(table, expected, rtol=tol["rtol"], atol=tol["atol"])
    # the scaled emissions of the same pass are scaled_emissions(table)'s
    again = scaled_emissions(table)
    np.testing.assert_allclose(scaled.prob, again.prob, rtol=1e-13, atol=1e-300)
    np.testing.assert_array_equal(scaled.shift, again.shift)
    np.testing.assert_array_equal(scaled.usable, again.usable)

    sums = _raw_sums(model, *passes.frame_statistics(X, model, n_mix, post, table))
    s0, sx, sxx = ref.emission_statistics(
        X, post, weights, means, covars, covariance_type, n_mix
    )
    if model.kind == 1:  # TIED: pooled over the components
        sxx = sxx.sum(axis=0)
    elif covariance_type in ("diag", "spherical"):
        sxx = np.diagonal(sxx, axis1=1, axis2=2)
    scale = max(1.0, float(np.abs(X).max()) ** 2 * n_frames)
    for got, want in zip(sums, (s0, sx, sxx)):
        np.testing.assert_allclose(
            got, want, rtol=tol["rtol"], atol=tol["atol"] * scale
        )


@pytest.mark.parametrize("covariance_type", TYPES)
def test_impossible_components_and_underflow(covariance_type):
    """A zero-weight component contributes nothing; a frame far from every
    state has a -708-scale gap and is marked unusable for scaled arithmetic,
    as scaled_emissions marks it."""
    rng = np.random.RandomState(0)
    X, weights, means, covars, post = _case(rng, 50, 2, 2, 2, covariance_type)
    weights[1] = 0.0  # state 0's second component
    weights[:2] = [1.0, 0.0]
    X[7] = 1e3  # every state's density underflows differently here
    kernel_type, kernel_covars = covariance_type, covars
    if covariance_type == "tied":
        kernel_type = "full"
        kernel_covars = np.broadcast_to(covars, (weights.size,) + covars.shape)
    model = passes.emission_model(
        weights, means, kernel_covars, kernel_type, np.float64
    )
    table, scaled = passes.frame_log_densities(X, model, 2)
    again = scaled_emissions(table)
    np.testing.assert_array_equal(scaled.usable, again.usable)
    s0, s1, _ = passes.frame_statistics(X, model, 2, post, table)
    assert s0[1] == 0.0 and not s1[1].any()
    assert np.isfinite(table).all()


def test_thread_count_does_not_change_the_sums():
    """Chunks are fixed by the data size: the sums are bit-identical with
    one thread and with several."""
    numba = pytest.importorskip("numba")
    rng = np.random.RandomState(1)
    X, weights, means, covars, post = _case(rng, 40_000, 13, 8, 1, "full")
    model = passes.emission_model(weights, means, covars, "full", np.float64)
    before = numba.get_num_threads()
    try:
        results = []
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            table, _ = passes.frame_log_densities(X, model, 1)
            results.append((table, *passes.frame_statistics(X, model, 1, post, table)))
    finally:
        numba.set_num_threads(before)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
