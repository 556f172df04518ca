"""Crafted model files for every loader (``GaussianMixture``,
``CategoricalHMM``, ``HMMTagger``, ``Sequential``, ``PatchPrior``):
files that are not archives, and valid archives with one member removed,
pickled, of the wrong kind, shape or value; ``save`` to paths that cannot
be written; and the data loader ``fastapml.scaleout.from_npy`` on spoiled
``.npy`` files.

Whatever is wrong must give an ``ArchiveError`` (a ``ValueError``) naming
the file: never an internal error, a crash or a model that cannot be used.
A member made extreme but not invalid (huge, negative, empty, infinite) may
load, and then the model must work or refuse clearly.  The member cases run
in forked children (:func:`adv_support.run_batch`), so that a loader that
lets a bad index through to a kernel fails its test instead of killing the
session.
"""

import json
import re
import zipfile

import numpy as np
import pytest
from adv_entries import SENTENCES, _fitted, blobs, rng, symbols
from adv_files import BAD_NPY, FORMAT_DAMAGES, ODD_NPY, write_npy
from adv_support import (
    check_error,
    clean_or_rejects,
    describe,
    expect_all,
    judge,
    rejects,
    run,
    run_batch,
)

from fastapml._archive import ArchiveError
from fastapml.denoise import PatchPrior
from fastapml.hmm import GMMHMM, CategoricalHMM, GaussianHMM, HMMTagger
from fastapml.mixture import GaussianMixture
from fastapml.nn import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential

SUFFIX_KEYS = tuple(
    f"suffix_{shape}_{part}"
    for shape in ("lower", "upper", "number", "punct")
    for part in ("suffixes", "data", "indices", "indptr", "root", "max_len")
)
TAGGER_KEYS = (
    *("order", "smoothing", "suffix_length", "rare_max_count", "decoder"),
    *("candidate_mass", "max_candidates", "beam", "tags", "words", "tag_counts"),
    *("emission_data", "emission_indices", "emission_indptr"),
    *("ngram_keys", "ngram_counts"),
)
GMM_KEYS = (
    *(f"param_{p}" for p in ("n_components", "covariance_type", "tol", "reg_covar")),
    *(f"param_{p}" for p in ("max_iter", "n_init", "init_params", "warm_start")),
    *(f"param_{p}" for p in ("verbose", "verbose_interval", "random_state")),
    *("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_"),
    *("lower_bounds_", "lower_bound_", "n_iter_", "converged_", "n_features_in_"),
)
HMM_KEYS = (
    *("n_components", "algorithm", "n_iter", "tol", "verbose", "params"),
    *("init_params", "implementation", "startprob_prior", "transmat_prior"),
    *("random_state", "startprob_", "transmat_"),
)
#: every model kind: its class, the members of its file (less the header),
#: and the (member, damage) pairs that are valid: a NaN beam is "no beam",
#: a random_state or an array Dirichlet prior is optional
MODELS = {
    "gmm": (GaussianMixture, GMM_KEYS, {("param_random_state", "missing")}),
    "gmm-partial": (
        GaussianMixture,
        GMM_KEYS + ("partial_fit_nk", "partial_fit_means", "partial_fit_scatter"),
        {("param_random_state", "missing")},
    ),
    "chmm": (
        CategoricalHMM,
        (
            *("n_components", "algorithm", "n_iter", "tol", "verbose", "params"),
            *("init_params", "implementation", "n_features", "startprob_prior"),
            *("transmat_prior", "emissionprob_prior", "random_state"),
            *("startprob_", "transmat_", "emissionprob_"),
        ),
        {
            ("random_state", "missing"),
            *((f"{p}_prior", "extra-dim") for p in ("startprob", "transmat")),
            ("emissionprob_prior", "extra-dim"),
        },
    ),
    "ghmm": (
        GaussianHMM,
        (
            *HMM_KEYS,
            *("covariance_type", "min_covar", "means_prior", "means_weight"),
            *("covars_prior", "covars_weight", "means_", "covars_"),
        ),
        {
            ("random_state", "missing"),
            *((f"{p}_prior", "extra-dim") for p in ("startprob", "transmat")),
            *((f"{p}_prior", "extra-dim") for p in ("means", "covars")),
        },
    ),
    "gmmhmm": (
        GMMHMM,
        (
            *HMM_KEYS,
            *("n_mix", "covariance_type", "min_covar", "weights_prior"),
            *("means_prior", "means_weight", "weights_", "means_", "covars_"),
        ),
        {
            ("random_state", "missing"),
            *((f"{p}_prior", "extra-dim") for p in ("startprob", "transmat")),
            *((f"{p}_prior", "extra-dim") for p in ("weights", "means")),
            ("means_weight", "extra-dim"),
        },
    ),
    "tagger": (HMMTagger, TAGGER_KEYS + SUFFIX_KEYS, {("beam", "nan")}),
    "tagger-order1": (HMMTagger, TAGGER_KEYS, {("beam", "nan")}),
    "sequential": (
        Sequential,
        ("architecture", "param:0.weight", "param:0.bias")
        + ("param:4.weight", "param:4.bias"),
        set(),
    ),
    "prior": (PatchPrior, ("weights", "means", "covariances"), set()),
}


