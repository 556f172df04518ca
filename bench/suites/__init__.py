"""asv suites for fastapml: asv.conf.json's ``benchmark_dir``.

asv imports this folder as a package and walks its modules for benchmarks
(https://asv.readthedocs.io/en/stable/writing_benchmarks.html); a
benchmark's name is its module, class and method, e.g.
``bench_hmm.ViterbiBatch.time_viterbi_batch``.  The base class and the
first-call mixin the suites share are in :mod:`.common`.  From the
repository root::

    asv machine --yes
    asv run --python=same --quick        # every benchmark once
    asv run --python=same --bench ViterbiBatch
    python -m bench.dashboard --last 20  # the history of main, published
    python -m bench.quality              # the quality gate against HEAD~1
"""
