"""The timeline and one event as plain data (dicts and lists), for the CLI, export and report.

A compact shape over the same reads as the web app (:mod:`storyline.views.queries`): the same
events in the same order, the same names for places, people and sources, so ``storyline
timeline --json``, ``storyline export`` and ``/api/events`` never disagree.
"""

from __future__ import annotations

from typing import Any

from storyline.views import queries


def _names(refs: list[dict[str, Any] | None]) -> list[str]:
    return [r["name"] for r in refs if r]


def _compact(event: dict[str, Any], arts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    def source(article_id: str) -> str:
        art = arts.get(article_id)
        return art["source"] if art else article_id

    recs = event["reconciliations"]
    return {
        "event_id": event["id"],
        "title": event["title"],
        "type": event["type"],
        "date": event["date_value"],
        "date_display": event["date_display"],
        "date_precision": event["date_precision"],
        "date_confidence": event["date_confidence"],
        "status": event["status"],
        "place": event["place"]["name"] if event["place"] else None,
        "participants": _names(event["participants"]),
        "main_sources": sorted({source(a) for a in event["main_articles"]}),
        "mentioning_sources": sorted({source(a) for a in event["mentioning_articles"]}),
        "main_articles": event["main_articles"],
        "mentioning_articles": event["mentioning_articles"],
        "facts": [{"attribute": r["attribute"], "status": r["status"], "explanation": r["explanation"]}
                  for r in recs],
        "conflicts": event["conflicts"],
        "merged_from": event["merged_from"],
    }


def timeline_data(store: Any) -> list[dict[str, Any]]:
    """Events in date order with display date, people, place, source counts and conflicts."""
    arts = queries.article_index(store.conn)
    return [_compact(e, arts) for e in queries.list_events(store.conn)]


def event_data(store: Any, event_id: str) -> dict[str, Any] | None:
    """One event with every fact, its source, modality and quote, and its key sentences."""
    detail = queries.event_detail(store.conn, event_id)
    if detail is None:
        return None
    arts = queries.article_index(store.conn)
    facts = []
    for group in detail["facts"]:
        for f in group["facts"]:
            # facts.outlet holds the source name the facts stage gave it (outlet or file name)
            facts.append({k: v for k, v in f.items()
                          if k not in ("stage", "stage_version", "display", "quote_start", "quote_end",
                                       "reprinted_by", "published")}
                         | {"source": f["outlet"] or f["article_id"],
                            "provenance": f"{f['stage']} {f['stage_version']}"})
    facts.sort(key=lambda f: (f["attribute"], f["article_id"], f["start"]))
    sentences = [{"article_id": s["article_id"], "source": s["outlet"] or s["article_id"],
                  "sentence_index": s["sentence_index"], "start": s["start"], "end": s["end"], "text": s["text"]}
                 for s in detail["key_sentence_rows"][:8]]
    reconciliations = [{"attribute": r["attribute"], "status": r["status"], "explanation": r["explanation"],
                        "sources": r["sources"]} for r in detail["reconciliations"]]
    story = queries.story_of_event(store.conn, event_id)
    return _compact(detail, arts) | {"fact_values": facts, "reconciliations": reconciliations,
                                     "key_sentences": sentences, "story": story}


def stories_data(store: Any) -> list[dict[str, Any]]:
    """The stories (events of one real-world story), by date, each with its events in timeline order."""
    return queries.list_stories(store.conn)
