"""Long kernels run as a series of calls of bounded work.

A numba kernel holds the interpreter until it returns: Ctrl-C during a
20-minute call is noticed after 20 minutes.  Wrappers of O(n^2) or
whole-image work therefore split it into consecutive spans of about
:data:`CALL_WORK` units (one unit: about one multiply-add) and call the
kernel once per span; Python then raises ``KeyboardInterrupt`` between two
calls, within a fraction of a second, and reports progress to whoever asked
with :func:`reporting`.  Spans split the work at boundaries that change no
floating-point sum, so the results do not depend on them.
"""

import contextlib
import contextvars

import numpy as np

#: Work per kernel call: about 0.1 to 0.5 s on one 2021 x86-64 core.
CALL_WORK = 1 << 29

_REPORT = contextvars.ContextVar("fastapml_progress", default=None)


def spans(costs, budget=None):
    """Split items 0..n-1 of cost ``costs`` into consecutive spans of about
    ``budget`` total cost each: at least one item, and less than ``budget``
    more than the span's first item.

    Parameters
    ----------
    costs : (n,) array_like of float >= 0
        Each item's work.
    budget : float > 0, optional
        The work of one span; :data:`CALL_WORK` by default.

    Returns
    -------
    list of (int, int)
        ``(start, stop)`` pairs covering 0..n-1 in order; none if n = 0.

    Examples
    --------
    >>> spans([3, 3, 3, 3, 3], budget=6)
    [(0, 2), (2, 4), (4, 5)]
    """
    budget = CALL_WORK if budget is None else budget
    total = np.cumsum(np.asarray(costs, dtype=np.float64))
    if total.size == 0:
        return []
    marks = np.arange(1, int(np.ceil(total[-1] / budget))) * budget
    cuts = np.searchsorted(total, marks, side="right")
    edges = np.unique(np.concatenate(([0], cuts, [total.size])))
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def even_spans(n, item_cost, budget=None, multiple=1):
    """:func:`spans` of ``n`` items that each cost ``item_cost``, every span
    but the last a whole number of ``multiple`` items.

    Parameters
    ----------
    n : int >= 0
        The number of items.
    item_cost : float >= 0
        The work of each.
    budget : float > 0, optional
        The work of one span; :data:`CALL_WORK` by default.
    multiple : int >= 1, default 1
        Spans start at multiples of this many items (at least one).

    Returns
    -------
    list of (int, int)

    Examples
    --------
    >>> even_spans(10, 4, budget=16)
    [(0, 4), (4, 8), (8, 10)]
    """
    budget = CALL_WORK if budget is None else budget
    step = multiple * max(1, int(budget // (max(item_cost, 1) * multiple)))
    return [(a, min(a + step, n)) for a in range(0, n, step)]


def run(call, parts):
    """``call(start, stop)`` for each span of ``parts``, in order, reporting
    the fraction done after each to the :func:`reporting` callback.

    Parameters
    ----------
    call : callable
        ``call(start, stop)`` does the work of items ``start:stop``.
    parts : list of (int, int)
        From :func:`spans` or :func:`even_spans`.

    Examples
    --------
    >>> done = []
    >>> run(lambda a, b: done.append(b - a), even_spans(5, 1, budget=2))
    >>> done
    [2, 2, 1]
    """
    report = _REPORT.get()
    for k, (start, stop) in enumerate(parts):
        call(start, stop)
        if report is not None:
            report((k + 1) / len(parts))


@contextlib.contextmanager
def reporting(callback):
    """Within the block, chunked kernels call ``callback(fraction_done)``
    after each call (fraction in (0, 1]; it restarts from 0 with each new
    chunked computation).

    Parameters
    ----------
    callback : callable
        Takes one float.

    Examples
    --------
    >>> seen = []
    >>> with reporting(seen.append):
    ...     run(lambda a, b: None, [(0, 1), (1, 2)])
    >>> seen
    [0.5, 1.0]
    """
    token = _REPORT.set(callback)
    try:
        yield
    finally:
        _REPORT.reset(token)
