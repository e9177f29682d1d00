"""The PostgreSQL translation layer on its own (no server needed): SQL, rows, schema, URLs."""

from __future__ import annotations

import re

import pytest

from storyline.store import schema
from storyline.store.backend import describe, is_postgres_url
from storyline.store.postgres import Row, _Columns, _params, database_name, translate


def test_placeholders_percent_signs_and_the_end_column() -> None:
    sql, returning = translate("SELECT s.end, start, end FROM sentences s WHERE text LIKE '%?%' AND article_id = ? "
                               "AND \"end\" > ? -- why? 100%")
    assert sql == ("SELECT s.\"end\", start, \"end\" FROM sentences s WHERE text LIKE '%%?%%' AND article_id = %s "
                   "AND \"end\" > %s -- why? 100%%")
    assert returning is None
    # The keyword END (upper case) and words that merely contain "end" are left alone.
    assert translate("SELECT CASE WHEN x THEN 1 END, endpoint, weekend FROM t")[0] == \
        "SELECT CASE WHEN x THEN 1 END, endpoint, weekend FROM t"


def test_insert_or_ignore_and_or_replace() -> None:
    sql, _ = translate("INSERT OR IGNORE INTO event_articles(event_id, article_id, role) VALUES (?,?,?)")
    assert sql == "INSERT INTO event_articles(event_id, article_id, role) VALUES (%s,%s,%s) ON CONFLICT DO NOTHING"
    sql, _ = translate("INSERT OR REPLACE INTO annotation_status(article_id, stage, stage_version) VALUES (?,?,?)")
    assert sql == ("INSERT INTO annotation_status(article_id, stage, stage_version) VALUES (%s,%s,%s) "
                   "ON CONFLICT (article_id, stage) DO UPDATE SET stage_version = EXCLUDED.stage_version")
    sql, _ = translate("INSERT OR REPLACE INTO facts(event_id, article_id, start, end, text) VALUES (?,?,?,?,?)")
    assert sql.endswith('ON CONFLICT (event_id, article_id, start, "end") DO UPDATE SET text = EXCLUDED.text')
    sql, _ = translate("INSERT OR REPLACE INTO event_articles(event_id, article_id) VALUES (?,?)")
    assert sql.endswith("ON CONFLICT (event_id, article_id) DO NOTHING")
    with pytest.raises(ValueError):
        translate("INSERT OR REPLACE INTO no_such_table(a) VALUES (?)")


def test_an_insert_into_a_table_with_an_identity_column_returns_it() -> None:
    sql, returning = translate("INSERT INTO runs(started_at, storyline_version, inputs) VALUES (?,?,?)")
    assert returning == "run_id" and sql.endswith("VALUES (%s,%s,%s) RETURNING run_id")
    assert translate("INSERT INTO ledger(input_key) VALUES (?)")[1] is None


def test_rows_read_like_sqlite_rows() -> None:
    row = Row(_Columns(["article_id", "n", "Text"]), ("a1", 3, "x"))
    assert row[0] == "a1" and row["n"] == 3 and row[-1] == "x" and row[1:] == (3, "x")
    assert row["text"] == "x" and row["TEXT"] == "x"  # case-insensitive, as sqlite3.Row
    assert row.keys() == ["article_id", "n", "Text"] and dict(row) == {"article_id": "a1", "n": 3, "Text": "x"}
    assert tuple(row) == ("a1", 3, "x") and len(row) == 3
    with pytest.raises(IndexError):
        row["missing"]


def test_parameters_are_stored_as_sqlite_stores_them() -> None:
    assert _params((True, False, "a\x00b", 1.5, None, b"\x00")) == [1, 0, "a\ufffdb", 1.5, None, b"\x00"]
    assert _params(None) == []


def test_the_postgres_schema_defines_the_same_tables_and_columns() -> None:
    sqlite_tables = schema.tables()
    pg = schema.postgres_ddl(schema.schema_sql())
    assert "AUTOINCREMENT" not in pg and "BLOB" not in pg and not re.search(r"\bREAL\b|\bINTEGER\b", pg)
    pg_tables = schema.parse_tables(pg)
    assert list(pg_tables) == list(sqlite_tables)
    types = {"TEXT": "TEXT", "INTEGER": "BIGINT", "REAL": "DOUBLE", "BLOB": "BYTEA"}
    for name, table in sqlite_tables.items():
        assert [c.strip('"') for c in pg_tables[name].columns] == list(table.columns), name
        assert [types[t] for t in table.columns.values()] == list(pg_tables[name].columns.values()), name
        assert tuple(c.strip('"') for c in pg_tables[name].primary_key) == table.primary_key, name
    assert set(schema.index_names(pg)) == set(schema.index_names(schema.schema_sql())) | set(schema.PG_EXTRA_INDEXES)


def test_urls_are_recognised_and_passwords_masked() -> None:
    assert is_postgres_url("postgresql://u@h/db") and is_postgres_url("POSTGRES://h/db")
    assert not is_postgres_url("story.db") and not is_postgres_url("postgresql.db")
    from pathlib import Path
    assert not is_postgres_url(Path("postgresql://x"))  # a Path is always a file
    assert describe("postgresql://u:pw@h:5432/db?sslmode=require&password=pw2") == \
        "postgresql://u:***@h:5432/db?sslmode=require&password=***"
    assert describe("postgresql://u@h/db") == "postgresql://u@h/db" and describe("x/story.db") == "x/story.db"
    assert database_name("postgresql://u@h/my%20db?x=1") == "my db" and database_name("postgresql://h") == "postgres"
