"""Which backend a ``--db`` value names, and the catalogue questions every backend answers.

A path (or anything that is not a URL below) is a SQLite file; ``postgresql://`` or
``postgres://`` is a PostgreSQL database (storyline.store.postgres, imported only then).
The helpers take a connection of either kind (``Store.conn``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
BINARY_TYPES = ("BLOB", "BYTEA")


class StoreError(RuntimeError):
    """The database cannot be opened or is not a storyline database."""


def is_postgres_url(db: str | Path) -> bool:
    return isinstance(db, str) and db.lower().startswith(POSTGRES_SCHEMES)


def describe(db: str | Path) -> str:
    """How to name the database in messages: the path, or the URL without its password."""
    if is_postgres_url(db):
        from storyline.store.postgres import describe as describe_url

        return describe_url(str(db))
    return str(db)


def is_postgres(conn: Any) -> bool:
    return getattr(conn, "backend", None) == "postgresql"


def table_names(conn: Any) -> set[str]:
    """Tables and views in the database (SQLite: sqlite_master; PostgreSQL: the current schema)."""
    if is_postgres(conn):
        return conn.table_names()
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}


def columns(conn: Any, table: str) -> list[tuple[str, str]]:
    """(name, declared type) of each column of ``table``, in order."""
    if is_postgres(conn):
        return conn.columns(table)
    return [(r[1], r[2] or "") for r in conn.execute(f"PRAGMA table_info({table})")]


def is_binary(type_name: str) -> bool:
    return type_name.upper() in BINARY_TYPES
