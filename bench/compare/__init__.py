"""One-process comparisons of fastapml against other libraries.

Each module is a script, run from the repository root as a module::

    python -m bench.compare.conv --help

Shared helpers (machine header, ``--target``, timing and tables) are in
:mod:`._common`.
"""
