"""Read events back from the store as `Event` records (for incremental grouping and the views)."""

from __future__ import annotations

import json
from collections import defaultdict

from storyline.events.model import Event, mention_key
from storyline.store.sqlite import Store


def load_events(store: Store) -> list[Event]:
    keys: dict[str, list[str]] = defaultdict(list)
    for m in store.conn.execute(
        "SELECT event_id, article_id, sentence_index, start, end FROM event_mentions "
        "WHERE event_id IS NOT NULL ORDER BY article_id, start"
    ):
        keys[m["event_id"]].append(mention_key(m["article_id"], m["sentence_index"], m["start"], m["end"]))
    out = []
    for r in store.conn.execute("SELECT * FROM events ORDER BY event_id"):
        out.append(Event(
            r["event_id"], r["event_type"], r["title"], r["date_value"], r["date_precision"], r["date_confidence"],
            r["place_id"], json.loads(r["participant_ids"]), json.loads(r["main_articles"]),
            json.loads(r["mentioning_articles"]), [tuple(k) for k in json.loads(r["key_sentences"])],
            keys.get(r["event_id"], []), json.loads(r["merged_from"]), json.loads(r["place_ids"]), r["status"],
            r["date_hint"], r["stage"], r["stage_version"]))
    return out
