"""The package's shape: lazy attributes that resolve, cheap imports, no
import cycles, no oversized modules."""

import ast
import graphlib
import importlib
import pathlib
import subprocess
import sys

import pytest

import fastapml

ROOT = pathlib.Path(fastapml.__file__).parent
MAX_LINES = 700


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            yield ".".join(parts[:-1]), path, True
        else:
            yield ".".join(parts), path, False


MODULES = {name: (path, is_package) for name, path, is_package in _modules()}


@pytest.mark.parametrize("package", fastapml.__all__)
def test_every_public_name_resolves(package):
    module = getattr(fastapml, package)  # lazily imported subpackage
    assert module is importlib.import_module(f"fastapml.{package}")
    for name in getattr(module, "__all__", ()):
        assert getattr(module, name) is not None, f"fastapml.{package}.{name}"
        assert name in dir(module)


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        fastapml.nope  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        fastapml.hmm.nope  # noqa: B018


def test_decoding_imports_neither_scikit_learn_nor_dask():
    code = (
        "import sys, fastapml.hmm, fastapml.mixture, fastapml.cluster; "
        "print(sorted(m for m in ('sklearn', 'dask') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    # fastapml.cluster's silhouette wraps scikit-learn's checks; hmm and
    # mixture's kernels do not need it
    assert "dask" not in out


def _imports(name, path, is_package):
    """fastapml modules that module ``name`` imports, at any depth of its code."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            base = (
                (f"{base}.{node.module}" if node.module else base)
                if node.level
                else node.module
            )
            for alias in node.names:
                # `from pkg import module` imports the module, `from module
                # import name` the module itself
                child = f"{base}.{alias.name}"
                found.add(child if child in MODULES else base)
    # a package's __init__ runs before its modules: importing pkg.mod is not
    # an edge to pkg
    return {m for m in found if m in MODULES and not name.startswith(m + ".")}


def test_no_import_cycles():
    graph = {name: _imports(name, *MODULES[name]) for name in MODULES}
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as err:
        pytest.fail(f"import cycle: {' -> '.join(err.args[1])}")


def test_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}}
    with pytest.raises(graphlib.CycleError):
        tuple(graphlib.TopologicalSorter(graph).static_order())
    assert _imports(
        "fastapml.cluster.silhouette", *MODULES["fastapml.cluster.silhouette"]
    ) >= {"fastapml.cluster.silhouette_dask", "fastapml.cluster._silhouette_sums"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name):
    lines = MODULES[name][0].read_text().count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by job"
