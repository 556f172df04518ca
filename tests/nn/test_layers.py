import numpy as np
import pytest
import torch

from fastapml._archive import ArchiveError, MissingArchiveError
from fastapml.nn import (
    AvgPool2d,
    Conv2d,
    Dropout,
    Flatten,
    LeakyReLU,
    Linear,
    MaxPool2d,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from fastapml.nn.training import train_digits
from fastapml.optimize import numerical_gradient

f64 = np.float64


def _layers():
    return [
        (Conv2d(2, 3, 3, stride=2, padding=1, random_state=0, dtype=f64), (2, 2, 5, 5)),
        (
            Conv2d(2, 4, 3, padding=2, groups=2, padding_mode="reflect", dtype=f64),
            (2, 2, 5, 6),
        ),
        (Linear(4, 3, random_state=0, dtype=f64), (5, 4)),
        (ReLU(), (2, 6)),
        (Sigmoid(), (2, 6)),
        (LeakyReLU(0.2), (2, 6)),
        (Tanh(), (2, 6)),
        (Softmax(dim=1), (2, 3, 4)),
        (MaxPool2d(2), (2, 2, 4, 4)),
        (AvgPool2d(3, 2, 1, count_include_pad=False), (2, 2, 5, 6)),
        (Flatten(), (2, 3, 2)),
        (Dropout(0.4, random_state=0), (3, 5)),
    ]


@pytest.mark.parametrize("layer,shape", _layers(), ids=lambda v: type(v).__name__)
def test_backward_matches_numerical_gradient(layer, shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    weights = rng.standard_normal(layer.forward(x).shape)
    state = getattr(layer, "_rng", None)

    def loss(z):  # same dropout mask on every call
        if state is not None:
            layer._rng = np.random.default_rng(7)
        return np.sum(weights * layer.forward(z))

    loss(x)
    gx = layer.backward(weights)
    np.testing.assert_allclose(gx, numerical_gradient(loss, x), rtol=1e-6, atol=1e-8)
    for p in layer.parameters():
        saved = p.value.copy()

        def loss_p(v, p=p):
            p.value[...] = v
            return loss(x)

        numeric = numerical_gradient(loss_p, saved)
        p.value[...] = saved
        np.testing.assert_allclose(
            p.grad, numeric, rtol=1e-6, atol=1e-8, err_msg=p.name
        )


def _pair():
    net = Sequential(
        Conv2d(1, 4, 3, padding=1, random_state=0, dtype=f64),
        ReLU(),
        MaxPool2d(2),
        Conv2d(4, 3, 3, stride=2, random_state=1, dtype=f64),
        Sigmoid(),
        Flatten(),
        Linear(3, 6, random_state=2, dtype=f64),
        Tanh(),
        Linear(6, 4, random_state=3, dtype=f64),
        LeakyReLU(0.1),
        Linear(4, 5, random_state=4, dtype=f64),
        Softmax(dim=1),
    )
    ref = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 3, 3, stride=2),
        torch.nn.Sigmoid(),
        torch.nn.Flatten(),
        torch.nn.Linear(3, 6),
        torch.nn.Tanh(),
        torch.nn.Linear(6, 4),
        torch.nn.LeakyReLU(0.1),
        torch.nn.Linear(4, 5),
        torch.nn.Softmax(dim=1),
    ).double()
    theirs = [p for name, p in ref.named_parameters()]
    ours = list(net.parameters())
    with torch.no_grad():
        for a, b in zip(ours, theirs):
            b.copy_(torch.from_numpy(a.value))
    return net, ref, ours, theirs


def test_sequential_matches_torch():
    net, ref, ours, theirs = _pair()
    x = np.random.default_rng(0).standard_normal((3, 1, 8, 8))
    g = np.random.default_rng(1).standard_normal((3, 5))
    tx = torch.from_numpy(x).requires_grad_()
    out = ref(tx)
    out.backward(torch.from_numpy(g))
    np.testing.assert_allclose(
        net.forward(x), out.detach().numpy(), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(net.backward(g), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_avg_pool_layer_matches_torch_and_saves(tmp_path):
    layer = AvgPool2d((3, 2), stride=(2, 1), padding=1, count_include_pad=False)
    ref = torch.nn.AvgPool2d((3, 2), stride=(2, 1), padding=1, count_include_pad=False)
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6))
    tx = torch.from_numpy(x).requires_grad_()
    out = ref(tx)
    g = np.random.default_rng(1).standard_normal(tuple(out.shape))
    out.backward(torch.from_numpy(g))
    np.testing.assert_allclose(layer.forward(x), out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.backward(g), tx.grad.numpy(), rtol=1e-12)
    path = tmp_path / "pool.npz"
    Sequential(layer).save(path)
    assert repr(Sequential.load(path).layers[0]) == repr(layer)
    with pytest.raises(ValueError, match="padding"):
        AvgPool2d(2, padding=2)
    with pytest.raises(TypeError, match="count_include_pad must be bool"):
        AvgPool2d(2, count_include_pad=1)


