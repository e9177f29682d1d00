"""Read-only SQL helpers shared by the report and the web app.

Every function takes an open connection (``Store.conn``: a ``sqlite3.Connection`` with rows as
``sqlite3.Row``, or the PostgreSQL connection of storyline.store.postgres, which reads the same)
and returns plain dicts and lists, with the JSON columns decoded, entity ids resolved to
names and dates formatted for display. Nothing here writes to the database.

Tables that a database may not have yet (an old file, a build that stopped before the event
stage) read as empty.
"""

from __future__ import annotations

import calendar
import json
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

from storyline.events.model import parse_date_value
from storyline.events.timeline import format_date, order_timeline
from storyline.records import source_name
from storyline.store import backend

PRECISION_LABELS = {
    "day": "precision: day",
    "month": "precision: month",
    "year": "precision: year",
    "unknown-year": "the text gives no year",
    "unknown": "no usable date",
}

QUALIFIER_WORDS = {
    "APPROX": "about",
    "MORE_THAN": "more than",
    "LESS_THAN": "less than",
    "EQUAL_OR_MORE": "at least",
    "EQUAL_OR_LESS": "up to",
}

PUBLISHED_SOURCE_LABELS = {
    "metadata": "from the page or feed metadata",
    "dateline": "from the dateline",
    "inferred": "inferred from the text",
    "unknown": "unknown",
    "user": "given by the user",
}


# --- small helpers ------------------------------------------------------------------------------


def table_names(conn: sqlite3.Connection) -> set[str]:
    return backend.table_names(conn)


def _has(conn: sqlite3.Connection, *tables: str) -> bool:
    names = table_names(conn)
    return all(t in names for t in tables)


def _json(value: Any, default: Any) -> Any:
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return default


def short_input_names(keys: Iterable[str]) -> dict[str, str]:
    """Input keys relative to their common folder (file names when they share one folder)."""
    keys = list(keys)
    paths = [k.split("#", 1)[0] for k in keys]
    if len(set(paths)) < 2:
        return {k: os.path.basename(k.split("#", 1)[0]) + (("#" + k.split("#", 1)[1]) if "#" in k else "")
                for k in keys}
    try:
        root = os.path.commonpath(paths)
    except ValueError:
        return {k: k for k in keys}
    return {k: os.path.relpath(k, root) if k.startswith(root) and k != root else k for k in keys}


def _trim(x: float, digits: int = 3) -> str:
    text = f"{x:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


def _scaled(v: float) -> tuple[float, str]:
    for scale, word in _SCALES:
        if abs(v) >= scale:
            return v / scale, word
    return v, ""


def format_number(v: float | None) -> str:
    if v is None:
        return "?"
    x, word = _scaled(v)
    if word:
        return f"{_trim(x)} {word}"
    if float(v).is_integer():
        return f"{int(v):,}"
    return _trim(v, 2)


def format_value(kind: str | None, value: float | None, value_max: float | None, unit: str | None,
                 qualifier: str | None, timex: str | None = None) -> str:
    """A figure in words: "about 2,000 people", "USD 1.5 billion", "3–3.5 billion", "4 hours"."""
    if value is None:
        number = "an unspecified amount" if not timex else timex
    elif value_max is not None and value_max != value:
        lo, lo_word = _scaled(value)
        hi, hi_word = _scaled(value_max)
        if lo_word == hi_word and lo_word:
            number = f"{_trim(lo)}–{_trim(hi)} {lo_word}"
        else:
            number = f"{format_number(value)}–{format_number(value_max)}"
    else:
        number = format_number(value)
    if kind == "money":
        text = f"{unit} {number}" if unit else number
    elif kind == "percent":
        text = f"{number} percentage points" if unit == "percentage points" else f"{number}%"
    else:
        text = f"{number} {unit}" if unit else number
    q = QUALIFIER_WORDS.get(qualifier or "", (qualifier or "").lower().replace("_", " "))
    return f"{q} {text}" if q else text


def date_period(value: str | None, precision: str | None = None) -> tuple[date, date] | None:
    """First and last day a TIMEX3 date covers (None when the year or the month is unknown)."""
    parts = parse_date_value(value)
    if parts is None or parts.year is None or precision == "unknown":
        return None
    year, month, day = parts
    if precision == "year":
        month = day = None
    elif precision == "month":
        day = None
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        if day is None:
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        return date(year, month, day), date(year, month, day)
    except ValueError:
        return None