def build(kind):
    if kind == "gmm-partial":
        return GaussianMixture(2, random_state=0).partial_fit(blobs())
    if kind == "sequential":
        return Sequential(
            Conv2d(1, 2, 3, random_state=0),
            ReLU(),
            MaxPool2d(2),
            Flatten(),
            Linear(8, 3, random_state=0),
        )
    return _fitted({"tagger-order1": "tagger1"}.get(kind, kind))


def use(model):
    """What a loaded model is for: a prediction."""
    if isinstance(model, GaussianMixture):
        return model.predict(blobs(6)), model.score_samples(blobs(6))
    if isinstance(model, CategoricalHMM):
        return model.score(symbols(8)), model.predict(symbols(8))
    if isinstance(model, (GaussianHMM, GMMHMM)):
        return model.score(blobs(6)), model.predict(blobs(6))
    if isinstance(model, HMMTagger):
        return model.predict([*SENTENCES, ["Zzz", "unseen", "1984", "?!"]])
    if isinstance(model, Sequential):
        return model.forward(rng().normal(size=(2, 1, 6, 6)))
    return model.score([rng().random((8, 8))])


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """``{kind: (path, {member: array})}`` of a valid file of each kind."""
    root = tmp_path_factory.mktemp("models")
    out = {}
    for kind in MODELS:
        path = root / f"{kind}.npz"
        build(kind).save(path)
        with np.load(path, allow_pickle=False) as archive:
            out[kind] = path, {k: archive[k] for k in archive.files}
    return out


def test_the_member_lists_are_complete(saved):
    for kind, (_, keys, _) in MODELS.items():
        header = {"format_kind", "format_version"}
        assert set(saved[kind][1]) - header == set(keys), kind


def test_valid_files_load_and_work(saved):
    for kind, (cls, _, _) in MODELS.items():
        use(cls.load(saved[kind][0]))


# ----------------------------------------------------------------------
# files that are not model archives
# ----------------------------------------------------------------------
def _zip_with(members):
    def write(path, _valid):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members.items():
                z.writestr(name, data)

    return write


def _savez(**arrays):
    return lambda path, valid: np.savez(path, **{**valid, **arrays})


def _pickled(path, valid):
    np.savez(path, **valid, extra=np.array([{"a": 1}, None], dtype=object))


def _bytes(data):
    return lambda path, valid: path.write_bytes(data)