def test_activation_layers_save_and_load(tmp_path):
    net = Sequential(LeakyReLU(0.3), Tanh(), Softmax(dim=0))
    path = tmp_path / "act.npz"
    net.save(path)
    loaded = Sequential.load(path)
    assert [repr(layer) for layer in loaded.layers] == [
        "LeakyReLU(negative_slope=0.3)",
        "Tanh()",
        "Softmax(dim=0)",
    ]
    x = np.random.default_rng(0).standard_normal((3, 2))
    np.testing.assert_array_equal(loaded.forward(x), net.forward(x))


def test_init_is_reproducible_and_in_torch_bounds():
    a, b = Conv2d(3, 8, 5, random_state=4), Conv2d(3, 8, 5, random_state=4)
    np.testing.assert_array_equal(a.weight.value, b.weight.value)
    assert a.weight.value.dtype == np.float32
    bound = 1 / np.sqrt(3 * 25)
    assert (
        np.abs(a.weight.value).max() <= bound and np.abs(a.bias_.value).max() <= bound
    )
    assert np.abs(a.weight.value).max() > 0.9 * bound


def test_summary_counts_parameters():
    net = Sequential(
        Conv2d(3, 10, 5, random_state=0),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Linear(10 * 2 * 2, 4, random_state=0),
    )
    text = net.summary((3, 8, 8))
    assert "(10, 4, 4)" in text and "(40,)" in text
    assert " 760" in text  # k(F^2 c + 1) = 10 (25*3 + 1)
    assert text.splitlines()[-1].split()[-1] == str(760 + 164)
    with pytest.raises(ValueError, match="input_shape"):
        net.summary(8)


def test_dropout_train_and_eval():
    d = Dropout(0.5, random_state=0)
    x = np.ones((200,))
    out = d.forward(x)
    assert set(np.unique(out)) == {0.0, 2.0}
    assert 0.35 < np.mean(out == 0) < 0.65
    net = Sequential(d).eval()
    np.testing.assert_array_equal(net.forward(x), x)
    np.testing.assert_array_equal(net.backward(x), x)


def test_save_load_round_trip(tmp_path):
    net, _, _, _ = _pair()
    path = tmp_path / "net.npz"
    net.save(path)
    loaded = Sequential.load(path)
    x = np.random.default_rng(0).standard_normal((2, 1, 8, 8))
    np.testing.assert_array_equal(loaded.forward(x), net.forward(x))
    assert [repr(l) for l in loaded.layers] == [repr(l) for l in net.layers]


def _rewrite(path, **changes):
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays.update(changes)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(path, **arrays)


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"param:0.weight": None}, "missing parameter"),
        ({"param:0.weight": np.zeros((4, 1, 2, 2))}, "shape"),
        ({"param:6.bias": np.full(6, np.nan)}, "NaN"),
        (
            {"architecture": np.array(['{"type": "Evil", "config": {}}'])},
            "architecture",
        ),
        ({"format_kind": np.array("other")}, "format_kind"),
        ({"extra": np.zeros(1)}, "unexpected"),
    ],
)
def test_load_rejects_bad_files(tmp_path, changes, message):
    path = tmp_path / "net.npz"
    _pair()[0].save(path)
    _rewrite(path, **changes)
    with pytest.raises(ArchiveError, match=message) as raised:
        Sequential.load(path)
    assert isinstance(raised.value, ValueError) and "net.npz" in str(raised.value)


def test_load_reads_files_written_before_the_archive_module(tmp_path):
    # the layout every version-1 file has: header, architecture, parameters
    net = Sequential(Linear(3, 2, random_state=0), ReLU(), Dropout(0.25))
    arch = [
        '{"type": "Linear", "config": {"in_features": 3, "out_features": 2, '
        '"bias": true, "dtype": "float32"}}',
        '{"type": "ReLU", "config": {}}',
        '{"type": "Dropout", "config": {"p": 0.25}}',
    ]
    path = tmp_path / "old.npz"
    with open(path, "wb") as f:
        np.savez(
            f,
            format_kind=np.array("fastapml.nn.Sequential"),
            format_version=np.array(1),
            architecture=np.array(arch),
            **{f"param:{p.name}": p.value for p in net.parameters()},
        )
    loaded = Sequential.load(path)
    assert [repr(l) for l in loaded.layers] == [repr(l) for l in net.layers]
    for a, b in zip(loaded.parameters(), net.parameters()):
        assert a.name == b.name
        np.testing.assert_array_equal(a.value, b.value)


def test_save_writes_the_version_1_layout(tmp_path):
    path = tmp_path / "net.npz"
    Sequential(Linear(2, 1, random_state=0), ReLU()).save(path)
    with np.load(path) as archive:
        assert sorted(archive.files) == [
            "architecture",
            "format_kind",
            "format_version",
            "param:0.bias",
            "param:0.weight",
        ]
        assert str(archive["format_kind"]) == "fastapml.nn.Sequential"
        assert int(archive["format_version"]) == 1


