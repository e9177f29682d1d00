"""An incremental build (part of the corpus, then the rest) equals a build from scratch.

Event ids are the one legitimate difference: they are kept stable across builds (an event keeps
the id it had before more articles arrived), so the comparison names each event by the set of
mentions it groups instead of by its id.
"""

from __future__ import annotations

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


def _canonical(db: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(db)
    name = _event_names(conn)
    out = {t: sorted(map(repr, (tuple(sorted(r.items())) for r in _rows(conn, t)))) for t in PLAIN_TABLES}
    for table, col in EVENT_KEYED.items():
        rows = []
        for r in _rows(conn, table):
            r[col] = name.get(r[col], r[col])
            rows.append(repr(tuple(sorted(r.items()))))
        out[table] = sorted(rows)
    events = []
    for r in _rows(conn, "events", drop=("merged_from",)):
        r["event_id"] = name.get(r["event_id"], r["event_id"])
        events.append(repr(tuple(sorted(r.items()))))
    out["events"] = sorted(events)
    conn.close()
    return out


def test_incremental_build_equals_build_from_scratch(tmp_path: Path) -> None:
    from tests.conftest import EXAMPLES

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for f in sorted((EXAMPLES / "corpus").iterdir()):
        shutil.copy(f, (first if f.suffix == ".txt" else second) / f.name)
    incremental = tmp_path / "incremental.db"
    build([str(first)], incremental)
    report = build([str(first), str(second)], incremental)
    assert report.ingested > 0 and report.unchanged > 0  # the second build only added the rest
    scratch = tmp_path / "scratch.db"
    build([str(first), str(second)], scratch)
    a, b = _canonical(incremental), _canonical(scratch)
    for table in a:
        assert a[table] == b[table], table
