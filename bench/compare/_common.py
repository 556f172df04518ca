"""Helpers shared by the bench.compare scripts: timing, peak memory, tables.

Each comparison runs fastapml and its peers in one process on the same data.
Time is the best of ``repeat`` steady-state calls; the first call (which
includes numba's compile or cache load) is reported separately.  With
``--target`` a script runs again in a fresh process whose numba compiles for
that target (see :func:`run_for_target`).
"""

import argparse
import contextlib
import ctypes
import io
import os
import platform
import subprocess
import sys
import textwrap
import time

#: The repository root: ``python -m bench.compare.<name>`` runs from here.
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: Where ``--publish`` writes each script's page of the documentation.
PAGES = os.path.join(REPO_ROOT, "docs", "performance")


def _proc_field(path, field):
    """The value of ``field`` in a ``name: value`` file under /proc; None
    where there is no such file or field."""
    try:
        with open(path) as f:
            for line in f:
                name, _, value = line.partition(":")
                if name.strip() == field:
                    return value.strip()
    except OSError:
        pass
    return None


def _status_kib(field):
    value = _proc_field("/proc/self/status", field)
    return None if value is None else int(value.split()[0])


def _reset_peak():
    """Reset the kernel's peak-RSS counter (Linux >= 4.0); False if impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measure(func, repeat=3):
    """Run ``func`` ``1 + repeat`` times.

    Returns a dict: ``first`` (s, first call), ``time`` (s, best steady
    call), ``peak_mib`` (peak RSS growth over the process's resident size
    during one steady call, or None where /proc cannot tell) and ``result``
    (the last call's return value).
    """
    start = time.perf_counter()
    result = func()
    first = time.perf_counter() - start
    times = []
    peak = None
    for k in range(repeat):
        can_peak = k == 0 and _reset_peak()
        base = _status_kib("VmRSS")
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
        if can_peak and base is not None:
            peak = max(0, _status_kib("VmHWM") - base) / 1024
    return {"first": first, "time": min(times), "peak_mib": peak, "result": result}


def peak_growth(func):
    """Peak RSS growth (MiB) over the resident size during one call of
    ``func``, or None where /proc cannot tell.  Free heap memory is handed
    back to the system first (malloc_trim), so that memory the call needs
    counts even where earlier calls left it resident."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    can_peak = _reset_peak()
    base = _status_kib("VmRSS")
    func()
    if not can_peak or base is None:
        return None
    return max(0, _status_kib("VmHWM") - base) / 1024


def _host_vector_bytes(triple):
    """Native vector bytes of this machine's CPU, whatever numba compiles for."""
    import llvmlite.binding as ll
    from numba.core.codegen import AOTCPUCodegen

    from fastapml._isa import _assembly, classify

    codegen = AOTCPUCodegen("fastapml_host", cpu_name=ll.get_host_cpu_name())
    return classify(triple, _assembly(codegen, triple))[1]


def machine():
    """Where the numbers were taken: date, CPU model, cores, numba threads and
    the target numba compiled for; a second line, a note, where that target's
    vectors are narrower than the CPU's."""
    import numba

    from fastapml._isa import TARGET

    cpu = (
        _proc_field("/proc/cpuinfo", "model name")
        or platform.processor()
        or platform.machine()
    )
    out = (
        f"{time.strftime('%Y-%m-%d')}, {cpu} ({os.cpu_count()} cores), "
        f"numba {numba.__version__} ({numba.get_num_threads()} threads), "
        f"compiled for {TARGET.describe()}"
    )
    host = _host_vector_bytes(TARGET.triple)
    if TARGET.vector_bytes < host:
        out += (
            f"\nnote: this CPU has {8 * host}-bit vectors; timing a narrower "
            "target on a wider CPU approximates, and does not equal, a CPU "
            "of that ISA"
        )
    return out


def target_option(parser):
    """Add ``--target`` (a key of :data:`fastapml._isa.NAMED_TARGETS`) and
    ``--publish`` (see :func:`run_script`) to ``parser`` and return it."""
    from fastapml._isa import NAMED_TARGETS

    parser.add_argument(
        "--publish",
        action="store_true",
        help=f"also write what is printed, as a page of the documentation, "
        f"to {os.path.relpath(PAGES, REPO_ROOT)}/",
    )

    parser.add_argument(
        "--target",
        choices=list(NAMED_TARGETS),
        default="host",
        help="compile numba's kernels for this target (default "
        "host: this CPU); another runs the script again in a "
        "fresh process",
    )
    return parser


def run_for_target():
    """Run this script again for its ``--target``, then exit, unless the
    process already compiles for it.

    Call it before the script imports anything that compiles: numba reads
    the target from its environment once, at import.  The script runs again
    as ``python -m bench.compare.<name>`` from the repository root, with the
    same arguments and :func:`fastapml._isa.numba_environment`'s variables
    set; its output streams through and its exit status is this process's.
    """
    from fastapml._isa import numba_environment

    args = target_option(argparse.ArgumentParser(add_help=False))
    env = numba_environment(args.parse_known_args()[0].target)
    if all(os.environ.get(k) == v for k, v in env.items()):
        return
    module = sys.modules["__main__"].__spec__.name
    command = [sys.executable, "-m", module, *sys.argv[1:]]
    sys.exit(
        subprocess.run(command, cwd=REPO_ROOT, env={**os.environ, **env}).returncode
    )


def table(rows, columns):
    """Format a list of dicts as a fixed-width text table."""
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(x.ljust(w) for x, w in zip(row, widths)) for row in cells]
    return "\n".join(out)


def fmt_time(seconds):
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def fmt_mib(mib):
    return "n/a" if mib is None else f"{mib:.0f} MiB"


