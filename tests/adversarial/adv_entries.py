"""Every public numeric entry point, as a table: how to call it, valid
arguments for it (small, seeded), and which of them are arrays to corrupt.

An :class:`Entry` calls ``call(kwargs)`` with the dict that ``base()``
builds; each :class:`Arg` names a key of that dict, the names an error
message may use for it, and what it accepts (``kind``: float, int, labels or
bool; ``neg_inf``: log-probabilities may be -inf; ``any_ndim``: any rank).
Fitted estimators come from :func:`fitted`, built once and copied per call.
"""

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Arg:
    name: str
    kind: str = "float"
    names: tuple = ()
    neg_inf: bool = False
    any_ndim: bool = False
    #: the corruptions and layouts to try (default: all of the kind) ...
    only: tuple = None
    #: ... less these
    skip: tuple = ()

    @property
    def message_names(self):
        return self.names or (self.name,)


@dataclass(frozen=True)
class Entry:
    id: str
    call: Callable[[dict], Any]
    base: Callable[[], dict]
    args: tuple = field(default_factory=tuple)
    #: run each call in a forked child: the entry can crash the process
    isolate: bool = False

    def arg(self, name):
        return next(a for a in self.args if a.name == name)

    @property
    def all_names(self):
        """Every name the errors of this entry may use, each once."""
        return tuple(dict.fromkeys(n for a in self.args for n in a.message_names))


def keywords(fn):
    """The ``call`` of an entry whose arguments are exactly its kwargs."""
    return lambda a: fn(**a)


def rng(seed=0):
    return np.random.default_rng(seed)


def log_rows(shape, seed=0):
    """Log-probabilities: rows of a random stochastic array."""
    p = rng(seed).random(shape) + 0.1
    return np.log(p / p.sum(axis=-1, keepdims=True))


