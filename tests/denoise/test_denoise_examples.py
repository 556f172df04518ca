"""The docstring examples of fastapml.denoise run and print what they show."""

import doctest

import pytest

from fastapml.denoise import gaussian, patches, prior, restore


@pytest.mark.parametrize("module", [gaussian, patches, prior, restore])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
