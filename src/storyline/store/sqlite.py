"""The SQLite store: plain tables (see schema.sql and docs/schema.md), WAL, a transaction per batch."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from storyline.records import LedgerEntry

SCHEMA_VERSION = "1"


_SURROGATE = re.compile("[\ud800-\udfff]")


def db_text(value: Any) -> Any:
    """A str SQLite can store: a file name that is not valid UTF-8 (Python keeps its bytes as
    lone surrogates) is written with backslash escapes ("caf\\xe9.txt"); other values pass."""
    if not isinstance(value, str) or not _SURROGATE.search(value):
        return value
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "backslashreplace")


class StoreError(RuntimeError):
    """The database cannot be opened or is not a storyline database."""


class Store:
    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no such database (run `storyline build` first)")
        try:
            if read_only:
                uri = f"file:{self.path.absolute()}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, timeout=30)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.conn = sqlite3.connect(self.path, timeout=30)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            if not read_only:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
                self._init_schema()
            else:
                self._check_is_storyline()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a usable SQLite database ({exc})") from exc

    def _init_schema(self) -> None:
        sql = resources.files("storyline.store").joinpath("schema.sql").read_text(encoding="utf-8")
        with self.conn:
            self.conn.executescript(sql)
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (SCHEMA_VERSION,),
            )

    def _check_is_storyline(self) -> None:
        row = self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'ledger'"
        ).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: not a storyline database (no ledger table)")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.conn:
            yield self.conn

    # Ledger ---------------------------------------------------------------------------------

    def ledger_entry(self, input_key: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM ledger WHERE input_key = ?", (db_text(input_key),)).fetchone()

    def write_ledger(self, entry: LedgerEntry, stage: str, stage_version: str) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO ledger(input_key, source_path, locator, fmt, content_hash, state, reason, "
            "article_id, duplicate_kind, similarity, stage, stage_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            tuple(map(db_text, (
                entry.input_key, entry.source_path, entry.locator, entry.fmt, entry.content_hash, entry.state,
                entry.reason, entry.article_id, entry.duplicate_kind, entry.similarity, stage, stage_version))),
        )

    def ledger_rows(self, state: str | None = None) -> list[sqlite3.Row]:
        if state:
            return self.conn.execute("SELECT * FROM ledger WHERE state = ? ORDER BY input_key", (state,)).fetchall()
        return self.conn.execute("SELECT * FROM ledger ORDER BY input_key").fetchall()

    def ledger_counts(self) -> dict[str, int]:
        counts = {"ingested": 0, "duplicate": 0, "rejected": 0}
        for row in self.conn.execute("SELECT state, COUNT(*) AS n FROM ledger GROUP BY state"):
            counts[row["state"]] = row["n"]
        return counts

    # Articles -------------------------------------------------------------------------------

    def article_by_fingerprint(self, fingerprint: str) -> sqlite3.Row | None:
        return self.conn.execute(
            "SELECT article_id, outlet, input_key FROM articles WHERE fingerprint = ?", (fingerprint,)
        ).fetchone()

    def article(self, article_id: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM articles WHERE article_id = ?", (article_id,)).fetchone()

    def insert_article(self, row: dict[str, Any]) -> None:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.conn.execute(f"INSERT INTO articles({cols}) VALUES ({marks})", tuple(map(db_text, row.values())))

    def delete_article(self, article_id: str) -> None:
        self.conn.execute("DELETE FROM articles WHERE article_id = ?", (article_id,))

    def add_reprint(self, article_id: str, outlet: str | None) -> None:
        row = self.conn.execute("SELECT reprinted_by FROM articles WHERE article_id = ?", (article_id,)).fetchone()
        if row is None:
            return
        outlets = json.loads(row["reprinted_by"])
        name = outlet or "(unknown outlet)"
        if name not in outlets:
            outlets.append(name)
            outlets.sort()
            self.conn.execute(
                "UPDATE articles SET reprinted_by = ? WHERE article_id = ?", (json.dumps(outlets), article_id)
            )

    def iter_article_texts(self) -> Iterator[tuple[str, str]]:
        for row in self.conn.execute("SELECT article_id, text FROM articles ORDER BY article_id"):
            yield row["article_id"], row["text"]

    def articles(self) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT article_id, input_key, title, outlet, url, published, published_source, language, "
            "word_count, reprinted_by FROM articles ORDER BY published IS NULL, published, article_id"
        ).fetchall()

    def table_rows(self, table: str, order_by: str | None = None) -> list[dict[str, Any]]:
        """All rows of one table as dicts (for export and tests); binary columns are left out."""
        cols = [r["name"] for r in self.conn.execute(f"PRAGMA table_info({table})") if r["type"] != "BLOB"]
        order = f" ORDER BY {order_by}" if order_by else ""
        sql = f"SELECT {', '.join(cols)} FROM {table}{order}"
        return [dict(r) for r in self.conn.execute(sql)]