FILES = {
    "empty": _bytes(b""),
    "text": _bytes(b"this is not a model\n" * 20),
    "binary-junk": _bytes(bytes(rng().integers(0, 256, 4000, dtype=np.uint8))),
    "zip-magic-then-junk": _bytes(b"PK\x03\x04" + b"\xff" * 500),
    "npy-not-npz": lambda path, valid: np.save(open(path, "wb"), np.zeros(3)),
    "pickled-member": _pickled,
    "zip-of-text": _zip_with({"weights.npy": b"not an npy"}),
    "empty-zip": _zip_with({}),
    "no-header": lambda path, valid: np.savez(
        path, **{k: v for k, v in valid.items() if not k.startswith("format_")}
    ),
    "kind-of-another-model": _savez(format_kind=np.array("fastapml.Other")),
    "kind-as-bytes": _savez(format_kind=np.array(b"fastapml.hmm.HMMTagger")),
    "kind-as-array": _savez(format_kind=np.array(["a", "b"])),
    "version-99": _savez(format_version=np.array(99)),
    "version-float": _savez(format_version=np.array(1.5)),
    "version-string": _savez(format_version=np.array("1")),
    "version-negative": _savez(format_version=np.array(-(2**62))),
    "unexpected-member": _savez(surprise=np.zeros(2)),
}
CUTS = {"truncated-half": 0.5, "truncated-30-bytes": None, "truncated-last-byte": -1}


