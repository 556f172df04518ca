"""Every model file goes through fastapml._archive: one header, one read path
whose every failure is a ValueError naming the file, and no unpickling."""

import numpy as np
import pytest

from fastapml._archive import ArchiveError
from fastapml.denoise import PatchPrior
from fastapml.hmm import CategoricalHMM, HMMTagger
from fastapml.hmm.synthetic import sample_corpus
from fastapml.mixture import GaussianMixture
from fastapml.nn import Linear, ReLU, Sequential


def _tagger():
    return HMMTagger(order=2).fit(*sample_corpus(40, seed=0))


def _gmm():
    X = np.random.default_rng(0).normal(size=(60, 2))
    return GaussianMixture(n_components=2, random_state=0).fit(X)


def _hmm():
    X = np.random.default_rng(0).integers(0, 3, size=(50, 1))
    return CategoricalHMM(n_components=2, n_iter=3, random_state=0).fit(X)


def _net():
    return Sequential(
        Linear(3, 4, random_state=0), ReLU(), Linear(4, 2, random_state=1)
    )


def _prior():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2, 4, 4))
    covariances = a @ a.transpose(0, 2, 1) + np.eye(4)
    return PatchPrior(np.array([0.3, 0.7]), rng.normal(size=(2, 4)), covariances)


# class, a fitted instance's maker, its format_kind, an array every file has
MODELS = {
    "HMMTagger": (HMMTagger, _tagger, "fastapml.hmm.HMMTagger", "tag_counts"),
    "GaussianMixture": (
        GaussianMixture,
        _gmm,
        "fastapml.mixture.GaussianMixture",
        "means_",
    ),
    "CategoricalHMM": (
        CategoricalHMM,
        _hmm,
        "fastapml.hmm.CategoricalHMM",
        "transmat_",
    ),
    "Sequential": (Sequential, _net, "fastapml.nn.Sequential", "architecture"),
    "PatchPrior": (PatchPrior, _prior, "fastapml.denoise.PatchPrior", "means"),
}


@pytest.fixture(params=sorted(MODELS))
def saved(request, tmp_path):
    """(class, path of a saved model, its arrays, kind, an array name)."""
    cls, make, kind, key = MODELS[request.param]
    path = tmp_path / "model.npz"
    make().save(path)
    with np.load(path, allow_pickle=False) as archive:
        arrays = dict(archive)
    return cls, path, arrays, kind, key


def test_header_and_round_trip(saved):
    cls, path, arrays, kind, _ = saved
    assert str(arrays["format_kind"]) == kind
    assert arrays["format_version"].dtype.kind in "iu"
    assert type(cls.load(path)) is cls


def test_a_subclass_loads_as_itself(saved):
    cls, path, *_ = saved
    sub = type("Sub", (cls,), {})
    assert type(sub.load(path)) is sub


def test_missing_file_is_a_value_error_and_file_not_found(saved, tmp_path):
    cls = saved[0]
    with pytest.raises(ValueError, match="absent.npz") as info:
        cls.load(tmp_path / "absent.npz")
    assert isinstance(info.value, FileNotFoundError)


def test_truncated_and_foreign_files(saved, tmp_path):
    cls, path = saved[:2]
    data = path.read_bytes()
    cut = tmp_path / "cut.npz"
    for size in (len(data) // 2, 100, 0):
        cut.write_bytes(data[:size])
        with pytest.raises(ArchiveError, match="cut.npz"):
            cls.load(cut)
    text = tmp_path / "notes.txt"
    text.write_text("not a model\n")
    with pytest.raises(ArchiveError, match="notes.txt"):
        cls.load(text)
    single = tmp_path / "one.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(ArchiveError, match="one.npy.*holds one array"):
        cls.load(single)


def _rewritten(tmp_path, arrays, **changes):
    path = tmp_path / "changed.npz"
    arrays = {**arrays, **changes}
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return path


def test_header_is_checked(saved, tmp_path):
    cls, _, arrays, kind, _ = saved
    label = kind.rsplit(".", 1)[-1]
    other = _rewritten(tmp_path, arrays, format_kind=np.array("fastapml.Other"))
    with pytest.raises(ArchiveError, match=f"changed.npz is not a saved {label}"):
        cls.load(other)
    headless = _rewritten(tmp_path, arrays, format_kind=None)
    with pytest.raises(ArchiveError, match="format_kind none"):
        cls.load(headless)
    future = _rewritten(tmp_path, arrays, format_version=np.array(99))
    with pytest.raises(ArchiveError, match="changed.npz: format version 99"):
        cls.load(future)


def test_pickled_member_is_never_loaded(saved, tmp_path):
    cls, _, arrays, _, key = saved
    path = _rewritten(tmp_path, arrays, **{key: np.array([{"x": 1}], dtype=object)})
    with pytest.raises(ArchiveError, match="changed.npz.*pickled objects"):
        cls.load(path)


def test_missing_or_misshapen_array(saved, tmp_path):
    cls, _, arrays, _, key = saved
    missing = _rewritten(tmp_path, arrays, **{key: None})
    with pytest.raises(ArchiveError, match=f"changed.npz: .*{key}"):
        cls.load(missing)
    misshapen = _rewritten(tmp_path, arrays, **{key: np.zeros((2, 3, 4, 5))})
    with pytest.raises(ArchiveError, match="changed.npz: "):
        cls.load(misshapen)


def test_write_refuses_object_arrays(tmp_path):
    from fastapml import _archive

    with pytest.raises(TypeError, match="'bad' has object dtype"):
        _archive.write(tmp_path / "m.npz", "k", {"bad": np.array([None])})
    assert not (tmp_path / "m.npz").exists()


def test_a_zip_bomb_is_refused_before_it_inflates(saved, tmp_path):
    cls, _, arrays, _, _ = saved
    bomb = tmp_path / "bomb.npz"
    # 100 MB of zeros compress to about 100 KB
    np.savez_compressed(bomb, **arrays, padding=np.zeros(100 * 2**20, np.uint8))
    assert bomb.stat().st_size < 2**20
    with pytest.raises(ArchiveError, match="bomb.npz: member 'padding.npy' would"):
        cls.load(bomb)
    # a compressed file of ordinary ratios still reads
    small = tmp_path / "compressed.npz"
    np.savez_compressed(small, **arrays)
    assert type(cls.load(small)) is cls


def test_a_network_file_cannot_declare_more_weights_than_it_holds(tmp_path):
    import json

    path = tmp_path / "net.npz"
    _net().save(path)
    with np.load(path) as archive:
        arrays = dict(archive)
    specs = [json.loads(s) for s in arrays["architecture"]]
    specs[0]["config"]["in_features"] = 10**9  # 4 GB of float32 weights
    bloated = _rewritten(
        tmp_path, arrays, architecture=np.array([json.dumps(s) for s in specs])
    )
    with pytest.raises(ArchiveError, match="declares 4,000,000,014 parameter values"):
        Sequential.load(bloated)
    nested = _rewritten(
        tmp_path, arrays, architecture=np.array(["[" * 10**5 + "]" * 10**5])
    )
    with pytest.raises(ArchiveError, match=r"architecture\[0\] is not a valid layer"):
        Sequential.load(nested)


@pytest.mark.parametrize("content", [b"", b"hello world\n", b"\x80\x04pickle"])
def test_a_file_that_is_no_archive_says_so(saved, tmp_path, content):
    cls = saved[0]
    path = tmp_path / "notes.npz"
    path.write_bytes(content)
    with pytest.raises(
        ArchiveError, match="notes.npz is not a saved .*not an .npz archive"
    ):
        cls.load(path)
