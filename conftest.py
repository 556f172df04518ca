"""pytest configuration for the whole repository: the docstring examples of
``fastapml/`` run as doctests (``--doctest-modules``), with ``np`` imported as
numpydoc's convention assumes."""

import numpy as np
import pytest

# Importing it runs the command line.
collect_ignore = ["fastapml/cli/__main__.py"]


@pytest.fixture(autouse=True)
def _doctest_numpy(doctest_namespace):
    doctest_namespace["np"] = np
