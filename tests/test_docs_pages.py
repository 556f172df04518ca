"""The code on the documentation's hand-written pages runs and prints what the
pages show: every ``>>>`` example of docs/*.rst is a doctest."""

import doctest
import pathlib

import numpy as np
import pytest

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
GENERATED = ("_build", "api/generated", "auto_examples", "sg_execution_times")
HAND_WRITTEN = sorted(
    p.relative_to(DOCS).as_posix()
    for p in DOCS.rglob("*.rst")
    if not p.relative_to(DOCS).as_posix().startswith(GENERATED)
)
PAGES = [page for page in HAND_WRITTEN if ">>> " in (DOCS / page).read_text()]


@pytest.mark.parametrize("page", PAGES)
def test_page_examples(page):
    result = doctest.testfile(
        str(DOCS / page),
        module_relative=False,
        globs={"np": np},
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS,
    )
    assert result.attempted > 0 and result.failed == 0


def test_every_guide_page_has_examples():
    guide = [p for p in HAND_WRITTEN if p.startswith("user_guide/")]
    expected = {p for p in guide if p != "user_guide/index.rst"}
    expected |= {"getting_started.rst", "course_to_code.rst"}
    assert len(guide) == 9 and expected <= set(PAGES)
