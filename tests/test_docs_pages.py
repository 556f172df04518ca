"""The code on the documentation's hand-written pages runs and prints what the
pages show: every ``>>>`` example of docs/*.rst is a doctest."""

import doctest
import pathlib

import numpy as np
import pytest

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
GENERATED = ("_build", "api/generated", "auto_examples", "sg_execution_times")
PAGES = sorted(
    p.relative_to(DOCS).as_posix()
    for p in DOCS.rglob("*.rst")
    if not p.relative_to(DOCS).as_posix().startswith(GENERATED)
)


@pytest.mark.parametrize("page", PAGES)
def test_page_examples(page):
    result = doctest.testfile(
        str(DOCS / page),
        module_relative=False,
        globs={"np": np},
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
    )
    assert result.failed == 0


def test_pages_found():
    assert "user_guide/hmm.rst" in PAGES and "course_to_code.rst" in PAGES
