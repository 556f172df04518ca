"""The digits CNN trained by fastapml.nn and by PyTorch, same network, one process.

    python -m bench.compare.training                 # 10 epochs, seed 0
    python -m bench.compare.training --epochs 3 --repeat 1

Both train :func:`fastapml.nn.training.digits_cnn` (Conv(1->16, 3x3, pad
1)-ReLU-MaxPool(2)-Conv(16->32)-ReLU-MaxPool(2)-Linear(128->10)) on
scikit-learn's 8x8 digits in float32 with cross-entropy and Adam (lr 2e-2,
x0.7 per epoch, batches of 32), from the same initial weights, over the same
shuffled batches, and measure test accuracy after every epoch, as
:func:`fastapml.nn.training.train_digits` does.  PyTorch runs with
torch.set_num_threads(2).

"first call" is a one-epoch run before the timed ones (numba's compile or
cache load for fastapml); "steady" is the best of ``--repeat`` full runs.
Ratio is PyTorch's steady time / fastapml's (> 1: fastapml is faster).
Parity compares the final test accuracies and the largest difference of
the trained weights.  The script reports; it asserts nothing.
"""

import argparse
import time

import numpy as np

from ._common import fmt_time, machine, run_for_target, run_script, target_option

if __name__ == "__main__":
    run_for_target()

import torch  # noqa: E402

from fastapml.nn.training import (
    digits_cnn,
    load_digits_split,  # noqa: E402
    train_digits,
)

TORCH_THREADS = 2
LR, LR_DECAY, BATCH = 2e-2, 0.7, 32


def torch_twin(model):
    """The PyTorch network with ``model``'s (fastapml) weights."""
    layers = [
        torch.nn.Conv2d(1, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(128, 10),
    ]
    net = torch.nn.Sequential(*layers)
    ours = [p.value for p in model.parameters()]
    with torch.no_grad():
        for p, value in zip(net.parameters(), ours):
            p.copy_(torch.from_numpy(value))
    return net


def train_torch(epochs, seed):
    """:func:`train_digits` step for step in PyTorch; returns (net, test accuracies)."""
    X_train, X_test, y_train, y_test = load_digits_split()
    rng = np.random.default_rng(seed)
    net = torch_twin(digits_cnn(rng))
    optimizer = torch.optim.Adam(net.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(X_train), torch.from_numpy(y_train)
    x_test = torch.from_numpy(X_test)
    accuracies = []
    for epoch in range(1, epochs + 1):
        net.train()
        for group in optimizer.param_groups:
            group["lr"] = LR * LR_DECAY ** (epoch - 1)
        order = torch.from_numpy(rng.permutation(len(X_train)))
        for i in range(0, len(X_train), BATCH):
            idx = order[i : i + BATCH]
            optimizer.zero_grad()
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()
        net.eval()
        with torch.no_grad():
            pred = net(x_test).argmax(dim=1).numpy()
        accuracies.append(float(np.mean(pred == y_test)))
    return net, accuracies


def train_ours(epochs, seed):
    model, history = train_digits(
        epochs=epochs, batch_size=BATCH, lr=LR, lr_decay=LR_DECAY, random_state=seed
    )
    return model, history["test_accuracy"]


def timed(func, *args):
    start = time.perf_counter()
    result = func(*args)
    return time.perf_counter() - start, result


def main(argv=None):
    p = argparse.ArgumentParser(
        prog=f"python -m {__spec__.name}", description=__doc__.split("\n")[0]
    )
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeat", type=int, default=2, help="timed full runs of each")
    args = target_option(p).parse_args(argv)
    torch.set_num_threads(TORCH_THREADS)
    rows = {}
    for name, func in (("fastapml", train_ours), ("pytorch", train_torch)):
        first, _ = timed(func, 1, args.seed)
        runs = [timed(func, args.epochs, args.seed) for _ in range(args.repeat)]
        best = min(t for t, _ in runs)
        rows[name] = (first, best, runs[-1][1])
    (_, ours_t, (model, ours_acc)) = rows["fastapml"]
    (_, torch_t, (net, torch_acc)) = rows["pytorch"]
    weights = max(
        float(np.abs(p.value - t.detach().numpy()).max())
        for p, t in zip(model.parameters(), net.parameters())
    )
    print(f"bench.compare.training on {machine()}")
    print(
        f"torch {torch.__version__} ({torch.get_num_threads()} threads); "
        f"digits CNN, {args.epochs} epochs, batch {BATCH}, Adam lr {LR} "
        f"x{LR_DECAY}/epoch, seed {args.seed}, float32\n"
    )
    print(
        f"{'library':<10} {'first call (1 epoch)':>21} {'steady':>10} "
        f"{'ratio':>6} {'test accuracy':>14}"
    )
    for name, (first, best, (_, acc)) in rows.items():
        ratio = torch_t / best
        print(
            f"{name:<10} {fmt_time(first):>21} {fmt_time(best):>10} "
            f"{ratio:>5.2f}x {100 * acc[-1]:>13.2f}%"
        )
    print(
        f"\nparity: test accuracy per epoch, fastapml "
        f"{[round(100 * a, 2) for a in ours_acc]}, pytorch "
        f"{[round(100 * a, 2) for a in torch_acc]}; largest weight difference "
        f"after training {weights:.1e}"
    )
    print(
        "target: training digits for 10 epochs no slower than the same network "
        "in PyTorch (ratio >= 1.00x)"
    )


if __name__ == "__main__":
    run_script(main)
