"""Every scalar parameter of the public entry points (sizes, strides,
probabilities, tolerances, option names) against NaN, infinities, zero,
negative, fractional, huge, string, complex and bool values.

A value outside the parameter's domain must raise a ``ValueError`` or
``TypeError`` naming the parameter; a value that is odd but in the domain
(huge counts, tiny tolerances) must give a NaN-free result or such an error,
never a ``MemoryError``, an ``OverflowError`` or a hang.  The huge values
run in a forked child with a capped address space, so that an attempt to
allocate terabytes fails there and is reported, instead of swapping.
"""

import functools
import math

import numpy as np
import pytest
from adv_entries import SENTENCES, TAGS, blob_labels, blobs, fitted, log_rows, rng
from adv_support import expect_all, judge, run_batch

NAN, INF = math.nan, math.inf

#: kind -> (values that must be refused, values that may work)
KINDS = {
    "positive": ([NAN, INF, -INF, 0.0, -1.0, "1", 1j], [1e300, 1e-300, True]),
    "nonneg": ([NAN, -INF, -1.0, "1", 1j], [0.0, 1e300, INF, np.float32(0.5)]),
    "count": ([NAN, INF, 1.5, 0, -1, "2", 1j], [2**40, 2**63, True, 2.0]),
    "count0": ([NAN, 1.5, -1, "2", 1j], [0, 2**40, np.int64(2)]),
    # a number of repetitions: 2**40 of them is valid, and takes forever
    "repeats": ([NAN, INF, 1.5, 0, -1, "2", 1j], [True, 2.0, np.int64(2)]),
    "iterations": ([NAN, INF, 1.5, -1, "2", 1j], [0, 2**40, np.int64(2)]),
    "dim": ([NAN, 1.5, 2, -3, "0", 1j], [-1, 0, 1, -2, np.int64(1)]),
    "real": ([NAN, "1", 1j], [-1.0, -INF, INF, 0.0]),
    "prior": ([NAN, INF, -INF, "1", 1j], [0.0, -1.0, 1e300]),
    "unit": ([NAN, -0.1, 1.5, INF, "0.5", 1j], [0.0, 1.0, np.float32(0.5)]),
    "open-unit": ([NAN, 0.0, -0.1, 1.5, INF, "0.5"], [1.0, 1e-300]),
    "choice": (["nope", 1.5, b"full", None], []),
    "finite": ([NAN, "x", None], [INF, -INF, 1e300]),
}


def _with(fn, base, name, value):
    return fn(**{**base, name: value})


def family(label, fn, base, kinds, names=None):
    """A row per parameter in ``kinds`` (name -> kind): ``fn(**base)`` with
    that parameter set to the value tried."""
    return [
        (f"{label}({n})", functools.partial(_with, fn, base, n), names or (n,), kind)
        for n, kind in kinds.items()
    ]


