"""Text inputs: the token lists of ``HMMTagger`` (every method that takes
sentences, tags, words or partitions) and the CoNLL-U readers
(``read_conllu``, ``iter_conllu``) on files that are not UTF-8, binary, empty
or malformed.

A list that is not a list of token lists (a bare string, numbers, None,
bytes) must raise a ``TypeError``/``ValueError`` naming the argument (and the
sentence and token where it can); unusual but valid text (empty sentences,
long tokens, any Unicode) must work.  A bad file must raise a ``ValueError``
naming the file; a missing one may raise ``FileNotFoundError``.
"""

import functools
import math

import numpy as np
import pytest
from adv_entries import SENTENCES, TAGS, fitted
from adv_support import clean_or_rejects, expect_all, rejects

#: a sentences (or tags) argument that is not a list of lists of str
NOT_TOKEN_LISTS = {
    "a-string": "the dog runs",
    "bytes": b"the dog runs",
    "a-number": 5,
    "none": None,
    "list-of-strings": ["the", "dog"],
    "int-token": [["the", 5]],
    "none-token": [["the", None]],
    "bytes-token": [[b"the"]],
    "nan-token": [["the", math.nan]],
    "list-token": [["the", ["dog"]]],
    "dict-sentence": [{"the": 1}],
}
#: valid if unusual: a NaN-free result, or a clear refusal
ODD_TOKEN_LISTS = {
    "no-sentences": [],
    "empty-sentence": [[]],
    "empty-token": [["", "dog"]],
    "whitespace-tokens": [[" ", "\t", "\n"]],
    "long-token": [["x" * 100_000]],
    "unicode": [["日本語", "\U0001f600", "e\u0301", "\u200b"]],
    "lone-surrogate": [["\udcff"]],
    "nul": [["a\x00b"]],
    "numpy-strings": np.array([["the", "dog"]]),
    "tuples": (("the", "dog"),),
    "generator": (s for s in [["the", "dog"]]),
}


def _evaluate(tagger, sentences, tags):
    """``evaluate``, its documented NaN (no unknown tokens) set to None."""
    result = tagger.evaluate(sentences, tags)
    return {k: None if v != v else v for k, v in result.items()}


def _fit(sentences, tags):
    from fastapml.hmm import HMMTagger

    return HMMTagger().fit(sentences, tags).predict(SENTENCES)


#: method -> (call(value of the argument), its argument, the names its
#: errors may use)
METHODS = {
    "fit(sentences)": (lambda v: _fit(v, TAGS), ("sentences", "tags")),
    "fit(tags)": (lambda v: _fit(SENTENCES, v), ("tags", "sentences")),
    "predict": (lambda v: fitted("tagger").predict(v), ("sentences",)),
    "predict[order1]": (lambda v: fitted("tagger1").predict(v), ("sentences",)),
    "decode": (lambda v: fitted("tagger").decode(v), ("sentences",)),
    "score(sentences)": (
        lambda v: fitted("tagger").score(v, TAGS),
        ("sentences", "tags"),
    ),
    "evaluate(tags)": (
        lambda v: _evaluate(fitted("tagger"), SENTENCES, v),
        ("tags", "sentences"),
    ),
    "log_emission": (lambda v: fitted("tagger").log_emission(v), ("words",)),
    "candidate_lattice": (
        lambda v: fitted("tagger").candidate_lattice(v),
        ("words",),
    ),
    "predict_partitions": (
        lambda v: fitted("tagger").predict_partitions([SENTENCES, v]),
        ("partitions", "partitions[1]"),
    ),
    "decode_partitions": (
        lambda v: fitted("tagger").decode_partitions([v]),
        ("partitions", "partitions[0]"),
    ),
}
#: the arguments that are one token list (words), not a list of them
FLAT = ("log_emission", "candidate_lattice")


def _value(method, value):
    """The corrupted value in the argument's shape: the first sentence for
    the methods that take one list of words."""
    if method in FLAT and isinstance(value, (list, tuple, np.ndarray)) and len(value):
        return value[0]
    return value


def _fresh(table, name):
    value = table[name]
    return (s for s in [["the", "dog"]]) if name == "generator" else value


@pytest.mark.parametrize("method", list(METHODS))
def test_token_lists_that_are_not_refused_by_name(method):
    call, names = METHODS[method]
    expect_all(
        {
            name: functools.partial(
                rejects,
                functools.partial(call, _value(method, value)),
                names,
                None,
            )
            for name, value in NOT_TOKEN_LISTS.items()
            if not (method in FLAT and name == "list-of-strings")  # valid words
        }
    )


@pytest.mark.parametrize("method", list(METHODS))
def test_odd_but_valid_token_lists(method):
    call, names = METHODS[method]
    expect_all(
        {
            name: lambda name=name: clean_or_rejects(
                functools.partial(call, _value(method, _fresh(ODD_TOKEN_LISTS, name))),
                names,
            )
            for name in ODD_TOKEN_LISTS
        }
    )