def test_load_rejects_other_versions(tmp_path):
    path = tmp_path / "net.npz"
    Sequential(ReLU()).save(path)
    _rewrite(path, format_version=np.array(2))
    with pytest.raises(ArchiveError, match="version 2"):
        Sequential.load(path)


def test_load_rejects_garbage_and_pickles(tmp_path):
    path = tmp_path / "bad.npz"
    path.write_bytes(b"not a zip")
    with pytest.raises(ArchiveError, match="not a saved Sequential"):
        Sequential.load(path)
    np.savez(path, architecture=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ArchiveError, match="bad.npz"):
        Sequential.load(path)
    with pytest.raises(FileNotFoundError) as raised:
        Sequential.load(tmp_path / "missing.npz")
    assert isinstance(raised.value, MissingArchiveError)


def test_bad_input():
    with pytest.raises(ValueError, match="in_channels"):
        Conv2d(0, 2, 3)
    with pytest.raises(ValueError, match="stride"):
        Conv2d(1, 2, 3, stride=0)
    with pytest.raises(TypeError, match="bias"):
        Linear(2, 2, bias="yes")
    with pytest.raises(ValueError, match="dtype"):
        Linear(2, 2, dtype=np.int32)
    with pytest.raises(ValueError, match="p"):
        Dropout(1.5)
    with pytest.raises(TypeError, match="layers\\[1\\]"):
        Sequential(ReLU(), "relu")
    with pytest.raises(ValueError, match="channels|input"):
        Conv2d(3, 2, 3).forward(np.zeros((1, 2, 5, 5), np.float32))
    with pytest.raises(RuntimeError, match="before forward"):
        Linear(2, 2).backward(np.zeros((1, 2)))


def test_trains_digits_to_98_percent():
    # the accuracy `fastapml cnn train` must reach with its defaults (10 epochs,
    # seed 0)
    _, history = train_digits(epochs=10, random_state=0)
    assert history["test_accuracy"][-1] >= 0.98
    assert history["loss"][-1] < history["loss"][0]


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("dilation, groups", [(1, 1), (2, 1), (1, 2), (2, 4)])
def test_conv2d_layer_options_match_torch(padding_mode, dilation, groups):
    ours = Conv2d(
        4,
        8,
        3,
        stride=(1, 2),
        padding=(2, 1),
        dilation=dilation,
        groups=groups,
        padding_mode=padding_mode,
        random_state=0,
        dtype=f64,
    )
    ref = torch.nn.Conv2d(
        4,
        8,
        3,
        stride=(1, 2),
        padding=(2, 1),
        dilation=dilation,
        groups=groups,
        padding_mode=padding_mode,
    ).double()
    assert ours.weight.value.shape == tuple(ref.weight.shape)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(ours.weight.value))
        ref.bias.copy_(torch.from_numpy(ours.bias_.value))
    x = np.random.default_rng(0).standard_normal((2, 4, 7, 9))
    tx = torch.from_numpy(x).requires_grad_()
    out = ref(tx)
    g = np.random.default_rng(1).standard_normal(tuple(out.shape))
    out.backward(torch.from_numpy(g))
    tol = {"rtol": 1e-10, "atol": 1e-12}
    np.testing.assert_allclose(ours.forward(x), out.detach().numpy(), **tol)
    np.testing.assert_allclose(ours.backward(g), tx.grad.numpy(), **tol)
    np.testing.assert_allclose(ours.weight.grad, ref.weight.grad.numpy(), **tol)
    np.testing.assert_allclose(ours.bias_.grad, ref.bias.grad.numpy(), **tol)


def test_conv2d_options_save_and_load(tmp_path):
    net = Sequential(
        Conv2d(2, 4, 3, padding=1, dilation=2, groups=2, padding_mode="reflect")
    )
    path = tmp_path / "conv.npz"
    net.save(path)
    loaded = Sequential.load(path)
    assert repr(loaded.layers[0]) == repr(net.layers[0])
    x = np.random.default_rng(0).standard_normal((1, 2, 6, 6)).astype(np.float32)
    np.testing.assert_array_equal(loaded.forward(x), net.forward(x))


@pytest.mark.parametrize(
    "kwargs, x_shape, match",
    [
        ({"groups": 3}, None, "groups=3 must divide"),
        ({"padding_mode": "mirror"}, None, "padding_mode must be one of"),
        ({"padding": 4, "padding_mode": "reflect"}, (1, 2, 4, 8), "smaller than"),
        ({"padding": 5, "padding_mode": "circular"}, (1, 2, 4, 8), "at most"),
    ],
)
def test_conv2d_layer_bad_options(kwargs, x_shape, match):
    with pytest.raises(ValueError, match=match):
        layer = Conv2d(2, 4, 3, **kwargs)
        layer.forward(np.zeros(x_shape, np.float32))
