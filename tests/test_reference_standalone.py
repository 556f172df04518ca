"""fastapml.reference stands alone: plain NumPy, none of the code it checks.

The references are the tests' oracle.  Were they to import the fast code (its
patch grid, its convolution geometry, its prior's spectrum), a bug there would
be in both sides of every comparison.  So the reference defines those pieces
and the constants both sides need again; this file checks that it imports
without numba or any other fastapml module, that the duplicated constants
agree, and that the rewritten helpers agree with production on a few cases.
"""

import importlib
import inspect
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fastapml
from fastapml import reference

# Run in a fresh interpreter where numba and scikit-learn cannot be imported (a
# sys.meta_path finder refuses them; see importlib.abc.MetaPathFinder): import
# the fastapml package (its __init__ is lazy), then every reference module, use
# each once, and print the fastapml modules the reference added to
# sys.modules.
_STANDALONE = textwrap.dedent(
    """
    import importlib, pkgutil, sys

    BLOCKED = ("numba", "llvmlite", "sklearn")

    class Refuse:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked in this test")
            return None

    sys.meta_path.insert(0, Refuse())
    import numpy as np
    import fastapml

    before = set(sys.modules)
    import fastapml.reference as ref

    for info in pkgutil.iter_modules(ref.__path__):
        importlib.import_module(f"fastapml.reference.{info.name}")

    image = np.arange(30.0).reshape(5, 6)
    assert ref.denoise.extract_patches(image, 3, 2).shape == (6, 9)
    prior = ref.denoise.default_prior()
    assert prior.means_.shape[0] == prior.weights_.shape[0]
    x, w = np.ones((1, 2, 5, 5)), np.ones((4, 1, 3, 3))
    assert ref.nn.conv2d(x, w, padding="same", groups=2).shape == (1, 4, 5, 5)
    path, _ = ref.viterbi(np.zeros((3, 2)), np.zeros((2, 2)), np.zeros(2))
    assert path.shape == (3,)

    print(" ".join(sorted(m for m in set(sys.modules) - before
                          if m.startswith("fastapml."))))
    print(" ".join(sorted(m for m in BLOCKED if m in sys.modules)))
    """
)


