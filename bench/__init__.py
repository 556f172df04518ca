"""Benchmarks of fastapml, run from the repository root.

``bench.suites`` holds the asv suites (asv.conf.json's ``benchmark_dir``);
``bench.compare`` holds one-process comparisons against other libraries, run
as modules, e.g. ``python -m bench.compare.conv --help``.
"""
