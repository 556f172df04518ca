"""The fused EM kernels against their NumPy twins in fastapml.reference.mixture."""

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastapml import reference
from fastapml._numba import jit
from fastapml._simd import exp_nonpositive
from fastapml.mixture import GaussianMixture, _kernels, em, em_step, log_prob_resp
from fastapml.mixture.em import precisions_cholesky

TYPES = ("full", "tied", "diag", "spherical")
TOL = {np.float64: dict(rtol=1e-9, atol=1e-9), np.float32: dict(rtol=2e-3, atol=2e-3)}


def random_params(rng, covariance_type, k, d, scale=1.0):
    """Weights, means and precision factors of a random model."""
    weights = rng.dirichlet(np.ones(k))
    means = rng.normal(scale=3 * scale, size=(k, d))
    if covariance_type in ("full", "tied"):
        a = rng.normal(size=(k, d, d))
        cov = scale**2 * (a @ a.transpose(0, 2, 1) / d + 0.5 * np.eye(d))
        cov = cov[0] if covariance_type == "tied" else cov
    elif covariance_type == "diag":
        cov = scale**2 * rng.uniform(0.3, 2.0, size=(k, d))
    else:
        cov = scale**2 * rng.uniform(0.3, 2.0, size=k)
    return weights, means, reference.mixture.precisions_cholesky(cov, covariance_type)


def sample_data(rng, n, d, k, offset=0.0):
    labels = rng.integers(k, size=n)
    return rng.normal(size=(n, d)) + 3 * labels[:, None] + offset


@jit
def _exp_all(x, out):
    for i in range(x.shape[0]):
        out[i] = exp_nonpositive(x[i])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_intrinsic_matches_numpy(dtype):
    x = -np.r_[0.0, 1e-30, np.geomspace(1e-6, 700, 5000), np.inf].astype(dtype)
    out = np.empty_like(x)
    _exp_all(x, out)
    want = np.exp(x.astype(np.float64))
    kept = x >= (-87.0 if dtype == np.float32 else -708.0)
    rel = np.abs(out[kept] - want[kept]) / want[kept]
    assert rel.max() <= 4 * np.finfo(dtype).eps
    # below that (results near the smallest normal number, and -inf): 0
    assert np.all(out[~kept] == 0) and np.all(want[~kept] < 100 * np.finfo(dtype).tiny)


@st.composite
def problems(draw, min_samples):
    """(covariance_type, X, weights, means, precisions_cholesky) at random."""
    covariance_type = draw(st.sampled_from(TYPES))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n, d, k = (
        draw(st.integers(min_samples, 700)),
        draw(st.integers(1, 6)),
        draw(st.integers(1, 5)),
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    X = sample_data(rng, n, d, k).astype(dtype)
    return covariance_type, X, random_params(rng, covariance_type, k, d)


@settings(max_examples=40, deadline=None)
@given(problems(min_samples=1))
def test_em_step_matches_reference(problem):
    covariance_type, X, params = problem
    got = em_step(X, *params, covariance_type, 1e-6)
    want = reference.mixture.em_step(X, *params, covariance_type, 1e-6)
    tol = TOL[X.dtype.type]
    assert got[0] == pytest.approx(want[0], rel=tol["rtol"])
    for a, b in zip(got[1:], want[1:]):
        np.testing.assert_allclose(a, b, **tol)


@settings(max_examples=30, deadline=None)
@given(problems(min_samples=0))
def test_log_prob_resp_matches_reference(problem):
    covariance_type, X, params = problem
    log_prob, resp = log_prob_resp(X, *params, covariance_type)
    want_lp, want_resp = reference.mixture.log_prob_resp(X, *params, covariance_type)
    assert log_prob.dtype == X.dtype and resp.dtype == X.dtype
    assert resp.shape == (X.shape[0], len(params[0]))
    np.testing.assert_allclose(log_prob, want_lp, **TOL[X.dtype.type])
    np.testing.assert_allclose(resp, want_resp, **TOL[X.dtype.type])


@pytest.mark.parametrize("covariance_type", TYPES)
def test_zero_weight_component_gets_no_responsibility(covariance_type):
    rng = np.random.default_rng(0)
    X = sample_data(rng, 300, 3, 3)
    weights, means, pc = random_params(rng, covariance_type, 3, 3)
    weights = np.array([0.5, 0.0, 0.5])
    log_prob, resp = log_prob_resp(X, weights, means, pc, covariance_type)
    want_lp, want_resp = reference.mixture.log_prob_resp(
        X, weights, means, pc, covariance_type
    )
    assert np.all(resp[:, 1] == 0)
    np.testing.assert_allclose(log_prob, want_lp, rtol=1e-12)


@pytest.mark.parametrize("covariance_type", TYPES)
def test_float32_second_moments_far_from_origin(covariance_type):
    """scikit-learn #30382: E[x^2] - E[x]^2 in float32 cancels when the data
    sit far from the origin; moments around the current means do not."""
    rng = np.random.default_rng(1)
    X = (rng.normal(scale=0.01, size=(4000, 2)) + 1e4).astype(np.float32)
    X[2000:] += np.float32(0.05)
    weights = np.array([0.5, 0.5])
    means = np.array([[1e4, 1e4], [1e4 + 0.05, 1e4 + 0.05]])
    cov = {
        "full": np.stack([np.eye(2) * 1e-4] * 2),
        "tied": np.eye(2) * 1e-4,
        "diag": np.full((2, 2), 1e-4),
        "spherical": np.full(2, 1e-4),
    }
    pc = precisions_cholesky(cov[covariance_type], covariance_type)
    _, _, _, got = em_step(X, weights, means, pc, covariance_type, 0.0)
    _, _, _, want = reference.mixture.em_step(
        X.astype(np.float64), weights, means, pc, covariance_type, 0.0
    )
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-7)
    if covariance_type in ("full", "tied"):
        assert np.all(np.linalg.eigvalsh(got) > 0)
    else:
        assert np.all(got > 0)


