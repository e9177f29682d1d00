"""Limits: the maximum input size and article length are enforced, with the reason in the ledger,
and a huge input is never read into memory when it is over the limit.

Decision for a 50 MB text file: with the default 20 MB limit it is rejected from its size
(stat) without being read; with --max-input-mb raised above it, it is read (memory bounded by
about twice its size) and rejected as "article too long" by --max-article-chars.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tracemalloc
from pathlib import Path

import pytest

from storyline.config import BuildSettings, Limits
from storyline.ingest.readers import read_input
from storyline.pipeline import build
from tests.reliability.conftest import run_cli
from tests.reliability.corpus import HUGE_BYTES, HostileCorpus, article, write_huge_text

MB = 1024 * 1024


def _peak_during(fn):
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def _only_ledger_row(db: Path) -> dict:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        [row] = conn.execute("SELECT * FROM ledger").fetchall()
        return dict(row)
    finally:
        conn.close()


def test_huge_file_is_rejected_from_its_size_without_being_read(hostile_corpus: HostileCorpus) -> None:
    huge = hostile_corpus.huge_file
    assert huge is not None and huge.stat().st_size == HUGE_BYTES
    docs, peak = _peak_during(lambda: read_input(huge, Limits()))
    [doc] = docs
    assert doc.reject_reason == "file too large (52,428,800 bytes; limit 20,971,520; see --max-input-mb)"
    assert peak < 1 * MB, f"{peak:,} bytes allocated to reject a file from its size"


def test_raised_size_limit_reads_the_file_with_bounded_memory(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    write_huge_text(huge)
    docs, peak = _peak_during(lambda: read_input(huge, Limits(max_input_bytes=60 * MB)))
    [doc] = docs
    assert doc.reject_reason is None and len(doc.raw_text) == HUGE_BYTES
    assert peak < 2.2 * HUGE_BYTES, f"peak {peak / MB:.0f} MB for a {HUGE_BYTES / MB:.0f} MB file"
    del docs, doc


def test_raised_size_limit_then_article_length_limit(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_huge_text(folder / "huge.txt")
    db = tmp_path / "s.db"
    result = run_cli("build", str(folder), "--db", str(db), "--max-input-mb", "60", "--no-annotate", "--no-progress")
    assert result.returncode == 3, result.stderr
    row = _only_ledger_row(db)
    assert row["state"] == "rejected"
    assert row["reason"] == "article too long (52,428,800 characters; limit 200,000)"


def test_max_input_mb_option(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("x" * 3000 + "\n")
    db = tmp_path / "s.db"
    result = run_cli("build", str(folder), "--db", str(db), "--max-input-mb", "0.001", "--no-annotate", "--no-progress")
    assert result.returncode == 3
    assert _only_ledger_row(db)["reason"] == "file too large (3,001 bytes; limit 1,048; see --max-input-mb)"
    assert "file too large" in result.stderr and "Traceback" not in result.stderr


def test_max_article_chars_option(tmp_path: Path) -> None:
    import random

    folder = tmp_path / "in"
    folder.mkdir()
    text = article(random.Random(5), paragraphs=6)
    (folder / "a.txt").write_text(text)
    db = tmp_path / "s.db"
    result = run_cli("build", str(folder), "--db", str(db), "--max-article-chars", "500", "--no-annotate",
                     "--no-progress")
    assert result.returncode == 3
    assert _only_ledger_row(db)["reason"] == f"article too long ({len(text):,} characters; limit 500)"
    result = run_cli("build", str(folder), "--db", str(tmp_path / "t.db"), "--no-annotate", "--no-progress")
    assert result.returncode == 0 and _only_ledger_row(tmp_path / "t.db")["state"] == "ingested"


def test_raising_a_limit_reexamines_inputs_it_rejected(tmp_path: Path) -> None:
    import random

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(article(random.Random(5), paragraphs=6))
    db = tmp_path / "s.db"
    run_cli("build", str(folder), "--db", str(db), "--max-article-chars", "500", "--no-annotate", "--no-progress")
    assert _only_ledger_row(db)["state"] == "rejected"
    run_cli("build", str(folder), "--db", str(db), "--no-annotate", "--no-progress")
    assert _only_ledger_row(db)["state"] == "ingested"


def test_jsonl_line_longer_than_twice_the_article_limit(tmp_path: Path) -> None:
    f = tmp_path / "w.jsonl"
    f.write_text(json.dumps({"text": "word " * 300}) + "\n" + json.dumps({"text": "word " * 30}) + "\n")
    docs = read_input(f, Limits(max_article_chars=500))
    assert docs[0].reject_reason == "line 1: too long (1,512 characters)"
    assert docs[1].reject_reason is None


def test_file_that_does_not_know_its_size_is_still_limited() -> None:
    # /proc files say st_size 0 but have content: the reader reads on, up to the limit only.
    proc = Path("/proc/self/status")
    if not proc.is_file() or proc.stat().st_size != 0:
        pytest.skip("needs Linux /proc")
    [doc] = read_input(proc, Limits(max_input_bytes=64))
    assert doc.reject_reason is not None and doc.reject_reason.startswith("file too large (65 bytes; limit 64")
    assert "grew while being read" in doc.reject_reason


def test_in_process_build_records_size_reason(tmp_path: Path, hostile_corpus: HostileCorpus) -> None:
    db = tmp_path / "s.db"
    report = build([str(hostile_corpus.huge_file)], db, BuildSettings(limits=Limits(max_input_bytes=10 * MB)),
                   annotate=False)
    assert (report.inputs, report.rejected) == (1, 1)
    assert _only_ledger_row(db)["reason"].startswith("file too large (52,428,800 bytes; limit 10,485,760;")
    assert os.path.getsize(db) < 1 * MB  # nothing of the file was stored
