from __future__ import annotations

import os
from pathlib import Path

import pytest

from storyline.ingest.discover import InputPathError, discover_inputs


def test_folders_recurse_in_stable_order_and_skip_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("z")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / ".hidden.txt").write_text("h")
    names = [f.path.name for f in discover_inputs([str(tmp_path)])]
    assert names == ["a.txt", "z.txt"]


def test_glob_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text("1")
    (tmp_path / "two.html").write_text("2")
    assert [f.path.name for f in discover_inputs([str(tmp_path / "*.txt")])] == ["one.txt"]
    with pytest.raises(InputPathError, match="no such file"):
        discover_inputs([str(tmp_path / "nothing-here")])


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.txt").write_text("x")
    os.symlink(tmp_path / "d", tmp_path / "d" / "loop")
    os.symlink(tmp_path / "self", tmp_path / "self")
    found = discover_inputs([str(tmp_path)])
    problems = {f.path.name: f.problem for f in found}
    assert "x.txt" in problems and problems["x.txt"] is None
    assert problems["self"] is not None  # a link to itself is reported, not followed


def test_same_file_named_twice_is_listed_once(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    assert len(discover_inputs([str(tmp_path), str(tmp_path / "a.txt")])) == 1