def test_many_blocks_and_chunks_equal_reference():
    """Several kernel blocks and parallel chunks, with a ragged last block."""
    rng = np.random.default_rng(2)
    n = 7 * _kernels.BLOCK + 5
    X = sample_data(rng, n, 4, 3)
    params = random_params(rng, "full", 3, 4)
    got = em_step(X, *params, "full", 1e-6)
    want = reference.mixture.em_step(X, *params, "full", 1e-6)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_result_does_not_depend_on_thread_count(monkeypatch):
    monkeypatch.setattr(em, "_PARALLEL_MIN_WORK", 0)
    rng = np.random.default_rng(3)
    X = sample_data(rng, 40 * _kernels.BLOCK, 5, 4)
    params = random_params(rng, "full", 4, 5)
    before = numba.get_num_threads()
    try:
        results = []
        for threads in sorted({1, before}):
            numba.set_num_threads(threads)
            results.append(em_step(X, *params, "full", 1e-6))
    finally:
        numba.set_num_threads(before)
    for a, b in zip(results[0], results[-1]):
        np.testing.assert_array_equal(a, b)


def test_serial_twin_from_worker_threads_equals_main_thread(
    run_in_threads, monkeypatch
):
    monkeypatch.setattr(em, "_PARALLEL_MIN_WORK", 0)
    rng = np.random.default_rng(4)
    X = sample_data(rng, 30 * _kernels.BLOCK, 3, 3)
    params = random_params(rng, "diag", 3, 3)
    main = em_step(X, *params, "diag", 1e-6)
    for result in run_in_threads(lambda: em_step(X, *params, "diag", 1e-6)):
        for a, b in zip(result, main):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("covariance_type", TYPES)
def test_partial_fit_once_is_one_em_iteration(covariance_type):
    rng = np.random.default_rng(5)
    X = sample_data(rng, 500, 3, 3)
    kw = dict(n_components=3, covariance_type=covariance_type, random_state=0)
    one = GaussianMixture(max_iter=1, tol=0, **kw)
    with pytest.warns(Warning):
        one.fit(X)
    inc = GaussianMixture(**kw).partial_fit(X)
    np.testing.assert_allclose(inc.means_, one.means_, rtol=1e-12)
    np.testing.assert_allclose(inc.covariances_, one.covariances_, rtol=1e-12)
    assert inc.lower_bound_ == pytest.approx(one.lower_bound_, rel=1e-12)


@pytest.mark.parametrize("covariance_type", TYPES)
def test_partial_fit_merges_batches_as_one(covariance_type):
    """Two batches taken under the same parameters merge to the statistics
    of their union: the M-step equals one EM step on the concatenation."""
    rng = np.random.default_rng(6)
    X = sample_data(rng, 600, 3, 3)
    params = random_params(rng, covariance_type, 3, 3)
    model = em.kernel_model(*params, covariance_type, np.float64)
    a = em.moments(em.statistics(X[:250], model), model, covariance_type, 0.0)
    b = em.moments(em.statistics(X[250:], model), model, covariance_type, 0.0)
    merged = em.merge_moments(a, b, covariance_type)
    whole = em.moments(em.statistics(X, model), model, covariance_type, 0.0)
    for x, y in zip(merged, whole):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-10)


