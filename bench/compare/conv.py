"""fastapml's conv2d against PyTorch and a NumPy im2col reference, one process.

    python -m bench.compare.conv                  # full sizes
    python -m bench.compare.conv --scale 0.25     # a quick smoke run
    python -m bench.compare.conv --only C2 --repeat 5

Workloads (NCHW input, OIHW weights, with bias, float32)
  C1  N = 64, 1 -> 32 channels, 28x28, 3x3 kernel, padding 1, stride 1.
  C2  N = 16, 64 -> 64 channels, 56x56, 3x3 kernel, padding 1, stride 1.
  C3  N = 32, 32 -> 64 channels, 32x32, 5x5 kernel, padding 2, stride 2.
``--scale`` multiplies N (at least 1).

Passes
  forward   fastapml conv2d; torch.nn.functional.conv2d under no_grad;
            fastapml.reference.nn.conv2d.
  fwd+bwd   fastapml conv2d then conv2d_backward; torch conv2d then
            torch.autograd.grad of (input, weight, bias) for a fixed
            grad_output; the reference's conv2d then conv2d_backward.

PyTorch runs with torch.set_num_threads(2).  GFLOP/s counts 2*N*Co*Ho*Wo*Ci*k^2
per forward and 3x that for forward+backward (the backward is two
convolution-sized products: grad_input and grad_weight).  "% peak" divides
by an FP32 peak estimated from /proc/cpuinfo: cores x clock x FLOP/cycle/core,
see :func:`fp32_peak` (override with --peak-gflops).  Ratio is the peer's
steady time / fastapml's, so > 1 means fastapml is faster.  Parity is the
max absolute difference from PyTorch of the output and of each gradient.
The first call (numba's compile or cache load) is shown apart; a reference
call over 60 s is timed once.  Times are taken under glibc's default
allocator, as a program runs; peak memory is measured afterwards, one more
call each, with every large array served fresh by mmap (see
``_common.fixed_mmap_threshold``).  Timing under that setting instead would
charge each call for faulting in fresh pages, which costs two threads
faulting at once far more than one.  The script reports; it asserts
nothing.
"""

import time

import numpy as np

from ._common import (
    fixed_mmap_threshold,
    fmt_mib,
    machine,
    measure,
    parser,
    peak_growth,
    row,
    run_for_target,
    run_script,
    table,
)

if __name__ == "__main__":
    run_for_target()

import torch  # noqa: E402

from fastapml.nn.functional import conv2d, conv2d_backward  # noqa: E402
from fastapml.reference import nn as reference  # noqa: E402

WORKLOADS = ("C1", "C2", "C3")
# N, C_in, C_out, H (= W), k, padding, stride
SIZES = {
    "C1": (64, 1, 32, 28, 3, 1, 1),
    "C2": (16, 64, 64, 56, 3, 1, 1),
    "C3": (32, 32, 64, 32, 5, 2, 2),
}
TORCH_THREADS = 2
ONCE_ABOVE_S = 60.0
TARGETS = (
    "targets: >= 1.0x PyTorch's speed on C1, >= 0.5x on C2 and C3 "
    "(forward and forward+backward); >= 30 % of FP32 peak on C2 "
    "forward; >= 5x the im2col reference; training digits for 10 "
    "epochs no slower than the same network in PyTorch "
    "(not measured here)"
)


def _cpuinfo():
    try:
        with open("/proc/cpuinfo") as f:
            return f.read()
    except OSError:
        return ""


