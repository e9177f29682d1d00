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


def test_the_corpus_vote_counts_the_articles_labels_not_an_earlier_vote(tmp_path: Path) -> None:
    """A name's corpus-wide label is voted from the labels its articles gave it. A resolution over
    part of the corpus (an earlier build) writes its vote into ``label``; the next one must not
    count that result again, or adding articles would end elsewhere than a build of them all from
    scratch: "Oret" tagged ORG twice in a first report and GPE once in a second is ORG over those
    two, GPE once a third report tags it GPE twice (ORG 2, GPE 3), not ORG (ORG 3, GPE 2)."""
    from storyline.store.sqlite import Store
    from tests.conftest import EXAMPLES

    db = tmp_path / "s.db"
    build([str(EXAMPLES / "corpus")], db)
    tagged = {0: ["ORG", "ORG"], 1: ["GPE"], 2: ["GPE", "GPE"]}  # per article, its mentions' own labels

    def add(store: Store, aid: str, labels: list[str]) -> None:
        own = "article_label" in [c for c, _ in store.columns("entity_mentions")]
        for k, label in enumerate(labels):
            store.conn.execute(
                "INSERT INTO entity_mentions(article_id, sentence_index, start, end, text, label, stage, stage_version"
                + (", article_label) VALUES (?,?,?,?,?,?,?,?,?)" if own else ") VALUES (?,?,?,?,?,?,?,?)"),
                (aid, 0, 100 * k, 100 * k + 4, "Oret", label, "entities", "test") + ((label,) if own else ()))

    def labels(store: Store) -> list[str]:
        return [r[0] for r in store.conn.execute("SELECT label FROM entity_mentions WHERE text = 'Oret'")]

    with Store(db) as store:
        ids = [r[0] for r in store.conn.execute("SELECT article_id FROM articles ORDER BY article_id LIMIT 3")]
        with store.transaction():
            store.conn.execute("DELETE FROM entity_mentions")
            add(store, ids[0], tagged[0])
            add(store, ids[1], tagged[1])
            stages.resolve_corpus_entities(store)
        assert set(labels(store)) == {"ORG"}  # the vote over the first two reports
        with store.transaction():
            add(store, ids[2], tagged[2])
            stages.resolve_corpus_entities(store)
        incremental = labels(store)
        with store.transaction():  # from scratch: the three reports as annotation wrote them
            store.conn.execute("DELETE FROM entity_mentions")
            for i, aid in enumerate(ids):
                add(store, aid, tagged[i])
            stages.resolve_corpus_entities(store)
        assert incremental == labels(store) == ["GPE"] * 5


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


def _mention_events(conn: sqlite3.Connection) -> list[tuple]:
    return [tuple(r) for r in conn.execute("SELECT article_id, start, end, event_id FROM event_mentions ORDER BY article_id, start")]


def test_writing_events_rewrites_only_the_mentions_whose_event_changed(tmp_path: Path) -> None:
    """Events written over the previous build's: a mention keeps its row when its event id is the
    same (no blanket clearing of every row first, which rewrote the whole table), takes its new
    event's id, or loses the id of an event it is no longer in or that is gone."""
    import json

    from storyline.events.model import Event
    from storyline.store.sqlite import Store
    from tests.conftest import EXAMPLES

    db = tmp_path / "s.db"
    build([str(EXAMPLES / "corpus")], db)
    with Store(db) as store:
        conn = store.conn
        expected = _mention_events(conn)
        keys: dict[str, list[str]] = {}
        for r in conn.execute("SELECT article_id, sentence_index, start, end, event_id FROM event_mentions "
                              "WHERE event_id IS NOT NULL ORDER BY article_id, start"):
            keys.setdefault(r[4], []).append(f"{r[0]}:{r[1]}:{r[2]}:{r[3]}")
        events = [Event(r["event_id"], r["event_type"], r["title"], r["date_value"], r["date_precision"],
                        r["date_confidence"], r["place_id"], json.loads(r["participant_ids"]),
                        json.loads(r["main_articles"]), json.loads(r["mentioning_articles"]),
                        [tuple(k) for k in json.loads(r["key_sentences"])], keys[r["event_id"]])
                  for r in conn.execute("SELECT * FROM events ORDER BY rowid")]
        grouped = [row for row in expected if row[3] is not None]
        free = [row for row in expected if row[3] is None]
        assert len(grouped) > 3 and free
        with store.transaction():
            # the previous build's ids, some of them different from the events written now
            conn.execute("UPDATE event_mentions SET event_id = 'ev_gone' WHERE article_id = ? AND start = ?", grouped[0][:2])
            conn.execute("UPDATE event_mentions SET event_id = NULL WHERE article_id = ? AND start = ?", grouped[1][:2])
            conn.execute("UPDATE event_mentions SET event_id = ? WHERE article_id = ? AND start = ?",
                         (grouped[2][3], *free[0][:2]))  # in that event before, in none now
            conn.execute("DELETE FROM events")
            conn.execute("CREATE TEMP TABLE written (article_id TEXT, start INTEGER)")
            conn.execute("CREATE TEMP TRIGGER count_writes AFTER UPDATE OF event_id ON event_mentions "
                         "BEGIN INSERT INTO written VALUES (new.article_id, new.start); END")
            statements: list[str] = []
            conn.set_trace_callback(statements.append)
            for event in events:
                stages._write_event(store, event)
            conn.set_trace_callback(None)
            stages._clear_gone_events(store)
            written = sorted(tuple(r) for r in conn.execute("SELECT article_id, start FROM written"))
        assert _mention_events(conn) == expected
        assert written == sorted([grouped[0][:2], grouped[1][:2], free[0][:2]])
        # Nor is a mention whose event id stays looked up by its key: one UPDATE per changed row
        # (the rows an event has already come from one query of the event id's index).
        # (SQLite's trace names a statement more than once around the temporary trigger: distinct ones.)
        updates = {sql for sql in statements if sql.lstrip().upper().startswith("UPDATE EVENT_MENTIONS")}
        assert len(updates) == 3


