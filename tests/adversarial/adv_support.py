"""What the adversarial tests hold every public entry point to.

The contract (DESIGN notes, ``fastapml/_validation.py``): bad input raises a
``ValueError`` or ``TypeError`` (or a documented subclass) whose message names
the argument and the problem.  Never a crash, a hang, a silent NaN, or one of
the exceptions in :data:`FORBIDDEN` (an internal error leaking out).  Valid
but extreme input gives a result without NaN, or such a clear error.

The helpers here run a call once, with warnings silenced and an alarm
against hangs, and judge what came out.  ``tests/`` is not a package: the
test modules import this one by name, as ``tests/nn`` imports
``torch_parity``.
"""

import contextlib
import os
import pickle
import re
import select
import signal
import threading
import time
import warnings

import numpy as np
import scipy.sparse as sp

#: Seconds a single call may take before it counts as a hang.
HANG_SECONDS = 20

#: Internal errors that must never reach a caller, whatever the input.
#: ``UnicodeDecodeError`` and ``numpy.linalg.LinAlgError`` are ValueErrors,
#: so they are refused by name; numba's ``TypingError`` is looked up lazily.
FORBIDDEN = (
    SystemError,
    NotImplementedError,
    ZeroDivisionError,
    IndexError,
    KeyError,
    AttributeError,
    UnicodeError,
    RecursionError,
    MemoryError,
    AssertionError,
    OverflowError,
    FloatingPointError,
    np.linalg.LinAlgError,
)


class Hang(BaseException):
    """Raised by the alarm when a call runs past :data:`HANG_SECONDS`."""