def fp32_peak():
    """(GFLOP/s, how it was estimated) for the cores numba uses.

    peak = cores x GHz x FLOP/cycle/core.  GHz is the "cpu MHz" /proc/cpuinfo
    reports (the base clock as the VM sees it; boost would raise the peak).
    FLOP/cycle/core, one fused multiply-add counted as 2 FLOP:
      AMD with AVX-512 (Zen 4): 512-bit FMAs issue at one per cycle (two
        256-bit FMA pipes, double-pumped) = 16 lanes x 2 = 32;
      Intel with AVX-512: two 512-bit FMA ports = 2 x 16 x 2 = 64;
      AVX2 + FMA: two 256-bit FMA pipes = 2 x 8 x 2 = 32;
      otherwise SSE: 2 x 4 x 2 = 16 (a guess).
    """
    import numba

    info = _cpuinfo()
    flags = set()
    mhz = None
    vendor = ""
    for line in info.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "flags" and not flags:
            flags = set(value.split())
        elif key == "cpu MHz" and mhz is None:
            mhz = float(value)
        elif key == "vendor_id" and not vendor:
            vendor = value.strip()
    if mhz is None:
        mhz = 2500.0
    if "avx512f" in flags and vendor == "AuthenticAMD":
        per_cycle, why = 32, "AMD AVX-512 (Zen 4: one 512-bit FMA/cycle = 16 lanes x 2)"
    elif "avx512f" in flags:
        per_cycle, why = 64, "Intel AVX-512 (2 FMA ports x 16 lanes x 2)"
    elif "avx2" in flags and "fma" in flags:
        per_cycle, why = 32, "AVX2 (2 FMA pipes x 8 lanes x 2)"
    else:
        per_cycle, why = 16, "SSE guess (2 x 4 lanes x 2)"
    cores = numba.get_num_threads()
    peak = cores * mhz / 1e3 * per_cycle
    return peak, (
        f"{cores} cores x {mhz / 1e3:.2f} GHz (cpu MHz in /proc/cpuinfo) "
        f"x {per_cycle} FLOP/cycle, {why} = {peak:.0f} GFLOP/s"
    )


def measure_capped(func, repeat):
    """:func:`measure`, but a first call over ONCE_ABOVE_S is the only one."""
    start = time.perf_counter()
    result = func()
    first = time.perf_counter() - start
    if first > ONCE_ABOVE_S:
        return {"first": first, "time": first, "peak_mib": None, "result": result}
    done = [result]  # measure's own first call: that one

    def again():
        return done.pop() if done else func()

    m = measure(again, repeat=repeat)
    m["first"] = first
    return m


def workload_data(name, scale, seed):
    n, ci, co, hw, k, pad, stride = SIZES[name]
    n = max(1, int(round(n * scale)))
    rng = np.random.default_rng([seed, ci, co, hw])
    x = rng.standard_normal((n, ci, hw, hw), dtype=np.float32)
    w = rng.standard_normal((co, ci, k, k), dtype=np.float32) / np.float32(
        np.sqrt(ci * k * k)
    )
    b = rng.standard_normal(co, dtype=np.float32)
    ho = (hw + 2 * pad - k) // stride + 1
    go = rng.standard_normal((n, co, ho, ho), dtype=np.float32)
    flops = 2.0 * n * co * ho * ho * ci * k * k
    return x, w, b, go, pad, stride, flops


def maxdiff(a, b):
    return float(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b)).max())


def parity(result, truth):
    names = ("out", "grad_input", "grad_weight", "grad_bias")
    return ", ".join(
        f"{k} {maxdiff(a, t):.1e}" for k, a, t in zip(names, result, truth)
    )