def rows():
    """``{id: (id, call(value), names, kind)}`` for every scalar parameter."""
    from fastapml import denoise as D
    from fastapml import nn
    from fastapml import optimize as O
    from fastapml.cluster import SpectralClustering, laplacian, silhouette_score
    from fastapml.hmm import CategoricalHMM, HMMTagger, viterbi2_lattice
    from fastapml.mixture import GaussianMixture
    from fastapml.nn import functional as F

    image, weight = rng().normal(size=(1, 2, 6, 6)), rng().normal(size=(2, 2, 3, 3))
    matrix, img = rng().normal(size=(4, 3)), rng().random((10, 10))
    X, labels = blobs(), blob_labels()
    out = [
        *family(
            "GaussianMixture",
            lambda **kw: GaussianMixture(**kw).fit(X),
            {"n_components": 2, "max_iter": 5},
            {
                "n_components": "count",
                "tol": "nonneg",
                "reg_covar": "nonneg",
                "max_iter": "iterations",
                "n_init": "repeats",
                "covariance_type": "choice",
                "init_params": "choice",
            },
        ),
        *family(
            "CategoricalHMM",
            lambda **kw: CategoricalHMM(**kw).fit(rng().integers(0, 3, size=(20, 1))),
            {"n_components": 2, "n_iter": 3},
            {
                "n_components": "count",
                "n_iter": "iterations",
                "tol": "real",
                "n_features": "count",
                "startprob_prior": "prior",
                "algorithm": "choice",
                "implementation": "choice",
            },
        ),
        *family(
            "CategoricalHMM.sample",
            lambda **kw: fitted("chmm").sample(**kw),
            {"random_state": 0},
            {"n_samples": "count"},
        ),
        *family(
            "HMMTagger",
            lambda **kw: HMMTagger(**kw).fit(SENTENCES, TAGS).predict(SENTENCES),
            {},
            {
                "order": "choice",
                "smoothing": "choice",
                "suffix_length": "count0",
                "rare_max_count": "count0",
                "decoder": "choice",
                "candidate_mass": "open-unit",
                "max_candidates": "count",
                "beam": "nonneg",
            },
        ),
        *family(
            "SpectralClustering",
            lambda **kw: SpectralClustering(**kw).fit(blobs(24)),
            {"n_clusters": 2, "n_init": 1, "random_state": 0},
            {
                "n_clusters": "count",
                "gamma": "nonneg",
                "n_neighbors": "count",
                "n_init": "repeats",
                "affinity": "choice",
                "assign_labels": "choice",
            },
        ),
        *family(
            "silhouette_score",
            silhouette_score,
            {"X": X, "labels": labels},
            {"sample_size": "count", "metric": "choice"},
        ),
        *family("laplacian", laplacian, {"W": np.ones((3, 3))}, {"kind": "choice"}),
        *family(
            "viterbi2_lattice",
            viterbi2_lattice,
            {
                "log_emit": log_rows((4, 2)),
                "lengths": None,
                "transitions": log_rows((3, 3, 3)),
            },
            {"beam": "nonneg"},
        ),
        *family(
            "F.conv2d",
            F.conv2d,
            {"input": image, "weight": weight},
            {
                "stride": "count",
                "padding": "count0",
                "dilation": "count",
                "groups": "count",
            },
        ),
        *family(
            "F.max_pool2d",
            F.max_pool2d,
            {"input": image, "kernel_size": 2},
            {"kernel_size": "count", "stride": "count", "padding": "count0"},
        ),
        *family(
            "F.conv_output_size",
            F.conv_output_size,
            {"n": 8, "kernel": 3},
            {
                "n": "count",
                "kernel": "count",
                "padding": "count0",
                "stride": "count",
                "dilation": "count",
            },
        ),
        *family(
            "F.pool_output_size",
            F.pool_output_size,
            {"n": 8, "kernel": 2, "stride": 2, "padding": 0},
            {"n": "count", "kernel": "count", "stride": "count", "padding": "count0"},
        ),
        *family(
            "F.conv2d_parameter_count",
            F.conv2d_parameter_count,
            {"in_channels": 2, "out_channels": 3, "kernel_size": 3},
            {"in_channels": "count", "out_channels": "count", "kernel_size": "count"},
        ),
        *family(
            "F.dropout", F.dropout, {"input": matrix, "random_state": 0}, {"p": "unit"}
        ),
        *family(
            "F.dropout_backward",
            F.dropout_backward,
            {"grad_output": matrix, "mask": matrix > 0},
            {"p": "unit"},
        ),
        *family("F.softmax", F.softmax, {"x": matrix}, {"dim": "dim"}),
        *family(
            "F.cross_entropy",
            F.cross_entropy,
            {"input": matrix, "target": [0, 1, 2, 0]},
            {"reduction": "choice"},
        ),
        *family(
            "F.mse_loss",
            F.mse_loss,
            {"input": matrix, "target": matrix},
            {"reduction": "choice"},
        ),
        *family(
            "Conv2d",
            lambda **kw: nn.Conv2d(**kw).forward(rng().normal(size=(1, 1, 6, 6))),
            {"in_channels": 1, "out_channels": 2, "kernel_size": 3},
            {
                "in_channels": "count",
                "out_channels": "count",
                "kernel_size": "count",
                "stride": "count",
                "padding": "count0",
            },
        ),
        *family(
            "Linear",
            lambda **kw: nn.Linear(**kw).forward(matrix),
            {"in_features": 3, "out_features": 2},
            {"in_features": "count", "out_features": "count"},
        ),
        *family(
            "Dropout", lambda **kw: nn.Dropout(**kw).forward(matrix), {}, {"p": "unit"}
        ),
        *family(
            "Sequential.summary",
            lambda height: nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()).summary(
                (1, height, 6)
            ),
            {},
            {"height": "count"},
            ("input_shape", "height", "input"),
        ),
        *family(
            "MaxPool2d",
            lambda **kw: nn.MaxPool2d(**kw).forward(image),
            {},
            {"kernel_size": "count"},
        ),
        *family(
            "SGD",
            functools.partial(_step, nn.SGD),
            {},
            {"lr": "positive", "momentum": "unit"},
        ),
        *family(
            "Adam",
            functools.partial(_step, nn.Adam),
            {},
            {"lr": "positive", "eps": "positive"},
        ),
        *family(
            "gaussian_posterior",
            D.gaussian_posterior,
            {"y": img, "sigma": 0.5, "sigma_x": 1.0},
            {"sigma": "positive", "sigma_x": "positive"},
        ),
        *family(
            "linear_gaussian_mmse",
            D.linear_gaussian_mmse,
            {"y": np.ones(3), "H": None, "sigma": 0.5, "mu": 0.0, "Sigma": np.eye(3)},
            {
                "sigma": "positive",
                "tol": "positive",
                "maxiter": "count",
                "method": "choice",
            },
        ),
        *family(
            "extract_patches",
            D.extract_patches,
            {"image": img, "patch_size": 3},
            {"patch_size": "count", "stride": "count"},
        ),
        *family(
            "patch_grid",
            lambda height: D.patch_grid((height, 10), 3),
            {},
            {"height": "count"},
            ("shape", "height"),
        ),
        *family(
            "aggregate_patches",
            lambda height: D.aggregate_patches(np.ones((64, 9)), (height, 10), 3),
            {},
            {"height": "count"},
            ("shape", "patches", "height"),
        ),
        *family(
            "convolution_operator",
            lambda height: (
                D.convolution_operator(np.ones((3, 3)), (height, 4)) @ np.ones(16)
            ),
            {},
            {"height": "count"},
            ("shape",),
        ),
        *family(
            "psnr",
            D.psnr,
            {"clean": img, "estimate": img + 0.1},
            {"data_range": "positive"},
        ),
        *family(
            "sample_patches",
            D.sample_patches,
            {"images": [img], "patch_size": 3, "max_patches": 5},
            {"patch_size": "count", "max_patches": "count"},
        ),
        *family(
            "denoise",
            D.denoise,
            {
                "image": img,
                "sigma": 0.1,
                "method": "gaussian",
                "prior": fitted("prior"),
            },
            {
                "sigma": "positive",
                "method": "choice",
                "stride": "count",
                "rank_tol": "nonneg",
            },
        ),
        *family(
            "PatchPrior.fit",
            lambda **kw: D.PatchPrior().fit([img], **kw),
            {"patch_size": 3, "n_components": 2, "max_iter": 2},
            {
                "patch_size": "count",
                "n_components": "count",
                "max_patches": "count",
                "max_iter": "iterations",
                "tol": "nonneg",
                "reg_covar": "nonneg",
                "init_params": "choice",
            },
        ),
        *family(
            "check_grad",
            O.check_grad,
            {"f": np.sum, "grad": np.ones_like, "x": np.ones(2)},
            {"floor": "positive"},
        ),
        *family(
            "minimize_equality",
            O.minimize_equality,
            {"f": np.sum, "x0": [0.5, 0.5], "constraints": lambda x: x @ x - 1},
            {"tol": "positive", "max_iter": "count0"},
        ),
        *family(
            "ConvergenceMonitor",
            _monitor,
            {"tol": 0.1, "n_iter": 10, "log_prob": 1.0},
            # hmmlearn's tol may be negative (every iteration runs)
            {"tol": "real", "n_iter": "iterations", "log_prob": "finite"},
        ),
    ]
    return {row[0]: row for row in out}


