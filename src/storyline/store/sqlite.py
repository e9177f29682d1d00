"""The store: plain tables (see schema.sql and docs/schema.md), a transaction per batch.

SQLite (a file, WAL) is the embedded default; a ``postgresql://`` URL opens PostgreSQL instead
(storyline.store.postgres), whose ``conn`` runs the same SQL. Code outside the store asks the
catalogue through ``table_names()`` / ``columns()`` (storyline.store.backend), not sqlite_master.
"""

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
from storyline.store import backend, schema
from storyline.store.backend import StoreError

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "db_text"]

SCHEMA_VERSION = "2"  # 2: entity_mentions.article_label (added to older databases when a build opens them)


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


class Store:
    """``Store(path)`` for SQLite, ``Store("postgresql://...")`` for PostgreSQL; ``read_only`` opens
    an existing storyline database and never writes."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.backend = "postgresql" if backend.is_postgres_url(path) else "sqlite"
        if self.backend == "postgresql":
            self._open_postgres(str(path), read_only)
            return
        file = Path(path)
        self.path: Path | None = file
        self.label = str(file)  # how messages name the database
        self.name = file.name  # a short name for titles and reports
        if read_only and not file.exists():
            raise StoreError(f"{file}: no such database (run `storyline build` first)")
        try:
            if read_only:
                uri = f"file:{file.absolute()}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, timeout=30)
            else:
                file.parent.mkdir(parents=True, exist_ok=True)
                self.conn = sqlite3.connect(file, timeout=30)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            if not read_only:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
                self._init_schema()
            else:
                self._check_is_storyline()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{file}: not a usable SQLite database ({exc})") from exc

    def _open_postgres(self, url: str, read_only: bool) -> None:
        from storyline.store import postgres

        self.path = None
        self.label = self.name = postgres.describe(url)
        self.conn = postgres.connect(url, read_only=read_only)  # type: ignore[assignment]
        try:
            if read_only:
                self._check_is_storyline()
            else:
                postgres.init_schema(self.conn, SCHEMA_VERSION)  # type: ignore[arg-type]
        except StoreError:
            self.conn.close()
            raise
        except Exception as exc:  # psycopg.Error: e.g. no right to create tables
            self.conn.close()
            raise StoreError(f"{self.label}: not a usable PostgreSQL database ({' '.join(str(exc).split())})") from exc

    def _init_schema(self) -> None:
        sql = resources.files("storyline.store").joinpath("schema.sql").read_text(encoding="utf-8")
        present = {t: [c for c, _ in backend.columns(self.conn, t)] for t in backend.table_names(self.conn)}
        try:
            upgrades = schema.added_column_statements(present)
        except ValueError as exc:
            raise StoreError(f"{self.label}: {exc}") from exc
        with self.conn:
            for statement in upgrades:  # columns added since an older storyline made this database
                self.conn.execute(statement)
            self.conn.executescript(sql)
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (SCHEMA_VERSION,),
            )

    def _check_is_storyline(self) -> None:
        if "ledger" not in self.table_names():
            raise StoreError(f"{self.label}: not a storyline database (no ledger table)")

    def table_names(self) -> set[str]:
        """Tables (and views) in the database."""
        return backend.table_names(self.conn)

    def columns(self, table: str) -> list[tuple[str, str]]:
        """(name, type) of each column of ``table``, in order."""
        return backend.columns(self.conn, table)

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

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """One build at a time per database inside this block, whatever the backend.

        SQLite already lets one writer in at a time. PostgreSQL takes a session advisory lock
        named after the schema and ``name`` (released when the block ends or the session does);
        pending work is committed before the next build goes in.
        """
        if self.backend != "postgresql":
            yield
            return
        key = "storyline:" + name
        self.conn.execute("SELECT pg_advisory_lock(hashtext(current_schema() || ?))", (key,))
        self.conn.commit()
        ok = False
        try:
            yield
            ok = True
        finally:
            try:
                if ok:
                    self.conn.commit()
                else:
                    self.conn.rollback()
                self.conn.execute("SELECT pg_advisory_unlock(hashtext(current_schema() || ?))", (key,))
                self.conn.commit()
            except Exception:
                if ok:
                    raise
                # Failing already (perhaps the connection is gone): keep that error; closing the
                # session releases the lock.

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

    def iter_article_texts(self, page: int = 500) -> Iterator[tuple[str, str]]:
        # In pages: a PostgreSQL cursor holds its whole result in memory, and archives are large.
        last = ""
        while True:
            rows = self.conn.execute("SELECT article_id, text FROM articles WHERE article_id > ? "
                                     "ORDER BY article_id LIMIT ?", (last, page)).fetchall()
            for row in rows:
                yield row["article_id"], row["text"]
            if len(rows) < page:
                return
            last = rows[-1]["article_id"]

    def articles(self) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT article_id, input_key, title, outlet, url, published, published_source, language, "
            "word_count, reprinted_by FROM articles ORDER BY published IS NULL, published, article_id"
        ).fetchall()

    def table_rows(self, table: str, order_by: str | None = None) -> list[dict[str, Any]]:
        """All rows of one table as dicts (for export and tests); binary columns are left out."""
        cols = [name for name, type_ in self.columns(table) if not backend.is_binary(type_)]
        order = f" ORDER BY {order_by}" if order_by else ""
        sql = f"SELECT {', '.join(cols)} FROM {table}{order}"
        return [dict(r) for r in self.conn.execute(sql)]