def run(name, args, peak, rows, speed, peaks):
    x, w, b, go, pad, stride, flops = workload_data(name, args.scale, args.seed)
    tx, tw, tb, tgo = (torch.from_numpy(a) for a in (x, w, b, go))

    def ours_fwd():
        return (conv2d(x, w, b, stride=stride, padding=pad),)

    def ours_both():
        out = conv2d(x, w, b, stride=stride, padding=pad)
        return (out,) + conv2d_backward(go, x, w, stride=stride, padding=pad)

    def torch_fwd():
        with torch.no_grad():
            return (
                torch.nn.functional.conv2d(
                    tx, tw, tb, stride=stride, padding=pad
                ).numpy(),
            )

    def torch_both():
        xi, wi, bi = (t.detach().requires_grad_() for t in (tx, tw, tb))
        out = torch.nn.functional.conv2d(xi, wi, bi, stride=stride, padding=pad)
        grads = torch.autograd.grad(out, (xi, wi, bi), tgo)
        return (out.detach().numpy(),) + tuple(g.numpy() for g in grads)

    def ref_fwd():
        return (reference.conv2d(x, w, b, stride=stride, padding=pad),)

    def ref_both():
        out = reference.conv2d(x, w, b, stride=stride, padding=pad)
        return (out,) + reference.conv2d_backward(go, x, w, stride=stride, padding=pad)

    for label, fns, mult in (
        ("forward", (ours_fwd, torch_fwd, ref_fwd), 1),
        ("fwd+bwd", (ours_both, torch_both, ref_both), 3),
    ):
        ours = measure(fns[0], repeat=args.repeat)
        theirs = measure(fns[1], repeat=args.repeat)
        ref = measure_capped(fns[2], repeat=1)
        truth = theirs["result"]
        for lib, m, base, par, fn in (
            ("fastapml", ours, None, parity(ours["result"], truth), fns[0]),
            ("pytorch", theirs, ours, "", fns[1]),
            ("numpy im2col", ref, ours, parity(ref["result"], truth), fns[2]),
        ):
            r = row(name, "float32", lib, m, base, par)
            peaks.append((r, fn))
            gflops = mult * flops / m["time"] / 1e9
            r.update(
                {
                    "pass": label,
                    "GFLOP/s": f"{gflops:.1f}",
                    "% peak": f"{100 * gflops / peak:.1f}",
                }
            )
            rows.append(r)
        speed[name, label] = {
            "pytorch": theirs["time"] / ours["time"],
            "reference": ref["time"] / ours["time"],
            "peak": mult * flops / ours["time"] / 1e9 / peak,
        }
        ours = theirs = ref = truth = None


def main(argv=None):
    p = parser(
        __doc__,
        WORKLOADS,
        repeat_help="steady calls timed for fastapml and PyTorch (reference: 1)",
        prog=f"python -m {__spec__.name}",
    )
    p.add_argument(
        "--peak-gflops",
        type=float,
        default=None,
        help="FP32 peak to divide by instead of the estimate",
    )
    args = p.parse_args(argv)
    torch.set_num_threads(TORCH_THREADS)
    peak, how = fp32_peak()
    if args.peak_gflops:
        peak, how = args.peak_gflops, f"given: {args.peak_gflops:.0f} GFLOP/s"
    rows, speed, peaks = [], {}, []
    for name in args.only:
        run(name, args, peak, rows, speed, peaks)
    fixed_mmap_threshold()
    for r, fn in peaks:
        r["peak mem"] = fmt_mib(peak_growth(fn))
    peaks.clear()
    print(f"bench.compare.conv (scale {args.scale}) on {machine()}")
    print(
        f"torch {torch.__version__} ({torch.get_num_threads()} threads); "
        f"FP32 peak: {how}"
    )
    print(
        "float32; GFLOP/s = 2*N*Co*Ho*Wo*Ci*k^2 per forward (x3 for fwd+bwd) "
        "/ steady time; ratio = peer steady time / fastapml's\n"
    )
    print(
        table(
            rows,
            [
                "workload",
                "pass",
                "library",
                "first call",
                "steady",
                "GFLOP/s",
                "% peak",
                "ratio",
                "peak mem",
                "parity",
            ],
        )
    )
    print("\nfastapml speed vs PyTorch / vs im2col reference / fraction of peak:")
    for (name, label), s in speed.items():
        print(
            f"  {name} {label:<8} {s['pytorch']:.2f}x / {s['reference']:.1f}x / "
            f"{100 * s['peak']:.1f} %"
        )
    print(f"\n{TARGETS}")
    return rows


if __name__ == "__main__":
    run_script(main)