def guessed_period(value: str | None, hint: str | None) -> tuple[date, date] | None:
    """For a year-less date ("XXXX-09-21"): the period in the year its date_hint suggests.

    Same rule as the timeline order: the hint's year, or the one before when the day falls
    after the hint. Used only to place an event on the chart, drawn as a guess.
    """
    parts = parse_date_value(value)
    if parts is None or parts.year is not None or parts.month is None or not hint:
        return None
    try:
        h = date.fromisoformat(hint[:10])
    except ValueError:
        return None
    year = h.year - 1 if (parts.month, parts.day or 1) > (h.month, h.day) else h.year
    if parts.day is not None:
        return date_period(f"{year:04d}-{parts.month:02d}-{parts.day:02d}", "day")
    return date_period(f"{year:04d}-{parts.month:02d}", "month")


def parse_date_bound(text: str | None, *, end: bool) -> date | None:
    """A filter bound: "2020", "2020-09" or "2020-09-14"; ``end`` takes the last day of the period."""
    if not text:
        return None
    text = text.strip()
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        raise ValueError(f"not a date: {text!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
    period = date_period(text)
    if period is None:
        raise ValueError(f"not a date: {text!r}")
    return period[1] if end else period[0]


# --- articles and entities ----------------------------------------------------------------------


def article_index(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Every article's metadata (no texts), by id."""
    rows = conn.execute(
        "SELECT article_id, input_key, title, outlet, url, published, published_source, reprinted_by FROM articles"
    ).fetchall()
    out = {}
    for r in rows:
        d = dict(r)
        d["reprinted_by"] = _json(d["reprinted_by"], [])
        # As `storyline timeline`: an article that names no outlet is known by its input's file name.
        d["source"] = source_name(d["outlet"], d["input_key"])
        out[d["article_id"]] = d
    return out


def entity_index_map(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    if not _has(conn, "entities"):
        return {}
    return {r["entity_id"]: {"id": r["entity_id"], "name": r["canonical"], "label": r["label"],
                             "mentions": r["mentions"]}
            for r in conn.execute("SELECT entity_id, canonical, label, mentions FROM entities")}


def _entity_ref(entities: dict[str, dict[str, Any]], entity_id: str | None) -> dict[str, Any] | None:
    if not entity_id:
        return None
    return entities.get(entity_id) or {"id": entity_id, "name": entity_id, "label": "", "mentions": 0}


def outlets(conn: sqlite3.Connection) -> list[str]:
    """Every outlet: of the articles and of their reprints."""
    names: set[str] = set()
    for r in conn.execute("SELECT outlet, reprinted_by FROM articles"):
        if r["outlet"]:
            names.add(r["outlet"])
        names.update(o for o in _json(r["reprinted_by"], []) if o)
    return sorted(names, key=str.casefold)


def overview(conn: sqlite3.Connection) -> dict[str, Any]:
    ledger = {"ingested": 0, "duplicate": 0, "rejected": 0}
    for r in conn.execute("SELECT state, COUNT(*) AS n FROM ledger GROUP BY state"):
        ledger[r["state"]] = r["n"]
    n_articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    dates = [r[0] for r in conn.execute(
        "SELECT published FROM articles WHERE published IS NOT NULL ORDER BY published")]
    events = list_events(conn)
    periods = [p for p in (date_period(e["date_value"], e["date_precision"]) for e in events) if p]
    n_conflicts = sum(len(e["conflicts"]) for e in events)
    outlet_names = outlets(conn)
    article_outlets = sorted({r[0] for r in conn.execute("SELECT DISTINCT outlet FROM articles") if r[0]},
                             key=str.casefold)
    return {
        "articles": n_articles,
        "outlets": outlet_names,
        "article_outlets": article_outlets,
        "published_first": dates[0] if dates else None,
        "published_last": dates[-1] if dates else None,
        "events": len(events),
        "events_dated": len(periods),
        "events_first": min(p[0] for p in periods).isoformat() if periods else None,
        "events_last": max(p[1] for p in periods).isoformat() if periods else None,
        "event_span": _span(periods),
        "entities": conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0] if _has(conn, "entities") else 0,
        "conflicts": n_conflicts,
        "events_with_conflicts": sum(1 for e in events if e["conflicts"]),
        "ledger": ledger,
    }


def _span(periods: list[tuple[date, date]]) -> str | None:
    if not periods:
        return None
    first = _display_period(min(periods))
    last = _display_period(max(periods, key=lambda p: (p[1], p[0])))
    return first if first == last else f"{first} – {last}"


def _display_period(p: tuple[date, date]) -> str:
    if p[0] == p[1]:
        return f"{p[0].day} {p[0]:%b %Y}"
    if (p[0].year, p[0].month) == (p[1].year, p[1].month):
        return f"{p[0]:%b %Y}"
    return str(p[0].year)


# --- events -------------------------------------------------------------------------------------


@dataclass
class EventFilter:
    entity: str | None = None
    outlet: str | None = None
    date_from: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD
    date_to: str | None = None
    event_type: str | None = None

    @property
    def active(self) -> bool:
        return any((self.entity, self.outlet, self.date_from, self.date_to, self.event_type))

    def as_params(self) -> dict[str, str]:
        pairs = {"entity": self.entity, "outlet": self.outlet, "from": self.date_from, "to": self.date_to,
                 "type": self.event_type}
        return {k: v for k, v in pairs.items() if v}


class _Orderable:
    """What events.timeline.order_timeline reads from an event."""

    def __init__(self, d: dict[str, Any]) -> None:
        self.d = d
        self.event_id = d["id"]
        self.title = d["title"]
        self.date_value = d["date_value"]
        self.date_precision = d["date_precision"]
        self.date_hint = d["date_hint"]


def _event_articles(conn: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """event_id -> {article_id: role} from event_articles."""
    out: dict[str, dict[str, str]] = {}
    if _has(conn, "event_articles"):
        for r in conn.execute("SELECT event_id, article_id, role FROM event_articles"):
            out.setdefault(r["event_id"], {})[r["article_id"]] = r["role"]
    return out


def _reconciliation_map(conn: sqlite3.Connection) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    if _has(conn, "reconciliations"):
        for r in conn.execute("SELECT event_id, attribute, status, explanation, sources FROM reconciliations "
                              "ORDER BY event_id, attribute"):
            d = dict(r)
            d["sources"] = _json(d["sources"], [])
            out.setdefault(r["event_id"], []).append(d)
    return out


def _decode_event(row: sqlite3.Row, entities: dict[str, dict[str, Any]], arts: dict[str, dict[str, Any]],
                  roles: dict[str, str], recs: list[dict[str, Any]]) -> dict[str, Any]:
    d = dict(row)
    main = _json(d["main_articles"], [])
    mentioning = _json(d["mentioning_articles"], [])
    roles = dict(roles)
    for a in main:
        roles.setdefault(a, "main")
    for a in mentioning:
        roles.setdefault(a, "mentioning")
    participant_ids = [p for p in _json(d["participant_ids"], []) if p]
    place_ids = [p for p in _json(d["place_ids"], []) if p]
    if d["place_id"] and d["place_id"] not in place_ids:
        place_ids.insert(0, d["place_id"])
    reporting: set[str] = set()
    for a in roles:
        art = arts.get(a)
        if art:
            reporting.add(art["source"])
            reporting.update(art["reprinted_by"])
    precision = d["date_precision"]
    event = {
        "id": d["event_id"],
        "type": d["event_type"],
        "title": d["title"],
        "date_value": d["date_value"],
        "date_precision": precision,
        "precision_label": PRECISION_LABELS.get(precision, precision),
        "date_confidence": d["date_confidence"],
        "date_hint": d["date_hint"],
        "date_display": format_date(d["date_value"], precision, d["date_hint"]),
        "place": _entity_ref(entities, d["place_id"] or (place_ids[0] if place_ids else None)),
        "places": [_entity_ref(entities, p) for p in place_ids],
        "participants": [_entity_ref(entities, p) for p in participant_ids],
        "status": d["status"],
        "main_articles": [a for a, r in roles.items() if r == "main"],
        "mentioning_articles": [a for a, r in roles.items() if r != "main"],
        "key_sentences": [tuple(k) for k in _json(d["key_sentences"], []) if isinstance(k, list) and len(k) == 2],
        "merged_from": _json(d["merged_from"], []),
        "outlets": sorted(reporting, key=str.casefold),
        "n_articles": len(roles),
        "reconciliations": recs,
        "conflicts": [r["attribute"] for r in recs if r["status"] == "conflict"],
        "agreements": [r["attribute"] for r in recs if r["status"] == "agree"],
    }
    event["entity_ids"] = sorted({p["id"] for p in event["participants"] + event["places"] if p})
    return event


def list_events(conn: sqlite3.Connection, flt: EventFilter | None = None) -> list[dict[str, Any]]:
    """Events in timeline order (see storyline.events.timeline), filtered.

    A date filter keeps the events whose period overlaps the range; events whose year or date
    is unknown are left out while a date filter is set. Raises ValueError for a bad date bound.
    """
    if not _has(conn, "events"):
        return []
    entities = entity_index_map(conn)
    arts = article_index(conn)
    roles = _event_articles(conn)
    recs = _reconciliation_map(conn)
    events = [_decode_event(r, entities, arts, roles.get(r["event_id"], {}), recs.get(r["event_id"], []))
              for r in conn.execute("SELECT * FROM events")]
    if flt and flt.active:
        lo = parse_date_bound(flt.date_from, end=False)
        hi = parse_date_bound(flt.date_to, end=True)
        wanted_entity = flt.entity
        if wanted_entity and wanted_entity not in entities:  # an old id: follow its entity
            wanted_entity = entity_redirect(conn, wanted_entity) or wanted_entity
        kept = []
        for e in events:
            if flt.event_type and e["type"] != flt.event_type:
                continue
            if wanted_entity and wanted_entity not in e["entity_ids"]:
                continue
            if flt.outlet and flt.outlet not in e["outlets"]:
                continue
            if lo or hi:
                period = date_period(e["date_value"], e["date_precision"])
                if period is None or (lo and period[1] < lo) or (hi and period[0] > hi):
                    continue
            kept.append(e)
        events = kept
    return [o.d for o in order_timeline([_Orderable(e) for e in events])]  # type: ignore[arg-type]


def event_types(conn: sqlite3.Connection) -> list[str]:
    if not _has(conn, "events"):
        return []
    return [r[0] for r in conn.execute("SELECT DISTINCT event_type FROM events ORDER BY event_type")]


def event_entities(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Entities that take part in (or are the place of) at least one event, by name."""
    ids: set[str] = set()
    for e in list_events(conn):
        ids.update(e["entity_ids"])
    entities = entity_index_map(conn)
    return sorted((_entity_ref(entities, i) for i in ids), key=lambda e: (e["name"].casefold(), e["id"]))  # type: ignore[union-attr]


def _sentence_map(conn: sqlite3.Connection, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], dict[str, Any]]:
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for article_id, index in set(keys):
        r = conn.execute("SELECT article_id, sentence_index, start, end, text FROM sentences "
                         "WHERE article_id = ? AND sentence_index = ?", (article_id, index)).fetchone()
        if r is not None:
            out[(article_id, index)] = dict(r)
    return out


def _source(arts: dict[str, dict[str, Any]], article_id: str) -> dict[str, Any]:
    a = arts.get(article_id) or {}
    return {"article_id": article_id, "outlet": a.get("source"), "title": a.get("title"),
            "published": a.get("published"), "reprinted_by": a.get("reprinted_by", [])}


def list_stories(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every story (events/stories.py) with its date span, events (id, title, date) and article count."""
    if not _has(conn, "stories", "events"):
        return []
    events = {r["event_id"]: r for r in conn.execute("SELECT event_id, title, date_value, date_precision FROM events")}
    out = []
    for r in conn.execute("SELECT * FROM stories ORDER BY COALESCE(date_from, '9999'), story_id"):
        ids = [e for e in _json(r["event_ids"], []) if e in events]
        out.append({
            "story_id": r["story_id"], "title": r["title"], "date_from": r["date_from"], "date_to": r["date_to"],
            "articles": len(_json(r["article_ids"], [])),
            "events": [{"event_id": e, "title": events[e]["title"],
                        "date_display": format_date(events[e]["date_value"], events[e]["date_precision"])}
                       for e in ids],
        })
    return out


def story_of_event(conn: sqlite3.Connection, event_id: str) -> dict[str, Any] | None:
    """The story an event belongs to: id, title, date span, its number of events and articles."""
    if not _has(conn, "stories", "story_events"):
        return None
    r = conn.execute("SELECT s.* FROM story_events se JOIN stories s USING (story_id) WHERE se.event_id = ?",
                     (event_id,)).fetchone()
    if r is None:
        return None
    return {"story_id": r["story_id"], "title": r["title"], "date_from": r["date_from"], "date_to": r["date_to"],
            "events": len(_json(r["event_ids"], [])), "articles": len(_json(r["article_ids"], []))}


def event_detail(conn: sqlite3.Connection, event_id: str) -> dict[str, Any] | None:
    """One event with its key sentences, facts by attribute (with reconciliation), mentions, articles."""
    if not _has(conn, "events"):
        return None
    row = conn.execute("SELECT * FROM events WHERE event_id = ?", (event_id,)).fetchone()
    if row is None:
        return None
    entities = entity_index_map(conn)
    arts = article_index(conn)
    event = _decode_event(row, entities, arts, _event_articles(conn).get(event_id, {}),
                          _reconciliation_map(conn).get(event_id, []))
    facts = [dict(r) for r in conn.execute(
        "SELECT * FROM facts WHERE event_id = ? ORDER BY attribute, article_id, start", (event_id,))] \
        if _has(conn, "facts") else []
    mentions = [dict(r) for r in conn.execute(
        "SELECT * FROM event_mentions WHERE event_id = ? ORDER BY article_id, start", (event_id,))] \
        if _has(conn, "event_mentions") else []
    sentences = _sentence_map(conn, list(event["key_sentences"])
                              + [(f["article_id"], f["sentence_index"]) for f in facts]
                              + [(m["article_id"], m["sentence_index"]) for m in mentions])

    event["key_sentence_rows"] = []
    for article_id, index in event["key_sentences"]:
        s = sentences.get((article_id, index))
        if s:
            event["key_sentence_rows"].append({**_source(arts, article_id), **s})

    by_attr: dict[str, dict[str, Any]] = {}
    recs = {r["attribute"]: r for r in event["reconciliations"]}
    for f in facts:
        group = by_attr.setdefault(f["attribute"], {
            "attribute": f["attribute"], "status": None, "explanation": None, "sources": [], "facts": []})
        s = sentences.get((f["article_id"], f["sentence_index"]))
        f["display"] = format_value(f["kind"], f["value"], f["value_max"], f["unit"], f["qualifier"], f["timex"])
        f["quote_start"], f["quote_end"] = (s["start"], s["end"]) if s else (f["start"], f["end"])
        src = _source(arts, f["article_id"])
        f["outlet"] = f["outlet"] or src["outlet"]
        f["reprinted_by"] = src["reprinted_by"]
        f["published"] = src["published"]
        group["facts"].append(f)
    for attr, r in recs.items():
        group = by_attr.setdefault(attr, {"attribute": attr, "facts": []})
        group.update(status=r["status"], explanation=r["explanation"], sources=r["sources"])
    event["facts"] = sorted(by_attr.values(), key=lambda g: (g["status"] != "conflict", g["attribute"]))

    event["mentions"] = []
    for m in mentions:
        s = sentences.get((m["article_id"], m["sentence_index"]))
        m["participants"] = [_entity_ref(entities, p) for p in _json(m["participant_ids"], []) if p]
        m["place"] = _entity_ref(entities, m["place_id"])
        m["sentence"] = s["text"] if s else m["trigger"]
        m["sentence_start"], m["sentence_end"] = (s["start"], s["end"]) if s else (m["start"], m["end"])
        m.update({k: v for k, v in _source(arts, m["article_id"]).items() if k != "article_id"})
        event["mentions"].append(m)

    event["articles"] = [{**_source(arts, a), "role": "main"} for a in event["main_articles"]] + \
                        [{**_source(arts, a), "role": "mentioning"} for a in event["mentioning_articles"]]
    return event


# --- entities -----------------------------------------------------------------------------------


def entity_aliases(conn: sqlite3.Connection) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    if _has(conn, "entity_aliases"):
        for r in conn.execute("SELECT entity_id, alias, count FROM entity_aliases ORDER BY entity_id, count DESC, alias"):
            out.setdefault(r["entity_id"], []).append({"alias": r["alias"], "count": r["count"]})
    return out


def entity_list(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every entity with its aliases and the events it is part of (the report's index)."""
    entities = entity_index_map(conn)
    aliases = entity_aliases(conn)
    events_of: dict[str, list[dict[str, Any]]] = {}
    for e in list_events(conn):
        for eid in e["entity_ids"]:
            events_of.setdefault(eid, []).append({"id": e["id"], "title": e["title"], "date_display": e["date_display"]})
    out = []
    for eid, ent in entities.items():
        out.append({**ent, "aliases": aliases.get(eid, []), "events": events_of.get(eid, [])})
    out.sort(key=lambda e: (e["name"].casefold(), e["id"]))
    return out


def entity_redirect(conn: sqlite3.Connection, entity_id: str) -> str | None:
    """The entity an old id now belongs to (its entity was merged into another), or None."""
    if not _has(conn, "entity_redirects"):
        return None
    row = conn.execute("SELECT entity_id FROM entity_redirects WHERE old_id = ?", (entity_id,)).fetchone()
    return row["entity_id"] if row is not None else None


def entity_detail(conn: sqlite3.Connection, entity_id: str, quote_limit: int = 200) -> dict[str, Any] | None:
    entities = entity_index_map(conn)
    if entity_id not in entities:
        return None
    ent = dict(entities[entity_id])
    ent["aliases"] = entity_aliases(conn).get(entity_id, [])
    ent["events"] = [e for e in list_events(conn) if entity_id in e["entity_ids"]]
    arts = article_index(conn)
    quotes = []
    total = 0
    if _has(conn, "entity_mentions", "sentences"):
        total = conn.execute("SELECT COUNT(*) FROM entity_mentions WHERE entity_id = ?", (entity_id,)).fetchone()[0]
        rows = conn.execute(
            "SELECT m.article_id, m.start, m.end, m.text AS mention, m.sentence_index, s.text AS sentence, "
            "s.start AS sentence_start, s.end AS sentence_end FROM entity_mentions m "
            "LEFT JOIN sentences s ON s.article_id = m.article_id AND s.sentence_index = m.sentence_index "
            "WHERE m.entity_id = ? ORDER BY m.article_id, m.start LIMIT ?", (entity_id, quote_limit)).fetchall()
        for r in rows:
            q = dict(r)
            q.update({k: v for k, v in _source(arts, q["article_id"]).items() if k != "article_id"})
            if q["sentence"] is None:
                q["sentence"], q["sentence_start"], q["sentence_end"] = q["mention"], q["start"], q["end"]
            quotes.append(q)
    ent["quotes"] = quotes
    ent["quotes_total"] = total
    return ent


# --- articles -----------------------------------------------------------------------------------


def _ledger_detail(row: dict[str, Any]) -> str:
    if row["state"] == "duplicate":
        text = f"{row['duplicate_kind'] or ''} duplicate of {row['article_id']}".strip()
        if row["duplicate_kind"] == "near" and row["similarity"] is not None:
            text += f" (similarity {row['similarity']:.2f})"
        return text
    if row["state"] == "rejected":
        return row["reason"] or ""
    return row["article_id"] or ""


def ledger(conn: sqlite3.Connection, state: str | None = None) -> list[dict[str, Any]]:
    if state:
        rows = conn.execute("SELECT * FROM ledger WHERE state = ? ORDER BY input_key", (state,)).fetchall()
    else:
        rows = conn.execute("SELECT * FROM ledger ORDER BY input_key").fetchall()
    names = short_input_names(r["input_key"] for r in rows)
    out = []
    for r in rows:
        d = dict(r)
        d["name"] = names[d["input_key"]]
        d["detail"] = _ledger_detail(d)
        out.append(d)
    return out


def article_detail(conn: sqlite3.Connection, article_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM articles WHERE article_id = ?", (article_id,)).fetchone()
    if row is None:
        return None
    art = {k: row[k] for k in row.keys() if k != "minhash"}
    art["reprinted_by"] = _json(art["reprinted_by"], [])
    art["offset_map"] = _json(art["offset_map"], [])
    art["published_source_label"] = PUBLISHED_SOURCE_LABELS.get(art["published_source"], art["published_source"])
    names = table_names(conn)
    entities = entity_index_map(conn)

    def rows(sql: str, table: str) -> list[dict[str, Any]]:
        return [dict(r) for r in conn.execute(sql, (article_id,))] if table in names else []

    art["entity_mentions"] = rows("SELECT * FROM entity_mentions WHERE article_id = ? ORDER BY start", "entity_mentions")
    for m in art["entity_mentions"]:
        ref = entities.get(m["entity_id"] or "")
        m["canonical"] = ref["name"] if ref else None
        if ref is None:
            m["entity_id"] = None
    art["timexes"] = rows("SELECT * FROM timexes WHERE article_id = ? ORDER BY start", "timexes")
    art["figures"] = rows("SELECT * FROM figures WHERE article_id = ? ORDER BY start", "figures")
    for f in art["figures"]:
        f["display"] = format_value(f["kind"], f["value"], f["value_max"], f["unit"], f["qualifier"], f["timex"])
    art["event_mentions"] = rows("SELECT * FROM event_mentions WHERE article_id = ? ORDER BY start", "event_mentions")
    art["removed_spans"] = rows("SELECT * FROM removed_spans WHERE article_id = ? ORDER BY orig_start", "removed_spans")
    art["sentence_count"] = conn.execute("SELECT COUNT(*) FROM sentences WHERE article_id = ?",
                                         (article_id,)).fetchone()[0] if "sentences" in names else 0
    ledger_rows = [dict(r) for r in conn.execute(
        "SELECT * FROM ledger WHERE article_id = ? ORDER BY state != 'ingested', input_key", (article_id,))]
    short = short_input_names([r["input_key"] for r in ledger_rows])
    for r in ledger_rows:
        r["name"] = short[r["input_key"]]
        r["detail"] = _ledger_detail(r)
    art["ledger"] = ledger_rows
    event_ids: dict[str, str] = {}
    if "event_articles" in names:
        for r in conn.execute("SELECT event_id, role FROM event_articles WHERE article_id = ?", (article_id,)):
            event_ids[r["event_id"]] = r["role"]
    for m in art["event_mentions"]:
        if m["event_id"]:
            event_ids.setdefault(m["event_id"], "mentioning")
    art["events"] = [{**e, "role": event_ids[e["id"]]} for e in list_events(conn) if e["id"] in event_ids]
    return art


def sources(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every article with its provenance and its reprints (the report's source list)."""
    rows = conn.execute(
        "SELECT article_id, input_key, title, outlet, url, published, published_source, published_earliest, "
        "published_latest, published_confidence, year_known, language, word_count, reprinted_by FROM articles "
        # NULLs first, as SQLite orders them (PostgreSQL would put them last)
        "ORDER BY published IS NULL, published, outlet IS NOT NULL, outlet, article_id").fetchall()
    dups: dict[str, list[dict[str, Any]]] = {}
    dup_rows = conn.execute("SELECT input_key, article_id, duplicate_kind, similarity FROM ledger "
                            "WHERE state = 'duplicate' ORDER BY input_key").fetchall()
    names = short_input_names([r["input_key"] for r in rows] + [r["input_key"] for r in dup_rows])
    for r in dup_rows:
        dups.setdefault(r["article_id"], []).append(
            {"input": names[r["input_key"]], "kind": r["duplicate_kind"], "similarity": r["similarity"]})
    out = []
    for r in rows:
        d = dict(r)
        d["input"] = names[d.pop("input_key")]
        d["reprinted_by"] = _json(d["reprinted_by"], [])
        d["published_source_label"] = PUBLISHED_SOURCE_LABELS.get(d["published_source"], d["published_source"])
        d["duplicates"] = dups.get(d["article_id"], [])
        out.append(d)
    return out


# --- search -------------------------------------------------------------------------------------


_QUERY_PIECE = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+", re.UNICODE)


def parse_query(q: str) -> list[tuple[list[str], bool]]:
    """User text -> [(words, prefix)]: quoted phrases stay phrases, a trailing * is a prefix search."""
    pieces = []
    for m in _QUERY_PIECE.finditer(q or ""):
        phrase, bare = m.group(1), m.group(2)
        words = _WORD.findall(phrase if phrase is not None else bare)
        if words:
            pieces.append((words, bare is not None and bare.endswith("*")))
    return pieces


def fts_query(pieces: list[tuple[list[str], bool]]) -> str:
    """An FTS5 MATCH expression in which every user word is a quoted string (no operators)."""
    parts = []
    for words, prefix in pieces:
        parts.append('"' + " ".join(w.replace('"', '""') for w in words) + '"' + ("*" if prefix else ""))
    return " ".join(parts)


def term_pattern(pieces: list[tuple[list[str], bool]]) -> re.Pattern[str] | None:
    """A regex that finds the query's words and phrases in a sentence, for highlighting."""
    alts = []
    for words, prefix in sorted(pieces, key=lambda p: -sum(len(w) for w in p[0])):
        alt = r"\W+".join(re.escape(w) for w in words)
        alts.append(r"\b" + alt + (r"\w*" if prefix else r"\b"))
    return re.compile("|".join(alts), re.IGNORECASE) if alts else None


def _search_rows(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[dict[str, Any]]:
    arts = article_index(conn)
    out = []
    for r in rows:
        d = dict(r)
        d.update({k: v for k, v in _source(arts, d["article_id"]).items() if k != "article_id"})
        out.append(d)
    return out


def search_fts(conn: sqlite3.Connection, q: str, limit: int = 200, table: str = "sentences_fts") -> list[dict[str, Any]]:
    """Sentences matching ``q`` through an external-content FTS5 table over ``sentences``, best first."""
    expr = fts_query(parse_query(q))
    if not expr:
        return []
    rows = conn.execute(
        f"SELECT s.article_id, s.sentence_index, s.start, s.end, s.text FROM {table} f "
        f"JOIN sentences s ON s.rowid = f.rowid WHERE {table} MATCH ? ORDER BY f.rank LIMIT ?",
        (expr, limit)).fetchall()
    return _search_rows(conn, rows)


def pg_tsquery(pieces: list[tuple[list[str], bool]]) -> str:
    """A PostgreSQL tsquery: every piece's words as a phrase (``<->``), a trailing ``*`` a prefix
    (``:*``), the pieces joined by ``&``. Words are ``\\w+`` runs, so none carries tsquery syntax."""
    parts = []
    for words, prefix in pieces:
        terms = [f"'{w}'" for w in words]
        if prefix:
            terms[-1] += ":*"
        parts.append("(" + " <-> ".join(terms) + ")")
    return " & ".join(parts)


def search_pg(conn: Any, q: str, limit: int = 200) -> list[dict[str, Any]]:
    """Sentences matching ``q`` through PostgreSQL full-text search (the ``simple`` configuration,
    GIN index ``sentences_text_search`` from the schema), best first."""
    expr = pg_tsquery(parse_query(q))
    if not expr:
        return []
    rows = conn.execute(
        "SELECT article_id, sentence_index, start, end, text FROM sentences, to_tsquery('simple', ?) query "
        "WHERE to_tsvector('simple', text) @@ query "
        "ORDER BY ts_rank(to_tsvector('simple', text), query) DESC, article_id, sentence_index LIMIT ?",
        (expr, limit)).fetchall()
    return _search_rows(conn, rows)


def search_like(conn: sqlite3.Connection, q: str, limit: int = 200) -> list[dict[str, Any]]:
    """The same search without FTS5 (a database the server may not index): every word, LIKE."""
    pieces = parse_query(q)
    if not pieces or not _has(conn, "sentences"):
        return []
    clauses, params = [], []
    for words, _prefix in pieces:
        for w in words:
            # lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not
            clauses.append("lower(text) LIKE lower(?) ESCAPE '\\'")
            params.append("%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    rows = conn.execute(
        f"SELECT article_id, sentence_index, start, end, text FROM sentences WHERE {' AND '.join(clauses)} "
        f"ORDER BY article_id, sentence_index LIMIT ?", (*params, limit)).fetchall()
    return _search_rows(conn, rows)
