"""Lazy package attributes: subpackages and names imported on first use.

``import fastapml`` and ``import fastapml.hmm`` stay cheap (no scikit-learn,
no dask, no kernels compiled) until a name that needs them is used; the same
idea as `lazy_loader <https://scientific-python.org/specs/spec-0001/>`_'s
``attach``, in a few lines.
"""

import importlib
import sys


def attach(package, submodules=(), names=None):
    """Module ``__getattr__``, ``__dir__`` and ``__all__`` for ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    submodules : iterable of str
        Subpackages or modules reachable as attributes (``fastapml.hmm``).
    names : dict of str to list of str, optional
        ``{module: [name, ...]}``: names taken from a submodule (relative to
        ``package``) on first access.

    Returns
    -------
    (__getattr__, __dir__, __all__)

    Examples
    --------
    In a package's ``__init__.py``::

        __getattr__, __dir__, __all__ = attach(
            __name__, names={"categorical": ["CategoricalHMM"]})
    """
    submodules = frozenset(submodules)
    home = {name: module for module, listed in (names or {}).items() for name in listed}

    def __getattr__(name):
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        if name in home:
            module = importlib.import_module(f".{home[name]}", package)
            return getattr(module, name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | submodules | set(home))

    return __getattr__, __dir__, sorted(submodules | set(home))
