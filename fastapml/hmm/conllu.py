"""Reading CoNLL-U treebanks (Universal Dependencies) into tagger input.

A CoNLL-U file holds one word per line in ten tab-separated fields (ID, FORM,
LEMMA, UPOS, XPOS, FEATS, HEAD, DEPREL, DEPS, MISC); comment lines start with
``#``; a blank line ends a sentence.  Multiword-token ranges (``4-5``) and
empty nodes (``8.1``) are not words of the tagged sequence and are skipped.
"""

import os
from itertools import chain

TAGSETS = ("upos", "xpos", "upos+feats")
_N_FIELDS = 10


def iter_conllu(source, tagset="upos"):
    """Stream the sentences of a CoNLL-U file, one at a time.

    Parameters
    ----------
    source : str, path-like, or iterable of str
        A file name (read as UTF-8; a byte-order mark and CRLF line ends are
        accepted), or the lines themselves (e.g. an open text file or a list
        of strings, with or without line ends).
    tagset : {"upos", "xpos", "upos+feats"}
        The tag of each word: the UPOS field, the XPOS field, or UPOS and
        FEATS joined by ``"|"`` (UPOS alone where FEATS is ``"_"``), which
        gives a large morphological tag set.

    Yields
    ------
    words : list of str
        The FORM of each word (multiword tokens and empty nodes skipped).
    tags : list of str
    metadata : dict
        The ``# key = value`` comments of the sentence's own block (``# key``
        alone gives ``""``); a block of comments alone belongs to no
        sentence.

    Raises
    ------
    ValueError
        On a bad ``tagset``, or a line that is not ten tab-separated fields or
        whose ID is not an integer, a range ``a-b`` or a decimal ``a.b``, or
        whose word IDs do not count 1, 2, 3, ... within a sentence, or a
        file that is not UTF-8 text; the message names the file and the line
        number.

    Examples
    --------
    >>> lines = ["# sent_id = 1", "1\\tHi\\thi\\tINTJ\\tUH\\t_\\t0\\troot\\t_\\t_", ""]
    >>> next(iter_conllu(lines))
    (['Hi'], ['INTJ'], {'sent_id': '1'})
    """
    if tagset not in TAGSETS:
        raise ValueError(f"tagset must be one of {TAGSETS}, got {tagset!r}")
    if isinstance(source, (str, bytes, os.PathLike)):
        name = os.fsdecode(source)
        # newline="\n": split on LF only; a CR before it is stripped below.
        with open(source, encoding="utf-8-sig", newline="\n") as lines:
            yield from _parse(lines, name, tagset)
    else:
        try:
            lines = iter(source)
        except TypeError:
            raise TypeError(
                "source must be a path or an iterable of lines, "
                f"got {type(source).__name__}"
            ) from None
        yield from _parse(lines, "<lines>", tagset)


def read_conllu(source, tagset="upos", return_metadata=False):
    """Read a CoNLL-U file into token lists and tag lists.

    Parameters
    ----------
    source : str, path-like, or iterable of str
        See :func:`iter_conllu`.
    tagset : {"upos", "xpos", "upos+feats"}
        See :func:`iter_conllu`.
    return_metadata : bool
        Also return each sentence's ``# key = value`` comments (e.g. to split
        a treebank by a ``# set = train`` comment).

    Returns
    -------
    sentences : list of list of str
    tags : list of list of str
    metadata : list of dict
        Only with ``return_metadata=True``.

    Examples
    --------
    >>> lines = ["1\\tI\\tI\\tPRON\\tPRP\\tCase=Nom\\t2\\tnsubj\\t_\\t_",
    ...          "2\\tran\\trun\\tVERB\\tVBD\\t_\\t0\\troot\\t_\\t_", ""]
    >>> read_conllu(lines, tagset="upos+feats")
    ([['I', 'ran']], [['PRON|Case=Nom', 'VERB']])
    """
    sentences, tags, metadata = [], [], []
    for words, sentence_tags, meta in iter_conllu(source, tagset):
        sentences.append(words)
        tags.append(sentence_tags)
        metadata.append(meta)
    if return_metadata:
        return sentences, tags, metadata
    return sentences, tags


def _numbered(lines, name):
    """``(number, line)`` pairs; a file that is not UTF-8 is a ValueError
    naming it and where decoding failed (files are decoded in blocks, so at
    or after that line)."""
    lines = iter(lines)
    n_line = 0
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except UnicodeDecodeError as err:
            raise ValueError(
                f"{name}, at or after line {n_line + 1}: not UTF-8 text "
                f"({err.reason}, byte {err.object[err.start : err.start + 1]!r})"
            ) from None
        n_line += 1
        yield n_line, line


def _parse(lines, name, tagset):
    words, tags, meta = [], [], {}
    n_line = 0
    for n_line, line in _numbered(chain(lines, ("",)), name):
        if not isinstance(line, str):
            raise TypeError(
                f"{name}, line {n_line}: lines must be str, got {type(line).__name__}"
            )
        line = line.rstrip("\r\n")
        if not line.strip():  # a blank line ends the block, comments and all
            if words:
                yield words, tags, meta
            words, tags, meta = [], [], {}
            continue
        if line[0] == "#":
            key, _, value = line[1:].partition("=")
            meta[key.strip()] = value.strip()
            continue
        fields = line.split("\t")
        if len(fields) != _N_FIELDS:
            raise ValueError(
                f"{name}, line {n_line}: expected {_N_FIELDS} "
                f"tab-separated fields, got {len(fields)}"
            )
        ident = fields[0]
        if _is_int(ident):
            if int(ident) != len(words) + 1:
                raise ValueError(
                    f"{name}, line {n_line}: word ID {ident} out of "
                    f"sequence (expected {len(words) + 1})"
                )
        elif _is_span(ident, "-") or _is_span(ident, "."):
            continue  # multiword token range / empty node
        else:
            raise ValueError(
                f"{name}, line {n_line}: bad ID {ident!r} (expected "
                "an integer, a range 'a-b' or a decimal 'a.b')"
            )
        words.append(fields[1])
        if tagset == "upos":
            tags.append(fields[3])
        elif tagset == "xpos":
            tags.append(fields[4])
        else:
            feats = fields[5]
            tags.append(fields[3] if feats == "_" else f"{fields[3]}|{feats}")


def _is_span(ident, sep):
    first, found, second = ident.partition(sep)
    return bool(found) and _is_int(first) and _is_int(second)


def _is_int(text):
    return text.isascii() and text.isdigit()
