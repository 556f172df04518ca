"""Files written whole or not at all: temporary names, failures, and the
clean-up of what a killed writer left behind."""

import os
import subprocess
import sys

import pytest

from fastapml._files import PARTIAL, replaced_atomically


def partials(folder):
    return sorted(f for f in os.listdir(folder) if PARTIAL in f)


def test_temporary_file_names_its_target_and_is_renamed(tmp_path):
    target = tmp_path / "model.npz"
    with replaced_atomically(target, suffix=".npz") as tmp:
        name = os.path.basename(tmp)
        assert name.startswith(".model.npz.") and name.endswith(f"{PARTIAL}.npz")
        with open(tmp, "w") as f:
            f.write("new")
    assert target.read_text() == "new" and partials(tmp_path) == []


def test_a_failed_write_leaves_the_old_file_and_nothing_else(tmp_path):
    target = tmp_path / "out.npy"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with replaced_atomically(target) as tmp:
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old" and partials(tmp_path) == []


def test_leftovers_of_a_killed_writer_are_removed_on_the_next_write(tmp_path):
    target = tmp_path / "labels.npy"
    # a writer killed with SIGKILL: its temporary file stays
    code = (
        "import os, sys\n"
        "from fastapml._files import replaced_atomically\n"
        "with replaced_atomically(sys.argv[1]) as tmp:\n"
        "    open(tmp, 'w').write('x' * 100)\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(target)], check=False)
    assert len(partials(tmp_path)) == 1
    # one of a live process (this one) for another target is left alone
    other = tmp_path / f".other.npy.{os.getpid()}-abc.{PARTIAL}"
    other.write_text("in use")
    with replaced_atomically(target) as tmp:
        with open(tmp, "w") as f:
            f.write("done")
    assert target.read_text() == "done"
    assert partials(tmp_path) == [other.name]


def test_long_target_names_fit(tmp_path):
    target = tmp_path / ("x" * 240)
    with replaced_atomically(target) as tmp:
        assert len(os.path.basename(tmp)) < 255
        with open(tmp, "w") as f:
            f.write("ok")
    assert target.read_text() == "ok"


def test_a_missing_directory_is_named_not_the_temporary_file(tmp_path):
    target = tmp_path / "missing" / "model.npz"
    with pytest.raises(FileNotFoundError, match="cannot write .*model.npz: the dir"):
        with replaced_atomically(target):
            pass
