"""The public façade fastapml.nn.functional: exactly its public functions,
each the one defined in the module named for what it holds."""

import ast
import importlib
import inspect

import pytest

from fastapml.nn import functional

HOMES = {
    "avg_pooling": ["avg_pool2d", "avg_pool2d_backward"],
    "binary_losses": [
        "binary_cross_entropy",
        "binary_cross_entropy_backward",
        "binary_cross_entropy_with_logits",
        "binary_cross_entropy_with_logits_backward",
    ],
    "convolution": [
        "conv2d",
        "conv2d_backward",
        "conv2d_parameter_count",
        "conv_output_size",
    ],
    "activations": [
        "leaky_relu",
        "leaky_relu_backward",
        "log_softmax",
        "log_softmax_backward",
        "relu",
        "relu_backward",
        "sigmoid",
        "sigmoid_backward",
        "softmax",
        "softmax_backward",
        "tanh",
        "tanh_backward",
    ],
    "pooling": ["max_pool2d", "max_pool2d_backward", "pool_output_size"],
    "linear": ["linear", "linear_backward"],
    "losses": [
        "cross_entropy",
        "cross_entropy_backward",
        "mse_loss",
        "mse_loss_backward",
        "nll_loss",
        "nll_loss_backward",
    ],
    "dropout": ["dropout", "dropout_backward", "dropout_with_mask"],
}
PUBLIC = sorted(name for names in HOMES.values() for name in names)


def test_all_names_exactly_the_public_functions():
    assert sorted(functional.__all__) == PUBLIC
    assert len(set(functional.__all__)) == len(functional.__all__)
    public = {
        name
        for name, value in vars(functional).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public == set(PUBLIC)
    namespace = {}
    exec("from fastapml.nn.functional import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(PUBLIC)


@pytest.mark.parametrize(
    "module, name", [(m, n) for m, names in HOMES.items() for n in names]
)
def test_each_name_resolves_to_its_home_module(module, name):
    home = importlib.import_module(f"fastapml.nn.{module}")
    value = getattr(functional, name)
    assert callable(value) and value.__doc__
    assert value is getattr(home, name)
    assert value.__module__ == home.__name__
    assert name in home.__all__


def test_facade_holds_only_imports_and_all():
    tree = ast.parse(inspect.getsource(functional))
    docstring, *rest = tree.body
    assert isinstance(docstring, ast.Expr) and isinstance(docstring.value, ast.Constant)
    for node in rest:
        if isinstance(node, ast.Assign):
            assert [t.id for t in node.targets] == ["__all__"]
        else:
            assert isinstance(node, ast.ImportFrom), ast.dump(node)
