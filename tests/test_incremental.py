"""An incremental build (part of the corpus, then the rest) equals a build from scratch.

Event and entity ids are the legitimate differences: they are kept stable across builds (an event
or entity keeps the id it had before more articles arrived, even when its title or canonical
name changes), so the comparison names each event and each entity by the set of mentions it
groups instead of by its id. The incremental build also keeps redirects for entity ids that
vanished; a build from scratch has none.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

from storyline.pipeline import build

PLAIN_TABLES = ["ledger", "articles", "removed_spans", "sentences", "entities", "entity_aliases",
                "entity_mentions", "timexes", "figures"]
EVENT_KEYED = {"event_mentions": "event_id", "event_articles": "event_id", "facts": "event_id",
               "reconciliations": "event_id"}


def _rows(conn: sqlite3.Connection, table: str, drop: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[2] != "BLOB" and r[1] not in drop]
    return [dict(zip(cols, row)) for row in conn.execute(f"SELECT {', '.join(cols)} FROM {table}")]


def _event_names(conn: sqlite3.Connection) -> dict[str | None, str]:
    names: dict[str | None, list[str]] = {}
    for aid, start, end, eid in conn.execute("SELECT article_id, start, end, event_id FROM event_mentions"):
        if eid is not None:
            names.setdefault(eid, []).append(f"{aid}:{start}:{end}")
    return {eid: "|".join(sorted(keys)) for eid, keys in names.items()} | {None: "-"}


ENTITY_ID = re.compile(r"ent_[0-9a-f]{16}")


def _entity_names(conn: sqlite3.Connection) -> dict[str, str]:
    names: dict[str, list[str]] = {}
    for aid, start, end, eid in conn.execute("SELECT article_id, start, end, entity_id FROM entity_mentions"):
        if eid is not None:
            names.setdefault(eid, []).append(f"{aid}:{start}:{end}")
    return {eid: "E[" + "|".join(sorted(keys)) + "]" for eid, keys in names.items()}


def _row_repr(r: dict, entity: dict[str, str]) -> str:
    """A row with every entity id in it (a column or inside a JSON list) replaced by the entity's mentions."""
    named = {k: ENTITY_ID.sub(lambda m: entity.get(m.group(0), m.group(0)), v)
             if isinstance(v, str) and not k.startswith("local_") else v  # article-local ids are not renamed
             for k, v in r.items()}
    return repr(tuple(sorted(named.items())))


def _canonical(db: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(db)
    name = _event_names(conn)
    entity = _entity_names(conn)
    out = {t: sorted(_row_repr(r, entity) for r in _rows(conn, t)) for t in PLAIN_TABLES}
    for table, col in EVENT_KEYED.items():
        rows = []
        for r in _rows(conn, table):
            r[col] = name.get(r[col], r[col])
            rows.append(_row_repr(r, entity))
        out[table] = sorted(rows)
    events = []
    for r in _rows(conn, "events", drop=("merged_from",)):
        r["event_id"] = name.get(r["event_id"], r["event_id"])
        events.append(_row_repr(r, entity))
    out["events"] = sorted(events)
    conn.close()
    return out


def _split_examples(tmp_path: Path) -> tuple[Path, Path]:
    """The example corpus in two folders: its .txt files first, the rest second."""
    from tests.conftest import EXAMPLES

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for f in sorted((EXAMPLES / "corpus").iterdir()):
        shutil.copy(f, (first if f.suffix == ".txt" else second) / f.name)
    return first, second


def test_incremental_build_equals_build_from_scratch(tmp_path: Path) -> None:
    first, second = _split_examples(tmp_path)
    incremental = tmp_path / "incremental.db"
    build([str(first)], incremental)
    with sqlite3.connect(incremental) as conn:
        before = {r[0] for r in conn.execute("SELECT entity_id FROM entities")}
    report = build([str(first), str(second)], incremental)
    assert report.ingested > 0 and report.unchanged > 0  # the second build only added the rest
    scratch = tmp_path / "scratch.db"
    build([str(first), str(second)], scratch)
    a, b = _canonical(incremental), _canonical(scratch)
    for table in a:
        assert a[table] == b[table], table
    with sqlite3.connect(incremental) as inc, sqlite3.connect(scratch) as scr:
        assert scr.execute("SELECT COUNT(*) FROM entity_redirects").fetchone()[0] == 0
        now = {r[0] for r in inc.execute("SELECT entity_id FROM entities")}
        redirects = dict(inc.execute("SELECT old_id, entity_id FROM entity_redirects").fetchall())
        fresh = {r[0] for r in scr.execute("SELECT entity_id FROM entities")}
    # every id of the first build still names an entity, itself or through a redirect to one that exists
    assert before and all(eid in now or redirects.get(eid) in now for eid in before)
    # some entities kept an id that a build from scratch would not give them (their name changed)
    assert {eid for eid in before if eid in now} - fresh


def test_entity_ids_survive_a_new_annotation_version(tmp_path: Path) -> None:
    """Re-annotating every article (as after an upgrade) keeps the ids entities had."""
    first, second = _split_examples(tmp_path)
    db = tmp_path / "s.db"
    build([str(first)], db)
    build([str(first), str(second)], db)  # some entities now hold ids a fresh build would not give
    with sqlite3.connect(db) as conn:
        before = sorted(conn.execute("SELECT entity_id, canonical FROM entities").fetchall())
        conn.execute("UPDATE annotation_status SET stage_version = 'old'")  # as if annotation changed
    report = build([str(first), str(second)], db)
    assert report.ingested == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM annotation_status WHERE stage_version = 'old'").fetchone()[0] == 0
        assert sorted(conn.execute("SELECT entity_id, canonical FROM entities").fetchall()) == before