def test_mapping_mentions_again_rewrites_no_unchanged_row(tmp_path: Path) -> None:
    """The event mentions' corpus ids (place, places, people) are written back only where they
    changed: a second build over the same corpus writes none of them, and a row whose stored ids
    are stale gets them again."""
    from storyline.store.sqlite import Store
    from tests.conftest import EXAMPLES

    db = tmp_path / "s.db"
    build([str(EXAMPLES / "corpus")], db)
    with Store(db) as store:
        conn = store.conn
        columns = "SELECT article_id, start, place_id, place_ids, participant_ids FROM event_mentions ORDER BY article_id, start"
        expected = [tuple(r) for r in conn.execute(columns)]
        stale = next(r for r in expected if r[4] != "[]")
        with store.transaction():
            conn.execute("UPDATE event_mentions SET participant_ids = '[]' WHERE article_id = ? AND start = ?", stale[:2])
            conn.execute("CREATE TEMP TABLE written (article_id TEXT, start INTEGER)")
            conn.execute("CREATE TEMP TRIGGER count_writes AFTER UPDATE OF participant_ids ON event_mentions "
                         "BEGIN INSERT INTO written VALUES (new.article_id, new.start); END")
            ents, mapping = stages.resolve_corpus_entities(store)
            mentions = stages._load_event_mentions(store, mapping)
            written = [tuple(r) for r in conn.execute("SELECT article_id, start FROM written")]
        assert len(mentions) == len(expected)
        assert written == [stale[:2]]
        assert [tuple(r) for r in conn.execute(columns)] == expected


def test_the_corpus_stages_collect_young_objects_rarely_and_restore_the_threshold(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Entity resolution and the events phase run with the cyclic collector's young threshold at
    CORPUS_GC_YOUNG (its collections took a third of their CPU at 10,000 articles), and give the
    caller's threshold back, also when they fail."""
    import gc

    from storyline.store.sqlite import Store
    from tests.conftest import EXAMPLES

    db = tmp_path / "s.db"
    build([str(EXAMPLES / "corpus")], db)
    before = gc.get_threshold()
    seen: list[tuple[int, ...]] = []
    facts_and_stories = stages._facts_and_stories
    monkeypatch.setattr(stages, "_facts_and_stories",
                        lambda *args: seen.append(gc.get_threshold()) or facts_and_stories(*args))
    with Store(db) as store, store.transaction():
        ents, mapping = stages.resolve_corpus_entities(store)
        stages.build_events(store, ents, mapping)
        assert gc.get_threshold() == before
        monkeypatch.setattr(stages, "_prepare_mentions", lambda *args: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            stages.build_events(store, ents, mapping)
    assert seen == [(stages.CORPUS_GC_YOUNG, *before[1:])]
    assert gc.get_threshold() == before


def test_stored_id_lists_are_written_and_read_as_json_does() -> None:
    """The event stage compares a mention's corpus ids with the stored JSON text without json's
    encoder: the text must be json.dumps's, byte for byte, whatever the strings hold."""
    import json
    import random

    rng = random.Random(3)
    alphabet = 'abcXYZ019_:-"\\/\n\t\u00e9\u0416\u4e2d\U0001f600 '
    lists = [[], ["e1"], ["e0123456789abcdef", "e2"]] + [
        ["".join(rng.choice(alphabet) for _ in range(rng.randrange(12))) for _ in range(rng.randrange(5))]
        for _ in range(300)]
    for ids in lists:
        assert stages._json_ids(ids) == json.dumps(ids)
        assert stages._ids_of(json.dumps(ids)) == ids


def test_rebuilding_events_empties_their_child_tables_whole_first(tmp_path: Path) -> None:
    """The event stage clears the previous build's facts, reconciliations, story links and event
    articles with one whole-table DELETE each before the events (not through the events' foreign
    keys, event by event), and ends with the rows of a first build."""
    from storyline.store.sqlite import Store
    from tests.conftest import EXAMPLES

    db = tmp_path / "s.db"
    build([str(EXAMPLES / "corpus")], db)
    tables = ("events", *stages._EVENT_CHILD_TABLES, "stories")
    dump = {t: sorted(sqlite3.connect(db).execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    assert all(dump.values())
    with Store(db) as store, store.transaction():
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        ents, mapping = stages.resolve_corpus_entities(store)
        stages.build_events(store, ents, mapping)
        store.conn.set_trace_callback(None)
    deletes = [sql.strip() for sql in statements if sql.strip().upper().startswith("DELETE FROM")]
    wanted = [f"DELETE FROM {t}" for t in (*stages._EVENT_CHILD_TABLES, "events")]
    assert [sql for sql in deletes if sql in wanted][:5] == wanted
    assert {t: sorted(sqlite3.connect(db).execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables} == dump