def blobs(n=40, d=2, seed=0):
    X = rng(seed).normal(size=(n, d))
    X[n // 2 :] += 6.0
    return X


def blob_labels(n=40):
    return (np.arange(n) >= n // 2).astype(np.int64)


def symbols(n=30, m=3, seed=0):
    return rng(seed).integers(0, m, size=(n, 1))


def spd(k, d, seed=0):
    a = rng(seed).normal(size=(k, d, d))
    return a @ a.transpose(0, 2, 1) + d * np.eye(d)


SENTENCES = [
    ["the", "dog", "runs", "."],
    ["a", "cat", "sleeps", "."],
    ["the", "cat", "runs", "."],
    ["dogs", "sleep"],
]
TAGS = [
    ["DET", "NOUN", "VERB", "PUNCT"],
    ["DET", "NOUN", "VERB", "PUNCT"],
    ["DET", "NOUN", "VERB", "PUNCT"],
    ["NOUN", "VERB"],
]


@functools.cache
def _fitted(kind):
    from fastapml.denoise import PatchPrior
    from fastapml.hmm import GMMHMM, CategoricalHMM, GaussianHMM, HMMTagger
    from fastapml.mixture import GaussianMixture

    if kind == "gmm":
        return GaussianMixture(2, random_state=0).fit(blobs())
    if kind == "chmm":
        return CategoricalHMM(2, random_state=0, n_iter=5).fit(symbols())
    if kind == "ghmm":
        return GaussianHMM(2, "full", random_state=0, n_iter=3).fit(blobs())
    if kind == "gmmhmm":
        return GMMHMM(2, n_mix=2, random_state=0, n_iter=3).fit(blobs())
    if kind == "tagger":
        return HMMTagger().fit(SENTENCES, TAGS)
    if kind == "tagger1":
        return HMMTagger(order=1, smoothing="add-one").fit(SENTENCES, TAGS)
    if kind == "prior":
        return PatchPrior().fit(
            [rng().random((12, 12))], patch_size=3, n_components=2, max_iter=3
        )
    raise KeyError(kind)


def fitted(kind):
    """A private copy of a small fitted model (``gmm``, ``chmm``, ``ghmm``,
    ``gmmhmm``, ``tagger``, ``tagger1`` or ``prior``)."""
    return copy.deepcopy(_fitted(kind))


# ----------------------------------------------------------------------
# cluster
# ----------------------------------------------------------------------
def _cluster_entries():
    from fastapml.cluster import (
        SpectralClustering,
        laplacian,
        silhouette_samples,
        silhouette_score,
        simplified_silhouette,
    )

    def data():
        return {"X": blobs(), "labels": blob_labels()}

    xy = (Arg("X"), Arg("labels", "labels"))

    def affinity():
        a = rng().random((6, 6))
        return {"W": a + a.T}

    return [
        Entry("silhouette_samples", keywords(silhouette_samples), data, xy),
        Entry("silhouette_score", keywords(silhouette_score), data, xy),
        Entry("simplified_silhouette", keywords(simplified_silhouette), data, xy),
        Entry("laplacian", lambda a: laplacian(a["W"], "sym"), affinity, (Arg("W"),)),
        Entry(
            "SpectralClustering.fit",
            lambda a: SpectralClustering(
                2, affinity="rbf", n_init=1, random_state=0
            ).fit(a["X"]),
            lambda: {"X": blobs(24)},
            (Arg("X"),),
        ),
    ]


# ----------------------------------------------------------------------
# hmm
# ----------------------------------------------------------------------
def _first_order(k=3):
    return {
        "log_trans": log_rows((k, k), 1),
        "log_start": log_rows((k,), 2),
    }


#: A TrigramTable is built from arrays the caller gives: the values that
#: would send a kernel out of bounds, not every dtype (each new dtype is a
#: new numba compilation, seconds each in a forked child)
CRAFTED_INT = ("negative", "huge", "empty")
CRAFTED_FLOAT = ("nan", "+inf", "empty")

FIRST_ORDER_ARGS = (
    Arg("log_trans", neg_inf=True),
    Arg("log_start", neg_inf=True),
)


def _hmm_entries():
    from fastapml.hmm import (
        TrigramTable,
        forward_backward,
        viterbi,
        viterbi2_batch,
        viterbi2_lattice,
        viterbi2_partitions,
        viterbi_batch,
        viterbi_partitions,
    )

    emit = Arg("log_emit", neg_inf=True)
    lengths = Arg("lengths", "int")
    syms = Arg("symbols", "int")

    def dense():
        return {"log_emit": log_rows((6, 3), 3), "lengths": [2, 4], **_first_order()}

    def with_symbols():
        return {
            "log_emit": log_rows((4, 3), 3),
            "lengths": [2, 4],
            "symbols": np.array([0, 3, 1, 2, 2, 0]),
            **_first_order(),
        }

    def second_order():
        return {
            "log_emit": log_rows((4, 2), 3),
            "lengths": [2, 4],
            "symbols": np.array([0, 3, 1, 2, 2, 0]),
            "log_trans2": log_rows((3, 3, 3), 4),
        }

    def lattice():
        return {
            "log_emit": log_rows((6, 2), 3),
            "lengths": [2, 4],
            "transitions": log_rows((3, 3, 3), 4),
        }

    def table_arrays():
        table = TrigramTable.from_dense(log_rows((3, 3, 3), 4))
        names = ("history_row", "indptr", "next_tag", "log_prob", "seen_bias")
        names += ("log_seen", "log_unseen")
        return {"log_emit": log_rows((6, 2), 3), **dict(zip(names, table.arrays()))}

    def lattice_on_table(a):
        a = dict(a)
        emit = a.pop("log_emit")
        return viterbi2_lattice(emit, [2, 4], TrigramTable(**a))

    def partitions():
        return {
            "symbols0": np.array([0, 1, 2]),
            "lengths0": np.array([3]),
            "symbols1": np.array([2, 2, 0, 1]),
            "lengths1": np.array([1, 3]),
            "log_emit": log_rows((3, 3), 3),
            **_first_order(),
        }

    def run_partitions(a):
        parts = [(a["symbols0"], a["lengths0"]), (a["symbols1"], a["lengths1"])]
        return viterbi_partitions(
            parts, a["log_trans"], a["log_start"], log_emit=a["log_emit"]
        )

    def dense_partitions():
        return {
            "emit0": log_rows((3, 2), 3),
            "emit1": log_rows((4, 2), 5),
            "log_trans2": log_rows((3, 3, 3), 4),
        }

    def run_dense_partitions(a):
        parts = [(a["emit0"], [3]), (a["emit1"], [1, 3])]
        return viterbi2_partitions(parts, a["log_trans2"])

    def counts():
        tagger = _fitted("tagger")
        return {
            "keys": tagger.ngram_keys_.copy(),
            "counts": tagger.ngram_counts_.copy(),
        }

    part = ("partitions[0]", "partitions[1]", "partitions")
    table_ints = ("history_row", "indptr", "next_tag")
    first, symbolic = FIRST_ORDER_ARGS, (emit, lengths, syms)
    return [
        Entry(
            "viterbi",
            keywords(viterbi),
            lambda: {
                "log_emit": log_rows((5, 3), 3),
                "log_end": log_rows((3,), 5),
                **_first_order(),
            },
            (emit, *FIRST_ORDER_ARGS, Arg("log_end", neg_inf=True)),
        ),
        *(
            Entry(name, keywords(fn), base, args)
            for name, fn, base, args in (
                ("viterbi_batch[dense]", viterbi_batch, dense, (emit, lengths, *first)),
                (
                    "viterbi_batch[symbols]",
                    viterbi_batch,
                    with_symbols,
                    (*symbolic, *first),
                ),
                (
                    "forward_backward[dense]",
                    forward_backward,
                    dense,
                    (emit, lengths, *first),
                ),
                (
                    "forward_backward[symbols]",
                    forward_backward,
                    with_symbols,
                    (emit, lengths, syms),
                ),
                (
                    "viterbi2_batch",
                    viterbi2_batch,
                    second_order,
                    (*symbolic, Arg("log_trans2", neg_inf=True)),
                ),
                (
                    "viterbi2_lattice",
                    viterbi2_lattice,
                    lattice,
                    (emit, lengths, Arg("transitions", neg_inf=True)),
                ),
            )
        ),
        Entry(
            "viterbi2_lattice[TrigramTable]",
            lattice_on_table,
            table_arrays,
            (
                *(
                    Arg(n, "int", (n, "transitions"), only=CRAFTED_INT)
                    for n in table_ints
                ),
                *(
                    Arg(n, names=(n, "transitions"), neg_inf=True, only=CRAFTED_FLOAT)
                    for n in ("log_prob", "log_seen")
                ),
            ),
            isolate=True,
        ),
        Entry(
            "viterbi_partitions",
            run_partitions,
            partitions,
            (
                Arg("symbols0", "int", part),
                Arg("lengths1", "int", part),
                emit,
                *FIRST_ORDER_ARGS,
            ),
        ),
        Entry(
            "viterbi2_partitions",
            run_dense_partitions,
            dense_partitions,
            (Arg("emit0", names=part, neg_inf=True), Arg("log_trans2", neg_inf=True)),
        ),
        Entry(
            "TrigramTable.from_dense",
            lambda a: TrigramTable.from_dense(a["log_trans2"]).dense(),
            lambda: {"log_trans2": log_rows((3, 3, 3), 4)},
            (Arg("log_trans2", neg_inf=True),),
        ),
        Entry(
            "TrigramTable.from_counts",
            lambda a: TrigramTable.from_counts(
                a["keys"], a["counts"], 4, "add-one"
            ).dense(),
            counts,
            (Arg("keys", "int"), Arg("counts", "int")),
        ),
        *_categorical_entries(),
    ]


def _categorical_entries():
    X, lengths, states = Arg("X", "int"), Arg("lengths", "int"), Arg("states", "int")

    def data():
        return {"X": symbols(12), "lengths": [5, 7]}

    def method(name):
        return lambda a: getattr(fitted("chmm"), name)(**a)

    def supervised():
        return {**data(), "states": rng(3).integers(0, 2, size=12)}

    tables = ("startprob_", "transmat_", "emissionprob_")

    def with_tables():
        model = _fitted("chmm")
        return {"X": symbols(12), **{n: getattr(model, n).copy() for n in tables}}

    def predict_with(a):
        """A model given its probability tables by hand, as hmmlearn allows."""
        from fastapml.hmm import CategoricalHMM

        model = CategoricalHMM(2)
        for name in tables:
            setattr(model, name, a[name])
        return model.predict(a["X"])

    def fit(a):
        from fastapml.hmm import CategoricalHMM

        return CategoricalHMM(2, random_state=0, n_iter=3).fit(**a)

    def fit_supervised(a):
        from fastapml.hmm import CategoricalHMM

        return CategoricalHMM(2, n_features=3).fit_supervised(**a)

    scored = [
        Entry(f"CategoricalHMM.{name}", method(name), data, (X, lengths))
        for name in ("score", "score_samples", "predict", "predict_proba", "decode")
    ]
    return [
        *scored,
        Entry("CategoricalHMM.fit", fit, data, (X, lengths)),
        Entry("CategoricalHMM.fit_supervised", fit_supervised, supervised, (X, states)),
        Entry(
            "CategoricalHMM.predict[tables]",
            predict_with,
            with_tables,
            tuple(Arg(n) for n in tables),
        ),
    ]


# ----------------------------------------------------------------------
# mixture
# ----------------------------------------------------------------------
def _mixture_entries():
    from fastapml.mixture import GaussianMixture, em_step, log_prob_resp
    from fastapml.mixture import precisions_cholesky as prec_chol

    def model():
        cov = spd(2, 2)
        return {
            "X": blobs(20),
            "weights": np.array([0.4, 0.6]),
            "means": rng(1).normal(size=(2, 2)),
            "precisions_cholesky": prec_chol(cov, "full"),
        }

    model_args = (
        Arg("X"),
        Arg("weights"),
        Arg("means"),
        Arg("precisions_cholesky"),
    )

    def method(name):
        return lambda a: getattr(fitted("gmm"), name)(a["X"])

    def init():
        return {
            "X": blobs(),
            "weights_init": np.array([0.5, 0.5]),
            "means_init": np.array([[0.0, 0.0], [6.0, 6.0]]),
            "precisions_init": np.stack([np.eye(2), np.eye(2)]),
        }

    def fit_init(a):
        a = dict(a)
        X = a.pop("X")
        return GaussianMixture(2, max_iter=5, random_state=0, **a).fit(X)

    def chunks():
        X = blobs()
        return {"chunk0": X[:20], "chunk1": X[20:]}

    def fit_chunks(a):
        return GaussianMixture(2, max_iter=3, random_state=0).fit_chunks(
            [a["chunk0"], a["chunk1"]]
        )

    chunk_names = ("chunk 0", "chunk 1", "chunks", "X")
    return [
        Entry(
            "log_prob_resp",
            lambda a: log_prob_resp(**a, covariance_type="full"),
            model,
            model_args,
        ),
        Entry(
            "em_step",
            lambda a: em_step(**a, covariance_type="full", reg_covar=1e-6),
            model,
            model_args,
        ),
        Entry(
            "precisions_cholesky",
            lambda a: prec_chol(a["covariances"], "full"),
            lambda: {"covariances": spd(2, 2)},
            (Arg("covariances"),),
        ),
        *(
            Entry(
                f"GaussianMixture.{name}",
                method(name),
                lambda: {"X": blobs(10)},
                (Arg("X"),),
            )
            for name in ("score_samples", "score", "predict", "predict_proba")
        ),
        Entry(
            "GaussianMixture.fit",
            fit_init,
            init,
            (Arg("X"), Arg("weights_init"), Arg("means_init"), Arg("precisions_init")),
        ),
        Entry(
            "GaussianMixture.fit_predict",
            lambda a: GaussianMixture(2, max_iter=5, random_state=0).fit_predict(
                a["X"]
            ),
            lambda: {"X": blobs()},
            (Arg("X"),),
        ),
        Entry(
            "GaussianMixture.partial_fit",
            lambda a: fitted("gmm").partial_fit(a["X"]),
            lambda: {"X": blobs(10)},
            (Arg("X"),),
        ),
        Entry(
            "GaussianMixture.fit_chunks",
            fit_chunks,
            chunks,
            (Arg("chunk0", names=chunk_names), Arg("chunk1", names=chunk_names)),
        ),
    ]


# ----------------------------------------------------------------------
# nn
# ----------------------------------------------------------------------
def _normal(*shape, seed=0):
    return rng(seed).normal(size=shape)


def _functional_entries():
    from fastapml.nn import functional as F

    image, weight = _normal(2, 2, 5, 5), _normal(3, 2, 3, 3, seed=1)
    logits, target = _normal(4, 3, seed=2), np.array([0, 2, 1, 0])
    matrix = _normal(4, 3, seed=3)
    pooled, indices = F.max_pool2d(image, 2, return_indices=True)

    def entry(name, arrays, options=None, **special):
        """``F.<name>(**arrays, **options)``; ``special`` gives the Arg of an
        argument that is not a float array of a fixed rank (a 0-d one, a
        scalar gradient, may be any size-1 array: NumPy's usual leniency)."""
        fn, options = getattr(F, name), options or {}
        args = tuple(
            special.get(k) or Arg(k, any_ndim=np.ndim(v) == 0)
            for k, v in arrays.items()
        )
        return Entry(
            f"F.{name}",
            lambda a: fn(**a, **options),
            lambda: {k: np.array(v) for k, v in arrays.items()},
            args,
        )

    free, x_free = Arg("input", any_ndim=True), Arg("x", any_ndim=True)
    labels, dropout = Arg("target", "int"), {"p": 0.5, "random_state": 0}
    return [
        entry("conv2d", dict(input=image, weight=weight, bias=_normal(3))),
        entry(
            "conv2d_backward",
            dict(grad_output=_normal(2, 3, 3, 3), input=image, weight=weight),
        ),
        entry("linear", dict(input=matrix, weight=_normal(2, 3), bias=_normal(2))),
        entry(
            "linear_backward",
            dict(grad_output=_normal(4, 2), input=matrix, weight=_normal(2, 3)),
        ),
        entry("cross_entropy", dict(input=logits, target=target), target=labels),
        entry(
            "cross_entropy_backward",
            dict(grad_output=1.0, input=logits, target=target),
            target=labels,
        ),
        entry("mse_loss", dict(input=matrix, target=matrix + 1)),
        entry("mse_loss_backward", dict(grad_output=1.0, input=matrix, target=matrix)),
        entry("relu_backward", dict(grad_output=matrix, input=matrix - 0.3)),
        entry("sigmoid_backward", dict(grad_output=matrix, output=matrix * 0 + 0.3)),
        entry("softmax_backward", dict(grad_output=matrix, output=F.softmax(matrix))),
        entry(
            "log_softmax_backward",
            dict(grad_output=matrix, output=F.log_softmax(matrix)),
        ),
        entry(
            "max_pool2d_backward",
            dict(grad_output=np.ones_like(pooled), indices=indices),
            {"input_shape": image.shape},
            indices=Arg("indices", "int"),
        ),
        entry(
            "dropout_backward",
            dict(grad_output=matrix, mask=matrix > 0),
            {"p": 0.5},
            mask=Arg("mask", "bool"),
        ),
        entry("relu", dict(input=matrix), input=free),
        entry("sigmoid", dict(input=matrix), input=free),
        entry("softmax", dict(x=matrix), x=x_free),
        entry("log_softmax", dict(x=matrix), x=x_free),
        entry("dropout", dict(input=matrix), dropout, input=free),
        entry(
            "max_pool2d",
            dict(input=image),
            {"kernel_size": 2},
            input=Arg("input", neg_inf=True),
        ),
    ]


def _layer_entries():
    from fastapml import nn

    def layer_entries(name, make, x, **arg):
        """``<name>.forward(x)`` and ``.backward(grad_output)`` after a
        forward pass on ``x``."""

        def backward(a):
            layer = make()
            layer.forward(x)
            return layer.backward(a["grad_output"])

        return [
            Entry(
                f"{name}.forward",
                lambda a: make().forward(a["x"]),
                lambda: {"x": x.copy()},
                (Arg("x", names=("x", "input"), **arg),),
            ),
            Entry(
                f"{name}.backward",
                backward,
                lambda: {"grad_output": np.ones_like(make().forward(x))},
                (Arg("grad_output"),),
            ),
        ]

    def sequential():
        return nn.Sequential(
            nn.Conv2d(1, 2, 3, random_state=0),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(18, 2, random_state=0),
        )

    entries = [
        *layer_entries(
            "Conv2d", lambda: nn.Conv2d(2, 3, 3, random_state=0), _normal(2, 2, 5, 5)
        ),
        *layer_entries(
            "Linear", lambda: nn.Linear(3, 2, random_state=0), _normal(4, 3)
        ),
        *layer_entries(
            "MaxPool2d", lambda: nn.MaxPool2d(2), _normal(2, 2, 4, 4), neg_inf=True
        ),
        *layer_entries("ReLU", nn.ReLU, _normal(4, 3), any_ndim=True),
        *layer_entries("Sigmoid", nn.Sigmoid, _normal(4, 3), any_ndim=True),
        # Flatten takes any input of 2 or more dimensions, as PyTorch's does
        *layer_entries("Flatten", nn.Flatten, _normal(2, 2, 3, 3), any_ndim=True),
        *layer_entries(
            "Dropout",
            lambda: nn.Dropout(0.5, random_state=0),
            _normal(4, 3),
            any_ndim=True,
        ),
        *layer_entries("Sequential", sequential, _normal(2, 1, 5, 5)),
    ]

    def step(optimizer, a):
        p = nn.Parameter("w", a["value"])
        p.grad = a["grad"]
        optimizer([p], 0.1).step()
        return p.value

    # Parameter.value and .grad are documented as ndarrays, updated in place
    p_names = ("value", "grad", "parameters", "parameters[0]")
    for optimizer in (nn.SGD, nn.Adam):
        entries.append(
            Entry(
                f"{optimizer.__name__}.step",
                functools.partial(step, optimizer),
                lambda: {"value": _normal(3, 2), "grad": _normal(3, 2, seed=1)},
                (
                    Arg("value", names=p_names, skip=("list", "read-only")),
                    Arg("grad", names=p_names, skip=("list",)),
                ),
            )
        )
    return entries


# ----------------------------------------------------------------------
# denoise
# ----------------------------------------------------------------------
def _denoise_entries():
    from fastapml import denoise as D

    img = rng().random((8, 8))

    def mmse():
        return {
            "y": rng(1).normal(size=4),
            "H": np.eye(4) + 0.1,
            "mu": np.zeros(4),
            "Sigma": spd(1, 4)[0],
        }

    def prior_arrays():
        prior = _fitted("prior")
        return {
            k: getattr(prior, k + "_").copy()
            for k in ("weights", "means", "covariances")
        }

    def prior_from(a):
        return D.PatchPrior(**a).score([img])

    image0 = ("images[0]", "images", "image")
    return [
        Entry(
            "gaussian_posterior",
            keywords(D.gaussian_posterior),
            lambda: {"y": img.copy(), "sigma": np.full(8, 0.5), "sigma_x": 1.0},
            (Arg("y", any_ndim=True), Arg("sigma", any_ndim=True)),  # broadcast
        ),
        Entry(
            "linear_gaussian_mmse",
            lambda a: D.linear_gaussian_mmse(a["y"], a["H"], 0.5, a["mu"], a["Sigma"]),
            mmse,
            # a scalar mu is documented: fewer dimensions is valid
            (Arg("y"), Arg("H"), Arg("mu", skip=("fewer-dims",)), Arg("Sigma")),
        ),
        Entry(
            "convolution_operator",
            lambda a: D.convolution_operator(a["kernel"], (5, 5)) @ np.ones(25),
            lambda: {"kernel": np.full((3, 3), 1 / 9)},
            (Arg("kernel"),),
        ),
        Entry(
            "mask_operator",
            lambda a: (lambda op: op @ np.ones(op.shape[1]))(
                D.mask_operator(a["mask"])
            ),
            lambda: {"mask": rng().random((4, 4)) > 0.3},
            (Arg("mask", "bool", any_ndim=True),),
        ),
        Entry(
            "extract_patches",
            lambda a: D.extract_patches(a["image"], 3),
            lambda: {"image": img.copy()},
            (Arg("image"),),
        ),
        Entry(
            "aggregate_patches",
            lambda a: D.aggregate_patches(a["patches"], (8, 8), 3, stride=2),
            lambda: {"patches": D.extract_patches(img, 3, stride=2)},
            (Arg("patches"),),
        ),
        Entry(
            "psnr",
            keywords(D.psnr),
            lambda: {"clean": img.copy(), "estimate": img + 0.05},
            (Arg("clean"), Arg("estimate")),
        ),
        Entry(
            "sample_patches",
            lambda a: D.sample_patches([a["image"]], 3, 10),
            lambda: {"image": img.copy()},
            (Arg("image", names=image0),),
        ),
        Entry(
            "denoise[gaussian]",
            lambda a: D.denoise(a["image"], 0.1, "gaussian", _fitted("prior")),
            lambda: {"image": img.copy()},
            (Arg("image"),),
        ),
        Entry(
            "PatchPrior",
            prior_from,
            prior_arrays,
            (Arg("weights"), Arg("means"), Arg("covariances")),
        ),
        Entry(
            "PatchPrior.fit",
            lambda a: D.PatchPrior().fit(
                [a["image"]], patch_size=3, n_components=2, max_iter=2
            ),
            lambda: {"image": rng().random((10, 10))},
            (Arg("image", names=image0),),
        ),
        Entry(
            "PatchPrior.score",
            lambda a: fitted("prior").score([a["image"]]),
            lambda: {"image": img.copy()},
            (Arg("image", names=image0),),
        ),
    ]


# ----------------------------------------------------------------------
# optimize
# ----------------------------------------------------------------------
def _cube(x):
    return np.sum(x**3)


def _optimize_entries():
    from fastapml import optimize as O

    def point():
        return {"x": np.array([1.0, -2.0, 0.5])}

    def matrix():
        return {"A": _normal(3, 2)}

    def circle(v):
        return v[0] ** 2 + v[1] ** 2 - 1

    # f's own non-finite output may be what the error names
    any_x = (Arg("x", names=("x", "f"), any_ndim=True),)
    return [
        Entry(
            "numerical_gradient",
            lambda a: O.numerical_gradient(_cube, **a),
            point,
            any_x,
        ),
        Entry(
            "numerical_jacobian",
            lambda a: O.numerical_jacobian(np.sin, **a),
            point,
            any_x,
        ),
        Entry(
            "check_grad",
            lambda a: O.check_grad(_cube, lambda x: 3 * x**2, **a),
            point,
            any_x,
        ),
        Entry(
            "minimize_equality",
            lambda a: O.minimize_equality(
                lambda v: 3 * v[0] - 4 * v[1], a["x0"], circle
            ),
            lambda: {"x0": np.array([-0.5, 0.5])},
            (Arg("x0", names=("x0", "f", "constraints")),),
        ),
        Entry("linear_jacobian", keywords(O.linear_jacobian), matrix, (Arg("A"),)),
        Entry("max_on_sphere", keywords(O.max_on_sphere), matrix, (Arg("A"),)),
        Entry("min_on_sphere", keywords(O.min_on_sphere), matrix, (Arg("A"),)),
        Entry(
            "bilinear_gradients",
            keywords(O.bilinear_gradients),
            lambda: {"y": _normal(3), "A": _normal(3, 2), "x": _normal(2, seed=1)},
            (Arg("y"), Arg("A"), Arg("x")),
        ),
        Entry(
            "quadratic_gradient",
            keywords(O.quadratic_gradient),
            lambda: {"A": _normal(2, 2), "x": _normal(2, seed=1)},
            (Arg("A"), Arg("x")),
        ),
    ]


@functools.cache
def entries():
    """Every entry, by id."""
    out = [
        *_cluster_entries(),
        *_hmm_entries(),
        *_mixture_entries(),
        *_functional_entries(),
        *_layer_entries(),
        *_denoise_entries(),
        *_optimize_entries(),
    ]
    by_id = {e.id: e for e in out}
    assert len(by_id) == len(out), "entry ids must be unique"
    return by_id