def _step(optimizer, **options):
    from fastapml import nn

    p = nn.Parameter("w", np.ones(3))
    p.grad = np.full(3, 0.5)
    optimizer([p], **{"lr": 0.1, **options}).step()
    return p.value


def _monitor(tol, n_iter, log_prob):
    """A monitor, an iteration reported, then ``log_prob``."""
    from fastapml.hmm import ConvergenceMonitor

    monitor = ConvergenceMonitor(tol, n_iter, False)
    monitor.report(-10.0)
    monitor.report(log_prob)
    return monitor.converged, list(monitor.history)


@functools.cache
def table():
    return rows()


@pytest.fixture(scope="module")
def outcomes():
    """Every (row, value) call, run in forked children."""
    calls = {}
    for row_id, (_, call, _, kind) in table().items():
        bad, odd = KINDS[kind]
        for value in (*bad, *odd):
            calls[row_id, repr(value)] = functools.partial(call, value)
    return run_batch(calls, workers=2)


@pytest.mark.parametrize("row_id", list(table()))
def test_scalar_parameter(outcomes, row_id):
    _, _, names, kind = table()[row_id]
    bad, odd = KINDS[kind]
    expect_all(
        {
            f"{row_id}={value!r}": functools.partial(
                judge,
                outcomes[row_id, repr(value)],
                "reject" if i < len(bad) else "clean",
                names,
            )
            for i, value in enumerate((*bad, *odd))
        }
    )
