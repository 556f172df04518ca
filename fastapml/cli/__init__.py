"""The ``fastapml`` command line: ``demo``, ``tag train|eval|predict``,
``gmm fit|predict``, ``silhouette``, ``spectral``, ``cnn train``, ``denoise``
and ``warmup``, one module per capability."""

from ._main import build_parser, main

__all__ = ["build_parser", "main"]
