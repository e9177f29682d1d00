"""The PostgreSQL backend: a psycopg connection that speaks the part of the sqlite3 API storyline uses.

The stages and views write SQLite-flavoured SQL against ``Store.conn``; ``PGConnection``
translates each statement once (cached) so the same strings run on PostgreSQL:

- ``?`` placeholders become ``%s`` (and a literal ``%`` becomes ``%%``);
- the column ``end`` (lower case) is quoted, ``"end"``: a reserved word in PostgreSQL;
- ``INSERT OR IGNORE INTO t ...`` becomes ``INSERT INTO t ... ON CONFLICT DO NOTHING``;
- ``INSERT OR REPLACE INTO t(cols) ...`` becomes an upsert on t's primary key (from schema.sql);
  columns it does not list keep their old values, where SQLite would reset them (storyline's
  statements list every column);
- an ``INSERT`` into a table with an identity column gets ``RETURNING`` it, for ``lastrowid``.

Rows behave like ``sqlite3.Row``: ``row[0]``, ``row["name"]``, ``row.keys()``, ``dict(row)``.
``with conn:`` commits (or rolls back on an exception) and leaves the connection open, as sqlite3
does. Parameters are adapted as SQLite stores them: ``bool`` as 0/1, and a NUL character, which
PostgreSQL text cannot hold, as U+FFFD (one character for one, so offsets stay right).

A read-only connection runs in autocommit with ``default_transaction_read_only``: no long
transaction is held open and nothing can be written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg

from storyline.store import schema
from storyline.store.backend import StoreError

_INSERT_OR = re.compile(
    r"^\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\s+(\w+)\s*(?:\(([^)]*)\))?", re.IGNORECASE)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_PASSWORD_PARAM = re.compile(r"(?i)((?:^|&)password=)[^&]*")


def describe(url: str) -> str:
    """The URL with its password (in the user part or the query) masked, for messages."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:***@{host}"
    return urlunsplit(parts._replace(netloc=netloc, query=_PASSWORD_PARAM.sub(r"\1***", parts.query)))


def database_name(url: str) -> str:
    """The database a URL names (for file names and titles); "postgres" when it names none."""
    return unquote(urlsplit(url).path.lstrip("/")) or "postgres"


# --- rows -----------------------------------------------------------------------------------------


class _Columns:
    __slots__ = ("names", "index")

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self.index: dict[str, int] = {}
        # Like sqlite3.Row: by exact name, else case-insensitively; the first column of a name wins.
        for i, name in reversed(list(enumerate(self.names))):
            self.index[name] = i
            self.index.setdefault(name.lower(), i)


class Row:
    """A result row read like ``sqlite3.Row``: by position, by column name, ``keys()``, ``dict(row)``."""

    __slots__ = ("_columns", "_values")

    def __init__(self, columns: _Columns, values: Sequence[Any]) -> None:
        self._columns = columns
        self._values = tuple(values)

    def __getitem__(self, key: int | slice | str) -> Any:
        if isinstance(key, str):
            index = self._columns.index.get(key)
            if index is None:
                index = self._columns.index.get(key.lower())
            if index is None:
                raise IndexError(f"no such column: {key}")
            return self._values[index]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._columns.names)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return self._columns.names == other._columns.names and self._values == other._values
        return NotImplemented

    def __hash__(self) -> int:
        return hash((tuple(self._columns.names), self._values))

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._columns.names, self._values))!r})"


def _row_factory(cursor: Any) -> Any:
    columns = _Columns([c.name for c in cursor.description or ()])
    return lambda values: Row(columns, values)


# --- SQL translation ------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def translate(sql: str) -> tuple[str, str | None]:
    """(PostgreSQL SQL, the identity column an INSERT returns for ``lastrowid`` or None)."""
    tables = schema.tables()
    m = _INSERT_OR.match(sql)
    if m:
        mode, table, cols = m.group(1).upper(), m.group(2), m.group(3)
        body = f"INSERT INTO {sql[m.start(2):]}".rstrip().rstrip(";")
        if mode == "IGNORE":
            sql = body + " ON CONFLICT DO NOTHING"
        else:
            if table not in tables or not tables[table].primary_key or cols is None:
                raise ValueError(f"INSERT OR REPLACE needs a column list and a table with a primary key: {sql}")
            key = tables[table].primary_key
            names = [c.strip() for c in cols.split(",")]
            updates = [f"{c} = EXCLUDED.{c}" for c in names if c not in key]
            action = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
            sql = f"{body} ON CONFLICT ({', '.join(key)}) {action}"
    returning = None
    m = _INSERT_INTO.match(sql)
    if m and m.group(1) in tables and tables[m.group(1)].identity and not _RETURNING.search(sql):
        returning = tables[m.group(1)].identity
        sql = f"{sql.rstrip().rstrip(';')} RETURNING {returning}"
    out = []
    for tok in schema.SQL_TOKEN.finditer(sql):
        text = tok.group(0).replace("%", "%%")  # psycopg reads % anywhere in a query with parameters
        if tok.lastgroup == "code":
            text = schema.END_COLUMN.sub('"end"', text.replace("?", "%s"))
        out.append(text)
    return "".join(out), returning