def _run(script):
    """``script`` in a fresh interpreter that imports this fastapml."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastapml.__file__)))
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
        env={**os.environ, "PYTHONPATH": path},
    )


def test_imports_without_numba_or_the_fast_code():
    result = _run(_STANDALONE)
    assert result.returncode == 0, result.stderr
    fastapml_modules, blocked = (result.stdout.splitlines() + ["", ""])[:2]
    outside = [
        name
        for name in fastapml_modules.split()
        if not name.startswith("fastapml.reference")
    ]
    assert "fastapml.reference.denoise" in fastapml_modules.split()
    assert outside == [], f"fastapml.reference imported {outside}"
    assert blocked == ""


def test_the_blocker_blocks():
    """The subprocess above would notice an import of the fast code."""
    script = _STANDALONE.replace(
        "import fastapml.reference as ref", "import fastapml.nn.functional"
    )
    result = _run(script)
    assert result.returncode != 0 and "numba is blocked" in result.stderr


# ----------------------------------------------------------------------
# constants defined in both places
# ----------------------------------------------------------------------
def _denoise_default(name):
    from fastapml.denoise import denoise

    return inspect.signature(denoise).parameters[name].default


def _production(module, name):
    """A getter for ``module.name``, imported only when a test runs."""
    return lambda: getattr(importlib.import_module(module), name)


CONSTANTS = {
    "STRIDE": _production("fastapml.denoise.denoising", "STRIDE"),
    "EPLL_BETAS": _production("fastapml.denoise.denoising", "EPLL_BETAS"),
    "NONLOCAL": _production("fastapml.denoise.nonlocal_bayes", "NONLOCAL"),
    "OPPONENT": _production("fastapml.denoise.denoising", "OPPONENT"),
    "RANK_TOL": lambda: _denoise_default("rank_tol"),
    "DEFAULT_PRIOR": _production("fastapml.denoise.prior", "DEFAULT_PRIOR"),
    "PRIOR_KIND": _production("fastapml.denoise.prior", "_KIND"),
    "PRIOR_HEADER": _production("fastapml._archive", "HEADER"),
}


@pytest.mark.parametrize("name", sorted(CONSTANTS))
def test_duplicated_constant_agrees(name):
    ours, theirs = getattr(reference.denoise, name), CONSTANTS[name]()
    if isinstance(ours, np.ndarray):
        np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)
    else:
        assert ours == theirs


def test_denoise_signatures_agree():
    """Same parameters and defaults (the betas default is EPLL_BETAS)."""
    from fastapml.denoise import denoise

    fast = inspect.signature(denoise).parameters
    ours = inspect.signature(reference.denoise.denoise).parameters
    assert [n for n in fast if n != "callback"] == list(ours)
    for name, param in ours.items():
        assert param.default == fast[name].default, name


def test_conv2d_signatures_agree():
    from fastapml.nn.convolution import conv2d, conv2d_backward

    for fast, ours in [
        (conv2d, reference.nn.conv2d),
        (conv2d_backward, reference.nn.conv2d_backward),
    ]:
        assert str(inspect.signature(fast)) == str(inspect.signature(ours))


def test_opponent_is_orthonormal():
    np.testing.assert_allclose(
        reference.denoise.OPPONENT @ reference.denoise.OPPONENT.T,
        np.eye(3),
        atol=1e-15,
    )


# ----------------------------------------------------------------------
# the rewritten helpers against production, a few cases each
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape, patch_size, stride",
    [((10, 7), 4, 2), ((8, 8), 8, 1), ((9, 13), 3, 3), ((5, 6), 2, 1)],
)
def test_patch_grid_agrees(shape, patch_size, stride):
    from fastapml.denoise import patch_grid

    for ours, theirs in zip(
        reference.denoise.patch_grid(shape, patch_size, stride),
        patch_grid(shape, patch_size, stride),
    ):
        np.testing.assert_array_equal(ours, theirs)
        assert ours.dtype == theirs.dtype


@pytest.mark.parametrize("shape, patch_size, stride", [((3, 9), 4, 1), ((9, 9), 2, 3)])
def test_patch_grid_rejects_what_production_rejects(shape, patch_size, stride):
    from fastapml.denoise import patch_grid

    with pytest.raises(ValueError):
        patch_grid(shape, patch_size, stride)
    with pytest.raises(ValueError):
        reference.denoise.patch_grid(shape, patch_size, stride)


def _random_prior(k=3, p=3, seed=0):
    """A PatchPrior with random SPD covariances (well separated eigenvalues)."""
    from fastapml.denoise import PatchPrior

    rng = np.random.default_rng(seed)
    d = p * p
    a = rng.normal(size=(k, d, d))
    return PatchPrior(
        rng.random(k) + 0.5, rng.normal(size=(k, d)), a @ np.swapaxes(a, -1, -2)
    )


def test_spectrum_agrees():
    prior = _random_prior()
    values, vectors = prior.spectrum()
    ours_values, ours_vectors = reference.denoise.spectrum(prior.covariances_)
    np.testing.assert_allclose(ours_values, values, rtol=1e-12, atol=1e-12)
    # eigenvectors agree up to sign: |u . v| = 1 column by column
    overlap = np.abs(np.einsum("kdj,kdj->kj", ours_vectors, vectors))
    np.testing.assert_allclose(overlap, 1.0, atol=1e-10)
    np.testing.assert_allclose(ours_vectors.sum(axis=1), 0.0, atol=1e-12)


def test_zero_mean_basis_is_orthonormal_and_zero_mean():
    basis = reference.denoise.zero_mean_basis(7)
    np.testing.assert_allclose(basis.T @ basis, np.eye(6), atol=1e-15)
    np.testing.assert_allclose(basis.sum(axis=0), 0.0, atol=1e-15)


def test_zero_mean_prior_and_single_gaussian_agree():
    from fastapml.denoise import PatchPrior

    rng = np.random.default_rng(1)
    a = rng.normal(size=(2, 4, 4))
    raw = (np.array([1.0, 3.0]), rng.normal(size=(2, 4)), a @ np.swapaxes(a, -1, -2))
    for fast, ours in [
        (PatchPrior(*raw), reference.denoise.zero_mean_prior(*raw)),
        (
            PatchPrior(*raw).single_gaussian(),
            reference.denoise.single_gaussian(reference.denoise.zero_mean_prior(*raw)),
        ),
    ]:
        for name in ("weights_", "means_", "covariances_"):
            np.testing.assert_allclose(
                getattr(ours, name), getattr(fast, name), rtol=1e-12, atol=1e-14
            )


def test_prior_files_read_alike(tmp_path):
    """What PatchPrior.save writes, the reference reads (PRIOR_VERSION too)."""
    from fastapml.denoise import PatchPrior

    path = tmp_path / "prior.npz"
    fast = _random_prior(k=2, p=2, seed=3)
    fast.save(path)
    ours = reference.denoise.load_prior(path)
    fast = PatchPrior.load(path)
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(
            getattr(ours, name), getattr(fast, name), rtol=1e-12, atol=1e-15
        )


def test_default_prior_agrees():
    from fastapml.denoise import default_prior

    fast, ours = default_prior(), reference.denoise.default_prior()
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(
            getattr(ours, name), getattr(fast, name), rtol=1e-12, atol=1e-15
        )


def _production_geometry():
    """The private helper behind the argument checks of fastapml's conv2d."""
    from fastapml.nn import convolution

    return convolution._geometry


