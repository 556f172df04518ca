"""The quality gate: what the algorithms compute must not get worse.

The asv suites' quality figures (``track_*`` methods marked with
:func:`bench.suites.common.quality`: accuracies, PSNRs, lower bounds,
agreement with the peers) are deterministic, so unlike timings they can be
gated.  This script measures them twice, with the working tree's suites:
once with the working tree's fastapml and once with a previous commit's
(``git archive`` of its ``fastapml/`` into a temporary folder, imported
first), and fails when a figure got worse by more than its tolerance::

    python -m bench.quality                    # against HEAD~1
    python -m bench.quality --against v0.1.0   # against any commit
    python -m bench.quality --bench Tagger     # only suites matching a regex

Each line printed names the benchmark, both values and the change; the exit
status is 1 when a figure got worse beyond its tolerance, or when one that
the previous commit measured is no longer measured (skipped or failed).
"""

import argparse
import importlib
import inspect
import itertools
import json
import math
import os
import pkgutil
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quality_benchmarks(pattern=""):
    """``(name, class, method names)`` of every suite with quality figures
    whose ``module.Class`` matches ``pattern``."""
    from bench import suites
    from bench.suites.common import Benchmark

    found = []
    for info in pkgutil.iter_modules(suites.__path__):
        module = importlib.import_module(f"bench.suites.{info.name}")
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, Benchmark) or inspect.isabstract(cls):
                continue
            name = f"{info.name}.{cls_name}"
            methods = [
                m
                for m in dir(cls)
                if m.startswith("track_") and hasattr(getattr(cls, m), "better")
            ]
            if methods and re.search(pattern, name):
                found.append((name, cls, methods))
    return found


def combinations(cls):
    """asv's parameter combinations of a suite: ``params`` is one list of
    values, or a list of such lists whose product is taken."""
    params = getattr(cls, "params", [])
    if not params:
        return [()]
    if all(isinstance(p, (list, tuple)) for p in params):
        return list(itertools.product(*params))
    return [(p,) for p in params]


def label(name, method, cls, combo):
    names = getattr(cls, "param_names", [])
    args = ", ".join(f"{n}={v!r}" for n, v in zip(names, combo))
    return f"{name}.{method}({args})"


def measure(pattern=""):
    """``{label: {"value", "better", "tolerance"} or {"skipped": reason}}``
    for every quality figure."""
    results = {}
    for name, cls, methods in quality_benchmarks(pattern):
        for combo in combinations(cls):
            suite = cls()
            keys = [label(name, m, cls, combo) for m in methods]
            try:
                suite.setup(*combo)
            except NotImplementedError as error:
                results.update({k: {"skipped": str(error)} for k in keys})
                continue
            for key, method in zip(keys, methods):
                bound = getattr(suite, method)
                value = float(bound(*combo))
                results[key] = {
                    "value": value,
                    "better": bound.better,
                    "tolerance": bound.tolerance,
                }
                print(f"  {key} = {value:.6g}", file=sys.stderr, flush=True)
            if hasattr(suite, "teardown"):
                suite.teardown()
    return results


def measure_in_subprocess(package_root, pattern, out):
    """Run :func:`measure` in a fresh interpreter whose ``import fastapml``
    finds the package under ``package_root``."""
    command = [sys.executable, "-m", "bench.quality", "--measure", str(out)]
    command += ["--fastapml", str(package_root), "--bench", pattern]
    subprocess.run(command, cwd=ROOT, check=True)
    with open(out) as f:
        return json.load(f)


def export_package(rev, folder):
    """``fastapml/`` as of commit ``rev``, written under ``folder``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev, "fastapml"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    with tempfile.TemporaryFile() as f:
        f.write(archive)
        f.seek(0)
        with tarfile.open(fileobj=f) as tar:
            tar.extractall(folder, filter="data")


def compare(before, after):
    """Lines describing each figure, and the list of failures."""
    lines, failures = [], []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, {}), after.get(key)
        if new is None or "skipped" in new:
            reason = "absent" if new is None else f"skipped: {new['skipped']}"
            if "value" in old:
                failures.append(
                    f"{key}: measured before ({old['value']:.6g}), {reason}"
                )
            continue
        value, better, tolerance = new["value"], new["better"], new["tolerance"]
        if "value" not in old:
            lines.append(f"new       {key} = {value:.6g}")
            continue
        worse = (old["value"] - value) if better == "higher" else value - old["value"]
        line = (
            f"{key}: {old['value']:.6g} -> {value:.6g} "
            f"({better} is better; tolerance {tolerance:g})"
        )
        bad = math.isnan(value) or worse > tolerance
        if bad:
            failures.append(f"{line}: worse by {worse:.3g}")
        lines.append(("WORSE     " if bad else "ok        ") + line)
    return lines, failures


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.quality", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--against", default="HEAD~1", help="the commit to compare with (HEAD~1)"
    )
    parser.add_argument(
        "--bench", default="", help="only suites whose module.Class matches this regex"
    )
    parser.add_argument("--measure", metavar="OUT", help=argparse.SUPPRESS)
    parser.add_argument("--fastapml", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:  # the subprocess: measure one version, write JSON
        if args.fastapml:
            sys.path.insert(0, args.fastapml)
        import fastapml

        print(f"fastapml from {Path(fastapml.__file__).parent}", file=sys.stderr)
        results = measure(args.bench)
        with open(args.measure + ".part", "w") as f:
            json.dump(results, f, indent=1)
        os.replace(args.measure + ".part", args.measure)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        export_package(args.against, tmp)
        start = time.perf_counter()
        print(f"== quality figures of {args.against}", flush=True)
        before = measure_in_subprocess(tmp, args.bench, Path(tmp, "before.json"))
        print("== quality figures of the working tree", flush=True)
        after = measure_in_subprocess(ROOT, args.bench, Path(tmp, "after.json"))
    lines, failures = compare(before, after)
    print("\n".join(lines))
    print(f"{len(lines)} figures compared in {time.perf_counter() - start:.0f} s")
    for failure in failures:
        print(f"quality gate: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
