"""The timeline and one event as plain data (dicts and lists), shared by the CLI, export and report."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from storyline.events.timeline import format_date, order_timeline
from storyline.store.events_io import load_events
from storyline.store.sqlite import Store


def _names(store: Store) -> dict[str, str]:
    return {r["entity_id"]: r["canonical"] for r in store.conn.execute("SELECT entity_id, canonical FROM entities")}


def _outlets(store: Store) -> dict[str, str]:
    """article id → outlet, or the input's file name when the article names no outlet."""
    out = {}
    for r in store.conn.execute("SELECT article_id, outlet, input_key FROM articles"):
        out[r["article_id"]] = r["outlet"] or r["input_key"].rsplit("/", 1)[-1]
    return out


def timeline_data(store: Store) -> list[dict[str, Any]]:
    """Events in date order with display date, people, place, source counts and conflicts."""
    names = _names(store)
    outlets = _outlets(store)
    recs: dict[str, list[dict]] = defaultdict(list)
    for r in store.conn.execute("SELECT * FROM reconciliations ORDER BY event_id, attribute"):
        recs[r["event_id"]].append({"attribute": r["attribute"], "status": r["status"],
                                    "explanation": r["explanation"]})
    out = []
    for e in order_timeline(load_events(store)):
        out.append({
            "event_id": e.event_id,
            "title": e.title,
            "type": e.event_type,
            "date": e.date_value,
            "date_display": format_date(e.date_value, e.date_precision),
            "date_precision": e.date_precision,
            "date_confidence": e.date_confidence,
            "status": e.status,
            "place": names.get(e.place_id, e.place_id) if e.place_id else None,
            "participants": [names.get(p, p) for p in e.participant_ids],
            "main_sources": sorted({outlets.get(a, a) for a in e.main_articles}),
            "mentioning_sources": sorted({outlets.get(a, a) for a in e.mentioning_articles}),
            "main_articles": e.main_articles,
            "mentioning_articles": e.mentioning_articles,
            "facts": recs.get(e.event_id, []),
            "conflicts": [r["attribute"] for r in recs.get(e.event_id, []) if r["status"] == "conflict"],
            "merged_from": e.merged_from,
        })
    return out


def event_data(store: Store, event_id: str) -> dict[str, Any] | None:
    """One event with every fact, its source, modality and quote, and its key sentences."""
    entry = next((e for e in timeline_data(store) if e["event_id"] == event_id), None)
    if entry is None:
        return None
    outlets = _outlets(store)
    facts = []
    for r in store.conn.execute("SELECT * FROM facts WHERE event_id = ? ORDER BY attribute, article_id, start",
                                (event_id,)):
        facts.append({k: r[k] for k in r.keys() if k not in ("stage", "stage_version")}
                     | {"source": r["outlet"] or outlets.get(r["article_id"], r["article_id"]),
                        "provenance": f"{r['stage']} {r['stage_version']}"})
    row = store.conn.execute("SELECT key_sentences FROM events WHERE event_id = ?", (event_id,)).fetchone()
    sentences = []
    for aid, idx in json.loads(row["key_sentences"])[:8]:
        s = store.conn.execute("SELECT * FROM sentences WHERE article_id = ? AND sentence_index = ?",
                               (aid, idx)).fetchone()
        if s is not None:
            sentences.append({"article_id": aid, "source": outlets.get(aid, aid), "sentence_index": idx,
                              "start": s["start"], "end": s["end"], "text": s["text"]})
    reconciliations = [dict(r) | {"sources": json.loads(r["sources"])} for r in store.conn.execute(
        "SELECT attribute, status, explanation, sources FROM reconciliations WHERE event_id = ? ORDER BY attribute",
        (event_id,))]
    return entry | {"fact_values": facts, "reconciliations": reconciliations, "key_sentences": sentences}
