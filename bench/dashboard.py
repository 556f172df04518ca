"""Build the asv dashboard of fastapml's history on this machine.

Runs the asv suites (``bench/suites``, configured by ``asv.conf.json``) on
the last ``N`` commits of ``main`` that have no results on this machine yet,
each built and installed in asv's own virtualenv, then publishes the HTML::

    python -m bench.dashboard --last 20            # run, publish, print path
    python -m bench.dashboard --last 20 --quick    # each benchmark once
    python -m bench.dashboard --last 0 --open      # publish and serve

Results go to ``.asv/results`` and the site to ``.asv/html`` (both ignored
by git).  A commit older than a suite, or than a function it measures, shows
that benchmark as skipped ("n/a"), not failed.
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def asv(*args, check=True):
    """Run asv with ``args`` in the repository root; its exit status."""
    print("$ asv", *args, flush=True)
    return subprocess.run(["asv", *args], cwd=ROOT, check=check).returncode


def machine_name():
    """This machine's name in asv's machine file, written if missing."""
    path = Path.home() / ".asv-machine.json"
    if not path.exists():
        asv("machine", "--yes")
    names = [k for k in json.loads(path.read_text()) if k != "version"]
    return names[0]


def unmeasured(last, branch="main"):
    """The last ``last`` first-parent commits of ``branch`` without results
    under this machine's folder, newest first."""
    config = json.loads((ROOT / "asv.conf.json").read_text())
    results = ROOT / config["results_dir"] / machine_name()
    commits = subprocess.run(
        ["git", "rev-list", "--first-parent", f"--max-count={last}", branch],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return [c for c in commits if not glob.glob(str(results / f"{c[:8]}-*.json"))]


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.dashboard", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--last", type=int, default=20, help="commits of main to cover (20)"
    )
    parser.add_argument("--quick", action="store_true", help="each benchmark once")
    parser.add_argument("--bench", "-b", help="only benchmarks matching this regex")
    parser.add_argument("--open", action="store_true", help="serve the site")
    args = parser.parse_args(argv)
    if args.last < 0:
        parser.error(f"--last must be >= 0, got {args.last}")
    todo = unmeasured(args.last) if args.last else []
    status = 0
    if todo:
        print(f"{len(todo)} of the last {args.last} commits to measure", flush=True)
        hashfile = ROOT / ".asv" / "dashboard-commits.txt"
        hashfile.parent.mkdir(exist_ok=True)
        hashfile.write_text("\n".join(todo) + "\n")
        start = time.perf_counter()
        options = ["--quick"] * args.quick + (
            ["--bench", args.bench] * bool(args.bench)
        )
        status = asv("run", f"HASHFILE:{hashfile}", *options, check=False)
        print(f"measured {len(todo)} commits in {time.perf_counter() - start:.0f} s")
    else:
        print(f"the last {args.last} commits all have results on this machine")
    asv("publish")
    index = ROOT / json.loads((ROOT / "asv.conf.json").read_text())["html_dir"]
    print(f"dashboard: {index / 'index.html'}")
    if args.open:
        asv("preview", check=False)
    # asv run exits non-zero when a benchmark failed in some commit; the
    # dashboard shows which, and is published all the same
    return status


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
