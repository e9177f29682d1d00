"""Fixtures and helpers of the reliability tests: the generated corpora and running the real CLI."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.corpus import HostileCorpus, make_hostile_corpus, make_small_corpus

# Tables a build may write besides the content: the run log (wall-clock times) and SQLite's own.
NOT_CONTENT = {"runs", "sqlite_sequence"}


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "storyline.cli", *args]


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("STORYLINE_DB", None)
    env["COLUMNS"] = "200"  # Rich tables: one width whatever the terminal
    return env


def run_cli(*args: str, cwd: Path | None = None) -> CliResult:
    """Run `storyline ARGS` in a fresh Python process, as a user would."""
    proc = subprocess.run(cli_command(*args), capture_output=True, cwd=cwd, env=cli_env(), stdin=subprocess.DEVNULL)
    decode = lambda b: b.decode("utf-8", "backslashreplace")  # noqa: E731
    return CliResult(proc.returncode, decode(proc.stdout), decode(proc.stderr))


def start_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(cli_command(*args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=cli_env())


def content_tables(db: Path) -> dict[str, list[tuple]]:
    """Every table but the run log, as sorted rows: what two equivalent builds must agree on."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
                for t in names if t not in NOT_CONTENT}
    finally:
        conn.close()


def ledger_count(db: Path, table: str = "ledger") -> int:
    """Rows committed so far in `table`, read the way another process would (0 when not there yet)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


@pytest.fixture(scope="session")
def hostile_corpus(tmp_path_factory) -> HostileCorpus:
    return make_hostile_corpus(tmp_path_factory.mktemp("hostile") / "corpus")


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("small") / "corpus"
    make_small_corpus(root, 200)
    return root
