"""``fastapml cnn train``: a small CNN on scikit-learn's 8x8 digits, and the
CNN part of ``fastapml demo``."""

import time

from .._progress import Progress
from ._common import add_json_option, print_json


def add_parser(subparsers):
    """Add ``cnn`` and its ``train`` subcommand."""
    cnn = subparsers.add_parser("cnn", help="convolutional networks (fastapml.nn)")
    sub = cnn.add_subparsers(dest="cnn_command", required=True)
    p = sub.add_parser(
        "train",
        help="train a small CNN on scikit-learn's 8x8 digits and print test accuracy",
    )
    p.add_argument("--epochs", type=int, default=10, help="default 10")
    p.add_argument("--batch-size", type=int, default=32, help="default 32")
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="initialization and shuffling seed (default 0)",
    )
    p.add_argument("-o", "--output", help="write the trained model (.npz)")
    add_json_option(
        p,
        "epochs, batch_size, seed, loss, train_accuracy, test_accuracy, "
        "samples_per_s (lists, one value per epoch), seconds, output",
    )
    p.set_defaults(func=train, output_paths=(("-o", "output"),))


def _train(epochs, batch_size, seed):
    """Train the digits CNN with a progress bar per epoch; (model, history)."""
    from ..nn.training import train_digits

    bars = {}

    def report(epoch, seen, total, loss, acc):
        if epoch not in bars:
            bars[epoch] = Progress(total, "", unit="samples").__enter__()
        bar = bars[epoch]
        bar.label = f"epoch {epoch}/{epochs} loss {loss:.4f} acc {acc:.3f}"
        bar.update(seen - bar.done)
        if seen == total:
            bar.__exit__(None, None, None)

    return train_digits(
        epochs=epochs, batch_size=batch_size, random_state=seed, progress=report
    )


def train(args):
    """``cnn train``: train, report each epoch and the test accuracy, save."""
    if args.epochs < 1 or args.batch_size < 1:
        raise ValueError("--epochs and --batch-size must be >= 1")
    start = time.perf_counter()
    model, history = _train(args.epochs, args.batch_size, args.seed)
    seconds = time.perf_counter() - start
    if args.output:
        model.save(args.output)
    if args.json:
        print_json(
            {
                "epochs": args.epochs,
                "batch_size": args.batch_size,
                "seed": args.seed,
                **history,
                "seconds": seconds,
                "output": args.output,
            }
        )
        return 0
    columns = ("loss", "train_accuracy", "test_accuracy", "samples_per_s")
    for i, values in enumerate(zip(*(history[k] for k in columns)), 1):
        print(
            "epoch {:3d}  loss {:.4f}  train acc {:.3f}  test acc {:.3f}  "
            "{:,.0f} samples/s".format(i, *values)
        )
    print(
        f"test accuracy: {100 * history['test_accuracy'][-1]:.2f}% "
        f"({args.epochs} epochs, {seconds:.1f} s)"
    )
    if args.output:
        print(f"model written to {args.output}")
    return 0


def demo(seed):
    """Two epochs of the digits CNN.

    Returns
    -------
    dict
        The training history of :func:`fastapml.nn.training.train_digits`.
    """
    print("\nCNN on scikit-learn's 8x8 digits (fastapml.nn, 2 epochs)")
    _, history = _train(2, 32, seed)
    print(
        f"test accuracy {100 * history['test_accuracy'][-1]:.1f}% "
        f"({history['samples_per_s'][-1]:,.0f} samples/s)"
    )
    return history
