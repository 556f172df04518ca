"""fastapml: Numba-accelerated classic machine learning.

Subpackages are imported on first use (``fastapml.hmm`` compiles nothing until
a kernel is first called), so ``import fastapml`` stays cheap.
"""

from ._lazy import attach

__version__ = "0.1.0"

__getattr__, __dir__, __all__ = attach(
    __name__,
    submodules=[
        "cluster",
        "denoise",
        "hmm",
        "metrics",
        "mixture",
        "nn",
        "optimize",
        "reference",
        "scaleout",
    ],
)