@pytest.mark.parametrize(
    "tags, names",
    [
        pytest.param(TAGS[:-1], ("tags", "sentences"), id="fewer-tag-lists"),
        pytest.param([*TAGS[:-1], ["NOUN"]], ("tags",), id="a-short-tag-list"),
        pytest.param([*TAGS[:-1], ["NOUN", "VERB", "X"]], ("tags",), id="a-long-one"),
    ],
)
def test_tags_that_do_not_match_the_sentences(tags, names):
    expect_all(
        {
            method: functools.partial(rejects, functools.partial(call, tags), names)
            for method, call in {
                "fit": functools.partial(_fit, SENTENCES),
                "score": functools.partial(fitted("tagger").score, SENTENCES),
                "evaluate": functools.partial(_evaluate, fitted("tagger"), SENTENCES),
            }.items()
        }
    )


# ----------------------------------------------------------------------
# CoNLL-U files
# ----------------------------------------------------------------------
WORD = "1\tthe\tthe\tDET\tDT\t_\t2\tdet\t_\t_\n"
SENTENCE = WORD + "2\tdog\tdog\tNOUN\tNN\t_\t0\troot\t_\t_\n\n"

#: contents that are not a CoNLL-U treebank: refused naming the file
BAD_FILES = {
    "latin-1": ("1\tcaf\xe9\tx\tNOUN\tNN\t_\t0\troot\t_\t_\n\n").encode("latin-1"),
    "binary-junk": bytes(
        np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8)
    ),
    "utf-16": SENTENCE.encode("utf-16"),
    "png-header": b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
    "nine-fields": b"1\tthe\tthe\tDET\tDT\t_\t2\tdet\t_\n\n",
    "eleven-fields": WORD.replace("\n", "\textra\n").encode(),
    "bad-id": b"one\tthe\tthe\tDET\tDT\t_\t2\tdet\t_\t_\n\n",
    "ids-out-of-order": (WORD + WORD + "\n").encode(),
    "cr-line-ends": SENTENCE.replace("\n", "\r").encode(),
    "spaces-not-tabs": SENTENCE.replace("\t", "    ").encode(),
}
#: unusual but valid
ODD_FILES = {
    "empty": b"",
    "only-comments": b"# sent_id = 1\n# text = nothing\n",
    "only-blank-lines": b"\n\n\n",
    "no-final-newline": SENTENCE.rstrip("\n").encode(),
    "bom-and-crlf": b"\xef\xbb\xbf" + SENTENCE.replace("\n", "\r\n").encode(),
    "nul-in-a-word": SENTENCE.replace("dog", "d\x00g").encode(),
    "long-word": SENTENCE.replace("dog", "d" * 1_000_000).encode(),
    "multiword-and-empty-nodes": (
        "1-2\tdel\t_\t_\t_\t_\t_\t_\t_\t_\n"
        + SENTENCE.replace("\n\n", "\n")
        + "2.1\tx\tx\tX\tX\t_\t_\t_\t_\t_\n\n"
    ).encode(),
}


def _readers(source):
    from fastapml.hmm import iter_conllu, read_conllu

    return {
        "read_conllu": lambda: read_conllu(source),
        "iter_conllu": lambda: list(iter_conllu(source, tagset="upos+feats")),
    }


@pytest.mark.parametrize("content", list(BAD_FILES))
def test_a_file_that_is_not_conllu_is_refused_naming_it(tmp_path, content):
    path = tmp_path / f"{content}.conllu"
    path.write_bytes(BAD_FILES[content])
    expect_all(
        {
            reader: functools.partial(
                rejects, call, (path.name, str(path)), None, (ValueError,)
            )
            for reader, call in _readers(path).items()
        }
    )


@pytest.mark.parametrize("content", list(ODD_FILES))
def test_an_odd_but_valid_file_is_read(tmp_path, content):
    path = tmp_path / f"{content}.conllu"
    path.write_bytes(ODD_FILES[content])
    expect_all(
        {
            reader: functools.partial(clean_or_rejects, call, (path.name, str(path)))
            for reader, call in _readers(path).items()
        }
    )


@pytest.mark.parametrize(
    "source, names, types",
    [
        pytest.param(12345, ("source",), (TypeError,), id="a-number"),
        pytest.param(
            [b"1\tthe\t..."], ("lines", "line 1"), (TypeError,), id="bytes-lines"
        ),
        pytest.param([None], ("lines", "line 1"), (TypeError,), id="none-line"),
        pytest.param("missing.conllu", ("missing.conllu",), (OSError,), id="missing"),
        pytest.param(".", (".",), (OSError, ValueError), id="a-directory"),
    ],
)
def test_a_source_that_is_not_lines_or_a_file(source, names, types):
    expect_all(
        {
            reader: functools.partial(rejects, call, names, None, types)
            for reader, call in _readers(source).items()
        }
    )


def test_a_bad_tagset_is_refused_by_name():
    from fastapml.hmm import iter_conllu, read_conllu

    for call in (
        lambda: read_conllu([SENTENCE], tagset="UPOS"),
        lambda: list(iter_conllu([SENTENCE], tagset=None)),
    ):
        rejects(call, ("tagset",))
