"""Reading x86-64 assembly from numba's ``inspect_asm`` in codegen tests."""

import re

_LABEL = re.compile(r"^(\.?[\w.$]+):")
_BRANCH = re.compile(r"^\s*j\w+\s+(\.?[\w.$]+)\s*$")
_VECTOR = re.compile(r"%([xyz])mm(\d+)")


def inner_loops(asm, marker):
    """The innermost loops of ``asm`` whose bodies contain ``marker`` (a
    regular expression): lists of instruction lines between a label and a
    backward branch to it, holding no other backward branch."""
    lines = asm.splitlines()
    labels = {}
    loops = []
    for k, line in enumerate(lines):
        label = _LABEL.match(line.strip())
        if label:
            labels[label.group(1)] = k
        branch = _BRANCH.match(line)
        if branch and branch.group(1) in labels:
            loops.append((labels[branch.group(1)], k))
    inner = [
        (a, b)
        for a, b in loops
        if not any(
            a <= c < d < b or a < c < d <= b for c, d in loops if (c, d) != (a, b)
        )
    ]
    bodies = [lines[a : b + 1] for a, b in inner]
    return [body for body in bodies if any(re.search(marker, line) for line in body)]


def vector_widths(lines):
    """The register letters used (``x``, ``y``, ``z``) and the highest
    vector register number in ``lines``."""
    found = [m for line in lines for m in _VECTOR.findall(line)]
    return {kind for kind, _ in found}, max((int(n) for _, n in found), default=-1)


def stack_vector_traffic(asm, lines):
    """Lines of ``lines`` (part of ``asm``) that move a vector register to
    or from the stack: spills and reloads.  The stack is addressed from
    %rsp, or from %rbp where ``asm`` sets it up as the frame pointer (else
    %rbp is an ordinary register)."""
    frame = re.search(r"movq\s+%rsp, %rbp", asm) is not None
    stack = re.compile(r"\(%rsp\)" + (r"|\(%rbp\)" if frame else ""))
    return [line for line in lines if stack.search(line) and _VECTOR.search(line)]


def compiled_asm(pyfunc, argtypes, callees=()):
    """Assembly of a fresh, uncached compile of ``pyfunc`` for ``argtypes``
    with the project's fastmath flags, the jit functions named in
    ``callees`` compiled afresh too (a cached callee may predate the
    intrinsics it was built from).  Compiled only, never run, so any numba
    target can be inspected on any x86-64 CPU."""
    import types

    import numba

    from fastapml._numba import FASTMATH

    def fresh(func):
        scope = dict(func.__globals__)
        scope.update(
            {
                name: fresh(scope[name].py_func)
                for name in callees
                if name in func.__code__.co_names
            }
        )
        return numba.njit(fastmath=set(FASTMATH))(
            types.FunctionType(
                func.__code__, scope, func.__name__, func.__defaults__, func.__closure__
            )
        )

    compiled = fresh(pyfunc)
    compiled.compile(tuple(argtypes))
    return compiled.inspect_asm(compiled.signatures[0])
