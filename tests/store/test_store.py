"""The store on both backends (SQLite file, PostgreSQL schema): the same calls, the same answers."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from storyline.records import LedgerEntry
from storyline.store import schema
from storyline.store.backend import is_postgres_url
from storyline.store.sqlite import SCHEMA_VERSION, Store, StoreError

from tests.store.conftest import BACKENDS, require, with_database

DB_ERRORS = (sqlite3.Error, psycopg.Error)
INGEST = ("ingest+clean+dedup", "1.1.1")


def _entry(key: str, state: str = "ingested", **kw) -> LedgerEntry:
    return LedgerEntry(key, key.split("#")[0], key.partition("#")[2], "txt", "h-" + key, state, **kw)


def _article(article_id: str, text: str = "Some words here.", **kw) -> dict:
    row = {
        "article_id": article_id, "input_key": f"/in/{article_id}.txt", "fingerprint": "fp-" + article_id,
        "title": "T " + article_id, "outlet": None, "url": None, "published": None, "published_source": "unknown",
        "year_known": 0, "language": "en", "language_confidence": 0.99, "encoding": "utf-8", "fmt": "txt",
        "raw_text": text, "text": text, "offset_map": json.dumps([[0, 0, len(text)]]),
        "word_count": len(text.split()), "minhash": bytes(range(16)), "stage": INGEST[0], "stage_version": INGEST[1],
    }
    return row | kw


def test_schema_is_created_with_every_table_and_column(store_backend: str) -> None:
    with Store(store_backend) as store:
        assert store.backend == ("postgresql" if is_postgres_url(store_backend) else "sqlite")
        names = store.table_names()
        for table, definition in schema.tables().items():
            assert table in names
            assert [c for c, _ in store.columns(table)] == list(definition.columns), table
        assert store.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == SCHEMA_VERSION
        types = dict(store.columns("articles"))
        if store.backend == "postgresql":
            assert (types["minhash"], types["word_count"], types["language_confidence"], types["text"]) == (
                "bytea", "bigint", "double precision", "text")
        else:
            assert (types["minhash"], types["word_count"], types["language_confidence"]) == ("BLOB", "INTEGER", "REAL")


def test_ledger_write_read_and_counts(store_backend: str) -> None:
    with Store(store_backend) as store:
        with store.transaction():
            store.write_ledger(_entry("/in/b.txt"), *INGEST)
            store.write_ledger(_entry("/in/a.txt", "rejected", reason="empty file (0 bytes)"), *INGEST)
            store.write_ledger(_entry("/in/c.jsonl#line:2", "duplicate", article_id="a1", duplicate_kind="near",
                                      similarity=0.93), *INGEST)
        row = store.ledger_entry("/in/c.jsonl#line:2")
        assert row["state"] == "duplicate" and row[5] == "duplicate" and row["similarity"] == 0.93
        assert dict(row)["locator"] == "line:2" and "duplicate_kind" in row.keys()
        assert store.ledger_entry("/in/none.txt") is None
        assert store.ledger_counts() == {"ingested": 1, "duplicate": 1, "rejected": 1}
        assert [r["input_key"] for r in store.ledger_rows()] == ["/in/a.txt", "/in/b.txt", "/in/c.jsonl#line:2"]
        assert [r["input_key"] for r in store.ledger_rows("rejected")] == ["/in/a.txt"]
        # Writing an input again replaces its row (INSERT OR REPLACE → upsert on PostgreSQL).
        with store.transaction():
            store.write_ledger(_entry("/in/a.txt", "ingested", article_id="a2"), *INGEST)
        assert store.ledger_counts() == {"ingested": 2, "duplicate": 1, "rejected": 0}
        again = store.ledger_entry("/in/a.txt")
        assert again["reason"] is None and again["article_id"] == "a2"
        # A file name that is not valid UTF-8 is stored with escapes on both backends.
        with store.transaction():
            store.write_ledger(_entry("/in/caf\udce9.txt"), *INGEST)
        assert store.ledger_entry("/in/caf\udce9.txt")["input_key"] == "/in/caf\\xe9.txt"


def test_articles_insert_lookup_reprints_and_delete(store_backend: str) -> None:
    with Store(store_backend) as store:
        with store.transaction():
            for i in range(5):
                store.insert_article(_article(f"a{i}", f"Text number {i} with a % sign and a ? mark."))
            store.conn.executemany(
                "INSERT OR IGNORE INTO removed_spans(article_id, orig_start, orig_end, text, rule) VALUES (?,?,?,?,?)",
                [("a1", 0, 4, "[ad]", "ad_placeholder"), ("a1", 0, 4, "[ad]", "ad_placeholder"),
                 ("a1", 9, 12, "end", "byline")])
        assert store.article_by_fingerprint("fp-a3")["article_id"] == "a3"
        assert store.article_by_fingerprint("fp-none") is None
        art = store.article("a2")
        assert art["text"] == "Text number 2 with a % sign and a ? mark." and art["word_count"] == 11
        assert bytes(art["minhash"]) == bytes(range(16))
        assert json.loads(art["reprinted_by"]) == []
        with store.transaction():
            store.add_reprint("a2", "Wire Daily")
            store.add_reprint("a2", "Coastal Times")
            store.add_reprint("a2", "Wire Daily")
            store.add_reprint("a2", None)
            store.add_reprint("missing", "Nobody")
        assert json.loads(store.article("a2")["reprinted_by"]) == ["(unknown outlet)", "Coastal Times", "Wire Daily"]
        assert list(store.iter_article_texts(page=2)) == [
            (f"a{i}", f"Text number {i} with a % sign and a ? mark.") for i in range(5)]
        assert len(store.table_rows("removed_spans")) == 2  # the repeated row was ignored
        with store.transaction():
            store.delete_article("a1")  # cascades to its removed spans
        assert store.article("a1") is None and store.table_rows("removed_spans") == []
        assert [a["article_id"] for a in store.articles()] == ["a0", "a2", "a3", "a4"]


def test_table_rows_leave_out_binary_columns_and_follow_the_order(store_backend: str) -> None:
    with Store(store_backend) as store:
        with store.transaction():
            store.insert_article(_article("b", published="2020-01-02", published_source="metadata", year_known=1))
            store.insert_article(_article("a"))
            store.conn.execute(
                "INSERT INTO sentences(article_id, sentence_index, start, end, text, stage, stage_version) "
                "VALUES (?,?,?,?,?,?,?)", ("a", 0, 0, 16, "Some words here.", "sentences", "1"))
        rows = store.table_rows("articles", "article_id")
        assert [r["article_id"] for r in rows] == ["a", "b"]
        assert "minhash" not in rows[0] and rows[1]["published"] == "2020-01-02" and rows[1]["year_known"] == 1
        assert store.table_rows("sentences") == [{"article_id": "a", "sentence_index": 0, "start": 0, "end": 16,
                                                  "text": "Some words here.", "stage": "sentences",
                                                  "stage_version": "1"}]
        # Published first, unknown dates last: the same order on both backends.
        assert [a["article_id"] for a in store.articles()] == ["b", "a"]


def test_a_failed_transaction_rolls_back_the_whole_batch(store_backend: str) -> None:
    with Store(store_backend) as store:
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.write_ledger(_entry("/in/x.txt"), *INGEST)
                raise RuntimeError("stop the batch")
        assert store.ledger_entry("/in/x.txt") is None
        with pytest.raises(DB_ERRORS):
            with store.transaction():
                store.insert_article(_article("a1"))
                store.insert_article(_article("a1"))  # the same primary key: the database refuses
        assert store.article("a1") is None
        # The store is still usable after the rollback.
        with store.transaction():
            store.insert_article(_article("a1"))
        assert store.article("a1")["article_id"] == "a1"


def test_runs_get_increasing_ids(store_backend: str) -> None:
    with Store(store_backend) as store:
        ids = []
        for i in range(3):
            cur = store.conn.execute("INSERT INTO runs(started_at, storyline_version, inputs) VALUES (?,?,?)",
                                     (f"2024-01-0{i + 1}", "0", "[]"))
            ids.append(cur.lastrowid)
        store.conn.commit()
        assert ids == sorted(ids) and len(set(ids)) == 3
        assert [r["run_id"] for r in store.conn.execute("SELECT run_id FROM runs ORDER BY run_id")] == ids


def test_reopening_keeps_the_data_and_read_only_never_writes(store_backend: str) -> None:
    with Store(store_backend) as store, store.transaction():
        store.write_ledger(_entry("/in/a.txt"), *INGEST)
    with Store(store_backend) as store:  # the schema step runs again and changes nothing
        assert store.ledger_counts()["ingested"] == 1
    with Store(store_backend, read_only=True) as store:
        assert store.ledger_entry("/in/a.txt")["state"] == "ingested"
        with pytest.raises(DB_ERRORS):
            store.conn.execute("DELETE FROM ledger")
    with Store(store_backend, read_only=True) as store:
        assert store.ledger_counts()["ingested"] == 1


def test_an_older_database_gets_the_columns_added_since(store_backend: str) -> None:
    """A database made before a nullable column was added (entity_mentions.article_label here)
    gets it when a build opens it, NULL in the rows it held, which stay; read-only opens leave it
    as it is."""
    mention = ("a1", 0, 0, 4, "Oret", "GPE", "ent_1", "L1", None, "entities", "1")
    with Store(store_backend) as store, store.transaction():
        store.insert_article(_article("a1", "Oret insists."))
        store.conn.execute("ALTER TABLE entity_mentions DROP COLUMN article_label")
        store.conn.execute("INSERT INTO entity_mentions(article_id, sentence_index, start, end, text, label, "
                           "entity_id, local_entity_id, alias_of, stage, stage_version) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                           mention)
    with Store(store_backend, read_only=True) as store:
        assert "article_label" not in [c for c, _ in store.columns("entity_mentions")]
    with Store(store_backend) as store:
        assert [c for c, _ in store.columns("entity_mentions")][-1] == "article_label"
        row = store.conn.execute("SELECT * FROM entity_mentions").fetchone()
        assert (tuple(row[c] for c in ("article_id", "sentence_index", "start", "end", "text", "label", "entity_id",
                                       "local_entity_id", "alias_of", "stage", "stage_version")), row["article_label"]
                ) == (mention, None)


def test_an_older_database_lacking_a_required_column_is_refused_by_name(store_backend: str) -> None:
    with Store(store_backend) as store, store.transaction():
        store.conn.execute("ALTER TABLE figures DROP COLUMN cue")
        store.conn.execute("ALTER TABLE figures DROP COLUMN stage")  # NOT NULL: no value to give old rows
    with pytest.raises(StoreError, match="figures lacks its column stage") as err:
        Store(store_backend)
    assert store_backend.split("?")[0] in str(err.value)


@pytest.fixture(params=BACKENDS)
def missing_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "absent.db")
    server = require(request.getfixturevalue("pg_server"))
    return with_database(server, "storyline_no_such_database")


def test_read_only_open_of_a_missing_database_names_it(missing_db: str) -> None:
    with pytest.raises(StoreError) as err:
        Store(missing_db, read_only=True)
    shown = missing_db if not is_postgres_url(missing_db) else missing_db.split("?")[0]
    assert shown in str(err.value)


def test_read_only_open_of_a_database_that_is_not_storyline_names_it(store_backend: str) -> None:
    if is_postgres_url(store_backend):
        with psycopg.connect(store_backend, autocommit=True) as conn:
            conn.execute("CREATE TABLE notes (body TEXT)")
    else:
        conn = sqlite3.connect(store_backend)
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.close()
    with pytest.raises(StoreError, match="not a storyline database") as err:
        Store(store_backend, read_only=True)
    assert store_backend.split("?")[0] in str(err.value)


def test_a_password_never_appears_in_an_error(pg_url: str) -> None:
    parts = urlsplit(with_database(pg_url, "storyline_no_such_database"))
    host = parts.netloc.rpartition("@")[2]
    url = urlunsplit(parts._replace(netloc=f"{parts.username or 'postgres'}:s3cret@{host}"))
    with pytest.raises(StoreError) as err:
        Store(url, read_only=True)
    assert "s3cret" not in str(err.value) and ":***@" in str(err.value)