@contextlib.contextmanager
def alarm(seconds=HANG_SECONDS):
    """Raise :class:`Hang` in the main thread after ``seconds``."""

    def ring(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(call, isolate=False):
    """``("ok", result)`` or ``("error", exception)`` of ``call()``; or
    ``("hang", message)``, and with ``isolate`` ``("crash", message)``."""
    if isolate:
        return run_forked(call)
    with alarm(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "ok", call()
        except Exception as err:  # judged by the caller
            return "error", err
        except Hang as err:
            return "hang", str(err)


class Unpicklable(Exception):
    """Stands for an exception of the child that could not be sent back."""


def _in_thread(call):
    """``call()`` in a thread of its own (so that fastapml runs its serial
    kernels, not numba's thread pool, which a forked child does not have)."""
    box = []

    def work():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                box.append(("ok", call()))
            except Exception as err:
                box.append(("error", err))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(HANG_SECONDS)
    return box[0] if box else ("hang", f"still running after {HANG_SECONDS} s")


def _send(fd, outcome):
    try:
        data = pickle.dumps(outcome)
    except Exception:
        kind, value = outcome
        value = Unpicklable(describe(value) if kind == "error" else summary(value))
        data = pickle.dumps((kind if kind == "error" else "unpicklable", value))
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def run_forked(call):
    """:func:`run` in a forked child, so that a crash (an out-of-bounds access
    in a kernel) fails the test instead of killing the test session."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 0
        try:
            os.close(read_fd)
            _send(write_fd, _in_thread(call))
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    chunks = []
    deadline = time.monotonic() + HANG_SECONDS + 5
    with os.fdopen(read_fd, "rb") as f:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([f], [], [], 0.5)
            if ready:
                chunk = f.read1(1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
        else:
            os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        sig = signal.Signals(os.WTERMSIG(status)).name
        return "crash", f"the process was killed by {sig}"
    if not chunks:
        return "crash", f"the child exited with status {os.WEXITSTATUS(status)}"
    return pickle.loads(b"".join(chunks))


def describe(err):
    return f"{type(err).__module__}.{type(err).__qualname__}: {err}"


def is_forbidden(err):
    if isinstance(err, FORBIDDEN):
        return True
    names = {cls.__name__ for cls in type(err).__mro__}
    return bool(names & {"TypingError", "NumbaError", "LoweringError"})


def names_any(message, names):
    """Whether ``message`` names one of ``names`` (as a whole word)."""
    return any(
        re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", message) for name in names
    )


PROBLEMS = {
    "nan": r"nan|finite",
    "inf": r"inf|finite",
    "dtype": r"dtype|numeric|real|complex|float|integer|int\b|str|type|bool|object",
    "object": r"dtype|numeric|object|type|nan|none",
    "shape": r"-D|\bD\b|dim|shape|matrix|vector|square|rows|columns|length|size"
    r"|array-like|scalar|broadcast",
}


def check_error(
    err, names, problem=None, types=(ValueError, TypeError), memory_ok=False
):
    """Assert ``err`` is a clear error: of ``types``, not forbidden, its
    message naming one of ``names`` and matching the ``problem`` pattern.
    With ``memory_ok`` (for valid but huge input), an up-front refusal
    that names the memory the work would need is clear too."""
    text = str(err)
    assert not is_forbidden(err), f"internal error leaked: {describe(err)}"
    assert isinstance(err, types), (
        f"expected {'/'.join(t.__name__ for t in types)}, got {describe(err)}"
    )
    if memory_ok and isinstance(err, ValueError) and re.search(r"\bmemory\b", text):
        return
    assert names_any(text, names), (
        f"message does not name {' or '.join(map(repr, names))}: {describe(err)}"
    )
    if problem is not None:
        pattern = PROBLEMS.get(problem, problem)
        assert re.search(pattern, text, re.I), (
            f"message does not say the problem ({problem}): {describe(err)}"
        )


def numeric_leaves(obj, depth=0):
    """Every float array (or scalar) reachable in a result: arrays, numbers,
    containers, sparse matrices, and the public attributes of objects (a
    fitted estimator's ``*_`` arrays, a layer's parameters)."""
    if depth > 4 or obj is None or isinstance(obj, (str, bytes, bool, type)):
        return
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fc":
            yield obj
        elif obj.dtype == object:
            for item in obj.ravel()[:1000]:
                yield from numeric_leaves(item, depth + 1)
    elif isinstance(obj, (float, complex, np.floating, np.complexfloating)):
        yield np.asarray(obj)
    elif isinstance(obj, (int, np.integer)):
        return
    elif sp.issparse(obj):
        yield from numeric_leaves(obj.data, depth + 1)
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from numeric_leaves(value, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for value in obj[:1000]:
            yield from numeric_leaves(value, depth + 1)
    elif hasattr(obj, "__dict__") and not callable(obj) or _is_estimator(obj):
        for key, value in sorted(vars(obj).items()):
            if not key.startswith("_"):
                yield from numeric_leaves(value, depth + 1)


def _is_estimator(obj):
    return hasattr(obj, "get_params") and hasattr(obj, "__dict__")


def nan_free(result):
    """Assert no NaN anywhere in ``result``."""
    for leaf in numeric_leaves(result):
        values = np.asarray(leaf)
        if values.dtype.kind == "c":
            values = values.view(values.real.dtype)
        assert not np.isnan(values).any(), f"silent NaN in the result: {leaf!r}"[:600]


def same_result(got, expected, rtol=1e-9):
    """Assert two results hold the same numbers (and the same integer arrays)."""
    got_leaves = list(_all_leaves(got))
    want_leaves = list(_all_leaves(expected))
    assert len(got_leaves) == len(want_leaves), "results differ in structure"
    for a, b in zip(got_leaves, want_leaves):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12, equal_nan=True)
        else:
            np.testing.assert_array_equal(a, b)


def _all_leaves(obj, depth=0):
    """Like :func:`numeric_leaves`, with integer arrays, strings and scalars."""
    if depth > 4:
        return
    if isinstance(obj, np.ndarray) and obj.dtype != object:
        yield obj
    elif isinstance(obj, (str, bytes, bool, int, float, np.generic)):
        yield obj
    elif sp.issparse(obj):
        yield obj.toarray()
    elif isinstance(obj, dict):
        for key in sorted(obj, key=str):
            yield from _all_leaves(obj[key], depth + 1)
    elif isinstance(obj, (list, tuple)) or (
        isinstance(obj, np.ndarray) and obj.dtype == object
    ):
        for value in obj:
            yield from _all_leaves(value, depth + 1)
    elif hasattr(obj, "__dict__") and not callable(obj) or _is_estimator(obj):
        for key, value in sorted(vars(obj).items()):
            if not key.startswith("_") and not callable(value):
                yield from _all_leaves(value, depth + 1)


def summary(value, limit=300):
    """A short text of a value, for failure messages."""
    if isinstance(value, np.ndarray):
        text = f"ndarray(shape={value.shape}, dtype={value.dtype}, {value!r})"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# ----------------------------------------------------------------------
# the three verdicts
# ----------------------------------------------------------------------
def _finished(kind, value):
    assert kind not in ("hang", "crash"), f"{kind}: {value}"


def rejects(call, names, problem=None, types=(ValueError, TypeError), isolate=False):
    """``call()`` must raise a clear error naming one of ``names``."""
    kind, value = run(call, isolate)
    _finished(kind, value)
    assert kind == "error", f"bad input accepted; returned {summary(value)}"
    check_error(value, names, problem, types)
    return value


def clean_or_rejects(call, names, types=(ValueError, TypeError), isolate=False):
    """``call()`` returns a NaN-free result or raises a clear error naming
    one of ``names``."""
    kind, value = run(call, isolate)
    _finished(kind, value)
    if kind == "error":
        check_error(value, names, None, types, memory_ok=True)
    else:
        nan_free(value)
    return kind, value


def succeeds(call, isolate=False):
    """``call()`` returns (NaN-free): for inputs that are valid."""
    kind, value = run(call, isolate)
    _finished(kind, value)
    if kind == "error":
        raise AssertionError(f"valid input refused: {describe(value)}") from value
    nan_free(value)
    return value


# ----------------------------------------------------------------------
# the corruptions of one array argument
# ----------------------------------------------------------------------
F32_MAX = float(np.finfo(np.float32).max)


def _with(arr, value, dtype=None):
    out = np.array(arr, dtype=dtype if dtype is not None else np.result_type(arr, 0.0))
    if out.size:
        out.flat[0] = value
    return out


def _signed(arr):
    """The array's own signed integer dtype (so that the corrupted array is
    no new numba specialization), else int64."""
    dtype = np.asarray(arr).dtype
    return dtype if dtype.kind == "i" else np.dtype(np.int64)


def _object_with_none(arr):
    out = np.array(arr, dtype=object)
    if out.size:
        out.flat[0] = None
    return out


def _strided(arr):
    """The same values in a non-contiguous view (every other element of a
    twice-as-wide buffer)."""
    arr = np.asarray(arr)
    if arr.ndim == 0:
        return arr
    wide = np.zeros(arr.shape[:-1] + (2 * arr.shape[-1],), dtype=arr.dtype)
    wide[..., ::2] = arr
    view = wide[..., ::2]
    assert not view.flags.c_contiguous or arr.shape[-1] <= 1
    return view


def _big_endian(arr):
    arr = np.asarray(arr)
    return arr.astype(arr.dtype.newbyteorder(">")) if arr.dtype.kind in "biuf" else arr


def _read_only(arr):
    out = np.array(arr)
    out.setflags(write=False)
    return out


def _empty(arr):
    arr = np.asarray(arr)
    if arr.ndim == 0:
        return np.zeros(0, dtype=arr.dtype)
    return np.zeros((0,) + arr.shape[1:], dtype=arr.dtype)


def _fewer_dims(arr):
    arr = np.asarray(arr)
    return arr[0] if arr.ndim else arr.reshape(1, 1)


#: name -> how to corrupt a float array
FLOAT_CORRUPTIONS = {
    "nan": lambda a: _with(a, np.nan),
    "+inf": lambda a: _with(a, np.inf),
    "-inf": lambda a: _with(a, -np.inf),
    "huge": lambda a: _with(a, 1e300),
    "-huge": lambda a: _with(a, -1e300),
    "f32max": lambda a: np.full(np.shape(a), F32_MAX, dtype=np.float32),
    "object": _object_with_none,
    "str": lambda a: np.full(np.shape(a), "a"),
    "complex": lambda a: np.asarray(a) + 1j,
    "bool": lambda a: np.asarray(a) != 0,
    "int": lambda a: np.rint(a).astype(np.int64),
    "float32": lambda a: np.asarray(a, dtype=np.float32),
    "more-dims": lambda a: np.asarray(a)[None],
    "fewer-dims": _fewer_dims,
    "empty": _empty,
}
#: name -> how to corrupt an integer array
INT_CORRUPTIONS = {
    "nan": lambda a: _with(a, np.nan, np.float64),
    "+inf": lambda a: _with(a, np.inf, np.float64),
    "fraction": lambda a: np.asarray(a) + 0.5,
    "negative": lambda a: _with(a, -1, _signed(a)),
    "huge": lambda a: _with(a, np.iinfo(_signed(a)).max, _signed(a)),
    "uint64-max": lambda a: _with(np.abs(a), 2**64 - 1, np.uint64),
    "object": _object_with_none,
    "str": lambda a: np.full(np.shape(a), "a"),
    "complex": lambda a: np.asarray(a) + 1j,
    "bool": lambda a: np.asarray(a) != 0,
    "more-dims": lambda a: np.asarray(a)[None],
    "fewer-dims": _fewer_dims,
    "empty": _empty,
}
#: name -> the same values in another layout: the result must not change
LAYOUTS = {
    "list": lambda a: np.asarray(a).tolist(),
    "strided": _strided,
    "big-endian": _big_endian,
    "fortran": lambda a: np.asfortranarray(a),
    "read-only": _read_only,
}


#: The arguments tried read-only: a read-only array reaches the kernels as
#: it is, and each is a new numba specialization, compiled (seconds) the
#: first time it is seen on a machine; these few stand for the rest, so that
#: a first run on a fresh cache stays short.
READ_ONLY = {
    ("viterbi", "log_emit"),
    ("F.conv2d_backward", "grad_output"),
    ("Conv2d.backward", "grad_output"),
    ("log_prob_resp", "X"),
    ("extract_patches", "image"),
    ("SGD.step", "grad"),
}


def layouts(kind, where=None):
    """The layout changes that apply to an argument of ``kind`` (integer
    arguments may also come as int32); ``where`` is ``(entry id, argument)``,
    tried read-only if it is in :data:`READ_ONLY`."""
    out = dict(LAYOUTS)
    if where not in READ_ONLY:
        del out["read-only"]
    if kind == "int":
        out["int32"] = lambda a: np.asarray(a, dtype=np.int32)
    return out


#: corruptions whose error may name the other argument of a mismatch
SHAPE_CORRUPTIONS = ("more-dims", "fewer-dims", "empty")


def expectation(kind, corruption, *, neg_inf=False, any_ndim=False, labels=False):
    """What a corrupted argument must give: ``("reject", problem)``,
    ``("clean", None)`` (a NaN-free result or a clear error)."""
    if corruption in ("huge", "-huge", "f32max", "bool", "int", "float32", "empty"):
        if kind == "float" or corruption in ("bool", "empty"):
            return "clean", None
    if labels and corruption not in SHAPE_CORRUPTIONS:
        return "clean", None  # any values may be labels
    if corruption in ("more-dims", "fewer-dims"):
        return ("clean", None) if any_ndim else ("reject", "shape")
    if corruption == "-inf" and neg_inf:
        return "clean", None
    problem = {
        "nan": "nan" if kind == "float" else "dtype",
        "+inf": "inf" if kind == "float" else "dtype",
        "-inf": "inf",
        "object": "object",
        "str": "dtype",
        "complex": "dtype",
        "fraction": "dtype",
    }.get(corruption)
    return "reject", problem


# ----------------------------------------------------------------------
# many calls in one forked child
# ----------------------------------------------------------------------
def _limit_memory(extra=8 * 2**30):
    """Cap the address space of this (child) process a few GiB above its
    size, so that a runaway allocation fails instead of swapping."""
    import resource

    with open("/proc/self/statm") as f:
        size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (size + extra, size + extra))


def _judged(outcome):
    """An outcome the parent can unpickle: results are reduced to whether
    they hold NaN (the only thing the batch verdicts need)."""
    kind, value = outcome
    if kind != "ok":
        return kind, value
    try:
        nan_free(value)
    except AssertionError as err:
        return "nan", str(err)
    return "ok", summary(value, 120)


def run_batch(calls, workers=1):
    """``{key: outcome}`` of ``calls`` (``{key: callable}``), run one after
    another in forked children (``workers`` at a time, each with its share):
    a crash or a hang is that call's outcome, and a new child goes on from
    the call after it.  Outcomes are those of :func:`run`, except that a
    NaN-free result is ``("ok", text)`` and one with NaN ``("nan", text)``."""
    keys = list(calls)
    shares = [keys[i::workers] for i in range(workers)]
    outcomes = {}
    children = {}  # pid -> (its share, its pipe, outcomes read so far)
    while True:
        for share in shares:
            todo = [k for k in share if k not in outcomes]
            if todo and not any(c[0] is share for c in children.values()):
                pid, pipe = _batch_child(calls, todo)
                children[pid] = (share, todo, pipe)
        if not children:
            return outcomes
        pid = next(iter(children))
        share, todo, pipe = children.pop(pid)
        done = 0
        with pipe:
            while True:
                head = pipe.read(8)
                if len(head) < 8:
                    break
                i, outcome = pickle.loads(pipe.read(int.from_bytes(head, "little")))
                outcomes[todo[i]] = outcome
                done = i + 1
        _, status = os.waitpid(pid, 0)
        crashed = os.WIFSIGNALED(status) or os.WEXITSTATUS(status) != 0
        if crashed and done < len(todo):  # else it stopped after a hang
            if os.WIFSIGNALED(status):
                sig = signal.Signals(os.WTERMSIG(status)).name
                why = f"the process was killed by {sig}"
            else:
                why = f"the child exited with status {os.WEXITSTATUS(status)}"
            outcomes[todo[done]] = ("crash", why)


def _batch_child(calls, todo):
    """Fork a child that runs ``calls[k]`` for k in ``todo`` and writes each
    ``(index, outcome)`` to a pipe as it goes; return its pid and the pipe."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            os.close(read_fd)
            _limit_memory()
            with os.fdopen(write_fd, "wb") as out:
                for i, key in enumerate(todo):
                    outcome = _judged(_in_thread(calls[key]))
                    try:
                        data = pickle.dumps((i, outcome))
                    except Exception:
                        kind, value = outcome
                        data = pickle.dumps((i, (kind, Unpicklable(describe(value)))))
                    out.write(len(data).to_bytes(8, "little") + data)
                    out.flush()
                    if outcome[0] == "hang":
                        break  # its thread still runs: start afresh
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_fd)
    return pid, os.fdopen(read_fd, "rb")


def judge(outcome, verdict, names=(), problem=None, types=(ValueError, TypeError)):
    """Apply a verdict (``"reject"`` or ``"clean"``) to an outcome of
    :func:`run_batch`."""
    kind, value = outcome
    _finished(kind, value)
    assert kind != "nan", value
    if kind == "error":
        check_error(value, names, problem, types, memory_ok=verdict == "clean")
    else:
        assert verdict != "reject", f"bad input accepted; returned {value}"


def expect_all(checks):
    """Run every check (``{label: callable}``, each asserting), then fail
    once listing each label whose check failed, with why."""
    failures = []
    for label, check in checks.items():
        try:
            check()
        except AssertionError as err:
            why = str(err).split("\nassert ")[0]  # less pytest's explanation
            failures.append(f"[{label}] {' '.join(why.split())[:700]}")
    assert not failures, "\n".join(failures)
