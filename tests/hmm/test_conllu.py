"""read_conllu / iter_conllu on hand-written CoNLL-U fixtures."""

import pathlib

import pytest

from fastapml.hmm import iter_conllu, read_conllu

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
SAMPLE = DATA / "sample.conllu"  # comments, multiword token, empty node
CRLF = DATA / "crlf_bom.conllu"  # CRLF line ends and a UTF-8 BOM

WORDS = [
    ["I", "do", "n't", "know", "."],
    ["Sue", "likes", "coffee", "and", "Bill", "tea", "."],
    ["Go", "!"],
]
UPOS = [
    ["PRON", "AUX", "PART", "VERB", "PUNCT"],
    ["PROPN", "VERB", "NOUN", "CCONJ", "PROPN", "NOUN", "PUNCT"],
    ["VERB", "PUNCT"],
]
XPOS = [
    ["PRP", "VBP", "RB", "VB", "."],
    ["NNP", "VBZ", "NN", "CC", "NNP", "NN", "."],
    ["VB", "."],
]
FEATS = [
    [
        "PRON|Case=Nom|Number=Sing|Person=1|PronType=Prs",
        "AUX|Mood=Ind|Tense=Pres|VerbForm=Fin",
        "PART|Polarity=Neg",
        "VERB|VerbForm=Inf",
        "PUNCT",
    ],
    [
        "PROPN|Number=Sing",
        "VERB|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin",
        "NOUN|Number=Sing",
        "CCONJ",
        "PROPN|Number=Sing",
        "NOUN|Number=Sing",
        "PUNCT",
    ],
    ["VERB|Mood=Imp|VerbForm=Fin", "PUNCT"],
]


@pytest.mark.parametrize(
    "tagset, expected", [("upos", UPOS), ("xpos", XPOS), ("upos+feats", FEATS)]
)
def test_tagsets(tagset, expected):
    sentences, tags = read_conllu(SAMPLE, tagset=tagset)
    assert sentences == WORDS
    assert tags == expected


def test_default_tagset_is_upos_and_str_path_works():
    assert read_conllu(str(SAMPLE)) == (WORDS, UPOS)


def test_metadata():
    _, _, meta = read_conllu(SAMPLE, return_metadata=True)
    assert meta == [
        {"newdoc id": "doc1", "sent_id": "s1", "text": "I don't know."},
        {"sent_id": "s2", "text": "Sue likes coffee and Bill tea."},
        {"sent_id": "s3", "newpar": ""},
    ]


def test_crlf_and_bom_fixture():
    sentences, tags, meta = read_conllu(CRLF, tagset="upos+feats", return_metadata=True)
    assert sentences == [["Hello", "world"], ["de", "el"]]
    assert tags == [["INTJ", "NOUN|Number=Sing"], ["ADP", "DET|Definite=Def"]]
    assert meta == [{"sent_id": "c1"}, {"sent_id": "c2"}]


def test_crlf_copy_of_sample_reads_the_same(tmp_path):
    path = tmp_path / "crlf.conllu"
    path.write_bytes(SAMPLE.read_bytes().replace(b"\n", b"\r\n"))
    for tagset in ("upos", "xpos", "upos+feats"):
        assert read_conllu(path, tagset) == read_conllu(SAMPLE, tagset)


def test_lines_and_open_files():
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    assert read_conllu(lines) == (WORDS, UPOS)
    with open(SAMPLE, encoding="utf-8") as f:  # lines keep "\n"
        assert read_conllu(f, "xpos") == (WORDS, XPOS)


def test_iter_conllu_streams():
    stream = iter_conllu(SAMPLE)
    words, tags, meta = next(stream)
    assert words == WORDS[0] and tags == UPOS[0] and meta["sent_id"] == "s1"
    assert len(list(stream)) == 2


def test_blank_lines_and_comment_only_blocks():
    lines = [
        "",
        "# only a comment",
        "",
        "\t",
        "1\ta\ta\tX\tx\t_\t0\troot\t_\t_",
        "  ",
        "",
        "1\tb\tb\tY\ty\t_\t0\troot\t_\t_",
    ]
    sentences, tags, meta = read_conllu(lines, return_metadata=True)
    assert sentences == [["a"], ["b"]] and tags == [["X"], ["Y"]]
    # a block of comments alone belongs to no sentence, not to the next one
    assert meta == [{}, {}]
    assert read_conllu([]) == ([], [])


GOOD = "1\ta\ta\tX\tx\t_\t0\troot\t_\t_"


@pytest.mark.parametrize(
    "bad, message",
    [
        (
            "1\ta\ta\tX\tx\t_\t0\troot\t_",
            "line 3: expected 10 tab-separated fields, got 9",
        ),
        ("1 a a X x _ 0 root _ _", "line 3: expected 10 tab-separated fields, got 1"),
        (GOOD + "\textra", "line 3: expected 10"),
        ("x\ta\ta\tX\tx\t_\t0\troot\t_\t_", "line 3: bad ID 'x'"),
        ("1-\ta\ta\tX\tx\t_\t0\troot\t_\t_", "line 3: bad ID '1-'"),
        ("1.2.3\ta\ta\tX\tx\t_\t0\troot\t_\t_", "line 3: bad ID"),
        ("-1\ta\ta\tX\tx\t_\t0\troot\t_\t_", "line 3: bad ID"),
        ("3\ta\ta\tX\tx\t_\t0\troot\t_\t_", "line 3: word ID 3 out of sequence"),
        ("1\ta\ta\tX\tx\t_\t0\troot\t_\t_", "line 3: word ID 1 out of sequence"),
    ],
)
def test_malformed_line_names_line_number(bad, message):
    lines = ["# sent_id = 1", GOOD, bad, ""]
    with pytest.raises(ValueError, match=message):
        read_conllu(lines)


def test_malformed_file_names_file_and_line(tmp_path):
    path = tmp_path / "broken.conllu"
    text = SAMPLE.read_text(encoding="utf-8").splitlines()
    text[5] = text[5].replace("\t", " ", 1)
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.conllu, line 6: expected 10"):
        read_conllu(path)


def test_bad_arguments():
    with pytest.raises(ValueError, match="tagset"):
        read_conllu(SAMPLE, tagset="feats")
    with pytest.raises(TypeError, match="source"):
        read_conllu(42)
    with pytest.raises(TypeError, match="line 1: lines must be str"):
        read_conllu([b"1\ta\ta\tX\tx\t_\t0\troot\t_\t_"])
    with pytest.raises(FileNotFoundError):
        read_conllu(DATA / "absent.conllu")


def test_feeds_the_tagger():
    from fastapml.hmm import HMMTagger

    sentences, tags = read_conllu(SAMPLE, "upos+feats")
    model = HMMTagger(order=1).fit(sentences, tags)
    assert model.predict(sentences[2:]) == tags[2:]


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "binary.conllu"
    path.write_bytes(GOOD.encode() + b"\n\n1\t\xff\xfe\tx\tX\tx\t_\t0\troot\t_\t_\n")
    with pytest.raises(
        ValueError, match="binary.conllu, at or after line 1: not UTF-8"
    ):
        read_conllu(path)
