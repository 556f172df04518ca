"""fastapml: Numba-accelerated classic machine learning.

Subpackages are imported lazily (``fastapml.hmm`` compiles nothing until a
kernel is first called), so ``import fastapml`` stays cheap.
"""
import importlib

__version__ = "0.1.0"

_SUBPACKAGES = ("cluster", "hmm", "metrics", "mixture", "nn", "optimize",
                "reference", "scaleout")
__all__ = list(_SUBPACKAGES)


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
