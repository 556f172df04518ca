"""The asv tooling: the quality gate's comparison (bench.quality), the suites'
skipping of what an older commit lacks (bench.suites.common) and the
dashboard's choice of commits (bench.dashboard)."""

import inspect
import json
import math
import subprocess

import pytest

from bench import dashboard, quality
from bench.suites.common import Benchmark, fastapml_module


def figure(value, better="higher", tolerance=0.01):
    return {"value": value, "better": better, "tolerance": tolerance}


def test_a_drop_beyond_the_tolerance_fails_naming_the_figure_and_the_drop():
    before = {"s.A.track_acc(order=2)": figure(0.95), "s.B.track_psnr()": figure(30)}
    after = {"s.A.track_acc(order=2)": figure(0.90), "s.B.track_psnr()": figure(30)}
    lines, failures = quality.compare(before, after)
    assert len(failures) == 1
    assert failures[0].startswith("s.A.track_acc(order=2): 0.95 -> 0.9")
    assert failures[0].endswith("worse by 0.05")
    assert sum(line.startswith("WORSE") for line in lines) == 1


def test_changes_within_the_tolerance_or_for_the_better_pass():
    before = {"a": figure(0.95), "b": figure(1e-9, "lower", 1e-8), "c": figure(1)}
    after = {"a": figure(0.945), "b": figure(5e-9, "lower", 1e-8), "c": figure(2)}
    lines, failures = quality.compare(before, after)
    assert failures == [] and len(lines) == 3


def test_lower_is_better_fails_on_a_rise():
    _, failures = quality.compare(
        {"d": figure(1e-15, "lower", 1e-8)}, {"d": figure(1e-3, "lower", 1e-8)}
    )
    assert len(failures) == 1 and "worse by 0.001" in failures[0]


@pytest.mark.parametrize(
    "after", [{}, {"a": {"skipped": "not in this commit"}}, {"a": figure(math.nan)}]
)
def test_a_figure_no_longer_measured_or_nan_fails(after):
    _, failures = quality.compare({"a": figure(0.9)}, after)
    assert len(failures) == 1 and failures[0].startswith("a")


def test_new_figures_and_figures_skipped_on_both_sides_pass():
    skipped = {"skipped": "treebank 'he' is not installed"}
    lines, failures = quality.compare({"t": skipped}, {"t": skipped, "n": figure(0.5)})
    assert failures == [] and lines == ["new       n = 0.5"]


class Suite(Benchmark):
    params = ([1, 2], ["a", "b", "c"])
    param_names = ["x", "y"]

    def make(self, x, y):
        pass


def test_combinations_follow_asv():
    assert quality.combinations(Suite) == [
        (1, "a"), (1, "b"), (1, "c"), (2, "a"), (2, "b"), (2, "c")
    ]  # fmt: skip
    Suite.params = [3, 4]
    try:
        assert quality.combinations(Suite) == [(3,), (4,)]
    finally:
        Suite.params = ([1, 2], ["a", "b", "c"])


def test_every_quality_figure_states_a_direction_and_a_tolerance():
    found = quality.quality_benchmarks()
    names = {name for name, _, _ in found}
    for suite in (
        "bench_hmm.Tagger",
        "bench_mixture.Quality",
        "bench_cluster.Spectral",
    ):
        assert suite in names
    for _, cls, methods in found:
        for method in methods:
            bound = getattr(cls, method)
            assert bound.better in ("higher", "lower")
            assert bound.tolerance >= 0
            inspect.signature(bound).bind(None, *quality.combinations(cls)[0])


def test_what_an_older_commit_lacks_is_skipped():
    missing = fastapml_module("fastapml.no_such_module")
    with pytest.raises(ImportError):
        _ = missing.anything

    class Old(Benchmark):
        def make(self, what):
            if what == "module":
                _ = missing.anything
            elif what == "function":
                _ = fastapml_module("fastapml.cluster").no_such_function
            else:
                fastapml_module("fastapml.cluster").SpectralClustering(
                    no_such_keyword=1
                )

    for what in ("module", "function", "keyword"):
        with pytest.raises(NotImplementedError, match="not in this commit"):
            Old().setup(what)

    class Requires(Benchmark):
        requires = ("fastapml.cluster.no_such_function",)

        def make(self):
            pass

    with pytest.raises(NotImplementedError, match="no_such_function"):
        Requires().setup()


def test_a_broken_benchmark_is_not_skipped():
    class Broken(Benchmark):
        def make(self):
            _ = self.no_such_attribute

    with pytest.raises(AttributeError):
        Broken().setup()


def test_the_dashboard_measures_only_commits_without_results(tmp_path, monkeypatch):
    def git(*args):
        return subprocess.run(
            ["git", *args], cwd=tmp_path, check=True, capture_output=True, text=True
        ).stdout

    git("init", "-q", "-b", "main")
    for i in range(3):
        git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q",
            "--allow-empty", "-m", str(i))  # fmt: skip
    commits = git("rev-list", "main").split()
    (tmp_path / "asv.conf.json").write_text(json.dumps({"results_dir": "res"}))
    (tmp_path / "res" / "box").mkdir(parents=True)
    (tmp_path / "res" / "box" / f"{commits[1][:8]}-virtualenv-py3.11.json").touch()
    monkeypatch.setattr(dashboard, "ROOT", tmp_path)
    monkeypatch.setattr(dashboard, "machine_name", lambda: "box")
    assert dashboard.unmeasured(3) == [commits[0], commits[2]]
    assert dashboard.unmeasured(1) == [commits[0]]


def test_the_history_page_lists_every_quality_figure():
    page = (quality.ROOT / "docs" / "performance" / "history.rst").read_text()
    for name, _, methods in quality.quality_benchmarks():
        for method in methods:
            assert f"``{name}.{method}``" in page, f"{name}.{method}"