def test_partial_fit_stream_improves_likelihood():
    rng = np.random.default_rng(7)
    X = sample_data(rng, 3000, 2, 3)
    gm = GaussianMixture(3, random_state=0)
    for part in np.array_split(X, 6):
        gm.partial_fit(part)
    assert gm.n_iter_ == 6 and len(gm.lower_bounds_) == 6
    start = GaussianMixture(3, random_state=0, max_iter=0).fit(X[:500])
    assert gm.score(X) > start.score(X)
    assert not gm.converged_


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_partial_fit_after_fit_continues_from_the_fitted_model(covariance_type):
    rng = np.random.default_rng(3)
    X = sample_data(rng, 3000, 2, 3)
    gm = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    fitted_score, fitted_means, n_iter = gm.score(X), gm.means_.copy(), gm.n_iter_
    batch = X[rng.permutation(len(X))[:1000]]
    # one E-step under the fitted parameters, as em_step on the batch
    want = em_step(
        batch,
        gm.weights_,
        gm.means_,
        gm.precisions_cholesky_,
        covariance_type=covariance_type,
        reg_covar=gm.reg_covar,
    )
    gm.partial_fit(batch)
    assert gm.n_iter_ == n_iter + 1
    np.testing.assert_allclose(gm.means_, want[2], rtol=1e-10)
    assert abs(gm.score(X) - fitted_score) < 0.05  # not re-initialized
    assert np.abs(gm.means_ - fitted_means).max() < 0.5


@pytest.mark.parametrize(
    "bad, match",
    [
        (dict(covariance_type="banana"), "covariance_type"),
        (dict(weights=[0.7, 0.7]), "sum to 1"),
        (dict(weights=[0.5]), "weights must have shape"),
        (dict(means=np.zeros((2, 4))), "features"),
        (dict(pc=np.zeros((2, 3))), "positive diagonal"),
        (dict(pc=np.ones((2, 3, 3))), "upper triangular"),
        (dict(X=np.full((3, 3), np.nan)), "NaN"),
        (dict(X=np.ones(3)), "2-D"),
    ],
)
def test_functional_api_rejects_bad_input(bad, match):
    args = dict(
        X=np.ones((4, 3)),
        weights=[0.5, 0.5],
        means=np.zeros((2, 3)),
        pc=np.ones((2, 3)),
        covariance_type="diag",
    )
    if "pc" in bad and np.ndim(bad["pc"]) == 3:
        args["covariance_type"] = "full"
    args.update(bad)
    with pytest.raises((ValueError, TypeError), match=match):
        log_prob_resp(
            args["X"],
            args["weights"],
            args["means"],
            args["pc"],
            args["covariance_type"],
        )


def test_memmap_fits_like_memory_without_copy(tmp_path):
    rng = np.random.default_rng(8)
    X = sample_data(rng, 3 * _kernels.BLOCK + 7, 3, 3)
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    kw = dict(n_components=3, random_state=0, max_iter=5, tol=0)
    with pytest.warns(Warning):
        a = GaussianMixture(**kw).fit(X)
    with pytest.warns(Warning):
        b = GaussianMixture(**kw).fit(mapped)
    np.testing.assert_array_equal(a.means_, b.means_)
    np.testing.assert_array_equal(a.covariances_, b.covariances_)
    start = GaussianMixture(3, random_state=0, max_iter=0).fit(X)
    init = dict(
        weights_init=start.weights_,
        means_init=start.means_,
        precisions_init=start.precisions_,
    )
    with pytest.warns(Warning):
        c = GaussianMixture(3, max_iter=5, tol=0, **init).fit_chunks(
            [mapped[:1000], mapped[1000:]]
        )
    np.testing.assert_allclose(c.means_, a.means_, rtol=1e-12)
    np.testing.assert_allclose(c.covariances_, a.covariances_, rtol=1e-12)


@pytest.mark.parametrize(
    "covariances, error",
    [
        (np.eye(2), ValueError),  # 2-D for "full"
        (np.full((1, 2, 2), np.nan), ValueError),
        (np.array([[[1.0, 0.0], [0.0, np.inf]]]), ValueError),
        (np.eye(2, dtype=complex)[None], TypeError),
        (np.array([[[None, 0.0], [0.0, 1.0]]], dtype=object), TypeError),
        (np.ones((1, 2, 3)), ValueError),
        (np.array([[[-1.8e308, 0.0], [0.0, 1.0]]]), ValueError),
    ],
)
def test_precisions_cholesky_names_bad_covariances(covariances, error):
    with pytest.raises(error, match="covariances"):
        precisions_cholesky(covariances, "full")


@pytest.mark.parametrize("dtype, huge", [(np.float64, 1e300), (np.float32, 3e38)])
def test_functional_api_refuses_overflowing_x(dtype, huge):
    X = np.zeros((4, 2), dtype)
    X[0, 0] = huge
    weights, means = np.array([0.5, 0.5]), np.array([[0.0, 0.0], [1.0, 1.0]])
    pc = np.ones((2, 2))
    with pytest.raises(ValueError, match="X"):
        log_prob_resp(X, weights, means, pc, "diag")
    with pytest.raises(ValueError, match="X"):
        em_step(X, weights, means, pc, "diag", 1e-6)