def _truncated(src, how, dst):
    data = src.read_bytes()
    size = {0.5: len(data) // 2, None: 30, -1: len(data) - 1}[how]
    dst.write_bytes(data[:size])


def _damaged_file(tmp_path, kind, damage, saved):
    src, valid = saved[kind]
    path = tmp_path / f"{kind}-{damage}.npz"
    if damage in FILES:
        FILES[damage](path, valid)
    elif damage in CUTS:
        _truncated(src, CUTS[damage], path)
    elif damage == "directory":
        path.mkdir()
    return path


def _refused(cls, path):
    rejects(lambda: cls.load(path), (path.name,), types=(ArchiveError,))


@pytest.mark.parametrize("damage", [*FILES, *CUTS, "missing", "directory"])
def test_a_damaged_file_is_refused_naming_it(saved, tmp_path, damage):
    expect_all(
        {
            kind: lambda kind=kind: _refused(
                MODELS[kind][0], _damaged_file(tmp_path, kind, damage, saved)
            )
            for kind in MODELS
        }
    )


def test_a_zip_bomb_is_refused_before_inflating(tmp_path):
    """A member whose header declares 3 GB: refused before anything is read
    (the sizes are patched into a small archive)."""
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("format_kind.npy", b"\0" * 1000)
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = (3 * 10**9).to_bytes(4, "little")
    data[22:26] = (3 * 10**9).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    rejects(
        lambda: GaussianMixture.load(path), ("bomb.npz",), "inflate", (ArchiveError,)
    )


# ----------------------------------------------------------------------
# valid archives with one member changed
# ----------------------------------------------------------------------
def _full(value):
    return lambda a: np.full(a.shape, value)


def _at(value):
    """``a`` with its first element ``value``; a member of another kind
    (text, bool) becomes an array of ``value``."""

    def change(a):
        if a.dtype.kind not in "iuf" or (
            a.dtype.kind in "iu" and isinstance(value, float)
        ):
            return np.full(a.shape, value)
        a = np.array(a, dtype=np.result_type(a, np.asarray(value)))
        if a.size:
            a.flat[0] = value
        return a

    return change


def _negative(a):
    if a.dtype.kind not in "iuf" or not a.size:
        return np.full(a.shape, -1)
    return _at(-abs(a.flat[0]) - 1)(np.asarray(a, np.result_type(a, np.int8)))


MEMBER_REJECT = {
    "missing": None,
    "pickled": lambda a: np.array([None, "x"], dtype=object),
    "wrong-kind": lambda a: (
        np.zeros(a.shape, np.int64) if a.dtype.kind == "U" else np.full(a.shape, "x")
    ),
    "complex": lambda a: (
        a.astype(complex) + 1j if a.dtype.kind in "biuf" else np.full(a.shape, 1j)
    ),
    "extra-dim": lambda a: np.stack([a, a]) if a.ndim == 0 else a[None],
    "nan": _at(np.nan),
}
MEMBER_LENIENT = {
    "huge": lambda a: (
        np.full(a.shape, "x" * 5000)
        if a.dtype.kind == "U"
        else _at(1e300 if a.dtype.kind == "f" else 2**62)(a)
    ),
    "negative": _negative,
    "+inf": _at(np.inf),
    "empty": lambda a: a[:0] if a.ndim else np.zeros(0, a.dtype),
}


def _layer(kind, **config):
    return json.dumps({"type": kind, "config": config})


def _conv(**changes):
    return _layer(
        "Conv2d", **{"in_channels": 1, "out_channels": 2, "kernel_size": 3, **changes}
    )


#: layers of a Sequential's ``architecture`` that are not valid (each
#: replaces layer 0, a Conv2d(1, 2, 3))
ARCHITECTURES = {
    "not-json": "{not json",
    "json-list": "[]",
    "json-number": "1e999",
    "deeply-nested": "[" * 100_000 + "]" * 100_000,
    "unknown-type": _layer("Transformer"),
    "type-not-str": json.dumps({"type": ["Conv2d"], "config": {}}),
    "config-not-dict": json.dumps({"type": "Conv2d", "config": [1, 2, 3]}),
    "missing-config-key": _layer("Conv2d", in_channels=1, out_channels=2),
    "unknown-config-key": _conv(colour="red"),
    "zero-channels": _conv(in_channels=0),
    "negative-kernel": _conv(kernel_size=-3),
    "float-kernel": _conv(kernel_size=3.5),
    "string-kernel": _conv(kernel_size="3"),
    "kernel-triple": _conv(kernel_size=[3, 3, 3]),
    "huge-kernel": _conv(kernel_size=100_000),
    "huge-channels": _conv(in_channels=10**6, out_channels=10**6),
    "nan-size": _conv(in_channels=float("nan")),
    "bool-size": _conv(in_channels=True),
    "bad-dtype": _conv(dtype="complex128"),
    "dropout-p-2": _layer("Dropout", p=2.0),
    "dropout-p-nan": _layer("Dropout", p=float("nan")),
    "pool-kernel-0": _layer("MaxPool2d", kernel_size=0),
}


def _architecture(text):
    def change(a):
        a = a.astype(object)
        a[0] = text
        return a.astype(str)

    return change


#: the members whose damage is tried, where not all: the suffix tries of
#: the four word shapes are read by one function, so one shape stands for
#: all; a partial_fit GaussianMixture adds three members to a fitted one
MEMBERS = {
    "gmm-partial": ("partial_fit_nk", "partial_fit_means", "partial_fit_scatter"),
    "tagger": TAGGER_KEYS + SUFFIX_KEYS[:6],
    "tagger-order1": (),
}


def member_cases():
    """``(kind, key, damage)`` for the members of every model, and the bad
    layers of a Sequential's architecture."""
    for kind, (_, keys, _) in MODELS.items():
        for key in MEMBERS.get(kind, keys):
            for damage in (*MEMBER_REJECT, *MEMBER_LENIENT):
                yield kind, key, damage
    for name in ARCHITECTURES:
        yield "sequential", "architecture", f"layer-{name}"


def _changed(valid, key, damage):
    arrays = dict(valid)
    if damage == "missing":
        del arrays[key]
    elif damage.startswith("layer-"):
        arrays[key] = _architecture(ARCHITECTURES[damage[len("layer-") :]])(valid[key])
    else:
        change = {**MEMBER_REJECT, **MEMBER_LENIENT}[damage]
        arrays[key] = change(np.asarray(valid[key]))
    return arrays


def _file_name(kind, key, damage):
    return f"{kind}-{key.replace(':', '_')}-{damage}.npz"


@pytest.fixture(scope="module")
def member_outcomes(saved, tmp_path_factory):
    """Every member case written, loaded and (if it loads) used, in forked
    children: ``{(kind, key, damage): outcome}``."""
    root = tmp_path_factory.mktemp("members")
    return run_batch(
        {
            (kind, key, damage): _write_load_use(
                MODELS[kind][0],
                root / _file_name(kind, key, damage),
                saved[kind][1],
                key,
                damage,
            )
            for kind, key, damage in member_cases()
        },
        workers=2,
    )


def _write_load_use(cls, path, valid, key, damage):
    def call():
        np.savez(path, **_changed(valid, key, damage))
        model = cls.load(path)
        try:
            return use(model)
        except (ValueError, TypeError) as err:  # a clear refusal: fine
            return f"refused to use: {err}"

    return call


def member_groups():
    """The cases of :func:`member_cases`, grouped by model and member."""
    groups = {}
    for kind, key, damage in member_cases():
        groups.setdefault((kind, key), []).append(damage)
    return groups


def _judge_member(outcomes, kind, key, damage):
    lenient = damage in MEMBER_LENIENT or (key, damage) in MODELS[kind][2]
    judge(
        outcomes[kind, key, damage],
        "clean" if lenient else "reject",
        (_file_name(kind, key, damage),),
        re.escape(key) if damage == "missing" else None,
        (ArchiveError,),
    )


@pytest.mark.parametrize(
    "kind, key", [pytest.param(*group, id="-".join(group)) for group in member_groups()]
)
def test_a_damaged_member(member_outcomes, kind, key):
    expect_all(
        {
            damage: lambda damage=damage: _judge_member(
                member_outcomes, kind, key, damage
            )
            for damage in member_groups()[kind, key]
        }
    )


# ----------------------------------------------------------------------
# saving to a path that cannot be written
# ----------------------------------------------------------------------
SAVE_PATHS = {
    "a-directory": lambda d: d / "folder",
    "a-missing-directory": lambda d: d / "missing" / "model.npz",
    "a-number": lambda d: 12345,
    "none": lambda d: None,
    "nul-byte": lambda d: str(d / "mo\0del.npz"),
}


def _save_refused(model, folder, where):
    (folder / "folder").mkdir(exist_ok=True)
    before = sorted(p.name for p in folder.iterdir())
    path = SAVE_PATHS[where](folder)
    names = (
        (str(path), "path")
        if where in ("a-number", "none", "nul-byte")
        else (str(path),)
    )
    rejects(lambda: model.save(path), names, types=(ValueError, TypeError, OSError))
    assert sorted(p.name for p in folder.iterdir()) == before, "a file was left behind"


@pytest.mark.parametrize("where", list(SAVE_PATHS))
def test_saving_to_a_bad_path(tmp_path, where):
    expect_all(
        {
            kind: lambda kind=kind: _save_refused(build(kind), tmp_path, where)
            for kind in MODELS
        }
    )


@pytest.mark.parametrize("dtype", [np.int8, np.complex128, "U5", object, np.float16])
def test_a_patch_prior_saved_in_a_dtype_it_cannot_load(tmp_path, dtype):
    """``PatchPrior.save(path, dtype)``: refused up front, or a file that
    loads back."""
    path = tmp_path / "prior.npz"
    kind, value = run(lambda: _fitted("prior").save(path, dtype=dtype))
    if kind == "error":
        check_error(value, ("dtype",))
        assert not path.exists()
        return
    kind, value = run(lambda: use(PatchPrior.load(path)))
    assert kind == "ok", (
        f"save(dtype={np.dtype(dtype)}) wrote a file that does not load: "
        f"{describe(value)}"
    )


# ----------------------------------------------------------------------
# data files: fastapml.scaleout.from_npy
# ----------------------------------------------------------------------
def _from_npy(path):
    """The array over the file, and its first rows read."""
    from fastapml.scaleout import from_npy

    X = from_npy(path)
    return X.shape, X.dtype.str, np.asarray(X[:2]).shape


@pytest.mark.parametrize("damage", FORMAT_DAMAGES)
def test_from_npy_refuses_a_file_that_is_not_a_2d_numeric_npy(tmp_path, damage):
    path = write_npy(tmp_path / f"{damage}.npy", damage)
    rejects(lambda: _from_npy(path), (path.name,))


@pytest.mark.parametrize(
    "damage", [d for d in (*BAD_NPY, *ODD_NPY) if d not in FORMAT_DAMAGES]
)
def test_from_npy_on_odd_numbers(tmp_path, damage):
    """A lazy reader does not judge the numbers: it reads them, or refuses
    clearly (a Fortran-ordered file, say)."""
    path = write_npy(tmp_path / f"{damage}.npy", damage)
    clean_or_rejects(lambda: _from_npy(path), (path.name,))
