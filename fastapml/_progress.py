"""A minimal progress bar on stderr, shown only for long work on a terminal."""

import sys
import time


class Progress:
    """Report ``done / total`` on one stderr line.

    Silent unless stderr is a terminal (or ``force``), and quiet during the
    first ``delay`` seconds so short runs print nothing.

    Examples
    --------
    >>> with Progress(100, "tagging") as bar:
    ...     for _ in range(10):
    ...         bar.update(10)
    """

    def __init__(self, total, label, unit="", delay=0.5, force=False, stream=None):
        self.total = max(int(total), 1)
        self.label = label
        self.unit = unit
        self.delay = delay
        self.stream = sys.stderr if stream is None else stream
        self.enabled = force or self.stream.isatty()
        self.done = 0
        self._start = time.perf_counter()
        self._shown = False

    def update(self, n=1):
        self.done = min(self.total, self.done + n)
        elapsed = time.perf_counter() - self._start
        if self.enabled and elapsed >= self.delay:
            frac = self.done / self.total
            bar = "#" * int(30 * frac)
            rate = self.done / elapsed if elapsed > 0 else 0.0
            self.stream.write(
                f"\r{self.label} [{bar:<30}] {100 * frac:5.1f}% "
                f"{rate:,.0f} {self.unit}/s"
            )
            self.stream.flush()
            self._shown = True

    def fraction(self, done):
        """Show ``done`` (0 to 1) of the total as done."""
        self.update(int(done * self.total) - self.done)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
        return False
