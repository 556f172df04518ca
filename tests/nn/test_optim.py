import numpy as np
import pytest
import torch

from fastapml.nn import Parameter
from fastapml.nn.optim import SGD, Adam, AdamW


def _trajectories(ours_cls, theirs_cls, steps=5, **kwargs):
    rng = np.random.default_rng(0)
    init = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    grads = [[rng.standard_normal(w.shape) for w in init] for _ in range(steps)]
    ours = [Parameter(f"p{i}", w.copy()) for i, w in enumerate(init)]
    theirs = [torch.nn.Parameter(torch.from_numpy(w.copy())) for w in init]
    opt, ref = ours_cls(ours, **kwargs), theirs_cls(theirs, **kwargs)
    for step in grads:
        opt.zero_grad()
        ref.zero_grad()
        for p, t, g in zip(ours, theirs, step):
            p.grad[...] = g
            t.grad = torch.from_numpy(g.copy())
        opt.step()
        ref.step()
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.value, t.detach().numpy(), rtol=1e-6, atol=1e-12)
        assert not np.allclose(p.value, init[int(p.name[1])])


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(lr=0.1),
        dict(lr=0.05, momentum=0.9),
        dict(lr=0.05, momentum=0.8, nesterov=True),
        dict(lr=0.05, momentum=0.9, dampening=0.3),
        dict(lr=0.05, weight_decay=0.1),
        dict(lr=0.05, momentum=0.9, dampening=0.5, weight_decay=0.2),
        dict(lr=0.05, momentum=0.8, weight_decay=0.2, nesterov=True),
    ],
)
def test_sgd_matches_torch(kwargs):
    _trajectories(SGD, torch.optim.SGD, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(lr=0.1, betas=(0.5, 0.9), eps=1e-6),
        dict(lr=0.1, weight_decay=0.3),
    ],
)
def test_adam_matches_torch(kwargs):
    _trajectories(Adam, torch.optim.Adam, **kwargs)


@pytest.mark.parametrize("kwargs", [dict(), dict(lr=0.1, weight_decay=0.3)])
def test_adamw_matches_torch(kwargs):
    _trajectories(AdamW, torch.optim.AdamW, **kwargs)


def test_adamw_decouples_what_adam_adds_to_the_gradient():
    """With no gradient but the decay: Adam normalizes the L2 term, so each
    step moves w by about lr; AdamW shrinks w by the factor 1 - lr wd."""
    runs = []
    for cls in (Adam, AdamW):
        p = Parameter("w", np.array([3.0]))
        opt = cls([p], lr=0.1, weight_decay=0.5)
        for _ in range(3):
            p.grad[:] = 0.0
            opt.step()
        runs.append(p.value[0])
    np.testing.assert_allclose(runs[1], 3.0 * (1 - 0.05) ** 3)
    assert abs(runs[0] - (3.0 - 3 * 0.1)) < 0.01


def test_sgd_momentum_is_the_classical_update():
    p = Parameter("w", np.array([0.0]))
    opt = SGD([p], lr=0.5, momentum=0.5)
    p.grad[:] = 1.0
    opt.step()  # v = -0.5, w = -0.5
    opt.step()  # v = 0.5 * -0.5 - 0.5 = -0.75, w = -1.25
    np.testing.assert_allclose(p.value, [-1.25])
    opt.zero_grad()
    assert p.grad[0] == 0


def test_bad_input():
    p = Parameter("w", np.zeros(2))
    with pytest.raises(ValueError, match="lr"):
        SGD([p], lr=0)
    with pytest.raises(ValueError, match="momentum"):
        SGD([p], lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="nesterov"):
        SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="dampening 0"):
        SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match="dampening must be <= 1"):
        SGD([p], lr=0.1, momentum=0.9, dampening=2)
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        AdamW([p], weight_decay=-1)
    with pytest.raises(ValueError, match="parameters"):
        Adam([])
    with pytest.raises(TypeError, match="parameters\\[0\\]"):
        Adam([np.zeros(2)])
    with pytest.raises(ValueError, match="betas"):
        Adam([p], betas=(0.9,))
    with pytest.raises(ValueError, match="eps"):
        Adam([p], eps=0)