def _value(v: Any) -> Any:
    if type(v) is bool:
        return int(v)  # SQLite stores booleans as integers; BIGINT columns refuse a PostgreSQL boolean
    if type(v) is str and "\x00" in v:
        return v.replace("\x00", "\ufffd")
    return v


def _params(params: Sequence[Any] | None) -> list[Any]:
    if params is None:
        return []
    if isinstance(params, dict):
        raise TypeError("named parameters are not supported; use ? placeholders")
    return [_value(v) for v in params]


# --- cursor and connection ------------------------------------------------------------------------


class PGCursor:
    """The result of one statement, read like a sqlite3 cursor."""

    def __init__(self, cursor: psycopg.Cursor[Any], lastrowid: int | None = None) -> None:
        self._cursor = cursor
        self.lastrowid = lastrowid

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def description(self) -> Any:
        return self._cursor.description

    def fetchone(self) -> Row | None:
        return self._cursor.fetchone() if self._cursor.description else None

    def fetchall(self) -> list[Row]:
        return self._cursor.fetchall() if self._cursor.description else []

    def fetchmany(self, size: int = 1) -> list[Row]:
        return self._cursor.fetchmany(size) if self._cursor.description else []

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())

    def close(self) -> None:
        self._cursor.close()


class PGConnection:
    """A psycopg connection with the sqlite3 methods storyline uses (see the module docstring)."""

    backend = "postgresql"

    def __init__(self, raw: psycopg.Connection[Any], url: str) -> None:
        self.raw = raw
        self.url = url

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PGCursor:
        query, returning = translate(sql)
        cur = self.raw.cursor()
        cur.execute(query, _params(params))
        lastrowid = None
        if returning:
            row = cur.fetchone()
            lastrowid = row[0] if row else None
        return PGCursor(cur, lastrowid)

    def executemany(self, sql: str, seq_of_params: Iterable[Sequence[Any]]) -> PGCursor:
        query, _ = translate(sql)
        cur = self.raw.cursor()
        cur.executemany(query, [_params(p) for p in seq_of_params])
        return PGCursor(cur)

    def executescript(self, sql: str) -> None:
        """Several statements in one go (no parameters; the SQL is sent as written)."""
        with self.raw.cursor() as cur:
            cur.execute(sql)  # no parameters: sent as written, several statements allowed

    def commit(self) -> None:
        self.raw.commit()

    def rollback(self) -> None:
        self.raw.rollback()

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> "PGConnection":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # As sqlite3: the context manager is a transaction, not the connection's lifetime.
        if exc_type is None:
            self.raw.commit()
        else:
            self.raw.rollback()

    # What sqlite_master and PRAGMA table_info answer in SQLite.

    def table_names(self) -> set[str]:
        rows = self.raw.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'm', 'p')").fetchall()
        return {r[0] for r in rows}

    def relation_names(self) -> set[str]:
        """Tables and indexes, to see whether the schema is complete."""
        rows = self.raw.execute(
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema()").fetchall()
        return {r[0] for r in rows}

    def columns(self, table: str) -> list[tuple[str, str]]:
        """(name, type) of each column in order; the type as PostgreSQL names it (bigint, text, bytea...)."""
        rows = self.raw.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position", [table]).fetchall()
        return [(r[0], r[1]) for r in rows]


def connect(url: str, *, read_only: bool = False) -> PGConnection:
    """Open the database a postgresql:// URL names; StoreError (password masked) when it cannot."""
    extra: dict[str, Any] = {}
    if "connect_timeout" not in url:
        extra["connect_timeout"] = 10
    if "application_name" not in url:
        extra["application_name"] = "storyline"
    try:
        raw = psycopg.connect(url, autocommit=read_only, row_factory=_row_factory, **extra)
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())
        raise StoreError(f"{describe(url)}: cannot connect to PostgreSQL ({reason})") from exc
    except Exception as exc:  # e.g. a URL libpq cannot parse
        raise StoreError(f"{describe(url)}: not a usable PostgreSQL URL ({exc})") from exc
    if read_only:
        raw.execute("SET default_transaction_read_only = on")
    return PGConnection(raw, url)


def init_schema(conn: PGConnection, schema_version: str) -> None:
    """Create what is missing of the schema (schema.sql translated), and record its version."""
    sql = schema.schema_sql()
    wanted = set(schema.parse_tables(sql)) | set(schema.index_names(sql)) | set(schema.PG_EXTRA_INDEXES)
    present: dict[str, list[str]] = {}
    for table, column in conn.raw.execute("SELECT table_name, column_name FROM information_schema.columns "
                                          "WHERE table_schema = current_schema()").fetchall():
        present.setdefault(table, []).append(column)
    upgrades = schema.added_column_statements(present, postgres=True)  # ValueError: the Store names the database
    with conn:
        if upgrades or not wanted <= conn.relation_names():
            # One writer at a time creates tables (CREATE ... IF NOT EXISTS races between sessions).
            conn.execute("SELECT pg_advisory_xact_lock(?)", (0x5707_11AE,))
            for statement in upgrades:  # columns added since an older storyline made this schema
                conn.execute(statement)
            conn.executescript(schema.postgres_ddl(sql))
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (schema_version,),
        )
