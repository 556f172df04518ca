"""fastapml._isa: the target numba compiles for, and the on-disk cache per target."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from fastapml import _isa, reference
from fastapml._isa import TARGET, classify, numba_environment


def test_target_is_numbas_code_generation_key():
    from numba.core.registry import cpu_target

    assert (
        TARGET.triple,
        TARGET.cpu,
        TARGET.features,
    ) == cpu_target.target_context.codegen().magic_tuple()
    assert TARGET.vector_bytes in (16, 32, 64)
    assert TARGET.registers in (16, 32)
    assert TARGET.lanes(4) * 4 == TARGET.vector_bytes
    assert TARGET.isa in TARGET.describe()


def _probe_asm(width_lines, fma_line):
    return (
        "width_probe:\n"
        + "".join(f"\t{x}\n" for x in width_lines)
        + "\tret\n.Lfunc_end0:\nfma_probe:\n\t"
        + fma_line
        + "\n\tret\n"
    )


@pytest.mark.parametrize(
    "triple, width_lines, fma_line, want",
    [
        (
            "x86_64-unknown-linux-gnu",
            ["vaddps %zmm0, %zmm0, %zmm0"],
            "vfmadd213ps %xmm0, %xmm0, %xmm0",
            ("AVX-512", 64, 32, True),
        ),
        (
            "x86_64-unknown-linux-gnu",
            ["vaddps %ymm1, %ymm1, %ymm1"] * 2,
            "vfmadd213ps %xmm0, %xmm0, %xmm0",
            ("AVX2", 32, 16, True),
        ),
        (
            "x86_64-unknown-linux-gnu",
            ["vaddps %ymm1, %ymm1, %ymm1"] * 2,
            "callq fmaf@PLT",
            ("AVX", 32, 16, False),
        ),
        (
            "x86_64-unknown-linux-gnu",
            ["addps %xmm1, %xmm1"] * 4,
            "callq fmaf@PLT",
            ("SSE2", 16, 16, False),
        ),
        (
            "aarch64-unknown-linux-gnu",
            ["fadd v0.4s, v0.4s, v0.4s"] * 4,
            "fmla v0.4s, v0.4s, v0.4s",
            ("NEON", 16, 32, True),
        ),
    ],
)
def test_classify_reads_the_probe(triple, width_lines, fma_line, want):
    assert classify(triple, _probe_asm(width_lines, fma_line)) == want


def test_unknown_target_name_is_refused():
    with pytest.raises(ValueError, match="target must be one of"):
        numba_environment("pentium")


def _run(code, target, cache_dir):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES")
    }
    env.update(numba_environment(target), NUMBA_CACHE_DIR=str(cache_dir))
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


_SILHOUETTE = """
import json
import numpy as np
from fastapml._isa import TARGET
from fastapml.cluster import _kernels, silhouette_samples
X = np.random.default_rng(0).normal(size=(60, 5))
labels = np.arange(60) % 4
s = silhouette_samples(X, labels)
stats = [k.stats for k in (_kernels.cluster_distance_sums_parallel,
                           _kernels.cluster_distance_sums)]
print(json.dumps({"isa": TARGET.isa, "lanes": TARGET.lanes(8),
                  "hits": sum(sum(x.cache_hits.values()) for x in stats),
                  "misses": sum(sum(x.cache_misses.values()) for x in stats),
                  "s": s.tolist()}))
"""


@pytest.mark.skipif(
    not _isa.TARGET.triple.startswith("x86_64"),
    reason="the named targets are x86-64 CPUs",
)
def test_cache_never_serves_one_isa_to_another(tmp_path):
    # the distance tile's codegen reads the vector width: code cached for
    # SSE2 must not be loaded by an AVX2 process, and must be by SSE2 again
    X = np.random.default_rng(0).normal(size=(60, 5))
    want = reference.cluster.silhouette_samples(X, np.arange(60) % 4)
    sse2 = _run(_SILHOUETTE, "x86-64", tmp_path)
    avx2 = _run(_SILHOUETTE, "haswell", tmp_path)
    again = _run(_SILHOUETTE, "x86-64", tmp_path)
    assert (sse2["isa"], sse2["lanes"]) == ("SSE2", 2)
    assert (avx2["isa"], avx2["lanes"]) == ("AVX2", 4)
    assert sse2["misses"] > 0 and sse2["hits"] == 0
    assert avx2["misses"] > 0 and avx2["hits"] == 0
    assert again["hits"] > 0 and again["misses"] == 0
    for run in (sse2, avx2, again):
        np.testing.assert_allclose(run["s"], want, rtol=0, atol=1e-12)