def fixed_mmap_threshold():
    """Have glibc serve every large array by mmap and unmap it when freed.

    Otherwise its dynamic threshold soon keeps freed arrays on the heap,
    resident, and a later call reusing them shows no RSS growth at all.
    """
    try:
        ctypes.CDLL("libc.so.6").mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def row(workload, dtype, library, m, base=None, parity=""):
    """A table row for :func:`measure`'s result ``m``; ratio = m / base time."""
    return {
        "workload": workload,
        "dtype": dtype,
        "library": library,
        "first call": fmt_time(m["first"]),
        "steady": fmt_time(m["time"]),
        "peak mem": fmt_mib(m["peak_mib"]),
        "ratio": "1.0x" if base is None else f"{m['time'] / base['time']:.1f}x",
        "parity": parity,
    }


def parser(
    doc,
    workloads,
    repeat_help="steady calls timed for fastapml (peers: 1)",
    prog=None,
):
    """The options most bench.compare scripts take: --scale, --seed,
    --repeat, --only (one of ``workloads``) and --target; add more before
    parsing.  ``prog`` names the command in usage lines."""
    out = argparse.ArgumentParser(prog=prog, description=doc.split("\n")[0])
    out.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply every workload's size (default 1)",
    )
    out.add_argument("--seed", type=int, default=0)
    out.add_argument("--repeat", type=int, default=3, help=repeat_help)
    out.add_argument(
        "--only",
        nargs="+",
        metavar="WORKLOAD",
        choices=workloads,
        default=list(workloads),
        help=f"run only these of {', '.join(workloads)}",
    )
    return target_option(out)


class _Tee(io.TextIOBase):
    """A text stream writing to two others."""

    def __init__(self, *streams):
        self.streams = streams

    def write(self, text):
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self):
        for stream in self.streams:
            stream.flush()


def run_script(main):
    """Run a script's ``main()``; with ``--publish``, also write its docs page.

    The page, ``docs/performance/<name>.rst``, holds the script's
    description, the command that ran, and everything it printed (whose first
    line names the date, CPU, ISA and numba target).  Where ``main`` returns
    its table rows, a figure of fastapml's speed-up over each peer (peer
    steady time / fastapml steady time, per workload) is drawn beside it,
    ``docs/performance/<name>.png``.  Both are written whole or not at all.
    """
    if "--publish" not in sys.argv[1:]:
        main()
        return
    printed = io.StringIO()
    with contextlib.redirect_stdout(_Tee(sys.stdout, printed)):
        rows = main()
    spec = sys.modules["__main__"].__spec__
    name = spec.name.rsplit(".", 1)[1]
    figure = rows and _speedup_figure(rows, os.path.join(PAGES, f"{name}.png"))
    command = " ".join(["python -m", spec.name, *sys.argv[1:]])
    page = _page(sys.modules["__main__"].__doc__, command, printed.getvalue(), figure)
    _write_atomically(os.path.join(PAGES, f"{name}.rst"), page.encode())


def _page(doc, command, printed, figure):
    title, _, description = doc.strip().partition("\n")
    title = title.rstrip(".")
    description = textwrap.dedent(description).strip("\n")
    indent = textwrap.indent
    lines = [
        title,
        "=" * len(title),
        "",
        ".. This page is written by the command below; edit the script, not it.",
        "",
        "Written by:",
        "",
        ".. code-block:: bash",
        "",
        indent(command, "    "),
        "",
    ]
    if figure:
        lines += [f".. image:: {os.path.basename(figure)}", "   :alt: speed-up", ""]
    lines += [
        "Printed:",
        "",
        ".. code-block:: text",
        "",
        indent(printed.rstrip(), "    "),
        "",
    ]
    lines += [
        "What it runs:",
        "",
        ".. code-block:: text",
        "",
        indent(description, "    "),
        "",
    ]
    return "\n".join(lines)


def _speedup_figure(rows, path):
    """A bar per (workload, peer) row: the peer's steady time over
    fastapml's; returns ``path``, or None where no row compares."""
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    bars = [
        (" ".join(str(r[k]) for k in ("workload", "pass", "dtype", "n") if k in r), r)
        for r in rows
        if r.get("library") != "fastapml" and str(r.get("ratio", "")).endswith("x")
    ]
    if not bars:
        return None
    peers = sorted({r["library"] for _, r in bars})
    colours = dict(zip(peers, plt.get_cmap("tab10").colors))
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.28 * len(bars)), layout="constrained")
    y = list(range(len(bars)))[::-1]
    ratios = [float(r["ratio"].rstrip("x")) for _, r in bars]
    # Bars grow from 1x: right where fastapml is faster, left where slower.
    ax.barh(
        y,
        [q - 1 for q in ratios],
        left=1,
        color=[colours[r["library"]] for _, r in bars],
    )
    for yi, q in zip(y, ratios):
        ax.annotate(
            f"{q:g}x",
            (q, yi),
            xytext=(3 if q >= 1 else -3, 0),
            textcoords="offset points",
            va="center",
            ha="left" if q >= 1 else "right",
            fontsize=7,
        )
    ax.set_yticks(y, [f"{label} vs {r['library']}" for label, r in bars])
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlim(min(0.8, min(ratios) / 1.6), max(1.25, max(ratios) * 1.6))
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("speed-up: peer steady time / fastapml steady time")
    fig.suptitle(textwrap.fill(machine().split("\n")[0], 110), fontsize=7)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    _write_atomically(path, buffer.getvalue())
    return path


def _write_atomically(path, data):
    from fastapml._files import replaced_atomically

    with replaced_atomically(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
