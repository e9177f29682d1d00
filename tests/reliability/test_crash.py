"""Crash safety: a build killed with SIGKILL at random points is finished by the next build, and
the result equals a clean build's. Readers work while a build writes (WAL).

Kill points are chosen by a seeded RNG: wait until the build has committed some ledger rows (or
annotation rows), then kill after a small random delay. Whether a kill lands mid-build depends
on the machine's speed, so the tests count attempts and kills instead of timing anything.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import time
from pathlib import Path

import pytest

from storyline.config import BuildSettings
from storyline.pipeline import build
from tests.reliability.conftest import content_tables, ledger_count, run_cli, start_cli
from tests.reliability.corpus import article

SEED = 1234
ATTEMPTS = 3  # kill-and-resume cycles on the ingest-only build
MIN_LANDED = 3  # kills that must hit a running build (more attempts are made until they do)
MAX_ATTEMPTS = 12


def _build_args(corpus: Path, db: Path, *, annotate: bool, batch_size: int) -> list[str]:
    # In process (--workers 1): a kill then stops the whole build at once, and each restart does
    # not pay for starting worker processes (the command line's default is one per core).
    args = ["build", str(corpus), "--db", str(db), "--no-progress", "--batch-size", str(batch_size), "--workers", "1"]
    if not annotate:
        args.append("--no-annotate")
    return args


def _kill_during(args: list[str], db: Path, rng: random.Random, *, table: str, threshold: int,
                 max_delay: float) -> bool:
    """Start a build, wait until `table` has `threshold` rows, sleep a random small delay, SIGKILL it.

    Returns True when the kill hit the running build, False when the build had already ended.
    """
    proc = start_cli(*args)
    try:
        while proc.poll() is None and ledger_count(db, table) < threshold:
            time.sleep(0.002)
        if proc.poll() is None:
            time.sleep(rng.uniform(0, max_delay))
        landed = proc.poll() is None
        if landed:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not landed:
            assert proc.returncode in (0, 3), proc.stderr.read().decode(errors="replace")[-2000:]
        return landed and proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


@pytest.fixture(scope="module")
def clean_small_db(small_corpus: Path, tmp_path_factory) -> Path:
    """The reference: an uninterrupted build (in this process; the CLI runs the same function)."""
    db = tmp_path_factory.mktemp("clean") / "clean.db"
    report = build([str(small_corpus)], db, BuildSettings(batch_size=8), annotate=False)
    assert report.rejected > 0  # the corpus holds empty files on purpose
    return db


def test_killed_ingest_is_finished_by_the_next_build(small_corpus: Path, clean_small_db: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    expected = content_tables(clean_small_db)
    n_inputs = len(expected["ledger"])
    attempts = landed = 0
    while attempts < ATTEMPTS or (landed < MIN_LANDED and attempts < MAX_ATTEMPTS):
        attempts += 1
        db = tmp_path / f"crash{attempts}.db"
        args = _build_args(small_corpus, db, annotate=False, batch_size=8)
        kills = 2 if attempts % 2 == 0 else 1  # every other time the resumed build is killed too
        for _ in range(kills):
            already = ledger_count(db)
            threshold = already + rng.randint(1, max(1, (n_inputs - already) // 2))
            landed += _kill_during(args, db, rng, table="ledger", threshold=threshold, max_delay=0.05)
        result = run_cli(*args)
        assert result.returncode in (0, 3) and "Traceback" not in result.stderr, result.stderr[-2000:]
        assert content_tables(db) == expected, f"attempt {attempts}: the resumed build differs from a clean one"
    # and one more build changes nothing
    assert run_cli(*args).returncode in (0, 3)
    assert content_tables(db) == expected
    assert landed >= MIN_LANDED, f"only {landed} of {attempts} kills hit a running build"
    _record("ingest", attempts=attempts, landed=landed, inputs=n_inputs)


@pytest.fixture(scope="module")
def annotated_corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("annotated") / "corpus"
    root.mkdir(parents=True)
    rng = random.Random(SEED)
    lead = ("The prime ministers of Norland and Sudmark met in Kessel on 12 March 2024 and signed a loan of "
            "400 million euros, officials said. ")
    for i in range(4):
        (root / f"story_{i}.txt").write_text(lead.replace("Kessel", f"Kessel-{i}") + article(rng, paragraphs=2),
                                             encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    return root


def test_killed_annotating_build_is_finished_by_the_next_build(annotated_corpus: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    clean = tmp_path / "clean.db"
    build([str(annotated_corpus)], clean, BuildSettings(batch_size=1))
    expected = content_tables(clean)
    assert expected["sentences"], "annotation wrote no sentences"
    db = tmp_path / "crash.db"
    args = _build_args(annotated_corpus, db, annotate=True, batch_size=1)
    # Killed during ingest or model loading, then the next build killed after its first
    # annotation batch committed, then a build that is left to finish.
    landed = _kill_during(args, db, rng, table="ledger", threshold=1, max_delay=1.0)
    landed += _kill_during(args, db, rng, table="sentences", threshold=1, max_delay=0.2)
    result = run_cli(*args)
    assert result.returncode in (0, 3) and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert content_tables(db) == expected, "the resumed build differs from a clean one"
    _record("annotate", attempts=2, landed=landed, inputs=len(expected["ledger"]))


def test_readers_work_while_a_build_holds_a_write_transaction(small_corpus: Path, clean_small_db: Path,
                                                              tmp_path: Path) -> None:
    """Deterministic: a writer in the middle of a transaction does not block `ledger` or `summary`."""
    import sqlite3

    db = tmp_path / "held.db"
    shutil.copy(clean_small_db, db)
    before = run_cli("ledger", "--db", str(db), "--json")
    writer = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO ledger(input_key, source_path, locator, fmt, content_hash, state, reason, stage, "
                       "stage_version) VALUES ('/uncommitted', '/uncommitted', '', 'txt', 'x', 'rejected', 'r', 's', 'v')")
        writer.execute("DELETE FROM articles WHERE article_id = (SELECT MIN(article_id) FROM articles)")
        during = run_cli("ledger", "--db", str(db), "--json")
        summary = run_cli("summary", "--db", str(db))
        articles = run_cli("articles", "--db", str(db))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    for r in (during, summary, articles):
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert during.stdout == before.stdout  # sees the last committed state, not the open transaction
    assert "/uncommitted" not in during.stdout


def test_readers_work_while_a_real_build_runs(tmp_path: Path) -> None:
    """A build of 30 JSONL files of 40 lines; `ledger`, `summary` and `export` run meanwhile.

    (A build commits after each batch of input files, so the lines of one file appear together.)
    """
    rng = random.Random(SEED + 2)
    corpus = tmp_path / "in"
    corpus.mkdir()
    for f in range(30):
        with open(corpus / f"wire{f:02d}.jsonl", "w", encoding="utf-8") as fh:
            for i in range(40):
                fh.write(json.dumps({"text": article(rng, paragraphs=2, title=False), "source": f"Wire {i % 5}"}) + "\n")
    db = tmp_path / "live.db"
    writer = start_cli(*_build_args(corpus, db, annotate=False, batch_size=1))
    overlapped = 0
    results = []
    try:
        while writer.poll() is None and ledger_count(db) == 0:
            time.sleep(0.005)
        while writer.poll() is None and len(results) < 6:
            for args in (("ledger", "--db", str(db), "--json"), ("summary", "--db", str(db)),
                         ("export", "--db", str(db), "--format", "jsonl")):
                result = run_cli(*args)
                still_running = writer.poll() is None
                results.append((args[0], result, still_running))
                overlapped += still_running
        writer.wait()
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
        writer.stderr.close()
    assert writer.returncode == 0
    assert results, "the build ended before any reader could start"
    for name, result, _ in results:
        assert result.returncode == 0 and "Traceback" not in result.stderr, (name, result.stderr[-2000:])
        if name == "ledger":
            rows = [json.loads(line) for line in result.stdout.splitlines()]
            assert all(r["state"] in ("ingested", "duplicate", "rejected") for r in rows)
    assert overlapped >= 1, "no reader finished while the build was still writing"
    assert ledger_count(db) == 1200


# Figures for docs/reliability.md: printed with -s, and kept in a module global for the summary.
FIGURES: dict[str, dict[str, int]] = {}


def _record(name: str, **figures: int) -> None:
    FIGURES[name] = figures
    print(f"\ncrash figures [{name}]: {figures}")
