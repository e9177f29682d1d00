"""JSON and JSONL export of the store: every table anyone may want, provenance included."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from storyline.store.sqlite import Store

# Exported tables and their order; raw texts are part of `articles`.
EXPORT_TABLES: list[tuple[str, str]] = [
    ("articles", "article_id"),
    ("ledger", "input_key"),
    ("removed_spans", "article_id, orig_start"),
    ("sentences", "article_id, sentence_index"),
    ("entities", "entity_id"),
    ("entity_aliases", "entity_id, alias"),
    ("entity_redirects", "old_id"),
    ("entity_mentions", "article_id, start"),
    ("timexes", "article_id, start"),
    ("figures", "article_id, start"),
    ("event_mentions", "article_id, start"),
    ("events", "event_id"),
    ("event_articles", "event_id, article_id"),
    ("facts", "event_id, article_id, start"),
    ("reconciliations", "event_id, attribute"),
    ("stories", "story_id"),
    ("story_events", "event_id"),
]
JSON_COLUMNS = ("offset_map", "reprinted_by", "participant_ids", "local_participant_ids", "place_ids",
                "main_articles", "mentioning_articles", "key_sentences", "merged_from", "sources",
                "event_ids", "article_ids")


def existing_tables(store: Store) -> list[tuple[str, str]]:
    names = store.table_names()
    return [(t, order) for t, order in EXPORT_TABLES if t in names]


def _decode_json_columns(row: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_COLUMNS:
        if key in row and isinstance(row[key], str):
            row[key] = json.loads(row[key])
    return row


def export_json(store: Store, out: IO[str]) -> None:
    from storyline.views.timeline import timeline_data

    data: dict[str, Any] = {"timeline": timeline_data(store)}
    data |= {table: [_decode_json_columns(r) for r in store.table_rows(table, order)]
             for table, order in existing_tables(store)}
    json.dump(data, out, ensure_ascii=False, indent=1, sort_keys=False)
    out.write("\n")


def iter_jsonl_records(store: Store) -> Iterator[dict[str, Any]]:
    from storyline.views.timeline import timeline_data

    for event in timeline_data(store):
        yield {"table": "timeline", **event}
    for table, order in existing_tables(store):
        for row in store.table_rows(table, order):
            yield {"table": table, **_decode_json_columns(row)}


def export_jsonl(store: Store, out: IO[str]) -> None:
    for record in iter_jsonl_records(store):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
