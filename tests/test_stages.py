"""storyline.stages: the corpus-wide entity resolution reads the store page by page."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storyline import stages
from storyline.pipeline import build


def _entity_tables(db: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(db) as conn:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall())
                for t in ("entities", "entity_aliases", "entity_mentions", "event_mentions")}


def test_paged_streaming_resolution_equals_the_cached_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import EXAMPLES

    cached = tmp_path / "cached.db"
    build([str(EXAMPLES / "corpus")], cached)
    # pages of 2 articles, nothing kept between passes: every pass re-reads the store
    monkeypatch.setattr(stages, "ENTITY_PAGE_ARTICLES", 2)
    monkeypatch.setattr(stages, "ENTITY_CACHE_MENTIONS", 0)
    streamed = tmp_path / "streamed.db"
    build([str(EXAMPLES / "corpus")], streamed)
    a, b = _entity_tables(cached), _entity_tables(streamed)
    assert a["entities"] and a == b


def test_the_source_yields_every_article_once_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from storyline.store.sqlite import Store
    from tests.conftest import EXAMPLES

    db = tmp_path / "s.db"
    build([str(EXAMPLES / "corpus")], db)
    monkeypatch.setattr(stages, "ENTITY_PAGE_ARTICLES", 3)
    with Store(db) as store:
        expected = [r[0] for r in store.conn.execute("SELECT DISTINCT article_id FROM entity_mentions")]
        n = store.conn.execute("SELECT COUNT(*) FROM entity_mentions").fetchone()[0]
        for limit in (0, 10**9):
            monkeypatch.setattr(stages, "ENTITY_CACHE_MENTIONS", limit)
            with stages._EntityMentionPages(store, tmp_path) as source:
                for _ in range(2):  # every call is a full pass
                    arts = list(source())
                    assert [a.article_id for a in arts] == sorted(expected)
                    assert sum(len(a.mentions) for a in arts) == n
                    assert all(len(a.mentions) == len(a.previous) == len(a.local_ids) for a in arts)


@pytest.mark.parametrize("limit", [0, 10**9])
def test_only_the_first_pass_queries_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    """Later passes read the pages kept in memory (a small corpus) or in the scratch file (a large
    one), with the same mentions: the store is queried once per page, not once per page and pass."""
    from storyline.store.sqlite import Store
    from tests.conftest import EXAMPLES

    db = tmp_path / "s.db"
    build([str(EXAMPLES / "corpus")], db)
    monkeypatch.setattr(stages, "ENTITY_PAGE_ARTICLES", 3)
    monkeypatch.setattr(stages, "ENTITY_CACHE_MENTIONS", limit)
    with Store(db) as store, stages._EntityMentionPages(store, tmp_path) as source:
        queried: list[str] = []
        query = source._query
        monkeypatch.setattr(source, "_query", lambda page: queried.extend(page) or query(page))
        passes = [[(a.article_id, a.mentions, a.previous, a.local_ids) for a in source()] for _ in range(3)]
        assert sorted(queried) == sorted(source.ids)  # each article queried once
        assert passes[0] == passes[1] == passes[2] and passes[0]
        assert (source.conn is None) == (limit > 0)  # a scratch file only above the limit


def test_resolving_again_rewrites_no_unchanged_mention(tmp_path: Path) -> None:
    """A resolution that gives every mention the id and label it has (a second run over the same
    corpus) writes no entity mention row, and leaves the tables as they were."""
    from storyline.store.sqlite import Store
    from tests.conftest import EXAMPLES

    db = tmp_path / "s.db"
    build([str(EXAMPLES / "corpus")], db)
    before = _entity_tables(db)
    with Store(db) as store:
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        with store.transaction():
            stages.resolve_corpus_entities(store)
        store.conn.set_trace_callback(None)
    assert not [s for s in statements if s.startswith("UPDATE entity_mentions")]
    assert _entity_tables(db) == before
