"""The vector ISA that numba compiles for: the one place that decides it.

Every explicit-SIMD kernel (:mod:`fastapml._simd`, :mod:`fastapml.nn._microkernel`)
sizes its vectors and register tiles from :data:`TARGET`:

- ``vector_bytes``: the widest vector the target executes natively (64 on
  AVX-512, 32 on AVX/AVX2, 16 on SSE2 baseline x86-64 and on aarch64 NEON);
- ``registers``: how many such vector registers it has (32 on AVX-512 and
  NEON, 16 on AVX2 and SSE2).

The target is the one numba's own code generator uses: ``NUMBA_CPU_NAME`` /
``NUMBA_CPU_FEATURES`` when set, the host CPU otherwise.  Rather than keep a
table of CPU names, the width is asked of LLVM itself: a 64-byte vector add
is compiled for that target, and the number of add instructions it becomes
gives the native width (1 on AVX-512, 2 on AVX2, 4 on SSE2 or NEON).

Numba's on-disk cache keys every compiled function by the same (triple, CPU
name, CPU features) tuple (``codegen.magic_tuple()``), and everything here is
a function of that tuple, so the cache never serves code built with one
vector width to a target with another (tested in ``tests/test_isa.py``).

To compile for another target than the host (for instance AVX2 code on an
AVX-512 machine), set both variables before numba is imported; see
:func:`numba_environment`.

Example
-------
>>> from fastapml._isa import TARGET
>>> TARGET.vector_bytes in (16, 32, 64) and TARGET.registers in (16, 32)
True
"""

import functools
import re
from dataclasses import dataclass

#: Named targets for benchmarks and tests: the numba environment of each
#: (``NUMBA_CPU_FEATURES`` empty means the named CPU's own features).
NAMED_TARGETS = {
    "host": {},
    "haswell": {"NUMBA_CPU_NAME": "haswell", "NUMBA_CPU_FEATURES": ""},
    "x86-64": {"NUMBA_CPU_NAME": "x86-64", "NUMBA_CPU_FEATURES": ""},
    "skylake-avx512": {"NUMBA_CPU_NAME": "skylake-avx512", "NUMBA_CPU_FEATURES": ""},
}


def numba_environment(name):
    """Environment variables that make numba compile for target ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`NAMED_TARGETS`: ``"host"`` (no override),
        ``"haswell"`` (AVX2 + FMA), ``"x86-64"`` (SSE2 baseline) or
        ``"skylake-avx512"`` (AVX-512; runs only on such a CPU).

    Returns
    -------
    dict
        Variables to set in a fresh process's environment (numba reads them
        once, at import).  For ``"host"`` both are removed by the caller.
    """
    if name not in NAMED_TARGETS:
        raise ValueError(
            f"target must be one of {', '.join(NAMED_TARGETS)}, got {name!r}"
        )
    return dict(NAMED_TARGETS[name])


@dataclass(frozen=True)
class Target:
    """What numba compiles for.

    Attributes
    ----------
    triple, cpu, features : str
        Numba's code-generation key (``codegen.magic_tuple()``); ``features``
        empty means the CPU's own.
    isa : str
        A name for people: ``"AVX-512"``, ``"AVX2"``, ``"AVX"``, ``"SSE2"``,
        ``"NEON"`` or ``"<bits>-bit vectors"``.
    vector_bytes : int
        Bytes of one native vector register.
    registers : int
        Number of vector registers.
    fma : bool
        Whether fused multiply-add is one instruction.
    """

    triple: str
    cpu: str
    features: str
    isa: str
    vector_bytes: int
    registers: int
    fma: bool

    def lanes(self, itemsize):
        """Elements of ``itemsize`` bytes per vector."""
        return self.vector_bytes // itemsize

    def describe(self):
        """One line for benchmark headers, e.g. ``znver3, AVX2 (256-bit
        vectors, 16 registers)``."""
        return (
            f"{self.cpu}, {self.isa} ({8 * self.vector_bytes}-bit vectors, "
            f"{self.registers} registers)"
        )


_PROBE = """
define void @width_probe(<16 x float>* %p) {
  %v = load <16 x float>, <16 x float>* %p
  %w = fadd <16 x float> %v, %v
  store <16 x float> %w, <16 x float>* %p
  ret void
}
declare <4 x float> @llvm.fma.v4f32(<4 x float>, <4 x float>, <4 x float>)
define void @fma_probe(<4 x float>* %p) {
  %v = load <4 x float>, <4 x float>* %p
  %w = call <4 x float> @llvm.fma.v4f32(<4 x float> %v, <4 x float> %v,
                                        <4 x float> %v)
  store <4 x float> %w, <4 x float>* %p
  ret void
}
"""


def _assembly(codegen, triple):
    """The probe functions compiled by numba's code generator."""
    import llvmlite.binding as ll
    from numba.core.compiler_lock import global_compiler_lock

    with global_compiler_lock:
        library = codegen.create_library("fastapml_isa_probe")
        module = ll.parse_assembly(_PROBE)
        module.triple = triple
        library.add_llvm_module(module)
        library.finalize()
        return library.get_asm_str()


def _function(asm, name):
    """The instruction lines of function ``name`` in ``asm``."""
    body = asm.split(f"{name}:", 1)[1]
    lines = []
    for line in body.splitlines()[1:]:
        line = line.strip()
        if re.match(r"^[.\w]+:", line) and not line.startswith(".LBB"):
            break
        if line and not line.startswith((".", "#", "//", ";")):
            lines.append(line)
    return lines


def classify(triple, asm):
    """(isa, vector_bytes, registers, fma) from the probes' assembly.

    The 64-byte add compiles to 64 / vector_bytes add instructions.
    """
    adds = [
        line
        for line in _function(asm, "width_probe")
        if re.match(r"^v?f?add\w*\s", line)
    ]
    vector_bytes = max(16, 64 // max(1, len(adds)))
    fma_lines = _function(asm, "fma_probe")
    fma = any(
        re.match(r"^(v?fmadd|vfmadd|fmla|xvmadd|vfma)\w*", line) for line in fma_lines
    )
    arch = triple.split("-", 1)[0]
    if arch in ("x86_64", "i386", "i686"):
        registers = 32 if vector_bytes == 64 else 16
        isa = {64: "AVX-512", 32: "AVX2" if fma else "AVX"}.get(vector_bytes, "SSE2")
    elif arch in ("aarch64", "arm64"):
        registers = 32
        isa = "NEON" if vector_bytes == 16 else f"{8 * vector_bytes}-bit vectors"
    else:
        registers = 32 if arch.startswith("ppc64") else 16
        isa = f"{8 * vector_bytes}-bit vectors"
    return isa, vector_bytes, registers, fma


@functools.cache
def target():
    """The :class:`Target` numba compiles for in this process."""
    from numba.core.registry import cpu_target

    codegen = cpu_target.target_context.codegen()
    triple, cpu, features = codegen.magic_tuple()
    isa, vector_bytes, registers, fma = classify(triple, _assembly(codegen, triple))
    return Target(triple, cpu, features, isa, vector_bytes, registers, fma)


TARGET = target()