@pytest.mark.parametrize(
    "input_shape, weight_shape, stride, padding, dilation, groups",
    [
        ((2, 3, 7, 9), (4, 3, 3, 3), 1, 0, 1, 1),
        ((1, 4, 8, 8), (6, 2, 3, 2), (2, 1), (1, 2), 1, 2),
        ((1, 2, 10, 7), (2, 2, 3, 4), 1, "same", (2, 1), 1),
        ((1, 2, 6, 6), (2, 1, 2, 2), 1, "same", 1, 2),
        ((1, 1, 9, 9), (1, 1, 3, 3), 3, "valid", 2, 1),
        ((1, 1, 5, 5), (1, 1, 5, 5), 2, [0, 0], 1, 1),
    ],
)
def test_conv_geometry_agrees(
    input_shape, weight_shape, stride, padding, dilation, groups
):
    args = (input_shape, weight_shape, stride, padding, dilation, groups)
    assert reference.nn.conv_geometry(*args) == _production_geometry()(*args)


@pytest.mark.parametrize(
    "input_shape, weight_shape, stride, padding, dilation, groups",
    [
        ((1, 2, 4, 4), (2, 2, 5, 1), 1, 0, 1, 1),  # kernel larger than input
        ((1, 2, 5, 5), (2, 2, 3, 3), 1, 0, 3, 1),  # dilated kernel too
        ((1, 3, 5, 5), (2, 1, 3, 3), 1, 0, 1, 3),  # groups do not divide C_out
        ((1, 4, 5, 5), (2, 1, 3, 3), 1, 0, 1, 2),  # weight has the wrong C_in
        ((1, 1, 5, 5), (1, 1, 3, 3), 2, "same", 1, 1),  # strided 'same'
        ((1, 1, 5, 5), (1, 1, 3, 3), 1, "full", 1, 1),
    ],
)
def test_conv_geometry_rejects_what_production_rejects(
    input_shape, weight_shape, stride, padding, dilation, groups
):
    args = (input_shape, weight_shape, stride, padding, dilation, groups)
    with pytest.raises(ValueError):
        _production_geometry()(*args)
    with pytest.raises(ValueError):
        reference.nn.conv_geometry(*args)
